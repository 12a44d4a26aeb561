#!/bin/sh
# SPDX-License-Identifier: MIT
# Linking keeps listing_fingerprints' visibility map current (store/ingest.c, refresh_statistics):
# network_candidates reads the band buckets by index-only scans, which go to the heap for every
# entry on a page not yet marked all-visible, and autovacuum comes by once a minute at most, so
# during a fast ingestion most entries did (72,000 heap fetches for a batch of 2,000 at 100,000
# listings). After ingestions of 1,900 ads, 200 and 1,000, the linked store has vacuumed the
# table itself (pg_stat_user_tables.vacuum_count, which autovacuum does not count) and the pages
# written before are all-visible; a store with link_on_ingest = false leaves that to autovacuum.
# The networks after ingestion are those of a rebuild. (A new test: the old code never vacuumed,
# so it fails here.)
. "$(dirname "$0")/lib.sh"
use_pg

"$LW" db start >/dev/null 2>&1 || { notok "db start"; finish; }
URL=$("$LW" db url)
# Autovacuum resets the count of new rows this test relies on whenever it comes by (once a
# minute, sooner or later on a loaded machine): off for this table, ingestion's own VACUUM is
# what is tested.
sql "ALTER TABLE listing_fingerprints SET (autovacuum_enabled = false)" >/dev/null
# Durable commits, as ingestion has by default: the test cluster's synchronous_commit = off lets
# a commit return before its WAL is flushed, and PostgreSQL records the commit position for 32
# transactions together, so until the last ingestion's commit is flushed no row of the earlier
# runs (all within those 32) may be hinted committed, and VACUUM leaves every page not
# all-visible: the check below then failed whenever the WAL writer was a moment late.
sql "ALTER DATABASE \"$(sql "SELECT current_database()")\" SET synchronous_commit = on" >/dev/null
python3 - "$TMP" <<'PY'
import json, random, sys
rng = random.Random(23)
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)) for _ in range(3000)]
templates = [" ".join(rng.choice(words) for _ in range(60)) for _ in range(40)]
def ad(k):
    t = templates[k % 40].split()
    t[rng.randrange(len(t))] = rng.choice(words)     # a near-duplicate of its template
    return {"url": "https://board.test/ads/%d" % k, "title": "Job %d" % k,
            "body": " ".join(t) + " Call 021 555 %04d." % (k % 300),
            "location": "Auckland", "source": "board"}
with open(sys.argv[1] + "/a.jsonl", "w") as f:
    for k in range(1900):
        f.write(json.dumps(ad(k)) + "\n")
with open(sys.argv[1] + "/b.jsonl", "w") as f:
    for k in range(1900, 2100):
        f.write(json.dumps(ad(k)) + "\n")
with open(sys.argv[1] + "/c.jsonl", "w") as f:
    for k in range(2100, 3100):
        f.write(json.dumps(ad(k)) + "\n")
PY
# vacuums: manual VACUUMs of listing_fingerprints, once the ingesting backends' statistics are in.
vacuums() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		v=$(sql "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'listing_fingerprints'")
		[ "$v" != 0 ] && break
		sleep 0.5
	done
	echo "$v"
}
# 1,900 ads, 200 more, then 1,000 in one batch: ingestion looks after its first 1,000 ads and
# every 2,000 after, and the statistics of a run's own writes reach pg_stat_user_tables at most
# once a second, so the third run finds the earlier runs' 2,100 new fingerprints.
expect_rc 0 "ingest 1,900 ads, linked" "$LW" ingest "$TMP/a.jsonl"
expect_rc 0 "ingest 200 more" "$LW" ingest "$TMP/b.jsonl"
expect_rc 0 "1,000 more" "$LW" ingest "$TMP/c.jsonl"
v=$(vacuums)
if [ "$v" -ge 1 ] 2>/dev/null; then ok "linking vacuumed listing_fingerprints ($v times)"
else notok "listing_fingerprints was never vacuumed by ingestion (vacuum_count '$v')"; fi
# relallvisible is set by VACUUM from the visibility map (the run's later batches add pages).
vis=$(sql "SELECT relallvisible > 0 FROM pg_class WHERE relname = 'listing_fingerprints'")
expect_eq "$vis" "t" "its pages are marked all-visible, so the band lookups stay index-only"

parts() {
	sql "SELECT n.listing_id, min(m.listing_id) FROM listing_networks n JOIN listing_networks m
		ON m.network_id = n.network_id GROUP BY 1 ORDER BY 1"
}
parts >"$TMP/inc"
expect_rc 0 "network rebuild" "$LW" network rebuild
parts >"$TMP/full"
if cmp -s "$TMP/inc" "$TMP/full"; then ok "the networks after ingestion are those of a rebuild"
else notok "ingestion and rebuild differ"; diff "$TMP/inc" "$TMP/full" | head -5 | sed 's/^/# /'; fi

# Without linking, ingestion does not vacuum (autovacuum's schedule is its own).
sql "SELECT pg_stat_reset_single_table_counters('listing_fingerprints'::regclass)" >/dev/null
cat >"$TMP/off.conf" <<CONF
[lurewatch]
home = $LUREWATCH_HOME
[networks]
link_on_ingest = false
CONF
for f in a b c; do sed 's#board.test/ads/#board.test/off/#' "$TMP/$f.jsonl" >"$TMP/off-$f.jsonl"; done
expect_rc 0 "ingest 1,900 ads, link_on_ingest = false" "$LW" --config "$TMP/off.conf" ingest "$TMP/off-a.jsonl"
expect_rc 0 "200 more" "$LW" --config "$TMP/off.conf" ingest "$TMP/off-b.jsonl"
expect_rc 0 "1,000 more" "$LW" --config "$TMP/off.conf" ingest "$TMP/off-c.jsonl"
sleep 1
expect_eq "$(sql "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'listing_fingerprints'")" \
	"0" "without linking, no VACUUM"
finish

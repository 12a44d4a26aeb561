#!/bin/sh
# SPDX-License-Identifier: MIT
# However a rescan is cut up, it leaves the same store: one worker with one chunk, small
# chunks (rounds, chunks and deferred network work end in different places), the automatic
# chunk size, two workers (--jobs 2), and a worker killed mid-rescan whose chunk another takes
# over all give exactly the same versions, hits, entities, networks (as a partition of the
# listings: ids of networks depend on the order of merges), queue and audit trail. Each
# variant rescans its own copy (CREATE DATABASE ... TEMPLATE) of one store, loaded as
# bench/bench_rescan.sh loads it: versions scored by an older pack, nothing linked yet, so the
# rescan links every listing into networks and queues the flagged ones.
. "$(dirname "$0")/lib.sh"
use_pg
N=${LW_RESCAN_EQUAL_N:-3000}

expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
expect_rc 0 "db migrate" "$LW" db migrate
load_old_store "$N" 7
expect_eq "$(sql "SELECT count(*) FROM listings")" "$N" "a store of $N listings scored by an older pack"
# Networks are not split here: a split (igraph's Leiden on a network as large as
# split_min_size) sees the network as far as linking has got at the end of a batch, so where
# batches end decides it, however the rescan is run (main's own rescans differ with the chunk
# size there). Everything else linking does is compared.
cat >"$TMP/lw.conf" <<CONF
[matcher]
rules = $TOP/rules
[networks]
split_min_size = 0
CONF
# The store becomes the template of every variant's database.
DB=$(sql "SELECT current_database()")
sql "CREATE DATABASE snap TEMPLATE $DB" >/dev/null
# url_of NAME: $URL (keyword form, as "db url" prints it) with another database name.
url_of() {
	printf '%s\n' "$URL" | sed "s/dbname=[^ ]*/dbname=$1/"
}
# variant NAME ARGS...: rescans a fresh copy of the store, with ARGS.
variant() {
	v=$1
	shift
	sql "CREATE DATABASE $v TEMPLATE snap" >/dev/null
	LUREWATCH_DATABASE_URL=$(url_of "$v") timeout 600 "$LW" --config "$TMP/lw.conf" rescan -q "$@" \
		>"$TMP/$v.out" 2>"$TMP/$v.err"
}
# dump NAME: what a rescan leaves, as text. CONTACT_COUNTS: the columns of contact_stats
# compared besides the detail, its kinds and whether it is generic.
CONTACT_COUNTS="listings, places, sources,"
dump() {
	U=$(url_of "$1")
	for q in \
		"SELECT listing_id, version, rule_pack, score, flagged, categories FROM listing_versions ORDER BY 1, 2" \
		"SELECT v.listing_id, h.rule_pack, h.hits FROM hit_sets h JOIN listing_versions v ON v.id = h.version_id ORDER BY 1, 2" \
		"SELECT v.listing_id, h.rule_id, h.start_offset, h.end_offset, h.weight, h.matched FROM hits h JOIN listing_versions v ON v.id = h.version_id ORDER BY 1, 2, 3, 4" \
		"SELECT listing_id, kind, value, normalized, start_offset, end_offset FROM listing_entities ORDER BY 1, 2, 3, 4, 5" \
		"SELECT listing_id, simhash FROM listing_fingerprints ORDER BY 1" \
		"SELECT n.listing_id, min(m.listing_id) FROM listing_networks n JOIN listing_networks m ON m.network_id = n.network_id GROUP BY 1 ORDER BY 1" \
		"SELECT listing_id, version_id, score, categories, priority, regexp_replace(priority_reason, 'network [0-9]+', 'network N'), urgent, status FROM queue_items ORDER BY 1" \
		"SELECT actor, action, listing_id, details FROM audit_log ORDER BY 3, 2, 4::text" \
		"SELECT normalized, kinds, $CONTACT_COUNTS generic FROM contact_stats_now ORDER BY 1"; do
		echo "-- $q"
		PGCLIENTENCODING=UTF8 PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$U" -c "$q"
	done
}
# same NAME WHAT: the variant's store equals the reference's; on a difference, says in which
# tables (the dump's "--" lines) and shows the first lines that differ.
same() {
	dump "$1" >"$TMP/$1.dump"
	if cmp -s "$TMP/one.dump" "$TMP/$1.dump"; then ok "$2: the same store as one worker with one chunk"; else
		notok "$2: the same store as one worker with one chunk"
		diff "$TMP/one.dump" "$TMP/$1.dump" | grep -c '^[<>]' | sed 's/^/# lines differing: /'
		awk 'NR == FNR { if (/^-- /) q = $0; a[FNR] = $0; s[FNR] = q; next }
		     FNR in a && a[FNR] != $0 && !seen[s[FNR]]++ { print "# differs in: " substr(s[FNR], 1, 90) }' \
			"$TMP/one.dump" "$TMP/$1.dump"
		diff "$TMP/one.dump" "$TMP/$1.dump" | head -${LW_DIFF_LINES:-20} | sed 's/^/# /'
	fi
}

variant one --chunk 1000000
expect_grep "rescanned $N listings.*: $N scored afresh" "$TMP/one.out" "one worker, one chunk: every listing scored"
dump one >"$TMP/one.dump"
q=$(grep -c . "$TMP/one.dump")
ql=$(psql -X -q -t -A "$(url_of one)" -c "SELECT count(*) FROM lurewatch.queue_items WHERE priority_reason <> ''")
nl=$(psql -X -q -t -A "$(url_of one)" -c "SELECT count(DISTINCT network_id) FROM lurewatch.listing_networks")
[ "$ql" -gt 0 ] && [ "$nl" -gt 10 ] && ok "the reference has networks ($nl) and items raised by them ($ql); $q lines" ||
	notok "the reference has networks ($nl) and items raised by them ($ql)"

variant small --chunk 170
same small "chunks of 170 listings"
expect_eq "$(psql -X -q -t -A "$(url_of small)" -c "SELECT count(*) FROM lurewatch.rescan_chunks")" \
	"$(((N + 169) / 170))" "chunks of 170 as asked"
variant auto
same auto "the automatic chunk size"
expect_eq "$(psql -X -q -t -A "$(url_of auto)" -c "SELECT count(*) || ' ' || min(listings) FROM lurewatch.rescan_chunks")" \
	"$(((N + 499) / 500)) 500" "automatic chunks: never fewer than 500 listings"
variant two --jobs 2 --chunk 230
expect_grep "rescanned $N listings.*: $N scored afresh" "$TMP/two.out" "two workers score each listing once"
# Two writers at once: each batch recounts its contact details (store/link.c, refresh_hubs)
# without the other's uncommitted rows, so a count can end one or two short; the counts are a
# cache a rebuild recounts, and the generic verdicts and networks built on them are compared.
CONTACT_COUNTS=""
dump one >"$TMP/one.dump"
same two "--jobs 2"
CONTACT_COUNTS="listings, places, sources,"
dump one >"$TMP/one.dump"

# LW_RESCAN_EQUAL_BASE=path/to/lurewatch: the same comparison with another binary's rescan
# (e.g. main's, which ran the network priority per batch), run as it runs by default.
if [ -n "${LW_RESCAN_EQUAL_BASE:-}" ]; then
	sql "CREATE DATABASE base TEMPLATE snap" >/dev/null
	LUREWATCH_DATABASE_URL=$(url_of base) timeout 600 "$LW_RESCAN_EQUAL_BASE" --config "$TMP/lw.conf" \
		rescan -q >"$TMP/base.out" 2>"$TMP/base.err"
	same base "$LW_RESCAN_EQUAL_BASE"
fi

# A worker killed once it has finished a chunk and started the next; another takes over.
sql "CREATE DATABASE killed TEMPLATE snap" >/dev/null
KU=$(url_of killed)
LUREWATCH_DATABASE_URL=$KU "$LW" --config "$TMP/lw.conf" rescan -q --threads 1 --lease 3 --chunk 100 >"$TMP/k1.out" 2>"$TMP/k1.err" &
k1=$!
pids="$pids $k1"
i=0
while [ "$(psql -X -q -t -A "$KU" -c "SELECT count(*) FROM lurewatch.rescan_chunks WHERE state = 'done'")" = 0 ] && [ $i -lt 1200 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.5
kill -9 $k1
expect_eq "$(psql -X -q -t -A "$KU" -c "SELECT count(*) FROM lurewatch.rescans WHERE finished_at IS NULL")" 1 \
	"a rescan is part-way when its worker is killed"
LUREWATCH_DATABASE_URL=$KU timeout 600 "$LW" --config "$TMP/lw.conf" rescan -q --lease 3 >"$TMP/k2.out" 2>"$TMP/k2.err"
expect_eq "$?" 0 "another worker finishes it"
taken=$(psql -X -q -t -A "$KU" -c "SELECT count(*) FROM lurewatch.rescan_chunks WHERE attempts = 2")
[ "$taken" -ge 1 ] && [ "$taken" -le 2 ] && ok "the killed worker's chunks were taken over ($taken)" ||
	notok "the killed worker's chunks were taken over ($taken)"
same killed "a killed worker's chunk taken over"
finish

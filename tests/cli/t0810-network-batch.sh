#!/bin/sh
# SPDX-License-Identifier: MIT
# Networks linked a batch at a time (network_candidates and union-find in
# the store) against PostgreSQL: a few thousand generated ads, a tenth in
# groups sharing a phone or handle, ingested in odd-sized batches over three
# runs, give the same networks as a rebuild from scratch and as the
# per-listing network_link of migrations 004-007, run in listing order.
. "$(dirname "$0")/lib.sh"
use_pg

"$LW" db start >/dev/null 2>&1 || { notok "db start"; finish; }
url=$("$LW" db url)
python3 "$TOP/bench/gen_listings.py" jsonl "$TMP/ads.jsonl" "$TMP/ads.csv" 3000 7 0.10 >/dev/null 2>&1
head -n 1000 "$TMP/ads.jsonl" >"$TMP/p1.jsonl"
sed -n 1001,2200p "$TMP/ads.jsonl" >"$TMP/p2.jsonl"
tail -n +2201 "$TMP/ads.jsonl" >"$TMP/p3.jsonl"
for p in p1 p2 p3; do
	expect_rc 0 "ingest $p in batches of 97" "$LW" ingest --batch 97 "$TMP/$p.jsonl"
done

# Each network as its sorted member ids, one a line, sorted.
partition() {
	psql "$url" -X -q -At -v ON_ERROR_STOP=1 "$@" \
		-c "SELECT string_agg(listing_id::text, ' ' ORDER BY listing_id) AS m
		    FROM lurewatch.listing_networks GROUP BY network_id HAVING count(*) > 1 ORDER BY m"
}
partition >"$TMP/inc" || notok "read the networks"
big=$(wc -l <"$TMP/inc")
if [ "$big" -ge 20 ]; then ok "incremental linking made $big networks of 2 or more"
else notok "networks made ($big)"; fi
ids=$(psql "$url" -X -q -At -c "SELECT count(*) FROM lurewatch.listing_networks n
	JOIN lurewatch.listings l ON l.id = n.listing_id WHERE n.network_id = (SELECT min(listing_id)
	FROM lurewatch.listing_networks m WHERE m.network_id = n.network_id)")
total=$(psql "$url" -X -q -At -c "SELECT count(*) FROM lurewatch.listing_networks")
if [ "$ids" = "$total" ]; then ok "every network is named after its lowest listing id"
else notok "network ids ($ids of $total named after their lowest member)"; fi

# The per-listing function of migrations 004-007, in listing order, rolled back.
psql "$url" -X -q -At -v ON_ERROR_STOP=1 >"$TMP/old" <<'SQL' || notok "per-listing linking"
SET search_path = lurewatch, pg_catalog;
BEGIN;
DELETE FROM listing_networks;
SELECT count(network_link(id, '{}'::text[], 3)) FROM listings ORDER BY 1 \g /dev/null
SELECT string_agg(listing_id::text, ' ' ORDER BY listing_id) AS m FROM listing_networks
 GROUP BY network_id HAVING count(*) > 1 ORDER BY m;
ROLLBACK;
SQL
if cmp -s "$TMP/inc" "$TMP/old"; then ok "batch linking equals per-listing linking"
else notok "batch equals per-listing"; diff "$TMP/inc" "$TMP/old" | head -10 | sed 's/^/# /'; fi

expect_rc 0 "network rebuild" "$LW" network rebuild
partition >"$TMP/full"
if cmp -s "$TMP/inc" "$TMP/full"; then ok "incremental networks equal a rebuild from scratch"
else notok "incremental equals rebuild"; diff "$TMP/inc" "$TMP/full" | head -10 | sed 's/^/# /'; fi

# Ingesting the same ads again changes no network.
expect_rc 0 "ingest p2 again" "$LW" ingest --batch 97 "$TMP/p2.jsonl"
partition >"$TMP/again"
if cmp -s "$TMP/inc" "$TMP/again"; then ok "a second ingest of the same ads changes no network"
else notok "second ingest"; diff "$TMP/inc" "$TMP/again" | head -10 | sed 's/^/# /'; fi
finish

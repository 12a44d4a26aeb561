#!/bin/sh
# SPDX-License-Identifier: MIT
# Who queues new listings for the search index (migration 113): ingestion
# queues the ids it inserts itself, each once, in the statement that inserts
# them, and its session says so (lurewatch.search_queued = on), which keeps
# the row trigger quiet; any other writer's listings are queued by that
# trigger, and a changed text is queued again as before.
. "$(dirname "$0")/lib.sh"
use_pg

sql() { PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"; }
jfield() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TMP/out" "$1"; }
# Each pending listing's URL and how often it is named, in URL order.
pending() {
	sql "SELECT string_agg(url || ':' || n, ' ' ORDER BY url) FROM (SELECT l.url, count(*) AS n
		FROM search_pending p JOIN listings l ON l.id = p.listing_id GROUP BY l.url) x"
}

cat >"$LUREWATCH_HOME/lurewatch.conf" <<CONF
[lurewatch]
home = $LUREWATCH_HOME
CONF
expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)

cat >"$TMP/a.jsonl" <<'ADS'
{"url":"http://s/1","title":"Cook in Zanzibar","body":"Kitchen work, fair pay."}
{"url":"http://s/2","title":"Driver","body":"Deliveries around the harbour."}
{"url":"http://s/3","title":"Cleaner","body":"Hotel rooms, zanzibar coast."}
ADS
expect_rc 0 "ingest three listings" "$LW" ingest "$TMP/a.jsonl"
expect_eq "$(pending)" "http://s/1:1 http://s/2:1 http://s/3:1" "each new listing is queued once"

# Two new, one unchanged, one changed, in one batch: the new ones once each,
# the changed one again (its update trigger), the unchanged one not.
cat >"$TMP/b.jsonl" <<'ADS'
{"url":"http://s/4","title":"Waiter","body":"Evening shifts."}
{"url":"http://s/1","title":"Cook in Zanzibar","body":"Kitchen work, fair pay."}
{"url":"http://s/2","title":"Driver","body":"Deliveries to Kalamata."}
{"url":"http://s/5","title":"Porter","body":"Night shifts."}
ADS
expect_rc 0 "ingest new, unchanged and changed listings" "$LW" ingest "$TMP/b.jsonl"
expect_eq "$(pending)" "http://s/1:1 http://s/2:2 http://s/3:1 http://s/4:1 http://s/5:1" \
	"new ones once, the changed one again"

expect_rc 0 "search --reindex" "$LW" search --reindex
expect_eq "$(sql 'SELECT count(*) FROM search_pending')" 0 "the queue is empty"

# Another writer: its listings are queued by the trigger, one row each.
sql "INSERT INTO listings (url, source_id, title, body, content_hash)
	SELECT 'http://sql/' || g, (SELECT min(id) FROM sources), 'quokka ' || g, 'text', md5(g::text)
	FROM generate_series(1, 3) g"
expect_eq "$(pending)" "http://sql/1:1 http://sql/2:1 http://sql/3:1" "rows written in SQL are queued"
"$LW" search --json quokka >"$TMP/out" 2>"$TMP/err"
expect_eq "$(jfield total):$(jfield pending)" 3:3 "search finds them, read directly before indexing"

# A writer that says it queues its own listings is taken at its word, as
# ingestion's session is: the trigger leaves its rows alone.
sql "SET lurewatch.search_queued = on;
	INSERT INTO listings (url, source_id, title, body, content_hash)
	VALUES ('http://own/1', (SELECT min(id) FROM sources), 'wombat', 'text', md5('own'))"
expect_eq "$(sql "SELECT count(*) FROM search_pending p JOIN listings l ON l.id = p.listing_id
	WHERE l.url = 'http://own/1'")" 0 "a writer that queues its own is not queued twice"

expect_rc 0 "db stop" "$LW" db stop
finish

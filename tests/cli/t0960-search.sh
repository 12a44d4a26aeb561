#!/bin/sh
# SPDX-License-Identifier: MIT
# Search with the index outside ingestion (migration 094): listings not yet
# indexed are found by reading their text, a changed listing is not found by
# its old words, `search --reindex` and the daemon empty the queue, two
# indexers side by side index everything once, and listings beyond the
# directly searched tail are counted, never silently missed.
. "$(dirname "$0")/lib.sh"
use_pg

sql() { PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"; }
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
# jfield KEY: KEY's integer in $TMP/out (lurewatch search --json).
jfield() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TMP/out" "$1"; }

cat >"$LUREWATCH_HOME/lurewatch.conf" <<EOF
[lurewatch]
home = $LUREWATCH_HOME
EOF
expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)

cat >"$TMP/a.jsonl" <<'EOF'
{"url":"http://s/1","title":"Cook in Zanzibar","body":"Kitchen work, fair pay."}
{"url":"http://s/2","title":"Driver","body":"Deliveries around the harbour."}
{"url":"http://s/3","title":"Cleaner","body":"Hotel rooms, zanzibar coast."}
EOF
expect_rc 0 "ingest three listings" "$LW" ingest "$TMP/a.jsonl"
expect_eq "$(sql 'SELECT count(*) FROM search_pending')" 3 "ingestion queues them for the index"
expect_eq "$(sql 'SELECT count(*) FROM listing_search')" 0 "and does not index them itself"

expect_rc 0 "search finds listings not yet indexed" "$LW" search --json zanzibar
expect_eq "$(jfield total)" 2 "both listings naming zanzibar"
expect_eq "$(jfield pending)" 3 "the result says three were not indexed"
expect_eq "$(jfield unsearched)" 0 "and that all of them were searched"
expect_rc 0 "plain output" "$LW" search zanzibar
expect_grep '2 listings match (3 not yet indexed, searched directly)' "$TMP/out" "says so in words"

expect_rc 0 "search --reindex" "$LW" search --reindex
expect_grep '3 waiting listings indexed' "$TMP/out" "reports what it indexed"
expect_eq "$(sql 'SELECT count(*) FROM search_pending')" 0 "the queue is empty"
expect_eq "$(sql 'SELECT count(*) FROM listing_search')" 3 "every listing is indexed"
expect_rc 0 "search the index" "$LW" search --json zanzibar
expect_eq "$(jfield total):$(jfield pending)" 2:0 "the same two, from the index"
expect_rc 1 "nothing found exits 1" "$LW" search --json timbuktu
expect_eq "$(jfield total)" 0 "no match"

# A changed listing is queued again; until it is re-indexed, its old words
# must not find it and its new ones must.
echo '{"url":"http://s/1","title":"Cook in Kalamata","body":"Kitchen work, fair pay."}' >"$TMP/b.jsonl"
expect_rc 0 "ingest a changed listing" "$LW" ingest "$TMP/b.jsonl"
expect_eq "$(sql 'SELECT count(*) FROM search_pending')" 1 "the change is queued"
"$LW" search --json zanzibar >"$TMP/out" 2>"$TMP/err"
expect_eq "$(jfield total)" 1 "the old word no longer finds the changed listing"
"$LW" search --json kalamata >"$TMP/out" 2>"$TMP/err"
expect_eq "$(jfield total)" 1 "the new word finds it before indexing"
echo '{"url":"http://s/2","title":"Driver","body":"Deliveries around the harbour."}' >"$TMP/c.jsonl"
expect_rc 0 "ingest an unchanged listing" "$LW" ingest "$TMP/c.jsonl"
expect_eq "$(sql 'SELECT count(*) FROM search_pending')" 1 "an unchanged listing is not queued"
expect_rc 0 "daemon --once-idle" "$LW" daemon --once-idle
expect_eq "$(sql 'SELECT count(*) FROM search_pending')" 0 "the daemon indexes what waits"
"$LW" search --json kalamata >"$TMP/out" 2>"$TMP/err"
expect_eq "$(jfield total):$(jfield pending)" 1:0 "the new word finds it in the index"
"$LW" search --json zanzibar >"$TMP/out" 2>"$TMP/err"
expect_eq "$(jfield total)" 1 "and the old word still does not"

# More waiting than search reads directly: those beyond are counted. Rows
# written in SQL are queued too (the trigger sees every insert).
sql "INSERT INTO listings (url, source_id, title, body, content_hash)
	SELECT 'http://bulk/' || g, (SELECT min(id) FROM sources),
	CASE WHEN g <= 5 THEN 'oldest quokka' ELSE 'filler' END, 'text ' || g, md5(g::text)
	FROM generate_series(1, 5005) g ORDER BY g"
expect_rc 1 "a search past the directly searched tail" "$LW" search --json quokka
expect_eq "$(jfield pending):$(jfield unsearched)" 5005:5 "counts those it could not search"
expect_rc 1 "plain output" "$LW" search quokka
expect_grep '5 listings waiting for the search index were not searched' "$TMP/out" "says so in words"

# Two indexers side by side take different rows and leave nothing behind.
"$LW" search --reindex --quiet >"$TMP/r1" 2>&1 & r1=$!
"$LW" search --reindex --quiet >"$TMP/r2" 2>&1 & r2=$!
wait $r1; rc1=$?
wait $r2; rc2=$?
expect_eq "$rc1:$rc2" 0:0 "two indexers at once"
expect_eq "$(sql 'SELECT count(*) FROM search_pending')" 0 "nothing left waiting"
expect_eq "$(sql 'SELECT (SELECT count(*) FROM listing_search) - (SELECT count(*) FROM listings)')" 0 \
	"every listing indexed once"
expect_rc 0 "the oldest are found once indexed" "$LW" search --json quokka
expect_eq "$(jfield total):$(jfield unsearched)" 5:0 "all five"

# The COPY that carries listings escapes runs of plain text whole: every
# special byte, at either end and side by side, arrives as it was sent.
python3 - "$TMP/esc.jsonl" <<'PY'
import json, sys
body = "\\lead\ttab\r\ncrlf\\\\double\n\n\t\\\\N not null\\"
with open(sys.argv[1], "w") as f:
    f.write(json.dumps({"url": "http://esc/1", "title": "\tTitle\\", "body": body}) + "\n")
PY
hexof() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]].encode().hex())' "$TMP/esc.jsonl" "$1"; }
expect_rc 0 "ingest text full of COPY's special bytes" "$LW" ingest "$TMP/esc.jsonl"
for f in body title; do
	expect_eq "$(sql "SELECT encode(convert_to($f, 'UTF8'), 'hex') FROM listings WHERE url = 'http://esc/1'")" \
		"$(hexof $f)" "the $f is stored byte for byte"
done

expect_rc 2 "search without a query" "$LW" search
expect_rc 2 "an absurd limit" "$LW" search --limit 1e300 x
finish

#!/bin/sh
# SPDX-License-Identifier: MIT
# Postings' bodies are stored compressed with lz4 (store/db.c, migration
# 110), as ingestion stages them, in the listing (its current version has
# no text of its own: migration 111) and in a changed listing's older
# version, and read back whole: by queue show, search (before and after
# indexing), and the older version.
. "$(dirname "$0")/lib.sh"
use_pg

cat >"$LUREWATCH_HOME/lurewatch.conf" <<EOF
[lurewatch]
home = $LUREWATCH_HOME
EOF
expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)

expect_eq "$(sql "SELECT string_agg(c.relname || '.' || a.attname || '=' || a.attcompression::text, ' '
	ORDER BY c.relname, a.attname) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
	WHERE c.relnamespace = 'lurewatch'::regnamespace AND (a.attname IN ('title', 'body')
	AND c.relname IN ('listings', 'listing_versions') OR c.relname = 'hit_sets' AND a.attname = 'hits')")" \
	"hit_sets.hits=l listing_versions.body=l listing_versions.title=l listings.body=l listings.title=l" \
	"the text columns compress with lz4"

# Three postings of 4-6 KB (PostgreSQL compresses values over 2 KB), the
# first a lure; their bodies' md5 in $TMP/md5.
python3 - "$TMP/a.jsonl" "$TMP/b.jsonl" "$TMP/md5" <<'PY'
import hashlib, json, sys
words = "kitchen harbour shift contract season hotel warehouse driver cook cleaner".split()
def body(i, n):
    out = []
    for k in range(n):
        out.append("Line %d of posting %d: the %s team needs a %s for the %s." % (
            k, i, words[(k * 7 + i) % 10], words[(k * 3 + i) % 10], words[(k + i) % 10]))
    return "\n".join(out)
ads = [
    {"url": "http://s/1", "title": "Cleaners wanted abroad",
     "body": "No experience needed, we keep your passport safe, pay the recruitment fee "
             "from your first salary. Send your passport copy today.\n" + body(1, 80) +
             "\nLast word: quokkaterminus."},
    {"url": "http://s/2", "title": "Driver", "body": body(2, 90)},
    {"url": "http://s/3", "title": "Cook", "body": body(3, 60)},
]
with open(sys.argv[1], "w", encoding="utf-8") as o:
    o.writelines(json.dumps(a) + "\n" for a in ads)
changed = dict(ads[1], body=ads[1]["body"] + "\nNow with a night shift.")
with open(sys.argv[2], "w", encoding="utf-8") as o:
    o.write(json.dumps(changed) + "\n")
with open(sys.argv[3], "w", encoding="utf-8") as o:
    for a in ads + [changed]:
        o.write(a["url"] + " " + hashlib.md5(a["body"].encode()).hexdigest() + "\n")
PY
expect_rc 0 "ingest three long postings" "$LW" ingest "$TMP/a.jsonl"
expect_eq "$(sql "SELECT string_agg(coalesce(pg_column_compression(body), 'none'), ' ' ORDER BY id) FROM listings")" \
	"lz4 lz4 lz4" "listings' bodies are stored with lz4"
expect_eq "$(sql "SELECT count(*) FROM listing_versions WHERE title IS NULL AND body IS NULL")" \
	3 "their current versions keep no second copy of the text"
expect_eq "$(sql "SELECT string_agg(l.url || ' ' || md5(l.body), ' ' ORDER BY l.url) FROM listings l")" \
	"$(head -n 3 "$TMP/md5" | tr '\n' ' ' | sed 's/ $//')" "the bodies read back as ingested"
expect_eq "$(sql "SELECT count(*) FROM listings l JOIN listing_versions v ON v.listing_id = l.id
	WHERE coalesce(v.body, l.body) = l.body AND coalesce(v.title, l.title) = l.title")" 3 \
	"each version reads its listing's text"

item=$(sql "SELECT q.id FROM queue_items q JOIN listings l ON l.id = q.listing_id WHERE l.url = 'http://s/1'")
expect_rc 0 "queue show --json of the lure" "$LW" queue show --json "$item"
expect_eq "$(python3 -c 'import hashlib,json,sys; print(hashlib.md5(json.load(open(sys.argv[1]))["body"].encode()).hexdigest())' "$TMP/out")" \
	"$(sed -n 's#^http://s/1 ##p' "$TMP/md5")" "queue show gives the whole body"
expect_rc 0 "search finds the last word before indexing" "$LW" search quokkaterminus
expect_rc 0 "search --reindex" "$LW" search --reindex
expect_rc 0 "and after" "$LW" search quokkaterminus
expect_grep 'http://s/1' "$TMP/out" "the lure is the listing found"

expect_rc 0 "ingest a changed posting" "$LW" ingest "$TMP/b.jsonl"
expect_eq "$(sql "SELECT string_agg(v.version || ' ' || md5(coalesce(v.body, l.body)) || ' '
	|| pg_column_compression(coalesce(v.body, l.body)), ' ' ORDER BY v.version)
	FROM listing_versions v JOIN listings l ON l.id = v.listing_id WHERE l.url = 'http://s/2'")" \
	"1 $(sed -n '2s#^http://s/2 ##p' "$TMP/md5") lz4 2 $(sed -n '4s#^http://s/2 ##p' "$TMP/md5") lz4" \
	"the older version keeps its body, the new one reads the listing's"
expect_eq "$(sql "SELECT md5(body) FROM listings WHERE url = 'http://s/2'")" \
	"$(sed -n '4s#^http://s/2 ##p' "$TMP/md5")" "the listing holds the new body"
expect_eq "$(sql "SELECT v.version || ' ' || (v.body IS NULL) FROM listing_versions v JOIN listings l
	ON l.id = v.listing_id WHERE l.url = 'http://s/2' ORDER BY v.version")" "1 false
2 true" "only the older version holds text of its own"
finish

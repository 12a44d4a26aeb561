#!/bin/sh
# SPDX-License-Identifier: MIT
# `lurewatch ingest` of a Telegram Desktop channel export (result.json)
# against a throwaway PostgreSQL: listings, links, dates, idempotence, edits,
# and malformed or hostile exports refused with where they went wrong.
. "$(dirname "$0")/lib.sh"
use_pg
H=$LUREWATCH_HOME
EXPORT=$TOP/tests/data/telegram/result.json
cat >"$H/test.rules" <<'EOF'
[pack]
name = telegram-test
version = 1

[rule keep_passport]
category = documents
weight = 2
description = the employer keeps the passport
pattern = /\bkeep\s+your\s+passport\b/

[rule pay_fee]
category = fee_debt
weight = 2
description = a fee to be paid
pattern = /\bpay\s+a\s+fee\b/
EOF
cat >"$H/lurewatch.conf" <<EOF
[matcher]
rules = $H/test.rules
threshold = 1
EOF

sql() { PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"; }
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
urls() { sql "SELECT string_agg(url, ' ' ORDER BY url) FROM listings WHERE url LIKE '$1%'"; }

expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)

# ---- the export ---------------------------------------------------------------------------

expect_rc 0 "ingest a Telegram export by its shape" "$LW" ingest "$EXPORT"
expect_grep 'result.json: Telegram export: 3 messages with text, 2 service and 1 empty skipped, 0 rejected' \
	"$TMP/err" "service and empty messages are skipped and counted"
expect_grep 'ingested 3 listings: 3 new' "$TMP/out" "one listing per message with text"
expect_eq "$(urls https://t.me/)" \
	"https://t.me/c/1700000001/2 https://t.me/c/1700000001/3 https://t.me/c/1700000001/6" \
	"without a username the links use the channel's number"
expect_eq "$(sql "SELECT DISTINCT s.name FROM listings l JOIN sources s ON s.id = l.source_id")" \
	"Harbour Jobs Board (fictional)" "the source is the channel's name"
expect_eq "$(sql "SELECT posted || ' ' || posted_on FROM listings WHERE url = 'https://t.me/c/1700000001/2'")" \
	"2025-03-01T10:15:00Z 2025-03-01" "posted is the message's UTC time, kept as a date too"
expect_eq "$(sql "SELECT title FROM listings WHERE url = 'https://t.me/c/1700000001/2'")" \
	"High income abroad, safe company" "the title is the first line"
expect_eq "$(sql "SELECT body FROM listings WHERE url = 'https://t.me/c/1700000001/2'" | tail -1)" \
	"Contact our manager (https://t.me/example_recruiter_zz) or wa.me/15550100" \
	"text arrays are flattened, text_link targets kept"
expect_eq "$(sql "SELECT string_agg(k.url, ' ' ORDER BY k.position) FROM listing_links k JOIN listings l ON l.id = k.listing_id WHERE k.kind = 'outlink' AND l.url LIKE '%/2'")" \
	"https://t.me/example_recruiter_zz https://wa.me/15550100" "links are recorded as outlinks"
expect_eq "$(sql "SELECT string_agg(k.url, ' ') FROM listing_links k JOIN listings l ON l.id = k.listing_id WHERE l.url LIKE '%/6'")" \
	"https://t.me/kitchen_crew_zz" "mentions are recorded as t.me links"
expect_eq "$(sql "SELECT string_agg(l.url, ' ' ORDER BY l.url) FROM queue_items q JOIN listings l ON l.id = q.listing_id")" \
	"https://t.me/c/1700000001/2 https://t.me/c/1700000001/6" "the lure-like posts are queued, the ordinary one not"

expect_rc 0 "ingest the export again" "$LW" ingest --json "$EXPORT"
expect_grep '"new":0,"changed":0,"unchanged":3' "$TMP/out" "re-ingesting stores nothing new"
expect_eq "$(sql 'SELECT count(*) FROM listings'):$(sql 'SELECT count(*) FROM listing_versions')" \
	"3:3" "the export is stored once"

sed 's/weekly pay into your own account/fortnightly pay into your own account/' "$EXPORT" >"$TMP/edited.json"
expect_rc 0 "ingest an export with an edited message" "$LW" ingest --json "$TMP/edited.json"
expect_grep '"new":0,"changed":1,"unchanged":2' "$TMP/out" "an edited message becomes a new version"

expect_rc 0 "--telegram-channel gives public links, --source a source" \
	"$LW" ingest --telegram-channel https://t.me/harbour_jobs_zz --source analyst-upload "$EXPORT"
expect_eq "$(urls https://t.me/harbour)" \
	"https://t.me/harbour_jobs_zz/2 https://t.me/harbour_jobs_zz/3 https://t.me/harbour_jobs_zz/6" \
	"links name the channel"
expect_eq "$(sql "SELECT DISTINCT s.name FROM listings l JOIN sources s ON s.id = l.source_id WHERE url LIKE 'https://t.me/harbour%'")" \
	"analyst-upload" "--source overrides the channel's name"
expect_rc 2 "a bad --telegram-channel" "$LW" ingest --telegram-channel 'not a name' "$EXPORT"
expect_grep "'not a name' is not a channel username" "$TMP/err" "the bad username is named"

"$LW" ingest --format telegram --telegram-channel stdin_zz - <"$EXPORT" >"$TMP/out" 2>"$TMP/err"
expect_eq "$?:$(urls https://t.me/stdin_zz | wc -w)" "0:3" "--format telegram reads standard input"

printf '%s\n' '{"url":"http://j/1","title":"Cook","body":"fair pay"}' \
	'{"url":"http://j/2","title":"Driver","body":"we keep your passport"}' >"$TMP/lines.json"
expect_rc 0 "a .json file of JSON Lines is still JSON Lines" "$LW" ingest "$TMP/lines.json"
expect_eq "$(urls http://j/)" "http://j/1 http://j/2" "both lines stored"

# ---- malformed and hostile exports -----------------------------------------------------------

before=$(sql 'SELECT count(*) FROM listings')
line=$(grep -n '"id": 3,' "$EXPORT" | cut -d: -f1)
sed 's/"id": 3,/"id": 3/' "$EXPORT" >"$TMP/bad.json"
echo '{"url":"http://j/3","title":"Porter","body":"day shifts"}' >"$TMP/after.jsonl"
expect_rc 2 "a malformed export exits 2" "$LW" ingest --telegram-channel bad_zz "$TMP/bad.json" "$TMP/after.jsonl"
expect_grep "bad.json:$((line + 1)):[0-9]*: bad JSON: " "$TMP/err" "the error names the file, line and column"
expect_eq "$(urls https://t.me/bad_zz)" "" "nothing of a malformed export is stored"
expect_eq "$(sql 'SELECT count(*) FROM listings')" "$((before + 1))" "the other inputs are"

head -c 1500 "$EXPORT" >"$TMP/cut.json"
expect_rc 2 "a truncated export exits 2" "$LW" ingest --format telegram --telegram-channel cut_zz "$TMP/cut.json"
expect_grep 'cut.json:[0-9]*:[0-9]*: .*end of file' "$TMP/err" "the truncation is reported"

awk 'BEGIN { printf "{\"name\":\"x\",\"id\":1,\"messages\":["; for (i = 0; i < 100000; i++) printf "["; print "" }' >"$TMP/deep.json"
expect_rc 2 "deep nesting is refused" "$LW" ingest --format telegram "$TMP/deep.json"
expect_grep 'deep.json:1:[0-9]*: nesting deeper than 64 levels' "$TMP/err" "the nesting is reported"

awk 'BEGIN { printf "{\"name\":\"x\",\"type\":\"public_channel\",\"id\":7,\"messages\":[\n";
	printf "{\"id\":1,\"type\":\"message\",\"text\":\""; for (i = 0; i < 40000; i++) printf "0123456789abcdefghijklmnopqrstuvwxyz0123456789ab";
	print "\"},";
	print "{\"id\":2,\"type\":\"message\",\"text\":5},";
	print "{\"id\":\"three\",\"type\":\"message\",\"text\":\"hi\"},";
	print "[1,2],";
	print "{\"id\":4,\"type\":\"message\",\"date\":[],\"text\":\"x\"},";
	print "{\"id\":5,\"type\":\"message\",\"text\":[\"pay a fee\",{\"type\":\"bold\"}]},";
	print "{\"id\":6,\"type\":\"message\",\"date_unixtime\":\"99999999999999999999\",\"date\":\"2025-01-01T00:00:00\",\"text\":\"fine\"}";
	print "]}" }' >"$TMP/hostile.json"
expect_rc 1 "wrong types and huge messages are rejected one by one" "$LW" ingest "$TMP/hostile.json"
expect_grep 'hostile.json:2:1: message longer than' "$TMP/err" "a huge message is rejected where it starts"
expect_grep 'hostile.json:3:1: message 2: "text" is neither' "$TMP/err" "a text of the wrong type is rejected"
expect_grep 'hostile.json:4:1: message "id" is not a positive integer' "$TMP/err" "an id of the wrong type is rejected"
expect_grep 'hostile.json:5:1: a message is not an object' "$TMP/err" "a message that is not an object is rejected"
expect_grep 'hostile.json:6:1: message 4: "date"' "$TMP/err" "a date of the wrong type is rejected"
expect_grep 'hostile.json:7:1: message 5: "text"' "$TMP/err" "an entity without text is rejected"
expect_eq "$(sql "SELECT posted FROM listings WHERE url = 'https://t.me/c/7/6'")" "2025-01-01T00:00:00" \
	"an absurd date_unixtime falls back to the date"

printf '{"name": 5, "id": 1, "messages": []}\n' >"$TMP/name.json"
expect_rc 2 "a header of the wrong type exits 2" "$LW" ingest --format telegram "$TMP/name.json"
expect_grep 'name.json:1:10: "name" is not a string' "$TMP/err" "the header field is named"
printf '{\n "chats": {"list": []}\n}\n' >"$TMP/account.json"
expect_rc 2 "a whole-account export is refused" "$LW" ingest "$TMP/account.json"
expect_grep 'account.json:3:1: not a Telegram export: no "messages" array' "$TMP/err" "and explained"
printf '{\n "name": "Group", "type": "personal_chat", "id": 9, "messages": [{"id": 1, "text": "hi"}]\n}\n' >"$TMP/chat.json"
expect_rc 2 "a personal chat needs --telegram-channel" "$LW" ingest "$TMP/chat.json"
expect_grep "chat.json:2:.*'personal_chat' export has no t.me links" "$TMP/err" "and says so"

finish

#!/bin/sh
# SPDX-License-Identifier: MIT
# JSON Lines are read by jansson (cli/ingest_jsonl.c): strings with every
# escape are stored decoded, other values are ignored or refused, and every
# malformed line is refused with jansson's message and its line number.
. "$(dirname "$0")/lib.sh"
use_pg

cat >"$LUREWATCH_HOME/lurewatch.conf" <<EOF
[lurewatch]
home = $LUREWATCH_HOME
EOF
expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)

python3 - "$TMP/t.jsonl" <<'PY'
import sys
lines = [
    '{"url":"http://x/1","title":"T1","body":"plain body"}',
    '  {"url" : "http://x/2" , "title":"Esc \\"q\\" \\\\ \\/ \\b\\f\\n\\r\\t end","body":"b"}  ',
    '{"url":"http://x/3","title":"uni \\u00e9 \\u20AC \\ud83d\\ude00","body":"caf\u00e9 \u2603 \U0001F600"}',
    '{"url":"http://x/4","title":"nul \\u0000 here","body":"b"}',
    '{"url":"http://x/5","title":"lone \\ud83d x","body":"b"}',
    '{"url":"http://x/6","title":"dup","body":"b","title":"again"}',
    '{"url":"http://x/7","title":"number elsewhere","body":"b","extra":12,"meta":{"a":[1,true]}}',
    '{"url":"http://x/8","title":"number body","body":5}',
    '{"url":"http://x/9","title":null,"body":"only body","location":null}',
    '[1,2]',
    '{"url":"http://x/10","title":"trailing","body":"b"} x',
    '{"url":"http://x/11","title":"bad esc \\x","body":"b"}',
    '{"url":"http://x/12","title":"raw\ttab","body":"b"}',
    '{"url":"http://x/13","title":"T","body":"b",}',
    '{"url":"http://x/14","title":"T","body":"b","\\u0075rl":"http://x/dup"}',
    '{"url":"http://x/15","title":"x"',
]
with open(sys.argv[1], "wb") as f:
    for l in lines:
        f.write(l.encode() + b"\n")
    f.write(b'{"url":"http://x/16","title":"bad utf8 \xff","body":"b"}\n')
    f.write(b'{"url":"http://x/17","title":"surrogate \xed\xa0\x80","body":"b"}\n')
PY
expect_rc 1 "ingest: some lines refused" "$LW" ingest --json "$TMP/t.jsonl"
expect_grep '"listings":5,' "$TMP/out" "five listings stored"
expect_grep '"rejected":13' "$TMP/out" "thirteen lines refused"
for want in \
	't.jsonl:4: bad JSON: \\u0000 is not allowed' \
	"t.jsonl:5: bad JSON: invalid Unicode '\\\\uD83D'" \
	't.jsonl:6: bad JSON: duplicate object key' \
	't.jsonl:8: url, title, body, html, location, posted and source must be strings' \
	't.jsonl:10: bad JSON: expected an object' \
	't.jsonl:11: bad JSON: end of file expected' \
	't.jsonl:12: bad JSON: invalid escape' \
	't.jsonl:13: bad JSON: control character 0x9' \
	"t.jsonl:14: bad JSON: string or '}' expected" \
	't.jsonl:15: bad JSON: duplicate object key' \
	"t.jsonl:16: bad JSON: '}' expected near end of file" \
	't.jsonl:17: bad JSON: unable to decode byte 0xff' \
	't.jsonl:18: bad JSON: unable to decode byte 0xed'; do
	expect_grep "$want" "$TMP/err" "refused: $want"
done
expect_eq "$(sql "SELECT string_agg(url || '=' || encode(convert_to(title, 'UTF8'), 'hex'), ' ' ORDER BY id) FROM listings")" \
	"$(python3 -c '
t = [("http://x/1", "T1"), ("http://x/2", "Esc \"q\" \\ / \b\f\n\r\t end"),
     ("http://x/3", "uni \u00e9 \u20ac \U0001F600"), ("http://x/7", "number elsewhere"), ("http://x/9", "")]
print(" ".join(u + "=" + s.encode().hex() for u, s in t))')" "titles stored decoded, escapes and all"
expect_eq "$(sql "SELECT body FROM listings WHERE url = 'http://x/3'")" "café ☃ 😀" "raw UTF-8 kept"
expect_eq "$(sql "SELECT coalesce(location, 'none') FROM listings WHERE url = 'http://x/9'")" "none" \
	"null is no value"
finish

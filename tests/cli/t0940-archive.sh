#!/bin/sh
# SPDX-License-Identifier: MIT
# `lurewatch archive`: every upstream test archive in tests/data/warc reads with
# the record count its own suite expects (or fails as it expects), pages of
# synthetic archives in every compression are scored and the flagged ones stored
# with where they were captured, once per WARC record; URLs are streamed and
# resumed with range requests; two workers share a work list, one killed with
# SIGKILL mid-file, and the totals are exact.
. "$(dirname "$0")/lib.sh"
use_pg
D="$TOP/tests/data/warc"
MK="$TOP/tests/tools/mkwarc.py"

# ---- the upstream suites' files, no database -------------------------------------------
# file  records  complete(true/false)  -- the counts warcio, jwarc and FastWARC's own
# tests expect; warcio refuses the two whole-file gzip files (it reads per-record
# gzip only), which lurewatch must read. ARC files read as warcio reads them
# (arc_header, then a response a record; bad.arc's lengths -1 and 'abc' as 0);
# example-space-in-url.arc's one response is 12 bytes shorter than its
# Archive-length says, which warcio reads silently and lurewatch calls truncated.
while read -r f recs complete; do
	"$LW" archive check --json "$D/$f" >"$TMP/chk.json" 2>"$TMP/chk.err"
	got=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["records"], str(j["complete"]).lower())' "$TMP/chk.json")
	expect_eq "$got" "$recs $complete" "check $f: $recs records, complete $complete"
done <<'LIST'
warc-commoncrawl-whirlwind/whirlwind.warc.gz 4 true
warc-commoncrawl-whirlwind/whirlwind.warc.wat.gz 2 true
warc-commoncrawl-whirlwind/whirlwind.warc.wet.gz 2 true
warc-jwarc/cc.warc.gz 1 true
warc-jwarc/gzip_extra_sl.warc.gz 1 true
warc-resiliparse/block-sized-records.warc.gz 3 true
warc-resiliparse/clipped.warc.gz 1 false
warc-resiliparse/clueweb-quirk.warc.gz 30 true
warc-resiliparse/warcfile.warc.gz 50 true
warc-warcio/example-bad-non-chunked.warc.gz 6 true
warc-warcio/example-bad.warc.gz.bad 6 true
warc-warcio/example-digest.warc 4 true
warc-warcio/example-iana.org-chunked.warc 3 true
warc-warcio/example-resource.warc.gz 3 true
warc-warcio/example-space-in-target-uri.warc.gz 2 true
warc-warcio/example-trunc.warc 4 true
warc-warcio/example-wget-bad-target-uri.warc.gz 6 true
warc-warcio/example-wrong-chunks.warc.gz 2 true
warc-warcio/example.warc 6 true
warc-warcio/example.warc.gz 6 true
warc-warcio/post-test.warc.gz 6 true
warc-warcio/bad.arc 4 true
warc-warcio/example-space-in-url.arc 2 false
warc-warcio/example.arc 2 true
warc-warcio/example.arc.gz 2 true
LIST

expect_rc 2 "a truncated archive fails" "$LW" archive check "$D/warc-resiliparse/clipped.warc.gz"
expect_grep "truncated: the file ends at offset 75657 inside the record at offset 0" "$TMP/err" \
	"the truncated archive says where it ended"
expect_grep "gzip data ends at file offset 18184" "$TMP/err" "and at which file offset"
expect_rc 1 "a wrong Content-Length is a counted error, the rest is read" \
	"$LW" archive check "$D/warc-warcio/example-trunc.warc"
expect_grep "offset 2560: 6 bytes that are not a WARC record skipped" "$TMP/err" \
	"the malformed stretch is logged with its offset"
expect_grep "4 records, 1 pages, 1 errors" "$TMP/out" "records after the damage are read"
expect_rc 0 "an ARC file is read" "$LW" archive check --json "$D/warc-warcio/example.arc.gz"
expect_grep '"types":"arc_header,response"' "$TMP/out" "as warcio reads it: its header, then a response"
printf 'garbage at the start\n' >"$TMP/junk.arc"
expect_rc 2 "a file that is neither WARC nor ARC is refused" "$LW" archive check "$TMP/junk.arc"
expect_grep "not a WARC or ARC file: offset 0" "$TMP/err" "saying where"
{ head -c 151 "$D/warc-warcio/example.arc"; printf 'this is no ARC header\nnor this\n\n'; tail -c +152 "$D/warc-warcio/example.arc"; } >"$TMP/damaged.arc"
expect_rc 1 "a damaged ARC record is a counted error" "$LW" archive check "$D/warc-warcio/example.arc" "$TMP/damaged.arc"
expect_grep "offset 151: ARC header date 'no' is not digits; 32 bytes that are not an ARC record skipped" \
	"$TMP/err" "logged with its offset"
expect_grep "damaged.arc: 2 records, 1 pages, 1 errors" "$TMP/out" "and the record after it is read"
head -c 3000 "$D/warc-warcio/example.warc" | tail -c 2000 >"$TMP/offset.warc"
expect_rc 2 "an archive starting mid-record is refused" "$LW" archive check "$TMP/offset.warc"
expect_rc 0 "standard input" sh -c "cat '$D/warc-warcio/example.warc.gz' | '$LW' archive check -"
expect_grep "6 records, 1 pages, 0 errors" "$TMP/out" "standard input reads every record"

# ---- scanning into the store --------------------------------------------------------------
for mode in gz plain whole wet; do
	case $mode in
	gz) ext=warc.gz; flag= ;;
	plain) ext=warc; flag=--plain ;;
	whole) ext=warc.gz; flag=--whole-gzip ;;
	wet) ext=wet.gz; flag=--wet ;;
	esac
	python3 "$MK" "$TMP/$mode.$ext" 30 "$mode" $flag
done
URL=$("$LW" db url)
expect_rc 0 "archive scan of four archives" "$LW" archive scan -q "$TMP/gz.warc.gz" \
	"$TMP/plain.warc" "$TMP/whole.warc.gz" "$TMP/wet.wet.gz"
expect_grep "120 pages scored, 40 flagged" "$TMP/out" "every page scored, every lure flagged"
expect_eq "$(sql "SELECT count(*) FROM listings")" 40 "only the flagged pages are stored"
expect_eq "$(sql "SELECT count(*) FROM archive_captures")" 40 "each with its capture"
expect_eq "$(sql "SELECT count(*) FROM listings WHERE url LIKE 'http://gz.example/ad/%' AND id IN (SELECT listing_id FROM queue_items)")" 10 \
	"flagged pages are queued"
expect_eq "$(sql "SELECT count(*) FROM archive_captures WHERE captured_at IS NULL OR target_uri <> (SELECT url FROM listings l WHERE l.id = listing_id)")" 0 \
	"capture dates and target URIs are stored"
expect_eq "$(sql "SELECT count(*) FROM listings WHERE title = 'Ad 3' AND body LIKE '%passport%' AND body NOT LIKE '%var x%'")" 3 \
	"the visible text is stored, the script left out"
# The stored offset finds the record again.
off=$(sql "SELECT file_offset FROM archive_captures WHERE record_id = '<urn:uuid:gz-6>'")
expect_grep "WARC-Record-ID: <urn:uuid:gz-6>" "$(tail -c +$((off + 1)) "$TMP/gz.warc.gz" | gzip -dc 2>/dev/null | head -c 400 >"$TMP/rec"; echo "$TMP/rec")" \
	"file_offset of a per-record gzip archive starts the record's member"
off=$(sql "SELECT file_offset FROM archive_captures WHERE record_id = '<urn:uuid:plain-6>'")
expect_eq "$(tail -c +$((off + 1)) "$TMP/plain.warc" | head -c 8)" "WARC/1.1" "file_offset of a plain archive starts the record"
expect_eq "$(sql "SELECT archive FROM archive_captures WHERE record_id = '<urn:uuid:wet-0>'")" "$TMP/wet.wet.gz" \
	"the archive's name is stored"

expect_rc 0 "scanning the same archive again" "$LW" archive scan -q "$TMP/gz.warc.gz"
expect_eq "$(sql "SELECT count(*) FROM archive_captures")/$(sql "SELECT count(*) FROM listings")" 40/40 \
	"stores nothing twice"
expect_rc 0 "archive scan --all" "$LW" archive scan -q --all --source everything "$TMP/gz.warc.gz"
expect_eq "$(sql "SELECT count(*) FROM listings l JOIN sources s ON s.id = l.source_id WHERE s.name = 'everything'")" 20 \
	"--all stores the pages that are not flagged too"
expect_rc 0 "the upstream archives scan" "$LW" archive scan -q --all "$D/warc-warcio/example.warc.gz" \
	"$D/warc-resiliparse/clueweb-quirk.warc.gz" "$D/warc-commoncrawl-whirlwind/whirlwind.warc.wet.gz" \
	"$D/warc-warcio/example.arc.gz"
expect_eq "$(sql "SELECT count(*) FROM archive_captures WHERE archive LIKE '%clueweb-quirk%'")" 29 \
	"ClueWeb's WARC/0.18 pages (EUC-JP, gzip-encoded) are stored"
expect_eq "$(sql "SELECT c.target_uri || ' ' || c.warc_date || ' ' || c.captured_at || ' ' || c.file_offset || ' ' || (l.title IS NOT NULL) FROM archive_captures c JOIN listings l ON l.id = c.listing_id WHERE c.archive LIKE '%example.arc.gz'")" \
	"http://example.com/ 2014-02-16T05:02:21Z 2014-02-16 05:02:21+00 $(python3 -c 'import sys,zlib
d=open(sys.argv[1],"rb").read(); z=zlib.decompressobj(31); z.decompress(d); print(len(d)-len(z.unused_data))' "$D/warc-warcio/example.arc.gz") true" \
	"an ARC capture is stored with its URL, date and the gzip member it starts in"

# Pages are made on a pool of threads in batches: one thread or several, and batches cut
# anywhere, give the same pages, verdicts and counts.
python3 "$MK" "$TMP/many.warc.gz" 700 many
"$LW" archive check --json -j 1 "$TMP/many.warc.gz" >"$TMP/j1.json" 2>&1
"$LW" archive check --json -j 3 "$TMP/many.warc.gz" >"$TMP/j3.json" 2>&1
expect_eq "$(cat "$TMP/j3.json")" "$(cat "$TMP/j1.json")" "check with 1 and 3 page threads reads the same (700 pages, 3 batches)"
expect_grep '"records":1401,"pages":700,"errors":0' "$TMP/j3.json" "every page of the three batches"
"$LW" archive scan -q -j 1 --source j1 "$TMP/many.warc.gz" >"$TMP/s1.out" 2>&1
"$LW" archive scan -q -j 3 --source j3 "$TMP/many.warc.gz" >"$TMP/s3.out" 2>&1
expect_eq "$(sed 's/[0-9]* listings new, [0-9]* changed, [0-9]* unchanged//' "$TMP/s3.out")" \
	"$(sed 's/[0-9]* listings new, [0-9]* changed, [0-9]* unchanged//' "$TMP/s1.out")" \
	"scan with 1 and 3 threads scores the same pages and flags the same"
expect_grep "700 pages scored, 234 flagged; 234 listings new" "$TMP/s1.out" "each lure flagged and stored once"
expect_eq "$(sql "SELECT count(*) FROM archive_captures WHERE archive LIKE '%many.warc.gz'")" 234 "with its capture"

# ---- over HTTP: streamed, resumed with a range request -----------------------------------
mkdir -p "$TMP/srv"
python3 "$MK" "$TMP/srv/net.warc.gz" 60 net --pad 3000
start_server net --root "$TMP/srv" --no-gzip
size=$(wc -c <"$TMP/srv/net.warc.gz")
expect_rc 0 "an archive by URL, cut off mid-file once" "$LW" archive check \
	"http://127.0.0.1:$port/fault/archive/0/$((size / 2))/cut1/net.warc.gz"
expect_grep "121 records, 60 pages, 0 errors" "$TMP/out" "every record read after the resume"
expect_grep "resuming with a range request" "$TMP/err" "the drop is resumed with a range request"
expect_eq "$(grep -c '"status": 206' "$TMP/net.log")" 1 "the server saw one range request"
expect_rc 2 "a missing archive URL fails" "$LW" archive check "http://127.0.0.1:$port/fault/status/404"
expect_grep "HTTP status 404" "$TMP/err" "with the HTTP status"

# ---- a work list shared by two workers, one killed mid-file -------------------------------
for i in 1 2 3 4; do python3 "$MK" "$TMP/srv/w$i.warc.gz" 90 "w$i" --pad 2000; done
: >"$TMP/list"
for i in 1 2 3 4; do
	echo "http://127.0.0.1:$port/fault/archive/8000/0/w$i/w$i.warc.gz" >>"$TMP/list"
done
gzip -c "$TMP/list" >"$TMP/list.gz"
expect_rc 0 "archive add of a gzipped list" "$LW" archive add "$TMP/list.gz"
expect_grep "4 added" "$TMP/out" "four files on the work list"
expect_rc 0 "adding it again adds nothing" "$LW" archive add "$TMP/list"
expect_grep "0 added" "$TMP/out" "names are kept once"
before=$(sql "SELECT count(*) FROM listings")
"$LW" archive work -q --lease 3 >"$TMP/wa.out" 2>"$TMP/wa.err" &
wa=$!
pids="$pids $wa"
"$LW" archive work -q --lease 3 >"$TMP/wb.out" 2>"$TMP/wb.err" &
wb=$!
pids="$pids $wb"
# Kill the first worker once it is part-way through a file and has stored some of it.
i=0
while [ $i -lt 300 ]; do
	part=$(sql "SELECT count(*) FROM archive_files WHERE lease_owner LIKE '%:$wa' AND records > 20")
	[ "$part" = 1 ] && break
	sleep 0.1
	i=$((i + 1))
done
expect_eq "$part" 1 "the first worker is part-way through a file"
kill -9 $wa
"$LW" archive status >"$TMP/st.out" 2>&1
wait $wb
expect_eq "$?" 0 "the second worker finishes the list"
expect_eq "$(sql "SELECT count(*) FROM archive_files WHERE state = 'done'")" 4 "every file is done"
expect_eq "$(sql "SELECT count(*) FROM archive_files WHERE attempts = 2")" 1 "the killed worker's file was taken again"
expect_eq "$(sql "SELECT count(*) FROM listings") $(sql "SELECT count(*) FROM archive_captures WHERE record_id LIKE '<urn:uuid:w_-%'")" \
	"$((before + 120)) 120" "totals are exact: 30 lures a file, each stored once"
expect_eq "$(sql "SELECT sum(records) || ' ' || sum(pages) || ' ' || sum(flagged) FROM archive_files")" "724 360 120" \
	"per-file counts add up to the whole list"
expect_rc 0 "archive status" "$LW" archive status
expect_grep "4 files: 0 queued, 0 working, 4 done, 0 failed" "$TMP/out" "status shows the list done"
finish

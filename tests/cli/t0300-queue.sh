#!/bin/sh
# SPDX-License-Identifier: MIT
# `lurewatch ingest` and `lurewatch queue` against a throwaway PostgreSQL:
# migrations, idempotent ingestion, resolve rules, expiry, audit, export,
# watch, concurrent claimers and a server stopped mid-ingest.
. "$(dirname "$0")/lib.sh"
: "${LUREWATCH_CACHE:=$TMP/cache}"
export LUREWATCH_CACHE
unset LUREWATCH_RULES LUREWATCH_DATABASE_URL LUREWATCH_CONFIG LUREWATCH_ANALYST PGHOST PGDATABASE PGSERVICE
# Under /tmp and world-searchable: the server's user (postgres under root) reaches it.
LUREWATCH_HOME=$(mktemp -d /tmp/lw-pg.XXXXXX)
chmod 755 "$LUREWATCH_HOME"
LUREWATCH_PG_FAST=1
export LUREWATCH_HOME LUREWATCH_PG_FAST
cleanup() {
	[ -n "${watch_pid:-}" ] && kill "$watch_pid" 2>/dev/null
	"$LW" db stop >/dev/null 2>&1
	rm -rf "$LUREWATCH_HOME" "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

H=$LUREWATCH_HOME
cat >"$H/test.rules" <<'EOF'
[pack]
name = queue-test
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

[rule under_16]
category = minors
weight = 2
description = workers under 16
pattern = /\bunder\s+16\b/
EOF
cat >"$H/lurewatch.conf" <<EOF
[matcher]
rules = $H/test.rules
threshold = 1

[queue]
claim_minutes = 45
agencies = police, ngo_watch
EOF

# sql QUERY: one value per line, unaligned.
sql() { PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"; }
# expect_eq GOT WANT NAME
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
id_of() { sql "SELECT q.id FROM queue_items q JOIN listings l ON l.id = q.listing_id WHERE l.url = '$1'"; }

# ---- database and migrations ------------------------------------------------------------

expect_rc 0 "db start creates and migrates the cluster" "$LW" db start
URL=$("$LW" db url)
nmig=$(ls "$TOP"/store/migrations/*.sql | wc -l)
expect_eq "$(sql 'SELECT count(*) FROM schema_migrations')" "$nmig" "one schema_migrations row per migration"
expect_rc 0 "db migrate again" "$LW" db migrate
expect_grep '(0 migrations applied now)' "$TMP/out" "re-running migrations applies nothing"
expect_eq "$(sql 'SELECT count(*) FROM schema_migrations')" "$nmig" "still one row per migration"

# ---- ingestion ----------------------------------------------------------------------------

cat >"$TMP/ads.jsonl" <<'EOF'
{"url":"http://x/1","title":"Driver","body":"We keep your passport."}
{"url":"http://x/2","title":"Cook","body":"fair pay, nice team"}
{"url":"http://x/3","title":"bad line
{"url":"http://x/3","title":"=HYPERLINK(\"http://evil\")","body":"pay a fee, then work"}
{"url":"http://x/4","title":"Helpers","body":"girls under 16 wanted, keep your passport"}
{"url":"http://x/5","title":"Farm, \"good\" pay","body":"We keep your passport and you pay a fee."}
EOF
expect_rc 1 "ingest with a malformed line exits 1" "$LW" ingest "$TMP/ads.jsonl"
expect_grep 'ads.jsonl:3: bad JSON' "$TMP/err" "the malformed line is named by number"
expect_eq "$(sql 'SELECT count(*) FROM listings')" 5 "every other line is stored"
expect_eq "$(sql 'SELECT count(*) FROM queue_items')" 4 "flagged listings are queued"
expect_rc 1 "ingest the same file again" "$LW" ingest --json "$TMP/ads.jsonl"
expect_grep '"new":0,"changed":0,"unchanged":5' "$TMP/out" "nothing new the second time"
expect_eq "$(sql 'SELECT count(*) FROM listings'):$(sql 'SELECT count(*) FROM listing_versions')" \
	"5:5" "the same input is stored once"

# ---- list and show ------------------------------------------------------------------------

X4=$(id_of http://x/4)
X5=$(id_of http://x/5)
X1=$(id_of http://x/1)
X3=$(id_of http://x/3)
expect_rc 0 "queue list" "$LW" queue list
expect_eq "$(sed -n 2p "$TMP/out" | awk '{print $1, $2}')" "$X4 !" "the urgent (minors) item is listed first"
expect_eq "$(sed -n 3p "$TMP/out" | awk '{print $1}')" "$X5" "then by priority"
expect_rc 0 "queue list --json" "$LW" queue list --json --category documents
expect_eq "$(grep -o '"url":"[^"]*"' "$TMP/out" | tr '\n' ' ')" \
	'"url":"http://x/4" "url":"http://x/5" "url":"http://x/1" ' "list --category filters, urgent first"
expect_rc 0 "queue list --min-score" "$LW" queue list --json --min-score 4
expect_eq "$(grep -o '"id":[0-9]*' "$TMP/out" | tr '\n' ' ')" "\"id\":$X4 \"id\":$X5 " "list --min-score filters by score"
expect_rc 0 "queue show" "$LW" queue show "$X5"
expect_grep 'We \[\[keep your passport\]\] and you \[\[pay a fee\]\]\.' "$TMP/out" \
	"show highlights hits with [[...]] off a terminal"
expect_grep 'categories 4.00 x 1.25 (2 distinct) = 5.00' "$TMP/out" "show explains the score"
expect_rc 0 "queue show --json" "$LW" queue show --json "$X5"
expect_grep '"text":"Farm, \\"good\\" pay\\n\\nWe keep your passport' "$TMP/out" "show --json has the scanned text"
expect_rc 1 "queue show of a missing item exits 1" "$LW" queue show 99999
expect_rc 2 "queue show without an id is a usage error" "$LW" queue show
expect_rc 0 "queue resolve --help" "$LW" queue resolve --help
expect_grep 'resolve ID --verdict' "$TMP/out" "subcommand help"
expect_rc 2 "an option that does not apply" "$LW" queue stats --verdict confirmed

# ---- claim, resolve and its refusals ---------------------------------------------------------

expect_rc 0 "alice claims one item" "$LW" queue claim --analyst alice --json
expect_eq "$(grep -o '"id":[0-9]*' "$TMP/out")" "\"id\":$X4" "the urgent item is claimed first"
expect_eq "$(sql "SELECT round(extract(epoch FROM claim_expires - now()) / 60) FROM queue_items WHERE id = $X4")" \
	45 "the claim lasts the configured claim_minutes"
expect_rc 2 "bob cannot resolve alice's item" "$LW" queue resolve "$X4" --analyst bob --verdict confirmed
expect_grep "claimed by 'alice'" "$TMP/err" "the refusal names the claimant"
expect_rc 2 "escalated without --to" "$LW" queue resolve "$X4" --analyst alice --verdict escalated
expect_grep 'needs --to AGENCY (one of: police, ngo_watch)' "$TMP/err" "the valid agencies are listed"
expect_rc 2 "escalated to an unknown agency" "$LW" queue resolve "$X4" --analyst alice --verdict escalated --to fbi
expect_grep "unknown agency 'fbi': expected one of: police, ngo_watch" "$TMP/err" "an unknown agency is refused"
expect_rc 2 "a bad verdict" "$LW" queue resolve "$X4" --analyst alice --verdict maybe
expect_rc 0 "alice escalates" "$LW" queue resolve "$X4" --analyst alice --verdict escalated --to ngo_watch --note "minors: called the hotline"
expect_grep "resolved item $X4 as escalated to ngo_watch" "$TMP/out" "resolve reports the verdict"
expect_rc 2 "a resolved item cannot be resolved again" "$LW" queue resolve "$X4" --analyst bob --verdict dismissed
expect_grep "already resolved by 'alice' as 'escalated'" "$TMP/err" "the refusal names who resolved it and how"
expect_eq "$(sql "SELECT verdict, escalated_to FROM queue_items WHERE id = $X4")" "escalated|ngo_watch" \
	"the verdict stands"
expect_eq "$(sql "SELECT note FROM queue_notes WHERE item_id = $X4")" "minors: called the hotline" \
	"the resolve note is stored"

# ---- note, release, expiry, audit ------------------------------------------------------------

expect_rc 0 "carol claims" "$LW" queue claim --analyst carol
expect_rc 0 "carol notes" "$LW" queue note "$X5" "phone number seen elsewhere" --analyst carol
expect_rc 2 "dave cannot release carol's claim" "$LW" queue release "$X5" --analyst dave
expect_grep "claimed by 'carol'" "$TMP/err" "the release refusal names the claimant"
expect_rc 0 "carol releases" "$LW" queue release "$X5" --analyst carol --json
expect_grep '"status":"new"' "$TMP/out" "a released item is new again"
expect_rc 0 "dave claims for a minute" "$LW" queue claim --analyst dave --minutes 1 --json
expect_eq "$(grep -o '"id":[0-9]*' "$TMP/out")" "\"id\":$X5" "dave holds the item"
sql "UPDATE queue_items SET claim_expires = now() - interval '1 minute' WHERE id = $X5"
expect_rc 0 "erin claims after dave's claim expired" "$LW" queue claim --analyst erin --json
expect_eq "$(grep -o '"id":[0-9]*' "$TMP/out")" "\"id\":$X5" "the expired claim returned to the queue"
expect_rc 0 "erin dismisses" "$LW" queue resolve "$X5" --analyst erin --verdict dismissed
expect_eq "$(sql "SELECT string_agg(action || ':' || actor, ' ' ORDER BY id) FROM audit_log WHERE item_id = $X5")" \
	"queued:ingest:$(id -un) claimed:carol noted:carol released:carol claimed:dave claim_expired:system claimed:erin resolved:erin" \
	"every action is audited, in order"
expect_eq "$(sql "SELECT details->>'previous_claimed_by' FROM audit_log WHERE item_id = $X5 AND action = 'claim_expired'")" \
	dave "the expiry records the previous claimant"
if sql "UPDATE audit_log SET actor = 'mallory'" >"$TMP/out" 2>&1; then notok "audit_log refuses UPDATE"
else expect_grep 'append-only' "$TMP/out" "audit_log refuses UPDATE"; fi
if sql "DELETE FROM audit_log" >"$TMP/out" 2>&1; then notok "audit_log refuses DELETE"
else expect_grep 'append-only' "$TMP/out" "audit_log refuses DELETE"; fi

# ---- a dismissed listing returns only with a new category -------------------------------------

expect_rc 0 "resolve a new item directly" "$LW" queue resolve "$X1" --analyst alice --verdict dismissed
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE item_id = $X1 AND action = 'claimed' AND details->>'implicit' = 'true'")" \
	1 "resolving a new item claims it implicitly, audited"
echo '{"url":"http://x/1","title":"Driver","body":"We keep your passport safe."}' >"$TMP/v2.jsonl"
expect_rc 0 "ingest a changed listing, same category" "$LW" ingest "$TMP/v2.jsonl"
expect_eq "$(sql "SELECT current_version FROM listings WHERE url = 'http://x/1'")" 2 "a changed listing adds a version"
expect_eq "$(sql "SELECT status || ':' || verdict FROM queue_items WHERE id = $X1")" "resolved:dismissed" \
	"no new category: the dismissal stands"
echo '{"url":"http://x/1","title":"Driver","body":"We keep your passport. Pay a fee to start."}' >"$TMP/v3.jsonl"
expect_rc 0 "ingest a changed listing with a new category" "$LW" ingest "$TMP/v3.jsonl"
expect_eq "$(sql "SELECT status FROM queue_items WHERE id = $X1")" new "a new category re-queues it"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE item_id = $X1 AND action = 'requeued'")" 1 "the re-queue is audited"

# ---- export, stats ---------------------------------------------------------------------------------

expect_rc 0 "export csv" "$LW" queue export --status all
tr -d '\r' <"$TMP/out" >"$TMP/csv"
expect_eq "$(head -1 "$TMP/csv")" \
	"id,listing_id,url,source,title,location,posted,score,priority,urgent,categories,status,claimed_by,claim_expires,verdict,escalated_to,resolved_by,resolved_at,created_at" \
	"csv header"
expect_eq "$(wc -l <"$TMP/csv" | tr -d ' ')" 5 "one csv row per item"
expect_grep "^$X3,[0-9]*,http://x/3,files,\"'=HYPERLINK(\"\"http://evil\"\")\"," "$TMP/csv" \
	"formula cells are defused and quotes doubled"
expect_grep "^$X5,[0-9]*,http://x/5,files,\"Farm, \"\"good\"\" pay\",,,5,5,false,fee_debt;documents,resolved,,,dismissed,,erin," \
	"$TMP/csv" "csv quotes commas and lists categories"
grep -q "$(printf '\r')\$" "$TMP/out" && ok "csv lines end in CRLF" || notok "csv lines end in CRLF"
expect_rc 0 "export json, filtered" "$LW" queue export --format json --status resolved --category documents
expect_eq "$(grep -o '"id":[0-9]*' "$TMP/out" | tr '\n' ' ')" "\"id\":$X4 \"id\":$X5 " "json export filters"
expect_rc 0 "export --since the future" "$LW" queue export --format json --since 2999-01-01
expect_eq "$(cat "$TMP/out")" "[]" "--since filters by queue date"
expect_rc 2 "export --since garbage" "$LW" queue export --since yesterdayish
expect_rc 0 "queue stats" "$LW" queue stats
expect_grep 'verdicts: confirmed 0 dismissed 1 escalated 1' "$TMP/out" "stats counts verdicts"
expect_rc 0 "queue stats --json" "$LW" queue stats --json
expect_grep '"by_status":{"new":2,"claimed":0,"resolved":2}' "$TMP/out" "stats --json counts by status"
expect_rc 0 "rules stats" "$LW" rules stats
expect_grep '^keep_passport  *documents  *3  *0  *1  *1  *1$' "$TMP/out" "rules stats counts verdicts per rule"
expect_rc 0 "rules stats --json" "$LW" rules stats --json
expect_grep '^\[{"rule":"keep_passport"' "$TMP/out" "most dismissed rule first"

# ---- watch ------------------------------------------------------------------------------------------

timeout 60 "$LW" queue watch --json >"$TMP/watch" 2>"$TMP/watch.err" &
watch_pid=$!
i=0
while [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'")" -eq 0 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
echo '{"url":"http://w/1","title":"Watch me","body":"pay a fee"}' | "$LW" ingest >/dev/null 2>&1
i=0
while ! grep -q 'http://w/1' "$TMP/watch" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_grep '"url":"http://w/1","title":"Watch me"' "$TMP/watch" "watch prints an item queued while it runs"
kill -TERM "$watch_pid"
wait "$watch_pid"
expect_eq "$?" 0 "watch ends cleanly on SIGTERM"
watch_pid=

# ---- eight concurrent claimers -------------------------------------------------------------------------

awk 'BEGIN { for (i = 0; i < 80; i++)
	printf "{\"url\":\"http://c/%d\",\"title\":\"Job %d\",\"body\":\"%s\"}\n", i, i,
		i % 3 ? "keep your passport" : "pay a fee, under 16" }' >"$TMP/many.jsonl"
"$LW" ingest "$TMP/many.jsonl" >/dev/null 2>&1
sql "SELECT id FROM queue_items WHERE status = 'new' ORDER BY id" >"$TMP/want"
expect_eq "$(wc -l <"$TMP/want" | tr -d ' ')" 83 "83 items wait to be claimed"
for k in 1 2 3 4 5 6 7 8; do
	( while "$LW" queue claim --analyst "w$k" --count $((k % 3 + 1)) --json >>"$TMP/claims.$k" 2>>"$TMP/claims.err"; do :; done ) &
done
wait
grep -oh '"id":[0-9]*' "$TMP"/claims.[1-8] | sed 's/"id"://' | sort -n >"$TMP/got"
expect_eq "$(uniq -d "$TMP/got" | wc -l | tr -d ' ')" 0 "no item is claimed twice"
cmp -s "$TMP/want" "$TMP/got" && ok "every item is claimed (none lost)" || notok "every item is claimed (none lost)"
expect_eq "$(cat "$TMP/claims.err")" "" "claimers saw no errors"
expect_eq "$(sql "SELECT count(*) FROM queue_items WHERE status = 'new'")" 0 "the queue is empty"
expect_rc 1 "claim from an empty queue exits 1" "$LW" queue claim --analyst late

# ---- the server stops mid-ingest ---------------------------------------------------------------------------

awk 'BEGIN { for (i = 0; i < 20000; i++)
	printf "{\"url\":\"http://bulk/%d\",\"title\":\"Bulk %d\",\"body\":\"Work abroad, pay a fee. Ref %d\"}\n", i, i, i }' \
	>"$TMP/bulk.jsonl"
"$LW" ingest --retry 0 --batch 10 "$TMP/bulk.jsonl" >"$TMP/bulk.out" 2>"$TMP/bulk.err" &
bulk_pid=$!
i=0
while [ "$(sql "SELECT count(*) FROM listings WHERE url LIKE 'http://bulk/%'")" -lt 200 ] && [ $i -lt 200 ]; do
	sleep 0.05; i=$((i + 1))
done
expect_rc 0 "db stop while ingesting" "$LW" db stop
wait "$bulk_pid"
expect_eq "$?" 2 "the interrupted ingest exits 2"
# Whichever connection the stop reaches first: the writer's (its batch was not committed) or the
# background linker's (the batches before it were, and their listings wait to be linked).
expect_grep 'not committed\|wait in link_pending' "$TMP/bulk.err" \
	"the interrupted ingest says which batch was not committed, or that committed ones wait to be linked"
expect_grep 'connection\|terminat' "$TMP/bulk.err" "and that the database went away"
sed 's/^/# /' "$TMP/bulk.err"
expect_rc 0 "db start again" "$LW" db start
stored=$(sql "SELECT count(*) FROM listings WHERE url LIKE 'http://bulk/%'")
[ "$stored" -gt 0 ] && [ "$stored" -lt 20000 ] && ok "the ingest was cut short ($stored stored)" ||
	notok "the ingest was cut short ($stored stored)"
expect_eq "$((stored % 10))" 0 "no half batch is visible"
expect_eq "$(sql "SELECT count(*) FROM listings l WHERE url LIKE 'http://bulk/%' AND NOT EXISTS
	(SELECT 1 FROM listing_versions v JOIN hits h ON h.version_id = v.id
	 WHERE v.listing_id = l.id AND v.version = l.current_version)")" 0 \
	"every stored listing has its version and hits"
expect_rc 0 "re-run the same ingest" "$LW" ingest --batch 500 "$TMP/bulk.jsonl"
expect_eq "$(sql "SELECT count(*), count(DISTINCT url) FROM listings WHERE url LIKE 'http://bulk/%'")" \
	"20000|20000" "every listing is stored exactly once"
expect_eq "$(sql "SELECT count(*) FROM listing_versions v JOIN listings l ON l.id = v.listing_id WHERE l.url LIKE 'http://bulk/%'")" \
	20000 "with exactly one version each"
expect_eq "$(sql "SELECT count(*) FROM link_pending")" 0 "and none is left waiting to be linked"

finish

#!/bin/sh
# SPDX-License-Identifier: MIT
# 50 concurrent claimers over 10,000 queue items for a bounded time
# (LW_CLAIM_SECONDS, default 45): each claims a few items at a time with
# the CLI (odd claimers) or the web API of `lurewatch serve` (even ones,
# each with its own account and bearer token) and resolves the first of
# each claim. No item may be held by two claimers, none may be lost
# (claimed once, or still new when time ran out), and every claim and
# resolution must be in the audit log. Prints claims/s.
. "$(dirname "$0")/lib.sh"
use_pg
H=$LUREWATCH_HOME
claimers=${LW_CLAIMERS:-50}
items=${LW_CLAIM_ITEMS:-10000}
secs=${LW_CLAIM_SECONDS:-45}
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
cat >"$H/claim.rules" <<'EOF2'
[pack]
name = claim-test
version = 1
threshold = 1
[rule pay_fee]
category = fee_debt
weight = 2
description = a fee to be paid
pattern = /\bpay\s+a\s+fee\b/
EOF2
printf '[matcher]\nrules = %s\n[queue]\nclaim_minutes = 60\n' "$H/claim.rules" >"$H/lurewatch.conf"
expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
sql() { PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"; }
awk -v n="$items" 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"url\":\"http://claim/%d\",\"title\":\"Job %d\",\"body\":\"Pay a fee first. Ref %d\"}\n", i, i, i }' \
	>"$TMP/items.jsonl"
expect_rc 0 "ingest $items flagged listings" "$LW" ingest "$TMP/items.jsonl"
expect_eq "$(sql "SELECT count(*) FROM queue_items WHERE status = 'new'")" "$items" "$items items wait"
audit0=$(sql 'SELECT count(*) FROM audit_log')

# The API claimers' accounts and tokens, and the server they use.
k=2
while [ $k -le "$claimers" ]; do
	echo "c$k-password-1" | "$LW" user add "c$k" --role analyst --password-stdin >/dev/null 2>&1 &&
		"$LW" user token "c$k" --label claimers >"$TMP/token.$k" 2>/dev/null ||
		notok "account and token for API claimer c$k"
	k=$((k + 2))
done
"$LW" serve --listen 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
wpid=$!
WEB=
i=0
while [ -z "$WEB" ] && [ $i -lt 200 ]; do
	sleep 0.05
	WEB=$(sed -n 's|^lurewatch serve: listening on \(http://[^/]*\)/$|\1|p' "$TMP/serve.out")
	i=$((i + 1))
done
[ -n "$WEB" ] && ok "lurewatch serve is up for the API claimers" ||
	notok "lurewatch serve is up for the API claimers ($(cat "$TMP/serve.err"))"

# claimer K: claims 1-5 items at a time until the queue is empty or time is up;
# resolves the first item of each claim. Logs what it got.
claimer() {
	k=$1
	end=$(($(date +%s) + secs))
	api=$((k % 2 == 0))
	while [ "$(date +%s)" -lt "$end" ]; do
		if [ $api = 1 ]; then
			code=$(curl -s -o "$TMP/c$k.out" -w '%{http_code}' -X POST \
				-H "Authorization: Bearer $(cat "$TMP/token.$k")" \
				"$WEB/api/claim?count=$((k % 5 + 1))" 2>>"$TMP/c$k.err")
			[ "$code" = 200 ] || { echo "API claim answered $code" >>"$TMP/c$k.err"; break; }
			grep -q '"id"' "$TMP/c$k.out" || break      # the queue is empty
		else
			"$LW" queue claim --analyst "c$k" --count $((k % 5 + 1)) --json >"$TMP/c$k.out" 2>>"$TMP/c$k.err"
			rc=$?
			[ $rc -eq 1 ] && break           # the queue is empty
			[ $rc -ne 0 ] && { echo "claim exit $rc" >>"$TMP/c$k.err"; break; }
		fi
		grep -o '"id": *[0-9]*' "$TMP/c$k.out" | sed 's/"id": *//' >"$TMP/c$k.ids"
		cat "$TMP/c$k.ids" >>"$TMP/claimed.$k"
		first=$(head -1 "$TMP/c$k.ids")
		[ -n "$first" ] || continue
		if [ $api = 1 ]; then
			code=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
				-H "Authorization: Bearer $(cat "$TMP/token.$k")" -H 'Content-Type: application/json' \
				-d '{"verdict": "dismissed"}' "$WEB/api/items/$first/resolve" 2>>"$TMP/c$k.err")
			if [ "$code" = 200 ]; then echo "$first" >>"$TMP/resolved.$k"
			else echo "API resolve answered $code" >>"$TMP/c$k.err"; fi
		else
			"$LW" queue resolve "$first" --analyst "c$k" --verdict dismissed >/dev/null 2>>"$TMP/c$k.err" &&
				echo "$first" >>"$TMP/resolved.$k"
		fi
	done
}
t0=$(date +%s%N)
k=0
cpids=
while [ $k -lt "$claimers" ]; do
	k=$((k + 1))
	: >"$TMP/claimed.$k"
	: >"$TMP/resolved.$k"
	claimer $k &
	cpids="$cpids $!"
done
# shellcheck disable=SC2086
wait $cpids
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
cat "$TMP"/claimed.* | sort -n >"$TMP/claimed"
cat "$TMP"/resolved.* | sort -n >"$TMP/resolved"
nclaimed=$(wc -l <"$TMP/claimed" | tr -d ' ')
nresolved=$(wc -l <"$TMP/resolved" | tr -d ' ')
rate=$(awk -v n="$nclaimed" -v ms="$elapsed_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')
echo "# $claimers claimers: $nclaimed items claimed and $nresolved resolved in $elapsed_ms ms: $rate claims/s"
expect_eq "$(uniq -d "$TMP/claimed" | wc -l | tr -d ' ')" 0 "no item is claimed twice"
expect_eq "$(cat "$TMP"/c*.err | grep -v '^$' | head -3)" "" "no claimer saw an error"
# None lost: each item is held by exactly the claimer that got it, or is new.
sql "SELECT id FROM queue_items WHERE status <> 'new' ORDER BY id" >"$TMP/taken"
cmp -s "$TMP/claimed" "$TMP/taken" && ok "every item taken was handed to exactly one claimer" ||
	notok "every item taken was handed to exactly one claimer"
expect_eq "$(sql "SELECT count(*) FROM queue_items")" "$items" "no item was lost or added"
expect_eq "$(sql "SELECT count(*) FROM queue_items WHERE status = 'resolved'")" "$nresolved" \
	"every resolution stands"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'claimed'")" "$nclaimed" \
	"every claim is in the audit log"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'resolved'")" "$nresolved" \
	"every resolution is in the audit log"
expect_eq "$(sql "SELECT count(*) FROM (SELECT item_id FROM audit_log WHERE action = 'claimed' GROUP BY item_id HAVING count(*) > 1) d")" \
	0 "the audit log shows no item claimed twice"
expect_eq "$(sql "SELECT count(*) FROM queue_items q WHERE status = 'claimed' AND claimed_by <> (SELECT actor FROM audit_log a WHERE a.item_id = q.id AND a.action = 'claimed')")" \
	0 "each holder is the claimer the audit log names"
[ "$nclaimed" -eq "$items" ] && ok "all $items items were claimed within ${secs}s" ||
	ok "$nclaimed of $items items were claimed within ${secs}s (the rest wait, none lost)"
k=2
api_claims=0
while [ $k -le "$claimers" ]; do
	api_claims=$((api_claims + $(wc -l <"$TMP/claimed.$k")))
	k=$((k + 2))
done
[ "$api_claims" -gt 0 ] && [ "$api_claims" -lt "$nclaimed" ] &&
	ok "CLI and API claimers both took items ($api_claims through the API)" ||
	notok "CLI and API claimers both took items ($api_claims of $nclaimed through the API)"
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
echo "# claims/s: $rate (peak concurrent claimers: $claimers, half of them through the web API)"
finish

#!/bin/sh
# SPDX-License-Identifier: MIT
# `lurewatch serve` over HTTP with curl against 127.0.0.1: sign-in, wrong
# passwords and lockout, CSRF, roles on every route, others' claims,
# session expiry, hostile ads escaped, the API and /metrics.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/web/setup.sh"
# Sources: one in the main file, one in its own file of the sources folder.
mkdir -p "$LUREWATCH_HOME/sources"
cat >>"$conf" <<CONF
[lurewatch]
sources = $LUREWATCH_HOME/sources
[source mainsite]
kind = html
start = http://127.0.0.1:9/main
links = //a/@href
title = //h1
CONF
printf '[source sample]\nkind = html\nstart = http://127.0.0.1:9/list\nlinks = //a/@href\ntitle = //h1\n' \
	>"$LUREWATCH_HOME/sources/sample.conf"
start_web

expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
# code METHOD PATH [CURL ARGS]: the status code; body in $TMP/body, headers in $TMP/hdr.
code() {
	m=$1; p=$2; shift 2
	curl -s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' -X "$m" "$@" "$WEB$p"
}
# login NAME PASSWORD: signs in with cookie jar $TMP/NAME.jar; prints the status.
login() {
	rm -f "$TMP/$1.jar"
	curl -s -c "$TMP/$1.jar" -b "$TMP/$1.jar" -o "$TMP/login.html" "$WEB/login"
	t=$(sed -n 's/.*name="login_csrf" value="\([0-9a-f]*\)".*/\1/p' "$TMP/login.html")
	curl -s -c "$TMP/$1.jar" -b "$TMP/$1.jar" -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' \
		--data-urlencode "login_csrf=$t" --data-urlencode "name=$1" \
		--data-urlencode "password=$2" "$WEB/login"
}
# csrf NAME: the session's CSRF token, read from the queue page.
csrf() {
	curl -s -b "$TMP/$1.jar" "$WEB/queue" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1
}
as() { u=$1; shift; code "$@" -b "$TMP/$u.jar"; }

# ---- serving -----------------------------------------------------------------------
expect_eq "$(code GET /healthz)" 200 "serve answers on 127.0.0.1"
expect_grep '^Content-Security-Policy: default-src .none.; script-src .self.' "$TMP/hdr" "strict CSP"
expect_grep '^X-Frame-Options: DENY' "$TMP/hdr" "X-Frame-Options DENY"
expect_grep '^Referrer-Policy: no-referrer' "$TMP/hdr" "Referrer-Policy no-referrer"
expect_rc 2 "a non-loopback address without TLS is refused" "$LW" serve --listen 0.0.0.0:0
expect_grep 'refusing to serve .0.0.0.0:0. without TLS' "$TMP/err" "and says why"
expect_eq "$(code GET /assets/app.js)" 200 "the page script is embedded"
expect_eq "$(code GET /assets/layout.html)" 404 "templates are not served as assets"

# ---- signing in ---------------------------------------------------------------------
expect_eq "$(code GET /queue)" 303 "the queue needs a session"
expect_grep '^Location: /login' "$TMP/hdr" "and sends to the sign-in page"
expect_eq "$(login alice wrong-password)" 401 "a wrong password is refused"
expect_grep 'wrong account name or password' "$TMP/body" "with a message that names neither"
expect_eq "$(login nobody whatever-pass)" 401 "an unknown account is refused the same way"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE actor = 'alice' AND action = 'login_failed'")" 1 \
	"a failed sign-in is audited with the account name"
expect_eq "$(code POST /login -d 'name=alice&password=alice-password-1')" 403 \
	"sign-in without the form's token is refused (login CSRF)"
expect_eq "$(login alice alice-password-1)" 303 "alice signs in"
expect_grep '^Set-Cookie: lw_session=[0-9a-f]*; Path=/; HttpOnly; SameSite=Strict' "$TMP/hdr" \
	"the session cookie is HttpOnly and SameSite=Strict"
tok=$(sed -n 's/.*lw_session\t\([0-9a-f]*\)$/\1/p' "$TMP/alice.jar")
expect_eq "$(sql "SELECT count(*) FROM web_sessions WHERE token_hash = '$tok'")" 0 \
	"the store keeps no session token in the clear"
expect_eq "$(sql "SELECT count(*) FROM web_sessions s JOIN web_accounts a ON a.id = s.account_id WHERE a.name = 'alice'")" 1 \
	"only its hash"
expect_eq "$(sql "SELECT count(*) FROM web_accounts WHERE pw_hash LIKE '\$argon2id\$%'")" 4 "passwords are Argon2id"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE actor = 'alice' AND action = 'login'")" 1 "a sign-in is audited"
expect_eq "$(as alice GET /queue)" 200 "the queue with a session"
expect_grep 'data-id=' "$TMP/body" "lists items"

# Lockout: five failures lock the name, even for the right password.
for i in 1 2 3 4 5; do login bob "wrong-$i-password" >/dev/null; done
expect_eq "$(login bob bob-password-1)" 429 "five failures lock the account"
expect_grep 'locked for 15 minutes' "$TMP/body" "the lock is explained"
expect_eq "$(sql "SELECT details->>'reason' FROM audit_log WHERE actor = 'bob' ORDER BY id DESC LIMIT 1")" locked \
	"the refused sign-in is audited as locked"
sql "DELETE FROM web_login_attempts WHERE name = 'bob'" >/dev/null
expect_eq "$(login bob bob-password-1)" 303 "bob signs in once the window has passed"

# ---- CSRF and the queue's rules --------------------------------------------------------
A=$(csrf alice)
B=$(csrf bob)
top=$(sql "SELECT id FROM queue_items ORDER BY urgent DESC, priority DESC, id LIMIT 1")
expect_eq "$(as alice POST /item/$top/claim)" 403 "a form without its CSRF token is refused"
expect_eq "$(as alice POST /item/$top/claim -d csrf=$B)" 403 "another session's token is refused"
expect_eq "$(sql "SELECT status FROM queue_items WHERE id = $top")" new "refused forms change nothing"
expect_eq "$(as alice POST /item/$top/claim -d csrf=$A)" 303 "alice claims the top item"
expect_eq "$(sql "SELECT claimed_by FROM queue_items WHERE id = $top")" alice "the claim is hers"
expect_eq "$(as bob POST /item/$top/claim -d csrf=$B)" 409 "bob cannot claim alice's item"
expect_grep "claimed by &#39;alice&#39;" "$TMP/body" "and is told who holds it"
expect_eq "$(as bob POST /item/$top/release -d csrf=$B)" 409 "bob cannot release alice's claim"
expect_eq "$(as bob POST /item/$top/resolve -d "csrf=$B&verdict=dismissed")" 409 "bob cannot resolve alice's claim"
expect_eq "$(as alice POST /item/$top/resolve -d "csrf=$A&verdict=escalated&agency=nowhere")" 400 \
	"an unknown agency is refused"
expect_eq "$(as alice POST /item/$top/resolve -d "csrf=$A&verdict=escalated&agency=police&note=called+them")" 303 \
	"alice escalates her item"
expect_eq "$(sql "SELECT verdict || ':' || escalated_to || ':' || resolved_by FROM queue_items WHERE id = $top")" \
	escalated:police:alice "the verdict is stored"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE item_id = $top AND actor = 'alice' AND action = 'resolved'")" 1 \
	"and audited with the account name"
expect_eq "$(as alice POST /item/$top/resolve -d "csrf=$A&verdict=dismissed")" 409 "a verdict is never overwritten"
second=$(sql "SELECT id FROM queue_items WHERE status = 'new' ORDER BY urgent DESC, priority DESC, id LIMIT 1")
expect_eq "$(as bob POST /item/$second/note -d "csrf=$B&note=%3Cb%3Echeck%3C%2Fb%3E")" 303 "bob adds a note"
expect_eq "$(as bob GET /item/$second)" 200 "the item page"
expect_grep '&lt;b&gt;check&lt;/b&gt;' "$TMP/body" "notes are escaped"
expect_grep '<mark class="hit" title="\[1\]' "$TMP/body" "hits are highlighted and labelled"
expect_grep 'id="explain"' "$TMP/body" "the score is explained"
expect_eq "$(as bob POST /queue/claim -d csrf=$B)" 303 "claim next"
expect_eq "$(sql "SELECT count(*) > 0 FROM queue_items WHERE claimed_by = 'bob'")" t "bob holds the next items"

# ---- the queue page: current, filtered, counted ---------------------------------------------
# rows: the item ids of the page in $TMP/body, in order.
rows() { grep -o '<tr data-id="[0-9]*"' "$TMP/body" | sed 's/[^0-9]//g' | tr '\n' ' ' | sed 's/ $//'; }
open_order="SELECT id FROM queue_items WHERE status <> 'resolved' ORDER BY urgent DESC, priority DESC, id"
expect_eq "$(as alice GET /queue)" 200 "the queue page"
expect_eq "$(rows)" "$(sql "SELECT string_agg(id::text, ' ') FROM ($open_order LIMIT 50) x")" \
	"lists the open items in queue order"
bc=$(sql "SELECT id FROM queue_items WHERE claimed_by = 'bob' ORDER BY urgent DESC, priority DESC, id LIMIT 1")
expect_grep "<tr data-id=\"$bc\" [^>]*class=\"[a-z ]*claimed\">.*<td>claimed</td><td>bob</td>" "$TMP/body" \
	"bob's claim shows on alice's page at once"
expect_grep "· $(sql "SELECT count(*) FROM queue_items WHERE status = 'claimed'") claimed ·" "$TMP/body" \
	"and is counted at once (the change was made here)"
# Claims change outside the server too: the rows are read as they are now.
sql "UPDATE queue_items SET claim_expires = now() - interval '1 second' WHERE id = $bc" >/dev/null
as alice GET /queue >/dev/null
expect_grep "<tr data-id=\"$bc\" [^>]*class=\"[a-z ]*new\">.*<td>new</td><td></td>" "$TMP/body" \
	"an expired claim shows as new on the next page"
cat=$(sql "SELECT c FROM queue_items, unnest(categories) c WHERE status <> 'resolved' GROUP BY c ORDER BY count(*) DESC, c LIMIT 1")
ms=$(sql "SELECT floor(percentile_disc(0.5) WITHIN GROUP (ORDER BY score)) FROM queue_items WHERE status <> 'resolved' AND '$cat' = ANY (categories)")
fq="FROM queue_items WHERE status <> 'resolved' AND '$cat' = ANY (categories) AND score >= $ms"
expect_eq "$(as alice GET "/queue?category=$cat&min_score=$ms")" 200 "the queue filtered by category and score"
expect_eq "$(rows)" "$(sql "SELECT string_agg(id::text, ' ') FROM (SELECT id $fq ORDER BY urgent DESC, priority DESC, id LIMIT 50) x")" \
	"lists exactly the matching open items"
expect_grep " of $(sql "SELECT count(*) $fq") " "$TMP/body" "and counts them"
expect_eq "$(as alice GET "/queue?category=$cat&min_score=$ms&offset=1")" 200 "the filtered queue's next rows"
expect_eq "$(rows)" "$(sql "SELECT string_agg(id::text, ' ') FROM (SELECT id $fq ORDER BY urgent DESC, priority DESC, id LIMIT 50 OFFSET 1) x")" \
	"start where asked"
# The language is the prefix of the rules that hit, from every hit set of the item's version.
lang=$(sql "SELECT split_part(h.rule_id, '_', 1) FROM queue_items q JOIN hits h ON h.version_id = q.version_id WHERE q.status <> 'resolved' AND split_part(h.rule_id, '_', 1) ~ '^[a-z]{1,8}$' GROUP BY 1 ORDER BY count(DISTINCT q.id), 1 LIMIT 1")
lq="FROM queue_items q WHERE q.status <> 'resolved' AND EXISTS (SELECT 1 FROM hits h WHERE h.version_id = q.version_id AND split_part(h.rule_id, '_', 1) = '$lang')"
expect_eq "$(as alice GET "/queue?language=$lang")" 200 "the queue filtered by language ($lang)"
expect_eq "$(rows)" "$(sql "SELECT string_agg(id::text, ' ') FROM (SELECT q.id $lq ORDER BY q.urgent DESC, q.priority DESC, q.id LIMIT 50) x")" \
	"lists exactly the items with a hit of that language's rules"
expect_grep " of $(sql "SELECT count(*) $lq") " "$TMP/body" "and counts them"
expect_eq "$(as bob GET "/queue?status=claimed&mine=1")" 200 "bob's own claims"
expect_eq "$(rows)" "$(sql "SELECT string_agg(id::text, ' ') FROM (SELECT id FROM queue_items WHERE status = 'claimed' AND claimed_by = 'bob' ORDER BY urgent DESC, priority DESC, id) x")" \
	"are his claims, and only his"
expect_grep ">$(sql "SELECT count(*) FROM queue_items WHERE status = 'claimed' AND claimed_by = 'bob'") mine</a>" "$TMP/body" \
	"counted as his"
expect_eq "$(as alice GET "/queue?status=resolved")" 200 "resolved items"
expect_eq "$(rows)" "$(sql "SELECT string_agg(id::text, ' ') FROM (SELECT id FROM queue_items WHERE status = 'resolved' ORDER BY urgent DESC, priority DESC, id LIMIT 50) x")" \
	"are listed with their own filter"
expect_eq "$(as alice GET "/queue?network=999999999")" 200 "a filter nothing matches"
expect_grep 'Nothing matches these filters' "$TMP/body" "says so"
expect_grep '0–0 of 0 ' "$TMP/body" "and counts nothing"
expect_eq "$(as alice GET "/queue?min_score=abc")" 400 "a bad score is refused"

# ---- roles on every route -----------------------------------------------------------------
login sue sue-password-1 >/dev/null
login ada ada-password-1 >/dev/null
net=$(sql "SELECT network_id FROM listing_networks GROUP BY network_id HAVING count(*) > 1 ORDER BY 1 LIMIT 1")
for p in /queue /item/$second /network/$net /network/$net/graph.svg /search?q=passport /rules /status \
	/audit /admin/accounts /password; do
	expect_eq "$(code GET "$p")" 303 "anonymous GET $p goes to sign-in"
done
for p in /queue /item/$second /network/$net /network/$net/graph.svg "/search?q=passport" /rules /status /password; do
	expect_eq "$(as bob GET "$p")" 200 "an analyst reaches $p"
done
expect_eq "$(as bob GET /audit)" 403 "an analyst cannot read everyone's audit log"
expect_eq "$(as bob GET /admin/accounts)" 403 "an analyst cannot reach accounts"
expect_eq "$(as bob POST /admin/accounts -d "csrf=$B&op=add&name=mallory&role=admin")" 403 \
	"an analyst cannot add accounts"
expect_eq "$(as sue GET /audit)" 200 "a supervisor reads the audit log"
expect_grep 'escalated' "$TMP/body" "which shows the resolution"
expect_eq "$(as sue GET /admin/accounts)" 403 "a supervisor cannot reach accounts"
expect_eq "$(as ada GET /admin/accounts)" 200 "an admin reaches accounts"
D=$(csrf ada)
expect_eq "$(as ada POST /admin/accounts -d "csrf=$D&op=add&name=carl&role=analyst")" 200 "an admin adds an account"
otp=$(sed -n 's/.*<code id="otp">\([0-9a-f]*\)<.*/\1/p' "$TMP/body")
expect_eq "$(login carl "$otp")" 303 "the new account signs in with its one-time password"
expect_grep '^Location: /password' "$TMP/hdr" "and is sent to choose a password"
expect_eq "$(as carl GET /queue)" 303 "nothing else until it is changed"
C=$(curl -s -b "$TMP/carl.jar" "$WEB/password" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
expect_eq "$(code POST /password -b "$TMP/carl.jar" -c "$TMP/carl.jar" -d "csrf=$C&current=$otp&new=carl-password-1&again=carl-password-1")" 303 \
	"carl chooses a password"
expect_eq "$(as carl GET /queue)" 200 "and works"
expect_eq "$(as ada POST /admin/accounts -d "csrf=$D&op=disable&name=carl")" 200 "an admin disables carl"
expect_eq "$(as carl GET /queue)" 303 "a disabled account's session ends at once"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE actor = 'ada' AND action = 'account_disabled'")" 1 \
	"account changes are audited"

# ---- supervisors: reopen and reassign -------------------------------------------------------
S=$(csrf sue)
expect_eq "$(as bob POST /item/$top/reopen -d "csrf=$B")" 403 "an analyst cannot reopen a verdict"
expect_eq "$(as sue POST /item/$top/reopen -d "csrf=$S&note=wrong+agency")" 303 "a supervisor reopens it"
expect_eq "$(sql "SELECT status || ':' || coalesce(verdict, '-') FROM queue_items WHERE id = $top")" new:- \
	"the item is new again"
expect_eq "$(sql "SELECT (details->>'previous_verdict') || ':' || (details->>'previous_agency') FROM audit_log WHERE item_id = $top AND action = 'reopened'")" \
	escalated:police "the audit log keeps the verdict it had"
expect_eq "$(as bob POST /item/$top/reassign -d "csrf=$B&to=bob")" 403 "an analyst cannot reassign"
expect_eq "$(as sue POST /item/$top/reassign -d "csrf=$S&to=nobody")" 400 "reassigning to no account is refused"
expect_eq "$(as sue POST /item/$top/reassign -d "csrf=$S&to=bob")" 303 "a supervisor reassigns an item"
expect_eq "$(sql "SELECT claimed_by FROM queue_items WHERE id = $top")" bob "to bob"
expect_eq "$(sql "SELECT actor || ':' || (details->>'to') FROM audit_log WHERE item_id = $top AND action = 'reassigned'")" \
	sue:bob "audited as the supervisor's act"

# ---- session expiry ------------------------------------------------------------------------
sql "UPDATE web_sessions SET expires_at = now() - interval '1 minute' WHERE account_id = (SELECT id FROM web_accounts WHERE name = 'sue')" >/dev/null
expect_eq "$(as sue GET /queue)" 303 "an expired session is refused"
expect_eq "$(as alice GET /queue)" 200 "others' sessions go on"
expect_eq "$(as alice POST /logout -d csrf=$A)" 303 "sign out"
expect_eq "$(as alice GET /queue)" 303 "the session is gone after signing out"

# ---- hostile ads ------------------------------------------------------------------------------
login alice alice-password-1 >/dev/null
for u in http://127.0.0.1/h/script.html "javascript:document.title='PWNED'//http://127.0.0.1/" \
	http://127.0.0.1/h/long.html file://$TMP/broken-utf8.txt; do
	id=$(sql "SELECT q.id FROM queue_items q JOIN listings l ON l.id = q.listing_id WHERE l.url = \$\$$u\$\$")
	if [ -z "$id" ]; then notok "hostile ad $u is queued"; continue; fi
	expect_eq "$(as alice GET /item/$id)" 200 "hostile item $id renders"
	if grep -qi '<script>document\|<img src=x\|<svg onload\|<iframe\|href="javascript:\|<b onclick' "$TMP/body"; then
		notok "hostile item $id: ad markup reached the page"
	else
		ok "hostile item $id: ad markup is escaped"
	fi
done
jid=$(sql "SELECT q.id FROM queue_items q JOIN listings l ON l.id = q.listing_id WHERE l.url LIKE 'javascript:%'")
as alice GET /item/$jid >/dev/null
expect_grep '<span class="url">javascript:document.title=&#39;PWNED&#39;//http://127.0.0.1/</span>' "$TMP/body" \
	"a javascript: URL is shown as text, not a link"
expect_grep 'href="http://127.0.0.1/h/script.html" rel="noopener noreferrer' "$(as alice GET /item/$(sql "SELECT q.id FROM queue_items q JOIN listings l ON l.id = q.listing_id WHERE l.url = 'http://127.0.0.1/h/script.html'") >/dev/null; echo "$TMP/body")" \
	"ad links open apart with rel=noopener noreferrer"
expect_eq "$(as alice GET '/queue?status=all')" 200 "the queue with a 1 MB title"
size=$(wc -c <"$TMP/body")
expect_eq "$([ "$size" -lt 200000 ] && echo small)" small "stays small (titles are cut)"
expect_eq "$(as alice GET '/search?q=passport')" 200 "search"
expect_grep '<mark>passport</mark>' "$TMP/body" "search highlights matches"
expect_grep 'recently stored ads not yet in the search index, searched directly' "$TMP/body" \
	"search says that listings not yet indexed were read directly"

# ---- API -------------------------------------------------------------------------------------
expect_eq "$(code GET /api/queue)" 401 "the API needs a bearer token"
T=$("$LW" user token alice --label test)
expect_eq "$(code GET /api/queue -H "Authorization: Bearer $T")" 200 "the API with a token"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert isinstance(a, list) and a and "id" in a[0]' "$TMP/body" \
	&& ok "the API's queue is the CLI's --json array" || notok "the API's queue is the CLI's --json array"
expect_eq "$(code GET /api/queue -H "Authorization: Bearer nope")" 401 "a wrong token is refused"
expect_eq "$(code GET /api/audit -H "Authorization: Bearer $T")" 403 "the API enforces roles too"
expect_eq "$(code GET "/api/queue?language=$lang" -H "Authorization: Bearer $T")" 200 "the API's queue by language"
expect_eq "$(python3 -c 'import json,sys; print(" ".join(str(i["id"]) for i in json.load(open(sys.argv[1]))))' "$TMP/body")" \
	"$(sql "SELECT string_agg(id::text, ' ') FROM (SELECT q.id $lq ORDER BY q.urgent DESC, q.priority DESC, q.id LIMIT 50) x")" \
	"lists the same items as the page"
expect_eq "$(code GET /api/networks/$net -H "Authorization: Bearer $T")" 200 "a network through the API"
"$LW" network show $net --json >"$TMP/net.json"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); c=json.load(open(sys.argv[2])); assert sorted(a) == sorted(c) and "cut_texts" in a, (sorted(a), sorted(c))' "$TMP/body" "$TMP/net.json" \
	&& ok "shaped as network show --json, cut_texts included" || notok "the API's network is network show --json's shape"
missing=$(python3 -c 'import json,re,sys
row = [l for l in open(sys.argv[2]) if l.startswith("| `GET /api/networks/ID` |")][0]
print(" ".join(k for k in json.load(open(sys.argv[1])) if not re.search(r"[`, \[{]" + k + r"[`,\] }]", row)))' "$TMP/net.json" "$TOP/docs/api.md")
expect_eq "$missing" "" "docs/api.md names every key of a network"
expect_eq "$(code GET /api/networks/999999999 -H "Authorization: Bearer $T")" 404 "API: no such network is a 404"
nid=$(sql "SELECT id FROM queue_items WHERE status = 'new' ORDER BY id LIMIT 1")
expect_eq "$(code POST /api/items/$nid/claim -H "Authorization: Bearer $T")" 200 "claim through the API"
expect_eq "$(code POST /api/items/$nid/resolve -H "Authorization: Bearer $T" -H 'Content-Type: application/json' -d '{"verdict":"confirmed","note":"api"}')" 200 \
	"resolve through the API"
expect_eq "$(sql "SELECT verdict || ':' || resolved_by FROM queue_items WHERE id = $nid")" confirmed:alice "as alice"
expect_eq "$(code GET /api/items/$nid -H "Authorization: Bearer $T")" 200 "an item through the API"
expect_grep '"hits":\[' "$TMP/body" "with its hits"
expect_grep '"explain":{"categories":\[' "$TMP/body" "and its score explained"
# The score's arithmetic is one function's: the page and `queue show` agree.
cli_ex=$("$LW" queue show $nid | sed -n 's/.*categories \([0-9.]*\) x \([0-9.]*\) (\([0-9]*\) distinct).*/\1 \2 \3/p')
as alice GET /item/$nid >/dev/null
web_ex=$(sed -n 's/.*<tr class="total"><td colspan="2">\([0-9.]*\) × \([0-9.]*\) (\([0-9]*\) categories).*/\1 \2 \3/p' "$TMP/body")
expect_eq "${web_ex:-none}" "${cli_ex:-missing}" "the item page explains the score as queue show does"
# Reassigning through the API checks the account it hands the item to.
ST=$("$LW" user token sue --label test)
rid=$(sql "SELECT id FROM queue_items WHERE status = 'new' ORDER BY id LIMIT 1")
reassign() { code POST /api/items/$rid/reassign -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "$2"; }
expect_eq "$(reassign "$T" '{"to":"bob"}')" 403 "an analyst's token cannot reassign"
expect_eq "$(reassign "$ST" '{"to":"nobody"}')" 400 "API: reassigning to no account is refused"
expect_grep '^{"error":"no account .nobody. to reassign to","status":400}$' "$TMP/body" "with an error naming the account"
expect_eq "$(reassign "$ST" '{"to":"carl"}')" 400 "API: reassigning to a disabled account is refused"
expect_grep '"error":"account .carl. is disabled: it cannot take items"' "$TMP/body" "saying it is disabled"
expect_eq "$(reassign "$ST" '{}')" 400 "API: reassigning without a target is refused"
expect_grep '"error":"reassigning needs .to.' "$TMP/body" "saying what is missing"
expect_eq "$(sql "SELECT status || ':' || coalesce(claimed_by, '-') FROM queue_items WHERE id = $rid")" new:- \
	"refused reassignments leave the item alone"
expect_eq "$(reassign "$ST" '{"to":"bob"}')" 200 "API: a supervisor reassigns to an enabled analyst"
expect_eq "$(sql "SELECT claimed_by FROM queue_items WHERE id = $rid")" bob "the item is bob's"

# ---- sources (admin) -------------------------------------------------------------------------
SD=$LUREWATCH_HOME/sources
login bob bob-password-1 >/dev/null
login sue sue-password-1 >/dev/null
B=$(csrf bob); S=$(csrf sue); D=$(csrf ada)
expect_eq "$(as bob GET /admin/sources)" 403 "an analyst cannot see sources"
expect_eq "$(as sue GET /admin/sources)" 403 "a supervisor cannot see sources"
expect_eq "$(as sue POST /admin/sources -d "csrf=$S&op=disable&name=sample")" 403 "a supervisor cannot change sources"
expect_eq "$(as ada GET /admin/sources)" 200 "an admin sees sources"
expect_grep '<td>mainsite</td>.*edit its file' "$TMP/body" "a source of the main file is shown, not editable"
expect_grep '<td>sample</td>.*value="disable"' "$TMP/body" "a source of its own file can be disabled"
add() { as ada POST /admin/sources --data-urlencode "csrf=$D" --data-urlencode op=add "$@"; }
expect_eq "$(add -d name=newsite -d kind=html --data-urlencode 'links=//a/@href' --data-urlencode 'start=http://127.0.0.1:9/a
http://127.0.0.1:9/b' --data-urlencode 'title=//h1' -d interval=2h -d enabled=yes)" 200 "an admin adds a source"
expect_grep "source .*newsite.* added" "$TMP/body" "and is told so"
expect_grep '^start = http://127.0.0.1:9/b$' "$SD/newsite.conf" "written to the sources folder, one start URL a line"
expect_eq "$("$LW" config check >/dev/null 2>&1; echo $?)" 0 "the configuration still checks"
expect_eq "$(sql "SELECT actor || ':' || (details->>'source') FROM audit_log WHERE action = 'source_added'")" ada:newsite \
	"the addition is audited with the admin's name"
expect_eq "$(add -d name=badsite -d kind=html --data-urlencode 'links=//a/@href' --data-urlencode start=http://127.0.0.1:9/ --data-urlencode 'title=//h1[')" 400 \
	"a bad XPath is refused"
expect_grep "badsite.conf:[0-9]*: .*//h1\[" "$TMP/body" "with the file and line where it failed"
expect_eq "$([ -e "$SD/badsite.conf" ] && echo left || echo gone)" gone "and no file is left behind"
expect_eq "$(add -d name=sample -d kind=html --data-urlencode 'links=//a/@href' --data-urlencode start=http://127.0.0.1:9/)" 400 "a name in use is refused"
expect_grep "source .*sample.* already exists" "$TMP/body" "saying so"
cp "$SD/newsite.conf" "$TMP/newsite.before"
expect_eq "$(as ada POST /admin/sources --data-urlencode "csrf=$D" -d op=edit -d name=newsite -d kind=html --data-urlencode 'links=//a/@href' \
	--data-urlencode 'start=ftp://127.0.0.1/x' --data-urlencode 'title=//h1')" 400 "a change to a bad URL is refused"
expect_eq "$(cmp -s "$SD/newsite.conf" "$TMP/newsite.before" && echo same)" same "and the file is as it was"
expect_eq "$(as ada POST /admin/sources --data-urlencode "csrf=$D" -d op=edit -d name=newsite -d kind=html --data-urlencode 'links=//a/@href' \
	--data-urlencode 'start=http://127.0.0.1:9/a' --data-urlencode 'title=//h1
[source evil]')" 400 "a line break cannot smuggle in a section"
expect_eq "$(as ada POST /admin/sources --data-urlencode "csrf=$D" -d op=edit -d name=newsite -d kind=html --data-urlencode 'links=//a/@href' \
	--data-urlencode 'start=http://127.0.0.1:9/c' --data-urlencode 'body=//main' -d max_pages=50)" 200 "an admin changes a source"
expect_grep '^max_pages = 50$' "$SD/newsite.conf" "the change is written"
# Admins saving the same source at the same instant: each writes its own temporary file, and the
# last rename wins whole.
saves=
for i in 1 2 3 4 5 6; do
	curl -s -o /dev/null -w '%{http_code}\n' -b "$TMP/ada.jar" --data-urlencode "csrf=$D" -d op=edit -d name=newsite \
		-d kind=html --data-urlencode 'links=//a/@href' --data-urlencode 'start=http://127.0.0.1:9/c' \
		--data-urlencode 'body=//main' -d max_pages=5$i "$WEB/admin/sources" >"$TMP/save.$i" &
	saves="$saves $!"
done
# Only the saves: a bare wait would wait for the server too.
for p in $saves; do wait "$p"; done
expect_eq "$(cat "$TMP"/save.[1-6] | sort -u | tr '\n' ' ')" "200 " "six admins save one source at once"
expect_eq "$(grep -c '^max_pages = 5[1-6]$' "$SD/newsite.conf")" 1 "the file is one of their saves, whole"
expect_eq "$(ls -A "$SD" | grep -c '^\.')" 0 "and no temporary file is left"
expect_rc 0 "the sources folder loads" "$LW" source list
expect_eq "$(as ada POST /admin/sources --data-urlencode "csrf=$D" -d op=edit -d name=mainsite -d kind=html --data-urlencode 'links=//a/@href' \
	--data-urlencode 'start=http://127.0.0.1:9/m')" 400 "a source of the main file is not rewritten"
expect_grep "source .*mainsite.* is defined in .*lurewatch.conf:[0-9]*" "$TMP/body" "saying where to change it"
expect_eq "$(as ada POST /admin/sources -d "op=disable&name=sample")" 403 "changes need the CSRF token"
expect_eq "$(as ada POST /admin/sources -d "csrf=$D&op=disable&name=sample")" 200 "an admin disables a source"
expect_grep '^enabled = no$' "$SD/sample.conf" "the file says so"
expect_grep '^title = //h1$' "$SD/sample.conf" "and keeps the rest"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE actor = 'ada' AND action = 'source_disabled' AND details->>'source' = 'sample'")" 1 \
	"disabling is audited"
AT=$("$LW" user token ada --label test)
expect_eq "$(code GET /api/sources -H "Authorization: Bearer $T")" 403 "API: an analyst cannot list sources"
expect_eq "$(code GET /api/sources -H "Authorization: Bearer $AT")" 200 "API: an admin lists sources"
python3 -c 'import json,sys; a={s["name"]: s for s in json.load(open(sys.argv[1]))}; assert not a["sample"]["enabled"] and a["sample"]["editable"] and not a["mainsite"]["editable"] and a["newsite"]["start"] == ["http://127.0.0.1:9/c"]' "$TMP/body" \
	&& ok "API: sources as the files say" || notok "API: sources as the files say"
expect_eq "$(code POST /api/sources -H "Authorization: Bearer $AT" -d 'op=enable&name=sample')" 200 "API: an admin enables a source"
expect_eq "$(grep -c '^enabled = ' "$SD/sample.conf")" 1 "one enabled line is left"
expect_grep '^enabled = yes$' "$SD/sample.conf" "and it says yes"
expect_eq "$(code POST /api/sources -H "Authorization: Bearer $AT" -d 'op=enable&name=nosuch')" 400 "API: an unknown source is refused"
expect_grep '"error":"no source .nosuch."' "$TMP/body" "with a JSON error"
# The command line goes through the same code.
expect_rc 0 "lurewatch source disable" env LUREWATCH_ANALYST=opal "$LW" source disable newsite
expect_grep '^enabled = no$' "$SD/newsite.conf" "writes the same file"
expect_eq "$(sql "SELECT actor FROM audit_log WHERE action = 'source_disabled' AND details->>'source' = 'newsite'")" cli:opal \
	"and is audited as the operator"
expect_rc 2 "lurewatch source edit refuses a bad selector" "$LW" source edit newsite kind=html start=http://127.0.0.1:9/ 'links=//a[' title=//h1
expect_grep 'newsite.conf:[0-9]*: bad XPath for links' "$TMP/err" "with file:line"
mkdir -p "$TMP/nosources"
printf '[lurewatch]\nsources = %s\n' "$TMP/nosources" >"$TMP/nosources.conf"
expect_rc 0 "an empty sources folder loads (where an admin starts)" "$LW" --config "$TMP/nosources.conf" source list
expect_eq "$(as ada GET /admin/sources)" 200 "the page shows the command line's change"
expect_grep '<td>newsite</td>.*<td>disabled</td>' "$TMP/body" "newsite disabled"

# ---- metrics -----------------------------------------------------------------------------------
expect_eq "$(code GET /metrics)" 200 "/metrics"
if python3 "$TOP/tests/web/promcheck.py" "$TMP/body"; then ok "/metrics parses as Prometheus text"; else notok "/metrics parses"; fi
expect_grep '^lurewatch_queue_items{status="resolved"} [1-9]' "$TMP/body" "queue depth by status"
expect_grep '^lurewatch_build_info{version=' "$TMP/body" "build info"
expect_grep '^lurewatch_logins_total{result="failed"} [1-9]' "$TMP/body" "failed logins counted"

# ---- the daemon's /metrics ------------------------------------------------------------------------
mport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '[daemon]\nmetrics_listen = 127.0.0.1:%s\n' "$mport" >"$TMP/daemon.conf"
"$LW" --config "$TMP/daemon.conf" daemon >"$TMP/daemon.out" 2>&1 &
dpid=$!
pids="$pids $dpid"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$mport/healthz" || [ $i -gt 300 ]; do sleep 0.1; i=$((i + 1)); done
st=$(curl -s -o "$TMP/dm" -w '%{http_code}' "http://127.0.0.1:$mport/metrics")
expect_eq "$st" 200 "the daemon serves /metrics with [daemon] metrics_listen"
if python3 "$TOP/tests/web/promcheck.py" "$TMP/dm"; then ok "and it parses"; else notok "the daemon's /metrics parses"; fi
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/queue")" 404 "and nothing else"
kill "$dpid" 2>/dev/null
wait "$dpid" 2>/dev/null

# ---- TLS ------------------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 1 \
	-subj /CN=127.0.0.1 >/dev/null 2>&1
cat >"$conf" <<CONF
[serve]
tls_cert = $TMP/cert.pem
tls_key = $TMP/key.pem
CONF
plain=$WEB
start_web
case $WEB in https://*) ok "HTTPS from [serve] tls_cert and tls_key" ;; *) notok "HTTPS ($WEB)" ;; esac
t=$(curl -sk -c "$TMP/tls.jar" "$WEB/login" | sed -n 's/.*name="login_csrf" value="\([0-9a-f]*\)".*/\1/p')
st=$(curl -sk -b "$TMP/tls.jar" -D "$TMP/hdr" -o /dev/null -w '%{http_code}' -d "login_csrf=$t&name=alice&password=alice-password-1" "$WEB/login")
expect_eq "$st" 303 "sign in over HTTPS"
expect_grep '^Set-Cookie: lw_session=.*; Secure' "$TMP/hdr" "the cookie is Secure under TLS"
expect_grep '^Strict-Transport-Security' "$TMP/hdr" "and HSTS is sent"
WEB=$plain
finish

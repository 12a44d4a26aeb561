# SPDX-License-Identifier: MIT
# Shared by the web tests (sourced after tests/cli/lib.sh): a throwaway
# PostgreSQL holding the network sample and hostile ads, four accounts, and
# `lurewatch serve` on a free port of 127.0.0.1 ($WEB, e.g.
# http://127.0.0.1:40123). Passwords: NAME-password-1.

use_pg
conf="$LUREWATCH_HOME/lurewatch.conf"
cat >"$conf" <<CONF
[serve]
session_minutes = 30
[queue]
claim_minutes = 45
CONF

# Ads written to attack the page that shows them.
python3 - "$TMP/hostile.jsonl" <<'PY'
import json, sys
ads = [
    {"url": "http://127.0.0.1/h/script.html",
     "title": "<script>document.title='PWNED'</script>Cleaners wanted",
     "body": "No experience, we keep your passport safe. <img src=x onerror=\"document.title='PWNED'\"> "
             "Pay the placement fee first. <a href=\"javascript:document.title='PWNED'\">apply</a> "
             "</div></mark><iframe src=//evil></iframe> Whatsapp +64 21 555 0199"},
    {"url": "javascript:document.title='PWNED'//http://127.0.0.1/",
     "title": "\"><svg onload=document.title='PWNED'> Farm work abroad",
     "body": "Visa guaranteed, pay the recruitment fee before you fly, we hold your passport. "
             "Wages paid at the end of the season. ' onmouseover='document.title=1"},
    {"url": "http://127.0.0.1/h/long.html",
     "title": "Hostess jobs overseas " + "A" * (1024 * 1024),
     "body": "Free flights, visa guaranteed, we keep your passport. Pay the agency fee from your wages."},
]
with open(sys.argv[1], "w") as f:
    for a in ads:
        f.write(json.dumps(a) + "\n")
PY
# Broken UTF-8 survives only outside JSON: a plain file ad.
printf 'Bad bytes \377\376 <b onclick=alert(1)>boat crew</b>\nNo experience needed, we keep your passport. Pay the fee before you start, wages withheld until the end.\n' \
	>"$TMP/broken-utf8.txt"

"$LW" db start >/dev/null 2>&1 || { echo "Bail out! db start failed"; exit 1; }
URL=$("$LW" db url)
sql() { PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"; }
"$LW" ingest "$TOP/tests/data/networks/ads.jsonl" "$TMP/hostile.jsonl" "$TMP/broken-utf8.txt" \
	>"$TMP/ingest.out" 2>&1
for a in alice:analyst bob:analyst sue:supervisor ada:admin; do
	echo "${a%%:*}-password-1" | "$LW" user add "${a%%:*}" --role "${a#*:}" --password-stdin \
		>/dev/null || { echo "Bail out! user add failed"; exit 1; }
done

# start_web [ARGS]: `lurewatch serve` on a free port; sets $WEB and $wpid.
start_web() {
	"$LW" serve --listen 127.0.0.1:0 "$@" >"$TMP/serve.out" 2>"$TMP/serve.err" &
	wpid=$!
	pids="$pids $wpid"
	WEB=
	i=0
	while [ -z "$WEB" ] && [ $i -lt 200 ]; do
		sleep 0.05
		WEB=$(sed -n 's|^lurewatch serve: listening on \(http[s]*://[^/]*\)/$|\1|p' "$TMP/serve.out")
		i=$((i + 1))
	done
	if [ -z "$WEB" ]; then
		echo "Bail out! lurewatch serve did not start" >&2
		cat "$TMP/serve.err" >&2
		exit 1
	fi
}

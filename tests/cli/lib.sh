# SPDX-License-Identifier: MIT
# TAP-style helpers for the command-line tests (git's t/test-lib.sh, small).
# Each test prints "ok N - name" or "not ok N - name"; tests/run.sh counts them.
n=0
fails=0
LW=${LW_BIN:-$(pwd)/lurewatch}
TOP=${LW_TOP:-$(pwd)}
TMP=$(mktemp -d /tmp/lw-cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

# expect_rc WANT NAME CMD...: runs CMD, output in $TMP/out and $TMP/err.
expect_rc() {
	want=$1; name=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$name"; else
		notok "$name (exit $got, wanted $want)"
		sed 's/^/# /' "$TMP/out" "$TMP/err" | head -20
	fi
}

# expect_grep PATTERN FILE NAME
expect_grep() {
	if grep -q -- "$1" "$2"; then ok "$3"; else
		notok "$3 ('$1' not in $2)"
		sed 's/^/# /' "$2" | head -20
	fi
}

finish() { [ "$fails" -eq 0 ]; exit $?; }

# expect_eq GOT WANT NAME
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}

# sql STATEMENT: its rows, unaligned, from the database at $URL (set it after
# use_pg's "db start", e.g. URL=$("$LW" db url)); fails the shell's test on an error.
sql() {
	PGCLIENTENCODING=UTF8 PGOPTIONS='-csearch_path=lurewatch' \
		psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"
}


# hold_lock KEY [DBURL]: a session at DBURL ($URL by default) takes advisory lock KEY and keeps
# it until release_lock; its pid is in $holder, and $held is 1 once the lock is granted.
hold_lock() {
	hl_url=${2:-$URL}
	PGOPTIONS='-csearch_path=lurewatch' psql -X -q "$hl_url" -c "CREATE TABLE public.hold AS SELECT 1 AS x" >/dev/null
	PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A "$hl_url" \
		-c "SELECT pg_advisory_lock($1)" \
		-c "DO \$\$ BEGIN WHILE EXISTS (SELECT FROM public.hold) LOOP PERFORM pg_sleep(0.1); END LOOP; END \$\$" \
		>"$TMP/holder.out" 2>&1 &
	holder=$!
	pids="$pids $holder"
	held=""
	for i in $(seq 1 100); do
		held=$(PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A "$hl_url" \
			-c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted")
		[ "$held" = 1 ] && break
		sleep 0.1
	done
}
# release_lock: hold_lock's session lets go and ends.
release_lock() {
	PGOPTIONS='-csearch_path=lurewatch' psql -X -q "$hl_url" -c "DELETE FROM public.hold" >/dev/null
	wait "$holder"
}

# load_old_store N SEED: N listings from bench/gen_listings.py (seed SEED, 30% lures) loaded
# straight into the tables at $URL as bench/bench_rescan.sh loads them: each with one version
# scored by 'old-pack', nothing linked, queued or extracted, so a rescan does all of that.
# The loader's errors go to $TMP/load.err.
load_old_store() {
	python3 "$TOP/bench/gen_listings.py" jsonl "$TMP/l.jsonl" "$TMP/l.csv" "$1" "$2" 0.3 >/dev/null
	PGOPTIONS='-csearch_path=lurewatch' psql -X -q -v ON_ERROR_STOP=1 "$URL" \
		-c "CREATE TEMP TABLE b (url text, source text, title text, body text, location text, posted text)" \
		-c "\\copy b FROM '$TMP/l.csv' WITH (FORMAT csv)" \
		-c "INSERT INTO sources (name) SELECT DISTINCT source FROM b ON CONFLICT DO NOTHING" \
		-c "INSERT INTO rule_packs (hash, name) VALUES ('old-pack', 'older pack')" \
		-c "INSERT INTO listings (url, source_id, title, body, location, posted, content_hash)
		    SELECT b.url, s.id, b.title, b.body, b.location, b.posted, md5(b.title || b.body || b.url)
		    FROM b JOIN sources s ON s.name = b.source ORDER BY b.url" \
		-c "INSERT INTO listing_versions (listing_id, version, title, body, location, posted,
		    content_hash, rule_pack, score, flagged) SELECT id, 1, title, body, location, posted,
		    content_hash, 'old-pack', 0, false FROM listings ORDER BY id" \
		-c "ANALYZE" >/dev/null 2>"$TMP/load.err"
}
# use_pg: a throwaway lurewatch (embedded PostgreSQL in LUREWATCH_HOME under
# /tmp, world-searchable so the server's user - postgres under root - reaches
# it), stopped and removed on exit together with $TMP and the servers that
# start_server started. The compiled-rules cache is shared unless set.
use_pg() {
	: "${LUREWATCH_CACHE:=$TMP/cache}"
	export LUREWATCH_CACHE
	unset LUREWATCH_RULES LUREWATCH_DATABASE_URL LUREWATCH_CONFIG LUREWATCH_ANALYST \
		PGHOST PGDATABASE PGSERVICE
	LUREWATCH_HOME=$(mktemp -d /tmp/lw-XXXXXX)
	chmod 755 "$LUREWATCH_HOME"
	LUREWATCH_PG_FAST=1
	export LUREWATCH_HOME LUREWATCH_PG_FAST
	SERVE="$TOP/tests/server/lwserve.py"
	pids=""
	trap lw_cleanup EXIT
	trap 'exit 1' INT TERM
}

lw_cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	"$LW" db stop >/dev/null 2>&1
	rm -rf "$LUREWATCH_HOME" "$TMP"
}

# start_server NAME ARGS...: tests/server/lwserve.py on a free port of
# 127.0.0.1, logging to $TMP/NAME.log; sets $port and $spid.
start_server() {
	sname=$1
	shift
	python3 "$SERVE" --port 0 --idle-exit 180 --log "$TMP/$sname.log" "$@" \
		>"$TMP/$sname.out" 2>"$TMP/$sname.err" &
	spid=$!
	pids="$pids $spid"
	port=
	i=0
	while [ -z "$port" ] && [ $i -lt 200 ]; do
		sleep 0.05
		port=$(sed -n '1s/^PORT=\([0-9][0-9]*\)$/\1/p' "$TMP/$sname.out")
		i=$((i + 1))
	done
	if [ -z "$port" ]; then
		echo "Bail out! lwserve did not start" >&2
		cat "$TMP/$sname.err" >&2
		exit 1
	fi
	: >>"$TMP/$sname.log"
}

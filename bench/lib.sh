# SPDX-License-Identifier: MIT
# Helpers sourced by bench/bench_*.sh: throwaway embedded clusters, timing, key=value results.
# Expects LW (the lurewatch binary), W (the run's temp folder) and RES (results file) to be set.
#
# bench/run.sh reads every figure a script records with put: it sets BENCH_RESULTS (its own results
# file) and BENCH_AS (a prefix such as "ingest"), and put copies each key=value there as
# BENCH_AS.key=value (a key that already starts with BENCH_AS. is kept as it is), so a script's
# figures outlive its temp folder. run.sh's table reads
#   ingest.in.listings, ingest.in.seconds, ingest.in.chunk_rates, ingest.copy.rows, ingest.copy.seconds
#   crawl.urls, crawl.hosts, crawl.curl.ok, crawl.curl.seconds, crawl.big.fetched, crawl.big.seconds
#   daemon.vmhwm_kb, daemon.match.maxrss_kb
#   rescan.store (listings stored), rescan.listings and rescan.seconds (those rescanned, in how
#   long), rescan.seconds_for_n (all of the store, extrapolated when capped), rescan.setup_seconds
#   (loading the store in SQL; the baseline unless rescan.baseline_seconds and rescan.baseline, what
#   that baseline did, are given)

say() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
# b - a with two decimals.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# x / y with one (or $3) decimals, or "-" when either is missing or y is 0.
ratio() { awk -v x="$1" -v y="$2" -v d="${3:-1}" 'BEGIN { if (x == "-" || y == "-" || x == "" || y == "" || y + 0 == 0) print "-";
	else printf "%.*f", d, x / y }'; }
# n / s, no decimals.
per_s() { awk -v n="$1" -v s="$2" 'BEGIN { if (n == "-" || s == "-" || s + 0 == 0) print "-"; else printf "%.0f", n / s }'; }
kbmb() { awk -v k="$1" 'BEGIN { if (k == "-" || k == "") print "-"; else printf "%.0f MB", k / 1024 }'; }
put() {
	printf '%s=%s\n' "$1" "$2" >> "$RES"
	if [ -n "${BENCH_RESULTS:-}" ]; then
		case $1 in
		"${BENCH_AS:-x}".*) printf '%s=%s\n' "$1" "$2" ;;
		*) printf '%s.%s=%s\n' "${BENCH_AS:-x}" "$1" "$2" ;;
		esac >> "$BENCH_RESULTS"
	fi
}
# put_lines FILE: puts every key=value line of FILE.
put_lines() {
	while IFS= read -r l; do
		case $l in *=*) put "${l%%=*}" "${l#*=}" ;; esac
	done < "$1"
}
get() { v=$(sed -n "s/^$1=//p" "$RES" | tail -n 1); printf '%s' "${v:--}"; }

# cluster_new NAME [EXTRA_CONF_LINES]: a fresh embedded cluster in $W/NAME with default durability
# (fsync and synchronous_commit on: LUREWATCH_PG_FAST is unset); sets CONF and DBURL.
CLUSTERS=""
cluster_new() {
	home=$W/$1
	mkdir -p "$home"
	chmod 755 "$home"
	CONF=$home/lurewatch.conf
	printf '[lurewatch]\nhome = %s\n%s\n' "$home" "${2:-}" > "$CONF"
	CLUSTERS="$CLUSTERS $CONF"
	env -u LUREWATCH_PG_FAST "$LW" --config "$CONF" db start > "$home/start.log" 2>&1 || {
		say "bench: cannot start the embedded cluster:"; cat "$home/start.log" >&2; return 1; }
	DBURL=$("$LW" --config "$CONF" db url)
}
# Stops every cluster started by cluster_new (for traps).
clusters_stop() {
	for c in $CLUSTERS; do
		"$LW" --config "$c" db stop > /dev/null 2>&1 || true
	done
	CLUSTERS=""
}
# cluster_stop CONF: stops one cluster and frees its disk.
cluster_stop() {
	"$LW" --config "$1" db stop > /dev/null 2>&1 || true
	rm -rf "$(dirname "$1")"
}
sql() { psql "$DBURL" -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# Rows written by ingestion, as the brief counts them.
count_rows() {
	sql -c "SELECT (SELECT count(*) FROM listings) + (SELECT count(*) FROM listing_versions)
		+ (SELECT count(*) FROM hits) + (SELECT count(*) FROM queue_items)
		+ (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM listing_entities)"
}

# ingest_chunks PREFIX CAP_SECONDS FILES...: ingests the files one `lurewatch ingest` each, in
# order, stopping after CAP_SECONDS; records PREFIX.{listings,seconds,maxrss_kb,chunks,capped,
# flagged} and PREFIX.chunk_rates (listings/s of each chunk, to show any slow-down with size).
ingest_chunks() {
	pfx=$1
	cap=$2
	shift 2
	n=0; secs=0; rss=0; k=0; rates=""; flagged=0; capped=0
	for f in "$@"; do
		if awk -v s="$secs" -v c="$cap" 'BEGIN { exit !(s >= c) }'; then capped=1; break; fi
		t0=$(now)
		/usr/bin/time -f '%M' -o "$W/time.out" "$LW" --config "$CONF" ingest --json $INGEST_OPTS "$f" \
			> "$W/ingest.out" 2> "$W/ingest.err" || {
			say "bench: lurewatch ingest failed:"; tail -n 5 "$W/ingest.err" >&2; return 1; }
		t1=$(now)
		c=$(sed -n 's/.*"listings":\([0-9]*\).*/\1/p' "$W/ingest.out")
		fl=$(sed -n 's/.*"flagged":\([0-9]*\).*/\1/p' "$W/ingest.out")
		r=$(tail -n 1 "$W/time.out")
		d=$(elapsed "$t0" "$t1")
		n=$((n + c)); flagged=$((flagged + fl)); k=$((k + 1))
		secs=$(awk -v a="$secs" -v b="$d" 'BEGIN { printf "%.2f", a + b }')
		[ "$r" -gt "$rss" ] && rss=$r
		rates="$rates${rates:+ }$(per_s "$c" "$d")"
		say "bench:   chunk $k: $c listings in $d s ($(per_s "$c" "$d")/s)"
	done
	put "$pfx.listings" "$n"; put "$pfx.seconds" "$secs"; put "$pfx.maxrss_kb" "$rss"
	put "$pfx.chunks" "$k"; put "$pfx.capped" "$capped"; put "$pfx.flagged" "$flagged"
	put "$pfx.chunk_rates" "$rates"
}

# split_jsonl FILE N_PER_CHUNK: FILE.000.jsonl, FILE.001.jsonl, ... (names printed).
split_jsonl() {
	split -a 3 -d -l "$2" --additional-suffix=.jsonl "$1" "$1."
	ls "$1".[0-9][0-9][0-9].jsonl
}

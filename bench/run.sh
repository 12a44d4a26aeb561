#!/bin/sh
# SPDX-License-Identifier: MIT
# `make bench`: the figures of issue 9, each beside a baseline measured in the same run, ending with
# one table of stage | figure | baseline | aim | met. Raw key=value results stay in $BENCH_DIR.
#
# Environment (all optional):
#   BENCH_QUICK=1       a run of a few minutes for development: small corpora, slices and sites
#   BENCH_DIR           work folder (default ${TMPDIR:-/tmp}/lurewatch-bench); the corpora are kept
#                       there between runs and regenerated only when the generator, size or seed change
#   BENCH_CORPUS_MB     size of each generated corpus, English and mixed-script (40; quick: 4)
#   BENCH_SEED          corpus seed (42)
#   BENCH_REAL_ADS      folder of real postings (../shared/ext/real-ads): each sub-folder of
#                       NNNN.txt files becomes one corpus; skipped when absent
#   BENCH_RULES         generated rules (bench/gen_rules.py) added to the default pack for an extra
#                       raw-scan row (0: none; their cold compile takes minutes)
#   BENCH_FULL_SECONDS  cap on timed full-path scanning of each corpus (30; quick: 8)
#   BENCH_RAW_SECONDS   cap on timed raw scanning of each corpus (15; quick: 4)
#   BENCH_SLICE_SECONDS minimum timed scanning of small inputs, repeating them (3; quick: 1)
#   BENCH_PCRE2_BYTES   slice for PCRE2 (1000000; quick: 200000)
#   BENCH_RG_BYTES      slice for ripgrep (100000; quick: 30000)
#   BENCH_RANK=1        also rank the default pack's slowest patterns, each compiled alone
#   BENCH_PROFILE=0     skip the perf profile of the full path (printed when perf is installed)
#   BENCH_EXTRA=0       only the matcher rows (no crawl, ingestion, rescan, daemon)
#   BENCH_EXTRAS        which of those to run ("crawl ingest rescan daemon web fleet")
#   BENCH_NETWORK=1     also run bench/bench_network.sh (entity extraction and linking rates)
#   BENCH_GROUPS=0      skip bench/bench_groups.sh (networks against known groups: precision,
#                       recall, largest network, rebuild time; BENCH_GROUPS_N listings)
# The crawl, ingestion, rescan and daemon scripts take their own variables (see each script).
set -eu

BUILD=${LW_BUILD:-build}
BIN=$BUILD/bench/bench_match
LW=${LW_BIN:-$(pwd)/lurewatch}
QUICK=${BENCH_QUICK:-0}
q() { if [ "$QUICK" = 1 ]; then echo "$1"; else echo "$2"; fi; }
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/lurewatch-bench}
CORPUS_MB=${BENCH_CORPUS_MB:-$(q 4 40)}
SEED=${BENCH_SEED:-42}
REAL=${BENCH_REAL_ADS:-../shared/ext/real-ads}
NRULES=${BENCH_RULES:-0}
FULL_SECONDS=${BENCH_FULL_SECONDS:-$(q 8 30)}
RAW_SECONDS=${BENCH_RAW_SECONDS:-$(q 4 15)}
SLICE_SECONDS=${BENCH_SLICE_SECONDS:-$(q 1 3)}
PCRE2_BYTES=${BENCH_PCRE2_BYTES:-$(q 200000 1000000)}
RG_BYTES=${BENCH_RG_BYTES:-$(q 30000 100000)}

[ -x "$BIN" ] || { echo "bench: $BIN missing: run 'make bench'" >&2; exit 2; }
[ -x "$LW" ] || { echo "bench: $LW missing: run 'make bench'" >&2; exit 2; }
mkdir -p "$DIR"
RES=$DIR/results.txt
: > "$RES"
T0=$(date +%s)

say() { printf '%s\n' "$*" >&2; }
# The last value recorded for a key, or "-".
get() { v=$(sed -n "s/^$1=//p" "$RES" | tail -n 1); printf '%s' "${v:--}"; }
put() { printf '%s=%s\n' "$1" "$2" >> "$RES"; }
# Runs the harness, keeping its key=value lines: as they are (harness ...), renamed from mode.key to
# AS.key (harness_as AS ...) or prefixed to PRE_mode.key (harness_pre PRE ...); stops the benchmark
# when it fails.
harness_sed() {
	e=$1
	shift
	"$BIN" "$@" > "$DIR/out.txt" 2> "$DIR/err.txt" || {
		say "bench: bench_match $1 failed:"; tail -n 20 "$DIR/err.txt" >&2; exit 1; }
	sed "$e" "$DIR/out.txt" >> "$RES"
}
harness() { harness_sed "" "$@"; }
harness_as() { as=$1; shift; harness_sed "s/^[a-z0-9_]*\./$as./" "$@"; }
harness_pre() { pre=$1; shift; harness_sed "s/^/${pre}_/" "$@"; }
# calc 'AWK STATEMENTS' A [B [C]]: runs them with x1=A, x2=B, x3=C; prints "-" when any is missing.
calc() {
	e=$1
	shift
	for a in "$@"; do case $a in '' | -) printf '%s' -; return 0 ;; esac; done
	awk -v x1="${1:-0}" -v x2="${2:-0}" -v x3="${3:-0}" -v x4="${4:-0}" "BEGIN { $e }"
}
ratio() { calc 'if (x2 + 0 == 0) print "-"; else printf "%.1f", x1 / x2' "$@"; }
mb() { calc 'if (x1 < 1e6) printf "%.0f KB", x1 / 1e3; else printf "%.1f MB", x1 / 1e6' "$1"; }
kbmb() { calc 'printf "%.0f MB", x1 / 1024' "$1"; }
# met_ge FIGURE AIM: is figure >= aim, and if not, by how much it falls short.
met_ge() { calc 'if (x1 >= x2) print "yes"; else if (x1 <= 0) print "no"; else printf "no, %.1fx short (-%.0f%%)", x2 / x1, 100 * (1 - x1 / x2)' "$@"; }
# met_lt FIGURE AIM: is figure < aim, and if not, by how much it is over.
met_lt() { calc 'if (x1 < x2) print "yes"; else printf "no, %.1fx over", x1 / x2' "$@"; }
# A corpus name as a key prefix: jobtech-se -> jobtech_se.
keyname() { printf '%s' "$1" | tr -c 'a-z0-9\n' '_'; }

# ---- dependencies only the benchmark needs ---------------------------------------------------
bench_deps() {
	missing=""
	command -v hyperfine > /dev/null 2>&1 || missing="$missing hyperfine"
	[ -x /usr/bin/time ] || missing="$missing time"
	command -v rg > /dev/null 2>&1 || missing="$missing ripgrep"
	[ -z "$missing" ] && return 0
	say "bench: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	apt-get install -y -qq $missing > /dev/null 2>&1 || {
		apt-get update -qq > /dev/null 2>&1
		apt-get install -y -qq $missing > /dev/null 2>&1; } ||
		say "bench: could not install$missing (as root: apt-get install$missing); those rows print '-'"
}
bench_deps

# ---- corpora (kept between runs) ---------------------------------------------------------------
# English-only and mixed-script generated ads, then one corpus per folder of real postings.
CORPORA="en mixed"
for kind in en mixed; do
	c=$DIR/corpus-$kind.txt
	key="$(sha256sum < bench/gen_corpus.py | cut -c1-16) $CORPUS_MB $SEED $kind"
	if [ ! -s "$c" ] || [ "$(cat "$c.key" 2>/dev/null)" != "$key" ]; then
		say "bench: generating a ${CORPUS_MB} MB $kind corpus (seed $SEED)"
		python3 bench/gen_corpus.py "$c" "$CORPUS_MB" "$SEED" "$kind" >&2
		printf '%s\n' "$key" > "$c.key"
	fi
done
if [ -d "$REAL" ]; then
	for d in "$REAL"/*/; do
		[ -n "$(ls "$d" 2>/dev/null | grep '\.txt$' | head -n 1)" ] || continue
		name=$(basename "$d")
		c=$DIR/corpus-$name.txt
		# One posting per document: its title line, then its body, form feeds dropped; invalid
		# UTF-8 dropped too, since matcher_scan_raw (Hyperscan alone) expects valid text.
		for f in "$d"*.txt; do tr -d '\f' < "$f"; printf '\f'; done | iconv -f UTF-8 -t UTF-8 -c > "$c"
		CORPORA="$CORPORA $name"
	done
else
	say "bench: no real postings at $REAL (BENCH_REAL_ADS): those rows are left out"
fi
for c in $CORPORA; do
	k=$(keyname "$c")
	put "corpus_$k.bytes" "$(wc -c < "$DIR/corpus-$c.txt")"
	put "corpus_$k.docs" "$(tr -cd '\f' < "$DIR/corpus-$c.txt" | wc -c)"
done

# ---- the default pack: cold compile, then the cache ---------------------------------------------
export LUREWATCH_CACHE="$DIR/cache"
rm -rf "$LUREWATCH_CACHE"
mkdir -p "$LUREWATCH_CACHE"
say "bench: compiling the default pack (rules/) cold"
harness compile rules

# ---- full path and raw Hyperscan on each corpus ---------------------------------------------------
for c in $CORPORA; do
	k=$(keyname "$c")
	f=$DIR/corpus-$c.txt
	# Small corpora (the real postings) are repeated for at least SLICE_SECONDS.
	say "bench: $c: full path (cap ${FULL_SECONDS}s), then raw Hyperscan (cap ${RAW_SECONDS}s)"
	harness_as "full_$k" full rules "$f" "$SLICE_SECONDS" "$FULL_SECONDS"
	harness_as "raw_$k" raw rules "$f" "$SLICE_SECONDS" "$RAW_SECONDS"
done

# ---- where the full path spends its time (the issue asks what the profile shows) -------------------
if [ "${BENCH_PROFILE:-1}" = 1 ]; then
	if command -v perf > /dev/null 2>&1; then
		for c in en mixed; do
			say "bench: perf profile of the full path on the $c corpus"
			perf record -q -F 999 -o "$DIR/perf-$c.data" -- \
				"$BIN" full rules "$DIR/corpus-$c.txt" 0 "$(q 3 10)" > /dev/null 2> "$DIR/perf-$c.err" &&
				perf report -i "$DIR/perf-$c.data" --stdio --no-children --sort dso,symbol -q 2> /dev/null |
				grep -v '^$' | head -n 15 > "$DIR/profile-$c.txt" || say "bench: perf failed (see $DIR/perf-$c.err)"
		done
		echo
		for c in en mixed; do
			echo "profile of the full path, $c corpus (self time, top 15; full report: perf report -i $DIR/perf-$c.data):"
			sed 's/^ */  /; s/[[:space:]]*-[[:space:]]*-[[:space:]]*$//' "$DIR/profile-$c.txt" 2> /dev/null
			echo
		done
	else
		say "bench: no perf (Debian package linux-perf): no profile of the full path"
	fi
fi

# ---- raw Hyperscan against PCRE2-JIT and ripgrep, on slices of the English corpus ------------------
harness_as pslice slice "$DIR/corpus-en.txt" "$DIR/pcre2.txt" "$PCRE2_BYTES"
harness_as rslice slice "$DIR/corpus-en.txt" "$DIR/rg.txt" "$RG_BYTES"
say "bench: raw Hyperscan and PCRE2-JIT on the $(mb "$PCRE2_BYTES") slice"
harness_as rawp raw rules "$DIR/pcre2.txt" "$SLICE_SECONDS"
harness pcre2 rules "$DIR/pcre2.txt"

harness patterns rules "$DIR/pats.txt"
# Rust's regex refuses escapes of characters that are not meta-characters (\/ \, \:): drop the
# backslash, which changes nothing for PCRE or Hyperscan.
python3 - "$DIR/pats.txt" "$DIR/pats_rg.txt" <<'EOF'
import sys
META = set(".+*?()|[]{}^$#&-~\\ ")
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as o:
    for line in f:
        s, out, i = line.rstrip("\n"), [], 0
        while i < len(s):
            if s[i] == "\\" and i + 1 < len(s):
                d = s[i + 1]
                out.append(d if ord(d) < 128 and not d.isalnum() and d not in META else s[i:i + 2])
                i += 2
            else:
                out.append(s[i])
                i += 1
        o.write("".join(out) + "\n")
EOF
say "bench: raw Hyperscan and ripgrep on the $(mb "$RG_BYTES") slice"
harness_as rawr raw rules "$DIR/rg.txt" "$SLICE_SECONDS"
RG="rg --no-config -i -c --stats --dfa-size-limit 4G --regex-size-limit 4G"
run_rg() { set +e; /usr/bin/time -f 'rg.maxrss_kb=%M\nrg.wall_seconds=%e' -o "$DIR/rgtime.txt" \
	$RG -f "$1" "$DIR/rg.txt" > "$DIR/rg.out" 2> "$DIR/rg.err"; rgrc=$?; set -e; }
rgrc=2
rejected=0
if command -v rg > /dev/null 2>&1; then
	run_rg "$DIR/pats_rg.txt"
	if [ "$rgrc" -eq 2 ]; then
		# Some pattern is refused: find which, one by one, and leave them out.
		say "bench: ripgrep refuses a pattern; checking them one by one"
		: > "$DIR/rg_rejected.txt"
		: > "$DIR/pats_rg_ok.txt"
		while IFS= read -r p; do
			if rg --no-config -q -e "$p" /dev/null 2>/dev/null || [ $? -eq 1 ]; then
				printf '%s\n' "$p" >> "$DIR/pats_rg_ok.txt"
			else
				printf '%s\n' "$p" >> "$DIR/rg_rejected.txt"
			fi
		done < "$DIR/pats_rg.txt"
		rejected=$(wc -l < "$DIR/rg_rejected.txt")
		run_rg "$DIR/pats_rg_ok.txt"
	fi
	[ "$rgrc" -le 1 ] || { say "bench: ripgrep failed:"; head -c 300 "$DIR/rg.err" >&2; echo >&2; }
	sed -n 's/^\([0-9.]*\) seconds spent searching$/rg.seconds=\1/p;
		s/^\([0-9]*\) bytes searched$/rg.bytes=\1/p' "$DIR/rg.out" >> "$RES"
	grep '^rg\.' "$DIR/rgtime.txt" >> "$RES" || true
fi
put rg.rejected "$rejected"
put rg.rc "$rgrc"
[ "$rgrc" -le 1 ] && put rg.mbps "$(calc 'if (x2 + 0 == 0) print "-"; else printf "%.4f", x1 / 1e6 / x2' "$(get rg.bytes)" "$(get rg.seconds)")"

if [ "${BENCH_RANK:-0}" = 1 ]; then
	say "bench: ranking the default pack's patterns, each compiled alone, on the PCRE2 slice"
	harness rank rules "$DIR/pcre2.txt" 15
fi

# ---- optional: the default pack plus generated rules ------------------------------------------------
if [ "$NRULES" -gt 0 ]; then
	rm -rf "$DIR/pack-gen" "$DIR/cache-gen"
	mkdir -p "$DIR/pack-gen" "$DIR/cache-gen"
	cp rules/*.rules "$DIR/pack-gen/"
	python3 bench/gen_rules.py "$DIR/pack-gen/zz-bench-generated.rules" "$NRULES" "${BENCH_RULES_SEED:-1234}"
	say "bench: compiling the default pack + $NRULES generated rules (cold; minutes)"
	LUREWATCH_CACHE="$DIR/cache-gen"
	harness_pre gen compile "$DIR/pack-gen"
	harness_as raw_gen raw "$DIR/pack-gen" "$DIR/corpus-en.txt" "$SLICE_SECONDS" "$RAW_SECONDS"
	LUREWATCH_CACHE="$DIR/cache"
fi

# ---- echo x | lurewatch match, warm cache --------------------------------------------------------
if command -v hyperfine > /dev/null 2>&1; then
	say "bench: hyperfine: echo x | lurewatch match (warm cache) and lurewatch --version"
	hyperfine -i --style none --warmup 3 --runs "$(q 20 100)" --export-json "$DIR/hyperfine.json" \
		"echo x | $LW match" "$LW --version" > "$DIR/hyperfine.out" 2>&1 || say "bench: hyperfine failed"
	python3 - "$DIR/hyperfine.json" >> "$RES" <<'EOF' || true
import json, sys
r = json.load(open(sys.argv[1]))["results"]
for name, x in zip(("match", "version"), r):
    print("hf_%s.mean_ms=%.1f" % (name, 1000 * x["mean"]))
    print("hf_%s.stddev_ms=%.1f" % (name, 1000 * (x["stddev"] or 0)))
    print("hf_%s.cpu_ms=%.1f" % (name, 1000 * (x["user"] + x["system"])))
EOF
fi

# ---- crawl, ingestion, rescan, daemon (each in its own temp folder and throwaway cluster) --------------
if [ "${BENCH_EXTRA:-1}" = 1 ]; then
	export LW BENCH_DIR="$DIR" BENCH_RESULTS="$RES" BENCH_QUICK="$QUICK"
	subs=${BENCH_EXTRAS:-crawl ingest rescan daemon web fleet}
	[ "${BENCH_NETWORK:-0}" = 1 ] && subs="$subs network"
	[ "${BENCH_GROUPS:-1}" = 1 ] && subs="$subs groups"
	for b in $subs; do
		if [ ! -f "bench/bench_$b.sh" ]; then
			say "bench: bench/bench_$b.sh not there yet: its row prints '-'"
			continue
		fi
		BENCH_AS=$b sh "bench/bench_$b.sh" || say "bench: bench/bench_$b.sh failed (exit $?)"
	done
fi
put bench.seconds "$(( $(date +%s) - T0 ))"

# ---- the table ------------------------------------------------------------------------------------
row() { printf '%-44s | %-24s | %-40s | %-16s | %s\n' "$@"; }
mbs() { calc 'printf "%.1f MB/s", x1' "$1"; }
echo
echo "lurewatch benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)$( [ "$QUICK" = 1 ] && echo ', BENCH_QUICK=1 (small sizes)')"
echo "default pack: $(get pack.rules) rules, $(get pack.terms) terms, $(get pack.combinations) combinations, $(get pack.patterns) patterns"
echo "full path = $( [ "$(get full_en.analyze)" = 1 ] && echo 'matcher_analyze' || echo 'matcher_scan + entities_extract (matcher_analyze not yet used)'), one thread; MB/s of input per CPU-second"
echo
row "stage" "figure" "baseline (same run)" "aim" "met?"
row "--------------------------------------------" "------------------------" "----------------------------------------" "----------------" "----------"
for c in $CORPORA; do
	k=$(keyname "$c")
	case $c in
	en) label="full path, English ads (generated)"; aim=150 ;;
	mixed) label="full path, mixed-script ads (generated)"; aim=50 ;;
	*-en) label="full path, real postings: $c"; aim=150 ;;
	*) label="full path, real postings: $c"; aim=50 ;;
	esac
	row "$label" "$(mbs "$(get "full_$k.cpu_mbps")")" "raw Hyperscan, same text: $(mbs "$(get "raw_$k.cpu_mbps")")" \
		">= $aim MB/s" "$(met_ge "$(get "full_$k.cpu_mbps")" "$aim")"
done
x=$(ratio "$(get rawp.cpu_mbps)" "$(get pcre2.cpu_mbps)")
row "raw Hyperscan vs PCRE2-JIT, default pack" "${x}x ($(mbs "$(get rawp.cpu_mbps)"))" \
	"PCRE2-JIT, $(get pcre2.patterns) patterns: $(calc 'printf "%.2f MB/s", x1' "$(get pcre2.cpu_mbps)")" ">= 50x" "$(met_ge "$x" 50)"
x=$(ratio "$(get rawr.mbps)" "$(get rg.mbps)")
row "raw Hyperscan vs ripgrep -f, default pack" "${x}x ($(mbs "$(get rawr.mbps)"))" \
	"rg -i -f, $(( $(get pack.patterns) - rejected )) patterns: $(calc 'printf "%.3f MB/s", x1' "$(get rg.mbps)")" "ahead (> 1x)" "$(calc 'if (x1 > 1) print "yes"; else printf "no, %.1fx behind", 1 / x1' "$x")"
if [ "$NRULES" -gt 0 ]; then
	row "raw Hyperscan, default + $NRULES generated rules" "$(mbs "$(get raw_gen.cpu_mbps)")" \
		"default pack alone: $(mbs "$(get raw_en.cpu_mbps)")" "-" "(compile $(get gen_compile.seconds) s)"
fi
cps=$(calc 'if (x2 + 0 == 0) print "-"; else printf "%.0f", x1 / x2' "$(get crawl.curl.ok)" "$(get crawl.curl.seconds)")
bps=$(calc 'if (x2 + 0 == 0) print "-"; else printf "%.0f", x1 / x2' "$(get crawl.big.fetched)" "$(get crawl.big.seconds)")
x=$(calc 'if (x2 + 0 == 0) print "-"; else printf "%.2f", x1 / x2' "$bps" "$cps")
row "whole crawl of $(get crawl.urls) local pages, $(get crawl.hosts) hosts" "$bps pages/s = ${x}x" "curl --parallel: $cps pages/s" ">= 0.5x curl" "$(met_ge "$x" 0.5)"
lps=$(calc 'if (x2 + 0 == 0) print "-"; else printf "%.0f", x1 / x2' "$(get ingest.in.listings)" "$(get ingest.in.seconds)")
rates=$(get ingest.in.chunk_rates)
flat=$(printf '%s\n' "$rates" | awk '$1 != "-" && NF > 1 { printf "%.2f", $NF / $1 }')
row "ingestion of $(get ingest.in.listings) listings (default fsync)" "$lps/s, last/first ${flat:--}" \
	"psql \\copy: $(calc 'if (x2 + 0 == 0) print "-"; else printf "%.0f/s", x1 / x2' "$(get ingest.copy.rows)" "$(get ingest.copy.seconds)")" \
	">= 15000/s, flat" "$(met_ge "$lps" 15000)$([ -n "$flat" ] && calc 'if (x1 < 0.9) printf ", not flat"' "$flat")"
rbase=$(get rescan.baseline)
rbsecs=$(get rescan.baseline_seconds)
[ "$rbsecs" = - ] && { rbase="loading the store in SQL"; rbsecs=$(get rescan.setup_seconds); }
rsecs=$(get rescan.seconds_for_n)
[ "$rsecs" = - ] && rsecs=$(get rescan.seconds)
rnote=""
[ "$(get rescan.listings)" != "$(get rescan.store)" ] && [ "$(get rescan.listings)" != - ] &&
	rnote=" (from $(get rescan.listings))"
row "rescan of $(get rescan.store) stored listings" "$(calc 'printf "%.0f s", x1' "$rsecs")$rnote" \
	"$rbase: $(calc 'printf "%.0f s", x1' "$rbsecs")" "< 60 s (1M)" \
	"$(met_lt "$rsecs" 60)$([ "$(get rescan.store)" != 1000000 ] && [ "$(get rescan.store)" != - ] && echo ' (not 1M)')"
# Issue 15: the fleet (bench/bench_fleet.sh). Archives: synthetic pages (archive.*) and real
# Common Crawl pages (real.*), each beside zcat and warcio.js in the same run.
for k in archive real; do
	fb=$(get "fleet.$k.bytes")
	[ "$fb" = - ] && continue
	what=$([ $k = real ] && echo "real Common Crawl pages" || echo "synthetic ads, 1 in 3 a lure")
	rounds=$(get "fleet.$k.rounds")
	[ "$rounds" != - ] && what="$what, medians of $rounds"
	row "archive scan, $what (flagged stored), compressed WARC" "$(calc 'printf "%.1f MB/s, %.0f pages/s", x1 / x3 / 1e6, x2 / x3' "$fb" "$(get "fleet.$k.pages")" "$(get "fleet.$k.scan.seconds")")" \
		"zcat > /dev/null: $(calc 'printf "%.1f MB/s", x1 / x2 / 1e6' "$fb" "$(get "fleet.$k.zcat.seconds")"); warcio.js: $(w=$(get "fleet.$k.warcio.seconds"); [ "$w" = absent ] && echo 'not installed' || calc 'printf "%.1f MB/s, %.0f pages/s", x1 / x2 / 1e6, x3 / x2' "$fb" "$w" "$(get "fleet.$k.pages")")" \
		">= 0.8x zcat" "$(calc 'x = (x2 / x1); if (x >= 0.8) printf "yes (%.2fx)", x; else printf "no (%.2fx)", x' "$(get "fleet.$k.scan.seconds")" "$(get "fleet.$k.zcat.seconds")")"
	row "archive read + decode + HTML text, no matcher or DB ($k)" "$(calc 'printf "%.1f MB/s, %.0f pages/s", x1 / x3 / 1e6, x2 / x3' "$fb" "$(get "fleet.$k.pages")" "$(get "fleet.$k.check.seconds")")" \
		"zcat: $(calc 'printf "%.2fx of zcat", x2 / x1' "$(get "fleet.$k.check.seconds")" "$(get "fleet.$k.zcat.seconds")")" "reported" "-"
done
row "rescan, 1 / 2 worker processes ($(get fleet.cores) cores)" "$(calc 'printf "%.0f / %.0f listings/s", x1 / x2, x3 / x4' "$(get fleet.rescan1.listings)" "$(get fleet.rescan1.seconds)" "$(get fleet.rescan2.listings)" "$(get fleet.rescan2.seconds)")" \
	"1 worker" "reported" "-"
row "crawl, 1 / 2 processes, $(get fleet.crawl1.pages) pages on several hosts" "$(calc 'printf "%.0f / %.0f pages/s", x1 / x2, x3 / x4' "$(get fleet.crawl1.pages)" "$(get fleet.crawl1.seconds)" "$(get fleet.crawl2.pages)" "$(get fleet.crawl2.seconds)")" \
	"1 process (lwserve, Python, serves)" "reported" "-"
row "echo x | lurewatch match, warm cache" "$(calc 'printf "%.1f ms (%.1f CPU)", x1, x2' "$(get hf_match.mean_ms)" "$(get hf_match.cpu_ms)")" \
	"lurewatch --version: $(calc 'printf "%.1f ms (%.1f CPU)", x1, x2' "$(get hf_version.mean_ms)" "$(get hf_version.cpu_ms)")" "< 30 ms" "$(met_lt "$(get hf_match.mean_ms)" 30)"
row "cold compile of the default pack" "$(calc 'printf "%.1f s (%.1f CPU)", x1, x2' "$(get compile.seconds)" "$(get compile.cpu_seconds)")" \
	"load from the cache: $(calc 'printf "%.2f s", x1' "$(get cacheload.seconds)")" "< 10 s" "$(met_lt "$(get compile.seconds)" 10)"
row "peak RSS of lurewatch daemon, idle" "$(kbmb "$(get daemon.vmhwm_kb)")" \
	"lurewatch match, one line: $(kbmb "$(get daemon.match.maxrss_kb)")" "reported" "-"
if [ "$(get groups.ingest.listings)" != - ]; then
	gn=$(get groups.ingest.listings)
	gnote=$([ "$gn" != 1000000 ] && echo " (not 1M)")
	row "networks vs truth, $gn ads: precision" "$(get groups.rebuilt.precision)" \
		"after ingestion only: $(get groups.incremental.precision)" ">= 0.95 (1M)" "$(met_ge "$(get groups.rebuilt.precision)" 0.95)$gnote"
	row "networks vs truth: recall" "$(get groups.rebuilt.recall)" \
		"after ingestion only: $(get groups.incremental.recall)" ">= 0.95 (1M)" "$(met_ge "$(get groups.rebuilt.recall)" 0.95)$gnote"
	row "largest network / largest true group" "$(get groups.rebuilt.largest) / $(get groups.rebuilt.largest_true)" \
		"after ingestion only: $(get groups.incremental.largest)" "<= 1.2x" \
		"$(calc 'if (x1 <= 1.2 * x2) print "yes"; else printf "no, %.1fx", x1 / x2' "$(get groups.rebuilt.largest)" "$(get groups.rebuilt.largest_true)")$gnote"
	row "network rebuild of $gn ads" "$(calc 'printf "%.1f s", x1' "$(get groups.rebuild.seconds)")" \
		"ingestion: $(calc 'printf "%.0f s", x1' "$(get groups.ingest.seconds)")" "< 120 s (1M)" "$(met_lt "$(get groups.rebuild.seconds)" 120)$gnote"
	row "what incremental linking adds to ingestion" "$(get groups.ingest.link_share)%" \
		"linked $(get groups.ingest.seconds) s, not $(get groups.nolink.seconds) s" "< 10%" "$(met_lt "$(get groups.ingest.link_share)" 10)$gnote"
fi
for p in queue item; do
	row "lurewatch serve, $p page, 50 connections" "p99 $(get web.$p.p99_ms) ms" \
		"$(get web.$p.rps) requests/s ($(get web.listings) listings, $(get web.open_items) open)" \
		"p99 < 100 ms" "$(met_lt "$(get web.$p.p99_ms)" 100)"
done
echo
echo "notes: per core = one thread, CPU time (the machine is shared); wall-clock MB/s and everything else are in"
echo "  $RES. Corpora: $(for c in $CORPORA; do k=$(keyname "$c"); printf '%s %s in %s ads; ' "$c" "$(mb "$(get "corpus_$k.bytes")")" "$(get "corpus_$k.docs")"; done)"
echo "  full path on English: $(get full_en.docs) ads scanned, $(get full_en.flagged) flagged, $(get full_en.entities) contacts;" \
	"matcher_scan is $(calc 'printf "%.0f%%", 100 * x1' "$(get full_en.match_share)") of its time, entities_extract the rest."
echo "  PCRE2 and rg read the same $(mb "$(get pslice.bytes)") / $(mb "$(get rslice.bytes)") slices of English ads as raw Hyperscan;" \
	"PCRE2 rejected $(get pcre2.rejected), $(get pcre2.nojit) without JIT; rg refused $rejected (see $DIR/rg_rejected.txt)."
if [ "${BENCH_RANK:-0}" = 1 ]; then
	echo
	echo "slowest patterns of the default pack, each compiled alone, on the PCRE2 slice (share of the sum of single-pattern times):"
	sed -n 's/^rank\.top=/  /p' "$RES"
fi
echo
echo "bench: total $(get bench.seconds) s; raw figures in $RES"

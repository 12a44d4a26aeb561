#!/bin/sh
# SPDX-License-Identifier: MIT
# `make bench`: compares, in one run on the same rules and corpus, the raw Hyperscan scan, the full
# normalise+match path, PCRE2-JIT pattern by pattern and ripgrep, and prints a table of the figures.
#
# Environment (all optional):
#   BENCH_DIR           work folder (default ${TMPDIR:-/tmp}/lurewatch-bench); the corpus is kept
#                       there between runs and regenerated only when the generator, size or seed change
#   BENCH_CORPUS_MB     corpus size (200)          BENCH_SEED     corpus seed (42)
#   BENCH_RULES         generated rules (2000)     BENCH_RULES_SEED  their seed (1234)
#   BENCH_RAW_SECONDS   cap on timed raw scanning of the corpus (45)
#   BENCH_FULL_SECONDS  cap on timed full-path scanning of the corpus (45)
#   BENCH_SLICE_SECONDS minimum timed raw scanning of each slice, repeating it (3)
#   BENCH_PCRE2_BYTES   slice for PCRE2 (2000000)  BENCH_RG_BYTES  slice for ripgrep (100000)
#   BENCH_KEEP_CACHE=1  keep the compiled-database cache of the last run (the compile figure is then
#                       a cache load, and says so)
#   BENCH_RANK=1        also rank the pack's slowest patterns, each compiled alone (about 2 minutes)
#   BENCH_EXTRA=0       skip the ingestion, crawling and networks benchmarks that follow the table
#   BENCH_QUICK=1       small sizes for those three (see bench/bench_ingest.sh, bench_crawl.sh and
#                       bench_network.sh for their own variables)
set -eu

BUILD=${LW_BUILD:-build}
BIN=$BUILD/bench/bench_match
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/lurewatch-bench}
CORPUS_MB=${BENCH_CORPUS_MB:-200}
SEED=${BENCH_SEED:-42}
NRULES=${BENCH_RULES:-2000}
RULES_SEED=${BENCH_RULES_SEED:-1234}
RAW_SECONDS=${BENCH_RAW_SECONDS:-45}
FULL_SECONDS=${BENCH_FULL_SECONDS:-45}
SLICE_SECONDS=${BENCH_SLICE_SECONDS:-3}
PCRE2_BYTES=${BENCH_PCRE2_BYTES:-2000000}
RG_BYTES=${BENCH_RG_BYTES:-100000}

[ -x "$BIN" ] || { echo "bench: $BIN missing: run 'make bench'" >&2; exit 2; }
command -v rg >/dev/null || { echo "bench: ripgrep (rg) missing: run 'make deps'" >&2; exit 2; }
mkdir -p "$DIR"
RES=$DIR/results.txt
: > "$RES"
T0=$(date +%s)

say() { printf '%s\n' "$*" >&2; }
# The last value recorded for a key, or "-".
get() { v=$(sed -n "s/^$1=//p" "$RES" | tail -n 1); printf '%s' "${v:--}"; }
# Runs the harness, keeping its key=value lines (renamed to AS.key by harness_as AS ...);
# stops the benchmark when it fails.
harness_as() {
	as=$1
	shift
	"$BIN" "$@" > "$DIR/out.txt" 2> "$DIR/err.txt" || {
		say "bench: bench_match $1 failed:"; tail -n 20 "$DIR/err.txt" >&2; exit 1; }
	if [ -n "$as" ]; then sed "s/^[a-z0-9]*\./$as./" "$DIR/out.txt"; else cat "$DIR/out.txt"; fi >> "$RES"
}
harness() { harness_as "" "$@"; }
# x / y with one decimal, or "-" when either is missing or y is 0.
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (x == "-" || y == "-" || y + 0 == 0) print "-";
	else printf "%.1f", x / y }'; }
mb() { awk -v b="$1" 'BEGIN { if (b == "-") print "-"; else printf "%.2f MB", b / 1e6 }'; }
kbmb() { awk -v k="$1" 'BEGIN { if (k == "-") print "-"; else printf "%.0f MB", k / 1024 }'; }

# ---- corpus (kept between runs) -----------------------------------------------------------
CORPUS=$DIR/corpus.txt
KEY="$(cat bench/gen_corpus.py | sha256sum | cut -c1-16) $CORPUS_MB $SEED"
if [ ! -s "$CORPUS" ] || [ "$(cat "$DIR/corpus.key" 2>/dev/null)" != "$KEY" ]; then
	say "bench: generating a ${CORPUS_MB} MB corpus (seed $SEED)"
	t=$(date +%s)
	python3 bench/gen_corpus.py "$CORPUS" "$CORPUS_MB" "$SEED" >&2
	printf '%s\n' "$KEY" > "$DIR/corpus.key"
	echo "corpus.gen_seconds=$(( $(date +%s) - t ))" >> "$RES"
fi
echo "corpus.bytes=$(wc -c < "$CORPUS")" >> "$RES"
echo "corpus.docs=$(tr -cd '\f' < "$CORPUS" | wc -c)" >> "$RES"

# ---- pack: the default rules plus generated ones ---------------------------------------------
rm -rf "$DIR/pack"
[ "${BENCH_KEEP_CACHE:-0}" = 1 ] || rm -rf "$DIR/cache"
mkdir -p "$DIR/pack" "$DIR/cache"
cp rules/*.rules "$DIR/pack/"
python3 bench/gen_rules.py "$DIR/pack/zz-bench-generated.rules" "$NRULES" "$RULES_SEED"
export LUREWATCH_CACHE="$DIR/cache"
say "bench: compiling the pack (cold; this takes minutes on 2 cores)"
harness compile "$DIR/pack"

# ---- slices for the slow engines (whole documents) -------------------------------------------
harness slice "$CORPUS" "$DIR/pcre2.txt" "$PCRE2_BYTES"
harness norm "$DIR/pcre2.txt" "$DIR/pcre2.norm"
harness slice "$CORPUS" "$DIR/rg.txt" "$RG_BYTES"
harness norm "$DIR/rg.txt" "$DIR/rg.norm"

# ---- (a) raw and (b) full path over the corpus ------------------------------------------------
say "bench: raw Hyperscan over the corpus (cap ${RAW_SECONDS}s)"
harness raw "$DIR/pack" "$CORPUS" 0 "$RAW_SECONDS"
say "bench: full normalise+match path over the corpus (cap ${FULL_SECONDS}s)"
harness full "$DIR/pack" "$CORPUS" 0 "$FULL_SECONDS"

# ---- (c) PCRE2 and raw on its slice -------------------------------------------------------------
say "bench: raw Hyperscan and PCRE2-JIT on the $(mb "$PCRE2_BYTES") slice"
harness_as rawp raw "$DIR/pack" "$DIR/pcre2.txt" "$SLICE_SECONDS"
harness pcre2 "$DIR/pack" "$DIR/pcre2.norm"

# ---- (d) ripgrep and raw on its slice -------------------------------------------------------------
harness patterns "$DIR/pack" "$DIR/pats.txt"
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
say "bench: raw Hyperscan and ripgrep on the $(mb "$RG_BYTES") slice (rg takes a minute or more)"
harness_as rawr raw "$DIR/pack" "$DIR/rg.txt" "$SLICE_SECONDS"
RG="rg --no-config -i -c --stats --dfa-size-limit 4G --regex-size-limit 4G"
TIME=""
[ -x /usr/bin/time ] && TIME="/usr/bin/time -f rg.maxrss_kb=%M\nrg.wall_seconds=%e -o $DIR/rgtime.txt"
run_rg() { set +e; $TIME $RG -f "$1" "$DIR/rg.norm" > "$DIR/rg.out" 2> "$DIR/rg.err"; rgrc=$?; set -e; }
run_rg "$DIR/pats_rg.txt"
rejected=0
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
echo "rg.rejected=$rejected" >> "$RES"
echo "rg.rc=$rgrc" >> "$RES"
sed -n 's/^\([0-9.]*\) seconds spent searching$/rg.seconds=\1/p;
	s/^\([0-9]*\) bytes searched$/rg.bytes=\1/p;
	s/^\([0-9]*\) matched lines$/rg.lines=\1/p' "$DIR/rg.out" >> "$RES"
[ -f "$DIR/rgtime.txt" ] && grep '^rg\.' "$DIR/rgtime.txt" >> "$RES"
echo "rg.mbps=$(awk -v b="$(get rg.bytes)" -v s="$(get rg.seconds)" \
	'BEGIN { if (b == "-" || s == "-" || s + 0 == 0) print "-"; else printf "%.4f", b / 1e6 / s }')" >> "$RES"

if [ "${BENCH_RANK:-0}" = 1 ]; then
	say "bench: ranking patterns compiled alone on the ripgrep slice"
	harness rank "$DIR/pack" "$DIR/rg.norm" 15
fi
echo "bench.seconds=$(( $(date +%s) - T0 ))" >> "$RES"

# ---- the table ------------------------------------------------------------------------------
rss_scan=$(awk -v a="$(get raw.maxrss_kb)" -v b="$(get full.maxrss_kb)" 'BEGIN { print (a + 0 > b + 0) ? a : b }')
ndefault=$(( $(get pack.rules) - NRULES ))
row() { printf '%-44s %-26s %11s %11s %9s\n' "$@"; }
echo
echo "lurewatch benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pack     $(get pack.rules) rules ($ndefault default + $NRULES generated), $(get pack.terms) terms, $(get pack.combinations) combinations; $(get pack.patterns) patterns ($(get pack.unbounded_width) of unbounded width)"
echo "corpus   $(mb "$(get corpus.bytes)") in $(get corpus.docs) ads (seed $SEED), one ad per form-feed separated document"
cold="cold"
[ "$(get compile.from_cache)" = 1 ] && cold="FROM THE KEPT CACHE, not cold"
echo "compile  $(get compile.seconds) s $cold, $(get cacheload.seconds) s from the cache (LUREWATCH_CACHE=$DIR/cache);" \
	"databases: main $(mb "$(get pack.db_main_bytes)"), terms $(mb "$(get pack.db_terms_bytes)");" \
	"compile peak RSS $(kbmb "$(get compile.maxrss_kb)")"
echo "normalise $(get raw.norm_mbps) MB/s (text_normalize alone, measured during the raw run)"
echo
row "engine" "text scanned" "MB/s wall" "MB/s CPU" "peak RSS"
row "(a) raw Hyperscan, matcher_scan_raw" "$(mb "$(get raw.bytes)") of corpus$( [ "$(get raw.capped)" = 1 ] && echo ", capped")" \
	"$(get raw.mbps)" "$(get raw.cpu_mbps)" "$(kbmb "$(get raw.maxrss_kb)")"
row "(b) full path, matcher_scan (plain text)" "$(mb "$(get full.bytes)") of corpus$( [ "$(get full.capped)" = 1 ] && echo ", capped")" \
	"$(get full.mbps)" "$(get full.cpu_mbps)" "$(kbmb "$(get full.maxrss_kb)")"
row "(a) raw Hyperscan on the PCRE2 slice" "$(mb "$(get pcre2.bytes)") x $(get rawp.passes) passes" \
	"$(get rawp.mbps)" "$(get rawp.cpu_mbps)" "$(kbmb "$(get rawp.maxrss_kb)")"
row "(c) PCRE2-JIT, $(get pcre2.patterns) patterns one by one" "$(mb "$(get pcre2.bytes)") slice" \
	"$(get pcre2.mbps)" "$(get pcre2.cpu_mbps)" "-"
row "(a) raw Hyperscan on the rg slice" "$(mb "$(get rg.bytes)") x $(get rawr.passes) passes" \
	"$(get rawr.mbps)" "$(get rawr.cpu_mbps)" "$(kbmb "$(get rawr.maxrss_kb)")"
row "(d) rg -i -c -f, $(( $(get pack.patterns) - rejected )) patterns" "$(mb "$(get rg.bytes)") slice" \
	"$(get rg.mbps)" "-" "$(kbmb "$(get rg.maxrss_kb)")"
echo
echo "ratios (same slice, same run):  raw/PCRE2 = $(ratio "$(get rawp.mbps)" "$(get pcre2.mbps)")x wall," \
	"$(ratio "$(get rawp.cpu_mbps)" "$(get pcre2.cpu_mbps)")x CPU (aim >= 30)" \
	"  raw/rg = $(ratio "$(get rawr.mbps)" "$(get rg.mbps)")x (aim >= 3)" \
	"  full path = $(get full.mbps) MB/s (aim >= 150)"
echo "peak RSS of the lurewatch scanning processes: $(kbmb "$rss_scan") (corpus streamed in 4 MB chunks, not held)"
echo
echo "notes: MB = 10^6 bytes of the text each engine scans (raw: normalised text; full: the plain input)."
echo "  Raw and full stop at a time cap on the 200 MB corpus; raw is repeated over each slice so the slice"
echo "  figure is taken over at least ${SLICE_SECONDS}s. PCRE2 and rg see the normalised slice, as Hyperscan does;"
echo "  PCRE2 searches the whole slice per pattern (leftmost, non-overlapping), Hyperscan scans per document"
echo "  and reports every match end, so match counts differ: PCRE2 $(get pcre2.matches), Hyperscan $(get rawp.matches)."
echo "  PCRE2 rejected $(get pcre2.rejected), ran $(get pcre2.nojit) without JIT, hit $(get pcre2.match_errors) match-limit errors;"
echo "  compiling its patterns took $(get pcre2.compile_seconds) s (not in its MB/s)."
printf '%s\n' "  rg: Unicode-aware \\w \\s \\b (Hyperscan's are ASCII; rg --no-unicode refuses the non-ASCII classes);" \
	"  $rejected pattern(s) refused and left out (see $DIR/rg_rejected.txt); its MB/s uses its own" \
	"  'seconds spent searching' ($(get rg.seconds) s of $(get rg.wall_seconds) s wall: the rest is building the regex)."
echo "  Full path on the corpus: $(get full.docs) ads, $(get full.hits) hits, $(get full.flagged) flagged."
if [ "${BENCH_RANK:-0}" = 1 ]; then
	echo
	echo "slowest patterns, each compiled alone, on the rg slice (share of the sum of single-pattern times):"
	sed -n 's/^rank\.top=/  /p' "$RES"
fi
echo
echo "bench: total $(get bench.seconds) s; raw figures in $RES"

# ---- ingestion, crawling, networks (each in its own temp folder and throwaway cluster) -------------
if [ "${BENCH_EXTRA:-1}" = 1 ]; then
	# The default pack's compiled database is kept apart from the generated pack's cache above.
	export LUREWATCH_CACHE="$DIR/cache-default"
	mkdir -p "$LUREWATCH_CACHE"
	export LW="${LW_BIN:-$(pwd)/lurewatch}" BENCH_DIR="$DIR"
	for b in ingest crawl network; do
		sh "bench/bench_$b.sh" || say "bench: bench/bench_$b.sh failed (exit $?)"
	done
	echo
	echo "bench: everything took $(( $(date +%s) - T0 )) s"
fi

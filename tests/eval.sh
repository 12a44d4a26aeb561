#!/bin/sh
# SPDX-License-Identifier: MIT
# `make eval`: measures the default pack against a labelled corpus and
# reports recall on `flag` ads, the rate of flagged `clear` ads, precision
# and the contact entities found. Without CORPUS (or an argument) it runs
# both dev corpora, ../shared/corpus/dev and dev2. Not part of `make test`:
# the corpora are not shipped with the project.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${1:-}" ] && [ -z "${CORPUS:-}" ]; then
	shared=$top/../shared/corpus
	if [ ! -d "$shared" ]; then
		echo "eval: no corpora: '$shared' is absent (the dev corpora live in the shared folder" \
		     "beside the checkout); run 'make eval CORPUS=/path/to/corpus'" >&2
		exit 2
	fi
	rc=0
	for c in dev dev2; do
		echo "== $c"
		sh "$0" "$shared/$c" || rc=$?
	done
	real=$top/../shared/ext/real-ads
	if [ -d "$real" ]; then
		echo "== real legitimate postings ($real): every one should stay unflagged"
		for d in "$real"/*/; do
			set -- "$d"*.txt
			[ -f "$1" ] || continue
			n=$#
			# The pipeline's status would be python's alone: a pack that fails to
			# load printed "0/N flagged". Keep match's output and status apart.
			real_out=$(mktemp)
			st=0
			"$top/lurewatch" match -r "${RULES:-$top/rules}" --json "$@" >"$real_out" || st=$?
			if [ "$st" -gt 1 ] || [ "$(wc -l <"$real_out")" -ne "$n" ]; then
				echo "eval: lurewatch match failed on '$d' (exit status $st," \
				     "$(wc -l <"$real_out") results for $n postings): no figure for it" >&2
				rm -f "$real_out"
				rc=2
				continue
			fi
			flagged=$(python3 -c 'import json,sys
rows=[json.loads(l) for l in sys.stdin]
bad=[r for r in rows if r["flagged"]]
print(len(bad)); [print("  flagged", r["input"].rsplit("/",1)[-1], "score %.2f" % r["score"], ",".join(sorted({h["rule"] for h in r["hits"]}))[:90], file=sys.stderr) for r in bad[:10]]' <"$real_out") || rc=$?
			rm -f "$real_out"
			echo "$(basename "$d"): $flagged/$n flagged ($(awk -v a="$flagged" -v b="$n" 'BEGIN{printf "%.1f", 100*a/b}')%; aim <= 1%)"
		done
	fi
	exit $rc
fi
corpus=${1:-$CORPUS}
if [ ! -f "$corpus/labels.tsv" ]; then
	echo "eval: no labels.tsv in '$corpus'; run 'make eval CORPUS=/path/to/corpus'" >&2
	exit 2
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cd "$corpus"
# Exit status 1 just means "some input not flagged".
st=0
"$top/lurewatch" match -r "${RULES:-$top/rules}" --json $(awk -F'\t' 'NR>1 {print $1}' labels.tsv) >"$out" || st=$?
if [ "$st" -gt 1 ]; then
	echo "eval: lurewatch match failed on '$corpus' (exit status $st): no figures" >&2
	exit 2
fi
rules_json=$(mktemp)
trap 'rm -f "$out" "$rules_json"' EXIT
"$top/lurewatch" rules list --json "${RULES:-$top/rules}" >"$rules_json"
python3 - "$corpus/labels.tsv" "$out" "$corpus" "$rules_json" <<'PY'
import json, sys
labels = {}
with open(sys.argv[1], encoding="utf-8") as f:
    next(f)
    for line in f:
        cols = line.rstrip("\n").split("\t")
        labels[cols[0]] = (cols[1], cols[3] if len(cols) > 3 else "?", cols[5] if len(cols) > 5 else "",
                           [c for c in (cols[2].split(",") if len(cols) > 2 else []) if c])
res = {}
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        o = json.loads(line)
        res[o["input"]] = o
rules = {}
if len(sys.argv) > 4:
    with open(sys.argv[4], encoding="utf-8") as f:
        for r in json.load(f):
            rules[r["id"]] = r
def ratio(a, b):
    return f"{a}/{b}" if b else "-"
def pct(a, b):
    return f"{100 * a / b:5.1f}%" if b else "   - "
tp = fp = fn = tn = 0
by_lang, by_cat, by_fam, clear_rules = {}, {}, {}, {}
misses, pos, neg = [], [], []
for name, (label, lang, note, cats) in sorted(labels.items()):
    o = res.get(name)
    if o is None:
        print(f"eval: no result for {name}", file=sys.stderr)
        sys.exit(2)
    flagged = o["flagged"]
    fired = {h["rule"] for h in o["hits"]}
    fams = {rules[r]["family"] for r in fired if r in rules and rules[r].get("family")}
    l = by_lang.setdefault(lang, [0, 0, 0, 0])
    if label == "flag":
        pos.append(o["score"])
        l[0] += 1
        if flagged: tp += 1; l[1] += 1
        else: fn += 1; misses.append(("missed", name, o["score"], note))
        for c in cats:
            x = by_cat.setdefault(c, [0, 0, 0])
            x[0] += 1
            x[1] += flagged
            x[2] += c in o["categories"]
        for f in fams:
            by_fam.setdefault(f, [0, 0])[0] += 1
    else:
        neg.append(o["score"])
        l[2] += 1
        if flagged: fp += 1; l[3] += 1; misses.append(("false alarm", name, o["score"], note))
        else: tn += 1
        for r in fired:
            if rules.get(r, {}).get("category") != "context":
                clear_rules[r] = clear_rules.get(r, 0) + 1
        for f in fams:
            by_fam.setdefault(f, [0, 0])[1] += 1
nflag, nclear = tp + fn, fp + tn
recall = tp / nflag if nflag else 0
fpr = fp / nclear if nclear else 0
prec = tp / (tp + fp) if tp + fp else 0
# ROC AUC of the score: the chance that a flag ad outscores a clear one (ties count half).
auc = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg)) if pos and neg else 0
print(f"corpus: {nflag} flag ads, {nclear} clear ads")
print(f"recall (flag ads flagged):       {tp}/{nflag} = {100*recall:.1f}%")
print(f"false alarms (clear ads flagged): {fp}/{nclear} = {100*fpr:.1f}%")
print(f"precision:                        {100*prec:.1f}%")
print(f"ROC AUC of the score:             {auc:.3f}")
print("by language:            recall        false alarms")
for lang, (nf, tf, nc, fc) in sorted(by_lang.items()):
    print(f"  {lang:3}  {ratio(tf, nf):>7} {pct(tf, nf)}   {ratio(fc, nc):>7} {pct(fc, nc)}")
if by_cat:
    print("by labelled category:   flag ads flagged   category found by the pack")
    for c, (n, fl, found) in sorted(by_cat.items()):
        print(f"  {c:22} {ratio(fl, n):>7} {pct(fl, n)}   {ratio(found, n):>7} {pct(found, n)}")
if by_fam:
    print("by rule family:         flag ads it fired on   clear ads it fired on")
    for f, (nf, nc) in sorted(by_fam.items()):
        print(f"  {f:22} {nf:5}                  {nc:5}")
if clear_rules:
    print("rules that fired most on clear ads (context rules left out: that is their job):")
    for r, n in sorted(clear_rules.items(), key=lambda x: (-x[1], x[0]))[:10]:
        print(f"  {n:4}  {r}")
for kind, name, score, note in misses:
    print(f"  {kind:11} {name} score {score:.2f}  {note[:70]}")

# Contact details: lurewatch match --json lists them; entities.tsv has the truth.
import os
ent_path = os.path.join(sys.argv[3], "entities.tsv")
if os.path.exists(ent_path):
    truth = set()
    with open(ent_path, encoding="utf-8") as f:
        next(f)
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) >= 4:
                truth.add((c[0], c[1], c[3]))
    found = set()
    for name, o in res.items():
        for e in o.get("entities", []):
            found.add((name, e["kind"], e["normalized"]))
    print("entities (file, kind, normalized value):")
    kinds = sorted({k for _, k, _ in truth | found})
    for k in kinds + ["all"]:
        t = {x for x in truth if k == "all" or x[1] == k}
        fd = {x for x in found if k == "all" or x[1] == k}
        tp = len(t & fd)
        p = tp / len(fd) if fd else 0
        r = tp / len(t) if t else 0
        print(f"  {k:9} precision {100*p:5.1f}%  recall {100*r:5.1f}%  ({tp} of {len(t)} found, {len(fd) - tp} extra)")
    # Networks: ads joined through shared normalised entities (union-find).
    net_path = os.path.join(sys.argv[3], "networks.tsv")
    if os.path.exists(net_path):
        parent = {}
        def find(x):
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        by_value = {}
        for name, kind, value in found:
            by_value.setdefault(value, []).append(name)
        for names in by_value.values():
            for n in names[1:]:
                parent[find(n)] = find(names[0])
        ok = 0
        total = 0
        with open(net_path, encoding="utf-8") as f:
            next(f)
            for line in f:
                c = line.rstrip("\n").split("\t")
                files = c[1].split(",")
                total += 1
                ok += len({find(x) for x in files}) == 1
        print(f"networks recovered from shared entities: {ok}/{total}")
PY

# Networks as the store makes them (issue 16): the corpus ingested into a throwaway embedded
# database and rebuilt with the default settings (generic contacts left out, loosely knit
# components split); each labelled network must come out exactly, no more and no less.
if [ -f "$corpus/networks.tsv" ]; then
	home=$(mktemp -d /tmp/lw-eval.XXXXXX)
	chmod 755 "$home"
	trap 'LUREWATCH_HOME=$home "$top/lurewatch" db stop >/dev/null 2>&1; rm -rf "$out" "$rules_json" "$home"' EXIT
	export LUREWATCH_HOME="$home" LUREWATCH_PG_FAST=1
	unset LUREWATCH_CONFIG LUREWATCH_DATABASE_URL
	# shellcheck disable=SC2046
	"$top/lurewatch" ingest $(awk -F'\t' 'NR>1 {print $1}' labels.tsv) >/dev/null 2>&1 &&
		"$top/lurewatch" network rebuild >/dev/null &&
		"$top/lurewatch" network list --json >"$home/nets.json" &&
		python3 - "$corpus/networks.tsv" "$home/nets.json" <<'PY'
import json, sys
nets = [sorted(m["url"].rsplit("/", 1)[1] for m in n["members"]) for n in json.load(open(sys.argv[2]))]
ok = total = 0
for line in open(sys.argv[1], encoding="utf-8").read().splitlines()[1:]:
    files = sorted(line.split("\t")[1].split(","))
    total += 1
    ok += files in nets
print(f"networks in the store (ingest + rebuild), exact: {ok}/{total}; networks of 2+ ads in all: {len(nets)}")
PY
	# Recruitment corridors (issue 16): the destinations lurewatch finds in the text of every
	# labelled flag ad (whether the pack flagged it or not) against tests/data/corridors.
	labels=$top/tests/data/corridors/destinations.tsv
	if [ -f "$labels" ]; then
		psql "$("$top/lurewatch" db url)" -X -q -At -F "$(printf '\t')" -v ON_ERROR_STOP=1 -c \
			"SELECT regexp_replace(l.url, '^.*/', ''), coalesce(string_agg(DISTINCT d.country, ','), ''),
			 coalesce(string_agg(DISTINCT d.name, ','), '')
			 FROM listings l LEFT JOIN LATERAL text_destinations(l.title || ' ' || l.body) d ON true
			 GROUP BY 1" >"$home/dest.tsv" &&
			python3 - "$labels" "$(basename "$corpus")" "$home/dest.tsv" <<'PY'
import sys
truth, found, named = {}, {}, {}
for line in open(sys.argv[1], encoding="utf-8").read().splitlines()[1:]:
    c = line.split("\t")
    if c[0] == sys.argv[2]:
        truth[c[1]] = {x for x in c[2].split(",") if x}
for line in open(sys.argv[3], encoding="utf-8").read().splitlines():
    c = line.split("\t")
    found[c[0]] = {x for x in c[1].split(",") if x}
    named[c[0]] = c[2]
t = {(a, x) for a, xs in truth.items() for x in xs}
f = {(a, x) for a in truth for x in found.get(a, ())}
tp = len(t & f)
print(f"corridor destinations ({len(truth)} flag ads, {len(t)} labelled ad-country pairs):"
      f" precision {100 * tp / len(f) if f else 0:.1f}%  recall {100 * tp / len(t) if t else 0:.1f}%"
      f"  ({tp} found, {len(f) - tp} extra, {len(t) - tp} missed)")
for a in sorted(truth):
    got = found.get(a, set())
    if got != truth[a]:
        print(f"  {a:9} labelled {','.join(sorted(truth[a])) or '-':9} found {','.join(sorted(got)) or '-':9} ({named.get(a, '')[:60]})")
PY
	fi
fi

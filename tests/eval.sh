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
"$top/lurewatch" match -r "${RULES:-$top/rules}" --json $(awk -F'\t' 'NR>1 {print $1}' labels.tsv) >"$out" || [ $? -eq 1 ]
python3 - "$corpus/labels.tsv" "$out" "$corpus" <<'PY'
import json, sys
labels = {}
with open(sys.argv[1], encoding="utf-8") as f:
    next(f)
    for line in f:
        cols = line.rstrip("\n").split("\t")
        labels[cols[0]] = (cols[1], cols[3] if len(cols) > 3 else "?", cols[5] if len(cols) > 5 else "")
res = {}
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        o = json.loads(line)
        res[o["input"]] = o
tp = fp = fn = tn = 0
by_lang = {}
misses = []
for name, (label, lang, note) in sorted(labels.items()):
    o = res.get(name)
    if o is None:
        print(f"eval: no result for {name}", file=sys.stderr)
        sys.exit(2)
    flagged = o["flagged"]
    l = by_lang.setdefault(lang, [0, 0, 0, 0])
    if label == "flag":
        l[0] += 1
        if flagged: tp += 1; l[1] += 1
        else: fn += 1; misses.append(("missed", name, o["score"], note))
    else:
        l[2] += 1
        if flagged: fp += 1; l[3] += 1; misses.append(("false alarm", name, o["score"], note))
        else: tn += 1
nflag, nclear = tp + fn, fp + tn
recall = tp / nflag if nflag else 0
fpr = fp / nclear if nclear else 0
prec = tp / (tp + fp) if tp + fp else 0
print(f"corpus: {nflag} flag ads, {nclear} clear ads")
print(f"flag ads flagged:   {tp}/{nflag} = {100*recall:.1f}%  (recall; target >= 90%)")
print(f"clear ads flagged:  {fp}/{nclear} = {100*fpr:.1f}%  (target <= 10%)")
print(f"precision:          {100*prec:.1f}%")
print("by language (flag flagged/total, clear flagged/total):")
for lang, (nf, tf, nc, fc) in sorted(by_lang.items()):
    print(f"  {lang:3} {tf}/{nf}  {fc}/{nc}")
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

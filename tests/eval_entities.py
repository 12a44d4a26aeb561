#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Scores entity extraction against a corpus's entities.tsv: precision and
# recall per kind, where a match is the same file, kind and normalized value.
#
#   python3 tests/eval_entities.py [--bin build/entities_eval] [--dump FOUND.tsv]
#                                  [-v] [CORPUS_DIR]
#
# The extractor's output comes from tests/tools/entities_eval.c (see the
# build command at its top), run over CORPUS_DIR/*.txt, or from --dump, a
# file of its "file<TAB>kind<TAB>value<TAB>normalized" lines. Each distinct
# (file, kind, normalized) counts once on either side. -v lists the misses
# and false alarms. Exit status 0 unless the inputs cannot be read.
import argparse
import glob
import os
import subprocess
import sys

KINDS = ['phone', 'whatsapp', 'email', 'telegram', 'wechat', 'line', 'url', 'zalo']


def read_rows(lines):
    rows = set()
    for line in lines:
        cols = line.rstrip('\n').split('\t')
        if len(cols) < 4 or cols[0] == 'file':
            continue
        rows.add((cols[0], cols[1], cols[3]))
    return rows


def found_rows(args, corpus):
    if args.dump:
        with open(args.dump, encoding='utf-8') as f:
            return read_rows(f)
    files = sorted(glob.glob(os.path.join(corpus, '*.txt')))
    if not files:
        sys.exit('no .txt files in %s' % corpus)
    out = subprocess.run([args.bin] + files, check=True, stdout=subprocess.PIPE)
    return read_rows(out.stdout.decode('utf-8', 'replace').splitlines())


def ratio(a, b):
    return '%.3f' % (a / b) if b else '  n/a'


def report(gold, found, verbose):
    tp_all = fp_all = fn_all = 0
    print('%-9s %5s %5s %5s %9s %7s' % ('kind', 'tp', 'fp', 'fn', 'precision', 'recall'))
    for kind in KINDS:
        g = {r for r in gold if r[1] == kind}
        f = {r for r in found if r[1] == kind}
        tp, fp, fn = len(g & f), len(f - g), len(g - f)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        print('%-9s %5d %5d %5d %9s %7s' % (kind, tp, fp, fn, ratio(tp, tp + fp), ratio(tp, tp + fn)))
    print('%-9s %5d %5d %5d %9s %7s' % ('all', tp_all, fp_all, fn_all,
                                        ratio(tp_all, tp_all + fp_all),
                                        ratio(tp_all, tp_all + fn_all)))
    if verbose:
        for r in sorted(gold - found):
            print('miss\t' + '\t'.join(r))
        for r in sorted(found - gold):
            print('false\t' + '\t'.join(r))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('corpus', nargs='?', default='/work/shared/corpus/dev')
    ap.add_argument('--bin', default='build/entities_eval')
    ap.add_argument('--dump')
    ap.add_argument('-v', action='store_true')
    args = ap.parse_args()
    with open(os.path.join(args.corpus, 'entities.tsv'), encoding='utf-8') as f:
        gold = read_rows(f)
    report(gold, found_rows(args, args.corpus), args.v)
    return 0


if __name__ == '__main__':
    sys.exit(main())

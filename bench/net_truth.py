# SPDX-License-Identifier: MIT
# Compares networks with the generator's groups (bench/gen_groups.py): pairwise precision and
# recall over pairs of ads, the largest network against the largest true group.
"""usage: net_truth.py TRUTH.tsv NETWORKS.tsv PREFIX

NETWORKS.tsv: url, network id (one line per listing). Prints PREFIX.key=value lines:
precision, recall (pairs of ads put together that belong together, over all pairs put together /
all pairs that belong together), largest, largest_true, networks (of 2+), groups."""

import sys
from collections import Counter


def pairs(n):
    return n * (n - 1) // 2


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    truth = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        next(f)
        for line in f:
            url, g = line.rstrip("\n").split("\t")
            if g:
                truth[url] = g
    net = {}
    with open(sys.argv[2], encoding="utf-8") as f:
        for line in f:
            url, n = line.rstrip("\n").split("\t")
            net[url] = n
    cell = Counter((net[u], truth.get(u)) for u in net)
    nets = Counter(net.values())
    groups = Counter(truth.values())
    tp = sum(pairs(c) for (n, g), c in cell.items() if g is not None)
    pred = sum(pairs(c) for c in nets.values())
    true = sum(pairs(c) for c in groups.values())
    p = sys.argv[3]
    print("%s.precision=%.4f" % (p, tp / pred if pred else 1.0))
    print("%s.recall=%.4f" % (p, tp / true if true else 1.0))
    print("%s.largest=%d" % (p, max(nets.values(), default=0)))
    print("%s.largest_true=%d" % (p, max(groups.values(), default=0)))
    print("%s.networks=%d" % (p, sum(1 for c in nets.values() if c > 1)))
    print("%s.groups=%d" % (p, len(groups)))


if __name__ == "__main__":
    main()

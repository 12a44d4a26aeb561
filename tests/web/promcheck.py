# SPDX-License-Identifier: MIT
"""Checks a Prometheus text exposition (format 0.0.4): HELP/TYPE comments,
samples `name{label="value",...} number`, every sample's family declared."""
import re
import sys

name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^(%s)(\{%s(?:,%s)*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$' % (name, label, label))
types = {}
ok = True
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        continue
    m = re.match(r'^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$' % name, line)
    if m:
        types[m.group(1)] = m.group(2)
        continue
    m = sample.match(line)
    if not m or m.group(1) not in types:
        print("line %d: %r" % (n, line))
        ok = False
sys.exit(0 if ok and types else 1)

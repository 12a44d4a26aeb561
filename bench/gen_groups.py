# SPDX-License-Identifier: MIT
# Listings with known groups for the networks benchmark (issue 16): a share of the ads belong to
# groups that share contact details, and the trouble real data has is put in on purpose.
"""usage: gen_groups.py OUT.jsonl TRUTH.tsv N SEED [GROUP_SHARE]

Writes N listings {url, title, body, location, posted, source} as JSON Lines and TRUTH.tsv
(url, group: the group id, empty for an ad of its own). GROUP_SHARE (default 0.10) of the ads
are in groups of 3 to 30. Each group has a phone number (written in several ways), often a
Telegram handle too, one or two text templates it reuses, and a circuit of one to four places it
moves through over a few weeks. The trouble:
  switchboards   a few numbers (agency switchboards, an 0800 hotline) each in 0.2-2% of all ads,
                 unrelated ones and group ads alike, spread over every place;
  placeholders   "your@email.com" in 0.3% of ads;
  copied numbers 5% of groups have an ad or two that also carry another group's number;
  templates      10% of groups post a template another group also uses;
  own contacts   every other ad has a contact nobody else has."""

import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_corpus as gc  # noqa: E402
from gen_listings import Ads  # noqa: E402


# The shared sentence pools carry contact details of their own (a lure's "telegram @vipagent67"),
# drawn from small sets: unrelated ads would share them, and the truth would not know. Dropped here.
CONTACTISH = re.compile(r"@\w|wa\.me|t\.me|whatsapp|telegram|zalo|viber|wechat|\bline\b|\+\d|"
                        r"\d{2,4}[ -]\d{3}[ -]\d{3,4}", re.I)


def clean(ads):
    for k in ("inn", "flg", "lur"):
        setattr(ads, k, [x for x in getattr(ads, k) if not CONTACTISH.search(x)])
    ads.other = {k: [x for x in v if not CONTACTISH.search(x)] or v for k, v in ads.other.items()}


def phone_forms(num):
    """num: 8 digits after +64 2; written differently each time."""
    e164 = "+642%s" % num
    local = "02%s %s %s" % (num[:1], num[1:4], num[4:])
    return ["WhatsApp +64 2%s %s %s" % (num[:1], num[1:4], num[4:]), "call or text %s" % local,
            "txt %s" % local.replace(" ", "-"), "ph: %s" % e164]


def own_contact(i):
    k = i % 3
    if k == 0:
        return "Call 027 %03d %04d for details." % (i // 10000 % 1000, i % 10000)
    if k == 1:
        return "Email jobs%d@mail.test with your CV." % i
    return "Telegram @own_agent_%d." % i


def dates(rng, start, n):
    """n posted dates from start (a day number in 2025), a few days apart."""
    d = start
    out = []
    for _ in range(n):
        d += rng.choice((0, 0, 1, 1, 2, 3))
        out.append(d)
    return out


def day_str(d):
    d = max(0, min(d, 364))
    months = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    m = 0
    while d >= months[m]:
        d -= months[m]
        m += 1
    return "2025-%02d-%02d" % (m + 1, d + 1)


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    out, truth, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    share = float(sys.argv[5]) if len(sys.argv) > 5 else 0.10
    rng = random.Random(seed)
    ads = Ads(rng)
    clean(ads)
    idx = list(range(n))
    rng.shuffle(idx)
    idx = idx[:int(n * share)]
    groups = []
    while idx:
        size = min(len(idx), rng.randint(3, 30))
        groups.append(sorted(idx[:size]))
        idx = idx[size:]
    of = {}
    for g, members in enumerate(groups):
        for i in members:
            of[i] = g
    ng = len(groups)
    # Per group: number, handle, templates, circuit, start day.
    info = []
    for g in range(ng):
        t = [ads.one() for _ in range(rng.choice((1, 1, 2)))]
        info.append({"num": "%08d" % (g * 7919 % 100000000), "handle": "crew_%d_%d" % (g, seed) if rng.random() < 0.5 else None,
                     "templates": t, "places": rng.sample(gc.CITIES, rng.randint(1, 4)),
                     "start": rng.randint(0, 300)})
    # Trouble.
    for g in range(ng):
        if rng.random() < 0.10:
            info[g]["templates"].append(rng.choice(info[rng.randrange(ng)]["templates"]))
    copied = {}
    for g in range(ng):
        if rng.random() < 0.05 and ng > 1:
            other = rng.randrange(ng)
            if other != g:
                for i in rng.sample(groups[g], min(len(groups[g]), rng.randint(1, 2))):
                    copied[i] = other
    nsw = max(4, n // 20000)
    switchboards = []
    for s in range(nsw):
        num = "0800 %03d %03d" % (100 + s, 200 + s) if s % 2 == 0 else "09 3%02d %04d" % (s, 1000 + s)
        switchboards.append(("Our recruitment desk: %s." % num, rng.uniform(0.002, 0.02)))
    posted = {}
    for g, members in enumerate(groups):
        ds = dates(rng, info[g]["start"], len(members))
        for k, i in enumerate(members):
            posted[i] = (ds[k], info[g]["places"][min(k * len(info[g]["places"]) // len(members),
                                                       len(info[g]["places"]) - 1)])
    with open(out, "w", encoding="utf-8") as f, open(truth, "w", encoding="utf-8") as t:
        t.write("url\tgroup\n")
        for i in range(n):
            g = of.get(i)
            if g is not None and rng.random() < 0.6:
                title, paras = rng.choice(info[g]["templates"])
                paras = list(paras)
            else:
                title, paras = ads.one()
            if g is not None:
                gi = info[g]
                lines = [rng.choice(phone_forms(gi["num"]))]
                if gi["handle"] and rng.random() < 0.4:
                    lines.append("telegram @%s" % gi["handle"])
                if i in copied:
                    lines.append(rng.choice(phone_forms(info[copied[i]]["num"])))
                paras.append(", ".join(lines) + ".")
                day, loc = posted[i]
            else:
                paras.append(own_contact(i))
                day, loc = rng.randint(0, 364), rng.choice(gc.CITIES)
            for text, p in switchboards:
                if rng.random() < p:
                    paras.append(text)
            if rng.random() < 0.003:
                paras.append("Send your CV to your@email.com")
            url = "https://groups.example/ads/%d" % i
            f.write(json.dumps({"url": url, "title": title, "body": "\n".join(paras), "location": loc,
                                "posted": day_str(day), "source": "groups"}, ensure_ascii=False) + "\n")
            t.write("%s\t%s\n" % (url, "" if g is None else "G%d" % g))
    print("groups: %d listings, %d in %d groups (largest %d), %d switchboards, %d ads with a copied"
          " number" % (n, sum(len(m) for m in groups), ng, max((len(m) for m in groups), default=0),
                       nsw, len(copied)))


if __name__ == "__main__":
    main()

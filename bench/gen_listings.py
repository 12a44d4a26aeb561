# SPDX-License-Identifier: MIT
# Writes deterministic job listings for the ingestion, crawling and network benchmarks, as
# JSON Lines, as CSV for a raw COPY, or as a static HTML site, reusing gen_corpus.py's sentences.
"""usage: gen_listings.py jsonl OUT.jsonl OUT.csv N SEED [NETWORK_SHARE]
       gen_listings.py site DIR N PER_PAGE SEED

jsonl: N listings {url, title, body, location, posted, source} (about 5% read like lures),
       and the same rows as CSV (url, source, title, body, location, posted) for psql \\copy.
       With NETWORK_SHARE (e.g. 0.10), that share of the listings is put in groups of 3 to 30
       that share a phone number, a WhatsApp number or a Telegram handle (networks); the other
       listings carry contact details of their own.
site:  DIR/jobs/page/K.html listing pages of PER_PAGE ad links each, chained by rel=next,
       DIR/ads/I.html ad pages with the demo's selectors (h1.ad-title, div.ad-body,
       span.ad-location, time.ad-posted), and DIR/paths.txt: every path, listing pages first."""

import csv
import html
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_corpus as gc  # noqa: E402


class Ads:
    """Titles and bodies drawn from pre-filled sentence pools (fast for 100,000 ads)."""

    def __init__(self, rng):
        self.rng = rng
        self.inn = gc.pool(rng, gc.INNOCUOUS, 20000)
        self.flg = gc.pool(rng, gc.FLAGS, 3000)
        self.lur = gc.pool(rng, gc.LURES, 3000)
        self.other = {k: gc.pool(rng, t, 1000) for k, t in
                      (("es", gc.ES), ("vi", gc.VI), ("tl", gc.TL), ("ru", gc.RU), ("zh", gc.ZH))}
        self.titles = ["%s wanted - %s" % (rng.choice(gc.JOBS).title(), rng.choice(gc.CITIES))
                       for _ in range(5000)]

    def one(self):
        rng = self.rng
        r = rng.random()
        body = rng.choices(self.inn, k=rng.randint(4, 12))
        if r < 0.05:                                       # lure: several strong indicators
            body[1:1] = rng.choices(self.lur, k=rng.randint(3, 5))
            body.extend(rng.choices(self.flg, k=rng.randint(1, 3)))
        elif r < 0.15:                                     # one red flag
            body.insert(rng.randrange(len(body) + 1), rng.choice(self.flg))
        if rng.random() < 0.08:
            key = rng.choice(("es", "vi", "tl", "ru", "zh"))
            body = rng.choices(self.other[key], k=rng.randint(2, 5)) + body
        paras = []
        while body:
            k = rng.randint(2, 5)
            paras.append(" ".join(body[:k]))
            body = body[k:]
        return rng.choice(self.titles), paras


def contact(rng, i):
    """A contact line of one's own: a number or handle nobody else uses."""
    k = rng.random()
    if k < 0.5:
        return "Call %s for details." % ("021 %03d %04d" % (i // 10000 % 1000, i % 10000))
    if k < 0.8:
        return "Email jobs%d@example.com with your CV." % i
    return "Telegram @own_agent_%d." % i


def group_contacts(rng, g):
    """Written differently in each ad of the group, so linking has to normalise."""
    phone = "+64 22 %03d %04d" % (g // 10000 % 1000, g % 10000)
    forms = ["WhatsApp %s now" % phone, "wh@tsapp %s" % phone.replace(" ", "-"),
             "call or text %s" % phone.replace("+64 ", "0"),
             "telegram @net_agent%d" % g, "Contact t.me/net_agent%d only" % g]
    return forms


def jsonl(out, out_csv, n, seed, share):
    rng = random.Random(seed)
    ads = Ads(rng)
    in_net = set()
    groups = {}
    if share > 0:
        idx = list(range(n))
        rng.shuffle(idx)
        idx = idx[:int(n * share)]
        g = 0
        while idx:
            size = min(len(idx), rng.randint(3, 30))
            for i in idx[:size]:
                groups[i] = g
            idx = idx[size:]
            g += 1
        in_net = set(groups)
    with open(out, "w", encoding="utf-8") as f, open(out_csv, "w", encoding="utf-8", newline="") as c:
        w = csv.writer(c)
        for i in range(n):
            title, paras = ads.one()
            if i in in_net:
                paras.append(rng.choice(group_contacts(rng, groups[i])) + ".")
            elif share > 0:
                paras.append(contact(rng, i))
            body = "\n".join(paras)
            loc = rng.choice(gc.CITIES)
            posted = "2025-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28))
            url = "https://bench.example/ads/%d" % i
            f.write(json.dumps({"url": url, "title": title, "body": body, "location": loc,
                                "posted": posted, "source": "bench"}, ensure_ascii=False) + "\n")
            w.writerow([url, "bench", title, body, loc, posted])
    print("listings: %d written, %d in %d network groups" % (n, len(in_net), len(set(groups.values()))))


PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Jobs, page {k}</title></head>
<body><h1>Latest jobs, page {k}</h1>
<ul class="ads">
{links}
</ul>
{next}
</body></html>
"""
AD = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><div class="ad">
<h1 class="ad-title">{title}</h1>
<span class="ad-location">{loc}</span> <time class="ad-posted" datetime="{posted}">{posted}</time>
<div class="ad-body">
{body}
</div></div></body></html>
"""


def site(d, n, per_page, seed):
    rng = random.Random(seed)
    ads = Ads(rng)
    os.makedirs(os.path.join(d, "jobs", "page"), exist_ok=True)
    os.makedirs(os.path.join(d, "ads"), exist_ok=True)
    pages = (n + per_page - 1) // per_page
    paths = []
    for k in range(1, pages + 1):
        lo, hi = (k - 1) * per_page, min(n, k * per_page)
        links = "\n".join('<li><a class="ad-link" href="/ads/%d.html">Ad %d</a></li>' % (i, i)
                          for i in range(lo, hi))
        nxt = '<a rel="next" href="/jobs/page/%d.html">Next</a>' % (k + 1) if k < pages else ""
        with open(os.path.join(d, "jobs", "page", "%d.html" % k), "w", encoding="utf-8") as f:
            f.write(PAGE.format(k=k, links=links, next=nxt))
        paths.append("/jobs/page/%d.html" % k)
    for i in range(n):
        title, paras = ads.one()
        body = "\n".join("<p>%s</p>" % html.escape(p) for p in paras)
        with open(os.path.join(d, "ads", "%d.html" % i), "w", encoding="utf-8") as f:
            f.write(AD.format(title=html.escape(title), loc=html.escape(rng.choice(gc.CITIES)),
                              posted="2025-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28)),
                              body=body))
        paths.append("/ads/%d.html" % i)
    with open(os.path.join(d, "paths.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(paths) + "\n")
    print("site: %d ad pages, %d listing pages" % (n, pages))


def main():
    if len(sys.argv) >= 6 and sys.argv[1] == "jsonl":
        jsonl(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
              float(sys.argv[6]) if len(sys.argv) > 6 else 0.0)
    elif len(sys.argv) == 6 and sys.argv[1] == "site":
        site(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

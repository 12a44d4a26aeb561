#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes a synthetic WARC file of job ads for the archive tests and the bench:
# a warcinfo record, then for each page a request and a response (plain, chunked
# or gzip-encoded HTML, in turn), every third page a recruitment lure.
#   mkwarc.py OUT PAGES TAG [--whole-gzip|--plain|--wet] [--pad N]
# Per-record gzip unless told otherwise. Page i's URL is http://TAG.example/ad/i
# and its record id <urn:uuid:TAG-i>, so runs with the same arguments match.
import gzip, sys, zlib

LURE = ("Waitress job abroad. Earn $5000/week, no experience needed, we keep your passport "
        "safe, pay the agency fee before you fly, repay from wages, whatsapp only "
        "+64 21 555 0%03d")
PLAIN = "Accountant wanted in Wellington, ref %d. Salary paid monthly by bank transfer. Apply with CV."


def record(rtype, rid, uri, ctype, block):
    h = ["WARC/1.1", "WARC-Type: " + rtype, "WARC-Record-ID: <urn:uuid:%s>" % rid,
         "WARC-Date: 2026-11-0%dT10:00:00Z" % (1 + len(block) % 9)]
    if uri:
        h.append("WARC-Target-URI: " + uri)
    h += ["Content-Type: " + ctype, "Content-Length: %d" % len(block)]
    return ("\r\n".join(h) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def chunked(b):
    out, i = b"", 0
    while i < len(b):
        piece = b[i:i + 100]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
        i += 100
    return out + b"0\r\n\r\n"


def main():
    out, pages, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    mode = "gz"
    pad = 0
    args = sys.argv[4:]
    for i, a in enumerate(args):
        if a == "--whole-gzip": mode = "whole"
        elif a == "--plain": mode = "plain"
        elif a == "--wet": mode = "wet"
        elif a == "--pad": pad = int(args[i + 1])
    recs = [record("warcinfo", tag + "-info", None, "application/warc-fields",
                   b"software: mkwarc.py\r\nformat: WARC File Format 1.1\r\n")]
    for i in range(pages):
        uri = "http://%s.example/ad/%d" % (tag, i)
        text = (LURE % (i % 1000)) if i % 3 == 0 else (PLAIN % i)
        if mode == "wet":
            recs.append(record("conversion", "%s-%d" % (tag, i), uri, "text/plain",
                               ("Ad %d\n%s\n" % (i, text)).encode()))
            continue
        html = ("<html><head><title>Ad %d</title><script>var x = 'passport';</script></head>"
                "<body><h1>Ad %d</h1><p>%s</p><!-- %s --></body></html>"
                % (i, i, text, "p" * pad)).encode()
        hdr = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        kind = i % 3
        if kind == 0:
            body = html
            hdr += "Content-Length: %d\r\n" % len(body)
        elif kind == 1:
            body = chunked(html)
            hdr += "Transfer-Encoding: chunked\r\n"
        else:
            body = gzip.compress(html)
            hdr += "Content-Encoding: gzip\r\nContent-Length: %d\r\n" % len(body)
        recs.append(record("request", "%s-%d-req" % (tag, i), uri, "application/http; msgtype=request",
                           ("GET /ad/%d HTTP/1.1\r\nHost: %s.example\r\n\r\n" % (i, tag)).encode()))
        recs.append(record("response", "%s-%d" % (tag, i), uri, "application/http; msgtype=response",
                           hdr.encode() + b"\r\n" + body))
    with open(out, "wb") as f:
        if mode == "gz" or mode == "wet":
            for r in recs:
                f.write(gzip.compress(r, 6))
        elif mode == "whole":
            f.write(gzip.compress(b"".join(recs), 6))
        else:
            f.write(b"".join(recs))


main()

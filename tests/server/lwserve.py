#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Test HTTP server for lurewatch's crawler: serves a folder on 127.0.0.1 with conditional GET and gzip, logs every request as JSON Lines, and injects faults under /fault/.
"""lwserve: a polite crawler's sparring partner (python3 stdlib only).

    python3 tests/server/lwserve.py [--port N] [--root DIR] [--log FILE] ...

Listens on 127.0.0.1 only. With --port 0 the first stdout line is PORT=<n>.
Every fault route is described in tests/server/README.md.
"""
import argparse
import ctypes
import email.utils
import gzip
import hashlib
import json
import os
import re
import select
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"  # never anything else
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "sample", "site"))
DEFAULT_PORT = 8642
# The sample site's absolute URLs name this origin (sample/build_site.py);
# served text has it rewritten to the port actually in use.
SITE_ORIGIN = b"http://127.0.0.1:8642"
MiB = 1 << 20

TYPES = {
    ".html": "text/html", ".htm": "text/html", ".txt": "text/plain",
    ".xml": "application/xml", ".rss": "application/rss+xml",
    ".atom": "application/atom+xml", ".json": "application/json",
    ".jsonl": "application/jsonl", ".css": "text/css", ".js": "text/javascript",
    ".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif",
    ".pdf": "application/pdf",
}
TEXTUAL = ("text/", "application/xml", "application/rss+xml", "application/atom+xml",
           "application/json", "application/jsonl")
META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)

LATIN1_AD = (
    "<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<title>Se busca cocinero</title>\n</head>\n<body>\n"
    "<h1 class=\"ad-title\">Se busca cocinero para restaurante en Málaga</h1>\n"
    "<p class=\"ad-meta\"><span class=\"ad-location\">Málaga</span> &middot; "
    "<time class=\"ad-posted\" datetime=\"2026-11-20\">20 Nov 2026</time></p>\n"
    "<div class=\"ad-body\">\n<p>Restaurante en la costa busca cocinero con experiencia en paella y "
    "jalapeños. Contrato indefinido, 1.600 EUR al mes, dos días libres.</p>\n"
    "<p>Se valora ser bilingüe (español y alemán). Jornada de 40 horas, alojamiento no incluido. También buscamos ayudante de cocina.</p>\n"
    "</div>\n<p class=\"ad-contact-line\">Contacto: <a class=\"ad-contact\" "
    "href=\"mailto:cocina@malaga-restaurante.example\">cocina@malaga-restaurante.example</a></p>\n"
    "</body>\n</html>\n"
).encode("iso-8859-1")

BROKEN_AD = (
    b"<html><head><title>Job: cleaners wanted\n<body bgcolor=white>\n"
    b"<div class=\"wrap\"><div class=ad>\n</div></div></div>\n"
    b"<h1 class=\"ad-title\">Cleaners wanted <b>urgent<i>ly</b></i></h1>\n"
    b"<span class=\"ad-location\">Auckland</span> <time class=ad-posted datetime=2026-11-21>21 Nov\n"
    b"<div class=\"ad-body\"><p>Office cleaners, evenings, $26 an hour & weekly pay\n"
    b"<p>Travel < 10 km from the CBD. Apply in person</div>\n</div>\n"
    b"<table><tr><td>unclosed cell<td>another\n<p>trailing text with no end tags"
)


def page(title, text):
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>\n"
            "<body><h1>%s</h1><p>%s</p></body></html>\n" % (title, title, text)).encode("utf-8")


# ---- shared state ---------------------------------------------------------------------

class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.counts = {}          # fault id -> requests seen
        self.requests = 0
        self.inflight = 0
        self.last_activity = time.monotonic()
        self.conn_seq = 0
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None
        self.bomb = None
        self.port = None
        self.stopping = threading.Event()

    def bump(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]

    def write_log(self, entry):
        if not self.log:
            return
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
        with self.lock:
            try:
                self.log.write(line)
                self.log.flush()
            except (OSError, ValueError):
                pass

    def gzip_bomb(self):
        """1 GiB of zeros as a gzip member of about 1 MiB. Built once: one
        deflated MiB ending in a full flush (so it depends on nothing before
        it) is repeated 1024 times, then an empty final block and the trailer."""
        with self.lock:
            if self.bomb is None:
                zeros = bytes(MiB)
                c = zlib.compressobj(9, zlib.DEFLATED, -15)
                unit = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
                crc = 0
                for _ in range(1024):
                    crc = zlib.crc32(zeros, crc)
                tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
                head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
                self.bomb = head + unit * 1024 + tail + struct.pack("<II", crc, (1024 * MiB) & 0xFFFFFFFF)
            return self.bomb


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def server_bind(self):
        # HTTPServer.server_bind would call socket.getfqdn(), a DNS lookup.
        socketserver.TCPServer.server_bind(self)
        self.server_name = HOST
        self.server_port = self.server_address[1]

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError)):
            return
        sys.stderr.write("lwserve: error handling a request from %s: %r\n" % (client_address[0], exc))


class ClientGone(Exception):
    """The client closed its end: stop answering, quietly."""


# ---- the handler ------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lwserve/1"
    sys_version = ""
    timeout = 60  # an idle keep-alive connection is dropped after this

    state = None  # set in main()

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.state.args.verbose:
            sys.stderr.write("lwserve: %s\n" % (fmt % args))

    def setup(self):
        super().setup()
        with self.state.lock:
            self.state.conn_seq += 1
            self.conn_id = self.state.conn_seq

    # Every method goes through serve(); only GET and HEAD are allowed.
    def do_GET(self):
        self.serve()

    def do_HEAD(self):
        self.serve()

    def do_POST(self):
        self.serve()

    do_PUT = do_DELETE = do_OPTIONS = do_PATCH = do_POST

    def serve(self):
        st = self.state
        self.t_wall = time.time()
        self.t_mono = time.monotonic()
        self.status = 0
        self.sent = 0
        self.head_only = self.command == "HEAD"
        self.in_serve = True
        with st.lock:
            st.requests += 1
            st.inflight += 1
            st.last_activity = self.t_mono
            nth = st.requests
        try:
            if st.args.delay_ms:
                time.sleep(st.args.delay_ms / 1000.0)
            self.route()
        except ClientGone:
            self.close_connection = True
        except (ConnectionError, socket.timeout, TimeoutError):
            self.close_connection = True
        finally:
            now = time.monotonic()
            with st.lock:
                st.inflight -= 1
                st.last_activity = now
            self.in_serve = False
            self.log_entry(now)
            if st.args.max_requests and nth >= st.args.max_requests:
                self.close_connection = True
                stop(st, "served %d requests" % nth)

    def log_entry(self, now):
        hdrs = getattr(self, "headers", None) or {}
        self.state.write_log({
            "ts": round(self.t_wall, 6), "mono": round(self.t_mono, 6),
            "duration_ms": round((now - self.t_mono) * 1000, 1),
            "method": self.command, "path": self.path, "status": self.status,
            "bytes": self.sent, "conn": self.conn_id, "client_port": self.client_address[1],
            "user_agent": hdrs.get("User-Agent"),
            "if_none_match": hdrs.get("If-None-Match"),
            "if_modified_since": hdrs.get("If-Modified-Since"),
            "accept_encoding": hdrs.get("Accept-Encoding"),
        })

    def send_error(self, code, message=None, explain=None):
        # Requests the base class rejects (bad request line, unknown method,
        # oversized headers) never reach serve(): log them here.
        if not getattr(self, "in_serve", False):
            self.t_wall, self.t_mono = time.time(), time.monotonic()
            self.status, self.sent = code, 0
            self.log_entry(self.t_mono)
        super().send_error(code, message, explain)

    # ---- output helpers --------------------------------------------------------

    def start(self, status, headers, reason=None):
        self.status = status
        self.send_response(status, reason)
        for k, v in headers:
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def write(self, data):
        if self.head_only or not data:
            return
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, socket.timeout, TimeoutError):
            raise ClientGone()
        self.sent += len(data)

    def reply(self, status, body, ctype="text/html; charset=utf-8", extra=()):
        headers = [("Content-Type", ctype), ("Content-Length", str(len(body)))]
        headers.extend(extra)
        self.start(status, headers)
        self.write(body)

    def client_gone(self, wait):
        """Waits up to `wait` seconds; True when the client has closed its end."""
        end = time.monotonic() + wait
        try:
            r, _, _ = select.select([self.connection], [], [], wait)
            if r and self.connection.recv(1, socket.MSG_PEEK) == b"":
                return True
        except (OSError, ValueError):
            return True
        if r:
            # A pipelined request is waiting: not a disconnect, but do not spin.
            time.sleep(max(0.0, end - time.monotonic()))
        return False

    # ---- routing --------------------------------------------------------------------

    def route(self):
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if self.command not in ("GET", "HEAD"):
            self.reply(405, page("405 Method Not Allowed", "GET and HEAD only."),
                       extra=[("Allow", "GET, HEAD")])
            return
        if path.startswith("/fault/"):
            self.fault(path[len("/fault/"):])
            return
        if path == "/robots.txt" and (self.state.args.robots_status or self.state.args.robots_file):
            self.robots()
            return
        self.static(path)

    def robots(self):
        a = self.state.args
        code = a.robots_status or 200
        if code == 200:
            with open(a.robots_file, "rb") as f:
                self.send_file_bytes(f.read(), "text/plain; charset=utf-8", os.path.getmtime(a.robots_file))
        else:
            self.reply(code, b"robots.txt answers %d\n" % code, "text/plain; charset=utf-8")

    # ---- static files with conditional GET and gzip ---------------------------------

    def static(self, path):
        from urllib.parse import unquote
        root = self.state.args.root
        rel = unquote(path)
        if "\0" in rel or "\\" in rel:
            self.reply(400, page("400 Bad Request", "Bad path."))
            return
        full = os.path.realpath(os.path.join(root, rel.lstrip("/")))
        if full != root and not full.startswith(root + os.sep):
            self.reply(404, page("404 Not Found", "Outside the site."))
            return
        if os.path.isdir(full):
            full = os.path.join(full, "index.html")
        if not os.path.isfile(full):
            self.reply(404, page("404 Not Found", "No such page."))
            return
        with open(full, "rb") as f:
            data = f.read()
        ext = os.path.splitext(full)[1].lower()
        ctype = TYPES.get(ext, "application/octet-stream")
        if ctype.startswith(TEXTUAL):
            if self.state.port != DEFAULT_PORT and not self.state.args.no_rewrite:
                data = data.replace(SITE_ORIGIN, b"http://127.0.0.1:%d" % self.state.port)
            charset = "utf-8"
            if ctype == "text/html":
                m = META_CHARSET.search(data[:1024])
                if m:
                    charset = m.group(1).decode("ascii").lower()
            ctype += "; charset=" + charset
        self.send_file_bytes(data, ctype, os.path.getmtime(full))

    def send_file_bytes(self, data, ctype, mtime):
        etag = '"%s"' % hashlib.sha1(data).hexdigest()[:20]
        lastmod = email.utils.formatdate(int(mtime), usegmt=True)
        use_gzip = (self.state.args.gzip and ctype.startswith(TEXTUAL)
                    and accepts_gzip(self.headers.get("Accept-Encoding", "")))
        if use_gzip:
            etag = etag[:-1] + '-gz"'
        headers = [("ETag", etag), ("Last-Modified", lastmod), ("Cache-Control", "no-cache")]
        if self.state.args.gzip and ctype.startswith(TEXTUAL):
            headers.append(("Vary", "Accept-Encoding"))
        if not_modified(self.headers, etag, int(mtime)):
            self.start(304, headers)
            return
        if use_gzip:
            data = gzip.compress(data, 6, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        self.reply(200, data, ctype, headers)

    # ---- faults -----------------------------------------------------------------------

    def fault(self, rest):
        parts = rest.split("/")
        name = parts[0]
        fn = getattr(self, "fault_" + name.replace("-", "_"), None)
        if fn is None:
            self.reply(404, page("404 Not Found", "No such fault: %s" % name))
            return
        try:
            fn(parts[1:])
        except (ValueError, IndexError):
            self.reply(400, page("400 Bad Request", "Bad fault arguments: /fault/%s" % rest))

    def fault_500(self, args):
        self.reply(500, page("500 Internal Server Error", "Injected failure."))

    def fault_status(self, args):
        code = int(args[0])
        if not 200 <= code <= 599 or code == 304:
            raise ValueError(code)
        self.reply(code, page("%d" % code, "Injected status."))

    def fault_flaky(self, args):
        n, ident = int(args[0]), args[1]
        if self.state.bump("flaky/%d/%s" % (n, ident)) <= n:
            self.reply(503, page("503 Service Unavailable", "Try again."))
        else:
            self.reply(200, page("Flaky page %s" % ident, "Recovered after %d failures." % n))

    def fault_429(self, args):
        secs, ident = int(args[0]), args[1]
        if self.state.bump("429/%d/%s" % (secs, ident)) == 1:
            self.reply(429, page("429 Too Many Requests", "Slow down."),
                       extra=[("Retry-After", str(secs))])
        else:
            self.reply(200, page("Rate-limited page %s" % ident, "Thanks for waiting."))

    def fault_slow(self, args):
        ms = int(args[0])
        if self.client_gone(ms / 1000.0):
            raise ClientGone()
        self.reply(200, page("Slow page", "Answered after %d ms." % ms))

    def fault_stall(self, args):
        body = page("Stalled page", "This page never finishes. " + "x" * 4000)
        self.close_connection = True
        self.start(200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
        self.write(body[:512])
        if self.head_only:
            return
        end = time.monotonic() + 120
        while time.monotonic() < end and not self.state.stopping.is_set():
            if self.client_gone(0.5):
                raise ClientGone()

    def fault_drip(self, args):
        body = page("Drip page", "One byte every 500 ms. " + "d" * 200)
        self.close_connection = True
        self.start(200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
        for i in range(len(body)):
            self.write(body[i:i + 1])
            if self.head_only or self.client_gone(0.5):
                raise ClientGone()

    def fault_truncated(self, args):
        body = page("Truncated page", "t" * 900)
        self.close_connection = True
        self.start(200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body) * 10))])
        self.write(body)

    def fault_redirect_loop(self, args):
        n = int(args[0]) if args and args[0] else 0
        self.redirect("/fault/redirect-loop/%d" % (n + 1))

    def fault_redirect(self, args):
        k = int(args[0])
        n = int(args[1]) if len(args) > 1 and args[1] else 0
        if n < k:
            self.redirect("/fault/redirect/%d/%d" % (k, n + 1))
        else:
            self.reply(200, page("Redirect target", "Reached after %d redirects." % k))

    def redirect(self, location):
        code = 302
        m = re.search(r"[?&]code=(30[12378])\b", self.path)
        if m:
            code = int(m.group(1))
            location += "?code=%d" % code
        self.reply(code, page("Moved", "See %s" % location), extra=[("Location", location)])

    def fault_big(self, args):
        size = int(float(args[0]) * MiB)
        if size < 0 or size > 8192 * MiB:
            raise ValueError(size)
        self.start(200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(size))])
        head = b"<!DOCTYPE html><html><body><p>big page</p><!--"
        chunk = b"0123456789abcdef" * 4096
        left = size
        first = head[:size]
        self.write(first)
        left -= len(first)
        while left > 0 and not self.head_only:
            piece = chunk[:left]
            self.write(piece)
            left -= len(piece)

    def fault_gzipbomb(self, args):
        body = self.state.gzip_bomb()
        self.reply(200, body, extra=[("Content-Encoding", "gzip")])

    def fault_latin1(self, args):
        self.reply(200, LATIN1_AD, "text/html; charset=iso-8859-1")

    def fault_broken_html(self, args):
        self.reply(200, BROKEN_AD)

    def fault_robots(self, args):
        code = int(args[0])
        if code == 200:
            self.reply(200, b"User-agent: *\nDisallow: /private/\n", "text/plain; charset=utf-8")
        else:
            self.reply(code, b"robots.txt answers %d\n" % code, "text/plain; charset=utf-8")

    def fault_archive(self, args):
        """/fault/archive/<bytes_per_s>/<cut>/<id>/<path>: a file under the root as
        application/octet-stream, paced (0: full speed), honouring "Range: bytes=N-"
        with 206; the first request for <id> closes the connection after <cut> bytes
        (0: never) although Content-Length announced them all."""
        rate, cut, ident = int(args[0]), int(args[1]), args[2]
        root = self.state.args.root
        full = os.path.realpath(os.path.join(root, "/".join(args[3:])))
        if not full.startswith(root + os.sep) or not os.path.isfile(full):
            self.reply(404, page("404 Not Found", "No such archive."))
            return
        with open(full, "rb") as f:
            data = f.read()
        start = 0
        m = re.match(r"bytes=(\d+)-$", self.headers.get("Range", "") or "")
        status, extra = 200, [("Accept-Ranges", "bytes")]
        if m:
            start = int(m.group(1))
            if start >= len(data):
                self.reply(416, page("416", "Range not satisfiable"),
                           extra=[("Content-Range", "bytes */%d" % len(data))])
                return
            status = 206
            extra.append(("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data))))
        first = self.state.bump("archive/" + ident) == 1
        body = data[start:]
        self.close_connection = True
        self.start(status, [("Content-Type", "application/octet-stream"),
                            ("Content-Length", str(len(body)))] + extra)
        limit = cut if first and cut and not m else len(body)
        pos, piece = 0, 16384
        t0 = time.monotonic()
        while pos < limit and not self.head_only:
            chunk = body[pos:min(limit, pos + piece)]
            self.write(chunk)
            pos += len(chunk)
            if rate:
                wait = t0 + pos / float(rate) - time.monotonic()
                if wait > 0:
                    time.sleep(wait)

    def fault_reset(self, args):
        """Headers and half the body, then a TCP reset (SO_LINGER 0)."""
        body = page("Reset page", "r" * 4000)
        self.close_connection = True
        self.start(200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
        self.write(body[:len(body) // 2])
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        raise ClientGone()

    def fault_huge_headers(self, args):
        """kb KiB of response headers (curl refuses more than 100 KiB)."""
        kb = int(args[0]) if args and args[0] else 1024
        if kb < 1 or kb > 65536:
            raise ValueError(kb)
        extra = [("X-Filler-%d" % i, "h" * 1000) for i in range(kb)]
        self.reply(200, page("Huge headers", "This page has %d KiB of headers." % kb), extra=extra)

    def fault_wrong_charset(self, args):
        """The Latin-1 ad, declared UTF-8: its bytes are not valid UTF-8."""
        self.reply(200, LATIN1_AD, "text/html; charset=utf-8")

    def fault_bad_xml(self, args):
        """An RSS feed that is not well-formed XML."""
        body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Bad</title>'
                b'<item><title>Unclosed <b>tag</title><link>/ads/x</link></item>'
                b'<item><title>&undefined;</title></channel>')
        self.reply(200, body, "application/rss+xml")

    def fault_redirect_to(self, args):
        """302 to the absolute URL in ?url= (private addresses, other hosts)."""
        m = re.search(r"[?&]url=([^&]+)", self.path)
        if not m:
            raise ValueError("no url")
        self.reply(302, page("Moved", "elsewhere"), extra=[("Location", m.group(1))])

    def fault_ctype(self, args):
        ctype = "%s/%s" % (args[0], args[1])
        if not re.fullmatch(r"[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+", ctype):
            raise ValueError(ctype)
        self.reply(200, b"%PDF-1.4 not really\n" if ctype == "application/pdf" else b"\x00\x01 binary\n", ctype)


def accepts_gzip(value):
    for item in value.split(","):
        bits = [b.strip() for b in item.split(";")]
        if bits[0].lower() in ("gzip", "x-gzip", "*"):
            for b in bits[1:]:
                if b.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
                    return False
            return True
    return False


def same_tag(a, b):
    """Weak comparison; the gzip and identity forms of a file count as one."""
    def norm(t):
        t = t.strip()
        t = t[2:] if t.startswith("W/") else t
        return t[:-4] + '"' if t.endswith('-gz"') else t
    return norm(a) == norm(b)


def not_modified(headers, etag, mtime):
    """RFC 9110: If-None-Match wins over If-Modified-Since; weak comparison."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        if inm.strip() == "*":
            return True
        return any(same_tag(t, etag) for t in inm.split(","))
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            t = email.utils.parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
        return mtime <= t
    return False


# ---- lifetime: SIGTERM, parent death, idle exit, max requests ------------------------

def stop(state, why):
    if state.stopping.is_set():
        return
    state.stopping.set()
    if state.args.verbose:
        sys.stderr.write("lwserve: stopping: %s\n" % why)
    threading.Thread(target=state.httpd.shutdown, daemon=True).start()


def set_pdeathsig():
    """Linux: SIGTERM us when the parent dies. Polling covers other cases."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def watchdog(state, parent):
    idle = state.args.idle_exit
    while not state.stopping.wait(0.25):
        if parent > 1 and os.getppid() != parent:
            stop(state, "parent %d died" % parent)
        with state.lock:
            quiet = state.inflight == 0 and time.monotonic() - state.last_activity > idle
        if idle and quiet:
            stop(state, "idle for %g s" % idle)


def main():
    ap = argparse.ArgumentParser(description="Test HTTP server for lurewatch (127.0.0.1 only).")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT,
                    help="port on 127.0.0.1 (0: pick a free one; default %d)" % DEFAULT_PORT)
    ap.add_argument("--root", default=DEFAULT_ROOT, help="folder to serve (default sample/site)")
    ap.add_argument("root_pos", nargs="?", metavar="ROOT", help="same as --root")
    ap.add_argument("--log", help="append one JSON object per request to this file")
    ap.add_argument("--delay-ms", type=int, default=0, help="add this latency to every response")
    ap.add_argument("--max-requests", type=int, default=0, help="exit after this many requests")
    ap.add_argument("--idle-exit", type=float, default=900.0,
                    help="exit after this many seconds without requests (0: never; default 900)")
    ap.add_argument("--robots-status", type=int, default=0, help="/robots.txt answers this status")
    ap.add_argument("--robots-file", help="serve this file as /robots.txt")
    ap.add_argument("--no-gzip", dest="gzip", action="store_false", help="never compress")
    ap.add_argument("--no-rewrite", action="store_true",
                    help="do not rewrite %s to the real port in served text" % SITE_ORIGIN.decode())
    ap.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")
    args = ap.parse_args()
    if args.root_pos:
        args.root = args.root_pos
    args.root = os.path.realpath(args.root)
    if not os.path.isdir(args.root):
        ap.error("no such folder: %s" % args.root)
    if args.robots_status and not 100 <= args.robots_status <= 599:
        ap.error("bad --robots-status %d" % args.robots_status)
    if args.robots_status == 200 and not args.robots_file:
        args.robots_status = 0
    if args.robots_file and not args.robots_status:
        args.robots_status = 200
    if args.robots_file and not os.path.isfile(args.robots_file):
        ap.error("no such file: %s" % args.robots_file)

    parent = os.getppid()
    set_pdeathsig()
    state = State(args)
    Handler.state = state
    try:
        httpd = Server((HOST, args.port), Handler)
    except OSError as e:
        sys.stderr.write("lwserve: cannot listen on %s:%d: %s\n" % (HOST, args.port, e.strerror))
        return 1
    state.httpd = httpd
    state.port = httpd.server_address[1]
    signal.signal(signal.SIGTERM, lambda *_: stop(state, "SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: stop(state, "SIGINT"))
    sys.stdout.write("PORT=%d\n" % state.port)
    sys.stdout.write("lwserve: serving %s at http://%s:%d/\n" % (args.root, HOST, state.port))
    sys.stdout.flush()
    threading.Thread(target=watchdog, args=(state, parent), daemon=True).start()
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
        if state.log:
            state.log.close()
    sys.stdout.flush()
    os._exit(0)  # daemon threads may still sit in a stall; do not wait for them


if __name__ == "__main__":
    sys.exit(main())

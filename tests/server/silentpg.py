#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A PostgreSQL impostor that never answers: it listens on the Unix socket
DIR/.s.PGSQL.PORT, accepts every connection, reads and drops what it is sent,
and never writes a byte, like a server frozen or wedged after accept. Used
by tests/cli/t1326 to check that lurewatch times out instead of hanging.

usage: silentpg.py --socket-dir DIR [--port 5432] [--idle-exit SECONDS]
Prints "ready PATH" once listening; removes its socket on SIGTERM or exit.
"""
import argparse
import os
import selectors
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket-dir", required=True)
    ap.add_argument("--port", type=int, default=5432)
    ap.add_argument("--idle-exit", type=float, default=120,
                    help="exit after this many seconds in all, so a failed test leaves nothing behind")
    a = ap.parse_args()
    path = os.path.join(a.socket_dir, ".s.PGSQL.%d" % a.port)
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o777)
    srv.listen(64)
    srv.setblocking(False)

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    held = []
    print("ready", path, flush=True)
    end = time.monotonic() + a.idle_exit
    try:
        while time.monotonic() < end:
            for key, _ in sel.select(timeout=0.5):
                if key.fileobj is srv:
                    try:
                        c, _ = srv.accept()
                    except BlockingIOError:
                        continue
                    c.setblocking(False)
                    held.append(c)
                    sel.register(c, selectors.EVENT_READ)
                else:
                    # Read the startup packet and whatever follows; answer nothing.
                    try:
                        data = key.fileobj.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        sel.unregister(key.fileobj)
                        key.fileobj.close()
                        held.remove(key.fileobj)
    finally:
        for c in held:
            c.close()
        srv.close()
        try:
            os.unlink(path)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

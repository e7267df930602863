#!/usr/bin/env python3
"""An HTTP/1.1 keep-alive upstream that answers every request 200 "ok"
after DELAY_MS, reads (and discards) a Content-Length body, and logs each
request line to LOG. With STALL_AT and STALL_FOR (seconds), every request
that arrives between STALL_AT and STALL_AT + STALL_FOR after the first one
is held until the stall ends: the service stalls mid-run.

usage: delay_upstream.py LOG DELAY_MS [STALL_AT STALL_FOR]
(prints "PORT <n>" once it listens)
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pyserve import serve_forever  # noqa: E402

LOG = sys.argv[1]
DELAY = float(sys.argv[2]) / 1000.0
STALL_AT = float(sys.argv[3]) if len(sys.argv) > 4 else None
STALL_FOR = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
lock = threading.Lock()
first = []
open(LOG, "wb").close()


def serve(c):
    buf = b""
    with c:
        while True:
            while b"\r\n\r\n" not in buf:
                try:
                    d = c.recv(65536)
                except OSError:
                    return
                if not d:
                    return
                buf += d
            head, buf = buf.split(b"\r\n\r\n", 1)
            now = time.monotonic()
            with lock:
                if not first:
                    first.append(now)
                with open(LOG, "ab") as f:
                    f.write(head + b"\r\n\r\n")
            clen = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    clen = int(v.strip())
            while len(buf) < clen:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            body, buf = buf[:clen], buf[clen:]
            if clen:
                with lock, open(LOG, "ab") as f:
                    f.write(body + b"\n")
            wait = DELAY
            if STALL_AT is not None:
                t = now - first[0]
                if STALL_AT <= t < STALL_AT + STALL_FOR:
                    wait = max(wait, STALL_AT + STALL_FOR - t)
            time.sleep(wait)
            try:
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
            except OSError:
                return


serve_forever(serve)

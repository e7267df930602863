#!/usr/bin/env python3
"""An upstream that appends every byte it receives to LOG and answers each
request head with 200 "ok" (bodies are not parsed: the framing tests send
it nothing they expect to be forwarded but plain GETs).

usage: log_upstream.py LOG   (prints "PORT <n>" once it listens)
"""
import socket
import sys
import threading

LOG = sys.argv[1]
lock = threading.Lock()


def serve(c):
    buf = b""
    with c:
        while True:
            try:
                d = c.recv(65536)
            except OSError:
                return
            if not d:
                return
            with lock, open(LOG, "ab") as f:
                f.write(d)
            buf += d
            while b"\r\n\r\n" in buf:
                _, buf = buf.split(b"\r\n\r\n", 1)
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(128)
open(LOG, "wb").close()
print("PORT", s.getsockname()[1], flush=True)
while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()

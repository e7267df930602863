#!/usr/bin/env python3
"""An upstream that appends every byte it receives to LOG and answers each
request head with 200 "ok" (bodies are not parsed: the framing tests send
it nothing they expect to be forwarded but plain GETs). A request for
/big/<n> gets a head with an X-Big field of n bytes of value besides.

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
                head, buf = buf.split(b"\r\n\r\n", 1)
                target = (head.split(b" ", 2) + [b""])[1]
                big = b""
                if target.startswith(b"/big/"):
                    big = b"X-Big: " + b"b" * int(target[5:]) + b"\r\n"
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n" + big + b"\r\nok\n")


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(128)
open(LOG, "wb").close()
print("PORT", s.getsockname()[1], flush=True)
while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()

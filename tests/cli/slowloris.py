#!/usr/bin/env python3
"""Slowloris against the proxy (issue 14): 2,000 connections that never
finish their request head, from 127.0.0.1 to 127.0.0.8, must not stop
legitimate requests, and the proxy closes them once their head has taken
10 s.

usage: slowloris.py PROXY_HOST:PORT
Checks: while they are open, 20 normal requests (from 127.0.0.1, like a
quarter of the partial ones) each get 200 within 2 s; within 14 s of being
opened every partial connection is closed by the proxy; every test socket
is closed at the end. Exits 1 on any failure.
"""
import select
import socket
import sys
import time

HOST, PORT = sys.argv[1].rsplit(":", 1)
PORT = int(PORT)
N = 2000
failures = []
partial = []
t_open = time.monotonic()
try:
    for i in range(N):
        s = socket.socket()
        s.bind(("127.0.0.%d" % (1 + i % 8), 0))
        s.settimeout(5)
        s.connect((HOST, PORT))
        s.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\nX-A: ")
        partial.append(s)
    opened = time.monotonic() - t_open
    worst = 0.0
    for _ in range(20):
        t0 = time.monotonic()
        c = socket.create_connection((HOST, PORT), timeout=5)
        try:
            c.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                d = c.recv(65536)
                if not d:
                    break
                data += d
        except socket.timeout:
            pass
        finally:
            c.close()
        dt = time.monotonic() - t0
        worst = max(worst, dt)
        if not data.startswith(b"HTTP/1.1 200") or dt > 2.0:
            failures.append("normal request with %d partial connections: %.2f s, %r" % (N, dt, data[:60]))
            break
    print("opened %d partial connections in %.1f s; worst normal request %.0f ms" % (N, opened, worst * 1000))
    # the head time box: every partial connection is closed by the proxy
    left = {s.fileno(): s for s in partial}
    poll = select.poll()
    for fd in left:
        poll.register(fd, select.POLLIN)
    deadline = t_open + 14 + opened
    while left and time.monotonic() < deadline:
        for fd, _ in poll.poll(500):
            try:
                gone = not left[fd].recv(4096)
            except OSError:
                gone = True
            if gone:
                poll.unregister(fd)
                del left[fd]
    if left:
        failures.append("%d partial connections still open after %.0f s" % (len(left), time.monotonic() - t_open))
finally:
    for s in partial:
        s.close()
    print("closed %d test sockets" % len(partial))

for f in failures:
    print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else 0)

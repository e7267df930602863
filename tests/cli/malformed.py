#!/usr/bin/env python3
"""Malformed and hostile clients against a running proxy, over raw sockets.

usage: malformed.py PROXY_HOST:PORT
Each case sends bytes a real client might (or an attacker would), then
checks the answer is a clean 4xx or a closed connection, never a hang or a
5xx from the proxy itself, and that a well-formed request on a fresh
connection still works afterwards. Prints one line per case; exits 1 on any
failure. Bounded: every socket operation has a timeout.
"""
import socket
import sys
import threading
import time

HOST, PORT = sys.argv[1].rsplit(":", 1)
PORT = int(PORT)
failures = []


def connect():
    s = socket.create_connection((HOST, PORT), timeout=5)
    s.settimeout(5)
    return s


def read_all(s, limit=1 << 20):
    data = b""
    try:
        while len(data) < limit:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data and b"Content-Length: 0" in data:
                break
    except socket.timeout:
        pass
    except (ConnectionResetError, BrokenPipeError):
        pass
    return data


def status_of(data):
    if not data.startswith(b"HTTP/1."):
        return None
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def healthy(label):
    s = connect()
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = read_all(s)
    s.close()
    if status_of(data) != 200:
        failures.append("%s: proxy not serving afterwards (%r)" % (label, data[:80]))


def case(label, payload, allowed=(400, 413, 414, 431, 501, 505), chunks=None):
    s = connect()
    try:
        if chunks:
            for c in chunks:
                s.sendall(c)
        else:
            s.sendall(payload)
    except (ConnectionResetError, BrokenPipeError):
        pass
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    data = read_all(s)
    s.close()
    st = status_of(data)
    if data and st is None:
        failures.append("%s: not HTTP: %r" % (label, data[:80]))
    elif st is not None and st not in allowed:
        failures.append("%s: status %d, want one of %s or a close" % (label, st, allowed))
    print("%-32s -> %s" % (label, st if st is not None else "closed"))
    healthy(label)


case("bad request line", b"THIS IS NOT HTTP\r\n\r\n")
case("bad version", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n")
case("no host header (HTTP/1.1)", b"GET /health HTTP/1.1\r\n\r\n", allowed=(400, 200))
case("headers over 64 KiB", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (70 * 1024) + b"\r\n\r\n")
case("header line without colon", b"GET / HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n")
case("invalid chunked encoding",
     b"POST /orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nhello\r\n0\r\n\r\n")
case("NUL byte in the path", b"GET /users/\x00/x HTTP/1.1\r\nHost: x\r\n\r\n")
case("garbage after a valid request",
     b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n\x01\x02\x03garbage\r\n\r\n", allowed=(200, 400))
case("content-length mismatch (short body)",
     b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort", allowed=(400, 408, 201, 502))
case("negative content-length", b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
case("both content-length and chunked",
     b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     allowed=(400,))

# A slow client dribbling one byte at a time must not stall anyone else.
slow_done = threading.Event()


def slow():
    s = connect()
    req = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    try:
        for b in req:
            s.sendall(bytes([b]))
            time.sleep(0.05)
        read_all(s)
    except OSError:
        pass
    s.close()
    slow_done.set()


t = threading.Thread(target=slow)
t.start()
time.sleep(0.2)
worst = 0.0
for i in range(20):
    t0 = time.monotonic()
    healthy("while a slow client dribbles")
    worst = max(worst, time.monotonic() - t0)
t.join(10)
print("%-32s -> worst %.1f ms for a normal request meanwhile" % ("slow client, byte at a time", worst * 1000))
if worst > 2.0:
    failures.append("slow client stalled others: %.1f s" % worst)

for f in failures:
    print("FAIL: " + f, file=sys.stderr)
sys.exit(1 if failures else 0)

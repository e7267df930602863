#!/usr/bin/env python3
"""Sends one GET with a request head of exactly SIZE bytes to the proxy at
HOST:PORT, over a raw socket: "GET PATH HTTP/1.1", Host, then a Cookie of
many name=value pairs and an Authorization: Bearer token, splitting what
is left between them (3:1), each line ending in CRLF, then the empty line.
Writes the Cookie and Authorization lines it sent to OUT (for comparison
with what the upstream got) and prints "STATUS <code> CLOSED <0|1>" and
the body's first line; CLOSED is 1 when the proxy closed the connection
after the response.

usage: heads_client.py HOST:PORT PATH SIZE OUT
"""
import socket
import sys

host, port = sys.argv[1].rsplit(":", 1)
path, size, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
line = b"GET %s HTTP/1.1\r\n" % path.encode()
hostf = b"Host: %s\r\n" % sys.argv[1].encode()
fixed = len(line) + len(hostf) + len(b"Cookie: \r\n") + len(b"Authorization: Bearer \r\n") + 2
left = size - fixed
assert left > 64, "SIZE too small"
cookie_len = left * 3 // 4
pairs, i = [], 0
while sum(len(p) + 2 for p in pairs) < cookie_len:
    pairs.append("c%d=%s" % (i, "v" * 40))
    i += 1
cookie = "; ".join(pairs).encode()[:cookie_len].rstrip(b"; =")
cookie += b"v" * (cookie_len - len(cookie))
token = (b"eyJ" + b"A" * left)[: left - cookie_len]
fields = b"Cookie: " + cookie + b"\r\n" + b"Authorization: Bearer " + token + b"\r\n"
head = line + hostf + fields + b"\r\n"
assert len(head) == size, (len(head), size)
with open(out, "wb") as f:
    f.write(fields)
s = socket.create_connection((host, int(port)), timeout=20)
s.sendall(head)
resp = b""
while b"\r\n\r\n" not in resp:
    d = s.recv(65536)
    if not d:
        break
    resp += d
rhead, _, body = resp.partition(b"\r\n\r\n")
status = int(rhead.split(b" ")[1]) if rhead.startswith(b"HTTP/1.1 ") else 0
cl = 0
for h in rhead.split(b"\r\n")[1:]:
    k, _, v = h.partition(b":")
    if k.strip().lower() == b"content-length":
        cl = int(v)
while len(body) < cl:
    d = s.recv(65536)
    if not d:
        break
    body += d
s.settimeout(5)
try:
    closed = 1 if s.recv(1) == b"" else 0
except socket.timeout:
    closed = 0
except OSError:
    closed = 1
print("STATUS", status, "CLOSED", closed)
print(body.decode(errors="replace").split("\n")[0])

#!/usr/bin/env python3
"""A scripted faulty upstream (tests/cli/upstream-retry.sh).

Listens on 127.0.0.1 (free port, printed as "PORT n") and prints
"REQ <method> <target> <body bytes>" for every request it has read whole,
before acting on it, so the test counts executions. Keep-alive; each
connection in a thread. What it does depends on the target:

  /close-nohead/...  reads the request, then closes without a byte
  /head-then-close   head with Content-Length: 1000 and 10 body bytes,
                     then closes, all in one write
  /bad-chunk         chunked head and an invalid chunk-size line in one
                     write, then keeps the connection open
  /bad-chunk-later   the same with 0.3 s between the head and the chunk
  /bighead/<n>       a 200 whose head carries about n KiB of header fields
  /post...           200 with a short body; then, like real servers with
                     short keep-alive timeouts, closes the connection right
                     away one time in five, otherwise after 30-60 ms idle
  anything else      200 "ok"
"""
import random
import socket
import sys
import threading
import time

from pyserve import serve_forever

out_lock = threading.Lock()


def response(body, extra=b""):
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def recv_until(conn, buf, done):
    """Reads into buf until done(buf); None at EOF before that."""
    while not done(buf):
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    return buf


def read_request(conn, buf):
    """Returns (method, target, body, rest) or None at EOF."""
    buf = recv_until(conn, buf, lambda b: b"\r\n\r\n" in b)
    if buf is None:
        return None
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    method, target = lines[0].split(b" ")[:2]
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        elif name.strip().lower() == b"transfer-encoding":
            chunked = True
    # chunked: up to the last chunk, keep it simple: no trailers
    end = (lambda b: b"0\r\n\r\n" in b) if chunked else (lambda b: len(b) >= length)
    buf = recv_until(conn, buf, end)
    if buf is None:
        return None
    if chunked:
        body, buf = buf.split(b"0\r\n\r\n", 1)
    else:
        body, buf = buf[:length], buf[length:]
    return method.decode(), target.decode(), body, buf


def serve(conn):
    buf = b""
    idle = None
    try:
        while True:
            conn.settimeout(idle if idle is not None else 30)
            try:
                req = read_request(conn, buf)
            except socket.timeout:
                return  # idle keep-alive timeout: close
            if req is None:
                return
            method, target, body, buf = req
            with out_lock:  # one whole line at a time from the threads
                sys.stdout.write("REQ %s %s %d\n" % (method, target, len(body)))
                sys.stdout.flush()
            idle = None
            if target.startswith("/close-nohead"):
                return
            if target.startswith("/head-then-close"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
                return
            if target.startswith("/bad-chunk"):
                head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                if target.startswith("/bad-chunk-later"):
                    conn.sendall(head)
                    time.sleep(0.3)
                    head = b""
                conn.sendall(head + b"zz\r\nhello\r\n")
                conn.settimeout(30)
                while conn.recv(4096):
                    pass
                return
            if target.startswith("/bighead/"):
                kib = int(target.split("/")[2])
                fields = b"".join(b"X-Big-%d: %s\r\n" % (i, b"v" * 1000) for i in range(kib))
                conn.sendall(response(b"big", fields))
                continue
            if target.startswith("/post"):
                if random.random() < 0.2:
                    # the FIN in the same segment as the response, as from
                    # a server that closes right behind it
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
                    conn.sendall(response(b"posted"))
                    conn.shutdown(socket.SHUT_WR)
                    return
                conn.sendall(response(b"posted"))
                idle = random.uniform(0.03, 0.06)
                continue
            conn.sendall(response(b"ok"))
    except OSError:
        pass
    finally:
        conn.close()


random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else None)
serve_forever(serve)

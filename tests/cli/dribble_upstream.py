#!/usr/bin/env python3
"""An upstream that answers one byte at a time (tests/cli/upstream-faults.sh).

Listens on 127.0.0.1 (free port, printed as "PORT n"), reads each request
head, then writes a fixed keep-alive response byte by byte with a short
pause between bytes. Serves until killed; each connection in a thread.
"""
import time

from pyserve import serve_forever

BODY = b'{"slow": "but complete", "n": 1234567890}'
RESP = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY)) + BODY


def serve(conn):
    conn.settimeout(30)
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buf += chunk
            buf = buf.split(b"\r\n\r\n", 1)[1]
            for i in range(len(RESP)):
                conn.sendall(RESP[i:i + 1])
                time.sleep(0.002)
    except OSError:
        pass
    finally:
        conn.close()


serve_forever(serve)

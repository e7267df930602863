#!/usr/bin/env python3
"""A small users/orders JSON service for the demo and the CLI tests.

Listens on 127.0.0.1 (port 0 = any free port), prints "PORT <n>" on stdout
once it accepts, serves HTTP/1.1 with keep-alive. Latency per route comes
from --delay ROUTE=MS (repeatable; ROUTE is a prefix such as /users; a
later one for the same ROUTE replaces the earlier), with
+-10 % jitter, so a test or the demo can make one route slower;
--burn ROUTE=MS burns MS of CPU time per request (a busy loop measured
with time.thread_time, not a sleep) and --leak ROUTE=KIB keeps KIB of
memory per request, for the tests of the service's own cost;
--burst ROUTE=MS:N adds MS to only the first N requests of ROUTE (a
slowdown that passes, as a cold cache or a neighbour's burst would).
"""
import argparse
import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LEAKED = []  # --leak keeps what it allocates here


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--delay", action="append", default=[], help="PREFIX=MS")
    ap.add_argument("--burst", action="append", default=[], help="PREFIX=MS:N")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--burn", action="append", default=[], help="PREFIX=MS of CPU")
    ap.add_argument("--leak", action="append", default=[], help="PREFIX=KIB kept")
    args = ap.parse_args()
    burns = [(p, float(v)) for p, v in (b.split("=", 1) for b in args.burn)]
    leaks = [(p, int(v)) for p, v in (b.split("=", 1) for b in args.leak)]
    by_prefix = {}  # a later --delay for the same prefix replaces the earlier
    for d in args.delay:
        prefix, ms = d.split("=", 1)
        by_prefix[prefix] = float(ms)
    delays = sorted(by_prefix.items(), key=lambda x: -len(x[0]))
    rnd = random.Random(args.seed)
    bursts = []  # [prefix, ms, requests left]
    for d in args.burst:
        prefix, spec = d.split("=", 1)
        ms, n = spec.split(":", 1)
        bursts.append([prefix, float(ms), int(n)])
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one response, no 40 ms delayed-ACK stall

        def log_message(self, *a):
            pass

        def _delay(self, path):
            for prefix, ms in burns:
                if path.startswith(prefix):
                    end = time.thread_time() + ms / 1000.0
                    while time.thread_time() < end:
                        pass
            for prefix, kib in leaks:
                if path.startswith(prefix):
                    LEAKED.append(bytearray(b"x" * (kib * 1024)))
            extra = 0.0
            with lock:
                for b in bursts:
                    if path.startswith(b[0]) and b[2] > 0:
                        b[2] -= 1
                        extra += b[1]
            if extra:
                time.sleep(extra / 1000.0)
            for prefix, ms in delays:
                if path.startswith(prefix):
                    time.sleep(ms * rnd.uniform(0.9, 1.1) / 1000.0)
                    return

        def _send(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            self._delay(path)
            parts = [p for p in path.split("/") if p]
            if path == "/health":
                return self._send(200, {"ok": True})
            if parts[:1] == ["users"] and len(parts) == 1:
                return self._send(200, [{"id": i} for i in range(1, 21)])
            if parts[:1] == ["users"] and len(parts) == 2:
                if parts[1] == "me":
                    return self._send(200, {"id": 1, "me": True})
                if not parts[1].isdigit() or int(parts[1]) > 1000:
                    return self._send(404, {"error": "no such user"})
                return self._send(200, {"id": int(parts[1]), "name": "user" + parts[1]})
            if parts[:1] == ["orders"] and len(parts) == 2:
                return self._send(200, {"order": parts[1], "items": [1, 2, 3]})
            return self._send(404, {"error": "not found"})

        do_HEAD = do_GET

        def do_POST(self):
            path = self.path.split("?", 1)[0]
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            self._delay(path)
            if path == "/orders":
                return self._send(201, {"created": True, "bytes": len(body)})
            return self._send(404, {"error": "not found"})

    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""bench-client.py PORT N [PATH [NAME:VALUE ...]] - the benchmark scripts'
keep-alive client: one HTTP/1.1 connection to 127.0.0.1:PORT (retried for
up to 60 s while the server starts), N GET requests of PATH (default
/users/1; a %d in it becomes the request's index) with the headers given,
each response read whole. Exits non-zero naming the status of the first
response that is not 200."""
import http.client
import sys
import time

port, n = int(sys.argv[1]), int(sys.argv[2])
path = sys.argv[3] if len(sys.argv) > 3 else "/users/1"
headers = dict(h.split(":", 1) for h in sys.argv[4:])
headers = {k.strip(): v.strip() for k, v in headers.items()}
deadline = time.monotonic() + 60
while True:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.connect()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("bench-client: nothing answers on port %d" % port)
        time.sleep(0.1)
for i in range(n):
    c.request("GET", path % i if "%d" in path else path, headers=headers)
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("status %d" % r.status)

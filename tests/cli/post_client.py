#!/usr/bin/env python3
"""POSTs with a body through the proxy (tests/cli/upstream-retry.sh):
THREADS clients, each on one keep-alive connection, N requests each, with
random gaps, some as long as faulty_upstream.py keeps idle connections
open. Usage: post_client.py THREADS N. Prints the count of each status;
exits 1 unless all were 200."""
import collections
import http.client
import os
import random
import sys
import threading
import time
import urllib.parse

url = urllib.parse.urlparse(os.environ["E2E_PROXY_URL"])
threads, n = int(sys.argv[1]), int(sys.argv[2])
seen = collections.Counter()
lock = threading.Lock()


def client(t):
    rnd = random.Random(t)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    for i in range(n):
        if i == 1:
            time.sleep(0.1)  # the upstream has closed an idle one by now
        conn.request("POST", "/post/%d" % i, body=b'{"n": %d}' % i, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        with lock:
            seen[resp.status] += 1
        if resp.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        # back to back, or about as long as the upstream keeps idle ones open
        time.sleep(rnd.choice((0, 0.002, rnd.uniform(0.03, 0.06))))


ts = [threading.Thread(target=client, args=(t,)) for t in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(" ".join("%d:%d" % kv for kv in sorted(seen.items())))
sys.exit(0 if seen[200] == threads * n else 1)

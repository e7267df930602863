#!/usr/bin/env python3
"""Writes a deterministic HAR 1.2 file from a compact spec (CLI tests and
tests/fixtures/store-v2/make.sh).

    make_har.py OUT.har SEED METHOD:PATH:COUNT[:MS]...

Each METHOD:PATH:COUNT adds COUNT entries of that request (PATH may end in
"+N": N distinct paths PATH0, PATH1, ... in turn), its latencies around MS
when given (the change point tests set them run by run). Entries are interleaved
round-robin, start 10 ms apart, answer 200 (201 for POST, 204 for DELETE)
with latencies from a fixed-seed generator (lognormal around 5-40 ms).
"""
import json
import math
import random
import sys


def main():
    out, seed, specs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    rng = random.Random(seed)
    reqs = []
    for spec in specs:
        method, path, count, *ms = spec.split(":")
        variants = [path]
        if "+" in path:
            base, n = path.rsplit("+", 1)
            variants = [base + str(i) for i in range(int(n))]
        base_ms = float(ms[0]) if ms else 5 + 35 * rng.random()
        reqs.append([method, variants, int(count), base_ms, 0])
    entries = []
    t_ms = 0
    while any(r[4] < r[2] for r in reqs):
        for r in reqs:
            method, variants, count, base_ms, done = r
            if done >= count:
                continue
            r[4] += 1
            wait = round(base_ms * math.exp(0.4 * rng.gauss(0, 1)), 3)
            status = {"POST": 201, "DELETE": 204}.get(method, 200)
            size = 0 if status == 204 else 100 + rng.randrange(4000)
            t_ms += 10
            entries.append({
                "startedDateTime": "2024-05-01T12:%02d:%02d.%03dZ" % (t_ms // 60000 % 60, t_ms // 1000 % 60, t_ms % 1000),
                "time": round(wait + 1.5, 3),
                "request": {"method": method, "url": "http://api.test" + variants[done % len(variants)],
                            "httpVersion": "HTTP/1.1", "headers": [], "queryString": [], "cookies": [],
                            "headersSize": -1, "bodySize": 64 if method == "POST" else 0},
                "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [],
                             "cookies": [], "content": {"size": size, "mimeType": "application/json"},
                             "redirectURL": "", "headersSize": -1, "bodySize": size},
                "cache": {},
                "timings": {"blocked": -1, "dns": -1, "connect": -1, "send": 0.5, "wait": wait, "receive": 1},
            })
    har = {"log": {"version": "1.2", "creator": {"name": "make_har.py", "version": "1"},
                   "pages": [], "entries": entries}}
    with open(out, "w") as f:
        json.dump(har, f, separators=(",", ":"))
        f.write("\n")


main()

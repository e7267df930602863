#!/usr/bin/env bash
# The sampler's own overhead: a python service with THREADS idle threads
# (default 200) sampled at HZ (default 100) for SECONDS (default 10), ROUNDS
# times (default 3). Prints each round's sampler CPU time as a share of one
# CPU (what the run's resources section reports), their median, and the
# load average, since a loaded machine slows every /proc read. A benchmark,
# not a test: it prints figures and never fails on them.
#
#   tools/bench-sampler.sh [BUILD_DIR] [THREADS] [HZ] [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
THREADS=${2:-200}
HZ=${3:-100}
SECONDS_=${4:-10}
ROUNDS=${5:-3}
case $BUILD in /*) E2E=$BUILD/e2e ;; *) E2E=$(pwd)/$BUILD/e2e ;; esac
[ -x "$E2E" ] || { echo "bench-sampler: build first (ninja -C $BUILD)" >&2; exit 2; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/e2e-bench-smp.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print($2)" "$1"; }

cat >"$DIR/threads.py" <<PY
import sys, threading, time
from http.server import BaseHTTPRequestHandler, HTTPServer
for _ in range($THREADS - 1):
    threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
class H(BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.send_response(200); self.end_headers()
    do_GET = do_HEAD
    def log_message(self, *a): pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$ROUNDS"); do
  P=$(port)
  timeout 120 "$E2E" perf-profile -s bench-threads --db "$DIR/p.db" --target "http://127.0.0.1:$P" -q -f json \
    --out "$DIR/t$i.json" --serve "exec python3 $DIR/threads.py $P" --sample-hz "$HZ" --duration "${SECONDS_}s"
  pct=$(json "$DIR/t$i.json" 'r["resources"]["sampler_cpu_pct"]')
  echo "$pct" >>"$DIR/pcts"
  n=$(json "$DIR/t$i.json" 'r["resources"]["samples"]')
  # per sample too: a loaded machine also drops ticks, which lowers the share
  echo "round $i: $pct % of one CPU ($(json "$DIR/t$i.json" 'r["resources"]["threads_peak"]') threads," \
    "$n samples, $(python3 -c "import sys; print(round(float(sys.argv[1]) / 100 * float(sys.argv[2]) * 1e6 / float(sys.argv[3]), 1))" "$pct" "$SECONDS_" "$n") us per sample)"
done
echo "sampler overhead, ${THREADS}-thread service at $HZ Hz: median" \
  "$(sort -g "$DIR/pcts" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}') % of one CPU"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Is CPU per request a steadier gate metric than latency on a noisy runner?
# Runs the demo service (one endpoint burning 5 ms of CPU per request)
# under `e2e perf-profile --serve` RUNS times; a CPU hog (one busy process
# per core) runs during every other run. Prints each run's p50 latency and
# CPU ms per request of that endpoint, then the run-to-run coefficient of
# variation (stddev / mean) of both side by side. Then the sampler's own
# overhead (tools/bench-sampler.sh, one round). A benchmark, not a test:
# it prints figures and never fails on them. Each run is bounded (300 s)
# and the hogs are ended by their PIDs.
#
#   tools/bench-resources.sh [BUILD_DIR] [RUNS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RUNS=${2:-10}
REQUESTS=${3:-100}
E2E=$(pwd)/$BUILD/e2e
[ -x "$E2E" ] || { echo "bench-resources: build first (ninja -C $BUILD)" >&2; exit 2; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/e2e-bench-res.XXXXXX")
HOGS=()
stop_hogs() { for p in "${HOGS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; HOGS=(); }
trap 'stop_hogs; rm -rf "$DIR"' EXIT
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print($2)" "$1"; }

printf '%-4s %-4s %12s %16s\n' run hog "p50 ms" "CPU ms/request"
for i in $(seq 1 "$RUNS"); do
  hog=no
  if [ $((i % 2)) = 0 ]; then
    hog=yes
    for _ in $(seq 1 "$(nproc)"); do python3 -c 'while True: pass' & HOGS+=($!); done
  fi
  P=$(port)
  if ! timeout 300 "$E2E" perf-profile -s bench-res --db "$DIR/p.db" --target "http://127.0.0.1:$P" -q -f json --out "$DIR/r$i.json" \
    --serve "exec python3 demo/service.py --port $P --burn /orders=5" --serve-timeout 180s -- \
    sh -c "for i in \$(seq 1 $REQUESTS); do curl -s \"\$E2E_PROXY_URL/orders/\$i\" >/dev/null; done"; then
    stop_hogs
    printf '%-4s %-4s %12s %16s\n' "$i" "$hog" failed failed
    continue
  fi
  stop_hogs
  p50=$(json "$DIR/r$i.json" 'r["endpoints"]["GET /orders/{id}"]["p50_latency_ms"]')
  cpu=$(json "$DIR/r$i.json" '[e["cpu_ms_per_request"] for e in r["resources"]["endpoints"] if e["endpoint"] == "GET /orders/{id}"][0]')
  printf '%-4s %-4s %12s %16s\n' "$i" "$hog" "$p50" "$cpu"
  echo "$p50 $cpu" >>"$DIR/figures"
done
python3 - "$DIR/figures" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
for name, col in (("p50 latency", 0), ("CPU per request", 1)):
    v = [r[col] for r in rows]
    print("CoV of %-16s %5.1f %%  (mean %.2f ms)" % (name + ":", 100 * statistics.stdev(v) / statistics.mean(v), statistics.mean(v)))
PY

# the sampler's overhead: 200 idle threads, 100 Hz, 10 s
tools/bench-sampler.sh "$BUILD" 200 100 10 1

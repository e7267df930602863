#!/usr/bin/env bash
# The figures of --profile-cpu (SPEC section 12):
# 1. profiling overhead on the service: the C demo service
#    (tests/cpu_service.c: GET /hot burns CPU in hot_function) answers
#    REQUESTS serial requests under `e2e perf-profile --serve`, ROUNDS
#    times without and ROUNDS times with --profile-cpu at 99 Hz,
#    alternating; prints the median service CPU time per request of each
#    (the service's own cost, from /proc via --serve's sampler) and the
#    overhead between them;
# 2. folding 1,000,000 perf script samples, the flame graph SVG and the
#    speedscope file of 5,000 stacks (build/tools/fold-bench), and a
#    headless Chromium screenshot of that SVG.
# A benchmark, not a test: it prints figures and never fails on them.
#
#   tools/bench-cpuprof.sh [BUILD_DIR] [ROUNDS] [REQUESTS] [SAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ROUNDS=${2:-5}
REQUESTS=${3:-200}
SAMPLES=${4:-1000000}
E2E=$(pwd)/$BUILD/e2e
SVC=$(pwd)/$BUILD/tests/cpu-service
[ -x "$E2E" ] && [ -x "$SVC" ] || { echo "bench-cpuprof: build first (ninja -C $BUILD)" >&2; exit 2; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/e2e-bench-cpu.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
echo "load: $(uptime)"

# one_run [--profile-cpu]: the service's CPU ms per request of GET /hot
one_run() {
  local p
  p=$(port)
  "$E2E" perf-profile -q -s bench --db "$DIR/p.db" --target "http://127.0.0.1:$p" --serve "$SVC $p" \
    -f json --out "$DIR/r.json" "$@" -- \
    sh -c "for i in \$(seq $REQUESTS); do curl -s \"\$E2E_PROXY_URL/hot\" >/dev/null; done" 2>/dev/null
  python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
res = r.get('resources') or r['runs'][0].get('resources')
print(res['cpu_ms_per_request'])" "$DIR/r.json"
}
off=() on=()
for i in $(seq 1 "$ROUNDS"); do
  off+=("$(one_run)")
  on+=("$(one_run --profile-cpu --profile-hz 99)")
  printf 'round %d: CPU ms per request without %s, with --profile-cpu %s\n' "$i" "${off[-1]}" "${on[-1]}"
done
python3 - "${off[*]}" "${on[*]}" <<'PY'
import statistics, sys
off = [float(x) for x in sys.argv[1].split()]
on = [float(x) for x in sys.argv[2].split()]
a, b = statistics.median(off), statistics.median(on)
print(f"overhead at 99 Hz: median CPU per request {a:.3f} ms without, {b:.3f} ms with: {100 * (b - a) / a:+.1f}% (limit 5%)")
PY

"$BUILD/tools/fold-bench" "$SAMPLES" "$DIR/5000.svg"
if command -v chromium >/dev/null; then
  timeout 120 chromium --headless --no-sandbox --disable-gpu --window-size=1200,800 \
    --screenshot="$DIR/5000.png" "file://$DIR/5000.svg" >/dev/null 2>&1 || true
  [ -s "$DIR/5000.png" ] && echo "chromium: rendered the 5,000-stack SVG ($(stat -c %s "$DIR/5000.png") bytes of PNG)" ||
    echo "chromium: no screenshot"
fi
echo "load: $(uptime)"

#!/usr/bin/env bash
# The README's first quick-start command: installs what is missing, builds,
# then runs a real demo: a local JSON service, a small curl suite proxied by
# `e2e perf-profile`, a report, a baseline from 3 runs, and a run with one
# endpoint made slower that the gate catches. Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
if [ ! -d build/meson-private ]; then meson setup build >/dev/null; fi
ninja -C build >/dev/null

ROOT=$PWD
E2E=$ROOT/build/e2e
WORK=$(mktemp -d /tmp/e2e-demo.XXXXXX)
SVC_PID=""
stop_service() {
  if [ -n "$SVC_PID" ]; then kill "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; SVC_PID=""; fi
}
trap 'stop_service; rm -rf "$WORK"' EXIT

# start_service [--delay PREFIX=MS ...]: the demo service on a free port
start_service() {
  stop_service
  local out
  out=$(mktemp "$WORK/svc.XXXXXX")
  python3 "$ROOT/demo/service.py" --port 0 --delay /users=4 --delay /orders=6 --delay /health=1 "$@" >"$out" 2>&1 &
  SVC_PID=$!
  for _ in $(seq 1 100); do
    PORT=$(awk '/^PORT/ { print $2 }' "$out")
    [ -n "$PORT" ] && return 0
    sleep 0.05
  done
  echo "demo: the service did not start" >&2; exit 1
}

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
cd "$WORK"
mkdir -p baselines

start_service
say "e2e perf-profile --service demo-api --target http://127.0.0.1:$PORT -- demo/suite.sh"
"$E2E" perf-profile --service demo-api --target "http://127.0.0.1:$PORT" -q -- "$ROOT/demo/suite.sh"

say "e2e perf-report --service demo-api -f csv"
"$E2E" perf-report --service demo-api -f csv

say "e2e perf-profile --service demo-api --target ... --repeat 3 --set-baseline -f markdown -- demo/suite.sh"
"$E2E" perf-profile --service demo-api --target "http://127.0.0.1:$PORT" -q --repeat 3 --set-baseline -f markdown \
  -- "$ROOT/demo/suite.sh" >/dev/null
echo "wrote baselines/demo-api.json ($(wc -c < baselines/demo-api.json) bytes)"

say "e2e perf-profile ... --compare-baseline -- demo/suite.sh   # unchanged service"
set +e
"$E2E" perf-profile --service demo-api --target "http://127.0.0.1:$PORT" -q --compare-baseline -- "$ROOT/demo/suite.sh"
echo "exit status: $?"

start_service --delay /users/=25
say "e2e perf-profile ... --compare-baseline -- demo/suite.sh   # every GET /users/... now ~5x slower"
"$E2E" perf-profile --service demo-api --target "http://127.0.0.1:$PORT" -q --compare-baseline -- "$ROOT/demo/suite.sh"
echo "exit status: $? (1 = the gate failed, as it should)"
set -e

say "e2e perf-report --list"
"$E2E" perf-report --list

say "e2e perf-report --service demo-api --trend"
"$E2E" perf-report --service demo-api --trend
stop_service

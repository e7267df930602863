#!/usr/bin/env bash
# The README's first quick-start command: installs what is missing, builds,
# then runs a real demo: a local JSON service, a small curl suite proxied by
# `e2e perf-profile`, a report, an unchanged run that passes the committed
# baselines/demo-api.json, and a run with one endpoint made slower that the
# gate catches. Stops everything it started. Refresh the baseline with
#   e2e perf-profile -s demo-api --target ... --repeat 5 --set-baseline -- demo/suite.sh
# against the service started as below (start_service), from the top.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# E2E_DEMO_BIN: an installed e2e to demo instead of building one (tools/
# test.sh runs the demo against the Debian package's /usr/bin/e2e in CI).
E2E=${E2E_DEMO_BIN:-}
if [ -z "$E2E" ]; then
  tools/deps.sh
  if [ ! -d build/meson-private ]; then meson setup build >/dev/null; fi
  ninja -C build >/dev/null
  E2E=$ROOT/build/e2e
fi
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

start_service
say "e2e perf-profile --service demo-api --target http://127.0.0.1:$PORT -- demo/suite.sh"
"$E2E" perf-profile --service demo-api --target "http://127.0.0.1:$PORT" -q -- "$ROOT/demo/suite.sh"

say "e2e perf-report --service demo-api -f csv"
"$E2E" perf-report --service demo-api -f csv

# the committed baseline (5 runs): the repository's baselines/ folder
BASELINES=$ROOT/baselines
echo
echo "baselines/demo-api.json: the committed baseline ($(wc -c < "$BASELINES/demo-api.json") bytes)"

say "e2e perf-profile ... --compare-baseline -- demo/suite.sh   # unchanged service"
set +e
"$E2E" perf-profile --service demo-api --target "http://127.0.0.1:$PORT" -q --compare-baseline \
  --baseline-dir "$BASELINES" -- "$ROOT/demo/suite.sh"
echo "exit status: $?"

start_service --delay /users/=25
say "e2e perf-profile ... --compare-baseline -- demo/suite.sh   # every GET /users/... now ~5x slower"
"$E2E" perf-profile --service demo-api --target "http://127.0.0.1:$PORT" -q --compare-baseline \
  --baseline-dir "$BASELINES" -- "$ROOT/demo/suite.sh"
echo "exit status: $? (1 = the gate failed, as it should)"
set -e

say "e2e perf-report --list"
"$E2E" perf-report --list

say "e2e perf-report --service demo-api --trend"
"$E2E" perf-report --service demo-api --trend
stop_service

#!/usr/bin/env bash
# Speed of perf-report on a big run: builds (once) a database holding one
# run of REQUESTS requests over ENDPOINTS endpoints with tools/mkfixture,
# then prints the best of 5 wall-clock times (and that run's CPU time) of
# `e2e perf-report -f text` and `-f json`. A benchmark, not a test: it
# prints figures and never fails on them. The target is 0.3 s per format
# for 1,000,000 requests over 50 endpoints on an idle machine. With TESTS,
# the run was made by a serial suite of that many tests, and the reports
# have their tests section (SPEC section 11): the target is 0.5 s for
# 10,000 tests (tools/bench-report.sh build 1000000 50 10000).
#
#   tools/bench-report.sh [BUILD_DIR] [REQUESTS] [ENDPOINTS] [TESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
REQUESTS=${2:-1000000}
ENDPOINTS=${3:-50}
TESTS=${4:-0}
E2E=$BUILD/e2e
MKFIXTURE=$BUILD/tools/mkfixture
[ -x "$E2E" ] && [ -x "$MKFIXTURE" ] || { echo "bench-report: build first (ninja -C $BUILD)" >&2; exit 2; }

DIR=${TMPDIR:-/tmp}/e2e-bench-report
DB=$DIR/bench-$REQUESTS-$ENDPOINTS-$TESTS.db
mkdir -p "$DIR"
if [ ! -f "$DB" ]; then
  echo "building $DB ($REQUESTS requests, $ENDPOINTS endpoints)..." >&2
  if [ "$TESTS" -gt 0 ]; then
    "$MKFIXTURE" "$DB" --requests "$REQUESTS" --endpoints "$ENDPOINTS" --tests "$TESTS"
  else
    "$MKFIXTURE" "$DB" --requests "$REQUESTS" --endpoints "$ENDPOINTS"
  fi
fi

# best of 5: prints "WALL CPU" in seconds
best() {
  python3 - "$@" <<'PY'
import os, subprocess, sys, time
best = None
for _ in range(5):
    t0 = time.monotonic()
    r0 = os.times()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
    wall = time.monotonic() - t0
    r1 = os.times()
    cpu = (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)
    if best is None or wall < best[0]:
        best = (wall, cpu)
print(f"{best[0]:.3f} {best[1]:.3f}")
PY
}

printf 'perf-report on %s requests over %s endpoints, %s tests (load average %s)\n' \
  "$REQUESTS" "$ENDPOINTS" "$TESTS" "$(cut -d' ' -f1-3 /proc/loadavg)"
for f in text json; do
  read -r wall cpu < <(best "$E2E" perf-report --db "$DB" -f "$f")
  printf '  -f %-5s best of 5: %s s wall, %s s CPU\n' "$f" "$wall" "$cpu"
done

# --gate-tests (SPEC section 11): with TESTS, the same run judged against a
# baseline written from it, without and with each test's duration.
if [ "$TESTS" -gt 0 ]; then
  "$E2E" perf-report -q --db "$DB" --set-baseline -b "$DIR/base-$TESTS.json" >/dev/null
  for gt in "" --gate-tests; do
    read -r wall cpu < <(best "$E2E" perf-report --db "$DB" --compare-baseline $gt \
      -b "$DIR/base-$TESTS.json" -f text)
    printf '  --compare-baseline %-12s best of 5: %s s wall, %s s CPU\n' "$gt" "$wall" "$cpu"
  done
fi

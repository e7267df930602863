#!/usr/bin/env bash
# Speed of perf-report --changes: the analysis alone (tools/changes-sim's
# benchmark mode: RUNS runs x ENDPOINTS endpoints of simulated values),
# then the whole command over a real store of that size built (once) with
# tools/mkfixture (RUNS runs of REQUESTS requests each over ENDPOINTS
# endpoints, every fifth endpoint 30 % slower from the middle run on).
# Prints the best of 5 wall-clock times (and that run's CPU time). A
# benchmark, not a test: it prints figures and never fails on them. The
# targets are 1 s for each on an idle machine.
#
#   tools/bench-changes.sh [BUILD_DIR] [RUNS] [ENDPOINTS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RUNS=${2:-1000}
ENDPOINTS=${3:-50}
REQUESTS=${4:-500}
E2E=$BUILD/e2e
MKFIXTURE=$BUILD/tools/mkfixture
SIM=$BUILD/tools/changes-sim
[ -x "$E2E" ] && [ -x "$MKFIXTURE" ] && [ -x "$SIM" ] || { echo "bench-changes: build first (ninja -C $BUILD)" >&2; exit 2; }

"$SIM" --bench --runs "$RUNS" --endpoints "$ENDPOINTS"

DIR=${TMPDIR:-/tmp}/e2e-bench-changes
DB=$DIR/changes-$RUNS-$ENDPOINTS-$REQUESTS.db
mkdir -p "$DIR"
if [ ! -f "$DB" ]; then
  echo "building $DB ($RUNS runs of $REQUESTS requests, $ENDPOINTS endpoints)..." >&2
  "$MKFIXTURE" "$DB" --requests "$REQUESTS" --endpoints "$ENDPOINTS" --runs "$RUNS"
fi

python3 - "$E2E" perf-report --db "$DB" -s bench --changes --last "$RUNS" -f json <<'PY'
import os, subprocess, sys, time
best = None
for _ in range(5):
    t0 = time.monotonic()
    r0 = os.times()
    out = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, check=True).stdout
    wall = time.monotonic() - t0
    r1 = os.times()
    cpu = (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)
    if best is None or wall < best[0]:
        best = (wall, cpu, out)
import json
d = json.loads(best[2])
n = sum(len(e["changes"]) for e in d["endpoints"].values())
print("perf-report --changes over %d runs x %d endpoints: %.3f s wall, %.3f s CPU (%d change points)"
      % (len(d["runs"]), len(d["endpoints"]), best[0], best[1], n))
PY

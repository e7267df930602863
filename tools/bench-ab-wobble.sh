#!/usr/bin/env bash
# bench-ab-wobble.sh - the real per-endpoint, per-run wobble of an A/A
# perf-ab on this runner (issue 20), the figure tools/gate-sim's --ab model
# takes as --wobble-sd.
#
# Usage: tools/bench-ab-wobble.sh [BUILD_DIR] [REPEATS] [ROUNDS] [N]
#
# REPEATS (default 3) A/A comparisons of two demo services (demo/service.py,
# the same delays on both: /users/{id} and /orders/{id} 20 ms, /users/me
# 5 ms, /health and /users none), ROUNDS (default 5) ABBA rounds each; a
# run is one keep-alive curl asking each of the five endpoints N (default
# 40) times, interleaved (demo/suite.sh starts a curl per request, which
# on a loaded 2-CPU runner takes minutes). perf-ab starts and stops both
# services itself. Prints, per comparison, perf-ab's pooled estimate of
# each endpoint's own wobble beyond sampling (P50, sd of a run's log value
# as a percentage, with the whole own spread and its sampling part; see
# e2e-perf-ab(1), THE METHOD) and its exit status (0: nothing flagged),
# then the load average.
set -u
BUILD=${1:-build}; REPEATS=${2:-3}; ROUNDS=${3:-5}; export N=${4:-40}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
E2E=$(cd "$BUILD" && pwd)/e2e
W=$(mktemp -d /tmp/bench-ab-wobble.XXXXXX)
trap 'rm -rf "$W"' EXIT
. "$ROOT/tools/bench-lib.sh"
bench_ab_suite "$W/suite.sh"
for i in $(seq 1 "$REPEATS"); do
  bench_ab_demo "$E2E" "$ROOT" "$W" "$ROUNDS" "$W/suite.sh" "$W/ab$i.json"
  rc=$?
  msg=$(jq -r '[.alerts[] | select(.kind == "ab") | .message][0] // "none"' "$W/ab$i.json" 2>/dev/null)
  wob=$(printf '%s\n' "$msg" | sed -n 's/.*own wobble beyond sampling \([0-9.]*\)% a run.*/\1/p')
  echo "A/A $i: exit $rc, P50 own wobble beyond sampling ${wob:-?} % a run; $msg"
done
echo "load: $(uptime)"

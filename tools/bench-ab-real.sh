#!/usr/bin/env bash
# bench-ab-real.sh - perf-ab's power and false alarms for real, on a runner
# whose noise changes between rounds (issue 20's perf-ab target, measured
# on this machine rather than in tools/gate-sim).
#
# Usage: tools/bench-ab-real.sh [BUILD_DIR] [TRIALS] [ROUNDS] [N]
#
# Two demo services (demo/service.py, started and stopped by perf-ab's
# --serve-a/--serve-b): /users/{id} and /orders/{id} 20 ms, /users/me
# 5 ms, /health and /users none. TRIALS (default 10) comparisons where B's
# /users/{id} is 10 % slower (22 ms), then TRIALS A/A comparisons (B = A),
# each `e2e perf-ab --rounds ROUNDS` (default 5) at --threshold 5. A run is
# one keep-alive curl asking each of the five endpoints N (default 40)
# times, interleaved (as tools/bench-ab-wobble.sh). The runner's noise
# changes between rounds and holds within one: the suite starts 0, 1 or 2
# busy loops (round 1: 0, round 2: 1, round 3: 2, round 4: 0, ...) for
# the length of its run and ends them by PID, so both runs of a round see
# the same disturbance. Prints each comparison's exit status and what it
# flagged, then: the +10 % endpoint found in F of TRIALS, false-alarm
# comparisons (another endpoint flagged) in both sets, and the load.
# Every perf-ab is bounded by timeout 300. With KEEP=1 in the environment
# the work directory (each comparison's JSON, ab-B-I.json and ab-AA-I.json,
# and the database) is kept and named at the end.
set -u
BUILD=${1:-build}; TRIALS=${2:-10}; ROUNDS=${3:-5}; export N=${4:-40}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
E2E=$(cd "$BUILD" && pwd)/e2e
W=$(mktemp -d /tmp/bench-ab-real.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$W"' EXIT
export AB_COUNT="$W/count"
. "$ROOT/tools/bench-lib.sh"
bench_ab_suite "$W/suite.sh" hogs
# compare LABEL I [B_DELAYS]: one perf-ab; sets RC and FLAGGED (regressed
# endpoints, comma-separated, or -)
compare() {
  rm -f "$AB_COUNT"
  bench_ab_demo "$E2E" "$ROOT" "$W" "$ROUNDS" "$W/suite.sh" "$W/ab.json" "${3:-}"
  RC=$?
  FLAGGED=$(jq -r '[.comparison.endpoints | to_entries[] | select(.value.verdict == "regression") | .key]
    | if length == 0 then "-" else join(",") end' "$W/ab.json" 2>/dev/null || echo "?")
  [ -n "${KEEP:-}" ] && cp "$W/ab.json" "$W/ab-$(tr -d / <<<"${1%% *}")-$2.json"
  echo "$1 $2: exit $RC, regressions: $FLAGGED"
}
found=0; fa_ab=0; fa_aa=0; bad=0
for i in $(seq 1 "$TRIALS"); do
  compare "B /users/{id} +10 %" "$i" "--delay /users/=22"
  case $RC in 0 | 1) ;; *) bad=$((bad + 1)); continue ;; esac
  grep -q 'GET /users/{id}' <<<"$FLAGGED" && found=$((found + 1))
  tr ',' '\n' <<<"$FLAGGED" | grep -v -e '^-$' -e '^GET /users/{id}$' | grep -q . && fa_ab=$((fa_ab + 1))
done
for i in $(seq 1 "$TRIALS"); do
  compare "A/A" "$i" ""
  case $RC in 0 | 1) ;; *) bad=$((bad + 1)); continue ;; esac
  [ "$FLAGGED" != "-" ] && fa_aa=$((fa_aa + 1))
done
echo "+10 % /users/{id} found: $found of $TRIALS; false-alarm comparisons: $fa_ab of $TRIALS with the change, $fa_aa of $TRIALS A/A; failed comparisons (not counted): $bad; rounds $ROUNDS, $N requests per endpoint a run, busy loops per round 0,1,2,0,1,..."
echo "load: $(uptime)"
[ -n "${KEEP:-}" ] && echo "kept: $W"

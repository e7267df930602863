#!/usr/bin/env bash
# The gate on a disturbed runner (SPEC section 14), end to end with a real
# service and real busy loops (started and stopped by PID): the baseline's
# source runs say their runner was quiet, the current run is recorded while
# busy loops hog every CPU. Its p95 rose (a quarter of the requests made
# slower): inconclusive, runner disturbed, exit 0, one line saying so. A p50
# that moved >= 2 x the threshold still fails. The same run against the
# baseline without the disturbance figures (a version-1 file) fails as
# before. Asserts behaviour, never timings: the baseline's runs are set to
# a quiet figure (0) so the verdict does not depend on how busy the machine
# running the test is; only "busy loops make the probe wait" is assumed.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
command -v jq >/dev/null || { echo "jq missing" >&2; exit 1; }

HOGS=""
stop_hogs() { for p in $HOGS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; HOGS=""; }
trap 'stop_hogs; stop_service; rm -rf "$TMP"' EXIT
# start_hogs: a busy loop per CPU (at most 16)
start_hogs() {
  local n
  n=$(nproc)
  [ "$n" -le 16 ] || n=16
  for _ in $(seq 1 "$n"); do
    sh -c 'while :; do :; done' &
    HOGS="$HOGS $!"
  done
}

# GET /users/{id} for ids 20..59 (40 requests; N=12: 20..31), so --delay
# /users/5=... slows a quarter of them (50..59). The service's delays are
# long (100 ms) so that what the busy loops add stays well below the
# changes the test makes, even on a loaded machine.
cat >"$TMP/suite.sh" <<'SH'
#!/usr/bin/env bash
set -eu
for i in $(seq 20 $((19 + ${N:-40}))); do curl -fsS -o /dev/null "$E2E_PROXY_URL/users/$i"; done
SH
chmod +x "$TMP/suite.sh"
DB="$TMP/p.db"
BL="$TMP/bl"
profile() { timeout 120 "$E2E" perf-profile -s shop --target "http://127.0.0.1:$PORT" --db "$DB" -q "$@" -- "$TMP/suite.sh"; }

start_service python3 "$SRC/demo/service.py" --port 0 --delay /users=100
run profile --repeat 3 --set-baseline --baseline-dir "$BL"
expect_rc 0 "baseline from 3 runs"
NTESTS=$((NTESTS + 1))
[ "$(jq '[.source_runs[] | select(.runner_disturbance != null)] | length' "$BL/shop.json")" = 3 ] ||
  fail "the baseline's source runs lack runner_disturbance: $(jq -c .source_runs "$BL/shop.json")"
jq '.source_runs[].runner_disturbance = 0' "$BL/shop.json" >"$TMP/quiet.json"
mv "$TMP/quiet.json" "$BL/shop.json"
jq '.schema_version = 1 | del(.source_runs[].runner_disturbance)' "$BL/shop.json" >"$TMP/v1.json"

# p95 up, p50 not: runner disturbed, inconclusive, the gate passes
start_service python3 "$SRC/demo/service.py" --port 0 --delay /users=100 --delay /users/5=600
start_hogs
run profile --compare-baseline --baseline-dir "$BL" -f json
stop_hogs
printf '%s' "$OUT" >"$TMP/d.json"
expect_rc 0 "p95 up on a disturbed runner passes: $(jq -c '[.comparison.endpoints["GET /users/{id}"].metrics[].message]' "$TMP/d.json")"
NTESTS=$((NTESTS + 1))
jq -e '.comparison.runner_disturbance.disturbed and .comparison.runner_disturbance.set_aside >= 1' "$TMP/d.json" >/dev/null ||
  fail "not judged disturbed: $(jq -c .comparison.runner_disturbance "$TMP/d.json")"
NTESTS=$((NTESTS + 1))
[ "$(jq -r '.comparison.endpoints["GET /users/{id}"] | .verdict + "/" + .metrics.p95.verdict + "/" + .metrics.p95.reason' "$TMP/d.json")" = "inconclusive/inconclusive/runner disturbed" ] ||
  fail "GET /users/{id}: $(jq -c '.comparison.endpoints["GET /users/{id}"].metrics.p95' "$TMP/d.json")"
NTESTS=$((NTESTS + 1))
jq -e '[.alerts[] | select(.kind == "runner_disturbed" and (.message | startswith("runner disturbed: run-queue wait ")))] | length == 1' "$TMP/d.json" >/dev/null ||
  fail "no runner_disturbed alert: $(jq -c .alerts "$TMP/d.json")"
NTESTS=$((NTESTS + 1))
jq -e '.runs[0].runner_disturbance > 0 and .summary.runner_disturbance.median == .runs[0].runner_disturbance' "$TMP/d.json" >/dev/null ||
  fail "the run's disturbance: $(jq -c '[.runs[0].runner_disturbance, .summary.runner_disturbance]' "$TMP/d.json")"
RUN=$(jq -r '.runs[0].id' "$TMP/d.json")

# the same run in text: the verdict, the one finding line and the run's line
run "$E2E" perf-report --db "$DB" --run "$RUN" --compare-baseline -b "$BL/shop.json"
expect_rc 0 "perf-report: disturbed run passes"
expect_out_has "inconclusive: runner disturbed" "text names the reason"
expect_out_has "runner_disturbed: runner disturbed: run-queue wait " "text finding"
expect_out_has "note: runner disturbance " "text shows the run's disturbance"

# without the disturbance figures (a version-1 baseline) it is a regression
run "$E2E" perf-report --db "$DB" --run "$RUN" --compare-baseline -b "$TMP/v1.json" -f json
expect_rc 1 "a baseline without the figures judges as always"
NTESTS=$((NTESTS + 1))
[ "$(printf '%s' "$OUT" | jq -r '.comparison.endpoints["GET /users/{id}"].metrics.p95.verdict')" = regression ] ||
  fail "v1 baseline: p95 not a regression"

# a p50 that moved >= 2 x the threshold is not the disturbance: it fails
start_service python3 "$SRC/demo/service.py" --port 0 --delay /users=400
start_hogs
export N=12
run profile --compare-baseline --baseline-dir "$BL" -f json
unset N
stop_hogs
expect_rc 1 "p50 x4 on a disturbed runner fails"
printf '%s' "$OUT" >"$TMP/p50.json"
NTESTS=$((NTESTS + 1))
jq -e '.comparison.runner_disturbance.disturbed' "$TMP/p50.json" >/dev/null ||
  fail "p50 run not judged disturbed: $(jq -c .comparison.runner_disturbance "$TMP/p50.json")"
NTESTS=$((NTESTS + 1))
[ "$(jq -r '.comparison.endpoints["GET /users/{id}"].metrics.p50 | .verdict + "/" + .severity' "$TMP/p50.json")" = regression/critical ] ||
  fail "p50: $(jq -c '.comparison.endpoints["GET /users/{id}"].metrics.p50' "$TMP/p50.json")"

finish

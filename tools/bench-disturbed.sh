#!/usr/bin/env bash
# bench-disturbed.sh - the gate on a disturbed runner, for real (issue 20).
#
# Usage: tools/bench-disturbed.sh [-b BUILD_DIR] [-n RUNS] [-r SUITE_ROUNDS] signals
#        tools/bench-disturbed.sh [-b BUILD_DIR] [-n RUNS] [-r SUITE_ROUNDS] [-q QUIET_RUNS]
#                                 [-k DIR] gate
#        tools/bench-disturbed.sh [-b BUILD_DIR] rejudge DIR
#
# -r: rounds of demo/suite.sh per run (default 20; fewer on a loaded machine,
# so a hogged run stays well inside its 60 s bound).
# -k: keep the baseline and every gate run's JSON report in DIR
# (unchanged-NN.json, orders-NN.json) and the database, to diagnose a miss
# afterwards or to judge the same runs again with another build (rejudge).
#
# signals: the demo service and suite through `e2e perf-profile`, RUNS times
#   quiet and RUNS times with two busy loops hogging both CPUs (each hogged
#   run is its own short hogged period), interleaved; each run under
#   tools/disturb-probe.py, which prints the candidate disturbance signals,
#   plus e2e_disturbance: what e2e's own probe recorded for the run (the
#   chosen signal, src/disturb.h). Then the medians per condition.
# gate: a baseline from QUIET_RUNS (default 5) quiet runs, then RUNS (default
#   20) unchanged runs and RUNS runs with /orders +130 % (demo/service.py
#   --delay), all under two busy loops; prints each run's gate verdict, the
#   recorded disturbance, and the counts: false-alarm runs, found runs.
#   Per run and /orders endpoint also: baseline and current p50, the judged
#   change, the environment factor removed, the p50's verdict or reason.
# rejudge: the runs of a `-k DIR gate` judged again by BUILD_DIR's e2e
#   against DIR's baseline; the same lines and counts (before/after a
#   change of the method on identical runs).
# Every process it starts (service, busy loops) is ended by PID; each hogged
# period is one perf-profile run (a few seconds), bounded by timeout 60.
set -u
BUILD=build; RUNS=""; QUIET=5; KEEP=""
while getopts "b:k:n:q:r:h" o; do
  case $o in
    b) BUILD=$OPTARG ;; k) KEEP=$OPTARG ;; n) RUNS=$OPTARG ;; q) QUIET=$OPTARG ;; r) export SUITE_ROUNDS=$OPTARG ;;
    h) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
MODE=${1:-signals}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
E2E=$(cd "$BUILD" && pwd)/e2e
W=$(mktemp -d /tmp/bench-disturbed.XXXXXX)
SVC_PID=""; HOGS=""
stop_hogs() { for p in $HOGS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; HOGS=""; }
stop_service() {
  if [ -n "$SVC_PID" ]; then kill "$SVC_PID" 2>/dev/null; wait "$SVC_PID" 2>/dev/null; SVC_PID=""; fi
}
trap 'stop_hogs; stop_service; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
start_hogs() {
  sh -c 'while :; do :; done' & HOGS="$HOGS $!"
  sh -c 'while :; do :; done' & HOGS="$HOGS $!"
  sleep 0.5
}
# start_service [--delay PREFIX=MS ...]: the demo service as in tools/demo.sh
start_service() {
  stop_service
  python3 "$ROOT/demo/service.py" --port 0 --delay /users=4 --delay /orders=6 --delay /health=1 "$@" \
    >"$W/svc.out" 2>&1 &
  SVC_PID=$!
  PORT=""
  for _ in $(seq 1 200); do
    PORT=$(awk '/^PORT/ { print $2 }' "$W/svc.out")
    [ -n "$PORT" ] && return 0
    sleep 0.05
  done
  echo "bench-disturbed: the service did not start" >&2; exit 1
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
field() { tr ' ' '\n' | sed -n "s/^$1=//p"; }

profile() { # profile ARGS...: perf-profile of the demo suite, 60 s per run
  timeout "${BOUND:-60}" "$E2E" perf-profile --service demo-api --target "http://127.0.0.1:$PORT" -q \
    --db "$W/e2e.db" "$@" -- "$ROOT/demo/suite.sh"
}

signals() {
  local n=${RUNS:-5} i cond line
  start_service
  profile >/dev/null 2>&1 # warm-up
  for i in $(seq 1 "$n"); do
    for cond in quiet hogged; do
      [ "$cond" = hogged ] && start_hogs
      line=$(python3 "$ROOT/tools/disturb-probe.py" -- timeout 60 "$E2E" perf-profile --service demo-api \
        --target "http://127.0.0.1:$PORT" -q --db "$W/e2e.db" --out "$W/r.out" -- "$ROOT/demo/suite.sh")
      stop_hogs
      line="$line e2e_disturbance=$(sqlite3 "$W/e2e.db" 'SELECT round(ratio, 3) FROM run_disturbance ORDER BY run_id DESC LIMIT 1')"
      echo "$cond $line" | tee -a "$W/signals"
    done
  done
  for cond in quiet hogged; do
    printf '%s medians:' "$cond"
    for k in wall_s sched_wait_ms_per_s psi_some_ms_per_s probe_wait_ms probe_ratio_p95 probe_cpu_pct \
      cmd_wait_ms_per_s e2e_disturbance; do
      printf ' %s=%s' "$k" "$(grep "^$cond " "$W/signals" | field "$k" | median)"
    done
    echo
  done
}

# summarize FILE: a gate report's verdict, regressed endpoints, the
# disturbance figures, the run's id and, per /orders endpoint, its p50 line (into
# REGRESSED; the first line names the regressed endpoints)
summarize() {
  REGRESSED=$(python3 - "$1" <<'PY' 2>/dev/null
import json, sys
r = json.load(open(sys.argv[1]))
g = r.get("comparison") or {}
d = g.get("runner_disturbance") or {}
eps = g.get("endpoints", {})
def num(v, f="%.2f"):
    return f % v if isinstance(v, (int, float)) else "-"
print(g.get("verdict"), ",".join(k for k, e in eps.items() if e.get("verdict") == "regression") or "-",
      "disturbance=%s baseline=%s disturbed=%s set_aside=%s env=%s run=%s" % (d.get("current"),
      d.get("baseline_median"), d.get("disturbed"), d.get("set_aside"), num(g.get("environment_factor")),
      r["runs"][0]["id"]))
for k, e in sorted(eps.items()):
    if "/orders" not in k:
        continue
    m = e.get("metrics", {}).get("p50", {})
    print("    %s p50 %s -> %s ms, judged %s%% (ci %s..%s), env x%s: %s" % (k, num(m.get("baseline")),
          num(m.get("current")), num(m.get("judged_pct"), "%+.0f"), num(m.get("ci_low_pct"), "%+.0f"),
          num(m.get("ci_high_pct"), "%+.0f"), num(m.get("environment_factor")),
          m.get("verdict") + (" (%s)" % m["reason"] if m.get("reason") else "")))
PY
)
}

# hogged_gate NAME: one run compared with the baseline under two busy
# loops; sets RC and REGRESSED (summarize); with -k the report is kept as
# KEEP/NAME.json
hogged_gate() {
  start_hogs
  profile --compare-baseline --baseline-dir "$W/bl" -f json --out "$W/g.json" >/dev/null 2>&1
  RC=$?
  stop_hogs
  [ -n "$KEEP" ] && { cp "$W/g.json" "$KEEP/$1.json"; echo "$RC" >"$KEEP/$1.rc"; }
  summarize "$W/g.json"
}

# count KIND: tallies RC and REGRESSED of one run into fa or found; a run
# the 60 s bound cut short (exit 124, a very loaded machine) into to
count() {
  if [ "$RC" = 124 ]; then
    to=$((to + 1))
  elif [ "$1" = unchanged ]; then
    [ "$RC" = 1 ] && fa=$((fa + 1))
  else
    [ "$RC" = 1 ] && head -n 1 <<<"$REGRESSED" | grep -q '/orders' && found=$((found + 1))
  fi
}

totals() {
  echo "false-alarm runs: $fa of $1 unchanged; /orders +130 % found: $found of $2; cut short by the bound (not counted as either): $to (load: $(uptime | sed 's/.*load average: //'))"
}

# rejudge DIR: the runs a `-k DIR gate` kept, judged again by this build
# against the same baseline (the same runs through two builds: -b)
rejudge() {
  local dir=${1:?rejudge needs the directory of a -k run} f kind nu=0 no=0 fa=0 found=0 to=0
  for f in "$dir"/unchanged-*.json "$dir"/orders-*.json; do
    [ -f "$f" ] || continue
    kind=${f##*/}; kind=${kind%%-*}
    "$E2E" perf-report --db "$dir/e2e.db" --run "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["id"])' "$f")" \
      --compare-baseline -b "$dir/demo-api.json" -f json --out "$W/g.json" >/dev/null 2>&1
    RC=$?
    # a run the bound cut short stays so
    [ "$(cat "${f%.json}.rc" 2>/dev/null)" = 124 ] && RC=124
    summarize "$W/g.json"
    echo "${f##*/}: exit $RC $REGRESSED"
    count "$kind"
    if [ "$kind" = unchanged ]; then nu=$((nu + 1)); else no=$((no + 1)); fi
  done
  totals "$nu" "$no"
}

gate() {
  local n=${RUNS:-20} i fa=0 found=0 to=0
  start_service
  profile >/dev/null 2>&1 # warm-up
  BOUND=$((60 * QUIET)) profile --repeat "$QUIET" --set-baseline --baseline-dir "$W/bl" >/dev/null 2>&1 ||
    { echo "bench-disturbed: baseline failed" >&2; exit 1; }
  [ -n "$KEEP" ] && { mkdir -p "$KEEP" && cp "$W"/bl/*.json "$KEEP/" || exit 1; }
  echo "baseline: $QUIET quiet runs, disturbance $(python3 -c 'import json,sys; print([s.get("runner_disturbance") for s in json.load(open(sys.argv[1]))["source_runs"]])' "$W"/bl/*.json)"
  for i in $(seq 1 "$n"); do
    hogged_gate "$(printf 'unchanged-%02d' "$i")"
    echo "unchanged run $i: exit $RC $REGRESSED"
    count unchanged
  done
  start_service --delay /orders=13.8
  for i in $(seq 1 "$n"); do
    hogged_gate "$(printf 'orders-%02d' "$i")"
    echo "/orders +130% run $i: exit $RC $REGRESSED"
    count orders
  done
  [ -n "$KEEP" ] && sqlite3 "$W/e2e.db" ".backup '$KEEP/e2e.db'"
  totals "$n" "$n"
}

case $MODE in
  signals) signals ;;
  gate) gate ;;
  rejudge) rejudge "${2:-}" ;;
  *) echo "bench-disturbed: unknown mode '$MODE'" >&2; exit 2 ;;
esac

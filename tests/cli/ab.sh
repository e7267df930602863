#!/usr/bin/env bash
# e2e perf-ab against two real demo services (demo/service.py) with known
# delays: B's /slow is 20 % slower than A's, /same is the same on both.
# The runs go in ABBA order (read back from the store), the slower
# endpoint is a regression and the unchanged one passes; bad input:
# --rounds 0, the same URL for A and B (a warning), one side down.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?E2E_SOURCE_ROOT not set}
DEMO=$SRC/demo/service.py

# A suite of $N requests to each endpoint over one keep-alive connection.
cat >"$TMP/suite.sh" <<'SUITE'
#!/bin/sh
u=""
for i in $(seq 1 "${N:-30}"); do u="$u $E2E_PROXY_URL/same/$i $E2E_PROXY_URL/slow/$i"; done
exec curl -sS $u >/dev/null
SUITE
chmod +x "$TMP/suite.sh"

# start_demo VAR ARGS...: a demo service in the background; VAR_PORT and
# VAR_PID set (the EXIT trap stops them).
PIDS=""
start_demo() {
  local name=$1 port=""
  shift
  python3 "$DEMO" "$@" >"$TMP/$name.out" 2>&1 &
  PIDS="$PIDS $!"
  eval "${name}_PID=$!"
  for _ in $(seq 1 600); do port=$(awk '/^PORT/ {print $2}' "$TMP/$name.out"); [ -n "$port" ] && break; sleep 0.05; done
  [ -n "$port" ] || { echo "demo $name did not start: $(cat "$TMP/$name.out")" >&2; exit 1; }
  eval "${name}_PORT=$port"
}
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

start_demo A --delay /same=60 --delay /slow=60
start_demo B --delay /same=60 --delay /slow=72 --seed 2
A=http://127.0.0.1:$A_PORT
B=http://127.0.0.1:$B_PORT

# Bad input: no rounds, a missing side, no command.
run "$E2E" perf-ab --a "$A" --b "$B" --rounds 0 -- "$TMP/suite.sh"
expect_rc 2 "--rounds 0"
expect_err "e2e: perf-ab: option '--rounds': '0' is not a number of rounds from 2 to 1000" "--rounds 0"
run "$E2E" perf-ab --a "$A" -- "$TMP/suite.sh"
expect_rc 2 "no --b"
expect_err "e2e: perf-ab: missing '--b URL': perf-ab compares two builds" "no --b"
run "$E2E" perf-ab --a "$A" --b "$B"
expect_rc 2 "no command"
run "$E2E" perf-ab --a "$A" --b "$B" --compare-baseline -- "$TMP/suite.sh"
expect_rc 2 "a baseline option"

# The comparison: 8 rounds (7 df: with 5 a loaded runner can leave +20 %
# inconclusive), exit 1 for the regression, JSON report.
run env N=20 "$E2E" perf-ab -s ab --db "$TMP/ab.db" --a "$A" --b "$B" --rounds 8 -t 10 -f json --out "$TMP/ab.json" \
  -- "$TMP/suite.sh"
expect_rc 1 "B's /slow is a regression"
expect_err_has "round 8/8, A ($A): run 16, 40 requests" "progress lines"
order=$(sqlite3 "$TMP/ab.db" "SELECT group_concat(side || round, ' ') FROM
  (SELECT a.side, a.round FROM ab_runs a JOIN runs r ON r.id = a.run_id WHERE r.source = 'ab' ORDER BY r.id)")
NTESTS=$((NTESTS + 1))
[ "$order" = "A1 B1 B2 A2 A3 B3 B4 A4 A5 B5 B6 A6 A7 B7 B8 A8" ] || fail "ABBA order: '$order'"
targets=$(sqlite3 "$TMP/ab.db" "SELECT count(*) FROM ab_runs a JOIN runs r ON r.id = a.run_id
  WHERE r.target = CASE a.side WHEN 'A' THEN '$A' ELSE '$B' END AND a.comparison = 1")
NTESTS=$((NTESTS + 1))
[ "$targets" = 16 ] || fail "each run's target is its side's URL: $targets of 16"
verdict() { jq -r --arg k "$1" '.comparison.endpoints[$k].verdict' "$TMP/ab.json"; }
NTESTS=$((NTESTS + 1))
[ "$(verdict 'GET /slow/{id}')" = regression ] || fail "/slow: $(verdict 'GET /slow/{id}'), want regression"
NTESTS=$((NTESTS + 1))
[ "$(verdict 'GET /same/{id}')" = pass ] || fail "/same: $(verdict 'GET /same/{id}'), want pass"
NTESTS=$((NTESTS + 1))
[ "$(jq -r '.comparison.baseline_runs' "$TMP/ab.json")" = 8 ] || fail "baseline_runs is not the 8 A runs"
# the runner disturbance each run stored: B's median as current, A's as
# the baseline's (to the JSON's 3 decimals)
med() {
  sqlite3 "$TMP/ab.db" "SELECT d.ratio FROM ab_runs a JOIN run_disturbance d ON d.run_id = a.run_id
    WHERE a.comparison = 1 AND a.side = '$1' AND d.probes > 0 ORDER BY d.ratio" |
    awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
dist=$(jq -r '.comparison.runner_disturbance | "\(.current) \(.baseline_median)"' "$TMP/ab.json")
NTESTS=$((NTESTS + 1))
echo "$dist $(med B) $(med A)" | awk '{ exit !($1 - $3 < 0.0011 && $3 - $1 < 0.0011 && $2 - $4 < 0.0011 && $4 - $2 < 0.0011) }' ||
  fail "runner_disturbance (current, baseline_median): '$dist', stored medians B $(med B), A $(med A)"

# The same URL twice: a warning, and an A/A comparison that runs.
run env N=3 "$E2E" perf-ab --db "$TMP/aa.db" --a "$A" --b "$A" --rounds 2 -q -- "$TMP/suite.sh"
expect_rc 0 "A/A"
expect_err "e2e: perf-ab: warning: --a and --b are the same URL: an A/A comparison, every difference is noise" "A/A"

# One side down: exit 3 naming it, before the suite ever runs.
kill "$B_PID"; wait "$B_PID" 2>/dev/null
run "$E2E" perf-ab --db "$TMP/down.db" --a "$A" --b "$B" -- sh -c 'echo ran >"$0"' "$TMP/ran"
expect_rc 3 "B down"
expect_err_has "side B ($B) is down: Connection refused" "B down"

finish

#!/usr/bin/env bash
# The team store's figures (issue 19) on a private PostgreSQL server
# (tests/cli/pglib.sh): 8 concurrent perf-profile --store runs of 100,000
# requests each (every request in PostgreSQL, none lost or duplicated),
# PostgreSQL stopped mid-run (spooled, then e2e push completes it), the
# push rate of one 1,000,000-request run, and perf-report --store over it.
#
#   tools/bench-store.sh [BUILD_DIR] [--speed]    (default: build, everything)
#
# --speed: only the two speed figures (push rate, perf-report --store, and
# the same report from the SQLite file), each taken 3 times, with the
# client's CPU time and the server's (its backends' CPU) beside the wall
# time: on a loaded machine the wall time mostly measures the load.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SPEED=0
[ "${2:-}" = --speed ] && SPEED=1
[ "${1:-}" = --speed ] && { SPEED=1; shift; }
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
export E2E_BIN=$BUILD/e2e
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/pglib.sh"
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }
echo "load: $(uptime | sed 's/.*load average: //')"
pg_start
"$E2E" store init --store "$PG_URL" -q || exit 1
q() { pg_sql -c "$1"; }

# --speed: wall, client CPU and server CPU of a command, 3 times
if [ "$SPEED" = 1 ]; then
  # the server's CPU: what its exited backends used (cutime + cstime of
  # the postmaster, in clock ticks)
  server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($16 + $17) / hz }' "/proc/$PG_PID/stat"; }
  # measure LABEL CMD...: "LABEL: wall W s, client CPU C s, server CPU S s"
  measure() {
    local label=$1 s0 s1 t; shift
    s0=$(server_cpu)
    t=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>"$TMP/cmd.err"; } 2>&1) ||
      { echo "$label: failed: $(cat "$TMP/cmd.err")"; exit 1; }
    sleep 1 # the backend has exited and been reaped
    s1=$(server_cpu)
    WALL=$(echo "$t" | awk '{ print $1 }')
    echo "$label: wall $WALL s, client CPU $(echo "$t" | awk '{ printf "%.2f", $2 + $3 }') s, server CPU $(echo "$s1 - $s0" | bc -l | xargs printf '%.2f') s"
  }
  "$BUILD/tools/mkfixture" "$TMP/big.db" --requests 1000000 --endpoints 20 >/dev/null || exit 1
  for i in 1 2 3; do
    q "DELETE FROM e2e.runs" >/dev/null
    measure "push of 1,000,000 requests ($i)" "$E2E" push --store "$PG_URL" --db "$TMP/big.db" -q
    echo "  = $(echo "1000000 / $WALL" | bc) requests/s (issue: >= 200,000/s)"
  done
  for i in 1 2 3; do
    measure "perf-report --store, 1,000,000 requests ($i, issue: <= 1.0 s)" \
      "$E2E" perf-report --store "$PG_URL" -s bench -f json
  done
  for i in 1 2 3; do
    measure "perf-report of the SQLite file, 1,000,000 requests ($i)" "$E2E" perf-report --db "$TMP/big.db" -s bench -f json
  done
  "$E2E" perf-report --store "$PG_URL" -s bench -f json | grep -v -e '"generated_at"' -e '"test_run_id"' -e '"id": ' \
    -e '^    [0-9]' >"$TMP/s.json"
  "$E2E" perf-report --db "$TMP/big.db" -s bench -f json | grep -v -e '"generated_at"' -e '"test_run_id"' -e '"id": ' \
    -e '^    [0-9]' >"$TMP/l.json"
  cmp -s "$TMP/s.json" "$TMP/l.json" && echo "the two reports agree (but for run ids)" || echo "the two reports DIFFER"
  echo "load: $(uptime | sed 's/.*load average: //')"
  exit 0
fi

# 1. 8 concurrent runs of 100,000 requests (HAR imports through the recorder)
python3 "$ROOT/tests/cli/make_har.py" "$TMP/100k.har" 1 GET:/users/+1000:50000 POST:/orders:30000 GET:/health:20000 >/dev/null
t0=$(now)
pids=()
for i in 1 2 3 4 5 6 7 8; do
  "$E2E" perf-profile -s conc --import "$TMP/100k.har" --db "$TMP/c$i.db" --store "$PG_URL" -q -f json >/dev/null &
  pids+=($!)
done
wait "${pids[@]}" # not the server's
t1=$(now)
echo "8 concurrent perf-profile --store runs x 100,000 requests: $(secs "$t0" "$t1") s;" \
  "in PostgreSQL: runs $(q "SELECT count(*) FROM e2e.runs WHERE service = 'conc'")," \
  "requests $(q "SELECT sum(c.n) FROM e2e.sample_chunks c JOIN e2e.runs r ON r.id = c.run_id WHERE r.service = 'conc'")" \
  "(want 8 and 800000), distinct uuids $(q "SELECT count(DISTINCT uuid) FROM e2e.runs WHERE service = 'conc'")"

# 2. PostgreSQL stopped mid-run: the suite stops it halfway through its requests
python3 "$ROOT/tests/cli/pyserve.py" >"$TMP/up.out" 2>&1 &
UP=$!
for _ in $(seq 1 100); do UPORT=$(awk '/^PORT/ {print $2}' "$TMP/up.out"); [ -n "$UPORT" ] && break; sleep 0.05; done
cat >"$TMP/suite.sh" <<SUITE
#!/bin/sh
for i in \$(seq 1 200); do curl -s -o /dev/null "\$E2E_PROXY_URL/items/\$i"; done
kill -INT $PG_PID; sleep 1
for i in \$(seq 1 200); do curl -s -o /dev/null "\$E2E_PROXY_URL/items/\$i"; done
SUITE
chmod +x "$TMP/suite.sh"
"$E2E" perf-profile -s outage --target "http://127.0.0.1:$UPORT" --db "$TMP/o.db" --store "$PG_URL" -q -f json \
  -- "$TMP/suite.sh" >"$TMP/o.json" 2>"$TMP/o.err"
echo "PostgreSQL stopped mid-run: exit $?, stderr: $(cat "$TMP/o.err")"
wait "$PG_PID" 2>/dev/null
pg_run
"$E2E" push --store "$PG_URL" --db "$TMP/o.db" -q
echo "after e2e push: $(q "SELECT sum(recorded) FROM e2e.runs WHERE service = 'outage'") requests of the outage run in PostgreSQL (want 400)"
kill "$UP"; wait "$UP" 2>/dev/null

# 3. push of one 1,000,000-request run, and perf-report --store over it
"$BUILD/tools/mkfixture" "$TMP/big.db" --requests 1000000 --endpoints 20 >/dev/null || exit 1
t0=$(now)
"$E2E" push --store "$PG_URL" --db "$TMP/big.db" -q || exit 1
t1=$(now)
s=$(secs "$t0" "$t1")
echo "push of 1,000,000 requests: $s s, $(echo "1000000 / $s" | bc) requests/s (issue: >= 200,000/s)"
t0=$(now)
"$E2E" perf-report --store "$PG_URL" -s bench -f json >"$TMP/big.json" || exit 1
t1=$(now)
echo "perf-report --store over the 1,000,000-request run: $(secs "$t0" "$t1") s (issue: <= 1.0 s);" \
  "$(jq .total_requests "$TMP/big.json") requests reported"
t0=$(now)
"$E2E" perf-report --db "$TMP/big.db" -s bench -f json >/dev/null
t1=$(now)
echo "the same report from the local SQLite file: $(secs "$t0" "$t1") s"
echo "load: $(uptime | sed 's/.*load average: //')"

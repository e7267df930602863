#!/usr/bin/env bash
# The service's own cost: CPU per request and per endpoint, RSS growth,
# --watch-pid of a process that ends mid-run, --watch-cgroup, and the bad
# input of the options, against real python services on 127.0.0.1.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
cd "$TMP" || exit 1

P=$(free_port)
T="http://127.0.0.1:$P"
SVC="exec python3 $SRC/demo/service.py --port $P"

# one endpoint burns 40 ms of CPU per request: the per-endpoint figure is
# within 15 % of it; a serial suite makes it attributable
SUITE='for i in $(seq 1 15); do curl -s "$E2E_PROXY_URL/orders/$i" >/dev/null; curl -s "$E2E_PROXY_URL/users/$i" >/dev/null; done'
run "$E2E" perf-profile -s burn --db "$TMP/p.db" --target "$T" -q -f json --out "$TMP/burn.json" \
  --serve "$SVC --burn /orders=40" -- sh -c "$SUITE"
expect_rc 0 "the burning service"
cpu=$(json "$TMP/burn.json" '[e["cpu_ms_per_request"] for e in r["resources"]["endpoints"] if e["endpoint"] == "GET /orders/{id}"][0]')
python3 -c "import sys; c = float(sys.argv[1]); sys.exit(0 if 34 <= c <= 46 else 1)" "$cpu" ||
  fail "GET /orders/{id}: $cpu ms of CPU per request, want 40 ms +-15 %"
NTESTS=$((NTESTS + 1))
[ "$(json "$TMP/burn.json" 'r["resources"]["endpoints"][0]["endpoint"]')" = "GET /orders/{id}" ] ||
  fail "the burning endpoint is not first"
[ "$(json "$TMP/burn.json" 'r["resources"]["cpu_attributable"]')" = True ] || fail "a serial suite is attributable"
run "$E2E" perf-report --db "$TMP/p.db" -s burn
expect_out_has "service cost" "the text report has the section"
expect_out_has "CPU/REQ" "the text report has the per-endpoint CPU"

# 1 MiB kept per request: the RSS growth is reported as a leak's sign
run "$E2E" perf-profile -s leak --db "$TMP/p.db" --target "$T" -q -f json --out "$TMP/leak.json" \
  --serve "$SVC --leak /users=1024" -- sh -c 'for i in $(seq 1 40); do curl -s "$E2E_PROXY_URL/users/$i" >/dev/null; done'
expect_rc 0 "the leaking service"
[ "$(json "$TMP/leak.json" 'r["resources"]["rss_growing"]')" = True ] || fail "the leak is not seen"
g=$(json "$TMP/leak.json" 'r["resources"]["rss_growth_per_request_bytes"]')
python3 -c "import sys; g = float(sys.argv[1]); sys.exit(0 if 0.8 * 2**20 <= g <= 1.3 * 2**20 else 1)" "$g" ||
  fail "growth per request $g, want about 1 MiB"
NTESTS=$((NTESTS + 1))
run "$E2E" perf-report --db "$TMP/p.db" -s leak
expect_out_has "warning: RSS grew steadily" "the text report warns of the growth"

# overlapping requests: CPU per request, but no per-endpoint figure
run "$E2E" perf-profile -s parallel --db "$TMP/p.db" --target "$T" -q -f json --out "$TMP/par.json" \
  --serve "$SVC --delay /users=100" -- sh -c 'for i in 1 2 3 4; do curl -s "$E2E_PROXY_URL/users/$i" >/dev/null & done; wait'
expect_rc 0 "parallel requests"
[ "$(json "$TMP/par.json" 'r["resources"]["cpu_attributable"]')" = False ] || fail "overlapping requests attributed"
[ "$(json "$TMP/par.json" 'len(r["resources"]["endpoints"])')" = 0 ] || fail "per-endpoint CPU guessed"
run "$E2E" perf-report --db "$TMP/p.db" -s parallel
expect_out_has "not attributable at concurrency" "the text report says why"

# --watch-pid of a process that burns 300 ms of CPU once the run has
# started and exits mid-run: its CPU time stays in the run (a dropped
# process would take its counters out of the sum; a loaded runner starts
# late, so the bound is loose)
python3 -c 'import os, time
while not os.path.exists("go"): time.sleep(0.01)
end = time.thread_time() + 0.3
while time.thread_time() < end: pass' &
BURNER=$!
(sleep 1; touch go) &
run "$E2E" perf-profile -s watched --db "$TMP/p.db" --target "$T" --duration 4s -q -f json --out "$TMP/pid.json" \
  --watch-pid "$BURNER"
expect_rc 0 "--watch-pid of a process that exits"
wait "$BURNER"
cpu=$(json "$TMP/pid.json" 'r["resources"]["cpu_user_ms"] + r["resources"]["cpu_system_ms"]')
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 100 else 1)" "$cpu" || fail "--watch-pid: CPU $cpu ms, want >= 100"
NTESTS=$((NTESTS + 1))

# --watch-cgroup of a cgroup this test makes, where cgroup v2 is writable
V2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
CG="$V2/e2e-test-$$"
if [ -n "$V2" ] && mkdir "$CG" 2>/dev/null; then
  rm -f go
  python3 -c 'import os, time
while not os.path.exists("go"): time.sleep(0.01)
end = time.thread_time() + 0.3
while time.thread_time() < end: pass' &
  HOG=$!
  if echo "$HOG" >"$CG/cgroup.procs" 2>/dev/null; then
    (sleep 1; touch go) &
    run "$E2E" perf-profile -s cg --db "$TMP/p.db" --target "$T" --duration 4s -q -f json --out "$TMP/cg.json" \
      --watch-cgroup "$CG"
    expect_rc 0 "--watch-cgroup"
    cpu=$(json "$TMP/cg.json" 'r["resources"]["cpu_user_ms"] + r["resources"]["cpu_system_ms"]')
    python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 200 else 1)" "$cpu" || fail "--watch-cgroup: CPU $cpu ms, want >= 200"
  else
    echo "skip: --watch-cgroup: cannot move a process into $CG" >&2
  fi
  wait "$HOG"
  rmdir "$CG" 2>/dev/null
else
  echo "skip: --watch-cgroup: no writable cgroup v2 hierarchy here" >&2
fi

# bad input: exit 2 naming the option
run "$E2E" perf-profile --db "$TMP/p.db" --target "$T" --watch-pid 2147483646 -- true
expect_rc 2 "a pid that does not exist"
expect_err "e2e: perf-profile: option '--watch-pid': '2147483646' is not the id of a running process" "no such pid"
run "$E2E" perf-profile --db "$TMP/p.db" --target "$T" --watch-pid abc -- true
expect_rc 2 "a pid that is not a number"
run "$E2E" perf-profile --db "$TMP/p.db" --target "$T" --watch-cgroup "$TMP" -- true
expect_rc 2 "a directory that is not a cgroup"
expect_err "e2e: perf-profile: option '--watch-cgroup': '$TMP' is not a cgroup v2 directory" "not a cgroup"
run "$E2E" perf-profile --db "$TMP/p.db" --target "$T" --serve true --sample-hz 0 -- true
expect_rc 2 "--sample-hz 0"
expect_err_has "option '--sample-hz'" "names --sample-hz"

finish

#!/usr/bin/env bash
# The gate on the service's CPU per request: a real python service burns a
# known CPU time per request on one endpoint; a baseline of three runs at
# 10 ms, then runs at 20 ms (a cpu regression), at 10 ms (passes) and at
# 10 ms plus 40 ms of sleep (latency rose, CPU did not: "waiting"). The
# baseline keeps CPU per endpoint and per run; the CSV has its columns.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
cd "$TMP" || exit 1

P=$(free_port)
T="http://127.0.0.1:$P"
SVC="exec python3 $SRC/demo/service.py --port $P"
SUITE='for i in $(seq 1 20); do curl -s "$E2E_PROXY_URL/orders/$i" >/dev/null; curl -s "$E2E_PROXY_URL/users/$i" >/dev/null; done'
EP="GET /orders/{id}"
# profile NAME SERVICE-ARGS [OPTION...]: one run of the suite against the service
profile() {
  local name=$1 args=$2
  shift 2
  run "$E2E" perf-profile -s cpu --db "$TMP/p.db" --target "$T" -q --baseline-dir "$TMP/b" \
    --serve "$SVC $args" "$@" -- sh -c "$SUITE"
}

profile base "--burn /orders=10" --repeat 3 --set-baseline
expect_rc 0 "the baseline runs"
B="$TMP/b/cpu.json"
[ "$(json "$B" 'len([x for x in r["endpoints"]["GET /orders/{id}"]["runs"] if "cpu_ms" in x])')" = 3 ] ||
  fail "the baseline keeps no CPU per source run of $EP"
c=$(json "$B" 'r["endpoints"]["GET /orders/{id}"]["cpu_ms"]')
python3 -c "import sys; sys.exit(0 if 8.5 <= float(sys.argv[1]) <= 11.5 else 1)" "$c" ||
  fail "the baseline's CPU per request of $EP is $c ms, want 10 ms +-15 %"
[ "$(json "$B" 'len([s for s in r["source_runs"] if s["cpu_ms_per_request"] > 0])')" = 3 ] ||
  fail "the baseline keeps no CPU per request per run"
NTESTS=$((NTESTS + 3))

# twice the CPU: a regression of metric cpu, and "more work per request"
profile double "--burn /orders=20" --compare-baseline -f json --out "$TMP/double.json"
expect_rc 1 "twice the CPU per request fails the gate"
[ "$(json "$TMP/double.json" '[x["metric"] for x in r["regressions"] if x["endpoint"] == "GET /orders/{id}" and x["metric"] == "cpu"]')" = "['cpu']" ] ||
  fail "no cpu regression of $EP"
[ "$(json "$TMP/double.json" '[a["kind"] for a in r["recommendations"] if a.get("endpoint") == "GET /orders/{id}" and a["kind"] in ("more_work", "waiting")]')" = "['more_work']" ] ||
  fail "twice the CPU is not 'more work per request'"
[ "$(json "$TMP/double.json" 'r["comparison"]["endpoints"]["GET /users/{id}"]["metrics"]["cpu"]["verdict"]')" != regression ] ||
  fail "the endpoint that burns nothing regressed in CPU"
NTESTS=$((NTESTS + 3))
run "$E2E" perf-report --db "$TMP/p.db" -s cpu --baseline-dir "$TMP/b" --compare-baseline
expect_rc 1 "the text report of the regression"
expect_out_has "GET /orders/{id}: CPU per request " "the finding names CPU per request"
expect_out_has "more work per request" "the advice says more work"

# the same CPU: the cpu metric passes
profile same "--burn /orders=10" --compare-baseline -f json --out "$TMP/same.json"
[ "$(json "$TMP/same.json" 'r["comparison"]["endpoints"]["GET /orders/{id}"]["metrics"]["cpu"]["verdict"]')" = pass ] ||
  fail "the same CPU per request did not pass: $(json "$TMP/same.json" 'r["comparison"]["endpoints"]["GET /orders/{id}"]["metrics"]["cpu"]')"
NTESTS=$((NTESTS + 1))

# latency rose by 40 ms of sleep, CPU did not: "waiting, not working"
profile wait "--burn /orders=10 --delay /orders=40" --compare-baseline -f json --out "$TMP/wait.json"
# (a regression, or on a loaded runner a rise within noise: both get the advice)
[ "$RC" = 0 ] || [ "$RC" = 1 ] || fail "the sleeping run: exit $RC"
[ "$(json "$TMP/wait.json" '[a["kind"] for a in r["recommendations"] if a.get("endpoint") == "GET /orders/{id}" and a["kind"] in ("more_work", "waiting")]')" = "['waiting']" ] ||
  fail "latency without CPU is not 'waiting': $(json "$TMP/wait.json" 'r["recommendations"]')"
[ "$(json "$TMP/wait.json" 'r["comparison"]["endpoints"]["GET /orders/{id}"]["metrics"]["cpu"]["verdict"]')" != regression ] ||
  fail "sleeping was judged a CPU regression"
NTESTS=$((NTESTS + 2))

# CSV: three columns with the service's cost (the newest run: 10 ms burnt,
# plus the python handler's own CPU on a loaded runner)
run "$E2E" perf-report --db "$TMP/p.db" -s cpu --baseline-dir "$TMP/b" --compare-baseline -f csv
expect_out_has "cpu_ms,baseline_cpu_ms,cpu_delta_pct" "the CSV header has the CPU columns"
printf '%s\n' "$OUT" >"$TMP/r.csv"
python3 - "$TMP/r.csv" <<'PY' || fail "the CSV's CPU columns of GET /orders/{id} are wrong"
import csv, io, sys
rows = {r["endpoint"]: r for r in csv.DictReader(io.StringIO(open(sys.argv[1]).read()))}
r = rows["GET /orders/{id}"]
cur, base = float(r["cpu_ms"]), float(r["baseline_cpu_ms"])
ok = 8 <= cur <= 13 and 8 <= base <= 13 and abs(float(r["cpu_delta_pct"]) - 100 * (cur / base - 1)) < 0.1
if not ok:
    print(r, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
NTESTS=$((NTESTS + 1))
# --changes --metric cpu: a stored history of 12 runs of one service whose
# /orders burns 5 ms per request for 6 runs, then 15 ms (the suite raises
# it before its 7th run): one change point, at the 7th run
cat >"$TMP/burner.py" <<'PY'
import sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        end = time.thread_time() + float(open(sys.argv[2]).read()) / 1000
        while time.thread_time() < end:
            pass
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
echo 5 >"$TMP/burn_ms"
echo 0 >"$TMP/count"
HSUITE='n=$(cat count); echo $((n + 1)) >count; [ "$n" -lt 6 ] || echo 15 >burn_ms
for i in $(seq 1 10); do curl -s "$E2E_PROXY_URL/orders/$i" >/dev/null; done'
run "$E2E" perf-profile -s hist --db "$TMP/h.db" --target "$T" -q --repeat 12 \
  --serve "exec python3 $TMP/burner.py $P $TMP/burn_ms" -- sh -c "$HSUITE"
expect_rc 0 "the history's runs"
run "$E2E" perf-report --db "$TMP/h.db" -s hist --changes --metric cpu -f json --out "$TMP/ch.json"
expect_rc 0 "--changes --metric cpu"
[ "$(json "$TMP/ch.json" 'r["metric"]')" = cpu ] || fail "the changes report is not of metric cpu"
python3 - "$TMP/ch.json" <<'PY' || fail "--changes --metric cpu: not one change at the 7th run: $(cat "$TMP/ch.json")"
import json, sys
r = json.load(open(sys.argv[1]))
e = r["endpoints"]["GET /orders/{id}"]
ids = sorted(x["id"] if isinstance(x, dict) else x for x in r["runs"])
c = e["changes"]
ok = e["runs"] == 12 and len(c) == 1 and c[0]["run_id"] == ids[6] and c[0]["previous_run_id"] == ids[5]
ok = ok and 4 <= c[0]["before"] <= 6.5 and 13 <= c[0]["after"] <= 17
sys.exit(0 if ok else 1)
PY
NTESTS=$((NTESTS + 2))
run "$E2E" perf-report --db "$TMP/h.db" -s hist --changes --metric cpu
expect_out_has "cpu" "the text changes report names the metric"
finish

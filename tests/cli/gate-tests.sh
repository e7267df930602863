#!/usr/bin/env bash
# --gate-tests (SPEC section 11), end to end with a real pytest suite
# (tests/cli/pysuite, Debian's python3-pytest + requests) against
# demo/service.py: a baseline of three runs keeps each test's duration per
# run; a run where one test sleeps (PYSUITE_SLOW_ORDERS, in that test only)
# fails the gate naming that test, every other test is not a regression,
# the failing test is listed as not judged; without --gate-tests no test
# is judged. --min-delta-ms keeps the endpoints (unchanged) out of it on a
# loaded machine.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
PY=/usr/bin/python3
need_pytest
SLOW=test_demo.py::test_orders_4

demo_service

# suite [PYTEST ARGS...]: the pysuite through perf-profile into $TMP/db
# (perf-profile options before '--' come from $PROFILE).
suite() {
  run timeout 120 "$E2E" perf-profile -q -s py --target "$T" --db "$TMP/db" -b "$TMP/base.json" \
    --min-delta-ms 50 "${PROFILE[@]}" -- \
    "$PY" -m pytest -q -p no:cacheprovider --rootdir "$SRC/tests/cli/pysuite" "$@" "$SRC/tests/cli/pysuite"
}

PROFILE=()
for i in 1 2 3; do
  suite
  expect_rc 1 "baseline run $i (test_failing_3 fails)"
done
run "$E2E" perf-report -s py --db "$TMP/db" --runs 3 --set-baseline -b "$TMP/base.json" -f json
expect_rc 0 "baseline from 3 runs"
NTESTS=$((NTESTS + 1))
"$PY" -c '
import json, sys
t = json.load(open(sys.argv[1]))["tests"]
assert len(t) == 13, sorted(t)
o = t["test_demo.py::test_orders_4"]
assert [r["run"] for r in o["runs"]] == [1, 2, 3] and all(r["passed"] for r in o["runs"]), o
assert abs(o["duration_ms"] - sum(r["duration_ms"] for r in o["runs"]) / 3) < 0.002, o
f = t["test_demo.py::test_failing_3"]
assert "duration_ms" not in f and not any(r["passed"] for r in f["runs"]), f
' "$TMP/base.json" || fail "baseline: per-test durations"

# One test slower: only it is a regression; the failing test is not judged.
PYSUITE_SLOW_ORDERS=1.0 suite
expect_rc 1 "slow run (test_failing_3 fails)"
run "$E2E" perf-report -s py --db "$TMP/db" --compare-baseline --gate-tests -b "$TMP/base.json" \
  --min-delta-ms 50 -f json --out "$TMP/r.json"
expect_rc 1 "--gate-tests: the slower test fails the gate"
NTESTS=$((NTESTS + 1))
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
g = d["test_gate"]
t = {x["name"]: x for x in g["tests"]}
assert len(t) == 13, sorted(t)
s = t[sys.argv[2]]
assert s["verdict"] == "regression" and s["severity"] == "critical", s
assert s["baseline_runs"] == 3 and s["current_runs"] == 1 and s["current_ms"] >= 1000, s
assert s["message"].startswith("test " + sys.argv[2] + ": duration "), s
assert s["message"].endswith(" regression [critical]"), s
assert g["regressions"] == 1 and g["judged"] == 12, g
assert [n for n, x in t.items() if x["verdict"] == "regression"] == [sys.argv[2]]
f = t["test_demo.py::test_failing_3"]
assert f["verdict"] == "inconclusive" and f["reason"] == "failed now", f
assert d["summary"]["gate_failed"] is True and d["regressions"] == [], d["regressions"]
' "$TMP/r.json" "$SLOW" || fail "--gate-tests: JSON findings"

run "$E2E" perf-report -s py --db "$TMP/db" --compare-baseline --gate-tests -b "$TMP/base.json" --min-delta-ms 50
expect_rc 1 "--gate-tests, text"
expect_out_has "1 test slower (1 critical)" "text: verdict line"
expect_out_has "  test $SLOW: duration " "text: the finding"
expect_out_has "tests not judged:
  test test_demo.py::test_failing_3: duration - -> " "text: the failed test listed"
NTESTS=$((NTESTS + 1))
grep -q "^  test $SLOW: duration .* regression \[critical\]$" <<<"$OUT" || fail "text: regression line: $OUT"

for f in markdown html csv junit github gitlab-codequality; do
  run "$E2E" perf-report -s py --db "$TMP/db" --compare-baseline --gate-tests -b "$TMP/base.json" \
    --min-delta-ms 50 -f "$f"
  expect_rc 1 "--gate-tests -f $f"
  NTESTS=$((NTESTS + 1))
  grep -qE 'orders\\?_4.{0,6}: duration [0-9.]+ ms -(>|&gt;|\\>) [0-9.,]+ ms' <<<"$OUT" ||
    fail "-f $f: no finding for the slower test"
done

# Without --gate-tests the tests are not judged: the endpoints pass.
run "$E2E" perf-report -s py --db "$TMP/db" --compare-baseline -b "$TMP/base.json" --min-delta-ms 50 -f json
expect_rc 0 "no --gate-tests: tests not judged"
NTESTS=$((NTESTS + 1))
"$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert "test_gate" not in d and d["summary"]["gate_failed"] is False, d["summary"]
' <<<"$OUT" || fail "no --gate-tests: JSON"

# perf-profile --compare-baseline --gate-tests itself, the failing test
# left out (so the exit status is the gate's): missing, listed.
PROFILE=(--compare-baseline --gate-tests -f json --out "$TMP/p.json")
PYSUITE_SLOW_ORDERS=1.0 suite -k "not failing"
expect_rc 1 "perf-profile --gate-tests: the gate fails"
NTESTS=$((NTESTS + 1))
"$PY" -c '
import json, sys
t = {x["name"]: x for x in json.load(open(sys.argv[1]))["test_gate"]["tests"]}
assert t[sys.argv[2]]["verdict"] == "regression", t[sys.argv[2]]
assert t["test_demo.py::test_failing_3"]["verdict"] == "missing", t["test_demo.py::test_failing_3"]
assert t["test_demo.py::test_failing_3"]["message"] == "test test_demo.py::test_failing_3: missing test, not judged"
' "$TMP/p.json" "$SLOW" || fail "perf-profile --gate-tests: JSON"
PROFILE=(--compare-baseline --gate-tests -f json --out "$TMP/q.json")
suite -k "not failing" --junit-xml "$TMP/j.xml"
expect_rc 0 "perf-profile --gate-tests, no test slower: the gate passes"
[ "$RC" -eq 0 ] || "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("regressions:", [(r["endpoint"], r["metric"], r["message"]) for r in d["regressions"]], file=sys.stderr)
print("tests:", [t["message"] for t in d["test_gate"]["tests"] if t["verdict"] == "regression"], file=sys.stderr)
' "$TMP/q.json"

# perf-report --junit: pytest's JUnit file attached to that stored run
# after the fact (its classname and status), kept for later reports.
run "$E2E" perf-report -s py --db "$TMP/db" --junit "$TMP/j.xml" --junit "$TMP/none-*.xml" -f json
expect_rc 0 "perf-report --junit"
expect_err "e2e: perf-report: warning: --junit '$TMP/none-*.xml' matches no file" "--junit: no match is a warning"
run "$E2E" perf-report -s py --db "$TMP/db" -f json
NTESTS=$((NTESTS + 1))
"$PY" -c '
import json, sys
t = {x["name"]: x for x in json.load(sys.stdin)["tests"]["tests"]}
o = t["test_demo.py::test_orders_4"]
assert o["classname"] == "test_demo" and o["status"] == "passed" and o["requests"] == 4, o
assert len(t) == 12, sorted(t)
' <<<"$OUT" || fail "perf-report --junit: the run's tests gained their classname"
run "$E2E" perf-report -s py --db "$TMP/db" --runs 2 --junit "$TMP/j.xml"
expect_rc 2 "--junit with --runs 2"
expect_err "e2e: perf-report: '--junit' attaches to one run: not with '--runs 2'" "--junit with --runs 2"

# A baseline without test durations: a note, the endpoints judged as always.
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1])); del d["tests"]; json.dump(d, open(sys.argv[2], "w"))
' "$TMP/base.json" "$TMP/old.json"
run "$E2E" perf-report -s py --db "$TMP/db" --compare-baseline --gate-tests -b "$TMP/old.json" --min-delta-ms 50
expect_rc 0 "--gate-tests, old baseline"
expect_out_has "tests_not_judged: --gate-tests: baseline '$TMP/old.json' keeps no test durations" "old baseline: the note"

finish

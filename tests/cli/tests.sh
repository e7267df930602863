#!/usr/bin/env bash
# Which test issued each request (SPEC section 11), end to end with real
# frameworks: a real pytest suite (Debian's python3-pytest + requests)
# against demo/service.py through perf-profile, serial and with
# pytest-xdist workers, each test's request count asserted exactly (it is
# the number its name ends in); a shell suite using the control endpoint
# with bad input; and the upstream never seeing a marker or the header.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
PY=/usr/bin/python3
need_pytest

# want_pytest: what report_tests must print for tests/cli/pysuite.
want_pytest() {
  "$PY" - <<'PYEOF'
names = ["health_1", "users_list_2", "user_by_id_5", "me_3", "orders_4", "create_order_2",
         "no_http_0", "param_1[7]", "param_1[8]", "param_1[9]", "urllib_2", "failing_3",
         "unicode_1[caf\\xe9 100%]"]
rows = []
for n in names:
    count = n.split("[")[0].rsplit("_", 1)[1]
    rows.append("test_demo.py::test_%s %s %s" % (n, count, "failed" if n.startswith("failing") else "passed"))
print("\n".join(sorted(rows)))
print("outside 0")
print("unattributed 0")
PYEOF
}

demo_service

# A serial run: markers alone would do; the header is there too.
run timeout 120 "$E2E" perf-profile -q -s py --target "$T" --db "$TMP/py.db" -f json --out "$TMP/r.json" -- \
  "$PY" -m pytest -q -p no:cacheprovider --rootdir "$SRC/tests/cli/pysuite" "$SRC/tests/cli/pysuite"
expect_rc 1 "pytest suite with a failing test: its status is e2e's"
expect_out_has "12 passed" "pytest ran the suite"
NTESTS=$((NTESTS + 1))
[ "$(report_tests "$TMP/py.db")" = "$(want_pytest)" ] ||
  fail "serial pytest: per-test requests: $(diff <(report_tests "$TMP/py.db") <(want_pytest))"
NTESTS=$((NTESTS + 1))
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = {x["name"]: x for x in d["tests"]["tests"]}
f = t["test_demo.py::test_failing_3"]
assert f["status"] == "failed" and f["failed_runs"] == 1 and f["duration_ms"] > 0, f
assert d["endpoints"]["GET /users/{id}"]["called_by"][0] == {"test": "test_demo.py::test_user_by_id_5", "count": 5}
assert not any("__e2e" in k for k in d["endpoints"]), list(d["endpoints"])
' "$TMP/r.json" || fail "serial pytest: JSON report"

# Every format has the tests section.
for f in text markdown html csv; do
  NTESTS=$((NTESTS + 1))
  "$E2E" perf-report --db "$TMP/py.db" -f "$f" | grep -qE 'test\\?_user\\?_by\\?_id\\?_5 \(5x\)' ||
    fail "-f $f: no tests section naming the callers"
done
NTESTS=$((NTESTS + 1))
[ "$("$E2E" perf-report --db "$TMP/py.db" -f csv | head -n 1 | awk -F, '{print $NF}')" = called_by ] ||
  fail "-f csv: no called_by column"

# pytest-xdist: two workers run tests at once; the header keeps it exact.
if "$PY" -c 'import xdist' 2>/dev/null; then
  run timeout 120 "$E2E" perf-profile -q -s xd --target "$T" --db "$TMP/xd.db" -- \
    "$PY" -m pytest -q -p no:cacheprovider --rootdir "$SRC/tests/cli/pysuite" -n 2 "$SRC/tests/cli/pysuite"
  expect_rc 1 "pytest -n 2"
  NTESTS=$((NTESTS + 1))
  [ "$(report_tests "$TMP/xd.db")" = "$(want_pytest)" ] ||
    fail "pytest-xdist: per-test requests: $(diff <(report_tests "$TMP/xd.db") <(want_pytest))"
else
  echo "note: python3-pytest-xdist is not installed; the parallel case is not run" >&2
fi

# A shell suite: markers by hand, bad input answered and counted, requests
# outside tests and with a bad header kept (unattributed), nothing lost.
cat >"$TMP/suite.sh" <<'SH'
c() { curl -s -o /dev/null -w '%{http_code}\n' "$@"; }
c "$E2E_PROXY_URL/health"
c -X POST "$E2E_CONTROL_URL/start?name=shell%20one"
c "$E2E_PROXY_URL/users/1"; c "$E2E_PROXY_URL/users/2"
c -X POST "$E2E_CONTROL_URL/end?name=shell%20one&status=passed"
c -X POST "$E2E_CONTROL_URL/start?name=a"; c -X POST "$E2E_CONTROL_URL/start?name=b"
c "$E2E_PROXY_URL/users/3"
c -H 'E2E-Test: b' "$E2E_PROXY_URL/users/4"
c -X POST "$E2E_CONTROL_URL/end?name=a"; c -X POST "$E2E_CONTROL_URL/end?name=b&status=failed"
curl -s -X POST "$E2E_CONTROL_URL/begin?name=x"
curl -s -X POST "$E2E_CONTROL_URL/end?name=never"
curl -s -X POST "$E2E_CONTROL_URL/end?name=a&status=great"
c -H "E2E-Test: $(head -c 10240 /dev/zero | tr '\0' x)" "$E2E_PROXY_URL/users/5"
SH
run timeout 60 "$E2E" perf-profile -s sh --target "$T" --db "$TMP/sh.db" -f json -- bash "$TMP/suite.sh"
expect_rc 0 "shell suite"
NTESTS=$((NTESTS + 1))
[ "$(sed -n '/^{/q;p' <<<"$OUT")" = "200
204
200
200
204
204
204
200
200
204
204
404 unknown marker 'begin': use start or end
409 test 'never' was never started
400 unknown test status 'great': use passed, failed, skipped, error, xfailed, xpassed
200" ] || fail "shell suite: replies: $OUT"
NTESTS=$((NTESTS + 1))
[ "$(report_tests "$TMP/sh.db")" = "a 0 passed
b 1 failed
shell one 2 passed
outside 1
unattributed 2" ] || fail "shell suite: per-test requests: $(report_tests "$TMP/sh.db")"
expect_err_has "warning: 3 test markers were refused" "refused markers are counted"
expect_err_has "warning: 1 request had a bad E2E-Test header" "a bad header is counted"

# The upstream sees neither a marker nor the header.
start_service python3 "$SRC/tests/cli/log_upstream.py" "$TMP/up.log"
cat >"$TMP/up.sh" <<'SH'
curl -s -o /dev/null -X POST "$E2E_CONTROL_URL/start?name=t"
curl -s -o /dev/null -H 'E2E-Test: t' "$E2E_PROXY_URL/ping"
curl -s -o /dev/null -X POST "$E2E_CONTROL_URL/end?name=t"
SH
run timeout 60 "$E2E" perf-profile -q -s up --target "http://127.0.0.1:$PORT" --db "$TMP/up.db" -- bash "$TMP/up.sh"
expect_rc 0 "markers around a request to a logging upstream"
NTESTS=$((NTESTS + 1))
grep -q 'GET /ping' "$TMP/up.log" || fail "the request did not reach the upstream"
NTESTS=$((NTESTS + 1))
! grep -qi -e '__e2e' -e 'e2e-test' "$TMP/up.log" || fail "a marker or the header reached the upstream: $(cat "$TMP/up.log")"

# A regression names the tests that exercise it: the baseline from the
# serial run above, then /users slower by 60 ms.
run "$E2E" perf-report -q -s py --db "$TMP/py.db" --baseline-dir "$TMP/bl" --set-baseline -f json
expect_rc 0 "baseline from the pytest run"
start_service python3 "$SRC/demo/service.py" --port 0 --delay /users=60
run timeout 120 "$E2E" perf-profile -q -s py --target "http://127.0.0.1:$PORT" --db "$TMP/py.db" \
  --baseline-dir "$TMP/bl" --compare-baseline -- \
  "$PY" -m pytest -q -p no:cacheprovider --rootdir "$SRC/tests/cli/pysuite" "$SRC/tests/cli/pysuite"
expect_rc 1 "a slower /users fails the gate"
expect_out_has "regression [critical]; called by test_demo.py::test_user_by_id_5 (5x), test_demo.py::test_failing_3 (3x), test_demo.py::test_param_1[7] (1x) and 2 more" \
  "the regression names its tests"
NTESTS=$((NTESTS + 1))
"$E2E" perf-report -s py --db "$TMP/py.db" --baseline-dir "$TMP/bl" --compare-baseline -f json | "$PY" -c '
import json, sys
r = json.load(sys.stdin)["regressions"][0]
assert r["called_by"][0] == {"test": "test_demo.py::test_user_by_id_5", "count": 5}, r
' || fail "JSON regressions name their tests"

finish

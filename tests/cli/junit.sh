#!/usr/bin/env bash
# perf-profile --junit (SPEC section 11): JUnit XML from a real pytest
# (--junitxml) joined with its markers; Maven Surefire and Playwright
# junit files written by a shell suite, joined with e2e mark markers by
# name or added as tests of their own, each status, classname and
# duration exact; bad XML a warning naming file and line, the run kept.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
PY=/usr/bin/python3

# junit_tests DB: "NAME|CLASSNAME|STATUS|DURATION_MS|REQUESTS" per test, sorted.
junit_tests() {
  "$E2E" perf-report --db "$1" -f json | "$PY" -c '
import json, sys
for t in sorted(json.load(sys.stdin)["tests"]["tests"], key=lambda t: t["name"]):
    print("%s|%s|%s|%s|%d" % (t["name"], t["classname"], t["status"], t["duration_ms"], t["requests"]))'
}

demo_service

# A shell suite: markers for two tests, JUnit files from "Surefire" and
# "Playwright" written during the run, one bad file, one stale file.
mkdir -p "$TMP/reports"
printf '<testsuite/>' >"$TMP/reports/stale.xml"
touch -d '2020-01-01' "$TMP/reports/stale.xml"
cat >"$TMP/suite.sh" <<SH
set -e
R=$TMP/reports
"\$E2E" mark start com.shop.CheckoutTest.testPay
curl -s -o /dev/null "\$E2E_PROXY_URL/users/1"; curl -s -o /dev/null "\$E2E_PROXY_URL/orders/2"
"\$E2E" mark end com.shop.CheckoutTest.testPay
"\$E2E" mark start "demo.spec.js > orders > by id"
curl -s -o /dev/null "\$E2E_PROXY_URL/orders/3"
"\$E2E" mark end "demo.spec.js > orders > by id"
cat >\$R/TEST-com.shop.CheckoutTest.xml <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.shop.CheckoutTest" tests="3" failures="1" errors="0" skipped="1" time="3.75">
  <properties><property name="java.version" value="17"/></properties>
  <testcase name="testPay" classname="com.shop.CheckoutTest" time="1.5"/>
  <testcase name="testRefund" classname="com.shop.CheckoutTest" time="2,000.25">
    <failure message="expected 2 but was 3" type="java.lang.AssertionError">at Foo.java:12</failure>
  </testcase>
  <testcase name="testLater" classname="com.shop.CheckoutTest" time="0"><skipped/></testcase>
</testsuite>
XML
cat >\$R/playwright.xml <<'XML'
<testsuites id="" name="" tests="1" failures="0" skipped="0" errors="0" time="0.5">
<testsuite name="demo.spec.js" timestamp="2026-12-02T09:00:00.000Z" hostname="chromium" tests="1">
<testcase name="orders › by id" classname="demo.spec.js" time="0.25">
</testcase>
</testsuite>
</testsuites>
XML
printf '<testsuites>\n<testsuite>\n<testcase name="a"\n</testsuites>\n' >\$R/broken.xml
printf '<html><body/></html>\n' >\$R/page.xml
SH
run timeout 60 env E2E="$E2E" "$E2E" perf-profile -q -s ju --target "$T" --db "$TMP/ju.db" \
  --junit "$TMP/reports/*.xml" --junit "$TMP/none-*.xml" -- bash "$TMP/suite.sh"
expect_rc 0 "bad JUnit files do not fail the run"
NTESTS=$((NTESTS + 1))
[ "$(grep -c '^e2e: perf-profile: warning:' <<<"$ERR")" = 4 ] || fail "--junit warnings: $ERR"
expect_err_has "e2e: perf-profile: warning: '$TMP/reports/broken.xml' line 4: not well-formed XML: error parsing attribute name" \
  "bad XML: the warning names the file and line"
expect_err_has "e2e: perf-profile: warning: '$TMP/reports/page.xml' line 1: not JUnit XML: the root is <html>, not <testsuites>" \
  "not JUnit: the warning names the file"
expect_err_has "e2e: perf-profile: warning: '$TMP/reports/stale.xml' is older than the run: not read" \
  "a stale file is left alone"
expect_err_has "e2e: perf-profile: warning: --junit '$TMP/none-*.xml' matches no file" "a pattern without files"
NTESTS=$((NTESTS + 1))
got=$(junit_tests "$TMP/ju.db" | sed -E 's/\|passed\|[0-9.]+\|([0-9]+)$/|passed|M|\1/')
# The two marker tests keep their marker durations (not JUnit's); the rest
# have JUnit's.
want="com.shop.CheckoutTest.testPay|com.shop.CheckoutTest|passed|M|2
com.shop.CheckoutTest::testLater|com.shop.CheckoutTest|skipped|None|0
com.shop.CheckoutTest::testRefund|com.shop.CheckoutTest|failed|2000250.0|0
demo.spec.js > orders > by id|demo.spec.js|passed|M|1"
[ "$got" = "$want" ] || fail "--junit joined: $(diff <(echo "$got") <(echo "$want"))"

# pytest's own --junitxml, joined with the pytest plugin's markers.
run timeout 120 "$E2E" perf-profile -q -s py --target "$T" --db "$TMP/py.db" --junit "$TMP/py.xml" -- \
  "$PY" -m pytest -q -p no:cacheprovider --junitxml "$TMP/py.xml" --rootdir "$SRC/tests/cli/pysuite" "$SRC/tests/cli/pysuite"
expect_rc 1 "pytest with a failing test"
NTESTS=$((NTESTS + 1))
"$E2E" perf-report --db "$TMP/py.db" -f json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)["tests"]
t = {x["name"]: x for x in d["tests"]}
assert len(t) == 13, sorted(t)
assert all(x["classname"] == "test_demo" for x in t.values()), [(x["name"], x["classname"]) for x in t.values()]
assert t["test_demo.py::test_failing_3"]["status"] == "failed", t["test_demo.py::test_failing_3"]
assert t["test_demo.py::test_user_by_id_5"]["requests"] == 5
' || fail "pytest --junitxml: classname per test"

finish

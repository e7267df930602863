#!/usr/bin/env bash
# e2e mark (SPEC section 11): a shell suite's test markers through
# perf-profile against the demo service, each test's request count and
# status asserted; bad input answered with a warning and exit 0 (a marker
# never breaks a suite), usage errors with exit 2; outside perf-profile one
# warning per calling shell.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

# Usage errors: exit 2, one line and the hint.
for args in "begin x" "end" "start" "start x --status failed" "end x --status great" "--bogus"; do
  # shellcheck disable=SC2086
  run "$E2E" mark $args
  expect_rc 2 "e2e mark $args"
done
run "$E2E" mark begin x
expect_err "e2e: mark: unknown marker 'begin': use start or end" "unknown verb"
run "$E2E" mark end x --status great
expect_err "e2e: mark: option '--status': 'great' is not one of passed, failed, skipped, error, xfailed, xpassed" \
  "unknown status"
run "$E2E" mark start x --status failed
expect_err "e2e: mark: '--status' is for 'end', not 'start'" "--status with start"

# Outside perf-profile: a warning once per calling shell, exit 0.
cat >"$TMP/outside.sh" <<'SH'
unset E2E_CONTROL_URL
"$E2E" mark start a && "$E2E" mark end a && "$E2E" mark start b
echo "rc=$?"
SH
run env E2E="$E2E" TMPDIR="$TMP" bash "$TMP/outside.sh"
expect_rc 0 "outside perf-profile"
expect_out "rc=0" "outside perf-profile: every marker exits 0"
NTESTS=$((NTESTS + 1))
[ "$ERR" = "e2e: mark: warning: not under 'e2e perf-profile' (E2E_CONTROL_URL is not set): test markers are ignored" ] ||
  fail "outside perf-profile: one warning, got '$ERR'"

demo_service

# A shell suite: three tests, one failing, requests before and between
# tests, and bad markers that warn and go on.
cat >"$TMP/suite.sh" <<'SH'
c() { curl -s -o /dev/null "$E2E_PROXY_URL$1"; }
c /health
"$E2E" mark start "login flow"
c /users/1; c /users/2; c /me
"$E2E" mark end "login flow"
c /health
"$E2E" mark start "café 100%"
c /orders
"$E2E" mark end "café 100%" --status skipped
"$E2E" mark start checkout
c /users/3; c /orders; c /orders; c /health
"$E2E" mark start checkout
"$E2E" mark end checkout --status failed
"$E2E" mark end never
"$E2E" mark start "$(head -c 10240 /dev/zero | tr '\0' x)"
echo "suite done"
SH
run timeout 60 env E2E="$E2E" "$E2E" perf-profile -q -s mk --target "$T" --db "$TMP/mk.db" -f json --out "$TMP/r.json" -- \
  bash "$TMP/suite.sh"
expect_rc 0 "shell suite with e2e mark"
expect_out "suite done" "the suite ran to its end"
NTESTS=$((NTESTS + 1))
[ "$(report_tests "$TMP/mk.db")" = "café 100% 1 skipped
checkout 4 failed
login flow 3 passed
outside 2
unattributed 0" ] || fail "e2e mark: per-test requests: $(report_tests "$TMP/mk.db")"
NTESTS=$((NTESTS + 1))
[ "$(grep '^e2e: mark:' <<<"$ERR")" = "e2e: mark: warning: test marker refused: 409 test 'checkout' is already running
e2e: mark: warning: test marker refused: 409 test 'never' was never started
e2e: mark: warning: test marker refused: 400 test name too long (more than 1024 bytes): 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'" ] ||
  fail "e2e mark: refusals: $ERR"
expect_err_has "warning: 3 test markers were refused" "the run counts refused markers"
NTESTS=$((NTESTS + 1))
"$PY" -c '
import json, sys
t = {x["name"]: x for x in json.load(open(sys.argv[1]))["tests"]["tests"]}
assert t["checkout"]["duration_ms"] > 0 and t["checkout"]["failed_runs"] == 1, t["checkout"]
' "$TMP/r.json" || fail "e2e mark: JSON report"

# A proxy that is gone: a warning, exit 0.
run env E2E_CONTROL_URL=http://127.0.0.1:1/__e2e/v1/test "$E2E" mark start x
expect_rc 0 "no proxy at E2E_CONTROL_URL"
expect_err_has "e2e: mark: warning: test marker not sent: 'http://127.0.0.1:1/__e2e/v1/test/start?name=x': " \
  "no proxy: the warning names the URL"

# Integrations that are not installed are not named: pytest would stop
# the suite on an ImportError for a plugin it cannot find.
run env E2E_INTEGRATIONS_DIR="$TMP/no-such-dir" PYTEST_PLUGINS= PW_TEST_REPORTER= \
  "$E2E" perf-profile -q -s none --target http://127.0.0.1:1 --db "$TMP/none.db" -o "$TMP" -- \
  sh -c 'echo "plugins=[$PYTEST_PLUGINS] reporter=[$PW_TEST_REPORTER]"'
expect_rc 0 "no integrations installed"
expect_out_has "plugins=[] reporter=[]" "no integrations installed: none named"
run env E2E_INTEGRATIONS_DIR="$E2E_SOURCE_ROOT/integrations" PYTEST_PLUGINS= PW_TEST_REPORTER= \
  "$E2E" perf-profile -q -s none --target http://127.0.0.1:1 --db "$TMP/none.db" -o "$TMP" -- \
  sh -c 'echo "plugins=[$PYTEST_PLUGINS] reporter=[$PW_TEST_REPORTER]"'
expect_rc 0 "integrations installed"
expect_out_has "plugins=[e2e_pytest] reporter=[$E2E_SOURCE_ROOT/integrations/playwright/e2e_playwright_reporter.js]" \
  "integrations installed: both named"

finish

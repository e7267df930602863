#!/usr/bin/env bash
# The Playwright integration (SPEC section 11) with real parts: @playwright/test
# from npm (tests/playwright/package-lock.json, installed once into the
# build directory; no browser is downloaded) driving Debian's chromium
# against demo/service.py through perf-profile, with one worker and with
# two running tests at once; each test's request count (the number its
# title ends in) and status asserted exactly. Nothing in the suite or its
# configuration names e2e: the reporter loads itself through
# PW_TEST_REPORTER.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
BUILD=${E2E_BUILD_ROOT:?}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
[ -x "$CHROMIUM" ] || { echo "SKIP: $CHROMIUM is not installed (Debian's chromium, tools/deps.sh)"; exit 77; }

# @playwright/test, installed when the lock file changed.
NM=$BUILD/tests-playwright
if ! cmp -s "$SRC/tests/playwright/package-lock.json" "$NM/package-lock.json"; then
  rm -rf "$NM" && mkdir -p "$NM"
  cp "$SRC/tests/playwright/package.json" "$SRC/tests/playwright/package-lock.json" "$NM/"
  (cd "$NM" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 300 npm ci --no-audit --no-fund --loglevel=error) ||
    { fail "npm ci of tests/playwright failed"; finish; }
fi
WORK=$TMP/pw
mkdir -p "$WORK"
cp -r "$SRC/tests/playwright/playwright.config.js" "$SRC/tests/playwright/tests" "$WORK/"
ln -s "$NM/node_modules" "$WORK/node_modules"

want() {
  cat <<'TXT'
demo.spec.js > api request 2 2 passed
demo.spec.js > failing 1 1 failed
demo.spec.js > health 1 1 passed
demo.spec.js > no http 0 0 passed
demo.spec.js > orders > by id 4 4 passed
demo.spec.js > orders > café 100% 2 2 passed
demo.spec.js > skipped 0 0 skipped
demo.spec.js > users from the page 3 3 passed
outside 0
unattributed 0
TXT
}

demo_service

for workers in 1 2; do
  run timeout 240 env -C "$WORK" PW_WORKERS=$workers CHROMIUM="$CHROMIUM" \
    "$E2E" perf-profile -q -s pw --target "$T" --db "$TMP/pw$workers.db" -- ./node_modules/.bin/playwright test
  expect_rc 1 "playwright ($workers workers): a failing test is the suite's status"
  expect_out_has "1 failed" "playwright ($workers workers) ran the suite"
  NTESTS=$((NTESTS + 1))
  [ "$(report_tests "$TMP/pw$workers.db")" = "$(want)" ] ||
    fail "playwright ($workers workers): per-test requests: $(diff <(report_tests "$TMP/pw$workers.db") <(want))"
done

# The service sees neither the markers nor the header, but the suite's own.
start_service python3 "$SRC/tests/cli/log_upstream.py" "$TMP/up.log"
cat >"$WORK/tests/one.spec.js" <<'JS'
const { test, expect } = require("@playwright/test");
test("one", async ({ request }) => {
  expect((await request.get("/ping")).status()).toBe(200);
});
JS
run timeout 120 env -C "$WORK" CHROMIUM="$CHROMIUM" \
  "$E2E" perf-profile -q -s up --target "http://127.0.0.1:$PORT" --db "$TMP/up.db" -- ./node_modules/.bin/playwright test one.spec.js
expect_rc 0 "playwright against a logging upstream"
NTESTS=$((NTESTS + 1))
grep -q 'GET /ping' "$TMP/up.log" || fail "the request did not reach the upstream"
NTESTS=$((NTESTS + 1))
grep -qi 'x-suite: playwright' "$TMP/up.log" || fail "the suite's own extraHTTPHeaders were lost: $(cat "$TMP/up.log")"
NTESTS=$((NTESTS + 1))
! grep -qi -e '__e2e' -e 'e2e-test' "$TMP/up.log" || fail "a marker or the header reached the upstream: $(cat "$TMP/up.log")"
NTESTS=$((NTESTS + 1))
[ "$(report_tests "$TMP/up.db")" = "one.spec.js > one 1 passed
outside 0
unattributed 0" ] || fail "one test: $(report_tests "$TMP/up.db")"

finish

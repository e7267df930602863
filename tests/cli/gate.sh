#!/usr/bin/env bash
# The gate end to end: a real service whose per-route latency the test
# controls, a baseline from 3 proxied runs, then an unchanged run (exit 0)
# and a run with GET /users/{id} made 2x slower (exit 1, critical, the other
# endpoints pass).
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
command -v jq >/dev/null || { echo "jq missing" >&2; exit 1; }

cat >"$TMP/suite.sh" <<'SH'
#!/usr/bin/env bash
set -eu
for i in $(seq 1 30); do
  curl -fsS -o /dev/null "$E2E_PROXY_URL/users/$i"
  curl -fsS -o /dev/null "$E2E_PROXY_URL/users"
  curl -fsS -o /dev/null "$E2E_PROXY_URL/orders/$((i * 1000 + 7))"
done
SH
chmod +x "$TMP/suite.sh"
DB="$TMP/p.db"
BL="$TMP/baselines"

start_service python3 "$SRC/demo/service.py" --port 0 --delay /users/=20 --delay /users=10 --delay /orders=15
run "$E2E" perf-profile -s shop --target "http://127.0.0.1:$PORT" --db "$DB" -q --repeat 3 --set-baseline --baseline-dir "$BL" -- "$TMP/suite.sh"
expect_rc 0 "baseline from 3 runs"
jq -e '.source_runs | length == 3' "$BL/shop.json" >/dev/null 2>&1 || jq -e '.runs | length == 3' "$BL/shop.json" >/dev/null 2>&1 \
  || fail "baseline does not hold 3 source runs"

run "$E2E" perf-profile -s shop --target "http://127.0.0.1:$PORT" --db "$DB" -q --compare-baseline --baseline-dir "$BL" -f json -- "$TMP/suite.sh"
expect_rc 0 "unchanged run passes"
[ "$(printf '%s' "$OUT" | jq '.regressions | length')" = 0 ] || fail "unchanged run has regressions: $(printf '%s' "$OUT" | jq -c .regressions)"

# at least 2x the measured latency: the service and the proxy add about a
# millisecond of their own to every delay (more under valgrind)
start_service python3 "$SRC/demo/service.py" --port 0 --delay /users/=48 --delay /users=10 --delay /orders=15
run "$E2E" perf-profile -s shop --target "http://127.0.0.1:$PORT" --db "$DB" -q --compare-baseline --baseline-dir "$BL" -f json -- "$TMP/suite.sh"
expect_rc 1 "2x slower route fails the gate"
printf '%s' "$OUT" > "$TMP/cmp.json"
jq -e '[.regressions[] | select(.endpoint == "GET /users/{id}" and .severity == "critical")] | length >= 1' "$TMP/cmp.json" >/dev/null \
  || fail "GET /users/{id} not critical: $(jq -c .regressions "$TMP/cmp.json")"
jq -e '[.regressions[] | select(.endpoint != "GET /users/{id}")] | length == 0' "$TMP/cmp.json" >/dev/null \
  || fail "other endpoints flagged: $(jq -c .regressions "$TMP/cmp.json")"

# the same comparison from perf-report, as text: one line names the route
run "$E2E" perf-report -s shop --db "$DB" --compare-baseline --baseline-dir "$BL"
expect_rc 1 "perf-report gate"
expect_out_has "GET /users/{id}" "perf-report names the route"
expect_out_has "critical" "perf-report says critical"

# --fail-on never reports but passes
run "$E2E" perf-report -s shop --db "$DB" --compare-baseline --baseline-dir "$BL" --fail-on never
expect_rc 0 "--fail-on never"

finish

#!/usr/bin/env bash
# perf-profile end to end: a real service (demo/service.py) on 127.0.0.1,
# real curl through the proxy, a real SQLite file; wrap and session modes,
# environment, exit-status propagation, signals, error exits.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
command -v jq >/dev/null || { echo "jq missing" >&2; exit 1; }

start_service python3 "$SRC/demo/service.py" --port 0
T="http://127.0.0.1:$PORT"
DB="$TMP/p.db"

cat >"$TMP/suite.sh" <<'SH'
#!/usr/bin/env bash
set -eu
for i in 1 2 3 4 5; do
  curl -fsS -o /dev/null "$E2E_PROXY_URL/users/$i?token=secret"
  curl -fsS -o /dev/null "$BASE_URL/health"
done
curl -fsS -o /dev/null -X POST -d 'abcdef' "$E2E_PROXY_URL/orders"
curl -sS -o /dev/null "$E2E_PROXY_URL/nope" || true
SH
chmod +x "$TMP/suite.sh"

# wrap mode: 12 requests, all recorded, report on stdout as JSON
run "$E2E" perf-profile -s users-api --target "$T" --db "$DB" --env BASE_URL -q -f json -- "$TMP/suite.sh"
expect_rc 0 "wrap mode"
echo "$OUT" > "$TMP/r.json"
jq -e . "$TMP/r.json" >/dev/null || fail "wrap mode: stdout is not JSON"
[ "$(jq -r .total_requests "$TMP/r.json")" = 12 ] || fail "wrap mode: total_requests $(jq -r .total_requests "$TMP/r.json"), want 12"
[ "$(jq -r '.endpoints["GET /users/{id}"].call_count' "$TMP/r.json")" = 5 ] || fail "GET /users/{id} count"
[ "$(jq -r '.endpoints["GET /health"].call_count' "$TMP/r.json")" = 5 ] || fail "GET /health count (--env BASE_URL)"
[ "$(jq -r '.endpoints["POST /orders"].call_count' "$TMP/r.json")" = 1 ] || fail "POST /orders count"
[ "$(jq -r '.endpoints["GET /nope"].call_count' "$TMP/r.json")" = 1 ] || fail "GET /nope count"
[ "$(jq -r .service_name "$TMP/r.json")" = users-api ] || fail "service_name"

# the query value never reaches the database
if grep -a -q secret "$DB" "$DB-wal" 2>/dev/null; then fail "a query-string value was stored"; fi

# the list shows the run as complete with its command's exit status
run "$E2E" perf-report --db "$DB" --list -f json
expect_rc 0 "list"

# the wrapped command's non-zero status wins (after the report)
run "$E2E" perf-profile -s users-api --target "$T" --db "$DB" -q -- sh -c 'curl -fsS -o /dev/null "$E2E_PROXY_URL/health"; exit 7'
expect_rc 7 "child exit status"
expect_out_has "GET /health" "report still printed when the suite fails"

# a command that cannot be run (under valgrind posix_spawn falls back to
# fork + exec and the child reports the failure as 127, like a shell)
if [ -z "${E2E_VALGRIND:-}" ]; then
  run "$E2E" perf-profile -s users-api --target "$T" --db "$DB" -q -- /nonexistent/suite
  expect_rc 3 "missing command"
  expect_err "e2e: perf-profile: cannot run '/nonexistent/suite': No such file or directory" "missing command"
fi

# session mode ends after --duration
run "$E2E" perf-profile -s sess --target "$T" --db "$DB" -q --duration 0.5s
expect_rc 0 "session --duration"

# session mode ends cleanly on SIGINT, and records what went through it
"$E2E" perf-profile -s sigint --target "$T" --db "$DB" --listen 127.0.0.1:0 >"$TMP/sess.out" 2>"$TMP/sess.err" &
PID=$!
URL=$(session_url "$TMP/sess.err")
[ -n "$URL" ] || fail "session mode did not print its URL: $(cat "$TMP/sess.err")"
for i in 1 2 3; do curl -fsS -o /dev/null "$URL/users/$i"; done
kill -INT $PID
wait $PID; RC=$?
expect_rc 0 "session SIGINT"
grep -q "GET /users/{id}" "$TMP/sess.out" || fail "session report lacks the endpoint: $(cat "$TMP/sess.out")"
run "$E2E" perf-report --db "$DB" -s sigint -f json
[ "$(printf '%s' "$OUT" | jq -r .total_requests)" = 3 ] || fail "session recorded $(printf '%s' "$OUT" | jq -r .total_requests), want 3"

# cannot bind: the port is taken by the service itself
run "$E2E" perf-profile -s x --target "$T" --db "$DB" -q --listen "127.0.0.1:$PORT" -- true
expect_rc 3 "bind failure"
expect_err_has "cannot listen on '127.0.0.1:$PORT'" "bind failure"

# nothing captured where a comparison was asked for
mkdir -p "$TMP/bl"
run "$E2E" perf-profile -s users-api --target "$T" --db "$DB" -q --env BASE_URL --repeat 2 --set-baseline --baseline-dir "$TMP/bl" -- "$TMP/suite.sh"
expect_rc 0 "set baseline"
[ -s "$TMP/bl/users-api.json" ] || fail "baseline file not written"
run "$E2E" perf-profile -s users-api --target "$T" --db "$DB" -q --compare-baseline --baseline-dir "$TMP/bl" -- true
expect_rc 4 "compare with nothing captured"

finish

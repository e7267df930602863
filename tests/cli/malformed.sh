#!/usr/bin/env bash
# Malformed clients over raw sockets (tests/cli/malformed.py) against a
# perf-profile session in front of a real service: each gets a clean 4xx or
# a closed connection, the proxy keeps serving, and the session still ends
# cleanly on SIGINT with its report.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
python3 "$SRC/demo/service.py" --port 0 >"$TMP/svc.out" 2>&1 &
SVC=$!
trap 'kill $SVC 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 1 100); do PORT=$(awk '/^PORT/ {print $2}' "$TMP/svc.out"); [ -n "$PORT" ] && break; sleep 0.05; done
[ -n "$PORT" ] || { echo "service did not start" >&2; exit 1; }

"$E2E" perf-profile -s hostile --target "http://127.0.0.1:$PORT" --db "$TMP/p.db" >"$TMP/sess.out" 2>"$TMP/sess.err" &
PID=$!
URL=$(session_url "$TMP/sess.err")
URL=${URL#http://}
[ -n "$URL" ] || { cat "$TMP/sess.err" >&2; fail "session did not print its URL"; finish; }

NTESTS=$((NTESTS + 1))
timeout 120 python3 "$SRC/tests/cli/malformed.py" "$URL" || fail "malformed clients (see above)"
kill -0 $PID 2>/dev/null || fail "the proxy died"
kill -INT $PID
wait $PID; RC=$?
expect_rc 0 "session ends cleanly after hostile clients"
grep -q "GET /health" "$TMP/sess.out" || fail "no report after hostile clients: $(cat "$TMP/sess.out")"
finish

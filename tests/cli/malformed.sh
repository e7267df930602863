#!/usr/bin/env bash
# Malformed clients over raw sockets (tests/cli/malformed.py) against a
# perf-profile session in front of a real service: each gets a clean 4xx or
# a closed connection, the proxy keeps serving, and the session still ends
# cleanly on SIGINT with its report.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
start_service python3 "$SRC/demo/service.py" --port 0

start_session hostile

NTESTS=$((NTESTS + 1))
timeout 120 python3 "$SRC/tests/cli/malformed.py" "$URL" || fail "malformed clients (see above)"
kill -0 $PID 2>/dev/null || fail "the proxy died"
kill -INT $PID
wait $PID; RC=$?
expect_rc 0 "session ends cleanly after hostile clients"
grep -q "GET /health" "$TMP/sess.out" || fail "no report after hostile clients: $(cat "$TMP/sess.out")"
finish

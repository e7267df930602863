#!/usr/bin/env bash
# Request framing (issue 14) over raw sockets (tests/cli/framing.py): each
# hostile head gets 400/501 with a short body and a closed connection, the
# upstream (tests/cli/log_upstream.py, which logs every byte) sees nothing,
# and the requests are recorded with the error kind "rejected".
. "$(dirname "$0")/lib.sh"
for t in jq python3; do command -v $t >/dev/null || { echo "$t missing" >&2; exit 1; }; done
SRC=${E2E_SOURCE_ROOT:?}
start_service python3 "$SRC/tests/cli/log_upstream.py" "$TMP/up.log"

start_session framing

NTESTS=$((NTESTS + 1))
timeout 120 python3 "$SRC/tests/cli/framing.py" "$URL" "$TMP/up.log" || fail "framing cases (see above)"
kill -INT $PID
wait $PID; RC=$?
expect_rc 0 "session ends cleanly after refused requests"

run "$E2E" perf-report --db "$TMP/p.db" -f json
expect_rc 0 "report"
NTESTS=$((NTESTS + 1))
N=$(printf '%s' "$OUT" | jq '[.endpoints[].error_kinds.rejected // 0] | add')
[ "$N" = 18 ] || fail "rejected requests recorded: $N, want 18"
NTESTS=$((NTESTS + 1))
N=$(printf '%s' "$OUT" | jq '[.endpoints[].error_kinds | to_entries[] | select(.key != "rejected") | .value] | add // 0')
[ "$N" = 0 ] || fail "other error kinds recorded: $N"
finish

#!/usr/bin/env bash
# Upstream faults end to end through perf-profile: an upstream answering one
# byte at a time (the body arrives intact, the slow first byte is measured),
# and an upstream that is down (502, recorded as refused, the suite's own
# status decides). The other faults (reset mid-body, stall -> 504, invalid
# HTTP, closed keep-alive connections) are in the proxy integration test.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
command -v jq >/dev/null || { echo "jq missing" >&2; exit 1; }
start_service python3 "$SRC/tests/cli/dribble_upstream.py"

cat >"$TMP/suite.sh" <<'SH'
#!/usr/bin/env bash
set -eu
for i in 1 2 3; do
  body=$(curl -fsS "$E2E_PROXY_URL/items/$i")
  [ "$body" = '{"slow": "but complete", "n": 1234567890}' ] || { echo "body: $body" >&2; exit 9; }
done
SH
chmod +x "$TMP/suite.sh"
run "$E2E" perf-profile -s dribble --target "http://127.0.0.1:$PORT" --db "$TMP/p.db" -q -f json -- "$TMP/suite.sh"
expect_rc 0 "byte-at-a-time upstream: bodies intact"
printf '%s' "$OUT" >"$TMP/r.json"
[ "$(jq -r '.endpoints["GET /items/{id}"].call_count' "$TMP/r.json")" = 3 ] || fail "dribble: call_count"
[ "$(jq -r '.endpoints["GET /items/{id}"].errors' "$TMP/r.json")" = 0 ] || fail "dribble: errors"
# 120 bytes at >= 2 ms each: every request took at least 0.2 s upstream
jq -e '.endpoints["GET /items/{id}"].min_latency_ms >= 200' "$TMP/r.json" >/dev/null || fail "dribble: latency not measured to the last byte"

stop_service
run "$E2E" perf-profile -s down --target "http://127.0.0.1:$PORT" --db "$TMP/p.db" -q -f json -- \
  bash -c 'code=$(curl -sS -o /dev/null -w "%{http_code}" "$E2E_PROXY_URL/x"); [ "$code" = 502 ] || exit 8; exit 5'
expect_rc 5 "upstream down: 502 to the client, the suite's status wins"
printf '%s' "$OUT" | jq -e '.endpoints["GET /x"].error_kinds.refused == 1' >/dev/null || fail "upstream down: not recorded as refused: $OUT"
finish

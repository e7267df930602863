#!/usr/bin/env bash
# Request and response heads through the proxy (--max-header-bytes), end to
# end with real processes: a 60 KiB head (a large Cookie and an
# Authorization token) reaches the upstream byte for byte and is recorded;
# a 70 KiB one gets 431 with a body naming the limit, its connection is
# closed, nothing goes upstream, and the proxy keeps serving; an upstream
# head over the limit gets 502, recorded as head_too_large; the limit is
# exact (N bytes pass, N + 1 do not); bad values exit 2. About 10 s.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
for t in jq curl; do command -v $t >/dev/null || { echo "$t missing" >&2; exit 1; }; done
CLIENT="$SRC/tests/cli/heads_client.py"
start_service python3 "$SRC/tests/cli/log_upstream.py" "$TMP/up.log"

# session ARGS...: a perf-profile session in front of the upstream; sets PID, URL
session() {
  "$E2E" perf-profile -s heads --target "http://127.0.0.1:$PORT" --db "$TMP/p.db" "$@" \
    >"$TMP/sess.out" 2>"$TMP/sess.err" &
  PID=$!
  URL=$(session_url "$TMP/sess.err")
  URL=${URL#http://}
  [ -n "$URL" ] || { cat "$TMP/sess.err" >&2; kill $PID; fail "session did not print its URL"; finish; exit 1; }
}
# stop: ends the session with SIGINT; its status in RC
stop() { kill -INT $PID; wait $PID; RC=$?; expect_rc 0 "the session ends cleanly"; }
heads_seen() { grep -c '^GET ' "$TMP/up.log"; }
# sent_in FILE: did the upstream get FILE's bytes?
sent_in() {
  python3 -c 'import sys; sys.exit(0 if open(sys.argv[2], "rb").read() in open(sys.argv[1], "rb").read() else 1)' \
    "$TMP/up.log" "$1"
}
LIMIT_MSG="431 request header fields too large: the request head is 71680 bytes, over the proxy's limit of 65536 bytes (e2e perf-profile --max-header-bytes raises it)"

session
# 1. 60 KiB passes intact
run timeout 30 python3 "$CLIENT" "$URL" /cookie 61440 "$TMP/sent60"
expect_rc 0 "60 KiB head: client"
expect_out "STATUS 200 CLOSED 0
ok" "60 KiB head passes"
[ "$(heads_seen)" = 1 ] || fail "60 KiB head: upstream saw $(heads_seen) heads, want 1"
sent_in "$TMP/sent60" || fail "60 KiB head: the upstream did not get the Cookie and Authorization fields intact"
# 2. 70 KiB: 431 with its body, connection closed, nothing upstream
run timeout 30 python3 "$CLIENT" "$URL" /cookie 71680 "$TMP/sent70"
expect_rc 0 "70 KiB head: client"
expect_out "STATUS 431 CLOSED 1
$LIMIT_MSG" "70 KiB head gets 431 and a closed connection"
[ "$(heads_seen)" = 1 ] || fail "70 KiB head went upstream"
# 3. the proxy keeps serving
run curl -sS --max-time 10 "http://$URL/after"
expect_out ok "the next request after a 431"
# 4. response heads: 60,000 bytes of field pass, 70 KiB get 502
run curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{size_header}' "http://$URL/big/60000"
expect_out "200 60084" "a 60,000-byte response field passes"
run curl -sS --max-time 10 -w ' %{http_code}' "http://$URL/big/71680"
expect_out "502 bad gateway: the upstream's response head is too large
 502" "a 70 KiB response head gets 502"
stop
run "$E2E" perf-report --db "$TMP/p.db" -s heads -f json
expect_rc 0 "report"
[ "$(printf '%s' "$OUT" | jq .total_requests)" = 5 ] || fail "recorded $(printf '%s' "$OUT" | jq .total_requests) requests, want 5"
[ "$(printf '%s' "$OUT" | jq -c '.endpoints["GET /cookie"] | [.call_count, .status_codes, .error_kinds]')" = \
  '[2,{"200":1,"431":1},{"rejected":1}]' ] || fail "GET /cookie recorded as $(printf '%s' "$OUT" | jq -c '.endpoints["GET /cookie"]')"
[ "$(printf '%s' "$OUT" | jq '[.endpoints[].error_kinds.head_too_large // 0] | add')" = 1 ] ||
  fail "the 70 KiB response head is not recorded as head_too_large: $OUT"

# 5. the limit is exact: N bytes pass, N + 1 get 431
session --max-header-bytes 4096
run timeout 30 python3 "$CLIENT" "$URL" /cookie 4096 "$TMP/sent4k"
expect_out "STATUS 200 CLOSED 0
ok" "a head of exactly --max-header-bytes passes"
run timeout 30 python3 "$CLIENT" "$URL" /cookie 4097 "$TMP/sent4k1"
expect_out "STATUS 431 CLOSED 1
431 request header fields too large: the request head is 4097 bytes, over the proxy's limit of 4096 bytes (e2e perf-profile --max-header-bytes raises it)" \
  "one byte over --max-header-bytes gets 431"
run curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://$URL/big/4000"
expect_out 200 "a response head within 4096 bytes passes"
run curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://$URL/big/4096"
expect_out 502 "a response head over 4096 bytes gets 502"
stop

# 6. bad values
for v in 0 1023 1048577 abc 64k ''; do
  run "$E2E" perf-profile --target "http://127.0.0.1:$PORT" --max-header-bytes "$v" -- true
  expect_rc 2 "--max-header-bytes '$v'"
  expect_err "e2e: perf-profile: option '--max-header-bytes': '$v' is not a number from 1024 to 1048576" \
    "--max-header-bytes '$v' names the option"
done
finish

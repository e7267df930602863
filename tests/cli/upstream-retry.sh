#!/usr/bin/env bash
# Upstream connection faults against a scripted upstream
# (faulty_upstream.py), end to end through perf-profile (issue 14):
# - a request the upstream may have acted on (DELETE, POST) is never sent
#   twice when a reused connection closes without an answer: 502 `reset`;
#   a GET is retried once;
# - POSTs with a body on recycled connections to an upstream that closes
#   idle ones after a short, jittered time, or right after a response,
#   all get 200 (the pooled connection is checked before reuse);
# - a response that fails in the same read as its head (cut body, bad
#   chunk) reaches the client as a closed connection at once, not after
#   the 75 s idle timeout;
# - a response head too large for the proxy gets 502 `head_too_large`,
#   not an empty reply.
# Timing bounds are generous (5 s against 75 s): they assert behaviour.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
command -v jq >/dev/null || { echo "jq missing" >&2; exit 1; }
start_service python3 "$SRC/tests/cli/faulty_upstream.py" 1

# executions COUNT-OF "METHOD TARGET": how many times the upstream read it
executions() { grep -c "^REQ $1 " "$TMP/svc.out"; }
# kind ENDPOINT KIND: the recorded count of that error kind
kind() { jq -r --arg e "$1" --arg k "$2" '.endpoints[$e].error_kinds[$k] // 0' "$TMP/r.json"; }

cat >"$TMP/suite.sh" <<SH
#!/usr/bin/env bash
set -u
cd "$TMP"
code() { curl -sS -o /dev/null -m 60 -w '%{http_code}' "\$@" 2>/dev/null; }
code "\$E2E_PROXY_URL/warm" >/dev/null
code -X DELETE "\$E2E_PROXY_URL/close-nohead/order/42" >delete.code
code "\$E2E_PROXY_URL/warm" >/dev/null
code -X POST "\$E2E_PROXY_URL/close-nohead/bodyless" >post.code
code "\$E2E_PROXY_URL/warm" >/dev/null
code "\$E2E_PROXY_URL/close-nohead/get" >get.code
for t in head-then-close bad-chunk bad-chunk-later; do
  s=\$(date +%s%N); code "\$E2E_PROXY_URL/\$t" >\$t.code; e=\$(date +%s%N)
  echo \$(( (e - s) / 1000000 )) >\$t.ms
done
code "\$E2E_PROXY_URL/bighead/8" >big8.code
code "\$E2E_PROXY_URL/bighead/40" >big40.code
code "\$E2E_PROXY_URL/bighead/70" >big70.code
python3 "$SRC/tests/cli/post_client.py" 8 50 >posts.out
exit 0
SH
chmod +x "$TMP/suite.sh"
run "$E2E" perf-profile -s faults --target "http://127.0.0.1:$PORT" --db "$TMP/p.db" -q -f json -- "$TMP/suite.sh"
expect_rc 0 "faulty upstream: the suite passes"
printf '%s' "$OUT" >"$TMP/r.json"

# not re-sent: executed once, 502 reset
[ "$(cat "$TMP/delete.code")" = 502 ] || fail "DELETE close-nohead: client got $(cat "$TMP/delete.code"), want 502"
[ "$(executions "DELETE /close-nohead/order/42")" = 1 ] || fail "DELETE executed $(executions "DELETE /close-nohead/order/42") times, want 1"
[ "$(kind "DELETE /close-nohead/order/{id}" reset)" = 1 ] || fail "DELETE not recorded as reset: $OUT"
[ "$(cat "$TMP/post.code")" = 502 ] || fail "bodyless POST close-nohead: client got $(cat "$TMP/post.code"), want 502"
[ "$(executions "POST /close-nohead/bodyless")" = 1 ] || fail "bodyless POST executed $(executions "POST /close-nohead/bodyless") times, want 1"
# a GET is retried once on a fresh connection (which fails the same way)
[ "$(executions "GET /close-nohead/get")" = 2 ] || fail "GET close-nohead executed $(executions "GET /close-nohead/get") times, want 2"
[ "$(cat "$TMP/get.code")" = 502 ] || fail "GET close-nohead: client got $(cat "$TMP/get.code"), want 502"

# failing in the same read as the head: closed at once, recorded
for t in head-then-close bad-chunk bad-chunk-later; do
  ms=$(cat "$TMP/$t.ms")
  [ "$ms" -lt 5000 ] || fail "$t: the client waited $ms ms for the close"
done
[ "$(cat "$TMP/bad-chunk.code")" = 502 ] || fail "bad-chunk: client got $(cat "$TMP/bad-chunk.code"), want 502"
[ "$(kind "GET /bad-chunk" protocol)" = 1 ] || fail "bad-chunk not recorded as protocol: $OUT"
[ "$(kind "GET /bad-chunk-later" protocol)" = 1 ] || fail "bad-chunk-later not recorded as protocol: $OUT"
[ "$(kind "GET /head-then-close" reset)" = 1 ] || fail "head-then-close not recorded as reset: $OUT"

# response heads: 8 and 40 KiB forwarded, 70 KiB (over --max-header-bytes
# default) is 502 head_too_large
[ "$(cat "$TMP/big8.code")" = 200 ] || fail "8 KiB response head: client got $(cat "$TMP/big8.code")"
[ "$(cat "$TMP/big40.code")" = 200 ] || fail "40 KiB response head: client got $(cat "$TMP/big40.code"), want 200"
[ "$(cat "$TMP/big70.code")" = 502 ] || fail "70 KiB response head: client got $(cat "$TMP/big70.code"), want 502"
[ "$(kind "GET /bighead/{id}" head_too_large)" = 1 ] || fail "70 KiB head not recorded as head_too_large: $OUT"
[ "$(kind "GET /bighead/{id}" client_abort)" = 0 ] || fail "a large head recorded as client_abort: $OUT"

# POSTs on recycled connections: every one 200, executed once
[ "$(cat "$TMP/posts.out")" = "200:400" ] || fail "POSTs on recycled connections: $(cat "$TMP/posts.out"), want 200:400"
[ "$(grep -c '^REQ POST /post/' "$TMP/svc.out")" = 400 ] || fail "POSTs executed $(grep -c '^REQ POST /post/' "$TMP/svc.out") times, want 400"
[ "$(jq -r '.endpoints["POST /post/{id}"].errors' "$TMP/r.json")" = 0 ] || fail "POSTs recorded with errors: $OUT"
finish

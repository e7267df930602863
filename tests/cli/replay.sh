#!/usr/bin/env bash
# perf-replay (SPEC section 15) against real services on 127.0.0.1
# (tests/cli/delay_upstream.py): a constant rate against a known delay, a
# service that stalls 2 s mid-run, a spike profile, a HAR file's bodies and
# headers, and bad input. $1: the run_samples helper (tests/run_samples.c).
. "$(dirname "$0")/lib.sh"
for t in jq python3 curl sqlite3; do command -v $t >/dev/null || { echo "$t missing" >&2; exit 1; }; done
SRC=${E2E_SOURCE_ROOT:?}
SAMPLES=${1:?usage: replay.sh RUN_SAMPLES}
DB="$TMP/p.db"
UP="$SRC/tests/cli/delay_upstream.py"

# check WHAT CONDITION...: one check, failing with WHAT
check() { local what=$1; shift; NTESTS=$((NTESTS + 1)); "$@" || fail "$what"; }

# The source run: two users, the health check (no bodies) and a login
# with a body, which a stored run cannot replay.
start_service python3 "$UP" "$TMP/up.log" 20
run "$E2E" perf-profile -s shop --db "$DB" --target "http://127.0.0.1:$PORT" -q -- sh -c '
  curl -sf "$E2E_PROXY_URL/users/1?x=1" && curl -sf "$E2E_PROXY_URL/users/2" &&
  curl -sf "$E2E_PROXY_URL/health" && curl -sf -d user=a "$E2E_PROXY_URL/login"' 
expect_rc 0 "source run recorded"

# 1. Constant rate against a 20 ms service.
: >"$TMP/up.log"
run "$E2E" perf-replay --db "$DB" --target "http://127.0.0.1:$PORT" --from-run 1 --rate 100 --duration 5s
expect_rc 0 "constant replay"
expect_out_has "Replay: 100/s for 5.0 s" "summary names the profile"
expect_out_has "requested 500, sent 500" "every arrival sent"
expect_out_has "service shop, run 2 (" "the replay is run 2 of the source's service"
expect_err_has "note: 1 of the run's 4 requests had a body and are not replayed (bodies are never stored)" \
  "the body request is left out, and said so"
"$SAMPLES" "$DB" 2 >"$TMP/s2" || fail "run_samples"
N=$(wc -l <"$TMP/s2")
check "stored samples: $N, want 500" [ "$N" = 500 ]
# achieved rate from the stored send offsets: requests in [0, 5 s) over 5 s
RATE=$(awk '$1 < 5e9 {n++} END {printf "%.1f", n / 5}' "$TMP/s2")
check "achieved rate $RATE/s, want 100 +- 2 %" awk -v r="$RATE" 'BEGIN {exit !(r >= 98 && r <= 102)}'
check "the mix's proportions: $(awk '{print $9}' "$TMP/s2" | sort | uniq -c | tr '\n' ' ')" \
  [ "$(awk '{print $9}' "$TMP/s2" | sort | uniq -c | awk '{printf "%s %s;", $1, $2}')" = "166 /health;167 /users/1;167 /users/2;" ]
check "no latency below the service's 20 ms delay" awk '$2 < 20000 {exit 1}' "$TMP/s2"
check "all 200, no error" awk '$5 != 200 || $6 != 0 {exit 1}' "$TMP/s2"
check "latency = send delay + service time (total_us >= proxy_us + 20 ms)" awk '$2 < $4 + 20000 {exit 1}' "$TMP/s2"
check "the service saw no POST" bash -c "! grep -q '^POST' '$TMP/up.log'"
check "the service saw 500 requests" [ "$(grep -c '^GET ' "$TMP/up.log")" = 500 ]
run "$E2E" perf-report --db "$DB" --run 2 -f json
P50=$(printf '%s' "$OUT" | jq '.endpoints["GET /health"].p50_latency_ms')
check "p50 of GET /health $P50 ms, want 20..40 ms" awk -v p="$P50" 'BEGIN {exit !(p >= 20 && p < 40)}'
check "run 2's source is replay" [ "$(sqlite3 "$DB" 'SELECT source FROM runs WHERE id = 2')" = replay ]

# 2. The service stalls for 2 s, 1.5 s into the run: requests keep being
# sent on schedule, and their latencies from the intended send time show
# the stall (a closed loop would have waited, sent nothing, and hidden it).
start_service python3 "$UP" "$TMP/up.log" 5 1.5 2
run "$E2E" perf-replay --db "$DB" --target "http://127.0.0.1:$PORT" --from-run 1 --rate 100 --duration 5s -q
expect_rc 0 "replay against a stalling service"
"$SAMPLES" "$DB" 3 >"$TMP/s3" || fail "run_samples"
check "stored samples: $(wc -l <"$TMP/s3"), want 500" [ "$(wc -l <"$TMP/s3")" = 500 ]
MAX=$(awk '$2 > m {m = $2} END {print m}' "$TMP/s3")
check "slowest latency $MAX us, want about 2 s" awk -v m="$MAX" 'BEGIN {exit !(m >= 1900000 && m < 3500000)}'
SLOW=$(awk '$2 >= 1000000 {n++} END {print n + 0}' "$TMP/s3")
# (at least those due in the stall's first second; a loaded runner, an
# ASan build, adds some just after it)
check "requests slower than 1 s: $SLOW, want 100 or a few more (those due in the stall's first second)" \
  awk -v n="$SLOW" 'BEGIN {exit !(n >= 85 && n <= 200)}'
DURING=$(awk '$1 >= 1.6e9 && $1 < 3.4e9 {n++} END {print n + 0}' "$TMP/s3")
check "sent during the stall: $DURING, want about 180 (the schedule does not wait)" \
  awk -v n="$DURING" 'BEGIN {exit !(n >= 170 && n <= 190)}'

# 3. A spike: 20/s, 200/s from 2 s for 1 s, 20/s again; the rate per
# second from the stored send offsets.
start_service python3 "$UP" "$TMP/up.log" 1
run "$E2E" perf-replay --db "$DB" --target "http://127.0.0.1:$PORT" --from-run 1 --profile spike:20,200,2s,1s --duration 4s
expect_rc 0 "spike replay"
expect_out_has "requested 260, sent 260" "the spike's arrivals"
"$SAMPLES" "$DB" 4 >"$TMP/s4" || fail "run_samples"
PER=$(awk '{c[int($1 / 1e9)]++} END {for (s = 0; s < 4; s++) printf "%d ", c[s]}' "$TMP/s4")
check "requests per second $PER, want 20 20 200 20 (+- 3 %, at least 1)" \
  awk -v got="$PER" 'BEGIN {split(got, g, " "); split("20 20 200 20", w, " ");
    for (i = 1; i <= 4; i++) { d = g[i] - w[i]; if (d < 0) d = -d; t = w[i] * 0.03; if (t < 1) t = 1; if (d > t) exit 1 } }'

# 3b. --max-in-flight 1 against a 200 ms service at 20/s: the arrivals
# while one request is outstanding are skipped, counted, and every later
# report of the run says so.
start_service python3 "$UP" "$TMP/up.log" 200
run "$E2E" perf-replay --db "$DB" --target "http://127.0.0.1:$PORT" --from-run 1 --rate 20 --duration 1s --max-in-flight 1 -q
expect_rc 0 "replay at --max-in-flight 1"
SENT=$("$SAMPLES" "$DB" 5 | wc -l)
run "$E2E" perf-report --db "$DB" --run 5 -f json
SKIPPED=$(printf '%s' "$OUT" | jq -r '.alerts[] | select(.kind == "replay_skipped") | .message' | cut -d' ' -f1)
check "sent $SENT + skipped $SKIPPED = the 20 arrivals, most skipped" \
  [ "$((SENT + SKIPPED))" = 20 -a "$SKIPPED" -ge 10 ]
run "$E2E" perf-report --db "$DB" --run 5
expect_out_has "$SKIPPED arrivals of the replay were not sent: --max-in-flight requests were outstanding" \
  "the text report says the skipped arrivals"

# 4. A HAR file: bodies and headers sent, hop-by-hop headers and cookies
# left out (kept with --keep-cookies).
cat >"$TMP/in.har" <<HAR
{"log": {"version": "1.2", "entries": [
 {"startedDateTime": "2026-01-01T00:00:00.000Z", "time": 5,
  "request": {"method": "POST", "url": "http://shop.test/login?next=%2Fhome",
   "headers": [{"name": "Content-Type", "value": "application/json"},
               {"name": "Cookie", "value": "sid=secret"}, {"name": "Connection", "value": "close"},
               {"name": ":authority", "value": "shop.test"}, {"name": "X-Trace", "value": "t1"}],
   "postData": {"mimeType": "application/json", "text": "{\"user\":\"a\"}"}},
  "response": {"status": 200}, "timings": {"wait": 4}}]}}
HAR
: >"$TMP/up.log"
run "$E2E" perf-replay --db "$DB" --target "http://127.0.0.1:$PORT" --import "$TMP/in.har" --rate 10 --duration 1s -q
expect_rc 0 "HAR replay"
check "10 POSTs with the query sent" [ "$(grep -c '^POST /login?next=%2Fhome HTTP/1.1' "$TMP/up.log")" = 10 ]
check "the body sent" [ "$(grep -c '^{"user":"a"}$' "$TMP/up.log")" = 10 ]
check "Content-Type and X-Trace sent" [ "$(grep -c -e '^Content-Type: application/json' -e '^X-Trace: t1' "$TMP/up.log")" = 20 ]
check "Content-Length framed again" [ "$(grep -c '^Content-Length: 12' "$TMP/up.log")" = 10 ]
check "no Cookie, Connection or pseudo-header" bash -c "! grep -qi -e '^cookie' -e '^connection' -e '^:authority' '$TMP/up.log'"
"$SAMPLES" "$DB" 6 >"$TMP/s5" || fail "run_samples"
check "stored as POST /login with its body size" [ "$(awk '{print $8, $9, $7}' "$TMP/s5" | sort -u)" = "POST /login 12" ]
: >"$TMP/up.log"
run "$E2E" perf-replay --db "$DB" --target "http://127.0.0.1:$PORT" --import "$TMP/in.har" --rate 5 --duration 1s -q --keep-cookies
expect_rc 0 "HAR replay with --keep-cookies"
check "--keep-cookies sends the Cookie" [ "$(grep -c '^Cookie: sid=secret' "$TMP/up.log")" = 5 ]

# 5. Bad input: exit 2 with the reason, nothing stored.
RUNS=$(sqlite3 "$DB" 'SELECT count(*) FROM runs')
T=(--db "$DB" --target "http://127.0.0.1:$PORT")
run "$E2E" perf-replay "${T[@]}" --from-run 1 --rate 0 --duration 1s
expect_rc 2 "rate 0"
expect_err "e2e: perf-replay: option '--rate': '0': the rate must be above 0 requests per second" "rate 0 message"
run "$E2E" perf-replay "${T[@]}" --from-run 1 --rate=-5 --duration 1s
expect_rc 2 "negative rate"
expect_err "e2e: perf-replay: option '--rate': '-5': the rate must be above 0 requests per second" "negative rate message"
run "$E2E" perf-replay "${T[@]}" --from-run 1 --rate fast --duration 1s
expect_rc 2 "rate not a number"
expect_err "e2e: perf-replay: option '--rate': 'fast' is not a number of requests per second" "bad rate message"
run "$E2E" perf-replay "${T[@]}" --from-run 1 --rate 10 --duration 1s --profile burst
expect_rc 2 "unknown profile"
expect_err "e2e: perf-replay: unknown profile 'burst' (constant, ramp:FROM-TO, spike:BASE,PEAK,AT,FOR or soak)" "unknown profile message"
run "$E2E" perf-replay "${T[@]}" --from-run 1 --duration 1s --profile spike:10,0,1s,1s
expect_rc 2 "spike with a zero peak"
expect_err_has "spike:BASE,PEAK,AT,FOR takes two rates above 0" "bad spike message"
run "$E2E" perf-replay "${T[@]}" --from-run 1 --duration 1s --profile ramp:0-0
expect_rc 2 "ramp without a rate"
run "$E2E" perf-replay "${T[@]}" --from-run 1 --rate 10
expect_rc 2 "no duration"
expect_err "e2e: perf-replay: missing '--duration DUR' (e.g. 30s)" "no duration message"
run "$E2E" perf-replay "${T[@]}" --from-run 99 --rate 10 --duration 1s
expect_rc 2 "no such run"
expect_err "e2e: perf-replay: no run 99 in '$DB'" "no such run message"
run "$E2E" perf-profile -s forms --db "$DB" --target "http://127.0.0.1:$PORT" -q -- sh -c '
  curl -sf -d a=1 "$E2E_PROXY_URL/form" && curl -sf -X PUT -d b=2 "$E2E_PROXY_URL/form/1"'
expect_rc 0 "a run with bodies only"
ONLY=$(sqlite3 "$DB" 'SELECT max(id) FROM runs')
RUNS=$((RUNS + 1))
run "$E2E" perf-replay "${T[@]}" --from-run "$ONLY" --rate 10 --duration 1s
expect_rc 2 "a run with no replayable requests"
expect_err "e2e: perf-replay: run $ONLY has no replayable requests: all 2 had a body, and bodies are never stored (replay a HAR file with --import to send bodies)" "no replayable requests message"
check "bad input stored no run" [ "$(sqlite3 "$DB" 'SELECT count(*) FROM runs')" = "$RUNS" ]
finish

#!/usr/bin/env bash
# e2e perf-ab --serve-a/--serve-b: perf-ab starts both demo services
# (demo/service.py) itself, keeps them up across the rounds and stops them
# at the end. B's /users/{id} is 20 % slower than A's, four other
# endpoints the same on both (five endpoints: the rounds' shared part is
# split off): the first is a regression, /orders/{id} passes. A side
# whose service exits before answering ends it with exit 3 naming the
# side; perf-ab's warnings are its own ("perf-ab:", not "perf-profile:").
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?E2E_SOURCE_ROOT not set}
DEMO=$SRC/demo/service.py

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PA=$(free_port) PB=$(free_port)
A=http://127.0.0.1:$PA
B=http://127.0.0.1:$PB

# A suite of $N requests to each endpoint over one keep-alive connection;
# with BADHDR set, one request carries an over-long E2E-Test header.
cat >"$TMP/suite.sh" <<'SUITE'
#!/bin/sh
u=""
for i in $(seq 1 "${N:-30}"); do
  u="$u $E2E_PROXY_URL/users/$i $E2E_PROXY_URL/orders/$i $E2E_PROXY_URL/health $E2E_PROXY_URL/users $E2E_PROXY_URL/users/me"
done
if [ -n "${BADHDR:-}" ]; then
  curl -sS -o /dev/null -H "E2E-Test: $(head -c 1100 /dev/zero | tr '\0' x)" "$E2E_PROXY_URL/users/1"
fi
exec curl -sS $u >/dev/null
SUITE
chmod +x "$TMP/suite.sh"

# The comparison: 8 rounds, B's /users/{id} 20 % slower, -t 10.
SAME="--delay /users=30 --delay /users/me=30 --delay /orders=30 --delay /health=30"
run env N=20 "$E2E" perf-ab -s demo --db "$TMP/ab.db" --a "$A" --b "$B" --rounds 8 -t 10 -f json --out "$TMP/ab.json" \
  --serve-a "exec python3 '$DEMO' --port $PA $SAME --delay /users/=30" \
  --serve-b "exec python3 '$DEMO' --port $PB $SAME --delay /users/=36 --seed 2" \
  -- "$TMP/suite.sh"
expect_rc 1 "B's /users/{id} is a regression"
expect_err_has "e2e: perf-ab: side A's service (pid " "A started"
expect_err_has ") answers at $A; its log: $TMP/demo.serve-a.log" "A's log"
expect_err_has ") answers at $B; its log: $TMP/demo.serve-b.log" "B's log"
expect_err_has ") stopped by SIGTERM" "stopped at the end"
NTESTS=$((NTESTS + 1))
jq -e '[.alerts[] | select(.kind == "ab") | .message | select(test("^rounds'"'"' shared part: P50 ([-+][0-9.]+|0[.]0)% [(]95% CI [-+0-9.]+[.][.][-+0-9.]+%[)] over [0-9]+ endpoints"))] | length == 1' \
  "$TMP/ab.json" >/dev/null || fail "no finding on the rounds' shared part"

verdict() { jq -r --arg k "$1" '.comparison.endpoints[$k].verdict' "$TMP/ab.json"; }
NTESTS=$((NTESTS + 1))
[ "$(verdict 'GET /users/{id}')" = regression ] || fail "/users/{id}: $(verdict 'GET /users/{id}'), want regression"
NTESTS=$((NTESTS + 1))
[ "$(verdict 'GET /orders/{id}')" = pass ] || fail "/orders/{id}: $(verdict 'GET /orders/{id}'), want pass"
# both services are gone: nothing answers on their ports any more
NTESTS=$((NTESTS + 1))
curl -s -o /dev/null --max-time 2 "$A/users/1" && fail "A's service still answers after perf-ab"
NTESTS=$((NTESTS + 1))
[ -f "$TMP/demo.serve-b.log" ] || fail "no log of B's service"

# B's service exits before it answers: exit 3 naming B, A stopped again.
run "$E2E" perf-ab --db "$TMP/dead.db" --a "$A" --b "$B" --rounds 2 \
  --serve-a "exec python3 '$DEMO' --port $PA" --serve-b "echo no port >&2; exit 7" -- "$TMP/suite.sh"
expect_rc 3 "B's service exits"
expect_err_has "e2e: perf-ab: side B's service (pid " "B named"
expect_err_has "the service exited with status 7 before answering at $B; its log '$TMP/unknown.serve-b.log' ends:" "B's status"
expect_err_has "  | no port" "B's log tail"

# A warning from a run is perf-ab's own.
run env N=2 BADHDR=1 "$E2E" perf-ab --db "$TMP/warn.db" --a "$A" --b "$B" --rounds 2 -q \
  --serve-a "exec python3 '$DEMO' --port $PA" --serve-b "exec python3 '$DEMO' --port $PB" -- "$TMP/suite.sh"
expect_rc 0 "bad header runs"
expect_err "e2e: perf-ab: warning: 1 request had a bad E2E-Test header (not UTF-8 text, control characters, over 1024 bytes): recorded as unattributed" "warning prefix"

finish

#!/usr/bin/env bash
# Crash safety, concurrent writers and a failing database, end to end with
# real processes: SIGKILL under load, four perf-profile processes on one
# database, a database that cannot grow. Bounded in requests and time.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
for t in jq sqlite3 curl; do command -v $t >/dev/null || { echo "$t missing" >&2; exit 1; }; done

start_service python3 "$SRC/demo/service.py" --port 0
T="http://127.0.0.1:$PORT"
DB="$TMP/p.db"

# load N: N GETs through $E2E_PROXY_URL, 8 at a time, one curl process
cat >"$TMP/load.sh" <<'SH'
#!/usr/bin/env bash
exec curl -sS --parallel --parallel-max 8 -o /dev/null -o /dev/null "$E2E_PROXY_URL/users/[1-$1]" 2>/dev/null
SH
chmod +x "$TMP/load.sh"

count_of() { # RUN-ID -> total_requests
  "$E2E" perf-report --db "$DB" --run "$1" -f json 2>/dev/null | jq -r .total_requests
}

# 1. an earlier complete run, then a run killed with SIGKILL under load
run "$E2E" perf-profile -s crash --target "$T" --db "$DB" -q -- "$TMP/load.sh" 300
expect_rc 0 "first run"
before=$(count_of 1)
[ "$before" = 300 ] || fail "first run recorded $before, want 300"

"$E2E" perf-profile -s crash --target "$T" --db "$DB" -q -- bash -c 'while :; do curl -sS -o /dev/null "$E2E_PROXY_URL/users/[1-50]" || exit 0; done' \
  >"$TMP/kill.out" 2>"$TMP/kill.err" &
KPID=$!
for _ in $(seq 1 100); do
  n=$(sqlite3 "$DB" "SELECT recorded FROM runs WHERE id = 2" 2>/dev/null || true)
  [ -n "$n" ] && [ "$n" -gt 200 ] && break
  sleep 0.1
done
kill -KILL $KPID; wait $KPID 2>/dev/null
pkill -KILL -P $KPID 2>/dev/null || true
[ "$(sqlite3 "$DB" "PRAGMA integrity_check")" = ok ] || fail "integrity_check after SIGKILL"
[ "$(count_of 1)" = 300 ] || fail "earlier run changed after SIGKILL"
run "$E2E" perf-report --db "$DB" --list -f json
expect_rc 0 "list after SIGKILL"
printf '%s' "$OUT" | jq -e '[.. | objects | select(.id == 2)][0] | (.complete == false)' >/dev/null \
  || fail "killed run not shown as incomplete: $OUT"
killed=$(count_of 2)
[ -n "$killed" ] && [ "$killed" -gt 0 ] || fail "killed run kept no samples ($killed)"

# 2. four processes record into one database at once, each under load
pids=()
for i in 1 2 3 4; do
  "$E2E" perf-profile -s "conc$i" --target "$T" --db "$DB" -q -f json -- "$TMP/load.sh" 500 >"$TMP/conc$i.json" 2>"$TMP/conc$i.err" &
  pids+=($!)
done
for i in 1 2 3 4; do
  wait "${pids[$((i - 1))]}"; rc=$?
  NTESTS=$((NTESTS + 1))
  [ $rc -eq 0 ] || fail "concurrent writer $i exit $rc: $(cat "$TMP/conc$i.err")"
  grep -qi locked "$TMP/conc$i.err" && fail "concurrent writer $i: $(cat "$TMP/conc$i.err")"
  [ "$(jq -r .total_requests "$TMP/conc$i.json")" = 500 ] || fail "concurrent writer $i recorded $(jq -r .total_requests "$TMP/conc$i.json"), want 500"
done
[ "$(sqlite3 "$DB" "PRAGMA integrity_check")" = ok ] || fail "integrity_check after concurrent writers"

# 3. a database that cannot grow (file size limit): one warning, the proxy
#    keeps forwarding, the loss is counted, the suite's status decides
FULL="$TMP/full.db"
run bash -c "trap '' XFSZ; ulimit -f 120; exec \"\$0\" perf-profile -s full --target '$T' --db '$FULL' -q -- bash -c '\"$TMP/load.sh\" 3000; exit 3'" "$E2E"
expect_rc 3 "full database: the suite's status decides"
expect_err_has "warning: cannot store samples" "full database warns"
expect_err_has "requests were not recorded" "full database counts the loss"
n=$(printf '%s\n' "$ERR" | grep -c "warning: cannot store samples")
[ "$n" = 1 ] || fail "full database: $n storage warnings, want exactly 1"

# 4. a database that cannot be opened at all: the suite still runs
: >"$TMP/afile"
run "$E2E" perf-profile -s nodb --target "$T" --db "$TMP/afile/p.db" -q -- bash -c '"$0" 20 && curl -fsS -o /dev/null "$E2E_PROXY_URL/health"' "$TMP/load.sh"
expect_rc 0 "unopenable database: the suite still runs through the proxy"
expect_err_has "the command runs through the proxy unrecorded" "unopenable database warns"
expect_err_has "21 of 21 requests were not recorded" "unopenable database counts what went through"
run "$E2E" perf-report --db "$DB" -s conc1 --set-baseline --baseline-dir "$TMP/bl"
expect_rc 0 "baseline for the unopenable-database case"
run "$E2E" perf-profile -s conc1 --target "$T" --db "$TMP/afile/p.db" -q --compare-baseline --baseline-dir "$TMP/bl" -- true
expect_rc 4 "unopenable database with a comparison asked"

finish

#!/usr/bin/env bash
# Nothing the store does after a capture may fail a passing suite, end to
# end with real processes: a prune run by the suite while its own run is
# being recorded, a killed run that prune does remove; a database that
# cannot grow, whose loss is named by its cause.
. "$(dirname "$0")/lib.sh"
for t in jq sqlite3 curl; do command -v $t >/dev/null || { echo "$t missing" >&2; exit 1; }; done

demo_service

# load N: N GETs through $E2E_PROXY_URL, 8 at a time, one curl process
cat >"$TMP/load.sh" <<'SH'
#!/usr/bin/env bash
exec curl -sS --parallel --parallel-max 8 "$E2E_PROXY_URL/users/[1-$1]" >/dev/null 2>&1
SH
chmod +x "$TMP/load.sh"

# 1. prune during a live run: an old complete run and a killed one go, the
#    run being recorded keeps every request, and the suite's 0 stands
DB="$TMP/live.db"
run "$E2E" perf-profile -s old --target "$T" --db "$DB" -q -- "$TMP/load.sh" 10
expect_rc 0 "live prune: an earlier run"
"$E2E" perf-profile -s killed --target "$T" --db "$DB" -q 2>"$TMP/killed.err" &
KPID=$!
url=$(session_url "$TMP/killed.err")
[ -n "$url" ] || fail "live prune: the session to kill did not start"
curl -sS -o /dev/null "$url/users/1"
kill -KILL $KPID; wait $KPID 2>/dev/null
cat >"$TMP/suite.sh" <<SH
#!/usr/bin/env bash
"$TMP/load.sh" 1500
"\$E2E_BIN" perf-report --prune --older-than 0 --db "$DB" 2>"$TMP/prune.err" || exit 7
"$TMP/load.sh" 1500
SH
chmod +x "$TMP/suite.sh"
run "$E2E" perf-profile -s live --target "$T" --db "$DB" -q -f json -- "$TMP/suite.sh"
expect_rc 0 "live prune: the suite's status"
[ "$(printf '%s' "$OUT" | jq -r .total_requests)" = 3000 ] || fail "live prune: the report counts $(printf '%s' "$OUT" | jq -r .total_requests), want 3000"
[ "$(sqlite3 "$DB" "SELECT group_concat(service || ':' || recorded || ':' || complete) FROM runs")" = live:3000:1 ] \
  || fail "live prune: runs left $(sqlite3 "$DB" "SELECT group_concat(service || ':' || recorded || ':' || complete) FROM runs")"
ERR=$(cat "$TMP/prune.err")
expect_err_has "removed run 1 (old," "live prune: the old run goes"
expect_err_has "removed run 2 (killed," "live prune: the killed run goes"
expect_err_has "kept run 3 (live," "live prune: says which run it kept"
expect_err_has "removed 2 runs, kept 1" "live prune: the count"
[ "$(sqlite3 "$DB" "PRAGMA integrity_check")" = ok ] || fail "live prune: integrity_check"

# 2. a database that cannot grow (file size limit): the loss is named by
#    its real cause on stderr, in the report and in the run's record
FULL="$TMP/full.db"
run bash -c "trap '' XFSZ; ulimit -f 120; exec \"\$0\" perf-profile -s full --target '$T' --db '$FULL' -q -f json -- '$TMP/load.sh' 3000" "$E2E"
expect_rc 0 "full database: the suite's 0 stands"
expect_err_has "requests were not recorded (disk full; stored: " "full database: stderr names the cause"
printf '%s' "$OUT" | jq -e '.alerts[] | select(.kind == "dropped_requests") | .message | test("^[0-9,]+ requests were not recorded \\(disk full\\) and are not counted$")' >/dev/null \
  || fail "full database: the report's note: $(printf '%s' "$OUT" | jq -c .alerts)"
[ "$(sqlite3 "$FULL" "SELECT lost_cause FROM runs WHERE id = 1")" = disk_full ] || fail "full database: cause not in the run's record"
run "$E2E" perf-report --db "$FULL"
expect_rc 0 "full database: a later report"
expect_out_has "requests were not recorded (disk full) and are not in these figures" "full database: a later report names the cause"

finish

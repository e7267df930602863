#!/usr/bin/env bash
# Nothing the store does after a capture may fail a passing suite, end to
# end with real processes: a prune run by the suite while its own run is
# being recorded, a killed run that prune does remove; a database that
# cannot grow, whose loss is named by its cause; a damaged schema and a
# report that cannot be written after a capture (warnings: the exit status
# is the gate's if it judged, else the suite's); perf-report on a database
# it may not write (a directory of another user, a read-only mount).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unwritable.sh"
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

# 3. a damaged schema (DROP TABLE paths) before the run, or no database at
#    all: nothing can be stored, the report fails; warnings, and the
#    suite's status
: >"$TMP/afile"
D="$TMP/damaged.db"
run "$E2E" perf-profile -s dmg --target "$T" --db "$D" -q -- "$TMP/load.sh" 20
expect_rc 0 "damaged schema: the run before"
run "$E2E" perf-report --db "$D" -s dmg --set-baseline --baseline-dir "$TMP/bl" -q
expect_rc 0 "damaged schema: the baseline"
sqlite3 "$D" "DROP TABLE paths"
run "$E2E" perf-profile -s dmg --target "$T" --db "$D" -q -- "$TMP/load.sh" 20
expect_rc 0 "damaged schema: a passing suite exits 0"
expect_err_has "warning: 20 of 20 requests were not recorded (database damaged; stored: 0)" "damaged schema: the loss and its cause"
expect_err_has "warning: the run was captured but its report failed: " "damaged schema: the report's failure is a warning"
expect_err_has "no such table: paths" "damaged schema: the store's own words"
run "$E2E" perf-profile -s dmg --target "$T" --db "$D" -q --compare-baseline --baseline-dir "$TMP/bl" -- "$TMP/load.sh" 20
expect_rc 0 "damaged schema: a gate that cannot judge, a passing suite"
expect_err_has "warning: gate not run: none of the 20 requests could be stored; the exit status is the command's" "damaged schema: gate not run"
printf '{"rules": [{"match": "**", "max_p95_ms": 0}]}' >"$TMP/strict.json"
run "$E2E" perf-profile -s dmg --target "$T" --db "$D" -q --rules "$TMP/strict.json" -- "$TMP/load.sh" 20
expect_rc 0 "damaged schema: a rules-only gate that cannot judge, a passing suite"
expect_err_has "warning: gate not run: none of the 20 requests could be stored" "damaged schema: rules-only gate not run"
run "$E2E" perf-profile -s dmg --target "$T" --db "$D" -q --compare-baseline --baseline-dir "$TMP/bl" -- bash -c '"$0" 20; exit 5' "$TMP/load.sh"
expect_rc 5 "damaged schema: a failing suite's own status"
run "$E2E" perf-profile -s dmg --target "$T" --db "$D" -q --compare-baseline --baseline-dir "$TMP/bl" -- true
expect_rc 4 "damaged schema: a suite that sent nothing is still exit 4"
run "$E2E" perf-report --db "$D" -s dmg
expect_rc 3 "damaged schema: perf-report on its own is a runtime error"
run "$E2E" perf-profile -s dmg --target "$T" --db "$TMP/afile/p.db" -q --compare-baseline --baseline-dir "$TMP/bl" -- "$TMP/load.sh" 20
expect_rc 0 "no database at all: a gate that cannot judge, a passing suite"
expect_err_has "warning: 20 of 20 requests were not recorded (store unavailable; stored: 0)" "no database: the loss"
expect_err_has "warning: gate not run: none of the 20 requests could be stored; the exit status is the command's" "no database: gate not run"

# 4. damaged during the run, after requests were stored: the report fails
#    before the gate can judge
D2="$TMP/damaged2.db"
cp "$TMP/bl/dmg.json" "$TMP/bl/dmg2.json"
sed -i 's/"dmg"/"dmg2"/' "$TMP/bl/dmg2.json"
cat >"$TMP/damage.sh" <<SH
#!/usr/bin/env bash
"$TMP/load.sh" 20
for _ in \$(seq 1 200); do # until the 20 are stored
  [ "\$(sqlite3 -cmd ".timeout 10000" "$D2" "SELECT recorded FROM runs")" = 20 ] && break; sleep 0.05
done
sqlite3 -cmd ".timeout 10000" "$D2" "DROP TABLE paths" && "$TMP/load.sh" 20
SH
chmod +x "$TMP/damage.sh"
run "$E2E" perf-profile -s dmg2 --target "$T" --db "$D2" -q --compare-baseline --baseline-dir "$TMP/bl" -- "$TMP/damage.sh"
expect_rc 0 "damaged mid-run: a passing suite exits 0"
expect_err_has "warning: the run was captured but its report failed: " "damaged mid-run: the report's failure is a warning"
expect_err_has "warning: gate not run: the exit status is the command's" "damaged mid-run: gate not run"

# 5. the gate judged, then --out cannot be written: the verdict stands
run "$E2E" perf-profile -s live --target "$T" --db "$DB" -q --compare-baseline --baseline-dir "$TMP/bl2" \
  --out "$TMP/afile/r.json" -- "$TMP/load.sh" 20
expect_rc 2 "no baseline yet: a configuration error before the suite runs"
run "$E2E" perf-report --db "$DB" -s live --set-baseline --baseline-dir "$TMP/bl2" -q
expect_rc 0 "a baseline for the --out cases"
run "$E2E" perf-profile -s live --target "$T" --db "$DB" -q --compare-baseline --baseline-dir "$TMP/bl2" \
  --rules "$TMP/strict.json" --out "$TMP/afile/r.json" -- "$TMP/load.sh" 20
expect_rc 1 "gate failed, --out unwritable: the gate's 1 stands"
expect_err_has "warning: the run was captured but its report failed: " "--out unwritable: a warning"
case "$ERR" in *"gate not run"*) fail "--out unwritable: the gate did run: $ERR";; esac
run "$E2E" perf-profile -s live --target "$T" --db "$DB" -q --out "$TMP/afile/r.json" -- "$TMP/load.sh" 20
expect_rc 0 "no gate, --out unwritable: the suite's 0"
expect_err_has "warning: the run was captured but its report failed: " "--out unwritable without a gate: a warning"

# 6. perf-report on a database it may not write: read in place, no side
#    file needed (the WAL index cannot be made: read as immutable) ...
RO="$TMP/ro"
unwritable_copy "$DB" "$RO"
run "${READER[@]}" "$E2E" perf-report --db "$RO/perf.db" --run 3 -f json
expect_rc 0 "unwritable: no WAL"
[ "$(printf '%s' "$OUT" | jq -r .total_requests)" = 3000 ] || fail "unwritable: the report"
[ "$(ls "$RO")" = perf.db ] || fail "unwritable: files made: $(ls "$RO")"
unwritable_undo "$RO"
# ... with a WAL holding a change and its index, both readable: read
W="$TMP/walro"
mkdir -p "$W"
cp "$DB" "$W/perf.db"
sqlite3 "$W/perf.db" ".dbconfig no_ckpt_on_close on" "UPDATE runs SET service = 'in-wal'" >/dev/null
[ -s "$W/perf.db-wal" ] && [ -e "$W/perf.db-shm" ] || fail "unwritable: no WAL to test with"
unwritable_dir "$W"
run "${READER[@]}" "$E2E" perf-report --db "$W/perf.db" --list -f json
expect_rc 0 "unwritable: a WAL with its index"
expect_out_has '"service": "in-wal"' "unwritable: the change in the WAL is seen"
# ... with a WAL but no index: one clear message, never a report without
#     the WAL's changes
unwritable_undo "$W"
rm "$W/perf.db-shm"
unwritable_dir "$W"
run "${READER[@]}" "$E2E" perf-report --db "$W/perf.db" --list
expect_rc 3 "unwritable: a WAL without its index"
expect_err "e2e: perf-report: cannot read '$W/perf.db' in place: its write-ahead log '$W/perf.db-wal' holds changes not yet in the file, and their index ('-shm') cannot be created or opened there (a read-only file system or directory); run e2e once with write access there, or copy both files to a writable directory" "unwritable: a WAL without its index"
expect_no_out "unwritable: a WAL without its index"
unwritable_undo "$W"
# ... a file it may not read at all
cp "$DB" "$TMP/noread.db"
chmod 600 "$TMP/noread.db"
if [ "$(id -u)" = 0 ]; then NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups); chmod 755 "$TMP"; else NOBODY=(); chmod 000 "$TMP/noread.db"; fi
run "${NOBODY[@]}" "$E2E" perf-report --db "$TMP/noread.db"
expect_rc 3 "unreadable database"
expect_err "e2e: perf-report: cannot open database '$TMP/noread.db': Permission denied" "unreadable database"
chmod 700 "$TMP"

# 7. a read-only mount (a user and mount namespace, where the kernel
#    allows them): no WAL: the report; a WAL without its index: the message
if unshare --user --map-root-user --mount true 2>/dev/null; then
  mkdir -p "$TMP/mnt"
  cat >"$TMP/romount.sh" <<SH
mount -t tmpfs none "$TMP/mnt" || exit 90
mkdir "$TMP/mnt/a" "$TMP/mnt/b"
cp "$DB" "$TMP/mnt/a/perf.db"
cp "$W/perf.db" "$W/perf.db-wal" "$TMP/mnt/b/"
mount -o remount,ro,bind "$TMP/mnt" || exit 91
"$E2E" perf-report --db "$TMP/mnt/a/perf.db" --run 3 -f json >"$TMP/ro-a.out" 2>"$TMP/ro-a.err"; echo \$? >"$TMP/ro-a.rc"
"$E2E" perf-report --db "$TMP/mnt/b/perf.db" --list >"$TMP/ro-b.out" 2>"$TMP/ro-b.err"; echo \$? >"$TMP/ro-b.rc"
SH
  unshare --user --map-root-user --mount bash "$TMP/romount.sh" || fail "read-only mount: setup exit $?"
  NTESTS=$((NTESTS + 1))
  [ "$(cat "$TMP/ro-a.rc")" = 0 ] && [ "$(jq -r .total_requests "$TMP/ro-a.out")" = 3000 ] \
    || fail "read-only mount, no WAL: exit $(cat "$TMP/ro-a.rc"): $(cat "$TMP/ro-a.err")"
  NTESTS=$((NTESTS + 1))
  [ "$(cat "$TMP/ro-b.rc")" = 3 ] && grep -q "^e2e: perf-report: cannot read '$TMP/mnt/b/perf.db' in place: its write-ahead log" "$TMP/ro-b.err" \
    || fail "read-only mount, a WAL without its index: exit $(cat "$TMP/ro-b.rc"): $(cat "$TMP/ro-b.err")"
else
  echo "note: no user namespaces here: the read-only mount case is not run" >&2
fi

finish

#!/usr/bin/env bash
# Schema v2 -> current (v3: endpoints per run, v4: lost samples and their
# cause, v5: run notes, v6: service cost samples, v7: runner
# disturbance per run, v8: --confirm re-runs' links, v9: perf-ab
# comparisons, v10: the tests of a run, v11: their JUnit results,
# v12: run uuids, v13: the gate's verdicts, v14: CPU profile files and grown frames) on
# tests/fixtures/store-v2/perf.db, a file the previous release made (see
# its make.sh): every view of every run reports exactly what that release
# reported from it (expected/), the migrated file passes
# integrity_check, a later run templates old paths its own way, a file the
# reader may not write is read as it is, and a corrupt chunk neither stops
# the migration nor spreads to other runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unwritable.sh"
SRC=${E2E_SOURCE_ROOT:?}
FIX=$SRC/tests/fixtures/store-v2
command -v sqlite3 >/dev/null || { echo "sqlite3 missing" >&2; exit 1; }

# same_views DB DESCRIPTION [nolist]: every expected/ view from DB, byte
# for byte (nolist: but the run list, when runs were added)
same_views() {
  local db=$1 what=$2 run
  for run in 1 2 4; do
    same_view "$db" "$what: run $run" run$run.json --run $run -f json --show-paths
  done
  same_view "$db" "$what: a --runs 2" a-runs2.json -s a --runs 2 -f json
  same_view "$db" "$what: a --trend" a-trend.json -s a --trend -f json
  [ "${3:-}" = nolist ] || same_view "$db" "$what: --list" list.json --list -f json
  same_view "$db" "$what: run 2 --show-paths" run2-paths.txt --run 2 --show-paths
}
same_view() {
  local db=$1 what=$2 want=$3; shift 3
  run "${READER[@]}" "$E2E" perf-report --db "$db" "$@"
  expect_rc 0 "$what"
  [ -z "$ERR" ] || fail "$what: stderr '$ERR'"
  printf '%s\n' "$OUT" | cmp -s - "$FIX/expected/$want" ||
    fail "$what: differs from expected/$want: $(printf '%s\n' "$OUT" | diff -u "$FIX/expected/$want" - | head -n 20)"
}
sql() { sqlite3 "$1" "$2"; }

# The first report migrates the (writable) file, in one transaction.
DB=$TMP/m/perf.db
mkdir -p "$TMP/m"
cp "$FIX/perf.db" "$DB"
[ "$(sql "$DB" 'PRAGMA user_version')" = 2 ] || fail "fixture is not schema v2"
same_views "$DB" "migrated"
NTESTS=$((NTESTS + 1))
[ "$(sql "$DB" 'PRAGMA user_version')" = 14 ] || fail "not migrated to v14"
[ "$(sql "$DB" "SELECT group_concat(lost || ':' || lost_cause) FROM runs")" = "0:,0:,0:" ] || fail "migrated runs' losses"
[ "$(sql "$DB" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after the migration"
[ "$(sql "$DB" 'PRAGMA journal_mode')" = wal ] || fail "journal mode after the migration"
# each run maps exactly the paths its samples use; migrated runs say their
# rules are unknown (0)
[ "$(sql "$DB" 'SELECT group_concat(n) FROM (SELECT count(*) AS n FROM run_paths GROUP BY run_id ORDER BY run_id)')" = 44,24,51 ] ||
  fail "run_paths per run: $(sql "$DB" 'SELECT group_concat(n) FROM (SELECT count(*) AS n FROM run_paths GROUP BY run_id)')"
[ "$(sql "$DB" 'SELECT group_concat(rules_version) FROM runs')" = 0,0,0 ] || fail "migrated rules_version"
[ "$(sql "$DB" "SELECT count(*) FROM pragma_table_info('paths') WHERE name = 'endpoint'")" = 0 ] ||
  fail "paths still has an endpoint column"
# opened again: nothing left to migrate, the same answers
same_views "$DB" "reopened"

# A new run of b with b's routes: paths b's old run left under a's {id}
# now count under b's templates; the old runs stay as they were.
python3 "$SRC/tests/cli/make_har.py" "$TMP/b2.har" 5 GET:/users/+10:100 DELETE:/v2/carts/9:10
run "$E2E" perf-profile --db "$DB" -s b --import "$TMP/b2.har" --routes "$FIX/b.routes" -q -f json
expect_rc 0 "new run after the migration"
NTESTS=$((NTESTS + 1))
[ "$(printf '%s' "$OUT" | jq -r '.endpoints | keys | join(", ")')" = "DELETE /v2/carts/{cart}, GET /users/{user}" ] ||
  fail "new run of b: $(printf '%s' "$OUT" | jq -r '.endpoints | keys | join(", ")')"
same_views "$DB" "after a new run" nolist

# A v2 file the reader may not write is read as it is, and left alone.
RO=$TMP/ro
unwritable_copy "$FIX/perf.db" "$RO"
same_views "$RO/perf.db" "read-only v2"
NTESTS=$((NTESTS + 1))
cmp -s "$FIX/perf.db" "$RO/perf.db" || fail "read-only v2: the file changed"
[ -z "$(ls -A "$RO" | grep -v '^perf.db$')" ] || fail "read-only v2: files left next to it: $(ls -A "$RO")"
unwritable_undo "$RO"

# A corrupt chunk: the migration carries the other chunks and runs; the
# damaged run still says which chunk is corrupt.
DB=$TMP/c/perf.db
mkdir -p "$TMP/c"
cp "$FIX/perf.db" "$DB"
sql "$DB" "UPDATE chunks SET data = X'01' WHERE run_id = 1 AND seq = 1"
same_view "$DB" "corrupt chunk: run 2" run2.json --run 2 -f json --show-paths
same_view "$DB" "corrupt chunk: run 4" run4.json --run 4 -f json --show-paths
run "$E2E" perf-report --db "$DB" --run 1
expect_rc 2 "corrupt chunk: run 1"
expect_err "e2e: perf-report: '$DB': run 1: corrupt sample chunk 1" "corrupt chunk: run 1"
NTESTS=$((NTESTS + 1))
[ "$(sql "$DB" 'PRAGMA user_version')" = 14 ] || fail "corrupt chunk: not migrated"
[ "$(sql "$DB" 'SELECT count(*) FROM run_paths WHERE run_id = 1')" -gt 0 ] || fail "corrupt chunk: run 1 lost its other chunks' paths"

finish

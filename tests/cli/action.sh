#!/usr/bin/env bash
# The GitHub Action (action.yml, issue 24). No runner is reachable here, so
# tests/cli/action_run.py checks the file against the action metadata
# schema's rules (and this test makes sure the check can fail), then runs
# its steps in order, as a runner would, in a clean copy of the source
# tree: the apt step (only as root), the cache key, a build on a cache
# miss, the install into the `prefix` input, PATH through GITHUB_PATH.
# A second run restores the cache and skips the build. Then a workflow's
# next step: e2e perf-profile --serve from PATH.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?E2E_SOURCE_ROOT not set}
RUNNER=$SRC/tests/cli/action_run.py
python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml not installed (tools/deps.sh installs it)"; exit 77; }
version=$(sed -n "s/^ *version : '\(.*\)',\$/\1/p" "$SRC/meson.build")

run python3 "$RUNNER" "$SRC/action.yml" check
expect_rc 0 "action.yml against the metadata schema"
expect_out "ok: 5 steps" "action.yml's steps"

# The check fails on what GitHub would reject.
# broken DESCRIPTION PYTHON-EDIT WANT-ERROR
broken() {
  python3 - "$SRC/action.yml" "$TMP/bad.yml" "$2" <<'PY'
import sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
exec(sys.argv[3])
yaml.safe_dump(a, open(sys.argv[2], "w"))
PY
  run python3 "$RUNNER" "$TMP/bad.yml" check
  expect_rc 1 "$1"
  expect_err "$3" "$1"
}
broken "no description" 'del a["description"]' "action: required key 'description' missing or empty"
broken "not composite" 'a["runs"]["using"] = "node20"' "action: runs.using is 'node20', want 'composite'"
broken "a run step without shell" 'del a["runs"]["steps"][1]["shell"]' \
  "action: step 2 (Version and cache key): a run step needs shell (one of bash, sh, python), has None"
broken "an unknown key" 'a["runs"]["steps"][0]["shel"] = "bash"' "action: step 1 (Build dependencies (apt)): unknown key 'shel'"
broken "an output without value" 'del a["outputs"]["version"]["value"]' \
  "action: output 'version' of a composite action needs description and value"

# The steps, run in order in a clean copy, twice.
copy_source "$SRC" "$TMP/action"
export HOME=$TMP/home RUNNER_TEMP=$TMP/runner-temp GITHUB_WORKSPACE=$TMP/ws
export GITHUB_OUTPUT=$TMP/github-output GITHUB_PATH=$TMP/github-path GITHUB_ENV=$TMP/github-env
mkdir -p "$HOME" "$RUNNER_TEMP" "$GITHUB_WORKSPACE"
: >"$GITHUB_OUTPUT"; : >"$GITHUB_PATH"; : >"$GITHUB_ENV"
[ "$(id -u)" -eq 0 ] || echo "note: not root: the action's apt step is skipped, its packages must be installed"

steps() { # the step lines of the runner's output
  grep -E '^(run|skip) ' <<<"$OUT" | sed -E 's/ \(cache (hit|miss): .*\)$/ (cache \1)/; s/^skip (Build dependencies \(apt\)) .*/run \1/'
}
run timeout 1500 python3 "$RUNNER" "$TMP/action/action.yml" run "$TMP/work" prefix="$TMP/prefix"
expect_rc 0 "the action's steps, first run"
NTESTS=$((NTESTS + 1))
[ "$(steps)" = "run Build dependencies (apt)
run Version and cache key
run Cache the build (cache miss)
run Build e2e (cache miss)
run Install e2e" ] || fail "first run's steps: $OUT"
expect_out_has "e2e $version for Linux " "the key step names the version"
expect_out_has "output version=$version" "the action's version output"
NTESTS=$((NTESTS + 1))
[ "$(cat "$GITHUB_PATH")" = "$TMP/prefix/bin" ] || fail "GITHUB_PATH: $(cat "$GITHUB_PATH")"
run "$TMP/prefix/bin/e2e" --version
expect_rc 0 "the installed e2e --version"
expect_out "e2e $version" "the installed e2e --version"
for f in share/man/man1/e2e.1 share/man/man1/e2e-perf-profile.1 share/e2e/pytest/e2e_pytest.py; do
  NTESTS=$((NTESTS + 1))
  [ -f "$TMP/prefix/$f" ] || fail "the action did not install $f"
done

rm -rf "$TMP/prefix" "$HOME/.cache"
: >"$GITHUB_PATH"
run timeout 600 python3 "$RUNNER" "$TMP/action/action.yml" run "$TMP/work" prefix="$TMP/prefix"
expect_rc 0 "the action's steps, second run"
NTESTS=$((NTESTS + 1))
[ "$(steps)" = "run Build dependencies (apt)
run Version and cache key
run Cache the build (cache hit)
skip Build e2e (cache miss) (if: steps.cache.outputs.cache-hit != 'true')
run Install e2e" ] || fail "second run's steps (the cache restores the build): $OUT"
run "$TMP/prefix/bin/e2e" --version
expect_out "e2e $version" "e2e from the cache --version"

# A workflow's next step: e2e from PATH, the service started by --serve.
P=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cd "$GITHUB_WORKSPACE" || exit 1
run env PATH="$(cat "$GITHUB_PATH"):$PATH" e2e perf-profile -s users-api --target "http://127.0.0.1:$P" \
  --serve "python3 $SRC/demo/service.py --port $P" \
  -- sh -c 'for i in 1 2 3; do curl -fsS -o /dev/null "$E2E_PROXY_URL/users/$i"; done'
expect_rc 0 "e2e perf-profile --serve after the action"
expect_out_has "GET /users/{id}  3" "the workflow step's requests were recorded"
finish

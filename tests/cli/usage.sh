#!/usr/bin/env bash
# Top-level usage, --version, help, and usage errors of both commands.
. "$(dirname "$0")/lib.sh"

run "$E2E" --version
expect_rc 0 "--version"
expect_out "$(version_line "${E2E_SOURCE_ROOT:?}")" "--version"
run "$E2E" -V
expect_out "$(version_line "$E2E_SOURCE_ROOT")" "-V"

run "$E2E"
expect_rc 2 "no command"
expect_err "usage: e2e [--version] [--help] <command> [<args>]" "no command"
expect_no_out "no command"

run "$E2E" --help
expect_rc 0 "--help"
expect_out_has "perf-profile" "--help"
expect_out_has "perf-report" "--help"

run "$E2E" frobnicate
expect_rc 2 "unknown command"
expect_err "e2e: unknown command 'frobnicate'" "unknown command"

for c in perf-profile perf-report perf-ab perf-replay; do
  run "$E2E" help "$c"
  expect_rc 0 "help $c"
  expect_out_has "usage: e2e $c" "help $c"
  help_out=$OUT
  run "$E2E" "$c" --help
  expect_rc 0 "$c --help"
  [ "$OUT" = "$help_out" ] || fail "'e2e help $c' and '$c --help' differ"
  run "$E2E" "$c" -h
  expect_rc 0 "$c -h"

  run "$E2E" "$c" --no-such-option
  expect_rc 2 "$c unknown option"
  expect_err "e2e: $c: unknown option '--no-such-option'" "$c unknown option"
  expect_err_has "Try 'e2e $c --help'" "$c usage hint"
  expect_no_out "$c unknown option"

  run "$E2E" "$c" --db
  expect_rc 2 "$c missing value"
  expect_err "e2e: $c: option '--db' needs a value (FILE)" "$c missing value"

  run "$E2E" "$c" --threshold abc
  expect_rc 2 "$c bad threshold"
  expect_err "e2e: $c: option '--threshold': 'abc' is not a percentage above 0" "$c bad threshold"

  run "$E2E" "$c" -f yaml
  expect_rc 2 "$c bad format"
  expect_err "e2e: $c: option '--format': 'yaml' is not one of text, json, markdown, html, csv, junit, github, gitlab-codequality" "$c bad format"

  run "$E2E" "$c" --fail-on sometimes
  expect_rc 2 "$c bad fail-on"
  expect_err "e2e: $c: option '--fail-on': 'sometimes' is not one of warning, critical, never" "$c bad fail-on"

  run "$E2E" "$c" --errors 3xx
  expect_rc 2 "$c bad errors"
  expect_err "e2e: $c: option '--errors': '3xx' is not one of 5xx, 4xx" "$c bad errors"
done

run "$E2E" help nope
expect_rc 2 "help unknown"
expect_err "e2e: unknown command 'nope'" "help unknown"

run "$E2E" perf-profile --service x
expect_rc 2 "profile without target"
expect_err "e2e: perf-profile: missing '--target URL' (or '--import FILE')" "profile without target"

run "$E2E" perf-profile --target ftp://x
expect_rc 2 "profile ftp target"
expect_err "e2e: perf-profile: option '--target': 'ftp://x' is not an http:// or https:// URL" "ftp target"

run "$E2E" perf-profile --target http://127.0.0.1:1 --repeat 0 -- true
expect_rc 2 "repeat 0"
expect_err "e2e: perf-profile: option '--repeat': '0' is not a number from 1 to 1000" "repeat 0"

run "$E2E" perf-profile --target http://127.0.0.1:1 --duration 5s -- true
expect_rc 2 "duration with command"

run "$E2E" perf-profile --target http://127.0.0.1:1 --env 1BAD -- true
expect_rc 2 "bad env name"
expect_err "e2e: perf-profile: option '--env': '1BAD' is not a variable name" "bad env"

run "$E2E" perf-profile --target http://127.0.0.1:1 --listen nohost -- true
expect_rc 2 "bad listen"
expect_err "e2e: perf-profile: option '--listen': 'nohost' is not ADDR:PORT" "bad listen"

run "$E2E" perf-report --prune
expect_rc 2 "prune without keep"
expect_err "e2e: perf-report: '--prune' needs exactly one of '--keep N' or '--older-than DAYS'" "prune"

run "$E2E" perf-report --run abc
expect_rc 2 "bad run id"
expect_err "e2e: perf-report: option '--run': 'abc' is not a run id or 'latest'" "bad run"

run "$E2E" perf-report stray
expect_rc 2 "stray operand"
expect_err "e2e: perf-report: unexpected argument 'stray'" "stray operand"

# input files have size limits with a clear error (rules 4 MiB, baseline 64 MiB)
head -c 5000000 /dev/zero | tr '\0' ' ' >"$TMP/huge.json"
run "$E2E" perf-report --db "$TMP/none.db" --rules "$TMP/huge.json"
expect_rc 2 "oversized rules file"
expect_err "e2e: perf-report: '$TMP/huge.json': rules file larger than 4 MiB" "oversized rules file"
run "$E2E" perf-profile --target http://127.0.0.1:1 --db "$TMP/none.db" --compare-baseline -b "$TMP/huge.json" -- true
expect_rc 2 "baseline within its limit is parsed (and rejected as not JSON)"
expect_err "e2e: perf-profile: '$TMP/huge.json': not a baseline file: not valid JSON: '[' or '{' expected near end of file (line 1, column 5000000)" "baseline within its limit is parsed"

finish

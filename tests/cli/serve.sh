#!/usr/bin/env bash
# --serve: e2e starts the service under test, waits until it answers, runs
# the suite against it and stops it; a service that dies at start or never
# answers is exit 3 with its last log lines, and the suite does not run.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
cd "$TMP" || exit 1

P=$(free_port)
T="http://127.0.0.1:$P"
SUITE='for i in 1 2 3; do curl -s "$E2E_PROXY_URL/users/$i" >/dev/null; done; touch suite-ran'

# a real service, started, used and stopped
run "$E2E" perf-profile -s demo --db "$TMP/p.db" --target "$T" \
  --serve "python3 $SRC/demo/service.py --port $P" -- sh -c "$SUITE"
expect_rc 0 "--serve with the demo service"
expect_out_has "GET /users/{id}  3" "the suite's requests reached the service"
expect_err_has "answers at $T after" "the start is said"
expect_err_has "stopped by SIGTERM; its log: $TMP/demo.serve.log" "the stop is said"
[ -f "$TMP/demo.serve.log" ] || fail "no service log"
python3 -c "import socket; socket.create_connection(('127.0.0.1', $P), 1)" 2>/dev/null && fail "the service still listens"

# a service that dies at start: exit 3, its last lines, no suite
rm -f suite-ran
run "$E2E" perf-profile -s dying --db "$TMP/p.db" --target "$T" \
  --serve "echo loading config; echo 'fatal: no such table' >&2; exit 7" -- sh -c "$SUITE"
expect_rc 3 "a service that dies at start"
expect_err "e2e: perf-profile: the service exited with status 7 before answering at $T" "dies: the cause"
expect_err_has "  | fatal: no such table" "dies: its last log line"
[ -e suite-ran ] && fail "the suite ran against a dead service"

# one that never listens: exit 3 after --serve-timeout
run "$E2E" perf-profile -s mute --db "$TMP/p.db" --target "$T" --serve-timeout 500ms \
  --serve "echo waiting forever; exec sleep 60" -- sh -c "$SUITE"
expect_rc 3 "a service that never answers"
expect_err "e2e: perf-profile: the service did not answer at $T within 0.5s" "never answers: the cause"
expect_err_has "  | waiting forever" "never answers: its log"
[ -e suite-ran ] && fail "the suite ran against a mute service"

# one that ignores SIGTERM is killed after --serve-grace
STUBBORN="exec python3 -c 'import signal, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); sys.argv = [\"s\", \"--port\", \"$P\"]; exec(open(\"$SRC/demo/service.py\").read())'"
run "$E2E" perf-profile -s stubborn --db "$TMP/p.db" --target "$T" --serve-grace 200ms --serve "$STUBBORN" -- true
expect_rc 0 "a service that ignores SIGTERM"
expect_err_has "killed (SIGKILL): still running 0.2s after SIGTERM" "killed after the grace period"

# one that dies during the run: a warning with its log, the run is kept
run "$E2E" perf-profile -s crashing --db "$TMP/p.db" --target "$T" -q \
  --serve "python3 $SRC/demo/service.py --port $P & pid=\$!; sleep 0.3; while [ ! -e $TMP/crash ]; do sleep 0.05; done; kill -9 \$pid; echo crashed; exit 9" \
  -- sh -c "curl -s \"\$E2E_PROXY_URL/health\" >/dev/null; touch $TMP/crash; sleep 0.5"
expect_rc 0 "a service that dies mid-run"
expect_err "e2e: perf-profile: warning: the service exited with status 9 before the stop" "mid-run: the warning"
expect_err_has "  | crashed" "mid-run: its log"

# bad input: exit 2 naming the option
run "$E2E" perf-profile --db "$TMP/p.db" --target "$T" --serve "" -- true
expect_rc 2 "an empty --serve"
expect_err "e2e: perf-profile: option '--serve' needs a non-empty value" "empty --serve"
run "$E2E" perf-profile --db "$TMP/p.db" --target "$T" --serve " " -- true
expect_rc 2 "a blank --serve"
expect_err "e2e: perf-profile: option '--serve': ' ' is not a command" "blank --serve"
run "$E2E" perf-profile --db "$TMP/p.db" --import "$TMP/x.har" --serve true
expect_rc 2 "--serve with --import"
run "$E2E" perf-profile --db "$TMP/p.db" --target "$T" --serve true --serve-timeout 0 -- true
expect_rc 2 "a zero --serve-timeout"
expect_err_has "option '--serve-timeout'" "names --serve-timeout"

finish

# Shared helpers for the CLI tests (sourced). Each test runs $E2E_BIN and
# checks exact output and exit codes; the first mismatch fails the script.
set -u
E2E=${E2E_BIN:?E2E_BIN not set}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/e2e-cli.XXXXXX")
trap 'stop_service; rm -rf "$TMP"' EXIT
# meson test --setup valgrind: every e2e this script starts runs under
# memcheck; an error or a definite leak turns its exit status into 99.
if [ -n "${E2E_VALGRIND:-}" ]; then
  printf '#!/bin/sh\nexec valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite "%s" "$@"\n' "$E2E" >"$TMP/e2e-valgrind"
  chmod +x "$TMP/e2e-valgrind"
  E2E="$TMP/e2e-valgrind"
fi
FAILS=0
NTESTS=0

# run CMD...: runs it, capturing stdout in $OUT, stderr in $ERR, status in $RC
run() {
  OUT=$("$@" 2>"$TMP/stderr" </dev/null); RC=$?
  ERR=$(cat "$TMP/stderr")
}

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# expect_rc WANT DESCRIPTION
expect_rc() { NTESTS=$((NTESTS + 1)); [ "$RC" -eq "$1" ] || fail "$2: exit $RC, want $1 (stderr: $ERR)"; }
# expect_err EXACT-LINE DESCRIPTION: stderr's first line must equal it
expect_err() { [ "$(printf '%s\n' "$ERR" | head -n 1)" = "$1" ] || fail "$2: stderr '$ERR', want '$1'"; }
expect_out() { [ "$OUT" = "$1" ] || fail "$2: stdout '$OUT', want '$1'"; }
expect_out_has() { case "$OUT" in *"$1"*) ;; *) fail "$2: stdout lacks '$1'";; esac; }
expect_err_has() { case "$ERR" in *"$1"*) ;; *) fail "$2: stderr lacks '$1'";; esac; }
expect_no_out() { [ -z "$OUT" ] || fail "$1: unexpected stdout '$OUT'"; }

# The proxy URL (http://host:port) a perf-profile session prints on the
# stderr file $1, waited for up to 30 s; empty if it never appears.
session_url() {
  local url=""
  for _ in $(seq 1 600); do
    url=$(sed -n 's/.*proxy \(http:[^ ]*\) .*/\1/p' "$1" | head -n 1)
    [ -n "$url" ] && break; sleep 0.05
  done
  printf '%s' "$url"
}

# start_service CMD...: starts CMD, a server on 127.0.0.1 that prints
# "PORT <n>" once it listens, in the background (output in $TMP/svc.out);
# sets SVC to its pid and PORT to its port, waited for up to 5 s, or ends
# the script. A service started before is stopped first; the EXIT trap
# stops the last one.
SVC=""
start_service() {
  stop_service
  : >"$TMP/svc.out" # the background job redirects late: no stale PORT line
  "$@" >"$TMP/svc.out" 2>&1 &
  SVC=$!
  PORT=""
  for _ in $(seq 1 100); do PORT=$(awk '/^PORT/ {print $2}' "$TMP/svc.out"); [ -n "$PORT" ] && break; sleep 0.05; done
  [ -n "$PORT" ] || { echo "service did not start: $*: $(cat "$TMP/svc.out")" >&2; exit 1; }
}
# stop_service: stops the service start_service started, if any
stop_service() {
  [ -n "$SVC" ] || return 0
  kill "$SVC" 2>/dev/null; wait "$SVC" 2>/dev/null
  SVC=""
}

finish() {
  if [ "$FAILS" -ne 0 ]; then echo "$FAILS of $NTESTS checks failed" >&2; exit 1; fi
  echo "$NTESTS checks passed"
}

# start_session NAME: a perf-profile session NAME in front of the service on
# $PORT, into $TMP/p.db, in the background (report in $TMP/sess.out,
# stderr in $TMP/sess.err); sets PID and URL (host:port of its proxy), or
# ends the script when it prints no URL.
start_session() {
  "$E2E" perf-profile -s "$1" --target "http://127.0.0.1:$PORT" --db "$TMP/p.db" >"$TMP/sess.out" 2>"$TMP/sess.err" &
  PID=$!
  URL=$(session_url "$TMP/sess.err")
  URL=${URL#http://}
  [ -n "$URL" ] || { cat "$TMP/sess.err" >&2; kill $PID; fail "session did not print its URL"; finish; exit 1; }
}

# session_survives CLIENT.py WHAT: runs the raw-socket client against the
# session of start_session, then checks the proxy is still up, ends cleanly
# on SIGINT and still reports the service's own traffic (GET /health).
session_survives() {
  NTESTS=$((NTESTS + 1))
  timeout 120 python3 "${E2E_SOURCE_ROOT:?}/tests/cli/$1" "$URL" || fail "$2 (see above)"
  kill -0 $PID 2>/dev/null || fail "the proxy died"
  kill -INT $PID
  wait $PID
  RC=$?
  expect_rc 0 "session ends cleanly after $2"
  grep -q "GET /health" "$TMP/sess.out" || fail "no report after $2: $(cat "$TMP/sess.out")"
}

# report_tests DB: "NAME REQUESTS STATUS" per test of the latest run, sorted,
# then "outside N" and "unattributed N".
report_tests() {
  "$E2E" perf-report --db "$1" -f json | python3 -c '
import json, sys
d = json.load(sys.stdin)["tests"]
for t in sorted(d["tests"], key=lambda t: t["name"]):
    print(t["name"], t["requests"], t["status"] or "-")
print("outside", d["outside_requests"])
print("unattributed", d["unattributed_requests"])'
}

# need_pytest: exits the test (skipped, 77) unless Debian's python3-pytest
# and python3-requests are there for /usr/bin/python3 (tools/deps.sh).
need_pytest() {
  if ! /usr/bin/python3 -c 'import pytest, requests' 2>/dev/null; then
    echo "SKIP: Debian's python3-pytest and python3-requests are not installed (tools/deps.sh)"
    exit 77
  fi
}

# demo_service: starts demo/service.py on a free port of 127.0.0.1 (stopped
# by PID on exit), sets T to its URL; exits the test if it does not start.
demo_service() {
  python3 "${E2E_SOURCE_ROOT:?}/demo/service.py" --port 0 >"$TMP/svc.out" 2>&1 &
  SVC=$!
  trap 'kill $SVC 2>/dev/null; wait $SVC 2>/dev/null; rm -rf "$TMP"' EXIT
  local port=""
  for _ in $(seq 1 100); do port=$(awk '/^PORT/ {print $2}' "$TMP/svc.out"); [ -n "$port" ] && break; sleep 0.05; done
  [ -n "$port" ] || { echo "service did not start" >&2; exit 1; }
  T="http://127.0.0.1:$port"
}

# version_line SRC: the line `e2e --version` prints for a build of the
# source tree SRC: "e2e VERSION (git COMMIT)" from a git checkout (COMMIT:
# 12 hex digits, "-dirty" when tracked files differ from HEAD), "e2e
# VERSION" from a tarball. VERSION is meson.build's, its one home.
version_line() {
  local v c
  v=$(sed -n "s/^ *version : '\(.*\)',\$/\1/p" "$1/meson.build")
  if [ -e "$1/.git" ] && c=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null); then
    git -C "$1" diff --quiet HEAD 2>/dev/null || c=$c-dirty
    echo "e2e $v (git $c)"
  else
    echo "e2e $v"
  fi
}

# copy_source SRC DEST: the source tree SRC, without build directories or
# anything git ignores, copied to DEST (created): a git checkout's tracked
# and untracked-but-not-ignored files, or every file of a tarball's tree.
copy_source() {
  mkdir -p "$2"
  if [ -e "$1/.git" ]; then
    (cd "$1" && git ls-files -z -co --exclude-standard |
      while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
      tar --null -T - -cf -) | tar -xf - -C "$2"
  else
    (cd "$1" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$2"
  fi
}

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# jq-less JSON look-ups: json FILE EXPR (EXPR on the parsed object "r")
json() { python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print($2)" "$1"; }

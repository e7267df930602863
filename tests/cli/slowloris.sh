#!/usr/bin/env bash
# Slowloris (issue 14, tests/cli/slowloris.py): 2,000 partial connections
# do not stop legitimate requests, and each is closed when its head has
# taken 10 s; the session then ends cleanly.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
start_service python3 "$SRC/demo/service.py" --port 0
ulimit -n 8192 2>/dev/null || true

start_session slowloris

session_survives slowloris.py "slowloris"
finish

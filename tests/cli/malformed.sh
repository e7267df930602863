#!/usr/bin/env bash
# Malformed clients over raw sockets (tests/cli/malformed.py) against a
# perf-profile session in front of a real service: each gets a clean 4xx or
# a closed connection, the proxy keeps serving, and the session still ends
# cleanly on SIGINT with its report.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
start_service python3 "$SRC/demo/service.py" --port 0

start_session hostile

session_survives malformed.py "hostile clients"
finish

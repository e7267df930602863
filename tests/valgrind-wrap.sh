#!/usr/bin/env bash
# exe_wrapper of the 'valgrind' test setup: Check binaries run under
# memcheck directly; the CLI scripts (bash) run as they are and put every
# e2e they start under memcheck themselves (tests/cli/lib.sh, E2E_VALGRIND).
# Any memcheck error or definite leak makes the program exit 99.
case "$1" in
  */bash|bash) exec "$@" ;;
esac
exec valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
  --show-leak-kinds=definite --child-silent-after-fork=yes --trace-children=no "$@"

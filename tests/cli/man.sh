#!/usr/bin/env bash
# The man pages meson built from man/*.scd pass `mandoc -Tlint` with nothing
# worse than the paragraph-macro warnings scdoc's output always draws, and
# the section-1 pages have the sections every page needs. Without scdoc or
# mandoc this fails under CI=true and is skipped otherwise.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?E2E_SOURCE_ROOT not set}
MAN_DIR=${E2E_MAN_DIR:?E2E_MAN_DIR not set}

skip_or_fail() {
  if [ "${CI:-}" = true ]; then
    echo "FAIL: $1" >&2
    exit 1
  fi
  echo "SKIP: $1" >&2
  exit 77
}
command -v mandoc >/dev/null || skip_or_fail "mandoc is not installed (tools/deps.sh installs it)"
[ -f "$MAN_DIR/e2e.1" ] || skip_or_fail "no man pages in $MAN_DIR (scdoc missing or -Dman-pages=disabled)"

# lint PAGE: prints what mandoc finds beyond the known-harmless warnings;
# returns non-zero when there is any.
lint() {
  local out rc
  out=$(mandoc -Tlint -W error "$1" 2>&1) || {
    printf '%s\n' "$out"
    return 1
  }
  out=$(mandoc -Tlint -W warning "$1" 2>&1 | grep -v ': WARNING: skipping paragraph macro: ')
  [ -z "$out" ] || {
    printf '%s\n' "$out"
    return 1
  }
}

# The filter lets real problems through: an unknown macro, a broken table.
printf '.TH "X" "1"\n.SH NAME\nx \\- y\n.XX bogus\n' >"$TMP/bad.1"
NTESTS=$((NTESTS + 1))
! lint "$TMP/bad.1" >/dev/null || fail "lint misses an unknown macro"
printf '.TH "X" "1"\n.SH NAME\nx \\- y\n.P\n.TS\nl l.\na\tb\tc\n.TE\n' >"$TMP/bad2.1"
NTESTS=$((NTESTS + 1))
! lint "$TMP/bad2.1" >/dev/null || fail "lint misses a table row with too many cells"

for scd in "$SRC"/man/*.scd; do
  page=$(basename "$scd" .scd)
  NTESTS=$((NTESTS + 1))
  if [ ! -f "$MAN_DIR/$page" ]; then
    fail "$page: not built from man/$page.scd (reconfigure, or add it to man/meson.build)"
    continue
  fi
  if ! out=$(lint "$MAN_DIR/$page"); then
    fail "$page: mandoc -Tlint: $out"
  fi
  case $page in *.1) ;; *) continue ;; esac
  for sh in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
    NTESTS=$((NTESTS + 1))
    grep -qxF ".SH $sh" "$MAN_DIR/$page" || fail "$page: no $sh section"
  done
  NTESTS=$((NTESTS + 1))
  head -n 20 "$MAN_DIR/$page" | grep -qE "^\\.TH \"${page%.1}\" \"1\"" || fail "$page: .TH does not name ${page%.1}(1)"
done

finish

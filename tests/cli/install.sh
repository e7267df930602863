#!/usr/bin/env bash
# `meson install` into a DESTDIR puts the binary, the man pages and the
# completions where users' tools look for them: bindir, mandir/man1 and
# man5, bash-completion's and fish's completionsdir (under our prefix),
# zsh's site-functions.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?E2E_SOURCE_ROOT not set}
BUILD=${E2E_BUILD_ROOT:?E2E_BUILD_ROOT not set}
DEST=$TMP/dest

# option NAME: the build's value of a meson option.
option() {
  meson introspect "$BUILD" --buildoptions |
    python3 -c 'import json, sys
for o in json.load(sys.stdin):
    if o["name"] == sys.argv[1]:
        print(o["value"])' "$1"
}

run meson install -C "$BUILD" --destdir "$DEST" --no-rebuild
expect_rc 0 "meson install"

prefix=$(option prefix)
bindir=$(option bindir)
mandir=$(option mandir)
datadir=$(option datadir)
completions=$(option completions)
abs() { case $1 in /*) echo "$DEST$1" ;; *) echo "$DEST$prefix/$1" ;; esac; }

# installed WHAT PATH [SOURCE]: PATH exists (and equals SOURCE when given).
installed() {
  NTESTS=$((NTESTS + 1))
  if [ ! -f "$2" ]; then
    fail "$1 not installed at ${2#"$DEST"} (installed: $(cd "$DEST" && find . -type f | tr '\n' ' '))"
  elif [ $# -ge 3 ] && ! cmp -s "$2" "$3"; then
    fail "$1 at ${2#"$DEST"} differs from $3"
  fi
}

installed "e2e" "$(abs "$bindir")/e2e"
run "$(abs "$bindir")/e2e" --version
expect_rc 0 "installed e2e --version"
expect_out "$(version_line "$SRC")" "installed e2e --version"

# Man pages: one per man/*.scd, when they are built (scdoc found and the
# man-pages feature not disabled; CI must build them).
# The test-framework integrations (SPEC section 11), where perf-profile
# loads them from.
installed "pytest plugin" "$(abs "$datadir")/e2e/pytest/e2e_pytest.py" "$SRC/integrations/pytest/e2e_pytest.py"
for f in e2e_common.js e2e_playwright_reporter.js e2e_playwright_worker.js; do
  installed "playwright $f" "$(abs "$datadir")/e2e/playwright/$f" "$SRC/integrations/playwright/$f"
done

if [ -f "$BUILD/man/e2e.1" ]; then
  for scd in "$SRC"/man/*.scd; do
    page=$(basename "$scd" .scd)
    installed "man page $page" "$(abs "$mandir")/man${page##*.}/$page" "$BUILD/man/$page"
  done
elif [ "${CI:-}" = true ]; then
  NTESTS=$((NTESTS + 1))
  fail "man pages were not built (scdoc missing?)"
fi

if [ "$completions" = True ] || [ "$completions" = true ]; then
  installed "bash completion" "$(abs "$datadir")/bash-completion/completions/e2e" "$SRC/completions/e2e.bash"
  installed "zsh completion" "$(abs "$datadir")/zsh/site-functions/_e2e" "$SRC/completions/_e2e"
  installed "fish completion" "$(abs "$datadir")/fish/vendor_completions.d/e2e.fish" "$SRC/completions/e2e.fish"
else
  NTESTS=$((NTESTS + 1))
  [ -z "$(find "$DEST" -path '*completion*' -type f)" ] || fail "completions installed with -Dcompletions=false"
fi

# Nothing else lands outside the prefix (bash-completion's and fish's
# pkg-config files point at /usr; we install under our own prefix).
NTESTS=$((NTESTS + 1))
stray=$(cd "$DEST" && find . -type f ! -path "./${prefix#/}/*")
[ -z "$stray" ] || fail "installed outside the prefix $prefix: $stray"

finish

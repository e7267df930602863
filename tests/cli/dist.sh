#!/usr/bin/env bash
# The release tarball (issue 24). `meson dist --no-tests` on a commit of a
# copy of the tree writes e2e-VERSION.tar.xz holding exactly the committed
# files; built from the tarball alone, the unit suite passes and
# `e2e --version` prints the bare version (no .git, no commit).
# Not the full dist check (meson dist without --no-tests), which builds
# and runs the whole suite again from the tarball: that doubles CI's time
# for what this test and the suite already show; it is the release step
# (README, "In CI").
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?E2E_SOURCE_ROOT not set}
for tool in git meson ninja xz; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (tools/deps.sh installs it)"; exit 77; }
done
version=$(sed -n "s/^ *version : '\(.*\)',\$/\1/p" "$SRC/meson.build")

copy_source "$SRC" "$TMP/src"
(cd "$TMP/src" && git init -q && git add -A &&
  git -c user.name=dist -c user.email=dist@localhost commit -q -m dist) || { fail "git commit of the copy"; finish; }

run meson setup "$TMP/b" "$TMP/src"
expect_rc 0 "meson setup of the copy"
run timeout 600 meson dist -C "$TMP/b" --no-tests --formats xztar
expect_rc 0 "meson dist --no-tests"
tarball=$TMP/b/meson-dist/e2e-$version.tar.xz
NTESTS=$((NTESTS + 1))
[ -f "$tarball" ] || { fail "no $(basename "$tarball"): $OUT $ERR"; finish; }
NTESTS=$((NTESTS + 1))
(cd "$TMP/b/meson-dist" && sha256sum -c "$(basename "$tarball").sha256sum" >/dev/null) || fail "the tarball's .sha256sum does not match"

# Exactly the committed files, under e2e-VERSION/.
NTESTS=$((NTESTS + 1))
want=$(git -C "$TMP/src" ls-files | sed "s|^|e2e-$version/|" | sort)
got=$(tar -tJf "$tarball" | grep -v '/$' | sort)
[ "$want" = "$got" ] || fail "tarball contents: $(diff <(echo "$want") <(echo "$got") | head -n 10)"
for f in meson.build debian/rules action.yml src/e2e-vcs.h.in tools/list-data; do
  NTESTS=$((NTESTS + 1))
  grep -qxF "e2e-$version/$f" <<<"$got" || fail "the tarball lacks $f"
done

# Built and unit-tested from the tarball alone.
mkdir -p "$TMP/t" && tar -xJf "$tarball" -C "$TMP/t"
T=$TMP/t/e2e-$version
run meson setup "$TMP/tb" "$T"
expect_rc 0 "meson setup from the tarball"
run timeout 1200 ninja -C "$TMP/tb"
expect_rc 0 "ninja from the tarball"
run "$TMP/tb/e2e" --version
expect_rc 0 "e2e --version from the tarball"
expect_out "e2e $version" "e2e --version from the tarball (no commit)"
run timeout 900 meson test -C "$TMP/tb" --suite unit --num-processes 2
expect_rc 0 "the unit suite from the tarball"
[ "$RC" -eq 0 ] || tail -n 30 "$TMP/tb/meson-logs/testlog.txt" >&2
finish

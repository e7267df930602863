#!/usr/bin/env bash
# The Debian package (debian/, issue 24): `dpkg-buildpackage -us -uc -b`
# in a copy of the source tree builds e2e_VERSION_ARCH.deb whose version is
# meson.build's, whose files are exactly the binary, the man pages, the
# three completions where Debian's shells look, the shipped integrations
# and contrib files, and the copyright and changelog; its dependencies come
# from the shared libraries; lintian finds no error or warning. Extracted
# with dpkg-deb -x, its binary prints its version and records a tiny
# proxied run. The .deb is left in BUILD/deb/ for tools/test.sh, which
# installs it with dpkg -i in CI.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?E2E_SOURCE_ROOT not set}
BUILD=${E2E_BUILD_ROOT:?E2E_BUILD_ROOT not set}

for tool in dpkg-buildpackage dh dh_auto_configure dpkg-deb fakeroot lintian; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (tools/deps.sh installs it)"; exit 77; }
done

version=$(sed -n "s/^ *version : '\(.*\)',\$/\1/p" "$SRC/meson.build")
arch=$(dpkg --print-architecture)
copy_source "$SRC" "$TMP/pkg/e2e"

# nocheck: the package's own test step is the unit suite, which this suite
# runs already; the build is what is under test here.
NTESTS=$((NTESTS + 1))
(cd "$TMP/pkg/e2e" && DEB_BUILD_OPTIONS="nocheck parallel=2" timeout 1500 \
  dpkg-buildpackage -us -uc -b) >"$TMP/build.log" 2>&1 ||
  { tail -n 40 "$TMP/build.log" >&2; fail "dpkg-buildpackage failed"; finish; }
deb=$TMP/pkg/e2e_${version}_$arch.deb
NTESTS=$((NTESTS + 1))
[ -f "$deb" ] || { fail "no $(basename "$deb"): $(ls "$TMP/pkg")"; finish; }

run dpkg-deb -f "$deb" Package Version Architecture
expect_rc 0 "dpkg-deb -f"
expect_out "Package: e2e
Version: $version
Architecture: $arch" "the package's name, version (meson.build's) and architecture"

# ${shlibs:Depends}: the runtime libraries (by whatever name this release
# gives them: libcurl4 or libcurl4t64).
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libcurl4 libjansson4 libsqlite3-0 libxml2 libpq5; do
  NTESTS=$((NTESTS + 1))
  [[ ", $depends" =~ ,\ $lib(t64)?\ \( ]] || fail "Depends lacks $lib: $depends"
done

# The file list, exactly.
want=$(
  echo usr/bin/e2e
  for scd in "$SRC"/man/*.scd; do p=$(basename "$scd" .scd); echo "usr/share/man/man${p##*.}/$p.gz"; done
  echo usr/share/bash-completion/completions/e2e
  echo usr/share/zsh/vendor-completions/_e2e
  echo usr/share/fish/vendor_completions.d/e2e.fish
  "$SRC/tools/list-data" "$SRC/integrations" | sed 's|^|usr/share/e2e/|'
  [ ! -d "$SRC/contrib" ] || "$SRC/tools/list-data" "$SRC/contrib" | sed 's|^|usr/share/e2e/contrib/|'
  echo usr/share/doc/e2e/copyright
  echo usr/share/doc/e2e/changelog.gz
)
got=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }')
NTESTS=$((NTESTS + 1))
missing=$(comm -23 <(sort <<<"$want") <(sort <<<"$got") | tr '\n' ' ')
extra=$(comm -13 <(sort <<<"$want") <(sort <<<"$got") | tr '\n' ' ')
[ -z "$missing$extra" ] || fail "file list: missing: ${missing:-none}; unexpected: ${extra:-none}"

NTESTS=$((NTESTS + 1))
lintian --fail-on error,warning "$TMP/pkg/e2e_${version}_$arch.changes" >"$TMP/lintian.out" 2>&1 ||
  fail "lintian: $(cat "$TMP/lintian.out")"

# Extracted into a temporary root, the binary runs and records.
ROOT=$TMP/root
run dpkg-deb -x "$deb" "$ROOT"
expect_rc 0 "dpkg-deb -x"
cmp -s "$ROOT/usr/share/zsh/vendor-completions/_e2e" "$SRC/completions/_e2e" || fail "_e2e differs from the source"
NTESTS=$((NTESTS + 1))
for f in $("$SRC/tools/list-data" "$SRC/integrations"); do
  cmp -s "$ROOT/usr/share/e2e/$f" "$SRC/integrations/$f" || fail "integration file $f differs from the source"
done
NTESTS=$((NTESTS + 1))
zcat "$ROOT/usr/share/man/man1/e2e.1.gz" | grep -q '^\.TH "e2e" "1"' || fail "e2e.1.gz is not a built man page"

run "$ROOT/usr/bin/e2e" --version
expect_rc 0 "the packaged e2e --version"
expect_out "e2e $version" "the packaged e2e --version (built without .git)"

demo_service
run "$ROOT/usr/bin/e2e" perf-profile -s deb --target "$T" --db "$TMP/p.db" -- \
  sh -c 'for i in 1 2 3; do curl -fsS -o /dev/null "$E2E_PROXY_URL/users/$i"; done'
expect_rc 0 "a proxied run with the packaged binary"
expect_out_has "GET /users/{id}  3" "the packaged binary recorded the suite's requests"

mkdir -p "$BUILD/deb" && rm -f "$BUILD"/deb/*.deb && cp "$deb" "$BUILD/deb/"
finish

#!/usr/bin/env bash
# Runs the whole test suite twice: a normal build with warnings as errors,
# then an ASan+UBSan build, after a clang-format check of the C files in
# src/, tests/ and tools/. Ends with one line "N passed, M failed, K skipped"
# counted from both builds' meson testlog.json (a failed format check or a
# build without a test log counts as one failure); exits non-zero on any
# failure.
set -uo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

status=0
extra_failed=0

echo "== clang-format" >&2
mapfile -t cfiles < <(find src tests tools -name '*.[ch]' | LC_ALL=C sort)
if ! clang-format --style=file --dry-run --Werror "${cfiles[@]}" >&2; then
  echo "== clang-format: run clang-format -i on the files above" >&2
  extra_failed=$((extra_failed + 1))
fi

build() { # DIR MESON-ARGS...
  local dir=$1; shift
  if [ -d "$dir/meson-private" ]; then
    meson configure "$dir" "$@" >/dev/null || return 1
  else
    meson setup "$dir" --werror "$@" >/dev/null || return 1
  fi
  ninja -C "$dir" >"$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; return 1; }
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for cfg in "build" "build-asan -Db_sanitize=address,undefined -Db_lundef=false"; do
  set -- $cfg
  dir=$1; shift
  rm -f "$dir/meson-logs/testlog.json" # a failed build must not count an old run
  echo "== $dir: build" >&2
  if ! build "$dir" "$@"; then
    echo "== $dir: build failed" >&2
    status=1
    continue
  fi
  echo "== $dir: test" >&2
  meson test -C "$dir" --print-errorlogs --num-processes 2 >&2 || status=1
done

# In CI as root (issue 24): the Debian package the cli-deb test built
# (build/deb/), installed with dpkg -i, and the README's demo run against
# the installed /usr/bin/e2e; one more check in the count below. A package
# that was not installed before is removed again.
extra_passed=0
installed_check() {
  local deb out was
  deb=$(ls build/deb/e2e_*.deb 2>/dev/null | head -n 1)
  [ -n "$deb" ] || { echo "== install: no build/deb/e2e_*.deb (cli-deb did not pass)" >&2; return 1; }
  was=$(dpkg-query -W -f='${Status}' e2e 2>/dev/null)
  dpkg -i "$deb" >&2 || return 1
  /usr/bin/e2e --version >&2 && man -w e2e-perf-profile >&2 || return 1
  out=$(E2E_DEMO_BIN=/usr/bin/e2e timeout 600 tools/demo.sh 2>&1)
  local rc=$?
  [ "$was" = "install ok installed" ] || dpkg -r e2e >/dev/null 2>&1
  printf '%s\n' "$out" >&2
  # The slowed run must fail the gate. The unchanged run's gate depends on
  # how busy the runner is (a loaded machine can fail it): any verdict (0
  # or 1) shows the installed binary works; a 2, 3 or 4 does not.
  grep -qx 'exit status: 1' <<<"$out" && echo "== install: note: the unchanged demo run failed the gate" >&2
  [ $rc -eq 0 ] && grep -qx 'exit status: [01]' <<<"$out" &&
    grep -q '^exit status: 1 (1 = the gate failed' <<<"$out"
}
if [ "$(id -u)" -eq 0 ] && [ "${CI:-}" = true ]; then
  echo "== install: dpkg -i $(ls build/deb/ 2>/dev/null | head -n 1), then the demo against /usr/bin/e2e" >&2
  if installed_check; then
    echo "== install: ok" >&2
    extra_passed=1
  else
    echo "== install: FAILED" >&2
    extra_failed=$((extra_failed + 1))
  fi
fi

python3 - "$extra_failed" "$extra_passed" build build-asan <<'PY'
import json, sys, os
skipped = 0
failed = int(sys.argv[1])
passed = int(sys.argv[2])
for d in sys.argv[3:]:
    p = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(p):
        failed += 1
        continue
    with open(p) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line).get("result")
            if r in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif r == "SKIP":
                skipped += 1
            else:
                failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
rc=$?
[ $rc -eq 0 ] && [ $status -eq 0 ]

#!/usr/bin/env bash
# Installs what building, testing and the demo need on Debian 12, only if
# missing. Idempotent; needs root (or sudo) when something is missing.
set -euo pipefail
PKGS=(
  build-essential meson ninja-build pkg-config clang clang-format libclang-rt-14-dev
  libcurl4-openssl-dev libjansson-dev libsqlite3-dev libxml2-dev libpq-dev check
  scdoc mandoc zsh fish bash-completion curl python3 sqlite3 jq valgrind
  nginx-light wrk util-linux openssl libxml2-utils
  hey # tools/bench-replay.sh: perf-replay side by side with hey -q
  python3-pytest python3-requests python3-pytest-xdist
  debhelper dpkg-dev fakeroot lintian python3-yaml git  # packaging: debian/, action.yml, meson dist (issue 24)
  chromium nodejs # the Playwright integration's test (@playwright/test comes from npm)
  chromium python3-pil # the HTML report in a real browser (tests/cli/html-layout.sh)
  linux-perf chromium # --profile-cpu: perf record/script; the flame graph's screenshot test
  libpq-dev postgresql # the team store (SPEC section 13): libpq, and a real server for the tests
)
# npm: Debian's package, unless the nodejs installed brings its own (a
# NodeSource nodejs does, and conflicts with Debian's npm).
command -v npm >/dev/null 2>&1 || PKGS+=(npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

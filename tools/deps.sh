#!/usr/bin/env bash
# Installs what building, testing and the demo need on Debian 12, only if
# missing. Idempotent; needs root (or sudo) when something is missing.
set -euo pipefail
PKGS=(
  build-essential meson ninja-build pkg-config clang clang-format libclang-rt-14-dev
  libcurl4-openssl-dev libjansson-dev libsqlite3-dev libmicrohttpd-dev check
  scdoc mandoc zsh fish bash-completion curl python3 sqlite3 jq valgrind
  nginx-light wrk util-linux openssl libxml2-utils
  python3-pytest python3-requests python3-pytest-xdist
  libpq-dev postgresql # the team store (SPEC section 13): libpq, and a real server for the tests
)
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

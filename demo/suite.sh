#!/usr/bin/env bash
# The demo's "end-to-end test suite": plain curl against $E2E_PROXY_URL,
# as any suite (pytest, Playwright, Newman) would talk to the service.
set -eu
base=${E2E_PROXY_URL:?run me under e2e perf-profile}
rounds=${SUITE_ROUNDS:-20}
for i in $(seq 1 "$rounds"); do
  curl -fsS -o /dev/null "$base/health"
  curl -fsS -o /dev/null "$base/users"
  curl -fsS -o /dev/null "$base/users/$((i * 7))?expand=orders"
  curl -fsS -o /dev/null "$base/users/me"
  curl -fsS -o /dev/null "$base/orders/$(printf '%08x-0000-4000-8000-%012d' "$i" "$i")"
  curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"item":1}' "$base/orders"
  curl -sS -o /dev/null "$base/users/999999" || true
done

# bench-lib.sh - sourced by the benchmark scripts that start servers:
# bench_setup NAME makes a temporary directory $T and an empty PIDS list;
# on exit every process in PIDS is ended by PID and waited for, and $T
# removed.
# BENCH_CLIENT: the keep-alive client the scripts share,
# tools/bench-client.py (usage in its first lines).
BENCH_CLIENT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bench-client.py
bench_cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
bench_setup() {
  T=$(mktemp -d "/tmp/$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}
# bench_nginx_upstream PORT [HTTP_CONF]: starts nginx (one worker) answering
# every request on 127.0.0.1:PORT with 200 '{"ok":true}' (11 bytes,
# keep-alive), with HTTP_CONF added to its http block; its PID joins PIDS
# and its pid file is $T/ngx/nginx.pid.
bench_nginx_upstream() {
  mkdir -p "$T/ngx"
  cat >"$T/ngx/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $T/ngx/nginx.pid;
error_log $T/ngx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $T/ngx/cb; proxy_temp_path $T/ngx/p; fastcgi_temp_path $T/ngx/f;
  uwsgi_temp_path $T/ngx/u; scgi_temp_path $T/ngx/s;
  keepalive_requests 10000000;
  server { listen 127.0.0.1:$1; default_type application/json; location / { return 200 '{"ok":true}'; } }
  ${2:-}
}
NGX
  nginx -c "$T/ngx/nginx.conf" -p "$T/ngx/" >"$T/ngx.log" 2>&1 &
  PIDS+=($!)
}
# bench_ab_demo E2E ROOT DIR ROUNDS SUITE OUT [B_DELAYS]: one `e2e perf-ab
# -t 5` of two demo services that perf-ab starts and stops itself
# (/users/{id} and /orders/{id} 20 ms, /users/me 5 ms, /health and /users
# none; B gets B_DELAYS on top, e.g. --delay /users/=22), SUITE the
# wrapped command, the database in DIR, the JSON report in OUT; bounded by
# timeout 300, perf-ab's stderr in DIR/err. Returns perf-ab's status.
bench_ab_demo() {
  local e2e=$1 root=$2 dir=$3 rounds=$4 suite=$5 out=$6 extra=${7:-} pa pb
  local same="--delay /users/=20 --delay /users/me=5 --delay /orders=20"
  pa=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  pb=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  timeout 300 "$e2e" perf-ab -q -s demo --db "$dir/ab.db" --a "http://127.0.0.1:$pa" --b "http://127.0.0.1:$pb" \
    --rounds "$rounds" -t 5 -f json --out "$out" \
    --serve-a "exec python3 '$root/demo/service.py' --port $pa $same" \
    --serve-b "exec python3 '$root/demo/service.py' --port $pb $same $extra --seed 2" \
    -- "$suite" 2>"$dir/err"
}
# bench_ab_suite FILE [hogs]: writes the wrapped command of bench_ab_demo
# to FILE: one keep-alive curl asking each of the demo's five endpoints N
# times (N from the environment), interleaved. With "hogs" the runner's
# noise changes between rounds and holds within one: run i (counted in
# the file $AB_COUNT; ABBA: runs 2r-1 and 2r are round r) starts 0, 1 or
# 2 busy loops (rounds 1, 2, 3, then again) for its own length and ends
# them by PID.
bench_ab_suite() {
  {
    echo '#!/bin/bash'
    if [ "${2:-}" = hogs ]; then
      cat <<'HOGS'
i=$(($(cat "$AB_COUNT" 2>/dev/null || echo 0) + 1)); echo "$i" >"$AB_COUNT"
pids=""
for _ in $(seq 1 $(((i + 1) / 2 % 3 == 1 ? 0 : ((i + 1) / 2 % 3 == 2 ? 1 : 2)))); do
  sh -c 'while :; do :; done' & pids="$pids $!"
done
HOGS
    fi
    cat <<'CURL'
u=""
for k in $(seq 1 "$N"); do
  u="$u $E2E_PROXY_URL/users/$k $E2E_PROXY_URL/orders/$k $E2E_PROXY_URL/health $E2E_PROXY_URL/users $E2E_PROXY_URL/users/me"
done
curl -sS $u >/dev/null; rc=$?
for p in $pids; do kill "$p"; wait "$p" 2>/dev/null; done
exit $rc
CURL
  } >"$1"
  chmod +x "$1"
}

#!/usr/bin/env bash
# bench-syscalls.sh - system calls per proxied request, load-independently:
# the proxy (BUILD/tools/bench-proxy, the real proxy module without SQLite)
# and an nginx reverse proxy (one worker, upstream keep-alive, as the shared
# yardstick's), each in front of the same nginx upstream answering 11
# bytes, for one keep-alive Python client sending R plain GETs; counted by
# strace -c attached to the proxy. On a 2-CPU runner the kernel side of a
# request costs more than the user side, so this and tools/bench-heads.sh
# (user-space instructions) are the two halves of the CPU a request costs.
#
# Usage: tools/bench-syscalls.sh [-b BUILD_DIR] [-r REQUESTS] [-p PORT]
# Prints one line per proxy:
#   proxy=nginx|e2e syscalls_per_req=.. top=name:per_req,...
# Needs nginx, strace, python3. Every process it starts is ended by PID.
# About 20 s.
set -u
BUILD=build; R=2000; BASE=18580
while getopts "b:r:p:h" o; do
  case $o in
    b) BUILD=$OPTARG ;; r) R=$OPTARG ;; p) BASE=$OPTARG ;;
    h) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
  esac
done
for t in nginx strace python3; do
  command -v "$t" >/dev/null || { echo "bench-syscalls: missing tool: $t" >&2; exit 2; }
done
[ -x "$BUILD/tools/bench-proxy" ] || { echo "bench-syscalls: no $BUILD/tools/bench-proxy" >&2; exit 2; }
UP=$BASE; NGX=$((BASE + 1)); PX=$((BASE + 2))
. "$(dirname "$0")/bench-lib.sh"
bench_setup bench-syscalls

# the reference: an nginx reverse proxy as the shared yardstick's
bench_nginx_upstream "$UP" "upstream sut { server 127.0.0.1:$UP; keepalive 64; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:$NGX;
    location / { proxy_pass http://sut; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }"
"$BUILD/tools/bench-proxy" --quiet --listen "127.0.0.1:$PX" --target "http://127.0.0.1:$UP" >"$T/px.log" 2>&1 &
PX_PID=$!
PIDS+=($PX_PID)


# count NAME PID: syscalls of PID (and its threads) over R requests
count() {
  python3 "$BENCH_CLIENT" "$2" 200 /users/1 "User-Agent: bench-syscalls/1" "Accept: application/json" || exit 1 # warm: connections open on both sides
  strace -c -f -q -o "$T/st.$1" -p "$3" &
  local st=$!
  sleep 1
  python3 "$BENCH_CLIENT" "$2" "$R" /users/1 "User-Agent: bench-syscalls/1" "Accept: application/json" || exit 1
  kill -INT $st; wait $st 2>/dev/null
  awk -v r="$R" -v name="$1" '
    $NF == "total" { tot = $4 }
    $1 ~ /^[0-9.]+$/ && $NF != "total" {
      top = top sprintf("%s%s:%.2f", top == "" ? "" : ",", $NF, $4 / r)
    }
    END { printf "proxy=%s syscalls_per_req=%.2f top=%s\n", name, tot / r, top }' "$T/st.$1"
}
for _ in $(seq 1 100); do [ -s "$T/ngx/nginx.pid" ] && break; sleep 0.1; done
master=$(cat "$T/ngx/nginx.pid")
worker=$(pgrep -P "$master" | head -n 1)
count nginx "$NGX" "$worker"
count e2e "$PX" "$PX_PID"

#!/usr/bin/env bash
# bench-heads.sh - what the request-head limit (--max-header-bytes) costs an
# ordinary request, load-independently: instructions per request of the
# proxy module (BUILD/tools/bench-proxy) under callgrind, in front of an
# nginx upstream answering 11 bytes, for a keep-alive Python client sending
# plain GETs (a 200-byte head). Per request = (Ir at 2*R requests - Ir at R
# requests) / R, so start-up and shutdown cancel. Also memset's share (with
# libmicrohttpd, before src/front.c, the whole per-connection pool was
# zeroed after every request: 319k of 348k instructions at 64 KiB), and
# the proxy's peak RSS with C idle keep-alive connections open after one
# request each (-c, default 256).
#
# Usage: tools/bench-heads.sh [-b BUILD_DIR] [-r REQUESTS] [-p PORT] [-c CONNS] [N ...]
#   N: --max-header-bytes values (default: 4096 65536); R: default 1000
# Prints one line per N:
#   max_header_bytes=N ir_per_req=.. memset_ir_per_req=.. rss_kib_at_C_conns=..
# Needs nginx, valgrind (callgrind_annotate), python3, cc. Every process it
# starts is ended by PID. About 60 s on an idle machine (2.5 min at load 13).
set -u
BUILD=build; R=1000; BASE=18380; CONNS=256
while getopts "b:r:p:c:h" o; do
  case $o in
    b) BUILD=$OPTARG ;; r) R=$OPTARG ;; p) BASE=$OPTARG ;; c) CONNS=$OPTARG ;;
    h) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
SIZES=${*:-4096 65536}
for t in nginx valgrind callgrind_annotate python3 cc; do
  command -v "$t" >/dev/null || { echo "bench-heads: missing tool: $t" >&2; exit 2; }
done
[ -x "$BUILD/tools/bench-proxy" ] || { echo "bench-heads: no $BUILD/tools/bench-proxy" >&2; exit 2; }
UP=$BASE; PX=$((BASE + 1))
. "$(dirname "$0")/bench-lib.sh"
bench_setup bench-heads

bench_nginx_upstream "$UP"

# C keep-alive connections, one request each, held open; prints the
# proxy's VmRSS (KiB) while they are
cat >"$T/conns.py" <<'PY'
import socket, sys, time
port, n, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for _ in range(300):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
    except OSError:
        time.sleep(0.1)
req = (b"GET /users/1 HTTP/1.1\r\nHost: x\r\nUser-Agent: bench-heads/1\r\n"
       b"Authorization: Bearer " + b"t" * 100 + b"\r\nCookie: session=" + b"s" * 40 + b"\r\n\r\n")
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(req)
    socks.append(s)
for s in socks:
    d = b""
    while b"{\"ok\":true}" not in d:
        c = s.recv(4096)
        if not c:
            sys.exit("connection closed")
        d += c
time.sleep(0.3)
for line in open("/proc/%s/status" % pid):
    if line.startswith("VmRSS:"):
        print(line.split()[1])
PY

# ir N REQUESTS -> "total memset" instructions of one bench-proxy run
ir() {
  local out="$T/cg.$1.$2"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$BUILD/tools/bench-proxy" --quiet \
    --listen "127.0.0.1:$PX" --target "http://127.0.0.1:$UP" --max-header-bytes "$1" >"$T/px.log" 2>&1 &
  local pid=$!
  PIDS+=($pid)
  python3 "$BENCH_CLIENT" "$PX" "$2" /users/1 "User-Agent: bench-heads/1" "Accept: application/json" "Authorization: Bearer $(printf 't%.0s' $(seq 100))" "Cookie: session=$(printf 's%.0s' $(seq 40))" || { echo "bench-heads: client failed" >&2; cat "$T/px.log" >&2; exit 1; }
  kill -INT $pid; wait $pid 2>/dev/null
  callgrind_annotate --inclusive=yes "$out" 2>/dev/null | awk '
    /PROGRAM TOTALS/ { gsub(",", "", $1); tot = $1 }
    /memset/ && !seen[$0]++ { v = $1; gsub(",", "", v); if (v + 0 > ms) ms = v + 0 }
    END { print tot + 0, ms + 0 }'
}
# rss N -> the proxy's RSS in KiB with CONNS connections open
rss() {
  "$BUILD/tools/bench-proxy" --quiet --listen "127.0.0.1:$PX" --target "http://127.0.0.1:$UP" \
    --max-header-bytes "$1" >"$T/px.log" 2>&1 &
  local pid=$!
  PIDS+=($pid)
  python3 "$T/conns.py" "$PX" "$CONNS" "$pid" || { echo "bench-heads: conns client failed" >&2; exit 1; }
  kill -INT $pid; wait $pid 2>/dev/null
}
for n in $SIZES; do
  read -r a ma < <(ir "$n" "$R")
  read -r b mb < <(ir "$n" $((2 * R)))
  printf 'max_header_bytes=%s ir_per_req=%.0f memset_ir_per_req=%.0f rss_kib_at_%s_conns=%s\n' \
    "$n" "$(((b - a) / R))" "$(((mb - ma) / R))" "$CONNS" "$(rss "$n")"
done

#!/usr/bin/env bash
# bench-writer.sh - where a pinned run's latency tail can come from,
# load-independently: user-space instructions per request of each thread of
# `e2e perf-profile` (the proxy's event loop, the SQLite writer, the rest)
# under callgrind --separate-threads, in front of an nginx upstream
# answering 11 bytes, for a keep-alive Python client sending plain GETs.
# Per request = (Ir at 2*R requests - Ir at R requests) / R. The writer
# commits a batch of up to 1,024 requests at once: with every process
# pinned to one CPU (the yardstick), the proxy waits for that whole
# commit, so writer_ir_per_batch says how long such a stall is.
#
# Usage: tools/bench-writer.sh [-b BUILD_DIR] [-r REQUESTS] [-p PORT]
# Prints: loop_ir_per_req=.. writer_ir_per_req=.. other_ir_per_req=.. writer_ir_per_batch=..
# Needs nginx, valgrind, python3. Every process it starts is ended by PID.
# About 90 s on an idle machine.
set -u
BUILD=build; R=1024; BASE=18390
while getopts "b:r:p:h" o; do
  case $o in
    b) BUILD=$OPTARG ;; r) R=$OPTARG ;; p) BASE=$OPTARG ;;
    h) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
  esac
done
for t in nginx valgrind python3; do
  command -v "$t" >/dev/null || { echo "bench-writer: missing tool: $t" >&2; exit 2; }
done
[ -x "$BUILD/e2e" ] || { echo "bench-writer: no $BUILD/e2e" >&2; exit 2; }
UP=$BASE; PX=$((BASE + 1))
. "$(dirname "$0")/bench-lib.sh"
bench_setup bench-writer
bench_nginx_upstream "$UP"

cat >"$T/client.py" <<'PY'
import http.client, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
for _ in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60); c.connect(); break
    except OSError:
        time.sleep(0.1)
for i in range(n):
    c.request("GET", "/users/%d" % i, headers={"User-Agent": "bench-writer/1"})
    r = c.getresponse(); r.read()
    if r.status != 200:
        sys.exit("status %d" % r.status)
PY

# ir N -> "loop writer other" instructions of one run of N requests
ir() {
  local out="$T/cg.$1"
  rm -f "$out"*
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out" "$BUILD/e2e" perf-profile \
    -s bench --quiet --listen "127.0.0.1:$PX" --target "http://127.0.0.1:$UP" --db "$T/p.$1.db" \
    -f json >"$T/px.$1.out" 2>"$T/px.$1.log" &
  local pid=$!
  PIDS+=($pid)
  python3 "$T/client.py" "$PX" "$1" || { echo "bench-writer: client failed" >&2; cat "$T/px.$1.log" >&2; exit 1; }
  sleep 1
  kill -INT $pid; wait $pid 2>/dev/null
  # thread 1 is main; the loop and the writer are told apart by what they run
  local f loop=0 writer=0 other=0 n
  for f in "$out"-*; do
    n=$(sed -n 's/^totals: *//p;s/^summary: *//p' "$f" | head -n 1)
    if grep -q 'fn=.*loop_main' "$f"; then loop=$((loop + n))
    elif grep -q 'fn=.*sqlite3_step' "$f"; then writer=$((writer + n))
    else other=$((other + n)); fi
  done
  echo "$loop $writer $other"
}
read -r la wa oa < <(ir "$R")
read -r lb wb ob < <(ir $((2 * R)))
printf 'loop_ir_per_req=%.0f writer_ir_per_req=%.0f other_ir_per_req=%.0f writer_ir_per_batch=%.0f\n' \
  "$(((lb - la) / R))" "$(((wb - wa) / R))" "$(((ob - oa) / R))" "$(((wb - wa) * 1024 / R))"

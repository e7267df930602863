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
# Under callgrind requests come slowly, so a commit holds fewer than 1,024
# of them and its fixed cost is spread over fewer: the writer's figures
# are upper bounds. So it also runs e2e perf-profile natively under wrk
# (one connection, -d seconds) and reads each thread's CPU time (user +
# system, /proc) per request: the loop is the thread left waiting in
# epoll_wait; the others (the writer, the disturbance probe) are listed in
# the order they were made.
#
# Usage: tools/bench-writer.sh [-b BUILD_DIR] [-r REQUESTS] [-p PORT] [-d SECONDS] [-n]
#   -n: the native run only (no callgrind)
# Prints: loop_ir_per_req=.. writer_ir_per_req=.. other_ir_per_req=.. writer_ir_per_batch=..
#         requests=.. loop_cpu_us_per_req=.. other_threads_cpu_us_per_req=..,..
# Needs nginx, valgrind, wrk, python3. Every process it starts is ended by
# PID. About 2 min on an idle machine.
set -u
BUILD=build; R=1024; BASE=18390; DUR=5; NATIVE_ONLY=0
while getopts "b:r:p:d:nh" o; do
  case $o in
    b) BUILD=$OPTARG ;; r) R=$OPTARG ;; p) BASE=$OPTARG ;; d) DUR=$OPTARG ;; n) NATIVE_ONLY=1 ;;
    h) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
  esac
done
for t in nginx valgrind wrk python3; do
  command -v "$t" >/dev/null || { echo "bench-writer: missing tool: $t" >&2; exit 2; }
done
[ -x "$BUILD/e2e" ] || { echo "bench-writer: no $BUILD/e2e" >&2; exit 2; }
UP=$BASE; PX=$((BASE + 1))
. "$(dirname "$0")/bench-lib.sh"
bench_setup bench-writer
bench_nginx_upstream "$UP"


# ir N -> "loop writer other" instructions of one run of N requests
ir() {
  local out="$T/cg.$1"
  rm -f "$out"*
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out" "$BUILD/e2e" perf-profile \
    -s bench --quiet --listen "127.0.0.1:$PX" --target "http://127.0.0.1:$UP" --db "$T/p.$1.db" \
    -f json >"$T/px.$1.out" 2>"$T/px.$1.log" &
  local pid=$!
  PIDS+=($pid)
  python3 "$BENCH_CLIENT" "$PX" "$1" /users/%d "User-Agent: bench-writer/1" || { echo "bench-writer: client failed" >&2; cat "$T/px.$1.log" >&2; exit 1; }
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
[ "$NATIVE_ONLY" = 1 ] || {
read -r la wa oa < <(ir "$R")
read -r lb wb ob < <(ir $((2 * R)))
printf 'loop_ir_per_req=%.0f writer_ir_per_req=%.0f other_ir_per_req=%.0f writer_ir_per_batch=%.0f\n' \
  "$(((lb - la) / R))" "$(((wb - wa) / R))" "$(((ob - oa) / R))" "$(((wb - wa) * 1024 / R))"
}

# natively: CPU time per request of the loop and the writer threads
"$BUILD/e2e" perf-profile -s bench --quiet --listen "127.0.0.1:$PX" --target "http://127.0.0.1:$UP" \
  --db "$T/native.db" -f json >"$T/native.out" 2>"$T/native.log" &
pid=$!
PIDS+=($pid)
python3 "$BENCH_CLIENT" "$PX" 10 /users/%d "User-Agent: bench-writer/1" || exit 1
wrk -c 1 -t 1 -d "${DUR}s" "http://127.0.0.1:$PX/users/1" >"$T/wrk.out" 2>&1
sleep 1
n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.out")
hz=$(getconf CLK_TCK)
loop_t=0; others=""
for task in /proc/$pid/task/*; do
  [ "${task##*/}" = "$pid" ] && continue
  read -r sc _ <"$task/syscall"
  t=$(awk '{ print $14 + $15 }' "$task/stat")
  if [ "$sc" = 232 ] || [ "$sc" = 281 ]; then loop_t=$t; else others="$others $t"; fi
done
kill -INT $pid; wait $pid 2>/dev/null
awk -v n="$n" -v l="$loop_t" -v o="$others" -v hz="$hz" 'BEGIN {
  k = split(o, t, " "); list = ""
  for (i = 1; i <= k; i++) list = list sprintf("%s%.1f", i > 1 ? "," : "", t[i] * 1e6 / hz / n)
  printf "requests=%d loop_cpu_us_per_req=%.1f other_threads_cpu_us_per_req=%s\n", n, l * 1e6 / hz / n, list }'

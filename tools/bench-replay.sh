#!/usr/bin/env bash
# bench-replay: perf-replay's open-model load generator side by side with
# hey (Debian package hey) against the same nginx on this machine.
#
#   tools/bench-replay.sh [-b BUILD] [-d SECONDS] [-c IN-FLIGHT] [-r RATE] [-p PORT]
#
# 0. the engine: perf-replay asked for far more than it can send at 64 in
#    flight (a closed loop in effect, the rest skipped) against
#    tools/curl-multi-loop (curl easy handles on one multi, 64 in flight);
# 1. hey -c 64 -z Ds: hey's closed-loop request rate at 64 in flight (its
#    best rate here);
# 2. perf-replay asked for that rate with --max-in-flight 64: its achieved
#    rate (sent per second of the schedule) and the ratio to hey's;
# 3. hey -q (RATE/64 per worker) -c 64 and perf-replay --rate RATE (default
#    5000/s): achieved rates, and perf-replay's scheduling error (actual
#    minus intended send time) P50/P99/max.
# Prints one "RESULT ..." line per step and a summary; the load average
# before and after (figures on a loaded machine are not comparable).
# Needs nginx, hey, curl. Every process it starts is ended by PID.
set -u
BUILD=build; DUR=10; INF=64; RATE=5000; PORT=18380
while getopts "b:d:c:r:p:h" o; do
  case $o in
    b) BUILD=$OPTARG ;; d) DUR=$OPTARG ;; c) INF=$OPTARG ;; r) RATE=$OPTARG ;; p) PORT=$OPTARG ;;
    h) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
  esac
done
for t in nginx hey curl; do
  command -v "$t" >/dev/null || { echo "bench-replay: missing tool: $t (tools/deps.sh)" >&2; exit 2; }
done
E2E=$BUILD/e2e
[ -x "$E2E" ] || { echo "bench-replay: no $E2E (build first, or -b BUILD)" >&2; exit 2; }
! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || { echo "bench-replay: port $PORT is in use (-p PORT)" >&2; exit 2; }
T=$(mktemp -d /tmp/bench-replay.XXXXXX)
NGINX=""
cleanup() { [ -n "$NGINX" ] && kill -TERM "$NGINX" 2>/dev/null && wait "$NGINX" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
URL=http://127.0.0.1:$PORT
cat >"$T/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/error.log warn;
events { worker_connections 4096; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $T/cb; proxy_temp_path $T/p; fastcgi_temp_path $T/f;
  uwsgi_temp_path $T/u; scgi_temp_path $T/s;
  keepalive_timeout 75s; keepalive_requests 10000000;
  server { listen 127.0.0.1:$PORT backlog=4096; default_type application/json;
    location / { return 200 '{"ok":true}'; } }
}
NGX
nginx -c "$T/nginx.conf" -p "$T/" >"$T/nginx.log" 2>&1 &
NGINX=$!
for _ in $(seq 100); do curl -fsS -o /dev/null --max-time 1 "$URL/" 2>/dev/null && break; sleep 0.05; done
curl -fsS -o /dev/null "$URL/" || { echo "bench-replay: nginx did not start" >&2; cat "$T/error.log" >&2; exit 1; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# The source run: three endpoints through perf-profile.
"$E2E" perf-profile -s bench --db "$T/p.db" --target "$URL" -q -- sh -c \
  'for p in /users/1 /users/2 /health; do curl -fsS -o /dev/null "$E2E_PROXY_URL$p"; done' >/dev/null ||
  { echo "bench-replay: cannot record the source run" >&2; exit 1; }

hey_rps() { # ARGS... -> requests/s from hey's summary
  hey "$@" 2>&1 | awk '/Requests\/sec:/ { print $2; f = 1 } END { if (!f) print 0 }'
}
replay() { # RATE -> "achieved p50_ms p99_ms max_ms late skipped"
  "$E2E" perf-replay --db "$T/p.db" --target "$URL" --from-run 1 --rate "$1" --duration "${DUR}s" \
    --max-in-flight "$INF" -f json --out "$T/r.json" 2>"$T/err" >"$T/out"
  awk '/^  requested/ { gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "achieved") a = $(i + 1);
         if ($i == "late") l = $(i + 1); if ($i == "skipped") s = $(i + 1) } }
       /send delay/ { for (i = 1; i <= NF; i++) { if ($i == "p50") p5 = $(i + 1); if ($i == "p99") p9 = $(i + 1);
         if ($i == "max") m = $(i + 1) } }
       END { sub(/\/s;?/, "", a); printf "%s %s %s %s %s %s\n", a, p5, p9, m, l, s }' "$T/err"
}

read -r a _ <<<"$(replay 100000)"
cm=$("$BUILD/tools/curl-multi-loop" "$URL/" "$INF" "$DUR" | sed 's/rps=//')
echo "RESULT step=engine in_flight=$INF replay_upstream_c_rps=$a curl_multi_easy_rps=$cm"

hey_max=$(hey_rps -c "$INF" -z "${DUR}s" "$URL/")
read -r a p50 p99 max late skipped <<<"$(replay "${hey_max%.*}")"
echo "RESULT step=max in_flight=$INF hey_rps=$hey_max replay_requested=${hey_max%.*} replay_achieved=$a ratio=$(awk -v a="$a" -v h="$hey_max" 'BEGIN { printf "%.2f", a / h }') send_delay_p99_ms=$p99 late=$late skipped=$skipped"

per=$(awk -v r="$RATE" -v c="$INF" 'BEGIN { printf "%.2f", r / c }')
hey_q=$(hey_rps -c "$INF" -q "$per" -z "${DUR}s" "$URL/")
read -r a p50 p99 max late skipped <<<"$(replay "$RATE")"
echo "RESULT step=rate rate=$RATE hey_q_rps=$hey_q replay_achieved=$a send_delay_p50_ms=$p50 send_delay_p99_ms=$p99 send_delay_max_ms=$max late=$late skipped=$skipped"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

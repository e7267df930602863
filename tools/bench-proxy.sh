#!/usr/bin/env bash
# bench-proxy.sh - the proxy's own throughput/latency benchmark (wrk, loopback).
#
# Usage: tools/bench-proxy.sh [-b BUILD_DIR] [-c "1 16"] [-d SECONDS] [-r ROUNDS] [-P CPU|none]
#                             [-p BASE_PORT] [CANDIDATE_TEMPLATE]
#
# Starts a tiny nginx upstream (fixed 11-byte JSON, keep-alive), an nginx
# reverse proxy in front of it (the reference: upstream keep-alive, 1 worker)
# and the candidate proxy, every process pinned to one CPU (taskset -c CPU,
# default 0: on a 2-vCPU machine that measures CPU cost per request,
# repeatably). Then runs wrk against the upstream directly, through nginx and
# through the candidate, interleaved, ROUNDS times per connection count, and
# prints one line per run plus a summary of medians per connection count:
#   c=16 direct_rps=.. nginx_rps=.. proxy_rps=.. ratio_vs_nginx=.. ratio_vs_direct=..
#        direct_p50_us=.. nginx_added_p50_us=.. proxy_added_p50_us=.. nginx_p99_us=.. proxy_p99_us=..
#        direct_p99_us=.. nginx_added_p99_us=.. proxy_added_p99_us=..
# (added = the median over rounds of that percentile minus the direct one's;
# a percentile of a sum is not the sum of percentiles, so an added p99 is
# an indication, comparable between nginx and the candidate)
# The default candidate is BUILD_DIR/tools/bench-proxy (the proxy module with
# a counting capture consumer; its "requests= recorded= dropped=" line is
# printed too); any command works, with {PORT} and {TARGET} placeholders, e.g.
#   tools/bench-proxy.sh 'build/e2e perf-profile -q --listen 127.0.0.1:{PORT} --target {TARGET} -o /tmp/b'
# Needs nginx, wrk, curl, taskset. Every process it starts is ended by PID.
set -u
BUILD=build; CONNS="1 16"; DUR=5; ROUNDS=3; PIN=0; BASE=18280
while getopts "b:c:d:r:P:p:h" o; do
  case $o in
    b) BUILD=$OPTARG ;; c) CONNS=$OPTARG ;; d) DUR=$OPTARG ;; r) ROUNDS=$OPTARG ;;
    P) PIN=$OPTARG ;; p) BASE=$OPTARG ;; h) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
TMPL=${1:-"$BUILD/tools/bench-proxy --listen 127.0.0.1:{PORT} --target {TARGET}"}
for t in nginx wrk curl taskset; do
  command -v "$t" >/dev/null || { echo "bench-proxy: missing tool: $t" >&2; exit 2; }
done
UP=$BASE; NGX=$((BASE + 1)); PX=$((BASE + 2))
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $UP $NGX $PX; do
  ! port_open "$p" || { echo "bench-proxy: port $p on 127.0.0.1 is in use (-p BASE)" >&2; exit 2; }
done
. "$(dirname "$0")/bench-lib.sh"
bench_setup bench-proxy
pin() { if [[ $PIN == none ]]; then "$@"; else taskset -c "$PIN" "$@"; fi; }
# starts CMD in the background and remembers ITS pid (taskset execs it)
start_bg() { # LOG CMD...
  local log=$1; shift
  if [[ $PIN == none ]]; then "$@" >"$log" 2>&1 & else taskset -c "$PIN" "$@" >"$log" 2>&1 & fi
  PIDS+=($!)
}
wait_http() { # URL
  for _ in $(seq 100); do curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0; sleep 0.05; done
  return 1
}
nginx_conf() { # NAME SERVER-BLOCK [UPSTREAM-BLOCK]
  mkdir -p "$T/$1"
  cat > "$T/$1/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $T/$1/nginx.pid;
error_log $T/$1/error.log warn;
events { worker_connections 4096; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $T/$1/cb; proxy_temp_path $T/$1/p; fastcgi_temp_path $T/$1/f;
  uwsgi_temp_path $T/$1/u; scgi_temp_path $T/$1/s;
  keepalive_timeout 75s; keepalive_requests 10000000;
  ${3:-}
  server { $2 }
}
EOF
}

nginx_conf upstream "listen 127.0.0.1:$UP backlog=4096; default_type application/json;
    location / { return 200 '{\"ok\":true}'; }"
nginx_conf reference "listen 127.0.0.1:$NGX backlog=4096;
    location / { proxy_pass http://sut; proxy_http_version 1.1; proxy_set_header Connection \"\"; }" \
  "upstream sut { server 127.0.0.1:$UP; keepalive 64; keepalive_requests 10000000; keepalive_timeout 75s; }"
cat > "$T/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT rps=%.0f p50=%d p99=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
EOF
start_bg "$T/upstream.log" nginx -c "$T/upstream/nginx.conf" -p "$T/upstream/"
start_bg "$T/reference.log" nginx -c "$T/reference/nginx.conf" -p "$T/reference/"
cmd=${TMPL//\{PORT\}/$PX}
cmd=${cmd//\{TARGET\}/http://127.0.0.1:$UP}
echo "candidate: $cmd" >&2
start_bg "$T/cand.log" bash -c "exec $cmd"
CAND=${PIDS[2]}
wait_http "http://127.0.0.1:$UP/" || { echo "bench-proxy: upstream nginx did not start" >&2; cat "$T/upstream/error.log" >&2; exit 1; }
wait_http "http://127.0.0.1:$NGX/" || { echo "bench-proxy: reference nginx did not start" >&2; cat "$T/reference/error.log" >&2; exit 1; }
wait_http "http://127.0.0.1:$PX/" && kill -0 "$CAND" 2>/dev/null ||
  { echo "bench-proxy: candidate does not forward" >&2; cat "$T/cand.log" >&2; exit 1; }

run() { # CONNS URL -> "rps p50 p99 errors"
  local t=2; (( $1 < 2 )) && t=1
  pin wrk -t"$t" -c"$1" -d"${DUR}s" --timeout 5s -s "$T/report.lua" "$2" 2>&1 |
    awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
                     print v["rps"], v["p50"], v["p99"], v["errors"]; f = 1 }
         END { if (!f) print "0 0 0 -1" }'
}
for port in $NGX $PX; do pin wrk -t1 -c4 -d1s "http://127.0.0.1:$port/" >/dev/null 2>&1; done # warm-up
RES=$T/res
for c in $CONNS; do
  for ((r = 1; r <= ROUNDS; r++)); do
    for target in direct nginx proxy; do
      case $target in direct) port=$UP ;; nginx) port=$NGX ;; proxy) port=$PX ;; esac
      sleep 0.2
      read -r rps p50 p99 err < <(run "$c" "http://127.0.0.1:$port/")
      echo "$c $target $rps $p50 $p99 $err" >>"$RES"
      printf 'round %d c=%-3s %-6s rps=%-8s p50_us=%-6s p99_us=%-6s errors=%s\n' "$r" "$c" "$target" "$rps" "$p50" "$p99" "$err"
    done
  done
done
kill -TERM "$CAND" 2>/dev/null; wait "$CAND" 2>/dev/null
grep -E 'requests=' "$T/cand.log" || true
awk '
  function med(s,   n, a, i, j, t) { n = split(s, a, " "); for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j+1] = a[j]; a[j+1] = t } return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
  { k = $1 " " $2; rps[k] = rps[k] " " $3; p50[k] = p50[k] " " $4; p99[k] = p99[k] " " $5; err += ($6 < 0 ? 1000000 : $6); cs[$1] = 1 }
  END {
    for (c in cs) {
      d = c " direct"; n = c " nginx"; p = c " proxy"
      printf "c=%s direct_rps=%.0f nginx_rps=%.0f proxy_rps=%.0f ratio_vs_nginx=%.2f ratio_vs_direct=%.2f direct_p50_us=%s nginx_added_p50_us=%s proxy_added_p50_us=%s nginx_p99_us=%s proxy_p99_us=%s direct_p99_us=%s nginx_added_p99_us=%s proxy_added_p99_us=%s\n",
        c, med(rps[d]), med(rps[n]), med(rps[p]), med(rps[p]) / med(rps[n]), med(rps[p]) / med(rps[d]),
        med(p50[d]), med(p50[n]) - med(p50[d]), med(p50[p]) - med(p50[d]), med(p99[n]), med(p99[p]),
        med(p99[d]), med(p99[n]) - med(p99[d]), med(p99[p]) - med(p99[d])
    }
    printf "errors=%d\n", err
  }' "$RES"

# bench-lib.sh - sourced by the benchmark scripts that start servers:
# bench_setup NAME makes a temporary directory $T and an empty PIDS list;
# on exit every process in PIDS is ended by PID and waited for, and $T
# removed.
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

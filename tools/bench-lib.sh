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

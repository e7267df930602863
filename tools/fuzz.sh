#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/) with clang and runs each for
# SECONDS (default 60), one after the other, under nice. Prints one line per
# harness: runs, executions per second, final coverage (cov: edges, ft:
# features) and crashes; exits 1 when any harness crashed.
#
#   tools/fuzz.sh [-j JOBS] [SECONDS] [NAME...]     (NAME: har rules ...)
#
# Environment: FUZZ_BUILD (build directory, default build-fuzz), CC (default
# clang), FUZZ_ARGS (extra libFuzzer options). Each harness keeps its
# growing corpus in FUZZ_BUILD/fuzz-corpus/NAME (the seeds of
# tests/fuzz/corpus/NAME are read too) and writes a crashing input to
# FUZZ_BUILD/fuzz-artifacts/NAME/; keep it as a regression by copying it to
# tests/fuzz/regressions/NAME/ under a name that says what broke. The full
# libFuzzer output is in FUZZ_BUILD/fuzz-logs/NAME.log.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

jobs=1
if [ "${1:-}" = "-j" ]; then
  jobs=${2:?-j needs a number}
  shift 2
fi
seconds=60
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
all=(har rules baseline routes template hist json_stream http1 http1_req junit)
all=(har rules baseline routes template hist json_stream http1 http1_req fold front)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=("${all[@]}")
for n in "${names[@]}"; do
  [ -f "tests/fuzz/fuzz_$n.c" ] || {
    echo "usage: tools/fuzz.sh [-j JOBS] [SECONDS] [NAME...]: no harness '$n' (${all[*]})" >&2
    exit 2
  }
done

build=${FUZZ_BUILD:-build-fuzz}
if [ ! -d "$build/meson-private" ]; then
  CC=${CC:-clang} meson setup "$build" -Dfuzzers=true -Db_lundef=false >/dev/null || exit 1
fi
targets=()
for n in "${names[@]}"; do targets+=("tests/fuzz/fuzz_$n"); done
nice -n 10 ninja -C "$build" "${targets[@]}" >"$build/fuzz-build.log" 2>&1 ||
  { cat "$build/fuzz-build.log" >&2; exit 1; }

run() { # NAME: one run, full output in the log
  local n=$1
  mkdir -p "$build/fuzz-corpus/$n" "$build/fuzz-artifacts/$n" "$build/fuzz-logs"
  # shellcheck disable=SC2086
  nice -n 10 "$build/tests/fuzz/fuzz_$n" -dict="tests/fuzz/dict/$n.dict" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/$n/" ${FUZZ_ARGS:-} \
    "$build/fuzz-corpus/$n" "tests/fuzz/corpus/$n" >"$build/fuzz-logs/$n.log" 2>&1
}

report() { # NAME: the summary line of its log
  local n=$1 log runs rate cov crashes
  log="$build/fuzz-logs/$n.log"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
  crashes=$(grep -c 'Test unit written to .*/\(crash\|leak\|timeout\|oom\)-' "$log")
  printf '%-11s %6ss  runs %-10s exec/s %-7s %-22s crashes %s\n' "$n" "$seconds" "${runs:-?}" \
    "${rate:-?}" "${cov:-cov: ? ft: ?}" "$crashes"
  grep -o 'Test unit written to .*/\(crash\|leak\|timeout\|oom\)-.*' "$log" | sed 's/^/          /'
  [ "$crashes" -eq 0 ]
}

status=0
i=0
while [ $i -lt ${#names[@]} ]; do
  batch=("${names[@]:$i:$jobs}")
  for n in "${batch[@]}"; do run "$n" & done
  wait
  for n in "${batch[@]}"; do report "$n" || status=1; done
  i=$((i + jobs))
done
exit $status

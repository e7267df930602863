#!/usr/bin/env bash
# bench-ab-power.sh - perf-ab's power and false alarms in simulation
# (issue 20's target: gate-sim with A/B rounds, false-alarm runs <= 2 %,
# +10 % P50 on one endpoint at --threshold 5 found >= 90 % with 5 rounds).
#
# Usage: tools/bench-ab-power.sh [BUILD_DIR] [TRIALS] [SEED]
#
# Runs build/tools/gate-sim --ab 5 (TRIALS, default 200; SEED, default 1)
# in every model: the default with the bound (--ab-oracle: a test that
# knew the changed endpoint's true noise, at perf-ab's per-test level),
# the default without the 1 ms floor (--ab-min-delta-ms 0), no
# disturbance signal, half the runs disturbed with and without the
# signal, and the per-endpoint wobble measured on a loaded runner
# (--ab-model loaded). Each prints its own table; then the load average.
# CPU-bound: about 2 CPU minutes per model at 200 trials.
set -u
BUILD=${1:-build}; TRIALS=${2:-200}; SEED=${3:-1}
SIM="$BUILD/tools/gate-sim"
[ -x "$SIM" ] || { echo "bench-ab-power.sh: no $SIM (build first)" >&2; exit 2; }
run() {
  echo "== gate-sim --ab 5 --trials $TRIALS --seed $SEED $*"
  "$SIM" --ab 5 --trials "$TRIALS" --seed "$SEED" "$@"
  echo
}
run --ab-oracle
run --ab-oracle --ab-min-delta-ms 0
run --ab-no-signal
run --ab-disturbed 0.5
run --ab-disturbed 0.5 --ab-no-signal
run --ab-model loaded
echo "load: $(uptime)"

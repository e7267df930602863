#!/usr/bin/env bash
# The service's resource samples reach the store during the run, in
# batches, not at its end: read while the suite still runs, and kept by a
# run killed with SIGKILL. A real python service, a real SQLite file.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
cd "$TMP" || exit 1
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 not installed (tools/deps.sh installs it)"; exit 77; }
q() { sqlite3 -cmd ".timeout 5000" "$TMP/p.db" "$1"; }
LAST='(SELECT max(id) FROM runs)'

P=$(free_port)
T="http://127.0.0.1:$P"
SVC="exec python3 $SRC/demo/service.py --port $P"

# the suite reads the store 2.5 s into the run: at 100 Hz and a flush a
# second, at least two batches (>= 100 samples) are there, and the run's
# end adds the rest
SUITE="curl -s \"\$E2E_PROXY_URL/users/1\" >/dev/null; sleep 2.5
sqlite3 -cmd '.timeout 5000' '$TMP/p.db' \"SELECT count(*), (SELECT have & 1 FROM run_resources
  WHERE run_id = $LAST) FROM resource_samples WHERE run_id = $LAST\" >'$TMP/mid.txt'
sleep 0.5"
run "$E2E" perf-profile -s live --db "$TMP/p.db" --target "$T" -q --serve "$SVC" --sample-hz 100 -- sh -c "$SUITE"
expect_rc 0 "a run with --serve"
IFS='|' read -r mid mid_cpu <"$TMP/mid.txt"
end=$(q "SELECT count(*) FROM resource_samples WHERE run_id = $LAST")
NTESTS=$((NTESTS + 1))
[ "${mid:-0}" -ge 100 ] || fail "samples in the store 2.5 s into the run: ${mid:-none}, want >= 100"
[ "$mid_cpu" = 1 ] || fail "the run's resources row during the run: have & CPU = '$mid_cpu', want 1"
[ "$end" -gt "$mid" ] || fail "samples at the end: $end, want more than the $mid of mid-run"
NTESTS=$((NTESTS + 1))

# SIGKILL mid-run: what was flushed stays, with what it is of
"$E2E" perf-profile -s killed --db "$TMP/p.db" --target "$T" -q --serve "$SVC" --sample-hz 100 \
  -- sh -c "echo \$\$ >'$TMP/suite.pid'; exec sleep 60" >"$TMP/k.out" 2>&1 &
PROF=$!
n=0
for _ in $(seq 1 100); do
  n=$(q "SELECT count(*) FROM resource_samples r JOIN runs u ON u.id = r.run_id WHERE u.service = 'killed'" 2>/dev/null)
  [ "${n:-0}" -ge 150 ] && break
  sleep 0.1
done
# where cgroup v2 is writable, --serve started the service in a cgroup of
# its own (its CPU: one read of cpu.stat)
CG=$(awk '{for (i = 7; i < NF; i++) if ($i == "-") {if ($(i + 1) == "cgroup2") {print $5; exit} break}}' /proc/self/mountinfo)
OWN=$(sed -n 's/^0:://p' /proc/self/cgroup)
CGDIR=$(ls -d "$CG${OWN%/}/e2e-serve-$PROF-"* 2>/dev/null | head -1)
kid=$(q "SELECT r.source FROM run_resources r JOIN runs u ON u.id = r.run_id WHERE u.service = 'killed'")
svc=${kid#pid }
svc=${svc%% *}
svc_cg=$(sed -n 's/^0:://p' "/proc/$svc/cgroup" 2>/dev/null)
kill -KILL "$PROF"
wait "$PROF" 2>/dev/null
if [ -n "$CG" ] && [ -w "$CG${OWN%/}" ]; then
  NTESTS=$((NTESTS + 1))
  if [ -z "$CGDIR" ]; then
    fail "no cgroup e2e-serve-$PROF-* under '$CG${OWN%/}' for the service"
  else
    [ "$svc_cg" = "${CGDIR#"$CG"}" ] || fail "the service is in '$svc_cg', not in '$CGDIR'"
  fi
else
  echo "note: cgroup v2 not writable here: the service's own cgroup is not checked"
fi
# what the killed run left running: its suite and its service
[ -s "$TMP/suite.pid" ] && kill "$(cat "$TMP/suite.pid")" 2>/dev/null
case $svc in '' | *[!0-9]*) fail "the killed run's source: '$kid', want 'pid N and descendants'" ;; *) kill "$svc" 2>/dev/null ;; esac
# and the cgroup it left (a SIGKILLed e2e cannot remove it): the next
# --serve removes it once empty, with no other: not one whose owner lives
# (this shell), not one that still holds a process
if [ -n "$CGDIR" ]; then
  for _ in $(seq 1 50); do [ -z "$(cat "$CGDIR/cgroup.procs" 2>/dev/null)" ] && break; sleep 0.1; done
  PARENT=$CG${OWN%/}
  sh -c 'exit 0' & DEAD=$!; wait "$DEAD"
  OWNED="$PARENT/e2e-serve-$$-77"
  BUSY="$PARENT/e2e-serve-$DEAD-0"
  mkdir "$OWNED" "$BUSY"
  sleep 30 & SLEEPER=$!
  echo "$SLEEPER" >"$BUSY/cgroup.procs" || fail "cannot move a process into '$BUSY'"
  run "$E2E" perf-profile -s next --db "$TMP/p.db" --target "$T" -q --serve "$SVC" -- curl -s "$T/users/1" -o /dev/null
  expect_rc 0 "the next --serve run"
  NTESTS=$((NTESTS + 1))
  [ ! -d "$CGDIR" ] || fail "the killed run's empty cgroup '$CGDIR' is still there after the next --serve"
  NTESTS=$((NTESTS + 1))
  [ -d "$OWNED" ] || fail "a cgroup whose owner ($$) lives was removed"
  NTESTS=$((NTESTS + 1))
  [ -d "$BUSY" ] || fail "a cgroup with a process in it was removed"
  kill "$SLEEPER"; wait "$SLEEPER" 2>/dev/null
  for _ in $(seq 1 50); do rmdir "$BUSY" 2>/dev/null && break; sleep 0.1; done
  rmdir "$OWNED"
else
  echo "skip: the cleanup of a killed run's cgroup: no writable cgroup v2 hierarchy here"
fi
NTESTS=$((NTESTS + 1))
after=$(q "SELECT count(*), min(r.hz), max(r.have & 1) FROM resource_samples s JOIN runs u ON u.id = s.run_id
  JOIN run_resources r ON r.run_id = s.run_id WHERE u.service = 'killed'")
IFS='|' read -r kept hz cpu <<<"$after"
[ "${kept:-0}" -ge 150 ] || fail "samples kept by the killed run: ${kept:-none} (seen ${n:-none}), want >= 150"
[ "$hz" = 100 ] && [ "$cpu" = 1 ] || fail "the killed run's resources row: hz '$hz', have & CPU '$cpu'"
# and a report of it reads them
run "$E2E" perf-report --db "$TMP/p.db" -s killed -f json
expect_rc 0 "a report of the killed run"
expect_out_has '"resources"' "the killed run's report has its resources"
finish

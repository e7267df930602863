#!/usr/bin/env python3
"""disturb-probe.py - candidate runner-disturbance signals around one command.

Usage: disturb-probe.py [--burst-ms 2] [--period-ms 100] -- CMD ARGS...

Runs CMD and, while it runs, measures (all cumulative counters read at start
and end, or sampled by this process only; nothing touches the proxy):
  sched_wait_ms_per_s  sum of run_delay (field 8) over the cpuN lines of
                       /proc/schedstat, per second of wall time
  psi_some_ms_per_s    /proc/pressure/cpu "some total=" per second of wall time
  probe_wait_ms        a CPU-burst probe thread (burst-ms of CPU every
                       period-ms): its run-queue wait per 100 bursts
                       (/proc/thread-self/schedstat field 2)
  probe_ratio_p95      the bursts' wall/CPU ratio, 95th percentile
  probe_cpu_pct        the probe's CPU cost in % of one core
  cmd_wait_ms_per_s    run-queue wait of CMD's process tree (every task of
                       every descendant, polled every 50 ms, last value kept)
Prints one line: key=value ... and CMD's exit status as status=N.
"""
import os
import subprocess
import sys
import threading
import time


def schedstat_wait_ns():
    tot = 0
    try:
        f = open("/proc/schedstat")
    except OSError:
        return -1  # not on this kernel or masked in this container
    with f:
        for line in f:
            if line.startswith("cpu"):
                tot += int(line.split()[8])  # run_delay, the 8th field after the name
    return tot


def psi_total_us():
    try:
        with open("/proc/pressure/cpu") as f:
            for line in f:
                if line.startswith("some"):
                    return int(line.split("total=")[1])
    except OSError:
        return 0
    return 0


def tree_wait(pid, seen):
    """Run-queue wait (ns) of every task of pid and its descendants; seen keeps
    the last value per task so exited tasks still count."""
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                try:
                    with open(f"/proc/{p}/task/{t}/schedstat") as f:
                        seen[(p, t)] = int(f.read().split()[1])
                except OSError:
                    pass
                try:
                    with open(f"/proc/{p}/task/{t}/children") as f:
                        stack.extend(int(c) for c in f.read().split())
                except OSError:
                    pass
        except OSError:
            pass


class Probe(threading.Thread):
    def __init__(self, burst_ms, period_ms):
        super().__init__(daemon=True)
        self.burst = burst_ms / 1000.0
        self.period = period_ms / 1000.0
        self.stop = threading.Event()
        self.ratios = []
        self.wait0 = self.wait1 = 0
        self.cpu0 = self.cpu1 = 0

    def run(self):
        f = open("/proc/thread-self/schedstat")

        def read():
            f.seek(0)
            v = f.read().split()
            return int(v[0]), int(v[1])

        self.cpu0, self.wait0 = read()
        while not self.stop.wait(self.period):
            w0 = time.monotonic()
            c0 = time.thread_time()
            while time.thread_time() - c0 < self.burst:
                pass
            c = time.thread_time() - c0
            self.ratios.append((time.monotonic() - w0) / c if c > 0 else 1)
        self.cpu1, self.wait1 = read()


def main():
    args = sys.argv[1:]
    burst, period = 2.0, 100.0
    while args and args[0] != "--":
        if args[0] == "--burst-ms":
            burst = float(args[1])
        elif args[0] == "--period-ms":
            period = float(args[1])
        args = args[2:]
    cmd = args[1:]
    probe = Probe(burst, period)
    s0, p0, t0 = schedstat_wait_ns(), psi_total_us(), time.monotonic()
    probe.start()
    proc = subprocess.Popen(cmd)
    seen = {}
    while proc.poll() is None:
        tree_wait(proc.pid, seen)
        time.sleep(0.05)
    s1, p1, t1 = schedstat_wait_ns(), psi_total_us(), time.monotonic()
    probe.stop.set()
    probe.join()
    wall = t1 - t0
    n = max(len(probe.ratios), 1)
    r = sorted(probe.ratios) or [1]
    print(
        "wall_s=%.2f sched_wait_ms_per_s=%.1f psi_some_ms_per_s=%.1f probe_wait_ms=%.2f "
        "probe_ratio_p95=%.2f probe_cpu_pct=%.2f cmd_wait_ms_per_s=%.2f status=%d"
        % (
            wall,
            (s1 - s0) / 1e6 / wall if s0 >= 0 else -1,
            (p1 - p0) / 1e3 / wall,
            (probe.wait1 - probe.wait0) / 1e6 * 100 / n,
            r[min(len(r) - 1, int(0.95 * len(r)))],
            (probe.cpu1 - probe.cpu0) / 1e9 / wall * 100,
            sum(seen.values()) / 1e6 / wall,
            proc.returncode,
        ),
        flush=True,
    )


main()

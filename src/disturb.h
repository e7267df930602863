/* disturb.h - how disturbed the runner is during a run (SPEC section 14):
 * a probe thread does a short burst of CPU on a timer and reads its own
 * run-queue wait from /proc/thread-self/schedstat. A busy runner makes a
 * task that wants the CPU wait for it; the probe's wait per ms of its CPU
 * time is the run's disturbance. The probe never touches the proxy.
 * Measured choice and cost: tools/bench-disturbed.sh, e2e-perf-report(1)
 * THE GATE. */
#ifndef E2E_DISTURB_H
#define E2E_DISTURB_H

#include <stdint.h>

struct e2e_run;

/* The probe's schedule: a burst of CPU every period (2 % of one core). */
#define E2E_DISTURB_BURST_NS 2000000ull
#define E2E_DISTURB_PERIOD_NS 100000000ull

struct e2e_disturb;

/* Starts the probe thread. When the kernel does not expose
 * /proc/thread-self/schedstat the probe measures nothing (*out is still
 * set; e2e_disturb_stop() then leaves the run unmeasured). E2E_ERR_RUNTIME
 * when the thread cannot start. Caller stops it. */
int e2e_disturb_start(struct e2e_disturb **out);

/* Stops the probe and frees it; accepts NULL. When it measured, fills
 * r->disturbance and r->disturbance_probes; otherwise leaves them. */
void e2e_disturb_stop(struct e2e_disturb *d, struct e2e_run *r);

/* Parses the first two fields of a schedstat line (CPU ns, run-queue
 * wait ns). Returns 0 or -1 when malformed. */
int e2e_disturb_parse_schedstat(const char *text, uint64_t *cpu_ns, uint64_t *wait_ns);

#endif

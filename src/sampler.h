/* sampler.h - one thread that samples the service's processes (and their
 * descendants, followed as they come and go) from /proc, or a cgroup v2
 * directory, at a fixed rate: CPU user/system, RSS, threads, fds, context
 * switches, run-queue wait. It shares nothing with the proxy's event loop.
 * Its samples go, about once a second, to a flush callback on its own
 * thread (the command hands them to the capture writer, which stores them
 * during the run); what the callback does not take, or all of them without
 * one, stays in memory (bounded: past a limit the rate halves and every
 * other sample goes) until e2e_sampler_samples(). A read that fails is
 * counted, never fatal.
 *
 * Per tick it reads each process's CPU clocks (clock_gettime on the
 * process CPU clock: nanoseconds, split into user and system as the
 * kernel does), or with --serve's cgroup its cpu.stat, and a kept-open
 * /proc/PID/statm; threads, descendants, fds and per-thread counters come
 * from a slower scan. */
#ifndef E2E_SAMPLER_H
#define E2E_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "resources.h"

struct e2e_sampler;

struct e2e_sampler_config {
	const pid_t *pids; /* roots: each with its descendants */
	size_t npids;
	const char *cgroup; /* a cgroup v2 directory, or NULL */
	/* A cgroup v2 directory that holds exactly the processes of pids
	 * (--serve's own), or NULL: their CPU time is then its cpu.stat, one
	 * O(1) read, instead of their clocks (a walk of their threads). */
	const char *cpu_cgroup;
	unsigned hz; /* samples per second, 1..1000 */
	uint64_t start_ns; /* CLOCK_MONOTONIC of the run's start (t_ns = 0) */
	/* Called on the sampler's thread every flush_ns (0: 1 s) and after
	 * the last sample with the n samples not yet taken, oldest first, and
	 * what they are of so far (strings borrowed for the call); returns
	 * how many of them, from the first, it took. NULL keeps them all. */
	size_t (*flush)(void *ctx, const struct e2e_res_sample *r, size_t n, const struct e2e_res_info *info);
	void *flush_ctx;
	uint64_t flush_ns;
};

/* Whether pid is a process that exists now. */
bool e2e_sampler_pid_exists(pid_t pid);
/* Whether dir is a cgroup v2 directory (has cgroup.procs and cpu.stat). */
bool e2e_sampler_is_cgroup(const char *dir);

/* Starts the thread; it takes a first sample before returning. Returns 0
 * and the handle (caller destroys), or E2E_ERR_RUNTIME. */
int e2e_sampler_start(const struct e2e_sampler_config *cfg, struct e2e_sampler **out);
/* Takes a last sample and joins the thread (which looks for a stop at
 * least every 20 ms: it sleeps with clock_nanosleep()). Idempotent. */
void e2e_sampler_stop(struct e2e_sampler *s);
/* After stop: the samples the flush callback did not take (owned by s)
 * and what they are of (strings copied into info; caller finishes it). */
size_t e2e_sampler_samples(const struct e2e_sampler *s, const struct e2e_res_sample **out);
void e2e_sampler_info(const struct e2e_sampler *s, struct e2e_res_info *info);
void e2e_sampler_destroy(struct e2e_sampler *s);

/* The run-queue wait of pid's threads now (the sum of the second field of
 * /proc/PID/task/TID/schedstat: ns runnable but not running). Returns 0,
 * or E2E_ERR_RUNTIME when pid is gone or schedstat is missing. */
int e2e_sampler_runq_wait(pid_t pid, uint64_t *ns);

/* The first two fields of /proc/PID/statm (pages): false if not there. */
bool e2e_sampler_parse_statm(const char *text, uint64_t *size_pages, uint64_t *rss_pages);
/* Splits rtime, a precise CPU time (ns), in the proportion of the
 * tick-sampled utime and stime, never letting *user or *sys (the last
 * split, updated in place) go back: the kernel's cputime_adjust(). */
void e2e_sampler_cpu_split(uint64_t rtime, uint64_t utime, uint64_t stime, uint64_t *user, uint64_t *sys);

#endif

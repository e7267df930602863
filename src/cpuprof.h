/* cpuprof.h - Linux perf around the suite: `perf record -F HZ -g
 * -k CLOCK_MONOTONIC -p PIDS` as a child process started before the suite
 * and stopped (SIGINT) after it, then `perf script` read into a fold
 * (fold.h). perf runs in its own process group (a Ctrl+C of the suite
 * never reaches it) with its output in a log file. Library layer: it never
 * prints; every failure is an error the command turns into one warning. */
#ifndef E2E_CPUPROF_H
#define E2E_CPUPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct e2e_fold;
struct e2e_cpuprof;

struct e2e_cpuprof_config {
	const pid_t *pids; /* processes to profile, each with its descendants now */
	size_t npids;
	const char *cgroup; /* and the processes of this cgroup v2 directory, or NULL */
	unsigned hz; /* samples per second */
	bool dwarf; /* --call-graph dwarf instead of frame pointers */
	const char *data_path; /* perf.data to write (removed by destroy) */
	const char *log_path; /* perf's stdout and stderr (removed by destroy) */
};

/* Starts perf record and waits (at most 5 s) until it samples: returns 0
 * and the handle (caller destroys), or E2E_ERR_RUNTIME saying why (perf
 * not on PATH, perf_event_paranoid, perf's own last line). */
int e2e_cpuprof_start(const struct e2e_cpuprof_config *cfg, struct e2e_cpuprof **out);

/* Stops perf record (SIGINT; SIGKILL after 10 s) and folds `perf script`
 * of what it wrote into f. Returns 0, or E2E_ERR_RUNTIME saying why. */
int e2e_cpuprof_stop(struct e2e_cpuprof *p, struct e2e_fold *f);

/* Kills perf if it still runs, removes its files, frees p; NULL is fine. */
void e2e_cpuprof_destroy(struct e2e_cpuprof *p);

#endif

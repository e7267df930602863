/* cmd_cpu.h - perf-profile --profile-cpu (SPEC section 12): a CPU profile
 * of the watched service per run (cpuprof.h), written beside the database
 * as folded stacks, speedscope JSON and flame graph SVGs (flame.h), one per
 * endpoint for a serial suite; a bounded profile beside the baseline and a
 * differential flame graph against it. Command layer: every failure is one
 * warning and the run goes on. */
#ifndef E2E_CMD_CPU_H
#define E2E_CMD_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct e2e_store;
struct e2e_cmd_cpu;
struct e2e_cpuprof;

struct e2e_cmd_cpu_opts {
	unsigned hz; /* --profile-hz */
	bool dwarf; /* --profile-call-graph dwarf */
	unsigned endpoints; /* --profile-endpoints: flame graphs for the top N */
	const char *db; /* outputs go beside it */
	const char *service;
	const char *baseline_json; /* --compare-baseline: the baseline file; NULL otherwise */
	bool quiet;
};

/* The session of one invocation (strings in o must outlive it). */
struct e2e_cmd_cpu *e2e_cmd_cpu_create(const struct e2e_cmd_cpu_opts *o);
void e2e_cmd_cpu_destroy(struct e2e_cmd_cpu *c);

/* Starts perf on pids (each with its descendants) and the processes of
 * cgroup (may be NULL); NULL after a warning when it cannot. */
struct e2e_cpuprof *e2e_cmd_cpu_begin(struct e2e_cmd_cpu *c, const pid_t *pids, size_t n, const char *cgroup);
/* Stops p, folds and writes the run's profile, and stores the names of
 * its files (and the grown frames) with the run (run_id 0: not stored; its
 * requests are then not attributed). start_ns: the run's CLOCK_MONOTONIC
 * start (the samples' start_ns are offsets from it); peak: the run's
 * highest concurrency (per-endpoint graphs only when 1). Destroys p. */
void e2e_cmd_cpu_end(struct e2e_cmd_cpu *c, struct e2e_cpuprof *p, struct e2e_store *st, int64_t run_id,
		     uint64_t start_ns, uint64_t peak);

/* --set-baseline: writes the runs' bounded profile beside baseline_json. */
void e2e_cmd_cpu_set_baseline(struct e2e_cmd_cpu *c, const char *baseline_json);
/* Each run's end draws, with o.baseline_json, the differential flame
 * graph against the profile beside it and finds the three frames whose
 * self time grew most; both are stored with the run (cpu_report.h) for
 * the report. This says the frames on stderr once the gate judged;
 * regression: the gate failed (they are said as its finding). */
void e2e_cmd_cpu_compare(struct e2e_cmd_cpu *c, bool regression);

/* The profile file beside a baseline ("x.json" -> "x.cpu.folded"); caller frees. */
char *e2e_cmd_cpu_baseline_profile(const char *baseline_json);

#endif

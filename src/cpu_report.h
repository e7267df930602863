/* cpu_report.h - a run's CPU profile as reports know it (SPEC section
 * 12): the files --profile-cpu wrote for it and, when it was compared
 * with a baseline's profile, the frames whose self time grew most. Plain
 * records: perf-profile fills one, the store keeps it with the run, the
 * pipeline cites the frames in a regression finding and renderers name
 * the files. */
#ifndef E2E_CPU_REPORT_H
#define E2E_CPU_REPORT_H

#include <stddef.h>
#include <stdint.h>

struct e2e_buf;

/* kinds of file, as stored and as JSON says them */
#define E2E_CPU_FILE_FLAME "flame_graph"
#define E2E_CPU_FILE_SPEEDSCOPE "speedscope"
#define E2E_CPU_FILE_FOLDED "folded"
#define E2E_CPU_FILE_DIFF "differential"
#define E2E_CPU_FILE_ENDPOINT "endpoint_flame_graph"

struct e2e_cpu_file {
	char *kind; /* E2E_CPU_FILE_* */
	char *endpoint; /* "" unless E2E_CPU_FILE_ENDPOINT */
	char *path; /* as written (relative to the directory perf-profile ran in) */
};

struct e2e_cpu_grown {
	char *frame;
	double base_share, share; /* of all samples, 0..1, as leaf (self time) */
};

struct e2e_cpu_profile {
	int64_t run_id;
	struct e2e_cpu_file *files;
	size_t nfiles;
	struct e2e_cpu_grown *grown; /* largest growth first */
	size_t ngrown;
};

/* An empty profile of run_id; caller destroys (accepts NULL). */
struct e2e_cpu_profile *e2e_cpu_profile_create(int64_t run_id);
void e2e_cpu_profile_destroy(struct e2e_cpu_profile *p);
/* Copies the strings. */
void e2e_cpu_profile_add_file(struct e2e_cpu_profile *p, const char *kind, const char *endpoint,
			      const char *path);
void e2e_cpu_profile_add_grown(struct e2e_cpu_profile *p, const char *frame, double base_share, double share);

/* "json_dumps +41.0 pp of samples (2.0% -> 43.0%), parse +3.0 pp of
 * samples (1.0% -> 4.0%)": the grown frames, no newline. */
void e2e_cpu_grown_text(struct e2e_buf *b, const struct e2e_cpu_grown *g, size_t n);
/* "flame graph", "flame graph of GET /x", "differential flame graph", ... */
void e2e_cpu_file_label(struct e2e_buf *b, const struct e2e_cpu_file *f);

#endif

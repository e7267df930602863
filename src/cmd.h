/* cmd.h - the commands dispatched by main.c and the option handling they
 * share. Only this layer prints diagnostics and chooses exit statuses. */
#ifndef E2E_CMD_H
#define E2E_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "gate.h"
#include "render.h"

int cmd_perf_profile(int argc, char **argv);
int cmd_perf_report(int argc, char **argv);

/* Options both commands take (report selection, output, baseline, gate). */
struct e2e_common_opts {
	const char *service; /* -s; NULL when not given */
	const char *output_dir; /* -o, default ".e2e/performance" */
	const char *db; /* --db, overrides output_dir/perf.db */
	enum e2e_format format; /* -f */
	const char *out; /* --out FILE, written atomically */
	bool count_4xx; /* --errors 4xx */
	const char *routes; /* --routes FILE */
	double threshold_pct; /* -t, default 50 */
	double min_delta_ms; /* --min-delta-ms, default 1 */
	enum e2e_fail_on fail_on; /* --fail-on, default warning */
	bool compare_baseline;
	bool set_baseline;
	const char *baseline_dir; /* --baseline-dir, default "baselines" */
	const char *baseline; /* -b FILE */
	const char *rules; /* --rules FILE */
	bool quiet; /* -q */
};

/* Option ids shared by the two tables; command-specific ids start at
 * E2E_OPT__COMMON_END. */
enum {
	E2E_OPT_HELP = 1,
	E2E_OPT_SERVICE,
	E2E_OPT_OUTPUT,
	E2E_OPT_DB,
	E2E_OPT_FORMAT,
	E2E_OPT_OUT,
	E2E_OPT_ERRORS,
	E2E_OPT_ROUTES,
	E2E_OPT_THRESHOLD,
	E2E_OPT_MIN_DELTA,
	E2E_OPT_FAIL_ON,
	E2E_OPT_COMPARE,
	E2E_OPT_SET_BASELINE,
	E2E_OPT_BASELINE_DIR,
	E2E_OPT_BASELINE,
	E2E_OPT_RULES,
	E2E_OPT_QUIET,
	E2E_OPT__COMMON_END
};

void e2e_common_opts_init(struct e2e_common_opts *o);
/* Handles a shared option id; returns 0, E2E_ERR_INPUT, or 1 when id is
 * not a shared option. */
int e2e_common_opt(struct e2e_common_opts *o, int id, const char *value);
/* The database path the options name (caller frees). */
char *e2e_common_db_path(const struct e2e_common_opts *o);

/* Prints "e2e: CMD: MESSAGE" on stderr. */
void e2e_cmd_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the usage hint after a usage error. */
void e2e_cmd_usage_hint(const char *cmd);

#endif

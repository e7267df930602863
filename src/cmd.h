/* cmd.h - the commands dispatched by main.c and the option handling they
 * share. Only this layer prints diagnostics and chooses exit statuses. */
#ifndef E2E_CMD_H
#define E2E_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "gate.h"
#include "render.h"

int cmd_perf_profile(int argc, char **argv);
int cmd_perf_report(int argc, char **argv);

/* Options both commands take (report selection, output, baseline, gate),
 * declared once in e2e_common_options. */
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
	bool help; /* -h */
};

/* The table of the shared options (targets in struct e2e_common_opts); a
 * command's own options go after -s. */
extern const struct e2e_option e2e_common_options[];

void e2e_common_opts_init(struct e2e_common_opts *o);
/* The database path the options name (caller frees). */
char *e2e_common_db_path(const struct e2e_common_opts *o);

/* What a command's options are: its own table, joined to
 * e2e_common_options, and where its struct holds the shared options. */
struct e2e_cmd_spec {
	const char *name; /* "perf-report" */
	const char *usage; /* the lines after "usage: " */
	const char *summary; /* the paragraph after the usage */
	const struct e2e_option *options; /* the command's own */
	size_t common_at; /* offsetof(command's struct, its e2e_common_opts) */
};

/* Parses argv into opts, the command's options struct (rest as in
 * e2e_cli_parse). Returns 0 or E2E_ERR_INPUT (message recorded). */
int e2e_cmd_parse(const struct e2e_cmd_spec *spec, int argc, char **argv, void *opts, int *rest);
/* Ends a command after parsing: prints the error of rc < 0 and the usage
 * hint on stderr, or (rc == 0, --help) the help on stdout. Returns the exit
 * status. */
int e2e_cmd_stop(const struct e2e_cmd_spec *spec, int rc);

/* Prints "e2e: CMD: MESSAGE" on stderr. */
void e2e_cmd_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

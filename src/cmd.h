/* cmd.h - the commands dispatched by main.c and the option handling they
 * share. Only this layer prints diagnostics and chooses exit statuses. */
#ifndef E2E_CMD_H
#define E2E_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cli.h"
#include "gate.h"
#include "render.h"

int cmd_perf_profile(int argc, char **argv);
int cmd_perf_report(int argc, char **argv);
int cmd_perf_ab(int argc, char **argv);
int cmd_perf_replay(int argc, char **argv);
int cmd_mark(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_store(int argc, char **argv);

struct e2e_store;
struct e2e_common_opts;

/* The team store (cmd_store.c): the URL given, else $E2E_STORE, else
 * NULL. */
const char *e2e_cmd_store_url(const char *given);
/* Before a run: E2E_ERR_INPUT (a bad URL, no or a foreign store) stops the
 * command; a store that cannot be reached is one warning on stderr and
 * *down, the run spooling to db. */
int e2e_cmd_store_check(const char *cmd, const char *url, const char *db, bool *down);
/* After it: pushes the runs, warning once (unless warned before) when
 * they stay spooled. */
/* perf-report --store: copies the runs want names (the newest run's
 * service when it names none) into a new private SQLite store *st that
 * the report reads as it reads a file; e2e_cmd_store_done() after closing
 * *st removes it. */
struct e2e_cmd_store_copy;
struct e2e_team_select;
int e2e_cmd_store_fetch(const char *url, const struct e2e_team_select *want, struct e2e_cmd_store_copy **out,
			struct e2e_store **st);
/* Accepts NULL. */
void e2e_cmd_store_done(struct e2e_cmd_store_copy *c);
/* --baseline-from 'branch=B,last=N' (last defaults to 10): *branch is
 * the caller's to free. E2E_ERR_INPUT naming the bad part. */
int e2e_cmd_store_baseline_spec(const char *spec, char **branch, size_t *last);
/* Writes the baseline of the last runs of service on branch in the store
 * (the runs of skip left out: the report's own) into a private directory
 * (*out, removed by e2e_cmd_store_done) and gives its path (caller
 * frees); names the runs on stderr unless o->quiet. */
int e2e_cmd_store_baseline(const char *cmd, const char *url, const char *service, const char *branch,
			   size_t last, const int64_t *skip, size_t nskip, const struct e2e_common_opts *o,
			   struct e2e_cmd_store_copy **out, char **path);
void e2e_cmd_store_push(const char *cmd, const char *url, struct e2e_store *st, const int64_t *ids, size_t n,
			bool quiet, bool warned);

struct e2e_common_opts;
struct e2e_routes;
struct e2e_store;

/* One run recorded as perf-profile records it: the proxy in front of
 * target around the command (perf-ab's runs). */
struct e2e_profile_run {
	const struct e2e_common_opts *c; /* the service, -q */
	const char *target;
	char **cmd;
	int ncmd;
	const char *source; /* the run's source ("ab") */
	const char *name; /* the command its messages name (NULL: perf-profile) */
	const struct e2e_routes *routes; /* NULL: none */
};

/* Records one run into st (NULL: runs it unrecorded, *run_id 0). Returns
 * 0 with *run_id, the command's *status and the requests the proxy *seen,
 * or a negative code (the proxy could not start...). */
int cmd_perf_profile_run(const struct e2e_profile_run *r, struct e2e_store *st, int64_t *run_id, int *status,
			 uint64_t *seen);

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
	bool gate_tests; /* --gate-tests (perf-profile and perf-report's own tables) */
	bool compact; /* --compact: Markdown for a PR comment */
	bool always; /* --always: a compact report even when all pass */
	bool quiet; /* -q */
	bool help; /* -h */
	uint64_t given; /* the options given, by index in the joined table */
};

/* The modes an option can have an effect in (struct e2e_option's
 * applies). The first ones are turned on by an option or operand, and an
 * option that needs one of them is "without" it; the others are the mode
 * the command runs in, and an option that needs another is "with" the
 * mode's name. */
enum e2e_when {
	E2E_WHEN_COMPARE = 1u << 0, /* --compare-baseline */
	E2E_WHEN_RULES = 1u << 1, /* --rules, where a gate runs */
	E2E_WHEN_SET = 1u << 2, /* --set-baseline */
	E2E_WHEN_COMMAND = 1u << 3, /* a command after '--' */
	E2E_WHEN_SERVE = 1u << 4, /* perf-profile --serve */
	E2E_WHEN_SAMPLE = 1u << 5, /* perf-profile --serve, --watch-pid, --watch-cgroup */
	E2E_WHEN_MARKDOWN = 1u << 6, /* one report (not --trend) in -f markdown */
	E2E_WHEN_COMPACT = 1u << 7, /* --compact, where it applies */
	E2E_WHEN_PROFILE = 1u << 8, /* perf-profile --profile-cpu where something is watched */
	E2E_WHEN__NAMED = 0xffffu, /* the bits above (room for 16) */
	E2E_WHEN_REPORT = 1u << 16, /* one report of the selected runs (not --trend) */
	E2E_WHEN_TREND = 1u << 17, /* perf-report --trend */
	E2E_WHEN_LIST = 1u << 18, /* perf-report --list */
	E2E_WHEN_PROXY = 1u << 19, /* perf-profile through the proxy (not --import) */
	E2E_WHEN_IMPORT = 1u << 20, /* perf-profile --import */
	E2E_WHEN_CHANGES = 1u << 21, /* perf-report --changes */
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

/* Warns on stderr, one line each, about every option given (o->given)
 * that has no effect in the modes on (active, E2E_WHEN_* bits); mode names
 * the command's mode for options that need another ("--list"; NULL:
 * none). */
void e2e_cmd_warn_unused(const struct e2e_cmd_spec *spec, const struct e2e_common_opts *o, unsigned active,
			 const char *mode);

/* --junit: every file of every pattern in files (globs) read and joined
 * with run_id's tests in st (cmd_junit.c); each problem (no match, bad
 * XML, a file older than run_start when that is not 0) is one warning on
 * stderr naming the file, never a failure. */
void e2e_cmd_junit_ingest(const char *cmd, const struct e2e_cli_list *files, struct e2e_store *st,
			  int64_t run_id, time_t run_start);

/* Prints "e2e: CMD: MESSAGE" on stderr. */
void e2e_cmd_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

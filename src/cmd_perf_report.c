/* cmd_perf_report.c - `e2e perf-report`: select runs, report, list,
 * trend, prune, set or gate a baseline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "error.h"
#include "exitcode.h"
#include "parse.h"
#include "banned.h"

#define CMD "perf-report"

enum {
	OPT_RUN = E2E_OPT__COMMON_END,
	OPT_RUNS,
	OPT_LIST,
	OPT_TREND,
	OPT_DAYS,
	OPT_PRUNE,
	OPT_KEEP,
	OPT_OLDER_THAN,
	OPT_SHOW_PATHS,
};

static const struct e2e_option options[] = {
	{ E2E_OPT_SERVICE, 's', "service", "NAME", "service to report on (default: the latest run's)" },
	{ OPT_RUN, 0, "run", "ID", "run id to report, or 'latest' (default)" },
	{ OPT_RUNS, 0, "runs", "N", "merge the service's last N runs" },
	{ OPT_LIST, 0, "list", NULL, "list stored runs" },
	{ OPT_TREND, 0, "trend", NULL, "per-endpoint p50/p95/p99 across stored runs" },
	{ OPT_DAYS, 0, "days", "N", "with --trend: only runs of the last N days" },
	{ OPT_SHOW_PATHS, 0, "show-paths", NULL, "list the raw paths behind every endpoint template" },
	{ OPT_PRUNE, 0, "prune", NULL, "remove old runs (with --keep or --older-than)" },
	{ OPT_KEEP, 0, "keep", "N", "with --prune: keep the newest N runs" },
	{ OPT_OLDER_THAN, 0, "older-than", "DAYS", "with --prune: remove runs older than DAYS days" },
	{ E2E_OPT_ROUTES, 0, "routes", "FILE", "explicit endpoint templates (route list or OpenAPI 3 JSON)" },
	{ E2E_OPT_OUTPUT, 'o', "output", "DIR", "data directory (default: .e2e/performance)" },
	{ E2E_OPT_DB, 0, "db", "FILE", "database file (default: DIR/perf.db)" },
	{ E2E_OPT_FORMAT, 'f', "format", "FMT", "report format: text, json, markdown, html, csv, junit" },
	{ E2E_OPT_OUT, 0, "out", "FILE", "write the report to FILE instead of stdout" },
	{ E2E_OPT_ERRORS, 0, "errors", "CLASS",
	  "what counts as an error: 5xx (default) or 4xx (4xx and 5xx)" },
	{ E2E_OPT_SET_BASELINE, 0, "set-baseline", NULL, "write the baseline file from the selected runs" },
	{ E2E_OPT_COMPARE, 0, "compare-baseline", NULL,
	  "compare against the baseline and gate on regressions" },
	{ E2E_OPT_BASELINE_DIR, 0, "baseline-dir", "DIR", "baseline directory (default: baselines)" },
	{ E2E_OPT_BASELINE, 'b', "baseline", "FILE", "baseline file (default: DIR/SERVICE.json)" },
	{ E2E_OPT_THRESHOLD, 't', "threshold", "PCT",
	  "relative change that counts as a regression (default: 50)" },
	{ E2E_OPT_MIN_DELTA, 0, "min-delta-ms", "MS", "smallest absolute change that counts (default: 1)" },
	{ E2E_OPT_FAIL_ON, 0, "fail-on", "LEVEL", "fail the gate at: warning (default), critical, never" },
	{ E2E_OPT_RULES, 0, "rules", "FILE", "rules file: per-endpoint limits and ignores (JSON)" },
	{ E2E_OPT_QUIET, 'q', "quiet", NULL, "no notes on stderr" },
	{ E2E_OPT_HELP, 'h', "help", NULL, "show this help" },
	{ 0 },
};

struct report_opts {
	struct e2e_common_opts c;
	int64_t run_id; /* 0 = latest */
	uint64_t runs; /* 0 = one run */
	bool list;
	bool trend;
	uint64_t days; /* 0 = all */
	bool show_paths;
	bool prune;
	uint64_t keep;
	bool keep_given;
	uint64_t older_than_days;
	bool older_given;
	bool help;
};

static int on_option(void *ctx, int id, const char *v)
{
	struct report_opts *o = ctx;
	int rc = e2e_common_opt(&o->c, id, v);
	uint64_t n;

	if (rc <= 0)
		return rc;
	switch (id) {
	case E2E_OPT_HELP:
		o->help = true;
		return 0;
	case OPT_RUN:
		if (strcmp(v, "latest") == 0) {
			o->run_id = 0;
			return 0;
		}
		if (!e2e_parse_u64(v, 1, INT64_MAX, &n))
			return e2e_error(E2E_ERR_INPUT, "option '--run': '%s' is not a run id or 'latest'",
					 v);
		o->run_id = (int64_t)n;
		return 0;
	case OPT_RUNS:
		if (!e2e_parse_u64(v, 1, 100000, &o->runs))
			return e2e_error(E2E_ERR_INPUT,
					 "option '--runs': '%s' is not a number from 1 to 100000", v);
		return 0;
	case OPT_LIST:
		o->list = true;
		return 0;
	case OPT_TREND:
		o->trend = true;
		return 0;
	case OPT_DAYS:
		if (!e2e_parse_u64(v, 1, 36500, &o->days))
			return e2e_error(E2E_ERR_INPUT, "option '--days': '%s' is not a number of days", v);
		return 0;
	case OPT_SHOW_PATHS:
		o->show_paths = true;
		return 0;
	case OPT_PRUNE:
		o->prune = true;
		return 0;
	case OPT_KEEP:
		if (!e2e_parse_u64(v, 0, 1000000, &o->keep))
			return e2e_error(E2E_ERR_INPUT, "option '--keep': '%s' is not a number of runs", v);
		o->keep_given = true;
		return 0;
	case OPT_OLDER_THAN:
		if (!e2e_parse_u64(v, 0, 36500, &o->older_than_days))
			return e2e_error(E2E_ERR_INPUT, "option '--older-than': '%s' is not a number of days",
					 v);
		o->older_given = true;
		return 0;
	}
	return e2e_error(E2E_ERR_INPUT, "unhandled option");
}

static void print_help(void)
{
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_cli_help(&b, "e2e perf-report [options]",
		     "Reports stored runs per endpoint (exact percentiles), lists, trends and prunes\n"
		     "them, writes baselines and gates a run against its baseline.",
		     options);
	fputs(b.data, stdout);
	e2e_buf_finish(&b);
}

static int parse_args(int argc, char **argv, struct report_opts *o)
{
	int rc;

	memset(o, 0, sizeof(*o));
	e2e_common_opts_init(&o->c);
	rc = e2e_cli_parse(options, argc, argv, on_option, o, NULL);
	if (rc < 0 || o->help)
		return rc;
	if (o->prune && o->keep_given == o->older_given)
		return e2e_error(E2E_ERR_INPUT,
				 "'--prune' needs exactly one of '--keep N' or '--older-than DAYS'");
	if (!o->prune && (o->keep_given || o->older_given))
		return e2e_error(E2E_ERR_INPUT, "'--keep' and '--older-than' go with '--prune'");
	if (o->days && !o->trend)
		return e2e_error(E2E_ERR_INPUT, "'--days' goes with '--trend'");
	if (o->run_id && o->runs)
		return e2e_error(E2E_ERR_INPUT, "'--run' and '--runs' exclude each other");
	if (o->c.set_baseline && o->c.compare_baseline)
		return e2e_error(E2E_ERR_INPUT,
				 "'--set-baseline' and '--compare-baseline' exclude each other");
	if ((int)o->list + (int)o->trend + (int)o->prune > 1)
		return e2e_error(E2E_ERR_INPUT, "'--list', '--trend' and '--prune' exclude each other");
	return 0;
}

int cmd_perf_report(int argc, char **argv)
{
	struct report_opts o;
	int rc = parse_args(argc, argv, &o);

	if (rc < 0) {
		e2e_cmd_fail(CMD, "%s", e2e_error_message());
		e2e_cmd_usage_hint(CMD);
		return E2E_EXIT_USAGE;
	}
	if (o.help) {
		print_help();
		return E2E_EXIT_OK;
	}
	e2e_cmd_fail(CMD, "reports are not built yet");
	return E2E_EXIT_RUNTIME;
}

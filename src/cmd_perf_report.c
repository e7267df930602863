/* cmd_perf_report.c - `e2e perf-report`: select runs, report, list,
 * trend, change points, prune, set or gate a baseline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "error.h"
#include "exitcode.h"
#include "parse.h"
#include "cmd_pipeline.h"
#include "render.h"
#include "redact.h"
#include "store.h"
#include "team.h"
#include "banned.h"

#define CMD "perf-report"

struct report_opts {
	struct e2e_common_opts c;
	int64_t run_id; /* 0 = latest */
	uint64_t runs; /* 0 = one run */
	bool list;
	bool trend;
	uint64_t days; /* 0 = all */
	bool changes;
	enum e2e_changes_metric metric;
	uint64_t last; /* with --changes: runs analysed */
	bool metric_given, last_given;
	const char *branch; /* with --changes: only runs of this git branch */
	bool show_paths;
	bool prune;
	uint64_t keep;
	bool keep_given;
	uint64_t older_than_days;
	bool older_given;
	const char *store; /* --store URL; else $E2E_STORE */
	const char *baseline_from; /* --baseline-from 'branch=B,last=N' */
	struct e2e_cli_list junit; /* --junit FILE: attached to the selected run first */
};

static bool parse_run_id(const char *s, void *target)
{
	uint64_t n = 0;

	if (strcmp(s, "latest") != 0 && !e2e_parse_u64(s, 1, INT64_MAX, &n))
		return false;
	*(int64_t *)target = (int64_t)n;
	return true;
}

#define R struct report_opts
#define DEFAULT_LAST 100

static const struct e2e_option_name metrics[] = {
	{ "p50", E2E_CHANGES_P50 },
	{ "p95", E2E_CHANGES_P95 },
	{ "p99", E2E_CHANGES_P99 },
	{ "mean", E2E_CHANGES_MEAN },
	{ "error_rate", E2E_CHANGES_ERROR_RATE },
	{ "cpu", E2E_CHANGES_CPU },
	{ NULL, 0 },
};

static const struct e2e_option options[] = {
	{ E2E_OPT_CUSTOM(0, "run", R, run_id, "ID", "run id to report, or 'latest' (default)", parse_run_id,
			 "a run id or 'latest'") },
	{ E2E_OPT_UINT(0, "runs", R, runs, "N", "merge the service's last N runs", 1, 100000),
	  E2E_OPT_APPLIES(E2E_WHEN_REPORT | E2E_WHEN_TREND) },
	{ E2E_OPT_FLAG(0, "list", R, list, "list stored runs") },
	{ E2E_OPT_FLAG(0, "trend", R, trend, "per-endpoint p50/p95/p99 across stored runs") },
	{ E2E_OPT_UINT(0, "days", R, days, "N", "with --trend: only runs of the last N days", 1, 36500),
	  .what = "a number of days" },
	{ E2E_OPT_FLAG(0, "changes", R, changes,
		       "per-endpoint change points (level shifts) across stored runs") },
	{ E2E_OPT_ENUM(0, "metric", R, metric, "M",
		       "with --changes: p50 (default), p95, p99, mean, error_rate, cpu", metrics),
	  E2E_OPT_SEEN(R, metric_given) },
	{ E2E_OPT_UINT(0, "last", R, last, "N", "with --changes: the service's last N runs (default: 100)", 2,
		       1000000),
	  .what = "a number of runs", E2E_OPT_SEEN(R, last_given) },
	{ E2E_OPT_TEXT(0, "branch", R, branch, "B", "with --changes: only runs of git branch B") },
	{ E2E_OPT_FLAG(0, "show-paths", R, show_paths, "list the raw paths behind every endpoint template"),
	  E2E_OPT_APPLIES(E2E_WHEN_REPORT) },
	{ E2E_OPT_STRING(0, "store", R, store, "URL",
			 "read the runs from the team store (default: $E2E_STORE): postgresql://...") },
	{ E2E_OPT_TEXT(0, "baseline-from", R, baseline_from, "SPEC",
		       "with --store: compare against the last runs of a branch ('branch=main,last=10')"),
	  E2E_OPT_APPLIES(E2E_WHEN_REPORT) },
	{ E2E_OPT_LIST(0, "junit", R, junit, "FILE",
		       "attach the suite's JUnit XML results from FILE (a glob; repeatable) to the run"),
	  E2E_OPT_APPLIES(E2E_WHEN_REPORT) },
	{ E2E_OPT_FLAG(0, "gate-tests", R, c.gate_tests,
		       "with --compare-baseline: judge each test's duration against the baseline's too"),
	  E2E_OPT_APPLIES(E2E_WHEN_COMPARE) },
	{ E2E_OPT_FLAG(0, "prune", R, prune, "remove old runs (with --keep or --older-than)") },
	{ E2E_OPT_UINT(0, "keep", R, keep, "N", "with --prune: keep the newest N runs", 0, 1000000),
	  .what = "a number of runs", E2E_OPT_SEEN(R, keep_given) },
	{ E2E_OPT_UINT(0, "older-than", R, older_than_days, "DAYS",
		       "with --prune: remove runs older than DAYS days", 0, 36500),
	  .what = "a number of days", E2E_OPT_SEEN(R, older_given) },
	{ E2E_OPT_END() },
};

static const struct e2e_cmd_spec spec = {
	.name = CMD,
	.usage = "e2e perf-report [options]",
	.summary = "Reports stored runs per endpoint (exact percentiles), lists, trends and prunes\n"
		   "them, finds change points in their history, writes baselines and gates a run\n"
		   "against its baseline.",
	.options = options,
	.common_at = offsetof(struct report_opts, c),
};

static int parse_args(int argc, char **argv, struct report_opts *o)
{
	int rc;

	memset(o, 0, sizeof(*o));
	e2e_common_opts_init(&o->c);
	rc = e2e_cmd_parse(&spec, argc, argv, o, NULL);
	if (rc < 0 || o->c.help)
		return rc;
	if (o->prune && o->keep_given == o->older_given)
		return e2e_error(E2E_ERR_INPUT,
				 "'--prune' needs exactly one of '--keep N' or '--older-than DAYS'");
	if (!o->prune && (o->keep_given || o->older_given))
		return e2e_error(E2E_ERR_INPUT, "'--keep' and '--older-than' go with '--prune'");
	if (o->days && !o->trend)
		return e2e_error(E2E_ERR_INPUT, "'--days' goes with '--trend'");
	if (!o->changes && (o->metric_given || o->last_given || o->branch))
		return e2e_error(E2E_ERR_INPUT, "'--metric', '--last' and '--branch' go with '--changes'");
	if (o->run_id && o->runs)
		return e2e_error(E2E_ERR_INPUT, "'--run' and '--runs' exclude each other");
	if (o->c.set_baseline && o->c.compare_baseline)
		return e2e_error(E2E_ERR_INPUT,
				 "'--set-baseline' and '--compare-baseline' exclude each other");
	if ((int)o->list + (int)o->trend + (int)o->changes + (int)o->prune > 1)
		return e2e_error(E2E_ERR_INPUT,
				 "'--list', '--trend', '--changes' and '--prune' exclude each other");
	if (!o->last_given)
		o->last = DEFAULT_LAST;
	return 0;
}

/* Runs the selection names, oldest first (what the pipeline takes). */
struct selection {
	int64_t *ids;
	size_t n;
	char *service; /* the service reported on */
};

static void selection_finish(struct selection *sel)
{
	free(sel->ids);
	free(sel->service);
}

static int no_runs(const struct report_opts *o, const char *db)
{
	if (o->c.service)
		return e2e_error(E2E_ERR_EMPTY, "no runs of service '%s' in '%s'", o->c.service, db);
	return e2e_error(E2E_ERR_EMPTY, "no runs in '%s'", db);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts); /* wall time: selecting by date */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Moves the runs of git branch b to the front (in order); returns how
 * many there are. */
static size_t on_branch(struct e2e_run *runs, size_t n, const char *b)
{
	size_t keep = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(runs[i].git_branch, b) == 0) {
			struct e2e_run t = runs[keep];

			runs[keep++] = runs[i];
			runs[i] = t;
		}
	}
	return keep;
}

/* --run ID, --runs N, --trend [--days N], --changes [--last N] [--branch
 * B] or the latest run: of the
 * service given, else of the service of the latest run of any service. */
static int select_runs(struct e2e_store *st, const struct report_opts *o, const char *db,
		       struct selection *sel)
{
	struct e2e_run *runs = NULL, one;
	size_t n = 0, nall = 0, take;
	int64_t since = o->days ? now_ms() - (int64_t)o->days * 86400000 : INT64_MIN;
	int rc;

	memset(sel, 0, sizeof(*sel));
	if (o->run_id) {
		rc = e2e_store_run_get(st, o->run_id, &one);
		if (rc < 0)
			return rc;
		if (o->c.service && strcmp(one.service, o->c.service) != 0) {
			rc = e2e_error(E2E_ERR_INPUT, "run %lld is of service '%s', not '%s'",
				       (long long)one.id, one.service, o->c.service);
			e2e_run_finish(&one);
			return rc;
		}
		sel->ids = e2e_xmalloc(sizeof(*sel->ids));
		sel->ids[0] = one.id;
		sel->n = 1;
		sel->service = e2e_xstrdup(one.service);
		e2e_run_finish(&one);
		return 0;
	}
	rc = e2e_store_runs_list(st, o->c.service, &runs, &n);
	if (rc < 0)
		return rc;
	nall = n;
	if (n == 0) {
		rc = no_runs(o, db);
		goto out;
	}
	sel->service = e2e_xstrdup(runs[0].service);
	if (!o->c.service) { /* the latest run's service: its runs only */
		e2e_store_runs_free(runs, n);
		runs = NULL;
		n = nall = 0;
		rc = e2e_store_runs_list(st, sel->service, &runs, &n);
		if (rc < 0)
			goto out;
		nall = n;
	}
	if (o->branch && (n = on_branch(runs, n, o->branch)) == 0) {
		rc = e2e_error(E2E_ERR_EMPTY, "no runs of service '%s' on branch '%s' in '%s'", sel->service,
			       o->branch, db);
		goto out;
	}
	take = o->trend ? n : o->changes ? (o->last < n ? (size_t)o->last : n) : 1;
	if (o->runs && !o->changes)
		take = o->runs < n ? (size_t)o->runs : n;
	if (o->trend) {
		size_t in_range = 0;

		while (in_range < take && runs[in_range].started_ms >= since)
			in_range++;
		take = in_range;
		if (take == 0) {
			rc = e2e_error(E2E_ERR_EMPTY, "no runs of service '%s' in the last %llu days in '%s'",
				       sel->service, (unsigned long long)o->days, db);
			goto out;
		}
	}
	if (o->runs && !o->changes && o->runs > n && !o->c.quiet)
		e2e_cmd_fail(CMD, "note: only %zu run%s of '%s' stored: merging %s", n, n == 1 ? "" : "s",
			     sel->service, n == 1 ? "it" : "those");
	sel->ids = e2e_xmalloc(take * sizeof(*sel->ids));
	for (size_t i = 0; i < take; i++)
		sel->ids[i] = runs[take - 1 - i].id; /* oldest first */
	sel->n = take;
	rc = 0;
out:
	e2e_store_runs_free(runs, nall);
	if (rc < 0) {
		selection_finish(sel);
		memset(sel, 0, sizeof(*sel));
	}
	return rc;
}

static int list_runs(struct e2e_store *st, const struct report_opts *o)
{
	struct e2e_run *runs = NULL;
	struct e2e_buf b = E2E_BUF_INIT;
	size_t n = 0;
	int rc = e2e_store_runs_list(st, o->c.service, &runs, &n);

	if (rc == 0)
		rc = e2e_render_runs(o->c.format, runs, n, &b);
	if (rc == 0)
		rc = e2e_pipeline_emit(&o->c, &b);
	e2e_buf_finish(&b);
	e2e_store_runs_free(runs, n);
	return rc;
}

struct stamp {
	char s[32];
};

static struct stamp utc(int64_t ms)
{
	struct stamp st = { "-" };
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms > 0 && gmtime_r(&t, &tm))
		strftime(st.s, sizeof(st.s), "%Y-%m-%d %H:%M:%S UTC", &tm);
	return st;
}

/* Removes runs; what went goes to stderr (one line per run and a count),
 * stdout stays empty. */
static int prune(struct e2e_store *st, const struct report_opts *o)
{
	struct e2e_run *before = NULL, *after = NULL;
	size_t nb = 0, na = 0, removed = 0;
	int rc = e2e_store_runs_list(st, o->c.service, &before, &nb);

	if (rc < 0)
		return rc;
	if (o->keep_given)
		rc = e2e_store_prune_keep(st, o->c.service, (size_t)o->keep, &removed);
	else
		rc = e2e_store_prune_older(st, o->c.service,
					   now_ms() - (int64_t)o->older_than_days * 86400000, &removed);
	if (rc == 0)
		rc = e2e_store_runs_list(st, o->c.service, &after, &na);
	if (rc == 0 && !o->c.quiet) {
		for (size_t i = 0; i < nb; i++) {
			bool kept = false, live = false;

			for (size_t j = 0; j < na && !kept; j++)
				kept = after[j].id == before[i].id;
			if (kept && !before[i].complete && e2e_store_run_live(st, before[i].id, &live) == 0 &&
			    live)
				e2e_cmd_fail(CMD, "kept run %lld (%s, started %s): it is being recorded",
					     (long long)before[i].id, before[i].service,
					     utc(before[i].started_ms).s);
			if (!kept)
				e2e_cmd_fail(CMD, "removed run %lld (%s, started %s, %llu requests)",
					     (long long)before[i].id, before[i].service,
					     utc(before[i].started_ms).s,
					     (unsigned long long)before[i].recorded);
		}
		e2e_cmd_fail(CMD, "removed %zu run%s, kept %zu", removed, removed == 1 ? "" : "s", na);
	}
	e2e_store_runs_free(before, nb);
	e2e_store_runs_free(after, na);
	return rc;
}

/* --junit in a report's mode: the files go into the selected run. */
static bool junit_attach(const struct report_opts *o)
{
	return o->junit.n && !o->list && !o->prune && !o->trend && !o->changes;
}

/* Option combinations the parser leaves to the flow. */
static int check_modes(const struct report_opts *o)
{
	const char *mode = o->list	? "--list"
			   : o->prune	? "--prune"
			   : o->trend	? "--trend"
			   : o->changes ? "--changes"
					: NULL;

	if (mode && (o->c.set_baseline || o->c.compare_baseline))
		return e2e_error(E2E_ERR_INPUT, "'%s' does not go with '--%s'", mode,
				 o->c.set_baseline ? "set-baseline" : "compare-baseline");
	if ((o->list || o->prune) && (o->run_id || o->runs))
		return e2e_error(E2E_ERR_INPUT, "'%s' does not go with '--run' or '--runs'", mode);
	if (o->trend && o->run_id)
		return e2e_error(E2E_ERR_INPUT, "'--trend' does not go with '--run' (use '--runs N')");
	if (o->changes && o->run_id)
		return e2e_error(E2E_ERR_INPUT, "'--changes' does not go with '--run' (use '--last N')");
	if (o->junit.n && !mode && o->runs > 1)
		return e2e_error(E2E_ERR_INPUT, "'--junit' attaches to one run: not with '--runs %llu'",
				 (unsigned long long)o->runs);
	return 0;
}

/* The modes of this invocation, for the options that have no effect. */
static void warn_unused(const struct report_opts *o)
{
	unsigned active = o->list      ? E2E_WHEN_LIST
			  : o->trend   ? E2E_WHEN_TREND
			  : o->changes ? E2E_WHEN_CHANGES
			  : o->prune   ? 0
				       : E2E_WHEN_REPORT;
	const char *mode = o->list	? "--list"
			   : o->trend	? "--trend"
			   : o->changes ? "--changes"
			   : o->prune	? "--prune"
					: NULL;

	if (o->c.compare_baseline)
		active |= E2E_WHEN_COMPARE;
	if (o->c.set_baseline)
		active |= E2E_WHEN_SET;
	if (o->c.rules && (active & E2E_WHEN_REPORT))
		active |= E2E_WHEN_RULES;
	e2e_cmd_warn_unused(&spec, &o->c, active, mode);
}

int cmd_perf_report(int argc, char **argv)
{
	struct report_opts o;
	struct e2e_store *st = NULL;
	struct selection sel = { 0 };
	struct e2e_pipeline_extra x = { .color = false };
	char *db = NULL;
	const char *store_url = NULL;
	struct e2e_cmd_store_copy *copy = NULL, *bcopy = NULL;
	char *bpath = NULL;
	int exit_code = E2E_EXIT_OK, gate_exit = E2E_EXIT_OK;
	int rc = parse_args(argc, argv, &o);

	if (rc == 0 && !o.c.help)
		rc = check_modes(&o);
	if (rc < 0 || o.c.help)
		return e2e_cmd_stop(&spec, rc);
	warn_unused(&o);
	if (o.list && o.c.format != E2E_FORMAT_TEXT && o.c.format != E2E_FORMAT_JSON &&
	    o.c.format != E2E_FORMAT_CSV) {
		rc = e2e_render_runs(o.c.format, NULL, 0, NULL);
		goto fail;
	}
	if (o.trend && o.c.format == E2E_FORMAT_JUNIT) {
		rc = e2e_error(E2E_ERR_INPUT, "'--trend' supports -f text, json, markdown, html, csv");
		goto fail;
	}
	if (o.changes && (o.c.format == E2E_FORMAT_GITHUB || o.c.format == E2E_FORMAT_GITLAB)) {
		rc = e2e_error(E2E_ERR_INPUT,
			       "'--changes' supports -f text, json, markdown, html, csv, junit");
		goto fail;
	}
	rc = e2e_pipeline_check(&o.c);
	if (rc < 0)
		goto fail;
	store_url = e2e_cmd_store_url(o.store);
	if (o.baseline_from && !store_url) {
		rc = e2e_error(E2E_ERR_INPUT, "'--baseline-from' needs '--store URL' (or E2E_STORE)");
		goto fail;
	}
	if (o.baseline_from && (o.c.compare_baseline || o.c.set_baseline || o.c.baseline)) {
		rc = e2e_error(
			E2E_ERR_INPUT,
			"'--baseline-from' replaces '--compare-baseline', '--set-baseline' and '--baseline'");
		goto fail;
	}
	if (store_url && o.junit.n && !o.list && !o.prune && !o.trend && !o.changes) {
		rc = e2e_error(E2E_ERR_INPUT,
			       "'--junit' attaches to a run of the local database, not the team store");
		goto fail;
	}
	if (store_url && o.prune) {
		rc = e2e_error(E2E_ERR_INPUT, "'--prune' works on the local database, not the team store");
		goto fail;
	}
	if (store_url) {
		struct e2e_team_select want = { .service = o.c.service,
						.branch = o.changes ? o.branch : NULL,
						.since_ms =
							o.days ? now_ms() - (int64_t)o.days * 86400000 : 0,
						.limit = o.list || o.trend ? (size_t)o.runs
							 : o.changes	   ? (size_t)o.last
							 : o.runs	   ? (size_t)o.runs
									   : 1,
						.run_id = o.run_id,
						.samples = !o.list,
						/* the runs a trend column draws on */
						.history = !o.list && !o.trend && !o.changes &&
									   (o.c.format == E2E_FORMAT_HTML ||
									    o.c.format == E2E_FORMAT_MARKDOWN)
								   ? E2E_PIPELINE_HISTORY_RUNS
								   : 0 };

		rc = e2e_cmd_store_fetch(store_url, &want, &copy, &st);
		if (rc < 0)
			goto fail;
		db = e2e_redact_url(store_url);
	} else {
		db = e2e_common_db_path(&o.c);
		rc = e2e_store_open(db, o.prune || junit_attach(&o) ? 0 : E2E_STORE_READONLY, &st);
	}
	if (rc < 0)
		goto fail;
	if (o.list) {
		rc = list_runs(st, &o);
	} else if (o.prune) {
		rc = prune(st, &o);
	} else {
		rc = select_runs(st, &o, db, &sel);
		if (rc < 0)
			goto fail;
		if (junit_attach(&o)) /* the newest selected run, the only one (check_modes) */
			e2e_cmd_junit_ingest(CMD, &o.junit, st, sel.ids[sel.n - 1], 0);
		if (o.baseline_from) {
			char *branch = NULL;
			size_t last = 0;

			rc = e2e_cmd_store_baseline_spec(o.baseline_from, &branch, &last);
			if (rc == 0)
				rc = e2e_cmd_store_baseline(CMD, store_url, sel.service, branch, last,
							    sel.ids, sel.n, &o.c, &bcopy, &bpath);
			free(branch);
			if (rc < 0)
				goto fail;
			o.c.compare_baseline = true;
			o.c.baseline = bpath;
		}
		x.color = e2e_pipeline_color(&o.c);
		x.show_paths = o.show_paths;
		x.trend = o.trend;
		x.changes = o.changes;
		x.metric = o.metric;
		rc = e2e_pipeline_report(st, sel.ids, sel.n, &o.c, &x, CMD, &gate_exit);
		exit_code = gate_exit;
	}
	if (rc == 0)
		goto out;
fail:
	e2e_cmd_fail(CMD, "%s", e2e_error_message());
	exit_code = e2e_error_exit(rc);
out:
	selection_finish(&sel);
	e2e_store_close(st);
	e2e_cmd_store_done(copy);
	e2e_cmd_store_done(bcopy);
	free(bpath);
	free(db);
	return exit_code;
}

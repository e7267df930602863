/* cmd_pipeline.c - the output stage perf-profile and perf-report share:
 * load runs, samples and paths from the store, compute the report,
 * set/compare the baseline (the GATE hooks below), render, and write to
 * stdout or atomically to --out. */
#include "cmd_pipeline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "baseline.h"
#include "buf.h"
#include "cpu_report.h"
#include "cmd.h"
#include "e2e-config.h"
#include "error.h"
#include "exitcode.h"
#include "fsutil.h"
#include "gate.h"
#include "render.h"
#include "report.h"
#include "resources.h"
#include "routes.h"
#include "rules.h"
#include "store.h"
#include "testreport.h"
#include "banned.h"

int e2e_pipeline_check(const struct e2e_common_opts *o)
{
	/* GATE: check */
	int rc = 0;

	if (o->rules) {
		struct e2e_rules *rules = NULL;

		rc = e2e_rules_read(o->rules, &rules);
		e2e_rules_destroy(rules);
	}
	if (rc == 0 && o->compare_baseline && (o->baseline || o->service)) {
		char *path = e2e_baseline_path(o->baseline, o->baseline_dir, o->service);
		struct e2e_baseline *b = NULL;

		rc = e2e_baseline_read(path, &b);
		e2e_baseline_destroy(b);
		free(path);
	}
	return rc;
}

bool e2e_pipeline_color(const struct e2e_common_opts *o)
{
	const char *nc = getenv("NO_COLOR");

	return !o->out && isatty(STDOUT_FILENO) && !(nc && nc[0]);
}

int e2e_pipeline_emit(const struct e2e_common_opts *o, const struct e2e_buf *b)
{
	const char *data = b->data ? b->data : "";

	if (o->out)
		return e2e_fsutil_write_atomic(o->out, NULL, data, b->len);
	if (fwrite(data, 1, b->len, stdout) != b->len || fflush(stdout) != 0)
		return e2e_error(E2E_ERR_RUNTIME, "cannot write the report to stdout: %s", strerror(errno));
	return 0;
}

/* The selected runs (newest first, as the report wants them) with their
 * samples. */
struct loaded {
	struct e2e_run *runs;
	struct e2e_report_run *in;
	struct e2e_test **tests; /* each run's (e2e_store_tests_load) */
	size_t *ntests;
	size_t n;
	/* the service's cost, per run (resources.h) */
	struct e2e_res_sample **res;
	size_t *nres;
	struct e2e_res_info *res_info;
};

static void loaded_finish(struct loaded *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->res[i]);
		e2e_res_info_finish(&l->res_info[i]);
		free((void *)l->in[i].samples);
		e2e_store_paths_free((struct e2e_path *)l->in[i].paths, l->in[i].npaths);
		e2e_run_notes_free((struct e2e_run_note *)l->in[i].notes, l->in[i].nnotes);
		e2e_store_tests_free(l->tests[i], l->ntests[i]);
		e2e_run_finish(&l->runs[i]);
	}
	free(l->runs);
	free(l->in);
	free(l->res);
	free(l->nres);
	free(l->res_info);
	free(l->tests);
	free(l->ntests);
	memset(l, 0, sizeof(*l));
}

static int load(struct e2e_store *st, const int64_t *run_ids, size_t n, struct loaded *l)
{
	int rc;

	memset(l, 0, sizeof(*l));
	l->runs = e2e_xcalloc(n, sizeof(*l->runs));
	l->in = e2e_xcalloc(n, sizeof(*l->in));
	l->res = e2e_xcalloc(n, sizeof(*l->res));
	l->nres = e2e_xcalloc(n, sizeof(*l->nres));
	l->res_info = e2e_xcalloc(n, sizeof(*l->res_info));
	l->tests = e2e_xcalloc(n, sizeof(*l->tests));
	l->ntests = e2e_xcalloc(n, sizeof(*l->ntests));
	l->n = n; /* empty slots are safe to finish */
	for (size_t i = 0; i < n; i++) {
		size_t k = n - 1 - i; /* run_ids are oldest first */
		struct e2e_sample *s = NULL;
		struct e2e_path *p = NULL;
		struct e2e_run_note *nt = NULL;
		size_t ns = 0, np = 0, nn = 0;
		struct e2e_test *t = NULL;
		size_t ntst = 0;

		rc = e2e_store_run_get(st, run_ids[i], &l->runs[k]);
		if (rc < 0)
			return rc;
		rc = e2e_store_samples_load(st, run_ids[i], &s, &ns);
		if (rc < 0)
			return rc;
		l->in[k].run = &l->runs[k];
		l->in[k].samples = s;
		l->in[k].nsamples = ns;
		/* each run's samples count under its own endpoints */
		rc = e2e_store_run_paths_load(st, run_ids[i], &p, &np);
		if (rc < 0)
			return rc;
		l->in[k].paths = p;
		l->in[k].npaths = np;
		rc = e2e_store_run_notes_load(st, run_ids[i], &nt, &nn);
		if (rc < 0)
			return rc;
		l->in[k].notes = nt;
		l->in[k].nnotes = nn;
		rc = e2e_store_resources_load(st, run_ids[i], &l->res[k], &l->nres[k], &l->res_info[k]);
		if (rc < 0)
			return rc;
		rc = e2e_store_tests_load(st, run_ids[i], &t, &ntst);
		if (rc < 0)
			return rc;
		l->tests[k] = t;
		l->ntests[k] = ntst;
	}
	return 0;
}

static int by_path_id(const void *a, const void *b)
{
	uint32_t x = ((const struct e2e_path *)a)->id, y = ((const struct e2e_path *)b)->id;

	return x < y ? -1 : x > y;
}

/* The resources section from the loaded runs (before their samples go):
 * each request's upstream interval and stored endpoint. */
static int resources(const struct loaded *l, struct e2e_res_report **out)
{
	struct e2e_res_run *runs = e2e_xcalloc(l->n ? l->n : 1, sizeof(*runs));
	struct e2e_res_request **reqs = e2e_xcalloc(l->n ? l->n : 1, sizeof(*reqs));
	int rc;

	for (size_t i = 0; i < l->n; i++) {
		const struct e2e_report_run *in = &l->in[i];

		runs[i].run_id = l->runs[i].id;
		runs[i].samples = l->res[i];
		runs[i].nsamples = l->nres[i];
		runs[i].info = &l->res_info[i];
		runs[i].max_concurrency = l->runs[i].max_concurrency;
		if (!l->nres[i])
			continue;
		reqs[i] = e2e_xcalloc(in->nsamples ? in->nsamples : 1, sizeof(**reqs));
		for (size_t k = 0; k < in->nsamples; k++) {
			const struct e2e_sample *s = &in->samples[k];
			struct e2e_path key = { .id = s->path_id };
			const struct e2e_path *p =
				in->npaths ? bsearch(&key, in->paths, in->npaths, sizeof(key), by_path_id)
					   : NULL;

			reqs[i][k].t0_ns = s->start_ns;
			reqs[i][k].t1_ns = s->start_ns + ((uint64_t)s->total_us + s->proxy_us) * 1000;
			reqs[i][k].endpoint = p ? p->endpoint : "?";
		}
		runs[i].requests = reqs[i];
		runs[i].nrequests = in->nsamples;
	}
	rc = e2e_res_compute(runs, l->n, out);
	for (size_t i = 0; i < l->n; i++)
		free(reqs[i]);
	free(reqs);
	free(runs);
	return rc;
}

/* --rules without --compare-baseline: the rules' absolute limits are the
 * gate (a trend or its change points have no one report to check). */
static bool rules_gate(const struct e2e_common_opts *o, const struct e2e_pipeline_extra *x)
{
	return o->rules && !o->compare_baseline && !x->trend && !x->changes;
}

/* Rules that set regression_pct, which needs a baseline to compare with. */
static void warn_unused_thresholds(const struct e2e_rules *rules, const char *cmd)
{
	for (size_t i = 0; i < rules->nrules; i++)
		if (!isnan(rules->rules[i].regression_pct))
			e2e_cmd_fail(cmd,
				     "warning: '%s': rules[%zu].regression_pct has no effect without "
				     "--compare-baseline",
				     rules->name, rules->rules[i].index - 1);
}

/* ---- the history behind the HTML sparklines and the Markdown p95 trends ---- */

/* HTML always draws sparklines; Markdown only a regressed endpoint's
 * trend; the trend and change-point views show the runs themselves. */
static bool wants_history(const struct e2e_common_opts *o, const struct e2e_pipeline_extra *x,
			  const struct e2e_gate_result *g)
{
	if (x->trend || x->changes)
		return false;
	if (o->format == E2E_FORMAT_HTML)
		return true;
	if (o->format != E2E_FORMAT_MARKDOWN || !g)
		return false;
	for (size_t i = 0; i < g->nendpoints; i++)
		if (g->endpoints[i].verdict == E2E_VERDICT_REGRESSION)
			return true;
	return false;
}

/* A report over the service's last E2E_PIPELINE_HISTORY_RUNS runs up to the newest
 * covered one (by start time), or NULL when there is no earlier run. */
static int history_load(struct e2e_store *st, const struct e2e_report *rep, const struct e2e_common_opts *o,
			struct e2e_report **out)
{
	struct e2e_run *runs = NULL;
	int64_t ids[E2E_PIPELINE_HISTORY_RUNS];
	size_t nruns = 0, n = 0, at;
	int rc;

	*out = NULL;
	if (!rep->nruns)
		return 0;
	rc = e2e_store_runs_list(st, rep->service, &runs, &nruns);
	if (rc < 0)
		return rc;
	for (at = 0; at < nruns && runs[at].id != rep->runs[0].id; at++)
		;
	n = nruns - at < E2E_PIPELINE_HISTORY_RUNS ? nruns - at : E2E_PIPELINE_HISTORY_RUNS;
	for (size_t i = 0; i < n; i++)
		ids[i] = runs[at + n - 1 - i].id; /* oldest first */
	e2e_store_runs_free(runs, nruns);
	if (n < 2)
		return 0;
	return e2e_pipeline_compute(st, ids, n, o, out);
}

/* GATE: compare: the report against the baseline and the rules, or
 * against the rules alone. */
/* A regression's CPU evidence: the frames whose self time grew most
 * against the baseline's profile, as a finding beside it. */
static void cpu_finding(const struct e2e_report *rep, struct e2e_gate_result *g)
{
	struct e2e_buf b = E2E_BUF_INIT;

	if (!rep->cpu || !rep->cpu->ngrown || g->overall != E2E_VERDICT_REGRESSION)
		return;
	e2e_buf_printf(&b, "CPU profile of run %lld: self time grew most in: ", (long long)rep->cpu->run_id);
	e2e_cpu_grown_text(&b, rep->cpu->grown, rep->cpu->ngrown);
	e2e_gate_add_finding(g, "cpu_profile", NULL, g->worst, b.data);
	e2e_buf_finish(&b);
}

static int run_gate(const struct e2e_report *rep, const struct e2e_common_opts *o, const char *cmd,
		    struct e2e_gate_result **out, struct e2e_baseline **keep)
{
	struct e2e_gate_config cfg = { o->threshold_pct, o->min_delta_ms, o->fail_on, NULL };
	struct e2e_baseline *b = NULL;
	struct e2e_rules *rules = NULL;
	char *path = NULL;
	int rc = 0;

	if (o->compare_baseline) {
		path = e2e_baseline_path(o->baseline, o->baseline_dir, rep->service);
		rc = e2e_baseline_read(path, &b);
	}
	if (rc == 0 && o->rules)
		rc = e2e_rules_read(o->rules, &rules);
	if (rc == 0 && rules && !b)
		warn_unused_thresholds(rules, cmd);
	cfg.rules = rules;
	if (rc == 0)
		rc = e2e_gate_compare_tests(rep, b, &cfg, o->gate_tests && b, out);
	if (rc == 0)
		cpu_finding(rep, *out);
	e2e_rules_destroy(rules);
	if (rc == 0 && keep)
		*keep = b;
	else
		e2e_baseline_destroy(b);
	free(path);
	return rc;
}

/* The report of runs run_ids[0..n-1] (oldest first) with o's --routes
 * and --count-4xx. Caller destroys *out. */
int e2e_pipeline_compute(struct e2e_store *st, const int64_t *run_ids, size_t n,
			 const struct e2e_common_opts *o, struct e2e_report **out)
{
	struct e2e_report_opts ropts = { o->count_4xx, NULL };
	struct e2e_routes *routes = NULL;
	struct loaded l;
	int rc = load(st, run_ids, n, &l);

	if (rc == 0 && o->routes) {
		rc = e2e_routes_load(o->routes, &routes);
		ropts.routes = routes;
	}
	if (rc == 0)
		rc = e2e_report_compute(l.in, l.n, NULL, 0, &ropts, out);
	if (rc == 0)
		rc = resources(&l, &(*out)->resources);
	for (size_t i = 0; rc == 0 && i < (*out)->nendpoints; i++)
		(*out)->endpoints[i].cpu_ms =
			e2e_res_endpoint_cpu((*out)->resources, (*out)->endpoints[i].key);
	if (rc == 0)
		rc = e2e_report_add_tests(*out, (const struct e2e_test *const *)l.tests, l.ntests);
	if (rc == 0 && n)
		rc = e2e_store_cpu_profile_load(st, run_ids[n - 1], &(*out)->cpu);
	loaded_finish(&l); /* the report holds its own copy of the samples */
	e2e_routes_destroy(routes);
	return rc;
}

int e2e_pipeline_judge(struct e2e_store *st, const int64_t *run_ids, size_t n,
		       const struct e2e_common_opts *o, const char *cmd, struct e2e_gate_result **out)
{
	struct e2e_report *rep = NULL;
	int rc = e2e_pipeline_compute(st, run_ids, n, o, &rep);

	if (rc == 0)
		rc = run_gate(rep, o, cmd, out, NULL);
	e2e_report_destroy(rep);
	return rc;
}

/* The gate's judgement of run_id as rows of the store (and of the team
 * store's e2e.verdicts): every metric of every endpoint the JSON report
 * shows. A failure only warns: the verdict stands without its record. */
static void verdicts_keep(struct e2e_store *st, int64_t run_id, const struct e2e_gate_result *g,
			  const char *cmd)
{
	struct e2e_run_verdict *v = e2e_xcalloc(g->nendpoints * E2E_METRIC__COUNT + 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < g->nendpoints; i++)
		for (size_t m = 0; m < E2E_METRIC__COUNT; m++) {
			const struct e2e_metric_cmp *x = &g->endpoints[i].metrics[m];

			if (m == E2E_METRIC_CPU && isnan(x->baseline) && isnan(x->current))
				continue;
			v[n++] = (struct e2e_run_verdict){ .endpoint = g->endpoints[i].key,
							   .metric = (char *)e2e_metric_name(x->metric),
							   .verdict = (char *)e2e_verdict_name(x->verdict),
							   .severity = (char *)e2e_severity_name(x->severity),
							   .baseline = x->baseline,
							   .current = x->current,
							   .change_pct = x->delta_pct };
		}
	if (e2e_store_verdicts_save(st, run_id, v, n) < 0)
		e2e_cmd_fail(cmd, "warning: cannot keep the verdicts with the run: %s", e2e_error_message());
	free(v); /* the strings are the gate's */
}

int e2e_pipeline_report(struct e2e_store *st, const int64_t *run_ids, size_t n,
			const struct e2e_common_opts *o, const struct e2e_pipeline_extra *x, const char *cmd,
			int *gate_exit)
{
	struct e2e_pipeline_extra none = { .color = e2e_pipeline_color(o) };
	struct e2e_report *rep = NULL;
	struct e2e_gate_result *gate = NULL; /* set by the GATE: compare hook */
	struct e2e_changes *changes = NULL;
	struct e2e_baseline *baseline = NULL; /* what the gate compared with */
	struct e2e_report *history = NULL;
	struct e2e_render_input in;
	struct e2e_buf out = E2E_BUF_INIT;
	int rc, exit_code = E2E_EXIT_OK;

	if (!x)
		x = &none;
	rc = e2e_pipeline_compute(st, run_ids, n, o, &rep);
	if (rc < 0)
		goto out;

	if (o->set_baseline) {
		/* GATE: set-baseline */
		char *path = e2e_baseline_path(o->baseline, o->baseline_dir, rep->service);
		struct e2e_baseline *b = NULL;
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now); /* a label: when the baseline was written */
		rc = e2e_baseline_from_report(rep, (int64_t)now.tv_sec * 1000, E2E_VERSION, &b);
		if (rc == 0)
			rc = e2e_baseline_write(b, path);
		if (rc == 0 && !o->quiet)
			fprintf(stderr, "e2e: %s: baseline '%s' written from %zu run%s, %zu endpoint%s\n",
				cmd, path, b->nsources, b->nsources == 1 ? "" : "s", b->nendpoints,
				b->nendpoints == 1 ? "" : "s");
		e2e_baseline_destroy(b);
		free(path);
		if (rc < 0)
			goto out;
	}
	if ((o->compare_baseline || rules_gate(o, x)) && rep->total_requests == 0) {
		e2e_cmd_fail(cmd, "nothing was captured: no request to %s",
			     o->compare_baseline ? "compare with the baseline" : "check the rules against");
		exit_code = E2E_EXIT_EMPTY;
	} else if (o->compare_baseline || rules_gate(o, x)) {
		rc = run_gate(rep, o, cmd, &gate, &baseline);
		if (rc < 0)
			goto out;
		if (gate->failed && x->confirm && o->compare_baseline) {
			rc = x->confirm(x->confirm_ctx, gate);
			if (rc < 0)
				goto out;
		}
		if (gate->failed)
			exit_code = E2E_EXIT_GATE;
		if (x->keep_verdicts && o->compare_baseline && st && n)
			verdicts_keep(st, run_ids[n - 1], gate, cmd);
	}
	*gate_exit = exit_code; /* the verdict stands whatever happens to the report now */

	memset(&in, 0, sizeof(in));
	in.report = rep;
	in.gate = gate;
	in.color = x->color && o->format == E2E_FORMAT_TEXT;
	in.show_paths = x->show_paths;
	in.trend = x->trend;
	in.tool_version = E2E_VERSION;
	in.compact = o->compact;
	in.always = o->always;
	in.baseline = baseline;
	if (wants_history(o, x, gate)) {
		rc = history_load(st, rep, o, &history);
		if (rc < 0)
			goto out;
		in.history = history;
	}
	if (x->changes) {
		rc = e2e_changes_compute(rep, x->metric, &changes);
		if (rc < 0)
			goto out;
		in.changes = changes;
		if (changes->too_few && !o->quiet)
			e2e_cmd_fail(cmd, "note: %zu run%s of '%s' selected: change points need at least %zu",
				     rep->nruns, rep->nruns == 1 ? "" : "s", rep->service, changes->min_runs);
	}
	rc = e2e_render(o->format, &in, &out);
	if (rc < 0)
		goto out;
	rc = e2e_pipeline_emit(o, &out);
out:
	e2e_buf_finish(&out);
	e2e_gate_result_destroy(gate);
	e2e_changes_destroy(changes);
	e2e_baseline_destroy(baseline);
	e2e_report_destroy(history);
	e2e_report_destroy(rep);
	return rc;
}

int e2e_pipeline_run(struct e2e_store *st, const int64_t *run_ids, size_t n, const struct e2e_common_opts *o,
		     const char *cmd, int *gate_exit)
{
	return e2e_pipeline_report(st, run_ids, n, o, NULL, cmd, gate_exit);
}

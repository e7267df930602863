/* render_json.c - the JSON report (jansson), a versioned schema that is a
 * superset of the seed tool's report.
 *
 * Keys appear in the order documented here; numbers are rounded to a fixed
 * resolution (milliseconds to 0.001, i.e. microseconds; fractions to
 * 0.000001; rates and bytes to 0.001) and printed with up to 15
 * significant digits, so equal data gives byte-identical output. A value
 * that does not exist (a percentile of nothing, a relative change from 0)
 * is null. Times are UTC, ISO 8601 ("2026-11-20T14:02:11Z"). Latency is
 * the upstream's total time for a request (first byte sent to last byte
 * received), in milliseconds. Percentiles are exact on the raw samples,
 * Hyndman-Fan type 7 (linear interpolation between closest ranks).
 *
 * SCHEMA (schema_version 1), the report (-f json):
 *
 *   schema_version  1; raised on any incompatible change
 *   kind            "report"
 *   test_run_id     the covered run ids as a string, oldest first,
 *                   comma-separated ("12", "10,11,12")
 *   run_ids         the same as numbers
 *   timestamp       start of the newest covered run
 *   service_name    the service
 *   total_requests  requests in the covered runs
 *   overall_avg_latency  mean latency over every request (ms)
 *   endpoints       object keyed "METHOD /template", sorted by p95
 *                   descending then key; each:
 *     path, method          the template and the method
 *     call_count            requests
 *     avg_latency_ms, p50_latency_ms, p95_latency_ms, p99_latency_ms
 *     error_rate            errors / call_count (a fraction, 0..1)
 *     errors                requests counted as errors (transport errors
 *                           and 5xx; with --errors 4xx also 4xx)
 *     min_latency_ms, p90_latency_ms, max_latency_ms, stddev_latency_ms
 *                           (stddev: sample standard deviation)
 *     throughput_rps        call_count / summed capture time of the runs
 *     avg_request_bytes, avg_response_bytes      body bytes per request
 *     total_request_bytes, total_response_bytes
 *     status_codes          {"200": 590, "500": 10}; "0" = no response
 *     error_kinds           {"timeout": 2}: transport failures by kind
 *                           (refused, reset, timeout, protocol, tls,
 *                           resolve, client_abort, internal, upstream,
 *                           rejected, head_too_large)
 *     distinct_paths        raw paths (no query) behind this key
 *     paths                 [{"path", "count"}], most frequent first; the
 *                           10 most frequent, every one with --show-paths
 *     per_run               only when several runs are covered: one entry
 *                           per run, oldest first: {run_id, call_count,
 *                           errors, avg_latency_ms, p50_latency_ms,
 *                           p95_latency_ms, p99_latency_ms} (null
 *                           latencies when the endpoint had no request)
 *   regressions     [] without a comparison; else one entry per metric
 *                   judged a regression: {endpoint, metric ("p50", "p95",
 *                   "p99", "mean", "error_rate"), baseline, current,
 *                   delta, delta_pct, judged_pct, environment_factor,
 *                   ci_low_pct, ci_high_pct, severity ("warning",
 *                   "critical"), message}; latencies in ms, error rates
 *                   as fractions (delta in fraction points); judged_pct is
 *                   the change the gate judged after removing the
 *                   environment factor (percentage points for the error
 *                   rate), and ci_low_pct..ci_high_pct its 95 % interval;
 *                   message is the gate's one-line wording
 *   alerts          [{kind, severity, endpoint, message}]: the gate's
 *                   findings ("rule", "environment_shift",
 *                   "host_mismatch", ...) and data notes
 *                   ("incomplete_run", "dropped_requests", "cut_paths",
 *                   "cache_hits", "other_hosts", "hosts");
 *                   severity "" when informational, endpoint null when
 *                   global
 *   recommendations [{endpoint, kind, message}] from the gate's evidence
 *   summary         {verdict ("none" without a comparison, else "pass",
 *                   "improved", "inconclusive", "new", "missing",
 *                   "regression"), gate_failed, endpoints, total_requests,
 *                   total_errors, error_rate, duration_s, throughput_rps,
 *                   min/avg/p50/p90/p95/p99/max_latency_ms,
 *                   stddev_latency_ms, avg_request_bytes,
 *                   avg_response_bytes, status_codes, error_kinds,
 *                   distinct_paths, dropped_requests,
 *                   skipped_cache_hits, skipped_other_hosts, hosts
 *                   ({host: requests} when several), complete (every run
 *                   finished normally), error_definition ("5xx" or
 *                   "4xx+5xx"), runner_disturbance {median, min, max,
 *                   line} when a covered run measured it}
 *   comparison      null without a gate; else {baseline (file name;
 *                   null when --rules alone were checked), rules (the
 *                   rules file or null), baseline_runs, threshold_pct, tests (metric tests
 *                   judged), test_level_pct (the one-sided level of each,
 *                   in %), single_run_baseline,
 *                   environment_shift, environment_factor,
 *                   runner_disturbance {current, baseline_median,
 *                   baseline_max, disturbed, set_aside, delay_ms,
 *                   delay_sd_ms (null unless measured), delay_endpoints}
 *                   when either side measured it, verdict,
 *                   failed, endpoints: {key: {verdict, severity,
 *                   baseline_count, current_count, metrics: {p50, p95,
 *                   p99, mean, error_rate: {baseline, current, delta,
 *                   delta_pct, judged_pct, environment_factor,
 *                   ci_low_pct, ci_high_pct, verdict, severity, reason,
 *                   message}}}}}; it also lists endpoints of the baseline
 *                   missing from this report; with --confirm, when there
 *                   were regressions to confirm, confirmation: {asked,
 *                   first_run, runs (re-run ids, oldest first), confirmed,
 *                   vanished, pending, rerun_exit_status (null unless a
 *                   re-run failed), findings: [{endpoint, metric, state
 *                   ("confirmed", "vanished", "pending"), severity,
 *                   first_judged_pct, runs (the re-runs pooled),
 *                   rerun_verdict, rerun_severity, rerun_judged_pct,
 *                   rerun_ci_low_pct, rerun_ci_high_pct, message}]}
 *   runs            the covered runs, newest first, each as in --list
 *
 * A run (--list -f json is {schema_version, kind: "runs", runs: [...]}):
 *   id, service, started_at, ended_at (null while running or when killed),
 *   duration_s (null when unknown), complete, requests, dropped,
 *   exit_status (of the wrapped command, null when unknown), git_commit,
 *   git_branch, command, source ("proxy" or "har:NAME sha256:HEX"),
 *   target, host {cpu, cores, os}, tool_version, max_concurrency,
 *   runner_disturbance (only when the run measured it)
 *
 * The trend (--trend -f json): {schema_version, kind: "trend",
 *   service_name, runs (newest first, as above), endpoints: {key: [one
 *   entry per run, oldest first: {run_id, started_at, call_count, errors,
 *   error_rate, avg_latency_ms, p50_latency_ms, p95_latency_ms,
 *   p99_latency_ms}]}}
 *
 * The change points (--changes -f json): {schema_version, kind:
 *   "changes", service_name, metric, min_runs, too_few, note ("" or the
 *   text note), runs (newest first, as above), endpoints: {key: {runs
 *   (with a figure), values ([metric per covered run, oldest first, null
 *   without a figure]), changes: [oldest first: {run_id,
 *   previous_run_id, commits ("abc1234..def5678" or null), before,
 *   after, change_pct (null when before is 0), p_value, score}]}}};
 *   latencies in ms, error_rate as a fraction */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "cpu_report.h"
#include "render_impl.h"
#include "resources.h"
#include "testreport.h"
#include "banned.h"

#define SCHEMA_VERSION 1
#define PATHS_DEFAULT 10

json_t *e2e_render_jstr(const char *s)
{
	struct e2e_buf b = E2E_BUF_INIT;
	json_t *j;

	e2e_fmt_utf8(&b, s ? s : "", false);
	j = json_string(b.data ? b.data : "");
	e2e_buf_finish(&b);
	return j;
}

static json_t *jstr(const char *s)
{
	return e2e_render_jstr(s);
}

static json_t *jnum(double v, int decimals)
{
	if (isnan(v) || isinf(v))
		return json_null();
	return json_real(e2e_fmt_round(v, decimals));
}

static json_t *jms(double v)
{
	return jnum(v, 3);
}

static json_t *jfrac(double v)
{
	return jnum(v, 6);
}

static json_t *jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static void set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

/* Object keys must be valid UTF-8 too. */
static void set_key(json_t *o, const char *key, json_t *v)
{
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_fmt_utf8(&b, key, false);
	json_object_set_new(o, b.data ? b.data : "", v);
	e2e_buf_finish(&b);
}

static json_t *jtime(int64_t ms)
{
	struct e2e_buf b = E2E_BUF_INIT;
	json_t *j;

	if (ms <= 0)
		return json_null();
	e2e_fmt_time(&b, ms, true);
	j = json_string(b.data);
	e2e_buf_finish(&b);
	return j;
}

static json_t *run_json(const struct e2e_run *r)
{
	json_t *o = json_object(), *host = json_object();

	set(o, "id", json_integer(r->id));
	set(o, "service", jstr(r->service));
	set(o, "started_at", jtime(r->started_ms));
	set(o, "ended_at", jtime(r->ended_ms));
	set(o, "duration_s", jms(e2e_report_run_duration_s(r)));
	set(o, "complete", json_boolean(r->complete));
	set(o, "requests", jint(r->recorded));
	set(o, "dropped", jint(r->dropped));
	set(o, "exit_status", r->exit_status < 0 ? json_null() : json_integer(r->exit_status));
	set(o, "git_commit", jstr(r->git_commit));
	set(o, "git_branch", jstr(r->git_branch));
	set(o, "command", jstr(r->command));
	set(o, "source", jstr(r->source));
	set(o, "target", jstr(r->target));
	set(host, "cpu", jstr(r->host_cpu));
	set(host, "cores", json_integer(r->host_cores));
	set(host, "os", jstr(r->host_os));
	set(o, "host", host);
	set(o, "tool_version", jstr(r->tool_version));
	set(o, "max_concurrency", jint(r->max_concurrency));
	if (r->disturbance_probes)
		set(o, "runner_disturbance", jnum(r->disturbance, 3));
	return o;
}

static json_t *runs_json(const struct e2e_run *runs, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, run_json(&runs[i]));
	return a;
}

static json_t *statuses_json(const struct e2e_endpoint_report *e)
{
	json_t *o = json_object();
	char key[16];

	for (size_t i = 0; i < e->nstatuses; i++) {
		snprintf(key, sizeof(key), "%u", (unsigned)e->statuses[i].status);
		set(o, key, jint(e->statuses[i].count));
	}
	return o;
}

static json_t *error_kinds_json(const struct e2e_endpoint_report *e)
{
	json_t *o = json_object();

	for (int k = 1; k < E2E_EK__COUNT; k++)
		if (e->error_kinds[k])
			set(o, e2e_error_kind_name(k), jint(e->error_kinds[k]));
	return o;
}

/* The latency and size figures endpoints and the summary share. */
static void figures(json_t *o, const struct e2e_endpoint_report *e)
{
	set(o, "min_latency_ms", jms(e->count ? e->min_ms : NAN));
	set(o, "p90_latency_ms", jms(e->p90_ms));
	set(o, "max_latency_ms", jms(e->count ? e->max_ms : NAN));
	set(o, "stddev_latency_ms", jms(e->stddev_ms));
	set(o, "throughput_rps", jnum(e->throughput_rps, 3));
	set(o, "avg_request_bytes", jnum(e->mean_req_bytes, 3));
	set(o, "avg_response_bytes", jnum(e->mean_resp_bytes, 3));
}

/* An endpoint's figures per covered run, oldest first; the trend view
 * adds started_at and error_rate. */
static json_t *points_json(const struct e2e_report *r, const struct e2e_endpoint_report *e, bool trend)
{
	json_t *a = json_array();

	for (size_t k = r->nruns; k-- > 0;) {
		struct e2e_trend_point one;
		const struct e2e_trend_point *t = e2e_render_point(e, k, &one);
		json_t *p = json_object();

		set(p, "run_id", json_integer(r->runs[k].id));
		if (trend)
			set(p, "started_at", jtime(r->runs[k].started_ms));
		set(p, "call_count", jint(t->count));
		set(p, "errors", jint(t->errors));
		if (trend)
			set(p, "error_rate",
			    t->count ? jfrac((double)t->errors / (double)t->count) : json_null());
		set(p, "avg_latency_ms", jms(t->mean_ms));
		set(p, "p50_latency_ms", jms(t->p50_ms));
		set(p, "p95_latency_ms", jms(t->p95_ms));
		set(p, "p99_latency_ms", jms(t->p99_ms));
		json_array_append_new(a, p);
	}
	return a;
}

/* SPEC section 11: an endpoint's top callers, [{"test", "count"}]. */
static json_t *callers_json(const struct e2e_tests_report *ts, size_t e)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ts->ntop[e]; i++) {
		json_t *c = json_object();

		set(c, "test", jstr(ts->tests[ts->top[e][i].test].name));
		set(c, "count", jint(ts->top[e][i].count));
		json_array_append_new(a, c);
	}
	return a;
}

/* The tests section: every test, slowest first. */
static json_t *tests_json(const struct e2e_tests_report *ts)
{
	json_t *o = json_object(), *items = json_array();

	set(o, "count", jint(ts->ntests));
	set(o, "outside_requests", jint(ts->outside));
	set(o, "unattributed_requests", jint(ts->unattributed));
	for (size_t i = 0; i < ts->ntests; i++) {
		const struct e2e_test_report *x = &ts->tests[i];
		json_t *t = json_object();

		set(t, "name", jstr(x->name));
		set(t, "status", jstr(x->status));
		set(t, "classname", jstr(x->classname));
		set(t, "duration_ms", jms(x->duration_ms));
		set(t, "http_ms", jms(x->http_ms));
		set(t, "requests", jint(x->requests));
		set(t, "errors", jint(x->errors));
		set(t, "runs", jint(x->runs));
		set(t, "passed_runs", jint(x->passed));
		set(t, "failed_runs", jint(x->failed));
		set(t, "flaky", json_boolean(x->flaky));
		json_array_append_new(items, t);
	}
	set(o, "tests", items);
	return o;
}

static json_t *endpoint_json(const struct e2e_render_input *in, const struct e2e_endpoint_report *e)
{
	const struct e2e_report *r = in->report;
	json_t *o = json_object(), *paths = json_array();

	set(o, "path", jstr(e->path));
	set(o, "method", jstr(e->method));
	set(o, "call_count", jint(e->count));
	set(o, "avg_latency_ms", jms(e->mean_ms));
	set(o, "p50_latency_ms", jms(e->p50_ms));
	set(o, "p95_latency_ms", jms(e->p95_ms));
	set(o, "p99_latency_ms", jms(e->p99_ms));
	set(o, "error_rate", jfrac(e->error_rate));
	set(o, "errors", jint(e->errors));
	figures(o, e);
	set(o, "total_request_bytes", jint(e->total_req_bytes));
	set(o, "total_response_bytes", jint(e->total_resp_bytes));
	set(o, "status_codes", statuses_json(e));
	set(o, "error_kinds", error_kinds_json(e));
	set(o, "distinct_paths", jint(e->npaths));
	for (size_t i = 0; i < e->npaths && (in->show_paths || i < PATHS_DEFAULT); i++) {
		json_t *p = json_object();

		set(p, "path", jstr(e->paths[i].path));
		set(p, "count", jint(e->paths[i].count));
		json_array_append_new(paths, p);
	}
	set(o, "paths", paths);
	if (e->per_run)
		set(o, "per_run", points_json(r, e, false));
	if (r->tests)
		set(o, "called_by", callers_json(r->tests, (size_t)(e - r->endpoints)));
	return o;
}

static json_t *metric_value(const struct e2e_metric_cmp *m, double v)
{
	return m->metric == E2E_METRIC_ERROR_RATE ? jfrac(v) : jms(v);
}

/* baseline, current, delta, delta_pct, judged_pct, environment_factor,
 * ci_low_pct, ci_high_pct */
static void metric_figures(json_t *o, const struct e2e_metric_cmp *x)
{
	set(o, "baseline", metric_value(x, x->baseline));
	set(o, "current", metric_value(x, x->current));
	set(o, "delta", metric_value(x, x->delta));
	set(o, "delta_pct", jms(x->delta_pct));
	set(o, "judged_pct", jms(x->judged_pct));
	set(o, "environment_factor", jnum(x->env_factor, 4));
	set(o, "ci_low_pct", jms(x->ci_lo_pct));
	set(o, "ci_high_pct", jms(x->ci_hi_pct));
	if (x->disturbance_ms > 0)
		set(o, "disturbance_ms", jms(x->disturbance_ms));
}

/* The gate's one-line wording of a metric's verdict. */
static json_t *metric_message(const struct e2e_metric_cmp *x)
{
	struct e2e_buf b = E2E_BUF_INIT;
	json_t *j;

	e2e_gate_format_metric(x, NULL, &b);
	j = jstr(b.data);
	e2e_buf_finish(&b);
	return j;
}

static json_t *regressions_json(const struct e2e_gate_result *g, const struct e2e_report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; g && i < g->nendpoints; i++) {
		for (size_t m = 0; m < E2E_METRIC__COUNT; m++) {
			const struct e2e_metric_cmp *x = &g->endpoints[i].metrics[m];
			json_t *o;

			if (x->verdict != E2E_VERDICT_REGRESSION)
				continue;
			o = json_object();
			set(o, "endpoint", jstr(g->endpoints[i].key));
			set(o, "metric", json_string(e2e_metric_name(x->metric)));
			metric_figures(o, x);
			set(o, "severity", json_string(e2e_severity_name(x->severity)));
			set(o, "message", metric_message(x));
			if (r->tests) {
				const struct e2e_endpoint_report *e = e2e_report_find(r, g->endpoints[i].key);
				set(o, "called_by",
				    e ? callers_json(r->tests, (size_t)(e - r->endpoints)) : json_array());
			}
			json_array_append_new(a, o);
		}
	}
	return a;
}

/* --gate-tests: every test's comparison (not only regressions). */
static json_t *test_gate_json(const struct e2e_gate_result *g)
{
	json_t *o = json_object(), *a = json_array();
	size_t reg = 0;

	for (size_t i = 0; i < g->ntests; i++) {
		const struct e2e_metric_cmp *x = &g->tests[i].duration;
		struct e2e_buf b = E2E_BUF_INIT;
		json_t *t = json_object();

		reg += x->verdict == E2E_VERDICT_REGRESSION;
		set(t, "name", jstr(g->tests[i].name));
		set(t, "verdict", json_string(e2e_verdict_name(x->verdict)));
		set(t, "severity", json_string(e2e_severity_name(x->severity)));
		set(t, "reason", x->reason ? json_string(x->reason) : json_null());
		set(t, "baseline_ms", jms(x->baseline));
		set(t, "current_ms", jms(x->current));
		set(t, "delta_pct", jms(x->delta_pct));
		set(t, "judged_pct", jms(x->judged_pct));
		set(t, "ci_low_pct", jms(x->ci_lo_pct));
		set(t, "ci_high_pct", jms(x->ci_hi_pct));
		set(t, "baseline_runs", jint(x->n_baseline));
		set(t, "current_runs", jint(x->n_current));
		e2e_gate_format_test(&g->tests[i], &b);
		set(t, "message", jstr(b.data));
		e2e_buf_finish(&b);
		json_array_append_new(a, t);
	}
	set(o, "judged", jint(g->tests_judged));
	set(o, "regressions", jint(reg));
	set(o, "tests", a);
	return o;
}

static void alert(json_t *a, const char *kind, const char *severity, const char *endpoint,
		  const char *message)
{
	json_t *o = json_object();

	set(o, "kind", jstr(kind));
	set(o, "severity", jstr(severity));
	set(o, "endpoint", endpoint ? jstr(endpoint) : json_null());
	set(o, "message", jstr(message));
	json_array_append_new(a, o);
}

static json_t *alerts_json(const struct e2e_report *r, const struct e2e_gate_result *g)
{
	json_t *a = json_array();
	struct e2e_buf b = E2E_BUF_INIT;

	for (size_t i = 0; g && i < g->nfindings; i++) {
		const struct e2e_finding *f = &g->findings[i];

		alert(a, f->kind, e2e_severity_name(f->severity), f->endpoint, f->message);
	}
	for (size_t i = r->nruns; i-- > 0;) {
		if (r->runs[i].complete)
			continue;
		e2e_buf_reset(&b);
		e2e_buf_printf(&b, "run %" PRId64 " did not finish normally: its figures may be partial",
			       r->runs[i].id);
		alert(a, "incomplete_run", "warning", NULL, b.data);
	}
	if (r->dropped) {
		e2e_buf_reset(&b);
		e2e_render_loss(&b, r->dropped, r->lost, e2e_loss_text(r->lost_cause));
		e2e_buf_puts(&b, " and are not counted");
		alert(a, "dropped_requests", "warning", NULL, b.data);
	}
	for (int k = 0; k < E2E_NOTE__COUNT; k++) {
		static const char *const kinds[E2E_NOTE__COUNT] = { "cache_hits", "other_hosts", "hosts",
								    "replay_late", "replay_skipped" };

		e2e_buf_reset(&b);
		if (e2e_render_run_note(&b, r, (enum e2e_note_kind)k))
			alert(a, kinds[k], "", NULL, b.data);
	}
	if (r->cut_paths) {
		e2e_buf_reset(&b);
		e2e_buf_printf(&b,
			       "%" PRIu64 " requests had a raw path longer than %d KiB, stored cut short "
			       "(ending in \"%s\")",
			       r->cut_paths, E2E_PATH_MAX / 1024, E2E_PATH_CUT_MARK);
		alert(a, "cut_paths", "warning", NULL, b.data);
	}
	e2e_buf_finish(&b);
	return a;
}

static json_t *advice_json(const struct e2e_gate_result *g)
{
	json_t *a = json_array();

	for (size_t i = 0; g && i < g->nadvice; i++) {
		json_t *o = json_object();

		set(o, "endpoint", g->advice[i].endpoint ? jstr(g->advice[i].endpoint) : json_null());
		set(o, "kind", jstr(g->advice[i].kind));
		set(o, "message", jstr(g->advice[i].message));
		json_array_append_new(a, o);
	}
	return a;
}

/* The newest run's CPU profile (cpu_report.h): its files, its grown frames. */
static json_t *cpu_json(const struct e2e_cpu_profile *p)
{
	json_t *o = json_object(), *files = json_array(), *grown = json_array();

	for (size_t i = 0; i < p->nfiles; i++) {
		json_t *f = json_object();
		set(f, "kind", json_string(p->files[i].kind));
		set(f, "endpoint", *p->files[i].endpoint ? jstr(p->files[i].endpoint) : json_null());
		set(f, "path", jstr(p->files[i].path));
		json_array_append_new(files, f);
	}
	for (size_t i = 0; i < p->ngrown; i++) {
		json_t *g = json_object();
		set(g, "frame", jstr(p->grown[i].frame));
		set(g, "baseline_share", jfrac(p->grown[i].base_share));
		set(g, "share", jfrac(p->grown[i].share));
		set(g, "change_pp", jnum(100.0 * (p->grown[i].share - p->grown[i].base_share), 3));
		json_array_append_new(grown, g);
	}
	set(o, "run_id", json_integer((json_int_t)p->run_id));
	set(o, "files", files);
	set(o, "grown_frames", grown);
	return o;
}

/* What the runs counted but did not record (model.h: run notes). */
static void notes_json(json_t *o, const struct e2e_report *r)
{
	json_t *hosts = json_object();
	uint64_t n[E2E_NOTE__COUNT] = { 0 };

	for (size_t i = 0; i < r->nnotes; i++) {
		n[r->notes[i].kind] += r->notes[i].count;
		if (r->notes[i].kind == E2E_NOTE_HOST)
			set(hosts, r->notes[i].name, jint(r->notes[i].count));
	}
	set(o, "skipped_cache_hits", jint(n[E2E_NOTE_CACHE_HITS]));
	set(o, "skipped_other_hosts", jint(n[E2E_NOTE_OTHER_HOSTS]));
	set(o, "hosts", hosts);
}

static json_t *run_disturbance_json(const struct e2e_report *r, double med, double lo, double hi)
{
	json_t *d = json_object();
	struct e2e_buf line = E2E_BUF_INIT;

	e2e_render_disturbance_line(&line, r);
	set(d, "median", jnum(med, 3));
	set(d, "min", jnum(lo, 3));
	set(d, "max", jnum(hi, 3));
	set(d, "line", jstr(line.data));
	e2e_buf_finish(&line);
	return d;
}

static json_t *summary_json(const struct e2e_report *r, const struct e2e_gate_result *g)
{
	const struct e2e_endpoint_report *e = &r->overall;
	json_t *o = json_object();
	double med, lo, hi;

	set(o, "verdict", json_string(g ? e2e_verdict_name(g->overall) : "none"));
	set(o, "gate_failed", json_boolean(g && g->failed));
	set(o, "endpoints", jint(r->nendpoints));
	set(o, "total_requests", jint(r->total_requests));
	set(o, "total_errors", jint(r->total_errors));
	set(o, "error_rate", jfrac(r->error_rate));
	set(o, "duration_s", jms(r->duration_s));
	set(o, "avg_latency_ms", jms(e->count ? e->mean_ms : NAN));
	set(o, "p50_latency_ms", jms(e->p50_ms));
	set(o, "p95_latency_ms", jms(e->p95_ms));
	set(o, "p99_latency_ms", jms(e->p99_ms));
	figures(o, e);
	set(o, "status_codes", statuses_json(e));
	set(o, "error_kinds", error_kinds_json(e));
	set(o, "distinct_paths", jint(r->distinct_paths));
	set(o, "dropped_requests", jint(r->dropped));
	notes_json(o, r);
	set(o, "complete", json_boolean(!r->incomplete));
	set(o, "error_definition", json_string(r->count_4xx ? "4xx+5xx" : "5xx"));
	if (r->nruns && e2e_render_disturbance(r, &med, &lo, &hi))
		set(o, "runner_disturbance", run_disturbance_json(r, med, lo, hi));
	return o;
}

/* null for a side that did not measure it */
static json_t *disturbance_json(const struct e2e_gate_result *g)
{
	json_t *o = json_object();

	set(o, "current", isnan(g->disturbance_current) ? json_null() : jnum(g->disturbance_current, 3));
	set(o, "baseline_median",
	    isnan(g->disturbance_baseline) ? json_null() : jnum(g->disturbance_baseline, 3));
	set(o, "baseline_max",
	    isnan(g->disturbance_baseline_max) ? json_null() : jnum(g->disturbance_baseline_max, 3));
	set(o, "disturbed", json_boolean(g->runner_disturbed));
	set(o, "set_aside", jint(g->disturbance_set_aside));
	set(o, "delay_ms", g->disturbance_delay_n ? jnum(g->disturbance_delay_ms, 3) : json_null());
	set(o, "delay_sd_ms", g->disturbance_delay_n ? jnum(g->disturbance_delay_sd_ms, 3) : json_null());
	set(o, "delay_endpoints", jint(g->disturbance_delay_n));
	return o;
}

/* --confirm: the first judgement's regressions judged on the re-runs. */
static json_t *ids_json(const int64_t *ids, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(ids[i]));
	return a;
}

static json_t *confirmation_json(const struct e2e_confirmation *c)
{
	json_t *o = json_object(), *items = json_array();

	set(o, "asked", jint(c->asked));
	set(o, "first_run", json_integer(c->first_run));
	set(o, "runs", ids_json(c->runs, c->nruns));
	set(o, "confirmed", jint(c->confirmed));
	set(o, "vanished", jint(c->vanished));
	set(o, "pending", jint(c->nitems - c->confirmed - c->vanished));
	set(o, "rerun_exit_status", c->rerun_status ? json_integer(c->rerun_status) : json_null());
	for (size_t i = 0; i < c->nitems; i++) {
		const struct e2e_confirm_item *it = &c->items[i];
		json_t *f = json_object();
		struct e2e_buf b = E2E_BUF_INIT;

		set(f, "endpoint", jstr(it->endpoint));
		set(f, "metric", json_string(e2e_metric_name(it->metric)));
		set(f, "state", json_string(e2e_confirm_state_name(it->state)));
		set(f, "severity", json_string(e2e_severity_name(it->severity)));
		set(f, "first_judged_pct", jnum(it->first_pct, 3));
		set(f, "runs", ids_json(c->runs, it->reruns < c->nruns ? it->reruns : c->nruns));
		set(f, "rerun_verdict",
		    it->reruns ? json_string(e2e_verdict_name(it->pooled_verdict)) : json_null());
		set(f, "rerun_severity",
		    json_string(e2e_severity_name(it->reruns ? it->pooled_severity : 0)));
		set(f, "rerun_judged_pct", jnum(it->pooled_pct, 3));
		set(f, "rerun_ci_low_pct", jnum(it->pooled_ci_lo_pct, 3));
		set(f, "rerun_ci_high_pct", jnum(it->pooled_ci_hi_pct, 3));
		e2e_render_confirm_line(&b, c, it);
		set(f, "message", jstr(b.data));
		e2e_buf_finish(&b);
		json_array_append_new(items, f);
	}
	set(o, "findings", items);
	return o;
}

static json_t *comparison_json(const struct e2e_gate_result *g)
{
	json_t *o, *eps;

	if (!g)
		return json_null();
	o = json_object();
	eps = json_object();
	set(o, "baseline", g->baseline_name ? jstr(g->baseline_name) : json_null());
	set(o, "rules", g->rules_name ? jstr(g->rules_name) : json_null());
	set(o, "baseline_runs", jint(g->baseline_runs));
	set(o, "threshold_pct", jms(g->threshold_pct));
	set(o, "tests", jint(g->comparisons));
	set(o, "test_level_pct", jnum(100 * g->test_level, 6));
	set(o, "single_run_baseline", json_boolean(g->single_run_baseline));
	set(o, "environment_shift", json_boolean(g->environment_shift));
	set(o, "environment_factor", g->environment_shift ? jnum(g->environment_factor, 4) : json_null());
	if (!isnan(g->disturbance_current) || !isnan(g->disturbance_baseline))
		set(o, "runner_disturbance", disturbance_json(g));
	set(o, "verdict", json_string(e2e_verdict_name(g->overall)));
	set(o, "failed", json_boolean(g->failed));
	for (size_t i = 0; i < g->nendpoints; i++) {
		const struct e2e_endpoint_cmp *c = &g->endpoints[i];
		json_t *e = json_object(), *ms = json_object();

		set(e, "verdict", json_string(e2e_verdict_name(c->verdict)));
		set(e, "severity", json_string(e2e_severity_name(c->severity)));
		set(e, "baseline_count", jint(c->n_baseline));
		set(e, "current_count", jint(c->n_current));
		for (size_t m = 0; m < E2E_METRIC__COUNT; m++) {
			const struct e2e_metric_cmp *x = &c->metrics[m];
			json_t *mo;

			/* CPU per request only where the service's cost was sampled */
			if (m == E2E_METRIC_CPU && isnan(x->baseline) && isnan(x->current))
				continue;
			mo = json_object();
			metric_figures(mo, x);
			set(mo, "verdict", json_string(e2e_verdict_name(x->verdict)));
			set(mo, "severity", json_string(e2e_severity_name(x->severity)));
			set(mo, "reason", x->reason ? jstr(x->reason) : json_null());
			set(mo, "message", metric_message(x));
			set(ms, e2e_metric_name(x->metric), mo);
		}
		set(e, "metrics", ms);
		set_key(eps, c->key, e);
	}
	set(o, "endpoints", eps);
	if (g->confirmation)
		set(o, "confirmation", confirmation_json(g->confirmation));
	return o;
}

static json_t *run_ids_json(const struct e2e_report *r)
{
	json_t *a = json_array();

	for (size_t i = r->nruns; i-- > 0;)
		json_array_append_new(a, json_integer(r->runs[i].id));
	return a;
}

/* ---- the service's own cost (resources.h); documented in
 * e2e-perf-report(1), JSON SCHEMA ---- */

static json_t *res_if(const struct e2e_res_report *r, unsigned have, json_t *v)
{
	if (r->have & have)
		return v;
	json_decref(v);
	return json_null();
}

static json_t *resources_json(const struct e2e_res_report *r)
{
	json_t *o = json_object(), *eps = json_array();

	set(o, "source", jstr(r->source));
	set(o, "sample_hz", jint(r->hz));
	set(o, "samples", jint(r->samples));
	set(o, "sampler_errors", jint(r->errors));
	set(o, "sampler_cpu_pct", jnum(r->sampler_cpu_pct, 3));
	set(o, "duration_s", jnum(r->duration_s, 3));
	set(o, "requests", jint(r->requests));
	set(o, "cpu_user_ms", res_if(r, E2E_RES_CPU, jms(r->cpu_user_ms)));
	set(o, "cpu_system_ms", res_if(r, E2E_RES_CPU, jms(r->cpu_sys_ms)));
	set(o, "cpu_ms_per_request", res_if(r, E2E_RES_CPU, jms(r->cpu_ms_per_request)));
	set(o, "cpu_attributable", json_boolean(r->attributable));
	set(o, "max_concurrency", jint(r->concurrency));
	for (size_t i = 0; i < r->nendpoints; i++) {
		json_t *e = json_object();

		set(e, "endpoint", jstr(r->endpoints[i].endpoint));
		set(e, "requests", jint(r->endpoints[i].requests));
		set(e, "cpu_ms_per_request", jms(r->endpoints[i].cpu_ms));
		json_array_append_new(eps, e);
	}
	set(o, "endpoints", eps);
	set(o, "rss_start_bytes", res_if(r, E2E_RES_RSS, jint(r->start_rss)));
	set(o, "rss_peak_bytes", res_if(r, E2E_RES_RSS, jint(r->peak_rss)));
	set(o, "rss_end_bytes", res_if(r, E2E_RES_RSS, jint(r->end_rss)));
	set(o, "rss_slope_bytes_per_s", res_if(r, E2E_RES_RSS, jnum(r->rss_slope_bps, 1)));
	set(o, "rss_growth_per_request_bytes", res_if(r, E2E_RES_RSS, jnum(r->rss_growth_per_request, 1)));
	set(o, "rss_growing", json_boolean(r->rss_growing));
	set(o, "threads_peak", res_if(r, E2E_RES_THREADS, jint(r->peak_threads)));
	set(o, "fds_peak", res_if(r, E2E_RES_FDS, jint(r->peak_fds)));
	set(o, "context_switches_voluntary", res_if(r, E2E_RES_CTX, jint(r->ctx_vol)));
	set(o, "context_switches_involuntary", res_if(r, E2E_RES_CTX, jint(r->ctx_invol)));
	set(o, "runq_wait_ms", res_if(r, E2E_RES_RUNQ, jms(r->runq_wait_ms)));
	set(o, "serve_log", jstr(r->serve_log));
	set(o, "serve_end", jstr(r->serve_end));
	return o;
}

static json_t *report_json(const struct e2e_render_input *in)
{
	const struct e2e_report *r = in->report;
	json_t *o = json_object(), *eps = json_object();
	struct e2e_buf ids = E2E_BUF_INIT;

	for (size_t i = r->nruns; i-- > 0;)
		e2e_buf_printf(&ids, "%s%" PRId64, i + 1 == r->nruns ? "" : ",", r->runs[i].id);
	set(o, "schema_version", json_integer(SCHEMA_VERSION));
	set(o, "kind", json_string("report"));
	set(o, "test_run_id", json_string(ids.data ? ids.data : ""));
	set(o, "run_ids", run_ids_json(r));
	set(o, "timestamp", jtime(r->nruns ? r->runs[0].started_ms : 0));
	set(o, "service_name", jstr(r->service));
	set(o, "total_requests", jint(r->total_requests));
	set(o, "overall_avg_latency", jms(r->total_requests ? r->overall_mean_ms : NAN));
	for (size_t i = 0; i < r->nendpoints; i++)
		set_key(eps, r->endpoints[i].key, endpoint_json(in, &r->endpoints[i]));
	set(o, "endpoints", eps);
	set(o, "regressions", regressions_json(in->gate, r));
	set(o, "alerts", alerts_json(r, in->gate));
	set(o, "recommendations", advice_json(in->gate));
	set(o, "summary", summary_json(r, in->gate));
	set(o, "comparison", comparison_json(in->gate));
	if (in->gate && in->gate->tests_gated) /* only then: other reports stay as they were */
		set(o, "test_gate", test_gate_json(in->gate));
	set(o, "runs", runs_json(r->runs, r->nruns));
	if (r->resources) /* only then: reports of unsampled runs stay as they were */
		set(o, "resources", resources_json(r->resources));
	if (r->tests)
		set(o, "tests", tests_json(r->tests));
	if (r->cpu)
		set(o, "cpu_profile", cpu_json(r->cpu));
	e2e_buf_finish(&ids);
	return o;
}

static json_t *trend_json(const struct e2e_render_input *in)
{
	const struct e2e_report *r = in->report;
	json_t *o = json_object(), *eps = json_object();

	set(o, "schema_version", json_integer(SCHEMA_VERSION));
	set(o, "kind", json_string("trend"));
	set(o, "service_name", jstr(r->service));
	set(o, "runs", runs_json(r->runs, r->nruns));
	for (size_t i = 0; i < r->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &r->endpoints[i];
		set_key(eps, e->key, points_json(r, e, true));
	}
	set(o, "endpoints", eps);
	return o;
}

static int dump(json_t *root, struct e2e_buf *out)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(15));

	json_decref(root);
	if (!s)
		return e2e_error(E2E_ERR_RUNTIME, "cannot format the JSON report");
	e2e_buf_puts(out, s);
	e2e_buf_putc(out, '\n');
	free(s);
	return 0;
}

int e2e_render_json(const struct e2e_render_input *in, struct e2e_buf *out)
{
	return dump(in->trend ? trend_json(in) : report_json(in), out);
}

int e2e_render_json_runs(const struct e2e_run *runs, size_t n, struct e2e_buf *out)
{
	json_t *o = json_object();

	set(o, "schema_version", json_integer(SCHEMA_VERSION));
	set(o, "kind", json_string("runs"));
	set(o, "runs", runs_json(runs, n));
	return dump(o, out);
}

/* --changes */

static json_t *change_json(const struct e2e_render_input *in, const struct e2e_change *c)
{
	const struct e2e_report *r = in->report;
	bool rate = in->changes->metric == E2E_CHANGES_ERROR_RATE;
	struct e2e_buf b = E2E_BUF_INIT;
	json_t *o = json_object();

	e2e_render_commits(&b, r, c);
	set(o, "run_id", json_integer(r->runs[c->run].id));
	set(o, "previous_run_id", json_integer(r->runs[c->prev_run].id));
	set(o, "commits", b.len ? jstr(b.data) : json_null());
	set(o, "before", rate ? jfrac(c->before) : jms(c->before));
	set(o, "after", rate ? jfrac(c->after) : jms(c->after));
	set(o, "change_pct", jnum(c->change * 100, 1));
	set(o, "p_value", json_real(c->pvalue));
	set(o, "score", jnum(c->score, 2));
	e2e_buf_finish(&b);
	return o;
}

static json_t *changes_json(const struct e2e_render_input *in)
{
	const struct e2e_report *r = in->report;
	const struct e2e_changes *c = in->changes;
	json_t *o = json_object(), *eps = json_object();
	struct e2e_buf note = E2E_BUF_INIT;

	e2e_render_changes_note(&note, in);
	set(o, "schema_version", json_integer(SCHEMA_VERSION));
	set(o, "kind", json_string("changes"));
	set(o, "service_name", jstr(r->service));
	set(o, "metric", json_string(e2e_changes_metric_name(c->metric)));
	set(o, "min_runs", jint(c->min_runs));
	set(o, "too_few", json_boolean(c->too_few));
	set(o, "note", jstr(note.data));
	set(o, "runs", runs_json(r->runs, r->nruns));
	for (size_t i = 0; i < c->nendpoints; i++) {
		const struct e2e_endpoint_changes *e = &c->endpoints[i];
		json_t *x = json_object(), *vals = json_array(), *list = json_array();

		for (size_t k = 0; k < e->nvalues; k++)
			json_array_append_new(vals, c->metric == E2E_CHANGES_ERROR_RATE ? jfrac(e->values[k])
											: jms(e->values[k]));
		for (size_t k = 0; k < e->nchanges; k++)
			json_array_append_new(list, change_json(in, &e->changes[k]));
		set(x, "runs", jint(e->with_data));
		set(x, "values", vals);
		set(x, "changes", list);
		set_key(eps, e->endpoint->key, x);
	}
	set(o, "endpoints", eps);
	e2e_buf_finish(&note);
	return o;
}

int e2e_render_json_changes(const struct e2e_render_input *in, struct e2e_buf *out)
{
	return dump(changes_json(in), out);
}

/* Unit tests for the renderers (render*.c) on in-memory models: exact
 * text output, the JSON parsed back and checked field by field, CSV and
 * JUnit structure, HTML self-containment, Markdown escaping, the trend and run-list views, and unsupported
 * format/view pairs. Golden files of every format on the fixture database
 * are in tests/cli/report.sh. */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gate.h"
#include "render.h"
#include "cpu_report.h"
#include "render_impl.h"
#include "report.h"
#include "testreport.h"
#include "testutil.h"

static struct e2e_path paths[] = {
	{ 1, "GET", "/users/1", "GET /users/{id}" },
	{ 2, "GET", "/users/2", "GET /users/{id}" },
	{ 3, "GET", "/health", "GET /health" },
	{ 4, "POST", "/a,b|c<d>", "POST /a,b|c<d>" },
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

static struct e2e_run mkrun(int64_t id, int64_t started_ms, uint64_t duration_ns, bool complete)
{
	struct e2e_run r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.service = "users-api";
	r.started_ms = started_ms;
	r.ended_ms = duration_ns ? started_ms + (int64_t)(duration_ns / 1000000) : 0;
	r.duration_ns = duration_ns;
	r.command = r.host_cpu = r.host_os = r.source = r.target = "";
	r.git_commit = "abc1234def";
	r.git_branch = "main";
	r.tool_version = "0.1.0";
	r.exit_status = 0;
	r.complete = complete;
	return r;
}

static struct e2e_sample smp(uint32_t path_id, uint32_t total_us, uint16_t status)
{
	struct e2e_sample s;

	memset(&s, 0, sizeof(s));
	s.path_id = path_id;
	s.total_us = total_us;
	s.status = status;
	s.resp_bytes = 100;
	return s;
}

static struct e2e_run runs[2];

/* Run 12 (10 s): GET /users/{id} x4 (10, 20, 30, 40 ms; paths 1,2,1,1),
 * GET /health x2 (1 ms), POST /a,b|c<d> x2 (5 ms 200, 7 ms 500). With
 * two runs, run 11 (older, 5 s, incomplete) adds GET /users/{id} 50 ms. */
static struct e2e_report *model(bool two)
{
	static struct e2e_sample s12[8], s11[1];
	struct e2e_report_run in[2];
	struct e2e_report *r = NULL;

	runs[0] = mkrun(12, 1795183331000, 10000000000ull, true);
	runs[1] = mkrun(11, 1795083331000, 5000000000ull, false);
	s12[0] = smp(1, 10000, 200);
	s12[1] = smp(2, 20000, 200);
	s12[2] = smp(1, 30000, 200);
	s12[3] = smp(1, 40000, 200);
	s12[4] = smp(3, 1000, 200);
	s12[5] = smp(3, 1000, 200);
	s12[6] = smp(4, 5000, 200);
	s12[7] = smp(4, 7000, 500);
	s11[0] = smp(2, 50000, 200);
	in[0] = (struct e2e_report_run){ &runs[0], s12, 8, NULL, 0, NULL, 0 };
	in[1] = (struct e2e_report_run){ &runs[1], s11, 1, NULL, 0, NULL, 0 };
	ck_assert_int_eq(e2e_report_compute(in, two ? 2 : 1, paths, NPATHS, NULL, &r), 0);
	return r;
}

/* A comparison: GET /users/{id} p95 regressed (critical), GET /health
 * passes, "GET /gone" is missing from the run. */
static struct e2e_endpoint_cmp cmps[3];
static struct e2e_finding findings[1];
static struct e2e_advice advice[1];
static struct e2e_gate_result gate;

static const struct e2e_gate_result *mkgate(void)
{
	memset(cmps, 0, sizeof(cmps));
	for (size_t i = 0; i < 3; i++)
		for (size_t m = 0; m < E2E_METRIC__COUNT; m++) {
			cmps[i].metrics[m].metric = (enum e2e_metric)m;
			cmps[i].metrics[m].ci_lo_pct = cmps[i].metrics[m].ci_hi_pct = NAN;
			cmps[i].metrics[m].env_factor = 1;
		}
	cmps[0].key = "GET /users/{id}";
	cmps[0].verdict = E2E_VERDICT_REGRESSION;
	cmps[0].severity = E2E_SEVERITY_CRITICAL;
	cmps[0].n_baseline = 40;
	cmps[0].n_current = 4;
	cmps[0].metrics[E2E_METRIC_P95] = (struct e2e_metric_cmp){ .metric = E2E_METRIC_P95,
								   .baseline = 12.5,
								   .current = 38.5,
								   .delta = 26,
								   .delta_pct = 208,
								   .judged_pct = 208,
								   .env_factor = 1,
								   .n_baseline = 40,
								   .n_current = 4,
								   .ci_lo_pct = 150,
								   .ci_hi_pct = 260,
								   .verdict = E2E_VERDICT_REGRESSION,
								   .severity = E2E_SEVERITY_CRITICAL };
	cmps[1].key = "GET /health";
	cmps[1].verdict = E2E_VERDICT_PASS;
	cmps[1].n_baseline = 20;
	cmps[1].n_current = 2;
	cmps[1].metrics[E2E_METRIC_P95].baseline = 1;
	cmps[1].metrics[E2E_METRIC_P95].current = 1;
	cmps[2].key = "GET /gone";
	cmps[2].verdict = E2E_VERDICT_MISSING;
	cmps[2].n_baseline = 9;
	for (size_t m = 0; m < E2E_METRIC__COUNT; m++) {
		cmps[2].metrics[m].verdict = E2E_VERDICT_MISSING;
		cmps[2].metrics[m].n_baseline = 9;
		cmps[2].metrics[m].baseline = m == E2E_METRIC_P50 ? 2 : 3;
	}
	findings[0] = (struct e2e_finding){ "host_mismatch", NULL, E2E_SEVERITY_WARNING,
					    "baseline host 'a' differs from 'b'" };
	advice[0] = (struct e2e_advice){ "GET /users/{id}", "tail_only",
					 "p50 unchanged, p95 +208%: the tail moved" };
	memset(&gate, 0, sizeof(gate));
	gate.endpoints = cmps;
	gate.nendpoints = 3;
	gate.findings = findings;
	gate.nfindings = 1;
	gate.advice = advice;
	gate.nadvice = 1;
	gate.overall = E2E_VERDICT_REGRESSION;
	gate.worst = E2E_SEVERITY_CRITICAL;
	gate.failed = true;
	gate.baseline_runs = 3;
	gate.threshold_pct = 50;
	gate.baseline_name = "baselines/users-api.json";
	return &gate;
}

static char *render(enum e2e_format f, const struct e2e_report *r, const struct e2e_gate_result *g,
		    bool show_paths, bool trend)
{
	struct e2e_render_input in = {
		.report = r, .gate = g, .show_paths = show_paths, .trend = trend, .tool_version = "test"
	};
	struct e2e_buf b = E2E_BUF_INIT;

	ck_assert_int_eq(e2e_render(f, &in, &b), 0);
	return e2e_buf_detach(&b, NULL);
}

START_TEST(text_report_exact)
{
	struct e2e_report *r = model(false);
	char *out = render(E2E_FORMAT_TEXT, r, NULL, false, false);
	const char *want = "service users-api, run 12 (2026-11-20 14:02:11 UTC, 8 requests in 10.0 s, commit "
			   "abc1234 main)\n"
			   "\n"
			   "ENDPOINT         N   ERR%     MEAN      P50      P95      P99      MAX  RPS\n"
			   "GET /users/{id}  4   0.0%  25.0 ms  25.0 ms  38.5 ms  39.7 ms  40.0 ms  0.4\n"
			   "POST /a,b|c<d>   2  50.0%  6.00 ms  6.00 ms  6.90 ms  6.98 ms  7.00 ms  0.2\n"
			   "GET /health      2   0.0%  1.00 ms  1.00 ms  1.00 ms  1.00 ms  1.00 ms  0.2\n"
			   "TOTAL            8  12.5%  14.3 ms  8.50 ms  36.5 ms  39.3 ms  40.0 ms  0.8\n"
			   "\n"
			   "raw paths behind templates (--show-paths lists all):\n"
			   "  GET /users/{id}: 2 paths, e.g. /users/1 (3), /users/2 (1)\n";

	ck_assert_str_eq(out, want);
	free(out);
	out = render(E2E_FORMAT_TEXT, r, NULL, true, false);
	ck_assert_ptr_nonnull(strstr(out, "raw paths per endpoint (4 distinct):\n"
					  "GET /users/{id}\n"
					  "  3  /users/1\n"
					  "  1  /users/2\n"));
	free(out);
	e2e_report_destroy(r);
}
END_TEST

START_TEST(text_report_gate)
{
	struct e2e_report *r = model(false);
	char *out = render(E2E_FORMAT_TEXT, r, mkgate(), false, false);

	ck_assert_ptr_nonnull(
		strstr(out, "\ngate: regression: 1 regressed (1 critical), 1 missing, 1 pass; gate failed "
			    "(baseline baselines/users-api.json, 3 runs, threshold 50%)\n"));
	ck_assert_ptr_nonnull(strstr(out, "BASE P95  CHANGE  VERDICT\n"));
	ck_assert_ptr_nonnull(strstr(out, "12.5 ms   +208%  regression (critical)\n"));
	ck_assert_ptr_nonnull(
		strstr(out, "\nGET /gone        -      -        -        -        -        -        -    -   "
			    "3.00 ms          missing\n"));
	ck_assert_ptr_nonnull(strstr(
		out, "\nPOST /a,b|c<d>   2  50.0%  6.00 ms  6.00 ms  6.90 ms  6.98 ms  7.00 ms  0.2\n"));
	ck_assert_ptr_nonnull(
		strstr(out, "\nregressions:\n  GET /users/{id}: p95 12.5 ms -> 38.5 ms (+208%, 95% CI "
			    "+150..+260%) regression [critical]\n\nmissing endpoints:\n  GET /gone: missing "
			    "endpoint (baseline p50 2.00 ms, 9 requests) missing\n"));
	ck_assert_ptr_nonnull(strstr(out, "  host_mismatch (warning): baseline host 'a' differs from 'b'\n"));
	ck_assert_ptr_nonnull(strstr(out, "  GET /users/{id}: p50 unchanged, p95 +208%: the tail moved\n"));
	ck_assert_ptr_null(strstr(out, "\033["));
	free(out);
	/* colour only when asked */
	struct e2e_render_input in = { .report = r, .gate = &gate, .color = true };
	struct e2e_buf b = E2E_BUF_INIT;

	ck_assert_int_eq(e2e_render(E2E_FORMAT_TEXT, &in, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\033[1mENDPOINT"));
	ck_assert_ptr_nonnull(strstr(b.data, "\033[31mregression (critical)\033[0m"));
	e2e_buf_finish(&b);
	e2e_report_destroy(r);
}
END_TEST

static json_t *parse_json(const char *s)
{
	json_error_t err;
	json_t *j = json_loads(s, 0, &err);

	ck_assert_msg(j != NULL, "invalid JSON at line %d: %s", err.line, err.text);
	return j;
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_number(v), "'%s' is not a number", key);
	return json_number_value(v);
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_string(v), "'%s' is not a string", key);
	return json_string_value(v);
}

START_TEST(json_fields)
{
	struct e2e_report *r = model(false);
	char *out = render(E2E_FORMAT_JSON, r, NULL, false, false);
	json_t *j = parse_json(out), *eps, *e, *s, *it;
	const char *key;
	size_t i = 0;
	static const char *const order[] = { "GET /users/{id}", "POST /a,b|c<d>", "GET /health" };

	ck_assert_int_eq((int)num(j, "schema_version"), 1);
	ck_assert_str_eq(str(j, "kind"), "report");
	ck_assert_str_eq(str(j, "test_run_id"), "12");
	ck_assert_str_eq(str(j, "timestamp"), "2026-11-20T14:02:11Z");
	ck_assert_str_eq(str(j, "service_name"), "users-api");
	ck_assert_int_eq((int)num(j, "total_requests"), 8);
	ck_assert(num(j, "overall_avg_latency") == 14.25);
	eps = json_object_get(j, "endpoints");
	ck_assert_int_eq((int)json_object_size(eps), 3);
	json_object_foreach(eps, key, it)
	{
		ck_assert_str_eq(key, order[i]);
		i++;
	}
	e = json_object_get(eps, "GET /users/{id}");
	ck_assert_str_eq(str(e, "path"), "/users/{id}");
	ck_assert_str_eq(str(e, "method"), "GET");
	ck_assert_int_eq((int)num(e, "call_count"), 4);
	ck_assert(num(e, "avg_latency_ms") == 25.0);
	ck_assert(num(e, "p50_latency_ms") == 25.0);
	ck_assert(num(e, "p95_latency_ms") == 38.5);
	ck_assert(num(e, "p99_latency_ms") == 39.7);
	ck_assert(num(e, "p90_latency_ms") == 37.0);
	ck_assert(num(e, "min_latency_ms") == 10.0);
	ck_assert(num(e, "max_latency_ms") == 40.0);
	ck_assert(num(e, "stddev_latency_ms") == 12.91);
	ck_assert(num(e, "error_rate") == 0);
	ck_assert(num(e, "throughput_rps") == 0.4);
	ck_assert(num(e, "avg_response_bytes") == 100);
	ck_assert_int_eq((int)num(e, "distinct_paths"), 2);
	ck_assert_str_eq(str(json_array_get(json_object_get(e, "paths"), 0), "path"), "/users/1");
	ck_assert_int_eq((int)num(json_array_get(json_object_get(e, "paths"), 0), "count"), 3);
	ck_assert_int_eq((int)num(json_object_get(e, "status_codes"), "200"), 4);
	ck_assert_ptr_null(json_object_get(e, "per_run"));
	e = json_object_get(eps, "POST /a,b|c<d>");
	ck_assert(num(e, "error_rate") == 0.5);
	ck_assert_int_eq((int)num(e, "errors"), 1);
	ck_assert_int_eq((int)num(json_object_get(e, "status_codes"), "500"), 1);
	ck_assert_int_eq((int)json_array_size(json_object_get(j, "regressions")), 0);
	ck_assert_int_eq((int)json_array_size(json_object_get(j, "alerts")), 0);
	ck_assert(json_is_null(json_object_get(j, "comparison")));
	s = json_object_get(j, "summary");
	ck_assert_str_eq(str(s, "verdict"), "none");
	ck_assert(json_is_false(json_object_get(s, "gate_failed")));
	ck_assert_int_eq((int)num(s, "total_errors"), 1);
	ck_assert(num(s, "error_rate") == 0.125);
	ck_assert(num(s, "p50_latency_ms") == 8.5);
	ck_assert(json_is_true(json_object_get(s, "complete")));
	ck_assert_str_eq(str(s, "error_definition"), "5xx");
	ck_assert_int_eq(
		(int)json_integer_value(json_object_get(json_array_get(json_object_get(j, "runs"), 0), "id")),
		12);
	json_decref(j);
	free(out);
	e2e_report_destroy(r);
}
END_TEST

START_TEST(json_gate_and_runs)
{
	struct e2e_report *r = model(true);
	char *out = render(E2E_FORMAT_JSON, r, mkgate(), false, false);
	json_t *j = parse_json(out), *reg, *al, *cmp, *pr;

	ck_assert_str_eq(str(j, "test_run_id"), "11,12");
	ck_assert_int_eq((int)json_integer_value(json_array_get(json_object_get(j, "run_ids"), 0)), 11);
	reg = json_object_get(j, "regressions");
	ck_assert_int_eq((int)json_array_size(reg), 1);
	ck_assert_str_eq(str(json_array_get(reg, 0), "endpoint"), "GET /users/{id}");
	ck_assert_str_eq(str(json_array_get(reg, 0), "metric"), "p95");
	ck_assert_str_eq(str(json_array_get(reg, 0), "severity"), "critical");
	ck_assert(num(json_array_get(reg, 0), "baseline") == 12.5);
	ck_assert(num(json_array_get(reg, 0), "current") == 38.5);
	ck_assert(num(json_array_get(reg, 0), "delta_pct") == 208);
	ck_assert(num(json_array_get(reg, 0), "ci_low_pct") == 150);
	ck_assert(num(json_array_get(reg, 0), "judged_pct") == 208);
	ck_assert_str_eq(str(json_array_get(reg, 0), "message"),
			 "p95 12.5 ms -> 38.5 ms (+208%, 95% CI +150..+260%) regression [critical]");
	al = json_object_get(j, "alerts");
	ck_assert_int_eq((int)json_array_size(al), 2);
	ck_assert_str_eq(str(json_array_get(al, 0), "kind"), "host_mismatch");
	ck_assert(json_is_null(json_object_get(json_array_get(al, 0), "endpoint")));
	ck_assert_str_eq(str(json_array_get(al, 1), "kind"), "incomplete_run");
	ck_assert_str_eq(str(json_array_get(json_object_get(j, "recommendations"), 0), "kind"), "tail_only");
	ck_assert_str_eq(str(json_object_get(j, "summary"), "verdict"), "regression");
	ck_assert(json_is_true(json_object_get(json_object_get(j, "summary"), "gate_failed")));
	ck_assert(json_is_false(json_object_get(json_object_get(j, "summary"), "complete")));
	cmp = json_object_get(j, "comparison");
	ck_assert_str_eq(str(cmp, "baseline"), "baselines/users-api.json");
	ck_assert_str_eq(str(json_object_get(json_object_get(cmp, "endpoints"), "GET /gone"), "verdict"),
			 "missing");
	ck_assert(json_is_null(json_object_get(
		json_object_get(
			json_object_get(json_object_get(json_object_get(cmp, "endpoints"), "GET /gone"),
					"metrics"),
			"p50"),
		"ci_low_pct")));
	/* per-run points, oldest first */
	pr = json_object_get(json_object_get(json_object_get(j, "endpoints"), "GET /users/{id}"), "per_run");
	ck_assert_int_eq((int)json_array_size(pr), 2);
	ck_assert_int_eq((int)num(json_array_get(pr, 0), "run_id"), 11);
	ck_assert(num(json_array_get(pr, 0), "p50_latency_ms") == 50);
	ck_assert_int_eq((int)num(json_array_get(pr, 1), "call_count"), 4);
	pr = json_object_get(json_object_get(json_object_get(j, "endpoints"), "GET /health"), "per_run");
	ck_assert(json_is_null(json_object_get(json_array_get(pr, 0), "p95_latency_ms")));
	json_decref(j);
	free(out);
	e2e_report_destroy(r);
}
END_TEST

/* Splits one CSV record (RFC 4180) into fields; returns their count and
 * moves *p past the record. */
static size_t csv_record(const char **p, char fields[][64], size_t max)
{
	size_t n = 0, len = 0;
	bool quoted = false;
	const char *s = *p;

	for (;; s++) {
		if (quoted) {
			if (*s == '"' && s[1] == '"') {
				fields[n][len++] = '"';
				s++;
			} else if (*s == '"') {
				quoted = false;
			} else {
				fields[n][len++] = *s;
			}
			continue;
		}
		if (*s == '"') {
			quoted = true;
		} else if (*s == ',' || *s == '\n' || *s == '\0') {
			fields[n][len] = '\0';
			n++;
			len = 0;
			if (*s != ',' || n == max)
				break;
		} else {
			fields[n][len++] = *s;
		}
	}
	*p = *s ? s + 1 : s;
	return n;
}

START_TEST(csv_structure)
{
	struct e2e_report *r = model(false);
	char *out = render(E2E_FORMAT_CSV, r, mkgate(), false, false);
	char f[40][64];
	const char *p = out;
	size_t ncols = csv_record(&p, f, 40), rows = 0;

	ck_assert_uint_eq(ncols, 29);
	ck_assert_str_eq(f[0], "service");
	ck_assert_str_eq(f[27], "p95_delta_pct");
	ck_assert_str_eq(f[28], "confirmation");
	while (*p) {
		ck_assert_uint_eq(csv_record(&p, f, 40), ncols);
		rows++;
		if (strcmp(f[2], "POST /a,b|c<d>") == 0) {
			ck_assert_str_eq(f[4], "/a,b|c<d>");
			ck_assert_str_eq(f[7], "0.500000");
			ck_assert_str_eq(f[20], "");
		}
		if (strcmp(f[2], "GET /users/{id}") == 0) {
			ck_assert_str_eq(f[13], "38.500");
			ck_assert_str_eq(f[20], "regression");
			ck_assert_str_eq(f[21], "critical");
			ck_assert_str_eq(f[22], "40");
			ck_assert_str_eq(f[24], "12.500");
			ck_assert_str_eq(f[27], "208.000");
		}
		if (strcmp(f[2], "GET /gone") == 0) {
			ck_assert_str_eq(f[3], "GET");
			ck_assert_str_eq(f[5], "0");
			ck_assert_str_eq(f[20], "missing");
			ck_assert_str_eq(f[27], "");
		}
	}
	ck_assert_uint_eq(rows, 4);
	free(out);
	e2e_report_destroy(r);
}
END_TEST

START_TEST(junit_failures)
{
	struct e2e_report *r = model(false);
	char *out = render(E2E_FORMAT_JUNIT, r, mkgate(), false, false);

	ck_assert_ptr_nonnull(
		strstr(out, "<testsuites name=\"e2e perf-report\" tests=\"4\" failures=\"1\" errors=\"0\" "
			    "skipped=\"1\" time=\"10.000\">"));
	ck_assert_ptr_nonnull(strstr(
		out, "<testcase classname=\"users-api\" name=\"GET /users/{id}\" time=\"0.025000\">\n"
		     "      <failure type=\"regression\" message=\"p95 12.5 ms -&gt; 38.5 ms (+208%, 95% "
		     "CI +150..+260%) regression [critical]\">"));
	ck_assert_ptr_nonnull(strstr(out, "name=\"POST /a,b|c&lt;d&gt;\""));
	ck_assert_ptr_nonnull(strstr(out, "name=\"GET /gone\" time=\"0.000000\">\n      <skipped "));
	ck_assert_ptr_nonnull(strstr(out, "<system-out>host_mismatch: baseline host &#39;a&#39; differs from "
					  "&#39;b&#39;\n</system-out>"));
	free(out);
	out = render(E2E_FORMAT_JUNIT, r, NULL, false, false);
	ck_assert_ptr_nonnull(strstr(out, "tests=\"3\" failures=\"0\""));
	ck_assert_ptr_null(strstr(out, "<failure"));
	free(out);
	e2e_report_destroy(r);
}
END_TEST

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* --compact: only the endpoints that need a look; nothing when all pass
 * unless --always, then the verdict line alone. */
START_TEST(markdown_compact)
{
	struct e2e_report *r = model(false);
	struct e2e_gate_result *g = (struct e2e_gate_result *)mkgate();
	struct e2e_render_input in = { .report = r, .gate = g, .tool_version = "test", .compact = true };
	struct e2e_buf b = E2E_BUF_INIT;

	ck_assert_int_eq(e2e_render(E2E_FORMAT_MARKDOWN, &in, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "| `GET /users/{id}` |"));
	ck_assert_ptr_nonnull(strstr(b.data, "| `GET /gone` |"));
	ck_assert_ptr_null(strstr(b.data, "| `GET /health` |"));
	ck_assert_ptr_null(strstr(b.data, "<summary>Run</summary>"));
	ck_assert_ptr_null(strstr(b.data, "CPU profile"));
	/* a run with a CPU profile: its grown frames and links, as the full
	 * Markdown has them */
	r->cpu = e2e_cpu_profile_create(42);
	e2e_cpu_profile_add_grown(r->cpu, "json_dumps", 0.02, 0.43);
	e2e_cpu_profile_add_file(r->cpu, E2E_CPU_FILE_FLAME, "", "perf/cpu.svg");
	e2e_cpu_profile_add_file(r->cpu, E2E_CPU_FILE_ENDPOINT, "GET /users/{id}", "perf/cpu <users>.svg");
	{
		static const char want[] =
			"\n### CPU profile of run 42\n\n"
			"Self time grew most in: json\\_dumps +41.0 pp of samples (2.0% -&gt; 43.0%)\n\n"
			"- [flame graph](<perf/cpu.svg>)\n"
			"- [flame graph of GET /users/{id}](<perf/cpu _users_.svg>)\n";
		struct e2e_buf full = E2E_BUF_INIT;
		const char *at;

		e2e_buf_reset(&b);
		ck_assert_int_eq(e2e_render(E2E_FORMAT_MARKDOWN, &in, &b), 0);
		at = strstr(b.data, "\n### CPU profile of run 42");
		ck_assert_ptr_nonnull(at);
		ck_assert_str_eq(at, want);
		in.compact = false;
		ck_assert_int_eq(e2e_render(E2E_FORMAT_MARKDOWN, &in, &full), 0);
		in.compact = true;
		ck_assert_ptr_nonnull(strstr(full.data, want));
		e2e_buf_finish(&full);
	}
	e2e_buf_reset(&b);
	cmps[0].verdict = E2E_VERDICT_PASS;
	cmps[2].verdict = E2E_VERDICT_PASS;
	g->overall = E2E_VERDICT_PASS;
	g->failed = false;
	ck_assert_int_eq(e2e_render(E2E_FORMAT_MARKDOWN, &in, &b), 0);
	ck_assert_uint_eq(b.len, 0);
	in.always = true;
	ck_assert_int_eq(e2e_render(E2E_FORMAT_MARKDOWN, &in, &b), 0);
	ck_assert_str_eq(b.data, "### ✅ users-api: **pass: 3 pass; gate passed**\n\n");
	e2e_buf_finish(&b);
	e2e_report_destroy(r);
}
END_TEST

/* -f github: one command per regressed endpoint and per finding with a
 * severity, then the notice; nothing from the data can end a command or
 * start one of its own (%, CR, LF; and : , in the title). */
START_TEST(github_commands)
{
	static const char want[] =
		"::error title=e2e%3A POST /50%25%3Aoff%2Cnow%0D%0A%3A%3Aerror%3A%3Ax regressed::"
		"POST /50%25:off,now%0D%0A::error::x: p95 12.5 ms -> 38.5 ms (+208%25, 95%25 CI "
		"+150..+260%25) regression [critical]\n"
		"::warning title=e2e%3A host_mismatch::baseline host 'a' differs from 'b'\n"
		"::notice title=e2e perf-report users-api::service users-api, run ";
	static const char notice[] = "::notice title=e2e perf-report users-api::service users-api, run ";
	struct e2e_report *r = model(false);
	const struct e2e_gate_result *g = mkgate();
	char *out;

	cmps[0].key = "POST /50%:off,now\r\n::error::x";
	out = render(E2E_FORMAT_GITHUB, r, g, false, false);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "got:\n%s", out);
	ck_assert_ptr_nonnull(strstr(out, "%0Agate: regression"));
	ck_assert_int_eq(count(out, "\n"), 3); /* one line per command */
	free(out);
	out = render(E2E_FORMAT_GITHUB, r, NULL, false, false);
	ck_assert_msg(strncmp(out, notice, strlen(notice)) == 0, "got:\n%s", out);
	ck_assert_int_eq(count(out, "\n"), 1);
	ck_assert_ptr_null(strstr(out, "gate:"));
	free(out);
	e2e_report_destroy(r);
}
END_TEST

/* GitLab Code Quality: one issue per regressed metric and per finding
 * with a severity, the gate's line as the description, a fingerprint that
 * names the problem (not its numbers), the baseline file as location. */
START_TEST(gitlab_codequality)
{
	struct e2e_report *r = model(true);
	char *out = render(E2E_FORMAT_GITLAB, r, mkgate(), false, false);
	json_error_t err;
	json_t *j = json_loads(out, 0, &err), *p95, *host;
	char *again;

	ck_assert_msg(j && json_is_array(j), "not a JSON array: %s\n%s", err.text, out);
	ck_assert_uint_eq(json_array_size(j), 2);
	p95 = json_array_get(j, 0);
	host = json_array_get(j, 1);
	ck_assert_str_eq(
		json_string_value(json_object_get(p95, "description")),
		"GET /users/{id}: p95 12.5 ms -> 38.5 ms (+208%, 95% CI +150..+260%) regression [critical]");
	ck_assert_str_eq(json_string_value(json_object_get(p95, "check_name")), "e2e-perf/p95");
	ck_assert_str_eq(json_string_value(json_object_get(p95, "severity")), "critical");
	ck_assert_str_eq(json_string_value(json_object_get(host, "check_name")), "e2e-perf/host_mismatch");
	ck_assert_str_eq(json_string_value(json_object_get(host, "severity")), "major");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p95, "location"), "path")),
			 "baselines/users-api.json");
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(json_object_get(p95, "location"), "lines"), "begin")),
			 1);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(p95, "fingerprint"))), 64);
	ck_assert_str_ne(json_string_value(json_object_get(p95, "fingerprint")),
			 json_string_value(json_object_get(host, "fingerprint")));
	/* other numbers, the same problem: the same fingerprint */
	cmps[0].metrics[E2E_METRIC_P95].current = 99;
	again = render(E2E_FORMAT_GITLAB, r, &gate, false, false);
	ck_assert_ptr_null(strstr(again, "38.5 ms"));
	ck_assert_ptr_nonnull(strstr(again, json_string_value(json_object_get(p95, "fingerprint"))));
	free(again);
	json_decref(j);
	free(out);
	out = render(E2E_FORMAT_GITLAB, r, NULL, false, false);
	ck_assert_str_eq(out, "[]\n");
	free(out);
	e2e_report_destroy(r);
}
END_TEST

START_TEST(html_self_contained)
{
	struct e2e_report *r = model(true);
	char *out = render(E2E_FORMAT_HTML, r, mkgate(), false, false);

	/* percentiles, then per endpoint the overlay of both sides (with a
	   comparison) and the trend */
	ck_assert_uint_eq(count(out, "<svg "), 1 + 3 + 3);
	ck_assert_uint_eq(count(out, "class=\"overlay\""), 3);
	ck_assert_uint_eq(count(out, "class=\"dist\""), 0);
	ck_assert_uint_eq(count(out, "class=\"trend\""), 3);
	ck_assert_uint_eq(count(out, "http"), count(out, "xmlns=\"http://www.w3.org/2000/svg\""));
	ck_assert_ptr_null(strstr(out, "src="));
	ck_assert_ptr_null(strstr(out, "href="));
	/* one script, the layout check, which does nothing without ?check */
	ck_assert_uint_eq(count(out, "<script"), 1);
	ck_assert_ptr_nonnull(strstr(out, "if (!/[?&]check\\b/.test(location.search)) return;"));
	/* the regression first and expanded, the others collapsed */
	ck_assert_ptr_nonnull(strstr(out, "<details class=\"endpoint\" open=\"open\">\n<summary><code>GET "
					  "/users/{id}</code> <span class=\"regression\">"));
	ck_assert_uint_eq(count(out, "<details class=\"endpoint\" open=\"open\">"), 1);
	ck_assert_uint_eq(count(out, "<details class=\"endpoint\">"), 3); /* GET /gone too */
	ck_assert_ptr_null(strstr(out, "c<d>"));
	ck_assert_ptr_nonnull(strstr(out, "<code>POST /a,b|c&lt;d&gt;</code>"));
	ck_assert_ptr_nonnull(strstr(out, "<p class=\"verdict fail\">regression: 1 regressed (1 critical)"));
	ck_assert_ptr_nonnull(
		strstr(out, "<li class=\"regression\">GET /users/{id}: p95 12.5 ms -&gt; 38.5 ms (+208%, "
			    "95% CI +150..+260%) regression [critical]</li>\n"));
	free(out);
	e2e_report_destroy(r);
}
END_TEST

/* Each verdict has its own section, in a fixed order whatever the order
 * of the endpoints: regressions, inconclusive, new, missing, improved. */
START_TEST(gate_sections)
{
	static struct {
		char key[16];
		enum e2e_verdict v;
	} eps[] = {
		{ "GET /better", E2E_VERDICT_IMPROVED }, { "GET /gone", E2E_VERDICT_MISSING },
		{ "GET /fresh", E2E_VERDICT_NEW },	 { "GET /noisy", E2E_VERDICT_INCONCLUSIVE },
		{ "GET /slow", E2E_VERDICT_REGRESSION },
	};
	static const char *const text_order[] = {
		"\nregressions:\n  GET /slow: ", "\ninconclusive:\n  GET /noisy: ",
		"\nnew endpoints:\n  GET /fresh: ", "\nmissing endpoints:\n  GET /gone: ",
		"\nimproved:\n  GET /better: "
	};
	static const char *const md_order[] = { "<summary>Regressions</summary>\n\n- GET /slow: ",
						"<summary>Inconclusive</summary>\n\n- GET /noisy: ",
						"<summary>New endpoints</summary>\n\n- GET /fresh: ",
						"<summary>Missing endpoints</summary>\n\n- GET /gone: ",
						"<summary>Improved</summary>\n\n- GET /better: " };
	static const char *const html_order[] = {
		"<h3>regressions</h3>\n<ul>\n<li class=\"regression\">GET /slow: ",
		"</ul>\n<h3>inconclusive</h3>\n<ul>\n<li class=\"inconclusive\">GET /noisy: ",
		"</ul>\n<h3>new endpoints</h3>\n<ul>\n<li class=\"new\">GET /fresh: ",
		"</ul>\n<h3>missing endpoints</h3>\n<ul>\n<li class=\"missing\">GET /gone: ",
		"</ul>\n<h3>improved</h3>\n<ul>\n<li class=\"improved\">GET /better: "
	};
	struct e2e_endpoint_cmp c[5];
	struct e2e_gate_result g;
	char bname[] = "b.json";
	struct e2e_report *r = model(false);
	const enum e2e_format fmt[] = { E2E_FORMAT_TEXT, E2E_FORMAT_MARKDOWN, E2E_FORMAT_HTML };
	const char *const *order[] = { text_order, md_order, html_order };

	memset(c, 0, sizeof(c));
	for (size_t i = 0; i < 5; i++) {
		c[i].key = eps[i].key;
		c[i].verdict = eps[i].v;
		for (size_t m = 0; m < E2E_METRIC__COUNT; m++) {
			c[i].metrics[m] = (struct e2e_metric_cmp){ .metric = (enum e2e_metric)m,
								   .baseline = 10,
								   .current = 10,
								   .ci_lo_pct = NAN,
								   .ci_hi_pct = NAN,
								   .env_factor = 1,
								   .verdict = E2E_VERDICT_PASS };
		}
		c[i].metrics[E2E_METRIC_P95].verdict = eps[i].v;
		if (eps[i].v == E2E_VERDICT_REGRESSION)
			c[i].metrics[E2E_METRIC_P95].severity = E2E_SEVERITY_WARNING;
	}
	memset(&g, 0, sizeof(g));
	g.endpoints = c;
	g.nendpoints = 5;
	g.overall = E2E_VERDICT_REGRESSION;
	g.baseline_runs = 3;
	g.threshold_pct = 50;
	g.baseline_name = bname;
	for (size_t f = 0; f < 3; f++) {
		char *out = render(fmt[f], r, &g, false, false);
		const char *at = out;

		for (size_t k = 0; k < 5; k++) {
			const char *hit = strstr(at, order[f][k]);

			ck_assert_msg(hit != NULL, "format %zu: '%s' not after the previous section in:\n%s",
				      f, order[f][k], out);
			at = hit + 1;
		}
		ck_assert_ptr_null(strstr(out, "other verdicts"));
		free(out);
	}
	e2e_report_destroy(r);
}
END_TEST

START_TEST(markdown_layout)
{
	struct e2e_report *r = model(false);
	char *out = render(E2E_FORMAT_MARKDOWN, r, mkgate(), false, false);

	ck_assert_msg(
		strncmp(out,
			"### ❌ users-api: **regression: 1 regressed (1 critical), 1 missing, 1 pass; gate "
			"failed**\n\n| Endpoint |",
			strlen("### ❌ users-api: **regression: 1 regressed (1 critical), 1 missing, 1 pass; "
			       "gate "
			       "failed**\n\n| Endpoint |")) == 0,
		"%s", out);
	ck_assert_ptr_nonnull(
		strstr(out, "| `GET /users/{id}` | 40 → 4 | 0.000 → 0.000 ms | 12.5 → 38.5 ms |"));
	ck_assert_ptr_nonnull(strstr(out, "| `POST /a,b\\|c<d>` |"));
	ck_assert_ptr_nonnull(strstr(out, "| **regression** (critical) |\n"));
	ck_assert_ptr_nonnull(strstr(out, "| `GET /gone` | 9 → - |"));
	ck_assert_ptr_nonnull(strstr(
		out, "<details><summary>Regressions</summary>\n\n- GET /users/{id}: p95 12.5 ms -&gt; "
		     "38.5 ms (+208%, 95% CI +150..+260%) regression \\[critical\\]\n\n</details>\n"
		     "\n<details><summary>Missing endpoints</summary>\n\n- GET /gone: missing endpoint "
		     "(baseline p50 2.00 ms, 9 requests) missing\n\n</details>\n"));
	ck_assert_ptr_nonnull(
		strstr(out, "<details><summary>Recommendations</summary>\n\n- `GET /users/{id}`: p50 "
			    "unchanged, p95 +208%: the tail moved\n"));
	free(out);
	out = render(E2E_FORMAT_MARKDOWN, r, NULL, false, false);
	ck_assert_str_eq(strstr(out, "### users-api: 8 requests, 3 endpoints, 12.5% errors, p95 36.5 ms\n")
				 ? "ok"
				 : out,
			 "ok");
	free(out);
	e2e_report_destroy(r);
}
END_TEST

START_TEST(trend_views)
{
	struct e2e_report *r = model(true);
	char *out = render(E2E_FORMAT_TEXT, r, NULL, false, true);
	json_t *j, *e;
	struct e2e_render_input in = { .report = r, .trend = true };
	struct e2e_buf b = E2E_BUF_INIT;

	ck_assert_ptr_nonnull(strstr(
		out,
		"service users-api: trend over 2 runs (2026-11-19 10:15:31 UTC to 2026-11-20 "
		"14:02:11 UTC)\n\nGET /users/{id}\n"
		"  RUN  STARTED                  COMMIT   N  ERR%     MEAN      P50      P95      P99\n"
		"   11  2026-11-19 10:15:31 UTC  abc1234  1  0.0%  50.0 ms  50.0 ms  50.0 ms  50.0 ms\n"
		"   12  2026-11-20 14:02:11 UTC  abc1234  4  0.0%  25.0 ms  25.0 ms  38.5 ms  39.7 ms\n"));
	ck_assert_ptr_nonnull(
		strstr(out, "   11  2026-11-19 10:15:31 UTC  abc1234  0     -        -        -        -"));
	free(out);
	out = render(E2E_FORMAT_JSON, r, NULL, false, true);
	j = parse_json(out);
	ck_assert_str_eq(str(j, "kind"), "trend");
	e = json_object_get(json_object_get(j, "endpoints"), "GET /users/{id}");
	ck_assert_int_eq((int)json_array_size(e), 2);
	ck_assert_int_eq((int)num(json_array_get(e, 0), "run_id"), 11);
	ck_assert(num(json_array_get(e, 1), "p95_latency_ms") == 38.5);
	json_decref(j);
	free(out);
	out = render(E2E_FORMAT_CSV, r, NULL, false, true);
	ck_assert_ptr_nonnull(strstr(
		out,
		"users-api,GET /users/{id},11,2026-11-19T10:15:31Z,abc1234def,1,0,0.000000,50.000,50.000,"
		"50.000,50.000\n"));
	free(out);
	ck_assert_int_eq(e2e_render(E2E_FORMAT_JUNIT, &in, &b), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "'--trend' supports -f text, json, markdown, html, csv");
	e2e_buf_finish(&b);
	e2e_report_destroy(r);
}
END_TEST

START_TEST(run_lists)
{
	struct e2e_run rs[2] = { mkrun(12, 1795183331000, 38200000000ull, true),
				 mkrun(11, 1795083331000, 0, false) };
	struct e2e_buf b = E2E_BUF_INIT;
	json_t *j;

	rs[0].recorded = 1204;
	ck_assert_int_eq(e2e_render_runs(E2E_FORMAT_TEXT, rs, 2, &b), 0);
	ck_assert_str_eq(
		b.data,
		"ID  SERVICE    STARTED                  COMMIT   BRANCH  REQUESTS  DURATION  STATUS\n"
		"12  users-api  2026-11-20 14:02:11 UTC  abc1234  main       1,204    38.2 s  complete\n"
		"11  users-api  2026-11-19 10:15:31 UTC  abc1234  main           0         -  incomplete\n");
	e2e_buf_reset(&b);
	ck_assert_int_eq(e2e_render_runs(E2E_FORMAT_JSON, rs, 2, &b), 0);
	j = parse_json(b.data);
	ck_assert_str_eq(str(j, "kind"), "runs");
	ck_assert(num(json_array_get(json_object_get(j, "runs"), 0), "duration_s") == 38.2);
	ck_assert(json_is_null(json_object_get(json_array_get(json_object_get(j, "runs"), 1), "ended_at")));
	ck_assert(json_is_false(json_object_get(json_array_get(json_object_get(j, "runs"), 1), "complete")));
	json_decref(j);
	e2e_buf_reset(&b);
	ck_assert_int_eq(e2e_render_runs(E2E_FORMAT_CSV, rs, 2, &b), 0);
	ck_assert_ptr_nonnull(strstr(
		b.data, "\n12,users-api,2026-11-20T14:02:11Z,2026-11-20T14:02:49Z,38.200,true,1204,0,0,"
			"abc1234def,main,,,,0,,0.1.0\n"));
	e2e_buf_reset(&b);
	ck_assert_int_eq(e2e_render_runs(E2E_FORMAT_TEXT, NULL, 0, &b), 0);
	ck_assert_str_eq(b.data, "no runs recorded\n");
	ck_assert_int_eq(e2e_render_runs(E2E_FORMAT_HTML, rs, 2, &b), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "'--list' supports -f text, json, csv");
	e2e_buf_finish(&b);
}
END_TEST

START_TEST(empty_report_every_format)
{
	struct e2e_run run = mkrun(3, 1795183331000, 1000000000ull, true);
	struct e2e_report_run in = { &run, NULL, 0, NULL, 0, NULL, 0 };
	struct e2e_report *r = NULL;
	char *out;

	ck_assert_int_eq(e2e_report_compute(&in, 1, paths, NPATHS, NULL, &r), 0);
	for (int f = E2E_FORMAT_TEXT; f <= E2E_FORMAT_JUNIT; f++) {
		out = render((enum e2e_format)f, r, NULL, false, false);
		ck_assert_msg(out[0] != '\0', "format %d printed nothing", f);
		free(out);
	}
	out = render(E2E_FORMAT_TEXT, r, NULL, false, false);
	ck_assert_ptr_nonnull(strstr(out, "\nno requests recorded\n"));
	free(out);
	out = render(E2E_FORMAT_JSON, r, NULL, false, false);
	json_t *j = parse_json(out);
	ck_assert(json_is_null(json_object_get(j, "overall_avg_latency")));
	ck_assert_int_eq((int)json_object_size(json_object_get(j, "endpoints")), 0);
	json_decref(j);
	free(out);
	e2e_report_destroy(r);
}
END_TEST

/* The note on requests left out names each cause with its count. */
START_TEST(loss_notes)
{
	static const struct {
		uint64_t dropped, lost;
		const char *cause;
		const char *want;
	} cases[] = {
		{ 1, 0, "", "1 request was dropped (capture queue full)" },
		{ 3, 0, "", "3 requests were dropped (capture queue full)" },
		{ 2988, 2988, "disk full", "2,988 requests were not recorded (disk full)" },
		{ 1, 1, "database locked", "1 request was not recorded (database locked)" },
		{ 3000, 2988, "disk full",
		  "3,000 requests were not recorded (capture queue full: 12, disk full: 2,988)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_buf b = E2E_BUF_INIT;

		e2e_render_loss(&b, cases[i].dropped, cases[i].lost, cases[i].cause);
		ck_assert_msg(strcmp(b.data, cases[i].want) == 0, "case %zu: got '%s', want '%s'", i, b.data,
			      cases[i].want);
		e2e_buf_finish(&b);
	}
}
END_TEST

/* SPEC section 11: the tests that call a regressed endpoint, and
 * --gate-tests' findings, in every format. GET /users/{id}'s four
 * requests: three by test_checkout, one by test_profile. */
static struct e2e_test_cmp test_cmps[2];

static struct e2e_report *model_with_tests(void)
{
	struct e2e_report *r = model(false);
	struct e2e_test t[2] = {
		{ 1, "test_checkout", "passed", 0, 500000000, 400000000, NULL, 0 },
		{ 2, "test_profile", "passed", 0, 600000000, 100000000, NULL, 0 },
	};
	const struct e2e_test *tests[1] = { t };
	size_t ntests[1] = { 2 };
	struct e2e_endpoint_report *e = (struct e2e_endpoint_report *)e2e_report_find(r, "GET /users/{id}");

	for (size_t i = 0; i < e->nsamples; i++)
		e->samples[i].test_id = i == 1 ? 2 : 1;
	ck_assert_int_eq(e2e_report_add_tests(r, tests, ntests), 0);
	return r;
}

static const struct e2e_gate_result *mkgate_tests(void)
{
	struct e2e_gate_result *g = (struct e2e_gate_result *)mkgate();

	memset(test_cmps, 0, sizeof(test_cmps));
	test_cmps[0].name = "test_checkout";
	test_cmps[0].duration = (struct e2e_metric_cmp){ .metric = E2E_METRIC_MEAN,
							 .baseline = 120,
							 .current = 400,
							 .delta = 280,
							 .delta_pct = 233.3,
							 .judged_pct = 233.3,
							 .ci_lo_pct = 150,
							 .ci_hi_pct = 300,
							 .env_factor = 1,
							 .n_baseline = 3,
							 .n_current = 1,
							 .verdict = E2E_VERDICT_REGRESSION,
							 .severity = E2E_SEVERITY_CRITICAL };
	test_cmps[1].name = "test_new";
	test_cmps[1].duration = (struct e2e_metric_cmp){ .metric = E2E_METRIC_MEAN,
							 .baseline = NAN,
							 .current = 12,
							 .delta = NAN,
							 .delta_pct = NAN,
							 .judged_pct = NAN,
							 .ci_lo_pct = NAN,
							 .ci_hi_pct = NAN,
							 .env_factor = 1,
							 .n_current = 1,
							 .verdict = E2E_VERDICT_NEW };
	g->tests = test_cmps;
	g->ntests = 2;
	g->tests_judged = 1;
	g->tests_gated = true;
	return g;
}

START_TEST(tests_in_every_format)
{
	static const struct {
		enum e2e_format f;
		const char *want[3]; /* the regression with its callers, the test's finding, the new test */
	} cases[] = {
		{ E2E_FORMAT_TEXT,
		  { "  GET /users/{id}: p95 12.5 ms -> 38.5 ms (+208%, 95% CI +150..+260%) regression "
		    "[critical]; "
		    "called by test_checkout (3x), test_profile (1x)\n",
		    "  test test_checkout: duration 120 ms -> 400 ms (+233%, 95% CI +150..+300%) regression "
		    "[critical]\n",
		    "\ntests not judged:\n  test test_new: new test (now 12.0 ms), not judged\n" } },
		{ E2E_FORMAT_MARKDOWN,
		  { "- GET /users/{id}: p95 12.5 ms -&gt; 38.5 ms (+208%, 95% CI +150..+260%) regression "
		    "\\[critical\\]; called by test\\_checkout (3x), test\\_profile (1x)\n",
		    "- test test\\_checkout: duration 120 ms -&gt; 400 ms (+233%, 95% CI +150..+300%) "
		    "regression \\[critical\\]\n",
		    "- test test\\_new: new test (now 12.0 ms), not judged\n" } },
		{ E2E_FORMAT_HTML,
		  { "<li class=\"regression\">GET /users/{id}: p95 12.5 ms -&gt; 38.5 ms (+208%, 95% CI "
		    "+150..+260%) regression [critical]; called by test_checkout (3x), test_profile "
		    "(1x)</li>\n",
		    "<li class=\"regression\">test test_checkout: duration 120 ms -&gt; 400 ms (+233%, 95% "
		    "CI "
		    "+150..+300%) regression [critical]</li>\n",
		    "<h3>tests not judged</h3>\n<ul>\n<li class=\"pass\">test test_new: new test (now 12.0 "
		    "ms), "
		    "not judged</li>\n" } },
		{ E2E_FORMAT_CSV,
		  { ",208.000,,\"test_checkout (3x), test_profile (1x)\"\n",
		    "users-api,12,test "
		    "test_checkout,TEST,test_checkout,1,0,,,,400.000,,,,,,,,,,regression,critical,3,"
		    ",,,,,\"test test_checkout: duration 120 ms -> 400 ms (+233%, 95% CI +150..+300%) "
		    "regression "
		    "[critical]\",\n",
		    "users-api,12,test test_new,TEST,test_new,1,0,,,,12.000,,,,,,,,,,new,,0,,,,,,\"test "
		    "test_new: "
		    "new test (now 12.0 ms), not judged\",\n" } },
		{ E2E_FORMAT_JUNIT,
		  { "<failure type=\"regression\" message=\"p95 12.5 ms -&gt; 38.5 ms (+208%, 95% CI "
		    "+150..+260%) "
		    "regression [critical]; called by test_checkout (3x), test_profile (1x)\">",
		    "<testcase classname=\"users-api.tests\" name=\"test_checkout\" time=\"0.400000\">\n"
		    "      <failure type=\"test_duration\" message=\"test test_checkout: duration 120 ms "
		    "-&gt; 400 "
		    "ms (+233%, 95% CI +150..+300%) regression [critical]\"/>\n",
		    "<testcase classname=\"users-api.tests\" name=\"test_new\" time=\"0.012000\">\n"
		    "      <skipped message=\"test test_new: new test (now 12.0 ms), not judged\"/>\n" } },
		{ E2E_FORMAT_GITHUB,
		  { "regression [critical]%0Acalled by test_checkout (3x), test_profile (1x)\n",
		    "::error title=e2e%3A test test_checkout slower::test test_checkout: duration 120 ms -> "
		    "400 ms "
		    "(+233%25, 95%25 CI +150..+300%25) regression [critical]\n",
		    NULL } },
		{ E2E_FORMAT_GITLAB,
		  { "\"description\": \"GET /users/{id}: p95 12.5 ms -> 38.5 ms (+208%, 95% CI +150..+260%) "
		    "regression [critical]; called by test_checkout (3x), test_profile (1x)\",",
		    "\"description\": \"test test_checkout: duration 120 ms -> 400 ms (+233%, 95% CI "
		    "+150..+300%) "
		    "regression [critical]\",",
		    NULL } },
		{ E2E_FORMAT_JSON,
		  { "\"called_by\": [\n        {\n          \"test\": \"test_checkout\",\n          "
		    "\"count\": 3\n",
		    "\"message\": \"test test_checkout: duration 120 ms -> 400 ms (+233%, 95% CI "
		    "+150..+300%) "
		    "regression [critical]\"",
		    "\"message\": \"test test_new: new test (now 12.0 ms), not judged\"" } },
	};
	struct e2e_report *r = model_with_tests();
	const struct e2e_gate_result *g = mkgate_tests();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = render(cases[i].f, r, g, false, false);

		for (size_t k = 0; k < 3; k++)
			if (cases[i].want[k] && !strstr(out, cases[i].want[k]))
				ck_abort_msg("format %d: lacks '%s' in:\n%s", (int)cases[i].f,
					     cases[i].want[k], out);
		free(out);
	}
	e2e_report_destroy(r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("render");
	TCase *t = tcase_create("formats");

	tcase_add_test(t, loss_notes);
	tcase_add_test(t, text_report_exact);
	tcase_add_test(t, text_report_gate);
	tcase_add_test(t, json_fields);
	tcase_add_test(t, json_gate_and_runs);
	tcase_add_test(t, csv_structure);
	tcase_add_test(t, junit_failures);
	tcase_add_test(t, github_commands);
	tcase_add_test(t, markdown_compact);
	tcase_add_test(t, gitlab_codequality);
	tcase_add_test(t, html_self_contained);
	tcase_add_test(t, markdown_layout);
	tcase_add_test(t, gate_sections);
	tcase_add_test(t, trend_views);
	tcase_add_test(t, run_lists);
	tcase_add_test(t, tests_in_every_format);
	tcase_add_test(t, empty_report_every_format);
	suite_add_tcase(s, t);
	return s;
}

E2E_TEST_MAIN(suite)

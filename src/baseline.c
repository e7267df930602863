/* baseline.c - building, encoding, validating, reading and writing
 * baseline files. The JSON layout is documented in e2e-baseline(5). */
#include "baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "hist.h"
#include "resources.h"
#include "stats.h"
#include "testreport.h"
#include "fsutil.h"
#include "banned.h"

/* ---- building ---------------------------------------------------------- */

static int cmp_endpoint_key(const void *a, const void *b)
{
	return strcmp(((const struct e2e_baseline_endpoint *)a)->key,
		      ((const struct e2e_baseline_endpoint *)b)->key);
}

double e2e_baseline_p95_band_ms(const double *sorted, size_t n)
{
	struct e2e_stats_sorted s = { sorted, n };

	if (!n)
		return NAN;
	return exp(e2e_stats_band_log_mean(e2e_stats_sorted_qfn, &s, E2E_BASELINE_BAND_LO,
					   E2E_BASELINE_BAND_HI, E2E_BASELINE_BAND_GRID));
}

/* Per-run figures of one endpoint: its samples grouped by source run. */
static void endpoint_runs(struct e2e_baseline_endpoint *be, const struct e2e_endpoint_report *e,
			  const struct e2e_report *r)
{
	size_t nruns = r->nruns ? r->nruns : 1;
	size_t *count = e2e_xcalloc(nruns, sizeof(*count));
	double *lat = e2e_xmalloc((e->nsamples ? e->nsamples : 1) * sizeof(*lat));
	static const double qs[] = { 0.50, 0.95, 0.99 };

	for (size_t i = 0; i < e->nsamples; i++)
		count[e->sample_run && e->sample_run[i] < nruns ? e->sample_run[i] : 0]++;
	be->runs = e2e_xcalloc(nruns, sizeof(*be->runs));
	/* report runs are newest first; baseline runs oldest first */
	for (size_t k = nruns; k-- > 0;) {
		struct e2e_baseline_run_stats *rs;
		size_t n = 0;
		double q[3], sum = 0, bytes = 0;

		if (!count[k])
			continue;
		rs = &be->runs[be->nruns++];
		rs->run_id = r->nruns ? r->runs[k].id : 0;
		for (size_t i = 0; i < e->nsamples; i++) {
			size_t run = e->sample_run && e->sample_run[i] < nruns ? e->sample_run[i] : 0;

			if (run != k)
				continue;
			lat[n] = (double)e2e_sample_latency_us(&e->samples[i]) / 1000.0;
			sum += lat[n++];
			bytes += (double)e->samples[i].resp_bytes;
			if (e2e_sample_is_error(&e->samples[i], r->count_4xx))
				rs->errors++;
		}
		rs->count = n;
		rs->mean_ms = sum / (double)n;
		rs->mean_resp_bytes = bytes / (double)n;
		e2e_stats_quantiles(lat, n, qs, 3, q);
		rs->p50_ms = q[0];
		rs->p95_ms = q[1];
		rs->p99_ms = q[2];
		e2e_stats_sort(lat, n);
		rs->p95_band_ms = e2e_baseline_p95_band_ms(lat, n);
		rs->cpu_ms = e2e_res_run_endpoint_cpu(e2e_res_run_find(r->resources, rs->run_id), e->key);
	}
	free(lat);
	free(count);
}

static int cmp_test_name(const void *a, const void *b)
{
	return strcmp(((const struct e2e_baseline_test *)a)->name,
		      ((const struct e2e_baseline_test *)b)->name);
}

/* SPEC section 11: each test's duration in each source run it has one in
 * (runs oldest first, as the sources). */
static void baseline_tests(struct e2e_baseline *b, const struct e2e_report *r)
{
	const struct e2e_tests_report *t = r->tests;

	if (!t || !t->ntests)
		return;
	b->tests = e2e_xcalloc(t->ntests, sizeof(*b->tests));
	for (size_t i = 0; i < t->ntests; i++) {
		const struct e2e_test_report *x = &t->tests[i];
		struct e2e_baseline_test *bt = &b->tests[b->ntests];
		double sum = 0;
		size_t npassed = 0;

		bt->runs = e2e_xcalloc(r->nruns, sizeof(*bt->runs));
		for (size_t k = r->nruns; k-- > 0;) {
			if (isnan(x->run_ms[k]))
				continue;
			bt->runs[bt->nruns++] =
				(struct e2e_baseline_test_run){ r->runs[k].id, x->run_ms[k],
								x->run_state[k] == E2E_TEST_PASSED };
			if (x->run_state[k] == E2E_TEST_PASSED) {
				sum += x->run_ms[k];
				npassed++;
			}
		}
		if (!bt->nruns) {
			free(bt->runs);
			bt->runs = NULL;
			continue;
		}
		bt->name = e2e_xstrdup(x->name);
		bt->duration_ms = npassed ? sum / (double)npassed : NAN;
		b->ntests++;
	}
	qsort(b->tests, b->ntests, sizeof(*b->tests), cmp_test_name);
}

const struct e2e_baseline_test *e2e_baseline_find_test(const struct e2e_baseline *b, const char *name)
{
	struct e2e_baseline_test key = { .name = (char *)name };

	if (!b->ntests)
		return NULL;
	return bsearch(&key, b->tests, b->ntests, sizeof(*b->tests), cmp_test_name);
}

int e2e_baseline_from_report(const struct e2e_report *r, int64_t created_ms, const char *tool_version,
			     struct e2e_baseline **out)
{
	struct e2e_baseline *b;
	const struct e2e_run *newest = r->nruns ? &r->runs[0] : NULL;

	if (r->total_requests == 0 || r->nendpoints == 0)
		return e2e_error(E2E_ERR_EMPTY,
				 "service '%s': no request recorded in the selected runs, "
				 "nothing to build a baseline from",
				 r->service ? r->service : "");
	b = e2e_xcalloc(1, sizeof(*b));
	b->schema_version = E2E_BASELINE_SCHEMA_VERSION;
	b->service = e2e_xstrdup(r->service ? r->service : "");
	b->commit = e2e_xstrdup(newest && newest->git_commit ? newest->git_commit : "");
	b->branch = e2e_xstrdup(newest && newest->git_branch ? newest->git_branch : "");
	b->created_ms = created_ms;
	b->tool_version = e2e_xstrdup(
		tool_version ? tool_version : (newest && newest->tool_version ? newest->tool_version : ""));
	b->host_cpu = e2e_xstrdup(newest && newest->host_cpu ? newest->host_cpu : "");
	b->host_cores = newest ? newest->host_cores : 0;
	b->host_os = e2e_xstrdup(newest && newest->host_os ? newest->host_os : "");
	b->count_4xx = r->count_4xx;
	b->sources = e2e_xcalloc(r->nruns ? r->nruns : 1, sizeof(*b->sources));
	for (size_t k = r->nruns; k-- > 0;) {
		const struct e2e_run *run = &r->runs[k];
		struct e2e_baseline_source *s = &b->sources[b->nsources++];

		s->id = run->id;
		s->started_ms = run->started_ms;
		s->duration_s = run->duration_ns ? (double)run->duration_ns / 1e9
				: run->ended_ms > run->started_ms
					? (double)(run->ended_ms - run->started_ms) / 1e3
					: 0;
		s->commit = e2e_xstrdup(run->git_commit ? run->git_commit : "");
		s->branch = e2e_xstrdup(run->git_branch ? run->git_branch : "");
		s->disturbance = run->disturbance_probes ? run->disturbance : NAN;
		s->cpu_ms_per_request = NAN;
		if (e2e_res_run_find(r->resources, run->id))
			s->cpu_ms_per_request = e2e_res_run_find(r->resources, run->id)->cpu_ms_per_request;
	}
	b->endpoints = e2e_xcalloc(r->nendpoints, sizeof(*b->endpoints));
	for (size_t i = 0; i < r->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &r->endpoints[i];
		struct e2e_baseline_endpoint *be = &b->endpoints[b->nendpoints++];

		be->key = e2e_xstrdup(e->key);
		be->count = e->count;
		be->errors = e->errors;
		be->error_rate = e->error_rate;
		be->min_ms = e->min_ms;
		be->mean_ms = e->mean_ms;
		be->p50_ms = e->p50_ms;
		be->p90_ms = e->p90_ms;
		be->p95_ms = e->p95_ms;
		be->p99_ms = e->p99_ms;
		be->max_ms = e->max_ms;
		be->stddev_ms = e->stddev_ms;
		be->mean_req_bytes = e->mean_req_bytes;
		be->mean_resp_bytes = e->mean_resp_bytes;
		be->cpu_ms = e2e_res_endpoint_cpu(r->resources, e->key);
		be->statuses = e2e_xmalloc((e->nstatuses ? e->nstatuses : 1) * sizeof(*be->statuses));
		memcpy(be->statuses, e->statuses, e->nstatuses * sizeof(*be->statuses));
		be->nstatuses = e->nstatuses;
		memcpy(be->error_kinds, e->error_kinds, sizeof(be->error_kinds));
		be->error_kinds[E2E_EK_NONE] = 0;
		be->hist = e2e_hist_create();
		for (size_t j = 0; j < e->nsamples; j++)
			e2e_hist_add(be->hist, (double)e2e_sample_latency_us(&e->samples[j]));
		endpoint_runs(be, e, r);
		for (size_t j = 0; j < be->nruns; j++)
			for (size_t k = 0; k < b->nsources; k++)
				if (b->sources[k].id == be->runs[j].run_id)
					b->sources[k].requests += be->runs[j].count;
	}
	qsort(b->endpoints, b->nendpoints, sizeof(*b->endpoints), cmp_endpoint_key);
	baseline_tests(b, r);
	*out = b;
	return 0;
}

void e2e_baseline_destroy(struct e2e_baseline *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nendpoints; i++) {
		struct e2e_baseline_endpoint *e = &b->endpoints[i];

		free(e->key);
		free(e->statuses);
		e2e_hist_destroy(e->hist);
		free(e->runs);
	}
	free(b->endpoints);
	for (size_t i = 0; i < b->ntests; i++) {
		free(b->tests[i].name);
		free(b->tests[i].runs);
	}
	free(b->tests);
	for (size_t i = 0; i < b->nsources; i++) {
		free(b->sources[i].commit);
		free(b->sources[i].branch);
	}
	free(b->sources);
	free(b->service);
	free(b->commit);
	free(b->branch);
	free(b->tool_version);
	free(b->host_cpu);
	free(b->host_os);
	free(b->name);
	free(b);
}

const struct e2e_baseline_endpoint *e2e_baseline_find(const struct e2e_baseline *b, const char *key)
{
	size_t lo = 0, hi = b->nendpoints;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->endpoints[mid].key, key);

		if (c == 0)
			return &b->endpoints[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

char *e2e_baseline_path(const char *file, const char *dir, const char *service)
{
	return file ? e2e_xstrdup(file) : e2e_baseline_default_path(dir, service);
}

bool e2e_baseline_host_differs(const struct e2e_baseline *b, const struct e2e_run *run)
{
	return strcmp(b->host_cpu, run->host_cpu ? run->host_cpu : "") != 0 ||
	       b->host_cores != run->host_cores || strcmp(b->host_os, run->host_os ? run->host_os : "") != 0;
}

char *e2e_baseline_default_path(const char *dir, const char *service)
{
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_buf_printf(&b, "%s/", dir);
	if (!service[0] || strcmp(service, ".") == 0 || strcmp(service, "..") == 0)
		e2e_buf_putc(&b, '_');
	for (const char *p = service; *p; p++)
		e2e_buf_putc(&b, *p == '/' || *p == '\\' || (unsigned char)*p < 0x20 ? '_' : *p);
	e2e_buf_puts(&b, ".json");
	return e2e_buf_detach(&b, NULL);
}

/* ---- encoding ---------------------------------------------------------- */

/* Fixed decimals, then the shortest text (JSON_REAL_PRECISION(15) prints
 * a value with at most 15 significant digits exactly as rounded). */
static json_t *real(double v, int decimals)
{
	double scale = pow(10, decimals);

	if (!isfinite(v))
		v = 0;
	v = round(v * scale) / scale;
	if (v == 0)
		v = 0; /* no "-0.0" */
	return json_real(v);
}

static void iso_time(char *dst, size_t cap, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms < 0 || !gmtime_r(&t, &tm)) {
		snprintf(dst, cap, "1970-01-01T00:00:00Z");
		return;
	}
	strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *time_value(int64_t ms)
{
	char s[32];

	iso_time(s, sizeof(s), ms);
	return json_string(s);
}

static json_t *encode_endpoint(const struct e2e_baseline_endpoint *e)
{
	json_t *o = json_object(), *st = json_object(), *ek = json_object(), *runs = json_array();
	char *h = e2e_hist_encode(e->hist);

	json_object_set_new(o, "count", json_integer((json_int_t)e->count));
	json_object_set_new(o, "errors", json_integer((json_int_t)e->errors));
	json_object_set_new(o, "error_rate", real(e->error_rate, 6));
	json_object_set_new(o, "min_ms", real(e->min_ms, 3));
	json_object_set_new(o, "mean_ms", real(e->mean_ms, 3));
	json_object_set_new(o, "p50_ms", real(e->p50_ms, 3));
	json_object_set_new(o, "p90_ms", real(e->p90_ms, 3));
	json_object_set_new(o, "p95_ms", real(e->p95_ms, 3));
	json_object_set_new(o, "p99_ms", real(e->p99_ms, 3));
	json_object_set_new(o, "max_ms", real(e->max_ms, 3));
	json_object_set_new(o, "stddev_ms", real(e->stddev_ms, 3));
	json_object_set_new(o, "mean_req_bytes", real(e->mean_req_bytes, 1));
	json_object_set_new(o, "mean_resp_bytes", real(e->mean_resp_bytes, 1));
	for (size_t i = 0; i < e->nstatuses; i++) {
		char k[8];

		snprintf(k, sizeof(k), "%u", (unsigned)e->statuses[i].status);
		json_object_set_new(st, k, json_integer((json_int_t)e->statuses[i].count));
	}
	json_object_set_new(o, "statuses", st);
	for (int k = 1; k < E2E_EK__COUNT; k++)
		if (e->error_kinds[k])
			json_object_set_new(ek, e2e_error_kind_name(k),
					    json_integer((json_int_t)e->error_kinds[k]));
	json_object_set_new(o, "error_kinds", ek);
	json_object_set_new(o, "histogram", json_string(h));
	free(h);
	if (isfinite(e->cpu_ms))
		json_object_set_new(o, "cpu_ms", real(e->cpu_ms, 3));
	for (size_t i = 0; i < e->nruns; i++) {
		const struct e2e_baseline_run_stats *rs = &e->runs[i];
		json_t *ro = json_object();

		json_object_set_new(ro, "run", json_integer(rs->run_id));
		json_object_set_new(ro, "count", json_integer((json_int_t)rs->count));
		json_object_set_new(ro, "errors", json_integer((json_int_t)rs->errors));
		json_object_set_new(ro, "mean_ms", real(rs->mean_ms, 3));
		json_object_set_new(ro, "p50_ms", real(rs->p50_ms, 3));
		json_object_set_new(ro, "p95_ms", real(rs->p95_ms, 3));
		json_object_set_new(ro, "p99_ms", real(rs->p99_ms, 3));
		if (isfinite(rs->p95_band_ms))
			json_object_set_new(ro, "p95_band_ms", real(rs->p95_band_ms, 3));
		json_object_set_new(ro, "mean_resp_bytes", real(rs->mean_resp_bytes, 1));
		if (isfinite(rs->cpu_ms))
			json_object_set_new(ro, "cpu_ms", real(rs->cpu_ms, 3));
		json_array_append_new(runs, ro);
	}
	json_object_set_new(o, "runs", runs);
	return o;
}

static json_t *encode_test(const struct e2e_baseline_test *t)
{
	json_t *o = json_object(), *runs = json_array();

	if (!isnan(t->duration_ms))
		json_object_set_new(o, "duration_ms", real(t->duration_ms, 3));
	for (size_t i = 0; i < t->nruns; i++) {
		json_t *ro = json_object();

		json_object_set_new(ro, "run", json_integer(t->runs[i].run_id));
		json_object_set_new(ro, "duration_ms", real(t->runs[i].duration_ms, 3));
		json_object_set_new(ro, "passed", json_boolean(t->runs[i].passed));
		json_array_append_new(runs, ro);
	}
	json_object_set_new(o, "runs", runs);
	return o;
}

char *e2e_baseline_encode(const struct e2e_baseline *b)
{
	json_t *root = json_object(), *host = json_object(), *src = json_array(), *eps = json_object();
	struct e2e_buf out = E2E_BUF_INIT;
	char *text;

	json_object_set_new(root, "schema_version", json_integer(b->schema_version));
	json_object_set_new(root, "service", json_string(b->service));
	json_object_set_new(root, "created", time_value(b->created_ms));
	json_object_set_new(root, "commit", json_string(b->commit));
	json_object_set_new(root, "branch", json_string(b->branch));
	json_object_set_new(root, "tool_version", json_string(b->tool_version));
	json_object_set_new(root, "count_4xx", json_boolean(b->count_4xx));
	json_object_set_new(host, "cpu", json_string(b->host_cpu));
	json_object_set_new(host, "cores", json_integer(b->host_cores));
	json_object_set_new(host, "os", json_string(b->host_os));
	json_object_set_new(root, "host", host);
	for (size_t i = 0; i < b->nsources; i++) {
		const struct e2e_baseline_source *s = &b->sources[i];
		json_t *so = json_object();

		json_object_set_new(so, "id", json_integer(s->id));
		json_object_set_new(so, "started", time_value(s->started_ms));
		json_object_set_new(so, "duration_s", real(s->duration_s, 3));
		json_object_set_new(so, "requests", json_integer((json_int_t)s->requests));
		json_object_set_new(so, "commit", json_string(s->commit));
		json_object_set_new(so, "branch", json_string(s->branch));
		if (!isnan(s->disturbance))
			json_object_set_new(so, "runner_disturbance", real(s->disturbance, 3));
		if (isfinite(s->cpu_ms_per_request))
			json_object_set_new(so, "cpu_ms_per_request", real(s->cpu_ms_per_request, 3));
		json_array_append_new(src, so);
	}
	json_object_set_new(root, "source_runs", src);
	for (size_t i = 0; i < b->nendpoints; i++)
		json_object_set_new(eps, b->endpoints[i].key, encode_endpoint(&b->endpoints[i]));
	json_object_set_new(root, "endpoints", eps);
	if (b->ntests) {
		json_t *tests = json_object();

		for (size_t i = 0; i < b->ntests; i++)
			json_object_set_new(tests, b->tests[i].name, encode_test(&b->tests[i]));
		json_object_set_new(root, "tests", tests);
	}
	text = json_dumps(root,
			  JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15) | JSON_ENSURE_ASCII);
	json_decref(root);
	if (!text)
		abort(); /* only on out-of-memory: strings are valid UTF-8 by construction */
	e2e_buf_puts(&out, text);
	e2e_buf_putc(&out, '\n');
	free(text);
	return e2e_buf_detach(&out, NULL);
}

/* ---- validating -------------------------------------------------------- */

/* The JSON path being read, for messages: endpoints["GET /a"].runs[2].p95_ms */
struct reader {
	const char *name;
	char path[512];
};

static int bad(const struct reader *rd, const char *field, const char *what)
{
	return e2e_error(E2E_ERR_INPUT, "'%s': %s%s%s: %s", rd->name, rd->path,
			 rd->path[0] && field[0] != '[' ? "." : "", field, what);
}

static json_t *need(const struct reader *rd, json_t *obj, const char *field, int type, int *rc)
{
	static const char *const type_names[] = {
		[JSON_OBJECT] = "an object",   [JSON_ARRAY] = "an array", [JSON_STRING] = "a string",
		[JSON_INTEGER] = "an integer", [JSON_REAL] = "a number",  [JSON_TRUE] = "true or false",
	};
	json_t *v = json_object_get(obj, field);
	bool ok;

	if (*rc < 0)
		return NULL;
	if (!v) {
		*rc = bad(rd, field, "missing");
		return NULL;
	}
	switch (type) {
	case JSON_REAL:
		ok = json_is_number(v);
		break;
	case JSON_TRUE:
		ok = json_is_boolean(v);
		break;
	default:
		ok = json_typeof(v) == (json_type)type;
	}
	if (!ok) {
		char what[64];

		snprintf(what, sizeof(what), "expected %s", type_names[type]);
		*rc = bad(rd, field, what);
		return NULL;
	}
	return v;
}

static char *get_str(const struct reader *rd, json_t *obj, const char *field, int *rc)
{
	json_t *v = need(rd, obj, field, JSON_STRING, rc);

	return v ? e2e_xstrdup(json_string_value(v)) : NULL;
}

static uint64_t get_count(const struct reader *rd, json_t *obj, const char *field, int *rc)
{
	json_t *v = need(rd, obj, field, JSON_INTEGER, rc);

	if (!v)
		return 0;
	if (json_integer_value(v) < 0) {
		*rc = bad(rd, field, "expected a count (an integer >= 0)");
		return 0;
	}
	return (uint64_t)json_integer_value(v);
}

static double get_num(const struct reader *rd, json_t *obj, const char *field, double hi, int *rc)
{
	json_t *v = need(rd, obj, field, JSON_REAL, rc);
	double d;

	if (!v)
		return 0;
	d = json_number_value(v);
	if (!(d >= 0 && d <= hi)) {
		char what[96];

		snprintf(what, sizeof(what), "%g is out of range (0 to %g)", d, hi);
		*rc = bad(rd, field, what);
		return 0;
	}
	return d;
}

static int64_t get_time(const struct reader *rd, json_t *obj, const char *field, int *rc)
{
	json_t *v = need(rd, obj, field, JSON_STRING, rc);
	struct tm tm, norm;
	const char *end;
	time_t t;

	if (!v)
		return 0;
	memset(&tm, 0, sizeof(tm));
	end = strptime(json_string_value(v), "%Y-%m-%dT%H:%M:%SZ", &tm);
	norm = tm;
	t = timegm(&norm);
	/* timegm moves a leap second or "02-30" to another day ("9999-12-31T23:59:60Z"
	 * would be written back as year 10000, which does not read) */
	if (!end || *end || norm.tm_year != tm.tm_year || norm.tm_mon != tm.tm_mon ||
	    norm.tm_mday != tm.tm_mday || norm.tm_hour != tm.tm_hour || norm.tm_min != tm.tm_min ||
	    norm.tm_sec != tm.tm_sec) {
		*rc = bad(rd, field, "expected a UTC time like \"2026-01-31T12:00:00Z\"");
		return 0;
	}
	return (int64_t)t * 1000;
}

/* Appends a path step; returns the old length to restore. */
static size_t push_key(struct reader *rd, const char *key, bool quoted)
{
	size_t len = strlen(rd->path);

	if (quoted)
		snprintf(rd->path + len, sizeof(rd->path) - len, "[\"%s\"]", key);
	else
		snprintf(rd->path + len, sizeof(rd->path) - len, "%s%s", len ? "." : "", key);
	return len;
}

static size_t push_index(struct reader *rd, size_t i)
{
	size_t len = strlen(rd->path);

	snprintf(rd->path + len, sizeof(rd->path) - len, "[%zu]", i);
	return len;
}

#define MS_MAX 1e10

/* An optional number: NAN when the field is absent. */
static double opt_num(struct reader *rd, json_t *o, const char *key, double max, int *rc)
{
	return json_object_get(o, key) ? get_num(rd, o, key, max, rc) : NAN;
}

static bool is_source(const struct e2e_baseline *b, int64_t id)
{
	for (size_t k = 0; k < b->nsources; k++)
		if (b->sources[k].id == id)
			return true;
	return false;
}

static int not_source(const struct reader *rd, int64_t id)
{
	char what[96];

	snprintf(what, sizeof(what), "%lld is not one of source_runs", (long long)id);
	return bad(rd, "run", what);
}

static int parse_run_stats(struct reader *rd, json_t *ro, const struct e2e_baseline *b,
			   struct e2e_baseline_run_stats *rs)
{
	int rc = 0;
	json_t *id;

	if (!json_is_object(ro))
		return e2e_error(E2E_ERR_INPUT, "'%s': %s: expected an object", rd->name, rd->path);
	id = need(rd, ro, "run", JSON_INTEGER, &rc);
	if (id && (rs->run_id = json_integer_value(id), !is_source(b, rs->run_id)))
		return not_source(rd, rs->run_id);
	rs->count = get_count(rd, ro, "count", &rc);
	rs->errors = get_count(rd, ro, "errors", &rc);
	rs->mean_ms = get_num(rd, ro, "mean_ms", MS_MAX, &rc);
	rs->p50_ms = get_num(rd, ro, "p50_ms", MS_MAX, &rc);
	rs->p95_ms = get_num(rd, ro, "p95_ms", MS_MAX, &rc);
	rs->p99_ms = get_num(rd, ro, "p99_ms", MS_MAX, &rc);
	rs->p95_band_ms = opt_num(rd, ro, "p95_band_ms", MS_MAX, &rc);
	rs->mean_resp_bytes = get_num(rd, ro, "mean_resp_bytes", 1e18, &rc);
	rs->cpu_ms = opt_num(rd, ro, "cpu_ms", MS_MAX, &rc);
	if (rc == 0 && rs->count == 0)
		rc = bad(rd, "count", "expected at least 1");
	if (rc == 0 && rs->errors > rs->count)
		rc = bad(rd, "errors", "more errors than requests");
	return rc;
}

static int parse_endpoint(struct reader *rd, json_t *o, const struct e2e_baseline *b,
			  struct e2e_baseline_endpoint *e)
{
	int rc = 0;
	json_t *st, *ek, *runs, *h, *v;
	const char *k;

	if (!json_is_object(o))
		return e2e_error(E2E_ERR_INPUT, "'%s': %s: expected an object", rd->name, rd->path);
	e->count = get_count(rd, o, "count", &rc);
	e->errors = get_count(rd, o, "errors", &rc);
	e->error_rate = get_num(rd, o, "error_rate", 1, &rc);
	e->min_ms = get_num(rd, o, "min_ms", MS_MAX, &rc);
	e->mean_ms = get_num(rd, o, "mean_ms", MS_MAX, &rc);
	e->p50_ms = get_num(rd, o, "p50_ms", MS_MAX, &rc);
	e->p90_ms = get_num(rd, o, "p90_ms", MS_MAX, &rc);
	e->p95_ms = get_num(rd, o, "p95_ms", MS_MAX, &rc);
	e->p99_ms = get_num(rd, o, "p99_ms", MS_MAX, &rc);
	e->max_ms = get_num(rd, o, "max_ms", MS_MAX, &rc);
	e->stddev_ms = get_num(rd, o, "stddev_ms", MS_MAX, &rc);
	e->mean_req_bytes = get_num(rd, o, "mean_req_bytes", 1e18, &rc);
	e->mean_resp_bytes = get_num(rd, o, "mean_resp_bytes", 1e18, &rc);
	e->cpu_ms = opt_num(rd, o, "cpu_ms", MS_MAX, &rc);
	st = need(rd, o, "statuses", JSON_OBJECT, &rc);
	ek = need(rd, o, "error_kinds", JSON_OBJECT, &rc);
	h = need(rd, o, "histogram", JSON_STRING, &rc);
	runs = need(rd, o, "runs", JSON_ARRAY, &rc);
	if (rc < 0)
		return rc;
	if (e->count == 0)
		return bad(rd, "count", "expected at least 1");
	if (e->errors > e->count)
		return bad(rd, "errors", "more errors than requests");

	e->statuses = e2e_xcalloc(json_object_size(st) + 1, sizeof(*e->statuses));
	json_object_foreach(st, k, v)
	{
		char *end;
		unsigned long code = strtoul(k, &end, 10);
		char field[64];

		snprintf(field, sizeof(field), "statuses.%s", k);
		if (!k[0] || *end || code > 999)
			return bad(rd, field, "expected an HTTP status code as the key");
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return bad(rd, field, "expected a count (an integer >= 0)");
		e->statuses[e->nstatuses].status = (uint16_t)code;
		e->statuses[e->nstatuses++].count = (uint64_t)json_integer_value(v);
	}
	for (size_t i = 1; i < e->nstatuses; i++) { /* insertion sort: a handful of statuses */
		struct e2e_status_count t = e->statuses[i];
		size_t j = i;

		for (; j > 0 && e->statuses[j - 1].status > t.status; j--)
			e->statuses[j] = e->statuses[j - 1];
		e->statuses[j] = t;
	}
	json_object_foreach(ek, k, v)
	{
		int kind = e2e_error_kind_parse(k);
		char field[64];

		snprintf(field, sizeof(field), "error_kinds.%s", k);
		if (kind <= 0)
			return bad(rd, field, "unknown error kind");
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return bad(rd, field, "expected a count (an integer >= 0)");
		e->error_kinds[kind] = (uint64_t)json_integer_value(v);
	}
	rc = e2e_hist_decode(json_string_value(h), &e->hist);
	if (rc < 0) {
		char what[300];

		snprintf(what, sizeof(what), "%s", e2e_error_message());
		return bad(rd, "histogram", what);
	}
	if (e2e_hist_count(e->hist) != e->count)
		return bad(rd, "histogram", "its count differs from the endpoint's count");
	e->runs = e2e_xcalloc(json_array_size(runs) + 1, sizeof(*e->runs));
	for (size_t i = 0; i < json_array_size(runs); i++) {
		size_t len = push_key(rd, "runs", false);

		push_index(rd, i);
		rc = parse_run_stats(rd, json_array_get(runs, i), b, &e->runs[i]);
		rd->path[len] = '\0';
		if (rc < 0)
			return rc;
		e->nruns = i + 1;
	}
	return 0;
}

/* tests["name"]: its mean and its runs, each of a source run. */
static int parse_test(struct reader *rd, json_t *o, const struct e2e_baseline *b, struct e2e_baseline_test *t)
{
	int rc = 0;
	json_t *runs;

	if (!json_is_object(o))
		return e2e_error(E2E_ERR_INPUT, "'%s': %s: expected an object", rd->name, rd->path);
	t->duration_ms = opt_num(rd, o, "duration_ms", MS_MAX, &rc);
	runs = need(rd, o, "runs", JSON_ARRAY, &rc);
	if (rc < 0)
		return rc;
	t->runs = e2e_xcalloc(json_array_size(runs) + 1, sizeof(*t->runs));
	for (size_t i = 0; i < json_array_size(runs); i++) {
		json_t *ro = json_array_get(runs, i), *v;
		struct e2e_baseline_test_run *tr = &t->runs[i];
		size_t len = push_key(rd, "runs", false);

		push_index(rd, i);
		if (!json_is_object(ro))
			return e2e_error(E2E_ERR_INPUT, "'%s': %s: expected an object", rd->name, rd->path);
		v = need(rd, ro, "run", JSON_INTEGER, &rc);
		if (v && (tr->run_id = json_integer_value(v), !is_source(b, tr->run_id)))
			return not_source(rd, tr->run_id);
		tr->duration_ms = get_num(rd, ro, "duration_ms", MS_MAX, &rc);
		v = need(rd, ro, "passed", JSON_TRUE, &rc);
		tr->passed = v && json_is_true(v);
		if (rc < 0)
			return rc;
		rd->path[len] = '\0';
		t->nruns = i + 1;
	}
	return 0;
}

/* The optional "tests" object (baselines before it have none). */
static int parse_tests(struct reader *rd, json_t *root, struct e2e_baseline *b)
{
	json_t *tests = json_object_get(root, "tests"), *v;
	const char *k;
	int rc = 0;

	if (!tests)
		return 0;
	if (!json_is_object(tests))
		return bad(rd, "tests", "expected an object");
	b->tests = e2e_xcalloc(json_object_size(tests) + 1, sizeof(*b->tests));
	json_object_foreach(tests, k, v)
	{
		struct e2e_baseline_test *t = &b->tests[b->ntests++];

		t->name = e2e_xstrdup(k);
		push_key(rd, "tests", false);
		push_key(rd, k, true);
		rc = parse_test(rd, v, b, t);
		if (rc < 0)
			return rc;
		rd->path[0] = '\0';
	}
	qsort(b->tests, b->ntests, sizeof(*b->tests), cmp_test_name);
	return 0;
}

static int parse_root(struct reader *rd, json_t *root, struct e2e_baseline *b)
{
	int rc = 0;
	json_t *v, *host, *src, *eps;
	const char *k;

	if (!json_is_object(root))
		return e2e_error(E2E_ERR_INPUT, "'%s': expected a JSON object at the top", rd->name);
	v = need(rd, root, "schema_version", JSON_INTEGER, &rc);
	if (!v)
		return rc;
	if (json_integer_value(v) < E2E_BASELINE_SCHEMA_OLDEST ||
	    json_integer_value(v) > E2E_BASELINE_SCHEMA_VERSION) {
		char what[128];

		snprintf(what, sizeof(what), "%lld is not supported (this e2e reads %d to %d)",
			 (long long)json_integer_value(v), E2E_BASELINE_SCHEMA_OLDEST,
			 E2E_BASELINE_SCHEMA_VERSION);
		return bad(rd, "schema_version", what);
	}
	b->schema_version = E2E_BASELINE_SCHEMA_VERSION;
	b->service = get_str(rd, root, "service", &rc);
	b->created_ms = get_time(rd, root, "created", &rc);
	b->commit = get_str(rd, root, "commit", &rc);
	b->branch = get_str(rd, root, "branch", &rc);
	b->tool_version = get_str(rd, root, "tool_version", &rc);
	v = need(rd, root, "count_4xx", JSON_TRUE, &rc);
	b->count_4xx = v && json_is_true(v);
	host = need(rd, root, "host", JSON_OBJECT, &rc);
	if (rc < 0)
		return rc;
	push_key(rd, "host", false);
	b->host_cpu = get_str(rd, host, "cpu", &rc);
	v = need(rd, host, "cores", JSON_INTEGER, &rc);
	b->host_cores = v ? (int)json_integer_value(v) : 0;
	b->host_os = get_str(rd, host, "os", &rc);
	rd->path[0] = '\0';
	src = need(rd, root, "source_runs", JSON_ARRAY, &rc);
	eps = need(rd, root, "endpoints", JSON_OBJECT, &rc);
	if (rc < 0)
		return rc;
	if (json_array_size(src) == 0)
		return bad(rd, "source_runs", "expected at least one source run");
	b->sources = e2e_xcalloc(json_array_size(src), sizeof(*b->sources));
	for (size_t i = 0; i < json_array_size(src); i++) {
		json_t *so = json_array_get(src, i);
		struct e2e_baseline_source *s = &b->sources[i];

		b->nsources = i + 1;
		push_key(rd, "source_runs", false);
		push_index(rd, i);
		if (!json_is_object(so))
			return e2e_error(E2E_ERR_INPUT, "'%s': %s: expected an object", rd->name, rd->path);
		v = need(rd, so, "id", JSON_INTEGER, &rc);
		s->id = v ? json_integer_value(v) : 0;
		s->started_ms = get_time(rd, so, "started", &rc);
		s->duration_s = get_num(rd, so, "duration_s", 1e12, &rc);
		s->requests = get_count(rd, so, "requests", &rc);
		s->commit = get_str(rd, so, "commit", &rc);
		s->branch = get_str(rd, so, "branch", &rc);
		s->disturbance = opt_num(rd, so, "runner_disturbance", 1e9, &rc);
		s->cpu_ms_per_request = opt_num(rd, so, "cpu_ms_per_request", MS_MAX, &rc);
		if (rc < 0)
			return rc;
		rd->path[0] = '\0';
	}
	b->endpoints = e2e_xcalloc(json_object_size(eps) + 1, sizeof(*b->endpoints));
	json_object_foreach(eps, k, v)
	{
		struct e2e_baseline_endpoint *e = &b->endpoints[b->nendpoints++];

		e->key = e2e_xstrdup(k);
		push_key(rd, "endpoints", false);
		push_key(rd, k, true);
		rc = parse_endpoint(rd, v, b, e);
		if (rc < 0)
			return rc;
		rd->path[0] = '\0';
	}
	if (b->nendpoints == 0)
		return bad(rd, "endpoints", "expected at least one endpoint");
	qsort(b->endpoints, b->nendpoints, sizeof(*b->endpoints), cmp_endpoint_key);
	return parse_tests(rd, root, b);
}

int e2e_baseline_parse(const char *text, size_t len, const char *name, struct e2e_baseline **out)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	struct e2e_baseline *b;
	struct reader rd = { .name = name };
	int rc;

	if (!root)
		return e2e_error(E2E_ERR_INPUT,
				 "'%s': not a baseline file: not valid JSON: %s (line %d, column %d)", name,
				 jerr.text, jerr.line, jerr.column);
	b = e2e_xcalloc(1, sizeof(*b));
	rc = parse_root(&rd, root, b);
	json_decref(root);
	if (rc < 0) {
		e2e_baseline_destroy(b);
		return rc;
	}
	b->name = e2e_xstrdup(name);
	*out = b;
	return 0;
}

#define BASELINE_MAX_BYTES (64u << 20)

int e2e_baseline_read(const char *path, struct e2e_baseline **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (fd < 0) {
		if (errno == ENOENT)
			return e2e_error(E2E_ERR_INPUT, "no baseline at '%s' (write one with --set-baseline)",
					 path);
		return e2e_error(E2E_ERR_INPUT, "cannot read baseline '%s': %s", path, strerror(errno));
	}
	rc = e2e_fsutil_read_fd(fd, path, "baseline", BASELINE_MAX_BYTES, &text, &len);
	close(fd);
	if (rc == 0)
		rc = e2e_baseline_parse(text, len, path, out);
	free(text);
	return rc;
}

/* ---- writing ----------------------------------------------------------- */

int e2e_baseline_write(const struct e2e_baseline *b, const char *path)
{
	char *text = e2e_baseline_encode(b);
	int rc = e2e_fsutil_mkdir_parents(path);

	if (rc == 0)
		rc = e2e_fsutil_write_atomic(path, "baseline", text, strlen(text));
	free(text);
	return rc;
}

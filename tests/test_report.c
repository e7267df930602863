/* Unit tests for report.c: the per-endpoint model computed from samples.
 *
 * Reference quantiles come from Python 3.11's statistics module, whose
 * method='inclusive' is Hyndman-Fan type 7 (P50, P90, P95, P99 are cut
 * points 49, 89, 94, 98 of n=100), on the latencies lat(i) used below:
 *   python3 -c 'import statistics as st
 *   lat = lambda i: (1000 + (i*7919 % 97)*137)/1000
 *   a = [lat(i) for i in range(20)]; b = [lat(i) for i in range(100, 130)]
 *   for d in (a, a + b, b):
 *     q = st.quantiles(d, n=100, method="inclusive")
 *     print([repr(q[k]) for k in (49, 89, 94, 98)])
 *   print(min(a), max(a), repr(st.fmean(a)), repr(st.stdev(a)))' */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "report.h"
#include "testutil.h"

static void assert_close(double got, double want, const char *what)
{
	double tol = 1e-9 * (fabs(want) > 1 ? fabs(want) : 1);

	ck_assert_msg(fabs(got - want) <= tol, "%s: got %.17g, want %.17g", what, got, want);
}

static uint32_t lat_us(int i)
{
	return (uint32_t)(1000 + (i * 7919 % 97) * 137);
}

static struct e2e_path paths[] = {
	{ 1, "GET", "/users/1", "GET /users/{id}" }, { 2, "GET", "/users/2", "GET /users/{id}" },
	{ 3, "GET", "/users/3", "GET /users/{id}" }, { 4, "GET", "/health", "GET /health" },
	{ 5, "POST", "/orders", "POST /orders" },    { 9, "GET", "/unused", "GET /unused" },
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
	r.command = r.git_commit = r.git_branch = r.host_cpu = r.host_os = "";
	r.tool_version = r.source = r.target = "";
	r.exit_status = -1;
	r.complete = complete;
	return r;
}

static struct e2e_sample smp(uint32_t path_id, uint32_t total_us, uint16_t status, uint8_t error)
{
	struct e2e_sample s;

	memset(&s, 0, sizeof(s));
	s.path_id = path_id;
	s.total_us = total_us;
	s.status = status;
	s.error = error;
	s.req_bytes = 10;
	s.resp_bytes = 100 + path_id;
	return s;
}

/* 20 x GET /users/{id} (lat(0..19), raw paths cycling 1,2,3), 5 x GET
 * /health (0.5 ms), 6 x POST /orders with mixed statuses. */
static size_t single_samples(struct e2e_sample *s)
{
	static const uint16_t st[] = { 200, 201, 404, 500, 503, 0 };
	size_t n = 0;

	for (int i = 0; i < 20; i++)
		s[n++] = smp((uint32_t)(1 + i % 3), lat_us(i), 200, 0);
	for (int i = 0; i < 5; i++)
		s[n++] = smp(4, 500, 200, 0);
	for (int i = 0; i < 6; i++)
		s[n++] = smp(5, (uint32_t)(2000 + 1000 * i), st[i], i == 5 ? E2E_EK_REFUSED : 0);
	return n;
}

static struct e2e_report *compute1(bool count_4xx)
{
	static struct e2e_run run;
	struct e2e_sample s[64];
	struct e2e_report_run in = { 0 };
	struct e2e_report_opts o = { count_4xx, NULL };
	struct e2e_report *r = NULL;

	run = mkrun(12, 1795183331000, 10000000000ull, true);
	in.run = &run;
	in.samples = s;
	in.nsamples = single_samples(s);
	ck_assert_int_eq(e2e_report_compute(&in, 1, paths, NPATHS, &o, &r), 0);
	return r;
}

START_TEST(single_run_figures)
{
	struct e2e_report *r = compute1(false);
	const struct e2e_endpoint_report *a = e2e_report_find(r, "GET /users/{id}");

	ck_assert_uint_eq(r->nendpoints, 3);
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->method, "GET");
	ck_assert_str_eq(a->path, "/users/{id}");
	ck_assert_uint_eq(a->count, 20);
	ck_assert_uint_eq(a->errors, 0);
	assert_close(a->p50_ms, 7.5075, "p50");
	assert_close(a->p90_ms, 12.576500000000001, "p90");
	assert_close(a->p95_ms, 13.21355, "p95");
	assert_close(a->p99_ms, 13.52591, "p99");
	assert_close(a->min_ms, 1.0, "min");
	assert_close(a->max_ms, 13.604, "max");
	assert_close(a->mean_ms, 7.2745999999999995, "mean");
	assert_close(a->stddev_ms, 4.021708139322735, "stddev");
	assert_close(a->throughput_rps, 2.0, "rps");
	assert_close(a->mean_req_bytes, 10, "req bytes");
	ck_assert_uint_eq(a->total_resp_bytes, 7 * 101 + 7 * 102 + 6 * 103);
	/* raw paths: count descending, then path */
	ck_assert_uint_eq(a->npaths, 3);
	ck_assert_str_eq(a->paths[0].path, "/users/1");
	ck_assert_uint_eq(a->paths[0].count, 7);
	ck_assert_str_eq(a->paths[1].path, "/users/2");
	ck_assert_uint_eq(a->paths[1].count, 7);
	ck_assert_str_eq(a->paths[2].path, "/users/3");
	ck_assert_uint_eq(a->paths[2].count, 6);
	/* samples kept in recording order, from run index 0 */
	ck_assert_uint_eq(a->nsamples, 20);
	for (size_t i = 0; i < 20; i++) {
		ck_assert_uint_eq(a->samples[i].total_us, lat_us((int)i));
		ck_assert_uint_eq(a->sample_run[i], 0);
	}
	ck_assert_ptr_null(a->per_run);
	/* sorted by p95 descending */
	ck_assert_str_eq(r->endpoints[0].key, "GET /users/{id}");
	ck_assert_str_eq(r->endpoints[1].key, "POST /orders");
	ck_assert_str_eq(r->endpoints[2].key, "GET /health");
	/* overall */
	ck_assert_uint_eq(r->total_requests, 31);
	ck_assert_uint_eq(r->overall.count, 31);
	ck_assert_uint_eq(r->total_errors, 3);
	ck_assert_uint_eq(r->distinct_paths, 5);
	ck_assert_str_eq(r->service, "users-api");
	ck_assert_uint_eq(r->nruns, 1);
	ck_assert_int_eq(r->runs[0].id, 12);
	assert_close(r->duration_s, 10, "duration");
	assert_close(r->overall.min_ms, 0.5, "overall min");
	assert_close(r->overall.max_ms, 13.604, "overall max");
	assert_close(r->overall_mean_ms, (145.492 + 2.5 + 27.0) / 31, "overall mean");
	assert_close(r->overall.throughput_rps, 3.1, "overall rps");
	ck_assert(!r->incomplete);
	e2e_report_destroy(r);
}
END_TEST

START_TEST(errors_statuses_kinds)
{
	static const struct {
		bool count_4xx;
		uint64_t errors;
	} cases[] = { { false, 3 }, { true, 4 } };

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct e2e_report *r = compute1(cases[c].count_4xx);
		const struct e2e_endpoint_report *o = e2e_report_find(r, "POST /orders");
		static const uint16_t want[] = { 0, 200, 201, 404, 500, 503 };

		ck_assert_uint_eq(o->errors, cases[c].errors);
		assert_close(o->error_rate, (double)cases[c].errors / 6, "error rate");
		ck_assert_uint_eq(r->total_errors, cases[c].errors);
		ck_assert(r->count_4xx == cases[c].count_4xx);
		ck_assert_uint_eq(o->nstatuses, 6);
		for (size_t i = 0; i < 6; i++) {
			ck_assert_uint_eq(o->statuses[i].status, want[i]);
			ck_assert_uint_eq(o->statuses[i].count, 1);
		}
		ck_assert_uint_eq(o->error_kinds[E2E_EK_REFUSED], 1);
		ck_assert_uint_eq(o->error_kinds[E2E_EK_NONE], 0);
		ck_assert_uint_eq(r->overall.nstatuses, 6);
		ck_assert_uint_eq(r->overall.statuses[1].status, 200);
		ck_assert_uint_eq(r->overall.statuses[1].count, 26);
		e2e_report_destroy(r);
	}
}
END_TEST

/* Two runs of GET /users/{id}: run 7 (older, lat(0..19), 10 s) and run 8
 * (newer, lat(100..129), 20 s). */
START_TEST(merged_runs_pool_samples)
{
	struct e2e_run r7 = mkrun(7, 1795000000000, 10000000000ull, true);
	struct e2e_run r8 = mkrun(8, 1795100000000, 20000000000ull, false);
	struct e2e_sample s7[20], s8[30], all[50];
	struct e2e_report_run in[2];
	struct e2e_report *m = NULL, *pooled = NULL;
	const struct e2e_endpoint_report *a, *p;

	for (int i = 0; i < 20; i++)
		all[i] = s7[i] = smp(1, lat_us(i), i == 3 ? 500 : 200, 0);
	for (int i = 0; i < 30; i++)
		all[20 + i] = s8[i] = smp(2, lat_us(100 + i), 200, 0);
	in[0] = (struct e2e_report_run){ &r8, s8, 30, NULL, 0, NULL, 0 };
	in[1] = (struct e2e_report_run){ &r7, s7, 20, NULL, 0, NULL, 0 };
	ck_assert_int_eq(e2e_report_compute(in, 2, paths, NPATHS, NULL, &m), 0);
	a = e2e_report_find(m, "GET /users/{id}");
	ck_assert_uint_eq(a->count, 50);
	assert_close(a->p50_ms, 7.712999999999999, "merged p50");
	assert_close(a->p90_ms, 12.9464, "merged p90");
	assert_close(a->p95_ms, 13.419049999999997, "merged p95");
	assert_close(a->p99_ms, 13.813609999999999, "merged p99");
	assert_close(a->throughput_rps, 50.0 / 30, "merged rps");
	ck_assert(m->incomplete);
	ck_assert_int_eq(m->runs[0].id, 8);
	ck_assert_int_eq(m->started_ms, 1795000000000);
	/* samples: the older run first, tagged with its index (1) */
	for (size_t i = 0; i < 50; i++) {
		ck_assert_uint_eq(a->sample_run[i], i < 20 ? 1 : 0);
		ck_assert_uint_eq(a->samples[i].total_us, all[i].total_us);
	}
	/* per-run points, newest first */
	ck_assert_ptr_nonnull(a->per_run);
	ck_assert_uint_eq(a->per_run[0].count, 30);
	assert_close(a->per_run[0].p50_ms, 7.9185, "run 8 p50");
	assert_close(a->per_run[0].p95_ms, 13.419049999999997, "run 8 p95");
	assert_close(a->per_run[0].p99_ms, 13.89581, "run 8 p99");
	ck_assert_uint_eq(a->per_run[1].count, 20);
	ck_assert_uint_eq(a->per_run[1].errors, 1);
	assert_close(a->per_run[1].p50_ms, 7.5075, "run 7 p50");
	assert_close(a->per_run[1].mean_ms, 7.2745999999999995, "run 7 mean");

	/* the same samples as one run give the same figures */
	in[0] = (struct e2e_report_run){ &r8, all, 50, NULL, 0, NULL, 0 };
	ck_assert_int_eq(e2e_report_compute(in, 1, paths, NPATHS, NULL, &pooled), 0);
	p = e2e_report_find(pooled, "GET /users/{id}");
	ck_assert(p->p50_ms == a->p50_ms && p->p90_ms == a->p90_ms && p->p95_ms == a->p95_ms &&
		  p->p99_ms == a->p99_ms && p->min_ms == a->min_ms && p->max_ms == a->max_ms);
	ck_assert_uint_eq(p->errors, a->errors);
	assert_close(p->mean_ms, a->mean_ms, "pooled mean");
	ck_assert_uint_eq(m->overall.count, pooled->overall.count);
	ck_assert(m->overall_p95_ms == pooled->overall_p95_ms);
	e2e_report_destroy(m);
	e2e_report_destroy(pooled);
}
END_TEST

START_TEST(endpoint_missing_from_a_run)
{
	struct e2e_run r1 = mkrun(1, 1000, 1000000000ull, true), r2 = mkrun(2, 2000, 1000000000ull, true);
	struct e2e_sample a[2] = { smp(4, 1000, 200, 0), smp(5, 2000, 200, 0) },
			  b[1] = { smp(4, 3000, 200, 0) };
	struct e2e_report_run in[2] = { { &r2, b, 1, NULL, 0, NULL, 0 }, { &r1, a, 2, NULL, 0, NULL, 0 } };
	struct e2e_report *r = NULL;
	const struct e2e_endpoint_report *o;

	ck_assert_int_eq(e2e_report_compute(in, 2, paths, NPATHS, NULL, &r), 0);
	o = e2e_report_find(r, "POST /orders");
	ck_assert_uint_eq(o->per_run[0].count, 0);
	ck_assert(isnan(o->per_run[0].p95_ms));
	ck_assert_uint_eq(o->per_run[1].count, 1);
	assert_close(o->per_run[1].p95_ms, 2.0, "p95 of one");
	e2e_report_destroy(r);
}
END_TEST

START_TEST(unknown_path_id)
{
	struct e2e_run run = mkrun(3, 1000, 0, true);
	struct e2e_sample s[2] = { smp(1, 1000, 200, 0), smp(77, 1000, 200, 0) };
	struct e2e_report_run in = { &run, s, 2, NULL, 0, NULL, 0 };
	struct e2e_report *r = NULL;

	ck_assert_int_eq(e2e_report_compute(&in, 1, paths, NPATHS, NULL, &r), E2E_ERR_INPUT);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(e2e_error_message(), "run 3: a sample refers to unknown path id 77");
}
END_TEST

START_TEST(empty_run)
{
	struct e2e_run run = mkrun(4, 1000, 5000000000ull, true);
	struct e2e_report_run in = { &run, NULL, 0, NULL, 0, NULL, 0 };
	struct e2e_report *r = NULL;

	ck_assert_int_eq(e2e_report_compute(&in, 1, paths, NPATHS, NULL, &r), 0);
	ck_assert_uint_eq(r->nendpoints, 0);
	ck_assert_uint_eq(r->total_requests, 0);
	ck_assert(isnan(r->overall_p95_ms));
	ck_assert(r->overall_mean_ms == 0);
	ck_assert_uint_eq(r->distinct_paths, 0);
	e2e_report_destroy(r);
	/* no runs at all, no paths */
	ck_assert_int_eq(e2e_report_compute(NULL, 0, NULL, 0, NULL, &r), 0);
	ck_assert_uint_eq(r->nruns, 0);
	ck_assert_str_eq(r->service, "");
	e2e_report_destroy(r);
	e2e_report_destroy(NULL);
}
END_TEST

/* A killed run has no duration: the end of its last request stands in. */
START_TEST(duration_of_a_killed_run)
{
	struct e2e_run run = mkrun(5, 1000, 0, false);
	struct e2e_sample s[2] = { smp(4, 500000, 200, 0), smp(4, 250000, 200, 0) };
	struct e2e_report_run in = { &run, s, 2, NULL, 0, NULL, 0 };
	struct e2e_report *r = NULL;

	s[0].start_ns = 1000000000ull; /* ends at 1.5 s */
	s[1].start_ns = 3750000000ull; /* ends at 4 s */
	ck_assert(isnan(e2e_report_run_duration_s(&run)));
	ck_assert_int_eq(e2e_report_compute(&in, 1, paths, NPATHS, NULL, &r), 0);
	assert_close(r->duration_s, 4.0, "duration");
	assert_close(r->endpoints[0].throughput_rps, 0.5, "rps");
	ck_assert(r->incomplete);
	e2e_report_destroy(r);
	run.ended_ms = 3500;
	assert_close(e2e_report_run_duration_s(&run), 2.5, "wall span");
}
END_TEST

/* Path ids far apart (a sparse table) take the binary-search lookup. */
START_TEST(sparse_path_ids)
{
	struct e2e_path sp[3] = { { 4000000000u, "GET", "/a", "GET /a" },
				  { 7, "GET", "/b/1", "GET /b/{id}" },
				  { 3000000000u, "GET", "/b/2", "GET /b/{id}" } };
	struct e2e_run run = mkrun(6, 1000, 1000000000ull, true);
	struct e2e_sample s[4] = { smp(4000000000u, 1000, 200, 0), smp(7, 1000, 200, 0),
				   smp(3000000000u, 3000, 200, 0), smp(3000000000u, 3000, 200, 0) };
	struct e2e_report_run in = { &run, s, 4, NULL, 0, NULL, 0 };
	struct e2e_report *r = NULL;
	const struct e2e_endpoint_report *b;

	ck_assert_int_eq(e2e_report_compute(&in, 1, sp, 3, NULL, &r), 0);
	b = e2e_report_find(r, "GET /b/{id}");
	ck_assert_uint_eq(b->count, 3);
	ck_assert_str_eq(b->paths[0].path, "/b/2");
	ck_assert_uint_eq(b->paths[0].count, 2);
	ck_assert_uint_eq(e2e_report_find(r, "GET /a")->count, 1);
	ck_assert_ptr_null(e2e_report_find(r, "GET /c"));
	e2e_report_destroy(r);
}
END_TEST

/* Requests whose raw path was cut (sample.h) are counted from the stored
 * paths alone; a short path that merely ends like the mark is not. */
START_TEST(cut_paths_counted)
{
	static char longp[E2E_PATH_MAX + E2E_PATH_CUT_MARK_LEN + 1];
	struct e2e_path cp[3] = { { 1, "GET", longp, "GET /x" },
				  { 2, "GET", "/x" E2E_PATH_CUT_MARK, "GET /x" },
				  { 3, "GET", "/y", "GET /y" } };
	struct e2e_run run = mkrun(6, 1000, 1000000000ull, true);
	struct e2e_sample s[5] = { smp(1, 1000, 200, 0), smp(1, 1000, 200, 0), smp(1, 1000, 200, 0),
				   smp(2, 1000, 200, 0), smp(3, 1000, 200, 0) };
	struct e2e_report_run in = { &run, s, 5, NULL, 0, NULL, 0 };
	struct e2e_report *r = NULL;

	memset(longp, 'x', E2E_PATH_MAX);
	longp[0] = '/';
	memcpy(longp + E2E_PATH_MAX, E2E_PATH_CUT_MARK, E2E_PATH_CUT_MARK_LEN);
	ck_assert_int_eq(e2e_report_compute(&in, 1, cp, 3, NULL, &r), 0);
	ck_assert_uint_eq(r->cut_paths, 3);
	e2e_report_destroy(r);
	in.nsamples = 2; /* runs without a cut path say nothing */
	in.samples = s + 3;
	ck_assert_int_eq(e2e_report_compute(&in, 1, cp, 3, NULL, &r), 0);
	ck_assert_uint_eq(r->cut_paths, 0);
	e2e_report_destroy(r);
}
END_TEST

START_TEST(histogram_bins)
{
	struct e2e_report *r = compute1(false);
	struct e2e_report_bin bins[10];
	bool lg = true;
	uint64_t sum = 0;

	/* 1.0 .. 13.604 ms: ratio < 20, linear */
	e2e_report_histogram(e2e_report_find(r, "GET /users/{id}"), 10, bins, &lg);
	ck_assert(!lg);
	assert_close(bins[0].lo_ms, 1.0, "lo");
	assert_close(bins[9].hi_ms, 13.604, "hi");
	for (size_t i = 0; i < 10; i++)
		sum += bins[i].count;
	ck_assert_uint_eq(sum, 20);
	ck_assert_uint_eq(bins[9].count, 3); /* [12.3436, 13.604]: 12.508, 13.193, 13.604 */
	e2e_report_destroy(r);

	/* 0.1 .. 100 ms: log-spaced, 3 decades in 3 bins */
	struct e2e_run run = mkrun(1, 1000, 1000000000ull, true);
	struct e2e_sample s[4] = { smp(4, 100, 200, 0), smp(4, 2000, 200, 0), smp(4, 20000, 200, 0),
				   smp(4, 100000, 200, 0) };
	struct e2e_report_run in = { &run, s, 4, NULL, 0, NULL, 0 };

	ck_assert_int_eq(e2e_report_compute(&in, 1, paths, NPATHS, NULL, &r), 0);
	e2e_report_histogram(&r->endpoints[0], 3, bins, &lg);
	ck_assert(lg);
	assert_close(bins[1].lo_ms, 1.0, "decade 1");
	assert_close(bins[2].lo_ms, 10.0, "decade 2");
	ck_assert_uint_eq(bins[0].count, 1);
	ck_assert_uint_eq(bins[1].count, 1);
	ck_assert_uint_eq(bins[2].count, 2);
	e2e_report_destroy(r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("report");
	TCase *t = tcase_create("compute");

	tcase_add_test(t, single_run_figures);
	tcase_add_test(t, errors_statuses_kinds);
	tcase_add_test(t, merged_runs_pool_samples);
	tcase_add_test(t, endpoint_missing_from_a_run);
	tcase_add_test(t, unknown_path_id);
	tcase_add_test(t, empty_run);
	tcase_add_test(t, duration_of_a_killed_run);
	tcase_add_test(t, sparse_path_ids);
	tcase_add_test(t, cut_paths_counted);
	tcase_add_test(t, histogram_bins);
	suite_add_tcase(s, t);
	return s;
}

E2E_TEST_MAIN(suite)

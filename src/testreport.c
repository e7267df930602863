/* testreport.c - tests of the covered runs joined by name, their requests
 * from the endpoints' samples (each carries its run and test id), and per
 * endpoint its top callers. One pass over the samples; a test's counts per
 * endpoint use one scratch array and the list of what the endpoint
 * touched, so 10,000 tests cost no more than their samples. */
#include "testreport.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fmt.h"
#include "report.h"
#include "strmap.h"
#include "banned.h"

static bool status_failed(const char *s)
{
	return strcmp(s, "failed") == 0 || strcmp(s, "error") == 0;
}

/* The global index of every test of every run: map[k][id] for id below
 * map_len[k] (UINT32_MAX for an id the run does not have). */
static uint32_t **join_tests(const struct e2e_report *rep, const struct e2e_test *const *tests,
			     const size_t *ntests, struct e2e_tests_report *t, double *dur_sum,
			     uint32_t *dur_n, size_t *map_len)
{
	struct e2e_strmap names = { 0 };
	uint32_t **map = e2e_xcalloc(rep->nruns, sizeof(*map));

	for (size_t k = 0; k < rep->nruns; k++) {
		uint32_t max_id = 0;

		for (size_t i = 0; i < ntests[k]; i++)
			if (tests[k][i].id > max_id)
				max_id = tests[k][i].id;
		map_len[k] = (size_t)max_id + 1;
		map[k] = e2e_xmalloc(((size_t)max_id + 1) * sizeof(**map));
		memset(map[k], 0xff, ((size_t)max_id + 1) * sizeof(**map));
		for (size_t i = 0; i < ntests[k]; i++) {
			const struct e2e_test *x = &tests[k][i];
			struct e2e_test_report *g;
			uint32_t gi;

			if (!e2e_strmap_get(&names, x->name, strlen(x->name), &gi)) {
				gi = (uint32_t)t->ntests++;
				e2e_strmap_put(&names, x->name, strlen(x->name), gi);
				g = &t->tests[gi];
				g->name = e2e_xstrdup(x->name);
				g->status = e2e_xstrdup(x->status); /* runs are newest first */
				g->classname = e2e_xstrdup(x->classname ? x->classname : "");
				g->run_ms = e2e_xmalloc(rep->nruns * sizeof(*g->run_ms));
				g->run_state = e2e_xcalloc(rep->nruns, sizeof(*g->run_state));
				for (size_t j = 0; j < rep->nruns; j++)
					g->run_ms[j] = NAN;
			}
			g = &t->tests[gi];
			map[k][x->id] = gi;
			g->runs++;
			g->run_state[k] = E2E_TEST_OTHER;
			if (strcmp(x->status, "passed") == 0) {
				g->passed++;
				g->run_state[k] = E2E_TEST_PASSED;
			} else if (status_failed(x->status)) {
				g->failed++;
				g->run_state[k] = E2E_TEST_FAILED;
			}
			if (x->duration_ns || x->junit_ns) {
				double ms = (double)(x->duration_ns ? x->duration_ns : x->junit_ns) / 1e6;

				dur_sum[gi] += ms;
				dur_n[gi]++;
				/* a name seen twice in one run: its durations add up */
				g->run_ms[k] = isnan(g->run_ms[k]) ? ms : g->run_ms[k] + ms;
			}
		}
	}
	e2e_strmap_finish(&names);
	return map;
}

static const struct e2e_test_report *sort_base;

static int cmp_test(const void *a, const void *b)
{
	const struct e2e_test_report *x = &sort_base[*(const uint32_t *)a],
				     *y = &sort_base[*(const uint32_t *)b];
	bool xn = isnan(x->duration_ms), yn = isnan(y->duration_ms);

	if (xn != yn)
		return xn ? 1 : -1;
	if (!xn && x->duration_ms != y->duration_ms)
		return x->duration_ms > y->duration_ms ? -1 : 1;
	if (x->http_ms != y->http_ms)
		return x->http_ms > y->http_ms ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Keeps the endpoint's top callers (count descending, then index: the
 * final order's, names break ties the same way) in top. */
static void keep_top(struct e2e_test_count *top, size_t *ntop, uint32_t test, uint64_t count)
{
	size_t at = *ntop;

	while (at > 0 &&
	       (top[at - 1].count < count || (top[at - 1].count == count && top[at - 1].test > test)))
		at--;
	if (at >= E2E_TESTS_TOP)
		return;
	if (*ntop < E2E_TESTS_TOP)
		(*ntop)++;
	memmove(top + at + 1, top + at, (*ntop - 1 - at) * sizeof(*top));
	top[at] = (struct e2e_test_count){ test, count };
}

int e2e_tests_report_compute(const struct e2e_report *rep, const struct e2e_test *const *tests,
			     const size_t *ntests, struct e2e_tests_report **out)
{
	struct e2e_tests_report *t;
	size_t total = 0;
	uint32_t **map, *order, *rank, *touched;
	uint32_t *dur_n;
	size_t *map_len;
	double *dur_sum;
	uint64_t *cnt;

	for (size_t k = 0; k < rep->nruns; k++)
		total += ntests[k];
	*out = NULL;
	if (!total)
		return 0;
	t = e2e_xcalloc(1, sizeof(*t));
	t->tests = e2e_xcalloc(total, sizeof(*t->tests));
	dur_sum = e2e_xcalloc(total, sizeof(*dur_sum));
	dur_n = e2e_xcalloc(total, sizeof(*dur_n));
	map_len = e2e_xcalloc(rep->nruns, sizeof(*map_len));
	map = join_tests(rep, tests, ntests, t, dur_sum, dur_n, map_len);
	for (size_t g = 0; g < t->ntests; g++) {
		t->tests[g].duration_ms = dur_n[g] ? dur_sum[g] / dur_n[g] : NAN;
		t->tests[g].flaky = t->tests[g].passed && t->tests[g].failed;
	}

	/* requests and HTTP time per test, callers per endpoint (global indexes) */
	t->top = e2e_xcalloc(rep->nendpoints ? rep->nendpoints : 1, sizeof(*t->top));
	t->ntop = e2e_xcalloc(rep->nendpoints ? rep->nendpoints : 1, sizeof(*t->ntop));
	t->ncallers = e2e_xcalloc(rep->nendpoints ? rep->nendpoints : 1, sizeof(*t->ncallers));
	cnt = e2e_xcalloc(t->ntests, sizeof(*cnt));
	touched = e2e_xmalloc(t->ntests * sizeof(*touched));
	for (size_t e = 0; e < rep->nendpoints; e++) {
		const struct e2e_endpoint_report *ep = &rep->endpoints[e];
		size_t ntouched = 0;

		for (size_t i = 0; i < ep->nsamples; i++) {
			const struct e2e_sample *s = &ep->samples[i];
			uint32_t k = ep->sample_run[i], id = s->test_id, g;

			if (id == E2E_TEST_OUTSIDE) {
				t->outside++;
				continue;
			}
			g = id < map_len[k] ? map[k][id] : UINT32_MAX;
			if (g == UINT32_MAX) {
				t->unattributed++;
				continue;
			}
			t->tests[g].requests++;
			t->tests[g].errors += e2e_sample_is_error(s, rep->count_4xx);
			t->tests[g].http_ms += (double)s->total_us / 1000.0;
			if (cnt[g]++ == 0)
				touched[ntouched++] = g;
		}
		t->ncallers[e] = ntouched;
		for (size_t i = 0; i < ntouched; i++) {
			keep_top(t->top[e], &t->ntop[e], touched[i], cnt[touched[i]]);
			cnt[touched[i]] = 0;
		}
	}

	/* final order; callers renamed to it and re-sorted on ties */
	order = e2e_xmalloc(t->ntests * sizeof(*order));
	rank = e2e_xmalloc(t->ntests * sizeof(*rank));
	for (size_t g = 0; g < t->ntests; g++)
		order[g] = (uint32_t)g;
	sort_base = t->tests;
	qsort(order, t->ntests, sizeof(*order), cmp_test);
	sort_base = NULL;
	{
		struct e2e_test_report *sorted = e2e_xmalloc(t->ntests * sizeof(*sorted));

		for (size_t i = 0; i < t->ntests; i++) {
			sorted[i] = t->tests[order[i]];
			rank[order[i]] = (uint32_t)i;
		}
		free(t->tests);
		t->tests = sorted;
	}
	for (size_t e = 0; e < rep->nendpoints; e++) {
		struct e2e_test_count top[E2E_TESTS_TOP];
		size_t n = t->ntop[e], m = 0;

		memcpy(top, t->top[e], n * sizeof(*top));
		for (size_t i = 0; i < n; i++)
			keep_top(t->top[e], &m, rank[top[i].test], top[i].count);
	}

	for (size_t k = 0; k < rep->nruns; k++)
		free(map[k]);
	free(map);
	free(map_len);
	free(order);
	free(rank);
	free(touched);
	free(cnt);
	free(dur_sum);
	free(dur_n);
	*out = t;
	return 0;
}

int e2e_report_add_tests(struct e2e_report *r, const struct e2e_test *const *tests, const size_t *ntests)
{
	if (r->tests_free)
		r->tests_free(r->tests);
	r->tests = NULL;
	r->tests_free = e2e_tests_report_destroy;
	return e2e_tests_report_compute(r, tests, ntests, &r->tests);
}

void e2e_tests_report_destroy(struct e2e_tests_report *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ntests; i++) {
		free(t->tests[i].name);
		free(t->tests[i].status);
		free(t->tests[i].classname);
		free(t->tests[i].run_ms);
		free(t->tests[i].run_state);
	}
	free(t->tests);
	free(t->top);
	free(t->ntop);
	free(t->ncallers);
	free(t);
}

void e2e_tests_report_callers(const struct e2e_tests_report *t, size_t e, struct e2e_buf *b)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ntop[e]; i++) {
		if (i)
			e2e_buf_puts(b, ", ");
		e2e_buf_puts(b, t->tests[t->top[e][i].test].name);
		e2e_buf_puts(b, " (");
		e2e_fmt_count(b, t->top[e][i].count);
		e2e_buf_puts(b, "x)");
	}
	if (t->ncallers[e] > t->ntop[e])
		e2e_buf_printf(b, " and %zu more", t->ncallers[e] - t->ntop[e]);
}

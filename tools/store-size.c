/* store-size - what the store costs: on-disk bytes per request and the time
 * to append and to load one run of N requests (default 1,000,000).
 *
 *   build/tools/store-size [N [TESTS]]
 *
 * Records a realistic run into a temporary database the way the proxy does
 * (50 endpoints, ~5,000 distinct paths, lognormal latencies, mostly 200s,
 * responses of 100-10,000 bytes, samples in completion order, batches of
 * 1,024 with the run's progress), closes it (the last close checkpoints and
 * removes the WAL), then loads the run back, checks every sample and prints
 *
 *   bytes_per_request=NN.N load_1m_ms=NN append_1m_ms=NN
 *
 * Times are scaled to 1,000,000 requests; load is the best of 3. With
 * TESTS, the requests are those of a serial suite of TESTS tests (SPEC
 * section 11): each test's requests in one stretch, one request in 20
 * outside any test, so the figure includes the test id's cost. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "parse.h"
#include "sample.h"
#include "store.h"

#include "banned.h"

#define ENDPOINTS 50
#define STATIC_ENDPOINTS 10 /* one path each; the other 40 have IDS_PER_ENDPOINT */
#define IDS_PER_ENDPOINT 125
#define BATCH 1024

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double rng_unit(void)
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_lognormal(double median, double sigma)
{
	double z = sqrt(-2 * log(rng_unit())) * cos(2 * M_PI * rng_unit());

	return median * exp(sigma * z);
}

static uint32_t clamp_u32(double v)
{
	return v >= 4294967295.0 ? UINT32_MAX : (uint32_t)v;
}

struct endpoint {
	const char *method;
	double median_us, sigma, weight;
};

struct pending {
	uint64_t end_ns;
	struct e2e_sample s; /* path_id holds the path's index until interned */
};

static int by_end(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	return (x->end_ns > y->end_ns) - (x->end_ns < y->end_ns);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Path number idx and its endpoint; returns its method. */
static const char *path_of(size_t idx, struct e2e_buf *path, struct e2e_buf *endpoint,
			   const struct endpoint *eps)
{
	size_t e =
		idx < STATIC_ENDPOINTS ? idx : STATIC_ENDPOINTS + (idx - STATIC_ENDPOINTS) / IDS_PER_ENDPOINT;

	e2e_buf_reset(path);
	e2e_buf_reset(endpoint);
	if (e < STATIC_ENDPOINTS) {
		e2e_buf_printf(path, "/api/v2/static%zu", e);
		e2e_buf_printf(endpoint, "%s %s", eps[e].method, path->data);
	} else {
		e2e_buf_printf(path, "/api/v2/resource%zu/%zu", e,
			       1000 + (idx - STATIC_ENDPOINTS) % IDS_PER_ENDPOINT);
		e2e_buf_printf(endpoint, "%s /api/v2/resource%zu/{id}", eps[e].method, e);
	}
	return eps[e].method;
}

/* The run in completion order; path_id is the path index. */
static struct pending *generate(size_t n, const struct endpoint *eps, uint64_t tests)
{
	struct pending *p = e2e_xmalloc(n * sizeof(*p));
	double total_weight = 0, t_ns = 0;

	for (size_t e = 0; e < ENDPOINTS; e++)
		total_weight += eps[e].weight;
	for (size_t i = 0; i < n; i++) {
		struct e2e_sample *s = &p[i].s;
		double pick = rng_unit() * total_weight;
		size_t e = 0, idx;
		double r;

		while (e + 1 < ENDPOINTS && (pick -= eps[e].weight) > 0)
			e++;
		idx = e < STATIC_ENDPOINTS ? e
					   : STATIC_ENDPOINTS + (e - STATIC_ENDPOINTS) * IDS_PER_ENDPOINT +
						     rng_next() % IDS_PER_ENDPOINT;
		/* Poisson arrivals at ~4,000 requests/s */
		t_ns += -log(rng_unit()) * 250000;
		memset(s, 0, sizeof(*s));
		s->start_ns = (uint64_t)t_ns;
		s->path_id = (uint32_t)idx;
		s->total_us = clamp_u32(rng_lognormal(eps[e].median_us, eps[e].sigma));
		s->ttfb_us = (uint32_t)(s->total_us * (0.6 + 0.38 * rng_unit()));
		s->proxy_us = clamp_u32(rng_lognormal(40, 0.6));
		s->req_bytes = strcmp(eps[e].method, "GET") == 0 ? 0 : 100 + rng_next() % 1900;
		s->resp_bytes = 100 + rng_next() % 9901;
		r = rng_unit();
		s->status = strcmp(eps[e].method, "POST") == 0 ? 201 : 200;
		if (r < 0.001) {
			s->status = 502;
			s->error = E2E_EK_RESET;
			s->resp_bytes = 0;
		} else if (r < 0.006) {
			s->status = 500;
		} else if (r < 0.02) {
			s->status = 404;
		} else if (r < 0.03) {
			s->status = 304;
			s->resp_bytes = 0;
		}
		if (tests)
			s->test_id = i % 20 == 0 ? E2E_TEST_OUTSIDE
						 : E2E_TEST_FIRST + (uint32_t)((uint64_t)i * tests / n);
		p[i].end_ns = s->start_ns + (uint64_t)s->total_us * 1000 + (uint64_t)s->proxy_us * 1000;
	}
	qsort(p, n, sizeof(*p), by_end);
	return p;
}

static int fail(const char *what)
{
	fprintf(stderr, "store-size: %s: %s\n", what, e2e_error_message());
	return 1;
}

static bool same(const struct e2e_sample *a, const struct e2e_sample *b)
{
	return a->start_ns == b->start_ns && a->path_id == b->path_id && a->status == b->status &&
	       a->error == b->error && a->ttfb_us == b->ttfb_us && a->total_us == b->total_us &&
	       a->proxy_us == b->proxy_us && a->req_bytes == b->req_bytes && a->resp_bytes == b->resp_bytes &&
	       a->test_id == b->test_id;
}

/* Appends the run in batches, interning each path the first time it is
 * seen as the recorder does; rewrites path_id to the stored id. */
static int record(struct e2e_store *st, int64_t run_id, struct pending *p, size_t n,
		  const struct endpoint *eps, size_t npaths)
{
	uint32_t *ids = e2e_xcalloc(npaths, sizeof(*ids));
	struct e2e_sample *batch = e2e_xmalloc(BATCH * sizeof(*batch));
	struct e2e_buf path = E2E_BUF_INIT, endpoint = E2E_BUF_INIT;
	int rc = 0;

	for (size_t at = 0; rc == 0 && at < n; at += BATCH) {
		size_t k = n - at < BATCH ? n - at : BATCH;

		rc = e2e_store_begin(st);
		for (size_t i = 0; rc == 0 && i < k; i++) {
			struct e2e_sample *s = &p[at + i].s;

			if (!ids[s->path_id]) {
				const char *method = path_of(s->path_id, &path, &endpoint, eps);

				rc = e2e_store_path_intern(st, run_id, method, path.data, endpoint.data,
							   &ids[s->path_id]);
			}
			s->path_id = ids[s->path_id];
			batch[i] = *s;
		}
		if (rc == 0)
			rc = e2e_store_append(st, run_id, batch, k);
		if (rc == 0)
			rc = e2e_store_run_progress(st, run_id, at + k, 0, 64);
		if (rc == 0)
			rc = e2e_store_commit(st);
		else
			e2e_store_rollback(st);
	}
	e2e_buf_finish(&path);
	e2e_buf_finish(&endpoint);
	free(batch);
	free(ids);
	return rc;
}

int main(int argc, char **argv)
{
	uint64_t n = 1000000, tests = 0;
	struct endpoint eps[ENDPOINTS];
	const char *tmpdir = getenv("TMPDIR");
	char dir[4096], db[4200], side[4300];
	struct e2e_store *st = NULL;
	struct e2e_run run = {
		.service = "store-size", .started_ms = 1, .exit_status = -1, .source = "proxy"
	};
	struct pending *p;
	struct e2e_sample *got = NULL;
	size_t got_n = 0;
	double t0, append_ms, load_ms = INFINITY, scale;
	struct stat sb;
	int64_t run_id;
	int status = 1;

	if (argc > 3 || (argc >= 2 && !e2e_parse_u64(argv[1], 1, 100000000, &n)) ||
	    (argc == 3 && !e2e_parse_u64(argv[2], 1, 1000000, &tests))) {
		fprintf(stderr, "usage: store-size [REQUESTS [TESTS]]\n");
		return 2;
	}
	for (size_t e = 0; e < ENDPOINTS; e++) {
		eps[e].method = e % 7 == 3 ? "POST" : e % 11 == 5 ? "PUT" : "GET";
		eps[e].median_us = 1500 + (double)(rng_next() % 60000);
		eps[e].sigma = 0.3 + 0.5 * rng_unit();
		eps[e].weight = 1.0 / (double)(e + 1);
	}
	p = generate(n, eps, tests);

	snprintf(dir, sizeof(dir), "%s/e2e-store-size.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir)) {
		perror("store-size: mkdtemp");
		free(p);
		return 1;
	}
	snprintf(db, sizeof(db), "%s/perf.db", dir);
	if (e2e_store_open(db, E2E_STORE_CREATE, &st) != 0 || e2e_store_run_begin(st, &run, &run_id) != 0) {
		status = fail("open");
		goto out;
	}
	t0 = now_ms();
	if (record(st, run_id, p, n, eps,
		   STATIC_ENDPOINTS + (ENDPOINTS - STATIC_ENDPOINTS) * IDS_PER_ENDPOINT)) {
		status = fail("append");
		goto out;
	}
	append_ms = now_ms() - t0;
	run.id = run_id;
	run.recorded = n;
	run.complete = true;
	if (e2e_store_run_end(st, &run) != 0) {
		status = fail("end run");
		goto out;
	}
	e2e_store_close(st);
	st = NULL;
	if (stat(db, &sb) != 0) {
		perror("store-size: stat");
		goto out;
	}

	if (e2e_store_open(db, E2E_STORE_READONLY, &st) != 0) {
		status = fail("reopen");
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		free(got);
		t0 = now_ms();
		if (e2e_store_samples_load(st, run_id, &got, &got_n) != 0) {
			status = fail("load");
			goto out;
		}
		load_ms = fmin(load_ms, now_ms() - t0);
	}
	if (got_n != n) {
		fprintf(stderr, "store-size: loaded %zu samples, recorded %llu\n", got_n,
			(unsigned long long)n);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!same(&got[i], &p[i].s)) {
			fprintf(stderr, "store-size: sample %zu differs after loading\n", i);
			goto out;
		}
	}
	scale = 1e6 / (double)n;
	printf("bytes_per_request=%.1f load_1m_ms=%.0f append_1m_ms=%.0f\n", (double)sb.st_size / (double)n,
	       load_ms * scale, append_ms * scale);
	status = 0;
out:
	e2e_store_close(st);
	free(got);
	free(p);
	unlink(db);
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
	rmdir(dir);
	return status;
}

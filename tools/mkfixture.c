/* mkfixture - builds a report fixture database through the store API.
 *
 *   mkfixture DB                      the fixed fixture of the golden tests
 *   mkfixture DB --aging              plus service "aging": runs 10 days and
 *                                     1 hour before now (for --days)
 *   mkfixture DB --hostile            instead: the hostile-values fixture of the
 *                                     export golden tests (service "hostile":
 *                                     methods that are spreadsheet formulas, an
 *                                     endpoint with terminal escapes, Markdown
 *                                     and HTML specials, a branch with HTML;
 *                                     service "long-paths": a raw path cut at
 *                                     8 KiB)
 *   mkfixture DB --dump FILE          also write every sample of the fixture as
 *                                     CSV (run,service,endpoint,status,error,
 *                                     total_us) for independent checks
 *   mkfixture DB --requests N --endpoints E [--runs R]
 *                                     one run of N requests over E endpoints
 *                                     (service "bench"), for tools/bench-report.sh;
 *                                     with --runs, R such runs a minute apart
 *                                     (every fifth endpoint 30 % slower from
 *                                     run R/2 on), for tools/bench-changes.sh
 *                                     with --tests T, each run made by a serial
 *                                     suite of T tests
 *
 * Everything is deterministic: fixed wall-clock times, commits, hosts and
 * latencies from a fixed-seed LCG, so reports of the fixture are stable
 * byte for byte. DB must not exist yet. Runs: 1 empty-svc (no request),
 * 2, 3, 5 users-api, 4 billing (killed: incomplete, 3 dropped), 6-9 shop
 * (6 has GET /products/{id} twice as slow as 7-9, the gate's case). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "error.h"
#include "parse.h"
#include "sample.h"
#include "store.h"
#include "banned.h"

static uint64_t rng = 42;
static FILE *dump; /* --dump */

/* Knuth's MMIX LCG; the high bits as a fraction in [0, 1). */
static double rnd(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static void die(const char *what)
{
	fprintf(stderr, "mkfixture: %s: %s\n", what, e2e_error_message());
	exit(1);
}

struct route {
	const char *method;
	const char *endpoint;
	const char *paths[12];
	double base_ms; /* typical latency */
	unsigned weight; /* requests per run (before the run's scale) */
	uint16_t status_every[4][2]; /* {status, every k-th request} */
	uint32_t resp_bytes;
	uint32_t req_bytes;
};

static const struct route users_api[] = {
	{ "GET",
	  "GET /users/{id}",
	  { "/users/1", "/users/2", "/users/3", "/users/4", "/users/5", "/users/6", "/users/7", "/users/8",
	    "/users/9", "/users/10", "/users/11", "/users/12" },
	  12.0,
	  240,
	  { { 404, 60 } },
	  512,
	  0 },
	{ "GET", "GET /users", { "/users" }, 25.0, 120, { { 0 } }, 8192, 0 },
	{ "POST",
	  "POST /orders",
	  { "/orders" },
	  40.0,
	  60,
	  { { 500, 20 }, { 400, 15 }, { 502, 59 }, { 504, 58 } },
	  64,
	  240 },
	{ "GET",
	  "GET /orders/{id}/items",
	  { "/orders/1001/items", "/orders/1002/items" },
	  18.0,
	  80,
	  { { 0 } },
	  2048,
	  0 },
	{ "GET", "GET /health", { "/health" }, 0.8, 100, { { 0 } }, 2, 0 },
	{ "DELETE", "DELETE /users/{id}", { "/users/7" }, 9.0, 12, { { 0 } }, 0, 0 },
};

static const struct route shop[] = {
	{ "GET",
	  "GET /products/{id}",
	  { "/products/101", "/products/102", "/products/103", "/products/104" },
	  20.0,
	  200,
	  { { 0 } },
	  4096,
	  0 },
	{ "GET", "GET /cart", { "/cart" }, 10.0, 100, { { 0 } }, 512, 0 },
	{ "POST", "POST /checkout", { "/checkout" }, 50.0, 40, { { 500, 40 } }, 256, 1024 },
};

static const struct route billing[] = {
	{ "GET",
	  "GET /invoices/{id}",
	  { "/invoices/17", "/invoices/18", "/invoices/19" },
	  30.0,
	  30,
	  { { 0 } },
	  1024,
	  0 },
	{ "POST", "POST /charges", { "/charges" }, 120.0, 20, { { 500, 7 } }, 128, 512 },
};

/* Values a report must never print raw: formulas for spreadsheets
 * (OWASP's CSV injection), terminal escapes (ESC, BEL, BS, C1 CSI),
 * Markdown and HTML specials. */
static const struct route hostile_routes[] = {
	{ "=cmd|'/Ccalc'!A0", "=cmd|'/Ccalc'!A0 /x", { "/x" }, 10.0, 20, { { 0 } }, 100, 0 },
	{ "@SUM(1+1)", "@SUM(1+1) /sum/{id}", { "/sum/1", "/sum/2" }, 12.0, 20, { { 500, 5 } }, 100, 0 },
	{ "GET",
	  "GET /a\x1b[2Jb\x07"
	  "c\bd",
	  { "/a\x1b[2Jb\x07"
	    "c\bd" },
	  8.0,
	  20,
	  { { 0 } },
	  100,
	  0 },
	{ "GET",
	  "GET /c1\xc2\x9b"
	  "31m/{id}",
	  { "/c1\xc2\x9b"
	    "31m/1",
	    "/c1\xc2\x9b"
	    "31m/\x0b\x0c" },
	  9.0,
	  20,
	  { { 0 } },
	  100,
	  0 },
	{ "GET", "GET /md|*_`[x](y)<b>&amp;", { "/md|*_`[x](y)<b>&amp;" }, 7.0, 20, { { 0 } }, 100, 0 },
	{ "-2+3", "-2+3 /minus", { "/minus" }, 6.0, 20, { { 0 } }, 100, 0 },
};

static char long_path[8192 + 64]; /* filled by hostile() */
static struct route long_routes[] = {
	{ "GET", "GET /long/{token}", { long_path, "/long/short" }, 5.0, 10, { { 0 } }, 10, 0 },
};

struct run_spec {
	const char *service;
	int64_t started_ms;
	uint64_t duration_ns; /* 0: killed (incomplete, no end) */
	const char *commit, *branch;
	double scale; /* requests */
	double slow; /* latency factor */
	uint64_t dropped;
	const struct route *routes;
	size_t nroutes;
	size_t slow_route; /* with slow_factor > 0: this route is slower */
	double slow_factor;
};

static uint32_t path_id(struct e2e_store *st, int64_t run_id, const char *method, const char *path,
			const char *endpoint)
{
	uint32_t id;

	if (e2e_store_path_intern(st, run_id, method, path, endpoint, &id) < 0)
		die("path");
	return id;
}

static int64_t begin_run(struct e2e_store *st, const char *service, int64_t started_ms, uint64_t duration_ns,
			 const char *commit, const char *branch)
{
	struct e2e_run r;
	int64_t id;

	memset(&r, 0, sizeof(r));
	r.service = (char *)service;
	r.started_ms = started_ms;
	r.duration_ns = duration_ns;
	r.command = (char *)"pytest tests/e2e";
	r.exit_status = -1;
	r.git_commit = (char *)commit;
	r.git_branch = (char *)branch;
	r.host_cpu = (char *)"Fixture CPU @ 3.00GHz";
	r.host_cores = 4;
	r.host_os = (char *)"Linux 6.1.0 x86_64";
	r.tool_version = (char *)"0.1.0";
	r.source = (char *)"proxy";
	r.target = (char *)"http://127.0.0.1:8000";
	if (e2e_store_run_begin(st, &r, &id) < 0)
		die("run");
	return id;
}

static void end_run(struct e2e_store *st, int64_t id, int64_t started_ms, uint64_t duration_ns, uint64_t n,
		    uint64_t dropped)
{
	struct e2e_run r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	if (!duration_ns) { /* killed: progress only, never ended */
		if (e2e_store_run_progress(st, id, n, dropped, 3) < 0)
			die("run progress");
		return;
	}
	r.ended_ms = started_ms + (int64_t)(duration_ns / 1000000);
	r.duration_ns = duration_ns;
	r.exit_status = 0;
	r.max_concurrency = 4;
	r.recorded = n;
	r.dropped = dropped;
	r.complete = true;
	if (e2e_store_run_end(st, &r) < 0)
		die("run end");
}

/* A latency around base: mostly within +-30 %, a long tail on 3 %. */
static uint32_t latency_us(double base_ms, double slow)
{
	double f = 0.7 + 0.6 * rnd();

	if (rnd() < 0.03)
		f *= 2 + 3 * rnd();
	return (uint32_t)(base_ms * slow * f * 1000);
}

static void fixed_run(struct e2e_store *st, const struct run_spec *rs)
{
	int64_t id = begin_run(st, rs->service, rs->started_ms, rs->duration_ns, rs->commit, rs->branch);
	struct e2e_sample *s;
	size_t total = 0, n = 0, k = 0;
	uint64_t span_ns = rs->duration_ns ? rs->duration_ns : 7000000000ull;

	for (size_t i = 0; i < rs->nroutes; i++)
		total += (size_t)(rs->routes[i].weight * rs->scale);
	s = e2e_xcalloc(total ? total : 1, sizeof(*s));
	/* Interleave the routes round-robin so each spans the run. */
	while (n < total) {
		for (size_t i = 0; i < rs->nroutes; i++) {
			const struct route *r = &rs->routes[i];
			size_t want = (size_t)(r->weight * rs->scale), npaths = 0;
			struct e2e_sample *x;

			if (k >= want)
				continue;
			while (npaths < 12 && r->paths[npaths])
				npaths++;
			x = &s[n];
			x->start_ns = span_ns * n / total;
			x->path_id =
				path_id(st, id, r->method, r->paths[(k * 7 + k / 5) % npaths], r->endpoint);
			x->status = 200;
			for (size_t e = 0; e < 4 && r->status_every[e][0]; e++) {
				if ((k + 1) % r->status_every[e][1] == 0) {
					x->status = r->status_every[e][0];
					if (x->status == 502)
						x->error = 1; /* refused */
					if (x->status == 504)
						x->error = 3; /* timeout */
				}
			}
			x->total_us =
				latency_us(r->base_ms, rs->slow * (i == rs->slow_route && rs->slow_factor > 0
									   ? rs->slow_factor
									   : 1));
			x->ttfb_us = x->total_us * 9 / 10;
			x->proxy_us = 40;
			x->req_bytes = r->req_bytes;
			x->resp_bytes = r->resp_bytes + (uint32_t)(k % 7) * 3;
			n++;
		}
		k++;
	}
	if (e2e_store_append(st, id, s, n) < 0)
		die("append");
	end_run(st, id, rs->started_ms, rs->duration_ns, n, rs->dropped);
	for (size_t i = 0; dump && i < n; i++) {
		const struct route *r = NULL;

		/* the route of a sample: the one whose raw paths hold its path id */
		for (size_t q = 0; q < rs->nroutes && !r; q++)
			for (size_t p = 0; p < 12 && rs->routes[q].paths[p] && !r; p++)
				if (path_id(st, id, rs->routes[q].method, rs->routes[q].paths[p],
					    rs->routes[q].endpoint) == s[i].path_id)
					r = &rs->routes[q];
		fprintf(dump, "%" PRId64 ",%s,%s,%u,%u,%u\n", id, rs->service, r ? r->endpoint : "?",
			(unsigned)s[i].status, (unsigned)s[i].error, (unsigned)s[i].total_us);
	}
	free(s);
}

static void empty_run(struct e2e_store *st, const char *service, int64_t started_ms)
{
	int64_t id = begin_run(st, service, started_ms, 2000000000ull, "", "");

	end_run(st, id, started_ms, 2000000000ull, 0, 0);
}

static void fixture(struct e2e_store *st, bool aging)
{
	static const char c1[] = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			  c2[] = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
			  c3[] = "abc1234def5678900000000000000000000000ff",
			  c4[] = "9999999ccccccccccccccccccccccccccccccccc";
	const struct run_spec runs[] = {
		{ "users-api", 1794992400000, 30000000000ull, c1, "main", 0.9, 1.0, 0, users_api, 6, 0, 0 },
		{ "users-api", 1795078800000, 32500000000ull, c2, "main", 1.0, 1.05, 0, users_api, 6, 0, 0 },
		{ "billing", 1795089600000, 0, c4, "release/2.1", 1.0, 1.0, 3, billing, 2, 0, 0 },
		{ "users-api", 1795183331000, 38200000000ull, c3, "main", 1.0, 1.1, 0, users_api, 6, 0, 0 },
		/* shop: run 6 has GET /products/{id} twice as slow as runs 7-9 */
		{ "shop", 1794736800000, 20000000000ull, c4, "feature/slow", 1.0, 1.0, 0, shop, 3, 0, 2.0 },
		{ "shop", 1794823200000, 20000000000ull, c1, "main", 1.0, 1.0, 0, shop, 3, 0, 0 },
		{ "shop", 1794844800000, 20000000000ull, c2, "main", 1.0, 1.0, 0, shop, 3, 0, 0 },
		{ "shop", 1794909600000, 20000000000ull, c3, "main", 1.0, 1.0, 0, shop, 3, 0, 0 },
	};

	empty_run(st, "empty-svc", 1794902400000);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		fixed_run(st, &runs[i]);
	if (aging) {
		int64_t now = (int64_t)time(NULL) * 1000;
		const struct run_spec old[] = {
			{ "aging", now - 10 * 86400000ll, 1000000000ull, c1, "main", 0.1, 1.0, 0, billing, 2,
			  0, 0 },
			{ "aging", now - 3600000ll, 1000000000ull, c2, "main", 0.1, 1.0, 0, billing, 2, 0,
			  0 },
		};

		for (size_t i = 0; i < 2; i++)
			fixed_run(st, &old[i]);
	}
}

static void hostile(struct e2e_store *st)
{
	const struct run_spec runs[] = {
		{ "hostile", 1795183331000, 10000000000ull, "abc1234def5678900000000000000000000000ff",
		  "<svg/onload=alert(1)>", 1.0, 1.0, 0, hostile_routes,
		  sizeof(hostile_routes) / sizeof(hostile_routes[0]), 0, 0 },
		{ "long-paths", 1795183400000, 5000000000ull, "abc1234def5678900000000000000000000000ff",
		  "main", 1.0, 1.0, 0, long_routes, 1, 0, 0 },
	};
	bool cut;
	size_t n = 6;

	/* "/long/xxx...", stored as the proxy and the importer store it: cut */
	memcpy(long_path, "/long/", n);
	while (n < sizeof(long_path) - 1)
		long_path[n++] = 'x';
	n = e2e_sample_path_keep(long_path, n, &cut);
	memcpy(long_path + n, E2E_PATH_CUT_MARK, E2E_PATH_CUT_MARK_LEN + 1);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		fixed_run(st, &runs[i]);
}

/* The run's tests: test_00000 .. in turn over its duration, every
 * fifth one failed. */
static void bench_tests(struct e2e_store *st, int64_t id, uint64_t tests, uint64_t duration)
{
	struct e2e_test_event ev[2];
	char name[32];

	if (e2e_store_begin(st) < 0)
		die("begin");
	for (uint64_t t = 0; t < tests; t++) {
		int len = snprintf(name, sizeof(name), "test_%05" PRIu64, t);

		ev[0] = (struct e2e_test_event){ .id = E2E_TEST_FIRST + (uint32_t)t,
						 .kind = E2E_TEST_EV_BEGIN,
						 .at_ns = duration * t / tests,
						 .text = name,
						 .text_len = (uint32_t)len };
		ev[1] = ev[0];
		ev[1].kind = E2E_TEST_EV_END;
		ev[1].at_ns = duration * (t + 1) / tests;
		ev[1].duration_ns = ev[1].at_ns - ev[0].at_ns;
		ev[1].text = t % 5 == 4 ? "failed" : "passed";
		ev[1].text_len = (uint32_t)strlen(ev[1].text);
		if (e2e_store_tests_add(st, id, ev, 2) < 0)
			die("tests");
	}
	if (e2e_store_commit(st) < 0)
		die("commit");
}

/* One run of n requests over e endpoints, 10 raw paths each, latencies
 * log-uniform-ish around a per-endpoint base (slow: every fifth endpoint
 * 30 % slower), 1 % 5xx; with tests, made by a serial suite of that many. */
static void bench_run(struct e2e_store *st, uint64_t n, uint64_t e, int64_t started, bool slow,
		      uint64_t tests)
{
	const size_t batch = 50000;
	uint64_t duration = 600000000000ull;
	int64_t id =
		begin_run(st, "bench", started, duration, "abc1234def5678900000000000000000000000ff", "main");
	uint32_t *ids = e2e_xmalloc(e * 10 * sizeof(*ids));
	struct e2e_sample *s = e2e_xcalloc(batch, sizeof(*s));
	struct e2e_buf path = E2E_BUF_INIT, ep = E2E_BUF_INIT;

	if (e2e_store_begin(st) < 0)
		die("begin");
	for (uint64_t k = 0; k < e; k++) {
		e2e_buf_reset(&ep);
		e2e_buf_printf(&ep, "GET /api/e%" PRIu64 "/{id}", k);
		for (uint64_t p = 0; p < 10; p++) {
			e2e_buf_reset(&path);
			e2e_buf_printf(&path, "/api/e%" PRIu64 "/%" PRIu64, k, 1000 + p);
			ids[k * 10 + p] = path_id(st, id, "GET", path.data, ep.data);
		}
	}
	if (e2e_store_commit(st) < 0)
		die("commit");
	for (uint64_t done = 0; done < n;) {
		size_t m = n - done < batch ? (size_t)(n - done) : batch;

		for (size_t i = 0; i < m; i++) {
			uint64_t k = (uint64_t)(rnd() * (double)e);
			double base = (2.0 + (double)(k % 17) * 3.5) * (slow && k % 5 == 0 ? 1.3 : 1.0);

			memset(&s[i], 0, sizeof(s[i]));
			s[i].start_ns = duration * (done + i) / n;
			s[i].path_id = ids[k * 10 + (uint64_t)(rnd() * 10)];
			s[i].status = rnd() < 0.01 ? 503 : 200;
			s[i].total_us = latency_us(base, 1.0);
			s[i].ttfb_us = s[i].total_us / 2;
			s[i].resp_bytes = 100 + (uint64_t)(rnd() * 4000);
			if (tests)
				s[i].test_id = E2E_TEST_FIRST + (uint32_t)((done + i) * tests / n);
		}
		if (e2e_store_begin(st) < 0 || e2e_store_append(st, id, s, m) < 0 || e2e_store_commit(st) < 0)
			die("append");
		done += m;
	}
	if (tests)
		bench_tests(st, id, tests, duration);
	end_run(st, id, started, duration, n, 0);
	free(ids);
	free(s);
	e2e_buf_finish(&path);
	e2e_buf_finish(&ep);
}

static void bench(struct e2e_store *st, uint64_t n, uint64_t e, uint64_t runs, uint64_t tests)
{
	for (uint64_t r = 0; r < runs; r++)
		bench_run(st, n, e, 1795183331000 + (int64_t)r * 60000, runs > 1 && r >= runs / 2, tests);
}

int main(int argc, char **argv)
{
	struct e2e_store *st = NULL;
	struct stat sb;
	uint64_t requests = 0, endpoints = 50, runs = 1, tests = 0;
	bool aging = false, hostile_values = false;
	const char *dump_path = NULL;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: mkfixture DB [--aging | --hostile] [--dump FILE] [--requests N "
				"[--endpoints E] [--runs R] [--tests T]]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--aging") == 0) {
			aging = true;
		} else if (strcmp(argv[i], "--hostile") == 0) {
			hostile_values = true;
		} else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc) {
			dump_path = argv[++i];
		} else if (strcmp(argv[i], "--requests") == 0 && i + 1 < argc &&
			   e2e_parse_u64(argv[i + 1], 1, 100000000, &requests)) {
			i++;
		} else if (strcmp(argv[i], "--endpoints") == 0 && i + 1 < argc &&
			   e2e_parse_u64(argv[i + 1], 1, 100000, &endpoints)) {
			i++;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc &&
			   e2e_parse_u64(argv[i + 1], 1, 100000, &runs)) {
			i++;
		} else if (strcmp(argv[i], "--tests") == 0 && i + 1 < argc &&
			   e2e_parse_u64(argv[i + 1], 1, 1000000, &tests)) {
			i++;
		} else {
			fprintf(stderr, "mkfixture: bad argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (stat(argv[1], &sb) == 0) {
		fprintf(stderr, "mkfixture: '%s' exists\n", argv[1]);
		return 2;
	}
	if (e2e_store_open(argv[1], E2E_STORE_CREATE, &st) < 0)
		die(argv[1]);
	if (dump_path && !(dump = fopen(dump_path, "w"))) {
		fprintf(stderr, "mkfixture: cannot write '%s'\n", dump_path);
		return 1;
	}
	if (requests)
		bench(st, requests, endpoints, runs, tests);
	else if (hostile_values)
		hostile(st);
	else
		fixture(st, aging);
	e2e_store_close(st);
	if (dump && fclose(dump) != 0) {
		fprintf(stderr, "mkfixture: cannot write '%s'\n", dump_path);
		return 1;
	}
	return 0;
}

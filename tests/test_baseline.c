/* Unit tests for baseline.c: building from a report (per-run split),
 * the golden text (sorted keys, stable numbers, trailing newline), the
 * round trip, atomic writes, and validation naming the file and field. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "baseline.h"
#include "error.h"
#include "gate_fixture.h"
#include "hist.h"
#include "testutil.h"

/* Two runs: 7 (4 x GET /users/{id}, one a 500; 2 x POST /orders) and 9
 * (2 x GET /users/{id}, one a timeout; 1 x GET /health). */
static struct e2e_report *small_report(struct fx *f)
{
	uint32_t u, o, h;

	fx_init(f);
	u = fx_endpoint(f, "GET /users/{id}");
	o = fx_endpoint(f, "POST /orders");
	h = fx_endpoint(f, "GET /health");
	fx_run(f, 7);
	fx_add(f, u, 10, 200, 512);
	fx_add(f, u, 12, 200, 512);
	fx_add(f, o, 5.5, 201, 40);
	fx_add(f, u, 11, 200, 520);
	fx_add(f, u, 30, 500, 64);
	fx_add(f, o, 6.25, 201, 40);
	fx_run(f, 9);
	f->runs[1].git_commit = "def5678";
	f->runs[1].disturbance = 0.25; /* run 7 was not measured */
	f->runs[1].disturbance_probes = 40;
	fx_add(f, u, 13, 200, 512);
	fx_add(f, h, 0.4, 200, 2);
	fx_add(f, u, 9.5, 0, 0);
	f->samples[1][2].error = E2E_EK_TIMEOUT;
	return fx_report(f, 0, 2);
}

static const char golden[] = "{\n"
			     "  \"branch\": \"main\",\n"
			     "  \"commit\": \"def5678\",\n"
			     "  \"count_4xx\": false,\n"
			     "  \"created\": \"2026-01-02T00:00:00Z\",\n"
			     "  \"endpoints\": {\n"
			     "    \"GET /health\": {\n"
			     "      \"count\": 1,\n"
			     "      \"error_kinds\": {},\n"
			     "      \"error_rate\": 0.0,\n"
			     "      \"errors\": 0,\n"
			     "      \"histogram\": \"h1,4e+02,4e+02,4e+02,llBBB\",\n"
			     "      \"max_ms\": 0.4,\n"
			     "      \"mean_ms\": 0.4,\n"
			     "      \"mean_req_bytes\": 0.0,\n"
			     "      \"mean_resp_bytes\": 2.0,\n"
			     "      \"min_ms\": 0.4,\n"
			     "      \"p50_ms\": 0.4,\n"
			     "      \"p90_ms\": 0.4,\n"
			     "      \"p95_ms\": 0.4,\n"
			     "      \"p99_ms\": 0.4,\n"
			     "      \"runs\": [\n"
			     "        {\n"
			     "          \"count\": 1,\n"
			     "          \"errors\": 0,\n"
			     "          \"mean_ms\": 0.4,\n"
			     "          \"mean_resp_bytes\": 2.0,\n"
			     "          \"p50_ms\": 0.4,\n"
			     "          \"p95_band_ms\": 0.4,\n"
			     "          \"p95_ms\": 0.4,\n"
			     "          \"p99_ms\": 0.4,\n"
			     "          \"run\": 9\n"
			     "        }\n"
			     "      ],\n"
			     "      \"statuses\": {\n"
			     "        \"200\": 1\n"
			     "      },\n"
			     "      \"stddev_ms\": 0.0\n"
			     "    },\n"
			     "    \"GET /users/{id}\": {\n"
			     "      \"count\": 6,\n"
			     "      \"error_kinds\": {\n"
			     "        \"timeout\": 1\n"
			     "      },\n"
			     "      \"error_rate\": 0.333333,\n"
			     "      \"errors\": 2,\n"
			     "      \"histogram\": \"h1,9.5e+03,3e+04,8.55e+04,ruBBBCBBFBBGBBGBBuCBB\",\n"
			     "      \"max_ms\": 30.0,\n"
			     "      \"mean_ms\": 14.25,\n"
			     "      \"mean_req_bytes\": 0.0,\n"
			     "      \"mean_resp_bytes\": 353.3,\n"
			     "      \"min_ms\": 9.5,\n"
			     "      \"p50_ms\": 11.5,\n"
			     "      \"p90_ms\": 21.5,\n"
			     "      \"p95_ms\": 25.75,\n"
			     "      \"p99_ms\": 29.15,\n"
			     "      \"runs\": [\n"
			     "        {\n"
			     "          \"count\": 4,\n"
			     "          \"errors\": 1,\n"
			     "          \"mean_ms\": 15.75,\n"
			     "          \"mean_resp_bytes\": 402.0,\n"
			     "          \"p50_ms\": 11.5,\n"
			     "          \"p95_band_ms\": 28.373,\n"
			     "          \"p95_ms\": 27.3,\n"
			     "          \"p99_ms\": 29.46,\n"
			     "          \"run\": 7\n"
			     "        },\n"
			     "        {\n"
			     "          \"count\": 2,\n"
			     "          \"errors\": 1,\n"
			     "          \"mean_ms\": 11.25,\n"
			     "          \"mean_resp_bytes\": 256.0,\n"
			     "          \"p50_ms\": 11.25,\n"
			     "          \"p95_band_ms\": 12.895,\n"
			     "          \"p95_ms\": 12.825,\n"
			     "          \"p99_ms\": 12.965,\n"
			     "          \"run\": 9\n"
			     "        }\n"
			     "      ],\n"
			     "      \"statuses\": {\n"
			     "        \"0\": 1,\n"
			     "        \"200\": 4,\n"
			     "        \"500\": 1\n"
			     "      },\n"
			     "      \"stddev_ms\": 7.821\n"
			     "    },\n"
			     "    \"POST /orders\": {\n"
			     "      \"count\": 2,\n"
			     "      \"error_kinds\": {},\n"
			     "      \"error_rate\": 0.0,\n"
			     "      \"errors\": 0,\n"
			     "      \"histogram\": \"h1,5.5e+03,6.25e+03,1.175e+04,2sBBBKBB\",\n"
			     "      \"max_ms\": 6.25,\n"
			     "      \"mean_ms\": 5.875,\n"
			     "      \"mean_req_bytes\": 0.0,\n"
			     "      \"mean_resp_bytes\": 40.0,\n"
			     "      \"min_ms\": 5.5,\n"
			     "      \"p50_ms\": 5.875,\n"
			     "      \"p90_ms\": 6.175,\n"
			     "      \"p95_ms\": 6.213,\n"
			     "      \"p99_ms\": 6.243,\n"
			     "      \"runs\": [\n"
			     "        {\n"
			     "          \"count\": 2,\n"
			     "          \"errors\": 0,\n"
			     "          \"mean_ms\": 5.875,\n"
			     "          \"mean_resp_bytes\": 40.0,\n"
			     "          \"p50_ms\": 5.875,\n"
			     "          \"p95_band_ms\": 6.227,\n"
			     "          \"p95_ms\": 6.213,\n"
			     "          \"p99_ms\": 6.243,\n"
			     "          \"run\": 7\n"
			     "        }\n"
			     "      ],\n"
			     "      \"statuses\": {\n"
			     "        \"201\": 2\n"
			     "      },\n"
			     "      \"stddev_ms\": 0.53\n"
			     "    }\n"
			     "  },\n"
			     "  \"host\": {\n"
			     "    \"cores\": 4,\n"
			     "    \"cpu\": \"Test CPU\",\n"
			     "    \"os\": \"Linux 6.1\"\n"
			     "  },\n"
			     "  \"schema_version\": 2,\n"
			     "  \"service\": \"shop\",\n"
			     "  \"source_runs\": [\n"
			     "    {\n"
			     "      \"branch\": \"main\",\n"
			     "      \"commit\": \"abc1234\",\n"
			     "      \"duration_s\": 60.0,\n"
			     "      \"id\": 7,\n"
			     "      \"requests\": 6,\n"
			     "      \"started\": \"2026-01-01T07:00:00Z\"\n"
			     "    },\n"
			     "    {\n"
			     "      \"branch\": \"main\",\n"
			     "      \"commit\": \"def5678\",\n"
			     "      \"duration_s\": 60.0,\n"
			     "      \"id\": 9,\n"
			     "      \"requests\": 3,\n"
			     "      \"runner_disturbance\": 0.25,\n"
			     "      \"started\": \"2026-01-01T09:00:00Z\"\n"
			     "    }\n"
			     "  ],\n"
			     "  \"tool_version\": \"0.1.0\"\n"
			     "}\n";

static struct e2e_baseline *small_baseline(void)
{
	struct fx f;
	struct e2e_report *r = small_report(&f);
	struct e2e_baseline *b = NULL;

	ck_assert_int_eq(e2e_baseline_from_report(r, 1767312000000, "0.1.0", &b), 0);
	e2e_report_destroy(r);
	fx_finish(&f);
	return b;
}

START_TEST(test_build)
{
	struct e2e_baseline *b = small_baseline();
	const struct e2e_baseline_endpoint *e;

	ck_assert_uint_eq(b->nsources, 2);
	ck_assert_int_eq(b->sources[0].id, 7); /* oldest first */
	ck_assert_int_eq(b->sources[1].id, 9);
	ck_assert_uint_eq(b->sources[0].requests, 6);
	ck_assert_uint_eq(b->sources[1].requests, 3);
	ck_assert_str_eq(b->commit, "def5678"); /* the newest run's */
	ck_assert_uint_eq(b->nendpoints, 3);
	ck_assert_str_eq(b->endpoints[0].key, "GET /health"); /* sorted */
	e = e2e_baseline_find(b, "GET /users/{id}");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->count, 6);
	ck_assert_uint_eq(e->errors, 2);
	ck_assert_uint_eq(e->error_kinds[E2E_EK_TIMEOUT], 1);
	ck_assert_uint_eq(e2e_hist_count(e->hist), 6);
	ck_assert_uint_eq(e->nruns, 2);
	ck_assert_int_eq(e->runs[0].run_id, 7);
	ck_assert_uint_eq(e->runs[0].count, 4);
	ck_assert_uint_eq(e->runs[0].errors, 1);
	ck_assert(e->runs[0].p95_ms == 27.3 || fabs(e->runs[0].p95_ms - 27.3) < 1e-9);
	ck_assert(fabs(e->runs[1].p50_ms - 11.25) < 1e-9);
	ck_assert(fabs(e->runs[0].mean_resp_bytes - 402) < 1e-9);
	e = e2e_baseline_find(b, "POST /orders");
	ck_assert_uint_eq(e->nruns, 1); /* not in run 9 */
	ck_assert_ptr_null(e2e_baseline_find(b, "GET /nope"));
	e2e_baseline_destroy(b);
	e2e_baseline_destroy(NULL);
}
END_TEST

START_TEST(test_golden_and_round_trip)
{
	struct e2e_baseline *b = small_baseline(), *back = NULL;
	char *text = e2e_baseline_encode(b), *again;

	ck_assert_str_eq(text, golden);
	ck_assert_int_eq(e2e_baseline_parse(text, strlen(text), "b.json", &back), 0);
	ck_assert_str_eq(back->name, "b.json");
	ck_assert_int_eq(back->created_ms, 1767312000000);
	ck_assert_int_eq(back->sources[1].started_ms, 1767225600000 + 9 * 3600000);
	ck_assert(isnan(back->sources[0].disturbance));
	ck_assert_double_eq(back->sources[1].disturbance, 0.25);
	again = e2e_baseline_encode(back);
	ck_assert_str_eq(again, golden);
	free(again);
	free(text);
	e2e_baseline_destroy(back);
	e2e_baseline_destroy(b);
}
END_TEST

START_TEST(test_write_read)
{
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "deep/er/shop.json"), *sub = tu_path(dir, "deep/er"),
	     *text;
	struct e2e_baseline *b = small_baseline(), *back = NULL;
	size_t len = 0, entries = 0;
	DIR *d;
	struct dirent *de;
	struct stat st;
	mode_t mask = umask(022);

	umask(mask);
	ck_assert_int_eq(e2e_baseline_write(b, path), 0);
	text = tu_read_file(path, &len);
	ck_assert_str_eq(text, golden);
	ck_assert(text[len - 1] == '\n');
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0666 & ~mask); /* as any new file */
	ck_assert_int_eq(e2e_baseline_write(b, path), 0); /* over an existing file */
	d = opendir(sub);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			entries++;
	closedir(d);
	ck_assert_uint_eq(entries, 1); /* no temporary left behind */
	ck_assert_int_eq(e2e_baseline_read(path, &back), 0);
	ck_assert_str_eq(back->name, path);
	ck_assert_uint_eq(back->nendpoints, 3);
	e2e_baseline_destroy(back);
	free(text);
	free(path);
	path = tu_path(dir, "missing.json");
	ck_assert_int_eq(e2e_baseline_read(path, &back), E2E_ERR_INPUT);
	ck_assert(strstr(e2e_error_message(), "no baseline at '") &&
		  strstr(e2e_error_message(), "--set-baseline"));
	free(path);
	path = tu_path(dir, "file");
	tu_write_file(path, "x", 1);
	free(path);
	path = tu_path(dir, "file/below-a-file.json");
	ck_assert_int_eq(e2e_baseline_write(b, path), E2E_ERR_RUNTIME);
	e2e_baseline_destroy(b);
	tu_rmtree(dir);
	free(dir);
	free(sub);
	free(path);
}
END_TEST

/* The golden text with the first occurrence of from replaced by to. */
static char *mutate(const char *from, const char *to)
{
	const char *at = strstr(golden, from);
	struct e2e_buf b = E2E_BUF_INIT;

	ck_assert_msg(at != NULL, "'%s' not in the golden text", from);
	e2e_buf_add(&b, golden, (size_t)(at - golden));
	e2e_buf_puts(&b, to);
	e2e_buf_puts(&b, at + strlen(from));
	return e2e_buf_detach(&b, NULL);
}

/* A version-1 file (no runner disturbance) still loads: unmeasured. */
START_TEST(test_version_1)
{
	char *text = mutate("      \"runner_disturbance\": 0.25,\n", "");
	char *v = strstr(text, "\"schema_version\": 2");
	struct e2e_baseline *b = NULL;

	ck_assert_ptr_nonnull(v);
	v[strlen("\"schema_version\": ")] = '1';
	ck_assert_int_eq(e2e_baseline_parse(text, strlen(text), "b.json", &b), 0);
	ck_assert(isnan(b->sources[0].disturbance));
	ck_assert(isnan(b->sources[1].disturbance));
	e2e_baseline_destroy(b);
	free(text);
}
END_TEST

/* A file written before runs kept p95_band_ms still loads, without it;
 * a negative one is refused like any latency. */
START_TEST(test_band_optional)
{
	char *old = mutate("          \"p95_band_ms\": 28.373,\n", ""), *neg;
	struct e2e_baseline *b = NULL;
	const struct e2e_baseline_endpoint *e;

	ck_assert_int_eq(e2e_baseline_parse(old, strlen(old), "b.json", &b), 0);
	e = e2e_baseline_find(b, "GET /users/{id}");
	ck_assert(isnan(e->runs[0].p95_band_ms));
	ck_assert(fabs(e->runs[1].p95_band_ms - 12.895) < 1e-9);
	e2e_baseline_destroy(b);
	b = NULL;
	neg = mutate("\"p95_band_ms\": 28.373", "\"p95_band_ms\": -1");
	ck_assert_int_lt(e2e_baseline_parse(neg, strlen(neg), "b.json", &b), 0);
	ck_assert_ptr_null(b);
	free(neg);
	free(old);
}
END_TEST

START_TEST(test_bad_files)
{
	static const struct {
		const char *from, *to, *msg;
	} cases[] = {
		{ "{\n  \"branch\"", "[\n  \"branch\"", "'b.json': not a baseline file: not valid JSON: " },
		{ "\"schema_version\": 2", "\"schema_version\": 3",
		  "'b.json': schema_version: 3 is not supported (this e2e reads 1 to 2)" },
		{ "\"schema_version\": 2", "\"schema_version\": 0",
		  "'b.json': schema_version: 0 is not supported (this e2e reads 1 to 2)" },
		{ "\"runner_disturbance\": 0.25", "\"runner_disturbance\": -1",
		  "'b.json': source_runs[1].runner_disturbance: -1 is out of range (0 to 1e+09)" },
		{ "\"schema_version\": 2", "\"schema_version\": \"1\"",
		  "'b.json': schema_version: expected an integer" },
		{ "\"service\": \"shop\",", "", "'b.json': service: missing" },
		{ "\"created\": \"2026-01-02T00:00:00Z\"", "\"created\": \"yesterday\"",
		  "'b.json': created: expected a UTC time like \"2026-01-31T12:00:00Z\"" },
		{ "\"cores\": 4", "\"cores\": \"4\"", "'b.json': host.cores: expected an integer" },
		{ "\"count_4xx\": false", "\"count_4xx\": 0", "'b.json': count_4xx: expected true or false" },
		{ "\"requests\": 6", "\"requests\": -6",
		  "'b.json': source_runs[0].requests: expected a count (an integer >= 0)" },
		{ "\"started\": \"2026-01-01T09:00:00Z\"", "\"started\": 9",
		  "'b.json': source_runs[1].started: expected a string" },
		{ "\"count\": 6,", "\"count\": \"6\",",
		  "'b.json': endpoints[\"GET /users/{id}\"].count: expected an integer" },
		{ "\"p95_ms\": 12.825", "\"p95_ms\": \"x\"",
		  "'b.json': endpoints[\"GET /users/{id}\"].runs[1].p95_ms: expected a number" },
		{ "\"run\": 9\n        }\n      ],\n      \"statuses\": {\n        \"0\"",
		  "\"run\": 8\n        }\n      ],\n      \"statuses\": {\n        \"0\"",
		  "'b.json': endpoints[\"GET /users/{id}\"].runs[1].run: 8 is not one of source_runs" },
		{ "\"p50_ms\": 0.4,\n      \"p90", "\"p50_ms\": -1,\n      \"p90",
		  "'b.json': endpoints[\"GET /health\"].p50_ms: -1 is out of range (0 to 1e+10)" },
		{ "\"histogram\": \"h1,4e+02,4e+02,4e+02,llBBB\"", "\"histogram\": \"garbage\"",
		  "'b.json': endpoints[\"GET /health\"].histogram: " },
		{ "\"histogram\": \"h1,4e+02,4e+02,4e+02,llBBB\"", "\"histogram\": 3",
		  "'b.json': endpoints[\"GET /health\"].histogram: expected a string" },
		{ "\"timeout\": 1", "\"slowness\": 1",
		  "'b.json': endpoints[\"GET /users/{id}\"].error_kinds.slowness: unknown error kind" },
		{ "\"201\": 2", "\"ok\": 2",
		  "'b.json': endpoints[\"POST /orders\"].statuses.ok: expected an HTTP status code as the "
		  "key" },
		{ "\"errors\": 2,", "\"errors\": 7,",
		  "'b.json': endpoints[\"GET /users/{id}\"].errors: more errors than requests" },
		{ "\"count\": 1,\n      \"error_kinds\"", "\"count\": 2,\n      \"error_kinds\"",
		  "'b.json': endpoints[\"GET /health\"].histogram: its count differs from the endpoint's "
		  "count" },
		{ "\"runs\": [\n        {\n          \"count\": 1,",
		  "\"runs\": {\n        \"x\": {\n          \"count\": 1,",
		  "'b.json': not a baseline file: not valid JSON: " },
		{ "\"source_runs\": [", "\"source_runs\": 5, \"x\": [",
		  "'b.json': source_runs: expected an array" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = mutate(cases[i].from, cases[i].to);
		struct e2e_baseline *b = (struct e2e_baseline *)1;
		int rc = e2e_baseline_parse(text, strlen(text), "b.json", &b);

		ck_assert_msg(rc == E2E_ERR_INPUT, "case %zu: rc %d", i, rc);
		ck_assert_msg(b == (struct e2e_baseline *)1, "case %zu: out written on failure", i);
		ck_assert_msg(strncmp(e2e_error_message(), cases[i].msg, strlen(cases[i].msg)) == 0,
			      "case %zu: got '%s', want '%s'", i, e2e_error_message(), cases[i].msg);
		free(text);
	}
}
END_TEST

/* SPEC section 11: per-test durations per source run; optional (the
 * golden file above has none and loads), round-trips byte for byte, bad
 * fields named. */
static const char tests_block[] = "  \"tests\": {\n"
				  "    \"test_a\": {\n"
				  "      \"duration_ms\": 150.5,\n"
				  "      \"runs\": [\n"
				  "        {\n"
				  "          \"duration_ms\": 100.25,\n"
				  "          \"passed\": true,\n"
				  "          \"run\": 7\n"
				  "        },\n"
				  "        {\n"
				  "          \"duration_ms\": 200.75,\n"
				  "          \"passed\": true,\n"
				  "          \"run\": 9\n"
				  "        }\n"
				  "      ]\n"
				  "    },\n"
				  "    \"test_b\": {\n"
				  "      \"runs\": [\n"
				  "        {\n"
				  "          \"duration_ms\": 3.0,\n"
				  "          \"passed\": false,\n"
				  "          \"run\": 9\n"
				  "        }\n"
				  "      ]\n"
				  "    }\n"
				  "  },\n"
				  "  \"tool_version\"";

START_TEST(test_tests_optional_round_trip)
{
	char *text = mutate("  \"tool_version\"", tests_block), *again;
	struct e2e_baseline *b = NULL;
	const struct e2e_baseline_test *t;
	static const struct {
		const char *from, *to, *msg;
	} bad[] = {
		{ "\"run\": 7\n        },\n        {\n          \"duration_ms\": 200.75",
		  "\"run\": 8\n        },\n        {\n          \"duration_ms\": 200.75",
		  "'b.json': tests[\"test_a\"].runs[0].run: 8 is not one of source_runs" },
		{ "\"passed\": false", "\"passed\": 0",
		  "'b.json': tests[\"test_b\"].runs[0].passed: expected true or false" },
		{ "\"duration_ms\": 3.0", "\"duration_ms\": -3",
		  "'b.json': tests[\"test_b\"].runs[0].duration_ms: -3 is out of range (0 to 1e+10)" },
		{ "  \"tests\": {\n    \"test_a\": {", "  \"tests\": [], \"x\": {\n    \"test_a\": {",
		  "'b.json': tests: expected an object" },
	};

	ck_assert_int_eq(e2e_baseline_parse(text, strlen(text), "b.json", &b), 0);
	ck_assert_uint_eq(b->ntests, 2);
	t = e2e_baseline_find_test(b, "test_a");
	ck_assert_ptr_nonnull(t);
	ck_assert_double_eq(t->duration_ms, 150.5);
	ck_assert_uint_eq(t->nruns, 2);
	ck_assert_int_eq(t->runs[1].run_id, 9);
	ck_assert_double_eq(t->runs[1].duration_ms, 200.75);
	ck_assert(t->runs[1].passed);
	t = e2e_baseline_find_test(b, "test_b");
	ck_assert(isnan(t->duration_ms) && !t->runs[0].passed);
	ck_assert_ptr_null(e2e_baseline_find_test(b, "test_c"));
	again = e2e_baseline_encode(b);
	ck_assert_str_eq(again, text);
	free(again);
	e2e_baseline_destroy(b);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *at = strstr(text, bad[i].from);
		struct e2e_buf m = E2E_BUF_INIT;

		ck_assert_msg(at != NULL, "case %zu", i);
		e2e_buf_add(&m, text, (size_t)(at - text));
		e2e_buf_puts(&m, bad[i].to);
		e2e_buf_puts(&m, at + strlen(bad[i].from));
		b = NULL;
		ck_assert_int_eq(e2e_baseline_parse(m.data, m.len, "b.json", &b), E2E_ERR_INPUT);
		ck_assert_msg(strcmp(e2e_error_message(), bad[i].msg) == 0, "case %zu: got '%s'", i,
			      e2e_error_message());
		e2e_buf_finish(&m);
	}
	free(text);
}
END_TEST

START_TEST(test_helpers)
{
	static const struct {
		const char *dir, *service, *want;
	} cases[] = {
		{ "baselines", "users-api", "baselines/users-api.json" },
		{ "b", "a/b", "b/a_b.json" },
		{ "b", "..", "b/_...json" },
		{ "b", "", "b/_.json" },
	};
	struct e2e_baseline *b = small_baseline();
	struct e2e_run run;
	struct fx f;
	struct e2e_report *r;
	struct e2e_baseline *none = (struct e2e_baseline *)1;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = e2e_baseline_default_path(cases[i].dir, cases[i].service);

		ck_assert_str_eq(p, cases[i].want);
		free(p);
		p = e2e_baseline_path(NULL, cases[i].dir, cases[i].service);
		ck_assert_str_eq(p, cases[i].want);
		free(p);
	}
	{
		char *p = e2e_baseline_path("mine.json", "baselines", "shop");

		ck_assert_str_eq(p, "mine.json");
		free(p);
	}
	memset(&run, 0, sizeof(run));
	run.host_cpu = "Test CPU";
	run.host_cores = 4;
	run.host_os = "Linux 6.1";
	ck_assert(!e2e_baseline_host_differs(b, &run));
	run.host_cores = 2;
	ck_assert(e2e_baseline_host_differs(b, &run));
	e2e_baseline_destroy(b);

	fx_init(&f);
	fx_run(&f, 1);
	r = fx_report(&f, 0, 1);
	ck_assert_int_eq(e2e_baseline_from_report(r, 0, NULL, &none), E2E_ERR_EMPTY);
	ck_assert(none == (struct e2e_baseline *)1);
	e2e_report_destroy(r);
	fx_finish(&f);
}
END_TEST

static Suite *baseline_suite(void)
{
	Suite *s = suite_create("baseline");
	TCase *tc = tcase_create("baseline");

	tcase_add_test(tc, test_build);
	tcase_add_test(tc, test_golden_and_round_trip);
	tcase_add_test(tc, test_version_1);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_band_optional);
	tcase_add_test(tc, test_helpers);
	tcase_add_test(tc, test_tests_optional_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(baseline_suite)

/* Endpoint identity belongs to the run (SPEC section 10): the report maps
 * each run through its own table, the recorder stores each run's mapping
 * and templating, the store keeps them apart and carries a schema v2 file
 * (tests/fixtures/store-v2, made by the previous release) over to v3 (and
 * on to v4). On real SQLite files; the fixture's reports are compared byte
 * for byte in tests/cli/migrate.sh. */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "recorder.h"
#include "report.h"
#include "routes.h"
#include "sha256.h"
#include "store.h"
#include "template.h"
#include "testutil.h"

static char *tmp;

static void setup(void)
{
	tmp = tu_mkdtemp();
}

static void teardown(void)
{
	tu_rmtree(tmp);
	free(tmp);
	tmp = NULL;
}

static struct e2e_run mkrun(int64_t id, int64_t started_ms)
{
	struct e2e_run r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.service = "svc";
	r.started_ms = started_ms;
	r.ended_ms = started_ms + 1000;
	r.duration_ns = 1000000000ull;
	r.command = r.git_commit = r.git_branch = r.host_cpu = r.host_os = "";
	r.tool_version = r.source = r.target = "";
	r.exit_status = -1;
	r.complete = true;
	return r;
}

static struct e2e_sample smp(uint32_t path_id, uint32_t total_us)
{
	struct e2e_sample s;

	memset(&s, 0, sizeof(s));
	s.path_id = path_id;
	s.status = 200;
	s.total_us = total_us;
	s.ttfb_us = total_us;
	return s;
}

static uint64_t count_of(const struct e2e_report *r, const char *key)
{
	const struct e2e_endpoint_report *e = e2e_report_find(r, key);

	return e ? e->count : 0;
}

/* ---- report: each run through its own table ---- */

/* Path ids name the same raw paths in both tables (one store), but run 1
 * counted /users/1 and /users/me under {id}-style templates and run 2
 * under its routes. */
static const struct e2e_path table1[] = {
	{ 1, "GET", "/users/1", "GET /users/{id}" },
	{ 2, "GET", "/users/me", "GET /users/me" },
	{ 3, "DELETE", "/v2/carts/9", "DELETE /v2/carts/{id}" },
};
static const struct e2e_path table2[] = {
	{ 1, "GET", "/users/1", "GET /users/{user}" },
	{ 2, "GET", "/users/me", "GET /users/{user}" },
	{ 3, "DELETE", "/v2/carts/9", "DELETE /v2/carts/{id}" },
};

START_TEST(test_report_per_run)
{
	struct e2e_run r1 = mkrun(1, 1000), r2 = mkrun(2, 2000);
	struct e2e_sample s1[] = { smp(1, 1000), smp(1, 2000), smp(2, 3000), smp(3, 4000) };
	struct e2e_sample s2[] = { smp(1, 5000), smp(2, 6000), smp(2, 7000), smp(3, 8000), smp(3, 9000) };
	struct e2e_report_run in[2] = { { &r2, s2, 5, table2, 3, NULL, 0 },
					{ &r1, s1, 4, table1, 3, NULL, 0 } };
	const struct e2e_endpoint_report *e;
	struct e2e_report *r = NULL;
	struct e2e_routes *routes = NULL;
	struct e2e_report_opts o = { false, NULL };
	static const char lines[] = "GET /users/{u}\nDELETE /v2/carts/{cart}\n";

	/* merged: each run's samples under that run's endpoints */
	ck_assert_int_eq(e2e_report_compute(in, 2, NULL, 0, NULL, &r), 0);
	ck_assert_uint_eq(r->nendpoints, 4);
	ck_assert_uint_eq(count_of(r, "GET /users/{id}"), 2);
	ck_assert_uint_eq(count_of(r, "GET /users/me"), 1);
	ck_assert_uint_eq(count_of(r, "GET /users/{user}"), 3);
	ck_assert_uint_eq(count_of(r, "DELETE /v2/carts/{id}"), 3);
	e = e2e_report_find(r, "GET /users/{user}");
	ck_assert_double_eq(e->min_ms, 5.0);
	ck_assert_double_eq(e->max_ms, 7.0);
	ck_assert_uint_eq(e->per_run[0].count, 3); /* run 2, newest */
	ck_assert_uint_eq(e->per_run[1].count, 0);
	ck_assert_uint_eq(e->npaths, 2);
	ck_assert_str_eq(e->paths[0].path, "/users/me"); /* 2 before 1 */
	ck_assert_uint_eq(e->paths[0].count, 2);
	/* one raw path counted by both runs under one endpoint: listed once */
	e = e2e_report_find(r, "DELETE /v2/carts/{id}");
	ck_assert_uint_eq(e->npaths, 1);
	ck_assert_uint_eq(e->paths[0].count, 3);
	ck_assert_uint_eq(e->per_run[0].count, 2);
	ck_assert_uint_eq(e->per_run[1].count, 1);
	ck_assert_uint_eq(r->distinct_paths, 5);
	e2e_report_destroy(r);

	/* --routes re-templates every run alike */
	ck_assert_int_eq(e2e_routes_parse("r.txt", lines, sizeof(lines) - 1, &routes), 0);
	o.routes = routes;
	ck_assert_int_eq(e2e_report_compute(in, 2, NULL, 0, &o, &r), 0);
	ck_assert_uint_eq(r->nendpoints, 2);
	ck_assert_uint_eq(count_of(r, "GET /users/{u}"), 6);
	ck_assert_uint_eq(count_of(r, "DELETE /v2/carts/{cart}"), 3);
	e = e2e_report_find(r, "GET /users/{u}");
	ck_assert_uint_eq(e->npaths, 2);
	ck_assert_uint_eq(e->paths[0].count, 3);
	ck_assert_uint_eq(e->paths[1].count, 3);
	ck_assert_uint_eq(r->distinct_paths, 3);
	e2e_report_destroy(r);
	e2e_routes_destroy(routes);

	/* a run without a table of its own uses the one given to compute */
	in[1].paths = NULL;
	in[1].npaths = 0;
	ck_assert_int_eq(e2e_report_compute(in, 2, table2, 3, NULL, &r), 0);
	ck_assert_uint_eq(count_of(r, "GET /users/{user}"), 6);
	ck_assert_uint_eq(count_of(r, "GET /users/{id}"), 0);
	e2e_report_destroy(r);

	/* a sample whose run does not map its path id */
	in[1].paths = table1;
	in[1].npaths = 2;
	ck_assert_int_eq(e2e_report_compute(in, 2, table2, 3, NULL, &r), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "run 1: a sample refers to unknown path id 3");
}
END_TEST

/* ---- recorder and store ---- */

static struct e2e_capture cap(const char *method, const char *path, uint64_t start)
{
	struct e2e_capture c;

	memset(&c, 0, sizeof(c));
	c.s = smp(0, 1000);
	c.s.start_ns = start;
	c.method = method;
	c.method_len = (uint16_t)strlen(method);
	c.path = path;
	c.path_len = (uint32_t)strlen(path);
	return c;
}

static int64_t begin_run(struct e2e_store *st, const char *service)
{
	struct e2e_run r = mkrun(0, 1000);
	int64_t id = 0;

	r.service = (char *)service;
	ck_assert_msg(e2e_store_run_begin(st, &r, &id) == 0, "%s", e2e_error_message());
	return id;
}

/* Records caps as one new run of service (with routes when non-NULL). */
static int64_t record(struct e2e_store *st, const char *service, const struct e2e_routes *routes,
		      const struct e2e_capture *caps, size_t n)
{
	int64_t id = begin_run(st, service);
	struct e2e_recorder *rec = NULL;

	ck_assert_int_eq(e2e_recorder_create(st, id, routes, &rec), 0);
	ck_assert_msg(e2e_recorder_add(rec, caps, n, 0, 1) == 0, "%s", e2e_error_message());
	e2e_recorder_destroy(rec);
	return id;
}

static const char *endpoint_of(struct e2e_store *st, int64_t run, const char *method, const char *path)
{
	static char key[256];
	struct e2e_path *p = NULL;
	size_t n = 0;

	key[0] = '\0';
	ck_assert_int_eq(e2e_store_run_paths_load(st, run, &p, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(p[i].method, method) && !strcmp(p[i].path, path))
			snprintf(key, sizeof(key), "%s", p[i].endpoint);
	e2e_store_paths_free(p, n);
	return key;
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

START_TEST(test_recorder_per_run)
{
	static const char lines[] = "GET /users/{user}\nDELETE /v2/carts/{cart}\n";
	char *db = tu_path(tmp, "perf.db");
	struct e2e_capture caps[] = { cap("GET", "/users/123", 1), cap("GET", "/users/me", 2),
				      cap("DELETE", "/v2/carts/9", 3) };
	struct e2e_store *st = NULL;
	struct e2e_routes *routes = NULL;
	struct e2e_templating t;
	struct e2e_sha256 h;
	uint8_t digest[E2E_SHA256_LEN];
	char hex[E2E_SHA256_HEX_LEN + 1];
	int64_t a, b, b2;

	ck_assert_int_eq(e2e_routes_parse("routes.txt", lines, sizeof(lines) - 1, &routes), 0);
	ck_assert_int_eq(e2e_store_open(db, E2E_STORE_CREATE, &st), 0);
	a = record(st, "a", NULL, caps, 3);
	b = record(st, "b", routes, caps, 3);
	b2 = record(st, "b", routes, caps, 1);

	/* the routes apply although run a interned every path first */
	ck_assert_str_eq(endpoint_of(st, a, "GET", "/users/123"), "GET /users/{id}");
	ck_assert_str_eq(endpoint_of(st, a, "GET", "/users/me"), "GET /users/me");
	ck_assert_str_eq(endpoint_of(st, a, "DELETE", "/v2/carts/9"), "DELETE /v2/carts/{id}");
	ck_assert_str_eq(endpoint_of(st, b, "GET", "/users/123"), "GET /users/{user}");
	ck_assert_str_eq(endpoint_of(st, b, "GET", "/users/me"), "GET /users/{user}");
	ck_assert_str_eq(endpoint_of(st, b, "DELETE", "/v2/carts/9"), "DELETE /v2/carts/{cart}");
	ck_assert_str_eq(endpoint_of(st, b2, "GET", "/users/me"), ""); /* b2 used one path */
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM paths"), 3);

	/* each run's templating */
	ck_assert_int_eq(e2e_store_run_templating_get(st, a, &t), 0);
	ck_assert_int_eq(t.rules_version, E2E_TEMPLATE_RULES);
	ck_assert_str_eq(t.routes_name, "");
	ck_assert_str_eq(t.routes_sha256, "");
	ck_assert_ptr_null(t.routes_text);
	e2e_templating_finish(&t);
	e2e_sha256_init(&h);
	e2e_sha256_update(&h, lines, sizeof(lines) - 1);
	e2e_sha256_final(&h, digest);
	e2e_sha256_hex(digest, hex);
	for (int64_t id = b; id <= b2; id++) {
		ck_assert_int_eq(e2e_store_run_templating_get(st, id, &t), 0);
		ck_assert_int_eq(t.rules_version, E2E_TEMPLATE_RULES);
		ck_assert_str_eq(t.routes_name, "routes.txt");
		ck_assert_str_eq(t.routes_sha256, hex);
		ck_assert_uint_eq(t.routes_len, sizeof(lines) - 1);
		ck_assert_str_eq(t.routes_text, lines);
		e2e_templating_finish(&t);
	}
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM routes"), 1); /* once per digest */

	/* a request without a path is stored as "/": one raw path, one endpoint */
	{
		struct e2e_capture root[] = { cap("GET", "", 1), cap("GET", "/", 2) };
		int64_t e = record(st, "e", routes, root, 2);

		ck_assert_str_eq(endpoint_of(st, e, "GET", "/"), "GET /");
	}
	e2e_templating_finish(NULL);
	e2e_store_close(st);
	e2e_routes_destroy(routes);
	free(db);
}
END_TEST

/* A batch that fails stores neither mapping nor templating; the next one
 * stores both. */
START_TEST(test_recorder_failed_batch)
{
	char *db = tu_path(tmp, "perf.db");
	struct e2e_capture c = cap("GET", "/users/1", 1);
	struct e2e_store *st = NULL, *ro = NULL;
	struct e2e_recorder *rec = NULL;
	struct e2e_templating t;
	int64_t id;

	ck_assert_int_eq(e2e_store_open(db, E2E_STORE_CREATE, &st), 0);
	id = begin_run(st, "a");
	ck_assert_int_eq(e2e_store_open(db, E2E_STORE_READONLY, &ro), 0);
	ck_assert_int_eq(e2e_recorder_create(ro, id, NULL, &rec), 0);
	ck_assert_int_lt(e2e_recorder_add(rec, &c, 1, 0, 1), 0);
	e2e_recorder_destroy(rec);
	e2e_store_close(ro);
	ck_assert_int_eq(e2e_store_run_templating_get(st, id, &t), 0);
	ck_assert_int_eq(t.rules_version, 0);
	e2e_templating_finish(&t);
	ck_assert_str_eq(endpoint_of(st, id, "GET", "/users/1"), "");

	ck_assert_int_eq(e2e_recorder_create(st, id, NULL, &rec), 0);
	ck_assert_int_eq(e2e_recorder_add(rec, &c, 1, 0, 1), 0);
	e2e_recorder_destroy(rec);
	ck_assert_int_eq(e2e_store_run_templating_get(st, id, &t), 0);
	ck_assert_int_eq(t.rules_version, E2E_TEMPLATE_RULES);
	e2e_templating_finish(&t);
	ck_assert_str_eq(endpoint_of(st, id, "GET", "/users/1"), "GET /users/{id}");
	e2e_store_close(st);
	free(db);
}
END_TEST

START_TEST(test_templating_store)
{
	static const char text[] = "GET /a\0binary\n";
	char *db = tu_path(tmp, "perf.db");
	struct e2e_store *st = NULL;
	struct e2e_templating in = { 7, "r.json", "ab12", (char *)text, sizeof(text) - 1 }, out;
	struct e2e_templating empty = { 1, "empty.txt", "e3b0", (char *)"", 0 };
	char msg[512];
	int64_t id;

	ck_assert_int_eq(e2e_store_open(db, E2E_STORE_CREATE, &st), 0);
	id = begin_run(st, "a");
	ck_assert_int_eq(e2e_store_run_templating_set(st, id, &in), 0);
	ck_assert_int_eq(e2e_store_run_templating_get(st, id, &out), 0);
	ck_assert_int_eq(out.rules_version, 7);
	ck_assert_str_eq(out.routes_name, "r.json");
	ck_assert_str_eq(out.routes_sha256, "ab12");
	ck_assert_uint_eq(out.routes_len, sizeof(text) - 1);
	ck_assert_mem_eq(out.routes_text, text, sizeof(text) - 1);
	e2e_templating_finish(&out);
	/* an empty routes file is a routes file */
	ck_assert_int_eq(e2e_store_run_templating_set(st, id, &empty), 0);
	ck_assert_int_eq(e2e_store_run_templating_get(st, id, &out), 0);
	ck_assert_ptr_nonnull(out.routes_text);
	ck_assert_uint_eq(out.routes_len, 0);
	ck_assert_str_eq(out.routes_sha256, "e3b0");
	e2e_templating_finish(&out);

	snprintf(msg, sizeof(msg), "no run 99 in '%s'", db);
	ck_assert_int_eq(e2e_store_run_templating_set(st, 99, &in), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), msg);
	ck_assert_int_eq(e2e_store_run_templating_get(st, 99, &out), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), msg);
	e2e_store_close(st);
	free(db);
}
END_TEST

/* ---- the v2 fixture ---- */

struct v2_path {
	int64_t id;
	char endpoint[128];
};

/* The fixture's v2 endpoint of every path, by id (read before migrating). */
static size_t v2_endpoints(const char *path, struct v2_path *out, size_t max)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	size_t n = 0;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT id, endpoint FROM paths ORDER BY id", -1, &s, NULL),
			 SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW && n < max) {
		out[n].id = sqlite3_column_int64(s, 0);
		snprintf(out[n].endpoint, sizeof(out[n].endpoint), "%s", sqlite3_column_text(s, 1));
		n++;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

START_TEST(test_migrate_v2_fixture)
{
	static const int64_t runs[] = { 1, 2, 4 };
	static const size_t want_paths[] = { 44, 24, 51 }, want_samples[] = { 3000, 500, 1200 };
	char *src = tu_source_path("tests/fixtures/store-v2/perf.db");
	char *db = tu_path(tmp, "perf.db");
	size_t len = 0, nv2;
	char *data = tu_read_file(src, &len);
	struct v2_path v2[256];
	struct e2e_store *st = NULL;

	ck_assert_ptr_nonnull(data);
	tu_write_file(db, data, len);
	free(data);
	nv2 = v2_endpoints(db, v2, 256);
	ck_assert_uint_eq(nv2, 106);
	ck_assert_int_eq(raw_int(db, "PRAGMA user_version"), 2);

	ck_assert_msg(e2e_store_open(db, 0, &st) == 0, "%s", e2e_error_message());
	for (size_t k = 0; k < 3; k++) {
		struct e2e_path *p = NULL;
		struct e2e_sample *s = NULL;
		struct e2e_templating t;
		size_t np = 0, ns = 0;

		ck_assert_int_eq(e2e_store_run_paths_load(st, runs[k], &p, &np), 0);
		ck_assert_uint_eq(np, want_paths[k]);
		for (size_t i = 0; i < np; i++) {
			size_t j = 0;

			while (j < nv2 && v2[j].id != p[i].id)
				j++;
			ck_assert_uint_lt(j, nv2);
			ck_assert_str_eq(p[i].endpoint, v2[j].endpoint);
		}
		/* every sample's path is in its run's table */
		ck_assert_int_eq(e2e_store_samples_load(st, runs[k], &s, &ns), 0);
		ck_assert_uint_eq(ns, want_samples[k]);
		for (size_t i = 0; i < ns; i++) {
			size_t j = 0;

			while (j < np && p[j].id != s[i].path_id)
				j++;
			ck_assert_uint_lt(j, np);
		}
		free(s);
		e2e_store_paths_free(p, np);
		/* carried-over runs say their templating is unknown */
		ck_assert_int_eq(e2e_store_run_templating_get(st, runs[k], &t), 0);
		ck_assert_int_eq(t.rules_version, 0);
		ck_assert_ptr_null(t.routes_text);
		e2e_templating_finish(&t);
	}
	e2e_store_close(st);
	ck_assert_int_eq(raw_int(db, "PRAGMA user_version"), 14); /* v3 to v14 */
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM run_paths WHERE run_id = 3"), 0); /* pruned */
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM paths"), 106); /* ids kept */
	free(src);
	free(db);
}
END_TEST

/* Chunks the migration cannot use: a run that no longer exists, a path id
 * beyond the table. Neither stops it. */
START_TEST(test_migrate_v2_odd_chunks)
{
	char *src = tu_source_path("tests/fixtures/store-v2/perf.db");
	char *db = tu_path(tmp, "perf.db");
	size_t len = 0;
	char *data = tu_read_file(src, &len);
	struct e2e_store *st = NULL;
	sqlite3 *raw = NULL;

	tu_write_file(db, data, len);
	free(data);
	ck_assert_int_eq(sqlite3_open(db, &raw), SQLITE_OK);
	/* run 3 was pruned; its chunk comes back as an orphan. A chunk of run
	 * 2 whose one sample has path id 5000 (format 1, n 1, widths, values) */
	ck_assert_int_eq(sqlite3_exec(raw,
				      "INSERT INTO chunks SELECT 3, 0, n, data FROM chunks WHERE run_id = 2;"
				      "INSERT INTO chunks VALUES (2, 1, 1,"
				      " X'010100000200000000000000' || X'8813')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(raw);
	ck_assert_msg(e2e_store_open(db, 0, &st) == 0, "%s", e2e_error_message());
	e2e_store_close(st);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM run_paths WHERE run_id = 3"), 0);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM run_paths WHERE run_id = 2"), 24);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM run_paths WHERE path_id = 5000"), 0);
	free(src);
	free(db);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("identity");
	TCase *tc = tcase_create("identity");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_report_per_run);
	tcase_add_test(tc, test_recorder_per_run);
	tcase_add_test(tc, test_recorder_failed_batch);
	tcase_add_test(tc, test_templating_store);
	tcase_add_test(tc, test_migrate_v2_fixture);
	tcase_add_test(tc, test_migrate_v2_odd_chunks);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(make_suite)

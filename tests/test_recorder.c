/* Unit tests for recorder.c on a real SQLite file: templating, path
 * interning, one transaction per batch with the run's progress, the run's
 * life cycle from begin to end. */
#include <check.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "recorder.h"
#include "routes.h"
#include "store.h"
#include "testutil.h"

static struct e2e_capture cap(const char *method, const char *path, uint64_t start, uint16_t status,
			      uint32_t total_us)
{
	struct e2e_capture c = { 0 };

	c.s.start_ns = start;
	c.s.status = status;
	c.s.total_us = total_us;
	c.s.ttfb_us = total_us / 2;
	c.s.resp_bytes = 100;
	c.method = method;
	c.method_len = (uint16_t)strlen(method);
	c.path = path;
	c.path_len = (uint32_t)strlen(path);
	return c;
}

/* A run's description (strings not owned: never e2e_run_finish it). */
static struct e2e_run run_desc(void)
{
	struct e2e_run r = { 0 };

	r.service = "svc";
	r.command = r.git_commit = r.git_branch = r.host_cpu = r.host_os = r.tool_version = "";
	r.source = "proxy";
	r.target = "";
	r.exit_status = -1;
	return r;
}

static int64_t new_run(struct e2e_store *st)
{
	struct e2e_run r = run_desc();
	int64_t id;

	ck_assert_int_eq(e2e_store_run_begin(st, &r, &id), 0);
	return id;
}

static const char *endpoint_of(const struct e2e_path *p, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].id == id)
			return p[i].endpoint;
	return "?";
}

START_TEST(test_batches_and_templates)
{
	char *dir = tu_mkdtemp(), *db = tu_path(dir, "r.db");
	struct e2e_store *st;
	struct e2e_recorder *rec;
	struct e2e_routes *routes;
	struct e2e_capture b1[] = {
		cap("GET", "/users/17", 10, 200, 1000),
		cap("GET", "/users/42", 20, 200, 3000),
		cap("get", "/users/me", 30, 200, 500),
		cap("POST", "/orders", 40, 503, 7000),
	};
	struct e2e_capture b2[] = {
		cap("GET", "/users/17", 50, 200, 2000),
		cap("DELETE", "/carts/abc/items/9", 60, 204, 800),
	};
	const char *routes_txt = "DELETE /carts/{cart}/items/{item}\n";

	ck_assert_int_eq(e2e_store_open(db, E2E_STORE_CREATE, &st), 0);
	ck_assert_int_eq(e2e_routes_parse("routes.txt", routes_txt, strlen(routes_txt), &routes), 0);
	struct e2e_run desc = run_desc();
	ck_assert_int_eq(e2e_recorder_begin(st, &desc, routes, &rec), 0);
	int64_t run = desc.id;
	ck_assert_int_gt(run, 0);
	ck_assert_int_eq(e2e_recorder_add(rec, b1, 4, 3, 9), 0);
	ck_assert_int_eq(e2e_recorder_add(rec, b2, 2, 5, 11), 0);
	ck_assert_uint_eq(e2e_recorder_recorded(rec), 6);
	ck_assert_uint_eq(e2e_recorder_lost(rec), 0);

	struct e2e_recorder_progress pr;
	e2e_recorder_progress(rec, &pr);
	ck_assert_uint_eq(pr.recorded, 6);
	ck_assert_uint_eq(pr.errors, 1);
	ck_assert_uint_eq(pr.endpoints, 4);

	/* before the end: the progress of the last batch, as a killed run */
	struct e2e_run r;
	ck_assert_int_eq(e2e_store_run_get(st, run, &r), 0);
	ck_assert_uint_eq(r.recorded, 6);
	ck_assert_uint_eq(r.dropped, 5);
	ck_assert_uint_eq(r.max_concurrency, 11);
	ck_assert(!r.complete);
	e2e_run_finish(&r);

	desc.ended_ms = 1714564800123;
	desc.duration_ns = 42;
	desc.exit_status = 3;
	desc.max_concurrency = 12;
	ck_assert_int_eq(e2e_recorder_end(rec, &desc, 7), 0);
	ck_assert_uint_eq(desc.recorded, 6);
	ck_assert_uint_eq(desc.dropped, 7);
	ck_assert(desc.complete);
	e2e_recorder_destroy(rec);
	ck_assert_int_eq(e2e_store_run_get(st, run, &r), 0);
	ck_assert_uint_eq(r.recorded, 6);
	ck_assert_uint_eq(r.dropped, 7);
	ck_assert_uint_eq(r.max_concurrency, 12);
	ck_assert_int_eq(r.ended_ms, 1714564800123);
	ck_assert_uint_eq(r.duration_ns, 42);
	ck_assert_int_eq(r.exit_status, 3);
	ck_assert(r.complete);
	e2e_run_finish(&r);

	struct e2e_sample *s;
	size_t n, np;
	struct e2e_path *paths;
	ck_assert_int_eq(e2e_store_samples_load(st, run, &s, &n), 0);
	ck_assert_int_eq(e2e_store_run_paths_load(st, run, &paths, &np), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(np, 5); /* /users/17 is interned once */
	static const char *const want[] = { "GET /users/{id}", "GET /users/{id}",
					    "GET /users/me",   "POST /orders",
					    "GET /users/{id}", "DELETE /carts/{cart}/items/{item}" };
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(endpoint_of(paths, np, s[i].path_id), want[i]);
		ck_assert_uint_eq(s[i].start_ns, 10 * (i + 1));
	}
	ck_assert_uint_eq(s[0].path_id, s[4].path_id);
	ck_assert_uint_eq(s[3].status, 503);
	ck_assert_uint_eq(s[1].total_us, 3000);
	free(s);
	e2e_store_paths_free(paths, np);
	e2e_routes_destroy(routes);
	e2e_store_close(st);
	tu_rmtree(dir);
	free(db);
	free(dir);
}
END_TEST

/* A store that cannot write: the batch is counted as lost, not fatal, and
 * the run's end counts it as dropped even when its own write fails. */
START_TEST(test_store_failure_counts_loss)
{
	char *dir = tu_mkdtemp(), *db = tu_path(dir, "ro.db");
	struct e2e_store *st, *ro;
	struct e2e_recorder *rec;
	struct e2e_capture b[] = { cap("GET", "/a/1", 1, 200, 10), cap("GET", "/b", 2, 200, 10) };

	ck_assert_int_eq(e2e_store_open(db, E2E_STORE_CREATE, &st), 0);
	int64_t run = new_run(st);
	e2e_store_close(st);
	ck_assert_int_eq(e2e_store_open(db, E2E_STORE_READONLY, &ro), 0);
	ck_assert_int_eq(e2e_recorder_create(ro, run, NULL, &rec), 0);
	ck_assert_int_lt(e2e_recorder_add(rec, b, 2, 0, 1), 0);
	ck_assert_uint_eq(e2e_recorder_lost(rec), 2);
	ck_assert_uint_eq(e2e_recorder_recorded(rec), 0);
	struct e2e_run r = run_desc();
	r.id = run;
	ck_assert_int_lt(e2e_recorder_end(rec, &r, 3), 0);
	ck_assert_uint_eq(r.recorded, 0);
	ck_assert_uint_eq(r.dropped, 5);
	ck_assert_uint_eq(r.lost, 2);
	ck_assert_int_eq(r.lost_cause, E2E_LOSS_READONLY);
	ck_assert_int_eq(e2e_recorder_loss_cause(rec), E2E_LOSS_READONLY);
	e2e_recorder_destroy(rec);
	e2e_store_close(ro);
	tu_rmtree(dir);
	free(db);
	free(dir);
}
END_TEST

/* A damaged schema (DROP TABLE paths) under a recorder at work: the batch
 * fails with the store's own message, and the run's record says how many
 * requests were lost and why, at once (a run killed now keeps that). */
START_TEST(test_store_failure_cause_recorded)
{
	char *dir = tu_mkdtemp(), *db = tu_path(dir, "damaged.db");
	struct e2e_store *st;
	struct e2e_recorder *rec;
	struct e2e_capture b[] = { cap("GET", "/a/1", 1, 200, 10), cap("GET", "/b", 2, 200, 10) };
	struct e2e_run r;
	sqlite3 *raw;

	ck_assert_int_eq(e2e_store_open(db, E2E_STORE_CREATE, &st), 0);
	int64_t run = new_run(st);
	ck_assert_int_eq(e2e_recorder_create(st, run, NULL, &rec), 0);
	ck_assert_int_eq(e2e_recorder_add(rec, b, 1, 0, 1), 0);
	ck_assert_int_eq(sqlite3_open(db, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(raw, "DROP TABLE paths", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	ck_assert_int_lt(e2e_recorder_add(rec, b + 1, 1, 3, 1), 0);
	ck_assert_ptr_nonnull(strstr(e2e_error_message(), "no such table: paths"));
	ck_assert_uint_eq(e2e_recorder_lost(rec), 1);
	ck_assert_int_eq(e2e_recorder_loss_cause(rec), E2E_LOSS_DAMAGED);
	ck_assert_int_eq(e2e_store_run_get(st, run, &r), 0);
	ck_assert_uint_eq(r.recorded, 1);
	ck_assert_uint_eq(r.dropped, 4);
	ck_assert_uint_eq(r.lost, 1);
	ck_assert_int_eq(r.lost_cause, E2E_LOSS_DAMAGED);
	e2e_run_finish(&r);
	e2e_recorder_destroy(rec);
	e2e_store_close(st);
	tu_rmtree(dir);
	free(db);
	free(dir);
}
END_TEST

static Suite *recorder_suite(void)
{
	Suite *s = suite_create("recorder");
	TCase *tc = tcase_create("store");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_batches_and_templates);
	tcase_add_test(tc, test_store_failure_counts_loss);
	tcase_add_test(tc, test_store_failure_cause_recorded);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(recorder_suite)

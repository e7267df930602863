/* Unit tests for store.c on real SQLite files in temporary directories. */
#include <check.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cpu_report.h"
#include "error.h"
#include "sample.h"
#include "store.h"
#include "testutil.h"

/* The schema this e2e writes (store.c's migrations). */
#define SCHEMA_VERSION 14
#define SCHEMA_VERSION_TEXT "14"

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

/* ---- raw SQLite helpers: the test's own view of the file ---- */

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK, "%s: %s", sql, err ? err : "");
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int64_t file_int(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);
	int64_t v = raw_int(db, sql);

	sqlite3_close(db);
	return v;
}

static void assert_integrity(const char *path)
{
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *s;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static off_t file_size(const char *path)
{
	struct stat sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	return sb.st_size;
}

/* ---- store helpers ---- */

static struct e2e_store *open_ok(const char *path, int flags)
{
	struct e2e_store *st = NULL;
	int rc = e2e_store_open(path, flags, &st);

	ck_assert_msg(rc == 0, "open '%s': %s", path, e2e_error_message());
	return st;
}

static void assert_err(int rc, int want, const char *msg)
{
	ck_assert_int_eq(rc, want);
	ck_assert_str_eq(e2e_error_message(), msg);
}

static int64_t begin_run(struct e2e_store *st, const char *service, int64_t started_ms)
{
	struct e2e_run r = { .service = (char *)service, .started_ms = started_ms, .exit_status = -1 };
	int64_t id = 0;

	ck_assert_msg(e2e_store_run_begin(st, &r, &id) == 0, "%s", e2e_error_message());
	ck_assert_int_gt(id, 0);
	return id;
}

/* A deterministic, varied sample: i-th of a stream tagged by tag. start_ns
 * goes backwards every few samples, as completion order does. */
static struct e2e_sample make_sample(uint64_t tag, uint64_t i)
{
	static const uint16_t statuses[] = { 200, 200, 201, 204, 304, 404, 500, 502, 0, 200, 200 };
	uint64_t h = (i + 1) * 0x9e3779b97f4a7c15ull ^ tag;
	struct e2e_sample s = {
		.start_ns = tag * 1000000000000ull + i * 250000 - (i % 5) * 900000,
		.path_id = (uint32_t)(1 + h % 97),
		.status = statuses[i % (sizeof(statuses) / sizeof(statuses[0]))],
		.error = (uint8_t)(i % 13 == 0 ? i / 13 % E2E_EK__COUNT : 0),
		.total_us = (uint32_t)(h >> 40) % 2000000,
		.proxy_us = (uint32_t)(h >> 20) % 300,
		.req_bytes = i % 3 == 0 ? (h >> 8) % 5000 : 0,
		.resp_bytes = tag << 32 | i,
	};

	s.ttfb_us = s.total_us - (uint32_t)((h >> 12) % (s.total_us + 1));
	return s;
}

static bool same_sample(const struct e2e_sample *a, const struct e2e_sample *b)
{
	return a->start_ns == b->start_ns && a->path_id == b->path_id && a->status == b->status &&
	       a->error == b->error && a->ttfb_us == b->ttfb_us && a->total_us == b->total_us &&
	       a->proxy_us == b->proxy_us && a->req_bytes == b->req_bytes && a->resp_bytes == b->resp_bytes &&
	       a->test_id == b->test_id;
}

/* Loads run_id and checks it holds exactly want[0..n). */
static void assert_samples(struct e2e_store *st, int64_t run_id, const struct e2e_sample *want, size_t n)
{
	struct e2e_sample *got = NULL;
	size_t len = 0;

	ck_assert_msg(e2e_store_samples_load(st, run_id, &got, &len) == 0, "%s", e2e_error_message());
	ck_assert_uint_eq(len, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(same_sample(&got[i], &want[i]), "run %lld sample %zu differs",
			      (long long)run_id, i);
	free(got);
}

/* Appends samples tag:[0, n) in one transaction per batch, with progress. */
static void record(struct e2e_store *st, int64_t run_id, uint64_t tag, size_t n, size_t batch)
{
	struct e2e_sample *s = malloc(batch * sizeof(*s));

	for (size_t at = 0; at < n; at += batch) {
		size_t k = n - at < batch ? n - at : batch;

		for (size_t i = 0; i < k; i++)
			s[i] = make_sample(tag, at + i);
		ck_assert_msg(e2e_store_begin(st) == 0, "%s", e2e_error_message());
		ck_assert_msg(e2e_store_append(st, run_id, s, k) == 0, "%s", e2e_error_message());
		ck_assert_int_eq(e2e_store_run_progress(st, run_id, at + k, 7, 3), 0);
		ck_assert_msg(e2e_store_commit(st) == 0, "%s", e2e_error_message());
	}
	free(s);
}

static struct e2e_sample *make_samples(uint64_t tag, size_t n)
{
	struct e2e_sample *s = malloc((n ? n : 1) * sizeof(*s));

	for (size_t i = 0; i < n; i++)
		s[i] = make_sample(tag, i);
	return s;
}

/* ---- opening ---- */

START_TEST(test_create)
{
	char *path = tu_path(tmp, "a/b/c/perf.db");
	char msg[512];
	struct e2e_store *st = NULL;
	struct stat sb;

	snprintf(msg, sizeof(msg), "no database at '%s'", path);
	assert_err(e2e_store_open(path, 0, &st), E2E_ERR_RUNTIME, msg);
	assert_err(e2e_store_open(path, E2E_STORE_READONLY, &st), E2E_ERR_RUNTIME, msg);
	assert_err(e2e_store_open(path, E2E_STORE_READONLY | E2E_STORE_CREATE, &st), E2E_ERR_RUNTIME, msg);
	ck_assert_ptr_null(st);
	ck_assert_int_ne(access(path, F_OK), 0);

	st = open_ok(path, E2E_STORE_CREATE);
	ck_assert_str_eq(e2e_store_path(st), path);
	e2e_store_close(st);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(file_int(path, "PRAGMA application_id"), 0x65326550);
	ck_assert_int_eq(file_int(path, "PRAGMA user_version"), SCHEMA_VERSION);
	ck_assert_int_eq(file_int(path, "PRAGMA auto_vacuum"), 2);
	{
		sqlite3 *db = raw_open(path);
		sqlite3_stmt *s;

		ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
		sqlite3_finalize(s);
		sqlite3_close(db);
	}
	/* Reopening an existing database, with or without CREATE. */
	st = open_ok(path, 0);
	e2e_store_close(st);
	st = open_ok(path, E2E_STORE_CREATE);
	e2e_store_close(st);
	st = open_ok(path, E2E_STORE_READONLY);
	e2e_store_close(st);
	e2e_store_close(NULL);

	snprintf(msg, sizeof(msg), "cannot open database '%s': is a directory", tmp);
	assert_err(e2e_store_open(tmp, E2E_STORE_CREATE, &st), E2E_ERR_RUNTIME, msg);
	free(path);
}
END_TEST

START_TEST(test_empty_file)
{
	char *path = tu_path(tmp, "empty.db");
	char msg[512];
	struct e2e_store *st = NULL;
	size_t len = 99;
	char *data;

	tu_write_file(path, "", 0);
	snprintf(msg, sizeof(msg), "'%s': empty database, nothing recorded yet", path);
	assert_err(e2e_store_open(path, E2E_STORE_READONLY, &st), E2E_ERR_RUNTIME, msg);
	data = tu_read_file(path, &len);
	ck_assert_uint_eq(len, 0);
	free(data);

	st = open_ok(path, 0);
	begin_run(st, "svc", 1);
	e2e_store_close(st);
	ck_assert_int_eq(file_int(path, "PRAGMA user_version"), SCHEMA_VERSION);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM runs"), 1);
	free(path);
}
END_TEST

/* Files that are not ours are left byte-identical, whatever the flags. */
START_TEST(test_foreign_untouched)
{
	static const struct {
		const char *name;
		const char *setup; /* SQL run on a fresh SQLite file, NULL: text file */
		const char *want; /* message after "'path': " */
	} cases[] = {
		{ "other.db",
		  "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
		  "INSERT INTO notes (body) VALUES ('keep me')",
		  "not an e2e database" },
		{ "other-wal.db", "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1)",
		  "not an e2e database" },
		{ "versioned.db", "PRAGMA user_version = 3", "not an e2e database" },
		{ "appid.db", "PRAGMA application_id = 42", "not an e2e database" },
		{ "notes.txt", NULL, "not an e2e database" },
		{ "newer.db", "PRAGMA user_version = 99",
		  "schema version 99 is newer than this e2e supports (" SCHEMA_VERSION_TEXT
		  "); upgrade e2e" },
	};
	static const int flags[] = { 0, E2E_STORE_CREATE, E2E_STORE_READONLY };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = tu_path(tmp, cases[i].name);
		char msg[512], *before, *after;
		size_t blen, alen;

		if (!cases[i].setup) {
			tu_write_file(path, "SQLite format 3 is what this file is not\n", (size_t)-1);
		} else if (strcmp(cases[i].name, "newer.db") == 0) {
			/* An e2e database written by a future version. */
			struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
			sqlite3 *db;

			begin_run(st, "svc", 5);
			e2e_store_close(st);
			db = raw_open(path);
			raw_exec(db, cases[i].setup);
			sqlite3_close(db);
		} else {
			sqlite3 *db = raw_open(path);

			raw_exec(db, cases[i].setup);
			sqlite3_close(db);
		}
		before = tu_read_file(path, &blen);
		ck_assert_ptr_nonnull(before);
		snprintf(msg, sizeof(msg), "'%s': %s", path, cases[i].want);
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
			struct e2e_store *st = NULL;

			assert_err(e2e_store_open(path, flags[f], &st), E2E_ERR_INPUT, msg);
			ck_assert_ptr_null(st);
			after = tu_read_file(path, &alen);
			ck_assert_msg(alen == blen && memcmp(before, after, blen) == 0,
				      "%s changed (flags %d)", cases[i].name, flags[f]);
			free(after);
		}
		free(before);
		free(path);
	}
}
END_TEST

/* Two samples and their chunk blob, in the format documented in store.c. */
static const struct e2e_sample two_samples[] = {
	{ .start_ns = 1000,
	  .path_id = 1,
	  .status = 200,
	  .total_us = 1500,
	  .ttfb_us = 1000,
	  .proxy_us = 20,
	  .resp_bytes = 512 },
	{ .start_ns = 900,
	  .path_id = 2,
	  .status = 502,
	  .error = E2E_EK_REFUSED,
	  .proxy_us = 35,
	  .req_bytes = 10 },
};
/* clang-format off */
static const unsigned char two_chunk[] = {
	0x01, 0x02, 0x00, /* format, n (u16 LE) */
	2, 1, 2, 1, 2, 2, 1, 1, 2, /* bytes per value of each column */
	0xd0, 0x07, 0xc7, 0x00, /* start_ns: zz(+1000), zz(-100) */
	0x01, 0x02, /* path_id */
	0xc8, 0x00, 0xf6, 0x01, /* status: 200, 502 */
	0x00, 0x01, /* error */
	0xdc, 0x05, 0x00, 0x00, /* total_us */
	0xe8, 0x03, 0x00, 0x00, /* ttfb: zz(total - ttfb) */
	0x14, 0x23, /* proxy_us */
	0x00, 0x0a, /* req_bytes */
	0x00, 0x02, 0x00, 0x00, /* resp_bytes */
};
/* clang-format on */

/* The v1 layout, written by hand as an e2e of schema version 1 did. */
static void make_v1(const char *path)
{
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *s;

	raw_exec(db,
		 "PRAGMA journal_mode = WAL;"
		 "PRAGMA application_id = 1697801552;"
		 "CREATE TABLE runs ("
		 " id INTEGER PRIMARY KEY, service TEXT NOT NULL, started_ms INTEGER NOT NULL,"
		 " ended_ms INTEGER NOT NULL DEFAULT 0, duration_ns INTEGER NOT NULL DEFAULT 0,"
		 " command TEXT NOT NULL DEFAULT '', exit_status INTEGER NOT NULL DEFAULT -1,"
		 " git_commit TEXT NOT NULL DEFAULT '', git_branch TEXT NOT NULL DEFAULT '',"
		 " host_cpu TEXT NOT NULL DEFAULT '', host_cores INTEGER NOT NULL DEFAULT 0,"
		 " host_os TEXT NOT NULL DEFAULT '', tool_version TEXT NOT NULL DEFAULT '',"
		 " max_concurrency INTEGER NOT NULL DEFAULT 0, recorded INTEGER NOT NULL DEFAULT 0,"
		 " dropped INTEGER NOT NULL DEFAULT 0, complete INTEGER NOT NULL DEFAULT 0);"
		 "CREATE TABLE paths (id INTEGER PRIMARY KEY, method TEXT NOT NULL, path TEXT NOT NULL,"
		 " endpoint TEXT NOT NULL, UNIQUE (method, path));"
		 "CREATE TABLE chunks (run_id INTEGER NOT NULL, seq INTEGER NOT NULL, n INTEGER NOT NULL,"
		 " data BLOB NOT NULL, PRIMARY KEY (run_id, seq));"
		 "PRAGMA user_version = 1;"
		 "INSERT INTO runs VALUES (1, 'users-api', 1700000000000, 1700000060000, 60000000000,"
		 " 'pytest tests/e2e', 0, 'abc123', 'main', 'Xeon', 8, 'Linux 6.1', '0.0.9', 12, 2, 0, 1);"
		 "INSERT INTO paths VALUES (1, 'GET', '/users/42', 'GET /users/{id}');"
		 "INSERT INTO paths VALUES (2, 'POST', '/orders', 'POST /orders');");
	ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO chunks VALUES (1, 0, 2, ?)", -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(s, 1, two_chunk, sizeof(two_chunk), SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void assert_v1_data(struct e2e_store *st)
{
	struct e2e_run r;
	struct e2e_path *paths;
	size_t n;

	ck_assert_int_eq(e2e_store_run_get(st, 1, &r), 0);
	ck_assert_str_eq(r.service, "users-api");
	ck_assert_int_eq(r.started_ms, 1700000000000);
	ck_assert_int_eq(r.ended_ms, 1700000060000);
	ck_assert_uint_eq(r.duration_ns, 60000000000u);
	ck_assert_str_eq(r.command, "pytest tests/e2e");
	ck_assert_str_eq(r.git_commit, "abc123");
	ck_assert_str_eq(r.host_os, "Linux 6.1");
	ck_assert_int_eq(r.host_cores, 8);
	ck_assert_str_eq(r.source, "");
	ck_assert_str_eq(r.target, "");
	ck_assert_uint_eq(r.max_concurrency, 12);
	ck_assert_uint_eq(r.recorded, 2);
	ck_assert(r.complete);
	e2e_run_finish(&r);
	ck_assert_int_eq(e2e_store_run_paths_load(st, 1, &paths, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(paths[1].endpoint, "POST /orders");
	e2e_store_paths_free(paths, n);
	assert_samples(st, 1, two_samples, 2);
}

START_TEST(test_migrate_v1)
{
	char *path = tu_path(tmp, "v1.db");
	struct e2e_store *st;
	struct e2e_run r = { .service = "users-api",
			     .started_ms = 1700000100000,
			     .source = "proxy",
			     .target = "http://127.0.0.1:8000" };
	int64_t id;
	uint32_t pid;

	make_v1(path);
	st = open_ok(path, 0);
	assert_v1_data(st);
	ck_assert_int_eq(e2e_store_run_begin(st, &r, &id), 0);
	ck_assert_int_eq(id, 2);
	/* the new run maps the old raw path its own way */
	ck_assert_int_eq(e2e_store_path_intern(st, id, "GET", "/users/42", "x", &pid), 0);
	ck_assert_uint_eq(pid, 1);
	ck_assert_int_eq(e2e_store_path_intern(st, id, "GET", "/users/43", "GET /users/{id}", &pid), 0);
	ck_assert_uint_eq(pid, 3);
	e2e_store_close(st);
	ck_assert_int_eq(file_int(path, "PRAGMA user_version"), SCHEMA_VERSION);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM runs WHERE source = 'proxy'"), 1);
	assert_integrity(path);
	free(path);

	/* A report (read-only open) upgrades a writable old file too. */
	path = tu_path(tmp, "v1-report.db");
	make_v1(path);
	st = open_ok(path, E2E_STORE_READONLY);
	assert_v1_data(st);
	ck_assert_int_eq(e2e_store_begin(st), E2E_ERR_RUNTIME);
	e2e_store_close(st);
	ck_assert_int_eq(file_int(path, "PRAGMA user_version"), SCHEMA_VERSION);
	free(path);
}
END_TEST

START_TEST(test_readonly)
{
	char *path = tu_path(tmp, "ro.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	struct e2e_sample one = make_sample(1, 0);
	int64_t id = begin_run(st, "svc", 10);
	char msg[512];
	uint32_t pid;
	struct e2e_run r = { .service = "svc" };
	size_t removed;

	ck_assert_int_eq(e2e_store_append(st, id, &one, 1), 0);
	e2e_store_close(st);

	st = open_ok(path, E2E_STORE_READONLY);
	snprintf(msg, sizeof(msg), "'%s': database opened read-only", path);
	assert_err(e2e_store_begin(st), E2E_ERR_RUNTIME, msg);
	assert_err(e2e_store_append(st, id, &one, 1), E2E_ERR_RUNTIME, msg);
	assert_err(e2e_store_run_begin(st, &r, &id), E2E_ERR_RUNTIME, msg);
	assert_err(e2e_store_path_intern(st, id, "GET", "/", "GET /", &pid), E2E_ERR_RUNTIME, msg);
	assert_err(e2e_store_prune_keep(st, NULL, 0, &removed), E2E_ERR_RUNTIME, msg);
	assert_samples(st, id, &one, 1);
	e2e_store_close(st);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM runs"), 1);
	free(path);
}
END_TEST

/* ---- runs and paths ---- */

START_TEST(test_runs_roundtrip)
{
	char *path = tu_path(tmp, "runs.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	struct e2e_run in = {
		.service = "users-api",
		.started_ms = 1712345678901,
		.duration_ns = 5,
		.command = "pytest -k 'slow and not flaky' tests/e2e",
		.exit_status = -1,
		.git_commit = "0123456789abcdef0123456789abcdef01234567",
		.git_branch = "feature/é-ü",
		.host_cpu = "AMD EPYC 7763 64-Core Processor",
		.host_cores = 2,
		.host_os = "Linux 6.1.0-18-amd64 x86_64",
		.tool_version = "0.1.0",
		.source = "har:session.har sha256:ab12",
		.target = "https://api.example.test:8443/base",
		/* ignored by run_begin */
		.ended_ms = 99,
		.max_concurrency = 99,
		.recorded = 99,
		.dropped = 99,
		.complete = true,
	};
	struct e2e_run out, nulls = { .service = "other", .exit_status = 255 };
	int64_t id, id2;
	char msg[512];

	ck_assert_int_eq(e2e_store_run_begin(st, &in, &id), 0);
	ck_assert_int_eq(e2e_store_run_get(st, id, &out), 0);
	ck_assert_int_eq(out.id, id);
	ck_assert_str_eq(out.service, in.service);
	ck_assert_int_eq(out.started_ms, in.started_ms);
	ck_assert_int_eq(out.ended_ms, 0);
	ck_assert_uint_eq(out.duration_ns, 5);
	ck_assert_str_eq(out.command, in.command);
	ck_assert_int_eq(out.exit_status, -1);
	ck_assert_str_eq(out.git_commit, in.git_commit);
	ck_assert_str_eq(out.git_branch, in.git_branch);
	ck_assert_str_eq(out.host_cpu, in.host_cpu);
	ck_assert_int_eq(out.host_cores, 2);
	ck_assert_str_eq(out.host_os, in.host_os);
	ck_assert_str_eq(out.tool_version, in.tool_version);
	ck_assert_str_eq(out.source, in.source);
	ck_assert_str_eq(out.target, in.target);
	ck_assert_uint_eq(out.max_concurrency, 0);
	ck_assert_uint_eq(out.recorded, 0);
	ck_assert_uint_eq(out.dropped, 0);
	ck_assert(!out.complete);
	e2e_run_finish(&out);
	e2e_run_finish(NULL);

	ck_assert_int_eq(e2e_store_run_progress(st, id, 1234, 5, 17), 0);
	ck_assert_int_eq(e2e_store_run_get(st, id, &out), 0);
	ck_assert_uint_eq(out.recorded, 1234);
	ck_assert_uint_eq(out.dropped, 5);
	ck_assert_uint_eq(out.max_concurrency, 17);
	ck_assert_uint_eq(out.lost, 0);
	ck_assert_int_eq(out.lost_cause, E2E_LOSS_NONE);
	ck_assert(!out.complete);
	e2e_run_finish(&out);

	/* a failed batch: its loss and cause, kept with the counts */
	ck_assert_int_eq(e2e_store_run_loss(st, id, 9, 4, E2E_LOSS_DISK_FULL), 0);
	ck_assert_int_eq(e2e_store_run_get(st, id, &out), 0);
	ck_assert_uint_eq(out.recorded, 1234);
	ck_assert_uint_eq(out.dropped, 9);
	ck_assert_uint_eq(out.lost, 4);
	ck_assert_int_eq(out.lost_cause, E2E_LOSS_DISK_FULL);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM runs WHERE lost_cause = 'disk_full'"), 1);
	e2e_run_finish(&out);

	in.id = id;
	in.ended_ms = 1712345999999;
	in.duration_ns = UINT64_MAX;
	in.exit_status = 3;
	in.max_concurrency = UINT32_MAX;
	in.recorded = UINT64_MAX;
	in.dropped = (uint64_t)1 << 40;
	in.lost = (uint64_t)1 << 39;
	in.lost_cause = E2E_LOSS_LOCKED;
	in.complete = true;
	in.disturbance = 2.5;
	in.disturbance_probes = 31;
	ck_assert_int_eq(e2e_store_run_end(st, &in), 0);
	ck_assert_int_eq(e2e_store_run_get(st, id, &out), 0);
	ck_assert_int_eq(out.ended_ms, 1712345999999);
	ck_assert_uint_eq(out.duration_ns, UINT64_MAX);
	ck_assert_int_eq(out.exit_status, 3);
	ck_assert_uint_eq(out.max_concurrency, UINT32_MAX);
	ck_assert_uint_eq(out.recorded, UINT64_MAX);
	ck_assert_uint_eq(out.dropped, (uint64_t)1 << 40);
	ck_assert_uint_eq(out.lost, (uint64_t)1 << 39);
	ck_assert_int_eq(out.lost_cause, E2E_LOSS_LOCKED);
	ck_assert(out.complete);
	ck_assert_double_eq(out.disturbance, 2.5);
	ck_assert_uint_eq(out.disturbance_probes, 31);
	ck_assert_str_eq(out.service, "users-api");
	e2e_run_finish(&out);

	/* NULL strings are stored as "". */
	ck_assert_int_eq(e2e_store_run_begin(st, &nulls, &id2), 0);
	ck_assert_int_eq(e2e_store_run_get(st, id2, &out), 0);
	ck_assert_str_eq(out.command, "");
	ck_assert_str_eq(out.git_commit, "");
	ck_assert_str_eq(out.source, "");
	ck_assert_int_eq(out.exit_status, 255);
	ck_assert_uint_eq(out.disturbance_probes, 0); /* not measured */
	e2e_run_finish(&out);

	snprintf(msg, sizeof(msg), "no run 777 in '%s'", path);
	assert_err(e2e_store_run_get(st, 777, &out), E2E_ERR_INPUT, msg);
	assert_err(e2e_store_run_progress(st, 777, 1, 0, 0), E2E_ERR_INPUT, msg);
	ck_assert_int_eq(e2e_store_fault(st), E2E_LOSS_GONE);
	assert_err(e2e_store_run_loss(st, 777, 1, 1, E2E_LOSS_IO), E2E_ERR_INPUT, msg);
	in.id = 777;
	assert_err(e2e_store_run_end(st, &in), E2E_ERR_INPUT, msg);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM run_disturbance"), 1);
	{
		struct e2e_sample one = make_sample(0, 0);
		struct e2e_sample *got;
		size_t n;

		assert_err(e2e_store_append(st, 777, &one, 1), E2E_ERR_INPUT, msg);
		assert_err(e2e_store_samples_load(st, 777, &got, &n), E2E_ERR_INPUT, msg);
		/* a run without samples loads as empty */
		ck_assert_int_eq(e2e_store_samples_load(st, id2, &got, &n), 0);
		ck_assert_uint_eq(n, 0);
		free(got);
	}
	e2e_store_close(st);
	free(path);
}
END_TEST

START_TEST(test_runs_list)
{
	static const struct {
		const char *service;
		int64_t started_ms;
	} runs[] = {
		{ "a", 3000 }, { "b", 1000 }, { "a", 1000 }, { "a", 3000 }, { "b", 5000 },
	};
	/* newest first; equal start times: higher id first */
	static const int64_t want_all[] = { 5, 4, 1, 3, 2 };
	static const int64_t want_a[] = { 4, 1, 3 };
	char *path = tu_path(tmp, "list.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	struct e2e_run *list;
	size_t n;

	ck_assert_int_eq(e2e_store_runs_list(st, NULL, &list, &n), 0);
	ck_assert_uint_eq(n, 0);
	e2e_store_runs_free(list, n);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		ck_assert_int_eq(begin_run(st, runs[i].service, runs[i].started_ms), (int64_t)i + 1);
	ck_assert_int_eq(e2e_store_runs_list(st, NULL, &list, &n), 0);
	ck_assert_uint_eq(n, 5);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(list[i].id, want_all[i]);
	e2e_store_runs_free(list, n);
	ck_assert_int_eq(e2e_store_runs_list(st, "a", &list, &n), 0);
	ck_assert_uint_eq(n, 3);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(list[i].id, want_a[i]);
		ck_assert_str_eq(list[i].service, "a");
	}
	e2e_store_runs_free(list, n);
	ck_assert_int_eq(e2e_store_runs_list(st, "nope", &list, &n), 0);
	ck_assert_uint_eq(n, 0);
	e2e_store_runs_free(list, n);
	e2e_store_runs_free(NULL, 0);
	e2e_store_close(st);
	free(path);
}
END_TEST

START_TEST(test_paths)
{
	static const struct {
		const char *method, *path, *endpoint;
		uint32_t want;
	} cases[] = {
		{ "GET", "/users/1", "GET /users/{id}", 1 },
		{ "GET", "/users/2", "GET /users/{id}", 2 },
		{ "POST", "/users/1", "POST /users/{id}", 3 },
		{ "GET", "/users/1", "GET /users/{id}", 1 }, /* again: same id, same mapping */
		{ "GET", "/users/1/", "GET /users/{id}/", 4 },
		{ "GET", "", "GET ", 5 },
		{ "DELETE", "/a'b\"c%20d", "DELETE /a'b\"c%20d", 6 },
	};
	char *path = tu_path(tmp, "paths.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	int64_t run = begin_run(st, "a", 1), other = begin_run(st, "b", 2);
	struct e2e_path *paths;
	char msg[512];
	uint32_t id = 0;
	size_t n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		id = 0;
		ck_assert_int_eq(e2e_store_path_intern(st, run, cases[i].method, cases[i].path,
						       cases[i].endpoint, &id),
				 0);
		ck_assert_uint_eq(id, cases[i].want);
	}
	/* a run maps a path once; another run maps the same raw path its way */
	snprintf(msg, sizeof(msg),
		 "'%s': run %lld already counts GET /users/1 under another endpoint than 'GET "
		 "/something/else'",
		 path, (long long)run);
	assert_err(e2e_store_path_intern(st, run, "GET", "/users/1", "GET /something/else", &id),
		   E2E_ERR_INPUT, msg);
	ck_assert_int_eq(e2e_store_path_intern(st, other, "GET", "/users/1", "GET /something/else", &id), 0);
	ck_assert_uint_eq(id, 1);
	snprintf(msg, sizeof(msg), "no run 99 in '%s'", path);
	assert_err(e2e_store_path_intern(st, 99, "GET", "/x", "GET /x", &id), E2E_ERR_INPUT, msg);
	/* inside the caller's transaction too */
	ck_assert_int_eq(e2e_store_begin(st), 0);
	ck_assert_int_eq(e2e_store_path_intern(st, run, "PUT", "/x", "PUT /x", &id), 0);
	ck_assert_uint_eq(id, 7); /* the failed "/x" above stored nothing */
	e2e_store_rollback(st);
	e2e_store_rollback(st); /* no transaction: no-op */
	e2e_store_close(st);

	st = open_ok(path, E2E_STORE_READONLY);
	ck_assert_int_eq(e2e_store_run_paths_load(st, run, &paths, &n), 0);
	ck_assert_uint_eq(n, 6);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(paths[i].id, i + 1);
	ck_assert_str_eq(paths[0].method, "GET");
	ck_assert_str_eq(paths[0].path, "/users/1");
	ck_assert_str_eq(paths[0].endpoint, "GET /users/{id}");
	ck_assert_str_eq(paths[2].method, "POST");
	ck_assert_str_eq(paths[4].path, "");
	ck_assert_str_eq(paths[5].path, "/a'b\"c%20d");
	e2e_store_paths_free(paths, n);
	ck_assert_int_eq(e2e_store_run_paths_load(st, other, &paths, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(paths[0].path, "/users/1");
	ck_assert_str_eq(paths[0].endpoint, "GET /something/else");
	e2e_store_paths_free(paths, n);
	ck_assert_int_eq(e2e_store_run_paths_load(st, 99, &paths, &n), 0);
	ck_assert_uint_eq(n, 0);
	e2e_store_paths_free(paths, n);
	e2e_store_paths_free(NULL, 0);
	e2e_store_close(st);
	free(path);
}
END_TEST

/* ---- samples ---- */

START_TEST(test_samples_extremes)
{
	struct e2e_sample edge[] = {
		{ 0 },
		{ .start_ns = UINT64_MAX,
		  .path_id = UINT32_MAX,
		  .status = UINT16_MAX,
		  .error = UINT8_MAX,
		  .ttfb_us = UINT32_MAX,
		  .total_us = UINT32_MAX,
		  .proxy_us = UINT32_MAX,
		  .req_bytes = UINT64_MAX,
		  .resp_bytes = UINT64_MAX,
		  .test_id = UINT32_MAX },
		{ 0 }, /* from the maximum straight back to zero */
		{ .start_ns = 5, .ttfb_us = UINT32_MAX, .total_us = 0 }, /* ttfb above total */
		{ .start_ns = 4, .ttfb_us = 0, .total_us = UINT32_MAX },
		{ .start_ns = (uint64_t)1 << 63,
		  .resp_bytes = (uint64_t)1 << 40,
		  .req_bytes = 5000000000ull },
		{ .start_ns = 1, .status = 200 },
		{ .start_ns = 3, .status = 1 },
	};
	size_t nedge = sizeof(edge) / sizeof(edge[0]);
	struct e2e_sample all[64];
	char *path = tu_path(tmp, "edge.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	int64_t id = begin_run(st, "svc", 1);
	size_t n = 0;

	memcpy(all, edge, sizeof(edge));
	n = nedge;
	/* every error kind, with the statuses the proxy gives them */
	for (int k = 0; k < E2E_EK__COUNT; k++) {
		all[n] = make_sample(3, (uint64_t)k);
		all[n].error = (uint8_t)k;
		all[n].status = k == E2E_EK_TIMEOUT ? 504 : k == E2E_EK_CLIENT_ABORT ? 0 : k ? 502 : 200;
		n++;
	}
	/* one append per call shape: several, one, none */
	ck_assert_int_eq(e2e_store_append(st, id, all, 3), 0);
	ck_assert_int_eq(e2e_store_append(st, id, all + 3, 1), 0);
	ck_assert_int_eq(e2e_store_append(st, id, all, 0), 0);
	ck_assert_int_eq(e2e_store_append(st, id, all + 4, n - 4), 0);
	assert_samples(st, id, all, n);
	e2e_store_close(st);
	st = open_ok(path, E2E_STORE_READONLY);
	assert_samples(st, id, all, n);
	e2e_store_close(st);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM chunks"), 3);
	free(path);
}
END_TEST

START_TEST(test_samples_many_batches)
{
	/* batch sizes include more than one chunk's worth (4096) */
	static const size_t sizes[] = { 1, 1024, 4095, 4096, 4097, 10000, 7, 1024 };
	char *path = tu_path(tmp, "many.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	int64_t a = begin_run(st, "svc", 1), b = begin_run(st, "svc", 2);
	size_t total = 0;
	struct e2e_sample *want;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		total += sizes[i];
	want = make_samples(1, total);
	total = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct e2e_sample other = make_sample(2, i);

		ck_assert_int_eq(e2e_store_begin(st), 0);
		ck_assert_int_eq(e2e_store_append(st, a, want + total, sizes[i]), 0);
		ck_assert_int_eq(e2e_store_append(st, b, &other, 1), 0);
		ck_assert_int_eq(e2e_store_commit(st), 0);
		total += sizes[i];
	}
	assert_samples(st, a, want, total);
	{
		struct e2e_sample *wb = make_samples(2, 8);

		assert_samples(st, b, wb, 8);
		free(wb);
	}
	/* a rolled-back batch leaves nothing behind */
	ck_assert_int_eq(e2e_store_begin(st), 0);
	ck_assert_int_eq(e2e_store_append(st, a, want, 100), 0);
	e2e_store_rollback(st);
	assert_samples(st, a, want, total);
	e2e_store_close(st);
	free(want);
	free(path);
}
END_TEST

/* Chunks as stored (the team store's format 2): loaded as they are,
 * decoded to the samples, and appended to another store with their path
 * ids mapped (here to ids one byte wider); a malformed chunk or a path
 * outside the map is refused. */
START_TEST(test_chunks_copy)
{
	char *pa = tu_path(tmp, "chunks-a.db"), *pb = tu_path(tmp, "chunks-b.db");
	struct e2e_store *a = open_ok(pa, E2E_STORE_CREATE), *b = open_ok(pb, E2E_STORE_CREATE);
	int64_t ra = begin_run(a, "svc", 1), rb = begin_run(b, "svc", 1);
	struct e2e_sample *want = make_samples(3, 10000), *got = malloc(10000 * sizeof(*got));
	struct e2e_store_chunks c;
	uint32_t map[98] = { 0 };
	char msg[128];

	ck_assert_int_eq(e2e_store_append(a, ra, want, 10000), 0);
	ck_assert_msg(e2e_store_chunks_load(a, ra, &c) == 0, "%s", e2e_error_message());
	ck_assert_uint_eq(c.n, 3);
	ck_assert_uint_eq(c.nsamples, 10000);
	ck_assert_uint_eq(c.v[0].n + c.v[1].n + c.v[2].n, 10000);
	ck_assert_int_eq(e2e_store_chunks_decode(c.v, c.n, got), 0);
	for (size_t i = 0; i < 10000; i++)
		ck_assert_msg(same_sample(&got[i], &want[i]), "decoded sample %zu differs", i);
	for (uint32_t i = 1; i < 98; i++)
		map[i] = i + 300;
	ck_assert_msg(e2e_store_append_chunks(b, rb, c.v, c.n, map, 98) == 0, "%s", e2e_error_message());
	for (size_t i = 0; i < 10000; i++)
		want[i].path_id += 300;
	assert_samples(b, rb, want, 10000);

	snprintf(msg, sizeof(msg), "run %lld: sample chunk 2 of 3: corrupt", (long long)rb);
	c.v[1].len--;
	assert_err(e2e_store_append_chunks(b, rb, c.v, c.n, map, 98), E2E_ERR_INPUT, msg);
	assert_err(e2e_store_chunks_decode(c.v, c.n, got), E2E_ERR_INPUT, "sample chunk 2 of 3: corrupt");
	c.v[1].len++;
	snprintf(msg, sizeof(msg), "run %lld: sample chunk 1 of 3: corrupt", (long long)rb);
	assert_err(e2e_store_append_chunks(b, rb, c.v, c.n, map, 50), E2E_ERR_INPUT, msg);
	assert_samples(b, rb, want, 10000); /* nothing of the refused ones */
	e2e_store_chunks_free(&c);
	e2e_store_chunks_free(NULL);
	e2e_store_close(a);
	e2e_store_close(b);
	free(want);
	free(got);
	free(pa);
	free(pb);
}
END_TEST

/* The encoder writes exactly the documented format. */
/* A run's tests (schema v6) and its samples' test ids (chunk format 2,
 * written only for a chunk with a test id; format 1 still reads). */
START_TEST(test_tests)
{
	static const struct e2e_test_event ev[] = {
		{ .id = 2, .kind = E2E_TEST_EV_BEGIN, .at_ns = 100, .text = "test_a", .text_len = 6 },
		{ .id = 3, .kind = E2E_TEST_EV_BEGIN, .at_ns = 150, .text = "test_b[1]xyz", .text_len = 9 },
		{ .id = 2,
		  .kind = E2E_TEST_EV_END,
		  .at_ns = 400,
		  .duration_ns = 300,
		  .text = "passed",
		  .text_len = 6 },
		{ .id = 2, .kind = E2E_TEST_EV_BEGIN, .at_ns = 500, .text = "test_a", .text_len = 6 },
		{ .id = 2,
		  .kind = E2E_TEST_EV_END,
		  .at_ns = 600,
		  .duration_ns = 50,
		  .text = "failed",
		  .text_len = 6 },
	};
	struct e2e_sample s[3] = { make_sample(1, 0), make_sample(1, 1), make_sample(1, 2) };
	char *path = tu_path(tmp, "tests.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	int64_t id = begin_run(st, "svc", 1), other = begin_run(st, "svc", 2);
	struct e2e_test *t = NULL;
	size_t n = 0;

	s[0].test_id = E2E_TEST_OUTSIDE;
	s[1].test_id = 3;
	s[2].test_id = E2E_TEST_UNATTRIBUTED;
	ck_assert_int_eq(e2e_store_tests_add(st, id, ev, sizeof(ev) / sizeof(ev[0])), 0);
	ck_assert_int_eq(e2e_store_append(st, id, s, 1), 0); /* format 1: no test id */
	ck_assert_int_eq(e2e_store_append(st, id, s + 1, 2), 0);
	e2e_store_close(st);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM chunks WHERE substr(data, 1, 1) = x'01'"), 1);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM chunks WHERE substr(data, 1, 1) = x'02'"), 1);
	st = open_ok(path, E2E_STORE_READONLY);
	assert_samples(st, id, s, 3);
	ck_assert_int_eq(e2e_store_tests_load(st, id, &t, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(t[0].id, 2);
	ck_assert_str_eq(t[0].name, "test_a");
	ck_assert_str_eq(t[0].status, "failed");
	ck_assert_uint_eq(t[0].started_ns, 100);
	ck_assert_uint_eq(t[0].ended_ns, 600);
	ck_assert_uint_eq(t[0].duration_ns, 350);
	ck_assert_str_eq(t[1].name, "test_b[1]");
	ck_assert_str_eq(t[1].status, "");
	ck_assert_uint_eq(t[1].duration_ns, 0);
	e2e_store_tests_free(t, n);
	ck_assert_int_eq(e2e_store_tests_load(st, other, &t, &n), 0);
	ck_assert_uint_eq(n, 0);
	e2e_store_tests_free(t, n);
	e2e_store_close(st);
	/* pruned with their run */
	st = open_ok(path, 0);
	ck_assert_int_eq(e2e_store_prune_keep(st, "svc", 1, &n), 0);
	ck_assert_uint_eq(n, 1);
	e2e_store_close(st);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM run_tests"), 0);
	free(path);
}
END_TEST

START_TEST(test_chunk_format)
{
	char *path = tu_path(tmp, "format.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	int64_t id = begin_run(st, "svc", 1);
	sqlite3 *db;
	sqlite3_stmt *s;

	ck_assert_int_eq(e2e_store_append(st, id, two_samples, 2), 0);
	e2e_store_close(st);
	db = raw_open(path);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT n, data FROM chunks", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(s, 0), 2);
	ck_assert_int_eq(sqlite3_column_bytes(s, 1), sizeof(two_chunk));
	ck_assert_mem_eq(sqlite3_column_blob(s, 1), two_chunk, sizeof(two_chunk));
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(path);
}
END_TEST

/* Corrupt chunk blobs give one clean error, never a crash. */
static void set_chunk(sqlite3 *db, int64_t run, int64_t seq, const void *data, int len, int64_t n)
{
	sqlite3_stmt *s;

	ck_assert_int_eq(sqlite3_prepare_v2(db,
					    "UPDATE chunks SET data = ?, n = ? WHERE run_id = ? AND seq = ?",
					    -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(s, 1, data ? data : "", len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, n);
	sqlite3_bind_int64(s, 3, run);
	sqlite3_bind_int64(s, 4, seq);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	ck_assert_int_eq(sqlite3_changes(db), 1);
	sqlite3_finalize(s);
}

static unsigned char *get_chunk(sqlite3 *db, int64_t run, int64_t seq, int *len)
{
	sqlite3_stmt *s;
	unsigned char *copy;

	ck_assert_int_eq(
		sqlite3_prepare_v2(db, "SELECT data FROM chunks WHERE run_id = ? AND seq = ?", -1, &s, NULL),
		SQLITE_OK);
	sqlite3_bind_int64(s, 1, run);
	sqlite3_bind_int64(s, 2, seq);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	*len = sqlite3_column_bytes(s, 0);
	copy = malloc((size_t)*len + 16);
	memcpy(copy, sqlite3_column_blob(s, 0), (size_t)*len);
	sqlite3_finalize(s);
	return copy;
}

START_TEST(test_corrupt_chunks)
{
	/* Single-sample chunks, well formed but for one thing: format, n,
	 * nine column widths, values. */
	static const unsigned char status_wide[] = { 1, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0x70, 0x11, 0x01 };
	static const unsigned char error_wide[] = { 1, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0x00, 0x01 };
	static const unsigned char start_wide[] = { 1, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0,
						    0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const unsigned char ttfb_neg[] = { 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x0a };
	static const unsigned char n_differs[] = { 1, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x01 };
	static const unsigned char valid_one[] = { 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x01 };
	char *path = tu_path(tmp, "corrupt.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	int64_t id = begin_run(st, "svc", 1);
	struct e2e_sample *want = make_samples(4, 8), *got;
	unsigned char *orig, *buf;
	int len;
	size_t n;
	char msg[512];
	sqlite3 *db;

	ck_assert_int_eq(e2e_store_append(st, id, want, 5), 0);
	ck_assert_int_eq(e2e_store_append(st, id, want + 5, 3), 0);
	db = raw_open(path);
	orig = get_chunk(db, id, 1, &len);
	buf = malloc((size_t)len + 16);
	snprintf(msg, sizeof(msg), "'%s': run %lld: corrupt sample chunk 1", path, (long long)id);

	struct {
		const char *what;
		const void *data;
		int len;
		int64_t n;
	} cases[] = {
		{ "truncated", orig, len - 1, 3 },
		{ "empty", NULL, 0, 3 },
		{ "n column too big", orig, len, 4 },
		{ "n column too small", orig, len, 2 },
		{ "n column zero", orig, len, 0 },
		{ "n column negative", orig, len, -3 },
		{ "n column huge", orig, len, 1000000000000 },
		{ "status wider than 2 bytes", status_wide, sizeof(status_wide), 1 },
		{ "error wider than 1 byte", error_wide, sizeof(error_wide), 1 },
		{ "start wider than 8 bytes", start_wide, sizeof(start_wide), 1 },
		{ "ttfb below 0", ttfb_neg, sizeof(ttfb_neg), 1 },
		{ "n in the blob differs", n_differs, sizeof(n_differs), 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_chunk(db, id, 1, cases[i].data, cases[i].len, cases[i].n);
		got = NULL;
		ck_assert_msg(e2e_store_samples_load(st, id, &got, &n) == E2E_ERR_INPUT, "%s", cases[i].what);
		ck_assert_str_eq(e2e_error_message(), msg);
		ck_assert_ptr_null(got);
	}
	/* byte-level damage: trailing garbage, wrong format, all 0xff */
	memcpy(buf, orig, (size_t)len);
	buf[len] = 0;
	set_chunk(db, id, 1, buf, len + 1, 3);
	assert_err(e2e_store_samples_load(st, id, &got, &n), E2E_ERR_INPUT, msg);
	buf[0] = 2;
	set_chunk(db, id, 1, buf, len, 3);
	assert_err(e2e_store_samples_load(st, id, &got, &n), E2E_ERR_INPUT, msg);
	memset(buf, 0xff, (size_t)len);
	set_chunk(db, id, 1, buf, len, 3);
	assert_err(e2e_store_samples_load(st, id, &got, &n), E2E_ERR_INPUT, msg);
	/* the hand-made single sample decodes when valid */
	set_chunk(db, id, 1, valid_one, sizeof(valid_one), 1);
	ck_assert_int_eq(e2e_store_samples_load(st, id, &got, &n), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(got[5].path_id, 1);
	ck_assert_uint_eq(got[5].status, 0);
	free(got);

	/* Every single-byte change and every truncation: an error or a
	 * decoded run, never a crash (the sanitizer build checks reads). */
	for (int at = 0; at < len; at++) {
		static const unsigned char flips[] = { 0x01, 0x40, 0x80, 0xff };

		for (size_t f = 0; f < sizeof(flips); f++) {
			int rc;

			memcpy(buf, orig, (size_t)len);
			buf[at] ^= flips[f];
			set_chunk(db, id, 1, buf, len, 3);
			got = NULL;
			rc = e2e_store_samples_load(st, id, &got, &n);
			ck_assert_msg(rc == 0 || rc == E2E_ERR_INPUT, "byte %d ^ %#x: rc %d", at, flips[f],
				      rc);
			ck_assert(rc != 0 || n == 8);
			free(got);
		}
		set_chunk(db, id, 1, orig, at, 3);
		assert_err(e2e_store_samples_load(st, id, &got, &n), E2E_ERR_INPUT, msg);
	}
	set_chunk(db, id, 1, orig, len, 3);
	assert_samples(st, id, want, 8);
	sqlite3_close(db);
	e2e_store_close(st);
	free(orig);
	free(buf);
	free(want);
	free(path);
}
END_TEST

/* ---- pruning ---- */

START_TEST(test_prune)
{
	static const struct {
		const char *service;
		int64_t started_ms;
	} runs[] = {
		{ "a", 1000 }, { "a", 2000 }, { "a", 3000 }, { "b", 1500 }, { "b", 2500 },
	};
	char *path = tu_path(tmp, "prune.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	struct e2e_sample *s = make_samples(5, 10), *got;
	struct e2e_run *list;
	size_t n, removed = 99;
	char msg[512];

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		int64_t id = begin_run(st, runs[i].service, runs[i].started_ms);

		ck_assert_int_eq(e2e_store_append(st, id, s, 10), 0);
	}
	{ /* run 1 ends with its runner disturbance: it goes with the run */
		struct e2e_run end = {
			.id = 1, .complete = true, .disturbance = 0.5, .disturbance_probes = 3
		};

		ck_assert_int_eq(e2e_store_run_end(st, &end), 0);
		ck_assert_int_eq(file_int(path, "SELECT count(*) FROM run_disturbance"), 1);
	}
	/* runs of a recorder that is gone (test_prune_live has live ones) */
	e2e_store_close(st);
	st = open_ok(path, 0);
	/* keep the newest 2 of service a: run 1 goes */
	ck_assert_int_eq(e2e_store_prune_keep(st, "a", 2, &removed), 0);
	ck_assert_uint_eq(removed, 1);
	snprintf(msg, sizeof(msg), "no run 1 in '%s'", path);
	assert_err(e2e_store_samples_load(st, 1, &got, &n), E2E_ERR_INPUT, msg);
	ck_assert_int_eq(e2e_store_prune_keep(st, "a", 2, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	/* all services: the newest run of each stays (3 and 5) */
	ck_assert_int_eq(e2e_store_prune_keep(st, NULL, 1, &removed), 0);
	ck_assert_uint_eq(removed, 2);
	ck_assert_int_eq(e2e_store_runs_list(st, NULL, &list, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(list[0].id, 3);
	ck_assert_int_eq(list[1].id, 5);
	e2e_store_runs_free(list, n);
	assert_samples(st, 3, s, 10);
	/* older than: strictly before the cut-off, per service */
	ck_assert_int_eq(e2e_store_prune_older(st, "b", 2500, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(e2e_store_prune_older(st, "b", 2501, &removed), 0);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(e2e_store_prune_older(st, NULL, 0, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(e2e_store_prune_older(st, NULL, INT64_MAX, &removed), 0);
	ck_assert_uint_eq(removed, 1);
	e2e_store_close(st);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM runs"), 0);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM chunks"), 0);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM run_disturbance"), 0);
	/* paths survive: ids stay stable */
	free(s);
	free(path);
}
END_TEST

/* A run's notes: added counts of the same kind and name add up, loaded
 * by kind then name, a newer tool's kind left out, gone with the run. */
/* A run's CPU profile: saved, replaced, loaded in order, gone with its run. */
START_TEST(test_cpu_profile)
{
	char *path = tu_path(tmp, "cpu.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	int64_t id = begin_run(st, "a", 1000), other = begin_run(st, "a", 2000);
	struct e2e_cpu_profile *p = e2e_cpu_profile_create(id), *got = NULL;
	size_t removed = 0;
	char msg[512];

	ck_assert_int_eq(e2e_store_cpu_profile_load(st, id, &got), 0);
	ck_assert_ptr_null(got);
	e2e_cpu_profile_add_file(p, E2E_CPU_FILE_FLAME, NULL, "old.svg");
	ck_assert_int_eq(e2e_store_cpu_profile_save(st, p), 0);
	e2e_cpu_profile_destroy(p);
	p = e2e_cpu_profile_create(id);
	e2e_cpu_profile_add_file(p, E2E_CPU_FILE_FOLDED, NULL, "d/a.run1.cpu.folded");
	e2e_cpu_profile_add_file(p, E2E_CPU_FILE_ENDPOINT, "GET /x", "d/a.run1.cpu.GET__x.svg");
	e2e_cpu_profile_add_file(p, E2E_CPU_FILE_DIFF, NULL, "d/a.run1.cpu.diff.svg");
	e2e_cpu_profile_add_grown(p, "json_dumps", 0.02, 0.43);
	e2e_cpu_profile_add_grown(p, "parse", 0.01, 0.04);
	ck_assert_int_eq(e2e_store_cpu_profile_save(st, p), 0); /* replaces */
	e2e_cpu_profile_destroy(p);
	ck_assert_int_eq(e2e_store_cpu_profile_load(st, id, &got), 0);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(got->run_id, id);
	ck_assert_uint_eq(got->nfiles, 3);
	ck_assert_str_eq(got->files[0].kind, "folded");
	ck_assert_str_eq(got->files[0].endpoint, "");
	ck_assert_str_eq(got->files[1].kind, "endpoint_flame_graph");
	ck_assert_str_eq(got->files[1].endpoint, "GET /x");
	ck_assert_str_eq(got->files[1].path, "d/a.run1.cpu.GET__x.svg");
	ck_assert_str_eq(got->files[2].path, "d/a.run1.cpu.diff.svg");
	ck_assert_uint_eq(got->ngrown, 2);
	ck_assert_str_eq(got->grown[0].frame, "json_dumps");
	ck_assert(got->grown[0].base_share == 0.02 && got->grown[0].share == 0.43);
	ck_assert_str_eq(got->grown[1].frame, "parse");
	{
		struct e2e_buf b = E2E_BUF_INIT;
		e2e_cpu_grown_text(&b, got->grown, got->ngrown);
		ck_assert_str_eq(b.data, "json_dumps +41.0 pp of samples (2.0% -> 43.0%), parse +3.0 pp of "
					 "samples (1.0% -> 4.0%)");
		e2e_buf_reset(&b);
		e2e_cpu_file_label(&b, &got->files[1]);
		ck_assert_str_eq(b.data, "flame graph of GET /x");
		e2e_buf_finish(&b);
	}
	e2e_cpu_profile_destroy(got);
	snprintf(msg, sizeof(msg), "no run 7 in '%s'", path);
	assert_err(e2e_store_cpu_profile_load(st, 7, &got), E2E_ERR_INPUT, msg);
	p = e2e_cpu_profile_create(other);
	e2e_cpu_profile_add_file(p, E2E_CPU_FILE_FLAME, NULL, "d/a.run2.cpu.svg");
	ck_assert_int_eq(e2e_store_cpu_profile_save(st, p), 0);
	e2e_cpu_profile_destroy(p);
	e2e_store_close(st); /* its runs' leases go: prune may remove them */
	st = open_ok(path, 0);
	ck_assert_int_eq(e2e_store_prune_keep(st, "a", 1, &removed), 0);
	ck_assert_uint_eq(removed, 1);
	e2e_store_close(st);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM run_cpu"), 1);
	ck_assert_int_eq(file_int(path, "SELECT run_id FROM run_cpu"), other);
	free(path);
}
END_TEST

START_TEST(test_run_notes)
{
	char *path = tu_path(tmp, "notes.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	const struct e2e_run_note add[] = {
		{ E2E_NOTE_HOST, (char *)"b.test", 2 },
		{ E2E_NOTE_CACHE_HITS, (char *)"", 3 },
		{ E2E_NOTE_HOST, (char *)"a.test:8000", 9 },
	};
	const struct e2e_run_note again = { E2E_NOTE_CACHE_HITS, (char *)"", 4 };
	struct e2e_run_note *got = NULL;
	int64_t id = begin_run(st, "a", 1000), other = begin_run(st, "a", 2000);
	size_t n = 99, removed = 0;
	char msg[512];

	ck_assert_int_eq(e2e_store_run_notes_load(st, id, &got, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(e2e_store_run_notes_add(st, id, add, 3), 0);
	ck_assert_int_eq(e2e_store_run_notes_add(st, id, &again, 1), 0);
	ck_assert_int_eq(e2e_store_run_notes_add(st, other, &again, 1), 0);
	e2e_store_close(st);
	{
		sqlite3 *db = raw_open(path);

		raw_exec(db, "INSERT INTO run_notes VALUES (1, 'from_the_future', '', 5)");
		sqlite3_close(db);
	}
	st = open_ok(path, E2E_STORE_READONLY);
	ck_assert_int_eq(e2e_store_run_notes_load(st, id, &got, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(got[0].kind, E2E_NOTE_CACHE_HITS);
	ck_assert_str_eq(got[0].name, "");
	ck_assert_uint_eq(got[0].count, 7);
	ck_assert_int_eq(got[1].kind, E2E_NOTE_HOST);
	ck_assert_str_eq(got[1].name, "a.test:8000");
	ck_assert_uint_eq(got[1].count, 9);
	ck_assert_str_eq(got[2].name, "b.test");
	ck_assert_uint_eq(got[2].count, 2);
	e2e_run_notes_free(got, n);
	snprintf(msg, sizeof(msg), "no run 7 in '%s'", path);
	assert_err(e2e_store_run_notes_load(st, 7, &got, &n), E2E_ERR_INPUT, msg);
	e2e_store_close(st);
	st = open_ok(path, 0);
	assert_err(e2e_store_run_notes_add(st, 7, add, 1), E2E_ERR_INPUT, msg);
	ck_assert_int_eq(e2e_store_prune_keep(st, "a", 1, &removed), 0);
	ck_assert_uint_eq(removed, 1);
	e2e_store_close(st);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM run_notes"), 1);
	ck_assert_int_eq(file_int(path, "SELECT run_id FROM run_notes"), other);
	free(path);
}
END_TEST

/* A run being recorded (its lease held by another handle) survives every
 * prune, and its recorder carries on; once the recorder is gone (its
 * handle closed, as when its process ends, however it ends) the incomplete
 * run goes like any other. */
START_TEST(test_prune_live)
{
	char *path = tu_path(tmp, "live.db");
	struct e2e_store *rec = open_ok(path, E2E_STORE_CREATE), *st;
	struct e2e_sample *s = make_samples(9, 20);
	struct e2e_run done = { .service = "a", .started_ms = 500, .complete = true };
	int64_t live = begin_run(rec, "a", 1000);
	size_t removed = 99;
	bool is_live = false;

	ck_assert_int_eq(e2e_store_append(rec, live, s, 10), 0);
	done.id = begin_run(rec, "a", 500);
	ck_assert_int_eq(e2e_store_run_end(rec, &done), 0);
	st = open_ok(path, 0);
	ck_assert_int_eq(e2e_store_run_live(st, live, &is_live), 0);
	ck_assert(is_live);
	ck_assert_int_eq(e2e_store_run_live(st, done.id, &is_live), 0);
	ck_assert(!is_live);
	ck_assert_int_eq(e2e_store_prune_older(st, NULL, INT64_MAX, &removed), 0);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(e2e_store_prune_keep(st, NULL, 0, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(e2e_store_append(rec, live, s + 10, 10), 0);
	assert_samples(st, live, s, 20);
	/* the recorder ends without finishing the run */
	e2e_store_close(rec);
	ck_assert_int_eq(e2e_store_run_live(st, live, &is_live), 0);
	ck_assert(!is_live);
	ck_assert_int_eq(e2e_store_prune_keep(st, NULL, 0, &removed), 0);
	ck_assert_uint_eq(removed, 1);
	e2e_store_close(st);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM runs"), 0);
	free(s);
	free(path);
}
END_TEST

/* Leases that cannot be read (here a lease file that is a symbolic link
 * to itself, which even root cannot open): no incomplete run is pruned,
 * complete ones are. */
START_TEST(test_prune_leases_unreadable)
{
	char *path = tu_path(tmp, "unreadable.db"), *lease = tu_path(tmp, "unreadable.db-lease");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	struct e2e_run done = { .service = "a", .started_ms = 500, .complete = true };
	size_t removed = 99;
	bool is_live;

	begin_run(st, "a", 1000);
	done.id = begin_run(st, "a", 500);
	ck_assert_int_eq(e2e_store_run_end(st, &done), 0);
	e2e_store_close(st);
	ck_assert_int_eq(unlink(lease), 0);
	ck_assert_int_eq(symlink("unreadable.db-lease", lease), 0);
	st = open_ok(path, 0);
	ck_assert_int_eq(e2e_store_run_live(st, 1, &is_live), E2E_ERR_RUNTIME);
	ck_assert_int_eq(e2e_store_prune_older(st, NULL, INT64_MAX, &removed), 0);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(file_int(path, "SELECT count(*) FROM runs"), 1);
	e2e_store_close(st);
	free(lease);
	free(path);
}
END_TEST

START_TEST(test_prune_frees_space)
{
	char *path = tu_path(tmp, "space.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE);
	int64_t keep = begin_run(st, "svc", 2), big = begin_run(st, "svc", 1);
	struct e2e_sample *s = make_samples(6, 100);
	size_t removed;
	off_t full, pruned;

	ck_assert_int_eq(e2e_store_append(st, keep, s, 100), 0);
	record(st, big, 7, 100000, 4096);
	e2e_store_close(st);
	full = file_size(path);
	st = open_ok(path, 0);
	ck_assert_int_eq(e2e_store_prune_older(st, "svc", 1, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(e2e_store_prune_keep(st, "svc", 1, &removed), 0);
	ck_assert_uint_eq(removed, 1);
	assert_samples(st, keep, s, 100);
	e2e_store_close(st);
	pruned = file_size(path);
	ck_assert_msg(pruned * 10 < full, "file %lld bytes before prune, %lld after", (long long)full,
		      (long long)pruned);
	assert_integrity(path);
	free(s);
	free(path);
}
END_TEST

/* ---- several processes ---- */

/* Child: waits for the start signal, records 20,000 samples into its own
 * run of a shared file, exits 0 on success. */
static void writer_child(const char *path, int start_fd, uint64_t tag)
{
	struct e2e_store *st = NULL;
	char c;
	int64_t id;
	struct e2e_run r = { .service = "svc", .started_ms = (int64_t)tag };
	struct e2e_sample batch[500];

	if (read(start_fd, &c, 1) < 0)
		_exit(10);
	if (e2e_store_open(path, E2E_STORE_CREATE, &st) != 0 || e2e_store_run_begin(st, &r, &id) != 0)
		goto fail;
	for (size_t at = 0; at < 20000; at += 500) {
		uint32_t pid;
		char p[32];

		snprintf(p, sizeof(p), "/items/%zu", at / 500 % 10);
		if (e2e_store_begin(st) != 0 ||
		    e2e_store_path_intern(st, id, "GET", p, "GET /items/{id}", &pid) != 0)
			goto fail;
		for (size_t i = 0; i < 500; i++) {
			batch[i] = make_sample(tag, at + i);
			batch[i].path_id = pid;
		}
		if (e2e_store_append(st, id, batch, 500) != 0 ||
		    e2e_store_run_progress(st, id, at + 500, 0, 1) != 0 || e2e_store_commit(st) != 0)
			goto fail;
	}
	r.id = id;
	r.recorded = 20000;
	r.complete = true;
	if (e2e_store_run_end(st, &r) != 0)
		goto fail;
	e2e_store_close(st);
	_exit(0);
fail:
	fprintf(stderr, "writer %llu: %s\n", (unsigned long long)tag, e2e_error_message());
	_exit(1);
}

START_TEST(test_two_processes)
{
	char *path = tu_path(tmp, "shared/perf.db");
	int fds[2];
	pid_t kids[2];
	struct e2e_store *st;
	struct e2e_run *list;
	struct e2e_path *paths;
	size_t n, np;

	ck_assert_int_eq(pipe(fds), 0);
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		ck_assert_int_ge(kids[k], 0);
		if (kids[k] == 0) {
			close(fds[1]);
			writer_child(path, fds[0], (uint64_t)k + 1);
		}
	}
	/* both start at once, racing even on creating the file */
	close(fds[0]);
	close(fds[1]);
	for (int k = 0; k < 2; k++) {
		int status;

		ck_assert_int_eq(waitpid(kids[k], &status, 0), kids[k]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", k + 1);
	}
	st = open_ok(path, E2E_STORE_READONLY);
	ck_assert_int_eq(e2e_store_runs_list(st, "svc", &list, &n), 0);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++) {
		uint64_t tag = (uint64_t)list[i].started_ms;
		struct e2e_sample *got;
		size_t len;

		ck_assert_uint_eq(list[i].recorded, 20000);
		ck_assert(list[i].complete);
		/* both runs share the 10 raw paths, each with its own mapping */
		ck_assert_int_eq(e2e_store_run_paths_load(st, list[i].id, &paths, &np), 0);
		ck_assert_uint_eq(np, 10);
		ck_assert_int_eq(e2e_store_samples_load(st, list[i].id, &got, &len), 0);
		ck_assert_uint_eq(len, 20000);
		for (size_t j = 0; j < len; j++) {
			struct e2e_sample w = make_sample(tag, j);
			const char *p = paths[got[j].path_id - 1].path;
			char want_path[32];

			snprintf(want_path, sizeof(want_path), "/items/%zu", j / 500 % 10);
			w.path_id = got[j].path_id;
			ck_assert_msg(same_sample(&got[j], &w), "writer %llu sample %zu",
				      (unsigned long long)tag, j);
			ck_assert_str_eq(p, want_path);
		}
		free(got);
		e2e_store_paths_free(paths, np);
	}
	e2e_store_runs_free(list, n);
	e2e_store_close(st);
	assert_integrity(path);
	free(path);
}
END_TEST

/* A writer that finds another one mid-transaction waits for it (busy
 * timeout) instead of failing with "database is locked"; readers see the
 * last commit meanwhile. */
/* Forked children below exit without closing on purpose; keeping their
 * handles here makes that "still reachable" for valgrind, not a leak. */
static struct e2e_store *volatile child_store;
static struct e2e_sample *volatile child_samples;
static void *volatile parent_keep[4]; /* the parent's allocations a child inherits */

START_TEST(test_waits_for_writer)
{
	char *path = tu_path(tmp, "busy.db");
	struct e2e_store *st = open_ok(path, E2E_STORE_CREATE), *ro;
	struct e2e_sample *s = make_samples(9, 200);
	int64_t id = begin_run(st, "svc", 1);
	int fds[2];
	pid_t pid;
	int status;
	char c;

	ck_assert_int_eq(e2e_store_append(st, id, s, 100), 0);
	ck_assert_int_eq(pipe(fds), 0);
	parent_keep[0] = path;
	parent_keep[1] = st;
	parent_keep[2] = s;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct e2e_store *cst = NULL;

		close(fds[0]);
		child_samples = s;
		if (e2e_store_open(path, 0, &cst) != 0 || !(child_store = cst) || e2e_store_begin(cst) != 0 ||
		    e2e_store_append(cst, id, s + 100, 50) != 0 || write(fds[1], "x", 1) != 1)
			_exit(1);
		usleep(300 * 1000);
		_exit(e2e_store_commit(cst) == 0 ? 0 : 1);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	ro = open_ok(path, E2E_STORE_READONLY);
	assert_samples(ro, id, s, 100);
	ck_assert_msg(e2e_store_begin(st) == 0, "%s", e2e_error_message());
	ck_assert_int_eq(e2e_store_append(st, id, s + 150, 50), 0);
	ck_assert_int_eq(e2e_store_commit(st), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_samples(ro, id, s, 200);
	e2e_store_close(ro);
	e2e_store_close(st);
	free(s);
	free(path);
}
END_TEST

/* A recorder killed mid-run: committed batches and their progress stay,
 * the open batch is gone, the run shows as incomplete. */
START_TEST(test_killed_writer)
{
	char *path = tu_path(tmp, "crash.db");
	struct e2e_store *st;
	struct e2e_run r;
	pid_t pid;
	int status;

	parent_keep[0] = path;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct e2e_store *cst = NULL;
		struct e2e_sample *s = make_samples(8, 4000);
		int64_t id;
		struct e2e_run cr = { .service = "svc", .started_ms = 1 };

		child_samples = s;
		if (e2e_store_open(path, E2E_STORE_CREATE, &cst) != 0 || !(child_store = cst) ||
		    e2e_store_run_begin(cst, &cr, &id) != 0)
			_exit(1);
		for (size_t at = 0; at < 3000; at += 1000)
			if (e2e_store_begin(cst) != 0 || e2e_store_append(cst, id, s + at, 1000) != 0 ||
			    e2e_store_run_progress(cst, id, at + 1000, 12, 4) != 0 ||
			    e2e_store_commit(cst) != 0)
				_exit(1);
		/* the batch in flight when the process dies */
		if (e2e_store_begin(cst) != 0 || e2e_store_append(cst, id, s + 3000, 1000) != 0 ||
		    e2e_store_run_progress(cst, id, 4000, 12, 4) != 0)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_integrity(path);

	st = open_ok(path, E2E_STORE_READONLY);
	ck_assert_int_eq(e2e_store_run_get(st, 1, &r), 0);
	ck_assert_uint_eq(r.recorded, 3000);
	ck_assert_uint_eq(r.dropped, 12);
	ck_assert_uint_eq(r.max_concurrency, 4);
	ck_assert(!r.complete);
	ck_assert_int_eq(r.ended_ms, 0);
	e2e_run_finish(&r);
	{
		struct e2e_sample *want = make_samples(8, 3000);

		assert_samples(st, 1, want, 3000);
		free(want);
	}
	e2e_store_close(st);
	free(path);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *topen = tcase_create("open");
	TCase *tdata = tcase_create("data");
	TCase *tproc = tcase_create("processes");

	tcase_add_checked_fixture(topen, setup, teardown);
	tcase_add_checked_fixture(tdata, setup, teardown);
	tcase_add_checked_fixture(tproc, setup, teardown);
	tcase_set_timeout(tdata, 60);
	tcase_set_timeout(tproc, 60);
	tcase_add_test(topen, test_create);
	tcase_add_test(topen, test_empty_file);
	tcase_add_test(topen, test_foreign_untouched);
	tcase_add_test(topen, test_migrate_v1);
	tcase_add_test(topen, test_readonly);
	tcase_add_test(tdata, test_runs_roundtrip);
	tcase_add_test(tdata, test_runs_list);
	tcase_add_test(tdata, test_paths);
	tcase_add_test(tdata, test_samples_extremes);
	tcase_add_test(tdata, test_tests);
	tcase_add_test(tdata, test_samples_many_batches);
	tcase_add_test(tdata, test_chunk_format);
	tcase_add_test(tdata, test_chunks_copy);
	tcase_add_test(tdata, test_corrupt_chunks);
	tcase_add_test(tdata, test_prune);
	tcase_add_test(tdata, test_run_notes);
	tcase_add_test(tdata, test_cpu_profile);
	tcase_add_test(tdata, test_prune_live);
	tcase_add_test(tdata, test_prune_leases_unreadable);
	tcase_add_test(tdata, test_prune_frees_space);
	tcase_add_test(tproc, test_two_processes);
	tcase_add_test(tproc, test_waits_for_writer);
	tcase_add_test(tproc, test_killed_writer);
	suite_add_tcase(s, topen);
	suite_add_tcase(s, tdata);
	suite_add_tcase(s, tproc);
	return s;
}

E2E_TEST_MAIN(store_suite)

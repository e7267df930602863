/* store_pg.c - the team store on PostgreSQL (libpq). See store_pg.h. */
#include "store_pg.h"

#include <inttypes.h>
#include <math.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cpu_report.h"
#include "error.h"
#include "redact.h"
#include "banned.h"

struct e2e_pg {
	PGconn *conn;
	char *name; /* the URL, password redacted */
};

/* Sample chunks: format 1 (the first pushes) is at most 65536 samples of
 * fixed-width little-endian columns (below), read but no longer written;
 * format 2 is one chunk of the local store's own encoding (store.c, a few
 * thousand samples, a third of format 1's size), copied as it is both
 * ways, so that a push and a fetch neither decode nor encode it. */
#define CHUNK_FORMAT 1
#define CHUNK_FORMAT_STORE 2
/* Bytes per sample: start_ns, path_id, status, error, test_id, ttfb_us,
 * total_us, proxy_us, req_bytes, resp_bytes. */
#define SAMPLE_BYTES (8 + 4 + 2 + 1 + 4 + 4 + 4 + 4 + 8 + 8)

/* Migrations: migrations[v] turns schema v-1 into v. The version lives in
 * e2e.meta, which also says whose schema "e2e" is. */
static const char *const pg_schema_v1[] = {
	"CREATE SCHEMA e2e",
	"CREATE TABLE e2e.meta (key text PRIMARY KEY, value text NOT NULL)",
	"INSERT INTO e2e.meta VALUES ('application', 'e2e'), ('schema_version', '0')",
	"CREATE TABLE e2e.runs ("
	" id bigserial PRIMARY KEY,"
	" uuid uuid NOT NULL UNIQUE,"
	" service text NOT NULL,"
	" started_at timestamptz NOT NULL,"
	" started_ms bigint NOT NULL,"
	" ended_ms bigint NOT NULL,"
	" duration_ns bigint NOT NULL,"
	" command text NOT NULL,"
	" exit_status integer NOT NULL,"
	" git_commit text NOT NULL,"
	" git_branch text NOT NULL,"
	" host_cpu text NOT NULL,"
	" host_cores integer NOT NULL,"
	" host_os text NOT NULL,"
	" tool_version text NOT NULL,"
	" source text NOT NULL,"
	" target text NOT NULL,"
	" max_concurrency bigint NOT NULL,"
	" recorded bigint NOT NULL,"
	" dropped bigint NOT NULL,"
	" lost bigint NOT NULL,"
	" lost_cause text NOT NULL,"
	" complete boolean NOT NULL,"
	" pushed_at timestamptz NOT NULL DEFAULT now())",
	"CREATE INDEX runs_by_service ON e2e.runs (service, started_ms DESC, id DESC)",
	"CREATE INDEX runs_by_time ON e2e.runs (started_at)",
	"CREATE TABLE e2e.run_paths ("
	" run_id bigint NOT NULL REFERENCES e2e.runs ON DELETE CASCADE,"
	" path_id integer NOT NULL,"
	" method text NOT NULL,"
	" path text NOT NULL,"
	" endpoint text NOT NULL,"
	" PRIMARY KEY (run_id, path_id))",
	"CREATE TABLE e2e.endpoint_stats ("
	" run_id bigint NOT NULL REFERENCES e2e.runs ON DELETE CASCADE,"
	" endpoint text NOT NULL,"
	" n bigint NOT NULL,"
	" errors bigint NOT NULL,"
	" mean_ms double precision,"
	" p50_ms double precision,"
	" p90_ms double precision,"
	" p95_ms double precision,"
	" p99_ms double precision,"
	" max_ms double precision,"
	" histogram text NOT NULL,"
	" PRIMARY KEY (run_id, endpoint))",
	"CREATE TABLE e2e.sample_chunks ("
	" run_id bigint NOT NULL REFERENCES e2e.runs ON DELETE CASCADE,"
	" seq integer NOT NULL,"
	" n integer NOT NULL,"
	" format smallint NOT NULL,"
	" data bytea NOT NULL,"
	" PRIMARY KEY (run_id, seq))",
	"CREATE TABLE e2e.verdicts ("
	" run_id bigint NOT NULL REFERENCES e2e.runs ON DELETE CASCADE,"
	" endpoint text NOT NULL,"
	" metric text NOT NULL,"
	" verdict text NOT NULL,"
	" severity text NOT NULL DEFAULT '',"
	" baseline double precision,"
	" current double precision,"
	" change_pct double precision,"
	" PRIMARY KEY (run_id, endpoint, metric))",
	NULL,
};

/* v2: what the local store keeps per run besides its samples, so that a
 * report from the team store says what one from the file says: notes
 * (SQLite v5), the service's cost (v6), the runner's disturbance (v7),
 * the tests (v10, v11), how paths became endpoints; and the gate's
 * verdicts pushed with a run judged when recorded (e2e.verdicts, v1). */
static const char *const pg_schema_v2[] = {
	"CREATE TABLE e2e.run_notes ("
	" run_id bigint NOT NULL REFERENCES e2e.runs ON DELETE CASCADE,"
	" kind text NOT NULL,"
	" name text NOT NULL DEFAULT '',"
	" count bigint NOT NULL,"
	" PRIMARY KEY (run_id, kind, name))",
	"CREATE TABLE e2e.run_resources ("
	" run_id bigint PRIMARY KEY REFERENCES e2e.runs ON DELETE CASCADE,"
	" source text NOT NULL,"
	" have integer NOT NULL,"
	" hz integer NOT NULL,"
	" errors bigint NOT NULL,"
	" peak_rss_bytes bigint NOT NULL,"
	" sampler_cpu_ns bigint NOT NULL,"
	" serve_log text NOT NULL DEFAULT '',"
	" serve_end text NOT NULL DEFAULT '')",
	"CREATE TABLE e2e.resource_samples ("
	" run_id bigint NOT NULL REFERENCES e2e.runs ON DELETE CASCADE,"
	" t_ns bigint NOT NULL,"
	" cpu_user_ns bigint NOT NULL, cpu_sys_ns bigint NOT NULL,"
	" rss_bytes bigint NOT NULL, threads integer NOT NULL, fds integer NOT NULL,"
	" procs integer NOT NULL, ctx_vol bigint NOT NULL, ctx_invol bigint NOT NULL,"
	" runq_wait_ns bigint NOT NULL,"
	" PRIMARY KEY (run_id, t_ns))",
	"CREATE TABLE e2e.run_disturbance ("
	" run_id bigint PRIMARY KEY REFERENCES e2e.runs ON DELETE CASCADE,"
	" ratio double precision NOT NULL,"
	" probes bigint NOT NULL)",
	"CREATE TABLE e2e.run_tests ("
	" run_id bigint NOT NULL REFERENCES e2e.runs ON DELETE CASCADE,"
	" id integer NOT NULL,"
	" name text NOT NULL,"
	" status text NOT NULL DEFAULT '',"
	" classname text NOT NULL DEFAULT '',"
	" started_ns bigint NOT NULL DEFAULT 0,"
	" ended_ns bigint NOT NULL DEFAULT 0,"
	" duration_ns bigint NOT NULL DEFAULT 0,"
	" junit_ns bigint NOT NULL DEFAULT 0,"
	" PRIMARY KEY (run_id, id))",
	"CREATE TABLE e2e.run_templating ("
	" run_id bigint PRIMARY KEY REFERENCES e2e.runs ON DELETE CASCADE,"
	" rules_version integer NOT NULL,"
	" routes_name text NOT NULL DEFAULT '',"
	" routes_sha256 text NOT NULL DEFAULT '',"
	" routes_text bytea)",
	NULL,
};

/* v3: chunks are compact already (format 2): stored without TOAST's
 * compression, which took most of a push's and a fetch's time. */
static const char *const pg_schema_v3[] = {
	"ALTER TABLE e2e.sample_chunks ALTER COLUMN data SET STORAGE EXTERNAL",
	NULL,
};

/* v4: what the local store keeps with a run that v2 left out (SQLite v8,
 * v9, v14): the run a --confirm re-run confirms and the perf-ab
 * comparison a run belongs to, both by the other run's UUID (its id
 * differs between stores; the other run may not be pushed yet), and the
 * run's CPU profile: the files --profile-cpu wrote and the frames whose
 * self time grew most. */
static const char *const pg_schema_v4[] = {
	"CREATE TABLE e2e.run_confirms ("
	" run_id bigint PRIMARY KEY REFERENCES e2e.runs ON DELETE CASCADE,"
	" confirms_uuid uuid NOT NULL)",
	"CREATE TABLE e2e.ab_runs ("
	" run_id bigint PRIMARY KEY REFERENCES e2e.runs ON DELETE CASCADE,"
	" comparison_uuid uuid NOT NULL,"
	" side text NOT NULL,"
	" round integer NOT NULL)",
	"CREATE INDEX ab_runs_by_comparison ON e2e.ab_runs (comparison_uuid, round)",
	"CREATE TABLE e2e.run_cpu ("
	" run_id bigint NOT NULL REFERENCES e2e.runs ON DELETE CASCADE,"
	" kind text NOT NULL,"
	" rank integer NOT NULL,"
	" label text NOT NULL,"
	" endpoint text NOT NULL DEFAULT '',"
	" path text NOT NULL DEFAULT '',"
	" base_share double precision NOT NULL DEFAULT 0,"
	" share double precision NOT NULL DEFAULT 0,"
	" PRIMARY KEY (run_id, kind, rank))",
	NULL,
};

static const char *const *const pg_migrations[] = { NULL, pg_schema_v1, pg_schema_v2, pg_schema_v3,
						    pg_schema_v4 };
#define PG_VERSION ((int)(sizeof(pg_migrations) / sizeof(pg_migrations[0])) - 1)
_Static_assert(PG_VERSION == E2E_PG_VERSION, "store_pg.h's E2E_PG_VERSION");

bool e2e_pg_is_url(const char *s)
{
	return s && (strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0);
}

/* libpq's message, one line, without its trailing newline. */
static const char *pq_reason(PGconn *c)
{
	static _Thread_local char line[512];
	const char *m = c ? PQerrorMessage(c) : "out of memory";
	size_t n;

	/* libpq puts "connection to server ... failed: " first: keep it */
	snprintf(line, sizeof(line), "%s", m && *m ? m : "unknown error");
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return line;
}

static int pg_fail(struct e2e_pg *pg, int code, const char *what)
{
	return e2e_error(code, "%s: %s: %s", pg->name, what, pq_reason(pg->conn));
}

/* Runs one statement with text parameters (NULL: SQL NULL); *res gets the
 * result when res is not NULL (caller clears), else it is cleared. */
static int exec_params(struct e2e_pg *pg, const char *sql, int n, const char *const *v, PGresult **res,
		       const char *what)
{
	PGresult *r = PQexecParams(pg->conn, sql, n, NULL, v, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		int rc = e2e_error(E2E_ERR_RUNTIME, "%s: %s: %s", pg->name, what, pq_reason(pg->conn));

		PQclear(r);
		return rc;
	}
	if (res)
		*res = r;
	else
		PQclear(r);
	return 0;
}

static int exec0(struct e2e_pg *pg, const char *sql, const char *what)
{
	return exec_params(pg, sql, 0, NULL, NULL, what);
}

/* Reads the store's state: *version -1 when there is no "e2e" schema,
 * -2 when it is not e2e's. */
static int store_version(struct e2e_pg *pg, int *version)
{
	PGresult *r = NULL;
	int rc = exec_params(pg,
			     "SELECT to_regnamespace('e2e') IS NOT NULL, to_regclass('e2e.meta') IS NOT NULL",
			     0, NULL, &r, "cannot read the schema");
	if (rc < 0)
		return rc;
	if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		*version = -1;
	} else if (strcmp(PQgetvalue(r, 0, 1), "t") != 0) {
		*version = -2;
	} else {
		PQclear(r);
		r = NULL;
		rc = exec_params(pg,
				 "SELECT (SELECT value FROM e2e.meta WHERE key = 'application'),"
				 " (SELECT value FROM e2e.meta WHERE key = 'schema_version')",
				 0, NULL, &r, "cannot read the schema version");
		if (rc < 0)
			return rc;
		if (PQgetisnull(r, 0, 0) || strcmp(PQgetvalue(r, 0, 0), "e2e") != 0 || PQgetisnull(r, 0, 1))
			*version = -2;
		else
			*version = atoi(PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return 0;
}

static int check_version(struct e2e_pg *pg, int version, int flags)
{
	if (version == -2)
		return e2e_error(E2E_ERR_INPUT,
				 "%s: schema 'e2e' is not an e2e store (another application's)", pg->name);
	if (version > PG_VERSION)
		return e2e_error(E2E_ERR_INPUT, "%s: store schema version %d is newer than this e2e's (%d)",
				 pg->name, version, PG_VERSION);
	if (flags & E2E_PG_INIT)
		return 0;
	if (version == -1)
		return e2e_error(E2E_ERR_INPUT,
				 "%s: no e2e store in this database (run 'e2e store init' as its owner)",
				 pg->name);
	if (version < PG_VERSION)
		return e2e_error(
			E2E_ERR_INPUT,
			"%s: store schema version %d is older than this e2e's (%d): run 'e2e store init'",
			pg->name, version, PG_VERSION);
	return 0;
}

int e2e_pg_open(const char *url, int flags, struct e2e_pg **out)
{
	static const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { "10", "e2e", url, NULL };
	struct e2e_pg *pg;
	PQconninfoOption *opts;
	char *err = NULL;
	int rc = 0, version = 0;

	if (!e2e_pg_is_url(url)) {
		char *name = e2e_redact_url(url);

		rc = e2e_error(E2E_ERR_INPUT, "store '%s': not a PostgreSQL URL (postgresql://...)", name);
		free(name);
		return rc;
	}
	opts = PQconninfoParse(url, &err);
	if (!opts) {
		char *name = e2e_redact_url(url);

		if (err)
			err[strcspn(err, "\n")] = '\0';
		rc = e2e_error(E2E_ERR_INPUT, "store '%s': malformed URL: %s", name,
			       err ? err : "out of memory");
		free(name);
		PQfreemem(err);
		return rc;
	}
	PQconninfoFree(opts);
	pg = e2e_xcalloc(1, sizeof(*pg));
	{
		char *red = e2e_redact_url(url);
		struct e2e_buf b = E2E_BUF_INIT;

		e2e_buf_printf(&b, "store '%s'", red);
		pg->name = e2e_buf_detach(&b, NULL);
		free(red);
	}
	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) {
		rc = pg_fail(pg, E2E_ERR_RUNTIME, "cannot connect");
		goto out;
	}
	rc = exec0(pg, "SET client_min_messages = warning", "cannot set up the session");
	if (rc == 0)
		rc = store_version(pg, &version);
	if (rc == 0)
		rc = check_version(pg, version, flags);
out:
	if (rc < 0) {
		e2e_pg_close(pg);
		return rc;
	}
	*out = pg;
	return 0;
}

void e2e_pg_close(struct e2e_pg *pg)
{
	if (!pg)
		return;
	PQfinish(pg->conn);
	free(pg->name);
	free(pg);
}

const char *e2e_pg_name(const struct e2e_pg *pg)
{
	return pg->name;
}

static void extras_finish(struct e2e_pg_extras *x);
static int extras_push(struct e2e_pg *pg, const struct e2e_pg_run *r, const char *id);
static int extras_load(struct e2e_pg *pg, struct e2e_pg_run *r);

static void rollback(struct e2e_pg *pg)
{
	PQclear(PQexec(pg->conn, "ROLLBACK"));
}

/* A role name goes into DDL, which takes no parameters: quoted by libpq. */
static int grant(struct e2e_pg *pg, const char *role, bool write)
{
	char *q = PQescapeIdentifier(pg->conn, role, strlen(role));
	struct e2e_buf b = E2E_BUF_INIT;
	int rc;

	if (!q)
		return pg_fail(pg, E2E_ERR_INPUT, "bad role name");
	{
		const char *v[] = { role };
		PGresult *r = NULL;

		rc = exec_params(pg, "SELECT 1 FROM pg_roles WHERE rolname = $1", 1, v, &r,
				 "cannot read the roles");
		if (rc == 0 && PQntuples(r) == 0) {
			e2e_buf_printf(&b, "CREATE ROLE %s NOLOGIN", q);
			rc = exec0(pg, b.data, "cannot create a role");
			e2e_buf_finish(&b);
		}
		PQclear(r);
	}
	if (rc == 0) {
		e2e_buf_printf(&b, "GRANT USAGE ON SCHEMA e2e TO %s", q);
		rc = exec0(pg, b.data, "cannot grant");
		e2e_buf_finish(&b);
	}
	if (rc == 0) {
		e2e_buf_printf(&b, "GRANT SELECT%s ON ALL TABLES IN SCHEMA e2e TO %s",
			       write ? ", INSERT" : "", q);
		rc = exec0(pg, b.data, "cannot grant");
		e2e_buf_finish(&b);
	}
	if (rc == 0 && write) {
		e2e_buf_printf(&b, "GRANT USAGE ON ALL SEQUENCES IN SCHEMA e2e TO %s", q);
		rc = exec0(pg, b.data, "cannot grant");
		e2e_buf_finish(&b);
	}
	PQfreemem(q);
	return rc;
}

int e2e_pg_init(struct e2e_pg *pg, const char *writer, const char *reader, bool *created, int *from)
{
	int rc, version = 0;
	char v[16];
	const char *vals[] = { v };

	rc = exec0(pg, "BEGIN", "cannot start a transaction");
	if (rc < 0)
		return rc;
	/* one init at a time; another waits here and then finds it done */
	rc = exec0(pg, "SELECT pg_advisory_xact_lock(1697801552)", "cannot lock the store");
	if (rc == 0)
		rc = store_version(pg, &version);
	if (rc == 0)
		rc = check_version(pg, version, E2E_PG_INIT);
	for (int i = version < 0 ? 1 : version + 1; rc == 0 && i <= PG_VERSION; i++)
		for (const char *const *s = pg_migrations[i]; rc == 0 && *s; s++)
			rc = exec0(pg, *s, "cannot create the schema");
	if (rc == 0) {
		snprintf(v, sizeof(v), "%d", PG_VERSION);
		rc = exec_params(pg, "UPDATE e2e.meta SET value = $1 WHERE key = 'schema_version'", 1, vals,
				 NULL, "cannot set the schema version");
	}
	if (rc == 0)
		rc = exec0(pg, "REVOKE ALL ON SCHEMA e2e FROM PUBLIC", "cannot revoke");
	if (rc == 0)
		rc = grant(pg, writer, true);
	if (rc == 0)
		rc = grant(pg, reader, false);
	if (rc == 0)
		rc = exec0(pg, "COMMIT", "cannot commit the schema");
	if (rc < 0) {
		rollback(pg);
		return rc;
	}
	*created = version < 0;
	*from = version < 0 ? 0 : version;
	return 0;
}

void e2e_pg_run_finish(struct e2e_pg_run *r)
{
	if (!r)
		return;
	e2e_run_finish(&r->run);
	for (size_t i = 0; i < r->npaths; i++) {
		free(r->paths[i].method);
		free(r->paths[i].path);
		free(r->paths[i].endpoint);
	}
	free(r->paths);
	free(r->samples);
	extras_finish(&r->x);
	free(r->chunks);
	free(r->chunk_storage);
	memset(r, 0, sizeof(*r));
}

int e2e_pg_find(struct e2e_pg *pg, const char *uuid, int64_t *id)
{
	const char *v[] = { uuid };
	PGresult *r = NULL;
	int rc = exec_params(pg, "SELECT id FROM e2e.runs WHERE uuid = $1", 1, v, &r,
			     "cannot look up the run");

	if (rc == 0)
		*id = PQntuples(r) > 0 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return rc;
}

/* ---- numbers as text parameters ---- */

struct num {
	char s[32];
};

static struct num i64(int64_t v)
{
	struct num n;

	snprintf(n.s, sizeof(n.s), "%" PRId64, v);
	return n;
}

static struct num u64(uint64_t v)
{
	struct num n;

	snprintf(n.s, sizeof(n.s), "%" PRIu64, v);
	return n;
}

/* NULL for NAN (an endpoint without a figure). */
static const char *dbl(double v, struct num *n)
{
	if (v != v)
		return NULL;
	snprintf(n->s, sizeof(n->s), "%.17g", v);
	return n->s;
}

/* Integers of a binary result are big-endian. */
static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Column widths of format 1 in order (see SAMPLE_BYTES). */
static const int widths[] = { 8, 4, 2, 1, 4, 4, 4, 4, 8, 8 };
#define NCOLS (sizeof(widths) / sizeof(widths[0]))

static void sample_set(struct e2e_sample *s, size_t col, uint64_t v)
{
	switch (col) {
	case 0:
		s->start_ns = v;
		break;
	case 1:
		s->path_id = (uint32_t)v;
		break;
	case 2:
		s->status = (uint16_t)v;
		break;
	case 3:
		s->error = (uint8_t)v;
		break;
	case 4:
		s->test_id = (uint32_t)v;
		break;
	case 5:
		s->ttfb_us = (uint32_t)v;
		break;
	case 6:
		s->total_us = (uint32_t)v;
		break;
	case 7:
		s->proxy_us = (uint32_t)v;
		break;
	case 8:
		s->req_bytes = v;
		break;
	default:
		s->resp_bytes = v;
		break;
	}
}

/* Format 1: column-major, all start_ns, then all path_id... */
static void chunk_decode(const uint8_t *in, size_t n, struct e2e_sample *s)
{
	for (size_t c = 0; c < NCOLS; c++)
		for (size_t i = 0; i < n; i++, in += widths[c])
			sample_set(&s[i], c, get_le(in, widths[c]));
}

static void put_be(struct e2e_buf *b, uint64_t v, int bytes)
{
	uint8_t p[8];

	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	e2e_buf_add(b, p, (size_t)bytes);
}

/* One field of a binary COPY row: its length, then its bytes. */
static void copy_field(struct e2e_buf *b, uint64_t v, int bytes)
{
	put_be(b, (uint64_t)bytes, 4);
	put_be(b, v, bytes);
}

/* The run's chunks (format 2) in one COPY ... FROM STDIN (FORMAT binary):
 * no statement per chunk and no text escaping of the bytea; each chunk is
 * sent as it is (libpq buffers, the server streams the rows in). */
static int push_chunks(struct e2e_pg *pg, const struct e2e_pg_run *r, const char *id)
{
	static const char header[] = "PGCOPY\n\377\r\n";
	struct e2e_buf b = E2E_BUF_INIT;
	int64_t run_id = strtoll(id, NULL, 10);
	PGresult *res;
	int rc = 0;

	if (r->nchunks == 0)
		return 0;
	res = PQexec(pg->conn,
		     "COPY e2e.sample_chunks (run_id, seq, n, format, data) FROM STDIN (FORMAT binary)");
	if (PQresultStatus(res) != PGRES_COPY_IN)
		rc = pg_fail(pg, E2E_ERR_RUNTIME, "cannot write the run's samples");
	PQclear(res);
	if (rc < 0)
		return rc;
	e2e_buf_add(&b, header, sizeof(header)); /* with its '\0' */
	put_be(&b, 0, 4); /* flags */
	put_be(&b, 0, 4); /* header extension length */
	for (size_t i = 0; rc == 0 && i <= r->nchunks; i++) {
		if (i == r->nchunks) {
			put_be(&b, 0xffff, 2); /* the trailer */
		} else {
			const struct e2e_sample_chunk *c = &r->chunks[i];

			put_be(&b, 5, 2);
			copy_field(&b, (uint64_t)run_id, 8);
			copy_field(&b, i, 4);
			copy_field(&b, c->n, 4);
			copy_field(&b, CHUNK_FORMAT_STORE, 2);
			put_be(&b, c->len, 4);
		}
		if (PQputCopyData(pg->conn, b.data, (int)b.len) != 1 ||
		    (i < r->nchunks &&
		     PQputCopyData(pg->conn, (const char *)r->chunks[i].data, (int)r->chunks[i].len) != 1))
			rc = pg_fail(pg, E2E_ERR_RUNTIME, "cannot write the run's samples");
		e2e_buf_reset(&b);
	}
	e2e_buf_finish(&b);
	if (PQputCopyEnd(pg->conn, rc < 0 ? "push failed" : NULL) != 1 && rc == 0)
		rc = pg_fail(pg, E2E_ERR_RUNTIME, "cannot write the run's samples");
	while ((res = PQgetResult(pg->conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0)
			rc = pg_fail(pg, E2E_ERR_RUNTIME, "cannot write the run's samples");
		PQclear(res);
	}
	return rc;
}

static int push_rows(struct e2e_pg *pg, const struct e2e_pg_run *r, const struct e2e_pg_summary *sums,
		     size_t nsums, const char *id)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < r->npaths; i++) {
		struct num pid = u64(r->paths[i].id);
		const char *v[] = { id, pid.s, r->paths[i].method, r->paths[i].path, r->paths[i].endpoint };

		rc = exec_params(pg,
				 "INSERT INTO e2e.run_paths (run_id, path_id, method, path, endpoint)"
				 " VALUES ($1, $2, $3, $4, $5)",
				 5, v, NULL, "cannot write the run's paths");
	}
	for (size_t i = 0; rc == 0 && i < nsums; i++) {
		const struct e2e_pg_summary *s = &sums[i];
		struct num n = u64(s->n), e = u64(s->errors), d[6];
		const char *v[] = { id,
				    s->endpoint,
				    n.s,
				    e.s,
				    dbl(s->mean_ms, &d[0]),
				    dbl(s->p50_ms, &d[1]),
				    dbl(s->p90_ms, &d[2]),
				    dbl(s->p95_ms, &d[3]),
				    dbl(s->p99_ms, &d[4]),
				    dbl(s->max_ms, &d[5]),
				    s->histogram };

		rc = exec_params(
			pg,
			"INSERT INTO e2e.endpoint_stats (run_id, endpoint, n, errors, mean_ms, p50_ms,"
			" p90_ms, p95_ms, p99_ms, max_ms, histogram)"
			" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
			11, v, NULL, "cannot write the run's summaries");
	}
	if (rc == 0)
		rc = push_chunks(pg, r, id);
	return rc;
}

int e2e_pg_push(struct e2e_pg *pg, const struct e2e_pg_run *r, const struct e2e_pg_summary *sums,
		size_t nsums, bool *created, int64_t *id)
{
	const struct e2e_run *u = &r->run;
	struct num started = i64(u->started_ms), ended = i64(u->ended_ms), dur = u64(u->duration_ns),
		   exit_status = i64(u->exit_status), cores = i64(u->host_cores),
		   conc = u64(u->max_concurrency), rec = u64(u->recorded), drop = u64(u->dropped),
		   lost = u64(u->lost);
	const char *v[] = { r->uuid,
			    u->service,
			    started.s,
			    ended.s,
			    dur.s,
			    u->command,
			    exit_status.s,
			    u->git_commit,
			    u->git_branch,
			    u->host_cpu,
			    cores.s,
			    u->host_os,
			    u->tool_version,
			    u->source,
			    u->target,
			    conc.s,
			    rec.s,
			    drop.s,
			    lost.s,
			    e2e_loss_key(u->lost_cause),
			    u->complete ? "t" : "f" };
	PGresult *res = NULL;
	int rc = exec0(pg, "BEGIN", "cannot start a transaction");
	bool made = false;
	int64_t got = 0;

	if (rc < 0)
		return rc;
	rc = exec_params(
		pg,
		"INSERT INTO e2e.runs (uuid, service, started_at, started_ms, ended_ms, duration_ns,"
		" command, exit_status, git_commit, git_branch, host_cpu, host_cores, host_os,"
		" tool_version, source, target, max_concurrency, recorded, dropped, lost, lost_cause,"
		" complete) VALUES ($1, $2, to_timestamp($3::bigint / 1000.0), $3, $4, $5, $6, $7, $8,"
		" $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
		" ON CONFLICT (uuid) DO NOTHING RETURNING id",
		21, v, &res, "cannot write the run");
	if (rc == 0 && PQntuples(res) == 1) {
		made = true;
		got = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		rc = push_rows(pg, r, sums, nsums, PQgetvalue(res, 0, 0));
		if (rc == 0)
			rc = extras_push(pg, r, PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	if (rc == 0 && !made)
		rc = e2e_pg_find(pg, r->uuid, &got);
	if (rc == 0)
		rc = exec0(pg, "COMMIT", "cannot commit the run");
	if (rc < 0) {
		rollback(pg);
		return rc;
	}
	*created = made;
	*id = got;
	return 0;
}

#define PG_RUN_COLUMNS                                                                                       \
	"id, uuid, service, started_ms, ended_ms, duration_ns, command, exit_status, git_commit,"            \
	" git_branch, host_cpu, host_cores, host_os, tool_version, source, target, max_concurrency,"         \
	" recorded, dropped, lost, lost_cause, complete"

static char *col(PGresult *r, int row, int c)
{
	return e2e_xstrdup(PQgetvalue(r, row, c));
}

static int64_t col_i64(PGresult *r, int row, int c)
{
	return strtoll(PQgetvalue(r, row, c), NULL, 10);
}

static void run_from_row(PGresult *res, int i, struct e2e_pg_run *o)
{
	struct e2e_run *u = &o->run;

	u->id = col_i64(res, i, 0);
	snprintf(o->uuid, sizeof(o->uuid), "%s", PQgetvalue(res, i, 1));
	u->service = col(res, i, 2);
	u->started_ms = col_i64(res, i, 3);
	u->ended_ms = col_i64(res, i, 4);
	u->duration_ns = (uint64_t)col_i64(res, i, 5);
	u->command = col(res, i, 6);
	u->exit_status = (int)col_i64(res, i, 7);
	u->git_commit = col(res, i, 8);
	u->git_branch = col(res, i, 9);
	u->host_cpu = col(res, i, 10);
	u->host_cores = (int)col_i64(res, i, 11);
	u->host_os = col(res, i, 12);
	u->tool_version = col(res, i, 13);
	u->source = col(res, i, 14);
	u->target = col(res, i, 15);
	u->max_concurrency = (uint32_t)col_i64(res, i, 16);
	u->recorded = (uint64_t)col_i64(res, i, 17);
	u->dropped = (uint64_t)col_i64(res, i, 18);
	u->lost = (uint64_t)col_i64(res, i, 19);
	u->lost_cause = e2e_loss_from_key(PQgetvalue(res, i, 20));
	u->complete = strcmp(PQgetvalue(res, i, 21), "t") == 0;
}

int e2e_pg_runs_list(struct e2e_pg *pg, const char *service, const char *branch, int64_t since_ms,
		     size_t limit, struct e2e_pg_run **out, size_t *n)
{
	struct num lim = u64(limit), since = i64(since_ms);
	const char *v[] = { service, branch, since.s, limit ? lim.s : NULL };
	PGresult *res = NULL;
	struct e2e_pg_run *runs;
	int rc = exec_params(
		pg,
		"SELECT " PG_RUN_COLUMNS " FROM e2e.runs"
		" WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR git_branch = $2)"
		" AND started_ms >= $3 ORDER BY started_ms DESC, id DESC LIMIT $4",
		4, v, &res, "cannot list the runs");

	if (rc < 0)
		return rc;
	runs = e2e_xcalloc((size_t)PQntuples(res) + 1, sizeof(*runs));
	for (int i = 0; i < PQntuples(res); i++)
		run_from_row(res, i, &runs[i]);
	*n = (size_t)PQntuples(res);
	*out = runs;
	PQclear(res);
	return 0;
}

/* One row (n, format, data) of a run's chunks: format 1's decoded into
 * r->samples, format 2's appended to data (r->chunks[i].data is its
 * offset there until the end). One run has one format (one push wrote
 * it). */
static int chunk_row(struct e2e_pg *pg, PGresult *res, struct e2e_pg_run *r, struct e2e_buf *data,
		     size_t *cap, uint16_t *fmt)
{
	size_t n = get_be32((const uint8_t *)PQgetvalue(res, 0, 0)), len = (size_t)PQgetlength(res, 0, 2);
	uint16_t f = get_be16((const uint8_t *)PQgetvalue(res, 0, 1));

	if (!*fmt)
		*fmt = f;
	if (f != *fmt || (f == CHUNK_FORMAT && len != n * SAMPLE_BYTES) ||
	    (f != CHUNK_FORMAT && f != CHUNK_FORMAT_STORE))
		return e2e_error(E2E_ERR_RUNTIME, "%s: run %" PRId64 ": a sample chunk of unknown format",
				 pg->name, r->run.id);
	if (f == CHUNK_FORMAT) {
		r->samples = e2e_xrealloc(r->samples, (r->nsamples + n + 1) * sizeof(*r->samples));
		chunk_decode((const uint8_t *)PQgetvalue(res, 0, 2), n, r->samples + r->nsamples);
		r->nsamples += n;
		return 0;
	}
	if (r->nchunks == *cap) {
		*cap = *cap ? 2 * *cap : 256;
		r->chunks = e2e_xrealloc(r->chunks, *cap * sizeof(*r->chunks));
	}
	r->chunks[r->nchunks++] =
		(struct e2e_sample_chunk){ (const uint8_t *)(uintptr_t)data->len, len, (uint32_t)n };
	e2e_buf_add(data, PQgetvalue(res, 0, 2), len);
	r->nsamples += n;
	return 0;
}

/* A run's chunks, a row at a time (single-row mode: libpq never holds
 * the whole run, nor grows a buffer for it). */
static int load_chunks(struct e2e_pg *pg, const char *const *v, struct e2e_pg_run *r)
{
	struct e2e_buf data = E2E_BUF_INIT;
	size_t cap = 0;
	uint16_t fmt = 0;
	PGresult *res;
	int rc = 0;

	if (!PQsendQueryParams(pg->conn,
			       "SELECT n, format, data FROM e2e.sample_chunks WHERE run_id = $1 ORDER BY seq",
			       1, NULL, v, NULL, NULL, 1) ||
	    !PQsetSingleRowMode(pg->conn))
		return pg_fail(pg, E2E_ERR_RUNTIME, "cannot read the run's samples");
	while ((res = PQgetResult(pg->conn))) {
		ExecStatusType st = PQresultStatus(res);

		if (st == PGRES_SINGLE_TUPLE && rc == 0)
			rc = chunk_row(pg, res, r, &data, &cap, &fmt);
		else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && rc == 0)
			rc = pg_fail(pg, E2E_ERR_RUNTIME, "cannot read the run's samples");
		PQclear(res);
	}
	if (rc == 0 && r->nchunks) {
		r->chunk_storage = (uint8_t *)e2e_buf_detach(&data, NULL);
		for (size_t i = 0; i < r->nchunks; i++)
			r->chunks[i].data = r->chunk_storage + (uintptr_t)r->chunks[i].data;
	}
	e2e_buf_finish(&data);
	return rc;
}

int e2e_pg_run_load(struct e2e_pg *pg, struct e2e_pg_run *r)
{
	struct num id = i64(r->run.id);
	const char *v[] = { id.s };
	PGresult *res = NULL;
	int rc = exec0(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "cannot start a transaction");

	if (rc == 0)
		rc = exec_params(pg,
				 "SELECT path_id, method, path, endpoint FROM e2e.run_paths WHERE run_id = $1"
				 " ORDER BY path_id",
				 1, v, &res, "cannot read the run's paths");
	if (rc == 0) {
		r->npaths = (size_t)PQntuples(res);
		r->paths = e2e_xcalloc(r->npaths + 1, sizeof(*r->paths));
		for (size_t i = 0; i < r->npaths; i++) {
			r->paths[i].id = (uint32_t)col_i64(res, (int)i, 0);
			r->paths[i].method = col(res, (int)i, 1);
			r->paths[i].path = col(res, (int)i, 2);
			r->paths[i].endpoint = col(res, (int)i, 3);
		}
		PQclear(res);
		rc = load_chunks(pg, v, r);
	}
	if (rc == 0)
		rc = extras_load(pg, r);
	if (rc == 0)
		rc = exec0(pg, "COMMIT", "cannot end the transaction");
	else
		rollback(pg);
	return rc;
}

/* ---- what a run keeps besides its samples (schema v2) ---- */

static void extras_finish(struct e2e_pg_extras *x)
{
	e2e_run_notes_free(x->notes, x->nnotes);
	free(x->res);
	e2e_res_info_finish(&x->res_info);
	for (size_t i = 0; x->tests && i < x->ntests; i++) {
		free(x->tests[i].name);
		free(x->tests[i].status);
		free(x->tests[i].classname);
	}
	free(x->tests);
	e2e_templating_finish(&x->templating);
	for (size_t i = 0; x->verdicts && i < x->nverdicts; i++) {
		free(x->verdicts[i].endpoint);
		free(x->verdicts[i].metric);
		free(x->verdicts[i].verdict);
		free(x->verdicts[i].severity);
	}
	free(x->verdicts);
	e2e_cpu_profile_destroy(x->cpu);
	memset(x, 0, sizeof(*x));
}

static int verdicts_insert(struct e2e_pg *pg, const char *id, const struct e2e_run_verdict *v, size_t n)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct num d[3];
		const char *p[] = { id,
				    v[i].endpoint,
				    v[i].metric,
				    v[i].verdict,
				    v[i].severity ? v[i].severity : "",
				    dbl(v[i].baseline, &d[0]),
				    dbl(v[i].current, &d[1]),
				    dbl(v[i].change_pct, &d[2]) };

		rc = exec_params(pg,
				 "INSERT INTO e2e.verdicts (run_id, endpoint, metric, verdict, severity,"
				 " baseline, current, change_pct) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
				 " ON CONFLICT DO NOTHING",
				 8, p, NULL, "cannot write the run's verdicts");
	}
	return rc;
}

static double col_dbl(PGresult *res, int row, int c);

static bool same_dbl(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

/* Whether row i of an e2e.verdicts SELECT (endpoint, metric, verdict,
 * severity, baseline, current, change_pct) says what v does. */
static bool verdict_is(PGresult *res, int i, const struct e2e_run_verdict *v)
{
	return strcmp(PQgetvalue(res, i, 0), v->endpoint) == 0 &&
	       strcmp(PQgetvalue(res, i, 1), v->metric) == 0 &&
	       strcmp(PQgetvalue(res, i, 2), v->verdict) == 0 &&
	       strcmp(PQgetvalue(res, i, 3), v->severity ? v->severity : "") == 0 &&
	       same_dbl(col_dbl(res, i, 4), v->baseline) && same_dbl(col_dbl(res, i, 5), v->current) &&
	       same_dbl(col_dbl(res, i, 6), v->change_pct);
}

/* Whether the rows hold exactly the verdicts v (one row per endpoint and
 * metric: the primary key). */
static bool verdicts_same(PGresult *res, const struct e2e_run_verdict *v, size_t n)
{
	int rows = PQntuples(res);

	if ((size_t)rows != n)
		return false;
	for (size_t k = 0; k < n; k++) {
		int i = 0;

		while (i < rows && !verdict_is(res, i, &v[k]))
			i++;
		if (i == rows)
			return false;
	}
	return true;
}

int e2e_pg_verdicts_set(struct e2e_pg *pg, int64_t id, const struct e2e_run_verdict *v, size_t n,
			bool *changed)
{
	struct num rid = i64(id);
	const char *p[] = { rid.s };
	PGresult *res = NULL;
	bool write = false;
	int rc = exec0(pg, "BEGIN", "cannot start a transaction");

	if (rc == 0)
		rc = exec_params(pg,
				 "SELECT endpoint, metric, verdict, severity, baseline, current, change_pct"
				 " FROM e2e.verdicts WHERE run_id = $1",
				 1, p, &res, "cannot read the run's verdicts");
	if (rc == 0 && !verdicts_same(res, v, n)) {
		write = true;
		/* a run without verdicts gets them by INSERT alone, which the
		 * writer role may do (no row lock: that needs UPDATE; two
		 * pushers at once insert the same rows, the second none);
		 * others are replaced (DELETE: the owner) */
		if (PQntuples(res))
			rc = exec_params(pg, "DELETE FROM e2e.verdicts WHERE run_id = $1", 1, p, NULL,
					 "cannot replace the run's verdicts");
		if (rc == 0)
			rc = verdicts_insert(pg, rid.s, v, n);
	}
	PQclear(res);
	if (rc == 0)
		rc = exec0(pg, "COMMIT", "cannot commit the verdicts");
	if (rc < 0) {
		rollback(pg);
		return rc;
	}
	*changed = write;
	return 0;
}

/* Appends v to a PostgreSQL array literal ("{1,2,3}") being built. */
static void array_add(struct e2e_buf *b, uint64_t v)
{
	e2e_buf_printf(b, "%s%" PRIu64, b->len > 1 ? "," : "", v);
}

/* All of a run's resource samples in one statement: one array per column. */
static int resources_push(struct e2e_pg *pg, const char *id, const struct e2e_res_sample *s, size_t n)
{
	struct e2e_buf a[10];
	const char *v[11] = { id };
	int rc;

	for (size_t c = 0; c < 10; c++) {
		a[c] = (struct e2e_buf)E2E_BUF_INIT;
		e2e_buf_puts(&a[c], "{");
	}
	for (size_t i = 0; i < n; i++) {
		const uint64_t f[] = { s[i].t_ns,      s[i].cpu_user_ns, s[i].cpu_sys_ns, s[i].rss_bytes,
				       s[i].threads,   s[i].fds,	 s[i].procs,	  s[i].ctx_vol,
				       s[i].ctx_invol, s[i].runq_wait_ns };

		for (size_t c = 0; c < 10; c++)
			array_add(&a[c], f[c]);
	}
	for (size_t c = 0; c < 10; c++) {
		e2e_buf_puts(&a[c], "}");
		v[c + 1] = a[c].data;
	}
	rc = exec_params(pg,
			 "INSERT INTO e2e.resource_samples (run_id, t_ns, cpu_user_ns, cpu_sys_ns, rss_bytes,"
			 " threads, fds, procs, ctx_vol, ctx_invol, runq_wait_ns)"
			 " SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[],"
			 " $6::integer[], $7::integer[], $8::integer[], $9::bigint[], $10::bigint[],"
			 " $11::bigint[])",
			 11, v, NULL, "cannot write the run's resource samples");
	for (size_t c = 0; c < 10; c++)
		e2e_buf_finish(&a[c]);
	return rc;
}

/* The run's links to other runs, by their UUIDs (v4). */
static int links_push(struct e2e_pg *pg, const struct e2e_pg_extras *x, const char *id)
{
	int rc = 0;

	if (x->confirms[0]) {
		const char *v[] = { id, x->confirms };

		rc = exec_params(pg, "INSERT INTO e2e.run_confirms (run_id, confirms_uuid) VALUES ($1, $2)",
				 2, v, NULL, "cannot write the run's --confirm link");
	}
	if (rc == 0 && x->ab_comparison[0]) {
		char side[2] = { x->ab_side, 0 };
		struct num round = u64(x->ab_round);
		const char *v[] = { id, x->ab_comparison, side, round.s };

		rc = exec_params(pg,
				 "INSERT INTO e2e.ab_runs (run_id, comparison_uuid, side, round)"
				 " VALUES ($1, $2, $3, $4)",
				 4, v, NULL, "cannot write the run's perf-ab comparison");
	}
	return rc;
}

/* The run's CPU profile (v4): its files, then its grown frames, each kind
 * ranked from 0 as the local store ranks them. */
static int cpu_push(struct e2e_pg *pg, const struct e2e_cpu_profile *p, const char *id)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < p->nfiles + p->ngrown; i++) {
		bool file = i < p->nfiles;
		size_t k = file ? i : i - p->nfiles;
		struct num rank = u64(k), d[2];
		const char *v[] = { id,
				    file ? "file" : "grown",
				    rank.s,
				    file ? p->files[k].kind : p->grown[k].frame,
				    file ? p->files[k].endpoint : "",
				    file ? p->files[k].path : "",
				    dbl(file ? 0 : p->grown[k].base_share, &d[0]),
				    dbl(file ? 0 : p->grown[k].share, &d[1]) };

		rc = exec_params(pg,
				 "INSERT INTO e2e.run_cpu (run_id, kind, rank, label, endpoint, path,"
				 " base_share, share) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
				 8, v, NULL, "cannot write the run's CPU profile");
	}
	return rc;
}

static int extras_push(struct e2e_pg *pg, const struct e2e_pg_run *r, const char *id)
{
	const struct e2e_pg_extras *x = &r->x;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < x->nnotes; i++) {
		struct num c = u64(x->notes[i].count);
		const char *v[] = { id, e2e_note_key(x->notes[i].kind),
				    x->notes[i].name ? x->notes[i].name : "", c.s };

		rc = exec_params(
			pg, "INSERT INTO e2e.run_notes (run_id, kind, name, count) VALUES ($1, $2, $3, $4)",
			4, v, NULL, "cannot write the run's notes");
	}
	if (rc == 0 && x->res_info.source) {
		const struct e2e_res_info *ri = &x->res_info;
		struct num have = u64(ri->have), hz = u64(ri->hz), err = u64(ri->errors),
			   peak = u64(ri->peak_rss_bytes), cpu = u64(ri->sampler_cpu_ns);
		const char *v[] = { id,
				    ri->source,
				    have.s,
				    hz.s,
				    err.s,
				    peak.s,
				    cpu.s,
				    ri->serve_log ? ri->serve_log : "",
				    ri->serve_end ? ri->serve_end : "" };

		rc = exec_params(
			pg,
			"INSERT INTO e2e.run_resources (run_id, source, have, hz, errors, peak_rss_bytes,"
			" sampler_cpu_ns, serve_log, serve_end) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
			9, v, NULL, "cannot write the run's resources");
		if (rc == 0 && x->nres)
			rc = resources_push(pg, id, x->res, x->nres);
	}
	if (rc == 0 && r->run.disturbance_probes) {
		struct num ratio, probes = u64(r->run.disturbance_probes);
		const char *v[] = { id, dbl(r->run.disturbance, &ratio), probes.s };

		rc = exec_params(
			pg, "INSERT INTO e2e.run_disturbance (run_id, ratio, probes) VALUES ($1, $2, $3)", 3,
			v, NULL, "cannot write the run's disturbance");
	}
	for (size_t i = 0; rc == 0 && i < x->ntests; i++) {
		const struct e2e_test *t = &x->tests[i];
		struct num tid = u64(t->id), st = u64(t->started_ns), en = u64(t->ended_ns),
			   du = u64(t->duration_ns), ju = u64(t->junit_ns);
		const char *v[] = { id,
				    tid.s,
				    t->name,
				    t->status ? t->status : "",
				    t->classname ? t->classname : "",
				    st.s,
				    en.s,
				    du.s,
				    ju.s };

		rc = exec_params(
			pg,
			"INSERT INTO e2e.run_tests (run_id, id, name, status, classname, started_ns,"
			" ended_ns, duration_ns, junit_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
			9, v, NULL, "cannot write the run's tests");
	}
	if (rc == 0 && x->templating.rules_version) {
		const struct e2e_templating *t = &x->templating;
		struct num rv = i64(t->rules_version);
		const char *v[] = { id, rv.s, t->routes_name ? t->routes_name : "",
				    t->routes_sha256 ? t->routes_sha256 : "", t->routes_text };
		const int len[] = { 0, 0, 0, 0, t->routes_text ? (int)t->routes_len : 0 };
		const int bin[] = { 0, 0, 0, 0, 1 };
		PGresult *res =
			PQexecParams(pg->conn,
				     "INSERT INTO e2e.run_templating (run_id, rules_version, routes_name,"
				     " routes_sha256, routes_text) VALUES ($1, $2, $3, $4, $5)",
				     5, NULL, v, len, bin, 0);

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(pg, E2E_ERR_RUNTIME, "cannot write the run's templating");
		PQclear(res);
	}
	if (rc == 0)
		rc = verdicts_insert(pg, id, x->verdicts, x->nverdicts);
	if (rc == 0)
		rc = links_push(pg, x, id);
	if (rc == 0 && x->cpu)
		rc = cpu_push(pg, x->cpu, id);
	return rc;
}

static uint64_t col_u64(PGresult *r, int row, int c)
{
	return strtoull(PQgetvalue(r, row, c), NULL, 10);
}

static void notes_rows(PGresult *res, int n, struct e2e_pg_run *r)
{
	struct e2e_pg_extras *x = &r->x;

	x->notes = e2e_xcalloc((size_t)n + 1, sizeof(*x->notes));
	for (int i = 0; i < n; i++) {
		enum e2e_note_kind k;

		if (e2e_note_parse(PQgetvalue(res, i, 0), &k) < 0)
			continue; /* a newer e2e's kind: left out, as the local store does */
		x->notes[x->nnotes++] = (struct e2e_run_note){ .kind = k,
							       .name = col(res, i, 1),
							       .count = col_u64(res, i, 2) };
	}
}

static void resources_rows(PGresult *res, int n, struct e2e_pg_run *r)
{
	if (n == 1)
		r->x.res_info = (struct e2e_res_info){ .source = col(res, 0, 0),
						       .have = (unsigned)col_u64(res, 0, 1),
						       .hz = (unsigned)col_u64(res, 0, 2),
						       .errors = col_u64(res, 0, 3),
						       .peak_rss_bytes = col_u64(res, 0, 4),
						       .sampler_cpu_ns = col_u64(res, 0, 5),
						       .serve_log = col(res, 0, 6),
						       .serve_end = col(res, 0, 7) };
}

static void res_samples_rows(PGresult *res, int n, struct e2e_pg_run *r)
{
	struct e2e_pg_extras *x = &r->x;

	x->res = e2e_xcalloc((size_t)n + 1, sizeof(*x->res));
	x->nres = (size_t)n;
	for (int i = 0; i < n; i++)
		x->res[i] = (struct e2e_res_sample){ .t_ns = col_u64(res, i, 0),
						     .cpu_user_ns = col_u64(res, i, 1),
						     .cpu_sys_ns = col_u64(res, i, 2),
						     .rss_bytes = col_u64(res, i, 3),
						     .threads = (uint32_t)col_u64(res, i, 4),
						     .fds = (uint32_t)col_u64(res, i, 5),
						     .procs = (uint32_t)col_u64(res, i, 6),
						     .ctx_vol = col_u64(res, i, 7),
						     .ctx_invol = col_u64(res, i, 8),
						     .runq_wait_ns = col_u64(res, i, 9) };
}

static void disturbance_rows(PGresult *res, int n, struct e2e_pg_run *r)
{
	if (n == 1) {
		r->run.disturbance = strtod(PQgetvalue(res, 0, 0), NULL);
		r->run.disturbance_probes = col_u64(res, 0, 1);
	}
}

static void tests_rows(PGresult *res, int n, struct e2e_pg_run *r)
{
	struct e2e_pg_extras *x = &r->x;

	x->tests = e2e_xcalloc((size_t)n + 1, sizeof(*x->tests));
	x->ntests = (size_t)n;
	for (int i = 0; i < n; i++)
		x->tests[i] = (struct e2e_test){ .id = (uint32_t)col_u64(res, i, 0),
						 .name = col(res, i, 1),
						 .status = col(res, i, 2),
						 .classname = col(res, i, 3),
						 .started_ns = col_u64(res, i, 4),
						 .ended_ns = col_u64(res, i, 5),
						 .duration_ns = col_u64(res, i, 6),
						 .junit_ns = col_u64(res, i, 7) };
}

static void templating_rows(PGresult *res, int n, struct e2e_pg_run *r)
{
	struct e2e_templating *t = &r->x.templating;
	unsigned char *b;
	size_t len = 0;

	if (n != 1)
		return;
	t->rules_version = (int)col_i64(res, 0, 0);
	t->routes_name = col(res, 0, 1);
	t->routes_sha256 = col(res, 0, 2);
	if (PQgetisnull(res, 0, 3))
		return;
	b = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 3), &len);
	if (!b)
		return;
	t->routes_text = e2e_xmalloc(len + 1);
	memcpy(t->routes_text, b, len);
	t->routes_text[len] = '\0';
	t->routes_len = len;
	PQfreemem(b);
}

static double col_dbl(PGresult *res, int row, int c)
{
	return PQgetisnull(res, row, c) ? NAN : strtod(PQgetvalue(res, row, c), NULL);
}

static void verdicts_rows(PGresult *res, int n, struct e2e_pg_run *r)
{
	struct e2e_pg_extras *x = &r->x;

	x->verdicts = e2e_xcalloc((size_t)n + 1, sizeof(*x->verdicts));
	x->nverdicts = (size_t)n;
	for (int i = 0; i < n; i++)
		x->verdicts[i] = (struct e2e_run_verdict){ .endpoint = col(res, i, 0),
							   .metric = col(res, i, 1),
							   .verdict = col(res, i, 2),
							   .severity = col(res, i, 3),
							   .baseline = col_dbl(res, i, 4),
							   .current = col_dbl(res, i, 5),
							   .change_pct = col_dbl(res, i, 6) };
}

static void copy_uuid(char out[37], const char *s)
{
	snprintf(out, 37, "%s", s);
}

static void confirms_rows(PGresult *res, int n, struct e2e_pg_run *r)
{
	if (n == 1)
		copy_uuid(r->x.confirms, PQgetvalue(res, 0, 0));
}

static void ab_rows(PGresult *res, int n, struct e2e_pg_run *r)
{
	if (n != 1)
		return;
	copy_uuid(r->x.ab_comparison, PQgetvalue(res, 0, 0));
	r->x.ab_side = PQgetvalue(res, 0, 1)[0];
	r->x.ab_round = (uint32_t)col_u64(res, 0, 2);
}

static void cpu_rows(PGresult *res, int n, struct e2e_pg_run *r)
{
	for (int i = 0; i < n; i++) {
		const char *kind = PQgetvalue(res, i, 0);

		if (!r->x.cpu)
			r->x.cpu = e2e_cpu_profile_create(r->run.id);
		if (strcmp(kind, "file") == 0)
			e2e_cpu_profile_add_file(r->x.cpu, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
						 PQgetvalue(res, i, 3));
		else if (strcmp(kind, "grown") == 0)
			e2e_cpu_profile_add_grown(r->x.cpu, PQgetvalue(res, i, 1), col_dbl(res, i, 4),
						  col_dbl(res, i, 5));
	}
}

/* Each table of schemas v2 and v4 (and the verdicts): its rows of a run
 * ($1), and where they go in the run. */
static const struct extras_table {
	const char *sql;
	void (*rows)(PGresult *res, int n, struct e2e_pg_run *r);
} extras_tables[] = {
	{ "SELECT kind, name, count FROM e2e.run_notes WHERE run_id = $1 ORDER BY kind, name", notes_rows },
	{ "SELECT source, have, hz, errors, peak_rss_bytes, sampler_cpu_ns, serve_log, serve_end"
	  " FROM e2e.run_resources WHERE run_id = $1",
	  resources_rows },
	{ "SELECT t_ns, cpu_user_ns, cpu_sys_ns, rss_bytes, threads, fds, procs, ctx_vol, ctx_invol,"
	  " runq_wait_ns FROM e2e.resource_samples WHERE run_id = $1 ORDER BY t_ns",
	  res_samples_rows },
	{ "SELECT ratio, probes FROM e2e.run_disturbance WHERE run_id = $1", disturbance_rows },
	{ "SELECT id, name, status, classname, started_ns, ended_ns, duration_ns, junit_ns"
	  " FROM e2e.run_tests WHERE run_id = $1 ORDER BY id",
	  tests_rows },
	{ "SELECT rules_version, routes_name, routes_sha256, routes_text FROM e2e.run_templating"
	  " WHERE run_id = $1",
	  templating_rows },
	{ "SELECT endpoint, metric, verdict, severity, baseline, current, change_pct FROM e2e.verdicts"
	  " WHERE run_id = $1 ORDER BY endpoint, metric",
	  verdicts_rows },
	{ "SELECT confirms_uuid FROM e2e.run_confirms WHERE run_id = $1", confirms_rows },
	{ "SELECT comparison_uuid, side, round FROM e2e.ab_runs WHERE run_id = $1", ab_rows },
	{ "SELECT kind, label, endpoint, path, base_share, share FROM e2e.run_cpu WHERE run_id = $1"
	  " ORDER BY kind, rank",
	  cpu_rows },
};

static int extras_load(struct e2e_pg *pg, struct e2e_pg_run *r)
{
	struct num rid = i64(r->run.id);
	const char *v[] = { rid.s };
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(extras_tables) / sizeof(extras_tables[0]); i++) {
		PGresult *res = NULL;

		rc = exec_params(pg, extras_tables[i].sql, 1, v, &res, "cannot read the run");
		if (rc == 0)
			extras_tables[i].rows(res, PQntuples(res), r);
		PQclear(res);
	}
	return rc;
}

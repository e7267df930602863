/* store_pg.c - the team store on PostgreSQL (libpq). See store_pg.h. */
#include "store_pg.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "redact.h"
#include "banned.h"

struct e2e_pg {
	PGconn *conn;
	char *name; /* the URL, password redacted */
};

/* Samples go in chunks of at most this many, each one bytea of fixed-width
 * little-endian columns (format 1, below). */
#define CHUNK_SAMPLES 65536
#define CHUNK_FORMAT 1
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

static const char *const *const pg_migrations[] = { NULL, pg_schema_v1 };
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

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
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

static uint64_t sample_field(const struct e2e_sample *s, size_t col)
{
	switch (col) {
	case 0:
		return s->start_ns;
	case 1:
		return s->path_id;
	case 2:
		return s->status;
	case 3:
		return s->error;
	case 4:
		return s->test_id;
	case 5:
		return s->ttfb_us;
	case 6:
		return s->total_us;
	case 7:
		return s->proxy_us;
	case 8:
		return s->req_bytes;
	default:
		return s->resp_bytes;
	}
}

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

/* Column-major: all start_ns, then all path_id...: compresses well (TOAST). */
static void chunk_encode(const struct e2e_sample *s, size_t n, uint8_t *out)
{
	for (size_t c = 0; c < NCOLS; c++)
		for (size_t i = 0; i < n; i++, out += widths[c])
			put_le(out, sample_field(&s[i], c), widths[c]);
}

static void chunk_decode(const uint8_t *in, size_t n, struct e2e_sample *s)
{
	for (size_t c = 0; c < NCOLS; c++)
		for (size_t i = 0; i < n; i++, in += widths[c])
			sample_set(&s[i], c, get_le(in, widths[c]));
}

static int push_rows(struct e2e_pg *pg, const struct e2e_pg_run *r, const struct e2e_pg_summary *sums,
		     size_t nsums, const char *id)
{
	uint8_t *chunk = e2e_xmalloc((size_t)CHUNK_SAMPLES * SAMPLE_BYTES);
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
	for (size_t at = 0, seq = 0; rc == 0 && at < r->nsamples; at += CHUNK_SAMPLES, seq++) {
		size_t n = r->nsamples - at < CHUNK_SAMPLES ? r->nsamples - at : CHUNK_SAMPLES;
		struct num sq = u64(seq), nn = u64(n), fmt = i64(CHUNK_FORMAT);
		const char *v[] = { id, sq.s, nn.s, fmt.s, (const char *)chunk };
		const int len[] = { 0, 0, 0, 0, (int)(n * SAMPLE_BYTES) };
		const int bin[] = { 0, 0, 0, 0, 1 };
		PGresult *res;

		chunk_encode(r->samples + at, n, chunk);
		res = PQexecParams(pg->conn,
				   "INSERT INTO e2e.sample_chunks (run_id, seq, n, format, data)"
				   " VALUES ($1, $2, $3, $4, $5)",
				   5, NULL, v, len, bin, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(pg, E2E_ERR_RUNTIME, "cannot write the run's samples");
		PQclear(res);
	}
	free(chunk);
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

int e2e_pg_run_load(struct e2e_pg *pg, struct e2e_pg_run *r)
{
	struct num id = i64(r->run.id);
	const char *v[] = { id.s };
	PGresult *res = NULL;
	size_t total = 0;
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
		res = PQexecParams(
			pg->conn,
			"SELECT n, format, data FROM e2e.sample_chunks WHERE run_id = $1 ORDER BY seq", 1,
			NULL, v, NULL, NULL, 1);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			rc = pg_fail(pg, E2E_ERR_RUNTIME, "cannot read the run's samples");
	}
	for (int i = 0; rc == 0 && i < PQntuples(res); i++)
		total += (size_t)get_be32((const uint8_t *)PQgetvalue(res, i, 0));
	if (rc == 0) {
		r->samples = e2e_xcalloc(total + 1, sizeof(*r->samples));
		for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
			size_t n = get_be32((const uint8_t *)PQgetvalue(res, i, 0));
			uint16_t fmt = (uint16_t)get_be16((const uint8_t *)PQgetvalue(res, i, 1));

			if (fmt != CHUNK_FORMAT || (size_t)PQgetlength(res, i, 2) != n * SAMPLE_BYTES)
				rc = e2e_error(E2E_ERR_RUNTIME,
					       "%s: run %" PRId64 ": a sample chunk of unknown format",
					       pg->name, r->run.id);
			else
				chunk_decode((const uint8_t *)PQgetvalue(res, i, 2), n,
					     r->samples + r->nsamples);
			r->nsamples += n;
		}
	}
	PQclear(res);
	if (rc == 0)
		rc = exec0(pg, "COMMIT", "cannot end the transaction");
	else
		rollback(pg);
	return rc;
}

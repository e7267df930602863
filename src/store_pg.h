/* store_pg.h - the team store on PostgreSQL (SPEC section 13): the only
 * module that includes libpq. Runs are copied whole, each in one
 * transaction keyed by its UUID; per-run per-endpoint summaries are plain
 * columns for SQL and dashboards, raw samples chunks of bytea. Every
 * statement is parameterised. */
#ifndef E2E_STORE_PG_H
#define E2E_STORE_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "resources.h"
#include "sample.h"

struct e2e_pg;
struct e2e_cpu_profile;

/* The schema version of the tables this e2e writes and reads. */
#define E2E_PG_VERSION 4

/* Whether s names a PostgreSQL store (a postgresql:// or postgres:// URI;
 * libpq's PG* environment variables fill in what it leaves out). */
bool e2e_pg_is_url(const char *s);

enum e2e_pg_flags {
	E2E_PG_INIT = 1 << 0, /* no store there yet is fine (e2e store init) */
};

/* Connects. A URL that is not a PostgreSQL URI or is malformed, a
 * database without the store (unless INIT), holding another
 * application's "e2e" schema or a newer schema version: E2E_ERR_INPUT,
 * nothing written. A server that cannot be reached or refuses the
 * credentials: E2E_ERR_RUNTIME with libpq's reason. Caller closes. */
int e2e_pg_open(const char *url, int flags, struct e2e_pg **out);
/* Accepts NULL. */
void e2e_pg_close(struct e2e_pg *pg);
/* The URL with any password redacted, for messages. */
const char *e2e_pg_name(const struct e2e_pg *pg);

/* Creates or migrates the schema and the roles writer (may only insert
 * and read the tool's tables: CI credentials) and reader (may only read:
 * dashboards), NOLOGIN roles made when missing, granted to login roles by
 * an administrator. Needs the database's owner (and CREATEROLE for new
 * roles). *created: the schema was new; *from: its version before. */
int e2e_pg_init(struct e2e_pg *pg, const char *writer, const char *reader, bool *created, int *from);

/* One endpoint's figures in a run, as the summary row holds them. */
struct e2e_pg_summary {
	const char *endpoint; /* "GET /users/{id}" */
	uint64_t n, errors;
	double mean_ms, p50_ms, p90_ms, p95_ms, p99_ms, max_ms;
	const char *histogram; /* e2e_hist_encode() */
};

/* What the local store keeps with a run besides its samples (schema v2
 * of the team store), pushed and fetched with it. Owned by the run
 * (e2e_pg_run_finish). */
struct e2e_pg_extras {
	struct e2e_run_note *notes; /* v5 */
	size_t nnotes;
	struct e2e_res_sample *res; /* v6: resource samples, oldest first */
	size_t nres;
	struct e2e_res_info res_info; /* source NULL: none */
	struct e2e_test *tests; /* v10/v11, by id */
	size_t ntests;
	struct e2e_templating templating; /* rules_version 0: none recorded */
	struct e2e_run_verdict *verdicts; /* the gate's, when it was judged */
	size_t nverdicts;
	/* v4: the run's links by the other runs' UUIDs ("" none), and its
	 * CPU profile (cpu_report.h; NULL: none, run_id unused) */
	char confirms[37]; /* the run a --confirm re-run confirms */
	char ab_comparison[37]; /* the first run of its perf-ab comparison */
	char ab_side; /* 'A' or 'B' */
	uint32_t ab_round;
	struct e2e_cpu_profile *cpu;
};

/* A run as it is pushed and fetched. */
struct e2e_pg_run {
	char uuid[37];
	struct e2e_run run; /* run.id: the store's id */
	struct e2e_path *paths; /* the run's mapping, path_id ascending */
	size_t npaths;
	struct e2e_sample *samples; /* recording order */
	size_t nsamples;
	struct e2e_pg_extras x; /* run.disturbance* go with them */
	/* The same samples as the local store's chunks (sample.h): a push
	 * writes these; a fetch fills these in instead of samples for a run
	 * pushed so. chunk_storage: what a fetch's chunks point into. */
	struct e2e_sample_chunk *chunks;
	size_t nchunks;
	uint8_t *chunk_storage;
};

/* Frees what a fetch filled in; accepts NULL. */
void e2e_pg_run_finish(struct e2e_pg_run *r);

/* Makes the gate's verdicts on run id of the store exactly v: for a run
 * judged after it was pushed. When the store has these already nothing
 * is written (*changed false); to a run without verdicts they are only
 * inserted, which the writer role may do; other verdicts are replaced
 * (a DELETE: the owner's right). */
int e2e_pg_verdicts_set(struct e2e_pg *pg, int64_t id, const struct e2e_run_verdict *v, size_t n,
			bool *changed);

/* The id of the run of this UUID in the store; 0 when it has none. */
int e2e_pg_find(struct e2e_pg *pg, const char *uuid, int64_t *id);

/* Writes the run (r->run.id ignored), its paths, samples and summaries in
 * one transaction; a run of that UUID already there is left as it is and
 * *created is false. *id: the run's id in the store. */
int e2e_pg_push(struct e2e_pg *pg, const struct e2e_pg_run *r, const struct e2e_pg_summary *sums,
		size_t nsums, bool *created, int64_t *id);

/* The newest limit runs (0: all) of service (all when NULL), newest
 * first, without paths or samples; since_ms bounds their start (0: no
 * bound), branch their git branch (NULL: any). Caller frees each with
 * e2e_pg_run_finish() and *out. */
int e2e_pg_runs_list(struct e2e_pg *pg, const char *service, const char *branch, int64_t since_ms,
		     size_t limit, struct e2e_pg_run **out, size_t *n);
/* Fills in r's paths and samples (r from e2e_pg_runs_list). */
int e2e_pg_run_load(struct e2e_pg *pg, struct e2e_pg_run *r);

#endif

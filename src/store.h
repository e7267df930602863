/* store.h - the SQLite store: the only module that holds SQL.
 *
 * One file (WAL, busy timeout, several processes at once), schema migrated
 * on PRAGMA user_version, prepared statements only. Raw samples are kept,
 * packed compactly per batch (<= 40 bytes per request on disk). */
#ifndef E2E_STORE_H
#define E2E_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "resources.h"
#include "sample.h"

struct e2e_store;

enum e2e_store_flags {
	E2E_STORE_READONLY = 1 << 0, /* never create, never write (but see below) */
	E2E_STORE_CREATE = 1 << 1, /* create the file (mode 0600) and parents */
	E2E_STORE_SCRATCH = 1 << 2, /* a private copy thrown away after use: nothing is synced to disk */
};

/* Opens (and creates/migrates unless READONLY) the database. A file that is
 * not an e2e database, or has a newer schema version, is left untouched:
 * E2E_ERR_INPUT naming it. A missing file with READONLY (or without
 * CREATE): E2E_ERR_RUNTIME ("no database at '...'"). A READONLY open of an
 * older schema migrates it first when the file is writable; one that is not
 * is read as it is when it has schema version 2 (reports as that e2e made
 * them), else E2E_ERR_RUNTIME. Caller closes. */
int e2e_store_open(const char *path, int flags, struct e2e_store **out);
/* Accepts NULL. */
void e2e_store_close(struct e2e_store *st);
const char *e2e_store_path(const struct e2e_store *st);

/* Inserts a run (id, ended_ms, counts and complete are ignored) and
 * returns its id. The handle holds the run's lease until
 * e2e_store_run_end() marks it complete or the handle is closed (or the
 * process ends): prune never removes a run whose lease is held. */
int e2e_store_run_begin(struct e2e_store *st, const struct e2e_run *r, int64_t *out_id);
/* As e2e_store_run_begin, under r->id (> 0; a copy of a run from a team
 * store keeps its id there): E2E_ERR_RUNTIME when the id is taken. */
int e2e_store_run_begin_as(struct e2e_store *st, const struct e2e_run *r, int64_t *out_id);
/* A run's UUID, its identity in a team store (SPEC section 13): given to
 * the run (version 4, random) the first time it is asked for. */
#define E2E_STORE_UUID_LEN 36
int e2e_store_run_uuid(struct e2e_store *st, int64_t run_id, char out[E2E_STORE_UUID_LEN + 1]);
/* Sets it (a copy of a run keeps its UUID). */
int e2e_store_run_uuid_set(struct e2e_store *st, int64_t run_id, const char *uuid);
/* Progress written with every batch so that a killed run keeps counts. */
int e2e_store_run_progress(struct e2e_store *st, int64_t run_id, uint64_t recorded, uint64_t dropped,
			   uint32_t max_concurrency);
/* Links a --confirm re-run to first_id, the run whose regressions it
 * was made to confirm (the runs table's confirms column). */
int e2e_store_run_confirms(struct e2e_store *st, int64_t run_id, int64_t first_id);
/* Records that lost of the run's dropped requests (all causes) could not
 * be stored, and the first cause; written when a batch fails (in its own
 * transaction, the failed one being rolled back) so that a run that is
 * killed later keeps it. */
int e2e_store_run_loss(struct e2e_store *st, int64_t run_id, uint64_t dropped, uint64_t lost,
		       enum e2e_loss cause);
/* After a write failed for lack of room: moves what the WAL holds into the
 * database where it can (a passive checkpoint, waiting for no one), so
 * that the next write starts the WAL over and a small one (the run's
 * loss) may still fit. Outside a transaction. */
int e2e_store_make_room(struct e2e_store *st);
/* Why the last failing call since e2e_store_begin() failed, for the
 * caller that counts what it could not store: disk full, locked, I/O
 * error...; E2E_LOSS_OTHER when nothing more precise is known. */
enum e2e_loss e2e_store_fault(const struct e2e_store *st);
/* Final update: ended_ms, duration_ns, exit_status, max_concurrency,
 * recorded, dropped, lost, lost_cause, complete, taken from r (by r->id). */
int e2e_store_run_end(struct e2e_store *st, const struct e2e_run *r);
/* E2E_ERR_INPUT "no run N" when absent. */
int e2e_store_run_get(struct e2e_store *st, int64_t id, struct e2e_run *out);
/* Runs of a service (all services when NULL), newest first. Caller frees
 * with e2e_store_runs_free(). */
int e2e_store_runs_list(struct e2e_store *st, const char *service, struct e2e_run **out, size_t *n);
void e2e_store_runs_free(struct e2e_run *runs, size_t n);

/* Records that run_id is the run of side ('A' or 'B') in round (from 1)
 * of the perf-ab comparison whose first run is comparison. */
int e2e_store_ab_link(struct e2e_store *st, int64_t run_id, int64_t comparison, char side, uint32_t round);

/* A run's links to other runs: the run a --confirm re-run confirms
 * (confirms, 0: none) and its perf-ab comparison (comparison 0: none);
 * a link to a run no longer here (pruned) is 0. All zero from a schema
 * older than v9. E2E_ERR_INPUT "no run N". */
struct e2e_run_links {
	int64_t confirms;
	int64_t comparison;
	char side; /* 'A' or 'B' */
	uint32_t round;
};
int e2e_store_run_links_get(struct e2e_store *st, int64_t run_id, struct e2e_run_links *out);
/* The id of the run of this UUID; 0 when the store has none. */
int e2e_store_run_by_uuid(struct e2e_store *st, const char *uuid, int64_t *id);

/* Batches: everything between begin and commit is one transaction
 * (BEGIN IMMEDIATE, retried under the busy timeout). */
int e2e_store_begin(struct e2e_store *st);
int e2e_store_commit(struct e2e_store *st);
/* Accepts a store with no open transaction. */
void e2e_store_rollback(struct e2e_store *st);

/* Returns the id of the raw path (method, path), creating it if new (ids
 * are shared by all runs and stable for the life of the database), and
 * records that run_id counts it under endpoint. The endpoint belongs to the
 * run: another run may map the same path elsewhere, but a run maps a path
 * once (E2E_ERR_INPUT when it already maps it to another endpoint).
 * E2E_ERR_INPUT "no run N" when the run does not exist. */
int e2e_store_path_intern(struct e2e_store *st, int64_t run_id, const char *method, const char *path,
			  const char *endpoint, uint32_t *out_id);

/* The mapping a run's samples were recorded under: every path it interned
 * with the run's endpoint for it, ascending id (none for an unknown run).
 * From a schema v2 file opened read-only (see e2e_store_open) every path
 * with the one endpoint that file holds for it. Caller frees with
 * e2e_store_paths_free(). */
int e2e_store_run_paths_load(struct e2e_store *st, int64_t run_id, struct e2e_path **out, size_t *n);
void e2e_store_paths_free(struct e2e_path *paths, size_t n);

/* Stores t for run_id (the routes text once per SHA-256 in the file).
 * E2E_ERR_INPUT "no run N" when absent. */
int e2e_store_run_templating_set(struct e2e_store *st, int64_t run_id, const struct e2e_templating *t);
/* Caller finishes *out. E2E_ERR_INPUT "no run N" when absent. */
int e2e_store_run_templating_get(struct e2e_store *st, int64_t run_id, struct e2e_templating *out);

/* Adds notes to run_id (a note of the same kind and name adds its count).
 * E2E_ERR_INPUT "no run N" when absent. */
int e2e_store_run_notes_add(struct e2e_store *st, int64_t run_id, const struct e2e_run_note *notes, size_t n);
/* The run's notes, by kind then name, kinds this version does not know
 * left out; none from a schema older than v5. Caller frees with
 * e2e_run_notes_free. E2E_ERR_INPUT "no run N" when absent. */
int e2e_store_run_notes_load(struct e2e_store *st, int64_t run_id, struct e2e_run_note **out, size_t *n);

/* A run's CPU profile (cpu_report.h): save replaces what the run had;
 * load sets *out NULL when the run has none (or the schema predates v13),
 * else caller destroys with e2e_cpu_profile_destroy. E2E_ERR_INPUT "no run
 * N" when absent. */
struct e2e_cpu_profile;
int e2e_store_cpu_profile_save(struct e2e_store *st, const struct e2e_cpu_profile *p);
int e2e_store_cpu_profile_load(struct e2e_store *st, int64_t run_id, struct e2e_cpu_profile **out);

/* Appends samples to a run (inside the caller's transaction if one is
 * open, else in its own). */
int e2e_store_append(struct e2e_store *st, int64_t run_id, const struct e2e_sample *s, size_t n);
/* All samples of a run in recording order. Caller frees *out. */
/* A run's resource samples and what they are of (resources.h), stored in
 * one transaction (or the caller's); replaces any stored before. */
int e2e_store_resources_save(struct e2e_store *st, int64_t run_id, const struct e2e_res_sample *r, size_t n,
			     const struct e2e_res_info *info);
/* Records how --serve's service ended with the run's resources (a run
 * without any: nothing). */
int e2e_store_resources_serve_end(struct e2e_store *st, int64_t run_id, const char *how);
/* Loads them, oldest first (*out: caller frees; info: caller finishes).
 * A run without any, or a database older than v6: 0, *n = 0 and an info
 * with NULL strings. */
int e2e_store_resources_load(struct e2e_store *st, int64_t run_id, struct e2e_res_sample **out, size_t *n,
			     struct e2e_res_info *info);
int e2e_store_samples_load(struct e2e_store *st, int64_t run_id, struct e2e_sample **out, size_t *n);

/* A run's samples as the store keeps them (the encoding store.c
 * describes), for copying a run to the team store and back without
 * decoding: v[i].data points into storage. */
struct e2e_store_chunks {
	struct e2e_sample_chunk *v; /* in recording order */
	size_t n;
	size_t nsamples; /* summed over v */
	uint8_t *storage;
};
/* Loads run_id's chunks (each one checked to be well-formed). Caller
 * finishes *out with e2e_store_chunks_free (which accepts NULL).
 * E2E_ERR_INPUT "no run N" when absent, or for a corrupt chunk. */
int e2e_store_chunks_load(struct e2e_store *st, int64_t run_id, struct e2e_store_chunks *out);
void e2e_store_chunks_free(struct e2e_store_chunks *c);
/* Decodes n chunks into out (room for all their samples); E2E_ERR_INPUT
 * for a malformed one. */
int e2e_store_chunks_decode(const struct e2e_sample_chunk *c, size_t n, struct e2e_sample *out);
/* Appends chunks of another store's run to run_id with every path id p
 * replaced by map[p] (nmap entries; 0 maps to 0, any other id without an
 * entry is E2E_ERR_INPUT), inside the caller's transaction if one is
 * open. */
int e2e_store_append_chunks(struct e2e_store *st, int64_t run_id, const struct e2e_sample_chunk *c, size_t n,
			    const uint32_t *map, size_t nmap);

/* Applies a run's test events (sample.h) in order, inside the caller's
 * transaction if one is open: BEGIN adds test id with its name (again:
 * nothing), END sets its status and end and adds the duration. */
int e2e_store_tests_add(struct e2e_store *st, int64_t run_id, const struct e2e_test_event *ev, size_t n);
/* A run's tests by id (none for a run without, or a schema before v5).
 * Caller frees with e2e_store_tests_free(). */
int e2e_store_tests_load(struct e2e_store *st, int64_t run_id, struct e2e_test **out, size_t *n);
void e2e_store_tests_free(struct e2e_test *tests, size_t n);
/* Stores what --junit read (schema v11): per test its id (a new id adds
 * the test), name, classname and junit_ns; status where the markers gave
 * none. */
int e2e_store_tests_junit(struct e2e_store *st, int64_t run_id, const struct e2e_test *t, size_t n);

/* Replaces the run's verdicts (the caller's transaction if one is open).
 * E2E_ERR_INPUT "no run N" when absent. */
int e2e_store_verdicts_save(struct e2e_store *st, int64_t run_id, const struct e2e_run_verdict *v, size_t n);
/* By endpoint then metric; none for a run never judged or a schema
 * before v13. Caller frees with e2e_store_verdicts_free(). */
int e2e_store_verdicts_load(struct e2e_store *st, int64_t run_id, struct e2e_run_verdict **out, size_t *n);
void e2e_store_verdicts_free(struct e2e_run_verdict *v, size_t n);

/* Whether run_id's lease is held (by any handle, this one too): the run
 * is being recorded. E2E_ERR_RUNTIME when that cannot be told. */
int e2e_store_run_live(struct e2e_store *st, int64_t run_id, bool *live);

/* Removes runs of service (all when NULL) and their samples in one
 * transaction: all but the newest keep runs of each service, or those
 * started before before_ms. A run being recorded is never removed (see
 * e2e_store_run_live(); when the leases cannot be read, no incomplete run
 * is). *removed gets the number of runs removed. */
int e2e_store_prune_keep(struct e2e_store *st, const char *service, size_t keep, size_t *removed);
int e2e_store_prune_older(struct e2e_store *st, const char *service, int64_t before_ms, size_t *removed);

#endif

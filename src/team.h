/* team.h - runs between the local SQLite store and the team store on
 * PostgreSQL (SPEC section 13): push a recorded run, fetch runs into a
 * SQLite store so that every report reads them as it reads its own. */
#ifndef E2E_TEAM_H
#define E2E_TEAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e2e_pg;
struct e2e_store;

/* What a push did with a run. */
enum e2e_team_pushed {
	E2E_TEAM_PUSHED, /* written */
	E2E_TEAM_THERE, /* pg had it: nothing written */
	E2E_TEAM_VERDICTS, /* pg had it; the gate's verdicts on it written */
};

/* Copies run run_id of st (its UUID given if it has none), with its
 * per-endpoint summaries, to pg in one transaction. A run pg already has
 * is not written again, but its verdicts are when st has others (judged
 * after it was pushed). *pg_id: its id in pg. */
int e2e_team_push_run(struct e2e_pg *pg, struct e2e_store *st, int64_t run_id, enum e2e_team_pushed *how,
		      int64_t *pg_id);

/* What a fetch takes. */
struct e2e_team_select {
	const char *service; /* NULL: all */
	const char *branch; /* NULL: any */
	int64_t since_ms; /* 0: any start */
	size_t limit; /* newest runs; 0: all */
	int64_t run_id; /* > 0: only this run (the others ignored) */
	bool samples; /* with paths and samples (else the run rows only) */
	size_t history; /* also up to this many runs before the oldest selected
			 * one (the runs a report's trend draws on) */
};

/* Copies the runs sel names from pg into dst (a new, empty store) under
 * their pg ids and UUIDs. *n: how many. */
int e2e_team_fetch(struct e2e_pg *pg, const struct e2e_team_select *sel, struct e2e_store *dst, size_t *n);

/* The service of the newest run in pg (NULL when it has none). Caller
 * frees. */
int e2e_team_latest_service(struct e2e_pg *pg, char **service);

#endif

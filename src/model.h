/* model.h - the plain records the store loads and the analysis, the
 * renderers and hostinfo read: a run and an interned path. No I/O here;
 * the store (store.h) reads and writes them. */
#ifndef E2E_MODEL_H
#define E2E_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why requests of a run could not be stored: the store's failure. */
enum e2e_loss {
	E2E_LOSS_NONE,
	E2E_LOSS_DISK_FULL, /* no space left on the device, or a file size limit */
	E2E_LOSS_LOCKED, /* the database stayed locked past the busy timeout */
	E2E_LOSS_IO, /* an I/O error */
	E2E_LOSS_READONLY, /* the database became read-only */
	E2E_LOSS_DAMAGED, /* a damaged database or schema */
	E2E_LOSS_GONE, /* the run was removed from the database */
	E2E_LOSS_OTHER, /* any other database error */
	E2E_LOSS__COUNT
};

/* The key stored with a run ("disk_full"; "" for NONE), and back
 * (E2E_LOSS_OTHER for a key this e2e does not know). */
const char *e2e_loss_key(enum e2e_loss l);
enum e2e_loss e2e_loss_from_key(const char *key);
/* For people: "disk full", "database locked", ... ("" for NONE). */
const char *e2e_loss_text(enum e2e_loss l);

/* One run. Strings are owned by the struct (e2e_run_finish frees them);
 * "" rather than NULL for unknown text, -1 for an unknown exit status. */
struct e2e_run {
	int64_t id;
	char *service;
	int64_t started_ms; /* wall clock, Unix ms */
	int64_t ended_ms; /* 0 while running or when it never finished */
	uint64_t duration_ns; /* monotonic duration of the capture */
	char *command; /* wrapped command line, "" in session mode */
	int exit_status; /* wrapped command's status; -1 unknown */
	char *git_commit;
	char *git_branch;
	char *host_cpu;
	int host_cores;
	char *host_os;
	char *tool_version;
	char *source; /* "proxy" or "har:NAME sha256:HEX" */
	char *target; /* upstream URL, "" for imports */
	uint32_t max_concurrency;
	uint64_t recorded;
	uint64_t dropped; /* requests not recorded, whatever the cause */
	uint64_t lost; /* of dropped: those the store failed to write */
	enum e2e_loss lost_cause; /* why (the first failure); NONE when lost is 0 */
	bool complete; /* finished normally */
	/* How disturbed the runner was (disturb.h): the probe's run-queue wait
	 * per ms of its CPU time, over disturbance_probes bursts; 0 probes:
	 * not measured (an older run, an import, no schedstat). */
	double disturbance;
	uint64_t disturbance_probes;
};

/* Frees the strings and zeroes r; accepts NULL. */
void e2e_run_finish(struct e2e_run *r);

/* One (method, path) the store has interned; endpoint is its template
 * key in one run's mapping (the endpoint belongs to the run). Strings
 * owned by the array's owner (e2e_store_paths_free). */
struct e2e_path {
	uint32_t id;
	char *method;
	char *path;
	char *endpoint;
};

/* One test of a run (SPEC section 11), as its markers and named requests
 * told the proxy. Strings owned (e2e_store_tests_free). */
struct e2e_test {
	uint32_t id; /* the samples' test_id */
	char *name;
	char *status; /* "passed", "failed", "skipped", "error", ...; "" when it never ended */
	uint64_t started_ns; /* first seen: start marker or first named request, from the run's start */
	uint64_t ended_ns; /* last end marker; 0 when none */
	uint64_t duration_ns; /* start to end marker, summed over its starts; 0 when unknown */
	char *classname; /* from --junit; NULL or "" when none */
	uint64_t junit_ns; /* the JUnit file's duration of it; 0 when none */
};

/* How a run's raw paths became endpoints (SPEC section 10), so a later
 * reader knows which rules and routes file it used. Strings are owned
 * (e2e_templating_finish frees them). */
struct e2e_templating {
	int rules_version; /* E2E_TEMPLATE_RULES when recorded; 0 unknown (from before schema v3) */
	char *routes_name; /* the --routes file as given; "" without one */
	char *routes_sha256; /* hex SHA-256 of its bytes; "" without one */
	char *routes_text; /* its bytes, NUL-terminated; NULL without a routes file */
	size_t routes_len;
};

/* Frees the strings and zeroes t; accepts NULL. */
void e2e_templating_finish(struct e2e_templating *t);

/* Something a run's capture counted but did not record as requests, kept
 * with the run so every later report says it: a HAR import's browser-cache
 * hits (they never reached the service), its entries for other hosts than
 * --host, and, when it recorded several hosts, the requests per host. */
enum e2e_note_kind {
	E2E_NOTE_CACHE_HITS, /* name "" */
	E2E_NOTE_OTHER_HOSTS, /* name "" */
	E2E_NOTE_HOST, /* name: "host" or "host:port" */
	E2E_NOTE_REPLAY_LATE, /* perf-replay: requests sent over 1 ms late; name "" */
	E2E_NOTE_REPLAY_SKIPPED, /* perf-replay: arrivals not sent (--max-in-flight); name "" */
	E2E_NOTE__COUNT
};

struct e2e_run_note {
	enum e2e_note_kind kind;
	char *name; /* owned */
	uint64_t count;
};

/* The stored key of a kind ("cache_hits", "other_hosts", "host"); parse
 * returns -1 for a key this version does not know (a newer tool's). */
const char *e2e_note_key(enum e2e_note_kind k);
int e2e_note_parse(const char *key, enum e2e_note_kind *out);
/* Frees the names and the array; accepts NULL. */
void e2e_run_notes_free(struct e2e_run_note *notes, size_t n);

/* One verdict of the gate on a run (schema v13; the team store's
 * e2e.verdicts row): per endpoint and metric ("p95"), e2e_verdict_name()
 * and e2e_severity_name() text; NAN for a figure it has not. Strings
 * owned (e2e_store_verdicts_free,
 * e2e_pg_extras_finish). */
struct e2e_run_verdict {
	char *endpoint;
	char *metric;
	char *verdict;
	char *severity;
	double baseline, current, change_pct;
};

#endif

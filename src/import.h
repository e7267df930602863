/* import.h - perf-profile --import: a HAR file recorded as one run.
 *
 * har.c reads and validates the file into captures; this records them
 * through the same run life cycle as a proxied capture (recorder.h: begin,
 * the captures in batches of E2E_CAPTURE_BATCH_MAX, end), so an imported
 * run is stored, templated and counted like a proxied one. */
#ifndef E2E_IMPORT_H
#define E2E_IMPORT_H

#include <stdint.h>

struct e2e_har;
struct e2e_store;
struct e2e_run;
struct e2e_routes;

/* Records h as one run. run is the caller's description (service, git_*,
 * host_*, tool_version, command "" and target "" for imports); this fills
 * started_ms, ended_ms, duration_ns, max_concurrency and source
 * (replacing and freeing the old string) from h, and exit_status -1, then
 * begins the run (run->id), adds the requests in start order and ends it
 * complete with its counts. A file without requests is stored as a run
 * with zero requests (the command decides what that means, e.g. exit 4
 * for --compare-baseline). routes may be NULL. Store failures are
 * E2E_ERR_RUNTIME (a run that fails half-way stays incomplete, like a
 * killed proxy run). *out_run_id is written on success. */
int e2e_import_har(const struct e2e_har *h, struct e2e_store *st, struct e2e_run *run,
		   const struct e2e_routes *routes, int64_t *out_run_id);

/* e2e_har_load + e2e_import_har: a file that fails to load (har.h: any
 * error in it) writes nothing. (Call the two yourself to see
 * e2e_har_stats() before storing.) */
int e2e_import_har_file(const char *path, struct e2e_store *st, struct e2e_run *run,
			const struct e2e_routes *routes, int64_t *out_run_id);

#endif

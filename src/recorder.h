/* recorder.h - turns captures into stored samples: templates each request
 * (explicit routes first, automatic otherwise), interns (method, path) in
 * the store with this run's endpoint for it, appends the samples and the
 * run's progress in one transaction per call; the first call also stores
 * the run's templating (rules version, routes file). Used by the capture
 * writer thread and by the HAR importer; it owns no thread itself.
 *
 * It also holds the life cycle of a recorded run, the same for a proxied
 * capture and an import: e2e_recorder_begin() inserts the run and creates
 * its recorder, e2e_recorder_add() stores each batch (and the run's
 * progress), e2e_recorder_end() writes the run's final row. A run that
 * never reaches the end stays incomplete in the store, with the counts of
 * its last batch, like a killed capture. */
#ifndef E2E_RECORDER_H
#define E2E_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "resources.h"
#include "sample.h"

struct e2e_store;
struct e2e_routes;
struct e2e_run;
struct e2e_recorder;

/* routes may be NULL. The store and routes must outlive the recorder. */
int e2e_recorder_create(struct e2e_store *st, int64_t run_id, const struct e2e_routes *routes,
			struct e2e_recorder **out);
void e2e_recorder_destroy(struct e2e_recorder *r);

/* Inserts run (its description and started_ms; e2e_store_run_begin),
 * sets run->id and creates its recorder. Nothing is created on failure. */
int e2e_recorder_begin(struct e2e_store *st, struct e2e_run *run, const struct e2e_routes *routes,
		       struct e2e_recorder **out);
/* Sets run->recorded (what r stored), run->dropped (dropped, the requests
 * lost before they reached r, plus what r failed to store), run->lost and
 * run->lost_cause (what r failed to store, and why) and run->complete,
 * then writes the final row: those and ended_ms, duration_ns, exit_status
 * and max_concurrency as the caller set them (e2e_store_run_end). The
 * counts are set even when the write fails. */
int e2e_recorder_end(struct e2e_recorder *r, struct e2e_run *run, uint64_t dropped);

/* Stores n captures in one transaction together with the run's progress
 * (recorded count, dropped: the caller's count plus what the store lost,
 * peak concurrency). On failure nothing of this call is stored, the
 * captures are counted as lost, and the loss and its first cause (disk
 * full, locked, ...) go into the run's record if the store still takes
 * that; the error returned is the batch's. */
int e2e_recorder_add(struct e2e_recorder *r, const struct e2e_capture *caps, size_t n, uint64_t dropped,
		     uint32_t max_concurrency);

/* The same, with the batch's test events (stored first, in order). */
int e2e_recorder_add_tests(struct e2e_recorder *r, const struct e2e_capture *caps, size_t n,
			   const struct e2e_test_event *ev, size_t nev, uint64_t dropped,
			   uint32_t max_concurrency);

/* Stores the service's resource samples taken so far and what they are
 * of (e2e_store_resources_save), so that a run killed later keeps them. */
int e2e_recorder_add_resources(struct e2e_recorder *r, const struct e2e_res_sample *res, size_t n,
			       const struct e2e_res_info *info);

/* Live figures for the progress line; safe to call from another thread
 * (a lock taken once per call, never per request). */
struct e2e_recorder_progress {
	uint64_t recorded;
	uint64_t errors; /* transport errors and 5xx */
	size_t endpoints;
	double p95_ms; /* over the whole run so far (histogram, <= 1 % error) */
};
void e2e_recorder_progress(struct e2e_recorder *r, struct e2e_recorder_progress *out);

uint64_t e2e_recorder_recorded(const struct e2e_recorder *r); /* stored so far */
uint64_t e2e_recorder_lost(const struct e2e_recorder *r); /* failed to store */
/* Why the first of those failed; E2E_LOSS_NONE when none did. */
enum e2e_loss e2e_recorder_loss_cause(const struct e2e_recorder *r);

#endif

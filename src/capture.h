/* capture.h - hands captured requests from the proxy's thread to the one
 * writer thread in batches: never a wake-up per request, never a wait on
 * SQLite on the request path.
 *
 * The producer (the proxy's event loop, one thread) fills a batch with
 * e2e_capture_batch_add() and submits it when full or on its periodic tick;
 * the sampler's thread submits batches of resource samples the same way;
 * the writer thread calls the consumer for each batch, in order, and
 * recycles it. The number of batches is bounded: when none is free the
 * producer counts the request as dropped (stored and printed, never silent). */
#ifndef E2E_CAPTURE_H
#define E2E_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resources.h"
#include "sample.h"

#define E2E_CAPTURE_BATCH_MAX 1024 /* captures per batch */
#define E2E_CAPTURE_ARENA (256 * 1024) /* method + path bytes per batch */
#define E2E_CAPTURE_EVENTS_MAX 256 /* test events per batch */
#define E2E_CAPTURE_RES_MAX 256 /* the service's resource samples per batch */

/* A batch's test events come before its captures: a capture's test id
 * has its BEGIN in the same batch or an earlier one. */
struct e2e_capture_batch {
	struct e2e_capture caps[E2E_CAPTURE_BATCH_MAX];
	size_t n;
	struct e2e_test_event events[E2E_CAPTURE_EVENTS_MAX];
	size_t nevents;
	size_t arena_used;
	char arena[E2E_CAPTURE_ARENA];
	/* the sampler's (sampler.h), in a batch of their own: res_info is
	 * what they are of so far, its strings NULL (the consumer knows them) */
	struct e2e_res_sample res[E2E_CAPTURE_RES_MAX];
	size_t nres;
	struct e2e_res_info res_info;
};

/* Copies method and path (query removed by the caller; a long one cut as
 * e2e_sample_path_keep() says, with the mark) into the batch.
 * Returns false when the batch is full (submit it and take another). */
bool e2e_capture_batch_add(struct e2e_capture_batch *b, const struct e2e_sample *s, const char *method,
			   size_t method_len, const char *path, size_t path_len);

/* Copies a test event (its text into the batch's arena). Returns false
 * when the batch is full (submit it and take another). */
bool e2e_capture_batch_event(struct e2e_capture_batch *b, const struct e2e_test_event *ev);

/* Called on the writer thread for each batch, in submission order. */
typedef void (*e2e_capture_consume_fn)(void *ctx, const struct e2e_capture_batch *b);

struct e2e_capture_queue;

/* Starts the writer thread. max_batches bounds memory (each batch is
 * about 300 KiB). Returns 0 or E2E_ERR_RUNTIME. Caller destroys. */
int e2e_capture_queue_create(size_t max_batches, e2e_capture_consume_fn consume, void *ctx,
			     struct e2e_capture_queue **out);
/* A free batch for the producer, or NULL when all are in flight (the
 * caller then counts drops with e2e_capture_queue_drop()). Never blocks. */
struct e2e_capture_batch *e2e_capture_queue_take(struct e2e_capture_queue *q);
/* Hands a batch to the writer (an empty one is just recycled). */
void e2e_capture_queue_submit(struct e2e_capture_queue *q, struct e2e_capture_batch *b);
/* Counts requests that could not be queued. Producer thread only. */
void e2e_capture_queue_drop(struct e2e_capture_queue *q, uint64_t n);
uint64_t e2e_capture_queue_dropped(const struct e2e_capture_queue *q);
/* Blocks until every submitted batch has been consumed. */
void e2e_capture_queue_drain(struct e2e_capture_queue *q);
/* Drains, stops and joins the writer thread, frees everything. Accepts NULL. */
void e2e_capture_queue_destroy(struct e2e_capture_queue *q);

#endif

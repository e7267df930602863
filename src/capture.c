#include "capture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "banned.h"

struct e2e_capture_queue {
	pthread_mutex_t lock;
	pthread_cond_t ready; /* writer: a batch was submitted or stop */
	pthread_cond_t drained; /* drain(): the writer went idle */
	pthread_t thread;
	e2e_capture_consume_fn consume;
	void *ctx;
	size_t max_batches;
	size_t allocated;
	struct e2e_capture_batch **free_list;
	size_t nfree;
	struct e2e_capture_batch **pending; /* ring of submitted batches */
	size_t head, count;
	bool busy; /* writer is consuming a batch */
	bool stop;
	_Atomic uint64_t dropped;
};

bool e2e_capture_batch_add(struct e2e_capture_batch *b, const struct e2e_sample *s, const char *method,
			   size_t method_len, const char *path, size_t path_len)
{
	struct e2e_capture *c;
	bool cut;
	size_t keep = e2e_sample_path_keep(path, path_len, &cut);
	size_t stored = keep + (cut ? E2E_PATH_CUT_MARK_LEN : 0);

	if (method_len > 32)
		method_len = 32;
	if (b->n == E2E_CAPTURE_BATCH_MAX || b->arena_used + method_len + stored > E2E_CAPTURE_ARENA)
		return false;
	c = &b->caps[b->n++];
	c->s = *s;
	c->method = b->arena + b->arena_used;
	c->method_len = (uint16_t)method_len;
	memcpy(b->arena + b->arena_used, method, method_len);
	b->arena_used += method_len;
	c->path = b->arena + b->arena_used;
	c->path_len = (uint32_t)stored;
	memcpy(b->arena + b->arena_used, path, keep);
	if (cut)
		memcpy(b->arena + b->arena_used + keep, E2E_PATH_CUT_MARK, E2E_PATH_CUT_MARK_LEN);
	b->arena_used += stored;
	return true;
}

bool e2e_capture_batch_event(struct e2e_capture_batch *b, const struct e2e_test_event *ev)
{
	struct e2e_test_event *e;

	if (b->nevents == E2E_CAPTURE_EVENTS_MAX || b->arena_used + ev->text_len > E2E_CAPTURE_ARENA)
		return false;
	e = &b->events[b->nevents++];
	*e = *ev;
	e->text = b->arena + b->arena_used;
	if (ev->text_len)
		memcpy(b->arena + b->arena_used, ev->text, ev->text_len);
	b->arena_used += ev->text_len;
	return true;
}

static void *writer_main(void *arg)
{
	struct e2e_capture_queue *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->count && !q->stop)
			pthread_cond_wait(&q->ready, &q->lock);
		if (!q->count)
			break;
		struct e2e_capture_batch *b = q->pending[q->head];
		q->head = (q->head + 1) % q->max_batches;
		q->count--;
		q->busy = true;
		pthread_mutex_unlock(&q->lock);

		q->consume(q->ctx, b);
		b->n = 0;
		b->nevents = 0;
		b->arena_used = 0;

		pthread_mutex_lock(&q->lock);
		q->free_list[q->nfree++] = b;
		q->busy = false;
		if (!q->count)
			pthread_cond_broadcast(&q->drained);
	}
	pthread_cond_broadcast(&q->drained);
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int e2e_capture_queue_create(size_t max_batches, e2e_capture_consume_fn consume, void *ctx,
			     struct e2e_capture_queue **out)
{
	struct e2e_capture_queue *q;

	if (max_batches < 2)
		max_batches = 2;
	q = e2e_xcalloc(1, sizeof(*q));
	q->consume = consume;
	q->ctx = ctx;
	q->max_batches = max_batches;
	q->free_list = e2e_xcalloc(max_batches, sizeof(*q->free_list));
	q->pending = e2e_xcalloc(max_batches, sizeof(*q->pending));
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->ready, NULL);
	pthread_cond_init(&q->drained, NULL);
	if (pthread_create(&q->thread, NULL, writer_main, q) != 0) {
		pthread_mutex_destroy(&q->lock);
		pthread_cond_destroy(&q->ready);
		pthread_cond_destroy(&q->drained);
		free(q->free_list);
		free(q->pending);
		free(q);
		return e2e_error(E2E_ERR_RUNTIME, "cannot start the writer thread");
	}
	*out = q;
	return 0;
}

struct e2e_capture_batch *e2e_capture_queue_take(struct e2e_capture_queue *q)
{
	struct e2e_capture_batch *b = NULL;

	pthread_mutex_lock(&q->lock);
	if (q->nfree) {
		b = q->free_list[--q->nfree];
	} else if (q->allocated < q->max_batches) {
		q->allocated++;
		pthread_mutex_unlock(&q->lock);
		b = malloc(sizeof(*b));
		if (!b) {
			pthread_mutex_lock(&q->lock);
			q->allocated--;
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		b->n = 0;
		b->nevents = 0;
		b->arena_used = 0;
		b->nres = 0;
		return b;
	}
	pthread_mutex_unlock(&q->lock);
	return b;
}

void e2e_capture_queue_submit(struct e2e_capture_queue *q, struct e2e_capture_batch *b)
{
	pthread_mutex_lock(&q->lock);
	if (b->n == 0 && b->nevents == 0 && b->nres == 0) {
		q->free_list[q->nfree++] = b;
	} else {
		q->pending[(q->head + q->count) % q->max_batches] = b;
		q->count++;
		pthread_cond_signal(&q->ready);
	}
	pthread_mutex_unlock(&q->lock);
}

void e2e_capture_queue_drop(struct e2e_capture_queue *q, uint64_t n)
{
	atomic_fetch_add_explicit(&q->dropped, n, memory_order_relaxed);
}

uint64_t e2e_capture_queue_dropped(const struct e2e_capture_queue *q)
{
	return atomic_load_explicit(&((struct e2e_capture_queue *)q)->dropped, memory_order_relaxed);
}

void e2e_capture_queue_drain(struct e2e_capture_queue *q)
{
	pthread_mutex_lock(&q->lock);
	while (q->count || q->busy)
		pthread_cond_wait(&q->drained, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

void e2e_capture_queue_destroy(struct e2e_capture_queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->ready);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	for (size_t i = 0; i < q->nfree; i++)
		free(q->free_list[i]);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->ready);
	pthread_cond_destroy(&q->drained);
	free(q->free_list);
	free(q->pending);
	free(q);
}

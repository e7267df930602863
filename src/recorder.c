#include "recorder.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "hist.h"
#include "routes.h"
#include "store.h"
#include "strmap.h"
#include "template.h"
#include "banned.h"

struct e2e_recorder {
	struct e2e_store *st;
	int64_t run_id;
	const struct e2e_routes *routes;
	struct e2e_strmap paths; /* "METHOD /raw/path" -> path id */
	struct e2e_strmap endpoints; /* endpoint keys seen */
	struct e2e_sample *samples;
	size_t samples_cap;
	struct e2e_buf key, method, path, endpoint;
	uint64_t recorded, lost;
	bool templating_stored; /* the run's templating is in the store */
	enum e2e_loss cause; /* of the first loss */
	bool loss_stored; /* lost and cause are in the run's record */

	pthread_mutex_t lock; /* guards the progress figures below */
	struct e2e_hist *latency;
	uint64_t errors;
	size_t nendpoints;
};

int e2e_recorder_create(struct e2e_store *st, int64_t run_id, const struct e2e_routes *routes,
			struct e2e_recorder **out)
{
	struct e2e_recorder *r = e2e_xcalloc(1, sizeof(*r));

	r->st = st;
	r->run_id = run_id;
	r->routes = routes;
	r->latency = e2e_hist_create();
	pthread_mutex_init(&r->lock, NULL);
	*out = r;
	return 0;
}

void e2e_recorder_destroy(struct e2e_recorder *r)
{
	if (!r)
		return;
	e2e_strmap_finish(&r->paths);
	e2e_strmap_finish(&r->endpoints);
	free(r->samples);
	e2e_buf_finish(&r->key);
	e2e_buf_finish(&r->method);
	e2e_buf_finish(&r->path);
	e2e_buf_finish(&r->endpoint);
	e2e_hist_destroy(r->latency);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

int e2e_recorder_begin(struct e2e_store *st, struct e2e_run *run, const struct e2e_routes *routes,
		       struct e2e_recorder **out)
{
	int64_t id;
	int rc = e2e_store_run_begin(st, run, &id);

	if (rc < 0)
		return rc;
	run->id = id;
	return e2e_recorder_create(st, id, routes, out);
}

int e2e_recorder_end(struct e2e_recorder *r, struct e2e_run *run, uint64_t dropped)
{
	run->recorded = r->recorded;
	run->dropped = dropped + r->lost;
	run->lost = r->lost;
	run->lost_cause = r->cause;
	run->complete = true;
	return e2e_store_run_end(r->st, run);
}

static void set_buf(struct e2e_buf *b, const char *s, size_t n)
{
	e2e_buf_reset(b);
	e2e_buf_add(b, s, n);
}

/* The path id of a capture, interning (method, path, endpoint) when new.
 * *fresh tells the caller that the id was created in this transaction. */
static int resolve(struct e2e_recorder *r, const struct e2e_capture *c, uint32_t *id, bool *fresh)
{
	int rc;

	e2e_buf_reset(&r->key);
	e2e_buf_add(&r->key, c->method, c->method_len);
	e2e_buf_putc(&r->key, ' ');
	e2e_buf_add(&r->key, c->path, c->path_len);
	if (e2e_strmap_get(&r->paths, r->key.data, r->key.len, id))
		return 0;
	set_buf(&r->method, c->method, c->method_len);
	set_buf(&r->path, c->path_len ? c->path : "/", c->path_len ? c->path_len : 1);
	/* the stored raw path: a run gives each one endpoint */
	e2e_buf_reset(&r->endpoint);
	e2e_routes_key(r->routes, &r->endpoint, c->method, c->method_len, r->path.data, r->path.len);
	rc = e2e_store_path_intern(r->st, r->run_id, r->method.data, r->path.data, r->endpoint.data, id);
	if (rc < 0)
		return rc;
	e2e_strmap_put(&r->paths, r->key.data, r->key.len, *id);
	*fresh = true;
	if (!e2e_strmap_get(&r->endpoints, r->endpoint.data, r->endpoint.len, &(uint32_t){ 0 }))
		e2e_strmap_put(&r->endpoints, r->endpoint.data, r->endpoint.len, 0);
	return 0;
}

/* The run's templating (automatic rules version, routes file), stored
 * with its first batch so that a reader knows how its endpoints came. */
static int store_templating(struct e2e_recorder *r)
{
	struct e2e_templating t = { .rules_version = E2E_TEMPLATE_RULES };
	struct e2e_routes_source src;

	if (r->routes) {
		e2e_routes_source(r->routes, &src);
		t.routes_name = (char *)src.name;
		t.routes_sha256 = (char *)src.sha256;
		t.routes_text = (char *)src.text;
		t.routes_len = src.len;
	}
	return e2e_store_run_templating_set(r->st, r->run_id, &t);
}

/* A failed batch (why: cause): counted, and kept with the run right away
 * if the store takes that much, so that a run killed later still says it;
 * not after a lock timeout, which would block the writer as long again
 * (the next batch or the run's end stores it). The caller's error message
 * stays. */
static void count_loss(struct e2e_recorder *r, size_t n, uint64_t dropped, int rc, enum e2e_loss cause)
{
	char *msg;

	if (!r->cause)
		r->cause = cause;
	r->lost += n;
	r->loss_stored = false;
	if (cause == E2E_LOSS_LOCKED)
		return;
	msg = e2e_xstrdup(e2e_error_message());
	if (cause == E2E_LOSS_DISK_FULL)
		e2e_store_make_room(r->st);
	r->loss_stored = e2e_store_run_loss(r->st, r->run_id, dropped + r->lost, r->lost, r->cause) == 0;
	e2e_error(rc, "%s", msg);
	free(msg);
}

int e2e_recorder_add(struct e2e_recorder *r, const struct e2e_capture *caps, size_t n, uint64_t dropped,
		     uint32_t max_concurrency)
{
	return e2e_recorder_add_tests(r, caps, n, NULL, 0, dropped, max_concurrency);
}

int e2e_recorder_add_tests(struct e2e_recorder *r, const struct e2e_capture *caps, size_t n,
			   const struct e2e_test_event *ev, size_t nev, uint64_t dropped,
			   uint32_t max_concurrency)
{
	bool fresh = false;
	uint64_t errors = 0;
	int rc;

	if (n > r->samples_cap) {
		r->samples_cap = n;
		r->samples = e2e_xrealloc(r->samples, n * sizeof(*r->samples));
	}
	rc = e2e_store_begin(r->st);
	if (rc >= 0 && !r->templating_stored)
		rc = store_templating(r);
	if (rc >= 0 && nev)
		rc = e2e_store_tests_add(r->st, r->run_id, ev, nev);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		rc = resolve(r, &caps[i], &r->samples[i].path_id, &fresh);
		if (rc < 0)
			goto out;
		uint32_t path_id = r->samples[i].path_id;
		r->samples[i] = caps[i].s;
		r->samples[i].path_id = path_id;
		errors += e2e_sample_is_error(&caps[i].s, false);
	}
	if (n)
		rc = e2e_store_append(r->st, r->run_id, r->samples, n);
	if (rc >= 0)
		rc = e2e_store_run_progress(r->st, r->run_id, r->recorded + n, dropped + r->lost,
					    max_concurrency);
	if (rc >= 0 && r->lost && !r->loss_stored)
		rc = e2e_store_run_loss(r->st, r->run_id, dropped + r->lost, r->lost, r->cause);
	if (rc >= 0)
		rc = e2e_store_commit(r->st);
out:
	if (rc < 0) {
		enum e2e_loss cause = e2e_store_fault(r->st);

		e2e_store_rollback(r->st);
		/* ids interned by this transaction are gone with it */
		if (fresh) {
			e2e_strmap_finish(&r->paths);
			e2e_strmap_finish(&r->endpoints);
		}
		count_loss(r, n, dropped, rc, cause);
		return rc;
	}
	r->loss_stored = true;
	r->recorded += n;
	r->templating_stored = true;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < n; i++)
		e2e_hist_add(r->latency, caps[i].s.total_us);
	r->errors += errors;
	r->nendpoints = r->endpoints.n;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

int e2e_recorder_add_resources(struct e2e_recorder *r, const struct e2e_res_sample *res, size_t n,
			       const struct e2e_res_info *info)
{
	return e2e_store_resources_save(r->st, r->run_id, res, n, info);
}

void e2e_recorder_progress(struct e2e_recorder *r, struct e2e_recorder_progress *out)
{
	pthread_mutex_lock(&r->lock);
	out->recorded = e2e_hist_count(r->latency);
	out->errors = r->errors;
	out->endpoints = r->nendpoints;
	out->p95_ms = out->recorded ? e2e_hist_quantile(r->latency, 0.95) / 1000.0 : 0;
	pthread_mutex_unlock(&r->lock);
}

uint64_t e2e_recorder_recorded(const struct e2e_recorder *r)
{
	return r->recorded;
}

uint64_t e2e_recorder_lost(const struct e2e_recorder *r)
{
	return r->lost;
}

enum e2e_loss e2e_recorder_loss_cause(const struct e2e_recorder *r)
{
	return r->cause;
}

/* team.c - runs between the local store and the team store. See team.h. */
#include "team.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cpu_report.h"
#include "error.h"
#include "hist.h"
#include "report.h"
#include "store.h"
#include "store_pg.h"
#include "banned.h"

/* The per-endpoint rows of a run: the report's own figures (exact
 * percentiles) and its latency histogram. */
static int summarise(const struct e2e_pg_run *r, struct e2e_pg_summary **out, char ***hists, size_t *n)
{
	struct e2e_report_run in = { .run = &r->run,
				     .samples = r->samples,
				     .nsamples = r->nsamples,
				     .paths = r->paths,
				     .npaths = r->npaths };
	struct e2e_report_opts opts = { .count_4xx = false };
	struct e2e_report *rep = NULL;
	struct e2e_pg_summary *s;
	char **h;
	int rc = e2e_report_compute(&in, 1, r->paths, r->npaths, &opts, &rep);

	if (rc < 0)
		return rc;
	s = e2e_xcalloc(rep->nendpoints + 1, sizeof(*s));
	h = e2e_xcalloc(rep->nendpoints + 1, sizeof(*h));
	for (size_t i = 0; i < rep->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &rep->endpoints[i];
		struct e2e_hist *hist = e2e_hist_create();

		for (size_t j = 0; j < e->nsamples; j++)
			e2e_hist_add(hist, e2e_sample_latency_us(&e->samples[j]));
		h[i] = e2e_hist_encode(hist);
		e2e_hist_destroy(hist);
		s[i] = (struct e2e_pg_summary){ .endpoint = e2e_xstrdup(e->key),
						.n = e->count,
						.errors = e->errors,
						.mean_ms = e->mean_ms,
						.p50_ms = e->p50_ms,
						.p90_ms = e->p90_ms,
						.p95_ms = e->p95_ms,
						.p99_ms = e->p99_ms,
						.max_ms = e->max_ms,
						.histogram = h[i] };
	}
	*n = rep->nendpoints;
	*out = s;
	*hists = h;
	e2e_report_destroy(rep);
	return 0;
}

static void summaries_free(struct e2e_pg_summary *s, char **h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)s[i].endpoint);
		free(h[i]);
	}
	free(s);
	free(h);
}

/* The run's links to other runs, as those runs' UUIDs. */
static int links_read(struct e2e_store *st, int64_t id, struct e2e_pg_extras *x)
{
	struct e2e_run_links l;
	int rc = e2e_store_run_links_get(st, id, &l);

	if (rc == 0 && l.confirms)
		rc = e2e_store_run_uuid(st, l.confirms, x->confirms);
	if (rc == 0 && l.comparison) {
		rc = e2e_store_run_uuid(st, l.comparison, x->ab_comparison);
		x->ab_side = l.side;
		x->ab_round = l.round;
	}
	return rc;
}

/* What the local store keeps with the run besides its samples. */
static int extras_read(struct e2e_store *st, int64_t id, struct e2e_pg_extras *x)
{
	int rc = e2e_store_run_notes_load(st, id, &x->notes, &x->nnotes);

	if (rc == 0)
		rc = e2e_store_resources_load(st, id, &x->res, &x->nres, &x->res_info);
	if (rc == 0)
		rc = e2e_store_tests_load(st, id, &x->tests, &x->ntests);
	if (rc == 0)
		rc = e2e_store_run_templating_get(st, id, &x->templating);
	if (rc == 0)
		rc = e2e_store_verdicts_load(st, id, &x->verdicts, &x->nverdicts);
	if (rc == 0)
		rc = links_read(st, id, x);
	if (rc == 0)
		rc = e2e_store_cpu_profile_load(st, id, &x->cpu);
	return rc;
}

/* The run's tests as the events that made them (names, ends), then what
 * --junit added. */
static int tests_write(struct e2e_store *dst, int64_t id, const struct e2e_test *t, size_t n)
{
	struct e2e_test_event *ev = e2e_xcalloc(2 * n + 1, sizeof(*ev));
	size_t k = 0;
	bool junit = false;
	int rc;

	for (size_t i = 0; i < n; i++) {
		ev[k++] = (struct e2e_test_event){ .id = t[i].id,
						   .kind = E2E_TEST_EV_BEGIN,
						   .at_ns = t[i].started_ns,
						   .text = t[i].name,
						   .text_len = (uint32_t)strlen(t[i].name) };
		if (t[i].status && *t[i].status)
			ev[k++] = (struct e2e_test_event){ .id = t[i].id,
							   .kind = E2E_TEST_EV_END,
							   .at_ns = t[i].ended_ns,
							   .duration_ns = t[i].duration_ns,
							   .text = t[i].status,
							   .text_len = (uint32_t)strlen(t[i].status) };
		junit |= (t[i].classname && *t[i].classname) || t[i].junit_ns;
	}
	rc = e2e_store_tests_add(dst, id, ev, k);
	if (rc == 0 && junit)
		rc = e2e_store_tests_junit(dst, id, t, n);
	free(ev);
	return rc;
}

/* The run's links, to the runs of those UUIDs in dst; a link to a run
 * dst lacks (not fetched) is left out. */
static int links_write(struct e2e_store *dst, int64_t id, const struct e2e_pg_extras *x)
{
	int64_t to = 0;
	int rc = x->confirms[0] ? e2e_store_run_by_uuid(dst, x->confirms, &to) : 0;

	if (rc == 0 && to)
		rc = e2e_store_run_confirms(dst, id, to);
	to = 0;
	if (rc == 0 && x->ab_comparison[0])
		rc = e2e_store_run_by_uuid(dst, x->ab_comparison, &to);
	if (rc == 0 && to)
		rc = e2e_store_ab_link(dst, id, to, x->ab_side, x->ab_round);
	return rc;
}

static int extras_write(struct e2e_store *dst, int64_t id, const struct e2e_pg_extras *x)
{
	int rc = x->nnotes ? e2e_store_run_notes_add(dst, id, x->notes, x->nnotes) : 0;

	if (rc == 0 && x->res_info.source)
		rc = e2e_store_resources_save(dst, id, x->res, x->nres, &x->res_info);
	if (rc == 0 && x->ntests)
		rc = tests_write(dst, id, x->tests, x->ntests);
	if (rc == 0 && x->templating.rules_version)
		rc = e2e_store_run_templating_set(dst, id, &x->templating);
	if (rc == 0 && x->nverdicts)
		rc = e2e_store_verdicts_save(dst, id, x->verdicts, x->nverdicts);
	if (rc == 0)
		rc = links_write(dst, id, x);
	if (rc == 0 && x->cpu) {
		x->cpu->run_id = id; /* dst's id of the run */
		rc = e2e_store_cpu_profile_save(dst, x->cpu);
	}
	return rc;
}

/* The run's samples as the store holds them (what is pushed) and decoded
 * (what the summaries are computed from). */
static int load_chunks(struct e2e_store *st, int64_t run_id, struct e2e_pg_run *r, struct e2e_store_chunks *c)
{
	int rc = e2e_store_chunks_load(st, run_id, c);

	if (rc < 0)
		return rc;
	r->chunks = c->v;
	r->nchunks = c->n;
	r->samples = e2e_xmalloc_big((c->nsamples + 1) * sizeof(*r->samples));
	r->nsamples = c->nsamples;
	return e2e_store_chunks_decode(c->v, c->n, r->samples);
}

/* A run pg has: the verdicts st has on it, when pg's differ. */
static int verdicts_update(struct e2e_pg *pg, struct e2e_store *st, int64_t run_id, int64_t there,
			   enum e2e_team_pushed *how)
{
	struct e2e_run_verdict *v = NULL;
	size_t n = 0;
	bool changed = false;
	int rc = e2e_store_verdicts_load(st, run_id, &v, &n);

	if (rc == 0 && n) /* none here: the store's stand */
		rc = e2e_pg_verdicts_set(pg, there, v, n, &changed);
	e2e_store_verdicts_free(v, n);
	if (rc == 0)
		*how = changed ? E2E_TEAM_VERDICTS : E2E_TEAM_THERE;
	return rc;
}

int e2e_team_push_run(struct e2e_pg *pg, struct e2e_store *st, int64_t run_id, enum e2e_team_pushed *how,
		      int64_t *pg_id)
{
	bool created = false;
	struct e2e_pg_run r;
	struct e2e_store_chunks chunks = { 0 };
	struct e2e_pg_summary *sums = NULL;
	char **hists = NULL;
	size_t nsums = 0;
	int64_t there = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = e2e_store_run_uuid(st, run_id, r.uuid);
	if (rc == 0)
		rc = e2e_pg_find(pg, r.uuid, &there);
	if (rc < 0)
		return rc;
	if (there) {
		rc = verdicts_update(pg, st, run_id, there, how);
		if (rc == 0)
			*pg_id = there;
		return rc;
	}
	rc = e2e_store_run_get(st, run_id, &r.run);
	if (rc == 0)
		rc = e2e_store_run_paths_load(st, run_id, &r.paths, &r.npaths);
	if (rc == 0)
		rc = load_chunks(st, run_id, &r, &chunks);
	if (rc == 0)
		rc = extras_read(st, run_id, &r.x);
	if (rc == 0)
		rc = summarise(&r, &sums, &hists, &nsums);
	if (rc == 0)
		rc = e2e_pg_push(pg, &r, sums, nsums, &created, pg_id);
	if (rc == 0)
		*how = created ? E2E_TEAM_PUSHED : E2E_TEAM_THERE;
	summaries_free(sums, hists, nsums);
	e2e_store_paths_free(r.paths, r.npaths); /* the store's allocations, not ours */
	e2e_store_chunks_free(&chunks);
	r.paths = NULL;
	r.npaths = 0;
	r.chunks = NULL;
	r.nchunks = 0;
	e2e_pg_run_finish(&r);
	return rc;
}

/* The run's paths interned in dst, and its samples (or chunks) appended
 * to run id with dst's ids for those paths. */
static int copy_samples(struct e2e_store *dst, int64_t id, struct e2e_pg_run *r)
{
	uint32_t max = 0, *map;
	int rc = 0;

	for (size_t i = 0; i < r->npaths; i++)
		if (r->paths[i].id > max)
			max = r->paths[i].id;
	map = e2e_xcalloc((size_t)max + 1, sizeof(*map));
	for (size_t i = 0; rc == 0 && i < r->npaths; i++)
		rc = e2e_store_path_intern(dst, id, r->paths[i].method, r->paths[i].path,
					   r->paths[i].endpoint, &map[r->paths[i].id]);
	for (size_t i = 0; rc == 0 && !r->nchunks && i < r->nsamples; i++) {
		uint32_t p = r->samples[i].path_id;

		if (p > max || (!map[p] && p))
			rc = e2e_error(E2E_ERR_RUNTIME, "run %lld: a sample of an unknown path",
				       (long long)id);
		else
			r->samples[i].path_id = map[p];
	}
	if (rc == 0 && r->nchunks)
		rc = e2e_store_append_chunks(dst, id, r->chunks, r->nchunks, map, (size_t)max + 1);
	else if (rc == 0 && r->nsamples)
		rc = e2e_store_append(dst, id, r->samples, r->nsamples);
	free(map);
	return rc;
}

static int copy_run(struct e2e_pg *pg, struct e2e_store *dst, struct e2e_pg_run *r, bool samples)
{
	int64_t id = 0;
	int rc = samples ? e2e_pg_run_load(pg, r) : 0;

	if (rc == 0)
		rc = e2e_store_begin(dst);
	if (rc < 0)
		return rc;
	rc = e2e_store_run_begin_as(dst, &r->run, &id);
	if (rc == 0)
		rc = copy_samples(dst, id, r);
	if (rc == 0)
		rc = e2e_store_run_end(dst, &r->run);
	if (rc == 0)
		rc = e2e_store_run_uuid_set(dst, id, r->uuid);
	if (rc == 0)
		rc = extras_write(dst, id, &r->x);
	if (rc == 0)
		return e2e_store_commit(dst);
	e2e_store_rollback(dst);
	return rc;
}

int e2e_team_fetch(struct e2e_pg *pg, const struct e2e_team_select *sel, struct e2e_store *dst, size_t *n)
{
	struct e2e_pg_run *runs = NULL;
	size_t nruns = 0, done = 0, from = 0, to;
	int rc = e2e_pg_runs_list(pg, sel->service, sel->branch, sel->since_ms,
				  sel->run_id || !sel->limit ? 0 : sel->limit + sel->history, &runs, &nruns);

	/* newest first: with run_id, that run and the sel->history before it;
	 * else the list already holds the selection and its history */
	to = nruns;
	if (sel->run_id) {
		while (from < nruns && runs[from].run.id != sel->run_id)
			from++;
		to = from < nruns && from + 1 + sel->history < nruns ? from + 1 + sel->history : nruns;
		if (from == nruns)
			to = from;
	}
	/* oldest first, so that dst lists them as pg does */
	for (size_t i = to; rc == 0 && i-- > from;) {
		rc = copy_run(pg, dst, &runs[i], sel->samples);
		done++;
	}
	for (size_t i = 0; i < nruns; i++)
		e2e_pg_run_finish(&runs[i]);
	free(runs);
	if (rc == 0)
		*n = done;
	return rc;
}

int e2e_team_latest_service(struct e2e_pg *pg, char **service)
{
	struct e2e_pg_run *runs = NULL;
	size_t n = 0;
	int rc = e2e_pg_runs_list(pg, NULL, NULL, 0, 1, &runs, &n);

	if (rc == 0)
		*service = n ? e2e_xstrdup(runs[0].run.service) : NULL;
	for (size_t i = 0; i < n; i++)
		e2e_pg_run_finish(&runs[i]);
	free(runs);
	return rc;
}

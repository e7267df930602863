/* report.c - the per-endpoint report model, computed from raw samples.
 *
 * Two passes over the samples: the first counts requests per endpoint,
 * per (endpoint, run) and per raw path; the second copies each sample into
 * its endpoint's slice (runs oldest first, recording order within a run)
 * next to its latency in milliseconds. Figures then come from each slice:
 * summaries before anything is reordered, per-run quantiles on each run's
 * contiguous segment, then the endpoint's quantiles on the whole slice
 * (selection only moves values inside the range it works on), and last
 * the overall figures on every latency pooled. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cpu_report.h"
#include "error.h"
#include "resources.h"
#include "routes.h"
#include "stats.h"
#include "banned.h"

/* Quantiles every endpoint carries, ascending (e2e_stats_quantiles). */
static const double qs[] = { 0.50, 0.90, 0.95, 0.99 };
#define NQ (sizeof(qs) / sizeof(qs[0]))

/* Endpoint keys by string: open addressing, FNV-1a. */
struct keymap {
	char **keys; /* by endpoint slot */
	size_t nkeys;
	uint32_t *table; /* slot + 1; 0 = empty */
	size_t cap; /* power of two */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void keymap_init(struct keymap *m, size_t expect)
{
	m->cap = 16;
	while (m->cap < 2 * expect + 1)
		m->cap <<= 1;
	m->table = e2e_xcalloc(m->cap, sizeof(*m->table));
	m->keys = e2e_xmalloc((expect ? expect : 1) * sizeof(*m->keys));
	m->nkeys = 0;
}

/* The slot of key, adding it (a copy) when new. expect bounds the count. */
static uint32_t keymap_slot(struct keymap *m, const char *key)
{
	size_t i = hash_str(key) & (m->cap - 1);

	while (m->table[i]) {
		if (strcmp(m->keys[m->table[i] - 1], key) == 0)
			return m->table[i] - 1;
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[m->nkeys] = e2e_xstrdup(key);
	m->table[i] = (uint32_t)++m->nkeys;
	return m->table[i] - 1;
}

static void keymap_finish(struct keymap *m)
{
	for (size_t i = 0; i < m->nkeys; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->table);
}

/* Maps a sample's path id to an index into a path table: a direct table
 * when ids are dense (they are SQLite row ids), a binary search over a
 * sorted copy otherwise (a run's table holds only the paths it used, and
 * a report may cover many runs: the direct table stays small). */
struct idmap {
	uint32_t *direct; /* index + 1 by id; 0 = unknown */
	size_t ndirect;
	uint64_t *sorted; /* (id << 32 | index), ascending */
	size_t nsorted;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void idmap_init(struct idmap *m, const struct e2e_path *paths, size_t npaths)
{
	uint32_t max = 0;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < npaths; i++)
		if (paths[i].id > max)
			max = paths[i].id;
	if ((size_t)max <= 8 * npaths + 4096) {
		m->ndirect = (size_t)max + 1;
		m->direct = e2e_xcalloc(m->ndirect, sizeof(*m->direct));
		for (size_t i = 0; i < npaths; i++)
			m->direct[paths[i].id] = (uint32_t)i + 1;
		return;
	}
	m->sorted = e2e_xmalloc(npaths * sizeof(*m->sorted));
	m->nsorted = npaths;
	for (size_t i = 0; i < npaths; i++)
		m->sorted[i] = (uint64_t)paths[i].id << 32 | (uint64_t)i;
	qsort(m->sorted, npaths, sizeof(*m->sorted), cmp_u64);
}

/* Index into the path table, or -1. */
static int64_t idmap_get(const struct idmap *m, uint32_t id)
{
	size_t lo = 0, hi = m->nsorted;

	if (m->direct)
		return id < m->ndirect ? (int64_t)m->direct[id] - 1 : -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t got = (uint32_t)(m->sorted[mid] >> 32);

		if (got == id)
			return (int64_t)(m->sorted[mid] & 0xffffffffu);
		if (got < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void idmap_finish(struct idmap *m)
{
	free(m->direct);
	free(m->sorted);
}

static void copy_run(struct e2e_run *dst, const struct e2e_run *src)
{
	*dst = *src;
	dst->service = e2e_xstrdup(src->service);
	dst->command = e2e_xstrdup(src->command);
	dst->git_commit = e2e_xstrdup(src->git_commit);
	dst->git_branch = e2e_xstrdup(src->git_branch);
	dst->host_cpu = e2e_xstrdup(src->host_cpu);
	dst->host_os = e2e_xstrdup(src->host_os);
	dst->tool_version = e2e_xstrdup(src->tool_version);
	dst->source = e2e_xstrdup(src->source);
	dst->target = e2e_xstrdup(src->target);
}

/* Capture time of a run: the monotonic duration when recorded, else the
 * wall-clock span, else (a run killed before its end was written) the end
 * of its last request. */
double e2e_report_run_duration_s(const struct e2e_run *r)
{
	if (r->duration_ns)
		return (double)r->duration_ns / 1e9;
	if (r->ended_ms > r->started_ms)
		return (double)(r->ended_ms - r->started_ms) / 1e3;
	return NAN;
}

static double run_duration_s(const struct e2e_report_run *in)
{
	double d = e2e_report_run_duration_s(in->run);
	uint64_t last = 0;

	if (!isnan(d))
		return d;
	for (size_t i = 0; i < in->nsamples; i++) {
		uint64_t end = in->samples[i].start_ns + (uint64_t)in->samples[i].total_us * 1000u;

		if (end > last)
			last = end;
	}
	return (double)last / 1e9;
}

static void split_key(struct e2e_endpoint_report *e, const char *key)
{
	const char *sp = strchr(key, ' ');

	e->key = e2e_xstrdup(key);
	if (sp) {
		e->method = e2e_xmalloc((size_t)(sp - key) + 1);
		memcpy(e->method, key, (size_t)(sp - key));
		e->method[sp - key] = '\0';
		e->path = e2e_xstrdup(sp + 1);
	} else {
		e->method = e2e_xstrdup("");
		e->path = e2e_xstrdup(key);
	}
}

/* Status counts: a 65536-entry table and the statuses seen, so emitting
 * costs the number of distinct statuses, not the table size. */
struct tally {
	uint64_t *counts;
	uint16_t *seen;
	size_t nseen;
};

static void tally_init(struct tally *t)
{
	t->counts = e2e_xcalloc(65536, sizeof(*t->counts));
	t->seen = e2e_xmalloc(65536 * sizeof(*t->seen));
	t->nseen = 0;
}

static void tally_add(struct tally *t, uint16_t status, uint64_t n)
{
	if (t->counts[status] == 0)
		t->seen[t->nseen++] = status;
	t->counts[status] += n;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Moves the tally into e->statuses (ascending) and empties it. */
static void tally_emit(struct tally *t, struct e2e_endpoint_report *e)
{
	qsort(t->seen, t->nseen, sizeof(*t->seen), cmp_u16);
	e->statuses = e2e_xmalloc((t->nseen ? t->nseen : 1) * sizeof(*e->statuses));
	e->nstatuses = t->nseen;
	for (size_t i = 0; i < t->nseen; i++) {
		e->statuses[i].status = t->seen[i];
		e->statuses[i].count = t->counts[t->seen[i]];
		t->counts[t->seen[i]] = 0;
	}
	t->nseen = 0;
}

static void tally_finish(struct tally *t)
{
	free(t->counts);
	free(t->seen);
}

/* Figures that need no ordering: counts, errors, bytes, min/mean/max. */
/* The figures that follow from counts and a summary of the latencies. */
static void fill_derived(struct e2e_endpoint_report *e, const struct e2e_summary *sum, double duration_s)
{
	double n = (double)e->count;

	e->min_ms = sum->min;
	e->max_ms = sum->max;
	e->mean_ms = sum->mean;
	e->stddev_ms = sum->stddev;
	e->error_rate = n > 0 ? (double)e->errors / n : 0;
	e->throughput_rps = duration_s > 0 ? n / duration_s : 0;
	e->mean_req_bytes = n > 0 ? (double)e->total_req_bytes / n : 0;
	e->mean_resp_bytes = n > 0 ? (double)e->total_resp_bytes / n : 0;
}

/* Counts, errors, bytes and statuses of an endpoint's samples. */
static void fill_counts(struct e2e_endpoint_report *e, bool count_4xx, struct tally *t)
{
	const struct e2e_sample *s = e->samples;

	e->count = e->nsamples;
	for (size_t i = 0; i < e->nsamples; i++) {
		tally_add(t, s[i].status, 1);
		if (e2e_sample_is_error(&s[i], count_4xx))
			e->errors++;
		if (s[i].error < E2E_EK__COUNT)
			e->error_kinds[s[i].error]++;
		e->total_req_bytes += s[i].req_bytes;
		e->total_resp_bytes += s[i].resp_bytes;
	}
	e->error_kinds[E2E_EK_NONE] = 0;
	tally_emit(t, e);
}

static void fill_quantiles(struct e2e_endpoint_report *e, double *lat, size_t n)
{
	double q[NQ];

	e2e_stats_quantiles(lat, n, qs, NQ, q);
	e->p50_ms = q[0];
	e->p90_ms = q[1];
	e->p95_ms = q[2];
	e->p99_ms = q[3];
}

static int cmp_path_count(const void *a, const void *b)
{
	const struct e2e_path_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int cmp_endpoint(const void *a, const void *b)
{
	const struct e2e_endpoint_report *x = a, *y = b;

	if (x->p95_ms != y->p95_ms)
		return x->p95_ms > y->p95_ms ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void endpoint_finish(struct e2e_endpoint_report *e)
{
	free(e->key);
	free(e->method);
	free(e->path);
	free(e->statuses);
	for (size_t i = 0; i < e->npaths; i++)
		free(e->paths[i].path);
	free(e->paths);
	free(e->per_run);
}

void e2e_report_destroy(struct e2e_report *r)
{
	if (!r)
		return;
	e2e_res_report_destroy(r->resources);
	e2e_cpu_profile_destroy(r->cpu);
	free(r->service);
	for (size_t i = 0; i < r->nruns; i++)
		e2e_run_finish(&r->runs[i]);
	free(r->runs);
	for (size_t i = 0; i < r->nendpoints; i++)
		endpoint_finish(&r->endpoints[i]);
	free(r->endpoints);
	endpoint_finish(&r->overall);
	e2e_run_notes_free(r->notes, r->nnotes);
	free(r->sample_storage);
	free(r->run_storage);
	if (r->tests_free)
		r->tests_free(r->tests);
	free(r);
}

void e2e_report_histogram(const struct e2e_endpoint_report *e, size_t nbins, struct e2e_report_bin *out,
			  bool *log_scale)
{
	double lo = e->min_ms, hi = e->max_ms, a, w;
	bool lg;

	if (nbins == 0)
		return;
	if (lo < 0.001)
		lo = 0.001;
	if (hi < lo)
		hi = lo;
	lg = e->nsamples > 0 && hi / lo > 20;
	if (!lg)
		lo = e->nsamples ? e->min_ms : 0;
	a = lg ? log(lo) : lo;
	w = ((lg ? log(hi) : hi) - a) / (double)nbins;
	for (size_t i = 0; i < nbins; i++) {
		out[i].lo_ms = lg ? exp(a + w * (double)i) : a + w * (double)i;
		out[i].hi_ms = lg ? exp(a + w * (double)(i + 1)) : a + w * (double)(i + 1);
		out[i].count = 0;
	}
	if (nbins)
		out[nbins - 1].hi_ms = hi;
	for (size_t i = 0; i < e->nsamples; i++) {
		double v = (double)e2e_sample_latency_us(&e->samples[i]) / 1000.0, x;
		size_t k;

		if (lg && v < lo)
			v = lo;
		x = w > 0 ? ((lg ? log(v) : v) - a) / w : 0;
		k = x <= 0 ? 0 : (size_t)x;
		out[k < nbins ? k : nbins - 1].count++;
	}
	*log_scale = lg;
}

const struct e2e_endpoint_report *e2e_report_find(const struct e2e_report *r, const char *key)
{
	for (size_t i = 0; i < r->nendpoints; i++)
		if (strcmp(r->endpoints[i].key, key) == 0)
			return &r->endpoints[i];
	return NULL;
}

/* A path table and what the report derives from it. Runs carry their own
 * (the endpoint is the run's); runs without one share the caller's. */
struct table {
	const struct e2e_path *paths;
	size_t npaths;
	struct idmap ids;
	uint32_t *slot; /* endpoint slot by table index (after --routes re-templating) */
	uint64_t *count; /* samples by table index */
};

struct tables {
	struct table *v;
	size_t n;
	uint32_t *of_run; /* table of runs[k] */
	size_t total_paths; /* over all tables: bounds the number of endpoints */
};

static void tables_init(struct tables *t, const struct e2e_report_run *runs, size_t nruns,
			const struct e2e_path *paths, size_t npaths)
{
	memset(t, 0, sizeof(*t));
	t->v = e2e_xcalloc(nruns ? nruns : 1, sizeof(*t->v));
	t->of_run = e2e_xcalloc(nruns ? nruns : 1, sizeof(*t->of_run));
	for (size_t k = 0; k < nruns; k++) {
		const struct e2e_path *p = runs[k].paths ? runs[k].paths : paths;
		size_t np = runs[k].paths ? runs[k].npaths : npaths, i = 0;

		while (i < t->n && !(t->v[i].paths == p && t->v[i].npaths == np))
			i++;
		if (i == t->n) {
			t->v[i].paths = p;
			t->v[i].npaths = np;
			idmap_init(&t->v[i].ids, p, np);
			t->v[i].count = e2e_xcalloc(np ? np : 1, sizeof(*t->v[i].count));
			t->total_paths += np;
			t->n++;
		}
		t->of_run[k] = (uint32_t)i;
	}
}

static void tables_finish(struct tables *t)
{
	for (size_t i = 0; i < t->n; i++) {
		idmap_finish(&t->v[i].ids);
		free(t->v[i].slot);
		free(t->v[i].count);
	}
	free(t->v);
	free(t->of_run);
}

/* Endpoint slot of every entry of every table. */
static void map_paths(struct tables *t, const struct e2e_routes *routes, struct keymap *keys)
{
	struct e2e_buf b = E2E_BUF_INIT;

	keymap_init(keys, t->total_paths);
	for (size_t k = 0; k < t->n; k++) {
		struct table *tb = &t->v[k];

		tb->slot = e2e_xmalloc((tb->npaths ? tb->npaths : 1) * sizeof(*tb->slot));
		for (size_t i = 0; i < tb->npaths; i++) {
			const struct e2e_path *p = &tb->paths[i];
			const char *key = p->endpoint;

			if (routes) {
				e2e_buf_reset(&b);
				e2e_routes_key(routes, &b, p->method, strlen(p->method), p->path,
					       strlen(p->path));
				key = b.data ? b.data : "";
			}
			tb->slot[i] = keymap_slot(keys, key);
		}
	}
	e2e_buf_finish(&b);
}

/* The endpoint slot of a sample of runs[k]; -1 for an unknown path id. */
static int64_t sample_slot(const struct tables *t, size_t k, uint32_t path_id, int64_t *index)
{
	const struct table *tb = &t->v[t->of_run[k]];
	int64_t p = idmap_get(&tb->ids, path_id);

	*index = p;
	return p < 0 ? -1 : (int64_t)tb->slot[p];
}

struct work {
	size_t nslots, nruns;
	uint64_t *count; /* by slot */
	uint64_t *run_count; /* [slot * nruns + run], run oldest first */
	size_t *offset; /* slot's first position in lat/samples */
	double *lat; /* every latency, grouped by slot */
};

static int count_pass(struct work *w, const struct e2e_report_run *runs, size_t nruns, struct tables *t)
{
	for (size_t k = 0; k < nruns; k++) {
		const struct e2e_report_run *in = &runs[nruns - 1 - k];
		struct table *tb = &t->v[t->of_run[nruns - 1 - k]];

		for (size_t i = 0; i < in->nsamples; i++) {
			int64_t p, slot = sample_slot(t, nruns - 1 - k, in->samples[i].path_id, &p);

			if (slot < 0)
				return e2e_error(E2E_ERR_INPUT,
						 "run %lld: a sample refers to unknown path id %u",
						 (long long)in->run->id, (unsigned)in->samples[i].path_id);
			w->count[slot]++;
			w->run_count[(size_t)slot * nruns + k]++;
			tb->count[p]++;
		}
	}
	return 0;
}

static void per_run_points(struct e2e_endpoint_report *e, const struct work *w, size_t s, double *lat,
			   bool count_4xx)
{
	size_t nruns = w->nruns, pos = 0;

	e->per_run = e2e_xcalloc(nruns, sizeof(*e->per_run));
	for (size_t k = 0; k < nruns; k++) { /* k: oldest first; per_run newest first */
		struct e2e_trend_point *t = &e->per_run[nruns - 1 - k];
		size_t n = w->run_count[s * nruns + k];
		struct e2e_summary sum;
		double q[3];
		static const double tq[] = { 0.50, 0.95, 0.99 };

		t->count = n;
		for (size_t i = 0; i < n; i++)
			if (e2e_sample_is_error(&e->samples[pos + i], count_4xx))
				t->errors++;
		if (n == 0) {
			t->p50_ms = t->p95_ms = t->p99_ms = t->mean_ms = NAN;
			continue;
		}
		e2e_stats_summary(lat + pos, n, &sum);
		e2e_stats_quantiles(lat + pos, n, tq, 3, q);
		t->mean_ms = sum.mean;
		t->p50_ms = q[0];
		t->p95_ms = q[1];
		t->p99_ms = q[2];
		pos += n;
	}
}

/* One raw path under one endpoint, from one table. */
struct path_use {
	uint32_t slot, id;
	uint64_t count;
	const char *path;
};

static int cmp_path_use(const void *a, const void *b)
{
	const struct path_use *x = a, *y = b;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* Every endpoint's raw paths with their counts, a path that several runs
 * counted under the same endpoint once. */
static void collect_paths(struct e2e_report *r, const uint32_t *ep_of_slot, const struct tables *t)
{
	struct path_use *u = e2e_xmalloc((t->total_paths ? t->total_paths : 1) * sizeof(*u));
	size_t n = 0, m = 0;

	for (size_t k = 0; k < t->n; k++) {
		const struct table *tb = &t->v[k];

		for (size_t i = 0; i < tb->npaths; i++)
			if (tb->count[i])
				u[n++] = (struct path_use){ tb->slot[i], tb->paths[i].id, tb->count[i],
							    tb->paths[i].path };
	}
	qsort(u, n, sizeof(*u), cmp_path_use);
	for (size_t i = 0; i < n; i++) {
		if (m && u[m - 1].slot == u[i].slot && u[m - 1].id == u[i].id)
			u[m - 1].count += u[i].count;
		else
			u[m++] = u[i];
	}
	for (size_t i = 0; i < m; i++)
		r->endpoints[ep_of_slot[u[i].slot]].npaths++;
	for (size_t e = 0; e < r->nendpoints; e++) {
		r->endpoints[e].paths = e2e_xmalloc((r->endpoints[e].npaths ? r->endpoints[e].npaths : 1) *
						    sizeof(struct e2e_path_count));
		r->distinct_paths += r->endpoints[e].npaths;
		r->endpoints[e].npaths = 0;
	}
	for (size_t i = 0; i < m; i++) {
		struct e2e_endpoint_report *e = &r->endpoints[ep_of_slot[u[i].slot]];

		e->paths[e->npaths].path = e2e_xstrdup(u[i].path);
		e->paths[e->npaths++].count = u[i].count;
		if (e2e_sample_path_was_cut(u[i].path, strlen(u[i].path)))
			r->cut_paths += u[i].count;
	}
	for (size_t e = 0; e < r->nendpoints; e++)
		qsort(r->endpoints[e].paths, r->endpoints[e].npaths, sizeof(struct e2e_path_count),
		      cmp_path_count);
	free(u);
}

static int cmp_note(const void *a, const void *b)
{
	const struct e2e_run_note *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The runs' notes, one per kind and name with the counts summed. */
static void merge_notes(struct e2e_report *r, const struct e2e_report_run *runs, size_t nruns)
{
	for (size_t k = 0; k < nruns; k++) {
		for (size_t i = 0; i < runs[k].nnotes; i++) {
			const struct e2e_run_note *n = &runs[k].notes[i];
			size_t j = 0;

			while (j < r->nnotes &&
			       (r->notes[j].kind != n->kind || strcmp(r->notes[j].name, n->name)))
				j++;
			if (j == r->nnotes) {
				r->notes = e2e_xrealloc(r->notes, (r->nnotes + 1) * sizeof(*r->notes));
				r->notes[j] = (struct e2e_run_note){ n->kind, e2e_xstrdup(n->name), 0 };
				r->nnotes++;
			}
			r->notes[j].count += n->count;
		}
	}
	if (r->nnotes)
		qsort(r->notes, r->nnotes, sizeof(*r->notes), cmp_note);
}

static void fill_report_header(struct e2e_report *r, const struct e2e_report_run *runs, size_t nruns,
			       const struct e2e_report_opts *opts)
{
	r->count_4xx = opts && opts->count_4xx;
	r->service = e2e_xstrdup(nruns ? runs[0].run->service : "");
	r->runs = e2e_xcalloc(nruns, sizeof(*r->runs));
	r->nruns = nruns;
	for (size_t k = 0; k < nruns; k++) {
		const struct e2e_run *run = runs[k].run;

		copy_run(&r->runs[k], run);
		if (k == 0 || run->started_ms < r->started_ms)
			r->started_ms = run->started_ms;
		if (run->ended_ms > r->ended_ms)
			r->ended_ms = run->ended_ms;
		r->duration_s += run_duration_s(&runs[k]);
		r->dropped += run->dropped;
		r->lost += run->lost;
		if (!r->lost_cause)
			r->lost_cause = run->lost_cause;
		if (!run->complete)
			r->incomplete = true;
	}
	merge_notes(r, runs, nruns);
	r->overall.key = e2e_xstrdup("*");
	r->overall.method = e2e_xstrdup("");
	r->overall.path = e2e_xstrdup("");
}

int e2e_report_compute(const struct e2e_report_run *runs, size_t nruns, const struct e2e_path *paths,
		       size_t npaths, const struct e2e_report_opts *opts, struct e2e_report **out)
{
	bool count_4xx = opts && opts->count_4xx;
	struct e2e_report *r = e2e_xcalloc(1, sizeof(*r));
	struct keymap keys;
	struct tables t;
	struct work w = { 0 };
	uint32_t *ep_of_slot = NULL;
	struct e2e_endpoint_report *o = &r->overall;
	struct e2e_summary sum, esum;
	struct tally tally;
	size_t total = 0;
	size_t *fill = NULL;
	struct e2e_sample *all;
	uint32_t *run_of;
	int rc;

	fill_report_header(r, runs, nruns, opts);
	tally_init(&tally);
	tables_init(&t, runs, nruns, paths, npaths);
	map_paths(&t, opts ? opts->routes : NULL, &keys);
	w.nslots = keys.nkeys;
	w.nruns = nruns;
	w.count = e2e_xcalloc(w.nslots, sizeof(*w.count));
	w.run_count = e2e_xcalloc(w.nslots * (nruns ? nruns : 1), sizeof(*w.run_count));
	w.offset = e2e_xcalloc(w.nslots + 1, sizeof(*w.offset));
	rc = count_pass(&w, runs, nruns, &t);
	if (rc < 0)
		goto out;

	/* Endpoints: the slots that have requests. */
	ep_of_slot = e2e_xmalloc((w.nslots ? w.nslots : 1) * sizeof(*ep_of_slot));
	for (size_t s = 0; s < w.nslots; s++) {
		w.offset[s] = total;
		total += w.count[s];
		if (w.count[s])
			r->nendpoints++;
	}
	w.offset[w.nslots] = total;
	r->endpoints = e2e_xcalloc(r->nendpoints ? r->nendpoints : 1, sizeof(*r->endpoints));
	r->nendpoints = 0;
	r->sample_storage = e2e_xmalloc_big((total ? total : 1) * sizeof(struct e2e_sample));
	r->run_storage = e2e_xmalloc_big((total ? total : 1) * sizeof(uint32_t));
	all = r->sample_storage;
	run_of = r->run_storage;
	for (size_t s = 0; s < w.nslots; s++) {
		struct e2e_endpoint_report *e;

		if (!w.count[s])
			continue;
		ep_of_slot[s] = (uint32_t)r->nendpoints;
		e = &r->endpoints[r->nendpoints++];
		split_key(e, keys.keys[s]);
		e->nsamples = w.count[s];
		e->samples = all + w.offset[s];
		e->sample_run = run_of + w.offset[s];
	}

	/* Second pass: samples and latencies into their endpoint's slice. */
	w.lat = e2e_xmalloc_big((total ? total : 1) * sizeof(*w.lat));
	fill = e2e_xmalloc((w.nslots ? w.nslots : 1) * sizeof(*fill)); /* each slot's next position */
	memcpy(fill, w.offset, w.nslots * sizeof(*fill));
	for (size_t k = 0; k < nruns; k++) {
		const struct e2e_report_run *in = &runs[nruns - 1 - k];

		for (size_t i = 0; i < in->nsamples; i++) {
			const struct e2e_sample *smp = &in->samples[i];
			int64_t p;
			size_t at = fill[sample_slot(&t, nruns - 1 - k, smp->path_id, &p)]++;

			all[at] = *smp;
			run_of[at] = (uint32_t)(nruns - 1 - k);
			w.lat[at] = (double)e2e_sample_latency_us(smp) / 1000.0;
		}
	}

	r->total_requests = total;
	o->count = total;
	e2e_stats_summary(w.lat, total, &sum); /* before any reordering */
	for (size_t s = 0; s < w.nslots; s++) {
		struct e2e_endpoint_report *e;
		double *lat = w.lat + w.offset[s];

		if (!w.count[s])
			continue;
		e = &r->endpoints[ep_of_slot[s]];
		fill_counts(e, count_4xx, &tally);
		e2e_stats_summary(lat, e->nsamples, &esum);
		fill_derived(e, &esum, r->duration_s);
		o->errors += e->errors;
		o->total_req_bytes += e->total_req_bytes;
		o->total_resp_bytes += e->total_resp_bytes;
		for (int k = 1; k < E2E_EK__COUNT; k++)
			o->error_kinds[k] += e->error_kinds[k];
		if (nruns > 1)
			per_run_points(e, &w, s, lat, count_4xx);
		fill_quantiles(e, lat, e->nsamples);
	}
	for (size_t e = 0; e < r->nendpoints; e++)
		for (size_t i = 0; i < r->endpoints[e].nstatuses; i++)
			tally_add(&tally, r->endpoints[e].statuses[i].status,
				  r->endpoints[e].statuses[i].count);
	tally_emit(&tally, o);
	r->total_errors = o->errors;
	fill_derived(o, &sum, r->duration_s);
	fill_quantiles(o, w.lat, total);
	r->error_rate = o->error_rate;
	r->overall_mean_ms = o->mean_ms;
	r->overall_p50_ms = o->p50_ms;
	r->overall_p95_ms = o->p95_ms;
	r->overall_p99_ms = o->p99_ms;

	collect_paths(r, ep_of_slot, &t);
	qsort(r->endpoints, r->nendpoints, sizeof(*r->endpoints), cmp_endpoint);
	rc = 0;
out:
	free(fill);
	tally_finish(&tally);
	free(ep_of_slot);
	free(w.count);
	free(w.run_count);
	free(w.offset);
	free(w.lat);
	keymap_finish(&keys);
	tables_finish(&t);
	if (rc < 0) {
		e2e_report_destroy(r);
		return rc;
	}
	*out = r;
	return 0;
}

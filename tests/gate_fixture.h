/* gate_fixture.h - synthetic runs for the baseline, gate and advice tests:
 * endpoints, runs and samples built in memory and turned into reports by
 * the real e2e_report_compute(). Deterministic (a fixed LCG). */
#ifndef E2E_GATE_FIXTURE_H
#define E2E_GATE_FIXTURE_H

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "report.h"
#include "store.h"

#define FX_MAX_RUNS 16
#define FX_MAX_PATHS 64

struct fx {
	struct e2e_path paths[FX_MAX_PATHS];
	size_t npaths;
	struct e2e_run runs[FX_MAX_RUNS];
	struct e2e_sample *samples[FX_MAX_RUNS];
	size_t n[FX_MAX_RUNS], cap[FX_MAX_RUNS];
	size_t nruns;
	uint64_t rng;
	uint64_t clock_ns;
};

static inline void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->rng = 0x2545f4914f6cdd1dull;
}

/* The path id of endpoint key "METHOD /path" (raw path = template). */
static inline uint32_t fx_endpoint(struct fx *f, const char *key)
{
	const char *sp = strchr(key, ' ');
	struct e2e_path *p;

	for (size_t i = 0; i < f->npaths; i++)
		if (strcmp(f->paths[i].endpoint, key) == 0)
			return f->paths[i].id;
	ck_assert(f->npaths < FX_MAX_PATHS && sp);
	p = &f->paths[f->npaths++];
	p->id = (uint32_t)f->npaths;
	p->method = strndup(key, (size_t)(sp - key));
	p->path = strdup(sp + 1);
	p->endpoint = strdup(key);
	return p->id;
}

/* Starts a new run; later fx_add() calls go to it. */
static inline void fx_run(struct fx *f, int64_t id)
{
	struct e2e_run *r;

	ck_assert(f->nruns < FX_MAX_RUNS);
	r = &f->runs[f->nruns++];
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->service = "shop";
	r->started_ms = 1767225600000 + id * 3600000; /* 2026-01-01T00:00:00Z + id hours */
	r->ended_ms = r->started_ms + 60000;
	r->duration_ns = 60000000000ull;
	r->command = "";
	r->git_commit = "abc1234";
	r->git_branch = "main";
	r->host_cpu = "Test CPU";
	r->host_cores = 4;
	r->host_os = "Linux 6.1";
	r->tool_version = "0.1.0";
	r->source = "proxy";
	r->target = "http://127.0.0.1:8000";
	r->exit_status = 0;
	r->complete = true;
	f->clock_ns = 0;
}

static inline void fx_add(struct fx *f, uint32_t path_id, double ms, uint16_t status, uint64_t resp_bytes)
{
	size_t k = f->nruns - 1;
	struct e2e_sample *s;

	if (f->n[k] == f->cap[k]) {
		f->cap[k] = f->cap[k] ? 2 * f->cap[k] : 256;
		f->samples[k] = e2e_xrealloc(f->samples[k], f->cap[k] * sizeof(**f->samples));
	}
	s = &f->samples[k][f->n[k]++];
	memset(s, 0, sizeof(*s));
	s->start_ns = f->clock_ns;
	s->path_id = path_id;
	s->status = status;
	s->total_us = (uint32_t)llround(ms * 1000);
	s->ttfb_us = s->total_us;
	s->req_bytes = 0;
	s->resp_bytes = resp_bytes;
	f->clock_ns += 1000000;
}

/* Uniform (0, 1) and standard normal from a fixed LCG. */
static inline double fx_unif(struct fx *f)
{
	f->rng = f->rng * 6364136223846793005ull + 1442695040888963407ull;
	return ((double)(f->rng >> 11) + 0.5) / 9007199254740992.0;
}

static inline double fx_gauss(struct fx *f)
{
	double u = fx_unif(f), v = fx_unif(f);

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* n requests of a lognormal endpoint (median ms, sigma) to the current
 * run, every error_every-th one a 500 (0: none). */
static inline void fx_lognormal(struct fx *f, const char *key, size_t n, double median_ms, double sigma,
				size_t error_every, uint64_t resp_bytes)
{
	uint32_t id = fx_endpoint(f, key);

	for (size_t i = 0; i < n; i++)
		fx_add(f, id, median_ms * exp(sigma * fx_gauss(f)),
		       error_every && (i + 1) % error_every == 0 ? 500 : 200, resp_bytes);
}

/* The report over runs [first, first + n) in the order they were made
 * (the report wants the newest first). Caller destroys. */
static inline struct e2e_report *fx_report(struct fx *f, size_t first, size_t n)
{
	struct e2e_report_run in[FX_MAX_RUNS] = { 0 };
	struct e2e_report *r = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t k = first + n - 1 - i;

		in[i].run = &f->runs[k];
		in[i].samples = f->samples[k];
		in[i].nsamples = f->n[k];
	}
	ck_assert_msg(e2e_report_compute(in, n, f->paths, f->npaths, NULL, &r) == 0, "%s",
		      e2e_error_message());
	return r;
}

static inline void fx_finish(struct fx *f)
{
	for (size_t i = 0; i < f->npaths; i++) {
		free(f->paths[i].method);
		free(f->paths[i].path);
		free(f->paths[i].endpoint);
	}
	for (size_t k = 0; k < f->nruns; k++)
		free(f->samples[k]);
}

#endif

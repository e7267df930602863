#include "resources.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "banned.h"

void e2e_res_info_finish(struct e2e_res_info *info)
{
	if (!info)
		return;
	free(info->source);
	free(info->serve_log);
	free(info->serve_end);
	memset(info, 0, sizeof(*info));
}

struct ep_sum {
	const char *key;
	uint64_t n;
	double cpu_ns;
};

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct ep_sum *)a)->key, ((const struct ep_sum *)b)->key);
}

static int by_cpu_desc(const void *a, const void *b)
{
	const struct e2e_res_endpoint *x = a, *y = b;

	if (x->cpu_ms != y->cpu_ms)
		return x->cpu_ms < y->cpu_ms ? 1 : -1;
	return strcmp(x->endpoint, y->endpoint);
}

static double cpu_of(const struct e2e_res_sample *x)
{
	return (double)(x->cpu_user_ns + x->cpu_sys_ns);
}

static int by_start(const void *a, const void *b, void *reqs)
{
	const struct e2e_res_request *rq = reqs;
	uint64_t x = rq[*(const size_t *)a].t0_ns, y = rq[*(const size_t *)b].t0_ns;

	return (x > y) - (x < y);
}

static double overlap(const struct e2e_res_request *q, uint64_t a, uint64_t b)
{
	uint64_t lo = q->t0_ns > a ? q->t0_ns : a, hi = q->t1_ns < b ? q->t1_ns : b;

	return hi > lo ? (double)(hi - lo) : 0;
}

/* The EM split stops when no endpoint's CPU rate moved by more than
 * EM_SETTLED (relative) in a round, or after EM_ROUNDS rounds. */
#define EM_ROUNDS 50
#define EM_SETTLED 1e-4

/* The sum entry of key, added (zeroed) when new; sums stay sorted. */
static struct ep_sum *sum_of(struct ep_sum **sums, size_t *nsums, const char *key)
{
	struct ep_sum k = { .key = key }, *hit;

	hit = *nsums ? bsearch(&k, *sums, *nsums, sizeof(k), by_key) : NULL;
	if (!hit) {
		*sums = e2e_xrealloc(*sums, (*nsums + 1) * sizeof(**sums));
		(*sums)[(*nsums)++] = k;
		qsort(*sums, *nsums, sizeof(k), by_key);
		hit = bsearch(&k, *sums, *nsums, sizeof(k), by_key);
	}
	return hit;
}

/* One pass over the sampling intervals: each interval's CPU to the
 * requests in flight in it, in proportion to their time in it times
 * their endpoint's CPU rate (rate[ep[j]], CPU ns per wall ns); by time
 * alone when every rate there is 0. Into cpu[]. */
static void spread(const struct e2e_res_run *run, const size_t *ord, const size_t *ep, const double *rate,
		   double *cpu)
{
	const struct e2e_res_request *rq = run->requests;
	const struct e2e_res_sample *s = run->samples;
	size_t n = run->nrequests, j0 = 0;

	memset(cpu, 0, (n ? n : 1) * sizeof(*cpu));
	for (size_t i = 0; i + 1 < run->nsamples; i++) {
		uint64_t a = s[i].t_ns, b = s[i + 1].t_ns;
		double d = cpu_of(&s[i + 1]) - cpu_of(&s[i]), o = 0, w = 0;

		while (j0 < n && rq[ord[j0]].t1_ns <= a)
			j0++;
		if (d <= 0 || b <= a)
			continue;
		for (size_t j = j0; j < n && rq[ord[j]].t0_ns < b; j++) {
			double x = overlap(&rq[ord[j]], a, b);

			o += x;
			w += x * rate[ep[ord[j]]];
		}
		for (size_t j = j0; o > 0 && j < n && rq[ord[j]].t0_ns < b; j++) {
			double x = overlap(&rq[ord[j]], a, b);

			cpu[ord[j]] += d * (w > 0 ? x * rate[ep[ord[j]]] / w : x / o);
		}
	}
}

/* Per-endpoint CPU of one run's requests, added to sums (sorted by key).
 * Interpolating the CPU counter at each request's start and end lost
 * about a third of a sampling period per request to the idle time around
 * it (a quarter of a 10 ms request's CPU at 100 Hz); splitting each
 * interval by time alone gave a request that burns nothing part of the
 * one before it in the same interval. So: each sampling interval's CPU
 * goes to the requests in flight in it by their time in it weighted with
 * their endpoint's CPU rate, and the rates are re-estimated from that
 * split until they settle (expectation-maximisation, EM_SETTLED).
 * An interval with no request in flight is the service's own (idle,
 * background). For a serial suite (one request in flight). */
static void attribute(const struct e2e_res_run *run, struct ep_sum **sums, size_t *nsums)
{
	const struct e2e_res_request *rq = run->requests;
	size_t n = run->nrequests;
	size_t *ord = e2e_xmalloc((n ? n : 1) * sizeof(*ord)), *ep = e2e_xmalloc((n ? n : 1) * sizeof(*ep));
	double *cpu = e2e_xcalloc(n ? n : 1, sizeof(*cpu));
	double *rate, *num, *den;

	for (size_t i = 0; i < n; i++) {
		ord[i] = i;
		sum_of(sums, nsums, rq[i].endpoint);
	}
	for (size_t i = 0; i < n; i++) /* indices once every key is in */
		ep[i] = (size_t)(sum_of(sums, nsums, rq[i].endpoint) - *sums);
	qsort_r(ord, n, sizeof(*ord), by_start, (void *)rq);
	rate = e2e_xmalloc((*nsums ? *nsums : 1) * sizeof(*rate));
	num = e2e_xmalloc((*nsums ? *nsums : 1) * sizeof(*num));
	den = e2e_xmalloc((*nsums ? *nsums : 1) * sizeof(*den));
	for (size_t e = 0; e < *nsums; e++)
		rate[e] = 1;
	for (int round = 0; round < EM_ROUNDS; round++) {
		spread(run, ord, ep, rate, cpu);
		memset(num, 0, *nsums * sizeof(*num));
		memset(den, 0, *nsums * sizeof(*den));
		for (size_t i = 0; i < n; i++) {
			num[ep[i]] += cpu[i];
			den[ep[i]] += rq[i].t1_ns > rq[i].t0_ns ? (double)(rq[i].t1_ns - rq[i].t0_ns) : 0;
		}
		double moved = 0;

		for (size_t e = 0; e < *nsums; e++) {
			double r = den[e] > 0 ? num[e] / den[e] : 0,
			       m = fabs(r - rate[e]) / (rate[e] > 0 ? rate[e] : 1);

			moved = m > moved ? m : moved;
			rate[e] = r;
		}
		if (moved < EM_SETTLED)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		(*sums)[ep[i]].n++;
		(*sums)[ep[i]].cpu_ns += cpu[i];
	}
	free(den);
	free(num);
	free(rate);
	free(cpu);
	free(ep);
	free(ord);
}

/* RSS of the newest run: start, peak, end, least-squares slope and
 * whether it grew steadily. */
static void rss_trend(const struct e2e_res_run *run, struct e2e_res_report *r)
{
	const struct e2e_res_sample *s = run->samples;
	size_t n = run->nsamples;
	double mt = 0, mr = 0, sxy = 0, sxx = 0;

	r->start_rss = s[0].rss_bytes;
	r->end_rss = s[n - 1].rss_bytes;
	r->peak_rss = run->info->peak_rss_bytes;
	for (size_t i = 0; i < n; i++) {
		mt += (double)s[i].t_ns / 1e9;
		mr += (double)s[i].rss_bytes;
		if (s[i].rss_bytes > r->peak_rss)
			r->peak_rss = s[i].rss_bytes;
	}
	mt /= (double)n;
	mr /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double dt = (double)s[i].t_ns / 1e9 - mt;
		sxy += dt * ((double)s[i].rss_bytes - mr);
		sxx += dt * dt;
	}
	r->rss_slope_bps = sxx > 0 ? sxy / sxx : 0;
	r->rss_growth_per_request =
		run->nrequests ? ((double)r->end_rss - (double)r->start_rss) / (double)run->nrequests : 0;
	/* steady growth: more than 4 MiB and 10 % of the start, and the fit
	 * agrees (half of the growth or more is the trend's) */
	double growth = (double)r->end_rss - (double)r->start_rss;
	double span = (double)(s[n - 1].t_ns - s[0].t_ns) / 1e9;

	r->rss_growing = growth > 4.0 * 1048576 && growth > 0.1 * (double)r->start_rss &&
			 r->rss_slope_bps * span > 0.5 * growth;
}

static void timeline(const struct e2e_res_run *run, struct e2e_res_report *r)
{
	const struct e2e_res_sample *s = run->samples;
	size_t n = run->nsamples, step = (n + E2E_RES_TIMELINE_MAX - 1) / E2E_RES_TIMELINE_MAX;

	if (n < 2)
		return;
	r->timeline = e2e_xcalloc(n / step + 1, sizeof(*r->timeline));
	for (size_t i = step; i < n; i += step) {
		const struct e2e_res_sample *a = &s[i - step], *b = &s[i];
		double dt = (double)(b->t_ns - a->t_ns);
		struct e2e_res_point *p = &r->timeline[r->ntimeline++];

		p->t_s = (double)b->t_ns / 1e9;
		p->cpu_cores =
			dt > 0 ? (double)(b->cpu_user_ns + b->cpu_sys_ns - a->cpu_user_ns - a->cpu_sys_ns) /
					 dt
			       : 0;
		p->rss_bytes = b->rss_bytes;
	}
}

/* The endpoints' figures from their sums (same order). */
static struct e2e_res_endpoint *endpoints_of(const struct ep_sum *sums, size_t n)
{
	struct e2e_res_endpoint *e = e2e_xcalloc(n ? n : 1, sizeof(*e));

	for (size_t i = 0; i < n; i++) {
		e[i].endpoint = e2e_xstrdup(sums[i].key);
		e[i].requests = sums[i].n;
		e[i].cpu_ms = sums[i].cpu_ns / 1e6 / (double)sums[i].n;
	}
	return e;
}

/* One run's CPU per request, over the run and per endpoint. */
static void run_cpu(const struct e2e_res_run *run, struct e2e_res_run_cpu *out)
{
	const struct e2e_res_sample *s = run->samples, *last = &s[run->nsamples - 1];
	struct ep_sum *sums = NULL;
	size_t nsums = 0;
	bool cpu = run->info->have & E2E_RES_CPU;

	out->run_id = run->run_id;
	out->cpu_ms_per_request = cpu && run->nrequests ? (double)(last->cpu_user_ns + last->cpu_sys_ns -
								   s[0].cpu_user_ns - s[0].cpu_sys_ns) /
								  1e6 / (double)run->nrequests
							: NAN;
	if (!cpu || run->max_concurrency > 1)
		return;
	attribute(run, &sums, &nsums);
	out->endpoints = endpoints_of(sums, nsums);
	out->nendpoints = nsums;
	free(sums);
}

int e2e_res_compute(const struct e2e_res_run *runs, size_t n, struct e2e_res_report **out)
{
	struct e2e_res_report *r = NULL;
	struct ep_sum *sums = NULL;
	size_t nsums = 0;
	double sampler_ns = 0;

	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct e2e_res_run *run = &runs[i];
		const struct e2e_res_sample *s = run->samples, *last;

		if (!run->nsamples || !run->info)
			continue;
		last = &s[run->nsamples - 1];
		if (!r) {
			r = e2e_xcalloc(1, sizeof(*r));
			r->source = e2e_xstrdup(run->info->source ? run->info->source : "");
			r->serve_log = e2e_xstrdup(run->info->serve_log ? run->info->serve_log : "");
			r->serve_end = e2e_xstrdup(run->info->serve_end ? run->info->serve_end : "");
			r->have = run->info->have;
			r->hz = run->info->hz;
			r->attributable = true;
			rss_trend(run, r);
			timeline(run, r);
		}
		r->have &= run->info->have;
		r->runs++;
		r->samples += run->nsamples;
		r->errors += run->info->errors;
		r->duration_s += (double)(last->t_ns - s[0].t_ns) / 1e9;
		r->requests += run->nrequests;
		r->cpu_user_ms += (double)(last->cpu_user_ns - s[0].cpu_user_ns) / 1e6;
		r->cpu_sys_ms += (double)(last->cpu_sys_ns - s[0].cpu_sys_ns) / 1e6;
		r->ctx_vol += last->ctx_vol - s[0].ctx_vol;
		r->ctx_invol += last->ctx_invol - s[0].ctx_invol;
		r->runq_wait_ms += (double)(last->runq_wait_ns - s[0].runq_wait_ns) / 1e6;
		sampler_ns += (double)run->info->sampler_cpu_ns;
		for (size_t k = 0; k < run->nsamples; k++) {
			if (s[k].threads > r->peak_threads)
				r->peak_threads = s[k].threads;
			if (s[k].fds > r->peak_fds)
				r->peak_fds = s[k].fds;
		}
		if (run->max_concurrency > r->concurrency)
			r->concurrency = run->max_concurrency;
		if (run->max_concurrency > 1)
			r->attributable = false;
		attribute(run, &sums, &nsums);
		r->run_cpu = e2e_xrealloc(r->run_cpu, (r->nrun_cpu + 1) * sizeof(*r->run_cpu));
		memset(&r->run_cpu[r->nrun_cpu], 0, sizeof(*r->run_cpu));
		run_cpu(run, &r->run_cpu[r->nrun_cpu++]);
	}
	if (!r)
		return 0;
	r->cpu_ms_per_request = r->requests ? (r->cpu_user_ms + r->cpu_sys_ms) / (double)r->requests : NAN;
	r->sampler_cpu_pct = r->duration_s > 0 ? sampler_ns / 1e9 / r->duration_s * 100 : 0;
	if (r->attributable && (r->have & E2E_RES_CPU)) {
		r->endpoints = endpoints_of(sums, nsums);
		r->nendpoints = nsums;
		qsort(r->endpoints, nsums, sizeof(*r->endpoints), by_cpu_desc);
	}
	free(sums);
	*out = r;
	return 0;
}

void e2e_res_report_destroy(struct e2e_res_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nendpoints; i++)
		free(r->endpoints[i].endpoint);
	free(r->endpoints);
	for (size_t i = 0; i < r->nrun_cpu; i++) {
		for (size_t k = 0; k < r->run_cpu[i].nendpoints; k++)
			free(r->run_cpu[i].endpoints[k].endpoint);
		free(r->run_cpu[i].endpoints);
	}
	free(r->run_cpu);
	free(r->timeline);
	free(r->source);
	free(r->serve_log);
	free(r->serve_end);
	free(r);
}

static double endpoint_cpu(const struct e2e_res_endpoint *e, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].endpoint, key) == 0)
			return e[i].cpu_ms;
	return NAN;
}

double e2e_res_endpoint_cpu(const struct e2e_res_report *r, const char *key)
{
	return r ? endpoint_cpu(r->endpoints, r->nendpoints, key) : NAN;
}

const struct e2e_res_run_cpu *e2e_res_run_find(const struct e2e_res_report *r, int64_t run_id)
{
	for (size_t i = 0; r && i < r->nrun_cpu; i++)
		if (r->run_cpu[i].run_id == run_id)
			return &r->run_cpu[i];
	return NULL;
}

double e2e_res_run_endpoint_cpu(const struct e2e_res_run_cpu *rc, const char *key)
{
	return rc ? endpoint_cpu(rc->endpoints, rc->nendpoints, key) : NAN;
}

/* advice.c - recommendations that fire from evidence and cite it. */
#include "advice.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "buf.h"
#include "fmt.h"
#include "hist.h"
#include "report.h"
#include "stats.h"
#include "verdict.h"
#include "banned.h"

/* Evidence thresholds (documented in e2e-perf-report(1), THE GATE). */
#define CALLS_RATIO 1.5
#define CALLS_MIN_EXTRA 5.0
#define BYTES_RATIO 1.5
#define BYTES_MIN_EXTRA 1024.0
#define WARMUP_RATIO 2.0
#define GROWTH_RATIO 1.3
#define MIN_DELTA_MS 1.0
#define SHAPE_BODY 1.15 /* p25..p75 moved by >= 15 %: the whole distribution */
#define SHAPE_STILL 1.10 /* body moved by < 10 % ... */
#define SHAPE_TAIL 1.25 /* ... while p99 moved >= 25 % more: the tail only */
#define WORK_SHARE 0.5 /* CPU per request added >= half the added mean latency: more work */

void e2e_advice_add(struct e2e_gate_result *g, const char *kind, const char *endpoint, const char *message)
{
	struct e2e_advice *a;

	g->advice = e2e_xrealloc(g->advice, (g->nadvice + 1) * sizeof(*g->advice));
	a = &g->advice[g->nadvice++];
	a->kind = e2e_xstrdup(kind);
	a->endpoint = endpoint ? e2e_xstrdup(endpoint) : NULL;
	a->message = e2e_xstrdup(message);
}

double *e2e_advice_latencies(const struct e2e_endpoint_report *e, bool sorted)
{
	double *v = e2e_xmalloc((e->nsamples ? e->nsamples : 1) * sizeof(*v));

	for (size_t i = 0; i < e->nsamples; i++)
		v[i] = (double)e2e_sample_latency_us(&e->samples[i]) / 1000.0;
	if (sorted)
		e2e_stats_sort(v, e->nsamples);
	return v;
}

/* A ratio as a relative change: 1.5 is "+50%". */
static void pct(struct e2e_buf *b, double ratio)
{
	e2e_fmt_delta_pct(b, 100 * (ratio - 1));
}

static bool flagged(const struct e2e_endpoint_cmp *ec)
{
	return ec->verdict == E2E_VERDICT_REGRESSION || ec->verdict == E2E_VERDICT_INCONCLUSIVE ||
	       ec->breach != E2E_SEVERITY_NONE;
}

static bool latency_flagged(const struct e2e_endpoint_cmp *ec)
{
	for (int m = E2E_METRIC_P50; m <= E2E_METRIC_MEAN; m++)
		if (ec->metrics[m].verdict == E2E_VERDICT_REGRESSION ||
		    (ec->metrics[m].verdict == E2E_VERDICT_INCONCLUSIVE && ec->metrics[m].reason &&
		     strcmp(ec->metrics[m].reason, "change within noise") == 0))
			return true;
	return false;
}

static void environment(const struct e2e_report *cur, const struct e2e_gate_result *g,
			struct e2e_gate_result *out)
{
	struct e2e_buf b = E2E_BUF_INIT;
	double f = g->environment_factor;

	(void)cur;
	e2e_buf_printf(&b, "%zu of %zu endpoints moved together (p50 ", g->env_agree, g->env_endpoints);
	e2e_fmt_factor(&b, f);
	e2e_buf_printf(&b, ", %s): ", f > 1 ? "slower" : "faster");
	e2e_buf_puts(&b, "the machine changed, not the code (another runner class, CPU throttling, noisy "
			 "neighbours); each endpoint was judged after removing the shift");
	if (g->host_mismatch)
		e2e_buf_puts(&b, "; the host also differs from the baseline's");
	e2e_buf_puts(
		&b,
		". Pin the runner class, or rebuild the baseline on this runner (--set-baseline --repeat 5)");
	e2e_advice_add(out, "environment", NULL, b.data);
	e2e_buf_finish(&b);
}

/* Where did the distribution move: the body (p25..p75) or the tail? */
static void shape(const struct e2e_endpoint_report *e, const struct e2e_baseline_endpoint *be,
		  const struct e2e_endpoint_cmp *ec, struct e2e_gate_result *g)
{
	static const double qs[] = { 0.25, 0.50, 0.75, 0.90, 0.99 };
	double r[5], body[3], env = ec->metrics[E2E_METRIC_P50].env_factor, b, tail;
	double *sorted;
	struct e2e_buf m = E2E_BUF_INIT;

	if (e->nsamples < 20 || be->count < 20 || !(env > 0))
		return;
	sorted = e2e_advice_latencies(e, true);
	for (int i = 0; i < 5; i++) {
		double base = e2e_hist_quantile(be->hist, qs[i]) / 1000.0,
		       now = e2e_stats_quantile_sorted(sorted, e->nsamples, qs[i]);

		r[i] = base > 0 ? now / base / env : NAN;
	}
	free(sorted);
	for (int i = 0; i < 3; i++)
		body[i] = r[i];
	b = e2e_stats_median(body, 3);
	tail = r[4];
	if (!(b > 0) || !(tail > 0))
		return;
	if (b >= SHAPE_BODY) {
		e2e_buf_puts(&m, "whole distribution shifted: p25 ");
		pct(&m, r[0]);
		e2e_buf_puts(&m, ", p50 ");
		pct(&m, r[1]);
		e2e_buf_puts(&m, ", p75 ");
		pct(&m, r[2]);
		e2e_buf_puts(&m, ", p99 ");
		pct(&m, r[4]);
		if (tail >= b * SHAPE_TAIL)
			e2e_buf_puts(&m, " (the tail grew even more)");
		e2e_buf_puts(&m,
			     ": every request does more work (a new query or call, heavier serialisation, a "
			     "missing index, a cache that stopped hitting); profile a typical request");
		e2e_advice_add(g, "whole_distribution", e->key, m.data);
	} else if (b < SHAPE_STILL && tail >= SHAPE_TAIL) {
		e2e_buf_puts(&m, "tail only: p50 ");
		pct(&m, r[1]);
		e2e_buf_puts(&m, ", p90 ");
		pct(&m, r[3]);
		e2e_buf_puts(&m, ", p99 ");
		pct(&m, r[4]);
		e2e_buf_puts(
			&m,
			": most requests are unchanged and a few got much slower (lock or pool contention, "
			"GC pauses, timeouts and retries, a slow dependency on some code paths)");
		e2e_advice_add(g, "tail_only", e->key, m.data);
	}
	e2e_buf_finish(&m);
}

static void calls_and_bytes(const struct e2e_report *cur, const struct e2e_endpoint_report *e,
			    const struct e2e_baseline *b, const struct e2e_baseline_endpoint *be,
			    struct e2e_gate_result *g)
{
	double now = (double)e->count / (double)(cur->nruns ? cur->nruns : 1);
	double before = (double)be->count / (double)(b->nsources ? b->nsources : 1);
	struct e2e_buf m = E2E_BUF_INIT;

	if (before > 0 && now >= CALLS_RATIO * before && now - before >= CALLS_MIN_EXTRA) {
		e2e_fmt_count(&m, (uint64_t)llround(now));
		e2e_buf_puts(&m, " calls per run vs ");
		e2e_fmt_count(&m, (uint64_t)llround(before));
		e2e_buf_puts(&m, " in the baseline (");
		e2e_fmt_factor(&m, now / before);
		e2e_buf_puts(&m, "): an N+1 pattern (a call per item in a loop), a retry loop, or a client "
				 "that no longer caches; check who calls it");
		if (e->errors > be->errors) {
			e2e_buf_puts(&m, " (errors rose too: ");
			e2e_fmt_count(&m, e->errors);
			e2e_buf_puts(&m, " vs ");
			e2e_fmt_count(&m, be->errors);
			e2e_buf_puts(&m, ", retries are likely)");
		}
		e2e_advice_add(g, "more_calls", e->key, m.data);
	}
	if (be->mean_resp_bytes >= 0 && e->mean_resp_bytes >= BYTES_RATIO * be->mean_resp_bytes &&
	    e->mean_resp_bytes - be->mean_resp_bytes >= BYTES_MIN_EXTRA) {
		e2e_buf_reset(&m);
		e2e_buf_puts(&m, "responses grew from ");
		e2e_fmt_bytes(&m, be->mean_resp_bytes);
		e2e_buf_puts(&m, " to ");
		e2e_fmt_bytes(&m, e->mean_resp_bytes);
		e2e_buf_puts(&m, " on average");
		if (be->mean_resp_bytes > 0) {
			e2e_buf_puts(&m, " (");
			e2e_fmt_factor(&m, e->mean_resp_bytes / be->mean_resp_bytes);
			e2e_buf_putc(&m, ')');
		}
		e2e_buf_puts(
			&m, ": a missing page size or field filter, an eager-loaded relation, or compression "
			    "turned off; transfer and serialisation time grow with size");
		e2e_advice_add(g, "larger_responses", e->key, m.data);
	}
	e2e_buf_finish(&m);
}

static bool base_has_status(const struct e2e_baseline_endpoint *be, uint16_t status)
{
	for (size_t i = 0; i < be->nstatuses; i++)
		if (be->statuses[i].status == status && be->statuses[i].count)
			return true;
	return false;
}

static void new_errors(const struct e2e_endpoint_report *e, const struct e2e_baseline_endpoint *be,
		       struct e2e_gate_result *g)
{
	struct e2e_buf m = E2E_BUF_INIT;
	const char *sep = "new error statuses: ";

	for (size_t i = 0; i < e->nstatuses; i++) {
		uint16_t st = e->statuses[i].status;

		if ((st != 0 && st < 400) || !e->statuses[i].count || base_has_status(be, st))
			continue;
		e2e_buf_puts(&m, sep);
		if (st == 0)
			e2e_buf_puts(&m, "no response");
		else
			e2e_buf_printf(&m, "%u", (unsigned)st);
		e2e_buf_puts(&m, " x");
		e2e_fmt_count(&m, e->statuses[i].count);
		e2e_buf_puts(&m, " (");
		e2e_fmt_pct(&m, (double)e->statuses[i].count / (double)e->count);
		e2e_buf_putc(&m, ')');
		sep = ", ";
	}
	if (m.len)
		sep = "; new error kinds: ";
	else
		sep = "new error kinds: ";
	for (int k = 1; k < E2E_EK__COUNT; k++) {
		if (!e->error_kinds[k] || be->error_kinds[k])
			continue;
		e2e_buf_printf(&m, "%s%s x", sep, e2e_error_kind_name(k));
		e2e_fmt_count(&m, e->error_kinds[k]);
		sep = ", ";
	}
	if (m.len) {
		e2e_buf_puts(&m, " (the baseline had none of these in ");
		e2e_fmt_count(&m, be->count);
		e2e_buf_puts(&m, " requests): read the service log for these requests; a new failure mode, "
				 "not noise");
		e2e_advice_add(g, "new_errors", e->key, m.data);
	}
	e2e_buf_finish(&m);
}

/* Splits the endpoint's samples into its runs (recording order). */
struct segment {
	size_t start, n;
};

static size_t run_segments(const struct e2e_endpoint_report *e, struct segment **out)
{
	struct segment *s = e2e_xmalloc((e->nsamples ? e->nsamples : 1) * sizeof(*s));
	size_t n = 0;

	for (size_t i = 0; i < e->nsamples; i++) {
		if (i == 0 || (e->sample_run && e->sample_run[i] != e->sample_run[i - 1])) {
			s[n].start = i;
			s[n++].n = 0;
		}
		s[n - 1].n++;
	}
	*out = s;
	return n;
}

/* "a<between>b<after> (xfactor)", a and b in ms. */
static void two_ms(struct e2e_buf *m, double a, const char *between, double b, const char *after,
		   double factor)
{
	e2e_fmt_ms(m, a);
	e2e_buf_puts(m, between);
	e2e_fmt_ms(m, b);
	e2e_buf_printf(m, "%s (", after);
	e2e_fmt_factor(m, factor);
	e2e_buf_putc(m, ')');
}

/* Slow first requests, and latency growing during the run. */
static void over_time(const struct e2e_endpoint_report *e, struct e2e_gate_result *g)
{
	double *lat = e2e_advice_latencies(e, false);
	double *first = e2e_xmalloc((e->nsamples ? e->nsamples : 1) * sizeof(*first));
	double *rest = e2e_xmalloc((e->nsamples ? e->nsamples : 1) * sizeof(*rest));
	double *early = e2e_xmalloc((e->nsamples ? e->nsamples : 1) * sizeof(*early));
	double *late = e2e_xmalloc((e->nsamples ? e->nsamples : 1) * sizeof(*late));
	size_t nf = 0, nr = 0, ne = 0, nl = 0, w = 0;
	struct segment *seg;
	size_t nseg = run_segments(e, &seg);
	struct e2e_buf m = E2E_BUF_INIT;

	for (size_t s = 0; s < nseg; s++) {
		size_t n = seg[s].n, third;
		const double *v = lat + seg[s].start;

		if (n < 20)
			continue;
		w = n / 20 < 3 ? 3 : n / 20 > 10 ? 10 : n / 20;
		for (size_t i = 0; i < n; i++) {
			if (i < w)
				first[nf++] = v[i];
			else
				rest[nr++] = v[i];
		}
		if (n - w < 30)
			continue;
		third = (n - w) / 3;
		for (size_t i = 0; i < third; i++) {
			early[ne++] = v[w + i];
			late[nl++] = v[n - third + i];
		}
	}
	if (nf && nr) {
		double a = e2e_stats_median(first, nf), b = e2e_stats_median(rest, nr);

		if (b > 0 && a >= WARMUP_RATIO * b && a - b >= MIN_DELTA_MS) {
			e2e_buf_printf(&m, "slow first requests: the first %zu of each run have a median of ",
				       w);
			two_ms(&m, a, " vs ", b, " for the rest", a / b);
			e2e_buf_puts(&m, ": warm-up (cold caches, JIT, connection pools); add a warm-up step "
					 "before the measured suite or keep the service warm");
			e2e_advice_add(g, "warm_up", e->key, m.data);
		}
	}
	if (ne && nl) {
		double a = e2e_stats_median(early, ne), b = e2e_stats_median(late, nl);

		if (a > 0 && b >= GROWTH_RATIO * a && b - a >= MIN_DELTA_MS) {
			e2e_buf_reset(&m);
			e2e_buf_puts(&m, "latency grows during the run: p50 ");
			two_ms(&m, a, " in the first third, ", b, " in the last", b / a);
			e2e_buf_puts(&m,
				     ": something accumulates (a leak, a table or queue growing without an "
				     "index, cache eviction); watch memory and data size");
			e2e_advice_add(g, "growing", e->key, m.data);
		}
	}
	e2e_buf_finish(&m);
	free(seg);
	free(lat);
	free(first);
	free(rest);
	free(early);
	free(late);
}

/* Latency rose: did the service work more (CPU per request rose with it)
 * or wait more (locks, I/O, a downstream call)? The added CPU per request
 * against the added mean latency, both means per request. */
static void work_or_wait(const struct e2e_endpoint_cmp *ec, struct e2e_gate_result *g)
{
	const struct e2e_metric_cmp *cpu = &ec->metrics[E2E_METRIC_CPU],
				    *mean = &ec->metrics[E2E_METRIC_MEAN];
	bool cpu_reg = cpu->verdict == E2E_VERDICT_REGRESSION;
	struct e2e_buf b = E2E_BUF_INIT;
	bool work;

	if (isnan(cpu->baseline) || isnan(cpu->current) || !(latency_flagged(ec) || cpu_reg))
		return;
	if (!(mean->delta > 0) && !cpu_reg)
		return;
	work = cpu_reg || cpu->delta >= WORK_SHARE * mean->delta;
	e2e_buf_puts(&b, "mean latency ");
	two_ms(&b, mean->baseline, " -> ", mean->current, "", mean->current / mean->baseline);
	e2e_buf_puts(&b, ", CPU per request ");
	two_ms(&b, cpu->baseline, " -> ", cpu->current, "", cpu->current / cpu->baseline);
	if (work)
		e2e_buf_puts(&b, ": more work per request, the service spends the added time computing; "
				 "profile it (--profile-cpu) and compare with the baseline's commit");
	else
		e2e_buf_puts(&b, ": waiting, not working: the added time is not CPU in the service; "
				 "look at locks, I/O, a downstream call (a database, another service)");
	e2e_advice_add(g, work ? "more_work" : "waiting", ec->key, b.data);
	e2e_buf_finish(&b);
}

void e2e_advice_derive(const struct e2e_report *cur, const struct e2e_baseline *b, struct e2e_gate_result *g)
{
	if (g->environment_shift)
		environment(cur, g, g);
	for (size_t i = 0; i < g->nendpoints; i++) {
		const struct e2e_endpoint_cmp *ec = &g->endpoints[i];
		const struct e2e_endpoint_report *e = e2e_report_find(cur, ec->key);
		const struct e2e_baseline_endpoint *be = b ? e2e_baseline_find(b, ec->key) : NULL;

		if (!e)
			continue;
		if (be && latency_flagged(ec))
			shape(e, be, ec, g);
		if (be)
			calls_and_bytes(cur, e, b, be, g);
		if (be)
			new_errors(e, be, g);
		if (flagged(ec))
			over_time(e, g);
		if (be)
			work_or_wait(ec, g);
	}
	/* rules only (no baseline): the breached endpoints still get the time checks */
	if (!b) {
		for (size_t i = 0; i < g->nfindings; i++) {
			const struct e2e_endpoint_report *e;
			bool seen = false;

			if (!g->findings[i].endpoint || strcmp(g->findings[i].kind, "rule") != 0)
				continue;
			for (size_t j = 0; j < i; j++)
				if (g->findings[j].endpoint &&
				    strcmp(g->findings[j].endpoint, g->findings[i].endpoint) == 0)
					seen = true;
			e = e2e_report_find(cur, g->findings[i].endpoint);
			if (e && !seen)
				over_time(e, g);
		}
	}
}

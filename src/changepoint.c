/* changepoint.c - E-Divisive means with a t-test, after Apache Otava
 * (see changepoint.h for the method and the references). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changepoint.h"
#include "stats.h"
#include "banned.h"

#define HAMPEL_HALF 3 /* window of 7 runs */
#define HAMPEL_K 3.0 /* scaled MADs */
#define MAD_SCALE 1.4826 /* MAD to standard deviation under normal noise */
#define PENALTY_PER_LOG_N 4.0 /* default penalty: this times ln(values) */

void e2e_cp_config_init(struct e2e_cp_config *c)
{
	c->max_pvalue = 0.01;
	c->min_size = 3;
	c->min_change = 0.05;
	c->penalty = 0;
	c->noise_floor = 0;
	c->log_scale = true;
}

/* y[i] replaced by its window's median when it is an outlier there. */
static void hampel(const double *x, size_t n, double *y)
{
	for (size_t i = 0; i < n; i++) {
		size_t lo = i >= HAMPEL_HALF ? i - HAMPEL_HALF : 0;
		size_t hi = i + HAMPEL_HALF < n ? i + HAMPEL_HALF : n - 1;
		double w[2 * HAMPEL_HALF + 1], med, mad;
		size_t k = hi - lo + 1;

		memcpy(w, x + lo, k * sizeof(*w));
		med = e2e_stats_median(w, k);
		for (size_t j = 0; j < k; j++)
			w[j] = fabs(x[lo + j] - med);
		mad = e2e_stats_median(w, k);
		y[i] = fabs(x[i] - med) > HAMPEL_K * MAD_SCALE * mad ? med : x[i];
	}
}

struct cand {
	size_t at; /* position in the compacted series */
};

/* Prefix sums of y and y^2 (centred on y[0] for precision): the cost of
 * y[a..b) as one level, in units of sigma^2. */
struct sums {
	double *s1, *s2, sigma2;
};

static double cost(const struct sums *p, size_t a, size_t b)
{
	double n = (double)(b - a), s1 = p->s1[b] - p->s1[a], s2 = p->s2[b] - p->s2[a];

	return fmax(0, s2 - s1 * s1 / n) / p->sigma2;
}

/* Robust noise level: the scaled MAD of first differences over sqrt 2
 * (a level shift moves one difference, not the spread). */
static double noise_sigma(const double *y, size_t m, double *scratch)
{
	double s;

	for (size_t i = 1; i < m; i++)
		scratch[i - 1] = fabs(y[i] - y[i - 1]);
	s = MAD_SCALE * e2e_stats_median(scratch, m - 1) / sqrt(2);
	return fmax(s, 1e-9 * (1 + fabs(y[0])));
}

/* PELT (Killick, Fearnhead and Eckley 2012): the segmentation of y
 * minimising total cost + penalty per change point, segments of at least
 * min values; the change points (segment starts) into c. */
static size_t pelt(const struct sums *p, size_t m, size_t min, double penalty, struct cand *c)
{
	double *f = e2e_xmalloc((m + 1) * sizeof(*f));
	size_t *last = e2e_xmalloc((m + 1) * sizeof(*last)), *r = e2e_xmalloc((m + 1) * sizeof(*r));
	size_t nr = 0, nc = 0;

	f[0] = -penalty;
	r[nr++] = 0;
	for (size_t t = min; t <= m; t++) {
		size_t keep = 0;

		f[t] = INFINITY;
		last[t] = 0;
		for (size_t i = 0; i < nr; i++) {
			double v = f[r[i]] + cost(p, r[i], t) + penalty;

			if (v < f[t]) {
				f[t] = v;
				last[t] = r[i];
			}
		}
		for (size_t i = 0; i < nr; i++)
			if (f[r[i]] + cost(p, r[i], t) <= f[t])
				r[keep++] = r[i];
		nr = keep;
		if (t + 1 >= 2 * min) /* t + 1 - min can end a segment now */
			r[nr++] = t + 1 - min;
	}
	for (size_t t = last[m]; t > 0; t = last[t])
		c[nc++] = (struct cand){ t };
	for (size_t i = 0; i < nc / 2; i++) {
		struct cand x = c[i];

		c[i] = c[nc - 1 - i];
		c[nc - 1 - i] = x;
	}
	free(r);
	free(last);
	free(f);
	return nc;
}

/* Two-sided p-value of Welch's t-test of y[a..t) against y[t..b). */
static double ttest(const double *y, size_t a, size_t t, size_t b)
{
	struct e2e_summary l, r;
	double vl, vr, se2, tt, df;

	e2e_stats_summary(y + a, t - a, &l);
	e2e_stats_summary(y + t, b - t, &r);
	vl = l.stddev * l.stddev / (double)l.n;
	vr = r.stddev * r.stddev / (double)r.n;
	se2 = vl + vr;
	if (se2 <= 0)
		return l.mean == r.mean ? 1.0 : 0.0;
	tt = fabs(l.mean - r.mean) / sqrt(se2);
	df = se2 * se2 /
	     ((l.n > 1 ? vl * vl / (double)(l.n - 1) : 0) + (r.n > 1 ? vr * vr / (double)(r.n - 1) : 0));
	return fmin(1.0, 2 * e2e_stats_t_upper(tt, df));
}

static double segment_median(const double *raw, size_t a, size_t b, double *scratch)
{
	memcpy(scratch, raw + a, (b - a) * sizeof(*scratch));
	return e2e_stats_median(scratch, b - a);
}

/* Re-tests each change point against the segments its neighbours bound
 * and drops the weakest failing one (the highest p-value; a change below
 * min_change fails as if its p-value were max_pvalue) until every one
 * passes. */
static size_t reweigh(const double *y, const double *raw, size_t m, const struct e2e_cp_config *cfg,
		      struct cand *c, size_t nc, double *scratch)
{
	for (;;) {
		size_t worst = nc;
		double worst_p = -1;

		for (size_t i = 0; i < nc; i++) {
			size_t a = i ? c[i - 1].at : 0, b = i + 1 < nc ? c[i + 1].at : m;
			double p = ttest(y, a, c[i].at, b), before, after;

			if (p < cfg->max_pvalue && cfg->min_change > 0) {
				before = segment_median(raw, a, c[i].at, scratch);
				after = segment_median(raw, c[i].at, b, scratch);
				if (before > 0 && fabs(after / before - 1) < cfg->min_change)
					p = cfg->max_pvalue; /* fails, after any failing t-test */
			}
			if (p >= cfg->max_pvalue && p > worst_p) {
				worst_p = p;
				worst = i;
			}
		}
		if (worst == nc)
			return nc;
		memmove(c + worst, c + worst + 1, (nc - worst - 1) * sizeof(*c));
		nc--;
	}
}

int e2e_cp_detect(const double *v, size_t n, const struct e2e_cp_config *cfg, struct e2e_changepoint **out,
		  size_t *nout)
{
	struct e2e_cp_config def;
	size_t *idx = e2e_xmalloc((n ? n : 1) * sizeof(*idx)), m = 0, nc = 0;
	double *raw = e2e_xmalloc((n ? 2 * n : 1) * sizeof(*raw)); /* and scratch */
	double *x = e2e_xmalloc((n ? n : 1) * sizeof(*x));
	double *y = e2e_xmalloc((n ? n : 1) * sizeof(*y));
	struct cand *c = NULL;
	struct e2e_changepoint *cp = NULL;
	struct sums sums = { NULL, NULL, 1 };

	if (!cfg) {
		e2e_cp_config_init(&def);
		cfg = &def;
	}
	def = *cfg;
	if (def.min_size < 2)
		def.min_size = 2; /* a segment's variance needs two values */
	cfg = &def;
	for (size_t i = 0; i < n; i++) {
		if (isnan(v[i]) || (cfg->log_scale && !(v[i] > 0)))
			continue;
		idx[m] = i;
		raw[m] = v[i];
		x[m++] = cfg->log_scale ? log(v[i]) : v[i];
	}
	if (m >= 2 * cfg->min_size) {
		hampel(x, m, y);
		sums.s1 = e2e_xmalloc((m + 1) * sizeof(double));
		sums.s2 = e2e_xmalloc((m + 1) * sizeof(double));
		sums.s1[0] = sums.s2[0] = 0;
		for (size_t i = 0; i < m; i++) {
			double d = y[i] - y[0];

			sums.s1[i + 1] = sums.s1[i] + d;
			sums.s2[i + 1] = sums.s2[i] + d * d;
		}
		sums.sigma2 = fmax(noise_sigma(x, m, raw + m), cfg->noise_floor);
		sums.sigma2 *= sums.sigma2;
		c = e2e_xmalloc(m * sizeof(*c));
		nc = pelt(&sums, m, cfg->min_size,
			  cfg->penalty > 0 ? cfg->penalty : PENALTY_PER_LOG_N * log((double)m), c);
		nc = reweigh(y, raw, m, cfg, c, nc, x);
	}
	if (nc)
		cp = e2e_xcalloc(nc, sizeof(*cp));
	for (size_t i = 0; i < nc; i++) {
		size_t a = i ? c[i - 1].at : 0, b = i + 1 < nc ? c[i + 1].at : m;

		cp[i].index = idx[c[i].at];
		cp[i].before = segment_median(raw, a, c[i].at, x);
		cp[i].after = segment_median(raw, c[i].at, b, x);
		cp[i].change = cp[i].before != 0 ? cp[i].after / cp[i].before - 1 : NAN;
		cp[i].pvalue = ttest(y, a, c[i].at, b);
		cp[i].score = cost(&sums, a, b) - cost(&sums, a, c[i].at) - cost(&sums, c[i].at, b);
	}
	*out = cp;
	*nout = nc;
	free(c);
	free(sums.s1);
	free(sums.s2);
	free(y);
	free(x);
	free(raw);
	free(idx);
	return 0;
}

/* hist.c - sparse log-linear latency histogram.
 *
 * Buckets: every power-of-two octave [2^e, 2^(e+1)) for e in -10..31 is cut
 * into 64 equal sub-buckets (HdrHistogram's layout). A bucket's width is at
 * most 1/64 of its lower bound, so its midpoint is within 1/128 (0.78 %) of
 * any value in it. A type-7 quantile interpolates between two order
 * statistics; both are off by at most 0.78 % relative and the interpolation
 * is a convex combination, so the result is too. Exact min and max are
 * kept (and answer the extreme ranks), and representatives are clamped to
 * [min, max], which can only bring them closer.
 *
 * Index 0 holds values below 2^-10 us (1 ns): they are counted as 0, which
 * is what a latency that small means. Index TOP holds values of 2^32 us
 * (about 71 minutes) and more; its representative is the exact max. NaN is
 * ignored; negative values and -inf count as 0; values above 10^15 us (30
 * years: a broken clock, not a latency) count as 10^15 so sums stay finite.
 *
 * Only non-empty buckets are stored (sorted index and count arrays), so a
 * narrow distribution costs a few hundred bytes.
 *
 * Encoding: "h1,<min>,<max>,<sum>,<buckets>", the numbers in the shortest
 * decimal form that reads back exactly, the buckets as groups of varints
 * (gap to the previous bucket, run length, then that many counts) over the
 * base64url alphabet, 5 data bits per character with 32 as "more follows". */
#include "hist.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

#include "banned.h"

#define SUB_BITS 6
#define SUB (1u << SUB_BITS)
#define MIN_EXP (-10)
#define MAX_EXP 31 /* last octave is [2^31, 2^32) */
#define TOP (1u + (uint32_t)(MAX_EXP - MIN_EXP + 1) * SUB)
#define VALUE_MAX 1e15

struct e2e_hist {
	uint64_t count;
	double min, max, sum;
	size_t n, cap; /* non-empty buckets */
	uint32_t *idx; /* ascending */
	uint64_t *cnt;
};

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static uint32_t index_of(double v)
{
	int e;
	double m;

	if (!(v >= ldexp(1, MIN_EXP)))
		return 0;
	if (v >= ldexp(1, MAX_EXP + 1))
		return TOP;
	m = frexp(v, &e); /* v = m 2^e, m in [0.5, 1) */
	return 1 + (uint32_t)(e - 1 - MIN_EXP) * SUB + (uint32_t)((2 * m - 1) * SUB);
}

static void bounds_of(uint32_t i, double *lo, double *hi)
{
	if (i == 0) {
		*lo = 0;
		*hi = ldexp(1, MIN_EXP);
	} else if (i >= TOP) {
		*lo = ldexp(1, MAX_EXP + 1);
		*hi = INFINITY;
	} else {
		int e = (int)((i - 1) / SUB) + MIN_EXP;
		double sub = (double)((i - 1) % SUB);

		*lo = ldexp(1 + sub / SUB, e);
		*hi = ldexp(1 + (sub + 1) / SUB, e);
	}
}

static double clamp(const struct e2e_hist *h, double v)
{
	return v < h->min ? h->min : v > h->max ? h->max : v;
}

static double rep_of(const struct e2e_hist *h, uint32_t i)
{
	double lo, hi;

	if (i == 0)
		return 0;
	if (i >= TOP)
		return h->max;
	bounds_of(i, &lo, &hi);
	return clamp(h, lo + (hi - lo) / 2);
}

struct e2e_hist *e2e_hist_create(void)
{
	struct e2e_hist *h = e2e_xcalloc(1, sizeof(*h));

	return h;
}

void e2e_hist_destroy(struct e2e_hist *h)
{
	if (!h)
		return;
	free(h->idx);
	free(h->cnt);
	free(h);
}

static void reserve(struct e2e_hist *h, size_t need)
{
	if (need <= h->cap)
		return;
	size_t cap = h->cap ? h->cap : 8;
	while (cap < need)
		cap *= 2;
	h->idx = e2e_xrealloc(h->idx, cap * sizeof(*h->idx));
	h->cnt = e2e_xrealloc(h->cnt, cap * sizeof(*h->cnt));
	h->cap = cap;
}

static void bucket_add(struct e2e_hist *h, uint32_t i, uint64_t count)
{
	size_t lo = 0, hi = h->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->idx[mid] < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->n && h->idx[lo] == i) {
		h->cnt[lo] += count;
		return;
	}
	reserve(h, h->n + 1);
	memmove(h->idx + lo + 1, h->idx + lo, (h->n - lo) * sizeof(*h->idx));
	memmove(h->cnt + lo + 1, h->cnt + lo, (h->n - lo) * sizeof(*h->cnt));
	h->idx[lo] = i;
	h->cnt[lo] = count;
	h->n++;
}

void e2e_hist_add_n(struct e2e_hist *h, double value_us, uint64_t count)
{
	double v = value_us;

	if (count == 0 || isnan(v))
		return;
	if (v < ldexp(1, MIN_EXP))
		v = 0;
	if (v > VALUE_MAX)
		v = VALUE_MAX;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (h->count == 0 || v > h->max)
		h->max = v;
	h->count += count;
	h->sum += v * (double)count;
	bucket_add(h, index_of(v), count);
}

void e2e_hist_add(struct e2e_hist *h, double value_us)
{
	e2e_hist_add_n(h, value_us, 1);
}

void e2e_hist_merge(struct e2e_hist *dst, const struct e2e_hist *src)
{
	size_t i = 0, j = 0, n = 0, cap = dst->n + src->n;
	uint32_t *idx;
	uint64_t *cnt;

	if (src->count == 0)
		return;
	idx = e2e_xmalloc(cap * sizeof(*idx));
	cnt = e2e_xmalloc(cap * sizeof(*cnt));
	while (i < dst->n || j < src->n) {
		if (j == src->n || (i < dst->n && dst->idx[i] < src->idx[j])) {
			idx[n] = dst->idx[i];
			cnt[n++] = dst->cnt[i++];
		} else if (i == dst->n || src->idx[j] < dst->idx[i]) {
			idx[n] = src->idx[j];
			cnt[n++] = src->cnt[j++];
		} else {
			idx[n] = dst->idx[i];
			cnt[n++] = dst->cnt[i++] + src->cnt[j++];
		}
	}
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->count == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	free(dst->idx);
	free(dst->cnt);
	dst->idx = idx;
	dst->cnt = cnt;
	dst->n = n;
	dst->cap = cap;
}

uint64_t e2e_hist_count(const struct e2e_hist *h)
{
	return h->count;
}

/* Value of order statistic r (0-based): exact at both ends, otherwise
 * the representative of the bucket holding it. *pos and *below carry the
 * walk over to a following, larger rank. */
static double rank_value(const struct e2e_hist *h, uint64_t r, size_t *pos, uint64_t *below)
{
	if (r == 0)
		return h->min;
	if (r >= h->count - 1)
		return h->max;
	while (*pos < h->n && *below + h->cnt[*pos] <= r)
		*below += h->cnt[(*pos)++];
	return rep_of(h, h->idx[*pos < h->n ? *pos : h->n - 1]);
}

double e2e_hist_quantile(const struct e2e_hist *h, double q)
{
	size_t pos = 0;
	uint64_t below = 0, k;
	double x, frac, a, b;

	if (h->count == 0 || isnan(q))
		return NAN;
	if (q < 0)
		q = 0;
	if (q >= 1) /* rank n - 1, which a double cannot hold above 2^53 */
		return h->max;
	x = (double)(h->count - 1) * q;
	k = (uint64_t)floor(x);
	if (k > h->count - 1)
		k = h->count - 1;
	frac = x - (double)k;
	a = rank_value(h, k, &pos, &below);
	if (frac <= 0 || k + 1 >= h->count)
		return a;
	b = rank_value(h, k + 1, &pos, &below);
	return a + frac * (b - a);
}

double e2e_hist_mean(const struct e2e_hist *h)
{
	return h->count ? h->sum / (double)h->count : NAN;
}

double e2e_hist_min(const struct e2e_hist *h)
{
	return h->count ? h->min : NAN;
}

double e2e_hist_max(const struct e2e_hist *h)
{
	return h->count ? h->max : NAN;
}

void e2e_hist_foreach(const struct e2e_hist *h,
		      void (*fn)(void *ctx, double rep, double lo, double hi, uint64_t count), void *ctx)
{
	for (size_t i = 0; i < h->n; i++) {
		double lo, hi;

		bounds_of(h->idx[i], &lo, &hi);
		if (h->idx[i] >= TOP)
			hi = h->max;
		fn(ctx, rep_of(h, h->idx[i]), lo, hi, h->cnt[i]);
	}
}

/* Shortest "%.*g" that reads back as the same double. */
static void put_double(struct e2e_buf *b, double v)
{
	char s[40];

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, v);
		if (strtod(s, NULL) == v)
			break;
	}
	e2e_buf_printf(b, "%s,", s);
}

static void put_varint(struct e2e_buf *b, uint64_t v)
{
	while (v >= 32) {
		e2e_buf_putc(b, b64[32 | (v & 31)]);
		v >>= 5;
	}
	e2e_buf_putc(b, b64[v]);
}

char *e2e_hist_encode(const struct e2e_hist *h)
{
	struct e2e_buf b = E2E_BUF_INIT;
	size_t i = 0;
	uint32_t next = 0; /* first index the next gap counts from */

	e2e_buf_puts(&b, "h1,");
	put_double(&b, h->count ? h->min : 0);
	put_double(&b, h->count ? h->max : 0);
	put_double(&b, h->count ? h->sum : 0);
	while (i < h->n) {
		size_t run = 1;

		while (i + run < h->n && h->idx[i + run] == h->idx[i] + run)
			run++;
		put_varint(&b, h->idx[i] - next);
		put_varint(&b, run);
		for (size_t j = 0; j < run; j++)
			put_varint(&b, h->cnt[i + j]);
		next = h->idx[i] + (uint32_t)run + 1;
		i += run;
	}
	return e2e_buf_detach(&b, NULL);
}

struct reader {
	const char *s;
	size_t pos;
};

static int bad(const struct reader *r, const char *what)
{
	return e2e_error(E2E_ERR_INPUT, "invalid histogram: %s at character %zu", what, r->pos + 1);
}

static int get_double(struct reader *r, const char *name, double limit, double *out)
{
	const char *start = r->s + r->pos;
	size_t len = strspn(start, "0123456789.eE+-");
	char tmp[40], *end;
	double v;

	if (len == 0 || len >= sizeof(tmp) || start[len] != ',')
		return e2e_error(E2E_ERR_INPUT, "invalid histogram: bad %s at character %zu", name,
				 r->pos + 1);
	memcpy(tmp, start, len);
	tmp[len] = '\0';
	v = strtod(tmp, &end);
	if (*end || !(v >= 0 && v <= limit) || (v > 0 && v < ldexp(1, MIN_EXP)))
		return e2e_error(E2E_ERR_INPUT, "invalid histogram: bad %s at character %zu", name,
				 r->pos + 1);
	r->pos += len + 1;
	*out = v == 0 ? 0 : v; /* "-0" reads as 0, as every histogram holds it */
	return 0;
}

static int digit_of(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

static int get_varint(struct reader *r, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		int d = digit_of(r->s[r->pos]);

		if (d < 0)
			return bad(r, r->s[r->pos] ? "unexpected character" : "truncated data");
		if (shift >= 64 || (shift > 59 && (uint64_t)(d & 31) >> (64 - shift)))
			return bad(r, "number too large");
		if (shift > 0 && d == 0)
			return bad(r, "non-canonical number");
		v |= (uint64_t)(d & 31) << shift;
		shift += 5;
		r->pos++;
		if (d < 32)
			break;
	}
	*out = v;
	return 0;
}

int e2e_hist_decode(const char *s, struct e2e_hist **out)
{
	struct reader r = { s, 0 };
	struct e2e_hist *h = NULL;
	double min, max, sum, lo, hi;
	uint64_t next = 0;
	int rc;

	if (!s)
		return e2e_error(E2E_ERR_INPUT, "invalid histogram: missing");
	if (strncmp(s, "h1,", 3) != 0)
		return bad(&r, "expected 'h1,'");
	r.pos = 3;
	if ((rc = get_double(&r, "min", VALUE_MAX, &min)) < 0 ||
	    (rc = get_double(&r, "max", VALUE_MAX, &max)) < 0 ||
	    (rc = get_double(&r, "sum", DBL_MAX, &sum)) < 0)
		return rc;
	h = e2e_hist_create();
	while (s[r.pos]) {
		uint64_t gap, run;

		if ((rc = get_varint(&r, &gap)) < 0 || (rc = get_varint(&r, &run)) < 0)
			goto out;
		if (run == 0) {
			rc = bad(&r, "empty run");
			goto out;
		}
		if (gap > TOP || next + gap + run - 1 > TOP) {
			rc = bad(&r, "bucket index out of range");
			goto out;
		}
		next += gap;
		for (uint64_t j = 0; j < run; j++) {
			uint64_t c;

			if ((rc = get_varint(&r, &c)) < 0)
				goto out;
			if (c == 0) {
				rc = bad(&r, "empty bucket");
				goto out;
			}
			if (c > UINT64_MAX - h->count) {
				rc = bad(&r, "total count too large");
				goto out;
			}
			reserve(h, h->n + 1);
			h->idx[h->n] = (uint32_t)next++;
			h->cnt[h->n++] = c;
			h->count += c;
		}
		next++;
	}
	rc = 0;
	if (h->n == 0) {
		if (min != 0 || max != 0 || sum != 0)
			rc = bad(&r, "min, max or sum set without buckets");
		goto out;
	}
	if (min > max || index_of(min) != h->idx[0] || index_of(max) != h->idx[h->n - 1]) {
		rc = bad(&r, "min or max outside the first or last bucket");
		goto out;
	}
	if (h->count == 1 && min != max) {
		rc = bad(&r, "min and max differ with a single value");
		goto out;
	}
	lo = min * (double)h->count * (1 - 1e-6);
	hi = max * (double)h->count * (1 + 1e-6);
	if (sum < lo || sum > hi) {
		rc = bad(&r, "sum inconsistent with min, max and count");
		goto out;
	}
	h->min = min;
	h->max = max;
	h->sum = sum;
out:
	if (rc < 0) {
		e2e_hist_destroy(h);
		return rc;
	}
	*out = h;
	return 0;
}

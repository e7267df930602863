/* hist.h - a mergeable log-linear latency histogram with bounded relative
 * error, for baselines (distributions without raw samples). Pure, no I/O.
 *
 * Values are non-negative microseconds. Buckets are linear below a small
 * cut-over and logarithmic above it, sized so that any quantile read from
 * the histogram is within 1 % (relative) of the exact value on the same
 * data, up to about one hour. */
#ifndef E2E_HIST_H
#define E2E_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e2e_hist;

/* Caller destroys. Never NULL (aborts on out-of-memory). */
struct e2e_hist *e2e_hist_create(void);
void e2e_hist_destroy(struct e2e_hist *h);

void e2e_hist_add(struct e2e_hist *h, double value_us);
void e2e_hist_add_n(struct e2e_hist *h, double value_us, uint64_t count);
/* dst += src. */
void e2e_hist_merge(struct e2e_hist *dst, const struct e2e_hist *src);

uint64_t e2e_hist_count(const struct e2e_hist *h);
/* Quantile q in [0,1] with the type-7 definition applied to bucket
 * representative values; NAN when empty. */
double e2e_hist_quantile(const struct e2e_hist *h, double q);
double e2e_hist_mean(const struct e2e_hist *h);
double e2e_hist_min(const struct e2e_hist *h);
double e2e_hist_max(const struct e2e_hist *h);

/* Iterates over non-empty buckets in ascending order: calls fn with the
 * bucket's representative value, lower and upper bound and count. */
void e2e_hist_foreach(const struct e2e_hist *h,
		      void (*fn)(void *ctx, double rep, double lo, double hi, uint64_t count), void *ctx);

/* Compact text serialisation for baseline files: a string of ASCII
 * characters only (no quotes or backslashes), stable for equal contents.
 * Caller frees. */
char *e2e_hist_encode(const struct e2e_hist *h);
/* Parses e2e_hist_encode() output. Returns 0 and a new histogram in *out,
 * or E2E_ERR_INPUT with a message saying what is wrong. */
int e2e_hist_decode(const char *s, struct e2e_hist **out);

#endif

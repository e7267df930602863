/* fuzz_hist.c - histogram decoding (hist.h) of arbitrary text, as read
 * from a baseline file.
 *
 * The input up to its first NUL is the encoded string. When it decodes:
 * the encoding of the result decodes again to the same text (a fixed
 * point), count, min and max survive the round trip, min <= quantiles <=
 * max, the buckets sum to the count, and merging it into an empty
 * histogram gives the same encoding. */
#include <math.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "hist.h"
#include "fuzz.h"

struct sum {
	uint64_t count;
	double last_lo;
};

static void add_bucket(void *ctx, double rep, double lo, double hi, uint64_t count)
{
	struct sum *s = ctx;

	E2E_FUZZ_CHECK(count > 0);
	E2E_FUZZ_CHECK(lo <= hi && lo >= s->last_lo);
	E2E_FUZZ_CHECK(rep >= 0 && !isnan(rep));
	s->last_lo = lo;
	s->count += count;
}

static void check_equal(const struct e2e_hist *a, const struct e2e_hist *b)
{
	E2E_FUZZ_CHECK(e2e_hist_count(a) == e2e_hist_count(b));
	if (e2e_hist_count(a) == 0)
		return;
	E2E_FUZZ_CHECK(e2e_hist_min(a) == e2e_hist_min(b));
	E2E_FUZZ_CHECK(e2e_hist_max(a) == e2e_hist_max(b));
}

int e2e_fuzz_hist(const uint8_t *data, size_t size)
{
	char *s = e2e_xmalloc(size + 1);
	struct e2e_hist *h = NULL, *h2 = NULL, *m = NULL;
	char *enc = NULL, *enc2 = NULL, *enc3 = NULL;
	struct sum sum = { 0, 0 };
	int rc;

	memcpy(s, data, size);
	s[size] = '\0';
	rc = e2e_hist_decode(s, &h);
	if (rc < 0) {
		E2E_FUZZ_CHECK(h == NULL && e2e_error_message()[0] != '\0');
		goto out;
	}
	E2E_FUZZ_CHECK(rc == 0 && h != NULL);

	enc = e2e_hist_encode(h);
	E2E_FUZZ_CHECK(strncmp(enc, "h1,", 3) == 0);
	rc = e2e_hist_decode(enc, &h2);
	E2E_FUZZ_CHECK(rc == 0);
	check_equal(h, h2);
	enc2 = e2e_hist_encode(h2);
	E2E_FUZZ_CHECK(strcmp(enc, enc2) == 0);

	e2e_hist_foreach(h, add_bucket, &sum);
	E2E_FUZZ_CHECK(sum.count == e2e_hist_count(h));
	if (e2e_hist_count(h) > 0) {
		double lo = e2e_hist_min(h), hi = e2e_hist_max(h);
		static const double qs[] = { 0, 0.01, 0.5, 0.95, 0.99, 1 };

		for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
			double q = e2e_hist_quantile(h, qs[i]);

			E2E_FUZZ_CHECK(q >= lo && q <= hi);
		}
		E2E_FUZZ_CHECK(e2e_hist_quantile(h, 0) == lo && e2e_hist_quantile(h, 1) == hi);
		E2E_FUZZ_CHECK(!isnan(e2e_hist_mean(h)));
	}

	m = e2e_hist_create();
	e2e_hist_merge(m, h);
	enc3 = e2e_hist_encode(m);
	E2E_FUZZ_CHECK(strcmp(enc, enc3) == 0);
	rc = 0;
out:
	free(enc);
	free(enc2);
	free(enc3);
	e2e_hist_destroy(h);
	e2e_hist_destroy(h2);
	e2e_hist_destroy(m);
	free(s);
	return rc;
}

E2E_FUZZ_TARGET(e2e_fuzz_hist)

/* changepoint.h - change points (level shifts) in one series of per-run
 * values. Analysis only: no I/O, arrays in, change points out.
 *
 * The method: values on a log scale when asked (runner noise is
 * multiplicative); a Hampel filter (a value further than 3 scaled MADs
 * from the median of its 7-run window is replaced by that median) takes
 * single-run spikes and one or two slow-runner runs out, so a spike is
 * never a change point; PELT (Killick, Fearnhead and Eckley 2012) finds
 * the exact segmentation minimising the within-segment squared error in
 * units of the noise variance (estimated robustly: the scaled MAD of
 * first differences over sqrt 2) plus a penalty per change point chosen
 * for a false-alarm rate (see tools/changes-sim.c); then, as Apache Otava
 * (formerly Hunter) does after E-Divisive means, every change point is
 * re-tested with a two-sample t-test (Welch's) against the segments its
 * neighbours bound, and the weakest failing one (or one below
 * min_change) dropped until all pass. */
#ifndef E2E_CHANGEPOINT_H
#define E2E_CHANGEPOINT_H

#include <stdbool.h>
#include <stddef.h>

struct e2e_cp_config {
	double max_pvalue; /* a split stays when its t-test p-value is below this */
	size_t min_size; /* fewest values on either side of a change point */
	double min_change; /* smallest |after / before - 1| reported (0: any) */
	bool log_scale; /* analyse log(v): for positive values (latencies) */
	double penalty; /* per change point, in noise variances; 0: 4 ln(n) */
	double noise_floor; /* least noise level assumed, in analysed units
			       (for counts and rates that are often constant) */
};

/* The defaults: max_pvalue 0.001, min_size 3, min_change 0.05, log scale. */
void e2e_cp_config_init(struct e2e_cp_config *c);

struct e2e_changepoint {
	size_t index; /* into the input: the first value of the new level */
	double before, after; /* medians of the values of the two segments */
	double change; /* after / before - 1; NAN when before is 0 */
	double pvalue; /* Welch's t-test of the two segments (filtered values) */
	double score; /* the E-Divisive divergence of the split */
};

/* The change points of v[0..n-1] in index order. A NAN value is a gap
 * (the run has no figure) and is skipped; with cfg->log_scale a value
 * <= 0 is a gap too. Segments are bounded by the neighbouring change
 * points. *out is NULL when none is found (*nout 0); caller frees *out.
 * Returns 0 (it cannot fail: memory exhaustion aborts). */
int e2e_cp_detect(const double *v, size_t n, const struct e2e_cp_config *cfg, struct e2e_changepoint **out,
		  size_t *nout);

#endif

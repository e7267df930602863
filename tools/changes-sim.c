/* changes-sim - accuracy and speed of perf-report --changes' change point
 * detection (src/changepoint.c) on simulated per-run histories.
 *
 *   changes-sim [--histories N] [--runs N] [--seed S]
 *       N histories (default 1000) of R runs (default 60) of one metric at
 *       a level of 100 ms: multiplicative runner noise (log-normal, sigma
 *       PCT / 100, default 0.15: a run-to-run coefficient of variation of
 *       about 15 %), each run with probability 0.02 a spike (x1.5 to x4: a slow
 *       runner), and 0, 1 or 2 true level shifts (equally likely) of 10 %
 *       to 50 % (uniform, up or down: x(1+s) or x(1-s)) starting at runs
 *       6 .. R-6, at least 10 runs apart. A detected change point is
 *       right when it lies within +-1 run of a true start (each start
 *       matched once). Prints precision over every detection, recall by
 *       shift size, and the false alarms per history without a shift.
 *   changes-sim --bench [--runs N] [--endpoints E]
 *       times the analysis of E series (default 50) of N runs (default
 *       1000) each with the same model: the figure for the speed goal.
 *   changes-sim --oracle [--histories N] [--runs N] [--noise PCT]
 *       the ceiling: how often the maximum-likelihood split locates a
 *       shift within +-1 run when it is told the history has exactly one
 *       (10 N histories), with and without the spikes. No detector that
 *       must also decide whether there is a shift does better.
 *   --penalty P, --max-p P, --min-change F: the detector's settings
 *       (struct e2e_cp_config) instead of its defaults, to compare. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "changepoint.h"
#include "parse.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static double noise = 0.15; /* --noise PCT / 100 */
static double spike_p = 0.02; /* chance of a single-run spike */
static struct e2e_cp_config sim_cfg; /* the defaults, as tuned by --penalty... */

static uint64_t next_u64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static double uniform(void)
{
	return ((double)(next_u64() >> 11) + 0.5) / 9007199254740992.0;
}

static double gaussian(void)
{
	return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

struct shift {
	size_t at;
	double size; /* 0.10 .. 0.50 */
};

/* One history of n runs into v; its true shifts into s (returns count). */
static size_t history(double *v, size_t n, struct shift *s)
{
	size_t k = (size_t)(uniform() * 3), ns = 0;
	double level = 100;

	while (ns < k) {
		size_t at = 6 + (size_t)(uniform() * (double)(n - 11));
		bool ok = true;

		for (size_t j = 0; j < ns; j++)
			ok = ok && (at > s[j].at ? at - s[j].at : s[j].at - at) >= 10;
		if (!ok)
			continue;
		s[ns].at = at;
		s[ns++].size = 0.10 + 0.40 * uniform();
	}
	if (ns == 2 && s[1].at < s[0].at) {
		struct shift t = s[0];

		s[0] = s[1];
		s[1] = t;
	}
	for (size_t i = 0, j = 0; i < n; i++) {
		if (j < ns && s[j].at == i)
			level *= uniform() < 0.5 ? 1 + s[j++].size : 1 - s[j++].size;
		v[i] = level * exp(noise * gaussian());
		if (uniform() < spike_p)
			v[i] *= 1.5 + 2.5 * uniform();
	}
	return ns;
}

static int accuracy(size_t nh, size_t n)
{
	double *v = malloc(n * sizeof(*v));
	size_t found[4] = { 0 }, total[4] = { 0 }, detected = 0, right = 0, none = 0, none_alarms = 0;
	struct e2e_cp_config cfg = sim_cfg;

	for (size_t h = 0; h < nh; h++) {
		struct shift s[2];
		bool used[2] = { false, false };
		struct e2e_changepoint *cp = NULL;
		size_t ns = history(v, n, s), nc = 0;

		e2e_cp_detect(v, n, &cfg, &cp, &nc);
		detected += nc;
		for (size_t i = 0; i < nc; i++)
			for (size_t j = 0; j < ns; j++)
				if (!used[j] && cp[i].index + 1 >= s[j].at && cp[i].index <= s[j].at + 1) {
					used[j] = true;
					right++;
					break;
				}
		for (size_t j = 0; j < ns; j++) {
			size_t b = (size_t)((s[j].size - 0.10) / 0.10);

			b = b > 3 ? 3 : b;
			total[b]++;
			found[b] += used[j];
		}
		if (ns == 0) {
			none++;
			none_alarms += nc;
		}
		free(cp);
	}
	printf("changes-sim: %zu histories of %zu runs, noise %g %%, spikes 2 %%, 0-2 shifts of 10-50 %%\n",
	       nh, n, noise * 100);
	printf("detections %zu, within +-1 run of a true start %zu: precision %.3f\n", detected, right,
	       detected ? (double)right / (double)detected : 1.0);
	for (size_t b = 0; b < 4; b++)
		printf("shifts %2zu-%2zu %%: %4zu, found %4zu: recall %.3f\n", 10 + 10 * b, 20 + 10 * b,
		       total[b], found[b], total[b] ? (double)found[b] / (double)total[b] : 1.0);
	{
		size_t t = total[1] + total[2] + total[3], f = found[1] + found[2] + found[3];

		printf("shifts >= 20 %%: %4zu, found %4zu: recall %.3f\n", t, f,
		       t ? (double)f / (double)t : 1.0);
	}
	printf("histories without a shift %zu: false alarms %zu (%.3f per history)\n", none, none_alarms,
	       none ? (double)none_alarms / (double)none : 0.0);
	free(v);
	return 0;
}

/* The best any detector can do at locating a shift: on histories with
 * exactly one shift, told that there is one, the maximum-likelihood split
 * (the argmax over t of the between-segment sum of squares of the log
 * values), counted right within +-1 run as above; with the model's
 * spikes and without them. */
static void oracle_pass(size_t nh, size_t n, double *v)
{
	size_t total[4] = { 0 }, found[4] = { 0 };

	for (size_t h = 0, done = 0; done < nh && h < 100 * nh; h++) {
		struct shift s[2];
		double sum = 0, best = -1, left = 0;
		size_t bt = 0, b;

		if (history(v, n, s) != 1)
			continue;
		done++;
		for (size_t i = 0; i < n; i++)
			sum += (v[i] = log(v[i]));
		for (size_t t = 1; t < n; t++) {
			double a, r, g;

			left += v[t - 1];
			a = left / (double)t;
			r = (sum - left) / (double)(n - t);
			g = (a - r) * (a - r) * (double)t * (double)(n - t) / (double)n;
			if (g > best) {
				best = g;
				bt = t;
			}
		}
		b = (size_t)((s[0].size - 0.10) / 0.10);
		b = b > 3 ? 3 : b;
		total[b]++;
		found[b] += bt + 1 >= s[0].at && bt <= s[0].at + 1;
	}
	printf("  spikes %g %%:", spike_p * 100);
	for (size_t b = 0; b < 4; b++)
		printf(" %zu-%zu %% %.3f", 10 + 10 * b, 20 + 10 * b,
		       total[b] ? (double)found[b] / (double)total[b] : 1.0);
	{
		size_t t = total[1] + total[2] + total[3], f = found[1] + found[2] + found[3];

		printf(", >= 20 %% %.3f\n", t ? (double)f / (double)t : 1.0);
	}
}

static int oracle(size_t nh, size_t n)
{
	double *v = malloc(n * sizeof(*v));
	double keep = spike_p;

	printf("changes-sim: the ceiling: %zu one-shift histories of %zu runs, noise %g %%, located by the "
	       "maximum-likelihood split knowing there is one shift, within +-1 run:\n",
	       nh, n, noise * 100);
	oracle_pass(nh, n, v);
	spike_p = 0;
	oracle_pass(nh, n, v);
	spike_p = keep;
	free(v);
	return 0;
}

static int bench(size_t n, size_t ne)
{
	double *v = malloc(n * ne * sizeof(*v));
	struct e2e_cp_config cfg = sim_cfg;
	struct timespec t0, t1, c0, c1;
	size_t cps = 0;
	double s, cpu;

	for (size_t e = 0; e < ne; e++) {
		struct shift sh[2];

		history(v + e * n, n, sh);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (size_t e = 0; e < ne; e++) {
		struct e2e_changepoint *cp = NULL;
		size_t nc = 0;

		e2e_cp_detect(v + e * n, n, &cfg, &cp, &nc);
		cps += nc;
		free(cp);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	printf("changes-sim: analysis of %zu endpoints x %zu runs: %.3f s wall, %.3f s CPU (%zu change "
	       "points)\n",
	       ne, n, s, cpu, cps);
	free(v);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t nh = 1000, n = 0, ne = 50, seed = 1, noise_pct = 15;
	bool do_bench = false, do_oracle = false;

	e2e_cp_config_init(&sim_cfg);
	for (int i = 1; i < argc; i++) {
		uint64_t *target = NULL;
		double *dtarget = NULL;

		if (strcmp(argv[i], "--bench") == 0) {
			do_bench = true;
			continue;
		}
		if (strcmp(argv[i], "--oracle") == 0) {
			do_oracle = true;
			continue;
		}
		if (strcmp(argv[i], "--penalty") == 0)
			dtarget = &sim_cfg.penalty;
		else if (strcmp(argv[i], "--max-p") == 0)
			dtarget = &sim_cfg.max_pvalue;
		else if (strcmp(argv[i], "--min-change") == 0)
			dtarget = &sim_cfg.min_change;
		if (dtarget) {
			if (i + 1 >= argc || !e2e_parse_double(argv[i + 1], 0, 1000, NULL, dtarget)) {
				fprintf(stderr, "changes-sim: %s needs a number from 0 to 1000\n", argv[i]);
				return 2;
			}
			i++;
			continue;
		}
		if (strcmp(argv[i], "--histories") == 0)
			target = &nh;
		else if (strcmp(argv[i], "--runs") == 0)
			target = &n;
		else if (strcmp(argv[i], "--endpoints") == 0)
			target = &ne;
		else if (strcmp(argv[i], "--seed") == 0)
			target = &seed;
		else if (strcmp(argv[i], "--noise") == 0)
			target = &noise_pct;
		if (!target || i + 1 >= argc || !e2e_parse_u64(argv[i + 1], 1, 10000000, target)) {
			fprintf(stderr,
				"usage: changes-sim [--bench | --oracle] [--histories N] [--runs N] "
				"[--endpoints E] "
				"[--seed S] [--noise PCT] [--penalty P] [--max-p P] [--min-change F]\n");
			return 2;
		}
		i++;
	}
	rng_state += seed * 0x2545f4914f6cdd1du;
	noise = (double)noise_pct / 100;
	if (do_bench)
		return bench(n ? (size_t)n : 1000, (size_t)ne);
	if (n && n < 22) {
		fprintf(stderr, "changes-sim: --runs needs at least 22 for two shifts 10 runs apart\n");
		return 2;
	}
	if (do_oracle)
		return oracle((size_t)nh * 10, n ? (size_t)n : 60);
	return accuracy((size_t)nh, n ? (size_t)n : 60);
}

/* fold-bench: the --profile-cpu figures that need no service. Generates
 * perf script text of N samples (default 1,000,000) over a tree of 5,000
 * distinct stacks 8 to 40 frames deep, folds it (src/fold.c) and prints
 * the time and rate; then draws the flame graph SVG and the speedscope
 * JSON of the 5,000 stacks and prints their sizes, and the bounded
 * baseline profile (5,000 stacks, 1 MiB) with its size. Optionally writes
 * the SVG for a screenshot. A benchmark: it prints figures, never fails on
 * them.
 *
 *   build/tools/fold-bench [SAMPLES] [SVG_OUT] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "flame.h"
#include "fold.h"

#define STACKS 5000

/* CPU time of this thread: the figure stays meaningful on a loaded machine */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Stack k: a path from the root of a call tree with fan-out 6 (the
 * base-6 digits of k pick the child at each level, so stacks share their
 * root-most frames as real ones do), 8 to 40 frames deep, frame names like
 * C++ symbols (30-40 bytes), leaf first as perf script prints them. */
static void stack_text(unsigned k, struct e2e_buf *b)
{
	unsigned depth = 8 + k % 33, path[48], node = 0;

	for (unsigned d = 0, rest = k; d < depth; d++, rest /= 6) {
		node = node * 6 + 1 + (rest ? rest % 6 : (d * 7 + k) % 6);
		path[d] = node % 1000003u;
	}
	for (unsigned d = depth; d-- > 0;)
		e2e_buf_printf(
			b, "\t    7f%010x ns%u::Module%u::function_name_%u+0x1f (/usr/lib/libservice.so)\n",
			path[d], d, path[d] % 97, path[d]);
}

int main(int argc, char **argv)
{
	unsigned long samples = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000ul;
	const char *svg_out = argc > 2 ? argv[2] : NULL;
	struct e2e_buf text = E2E_BUF_INIT, svg = E2E_BUF_INIT, ss = E2E_BUF_INIT, bl = E2E_BUF_INIT;
	struct e2e_buf *stacks = calloc(STACKS, sizeof(*stacks));
	struct e2e_fold *f = e2e_fold_create();
	struct e2e_fold_stats st;
	const struct e2e_fold_stack *s;
	double t0, t1;

	for (unsigned k = 0; k < STACKS; k++)
		stack_text(k, &stacks[k]);
	/* the text is made and folded in chunks of 10,000 samples; only the
	 * folding is timed */
	double spent = 0;
	size_t bytes = 0;
	for (unsigned long i = 0; i < samples;) {
		e2e_buf_reset(&text);
		for (unsigned long end = i + 10000; i < samples && i < end; i++) {
			unsigned k = (unsigned)(next() % STACKS);
			k = (unsigned)((uint64_t)k * k / STACKS); /* skewed: a few stacks hot */
			e2e_buf_printf(&text, "service %lu/%lu %lu.%09lu: \n", 1000 + i % 8, 1000 + i % 8,
				       20000 + i / 1000, (i % 1000) * 1000000ul);
			e2e_buf_add(&text, stacks[k].data, stacks[k].len);
			e2e_buf_putc(&text, '\n');
		}
		bytes += text.len;
		t0 = now_s();
		for (size_t off = 0; off < text.len; off += 65536)
			e2e_fold_feed(f, text.data + off, text.len - off < 65536 ? text.len - off : 65536);
		spent += now_s() - t0;
	}
	t0 = now_s();
	e2e_fold_end(f);
	t1 = now_s() + spent;
	e2e_fold_get_stats(f, &st);
	printf("fold: %lu samples (%.1f MiB of perf script text) in %.3f CPU s: %.2f M samples/s; %zu "
	       "stacks, "
	       "%llu "
	       "skipped lines\n",
	       samples, (double)bytes / 1048576.0, t1 - t0, (double)samples / (t1 - t0) / 1e6,
	       e2e_fold_stacks(f, &s), (unsigned long long)st.skipped);
	t0 = now_s();
	e2e_flame_svg(f, NULL, "fold-bench: 5,000 stacks", &svg);
	t1 = now_s();
	printf("svg: %zu stacks: %.2f MiB (limit 2 MiB) in %.3f CPU s\n", e2e_fold_stacks(f, &s),
	       (double)svg.len / 1048576.0, t1 - t0);
	e2e_flame_speedscope(f, "fold-bench", &ss);
	printf("speedscope: %.2f MiB\n", (double)ss.len / 1048576.0);
	size_t kept = e2e_fold_write(f, 5000, 1024 * 1024, &bl);
	printf("baseline profile: %zu stacks kept, %.2f MiB (limit 5,000 stacks, 1 MiB)\n", kept,
	       (double)bl.len / 1048576.0);
	if (svg_out) {
		FILE *fp = fopen(svg_out, "w");
		if (fp) {
			fwrite(svg.data, 1, svg.len, fp);
			fclose(fp);
		}
	}
	for (unsigned k = 0; k < STACKS; k++)
		e2e_buf_finish(&stacks[k]);
	free(stacks);
	e2e_buf_finish(&text);
	e2e_buf_finish(&svg);
	e2e_buf_finish(&ss);
	e2e_buf_finish(&bl);
	e2e_fold_destroy(f);
	return 0;
}

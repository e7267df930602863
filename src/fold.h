/* fold.h - `perf script` output folded into stacks ("comm;root;...;leaf"),
 * and the folded-stack text format ("STACK COUNT" lines) read back. Both
 * inputs are untrusted: a line that does not parse is skipped and counted,
 * never fatal. Pure: no I/O; input may come in pieces of any size. */
#ifndef E2E_FOLD_H
#define E2E_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e2e_buf;
struct e2e_fold;

/* One distinct stack: frames root first, joined by ';' (never empty, no
 * ';' inside a frame, valid UTF-8 without control characters). */
struct e2e_fold_stack {
	char *frames;
	size_t len;
	uint64_t count;
};

/* One perf sample: its time (the clock perf recorded with; with
 * `-k CLOCK_MONOTONIC`, CLOCK_MONOTONIC in ns) and its stack's index. */
struct e2e_fold_sample {
	uint64_t t_ns;
	uint32_t stack;
};

struct e2e_fold_stats {
	uint64_t samples; /* samples folded (perf script) or counted (folded text) */
	uint64_t skipped; /* lines that did not parse */
};

/* An empty fold; caller destroys. */
struct e2e_fold *e2e_fold_create(void);
void e2e_fold_destroy(struct e2e_fold *f);

/* Feeds `perf script -F comm,tid,time,ip,sym,dso` text (any split; the
 * pid/tid and period/event fields of other -F choices are accepted too). */
void e2e_fold_feed(struct e2e_fold *f, const char *data, size_t len);
/* Ends the perf script input (folds a last sample without a blank line). */
void e2e_fold_end(struct e2e_fold *f);

/* Reads folded text ("a;b;c 12\n" lines) and adds its counts. */
void e2e_fold_feed_folded(struct e2e_fold *f, const char *data, size_t len);

/* Adds count samples of a stack (frames root first, joined by ';'). */
void e2e_fold_add(struct e2e_fold *f, const char *frames, size_t len, uint64_t count);

/* The distinct stacks in first-seen order (owned by f, valid until the
 * next feed or add); the timed samples (perf script only), in input order. */
size_t e2e_fold_stacks(const struct e2e_fold *f, const struct e2e_fold_stack **out);
size_t e2e_fold_samples(const struct e2e_fold *f, const struct e2e_fold_sample **out);
void e2e_fold_get_stats(const struct e2e_fold *f, struct e2e_fold_stats *out);
/* The sum of the stacks' counts. */
uint64_t e2e_fold_total(const struct e2e_fold *f);

/* Writes the stacks as folded text, most samples first (ties by name),
 * at most max_stacks lines and max_bytes bytes (0: no limit). Returns how
 * many stacks were written. */
size_t e2e_fold_write(const struct e2e_fold *f, size_t max_stacks, size_t max_bytes, struct e2e_buf *out);

/* A request in flight from start_ns to end_ns (the samples' clock), of
 * endpoint label. */
struct e2e_fold_span {
	uint64_t start_ns, end_ns;
	uint32_t label;
};
#define E2E_FOLD_NO_LABEL UINT32_MAX

/* For each timed sample, the label of the span it falls in (the latest
 * that started at or before it, if it has not ended), or
 * E2E_FOLD_NO_LABEL. spans: sorted by start_ns, not overlapping (a serial
 * suite). Writes labels[0..e2e_fold_samples()-1]. */
void e2e_fold_attribute(const struct e2e_fold *f, const struct e2e_fold_span *spans, size_t n,
			uint32_t *labels);

#endif

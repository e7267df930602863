/* flame.h - drawing folded stacks (fold.h): a self-contained interactive
 * flame graph SVG (click to zoom, search, tooltips; its script inline,
 * nothing fetched), a differential one against a baseline's stacks, and
 * speedscope's JSON file format (https://www.speedscope.app/
 * file-format-schema.json, a "sampled" profile). Renderers: no I/O. */
#ifndef E2E_FLAME_H
#define E2E_FLAME_H

#include <stddef.h>
#include <stdint.h>

struct e2e_buf;
struct e2e_fold;

/* Appends the SVG of f titled title. With base non-NULL, a differential
 * flame graph: the frames and widths are f's, each frame coloured by how
 * its share of self samples changed from base (red grew, blue shrank,
 * grey unchanged). Frames narrower than 0.1 px are left out, and wider
 * ones too where needed to keep the SVG within 2 MiB. */
void e2e_flame_svg(const struct e2e_fold *f, const struct e2e_fold *base, const char *title,
		   struct e2e_buf *out);

/* Appends f as a speedscope file: one sampled profile named name, weights
 * in samples. Returns 0, or E2E_ERR_RUNTIME when it cannot be encoded. */
int e2e_flame_speedscope(const struct e2e_fold *f, const char *name, struct e2e_buf *out);

/* A frame whose share of self samples (the frame is the leaf) changed. */
struct e2e_flame_growth {
	char *frame; /* owned: e2e_flame_growth_free() */
	double share, base_share; /* fractions of all samples, 0..1 */
};

/* The frames (by name) whose self share grew most from base to f, at most
 * n, largest growth first (ties by name), only those that grew. Fills
 * out[0..ret-1]. */
size_t e2e_flame_grown(const struct e2e_fold *f, const struct e2e_fold *base, size_t n,
		       struct e2e_flame_growth *out);
void e2e_flame_growth_free(struct e2e_flame_growth *g, size_t n);

#endif

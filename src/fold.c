/* fold.c - perf script text and folded text into distinct stacks.
 *
 * perf script prints one sample as a header line ("comm tid time:" with
 * optional pid/, [cpu], period and event fields), its frames leaf first
 * ("\t ADDR SYM+OFF (DSO)"), and a blank line. A sample is folded root
 * first as "comm;root;...;leaf", the way FlameGraph's stackcollapse-perf.pl
 * does, with [dso] for an unknown symbol. */
#include "fold.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "banned.h"

#define LINE_MAX_BYTES 65536 /* a longer line is malformed */
#define FRAME_MAX_BYTES 1024 /* a longer frame name is cut */
#define FRAMES_MAX 4096 /* deeper stacks keep their leaf-most frames */

#define BLOCK_MAX_BYTES (256u << 10) /* a sample's caller lines kept for one look-up */
#define BLOCKS_CACHED_BYTES (64u << 20) /* caller blocks remembered: beyond, parsed each time */
#define NONE UINT32_MAX

/* Byte strings, each once, numbered in order of arrival, with a value:
 * open addressing over a pool, so that folding allocates nothing per line
 * or per sample once its frames and stacks have been seen. */
struct intern {
	uint32_t *slots; /* entry + 1, 0 empty */
	size_t nslots;
	struct intern_entry {
		size_t off, len; /* in pool */
		uint64_t hash;
		uint32_t val;
	} * ents;
	size_t n, cap;
	struct e2e_buf pool;
};

struct e2e_fold {
	/* frame names; the caller lines of samples already parsed (all
	 * frame lines but the leaf's, whose address varies from sample to
	 * sample; value: index in blocks); stacks as name ids, comm first
	 * (entry i is stacks[i]) */
	struct intern names, callers, keys;
	struct block {
		size_t off, n; /* name ids in block_ids, leaf first */
		uint64_t skipped; /* lines in it that did not parse */
		uint32_t comm, leaf, stack; /* the stack it made last, with that comm and leaf */
	} * blocks;
	size_t capblocks;
	uint32_t *block_ids;
	size_t nblock_ids, capblock_ids;
	struct e2e_fold_stack *stacks;
	size_t capstacks;
	struct e2e_fold_sample *samples;
	size_t nsamples, capsamples;
	struct e2e_fold_stats stats;
	uint64_t total;
	/* perf script state */
	struct e2e_buf line;
	bool overlong; /* the current line passed LINE_MAX_BYTES */
	bool in_sample, bad_sample;
	uint64_t t_ns;
	uint32_t comm;
	struct e2e_buf comm_raw; /* the header's text f->comm was made of */
	/* the sample's caller lines so far, each with its '\n': in the
	 * input (span) while they are in one piece of it, else copied */
	struct e2e_buf pending;
	const char *span;
	size_t span_len;
	bool inplace; /* the line being read is in the input, its '\n' after it */
	bool seen_leaf, uncached; /* uncached: the callers passed BLOCK_MAX_BYTES */
	uint32_t leaf, block; /* the leaf's name id, the callers' block (or NONE) */
	uint32_t *ids; /* the sample's frames' name ids, leaf first; then the key, root first */
	size_t nframes;
	uint32_t *split; /* e2e_fold_add's names */
	size_t capsplit;
	struct e2e_buf scratch;
};

static void intern_finish(struct intern *t)
{
	free(t->slots);
	free(t->ents);
	e2e_buf_finish(&t->pool);
}

struct e2e_fold *e2e_fold_create(void)
{
	struct e2e_fold *f = e2e_xcalloc(1, sizeof(*f));

	f->leaf = f->block = f->comm = NONE;
	f->ids = e2e_xcalloc(2 * FRAMES_MAX + 1, sizeof(*f->ids));
	return f;
}

void e2e_fold_destroy(struct e2e_fold *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->keys.n; i++)
		free(f->stacks[i].frames);
	free(f->stacks);
	free(f->samples);
	free(f->ids);
	free(f->split);
	free(f->blocks);
	free(f->block_ids);
	e2e_buf_finish(&f->pending);
	intern_finish(&f->names);
	intern_finish(&f->callers);
	intern_finish(&f->keys);
	e2e_buf_finish(&f->line);
	e2e_buf_finish(&f->scratch);
	e2e_buf_finish(&f->comm_raw);
	free(f);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if (cp >= 0x80 && cp < 0xa0) /* C1 controls */
		return 0;
	return len;
}

/* Appends s as a frame name: at most FRAME_MAX_BYTES, ';' as ':', control
 * characters and invalid UTF-8 as '?'. keep_semi keeps ';' (a whole stack). */
static void put_clean(struct e2e_buf *b, const char *s, size_t n, bool keep_semi)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t start = b->len;

	for (size_t i = 0; i < n;) {
		size_t run = i;

		while (run < n && u[run] >= 0x20 && u[run] < 0x7f && u[run] != ';')
			run++; /* plain ASCII: in one piece */
		if (run > i) {
			size_t take = run - i;
			if (!keep_semi && b->len - start + take > FRAME_MAX_BYTES)
				take = FRAME_MAX_BYTES - (b->len - start);
			e2e_buf_add(b, s + i, take);
			if (take < run - i)
				break;
			i = run;
			continue;
		}
		size_t len = utf8_len(u + i, n - i);

		if (!keep_semi && b->len - start + len > FRAME_MAX_BYTES)
			break;
		if (len == 0 || (len == 1 && (u[i] < 0x20 || u[i] == 0x7f))) {
			e2e_buf_putc(b, '?');
			i++;
		} else if (u[i] == ';' && !keep_semi) {
			e2e_buf_putc(b, ':');
			i++;
		} else {
			e2e_buf_add(b, s + i, len);
			i += len;
		}
	}
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

/* Four lanes of 8 bytes a step: folding hashes every sample's callers,
 * kilobytes each, and one lane's multiplications wait on each other. */
static uint64_t hash_stack(const char *s, size_t n)
{
	uint64_t h[4] = { 0x9e3779b97f4a7c15ull ^ n, 0x6a09e667f3bcc909ull, 0xbb67ae8584caa73bull,
			  0x3c6ef372fe94f82bull },
		 w;

	for (; n >= 32; s += 32, n -= 32)
		for (int k = 0; k < 4; k++) {
			memcpy(&w, s + 8 * k, 8);
			h[k] = mix(h[k], w);
		}
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h[0] = mix(h[0], w);
	}
	w = 0;
	memcpy(&w, s, n);
	h[0] = mix(h[0], w);
	h[0] = mix(mix(mix(h[0], h[1]), h[2]), h[3]) * 0xc4ceb9fe1a85ec53ull;
	return h[0] ^ (h[0] >> 29);
}

/* The entry of key, or NONE; *slot: where it is or would go. */
static uint32_t intern_find(const struct intern *t, const void *key, size_t len, uint64_t h, size_t *slot)
{
	if (!t->nslots)
		return NONE;
	for (size_t i = (size_t)h & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
		uint32_t e = t->slots[i];
		if (!e) {
			*slot = i;
			return NONE;
		}
		const struct intern_entry *x = &t->ents[e - 1];
		if (x->hash == h && x->len == len && memcmp(t->pool.data + x->off, key, len) == 0) {
			*slot = i;
			return e - 1;
		}
	}
}

/* Adds key, absent, at slot (from intern_find); returns its entry. */
static uint32_t intern_add(struct intern *t, size_t slot, const void *key, size_t len, uint64_t h,
			   uint32_t val)
{
	if ((t->n + 1) * 2 > t->nslots) {
		free(t->slots);
		t->nslots = t->nslots ? 2 * t->nslots : 1024;
		t->slots = e2e_xcalloc(t->nslots, sizeof(*t->slots));
		for (size_t e = 0; e <= t->n; e++) {
			size_t i = (size_t)(e < t->n ? t->ents[e].hash : h) & (t->nslots - 1);
			while (t->slots[i])
				i = (i + 1) & (t->nslots - 1);
			if (e < t->n)
				t->slots[i] = (uint32_t)e + 1;
			else
				slot = i;
		}
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->ents = e2e_xrealloc(t->ents, t->cap * sizeof(*t->ents));
	}
	t->ents[t->n] = (struct intern_entry){ .off = t->pool.len, .len = len, .hash = h, .val = val };
	e2e_buf_add(&t->pool, key, len);
	t->slots[slot] = (uint32_t)t->n + 1;
	return (uint32_t)t->n++;
}

static uint32_t name_id(struct e2e_fold *f, const char *name, size_t len)
{
	uint64_t h = hash_stack(name, len);
	size_t slot = 0;
	uint32_t id = intern_find(&f->names, name, len, h, &slot);

	return id != NONE ? id : intern_add(&f->names, slot, name, len, h, 0);
}

/* Counts a stack given as name ids (comm or first frame first); frames:
 * its text when the caller has it, else it is joined from the names. */
static uint32_t add_stack(struct e2e_fold *f, const uint32_t *ids, size_t n, const char *frames, size_t len,
			  uint64_t count)
{
	size_t bytes = n * sizeof(*ids), slot = 0;
	uint64_t h = hash_stack((const char *)ids, bytes);
	uint32_t id = intern_find(&f->keys, ids, bytes, h, &slot);

	if (id == NONE) {
		struct e2e_buf b = E2E_BUF_INIT;

		if (!frames) {
			for (size_t i = 0; i < n; i++) {
				const struct intern_entry *x = &f->names.ents[ids[i]];
				if (i)
					e2e_buf_putc(&b, ';');
				e2e_buf_add(&b, f->names.pool.data + x->off, x->len);
			}
		} else {
			e2e_buf_add(&b, frames, len);
		}
		if (f->keys.n == f->capstacks) {
			f->capstacks = f->capstacks ? 2 * f->capstacks : 256;
			f->stacks = e2e_xrealloc(f->stacks, f->capstacks * sizeof(*f->stacks));
		}
		id = intern_add(&f->keys, slot, ids, bytes, h, 0);
		f->stacks[id].frames = e2e_buf_detach(&b, &f->stacks[id].len);
		f->stacks[id].count = 0;
	}
	f->stacks[id].count += count;
	f->total += count;
	return id;
}

void e2e_fold_add(struct e2e_fold *f, const char *frames, size_t len, uint64_t count)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && frames[i] != ';')
			continue;
		if (n == f->capsplit) {
			f->capsplit = f->capsplit ? 2 * f->capsplit : 64;
			f->split = e2e_xrealloc(f->split, f->capsplit * sizeof(*f->split));
		}
		f->split[n++] = name_id(f, frames + start, i - start);
		start = i + 1;
	}
	add_stack(f, f->split, n, frames, len, count);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* "SEC.FRAC:" as ns; false if it is not one. */
static bool parse_time(const char *s, size_t n, uint64_t *out)
{
	uint64_t sec = 0, frac = 0;
	size_t i = 0, digits = 0, fdigits = 0;

	if (n < 4 || s[n - 1] != ':')
		return false;
	for (; i < n - 1 && is_digit(s[i]); i++, digits++)
		if (digits < 12)
			sec = sec * 10 + (uint64_t)(s[i] - '0');
	if (!digits || digits > 12 || i >= n - 1 || s[i] != '.')
		return false;
	for (i++; i < n - 1 && is_digit(s[i]); i++, fdigits++)
		if (fdigits < 9)
			frac = frac * 10 + (uint64_t)(s[i] - '0');
	if (!fdigits || i != n - 1)
		return false;
	for (size_t k = fdigits; k < 9; k++)
		frac *= 10;
	*out = sec * 1000000000ull + frac;
	return true;
}

/* "TID" or "PID/TID". */
static bool is_tid(const char *s, size_t n)
{
	size_t slash = 0;

	if (!n || !is_digit(s[0]) || !is_digit(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/')
			slash++;
		else if (!is_digit(s[i]))
			return false;
	return slash <= 1;
}

/* A header: comm (may hold blanks), tid or pid/tid, an optional [cpu],
 * then the time; period and event may follow. Sets the sample's comm and
 * time. */
static bool parse_header(struct e2e_fold *f, const char *s, size_t n)
{
	size_t tok[8][2], ntok = 0, i = 0, comm_end = 0;

	while (i < n && ntok < 8) {
		while (i < n && is_space(s[i]))
			i++;
		if (i == n)
			break;
		tok[ntok][0] = i;
		while (i < n && !is_space(s[i]))
			i++;
		tok[ntok][1] = i - tok[ntok][0];
		ntok++;
	}
	for (size_t k = 1; k < ntok && !comm_end; k++) {
		size_t t = k - 1;

		if (!parse_time(s + tok[k][0], tok[k][1], &f->t_ns))
			continue;
		if (k >= 2 && tok[t][1] >= 3 && s[tok[t][0]] == '[' && s[tok[t][0] + tok[t][1] - 1] == ']')
			t--;
		if (t >= 1 && is_tid(s + tok[t][0], tok[t][1]))
			comm_end = tok[t][0];
	}
	while (comm_end > 0 && is_space(s[comm_end - 1]))
		comm_end--;
	if (!comm_end)
		return false;
	const char *raw = s + tok[0][0];
	size_t len = comm_end - tok[0][0];

	/* samples come in runs of one comm */
	if (f->comm != NONE && f->comm_raw.len == len && memcmp(f->comm_raw.data, raw, len) == 0)
		return true;
	e2e_buf_reset(&f->scratch);
	put_clean(&f->scratch, raw, len, false);
	if (!f->scratch.len)
		return false;
	f->comm = name_id(f, f->scratch.data, f->scratch.len);
	e2e_buf_reset(&f->comm_raw);
	e2e_buf_add(&f->comm_raw, raw, len);
	return true;
}

/* A frame: ADDR SYM[+0xOFF] (DSO); its name into name. */
static bool parse_frame(const char *s, size_t n, struct e2e_buf *name)
{
	size_t i = 0, sym_start, sym_end, dso_start = 0, dso_end = 0;

	while (i < n && is_space(s[i]))
		i++;
	if (i == 0 || i >= n || !is_hex(s[i]))
		return false;
	while (i < n && is_hex(s[i]))
		i++;
	if (i >= n || !is_space(s[i]))
		return false;
	while (i < n && is_space(s[i]))
		i++;
	sym_start = i;
	sym_end = n;
	if (n > sym_start && s[n - 1] == ')') {
		for (size_t k = n - 1; k > sym_start; k--)
			if (s[k] == '(' && is_space(s[k - 1])) {
				dso_start = k + 1;
				dso_end = n - 1;
				sym_end = k - 1;
				break;
			}
		if (!dso_end && s[sym_start] == '(') { /* no symbol, only "(DSO)" */
			dso_start = sym_start + 1;
			dso_end = n - 1;
			sym_end = sym_start;
		}
	}
	while (sym_end > sym_start && is_space(s[sym_end - 1]))
		sym_end--;
	/* "+0x1f" offset */
	for (size_t k = sym_end; k > sym_start + 1; k--) {
		if (s[k - 1] == '+' && k + 1 < sym_end && s[k] == '0' && s[k + 1] == 'x') {
			bool hex = k + 2 < sym_end;
			for (size_t j = k + 2; j < sym_end; j++)
				hex = hex && is_hex(s[j]);
			if (hex)
				sym_end = k - 1;
			break;
		}
		if (!is_hex(s[k - 1]) && s[k - 1] != 'x')
			break;
	}
	while (sym_end > sym_start && is_space(s[sym_end - 1])) /* "f +0x1f" */
		sym_end--;
	if (sym_end > sym_start &&
	    !(sym_end - sym_start == 9 && memcmp(s + sym_start, "[unknown]", 9) == 0)) {
		put_clean(name, s + sym_start, sym_end - sym_start, false);
	} else {
		size_t base = dso_start;
		for (size_t k = dso_start; k < dso_end; k++)
			if (s[k] == '/')
				base = k + 1;
		e2e_buf_putc(name, '[');
		if (dso_end > base && !(dso_end - base == 9 && memcmp(s + base, "[unknown]", 9) == 0))
			put_clean(name, s + base, dso_end - base, false);
		else
			e2e_buf_puts(name, "unknown");
		e2e_buf_putc(name, ']');
	}
	return true;
}

/* Parses a frame line and appends its name id to the sample. */
static bool frame_line(struct e2e_fold *f, const char *s, size_t n)
{
	uint32_t name;

	e2e_buf_reset(&f->scratch);
	if (!parse_frame(s, n, &f->scratch))
		return false;
	name = name_id(f, f->scratch.data, f->scratch.len);
	if (f->nframes < FRAMES_MAX) /* the root-most frames beyond the limit go */
		f->ids[f->nframes++] = name;
	return true;
}

static void trim_end(const char *s, size_t *n)
{
	while (*n > 0 && is_space(s[*n - 1]))
		(*n)--;
}

/* The pending caller lines: perf prints the same callers over and over
 * (only the leaf's address changes), so a block seen before is looked up
 * whole instead of parsed line by line. Sets f->block. */
static void resolve_callers(struct e2e_fold *f)
{
	const char *p = f->pending.len ? f->pending.data : f->span;
	size_t len = f->pending.len ? f->pending.len : f->span_len, slot = 0, first = f->nframes;
	uint64_t h, skipped = 0, parsed = 0;
	uint32_t e;

	f->block = NONE;
	if (!len)
		return;
	h = hash_stack(p, len);
	e = intern_find(&f->callers, p, len, h, &slot);
	if (e != NONE) {
		const struct block *bl = &f->blocks[f->callers.ents[e].val];
		for (size_t i = 0; i < bl->n && f->nframes < FRAMES_MAX; i++)
			f->ids[f->nframes++] = f->block_ids[bl->off + i];
		f->stats.skipped += bl->skipped;
		f->block = f->callers.ents[e].val;
		goto out;
	}
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(p + at, '\n', len - at);
		size_t n = (size_t)(nl - (p + at)), end = n;

		trim_end(p + at, &end);
		if (!frame_line(f, p + at, end))
			skipped++;
		else
			parsed++;
		at += n + 1;
	}
	f->stats.skipped += skipped;
	/* a block cut at FRAMES_MAX would be cut elsewhere after another leaf */
	if (f->callers.pool.len + len > BLOCKS_CACHED_BYTES || parsed != f->nframes - first)
		goto out;
	if (f->callers.n == f->capblocks) {
		f->capblocks = f->capblocks ? 2 * f->capblocks : 256;
		f->blocks = e2e_xrealloc(f->blocks, f->capblocks * sizeof(*f->blocks));
	}
	struct block *bl = &f->blocks[f->callers.n];
	*bl = (struct block){
		.off = f->nblock_ids, .n = f->nframes - first, .skipped = skipped, .stack = NONE
	};
	if (f->nblock_ids + bl->n > f->capblock_ids) {
		f->capblock_ids = 2 * (f->nblock_ids + bl->n);
		f->block_ids = e2e_xrealloc(f->block_ids, f->capblock_ids * sizeof(*f->block_ids));
	}
	if (bl->n)
		memcpy(f->block_ids + f->nblock_ids, f->ids + first, bl->n * sizeof(*f->ids));
	f->nblock_ids += bl->n;
	f->block = intern_add(&f->callers, slot, p, len, h, (uint32_t)f->callers.n);
out:
	e2e_buf_reset(&f->pending);
	f->span = NULL;
	f->span_len = 0;
}

/* Copies the callers read so far out of the input (before it goes). */
static void keep_span(struct e2e_fold *f)
{
	if (f->span_len)
		e2e_buf_add(&f->pending, f->span, f->span_len);
	f->span = NULL;
	f->span_len = 0;
}

/* A frame line of the sample in order (s: raw n bytes, trimmed to end):
 * the leaf parsed now, its callers gathered for resolve_callers(). */
static bool sample_line(struct e2e_fold *f, const char *s, size_t n, size_t end)
{
	if (!f->seen_leaf) {
		f->seen_leaf = true;
		if (!frame_line(f, s, end))
			return false;
		f->leaf = f->ids[0];
		return true;
	}
	if (f->uncached)
		return frame_line(f, s, end);
	if (f->inplace && !f->pending.len && (!f->span || f->span + f->span_len == s)) {
		if (!f->span)
			f->span = s;
		f->span_len = (size_t)(s + n + 1 - f->span);
	} else {
		keep_span(f);
		e2e_buf_add(&f->pending, s, n);
		e2e_buf_putc(&f->pending, '\n');
	}
	if (f->pending.len + f->span_len > BLOCK_MAX_BYTES) {
		resolve_callers(f);
		f->uncached = true;
	}
	return true;
}

static void commit_sample(struct e2e_fold *f)
{
	if (f->in_sample && !f->bad_sample) {
		struct block *bl = NULL;
		uint32_t id;

		if (!f->uncached) {
			resolve_callers(f);
			bl = f->block != NONE ? &f->blocks[f->block] : NULL;
		}
		if (bl && bl->stack != NONE && bl->comm == f->comm && bl->leaf == f->leaf) {
			id = bl->stack;
			f->stacks[id].count++;
			f->total++;
		} else {
			uint32_t *key = f->ids + FRAMES_MAX;

			key[0] = f->comm;
			for (size_t i = 0; i < f->nframes; i++)
				key[1 + i] = f->ids[f->nframes - 1 - i];
			id = add_stack(f, key, f->nframes + 1, NULL, 0, 1);
			if (bl)
				*bl = (struct block){ .off = bl->off,
						      .n = bl->n,
						      .skipped = bl->skipped,
						      .comm = f->comm,
						      .leaf = f->leaf,
						      .stack = id };
		}

		if (f->nsamples == f->capsamples) {
			f->capsamples = f->capsamples ? 2 * f->capsamples : 1024;
			f->samples = e2e_xrealloc(f->samples, f->capsamples * sizeof(*f->samples));
		}
		f->samples[f->nsamples].t_ns = f->t_ns;
		f->samples[f->nsamples++].stack = id;
		f->stats.samples++;
	}
	f->in_sample = f->bad_sample = f->seen_leaf = f->uncached = false;
	f->nframes = 0;
	f->leaf = NONE;
	e2e_buf_reset(&f->pending);
	f->span = NULL;
	f->span_len = 0;
}

static void perf_line(struct e2e_fold *f, const char *s, size_t n)
{
	size_t end = n;

	while (end > 0 && is_space(s[end - 1]))
		end--;
	if (end == 0) {
		commit_sample(f);
		return;
	}
	if (is_space(s[0]) && f->in_sample) {
		if (f->bad_sample || !sample_line(f, s, n, end))
			f->stats.skipped++;
		return;
	}
	commit_sample(f);
	f->in_sample = true;
	if (!parse_header(f, s, end)) {
		f->bad_sample = true;
		f->stats.skipped++;
	}
}

/* Splits data into lines, keeping a partial last line for the next call;
 * a line over LINE_MAX_BYTES is one skipped line. */
static void feed_lines(struct e2e_fold *f, const char *data, size_t len,
		       void (*line)(struct e2e_fold *, const char *, size_t))
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;

		if (!f->overlong && f->line.len + take > LINE_MAX_BYTES) {
			f->overlong = true;
			f->stats.skipped++;
			e2e_buf_reset(&f->line);
		}
		if (!f->overlong) {
			if (nl && !f->line.len) {
				f->inplace = true;
				line(f, data, take);
				f->inplace = false;
			} else
				e2e_buf_add(&f->line, data, take);
		}
		if (!nl)
			break;
		if (!f->overlong && f->line.len)
			line(f, f->line.data, f->line.len);
		else if (f->overlong && f->in_sample && !f->bad_sample) {
			resolve_callers(f); /* its lines are counted as they were */
			f->bad_sample = true;
		}
		e2e_buf_reset(&f->line);
		f->overlong = false;
		data = nl + 1;
		len -= take + 1;
	}
	keep_span(f);
}

void e2e_fold_feed(struct e2e_fold *f, const char *data, size_t len)
{
	feed_lines(f, data, len, perf_line);
}

void e2e_fold_end(struct e2e_fold *f)
{
	if (f->line.len && !f->overlong)
		perf_line(f, f->line.data, f->line.len);
	e2e_buf_reset(&f->line);
	f->overlong = false;
	commit_sample(f);
}

static void folded_line(struct e2e_fold *f, const char *s, size_t n)
{
	size_t end = n, sp;
	uint64_t count = 0;

	while (end > 0 && is_space(s[end - 1]))
		end--;
	if (end == 0)
		return;
	sp = end;
	while (sp > 0 && is_digit(s[sp - 1]))
		sp--;
	if (sp == end || end - sp > 15 || sp == 0 || s[sp - 1] != ' ')
		goto bad;
	for (size_t i = sp; i < end; i++)
		count = count * 10 + (uint64_t)(s[i] - '0');
	sp--;
	while (sp > 0 && s[sp - 1] == ' ')
		sp--;
	if (!count || !sp || s[0] == ';' || s[sp - 1] == ';')
		goto bad;
	for (size_t i = 1; i < sp; i++)
		if (s[i] == ';' && s[i - 1] == ';')
			goto bad;
	e2e_buf_reset(&f->scratch);
	put_clean(&f->scratch, s, sp, true);
	e2e_fold_add(f, f->scratch.data, f->scratch.len, count);
	f->stats.samples += count;
	return;
bad:
	f->stats.skipped++;
}

void e2e_fold_feed_folded(struct e2e_fold *f, const char *data, size_t len)
{
	feed_lines(f, data, len, folded_line);
	if (f->line.len && !f->overlong)
		folded_line(f, f->line.data, f->line.len);
	e2e_buf_reset(&f->line);
	f->overlong = false;
}

size_t e2e_fold_stacks(const struct e2e_fold *f, const struct e2e_fold_stack **out)
{
	*out = f->stacks;
	return f->keys.n;
}

size_t e2e_fold_samples(const struct e2e_fold *f, const struct e2e_fold_sample **out)
{
	*out = f->samples;
	return f->nsamples;
}

void e2e_fold_get_stats(const struct e2e_fold *f, struct e2e_fold_stats *out)
{
	*out = f->stats;
}

uint64_t e2e_fold_total(const struct e2e_fold *f)
{
	return f->total;
}

static int by_count(const void *a, const void *b)
{
	const struct e2e_fold_stack *x = *(const struct e2e_fold_stack *const *)a;
	const struct e2e_fold_stack *y = *(const struct e2e_fold_stack *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->frames, y->frames);
}

size_t e2e_fold_write(const struct e2e_fold *f, size_t max_stacks, size_t max_bytes, struct e2e_buf *out)
{
	size_t nstacks = f->keys.n, n = 0, bytes = 0;
	const struct e2e_fold_stack **order = e2e_xcalloc(nstacks ? nstacks : 1, sizeof(*order));

	for (size_t i = 0; i < nstacks; i++)
		order[i] = &f->stacks[i];
	qsort(order, nstacks, sizeof(*order), by_count);
	for (size_t i = 0; i < nstacks && (!max_stacks || n < max_stacks); i++) {
		const struct e2e_fold_stack *s = order[i];
		char num[24];
		int w = snprintf(num, sizeof(num), " %llu\n", (unsigned long long)s->count);

		if (max_bytes && bytes + s->len + (size_t)w > max_bytes)
			break;
		e2e_buf_add(out, s->frames, s->len);
		e2e_buf_add(out, num, (size_t)w);
		bytes += s->len + (size_t)w;
		n++;
	}
	free(order);
	return n;
}

void e2e_fold_attribute(const struct e2e_fold *f, const struct e2e_fold_span *spans, size_t n,
			uint32_t *labels)
{
	for (size_t i = 0; i < f->nsamples; i++) {
		uint64_t t = f->samples[i].t_ns;
		size_t lo = 0, hi = n; /* first span starting after t */

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (spans[mid].start_ns <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		labels[i] = lo && t <= spans[lo - 1].end_ns ? spans[lo - 1].label : E2E_FOLD_NO_LABEL;
	}
}

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

struct frame_ref {
	size_t off, len;
};

struct e2e_fold {
	uint32_t *slots; /* open addressing: stack id + 1, 0 empty */
	uint64_t *hashes; /* per stack */
	size_t nslots;
	struct e2e_fold_stack *stacks;
	size_t nstacks, capstacks;
	struct e2e_fold_sample *samples;
	size_t nsamples, capsamples;
	struct e2e_fold_stats stats;
	uint64_t total;
	/* perf script state */
	struct e2e_buf line;
	bool overlong; /* the current line passed LINE_MAX_BYTES */
	bool in_sample, bad_sample;
	uint64_t t_ns;
	struct e2e_buf comm, names; /* names: the sample's frames back to back */
	struct frame_ref *frames;
	size_t nframes;
	struct e2e_buf key;
};

struct e2e_fold *e2e_fold_create(void)
{
	struct e2e_fold *f = e2e_xcalloc(1, sizeof(*f));

	f->frames = e2e_xcalloc(FRAMES_MAX, sizeof(*f->frames));
	return f;
}

void e2e_fold_destroy(struct e2e_fold *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nstacks; i++)
		free(f->stacks[i].frames);
	free(f->stacks);
	free(f->samples);
	free(f->frames);
	free(f->slots);
	free(f->hashes);
	e2e_buf_finish(&f->line);
	e2e_buf_finish(&f->comm);
	e2e_buf_finish(&f->names);
	e2e_buf_finish(&f->key);
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

/* 8 bytes a step: folding hashes every sample's whole stack. */
static uint64_t hash_stack(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

static size_t find_slot(const struct e2e_fold *f, const char *frames, size_t len, uint64_t h)
{
	size_t i = (size_t)h & (f->nslots - 1);

	for (;; i = (i + 1) & (f->nslots - 1)) {
		uint32_t id = f->slots[i];
		if (!id)
			return i;
		const struct e2e_fold_stack *st = &f->stacks[id - 1];
		if (f->hashes[id - 1] == h && st->len == len && memcmp(st->frames, frames, len) == 0)
			return i;
	}
}

static void grow_slots(struct e2e_fold *f)
{
	free(f->slots);
	f->nslots = f->nslots ? 2 * f->nslots : 1024;
	f->slots = e2e_xcalloc(f->nslots, sizeof(*f->slots));
	for (size_t id = 0; id < f->nstacks; id++) {
		size_t i = (size_t)f->hashes[id] & (f->nslots - 1);
		while (f->slots[i])
			i = (i + 1) & (f->nslots - 1);
		f->slots[i] = (uint32_t)id + 1;
	}
}

static uint32_t add_stack(struct e2e_fold *f, const char *frames, size_t len, uint64_t count)
{
	uint64_t h = hash_stack(frames, len);
	size_t slot;
	uint32_t id;

	if ((f->nstacks + 1) * 2 > f->nslots)
		grow_slots(f);
	slot = find_slot(f, frames, len, h);
	if (!f->slots[slot]) {
		if (f->nstacks == f->capstacks) {
			f->capstacks = f->capstacks ? 2 * f->capstacks : 256;
			f->stacks = e2e_xrealloc(f->stacks, f->capstacks * sizeof(*f->stacks));
			f->hashes = e2e_xrealloc(f->hashes, f->capstacks * sizeof(*f->hashes));
		}
		id = (uint32_t)f->nstacks++;
		f->stacks[id].frames = e2e_xmalloc(len + 1);
		memcpy(f->stacks[id].frames, frames, len);
		f->stacks[id].frames[len] = 0;
		f->stacks[id].len = len;
		f->stacks[id].count = 0;
		f->hashes[id] = h;
		f->slots[slot] = id + 1;
	} else {
		id = f->slots[slot] - 1;
	}
	f->stacks[id].count += count;
	f->total += count;
	return id;
}

void e2e_fold_add(struct e2e_fold *f, const char *frames, size_t len, uint64_t count)
{
	add_stack(f, frames, len, count);
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
	e2e_buf_reset(&f->comm);
	put_clean(&f->comm, s + tok[0][0], comm_end - tok[0][0], false);
	return f->comm.len > 0;
}

/* A frame: ADDR SYM[+0xOFF] (DSO); appends its name to the sample. */
static bool parse_frame(struct e2e_fold *f, const char *s, size_t n)
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
	if (f->nframes == FRAMES_MAX)
		return true; /* the root-most frames beyond the limit go */
	struct frame_ref *r = &f->frames[f->nframes];
	r->off = f->names.len;
	if (sym_end > sym_start &&
	    !(sym_end - sym_start == 9 && memcmp(s + sym_start, "[unknown]", 9) == 0)) {
		put_clean(&f->names, s + sym_start, sym_end - sym_start, false);
	} else {
		size_t base = dso_start;
		for (size_t k = dso_start; k < dso_end; k++)
			if (s[k] == '/')
				base = k + 1;
		e2e_buf_putc(&f->names, '[');
		if (dso_end > base && !(dso_end - base == 9 && memcmp(s + base, "[unknown]", 9) == 0))
			put_clean(&f->names, s + base, dso_end - base, false);
		else
			e2e_buf_puts(&f->names, "unknown");
		e2e_buf_putc(&f->names, ']');
	}
	r->len = f->names.len - r->off;
	f->nframes++;
	return true;
}

static void commit_sample(struct e2e_fold *f)
{
	if (f->in_sample && !f->bad_sample) {
		e2e_buf_reset(&f->key);
		e2e_buf_add(&f->key, f->comm.data, f->comm.len);
		for (size_t i = f->nframes; i-- > 0;) {
			e2e_buf_putc(&f->key, ';');
			e2e_buf_add(&f->key, f->names.data + f->frames[i].off, f->frames[i].len);
		}
		uint32_t id = add_stack(f, f->key.data, f->key.len, 1);

		if (f->nsamples == f->capsamples) {
			f->capsamples = f->capsamples ? 2 * f->capsamples : 1024;
			f->samples = e2e_xrealloc(f->samples, f->capsamples * sizeof(*f->samples));
		}
		f->samples[f->nsamples].t_ns = f->t_ns;
		f->samples[f->nsamples++].stack = id;
		f->stats.samples++;
	}
	f->in_sample = f->bad_sample = false;
	f->nframes = 0;
	e2e_buf_reset(&f->names);
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
		if (f->bad_sample || !parse_frame(f, s, end))
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
			if (nl && !f->line.len)
				line(f, data, take);
			else
				e2e_buf_add(&f->line, data, take);
		}
		if (!nl)
			return;
		if (!f->overlong && f->line.len)
			line(f, f->line.data, f->line.len);
		else if (f->overlong && f->in_sample)
			f->bad_sample = true;
		e2e_buf_reset(&f->line);
		f->overlong = false;
		data = nl + 1;
		len -= take + 1;
	}
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
	e2e_buf_reset(&f->key);
	put_clean(&f->key, s, sp, true);
	e2e_fold_add(f, f->key.data, f->key.len, count);
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
	return f->nstacks;
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
	const struct e2e_fold_stack **order = e2e_xcalloc(f->nstacks ? f->nstacks : 1, sizeof(*order));
	size_t n = 0, bytes = 0;

	for (size_t i = 0; i < f->nstacks; i++)
		order[i] = &f->stacks[i];
	qsort(order, f->nstacks, sizeof(*order), by_count);
	for (size_t i = 0; i < f->nstacks && (!max_stacks || n < max_stacks); i++) {
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

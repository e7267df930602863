/* flame.c - flame graph SVG, differential flame graph, speedscope JSON. */
#include "flame.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "e2e-config.h"
#include "error.h"
#include "fmt.h"
#include "fold.h"
#include "strmap.h"
#include "banned.h"

#define SVG_W 1200
#define PAD 10
#define FRAME_H 16
#define TOP 52
#define MIN_PX 0.1
#define SVG_MAX_BYTES (2 * 1024 * 1024)
#define CHAR_PX 6.6

struct node {
	const char *name;
	size_t len;
	uint32_t parent, child, next; /* 0: none (node 0 is the root) */
	uint32_t depth;
	uint64_t total, self, base_total, base_self;
	uint64_t x; /* in samples, from the left */
};

struct tree {
	struct node *n;
	size_t count, cap;
	struct e2e_strmap idx; /* "PARENT:name" -> node */
	struct e2e_buf key;
	uint32_t max_depth;
};

static uint32_t tree_child(struct tree *t, uint32_t parent, const char *name, size_t len)
{
	uint32_t id;

	e2e_buf_reset(&t->key);
	e2e_buf_printf(&t->key, "%u:", parent); /* strmap keys are text: no NUL inside */
	e2e_buf_add(&t->key, name, len);
	if (e2e_strmap_get(&t->idx, t->key.data, t->key.len, &id))
		return id;
	if (t->count == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->n = e2e_xrealloc(t->n, t->cap * sizeof(*t->n));
	}
	id = (uint32_t)t->count++;
	memset(&t->n[id], 0, sizeof(t->n[id]));
	t->n[id].name = name;
	t->n[id].len = len;
	t->n[id].parent = parent;
	t->n[id].depth = t->n[parent].depth + 1;
	if (t->n[id].depth > t->max_depth)
		t->max_depth = t->n[id].depth;
	e2e_strmap_put(&t->idx, t->key.data, t->key.len, id);
	return id;
}

static void tree_add(struct tree *t, const struct e2e_fold *f, bool base)
{
	const struct e2e_fold_stack *s;
	size_t n = e2e_fold_stacks(f, &s);

	for (size_t i = 0; i < n; i++) {
		const char *p = s[i].frames, *end = p + s[i].len;
		uint32_t cur = 0;

		*(base ? &t->n[0].base_total : &t->n[0].total) += s[i].count;
		while (p < end) {
			const char *semi = memchr(p, ';', (size_t)(end - p));
			size_t len = semi ? (size_t)(semi - p) : (size_t)(end - p);

			cur = tree_child(t, cur, p, len);
			*(base ? &t->n[cur].base_total : &t->n[cur].total) += s[i].count;
			p += len + 1;
		}
		*(base ? &t->n[cur].base_self : &t->n[cur].self) += s[i].count;
	}
}

static int by_name_str(const char *x, size_t xl, const char *y, size_t yl)
{
	int c = memcmp(x, y, xl < yl ? xl : yl);

	return c ? c : (xl > yl) - (xl < yl);
}

static int by_name(const void *a, const void *b, void *ctx)
{
	const struct node *n = ctx;
	const struct node *x = &n[*(const uint32_t *)a], *y = &n[*(const uint32_t *)b];

	return by_name_str(x->name, x->len, y->name, y->len);
}

/* Links children in name order and lays them out left to right. */
static void tree_layout(struct tree *t)
{
	uint32_t *order = e2e_xcalloc(t->count, sizeof(*order));

	for (size_t i = 1; i < t->count; i++)
		order[i - 1] = (uint32_t)i;
	qsort_r(order, t->count - 1, sizeof(*order), by_name, t->n);
	for (size_t i = t->count - 1; i-- > 0;) { /* reverse: prepend keeps name order */
		struct node *c = &t->n[order[i]];
		c->next = t->n[c->parent].child;
		t->n[c->parent].child = order[i];
	}
	/* parents come before children in id order */
	for (size_t i = 0; i < t->count; i++) {
		uint64_t x = i ? t->n[i].x : 0;
		for (uint32_t c = t->n[i].child; c; c = t->n[c].next) {
			t->n[c].x = x;
			x += t->n[c].total;
		}
	}
	free(order);
}

static void tree_finish(struct tree *t)
{
	free(t->n);
	e2e_strmap_finish(&t->idx);
	e2e_buf_finish(&t->key);
}

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void put_name(struct e2e_buf *b, const char *s, size_t n)
{
	char *z = e2e_xmalloc(n + 1);

	memcpy(z, s, n);
	z[n] = 0;
	e2e_fmt_xml(b, z);
	free(z);
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / (double)whole : 0.0;
}

static void put_fill(struct e2e_buf *b, const struct tree *t, const struct node *n, bool diff,
		     double max_delta)
{
	if (!diff) {
		uint32_t h = name_hash(n->name, n->len);
		e2e_buf_printf(b, "rgb(%u,%u,%u)", 205 + (h % 50), 60 + ((h >> 8) % 170), (h >> 16) % 55);
		return;
	}
	double d = share(n->self, t->n[0].total) - share(n->base_self, t->n[0].base_total);
	double k = max_delta > 0 ? fabs(d) / max_delta : 0;
	unsigned v = (unsigned)lround(220.0 * (1.0 - (k > 1 ? 1 : k)));

	if (k < 0.01)
		e2e_buf_puts(b, "rgb(220,220,220)");
	else if (d > 0)
		e2e_buf_printf(b, "rgb(255,%u,%u)", v, v);
	else
		e2e_buf_printf(b, "rgb(%u,%u,255)", v, v);
}

static void put_title(struct e2e_buf *b, const struct tree *t, const struct node *n, bool diff)
{
	put_name(b, n->name, n->len);
	e2e_buf_puts(b, "\n");
	e2e_fmt_count(b, n->total);
	e2e_buf_puts(b, n->total == 1 ? " sample, " : " samples, ");
	e2e_fmt_pct(b, share(n->total, t->n[0].total));
	if (n->self || diff) {
		e2e_buf_puts(b, "; self ");
		e2e_fmt_pct(b, share(n->self, t->n[0].total));
	}
	if (diff) {
		double now = share(n->self, t->n[0].total), was = share(n->base_self, t->n[0].base_total);
		e2e_buf_puts(b, " (baseline ");
		e2e_fmt_pct(b, was);
		e2e_buf_puts(b, ", ");
		e2e_fmt_pp(b, 100.0 * (now - was));
		e2e_buf_putc(b, ')');
	}
}

/* The label that fits w pixels ("" when none does). */
static void put_label(struct e2e_buf *b, const struct node *n, double w)
{
	size_t fit = (size_t)(w / CHAR_PX);
	char *z;

	if (fit < 3)
		return;
	if (n->len <= fit) {
		put_name(b, n->name, n->len);
		return;
	}
	fit -= 2;
	while (fit > 0 && ((unsigned char)n->name[fit] & 0xc0) == 0x80)
		fit--; /* not inside a UTF-8 sequence */
	z = e2e_xmalloc(fit + 3);
	memcpy(z, n->name, fit);
	memcpy(z + fit, "..", 3);
	e2e_fmt_xml(b, z);
	free(z);
}

static const char script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"(function(){\n"
	"var NS='http://www.w3.org/2000/svg',W="
	"1200"
	",P="
	"10"
	",FW=W-2*P,CH="
	"6.6;\n"
	"var gs=[].slice.call(document.querySelectorAll('g.f')),root=gs[0],zoomed=null,re=null;\n"
	"function a(g,k){return +g.getAttribute('data-'+k);}\n"
	"function nm(g){return g.querySelector('title').textContent.split('\\n')[0];}\n"
	"function label(g,x,w){var t=g.querySelector('text'),n=nm(g),fit=Math.floor(w/CH);\n"
	" if(fit<3){if(t)t.textContent='';return;}\n"
	" if(!t){t=document.createElementNS(NS,'text');g.appendChild(t);}\n"
	" t.setAttribute('x',x+3);t.setAttribute('y',+g.querySelector('rect').getAttribute('y')+11);\n"
	" t.textContent=n.length<=fit?n:n.slice(0,fit-2)+'..';}\n"
	"function lay(z){var s0=a(z,'s'),n0=a(z,'n'),d0=a(z,'d');zoomed=z;\n"
	" gs.forEach(function(g){var s=a(g,'s'),n=a(g,'n'),d=a(g,'d'),r=g.querySelector('rect');\n"
	"  var inside=d>=d0&&s>=s0&&s+n<=s0+n0,anc=d<d0&&s<=s0&&s+n>=s0+n0;\n"
	"  var x=anc?P:P+(s-s0)/n0*FW,w=anc?FW:n/n0*FW;\n"
	"  if(!(inside||anc)||w<0.1){g.style.display='none';return;}\n"
	"  g.style.display='';g.style.opacity=anc&&g!==z?0.55:1;\n"
	"  r.setAttribute('x',x.toFixed(1));r.setAttribute('width',w.toFixed(1));label(g,x,w);});\n"
	" document.getElementById('unzoom').style.opacity=z===root?0:1;}\n"
	"function search(){var p=prompt('Search frames (regular expression):',re?re.source:'');\n"
	" if(p===null)return;mark(p?new RegExp(p):null);}\n"
	"function mark(r){re=r;var hit=[];gs.forEach(function(g){var rc=g.querySelector('rect');\n"
	"  if(!rc.hasAttribute('data-fill'))rc.setAttribute('data-fill',rc.getAttribute('fill'));\n"
	"  var m=r&&r.test(nm(g));rc.setAttribute('fill',m?'rgb(230,0,230)':rc.getAttribute('data-fill'));\n"
	"  if(m)hit.push([a(g,'s'),a(g,'n')]);});\n"
	" hit.sort(function(x,y){return x[0]-y[0]||y[1]-x[1];});var sum=0,end=-1;\n"
	" hit.forEach(function(h){if(h[0]>=end){sum+=h[1];end=h[0]+h[1];}});\n"
	" document.getElementById('matched').textContent=r?'Matched: "
	"'+(100*sum/a(root,'n')).toFixed(1)+'%':'';\n"
	" document.getElementById('search').textContent=r?'Reset search':'Search';}\n"
	"gs.forEach(function(g){g.addEventListener('click',function(){lay(g);});});\n"
	"document.getElementById('unzoom').addEventListener('click',function(){lay(root);});\n"
	"document.getElementById('search').addEventListener('click',function(){if(re)mark(null);else "
	"search();});\n"
	"document.addEventListener('keydown',function(e){if((e.ctrlKey||e.metaKey)&&e.key==='f'){e."
	"preventDefault();search();}"
	"if(e.key==='Escape')lay(root);});\n"
	"})();\n"
	"]]></script>\n";

static double max_self_delta(const struct tree *t)
{
	double m = 0;

	for (size_t i = 1; i < t->count; i++) {
		double d = fabs(share(t->n[i].self, t->n[0].total) -
				share(t->n[i].base_self, t->n[0].base_total));
		if (d > m)
			m = d;
	}
	return m;
}

/* The frames at least min_px wide. */
static void draw_frames(struct e2e_buf *out, const struct tree *t, bool diff, double max_delta, double min_px)
{
	double per = t->n[0].total ? (SVG_W - 2 * PAD) / (double)t->n[0].total : 0;

	for (size_t i = 0; i < t->count; i++) {
		const struct node *n = &t->n[i];
		double x = PAD + (double)n->x * per, w = (double)n->total * per;
		unsigned y = TOP + (t->max_depth - n->depth) * FRAME_H;

		if (i && w < min_px)
			continue;
		if (!n->total)
			continue;
		e2e_buf_printf(out, "<g class=\"f\" data-s=\"%llu\" data-n=\"%llu\" data-d=\"%u\"><title>",
			       (unsigned long long)n->x, (unsigned long long)n->total, n->depth);
		put_title(out, t, n, diff);
		e2e_buf_puts(out, "</title><rect x=\"");
		e2e_fmt_fixed(out, x, 1);
		e2e_buf_printf(out, "\" y=\"%u\" width=\"", y);
		e2e_fmt_fixed(out, w, 1);
		e2e_buf_printf(out, "\" height=\"%d\" fill=\"", FRAME_H - 1);
		put_fill(out, t, n, diff, max_delta);
		e2e_buf_puts(out, "\"/>");
		if (w / CHAR_PX >= 3) {
			e2e_buf_puts(out, "<text x=\"");
			e2e_fmt_fixed(out, x + 3, 1);
			e2e_buf_printf(out, "\" y=\"%u\">", y + 11);
			put_label(out, n, w);
			e2e_buf_puts(out, "</text>");
		}
		e2e_buf_puts(out, "</g>\n");
	}
}

void e2e_flame_svg(const struct e2e_fold *f, const struct e2e_fold *base, const char *title,
		   struct e2e_buf *out)
{
	struct tree t = { 0 };
	bool diff = base != NULL;
	double max_delta;
	unsigned height;

	t.cap = 256;
	t.n = e2e_xcalloc(t.cap, sizeof(*t.n));
	t.count = 1;
	t.n[0].name = "all";
	t.n[0].len = 3;
	tree_add(&t, f, false);
	if (base)
		tree_add(&t, base, true);
	tree_layout(&t);
	max_delta = diff ? max_self_delta(&t) : 0;
	height = TOP + (t.max_depth + 1) * FRAME_H + 24;
	e2e_buf_printf(out,
		       "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		       "<svg version=\"1.1\" width=\"%d\" height=\"%u\" viewBox=\"0 0 %d %u\" "
		       "xmlns=\"http://www.w3.org/2000/svg\">\n"
		       "<style>text{font:11px monospace;fill:#000;pointer-events:none}"
		       "g.f{cursor:pointer}g.f:hover rect{stroke:#000;stroke-width:0.5}"
		       ".b{font:12px sans-serif;cursor:pointer;fill:#00c}</style>\n"
		       "<rect width=\"100%%\" height=\"100%%\" fill=\"%s\"/>\n",
		       SVG_W, height, SVG_W, height, diff ? "#f8f8f8" : "#fdf6e9");
	e2e_buf_printf(out, "<text x=\"%d\" y=\"20\" style=\"font:17px sans-serif\" text-anchor=\"middle\">",
		       SVG_W / 2);
	e2e_fmt_xml(out, title);
	e2e_buf_printf(
		out,
		"</text>\n<text x=\"%d\" y=\"38\" style=\"font:12px sans-serif\" text-anchor=\"middle\">",
		SVG_W / 2);
	e2e_fmt_count(out, t.n[0].total);
	e2e_buf_puts(out, t.n[0].total == 1 ? " sample" : " samples");
	if (diff) {
		e2e_buf_puts(out, " (baseline ");
		e2e_fmt_count(out, t.n[0].base_total);
		e2e_buf_puts(out, "); colour: change in share of self samples, red grew, blue shrank");
	} else {
		e2e_buf_puts(out, "; click a frame to zoom, Search or Ctrl+F to highlight");
	}
	e2e_buf_printf(out,
		       "</text>\n<text id=\"unzoom\" class=\"b\" x=\"%d\" y=\"20\" style=\"opacity:0\">Reset "
		       "zoom</text>\n"
		       "<text id=\"search\" class=\"b\" x=\"%d\" y=\"20\" text-anchor=\"end\">Search</text>\n"
		       "<text id=\"matched\" x=\"%d\" y=\"%u\" text-anchor=\"end\"></text>\n",
		       PAD, SVG_W - PAD, SVG_W - PAD, height - 8);
	/* frames narrower than 0.1 px go; if the SVG would still pass
	 * SVG_MAX_BYTES, the threshold doubles until it does not */
	size_t mark = out->len;
	for (double min_px = MIN_PX;; min_px *= 2) {
		draw_frames(out, &t, diff, max_delta, min_px);
		if (out->len - mark <= SVG_MAX_BYTES - sizeof(script) - 4096 || min_px > SVG_W)
			break;
		out->len = mark;
		out->data[mark] = 0;
	}
	e2e_buf_puts(out, script);
	e2e_buf_puts(out, "</svg>\n");
	tree_finish(&t);
}

int e2e_flame_speedscope(const struct e2e_fold *f, const char *name, struct e2e_buf *out)
{
	const struct e2e_fold_stack *s;
	size_t n = e2e_fold_stacks(f, &s);
	struct e2e_strmap idx = { 0 };
	json_t *frames = json_array(), *samples = json_array(), *weights = json_array();
	json_t *root = NULL;
	uint32_t nframes = 0;
	char *text = NULL;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		json_t *stack = json_array();
		const char *p = s[i].frames, *end = p + s[i].len;

		while (p < end) {
			const char *semi = memchr(p, ';', (size_t)(end - p));
			size_t len = semi ? (size_t)(semi - p) : (size_t)(end - p);
			uint32_t id;

			if (!e2e_strmap_get(&idx, p, len, &id)) {
				id = nframes++;
				e2e_strmap_put(&idx, p, len, id);
				json_array_append_new(frames, json_pack("{s:s%}", "name", p, len));
			}
			json_array_append_new(stack, json_integer(id));
			p += len + 1;
		}
		json_array_append_new(samples, stack);
		json_array_append_new(weights, json_integer((json_int_t)s[i].count));
	}
	root = json_pack("{s:s, s:{s:o}, s:[{s:s, s:s, s:s, s:i, s:I, s:o, s:o}], s:s, s:i, s:s}", "$schema",
			 "https://www.speedscope.app/file-format-schema.json", "shared", "frames", frames,
			 "profiles", "type", "sampled", "name", name, "unit", "none", "startValue", 0,
			 "endValue", (json_int_t)e2e_fold_total(f), "samples", samples, "weights", weights,
			 "name", name, "activeProfileIndex", 0, "exporter", "e2e " E2E_VERSION);
	if (root)
		text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text) {
		rc = e2e_error(E2E_ERR_RUNTIME, "cannot encode the speedscope profile");
		goto out;
	}
	e2e_buf_puts(out, text);
	e2e_buf_putc(out, '\n');
out:
	free(text);
	json_decref(root);
	e2e_strmap_finish(&idx);
	return rc;
}

/* Self samples per leaf frame name. */
static void self_counts(const struct e2e_fold *f, struct e2e_strmap *idx, uint64_t **counts, size_t *n,
			const char ***names, size_t **lens, bool base, uint64_t **other)
{
	const struct e2e_fold_stack *s;
	size_t ns = e2e_fold_stacks(f, &s);

	for (size_t i = 0; i < ns; i++) {
		const char *leaf = s[i].frames + s[i].len;
		uint32_t id;

		while (leaf > s[i].frames && leaf[-1] != ';')
			leaf--;
		size_t len = (size_t)(s[i].frames + s[i].len - leaf);
		if (!e2e_strmap_get(idx, leaf, len, &id)) {
			id = (uint32_t)(*n)++;
			*counts = e2e_xrealloc(*counts, *n * sizeof(**counts));
			*other = e2e_xrealloc(*other, *n * sizeof(**other));
			*names = e2e_xrealloc(*names, *n * sizeof(**names));
			*lens = e2e_xrealloc(*lens, *n * sizeof(**lens));
			(*counts)[id] = (*other)[id] = 0;
			(*names)[id] = leaf;
			(*lens)[id] = len;
			e2e_strmap_put(idx, leaf, len, id);
		}
		(base ? *other : *counts)[id] += s[i].count;
	}
}

size_t e2e_flame_grown(const struct e2e_fold *f, const struct e2e_fold *base, size_t n,
		       struct e2e_flame_growth *out)
{
	struct e2e_strmap idx = { 0 };
	uint64_t *now = NULL, *was = NULL, tn = e2e_fold_total(f), tb = e2e_fold_total(base);
	const char **names = NULL;
	size_t *lens = NULL, count = 0, got = 0;
	bool *used;

	self_counts(f, &idx, &now, &count, &names, &lens, false, &was);
	self_counts(base, &idx, &now, &count, &names, &lens, true, &was);
	used = e2e_xcalloc(count ? count : 1, sizeof(*used));
	while (got < n) {
		size_t best = count;
		double best_d = 0;

		for (size_t i = 0; i < count; i++) {
			double d = share(now[i], tn) - share(was[i], tb);
			if (used[i] || d <= 0)
				continue;
			if (best == count || d > best_d ||
			    (d == best_d && by_name_str(names[i], lens[i], names[best], lens[best]) < 0)) {
				best = i;
				best_d = d;
			}
		}
		if (best == count)
			break;
		used[best] = true;
		out[got].frame = e2e_xmalloc(lens[best] + 1);
		memcpy(out[got].frame, names[best], lens[best]);
		out[got].frame[lens[best]] = 0;
		out[got].share = share(now[best], tn);
		out[got].base_share = share(was[best], tb);
		got++;
	}
	free(used);
	free(now);
	free(was);
	free(names);
	free(lens);
	e2e_strmap_finish(&idx);
	return got;
}

void e2e_flame_growth_free(struct e2e_flame_growth *g, size_t n)
{
	for (size_t i = 0; g && i < n; i++)
		free(g[i].frame);
}

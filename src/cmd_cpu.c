/* cmd_cpu.c - perf-profile --profile-cpu: perf around each run, its
 * profile written beside the database, the baseline's profile and the
 * differential flame graph. */
#include "cmd_cpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "cpu_report.h"
#include "cpuprof.h"
#include "error.h"
#include "flame.h"
#include "fmt.h"
#include "fold.h"
#include "fsutil.h"
#include "model.h"
#include "sample.h"
#include "store.h"
#include "banned.h"

#define CMD "perf-profile"
#define BASELINE_STACKS 5000
#define BASELINE_BYTES (1024 * 1024)
#define GROWN_CITED 3

struct e2e_cmd_cpu {
	struct e2e_cmd_cpu_opts o;
	struct e2e_fold *all; /* every run's stacks: what the baseline keeps and compares */
	char *last_prefix; /* the last run's output files, without their suffix */
	struct e2e_cpu_profile *last; /* the last run's files and grown frames */
};

struct e2e_cmd_cpu *e2e_cmd_cpu_create(const struct e2e_cmd_cpu_opts *o)
{
	struct e2e_cmd_cpu *c = e2e_xcalloc(1, sizeof(*c));

	c->o = *o;
	c->all = e2e_fold_create();
	return c;
}

void e2e_cmd_cpu_destroy(struct e2e_cmd_cpu *c)
{
	if (!c)
		return;
	e2e_fold_destroy(c->all);
	free(c->last_prefix);
	e2e_cpu_profile_destroy(c->last);
	free(c);
}

/* The directory of the database, with its '/' ("" for the current one). */
static void put_db_dir(struct e2e_buf *b, const char *db)
{
	const char *slash = strrchr(db, '/');

	if (slash)
		e2e_buf_add(b, db, (size_t)(slash - db + 1));
}

/* A name as a file name's part: letters, digits, '-', '_', '.'; others '_'. */
static void put_file_part(struct e2e_buf *b, const char *s, size_t max)
{
	size_t n = 0;

	for (const char *p = s; *p && n < max; p++, n++)
		e2e_buf_putc(b, (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
						(*p >= '0' && *p <= '9') || *p == '-' || *p == '_'
					? *p
					: '_');
}

struct e2e_cpuprof *e2e_cmd_cpu_begin(struct e2e_cmd_cpu *c, const pid_t *pids, size_t n, const char *cgroup)
{
	struct e2e_buf data = E2E_BUF_INIT, log = E2E_BUF_INIT;
	struct e2e_cpuprof *p = NULL;

	put_db_dir(&data, c->o.db);
	e2e_buf_printf(&data, ".e2e-perf-%ld.data", (long)getpid());
	put_db_dir(&log, c->o.db);
	e2e_buf_printf(&log, ".e2e-perf-%ld.log", (long)getpid());
	struct e2e_cpuprof_config cfg = {
		.pids = pids,
		.npids = n,
		.cgroup = cgroup,
		.hz = c->o.hz,
		.dwarf = c->o.dwarf,
		.data_path = data.data,
		.log_path = log.data,
	};
	if (e2e_fsutil_mkdir_parents(data.data) < 0 || e2e_cpuprof_start(&cfg, &p) < 0) {
		e2e_cmd_fail(CMD, "warning: no CPU profile: %s; the run goes on without it",
			     e2e_error_message());
		p = NULL;
	}
	e2e_buf_finish(&data);
	e2e_buf_finish(&log);
	return p;
}

static bool write_file(const char *path, const char *what, const struct e2e_buf *b)
{
	if (e2e_fsutil_write_atomic(path, what, b->data ? b->data : "", b->len) == 0)
		return true;
	e2e_cmd_fail(CMD, "warning: %s", e2e_error_message());
	return false;
}

/* One endpoint's samples, for the top-N choice. */
struct ep {
	const char *name;
	uint64_t busy_ns; /* total time of its requests */
	struct e2e_fold *fold;
};

static int by_busy(const void *a, const void *b)
{
	const struct ep *x = a, *y = b;

	if (x->busy_ns != y->busy_ns)
		return x->busy_ns > y->busy_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

static const char *path_endpoint(const struct e2e_path *paths, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (paths[i].id == id)
			return paths[i].endpoint;
	return NULL;
}

/* Flame graphs of the top N endpoints by total time, from the samples
 * that fell inside one of their requests. */
static void per_endpoint(struct e2e_cmd_cpu *c, const struct e2e_fold *f, struct e2e_store *st,
			 int64_t run_id, uint64_t start_ns)
{
	struct e2e_sample *s = NULL;
	struct e2e_path *paths = NULL;
	size_t ns = 0, np = 0, nep = 0, ntimed, nattr = 0;
	struct ep *eps = NULL;
	struct e2e_fold_span *spans = NULL;
	uint32_t *labels = NULL;
	const struct e2e_fold_sample *timed;
	const struct e2e_fold_stack *stacks;
	struct e2e_buf list = E2E_BUF_INIT;

	if (e2e_store_samples_load(st, run_id, &s, &ns) < 0 ||
	    e2e_store_run_paths_load(st, run_id, &paths, &np) < 0) {
		e2e_cmd_fail(CMD, "warning: no per-endpoint CPU profile: %s", e2e_error_message());
		goto out;
	}
	spans = e2e_xcalloc(ns ? ns : 1, sizeof(*spans));
	eps = e2e_xcalloc(np ? np : 1, sizeof(*eps));
	for (size_t i = 0; i < ns; i++) {
		const char *name = path_endpoint(paths, np, s[i].path_id);
		size_t k = 0;

		if (!name)
			continue;
		while (k < nep && strcmp(eps[k].name, name) != 0)
			k++;
		if (k == nep)
			eps[nep++].name = name;
		eps[k].busy_ns += (uint64_t)s[i].total_us * 1000u;
		spans[i].start_ns = start_ns + s[i].start_ns;
		spans[i].end_ns = spans[i].start_ns + (uint64_t)s[i].total_us * 1000u;
		spans[i].label = (uint32_t)k;
	}
	/* the store keeps a run's samples in recording order: by end; attribution wants them by start */
	for (size_t i = 1; i < ns; i++) {
		struct e2e_fold_span v = spans[i];
		size_t j = i;
		while (j > 0 && spans[j - 1].start_ns > v.start_ns) {
			spans[j] = spans[j - 1];
			j--;
		}
		spans[j] = v;
	}
	ntimed = e2e_fold_samples(f, &timed);
	e2e_fold_stacks(f, &stacks);
	labels = e2e_xcalloc(ntimed ? ntimed : 1, sizeof(*labels));
	e2e_fold_attribute(f, spans, ns, labels);
	for (size_t i = 0; i < ntimed; i++) {
		if (labels[i] == E2E_FOLD_NO_LABEL)
			continue;
		struct ep *e = &eps[labels[i]];
		if (!e->fold)
			e->fold = e2e_fold_create();
		e2e_fold_add(e->fold, stacks[timed[i].stack].frames, stacks[timed[i].stack].len, 1);
		nattr++;
	}
	/* the labels index eps: sort only now */
	qsort(eps, nep, sizeof(*eps), by_busy);
	for (size_t i = 0, drawn = 0; i < nep && drawn < c->o.endpoints; i++) {
		struct e2e_buf path = E2E_BUF_INIT, svg = E2E_BUF_INIT, title = E2E_BUF_INIT;

		if (!eps[i].fold)
			continue;
		e2e_buf_printf(&path, "%s.", c->last_prefix);
		put_file_part(&path, eps[i].name, 100);
		e2e_buf_puts(&path, ".svg");
		e2e_buf_printf(&title, "CPU of %s: %s", c->o.service, eps[i].name);
		e2e_flame_svg(eps[i].fold, NULL, title.data, &svg);
		if (write_file(path.data, "the endpoint's flame graph", &svg)) {
			e2e_cpu_profile_add_file(c->last, E2E_CPU_FILE_ENDPOINT, eps[i].name, path.data);
			e2e_buf_printf(&list, "\n  %s: ", eps[i].name);
			e2e_fmt_count(&list, e2e_fold_total(eps[i].fold));
			e2e_buf_printf(&list, " samples: %s", path.data);
		}
		drawn++;
		e2e_buf_finish(&path);
		e2e_buf_finish(&svg);
		e2e_buf_finish(&title);
	}
	if (!c->o.quiet && list.len) {
		struct e2e_buf head = E2E_BUF_INIT;
		e2e_fmt_count(&head, nattr);
		e2e_buf_puts(&head, " of ");
		e2e_fmt_count(&head, ntimed);
		e2e_cmd_fail(CMD, "CPU profile per endpoint (%s samples during a request):%s", head.data,
			     list.data);
		e2e_buf_finish(&head);
	}
out:
	for (size_t i = 0; i < nep; i++)
		e2e_fold_destroy(eps[i].fold);
	free(eps);
	free(spans);
	free(labels);
	free(s);
	e2e_store_paths_free(paths, np);
	e2e_buf_finish(&list);
}

static void compare(struct e2e_cmd_cpu *c);

void e2e_cmd_cpu_end(struct e2e_cmd_cpu *c, struct e2e_cpuprof *p, struct e2e_store *st, int64_t run_id,
		     uint64_t start_ns, uint64_t peak)
{
	struct e2e_fold *f = e2e_fold_create();
	struct e2e_fold_stats fs;
	struct e2e_buf prefix = E2E_BUF_INIT, b = E2E_BUF_INIT, path = E2E_BUF_INIT, title = E2E_BUF_INIT;
	const struct e2e_fold_stack *s;
	size_t n;

	if (!p)
		goto out;
	if (e2e_cpuprof_stop(p, f) < 0) {
		e2e_cmd_fail(CMD, "warning: no CPU profile: %s", e2e_error_message());
		goto out;
	}
	e2e_fold_get_stats(f, &fs);
	if (fs.skipped)
		e2e_cmd_fail(CMD,
			     "warning: CPU profile: %llu lines of perf script output did not parse (skipped)",
			     (unsigned long long)fs.skipped);
	if (!fs.samples) {
		e2e_cmd_fail(CMD, "warning: CPU profile: perf recorded no sample (an idle service, or "
				  "--profile-hz too low for so short a run)");
		goto out;
	}
	n = e2e_fold_stacks(f, &s);
	for (size_t i = 0; i < n; i++)
		e2e_fold_add(c->all, s[i].frames, s[i].len, s[i].count);
	put_db_dir(&prefix, c->o.db);
	put_file_part(&prefix, c->o.service, 100);
	if (run_id)
		e2e_buf_printf(&prefix, ".run%lld", (long long)run_id);
	e2e_buf_puts(&prefix, ".cpu");
	free(c->last_prefix);
	c->last_prefix = e2e_xstrdup(prefix.data);

	e2e_buf_printf(&title, "CPU of %s", c->o.service);
	if (run_id)
		e2e_buf_printf(&title, ", run %lld", (long long)run_id);
	e2e_cpu_profile_destroy(c->last);
	c->last = e2e_cpu_profile_create(run_id);
	e2e_fold_write(f, 0, 0, &b);
	e2e_buf_printf(&path, "%s.folded", prefix.data);
	bool ok = write_file(path.data, "the folded stacks", &b);
	if (ok)
		e2e_cpu_profile_add_file(c->last, E2E_CPU_FILE_FOLDED, NULL, path.data);
	e2e_buf_reset(&b);
	e2e_buf_reset(&path);
	e2e_buf_printf(&path, "%s.speedscope.json", prefix.data);
	ok = ok && e2e_flame_speedscope(f, title.data, &b) == 0 &&
	     write_file(path.data, "the speedscope profile", &b);
	if (ok)
		e2e_cpu_profile_add_file(c->last, E2E_CPU_FILE_SPEEDSCOPE, NULL, path.data);
	e2e_buf_reset(&b);
	e2e_buf_reset(&path);
	e2e_buf_printf(&path, "%s.svg", prefix.data);
	e2e_flame_svg(f, NULL, title.data, &b);
	ok = ok && write_file(path.data, "the flame graph", &b);
	if (ok)
		e2e_cpu_profile_add_file(c->last, E2E_CPU_FILE_FLAME, NULL, path.data);
	if (ok && !c->o.quiet) {
		e2e_buf_reset(&b);
		e2e_fmt_count(&b, fs.samples);
		e2e_cmd_fail(CMD,
			     "CPU profile: %s samples at %u Hz: flame graph %s.svg, speedscope "
			     "%s.speedscope.json, "
			     "folded stacks %s.folded",
			     b.data, c->o.hz, prefix.data, prefix.data, prefix.data);
	}
	if (c->o.endpoints && st && run_id && peak <= 1)
		per_endpoint(c, f, st, run_id, start_ns);
	else if (c->o.endpoints && st && run_id && !c->o.quiet)
		e2e_cmd_fail(
			CMD,
			"note: no CPU profile per endpoint: requests overlapped (up to %llu at once), so a "
			"sample cannot be given to one; a serial suite gets one",
			(unsigned long long)peak);
	if (c->o.baseline_json)
		compare(c);
	if (st && run_id && c->last->nfiles && e2e_store_cpu_profile_save(st, c->last) < 0)
		e2e_cmd_fail(CMD, "warning: the CPU profile's files are not stored with run %lld: %s",
			     (long long)run_id, e2e_error_message());
out:
	e2e_cpuprof_destroy(p);
	e2e_fold_destroy(f);
	e2e_buf_finish(&prefix);
	e2e_buf_finish(&b);
	e2e_buf_finish(&path);
	e2e_buf_finish(&title);
}

char *e2e_cmd_cpu_baseline_profile(const char *baseline_json)
{
	struct e2e_buf b = E2E_BUF_INIT;
	size_t n = strlen(baseline_json);

	if (n > 5 && strcmp(baseline_json + n - 5, ".json") == 0)
		n -= 5;
	e2e_buf_add(&b, baseline_json, n);
	e2e_buf_puts(&b, ".cpu.folded");
	return e2e_buf_detach(&b, NULL);
}

void e2e_cmd_cpu_set_baseline(struct e2e_cmd_cpu *c, const char *baseline_json)
{
	char *path = e2e_cmd_cpu_baseline_profile(baseline_json);
	struct e2e_buf b = E2E_BUF_INIT;
	size_t kept;

	if (!e2e_fold_total(c->all)) {
		e2e_cmd_fail(CMD, "warning: no CPU profile to keep with the baseline");
		goto out;
	}
	kept = e2e_fold_write(c->all, BASELINE_STACKS, BASELINE_BYTES, &b);
	if (write_file(path, "the baseline's CPU profile", &b) && !c->o.quiet) {
		struct e2e_buf cnt = E2E_BUF_INIT;
		const struct e2e_fold_stack *s;
		e2e_fmt_count(&cnt, kept);
		e2e_buf_puts(&cnt, " of ");
		e2e_fmt_count(&cnt, e2e_fold_stacks(c->all, &s));
		e2e_cmd_fail(CMD, "baseline CPU profile: %s stacks in %s", cnt.data, path);
		e2e_buf_finish(&cnt);
	}
out:
	e2e_buf_finish(&b);
	free(path);
}

/* The differential flame graph of every run so far against the profile
 * beside the baseline, and the frames whose self time grew most, into
 * c->last. */
static void compare(struct e2e_cmd_cpu *c)
{
	char *path = e2e_cmd_cpu_baseline_profile(c->o.baseline_json), *text = NULL;
	struct e2e_fold *base = e2e_fold_create();
	struct e2e_flame_growth g[GROWN_CITED];
	struct e2e_buf b = E2E_BUF_INIT, out = E2E_BUF_INIT, title = E2E_BUF_INIT;
	struct e2e_fold_stats fs;
	size_t len = 0, ng = 0;

	if (!e2e_fold_total(c->all) || !c->last_prefix)
		goto out;
	if (access(path, F_OK) != 0) {
		if (!c->o.quiet)
			e2e_cmd_fail(
				CMD,
				"note: no differential flame graph: the baseline has no CPU profile ('%s'; "
				"--set-baseline --profile-cpu writes one)",
				path);
		goto out;
	}
	if (e2e_fsutil_read_file(path, "the baseline's CPU profile", 4 * BASELINE_BYTES, &text, &len) < 0) {
		e2e_cmd_fail(CMD, "warning: no differential flame graph: %s", e2e_error_message());
		goto out;
	}
	e2e_fold_feed_folded(base, text, len);
	e2e_fold_get_stats(base, &fs);
	if (fs.skipped)
		e2e_cmd_fail(CMD, "warning: '%s': %llu lines did not parse (skipped)", path,
			     (unsigned long long)fs.skipped);
	if (!e2e_fold_total(base)) {
		e2e_cmd_fail(CMD, "warning: no differential flame graph: '%s' holds no stack", path);
		goto out;
	}
	e2e_buf_printf(&title, "CPU of %s against its baseline", c->o.service);
	e2e_flame_svg(c->all, base, title.data, &b);
	e2e_buf_printf(&out, "%s.diff.svg", c->last_prefix);
	if (write_file(out.data, "the differential flame graph", &b)) {
		e2e_cpu_profile_add_file(c->last, E2E_CPU_FILE_DIFF, NULL, out.data);
		if (!c->o.quiet)
			e2e_cmd_fail(CMD, "differential flame graph (red grew, blue shrank): %s", out.data);
	}
	ng = e2e_flame_grown(c->all, base, GROWN_CITED, g);
	for (size_t i = 0; i < ng; i++)
		e2e_cpu_profile_add_grown(c->last, g[i].frame, g[i].base_share, g[i].share);
	e2e_flame_growth_free(g, ng);
out:
	e2e_fold_destroy(base);
	e2e_buf_finish(&b);
	e2e_buf_finish(&out);
	e2e_buf_finish(&title);
	free(text);
	free(path);
}

void e2e_cmd_cpu_compare(struct e2e_cmd_cpu *c, bool regression)
{
	struct e2e_buf b = E2E_BUF_INIT;

	if (!c->last || !c->last->ngrown || !(regression || !c->o.quiet))
		return;
	e2e_cpu_grown_text(&b, c->last->grown, c->last->ngrown);
	e2e_cmd_fail(CMD, "%sself time grew most in: %s",
		     regression ? "regression: CPU profile: " : "CPU profile: ", b.data);
	e2e_buf_finish(&b);
}

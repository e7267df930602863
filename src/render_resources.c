/* render_resources.c - the service's own cost (resources.h) as lines of
 * plain text that each renderer escapes and lays out its own way. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render_impl.h"
#include "resources.h"
#include "banned.h"

static void signed_bytes(struct e2e_buf *b, double v)
{
	e2e_buf_putc(b, v < 0 ? '-' : '+');
	e2e_fmt_bytes(b, fabs(v));
}

static void emit(struct e2e_buf *b, e2e_render_res_fn fn, void *ctx, const char *label, bool warn)
{
	fn(ctx, label, b->data ? b->data : "", warn);
	e2e_buf_reset(b);
}

void e2e_render_res_lines(const struct e2e_res_report *r, e2e_render_res_fn fn, void *ctx)
{
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_buf_printf(&b, "%s, %u Hz, ", r->source, r->hz);
	e2e_fmt_count(&b, r->samples);
	e2e_buf_puts(&b, " samples over ");
	e2e_fmt_duration(&b, r->duration_s);
	if (r->runs > 1)
		e2e_buf_printf(&b, " (%zu runs)", r->runs);
	emit(&b, fn, ctx, "watched", false);
	if (r->have & E2E_RES_CPU) {
		e2e_fmt_ms(&b, r->cpu_user_ms + r->cpu_sys_ms);
		e2e_buf_puts(&b, " (");
		e2e_fmt_ms(&b, r->cpu_user_ms);
		e2e_buf_puts(&b, " user, ");
		e2e_fmt_ms(&b, r->cpu_sys_ms);
		e2e_buf_puts(&b, " system)");
		if (!isnan(r->cpu_ms_per_request)) {
			e2e_buf_puts(&b, "; ");
			e2e_fmt_ms(&b, r->cpu_ms_per_request);
			e2e_buf_puts(&b, " per request");
		}
		if (r->duration_s > 0)
			e2e_buf_printf(&b, "; %.2f cores on average",
				       (r->cpu_user_ms + r->cpu_sys_ms) / 1e3 / r->duration_s);
		emit(&b, fn, ctx, "CPU", false);
		if (!r->attributable) {
			e2e_buf_printf(&b, "not attributable at concurrency %llu (requests overlapped)",
				       (unsigned long long)r->concurrency);
			emit(&b, fn, ctx, "CPU per endpoint", false);
		}
	}
	if (r->have & E2E_RES_RSS) {
		e2e_buf_puts(&b, "RSS ");
		e2e_fmt_bytes(&b, (double)r->start_rss);
		e2e_buf_puts(&b, " at start, ");
		e2e_fmt_bytes(&b, (double)r->peak_rss);
		e2e_buf_puts(&b, " peak, ");
		e2e_fmt_bytes(&b, (double)r->end_rss);
		e2e_buf_puts(&b, " at end; slope ");
		signed_bytes(&b, r->rss_slope_bps);
		e2e_buf_puts(&b, "/s, ");
		signed_bytes(&b, r->rss_growth_per_request);
		e2e_buf_puts(&b, " per request");
		emit(&b, fn, ctx, "memory", false);
		if (r->rss_growing) {
			e2e_buf_puts(&b, "RSS grew steadily by ");
			e2e_fmt_bytes(&b, (double)r->end_rss - (double)r->start_rss);
			e2e_buf_puts(&b, " over the run (");
			signed_bytes(&b, r->rss_growth_per_request);
			e2e_buf_puts(&b, " per request): a leak?");
			emit(&b, fn, ctx, "memory growth", true);
		}
	}
	if (r->have & (E2E_RES_THREADS | E2E_RES_FDS | E2E_RES_CTX)) {
		e2e_buf_printf(&b, "%u threads peak", r->peak_threads);
		if (r->have & E2E_RES_FDS)
			e2e_buf_printf(&b, ", %u open fds peak", r->peak_fds);
		if (r->have & E2E_RES_CTX) {
			e2e_buf_puts(&b, "; context switches ");
			e2e_fmt_count(&b, r->ctx_vol);
			e2e_buf_puts(&b, " voluntary, ");
			e2e_fmt_count(&b, r->ctx_invol);
			e2e_buf_puts(&b, " involuntary");
		}
		if (r->have & E2E_RES_RUNQ) {
			e2e_buf_puts(&b, "; waited for a CPU ");
			e2e_fmt_ms(&b, r->runq_wait_ms);
		}
		emit(&b, fn, ctx, "threads", false);
	}
	e2e_buf_printf(&b, "%.2f%% of one CPU", r->sampler_cpu_pct);
	if (r->errors)
		e2e_buf_printf(&b, "; %llu reads failed", (unsigned long long)r->errors);
	emit(&b, fn, ctx, "sampler", r->errors > 0);
	if (r->serve_end[0] || r->serve_log[0]) {
		e2e_buf_printf(&b, "%s%slog %s", r->serve_end, r->serve_end[0] ? "; " : "", r->serve_log);
		emit(&b, fn, ctx, "service", false);
	}
	e2e_buf_finish(&b);
}

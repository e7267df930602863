/* cmd_perf_replay.c - `e2e perf-replay`: a recorded run's request mix (or a
 * HAR file's requests) sent again as open-model load (replay.h), stored as
 * a run of source "replay" and reported like any other run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "capture.h"
#include "cli.h"
#include "cmd.h"
#include "cmd_pipeline.h"
#include "error.h"
#include "exitcode.h"
#include "fmt.h"
#include "har.h"
#include "hostinfo.h"
#include "model.h"
#include "parse.h"
#include "recorder.h"
#include "redact.h"
#include "replay.h"
#include "replay_mix.h"
#include "routes.h"
#include "runner.h"
#include "store.h"
#include "banned.h"

#define CMD "perf-replay"
#define SOAK_DEFAULT_NS (3600ull * 1000000000ull)

struct replay_opts {
	struct e2e_common_opts c;
	const char *target;
	uint64_t from_run; /* 0: not given */
	const char *import;
	const char *rate;
	const char *profile;
	uint64_t duration_ns;
	uint64_t max_in_flight;
	uint64_t timeout_ns;
	bool keep_cookies;
	bool insecure;
	/* parsed */
	double rate_rps;
	struct e2e_replay_profile prof;
};

static bool valid_target(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

#define R struct replay_opts

static const struct e2e_option options[] = {
	{ E2E_OPT_REWORD("service", "service the replay is recorded under (default: the source run's)") },
	{ E2E_OPT_STRING(0, "target", R, target, "URL", "base URL of the service to send the load to"),
	  .valid = valid_target, .what = "an http:// or https:// URL" },
	{ E2E_OPT_UINT(0, "from-run", R, from_run, "ID",
		       "replay the mix of stored run ID (bodiless requests)", 1, INT64_MAX) },
	{ E2E_OPT_STRING(0, "import", R, import, "FILE", "replay the requests of a HAR file (with bodies)") },
	{ E2E_OPT_STRING(0, "rate", R, rate, "R", "requests per second (constant and soak profiles)") },
	{ E2E_OPT_STRING(0, "profile", R, profile, "P",
			 "constant (default), ramp:FROM-TO, spike:BASE,PEAK,AT,FOR or soak") },
	{ E2E_OPT_DURATION(0, "duration", R, duration_ns, "DUR", "how long to send (soak default: 1h)", 1,
			   UINT64_MAX),
	  .what = "a duration (e.g. 30s, 5m)" },
	{ E2E_OPT_UINT(0, "max-in-flight", R, max_in_flight, "N",
		       "skip (and count) an arrival while N requests are outstanding (default: 1024)", 1,
		       1000000) },
	{ E2E_OPT_DURATION(0, "timeout", R, timeout_ns, "DUR",
			   "a request without progress for DUR is a timeout (default: 30s)", 1000000,
			   UINT64_MAX),
	  .what = "a duration of at least 1ms" },
	{ E2E_OPT_FLAG(0, "keep-cookies", R, keep_cookies, "--import: send the HAR's Cookie headers too") },
	{ E2E_OPT_FLAG(0, "insecure", R, insecure, "do not verify the target's TLS certificate") },
	{ E2E_OPT_REWORD("set-baseline", "write the baseline file from this replay") },
	{ E2E_OPT_REWORD("quiet", "no replay summary") },
	{ E2E_OPT_END() },
};

static const struct e2e_cmd_spec spec = {
	.name = CMD,
	.usage = "e2e perf-replay [options] --target URL (--from-run ID | --import FILE.har)\n"
		 "       --rate R --duration DUR [--profile P]",
	.summary = "Sends a recorded run's request mix (or a HAR file's requests) to --target as\n"
		   "open-model load: arrivals on schedule whatever the responses do, each latency\n"
		   "measured from its intended send time. The replay is stored as a run (source\n"
		   "replay) and reported like any other; late and skipped sends are counted.",
	.options = options,
	.common_at = offsetof(struct replay_opts, c),
};

static bool parse_rate(const char *s, double *out)
{
	return e2e_parse_double(s, -1e18, 1e9, "/s", out);
}

static int parse_args(int argc, char **argv, struct replay_opts *o)
{
	int rc;

	memset(o, 0, sizeof(*o));
	e2e_common_opts_init(&o->c);
	o->max_in_flight = 1024;
	o->timeout_ns = 30ull * 1000000000ull;
	rc = e2e_cmd_parse(&spec, argc, argv, o, NULL);
	if (rc < 0 || o->c.help)
		return rc;
	if (!o->target)
		return e2e_error(E2E_ERR_INPUT, "missing '--target URL': where to send the load");
	if (!o->from_run == !o->import)
		return e2e_error(E2E_ERR_INPUT, "give one of '--from-run ID' or '--import FILE.har'");
	if (o->keep_cookies && !o->import)
		return e2e_error(E2E_ERR_INPUT,
				 "'--keep-cookies' is for '--import': a stored run has no headers");
	rc = e2e_replay_profile_parse(o->profile ? o->profile : "constant", &o->prof);
	if (rc < 0)
		return rc;
	if (o->rate) {
		if (!parse_rate(o->rate, &o->rate_rps))
			return e2e_error(E2E_ERR_INPUT,
					 "option '--rate': '%s' is not a number of requests per second",
					 o->rate);
		if (o->rate_rps <= 0)
			return e2e_error(
				E2E_ERR_INPUT,
				"option '--rate': '%s': the rate must be above 0 requests per second",
				o->rate);
	}
	if (e2e_replay_profile_needs_rate(&o->prof) && !o->rate)
		return e2e_error(E2E_ERR_INPUT, "missing '--rate R' (requests per second)");
	if (!e2e_replay_profile_needs_rate(&o->prof) && o->rate)
		return e2e_error(E2E_ERR_INPUT, "'--rate' and '--profile %s' both set the rate: give one",
				 o->profile);
	o->prof.rate = o->rate_rps;
	if (!o->duration_ns) {
		if (o->prof.shape != E2E_REPLAY_SOAK)
			return e2e_error(E2E_ERR_INPUT, "missing '--duration DUR' (e.g. 30s)");
		o->duration_ns = SOAK_DEFAULT_NS;
	}
	if (o->c.set_baseline && o->c.compare_baseline)
		return e2e_error(E2E_ERR_INPUT,
				 "'--set-baseline' and '--compare-baseline' exclude each other");
	if (o->prof.shape == E2E_REPLAY_SPIKE && o->prof.at_ns >= o->duration_ns)
		return e2e_error(E2E_ERR_INPUT, "profile '%s': the spike starts after the end of --duration",
				 o->profile);
	return 0;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sink {
	struct e2e_recorder *rec;
	struct e2e_capture_queue *queue;
	bool warned;
	uint32_t peak;
};

static void consume(void *ctx, const struct e2e_capture_batch *b)
{
	struct sink *k = ctx;

	if (e2e_recorder_add(k->rec, b->caps, b->n, e2e_capture_queue_dropped(k->queue), k->peak) < 0 &&
	    !k->warned) {
		k->warned = true;
		e2e_cmd_fail(CMD,
			     "warning: cannot store samples: %s; the replay goes on and counts what is lost",
			     e2e_error_message());
	}
}

static bool stop_asked(void *ctx)
{
	(void)ctx;
	return e2e_runner_take_signal() != 0;
}

/* "TEXTrate/s" */
static void rate_after(struct e2e_buf *b, const char *text, double rps)
{
	e2e_buf_puts(b, text);
	e2e_fmt_rate(b, rps);
	e2e_buf_puts(b, "/s");
}

static void describe(struct e2e_buf *b, const struct replay_opts *o)
{
	const struct e2e_replay_profile *p = &o->prof;

	switch (p->shape) {
	case E2E_REPLAY_RAMP:
		rate_after(b, "ramp ", p->from);
		rate_after(b, " -> ", p->to);
		break;
	case E2E_REPLAY_SPIKE:
		rate_after(b, "spike ", p->base);
		rate_after(b, ", ", p->peak);
		e2e_buf_puts(b, " at ");
		e2e_fmt_duration(b, (double)p->at_ns / 1e9);
		e2e_buf_puts(b, " for ");
		e2e_fmt_duration(b, (double)p->for_ns / 1e9);
		break;
	default:
		e2e_buf_puts(b, p->shape == E2E_REPLAY_SOAK ? "soak " : "");
		e2e_fmt_rate(b, p->rate);
		e2e_buf_puts(b, "/s");
		break;
	}
	e2e_buf_puts(b, " for ");
	e2e_fmt_duration(b, (double)o->duration_ns / 1e9);
}

/* One right-aligned column: a rate, or a count when rate is false. */
static void cell(struct e2e_buf *b, int width, double v, bool rate)
{
	struct e2e_buf x;

	e2e_buf_init(&x);
	if (rate)
		e2e_fmt_rate(&x, v);
	else
		e2e_fmt_count(&x, (uint64_t)v);
	e2e_buf_printf(b, " %*s", width, x.data);
	e2e_buf_finish(&x);
}

static void row(struct e2e_buf *b, const char *label, double req, double sent, uint64_t late,
		uint64_t skipped)
{
	e2e_buf_printf(b, "  %-9s", label);
	cell(b, 11, req, true);
	cell(b, 10, sent, true);
	cell(b, 8, (double)late, false);
	cell(b, 8, (double)skipped, false);
	e2e_buf_putc(b, '\n');
}

/* Requested vs achieved rate, per second (per a few seconds in a long
 * run: at most 60 rows), and the totals. */
static void summary(struct e2e_buf *b, const struct e2e_replay_result *r, const struct replay_opts *o)
{
	size_t width = (r->nsec + 59) / 60;

	e2e_buf_puts(b, "Replay: ");
	describe(b, o);
	e2e_buf_puts(b, "\n  requested ");
	e2e_fmt_count(b, r->total_requested);
	e2e_buf_puts(b, ", sent ");
	e2e_fmt_count(b, r->total_sent);
	e2e_buf_puts(b, ", achieved ");
	e2e_fmt_rate(b, e2e_replay_achieved_rate(r));
	e2e_buf_puts(b, "/s; late ");
	e2e_fmt_count(b, r->total_late);
	e2e_buf_puts(b, " (sent over 1 ms after their time), skipped ");
	e2e_fmt_count(b, r->total_skipped);
	e2e_buf_printf(b, " (%llu in flight)", (unsigned long long)o->max_in_flight);
	if (r->aborted) {
		e2e_buf_puts(b, ", unanswered ");
		e2e_fmt_count(b, r->aborted);
	}
	e2e_buf_puts(b, "\n  send delay (actual - intended): p50 ");
	e2e_fmt_ms(b, r->sched_p50_us / 1000);
	e2e_buf_puts(b, ", p99 ");
	e2e_fmt_ms(b, r->sched_p99_us / 1000);
	e2e_buf_puts(b, ", max ");
	e2e_fmt_ms(b, r->sched_max_us / 1000);
	e2e_buf_puts(b, "; peak in flight ");
	e2e_fmt_count(b, r->peak_in_flight);
	if (r->stopped)
		e2e_buf_puts(b, "; stopped early by a signal");
	e2e_buf_printf(b, "\n\n  %-9s %11s %10s %8s %8s\n", width == 1 ? "second" : "seconds", "requested/s",
		       "achieved/s", "late", "skipped");
	for (size_t s = 0; s < r->nsec; s += width) {
		uint64_t req = 0, sent = 0, late = 0, skipped = 0;
		size_t e = s + width < r->nsec ? s + width : r->nsec;
		char label[48];
		for (size_t i = s; i < e; i++) {
			req += r->requested[i];
			sent += r->sent[i];
			late += r->late[i];
			skipped += r->skipped[i];
		}
		if (width == 1)
			snprintf(label, sizeof(label), "%zu", s);
		else
			snprintf(label, sizeof(label), "%zu-%zu", s, e - 1);
		row(b, label, (double)req / (double)(e - s), (double)sent / (double)(e - s), late, skipped);
	}
	e2e_buf_putc(b, '\n');
}

static void run_init(struct e2e_run *r, const struct replay_opts *o, const char *service)
{
	memset(r, 0, sizeof(*r));
	r->service = e2e_xstrdup(service);
	r->command = e2e_xstrdup("");
	r->source = e2e_xstrdup("replay");
	r->target = e2e_xstrdup(o->target);
	r->exit_status = -1;
	r->started_ms = wall_ms();
	e2e_hostinfo_fill(r);
}

/* Late and skipped sends stay with the run (notes), so every later
 * report of it says them. */
static int store_counts(struct e2e_store *st, int64_t run_id, const struct e2e_replay_result *res)
{
	struct e2e_run_note notes[2];
	size_t n = 0;

	if (res->total_late)
		notes[n++] = (struct e2e_run_note){ E2E_NOTE_REPLAY_LATE, (char *)"", res->total_late };
	if (res->total_skipped)
		notes[n++] = (struct e2e_run_note){ E2E_NOTE_REPLAY_SKIPPED, (char *)"", res->total_skipped };
	return n ? e2e_store_run_notes_add(st, run_id, notes, n) : 0;
}

/* Replays mix into a new run. Returns 0 and *run_id, or a negative code. */
static int replay_run(const struct replay_opts *o, struct e2e_store *st, const struct e2e_routes *routes,
		      const struct e2e_replay_mix *mix, const char *service, struct e2e_buf *text,
		      int64_t *run_id)
{
	struct sink k = { 0 };
	struct e2e_run run;
	struct e2e_replay_result res = { 0 };
	struct e2e_replay_config cfg = {
		.target = o->target,
		.reqs = e2e_replay_mix_reqs(mix),
		.nreqs = e2e_replay_mix_count(mix),
		.profile = o->prof,
		.duration_ns = o->duration_ns,
		.max_in_flight = (uint32_t)o->max_in_flight,
		.timeout_ns = o->timeout_ns,
		.insecure = o->insecure,
		.stop = stop_asked,
	};
	int rc;

	run_init(&run, o, service);
	if ((rc = e2e_recorder_begin(st, &run, routes, &k.rec)) < 0)
		goto out;
	if ((rc = e2e_capture_queue_create(64, consume, &k, &k.queue)) < 0)
		goto out;
	cfg.queue = k.queue;
	if (!o->c.quiet) {
		struct e2e_buf d;
		e2e_buf_init(&d);
		describe(&d, o);
		fprintf(stderr, "e2e: %s: run %lld: %s -> %s (%zu requests in the mix)\n", CMD,
			(long long)run.id, d.data, o->target, cfg.nreqs);
		e2e_buf_finish(&d);
	}
	rc = e2e_replay_run(&cfg, &res);
	e2e_capture_queue_destroy(k.queue); /* drains: every sample is in the store */
	k.queue = NULL;
	if (rc < 0)
		goto out;
	run.ended_ms = wall_ms();
	run.duration_ns = res.elapsed_ns;
	run.max_concurrency = res.peak_in_flight;
	if ((rc = e2e_recorder_end(k.rec, &run, res.dropped)) < 0)
		goto out;
	if ((rc = store_counts(st, run.id, &res)) < 0)
		goto out;
	if (run.dropped)
		e2e_cmd_fail(CMD, "warning: %llu requests were sent but not recorded",
			     (unsigned long long)run.dropped);
	summary(text, &res, o);
	*run_id = run.id;
out:
	e2e_capture_queue_destroy(k.queue);
	e2e_recorder_destroy(k.rec);
	e2e_replay_result_finish(&res);
	e2e_run_finish(&run);
	return rc;
}

int cmd_perf_replay(int argc, char **argv)
{
	struct replay_opts o;
	struct e2e_store *st = NULL;
	struct e2e_routes *routes = NULL;
	struct e2e_replay_mix *mix = NULL;
	struct e2e_buf text;
	char *db = NULL, *target = NULL, *service = NULL;
	int64_t run_id = 0;
	int exit_code = E2E_EXIT_OK, gate_exit = E2E_EXIT_OK;
	int rc = parse_args(argc, argv, &o);

	e2e_buf_init(&text);
	if (rc < 0 || o.c.help)
		return e2e_cmd_stop(&spec, rc);
	o.target = target = e2e_redact_url(o.target);
	e2e_runner_signals_install();
	if (o.c.routes && (rc = e2e_routes_load(o.c.routes, &routes)) < 0)
		goto fail;
	if ((rc = e2e_pipeline_check(&o.c)) < 0)
		goto fail;
	db = e2e_common_db_path(&o.c);
	if ((rc = e2e_store_open(db, E2E_STORE_CREATE, &st)) < 0)
		goto fail;
	rc = o.import ? e2e_replay_mix_from_har(o.import, o.keep_cookies, &mix)
		      : e2e_replay_mix_from_run(st, (int64_t)o.from_run, &mix);
	if (rc < 0)
		goto fail;
	if (e2e_replay_mix_left_out(mix) && !o.c.quiet)
		e2e_cmd_fail(CMD, "note: %s", e2e_replay_mix_note(mix));
	service = e2e_xstrdup(o.c.service ? o.c.service : e2e_replay_mix_service(mix));
	if ((rc = replay_run(&o, st, routes, mix, service, &text, &run_id)) < 0)
		goto fail;
	if (!o.c.quiet) {
		bool to_stdout = o.c.format == E2E_FORMAT_TEXT && !o.c.out;
		fputs(text.data ? text.data : "", to_stdout ? stdout : stderr);
		fflush(to_stdout ? stdout : stderr);
	}
	struct e2e_pipeline_extra x = { .color = e2e_pipeline_color(&o.c) };
	rc = e2e_pipeline_report(st, &run_id, 1, &o.c, &x, CMD, &gate_exit);
	if (rc < 0)
		goto fail;
	exit_code = gate_exit;
	goto out;
fail:
	e2e_cmd_fail(CMD, "%s", e2e_error_message());
	exit_code = e2e_error_exit(rc);
out:
	e2e_buf_finish(&text);
	e2e_replay_mix_destroy(mix);
	e2e_store_close(st);
	e2e_routes_destroy(routes);
	free(service);
	free(db);
	free(target);
	return exit_code;
}

/* cmd_perf_profile.c - `e2e perf-profile`: capture a run (proxy or HAR
 * import), store it, report it, and optionally set or gate a baseline. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "e2e-config.h"
#include "cli.h"
#include "cmd.h"
#include "cmd_cpu.h"
#include "cpuprof.h"
#include "disturb.h"
#include "error.h"
#include "fmt.h"
#include "fsutil.h"
#include "exitcode.h"
#include "hostinfo.h"
#include "parse.h"
#include "baseline.h"
#include "capture.h"
#include "har.h"
#include "import.h"
#include "cmd_pipeline.h"
#include "proxy.h"
#include "recorder.h"
#include "redact.h"
#include "render.h"
#include "routes.h"
#include "runner.h"
#include "sampler.h"
#include "serve.h"
#include "store.h"
#include "testmark.h"
#include "banned.h"

#define CMD "perf-profile"
/* The command a run's messages name: perf-ab runs through here too. */
#define NAME(o) ((o)->name ? (o)->name : CMD)

struct listen_addr {
	char host[64]; /* "" when not given */
	uint16_t port;
};

struct profile_opts {
	struct e2e_common_opts c;
	const char *name; /* NULL: perf-profile */
	const char *target;
	struct listen_addr listen;
	struct e2e_cli_list env;
	uint64_t duration_ns;
	uint64_t upstream_timeout_ns;
	bool preserve_host;
	bool insecure;
	uint64_t max_header_bytes;
	bool redact_command;
	uint64_t repeat;
	uint64_t confirm; /* --confirm N; 0: none */
	const char *import;
	struct e2e_cli_list hosts;
	const char *serve;
	uint64_t serve_timeout_ns;
	uint64_t serve_grace_ns;
	struct e2e_cli_list watch_pids;
	const char *watch_cgroup;
	uint64_t sample_hz;
	struct e2e_cli_list junit;
	bool profile_cpu;
	uint64_t profile_hz;
	int profile_call_graph; /* 0: frame pointers, 1: dwarf */
	uint64_t profile_endpoints;
	struct e2e_cmd_cpu *cpu; /* --profile-cpu's session; NULL without */
	char **cmd;
	int ncmd;
	const char *source; /* runs.source when not the default (perf-ab) */
	const char *store; /* --store URL; else $E2E_STORE */
	const char *baseline_from; /* --baseline-from 'branch=B,last=N' */
	char *from_branch; /* its parts (from_branch: caller frees) */
	size_t from_last;
};

static bool valid_env_name(const char *s)
{
	if (!s[0] || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

static bool valid_target(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* HOST or HOST:PORT as a URL's authority writes it ([v6] in brackets). */
static bool valid_har_host(const char *s)
{
	const char *colon = strrchr(s, ':');
	const char *end = s[0] == '[' ? strchr(s, ']') : NULL;

	if (!s[0] || strpbrk(s, "/?#@ \t") || (s[0] == '[' && !end))
		return false;
	if (end && end[1] && end[1] != ':')
		return false;
	if (colon && (!end || colon > end)) {
		char *stop;
		unsigned long port = strtoul(colon + 1, &stop, 10);

		return colon > s && colon[1] >= '0' && colon[1] <= '9' && !*stop && port >= 1 &&
		       port <= 65535;
	}
	return true;
}

static bool parse_listen(const char *s, void *target)
{
	struct listen_addr *a = target;

	return e2e_parse_hostport(s, a->host, sizeof(a->host), &a->port);
}

/* A --serve command has more than blanks. */
static bool valid_serve(const char *s)
{
	return s[strspn(s, " \t\n")] != 0;
}

static bool valid_watch_pid(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return s[0] >= '0' && s[0] <= '9' && !*end && !errno && v > 0 && v <= INT32_MAX &&
	       e2e_sampler_pid_exists((pid_t)v);
}

#define P struct profile_opts

static const struct e2e_option_name call_graphs[] = {
	{ "fp", 0 },
	{ "dwarf", 1 },
	{ NULL, 0 },
};

static const struct e2e_option options[] = {
	{ E2E_OPT_REWORD("service", "service name the run is recorded under (default: unknown)") },
	{ E2E_OPT_STRING(0, "store", P, store, "URL",
			 "also push the run to the team store (default: $E2E_STORE): postgresql://...") },
	{ E2E_OPT_TEXT(0, "baseline-from", P, baseline_from, "SPEC",
		       "compare against the last runs of a branch in the team store ('branch=main,last=10')"),
	  E2E_OPT_APPLIES(E2E_WHEN_REPORT) },
	{ E2E_OPT_STRING(0, "target", P, target, "URL", "upstream base URL to forward to (http or https)"),
	  .valid = valid_target, .what = "an http:// or https:// URL" },
	{ E2E_OPT_CUSTOM(0, "listen", P, listen, "ADDR:PORT",
			 "where the proxy listens (default: 127.0.0.1 on a free port)", parse_listen,
			 "ADDR:PORT") },
	{ E2E_OPT_LIST(0, "env", P, env, "NAME",
		       "also set NAME to the proxy URL for the command (repeatable)"),
	  .valid = valid_env_name, .what = "a variable name", E2E_OPT_APPLIES(E2E_WHEN_COMMAND) },
	{ E2E_OPT_DURATION(0, "duration", P, duration_ns, "DUR",
			   "session mode: stop after DUR (e.g. 30s, 5m)", 1, UINT64_MAX),
	  .what = "a duration (e.g. 30s, 5m)" },
	{ E2E_OPT_DURATION(0, "upstream-timeout", P, upstream_timeout_ns, "DUR",
			   "answer 504 when the upstream takes longer (default: 30s)", 1000000, UINT64_MAX),
	  .what = "a duration of at least 1ms", E2E_OPT_APPLIES(E2E_WHEN_PROXY) },
	{ E2E_OPT_FLAG(0, "preserve-host", P, preserve_host,
		       "forward the client's Host header instead of the target's"),
	  E2E_OPT_APPLIES(E2E_WHEN_PROXY) },
	{ E2E_OPT_FLAG(0, "insecure", P, insecure, "do not verify the upstream's TLS certificate"),
	  E2E_OPT_APPLIES(E2E_WHEN_PROXY) },
	{ E2E_OPT_UINT(
		  0, "max-header-bytes", P, max_header_bytes, "N",
		  "largest request or response head the proxy passes (default: 65536); 431 or 502 past it",
		  1024, 1048576),
	  E2E_OPT_APPLIES(E2E_WHEN_PROXY) },
	{ E2E_OPT_UINT(0, "repeat", P, repeat, "N", "run the command N times, one run each (default: 1)", 1,
		       1000),
	  E2E_OPT_APPLIES(E2E_WHEN_COMMAND) },
	{ E2E_OPT_UINT(0, "confirm", P, confirm, "N",
		       "when the gate finds a regression, re-run the command up to N times and fail only "
		       "on what persists",
		       1, 10),
	  E2E_OPT_APPLIES(E2E_WHEN_COMPARE) },
	{ E2E_OPT_STRING(0, "import", P, import, "FILE",
			 "record a run from a HAR 1.2 file instead of proxying") },
	{ E2E_OPT_LIST(0, "host", P, hosts, "HOST",
		       "--import: only entries for HOST or HOST:PORT (repeatable)"),
	  .valid = valid_har_host, .what = "HOST or HOST:PORT", E2E_OPT_APPLIES(E2E_WHEN_IMPORT) },
	{ E2E_OPT_FLAG(0, "redact-command", P, redact_command,
		       "store only the command's name, none of its arguments"),
	  E2E_OPT_APPLIES(E2E_WHEN_COMMAND) },
	{ E2E_OPT_TEXT(0, "serve", P, serve, "CMD",
		       "start the service under test (sh -c CMD), wait for --target, stop it at the end"),
	  .valid = valid_serve, .what = "a command", E2E_OPT_APPLIES(E2E_WHEN_PROXY) },
	{ E2E_OPT_DURATION(0, "serve-timeout", P, serve_timeout_ns, "DUR",
			   "--serve: how long the service may take to answer (default: 30s)", 1000000,
			   UINT64_MAX),
	  .what = "a duration of at least 1ms", E2E_OPT_APPLIES(E2E_WHEN_SERVE) },
	{ E2E_OPT_DURATION(0, "serve-grace", P, serve_grace_ns, "DUR",
			   "--serve: SIGKILL when SIGTERM has not stopped it after DUR (default: 5s)", 0,
			   UINT64_MAX),
	  .what = "a duration", E2E_OPT_APPLIES(E2E_WHEN_SERVE) },
	{ E2E_OPT_LIST(0, "watch-pid", P, watch_pids, "PID",
		       "sample the CPU and memory of PID and its descendants (repeatable)"),
	  .valid = valid_watch_pid, .what = "the id of a running process", E2E_OPT_APPLIES(E2E_WHEN_PROXY) },
	{ E2E_OPT_FILE(0, "watch-cgroup", P, watch_cgroup, "DIR",
		       "sample the CPU and memory of the cgroup v2 directory DIR"),
	  .valid = e2e_sampler_is_cgroup, .what = "a cgroup v2 directory", E2E_OPT_APPLIES(E2E_WHEN_PROXY) },
	{ E2E_OPT_UINT(0, "sample-hz", P, sample_hz, "N",
		       "samples per second of the service's CPU and memory (default: 100)", 1, 1000),
	  E2E_OPT_APPLIES(E2E_WHEN_SAMPLE) },
	{ E2E_OPT_LIST(0, "junit", P, junit, "FILE",
		       "after each run, read the suite's JUnit XML results from FILE (a glob; repeatable)"),
	  E2E_OPT_APPLIES(E2E_WHEN_COMMAND) },
	{ E2E_OPT_FLAG(0, "gate-tests", P, c.gate_tests,
		       "with --compare-baseline: judge each test's duration against the baseline's too"),
	  E2E_OPT_APPLIES(E2E_WHEN_COMPARE) },
	{ E2E_OPT_FLAG(0, "profile-cpu", P, profile_cpu,
		       "profile the watched service's CPU with Linux perf: flame graphs, speedscope"),
	  E2E_OPT_APPLIES(E2E_WHEN_SAMPLE) },
	{ E2E_OPT_UINT(0, "profile-hz", P, profile_hz, "N", "--profile-cpu: samples per second (default: 99)",
		       1, 10000),
	  E2E_OPT_APPLIES(E2E_WHEN_PROFILE) },
	{ E2E_OPT_ENUM(0, "profile-call-graph", P, profile_call_graph, "MODE",
		       "--profile-cpu: how perf walks stacks: fp (frame pointers, default) or dwarf",
		       call_graphs),
	  E2E_OPT_APPLIES(E2E_WHEN_PROFILE) },
	{ E2E_OPT_UINT(0, "profile-endpoints", P, profile_endpoints, "N",
		       "--profile-cpu: flame graphs of the N endpoints with most time (default: 5; 0: none)",
		       0, 100),
	  E2E_OPT_APPLIES(E2E_WHEN_PROFILE) },
	{ E2E_OPT_REWORD("set-baseline", "write the baseline file from this run (all --repeat runs)") },
	{ E2E_OPT_REWORD("quiet", "no live progress line") },
	{ E2E_OPT_END() },
};

static const struct e2e_cmd_spec spec = {
	.name = CMD,
	.usage = "e2e perf-profile [options] --target URL [-- COMMAND [ARGS...]]\n"
		 "       e2e perf-profile [options] --import FILE.har",
	.summary = "Runs a recording reverse proxy in front of --target around COMMAND (or until\n"
		   "SIGINT/SIGTERM or --duration without one), stores every request in SQLite and\n"
		   "prints the run's report. COMMAND gets E2E_PROXY_URL set to the proxy's URL.",
	.options = options,
	.common_at = offsetof(struct profile_opts, c),
};

static bool is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* --baseline-from: with a team store, instead of a baseline file; its
 * spec read before anything runs. */
static int baseline_from_check(struct profile_opts *o)
{
	if (!e2e_cmd_store_url(o->store))
		return e2e_error(E2E_ERR_INPUT, "'--baseline-from' needs '--store URL' (or E2E_STORE)");
	if (o->c.compare_baseline || o->c.set_baseline || o->c.baseline)
		return e2e_error(
			E2E_ERR_INPUT,
			"'--baseline-from' replaces '--compare-baseline', '--set-baseline' and '--baseline'");
	return e2e_cmd_store_baseline_spec(o->baseline_from, &o->from_branch, &o->from_last);
}

/* The baseline --baseline-from draws from the team store's history, in a
 * file of *copy: report->baseline. A store that cannot be reached or has
 * no such runs yet leaves the report without a verdict, with a warning:
 * the team store never fails a suite. */
static int baseline_from_fetch(const struct profile_opts *o, const char *url, bool down,
			       struct e2e_common_opts *report, struct e2e_cmd_store_copy **copy, char **path)
{
	int rc = down ? e2e_error(E2E_ERR_RUNTIME, "no baseline from a team store that cannot be reached")
		      : e2e_cmd_store_baseline(CMD, url, o->c.service, o->from_branch, o->from_last, NULL, 0,
					       &o->c, copy, path);

	if (rc == 0) {
		report->baseline = *path;
		return 0;
	}
	if (rc != E2E_ERR_RUNTIME && rc != E2E_ERR_EMPTY)
		return rc;
	e2e_cmd_fail(CMD, "warning: %s; the report has no verdict", e2e_error_message());
	report->compare_baseline = false;
	return 0;
}

static int parse_args(int argc, char **argv, struct profile_opts *o)
{
	int rest = argc;
	int rc;

	memset(o, 0, sizeof(*o));
	e2e_common_opts_init(&o->c);
	o->upstream_timeout_ns = 30ull * 1000000000ull;
	o->repeat = 1;
	o->serve_timeout_ns = 30ull * 1000000000ull;
	o->serve_grace_ns = 5ull * 1000000000ull;
	o->sample_hz = 100;
	o->profile_hz = 99;
	o->profile_endpoints = 5;
	rc = e2e_cmd_parse(&spec, argc, argv, o, &rest);
	if (rc < 0 || o->c.help)
		return rc;
	o->cmd = argv + rest;
	o->ncmd = argc - rest;
	if (!o->c.service)
		o->c.service = "unknown";
	if (o->import && (o->target || o->ncmd || o->listen.host[0] || o->duration_ns || o->serve))
		return e2e_error(E2E_ERR_INPUT, "'--import' records from a file: it takes no --target, "
						"--listen, --duration, --serve or command");
	if (!o->import && !o->target)
		return e2e_error(E2E_ERR_INPUT, "missing '--target URL' (or '--import FILE')");
	if (o->hosts.n && !o->import)
		return e2e_error(E2E_ERR_INPUT,
				 "'--host' chooses the entries of a HAR import: it needs '--import FILE'");
	if (o->ncmd && o->duration_ns)
		return e2e_error(
			E2E_ERR_INPUT,
			"'--duration' is for session mode; with a command the run ends when it exits");
	if (o->repeat > 1 && !o->ncmd)
		return e2e_error(E2E_ERR_INPUT, "'--repeat' needs a command after '--'");
	if (o->c.set_baseline && o->c.compare_baseline)
		return e2e_error(E2E_ERR_INPUT,
				 "'--set-baseline' and '--compare-baseline' exclude each other");
	if (o->baseline_from)
		return baseline_from_check(o);
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One capture run: the proxy's thread produces batches, the writer thread
 * stores them through the recorder, the main thread runs the command or
 * waits for the session to end and draws the progress line. */
struct capture {
	const struct profile_opts *o;
	struct e2e_store *st;
	struct e2e_recorder *rec;
	struct e2e_capture_queue *queue;
	struct e2e_proxy *_Atomic proxy;
	atomic_bool store_warned, res_warned;
	_Atomic uint64_t unstored; /* captures with no store to go to */
	const char *serve_log; /* --serve's log file, or NULL */
	bool progress; /* draw the live line */
	bool progress_drawn;
	uint64_t last_draw_ns, last_requests;
	double rate;
};

static void consume(void *ctx, const struct e2e_capture_batch *b)
{
	struct capture *c = ctx;
	struct e2e_proxy *p = atomic_load(&c->proxy);
	struct e2e_proxy_stats ps = { 0 };
	int rc;

	if (!c->rec) {
		atomic_fetch_add(&c->unstored, b->n);
		return;
	}
	if (b->nres) {
		struct e2e_res_info info = b->res_info;

		info.serve_log = (char *)(c->serve_log ? c->serve_log : "");
		if (e2e_recorder_add_resources(c->rec, b->res, b->nres, &info) < 0 &&
		    !atomic_exchange(&c->res_warned, true))
			e2e_cmd_fail(NAME(c->o), "warning: cannot store the service's cost: %s",
				     e2e_error_message());
	}
	if (!b->n && !b->nevents)
		return;
	if (p)
		e2e_proxy_stats(p, &ps);
	rc = e2e_recorder_add_tests(c->rec, b->caps, b->n, b->events, b->nevents,
				    e2e_capture_queue_dropped(c->queue), ps.peak);
	if (rc < 0 && !atomic_exchange(&c->store_warned, true))
		e2e_cmd_fail(NAME(c->o),
			     "warning: cannot store samples: %s; the proxy keeps forwarding and counts what "
			     "is lost",
			     e2e_error_message());
}

static void draw_progress(struct capture *c, bool final)
{
	struct e2e_proxy_stats ps = { 0 };
	struct e2e_recorder_progress rp;
	uint64_t now = mono_ns();

	if (!c->progress)
		return;
	if (final) {
		if (c->progress_drawn)
			fputs("\r\033[K", stderr);
		return;
	}
	if (now - c->last_draw_ns < 250000000ull)
		return;
	e2e_proxy_stats(atomic_load(&c->proxy), &ps);
	memset(&rp, 0, sizeof(rp));
	if (c->rec)
		e2e_recorder_progress(c->rec, &rp);
	if (c->last_draw_ns) {
		double dt = (double)(now - c->last_draw_ns) / 1e9;
		double inst = (double)(ps.requests - c->last_requests) / dt;
		c->rate = c->progress_drawn ? 0.5 * c->rate + 0.5 * inst : inst;
	}
	c->last_draw_ns = now;
	c->last_requests = ps.requests;
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_buf_puts(&b, "\r\033[Ke2e: ");
	e2e_fmt_count(&b, ps.requests);
	e2e_buf_puts(&b, " requests  ");
	e2e_fmt_rate(&b, c->rate);
	e2e_buf_puts(&b, " req/s  ");
	e2e_fmt_count(&b, ps.errors);
	e2e_buf_puts(&b, " errors  ");
	e2e_fmt_count(&b, rp.endpoints);
	e2e_buf_puts(&b, " endpoints  p95 ");
	e2e_fmt_ms(&b, rp.p95_ms);
	fwrite(b.data, 1, b.len, stderr);
	e2e_buf_finish(&b);
	c->progress_drawn = true;
}

static char *proxy_url(const struct profile_opts *o, uint16_t port)
{
	struct e2e_buf b = E2E_BUF_INIT;
	const char *host = o->listen.host[0] ? o->listen.host : "127.0.0.1";

	if (strcmp(host, "0.0.0.0") == 0)
		host = "127.0.0.1";
	else if (strcmp(host, "::") == 0)
		host = "::1";
	e2e_buf_printf(&b, strchr(host, ':') ? "http://[%s]:%u" : "http://%s:%u", host, port);
	return e2e_buf_detach(&b, NULL);
}

#define ENV_OWN 8 /* variables set for the command besides --env's */

/* "NAME=VALUE" with VALUE the old value of NAME with item added (before
 * it, or after it when append), joined by sep; NULL when it is there. */
static char *env_list_add(const char *name, const char *item, char sep, bool append)
{
	const char *old = getenv(name);
	struct e2e_buf b = E2E_BUF_INIT;
	size_t n = strlen(item);

	for (const char *p = old; p && *p;) {
		const char *e = strchr(p, sep);
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && memcmp(p, item, n) == 0)
			return NULL;
		p = e ? e + 1 : p + len;
	}
	if (!old || !*old)
		e2e_buf_printf(&b, "%s=%s", name, item);
	else if (append)
		e2e_buf_printf(&b, "%s=%s%c%s", name, old, sep, item);
	else
		e2e_buf_printf(&b, "%s=%s%c%s", name, item, sep, old);
	return e2e_buf_detach(&b, NULL);
}

/* The integrations that load themselves in the wrapped command (SPEC
 * section 11): the pytest plugin through pytest's own PYTEST_PLUGINS; the
 * Playwright reporter through PW_TEST_REPORTER (one reporter Playwright
 * adds to the configured ones), unless the user set one there.
 * Fills env; returns how many it set (at most 3). */
static size_t integrations_env(char **env)
{
	const char *dir = getenv("E2E_INTEGRATIONS_DIR");
	struct e2e_buf b = E2E_BUF_INIT;
	size_t n = 0;
	char *v;

	if (!dir || !*dir)
		dir = E2E_INTEGRATIONS_DIR;
	/* A plugin that is not there must not be named: pytest would stop
	 * the suite on the ImportError (an install without share/e2e). */
	e2e_buf_printf(&b, "%s/pytest/e2e_pytest.py", dir);
	if (access(b.data, R_OK) == 0) {
		e2e_buf_reset(&b);
		e2e_buf_printf(&b, "%s/pytest", dir);
		v = env_list_add("PYTHONPATH", b.data, ':', false);
		if (v)
			env[n++] = v;
		v = env_list_add("PYTEST_PLUGINS", "e2e_pytest", ',', true);
		if (v)
			env[n++] = v;
	}
	e2e_buf_reset(&b);
	e2e_buf_printf(&b, "%s/playwright/e2e_playwright_reporter.js", dir);
	if (access(b.data, R_OK) == 0 && (!getenv("PW_TEST_REPORTER") || !*getenv("PW_TEST_REPORTER"))) {
		e2e_buf_reset(&b);
		e2e_buf_printf(&b, "PW_TEST_REPORTER=%s/playwright/e2e_playwright_reporter.js", dir);
		env[n++] = e2e_buf_detach(&b, NULL);
	}
	e2e_buf_finish(&b);
	return n;
}

/* Runs the command (wrap mode) or waits for a signal or --duration
 * (session mode) while the proxy records. *status gets the command's. */
static int wait_for_end(struct capture *c, const char *url, int *status)
{
	const struct profile_opts *o = c->o;
	uint64_t start = mono_ns();

	*status = 0;
	if (!o->ncmd) {
		for (;;) {
			uint64_t left = 250000000ull;
			if (o->duration_ns) {
				uint64_t el = mono_ns() - start;
				if (el >= o->duration_ns)
					return 0;
				if (o->duration_ns - el < left)
					left = o->duration_ns - el;
			}
			if (e2e_runner_sleep(left)) {
				e2e_runner_take_signal();
				return 0;
			}
			draw_progress(c, false);
		}
	}

	char *env[E2E_CLI_LIST_MAX + ENV_OWN];
	size_t nenv = 0;
	struct e2e_buf b = E2E_BUF_INIT;
	pid_t pid;
	int rc;

	e2e_buf_printf(&b, "E2E_PROXY_URL=%s", url);
	env[nenv++] = e2e_buf_detach(&b, NULL);
	e2e_buf_printf(&b, "E2E_CONTROL_URL=%s" E2E_CONTROL_PATH, url);
	env[nenv++] = e2e_buf_detach(&b, NULL);
	nenv += integrations_env(env + nenv);
	for (size_t i = 0; i < o->env.n; i++) {
		e2e_buf_printf(&b, "%s=%s", o->env.v[i], url);
		env[nenv++] = e2e_buf_detach(&b, NULL);
	}
	rc = e2e_runner_spawn(o->cmd, env, nenv, &pid);
	for (size_t i = 0; i < nenv; i++)
		free(env[i]);
	if (rc < 0)
		return rc;
	while (!e2e_runner_wait(pid, 250000000ull, status)) {
		e2e_runner_take_signal(); /* already forwarded to the command */
		draw_progress(c, false);
	}
	return 0;
}

/* The command line as stored: secrets redacted (redact.h), or only the
 * command's name with --redact-command. */
static char *stored_command(const struct profile_opts *o)
{
	char **v;
	char *s;

	if (!o->ncmd)
		return e2e_xstrdup("");
	v = e2e_redact_argv(o->cmd, o->ncmd);
	s = e2e_hostinfo_cmdline(v, o->redact_command ? 1 : o->ncmd);
	e2e_redact_argv_free(v, o->ncmd);
	return s;
}

/* "warning: 3,000 of 3,312 requests were not recorded (capture queue
 * full: 12, disk full: 2,988; stored: 312)" */
static void warn_loss(const struct e2e_run *r, const char *cause, const char *name)
{
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_buf_puts(&b, "warning: ");
	e2e_fmt_count(&b, r->dropped);
	e2e_buf_puts(&b, " of ");
	e2e_fmt_count(&b, r->dropped + r->recorded);
	e2e_buf_puts(&b, " requests were not recorded (");
	e2e_render_loss_causes(&b, r->dropped, r->lost, cause);
	e2e_buf_puts(&b, "; stored: ");
	e2e_fmt_count(&b, r->recorded);
	e2e_buf_putc(&b, ')');
	e2e_cmd_fail(name, "%s", b.data);
	e2e_buf_finish(&b);
}

/* Refused markers and E2E-Test headers: the suite's integration is
 * broken somewhere, and its requests were recorded as unattributed. */
static void warn_tests(const struct e2e_proxy *p, const char *name)
{
	struct e2e_proxy_test_stats ts;

	e2e_proxy_test_stats(p, &ts);
	if (ts.bad_markers)
		e2e_cmd_fail(name,
			     "warning: %llu test marker%s refused (the command was told why in each reply)",
			     (unsigned long long)ts.bad_markers, ts.bad_markers == 1 ? " was" : "s were");
	if (ts.bad_headers)
		e2e_cmd_fail(name,
			     "warning: %llu request%s had a bad " E2E_TEST_HEADER
			     " header (not UTF-8 text, control characters, over %d bytes): recorded as "
			     "unattributed",
			     (unsigned long long)ts.bad_headers, ts.bad_headers == 1 ? "" : "s",
			     E2E_TEST_NAME_MAX);
	if (ts.lost_events)
		e2e_cmd_fail(name, "warning: %llu test marker%s not recorded (capture queue full)",
			     (unsigned long long)ts.lost_events, ts.lost_events == 1 ? " was" : "s were");
}

static void run_init(struct e2e_run *r, const struct profile_opts *o)
{
	memset(r, 0, sizeof(*r));
	r->service = e2e_xstrdup(o->c.service);
	r->command = stored_command(o);
	r->source = e2e_xstrdup(o->source ? o->source : o->import ? "" : "proxy");
	r->target = e2e_xstrdup(o->target ? o->target : "");
	r->exit_status = -1;
	r->started_ms = wall_ms();
	e2e_hostinfo_fill(r);
}

/* What the runs captured: requests the proxy saw, and of those stored. */
struct tally {
	uint64_t seen, stored;
};

/* The watched processes: --serve's and --watch-pid's (n of them in pids). */
static size_t watched_pids(const struct profile_opts *o, pid_t serve_pid, pid_t *pids)
{
	size_t n = 0;

	if (serve_pid > 0)
		pids[n++] = serve_pid;
	for (size_t i = 0; i < o->watch_pids.n; i++)
		pids[n++] = (pid_t)atol(o->watch_pids.v[i]);
	return n;
}

/* The sampler's flush (its thread): its samples so far to the writer in
 * batches of their own, as many as there are free batches; the rest stay
 * with the sampler until a later flush or the run's end. */
static size_t res_flush(void *ctx, const struct e2e_res_sample *r, size_t n, const struct e2e_res_info *info)
{
	struct capture *c = ctx;
	size_t took = 0;

	while (took < n) {
		struct e2e_capture_batch *b = e2e_capture_queue_take(c->queue);
		size_t k = n - took < E2E_CAPTURE_RES_MAX ? n - took : E2E_CAPTURE_RES_MAX;

		if (!b)
			break;
		memcpy(b->res, r + took, k * sizeof(*r));
		b->nres = k;
		b->res_info = *info;
		b->res_info.serve_log = b->res_info.serve_end = NULL;
		e2e_capture_queue_submit(c->queue, b);
		took += k;
	}
	return took;
}

/* Starts the sampler of the service's cost, if anything is watched; a
 * failure is a warning (*out stays NULL). Its samples go to the store
 * during the run when c records one. */
static void sampler_begin(const struct profile_opts *o, struct capture *c, const struct e2e_serve *serve,
			  uint64_t start_ns, struct e2e_sampler **out)
{
	pid_t serve_pid = serve ? e2e_serve_pid(serve) : 0;
	pid_t pids[E2E_CLI_LIST_MAX + 1];
	size_t n = watched_pids(o, serve_pid, pids);

	if (!n && !o->watch_cgroup)
		return;
	struct e2e_sampler_config cfg = {
		.pids = pids,
		.npids = n,
		.cgroup = o->watch_cgroup,
		/* with --watch-pid too, the cgroup would miss their CPU */
		.cpu_cgroup = serve && !o->watch_pids.n ? e2e_serve_cgroup(serve) : NULL,
		.hz = (unsigned)o->sample_hz,
		.start_ns = start_ns,
		.flush = c->rec ? res_flush : NULL,
		.flush_ctx = c,
	};
	if (e2e_sampler_start(&cfg, out) < 0)
		e2e_cmd_fail(NAME(o), "warning: %s; the run goes on without the service's cost",
			     e2e_error_message());
}

/* Stops the sampler and stores its last samples (those it could not
 * flush during the run) and what they are of with the run. */
static void sampler_end(struct e2e_sampler *smp, struct e2e_store *st, int64_t run_id, const char *serve_log,
			const char *name)
{
	const struct e2e_res_sample *r;
	struct e2e_res_info info;
	size_t n;

	if (!smp)
		return;
	e2e_sampler_stop(smp);
	n = e2e_sampler_samples(smp, &r);
	e2e_sampler_info(smp, &info);
	if (serve_log) {
		free(info.serve_log);
		info.serve_log = e2e_xstrdup(serve_log);
	}
	if (info.errors)
		e2e_cmd_fail(name, "warning: %llu reads of the service's processes failed",
			     (unsigned long long)info.errors);
	if (st && run_id && e2e_store_resources_save(st, run_id, r, n, &info) < 0)
		e2e_cmd_fail(name, "warning: cannot store the service's cost: %s", e2e_error_message());
	e2e_res_info_finish(&info);
}

/* Starts --profile-cpu's perf on the watched processes (NULL without, or
 * after a warning). */
static struct e2e_cpuprof *cpu_begin(const struct profile_opts *o, pid_t serve_pid)
{
	pid_t pids[E2E_CLI_LIST_MAX + 1];
	size_t n = watched_pids(o, serve_pid, pids);

	if (!o->cpu || (!n && !o->watch_cgroup))
		return NULL;
	return e2e_cmd_cpu_begin(o->cpu, pids, n, o->watch_cgroup);
}

/* One proxied run. Returns 0 (with *run_id and the command's *status,
 * its counts added to *t) or a negative code. A store that fails (or
 * st == NULL: it could not be opened) is a warning, not an error:
 * profiling never breaks the suite it watches, so the command still runs
 * through the proxy, the loss is counted, and *run_id is 0 when nothing
 * could be recorded. */
static int capture_run(const struct profile_opts *o, struct e2e_store *st, const struct e2e_routes *routes,
		       const struct e2e_serve *serve, const char *serve_log, int64_t *run_id, int *status,
		       struct tally *t)
{
	struct e2e_sampler *smp = NULL;
	struct e2e_cpuprof *prof = NULL;
	struct capture c = { .o = o, .st = st, .serve_log = serve_log };
	struct e2e_run run;
	struct e2e_proxy *proxy = NULL;
	struct e2e_proxy_stats ps = { 0 };
	struct e2e_disturb *probe = NULL;
	char *url = NULL;
	uint64_t start_ns = mono_ns(), dropped;
	int rc, end_rc = 0;

	c.progress = !o->c.quiet && isatty(2);
	run_init(&run, o);
	if (st && e2e_recorder_begin(st, &run, routes, &c.rec) < 0) {
		e2e_cmd_fail(NAME(o),
			     "warning: cannot record a run: %s; the command still runs through the proxy",
			     e2e_error_message());
		st = NULL;
	}
	rc = e2e_capture_queue_create(64, consume, &c, &c.queue);
	if (rc < 0)
		goto out;
	if (e2e_disturb_start(&probe) < 0) /* the run goes on unmeasured */
		e2e_cmd_fail(NAME(o), "warning: %s; the run's runner disturbance is not measured",
			     e2e_error_message());
	struct e2e_proxy_config cfg = {
		.listen_host = o->listen.host[0] ? o->listen.host : "127.0.0.1",
		.listen_port = o->listen.port,
		.target = o->target,
		.upstream_timeout_ns = o->upstream_timeout_ns,
		.preserve_host = o->preserve_host,
		.insecure = o->insecure,
		.max_header_bytes = (size_t)o->max_header_bytes,
		.run_start_ns = start_ns,
		.queue = c.queue,
	};
	rc = e2e_proxy_start(&cfg, &proxy);
	if (rc < 0)
		goto out;
	atomic_store(&c.proxy, proxy);
	url = proxy_url(o, e2e_proxy_port(proxy));
	/* session mode always says where it listens: it is how the user finds the port */
	if (!o->c.quiet || !o->ncmd) {
		char label[32] = "unrecorded run";
		if (st)
			snprintf(label, sizeof(label), "run %lld", (long long)run.id);
		fprintf(stderr, "e2e: %s: %s: proxy %s -> %s%s\n", NAME(o), label, url, o->target,
			o->ncmd ? "" : " (Ctrl+C ends the session)");
	}
	sampler_begin(o, &c, serve, start_ns, &smp);
	prof = cpu_begin(o, serve ? e2e_serve_pid(serve) : 0);
	rc = wait_for_end(&c, url, status);
	e2e_sampler_stop(smp);
	e2e_disturb_stop(probe, &run);
	probe = NULL;
	e2e_proxy_stop(proxy, 5ull * 1000000000ull);
	e2e_proxy_stats(proxy, &ps);
	warn_tests(proxy, NAME(o));
	e2e_capture_queue_drain(c.queue);
	draw_progress(&c, true);
	if (rc < 0)
		goto out;

	run.ended_ms = wall_ms();
	run.duration_ns = mono_ns() - start_ns;
	run.exit_status = o->ncmd ? *status : -1;
	run.max_concurrency = ps.peak;
	dropped = e2e_capture_queue_dropped(c.queue);
	if (c.rec) {
		end_rc = e2e_recorder_end(c.rec, &run, dropped);
	} else {
		run.lost = atomic_load(&c.unstored);
		run.dropped = dropped + run.lost;
	}
	if (run.dropped)
		warn_loss(&run, c.rec ? e2e_loss_text(run.lost_cause) : "store unavailable", NAME(o));
	if (end_rc < 0 && !c.store_warned)
		e2e_cmd_fail(NAME(o), "warning: cannot finish run %lld: %s", (long long)run.id,
			     e2e_error_message());
	*run_id = st ? run.id : 0;
	sampler_end(smp, c.rec ? st : NULL, *run_id, serve_log, NAME(o));
	if (o->cpu)
		e2e_cmd_cpu_end(o->cpu, prof, c.rec ? st : NULL, *run_id, start_ns, ps.peak);
	prof = NULL;
	t->seen += run.recorded + run.dropped;
	t->stored += run.recorded;
out:
	e2e_cpuprof_destroy(prof);
	e2e_sampler_stop(smp); /* its flushes take batches: before the queue goes */
	e2e_disturb_stop(probe, NULL);
	e2e_proxy_destroy(proxy);
	e2e_capture_queue_destroy(c.queue);
	e2e_sampler_destroy(smp); /* after: queued batches borrow its source */
	e2e_recorder_destroy(c.rec);
	e2e_run_finish(&run);
	free(url);
	return rc;
}

int cmd_perf_profile_run(const struct e2e_profile_run *r, struct e2e_store *st, int64_t *run_id, int *status,
			 uint64_t *seen)
{
	struct profile_opts o;
	struct tally t = { 0 };
	int rc;

	memset(&o, 0, sizeof(o));
	o.c = *r->c;
	o.target = r->target;
	o.cmd = r->cmd;
	o.ncmd = r->ncmd;
	o.source = r->source;
	o.name = r->name;
	o.upstream_timeout_ns = 30ull * 1000000000ull;
	o.repeat = 1;
	rc = capture_run(&o, st, r->routes, NULL, NULL, run_id, status, &t);
	if (rc == 0)
		*seen = t.seen;
	return rc;
}

/* What the import left out, and the hosts it recorded when several. */
static void import_notes(const struct e2e_har *h, const struct profile_opts *o)
{
	const struct e2e_har_stats *hs = e2e_har_stats(h);
	const struct e2e_har_host *hosts;
	size_t n = e2e_har_hosts(h, &hosts);

	if (hs->cached)
		e2e_cmd_fail(CMD, "note: %llu browser-cache %s skipped (never reached the service)",
			     (unsigned long long)hs->cached, hs->cached == 1 ? "hit" : "hits");
	if (hs->other_host)
		e2e_cmd_fail(CMD, "note: %llu %s for other hosts than --host not imported",
			     (unsigned long long)hs->other_host, hs->other_host == 1 ? "entry" : "entries");
	if (n > 1 && !o->hosts.n) {
		struct e2e_buf b = E2E_BUF_INIT;

		for (size_t i = 0; i < n; i++)
			e2e_buf_printf(&b, "%s %s (%llu)", i ? "," : "", hosts[i].name,
				       (unsigned long long)hosts[i].requests);
		e2e_cmd_fail(CMD, "note: requests to %zu hosts recorded:%s; --host HOST keeps one", n,
			     b.data);
		e2e_buf_finish(&b);
	}
}

static int import_run(const struct profile_opts *o, struct e2e_store *st, const struct e2e_routes *routes,
		      int64_t *run_id)
{
	struct e2e_run run;
	struct e2e_har *h = NULL;
	int rc = e2e_har_load_hosts(o->import, o->hosts.v, o->hosts.n, &h);

	if (rc < 0)
		return rc;
	run_init(&run, o);
	rc = e2e_import_har(h, st, &run, routes, run_id);
	if (rc == 0 && !o->c.quiet)
		import_notes(h, o);
	e2e_run_finish(&run);
	e2e_har_destroy(h);
	return rc;
}

/* --serve's log: "<service>.serve.log" beside the database (caller frees). */
static char *serve_log_path(const char *db, const char *service)
{
	const char *slash = strrchr(db, '/');
	struct e2e_buf b = E2E_BUF_INIT;

	if (slash)
		e2e_buf_add(&b, db, (size_t)(slash - db + 1));
	for (const char *p = service; *p; p++)
		e2e_buf_putc(&b, (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
						 (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'
					 ? *p
					 : '_');
	e2e_buf_puts(&b, ".serve.log");
	return e2e_buf_detach(&b, NULL);
}

static void print_log_tail(const struct e2e_serve *s, const char *log)
{
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_serve_log_tail(s, 10, &b);
	if (b.len)
		b.data[--b.len] = 0; /* e2e_cmd_fail() ends the line */
	e2e_cmd_fail(CMD, "the service's log '%s'%s\n%s", log, b.len ? " ends:" : " is empty",
		     b.len ? b.data : "");
	e2e_buf_finish(&b);
}

/* Starts --serve and waits until the target answers; on failure the
 * service is stopped and its last log lines are on stderr. */
static int serve_begin(const struct profile_opts *o, const char *log, struct e2e_serve **out)
{
	struct e2e_serve *s = NULL;
	struct e2e_buf how = E2E_BUF_INIT;
	uint64_t t0 = mono_ns();
	int rc = e2e_fsutil_mkdir_parents(log);

	if (rc == 0)
		rc = e2e_serve_start(o->serve, log, &s);
	if (rc < 0) {
		e2e_cmd_fail(CMD, "%s", e2e_error_message());
		return rc;
	}
	rc = e2e_serve_wait_ready(s, o->target, o->serve_timeout_ns);
	if (rc < 0) {
		e2e_cmd_fail(CMD, "%s", e2e_error_message());
		e2e_serve_stop(s, o->serve_grace_ns, &how);
		print_log_tail(s, log);
		e2e_buf_finish(&how);
		e2e_serve_destroy(s);
		return rc;
	}
	if (!o->c.quiet)
		e2e_cmd_fail(CMD, "service (pid %ld) answers at %s after %.1fs; its log: %s",
			     (long)e2e_serve_pid(s), o->target, (double)(mono_ns() - t0) / 1e9, log);
	*out = s;
	return 0;
}

/* Stops --serve and says how it ended: a note, or a warning with the
 * log's last lines when it ended before the stop (it died mid-run). */
static void serve_end(const struct profile_opts *o, struct e2e_serve *s, const char *log,
		      struct e2e_store *st, int64_t last_run)
{
	struct e2e_buf how = E2E_BUF_INIT;
	bool died = !e2e_serve_running(s);

	e2e_serve_stop(s, o->serve_grace_ns, &how);
	if (died) {
		e2e_cmd_fail(CMD, "warning: the service %s", how.data);
		print_log_tail(s, log);
	} else if (!o->c.quiet) {
		e2e_cmd_fail(CMD, "service (pid %ld) %s; its log: %s", (long)e2e_serve_pid(s), how.data, log);
	}
	if (st && last_run && e2e_store_resources_serve_end(st, last_run, how.data) < 0)
		e2e_cmd_fail(CMD, "warning: %s", e2e_error_message());
	e2e_buf_finish(&how);
}

/* --confirm: what the re-runs need from the command. */
struct confirm_ctx {
	const struct profile_opts *o;
	struct e2e_store *st;
	const struct e2e_routes *routes;
	const struct e2e_serve *serve; /* --serve, still running; NULL without */
	const char *serve_log;
	struct tally *tally;
	int *status; /* the command's status, a failing re-run's included */
	int64_t first_run;
};

/* The pipeline's confirm hook: re-runs the command, each run linked to the
 * first in the store, and judges the pooled re-runs after each one until
 * every regression is confirmed or has vanished (e2e_gate_confirm_step),
 * --confirm N re-runs were made, or a re-run's command failed (its status
 * stays the exit status). */
static int confirm_reruns(void *ctx, struct e2e_gate_result *g)
{
	struct confirm_ctx *k = ctx;
	const struct profile_opts *o = k->o;
	size_t n = 0, nitems = e2e_gate_confirm_begin(g, o->confirm, k->first_run, o->c.fail_on);
	int64_t *ids;
	int rc = 0;

	if (!nitems)
		return 0;
	ids = e2e_xcalloc(o->confirm, sizeof(*ids));
	while (n < o->confirm) {
		struct e2e_gate_result *pooled = NULL;
		int64_t id = 0;
		bool done;

		if (!o->c.quiet)
			fprintf(stderr,
				"e2e: %s: --confirm: re-run %zu of at most %llu for %zu regression%s\n", CMD,
				n + 1, (unsigned long long)o->confirm, nitems, nitems == 1 ? "" : "s");
		rc = capture_run(o, k->st, k->routes, k->serve, k->serve_log, &id, k->status, k->tally);
		if (rc < 0)
			break;
		if (*k->status != 0 || !id) {
			if (!id)
				e2e_cmd_fail(CMD, "warning: --confirm: the re-run could not be stored; "
						  "the regressions stay unconfirmed");
			e2e_gate_confirm_stop(g, *k->status);
			break;
		}
		if (e2e_store_run_confirms(k->st, id, k->first_run) < 0)
			e2e_cmd_fail(CMD, "warning: cannot link run %lld to run %lld: %s", (long long)id,
				     (long long)k->first_run, e2e_error_message());
		ids[n++] = id;
		rc = e2e_pipeline_judge(k->st, ids, n, &o->c, CMD, &pooled);
		if (rc < 0)
			break;
		done = e2e_gate_confirm_step(g, pooled, ids, n, o->c.fail_on);
		e2e_gate_result_destroy(pooled);
		if (done)
			break;
	}
	free(ids);
	return rc;
}

/* The modes of this invocation, for the options that have no effect. */
static void warn_unused(const struct profile_opts *o)
{
	unsigned active = E2E_WHEN_REPORT | (o->import ? E2E_WHEN_IMPORT : E2E_WHEN_PROXY);

	if (o->ncmd)
		active |= E2E_WHEN_COMMAND;
	if (o->c.compare_baseline || o->baseline_from)
		active |= E2E_WHEN_COMPARE;
	if (o->c.set_baseline)
		active |= E2E_WHEN_SET;
	if (o->c.rules)
		active |= E2E_WHEN_RULES;
	if (o->serve)
		active |= E2E_WHEN_SERVE;
	if (o->serve || o->watch_pids.n || o->watch_cgroup)
		active |= E2E_WHEN_SAMPLE;
	if ((active & E2E_WHEN_SAMPLE) && o->profile_cpu)
		active |= E2E_WHEN_PROFILE;
	e2e_cmd_warn_unused(&spec, &o->c, active, o->import ? "--import" : "--target");
	if (o->confirm && o->c.compare_baseline && !o->ncmd)
		e2e_cmd_fail(CMD, "warning: '--confirm' has no effect without a command after '--'");
}

/* A gate was asked for: a comparison, or the rules' limits alone. */
static bool gate_asked(const struct e2e_common_opts *c)
{
	return c->compare_baseline || c->rules;
}

/* Whether the gate can judge the stored runs; "gate not run" when the
 * suite's requests were seen but none could be stored (not "nothing was
 * captured": exit 4 is for a suite that sent no request at all). */
static bool gate_can_run(const struct profile_opts *o, const struct tally *t)
{
	if (!gate_asked(&o->c) || t->stored || !t->seen)
		return true;
	e2e_cmd_fail(CMD,
		     "warning: gate not run: none of the %llu requests could be stored; the exit "
		     "status is the command's",
		     (unsigned long long)t->seen);
	return false;
}

/* A failure rc after the capture (reading the run back, the report, the
 * baseline, --out) while a command was wrapped: a warning, and the exit
 * status stays the gate's if it judged, else the command's; but 4 when the
 * command sent no request at all and a gate or a baseline wanted some
 * (nothing was captured: not the store's doing). */
static int report_failed(const struct e2e_common_opts *c, int rc, int gate_exit, const struct tally *t)
{
	if (rc == E2E_ERR_EMPTY && !t->seen) {
		e2e_cmd_fail(CMD, "%s", e2e_error_message());
		return E2E_EXIT_EMPTY;
	}
	e2e_cmd_fail(CMD, "warning: the run was captured but its report failed: %s", e2e_error_message());
	if (gate_exit >= 0)
		return gate_exit;
	if (gate_asked(c) && !t->seen) {
		e2e_cmd_fail(CMD, "nothing was captured: no request to %s",
			     c->compare_baseline ? "compare with the baseline" : "check the rules against");
		return E2E_EXIT_EMPTY;
	}
	if (gate_asked(c))
		e2e_cmd_fail(CMD, "warning: gate not run: the exit status is the command's");
	return E2E_EXIT_OK;
}

/* --profile-cpu with --set-baseline or --compare-baseline, once the
 * pipeline wrote or judged the baseline. */
static void cpu_baseline(const struct profile_opts *o, int gate_exit)
{
	char *path;

	if (!o->cpu || !(o->c.set_baseline || o->c.compare_baseline) || o->baseline_from)
		return; /* no CPU profile baseline in the team store */
	path = e2e_baseline_path(o->c.baseline, o->c.baseline_dir, o->c.service);
	if (o->c.set_baseline)
		e2e_cmd_cpu_set_baseline(o->cpu, path);
	else
		e2e_cmd_cpu_compare(o->cpu, gate_exit == E2E_EXIT_GATE);
	free(path);
}

int cmd_perf_profile(int argc, char **argv)
{
	struct profile_opts o;
	struct e2e_store *st = NULL;
	struct e2e_routes *routes = NULL;
	struct e2e_serve *serve = NULL;
	char *serve_log = NULL;
	bool serve_stopped = false;
	int64_t *run_ids = NULL;
	size_t nruns = 0;
	char *db = NULL, *target = NULL, *cpu_baseline_json = NULL;
	const char *store_url = NULL;
	bool store_down = false;
	struct e2e_cmd_store_copy *from_copy = NULL; /* --baseline-from's baseline */
	char *from_path = NULL;
	struct tally tally = { 0 };
	struct e2e_common_opts report;
	int status = 0, exit_code = E2E_EXIT_OK, gate_exit = -1; /* -1: the gate did not judge */
	int rc = parse_args(argc, argv, &o);

	if (rc < 0 || o.c.help)
		return e2e_cmd_stop(&spec, rc);
	warn_unused(&o);
	/* The proxy never uses the target's userinfo: nothing after this point
	 * (database, reports, stderr) sees its password. */
	if (o.target)
		o.target = target = e2e_redact_url(o.target);
	if (o.listen.host[0] && !is_loopback(o.listen.host))
		e2e_cmd_fail(
			CMD,
			"warning: listening on '%s', not loopback: anyone who can reach it can use the proxy",
			o.listen.host);
	e2e_runner_signals_install();
	if (o.c.routes) {
		rc = e2e_routes_load(o.c.routes, &routes);
		if (rc < 0)
			goto fail;
	}
	rc = e2e_pipeline_check(&o.c);
	if (rc < 0)
		goto fail;
	o.c.compare_baseline |= o.baseline_from != NULL; /* its file comes after the run */
	db = e2e_common_db_path(&o.c);
	store_url = e2e_cmd_store_url(o.store);
	if (store_url && (rc = e2e_cmd_store_check(CMD, store_url, db, &store_down)) < 0)
		goto fail;
	rc = e2e_store_open(db, E2E_STORE_CREATE, &st);
	if (rc < 0 && (o.import || !o.ncmd))
		goto fail;
	if (rc < 0) {
		e2e_cmd_fail(CMD, "warning: %s; the command runs through the proxy unrecorded",
			     e2e_error_message());
		st = NULL;
	}

	if (o.profile_cpu && (o.serve || o.watch_pids.n || o.watch_cgroup)) {
		cpu_baseline_json = o.c.compare_baseline
					    ? e2e_baseline_path(o.c.baseline, o.c.baseline_dir, o.c.service)
					    : NULL;
		struct e2e_cmd_cpu_opts co = {
			.hz = (unsigned)o.profile_hz,
			.dwarf = o.profile_call_graph == 1,
			.endpoints = (unsigned)o.profile_endpoints,
			.db = db,
			.service = o.c.service,
			.baseline_json = cpu_baseline_json,
			.quiet = o.c.quiet,
		};
		o.cpu = e2e_cmd_cpu_create(&co);
	}
	if (o.serve) {
		serve_log = serve_log_path(db, o.c.service);
		rc = serve_begin(&o, serve_log, &serve);
		if (rc < 0) { /* already said */
			exit_code = e2e_error_exit(rc);
			goto out;
		}
	}
	run_ids = e2e_xcalloc(o.repeat, sizeof(*run_ids));
	for (uint64_t i = 0; i < o.repeat; i++) {
		int64_t id = 0;
		time_t began = time(NULL);
		rc = o.import ? import_run(&o, st, routes, &id)
			      : capture_run(&o, st, routes, serve, serve_log, &id, &status, &tally);
		if (rc < 0)
			goto fail;
		if (id && st && o.junit.n)
			e2e_cmd_junit_ingest(CMD, &o.junit, st, id, began);
		if (id)
			run_ids[nruns++] = id;
		if (status != 0)
			break; /* a failing suite ends the repetitions */
	}
	/* --confirm re-runs the suite against the same service: it stops after */
	if (serve && !o.confirm) {
		serve_end(&o, serve, serve_log, st, nruns ? run_ids[nruns - 1] : 0);
		serve_stopped = true;
	}
	if (!nruns) {
		e2e_cmd_fail(CMD, "warning: nothing was recorded, so there is no report");
		if (gate_asked(&o.c) && (!o.ncmd || gate_can_run(&o, &tally)))
			exit_code = E2E_EXIT_EMPTY;
		goto out;
	}
	report = o.c;
	if (o.ncmd && !gate_can_run(&o, &tally)) { /* the report without a verdict */
		report.compare_baseline = false;
		report.rules = NULL;
	}
	if (o.baseline_from && report.compare_baseline &&
	    (rc = baseline_from_fetch(&o, store_url, store_down, &report, &from_copy, &from_path)) < 0)
		goto fail;
	struct confirm_ctx cc = { &o, st, routes, serve, serve_log, &tally, &status, run_ids[nruns - 1] };
	struct e2e_pipeline_extra x = { .color = e2e_pipeline_color(&report), .keep_verdicts = st != NULL };

	if (o.confirm && o.ncmd && st && status == 0) {
		x.confirm = confirm_reruns;
		x.confirm_ctx = &cc;
	}
	rc = e2e_pipeline_report(st, run_ids, nruns, &report, &x, CMD, &gate_exit);
	/* after the gate, so that its verdicts go with the run */
	if (store_url && st)
		e2e_cmd_store_push(CMD, store_url, st, run_ids, nruns, o.c.quiet, store_down);
	if (rc < 0 && o.ncmd) {
		exit_code = report_failed(&report, rc, gate_exit, &tally);
		goto out;
	}
	if (rc < 0)
		goto fail;
	exit_code = gate_exit;
	cpu_baseline(&o, gate_exit);
	goto out;
fail:
	e2e_cmd_fail(CMD, "%s", e2e_error_message());
	exit_code = e2e_error_exit(rc);
out:
	if (serve && !serve_stopped)
		serve_end(&o, serve, serve_log, st, nruns ? run_ids[nruns - 1] : 0);
	if (status != 0)
		exit_code = status; /* the suite's own failure wins */
	e2e_serve_destroy(serve);
	e2e_cmd_cpu_destroy(o.cpu);
	free(cpu_baseline_json);
	free(serve_log);
	e2e_store_close(st);
	e2e_routes_destroy(routes);
	free(run_ids);
	free(db);
	free(target);
	free(o.from_branch);
	e2e_cmd_store_done(from_copy);
	free(from_path);
	return exit_code;
}

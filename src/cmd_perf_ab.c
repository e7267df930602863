/* cmd_perf_ab.c - `e2e perf-ab`: the suite through the proxy 2*N times in
 * ABBA order, the proxy in front of build A or build B per run, each run
 * stored and linked to the comparison; then B judged against A on the
 * rounds' paired ratios (ab.h) and reported like a gate's comparison with
 * A as the baseline. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ab.h"
#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "cmd_pipeline.h"
#include "e2e-config.h"
#include "error.h"
#include "exitcode.h"
#include "fsutil.h"
#include "gate.h"
#include "redact.h"
#include "render.h"
#include "report.h"
#include "routes.h"
#include "runner.h"
#include "serve.h"
#include "store.h"
#include "banned.h"

#define CMD "perf-ab"
#define NOT_AB "not for perf-ab: A is the baseline (a usage error)"

struct ab_opts {
	struct e2e_common_opts c;
	const char *url[2]; /* --a, --b */
	uint64_t rounds;
	const char *serve[2]; /* --serve-a, --serve-b */
	uint64_t serve_timeout_ns;
	char **cmd;
	int ncmd;
};

static bool valid_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static bool valid_serve(const char *s)
{
	return s[strspn(s, " \t\n")] != 0;
}

#define A struct ab_opts

static const struct e2e_option options[] = {
	{ E2E_OPT_REWORD("service", "service name the runs are recorded under (default: unknown)") },
	{ E2E_OPT_STRING(0, "a", A, url[0], "URL", "build A's base URL: the baseline (http or https)"),
	  .valid = valid_url, .what = "an http:// or https:// URL" },
	{ E2E_OPT_STRING(0, "b", A, url[1], "URL", "build B's base URL: judged against A"),
	  .valid = valid_url, .what = "an http:// or https:// URL" },
	{ E2E_OPT_UINT(0, "rounds", A, rounds, "N", "rounds of one A and one B run, ABBA order (default: 5)",
		       2, 1000),
	  .what = "a number of rounds from 2 to 1000" },
	{ E2E_OPT_TEXT(
		  0, "serve-a", A, serve[0], "CMD",
		  "start build A (sh -c CMD) before the first round, wait for --a, stop it after the last"),
	  .valid = valid_serve, .what = "a command" },
	{ E2E_OPT_TEXT(
		  0, "serve-b", A, serve[1], "CMD",
		  "start build B (sh -c CMD) before the first round, wait for --b, stop it after the last"),
	  .valid = valid_serve, .what = "a command" },
	{ E2E_OPT_DURATION(0, "serve-timeout", A, serve_timeout_ns, "DUR",
			   "--serve-a, --serve-b: how long each may take to answer (default: 30s)", 1000000,
			   UINT64_MAX),
	  .what = "a duration of at least 1ms" },
	{ E2E_OPT_REWORD("threshold",
			 "relative change of B over A that counts as a regression (default: 50)") },
	{ E2E_OPT_REWORD("set-baseline", NOT_AB) },
	{ E2E_OPT_REWORD("compare-baseline", NOT_AB) },
	{ E2E_OPT_REWORD("baseline-dir", NOT_AB) },
	{ E2E_OPT_REWORD("baseline", NOT_AB) },
	{ E2E_OPT_REWORD("rules", "not for perf-ab yet (a usage error)") },
	{ E2E_OPT_REWORD("quiet", "no progress lines on stderr") },
	{ E2E_OPT_END() },
};

static const struct e2e_cmd_spec spec = {
	.name = CMD,
	.usage = "e2e perf-ab [options] --a URL --b URL [--rounds N] -- COMMAND [ARGS...]",
	.summary = "Runs COMMAND 2*N times through a recording proxy in ABBA order (A B, B A, A B ...),\n"
		   "the proxy in front of --a or --b per run, stores every run, then judges B against A\n"
		   "per endpoint and metric on the rounds' paired ratios B/A, so runner drift cancels.\n"
		   "Exit status as the gate's: 1 when B regressed at or above --fail-on.",
	.options = options,
	.common_at = offsetof(struct ab_opts, c),
};

static int parse_args(int argc, char **argv, struct ab_opts *o)
{
	int rest = argc, rc;

	memset(o, 0, sizeof(*o));
	e2e_common_opts_init(&o->c);
	o->c.service = "unknown";
	o->rounds = 5;
	o->serve_timeout_ns = 30ull * 1000000000ull;
	rc = e2e_cmd_parse(&spec, argc, argv, o, &rest);
	if (rc < 0 || o->c.help)
		return rc;
	o->ncmd = argc - rest;
	o->cmd = argv + rest;
	if (!o->url[0] || !o->url[1])
		return e2e_error(E2E_ERR_INPUT, "missing '--%s URL': perf-ab compares two builds",
				 o->url[0] ? "b" : "a");
	if (!o->ncmd)
		return e2e_error(E2E_ERR_INPUT, "missing the command after '--': perf-ab runs it 2*N times");
	if (o->c.set_baseline || o->c.compare_baseline || o->c.baseline ||
	    strcmp(o->c.baseline_dir, "baselines") != 0)
		return e2e_error(E2E_ERR_INPUT, "perf-ab takes no baseline file: A is the baseline");
	if (o->c.rules)
		return e2e_error(E2E_ERR_INPUT, "'--rules' is not supported by perf-ab");
	return 0;
}

/* Connects to the host and port of url (5 s at most): 0, or
 * E2E_ERR_RUNTIME saying why not. */
static int probe(const char *url)
{
	const char *auth = strstr(url, "://") + 3, *at, *end;
	char host[256], port[8];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	size_t len = strcspn(auth, "/?#");
	int rc, err = 0;

	at = memchr(auth, '@', len);
	if (at) {
		len -= (size_t)(at + 1 - auth);
		auth = at + 1;
	}
	snprintf(port, sizeof(port), "%s", strncmp(url, "https", 5) == 0 ? "443" : "80");
	end = auth[0] == '[' ? memchr(auth, ']', len) : NULL;
	if (auth[0] == '[' && end) {
		snprintf(host, sizeof(host), "%.*s", (int)(end - auth - 1), auth + 1);
		end++;
	} else {
		end = memchr(auth, ':', len);
		snprintf(host, sizeof(host), "%.*s", (int)(end ? end - auth : (ptrdiff_t)len), auth);
	}
	if (end && end < auth + len && *end == ':')
		snprintf(port, sizeof(port), "%.*s", (int)(auth + len - end - 1), end + 1);
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0)
		return e2e_error(E2E_ERR_RUNTIME, "cannot resolve '%s': %s", host, gai_strerror(rc));
	for (struct addrinfo *p = ai; p; p = p->ai_next) {
		int fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		socklen_t sl = sizeof(err);

		if (fd < 0) {
			err = errno;
			continue;
		}
		err = 0;
		if (connect(fd, p->ai_addr, p->ai_addrlen) < 0) {
			err = errno;
			if (err == EINPROGRESS) {
				err = poll(&pfd, 1, 5000) == 1 ? 0 : ETIMEDOUT;
				if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
					err = errno;
			}
		}
		close(fd);
		if (!err)
			break;
	}
	freeaddrinfo(ai);
	return err ? e2e_error(E2E_ERR_RUNTIME, "%s", strerror(err)) : 0;
}

/* The comparison in progress. */
struct ab {
	const struct ab_opts *o;
	struct e2e_store *st;
	struct e2e_routes *routes;
	int64_t *ids[2]; /* per side, one per round */
	uint64_t seen[2]; /* requests the proxy saw per side */
	int64_t comparison; /* the id of its first run */
	struct e2e_serve *serve[2]; /* --serve-a, --serve-b; NULL without */
	char *log[2]; /* their logs */
};

/* Side s's service ended (or never answered): why, its log's last lines;
 * the exit status (3). */
static int serve_failed(struct ab *ab, int s, const char *why)
{
	struct e2e_buf how = E2E_BUF_INIT, tail = E2E_BUF_INIT;

	e2e_serve_stop(ab->serve[s], 5ull * 1000000000ull, &how);
	e2e_serve_log_tail(ab->serve[s], 10, &tail);
	if (tail.len)
		tail.data[--tail.len] = 0; /* e2e_cmd_fail() ends the line */
	e2e_cmd_fail(CMD, "side %c's service (pid %ld): %s; its log '%s'%s%s", 'A' + s,
		     (long)e2e_serve_pid(ab->serve[s]), why ? why : how.data, ab->log[s],
		     tail.len ? " ends:\n" : " is empty", tail.len ? tail.data : "");
	e2e_buf_finish(&how);
	e2e_buf_finish(&tail);
	e2e_serve_destroy(ab->serve[s]);
	ab->serve[s] = NULL;
	return E2E_EXIT_RUNTIME;
}

/* --serve-a and --serve-b: each started and waited for until its URL
 * answers, both before the first round; kept up across the rounds. Their
 * logs: "<service>.serve-a.log" (and -b) beside the database. Returns 0
 * or the exit status to end with (after saying why). */
static int serve_begin(struct ab *ab, const char *db)
{
	const char *slash = strrchr(db, '/');

	for (int s = 0; s < 2; s++) {
		struct e2e_buf log = E2E_BUF_INIT;
		int rc;

		if (!ab->o->serve[s])
			continue;
		if (slash)
			e2e_buf_add(&log, db, (size_t)(slash - db + 1));
		for (const char *p = ab->o->c.service; *p; p++)
			e2e_buf_putc(&log, strchr("/\\ \t\n", *p) ? '_' : *p);
		e2e_buf_printf(&log, ".serve-%c.log", 'a' + s);
		ab->log[s] = e2e_buf_detach(&log, NULL);
		rc = e2e_fsutil_mkdir_parents(ab->log[s]);
		if (rc == 0)
			rc = e2e_serve_start(ab->o->serve[s], ab->log[s], &ab->serve[s]);
		if (rc < 0) {
			e2e_cmd_fail(CMD, "side %c's service: %s", 'A' + s, e2e_error_message());
			return E2E_EXIT_RUNTIME;
		}
		rc = e2e_serve_wait_ready(ab->serve[s], ab->o->url[s], ab->o->serve_timeout_ns);
		if (rc < 0)
			return serve_failed(ab, s, e2e_error_message());
		if (!ab->o->c.quiet)
			e2e_cmd_fail(CMD, "side %c's service (pid %ld) answers at %s; its log: %s", 'A' + s,
				     (long)e2e_serve_pid(ab->serve[s]), ab->o->url[s], ab->log[s]);
	}
	return 0;
}

/* Stops both services, saying how each ended unless -q. */
static void serve_end(struct ab *ab)
{
	for (int s = 0; s < 2; s++) {
		struct e2e_buf how = E2E_BUF_INIT;

		free(ab->log[s]);
		if (!ab->serve[s])
			continue;
		e2e_serve_stop(ab->serve[s], 5ull * 1000000000ull, &how);
		if (!ab->o->c.quiet)
			e2e_cmd_fail(CMD, "side %c's service (pid %ld) %s", 'A' + s,
				     (long)e2e_serve_pid(ab->serve[s]), how.data);
		e2e_buf_finish(&how);
		e2e_serve_destroy(ab->serve[s]);
	}
}

/* One run of side s in round r (from 1). Returns 0, or the exit status
 * to end with (after saying why). */
static int run_side(struct ab *ab, int s, uint32_t r, int *status)
{
	const struct ab_opts *o = ab->o;
	struct e2e_common_opts quiet = o->c;
	struct e2e_profile_run pr = { &quiet, o->url[s], o->cmd, o->ncmd, "ab", CMD, ab->routes };
	int64_t id = 0;
	uint64_t seen = 0;
	int rc;

	quiet.quiet = true;
	rc = probe(o->url[s]);
	if (rc < 0) {
		e2e_cmd_fail(CMD, "side %c (%s) is down: %s", 'A' + s, o->url[s], e2e_error_message());
		return E2E_EXIT_RUNTIME;
	}
	rc = cmd_perf_profile_run(&pr, ab->st, &id, status, &seen);
	if (ab->serve[s] && !e2e_serve_running(ab->serve[s])) {
		struct e2e_buf why = E2E_BUF_INIT;
		int ex;

		e2e_buf_printf(&why, "ended during round %u: ", r);
		e2e_serve_stop(ab->serve[s], 0, &why);
		ex = serve_failed(ab, s, why.data);
		e2e_buf_finish(&why);
		return ex;
	}
	if (rc == 0 && !id)
		rc = e2e_error(E2E_ERR_RUNTIME, "the run was not recorded");
	if (rc == 0 && !ab->comparison)
		ab->comparison = id;
	if (rc == 0)
		rc = e2e_store_ab_link(ab->st, id, ab->comparison, (char)('A' + s), r);
	if (rc < 0) {
		e2e_cmd_fail(CMD, "round %u, side %c: %s", r, 'A' + s, e2e_error_message());
		return e2e_error_exit(rc);
	}
	ab->ids[s][r - 1] = id;
	ab->seen[s] += seen;
	if (!o->c.quiet)
		fprintf(stderr, "e2e: %s: round %u/%llu, %c (%s): run %lld, %llu requests\n", CMD, r,
			(unsigned long long)o->rounds, 'A' + s, o->url[s], (long long)id,
			(unsigned long long)seen);
	if (*status != 0) {
		e2e_cmd_fail(CMD, "the command failed in round %u (side %c): no comparison", r, 'A' + s);
		return *status;
	}
	return 0;
}

/* Every round: A B in odd rounds, B A in even ones. Returns 0 or the exit
 * status to end with. */
static int run_rounds(struct ab *ab)
{
	int status = 0;

	for (uint32_t r = 1; r <= ab->o->rounds; r++)
		for (int k = 0; k < 2; k++) {
			int rc = run_side(ab, (int)(r % 2 == 1 ? k : 1 - k), r, &status);

			if (rc)
				return rc;
		}
	return 0;
}

/* "B (URL) against A (URL): N rounds in ABBA order, runs X..Y" */
static void add_method(struct e2e_gate_result *g, const struct ab *ab)
{
	struct e2e_buf b = E2E_BUF_INIT;
	size_t n = (size_t)ab->o->rounds;

	e2e_buf_printf(&b,
		       "B (%s) against A (%s): %zu rounds in ABBA order, runs %lld..%lld; each metric "
		       "judged on its %zu per-round ratios B/A",
		       ab->o->url[1], ab->o->url[0], n, (long long)ab->comparison,
		       (long long)(n % 2 ? ab->ids[1][n - 1] : ab->ids[0][n - 1]), n);
	e2e_gate_add_finding(g, "ab", NULL, E2E_SEVERITY_NONE, b.data);
	e2e_buf_finish(&b);
}

/* The two sides' reports, the paired comparison, the report written.
 * Returns 0 or a negative code; *failed when the gate failed. */
static int judge(struct ab *ab, bool *failed)
{
	const struct ab_opts *o = ab->o;
	struct e2e_gate_config cfg = { o->c.threshold_pct, o->c.min_delta_ms, o->c.fail_on, NULL };
	struct e2e_report *rep[2] = { NULL, NULL };
	struct e2e_gate_result *g = NULL;
	struct e2e_render_input in = { 0 };
	struct e2e_buf name = E2E_BUF_INIT, out = E2E_BUF_INIT;
	int rc = 0;

	for (int s = 0; s < 2 && rc == 0; s++)
		rc = e2e_pipeline_compute(ab->st, ab->ids[s], (size_t)o->rounds, &o->c, &rep[s]);
	e2e_buf_printf(&name, "A (%s)", o->url[0]);
	if (rc == 0)
		rc = e2e_ab_compare(rep[0], rep[1], &cfg, name.data, &g);
	if (rc < 0)
		goto out;
	add_method(g, ab);
	*failed = g->failed;
	in.report = rep[1];
	in.gate = g;
	in.color = e2e_pipeline_color(&o->c) && o->c.format == E2E_FORMAT_TEXT;
	in.compact = o->c.compact;
	in.always = o->c.always;
	in.tool_version = E2E_VERSION;
	rc = e2e_render(o->c.format, &in, &out);
	if (rc == 0)
		rc = e2e_pipeline_emit(&o->c, &out);
out:
	e2e_buf_finish(&name);
	e2e_buf_finish(&out);
	e2e_gate_result_destroy(g);
	e2e_report_destroy(rep[0]);
	e2e_report_destroy(rep[1]);
	return rc;
}

int cmd_perf_ab(int argc, char **argv)
{
	struct ab_opts o;
	struct ab ab = { .o = &o };
	char *db = NULL, *url[2] = { NULL, NULL };
	bool failed = false;
	int exit_code = E2E_EXIT_OK;
	int rc = parse_args(argc, argv, &o);

	if (rc < 0 || o.c.help)
		return e2e_cmd_stop(&spec, rc);
	/* neither the database, the reports nor stderr see a URL's password */
	for (int s = 0; s < 2; s++)
		o.url[s] = url[s] = e2e_redact_url(o.url[s]);
	if (strcmp(o.url[0], o.url[1]) == 0)
		e2e_cmd_fail(CMD, "warning: --a and --b are the same URL: an A/A comparison, every "
				  "difference is noise");
	e2e_runner_signals_install();
	if (o.c.routes) {
		rc = e2e_routes_load(o.c.routes, &ab.routes);
		if (rc < 0)
			goto fail;
	}
	db = e2e_common_db_path(&o.c);
	rc = e2e_store_open(db, E2E_STORE_CREATE, &ab.st);
	if (rc < 0)
		goto fail;
	for (int s = 0; s < 2; s++)
		ab.ids[s] = e2e_xcalloc(o.rounds, sizeof(*ab.ids[s]));
	exit_code = serve_begin(&ab, db);
	if (!exit_code)
		exit_code = run_rounds(&ab);
	serve_end(&ab);
	if (exit_code)
		goto out;
	if (!ab.seen[0] || !ab.seen[1]) {
		e2e_cmd_fail(CMD, "nothing was captured: no request to %s", ab.seen[0] ? "B" : "A");
		exit_code = E2E_EXIT_EMPTY;
		goto out;
	}
	rc = judge(&ab, &failed);
	if (rc < 0)
		goto fail;
	exit_code = failed ? E2E_EXIT_GATE : E2E_EXIT_OK;
	goto out;
fail:
	e2e_cmd_fail(CMD, "%s", e2e_error_message());
	exit_code = e2e_error_exit(rc);
out:
	e2e_store_close(ab.st);
	e2e_routes_destroy(ab.routes);
	free(ab.ids[0]);
	free(ab.ids[1]);
	free(db);
	free(url[0]);
	free(url[1]);
	return exit_code;
}

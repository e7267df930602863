/* cmd_perf_profile.c - `e2e perf-profile`: capture a run (proxy or HAR
 * import), store it, report it, and optionally set or gate a baseline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "error.h"
#include "exitcode.h"
#include "parse.h"
#include "banned.h"

#define CMD "perf-profile"
#define MAX_ENV 32

enum {
	OPT_TARGET = E2E_OPT__COMMON_END,
	OPT_LISTEN,
	OPT_ENV,
	OPT_DURATION,
	OPT_UPSTREAM_TIMEOUT,
	OPT_PRESERVE_HOST,
	OPT_INSECURE,
	OPT_REPEAT,
	OPT_IMPORT,
};

static const struct e2e_option options[] = {
	{ E2E_OPT_SERVICE, 's', "service", "NAME",
	  "service name the run is recorded under (default: unknown)" },
	{ OPT_TARGET, 0, "target", "URL", "upstream base URL to forward to (http or https)" },
	{ OPT_LISTEN, 0, "listen", "ADDR:PORT",
	  "where the proxy listens (default: 127.0.0.1 on a free port)" },
	{ OPT_ENV, 0, "env", "NAME", "also set NAME to the proxy URL for the command (repeatable)" },
	{ OPT_DURATION, 0, "duration", "DUR", "session mode: stop after DUR (e.g. 30s, 5m)" },
	{ OPT_UPSTREAM_TIMEOUT, 0, "upstream-timeout", "DUR",
	  "answer 504 when the upstream takes longer (default: 30s)" },
	{ OPT_PRESERVE_HOST, 0, "preserve-host", NULL,
	  "forward the client's Host header instead of the target's" },
	{ OPT_INSECURE, 0, "insecure", NULL, "do not verify the upstream's TLS certificate" },
	{ OPT_REPEAT, 0, "repeat", "N", "run the command N times, one run each (default: 1)" },
	{ OPT_IMPORT, 0, "import", "FILE", "record a run from a HAR 1.2 file instead of proxying" },
	{ E2E_OPT_ROUTES, 0, "routes", "FILE", "explicit endpoint templates (route list or OpenAPI 3 JSON)" },
	{ E2E_OPT_OUTPUT, 'o', "output", "DIR", "data directory (default: .e2e/performance)" },
	{ E2E_OPT_DB, 0, "db", "FILE", "database file (default: DIR/perf.db)" },
	{ E2E_OPT_FORMAT, 'f', "format", "FMT", "report format: text, json, markdown, html, csv, junit" },
	{ E2E_OPT_OUT, 0, "out", "FILE", "write the report to FILE instead of stdout" },
	{ E2E_OPT_ERRORS, 0, "errors", "CLASS",
	  "what counts as an error: 5xx (default) or 4xx (4xx and 5xx)" },
	{ E2E_OPT_SET_BASELINE, 0, "set-baseline", NULL,
	  "write the baseline file from this run (all --repeat runs)" },
	{ E2E_OPT_COMPARE, 0, "compare-baseline", NULL,
	  "compare against the baseline and gate on regressions" },
	{ E2E_OPT_BASELINE_DIR, 0, "baseline-dir", "DIR", "baseline directory (default: baselines)" },
	{ E2E_OPT_BASELINE, 'b', "baseline", "FILE", "baseline file (default: DIR/SERVICE.json)" },
	{ E2E_OPT_THRESHOLD, 't', "threshold", "PCT",
	  "relative change that counts as a regression (default: 50)" },
	{ E2E_OPT_MIN_DELTA, 0, "min-delta-ms", "MS", "smallest absolute change that counts (default: 1)" },
	{ E2E_OPT_FAIL_ON, 0, "fail-on", "LEVEL", "fail the gate at: warning (default), critical, never" },
	{ E2E_OPT_RULES, 0, "rules", "FILE", "rules file: per-endpoint limits and ignores (JSON)" },
	{ E2E_OPT_QUIET, 'q', "quiet", NULL, "no live progress line" },
	{ E2E_OPT_HELP, 'h', "help", NULL, "show this help" },
	{ 0 },
};

struct profile_opts {
	struct e2e_common_opts c;
	const char *target;
	char listen_host[64];
	uint16_t listen_port;
	bool listen_given;
	const char *env[MAX_ENV];
	size_t nenv;
	uint64_t duration_ns;
	uint64_t upstream_timeout_ns;
	bool preserve_host;
	bool insecure;
	uint64_t repeat;
	const char *import;
	bool help;
	char **cmd;
	int ncmd;
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

static int on_option(void *ctx, int id, const char *v)
{
	struct profile_opts *o = ctx;
	int rc = e2e_common_opt(&o->c, id, v);

	if (rc <= 0)
		return rc;
	switch (id) {
	case E2E_OPT_HELP:
		o->help = true;
		return 0;
	case OPT_TARGET:
		o->target = v;
		return 0;
	case OPT_LISTEN:
		if (!e2e_parse_hostport(v, o->listen_host, sizeof(o->listen_host), &o->listen_port))
			return e2e_error(E2E_ERR_INPUT, "option '--listen': '%s' is not ADDR:PORT", v);
		o->listen_given = true;
		return 0;
	case OPT_ENV:
		if (!valid_env_name(v))
			return e2e_error(E2E_ERR_INPUT, "option '--env': '%s' is not a variable name", v);
		if (o->nenv == MAX_ENV)
			return e2e_error(E2E_ERR_INPUT, "option '--env': at most %d names", MAX_ENV);
		o->env[o->nenv++] = v;
		return 0;
	case OPT_DURATION:
		if (!e2e_parse_duration(v, &o->duration_ns) || o->duration_ns == 0)
			return e2e_error(E2E_ERR_INPUT,
					 "option '--duration': '%s' is not a duration (e.g. 30s, 5m)", v);
		return 0;
	case OPT_UPSTREAM_TIMEOUT:
		if (!e2e_parse_duration(v, &o->upstream_timeout_ns) || o->upstream_timeout_ns < 1000000)
			return e2e_error(
				E2E_ERR_INPUT,
				"option '--upstream-timeout': '%s' is not a duration of at least 1ms", v);
		return 0;
	case OPT_PRESERVE_HOST:
		o->preserve_host = true;
		return 0;
	case OPT_INSECURE:
		o->insecure = true;
		return 0;
	case OPT_REPEAT:
		if (!e2e_parse_u64(v, 1, 1000, &o->repeat))
			return e2e_error(E2E_ERR_INPUT,
					 "option '--repeat': '%s' is not a number from 1 to 1000", v);
		return 0;
	case OPT_IMPORT:
		o->import = v;
		return 0;
	}
	return e2e_error(E2E_ERR_INPUT, "unhandled option");
}

static void print_help(void)
{
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_cli_help(&b,
		     "e2e perf-profile [options] --target URL [-- COMMAND [ARGS...]]\n"
		     "       e2e perf-profile [options] --import FILE.har",
		     "Runs a recording reverse proxy in front of --target around COMMAND (or until\n"
		     "SIGINT/SIGTERM or --duration without one), stores every request in SQLite and\n"
		     "prints the run's report. COMMAND gets E2E_PROXY_URL set to the proxy's URL.",
		     options);
	fputs(b.data, stdout);
	e2e_buf_finish(&b);
}

static int parse_args(int argc, char **argv, struct profile_opts *o)
{
	int rest = argc;
	int rc;

	memset(o, 0, sizeof(*o));
	e2e_common_opts_init(&o->c);
	o->upstream_timeout_ns = 30ull * 1000000000ull;
	o->repeat = 1;
	rc = e2e_cli_parse(options, argc, argv, on_option, o, &rest);
	if (rc < 0 || o->help)
		return rc;
	o->cmd = argv + rest;
	o->ncmd = argc - rest;
	if (!o->c.service)
		o->c.service = "unknown";
	if (o->import && (o->target || o->ncmd || o->listen_given || o->duration_ns))
		return e2e_error(E2E_ERR_INPUT, "'--import' records from a file: it takes no --target, "
						"--listen, --duration or command");
	if (!o->import && !o->target)
		return e2e_error(E2E_ERR_INPUT, "missing '--target URL' (or '--import FILE')");
	if (o->ncmd && o->duration_ns)
		return e2e_error(
			E2E_ERR_INPUT,
			"'--duration' is for session mode; with a command the run ends when it exits");
	if (o->repeat > 1 && !o->ncmd)
		return e2e_error(E2E_ERR_INPUT, "'--repeat' needs a command after '--'");
	if (o->c.set_baseline && o->c.compare_baseline)
		return e2e_error(E2E_ERR_INPUT,
				 "'--set-baseline' and '--compare-baseline' exclude each other");
	if (o->target && strncmp(o->target, "http://", 7) != 0 && strncmp(o->target, "https://", 8) != 0)
		return e2e_error(E2E_ERR_INPUT, "option '--target': '%s' is not an http:// or https:// URL",
				 o->target);
	return 0;
}

int cmd_perf_profile(int argc, char **argv)
{
	struct profile_opts o;
	int rc = parse_args(argc, argv, &o);

	if (rc < 0) {
		e2e_cmd_fail(CMD, "%s", e2e_error_message());
		e2e_cmd_usage_hint(CMD);
		return E2E_EXIT_USAGE;
	}
	if (o.help) {
		print_help();
		return E2E_EXIT_OK;
	}
	e2e_cmd_fail(CMD, "capture is not built yet");
	return E2E_EXIT_RUNTIME;
}

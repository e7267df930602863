#include "cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "exitcode.h"
#include "banned.h"

void e2e_common_opts_init(struct e2e_common_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->output_dir = ".e2e/performance";
	o->format = E2E_FORMAT_TEXT;
	o->threshold_pct = 50;
	o->min_delta_ms = 1;
	o->fail_on = E2E_FAIL_ON_WARNING;
	o->baseline_dir = "baselines";
}

#define C struct e2e_common_opts

static const struct e2e_option_name formats[] = {
	{ "text", E2E_FORMAT_TEXT },	     { "json", E2E_FORMAT_JSON },
	{ "markdown", E2E_FORMAT_MARKDOWN }, { "html", E2E_FORMAT_HTML },
	{ "csv", E2E_FORMAT_CSV },	     { "junit", E2E_FORMAT_JUNIT },
	{ "github", E2E_FORMAT_GITHUB },     { "gitlab-codequality", E2E_FORMAT_GITLAB },
	{ "md", E2E_FORMAT_MARKDOWN },	     { NULL, 0 },
};

static const struct e2e_option_name error_classes[] = {
	{ "5xx", false },
	{ "4xx", true },
	{ NULL, 0 },
};

static const struct e2e_option_name fail_on_levels[] = {
	{ "warning", E2E_FAIL_ON_WARNING },
	{ "critical", E2E_FAIL_ON_CRITICAL },
	{ "never", E2E_FAIL_ON_NEVER },
	{ NULL, 0 },
};

const struct e2e_option e2e_common_options[] = {
	{ E2E_OPT_TEXT('s', "service", C, service, "NAME",
		       "service to report on (default: the latest run's)") },
	{ E2E_OPT_OWN() },
	{ E2E_OPT_FILE(0, "routes", C, routes, "FILE",
		       "explicit endpoint templates (route list or OpenAPI 3 JSON)"),
	  E2E_OPT_APPLIES(E2E_WHEN_REPORT | E2E_WHEN_TREND | E2E_WHEN_CHANGES) },
	{ E2E_OPT_FILE('o', "output", C, output_dir, "DIR", "data directory (default: .e2e/performance)") },
	{ E2E_OPT_FILE(0, "db", C, db, "FILE", "database file (default: DIR/perf.db)") },
	{ E2E_OPT_ENUM('f', "format", C, format, "FMT",
		       "report format: text, json, markdown, html, csv, junit, github, gitlab-codequality",
		       formats),
	  E2E_OPT_APPLIES(E2E_WHEN_REPORT | E2E_WHEN_TREND | E2E_WHEN_LIST | E2E_WHEN_CHANGES) },
	{ E2E_OPT_FILE(0, "out", C, out, "FILE", "write the report to FILE instead of stdout"),
	  E2E_OPT_APPLIES(E2E_WHEN_REPORT | E2E_WHEN_TREND | E2E_WHEN_LIST | E2E_WHEN_CHANGES) },
	{ E2E_OPT_ENUM(0, "errors", C, count_4xx, "CLASS",
		       "what counts as an error: 5xx (default) or 4xx (4xx and 5xx)", error_classes),
	  E2E_OPT_APPLIES(E2E_WHEN_REPORT | E2E_WHEN_TREND | E2E_WHEN_CHANGES) },
	{ E2E_OPT_FLAG(0, "set-baseline", C, set_baseline,
		       "write the baseline file from the selected runs") },
	{ E2E_OPT_FLAG(0, "compare-baseline", C, compare_baseline,
		       "compare against the baseline and gate on regressions") },
	{ E2E_OPT_FILE(0, "baseline-dir", C, baseline_dir, "DIR", "baseline directory (default: baselines)"),
	  E2E_OPT_APPLIES(E2E_WHEN_SET | E2E_WHEN_COMPARE) },
	{ E2E_OPT_FILE('b', "baseline", C, baseline, "FILE", "baseline file (default: DIR/SERVICE.json)"),
	  E2E_OPT_APPLIES(E2E_WHEN_SET | E2E_WHEN_COMPARE) },
	{ E2E_OPT_DOUBLE('t', "threshold", C, threshold_pct, "PCT",
			 "relative change that counts as a regression (default: 50)", 0.000001, 100000),
	  .unit = "%", .what = "a percentage above 0", E2E_OPT_APPLIES(E2E_WHEN_COMPARE) },
	{ E2E_OPT_DOUBLE(0, "min-delta-ms", C, min_delta_ms, "MS",
			 "smallest absolute change that counts (default: 1)", 0, 3600000),
	  .what = "a number of milliseconds", E2E_OPT_APPLIES(E2E_WHEN_COMPARE) },
	{ E2E_OPT_ENUM(0, "fail-on", C, fail_on, "LEVEL",
		       "fail the gate at: warning (default), critical, never", fail_on_levels),
	  E2E_OPT_APPLIES(E2E_WHEN_COMPARE | E2E_WHEN_RULES) },
	{ E2E_OPT_FILE(0, "rules", C, rules, "FILE", "rules file: per-endpoint limits and ignores (JSON)"),
	  E2E_OPT_APPLIES(E2E_WHEN_REPORT) },
	{ E2E_OPT_FLAG(0, "compact", C, compact,
		       "Markdown for a PR comment: only what did not pass; nothing when all pass"),
	  E2E_OPT_APPLIES(E2E_WHEN_MARKDOWN) },
	{ E2E_OPT_FLAG(0, "always", C, always, "with --compact: the verdict and table even when all pass"),
	  E2E_OPT_APPLIES(E2E_WHEN_COMPACT) },
	{ E2E_OPT_FLAG('q', "quiet", C, quiet, "no notes on stderr") },
	{ E2E_OPT_FLAG('h', "help", C, help, "show this help") },
	{ E2E_OPT_END() },
};

char *e2e_common_db_path(const struct e2e_common_opts *o)
{
	struct e2e_buf b = E2E_BUF_INIT;

	if (o->db)
		return e2e_xstrdup(o->db);
	e2e_buf_printf(&b, "%s/perf.db", o->output_dir);
	return e2e_buf_detach(&b, NULL);
}

void e2e_cmd_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "e2e: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int e2e_cmd_parse(const struct e2e_cmd_spec *spec, int argc, char **argv, void *opts, int *rest)
{
	struct e2e_option *all = NULL;
	int rc = e2e_cli_concat(e2e_common_options, spec->common_at, spec->options, &all);

	uint64_t given = 0;

	if (rc == 0)
		rc = e2e_cli_parse_given(all, argc, argv, opts, rest, &given);
	if (rc == 0)
		((struct e2e_common_opts *)((char *)opts + spec->common_at))->given = given;
	free(all);
	return rc;
}

/* What turns on each E2E_WHEN__NAMED mode, for "has no effect without". */
static const struct {
	unsigned bit;
	const char *name;
} named_modes[] = {
	{ E2E_WHEN_COMPARE, "--compare-baseline" },
	{ E2E_WHEN_RULES, "--rules" },
	{ E2E_WHEN_SET, "--set-baseline" },
	{ E2E_WHEN_COMMAND, "a command after '--'" },
	{ E2E_WHEN_SERVE, "--serve" },
	{ E2E_WHEN_SAMPLE, "--serve, --watch-pid or --watch-cgroup" },
	{ E2E_WHEN_MARKDOWN, "a Markdown report (-f markdown)" },
	{ E2E_WHEN_COMPACT, "--compact" },
	{ E2E_WHEN_PROFILE, "--profile-cpu" },
};

/* "without --compare-baseline or --rules", or "with --list". */
static void no_effect_reason(unsigned applies, const char *mode, struct e2e_buf *b)
{
	bool first = true;

	if (!(applies & E2E_WHEN__NAMED)) {
		e2e_buf_printf(b, "with %s", mode ? mode : "these options");
		return;
	}
	e2e_buf_puts(b, "without ");
	for (size_t i = 0; i < sizeof(named_modes) / sizeof(named_modes[0]); i++) {
		if (!(applies & named_modes[i].bit))
			continue;
		e2e_buf_printf(b, "%s%s", first ? "" : " or ", named_modes[i].name);
		first = false;
	}
}

void e2e_cmd_warn_unused(const struct e2e_cmd_spec *spec, const struct e2e_common_opts *o, unsigned active,
			 const char *mode)
{
	struct e2e_option *all = NULL;
	size_t i = 0;

	if ((active & E2E_WHEN_REPORT) && o->format == E2E_FORMAT_MARKDOWN)
		active |= E2E_WHEN_MARKDOWN;
	if ((active & E2E_WHEN_MARKDOWN) && o->compact)
		active |= E2E_WHEN_COMPACT;
	if (e2e_cli_concat(e2e_common_options, spec->common_at, spec->options, &all) < 0)
		return; /* a mistake in the tables: e2e_cmd_parse() reported it */
	for (const struct e2e_option *opt = all; opt->type; opt++, i++) {
		struct e2e_buf why = E2E_BUF_INIT;

		if (!(o->given & (UINT64_C(1) << i)) || !opt->applies || (opt->applies & active))
			continue;
		no_effect_reason(opt->applies, mode, &why);
		e2e_cmd_fail(spec->name, "warning: '--%s' has no effect %s", opt->long_name, why.data);
		e2e_buf_finish(&why);
	}
	free(all);
}

int e2e_cmd_stop(const struct e2e_cmd_spec *spec, int rc)
{
	struct e2e_option *all = NULL;
	struct e2e_buf b = E2E_BUF_INIT;

	if (rc == 0)
		rc = e2e_cli_concat(e2e_common_options, spec->common_at, spec->options, &all);
	if (rc < 0) {
		e2e_cmd_fail(spec->name, "%s", e2e_error_message());
		if (rc == E2E_ERR_INPUT)
			fprintf(stderr, "Try 'e2e %s --help' for more information.\n", spec->name);
		return e2e_error_exit(rc);
	}
	e2e_cli_help(&b, spec->usage, spec->summary, all);
	fputs(b.data, stdout);
	e2e_buf_finish(&b);
	free(all);
	return E2E_EXIT_OK;
}

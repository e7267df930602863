#include "cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "parse.h"
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

static int need_text(const char *opt, const char *value)
{
	if (!value[0])
		return e2e_error(E2E_ERR_INPUT, "option '--%s' needs a non-empty value", opt);
	return 0;
}

int e2e_common_opt(struct e2e_common_opts *o, int id, const char *value)
{
	switch (id) {
	case E2E_OPT_SERVICE:
		o->service = value;
		return need_text("service", value);
	case E2E_OPT_OUTPUT:
		o->output_dir = value;
		return need_text("output", value);
	case E2E_OPT_DB:
		o->db = value;
		return need_text("db", value);
	case E2E_OPT_FORMAT:
		return e2e_format_parse(value, &o->format);
	case E2E_OPT_OUT:
		o->out = value;
		return need_text("out", value);
	case E2E_OPT_ERRORS:
		if (strcmp(value, "5xx") == 0)
			o->count_4xx = false;
		else if (strcmp(value, "4xx") == 0)
			o->count_4xx = true;
		else
			return e2e_error(E2E_ERR_INPUT, "option '--errors': '%s' is not one of 5xx, 4xx",
					 value);
		return 0;
	case E2E_OPT_ROUTES:
		o->routes = value;
		return need_text("routes", value);
	case E2E_OPT_THRESHOLD:
		if (!e2e_parse_double(value, 0.000001, 100000, true, &o->threshold_pct))
			return e2e_error(E2E_ERR_INPUT,
					 "option '--threshold': '%s' is not a percentage above 0", value);
		return 0;
	case E2E_OPT_MIN_DELTA:
		if (!e2e_parse_double(value, 0, 3600000, false, &o->min_delta_ms))
			return e2e_error(E2E_ERR_INPUT,
					 "option '--min-delta-ms': '%s' is not a number of milliseconds",
					 value);
		return 0;
	case E2E_OPT_FAIL_ON:
		return e2e_fail_on_parse(value, &o->fail_on);
	case E2E_OPT_COMPARE:
		o->compare_baseline = true;
		return 0;
	case E2E_OPT_SET_BASELINE:
		o->set_baseline = true;
		return 0;
	case E2E_OPT_BASELINE_DIR:
		o->baseline_dir = value;
		return need_text("baseline-dir", value);
	case E2E_OPT_BASELINE:
		o->baseline = value;
		return need_text("baseline", value);
	case E2E_OPT_RULES:
		o->rules = value;
		return need_text("rules", value);
	case E2E_OPT_QUIET:
		o->quiet = true;
		return 0;
	default:
		return 1;
	}
}

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

void e2e_cmd_usage_hint(const char *cmd)
{
	fprintf(stderr, "Try 'e2e %s --help' for more information.\n", cmd);
}

#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "banned.h"

static const struct e2e_option *find_long(const struct e2e_option *opts, const char *name, size_t len)
{
	for (; opts->id; opts++)
		if (strlen(opts->long_name) == len && strncmp(opts->long_name, name, len) == 0)
			return opts;
	return NULL;
}

static const struct e2e_option *find_short(const struct e2e_option *opts, char c)
{
	for (; opts->id; opts++)
		if (opts->short_name && opts->short_name == c)
			return opts;
	return NULL;
}

static int parse_long(const struct e2e_option *opts, int argc, char **argv, int *i, e2e_option_fn fn,
		      void *ctx)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct e2e_option *o = find_long(opts, name, len);
	const char *value = NULL;

	if (!o)
		return e2e_error(E2E_ERR_INPUT, "unknown option '--%.*s'", (int)len, name);
	if (o->arg) {
		if (eq)
			value = eq + 1;
		else if (*i + 1 < argc)
			value = argv[++*i];
		else
			return e2e_error(E2E_ERR_INPUT, "option '--%s' needs a value (%s)", o->long_name,
					 o->arg);
	} else if (eq) {
		return e2e_error(E2E_ERR_INPUT, "option '--%s' takes no value", o->long_name);
	}
	return fn(ctx, o->id, value);
}

static int parse_short(const struct e2e_option *opts, int argc, char **argv, int *i, e2e_option_fn fn,
		       void *ctx)
{
	const char *p = argv[*i] + 1;

	for (; *p; p++) {
		const struct e2e_option *o = find_short(opts, *p);
		int rc;

		if (!o)
			return e2e_error(E2E_ERR_INPUT, "unknown option '-%c'", *p);
		if (!o->arg) {
			rc = fn(ctx, o->id, NULL);
			if (rc < 0)
				return rc;
			continue;
		}
		if (p[1])
			return fn(ctx, o->id, p + 1);
		if (*i + 1 >= argc)
			return e2e_error(E2E_ERR_INPUT, "option '-%c' needs a value (%s)", *p, o->arg);
		return fn(ctx, o->id, argv[++*i]);
	}
	return 0;
}

int e2e_cli_parse(const struct e2e_option *opts, int argc, char **argv, e2e_option_fn fn, void *ctx,
		  int *rest)
{
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			if (!rest)
				return e2e_error(E2E_ERR_INPUT, "unexpected '--'");
			*rest = i + 1;
			return 0;
		}
		if (a[0] == '-' && a[1] == '-')
			rc = parse_long(opts, argc, argv, &i, fn, ctx);
		else if (a[0] == '-' && a[1])
			rc = parse_short(opts, argc, argv, &i, fn, ctx);
		else
			rc = e2e_error(E2E_ERR_INPUT, "unexpected argument '%s'%s", a,
				       rest ? " (put the command to run after '--')" : "");
		if (rc < 0)
			return rc;
	}
	if (rest)
		*rest = argc;
	return 0;
}

void e2e_cli_help(struct e2e_buf *out, const char *usage, const char *summary, const struct e2e_option *opts)
{
	const struct e2e_option *o;
	int width = 0;

	e2e_buf_printf(out, "usage: %s\n\n%s\n\noptions:\n", usage, summary);
	for (o = opts; o->id; o++) {
		int w = (int)strlen(o->long_name) + (o->arg ? (int)strlen(o->arg) + 1 : 0);
		if (w > width)
			width = w;
	}
	for (o = opts; o->id; o++) {
		char left[128];
		if (o->short_name)
			e2e_buf_printf(out, "  -%c, ", o->short_name);
		else
			e2e_buf_puts(out, "      ");
		snprintf(left, sizeof(left), "%s%s%s", o->long_name, o->arg ? " " : "", o->arg ? o->arg : "");
		e2e_buf_printf(out, "--%-*s  %s\n", width, left, o->help);
	}
}

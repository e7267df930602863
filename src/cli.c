#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "parse.h"
#include "redact.h"
#include "banned.h"

/* Entries that are options (not OWN or REWORD markers). */
static bool is_option(const struct e2e_option *o)
{
	return o->type != E2E_OPTION_OWN && o->type != E2E_OPTION_REWORD;
}

static bool takes_value(const struct e2e_option *o)
{
	return o->type != E2E_OPTION_FLAG && o->type != E2E_OPTION_COUNT;
}

static const struct e2e_option *find_long(const struct e2e_option *opts, const char *name, size_t len)
{
	for (; opts->type; opts++)
		if (is_option(opts) && strlen(opts->long_name) == len &&
		    strncmp(opts->long_name, name, len) == 0)
			return opts;
	return NULL;
}

static const struct e2e_option *find_short(const struct e2e_option *opts, char c)
{
	for (; opts->type; opts++)
		if (is_option(opts) && opts->short_name && opts->short_name == c)
			return opts;
	return NULL;
}

static size_t count(const struct e2e_option *opts)
{
	size_t n = 0;

	while (opts[n].type)
		n++;
	return n;
}

/* Mistakes in the tables: names declared twice, metavariables on flags or
 * missing on options that take a value. */
static int check_table(const struct e2e_option *opts, size_t n)
{
	if (n > E2E_CLI_OPTIONS_MAX)
		return e2e_error(E2E_ERR_RUNTIME, "more than %d options in a table", E2E_CLI_OPTIONS_MAX);
	for (size_t i = 0; i < n; i++) {
		if (takes_value(&opts[i]) != (opts[i].arg != NULL))
			return e2e_error(E2E_ERR_RUNTIME, "option '--%s': %s", opts[i].long_name,
					 opts[i].arg ? "a flag has no metavariable" : "no metavariable");
		for (size_t j = 0; j < i; j++) {
			if (strcmp(opts[i].long_name, opts[j].long_name) == 0)
				return e2e_error(E2E_ERR_RUNTIME, "option '--%s' is declared twice",
						 opts[i].long_name);
			if (opts[i].short_name && opts[i].short_name == opts[j].short_name)
				return e2e_error(E2E_ERR_RUNTIME, "option '-%c' is declared twice",
						 opts[i].short_name);
		}
	}
	return 0;
}

static void append_own(struct e2e_option *out, size_t *n, const struct e2e_option *own)
{
	for (; own->type; own++)
		if (is_option(own))
			out[(*n)++] = *own;
}

int e2e_cli_concat(const struct e2e_option *shared, size_t base, const struct e2e_option *own,
		   struct e2e_option **out)
{
	struct e2e_option *all = e2e_xcalloc(count(shared) + count(own) + 1, sizeof(*all));
	bool placed = false;
	size_t n = 0;
	int rc;

	for (; shared->type; shared++) {
		if (shared->type == E2E_OPTION_OWN) {
			append_own(all, &n, own);
			placed = true;
		}
		if (!is_option(shared))
			continue;
		all[n] = *shared;
		all[n].offset += base;
		if (all[n].seen)
			all[n].seen += base;
		n++;
	}
	if (!placed)
		append_own(all, &n, own);
	rc = check_table(all, n);
	for (; rc == 0 && own->type; own++) {
		size_t i = 0;

		if (own->type != E2E_OPTION_REWORD)
			continue;
		while (i < n && strcmp(all[i].long_name, own->long_name) != 0)
			i++;
		if (i == n)
			rc = e2e_error(E2E_ERR_RUNTIME, "reworded option '--%s' is not shared",
				       own->long_name);
		else
			all[i].help = own->help;
	}
	if (rc < 0) {
		free(all);
		return rc;
	}
	*out = all;
	return 0;
}

/* (a bad URL's password is not repeated on stderr) */
static int bad_value(const struct e2e_option *o, const char *v, const char *what)
{
	char *shown = e2e_redact_url(v);
	int rc = e2e_error(E2E_ERR_INPUT, "option '--%s': '%s' is not %s", o->long_name, shown, what);

	free(shown);
	return rc;
}

static int bad_name(const struct e2e_option *o, const char *v)
{
	struct e2e_buf b = E2E_BUF_INIT;
	int rc;

	for (const struct e2e_option_name *n = o->names; n->name; n++) {
		const struct e2e_option_name *m = o->names;

		while (m->value != n->value)
			m++;
		if (m == n) /* the first name of its value: not an alias */
			e2e_buf_printf(&b, "%s%s", b.len ? ", " : "", n->name);
	}
	rc = e2e_error(E2E_ERR_INPUT, "option '--%s': '%s' is not one of %s", o->long_name, v,
		       b.data ? b.data : "");
	e2e_buf_finish(&b);
	return rc;
}

static int set_name(const struct e2e_option *o, const char *v, void *t)
{
	for (const struct e2e_option_name *n = o->names; n->name; n++) {
		if (strcmp(n->name, v) != 0)
			continue;
		if (o->size == sizeof(bool)) {
			bool b = n->value != 0;
			memcpy(t, &b, sizeof(b));
		} else {
			memcpy(t, &n->value, sizeof(n->value));
		}
		return 0;
	}
	return bad_name(o, v);
}

/* One string value: "" and the entry's own check. */
static int check_text(const struct e2e_option *o, const char *v)
{
	if (!v[0] && (o->type == E2E_OPTION_TEXT || o->type == E2E_OPTION_FILE))
		return e2e_error(E2E_ERR_INPUT, "option '--%s' needs a non-empty value", o->long_name);
	if (o->valid && !o->valid(v))
		return bad_value(o, v, o->what ? o->what : "valid");
	return 0;
}

/* A number out of range: the entry's wording, else its range. */
static int bad_number(const struct e2e_option *o, const char *v)
{
	char range[96];

	if (o->what)
		return bad_value(o, v, o->what);
	if (o->type == E2E_OPTION_DURATION)
		return bad_value(o, v, "a duration");
	if (o->type == E2E_OPTION_DOUBLE)
		snprintf(range, sizeof(range), "a number from %g to %g", o->dmin, o->dmax);
	else
		snprintf(range, sizeof(range), "a number from %" PRIu64 " to %" PRIu64, o->umin, o->umax);
	return bad_value(o, v, range);
}

/* Writes what option o with value v (NULL for flags) means into the
 * struct at base, or returns E2E_ERR_INPUT if v does not pass its checks. */
static int apply(const struct e2e_option *o, const char *v, char *base)
{
	void *t = base + o->offset;
	struct e2e_cli_list *l = t;
	bool yes = true;
	uint64_t u;
	double d;
	int n, rc;

	switch (o->type) {
	case E2E_OPTION_FLAG:
		memcpy(t, &yes, sizeof(yes));
		break;
	case E2E_OPTION_COUNT:
		memcpy(&n, t, sizeof(n));
		n++;
		memcpy(t, &n, sizeof(n));
		break;
	case E2E_OPTION_STRING:
	case E2E_OPTION_TEXT:
	case E2E_OPTION_FILE:
		rc = check_text(o, v);
		if (rc < 0)
			return rc;
		memcpy(t, &v, sizeof(v));
		break;
	case E2E_OPTION_LIST:
		rc = check_text(o, v);
		if (rc < 0)
			return rc;
		if (l->n == E2E_CLI_LIST_MAX)
			return e2e_error(E2E_ERR_INPUT, "option '--%s': at most %d values", o->long_name,
					 E2E_CLI_LIST_MAX);
		l->v[l->n++] = v;
		break;
	case E2E_OPTION_UINT:
		if (!e2e_parse_u64(v, o->umin, o->umax, &u))
			return bad_number(o, v);
		memcpy(t, &u, sizeof(u));
		break;
	case E2E_OPTION_DURATION:
		if (!e2e_parse_duration(v, &u) || u < o->umin || u > o->umax)
			return bad_number(o, v);
		memcpy(t, &u, sizeof(u));
		break;
	case E2E_OPTION_DOUBLE:
		if (!e2e_parse_double(v, o->dmin, o->dmax, o->unit, &d))
			return bad_number(o, v);
		memcpy(t, &d, sizeof(d));
		break;
	case E2E_OPTION_ENUM:
		rc = set_name(o, v, t);
		if (rc < 0)
			return rc;
		break;
	case E2E_OPTION_CUSTOM:
		if (!o->parse(v, t))
			return bad_value(o, v, o->what ? o->what : "valid");
		break;
	default:
		return e2e_error(E2E_ERR_RUNTIME, "option '--%s' has no type", o->long_name);
	}
	if (o->seen)
		memcpy(base + o->seen - 1, &yes, sizeof(yes));
	return 0;
}

/* The bit of o among the options of opts in e2e_cli_parse_given()'s mask. */
static void mark(const struct e2e_option *opts, const struct e2e_option *o, uint64_t *given)
{
	size_t i = 0;

	for (; opts != o; opts++)
		i += is_option(opts);
	if (i < E2E_CLI_OPTIONS_MAX)
		*given |= UINT64_C(1) << i;
}

static int parse_long(const struct e2e_option *opts, int argc, char **argv, int *i, char *base,
		      uint64_t *given)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct e2e_option *o = find_long(opts, name, len);
	const char *value = NULL;

	if (!o)
		return e2e_error(E2E_ERR_INPUT, "unknown option '--%.*s'", (int)len, name);
	mark(opts, o, given);
	if (takes_value(o)) {
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
	return apply(o, value, base);
}

static int parse_short(const struct e2e_option *opts, int argc, char **argv, int *i, char *base,
		       uint64_t *given)
{
	const char *p = argv[*i] + 1;

	for (; *p; p++) {
		const struct e2e_option *o = find_short(opts, *p);
		int rc;

		if (!o)
			return e2e_error(E2E_ERR_INPUT, "unknown option '-%c'", *p);
		mark(opts, o, given);
		if (!takes_value(o)) {
			rc = apply(o, NULL, base);
			if (rc < 0)
				return rc;
			continue;
		}
		if (p[1])
			return apply(o, p + 1, base);
		if (*i + 1 >= argc)
			return e2e_error(E2E_ERR_INPUT, "option '-%c' needs a value (%s)", *p, o->arg);
		return apply(o, argv[++*i], base);
	}
	return 0;
}

int e2e_cli_parse(const struct e2e_option *opts, int argc, char **argv, void *target, int *rest)
{
	uint64_t given = 0;

	return e2e_cli_parse_given(opts, argc, argv, target, rest, &given);
}

int e2e_cli_parse_given(const struct e2e_option *opts, int argc, char **argv, void *target, int *rest,
			uint64_t *given)
{
	int i, rc;

	*given = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			if (!rest)
				return e2e_error(E2E_ERR_INPUT, "unexpected '--'");
			*rest = i + 1;
			return 0;
		}
		if (a[0] == '-' && a[1] == '-')
			rc = parse_long(opts, argc, argv, &i, target, given);
		else if (a[0] == '-' && a[1])
			rc = parse_short(opts, argc, argv, &i, target, given);
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
	for (o = opts; o->type; o++) {
		int w;

		if (!is_option(o))
			continue;
		w = (int)strlen(o->long_name) + (o->arg ? (int)strlen(o->arg) + 1 : 0);
		if (w > width)
			width = w;
	}
	for (o = opts; o->type; o++) {
		char left[128];

		if (!is_option(o))
			continue;
		if (o->short_name)
			e2e_buf_printf(out, "  -%c, ", o->short_name);
		else
			e2e_buf_puts(out, "      ");
		snprintf(left, sizeof(left), "%s%s%s", o->long_name, o->arg ? " " : "", o->arg ? o->arg : "");
		e2e_buf_printf(out, "--%-*s  %s\n", width, left, o->help);
	}
}

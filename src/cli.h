/* cli.h - table-driven option parsing and --help text for the commands.
 * The parser never prints and never exits. */
#ifndef E2E_CLI_H
#define E2E_CLI_H

#include "buf.h"

struct e2e_option {
	int id; /* passed to the handler; 0 ends the table */
	char short_name; /* 0 if none */
	const char *long_name; /* without the leading "--" */
	const char *arg; /* metavariable such as "FILE"; NULL for flags */
	const char *help; /* one line */
};

/* Called once per option found; value is NULL for flags. Returns 0 or a
 * negative code with the message recorded by e2e_error(). */
typedef int (*e2e_option_fn)(void *ctx, int id, const char *value);

/* Parses argv[1..argc-1] (argv[0] is the command name). Options and
 * operands may be mixed until "--"; operands are not allowed unless
 * rest is non-NULL, in which case parsing stops at "--" and *rest gets the
 * index of the first argument after it (argc if there is no "--").
 * Accepts --name=value, --name value, -x value, -xvalue and bundled flags.
 * Returns 0, or E2E_ERR_INPUT with a message naming the option. */
int e2e_cli_parse(const struct e2e_option *opts, int argc, char **argv, e2e_option_fn fn, void *ctx,
		  int *rest);

/* Appends "usage: ...\n\n" + summary + an aligned option list to out. */
void e2e_cli_help(struct e2e_buf *out, const char *usage, const char *summary, const struct e2e_option *opts);

#endif

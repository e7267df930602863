/* cli.h - typed option tables: argv parsed into a command's options struct
 * and the --help text, both from one declaration per option.
 *
 * An entry names its target by offset in the struct the command parses
 * into and carries its checks (non-empty, range, names, a value parser),
 * so a command declares them instead of writing them. A table shared by
 * several commands is joined to each command's own with e2e_cli_concat()
 * (git's parse_options_concat). The parser never prints and never exits. */
#ifndef E2E_CLI_H
#define E2E_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum e2e_option_type {
	E2E_OPTION_END = 0, /* ends a table */
	E2E_OPTION_FLAG, /* bool, set to true */
	E2E_OPTION_COUNT, /* int, one more each time it is given */
	E2E_OPTION_STRING, /* const char *, any value ("" included) */
	E2E_OPTION_TEXT, /* const char *, not "" */
	E2E_OPTION_FILE, /* const char *, a file or directory path, not "" */
	E2E_OPTION_LIST, /* struct e2e_cli_list, one value per time given */
	E2E_OPTION_UINT, /* uint64_t in [umin, umax] */
	E2E_OPTION_DOUBLE, /* finite double in [dmin, dmax], unit suffix allowed */
	E2E_OPTION_DURATION, /* uint64_t nanoseconds in [umin, umax] ("30s") */
	E2E_OPTION_ENUM, /* bool or int-sized (enum) value named in names */
	E2E_OPTION_CUSTOM, /* written by the entry's own value parser */
	E2E_OPTION_OWN, /* shared table: where a command's own options go */
	E2E_OPTION_REWORD, /* command table: another help text for a shared option */
};

/* ENUM entries: a name and its value; a table ends with a NULL name. A name
 * whose value an earlier name has is an alias: accepted, not listed. */
struct e2e_option_name {
	const char *name;
	int value;
};

/* Values of a LIST option in the order given; they point into argv. */
#define E2E_CLI_LIST_MAX 32
struct e2e_cli_list {
	const char *v[E2E_CLI_LIST_MAX];
	size_t n;
};

struct e2e_option {
	enum e2e_option_type type;
	char short_name; /* 0 if none */
	const char *long_name; /* without the leading "--" */
	const char *arg; /* metavariable such as "FILE"; NULL for flags */
	const char *help; /* one line */
	size_t offset; /* of the target in the struct parsed into */
	size_t size; /* of the target */
	/* checks, by type */
	uint64_t umin, umax; /* UINT, DURATION: inclusive range */
	double dmin, dmax; /* DOUBLE: inclusive range */
	const char *unit; /* DOUBLE: a suffix the value may end in ("%") */
	const struct e2e_option_name *names; /* ENUM */
	/* STRING, TEXT, FILE, LIST: what a value must also pass (NULL: any). */
	bool (*valid)(const char *s);
	/* CUSTOM: parses s into the target; false (target untouched) if bad. */
	bool (*parse)(const char *s, void *target);
	/* Completes "'V' is not WHAT" for a value out of range or failing
	 * valid or parse: "a number of days". Defaults: "a number from MIN to
	 * MAX", "a duration", "valid". */
	const char *what;
	size_t seen; /* 1 + offset of a bool set when given (E2E_OPT_SEEN); 0: none */
	/* The modes the option has an effect in, as the command defines them
	 * (cmd.h's E2E_WHEN_*): a given option none of whose modes is on is
	 * warned about. 0: it always has an effect. */
	unsigned applies;
};

/* Compile-time checks of a target's type (C11 _Generic: a field of another
 * type has no association and does not compile). */
#define E2E_OPT__AT(T, f, t) (offsetof(T, f) + 0 * _Generic(((T *)0)->f, t : 1))
#define E2E_OPT__ENTRY(ty, s, l, T, f, a, h, t)                                                              \
	.type = (ty), .short_name = (s), .long_name = (l), .arg = (a), .help = (h),                          \
	.offset = E2E_OPT__AT(T, f, t), .size = sizeof(((T *)0)->f)

/* Entries, as the members of one braced initializer so that the optional
 * fields can follow: { E2E_OPT_TEXT(...), .valid = ok, .what = "..." }.
 * s is the short name (0: none), l the long name, T the struct parsed into
 * and f the target field in it, a the metavariable, h the help line. */
#define E2E_OPT_FLAG(s, l, T, f, h) E2E_OPT__ENTRY(E2E_OPTION_FLAG, s, l, T, f, NULL, h, bool)
#define E2E_OPT_COUNT(s, l, T, f, h) E2E_OPT__ENTRY(E2E_OPTION_COUNT, s, l, T, f, NULL, h, int)
#define E2E_OPT_STRING(s, l, T, f, a, h) E2E_OPT__ENTRY(E2E_OPTION_STRING, s, l, T, f, a, h, const char *)
#define E2E_OPT_TEXT(s, l, T, f, a, h) E2E_OPT__ENTRY(E2E_OPTION_TEXT, s, l, T, f, a, h, const char *)
#define E2E_OPT_FILE(s, l, T, f, a, h) E2E_OPT__ENTRY(E2E_OPTION_FILE, s, l, T, f, a, h, const char *)
#define E2E_OPT_LIST(s, l, T, f, a, h) E2E_OPT__ENTRY(E2E_OPTION_LIST, s, l, T, f, a, h, struct e2e_cli_list)
#define E2E_OPT_UINT(s, l, T, f, a, h, min, max)                                                             \
	E2E_OPT__ENTRY(E2E_OPTION_UINT, s, l, T, f, a, h, uint64_t), .umin = (min), .umax = (max)
#define E2E_OPT_DOUBLE(s, l, T, f, a, h, min, max)                                                           \
	E2E_OPT__ENTRY(E2E_OPTION_DOUBLE, s, l, T, f, a, h, double), .dmin = (min), .dmax = (max)
#define E2E_OPT_DURATION(s, l, T, f, a, h, min, max)                                                         \
	E2E_OPT__ENTRY(E2E_OPTION_DURATION, s, l, T, f, a, h, uint64_t), .umin = (min), .umax = (max)
/* The target is a bool, or an int or enum of the size of an int. */
#define E2E_OPT__ENUM_OK(T, f)                                                                               \
	_Generic(((T *)0)->f, bool : 1, default : sizeof(((T *)0)->f) == sizeof(int) ? 1 : -1)
#define E2E_OPT_ENUM(s, l, T, f, a, h, n)                                                                    \
	.type = E2E_OPTION_ENUM, .short_name = (s), .long_name = (l), .arg = (a), .help = (h),               \
	.offset = offsetof(T, f) + 0 * sizeof(char[E2E_OPT__ENUM_OK(T, f)]), .size = sizeof(((T *)0)->f),    \
	.names = (n)
#define E2E_OPT_CUSTOM(s, l, T, f, a, h, fn, w)                                                              \
	.type = E2E_OPTION_CUSTOM, .short_name = (s), .long_name = (l), .arg = (a), .help = (h),             \
	.offset = offsetof(T, f), .size = sizeof(((T *)0)->f), .parse = (fn), .what = (w)
/* Optional field: the modes the option has an effect in. */
#define E2E_OPT_APPLIES(m) .applies = (m)
/* Optional field: a bool of T set to true when the option is given. */
#define E2E_OPT_SEEN(T, f) .seen = 1 + E2E_OPT__AT(T, f, bool)
/* In a shared table: the place of the command's own options. */
#define E2E_OPT_OWN() .type = E2E_OPTION_OWN
/* In a command's table: help h for the shared option l there. */
#define E2E_OPT_REWORD(l, h) .type = E2E_OPTION_REWORD, .long_name = (l), .help = (h)
#define E2E_OPT_END() .type = E2E_OPTION_END

/* Joins a shared table to a command's own one: shared's entries, with own's
 * at shared's E2E_OPT_OWN() place (at the end if it has none); shared's
 * targets lie at offset base of the struct own's do (where the shared
 * options struct is in the command's). An E2E_OPT_REWORD() entry of own
 * replaces the help of the shared option of that name. Returns 0 and the
 * table in *out (caller frees), or E2E_ERR_RUNTIME if a name is declared
 * twice or a reworded option is not shared (a mistake in the tables). */
int e2e_cli_concat(const struct e2e_option *shared, size_t base, const struct e2e_option *own,
		   struct e2e_option **out);

/* Parses argv[1..argc-1] (argv[0] is the command name) into the struct at
 * target, checking each value as its entry declares. Options and operands
 * may be mixed until "--"; operands are not allowed unless rest is
 * non-NULL, in which case parsing stops at "--" and *rest gets the index of
 * the first argument after it (argc if there is no "--"). Accepts
 * --name=value, --name value, -x value, -xvalue and bundled flags. Returns
 * 0, or E2E_ERR_INPUT with a one-line message naming the option (by its
 * long name) and the value. */
int e2e_cli_parse(const struct e2e_option *opts, int argc, char **argv, void *target, int *rest);

/* A table holds at most this many options (so that *given below fits). */
#define E2E_CLI_OPTIONS_MAX 64
/* e2e_cli_parse(), and *given gets bit i set for each option given, i its
 * index among the options of opts (markers not counted). */
int e2e_cli_parse_given(const struct e2e_option *opts, int argc, char **argv, void *target, int *rest,
			uint64_t *given);

/* Appends "usage: ...\n\n" + summary + an aligned option list to out. */
void e2e_cli_help(struct e2e_buf *out, const char *usage, const char *summary, const struct e2e_option *opts);

#endif

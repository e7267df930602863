/* rules.h - the rules file (--rules FILE): per-endpoint absolute limits,
 * per-endpoint regression thresholds and ignore patterns. The format is
 * documented in e2e-rules(5). Reading is the only I/O; matching is pure. */
#ifndef E2E_RULES_H
#define E2E_RULES_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "severity.h"

#define E2E_RULES_SCHEMA_VERSION 1

/* A pattern on an endpoint key ("GET /users/{id}"): a glob ('*' any run of
 * characters but '/', '**' any run, '?' one character but '/', everything
 * else literal; a glob starting with '/' matches the path part under any
 * method), or with the prefix "re:" a POSIX extended regex searched in the
 * whole key. */
struct e2e_pattern {
	char *text; /* as written, prefix included */
	bool is_regex;
	regex_t re; /* when is_regex */
};

/* What a rule limits. The limit is unset when NAN. */
enum e2e_rule_limit {
	E2E_LIMIT_AVG = 0, /* max_avg_ms */
	E2E_LIMIT_P50, /* max_p50_ms */
	E2E_LIMIT_P95, /* max_p95_ms */
	E2E_LIMIT_P99, /* max_p99_ms */
	E2E_LIMIT_ERROR_RATE, /* max_error_rate, a fraction 0..1 */
	E2E_LIMIT__COUNT
};

struct e2e_rule {
	size_t index; /* 1-based position in the file, for messages */
	struct e2e_pattern *match; /* one or more */
	size_t nmatch;
	double limit[E2E_LIMIT__COUNT]; /* NAN = unset */
	double regression_pct; /* NAN = unset: -t applies */
	enum e2e_severity severity; /* of a breach; default critical */
};

struct e2e_rules {
	char *name; /* the file, for messages */
	struct e2e_rule *rules;
	size_t nrules;
	struct e2e_pattern *ignore;
	size_t nignore;
};

/* "max_avg_ms", ..., "max_error_rate". */
const char *e2e_rule_limit_name(enum e2e_rule_limit l);

/* Parses and validates rules text; name (the file) appears in messages.
 * E2E_ERR_INPUT naming the file and the JSON path of the bad field
 * (unknown fields are errors: a misspelt limit must not pass silently).
 * Caller destroys. */
int e2e_rules_parse(const char *text, size_t len, const char *name, struct e2e_rules **out);
/* Reads and parses a rules file (E2E_ERR_INPUT when unreadable). */
int e2e_rules_read(const char *path, struct e2e_rules **out);
void e2e_rules_destroy(struct e2e_rules *r);

/* Glob matching as described above, on the whole key. */
bool e2e_rules_glob(const char *glob, const char *key);
bool e2e_pattern_matches(const struct e2e_pattern *p, const char *key);
/* Does any pattern of the rule match? */
bool e2e_rule_matches(const struct e2e_rule *rule, const char *key);
/* Is the endpoint ignored? (r may be NULL) */
bool e2e_rules_ignored(const struct e2e_rules *r, const char *key);
/* The regression threshold for key: the first matching rule that sets
 * regression_pct, else dflt. (r may be NULL) */
double e2e_rules_threshold(const struct e2e_rules *r, const char *key, double dflt);

/* Every pattern of every rule must match at least one of keys[0..n-1]:
 * E2E_ERR_INPUT naming the file, the rule and the pattern otherwise. */
int e2e_rules_check_coverage(const struct e2e_rules *r, const char *const *keys, size_t n);

#endif

/* rules.c - the rules file: parsing (jansson), validation, matching. */
#include "rules.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "banned.h"

static const char *const limit_names[E2E_LIMIT__COUNT] = {
	"max_avg_ms", "max_p50_ms", "max_p95_ms", "max_p99_ms", "max_error_rate",
};

const char *e2e_rule_limit_name(enum e2e_rule_limit l)
{
	return (unsigned)l < E2E_LIMIT__COUNT ? limit_names[l] : "unknown";
}

/* '*' and '?' stop at '/', '**' does not. The set of key positions the
 * glob can have reached is carried token by token: O(glob x key), no
 * backtracking blow-up whatever the pattern. */
static bool glob_at(const char *g, const char *s)
{
	size_t n = strlen(s);
	bool *cur = e2e_xcalloc(n + 1, sizeof(*cur)), *next = e2e_xcalloc(n + 1, sizeof(*next)), *tmp, ok;

	cur[0] = true;
	while (*g) {
		bool run = false;

		if (g[0] == '*' && g[1] == '*') {
			while (*g == '*')
				g++;
			for (size_t j = 0; j <= n; j++)
				next[j] = run = run || cur[j];
		} else if (*g == '*') {
			g++;
			for (size_t j = 0; j <= n; j++) {
				run = run || cur[j];
				next[j] = run;
				if (j < n && s[j] == '/')
					run = false;
			}
		} else {
			next[0] = false;
			for (size_t j = 0; j < n; j++)
				next[j + 1] = cur[j] && (*g == '?' ? s[j] != '/' : s[j] == *g);
			g++;
		}
		tmp = cur;
		cur = next;
		next = tmp;
	}
	ok = cur[n];
	free(cur);
	free(next);
	return ok;
}

bool e2e_rules_glob(const char *glob, const char *key)
{
	if (glob[0] == '/') {
		const char *sp = strchr(key, ' ');

		return glob_at(glob, sp ? sp + 1 : key);
	}
	return glob_at(glob, key);
}

bool e2e_pattern_matches(const struct e2e_pattern *p, const char *key)
{
	if (p->is_regex)
		return regexec(&p->re, key, 0, NULL, 0) == 0;
	return e2e_rules_glob(p->text, key);
}

bool e2e_rule_matches(const struct e2e_rule *rule, const char *key)
{
	for (size_t i = 0; i < rule->nmatch; i++)
		if (e2e_pattern_matches(&rule->match[i], key))
			return true;
	return false;
}

bool e2e_rules_ignored(const struct e2e_rules *r, const char *key)
{
	if (!r)
		return false;
	for (size_t i = 0; i < r->nignore; i++)
		if (e2e_pattern_matches(&r->ignore[i], key))
			return true;
	return false;
}

double e2e_rules_threshold(const struct e2e_rules *r, const char *key, double dflt)
{
	if (!r)
		return dflt;
	for (size_t i = 0; i < r->nrules; i++)
		if (!isnan(r->rules[i].regression_pct) && e2e_rule_matches(&r->rules[i], key))
			return r->rules[i].regression_pct;
	return dflt;
}

int e2e_rules_check_coverage(const struct e2e_rules *r, const char *const *keys, size_t n)
{
	if (!r)
		return 0;
	for (size_t i = 0; i < r->nrules; i++) {
		const struct e2e_rule *rule = &r->rules[i];

		for (size_t j = 0; j < rule->nmatch; j++) {
			size_t k = 0;

			while (k < n && !e2e_pattern_matches(&rule->match[j], keys[k]))
				k++;
			if (k == n)
				return e2e_error(
					E2E_ERR_INPUT,
					"'%s': rules[%zu]: pattern '%s' matches no recorded endpoint",
					r->name, rule->index - 1, rule->match[j].text);
		}
	}
	return 0;
}

static void pattern_finish(struct e2e_pattern *p)
{
	if (p->is_regex)
		regfree(&p->re);
	free(p->text);
}

void e2e_rules_destroy(struct e2e_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrules; i++) {
		for (size_t j = 0; j < r->rules[i].nmatch; j++)
			pattern_finish(&r->rules[i].match[j]);
		free(r->rules[i].match);
	}
	free(r->rules);
	for (size_t i = 0; i < r->nignore; i++)
		pattern_finish(&r->ignore[i]);
	free(r->ignore);
	free(r->name);
	free(r);
}

/* glibc's regcomp takes exponential time or memory on some short regexes,
 * and its regexec exponential time on back-references (a GNU extension
 * that POSIX extended regexes do not have: "^(.*)(.*)(.*)\3\2\1$" on a
 * key of a few hundred characters runs for minutes), so these are refused
 * before glibc sees them: a back-reference, a repetition of something
 * that can match the empty string ("(a?|b*)+" twenty times in a row takes
 * seconds, "((a?|b*)+){30}" minutes), a repetition of a repetition
 * ("a++++...", undefined in POSIX; each '+' doubles the compiled size),
 * and a regex larger than REGEX_MAX_SIZE items once regcomp has copied
 * each repeated part once per repetition ("((a{100}){100}){100}"). */
#define REGEX_MAX_SIZE 10000
#define COSTLY " (too costly to compile)"

/* An interval "{n}", "{n,}", "{n,m}" or "{,m}" at p: its bounds (hi is
 * lo + 1 for "{n,}": n copies and a starred one) and *end, its '}'. */
static bool regex_interval(const char *p, double *lo, double *hi, const char **end)
{
	const char *q = p + 1;
	char *e;

	*lo = 0;
	if (*q >= '0' && *q <= '9') {
		*lo = (double)strtoul(q, &e, 10);
		q = e;
	} else if (*q != ',') {
		return false;
	}
	*hi = *lo;
	if (*q == ',') {
		*hi = *lo + 1;
		if (*++q >= '0' && *q <= '9') {
			*hi = (double)strtoul(q, &e, 10);
			q = e;
		}
	}
	if (*q != '}')
		return false;
	*end = q;
	return true;
}

/* The end of the bracket expression at p ("[^]a[:alpha:]]"), or NULL. */
static const char *regex_bracket_end(const char *p)
{
	p += p[1] == '^' ? 2 : 1;
	if (*p == ']')
		p++;
	for (; *p && *p != ']'; p++) {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char close[3] = { p[1], ']', '\0' };

			if ((p = strstr(p + 2, close)) == NULL)
				return NULL;
			p++; /* the ']' of ":]" */
		}
	}
	return *p ? p : NULL;
}

/* What makes the regex too costly for glibc, or NULL. Per open group:
 * its size, whether an alternative already matched empty, whether the
 * items of the current alternative before the last all can; the last
 * item is pending until the next one starts. */
static const char *regex_problem(const char *re)
{
	struct {
		double size;
		bool nullable, alt_nullable;
	} lv[64];
	int depth = 0;
	double last = 0, lo = 0, hi = 0; /* last: size of the pending item, 0 if none */
	bool last_nullable = false, last_rep = false;

	lv[0].size = 0;
	lv[0].nullable = false;
	lv[0].alt_nullable = true;
	for (const char *p = re;; p++) {
		bool interval = *p == '{' && regex_interval(p, &lo, &hi, &p);
		bool rep = interval || *p == '*' || *p == '+' || *p == '?';

		if (rep && last > 0) {
			double copies = interval ? (hi > 1 ? hi : 1) : *p == '+' ? 2 : 1;

			if (last_rep)
				return "a repetition of a repetition" COSTLY;
			if (last_nullable && (*p == '*' || *p == '+' || (interval && hi > 1)))
				return "a repetition of something that can match the empty string" COSTLY;
			lv[depth].size += last * (copies - 1);
			last *= copies;
			last_nullable = last_nullable || *p == '*' || *p == '?' || (interval && lo == 0);
			last_rep = true;
			if (lv[depth].size > REGEX_MAX_SIZE)
				return "more than 10000 items once its repetitions are expanded" COSTLY;
			continue;
		}
		if (last > 0) /* the pending item is complete */
			lv[depth].alt_nullable = lv[depth].alt_nullable && last_nullable;
		last = 0;
		last_rep = false;
		if (!*p)
			return NULL;
		if (*p == '(') {
			if (++depth == 64)
				return "groups nested too deeply" COSTLY;
			lv[depth].size = 0;
			lv[depth].nullable = false;
			lv[depth].alt_nullable = true;
		} else if (*p == '|') {
			lv[depth].nullable = lv[depth].nullable || lv[depth].alt_nullable;
			lv[depth].alt_nullable = true;
		} else if (*p == ')' && depth > 0) {
			last_nullable = lv[depth].nullable || lv[depth].alt_nullable;
			last = lv[depth].size > 1 ? lv[depth].size : 1;
			depth--;
			lv[depth].size += last;
		} else {
			/* an anchor or a word boundary matches empty */
			last_nullable = *p == '^' || *p == '$';
			if (*p == '\\' && p[1] >= '1' && p[1] <= '9') {
				return "a back-reference (POSIX extended regexes have none; matching one "
				       "can take exponential time)";
			} else if (*p == '\\' && p[1]) {
				p++;
				last_nullable = strchr("bB<>`'", *p) != NULL;
			} else if (*p == '[' && (p = regex_bracket_end(p)) == NULL) {
				return NULL; /* unterminated: regcomp says so */
			}
			last = 1;
			lv[depth].size += 1;
		}
		if (lv[depth].size > REGEX_MAX_SIZE)
			return "more than 10000 items once its repetitions are expanded" COSTLY;
	}
}

/* Compiles one pattern; where is the JSON path for messages. */
static int pattern_init(struct e2e_pattern *p, const char *text, const char *name, const char *where)
{
	memset(p, 0, sizeof(*p));
	if (!text[0])
		return e2e_error(E2E_ERR_INPUT, "'%s': %s: empty pattern", name, where);
	if (strncmp(text, "re:", 3) == 0) {
		const char *problem;
		int rc;

		if ((problem = regex_problem(text + 3)) != NULL)
			return e2e_error(E2E_ERR_INPUT, "'%s': %s: bad regex '%s': %s", name, where, text + 3,
					 problem);
		rc = regcomp(&p->re, text + 3, REG_EXTENDED | REG_NOSUB);

		if (rc != 0) {
			char msg[128];

			regerror(rc, &p->re, msg, sizeof(msg));
			return e2e_error(E2E_ERR_INPUT, "'%s': %s: bad regex '%s': %s", name, where, text + 3,
					 msg);
		}
		p->is_regex = true;
	}
	p->text = e2e_xstrdup(text);
	return 0;
}

/* A pattern or an array of patterns at value. */
static int patterns_parse(json_t *v, const char *name, const char *where, struct e2e_pattern **out, size_t *n)
{
	size_t count = json_is_array(v) ? json_array_size(v) : 1;
	struct e2e_pattern *p;
	int rc = 0;

	if (!json_is_string(v) && !json_is_array(v))
		return e2e_error(E2E_ERR_INPUT, "'%s': %s: expected a pattern or an array of patterns", name,
				 where);
	if (count == 0)
		return e2e_error(E2E_ERR_INPUT, "'%s': %s: expected at least one pattern", name, where);
	p = e2e_xcalloc(count, sizeof(*p));
	for (size_t i = 0; i < count; i++) {
		json_t *item = json_is_array(v) ? json_array_get(v, i) : v;
		char at[256];

		if (json_is_array(v))
			snprintf(at, sizeof(at), "%s[%zu]", where, i);
		else
			snprintf(at, sizeof(at), "%s", where);
		if (!json_is_string(item)) {
			rc = e2e_error(E2E_ERR_INPUT, "'%s': %s: expected a string", name, at);
			count = i;
			break;
		}
		rc = pattern_init(&p[i], json_string_value(item), name, at);
		if (rc < 0) {
			count = i;
			break;
		}
	}
	if (rc < 0) {
		for (size_t i = 0; i < count; i++)
			pattern_finish(&p[i]);
		free(p);
		return rc;
	}
	*out = p;
	*n = count;
	return 0;
}

static int number_field(json_t *v, const char *name, const char *where, double lo, double hi, double *out)
{
	double d;

	if (!json_is_number(v))
		return e2e_error(E2E_ERR_INPUT, "'%s': %s: expected a number", name, where);
	d = json_number_value(v);
	if (!(d >= lo && d <= hi))
		return e2e_error(E2E_ERR_INPUT, "'%s': %s: %g is out of range (%g to %g)", name, where, d, lo,
				 hi);
	*out = d;
	return 0;
}

static int rule_parse(json_t *obj, size_t i, const char *name, struct e2e_rule *rule)
{
	const char *k;
	json_t *v;
	char where[128];
	bool any = false;

	rule->index = i + 1;
	rule->regression_pct = NAN;
	rule->severity = E2E_SEVERITY_CRITICAL;
	for (int l = 0; l < E2E_LIMIT__COUNT; l++)
		rule->limit[l] = NAN;
	if (!json_is_object(obj))
		return e2e_error(E2E_ERR_INPUT, "'%s': rules[%zu]: expected an object", name, i);
	json_object_foreach(obj, k, v)
	{
		int rc = 0, l;

		snprintf(where, sizeof(where), "rules[%zu].%s", i, k);
		for (l = 0; l < E2E_LIMIT__COUNT; l++)
			if (strcmp(k, limit_names[l]) == 0)
				break;
		if (strcmp(k, "match") == 0) {
			rc = patterns_parse(v, name, where, &rule->match, &rule->nmatch);
		} else if (l < E2E_LIMIT__COUNT) {
			rc = number_field(v, name, where, 0, l == E2E_LIMIT_ERROR_RATE ? 1 : 1e9,
					  &rule->limit[l]);
			any = true;
		} else if (strcmp(k, "regression_pct") == 0) {
			rc = number_field(v, name, where, 0.000001, 100000, &rule->regression_pct);
			any = true;
		} else if (strcmp(k, "severity") == 0) {
			const char *s = json_is_string(v) ? json_string_value(v) : "";

			if (strcmp(s, "warning") == 0)
				rule->severity = E2E_SEVERITY_WARNING;
			else if (strcmp(s, "critical") == 0)
				rule->severity = E2E_SEVERITY_CRITICAL;
			else
				rc = e2e_error(E2E_ERR_INPUT,
					       "'%s': %s: expected \"warning\" or \"critical\"", name, where);
		} else if (strcmp(k, "description") == 0) {
			if (!json_is_string(v))
				rc = e2e_error(E2E_ERR_INPUT, "'%s': %s: expected a string", name, where);
		} else {
			rc = e2e_error(E2E_ERR_INPUT, "'%s': %s: unknown field", name, where);
		}
		if (rc < 0)
			return rc;
	}
	if (!rule->nmatch)
		return e2e_error(E2E_ERR_INPUT, "'%s': rules[%zu].match: missing", name, i);
	if (!any)
		return e2e_error(E2E_ERR_INPUT, "'%s': rules[%zu]: sets no limit and no regression_pct", name,
				 i);
	return 0;
}

int e2e_rules_parse(const char *text, size_t len, const char *name, struct e2e_rules **out)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	struct e2e_rules *r = e2e_xcalloc(1, sizeof(*r));
	const char *k;
	json_t *v;
	int rc = 0;

	r->name = e2e_xstrdup(name);
	if (!root) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': not valid JSON: %s (line %d, column %d)", name,
			       jerr.text, jerr.line, jerr.column);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': expected a JSON object at the top", name);
		goto out;
	}
	json_object_foreach(root, k, v)
	{
		if (strcmp(k, "schema_version") == 0) {
			if (!json_is_integer(v)) {
				rc = e2e_error(E2E_ERR_INPUT, "'%s': schema_version: expected an integer",
					       name);
			} else if (json_integer_value(v) != E2E_RULES_SCHEMA_VERSION) {
				rc = e2e_error(E2E_ERR_INPUT,
					       "'%s': schema_version: %lld is not supported (expected %d)",
					       name, (long long)json_integer_value(v),
					       E2E_RULES_SCHEMA_VERSION);
			}
		} else if (strcmp(k, "rules") == 0) {
			if (!json_is_array(v)) {
				rc = e2e_error(E2E_ERR_INPUT, "'%s': rules: expected an array", name);
				goto out;
			}
			r->rules = e2e_xcalloc(json_array_size(v) + 1, sizeof(*r->rules));
			for (size_t i = 0; i < json_array_size(v) && rc == 0; i++) {
				rc = rule_parse(json_array_get(v, i), i, name, &r->rules[i]);
				r->nrules = i + 1;
			}
		} else if (strcmp(k, "ignore") == 0) {
			if (json_is_array(v) && json_array_size(v) == 0)
				continue;
			rc = patterns_parse(v, name, "ignore", &r->ignore, &r->nignore);
		} else if (strcmp(k, "description") == 0) {
			if (!json_is_string(v))
				rc = e2e_error(E2E_ERR_INPUT, "'%s': description: expected a string", name);
		} else {
			rc = e2e_error(E2E_ERR_INPUT, "'%s': %s: unknown field", name, k);
		}
		if (rc < 0)
			goto out;
	}
out:
	json_decref(root);
	if (rc < 0) {
		e2e_rules_destroy(r);
		return rc;
	}
	*out = r;
	return 0;
}

#define RULES_MAX_BYTES (4u << 20)

int e2e_rules_read(const char *path, struct e2e_rules **out)
{
	char *text = NULL;
	size_t len = 0;
	int rc = e2e_fsutil_read_file(path, "rules file", RULES_MAX_BYTES, &text, &len);

	if (rc == 0)
		rc = e2e_rules_parse(text, len, path, out);
	free(text);
	return rc;
}

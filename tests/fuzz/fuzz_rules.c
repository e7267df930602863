/* fuzz_rules.c - the rules file (rules.h) from memory.
 *
 * When the text parses: every rule has a 1-based index, at least one
 * pattern, limits unset (NAN) or within their documented ranges and a
 * known severity; then every pattern is matched against a few endpoint
 * keys and against its own text (a glob without wildcards matches itself,
 * one starting with '/' also under a method), and the lookups
 * (ignored, threshold, coverage) run over those keys. */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "rules.h"
#include "fuzz.h"

static const char *const fixed_keys[] = {
	"GET /",
	"GET /users/{id}",
	"POST /api/v1/orders/{uuid}/items",
	"DELETE /a/b/c/d/e/f/g/h",
	"get /healthz",
	"PUT /files/{token}.json",
};

#define NFIXED (sizeof(fixed_keys) / sizeof(fixed_keys[0]))
#define MAX_KEYS 64

static bool has_wildcard(const char *s)
{
	return strchr(s, '*') || strchr(s, '?');
}

static void check_rule(const struct e2e_rule *rule, size_t i)
{
	E2E_FUZZ_CHECK(rule->index == i + 1);
	E2E_FUZZ_CHECK(rule->nmatch > 0 && rule->match != NULL);
	for (int l = 0; l < E2E_LIMIT__COUNT; l++) {
		double v = rule->limit[l];

		E2E_FUZZ_CHECK(isnan(v) || (v >= 0 && v <= (l == E2E_LIMIT_ERROR_RATE ? 1 : 1e9)));
		E2E_FUZZ_CHECK(strcmp(e2e_rule_limit_name((enum e2e_rule_limit)l), "unknown") != 0);
	}
	E2E_FUZZ_CHECK(isnan(rule->regression_pct) ||
		       (rule->regression_pct > 0 && rule->regression_pct <= 100000));
	E2E_FUZZ_CHECK(rule->severity == E2E_SEVERITY_WARNING || rule->severity == E2E_SEVERITY_CRITICAL);
}

static void check_pattern(const struct e2e_pattern *p)
{
	E2E_FUZZ_CHECK(p->text && p->text[0]);
	E2E_FUZZ_CHECK(p->is_regex == (strncmp(p->text, "re:", 3) == 0));
	if (!p->is_regex && !has_wildcard(p->text)) {
		/* (a '/' glob is matched after the key's first space) */
		if (p->text[0] != '/' || !strchr(p->text, ' '))
			E2E_FUZZ_CHECK(e2e_pattern_matches(p, p->text));
		if (p->text[0] == '/') {
			struct e2e_buf k = E2E_BUF_INIT;

			e2e_buf_printf(&k, "GET %s", p->text);
			E2E_FUZZ_CHECK(e2e_pattern_matches(p, k.data));
			e2e_buf_finish(&k);
		}
	}
	for (size_t k = 0; k < NFIXED; k++) {
		bool a = e2e_pattern_matches(p, fixed_keys[k]);

		E2E_FUZZ_CHECK(a == e2e_pattern_matches(p, fixed_keys[k]));
	}
}

int e2e_fuzz_rules(const uint8_t *data, size_t size)
{
	struct e2e_rules *r = NULL;
	const char *keys[MAX_KEYS];
	size_t nkeys = 0;
	int rc;

	rc = e2e_rules_parse((const char *)data, size, "fuzz.rules", &r);
	if (rc < 0) {
		E2E_FUZZ_CHECK(r == NULL && rc == E2E_ERR_INPUT);
		E2E_FUZZ_CHECK(strncmp(e2e_error_message(), "'fuzz.rules': ", 14) == 0);
		return rc;
	}
	E2E_FUZZ_CHECK(rc == 0 && r != NULL);
	E2E_FUZZ_CHECK(r->name && strcmp(r->name, "fuzz.rules") == 0);
	for (size_t i = 0; i < NFIXED; i++)
		keys[nkeys++] = fixed_keys[i];
	for (size_t i = 0; i < r->nrules; i++) {
		check_rule(&r->rules[i], i);
		for (size_t j = 0; j < r->rules[i].nmatch; j++) {
			check_pattern(&r->rules[i].match[j]);
			if (nkeys < MAX_KEYS)
				keys[nkeys++] = r->rules[i].match[j].text;
		}
	}
	for (size_t i = 0; i < r->nignore; i++) {
		check_pattern(&r->ignore[i]);
		if (nkeys < MAX_KEYS)
			keys[nkeys++] = r->ignore[i].text;
	}
	for (size_t k = 0; k < nkeys; k++) {
		double t = e2e_rules_threshold(r, keys[k], 10);

		E2E_FUZZ_CHECK(t == 10 || (t > 0 && t <= 100000));
		(void)e2e_rules_ignored(r, keys[k]);
	}
	rc = e2e_rules_check_coverage(r, keys, nkeys);
	E2E_FUZZ_CHECK(rc == 0 || (rc == E2E_ERR_INPUT && e2e_error_message()[0]));
	e2e_rules_destroy(r);
	return 0;
}

E2E_FUZZ_TARGET(e2e_fuzz_rules)

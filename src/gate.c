#include "gate.h"

#include <string.h>

#include "error.h"
#include "banned.h"

const char *e2e_verdict_name(enum e2e_verdict v)
{
	static const char *const n[] = { "pass", "improved", "inconclusive", "new", "missing", "regression" };
	return (unsigned)v < sizeof(n) / sizeof(n[0]) ? n[v] : "unknown";
}

const char *e2e_severity_name(enum e2e_severity s)
{
	static const char *const n[] = { "", "warning", "critical" };
	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "unknown";
}

const char *e2e_metric_name(enum e2e_metric m)
{
	static const char *const n[] = { "p50", "p95", "p99", "mean", "error_rate" };
	return (unsigned)m < sizeof(n) / sizeof(n[0]) ? n[m] : "unknown";
}

int e2e_fail_on_parse(const char *s, enum e2e_fail_on *out)
{
	if (strcmp(s, "warning") == 0)
		*out = E2E_FAIL_ON_WARNING;
	else if (strcmp(s, "critical") == 0)
		*out = E2E_FAIL_ON_CRITICAL;
	else if (strcmp(s, "never") == 0)
		*out = E2E_FAIL_ON_NEVER;
	else
		return e2e_error(E2E_ERR_INPUT,
				 "option '--fail-on': '%s' is not one of warning, critical, never", s);
	return 0;
}

/* severity.h - how bad a finding is: the gate's regressions and the rules
 * file's limit breaches share it. Header only; e2e_severity_name() is in
 * gate.h. */
#ifndef E2E_SEVERITY_H
#define E2E_SEVERITY_H

enum e2e_severity {
	E2E_SEVERITY_NONE = 0,
	E2E_SEVERITY_WARNING,
	E2E_SEVERITY_CRITICAL,
};

#endif

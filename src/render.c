#include "render.h"

#include <string.h>

#include "error.h"
#include "banned.h"

static const char *const names[] = {
	[E2E_FORMAT_TEXT] = "text", [E2E_FORMAT_JSON] = "json", [E2E_FORMAT_MARKDOWN] = "markdown",
	[E2E_FORMAT_HTML] = "html", [E2E_FORMAT_CSV] = "csv",	[E2E_FORMAT_JUNIT] = "junit",
};

int e2e_format_parse(const char *s, enum e2e_format *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum e2e_format)i;
			return 0;
		}
	}
	if (strcmp(s, "md") == 0) {
		*out = E2E_FORMAT_MARKDOWN;
		return 0;
	}
	return e2e_error(E2E_ERR_INPUT,
			 "option '--format': '%s' is not one of text, json, markdown, html, csv, junit", s);
}

const char *e2e_format_name(enum e2e_format f)
{
	return names[f];
}

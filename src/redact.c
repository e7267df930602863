/* redact.c - see redact.h for what is redacted. One left-to-right pass per
 * argument: at each position a URL's userinfo, a NAME=VALUE or NAME: VALUE
 * with a secret NAME, or a "Bearer" token is replaced; everything else is
 * copied as is. */
#include "redact.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "banned.h"

/* What the next argument is, after an option that takes a secret. */
enum next { NEXT_PLAIN, NEXT_SECRET, NEXT_USER_PASS };

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* Does the name s[0..n) hold a secret word ('-' counts as '_')? */
static bool secret_name(const char *s, size_t n)
{
	static const char *const words[] = {
		"password",   "passwd",	     "secret",	   "token",	    "api_key", "apikey",
		"access_key", "private_key", "credential", "authorization", "cookie",
	};
	char low[128];

	if (n == 0 || n >= sizeof(low))
		return n >= sizeof(low); /* a name that long: better hidden */
	for (size_t i = 0; i < n; i++)
		low[i] = s[i] == '-' ? '_' : (char)tolower((unsigned char)s[i]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]))
			return true;
	return false;
}

/* The end of a value starting at s: the first of stops, or the end. */
static size_t value_len(const char *s, const char *stops)
{
	return strcspn(s, stops);
}

/* At s + i, "://": the userinfo of the authority that follows, redacted
 * into out. Returns how many bytes of s were consumed, 0 if none. */
static size_t userinfo(const char *s, size_t i, struct e2e_buf *out)
{
	const char *auth = s + i + 3;
	size_t end = strcspn(auth, "/?#\"' \t\n"), at = end;

	while (at > 0 && auth[at - 1] != '@')
		at--;
	if (at == 0)
		return 0;
	if (--at == 0) /* at: the last '@' of the authority */
		return 0;
	e2e_buf_puts(out, "://");
	for (size_t k = 0; k < at; k++) {
		if (auth[k] == ':') {
			e2e_buf_add(out, auth, k + 1);
			break;
		}
	}
	e2e_buf_puts(out, E2E_REDACTED "@");
	return 3 + at + 1;
}

/* At s + i, '=' or ':' after a secret name: the separator, a kept scheme
 * word for a header ("Bearer "), the value redacted. Returns the bytes of s
 * consumed. */
static size_t named_value(const char *s, size_t i, struct e2e_buf *out)
{
	bool header = s[i] == ':';
	size_t j = i + 1, v;

	while (header && (s[j] == ' ' || s[j] == '\t'))
		j++;
	if (header) {
		size_t w = 0;

		while (isalpha((unsigned char)s[j + w]))
			w++;
		if (w && s[j + w] == ' ' && value_len(s + j + w + 1, "\"'")) {
			j += w;
			while (s[j] == ' ')
				j++;
		}
	}
	v = value_len(s + j, header ? "\"'" : "&; \t\n\"'");
	e2e_buf_add(out, s + i, j - i);
	if (v)
		e2e_buf_puts(out, E2E_REDACTED);
	return j + v - i;
}

/* At s + i, the word "bearer" and blanks before a token: the token
 * redacted. Returns the bytes consumed, 0 if it is no such word. */
static size_t bearer(const char *s, size_t i, struct e2e_buf *out)
{
	size_t j = i + 6, v;

	if (strncasecmp(s + i, "bearer", 6) != 0 || (i > 0 && isalnum((unsigned char)s[i - 1])) ||
	    (s[j] != ' ' && s[j] != '\t'))
		return 0;
	while (s[j] == ' ' || s[j] == '\t')
		j++;
	v = value_len(s + j, " \t\n\"'");
	if (!v)
		return 0;
	e2e_buf_add(out, s + i, j - i);
	e2e_buf_puts(out, E2E_REDACTED);
	return j + v - i;
}

static char *redact_text(const char *s)
{
	struct e2e_buf out = E2E_BUF_INIT;
	size_t i = 0, name = 0; /* name: where the run of name characters before i starts */

	while (s[i]) {
		size_t used = 0;

		if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
			used = userinfo(s, i, &out);
		if (!used && (s[i] == '=' || s[i] == ':') && secret_name(s + name, i - name))
			used = named_value(s, i, &out);
		if (!used && (s[i] == 'b' || s[i] == 'B'))
			used = bearer(s, i, &out);
		if (used) {
			i += used;
			name = i;
			continue;
		}
		e2e_buf_putc(&out, s[i]);
		i++;
		if (!name_char(s[i - 1]))
			name = i;
	}
	return e2e_buf_detach(&out, NULL);
}

char *e2e_redact_url(const char *url)
{
	return redact_text(url);
}

/* An option ("--password", "-client-secret") that takes a secret as the
 * next argument, or a user:password pair. */
static enum next option_kind(const char *a)
{
	const char *n = a;

	if (*a != '-' || strchr(a, '='))
		return NEXT_PLAIN;
	while (*n == '-')
		n++;
	if (strcmp(n, "user") == 0 || strcmp(n, "proxy-user") == 0)
		return NEXT_USER_PASS;
	return secret_name(n, strlen(n)) ? NEXT_SECRET : NEXT_PLAIN;
}

char **e2e_redact_argv(char *const argv[], int argc)
{
	char **v = e2e_xcalloc(argc > 0 ? (size_t)argc : 1, sizeof(*v));
	enum next next = NEXT_PLAIN;

	for (int i = 0; i < argc; i++) {
		const char *colon = strchr(argv[i], ':');

		if (next == NEXT_SECRET) {
			v[i] = e2e_xstrdup(E2E_REDACTED);
		} else if (next == NEXT_USER_PASS && colon) {
			struct e2e_buf b = E2E_BUF_INIT;

			e2e_buf_add(&b, argv[i], (size_t)(colon - argv[i]) + 1);
			e2e_buf_puts(&b, E2E_REDACTED);
			v[i] = e2e_buf_detach(&b, NULL);
		} else {
			v[i] = redact_text(argv[i]);
		}
		next = option_kind(argv[i]);
	}
	return v;
}

void e2e_redact_argv_free(char **v, int argc)
{
	if (!v)
		return;
	for (int i = 0; i < argc; i++)
		free(v[i]);
	free(v);
}

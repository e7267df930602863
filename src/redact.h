/* redact.h - credentials kept out of what is stored and printed: the
 * password in a URL's userinfo (--target), and the values of command-line
 * arguments that look like secrets (the wrapped command stored with each
 * run). Pure functions, no I/O. Redaction errs on the side of hiding: a
 * value that merely looks like a secret is hidden too.
 *
 * What is redacted (each value becomes E2E_REDACTED), anywhere in an
 * argument and case-insensitively:
 *   - URL userinfo: "https://user:PASS@host" -> "https://user:***@host";
 *     a userinfo without ':' ("https://TOKEN@host") is hidden whole;
 *   - NAME=VALUE and NAME: VALUE where NAME (letters, digits, '_', '-',
 *     '.') contains a secret word: password, passwd, secret, token,
 *     api_key, apikey, access_key, private_key, credential, authorization
 *     or cookie ('-' counts as '_'): "DB_PASSWORD=x", "--api-key=x",
 *     "?token=x&page=2" (the value ends at '&', ';', a blank, a quote or
 *     the end), "Authorization: Bearer x" (the value ends at a quote or the
 *     end; a leading scheme word such as "Bearer " is kept);
 *   - "Bearer X": the word after "bearer";
 *   - the argument after an option whose name holds a secret word and no
 *     '=' ("--password X", "--client-secret X"), and the password part
 *     of the argument after --user or --proxy-user (curl's "-u" style
 *     "user:PASS" -> "user:***"). */
#ifndef E2E_REDACT_H
#define E2E_REDACT_H

#define E2E_REDACTED "***"

/* url with the userinfo's password redacted (see above). Caller frees. */
char *e2e_redact_url(const char *url);

/* A copy of argv (argc strings) with every secret redacted: a new array
 * of argc new strings, freed with e2e_redact_argv_free(). */
char **e2e_redact_argv(char *const argv[], int argc);
/* Accepts NULL. */
void e2e_redact_argv_free(char **v, int argc);

#endif

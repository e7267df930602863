/* template.c - automatic endpoint templating (SPEC section 4).
 *
 * Each '/'-separated segment is classified on its own, first as a whole,
 * then (for ids, UUIDs, ULIDs, hex and dates) as a stem before a short
 * file extension, so "/users/42.json" gives "/users/{id}.json". The rules,
 * in order:
 *
 *   {id}    digits only, any length
 *   {uuid}  8-4-4-4-12 hex digits with dashes, any case
 *   {ulid}  26 Crockford base32 characters, one case, first one 0-7, at
 *           least 3 digits and a letter outside a-f (else it is hex)
 *   {date}  2024-01-31, optionally followed by T12:30[:45[.123]] and Z or
 *           +01:00 (':' may be written %3A); fields range-checked
 *   {email} local@domain.tld, '@' possibly written %40
 *   {hex}   hex digits in one case, at least 16 of them, or 8 to 15 with
 *           both a digit and a letter: "3f2a9c1b" is a short hash, while
 *           "deadbeef", "cafe", "2fa", "e2e" stay words
 *   {token} see is_token(): long, base64url-ish, letters and digits, and
 *           not made of words
 *
 * Never templated: versions (v1, v2beta1), words and names (me, healthz,
 * i18n, utf-8, x86_64), file names (index.html) and asset names with a
 * hash in the middle (app.3f2a.js, main.3f2a9c1b.chunk.js: a few distinct
 * bundles per deploy, merging them would hide which one is slow); a file
 * whose whole stem is an id or hash (3f2a...e1.js) is templated.
 *
 * Path shape is kept as written: a trailing slash stays ("/users/" and
 * "/users" are different endpoints, as servers often treat them), empty
 * segments stay, nothing is decoded. A path without a leading '/' gets
 * one, an empty path is "/", and anything from '?' or '#' on is dropped in
 * case a caller passes a raw request target. */
#include "template.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "banned.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_alpha(char c)
{
	return is_lower(c) || is_upper(c);
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_vowel(char c)
{
	return c && strchr("aeiouyAEIOUY", c) != NULL;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* Number of leading digits, at most max. */
static size_t digits(const char *s, size_t n, size_t max)
{
	size_t i = 0;

	while (i < n && i < max && is_digit(s[i]))
		i++;
	return i;
}

static int num(const char *s, size_t len)
{
	int v = 0;

	for (size_t i = 0; i < len; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool is_uuid(const char *s, size_t n)
{
	if (n != 36)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!is_hex(s[i])) {
			return false;
		}
	}
	return true;
}

static bool is_ulid(const char *s, size_t n)
{
	size_t ndigit = 0;
	bool lower = false, upper = false, beyond_hex = false;

	if (n != 26 || s[0] < '0' || s[0] > '7')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (is_digit(c)) {
			ndigit++;
			continue;
		}
		if (!is_alpha(c) || strchr("ilouILOU", c))
			return false;
		lower |= is_lower(c);
		upper |= is_upper(c);
		beyond_hex |= !is_hex(c);
	}
	return ndigit >= 3 && beyond_hex && !(lower && upper);
}

static bool is_hexid(const char *s, size_t n)
{
	bool digit = false, lower = false, upper = false;

	if (n < 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_hex(s[i]))
			return false;
		digit |= is_digit(s[i]);
		lower |= is_lower(s[i]);
		upper |= is_upper(s[i]);
	}
	if (lower && upper)
		return false;
	return n >= 16 || (digit && (lower || upper));
}

/* ':' or its escape; returns its length (0 if neither). */
static size_t colon(const char *s, size_t n)
{
	if (n >= 1 && s[0] == ':')
		return 1;
	if (n >= 3 && s[0] == '%' && s[1] == '3' && (s[2] == 'A' || s[2] == 'a'))
		return 3;
	return 0;
}

/* "HH" then ':' then "MM"; returns the length consumed or 0. */
static size_t hh_mm(const char *s, size_t n, int max_h)
{
	size_t c;

	if (digits(s, n, 2) != 2 || num(s, 2) > max_h || !(c = colon(s + 2, n - 2)))
		return 0;
	if (digits(s + 2 + c, n - 2 - c, 2) != 2 || num(s + 2 + c, 2) > 59)
		return 0;
	return 4 + c;
}

static bool is_date(const char *s, size_t n)
{
	size_t i, k, c;

	if (n < 10 || digits(s, n, 4) != 4 || s[4] != '-' || digits(s + 5, 2, 2) != 2 || s[7] != '-' ||
	    digits(s + 8, 2, 2) != 2)
		return false;
	if (num(s + 5, 2) < 1 || num(s + 5, 2) > 12 || num(s + 8, 2) < 1 || num(s + 8, 2) > 31)
		return false;
	if (n == 10)
		return true;
	if (s[10] != 'T' && s[10] != 't')
		return false;
	i = 11;
	if (!(k = hh_mm(s + i, n - i, 23)))
		return false;
	i += k;
	if ((c = colon(s + i, n - i)) && digits(s + i + c, n - i - c, 2) == 2) {
		if (num(s + i + c, 2) > 60)
			return false;
		i += c + 2;
		if (i < n && s[i] == '.' && (k = digits(s + i + 1, n - i - 1, 9)) > 0)
			i += 1 + k;
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z'))
		i++;
	else if (i < n && (s[i] == '+' || s[i] == '-' || (i + 2 < n && !strncasecmp(s + i, "%2B", 3)))) {
		size_t sign = s[i] == '%' ? 3 : 1;

		if (!(k = hh_mm(s + i + sign, n - i - sign, 23)))
			return false;
		i += sign + k;
	}
	return i == n;
}

static bool is_email(const char *s, size_t n)
{
	size_t at = 0, at_len = 0, dots = 0, tld = 0;

	for (size_t i = 0; i < n && !at_len; i++) {
		if (s[i] == '@')
			at = i, at_len = 1;
		else if (i + 2 < n && s[i] == '%' && s[i + 1] == '4' && s[i + 2] == '0')
			at = i, at_len = 3;
	}
	if (!at_len || at == 0)
		return false;
	for (size_t i = 0; i < at; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && !strchr("._%+-", s[i]))
			return false;
	for (size_t i = at + at_len; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			/* no empty label */
			if (i == at + at_len || s[i - 1] == '.')
				return false;
			dots++;
			tld = 0;
		} else if (is_alpha(c)) {
			tld = tld == (size_t)-1 ? tld : tld + 1;
		} else if (is_digit(c) || c == '-') {
			tld = (size_t)-1;
		} else {
			return false;
		}
	}
	return dots > 0 && tld >= 2 && tld != (size_t)-1;
}

/* A piece of a segment that reads as a word: a Capitalised or lowercase
 * letter run with a vowel ("user", "Profile", "to"). */
static bool wordlike(const char *s, size_t n)
{
	bool vowel = false;

	if (n < 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!(is_lower(s[i]) || (i == 0 && is_upper(s[i]))))
			return false;
		vowel |= is_vowel(s[i]);
	}
	return vowel;
}

/* JSON Web Token: three base64url parts, the header starting "eyJ". */
static bool is_jwt(const char *s, size_t n)
{
	size_t dots = 0, part = 0;

	if (n < 20 || strncmp(s, "eyJ", 3) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (part == 0)
				return false;
			dots++;
			part = 0;
		} else if (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '-' || s[i] == '_') {
			part++;
		} else {
			return false;
		}
	}
	return dots == 2 && part > 0;
}

/* One character of a token, or one of the escapes base64 needs in a path
 * (%2B '+', %2F '/', %3D '='); returns its length in s, 0 if not allowed. */
static size_t token_unit(const char *s, size_t n, size_t i, char *c)
{
	if (s[i] == '%') {
		char hi = i + 2 < n ? s[i + 1] : 0, lo = i + 2 < n ? (char)(s[i + 2] | 0x20) : 0;

		if (hi == '2' && (lo == 'b' || lo == 'f'))
			*c = lo == 'b' ? '+' : '/';
		else if (hi == '3' && lo == 'd')
			*c = '=';
		else
			return 0;
		return 3;
	}
	*c = s[i];
	return is_alpha(s[i]) || is_digit(s[i]) || strchr("-_.~+=", s[i]) ? 1 : 0;
}

static size_t wordchars_of(const char *s, size_t n)
{
	return n >= 3 && wordlike(s, n) ? n : 0;
}

/* An opaque token: at least 20 characters of base64url (plus '.', '~',
 * '+' and '=' padding, '+' '/' '=' also percent-encoded) that is not made
 * of words. Words are letter runs split CamelCase-wise (getHTTPSProxy ->
 * get HTTPS Proxy) that are lowercase or Capitalised, have 3 or more
 * letters and a vowel; random base64url has few of them, names such as
 * "api.v1alpha2.UserService" consist of them. Never a token: two or more
 * word-like pieces between symbols (a slug, "how-to-write-c-in-2024").
 * A token is then one of
 *   - a JWT,
 *   - 2+ digits and words covering less than half of it,
 *   - mixed case (4+ upper and 4+ lower, fewer than 2 digits) and words
 *     covering less than a third,
 *   - 4+ digits and 8+ letter/digit alternations (lowercase base36 ids).
 * Measured on 3000 random strings each (Python secrets/random): 94 % of
 * 22-char and 99 % of 43-char token_urlsafe() values, 90 % of 20-char
 * alphanumerics and 83 % of 25-char lowercase base36
 * ids are recognised; the rest stay literal (visible in the report). */
static bool is_token(const char *s, size_t n)
{
	size_t len = 0, ndigit = 0, nupper = 0, nlower = 0, words = 0, wordchars = 0, flips = 0;
	size_t piece = 0, run = 0, k;
	char c, prev = 0;

	if (n < 20)
		return false;
	if (is_jwt(s, n))
		return true;
	for (size_t i = 0; i < n; i += k) {
		if (!(k = token_unit(s, n, i, &c)))
			return false;
		len++;
		ndigit += is_digit(c);
		nupper += is_upper(c);
		nlower += is_lower(c);
		flips += (is_digit(c) && is_alpha(prev)) || (is_alpha(c) && is_digit(prev));
		prev = c;
		/* pieces between symbols (alphanumerics are single units) */
		if (is_alpha(c) || is_digit(c))
			piece++;
		else
			words += wordlike(s + i - piece, piece), piece = 0;
		/* letter runs: "aB" ends a run before B, "ABc" before B */
		if (run > 0 && (!is_alpha(c) || (is_upper(c) && is_lower(s[i - 1])))) {
			wordchars += wordchars_of(s + i - run, run);
			run = 0;
		} else if (run >= 2 && is_lower(c) && is_upper(s[i - 1]) && is_upper(s[i - 2])) {
			wordchars += wordchars_of(s + i - run, run - 1);
			run = 1;
		}
		run += is_alpha(c);
	}
	words += wordlike(s + n - piece, piece);
	wordchars += wordchars_of(s + n - run, run);
	if (len < 20 || words >= 2)
		return false;
	if (ndigit >= 2 && nupper + nlower > 0 && wordchars * 2 < len)
		return true;
	if (ndigit < 2 && nupper >= 4 && nlower >= 4 && wordchars * 3 < len)
		return true;
	return ndigit >= 4 && flips >= 8;
}

static const char *classify(const char *s, size_t n)
{
	if (all_digits(s, n))
		return "{id}";
	if (is_uuid(s, n))
		return "{uuid}";
	if (is_ulid(s, n))
		return "{ulid}";
	if (is_date(s, n))
		return "{date}";
	if (is_hexid(s, n))
		return "{hex}";
	return NULL;
}

/* Length of a short extension with a letter (".json", ".mp4") after a
 * non-empty stem without other dots, dot included; 0 if none. */
static size_t ext_len(const char *s, size_t n)
{
	const char *dot = n ? memchr(s, '.', n) : NULL;
	size_t ext;
	bool letter = false;

	if (!dot || dot == s)
		return 0;
	ext = n - (size_t)(dot - s);
	if (ext < 2 || ext > 6)
		return 0;
	for (size_t i = n - ext + 1; i < n; i++) {
		if (!is_alpha(s[i]) && !is_digit(s[i]))
			return 0;
		letter |= is_alpha(s[i]);
	}
	return letter ? ext : 0;
}

static void put_segment(struct e2e_buf *out, const char *s, size_t n)
{
	const char *kind = classify(s, n);
	size_t ext = 0;

	if (!kind && is_email(s, n))
		kind = "{email}";
	if (!kind && (ext = ext_len(s, n)) > 0 && !(kind = classify(s, n - ext)))
		ext = 0;
	if (!kind && is_token(s, n))
		kind = "{token}";
	if (!kind) {
		e2e_buf_add(out, s, n);
		return;
	}
	e2e_buf_puts(out, kind);
	e2e_buf_add(out, s + n - ext, ext);
}

void e2e_template_path(struct e2e_buf *out, const char *path, size_t len)
{
	size_t i = 0;

	for (size_t k = 0; k < len; k++) {
		if (path[k] == '?' || path[k] == '#' || path[k] == '\0') {
			len = k;
			break;
		}
	}
	if (len == 0 || path[0] != '/')
		e2e_buf_putc(out, '/');
	if (len > 0 && path[0] == '/')
		i = 1, e2e_buf_putc(out, '/');
	while (i < len) {
		const char *slash = memchr(path + i, '/', len - i);
		size_t end = slash ? (size_t)(slash - path) : len;

		put_segment(out, path + i, end - i);
		if (!slash)
			break;
		e2e_buf_putc(out, '/');
		i = end + 1;
	}
}

void e2e_template_key(struct e2e_buf *out, const char *method, size_t method_len, const char *path,
		      size_t path_len)
{
	for (size_t i = 0; i < method_len; i++) {
		char c = method[i];

		e2e_buf_putc(out, is_lower(c) ? (char)(c - 'a' + 'A') : c);
	}
	e2e_buf_putc(out, ' ');
	e2e_template_path(out, path, path_len);
}

/* fmt.c - the one formatter for human-facing numbers, times and text. */
#include "fmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "banned.h"

/* Appends the decimal digits of a non-negative integer in s, a comma
 * between each group of three. */
static void grouped(struct e2e_buf *b, const char *s)
{
	size_t len = strlen(s);

	for (size_t i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			e2e_buf_putc(b, ',');
		e2e_buf_putc(b, s[i]);
	}
}

void e2e_fmt_count(struct e2e_buf *b, uint64_t n)
{
	char digits[32];

	snprintf(digits, sizeof(digits), "%" PRIu64, n);
	grouped(b, digits);
}

double e2e_fmt_round(double v, int decimals)
{
	double scale = pow(10, decimals), r = round(v * scale) / scale;

	return r == 0 ? 0 : r; /* no "-0" */
}

void e2e_fmt_fixed(struct e2e_buf *b, double v, int decimals)
{
	if (!isnan(v) && !isinf(v))
		e2e_buf_printf(b, "%.*f", decimals, e2e_fmt_round(v, decimals));
}

/* Decimals that give a of about sig significant digits, at most most. */
static int decimals_for(double a, int sig, int most)
{
	int d = most;

	while (d > 0 && a >= pow(10, sig - d))
		d--;
	return d;
}

/* v (finite) rounded half away from zero to d decimals, thousands
 * separated when d is 0; sign puts a '+' before a positive value. Zero
 * never has a sign. */
static void fixed(struct e2e_buf *b, double v, int d, bool sign)
{
	double r;
	char s[400];

	if (fabs(v) >= 1e15) /* no fraction left to show */
		d = 0;
	r = e2e_fmt_round(v, d);

	if (r < 0)
		e2e_buf_putc(b, '-');
	else if (r > 0 && sign)
		e2e_buf_putc(b, '+');
	snprintf(s, sizeof(s), "%.*f", d, fabs(r));
	if (d == 0)
		grouped(b, s);
	else
		e2e_buf_puts(b, s);
}

/* v (finite) to about sig significant digits with at most most decimals:
 * after rounding, so 9.996 at three digits is "10.0", not "10.00". */
static void number(struct e2e_buf *b, double v, int sig, int most, bool sign)
{
	int d = decimals_for(fabs(v), sig, most);
	int dr = decimals_for(fabs(e2e_fmt_round(v, d)), sig, most);

	fixed(b, v, dr < d ? dr : d, sign);
}

/* A value: number() when finite, "-" otherwise. */
static void value(struct e2e_buf *b, double v, int sig, int most)
{
	if (isfinite(v))
		number(b, v, sig, most, false);
	else
		e2e_buf_puts(b, "-");
}

void e2e_fmt_ms_num(struct e2e_buf *b, double ms)
{
	value(b, ms, 3, 3);
}

void e2e_fmt_ms(struct e2e_buf *b, double ms)
{
	e2e_fmt_ms_num(b, ms);
	if (isfinite(ms))
		e2e_buf_puts(b, " ms");
}

void e2e_fmt_ms_pair(struct e2e_buf *b, double base, double cur)
{
	e2e_fmt_ms_num(b, base);
	e2e_buf_puts(b, " → ");
	e2e_fmt_ms(b, cur);
}

/* A share in percent (0..100): one decimal, two for a nonzero share
 * below 0.1 so that it does not read as none. */
static void share_num(struct e2e_buf *b, double pct, bool sign)
{
	double a = fabs(pct);

	fixed(b, pct, a > 0 && a < 0.1 ? 2 : 1, sign);
}

void e2e_fmt_pct(struct e2e_buf *b, double frac)
{
	if (!isfinite(frac)) {
		e2e_buf_puts(b, "-");
		return;
	}
	share_num(b, 100 * frac, false);
	e2e_buf_putc(b, '%');
}

/* A change that is not a number: "n/a" for NAN, "+inf"/"-inf" for an
 * infinite one (false for a finite v, nothing appended). */
static bool not_finite(struct e2e_buf *b, double v, bool sign)
{
	if (isfinite(v))
		return false;
	e2e_buf_puts(b, isnan(v) ? "n/a" : v < 0 ? "-inf" : sign ? "+inf" : "inf");
	return true;
}

void e2e_fmt_pct_num(struct e2e_buf *b, double pct, bool sign)
{
	if (!not_finite(b, pct, sign))
		number(b, pct, 2, 1, sign);
}

void e2e_fmt_delta_pct(struct e2e_buf *b, double pct)
{
	e2e_fmt_pct_num(b, pct, true);
	if (!isnan(pct))
		e2e_buf_putc(b, '%');
}

void e2e_fmt_delta_range(struct e2e_buf *b, double lo, double hi)
{
	e2e_fmt_pct_num(b, lo, true);
	e2e_buf_puts(b, "..");
	e2e_fmt_delta_pct(b, hi);
}

void e2e_fmt_pct_setting(struct e2e_buf *b, double pct)
{
	e2e_buf_printf(b, "%g%%", pct);
}

static void pp_num(struct e2e_buf *b, double pp)
{
	if (!not_finite(b, pp, true))
		share_num(b, pp, true);
}

void e2e_fmt_pp(struct e2e_buf *b, double pp)
{
	pp_num(b, pp);
	if (!isnan(pp))
		e2e_buf_puts(b, " pp");
}

void e2e_fmt_pp_range(struct e2e_buf *b, double lo, double hi)
{
	pp_num(b, lo);
	e2e_buf_puts(b, "..");
	e2e_fmt_pp(b, hi);
}

void e2e_fmt_factor(struct e2e_buf *b, double f)
{
	if (isfinite(f))
		e2e_buf_putc(b, 'x');
	value(b, f, 3, 2);
}

void e2e_fmt_rate(struct e2e_buf *b, double rps)
{
	value(b, rps, 3, 1);
}

void e2e_fmt_bytes(struct e2e_buf *b, double bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	if (!isfinite(bytes) || bytes < 0) {
		e2e_buf_puts(b, "-");
		return;
	}
	/* 1023.6 B is "1.0 KiB", not "1024 B" */
	while (u + 1 < sizeof(unit) / sizeof(unit[0]) && e2e_fmt_round(bytes, u ? 1 : 0) >= 1024) {
		bytes /= 1024;
		u++;
	}
	fixed(b, bytes, u ? 1 : 0, false);
	e2e_buf_printf(b, " %s", unit[u]);
}

void e2e_fmt_duration(struct e2e_buf *b, double s)
{
	long long t;
	char h[32];

	if (!isfinite(s) || s < 0) {
		e2e_buf_puts(b, "-");
		return;
	}
	if (e2e_fmt_round(s, 1) < 60) {
		fixed(b, s, 1, false);
		e2e_buf_puts(b, " s");
		return;
	}
	if (s >= 9e15) { /* beyond exact integers */
		e2e_buf_puts(b, "-");
		return;
	}
	t = llround(s);
	if (t < 3600) {
		e2e_buf_printf(b, "%lld min %lld s", t / 60, t % 60);
		return;
	}
	snprintf(h, sizeof(h), "%lld", t / 3600);
	grouped(b, h);
	e2e_buf_printf(b, " h %lld min", t % 3600 / 60);
}

void e2e_fmt_time(struct e2e_buf *b, int64_t ms, bool iso)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[64];

	if (ms <= 0 || !gmtime_r(&t, &tm)) {
		e2e_buf_puts(b, iso ? "" : "-");
		return;
	}
	strftime(s, sizeof(s), iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S UTC", &tm);
	e2e_buf_puts(b, s);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

void e2e_fmt_escaped(struct e2e_buf *b, const char *s, const char *(*esc)(uint32_t cp))
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		uint32_t cp;
		size_t n = utf8_len(p, &cp);
		const char *rep;

		if (n == 0) {
			e2e_buf_puts(b, "\xef\xbf\xbd");
			p++;
			continue;
		}
		rep = esc ? esc(cp) : NULL;
		if (rep)
			e2e_buf_puts(b, rep);
		else
			e2e_buf_add(b, p, n);
		p += n;
	}
}

bool e2e_fmt_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

static const char *esc_ctl(uint32_t cp)
{
	return e2e_fmt_is_control(cp) ? "?" : NULL;
}

void e2e_fmt_utf8(struct e2e_buf *b, const char *s, bool no_ctl)
{
	e2e_fmt_escaped(b, s, no_ctl ? esc_ctl : NULL);
}

static const char *esc_xml(uint32_t cp)
{
	switch (cp) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	case '\t':
	case '\n':
	case '\r':
		return NULL;
	default: /* characters XML 1.0 does not allow, and C1 it discourages */
		return e2e_fmt_is_control(cp) || cp == 0xfffe || cp == 0xffff ? "?" : NULL;
	}
}

void e2e_fmt_xml(struct e2e_buf *b, const char *s)
{
	e2e_fmt_escaped(b, s, esc_xml);
}

/* fmt.c - the one formatter for human-facing numbers, times and text. */
#include "fmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "banned.h"

void e2e_fmt_count(struct e2e_buf *b, uint64_t n)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%" PRIu64, n);

	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			e2e_buf_putc(b, ',');
		e2e_buf_putc(b, digits[i]);
	}
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

void e2e_fmt_ms_num(struct e2e_buf *b, double ms)
{
	double a = fabs(ms);
	int decimals = a < 1 ? 3 : a < 10 ? 2 : a < 1000 ? 1 : 0;

	if (isnan(ms)) {
		e2e_buf_puts(b, "-");
		return;
	}
	/* rounding may carry into the next range: 9.996 -> "10.0" */
	if (decimals && fabs(e2e_fmt_round(ms, decimals)) >= (decimals == 3 ? 1 : decimals == 2 ? 10 : 1000))
		decimals--;
	e2e_fmt_fixed(b, ms, decimals);
}

void e2e_fmt_ms(struct e2e_buf *b, double ms)
{
	e2e_fmt_ms_num(b, ms);
	if (!isnan(ms))
		e2e_buf_puts(b, "ms");
}

void e2e_fmt_pct(struct e2e_buf *b, double frac)
{
	double pct = frac * 100;

	if (isnan(frac))
		e2e_buf_puts(b, "-");
	else if (pct > 0 && pct < 0.1)
		e2e_buf_printf(b, "%.2f%%", pct);
	else
		e2e_buf_printf(b, "%.1f%%", pct);
}

void e2e_fmt_delta_pct(struct e2e_buf *b, double pct)
{
	if (isnan(pct) || isinf(pct))
		e2e_buf_puts(b, "n/a");
	else
		e2e_buf_printf(b, "%+.1f%%", pct);
}

void e2e_fmt_rate(struct e2e_buf *b, double rps)
{
	if (isnan(rps))
		e2e_buf_puts(b, "-");
	else if (rps < 100)
		e2e_buf_printf(b, "%.1f", rps);
	else
		e2e_fmt_count(b, (uint64_t)llround(rps));
}

void e2e_fmt_bytes(struct e2e_buf *b, double bytes)
{
	if (isnan(bytes))
		e2e_buf_puts(b, "-");
	else if (bytes < 1024)
		e2e_buf_printf(b, "%.0f B", bytes);
	else if (bytes < 1024.0 * 1024)
		e2e_buf_printf(b, "%.1f KiB", bytes / 1024);
	else if (bytes < 1024.0 * 1024 * 1024)
		e2e_buf_printf(b, "%.1f MiB", bytes / (1024.0 * 1024));
	else
		e2e_buf_printf(b, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
}

void e2e_fmt_duration(struct e2e_buf *b, double s)
{
	long long t;

	if (isnan(s) || s < 0) {
		e2e_buf_puts(b, "-");
		return;
	}
	if (s < 60) {
		e2e_buf_printf(b, "%.1f s", s);
		return;
	}
	t = llround(s);
	if (t < 3600)
		e2e_buf_printf(b, "%lld min %lld s", t / 60, t % 60);
	else
		e2e_buf_printf(b, "%lld h %lld min", t / 3600, t % 3600 / 60);
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

static const char *esc_ctl(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f ? "?" : NULL;
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
	default: /* characters XML 1.0 does not allow */
		return cp < 0x20 || cp == 0xfffe || cp == 0xffff ? "?" : NULL;
	}
}

void e2e_fmt_xml(struct e2e_buf *b, const char *s)
{
	e2e_fmt_escaped(b, s, esc_xml);
}

/* fmt.h - how values look in human-facing output: numbers with their
 * units, times, and text made safe to print. Renderers, the gate's
 * findings and the advice all format through these helpers, so a value
 * reads the same in a table and in a sentence. Every helper appends to b. */
#ifndef E2E_FMT_H
#define E2E_FMT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* Numbers, one convention everywhere (HACKING.md, "Numbers in output"): a space
 * between a number and its unit ("51.4 ms", "1.5 KiB", "+2.0 pp"), none
 * before '%' or after the 'x' of a factor ("+48%", "x1.40"); about three
 * significant digits, counted after rounding half away from zero (9.996
 * ms is "10.0 ms"); thousands separators on whole numbers ("1,204",
 * "1,235 ms"); a sign on every change but zero. A value that is not a
 * number (NAN, infinite) prints as "-" unless said otherwise. */

/* A count: "1,204". */
void e2e_fmt_count(struct e2e_buf *b, uint64_t n);
/* Milliseconds: three decimals below 1 ms, two below 10, one below 100,
 * none from 100: "0.412 ms", "4.25 ms", "51.4 ms", "142 ms", "1,235 ms".
 * e2e_fmt_ms_num leaves out the unit (for "20.0 → 41.0 ms"). */
void e2e_fmt_ms(struct e2e_buf *b, double ms);
void e2e_fmt_ms_num(struct e2e_buf *b, double ms);
/* A baseline and a current value, one unit: "20.0 → 41.0 ms" (every
 * format's "before → now"). */
void e2e_fmt_ms_pair(struct e2e_buf *b, double base, double cur);
/* A share, a fraction 0..1 (an error rate), in percent with one decimal,
 * two for a nonzero share below 0.1 %: "2.5%", "0.04%", "100.0%". */
void e2e_fmt_pct(struct e2e_buf *b, double frac);
/* A percentage (a relative change, a standard deviation) without the '%':
 * one decimal below 10, none from 10: "3.6", "48", "1,200"; with sign
 * "+48", "-3.6", "0.0". "n/a" for NAN, "inf"/"+inf"/"-inf" for infinities. */
void e2e_fmt_pct_num(struct e2e_buf *b, double pct, bool sign);
/* A relative change in percent, signed: "+48%", "-3.6%", "0.0%"; "n/a"
 * for NAN (no baseline to compare with), "+inf%" for an infinite one. */
void e2e_fmt_delta_pct(struct e2e_buf *b, double pct);
/* An interval of relative changes: "+31..+66%". */
void e2e_fmt_delta_range(struct e2e_buf *b, double lo, double hi);
/* A percentage the user set, as given: "50%", "12.5%". */
void e2e_fmt_pct_setting(struct e2e_buf *b, double pct);
/* A change in percentage points, digits as e2e_fmt_pct: "+20.0 pp",
 * "-0.05 pp"; and an interval of them: "-0.2..+1.2 pp". */
void e2e_fmt_pp(struct e2e_buf *b, double pp);
void e2e_fmt_pp_range(struct e2e_buf *b, double lo, double hi);
/* A ratio: two decimals below 10, one below 100, none from 100: "x1.40",
 * "x0.97", "x12.5", "x150". */
void e2e_fmt_factor(struct e2e_buf *b, double f);
/* Requests per second (the unit is the column's): one decimal below 100,
 * none from 100: "0.3", "15.7", "1,234". */
void e2e_fmt_rate(struct e2e_buf *b, double rps);
/* Bytes in binary units, one decimal from KiB: "512 B", "1.5 KiB",
 * "3.2 MiB"; "-" for a negative (unknown) size. */
void e2e_fmt_bytes(struct e2e_buf *b, double bytes);
/* Seconds: "38.2 s", "12 min 5 s", "2 h 1 min"; "-" when negative. */
void e2e_fmt_duration(struct e2e_buf *b, double s);
/* Unix ms as UTC: "2026-11-20 14:02:11 UTC" (iso: "2026-11-20T14:02:11Z"). */
void e2e_fmt_time(struct e2e_buf *b, int64_t ms, bool iso);

/* Machine formats (JSON numbers, CSV numeric columns): v rounded half
 * away from zero to decimals places, the same rounding as above, no
 * separators, no unit, "" for NAN: "43.618", "1234.5". */
void e2e_fmt_fixed(struct e2e_buf *b, double v, int decimals);
double e2e_fmt_round(double v, int decimals);

/* Text. */
/* C0 and C1 control characters and DEL: what a terminal may act on
 * (ESC, BEL, BS, CSI U+009B ...), never printed raw in a text format. */
bool e2e_fmt_is_control(uint32_t cp);
/* Appends s with invalid UTF-8 replaced by U+FFFD and, when no_ctl is set,
 * control characters (e2e_fmt_is_control) by '?'. */
void e2e_fmt_utf8(struct e2e_buf *b, const char *s, bool no_ctl);
/* Appends s as valid UTF-8 (invalid bytes become U+FFFD), each code point
 * for which esc returns a string replaced by it (esc may be NULL). */
void e2e_fmt_escaped(struct e2e_buf *b, const char *s, const char *(*esc)(uint32_t cp));
/* XML/HTML text and attribute escaping (&<>"'), valid UTF-8, no control
 * characters but tab, CR and LF. */
void e2e_fmt_xml(struct e2e_buf *b, const char *s);

#endif

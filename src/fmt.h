/* fmt.h - how values look in human-facing output: numbers with their
 * units, times, and text made safe to print. Renderers, the gate's
 * findings and the advice all format through these helpers, so a value
 * reads the same in a table and in a sentence. Every helper appends to b. */
#ifndef E2E_FMT_H
#define E2E_FMT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* Numbers. NAN prints as "-" everywhere a helper takes a double. */
/* 1204 -> "1,204" */
void e2e_fmt_count(struct e2e_buf *b, uint64_t n);
/* Milliseconds with precision that suits the size: "0.412", "4.25",
 * "12.1", "1234" (no unit; e2e_fmt_ms adds "ms"). */
void e2e_fmt_ms_num(struct e2e_buf *b, double ms);
void e2e_fmt_ms(struct e2e_buf *b, double ms);
/* A fraction 0..1 as a percentage with one decimal: "0.5%". */
void e2e_fmt_pct(struct e2e_buf *b, double frac);
/* A signed relative change in percent: "+51.2%", "-3.0%"; "n/a" for NAN. */
void e2e_fmt_delta_pct(struct e2e_buf *b, double pct);
/* v rounded half away from zero to decimals places (the same rounding
 * in every format), "" for NAN: "43.618". */
void e2e_fmt_fixed(struct e2e_buf *b, double v, int decimals);
double e2e_fmt_round(double v, int decimals);
/* Requests per second: "15.7", "1,234". */
void e2e_fmt_rate(struct e2e_buf *b, double rps);
/* Bytes: "512 B", "1.5 KiB", "3.2 MiB". */
void e2e_fmt_bytes(struct e2e_buf *b, double bytes);
/* Seconds: "38.2 s", "12 min 5 s". */
void e2e_fmt_duration(struct e2e_buf *b, double s);
/* Unix ms as UTC: "2026-11-20 14:02:11 UTC" (iso: "2026-11-20T14:02:11Z"). */
void e2e_fmt_time(struct e2e_buf *b, int64_t ms, bool iso);

/* Text. */
/* Appends s with invalid UTF-8 replaced by U+FFFD and, when no_ctl is set,
 * control characters by '?'. */
void e2e_fmt_utf8(struct e2e_buf *b, const char *s, bool no_ctl);
/* Appends s as valid UTF-8 (invalid bytes become U+FFFD), each code point
 * for which esc returns a string replaced by it (esc may be NULL). */
void e2e_fmt_escaped(struct e2e_buf *b, const char *s, const char *(*esc)(uint32_t cp));
/* XML/HTML text and attribute escaping (&<>"'), valid UTF-8, no control
 * characters XML forbids. */
void e2e_fmt_xml(struct e2e_buf *b, const char *s);

#endif

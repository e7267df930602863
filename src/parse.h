/* parse.h - value parsers shared by every option and file reader.
 * All share one shape: true and *out written on success, false otherwise
 * (out untouched). None of them prints. */
#ifndef E2E_PARSE_H
#define E2E_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "250ms", "30s", "2m", "1h", "1.5s", "100us"; a bare number is seconds. */
bool e2e_parse_duration(const char *s, uint64_t *out_ns);
/* Decimal integer in [min, max], no sign, no trailing junk. */
bool e2e_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Finite decimal number in [min, max]; it may end in unit ("%", "ms") when
 * unit is not NULL. */
bool e2e_parse_double(const char *s, double min, double max, const char *unit, double *out);
/* "ADDR:PORT", "[v6]:PORT" or ":PORT" (host defaults to 127.0.0.1). host
 * gets the address without brackets. Port 0 means "any free port". */
bool e2e_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t *port);

/* The value of a hex digit (either case), -1 for any other byte. */
int e2e_parse_hex_digit(int c);

#endif

/* buf.h - a growable byte buffer (renderers, SQL-free string building). */
#ifndef E2E_BUF_H
#define E2E_BUF_H

#include <stddef.h>

struct e2e_buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
};

#define E2E_BUF_INIT                                                                                         \
	{                                                                                                    \
		NULL, 0, 0                                                                                   \
	}

void e2e_buf_init(struct e2e_buf *b);
/* Frees the storage; accepts NULL. */
void e2e_buf_finish(struct e2e_buf *b);
/* Appends; abort()s on out-of-memory like git's xmalloc. */
void e2e_buf_add(struct e2e_buf *b, const void *data, size_t len);
void e2e_buf_puts(struct e2e_buf *b, const char *s);
void e2e_buf_putc(struct e2e_buf *b, char c);
void e2e_buf_printf(struct e2e_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void e2e_buf_reset(struct e2e_buf *b);
/* Hands the storage to the caller (caller frees) and resets b. Never NULL. */
char *e2e_buf_detach(struct e2e_buf *b, size_t *len);

/* Allocation wrappers that abort() on failure. */
void *e2e_xmalloc(size_t n);
void *e2e_xcalloc(size_t n, size_t size);
void *e2e_xrealloc(void *p, size_t n);
char *e2e_xstrdup(const char *s);
/* e2e_xmalloc for an array of megabytes that is filled once (a run's
 * samples): asks the kernel to back it with huge pages where it can, so
 * that filling it takes a few page faults instead of one per 4 KiB (a
 * third of a 1,000,000-request report's time went to those). Freed with
 * free(). */
void *e2e_xmalloc_big(size_t n);

#endif

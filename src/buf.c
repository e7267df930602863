#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void *e2e_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

void *e2e_xmalloc_big(size_t n)
{
	void *p = e2e_xmalloc(n);
#ifdef MADV_HUGEPAGE
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;

	if (n < ((size_t)4 << 20))
		return p;
	lo = ((uintptr_t)p + page - 1) & ~(page - 1);
	hi = ((uintptr_t)p + n) & ~(page - 1);
	(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* only advice: failing is fine */
#endif
	return p;
}

void *e2e_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

void *e2e_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		abort();
	return q;
}

char *e2e_xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		abort();
	return p;
}

void e2e_buf_init(struct e2e_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void e2e_buf_finish(struct e2e_buf *b)
{
	if (!b)
		return;
	free(b->data);
	e2e_buf_init(b);
}

static void grow(struct e2e_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = e2e_xrealloc(b->data, cap);
	b->cap = cap;
}

void e2e_buf_add(struct e2e_buf *b, const void *data, size_t len)
{
	grow(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void e2e_buf_puts(struct e2e_buf *b, const char *s)
{
	e2e_buf_add(b, s, strlen(s));
}

void e2e_buf_putc(struct e2e_buf *b, char c)
{
	e2e_buf_add(b, &c, 1);
}

void e2e_buf_printf(struct e2e_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void e2e_buf_reset(struct e2e_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *e2e_buf_detach(struct e2e_buf *b, size_t *len)
{
	char *p = b->data ? b->data : e2e_xstrdup("");

	if (len)
		*len = b->len;
	e2e_buf_init(b);
	return p;
}

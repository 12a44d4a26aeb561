/* SPDX-License-Identifier: MIT */
/* Capped growable buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmalloc.h"

void lw_buf_init(struct lw_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void lw_buf_release(struct lw_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void lw_buf_reset(struct lw_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

int lw_buf_add(struct lw_buf *b, const void *p, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return -1;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int lw_buf_adds(struct lw_buf *b, const char *s)
{
	return lw_buf_add(b, s, strlen(s));
}

int lw_buf_addc(struct lw_buf *b, char c)
{
	return lw_buf_add(b, &c, 1);
}

int lw_buf_printf(struct lw_buf *b, const char *fmt, ...)
{
	char small[256];
	char *big = NULL;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return lw_buf_add(b, small, (size_t)n);
	big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = lw_buf_add(b, big, (size_t)n);
	free(big);
	return rc;
}

char *lw_buf_detach(struct lw_buf *b, size_t *len)
{
	char *p = b->data;

	if (!p)
		p = xstrdup("");
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

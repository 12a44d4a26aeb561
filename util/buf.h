/* SPDX-License-Identifier: MIT */
/* A growable byte buffer with a mandatory size cap (curl's dynbuf): input
 * that would exceed the cap is refused instead of exhausting memory. */
#ifndef LW_BUF_H
#define LW_BUF_H

#include <stddef.h>

struct lw_buf {
	char *data;     /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;     /* allocated bytes */
	size_t max;     /* hard limit on len */
};

void lw_buf_init(struct lw_buf *b, size_t max);
void lw_buf_release(struct lw_buf *b);
void lw_buf_reset(struct lw_buf *b);
/* Appends n bytes; returns -1 (buffer unchanged) when the cap would be exceeded. */
int lw_buf_add(struct lw_buf *b, const void *p, size_t n);
int lw_buf_adds(struct lw_buf *b, const char *s);
int lw_buf_addc(struct lw_buf *b, char c);
int lw_buf_printf(struct lw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Gives the caller the data (caller frees) and leaves the buffer empty. */
char *lw_buf_detach(struct lw_buf *b, size_t *len);

#endif

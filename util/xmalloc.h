/* SPDX-License-Identifier: MIT */
/* Allocation wrappers that abort on out-of-memory: every external input is
 * size-capped before it is buffered, so running out of memory is a bug. */
#ifndef LW_XMALLOC_H
#define LW_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of nmemb elements of size bytes; checks for overflow. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Stops the program as xmalloc does when a library that allocates for us
 * (PCRE2, Hyperscan) reports that memory ran out: what it was doing goes
 * into the message. Used where carrying on would give a silently wrong
 * result rather than an error. */
void xoom(const char *what) __attribute__((noreturn));

#endif

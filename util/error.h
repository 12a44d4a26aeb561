/* SPDX-License-Identifier: MIT */
/* Error reporting shared by every module: a caller-owned message buffer. */
#ifndef LW_ERROR_H
#define LW_ERROR_H

#include <stdarg.h>

#define LW_ERROR_MAX 1024

/* Filled by a failing function; callers print err.msg. Lowercase, no full stop. */
struct lw_error {
	char msg[LW_ERROR_MAX];
};

/* Formats a message into err (err may be NULL). Always returns -1 so that
 * "return lw_error_set(err, ...)" reads naturally in functions returning int. */
int lw_error_set(struct lw_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefixes an existing message: "prefix: old message". */
int lw_error_prefix(struct lw_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

/* SPDX-License-Identifier: MIT */
/* Error message helpers. */
#include <stdio.h>
#include <string.h>

#include "error.h"

int lw_error_set(struct lw_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int lw_error_prefix(struct lw_error *err, const char *fmt, ...)
{
	char old[LW_ERROR_MAX];
	size_t n;
	va_list ap;

	if (!err)
		return -1;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", old);
	return -1;
}

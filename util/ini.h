/* SPDX-License-Identifier: MIT */
/* INI reading on top of libinih with what inih leaves out: line numbers,
 * a callback for every section header (even an empty section), continuation
 * lines flagged as such, and an error for lines longer than inih's buffer
 * instead of a silent split. */
#ifndef LW_INI_H
#define LW_INI_H

#include <stddef.h>

struct lw_ini_handler {
	/* A "[name]" header at line; name is trimmed. */
	void (*section)(void *user, const char *name, int line);
	/* "key = value" at line; continued is 1 for an indented line that
	 * extends the previous key's value (value is then the new part). */
	void (*key)(void *user, const char *key, const char *value, int line, int continued);
	/* A line that cannot be parsed, too long, or holds a NUL. */
	void (*error)(void *user, int line, const char *msg);
};

/* Parses len bytes of data. Every problem goes to h->error; the parse goes
 * on after an unparseable line but stops at a too-long line or a NUL byte. */
void lw_ini_parse(const char *data, size_t len, const struct lw_ini_handler *h, void *user);

#endif

/* SPDX-License-Identifier: MIT */
/* INI parsing with line numbers: libinih does the parsing; the reader that
 * feeds it counts lines and spots section headers. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <ini.h>

#include "ini.h"

struct state {
	const struct lw_ini_handler *h;
	void *user;
	const char *data;
	size_t len, pos;
	int line;
	int indented;           /* the line just read starts with whitespace */
	int have_key;           /* a key was seen in this section (inih's prev_name) */
};

/* Mirrors inih's order of checks: comment, continuation, section. */
static void look_at_line(struct state *st, const char *p, const char *end)
{
	const char *s = p, *close;
	char name[200];
	size_t n;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	st->indented = s > p;
	if (s == end || *s == '\n' || *s == '\r' || *s == ';' || *s == '#')
		return;
	if ((st->indented && st->have_key) || *s != '[')
		return;
	close = memchr(s, ']', (size_t)(end - s));
	if (!close)
		return; /* inih reports the error */
	s++;
	while (s < close && isspace((unsigned char)*s))
		s++;
	n = (size_t)(close - s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, s, n);
	name[n] = '\0';
	st->have_key = 0;
	st->h->section(st->user, name, st->line);
}

static char *reader(char *str, int num, void *stream)
{
	struct state *st = stream;
	const char *p = st->data + st->pos, *end = st->data + st->len, *nl;
	size_t n;
	char msg[128];

	if (st->pos >= st->len)
		return NULL;
	nl = memchr(p, '\n', (size_t)(end - p));
	n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
	st->line++;
	/* inih's buffer holds num - 1 bytes; the line ending need not fit (it is
	 * dropped below), so only the content counts. */
	if (n - (nl != NULL) - (nl && nl > p && nl[-1] == '\r') > (size_t)num - 1) {
		snprintf(msg, sizeof(msg),
			 "line longer than %d characters: continue the value on an indented next line",
			 num - 1);
		st->h->error(st->user, st->line, msg);
		return NULL;
	}
	if (memchr(p, '\0', n)) {
		st->h->error(st->user, st->line, "NUL byte in file");
		return NULL;
	}
	st->pos += n;
	look_at_line(st, p, p + n);
	/* Hand inih the line without its newline if the newline does not fit. */
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(str, p, n);
	str[n] = '\0';
	return str;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct state *st = user;
	int continued = st->indented && st->have_key;

	(void)section;
	st->have_key = 1;
	st->h->key(st->user, name, value, st->line, continued);
	return 1;
}

void lw_ini_parse(const char *data, size_t len, const struct lw_ini_handler *h, void *user)
{
	struct state st = { h, user, data, len, 0, 0, 0, 0 };
	int rc = ini_parse_stream(reader, &st, on_key, &st);

	if (rc > 0)
		h->error(user, rc, "cannot parse line (expected 'key = value' or '[section]')");
}

/* SPDX-License-Identifier: MIT */
/* ARC header lines: split into fields by the file's own field list. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arc.h"

void arc_spec_default(struct arc_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->n = 5;
	s->url = 0;
	s->date = 2;
	s->ctype = 3;
	s->length = 4;
	snprintf(s->version, sizeof(s->version), "ARC/1");
}

int arc_spec_read(struct arc_spec *s, const char *version_line, const char *fields_line,
		  struct lw_error *err)
{
	char buf[512], *tok, *save = NULL;
	struct arc_spec t;
	int n = 0;

	memset(&t, 0, sizeof(t));
	t.url = t.date = t.ctype = t.length = -1;
	snprintf(t.version, sizeof(t.version), "ARC/%c",
		 isdigit((unsigned char)version_line[0]) ? version_line[0] : '1');
	snprintf(buf, sizeof(buf), "%s", fields_line);
	for (tok = strtok_r(buf, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
		if (n == ARC_FIELDS_MAX)
			return lw_error_set(err, "ARC field list of more than %d fields", ARC_FIELDS_MAX);
		if (!strcasecmp(tok, "URL"))
			t.url = n;
		else if (!strcasecmp(tok, "Archive-date"))
			t.date = n;
		else if (!strcasecmp(tok, "Content-type"))
			t.ctype = n;
		else if (!strcasecmp(tok, "Archive-length"))
			t.length = n;
		n++;
	}
	if (t.url != 0 || t.length != n - 1)
		return lw_error_set(err, "ARC field list '%.80s' does not start with URL and end "
				    "with Archive-length", fields_line);
	t.n = n;
	*s = t;
	return 0;
}

int arc_line_split(char *line, const struct arc_spec *s, struct arc_line *out,
		   struct lw_error *err)
{
	char *f[ARC_FIELDS_MAX], *end = line + strlen(line), *sp;
	const char *d;
	int k = s->n - 1;

	memset(out, 0, sizeof(*out));
	if (end > line && end[-1] == '\r')
		*--end = '\0';
	/* From the right: every field but the URL is a single word. */
	while (k > 0) {
		*end = '\0';
		sp = end;
		while (sp > line && sp[-1] != ' ')
			sp--;
		if (sp == line || sp == end)
			return lw_error_set(err, "ARC header '%.80s' has fewer than %d fields", line, s->n);
		f[k--] = sp;
		end = sp - 1;
	}
	*end = '\0';
	f[0] = line;
	if (!line[0])
		return lw_error_set(err, "ARC header without a URL");
	d = s->date >= 0 ? f[s->date] : "";
	for (const char *p = d; *p; p++)
		if (!isdigit((unsigned char)*p))
			return lw_error_set(err, "ARC header date '%.40s' is not digits", d);
	out->url = f[0];
	out->date = d;
	out->ctype = s->ctype >= 0 ? f[s->ctype] : "";
	if (isdigit((unsigned char)f[s->length][0])) {
		char *e;

		errno = 0;
		out->length = strtoull(f[s->length], &e, 10);
		out->length_ok = !*e && errno != ERANGE;
		if (!out->length_ok)
			out->length = 0;
	}
	return 0;
}

void arc_date_iso(const char *date, char *out, size_t outsz)
{
	size_t n = strlen(date);

	if (n == 14 && outsz >= 21) {
		snprintf(out, outsz, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", date, date + 4, date + 6,
			 date + 8, date + 10, date + 12);
		return;
	}
	snprintf(out, outsz, "%s", date);
}

/* SPDX-License-Identifier: MIT */
/* Private to archive/: the header lines of Internet Archive ARC files
 * (version 1, "URL IP-address Archive-date Content-type Archive-length",
 * and version 2, which adds five fields before the length). */
#ifndef LW_ARCHIVE_ARC_H
#define LW_ARCHIVE_ARC_H

#include <stdint.h>

#include "../util/error.h"

/* A header line longer than this is not an ARC header. */
#define ARC_LINE_MAX 8192u
#define ARC_FIELDS_MAX 16

/* Which field holds what, as the file's own field list (the third line of
 * its first record) says. */
struct arc_spec {
	int n;                  /* fields in a line */
	int url, date, ctype, length;
	char version[16];       /* "ARC/1", "ARC/2" */
};

/* One header line's fields: pointers into the line, which is cut up. */
struct arc_line {
	const char *url, *date, *ctype;
	uint64_t length;        /* 0 when the line's length is not a number */
	int length_ok;
};

/* The version 1 layout, until the file says otherwise. */
void arc_spec_default(struct arc_spec *s);
/* Reads the version line ("1 0 Org") and field list of a filedesc record's
 * block into s. Returns 0, or -1 with err when the list lacks URL or
 * Archive-length. */
int arc_spec_read(struct arc_spec *s, const char *version_line, const char *fields_line,
		  struct lw_error *err);
/* Splits line (NUL-terminated, no newline) into s->n fields, from the right,
 * so a URL holding spaces stays whole (as warcio reads it). Returns 0, or
 * -1 with err when the line does not have the fields of an ARC header or
 * its date is not digits. */
int arc_line_split(char *line, const struct arc_spec *s, struct arc_line *out,
		   struct lw_error *err);
/* "20140216050221" as "2014-02-16T05:02:21Z" into out (at least 21 bytes);
 * any other date is copied as it is (cut to fit). */
void arc_date_iso(const char *date, char *out, size_t outsz);

#endif

/* SPDX-License-Identifier: MIT */
/* Reading WARC (and ARC) records out of a byte stream: gzip members undone
 * as they come (zlib), record headers parsed, blocks kept up to a cap, and
 * damage -- a wrong Content-Length, garbage between records, a file that
 * stops short -- reported with the offset where it was found. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "arc.h"
#include "archive.h"
#include "source.h"

/* The uncompressed window records are parsed from; it holds a whole header
 * block (ARCHIVE_HEADER_MAX) with room to spare. Both buffers start at the
 * size of a small file (a page's WARC is a few KB, and 1.25 MB allocated
 * and touched for each was most of fuzz_archive's time), the window
 * growing to WIN as records need it. */
#define WIN (1024u * 1024u)
#define CIN (256u * 1024u)
#define BUF_MIN 4096u

/* Where a gzip member starts: uncompressed and in the file. */
struct member {
	uint64_t u, c;
};

struct archive_reader {
	struct source *src;
	unsigned char *cin;
	size_t cin_pos, cin_len, ccap;
	uint64_t c_done;        /* file bytes taken in */
	int src_eof, gz, in_member;
	z_stream z;
	int z_init;
	unsigned char *win;
	size_t pos, len, wcap;  /* wcap grows to WIN */
	uint64_t ustart;        /* uncompressed offset of win[0] */
	int eof;                /* no byte will follow win[len] */
	char eof_why[160];      /* set when the stream itself ended badly */
	struct member *mem;
	size_t nmem, memcap;
	struct lw_buf block;
	char *hdr;
	int started;
	char pending[LW_ERROR_MAX];     /* the fatal error after a truncated record */
	int arc;                        /* an ARC file: its records have no WARC headers */
	struct arc_spec spec;
	char arc_id[96], arc_date[40];  /* the current ARC record's, made up */
};

/* ---- the byte window ------------------------------------------------------------ */

static void push_member(struct archive_reader *r, uint64_t u, uint64_t c)
{
	if (r->nmem == r->memcap) {
		r->memcap = r->memcap ? 2 * r->memcap : 64;
		r->mem = xreallocarray(r->mem, r->memcap, sizeof(*r->mem));
	}
	r->mem[r->nmem].u = u;
	r->mem[r->nmem].c = c;
	r->nmem++;
}

/* Members that start before the window's first byte are forgotten, all but
 * the last (which may still hold it). */
static void trim_members(struct archive_reader *r)
{
	size_t k = 0;

	while (k + 1 < r->nmem && r->mem[k + 1].u <= r->ustart + r->pos)
		k++;
	if (k) {
		memmove(r->mem, r->mem + k, (r->nmem - k) * sizeof(*r->mem));
		r->nmem -= k;
	}
}

static uint64_t member_at(const struct archive_reader *r, uint64_t u)
{
	uint64_t c = u;

	for (size_t i = 0; i < r->nmem && r->mem[i].u <= u; i++)
		c = r->mem[i].c;
	return c;
}

static int read_in(struct archive_reader *r, struct lw_error *err)
{
	size_t got;

	if (r->cin_pos == r->cin_len)
		r->cin_pos = r->cin_len = 0;
	if (source_read(r->src, r->cin + r->cin_len, r->ccap - r->cin_len, &got, err) < 0)
		return -1;
	if (!got)
		r->src_eof = 1;
	r->cin_len += got;
	return 0;
}

/* Inflates into the window until it grew, a member ended, or input ran out. */
static int inflate_some(struct archive_reader *r, struct lw_error *err)
{
	size_t before_in, before_out;
	int zr;

	if (r->cin_pos == r->cin_len) {
		if (!r->src_eof && read_in(r, err) < 0)
			return -1;
		if (r->cin_pos == r->cin_len) {
			r->eof = 1;
			if (r->in_member)
				snprintf(r->eof_why, sizeof(r->eof_why),
					 "gzip data ends at file offset %llu in the middle of a member",
					 (unsigned long long)r->c_done);
			return 0;
		}
	}
	if (!r->in_member) {
		push_member(r, r->ustart + r->len, r->c_done);
		r->in_member = 1;
	}
	r->z.next_in = r->cin + r->cin_pos;
	r->z.avail_in = (uInt)(r->cin_len - r->cin_pos);
	r->z.next_out = r->win + r->len;
	r->z.avail_out = (uInt)(r->wcap - r->len);
	before_in = r->z.avail_in;
	before_out = r->z.avail_out;
	zr = inflate(&r->z, Z_NO_FLUSH);
	r->cin_pos += before_in - r->z.avail_in;
	r->c_done += before_in - r->z.avail_in;
	r->len += before_out - r->z.avail_out;
	if (zr == Z_STREAM_END) {
		inflateReset(&r->z);
		r->in_member = 0;
	} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
		r->eof = 1;
		snprintf(r->eof_why, sizeof(r->eof_why), "bad gzip data near file offset %llu: %s",
			 (unsigned long long)r->c_done, r->z.msg ? r->z.msg : "inflate failed");
	}
	return 0;
}

/* Frees room at the window's end: what was parsed moves out, and a window
 * still short of WIN doubles. Afterwards at least a quarter is free, or
 * more than n bytes wait at pos (n <= WIN/2). */
static void make_room(struct archive_reader *r)
{
	if (r->pos && r->wcap - r->len < r->wcap / 4) {
		memmove(r->win, r->win + r->pos, r->len - r->pos);
		r->ustart += r->pos;
		r->len -= r->pos;
		r->pos = 0;
		trim_members(r);
	}
	if (r->wcap < WIN && r->wcap - r->len < r->wcap / 4) {
		r->wcap = 2 * r->wcap < WIN ? 2 * r->wcap : WIN;
		r->win = xrealloc(r->win, r->wcap);
	}
}

/* Makes at least n bytes (n <= WIN/2) available at pos unless the stream
 * ends first. */
static int need(struct archive_reader *r, size_t n, struct lw_error *err)
{
	while (r->len - r->pos < n && !r->eof) {
		make_room(r);
		if (r->gz) {
			if (inflate_some(r, err) < 0)
				return -1;
		} else {
			size_t got;

			if (source_read(r->src, r->win + r->len, r->wcap - r->len, &got, err) < 0)
				return -1;
			r->c_done += got;
			r->len += got;
			if (!got)
				r->eof = 1;
		}
	}
	return 0;
}

static size_t avail(const struct archive_reader *r)
{
	return r->len - r->pos;
}

/* ---- records -------------------------------------------------------------------- */

/* memchr from line to line rather than a byte loop: a damaged header is
 * searched to ARCHIVE_HEADER_MAX once for every candidate record start. */
static const char *find_end_of_headers(const unsigned char *p, size_t n, size_t *hlen)
{
	const unsigned char *nl;

	for (size_t i = 0; i + 1 < n; i++) {
		if (!(nl = memchr(p + i, '\n', n - 1 - i)))
			break;
		i = (size_t)(nl - p);
		if (p[i + 1] == '\n') {
			*hlen = i + 2;
			return (const char *)p;
		}
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') {
			*hlen = i + 3;
			return (const char *)p;
		}
	}
	return NULL;
}

static unsigned char *find(unsigned char *h, size_t n, const char *needle, size_t k)
{
	unsigned char *p = h, *end = h + n;

	while (end - p >= (ptrdiff_t)k && (p = memchr(p, needle[0], (size_t)(end - p - k + 1)))) {
		if (memcmp(p, needle, k) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* Skips to the next line that starts "WARC/". Returns the bytes skipped. */
static int resync(struct archive_reader *r, uint64_t *skipped, struct lw_error *err)
{
	*skipped = 0;
	for (;;) {
		unsigned char *p;

		if (need(r, 6, err) < 0)
			return -1;
		if (avail(r) < 6) {
			*skipped += avail(r);
			r->pos = r->len;
			return 0;
		}
		p = find(r->win + r->pos + 1, avail(r) - 1, "\nWARC/", 6);
		if (p) {
			size_t k = (size_t)(p + 1 - (r->win + r->pos));

			*skipped += k;
			r->pos += k;
			return 0;
		}
		*skipped += avail(r) - 5;
		r->pos = r->len - 5;
	}
}

static void trim(char **s)
{
	char *p = *s, *e;

	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	*s = p;
}

/* Splits the header block held in r->hdr and fills rec's fields. 0 or -1
 * with err naming the problem. */
static int parse_headers(struct archive_reader *r, struct archive_record *rec,
			 struct lw_error *err)
{
	char *line = r->hdr, *next, *cl = NULL;
	int first = 1;

	rec->record_id = rec->target_uri = rec->date = rec->content_type = "";
	rec->type[0] = '\0';
	for (; line && *line; line = next) {
		char *colon, *name, *value;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		trim(&line);
		if (!*line)
			break;
		if (first) {
			if (strlen(line) >= sizeof(rec->version))
				return lw_error_set(err, "bad version line '%.40s'", line);
			snprintf(rec->version, sizeof(rec->version), "%s", line);
			first = 0;
			continue;
		}
		colon = strchr(line, ':');
		if (!colon)
			continue;       /* continuation lines and junk carry nothing we use */
		*colon = '\0';
		name = line;
		value = colon + 1;
		trim(&name);
		trim(&value);
		if (strcasecmp(name, "WARC-Type") == 0)
			snprintf(rec->type, sizeof(rec->type), "%s", value);
		else if (strcasecmp(name, "WARC-Record-ID") == 0)
			rec->record_id = value;
		else if (strcasecmp(name, "WARC-Target-URI") == 0)
			rec->target_uri = value;
		else if (strcasecmp(name, "WARC-Date") == 0)
			rec->date = value;
		else if (strcasecmp(name, "Content-Type") == 0)
			rec->content_type = value;
		else if (strcasecmp(name, "Content-Length") == 0)
			cl = value;
	}
	if (!cl)
		return lw_error_set(err, "no Content-Length");
	{
		char *end;
		unsigned long long v;

		if (!isdigit((unsigned char)*cl))
			return lw_error_set(err, "bad Content-Length '%.40s'", cl);
		errno = 0;
		v = strtoull(cl, &end, 10);
		if (*end || errno == ERANGE)
			return lw_error_set(err, "bad Content-Length '%.40s'", cl);
		rec->content_length = v;
	}
	if (rec->target_uri[0] == '<') {
		char *u = (char *)rec->target_uri + 1;
		size_t n = strlen(u);

		if (n && u[n - 1] == '>')
			u[n - 1] = '\0';
		rec->target_uri = u;
	}
	return 0;
}

/* Reads the block into r->block (up to the cap), skipping the rest. */
static int read_block(struct archive_reader *r, struct archive_record *rec, struct lw_error *err)
{
	uint64_t left = rec->content_length;

	lw_buf_reset(&r->block);
	while (left) {
		size_t k;

		if (need(r, 1, err) < 0)
			return -1;
		if (!avail(r)) {
			rec->truncated = 1;
			break;
		}
		k = avail(r) < left ? avail(r) : (size_t)left;
		if (r->block.len < ARCHIVE_BLOCK_MAX) {
			size_t keep = ARCHIVE_BLOCK_MAX - r->block.len;

			lw_buf_add(&r->block, r->win + r->pos, keep < k ? keep : k);
		}
		r->pos += k;
		left -= k;
	}
	rec->block = r->block.data ? r->block.data : "";
	rec->block_len = r->block.len;
	rec->clipped = r->block.len < rec->content_length;
	return 0;
}

static int fatal_end(struct archive_reader *r, struct lw_error *err)
{
	if (r->eof_why[0])
		return lw_error_set(err, "%s", r->eof_why);
	return 0;
}

/* ---- ARC files ------------------------------------------------------------------ */

/* The length of the line at pos without its newline, or -1 when no newline
 * comes within ARC_LINE_MAX bytes. */
static int line_at(struct archive_reader *r, size_t *len, struct lw_error *err)
{
	unsigned char *nl;
	size_t n;

	if (need(r, ARC_LINE_MAX, err) < 0)
		return -1;
	n = avail(r) < ARC_LINE_MAX ? avail(r) : ARC_LINE_MAX;
	nl = memchr(r->win + r->pos, '\n', n);
	if (!nl)
		return 1;
	*len = (size_t)(nl - (r->win + r->pos));
	return 0;
}

static int header_line(const struct archive_reader *r, size_t len)
{
	struct arc_line l;
	struct lw_error e;
	char *line;
	int ok;

	if (!len)
		return 0;
	line = xstrndup((const char *)r->win + r->pos, len);
	ok = arc_line_split(line, &r->spec, &l, &e) == 0;
	free(line);
	return ok;
}

/* Skips the line at pos and any after it up to the next that reads as an
 * ARC header (or the end). */
static int arc_resync(struct archive_reader *r, uint64_t *skipped, struct lw_error *err)
{
	size_t len;
	int rc;

	*skipped = 0;
	for (int first = 1;; first = 0) {
		if ((rc = line_at(r, &len, err)) < 0)
			return -1;
		if (rc == 1)
			len = avail(r) < ARC_LINE_MAX ? avail(r) : ARC_LINE_MAX;
		else if (!first && header_line(r, len))
			return 0;
		if (!avail(r))
			return 0;
		len += rc == 0;
		r->pos += len;
		*skipped += len;
	}
}

/* Takes the next line out of the stream into out (cut to fit): for the
 * version lines of a filedesc record whose length is wrong. */
static int take_line(struct archive_reader *r, char *out, size_t outsz, struct lw_error *err)
{
	size_t len;
	int rc = line_at(r, &len, err);

	if (rc < 0)
		return -1;
	if (rc == 1)
		len = avail(r) < ARC_LINE_MAX ? avail(r) : ARC_LINE_MAX;
	snprintf(out, outsz, "%.*s", (int)len, (const char *)r->win + r->pos);
	r->pos += len + (rc == 0);
	return 0;
}

/* The file's first record says which fields its header lines hold. */
static int read_filedesc(struct archive_reader *r, struct archive_record *rec, uint64_t at,
			 struct lw_error *err)
{
	char v[256] = "", f[512] = "";
	const char *p = rec->block, *e = rec->block + rec->block_len, *nl;

	if (!rec->content_length) {
		/* warcio reads the two lines whatever the length says. */
		if (take_line(r, v, sizeof(v), err) < 0 || take_line(r, f, sizeof(f), err) < 0)
			return -1;
	} else {
		nl = memchr(p, '\n', (size_t)(e - p));
		snprintf(v, sizeof(v), "%.*s", (int)((nl ? nl : e) - p), p);
		p = nl ? nl + 1 : e;
		nl = memchr(p, '\n', (size_t)(e - p));
		snprintf(f, sizeof(f), "%.*s", (int)((nl ? nl : e) - p), p);
	}
	f[strcspn(f, "\r")] = '\0';
	if (arc_spec_read(&r->spec, v, f, err) < 0)
		return lw_error_prefix(err, "offset %llu: ARC file header", (unsigned long long)at);
	snprintf(rec->version, sizeof(rec->version), "%s", r->spec.version);
	return 0;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Says, for the next call, where a record the file cut short began and how
 * much of it there was. */
static void note_truncated(struct archive_reader *r, const struct archive_record *rec,
			   uint64_t at)
{
	snprintf(r->pending, sizeof(r->pending),
		 "truncated: the file ends at offset %llu inside the record at offset %llu "
		 "(%zu of %llu bytes)%s%s", (unsigned long long)(r->ustart + r->len),
		 (unsigned long long)at, rec->block_len, (unsigned long long)rec->content_length,
		 r->eof_why[0] ? "; " : "", r->eof_why);
}

/* An ARC record: one header line, then Archive-length bytes. ARC has no
 * record ids, so one is made of the capture's date, the record's offset and
 * its URL: the same for the same file wherever it is read from. */
static int next_arc(struct archive_reader *r, struct archive_record *rec, uint64_t at,
		    struct lw_error *err)
{
	struct arc_line l;
	struct lw_error why;
	uint64_t skipped;
	size_t len;
	int rc = line_at(r, &len, err), filedesc;

	if (rc < 0)
		return -1;
	if (rc == 1 && r->eof && avail(r) < ARC_LINE_MAX) {
		snprintf(r->pending, sizeof(r->pending),
			 "truncated: the file ends at offset %llu inside the header of the "
			 "record at offset %llu", (unsigned long long)(r->ustart + r->len),
			 (unsigned long long)at);
		r->pos = r->len;
		return lw_error_set(err, "%s", r->pending);
	}
	free(r->hdr);
	r->hdr = rc == 1 ? NULL : xstrndup((const char *)r->win + r->pos, len);
	if (rc == 1 || arc_line_split(r->hdr, &r->spec, &l, &why) < 0) {
		if (rc == 1)
			lw_error_set(&why, "ARC header line longer than %u bytes", ARC_LINE_MAX);
		if (arc_resync(r, &skipped, err) < 0)
			return -1;
		lw_error_set(err, "offset %llu: %s; %llu bytes that are not an ARC record skipped",
			     (unsigned long long)at, why.msg, (unsigned long long)skipped);
		return 2;
	}
	r->pos += len + 1;
	filedesc = strncmp(l.url, "filedesc://", 11) == 0;
	snprintf(rec->version, sizeof(rec->version), "%s", r->spec.version);
	snprintf(rec->type, sizeof(rec->type), "%s", filedesc ? "arc_header" : "response");
	arc_date_iso(l.date, r->arc_date, sizeof(r->arc_date));
	snprintf(r->arc_id, sizeof(r->arc_id), "<urn:x-arc:%s:%llu:%016llx>", l.date,
		 (unsigned long long)at, (unsigned long long)fnv1a(l.url));
	rec->record_id = r->arc_id;
	rec->target_uri = l.url;
	rec->date = r->arc_date;
	rec->content_type = l.ctype;
	rec->content_length = l.length;
	rec->data_offset = at;
	rec->file_offset = r->gz ? member_at(r, at) : at;
	if (read_block(r, rec, err) < 0)
		return -1;
	if (filedesc && !r->started && read_filedesc(r, rec, at, err) < 0)
		return -1;
	r->started = 1;
	if (rec->truncated) {
		note_truncated(r, rec, at);
	}
	return 1;
}

/* ---- reading -------------------------------------------------------------------- */

int archive_reader_next(struct archive_reader *r, struct archive_record *rec,
			struct lw_error *err)
{
	size_t hlen = 0;
	uint64_t at, skipped;

	if (r->pending[0]) {
		lw_error_set(err, "%s", r->pending);
		return -1;
	}
	memset(rec, 0, sizeof(*rec));
	/* Records are followed by CRLF CRLF; extra blank lines are harmless. */
	for (;;) {
		if (need(r, 1, err) < 0)
			return -1;
		if (!avail(r))
			return r->eof_why[0] ? fatal_end(r, err) : 0;
		if (r->win[r->pos] != '\r' && r->win[r->pos] != '\n')
			break;
		r->pos++;
	}
	if (need(r, 11, err) < 0)
		return -1;
	at = r->ustart + r->pos;
	if (!r->started && avail(r) >= 11 && memcmp(r->win + r->pos, "filedesc://", 11) == 0)
		r->arc = 1;
	if (r->arc)
		return next_arc(r, rec, at, err);
	if (avail(r) < 5 || memcmp(r->win + r->pos, "WARC/", 5) != 0) {
		if (!r->started)
			return lw_error_set(err, "not a WARC or ARC file: offset %llu starts with "
					    "neither 'WARC/' nor 'filedesc://'", (unsigned long long)at);
		if (resync(r, &skipped, err) < 0)
			return -1;
		lw_error_set(err, "offset %llu: %llu bytes that are not a WARC record skipped "
			     "(a wrong Content-Length before them?)", (unsigned long long)at,
			     (unsigned long long)skipped);
		return 2;
	}
	if (need(r, ARCHIVE_HEADER_MAX, err) < 0)
		return -1;
	if (!find_end_of_headers(r->win + r->pos, avail(r) < ARCHIVE_HEADER_MAX ? avail(r)
				 : ARCHIVE_HEADER_MAX, &hlen)) {
		if (r->eof && avail(r) < ARCHIVE_HEADER_MAX) {
			snprintf(r->pending, sizeof(r->pending),
				 "truncated: the file ends at offset %llu inside the header of the "
				 "record at offset %llu", (unsigned long long)(r->ustart + r->len),
				 (unsigned long long)at);
			r->pos = r->len;
			lw_error_set(err, "%s", r->pending);
			return -1;
		}
		r->pos += 5;
		if (resync(r, &skipped, err) < 0)
			return -1;
		lw_error_set(err, "offset %llu: record header longer than %u bytes, skipped",
			     (unsigned long long)at, ARCHIVE_HEADER_MAX);
		return 2;
	}
	r->started = 1;
	free(r->hdr);
	r->hdr = xstrndup((const char *)r->win + r->pos, hlen);
	rec->data_offset = at;
	rec->file_offset = r->gz ? member_at(r, at) : at;
	if (parse_headers(r, rec, err) < 0) {
		lw_error_prefix(err, "offset %llu: malformed record header", (unsigned long long)at);
		r->pos += 5;
		if (resync(r, &skipped, err) < 0)
			return -1;
		return 2;
	}
	r->pos += hlen;
	if (read_block(r, rec, err) < 0)
		return -1;
	if (rec->truncated) {
		note_truncated(r, rec, at);
		return 1;
	}
	/* The CRLF CRLF after the block; whatever else follows is checked as
	 * the next record's start. */
	if (need(r, 4, err) < 0)
		return -1;
	for (int i = 0; i < 4 && avail(r) && (r->win[r->pos] == '\r' || r->win[r->pos] == '\n'); i++)
		r->pos++;
	return 1;
}

/* ---- opening -------------------------------------------------------------------- */

struct archive_reader *archive_reader_open(const char *path, struct lw_error *err)
{
	struct archive_reader *r = xcalloc(1, sizeof(*r));

	uint64_t size;

	r->src = source_open(path, err);
	if (!r->src)
		goto fail;
	/* A size of 0 is unknown (a transfer without Content-Length). A plain
	 * file fits its window whole; a gzipped one starts at four times its
	 * size and grows like any other. */
	size = source_size(r->src);
	r->ccap = size && size + 1 < CIN ? (size_t)size + 1 : CIN;
	r->ccap = r->ccap < BUF_MIN ? BUF_MIN : r->ccap;
	r->wcap = size && size < WIN / 8 ? (size_t)size * 4 + 1 : WIN;
	r->wcap = r->wcap < r->ccap ? r->ccap : r->wcap;
	r->cin = xmalloc(r->ccap);
	r->win = xmalloc(r->wcap);
	lw_buf_init(&r->block, ARCHIVE_BLOCK_MAX + 1);
	arc_spec_default(&r->spec);
	while (r->cin_len < 2 && !r->src_eof)
		if (read_in(r, err) < 0)
			goto fail;
	r->gz = r->cin_len >= 2 && r->cin[0] == 0x1f && r->cin[1] == 0x8b;
	if (r->gz) {
		if (inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK) {
			lw_error_set(err, "'%s': cannot start zlib", path);
			goto fail;
		}
		r->z_init = 1;
	} else {
		/* What was read to look at the magic is the first of the data. */
		memcpy(r->win, r->cin, r->cin_len);
		r->len = r->cin_len;
		r->c_done = r->cin_len;
		r->cin_len = 0;
		if (r->src_eof)
			r->eof = 1;
	}
	return r;
fail:
	archive_reader_free(r);
	return NULL;
}

void archive_reader_progress(const struct archive_reader *r, uint64_t *done, uint64_t *total)
{
	*done = r->c_done;
	*total = source_size(r->src);
}

void archive_reader_free(struct archive_reader *r)
{
	if (!r)
		return;
	if (r->z_init)
		inflateEnd(&r->z);
	source_close(r->src);
	lw_buf_release(&r->block);
	free(r->mem);
	free(r->hdr);
	free(r->cin);
	free(r->win);
	free(r);
}

/* SPDX-License-Identifier: MIT */
/* JSON Lines of listings read line by line with a cap per line. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/utf8.h"
#include "../util/xmalloc.h"
#include "ingest_jsonl.h"

/* The fields of a listing, in the order of field_names. */
enum { F_URL, F_TITLE, F_BODY, F_HTML, F_LOCATION, F_POSTED, F_SOURCE, F_COUNT };
static const char *const field_names[F_COUNT] = {
	"url", "title", "body", "html", "location", "posted", "source",
};

/* Hands the fields (each a string or NULL) to fn as a listing. */
static int give(const char *const f[F_COUNT], const char *origin, jsonl_listing_fn *fn, void *ctx)
{
	struct store_listing l;

	memset(&l, 0, sizeof(l));
	l.url = f[F_URL];
	l.title = f[F_TITLE];
	l.location = f[F_LOCATION];
	l.posted = f[F_POSTED];
	l.source = f[F_SOURCE];
	l.origin = origin;
	l.body = f[F_BODY] ? f[F_BODY] : f[F_HTML];
	l.is_html = !f[F_BODY] && f[F_HTML];
	return fn(&l, ctx);
}

/* ---- the fast reader ------------------------------------------------------------- */

/* Most lines are a flat object of strings. jansson built a tree of them
 * (an allocation per key and value, a hash table per line): 10% of
 * ingestion's client CPU (perf, 10,000 generated listings). The fast
 * reader takes such a line in one allocation; anything else it leaves to
 * jansson (a number or nested value, an escape it does not decode, a
 * duplicate key, a malformed line), so what is accepted, and every
 * rejection's message, stay jansson's. */
#define FAST_KEYS 32

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int hex4(const char *p, const char *end, unsigned *cp)
{
	*cp = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int c = p[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
				  : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		*cp = *cp << 4 | (unsigned)d;
	}
	return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* A \u escape at p (past the backslash and u), with its low surrogate if
 * it is a high one, into o; the end of the escape, or NULL for what jansson
 * refuses (NUL, a lone surrogate) or a bad escape. */
static const char *fast_escape(const char *p, const char *end, char **o)
{
	unsigned cp, lo;

	if (hex4(p, end, &cp) < 0 || cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
		return NULL;
	p += 4;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &lo) < 0 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return NULL;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		p += 6;
	}
	*o = put_utf8(*o, cp);
	return p;
}

/* The JSON string whose opening quote is at *pp, decoded into out and
 * NUL-terminated (never longer than it was written); moves *pp past it.
 * NULL for anything left to jansson. */
static char *fast_string(const char **pp, const char *end, char *out)
{
	const char *p = *pp + 1;
	char *o = out;

	while (p < end) {
		unsigned char c = (unsigned char)*p;
		size_t n;

		if (c == '"') {
			*o = '\0';
			*pp = p + 1;
			return out;
		}
		if (c == '\\') {
			const char *esc = "\"\\/bfnrt", *raw = "\"\\/\b\f\n\r\t", *e;

			if (end - p < 2)
				return NULL;
			if (p[1] == 'u') {
				if (!(p = fast_escape(p + 2, end, &o)))
					return NULL;
				continue;
			}
			if (!p[1] || !(e = strchr(esc, p[1])))
				return NULL;
			*o++ = raw[e - esc];
			p += 2;
			continue;
		}
		if (c < 0x20)
			return NULL;
		n = c < 0x80 ? 1 : lw_utf8_seq_len((const unsigned char *)p, (size_t)(end - p));
		if (n == 0)
			return NULL;
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	return NULL;
}

/* The value after a key: a string (decoded at *o, which moves past it) or
 * null (*val NULL). -1 for anything else. */
static int fast_value(const char **pp, const char *end, char **o, const char **val)
{
	if (*pp < end && **pp == '"') {
		if (!(*val = fast_string(pp, end, *o)))
			return -1;
		*o += strlen(*o) + 1;
		return 0;
	}
	if (end - *pp >= 4 && memcmp(*pp, "null", 4) == 0) {
		*val = NULL;
		*pp += 4;
		return 0;
	}
	return -1;
}

/* Reads a flat object of strings and nulls into f, decoded into buf (as
 * large as the line); -1 for anything left to jansson. */
static int fast_object(const char *p, const char *end, char *buf, const char *f[F_COUNT])
{
	const char *keys[FAST_KEYS];
	size_t nkeys = 0;
	char *o = buf;

	p = skip_ws(p, end);
	if (p == end || *p++ != '{')
		return -1;
	p = skip_ws(p, end);
	if (p < end && *p == '}')
		return skip_ws(p + 1, end) == end ? 0 : -1;
	for (;;) {
		const char *key, *val;

		if (p == end || *p != '"' || nkeys == FAST_KEYS || !(key = fast_string(&p, end, o)))
			return -1;
		o += strlen(o) + 1;
		for (size_t i = 0; i < nkeys; i++)
			if (strcmp(keys[i], key) == 0)
				return -1;
		keys[nkeys++] = key;
		p = skip_ws(p, end);
		if (p == end || *p != ':')
			return -1;
		p = skip_ws(p + 1, end);
		if (fast_value(&p, end, &o, &val) < 0)
			return -1;
		for (int k = 0; k < F_COUNT; k++)
			if (strcmp(key, field_names[k]) == 0)
				f[k] = val;
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			return skip_ws(p + 1, end) == end ? 0 : -1;
		return -1;
	}
}

/* ---- jansson's reader ------------------------------------------------------------ */

static const char *jstr(json_t *o, const char *key, int *bad)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

/* One line to one listing, or one rejection. Returns fn's answer. */
static int take_line(const char *line, size_t len, const char *origin, jsonl_listing_fn *fn,
		     jsonl_reject_fn *reject, void *ctx)
{
	json_error_t jerr;
	json_t *o;
	const char *f[F_COUNT] = { NULL };
	char msg[256], *buf = xmalloc(len + 1);
	int bad = 0, stop = 0;

	if (fast_object(line, line + len, buf, f) == 0) {
		stop = give(f, origin, fn, ctx);
		free(buf);
		return stop;
	}
	free(buf);
	memset(f, 0, sizeof(f));
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	/* Out of memory is not a bad line (cli/main.c routes jansson's
	 * allocations through xmalloc; this covers other callers). */
	if (!o && json_error_code(&jerr) == json_error_out_of_memory)
		xoom("parsing a JSON line");
	if (!o || !json_is_object(o)) {
		snprintf(msg, sizeof(msg), "bad JSON: %s", o ? "expected an object" : jerr.text);
		reject(origin, msg, ctx);
		goto out;
	}
	for (int k = 0; k < F_COUNT; k++)
		f[k] = jstr(o, field_names[k], &bad);
	if (bad) {
		reject(origin, "url, title, body, html, location, posted and source must be strings",
		       ctx);
		goto out;
	}
	stop = give(f, origin, fn, ctx);
out:
	json_decref(o);
	return stop;
}

static int is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

int jsonl_read(FILE *f, const char *name, jsonl_listing_fn *fn, jsonl_reject_fn *reject,
	       void *ctx, struct lw_error *err)
{
	struct lw_buf line;
	char chunk[65536], origin[PATH_MAX + 32], msg[64];
	size_t lineno = 1;
	int overflow = 0, stop = 0, rc = 0;

	lw_buf_init(&line, JSONL_LINE_MAX);
	while (!stop && fgets(chunk, sizeof(chunk), f)) {
		size_t n = strlen(chunk);
		int eol = n && chunk[n - 1] == '\n';

		if (!overflow && lw_buf_add(&line, chunk, n) < 0)
			overflow = 1;
		if (!eol && !feof(f))
			continue;
		snprintf(origin, sizeof(origin), "%s:%zu", name, lineno);
		if (overflow) {
			snprintf(msg, sizeof(msg), "line longer than %u bytes, skipped",
				 JSONL_LINE_MAX);
			reject(origin, msg, ctx);
		} else if (!is_blank(line.data ? line.data : "", line.len)) {
			stop = take_line(line.data, line.len, origin, fn, reject, ctx);
		}
		lw_buf_reset(&line);
		overflow = 0;
		lineno++;
	}
	if (ferror(f))
		rc = lw_error_set(err, "read error: %s", strerror(errno));
	lw_buf_release(&line);
	return rc;
}

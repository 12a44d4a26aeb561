/* SPDX-License-Identifier: MIT */
/* JSON Lines of listings read line by line with a cap per line. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "ingest_jsonl.h"

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
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	struct store_listing l;
	const char *body, *html;
	char msg[256];
	int bad = 0, stop = 0;

	/* Out of memory is not a bad line (cli/main.c routes jansson's
	 * allocations through xmalloc; this covers other callers). */
	if (!o && json_error_code(&jerr) == json_error_out_of_memory)
		xoom("parsing a JSON line");
	if (!o || !json_is_object(o)) {
		snprintf(msg, sizeof(msg), "bad JSON: %s", o ? "expected an object" : jerr.text);
		reject(origin, msg, ctx);
		goto out;
	}
	memset(&l, 0, sizeof(l));
	l.url = jstr(o, "url", &bad);
	l.title = jstr(o, "title", &bad);
	body = jstr(o, "body", &bad);
	html = jstr(o, "html", &bad);
	l.location = jstr(o, "location", &bad);
	l.posted = jstr(o, "posted", &bad);
	l.source = jstr(o, "source", &bad);
	l.origin = origin;
	if (bad) {
		reject(origin, "url, title, body, html, location, posted and source must be strings",
		       ctx);
		goto out;
	}
	l.body = body ? body : html;
	l.is_html = !body && html;
	stop = fn(&l, ctx);
out:
	json_decref(o);
	return stop;
}

/* "NAME:LINE" into out, as snprintf would write it. snprintf itself went
 * down glibc's slow path (libquadmath registers printf hooks; see
 * store/ingest.c's fmt_ll) once a line. */
static void line_origin(char *out, size_t size, const char *name, size_t name_len, size_t lineno)
{
	char digits[24];
	size_t n = 0;

	if (name_len + sizeof(digits) + 2 > size) {
		snprintf(out, size, "%s:%zu", name, lineno);
		return;
	}
	do {
		digits[n++] = (char)('0' + lineno % 10);
		lineno /= 10;
	} while (lineno);
	memcpy(out, name, name_len);
	out[name_len] = ':';
	for (size_t i = 0; i < n; i++)
		out[name_len + 1 + i] = digits[n - 1 - i];
	out[name_len + 1 + n] = '\0';
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
	size_t lineno = 1, name_len;
	int overflow = 0, stop = 0, rc = 0;

	name_len = strlen(name);
	lw_buf_init(&line, JSONL_LINE_MAX);
	while (!stop && fgets(chunk, sizeof(chunk), f)) {
		size_t n = strlen(chunk);
		int eol = n && chunk[n - 1] == '\n';

		if (!overflow && lw_buf_add(&line, chunk, n) < 0)
			overflow = 1;
		if (!eol && !feof(f))
			continue;
		line_origin(origin, sizeof(origin), name, name_len, lineno);
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

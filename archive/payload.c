/* SPDX-License-Identifier: MIT */
/* From a WARC record's block to the page's bytes: the HTTP message read off
 * a response, its chunked transfer coding and gzip or deflate content coding
 * undone, and only HTML and plain text let through to scoring. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "archive.h"

struct http_head {
	long status;
	char ctype[256], te[64], ce[64];
	size_t body;            /* offset of the body in the block */
};

static void copy_value(char *dst, size_t cap, const char *v, size_t n)
{
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* Parses "HTTP/x.y NNN ..." and the headers up to the blank line. */
static int parse_http(const char *p, size_t n, struct http_head *h, struct lw_error *err)
{
	size_t i = 0;
	int first = 1;

	memset(h, 0, sizeof(*h));
	while (i < n) {
		const char *line = p + i, *eol = memchr(line, '\n', n - i);
		size_t len = eol ? (size_t)(eol - line) : n - i;
		const char *colon;

		i += len + (eol != NULL);
		if (len && line[len - 1] == '\r')
			len--;
		if (first) {
			const char *sp = memchr(line, ' ', len);

			if (len < 5 || memcmp(line, "HTTP/", 5) != 0 || !sp ||
			    !isdigit((unsigned char)sp[1]))
				return lw_error_set(err, "bad HTTP status line '%.*s'",
						    (int)(len > 60 ? 60 : len), line);
			h->status = strtol(sp + 1, NULL, 10);
			first = 0;
			continue;
		}
		if (!len) {
			h->body = i;
			return 0;
		}
		colon = memchr(line, ':', len);
		if (!colon)
			continue;
		if ((size_t)(colon - line) == 12 && strncasecmp(line, "Content-Type", 12) == 0)
			copy_value(h->ctype, sizeof(h->ctype), colon + 1, len - 13);
		else if ((size_t)(colon - line) == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0)
			copy_value(h->te, sizeof(h->te), colon + 1, len - 18);
		else if ((size_t)(colon - line) == 16 && strncasecmp(line, "Content-Encoding", 16) == 0)
			copy_value(h->ce, sizeof(h->ce), colon + 1, len - 17);
	}
	/* Headers without the blank line: a clipped record; no body. */
	h->body = n;
	return 0;
}

/* Undoes chunked transfer coding; -1 when the chunks do not parse. A body
 * cut short keeps what arrived. */
static int dechunk(const char *p, size_t n, struct lw_buf *out)
{
	size_t i = 0;

	while (i < n) {
		char *end;
		unsigned long long sz;

		if (!isxdigit((unsigned char)p[i]))
			return -1;
		sz = strtoull(p + i, &end, 16);
		if ((size_t)(end - p) > n)
			return -1;
		i = (size_t)(end - p);
		while (i < n && p[i] != '\n')
			i++;
		if (i >= n)
			return sz ? -1 : 0;
		i++;
		if (sz == 0)
			return 0;
		if (sz > n - i)
			sz = n - i;
		if (lw_buf_add(out, p + i, (size_t)sz) < 0)
			return 0;       /* over the cap: keep what fits */
		i += (size_t)sz;
		if (i < n && p[i] == '\r')
			i++;
		if (i < n && p[i] == '\n')
			i++;
	}
	return 0;
}

/* gzip or zlib (auto-detected), else raw deflate. Partial output from a cut
 * stream is kept. -1 when nothing inflates. */
static int inflate_all(const char *p, size_t n, struct lw_buf *out, int raw)
{
	z_stream z;
	unsigned char buf[65536];
	int zr, rc = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, raw ? -MAX_WBITS : 32 + MAX_WBITS) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			rc = out->len ? 0 : -1;
			break;
		}
		if (lw_buf_add(out, buf, sizeof(buf) - z.avail_out) < 0)
			break;  /* over the cap */
		if (zr == Z_BUF_ERROR)
			break;
	} while (zr != Z_STREAM_END);
	inflateEnd(&z);
	return rc;
}

static int media_kind(const char *ctype, const char *data, size_t len)
{
	char mime[128];
	size_t n = strcspn(ctype, ";");

	copy_value(mime, sizeof(mime), ctype, n);
	if (!mime[0]) {
		size_t i = 0;

		while (i < len && isspace((unsigned char)data[i]))
			i++;
		if (memchr(data, '\0', len < 4096 ? len : 4096))
			return -1;
		return i < len && data[i] == '<' ? 1 : 0;
	}
	if (strcasecmp(mime, "text/html") == 0 || strcasecmp(mime, "application/xhtml+xml") == 0)
		return 1;
	if (strcasecmp(mime, "text/plain") == 0)
		return 0;
	return -1;
}

static int has_token(const char *v, const char *tok)
{
	size_t k = strlen(tok);

	for (; *v; v++)
		if (strncasecmp(v, tok, k) == 0)
			return 1;
	return 0;
}

static int decode_body(const struct http_head *h, const char *p, size_t n, struct lw_buf *out,
		       struct lw_error *err)
{
	struct lw_buf tmp;
	const char *body = p;
	size_t blen = n;
	int rc = 1;

	lw_buf_init(&tmp, ARCHIVE_BLOCK_MAX);
	if (has_token(h->te, "chunked") && dechunk(p, n, &tmp) == 0) {
		body = tmp.data ? tmp.data : "";
		blen = tmp.len;
	}
	if (!h->ce[0] || strcasecmp(h->ce, "identity") == 0) {
		lw_buf_add(out, body, blen);
	} else if (strcasecmp(h->ce, "gzip") == 0 || strcasecmp(h->ce, "x-gzip") == 0 ||
		   strcasecmp(h->ce, "deflate") == 0) {
		/* Some archivers store the decoded body under the original
		 * header: a body that does not inflate is taken as it is. */
		if (inflate_all(body, blen, out, 0) < 0 && inflate_all(body, blen, out, 1) < 0)
			lw_buf_add(out, body, blen);
	} else {
		rc = 0;
		lw_error_set(err, "content coding '%s' is not supported", h->ce);
	}
	lw_buf_release(&tmp);
	return rc;
}

int archive_payload_decode(const struct archive_record *rec, struct archive_payload *out,
			   struct lw_error *err)
{
	struct http_head h;
	struct lw_buf body;
	int http = 0, kind, rc;
	const char *ctype = rec->content_type;

	memset(out, 0, sizeof(*out));
	if (strcmp(rec->type, "response") == 0) {
		http = 1;
	} else if (strcmp(rec->type, "resource") == 0 || strcmp(rec->type, "conversion") == 0) {
		http = rec->block_len >= 5 && memcmp(rec->block, "HTTP/", 5) == 0;
	} else {
		lw_error_set(err, "a '%s' record holds no page", rec->type[0] ? rec->type : "untyped");
		return 0;
	}
	/* A response that is not HTTP (dns:, ftp:, a screenshot) is left out. */
	if (http && (rec->block_len < 5 || memcmp(rec->block, "HTTP/", 5) != 0)) {
		lw_error_set(err, "response record without an HTTP message");
		return 0;
	}
	lw_buf_init(&body, ARCHIVE_BLOCK_MAX);
	if (http) {
		if (parse_http(rec->block, rec->block_len, &h, err) < 0)
			return -1;
		if (h.status < 200 || h.status > 299) {
			lw_error_set(err, "HTTP status %ld", h.status);
			return 0;
		}
		ctype = h.ctype;
		/* An image, a PDF, a script: left out before its body is
		 * de-chunked or inflated, not after. */
		if (ctype[0] && media_kind(ctype, "", 0) < 0) {
			lw_error_set(err, "content type '%s' is not HTML or text", ctype);
			return 0;
		}
		rc = decode_body(&h, rec->block + h.body, rec->block_len - h.body, &body, err);
		if (rc <= 0) {
			lw_buf_release(&body);
			return rc;
		}
		out->http_status = h.status;
	} else {
		lw_buf_add(&body, rec->block, rec->block_len);
	}
	kind = media_kind(ctype, body.data ? body.data : "", body.len);
	if (kind < 0) {
		lw_error_set(err, "content type '%s' is not HTML or text", ctype);
		lw_buf_release(&body);
		return 0;
	}
	out->html = kind;
	out->content_type = xstrdup(ctype);
	out->data = body.data ? lw_buf_detach(&body, &out->len) : xstrdup("");
	return 1;
}

void archive_payload_release(struct archive_payload *p)
{
	free(p->content_type);
	free(p->data);
	memset(p, 0, sizeof(*p));
}

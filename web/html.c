/* SPDX-License-Identifier: MIT */
/* HTML output: escaping for text written by the people lurewatch watches,
 * links to their URLs that never carry our address, and the page frame. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/utf8.h"
#include "web_internal.h"

#ifndef LW_VERSION
#define LW_VERSION "dev"
#endif

/* Printable ASCII that stands for itself in HTML text and attributes. */
static int plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'';
}

void html_escn(struct lw_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t run = 0, l;

		/* Plain printable ASCII, most of any text, is copied a run at once. */
		while (i + run < n && plain(p[i + run]))
			run++;
		if (run) {
			lw_buf_add(b, p + i, run);
			i += run;
			continue;
		}
		l = lw_utf8_seq_len(p + i, n - i);

		if (l == 0) {
			lw_buf_adds(b, "\xEF\xBF\xBD");
			i++;
			continue;
		}
		if (l > 1) {
			lw_buf_add(b, p + i, l);
			i += l;
			continue;
		}
		switch (p[i]) {
		case '&': lw_buf_adds(b, "&amp;"); break;
		case '<': lw_buf_adds(b, "&lt;"); break;
		case '>': lw_buf_adds(b, "&gt;"); break;
		case '"': lw_buf_adds(b, "&quot;"); break;
		case '\'': lw_buf_adds(b, "&#39;"); break;
		case '\n': case '\t': lw_buf_addc(b, (char)p[i]); break;
		default:
			/* Control characters (and NUL) say nothing to a reader. */
			if (p[i] >= 0x20 && p[i] != 0x7f)
				lw_buf_addc(b, (char)p[i]);
		}
		i++;
	}
}

void html_esc(struct lw_buf *b, const char *s)
{
	if (s)
		html_escn(b, s, strlen(s));
}

void html_urlenc(struct lw_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			lw_buf_addc(b, (char)*p);
		} else {
			lw_buf_addc(b, '%');
			lw_buf_addc(b, hex[*p >> 4]);
			lw_buf_addc(b, hex[*p & 15]);
		}
	}
}

void html_raw(struct lw_buf *b, const char *fmt, ...)
{
	char small[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		lw_buf_add(b, small, (size_t)n);
		return;
	}
	{
		char *big = malloc((size_t)n + 1);

		if (!big)
			return;
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		lw_buf_add(b, big, (size_t)n);
		free(big);
	}
}

static int http_url(const char *u)
{
	return u && (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0);
}

void html_ad_link(struct lw_buf *b, const char *url, const char *text)
{
	if (!text || !text[0])
		text = url;
	/* javascript:, data: and the like are shown, never made clickable. */
	if (!http_url(url) || strpbrk(url, " \t\r\n")) {
		lw_buf_adds(b, "<span class=\"url\">");
		html_esc(b, text);
		lw_buf_adds(b, "</span>");
		return;
	}
	lw_buf_adds(b, "<a class=\"out\" href=\"");
	html_esc(b, url);
	lw_buf_adds(b, "\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">");
	html_esc(b, text);
	lw_buf_adds(b, "</a>");
}

const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

double jnum(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

long jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : (long)json_number_value(v);
}

void html_time(struct lw_buf *b, const char *iso)
{
	char t[20];

	snprintf(t, sizeof(t), "%.16s", iso ? iso : "");
	if (strlen(t) > 10 && t[10] == 'T')
		t[10] = ' ';
	html_esc(b, t);
}

static void cell(struct lw_buf *b, const struct html_col *c, json_t *row, size_t idx)
{
	const char *t;
	char *d;

	switch (c->kind) {
	case COL_NUM:
		html_raw(b, "<td class=\"num\">%.2f</td>", jnum(row, c->key));
		return;
	case COL_INT:
		html_raw(b, "<td class=\"num\">%ld</td>", jint(row, c->key));
		return;
	case COL_INDEX:
		html_raw(b, "<td>%zu</td>", idx + 1);
		return;
	case COL_BOOL:
		html_raw(b, "<td>%s</td>", json_is_true(json_object_get(row, c->key)) ? "yes" : "no");
		return;
	case COL_TIME:
		lw_buf_adds(b, "<td>");
		html_time(b, jstr(row, c->key));
		break;
	case COL_JSON:
		d = json_dumps(json_object_get(row, c->key), JSON_COMPACT | JSON_ENCODE_ANY);
		lw_buf_adds(b, "<td class=\"details\">");
		html_esc(b, d);
		free(d);
		break;
	case COL_TEXT:
		t = jstr(row, c->key);
		lw_buf_adds(b, "<td>");
		html_escn(b, t, c->max && strlen(t) > c->max ? c->max : strlen(t));
		break;
	}
	lw_buf_adds(b, "</td>");
}

void html_table(struct lw_buf *b, const char *attrs, const struct html_col *cols, size_t ncols,
		json_t *rows)
{
	size_t i;
	json_t *row;

	html_raw(b, "<table%s%s><tr>", attrs && attrs[0] ? " " : "", attrs ? attrs : "");
	for (size_t k = 0; k < ncols; k++)
		html_raw(b, "<th>%s</th>", cols[k].head);
	lw_buf_adds(b, "</tr>");
	json_array_foreach(rows, i, row) {
		lw_buf_adds(b, "<tr>");
		for (size_t k = 0; k < ncols; k++)
			cell(b, &cols[k], row, i);
		lw_buf_adds(b, "</tr>");
	}
	lw_buf_adds(b, "</table>");
}

void html_csrf(struct web_req *r)
{
	lw_buf_adds(&r->out, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_esc(&r->out, r->user ? jstr(r->user, "csrf") : "");
	lw_buf_adds(&r->out, "\">");
}

static void nav(struct web_req *r)
{
	struct lw_buf *b = &r->out;

	if (!r->user)
		return;
	lw_buf_adds(b, "<nav><a href=\"/queue\">Queue</a><a href=\"/search\">Search</a>"
		    "<a href=\"/rules\">Rules</a><a href=\"/status\">Status</a>");
	if (r->role >= ROLE_SUPERVISOR)
		lw_buf_adds(b, "<a href=\"/audit\">Audit log</a>");
	if (r->role >= ROLE_ADMIN)
		lw_buf_adds(b, "<a href=\"/admin/accounts\">Accounts</a><a href=\"/admin/sources\">"
			    "Sources</a>");
	lw_buf_adds(b, "</nav><form class=\"who\" method=\"post\" action=\"/logout\"><span>");
	html_esc(b, web_user(r));
	html_raw(b, " (%s)</span> <a href=\"/password\">password</a> ", web_role_name(r->role));
	html_csrf(r);
	lw_buf_adds(b, "<button type=\"submit\">Sign out</button></form>");
}

/* The layout template's text between from and the next {{name}}. */
static void layout_part(struct web_req *r, const char *title, const char *from, const char *stop)
{
	const struct web_asset *a = web_asset_find("layout.html");
	const char *p = a ? a->data : "", *end = p + (a ? a->len : 0);

	if (from) {
		const char *f = strstr(p, from);

		p = f ? f + strlen(from) : end;
	}
	while (p < end) {
		const char *o = strstr(p, "{{"), *c;

		if (!o || o >= end) {
			lw_buf_add(&r->out, p, (size_t)(end - p));
			return;
		}
		lw_buf_add(&r->out, p, (size_t)(o - p));
		c = strstr(o, "}}");
		if (!c)
			return;
		if (stop && strncmp(o, stop, strlen(stop)) == 0)
			return;
		if (strncmp(o, "{{title}}", 9) == 0)
			html_esc(&r->out, title);
		else if (strncmp(o, "{{nav}}", 7) == 0)
			nav(r);
		else if (strncmp(o, "{{version}}", 11) == 0)
			html_esc(&r->out, LW_VERSION);
		p = c + 2;
	}
}

void html_page_begin(struct web_req *r, const char *title)
{
	layout_part(r, title, NULL, "{{body}}");
}

void html_page_end(struct web_req *r)
{
	layout_part(r, "", "{{body}}", NULL);
}

/* SPDX-License-Identifier: MIT */
/* Sources for admins: the configured sites, and adding, changing, enabling
 * and disabling those of the sources folder through config/source_edit.c,
 * the code `lurewatch source` uses; every change is audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../util/xmalloc.h"
#include "web_internal.h"

/* The form's single-line settings, in the order shown; start and
 * allow_hosts are text areas of one value a line. */
static const char *const line_keys[] = { "kind", "links", "next", "title", "body", "location",
					 "posted", "contact", "interval", "max_pages", "max_depth",
					 "rate", "connections" };
#define NLINE_KEYS (sizeof(line_keys) / sizeof(line_keys[0]))

/* The configuration as it is on disk now: the server's own copy was read
 * at start and does not see changes. Caller frees; NULL with err. */
static struct config *fresh(struct web_req *r, struct lw_error *err)
{
	return config_load(r->srv->cfg->path, err);
}

static int own_file(const struct config *c, const struct config_source *s)
{
	char path[4096];

	if (!c->sources_dir)
		return 0;
	snprintf(path, sizeof(path), "%s/%s.conf", c->sources_dir, s->name);
	return strcmp(path, s->file) == 0;
}

json_t *web_sources_json(const struct config *c)
{
	json_t *a = json_array();

	for (size_t i = 0; i < c->nsources; i++) {
		const struct config_source *s = &c->sources[i];
		json_t *start = json_array();

		for (size_t k = 0; k < s->nstart; k++)
			json_array_append_new(start, json_string(s->start[k]));
		json_array_append_new(a, json_pack("{s:s,s:s?,s:o,s:i,s:i,s:f,s:b,s:s,s:i,s:b}",
			"name", s->name, "kind", s->kind, "start", start, "interval", s->interval,
			"max_pages", s->max_pages, "rate", s->rate, "enabled", s->enabled,
			"file", s->file, "line", s->line, "editable", own_file(c, s)));
	}
	return a;
}

/* ---- the page ------------------------------------------------------------------------ */

static void field(struct lw_buf *b, const char *key, const char *value)
{
	html_raw(b, "<label>%s <input name=\"%s\" id=\"src-%s\" value=\"", key, key, key);
	html_esc(b, value);
	lw_buf_adds(b, "\"></label>");
}

static void area(struct lw_buf *b, const char *key, char *const *v, size_t n, const char *help)
{
	html_raw(b, "<label>%s (%s) <textarea name=\"%s\" id=\"src-%s\" rows=\"3\" cols=\"60\">",
		 key, help, key, key);
	for (size_t i = 0; i < n; i++) {
		html_esc(b, v[i]);
		lw_buf_addc(b, '\n');
	}
	lw_buf_adds(b, "</textarea></label>");
}

/* The add form, or the edit form of s filled with its settings. */
static void source_form(struct web_req *r, const struct config_source *s)
{
	struct lw_buf *b = &r->out;
	char num[64];

	html_raw(b, "<h2>%s</h2><form method=\"post\" action=\"/admin/sources\" class=\"source\">",
		 s ? "Change source" : "Add a source");
	html_csrf(r);
	html_raw(b, "<input type=\"hidden\" name=\"op\" value=\"%s\">", s ? "edit" : "add");
	if (s) {
		lw_buf_adds(b, "<input type=\"hidden\" name=\"name\" value=\"");
		html_esc(b, s->name);
		lw_buf_adds(b, "\"><p>Source <b>");
		html_esc(b, s->name);
		lw_buf_adds(b, "</b></p>");
	} else {
		field(b, "name", "");
	}
	area(b, "start", s ? s->start : NULL, s ? s->nstart : 0, "one URL a line");
	for (size_t i = 0; i < NLINE_KEYS; i++) {
		const char *k = line_keys[i], *v = NULL;

		num[0] = '\0';
		if (s && !strcmp(k, "kind")) v = s->kind;
		else if (s && !strcmp(k, "links")) v = s->links;
		else if (s && !strcmp(k, "next")) v = s->next;
		else if (s && !strcmp(k, "title")) v = s->title;
		else if (s && !strcmp(k, "body")) v = s->body;
		else if (s && !strcmp(k, "location")) v = s->location;
		else if (s && !strcmp(k, "posted")) v = s->posted;
		else if (s && !strcmp(k, "contact")) v = s->contact;
		else if (s && !strcmp(k, "interval")) snprintf(num, sizeof(num), "%ds", s->interval);
		else if (s && !strcmp(k, "max_pages")) snprintf(num, sizeof(num), "%d", s->max_pages);
		else if (s && !strcmp(k, "max_depth")) snprintf(num, sizeof(num), "%d", s->max_depth);
		else if (s && !strcmp(k, "rate")) snprintf(num, sizeof(num), "%g", s->rate);
		else if (s && !strcmp(k, "connections")) snprintf(num, sizeof(num), "%d", s->connections);
		field(b, k, v ? v : num);
	}
	area(b, "allow_hosts", s ? s->allow_hosts : NULL, s ? s->nallow_hosts : 0,
	     "one host a line; empty: the start URLs' hosts");
	html_raw(b, "<label><input type=\"checkbox\" name=\"enabled\" value=\"yes\"%s> enabled</label>"
		 "<button type=\"submit\" id=\"src-save\">%s</button></form>",
		 !s || s->enabled ? " checked" : "", s ? "Save" : "Add");
}

static void source_row(struct web_req *r, const struct config *c, const struct config_source *s)
{
	struct lw_buf *b = &r->out;

	lw_buf_adds(b, "<tr><td>");
	html_esc(b, s->name);
	lw_buf_adds(b, "</td><td>");
	html_esc(b, s->kind ? s->kind : "html");
	lw_buf_adds(b, "</td><td>");
	for (size_t k = 0; k < s->nstart; k++) {
		html_ad_link(b, s->start[k], NULL);
		lw_buf_adds(b, " ");
	}
	html_raw(b, "</td><td class=\"num\">%d</td><td>%s</td><td>", s->interval,
		 s->enabled ? "enabled" : "disabled");
	html_esc(b, s->file);
	html_raw(b, ":%d</td><td>", s->line);
	if (own_file(c, s)) {
		lw_buf_adds(b, "<form method=\"post\" action=\"/admin/sources\" class=\"inline\">");
		html_csrf(r);
		lw_buf_adds(b, "<input type=\"hidden\" name=\"name\" value=\"");
		html_esc(b, s->name);
		html_raw(b, "\"><button name=\"op\" value=\"%s\">%s</button></form> "
			 "<a href=\"/admin/sources?edit=", s->enabled ? "disable" : "enable",
			 s->enabled ? "Disable" : "Enable");
		html_urlenc(b, s->name);
		lw_buf_adds(b, "\">Change</a>");
	} else {
		lw_buf_adds(b, "<span class=\"note\">edit its file</span>");
	}
	lw_buf_adds(b, "</td></tr>");
}

static void sources_page(struct web_req *r, const char *message)
{
	struct lw_error err;
	struct config *c = fresh(r, &err);
	const char *edit = web_query(r, "edit");
	struct lw_buf *b = &r->out;

	if (!c) {
		web_fail(r, 500, "the configuration does not load: %s", err.msg);
		return;
	}
	lw_buf_reset(b);
	html_page_begin(r, "Sources");
	lw_buf_adds(b, "<h1>Sources</h1>");
	if (message) {
		lw_buf_adds(b, "<p class=\"flash\" id=\"flash\">");
		html_esc(b, message);
		lw_buf_adds(b, "</p>");
	}
	if (!c->sources_dir)
		lw_buf_adds(b, "<p class=\"note\">Sources are kept in the configuration file only: set "
			    "<code>[lurewatch] sources = DIR</code> to add and change them here.</p>");
	lw_buf_adds(b, "<table id=\"sources\"><tr><th>Source</th><th>Kind</th><th>Start</th>"
		    "<th>Every (s)</th><th>State</th><th>Defined in</th><th></th></tr>");
	for (size_t i = 0; i < c->nsources; i++)
		source_row(r, c, &c->sources[i]);
	lw_buf_adds(b, "</table><p class=\"note\">The daemon reads changes when it reloads "
		    "(SIGHUP) or starts; <code>lurewatch crawl</code> at its next run.</p>");
	if (c->sources_dir) {
		const struct config_source *s = edit ? config_source_find(c, edit) : NULL;

		source_form(r, s && own_file(c, s) ? s : NULL);
	}
	html_page_end(r);
	config_free(c);
}

void page_sources(struct web_req *r)
{
	sources_page(r, NULL);
}

/* ---- changes ---------------------------------------------------------------------------- */

static void push(char ***keys, char ***values, size_t *n, const char *k, const char *v,
		 size_t len)
{
	*keys = xreallocarray(*keys, *n + 1, sizeof(char *));
	*values = xreallocarray(*values, *n + 1, sizeof(char *));
	(*keys)[*n] = xstrdup(k);
	(*values)[*n] = xstrndup(v, len);
	(*n)++;
}

/* The form's settings as keys and values: each line of the text areas is
 * one value; the checkbox is enabled = yes or no. */
static void form_settings(struct web_req *r, char ***keys, char ***values, size_t *n)
{
	static const char *const areas[] = { "start", "allow_hosts" };
	const char *en = web_form(r, "enabled") ? "yes" : "no";

	*keys = *values = NULL;
	*n = 0;
	for (size_t i = 0; i < 2; i++) {
		const char *v = web_form(r, areas[i]);

		while (v && *v) {
			size_t len = strcspn(v, "\r\n");

			if (len)
				push(keys, values, n, areas[i], v, len);
			v += len;
			v += strspn(v, "\r\n");
		}
	}
	for (size_t i = 0; i < NLINE_KEYS; i++) {
		const char *v = web_form(r, line_keys[i]);

		if (v)
			push(keys, values, n, line_keys[i], v, strlen(v));
	}
	push(keys, values, n, "enabled", en, strlen(en));
}

static void free_settings(char **keys, char **values, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(keys[i]);
		free(values[i]);
	}
	free(keys);
	free(values);
}

/* The audit entry of a change: {"source": name, "op": op}. */
static void audit_change(struct web_req *r, const char *action, const char *name)
{
	struct lw_error err;
	json_t *d = json_pack("{s:s}", "source", name);
	char *s = json_dumps(d, JSON_COMPACT);

	if (store_audit_add(r->st, web_user(r), action, s, &err) < 0)
		fprintf(stderr, "lurewatch serve: cannot audit %s of source '%s': %s\n", action, name,
			err.msg);
	free(s);
	json_decref(d);
}

int web_source_change(struct web_req *r, const char *op, const char *name, struct lw_error *err)
{
	const struct config *c = r->srv->cfg;
	char **keys = NULL, **values = NULL;
	size_t n = 0;
	int rc;

	if (!op || !name)
		return lw_error_set(err, "a source change needs op and name");
	if (!strcmp(op, "enable") || !strcmp(op, "disable")) {
		rc = config_source_set_enabled(c, name, !strcmp(op, "enable"), err);
		if (rc == 0)
			audit_change(r, !strcmp(op, "enable") ? "source_enabled" : "source_disabled",
				     name);
		return rc;
	}
	if (strcmp(op, "add") && strcmp(op, "edit"))
		return lw_error_set(err, "unknown operation '%s': add, edit, enable or disable", op);
	form_settings(r, &keys, &values, &n);
	rc = config_source_write(c, name, !strcmp(op, "add"), keys, values, n, err);
	if (rc == 0)
		audit_change(r, !strcmp(op, "add") ? "source_added" : "source_changed", name);
	free_settings(keys, values, n);
	return rc;
}

void page_sources_post(struct web_req *r)
{
	const char *op = web_form(r, "op"), *name = web_form(r, "name");
	struct lw_error err;
	char msg[256];

	if (web_source_change(r, op, name, &err) < 0) {
		web_fail(r, 400, "%s", err.msg);
		return;
	}
	snprintf(msg, sizeof(msg), "source '%s' %s", name, !strcmp(op, "add") ? "added" :
		 !strcmp(op, "edit") ? "changed" : !strcmp(op, "enable") ? "enabled" : "disabled");
	sources_page(r, msg);
}

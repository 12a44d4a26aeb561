/* SPDX-License-Identifier: MIT */
/* The queue page: urgent first, filters, counts, pages, and the rows the
 * keyboard script walks (j/k, c claim, e escalate, d dismiss, n note). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

#define PAGE_SIZE 50

static const char *const statuses[] = { "open", "new", "claimed", "resolved", "all" };

/* The page's own address with its filters and another offset or selection:
 * links and the keyboard's "back" keep the analyst where they were. */
static void self_url(struct web_req *r, struct lw_buf *b, long offset, long sel)
{
	static const char *const keys[] = { "status", "category", "source", "language", "network",
					    "min_score", "mine" };

	lw_buf_adds(b, "/queue?");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = web_query(r, keys[i]);

		if (!v)
			continue;
		lw_buf_printf(b, "%s=", keys[i]);
		html_urlenc(b, v);
		lw_buf_addc(b, '&');
	}
	lw_buf_printf(b, "offset=%ld", offset);
	if (sel >= 0)
		lw_buf_printf(b, "&sel=%ld", sel);
}

static void select_box(struct web_req *r, const char *name, const char *label, json_t *opts,
		       const char *const *fixed, size_t nfixed)
{
	const char *cur = web_query(r, name);
	size_t i;
	json_t *o;

	html_raw(&r->out, "<label>%s <select name=\"%s\"><option value=\"\">any</option>", label,
		 name);
	for (i = 0; i < nfixed; i++)
		html_raw(&r->out, "<option%s>%s</option>",
			 cur && strcmp(cur, fixed[i]) == 0 ? " selected" : "", fixed[i]);
	json_array_foreach(opts, i, o) {
		const char *v = json_string_value(o);

		lw_buf_addc(&r->out, '<');
		lw_buf_adds(&r->out, cur && v && strcmp(cur, v) == 0 ? "option selected>" : "option>");
		html_esc(&r->out, v);
		lw_buf_adds(&r->out, "</option>");
	}
	lw_buf_adds(&r->out, "</select></label>");
}

static void text_box(struct web_req *r, const char *name, const char *label, const char *size)
{
	html_raw(&r->out, "<label>%s <input name=\"%s\" size=\"%s\" value=\"", label, name, size);
	html_esc(&r->out, web_query(r, name));
	lw_buf_adds(&r->out, "\"></label>");
}

void web_cache_init(struct web_cache *c)
{
	memset(c, 0, sizeof(*c));
	pthread_cond_init(&c->done, NULL);
}

void web_cache_release(struct web_cache *c)
{
	json_decref(c->v);
	c->v = NULL;
	pthread_cond_destroy(&c->done);
}

/* What c holds, read again with load when older than ttl seconds or after
 * a change. New reference, or NULL when load fails.
 *
 * One request reads at a time: when the value aged out, every request
 * arriving in that moment ran the same counts at once, holding every
 * database connection for 35 ms under load (the queue page's p99). Others
 * meanwhile take the value that just aged, a few milliseconds older than
 * ttl; after a change made here none may, and they wait for the read. */
static json_t *cached(struct web_req *r, struct web_cache *c, double ttl,
		      int (*load)(struct store *, json_t **, struct lw_error *))
{
	struct web_server *ws = r->srv;
	struct lw_error err;
	json_t *v = NULL;
	unsigned long gen;
	int rc;

	pthread_mutex_lock(&ws->stat_mu);
	for (;;) {
		if (c->v && c->at > 0 && (web_now() - c->at < ttl || c->loading)) {
			v = json_incref(c->v);
			pthread_mutex_unlock(&ws->stat_mu);
			return v;
		}
		if (!c->loading)
			break;
		pthread_cond_wait(&c->done, &ws->stat_mu);
	}
	c->loading = 1;
	gen = c->gen;
	pthread_mutex_unlock(&ws->stat_mu);
	rc = load(r->st, &v, &err);
	pthread_mutex_lock(&ws->stat_mu);
	c->loading = 0;
	if (rc == 0) {
		json_decref(c->v);
		c->v = json_incref(v);
		/* A change made during the read may be missing from it. */
		c->at = c->gen == gen ? web_now() : 0;
	}
	pthread_cond_broadcast(&c->done);
	pthread_mutex_unlock(&ws->stat_mu);
	if (rc < 0) {
		fprintf(stderr, "lurewatch serve: %s\n", err.msg);
		return NULL;
	}
	return v;
}

/* The sources and open categories the filters offer, read at most every
 * 30 s: finding them scans every open item, and a new category showing
 * up half a minute late in a menu harms no one. New reference. */
static json_t *facets(struct web_req *r)
{
	json_t *f = cached(r, &r->srv->facets, 30, store_queue_facets);

	return f ? f : json_object();
}

/* Counting the whole queue (resolved items pile up forever) cost more than
 * the rest of the page: a busy server counts at most every 5 s, and at
 * once after any change made through it, so analysts see their own work
 * counted; another's shows up a few seconds late. */
json_t *web_queue_counts(struct web_req *r)
{
	return cached(r, &r->srv->counts, 5, store_queue_counts);
}

void web_queue_changed(struct web_server *ws)
{
	pthread_mutex_lock(&ws->stat_mu);
	ws->counts.at = 0;
	ws->counts.gen++;
	pthread_mutex_unlock(&ws->stat_mu);
}

static void filters(struct web_req *r, json_t *facets)
{
	lw_buf_adds(&r->out, "<form method=\"get\" action=\"/queue\" class=\"filters\">");
	select_box(r, "status", "Status", NULL, statuses, sizeof(statuses) / sizeof(statuses[0]));
	select_box(r, "category", "Category", json_object_get(facets, "categories"), NULL, 0);
	select_box(r, "source", "Source", json_object_get(facets, "sources"), NULL, 0);
	text_box(r, "language", "Language", "3");
	text_box(r, "network", "Network", "6");
	text_box(r, "min_score", "Score &ge;", "4");
	html_raw(&r->out, "<label><input type=\"checkbox\" name=\"mine\" value=\"1\"%s> claimed by "
		 "me</label><button type=\"submit\">Filter</button></form>",
		 web_query(r, "mine") ? " checked" : "");
}

static void counts(struct web_req *r, json_t *page)
{
	json_t *c = json_object_get(page, "counts");

	html_raw(&r->out, "<p class=\"counts\"><span class=\"urgent\">%ld urgent open</span> · "
		 "%ld new · %ld claimed · %ld resolved · <a href=\"/queue?mine=1&amp;status=claimed\">"
		 "%ld mine</a></p>", jint(c, "urgent_open"), jint(c, "new"), jint(c, "claimed"),
		 jint(c, "resolved"), jint(c, "mine"));
}

static void row(struct web_req *r, json_t *it, size_t idx)
{
	size_t i;
	json_t *c;
	long id = jint(it, "id");
	int urgent = json_is_true(json_object_get(it, "urgent"));

	html_raw(&r->out, "<tr data-id=\"%ld\" data-idx=\"%zu\" class=\"%s%s\"><td>%s</td>"
		 "<td><a href=\"/item/%ld\">%ld</a></td><td class=\"num\">%.2f</td><td>", id, idx,
		 urgent ? "urgent " : "", jstr(it, "status"), urgent ? "!" : "", id, id,
		 jnum(it, "score"));
	html_esc(&r->out, jstr(it, "status"));
	lw_buf_adds(&r->out, "</td><td>");
	html_esc(&r->out, jstr(it, "claimed_by"));
	lw_buf_adds(&r->out, "</td><td>");
	json_array_foreach(json_object_get(it, "categories"), i, c) {
		lw_buf_adds(&r->out, "<span class=\"cat\">");
		html_esc(&r->out, json_string_value(c));
		lw_buf_adds(&r->out, "</span> ");
	}
	html_raw(&r->out, "</td><td class=\"title\"><a href=\"/item/%ld\">", id);
	{
		const char *t = jstr(it, "title");
		size_t n = strlen(t);

		/* Titles are cut to a line: a 1 MB title still leaves a usable queue. */
		html_escn(&r->out, t, n > 160 ? 160 : n);
		if (n > 160)
			lw_buf_adds(&r->out, "…");
	}
	lw_buf_adds(&r->out, "</a></td><td>");
	html_esc(&r->out, jstr(it, "source"));
	lw_buf_adds(&r->out, "</td><td>");
	html_esc(&r->out, urgent ? "urgent (minors)" : jstr(it, "priority_reason"));
	lw_buf_adds(&r->out, "</td></tr>");
}

/* The one form the keyboard script fills and submits. */
static void action_form(struct web_req *r, long offset, long nitems)
{
	struct lw_buf back;

	lw_buf_init(&back, 4096);
	self_url(r, &back, offset, 0);
	lw_buf_adds(&r->out, "<form id=\"act\" method=\"post\" class=\"hidden\">");
	html_csrf(r);
	lw_buf_adds(&r->out, "<input type=\"hidden\" name=\"verdict\"><input type=\"hidden\" "
		    "name=\"agency\"><input type=\"hidden\" name=\"note\"><input type=\"hidden\" "
		    "name=\"back\" value=\"");
	html_esc(&r->out, back.data);
	lw_buf_adds(&r->out, "\"></form><div id=\"agencies\" data-list=\"");
	for (size_t i = 0; i < r->srv->cfg->nagencies; i++) {
		if (i)
			lw_buf_addc(&r->out, ',');
		html_esc(&r->out, r->srv->cfg->agencies[i]);
	}
	html_raw(&r->out, "\" data-count=\"%ld\"></div>", nitems);
	lw_buf_release(&back);
}

static void pager(struct web_req *r, long offset, long total)
{
	struct lw_buf u;

	lw_buf_init(&u, 4096);
	html_raw(&r->out, "<p class=\"pager\">%ld–%ld of %ld ", total ? offset + 1 : 0,
		 offset + PAGE_SIZE < total ? offset + PAGE_SIZE : total, total);
	if (offset > 0) {
		self_url(r, &u, offset > PAGE_SIZE ? offset - PAGE_SIZE : 0, -1);
		lw_buf_adds(&r->out, "<a rel=\"prev\" href=\"");
		html_esc(&r->out, u.data);
		lw_buf_adds(&r->out, "\">&larr; previous</a> ");
		lw_buf_reset(&u);
	}
	if (offset + PAGE_SIZE < total) {
		self_url(r, &u, offset + PAGE_SIZE, -1);
		lw_buf_adds(&r->out, "<a rel=\"next\" id=\"next-page\" href=\"");
		html_esc(&r->out, u.data);
		lw_buf_adds(&r->out, "\">next &rarr;</a>");
	}
	lw_buf_adds(&r->out, "</p>");
	lw_buf_release(&u);
}

static long num_query(struct web_req *r, const char *name, long dflt)
{
	const char *v = web_query(r, name);
	char *end;
	long n;

	if (!v)
		return dflt;
	n = strtol(v, &end, 10);
	return *end || n < 0 ? dflt : n;
}

/* Fills q from the query string; -1 (and a 400) on a bad value. */
static int read_filters(struct web_req *r, struct store_queue_query *q)
{
	const char *st = web_query(r, "status"), *ms = web_query(r, "min_score");
	const char *lang = web_query(r, "language");

	memset(q, 0, sizeof(*q));
	q->status = st ? st : "open";
	if (strcmp(q->status, "all") == 0)
		q->status = NULL;
	else if (strcmp(q->status, "open") && strcmp(q->status, "new") &&
		 strcmp(q->status, "claimed") && strcmp(q->status, "resolved")) {
		web_fail(r, 400, "bad status '%s'", q->status);
		return -1;
	}
	q->category = web_query(r, "category");
	q->source = web_query(r, "source");
	if (lang && (strlen(lang) > 8 || strspn(lang, "abcdefghijklmnopqrstuvwxyz") != strlen(lang))) {
		web_fail(r, 400, "bad language '%s': a rule prefix such as en or es", lang);
		return -1;
	}
	q->language = lang;
	q->network = num_query(r, "network", 0);
	q->min_score = -1;
	if (ms) {
		char *end;

		q->min_score = strtod(ms, &end);
		if (*end || q->min_score < 0) {
			web_fail(r, 400, "bad score '%s'", ms);
			return -1;
		}
	}
	q->claimed_by = web_query(r, "mine") ? web_user(r) : NULL;
	q->me = web_user(r);
	q->limit = PAGE_SIZE;
	q->offset = num_query(r, "offset", 0);
	return 0;
}

void page_queue(struct web_req *r)
{
	struct store_queue_query q;
	struct lw_error err;
	json_t *page = NULL, *it;
	size_t i;
	int rc;

	if (read_filters(r, &q) < 0)
		return;
	q.counts = web_queue_counts(r);
	q.brief = 1;
	rc = store_queue_page(r->st, &q, &page, &err);
	json_decref(q.counts);
	if (rc < 0) {
		fprintf(stderr, "lurewatch serve: %s\n", err.msg);
		web_fail(r, 500, "database error");
		return;
	}
	html_page_begin(r, "Queue");
	lw_buf_adds(&r->out, "<div class=\"head\"><h1>Review queue</h1><form method=\"post\" "
		    "action=\"/queue/claim\">");
	html_csrf(r);
	lw_buf_adds(&r->out, "<button type=\"submit\" id=\"claim-next\">Claim next 5</button></form>"
		    "</div>");
	counts(r, page);
	{
		json_t *f = facets(r);

		filters(r, f);
		json_decref(f);
	}
	html_raw(&r->out, "<table id=\"queue\" data-sel=\"%ld\"><thead><tr><th>!</th><th>Item</th>"
		 "<th>Score</th><th>Status</th><th>Claimed by</th><th>Categories</th><th>Title</th>"
		 "<th>Source</th><th>Why here</th></tr></thead><tbody>", num_query(r, "sel", 0));
	json_array_foreach(json_object_get(page, "items"), i, it)
		row(r, it, i);
	lw_buf_adds(&r->out, "</tbody></table>");
	if (!json_array_size(json_object_get(page, "items")))
		lw_buf_adds(&r->out, "<p class=\"empty\">Nothing matches these filters.</p>");
	pager(r, q.offset, jint(page, "total"));
	action_form(r, q.offset, (long)json_array_size(json_object_get(page, "items")));
	lw_buf_adds(&r->out, "<p class=\"keys\"><kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> "
		    "open · <kbd>c</kbd> claim · <kbd>e</kbd> escalate · <kbd>d</kbd> dismiss · "
		    "<kbd>n</kbd> note</p>");
	html_page_end(r);
	json_decref(page);
}

void page_claim_next(struct web_req *r)
{
	struct lw_error err;
	json_t *items = NULL;

	if (store_queue_claim(r->st, web_user(r), 5, r->srv->cfg->claim_minutes, &items, &err) < 0) {
		web_fail(r, 409, "%s", err.msg);
		return;
	}
	json_decref(items);
	web_redirect(r, "/queue?mine=1&status=claimed");
}

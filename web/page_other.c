/* SPDX-License-Identifier: MIT */
/* The network, search, rules, status and audit pages: read-only views of
 * what the store already reports to `network show`, `rules stats` and
 * `status`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

static void db_fail(struct web_req *r, struct lw_error *err)
{
	fprintf(stderr, "lurewatch serve: %s\n", err->msg);
	web_fail(r, 500, "database error");
}

static void str_list(struct lw_buf *b, json_t *a)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) {
		if (i)
			lw_buf_adds(b, ", ");
		html_esc(b, json_string_value(v));
	}
}

/* ---- network ---------------------------------------------------------------------- */

/* Members along a time axis: one dot per ad at its first sighting. */
static void timeline(struct lw_buf *b, json_t *net)
{
	json_t *members = json_object_get(net, "members"), *m;
	size_t i, n = json_array_size(members);

	lw_buf_adds(b, "<h2>Members over time</h2><table class=\"timeline\"><tr><th>First seen</th>"
		    "<th>Ad</th><th>Source</th><th>Location</th><th>Score</th><th>Item</th></tr>");
	json_array_foreach(members, i, m) {
		const char *t = jstr(m, "title");

		lw_buf_adds(b, "<tr><td>");
		html_time(b, jstr(m, "first_seen"));
		lw_buf_adds(b, "</td><td>");
		html_ad_link(b, jstr(m, "url"), NULL);
		lw_buf_adds(b, "<br>");
		html_escn(b, t, strlen(t) > 160 ? 160 : strlen(t));
		lw_buf_adds(b, "</td><td>");
		html_esc(b, jstr(m, "source"));
		lw_buf_adds(b, "</td><td>");
		html_esc(b, jstr(m, "location"));
		html_raw(b, "</td><td class=\"num\">%.2f</td><td>", jnum(m, "score"));
		if (jint(m, "queue_id") > 0)
			html_raw(b, "<a href=\"/item/%ld\">%ld</a> ", jint(m, "queue_id"),
				 jint(m, "queue_id"));
		html_esc(b, jstr(m, "status"));
		lw_buf_adds(b, "</td></tr>");
	}
	lw_buf_adds(b, "</table>");
	(void)n;
}

static void shared(struct lw_buf *b, json_t *net)
{
	json_t *s;
	size_t i;

	lw_buf_adds(b, "<h2>Shared contacts: why these ads are linked</h2><table id=\"shared\">"
		    "<tr><th>Contact</th><th>Kind</th><th>Ads</th><th>As written</th></tr>");
	json_array_foreach(json_object_get(net, "shared"), i, s) {
		lw_buf_adds(b, "<tr><td>");
		html_esc(b, jstr(s, "normalized"));
		lw_buf_adds(b, "</td><td>");
		str_list(b, json_object_get(s, "kinds"));
		html_raw(b, "</td><td class=\"num\">%ld</td><td>", jint(s, "listings"));
		str_list(b, json_object_get(s, "written"));
		lw_buf_adds(b, "</td></tr>");
	}
	lw_buf_adds(b, "</table><p class=\"note\">Ads without a shared contact are linked by "
		    "near-duplicate text (dashed edges in the graph).</p>");
}

void page_network(struct web_req *r)
{
	struct lw_error err;
	json_t *net = NULL;
	struct lw_buf *b = &r->out;
	char title[64];

	if (store_network_show(r->st, r->id, &net, &err) < 0) {
		db_fail(r, &err);
		return;
	}
	if (!json_is_object(net)) {
		web_fail(r, 404, "no network %ld", r->id);
		json_decref(net);
		return;
	}
	snprintf(title, sizeof(title), "Network %ld", r->id);
	html_page_begin(r, title);
	html_raw(b, "<h1>Network %ld</h1><p class=\"counts\">%ld ads · %ld sources · %ld places · "
		 "%.2f posts a day · max score %.2f · ", r->id, jint(net, "listings"),
		 jint(net, "sources"), jint(net, "locations"), jnum(net, "posting_rate"),
		 jnum(net, "max_score"));
	str_list(b, json_object_get(net, "categories"));
	html_raw(b, " · <a href=\"/queue?network=%ld&amp;status=all\">its queue items</a>",
		 r->id);
	lw_buf_adds(b, "</p><figure class=\"graph\">");
	html_raw(b, "<img id=\"graph\" src=\"/network/%ld/graph.svg\" alt=\"graph of network %ld: "
		 "ads and the contacts they share\"><figcaption>Ads (boxes) and the contacts they "
		 "share (ellipses); dashed: near-duplicate text.</figcaption></figure>", r->id, r->id);
	shared(b, net);
	timeline(b, net);
	html_page_end(r);
	json_decref(net);
}

void page_network_svg(struct web_req *r)
{
	struct lw_error err;
	json_t *g = NULL;
	char *svg = NULL;
	size_t len = 0;

	if (store_network_graph(r->st, r->id, r->srv->cfg->near_duplicate_bits, &g, &err) < 0) {
		db_fail(r, &err);
		return;
	}
	if (!json_array_size(json_object_get(g, "listings"))) {
		web_fail(r, 404, "no network %ld", r->id);
		json_decref(g);
		return;
	}
	svg = graph_svg(r->srv, g, &len, &err);
	json_decref(g);
	if (!svg) {
		fprintf(stderr, "lurewatch serve: %s\n", err.msg);
		web_fail(r, 500, "could not draw the graph");
		return;
	}
	lw_buf_add(&r->out, svg, len);
	free(svg);
	r->ctype = "image/svg+xml";
}

/* ---- search ----------------------------------------------------------------------- */

/* The headline with the store's \x01...\x02 markers as <mark>. */
static void headline(struct lw_buf *b, const char *h)
{
	while (*h) {
		size_t n = strcspn(h, "\x01\x02");

		html_escn(b, h, n);
		h += n;
		if (*h == '\x01')
			lw_buf_adds(b, "<mark>");
		else if (*h == '\x02')
			lw_buf_adds(b, "</mark>");
		if (*h)
			h++;
	}
}

void page_search(struct web_req *r)
{
	const char *q = web_query(r, "q"), *off = web_query(r, "offset");
	long offset = off ? strtol(off, NULL, 10) : 0;
	struct lw_error err;
	json_t *res = NULL, *x;
	struct lw_buf *b = &r->out;
	size_t i;

	if (offset < 0)
		offset = 0;
	if (q && strlen(q) > 500) {
		web_fail(r, 400, "the search is longer than 500 characters");
		return;
	}
	if (q && store_search(r->st, q, 50, offset, &res, &err) < 0) {
		db_fail(r, &err);
		return;
	}
	html_page_begin(r, "Search");
	lw_buf_adds(b, "<h1>Search stored ads</h1><form method=\"get\" action=\"/search\" "
		    "class=\"filters\"><input name=\"q\" id=\"q\" size=\"50\" value=\"");
	html_esc(b, q);
	lw_buf_adds(b, "\" placeholder='passport \"no experience\" -nurse'><button type=\"submit\">"
		    "Search</button></form>");
	if (res) {
		html_raw(b, "<p class=\"counts\">%ld ads match</p>", jint(res, "total"));
		/* Ads stored moments ago are not in the index yet: say so, and
		 * whether any could not be searched at all. */
		if (jint(res, "unsearched") > 0)
			html_raw(b, "<p class=\"flash bad\">%ld recently stored ads are waiting for the "
				 "search index and were not searched: the daemon indexes them, or "
				 "run <code>lurewatch search --reindex</code>.</p>",
				 jint(res, "unsearched"));
		else if (jint(res, "pending") > 0)
			html_raw(b, "<p class=\"counts\">including %ld recently stored ads not yet "
				 "in the search index, searched directly</p>", jint(res, "pending"));
		html_raw(b, "<ol class=\"results\" start=\"%ld\">", offset + 1);
		json_array_foreach(json_object_get(res, "results"), i, x) {
			const char *t = jstr(x, "title");

			lw_buf_adds(b, "<li><p class=\"rtitle\">");
			if (jint(x, "item_id") > 0)
				html_raw(b, "<a href=\"/item/%ld\">", jint(x, "item_id"));
			html_escn(b, t, strlen(t) > 200 ? 200 : strlen(t));
			if (jint(x, "item_id") > 0)
				lw_buf_adds(b, "</a>");
			lw_buf_adds(b, " <span class=\"src\">");
			html_esc(b, jstr(x, "source"));
			lw_buf_adds(b, " · ");
			html_esc(b, jstr(x, "status")[0] ? jstr(x, "status") : "not queued");
			lw_buf_adds(b, "</span></p><p class=\"hl\">");
			headline(b, jstr(x, "headline"));
			lw_buf_adds(b, "</p><p class=\"u\">");
			html_ad_link(b, jstr(x, "url"), NULL);
			lw_buf_adds(b, "</p></li>");
		}
		lw_buf_adds(b, "</ol>");
		if (offset + 50 < jint(res, "total")) {
			lw_buf_adds(b, "<p class=\"pager\"><a rel=\"next\" href=\"/search?q=");
			html_urlenc(b, q);
			html_raw(b, "&amp;offset=%ld\">next &rarr;</a></p>", offset + 50);
		}
	}
	html_page_end(r);
	json_decref(res);
}

/* ---- rules ------------------------------------------------------------------------ */

void page_rules(struct web_req *r)
{
	struct lw_error err;
	json_t *rules = NULL, *x;
	struct lw_buf *b = &r->out;
	size_t i;

	if (store_rules_stats(r->st, &rules, &err) < 0) {
		db_fail(r, &err);
		return;
	}
	html_page_begin(r, "Rules");
	lw_buf_adds(b, "<h1>Rules by verdict</h1><p class=\"note\">What analysts decided about the "
		    "items each rule hit (as <code>lurewatch rules stats</code>): rules with many "
		    "dismissals are the ones to tighten.</p><table id=\"rules\"><tr><th>Rule</th>"
		    "<th>Category</th><th>Items</th><th>Confirmed</th><th>Escalated</th>"
		    "<th>Dismissed</th><th>Open</th><th>Dismissed share</th></tr>");
	json_array_foreach(rules, i, x) {
		long items = jint(x, "items"), dis = jint(x, "dismissed");
		long decided = jint(x, "confirmed") + jint(x, "escalated") + dis;

		lw_buf_adds(b, "<tr><td>");
		html_esc(b, jstr(x, "rule"));
		lw_buf_adds(b, "</td><td>");
		html_esc(b, jstr(x, "category"));
		html_raw(b, "</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td><td class=\"num\">"
			 "%ld</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td><td class=\"num\">",
			 items, jint(x, "confirmed"), jint(x, "escalated"), dis, jint(x, "open"));
		if (decided)
			html_raw(b, "%.0f%%", 100.0 * (double)dis / (double)decided);
		lw_buf_adds(b, "</td></tr>");
	}
	lw_buf_adds(b, "</table>");
	html_page_end(r);
	json_decref(rules);
}

/* ---- status ------------------------------------------------------------------------ */

static void counts_of(struct lw_buf *b, json_t *o)
{
	const char *k;
	json_t *v;
	int first = 1;

	json_object_foreach(o, k, v) {
		html_raw(b, "%s", first ? "" : " · ");
		first = 0;
		html_esc(b, k);
		html_raw(b, " %lld", (long long)json_integer_value(v));
	}
	if (first)
		lw_buf_adds(b, "none");
}

void page_status(struct web_req *r)
{
	struct lw_error err;
	json_t *s = NULL, *x;
	struct lw_buf *b = &r->out;
	size_t i;

	if (store_status(r->st, &s, &err) < 0) {
		db_fail(r, &err);
		return;
	}
	html_page_begin(r, "Status");
	html_raw(b, "<h1>Status</h1><p class=\"counts\">%ld listings · schema %ld · queue: ",
		 jint(s, "listings"), jint(s, "schema_version"));
	counts_of(b, json_object_get(json_object_get(s, "queue"), "by_status"));
	html_raw(b, " · %ld urgent open</p><h2>Sources</h2><table id=\"sources\"><tr><th>Source</th>"
		 "<th>Pass</th><th>Last run</th><th>Finished</th><th>Next run</th><th>Fetched</th>"
		 "<th>Failed</th><th>Frontier (due)</th><th>Listings</th><th>Cut short</th></tr>",
		 jint(json_object_get(s, "queue"), "urgent_open"));
	json_array_foreach(json_object_get(s, "sources"), i, x) {
		lw_buf_adds(b, "<tr><td>");
		html_esc(b, jstr(x, "name"));
		html_raw(b, "</td><td>%ld</td><td>", jint(x, "pass"));
		html_time(b, jstr(x, "last_run"));
		lw_buf_adds(b, "</td><td>");
		html_time(b, jstr(x, "last_finished"));
		lw_buf_adds(b, "</td><td>");
		html_time(b, jstr(x, "next_run"));
		html_raw(b, "</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td><td class=\"num\">"
			 "%ld (%ld)</td><td class=\"num\">%ld</td><td>", jint(x, "pages_fetched"),
			 jint(x, "pages_failed"), jint(x, "frontier"), jint(x, "frontier_due"),
			 jint(x, "listings"));
		html_esc(b, jstr(x, "cut_short"));
		lw_buf_adds(b, "</td></tr>");
	}
	lw_buf_adds(b, "</table><h2>Frontier</h2><p>");
	counts_of(b, json_object_get(s, "frontier"));
	lw_buf_adds(b, "</p><h2>Open items by category</h2><p>");
	counts_of(b, json_object_get(json_object_get(s, "queue"), "by_category"));
	lw_buf_adds(b, "</p><h2>Rule packs</h2><ul>");
	json_array_foreach(json_object_get(s, "rule_packs"), i, x) {
		lw_buf_adds(b, "<li>");
		html_esc(b, jstr(x, "name"));
		lw_buf_adds(b, " ");
		html_esc(b, jstr(x, "version"));
		lw_buf_adds(b, " <code>");
		html_escn(b, jstr(x, "hash"), 12);
		lw_buf_adds(b, "</code> first used ");
		html_time(b, jstr(x, "first_used"));
		lw_buf_adds(b, "</li>");
	}
	lw_buf_adds(b, "</ul>");
	html_page_end(r);
	json_decref(s);
}

/* ---- audit ------------------------------------------------------------------------- */

void page_audit(struct web_req *r)
{
	const char *who = web_query(r, "actor");
	struct lw_error err;
	json_t *log = NULL, *x;
	struct lw_buf *b = &r->out;
	size_t i;

	if (store_audit_list(r->st, who, 200, &log, &err) < 0) {
		db_fail(r, &err);
		return;
	}
	html_page_begin(r, "Audit log");
	lw_buf_adds(b, "<h1>Audit log</h1><form method=\"get\" action=\"/audit\" class=\"filters\">"
		    "<label>Account <input name=\"actor\" value=\"");
	html_esc(b, who);
	lw_buf_adds(b, "\"></label><button type=\"submit\">Show</button></form><table id=\"audit\">"
		    "<tr><th>#</th><th>When</th><th>Who</th><th>What</th><th>Item</th>"
		    "<th>Details</th></tr>");
	json_array_foreach(log, i, x) {
		char *d = json_dumps(json_object_get(x, "details"), JSON_COMPACT);

		html_raw(b, "<tr><td>%ld</td><td>", jint(x, "id"));
		html_time(b, jstr(x, "at"));
		lw_buf_adds(b, "</td><td>");
		html_esc(b, jstr(x, "actor"));
		lw_buf_adds(b, "</td><td>");
		html_esc(b, jstr(x, "action"));
		lw_buf_adds(b, "</td><td>");
		if (jint(x, "item_id") > 0)
			html_raw(b, "<a href=\"/item/%ld\">%ld</a>", jint(x, "item_id"), jint(x, "item_id"));
		lw_buf_adds(b, "</td><td class=\"details\">");
		html_esc(b, d);
		lw_buf_adds(b, "</td></tr>");
		free(d);
	}
	lw_buf_adds(b, "</table>");
	html_page_end(r);
	json_decref(log);
}

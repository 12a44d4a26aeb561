/* SPDX-License-Identifier: MIT */
/* The item page: the ad with every hit highlighted and labelled, the score's
 * arithmetic, contacts, flow, versions, network, notes and history, and the
 * claim/release/resolve/note forms, which call store/queue.c as the CLI does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

/* ---- the ad's text ------------------------------------------------------------- */

/* Each hit is marked and followed by its number; where hits overlap, the
 * marked stretch names all of them. Boundaries are the hits' byte offsets
 * into the composed text (title, blank line, body). */
/* Beyond this the page shows a cut: a browser lays out a megabyte of one
 * unbroken word for longer than an analyst waits (the API has it all). */
#define AD_TEXT_MAX (64 * 1024)

void web_ad_text(struct lw_buf *b, const char *t, json_t *hits)
{
	size_t n = strlen(t), nh = json_array_size(hits), i, pos = 0, full = n;
	json_t *h;

	if (n > AD_TEXT_MAX)
		n = AD_TEXT_MAX;

	lw_buf_adds(b, "<div class=\"ad\" id=\"ad-text\">");
	while (pos < n) {
		size_t next = n;
		int cover = 0;

		/* The next boundary after pos, and which hits cover pos. */
		json_array_foreach(hits, i, h) {
			size_t s = (size_t)jint(h, "start"), e = (size_t)jint(h, "end");

			if (s > pos && s < next)
				next = s;
			if (e > pos && e < next)
				next = e;
			if (s <= pos && pos < e)
				cover = 1;
		}
		if (cover) {
			int first = 1;

			lw_buf_adds(b, "<mark class=\"hit\" title=\"");
			json_array_foreach(hits, i, h) {
				size_t s = (size_t)jint(h, "start"), e = (size_t)jint(h, "end");

				if (!(s <= pos && pos < e))
					continue;
				if (!first)
					lw_buf_adds(b, "; ");
				first = 0;
				html_raw(b, "[%zu] ", i + 1);
				html_esc(b, jstr(h, "rule"));
				lw_buf_adds(b, " · ");
				html_esc(b, jstr(h, "category"));
				html_raw(b, " · weight %.2f", jnum(h, "weight"));
			}
			lw_buf_adds(b, "\">");
		}
		html_escn(b, t + pos, next - pos);
		if (cover)
			lw_buf_adds(b, "</mark>");
		/* Labels of the hits ending here. */
		json_array_foreach(hits, i, h)
			if ((size_t)jint(h, "end") == next && next > pos) {
				html_raw(b, "<sup class=\"lbl\">%zu ", i + 1);
				html_esc(b, jstr(h, "rule"));
				lw_buf_adds(b, "</sup>");
			}
		pos = next;
	}
	if (full > n)
		html_raw(b, "</div><p class=\"note\" id=\"cut\">The text is cut here: %zu of %zu bytes "
			 "shown (GET /api/items/ID has all of it).</p>", n, full);
	else
		lw_buf_adds(b, "</div>");
	(void)nh;
}

#define NCOLS(c) (sizeof(c) / sizeof((c)[0]))

static void hits_table(struct lw_buf *b, json_t *hits)
{
	static const struct html_col cols[] = {
		{ "#", NULL, COL_INDEX, 0 }, { "Rule", "rule", COL_TEXT, 0 },
		{ "Category", "category", COL_TEXT, 0 }, { "Weight", "weight", COL_NUM, 0 },
		{ "Matched", "match", COL_TEXT, 0 },
	};

	html_table(b, "class=\"hits\"", cols, NCOLS(cols), hits);
}

/* ---- the score's arithmetic ------------------------------------------------------ */

/* store_score_explain's replay of the matcher, as `queue show` prints it. */
static void explain(struct lw_buf *b, json_t *e)
{
	double base = jnum(e, "base"), mult = jnum(e, "multiplier"), ctx = jnum(e, "context");
	json_t *c, *r;
	size_t i, k;

	lw_buf_adds(b, "<table class=\"explain\" id=\"explain\"><tr><th>Category</th>"
		    "<th>Rules (1, ½, ¼… of their weight)</th><th>Sum</th></tr>");
	json_array_foreach(json_object_get(e, "categories"), i, c) {
		lw_buf_adds(b, "<tr><td>");
		html_esc(b, jstr(c, "category"));
		lw_buf_adds(b, "</td><td>");
		json_array_foreach(json_object_get(c, "rules"), k, r) {
			html_raw(b, "%s%.2f ", k ? " + " : "", jnum(r, "weight"));
			html_esc(b, jstr(r, "rule"));
			if (jnum(r, "factor") < 1)
				html_raw(b, " ×%g", jnum(r, "factor"));
		}
		html_raw(b, "</td><td class=\"num\">%.2f</td></tr>", jnum(c, "sum"));
	}
	html_raw(b, "<tr class=\"total\"><td colspan=\"2\">%.2f × %.2f (%ld categories)", base,
		 mult, jint(e, "distinct"));
	if (json_object_get(e, "short_text"))
		html_raw(b, " × %.2f short text", jnum(e, "short_text"));
	if (ctx != 0)
		html_raw(b, " with %s%.2f context", ctx < 0 ? "−" : "+", ctx < 0 ? -ctx : ctx);
	if (json_object_get(e, "rest"))
		html_raw(b, " (short text and context together × %.2f)", jnum(e, "rest"));
	html_raw(b, "</td><td class=\"num\">%.2f</td></tr></table>", jnum(e, "score"));
}

/* ---- the other sections --------------------------------------------------------- */

/* Reassign (an open item) or reopen (a resolved one): supervisors only. */
static void supervisor_forms(struct web_req *r, json_t *it)
{
	struct lw_buf *b = &r->out;
	struct lw_error err;
	json_t *accts = NULL, *a;
	size_t i;

	if (strcmp(jstr(it, "status"), "resolved") == 0) {
		html_raw(b, "<form method=\"post\" action=\"/item/%ld/reopen\" class=\"inline\">",
			 jint(it, "id"));
		html_csrf(r);
		lw_buf_adds(b, "<label>Why reopen <input name=\"note\" id=\"reopen-note\"></label>"
			    "<button type=\"submit\" id=\"reopen\">Reopen</button></form>");
		return;
	}
	if (store_account_list(r->st, &accts, &err) < 0)
		return;
	html_raw(b, "<form method=\"post\" action=\"/item/%ld/reassign\" class=\"inline\">",
		 jint(it, "id"));
	html_csrf(r);
	lw_buf_adds(b, "<label>Reassign to <select name=\"to\" id=\"reassign-to\">");
	json_array_foreach(accts, i, a) {
		if (json_is_true(json_object_get(a, "disabled")))
			continue;
		lw_buf_adds(b, "<option>");
		html_esc(b, jstr(a, "name"));
		lw_buf_adds(b, "</option>");
	}
	lw_buf_adds(b, "</select></label><button type=\"submit\" id=\"reassign\">Reassign</button>"
		    "</form>");
	json_decref(accts);
}

static void actions(struct web_req *r, json_t *it)
{
	struct lw_buf *b = &r->out;
	long id = jint(it, "id");
	const char *status = jstr(it, "status"), *who = jstr(it, "claimed_by");
	int mine = strcmp(who, web_user(r)) == 0;

	lw_buf_adds(b, "<section class=\"actions\">");
	if (strcmp(status, "resolved") == 0) {
		lw_buf_adds(b, "<p>Resolved by ");
		html_esc(b, jstr(it, "resolved_by"));
		lw_buf_adds(b, " as <b>");
		html_esc(b, jstr(it, "verdict"));
		lw_buf_adds(b, "</b>");
		if (jstr(it, "escalated_to")[0]) {
			lw_buf_adds(b, " to ");
			html_esc(b, jstr(it, "escalated_to"));
		}
		lw_buf_adds(b, ".</p>");
	} else {
		if (strcmp(status, "claimed") == 0) {
			lw_buf_adds(b, "<p id=\"claim-state\">Claimed by <b>");
			html_esc(b, who);
			lw_buf_adds(b, "</b> until ");
			html_time(b, jstr(it, "claim_expires"));
			lw_buf_adds(b, " UTC.</p>");
		}
		html_raw(b, "<form method=\"post\" action=\"/item/%ld/%s\" class=\"inline\">", id,
			 mine ? "release" : "claim");
		html_csrf(r);
		html_raw(b, "<button type=\"submit\" id=\"%s\">%s</button></form>",
			 mine ? "release" : "claim", mine ? "Release" : "Claim");
		html_raw(b, "<form method=\"post\" action=\"/item/%ld/resolve\" class=\"resolve\">", id);
		html_csrf(r);
		lw_buf_adds(b, "<label>Verdict <select name=\"verdict\" id=\"verdict\">"
			    "<option>confirmed</option><option>dismissed</option>"
			    "<option>escalated</option></select></label><label>Agency (escalated) "
			    "<select name=\"agency\" id=\"agency\"><option value=\"\">—</option>");
		for (size_t i = 0; i < r->srv->cfg->nagencies; i++) {
			lw_buf_adds(b, "<option>");
			html_esc(b, r->srv->cfg->agencies[i]);
			lw_buf_adds(b, "</option>");
		}
		lw_buf_adds(b, "</select></label><label>Note <input name=\"note\" id=\"resolve-note\">"
			    "</label><button type=\"submit\" id=\"resolve\">Resolve</button></form>");
	}
	html_raw(b, "<form method=\"post\" action=\"/item/%ld/note\" class=\"inline\">", id);
	html_csrf(r);
	lw_buf_adds(b, "<label>Note <input name=\"note\" id=\"note\" required></label>"
		    "<button type=\"submit\" id=\"add-note\">Add note</button></form>");
	if (r->role >= ROLE_SUPERVISOR)
		supervisor_forms(r, it);
	lw_buf_adds(b, "</section>");
}

static void fields(struct lw_buf *b, json_t *it)
{
	lw_buf_adds(b, "<dl class=\"fields\"><dt>URL</dt><dd>");
	html_ad_link(b, jstr(it, "url"), NULL);
	lw_buf_adds(b, "</dd><dt>Source</dt><dd>");
	html_esc(b, jstr(it, "source"));
	lw_buf_adds(b, "</dd><dt>Location</dt><dd>");
	html_esc(b, jstr(it, "location"));
	lw_buf_adds(b, "</dd><dt>Posted</dt><dd>");
	html_esc(b, jstr(it, "posted"));
	lw_buf_adds(b, "</dd><dt>Seen</dt><dd>");
	html_time(b, jstr(it, "first_seen"));
	lw_buf_adds(b, " – ");
	html_time(b, jstr(it, "last_seen"));
	html_raw(b, "</dd><dt>Version</dt><dd>%ld of %ld (reviewed version)</dd><dt>Priority</dt>"
		 "<dd>%.2f ", jint(it, "version"), jint(it, "versions"), jnum(it, "priority"));
	html_esc(b, json_is_true(json_object_get(it, "urgent")) ? "urgent (minors)" :
		 jstr(it, "priority_reason"));
	lw_buf_adds(b, "</dd></dl>");
}

/* A section's heading, and its "nothing here" line when list is empty:
 * 1 when there is something to show. */
static int section(struct lw_buf *b, const char *heading, json_t *list, const char *empty)
{
	html_raw(b, "<h2>%s</h2>", heading);
	if (json_array_size(list))
		return 1;
	html_raw(b, "<p class=\"empty\">%s</p>", empty);
	return 0;
}

static void contacts(struct lw_buf *b, json_t *detail)
{
	static const struct html_col cols[] = {
		{ "Kind", "kind", COL_TEXT, 0 }, { "As written", "value", COL_TEXT, 0 },
		{ "Normalised", "normalized", COL_TEXT, 0 },
		{ "Other ads with it", "shared_with", COL_INT, 0 },
	};
	json_t *list = json_object_get(detail, "contacts");

	if (section(b, "Contacts", list, "No contact details found in the text."))
		html_table(b, NULL, cols, NCOLS(cols), list);
}

static void flow(struct lw_buf *b, json_t *it)
{
	size_t i;
	json_t *l, *links = json_object_get(it, "links");

	if (!section(b, "Flow", links, "No redirects or outbound contact links."))
		return;
	lw_buf_adds(b, "<ol class=\"flow\">");
	json_array_foreach(links, i, l) {
		lw_buf_adds(b, "<li><span class=\"kind\">");
		html_esc(b, jstr(l, "kind"));
		lw_buf_adds(b, "</span> ");
		html_ad_link(b, jstr(l, "url"), NULL);
		lw_buf_adds(b, "</li>");
	}
	lw_buf_adds(b, "</ol>");
}

static void versions(struct lw_buf *b, json_t *detail)
{
	static const struct html_col cols[] = {
		{ "Version", "version", COL_INT, 0 }, { "Seen", "seen_at", COL_TIME, 0 },
		{ "Score", "score", COL_NUM, 0 }, { "Flagged", "flagged", COL_BOOL, 0 },
		{ "Title", "title", COL_TEXT, 200 },
	};

	lw_buf_adds(b, "<h2>Versions</h2>");
	html_table(b, NULL, cols, NCOLS(cols), json_object_get(detail, "versions"));
}

static void network(struct lw_buf *b, json_t *it)
{
	json_t *n = json_object_get(it, "network");

	lw_buf_adds(b, "<h2>Network</h2>");
	if (!json_is_object(n)) {
		lw_buf_adds(b, "<p class=\"empty\">This ad shares no contact or text with another.</p>");
		return;
	}
	html_raw(b, "<p><a href=\"/network/%ld\" id=\"network-link\">Network %ld</a>: %ld ads from "
		 "%ld sources, %.2f posts a day. ", jint(n, "id"), jint(n, "id"),
		 jint(n, "listings"), jint(n, "sources"), jnum(n, "posting_rate"));
	lw_buf_adds(b, "Linked by the contacts above that other ads share, or by near-duplicate "
		    "text: the network page shows the reason for each link.</p>");
}

static const struct html_col history_cols[] = {
	{ "When", "at", COL_TIME, 0 }, { "Who", "actor", COL_TEXT, 0 },
	{ "What", "action", COL_TEXT, 0 }, { "Details", "details", COL_JSON, 0 },
};

static void notes_history(struct lw_buf *b, json_t *it)
{
	size_t i;
	json_t *x;

	lw_buf_adds(b, "<h2>Notes</h2><ul class=\"notes\">");
	json_array_foreach(json_object_get(it, "notes"), i, x) {
		lw_buf_adds(b, "<li><b>");
		html_esc(b, jstr(x, "analyst"));
		lw_buf_adds(b, "</b> ");
		html_time(b, jstr(x, "created_at"));
		lw_buf_adds(b, ": ");
		html_esc(b, jstr(x, "note"));
		lw_buf_adds(b, "</li>");
	}
	lw_buf_adds(b, "</ul><h2>History</h2>");
	html_table(b, "class=\"history\" id=\"history\"", history_cols, NCOLS(history_cols),
		   json_object_get(it, "history"));
}

void page_item(struct web_req *r)
{
	struct lw_error err;
	json_t *it = NULL, *detail = NULL, *hits;
	struct lw_buf *b = &r->out;
	char title[64];

	if (store_queue_show(r->st, r->id, &it, &err) < 0 ||
	    (json_is_object(it) &&
	     store_listing_detail(r->st, jint(it, "listing_id"), &detail, &err) < 0)) {
		fprintf(stderr, "lurewatch serve: %s\n", err.msg);
		web_fail(r, 500, "database error");
		goto out;
	}
	if (!json_is_object(it)) {
		web_fail(r, 404, "no queue item %ld", r->id);
		goto out;
	}
	hits = json_object_get(it, "hits");
	snprintf(title, sizeof(title), "Item %ld", r->id);
	html_page_begin(r, title);
	html_raw(b, "<div class=\"head\"><h1>Item %ld <span class=\"badge %s\">", r->id,
		 json_is_true(json_object_get(it, "urgent")) ? "urgent" : "");
	html_esc(b, jstr(it, "status"));
	html_raw(b, "</span> <span class=\"score\">score %.2f</span></h1></div><h2 class=\"adtitle\">",
		 jnum(it, "score"));
	{
		const char *t = jstr(it, "title");

		html_escn(b, t, strlen(t) > 300 ? 300 : strlen(t));
	}
	lw_buf_adds(b, "</h2>");
	actions(r, it);
	lw_buf_adds(b, "<div class=\"cols\"><div class=\"main\"><h2>The ad, with its evidence</h2>");
	web_ad_text(b, jstr(it, "text"), hits);
	lw_buf_adds(b, "<h2>Hits</h2>");
	hits_table(b, hits);
	lw_buf_adds(b, "<h2>Why this score</h2>");
	explain(b, json_object_get(it, "explain"));
	lw_buf_adds(b, "</div><div class=\"side\">");
	fields(b, it);
	contacts(b, detail);
	flow(b, it);
	network(b, it);
	versions(b, detail);
	lw_buf_adds(b, "</div></div>");
	notes_history(b, it);
	html_page_end(r);
out:
	json_decref(it);
	json_decref(detail);
}

/* ---- actions ------------------------------------------------------------------------ */

static int agency_ok(const struct config *cfg, const char *agency)
{
	return !agency || config_has_agency(cfg, agency);
}

void page_item_action(struct web_req *r, const char *action)
{
	struct lw_error err;
	json_t *it = NULL;
	const char *verdict = web_form(r, "verdict"), *agency = web_form(r, "agency");
	const char *note = web_form(r, "note"), *back = web_form(r, "back");
	char here[64];
	int rc;

	if (strcmp(action, "claim") == 0) {
		rc = store_queue_claim_item(r->st, r->id, web_user(r), r->srv->cfg->claim_minutes, &it,
					    &err);
	} else if (strcmp(action, "release") == 0) {
		rc = store_queue_release(r->st, r->id, web_user(r), &it, &err);
	} else if (strcmp(action, "resolve") == 0) {
		/* The agency list is the configuration's, as for `queue resolve --to`. */
		if (verdict && strcmp(verdict, "escalated") != 0)
			agency = NULL;
		if (!agency_ok(r->srv->cfg, agency)) {
			web_fail(r, 400, "unknown agency '%s'", agency);
			return;
		}
		rc = store_queue_resolve(r->st, r->id, web_user(r), verdict, agency, note, &it, &err);
	} else if (strcmp(action, "reassign") == 0) {
		const char *to = web_form(r, "to");

		if (auth_reassign_target(r, to) < 0)
			return;
		rc = store_queue_reassign(r->st, r->id, web_user(r), to, r->srv->cfg->claim_minutes,
					  &it, &err);
	} else if (strcmp(action, "reopen") == 0) {
		rc = store_queue_reopen(r->st, r->id, web_user(r), note, &it, &err);
	} else {
		rc = store_queue_note(r->st, r->id, web_user(r), note, &it, &err);
	}
	if (rc < 0) {
		web_fail(r, 409, "%s", err.msg);
		return;
	}
	if (json_is_null(it)) {
		web_fail(r, 404, "no queue item %ld", r->id);
		json_decref(it);
		return;
	}
	json_decref(it);
	snprintf(here, sizeof(here), "/item/%ld", r->id);
	web_redirect(r, back ? back : here);
}

/* SPDX-License-Identifier: MIT */
/* `lurewatch queue`: the analysts' review queue: list, show, claim, release,
 * resolve, note, export, stats and watch. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../store/store.h"
#include "../util/utf8.h"
#include "../util/xmalloc.h"
#include "cli.h"

#define TITLE_WIDTH 48
#define CATS_WIDTH 28

/* Options; each subcommand accepts a subset (its mask). */
enum {
	O_JSON = 1 << 0, O_ANALYST = 1 << 1, O_STATUS = 1 << 2, O_MIN_SCORE = 1 << 3,
	O_CATEGORY = 1 << 4, O_LIMIT = 1 << 5, O_COUNT = 1 << 6, O_MINUTES = 1 << 7,
	O_VERDICT = 1 << 8, O_TO = 1 << 9, O_NOTE = 1 << 10, O_FORMAT = 1 << 11,
	O_SINCE = 1 << 12, O_COLOR = 1 << 13,
};
#define O_COMMON (O_JSON | O_ANALYST)
#define O_FILTER (O_STATUS | O_MIN_SCORE | O_CATEGORY | O_LIMIT)

struct qopts {
	unsigned given;
	int json, minutes;
	const char *analyst, *verdict, *to, *note, *format, *colour;
	long count;
	struct store_filter f;
	char **args;            /* positional arguments */
	int nargs;
};

struct qctx {
	struct config *cfg;
	struct store *st;
	struct qopts *o;
	const char *analyst;
};

struct subcommand {
	const char *name;
	int (*fn)(struct qctx *q);
	unsigned opts;
	int nargs;
	const char *usage;
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "analyst", required_argument, NULL, 'a' },
	{ "status", required_argument, NULL, 's' },
	{ "min-score", required_argument, NULL, 'm' },
	{ "category", required_argument, NULL, 'c' },
	{ "limit", required_argument, NULL, 'l' },
	{ "count", required_argument, NULL, 'n' },
	{ "minutes", required_argument, NULL, 'M' },
	{ "verdict", required_argument, NULL, 'v' },
	{ "to", required_argument, NULL, 't' },
	{ "note", required_argument, NULL, 'N' },
	{ "format", required_argument, NULL, 'f' },
	{ "since", required_argument, NULL, 'S' },
	{ "color", required_argument, NULL, 'C' },
	{ "colour", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* ---- output helpers -------------------------------------------------------------- */

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static double jnum(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* Prints s with control characters as spaces, at most width code points
 * (0: all), with "..." when cut. */
static void put_text(const char *s, size_t width)
{
	size_t n = strlen(s), cps = 0;

	for (size_t i = 0; i < n;) {
		size_t l = lw_utf8_seq_len((const unsigned char *)s + i, n - i);

		if (width && cps == width) {
			fputs("...", stdout);
			return;
		}
		if (l == 0)
			l = 1;
		if (l == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f))
			fputc(' ', stdout);
		else
			fwrite(s + i, 1, l, stdout);
		i += l;
		cps++;
	}
}

/* "2026-03-01T10:20:30.5+00:00" as "2026-03-01 10:20". */
static const char *short_time(const char *iso, char out[20])
{
	snprintf(out, 20, "%.16s", iso);
	if (strlen(out) > 10 && out[10] == 'T')
		out[10] = ' ';
	return out;
}

static void join_categories(json_t *item, char *out, size_t n)
{
	size_t i, len = 0;
	json_t *c;

	out[0] = '\0';
	json_array_foreach(json_object_get(item, "categories"), i, c) {
		int w = snprintf(out + len, n - len, "%s%s", i ? "," : "", json_string_value(c));

		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
}

static void print_header(void)
{
	printf("%6s %1s %6s %6s %-9s %-12s %-*s %-*s %s\n", "ID", "!", "SCORE", "PRIO", "STATUS",
	       "CLAIMED_BY", CATS_WIDTH, "CATEGORIES", TITLE_WIDTH, "TITLE", "WHY THIS PRIORITY");
}

static void print_row(json_t *item)
{
	char cats[256];

	join_categories(item, cats, sizeof(cats));
	const char *why = jstr(item, "priority_reason");

	printf("%6lld %1s %6.2f %6.2f %-9s %-12.12s %-*.*s ",
	       (long long)json_integer_value(json_object_get(item, "id")),
	       json_is_true(json_object_get(item, "urgent")) ? "!" : "", jnum(item, "score"),
	       jnum(item, "priority"), jstr(item, "status"), jstr(item, "claimed_by"), CATS_WIDTH,
	       CATS_WIDTH, cats);
	/* The order is urgent, then priority: the row says why it sits where it does. */
	put_text(jstr(item, "title"), TITLE_WIDTH);
	printf(" %s\n", json_is_true(json_object_get(item, "urgent")) ? "urgent (minors)" :
	       why[0] ? why : "score");
}

static void print_items(json_t *items)
{
	size_t i;
	json_t *it;

	print_header();
	json_array_foreach(items, i, it)
		print_row(it);
}

/* --json prints an array of items even for one. */
static void print_one(json_t *item, int json, const char *fmt, const char *detail)
{
	if (json) {
		json_t *a = json_array();

		json_array_append(a, item);
		cli_json_print(a);
		json_decref(a);
		return;
	}
	printf(fmt, (long long)json_integer_value(json_object_get(item, "id")), detail);
	fputc('\n', stdout);
}

/* ---- list, claim, release, resolve, note ------------------------------------------------ */

static int fail(struct lw_error *err)
{
	fprintf(stderr, "lurewatch: %s\n", err->msg);
	return CLI_ERROR;
}

static int sub_list(struct qctx *q)
{
	struct lw_error err;
	json_t *items;

	if (store_queue_list(q->st, &q->o->f, &items, &err) < 0)
		return fail(&err);
	if (q->o->json)
		cli_json_print(items);
	else
		print_items(items);
	json_decref(items);
	return CLI_OK;
}

static int sub_claim(struct qctx *q)
{
	struct lw_error err;
	json_t *items;
	int minutes = q->o->minutes > 0 ? q->o->minutes : q->cfg->claim_minutes;
	int rc;

	if (store_queue_claim(q->st, q->analyst, q->o->count > 0 ? q->o->count : 1, minutes, &items,
			      &err) < 0)
		return fail(&err);
	rc = json_array_size(items) ? CLI_OK : CLI_NONE;
	if (q->o->json) {
		cli_json_print(items);
	} else if (rc == CLI_NONE) {
		printf("nothing to claim: the queue has no new items\n");
	} else {
		print_items(items);
		printf("claimed %zu item%s for %s for %d minutes\n", json_array_size(items),
		       json_array_size(items) == 1 ? "" : "s", q->analyst, minutes);
	}
	json_decref(items);
	return rc;
}

static int parse_id(const char *s, long *id)
{
	char *end;

	errno = 0;
	*id = strtol(s, &end, 10);
	if (errno || end == s || *end || *id <= 0) {
		fprintf(stderr, "lurewatch: bad item id '%s'\n", s);
		return -1;
	}
	return 0;
}

/* Common ending of release, resolve and note: a missing item exits 1. */
static int done_one(struct qctx *q, long id, json_t *item, const char *fmt, const char *detail)
{
	if (json_is_null(item)) {
		fprintf(stderr, "lurewatch: no queue item %ld\n", id);
		json_decref(item);
		return CLI_NONE;
	}
	print_one(item, q->o->json, fmt, detail);
	json_decref(item);
	return CLI_OK;
}

static int sub_release(struct qctx *q)
{
	struct lw_error err;
	json_t *item;
	long id;

	if (parse_id(q->o->args[0], &id) < 0)
		return CLI_ERROR;
	if (store_queue_release(q->st, id, q->analyst, &item, &err) < 0)
		return fail(&err);
	return done_one(q, id, item, "released item %lld%s", "");
}

static int agency_list(const struct config *cfg, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < cfg->nagencies; i++) {
		int w = snprintf(out + len, n - len, "%s%s", i ? ", " : "", cfg->agencies[i]);

		if (w < 0 || (size_t)w >= n - len)
			return -1;
		len += (size_t)w;
	}
	return 0;
}

static int check_verdict(struct qctx *q)
{
	const char *v = q->o->verdict, *to = q->o->to;
	char list[1024];

	if (!v) {
		fprintf(stderr, "lurewatch: queue resolve needs --verdict confirmed|dismissed|escalated\n");
		return -1;
	}
	if (strcmp(v, "confirmed") && strcmp(v, "dismissed") && strcmp(v, "escalated")) {
		fprintf(stderr, "lurewatch: bad verdict '%s': expected confirmed, dismissed or escalated\n", v);
		return -1;
	}
	if (strcmp(v, "escalated") != 0) {
		if (to)
			fprintf(stderr, "lurewatch: --to applies only to --verdict escalated\n");
		return to ? -1 : 0;
	}
	agency_list(q->cfg, list, sizeof(list));
	if (!to) {
		fprintf(stderr, "lurewatch: --verdict escalated needs --to AGENCY (one of: %s)\n", list);
		return -1;
	}
	if (!config_has_agency(q->cfg, to)) {
		fprintf(stderr, "lurewatch: unknown agency '%s': expected one of: %s\n", to, list);
		return -1;
	}
	return 0;
}

static int sub_resolve(struct qctx *q)
{
	struct lw_error err;
	json_t *item;
	char detail[512];
	long id;

	if (parse_id(q->o->args[0], &id) < 0 || check_verdict(q) < 0)
		return CLI_ERROR;
	if (store_queue_resolve(q->st, id, q->analyst, q->o->verdict, q->o->to, q->o->note, &item,
				&err) < 0)
		return fail(&err);
	snprintf(detail, sizeof(detail), " as %s%s%s", q->o->verdict, q->o->to ? " to " : "",
		 q->o->to ? q->o->to : "");
	return done_one(q, id, item, "resolved item %lld%s", detail);
}

static int sub_note(struct qctx *q)
{
	struct lw_error err;
	json_t *item;
	long id;

	if (parse_id(q->o->args[0], &id) < 0)
		return CLI_ERROR;
	if (!q->o->args[1][0]) {
		fprintf(stderr, "lurewatch: the note is empty\n");
		return CLI_ERROR;
	}
	if (store_queue_note(q->st, id, q->analyst, q->o->args[1], &item, &err) < 0)
		return fail(&err);
	return done_one(q, id, item, "noted item %lld%s", "");
}

/* ---- show ------------------------------------------------------------------------------ */

static void put_byte(char c)
{
	unsigned char u = (unsigned char)c;

	fputc(u < 0x20 || u == 0x7f ? ' ' : u, stdout);
}

/* Prints the text with line numbers, hit bytes highlighted. */
static void show_text(const char *t, size_t n, json_t *hits, int colour)
{
	const char *open = colour ? "\033[1;31m" : "[[", *close = colour ? "\033[0m" : "]]";
	unsigned char *mask = xcalloc(n + 1, 1);
	size_t i, lineno = 1;
	int on = 0, bol = 1;
	json_t *h;

	json_array_foreach(hits, i, h) {
		json_int_t s = json_integer_value(json_object_get(h, "start"));
		json_int_t e = json_integer_value(json_object_get(h, "end"));

		if (s >= 0 && s < e && (size_t)e <= n)
			memset(mask + s, 1, (size_t)(e - s));
	}
	for (i = 0; i < n; i++) {
		if (bol)
			printf("  %4zu  ", lineno);
		bol = 0;
		if (t[i] == '\n') {
			if (on)
				fputs(close, stdout);
			on = 0;
			fputc('\n', stdout);
			bol = 1;
			lineno++;
			continue;
		}
		if (mask[i] != on)
			fputs(mask[i] ? open : close, stdout);
		on = mask[i];
		put_byte(t[i]);
	}
	if (on)
		fputs(close, stdout);
	if (!bol)
		fputc('\n', stdout);
	free(mask);
}

/* The score's arithmetic (store_score_explain) as text. */
static void show_explain(json_t *e)
{
	double base = jnum(e, "base"), mult = jnum(e, "multiplier"), score = jnum(e, "score");
	json_t *c, *r;
	size_t i, k;

	printf("score (per category, distinct rules count 1, 1/2, 1/4... of their weight):\n");
	json_array_foreach(json_object_get(e, "categories"), i, c) {
		printf("  %-22s", jstr(c, "category"));
		json_array_foreach(json_object_get(c, "rules"), k, r) {
			printf("%s %.2f %s", k ? " +" : "", jnum(r, "weight"), jstr(r, "rule"));
			if (jnum(r, "factor") < 1)
				printf(" x%g", jnum(r, "factor"));
		}
		printf("  = %.2f\n", jnum(c, "sum"));
	}
	printf("  categories %.2f x %.2f (%ld distinct)", base, mult, (long)jnum(e, "distinct"));
	if (jnum(e, "context") != 0) {
		printf(" with %.2f context", jnum(e, "context"));
		if (json_object_get(e, "rest"))
			printf(" (short text and context together x %.2f, or %+.2f)", jnum(e, "rest"),
			       score - base * mult);
		printf(" = %.2f (stored score)\n", score);
		return;
	}
	if (json_object_get(e, "short_text"))
		printf(" x %.2f short text", jnum(e, "short_text"));
	printf(" = %.2f (stored score %.2f)\n",
	       base * mult * (json_object_get(e, "short_text") ? jnum(e, "short_text") : 1), score);
}

/* The listing's network, when it shares contacts or text with other ads. */
static void show_network(json_t *n)
{
	if (!json_is_object(n)) {
		printf("  network:    none (no shared contact or template)\n");
		return;
	}
	printf("  network:    %lld: %lld ads from %lld sources in %lld places, %.2f a day"
	       " (lurewatch network show %lld)\n",
	       (long long)json_integer_value(json_object_get(n, "id")),
	       (long long)json_integer_value(json_object_get(n, "listings")),
	       (long long)json_integer_value(json_object_get(n, "sources")),
	       (long long)json_integer_value(json_object_get(n, "locations")),
	       json_number_value(json_object_get(n, "posting_rate")),
	       (long long)json_integer_value(json_object_get(n, "id")));
	if (jstr(n, "reason")[0])
		printf("  priority:   raised: %s\n", jstr(n, "reason"));
}

/* Where the ad sends people: the redirect chain that led to it, and its
 * links to messaging channels and other sites. */
static void show_links(json_t *links)
{
	size_t i;
	json_t *l;

	json_array_foreach(links, i, l) {
		printf("  %-11s ", strcmp(jstr(l, "kind"), "redirect") ? "links to:" : "reached via:");
		put_text(jstr(l, "url"), 0);
		printf("\n");
	}
}

static void show_fields(json_t *it)
{
	char t1[20], t2[20], cats[256];

	printf("item %lld%s: %s, score %.2f, priority %.2f\n",
	       (long long)json_integer_value(json_object_get(it, "id")),
	       json_is_true(json_object_get(it, "urgent")) ? " [URGENT]" : "", jstr(it, "status"),
	       jnum(it, "score"), jnum(it, "priority"));
	if (jstr(it, "claimed_by")[0])
		printf("  claimed by %s until %s\n", jstr(it, "claimed_by"),
		       short_time(jstr(it, "claim_expires"), t1));
	if (jstr(it, "verdict")[0])
		printf("  verdict:    %s%s%s by %s at %s\n", jstr(it, "verdict"),
		       jstr(it, "escalated_to")[0] ? " to " : "", jstr(it, "escalated_to"),
		       jstr(it, "resolved_by"), short_time(jstr(it, "resolved_at"), t1));
	join_categories(it, cats, sizeof(cats));
	printf("  categories: %s\n  url:        ", cats);
	put_text(jstr(it, "url"), 0);
	printf("\n  source:     ");
	put_text(jstr(it, "source"), 0);
	printf("\n  title:      ");
	put_text(jstr(it, "title"), 0);
	printf("\n  location:   ");
	put_text(jstr(it, "location"), 0);
	printf("\n  posted:     ");
	put_text(jstr(it, "posted"), 0);
	printf("\n  seen:       first %s, last %s\n", short_time(jstr(it, "first_seen"), t1),
	       short_time(jstr(it, "last_seen"), t2));
	printf("  version:    %lld (current %lld, %lld stored)\n",
	       (long long)json_integer_value(json_object_get(it, "version")),
	       (long long)json_integer_value(json_object_get(it, "current_version")),
	       (long long)json_integer_value(json_object_get(it, "versions")));
	show_network(json_object_get(it, "network"));
	show_links(json_object_get(it, "links"));
}

static void show_notes_history(json_t *it)
{
	char t[20];
	size_t i;
	json_t *e;

	printf("notes:%s\n", json_array_size(json_object_get(it, "notes")) ? "" : " none");
	json_array_foreach(json_object_get(it, "notes"), i, e) {
		printf("  %s %s: ", short_time(jstr(e, "created_at"), t), jstr(e, "analyst"));
		put_text(jstr(e, "note"), 0);
		fputc('\n', stdout);
	}
	printf("history:\n");
	json_array_foreach(json_object_get(it, "history"), i, e) {
		char *d = json_dumps(json_object_get(e, "details"), JSON_COMPACT);

		printf("  %s %-14s %-16s ", short_time(jstr(e, "at"), t), jstr(e, "action"),
		       jstr(e, "actor"));
		put_text(d ? d : "", 120);
		fputc('\n', stdout);
		free(d);
	}
}

static int sub_show(struct qctx *q)
{
	struct lw_error err;
	json_t *it, *text, *hits;
	long id;

	if (parse_id(q->o->args[0], &id) < 0)
		return CLI_ERROR;
	if (store_queue_show(q->st, id, &it, &err) < 0)
		return fail(&err);
	if (json_is_null(it)) {
		fprintf(stderr, "lurewatch: no queue item %ld\n", id);
		json_decref(it);
		return CLI_NONE;
	}
	if (q->o->json) {
		cli_json_print(it);
		json_decref(it);
		return CLI_OK;
	}
	text = json_object_get(it, "text");
	hits = json_object_get(it, "hits");
	show_fields(it);
	printf("text:\n");
	show_text(json_string_value(text), json_string_length(text), hits,
		  cli_use_colour(stdout, q->o->colour));
	show_explain(json_object_get(it, "explain"));
	show_notes_history(it);
	json_decref(it);
	return CLI_OK;
}

/* ---- export ----------------------------------------------------------------------------- */

static const char *const csv_columns[] = {
	"id", "listing_id", "url", "source", "title", "location", "posted", "score", "priority",
	"urgent", "categories", "status", "claimed_by", "claim_expires", "verdict", "escalated_to",
	"resolved_by", "resolved_at", "created_at",
};

/* RFC 4180 quoting; a text cell a spreadsheet would run as a formula gets
 * a leading quote. */
static void csv_text(const char *s)
{
	int formula = s[0] && strchr("=+-@\t\r", s[0]) != NULL;
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', stdout);
	if (formula)
		fputc('\'', stdout);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', stdout);
		fputc(*p, stdout);
	}
	if (quote)
		fputc('"', stdout);
}

static void csv_cell(json_t *v)
{
	size_t i;
	json_t *e;

	if (json_is_string(v)) {
		csv_text(json_string_value(v));
	} else if (json_is_integer(v)) {
		printf("%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		printf("%.4g", json_real_value(v));
	} else if (json_is_boolean(v)) {
		fputs(json_is_true(v) ? "true" : "false", stdout);
	} else if (json_is_array(v)) {
		char joined[1024] = "";
		size_t len = 0;

		json_array_foreach(v, i, e) {
			int w = snprintf(joined + len, sizeof(joined) - len, "%s%s", i ? ";" : "",
					 json_string_value(e) ? json_string_value(e) : "");

			if (w < 0 || (size_t)w >= sizeof(joined) - len)
				break;
			len += (size_t)w;
		}
		csv_text(joined);
	}
}

static int sub_export(struct qctx *q)
{
	const size_t ncol = sizeof(csv_columns) / sizeof(csv_columns[0]);
	const char *fmt = q->o->format ? q->o->format : q->o->json ? "json" : "csv";
	struct lw_error err;
	json_t *items, *it;
	size_t i;

	if (strcmp(fmt, "csv") && strcmp(fmt, "json")) {
		fprintf(stderr, "lurewatch: --format takes csv or json, not '%s'\n", fmt);
		return CLI_ERROR;
	}
	if (store_queue_list(q->st, &q->o->f, &items, &err) < 0)
		return fail(&err);
	if (strcmp(fmt, "json") == 0) {
		cli_json_print(items);
		json_decref(items);
		return CLI_OK;
	}
	for (size_t c = 0; c < ncol; c++)
		printf("%s%s", c ? "," : "", csv_columns[c]);
	fputs("\r\n", stdout);
	json_array_foreach(items, i, it) {
		for (size_t c = 0; c < ncol; c++) {
			if (c)
				fputc(',', stdout);
			csv_cell(json_object_get(it, csv_columns[c]));
		}
		fputs("\r\n", stdout);
	}
	json_decref(items);
	return CLI_OK;
}

/* ---- stats and watch ------------------------------------------------------------------- */

static void print_counts(const char *title, json_t *o)
{
	const char *k;
	json_t *v;

	printf("%s:", title);
	json_object_foreach(o, k, v) {
		if (json_is_object(v))
			printf(" %s %lld (%lld open)", k, (long long)json_integer_value(json_object_get(v, "total")),
			       (long long)json_integer_value(json_object_get(v, "open")));
		else
			printf(" %s %lld", k, (long long)json_integer_value(v));
	}
	printf("%s\n", json_object_size(o) ? "" : " none");
}

static int sub_stats(struct qctx *q)
{
	struct lw_error err;
	json_t *s;
	char t[20];

	if (store_queue_stats(q->st, &s, &err) < 0)
		return fail(&err);
	if (q->o->json) {
		cli_json_print(s);
	} else {
		printf("items: %lld, open urgent: %lld, oldest new: %s\n",
		       (long long)json_integer_value(json_object_get(s, "total")),
		       (long long)json_integer_value(json_object_get(s, "open_urgent")),
		       json_is_string(json_object_get(s, "oldest_new")) ?
			       short_time(jstr(s, "oldest_new"), t) : "-");
		print_counts("status", json_object_get(s, "by_status"));
		print_counts("verdicts", json_object_get(s, "by_verdict"));
		print_counts("escalated to", json_object_get(s, "by_agency"));
		print_counts("categories", json_object_get(s, "by_category"));
	}
	json_decref(s);
	return CLI_OK;
}

static volatile int watch_stop;

static void on_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static int watch_item(json_t *item, void *ctx)
{
	const struct qopts *o = ctx;

	if (o->json)
		cli_json_print(item);
	else
		print_row(item);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int sub_watch(struct qctx *q)
{
	struct sigaction sa;
	struct lw_error err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() returns at once and the loop sees the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!q->o->json) {
		print_header();
		fflush(stdout);
	}
	if (store_queue_watch(q->st, watch_item, q->o, &watch_stop, stderr, &err) < 0)
		return fail(&err);
	return CLI_OK;
}

/* ---- options and dispatch ------------------------------------------------------------- */

static const struct subcommand subs[] = {
	{ "list", sub_list, O_COMMON | O_FILTER | O_SINCE, 0,
	  "list [--status S] [--min-score N] [--category C] [--limit N] [--since DATE]" },
	{ "show", sub_show, O_COMMON | O_COLOR, 1, "show ID [--color WHEN]" },
	{ "claim", sub_claim, O_COMMON | O_COUNT | O_MINUTES, 0, "claim [--count N] [--minutes M]" },
	{ "release", sub_release, O_COMMON, 1, "release ID" },
	{ "resolve", sub_resolve, O_COMMON | O_VERDICT | O_TO | O_NOTE, 1,
	  "resolve ID --verdict confirmed|dismissed|escalated [--to AGENCY] [--note TEXT]" },
	{ "note", sub_note, O_COMMON, 2, "note ID TEXT" },
	{ "export", sub_export, O_COMMON | O_FILTER | O_SINCE | O_FORMAT, 0,
	  "export [--format csv|json] [--status S] [--min-score N] [--category C]\n"
	  "                        [--since DATE] [--limit N]" },
	{ "stats", sub_stats, O_COMMON, 0, "stats" },
	{ "watch", sub_watch, O_COMMON, 0, "watch" },
};
#define NSUBS (sizeof(subs) / sizeof(subs[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage:");
	for (size_t i = 0; i < NSUBS; i++)
		fprintf(f, "%s lurewatch queue %s\n", i ? "      " : "", subs[i].usage);
	fprintf(f,
		"\nThe analysts' review queue. Items are listed and claimed urgent first (hits in\n"
		"the minors category), then by priority: the score, raised for an ad in a large\n"
		"or fast network (the PRIO column, with the reason). A claim lasts --minutes (default: the\n"
		"configuration's queue.claim_minutes) and then returns to the queue. Every\n"
		"change is recorded in the audit log, and a verdict is never overwritten.\n\n"
		"Every subcommand takes:\n"
		"  --json           JSON output: an array of items (an object for show, stats;\n"
		"                   one object per line for watch)\n"
		"  --analyst NAME   who acts (default: $LUREWATCH_ANALYST, else the login name)\n"
		"  -h, --help       this help\n\n"
		"  --status S       new, claimed, resolved, open (new or claimed) or all\n"
		"                   (default: open for list, all for export)\n"
		"  --min-score N    items scoring at least N\n"
		"  --category C     items with a hit in category C\n"
		"  --since DATE     items queued at or after DATE (YYYY-MM-DD or a timestamp)\n"
		"  --limit N        at most N items\n"
		"  --to AGENCY      escalation target, one of the configuration's queue.agencies\n"
		"  --note TEXT      a note stored with the verdict\n"
		"  --color WHEN     show's highlighting: auto, always or never\n\n"
		"Exit status: 0 ok, 1 nothing found or claimed, 2 usage or database error.\n");
}

static int parse_count(const char *opt, const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max) {
		fprintf(stderr, "lurewatch: bad value '%s' for %s: expected 1 to %ld\n", s, opt, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_status(const char *s, const char **out)
{
	static const char *const ok[] = { "new", "claimed", "resolved", "open", "all" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(s, ok[i]) == 0) {
			*out = strcmp(s, "all") == 0 ? NULL : s;
			return 0;
		}
	fprintf(stderr, "lurewatch: bad status '%s': expected new, claimed, resolved, open or all\n", s);
	return -1;
}

/* Option values that need checking; -1 after a message. */
static int parse_value(struct qopts *o, int c, const char *arg)
{
	long v;

	switch (c) {
	case 's': return parse_status(arg, &o->f.status);
	case 'm': return cli_parse_double("--min-score", arg, &o->f.min_score);
	case 'c':
		if (matcher_category_parse(arg) < 0) {
			fprintf(stderr, "lurewatch: unknown category '%s'\n", arg);
			return -1;
		}
		o->f.category = arg;
		return 0;
	case 'l': return parse_count("--limit", arg, 1000000000L, &o->f.limit);
	case 'n': return parse_count("--count", arg, 1000, &o->count);
	case 'M':
		if (parse_count("--minutes", arg, 7L * 24 * 60, &v) < 0)
			return -1;
		o->minutes = (int)v;
		return 0;
	case 'C':
		if (strcmp(arg, "auto") && strcmp(arg, "always") && strcmp(arg, "never")) {
			fprintf(stderr, "lurewatch: --color takes auto, always or never\n");
			return -1;
		}
		o->colour = arg;
		return 0;
	}
	return 0;
}

static unsigned opt_bit(int c)
{
	static const char letters[] = "jasmclnMvtNfSC";

	for (int i = 0; letters[i]; i++)
		if (letters[i] == c)
			return 1u << i;
	return 0;
}

/* Parses argv (argv[0] is the subcommand). Returns 0, 1 for --help, or -1. */
static int parse_opts(const struct subcommand *sc, int argc, char **argv, struct qopts *o)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == '?' || !(opt_bit(c) & sc->opts)) {
			if (c != '?')
				fprintf(stderr, "lurewatch: '%s' does not apply to 'queue %s'\n",
					argv[optind - 1], sc->name);
			return -1;
		}
		o->given |= opt_bit(c);
		switch (c) {
		case 'j': o->json = 1; break;
		case 'a': o->analyst = optarg; break;
		case 'v': o->verdict = optarg; break;
		case 't': o->to = optarg; break;
		case 'N': o->note = optarg; break;
		case 'f': o->format = optarg; break;
		case 'S': o->f.since = optarg; break;
		default:
			if (parse_value(o, c, optarg) < 0)
				return -1;
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->nargs != sc->nargs) {
		fprintf(stderr, "lurewatch: usage: lurewatch queue %s\n", sc->usage);
		return -1;
	}
	return 0;
}

static int run(const struct subcommand *sc, struct qopts *o)
{
	struct qctx q = { NULL, NULL, o, cli_analyst(o->analyst) };
	int rc = CLI_ERROR;

	q.cfg = cli_config_load();
	if (!q.cfg)
		return CLI_ERROR;
	q.st = cli_store_open(q.cfg);
	if (q.st)
		rc = sc->fn(&q);
	fflush(stdout);
	store_close(q.st);
	config_free(q.cfg);
	return rc;
}

int cmd_queue(int argc, char **argv)
{
	struct qopts o;
	const struct subcommand *sc = NULL;
	int r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_ERROR : CLI_OK;
	}
	for (size_t i = 0; i < NSUBS && !sc; i++)
		if (strcmp(subs[i].name, argv[1]) == 0)
			sc = &subs[i];
	if (!sc) {
		fprintf(stderr, "lurewatch: unknown 'queue' subcommand '%s'; see 'lurewatch queue --help'\n",
			argv[1]);
		return CLI_ERROR;
	}
	memset(&o, 0, sizeof(o));
	o.f.min_score = -1;
	o.colour = "auto";
	if (strcmp(sc->name, "list") == 0)
		o.f.status = "open";
	r = parse_opts(sc, argc - 1, argv + 1, &o);
	if (r == 1) {
		printf("usage: lurewatch queue %s [--json] [--analyst NAME]\n\n", sc->usage);
		usage(stdout);
		return CLI_OK;
	}
	return r < 0 ? CLI_ERROR : run(sc, &o);
}

/* SPDX-License-Identifier: MIT */
/* Internals shared by the web module's files: the server, one request, the
 * page builder and the route handlers. */
#ifndef LW_WEB_INTERNAL_H
#define LW_WEB_INTERNAL_H

#include <pthread.h>
#include <stddef.h>

#include <jansson.h>

#include "../store/store.h"
#include "../util/buf.h"
#include "web.h"

/* An asset embedded by scripts/embed_assets.sh. */
struct web_asset {
	const char *name;
	const char *data;
	size_t len;
};
extern const struct web_asset web_assets[];
extern const size_t web_nassets;
const struct web_asset *web_asset_find(const char *name);

enum web_role { ROLE_NONE, ROLE_ANALYST, ROLE_SUPERVISOR, ROLE_ADMIN };

/* A figure read from the database and kept a few seconds, under the
 * server's stat_mu (page_queue.c). */
struct web_cache {
	json_t *v;
	double at;              /* when read (monotonic seconds); 0: to read again */
	unsigned long gen;      /* changes made through this server */
	int loading;            /* one request is reading it */
	pthread_cond_t done;    /* signalled when that read ends */
};
void web_cache_init(struct web_cache *c);
void web_cache_release(struct web_cache *c);

struct web_server {
	const struct config *cfg;
	char *conninfo;
	char *url;
	int tls;
	int metrics_only;       /* the daemon's /metrics: cfg is NULL once started */
	struct MHD_Daemon *daemon;
	char *cert_pem, *key_pem;
	pthread_mutex_t pool_mu;
	struct store **pool;    /* idle connections */
	size_t npool, pool_cap;
	size_t nopen;           /* connections made, idle or in use */
	struct pool_waiter *waiters, *waiters_tail; /* requests waiting, oldest first */
	pthread_mutex_t gv_mu;  /* Graphviz is not thread-safe */
	void *gvc;              /* its one GVC_t, made at the first graph (graph.c) */
	pthread_mutex_t stat_mu;
	unsigned long responses[6]; /* by status class: 1xx..5xx at [1..5] */
	double seconds;         /* time spent answering */
	unsigned long logins, login_failures;
	struct web_cache facets; /* the queue filters' choices */
	struct web_cache counts; /* the queue's counts by status */
};

/* A form or query field. */
struct web_field {
	char *name, *value;
};

struct web_req {
	struct web_server *srv;
	struct MHD_Connection *conn;
	const char *method, *url;
	char addr[64];
	struct store *st;
	/* The signed-in account: {id, name, role, csrf, must_change}, or NULL. */
	json_t *user;
	enum web_role role;
	int api;                /* authenticated by bearer token */
	struct lw_buf body;     /* the request body, capped */
	int too_big;
	struct web_field *form; /* the urlencoded body */
	size_t nform;
	long id;                /* the number in the route's path, if any */
	/* The response. */
	int status;
	struct lw_buf out;
	const char *ctype;
	char *location;         /* a redirect */
	char *cookie;           /* Set-Cookie value */
	char *cookie2;
	double started;
};

/* ---- request helpers (server.c) ---- */
double web_now(void);
const char *web_query(struct web_req *r, const char *name);
const char *web_form(struct web_req *r, const char *name);
void web_redirect(struct web_req *r, const char *location);
/* A failure page (or JSON error under /api/) with status and message. */
void web_fail(struct web_req *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void web_json(struct web_req *r, int status, json_t *v);  /* steals v */
const char *web_role_name(enum web_role role);
enum web_role web_role_parse(const char *s);
const char *web_user(struct web_req *r);  /* account name */
/* Splits r->body (application/x-www-form-urlencoded) into r->form. */
void web_parse_form(struct web_req *r);
/* The pattern of the route for method and url ('#' a number, set in *id),
 * or NULL, with *path_found saying whether another method has the path. */
const char *web_route_path(const char *method, const char *url, long *id, int *path_found);
/* An ad's text with its hits (objects with start, end, rule, category,
 * weight: byte offsets into t, trusted for nothing) marked (page_item.c). */
void web_ad_text(struct lw_buf *b, const char *t, json_t *hits);

/* ---- HTML (html.c) ---- */
/* Appends s escaped for text and attribute values: & < > " ' escaped,
 * control characters dropped, invalid UTF-8 replaced by U+FFFD. */
void html_esc(struct lw_buf *b, const char *s);
void html_escn(struct lw_buf *b, const char *s, size_t n);
/* Appends s percent-encoded for a query value. */
void html_urlenc(struct lw_buf *b, const char *s);
/* printf with %s arguments NOT escaped: only for trusted literals/numbers. */
void html_raw(struct lw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A link to an ad's URL: an anchor only for http(s), opening apart with
 * rel="noopener noreferrer"; other schemes are shown as text. */
void html_ad_link(struct lw_buf *b, const char *url, const char *text);
/* The page's frame from the layout template around the body so far. */
void html_page_begin(struct web_req *r, const char *title);
void html_page_end(struct web_req *r);
/* The hidden CSRF field of the signed-in account's session. */
void html_csrf(struct web_req *r);
/* A JSON member as a string ("" when missing or null); numbers printed. */
const char *jstr(json_t *o, const char *key);
double jnum(json_t *o, const char *key);
long jint(json_t *o, const char *key);
/* An ISO timestamp shortened to "YYYY-MM-DD HH:MM". */
void html_time(struct lw_buf *b, const char *iso);

/* A column of a table drawn from an array of JSON objects. */
enum html_col_kind {
	COL_TEXT,       /* the member escaped, cut to max bytes when max > 0 */
	COL_NUM,        /* a number with two decimals, right-aligned */
	COL_INT,        /* a whole number, right-aligned */
	COL_TIME,       /* an ISO timestamp as html_time shows it */
	COL_BOOL,       /* yes or no */
	COL_JSON,       /* the member as compact JSON, escaped */
	COL_INDEX,      /* the row's number from 1 (key unused) */
};
struct html_col {
	const char *head;       /* header, trusted HTML */
	const char *key;
	enum html_col_kind kind;
	size_t max;
};
/* <table attrs> with a header row and a row per object of rows; attrs is
 * trusted HTML (class or id). */
void html_table(struct lw_buf *b, const char *attrs, const struct html_col *cols, size_t ncols,
		json_t *rows);

/* ---- authentication (auth.c) ---- */
/* Finds the session or bearer token of the request; sets r->user/role. */
int auth_identify(struct web_req *r, struct lw_error *err);
int auth_check_csrf(struct web_req *r);
void page_login(struct web_req *r);
void page_login_post(struct web_req *r);
void page_logout(struct web_req *r);
void page_password(struct web_req *r);
void page_password_post(struct web_req *r);
/* Whether account name may be handed an item: it exists, is enabled and
 * has a role that reviews. 0, or -1 with the refusal (400) answered. */
int auth_reassign_target(struct web_req *r, const char *name);
void page_accounts(struct web_req *r);
void page_accounts_post(struct web_req *r);

/* ---- pages ---- */
void page_queue(struct web_req *r);
void page_claim_next(struct web_req *r);
/* The queue-wide counts, read at most every few seconds (new reference),
 * or NULL when they cannot be read (the page then counts itself). */
json_t *web_queue_counts(struct web_req *r);
/* Forgets the cached counts: this server has just changed the queue. */
void web_queue_changed(struct web_server *ws);
void page_item(struct web_req *r);
void page_item_action(struct web_req *r, const char *action);
void page_network(struct web_req *r);
void page_network_svg(struct web_req *r);
void page_search(struct web_req *r);
void page_rules(struct web_req *r);
void page_status(struct web_req *r);
void page_audit(struct web_req *r);

/* ---- sources (page_sources.c) ---- */
void page_sources(struct web_req *r);
void page_sources_post(struct web_req *r);
/* The sources of c as JSON: [{name, kind, start, interval, max_pages, rate,
 * enabled, file, line, editable}]. New reference. */
json_t *web_sources_json(const struct config *c);
/* Adds (op "add"), changes ("edit"), enables or disables source name with
 * the request's form fields, through config/source_edit.c, and audits it.
 * 0, or -1 with err. */
int web_source_change(struct web_req *r, const char *op, const char *name, struct lw_error *err);

/* ---- API and metrics (api.c) ---- */
void api_route(struct web_req *r, const char *path);
void page_metrics(struct web_req *r);

/* ---- graph (graph.c) ---- */
/* The network graph as SVG laid out by sfdp (neato for small graphs).
 * Returns a new buffer (caller frees) or NULL with err. */
char *graph_svg(struct web_server *ws, json_t *graph, size_t *len, struct lw_error *err);
/* Frees the server's Graphviz context, if one was made. */
void graph_release(struct web_server *ws);

#endif

/* SPDX-License-Identifier: MIT */
/* The HTTP(S) server: libmicrohttpd with a pool of request threads, each
 * request given a database connection from a pool, identified, checked
 * against the route's role and CSRF token, answered, and sent with the
 * security headers every page carries. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "../util/xmalloc.h"
#include "web_internal.h"
#include "../util/hex.h"

#define DEFAULT_LISTEN "127.0.0.1:8640"
#define MAX_BODY (256 * 1024)
#define MAX_PAGE (64 * 1024 * 1024)
#define MAX_FIELDS 64
/* Browser connections at once (a thread each); more wait to be accepted. */
#define MAX_CONNECTIONS 256

/* No inline script or style anywhere: what an ad smuggles in cannot run. */
#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';" \
	" form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"

/* ---- small helpers ------------------------------------------------------------- */

double web_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *web_role_name(enum web_role role)
{
	static const char *const names[] = { "none", "analyst", "supervisor", "admin" };

	return names[role];
}

enum web_role web_role_parse(const char *s)
{
	if (!s)
		return ROLE_NONE;
	if (strcmp(s, "analyst") == 0)
		return ROLE_ANALYST;
	if (strcmp(s, "supervisor") == 0)
		return ROLE_SUPERVISOR;
	if (strcmp(s, "admin") == 0)
		return ROLE_ADMIN;
	return ROLE_NONE;
}

const char *web_user(struct web_req *r)
{
	return r->user ? jstr(r->user, "name") : "";
}

const struct web_asset *web_asset_find(const char *name)
{
	for (size_t i = 0; i < web_nassets; i++)
		if (strcmp(web_assets[i].name, name) == 0)
			return &web_assets[i];
	return NULL;
}

const char *web_query(struct web_req *r, const char *name)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);

	return v && v[0] ? v : NULL;
}

static char *urldecode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%' && i + 2 < n && lw_hex_digit(s[i + 1]) >= 0 &&
			   lw_hex_digit(s[i + 2]) >= 0) {
			*o++ = (char)(lw_hex_digit(s[i + 1]) * 16 + lw_hex_digit(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* Splits an application/x-www-form-urlencoded body into fields. */
void web_parse_form(struct web_req *r)
{
	const char *p = r->body.data ? r->body.data : "";

	while (*p && r->nform < MAX_FIELDS) {
		const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));

		if (eq) {
			r->form = xreallocarray(r->form, r->nform + 1, sizeof(*r->form));
			r->form[r->nform].name = urldecode(p, (size_t)(eq - p));
			r->form[r->nform].value = urldecode(eq + 1, (size_t)(end - eq - 1));
			r->nform++;
		}
		p = amp ? amp + 1 : end;
	}
}

const char *web_form(struct web_req *r, const char *name)
{
	for (size_t i = 0; i < r->nform; i++)
		if (strcmp(r->form[i].name, name) == 0)
			return r->form[i].value[0] ? r->form[i].value : NULL;
	return NULL;
}

void web_redirect(struct web_req *r, const char *location)
{
	free(r->location);
	/* Only our own paths: a "back" field cannot send anyone elsewhere. */
	if (!location || location[0] != '/' || location[1] == '/' || location[1] == '\\' ||
	    strpbrk(location, "\r\n"))
		location = "/queue";
	r->location = xstrdup(location);
	r->status = 303;
}

void web_json(struct web_req *r, int status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);

	lw_buf_reset(&r->out);
	if (s)
		lw_buf_adds(&r->out, s);
	lw_buf_addc(&r->out, '\n');
	free(s);
	json_decref(v);
	r->status = status;
	r->ctype = "application/json";
}

void web_fail(struct web_req *r, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strncmp(r->url, "/api/", 5) == 0 || strcmp(r->url, "/api") == 0) {
		web_json(r, status, json_pack("{s:s,s:i}", "error", msg, "status", status));
		return;
	}
	lw_buf_reset(&r->out);
	html_page_begin(r, status == 404 ? "Not found" : "Refused");
	html_raw(&r->out, "<section class=\"error\"><h1>%d</h1><p>", status);
	html_esc(&r->out, msg);
	html_raw(&r->out, "</p><p><a href=\"/queue\">Back to the queue</a></p></section>");
	html_page_end(r);
	r->status = status;
}

/* ---- database connections ------------------------------------------------------ */

/* A request waiting for a database connection: served in arrival order,
 * each woken alone when a connection is handed to it. */
struct pool_waiter {
	pthread_cond_t cv;
	int ready;
	struct store *st;       /* handed over; NULL: open one in the slot freed */
	struct pool_waiter *next;
};

/* Gives st (NULL: the slot of a connection that could not be opened) to
 * the oldest waiter, or back to the pool. */
static void hand_over(struct web_server *ws, struct store *st)
{
	struct pool_waiter *w;

	pthread_mutex_lock(&ws->pool_mu);
	w = ws->waiters;
	if (w) {
		ws->waiters = w->next;
		w->st = st;
		w->ready = 1;
		pthread_cond_signal(&w->cv);
	} else if (st) {
		ws->pool[ws->npool++] = st;
	} else {
		ws->nopen--;
	}
	pthread_mutex_unlock(&ws->pool_mu);
}

static void pool_put(struct web_server *ws, struct store *st)
{
	if (st)
		hand_over(ws, st);
}

/* Requests wait here for one of at most pool_cap connections: the
 * database, not the number of open browser connections, bounds the work
 * in progress. Waiters queue first come, first served, and a connection
 * freed goes straight to the oldest: with one condition variable for all,
 * whichever thread woke first took it, and the filtered queue page's p99
 * was twice as long. */
static struct store *pool_get(struct web_server *ws, struct lw_error *err)
{
	struct store *st = NULL;
	int open = 0;

	pthread_mutex_lock(&ws->pool_mu);
	if (!ws->waiters && ws->npool) {
		st = ws->pool[--ws->npool];
	} else if (!ws->waiters && ws->nopen < ws->pool_cap) {
		ws->nopen++;
		open = 1;
	} else {
		struct pool_waiter w = { .ready = 0, .st = NULL, .next = NULL };

		pthread_cond_init(&w.cv, NULL);
		*(ws->waiters ? &ws->waiters_tail->next : &ws->waiters) = &w;
		ws->waiters_tail = &w;
		while (!w.ready)
			pthread_cond_wait(&w.cv, &ws->pool_mu);
		pthread_cond_destroy(&w.cv);
		st = w.st;
		open = !st;
	}
	pthread_mutex_unlock(&ws->pool_mu);
	if (!open)
		return st;
	st = store_open_timed(ws->conninfo, 0,
			      &(struct store_timeouts){ ws->cfg->db_statement_timeout,
							ws->cfg->db_long_statement_timeout,
							ws->cfg->db_connect_timeout }, err);
	if (!st)
		hand_over(ws, NULL);
	return st;
}

/* ---- routes -------------------------------------------------------------------- */

enum { R_POST = 1, R_ID = 2 };

struct route {
	const char *method;
	const char *path;       /* '#' stands for a number (r->id) */
	enum web_role role;     /* the least role that may use it */
	void (*fn)(struct web_req *r);
};

static void item_claim(struct web_req *r) { page_item_action(r, "claim"); }
static void item_release(struct web_req *r) { page_item_action(r, "release"); }
static void item_resolve(struct web_req *r) { page_item_action(r, "resolve"); }
static void item_note(struct web_req *r) { page_item_action(r, "note"); }
static void item_reassign(struct web_req *r) { page_item_action(r, "reassign"); }
static void item_reopen(struct web_req *r) { page_item_action(r, "reopen"); }
static void root(struct web_req *r) { web_redirect(r, "/queue"); }

static void asset(struct web_req *r);
static void healthz(struct web_req *r)
{
	lw_buf_adds(&r->out, "ok\n");
	r->ctype = "text/plain; charset=utf-8";
}

static const struct route routes[] = {
	{ "GET", "/", ROLE_NONE, root },
	{ "GET", "/login", ROLE_NONE, page_login },
	{ "POST", "/login", ROLE_NONE, page_login_post },
	{ "POST", "/logout", ROLE_ANALYST, page_logout },
	{ "GET", "/password", ROLE_ANALYST, page_password },
	{ "POST", "/password", ROLE_ANALYST, page_password_post },
	{ "GET", "/queue", ROLE_ANALYST, page_queue },
	{ "POST", "/queue/claim", ROLE_ANALYST, page_claim_next },
	{ "GET", "/item/#", ROLE_ANALYST, page_item },
	{ "POST", "/item/#/claim", ROLE_ANALYST, item_claim },
	{ "POST", "/item/#/release", ROLE_ANALYST, item_release },
	{ "POST", "/item/#/resolve", ROLE_ANALYST, item_resolve },
	{ "POST", "/item/#/note", ROLE_ANALYST, item_note },
	{ "POST", "/item/#/reassign", ROLE_SUPERVISOR, item_reassign },
	{ "POST", "/item/#/reopen", ROLE_SUPERVISOR, item_reopen },
	{ "GET", "/network/#", ROLE_ANALYST, page_network },
	{ "GET", "/network/#/graph.svg", ROLE_ANALYST, page_network_svg },
	{ "GET", "/search", ROLE_ANALYST, page_search },
	{ "GET", "/rules", ROLE_ANALYST, page_rules },
	{ "GET", "/status", ROLE_ANALYST, page_status },
	{ "GET", "/audit", ROLE_SUPERVISOR, page_audit },
	{ "GET", "/admin/accounts", ROLE_ADMIN, page_accounts },
	{ "POST", "/admin/accounts", ROLE_ADMIN, page_accounts_post },
	{ "GET", "/admin/sources", ROLE_ADMIN, page_sources },
	{ "POST", "/admin/sources", ROLE_ADMIN, page_sources_post },
	{ "GET", "/metrics", ROLE_NONE, page_metrics },
	{ "GET", "/healthz", ROLE_NONE, healthz },
	{ "GET", "/assets/*", ROLE_NONE, asset },
};

/* Matches path against a pattern; '#' takes a positive number into *id,
 * a final '*' anything. */
static int match_path(const char *pat, const char *path, long *id)
{
	while (*pat) {
		if (*pat == '*')
			return 1;
		if (*pat == '#') {
			char *end;
			long v;

			if (*path < '1' || *path > '9')
				return 0;
			errno = 0;
			v = strtol(path, &end, 10);
			if (errno || v <= 0)
				return 0;
			*id = v;
			path = end;
			pat++;
			continue;
		}
		if (*pat++ != *path++)
			return 0;
	}
	return *path == '\0';
}

/* The route for method and url (HEAD as GET), *id its number; NULL when
 * none, *path_found then saying whether the path exists for another
 * method. */
static const struct route *route_find(const char *method, const char *url, long *id,
				      int *path_found)
{
	*path_found = 0;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		long v = 0;

		if (!match_path(routes[i].path, url, &v))
			continue;
		*path_found = 1;
		if (strcmp(routes[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)) {
			*id = v;
			return &routes[i];
		}
	}
	return NULL;
}

const char *web_route_path(const char *method, const char *url, long *id, int *path_found)
{
	const struct route *rt = route_find(method, url, id, path_found);

	return rt ? rt->path : NULL;
}

static void asset(struct web_req *r)
{
	const struct web_asset *a = web_asset_find(r->url + strlen("/assets/"));
	const char *dot;

	/* Templates are not served: only what pages link to. */
	if (!a || strstr(a->name, ".html")) {
		web_fail(r, 404, "no such asset");
		return;
	}
	dot = strrchr(a->name, '.');
	lw_buf_add(&r->out, a->data, a->len);
	r->ctype = dot && strcmp(dot, ".css") == 0 ? "text/css; charset=utf-8" :
		   dot && strcmp(dot, ".js") == 0 ? "text/javascript; charset=utf-8" :
		   dot && strcmp(dot, ".svg") == 0 ? "image/svg+xml" : "application/octet-stream";
}

static void dispatch(struct web_req *r)
{
	const struct route *rt = NULL;
	int path_found = 0;
	struct lw_error err;

	if (r->too_big) {
		web_fail(r, 413, "the request is too large");
		return;
	}
	r->st = pool_get(r->srv, &err);
	if (!r->st) {
		fprintf(stderr, "lurewatch serve: %s\n", err.msg);
		web_fail(r, 503, "the database is not reachable");
		return;
	}
	if (r->srv->metrics_only) {
		if (strcmp(r->url, "/metrics") == 0)
			page_metrics(r);
		else if (strcmp(r->url, "/healthz") == 0)
			healthz(r);
		else
			web_fail(r, 404, "only /metrics here");
		return;
	}
	if (auth_identify(r, &err) < 0) {
		fprintf(stderr, "lurewatch serve: %s\n", err.msg);
		web_fail(r, 500, "database error");
		return;
	}
	if (strncmp(r->url, "/api/", 5) == 0) {
		api_route(r, r->url + 4);
		return;
	}
	rt = route_find(r->method, r->url, &r->id, &path_found);
	if (!rt) {
		web_fail(r, path_found ? 405 : 404, path_found ? "method not allowed" : "no such page");
		return;
	}
	if (rt->role > ROLE_NONE && !r->user) {
		if (strcmp(r->method, "GET") == 0)
			web_redirect(r, "/login");
		else
			web_fail(r, 401, "sign in first");
		return;
	}
	if (r->role < rt->role) {
		web_fail(r, 403, "this page needs the %s role; you are %s", web_role_name(rt->role),
			 web_role_name(r->role));
		return;
	}
	if (strcmp(r->method, "POST") == 0 && rt->role > ROLE_NONE && !auth_check_csrf(r)) {
		web_fail(r, 403, "the form's security token is missing or stale: reload the page");
		return;
	}
	/* A one-time password must be replaced before anything else. */
	if (r->user && json_is_true(json_object_get(r->user, "must_change")) &&
	    strcmp(rt->path, "/password") && strcmp(rt->path, "/logout") &&
	    strncmp(rt->path, "/assets/", 8)) {
		web_redirect(r, "/password");
		return;
	}
	rt->fn(r);
}

/* ---- libmicrohttpd glue -------------------------------------------------------- */

static void client_address(struct web_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	snprintf(r->addr, sizeof(r->addr), "unknown");
	if (!ci || !ci->client_addr)
		return;
	getnameinfo(ci->client_addr, ci->client_addr->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in), r->addr,
		    sizeof(r->addr), NULL, 0, NI_NUMERICHOST);
}

static void add_headers(struct web_req *r, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	if (r->srv->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if (strncmp(r->url, "/assets/", 8) != 0)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	else
		MHD_add_response_header(resp, "Cache-Control", "max-age=3600");
	MHD_add_response_header(resp, "Content-Type",
				r->ctype ? r->ctype : "text/html; charset=utf-8");
	if (r->location)
		MHD_add_response_header(resp, "Location", r->location);
	if (r->cookie)
		MHD_add_response_header(resp, "Set-Cookie", r->cookie);
	if (r->cookie2)
		MHD_add_response_header(resp, "Set-Cookie", r->cookie2);
}

static void count_response(struct web_req *r)
{
	int cls = r->status / 100;

	pthread_mutex_lock(&r->srv->stat_mu);
	if (cls >= 1 && cls <= 5)
		r->srv->responses[cls]++;
	r->srv->seconds += web_now() - r->started;
	pthread_mutex_unlock(&r->srv->stat_mu);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct web_req *r = *con_cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)version;
	if (!r) {
		r = xcalloc(1, sizeof(*r));
		r->srv = cls;
		r->conn = conn;
		r->url = url;
		r->method = method;
		r->started = web_now();
		r->status = 200;
		lw_buf_init(&r->body, MAX_BODY);
		lw_buf_init(&r->out, MAX_PAGE);
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		if (lw_buf_add(&r->body, upload, *upload_size) < 0)
			r->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	client_address(r);
	if (strcmp(method, "POST") == 0)
		web_parse_form(r);
	dispatch(r);
	/* The page is built: its connection serves the next request while this
	 * one is sent (to a slow reader, for as long as it takes). */
	pool_put(r->srv, r->st);
	r->st = NULL;
	/* After the change is committed: a count read meanwhile is dropped too. */
	if (strcmp(method, "POST") == 0 && !r->srv->metrics_only)
		web_queue_changed(r->srv);
	if (strcmp(method, "HEAD") == 0)
		lw_buf_reset(&r->out);
	{
		/* The page is handed over, not copied: MHD frees it once sent. */
		size_t len;
		char *page = lw_buf_detach(&r->out, &len);

		resp = MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(page);
			return MHD_NO;
		}
	}
	add_headers(r, resp);
	ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	count_response(r);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct web_req *r = *con_cls;

	(void)conn;
	(void)toe;
	if (!r)
		return;
	pool_put(cls, r->st);
	json_decref(r->user);
	lw_buf_release(&r->body);
	lw_buf_release(&r->out);
	for (size_t i = 0; i < r->nform; i++) {
		free(r->form[i].name);
		free(r->form[i].value);
	}
	free(r->form);
	free(r->location);
	free(r->cookie);
	free(r->cookie2);
	free(r);
	*con_cls = NULL;
}

/* ---- starting and stopping ------------------------------------------------------ */

/* "ADDR:PORT" or "[ADDR6]:PORT" into a socket address; *loopback set. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, int *loopback,
			struct lw_error *err)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return lw_error_set(err, "bad listen address '%s': expected ADDR:PORT", s);
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
		return lw_error_set(err, "bad port in listen address '%s'", s);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		host[strlen(host) - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return lw_error_set(err, "bad IPv6 address in '%s'", s);
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		*loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		if (strcmp(host, "localhost") == 0)
			snprintf(host, sizeof(host), "127.0.0.1");
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return lw_error_set(err, "bad IPv4 address in '%s' (use numbers, or [::1] for "
					    "IPv6)", s);
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		*loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
	}
	return 0;
}

static char *read_pem(const char *path, struct lw_error *err)
{
	FILE *f = fopen(path, "rb");
	struct lw_buf b;
	char chunk[4096];
	size_t n;

	if (!f) {
		lw_error_set(err, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	lw_buf_init(&b, 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (lw_buf_add(&b, chunk, n) < 0)
			break;
	fclose(f);
	if (!b.data) {
		lw_error_set(err, "'%s' is empty", path);
		return NULL;
	}
	return lw_buf_detach(&b, NULL);
}

static int tls_files(struct web_server *ws, const struct config *cfg, struct lw_error *err)
{
	if (!cfg->serve.tls_cert && !cfg->serve.tls_key)
		return 0;
	if (!cfg->serve.tls_cert || !cfg->serve.tls_key)
		return lw_error_set(err, "[serve] needs both tls_cert and tls_key for HTTPS");
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return lw_error_set(err, "this libmicrohttpd was built without TLS");
	ws->cert_pem = read_pem(cfg->serve.tls_cert, err);
	if (!ws->cert_pem)
		return -1;
	ws->key_pem = read_pem(cfg->serve.tls_key, err);
	if (!ws->key_pem)
		return -1;
	ws->tls = 1;
	return 0;
}

static unsigned bound_port(struct web_server *ws)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(ws->daemon, MHD_DAEMON_INFO_BIND_PORT);

	return di ? di->port : 0;
}

static void make_url(struct web_server *ws, const char *listen, const struct sockaddr_storage *ss)
{
	char host[128];
	struct lw_buf b;

	lw_buf_init(&b, 512);
	snprintf(host, sizeof(host), "%.*s", (int)(strrchr(listen, ':') - listen), listen);
	if (strcmp(host, "0.0.0.0") == 0 && ss->ss_family == AF_INET)
		snprintf(host, sizeof(host), "127.0.0.1");
	lw_buf_printf(&b, "%s://%s:%u/", ws->tls ? "https" : "http", host, bound_port(ws));
	ws->url = lw_buf_detach(&b, NULL);
}

static struct web_server *start(const struct config *cfg, const char *conninfo,
				const char *listen, int metrics_only, struct lw_error *err)
{
	struct web_server *ws = xcalloc(1, sizeof(*ws));
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	int loopback = 0;
	/* A thread per browser connection, so that the kernel, not one
	 * thread's turn through its share of the connections, decides who
	 * runs next: with a pool of 4 threads behind 50 connections, a request
	 * waited for every other request of its thread (p99 five times p50). */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_ERROR_LOG;
	struct store *first;

	ws->cfg = cfg;
	ws->conninfo = xstrdup(conninfo);
	pthread_mutex_init(&ws->pool_mu, NULL);
	pthread_mutex_init(&ws->gv_mu, NULL);
	pthread_mutex_init(&ws->stat_mu, NULL);
	web_cache_init(&ws->facets);
	web_cache_init(&ws->counts);
	ws->pool_cap = (size_t)(cfg->serve.threads > 0 ? cfg->serve.threads : 4);
	ws->pool = xcalloc(ws->pool_cap, sizeof(*ws->pool));
	ws->metrics_only = metrics_only;
	if (!listen)
		listen = cfg->serve.listen ? cfg->serve.listen : DEFAULT_LISTEN;
	if (parse_listen(listen, &ss, &sslen, &loopback, err) < 0 || tls_files(ws, cfg, err) < 0)
		goto fail;
	if (!loopback && !ws->tls && !cfg->serve.behind_tls_proxy) {
		lw_error_set(err, "refusing to serve '%s' without TLS: passwords and sessions would "
			     "cross the network in the clear; set [serve] tls_cert and tls_key, or "
			     "behind_tls_proxy = yes when a TLS proxy is in front", listen);
		goto fail;
	}
	/* Migrations are applied once here, not by every request's connection. */
	first = store_open_timed(conninfo, 1,
				 &(struct store_timeouts){ cfg->db_statement_timeout,
							   cfg->db_long_statement_timeout,
							   cfg->db_connect_timeout }, err);
	if (!first)
		goto fail;
	ws->pool[ws->npool++] = first;
	ws->nopen = 1;
	if (ws->tls)
		flags |= MHD_USE_TLS;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	{
		/* The TLS options only when serving TLS: MHD rejects them otherwise. */
		struct MHD_OptionItem tls[] = {
			{ MHD_OPTION_HTTPS_MEM_CERT, 0, ws->cert_pem },
			{ MHD_OPTION_HTTPS_MEM_KEY, 0, ws->key_pem },
			{ MHD_OPTION_END, 0, NULL },
		};

		ws->daemon = MHD_start_daemon(flags, 0, NULL, NULL, answer, ws,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
			MHD_OPTION_NOTIFY_COMPLETED, completed, ws,
			MHD_OPTION_CONNECTION_TIMEOUT, 60u,
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
			MHD_OPTION_ARRAY, ws->tls ? tls : tls + 2,
			MHD_OPTION_END);
	}
	if (!ws->daemon) {
		lw_error_set(err, "cannot listen on '%s' (address in use, or a bad TLS key?)", listen);
		goto fail;
	}
	make_url(ws, listen, &ss);
	if (metrics_only)
		ws->cfg = NULL;
	return ws;
fail:
	web_server_free(ws);
	return NULL;
}

struct web_server *web_server_new(const struct config *cfg, const char *conninfo,
				  const char *listen, struct lw_error *err)
{
	return start(cfg, conninfo, listen, 0, err);
}

struct web_server *web_metrics_new(const struct config *cfg, const char *conninfo,
				   const char *listen, struct lw_error *err)
{
	return start(cfg, conninfo, listen, 1, err);
}

const char *web_server_url(const struct web_server *ws)
{
	return ws->url;
}

void web_server_free(struct web_server *ws)
{
	if (!ws)
		return;
	if (ws->daemon)
		MHD_stop_daemon(ws->daemon);
	for (size_t i = 0; i < ws->npool; i++)
		store_close(ws->pool[i]);
	graph_release(ws);
	free(ws->pool);
	pthread_mutex_destroy(&ws->pool_mu);
	pthread_mutex_destroy(&ws->gv_mu);
	pthread_mutex_destroy(&ws->stat_mu);
	web_cache_release(&ws->facets);
	web_cache_release(&ws->counts);
	free(ws->conninfo);
	free(ws->url);
	free(ws->cert_pem);
	free(ws->key_pem);
	free(ws);
}

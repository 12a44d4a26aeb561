/* SPDX-License-Identifier: MIT */
/* The fetcher: per-host politeness queues in front of one curl multi
 * handle. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "fetch.h"
#include "robots.h"
#include "url.h"
#include "../util/clock.h"

#define ROBOTS_MAX (500u * 1024u)
#define HEADER_MAX 4096
#define REFUSED_PRIVATE \
	"refused: %s is a private or loopback address (set allow_private for this source)"

struct host;

struct job {
	struct job *next;               /* host queue */
	struct job *rnext, *rprev;      /* transfers in flight */
	struct host *host;
	char *url;                      /* current hop */
	char *orig;
	char *etag, *last_modified;
	char **hops;
	size_t nhops;
	struct fetch_policy pol;
	fetch_allow_fn allow;
	void *ctx;
	int is_robots;
	CURL *easy;
	struct curl_slist *headers;
	struct lw_buf body;
	int too_big, refused_private;
	char refused_ip[64];
	char errbuf[CURL_ERROR_SIZE];
	double started;
};

struct host {
	struct host *next;
	char *key;                      /* scheme://host:port */
	double next_start;
	int active;
	/* The shared budget's leases, on the local clock: the current window,
	 * the next one when it was granted ahead, and the transfers allowed. */
	double ws, we, nws, nwe;
	int slots;
	double next_ask;                /* refused: not before then */
	double last_report;
	double busy_at;                 /* when it last had requests queued */
	double local_until;             /* the budget could not tell: local only */
	struct fetch_policy pol;
	int robots_state;               /* 0 unknown, 1 fetching, 2 known */
	struct robots *robots;
	char refused_ip[64];            /* robots.txt refused: a private address */
	struct job *head, *tail;
	size_t nqueued;
};

struct fetcher {
	struct fetch_options o;
	char *agent_token;
	CURLM *multi;
	struct host *hosts;
	struct job *inflight;           /* to end them all in fetcher_free */
	size_t queued, running;
	fetch_done_fn done;
	void *arg;
};

/* ---- jobs and hosts --------------------------------------------------------- */

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->url);
	free(j->orig);
	free(j->etag);
	free(j->last_modified);
	for (size_t i = 0; i < j->nhops; i++)
		free(j->hops[i]);
	free(j->hops);
	curl_slist_free_all(j->headers);
	lw_buf_release(&j->body);
	free(j);
}

static char *host_key(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *key = NULL;
	struct lw_buf b;

	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		lw_buf_init(&b, 4096);
		lw_buf_printf(&b, "%s://%s:%s", scheme, host, port);
		key = lw_buf_detach(&b, NULL);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return key;
}

static struct host *host_get(struct fetcher *f, const char *key, const struct fetch_policy *pol)
{
	struct host *h;

	for (h = f->hosts; h; h = h->next)
		if (strcmp(h->key, key) == 0)
			return h;
	h = xcalloc(1, sizeof(*h));
	h->key = xstrdup(key);
	h->pol = *pol;
	if (h->pol.connections < 1)
		h->pol.connections = 1;
	if (f->o.ignore_robots)
		h->robots_state = 2;
	h->next = f->hosts;
	f->hosts = h;
	return h;
}

static void enqueue(struct fetcher *f, struct job *j)
{
	j->next = NULL;
	if (j->host->tail)
		j->host->tail->next = j;
	else
		j->host->head = j;
	j->host->tail = j;
	j->host->nqueued++;
	f->queued++;
}

static void push_hop(struct job *j, const char *url)
{
	j->hops = xreallocarray(j->hops, j->nhops + 1, sizeof(*j->hops));
	j->hops[j->nhops++] = xstrdup(url);
}

/* ---- curl callbacks -------------------------------------------------------------- */

static size_t on_write(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;

	/* The cap applies to decoded bytes: a gzip bomb stops here. */
	if (lw_buf_add(&j->body, p, size * n) < 0) {
		j->too_big = 1;
		return 0;
	}
	return size * n;
}

static int on_prereq(void *arg, char *ip, char *local_ip, int remote_port, int local_port)
{
	struct job *j = arg;

	(void)local_ip;
	(void)remote_port;
	(void)local_port;
	if (!j->pol.allow_private && url_ip_is_private(ip) == 1) {
		j->refused_private = 1;
		snprintf(j->refused_ip, sizeof(j->refused_ip), "%s", ip);
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

static int start_job(struct fetcher *f, struct job *j, struct lw_error *err)
{
	CURL *e = curl_easy_init();
	struct lw_buf hb;

	if (!e)
		return lw_error_set(err, "cannot create a curl handle");
	j->easy = e;
	lw_buf_init(&j->body, j->is_robots ? ROBOTS_MAX : f->o.max_body);
	curl_slist_free_all(j->headers);
	j->headers = NULL;
	lw_buf_init(&hb, HEADER_MAX);
	if (j->etag && !j->is_robots && j->nhops == 1) {
		lw_buf_printf(&hb, "If-None-Match: %s", j->etag);
		j->headers = curl_slist_append(j->headers, hb.data);
		lw_buf_reset(&hb);
	}
	if (j->last_modified && !j->is_robots && j->nhops == 1) {
		lw_buf_printf(&hb, "If-Modified-Since: %s", j->last_modified);
		j->headers = curl_slist_append(j->headers, hb.data);
	}
	lw_buf_release(&hb);
	curl_easy_setopt(e, CURLOPT_URL, j->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_USERAGENT, f->o.user_agent);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* Loopback is never reached through a proxy named in the environment. */
	curl_easy_setopt(e, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, f->o.connect_timeout);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, f->o.timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, f->o.low_speed_time);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, f->o.low_speed_limit);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)j->body.max);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	if (j->headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	/* Redirects of ordinary requests are followed by hand so each hop is
	 * checked and recorded; robots.txt may follow five on its own (RFC 9309). */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, j->is_robots ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
	j->errbuf[0] = '\0';
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		j->easy = NULL;
		return lw_error_set(err, "cannot add a transfer");
	}
	j->host->active++;
	f->running++;
	j->rprev = NULL;
	j->rnext = f->inflight;
	if (f->inflight)
		f->inflight->rprev = j;
	f->inflight = j;
	return 0;
}

static void unlink_inflight(struct fetcher *f, struct job *j)
{
	if (j->rprev)
		j->rprev->rnext = j->rnext;
	else
		f->inflight = j->rnext;
	if (j->rnext)
		j->rnext->rprev = j->rprev;
	j->rnext = j->rprev = NULL;
}

/* ---- finishing ---------------------------------------------------------------- */

static const char *header(CURL *e, const char *name)
{
	struct curl_header *h = NULL;

	if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
		return NULL;
	return h->value;
}

/* Retry-After is seconds or an HTTP date. */
static double retry_after(CURL *e)
{
	const char *v = header(e, "Retry-After");
	char *end;
	double d;
	time_t t;

	if (!v)
		return -1;
	d = strtod(v, &end);
	if (end != v && *end == '\0' && d >= 0)
		return d;
	t = curl_getdate(v, NULL);
	if (t < 0)
		return -1;
	d = difftime(t, time(NULL));
	return d > 0 ? d : 0;
}

static void deliver(struct fetcher *f, struct job *j, long status, const char *error,
		    int retryable, double ra, const char *ctype, const char *etag, const char *lm)
{
	struct fetch_result r;

	memset(&r, 0, sizeof(r));
	r.ctx = j->ctx;
	r.url = j->orig;
	r.final_url = j->url;
	r.hops = j->hops;
	r.nhops = j->nhops;
	r.status = status;
	r.body = j->body.data;
	r.len = j->body.len;
	r.content_type = ctype;
	r.etag = etag;
	r.last_modified = lm;
	r.error = error;
	r.retryable = retryable;
	r.retry_after = ra;
	r.seconds = lw_now() - j->started;
	f->done(&r, f->arg);
}

static void deliver_robots_refusal(struct fetcher *f, struct job *j)
{
	struct fetch_result r;
	char why[512];
	char *path = robots_url_path(j->url);

	robots_explain(j->host->robots, path ? path : "/", why, sizeof(why));
	free(path);
	memset(&r, 0, sizeof(r));
	r.ctx = j->ctx;
	r.url = j->orig;
	r.final_url = j->url;
	r.hops = j->hops;
	r.nhops = j->nhops;
	r.error = why;
	r.robots_disallowed = 1;
	r.retry_after = -1;
	r.seconds = lw_now() - j->started;
	f->done(&r, f->arg);
}

/* robots.txt answered: 2xx parse, 4xx allow all, anything else disallow all
 * (RFC 9309 2.3.1). */
static void finish_robots(struct fetcher *f, struct job *j, CURLcode cc, long status)
{
	struct host *h = j->host;

	if (cc == CURLE_OK && status >= 200 && status < 300)
		h->robots = robots_parse(j->body.data ? j->body.data : "", j->body.len, f->agent_token);
	else if (cc == CURLE_OK && status >= 400 && status < 500)
		h->robots = robots_allow_all();
	else
		h->robots = robots_disallow_all();
	h->robots_state = 2;
	/* Not a robots.txt answer: the host's pages get the same refusal. */
	if (j->refused_private)
		snprintf(h->refused_ip, sizeof(h->refused_ip), "%s", j->refused_ip);
	if (robots_crawl_delay(h->robots) > h->pol.min_interval) {
		h->pol.min_interval = robots_crawl_delay(h->robots);
		/* The delay counts from the robots.txt request, a request too. */
		if (h->next_start < j->started + h->pol.min_interval)
			h->next_start = j->started + h->pol.min_interval;
	}
}

/* A 3xx with a Location becomes another hop of the same request. Returns 1
 * when the job was requeued, 0 when it is finished (delivered). */
static int follow(struct fetcher *f, struct job *j, long status)
{
	char *loc = NULL, *canon = NULL, *key;
	struct lw_error err;
	char msg[600];

	if (status < 300 || status > 399 || status == 304 ||
	    curl_easy_getinfo(j->easy, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK || !loc)
		return 0;
	if ((int)j->nhops > f->o.max_redirects) {
		snprintf(msg, sizeof(msg), "more than %d redirects", f->o.max_redirects);
		deliver(f, j, status, msg, 0, -1, NULL, NULL, NULL);
		return -1;
	}
	if (url_canonicalize(NULL, loc, &canon, &err) < 0 || (j->allow && !j->allow(j->ctx, canon)) ||
	    !(key = host_key(canon))) {
		snprintf(msg, sizeof(msg), "redirect to '%.400s' not followed%s", loc,
			 canon ? ": host not allowed for this source" : ": bad URL");
		deliver(f, j, status, msg, 0, -1, NULL, NULL, NULL);
		free(canon);
		return -1;
	}
	free(j->url);
	j->url = canon;
	push_hop(j, canon);
	j->host = host_get(f, key, &j->pol);
	free(key);
	lw_buf_release(&j->body);
	enqueue(f, j);
	return 1;
}

static void finish_job(struct fetcher *f, struct job *j, CURLcode cc)
{
	long status = 0;
	char msg[CURL_ERROR_SIZE + 200];
	int fw;

	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	if (j->is_robots) {
		finish_robots(f, j, cc, status);
		job_free(j);
		return;
	}
	if (cc == CURLE_OK && (fw = follow(f, j, status)) != 0) {
		if (fw < 0)
			job_free(j);
		else
			j->easy = NULL; /* requeued: the next hop gets a new handle */
		return;
	}
	if (cc != CURLE_OK) {
		int retry = cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_COULDNT_CONNECT ||
			    cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING ||
			    cc == CURLE_PARTIAL_FILE || cc == CURLE_COULDNT_RESOLVE_HOST;

		if (j->too_big || cc == CURLE_FILESIZE_EXCEEDED)
			snprintf(msg, sizeof(msg), "body larger than %zu bytes", j->body.max), retry = 0;
		else if (j->refused_private)
			snprintf(msg, sizeof(msg), REFUSED_PRIVATE, j->refused_ip), retry = 0;
		else
			snprintf(msg, sizeof(msg), "%s", j->errbuf[0] ? j->errbuf : curl_easy_strerror(cc));
		deliver(f, j, status, msg, retry, -1, NULL, NULL, NULL);
	} else {
		char *ct = NULL;
		int retry = status >= 500 || status == 429;

		curl_easy_getinfo(j->easy, CURLINFO_CONTENT_TYPE, &ct);
		snprintf(msg, sizeof(msg), "HTTP %ld", status);
		deliver(f, j, status, status >= 400 ? msg : NULL, retry,
			retry ? retry_after(j->easy) : -1, ct, header(j->easy, "ETag"),
			header(j->easy, "Last-Modified"));
	}
	job_free(j);
}

/* Delivers every finished transfer; returns how many. */
static int drain_done(struct fetcher *f)
{
	CURLMsg *m;
	int left, n = 0;

	while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
		struct job *j = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *e = m->easy_handle;
		CURLcode cc = m->data.result;

		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
		curl_multi_remove_handle(f->multi, e);
		unlink_inflight(f, j);
		j->host->active--;
		f->running--;
		/* finish_job frees or requeues j; the handle is ours to drop after. */
		finish_job(f, j, cc);
		curl_easy_cleanup(e);
		n++;
	}
	return n;
}

/* ---- scheduling -------------------------------------------------------------- */

/* A host's lease holds the starts this process has queued for it, at most
 * about WINDOW seconds of them at its interval: one request to the budget
 * serves many starts to a busy fast host, and a process with a page or two
 * for a host holds it no longer than they need (another process waiting
 * for the host would wait for the whole window). Its first start may come
 * up to GRACE late, and its last must leave MARGIN before the window ends:
 * a request reaches the host a little after its start (a new connection is
 * set up first, the process may be descheduled), and the next window may be
 * another process's. Both are capped by the interval's scale, so a fast
 * host's small windows are not mostly slack. The next window is asked for
 * AHEAD before the current ends, or at once when the current cannot hold
 * what is queued, so a busy host's windows follow each other. */
#define WINDOW 1.0
#define GRACE 0.03
#define MARGIN 0.03
#define AHEAD 0.05
/* Starts a loop turn was late for may go at once, up to this many intervals,
 * for hosts faster than 100/s: the loop turns every few milliseconds, and
 * without it a fast host could never get its rate. The average holds. */
#define CATCH_UP 10
#define IDLE 1.0

static double interval_of(const struct host *h)
{
	return h->pol.min_interval > 0 ? h->pol.min_interval : 0.001;
}

static double margin(const struct host *h)
{
	return interval_of(h) < MARGIN ? interval_of(h) : MARGIN;
}

static double window_length(const struct host *h)
{
	double iv = interval_of(h), grace = CATCH_UP * iv < GRACE ? CATCH_UP * iv : GRACE;
	double n = floor(WINDOW / iv + 0.5), want = (double)h->nqueued;

	if (want < n)
		n = want;
	return (n < 1 ? 1 : n) * iv + grace + margin(h);
}

/* Starts the current window can still hold from now. */
static double room_left(const struct host *h, double now)
{
	double from = now > h->next_start ? now : h->next_start;
	double left = h->we - margin(h) - from;

	return left < 0 ? 0 : floor(left / interval_of(h)) + 1;
}

static void roll(struct host *h, double now)
{
	if (now >= h->we && h->nwe > 0) {
		h->ws = h->nws;
		h->we = h->nwe;
		h->nws = h->nwe = 0;
	}
}

/* What h needs from the shared budget now: 1 its next window (asked ahead
 * of the current one's end, or connections back after they were given
 * away while its queue was empty), 0 to report spare connections once it
 * has been idle a while, -1 nothing. */
static int needs(const struct fetcher *f, struct host *h, double now)
{
	if (now < h->local_until)
		return -1;
	roll(h, now);
	if (!h->head) {
		if (h->robots_state != 1 && h->slots > h->active && now - h->busy_at >= IDLE &&
		    now - h->last_report >= IDLE / 2)
			return 0;
		return -1;
	}
	h->busy_at = now;
	if (h->robots_state == 1 || now < h->next_ask ||
	    (int)f->running >= f->o.total_connections)
		return -1;
	if ((h->nwe == 0 && (h->we - now < AHEAD || room_left(h, now) < (double)h->nqueued)) ||
	    (now < h->we && h->active >= h->slots && h->slots < h->pol.connections))
		return 1;
	return -1;
}

static int by_key(const void *a, const void *b)
{
	return strcmp((*(struct host *const *)a)->key, (*(struct host *const *)b)->key);
}

/* One answer: the window on the local clock, narrowed to the round trip
 * (the budget's clock was read somewhere between sent and got). */
static void apply(struct host *h, const struct fetch_lease *l, int want, double sent, double got)
{
	h->slots = l->slots;
	h->last_report = got;
	if (!want)
		return;
	if (!l->granted) {
		h->next_ask = got + l->wait;
		return;
	}
	h->next_ask = 0;
	if (h->we > got) {
		h->nws = got + l->start_in;
		h->nwe = sent + l->start_in + l->length;
	} else {
		h->ws = got + l->start_in;
		h->we = sent + l->start_in + l->length;
	}
}

/* Asks the shared budget about every host that needs it, in one round
 * trip: the fetch loop waits for the database once a turn at most. */
static void ask_budget(struct fetcher *f, double now)
{
	struct host **hs;
	struct fetch_ask *asks;
	struct fetch_lease *out;
	size_t n = 0, nhosts = 0;
	double sent, got;

	if (!f->o.lease)
		return;
	for (struct host *h = f->hosts; h; h = h->next)
		nhosts++;
	hs = xcalloc(nhosts ? nhosts : 1, sizeof(*hs));
	for (struct host *h = f->hosts; h; h = h->next)
		if (needs(f, h, now) >= 0)
			hs[n++] = h;
	if (n == 0) {
		free(hs);
		return;
	}
	qsort(hs, n, sizeof(*hs), by_key);
	asks = xcalloc(n, sizeof(*asks));
	out = xcalloc(n, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		asks[i].host = hs[i]->key;
		asks[i].want = hs[i]->head != NULL;
		asks[i].length = window_length(hs[i]);
		asks[i].ahead = AHEAD + 0.01;
		asks[i].connections = hs[i]->pol.connections;
		asks[i].inflight = hs[i]->active;
	}
	sent = lw_now();
	if (f->o.lease(f->o.actx, asks, n, out) < 0) {
		for (size_t i = 0; i < n; i++)
			hs[i]->local_until = hs[i]->next_ask = sent + 1.0;
	} else {
		got = lw_now();
		for (size_t i = 0; i < n; i++)
			apply(hs[i], &out[i], asks[i].want, sent, got);
	}
	free(out);
	free(asks);
	free(hs);
}

/* Whether the shared budget lets h start a request now. */
static int may_start(struct fetcher *f, struct host *h, double now)
{
	if (!f->o.lease || now < h->local_until)
		return 1;
	roll(h, now);
	return now >= h->ws && now + h->pol.min_interval + margin(h) <= h->we &&
	       h->active < h->slots;
}

/* When the budget's side of h next changes, for the loop's wait. */
static double budget_wake(const struct fetcher *f, const struct host *h, double now)
{
	double t[4] = { h->ws, h->nws, h->next_ask, h->we - AHEAD }, w = now + 0.01;

	if (!f->o.lease)
		return w;
	for (int i = 0; i < 4; i++)
		if (t[i] > now && t[i] < w)
			w = t[i];
	return w;
}

/* h's next start after one now: its interval on, but never more than
 * CATCH_UP intervals behind now for a fast host. */
static void advance(struct host *h, double now)
{
	double lag = h->pol.min_interval < 0.01 ? CATCH_UP * h->pol.min_interval : 0;

	if (h->next_start < now - lag)
		h->next_start = now - lag;
	h->next_start += h->pol.min_interval;
}

static struct job *new_robots_job(struct host *h)
{
	struct job *j = xcalloc(1, sizeof(*j));
	struct lw_buf b;

	lw_buf_init(&b, 4096);
	lw_buf_printf(&b, "%s/robots.txt", h->key);
	j->url = lw_buf_detach(&b, NULL);
	j->orig = xstrdup(j->url);
	j->host = h;
	j->pol = h->pol;
	j->is_robots = 1;
	j->started = lw_now();
	lw_buf_init(&j->body, ROBOTS_MAX);
	return j;
}

/* A job back at the head of its host's queue. */
static void unpop(struct fetcher *f, struct host *h, struct job *j)
{
	j->next = h->head;
	h->head = j;
	if (!h->tail)
		h->tail = j;
	h->nqueued++;
	f->queued++;
}

/* Starts h's robots.txt request when politeness allows. */
static void start_robots(struct fetcher *f, struct host *h, double *now, struct lw_error *err)
{
	struct job *rj;

	if (*now < h->next_start || (int)f->running >= f->o.total_connections ||
	    !may_start(f, h, *now))
		return;
	rj = new_robots_job(h);
	h->robots_state = 1;
	advance(h, *now);
	if (start_job(f, rj, err) < 0) {
		job_free(rj);
		h->robots = robots_disallow_all();
		h->robots_state = 2;
	}
}

/* Starts h's queued requests that politeness allows now. */
static void start_host(struct fetcher *f, struct host *h, double *now, struct lw_error *err)
{
	while (h->head && h->active < h->pol.connections &&
	       (int)f->running < f->o.total_connections && *now >= h->next_start) {
		struct job *j = h->head;

		h->head = j->next;
		if (!h->head)
			h->tail = NULL;
		h->nqueued--;
		f->queued--;
		if (h->refused_ip[0] && !j->pol.allow_private) {
			char msg[200];

			snprintf(msg, sizeof(msg), REFUSED_PRIVATE, h->refused_ip);
			deliver(f, j, 0, msg, 0, -1, NULL, NULL, NULL);
			job_free(j);
			continue;
		}
		if (!f->o.ignore_robots && h->robots && robots_allowed_url(h->robots, j->url) != 1) {
			deliver_robots_refusal(f, j);
			job_free(j);
			continue;
		}
		if (!may_start(f, h, *now)) {
			unpop(f, h, j);
			break;
		}
		advance(h, *now);
		if (start_job(f, j, err) < 0) {
			deliver(f, j, 0, err->msg, 1, -1, NULL, NULL, NULL);
			job_free(j);
		}
	}
}

/* Starts what each host's politeness allows; returns seconds until the next
 * host becomes ready (or a large value). */
static double start_due(struct fetcher *f, struct lw_error *err)
{
	double now = lw_now(), wait = 60, w;

	ask_budget(f, now);
	/* Asking took a round trip: the windows are checked against the
	 * clock read afresh. */
	now = lw_now();
	for (struct host *h = f->hosts; h; h = h->next) {
		if (!h->head || h->robots_state == 1)
			continue;
		size_t before = f->running;
		int still;

		if (h->robots_state == 0)
			start_robots(f, h, &now, err);
		else
			start_host(f, h, &now, err);
		/* Sent before the next host's turn, which may ask the budget:
		 * a start belongs inside its window. fetcher_run's own perform
		 * reports a failure. */
		if (f->running > before)
			curl_multi_perform(f->multi, &still);
		if (!h->head && h->robots_state != 0)
			continue;
		w = (h->next_start > now ? h->next_start : budget_wake(f, h, now)) - now;
		if (w < wait)
			wait = w;
	}
	return wait;
}

int fetcher_run(struct fetcher *f, int timeout_ms, struct lw_error *err)
{
	double wait = start_due(f, err);
	int running = 0, ms = timeout_ms;

	if (wait * 1000 < ms)
		ms = wait <= 0 ? 0 : (int)ceil(wait * 1000);
	if (curl_multi_perform(f->multi, &running) != CURLM_OK)
		return lw_error_set(err, "curl multi perform failed");
	/* Transfers the last call's final perform finished wake no socket:
	 * deliver them now rather than after a whole wait. */
	if (drain_done(f) > 0)
		ms = 0;
	if (curl_multi_poll(f->multi, NULL, 0, ms, NULL) != CURLM_OK)
		return lw_error_set(err, "curl multi poll failed");
	if (curl_multi_perform(f->multi, &running) != CURLM_OK)
		return lw_error_set(err, "curl multi perform failed");
	drain_done(f);
	start_due(f, err);
	/* Send what was just started now: the caller may be busy (storing a
	 * batch) before it calls again, and a start inside a window must
	 * reach the host inside it, not a batch later. */
	if (curl_multi_perform(f->multi, &running) != CURLM_OK)
		return lw_error_set(err, "curl multi perform failed");
	return 0;
}

int fetcher_add(struct fetcher *f, const char *url, const char *etag, const char *last_modified,
		const struct fetch_policy *pol, fetch_allow_fn allow, void *ctx,
		struct lw_error *err)
{
	char *key = host_key(url);
	struct job *j;

	if (!key)
		return lw_error_set(err, "cannot fetch '%s': not an absolute URL", url);
	j = xcalloc(1, sizeof(*j));
	j->url = xstrdup(url);
	j->orig = xstrdup(url);
	j->etag = etag ? xstrdup(etag) : NULL;
	j->last_modified = last_modified ? xstrdup(last_modified) : NULL;
	j->pol = *pol;
	j->allow = allow;
	j->ctx = ctx;
	j->started = lw_now();
	lw_buf_init(&j->body, f->o.max_body);
	push_hop(j, url);
	j->host = host_get(f, key, pol);
	free(key);
	enqueue(f, j);
	return 0;
}

size_t fetcher_pending(const struct fetcher *f)
{
	return f->queued + f->running;
}

void fetcher_wakeup(struct fetcher *f)
{
	curl_multi_wakeup(f->multi);
}

struct fetcher *fetcher_new(const struct fetch_options *o, fetch_done_fn done, void *arg,
			    struct lw_error *err)
{
	struct fetcher *f = xcalloc(1, sizeof(*f));
	size_t n;

	f->o = *o;
	f->o.user_agent = xstrdup(o->user_agent ? o->user_agent : "lurewatch");
	if (f->o.max_redirects <= 0)
		f->o.max_redirects = 5;
	if (f->o.total_connections <= 0)
		f->o.total_connections = 32;
	/* The product token: "lurewatch/0.1 (+url)" -> "lurewatch". */
	n = strcspn(f->o.user_agent, "/ ");
	f->agent_token = xstrndup(f->o.user_agent, n);
	f->done = done;
	f->arg = arg;
	f->multi = curl_multi_init();
	if (!f->multi) {
		lw_error_set(err, "cannot create a curl multi handle");
		fetcher_free(f);
		return NULL;
	}
	curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)f->o.total_connections);
	return f;
}

void fetcher_free(struct fetcher *f)
{
	if (!f)
		return;
	while (f->inflight) {
		struct job *j = f->inflight;

		unlink_inflight(f, j);
		curl_multi_remove_handle(f->multi, j->easy);
		curl_easy_cleanup(j->easy);
		if (f->o.ctx_free && j->ctx)
			f->o.ctx_free(j->ctx);
		job_free(j);
	}
	if (f->multi)
		curl_multi_cleanup(f->multi);
	while (f->hosts) {
		struct host *h = f->hosts;

		f->hosts = h->next;
		while (h->head) {
			struct job *j = h->head;

			h->head = j->next;
			if (f->o.ctx_free && j->ctx)
				f->o.ctx_free(j->ctx);
			job_free(j);
		}
		robots_free(h->robots);
		free(h->key);
		free(h);
	}
	free((char *)f->o.user_agent);
	free(f->agent_token);
	free(f);
}

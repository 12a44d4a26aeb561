/* SPDX-License-Identifier: MIT */
/* The crawl loop: lease due URLs from the shared frontier, fetch them
 * politely, turn listing pages, feeds and sitemaps into more URLs and ad
 * pages into listings for the store, and settle every URL's outcome. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../util/log.h"
#include "../util/xmalloc.h"
#include "crawler.h"
#include "extract.h"
#include "fetch.h"
#include "url.h"
#include "writer.h"
#include "../util/clock.h"

#define LEASE_BATCH 128
#define INGEST_BATCH 200
/* One lane. Two (with store/netgraph.c serialising igraph, whose unwinding
 * stack is one per process) deadlocked: two batches updating the same
 * crawl_urls rows in different orders, and the loser's batch was not
 * stored (t0610 in a clean-clone run). They also gained nothing that
 * showed (0.95x and 0.97x of one lane, README's crawl figures). More lanes
 * need the batch's row updates in one order, or a retry on deadlock. */
#define WRITER_LANES 1
#define WRITER_QUEUE (2 * WRITER_LANES * INGEST_BATCH)
#define BEAT_SECONDS 2.0

struct src {
	const struct config_source *cfg;
	long id;
	int pass;
	long fetched, failed;   /* this run, for the source's totals */
	long leased;            /* this run, against max_pages */
	long limit;
	int active;             /* pass not finished by this run yet */
	int locked;             /* we hold its cron lock */
	int depth_cut;          /* a next-page link was left at max_depth */
};

/* One leased URL travelling through the fetcher. */
struct task {
	struct src *src;
	struct store_frontier_url u;
};

struct crawl {
	const struct config *cfg;
	struct store *st;
	const struct crawler_options *o;
	struct crawler_stats *stats;
	struct src *srcs;
	size_t nsrcs;
	struct fetcher *f;
	struct writer *w;
	long rejected;          /* the writer's rejections counted in stats */
	struct lw_error fatal;
	int failed;             /* database or ingestion failure: stop */
	double last_progress, started, last_beat;
};

static void task_free(struct task *t)
{
	free(t->u.url);
	free(t->u.kind);
	free(t->u.etag);
	free(t->u.last_modified);
	free(t);
}

static void fail(struct crawl *c, const struct lw_error *err)
{
	if (!c->failed)
		c->fatal = *err;
	c->failed = 1;
}

/* ---- hosts and URLs -------------------------------------------------------------- */

static int host_allowed(const struct config_source *s, const char *url)
{
	char *host = NULL;
	int port, ok = 0;
	struct lw_error err;

	if (url_host(url, &host, &port, &err) < 0)
		return 0;
	for (size_t i = 0; i < s->nallow_hosts && !ok; i++)
		ok = strcmp(s->allow_hosts[i], host) == 0;
	free(host);
	return ok;
}

static int allow_redirect(void *ctx, const char *url)
{
	struct task *t = ctx;

	return host_allowed(t->src->cfg, url);
}

/* Keeps the URLs this source may enter; frees the others. */
static size_t keep_allowed(const struct config_source *s, char **urls, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (host_allowed(s, urls[i]))
			urls[o++] = urls[i];
		else
			free(urls[i]);
	}
	return o;
}

static void add_urls(struct crawl *c, struct task *t, char **urls, size_t n, const char *kind,
		     int depth)
{
	struct lw_error err;
	size_t added = 0;

	n = keep_allowed(t->src->cfg, urls, n);
	if (n && store_frontier_add(c->st, t->src->id, t->u.pass, urls, n, kind, depth, &added,
				    &err) < 0)
		fail(c, &err);
	c->stats->discovered += (long)added;
	for (size_t i = 0; i < n; i++)
		free(urls[i]);
}

static void settle(struct crawl *c, struct task *t, const char *state, double delay,
		   const struct fetch_result *r, const char *error)
{
	struct lw_error err;
	char *hops = NULL;

	if (r && r->nhops > 1) {
		json_t *a = json_array();

		for (size_t i = 0; i < r->nhops; i++)
			json_array_append_new(a, json_string(r->hops[i]));
		hops = json_dumps(a, JSON_COMPACT);
		json_decref(a);
	}
	if (store_frontier_settle(c->st, t->u.id, state, delay, r ? r->status : 0, error,
				  r ? r->etag : NULL, r ? r->last_modified : NULL, hops, &err) < 0)
		fail(c, &err);
	free(hops);
}

/* ---- what a page yields ---------------------------------------------------------- */

static void on_listing_page(struct crawl *c, struct task *t, const struct fetch_result *r)
{
	const struct config_source *s = t->src->cfg;
	struct lw_error err;
	struct extract_page *p = extract_page_parse(r->body, r->len, r->content_type, r->final_url, &err);
	char **urls = NULL;
	size_t n = 0;

	if (!p) {
		settle(c, t, "failed", 0, r, err.msg);
		c->stats->failed++;
		return;
	}
	if (s->links && extract_links(p, s->links, &urls, &n, &err) == 0)
		add_urls(c, t, urls, n, "detail", t->u.depth + 1);
	free(urls);
	urls = NULL;
	n = 0;
	/* Pagination counts as depth: max_depth bounds how far it walks. */
	if (s->next && extract_links(p, s->next, &urls, &n, &err) == 0) {
		if (t->u.depth < s->max_depth) {
			add_urls(c, t, urls, n, "listing", t->u.depth + 1);
		} else {
			t->src->depth_cut |= n > 0;     /* said when the pass ends */
			for (size_t i = 0; i < n; i++)
				free(urls[i]);
		}
	}
	free(urls);
	extract_page_free(p);
	settle(c, t, "done", 0, r, NULL);
}

static void on_feed(struct crawl *c, struct task *t, const struct fetch_result *r, int sitemap)
{
	struct extract_item *items = NULL;
	struct lw_error err;
	size_t n = 0;
	int is_index = 0, rc;
	char **urls;

	rc = sitemap ? extract_sitemap(r->body, r->len, r->final_url, &items, &n, &is_index, &err)
		     : extract_feed(r->body, r->len, r->final_url, &items, &n, &err);
	if (rc < 0) {
		settle(c, t, "failed", 0, r, err.msg);
		c->stats->failed++;
		return;
	}
	urls = xcalloc(n ? n : 1, sizeof(*urls));
	for (size_t i = 0; i < n; i++)
		urls[i] = xstrdup(items[i].url);
	add_urls(c, t, urls, n, is_index ? "sitemap" : "detail", t->u.depth + 1);
	free(urls);
	extract_items_free(items, n);
	settle(c, t, "done", 0, r, NULL);
}

static char *json_strings(char *const *v, size_t n)
{
	json_t *a = json_array();
	char *s;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static char *field(struct extract_page *p, const char *xpath, int all)
{
	struct lw_error err;
	char *out = NULL;

	if (xpath && extract_text(p, xpath, all, &out, &err) < 0)
		return NULL;
	return out;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* An ad page: its fields go to the writer thread, whose ingestion also
 * marks the frontier row done in the same transaction. */
static void on_ad_page(struct crawl *c, struct task *t, const struct fetch_result *r)
{
	const struct config_source *s = t->src->cfg;
	struct lw_error err;
	struct extract_page *p = extract_page_parse(r->body, r->len, r->content_type, r->final_url, &err);
	struct writer_page *w;
	char **out = NULL;
	size_t nout = 0;

	if (!p) {
		settle(c, t, "failed", 0, r, err.msg);
		c->stats->failed++;
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->title = field(p, s->title, 0);
	w->body = field(p, s->body, 1);
	if ((!w->title || !w->title[0]) && (!w->body || !w->body[0])) {
		settle(c, t, "failed", 0, r, "no title or body found with the source's selectors");
		c->stats->failed++;
		writer_page_free(w);
		extract_page_free(p);
		return;
	}
	w->location = field(p, s->location, 0);
	w->posted = field(p, s->posted, 0);
	if (extract_outlinks(p, &out, &nout, &err) == 0)
		w->outlinks_json = json_strings(out, nout);
	extract_strings_free(out, nout);
	extract_page_free(p);
	w->redirects_json = r->nhops > 1 ? json_strings(r->hops, r->nhops) : NULL;
	w->source = s->name;
	w->url = xstrdup(t->u.url);
	w->etag = dup_or_null(r->etag);
	w->last_modified = dup_or_null(r->last_modified);
	w->frontier_id = t->u.id;
	w->http_status = r->status;
	if (writer_add(c->w, w, &err) < 0)
		fail(c, &err);
	else
		c->stats->listings++;
}

/* Exponential backoff with jitter, at least what the server asked for. */
static double backoff(const struct config *cfg, int attempts, double retry_after)
{
	double d = cfg->crawler.backoff * pow(2, attempts > 1 ? attempts - 1 : 0);

	d *= 0.5 + (double)rand() / RAND_MAX;
	return retry_after > d ? retry_after : d;
}

static void on_fetched(const struct fetch_result *r, void *arg)
{
	struct task *t = r->ctx;
	struct crawl *c = arg;
	const char *kind = t->u.kind;

	if (r->error && !r->robots_disallowed && !(r->retryable && t->u.attempts <= c->cfg->crawler.retries))
		t->src->failed++;
	else if (!r->error)
		t->src->fetched++;
	if (r->robots_disallowed) {
		settle(c, t, "skipped", 0, r, r->error);
		c->stats->skipped++;
	} else if (r->error && r->retryable && t->u.attempts <= c->cfg->crawler.retries) {
		settle(c, t, "queued", backoff(c->cfg, t->u.attempts, r->retry_after), r, r->error);
		c->stats->retries++;
	} else if (r->error) {
		settle(c, t, "failed", 0, r, r->error);
		c->stats->failed++;
	} else if (r->status == 304) {
		settle(c, t, "done", 0, r, NULL);
		c->stats->not_modified++;
	} else {
		c->stats->fetched++;
		if (!strcmp(kind, "detail"))
			on_ad_page(c, t, r);
		else if (!strcmp(kind, "feed"))
			on_feed(c, t, r, 0);
		else if (!strcmp(kind, "sitemap"))
			on_feed(c, t, r, 1);
		else
			on_listing_page(c, t, r);
	}
	task_free(t);
}

/* ---- the loop -------------------------------------------------------------------- */

static const char *start_kind(const struct config_source *s)
{
	if (!strcmp(s->kind, "rss") || !strcmp(s->kind, "atom"))
		return "feed";
	if (!strcmp(s->kind, "sitemap"))
		return "sitemap";
	return "start";
}

static int selected(const struct crawler_options *o, const struct config_source *s)
{
	if (o->nsources == 0)
		return s->enabled;
	for (size_t i = 0; i < o->nsources; i++)
		if (!strcmp(o->sources[i], s->name))
			return 1;
	return 0;
}

/* Registers the sources, takes cron locks, starts passes. */
static int setup_sources(struct crawl *c, struct lw_error *err)
{
	const struct config *cfg = c->cfg;

	for (size_t i = 0; i < c->o->nsources; i++)
		if (!config_source_find(cfg, c->o->sources[i]))
			return lw_error_set(err, "no source named '%s' in the configuration", c->o->sources[i]);
	c->srcs = xcalloc(cfg->nsources ? cfg->nsources : 1, sizeof(*c->srcs));
	for (size_t i = 0; i < cfg->nsources; i++) {
		const struct config_source *s = &cfg->sources[i];
		struct src *x = &c->srcs[c->nsrcs];
		int started, got;

		if (!selected(c->o, s))
			continue;
		x->cfg = s;
		x->limit = c->o->max_pages > 0 ? c->o->max_pages : s->max_pages;
		if (store_frontier_source(c->st, s->name, &x->id, err) < 0)
			return -1;
		if (c->o->once) {
			got = store_frontier_trylock(c->st, x->id, err);
			if (got < 0)
				return -1;
			if (!got) {
				c->stats->sources_locked++;
				continue; /* another cron run has it: skip, do not collide */
			}
			x->locked = 1;
		}
		if (store_frontier_begin_pass(c->st, x->id, s->start, s->nstart, start_kind(s),
					      c->o->force, &x->pass, &started, err) < 0)
			return -1;
		x->active = 1;
		c->nsrcs++;
		c->stats->sources_run++;
	}
	return 0;
}

/* Leases what the fetcher has room for and hands it over. Returns rows leased. */
static long lease_more(struct crawl *c)
{
	long want = (long)c->cfg->crawler.connections * 2 - (long)fetcher_pending(c->f);
	long ids[1024], room = LEASE_BATCH;
	size_t nids = 0, n = 0;
	struct store_frontier_url *rows = NULL;
	struct lw_error err;

	for (size_t i = 0; i < c->nsrcs && nids < 1024; i++)
		if (c->srcs[i].active && c->srcs[i].leased < c->srcs[i].limit) {
			ids[nids++] = c->srcs[i].id;
			/* One lease serves every source: none may pass its page limit. */
			if (c->srcs[i].limit - c->srcs[i].leased < room)
				room = c->srcs[i].limit - c->srcs[i].leased;
		}
	if (want <= 0 || nids == 0)
		return 0;
	if (want > room)
		want = room;
	if (store_frontier_lease(c->st, ids, nids, want, c->o->owner, c->cfg->crawler.lease_seconds,
				 &rows, &n, &err) < 0) {
		fail(c, &err);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct task *t = xcalloc(1, sizeof(*t));
		struct src *x = NULL;
		struct fetch_policy pol;
		int cond;

		for (size_t k = 0; k < c->nsrcs; k++)
			if (c->srcs[k].id == rows[i].source_id)
				x = &c->srcs[k];
		t->src = x;
		t->u = rows[i];
		x->leased++;
		pol.min_interval = 1.0 / x->cfg->rate;
		pol.connections = x->cfg->connections;
		pol.allow_private = x->cfg->allow_private;
		/* Conditional GET for ad pages only: a 304 on a listing page, feed
		 * or sitemap would leave the pages it links to unvisited this pass. */
		cond = !strcmp(t->u.kind, "detail");
		if (fetcher_add(c->f, t->u.url, cond ? t->u.etag : NULL, cond ? t->u.last_modified : NULL,
				&pol, allow_redirect, t, &err) < 0) {
			settle(c, t, "failed", 0, NULL, err.msg);
			c->stats->failed++;
			task_free(t);
		}
	}
	free(rows); /* the strings now belong to the tasks */
	return (long)n;
}

/* The limit that ended x's pass early ("max_pages=1000"), or NULL when it
 * ran to the end. A silent stop looks like a small site, so it is said in
 * the summary (stats), the log and, through the store, `status`. */
static const char *cut_short(struct crawl *c, struct src *x, int left, char *name, size_t n)
{
	size_t used = strlen(c->stats->cut_short);

	if (left && c->o->max_pages > 0)
		snprintf(name, n, "--max-pages=%ld", c->o->max_pages);
	else if (left)
		snprintf(name, n, "max_pages=%d", x->cfg->max_pages);
	else if (x->depth_cut)
		snprintf(name, n, "max_depth=%d", x->cfg->max_depth);
	else
		return NULL;
	lw_log(LW_LOG_WARN, "crawl_cut_short", "source=%s limit=%s", lw_log_q(x->cfg->name), name);
	snprintf(c->stats->cut_short + used, sizeof(c->stats->cut_short) - used, "%s%s: %s",
		 used ? "; " : "", x->cfg->name, name);
	return name;
}

/* Ends the passes with nothing left; returns how many sources are still active. */
static size_t finish_passes(struct crawl *c)
{
	size_t active = 0;
	struct lw_error err;
	char name[64];
	const char *cut;

	for (size_t i = 0; i < c->nsrcs; i++) {
		struct src *x = &c->srcs[i];
		long remaining = 0;
		int finished = 0;

		if (!x->active)
			continue;
		if (store_frontier_remaining(c->st, x->id, x->pass, &remaining, &finished, &err) < 0) {
			fail(c, &err);
			return 0;
		}
		if (remaining > 0 && !finished && x->leased < x->limit) {
			active++;
			continue;
		}
		cut = cut_short(c, x, remaining > 0 && !finished, name, sizeof(name));
		if (store_frontier_end_pass(c->st, x->id, x->pass, x->cfg->interval, cut, x->fetched,
					    x->failed, &err) < 0)
			fail(c, &err);
		x->active = 0;
	}
	return active;
}

/* Waits for the writer to store every page handed to it, and counts the
 * ones it turned down as failed. */
static void flush(struct crawl *c)
{
	struct lw_error err;
	long n;

	if (writer_flush(c->w, &err) < 0)
		fail(c, &err);
	n = writer_rejected(c->w);
	c->stats->listings -= n - c->rejected;
	c->stats->failed += n - c->rejected;
	c->rejected = n;
}

static void progress(struct crawl *c, int final)
{
	double t = lw_now() - c->started;
	const struct crawler_stats *s = c->stats;

	if (!c->o->progress)
		return;
	if (!final && lw_now() - c->last_progress < 0.5)
		return;
	c->last_progress = lw_now();
	fprintf(stderr, "\r\033[Kcrawl: %ld pages (%.1f/s), %ld ads, %zu in flight, %ld queued, %ld errors%s",
		s->fetched + s->not_modified, t > 0 ? (double)(s->fetched + s->not_modified) / t : 0,
		s->listings, fetcher_pending(c->f), s->discovered, s->failed, final ? "\n" : "");
	fflush(stderr);
}

/* ---- the fleet: politeness shared through the database ---------------------- */

static int fleet_lease(void *actx, const struct fetch_ask *asks, size_t n,
		       struct fetch_lease *out)
{
	struct crawl *c = actx;
	struct store_host_ask *q = xcalloc(n ? n : 1, sizeof(*q));
	struct store_host_lease *l = xcalloc(n ? n : 1, sizeof(*l));
	struct lw_error err;
	int rc = -1;

	for (size_t i = 0; i < n; i++) {
		q[i].host = asks[i].host;
		q[i].length = asks[i].length;
		q[i].ahead = asks[i].ahead;
		q[i].connections = asks[i].connections;
		q[i].inflight = asks[i].inflight;
		q[i].want = asks[i].want;
	}
	if (store_host_lease(c->st, q, n, c->o->owner, c->cfg->crawler.lease_seconds, l, &err) < 0) {
		lw_log(LW_LOG_WARN, "politeness_unshared", "hosts=%zu error=%s", n, lw_log_q(err.msg));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		out[i].granted = l[i].granted;
		out[i].start_in = l[i].start_in;
		out[i].length = l[i].length;
		out[i].slots = l[i].slots;
		out[i].wait = l[i].wait;
	}
	rc = 0;
out:
	free(q);
	free(l);
	return rc;
}

static void beat(struct crawl *c, int force)
{
	struct lw_error err;

	if (!force && lw_now() - c->last_beat < BEAT_SECONDS)
		return;
	c->last_beat = lw_now();
	if (store_worker_beat(c->st, c->o->owner, c->o->role ? c->o->role : "crawl",
			      c->o->done_base + c->stats->fetched + c->stats->not_modified,
			      &err) < 0 ||
	    store_host_renew(c->st, c->o->owner, c->cfg->crawler.lease_seconds, &err) < 0)
		lw_log(LW_LOG_WARN, "worker_beat", "error=%s", lw_log_q(err.msg));
}

static int run_loop(struct crawl *c, struct lw_error *err)
{
	long leased = 1;

	while (!c->failed && !(c->o->stop && *c->o->stop)) {
		/* Leased when half the fetcher's room is free, not at every
		 * turn: a lease is a statement on the loop's path, and one of a
		 * few URLs costs the same as one of many. */
		if (fetcher_pending(c->f) <= (size_t)c->cfg->crawler.connections)
			leased = lease_more(c);
		if (fetcher_run(c->f, 250, err) < 0)
			return -1;
		progress(c, 0);
		beat(c, 0);
		/* leased is from before the fetch: pages it just delivered may
		 * have added URLs. Only with none is the store flushed (the
		 * links of ad pages go with it) and the pass looked at. */
		if (fetcher_pending(c->f) == 0 && leased == 0 && (leased = lease_more(c)) == 0) {
			flush(c);
			if (finish_passes(c) == 0)
				break;
			/* The flush stores the links the last pages found: lease
			 * them at once. Only retries not yet due are worth a
			 * pause, rather than a spin. */
			leased = lease_more(c);
			if (leased == 0)
				usleep(100000);
		}
	}
	return 0;
}

int crawler_run(const struct config *cfg, struct store *st, const struct matcher *m,
		const struct crawler_options *o, struct crawler_stats *stats, struct lw_error *err)
{
	struct crawl c;
	struct fetch_options fo;
	struct lw_error e2;
	int rc = -1;

	memset(stats, 0, sizeof(*stats));
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.st = st;
	c.o = o;
	c.stats = stats;
	c.started = lw_now();
	c.last_beat = 0;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	memset(&fo, 0, sizeof(fo));
	fo.user_agent = cfg->user_agent;
	fo.connect_timeout = cfg->crawler.connect_timeout;
	fo.timeout = cfg->crawler.timeout;
	fo.low_speed_time = cfg->crawler.low_speed_time;
	fo.low_speed_limit = cfg->crawler.low_speed_limit;
	fo.max_body = (size_t)cfg->crawler.max_body;
	fo.max_redirects = 5;
	fo.total_connections = cfg->crawler.connections;
	fo.ignore_robots = o->ignore_robots;
	fo.ctx_free = (void (*)(void *))task_free;
	fo.lease = fleet_lease;
	fo.actx = &c;
	/* A crawl's records are redone when lost (a URL whose settling or
	 * page a server crash took is leased again when its lease expires),
	 * so its commits need not wait for the disk: the frontier's statements
	 * are on the fetch loop's path. Leases under our name now are left from
	 * a run that lost the database (a daemon's earlier round): none is in
	 * flight, give them back. */
	if (store_commit_async(st, 1, err) < 0 ||
	    store_frontier_release(st, o->owner, NULL, err) < 0 ||
	    store_host_release_all(st, o->owner, err) < 0 || setup_sources(&c, err) < 0)
		goto out;
	c.f = fetcher_new(&fo, on_fetched, &c, err);
	c.w = c.f ? writer_new(st, m, cfg, o->owner, WRITER_LANES, INGEST_BATCH,
					WRITER_QUEUE, err) : NULL;
	if (!c.w)
		goto out;
	if (run_loop(&c, err) < 0)
		goto out;
	flush(&c);
	if (c.failed) {
		*err = c.fatal;
		goto out;
	}
	rc = 0;
out:
	if (c.f)
		progress(&c, 1);
	/* In-flight transfers end without a result: their leases go back. */
	fetcher_free(c.f);
	writer_free(c.w);       /* stores what it was given, unless a batch failed */
	store_frontier_release(st, o->owner, NULL, &e2);
	store_host_release_all(st, o->owner, &e2);
	if (!o->keep_worker)
		store_worker_gone(st, o->owner, &e2);
	store_commit_async(st, 0, &e2);
	for (size_t i = 0; i < c.nsrcs; i++)
		if (c.srcs[i].locked)
			store_frontier_unlock(st, c.srcs[i].id, &e2);
	free(c.srcs);
	stats->seconds = lw_now() - c.started;
	return rc;
}

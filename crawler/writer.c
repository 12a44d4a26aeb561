/* SPDX-License-Identifier: MIT */
/* The crawl's writer threads: a bounded queue of ad pages in front of
 * ingestion sessions, each on a database connection of its own. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../engine/engine.h"
#include "../util/clock.h"
#include "../util/log.h"
#include "../util/xmalloc.h"
#include "writer.h"

/* A page waits at most this long to be committed: the frontier and
 * `status` see a crawl's progress, and a killed crawl loses no more. */
#define LINGER 0.5

struct writer;

/* One thread with its own connection and ingestion session. */
struct lane {
	struct writer *w;
	struct store *st;
	struct engine_ingest *in;
	pthread_t thread;
	int started;
	unsigned long flushed;          /* flush requests this lane has done */
};

struct writer {
	pthread_mutex_t mu;
	pthread_cond_t more, room, done;
	struct writer_page *head, *tail;
	size_t n, cap, batch;
	unsigned long asked;            /* flush requests */
	int stop, failed;
	long rejected;
	struct lw_error fatal;
	struct lane *lanes;
	size_t nlanes;
};

void writer_page_free(struct writer_page *p)
{
	if (!p)
		return;
	free(p->url);
	free(p->title);
	free(p->body);
	free(p->location);
	free(p->posted);
	free(p->etag);
	free(p->last_modified);
	free(p->redirects_json);
	free(p->outlinks_json);
	free(p);
}

/* A page turned down after it was queued: its frontier row fails as it
 * would have at once. Runs on a lane's thread and connection. */
static void on_reject(const struct store_listing *l, const char *msg, void *ctx)
{
	struct lane *ln = ctx;
	struct lw_error err;

	if (l->frontier_id && store_frontier_settle(ln->st, l->frontier_id, "failed", 0,
						    l->http_status, msg, NULL, NULL, NULL, &err) < 0)
		lw_log(LW_LOG_WARN, "crawl_settle", "url=%s error=%s", lw_log_q(l->url),
		       lw_log_q(err.msg));
	pthread_mutex_lock(&ln->w->mu);
	ln->w->rejected++;
	pthread_mutex_unlock(&ln->w->mu);
}

/* Called with the lock held. */
static void set_failed(struct writer *w, const struct lw_error *err)
{
	if (!w->failed)
		w->fatal = *err;
	w->failed = 1;
	pthread_cond_broadcast(&w->room);
	pthread_cond_broadcast(&w->done);
}

static int store_page(struct lane *ln, const struct writer_page *p, struct lw_error *err)
{
	struct store_listing l;

	memset(&l, 0, sizeof(l));
	l.url = p->url;
	l.source = p->source;
	l.title = p->title;
	l.body = p->body;
	l.location = p->location;
	l.posted = p->posted;
	l.origin = p->url;
	l.frontier_id = p->frontier_id;
	l.etag = p->etag;
	l.last_modified = p->last_modified;
	l.http_status = p->http_status;
	l.redirects_json = p->redirects_json;
	l.outlinks_json = p->outlinks_json;
	if (engine_ingest_add(ln->in, &l, err) == 0)
		return 0;
	if (engine_ingest_failed(ln->in))
		return -1;
	on_reject(&l, err->msg, ln);
	return 0;
}

static void deadline(struct timespec *ts, double seconds)
{
	long ns = seconds > 0 ? (long)(seconds * 1e9) : 0;

	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ns / 1000000000L;
	ts->tv_nsec += ns % 1000000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Up to a batch of pages off the queue; called with the lock held. */
static struct writer_page *take(struct writer *w)
{
	struct writer_page *first = w->head, *last = NULL;
	size_t k = 0;

	for (struct writer_page *p = first; p && k < w->batch; p = p->next, k++)
		last = p;
	if (!last)
		return NULL;
	w->head = last->next;
	if (!w->head)
		w->tail = NULL;
	last->next = NULL;
	w->n -= k;
	pthread_cond_broadcast(&w->room);
	return first;
}

/* Stores pages (the lane's engine writes each full batch); called with the
 * lock held, which is let go meanwhile. */
static void add_pages(struct lane *ln, struct writer_page *pages)
{
	struct writer *w = ln->w;
	struct lw_error err;
	int rc = 0, failed = w->failed;

	pthread_mutex_unlock(&w->mu);
	while (pages) {
		struct writer_page *p = pages;

		pages = p->next;
		if (!failed && rc == 0)
			rc = store_page(ln, p, &err);
		writer_page_free(p);
	}
	pthread_mutex_lock(&w->mu);
	if (rc < 0)
		set_failed(w, &err);
}

/* Writes the lane's partial batch; the same locking as add_pages. */
static void flush_lane(struct lane *ln)
{
	struct writer *w = ln->w;
	struct lw_error err;
	int rc = 0;

	if (w->failed)
		return;
	pthread_mutex_unlock(&w->mu);
	rc = engine_ingest_flush(ln->in, &err);
	pthread_mutex_lock(&w->mu);
	if (rc < 0)
		set_failed(w, &err);
}

/* A lane takes a batch at a time, so several write in parallel; it flushes
 * when asked (once the queue is empty), when its oldest page has waited
 * LINGER, and before it stops. */
static void *run(void *arg)
{
	struct lane *ln = arg;
	struct writer *w = ln->w;
	struct timespec ts;
	int unflushed = 0;
	double since = 0;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct writer_page *batch;
		unsigned long asked = w->asked;

		if (unflushed && lw_now() - since >= LINGER) {
			flush_lane(ln);
			unflushed = 0;
			continue;
		}
		batch = take(w);
		if (batch) {
			if (!unflushed)
				since = lw_now();
			add_pages(ln, batch);
			unflushed = 1;
			continue;
		}
		if (asked != ln->flushed || (unflushed && w->stop)) {
			if (unflushed)
				flush_lane(ln);
			unflushed = 0;
			ln->flushed = asked;
			pthread_cond_broadcast(&w->done);
			continue;
		}
		if (w->stop)
			break;
		deadline(&ts, unflushed ? since + LINGER - lw_now() : 1.0);
		pthread_cond_timedwait(&w->more, &w->mu, &ts);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The lane's connection and ingestion session, set up as cfg says. */
static int lane_open(struct lane *ln, struct store *st, const struct matcher *m,
		     const struct config *cfg, const char *owner, size_t batch, struct lw_error *err)
{
	struct store_network_rules nr;

	ln->st = store_clone(st, err);
	/* As the crawl's own connection (crawler_run): a page lost with a
	 * server crash is fetched again, its frontier row still leased. */
	if (!ln->st || store_commit_async(ln->st, 1, err) < 0)
		return -1;
	ln->in = engine_ingest_new(ln->st, m, "crawler", owner, batch, 0, err);
	if (!ln->in)
		return -1;
	engine_ingest_on_reject(ln->in, on_reject, ln);
	engine_ingest_set_links(ln->in, cfg->network_exclude, cfg->nnetwork_exclude,
			       cfg->near_duplicate_bits, cfg->phone_region);
	store_network_rules_from_config(&nr, cfg);
	engine_ingest_set_rules(ln->in, &nr);
	return 0;
}

struct writer *writer_new(struct store *st, const struct matcher *m, const struct config *cfg,
			  const char *owner, size_t lanes, size_t batch, size_t cap,
			  struct lw_error *err)
{
	struct writer *w = xcalloc(1, sizeof(*w));

	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->more, NULL);
	pthread_cond_init(&w->room, NULL);
	pthread_cond_init(&w->done, NULL);
	w->cap = cap ? cap : 1;
	w->batch = batch ? batch : 1;
	w->nlanes = lanes ? lanes : 1;
	w->lanes = xcalloc(w->nlanes, sizeof(*w->lanes));
	for (size_t i = 0; i < w->nlanes; i++) {
		struct lane *ln = &w->lanes[i];

		ln->w = w;
		if (lane_open(ln, st, m, cfg, owner, w->batch, err) < 0)
			goto fail;
		if (pthread_create(&ln->thread, NULL, run, ln) != 0) {
			lw_error_set(err, "cannot start the crawl's writer threads");
			goto fail;
		}
		ln->started = 1;
	}
	return w;
fail:
	writer_free(w);
	return NULL;
}

int writer_add(struct writer *w, struct writer_page *p, struct lw_error *err)
{
	pthread_mutex_lock(&w->mu);
	while (w->n >= w->cap && !w->failed)
		pthread_cond_wait(&w->room, &w->mu);
	if (w->failed) {
		*err = w->fatal;
		pthread_mutex_unlock(&w->mu);
		writer_page_free(p);
		return -1;
	}
	p->next = NULL;
	if (w->tail)
		w->tail->next = p;
	else
		w->head = p;
	w->tail = p;
	w->n++;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

static int all_flushed(const struct writer *w, unsigned long want)
{
	for (size_t i = 0; i < w->nlanes; i++)
		if (w->lanes[i].flushed < want)
			return 0;
	return 1;
}

int writer_flush(struct writer *w, struct lw_error *err)
{
	unsigned long want;
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	want = ++w->asked;
	pthread_cond_broadcast(&w->more);
	while (!all_flushed(w, want) && !w->failed)
		pthread_cond_wait(&w->done, &w->mu);
	if (w->failed) {
		*err = w->fatal;
		rc = -1;
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

long writer_rejected(struct writer *w)
{
	long n;

	pthread_mutex_lock(&w->mu);
	n = w->rejected;
	pthread_mutex_unlock(&w->mu);
	return n;
}

void writer_free(struct writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->more);
	pthread_mutex_unlock(&w->mu);
	for (size_t i = 0; i < w->nlanes; i++)
		if (w->lanes[i].started)
			pthread_join(w->lanes[i].thread, NULL);
	while (w->head) {
		struct writer_page *p = w->head;

		w->head = p->next;
		writer_page_free(p);
	}
	for (size_t i = 0; i < w->nlanes; i++) {
		engine_ingest_free(w->lanes[i].in);
		store_close(w->lanes[i].st);
	}
	free(w->lanes);
	pthread_cond_destroy(&w->more);
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

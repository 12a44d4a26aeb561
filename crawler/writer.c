/* SPDX-License-Identifier: MIT */
/* The crawl's writer thread: a bounded queue of ad pages in front of the
 * ingestion engine, on a database connection of its own. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../engine/engine.h"
#include "../util/log.h"
#include "../util/xmalloc.h"
#include "writer.h"

/* A partial batch waits at most this long for more pages. */
#define LINGER_MS 500

struct writer {
	struct store *st;               /* the thread's own connection */
	struct engine_ingest *in;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t more, room, done;
	struct writer_page *head, *tail;
	size_t n, cap;
	unsigned long asked, flushed;   /* flush requests and those done */
	int stop, failed;
	long rejected;
	struct lw_error fatal;
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
 * would have at once. Runs on the writer's thread and connection. */
static void on_reject(const struct store_listing *l, const char *msg, void *ctx)
{
	struct writer *w = ctx;
	struct lw_error err;

	if (l->frontier_id && store_frontier_settle(w->st, l->frontier_id, "failed", 0,
						    l->http_status, msg, NULL, NULL, NULL, &err) < 0)
		lw_log(LW_LOG_WARN, "crawl_settle", "url=%s error=%s", lw_log_q(l->url),
		       lw_log_q(err.msg));
	pthread_mutex_lock(&w->mu);
	w->rejected++;
	pthread_mutex_unlock(&w->mu);
}

static void set_failed(struct writer *w, const struct lw_error *err)
{
	pthread_mutex_lock(&w->mu);
	if (!w->failed)
		w->fatal = *err;
	w->failed = 1;
	pthread_cond_broadcast(&w->room);
	pthread_cond_broadcast(&w->done);
	pthread_mutex_unlock(&w->mu);
}

static void store_page(struct writer *w, const struct writer_page *p)
{
	struct store_listing l;
	struct lw_error err;

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
	if (engine_ingest_add(w->in, &l, &err) == 0)
		return;
	if (engine_ingest_failed(w->in))
		set_failed(w, &err);
	else
		on_reject(&l, err.msg, w);
}

static void flush_now(struct writer *w)
{
	struct lw_error err;

	if (engine_ingest_flush(w->in, &err) < 0)
		set_failed(w, &err);
}

static void deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Takes the queue in one go, so the fetch loop is held up only by a
 * pointer swap; stores it; flushes when asked, when a partial batch has
 * waited LINGER_MS, and before it stops. */
static void *run(void *arg)
{
	struct writer *w = arg;
	struct timespec ts;
	int unflushed = 0;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct writer_page *batch = w->head;
		unsigned long asked = w->asked;

		if (batch) {
			w->head = w->tail = NULL;
			w->n = 0;
			pthread_cond_broadcast(&w->room);
			pthread_mutex_unlock(&w->mu);
			while (batch) {
				struct writer_page *p = batch;

				batch = p->next;
				if (!w->failed)
					store_page(w, p);
				writer_page_free(p);
			}
			unflushed = 1;
			pthread_mutex_lock(&w->mu);
			continue;
		}
		if (asked != w->flushed || (unflushed && w->stop)) {
			pthread_mutex_unlock(&w->mu);
			if (!w->failed)
				flush_now(w);
			unflushed = 0;
			pthread_mutex_lock(&w->mu);
			w->flushed = asked;
			pthread_cond_broadcast(&w->done);
			continue;
		}
		if (w->stop)
			break;
		deadline(&ts, LINGER_MS);
		if (pthread_cond_timedwait(&w->more, &w->mu, &ts) == ETIMEDOUT && unflushed &&
		    !w->head && w->asked == w->flushed) {
			pthread_mutex_unlock(&w->mu);
			if (!w->failed)
				flush_now(w);
			unflushed = 0;
			pthread_mutex_lock(&w->mu);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct writer *writer_new(struct store *st, const struct matcher *m, const struct config *cfg,
			  const char *owner, size_t batch, size_t cap, struct lw_error *err)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	struct store_network_rules nr;

	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->more, NULL);
	pthread_cond_init(&w->room, NULL);
	pthread_cond_init(&w->done, NULL);
	w->cap = cap ? cap : 1;
	w->st = store_clone(st, err);
	/* As the crawl's own connection (crawler_run): a page lost with a
	 * server crash is fetched again, its frontier row still leased. */
	if (w->st && store_commit_async(w->st, 1, err) < 0)
		goto fail;
	w->in = w->st ? engine_ingest_new(w->st, m, "crawler", owner, batch, 0, err) : NULL;
	if (!w->in)
		goto fail;
	engine_ingest_on_reject(w->in, on_reject, w);
	engine_ingest_set_links(w->in, cfg->network_exclude, cfg->nnetwork_exclude,
			       cfg->near_duplicate_bits, cfg->phone_region);
	store_network_rules_from_config(&nr, cfg);
	engine_ingest_set_rules(w->in, &nr);
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		lw_error_set(err, "cannot start the crawl's writer thread");
		goto fail;
	}
	w->started = 1;
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

int writer_flush(struct writer *w, struct lw_error *err)
{
	unsigned long want;
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	want = ++w->asked;
	pthread_cond_signal(&w->more);
	while (w->flushed < want && !w->failed)
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
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->stop = 1;
		pthread_cond_signal(&w->more);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	while (w->head) {
		struct writer_page *p = w->head;

		w->head = p->next;
		writer_page_free(p);
	}
	engine_ingest_free(w->in);
	store_close(w->st);
	pthread_cond_destroy(&w->more);
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

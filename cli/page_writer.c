/* SPDX-License-Identifier: MIT */
/* Storing archive pages on a thread of its own (see page_writer.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xmalloc.h"
#include "page_writer.h"

/* Pages the thread takes out of the queue at a time: one lock for many. */
#define TAKE 64

struct page_writer {
	pthread_mutex_t mu;
	pthread_cond_t more;            /* a page, a drain or quit for the thread */
	pthread_cond_t room;            /* the reader may queue again */
	pthread_cond_t drained;
	struct page_out *q;             /* ring of PAGE_WRITER_MAX_PAGES */
	size_t head, n, bytes;
	unsigned long drain_asked, drain_done;
	int drain_rc;
	struct lw_error drain_err;
	int quit, failed;
	struct lw_error fatal;
	struct store_ingest_stats stats;
	long long refused;
	/* the thread's alone */
	struct engine_ingest *in;
	const char *source;
	pthread_t t;
};

static size_t page_bytes(const struct page_out *p)
{
	return (p->title ? strlen(p->title) : 0) + (p->body ? strlen(p->body) : 0) + 256;
}

static void page_release(struct page_out *p)
{
	free(p->url);
	free(p->title);
	free(p->body);
	free(p->origin);
	free(p->capture_json);
	memset(p, 0, sizeof(*p));
}

/* Hands one page to the engine; a page refused on its own is logged and
 * counted, a failed batch ends the writing. */
static void feed(struct page_writer *w, struct page_out *p, int *failed, struct lw_error *fatal)
{
	struct store_listing l;
	struct lw_error err;

	memset(&l, 0, sizeof(l));
	l.url = p->url;
	l.source = w->source;
	l.title = p->title ? p->title : "";
	l.body = p->body ? p->body : "";
	l.origin = p->origin;
	l.capture_json = p->capture_json;
	if (!*failed && engine_ingest_add(w->in, &l, &err) < 0) {
		if (engine_ingest_failed(w->in)) {
			*failed = 1;
			*fatal = err;
		} else {
			fprintf(stderr, "lurewatch: %s: %s\n", p->name, err.msg);
			pthread_mutex_lock(&w->mu);
			w->refused++;
			pthread_mutex_unlock(&w->mu);
		}
	}
	page_release(p);
}

/* Publishes the engine's counts (and a failure) to the other thread. */
static void publish(struct page_writer *w, int failed, const struct lw_error *fatal)
{
	const struct store_ingest_stats *s = engine_ingest_stats(w->in);

	pthread_mutex_lock(&w->mu);
	w->stats = *s;
	if (failed && !w->failed) {
		w->failed = 1;
		w->fatal = *fatal;
		pthread_cond_signal(&w->room);
	}
	pthread_mutex_unlock(&w->mu);
}

static void *run(void *arg)
{
	struct page_writer *w = arg;
	struct page_out batch[TAKE];
	struct lw_error fatal;
	int failed = 0;

	memset(&fatal, 0, sizeof(fatal));
	pthread_mutex_lock(&w->mu);
	for (;;) {
		size_t k = 0;

		while (!w->quit && !w->n && w->drain_asked == w->drain_done)
			pthread_cond_wait(&w->more, &w->mu);
		if (w->n) {
			while (k < TAKE && w->n) {
				batch[k] = w->q[w->head];
				w->bytes -= page_bytes(&batch[k]);
				w->head = (w->head + 1) % PAGE_WRITER_MAX_PAGES;
				w->n--;
				k++;
			}
			pthread_cond_signal(&w->room);
			pthread_mutex_unlock(&w->mu);
			for (size_t i = 0; i < k; i++)
				feed(w, &batch[i], &failed, &fatal);
			publish(w, failed, &fatal);
			pthread_mutex_lock(&w->mu);
			continue;
		}
		/* Pages first, then a drain: the reader asks for one only
		 * after its last page of a file. */
		if (w->drain_asked != w->drain_done) {
			unsigned long asked = w->drain_asked;
			struct lw_error err;
			int rc;

			pthread_mutex_unlock(&w->mu);
			rc = failed ? -1 : engine_ingest_flush(w->in, &err);
			if (rc < 0 && !failed) {
				failed = 1;
				fatal = err;
			}
			publish(w, failed, &fatal);
			pthread_mutex_lock(&w->mu);
			w->drain_rc = rc;
			w->drain_err = fatal;
			w->drain_done = asked;
			pthread_cond_broadcast(&w->drained);
			continue;
		}
		if (w->quit)
			break;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct page_writer *page_writer_new(struct engine_ingest *in, const char *source,
				    struct lw_error *err)
{
	struct page_writer *w = xcalloc(1, sizeof(*w));

	w->q = xcalloc(PAGE_WRITER_MAX_PAGES, sizeof(*w->q));
	w->in = in;
	w->source = source;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->more, NULL);
	pthread_cond_init(&w->room, NULL);
	pthread_cond_init(&w->drained, NULL);
	if (pthread_create(&w->t, NULL, run, w) != 0) {
		lw_error_set(err, "cannot start the thread that stores pages");
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->more);
		pthread_cond_destroy(&w->room);
		pthread_cond_destroy(&w->drained);
		free(w->q);
		free(w);
		return NULL;
	}
	return w;
}

void page_writer_free(struct page_writer *w)
{
	struct lw_error err;

	if (!w)
		return;
	/* What is queued is stored: a stop by signal keeps what was read. */
	page_writer_drain(w, &err);
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->t, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->more);
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->drained);
	free(w->q);
	free(w);
}

int page_writer_put(struct page_writer *w, struct page_out *p, struct lw_error *err)
{
	size_t b = page_bytes(p);
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	/* A page larger than the byte bound still goes in, alone. */
	while (!w->failed && (w->n == PAGE_WRITER_MAX_PAGES ||
			      (w->n && w->bytes + b > PAGE_WRITER_MAX_BYTES)))
		pthread_cond_wait(&w->room, &w->mu);
	if (w->failed) {
		rc = lw_error_set(err, "pages are no longer stored: %s", w->fatal.msg);
		pthread_mutex_unlock(&w->mu);
		page_release(p);
		return rc;
	}
	w->q[(w->head + w->n) % PAGE_WRITER_MAX_PAGES] = *p;
	w->n++;
	w->bytes += b;
	memset(p, 0, sizeof(*p));
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int page_writer_drain(struct page_writer *w, struct lw_error *err)
{
	unsigned long ticket;
	int rc;

	pthread_mutex_lock(&w->mu);
	ticket = ++w->drain_asked;
	pthread_cond_signal(&w->more);
	while (w->drain_done != ticket)
		pthread_cond_wait(&w->drained, &w->mu);
	rc = w->drain_rc;
	if (rc < 0)
		*err = w->drain_err;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

void page_writer_stats(struct page_writer *w, struct store_ingest_stats *stats,
		       long long *refused)
{
	pthread_mutex_lock(&w->mu);
	*stats = w->stats;
	*refused = w->refused;
	pthread_mutex_unlock(&w->mu);
}

int page_writer_failed(struct page_writer *w)
{
	int f;

	pthread_mutex_lock(&w->mu);
	f = w->failed;
	pthread_mutex_unlock(&w->mu);
	return f;
}

/* SPDX-License-Identifier: MIT */
/* The crawl's writer: ad pages leave the fetch loop through a bounded queue
 * for threads that analyse them (on the engine's pool) and store them, a
 * batch at a time, each over a database connection of its own, so fetching
 * never waits for a batch to be written. Internal to crawler/. */
#ifndef LW_CRAWLER_WRITER_H
#define LW_CRAWLER_WRITER_H

#include <stddef.h>

#include "../config/config.h"
#include "../matcher/matcher.h"
#include "../store/store.h"
#include "../util/error.h"

/* One ad page. Every string is the page's own (freed with it); source is
 * the configuration's and is not freed. */
struct writer_page {
	struct writer_page *next;
	const char *source;
	char *url, *title, *body, *location, *posted, *etag, *last_modified;
	char *redirects_json, *outlinks_json;
	long frontier_id, http_status;
};

struct writer;

/* Starts the writer: lanes threads, each on a new connection to st's
 * database with ingestion set up as cfg says (actor owner, batches of batch
 * pages), taking a batch at a time from a queue of at most cap pages.
 * Returns a new writer (writer_free) or NULL with err. */
struct writer *writer_new(struct store *st, const struct matcher *m, const struct config *cfg,
			  const char *owner, size_t lanes, size_t batch, size_t cap,
			  struct lw_error *err);
/* Queues p, which the writer then owns, waiting while the queue is full.
 * Returns 0, or -1 with err (p freed) once a batch failed to commit. */
int writer_add(struct writer *w, struct writer_page *p, struct lw_error *err);
/* Waits until every page queued so far is stored or turned down. Returns 0
 * or -1 with err when a batch failed to commit. */
int writer_flush(struct writer *w, struct lw_error *err);
/* Pages the analyser or the store turned down so far (their frontier rows
 * are settled failed with the reason). */
long writer_rejected(struct writer *w);
/* Stores what is queued (unless a batch failed), stops the thread and
 * closes its connection. writer_free(NULL) does nothing. */
void writer_free(struct writer *w);
void writer_page_free(struct writer_page *p);

#endif

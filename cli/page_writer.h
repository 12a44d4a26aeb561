/* SPDX-License-Identifier: MIT */
/* Storing archive pages on a thread of its own: the reading thread hands
 * each page over through a bounded queue and goes back to reading, while
 * this thread feeds the ingestion engine (analysis on the matcher pool,
 * batched writes through the store's one write path). */
#ifndef LW_PAGE_WRITER_H
#define LW_PAGE_WRITER_H

#include <stddef.h>

#include "../engine/engine.h"
#include "../util/error.h"

/* The queue holds at most this many pages or this many bytes of text:
 * what a stalled database can make the reader hold. */
#define PAGE_WRITER_MAX_PAGES 2048
#define PAGE_WRITER_MAX_BYTES (64u * 1024u * 1024u)

struct page_writer;

/* A page on its way to the store. The writer takes the strings (NULL
 * allowed but url); name is borrowed until page_writer_drain returns. */
struct page_out {
	char *url, *title, *body, *origin, *capture_json;
	const char *name;               /* the archive, for error messages */
};

/* Starts the thread that owns in from now on (in and its store connection
 * must not be used elsewhere until page_writer_free). Returns a new writer
 * or NULL with err when no thread can be started. */
struct page_writer *page_writer_new(struct engine_ingest *in, const char *source,
				    struct lw_error *err);
/* Stores what was queued, stops the thread. NULL does nothing. */
void page_writer_free(struct page_writer *w);

/* Queues p, waiting while the queue is full; p's strings are the writer's
 * from the call on, even when it fails. Returns 0, or -1 with err once a
 * batch could not be written (nothing more is stored). */
int page_writer_put(struct page_writer *w, struct page_out *p, struct lw_error *err);

/* Waits until every queued page is analysed and written (the engine
 * flushed). Returns 0, or -1 with err when something could not be
 * written. */
int page_writer_drain(struct page_writer *w, struct lw_error *err);

/* The engine's counts as of the last batch the thread fed it, and the
 * pages it refused (each logged with its archive). */
void page_writer_stats(struct page_writer *w, struct store_ingest_stats *stats,
		       long long *refused);
/* 1 after a batch failed to commit. */
int page_writer_failed(struct page_writer *w);

#endif

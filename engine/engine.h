/* SPDX-License-Identifier: MIT */
/* The ingestion engine: listings are analysed on all cores (a matcher_pool,
 * one scanner per thread) and handed with their analyses to the store, the
 * analysis of one batch overlapping the database writes of the one before.
 * The bridge between matcher/ and store/, so neither knows the other's
 * insides. */
#ifndef LW_ENGINE_H
#define LW_ENGINE_H

#include <stddef.h>

#include "../matcher/matcher.h"
#include "../store/store.h"
#include "../util/error.h"

struct engine_ingest;

/* Called for a listing the store or the analyser rejected after
 * engine_ingest_add had accepted it (l and msg valid during the call). */
typedef void engine_reject_fn(const struct store_listing *l, const char *msg, void *ctx);

/* Starts a session writing through a new store_ingest (see store_ingest_new
 * for st, m, default_source, actor and batch_size) and analysing on threads
 * workers (0: one per core). Returns a new engine (engine_ingest_free) or
 * NULL with err. */
struct engine_ingest *engine_ingest_new(struct store *st, const struct matcher *m,
					const char *default_source, const char *actor,
					size_t batch_size, int threads, struct lw_error *err);
void engine_ingest_free(struct engine_ingest *e);

/* As store_ingest_set_links, plus the default phone region contact details
 * are read with (NULL: "NZ"). */
void engine_ingest_set_links(struct engine_ingest *e, char *const *exclude, size_t n,
			     int max_bits, const char *region);
/* As store_ingest_set_rules: what makes a contact detail generic. */
void engine_ingest_set_rules(struct engine_ingest *e, const struct store_network_rules *r);
/* As store_ingest_set_flagged_only. */
void engine_ingest_set_flagged_only(struct engine_ingest *e, int on);
/* As store_ingest_set_writer: the store's writes on a thread of their own. */
void engine_ingest_set_writer(struct engine_ingest *e, int on);
/* As store_ingest_set_retry. */
void engine_ingest_set_retry(struct engine_ingest *e, double seconds);
/* Where rejections found later go; without one they are only counted. */
void engine_ingest_on_reject(struct engine_ingest *e, engine_reject_fn *fn, void *ctx);

/* Copies l (HTML bodies are turned into text here) and queues it for
 * analysis and storing. Returns 0; or -1 with err when l's HTML cannot be
 * read (the session goes on) or when a batch could not be written (see
 * engine_ingest_failed; nothing more is stored). */
int engine_ingest_add(struct engine_ingest *e, const struct store_listing *l,
		      struct lw_error *err);
/* The same for a stored version read back by a rescan (row is copied). */
int engine_ingest_rescore(struct engine_ingest *e, const struct store_rescan_row *row,
			  struct lw_error *err);
/* Analyses and writes everything queued. Returns 0 or -1 with err. */
int engine_ingest_flush(struct engine_ingest *e, struct lw_error *err);
/* As store_ingest_set_defer_priority. */
void engine_ingest_set_defer_priority(struct engine_ingest *e, int on);
/* engine_ingest_flush, then store_ingest_priority_run. */
int engine_ingest_priority_run(struct engine_ingest *e, long lo, long hi, int whole,
			       struct lw_error *err);

/* 1 after a batch failed to commit: stop feeding the session. */
int engine_ingest_failed(const struct engine_ingest *e);
/* The store's counts, plus rejections found by the analyser in failed. */
const struct store_ingest_stats *engine_ingest_stats(const struct engine_ingest *e);

#endif

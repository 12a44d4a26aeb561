/* SPDX-License-Identifier: MIT */
/* The crawl's database thread: the frontier writes and politeness questions
 * of the fetch loop, made on a connection of their own so that the loop
 * never waits for PostgreSQL while transfers are running. */
#ifndef LW_CRAWLDB_H
#define LW_CRAWLDB_H

#include <stddef.h>

#include "../store/store.h"
#include "../util/error.h"

struct crawldb;

/* Starts the thread on a new connection to st's database (commits that do
 * not wait for the disk, as the crawl's own). wake(arg) is called from the
 * thread when a politeness answer is in (the fetcher's wakeup). Returns a
 * new crawldb (crawldb_free) or NULL with err. */
struct crawldb *crawldb_new(const struct store *st, const char *owner, int lease_seconds,
			    void (*wake)(void *arg), void *arg, struct lw_error *err);
/* Carries out everything queued (nothing once a statement failed), stops the
 * thread and closes its connection. NULL does nothing. */
void crawldb_free(struct crawldb *d);

/* Queues store_frontier_settle of frontier row id. The strings are copied;
 * hops (may be NULL) is taken over and freed by the thread. */
void crawldb_settle(struct crawldb *d, long id, const char *state, double delay, long status,
		    const char *error, const char *etag, const char *last_modified, char *hops);
/* Queues store_frontier_add of urls[0..n): the strings are taken over (the
 * array itself stays the caller's). */
void crawldb_add(struct crawldb *d, long source_id, int pass, char **urls, size_t n,
		 const char *kind, int depth);
/* Puts a politeness question (store_host_lease of asks[0..n) into out[])
 * ahead of everything queued; returns 1: the answer comes later, through
 * crawldb_host_poll. asks, the strings they point to and out must stay
 * alive and untouched until then. One question at a time. */
int crawldb_host_lease(struct crawldb *d, const struct store_host_ask *asks, size_t n,
		       struct store_host_lease *out);
/* 0 while the question is out; 1 when out[] holds the answer, -1 when the
 * store could not answer (logged); *sent and *got bracket the statement on
 * the local clock (lw_now). */
int crawldb_host_poll(struct crawldb *d, double *sent, double *got);
/* Queues a lease of up to max due URLs of source_ids[0..n) for this owner
 * (store_frontier_lease), after the inserts queued before it. Returns 1,
 * or 0 when a lease is still out (nothing is queued then). */
int crawldb_lease(struct crawldb *d, const long *source_ids, size_t n, long max);
/* 0 while the lease is out or none was asked for; 1 with *rows (the
 * caller's: store_frontier_urls_free) and *n when it is in; -1 when it
 * failed (crawldb_failed tells why). */
int crawldb_lease_poll(struct crawldb *d, struct store_frontier_url **rows, size_t *n);
/* 1 while a lease is out (asked for, its rows not yet taken). */
int crawldb_leasing(struct crawldb *d);
/* Queues the worker's beat (store_worker_beat as role with done units)
 * and the renewal of its host slots (store_host_renew); a failure is
 * logged, not fatal. */
void crawldb_beat(struct crawldb *d, const char *role, long long done);
/* Waits until everything queued so far is done. Returns 0, or -1 with err
 * once a statement failed (the first failure's message). */
int crawldb_drain(struct crawldb *d, struct lw_error *err);
/* 1 with err set once a statement failed, else 0; does not wait. */
int crawldb_failed(struct crawldb *d, struct lw_error *err);
/* URLs new to the frontier that the adds so far brought. */
long crawldb_discovered(struct crawldb *d);

#endif

/* SPDX-License-Identifier: MIT */
/* A pool of threads that works through one batch of jobs at a time: the
 * caller submits an array, the threads take its jobs one by one (so a long
 * job does not hold up a whole share), and the caller waits for the batch,
 * doing other work meanwhile if it likes. */
#ifndef LW_POOL_H
#define LW_POOL_H

#include <stddef.h>

#include "error.h"

/* Enough for any machine this runs on; more threads than cores only cost. */
#define LW_POOL_MAX_THREADS 64

/* Runs one job on thread number thread (0 .. lw_pool_threads - 1; one
 * thread has one number for the pool's life, so per-thread state such as a
 * scanner can live in an array the caller indexes by it). */
typedef void lw_pool_run_fn(void *ctx, int thread, void *job);

struct lw_pool;

/* Starts threads threads (0: one per online core; at most
 * LW_POOL_MAX_THREADS) that call run(ctx, thread, job). Returns a new pool
 * (lw_pool_free), or NULL with err when a thread cannot be started (those
 * already started are stopped). */
struct lw_pool *lw_pool_new(int threads, lw_pool_run_fn *run, void *ctx, struct lw_error *err);
/* Stops the threads once the current job of each is done. NULL does nothing. */
void lw_pool_free(struct lw_pool *p);
int lw_pool_threads(const struct lw_pool *p);

/* Hands the n jobs of jobs (each size bytes; borrowed until lw_pool_wait
 * returns) to the threads and returns at once. One batch at a time: call
 * lw_pool_wait before the next. */
void lw_pool_submit(struct lw_pool *p, void *jobs, size_t n, size_t size);
/* Blocks until every job of the last batch has run. */
void lw_pool_wait(struct lw_pool *p);

#endif

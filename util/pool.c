/* SPDX-License-Identifier: MIT */
/* A pool of threads working through one batch of jobs at a time (see
 * pool.h): the matcher's analysing threads and the archive's page threads. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "pool.h"
#include "xmalloc.h"

struct thread {
	struct lw_pool *p;
	int index;
	pthread_t t;
};

struct lw_pool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	char *jobs;
	size_t size, n, next, finished;
	int quit;
	int nthreads;                   /* started */
	lw_pool_run_fn *run;
	void *ctx;
	struct thread *t;
};

/* Takes the next job of the current batch, or waits for a batch. NULL: quit. */
static void *take(struct lw_pool *p)
{
	void *j = NULL;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (p->quit)
			break;
		if (p->next < p->n) {
			j = p->jobs + p->next++ * p->size;
			break;
		}
		pthread_cond_wait(&p->work, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return j;
}

static void finish(struct lw_pool *p)
{
	pthread_mutex_lock(&p->mu);
	if (++p->finished == p->n)
		pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->mu);
}

static void *loop(void *arg)
{
	struct thread *t = arg;
	void *j;

	while ((j = take(t->p)) != NULL) {
		t->p->run(t->p->ctx, t->index, j);
		finish(t->p);
	}
	return NULL;
}

struct lw_pool *lw_pool_new(int threads, lw_pool_run_fn *run, void *ctx, struct lw_error *err)
{
	struct lw_pool *p = xcalloc(1, sizeof(*p));
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	long want = threads > 0 ? threads : cores < 1 ? 1 : cores;

	if (want > LW_POOL_MAX_THREADS)
		want = LW_POOL_MAX_THREADS;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->run = run;
	p->ctx = ctx;
	p->t = xcalloc((size_t)want, sizeof(*p->t));
	for (int i = 0; i < want; i++) {
		p->t[i].p = p;
		p->t[i].index = i;
		if (pthread_create(&p->t[i].t, NULL, loop, &p->t[i]) != 0) {
			lw_error_set(err, "cannot start thread %d of %ld", i + 1, want);
			lw_pool_free(p);
			return NULL;
		}
		p->nthreads++;
	}
	return p;
}

void lw_pool_free(struct lw_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->t[i].t, NULL);
	free(p->t);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p);
}

int lw_pool_threads(const struct lw_pool *p)
{
	return p->nthreads;
}

void lw_pool_submit(struct lw_pool *p, void *jobs, size_t n, size_t size)
{
	pthread_mutex_lock(&p->mu);
	p->jobs = jobs;
	p->size = size;
	p->n = n;
	p->next = p->finished = 0;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
}

void lw_pool_wait(struct lw_pool *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->finished < p->n)
		pthread_cond_wait(&p->done, &p->mu);
	p->jobs = NULL;
	p->n = p->next = p->finished = 0;
	pthread_mutex_unlock(&p->mu);
}

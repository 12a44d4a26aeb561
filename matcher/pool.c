/* SPDX-License-Identifier: MIT */
/* A pool of analysing threads, one scanner each: a batch of listings is
 * shared out job by job, so a long listing does not hold up a whole share. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "../util/xmalloc.h"
#include "matcher.h"

/* Enough for any machine this runs on; more threads than cores only cost. */
#define POOL_MAX_THREADS 64

struct worker {
	struct matcher_pool *p;
	struct matcher_scanner *sc;
	pthread_t t;
	int started;
};

struct matcher_pool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct matcher_job *jobs;
	size_t n, next, finished;
	int quit;
	int nthreads;
	struct worker *w;
};

/* Takes the next job of the current batch, or waits for a batch. NULL: quit. */
static struct matcher_job *take(struct matcher_pool *p)
{
	struct matcher_job *j = NULL;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (p->quit)
			break;
		if (p->next < p->n) {
			j = &p->jobs[p->next++];
			break;
		}
		pthread_cond_wait(&p->work, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return j;
}

static void finish(struct matcher_pool *p)
{
	pthread_mutex_lock(&p->mu);
	if (++p->finished == p->n)
		pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->mu);
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct matcher_job *j;

	while ((j = take(w->p)) != NULL) {
		j->rc = matcher_analyze(w->sc, j->text, j->len, j->kind, j->region, &j->a, &j->err);
		finish(w->p);
	}
	return NULL;
}

static int online_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > POOL_MAX_THREADS ? POOL_MAX_THREADS : (int)n;
}

struct matcher_pool *matcher_pool_new(const struct matcher *m, int threads, struct lw_error *err)
{
	struct matcher_pool *p = xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->nthreads = threads > 0 ? (threads > POOL_MAX_THREADS ? POOL_MAX_THREADS : threads)
				  : online_cores();
	p->w = xcalloc((size_t)p->nthreads, sizeof(*p->w));
	for (int i = 0; i < p->nthreads; i++) {
		p->w[i].p = p;
		p->w[i].sc = matcher_scanner_new(m, err);
		if (!p->w[i].sc)
			goto fail;
		if (pthread_create(&p->w[i].t, NULL, run, &p->w[i]) != 0) {
			lw_error_set(err, "cannot start analysing thread %d", i + 1);
			goto fail;
		}
		p->w[i].started = 1;
	}
	return p;
fail:
	matcher_pool_free(p);
	return NULL;
}

void matcher_pool_free(struct matcher_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++) {
		if (p->w[i].started)
			pthread_join(p->w[i].t, NULL);
		matcher_scanner_free(p->w[i].sc);
	}
	free(p->w);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p);
}

int matcher_pool_threads(const struct matcher_pool *p)
{
	return p->nthreads;
}

void matcher_pool_submit(struct matcher_pool *p, struct matcher_job *jobs, size_t n)
{
	pthread_mutex_lock(&p->mu);
	p->jobs = jobs;
	p->n = n;
	p->next = 0;
	p->finished = 0;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
}

void matcher_pool_wait(struct matcher_pool *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->finished < p->n)
		pthread_cond_wait(&p->done, &p->mu);
	p->jobs = NULL;
	p->n = p->next = p->finished = 0;
	pthread_mutex_unlock(&p->mu);
}

/* SPDX-License-Identifier: MIT */
/* A pool of analysing threads, one scanner each: util/pool.c shares a batch
 * of listings out job by job, so a long listing does not hold up a whole
 * share; this file gives each thread its scanner. */
#include <stdlib.h>

#include "../util/pool.h"
#include "../util/xmalloc.h"
#include "matcher.h"

struct matcher_pool {
	struct lw_pool *threads;
	struct matcher_scanner **sc;    /* one per thread, by its number */
	int n;
};

static void run(void *ctx, int thread, void *job)
{
	struct matcher_pool *p = ctx;
	struct matcher_job *j = job;

	j->rc = matcher_analyze(p->sc[thread], j->text, j->len, j->kind, j->region, &j->a, &j->err);
}

struct matcher_pool *matcher_pool_new(const struct matcher *m, int threads, struct lw_error *err)
{
	struct matcher_pool *p = xcalloc(1, sizeof(*p));

	p->threads = lw_pool_new(threads, run, p, err);
	if (!p->threads)
		goto fail;
	/* The threads touch their scanners only once a batch is submitted. */
	p->n = lw_pool_threads(p->threads);
	p->sc = xcalloc((size_t)p->n, sizeof(*p->sc));
	for (int i = 0; i < p->n; i++) {
		p->sc[i] = matcher_scanner_new(m, err);
		if (!p->sc[i])
			goto fail;
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
	lw_pool_free(p->threads);
	for (int i = 0; i < p->n; i++)
		matcher_scanner_free(p->sc[i]);
	free(p->sc);
	free(p);
}

int matcher_pool_threads(const struct matcher_pool *p)
{
	return p->n;
}

void matcher_pool_submit(struct matcher_pool *p, struct matcher_job *jobs, size_t n)
{
	lw_pool_submit(p->threads, jobs, n, sizeof(*jobs));
}

void matcher_pool_wait(struct matcher_pool *p)
{
	lw_pool_wait(p->threads);
}

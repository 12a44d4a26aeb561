/* SPDX-License-Identifier: MIT */
/* util/pool.c: every job of a batch runs once, on a thread whose number is
 * its own while it runs (per-thread state such as a scanner depends on it),
 * batch after batch; the work is shared out; the caller can work between
 * submit and wait. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../util/pool.h"

struct job {
	int id;
	int runs;
	int thread;
	long spin;              /* nanoseconds of work */
};

struct state {
	int busy[LW_POOL_MAX_THREADS];  /* a thread number in use right now */
	int clashes;                    /* two threads ran with one number at once */
	int used[LW_POOL_MAX_THREADS];  /* jobs each thread number ran */
	pthread_mutex_t mu;
};

static void nap(long ns)
{
	struct timespec ts = { 0, ns };

	if (ns)
		nanosleep(&ts, NULL);
}

static void run(void *ctx, int thread, void *job)
{
	struct state *s = ctx;
	struct job *j = job;

	pthread_mutex_lock(&s->mu);
	if (s->busy[thread])
		s->clashes++;
	s->busy[thread] = 1;
	s->used[thread]++;
	pthread_mutex_unlock(&s->mu);
	nap(j->spin);
	j->runs++;
	j->thread = thread;
	pthread_mutex_lock(&s->mu);
	s->busy[thread] = 0;
	pthread_mutex_unlock(&s->mu);
}

static void state_init(struct state *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
}

static void test_batches(void **st)
{
	struct state s;
	struct lw_error err;
	struct lw_pool *p;
	struct job jobs[300];

	(void)st;
	state_init(&s);
	p = lw_pool_new(4, run, &s, &err);
	assert_non_null(p);
	assert_int_equal(lw_pool_threads(p), 4);
	for (int round = 0; round < 20; round++) {
		size_t n = (size_t)(round * 15);       /* an empty batch too */

		memset(jobs, 0, sizeof(jobs));
		for (size_t i = 0; i < n; i++) {
			jobs[i].id = (int)i;
			jobs[i].spin = (long)(i % 7) * 20000;
		}
		lw_pool_submit(p, jobs, n, sizeof(jobs[0]));
		lw_pool_wait(p);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(jobs[i].runs, 1);
			assert_in_range(jobs[i].thread, 0, 3);
		}
		for (size_t i = n; i < sizeof(jobs) / sizeof(jobs[0]); i++)
			assert_int_equal(jobs[i].runs, 0);
	}
	assert_int_equal(s.clashes, 0);
	lw_pool_free(p);
	pthread_mutex_destroy(&s.mu);
}

/* Jobs are taken one at a time: with one slow job in a batch the other
 * threads run the rest. */
static void test_shared_out(void **st)
{
	struct state s;
	struct lw_error err;
	struct lw_pool *p;
	struct job jobs[40];

	(void)st;
	state_init(&s);
	p = lw_pool_new(2, run, &s, &err);
	assert_non_null(p);
	memset(jobs, 0, sizeof(jobs));
	jobs[0].spin = 999999999;                      /* 1 s */
	for (int i = 1; i < 40; i++)
		jobs[i].spin = 1000000;
	lw_pool_submit(p, jobs, 40, sizeof(jobs[0]));
	lw_pool_wait(p);
	for (int i = 1; i < 40; i++)
		assert_int_not_equal(jobs[i].thread, jobs[0].thread);
	assert_int_equal(s.used[0] + s.used[1], 40);
	lw_pool_free(p);
	pthread_mutex_destroy(&s.mu);
}

/* The caller's own work between submit and wait overlaps the batch. */
static void test_overlap(void **st)
{
	struct state s;
	struct lw_error err;
	struct lw_pool *p;
	struct job jobs[2];
	struct timespec a, b;
	double t;

	(void)st;
	state_init(&s);
	p = lw_pool_new(2, run, &s, &err);
	assert_non_null(p);
	memset(jobs, 0, sizeof(jobs));
	jobs[0].spin = jobs[1].spin = 500000000;       /* 0.5 s each, asleep */
	clock_gettime(CLOCK_MONOTONIC, &a);
	lw_pool_submit(p, jobs, 2, sizeof(jobs[0]));
	nap(500000000);
	lw_pool_wait(p);
	clock_gettime(CLOCK_MONOTONIC, &b);
	t = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	/* Without the overlap 1 s; with it 0.5 s plus what a loaded machine adds. */
	assert_true(t < 0.8);
	assert_int_equal(jobs[0].runs + jobs[1].runs, 2);
	lw_pool_free(p);
	pthread_mutex_destroy(&s.mu);
}

static void test_thread_counts(void **st)
{
	struct state s;
	struct lw_error err;
	struct lw_pool *p;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	(void)st;
	state_init(&s);
	p = lw_pool_new(0, run, &s, &err);             /* one per core */
	assert_non_null(p);
	assert_int_equal(lw_pool_threads(p), cores > LW_POOL_MAX_THREADS ? LW_POOL_MAX_THREADS :
			 cores < 1 ? 1 : (int)cores);
	lw_pool_free(p);
	p = lw_pool_new(1000, run, &s, &err);          /* capped */
	assert_non_null(p);
	assert_int_equal(lw_pool_threads(p), LW_POOL_MAX_THREADS);
	lw_pool_free(p);
	lw_pool_free(NULL);
	pthread_mutex_destroy(&s.mu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_shared_out),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_thread_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* The crawl's database thread: frontier settles and inserts, and the
 * politeness questions, on a connection of their own, in order. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "../util/log.h"
#include "../util/xmalloc.h"
#include "crawldb.h"

/* One queued statement. */
struct op {
	struct op *next;
	int what;               /* OP_SETTLE, OP_ADD, OP_LEASE, OP_BEAT */
	long id;                /* settle: frontier row; add: source; lease: most rows;
	                         * beat: units done */
	long *ids;              /* lease: sources */
	int pass, depth;
	char *state, *error, *etag, *last_modified, *hops, *kind;
	double delay;
	long status;
	char **urls;
	size_t n;
};

enum { OP_SETTLE, OP_ADD, OP_LEASE, OP_BEAT };
enum { ASK_NONE, ASK_QUEUED, ASK_RUNNING, ASK_DONE };

struct crawldb {
	pthread_mutex_t mu;
	pthread_cond_t work, idle;
	pthread_t thread;
	int started, stop, busy, failed;
	struct lw_error fatal;
	struct op *head, *tail;
	struct store *st;
	char *owner;
	int lease_seconds;
	long discovered;
	void (*wake)(void *arg);
	void *arg;
	/* The politeness question: it goes before any queued statement, as
	 * request starts wait for it. */
	int ask;
	const struct store_host_ask *asks;
	struct store_host_lease *out;
	size_t nasks;
	int ask_rc;
	double sent, got;
	/* The lease out (in the queue, after the inserts before it, so that
	 * it sees their URLs), and its rows once in. */
	int leasing, leased;
	struct store_frontier_url *rows;
	size_t nrows;
};

static void op_free(struct op *o)
{
	free(o->state);
	free(o->error);
	free(o->etag);
	free(o->last_modified);
	free(o->hops);
	free(o->kind);
	for (size_t i = 0; o->urls && i < o->n; i++)
		free(o->urls[i]);
	free(o->urls);
	free(o->ids);
	free(o);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void push(struct crawldb *d, struct op *o)
{
	pthread_mutex_lock(&d->mu);
	if (d->tail)
		d->tail->next = o;
	else
		d->head = o;
	d->tail = o;
	pthread_cond_signal(&d->work);
	pthread_mutex_unlock(&d->mu);
}

/* Runs o on the thread's connection; 0 or -1 with err. */
static int run_op(struct crawldb *d, struct op *o, struct lw_error *err)
{
	struct store_frontier_url *rows = NULL;
	size_t added = 0, n = 0;

	if (o->what == OP_LEASE) {
		if (store_frontier_lease(d->st, o->ids, o->n, o->id, d->owner, d->lease_seconds, &rows,
					 &n, err) < 0)
			return -1;
		pthread_mutex_lock(&d->mu);
		d->rows = rows;
		d->nrows = n;
		d->leased = 1;
		pthread_mutex_unlock(&d->mu);
		if (d->wake)
			d->wake(d->arg);
		return 0;
	}
	if (o->what == OP_BEAT) {
		/* Logged, not fatal: the crawl goes on without its beat. */
		if (store_worker_beat(d->st, d->owner, o->state, o->id, err) < 0 ||
		    store_host_renew(d->st, d->owner, d->lease_seconds, err) < 0)
			lw_log(LW_LOG_WARN, "worker_beat", "error=%s", lw_log_q(err->msg));
		return 0;
	}
	if (o->what == OP_SETTLE)
		return store_frontier_settle(d->st, o->id, o->state, o->delay, o->status, o->error,
					     o->etag, o->last_modified, o->hops, err);
	if (store_frontier_add(d->st, o->id, o->pass, o->urls, o->n, o->kind, o->depth, &added,
			       err) < 0)
		return -1;
	pthread_mutex_lock(&d->mu);
	d->discovered += (long)added;
	pthread_mutex_unlock(&d->mu);
	return 0;
}

/* The question out, asked without the lock (the loop only polls it). */
static void run_ask(struct crawldb *d)
{
	struct lw_error err;
	double sent = lw_now();
	int rc = store_host_lease(d->st, d->asks, d->nasks, d->owner, d->lease_seconds, d->out, &err);
	double got = lw_now();

	if (rc < 0)
		lw_log(LW_LOG_WARN, "politeness_unshared", "hosts=%zu error=%s", d->nasks,
		       lw_log_q(err.msg));
	pthread_mutex_lock(&d->mu);
	d->ask_rc = rc < 0 ? -1 : 1;
	d->sent = sent;
	d->got = got;
	d->ask = ASK_DONE;
	pthread_mutex_unlock(&d->mu);
	if (d->wake)
		d->wake(d->arg);
}

static void *thread_main(void *arg)
{
	struct crawldb *d = arg;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		struct lw_error err;
		struct op *o;
		int rc;

		while (!d->stop && !d->head && d->ask != ASK_QUEUED)
			pthread_cond_wait(&d->work, &d->mu);
		if (d->ask == ASK_QUEUED) {
			d->ask = ASK_RUNNING;
			pthread_mutex_unlock(&d->mu);
			run_ask(d);
			pthread_mutex_lock(&d->mu);
			continue;
		}
		if (!d->head)
			break;  /* stopping, and nothing left */
		o = d->head;
		d->head = o->next;
		if (!d->head)
			d->tail = NULL;
		d->busy = 1;
		rc = 0;
		if (!d->failed) {
			/* After a failure the crawl stops: what is left is dropped,
			 * its frontier rows leased until their leases expire. */
			pthread_mutex_unlock(&d->mu);
			rc = run_op(d, o, &err);
			pthread_mutex_lock(&d->mu);
		}
		if (rc < 0 && !d->failed) {
			d->failed = 1;
			d->fatal = err;
		}
		d->busy = 0;
		op_free(o);
		if (!d->head || d->failed)
			pthread_cond_broadcast(&d->idle);
		if (rc < 0 && d->wake) {
			pthread_mutex_unlock(&d->mu);
			d->wake(d->arg);
			pthread_mutex_lock(&d->mu);
		}
	}
	pthread_cond_broadcast(&d->idle);
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

struct crawldb *crawldb_new(const struct store *st, const char *owner, int lease_seconds,
			    void (*wake)(void *arg), void *arg, struct lw_error *err)
{
	struct crawldb *d = xcalloc(1, sizeof(*d));

	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->work, NULL);
	pthread_cond_init(&d->idle, NULL);
	d->owner = xstrdup(owner);
	d->lease_seconds = lease_seconds;
	d->wake = wake;
	d->arg = arg;
	d->st = store_clone(st, err);
	/* As the crawl's own connection: a lost settle or insert is redone,
	 * its URL still leased (crawler_run). */
	if (!d->st || store_commit_async(d->st, 1, err) < 0)
		goto fail;
	if (pthread_create(&d->thread, NULL, thread_main, d) != 0) {
		lw_error_set(err, "cannot start the crawl's database thread");
		goto fail;
	}
	d->started = 1;
	return d;
fail:
	crawldb_free(d);
	return NULL;
}

void crawldb_free(struct crawldb *d)
{
	if (!d)
		return;
	if (d->started) {
		pthread_mutex_lock(&d->mu);
		d->stop = 1;
		pthread_cond_signal(&d->work);
		pthread_mutex_unlock(&d->mu);
		pthread_join(d->thread, NULL);
	}
	while (d->head) {
		struct op *o = d->head;

		d->head = o->next;
		op_free(o);
	}
	store_frontier_urls_free(d->rows, d->nrows);
	store_close(d->st);
	free(d->owner);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->work);
	pthread_cond_destroy(&d->idle);
	free(d);
}

void crawldb_settle(struct crawldb *d, long id, const char *state, double delay, long status,
		    const char *error, const char *etag, const char *last_modified, char *hops)
{
	struct op *o = xcalloc(1, sizeof(*o));

	o->id = id;
	o->state = xstrdup(state);
	o->delay = delay;
	o->status = status;
	o->error = dup_or_null(error);
	o->etag = dup_or_null(etag);
	o->last_modified = dup_or_null(last_modified);
	o->hops = hops;
	push(d, o);
}

void crawldb_add(struct crawldb *d, long source_id, int pass, char **urls, size_t n,
		 const char *kind, int depth)
{
	struct op *o = xcalloc(1, sizeof(*o));

	o->what = OP_ADD;
	o->id = source_id;
	o->pass = pass;
	o->kind = xstrdup(kind);
	o->depth = depth;
	o->urls = xcalloc(n ? n : 1, sizeof(*o->urls));
	memcpy(o->urls, urls, n * sizeof(*urls));
	o->n = n;
	push(d, o);
}

int crawldb_host_lease(struct crawldb *d, const struct store_host_ask *asks, size_t n,
		       struct store_host_lease *out)
{
	pthread_mutex_lock(&d->mu);
	d->asks = asks;
	d->nasks = n;
	d->out = out;
	d->ask = ASK_QUEUED;
	pthread_cond_signal(&d->work);
	pthread_mutex_unlock(&d->mu);
	return 1;
}

int crawldb_host_poll(struct crawldb *d, double *sent, double *got)
{
	int rc = 0;

	pthread_mutex_lock(&d->mu);
	if (d->ask == ASK_DONE) {
		rc = d->ask_rc;
		*sent = d->sent;
		*got = d->got;
		d->ask = ASK_NONE;
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

int crawldb_drain(struct crawldb *d, struct lw_error *err)
{
	int rc = 0;

	pthread_mutex_lock(&d->mu);
	while ((d->head || d->busy) && !d->failed)
		pthread_cond_wait(&d->idle, &d->mu);
	if (d->failed) {
		*err = d->fatal;
		rc = -1;
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

int crawldb_failed(struct crawldb *d, struct lw_error *err)
{
	int failed;

	pthread_mutex_lock(&d->mu);
	failed = d->failed;
	if (failed)
		*err = d->fatal;
	pthread_mutex_unlock(&d->mu);
	return failed;
}

long crawldb_discovered(struct crawldb *d)
{
	long n;

	pthread_mutex_lock(&d->mu);
	n = d->discovered;
	pthread_mutex_unlock(&d->mu);
	return n;
}

int crawldb_lease(struct crawldb *d, const long *source_ids, size_t n, long max)
{
	struct op *o;

	pthread_mutex_lock(&d->mu);
	if (d->leasing) {
		pthread_mutex_unlock(&d->mu);
		return 0;
	}
	d->leasing = 1;
	pthread_mutex_unlock(&d->mu);
	o = xcalloc(1, sizeof(*o));
	o->what = OP_LEASE;
	o->id = max;
	o->ids = xcalloc(n ? n : 1, sizeof(*o->ids));
	memcpy(o->ids, source_ids, n * sizeof(*source_ids));
	o->n = n;
	push(d, o);
	return 1;
}

int crawldb_lease_poll(struct crawldb *d, struct store_frontier_url **rows, size_t *n)
{
	int rc = 0;

	pthread_mutex_lock(&d->mu);
	if (d->leasing && (d->leased || d->failed)) {
		rc = d->leased ? 1 : -1;
		*rows = d->rows;
		*n = d->nrows;
		d->rows = NULL;
		d->nrows = 0;
		d->leasing = d->leased = 0;
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

int crawldb_leasing(struct crawldb *d)
{
	int leasing;

	pthread_mutex_lock(&d->mu);
	leasing = d->leasing;
	pthread_mutex_unlock(&d->mu);
	return leasing;
}

void crawldb_beat(struct crawldb *d, const char *role, long long done)
{
	struct op *o = xcalloc(1, sizeof(*o));

	o->what = OP_BEAT;
	o->state = xstrdup(role);
	o->id = (long)done;
	push(d, o);
}

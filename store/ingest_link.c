/* SPDX-License-Identifier: MIT */
/* Linking in the background (migration 115). A batch written by `lurewatch
 * ingest` commits its listings, details and fingerprints and names them in
 * link_pending; then this links them into networks and raises their queue
 * items, on a second connection and thread, while the writer writes the
 * next batch. Linking was most of what a batch's transaction cost on top
 * of storing it (PostgreSQL CPU +55-75% over 30k listings), and with the
 * writer waiting on it one of the two cores sat idle.
 *
 * A linker takes every committed listing link_pending names, whoever wrote
 * it, under the same lock as linking in a batch's own transaction
 * (LOCK_LINK): what a killed process left there is linked by the next
 * linker, and two processes' batches are linked one after the other as
 * before. A listing waiting here has details and no network; the lookups
 * go through listings that have one (migration 115), so a batch linked
 * meanwhile does not tie to it, and it ties to that batch when its turn
 * comes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"
#include "../util/xmalloc.h"
#include "store_internal.h"

#define LINK_CONFLICT_RETRIES 5

struct link_bg {
	struct store *st;       /* the linker's own connection, made on first use */
	int staged;             /* its session has the stage table */
	/* What the run in flight links with: copies of the writer's settings,
	 * which the caller may change between runs only. */
	const char *skip;
	int max_bits;
	const struct link_hubs *hubs;
	double retry_seconds;
	pthread_t thread;
	int running;
	int rc;                 /* the last run's outcome */
	struct lw_error err;
};

struct link_bg *link_bg_new(void)
{
	return xcalloc(1, sizeof(struct link_bg));
}

/* One attempt, in one transaction. */
static int drain_once(struct link_bg *b, struct lw_error *err)
{
	PGresult *res = NULL;
	long long *ids = NULL;
	size_t n = 0, taken;
	int rc = -1;

	if (db_begin(b->st, err) < 0)
		goto fail;
	if (!b->staged && db_exec(b->st, ingest_stage_sql(), 0, NULL, NULL, err) < 0)
		goto fail;
	b->staged = 1;
	/* The lock first: the rows taken are then every batch committed before
	 * it, and linked after every batch linked before it. A listing named
	 * twice (changed again before its first turn) is linked once, with its
	 * newest version; one deleted meanwhile is dropped. */
	if (db_exec(b->st, "SELECT pg_advisory_xact_lock(" LOCK_LINK ")", 0, NULL, NULL, err) < 0 ||
	    db_exec(b->st,
		    "WITH d AS (DELETE FROM link_pending RETURNING *),"
		    " u AS (SELECT x.* FROM d CROSS JOIN LATERAL unnest(d.listing_ids, d.version_ids,"
		    " d.links_same, d.flagged) AS x(listing_id, version_id, links_same, flagged))"
		    " INSERT INTO ingest_stage (listing_id, version_id, links_same, flagged)"
		    " SELECT u.listing_id, max(u.version_id), bool_and(u.links_same), bool_or(u.flagged)"
		    " FROM u WHERE EXISTS (SELECT FROM listings l WHERE l.id = u.listing_id)"
		    " GROUP BY u.listing_id",
		    0, NULL, &res, err) < 0)
		goto fail;
	taken = strtoul(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	res = NULL;
	if (taken == 0) {
		if (db_commit(b->st, err) < 0)
			goto fail;
		return 0;
	}
	if (db_exec(b->st, "SELECT listing_id FROM ingest_stage WHERE NOT links_same", 0, NULL,
		    &res, err) < 0)
		goto fail;
	n = (size_t)PQntuples(res);
	ids = xcalloc(n ? n : 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
	PQclear(res);
	res = NULL;
	/* Then the batch's own priority step, as in its transaction. */
	if (link_listings(b->st, ids, n, b->skip, b->max_bits, 0, b->hubs, err) < 0 ||
	    db_exec(b->st, "SELECT pg_advisory_xact_lock(" LOCK_QUEUE ")", 0, NULL, NULL, err) < 0 ||
	    db_exec(b->st, ingest_priority_sql(), 0, NULL, NULL, err) < 0 ||
	    db_commit(b->st, err) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	PQclear(res);
	db_rollback(b->st);
	b->staged = 0; /* the temp table dies with a broken connection */
out:
	free(ids);
	return rc;
}

/* Retries as the writer does (write_batch in store/ingest.c). */
static void *run(void *arg)
{
	struct link_bg *b = arg;
	struct db_retry_state r = { 0, 0, 0 };
	enum db_retry how;

	for (;;) {
		b->rc = drain_once(b, &b->err);
		if (b->rc == 0)
			break;
		how = db_retry_next(b->st, &r, LINK_CONFLICT_RETRIES, b->retry_seconds);
		if (how == DB_RETRY_NO)
			break;
		if (how == DB_RETRY_CONFLICT)
			lw_log(LW_LOG_WARN, "link_conflict_retry", "attempt=%d error=%s", r.conflicts,
			       lw_log_q(b->err.msg));
		else
			lw_log(LW_LOG_WARN, "link_retry", "wait=%.1f waited=%.1f error=%s", r.pause,
			       r.waited, lw_log_q(b->err.msg));
		db_retry_sleep(&r, how);
	}
	if (b->rc < 0)
		lw_error_prefix(&b->err,
				"linking in the background (the listings are stored, and wait in"
				" link_pending for the next `lurewatch ingest` to link them)");
	return NULL;
}

int link_bg_wait(struct link_bg *b, struct lw_error *err)
{
	if (!b || !b->running)
		return 0;
	pthread_join(b->thread, NULL);
	b->running = 0;
	if (b->rc < 0) {
		*err = b->err;
		return -1;
	}
	return 0;
}

int link_bg_start(struct link_bg *b, const struct store *writer, const char *skip, int max_bits,
		  const struct link_hubs *hubs, double retry_seconds, struct lw_error *err)
{
	if (link_bg_wait(b, err) < 0)
		return -1;
	if (!b->st) {
		b->st = store_open_timed(writer->conninfo, 0, &writer->timeouts, err);
		if (!b->st)
			return -1;
	}
	b->skip = skip;
	b->max_bits = max_bits;
	b->hubs = hubs;
	b->retry_seconds = retry_seconds;
	b->rc = 0;
	if (pthread_create(&b->thread, NULL, run, b) != 0) {
		/* No thread to be had: link here, as the batch would have. */
		run(b);
		if (b->rc < 0) {
			*err = b->err;
			return -1;
		}
		return 0;
	}
	b->running = 1;
	return 0;
}

void link_bg_free(struct link_bg *b)
{
	struct lw_error ignored;

	if (!b)
		return;
	link_bg_wait(b, &ignored);
	store_close(b->st);
	free(b);
}

/* SPDX-License-Identifier: MIT */
/* Ingestion on all cores: listings are buffered, analysed a round at a time
 * on the pool, and fed to the store while the pool analyses the next round. */
#include <stdlib.h>
#include <string.h>

#include "../util/xmalloc.h"
#include "engine.h"

/* A listing (or rescan row) while it waits for its analysis: owned copies. */
struct entry {
	char *url, *source, *title, *body, *location, *posted, *origin;
	char *etag, *last_modified, *redirects, *outlinks;
	char *capture;
	long frontier_id, http_status;
	long listing_id, version_id;    /* rescan rows only */
	char *links;                    /* rescan rows: store_rescan_row.links */
	int has_simhash;
	long long simhash;
	int rescan;
	char *text;                     /* what is analysed: store_compose_text */
	size_t len;
};

/* Listings analysed at a time (see engine_ingest_new). */
#define ROUND_MAX 500

struct round {
	struct entry *v;
	struct matcher_job *jobs;
	size_t n;
};

struct engine_ingest {
	struct store_ingest *in;
	struct matcher_pool *pool;
	struct round rounds[2];
	int cur;                        /* round being filled; the other may be in flight */
	int inflight;
	size_t cap;                     /* listings per round */
	char *region;
	engine_reject_fn *reject;
	void *reject_ctx;
	struct store_ingest_stats stats;
	size_t analysis_failed;
	int failed;
	struct lw_error fatal;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void entry_release(struct entry *x)
{
	free(x->url);
	free(x->source);
	free(x->title);
	free(x->body);
	free(x->links);
	free(x->location);
	free(x->posted);
	free(x->origin);
	free(x->etag);
	free(x->last_modified);
	free(x->redirects);
	free(x->outlinks);
	free(x->capture);
	free(x->text);
	memset(x, 0, sizeof(*x));
}

struct engine_ingest *engine_ingest_new(struct store *st, const struct matcher *m,
					const char *default_source, const char *actor,
					size_t batch_size, int threads, struct lw_error *err)
{
	struct engine_ingest *e = xcalloc(1, sizeof(*e));

	/* Rounds of at most ROUND_MAX, fed to the store's batches (which end
	 * where they always did) a round at a time. A round as large as a
	 * batch kept the server idle until two batches had been read and one
	 * analysed, and held twice a batch's listings in memory. */
	e->cap = batch_size && batch_size < ROUND_MAX ? batch_size : ROUND_MAX;
	e->region = xstrdup("NZ");
	for (int i = 0; i < 2; i++) {
		e->rounds[i].v = xcalloc(e->cap, sizeof(*e->rounds[i].v));
		e->rounds[i].jobs = xcalloc(e->cap, sizeof(*e->rounds[i].jobs));
		for (size_t j = 0; j < e->cap; j++)
			matcher_analysis_init(&e->rounds[i].jobs[j].a);
	}
	e->in = store_ingest_new(st, m, default_source, actor, batch_size, err);
	if (!e->in)
		goto fail;
	e->pool = matcher_pool_new(m, threads, err);
	if (!e->pool)
		goto fail;
	return e;
fail:
	engine_ingest_free(e);
	return NULL;
}

static void round_clear(struct round *r)
{
	for (size_t i = 0; i < r->n; i++)
		entry_release(&r->v[i]);
	r->n = 0;
}

void engine_ingest_free(struct engine_ingest *e)
{
	if (!e)
		return;
	if (e->inflight)
		matcher_pool_wait(e->pool);
	matcher_pool_free(e->pool);
	for (int i = 0; i < 2; i++) {
		round_clear(&e->rounds[i]);
		for (size_t j = 0; j < e->cap; j++)
			matcher_analysis_release(&e->rounds[i].jobs[j].a);
		free(e->rounds[i].v);
		free(e->rounds[i].jobs);
	}
	store_ingest_free(e->in);
	free(e->region);
	free(e);
}

void engine_ingest_set_links(struct engine_ingest *e, char *const *exclude, size_t n,
			     int max_bits, const char *region)
{
	store_ingest_set_links(e->in, exclude, n, max_bits);
	free(e->region);
	e->region = xstrdup(region && region[0] ? region : "NZ");
}

void engine_ingest_set_rules(struct engine_ingest *e, const struct store_network_rules *r)
{
	store_ingest_set_rules(e->in, r);
}

void engine_ingest_set_flagged_only(struct engine_ingest *e, int on)
{
	store_ingest_set_flagged_only(e->in, on);
}

void engine_ingest_on_reject(struct engine_ingest *e, engine_reject_fn *fn, void *ctx)
{
	e->reject = fn;
	e->reject_ctx = ctx;
}

void engine_ingest_set_writer(struct engine_ingest *e, int on)
{
	store_ingest_set_writer(e->in, on);
}

void engine_ingest_set_retry(struct engine_ingest *e, double seconds)
{
	store_ingest_set_retry(e->in, seconds);
}

int engine_ingest_failed(const struct engine_ingest *e)
{
	return e->failed;
}

const struct store_ingest_stats *engine_ingest_stats(const struct engine_ingest *e)
{
	struct engine_ingest *w = (struct engine_ingest *)e;

	w->stats = *store_ingest_stats(e->in);
	w->stats.failed += e->analysis_failed;
	return &w->stats;
}

/* ---- feeding the store ------------------------------------------------------ */

static void listing_of(const struct entry *x, struct store_listing *l)
{
	memset(l, 0, sizeof(*l));
	l->url = x->url;
	l->source = x->source;
	l->title = x->title;
	l->body = x->body;
	l->location = x->location;
	l->posted = x->posted;
	l->origin = x->origin;
	l->frontier_id = x->frontier_id;
	l->etag = x->etag;
	l->last_modified = x->last_modified;
	l->http_status = x->http_status;
	l->redirects_json = x->redirects;
	l->capture_json = x->capture;
	l->outlinks_json = x->outlinks;
}

static int store_one(struct engine_ingest *e, const struct entry *x, const struct matcher_job *j,
		     struct lw_error *err)
{
	struct store_rescan_row row;
	struct store_listing l;

	if (!x->rescan) {
		listing_of(x, &l);
		return store_ingest_add(e->in, &l, &j->a, err);
	}
	memset(&row, 0, sizeof(row));
	row.listing_id = x->listing_id;
	row.version_id = x->version_id;
	row.url = x->url;
	row.source = x->source;
	row.title = x->title;
	row.body = x->body;
	row.links = x->links;
	row.has_simhash = x->has_simhash;
	row.simhash = x->simhash;
	return store_ingest_rescore(e->in, &row, &j->a, err);
}

static void rejected(struct engine_ingest *e, const struct entry *x, const char *msg)
{
	struct store_listing l;

	listing_of(x, &l);
	if (e->reject)
		e->reject(&l, msg, e->reject_ctx);
}

/* Hands an analysed round to the store, in order. A batch that cannot be
 * written ends the session: err says why. */
static int feed(struct engine_ingest *e, struct round *r, struct lw_error *err)
{
	int rc = 0;

	for (size_t i = 0; i < r->n && rc == 0; i++) {
		struct matcher_job *j = &r->jobs[i];
		struct lw_error e1;

		if (j->rc < 0) {
			e->analysis_failed++;
			rejected(e, &r->v[i], j->err.msg);
		} else if (store_one(e, &r->v[i], j, &e1) < 0) {
			if (store_ingest_failed(e->in)) {
				*err = e1;
				rc = -1;
			} else {
				rejected(e, &r->v[i], e1.msg);
			}
		}
	}
	for (size_t i = 0; i < r->n; i++) {
		matcher_analysis_release(&r->jobs[i].a);
		matcher_analysis_init(&r->jobs[i].a);
	}
	round_clear(r);
	if (rc < 0) {
		e->failed = 1;
		e->fatal = *err;
	}
	return rc;
}

/* Starts the filled round on the pool, then stores the round before it
 * while the pool works. */
static int cycle(struct engine_ingest *e, struct lw_error *err)
{
	struct round *cur = &e->rounds[e->cur], *prev = &e->rounds[!e->cur];
	int had = e->inflight;

	if (had)
		matcher_pool_wait(e->pool);
	e->inflight = 0;
	if (cur->n) {
		for (size_t i = 0; i < cur->n; i++) {
			struct matcher_job *j = &cur->jobs[i];

			j->text = cur->v[i].text;
			j->len = cur->v[i].len;
			j->kind = MATCHER_INPUT_TEXT;
			j->region = e->region;
			j->rc = 0;
		}
		matcher_pool_submit(e->pool, cur->jobs, cur->n);
		e->inflight = 1;
		e->cur = !e->cur;
	}
	return had ? feed(e, prev, err) : 0;
}

static struct entry *next_entry(struct engine_ingest *e, struct lw_error *err)
{
	struct round *r = &e->rounds[e->cur];

	if (e->failed) {
		lw_error_set(err, "ingestion stopped after a failed batch: %s", e->fatal.msg);
		return NULL;
	}
	if (r->n == e->cap && cycle(e, err) < 0)
		return NULL;
	r = &e->rounds[e->cur];
	return &r->v[r->n];
}

static void commit_entry(struct engine_ingest *e, struct entry *x)
{
	x->text = store_compose_text(x->title, x->body, &x->len);
	e->rounds[e->cur].n++;
}

int engine_ingest_add(struct engine_ingest *e, const struct store_listing *l,
		      struct lw_error *err)
{
	struct entry *x = next_entry(e, err);

	if (!x)
		return -1;
	memset(x, 0, sizeof(*x));
	if (l->is_html && l->body) {
		size_t n;

		x->body = matcher_html_text(l->body, strlen(l->body), &n, err);
		if (!x->body) {
			e->analysis_failed++;
			return lw_error_prefix(err, "listing '%s'", l->url ? l->url : "");
		}
	} else {
		x->body = dup_or_null(l->body);
	}
	x->url = dup_or_null(l->url);
	x->source = dup_or_null(l->source);
	x->title = dup_or_null(l->title);
	x->location = dup_or_null(l->location);
	x->posted = dup_or_null(l->posted);
	x->origin = dup_or_null(l->origin);
	x->etag = dup_or_null(l->etag);
	x->last_modified = dup_or_null(l->last_modified);
	x->redirects = dup_or_null(l->redirects_json);
	x->outlinks = dup_or_null(l->outlinks_json);
	x->capture = dup_or_null(l->capture_json);
	x->frontier_id = l->frontier_id;
	x->http_status = l->http_status;
	commit_entry(e, x);
	return 0;
}

int engine_ingest_rescore(struct engine_ingest *e, const struct store_rescan_row *row,
			  struct lw_error *err)
{
	struct entry *x;

	if (row->scored) {
		store_ingest_note_scored(e->in, row->flagged);
		return 0;
	}
	x = next_entry(e, err);
	if (!x)
		return -1;
	memset(x, 0, sizeof(*x));
	x->rescan = 1;
	x->listing_id = row->listing_id;
	x->version_id = row->version_id;
	x->url = xstrdup(row->url);
	x->origin = xstrdup(row->url);
	x->source = xstrdup(row->source);
	x->title = xstrdup(row->title);
	x->body = xstrdup(row->body);
	x->links = row->links ? xstrdup(row->links) : NULL;
	x->has_simhash = row->has_simhash;
	x->simhash = row->simhash;
	commit_entry(e, x);
	return 0;
}

int engine_ingest_flush(struct engine_ingest *e, struct lw_error *err)
{
	if (e->failed)
		return lw_error_set(err, "%s", e->fatal.msg);
	/* Twice: the filled round goes to the pool, then both reach the store. */
	if (cycle(e, err) < 0 || cycle(e, err) < 0)
		return -1;
	if (store_ingest_flush(e->in, err) < 0) {
		e->failed = 1;
		e->fatal = *err;
		return -1;
	}
	return 0;
}

void engine_ingest_set_defer_priority(struct engine_ingest *e, int on)
{
	store_ingest_set_defer_priority(e->in, on);
}

int engine_ingest_priority_run(struct engine_ingest *e, long lo, long hi, int whole,
			       struct lw_error *err)
{
	if (engine_ingest_flush(e, err) < 0)
		return -1;
	if (store_ingest_priority_run(e->in, lo, hi, whole, err) < 0) {
		e->failed = 1;
		e->fatal = *err;
		return -1;
	}
	return 0;
}

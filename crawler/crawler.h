/* SPDX-License-Identifier: MIT */
/* The crawler: sources from the configuration, a frontier shared through
 * PostgreSQL, polite fetching, extraction, and the store's ingestion path. */
#ifndef LW_CRAWLER_H
#define LW_CRAWLER_H

#include <signal.h>
#include <stddef.h>

#include "../config/config.h"
#include "../matcher/matcher.h"
#include "../store/store.h"
#include "../util/error.h"

struct crawler_options {
	char *const *sources;           /* names to crawl; none: every enabled source */
	size_t nsources;
	int once;                       /* cron run: skip a source another run holds */
	int force;                      /* start a pass now even if not due */
	long max_pages;                 /* per source for this run; 0: the source's own */
	int progress;                   /* live line on stderr */
	volatile sig_atomic_t *stop;    /* set by a signal handler: finish and release */
	const char *owner;              /* lease owner, e.g. host:pid */
	const char *role;               /* in the worker registry; NULL: "crawl" */
	int keep_worker;                /* stay registered after the run (a daemon
	                                 * beats between its rounds itself) */
	long long done_base;            /* pages of earlier runs, added to the beat */
	int ignore_robots;              /* benchmarks only; never for real sites */
};

struct crawler_stats {
	long fetched;                   /* 2xx responses processed */
	long not_modified;              /* 304: not processed again */
	long failed;                    /* gave up (recorded in the frontier) */
	long retries;                   /* rescheduled attempts */
	long skipped;                   /* robots.txt or host not allowed */
	long listings;                  /* ad pages handed to ingestion */
	long discovered;                /* URLs added to the frontier */
	long sources_run, sources_locked;
	char cut_short[512];            /* "name: max_depth=5; ..." for each source
	                                 * whose pass a limit ended early, or "" */
	double seconds;
};

/* Crawls until every selected source's current pass is done (or *stop).
 * Returns 0, or -1 with err on a configuration, database or ingestion
 * failure (work done so far is kept; leases are given back). */
int crawler_run(const struct config *cfg, struct store *st, const struct matcher *m,
		const struct crawler_options *o, struct crawler_stats *stats, struct lw_error *err);

#endif

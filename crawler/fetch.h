/* SPDX-License-Identifier: MIT */
/* Polite concurrent fetching with libcurl's multi interface: per-host
 * queues with a minimum delay and a connection cap, robots.txt fetched and
 * obeyed per host, manual redirects (each hop checked and recorded), capped
 * bodies, conditional GET, and no connections to private addresses unless
 * a source allows them. One attempt per request: retries are the caller's
 * (the frontier reschedules them, so they survive a crash). */
#ifndef LW_FETCH_H
#define LW_FETCH_H

#include <stddef.h>

#include "../util/error.h"

/* A window in which this process alone may start requests to a host, at its
 * interval, with at most slots transfers to it running. */
struct fetch_lease {
	int granted;
	double start_in;                /* seconds from the budget's now */
	double length;                  /* seconds */
	int slots;
	double wait;                    /* not granted: seconds before asking again */
};

/* What the fetcher asks the shared budget about one host. */
struct fetch_ask {
	const char *host;
	double length;                  /* seconds of window wanted */
	double ahead;                   /* granted only if it starts within this */
	int connections, inflight;
	int want;                       /* 0: only report inflight */
};

struct fetch_options {
	const char *user_agent;         /* its first word is the robots.txt product token */
	long connect_timeout;           /* seconds */
	long timeout;                   /* seconds, whole transfer */
	long low_speed_time, low_speed_limit;
	size_t max_body;                /* bytes after decompression */
	int max_redirects;
	int total_connections;
	int ignore_robots;              /* benchmarks only */
	void (*ctx_free)(void *ctx);    /* frees the ctx of requests never delivered */
	/* Politeness shared with other processes (NULL: this process alone):
	 * lease asks, for each of n hosts (sorted by name) at once, for its
	 * next window of length seconds, granted when it can start within
	 * ahead seconds, reporting inflight transfers to it (want 0: only
	 * report them, giving spare connections back). Returns 0 with out[i]
	 * for asks[i], or -1 when it cannot tell (requests to those hosts then
	 * start under local politeness alone, and it is asked again a second
	 * later). */
	int (*lease)(void *actx, const struct fetch_ask *asks, size_t n, struct fetch_lease *out);
	void *actx;
};

/* How to treat a host, taken from the first request that names it. */
struct fetch_policy {
	double min_interval;            /* seconds between request starts; 0: none */
	int connections;                /* concurrent transfers */
	int allow_private;              /* loopback/private/link-local allowed */
};

struct fetch_result {
	void *ctx;
	const char *url;                /* as requested */
	const char *final_url;          /* after redirects */
	char *const *hops;              /* every URL requested, in order */
	size_t nhops;
	long status;                    /* HTTP status of the last response; 0: none */
	const char *body;               /* NUL-terminated; NULL when none */
	size_t len;
	const char *content_type, *etag, *last_modified;
	const char *error;              /* NULL when the transfer completed */
	int robots_disallowed;          /* not fetched: robots.txt says no */
	int retryable;                  /* timeout, connection failure, 5xx, 429 */
	double retry_after;             /* seconds the server asked for, or -1 */
	double seconds;                 /* time from first request to result */
};

/* Called once per request added, from inside fetcher_run. */
typedef void (*fetch_done_fn)(const struct fetch_result *r, void *arg);
/* Whether a redirect to url may be followed for the request with ctx. */
typedef int (*fetch_allow_fn)(void *ctx, const char *url);

struct fetcher;

struct fetcher *fetcher_new(const struct fetch_options *o, fetch_done_fn done, void *arg,
			    struct lw_error *err);
/* Ends every transfer (without calling done) and frees the fetcher. */
void fetcher_free(struct fetcher *f);

/* Queues url (absolute http/https). etag and last_modified (may be NULL)
 * make it a conditional GET. Returns 0 or -1 with err (bad URL). */
int fetcher_add(struct fetcher *f, const char *url, const char *etag, const char *last_modified,
		const struct fetch_policy *pol, fetch_allow_fn allow, void *ctx,
		struct lw_error *err);

/* Starts what politeness allows, waits up to timeout_ms for activity, and
 * delivers finished requests. Returns 0 or -1 with err (curl failure). */
int fetcher_run(struct fetcher *f, int timeout_ms, struct lw_error *err);

/* Requests queued or in flight. */
size_t fetcher_pending(const struct fetcher *f);

/* Interrupts a fetcher_run wait; safe from a signal handler. */
void fetcher_wakeup(struct fetcher *f);

#endif

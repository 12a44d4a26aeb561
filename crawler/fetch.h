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

#include "../store/store.h"
#include "../util/error.h"

/* The shared budget is asked with the store's own types (struct
 * store_host_ask and store_host_lease): the fetcher fills them, and the
 * crawler hands them to store_host_lease as they are, with no copy either
 * way on a path taken every loop turn. */

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
	 * later), or 1 when the answer comes later: the fetch loop then goes
	 * on (hosts with a window keep starting) and calls lease_poll at each
	 * turn until it returns 1 (out[] filled; *sent and *got the local
	 * clock just before the question went and just after the answer came)
	 * or -1 (as lease's -1). asks and out, and the host names they point
	 * to, stay untouched and alive until then (fetcher_free waits for no
	 * one: the caller lets the answer come before freeing the fetcher).
	 * Only one question is out at a time. */
	int (*lease)(void *actx, const struct store_host_ask *asks, size_t n,
		     struct store_host_lease *out);
	int (*lease_poll)(void *actx, double *sent, double *got);
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

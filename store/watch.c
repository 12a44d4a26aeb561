/* SPDX-License-Identifier: MIT */
/* `queue watch`'s connection: LISTEN for items that become available, and
 * ride out the server going away (a backend terminated, a restart, a frozen
 * server): TCP keepalives and an idle ping notice a silent connection, the
 * watch reconnects with backoff, catches up on what became available
 * meanwhile, and shows each item's state once. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../util/xmalloc.h"
#include "store_internal.h"

#define WATCH_CHANNEL "lurewatch_queue"
#define WATCH_POLL_MS 500
/* A connection quiet this long is asked a SELECT 1: keepalives go unanswered
 * only when the host is gone, not when the server process is frozen. */
#define WATCH_IDLE_PING 10.0
/* The watch's statements are tiny: its statement timeout, and with the
 * grace of store/wait.c, at most 10 s for an answer. */
#define WATCH_TIMEOUT 5
#define KEEPALIVE_IDLE 10
#define KEEPALIVE_INTERVAL 5
#define KEEPALIVE_COUNT 3
#define BACKOFF_FIRST 0.5
#define BACKOFF_MAX 30.0

/* The item and its version: shown again only when the version changes. */
static const char item_sql[] =
	"SELECT json_build_object('item', " ITEM_JSON ", 'stamp',"
	" (extract(epoch FROM q.updated_at) * 1000000)::bigint)"
	" FROM queue_items q" ITEM_JOINS " WHERE q.id = $1";

/* Items that became available at or after $1, oldest first. */
static const char catch_up_sql[] =
	"SELECT coalesce(json_agg(json_build_object('item', t.item, 'stamp', t.stamp)"
	" ORDER BY t.stamp, t.id), '[]') FROM (SELECT " ITEM_JSON " AS item, q.id,"
	" (extract(epoch FROM q.updated_at) * 1000000)::bigint AS stamp"
	" FROM queue_items q" ITEM_JOINS
	" WHERE q.status = 'new' AND q.updated_at >= $1::timestamptz) t";

/* From when a catch-up after the next loss must look: now, or the start of
 * the oldest transaction still writing, whose rows carry that start as
 * updated_at and whose notification a lost connection would miss. */
static const char mark_sql[] =
	"SELECT json_build_object('mark', least(now(), (SELECT min(xact_start)"
	" FROM pg_stat_activity WHERE backend_xid IS NOT NULL))::text)";

/* ---- items shown: id -> version, open addressing ---------------------------------- */

struct seen {
	long *id;               /* 0: empty slot */
	int64_t *stamp;
	size_t n, cap;
};

static size_t slot(const struct seen *s, long id)
{
	size_t i = ((uint64_t)id * 0x9e3779b97f4a7c15u) >> 20;

	for (i &= s->cap - 1; s->id[i] && s->id[i] != id; i = (i + 1) & (s->cap - 1))
		;
	return i;
}

static void seen_grow(struct seen *s)
{
	struct seen b = { xcalloc(s->cap ? 2 * s->cap : 1024, sizeof(long)),
			  xcalloc(s->cap ? 2 * s->cap : 1024, sizeof(int64_t)), s->n,
			  s->cap ? 2 * s->cap : 1024 };

	for (size_t i = 0; i < s->cap; i++)
		if (s->id[i]) {
			size_t j = slot(&b, s->id[i]);

			b.id[j] = s->id[i];
			b.stamp[j] = s->stamp[i];
		}
	free(s->id);
	free(s->stamp);
	*s = b;
}

/* 1 when id was already shown at this version; else records it, 0. */
static int seen_check(struct seen *s, long id, int64_t stamp)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap)
		seen_grow(s);
	i = slot(s, id);
	if (s->id[i] && s->stamp[i] == stamp)
		return 1;
	if (!s->id[i])
		s->n++;
	s->id[i] = id;
	s->stamp[i] = stamp;
	return 0;
}

/* ---- the watch ---------------------------------------------------------------------- */

struct watch {
	struct store *st;
	int (*fn)(json_t *item, void *ctx);
	void *ctx;
	volatile int *stop;
	FILE *notes;
	struct seen seen;
	char mark[64];          /* server time the catch-up after a loss starts from */
	double last_heard;      /* when the server last said something */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Keepalives on a TCP connection (a Unix socket has no host to lose).
 * Failures only cost the early warning: the idle ping still comes. */
static void keepalive(int fd)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);
	int on = 1, idle = KEEPALIVE_IDLE, intvl = KEEPALIVE_INTERVAL, cnt = KEEPALIVE_COUNT;

	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0 ||
	    (a.ss_family != AF_INET && a.ss_family != AF_INET6))
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* Hands {item, stamp} to fn unless that version was shown: 0 not shown,
 * 1 shown, 2 shown and fn asks to stop. */
static int show(struct watch *w, json_t *o)
{
	json_t *item = json_object_get(o, "item");
	long id = (long)json_integer_value(json_object_get(item, "id"));

	if (!json_is_object(item) || id <= 0 ||
	    seen_check(&w->seen, id, json_integer_value(json_object_get(o, "stamp"))))
		return 0;
	return w->fn(item, w->ctx) ? 2 : 1;
}

/* Hands every pending notification's item to fn; 1 when fn asks to stop. */
static int deliver(struct watch *w, struct lw_error *err)
{
	PGnotify *nt;

	while (!*w->stop && (nt = PQnotifies(w->st->conn)) != NULL) {
		long id = strcmp(nt->relname, WATCH_CHANNEL) == 0 ? strtol(nt->extra, NULL, 10) : 0;
		char ids[24];
		const char *p[1] = { ids };
		json_t *o = NULL;
		int r;

		PQfreemem(nt);
		if (id <= 0)
			continue;
		snprintf(ids, sizeof(ids), "%ld", id);
		if (db_json(w->st, item_sql, 1, p, &o, err) < 0)
			return -1;
		r = json_is_object(o) ? show(w, o) : 0;
		json_decref(o);
		if (r == 2)
			return 1;
	}
	return 0;
}

/* LISTEN on a (new) connection, then, after a loss, the items that became
 * available since the last mark. *caught receives how many were shown.
 * 0, 1 when fn asks to stop, or -1 with err. */
static int listen_and_catch_up(struct watch *w, int after_loss, long *caught,
			       struct lw_error *err)
{
	json_t *m = NULL, *items = NULL;
	const char *p[1] = { w->mark };
	size_t i;
	json_t *o;
	int rc = -1;

	*caught = 0;
	if (db_exec(w->st, "LISTEN " WATCH_CHANNEL, 0, NULL, NULL, err) < 0)
		goto out;
	keepalive(PQsocket(w->st->conn));
	if (db_json(w->st, mark_sql, 0, NULL, &m, err) < 0)
		goto out;
	if (after_loss && db_json(w->st, catch_up_sql, 1, p, &items, err) < 0)
		goto out;
	snprintf(w->mark, sizeof(w->mark), "%s", json_string_value(json_object_get(m, "mark")));
	rc = 0;
	json_array_foreach(items, i, o) {
		int r = show(w, o);

		*caught += r > 0;
		if (r == 2) {
			rc = 1;
			break;
		}
	}
out:
	json_decref(m);
	json_decref(items);
	return rc;
}

/* libpq's message on one line: its second line is advice for psql users. */
static int lost(struct store *st, struct lw_error *err)
{
	const char *m = PQerrorMessage(st->conn);
	size_t n = strcspn(m, "\n");

	return lw_error_set(err, "%.*s", (int)n, n ? m : "server closed the connection");
}

/* Waits for the next notification or ping time; 0, 1 to stop, -1 lost. */
static int wait_once(struct watch *w, struct lw_error *err)
{
	struct pollfd pfd = { PQsocket(w->st->conn), POLLIN, 0 };
	int r;

	if (pfd.fd < 0)
		return lw_error_set(err, "connection closed");
	r = poll(&pfd, 1, WATCH_POLL_MS);
	if (r < 0 && errno != EINTR)
		return lw_error_set(err, "poll: %s", strerror(errno));
	if (r <= 0) {
		if (now() - w->last_heard < WATCH_IDLE_PING)
			return 0;
		if (db_exec(w->st, "SELECT 1", 0, NULL, NULL, err) < 0)
			return -1;
		w->last_heard = now();
		return deliver(w, err);
	}
	if (!PQconsumeInput(w->st->conn) || PQstatus(w->st->conn) != CONNECTION_OK)
		return lost(w->st, err);
	w->last_heard = now();
	return deliver(w, err);
}

/* Sleeps up to seconds, in short steps so a stop is seen at once. */
static void pause_for(struct watch *w, double seconds)
{
	double end = now() + seconds;

	while (!*w->stop && now() < end) {
		double left = end - now();
		struct timespec ts = { 0, (long)((left < 0.1 ? left : 0.1) * 1e9) };

		nanosleep(&ts, NULL);
	}
}

/* Back after a loss: reconnects with backoff until it works or a stop. */
static int reconnect(struct watch *w, double lost_at, struct lw_error *err)
{
	double backoff = BACKOFF_FIRST;
	long caught;
	int r;

	for (;;) {
		pause_for(w, backoff);
		if (*w->stop)
			return 1;
		r = listen_and_catch_up(w, 1, &caught, err);
		if (r >= 0) {
			if (w->notes)
				fprintf(w->notes, "lurewatch: queue watch reconnected after %.1f s; "
						  "%ld item%s queued meanwhile\n",
					now() - lost_at, caught, caught == 1 ? "" : "s");
			w->last_heard = now();
			return r;
		}
		backoff = backoff * 2 < BACKOFF_MAX ? backoff * 2 : BACKOFF_MAX;
		if (w->notes)
			fprintf(w->notes, "lurewatch: queue watch cannot reconnect (%s); next try in %.1f s\n",
				err->msg, backoff);
		if (w->st->conn && !store_connection_lost(w->st))
			db_drop(w->st);
	}
}

int store_queue_watch(struct store *st, int (*fn)(json_t *item, void *ctx), void *ctx,
		      volatile int *stop, FILE *notes, struct lw_error *err)
{
	struct watch w = { st, fn, ctx, stop, notes, { 0 }, "", now() };
	int saved = st->timeout_now;
	long caught;
	int rc = -1, r;

	st->timeout_now = saved < WATCH_TIMEOUT ? saved : WATCH_TIMEOUT;
	r = listen_and_catch_up(&w, 0, &caught, err);
	while (r == 0 && !*stop) {
		r = wait_once(&w, err);
		if (r >= 0)
			continue;
		if (notes)
			fprintf(notes, "lurewatch: queue watch lost its database connection (%s); "
				       "reconnecting\n", err->msg);
		if (st->conn)
			db_drop(st);
		r = reconnect(&w, now(), err);
	}
	rc = r < 0 ? -1 : 0;
	if (!store_connection_lost(st)) {
		struct lw_error ignored;

		db_exec(st, "UNLISTEN " WATCH_CHANNEL, 0, NULL, NULL, &ignored);
	}
	st->timeout_now = saved;
	free(w.seen.id);
	free(w.seen.stamp);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/* Internals shared by the store's files: the connection and query helpers. */
#ifndef LW_STORE_INTERNAL_H
#define LW_STORE_INTERNAL_H

#include <stddef.h>

#include <libpq-fe.h>

#include "store.h"

/* Statements prepared on this connection, known by their text's address. */
#define DB_PREPARED_MAX 32

struct store {
	PGconn *conn;           /* NULL once dropped, until the next statement reconnects */
	char *conninfo;
	const char *prepared[DB_PREPARED_MAX];
	size_t nprepared;
	struct store_timeouts timeouts;
	int timeout_now;        /* seconds: the statement's, or a long operation's */
	int server_timeout;     /* the session's statement_timeout in seconds; 0: unknown */
	int in_tx;              /* a transaction was open when the last statement ended */
	char sqlstate[6];       /* the last failed statement's SQLSTATE, "" when none */
};

/* The advisory lock linking holds (store/link.c) and a network rebuild
 * takes first: one batch links at a time across every process. frontier.c
 * and rescan.c use 74692041-43. */
#define LOCK_LINK "74692044"

/* The advisory lock a batch takes before its first write to queue items,
 * and the deferred network priority (store_ingest_priority_run) before its
 * update, both held to commit. A worker's deferred priority updates the
 * items of every network its listings are in, most of them also written by
 * the other workers' batches meanwhile: each item another batch changed
 * after the update began was checked again (EvalPlanQual), and each check
 * sorted the statement's whole array of ids again, so with --jobs 2 one
 * worker's priority took 13-19 s of CPU at 100k listings against 0.7 s
 * with --jobs 1, and the batches waited on its row locks. */
#define LOCK_QUEUE "74692045"

struct store_migration {
	int version;
	const char *name;
	const char *sql;
};

/* Generated from store/migrations/ at build time. */
extern const struct store_migration store_migrations[];
extern const size_t store_nmigrations;

/* The queue item's JSON shape, defined once: store/queue.c and the web
 * interface's pages (store/browse.c) build items the same way. */
/* Joins for an item aliased q: its listing, source and reviewed version. */
#define ITEM_JOINS                                                         \
	" JOIN listings l ON l.id = q.listing_id"                          \
	" JOIN sources s ON s.id = l.source_id"                            \
	" JOIN listing_versions v ON v.id = q.version_id"

/* Title and place are those of the version under review (its hits'). */
#define ITEM_FIELDS                                                              \
	"'id', q.id, 'listing_id', q.listing_id, 'url', l.url,"                    \
	" 'title', coalesce(v.title, l.title),"                                     \
	" 'source', s.name, 'location', v.location, 'posted', v.posted,"            \
	" 'version', v.version, 'score', q.score, 'priority', q.priority,"          \
	" 'priority_reason', q.priority_reason,"                                    \
	" 'network_id', (SELECT ln.network_id FROM listing_networks ln"             \
	"   WHERE ln.listing_id = q.listing_id),"                                   \
	" 'urgent', q.urgent, 'categories', to_json(q.categories),"                 \
	" 'status', q.status, 'claimed_by', q.claimed_by,"                          \
	" 'claim_expires', q.claim_expires, 'verdict', q.verdict,"                  \
	" 'escalated_to', q.escalated_to, 'resolved_by', q.resolved_by,"           \
	" 'resolved_at', q.resolved_at, 'created_at', q.created_at,"               \
	" 'updated_at', q.updated_at"

#define ITEM_JSON "json_build_object(" ITEM_FIELDS ")"
#define ITEM_ORDER "q.urgent DESC, q.priority DESC, q.id"

/* ---- waiting on the server (store/wait.c) ----
 * Every wait on PostgreSQL: the asynchronous calls, then poll() until a
 * deadline. A server that does not answer in time, or a connection in a
 * state libpq cannot leave, gives an error naming what was waited for and
 * the connection is dropped (st->conn NULL; the next statement outside a
 * transaction reconnects). */

/* When a statement sent now must have been answered: the timeout in force
 * plus a grace that lets the server's own statement_timeout speak first. */
double db_deadline(const struct store *st);
/* Connects within seconds, non-blocking. Returns the connection (caller
 * PQfinish) or NULL with err. */
PGconn *db_connect(const char *conninfo, int seconds, struct lw_error *err);
/* How long st may take to connect: [database] connect_timeout, but never
 * more than the statement timeout in force (a caller that allows a
 * statement 2 s does not wait 10 s for the connection it runs on). */
int db_connect_seconds(const struct store *st);
/* Closes st's connection without waiting and forgets its session state. */
void db_drop(struct store *st);
/* Sends what libpq holds. 0, or -1 with err and the connection dropped. */
int db_flush(struct store *st, double deadline, const char *what, struct lw_error *err);
/* The next result of the statement sent (NULL: no more), as PQgetResult.
 * 0, or -1 with err and the connection dropped. */
int db_next_result(struct store *st, double deadline, const char *what, PGresult **res,
		   struct lw_error *err);
/* Every result of the statement sent, up to a COPY's start: *res the first
 * error, else the last result (caller PQclear). 0, or -1 with err and the
 * connection dropped. */
int db_results(struct store *st, double deadline, const char *what, PGresult **res,
	       struct lw_error *err);
/* Starts "COPY ... FROM STDIN" sql inside the caller's transaction.
 * 0, or -1 with err. (store/db.c) */
int db_copy_begin(struct store *st, const char *sql, struct lw_error *err);
/* Sends len bytes of COPY data, ends the COPY and waits for its outcome.
 * A connection left in COPY (libpq lost the end) is dropped. 0, or -1 with
 * err. */
int db_copy_end(struct store *st, const char *data, size_t len, const char *what,
		struct lw_error *err);
/* "what: msg" into err, msg without libpq's trailing newline. Returns -1. */
int db_error(struct lw_error *err, const char *what, const char *msg);
/* "database connection failed during what: libpq's message", then drops
 * the connection. Returns -1. */
int db_conn_error(struct store *st, const char *what, struct lw_error *err);

/* A named long operation (migrations, a network rebuild) waits up to
 * [database] long_statement_timeout, here and on the server, until
 * db_long_end(st, the value db_long_begin returned). */
int db_long_begin(struct store *st);
void db_long_end(struct store *st, int saved);

/* Runs a parameterised statement (text parameters, NULL for SQL NULL).
 * On success returns 0 and, when res is not NULL, the result (caller
 * PQclear); on failure returns -1 with err holding the server's message
 * and clears the result itself. A connection found broken beforehand is
 * reset once. */
int db_exec(struct store *st, const char *sql, int n, const char *const *params,
	    PGresult **res, struct lw_error *err);

/* db_exec for a hot statement: parsed and planned once per connection and
 * run by name after that (on the web's pages, planning a statement took
 * longer than running it). sql must be a static string: it is known by its
 * address. Only for statements whose generic plan is good, that is, whose
 * parameters do not switch filters on and off. */
int db_exec_prepared(struct store *st, const char *sql, int n, const char *const *params,
		     PGresult **res, struct lw_error *err);
/* db_json through db_exec_prepared. */
int db_json_prepared(struct store *st, const char *sql, int n, const char *const *params,
		     json_t **out, struct lw_error *err);

/* Runs a statement returning one row with one json column and parses it.
 * A NULL value becomes JSON null. Returns 0 with *out set, or -1. */
int db_json(struct store *st, const char *sql, int n, const char *const *params,
	    json_t **out, struct lw_error *err);

/* A PostgreSQL array literal ({"a","b"}) of n strings, for a text[]
 * parameter. Caller frees. */
char *db_text_array(char *const *v, size_t n);

/* "{1,2,3}" for a bigint[] parameter. Caller frees. */
char *db_bigint_array(const long long *v, size_t n);

/* Whether a transaction that failed on st is worth running again, for
 * its writers (store/ingest.c, store/ingest_link.c): after a deadlock or
 * serialization conflict with another session, max_conflicts times; after
 * a lost connection, until retry_seconds were spent waiting. The caller
 * logs (r says how long it waited, and will) and then calls
 * db_retry_sleep. Start r zeroed. */
struct db_retry_state {
	double pause, waited;   /* the next wait for the server, and the waits so far */
	int conflicts;
};
enum db_retry { DB_RETRY_NO, DB_RETRY_CONFLICT, DB_RETRY_RECONNECT };
enum db_retry db_retry_next(const struct store *st, struct db_retry_state *r, int max_conflicts,
			   double retry_seconds);
void db_retry_sleep(struct db_retry_state *r, enum db_retry how);
int db_begin(struct store *st, struct lw_error *err);
int db_commit(struct store *st, struct lw_error *err);
/* Rolls back, ignoring errors (used on failure paths). */
void db_rollback(struct store *st);

/* Links the n listings ids (their entities and fingerprints stored) into
 * networks, inside the caller's transaction: each joins, and merges, the
 * networks of the ads it shares a contact detail (not in skip, a text[]
 * literal) or a near-duplicate text (within max_bits; negative: none)
 * with, the lowest network id winning. Neighbours are ads outside ids
 * (those with stored details are in networks), or with below > 0 only
 * those with a lower id (a rebuild). Returns 0 or -1 with err. */
/* hubs, when not NULL, holds the generic-contact rules as text parameters
 * (known: a text[] literal of categories; the thresholds as integers):
 * the batch's details are recounted first and generic ones left out. */
struct link_hubs {
	char *known;
	char max_ads[16], min_ads[16], min_places[16];
	size_t split_min_size;
	double split_max_conductance;
	int off;        /* [networks] link_on_ingest = false */
	int background; /* [networks] link_in_background */
};
int link_listings(struct store *st, const long long *ids, size_t n, const char *skip,
		  int max_bits, long long below, const struct link_hubs *hubs,
		  struct lw_error *err);
/* Recomputes the n networks nets from their strong edges (store/netgraph.c)
 * as a rebuild would, inside the caller's transaction: generic details
 * dropped, loosely knit ones split, ids kept where most ads stay, changes
 * logged with cause "ingest". Returns 0 or -1 with err. */
int network_recut(struct store *st, const long long *nets, size_t n, const char *skip, int max_bits,
		  size_t split_min_size, double split_max_conductance, struct lw_error *err);
/* Linking in the background (store/ingest_link.c): link_bg_start waits for
 * the run before it (-1 with err if that one failed), then links what
 * link_pending names on a connection and thread of its own, made from
 * writer's on first use; link_bg_wait waits for it and gives its outcome.
 * skip and hubs are borrowed until the run is waited for. */
struct link_bg;
struct link_bg *link_bg_new(void);
int link_bg_start(struct link_bg *b, const struct store *writer, const char *skip, int max_bits,
		  const struct link_hubs *hubs, double retry_seconds, struct lw_error *err);
int link_bg_wait(struct link_bg *b, struct lw_error *err);
void link_bg_free(struct link_bg *b);
/* The statements of store/ingest.c a linker runs too: the session's
 * staging table, and the batch's network priority step over it. */
const char *ingest_stage_sql(void);
const char *ingest_priority_sql(void);
/* Fills h from r (h->known allocated: link_hubs_release). */
void link_hubs_init(struct link_hubs *h, const struct store_network_rules *r);
void link_hubs_release(struct link_hubs *h);

/* One contact detail as a string no other detail gives (each field
 * length-prefixed). Returns a string the caller frees. */
char *link_key(const char *kind, const char *value, size_t value_len, const char *normalized,
	       long start, long end);
/* keys[0..n) (each freed; the array is not) sorted and joined, repeats
 * dropped when distinct is set: the form of store_rescan_row.links, equal
 * for two lists exactly when the write path's comparison of the stored
 * rows with the analysis's distinct details finds them equal. Returns a
 * string the caller frees. */
char *link_keys_join(char **keys, size_t n, int distinct);

/* A detail's count of ads: contact_stats.listings, or counted afresh when
 * batches since its last count added ads to it (unseen, migration 108). */
#define CONTACT_ADS(c)                                                                       \
	"(CASE WHEN " c ".unseen > 0 THEN (SELECT count(DISTINCT ux.listing_id)::integer"       \
	" FROM listing_entities ux WHERE ux.normalized = " c ".normalized) ELSE " c ".listings END)"

#endif

/* SPDX-License-Identifier: MIT */
/* The store: listings, hits, the analysts' review queue and its audit log
 * in PostgreSQL (libpq), plus the embedded cluster used when no database is
 * configured. Query results that callers only display come back as jansson
 * values built by the server (json_agg), so the shape is defined once, in
 * SQL. */
#ifndef LW_STORE_H
#define LW_STORE_H

#include <stddef.h>

#include <jansson.h>

#include "../config/config.h"
#include "../matcher/matcher.h"
#include "../util/error.h"

/* ---- embedded cluster ------------------------------------------------------ */

/* SILENT: something holds the cluster's socket but does not answer within
 * STORE_PING_SECONDS (a frozen server, or another program). */
enum store_db_state { STORE_DB_MISSING, STORE_DB_STOPPED, STORE_DB_RUNNING, STORE_DB_SILENT };

/* Paths and state of the private cluster under home ($LUREWATCH_HOME). */
struct store_embedded {
	char *home;
	char *datadir;          /* where the cluster lives (may be outside home when
	                         * the server's user cannot reach home) */
	char *sockdir;
	char *logfile;
	char *bindir;           /* PostgreSQL server binaries */
	char *run_as;           /* OS user running the server, NULL: ourselves */
	int relocated;          /* datadir is outside home (unreachable or too long) */
};

/* Resolves paths and binaries (no side effects). Returns 0 or -1 with err
 * naming what is missing (e.g. the postgresql package). */
int store_embedded_init(struct store_embedded *e, const char *home, struct lw_error *err);
void store_embedded_release(struct store_embedded *e);

/* Creates the cluster if missing, starts it on a Unix socket only (no TCP),
 * creates the database; idempotent. notes, when not NULL, receives lines for
 * the user ("created cluster in ..."). Returns 0 or -1 with err. */
int store_embedded_start(struct store_embedded *e, FILE *notes, struct lw_error *err);
int store_embedded_stop(struct store_embedded *e, struct lw_error *err);
enum store_db_state store_embedded_state(const struct store_embedded *e);
/* libpq conninfo for the embedded database; caller frees. */
char *store_embedded_conninfo(const struct store_embedded *e);

/* The conninfo to use for cfg: database.url / LUREWATCH_DATABASE_URL, else
 * "" when libpq's PG* variables name a server, else the embedded cluster
 * (started when start is 1). Caller frees. */
char *store_conninfo(const struct config *cfg, int start, FILE *notes, struct lw_error *err);

/* ---- connection ------------------------------------------------------------- */

struct store;

/* Connects, sets a safe search_path, and (when migrate is 1) applies any
 * pending migrations. Returns a new store (store_close) or NULL with err
 * holding the server's message. */
struct store *store_open(const char *conninfo, int migrate, struct lw_error *err);

/* How long lurewatch waits on the server, in seconds ([database]
 * statement_timeout and long_statement_timeout): the server's
 * statement_timeout is set to the first, and a statement unanswered 5 s
 * after it ends in an error with the connection dropped. Named long
 * operations (migrations, a network rebuild) have the second. */
struct store_timeouts {
	int statement;
	int long_statement;
	/* Setting up a connection ([database] connect_timeout), and never
	 * longer than statement: a server that accepts and then says nothing
	 * ends in "did not answer within N s during connecting". 0: default. */
	int connect;
};
#define STORE_TIMEOUT_DEFAULT 300
#define STORE_LONG_TIMEOUT_DEFAULT 21600
#define STORE_CONNECT_TIMEOUT_DEFAULT 10

/* What a bounded ping found at a server's address. */
enum store_ping_state {
	STORE_PING_OK,          /* it answered and took the connection */
	STORE_PING_REJECTED,    /* a server answered but refused (starting up, auth, no such database) */
	STORE_PING_DOWN,        /* nothing listens there */
	STORE_PING_SILENT,      /* something holds the address but said nothing in time */
};
/* How long `db status` and `db start` wait for a server's first answer. */
#define STORE_PING_SECONDS 5
/* Connects to conninfo and hangs up, waiting at most seconds for the
 * server's answer: a server that accepts and never answers (frozen, or
 * not PostgreSQL) is STORE_PING_SILENT instead of a hang. err receives
 * what was found for every state but STORE_PING_OK. */
enum store_ping_state store_ping(const char *conninfo, int seconds, struct lw_error *err);
/* store_open with timeouts t (NULL: the defaults above). */
struct store *store_open_timed(const char *conninfo, int migrate,
			       const struct store_timeouts *t, struct lw_error *err);
void store_close(struct store *st);
/* Another connection to st's database, for another thread (store/session.c).
 * Returns a new store (store_close) or NULL with err. */
struct store *store_clone(const struct store *st, struct lw_error *err);
/* With on, this session's commits return before their WAL reaches the disk
 * (synchronous_commit off): a crash of the database server may lose the
 * last fraction of a second of them, all together and in order, never
 * part of one. For work that is redone when its record is lost (a crawl's
 * frontier); off restores the server's default. Returns 0 or -1 with err. */
int store_commit_async(struct store *st, int on, struct lw_error *err);

/* Applies pending migrations in order, each in its own transaction, under an
 * advisory lock so concurrent processes serialise. *applied (may be NULL)
 * receives how many were applied. Returns 0 or -1. */
int store_migrate(struct store *st, int *applied, struct lw_error *err);
/* Highest applied migration version, or -1 with err. */
int store_schema_version(struct store *st, struct lw_error *err);

/* ---- ingestion --------------------------------------------------------------- */

struct store_listing {
	const char *url;        /* required; canonical form is the caller's job */
	const char *source;     /* NULL: the ingest's default source */
	const char *title;
	const char *body;       /* plain text, or HTML when is_html (which the
	                         * store does not take: the analysing caller
	                         * turns HTML into text first) */
	const char *location;   /* may be NULL */
	const char *posted;     /* may be NULL; ISO-8601 dates are also kept as dates */
	int is_html;
	const char *origin;     /* "file:line" for messages */
	/* From the crawler (0/NULL otherwise): the frontier row marked done in
	 * the same transaction as the listing is stored, so a crash can never
	 * leave one without the other; the conditional-GET validators; the
	 * redirect chain and outbound contact links, each a JSON array. */
	long frontier_id;
	const char *etag, *last_modified;
	long http_status;
	const char *redirects_json, *outlinks_json;
	/* From a web archive (NULL otherwise): a JSON object {record_id,
	 * archive, file_offset, data_offset, target_uri, warc_date} stored in
	 * archive_captures in the listing's transaction, once per record id. */
	const char *capture_json;
};

struct store_ingest_stats {
	size_t seen, inserted, changed, unchanged, flagged, queued, requeued, failed;
	size_t rescored;        /* rescans: versions scored afresh with a new pack */
	size_t unstored;        /* not flagged, left out (store_ingest_set_flagged_only) */
	size_t already;         /* rescans: versions this pack had scored, left alone */
};

/* A stored listing's current version, for a rescan. */
struct store_rescan_row {
	long listing_id, version_id;
	char *url, *source, *title, *body;
	/* The version was scored by the stream's pack already: title and body
	 * are NULL (not read) and flagged is its stored verdict. */
	int scored, flagged;
	/* What ties the listing to others as stored (its contact details in
	 * store_link_keys form, and its fingerprint), for the writer to see
	 * whether the analysis found the same; links NULL: not read. */
	char *links;
	int has_simhash;
	long long simhash;
};

struct store_ingest;
struct store_rescan;

/* Starts an ingestion session: listings come with their analyses and are
 * written in batches of batch_size, one transaction each. m (borrowed; must
 * outlive the session) names the pack and its rules; the store does not
 * scan. actor names the ingester in the audit log. */
struct store_ingest *store_ingest_new(struct store *st, const struct matcher *m,
				      const char *default_source, const char *actor,
				      size_t batch_size, struct lw_error *err);
/* Buffers one listing with a, the analysis (matcher_analyze) of the text
 * store_compose_text makes of its title and body; writes a batch when full.
 * a is only read during the call. Returns 0, or -1 with err when the
 * listing itself is invalid (the session goes on) or when a batch could not
 * be written (the batch is not committed: see store_ingest_failed). */
int store_ingest_add(struct store_ingest *in, const struct store_listing *l,
		     const struct matcher_analysis *a, struct lw_error *err);
/* How listings link into networks: normalised entities that never link
 * (a job board's own number), the SimHash distance for near-duplicates (-1:
 * none). Defaults: none, 3. */
void store_ingest_set_links(struct store_ingest *in, char *const *exclude, size_t n,
			    int max_bits);

/* What makes a contact detail generic and how networks are cut: the
 * [networks] settings (README, "Networks"). Arrays are borrowed. */
struct store_network_rules {
	char *const *exclude;   /* never link */
	size_t nexclude;
	int max_bits;           /* near-duplicate texts; -1: none */
	int hub_max_ads;        /* generic when in this many ads (0: never) */
	int hub_min_ads;        /* ... or in this many ads ... */
	int hub_min_places;     /* ... in this many places */
	char *const *known;     /* categories of the shipped list (contact_known) */
	size_t nknown;
	size_t split_min_size;  /* components tried for a split (0: none) */
	double split_max_conductance;
	int link_on_ingest;     /* 0: batches store details but link nothing */
	int link_in_background; /* 1: with a writer thread, link on a second connection
				 * while the next batch is written (store/ingest_link.c) */
};

/* The rules cfg sets (its arrays borrowed: keep cfg while r is used). */
void store_network_rules_from_config(struct store_network_rules *r, const struct config *cfg);
/* The generic-contact part of r for an ingestion session (copied): each
 * batch recounts its details' statistics and leaves generic ones out.
 * Without it the configuration's defaults apply. */
void store_ingest_set_rules(struct store_ingest *in, const struct store_network_rules *r);
/* With on set, listings that are not flagged are scored and counted
 * (seen, unstored) but not stored: for web archives, where most pages are
 * not ads. Default off. */
void store_ingest_set_flagged_only(struct store_ingest *in, int on);
/* With on, a batch does not raise the queue items of the networks it
 * touched (the "priority" step, which reads every member of each of those
 * networks, so its cost grows with the networks: a rescan paid it again for
 * every batch); it sets the batch's rows aside in the session instead, and
 * store_ingest_priority_run runs the step once over all of them. A network
 * touched by several batches is then counted once, at the end, as the last
 * of those batches would have counted it. */
void store_ingest_set_defer_priority(struct store_ingest *in, int on);
/* Flushes, then runs the deferred priority step in one transaction over
 * the rows set aside since the last run; with whole (or when a failed batch
 * may have lost rows set aside), also over every listing with an id in
 * lo..hi (hi > 0), for a chunk of a rescan another worker began. Returns 0
 * or -1 with err. */
int store_ingest_priority_run(struct store_ingest *in, long lo, long hi, int whole,
			      struct lw_error *err);

/* Stores a stored version's new analysis (of store_compose_text of the row's
 * title and body) made with the session's pack; when the pack differs from
 * the one that last scored it, the version gets the new hits and score, and
 * a newly flagged listing is queued as ingestion would. */
/* Counts a rescanned version its pack had scored already (row->scored),
 * which is left as it is: seen, and flagged when it was. */
void store_ingest_note_scored(struct store_ingest *in, int flagged);
int store_ingest_rescore(struct store_ingest *in, const struct store_rescan_row *row,
			 const struct matcher_analysis *a, struct lw_error *err);

/* A stream of listings' current versions for a rescan, oldest first,
 * optionally last seen since a date and from one source: pages read by id
 * on a connection of its own, so memory stays flat however many listings
 * there are and the session's own transactions are not disturbed. It reads
 * every listing until store_rescan_seek narrows it. A version the rule
 * pack named pack (its hash; NULL: none) scored already comes without its
 * text, marked scored.
 * Returns a new stream (store_rescan_close) or NULL with err. */
struct store_rescan *store_rescan_open(struct store *st, const char *since, const char *source,
				       const char *pack, struct lw_error *err);
/* Moves the stream to listing ids lo..hi (hi 0: no end), one chunk of a
 * shared rescan; the connection stays open from chunk to chunk. */
void store_rescan_seek(struct store_rescan *r, long lo, long hi);
/* store_rescan_open then store_rescan_seek. */
struct store_rescan *store_rescan_open_range(struct store *st, const char *since,
					     const char *source, const char *pack, long lo, long hi,
					     struct lw_error *err);
/* Joins the unfinished shared rescan named key (the pack's hash, since and
 * source), or starts it: the listings the filter selects cut into chunks of
 * chunk_size consecutive ids (0: about 64 chunks of 500 to 5,000). Each
 * chunk keeps its first and last id. *rescan_id and *total (its listings)
 * set. */
int store_rescan_join(struct store *st, const char *key, const char *since, const char *source,
		      long chunk_size, long *rescan_id, long *total, struct lw_error *err);
/* Takes the next chunk (queued, or its lease expired: its process died) for
 * lease_seconds, and renews the leases of the chunks owner still holds.
 * Returns 1 with *chunk, its id range and *attempts (1 the first time it is
 * taken, more when a worker died holding it); 0 when none is free
 * but others still hold some (ask again later); 2 when the rescan is done
 * (it is then marked finished; *lo and *hi span all its chunks, and
 * *attempts is the most any chunk took when this call marked it finished,
 * else 0); -1 with err. */
int store_rescan_claim(struct store *st, long rescan_id, const char *owner, int lease_seconds,
		       long *chunk, long *lo, long *hi, int *attempts, struct lw_error *err);
/* Renews the leases of the chunks owner holds (a keeper thread calls it
 * while the worker is busy in a long chunk or the network priority). */
int store_rescan_renew(struct store *st, long rescan_id, const char *owner, int lease_seconds,
		       struct lw_error *err);
/* Marks a chunk scored (after its listings were flushed). */
int store_rescan_chunk_done(struct store *st, long rescan_id, long chunk, const char *owner,
			    struct lw_error *err);
/* Listings in finished chunks, by any process, and the rescan's total. */
int store_rescan_progress(struct store *st, long rescan_id, long *done, long *total,
			  struct lw_error *err);
/* The next at most max rows: *rows a new array (store_rescan_rows_free),
 * *n 0 at the end. Returns 0 or -1 with err. */
int store_rescan_next(struct store_rescan *r, long max, struct store_rescan_row **rows, size_t *n,
		      struct lw_error *err);
void store_rescan_close(struct store_rescan *r);
/* How many listings such a rescan covers. */
int store_rescan_count(struct store *st, const char *since, const char *source, long *n,
		       struct lw_error *err);
void store_rescan_rows_free(struct store_rescan_row *rows, size_t n);

/* Writes what is buffered (and waits for the writer thread's batch).
 * Returns 0 or -1 with err. */
int store_ingest_flush(struct store_ingest *in, struct lw_error *err);
/* on: each full batch is written on a thread of its own while the caller
 * fills the next (one batch in flight; batches commit in order, so what is
 * stored is the same). A failure is then reported by the call that hands
 * over the next batch, or by store_ingest_flush; the counts of
 * store_ingest_stats lag by the batch in flight until then. The session's
 * connection must not be used by anyone else until store_ingest_flush
 * returns. Default off. */
void store_ingest_set_writer(struct store_ingest *in, int on);
/* How long a batch that failed because the connection was lost waits for
 * the database to come back, in seconds (default 0: it fails at once).
 * Between attempts it waits 0.5 s, doubling up to 8 s, and logs
 * event=db_retry; the whole batch is written again in a new transaction,
 * which ingestion's idempotence makes safe even when the lost commit had in
 * fact gone through. */
void store_ingest_set_retry(struct store_ingest *in, double seconds);
/* 1 when the session's connection is lost (the server went away). */
int store_connection_lost(const struct store *st);
/* 1 when a statement of the last transaction begun lost a deadlock or a
 * serialization conflict with another session: the same transaction run
 * again can succeed. */
int store_conflict_failed(const struct store *st);
/* 1 after a batch failed to commit (database trouble): stop feeding it. */
int store_ingest_failed(const struct store_ingest *in);
const struct store_ingest_stats *store_ingest_stats(const struct store_ingest *in);
void store_ingest_free(struct store_ingest *in);

/* The text that is analysed for a listing version: title, blank line, body,
 * invalid UTF-8 repaired as the stored fields are. Hit and entity offsets
 * refer to it. Caller frees. */
char *store_compose_text(const char *title, const char *body, size_t *len);

/* ---- crawl frontier ---------------------------------------------------------- */

struct store_frontier_url {
	long id, source_id;
	char *url, *kind, *etag, *last_modified;
	int depth, attempts, pass;
};

/* Makes sure source name exists (and its crawl row); *source_id set. */
int store_frontier_source(struct store *st, const char *name, long *source_id,
			  struct lw_error *err);
/* Starts a pass for the source when none is running and it is due (or
 * force): bumps the pass number and queues the start URLs of the given
 * kind. Serialised across processes by an advisory lock. *pass receives the
 * current pass, *started whether this call started it. */
int store_frontier_begin_pass(struct store *st, long source_id, char *const *start, size_t n,
			      const char *kind, int force, int *pass, int *started,
			      struct lw_error *err);
/* Adds discovered URLs to the current pass; a URL already fetched in this
 * pass is left alone, one from an older pass is queued again. Returns how
 * many were (re)queued in *added. */
int store_frontier_add(struct store *st, long source_id, int pass, char *const *urls, size_t n,
		       const char *kind, int depth, size_t *added, struct lw_error *err);
/* Leases up to max due URLs of the given sources for lease_seconds
 * (FOR UPDATE SKIP LOCKED; expired leases count as due). *out is a new
 * array (store_frontier_urls_free). */
int store_frontier_lease(struct store *st, const long *source_ids, size_t nsources, long max,
			 const char *owner, int lease_seconds, struct store_frontier_url **out,
			 size_t *n, struct lw_error *err);
void store_frontier_urls_free(struct store_frontier_url *v, size_t n);
/* Settles a leased URL: state done, failed, skipped, or queued again after
 * delay seconds (a retry). status is the HTTP status (0: none); error and
 * the validators may be NULL. */
int store_frontier_settle(struct store *st, long id, const char *state, double delay,
			  long status, const char *error, const char *etag,
			  const char *last_modified, const char *redirects_json,
			  struct lw_error *err);
/* Gives back every lease owner holds (a clean shutdown). */
int store_frontier_release(struct store *st, const char *owner, long *n, struct lw_error *err);
/* URLs of the pass still queued or leased, and whether the pass is over
 * (finished by anyone). */
int store_frontier_remaining(struct store *st, long source_id, int pass, long *remaining,
			     int *finished, struct lw_error *err);
/* Closes the pass: next run after interval seconds. Counts are added to the
 * source's totals. */
int store_frontier_end_pass(struct store *st, long source_id, int pass, int interval,
			    const char *cut_short,
			    long fetched, long failed, struct lw_error *err);
/* Session-level advisory lock for a cron run of a source: 1 taken, 0 held
 * by another process. Released by store_frontier_unlock or on disconnect. */
int store_frontier_trylock(struct store *st, long source_id, struct lw_error *err);
int store_frontier_unlock(struct store *st, long source_id, struct lw_error *err);

/* ---- web archive work list (store/archive.c) ----------------------------------- */

/* One archive file's reading, as the work list records it. */
struct store_archive_counts {
	long long bytes_done, bytes_total;      /* bytes_total 0: unknown */
	long long records, pages, flagged, errors;
};

/* Adds archive names (paths or URLs) to the work list; a name already
 * there is left as it is. *added receives how many were new. */
int store_archive_add(struct store *st, char *const *names, size_t n, long *added,
		      struct lw_error *err);
/* Takes the next file to read for lease_seconds (FOR UPDATE SKIP LOCKED; a
 * file whose lease expired is taken again, from the start). *name is a new
 * string (caller frees), NULL when no file is left. */
int store_archive_claim(struct store *st, const char *owner, int lease_seconds, long *id,
			char **name, struct lw_error *err);
/* Records progress and renews the lease. *lost is set when the lease is no
 * longer owner's (it expired and another worker took the file). */
int store_archive_progress(struct store *st, long id, const char *owner, int lease_seconds,
			   const struct store_archive_counts *c, int *lost, struct lw_error *err);
/* Settles the file: state "done" or "failed" (error may be NULL). */
int store_archive_finish(struct store *st, long id, const char *owner, const char *state,
			 const struct store_archive_counts *c, const char *error,
			 struct lw_error *err);
/* Gives back the files owner holds (a clean stop). */
int store_archive_release(struct store *st, const char *owner, struct lw_error *err);
/* The work list: {"files", "queued", "working", "done", "failed", "bytes_done",
 * "bytes_total", "records", "pages", "flagged", "errors", "captures",
 * "current": [{name, owner, bytes_done, bytes_total, records, lease_expires,
 * expired}]}. */
int store_archive_status(struct store *st, json_t **out, struct lw_error *err);

/* ---- fleet: politeness across processes, the worker registry (store/fleet.c) -- */

/* A host's lease: a window of time in which this process alone may start
 * requests to the host (spaced by its interval), and how many transfers to it
 * this process may have running until it asks again. */
struct store_host_lease {
	int granted;            /* 1: a window was granted */
	double start_in;        /* seconds from the database's now to the window */
	double length;          /* seconds the window lasts */
	int slots;              /* transfers this process may now have running */
	double wait;            /* not granted: seconds before asking again */
};

/* One host's question to store_host_lease. */
struct store_host_ask {
	const char *host;       /* scheme://host:port */
	double length;          /* seconds of window wanted */
	double ahead;           /* granted only if it can start within this */
	int connections;        /* the host's cap, all processes together */
	int inflight;           /* owner's transfers to it running now */
	int want;               /* 1: a window; 0: only report inflight */
};

/* Asks, in one round trip, for each host's next window (want 1), or only
 * reports that owner has inflight transfers to it running (want 0: slots
 * beyond them are given back). Windows of a host never overlap whichever
 * process holds them; slots of every process together never pass
 * connections, and with other processes waiting for a host each keeps about
 * its share. Slots are leased for lease_seconds, renewed by
 * store_host_renew. asks must be sorted by host (rows are locked in that
 * order, so two processes cannot deadlock). Returns 0 with out[i] for
 * asks[i], or -1 with err on database trouble. */
int store_host_lease(struct store *st, const struct store_host_ask *asks, size_t n,
		     const char *owner, int lease_seconds, struct store_host_lease *out,
		     struct lw_error *err);
/* Renews the connection slots owner holds for lease_seconds: a process that
 * dies stops renewing, and its hosts' slots come back when they expire. */
int store_host_renew(struct store *st, const char *owner, int lease_seconds, struct lw_error *err);
/* Gives back every connection slot owner holds (a clean stop). */
int store_host_release_all(struct store *st, const char *owner, struct lw_error *err);
/* Records that owner (machine:pid) is alive in role ("crawl", "rescan",
 * "archive") and has done done units so far (pages, listings, records). */
int store_worker_beat(struct store *st, const char *owner, const char *role, long long done,
		      struct lw_error *err);
/* Removes owner from the registry (a clean stop). */
int store_worker_gone(struct store *st, const char *owner, struct lw_error *err);
/* Every registered worker: [{owner, machine, pid, role, since, last_seen,
 * done, rate, hosts_held, alive}]; alive is false for one silent for
 * stale_seconds. */
int store_workers(struct store *st, int stale_seconds, json_t **out, struct lw_error *err);

/* ---- networks ------------------------------------------------------------------ */

/* Networks of at least min_size listings, largest first: id, listings,
 * sources, locations, first/last seen, posting_rate, max_score, categories,
 * members [{id, url, ...}] and the shared entities that join them. */
int store_network_list(struct store *st, long min_size, json_t **out, struct lw_error *err);
/* One network in the same shape (members ordered by first seen: the
 * timeline), plus "cut": the ties leading out of it that do not hold it
 * together ([{normalized, reason, listings, networks, to: [ids]}], generic
 * details and details cut by a split), "circuit": places by posted date
 * ([{from, to, location, ads}]) and "events"; JSON null when there is
 * none. */
int store_network_show(struct store *st, long id, json_t **out, struct lw_error *err);
/* The network a listing belongs to ({id, listings, sources, posting_rate}) or null. */
int store_network_of_listing(struct store *st, long listing_id, json_t **out,
			     struct lw_error *err);
/* Nodes and edges for link charts: listings, shared entities, listing-entity
 * edges and near-duplicate listing pairs within max_bits. */
int store_network_graph(struct store *st, long id, int max_bits, json_t **out,
			struct lw_error *err);
struct store_rebuild_stats {
	long listings, networks;        /* networks: of two ads or more */
	long largest, generic, edges, split, cut_edges, merges, splits;
	double seconds;
};

/* Recomputes every network from scratch with r: the statistics of every
 * shared detail and which are generic, the strong edges, components split
 * by community detection where loosely knit, each network keeping its id
 * where most of its ads stay together (merges and splits are logged in
 * network_events). One transaction. s receives the figures. */
int store_network_rebuild(struct store *st, const struct store_network_rules *r,
			  struct store_rebuild_stats *s, struct lw_error *err);

/* Generic contact details, most used first, at most limit (<= 0: all):
 * [{normalized, kinds, listings, places, sources, templates, first_seen,
 * last_seen, generic (the reason), mark}]. With all, every shared detail
 * (generic null for those that link). */
int store_network_hubs(struct store *st, long limit, int all, json_t **out, struct lw_error *err);
/* An analyst's mark on a detail: verdict "generic" or "personal", or NULL to
 * remove the mark; audited (audit_log, actions network_mark and
 * network_unmark). The detail's generic reason is recomputed with r at
 * once; its networks change at the next rebuild. *out receives the
 * detail's row as store_network_hubs gives it (null when no ad has it). */
int store_network_mark(struct store *st, const char *normalized, const char *verdict,
		       const char *analyst, const char *note, const struct store_network_rules *r,
		       json_t **out, struct lw_error *err);
/* Merges and splits logged for network id (0: all), newest first:
 * [{at, kind, network_id, others, listings, cause}]. */
int store_network_events(struct store *st, long id, long limit, json_t **out, struct lw_error *err);

/* ---- movement ------------------------------------------------------------------ */

/* Recruitment corridors over flagged ads posted between since and until
 * (ISO dates; NULL: open): [{origin, destination (ISO 3166 alpha-2; origin
 * "?" when unknown), ads, networks (of 2+ ads), named (the place names the
 * texts used), categories}], busiest first. Origin: the advertised place's
 * country, else the country of the ad's first number; destinations: the
 * countries and cities the text names, other than the origin. */
int store_flows(struct store *st, const char *since, const char *until, json_t **out,
		struct lw_error *err);

/* ---- status --------------------------------------------------------------------- */

/* Sources (last and next run, pages fetched and failed, frontier), queue
 * counts by status and category, recent rule packs: one JSON object. */
int store_status(struct store *st, json_t **out, struct lw_error *err);

/* ---- queue -------------------------------------------------------------------- */

struct store_filter {
	const char *status;     /* NULL: any */
	double min_score;       /* < 0: any */
	const char *category;   /* NULL: any */
	const char *since;      /* NULL or a timestamp: queued at or after */
	long limit;             /* <= 0: no limit */
};

/* Each returns 0 and a new JSON value in *out (caller json_decref), or -1
 * with err. Items are objects with at least id, listing_id, url, title,
 * source, score, priority, urgent, categories, status, claimed_by,
 * claim_expires, verdict, escalated_to, created_at. */
int store_queue_list(struct store *st, const struct store_filter *f, json_t **out,
		     struct lw_error *err);
/* One item with listing fields, "text", "hits", "notes" and "history". */
int store_queue_show(struct store *st, long id, json_t **out, struct lw_error *err);
/* Claims up to count items by priority for minutes (FOR UPDATE SKIP LOCKED). */
int store_queue_claim(struct store *st, const char *analyst, long count, int minutes,
		      json_t **out, struct lw_error *err);
/* Claims item id for minutes whatever its place in the queue (or extends
 * the analyst's own claim); refused when resolved or claimed by someone else.
 * A missing item gives JSON null. */
int store_queue_claim_item(struct store *st, long id, const char *analyst, int minutes,
			   json_t **out, struct lw_error *err);
int store_queue_release(struct store *st, long id, const char *analyst, json_t **out,
			struct lw_error *err);
/* Supervisors: hand an unresolved item to analyst for minutes, whoever
 * held it; take a verdict back (the item is new again, the audit log keeps
 * the verdict it had). Role checks are the caller's. A missing item gives
 * JSON null. */
int store_queue_reassign(struct store *st, long id, const char *supervisor, const char *analyst,
			 int minutes, json_t **out, struct lw_error *err);
int store_queue_reopen(struct store *st, long id, const char *supervisor, const char *note,
		       json_t **out, struct lw_error *err);
/* verdict: confirmed, dismissed or escalated (agency required then). */
int store_queue_resolve(struct store *st, long id, const char *analyst, const char *verdict,
			const char *agency, const char *note, json_t **out, struct lw_error *err);
int store_queue_note(struct store *st, long id, const char *analyst, const char *note,
		     json_t **out, struct lw_error *err);
/* Counts by status, verdict, category; open urgent items. */
int store_queue_stats(struct store *st, json_t **out, struct lw_error *err);
/* Returns expired claims to the queue (audited); *n receives how many. */
int store_queue_expire(struct store *st, long *n, struct lw_error *err);
/* Per rule: queued items it hit, and how many analysts confirmed, dismissed,
 * escalated. */
int store_rules_stats(struct store *st, json_t **out, struct lw_error *err);

/* Calls fn for each item queued from now on (LISTEN/NOTIFY) until fn returns
 * non-zero or *stop becomes non-zero (store/watch.c). A lost connection is
 * re-established, with backoff from 0.5 s doubling to 30 s, and the items
 * that became available meanwhile are caught up; an item is handed over
 * again only when it became available again (its version changed). A
 * connection gone quiet is noticed by TCP keepalives (10 s idle, probes
 * every 5 s) and a SELECT 1 after 10 s without a word, answered within
 * 10 s. notes (may be NULL) receives a line per loss and recovery. Returns
 * 0, or -1 with err when the first connection cannot listen. */
int store_queue_watch(struct store *st, int (*fn)(json_t *item, void *ctx), void *ctx,
		      volatile int *stop, FILE *notes, struct lw_error *err);

/* ---- verdicts as labelled documents -------------------------------------------- */

/* A resolved queue item: the verdict and the version the analyst judged. */
struct store_fit_row {
	long item_id;
	int flag;               /* 1: confirmed or escalated, 0: dismissed */
	char *verdict, *title, *body;
};

/* Resolved items with id > after_id in id order, at most limit (keyset
 * pages). *rows is a new array (store_fit_rows_free). Returns 0 or -1 with
 * err. */
int store_fit_fetch(struct store *st, long after_id, long limit, struct store_fit_row **rows,
		    size_t *n, struct lw_error *err);
void store_fit_rows_free(struct store_fit_row *rows, size_t n);

/* ---- the web interface: accounts, sessions, views ------------------------------ */

/* Adds an account; pw_hash is an Argon2id PHC string made by the caller,
 * role analyst, supervisor or admin. actor names who did it in the audit
 * log. Returns 0 or -1 with err (e.g. the name exists). */
int store_account_add(struct store *st, const char *name, const char *role, const char *pw_hash,
		      int must_change, const char *actor, struct lw_error *err);
/* Replaces the password hash and ends every session and API token the
 * account had. */
int store_account_set_password(struct store *st, const char *name, const char *pw_hash,
			       int must_change, const char *actor, struct lw_error *err);
/* Disables (ending its sessions and tokens) or enables an account. */
int store_account_set_disabled(struct store *st, const char *name, int disabled,
			       const char *actor, struct lw_error *err);
/* Accounts without their hashes: [{id, name, role, disabled, ...}]. */
int store_account_list(struct store *st, json_t **out, struct lw_error *err);
/* One account with its pw_hash, or JSON null. */
int store_account_get(struct store *st, const char *name, json_t **out, struct lw_error *err);

/* Failed logins within minutes: for name (since its last success) and for
 * address. */
int store_login_failures(struct store *st, const char *name, const char *address, int minutes,
			 long *by_name, long *by_address, struct lw_error *err);
/* Records a login attempt and its audit entry (actor: the name tried). */
int store_login_record(struct store *st, const char *name, const char *address, int ok,
		       const char *reason, struct lw_error *err);
/* An audit entry not tied to a queue item; details a JSON object or NULL. */
int store_audit_add(struct store *st, const char *actor, const char *action, const char *details,
		    struct lw_error *err);
/* The latest audit entries, newest first, of actor (NULL: everyone's). */
int store_audit_list(struct store *st, const char *actor, long limit, json_t **out,
		     struct lw_error *err);

/* Sessions are stored by the SHA-256 (hex) of their token and last minutes
 * from their latest use. lookup gives {id, name, role, csrf, must_change}
 * of a live session of an enabled account, else JSON null. */
int store_session_create(struct store *st, long account_id, const char *token_hash,
			 const char *csrf, const char *address, int minutes, struct lw_error *err);
int store_session_lookup(struct store *st, const char *token_hash, int minutes, json_t **out,
			 struct lw_error *err);
int store_session_delete(struct store *st, const char *token_hash, struct lw_error *err);
/* API bearer tokens, likewise stored hashed; lookup gives {id, name, role}
 * or JSON null. */
int store_token_add(struct store *st, const char *name, const char *token_hash,
		    const char *label, struct lw_error *err);
int store_token_lookup(struct store *st, const char *token_hash, json_t **out,
		       struct lw_error *err);

/* The queue page's filters; NULL, 0 or a negative score mean "any". */
struct store_queue_query {
	const char *status;     /* new, claimed, resolved or open */
	const char *category, *source;
	const char *language;   /* the prefix of the rules that hit ("en") */
	long network;
	double min_score;
	const char *claimed_by;
	const char *me;         /* whose claims count as "mine" */
	long limit, offset;
	/* Queue-wide counts from store_queue_counts to show (borrowed), or
	 * NULL to count now: a busy server reuses them a few seconds. */
	json_t *counts;
	/* Items with only what a list shows: {id, title (161 characters at
	 * most), source, score, priority_reason, urgent, categories, status,
	 * claimed_by}. */
	int brief;
};

/* {total, items: [item...], counts: {new, claimed, resolved, urgent_open,
 * mine}}, items in queue order. Unfiltered, the total is the counts'. */
int store_queue_page(struct store *st, const struct store_queue_query *q, json_t **out,
		     struct lw_error *err);
/* How a stored item's score was reached, replayed from its hits
 * ([{rule, category, weight}]) as the matcher adds them: {categories:
 * [{category, rules: [{rule, weight, factor}], sum}], base, multiplier,
 * distinct, context, score, and short_text (the factor a short text gets)
 * or, with context, rest (what the score leaves over base x multiplier, as
 * one factor)}. store_queue_show puts it in the item as "explain". New
 * reference. */
json_t *store_score_explain(json_t *hits, double score);
/* {new, claimed, resolved, urgent_open}: items by status over the whole
 * queue. New reference in *out. */
int store_queue_counts(struct store *st, json_t **out, struct lw_error *err);
/* {sources: [names], categories: [of open items]}: the filters' choices. */
int store_queue_facets(struct store *st, json_t **out, struct lw_error *err);
/* Full-text search (websearch syntax) over listings' titles and bodies:
 * {total, pending, unsearched, results: [{listing_id, url, title, source,
 * item_id, status, score, headline}]}, the headline's matches between \x01
 * and \x02. Listings not yet indexed (pending: see store_search_index) are
 * searched by reading their text, the newest STORE_SEARCH_TAIL of them;
 * unsearched counts those beyond, which this search could not find. */
int store_search(struct store *st, const char *query, long limit, long offset, json_t **out,
		 struct lw_error *err);
#define STORE_SEARCH_TAIL 5000
/* Indexes up to max (<= 0: STORE_SEARCH_BATCH) of the listings waiting for
 * the search index (new or changed since; ingestion only queues them) in
 * one transaction of its own. Sets *indexed to the queue entries taken: 0
 * when none are left. Returns 0 or -1 with err. */
int store_search_index(struct store *st, long max, long *indexed, struct lw_error *err);
#define STORE_SEARCH_BATCH 5000
/* {contacts: [{kind, value, normalized, shared_with}], versions: [{version,
 * seen_at, title, score, flagged, categories}]} of a listing. */
int store_listing_detail(struct store *st, long listing_id, json_t **out, struct lw_error *err);
/* Counters for /metrics: pages fetched and failed, listings, versions,
 * hits, queue by status, verdicts, claims expired, frontier by state. */
int store_metrics(struct store *st, json_t **out, struct lw_error *err);

#endif

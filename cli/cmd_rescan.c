/* SPDX-License-Identifier: MIT */
/* `lurewatch rescan`: score stored listings again with the current rule
 * pack, so a rule written today finds last month's ads. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "../config/config.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "cli.h"
#include "../util/clock.h"

/* Rows a page brings, and listings a round analyses while the round before
 * it is written: enough to keep the pool busy, little memory. */
#define PAGE 1000

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch rescan [--since DATE] [--source NAME] [-r PACK] [-j N]\n"
		"                        [--threads N] [--lease S] [--chunk N] [--quiet]\n\n"
		"Scores stored listings (their current versions) again with the current rule\n"
		"pack. A version scored by another pack gets the new hits and score; listings\n"
		"that are now flagged join the queue (a dismissed one only with new categories).\n"
		"Re-running with an unchanged pack changes nothing: the versions it scored\n"
		"already are counted, not read nor analysed again.\n\n"
		"Any number of rescan processes with the same pack, --since and --source, on\n"
		"one machine or many, share one rescan: the listings are cut into chunks that\n"
		"each process takes in turn, so each listing is scored once; a killed\n"
		"process's chunk is taken over when its lease expires. The progress bar shows\n"
		"the whole rescan.\n\n"
		"  --since DATE    only listings seen since DATE (e.g. 2026-11-01)\n"
		"  --source NAME   only listings of this source\n"
		"  -r, --rules PACK  rule pack (default: matcher.rules, ./rules)\n"
		"  -j, --jobs N    worker processes on this machine (default 1)\n"
		"  --threads N     analysing threads per worker (default: the cores shared out)\n"
		"  --lease S       seconds a chunk stays a worker's without it finishing (default 60)\n"
		"  --chunk N       listings per chunk, when this process starts the rescan\n"
		"                  (default: about 64 chunks of 500 to 5,000 listings)\n"
		"  -q, --quiet     no progress bar\n");
}

static void bar(long done, long total, double t0, int final)
{
	int width = 30, fill = total ? (int)((double)done / (double)total * width) : width;
	double t = lw_now() - t0;

	if (fill > width)
		fill = width;
	fprintf(stderr, "\r\033[Krescan [%.*s%*s] %ld/%ld  %.0f listings/s%s", fill,
		"##############################", width - fill, "", done, total,
		t > 0 ? (double)done / t : 0, final ? "\n" : "");
}

static void on_reject(const struct store_listing *l, const char *msg, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "\nlurewatch: %s: %s\n", l->origin, msg);
}

struct job {
	const struct config *cfg;
	struct store *st;
	struct engine_ingest *in;
	struct store_rescan *cur;       /* the reading connection, kept across chunks */
	long chunk_size;                /* 0: about 64 chunks */
	const char *since, *source, *owner, *pack_hash;
	long rescan_id;
	int lease, progress;
	double t0, last;
	long done_at_start;
};

static void show(struct job *j, int final)
{
	struct lw_error err;
	long done, total;

	if (!j->progress || (!final && lw_now() - j->last < 0.3))
		return;
	j->last = lw_now();
	if (store_rescan_progress(j->st, j->rescan_id, &done, &total, &err) == 0)
		bar(done, total, j->t0, final);
}

/* Scores one chunk: its listings streamed, analysed, flushed. */
static int one_chunk(struct job *j, long lo, long hi, struct lw_error *err)
{
	struct store_rescan_row *rows = NULL;
	size_t n = 0;
	int rc = -1;

	/* One reading connection for all chunks: a new one per chunk cost a
	 * connection set-up (and a cursor) per 500 listings. */
	if (!j->cur) {
		j->cur = store_rescan_open(j->st, j->since, j->source, j->pack_hash, err);
		if (!j->cur)
			return -1;
	}
	store_rescan_seek(j->cur, lo, hi);
	do {
		if (store_rescan_next(j->cur, PAGE, &rows, &n, err) < 0)
			goto out;
		for (size_t i = 0; i < n && !stop_flag; i++)
			if (engine_ingest_rescore(j->in, &rows[i], err) < 0)
				goto out;
		store_rescan_rows_free(rows, n);
		rows = NULL;
		show(j, 0);
	} while (n > 0 && !stop_flag);
	rc = engine_ingest_flush(j->in, err);
out:
	store_rescan_rows_free(rows, rows ? n : 0);
	return rc;
}

/* Marks a chunk done and says how far this worker has got. */
static int release(struct job *j, long chunk, struct lw_error *err)
{
	if (store_rescan_chunk_done(j->st, j->rescan_id, chunk, j->owner, err) < 0)
		return -1;
	return store_worker_beat(j->st, j->owner, "rescan",
				 (long long)engine_ingest_stats(j->in)->seen, err);
}

/* Joins the shared rescan of this pack and filter (or starts it). */
static int join(struct store *st, const char *pack_hash, const char *since, const char *source,
		long chunk_size, long *rescan_id, struct lw_error *err)
{
	struct lw_buf key;
	long total;
	int rc;

	lw_buf_init(&key, 4096);
	lw_buf_printf(&key, "%s|%s|%s", pack_hash, since ? since : "", source ? source : "");
	rc = store_rescan_join(st, key.data, since, source, chunk_size, rescan_id, &total, err);
	lw_buf_release(&key);
	return rc;
}

/* Keeps this worker's chunks leased while it is busy: a chunk of slow
 * listings, or the network priority waiting for another worker's batches,
 * can outlast the lease, and a chunk whose lease expires is scored again by
 * another worker (which then redoes the priority of the whole rescan). Its
 * own connection, since the worker's is busy in the statement that takes
 * long. */
struct keeper {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct store *st;
	long rescan_id;
	const char *owner;
	int lease, stop, running;
};

static void *keeper_main(void *arg)
{
	struct keeper *k = arg;
	struct lw_error err;
	int warned = 0;

	pthread_mutex_lock(&k->mu);
	while (!k->stop) {
		struct timespec until;
		int every = k->lease / 3 > 1 ? k->lease / 3 : 1;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += every;
		while (!k->stop && pthread_cond_timedwait(&k->cv, &k->mu, &until) != ETIMEDOUT)
			;
		if (k->stop)
			break;
		pthread_mutex_unlock(&k->mu);
		if (store_rescan_renew(k->st, k->rescan_id, k->owner, k->lease, &err) < 0 && !warned) {
			/* The claim renews too; a lease lost now costs work done twice, never a result. */
			fprintf(stderr, "\nlurewatch: cannot renew this worker's rescan lease: %s\n", err.msg);
			warned = 1;
		}
		pthread_mutex_lock(&k->mu);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

/* A second connection to the worker's database: already started and
 * migrated by the worker's own, so quietly. */
static struct store *keeper_connect(const struct config *cfg)
{
	struct lw_error err;
	struct store_timeouts t = { cfg->db_statement_timeout, cfg->db_long_statement_timeout,
				    cfg->db_connect_timeout };
	char *ci = store_conninfo(cfg, 0, NULL, &err);
	struct store *st = NULL;

	if (ci)
		st = store_open_timed(ci, 0, &t, &err);
	free(ci);
	if (!st)
		fprintf(stderr, "lurewatch: no second connection to renew leases (%s): leases renewed"
			" only between chunks\n", err.msg);
	return st;
}

/* Starts k for j's rescan; without a connection the worker runs on, its
 * leases renewed only as it claims. */
static void keeper_start(struct keeper *k, const struct job *j)
{
	memset(k, 0, sizeof(*k));
	k->rescan_id = j->rescan_id;
	k->owner = j->owner;
	k->lease = j->lease;
	k->st = keeper_connect(j->cfg);
	if (!k->st)
		return;
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if (pthread_create(&k->thread, NULL, keeper_main, k) != 0) {
		fprintf(stderr, "lurewatch: cannot start the lease keeper: leases renewed only between chunks\n");
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		store_close(k->st);
		k->st = NULL;
		return;
	}
	k->running = 1;
}

static void keeper_stop(struct keeper *k)
{
	if (k->running) {
		pthread_mutex_lock(&k->mu);
		k->stop = 1;
		pthread_cond_signal(&k->cv);
		pthread_mutex_unlock(&k->mu);
		pthread_join(k->thread, NULL);
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		k->running = 0;
	}
	store_close(k->st);
	k->st = NULL;
}

static int run(struct job *j, const char *pack_hash)
{
	struct lw_error err;
	struct keeper k = { 0 };
	long chunk, lo, hi, held = -1;
	int r, attempts, rc = -1;

	j->t0 = lw_now();
	j->pack_hash = pack_hash;
	/* Workers of one `--jobs N` come with the rescan their parent joined. */
	if (!j->rescan_id &&
	    join(j->st, pack_hash, j->since, j->source, j->chunk_size, &j->rescan_id, &err) < 0)
		goto fail;
	keeper_start(&k, j);
	while (!stop_flag) {
		r = store_rescan_claim(j->st, j->rescan_id, j->owner, j->lease, &chunk, &lo, &hi, &attempts,
				      &err);
		if (r < 0)
			goto fail;
		if (r != 1 && held >= 0) {
			/* No chunk left to take: the networks' priority over all
			 * this worker scored, then its last chunk is done. */
			if (engine_ingest_priority_run(j->in, 0, 0, 0, &err) < 0 ||
			    release(j, held, &err) < 0)
				goto fail;
			held = -1;
			continue;
		}
		if (r == 2) {
			/* A worker died holding deferred work (its chunk was
			 * taken again): the finisher redoes the priority of
			 * every network the rescan touched. */
			if (attempts > 1 && engine_ingest_priority_run(j->in, lo, hi, 1, &err) < 0)
				goto fail;
			break;
		}
		if (r == 0) {
			/* Others hold the last chunks: wait, in case one dies. */
			show(j, 0);
			usleep(300000);
			continue;
		}
		if (one_chunk(j, lo, hi, &err) < 0)
			goto fail;
		if (stop_flag)
			break;
		/* The chunk before this one is done now; this one stays ours
		 * until the next, so a worker holding deferred priority work
		 * always holds a chunk, and if it dies that chunk is taken
		 * again (attempts > 1), which tells the finisher. */
		if (held >= 0 && release(j, held, &err) < 0)
			goto fail;
		held = chunk;
	}
	show(j, 1);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "%slurewatch: %s\n", j->progress ? "\n" : "", err.msg);
out:
	keeper_stop(&k);
	store_rescan_close(j->cur);
	j->cur = NULL;
	store_worker_gone(j->st, j->owner, &err);
	return rc;
}

struct opts {
	const char *since, *source, *rules;
	double jobs, threads, lease, chunk;
	int quiet;
};

/* What the workers of one command share, made once before any fork: the
 * configuration, the compiled pack and, with --jobs, the rescan they work
 * on. */
struct shared {
	struct config *cfg;
	struct matcher *m;
	char pack_hash[80];
	long rescan_id;         /* 0: the worker joins (or starts) the rescan itself */
};

static int shared_open(struct shared *sh, const struct opts *o)
{
	struct lw_error err;

	memset(sh, 0, sizeof(*sh));
	sh->cfg = cli_config_load();
	if (!sh->cfg)
		return -1;
	sh->m = cli_matcher_open(cli_default_pack(o->rules ? o->rules : sh->cfg->rules), NULL, 0,
				 sh->cfg->threshold, &err);
	if (!sh->m) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		return -1;
	}
	snprintf(sh->pack_hash, sizeof(sh->pack_hash), "%s",
		 matcher_pack_hash(matcher_get_pack(sh->m)));
	return 0;
}

static void shared_close(struct shared *sh)
{
	matcher_free(sh->m);
	config_free(sh->cfg);
}

/* One worker: its own connection and analysing threads. Writes its counts
 * to *stats. */
static int worker(const struct opts *o, const struct shared *sh, int progress,
		  struct store_ingest_stats *stats)
{
	struct config *cfg = sh->cfg;
	struct store *st = NULL;
	struct engine_ingest *in = NULL;
	struct lw_error err;
	struct job j;
	char owner[300], host[256];
	int rc = CLI_ERROR;

	st = cli_store_open(cfg);
	if (!st)
		goto out;
	in = engine_ingest_new(st, sh->m, NULL, "rescan", PAGE, (int)o->threads, &err);
	if (!in) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	engine_ingest_on_reject(in, on_reject, NULL);
	engine_ingest_set_defer_priority(in, 1);
	engine_ingest_set_links(in, cfg->network_exclude, cfg->nnetwork_exclude,
			       cfg->near_duplicate_bits, cfg->phone_region);
	{
		struct store_network_rules nr;

		store_network_rules_from_config(&nr, cfg);
		engine_ingest_set_rules(in, &nr);
	}
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(owner, sizeof(owner), "%s:%ld", host, (long)getpid());
	memset(&j, 0, sizeof(j));
	j.cfg = cfg;
	j.st = st;
	j.in = in;
	j.since = o->since;
	j.source = o->source;
	j.owner = owner;
	j.lease = (int)o->lease;
	j.chunk_size = (long)o->chunk;
	j.progress = progress;
	j.rescan_id = sh->rescan_id;
	if (run(&j, sh->pack_hash) == 0) {
		*stats = *engine_ingest_stats(in);
		rc = stop_flag ? CLI_NONE : CLI_OK;
	}
out:
	engine_ingest_free(in);
	store_close(st);
	return rc;
}

static void add_stats(struct store_ingest_stats *a, const struct store_ingest_stats *b)
{
	a->seen += b->seen;
	a->rescored += b->rescored;
	a->flagged += b->flagged;
	a->queued += b->queued;
	a->requeued += b->requeued;
	a->already += b->already;
}

/* N workers as child processes; each sends its counts back through a pipe.
 * The rescan is joined here, before the fork: a worker that joined by itself
 * after its sibling had finished every chunk found no unfinished rescan,
 * started a second one and scored every listing again (the summary then
 * counted each listing twice). */
static int run_jobs(const struct opts *o, struct shared *sh, int progress,
		    struct store_ingest_stats *sum)
{
	int n = (int)o->jobs, rc = CLI_OK;
	int fds[64];
	pid_t pids[64];
	struct store *st = cli_store_open(sh->cfg);
	struct lw_error err;

	if (!st)
		return CLI_ERROR;
	if (join(st, sh->pack_hash, o->since, o->source, (long)o->chunk, &sh->rescan_id, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		store_close(st);
		return CLI_ERROR;
	}
	/* A connection is not shared across a fork: each worker opens its own. */
	store_close(st);
	for (int i = 0; i < n; i++) {
		int p[2];

		fds[i] = -1;
		pids[i] = -1;
		if (pipe(p) != 0) {
			rc = CLI_ERROR;
			continue;
		}
		fflush(NULL);
		pids[i] = fork();
		if (pids[i] == 0) {
			struct store_ingest_stats s;
			int r;

			close(p[0]);
			memset(&s, 0, sizeof(s));
			r = worker(o, sh, progress && i == 0, &s);
			if (write(p[1], &s, sizeof(s)) != (ssize_t)sizeof(s))
				r = CLI_ERROR;
			close(p[1]);
			_exit(r);
		}
		close(p[1]);
		fds[i] = p[0];
		if (pids[i] < 0)
			rc = CLI_ERROR;
	}
	for (int i = 0; i < n; i++) {
		struct store_ingest_stats s;
		int status;

		if (fds[i] >= 0) {
			if (read(fds[i], &s, sizeof(s)) == (ssize_t)sizeof(s))
				add_stats(sum, &s);
			close(fds[i]);
		}
		if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] &&
		    (!WIFEXITED(status) || WEXITSTATUS(status) != CLI_OK) && rc == CLI_OK)
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : CLI_ERROR;
	}
	return rc;
}

int cmd_rescan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "source", required_argument, NULL, 'S' },
		{ "rules", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "threads", required_argument, NULL, 'T' },
		{ "lease", required_argument, NULL, 'l' },
		{ "chunk", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o;
	struct shared sh;
	struct store_ingest_stats sum;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	char already[96] = "";
	int c, rc;

	memset(&o, 0, sizeof(o));
	memset(&sum, 0, sizeof(sum));
	o.jobs = 1;
	o.lease = 60;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o.since = optarg; break;
		case 'S': o.source = optarg; break;
		case 'r': o.rules = optarg; break;
		case 'q': o.quiet = 1; break;
		case 'j':
			if (cli_parse_double("--jobs", optarg, &o.jobs) < 0 || o.jobs < 1 || o.jobs > 64) {
				fprintf(stderr, "lurewatch: --jobs takes 1 to 64\n");
				return CLI_ERROR;
			}
			break;
		case 'T':
			if (cli_parse_double("--threads", optarg, &o.threads) < 0 || o.threads < 1 ||
			    o.threads > 64) {
				fprintf(stderr, "lurewatch: --threads takes 1 to 64\n");
				return CLI_ERROR;
			}
			break;
		case 'l':
			if (cli_parse_double("--lease", optarg, &o.lease) < 0 || o.lease < 2 ||
			    o.lease > 86400) {
				fprintf(stderr, "lurewatch: --lease takes 2 to 86400 seconds\n");
				return CLI_ERROR;
			}
			break;
		case 'C':
			if (cli_parse_double("--chunk", optarg, &o.chunk) < 0 || o.chunk < 1 ||
			    o.chunk > 10000000 || o.chunk != (double)(long)o.chunk) {
				fprintf(stderr, "lurewatch: --chunk takes 1 to 10000000 listings\n");
				return CLI_ERROR;
			}
			break;
		case 'h': usage(stdout); return CLI_OK;
		default: usage(stderr); return CLI_ERROR;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return CLI_ERROR;
	}
	if (!o.threads && o.jobs > 1)
		o.threads = cores > o.jobs ? (double)(cores / (long)o.jobs) : 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (shared_open(&sh, &o) < 0) {
		shared_close(&sh);
		return CLI_ERROR;
	}
	if (o.jobs > 1)
		rc = run_jobs(&o, &sh, !o.quiet && isatty(2), &sum);
	else
		rc = worker(&o, &sh, !o.quiet && isatty(2), &sum);
	if (sum.already)
		snprintf(already, sizeof(already), "; %zu already scored by this pack, left as they were",
			 sum.already);
	if (rc == CLI_OK || rc == CLI_NONE)
		printf("rescanned %zu listings with pack %.12s: %zu scored afresh, %zu flagged, "
		       "%zu queue updates (%zu re-queued)%s%s\n",
		       sum.seen, sh.pack_hash, sum.rescored, sum.flagged, sum.queued, sum.requeued,
		       already, stop_flag ? "; interrupted" : "");
	shared_close(&sh);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/* `lurewatch daemon`: crawls each source on its schedule, matches and
 * queues continuously; SIGHUP reloads the configuration and rule pack
 * (keeping the old ones if the new are broken), SIGTERM/SIGINT stop after
 * releasing every lease. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../config/config.h"
#include "../crawler/crawler.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/log.h"
#include "../util/xmalloc.h"
#include "../web/web.h"
#include "cli.h"

/* How often the daemon looks for due sources when none is running. */
#define IDLE_SECONDS 5

static volatile sig_atomic_t term_flag, hup_flag, interrupt_flag;

static void on_term(int sig)
{
	(void)sig;
	term_flag = 1;
	interrupt_flag = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	hup_flag = 1;
	interrupt_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch daemon [--pidfile FILE] [--syslog] [--once-idle]\n\n"
		"Runs until stopped: crawls every enabled source when its interval has passed,\n"
		"scores and queues what it finds. Logs one logfmt line per event on stderr\n"
		"(or to syslog with --syslog), at lurewatch.log_level.\n\n"
		"Signals: SIGHUP re-reads the configuration and rule pack and swaps them in\n"
		"when both are valid (a broken one is reported and the old keeps running);\n"
		"SIGTERM or SIGINT stop taking work, give every frontier lease back and exit 0.\n\n"
		"  --pidfile FILE  write the process id there (removed on exit)\n"
		"  --syslog        log to syslog (facility daemon) instead of stderr\n"
		"  --once-idle     exit 0 as soon as no source has work (for tests)\n");
}

struct state {
	struct config *cfg;
	struct matcher *m;
	struct store *st;
};

static struct matcher *load_pack(const struct config *cfg, struct lw_error *err)
{
	return cli_matcher_open(cli_default_pack(cfg->rules), NULL, 0, cfg->threshold, err);
}

/* Builds the new configuration and matcher; swaps only when both are good. */
static void reload(struct state *s)
{
	struct lw_error err;
	struct config *cfg = config_load(cli_config_path, &err);
	struct matcher *m = NULL;

	if (!cfg) {
		lw_log(LW_LOG_ERROR, "reload_failed", "what=config err=%s", lw_log_q(err.msg));
		return;
	}
	m = load_pack(cfg, &err);
	if (!m) {
		lw_log(LW_LOG_ERROR, "reload_failed", "what=rules err=%s", lw_log_q(err.msg));
		config_free(cfg);
		return;
	}
	matcher_free(s->m);
	config_free(s->cfg);
	s->m = m;
	s->cfg = cfg;
	lw_log_setup(cfg->log_level, -1);
	lw_log(LW_LOG_INFO, "reloaded", "rules=%s pack=%.12s sources=%zu",
	       lw_log_q(cli_default_pack(cfg->rules)), matcher_pack_hash(matcher_get_pack(m)),
	       cfg->nsources);
}

/* Pages fetched in every round so far: the daemon's done count in the
 * worker registry. */
static long long daemon_done;

/* Keeps the daemon listed in `status` between rounds (a crawl round beats
 * for itself, under the same owner and role). */
static void daemon_beat(struct state *s, const char *owner)
{
	struct lw_error err;

	if (store_worker_beat(s->st, owner, "daemon", daemon_done, &err) < 0)
		lw_log(LW_LOG_WARN, "worker_beat", "error=%s", lw_log_q(err.msg));
}

/* One crawl of every due source; returns 1 when it did any work, -1 when it
 * failed. */
static int crawl_round(struct state *s, const char *owner)
{
	struct crawler_options o;
	struct crawler_stats stats;
	struct lw_error err;

	memset(&o, 0, sizeof(o));
	o.stop = &interrupt_flag;
	o.owner = owner;
	o.role = "daemon";
	o.keep_worker = 1;
	o.done_base = daemon_done;
	memset(&stats, 0, sizeof(stats));
	if (crawler_run(s->cfg, s->st, s->m, &o, &stats, &err) < 0) {
		daemon_done += stats.fetched + stats.not_modified;
		/* The database may be restarting: leases expire and the work is
		 * picked up on a later round, nothing is lost. */
		lw_log(LW_LOG_ERROR, "crawl_failed", "err=%s", lw_log_q(err.msg));
		return -1;
	}
	daemon_done += stats.fetched + stats.not_modified;
	if (stats.fetched || stats.not_modified || stats.failed || stats.skipped)
		lw_log(stats.failed ? LW_LOG_WARN : LW_LOG_INFO, "crawl_round",
		       "sources=%ld fetched=%ld not_modified=%ld ads=%ld discovered=%ld failed=%ld "
		       "retries=%ld robots_skipped=%ld seconds=%.1f%s",
		       stats.sources_run, stats.fetched, stats.not_modified, stats.listings,
		       stats.discovered, stats.failed, stats.retries, stats.skipped, stats.seconds,
		       interrupt_flag ? " interrupted=true" : "");
	return stats.fetched || stats.not_modified || stats.failed || stats.skipped || stats.retries;
}

/* Ingestion leaves the search index to the daemon (migration 094). It is
 * brought up to date between rounds, SEARCH_SECONDS at most at a time so
 * a large backlog does not hold up the crawl (the rest waits for the next
 * round; search reads what is waiting meanwhile). Returns 1 when it
 * indexed anything, 0 when nothing was waiting, -1 when it failed. */
#define SEARCH_SECONDS 2.0
static int index_search(struct state *s)
{
	struct timespec t0, t;
	struct lw_error err;
	long n, total = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (store_search_index(s->st, STORE_SEARCH_BATCH, &n, &err) < 0) {
			lw_log(LW_LOG_WARN, "search_index_failed", "error=%s", lw_log_q(err.msg));
			return -1;
		}
		total += n;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (n > 0 && !term_flag &&
		 (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < SEARCH_SECONDS);
	if (total)
		lw_log(LW_LOG_INFO, "search_indexed", "listings=%ld", total);
	return total > 0;
}

/* Sleeps up to seconds, waking early for a signal, beating every 2 s as a
 * crawl does. */
static void idle(struct state *s, const char *owner, int seconds)
{
	struct timespec ts = { 0, 100000000 };

	for (int i = 0; i < seconds * 10 && !term_flag && !hup_flag; i++) {
		if (i % 20 == 0)
			daemon_beat(s, owner);
		nanosleep(&ts, NULL);
	}
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pidfile", required_argument, NULL, 'p' },
		{ "syslog", no_argument, NULL, 's' },
		{ "once-idle", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct state s = { NULL, NULL, NULL };
	struct sigaction sa;
	struct lw_error err;
	const char *pidfile = NULL;
	char host[256] = "localhost";
	struct lw_buf owner;
	struct web_server *metrics = NULL;
	int c, use_syslog = 0, once_idle = 0, rc = CLI_ERROR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': pidfile = optarg; break;
		case 's': use_syslog = 1; break;
		case 'o': once_idle = 1; break;
		case 'h': usage(stdout); return CLI_OK;
		default: usage(stderr); return CLI_ERROR;
		}
	}
	s.cfg = cli_config_load();
	if (!s.cfg)
		return CLI_ERROR;
	lw_log_setup(s.cfg->log_level, use_syslog);
	s.m = load_pack(s.cfg, &err);
	if (!s.m) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	s.st = cli_store_open(s.cfg);
	if (!s.st)
		goto out;
	if (s.cfg->daemon_metrics_listen) {
		char *ci = store_conninfo(s.cfg, 1, stderr, &err);

		metrics = ci ? web_metrics_new(s.cfg, ci, s.cfg->daemon_metrics_listen, &err) : NULL;
		free(ci);
		if (!metrics) {
			fprintf(stderr, "lurewatch: metrics: %s\n", err.msg);
			goto out;
		}
		lw_log(LW_LOG_INFO, "metrics", "url=%smetrics", web_server_url(metrics));
	}
	if (pidfile && write_pidfile(pidfile) < 0) {
		fprintf(stderr, "lurewatch: cannot write pidfile '%s': %s\n", pidfile, strerror(errno));
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	gethostname(host, sizeof(host) - 1);
	lw_buf_init(&owner, 512);
	lw_buf_printf(&owner, "%s:%ld", host, (long)getpid());
	lw_log(LW_LOG_INFO, "started", "pid=%ld pack=%.12s sources=%zu", (long)getpid(),
	       matcher_pack_hash(matcher_get_pack(s.m)), s.cfg->nsources);
	while (!term_flag) {
		int worked;

		if (hup_flag) {
			hup_flag = 0;
			reload(&s);
		}
		interrupt_flag = 0;
		daemon_beat(&s, owner.data);
		worked = crawl_round(&s, owner.data);
		if (!term_flag && index_search(&s) > 0 && worked == 0)
			worked = 1;
		if (term_flag || (once_idle && !worked && !hup_flag))
			break;
		/* A failure (the database is down) waits too, not to spin. */
		if (worked <= 0)
			idle(&s, owner.data, IDLE_SECONDS);
	}
	if (store_worker_gone(s.st, owner.data, &err) < 0)
		lw_log(LW_LOG_WARN, "worker_gone", "error=%s", lw_log_q(err.msg));
	lw_log(LW_LOG_INFO, "stopped", "pid=%ld", (long)getpid());
	rc = CLI_OK;
	lw_buf_release(&owner);
out:
	if (pidfile)
		unlink(pidfile);
	web_server_free(metrics);
	store_close(s.st);
	matcher_free(s.m);
	config_free(s.cfg);
	return rc;
}

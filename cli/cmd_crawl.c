/* SPDX-License-Identifier: MIT */
/* `lurewatch crawl`: crawl the configured sources into the store and the
 * review queue, by hand or from cron. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../config/config.h"
#include "../crawler/crawler.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "cli.h"

#define CRAWL_LOCKED 3

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch crawl [--source NAME]... [--once] [--due] [--max-pages N]\n"
		"                       [--rules PACK] [--quiet]\n\n"
		"Crawls the sources of the configuration ([source NAME] sections; see the README)\n"
		"politely — robots.txt, per-host delays, conditional GET — scores every ad and\n"
		"queues the flagged ones. Several crawl processes may run at once, on one\n"
		"machine or many: they share the frontier in the database and never fetch the\n"
		"same page twice in a pass. A crawl killed at any point resumes where it was.\n\n"
		"  --source NAME   crawl only this source (repeatable; default: all enabled)\n"
		"  --once          a cron run: a source another run is crawling is skipped\n"
		"  --due           start a pass only for sources whose interval has passed\n"
		"  --max-pages N   fetch at most N pages per source in this run\n"
		"  -r, --rules PACK  rule pack (default: matcher.rules, ./rules)\n"
		"  -q, --quiet     no progress line and no summary\n\n"
		"Exit status: 0 all pages fetched, 1 some pages failed (recorded in the\n"
		"frontier), 2 configuration, usage or database error, 3 a source was skipped\n"
		"because another run holds it.\n");
}

static char *owner_id(void)
{
	char host[256] = "localhost";
	struct lw_buf b;

	gethostname(host, sizeof(host) - 1);
	lw_buf_init(&b, 512);
	lw_buf_printf(&b, "%s:%ld", host, (long)getpid());
	return lw_buf_detach(&b, NULL);
}

static void summary(const struct crawler_stats *s)
{
	printf("crawl: %ld pages fetched, %ld not modified, %ld ads stored, %ld URLs discovered, "
	       "%ld failed, %ld retries, %ld skipped by robots.txt, %.1f s",
	       s->fetched, s->not_modified, s->listings, s->discovered, s->failed, s->retries,
	       s->skipped, s->seconds);
	if (s->sources_locked)
		printf("; %ld source%s skipped: another run holds %s", s->sources_locked,
		       s->sources_locked == 1 ? "" : "s", s->sources_locked == 1 ? "it" : "them");
	printf("\n");
	if (s->cut_short[0])
		printf("crawl: stopped short by a limit (%s): raise it in the source's section "
		       "to crawl further\n", s->cut_short);
}

int cmd_crawl(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "once", no_argument, NULL, 'o' },
		{ "due", no_argument, NULL, 'd' },
		{ "max-pages", required_argument, NULL, 'm' },
		{ "rules", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct crawler_options o;
	struct crawler_stats stats;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct matcher *m = NULL;
	struct lw_error err;
	const char *rules = NULL;
	char **names = NULL;
	double maxp = 0;
	int c, quiet = 0, due = 0, rc = CLI_ERROR;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:r:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			names = xreallocarray(names, o.nsources + 1, sizeof(*names));
			names[o.nsources++] = optarg;
			break;
		case 'o': o.once = 1; break;
		case 'd': due = 1; break;
		case 'm':
			if (cli_parse_double("--max-pages", optarg, &maxp) < 0 || maxp < 1)
				goto usage_error;
			break;
		case 'r': rules = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); free(names); return CLI_OK;
		default: goto usage_error;
		}
	}
	if (optind != argc)
		goto usage_error;
	o.sources = names;
	o.force = !due;
	o.max_pages = (long)maxp;
	o.progress = !quiet && isatty(2);
	o.stop = &stop_flag;
	o.owner = owner_id();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	cfg = cli_config_load();
	if (!cfg)
		goto out;
	if (cfg->nsources == 0) {
		fprintf(stderr, "lurewatch: no sources configured: add [source NAME] sections to %s\n",
			cfg->path ? cfg->path : "lurewatch.conf (see the README)");
		goto out;
	}
	m = cli_matcher_open(cli_default_pack(rules ? rules : cfg->rules), NULL, 0, cfg->threshold, &err);
	if (!m) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	st = cli_store_open(cfg);
	if (!st)
		goto out;
	if (crawler_run(cfg, st, m, &o, &stats, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	if (!quiet)
		summary(&stats);
	rc = stats.sources_locked ? CRAWL_LOCKED : stats.failed ? CLI_NONE : CLI_OK;
out:
	store_close(st);
	matcher_free(m);
	config_free(cfg);
	free((char *)o.owner);
	free(names);
	return rc;
usage_error:
	usage(stderr);
	free(names);
	return CLI_ERROR;
}

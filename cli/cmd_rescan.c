/* SPDX-License-Identifier: MIT */
/* `lurewatch rescan`: score stored listings again with the current rule
 * pack, so a rule written today finds last month's ads. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../config/config.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "cli.h"

/* Rows a FETCH brings: enough to keep the pool busy, little memory. */
#define PAGE 2000

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch rescan [--since DATE] [--source NAME] [-r PACK] [-j N] [--quiet]\n\n"
		"Scores stored listings (their current versions) again with the current rule\n"
		"pack. A version scored by another pack gets the new hits and score; listings\n"
		"that are now flagged join the queue (a dismissed one only with new categories).\n"
		"Re-running with an unchanged pack changes nothing.\n\n"
		"  --since DATE    only listings seen since DATE (e.g. 2026-11-01)\n"
		"  --source NAME   only listings of this source\n"
		"  -r, --rules PACK  rule pack (default: matcher.rules, ./rules)\n"
		"  -j, --jobs N    analysing threads (default: one per core)\n"
		"  -q, --quiet     no progress bar\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bar(long done, long total, double t0, int final)
{
	int width = 30, fill = total ? (int)((double)done / (double)total * width) : width;
	double t = now_s() - t0;

	fprintf(stderr, "\r\033[Krescan [%.*s%*s] %ld/%ld  %.0f listings/s%s", fill,
		"##############################", width - fill, "", done, total,
		t > 0 ? (double)done / t : 0, final ? "\n" : "");
}

static void on_reject(const struct store_listing *l, const char *msg, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "\nlurewatch: %s: %s\n", l->origin, msg);
}

static int run(struct store *st, struct engine_ingest *in, const char *since, const char *source,
	       int progress)
{
	struct store_rescan_row *rows = NULL;
	struct store_rescan *cur = NULL;
	struct lw_error err;
	long total = 0, done = 0;
	size_t n = 0;
	double t0 = now_s(), last = 0;
	int rc = -1;

	if (store_rescan_count(st, since, source, &total, &err) < 0)
		goto fail;
	cur = store_rescan_open(st, since, source, &err);
	if (!cur)
		goto fail;
	do {
		if (store_rescan_next(cur, PAGE, &rows, &n, &err) < 0)
			goto fail;
		for (size_t i = 0; i < n && !stop_flag; i++) {
			if (engine_ingest_rescore(in, &rows[i], &err) < 0)
				goto fail;
			done++;
		}
		store_rescan_rows_free(rows, n);
		rows = NULL;
		if (progress && now_s() - last > 0.2) {
			bar(done, total, t0, 0);
			last = now_s();
		}
	} while (n > 0 && !stop_flag);
	if (engine_ingest_flush(in, &err) < 0)
		goto fail;
	if (progress)
		bar(done, total, t0, 1);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "%slurewatch: %s\n", progress ? "\n" : "", err.msg);
out:
	store_rescan_rows_free(rows, rows ? n : 0);
	store_rescan_close(cur);
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *since = NULL, *source = NULL, *rules = NULL;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct matcher *m = NULL;
	struct engine_ingest *in = NULL;
	double jobs = 0;
	struct lw_error err;
	int c, quiet = 0, rc = CLI_ERROR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': since = optarg; break;
		case 'S': source = optarg; break;
		case 'r': rules = optarg; break;
		case 'q': quiet = 1; break;
		case 'j':
			if (cli_parse_double("--jobs", optarg, &jobs) < 0 || jobs < 1 || jobs > 64) {
				fprintf(stderr, "lurewatch: --jobs takes 1 to 64\n");
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
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	cfg = cli_config_load();
	if (!cfg)
		goto out;
	m = cli_matcher_open(cli_default_pack(rules ? rules : cfg->rules), NULL, 0, cfg->threshold, &err);
	if (!m) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	st = cli_store_open(cfg);
	if (!st)
		goto out;
	in = engine_ingest_new(st, m, NULL, "rescan", 2000, (int)jobs, &err);
	if (!in) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	engine_ingest_on_reject(in, on_reject, NULL);
	engine_ingest_set_links(in, cfg->network_exclude, cfg->nnetwork_exclude,
			       cfg->near_duplicate_bits, cfg->phone_region);
	{
		struct store_network_rules nr;

		store_network_rules_from_config(&nr, cfg);
		engine_ingest_set_rules(in, &nr);
	}
	if (run(st, in, since, source, !quiet && isatty(2)) == 0) {
		const struct store_ingest_stats *s = engine_ingest_stats(in);

		printf("rescanned %zu listings with pack %.12s: %zu scored afresh, %zu flagged, "
		       "%zu queue updates (%zu re-queued)%s\n",
		       s->seen, matcher_pack_hash(matcher_get_pack(m)), s->rescored, s->flagged,
		       s->queued, s->requeued, stop_flag ? "; interrupted" : "");
		rc = stop_flag ? CLI_NONE : CLI_OK;
	}
out:
	engine_ingest_free(in);
	store_close(st);
	matcher_free(m);
	config_free(cfg);
	return rc;
}

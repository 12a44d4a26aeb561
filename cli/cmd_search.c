/* SPDX-License-Identifier: MIT */
/* `lurewatch search`: full-text search of stored listings from the shell,
 * as the web's search page does it, and --reindex to bring the search
 * index up to date (ingestion leaves that to the daemon or to this). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../store/store.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: lurewatch search [--json] [--limit N] [--offset N] QUERY\n"
		   "       lurewatch search --reindex [--quiet]\n\n"
		   "QUERY uses web search syntax: words, \"a phrase\", -excluded, or.\n"
		   "Listings stored since the index was last brought up to date are\n"
		   "searched by reading their text (the newest %d); the result says how\n"
		   "many there were and how many could not be searched. --reindex indexes\n"
		   "every waiting listing (the daemon does so between crawl rounds).\n"
		   "Exit status: 0 found, 1 nothing found, 2 error.\n",
		STORE_SEARCH_TAIL);
}

static int reindex(struct store *st, int quiet)
{
	struct lw_error err;
	long n, total = 0;

	do {
		if (store_search_index(st, STORE_SEARCH_BATCH, &n, &err) < 0) {
			fprintf(stderr, "lurewatch: %s\n", err.msg);
			return CLI_ERROR;
		}
		total += n;
	} while (n > 0);
	if (!quiet)
		printf("search index: %ld waiting listings indexed\n", total);
	return CLI_OK;
}

static void print_text(json_t *res, long offset)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(res, "results"), i, x) {
		const char *t = json_string_value(json_object_get(x, "title"));
		const char *u = json_string_value(json_object_get(x, "url"));

		printf("%ld. %s\n   %s\n", offset + (long)i + 1, t ? t : "", u ? u : "");
	}
	printf("%lld listings match", (long long)json_integer_value(json_object_get(res, "total")));
	if (json_integer_value(json_object_get(res, "unsearched")) > 0)
		printf("; %lld listings waiting for the search index were not searched "
		       "(lurewatch search --reindex)",
		       (long long)json_integer_value(json_object_get(res, "unsearched")));
	else if (json_integer_value(json_object_get(res, "pending")) > 0)
		printf(" (%lld not yet indexed, searched directly)",
		       (long long)json_integer_value(json_object_get(res, "pending")));
	printf("\n");
}

int cmd_search(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'l' },
		{ "offset", required_argument, NULL, 'o' },
		{ "reindex", no_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct lw_error err;
	json_t *res = NULL;
	double limit = 20, offset = 0;
	int c, json = 0, re = 0, quiet = 0, rc = CLI_ERROR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'l': if (cli_parse_double("--limit", optarg, &limit) < 0) return CLI_ERROR; break;
		case 'o': if (cli_parse_double("--offset", optarg, &offset) < 0) return CLI_ERROR; break;
		case 'r': re = 1; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return CLI_OK;
		default: usage(stderr); return CLI_ERROR;
		}
	}
	/* Bounded before the casts: a huge double does not fit a long. */
	if (limit > 10000 || offset > 1e9) {
		fprintf(stderr, "lurewatch: --limit is at most 10000 and --offset at most 1e9\n");
		return CLI_ERROR;
	}
	if (re ? optind != argc : optind + 1 != argc) {
		usage(stderr);
		return CLI_ERROR;
	}
	cfg = cli_config_load();
	if (!cfg)
		goto out;
	st = cli_store_open(cfg);
	if (!st)
		goto out;
	if (re) {
		rc = reindex(st, quiet);
		goto out;
	}
	if (store_search(st, argv[optind], (long)limit, (long)offset, &res, &err) < 0) {
		fprintf(stderr, "lurewatch: search: %s\n", err.msg);
		goto out;
	}
	if (json)
		cli_json_print(res);
	else
		print_text(res, (long)offset);
	rc = json_integer_value(json_object_get(res, "total")) > 0 ? CLI_OK : CLI_NONE;
out:
	json_decref(res);
	store_close(st);
	config_free(cfg);
	return rc;
}

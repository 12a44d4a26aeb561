/* SPDX-License-Identifier: MIT */
/* lurewatch's entry point: dispatches git-style subcommands. */
#include <stdio.h>
#include <string.h>

#include <hs/hs.h>
#include <jansson.h>
#include <libxml/xmlmemory.h>

#include "cli.h"
#include "../util/xmalloc.h"

#ifndef LW_VERSION
#define LW_VERSION "dev"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "match", cmd_match, "test ad text against the rule pack and explain the score" },
	{ "rules", cmd_rules, "check, list and inspect rule packs" },
	{ "ingest", cmd_ingest, "score listings (JSON Lines or files) and queue flagged ones" },
	{ "archive", cmd_archive, "web archives (WARC) in: scan, share a list among workers" },
	{ "queue", cmd_queue, "the analysts' review queue: list, show, claim, resolve, export" },
	{ "robots", cmd_robots, "check URLs against a robots.txt file" },
	{ "network", cmd_network, "networks of ads joined by shared contacts or templates" },
	{ "flows", cmd_flows, "recruitment corridors: origin -> destination across flagged ads" },
	{ "crawl", cmd_crawl, "crawl the configured sources into the review queue" },
	{ "search", cmd_search, "full-text search of stored listings; --reindex the search index" },
	{ "rescan", cmd_rescan, "score stored listings again with the current rule pack" },
	{ "daemon", cmd_daemon, "crawl on schedule, match and queue until stopped" },
	{ "status", cmd_status, "sources, frontier, queue and rule pack at a glance" },
	{ "config", cmd_config, "check the configuration without starting anything" },
	{ "db", cmd_db, "the database: start, stop, status, migrate, url" },
	{ "serve", cmd_serve, "the analysts' web interface, JSON API and /metrics" },
	{ "user", cmd_user, "web interface accounts: add, passwd, disable, list, token" },
	{ "source", cmd_source, "sources: list; add, edit, enable, disable those of the sources folder" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: lurewatch [--version] [--help] [--config FILE] COMMAND [ARGS]\n\n"
		   "Finds deceptive-recruitment and coercion signals in public job and\n"
		   "classified ads, and explains every hit.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'lurewatch COMMAND --help' for a command's options. The configuration\n"
		   "is --config FILE, else $LUREWATCH_CONFIG, $LUREWATCH_HOME/lurewatch.conf or\n"
		   "./lurewatch.conf; none is needed.\n");
}

int main(int argc, char **argv)
{
	const char *name;

	if (argc < 2) {
		usage(stderr);
		return CLI_ERROR;
	}
	/* Global options come before the command, as with git -C. */
	while (argc >= 3 && (strcmp(argv[1], "--config") == 0 || strcmp(argv[1], "-c") == 0)) {
		cli_config_path = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc >= 2 && strncmp(argv[1], "--config=", 9) == 0) {
		cli_config_path = argv[1] + 9;
		argv++;
		argc--;
	}
	if (argc < 2) {
		usage(stderr);
		return CLI_ERROR;
	}
	name = argv[1];
	/* jansson and libxml2 allocate through xmalloc: out of memory then
	 * stops the program as everywhere else. Left to malloc, jansson
	 * dropped characters from strings it could not grow (a listing stored
	 * as "till te end", or under another url) and libxml2 returned half a
	 * tree, both in silence (found by the allocation sweep). */
	json_set_alloc_funcs(xmalloc, free);
	xmlMemSetup(free, xmalloc, xrealloc, xstrdup);
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("lurewatch %s (hyperscan %s)\n", LW_VERSION, hs_version());
		return CLI_OK;
	}
	if (strcmp(name, "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return CLI_OK;
		}
		name = argv[2];
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(commands[i].name, name) == 0) {
				char *args[] = { argv[2], "--help", NULL };

				return commands[i].fn(2, args);
			}
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "lurewatch: '%s' is not a command; see 'lurewatch --help'\n", name);
	return CLI_ERROR;
}

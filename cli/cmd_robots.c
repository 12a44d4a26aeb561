/* SPDX-License-Identifier: MIT */
/* `lurewatch robots`: checks URLs against a robots.txt file, as the crawler
 * would, and optionally names the rule that decided each one. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../crawler/robots.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch robots [--agent NAME] [--explain] ROBOTS_FILE URL...\n\n"
		"Parses ROBOTS_FILE (RFC 9309; \"-\" is standard input; only its first\n"
		"500 KiB are read) for the crawler NAME (default: lurewatch) and prints\n"
		"\"URL<TAB>allowed\" or \"URL<TAB>disallowed\" for each URL.\n\n"
		"  -a, --agent NAME   the product token whose group applies\n"
		"  -e, --explain      add a third column naming the deciding rule\n"
		"  -h, --help         show this help\n\n"
		"Exit 0 when every URL is allowed, 1 when one is disallowed, 2 on a usage\n"
		"error, an unreadable file or a URL that is not http(s).\n");
}

/* Reads at most ROBOTS_MAX_BYTES + 1 bytes: robots_parse needs the byte after
 * the limit to tell whether the last line was cut. Returns a new buffer
 * (caller frees) or NULL with err set. */
static char *read_robots(const char *path, size_t *len, struct lw_error *err)
{
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	size_t max = ROBOTS_MAX_BYTES + 1, n = 0, got;
	char *buf = NULL;

	if (!f) {
		lw_error_set(err, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(max);
	if (!buf) {
		lw_error_set(err, "out of memory reading '%s'", path);
		goto out;
	}
	while (n < max && (got = fread(buf + n, 1, max - n, f)) > 0)
		n += got;
	if (ferror(f)) {
		lw_error_set(err, "cannot read '%s': %s", path, strerror(errno));
		free(buf);
		buf = NULL;
		goto out;
	}
	*len = n;
out:
	if (!is_stdin)
		fclose(f);
	return buf;
}

/* Prints one URL's verdict; returns 1 allowed, 0 disallowed, -1 bad URL. */
static int check_url(const struct robots *r, const char *url, int explain)
{
	char *path = robots_url_path(url);
	char why[512];
	int allowed;

	if (!path) {
		fprintf(stderr, "lurewatch: robots: cannot parse '%s' as an http(s) URL\n", url);
		return -1;
	}
	allowed = robots_explain(r, path, why, sizeof(why));
	if (explain)
		printf("%s\t%s\t%s\n", url, allowed ? "allowed" : "disallowed", why);
	else
		printf("%s\t%s\n", url, allowed ? "allowed" : "disallowed");
	free(path);
	return allowed;
}

int cmd_robots(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "explain", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *agent = "lurewatch";
	struct robots *r = NULL;
	struct lw_error err;
	char *data = NULL;
	size_t len = 0;
	int c, explain = 0, status = CLI_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "a:eh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': agent = optarg; break;
		case 'e': explain = 1; break;
		case 'h': usage(stdout); return CLI_OK;
		default: usage(stderr); return CLI_ERROR;
		}
	}
	if (argc - optind < 2) {
		usage(stderr);
		return CLI_ERROR;
	}
	data = read_robots(argv[optind], &len, &err);
	if (!data) {
		fprintf(stderr, "lurewatch: robots: %s\n", err.msg);
		return CLI_ERROR;
	}
	r = robots_parse(data, len, agent);
	for (int i = optind + 1; i < argc; i++) {
		int a = check_url(r, argv[i], explain);

		if (a < 0)
			status = CLI_ERROR;
		else if (a == 0 && status == CLI_OK)
			status = CLI_NONE;
	}
	robots_free(r);
	free(data);
	return status;
}

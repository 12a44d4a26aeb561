/* SPDX-License-Identifier: MIT */
/* `lurewatch serve`: the analysts' web interface and JSON API until
 * stopped (SIGINT or SIGTERM). */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../config/config.h"
#include "../store/store.h"
#include "../web/web.h"
#include "cli.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: lurewatch serve [--listen ADDR:PORT]\n\n"
		   "Serves the review queue, items, networks, search, rules and status to\n"
		   "analysts' browsers, the JSON API under /api/ and /metrics. Default\n"
		   "address: [serve] listen, else 127.0.0.1:8640. HTTPS with [serve] tls_cert\n"
		   "and tls_key; a non-loopback address needs them (or behind_tls_proxy = yes).\n"
		   "Accounts: lurewatch user add NAME --role analyst|supervisor|admin\n");
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = NULL;
	struct config *cfg = NULL;
	struct web_server *ws = NULL;
	struct lw_error err;
	struct sigaction sa;
	char *ci = NULL;
	int c, rc = CLI_ERROR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "l:h", longopts, NULL)) != -1) {
		if (c == 'l') {
			listen = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return CLI_OK;
		} else {
			usage(stderr);
			return CLI_ERROR;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return CLI_ERROR;
	}
	cfg = cli_config_load();
	if (!cfg)
		return CLI_ERROR;
	ci = store_conninfo(cfg, 1, stderr, &err);
	if (!ci || !(ws = web_server_new(cfg, ci, listen, &err))) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("lurewatch serve: listening on %s\n", web_server_url(ws));
	fflush(stdout);
	/* The server's own threads answer; this one only waits for a signal. */
	while (!stop)
		pause();
	printf("lurewatch serve: stopping\n");
	rc = CLI_OK;
out:
	web_server_free(ws);
	free(ci);
	config_free(cfg);
	return rc;
}

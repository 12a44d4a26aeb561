/* SPDX-License-Identifier: MIT */
/* `lurewatch db`: the embedded PostgreSQL cluster and the schema. */
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../store/store.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch db start|stop|status|migrate|url\n\n"
		"With no database configured (database.url in lurewatch.conf,\n"
		"$LUREWATCH_DATABASE_URL, or libpq's PGHOST/PGDATABASE/PGSERVICE), lurewatch\n"
		"keeps a private PostgreSQL cluster under $LUREWATCH_HOME (default ./var),\n"
		"listening on a Unix socket only. Commands that need it start it themselves.\n\n"
		"  start     create the cluster if needed, start it, apply migrations\n"
		"  stop      stop the embedded server\n"
		"  status    say which database is used and whether it is up (exit 0 up, 1 down\n"
		"            or not answering within 5 s)\n"
		"  migrate   apply pending schema migrations and print the schema version\n"
		"  url       print the libpq connection string to use with psql\n");
}

static int embedded(const struct config *cfg, struct store_embedded *e)
{
	struct lw_error err;

	if (store_embedded_init(e, cfg->home, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		store_embedded_release(e);
		return -1;
	}
	return 0;
}

static int db_status(const struct config *cfg)
{
	struct store_embedded e;
	struct lw_error err;
	struct store *st;
	char *ci;
	int v;

	if (cfg->database_url || getenv("PGHOST") || getenv("PGDATABASE") || getenv("PGSERVICE")) {
		struct store_timeouts t = { cfg->db_statement_timeout, cfg->db_long_statement_timeout,
					    cfg->db_connect_timeout };
		int secs = t.connect < STORE_PING_SECONDS ? t.connect : STORE_PING_SECONDS;

		ci = store_conninfo(cfg, 0, NULL, &err);
		/* A ping first: a server that accepts and never answers is
		 * reported as such within secs, not waited on. */
		if (ci && store_ping(ci, secs, &err) == STORE_PING_SILENT) {
			printf("configured database: not answering (%s)\n", err.msg);
			free(ci);
			return CLI_NONE;
		}
		st = ci ? store_open_timed(ci, 0, &t, &err) : NULL;
		free(ci);
		if (!st) {
			printf("configured database: down (%s)\n", err.msg);
			return CLI_NONE;
		}
		v = store_schema_version(st, &err);
		printf("configured database: up, schema version %d\n", v < 0 ? 0 : v);
		store_close(st);
		return CLI_OK;
	}
	if (embedded(cfg, &e) < 0)
		return CLI_ERROR;
	switch (store_embedded_state(&e)) {
	case STORE_DB_MISSING:
		printf("embedded database: not created yet (would live in %s)\n", e.datadir);
		v = CLI_NONE;
		break;
	case STORE_DB_STOPPED:
		printf("embedded database: stopped (%s)\n", e.datadir);
		v = CLI_NONE;
		break;
	case STORE_DB_SILENT:
		printf("embedded database: not answering (something holds the socket in %s but said "
		       "nothing within %d s)\n", e.sockdir, STORE_PING_SECONDS);
		v = CLI_NONE;
		break;
	default:
		printf("embedded database: running (%s, socket %s)\n", e.datadir, e.sockdir);
		v = CLI_OK;
	}
	store_embedded_release(&e);
	return v;
}

int cmd_db(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct store_embedded e;
	struct lw_error err;
	struct store *st;
	int rc = CLI_ERROR, applied = 0;
	const char *sub;

	if (argc != 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc == 2 ? stdout : stderr);
		return argc == 2 ? CLI_OK : CLI_ERROR;
	}
	sub = argv[1];
	cfg = cli_config_load();
	if (!cfg)
		return CLI_ERROR;
	if (strcmp(sub, "status") == 0) {
		rc = db_status(cfg);
	} else if (strcmp(sub, "stop") == 0) {
		if (embedded(cfg, &e) == 0) {
			if (store_embedded_stop(&e, &err) < 0)
				fprintf(stderr, "lurewatch: %s\n", err.msg);
			else
				rc = CLI_OK;
			store_embedded_release(&e);
		}
	} else if (strcmp(sub, "url") == 0) {
		char *ci = store_conninfo(cfg, 0, NULL, &err);

		if (ci) {
			printf("%s\n", ci);
			rc = CLI_OK;
		} else {
			fprintf(stderr, "lurewatch: %s\n", err.msg);
		}
		free(ci);
	} else if (strcmp(sub, "start") == 0 || strcmp(sub, "migrate") == 0) {
		char *ci = store_conninfo(cfg, 1, stderr, &err);

		st = ci ? store_open(ci, 0, &err) : NULL;
		free(ci);
		if (st && store_migrate(st, &applied, &err) == 0) {
			printf("database ready: schema version %d (%d migration%s applied now)\n",
			       store_schema_version(st, &err), applied, applied == 1 ? "" : "s");
			rc = CLI_OK;
		} else {
			fprintf(stderr, "lurewatch: %s\n", err.msg);
		}
		store_close(st);
	} else {
		fprintf(stderr, "lurewatch: unknown 'db' subcommand '%s'; see 'lurewatch db --help'\n", sub);
	}
	config_free(cfg);
	return rc;
}

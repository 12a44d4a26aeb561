/* SPDX-License-Identifier: MIT */
/* Test helper: a throwaway embedded PostgreSQL cluster in /tmp per test
 * program, a small rule pack, and one-line queries for assertions.
 * Header-only (static functions); include after <cmocka.h>. */
#ifndef LW_TEST_PG_HELPER_H
#define LW_TEST_PG_HELPER_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "../../matcher/matcher.h"
#include "../../store/store.h"

struct pg_env {
	char home[64];
	struct store_embedded e;
	char *conninfo;
	int started;
};

/* A pack whose wording the tests control: documents, fee_debt, minors. */
static const char pg_test_pack[] =
	"[pack]\nname = queue-test\nversion = 1\n\n"
	"[rule keep_passport]\ncategory = documents\nweight = 2\n"
	"description = the employer keeps the passport\npattern = /\\bkeep\\s+your\\s+passport\\b/\n\n"
	"[rule pay_fee]\ncategory = fee_debt\nweight = 2\n"
	"description = a fee to be paid\npattern = /\\bpay\\s+a\\s+fee\\b/\n\n"
	"[rule under_16]\ncategory = minors\nweight = 2\n"
	"description = workers under 16\npattern = /\\bunder\\s+16\\b/\n";

static void pg_rm_rf(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	while (d && (de = readdir(d)) != NULL) {
		char sub[4096];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		pg_rm_rf(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

/* Creates and starts the cluster; returns 0 or -1 (message on stderr).
 * The folder is made reachable by the server's user (postgres under root). */
static int pg_env_start(struct pg_env *pg)
{
	struct lw_error err;
	char *ci;
	size_t n;

	memset(pg, 0, sizeof(*pg));
	snprintf(pg->home, sizeof(pg->home), "/tmp/lw-pg.XXXXXX");
	if (!mkdtemp(pg->home) || chmod(pg->home, 0755) < 0) {
		perror("mkdtemp");
		return -1;
	}
	setenv("LUREWATCH_HOME", pg->home, 1);
	setenv("LUREWATCH_PG_FAST", "1", 1);
	if (store_embedded_init(&pg->e, pg->home, &err) < 0 ||
	    store_embedded_start(&pg->e, NULL, &err) < 0) {
		fprintf(stderr, "pg_env_start: %s\n", err.msg);
		return -1;
	}
	pg->started = 1;
	ci = store_embedded_conninfo(&pg->e);
	/* Ad-hoc test queries name tables without their schema. */
	n = strlen(ci) + 128;
	pg->conninfo = malloc(n);
	snprintf(pg->conninfo, n, "%s options='-csearch_path=lurewatch -cclient_min_messages=warning'", ci);
	free(ci);
	return 0;
}

static void pg_env_stop(struct pg_env *pg)
{
	struct lw_error err;

	if (pg->started && store_embedded_stop(&pg->e, &err) < 0)
		fprintf(stderr, "pg_env_stop: %s\n", err.msg);
	if (pg->e.relocated && pg->e.datadir) {
		char *slash = strrchr(pg->e.datadir, '/');

		if (slash) {
			*slash = '\0';
			pg_rm_rf(pg->e.datadir);
		}
	}
	store_embedded_release(&pg->e);
	free(pg->conninfo);
	pg_rm_rf(pg->home);
	memset(pg, 0, sizeof(*pg));
}

/* A migrated connection; NULL with a message on stderr. */
static struct store *pg_open(const struct pg_env *pg)
{
	struct lw_error err;
	struct store *st = store_open(pg->conninfo, 1, &err);

	if (!st)
		fprintf(stderr, "pg_open: %s\n", err.msg);
	return st;
}

/* The test pack compiled with threshold 1, no cache. */
static struct matcher *pg_test_matcher(const struct pg_env *pg)
{
	struct matcher_options opts = { "", 1.0 };
	struct matcher_pack *pack;
	struct lw_error err;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/test.rules", pg->home);
	f = fopen(path, "w");
	if (!f || fputs(pg_test_pack, f) < 0 || fclose(f) != 0)
		return NULL;
	pack = matcher_pack_load(path, &err);
	if (!pack) {
		fprintf(stderr, "pg_test_matcher: %s\n", err.msg);
		return NULL;
	}
	return matcher_compile(pack, &opts, &err);
}

/* Runs sql on its own connection; the first column of the first row as a
 * number, or -1 on error (message on stderr). */
static long pg_scalar(const struct pg_env *pg, const char *sql)
{
	PGconn *c = PQconnectdb(pg->conninfo);
	PGresult *r = NULL;
	long v = -1;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pg_scalar: %s", PQerrorMessage(c));
		goto out;
	}
	r = PQexec(c, sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	else
		fprintf(stderr, "pg_scalar: %s: %s", sql, PQresultErrorMessage(r));
out:
	PQclear(r);
	PQfinish(c);
	return v;
}

/* Runs sql on its own connection; 0 when it succeeded, -1 otherwise, with
 * the server's message in msg. */
static int pg_run(const struct pg_env *pg, const char *sql, char *msg, size_t n)
{
	PGconn *c = PQconnectdb(pg->conninfo);
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (msg)
		snprintf(msg, n, "%s", ok ? "" : r ? PQresultErrorMessage(r) : PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

#endif

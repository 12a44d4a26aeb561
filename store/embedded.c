/* SPDX-License-Identifier: MIT */
/* The embedded PostgreSQL cluster: created with initdb on first use, run
 * with pg_ctl on a Unix socket only, as an unprivileged user when we are
 * root (initdb refuses root). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>
#include "../util/sha256.h"

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "store_internal.h"

#define DB_NAME "lurewatch"
#define DB_USER "lurewatch"
/* sun_path holds 108 bytes, and the server appends "/.s.PGSQL.5432". */
#define SOCKDIR_MAX 90

static char *path_join(const char *a, const char *b)
{
	struct lw_buf buf;

	lw_buf_init(&buf, 2 * PATH_MAX);
	lw_buf_printf(&buf, "%s/%s", a, b);
	return lw_buf_detach(&buf, NULL);
}

static int is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- finding the server binaries ------------------------------------------ */

static char *bindir_from_pg_config(void)
{
	FILE *p = popen("pg_config --bindir 2>/dev/null", "r");
	char line[PATH_MAX];
	char *out = NULL;

	if (!p)
		return NULL;
	if (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		out = xstrdup(line);
	}
	pclose(p);
	return out;
}

/* Debian keeps each major version in /usr/lib/postgresql/N/bin: take the newest. */
static char *bindir_from_debian(void)
{
	DIR *d = opendir("/usr/lib/postgresql");
	struct dirent *de;
	int best = -1;
	struct lw_buf b;

	if (!d)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		int v = atoi(de->d_name);
		char *p;

		if (v <= 0)
			continue;
		lw_buf_init(&b, PATH_MAX);
		lw_buf_printf(&b, "/usr/lib/postgresql/%s/bin/initdb", de->d_name);
		p = lw_buf_detach(&b, NULL);
		if (is_file(p) && v > best)
			best = v;
		free(p);
	}
	closedir(d);
	if (best < 0)
		return NULL;
	lw_buf_init(&b, PATH_MAX);
	lw_buf_printf(&b, "/usr/lib/postgresql/%d/bin", best);
	return lw_buf_detach(&b, NULL);
}

static char *find_bindir(void)
{
	const char *env = getenv("LUREWATCH_PG_BIN");
	char *candidates[3] = { env && env[0] ? xstrdup(env) : NULL, bindir_from_pg_config(),
				bindir_from_debian() };
	char *found = NULL;

	for (int i = 0; i < 3; i++) {
		char *initdb;

		if (!candidates[i] || found) {
			free(candidates[i]);
			continue;
		}
		initdb = path_join(candidates[i], "initdb");
		if (is_file(initdb))
			found = candidates[i];
		else
			free(candidates[i]);
		free(initdb);
	}
	return found;
}

/* ---- the server's user ---------------------------------------------------------- */

/* Whether user (uid, gid) can reach dir (we create and hand over the
 * folders inside it): checked in a child that takes on that identity, the
 * only faithful test of every parent folder's mode. */
static int reachable_by(uid_t uid, gid_t gid, const char *dir)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 0;
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
			_exit(2);
		_exit(access(dir, X_OK) == 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int mkdirs(const char *dir, mode_t mode)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1; *s && rc == 0; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, mode) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* A stable place outside home for when the server's user cannot reach home
 * (a checkout under a mode-700 home folder) or home's path is too long
 * for a socket: /var/tmp/lurewatch-<hash of home>. */
static char *fallback_dir(const char *home)
{
	struct lw_sha256 c;
	char hex[65];
	struct lw_buf b;

	lw_sha256_init(&c);
	lw_sha256_update(&c, home, strlen(home));
	lw_sha256_hex(&c, hex);
	hex[16] = '\0';
	lw_buf_init(&b, PATH_MAX);
	lw_buf_printf(&b, "/var/tmp/lurewatch-%s", hex);
	return lw_buf_detach(&b, NULL);
}

int store_embedded_init(struct store_embedded *e, const char *home, struct lw_error *err)
{
	struct passwd *pw = NULL;
	char *base = NULL;
	char *sock = NULL;

	memset(e, 0, sizeof(*e));
	e->home = xstrdup(home);
	e->bindir = find_bindir();
	if (!e->bindir)
		return lw_error_set(err, "PostgreSQL server binaries (initdb, pg_ctl) not found: install "
					 "the 'postgresql' package, set LUREWATCH_PG_BIN, or configure "
					 "database.url");
	if (geteuid() == 0) {
		const char *user = getenv("LUREWATCH_PG_USER");

		user = user && user[0] ? user : "postgres";
		pw = getpwnam(user);
		if (!pw || pw->pw_uid == 0)
			return lw_error_set(err, "running as root, the embedded PostgreSQL needs an "
						 "unprivileged user '%s' (initdb refuses root): install "
						 "the 'postgresql' package or set LUREWATCH_PG_USER",
					    user);
		e->run_as = xstrdup(user);
	}
	base = xstrdup(home);
	sock = path_join(base, "run");
	if (mkdirs(home, 0755) < 0) {
		lw_error_set(err, "cannot create data folder '%s': %s", home, strerror(errno));
		goto fail;
	}
	if ((pw && !reachable_by(pw->pw_uid, pw->pw_gid, home)) || strlen(sock) > SOCKDIR_MAX) {
		free(base);
		base = fallback_dir(home);
		e->relocated = 1;
		if (mkdirs(base, 0755) < 0) {
			lw_error_set(err, "cannot create '%s': %s", base, strerror(errno));
			goto fail;
		}
	}
	e->datadir = path_join(base, "pg");
	e->sockdir = path_join(base, "run");
	e->logfile = path_join(base, "postgresql.log");
	free(base);
	free(sock);
	return 0;
fail:
	free(base);
	free(sock);
	return -1;
}

void store_embedded_release(struct store_embedded *e)
{
	free(e->home);
	free(e->datadir);
	free(e->sockdir);
	free(e->logfile);
	free(e->bindir);
	free(e->run_as);
	memset(e, 0, sizeof(*e));
}

/* ---- running the server's tools ---------------------------------------------------- */

/* Runs bindir/tool with args as the server's user, output appended to the
 * log. Returns the exit status, or -1. */
static int run_tool(const struct store_embedded *e, const char *tool, char *const args[])
{
	char *prog = path_join(e->bindir, tool);
	char *argv[16];
	struct passwd *pw = e->run_as ? getpwnam(e->run_as) : NULL;
	pid_t pid;
	int status, n = 0;

	argv[n++] = prog;
	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free(prog);
		return -1;
	}
	if (pid == 0) {
		int fd;

		if (pw && (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
			   setuid(pw->pw_uid) < 0))
			_exit(126);
		/* The server inherits stdout/stderr: keep both in the log. */
		fd = open(e->logfile, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		if (chdir("/") < 0)
			_exit(126);
		execv(prog, argv);
		_exit(127);
	}
	free(prog);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int own_path(const struct store_embedded *e, const char *path)
{
	struct passwd *pw = e->run_as ? getpwnam(e->run_as) : NULL;

	return pw ? chown(path, pw->pw_uid, pw->pw_gid) : 0;
}

/* The last lines of the server log, to explain a failure. */
static void log_tail(const struct store_embedded *e, char *out, size_t n)
{
	FILE *f = fopen(e->logfile, "r");
	long size;
	size_t got;

	out[0] = '\0';
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size > (long)n - 1 ? size - (long)n + 1 : 0, SEEK_SET);
	got = fread(out, 1, n - 1, f);
	out[got] = '\0';
	fclose(f);
	for (char *p = out; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

static int append_conf(const struct store_embedded *e)
{
	char *path = path_join(e->datadir, "postgresql.conf");
	FILE *f = fopen(path, "a");
	const char *fast = getenv("LUREWATCH_PG_FAST");
	int rc = -1;

	free(path);
	if (!f)
		return -1;
	/* Unix socket only, in a folder only the server's user can enter. */
	fprintf(f, "\n# lurewatch embedded cluster\nlisten_addresses = ''\n"
		   "unix_socket_directories = '%s'\nunix_socket_permissions = 0700\n",
		e->sockdir);
	/* Throwaway test clusters trade durability for speed; never the default. */
	if (fast && strcmp(fast, "1") == 0)
		fprintf(f, "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
	if (fclose(f) == 0)
		rc = 0;
	return rc;
}

static int create_cluster(const struct store_embedded *e, FILE *notes, struct lw_error *err)
{
	char *args[] = { "-D", e->datadir, "-U", DB_USER, "-A", "trust", "-E", "UTF8",
			 "--no-locale", "--no-instructions", NULL };
	char tail[600];

	if (mkdirs(e->datadir, 0700) < 0 || own_path(e, e->datadir) < 0)
		return lw_error_set(err, "cannot create '%s': %s", e->datadir, strerror(errno));
	if (mkdirs(e->sockdir, 0700) < 0 || own_path(e, e->sockdir) < 0)
		return lw_error_set(err, "cannot create '%s': %s", e->sockdir, strerror(errno));
	close(open(e->logfile, O_WRONLY | O_CREAT | O_APPEND, 0600));
	own_path(e, e->logfile);
	if (run_tool(e, "initdb", args) != 0) {
		log_tail(e, tail, sizeof(tail));
		return lw_error_set(err, "initdb failed (log %s): %s", e->logfile, tail);
	}
	if (append_conf(e) < 0)
		return lw_error_set(err, "cannot configure '%s'", e->datadir);
	if (notes && e->relocated)
		fprintf(notes, "note: '%s' is not reachable by user '%s' (a parent folder is private) "
			       "or too long for a socket path, so the cluster lives in %s; set "
			       "LUREWATCH_HOME to choose another place\n",
			e->home, e->run_as ? e->run_as : "(self)", e->datadir);
	if (notes)
		fprintf(notes, "created PostgreSQL cluster in %s%s%s\n", e->datadir,
			e->run_as ? " owned by " : "", e->run_as ? e->run_as : "");
	return 0;
}

char *store_embedded_conninfo(const struct store_embedded *e)
{
	struct lw_buf b;

	/* Keyword form: a path with spaces needs quoting, not URL escaping. */
	lw_buf_init(&b, 4 * PATH_MAX);
	lw_buf_adds(&b, "host='");
	for (const char *p = e->sockdir; *p; p++) {
		if (*p == '\'' || *p == '\\')
			lw_buf_addc(&b, '\\');
		lw_buf_addc(&b, *p);
	}
	lw_buf_printf(&b, "' dbname=%s user=%s connect_timeout=10", DB_NAME, DB_USER);
	return lw_buf_detach(&b, NULL);
}

static char *admin_conninfo(const struct store_embedded *e)
{
	char *ci = store_embedded_conninfo(e);
	char *p = strstr(ci, "dbname=" DB_NAME);
	struct lw_buf b;

	lw_buf_init(&b, 4 * PATH_MAX);
	lw_buf_add(&b, ci, (size_t)(p - ci));
	lw_buf_adds(&b, "dbname=postgres");
	lw_buf_adds(&b, p + strlen("dbname=" DB_NAME));
	free(ci);
	return lw_buf_detach(&b, NULL);
}

enum store_db_state store_embedded_state(const struct store_embedded *e)
{
	char *ver = path_join(e->datadir, "PG_VERSION");
	char *ci = admin_conninfo(e);
	int created = is_file(ver);
	struct lw_error err;
	enum store_ping_state ping;

	/* Asked even without a cluster: whatever holds the socket would make
	 * a server started beside it take the socket over, or hang us. */
	ping = store_ping(ci, STORE_PING_SECONDS, &err);
	free(ver);
	free(ci);
	if (ping == STORE_PING_SILENT)
		return STORE_DB_SILENT;
	if (!created)
		return STORE_DB_MISSING;
	/* A refusal is a server's answer: "starting up" or "shutting down". */
	return ping == STORE_PING_DOWN ? STORE_DB_STOPPED : STORE_DB_RUNNING;
}

static int create_database(const struct store_embedded *e, struct lw_error *err)
{
	char *ci = admin_conninfo(e);
	struct store *st = store_open(ci, 0, err);
	PGresult *r = NULL;
	int rc = -1;

	free(ci);
	if (!st) {
		lw_error_prefix(err, "embedded server");
		goto out;
	}
	if (db_exec(st, "SELECT 1 FROM pg_database WHERE datname = '" DB_NAME "'", 0, NULL, &r,
		    err) < 0)
		goto out;
	/* Two processes starting at once may both try: one wins. */
	if (PQntuples(r) == 0 &&
	    db_exec(st, "CREATE DATABASE " DB_NAME, 0, NULL, NULL, err) < 0 &&
	    (!err || !strstr(err->msg, "already exists"))) {
		lw_error_prefix(err, "cannot create database");
		goto out;
	}
	rc = 0;
out:
	PQclear(r);
	store_close(st);
	return rc;
}

int store_embedded_start(struct store_embedded *e, FILE *notes, struct lw_error *err)
{
	enum store_db_state s = store_embedded_state(e);
	char *args[] = { "-D", e->datadir, "-l", e->logfile, "-w", "-t", "60", "start", NULL };
	char tail[600];

	/* PostgreSQL would unlink the socket it finds and bind its own: refuse
	 * rather than take it from whatever holds it, and rather than wait. */
	if (s == STORE_DB_SILENT)
		return lw_error_set(err, "something holds the socket in '%s' but does not answer "
					 "within %d s (a frozen server, or another program): not "
					 "starting PostgreSQL beside it; stop it first",
				    e->sockdir, STORE_PING_SECONDS);
	if (s == STORE_DB_MISSING && create_cluster(e, notes, err) < 0)
		return -1;
	if (s != STORE_DB_RUNNING) {
		/* A server killed hard leaves its socket folder behind: fine to reuse. */
		if (mkdirs(e->sockdir, 0700) < 0 || own_path(e, e->sockdir) < 0)
			return lw_error_set(err, "cannot create '%s': %s", e->sockdir, strerror(errno));
		if (run_tool(e, "pg_ctl", args) != 0 && store_embedded_state(e) != STORE_DB_RUNNING) {
			log_tail(e, tail, sizeof(tail));
			return lw_error_set(err, "cannot start PostgreSQL (log %s): %s", e->logfile, tail);
		}
		if (notes)
			fprintf(notes, "started PostgreSQL on socket %s\n", e->sockdir);
	}
	return create_database(e, err);
}

int store_embedded_stop(struct store_embedded *e, struct lw_error *err)
{
	char *args[] = { "-D", e->datadir, "-m", "fast", "-w", "-t", "60", "stop", NULL };

	enum store_db_state s = store_embedded_state(e);

	if (s == STORE_DB_SILENT)
		return lw_error_set(err, "something holds the socket in '%s' but does not answer "
					 "within %d s: not stopping it blind", e->sockdir, STORE_PING_SECONDS);
	if (s != STORE_DB_RUNNING)
		return 0;
	if (run_tool(e, "pg_ctl", args) != 0)
		return lw_error_set(err, "pg_ctl stop failed (log %s)", e->logfile);
	return 0;
}

/* ---- choosing a database ------------------------------------------------------------- */

char *store_conninfo(const struct config *cfg, int start, FILE *notes, struct lw_error *err)
{
	struct store_embedded e;
	char *ci;

	if (cfg->database_url)
		return xstrdup(cfg->database_url);
	if ((getenv("PGHOST") && getenv("PGHOST")[0]) || (getenv("PGSERVICE") && getenv("PGSERVICE")[0]) ||
	    (getenv("PGDATABASE") && getenv("PGDATABASE")[0]))
		return xstrdup("");
	if (store_embedded_init(&e, cfg->home, err) < 0) {
		store_embedded_release(&e);
		return NULL;
	}
	if (start && store_embedded_start(&e, notes, err) < 0) {
		store_embedded_release(&e);
		return NULL;
	}
	ci = store_embedded_conninfo(&e);
	store_embedded_release(&e);
	return ci;
}

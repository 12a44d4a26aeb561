/* SPDX-License-Identifier: MIT */
/* Configuration loading: a table of known keys fills struct config; unknown
 * keys and bad values are errors naming file and line. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/ini.h"
#include "../util/xmalloc.h"
#include "config.h"
#include "config_internal.h"

#ifndef LW_VERSION
#define LW_VERSION "dev"
#endif

#define CONFIG_MAX_FILE (1024u * 1024u)
#define CONFIG_MAX_ERRORS 12

enum key_type { T_STRING, T_DOUBLE, T_INT, T_LIST, T_LEVEL, T_EXCLUDE, T_KNOWN, T_BOOL };

struct key_def {
	const char *section;
	const char *key;
	enum key_type type;
	size_t offset;
	double min, max;        /* numbers */
};

static const struct key_def keys[] = {
	{ "lurewatch", "home", T_STRING, offsetof(struct config, home), 0, 0 },
	{ "lurewatch", "user_agent", T_STRING, offsetof(struct config, user_agent), 0, 0 },
	{ "lurewatch", "log_level", T_LEVEL, offsetof(struct config, log_level), 0, 0 },
	{ "database", "url", T_STRING, offsetof(struct config, database_url), 0, 0 },
	{ "database", "statement_timeout", T_INT, offsetof(struct config, db_statement_timeout), 1, 86400 },
	{ "database", "long_statement_timeout", T_INT, offsetof(struct config, db_long_statement_timeout), 1, 7 * 86400 },
	{ "database", "connect_timeout", T_INT, offsetof(struct config, db_connect_timeout), 1, 3600 },
	{ "matcher", "rules", T_STRING, offsetof(struct config, rules), 0, 0 },
	{ "matcher", "threshold", T_DOUBLE, offsetof(struct config, threshold), 0, 1000 },
	{ "queue", "claim_minutes", T_INT, offsetof(struct config, claim_minutes), 1, 7 * 24 * 60 },
	{ "queue", "agencies", T_LIST, offsetof(struct config, agencies), 0, 0 },
	{ "lurewatch", "sources", T_STRING, offsetof(struct config, sources_dir), 0, 0 },
	{ "networks", "exclude", T_EXCLUDE, offsetof(struct config, network_exclude), 0, 0 },
	{ "networks", "near_duplicate_bits", T_INT, offsetof(struct config, near_duplicate_bits), -1, 16 },
	{ "networks", "phone_region", T_STRING, offsetof(struct config, phone_region), 0, 0 },
	{ "networks", "hub_max_ads", T_INT, offsetof(struct config, hub_max_ads), 0, 1 << 30 },
	{ "networks", "hub_min_ads", T_INT, offsetof(struct config, hub_min_ads), 0, 1 << 30 },
	{ "networks", "hub_min_places", T_INT, offsetof(struct config, hub_min_places), 1, 1 << 30 },
	{ "networks", "known_generic", T_KNOWN, offsetof(struct config, known_generic), 0, 0 },
	{ "networks", "split_min_size", T_INT, offsetof(struct config, split_min_size), 0, 1 << 30 },
	{ "networks", "split_max_conductance", T_DOUBLE, offsetof(struct config, split_max_conductance), 0, 1 },
	{ "networks", "link_on_ingest", T_BOOL, offsetof(struct config, link_on_ingest), 0, 1 },
	{ "networks", "link_in_background", T_BOOL, offsetof(struct config, link_in_background), 0, 1 },
	{ "crawler", "connect_timeout", T_INT, offsetof(struct config, crawler.connect_timeout), 1, 600 },
	{ "crawler", "timeout", T_INT, offsetof(struct config, crawler.timeout), 1, 3600 },
	{ "crawler", "low_speed_time", T_INT, offsetof(struct config, crawler.low_speed_time), 1, 3600 },
	{ "crawler", "low_speed_limit", T_INT, offsetof(struct config, crawler.low_speed_limit), 1, 1 << 30 },
	{ "crawler", "max_body", T_INT, offsetof(struct config, crawler.max_body), 1024, 1 << 30 },
	{ "crawler", "retries", T_INT, offsetof(struct config, crawler.retries), 0, 20 },
	{ "crawler", "backoff", T_DOUBLE, offsetof(struct config, crawler.backoff), 0.01, 3600 },
	{ "crawler", "lease_seconds", T_INT, offsetof(struct config, crawler.lease_seconds), 5, 86400 },
	{ "crawler", "connections", T_INT, offsetof(struct config, crawler.connections), 1, 1000 },
	{ "serve", "listen", T_STRING, offsetof(struct config, serve.listen), 0, 0 },
	{ "serve", "tls_cert", T_STRING, offsetof(struct config, serve.tls_cert), 0, 0 },
	{ "serve", "tls_key", T_STRING, offsetof(struct config, serve.tls_key), 0, 0 },
	{ "serve", "behind_tls_proxy", T_BOOL, offsetof(struct config, serve.behind_tls_proxy), 0, 1 },
	{ "serve", "session_minutes", T_INT, offsetof(struct config, serve.session_minutes), 1, 7 * 24 * 60 },
	{ "daemon", "metrics_listen", T_STRING, offsetof(struct config, daemon_metrics_listen), 0, 0 },
	{ "serve", "threads", T_INT, offsetof(struct config, serve.threads), 1, 64 },
};

void add_error(struct load *ld, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (++ld->nerrors > CONFIG_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->errors.len)
		lw_buf_addc(&ld->errors, '\n');
	lw_buf_printf(&ld->errors, "%s:%d: %s", ld->file, line, msg);
}

void config_free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* "a, b ,c" -> {"a","b","c"}; names are lowercase letters, digits and _. */
int config_parse_list(const char *value, int names_only, char ***out, size_t *nout)
{
	char **v = NULL;
	size_t n = 0;
	const char *p = value;

	while (*p) {
		const char *s = p, *e;

		while (*p && *p != ',')
			p++;
		e = p;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (*p == ',')
			p++;
		if (e == s)
			continue;
		for (const char *q = s; q < e && names_only; q++)
			if (!islower((unsigned char)*q) && !isdigit((unsigned char)*q) && *q != '_') {
				config_free_list(v, n);
				return -1;
			}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrndup(s, (size_t)(e - s));
	}
	*out = v;
	*nout = n;
	return 0;
}

static void set_key(struct load *ld, const struct key_def *k, const char *value, int line)
{
	char *base = (char *)ld->c;
	char *end;

	switch (k->type) {
	case T_STRING: {
		char **slot = (char **)(base + k->offset);

		free(*slot);
		*slot = value[0] ? xstrdup(value) : NULL;
		break;
	}
	case T_LEVEL: {
		char **slot = (char **)(base + k->offset);

		if (strcmp(value, "debug") && strcmp(value, "info") && strcmp(value, "warn") &&
		    strcmp(value, "error")) {
			add_error(ld, line, "bad %s '%s': expected debug, info, warn or error", k->key, value);
			return;
		}
		free(*slot);
		*slot = xstrdup(value);
		break;
	}
	case T_DOUBLE: {
		double d;

		errno = 0;
		d = strtod(value, &end);
		if (errno || end == value || *end || d != d || d < k->min || d > k->max) {
			add_error(ld, line, "bad %s '%s': expected a number from %g to %g", k->key, value,
				  k->min, k->max);
			return;
		}
		*(double *)(base + k->offset) = d;
		break;
	}
	case T_INT: {
		long l;

		errno = 0;
		l = strtol(value, &end, 10);
		if (errno || end == value || *end || l < k->min || l > k->max) {
			add_error(ld, line, "bad %s '%s': expected a whole number from %g to %g", k->key,
				  value, k->min, k->max);
			return;
		}
		*(int *)(base + k->offset) = (int)l;
		break;
	}
	case T_BOOL: {
		int *slot = (int *)(base + k->offset);

		if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1")) {
			*slot = 1;
		} else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0")) {
			*slot = 0;
		} else {
			add_error(ld, line, "bad %s '%s': expected yes or no", k->key, value);
			return;
		}
		break;
	}
	case T_EXCLUDE: {
		char **v;
		size_t n;

		if (config_parse_list(value, 0, &v, &n) < 0) {
			add_error(ld, line, "bad %s '%s': expected a comma-separated list", k->key, value);
			return;
		}
		config_free_list(ld->c->network_exclude, ld->c->nnetwork_exclude);
		ld->c->network_exclude = v;
		ld->c->nnetwork_exclude = n;
		break;
	}
	case T_KNOWN: {
		char **v;
		size_t n;

		/* "none" switches the shipped list off; the categories are those of
		 * store/migrations/010_generic_contacts.sql. */
		if (config_parse_list(value, 1, &v, &n) < 0) {
			add_error(ld, line, "bad %s '%s': expected categories (tollfree, premium, fictional,"
				  " placeholder) or none", k->key, value);
			return;
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(v[i], "tollfree") && strcmp(v[i], "premium") && strcmp(v[i], "fictional") &&
			    strcmp(v[i], "placeholder") && strcmp(v[i], "none")) {
				add_error(ld, line, "bad %s: unknown category '%s'", k->key, v[i]);
				config_free_list(v, n);
				return;
			}
		config_free_list(ld->c->known_generic, ld->c->nknown_generic);
		ld->c->known_generic = v;
		ld->c->nknown_generic = n;
		break;
	}
	case T_LIST: {
		char **v;
		size_t n;

		if (config_parse_list(value, 1, &v, &n) < 0 || n == 0) {
			add_error(ld, line, "bad %s '%s': expected a comma-separated list of lowercase names",
				  k->key, value);
			return;
		}
		config_free_list(ld->c->agencies, ld->c->nagencies);
		ld->c->agencies = v;
		ld->c->nagencies = n;
		break;
	}
	}
}

static void on_section(void *user, const char *name, int line)
{
	struct load *ld = user;
	int known = 0;

	snprintf(ld->section, sizeof(ld->section), "%s", name);
	ld->source = NULL;
	ld->in_source = 0;
	if (strncmp(name, "source ", 7) == 0 || strcmp(name, "source") == 0) {
		config_source_begin(ld, name + (name[6] ? 7 : 6), line);
		return;
	}
	if (ld->sources_only) {
		add_error(ld, line, "only [source NAME] sections belong in a sources folder file");
		return;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		known |= strcmp(keys[i].section, name) == 0;
	if (!known)
		add_error(ld, line, "unknown section '[%s]'", name);
}

static void on_key(void *user, const char *key, const char *value, int line, int continued)
{
	struct load *ld = user;

	if (continued) {
		add_error(ld, line, "unexpected indented line (values fit on one line)");
		return;
	}
	if (ld->in_source) {
		config_source_key(ld, key, value, line);
		return;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].section, ld->section) || strcmp(keys[i].key, key))
			continue;
		if (ld->seen[i]++)
			add_error(ld, line, "key '%s' given twice in [%s]", key, ld->section);
		set_key(ld, &keys[i], value, line);
		return;
	}
	if (!ld->section[0])
		add_error(ld, line, "key '%s' outside any section", key);
	else
		add_error(ld, line, "unknown key '%s' in [%s]", key, ld->section);
}

static void on_error(void *user, int line, const char *msg)
{
	add_error(user, line, "%s", msg);
}

static const struct lw_ini_handler handler = { on_section, on_key, on_error };

static void set_defaults(struct config *c)
{
	static const char *const agencies[] = { "police", "labour_inspectorate", "immigration",
						"child_protection" };
	struct lw_buf b;

	c->threshold = -1;
	c->claim_minutes = 30;
	/* As store.h's STORE_TIMEOUT_DEFAULT and STORE_LONG_TIMEOUT_DEFAULT. */
	c->db_statement_timeout = 300;
	c->db_long_statement_timeout = 6 * 3600;
	c->db_connect_timeout = 10;     /* STORE_CONNECT_TIMEOUT_DEFAULT */
	c->crawler.connect_timeout = 10;
	c->crawler.timeout = 60;
	c->crawler.low_speed_time = 20;
	c->crawler.low_speed_limit = 100;
	c->crawler.max_body = 5 * 1024 * 1024;
	c->crawler.retries = 3;
	c->crawler.backoff = 2;
	c->crawler.lease_seconds = 120;
	c->crawler.connections = 32;
	c->near_duplicate_bits = 3;
	c->serve.session_minutes = 8 * 60;
	c->serve.threads = 4;
	c->phone_region = xstrdup("NZ");
	/* True groups in the bench and in published work post tens of ads on a
	 * number; switchboards hundreds to thousands, across many places. */
	c->hub_max_ads = 500;
	c->hub_min_ads = 40;
	c->hub_min_places = 10;
	c->nknown_generic = 3;
	c->known_generic = xcalloc(3, sizeof(char *));
	c->known_generic[0] = xstrdup("tollfree");
	c->known_generic[1] = xstrdup("premium");
	c->known_generic[2] = xstrdup("placeholder");
	c->split_min_size = 8;
	c->split_max_conductance = 0.3;
	c->link_on_ingest = 1;
	c->link_in_background = 1;
	c->log_level = xstrdup("info");
	lw_buf_init(&b, 512);
	lw_buf_printf(&b, "lurewatch/%s (+https://github.com/lurewatch/lurewatch#crawling)",
		      LW_VERSION);
	c->user_agent = lw_buf_detach(&b, NULL);
	c->nagencies = sizeof(agencies) / sizeof(agencies[0]);
	c->agencies = xcalloc(c->nagencies, sizeof(char *));
	for (size_t i = 0; i < c->nagencies; i++)
		c->agencies[i] = xstrdup(agencies[i]);
}

static int file_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Which file to read when none is named; NULL when there is none. */
static char *find_file(void)
{
	const char *env = getenv("LUREWATCH_CONFIG"), *home = getenv("LUREWATCH_HOME");
	struct lw_buf b;

	if (env && env[0])
		return xstrdup(env);
	if (home && home[0]) {
		lw_buf_init(&b, PATH_MAX);
		lw_buf_printf(&b, "%s/lurewatch.conf", home);
		if (b.data && file_exists(b.data))
			return lw_buf_detach(&b, NULL);
		lw_buf_release(&b);
	}
	if (file_exists("lurewatch.conf"))
		return xstrdup("lurewatch.conf");
	return NULL;
}

static int read_file(const char *path, struct lw_buf *b, struct lw_error *err)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	int rc = 0;

	if (!f)
		return lw_error_set(err, "cannot open configuration '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && rc == 0)
		if (lw_buf_add(b, chunk, n) < 0)
			rc = lw_error_set(err, "configuration '%s' is larger than %u bytes", path,
					  CONFIG_MAX_FILE);
	if (rc == 0 && ferror(f))
		rc = lw_error_set(err, "cannot read configuration '%s': %s", path, strerror(errno));
	fclose(f);
	return rc;
}

/* The data folder, made absolute so that a daemon that changes directory
 * or a server started elsewhere still finds it. */
static char *absolute(const char *p)
{
	char cwd[PATH_MAX];
	struct lw_buf b;

	if (p[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return xstrdup(p);
	lw_buf_init(&b, 2 * PATH_MAX);
	lw_buf_printf(&b, "%s/%s", cwd, p);
	return lw_buf_detach(&b, NULL);
}

static void apply_env(struct config *c)
{
	const char *v;

	if ((v = getenv("LUREWATCH_HOME")) && v[0]) {
		free(c->home);
		c->home = xstrdup(v);
	}
	if ((v = getenv("LUREWATCH_DATABASE_URL")) && v[0]) {
		free(c->database_url);
		c->database_url = xstrdup(v);
	}
	if ((v = getenv("LUREWATCH_RULES")) && v[0]) {
		free(c->rules);
		c->rules = xstrdup(v);
	}
}

/* Reads one file into ld (its errors pile up in ld). */
static void parse_file(struct load *ld, const char *path, struct lw_error *ferr)
{
	struct lw_buf data;

	lw_buf_init(&data, CONFIG_MAX_FILE);
	if (read_file(path, &data, ferr) < 0) {
		add_error(ld, 0, "%s", ferr->msg);
	} else {
		ld->file = path;
		ld->section[0] = '\0';
		ld->in_source = 0;
		ld->source = NULL;
		lw_ini_parse(data.data ? data.data : "", data.len, &handler, ld);
	}
	lw_buf_release(&data);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* [lurewatch] sources = DIR: every DIR/ *.conf, in name order, holds
 * [source NAME] sections (one file per site is easy to add or drop). */
static void parse_sources_dir(struct load *ld, const char *dir, struct lw_error *ferr)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **files = NULL;
	size_t n = 0;

	if (!d) {
		add_error(ld, 0, "cannot open sources folder '%s': %s", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		struct lw_buf p;

		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".conf") != 0)
			continue;
		lw_buf_init(&p, PATH_MAX);
		lw_buf_printf(&p, "%s/%s", dir, de->d_name);
		files = xreallocarray(files, n + 1, sizeof(*files));
		files[n++] = lw_buf_detach(&p, NULL);
	}
	closedir(d);
	if (n)
		qsort(files, n, sizeof(*files), cmp_str);
	ld->sources_only = 1;
	for (size_t i = 0; i < n; i++) {
		/* Messages name the file; keep its path alive with the config. */
		ld->c->extra_files = xreallocarray(ld->c->extra_files, ld->c->nextra_files + 1,
						   sizeof(char *));
		ld->c->extra_files[ld->c->nextra_files++] = files[i];
		parse_file(ld, files[i], ferr);
	}
	ld->sources_only = 0;
	free(files);
}

struct config *config_new_defaults(void)
{
	struct config *c = xcalloc(1, sizeof(*c));

	set_defaults(c);
	return c;
}

struct config *config_load(const char *path, struct lw_error *err)
{
	struct config *c = xcalloc(1, sizeof(*c));
	struct load ld;
	struct lw_error ferr;
	char *tmp;

	memset(&ld, 0, sizeof(ld));
	ld.c = c;
	ld.file = "(configuration)";
	lw_buf_init(&ld.errors, 16384);
	set_defaults(c);
	c->path = path ? xstrdup(path) : find_file();
	if (c->path) {
		if (access(c->path, R_OK) < 0) {
			lw_error_set(err, "cannot open configuration '%s': %s", c->path, strerror(errno));
			goto fail;
		}
		parse_file(&ld, c->path, &ferr);
	}
	if (c->sources_dir && !ld.nerrors)
		parse_sources_dir(&ld, c->sources_dir, &ferr);
	if (!ld.nerrors)
		config_sources_validate(&ld);
	if (ld.nerrors) {
		if (ld.nerrors > CONFIG_MAX_ERRORS)
			lw_buf_printf(&ld.errors, "\n(%d more errors)", ld.nerrors - CONFIG_MAX_ERRORS);
		lw_error_set(err, "%s", ld.errors.data);
		goto fail;
	}
	apply_env(c);
	tmp = c->home;
	c->home = absolute(tmp ? tmp : "var");
	free(tmp);
	lw_buf_release(&ld.errors);
	return c;
fail:
	lw_buf_release(&ld.errors);
	config_free(c);
	return NULL;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->home);
	free(c->database_url);
	free(c->rules);
	free(c->user_agent);
	free(c->log_level);
	config_free_list(c->agencies, c->nagencies);
	free(c->sources_dir);
	config_free_list(c->network_exclude, c->nnetwork_exclude);
	free(c->phone_region);
	config_free_list(c->known_generic, c->nknown_generic);
	free(c->serve.listen);
	free(c->daemon_metrics_listen);
	free(c->serve.tls_cert);
	free(c->serve.tls_key);
	config_sources_free(c);
	config_free_list(c->extra_files, c->nextra_files);
	free(c);
}

int config_has_agency(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nagencies; i++)
		if (strcmp(c->agencies[i], name) == 0)
			return 1;
	return 0;
}

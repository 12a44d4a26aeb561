/* SPDX-License-Identifier: MIT */
/* lurewatch.conf: the daemon's and the tools' configuration, validated key
 * by key with file:line errors, into an immutable struct. */
#ifndef LW_CONFIG_H
#define LW_CONFIG_H

#include <stddef.h>

#include "../util/error.h"

/* One site to crawl: a [source NAME] section. */
struct config_source {
	char *name;
	char *file;             /* where it was defined, for messages */
	int line;
	char *kind;             /* html, rss, atom or sitemap */
	char **start;           /* start URLs (repeated "start =" lines) */
	size_t nstart;
	/* XPath selectors; links and next apply to listing pages, the rest to
	 * detail pages. NULL when not set. */
	char *links, *next, *title, *body, *location, *posted, *contact;
	int interval;           /* seconds between passes */
	int max_pages;          /* per pass */
	int max_depth;          /* listing-page hops from a start URL */
	char **allow_hosts;     /* hosts the crawl may enter; default: the start URLs' */
	size_t nallow_hosts;
	double rate;            /* requests per second per host */
	int connections;        /* concurrent transfers per host */
	int allow_private;      /* may fetch loopback/private/link-local addresses */
	int enabled;
};

/* Crawler-wide settings: the [crawler] section. */
struct config_crawler {
	int connect_timeout;    /* seconds */
	int timeout;            /* seconds, whole transfer */
	int low_speed_time;     /* seconds under low_speed_limit bytes/s */
	int low_speed_limit;
	int max_body;           /* bytes, after decompression */
	int retries;            /* further attempts after a retryable failure */
	double backoff;         /* seconds: first retry delay, doubling each time */
	int lease_seconds;      /* how long a worker holds a URL */
	int connections;        /* concurrent transfers in all */
};

/* The web interface: the [serve] section. */
struct config_serve {
	char *listen;           /* ADDR:PORT; NULL: 127.0.0.1:8640 */
	char *tls_cert, *tls_key; /* PEM files: HTTPS when both are set */
	int behind_tls_proxy;   /* a TLS proxy in front makes a plain non-loopback listen safe */
	int session_minutes;    /* idle time after which a session ends */
	int threads;            /* request threads, each with its own connection */
};

struct config {
	char *path;             /* the file read, or NULL when only defaults apply */
	char *home;             /* data folder: embedded database, caches (absolute) */
	char *database_url;     /* libpq conninfo or URL; NULL: embedded or PG* vars */
	int db_statement_timeout;      /* seconds a statement may take, here and on the server */
	int db_long_statement_timeout; /* ... in a migration or a network rebuild */
	int db_connect_timeout;        /* seconds a connection may take to set up */
	char *rules;            /* rule pack; NULL: the default pack */
	double threshold;       /* < 0: the pack's own */
	char *user_agent;
	char *log_level;        /* debug, info, warn, error */
	int claim_minutes;      /* how long an analyst's claim lasts */
	char **agencies;        /* escalation targets */
	size_t nagencies;
	char *sources_dir;      /* extra *.conf files holding [source] sections */
	/* [networks] */
	char **network_exclude; /* normalised entities that never link ads */
	size_t nnetwork_exclude;
	int near_duplicate_bits;/* SimHash distance that links texts; -1: off */
	char *phone_region;     /* default country for national phone numbers */
	int hub_max_ads;        /* a detail in this many ads is generic (0: never) */
	int hub_min_ads;        /* ... or in this many ads (0: never) */
	int hub_min_places;     /* ... spread over this many places */
	char **known_generic;   /* categories of the shipped list that apply */
	size_t nknown_generic;
	int split_min_size;     /* components this large are tried for a split */
	double split_max_conductance; /* a part cut off may keep at most this share of its ties outside */
	int link_on_ingest;     /* 0: ingestion stores details, networks wait for a rebuild */
	int link_in_background; /* 1: ingest links a batch while it writes the next */
	struct config_crawler crawler;
	struct config_serve serve;
	char *daemon_metrics_listen; /* [daemon] metrics_listen: ADDR:PORT for /metrics */
	struct config_source *sources;
	size_t nsources;
	char **extra_files;     /* files of the sources folder (owned) */
	size_t nextra_files;
};

/* Reads path, or when path is NULL the first of $LUREWATCH_CONFIG,
 * $LUREWATCH_HOME/lurewatch.conf and ./lurewatch.conf that exists (none is
 * fine: defaults apply). Environment overrides: LUREWATCH_HOME,
 * LUREWATCH_DATABASE_URL, LUREWATCH_RULES. Returns a new config (free with
 * config_free) or NULL with err set to "file:line: reason" (every bad key is
 * listed, one per line). */
struct config *config_load(const char *path, struct lw_error *err);
void config_free(struct config *c);
/* A config holding only the defaults (no file, no environment), for
 * libraries that need a setting before a caller gives one. config_free. */
struct config *config_new_defaults(void);

/* The source called name, or NULL. */
const struct config_source *config_source_find(const struct config *c, const char *name);

/* ---- changing sources from a program (source_edit.c) ---- */
/* A source may be written by these when [lurewatch] sources names a folder
 * and the source has (or will have) that folder's NAME.conf to itself;
 * sources elsewhere are refused with where they are defined. Each write
 * goes through a temporary file and a rename, then the whole configuration
 * of c->path is loaded as at start; when that fails the folder is put back
 * as it was and err holds the loader's "file:line: reason". */

/* 1 when key is one a program may set (allow_private is not). */
int config_source_key_editable(const char *key);
/* Writes source name as n settings keys[i] = values[i] ("start" and
 * "allow_hosts" may repeat; empty values are left out), replacing the
 * whole file. create: the source must not exist yet; otherwise it must.
 * Returns 0 or -1 with err. */
int config_source_write(const struct config *c, const char *name, int create,
			char *const *keys, char *const *values, size_t n, struct lw_error *err);
/* Sets the source's enabled key, keeping the rest of its file. 0 or -1. */
int config_source_set_enabled(const struct config *c, const char *name, int enabled,
			      struct lw_error *err);

/* 1 when name is one of the configured escalation agencies. */
int config_has_agency(const struct config *c, const char *name);

#endif

/* SPDX-License-Identifier: MIT */
/* lurewatch.conf: the daemon's and the tools' configuration, validated key
 * by key with file:line errors, into an immutable struct. */
#ifndef LW_CONFIG_H
#define LW_CONFIG_H

#include <stddef.h>

#include "../util/error.h"

struct config {
	char *path;             /* the file read, or NULL when only defaults apply */
	char *home;             /* data folder: embedded database, caches (absolute) */
	char *database_url;     /* libpq conninfo or URL; NULL: embedded or PG* vars */
	char *rules;            /* rule pack; NULL: the default pack */
	double threshold;       /* < 0: the pack's own */
	char *user_agent;
	char *log_level;        /* debug, info, warn, error */
	int claim_minutes;      /* how long an analyst's claim lasts */
	char **agencies;        /* escalation targets */
	size_t nagencies;
};

/* Reads path, or when path is NULL the first of $LUREWATCH_CONFIG,
 * $LUREWATCH_HOME/lurewatch.conf and ./lurewatch.conf that exists (none is
 * fine: defaults apply). Environment overrides: LUREWATCH_HOME,
 * LUREWATCH_DATABASE_URL, LUREWATCH_RULES. Returns a new config (free with
 * config_free) or NULL with err set to "file:line: reason" (every bad key is
 * listed, one per line). */
struct config *config_load(const char *path, struct lw_error *err);
void config_free(struct config *c);

/* 1 when name is one of the configured escalation agencies. */
int config_has_agency(const struct config *c, const char *name);

#endif

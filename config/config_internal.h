/* SPDX-License-Identifier: MIT */
/* State shared by the configuration loader's files while one file is read. */
#ifndef LW_CONFIG_INTERNAL_H
#define LW_CONFIG_INTERNAL_H

#include "../util/buf.h"
#include "config.h"

#define CONFIG_MAX_KEYS 64

struct load {
	struct config *c;
	const char *file;
	char section[64];
	struct lw_buf errors;
	int nerrors;
	unsigned char seen[CONFIG_MAX_KEYS];
	int in_source;          /* inside a [source NAME] section */
	struct config_source *source;   /* NULL when that section was refused */
	int sources_only;       /* reading a file of the sources folder */
};

void add_error(struct load *ld, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void config_free_list(char **v, size_t n);
/* "a, b ,c" -> {"a","b","c"}; with names_only, lowercase letters, digits and _
 * only. Returns 0 or -1. */
int config_parse_list(const char *value, int names_only, char ***out, size_t *nout);

/* sources.c */
void config_source_begin(struct load *ld, const char *name, int line);
void config_source_key(struct load *ld, const char *key, const char *value, int line);
/* Checks every source once all files are read (start URLs, XPath, kind). */
void config_sources_validate(struct load *ld);
void config_sources_free(struct config *c);

#endif

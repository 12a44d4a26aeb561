/* SPDX-License-Identifier: MIT */
/* Private to archive/: the bytes of an archive from a file, stdin or a URL. */
#ifndef LW_ARCHIVE_SOURCE_H
#define LW_ARCHIVE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/error.h"

struct source;

/* "-" stdin, http(s) URL, else a path. NULL with err. */
struct source *source_open(const char *path, struct lw_error *err);
/* Up to max bytes into buf; *got 0 at the end. 0 or -1 with err. */
int source_read(struct source *s, unsigned char *buf, size_t max, size_t *got,
		struct lw_error *err);
/* The size when known, else 0. */
uint64_t source_size(const struct source *s);
void source_close(struct source *s);

#endif

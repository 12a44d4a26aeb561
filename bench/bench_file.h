/* SPDX-License-Identifier: MIT */
/* Reading a whole corpus file, for the benchmark programs (each is built
 * from one .c file, so this is a header). */
#ifndef LW_BENCH_FILE_H
#define LW_BENCH_FILE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xmalloc.h"

/* The file's bytes, NUL-terminated, and their count in *len; NULL after
 * saying why on stderr, prefixed with prog. The caller frees. */
static inline char *bench_read_file(const char *prog, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "%s: cannot read '%s': %s\n", prog, path, strerror(errno));
		goto out;
	}
	p = xmalloc((size_t)n + 1);
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: short read of '%s'\n", prog, path);
		free(p);
		p = NULL;
		goto out;
	}
	p[n] = '\0';
	*len = (size_t)n;
out:
	if (f)
		fclose(f);
	return p;
}

#endif

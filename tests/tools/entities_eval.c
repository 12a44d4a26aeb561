/* SPDX-License-Identifier: MIT */
/* Prints the entities lurewatch finds in corpus files as
 * "file<TAB>kind<TAB>value as written<TAB>normalized" lines, for
 * tests/eval_entities.py. Not built by make; from the top of the tree:
 *
 *   make build/libmatcher.a build/libutil.a
 *   cc -std=c11 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L \
 *      -include util/banned.h -o build/entities_eval tests/tools/entities_eval.c \
 *      build/libmatcher.a build/libutil.a $(pkg-config --libs libhs libxml-2.0 libutf8proc) -lm
 *   build/entities_eval [-r REGION] FILE...   (e.g. the dev corpus .txt files)
 *
 * Tabs and line breaks inside a value are printed as spaces. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../matcher/entities.h"

#define FILE_MAX (4u << 20)

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(FILE_MAX);
	if (buf) {
		n = fread(buf, 1, FILE_MAX, f);
		if (ferror(f)) {
			free(buf);
			buf = NULL;
		}
		*len = n;
	}
	fclose(f);
	return buf;
}

static void print_value(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		putchar(p[i] == '\t' || p[i] == '\n' || p[i] == '\r' ? ' ' : p[i]);
}

static int dump(const char *path, const char *region)
{
	struct entity_list l;
	struct lw_error err;
	const char *base = strrchr(path, '/');
	char *text;
	size_t len = 0, i;
	int ret = -1;

	entity_list_init(&l);
	text = slurp(path, &len);
	if (!text) {
		fprintf(stderr, "%s: cannot read\n", path);
		goto out;
	}
	if (entities_extract(text, len, region, &l, &err) < 0) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		printf("%s\t%s\t", base ? base + 1 : path, entity_kind_name(l.v[i].kind));
		print_value(text + l.v[i].start, l.v[i].end - l.v[i].start);
		printf("\t%s\n", l.v[i].normalized);
	}
	ret = 0;
out:
	entity_list_release(&l);
	free(text);
	return ret;
}

int main(int argc, char **argv)
{
	const char *region = "NZ";
	int i = 1, status = 0;

	if (argc > 2 && !strcmp(argv[1], "-r")) {
		region = argv[2];
		i = 3;
	}
	for (; i < argc; i++)
		if (dump(argv[i], region) < 0)
			status = 1;
	return status;
}

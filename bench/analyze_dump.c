/* SPDX-License-Identifier: MIT */
/* Prints everything matcher_analyze returns for each document (score, hits,
 * contacts with their normalised values and regions, SimHash), one block per
 * document, so two builds can be compared byte for byte after a change to
 * the normaliser, the contact finders or the fingerprint. Arguments are
 * files; a file holding form feeds is read as form-feed separated documents
 * (the bench corpora), with -n N keeping its first N. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../matcher/entities.h"
#include "../matcher/matcher.h"
#include "../util/xmalloc.h"
#include "bench_file.h"

static void dump(struct matcher_scanner *s, const char *name, size_t k, const char *doc,
		 size_t len, struct matcher_analysis *a)
{
	struct lw_error err;
	size_t i;

	printf("== %s #%zu\n", name, k);
	if (matcher_analyze(s, doc, len, MATCHER_INPUT_TEXT, NULL, a, &err) < 0) {
		printf("error %s\n", err.msg);
		return;
	}
	printf("score %.9g flagged %d nwords %zu simhash %016" PRIx64 "\n", a->result.score,
	       a->result.flagged, a->result.nwords, a->simhash);
	for (i = 0; i < a->result.nhits; i++)
		printf("hit %zu %zu %zu\n", a->result.hits[i].rule, a->result.hits[i].start,
		       a->result.hits[i].end);
	for (i = 0; i < a->entities.n; i++) {
		const struct entity *e = &a->entities.v[i];

		printf("ent %s %zu %zu %s %s\n", entity_kind_name(e->kind), e->start, e->end,
		       e->normalized, e->region ? e->region : "-");
	}
}

int main(int argc, char **argv)
{
	struct lw_error err;
	struct matcher_pack *pack;
	struct matcher *m;
	struct matcher_scanner *s;
	struct matcher_analysis a;
	long limit = -1;
	int i = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: analyze_dump PACK [-n N] FILE...\n");
		return 2;
	}
	if (!(pack = matcher_pack_load(argv[1], &err)) || !(m = matcher_compile(pack, NULL, &err)) ||
	    !(s = matcher_scanner_new(m, &err))) {
		fprintf(stderr, "analyze_dump: %s\n", err.msg);
		return 2;
	}
	if (i + 1 < argc && !strcmp(argv[i], "-n")) {
		limit = strtol(argv[i + 1], NULL, 10);
		i += 2;
	}
	matcher_analysis_init(&a);
	for (; i < argc; i++) {
		size_t len = 0, pos = 0, k = 0;
		char *buf = bench_read_file("analyze_dump", argv[i], &len);

		if (!buf)
			return 2;
		while (pos < len && (limit < 0 || (long)k < limit)) {
			const char *e = memchr(buf + pos, '\f', len - pos);
			size_t n = e ? (size_t)(e - buf - pos) : len - pos;

			dump(s, argv[i], k++, buf + pos, n, &a);
			pos += n + 1;
		}
		free(buf);
	}
	matcher_analysis_release(&a);
	matcher_scanner_free(s);
	matcher_free(m);
	return 0;
}

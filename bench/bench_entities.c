/* SPDX-License-Identifier: MIT */
/* Contact extraction alone: normalises every document of a corpus once
 * (form-feed separated, as bench_match reads them), then times
 * entities_extract_text (or, with "ref", the reference finders it is held
 * to) over the normalised texts in thread CPU time and prints
 * "entities.key=value" lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../matcher/entities.h"
#include "../matcher/prepared.h"
#include "../matcher/text.h"
#include "../util/xmalloc.h"
#include "bench_clock.h"
#include "bench_file.h"

int entities_extract_text_reference(const struct lw_text *t, const char *orig,
				    size_t orig_len, const char *default_region,
				    struct entity_list *out, struct lw_error *err);

struct doc {
	const char *orig;
	size_t len;
	struct lw_text t;
};

int main(int argc, char **argv)
{
	struct entity_list l;
	struct lw_error err;
	struct doc *docs = NULL;
	size_t len = 0, ndocs = 0, cap = 0, pos = 0, i, bytes = 0, found = 0;
	double min_secs = argc > 2 ? strtod(argv[2], NULL) : 3.0, c0, secs = 0;
	int passes = 0, ref = argc > 3 && !strcmp(argv[3], "ref");
	char *buf;

	if (argc < 2 || !(buf = bench_read_file("bench_entities", argv[1], &len))) {
		fprintf(stderr, "usage: bench_entities CORPUS [MIN_SECONDS [ref]]\n");
		return 2;
	}
	while (pos < len) {
		const char *e = memchr(buf + pos, '\f', len - pos);
		size_t n = e ? (size_t)(e - buf - pos) : len - pos;

		if (n) {
			if (ndocs == cap) {
				cap = cap ? cap * 2 : 1024;
				docs = xreallocarray(docs, cap, sizeof(*docs));
			}
			docs[ndocs].orig = buf + pos;
			docs[ndocs].len = n;
			text_init(&docs[ndocs].t);
			if (text_normalize(buf + pos, n, &docs[ndocs].t, &err) < 0) {
				fprintf(stderr, "bench_entities: %s\n", err.msg);
				return 1;
			}
			ndocs++;
		}
		pos += n + 1;
	}
	entity_list_init(&l);
	do {
		c0 = bench_cpu_now();
		for (i = 0; i < ndocs; i++) {
			if ((ref ? entities_extract_text_reference
				 : entities_extract_text)(&docs[i].t, docs[i].orig, docs[i].len,
							  NULL, &l, &err) < 0) {
				fprintf(stderr, "bench_entities: %s\n", err.msg);
				return 1;
			}
			found += l.n;
			bytes += docs[i].len;
		}
		secs += bench_cpu_now() - c0;
		passes++;
	} while (secs < min_secs);
	printf("entities.docs=%zu\nentities.passes=%d\nentities.found=%zu\n"
	       "entities.cpu_seconds=%.4f\nentities.cpu_mbps=%.2f\n",
	       ndocs, passes, found / (size_t)passes, secs, (double)bytes / 1e6 / secs);
	entity_list_release(&l);
	for (i = 0; i < ndocs; i++)
		text_release(&docs[i].t);
	free(docs);
	free(buf);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* Benchmark harness: times entities_extract, matcher_simhash and matcher_scan on the same documents of a form-feed separated corpus, and prints "net.key=value" lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../matcher/entities.h"
#include "../matcher/matcher.h"
#include "../util/xmalloc.h"
#include "bench_clock.h"
#include "bench_file.h"

#define DOC_SEP '\f'

static void rate(const char *key, size_t bytes, double secs)
{
	printf("net.%s_seconds=%.4f\nnet.%s_mbps=%.3f\n", key, secs, key,
	       secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
}

/* Each document goes through the three steps in turn, so they see the same
 * text with the same cache state; each step's thread CPU time is summed. */
int main(int argc, char **argv)
{
	struct lw_error err;
	struct matcher_pack *pack;
	struct matcher *m;
	struct matcher_scanner *sc;
	struct matcher_result r;
	struct entity_list el;
	size_t len, pos = 0, bytes = 0, docs = 0, ents = 0, hits = 0, flagged = 0;
	size_t per_kind[ENTITY_KIND_COUNT] = { 0 };
	double t_ent = 0, t_sim = 0, t_scan = 0, cap, w0;
	char *text;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_network PACK CORPUS SECONDS\n");
		return 2;
	}
	cap = strtod(argv[3], NULL);
	text = bench_read_file("bench_network", argv[2], &len);
	if (!text)
		return 1;
	pack = matcher_pack_load(argv[1], &err);
	m = pack ? matcher_compile(pack, NULL, &err) : NULL;
	sc = m ? matcher_scanner_new(m, &err) : NULL;
	if (!sc) {
		fprintf(stderr, "bench_network: %s\n", err.msg);
		return 1;
	}
	matcher_result_init(&r);
	entity_list_init(&el);
	w0 = bench_now();
	while (pos < len && t_ent + t_sim + t_scan < cap) {
		const char *d = text + pos;
		const char *e = memchr(d, DOC_SEP, len - pos);
		size_t n = e ? (size_t)(e - d) : len - pos;
		uint64_t h;
		double t;

		pos += n + 1;
		if (!n)
			continue;
		t = bench_cpu_now();
		if (entities_extract(d, n, "NZ", &el, &err) < 0)
			goto fail;
		t_ent += bench_cpu_now() - t;
		t = bench_cpu_now();
		if (matcher_simhash(d, n, &h, &err) < 0)
			goto fail;
		t_sim += bench_cpu_now() - t;
		t = bench_cpu_now();
		if (matcher_scan(sc, d, n, MATCHER_INPUT_TEXT, &r, &err) < 0)
			goto fail;
		t_scan += bench_cpu_now() - t;
		for (size_t i = 0; i < el.n; i++)
			if (el.v[i].kind >= 0 && el.v[i].kind < ENTITY_KIND_COUNT)
				per_kind[el.v[i].kind]++;
		ents += el.n;
		hits += r.nhits;
		flagged += r.flagged != 0;
		bytes += n;
		docs++;
	}
	printf("net.bytes=%zu\nnet.docs=%zu\nnet.capped=%d\nnet.wall_seconds=%.3f\n", bytes, docs,
	       pos < len, bench_now() - w0);
	rate("entities", bytes, t_ent);
	rate("simhash", bytes, t_sim);
	rate("scan", bytes, t_scan);
	rate("link_keys", bytes, t_ent + t_sim);
	printf("net.entities=%zu\nnet.hits=%zu\nnet.flagged=%zu\n", ents, hits, flagged);
	printf("net.kinds=");
	for (int k = 0; k < ENTITY_KIND_COUNT; k++)
		printf("%s%s:%zu", k ? "," : "", entity_kind_name(k), per_kind[k]);
	printf("\nnet.maxrss_kb=%ld\n", bench_maxrss_kb());
	entity_list_release(&el);
	matcher_result_release(&r);
	matcher_scanner_free(sc);
	matcher_free(m);
	free(text);
	return 0;
fail:
	fprintf(stderr, "bench_network: %s\n", err.msg);
	return 1;
}

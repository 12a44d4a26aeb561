/* SPDX-License-Identifier: MIT */
/* Where the raw Hyperscan scan spends its time: each of the matcher's
 * databases timed on its own over a corpus, and the patterns that match
 * most. Debian's libhs has no symbols, so perf cannot split its time; one
 * loop per database, with the clock read once a loop (the thread clock is a
 * system call, and read around every hs_scan it cost a third of a fast
 * database's time), is the tool.
 *
 *   bench_hsdb PACK FILE [NORMALISE [REPS [TOP]]]
 *
 * FILE holds form-feed separated documents; NORMALISE 1 scans them as the
 * full path does (text_normalize first), 0 as `bench_match raw` does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../matcher/scan_internal.h"
#include "../util/xmalloc.h"

enum { DB_PAD, DB_LIT, DB_ULIT, DB_MAIN, DB_FAC, DB_GATE, NDB };

static const char *const db_name[NDB] = { "pad", "lit", "ulit", "main", "fac", "gate" };

/* The documents and the three copies the databases scan, made once. */
struct corpus {
	char *mem;
	size_t *off, *len;
	unsigned char *high;
	size_t ndocs, bytes;
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_total(unsigned id, unsigned long long from, unsigned long long to,
		       unsigned flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(*(unsigned long *)ctx)++;
	return 0;
}

static int count_id(unsigned id, unsigned long long from, unsigned long long to,
		    unsigned flags, void *ctx)
{
	(void)from;
	(void)to;
	(void)flags;
	((unsigned long *)ctx)[id]++;
	return 0;
}

/* Document k's copy for database i, and its length. */
static const char *doc_for(const struct corpus *c, size_t k, int i, size_t *n)
{
	const char *d = c->mem + c->off[k];

	*n = c->len[k] + (i == DB_PAD ? 2 : 0);
	return i == DB_MAIN || i == DB_FAC || i == DB_GATE ? d : i == DB_PAD ? d + 2 * c->len[k] : d + c->len[k];
}

static int corpus_load(struct corpus *c, const char *path, int normalise)
{
	struct lw_error err;
	struct lw_text t;
	size_t sz = 0, o = 0, cap;
	char *buf = NULL;
	FILE *f = fopen(path, "rb");
	int rc = -1;

	text_init(&t);
	if (!f || fseek(f, 0, SEEK_END) < 0 || (long)(sz = (size_t)ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "bench_hsdb: cannot read '%s'\n", path);
		goto out;
	}
	buf = xmalloc(sz + 1);
	if (fread(buf, 1, sz, f) != sz)
		goto out;
	/* Normalising never more than doubles a text's length. */
	cap = 6 * sz + 16;
	c->mem = xmalloc(cap);
	c->off = xcalloc(sz + 1, sizeof(*c->off));
	c->len = xcalloc(sz + 1, sizeof(*c->len));
	c->high = xcalloc(sz + 1, 1);
	for (char *d = buf, *end = buf + sz; d < end;) {
		char *ff = memchr(d, '\f', (size_t)(end - d));
		const char *doc = d;
		size_t len;

		if (!ff)
			ff = end;
		len = (size_t)(ff - d);
		if (normalise) {
			if (text_normalize(d, len, &t, &err) < 0) {
				fprintf(stderr, "bench_hsdb: %s\n", err.msg);
				goto out;
			}
			doc = t.buf;
			len = t.len;
		}
		d = ff + 1;
		if (!len || o + 3 * len + 2 > cap)
			continue;
		c->off[c->ndocs] = o;
		c->len[c->ndocs] = len;
		memcpy(c->mem + o, doc, len);
		c->mem[o + 2 * len] = ' ';
		c->mem[o + 3 * len + 1] = ' ';
		c->high[c->ndocs] = (unsigned char)scan_literal_texts(doc, len, c->mem + o + len,
								      c->mem + o + 2 * len + 1);
		o += 3 * len + 2;
		c->bytes += len;
		c->ndocs++;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	free(buf);
	text_release(&t);
	return rc;
}

static void corpus_release(struct corpus *c)
{
	free(c->mem);
	free(c->off);
	free(c->len);
	free(c->high);
}

static void print_top(const struct matcher *m, unsigned long *cnt, const struct corpus *c,
		      int top)
{
	double mb = (double)c->bytes / 1e6;

	for (int j = 0; j < top; j++) {
		unsigned long best = 0;
		size_t bu = 0;
		unsigned p;

		for (size_t u = 0; u < m->nhs; u++)
			if (cnt[u] > best) {
				best = cnt[u];
				bu = u;
			}
		if (!best)
			break;
		p = m->hs_pids[m->hs_first[bu]];
		printf("top.%d=%.0f/MB patterns=%zu rule=%s %s\n", j + 1, (double)best / mb,
		       m->hs_first[bu + 1] - m->hs_first[bu],
		       m->pack->rules[m->pat_rule[p]].id,
		       m->pat_item[p] ? m->pat_item[p] : m->pat_expr[p]);
		cnt[bu] = 0;
	}
}

int main(int argc, char **argv)
{
	struct lw_error err;
	struct matcher_pack *pack;
	struct matcher *m = NULL;
	struct corpus c = { 0 };
	hs_scratch_t *scratch = NULL;
	struct matcher_scanner *s = NULL;
	hs_database_t *db[NDB];
	unsigned long *cnt = NULL;
	double t[NDB] = { 0 }, tot = 0, mb;
	int reps = argc > 4 ? atoi(argv[4]) : 3, top = argc > 5 ? atoi(argv[5]) : 20, rc = 1;

	if (argc < 3 || reps < 1) {
		fprintf(stderr, "usage: bench_hsdb PACK FILE [NORMALISE [REPS [TOP]]]\n");
		return 2;
	}
	if (!(pack = matcher_pack_load(argv[1], &err)) || !(m = matcher_compile(pack, NULL, &err))) {
		fprintf(stderr, "bench_hsdb: %s\n", err.msg);
		return 1;
	}
	db[DB_PAD] = m->db_pad;
	db[DB_LIT] = m->db_lit;
	db[DB_ULIT] = m->db_ulit;
	db[DB_MAIN] = m->db_main;
	db[DB_FAC] = m->db_fac;
	db[DB_GATE] = m->db_gate;
	for (int i = 0; i < NDB; i++)
		if (db[i] && hs_alloc_scratch(db[i], &scratch) != HS_SUCCESS)
			goto out;
	if (corpus_load(&c, argv[2], argc > 3 && atoi(argv[3])) < 0)
		goto out;
	mb = (double)c.bytes / 1e6;
	printf("docs=%zu\nbytes=%zu\n", c.ndocs, c.bytes);
	for (int i = 0; i < NDB; i++) {
		unsigned long n = 0;
		double c0 = cpu_now();

		for (int r = 0; r < reps && db[i]; r++)
			for (size_t k = 0; k < c.ndocs; k++) {
				size_t len;
				const char *d = doc_for(&c, k, i, &len);

				if (i == DB_ULIT && !c.high[k])
					continue;
				hs_scan(db[i], d, (unsigned)len, 0, scratch, count_total, &n);
			}
		t[i] = cpu_now() - c0;
		tot += t[i];
		printf("db_%s.mbps=%.1f\ndb_%s.matches_per_mb=%.0f\n", db_name[i],
		       t[i] > 0 ? mb * reps / t[i] : 0.0, db_name[i], (double)n / reps / mb);
	}
	/* db_gate as the scan runs it: over the windows around db_fac's
	 * factors (this includes db_fac's own pass), not the whole text. */
	if (m->db_gate && (s = matcher_scanner_new(m, &err))) {
		unsigned long n = 0;
		size_t whole = 0, nwin = 0, cover = 0;
		double c0 = cpu_now(), tg;

		for (int r = 0; r < reps; r++)
			for (size_t k = 0; k < c.ndocs; k++) {
				size_t len;
				const char *d = doc_for(&c, k, DB_MAIN, &len);

				if (scan_gated(s, d, len, count_total, &n, &err) < 0)
					goto out;
				if (r)
					continue;
				if (s->win_whole) {
					whole++;
					cover += len;
				}
				for (size_t w = 0; !s->win_whole && w < s->nwin; w++)
					cover += s->win[2 * w + 1] - s->win[2 * w];
				nwin += s->win_whole ? 0 : s->nwin;
			}
		tg = cpu_now() - c0;
		printf("stage2.mbps=%.1f\nstage2.matches_per_mb=%.0f\nstage2.docs_whole=%zu\n"
		       "stage2.windows=%zu\nstage2.cover=%.3f\n", tg > 0 ? mb * reps / tg : 0.0,
		       (double)n / reps / mb, whole, nwin, (double)cover / (double)c.bytes);
		tot += tg - t[DB_FAC] - t[DB_GATE];
		t[DB_GATE] = tg - t[DB_FAC];
	}
	for (int i = 0; i < NDB; i++)
		printf("db_%s.share=%.3f\n", db_name[i], tot > 0 ? t[i] / tot : 0.0);
	printf("all.mbps=%.1f\n", tot > 0 ? mb * reps / tot : 0.0);
	cnt = xcalloc(m->nhs ? m->nhs : 1, sizeof(*cnt));
	for (size_t k = 0; k < c.ndocs; k++)
		for (int i = 0; i < NDB; i++) {
			size_t len;
			const char *d = doc_for(&c, k, i, &len);

			/* db_fac's ids are factors, not patterns */
			if (db[i] && i != DB_FAC && (i != DB_ULIT || c.high[k]))
				hs_scan(db[i], d, (unsigned)len, 0, scratch, count_id, cnt);
		}
	print_top(m, cnt, &c, top);
	rc = 0;
out:
	free(cnt);
	matcher_scanner_free(s);
	corpus_release(&c);
	hs_free_scratch(scratch);
	matcher_free(m);
	return rc;
}

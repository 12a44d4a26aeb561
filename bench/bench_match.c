/* SPDX-License-Identifier: MIT */
/* Benchmark harness: times compiling a pack, the raw Hyperscan scan, the full
 * path of a listing (normalise, match, score, contacts) and PCRE2-JIT over the
 * same patterns, and prints "mode.key=value" lines that bench/run.sh turns
 * into a table. It uses the matcher's public API only, plus four fields of
 * struct matcher (npat, pat_flags, pat_rule, and matcher_pattern_expr) for the pattern-level
 * comparisons, which the rewritten compiler keeps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../matcher/entities.h"
#include "../matcher/matcher.h"
#include "../matcher/matcher_internal.h"
#include "../util/xmalloc.h"
#include "bench_clock.h"
#include "bench_file.h"

/* The full path of a listing. 0: matcher_scan then entities_extract, each
 * normalising the text on its own (today's ingest). 1: matcher_analyze, one
 * call that normalises once and also fingerprints. Switching is this line. */
#define BENCH_ANALYZE 1

/* Documents are separated by form feeds; the reader hands out whole
 * documents a chunk at a time, so memory stays flat whatever the corpus
 * size and ru_maxrss measures the matcher, not the corpus. */
#define DOC_SEP '\f'
#define CHUNK (4u * 1024u * 1024u)

/* ---- helpers ------------------------------------------------------------- */

static void report_rate(const char *mode, size_t bytes, double secs)
{
	printf("%s.bytes=%zu\n%s.seconds=%.4f\n%s.mbps=%.3f\n", mode, bytes, mode, secs, mode,
	       secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
}

static void report_rss(const char *mode)
{
	printf("%s.maxrss_kb=%ld\n", mode, bench_maxrss_kb());
}

/* ---- reading form-feed separated documents -------------------------------- */

struct reader {
	FILE *f;
	char *buf;
	size_t len;     /* bytes held */
	size_t used;    /* bytes of whole documents handed out by the last fill */
	int eof;
};

static int reader_open(struct reader *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->f = fopen(path, "rb");
	if (!r->f) {
		fprintf(stderr, "bench_match: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	r->buf = xmalloc(CHUNK);
	return 0;
}

static void reader_close(struct reader *r)
{
	if (r->f)
		fclose(r->f);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

static int reader_rewind(struct reader *r)
{
	r->len = r->used = 0;
	r->eof = 0;
	return fseek(r->f, 0, SEEK_SET);
}

/* Drops what the last fill handed out, reads more and returns how many
 * leading bytes of r->buf are whole documents (0 at the end, -1 when one
 * document is larger than the chunk). */
static long reader_fill(struct reader *r)
{
	size_t end;

	memmove(r->buf, r->buf + r->used, r->len - r->used);
	r->len -= r->used;
	r->used = 0;
	while (!r->eof && r->len < CHUNK) {
		size_t n = fread(r->buf + r->len, 1, CHUNK - r->len, r->f);

		r->len += n;
		if (n == 0)
			r->eof = 1;
	}
	if (r->eof) {
		r->used = r->len;
		return (long)r->len;
	}
	for (end = r->len; end > 0 && r->buf[end - 1] != DOC_SEP; end--)
		;
	if (end == 0) {
		fprintf(stderr, "bench_match: a document is larger than %u bytes\n", CHUNK);
		return -1;
	}
	r->used = end;
	return (long)end;
}

/* Steps through the documents of buf[0..n): returns 1 with *doc, *len set,
 * or 0 at the end. Empty documents are skipped. */
static int next_doc(const char *buf, size_t n, size_t *pos, const char **doc, size_t *len)
{
	while (*pos < n) {
		const char *p = buf + *pos;
		const char *e = memchr(p, DOC_SEP, n - *pos);
		size_t l = e ? (size_t)(e - p) : n - *pos;

		*pos += l + 1;
		if (l) {
			*doc = p;
			*len = l;
			return 1;
		}
	}
	return 0;
}

/* ---- the matcher ----------------------------------------------------------- */

static struct matcher *load(const char *pack_path, double *secs)
{
	struct lw_error err;
	struct matcher_pack *pack;
	struct matcher *m;
	double t0 = bench_now();

	pack = matcher_pack_load(pack_path, &err);
	if (!pack) {
		fprintf(stderr, "bench_match: %s\n", err.msg);
		return NULL;
	}
	m = matcher_compile(pack, NULL, &err);
	if (!m)
		fprintf(stderr, "bench_match: %s\n", err.msg);
	if (secs)
		*secs = bench_now() - t0;
	return m;
}

static void describe(const struct matcher *m)
{
	const struct matcher_pack *pack = matcher_get_pack(m);
	size_t nterm = 0, ncomb = 0, nrules = matcher_pack_rule_count(pack);

	for (size_t i = 0; i < nrules; i++) {
		nterm += matcher_pack_rule(pack, i)->is_term;
		ncomb += matcher_pack_rule(pack, i)->combine != NULL;
	}
	printf("pack.rules=%zu\npack.terms=%zu\npack.combinations=%zu\npack.patterns=%zu\n",
	       nrules - nterm, nterm, ncomb, m->npat);
}

/* Cold compile (the cache folder is expected empty), then a second load
 * that the cache must serve. */
static int run_compile(const char *pack_path)
{
	double cold = 0, warm = 0, c0 = bench_proc_cpu_now();
	struct matcher *m = load(pack_path, &cold);

	if (!m)
		return 1;
	/* CPU time as well: on a shared machine the wall time says more about
	 * the neighbours than about the compiler. */
	printf("compile.from_cache=%d\ncompile.seconds=%.3f\ncompile.cpu_seconds=%.3f\n",
	       matcher_from_cache(m), cold, bench_proc_cpu_now() - c0);
	describe(m);
	matcher_free(m);
	m = load(pack_path, &warm);
	if (!m)
		return 1;
	printf("cacheload.from_cache=%d\ncacheload.seconds=%.3f\n", matcher_from_cache(m), warm);
	matcher_free(m);
	report_rss("compile");
	return 0;
}

/* Writes every normalised expression, one per line, with its flags as
 * inline modifiers, for ripgrep. */
static int run_patterns(const char *pack_path, const char *out)
{
	struct matcher *m = load(pack_path, NULL);
	FILE *f;
	int rc = 1;

	if (!m)
		return 1;
	f = fopen(out, "w");
	if (!f) {
		fprintf(stderr, "bench_match: cannot write '%s': %s\n", out, strerror(errno));
		goto out;
	}
	for (size_t p = 0; p < m->npat; p++) {
		const char *e = matcher_pattern_expr(m, p);

		if (e)
			fprintf(f, "%s%s%s\n", (m->pat_flags[p] & HS_FLAG_DOTALL) ? "(?s)" : "",
				(m->pat_flags[p] & HS_FLAG_MULTILINE) ? "(?m)" : "", e);
	}
	rc = fclose(f) == 0 ? 0 : 1;
	printf("patterns.count=%zu\n", m->npat);
out:
	matcher_free(m);
	return rc;
}

/* ---- corpus preparation ------------------------------------------------------ */

/* Copies the first whole documents of in, at least limit bytes of them. */
static int run_slice(const char *in, const char *out, size_t limit)
{
	struct reader r;
	FILE *f = NULL;
	size_t written = 0, docs = 0;
	long n;
	int rc = 1;

	if (reader_open(&r, in) < 0)
		return 1;
	if (!(f = fopen(out, "wb")))
		goto out;
	while (written < limit && (n = reader_fill(&r)) > 0) {
		const char *doc;
		size_t len, pos = 0;

		while (written < limit && next_doc(r.buf, (size_t)n, &pos, &doc, &len)) {
			fwrite(doc, 1, len, f);
			fputc(DOC_SEP, f);
			written += len + 1;
			docs++;
		}
	}
	rc = ferror(f) ? 1 : 0;
	printf("slice.bytes=%zu\nslice.docs=%zu\n", written, docs);
out:
	if (f && fclose(f) != 0)
		rc = 1;
	reader_close(&r);
	return rc;
}

/* ---- raw and full scans -------------------------------------------------------- */

/* One listing's analysis as the full path produces it. */
#if BENCH_ANALYZE
#define full_out matcher_analysis
#define full_init matcher_analysis_init
#define full_release matcher_analysis_release
#else
struct full_out {
	struct matcher_result result;
	struct entity_list entities;
};

static void full_init(struct full_out *o)
{
	matcher_result_init(&o->result);
	entity_list_init(&o->entities);
}

static void full_release(struct full_out *o)
{
	matcher_result_release(&o->result);
	entity_list_release(&o->entities);
}
#endif

struct scan_run {
	struct matcher_scanner *s;
	struct full_out out;
	int full;
	double max_secs;                /* stop once this much scanning is timed; 0: no cap */
	size_t bytes, docs, hits, flagged, entities;
	double secs, cpu, match_cpu;    /* match_cpu: the matcher_scan share of cpu */
	int capped;
};

/* The full path of one listing: fills r->out and returns 0, or -1 with err. */
static int full_doc(struct scan_run *r, const char *doc, size_t len, struct lw_error *err)
{
#if BENCH_ANALYZE
	return matcher_analyze(r->s, doc, len, MATCHER_INPUT_TEXT, NULL, &r->out, err);
#else
	double c0 = bench_cpu_now();

	if (matcher_scan(r->s, doc, len, MATCHER_INPUT_TEXT, &r->out.result, err) < 0)
		return -1;
	r->match_cpu += bench_cpu_now() - c0;
	return entities_extract(doc, len, NULL, &r->out.entities, err);
#endif
}

/* Scans one document: raw mode hands the text as it is to
 * matcher_scan_raw (Hyperscan alone), full mode runs the full path. */
static int scan_doc(struct scan_run *r, const char *doc, size_t len, struct lw_error *err)
{
	double t0 = bench_now();
	long k = 0;

	if (r->full) {
		if (full_doc(r, doc, len, err) < 0)
			return -1;
		k = (long)r->out.result.nhits;
		r->flagged += r->out.result.flagged != 0;
		r->entities += r->out.entities.n;
	} else if ((k = matcher_scan_raw(r->s, doc, len, err)) < 0) {
		return -1;
	}
	r->secs += bench_now() - t0;
	r->hits += (size_t)k;
	r->bytes += len;
	r->docs++;
	return 0;
}

/* One pass over the file; returns 1 when the time cap was reached. */
static int scan_pass(struct scan_run *r, struct reader *rd)
{
	struct lw_error err;
	long n;

	while ((n = reader_fill(rd)) > 0) {
		const char *doc;
		size_t len, pos = 0;
		/* CPU time is read once a chunk: the thread clock is a system
		 * call, and read twice a document it cost 5% of the full path. */
		double c0 = bench_cpu_now();

		while (next_doc(rd->buf, (size_t)n, &pos, &doc, &len)) {
			if (scan_doc(r, doc, len, &err) < 0) {
				fprintf(stderr, "bench_match: %s\n", err.msg);
				return -1;
			}
			if (r->max_secs > 0 && r->secs >= r->max_secs) {
				r->cpu += bench_cpu_now() - c0;
				return r->capped = 1;
			}
		}
		r->cpu += bench_cpu_now() - c0;
	}
	return n < 0 ? -1 : 0;
}

static void scan_report(const char *mode, const struct scan_run *r, int passes)
{
	report_rate(mode, r->bytes, r->secs);
	printf("%s.cpu_seconds=%.4f\n%s.cpu_mbps=%.3f\n", mode, r->cpu, mode,
	       r->cpu > 0 ? (double)r->bytes / 1e6 / r->cpu : 0.0);
	printf("%s.passes=%d\n%s.capped=%d\n%s.docs=%zu\n%s.%s=%zu\n", mode, passes, mode,
	       r->capped, mode, r->docs, mode, r->full ? "hits" : "matches", r->hits);
	if (r->full) {
		printf("%s.flagged=%zu\n%s.entities=%zu\n%s.analyze=%d\n", mode, r->flagged, mode,
		       r->entities, mode, BENCH_ANALYZE);
		if (!BENCH_ANALYZE && r->cpu > 0)
			printf("%s.match_share=%.3f\n", mode, r->match_cpu / r->cpu);
	}
	report_rss(mode);
}

/* Scans the documents of a plain-text file: raw mode with
 * matcher_scan_raw over each document as it is, full mode through the full
 * path. Repeats the pass until min_secs of scanning, stops early at
 * max_secs (0: none). */
static int run_scan(const char *mode, const char *pack_path, const char *path, double min_secs,
		    double max_secs)
{
	struct matcher *m = load(pack_path, NULL);
	struct scan_run r;
	struct reader rd = { 0 };
	struct lw_error err;
	int passes = 0, rc = 1, st = 0;

	memset(&r, 0, sizeof(r));
	full_init(&r.out);
	r.full = strcmp(mode, "full") == 0;
	r.max_secs = max_secs;
	if (!m || reader_open(&rd, path) < 0)
		goto out;
	if (!(r.s = matcher_scanner_new(m, &err))) {
		fprintf(stderr, "bench_match: %s\n", err.msg);
		goto out;
	}
	do {
		if (passes++ && reader_rewind(&rd) < 0)
			goto out;
		if ((st = scan_pass(&r, &rd)) < 0)
			goto out;
	} while (st == 0 && r.secs < min_secs);
	scan_report(mode, &r, passes);
	rc = 0;
out:
	full_release(&r.out);
	matcher_scanner_free(r.s);
	reader_close(&rd);
	matcher_free(m);
	return rc;
}

/* Scans the whole file as one buffer, documents and separators together:
 * against the per-document figure it shows the cost of each hs_scan call. */
static int run_blob(const char *pack_path, const char *path, double min_secs)
{
	struct matcher *m = load(pack_path, NULL);
	struct matcher_scanner *s = NULL;
	struct lw_error err;
	size_t len = 0, bytes = 0;
	long matches = 0, k = 0;
	double secs = 0;
	char *buf = NULL;
	int passes = 0, rc = 1;

	if (!m || !(buf = bench_read_file("bench_match", path, &len)))
		goto out;
	if (!(s = matcher_scanner_new(m, &err))) {
		fprintf(stderr, "bench_match: %s\n", err.msg);
		goto out;
	}
	do {
		double t0 = bench_now();

		k = matcher_scan_raw(s, buf, len, &err);
		secs += bench_now() - t0;
		if (k < 0) {
			fprintf(stderr, "bench_match: %s\n", err.msg);
			goto out;
		}
		matches += k;
		bytes += len;
		passes++;
	} while (secs < min_secs);
	report_rate("blob", bytes, secs);
	printf("blob.passes=%d\nblob.matches=%ld\n", passes, matches);
	rc = 0;
out:
	free(buf);
	matcher_scanner_free(s);
	matcher_free(m);
	return rc;
}

/* ---- ranking patterns ------------------------------------------------------ */

struct ranked {
	size_t pid;
	double secs;
	long matches;
};

static int by_secs_desc(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	return x->secs < y->secs ? 1 : x->secs > y->secs ? -1 : 0;
}

static int count_cb(unsigned id, unsigned long long from, unsigned long long to,
		    unsigned flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(*(long *)ctx)++;
	return 0;
}

/* Times one pattern compiled on its own over buf; -1 when it will not
 * compile alone. */
static double time_alone(const char *expr, unsigned flags, const char *buf, size_t len,
			 long *matches)
{
	hs_database_t *db = NULL;
	hs_scratch_t *scr = NULL;
	hs_compile_error_t *cerr = NULL;
	double t0, secs = -1;

	*matches = 0;
	if (hs_compile(expr, flags, HS_MODE_BLOCK, NULL, &db, &cerr) != HS_SUCCESS) {
		hs_free_compile_error(cerr);
		return -1;
	}
	if (hs_alloc_scratch(db, &scr) == HS_SUCCESS) {
		t0 = bench_now();
		if (hs_scan(db, buf, (unsigned)len, 0, scr, count_cb, matches) == HS_SUCCESS)
			secs = bench_now() - t0;
	}
	hs_free_scratch(scr);
	hs_free_database(db);
	return secs;
}

/* Compiles each pattern alone and scans the file with it: a rough ranking
 * of which patterns make the database slow (costs do not add up exactly in
 * a multi-pattern database, but the expensive ones stand out). */
static int run_rank(const char *pack_path, const char *path, size_t top)
{
	struct matcher *m = load(pack_path, NULL);
	const struct matcher_pack *pack;
	struct ranked *rk = NULL;
	size_t len = 0, n = 0;
	double total = 0;
	char *buf = NULL;
	int rc = 1;

	if (!m || !(buf = bench_read_file("bench_match", path, &len)))
		goto out;
	pack = matcher_get_pack(m);
	rk = xcalloc(m->npat ? m->npat : 1, sizeof(*rk));
	for (size_t p = 0; p < m->npat; p++) {
		long k;
		const char *e = matcher_pattern_expr(m, p);
		double t = e ? time_alone(e, m->pat_flags[p], buf, len, &k) : -1;

		if (t < 0)
			continue;
		rk[n].pid = p;
		rk[n].secs = t;
		rk[n++].matches = k;
		total += t;
	}
	qsort(rk, n, sizeof(*rk), by_secs_desc);
	printf("rank.bytes=%zu\nrank.patterns=%zu\nrank.sum_seconds=%.4f\n", len, n, total);
	for (size_t i = 0; i < n && i < top; i++)
		printf("rank.top=%.1f MB/s\t%.1f%%\t%ld matches\t%s\t%.110s\n",
		       (double)len / 1e6 / rk[i].secs, 100 * rk[i].secs / total, rk[i].matches,
		       matcher_pack_rule(pack, m->pat_rule[rk[i].pid])->id, m->pat_expr[rk[i].pid]);
	rc = 0;
out:
	free(rk);
	free(buf);
	matcher_free(m);
	return rc;
}

/* ---- PCRE2 ------------------------------------------------------------------ */

/* Counts the matches of one pattern over the subject, leftmost-first and
 * non-overlapping as a PCRE user would; returns -1 on a match error. */
static long pcre2_count(const pcre2_code *code, int jit, const char *subj, size_t len,
			pcre2_match_data *md, pcre2_match_context *mc)
{
	PCRE2_SPTR s = (PCRE2_SPTR)subj;
	size_t off = 0;
	long count = 0;

	while (off <= len) {
		int rc = jit ? pcre2_jit_match(code, s, len, off, 0, md, mc)
			     : pcre2_match(code, s, len, off, PCRE2_NO_UTF_CHECK, md, mc);
		PCRE2_SIZE *ov;

		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0)
			return -1;
		ov = pcre2_get_ovector_pointer(md);
		count++;
		off = ov[1];
		if (ov[1] == ov[0]) {
			/* Empty match: step over one whole character. */
			off++;
			while (off < len && ((unsigned char)subj[off] & 0xc0) == 0x80)
				off++;
		}
	}
	return count;
}

static pcre2_code *pcre2_build(const char *expr, unsigned hs_flags, int *jit)
{
	uint32_t opts = PCRE2_UTF | PCRE2_CASELESS;
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *code;

	if (hs_flags & HS_FLAG_DOTALL)
		opts |= PCRE2_DOTALL;
	if (hs_flags & HS_FLAG_MULTILINE)
		opts |= PCRE2_MULTILINE;
	code = pcre2_compile((PCRE2_SPTR)expr, PCRE2_ZERO_TERMINATED, opts, &errcode, &erroff, NULL);
	if (!code) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		fprintf(stderr, "bench_match: pcre2 rejects '%s': %s\n", expr, (char *)msg);
		return NULL;
	}
	*jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
	return code;
}

/* Compiles each of the pack's expressions on its own and finds all its
 * matches in the whole file (documents joined by form feeds). */
static int run_pcre2(const char *pack_path, const char *path)
{
	struct matcher *m = load(pack_path, NULL);
	pcre2_match_data *md = pcre2_match_data_create(16, NULL);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_jit_stack *js = pcre2_jit_stack_create(64 * 1024, 8 * 1024 * 1024, NULL);
	size_t len = 0, rejected = 0, nojit = 0, errors = 0, used = 0;
	long matches = 0;
	double secs = 0, csecs = 0, cpu = 0;
	char *subj = NULL;
	int rc = 1;

	if (!m || !md || !mc || !js || !(subj = bench_read_file("bench_match", path, &len)))
		goto out;
	pcre2_jit_stack_assign(mc, NULL, js);
	for (size_t p = 0; p < m->npat; p++) {
		int jit = 0;
		double t0 = bench_now(), t1, c1;
		const char *e = matcher_pattern_expr(m, p);
		pcre2_code *code = e ? pcre2_build(e, m->pat_flags[p], &jit) : NULL;
		long k;

		t1 = bench_now();
		c1 = bench_cpu_now();
		csecs += t1 - t0;
		if (!code) {
			rejected++;
			continue;
		}
		nojit += !jit;
		used++;
		k = pcre2_count(code, jit, subj, len, md, mc);
		secs += bench_now() - t1;
		cpu += bench_cpu_now() - c1;
		if (k < 0)
			errors++;
		else
			matches += k;
		pcre2_code_free(code);
	}
	report_rate("pcre2", len, secs);
	printf("pcre2.cpu_seconds=%.4f\npcre2.cpu_mbps=%.4f\n", cpu,
	       cpu > 0 ? (double)len / 1e6 / cpu : 0.0);
	printf("pcre2.patterns=%zu\npcre2.rejected=%zu\npcre2.nojit=%zu\npcre2.match_errors=%zu\n",
	       used, rejected, nojit, errors);
	printf("pcre2.matches=%ld\npcre2.compile_seconds=%.3f\n", matches, csecs);
	rc = 0;
out:
	free(subj);
	pcre2_jit_stack_free(js);
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	matcher_free(m);
	return rc;
}

/* ---- main ------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_match compile PACK\n"
		"       bench_match patterns PACK OUT\n"
		"       bench_match slice IN OUT BYTES\n"
		"       bench_match raw|full PACK PLAIN_FILE [MIN_SECONDS [MAX_SECONDS]]\n"
		"       bench_match blob PACK FILE [MIN_SECONDS]\n"
		"       bench_match pcre2 PACK FILE\n"
		"       bench_match rank PACK FILE [TOP]\n"
		"Files hold documents separated by form feeds. Set LUREWATCH_CACHE to a\n"
		"folder of its own: 'compile' expects it empty.\n");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "compile") && argc == 3)
		return run_compile(argv[2]);
	if (!strcmp(mode, "patterns") && argc == 4)
		return run_patterns(argv[2], argv[3]);
	if (!strcmp(mode, "slice") && argc == 5)
		return run_slice(argv[2], argv[3], strtoull(argv[4], NULL, 10));
	if ((!strcmp(mode, "raw") || !strcmp(mode, "full")) && argc >= 4 && argc <= 6)
		return run_scan(mode, argv[2], argv[3], argc >= 5 ? strtod(argv[4], NULL) : 0,
				argc == 6 ? strtod(argv[5], NULL) : 0);
	if (!strcmp(mode, "blob") && (argc == 4 || argc == 5))
		return run_blob(argv[2], argv[3], argc == 5 ? strtod(argv[4], NULL) : 0);
	if (!strcmp(mode, "rank") && (argc == 4 || argc == 5))
		return run_rank(argv[2], argv[3], argc == 5 ? strtoull(argv[4], NULL, 10) : 20);
	if (!strcmp(mode, "pcre2") && argc == 4)
		return run_pcre2(argv[2], argv[3]);
	usage();
	return 2;
}

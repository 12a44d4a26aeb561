/* SPDX-License-Identifier: MIT */
/* Scanning one document: normalise, run the main database, settle
 * combinations over the whole document, find where each match starts in a
 * small second pass, and map every hit back to the original bytes. */
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../util/xmalloc.h"
#include "matcher_internal.h"
#include "prepared.h"
#include "text.h"

/* Bounds on what one document may record: beyond them a rule still counts as
 * fired, but further spans are not kept for highlighting. */
#define MAX_RAW 4096
#define MAX_RAW_PER_PATTERN 16
#define SOM_WINDOW_UNBOUNDED 512u
#define SOM_WINDOW_MAX 1024u
/* Backtracking budget for one start search: a pathological pattern gives
 * up and starts its highlight at the window instead. */
#define SOM_MATCH_LIMIT 200000u

struct raw_match {
	unsigned pid;
	size_t end;
};

struct matcher_scanner {
	const struct matcher *m;
	hs_scratch_t *scratch;          /* big enough for all three databases */
	struct lw_text norm;
	struct raw_match *raw;
	size_t nraw;
	unsigned char *per_pat;         /* spans kept per pattern */
	unsigned char *fired;           /* per rule or term: matched anywhere */
	unsigned char *cand;            /* per rule: combination trigger fired */
	size_t *touched;                /* rules whose fired/cand flags are set */
	size_t ntouched;
	/* start-offset search: each pattern compiled by PCRE2 on first use */
	pcre2_code **re;
	unsigned char *re_state;        /* 0 not tried, 1 compiled, 2 PCRE2 refuses it */
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

static int grow_scratch(hs_database_t *db, hs_scratch_t **s, struct lw_error *err)
{
	if (db && hs_alloc_scratch(db, s) != HS_SUCCESS)
		return lw_error_set(err, "cannot allocate hyperscan scratch space");
	return 0;
}

struct matcher_scanner *matcher_scanner_new(const struct matcher *m, struct lw_error *err)
{
	struct matcher_scanner *s = xcalloc(1, sizeof(*s));
	size_t nrules = m->pack->nrules;

	s->m = m;
	text_init(&s->norm);
	s->raw = xcalloc(MAX_RAW, sizeof(*s->raw));
	s->per_pat = xcalloc(m->npat ? m->npat : 1, 1);
	s->fired = xcalloc(nrules, 1);
	s->cand = xcalloc(nrules, 1);
	s->touched = xcalloc(nrules, sizeof(*s->touched));
	s->re = xcalloc(m->npat ? m->npat : 1, sizeof(*s->re));
	s->re_state = xcalloc(m->npat ? m->npat : 1, 1);
	s->md = pcre2_match_data_create(2, NULL);
	s->mctx = pcre2_match_context_create(NULL);
	if (s->mctx) {
		pcre2_set_match_limit(s->mctx, SOM_MATCH_LIMIT);
		pcre2_set_depth_limit(s->mctx, SOM_MATCH_LIMIT / 10);
	}
	if (!s->md || !s->mctx) {
		lw_error_set(err, "cannot allocate PCRE2 match data");
		matcher_scanner_free(s);
		return NULL;
	}
	if (grow_scratch(m->db_main, &s->scratch, err) < 0 ||
	    grow_scratch(m->db_terms, &s->scratch, err) < 0) {
		matcher_scanner_free(s);
		return NULL;
	}
	return s;
}

void matcher_scanner_free(struct matcher_scanner *s)
{
	if (!s)
		return;
	hs_free_scratch(s->scratch);
	for (size_t i = 0; s->re && i < s->m->npat; i++)
		pcre2_code_free(s->re[i]);
	free(s->re);
	free(s->re_state);
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	text_release(&s->norm);
	free(s->raw);
	free(s->per_pat);
	free(s->fired);
	free(s->cand);
	free(s->touched);
	free(s);
}

static void touch(struct matcher_scanner *s, size_t rule)
{
	if (!s->fired[rule] && !s->cand[rule])
		s->touched[s->ntouched++] = rule;
}

static void reset(struct matcher_scanner *s)
{
	for (size_t i = 0; i < s->ntouched; i++) {
		s->fired[s->touched[i]] = 0;
		s->cand[s->touched[i]] = 0;
	}
	s->ntouched = 0;
	for (size_t i = 0; i < s->nraw; i++)
		s->per_pat[s->raw[i].pid] = 0;
	s->nraw = 0;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
		    unsigned flags, void *ctx)
{
	struct matcher_scanner *s = ctx;
	const struct matcher *m = s->m;
	size_t rule;

	(void)from;
	(void)flags;
	if (id >= COMB_ID_BASE) {
		rule = id - COMB_ID_BASE;
		touch(s, rule);
		s->cand[rule] = 1;
		return 0;
	}
	if (id >= m->npat)
		return 0;
	rule = m->pat_rule[id];
	touch(s, rule);
	s->fired[rule] = 1;
	if (s->per_pat[id] < MAX_RAW_PER_PATTERN && s->nraw < MAX_RAW) {
		s->per_pat[id]++;
		s->raw[s->nraw].pid = id;
		s->raw[s->nraw].end = (size_t)to;
		s->nraw++;
	}
	return 0;
}

/* The pattern as PCRE2 sees it, with the flags Hyperscan used: PCRE2 shares
 * Hyperscan's syntax, and its end-anchored search finds a match start in
 * one pass over the window. NULL when PCRE2 refuses the pattern. */
static pcre2_code *start_re(struct matcher_scanner *s, unsigned pid)
{
	const struct matcher *m = s->m;
	unsigned f = m->pat_flags[pid];
	uint32_t opts = PCRE2_CASELESS;
	int code;
	PCRE2_SIZE off;

	if (s->re_state[pid] == 0) {
		if (f & HS_FLAG_DOTALL)
			opts |= PCRE2_DOTALL;
		if (f & HS_FLAG_MULTILINE)
			opts |= PCRE2_MULTILINE;
		if (f & HS_FLAG_UTF8)
			opts |= PCRE2_UTF | PCRE2_NO_UTF_CHECK;
		s->re[pid] = pcre2_compile((PCRE2_SPTR)m->pat_expr[pid], PCRE2_ZERO_TERMINATED, opts,
					   &code, &off, NULL);
		s->re_state[pid] = s->re[pid] ? 1 : 2;
	}
	return s->re[pid];
}

/* Finds where the match of pattern pid ending at end starts: the leftmost
 * start in a small window from which the pattern matches up to exactly end.
 * Hyperscan's own start-of-match tracking costs the whole scan dearly and
 * refuses some patterns; this costs only the few hits. */
static size_t find_start(struct matcher_scanner *s, unsigned pid, size_t end)
{
	const struct matcher *m = s->m;
	const char *buf = s->norm.buf;
	unsigned w = m->pat_width[pid];
	size_t win = w == WIDTH_UNBOUNDED ? SOM_WINDOW_UNBOUNDED : (w > SOM_WINDOW_MAX ? SOM_WINDOW_MAX : w);
	size_t lo = end > win ? end - win : 0;
	pcre2_code *re;
	int rc;

	while (lo < end && ((unsigned char)buf[lo] & 0xc0) == 0x80)
		lo++;
	re = start_re(s, pid);
	if (!re)
		return lo;
	/* The subject ends at the match end and is searched from lo: text
	 * before lo still counts for \b, and ENDANCHORED pins the end. */
	rc = pcre2_match(re, (PCRE2_SPTR)buf, end, lo, PCRE2_ENDANCHORED | PCRE2_NO_UTF_CHECK, s->md,
			 s->mctx);
	if (rc > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);

		if (ov[0] < end)
			return ov[0];
	}
	return lo;
}

static void add_hit(struct matcher_result *r, size_t rule, size_t start, size_t end)
{
	if (r->nhits == r->hits_cap) {
		r->hits_cap = r->hits_cap ? r->hits_cap * 2 : 32;
		r->hits = xreallocarray(r->hits, r->hits_cap, sizeof(*r->hits));
	}
	r->hits[r->nhits].rule = rule;
	r->hits[r->nhits].start = start;
	r->hits[r->nhits].end = end;
	r->nhits++;
}

/* Records raw match i as a hit of rule (its own rule, or a combination it
 * contributes to), in original-input offsets. */
static void emit_raw(struct matcher_scanner *s, struct matcher_result *r, size_t i, size_t rule,
		     size_t *starts)
{
	const struct raw_match *rm = &s->raw[i];

	if (starts[i] == (size_t)-1)
		starts[i] = find_start(s, rm->pid, rm->end);
	if (rm->end == 0 || starts[i] >= rm->end)
		return;
	add_hit(r, rule, s->norm.start[starts[i]], s->norm.end[rm->end - 1]);
}

/* Settles combination rules over the whole document: Hyperscan only says a
 * combination's positive part held at some point; an exclusion must hold
 * for all of the document, including text after that point. */
static int settle_combinations(struct matcher_scanner *s, struct lw_error *err)
{
	const struct matcher *m = s->m;
	int any = m->has_always;

	for (size_t i = 0; i < s->ntouched && !any; i++)
		any = s->cand[s->touched[i]];
	if (!any || !m->db_terms)
		return 0;
	if (hs_scan(m->db_terms, s->norm.buf, (unsigned)s->norm.len, 0, s->scratch, on_match, s) !=
	    HS_SUCCESS)
		return lw_error_set(err, "hyperscan scan of terms failed");
	return 0;
}

static void collect_hits(struct matcher_scanner *s, struct matcher_result *r)
{
	const struct matcher *m = s->m;
	size_t *starts = xmalloc((s->nraw ? s->nraw : 1) * sizeof(*starts));
	size_t ncheck = s->ntouched;

	for (size_t i = 0; i < s->nraw; i++)
		starts[i] = (size_t)-1;
	for (size_t i = 0; i < s->nraw; i++) {
		size_t rule = m->pat_rule[s->raw[i].pid];

		if (!m->pack->rules[rule].pub.is_term)
			emit_raw(s, r, i, rule, starts);
	}
	for (size_t rule = 0; m->has_always && rule < m->pack->nrules; rule++)
		if (m->always[rule] && !s->cand[rule]) {
			touch(s, rule);
			s->cand[rule] = 1;
		}
	ncheck = s->ntouched;
	for (size_t t = 0; t < ncheck; t++) {
		size_t rule = s->touched[t];
		const struct comb *c = &m->combs[rule];

		if (!s->cand[rule] || !comb_eval(c, s->fired))
			continue;
		/* Evidence: the matches of every operand not under a negation. */
		for (size_t k = 0; k < c->n; k++) {
			if (c->ops[k].kind != COMB_ID || c->ops[k].negated)
				continue;
			for (size_t i = 0; i < s->nraw; i++)
				if (m->pat_rule[s->raw[i].pid] == c->ops[k].rule)
					emit_raw(s, r, i, rule, starts);
		}
	}
	free(starts);
}

static int cmp_by_rule(const void *a, const void *b)
{
	const struct matcher_hit *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

static int cmp_by_start(const void *a, const void *b)
{
	const struct matcher_hit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* Merges overlapping spans of the same rule (Hyperscan reports every end of
 * "fees?" in "fees"), then orders hits by where they start. */
static void merge_hits(struct matcher_result *r)
{
	size_t o = 0;

	if (r->nhits < 2)
		return;
	qsort(r->hits, r->nhits, sizeof(*r->hits), cmp_by_rule);
	for (size_t i = 0; i < r->nhits; i++) {
		struct matcher_hit *h = &r->hits[i];

		if (o && r->hits[o - 1].rule == h->rule && h->start < r->hits[o - 1].end) {
			if (h->end > r->hits[o - 1].end)
				r->hits[o - 1].end = h->end;
			continue;
		}
		r->hits[o++] = *h;
	}
	r->nhits = o;
	qsort(r->hits, r->nhits, sizeof(*r->hits), cmp_by_start);
}

char *matcher_html_text(const char *html, size_t len, size_t *out_len, struct lw_error *err)
{
	if (len > TEXT_MAX_INPUT) {
		lw_error_set(err, "document of %zu bytes is larger than the %u-byte limit", len,
			     TEXT_MAX_INPUT);
		return NULL;
	}
	return text_from_html(html, len, out_len, err);
}

int matcher_result_has_rule(const struct matcher_result *r, size_t rule)
{
	for (size_t i = 0; i < r->nhits; i++)
		if (r->hits[i].rule == rule)
			return 1;
	return 0;
}

void matcher_result_init(struct matcher_result *r)
{
	memset(r, 0, sizeof(*r));
}

void matcher_result_release(struct matcher_result *r)
{
	free(r->hits);
	free(r->owned_text);
	memset(r, 0, sizeof(*r));
}

int scan_prepare(struct matcher_scanner *s, const char *input, size_t len, int input_kind,
		 struct matcher_result *r, struct lw_error *err)
{
	const char *text = input;
	size_t text_len = len;

	r->nhits = 0;
	free(r->owned_text);
	r->owned_text = NULL;
	if (len > TEXT_MAX_INPUT)
		return lw_error_set(err, "document of %zu bytes is larger than the %u-byte limit", len,
				    TEXT_MAX_INPUT);
	if (input_kind == MATCHER_INPUT_HTML) {
		r->owned_text = text_from_html(input, len, &text_len, err);
		if (!r->owned_text)
			return -1;
		text = r->owned_text;
	}
	r->text = text;
	r->text_len = text_len;
	if (text_normalize(text, text_len, &s->norm, err) < 0)
		return -1;
	r->repaired = s->norm.repaired;
	return 0;
}

const struct lw_text *scan_norm(const struct matcher_scanner *s)
{
	return &s->norm;
}

int scan_prepared(struct matcher_scanner *s, struct matcher_result *r, struct lw_error *err)
{
	const struct matcher *m = s->m;
	int rc = -1;

	reset(s);
	if (m->db_main && s->norm.len &&
	    hs_scan(m->db_main, s->norm.buf, (unsigned)s->norm.len, 0, s->scratch, on_match, s) !=
		    HS_SUCCESS) {
		lw_error_set(err, "hyperscan scan failed");
		goto out;
	}
	if (settle_combinations(s, err) < 0)
		goto out;
	collect_hits(s, r);
	merge_hits(r);
	matcher_score(m, r, m->threshold);
	rc = 0;
out:
	reset(s);
	return rc;
}

int matcher_scan(struct matcher_scanner *s, const char *input, size_t len, int input_kind,
		 struct matcher_result *r, struct lw_error *err)
{
	if (scan_prepare(s, input, len, input_kind, r, err) < 0)
		return -1;
	return scan_prepared(s, r, err);
}

static int count_match(unsigned id, unsigned long long from, unsigned long long to,
		       unsigned flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(*(long *)ctx)++;
	return 0;
}

long matcher_scan_raw(struct matcher_scanner *s, const char *text, size_t len,
		      struct lw_error *err)
{
	long n = 0;

	if (!s->m->db_main)
		return 0;
	if (len > 0xffffffffu)
		return lw_error_set(err, "buffer too large for one scan");
	if (hs_scan(s->m->db_main, text, (unsigned)len, 0, s->scratch, count_match, &n) !=
	    HS_SUCCESS)
		return lw_error_set(err, "hyperscan scan failed");
	return n;
}

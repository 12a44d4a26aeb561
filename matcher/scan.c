/* SPDX-License-Identifier: MIT */
/* Scanning one document: normalise, one Hyperscan pass of each database
 * over the text (db_gate's only over windows around its factors and the
 * text's digits), then combinations settled over the whole document
 * (prox.c), match starts found only for the matches that become evidence,
 * and every hit mapped back to the original bytes. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <utf8proc.h>

#include "../util/utf8.h"
#include "../util/xmalloc.h"
#include "prepared.h"
#include "scan_internal.h"

/* Records one document may keep: beyond them a rule still counts as fired,
 * but further matches are not kept for evidence or proximity. Matches of
 * one pattern ending in one ASCII word are one record (fold_into_last).
 * The cap per pattern was 256, and an ad padded with 400 lines of prices
 * used up the amount terms' share before the lure at its end, whose
 * proximity rules then could not fire; it is now 2^14 words of one pattern
 * (some 5,000 such lines), and stays well under the total so that one
 * pattern flooding a hostile document (2.6 million numbers) leaves room
 * for every other pattern's matches after it. Each record is 44 bytes. */
#define MAX_RAW (1u << 18)
#define MAX_RAW_PER_PATTERN (1u << 14)
#define SOM_WINDOW_UNBOUNDED 512u
#define SOM_WINDOW_MAX 1024u
/* Backtracking budget for one start search: a pathological pattern gives
 * up and starts its highlight at the window instead. */
#define SOM_MATCH_LIMIT 200000u

struct matcher_scanner *matcher_scanner_new(const struct matcher *m, struct lw_error *err)
{
	struct matcher_scanner *s = xcalloc(1, sizeof(*s));
	size_t nrules = m->pack->nrules ? m->pack->nrules : 1, npat = m->npat ? m->npat : 1;

	s->m = m;
	text_init(&s->norm);
	s->raw_cap = 1024;
	s->raw = xcalloc(s->raw_cap, sizeof(*s->raw));
	s->pat = xcalloc(npat, sizeof(*s->pat));
	for (size_t i = 0; i < m->npat; i++) {
		s->pat[i].rule = (uint32_t)m->pat_rule[i];
		s->pat[i].fixed = m->pat_fixed[i];
		s->pat[i].check = m->pat_check[i];
		s->pat[i].last = RAW_NONE;
	}
	s->hs = xcalloc(m->nhs ? m->nhs : 1, sizeof(*s->hs));
	for (size_t u = 0; u < m->nhs; u++) {
		s->hs[u].k0 = (uint32_t)m->hs_first[u];
		s->hs[u].k1 = (uint32_t)m->hs_first[u + 1];
		s->hs[u].pid0 = s->hs[u].k1 > s->hs[u].k0 ? m->hs_pids[m->hs_first[u]] : 0;
		s->hs[u].plain = 1;
		for (size_t k = s->hs[u].k0; k < s->hs[u].k1; k++)
			if (m->pat_check[m->hs_pids[k]] &
			    (PAT_CHECK_LEFT | PAT_CHECK_RIGHT | PAT_WORD_LEFT | PAT_WORD_RIGHT))
				s->hs[u].plain = 0;
	}
	s->head = xcalloc(nrules, sizeof(*s->head));
	s->tail = xcalloc(nrules, sizeof(*s->tail));
	s->fired = xcalloc(nrules, 1);
	s->done = xcalloc(nrules, 1);
	s->touched = xcalloc(nrules, sizeof(*s->touched));
	s->re = xcalloc(npat, sizeof(*s->re));
	s->re_state = xcalloc(npat, 1);
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
	if ((m->db_main && hs_alloc_scratch(m->db_main, &s->scratch) != HS_SUCCESS) ||
	    (m->db_lit && hs_alloc_scratch(m->db_lit, &s->scratch) != HS_SUCCESS) ||
	    (m->db_ulit && hs_alloc_scratch(m->db_ulit, &s->scratch) != HS_SUCCESS) ||
	    (m->db_pad && hs_alloc_scratch(m->db_pad, &s->scratch) != HS_SUCCESS) ||
	    (m->db_gate && hs_alloc_scratch(m->db_gate, &s->scratch) != HS_SUCCESS) ||
	    (m->db_fac && hs_alloc_scratch(m->db_fac, &s->scratch) != HS_SUCCESS)) {
		lw_error_set(err, "cannot allocate hyperscan scratch space");
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
	free(s->spaced);
	free(s->padded);
	free(s->defer);
	free(s->win);
	free(s->raw);
	free(s->pat);
	free(s->hs);
	free(s->ord);
	free(s->pmax);
	free(s->pidx);
	free(s->head);
	free(s->tail);
	free(s->fired);
	free(s->done);
	free(s->touched);
	free(s->spans);
	free(s->leaves);
	free(s);
}

static void reset(struct matcher_scanner *s)
{
	for (size_t i = 0; i < s->ntouched; i++) {
		s->fired[s->touched[i]] = 0;
		s->done[s->touched[i]] = 0;
	}
	s->ntouched = 0;
	for (size_t i = 0; i < s->nraw; i++) {
		s->pat[s->raw[i].pid].kept = 0;
		s->pat[s->raw[i].pid].last = RAW_NONE;
	}
	s->nraw = 0;
}

/* ---- the scan callback ------------------------------------------------------ */

static int letter(uint32_t cp)
{
	utf8proc_category_t c;

	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9');
	c = utf8proc_category((utf8proc_int32_t)cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_ME) || c == UTF8PROC_CATEGORY_ND;
}

static int ascii_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Word boundaries around an item: the ASCII \b a regex would assert, and
 * around a non-ASCII edge a Unicode letter test, which \b cannot make:
 * "паспорт" must not match inside "загранпаспорт". */
static int bounded(const struct matcher_scanner *s, unsigned pid, size_t end)
{
	const unsigned char *b = (const unsigned char *)s->norm.buf;
	unsigned check = s->pat[pid].check, fixed = s->pat[pid].fixed;

	if ((check & PAT_WORD_LEFT) && end > fixed && ascii_word(b[end - fixed - 1]))
		return 0;
	if ((check & PAT_WORD_RIGHT) && end < s->norm.len && ascii_word(b[end]))
		return 0;
	if (check & PAT_CHECK_LEFT) {
		size_t i = end - fixed;

		if (i > 0) {
			do
				i--;
			while (i > 0 && (b[i] & 0xC0) == 0x80);
			if (letter(lw_utf8_decode(b + i, NULL)))
				return 0;
		}
	}
	if ((check & PAT_CHECK_RIGHT) && end < s->norm.len &&
	    letter(lw_utf8_decode(b + end, NULL)))
		return 0;
	return 1;
}

/* ASCII letters and digits: what the word index counts as a word in ASCII
 * text, and what \b sees as one too. */
static int ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

/* Folds a match of pattern id ending at to into the pattern's latest
 * record (there must be one) when both end inside one run of ASCII letters
 * and digits: Hyperscan reports every end, so /\d[\d.,]*\d|\d/ ends four
 * times in "1049", and "fees?" twice in "fees"; one record, from the
 * earliest end's start to the last end, covers the whole number or word
 * and keeps long ads of numbers from filling the store. Returns 1 when
 * folded. Not across other bytes: in "idжid" the index sees one word, but
 * /\bid\b/ matches twice and "ж" is neither match, and a run of Thai is
 * one "word" of the index however long. The bytes tested lie between two
 * ends of one pattern, so a document costs its length per pattern. */
static int fold_into_last(struct matcher_scanner *s, unsigned id, uint32_t to)
{
	const unsigned char *b = (const unsigned char *)s->norm.buf;
	struct raw_match *x = &s->raw[s->pat[id].last];

	if (to <= x->end || x->end == 0)
		return 0;
	for (uint32_t i = x->end - 1; i < to; i++)
		if (!ascii_alnum(b[i]))
			return 0;
	x->end = to;
	return 1;
}

/* Records a match of pattern id ending at to. */
static void record(struct matcher_scanner *s, unsigned id, size_t to)
{
	struct scan_pat *p = &s->pat[id];
	struct raw_match *x;
	size_t rule;

	/* db_pad's matches come bounded already. */
	if (!(p->check & PAT_PADDED) &&
	    (p->check & (PAT_CHECK_LEFT | PAT_CHECK_RIGHT | PAT_WORD_LEFT | PAT_WORD_RIGHT)) &&
	    !bounded(s, id, to))
		return;
	rule = p->rule;
	if (!s->fired[rule]) {
		s->fired[rule] = 1;
		s->touched[s->ntouched++] = rule;
		s->head[rule] = s->tail[rule] = RAW_NONE;
	}
	/* An item bounded on its right ends at most once in a word: only
	 * patterns without that bound (regular expressions, stems) fold. */
	if (p->last != RAW_NONE && !(p->check & (PAT_WORD_RIGHT | PAT_CHECK_RIGHT)) &&
	    fold_into_last(s, id, (uint32_t)to))
		return;
	if (p->kept >= MAX_RAW_PER_PATTERN || s->nraw >= MAX_RAW)
		return;
	if (s->nraw == s->raw_cap) {
		s->raw_cap *= 2;
		s->raw = xreallocarray(s->raw, s->raw_cap, sizeof(*s->raw));
	}
	p->kept++;
	p->last = (uint32_t)s->nraw;
	x = &s->raw[s->nraw];
	x->pid = id;
	x->end = (uint32_t)to;
	x->first = (uint32_t)to;
	x->start = RAW_NONE;
	x->next = RAW_NONE;
	x->w0 = RAW_NONE;
	if (s->tail[rule] == RAW_NONE)
		s->head[rule] = (uint32_t)s->nraw;
	else
		s->raw[s->tail[rule]].next = (uint32_t)s->nraw;
	s->tail[rule] = (uint32_t)s->nraw;
	s->nraw++;
}

/* A db_pad match of an item with punctuation (PAT_VERIFY), ending at end
 * in the text: its punctuation matched any byte that is no word byte, or
 * the copy's pad before or after the text, so the text must hold the item
 * itself there. Kept aside until db_pad's pass is over: these items had a
 * database of their own scanned after db_pad, and a rule's matches are
 * chained, and its evidence chosen, in the order they come. */
static void defer_verified(struct matcher_scanner *s, unsigned u, unsigned first, size_t end)
{
	const struct matcher *m = s->m;
	unsigned w = m->pat_fixed[first];

	if (end > s->norm.len || end < w || memcmp(s->spaced + end - w, m->pat_verify[first], w) != 0)
		return;
	if (s->ndefer == s->defer_cap) {
		s->defer_cap = s->defer_cap ? s->defer_cap * 2 : 64;
		s->defer = xreallocarray(s->defer, s->defer_cap, sizeof(*s->defer));
	}
	s->defer[s->ndefer++] = (uint64_t)u << 32 | (uint32_t)end;
}

/* Records the matches defer_verified kept aside, in the order they came. */
static void record_deferred(struct matcher_scanner *s)
{
	const struct matcher *m = s->m;

	for (size_t i = 0; i < s->ndefer; i++) {
		unsigned u = (unsigned)(s->defer[i] >> 32);

		for (size_t k = s->hs[u].k0; k < s->hs[u].k1; k++)
			record(s, m->hs_pids[k], (uint32_t)s->defer[i]);
	}
	s->ndefer = 0;
}

/* A db_pad match ending at to in the padded copy: the item ends before
 * its right pad, one byte earlier in the text (the copy starts with a
 * space). An item with a space inside matched wherever the copy has a
 * space, so the text must hold a space (or line break) there itself. */
static int on_match_padded(unsigned u, unsigned long long from, unsigned long long to,
			   unsigned flags, void *ctx)
{
	struct matcher_scanner *s = ctx;
	const struct matcher *m = s->m;
	unsigned first, check;
	size_t end;

	(void)from;
	(void)flags;
	if (u >= m->nhs)
		return 0;
	first = s->hs[u].pid0;
	check = s->pat[first].check;
	end = (size_t)to - 1 - ((check & PAT_WORD_RIGHT) ? 1 : 0);
	if (check & PAT_VERIFY) {
		defer_verified(s, u, first, end);
		return 0;
	}
	if ((check & PAT_SPACED) &&
	    memcmp(s->spaced + end - s->pat[first].fixed, s->padded + 1 + end - s->pat[first].fixed,
		   s->pat[first].fixed) != 0)
		return 0;
	if (s->hs[u].k1 - s->hs[u].k0 == 1) {
		record(s, first, end);
		return 0;
	}
	for (size_t k = s->hs[u].k0; k < s->hs[u].k1; k++)
		record(s, m->hs_pids[k], end);
	return 0;
}

/* A match of id u ending at to, one byte after the latest record of each
 * of its patterns, inside a run of ASCII letters and digits: what record()
 * would do for each, fold the match into that record (no boundary to
 * check, the rule fired already, the bytes between are one run), done
 * without it. The digit scan reports the amount term, eight patterns of
 * one id, at every digit, and regular expressions end at every byte of
 * a number: most of the callback's calls. Returns 0 when any pattern of
 * u would not fold so, leaving every record as it was. */
static int extend(struct matcher_scanner *s, unsigned u, size_t to)
{
	const unsigned char *b = (const unsigned char *)s->norm.buf;
	const struct scan_hs *h = &s->hs[u];
	const unsigned *pids = s->m->hs_pids;

	if (!h->plain || to < 2 || !ascii_alnum(b[to - 2]) || !ascii_alnum(b[to - 1]))
		return 0;
	for (size_t k = h->k0; k < h->k1; k++) {
		uint32_t last = s->pat[pids[k]].last;

		if (last == RAW_NONE || s->raw[last].end != to - 1)
			return 0;
	}
	for (size_t k = h->k0; k < h->k1; k++)
		s->raw[s->pat[pids[k]].last].end = (uint32_t)to;
	return 1;
}

/* Hyperscan id u stands for every pattern with the same expression. */
static int on_match(unsigned u, unsigned long long from, unsigned long long to,
		    unsigned flags, void *ctx)
{
	struct matcher_scanner *s = ctx;
	const struct matcher *m = s->m;

	(void)from;
	(void)flags;
	if (u >= m->nhs)
		return 0;
	if (!s->no_extend && extend(s, u, (size_t)to))
		return 0;
	if (s->hs[u].k1 - s->hs[u].k0 == 1) {
		record(s, s->hs[u].pid0, (size_t)to);
		return 0;
	}
	for (size_t k = s->hs[u].k0; k < s->hs[u].k1; k++)
		record(s, m->hs_pids[k], (size_t)to);
	return 0;
}

/* ---- match starts -------------------------------------------------------------- */

/* The pattern as PCRE2 sees it, with the flags Hyperscan used: PCRE2 shares
 * Hyperscan's syntax, and its end-anchored search finds a match start in
 * one pass over the window. NULL when PCRE2 refuses the pattern. JIT
 * compiled where PCRE2 can (it then needs PCRE2_ENDANCHORED at compile
 * time, not at match time): since every kept match may need its start for
 * proximity, a hostile ad of 2.6 million numbers searched 2^18 starts, 10.5
 * s of CPU interpreted and 4.0 s with JIT. */
static pcre2_code *start_re(struct matcher_scanner *s, unsigned pid)
{
	const struct matcher *m = s->m;
	unsigned f = m->pat_flags[pid];
	uint32_t opts = PCRE2_CASELESS | PCRE2_ENDANCHORED;
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
		/* Out of memory is not PCRE2 refusing the pattern: falling back to
		 * the window's start would store a wrong span as evidence (found by
		 * the allocation sweep). */
		if (!s->re[pid] && code == PCRE2_ERROR_HEAP_FAILED)
			xoom("compiling a start-of-match pattern");
		/* Failing (out of memory, or no JIT on this machine) leaves the
		 * interpreter, which finds the same starts. */
		if (s->re[pid])
			(void)pcre2_jit_compile(s->re[pid], PCRE2_JIT_COMPLETE);
		s->re_state[pid] = s->re[pid] ? 1 : 2;
	}
	return s->re[pid];
}

/* Finds where the match of pattern pid ending at end starts: the rightmost
 * start in a small window from which the pattern matches up to exactly end,
 * so a hit covers the fewest words that make it. Hyperscan's own
 * start-of-match tracking costs the whole scan dearly; this costs only the
 * few matches that become evidence. */
static size_t find_start(struct matcher_scanner *s, unsigned pid, size_t end)
{
	const struct matcher *m = s->m;
	const char *buf = s->norm.buf;
	unsigned w = m->pat_width[pid];
	size_t win = w == WIDTH_UNBOUNDED ? SOM_WINDOW_UNBOUNDED : (w > SOM_WINDOW_MAX ? SOM_WINDOW_MAX : w);
	size_t lo = end > win ? end - win : 0, best = lo;
	pcre2_code *re;
	PCRE2_SIZE *ov;
	int tries = 0;

	while (lo < end && ((unsigned char)buf[lo] & 0xc0) == 0x80)
		lo++;
	re = start_re(s, pid);
	if (!re)
		return lo;
	ov = pcre2_get_ovector_pointer(s->md);
	/* The subject ends at the match end and is searched from a start: text
	 * before it still counts for \b, and ENDANCHORED (compiled in) pins
	 * the end. The leftmost start comes first; later starts are tried
	 * after it, as long as a match from there still reaches the end. */
	for (size_t from = lo; from < end;) {
		int rc = pcre2_match(re, (PCRE2_SPTR)buf, end, from, PCRE2_NO_UTF_CHECK, s->md,
				     s->mctx);

		/* JIT runs on 32 KiB of machine stack; a pattern that needs more
		 * is searched again by the interpreter, which has its own heap. */
		if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
			rc = pcre2_match(re, (PCRE2_SPTR)buf, end, from,
					 PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, s->md, s->mctx);

		if (rc == PCRE2_ERROR_NOMEMORY)
			xoom("searching for a match's start");
		if (rc <= 0 || ov[0] >= end)
			break;
		best = ov[0];
		from = ov[0] + 1;
		while (from < end && ((unsigned char)buf[from] & 0xc0) == 0x80)
			from++;
		if (++tries >= 8)
			break; /* close enough: bounded work per match */
	}
	return best;
}

static uint32_t start_of(struct matcher_scanner *s, unsigned pid, uint32_t end)
{
	unsigned fixed = s->m->pat_fixed[pid];

	return fixed && fixed <= end ? end - fixed : (uint32_t)find_start(s, pid, end);
}

/* A record that folded several ends starts where the earliest of them
 * does: find_start takes the rightmost start, which for the last end of
 * "1049" is the "9", and for its first end the "1". */
uint32_t raw_start(struct matcher_scanner *s, size_t i)
{
	struct raw_match *x = &s->raw[i];

	if (x->start == RAW_NONE)
		x->start = start_of(s, x->pid, x->first);
	return x->start;
}

uint32_t raw_end(const struct matcher_scanner *s, size_t i)
{
	const struct raw_match *x = &s->raw[i];
	size_t w;

	if (!(s->m->pat_check[x->pid] & PAT_STEM) || x->end == 0)
		return x->end;
	w = text_word_at(&s->norm, x->end - 1);
	return w < s->norm.nwords && s->norm.word_end[w] > x->end ? s->norm.word_end[w] : x->end;
}

/* ---- hits ------------------------------------------------------------------------ */

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
 * is evidence for), in original-input offsets. */
static void emit_raw(struct matcher_scanner *s, struct matcher_result *r, size_t i, size_t rule)
{
	uint32_t a = raw_start(s, i), b = raw_end(s, i);

	if (b == 0 || a >= b)
		return;
	add_hit(r, rule, s->norm.start[a], s->norm.end[b - 1]);
}

static void add_reason(struct matcher_result *r, size_t rule, struct lw_buf *why)
{
	if (!why->len)
		return;
	if (r->nreasons == r->reasons_cap) {
		r->reasons_cap = r->reasons_cap ? r->reasons_cap * 2 : 8;
		r->reasons = xreallocarray(r->reasons, r->reasons_cap, sizeof(*r->reasons));
	}
	r->reasons[r->nreasons].rule = rule;
	r->reasons[r->nreasons].text = lw_buf_detach(why, NULL);
	r->nreasons++;
}

/* Combinations whose operands matched are settled over the whole document:
 * an exclusion or a NOT NEAR must hold for all of it. */
static void settle_combinations(struct matcher_scanner *s, struct matcher_result *r)
{
	const struct matcher *m = s->m;
	size_t ntouched = s->ntouched;

	for (size_t t = 0; t < ntouched; t++) {
		size_t op = s->touched[t];

		for (size_t u = m->user_first[op]; u < m->user_first[op + 1]; u++) {
			size_t rule = m->users[u];
			struct lw_buf why;

			if (s->done[rule])
				continue;
			/* Listed so that reset() clears the flag; a combination
			 * is never an operand, so it is not listed twice. */
			s->done[rule] = 1;
			s->touched[s->ntouched++] = rule;
			if (!comb_eval_bool(&m->combs[rule], s->fired))
				continue;
			lw_buf_init(&why, 4096);
			if (prox_eval_rule(s, rule, &why)) {
				for (size_t k = 0; k < s->nleaves; k++)
					emit_raw(s, r, s->leaves[k], rule);
				add_reason(r, rule, &why);
			}
			lw_buf_release(&why);
		}
	}
}

static int cmp_reason(const void *a, const void *b)
{
	const struct matcher_reason *x = a, *y = b;

	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static void collect_hits(struct matcher_scanner *s, struct matcher_result *r)
{
	const struct matcher *m = s->m;

	for (size_t i = 0; i < s->nraw; i++)
		if (!m->pack->rules[m->pat_rule[s->raw[i].pid]].pub.is_term)
			emit_raw(s, r, i, m->pat_rule[s->raw[i].pid]);
	settle_combinations(s, r);
	/* In pack order, whichever operand woke each combination first. */
	if (r->nreasons > 1)
		qsort(r->reasons, r->nreasons, sizeof(*r->reasons), cmp_reason);
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

char *matcher_html_node_text(struct _xmlNode *node, size_t *out_len, struct lw_error *err)
{
	return text_from_html_node(node, out_len, err);
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

static void clear_reasons(struct matcher_result *r)
{
	for (size_t i = 0; i < r->nreasons; i++)
		free(r->reasons[i].text);
	r->nreasons = 0;
}

void matcher_result_release(struct matcher_result *r)
{
	clear_reasons(r);
	free(r->reasons);
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
	clear_reasons(r);
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

/* pad_byte[c]: c where it is an ASCII word byte, else a space. */
static unsigned char pad_byte[256];
static pthread_once_t pad_once = PTHREAD_ONCE_INIT;

static void init_pad(void)
{
	for (unsigned c = 0; c < 256; c++)
		pad_byte[c] = ascii_word((unsigned char)c) ? (unsigned char)c : ' ';
}

/* The texts the literal databases scan, made in one pass: for db_lit and
 * db_ulit, line breaks as spaces, so an item's space matches either (a
 * regex would say [ \n]); for db_pad, a space for every byte that is not an
 * ASCII word byte, so that a space in a literal stands where \b would.
 * spaced and padded get len bytes each. Returns whether the text has a
 * byte above 0x7f, without which db_ulit cannot match. The reference, a
 * byte at a time; scan_literal_texts gives the same sixteen at a time. */
int scan_literal_texts_ref(const char *text, size_t len, char *spaced, char *padded)
{
	const unsigned char *t = (const unsigned char *)text;
	unsigned char high = 0;

	pthread_once(&pad_once, init_pad);
	for (size_t i = 0; i < len; i++) {
		high |= t[i];
		spaced[i] = t[i] == '\n' ? ' ' : (char)t[i];
		padded[i] = (char)pad_byte[t[i]];
	}
	return (high & 0x80) != 0;
}

/* The byte loop above cost 14 instructions a byte, 5% of the full path;
 * SSE2 (every x86-64 has it) does sixteen bytes in about as many. Signed
 * byte compares suffice: the ranges are ASCII, and bytes above 0x7f are
 * negative, so they fall in none. */
int scan_literal_texts(const char *text, size_t len, char *spaced, char *padded)
{
	size_t i = 0;
	int high = 0;

#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(' '), nl = _mm_set1_epi8('\n');
	__m128i any = _mm_setzero_si128();

	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(text + i));
		__m128i lx = _mm_or_si128(x, _mm_set1_epi8(0x20));
		__m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lx, _mm_set1_epi8('a' - 1)),
					       _mm_cmplt_epi8(lx, _mm_set1_epi8('z' + 1)));
		__m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
					      _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
		__m128i word = _mm_or_si128(_mm_or_si128(letter, digit),
					    _mm_cmpeq_epi8(x, _mm_set1_epi8('_')));
		__m128i isnl = _mm_cmpeq_epi8(x, nl);

		any = _mm_or_si128(any, x);
		_mm_storeu_si128((__m128i *)(spaced + i),
				 _mm_or_si128(_mm_andnot_si128(isnl, x), _mm_and_si128(isnl, sp)));
		_mm_storeu_si128((__m128i *)(padded + i),
				 _mm_or_si128(_mm_and_si128(word, x), _mm_andnot_si128(word, sp)));
	}
	high = _mm_movemask_epi8(any) != 0;
#endif
	return scan_literal_texts_ref(text + i, len - i, spaced + i, padded + i) | high;
}

/* Makes the scanner's two copies of text (see scan_literal_texts), the
 * padded one with a space before and after the text. */
static int literal_texts(struct matcher_scanner *s, const char *text, size_t len)
{
	if (len + 2 > s->spaced_cap) {
		free(s->spaced);
		free(s->padded);
		s->spaced_cap = len + 2 + len / 4;
		s->spaced = xmalloc(s->spaced_cap);
		s->padded = xmalloc(s->spaced_cap);
	}
	s->padded[0] = ' ';
	s->padded[len + 1] = ' ';
	return scan_literal_texts(text, len, s->spaced, s->padded + 1);
}

/* ---- the second stage: db_gate over windows around its factors ---------- */

/* A window's edges sit where \b reads the same in the window as in the
 * whole text: just after an ASCII byte that is no word byte (then \b at
 * the window's start holds exactly when it does in the text), and just
 * before one. Such bytes are also character boundaries for UTF-8 mode. */
static int gate_edge(unsigned char c)
{
	return c < 0x80 && !ascii_word(c);
}

/* Windows cost a Hyperscan call each, about what scanning this many bytes
 * costs: windows closer than that are scanned as one, and when windows
 * and calls come to more than the text, db_gate scans the whole text
 * instead (the same matches either way). */
#define GATE_CALL_BYTES 96u

/* Adds window [lo, hi) of the text; windows come roughly in order, so one
 * that starts inside the last usually only stretches it. */
static void gate_push(struct matcher_scanner *s, size_t lo, size_t hi)
{
	if (s->win_whole)
		return;
	if (s->nwin && lo >= s->win[2 * s->nwin - 2] && lo <= s->win[2 * s->nwin - 1]) {
		if (hi > s->win[2 * s->nwin - 1])
			s->win[2 * s->nwin - 1] = (uint32_t)hi;
		return;
	}
	if (s->nwin * GATE_CALL_BYTES > s->win_len) {
		s->win_whole = 1;
		return;
	}
	if (s->nwin == s->win_cap) {
		s->win_cap = s->win_cap ? s->win_cap * 2 : 32;
		s->win = xreallocarray(s->win, s->win_cap, 2 * sizeof(*s->win));
	}
	s->win[2 * s->nwin] = (uint32_t)lo;
	s->win[2 * s->nwin + 1] = (uint32_t)hi;
	s->nwin++;
}

/* A factor of db_fac ended at to: every match that holds this occurrence
 * lies within the factor's widest match before its end and after its
 * start. */
static int on_factor(unsigned k, unsigned long long from, unsigned long long to,
		     unsigned flags, void *ctx)
{
	struct matcher_scanner *s = ctx;
	const struct matcher *m = s->m;
	size_t w, hi;

	(void)from;
	(void)flags;
	if (k >= m->nfac)
		return 0;
	w = m->fac_width[k];
	hi = (size_t)to - m->fac_len[k] + w;
	gate_push(s, to > w ? (size_t)to - w : 0, hi < s->win_len ? hi : s->win_len);
	return 0;
}

/* Offset of the first ASCII digit in t[i .. len), or len. */
static size_t next_digit(const unsigned char *t, size_t i, size_t len)
{
#ifdef __SSE2__
	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(t + i));
		int mask = _mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
							   _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1))));

		if (mask)
			return i + (size_t)__builtin_ctz((unsigned)mask);
	}
#endif
	while (i < len && (t[i] < '0' || t[i] > '9'))
		i++;
	return i;
}

/* The text's digits: the amount term ends at every one (as Hyperscan
 * reported /\d[\d.,]*\d|\d/: at each digit, once), and every match
 * of a pattern gated on digits holds one, so lies in the window around
 * its run of digits. */
static void scan_digits(struct matcher_scanner *s, const char *text, size_t len,
			match_event_handler fn, void *ctx)
{
	const struct matcher *m = s->m;
	const unsigned char *t = (const unsigned char *)text;
	size_t w = m->digit_width;

	for (size_t i = next_digit(t, 0, len); i < len; i = next_digit(t, i, len)) {
		size_t a = i;

		for (; i < len && t[i] >= '0' && t[i] <= '9'; i++)
			if (m->amount_u != UINT32_MAX)
				(void)fn(m->amount_u, 0, i + 1, 0, ctx);
		if (w)
			gate_push(s, a + 1 > w ? a + 1 - w : 0, i - 1 + w < len ? i - 1 + w : len);
	}
}

static int cmp_win(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/* Sorts the windows, moves their edges out to where \b reads the same as
 * in the whole text, and merges those that overlap, so that no match is
 * found twice. Returns the bytes they cover. */
static size_t gate_windows(struct matcher_scanner *s, const unsigned char *t, size_t len)
{
	size_t o = 0, cover = 0;

	qsort(s->win, s->nwin, 2 * sizeof(*s->win), cmp_win);
	for (size_t i = 0; i < s->nwin; i++) {
		size_t lo = s->win[2 * i], hi = s->win[2 * i + 1];

		while (lo > 0 && !gate_edge(t[lo - 1]))
			lo--;
		while (hi < len && !gate_edge(t[hi]))
			hi++;
		if (o && lo < s->win[2 * o - 1] + GATE_CALL_BYTES) {
			if (hi > s->win[2 * o - 1]) {
				cover += hi - s->win[2 * o - 1];
				s->win[2 * o - 1] = (uint32_t)hi;
			}
			continue;
		}
		s->win[2 * o] = (uint32_t)lo;
		s->win[2 * o + 1] = (uint32_t)hi;
		cover += hi - lo;
		o++;
	}
	s->nwin = o;
	return cover;
}

struct shifted {
	match_event_handler fn;
	void *ctx;
	unsigned long long off;
};

static int on_shifted(unsigned id, unsigned long long from, unsigned long long to,
		      unsigned flags, void *ctx)
{
	struct shifted *sh = ctx;

	return sh->fn(id, from + sh->off, to + sh->off, flags, sh->ctx);
}

/* The second stage: the digit scan and db_fac over the text, then
 * db_gate over the windows around what they found (or the whole text
 * when the windows cover most of it). A match in a window is a match in
 * the text (the edges read the same), and every match of a gated pattern
 * holds a factor or a digit, so lies inside the window around it: the
 * matches are those one scan of the text finds, window after window in
 * the order of their ends. */
int scan_gated(struct matcher_scanner *s, const char *text, size_t len,
	       match_event_handler fn, void *ctx, struct lw_error *err)
{
	const struct matcher *m = s->m;
	struct shifted sh = { fn, ctx, 0 };
	size_t cover;

	s->nwin = 0;
	s->win_whole = 0;
	s->win_len = len;
	if (m->db_fac &&
	    hs_scan(m->db_fac, text, (unsigned)len, 0, s->scratch, on_factor, s) != HS_SUCCESS)
		return lw_error_set(err, "hyperscan scan failed");
	if (m->digit_width || m->amount_u != UINT32_MAX)
		scan_digits(s, text, len, fn, ctx);
	if (!m->db_gate || (!s->nwin && !s->win_whole))
		return 0;
	if (!s->win_whole) {
		cover = gate_windows(s, (const unsigned char *)text, len);
		s->win_whole = cover + s->nwin * GATE_CALL_BYTES > len;
	}
	if (s->win_whole)
		return hs_scan(m->db_gate, text, (unsigned)len, 0, s->scratch, fn, ctx) == HS_SUCCESS
			       ? 0
			       : lw_error_set(err, "hyperscan scan failed");
	for (size_t i = 0; i < s->nwin; i++) {
		sh.off = s->win[2 * i];
		if (hs_scan(m->db_gate, text + sh.off, s->win[2 * i + 1] - s->win[2 * i], 0,
			    s->scratch, on_shifted, &sh) != HS_SUCCESS)
			return lw_error_set(err, "hyperscan scan failed");
	}
	return 0;
}

static int scan_both(struct matcher_scanner *s, const char *text, size_t len,
		     match_event_handler fn, match_event_handler fn_padded, void *ctx,
		     struct lw_error *err)
{
	const struct matcher *m = s->m;
	int high;

	if (len > 0xffffffffu - 2)
		return lw_error_set(err, "buffer too large for one scan");
	if (!len)
		return 0;
	high = literal_texts(s, text, len);
	s->ndefer = 0;
	if (m->db_pad && hs_scan(m->db_pad, s->padded, (unsigned)len + 2, 0, s->scratch,
				 fn_padded, ctx) != HS_SUCCESS)
		return lw_error_set(err, "hyperscan scan failed");
	record_deferred(s);
	if (m->db_lit &&
	    hs_scan(m->db_lit, s->spaced, (unsigned)len, 0, s->scratch, fn, ctx) != HS_SUCCESS)
		return lw_error_set(err, "hyperscan scan failed");
	if (m->db_ulit && high &&
	    hs_scan(m->db_ulit, s->spaced, (unsigned)len, 0, s->scratch, fn, ctx) != HS_SUCCESS)
		return lw_error_set(err, "hyperscan scan failed");
	if (m->db_main &&
	    hs_scan(m->db_main, text, (unsigned)len, 0, s->scratch, fn, ctx) != HS_SUCCESS)
		return lw_error_set(err, "hyperscan scan failed");
	if ((m->db_gate || m->amount_u != UINT32_MAX) && scan_gated(s, text, len, fn, ctx, err) < 0)
		return -1;
	return 0;
}

int scan_prepared(struct matcher_scanner *s, struct matcher_result *r, struct lw_error *err)
{
	const struct matcher *m = s->m;
	int rc = -1;

	reset(s);
	if (scan_both(s, s->norm.buf, s->norm.len, on_match, on_match_padded, s, err) < 0)
		goto out;
	collect_hits(s, r);
	merge_hits(r);
	r->nwords = text_length_words(&s->norm);
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

	if (scan_both(s, text, len, count_match, count_match, &n, err) < 0)
		return -1;
	return n;
}

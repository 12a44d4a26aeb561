/* SPDX-License-Identifier: MIT */
/* Compiling a rule pack into Hyperscan databases (or loading them from the
 * cache), with every compile error traced back to a rule's file and line. */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../util/buf.h"
#include "../util/utf8.h"
#include "../util/xmalloc.h"
#include "factor.h"
#include "matcher_internal.h"
#include "text.h"

/* No HS_FLAG_UCP: Hyperscan refuses \b in UCP mode, and rule authors need
 * \b far more than Unicode \w (text is folded to ASCII where it can be).
 * HS_FLAG_UTF8 only where a pattern needs it (see needs_utf8). */
#define BASE_FLAGS HS_FLAG_CASELESS

/* Expressions handed to one hs_compile_ext_multi call. */
struct exprset {
	const char **expr;
	unsigned *flags;
	unsigned *ids;
	char **owned;       /* strings this set allocated */
	size_t n, cap;
};

static void set_add(struct exprset *s, const char *expr, unsigned flags, unsigned id,
		    int owned)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->expr = xreallocarray(s->expr, s->cap, sizeof(*s->expr));
		s->flags = xreallocarray(s->flags, s->cap, sizeof(*s->flags));
		s->ids = xreallocarray(s->ids, s->cap, sizeof(*s->ids));
		s->owned = xreallocarray(s->owned, s->cap, sizeof(*s->owned));
	}
	s->expr[s->n] = expr;
	s->flags[s->n] = flags;
	s->ids[s->n] = id;
	s->owned[s->n] = owned ? (char *)expr : NULL;
	s->n++;
}

static void set_release(struct exprset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->owned[i]);
	free(s->expr);
	free(s->flags);
	free(s->ids);
	free(s->owned);
	memset(s, 0, sizeof(*s));
}

/* Says what the rule author can do about Hyperscan's refusal. */
static const char *hint_for(const char *expr, const char *msg)
{
	if (strstr(msg, "Back-reference") || strstr(msg, "Zero-width assertion") ||
	    strstr(expr, "(?=") || strstr(expr, "(?!") || strstr(expr, "(?<"))
		return " (Hyperscan supports neither back-references nor look-around: "
		       "use a [term] and '!term' in a combination instead)";
	if (strstr(msg, "empty buffer"))
		return " (the pattern can match an empty string: require at least one character)";
	return "";
}

/* The line of pattern pid in its rule's file, and what it is called. */
static int pattern_line(const struct matcher *m, size_t pid, const char **text)
{
	const struct pack_rule *r = &m->pack->rules[m->pat_rule[pid]];
	size_t k = 0;

	/* Which of the rule's patterns (or items) this is. */
	for (size_t p = pid; p > 0 && m->pat_rule[p - 1] == m->pat_rule[pid]; p--)
		k++;
	if (r->pub.is_words) {
		*text = r->words.v[k];
		return r->words.lines[k];
	}
	*text = r->patterns.v[k];
	return r->patterns.lines[k];
}

static int pattern_error(const struct matcher *m, size_t pid, const char *msg,
			 struct lw_error *err)
{
	const struct pack_rule *r = &m->pack->rules[m->pat_rule[pid]];
	const char *text;
	int line = pattern_line(m, pid, &text);

	return lw_error_set(err, "%s:%d: %s '%s': %s '%s': %s%s", r->file, line,
			    r->pub.is_words ? "word list" : r->pub.is_term ? "term" : "rule", r->id,
			    r->pub.is_words ? "item" : "pattern", text, msg,
			    hint_for(m->pat_expr[pid] ? m->pat_expr[pid] : "", msg));
}

/* Whether a pattern needs Hyperscan's UTF-8 mode, in which every '.',
 * negated class and \W may span several bytes: bounded gaps such as
 * [^\n]{0,80} then compile a hundred times slower (seconds per pattern).
 * Byte mode matches UTF-8 literals exactly and reads {0,80} as bytes; only
 * a class holding non-ASCII characters, Unicode escapes, or a quantifier
 * right after a non-ASCII character need whole characters. */
static int needs_utf8(const char *expr)
{
	int in_class = 0;

	for (const unsigned char *p = (const unsigned char *)expr; *p; p++) {
		if (*p == '\\' && p[1]) {
			if (strchr("pPX", p[1]) || (p[1] == 'x' && p[2] == '{'))
				return 1;
			p++;
			continue;
		}
		if (*p >= 0x80) {
			const unsigned char *q = p;

			if (in_class)
				return 1;
			while ((q[1] & 0xc0) == 0x80)
				q++;
			if (q[1] == '?' || q[1] == '*' || q[1] == '+' || q[1] == '{')
				return 1;
			p = q;
			continue;
		}
		if (in_class && *p == ']')
			in_class = 0;
		else if (!in_class && *p == '[') {
			in_class = 1;
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				p++;
		}
	}
	return 0;
}

/* Scripts written without spaces between words: an item in them is a plain
 * substring, with no word boundary to check. */
static int unspaced_script(uint32_t cp)
{
	return (cp >= 0x0E00 && cp <= 0x0EFF) || (cp >= 0x1000 && cp <= 0x109F) ||
	       (cp >= 0x1780 && cp <= 0x17FF) || (cp >= 0x3040 && cp <= 0x30FF) ||
	       (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0x20000 && cp <= 0x2FA1F);
}

static uint32_t last_cp(const unsigned char *p, size_t n)
{
	size_t i = n - 1;

	while (i > 0 && (p[i] & 0xC0) == 0x80)
		i--;
	return lw_utf8_decode(p + i, NULL);
}

static int ascii_alnum(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The item normalised as documents are (so "Pasaporte" or "p@ssport" match
 * what the text becomes, already lower case), without a stem's '*'.
 * Returns a new string or NULL with err set. */
static char *item_norm(const char *item, int *stem, size_t *len, struct lw_error *err)
{
	size_t n = strlen(item);
	char *word, *out = NULL;
	struct lw_text t;

	*stem = n && item[n - 1] == '*';
	word = xstrndup(item, *stem ? n - 1 : n);
	text_init(&t);
	if (text_normalize(word, strlen(word), &t, err) < 0)
		goto out;
	if (t.len == 0 || t.len > 4096) {
		lw_error_set(err, "item normalises to %s", t.len ? "more than 4096 bytes" : "nothing");
		goto out;
	}
	out = xstrndup(t.buf, t.len);
	*len = t.len;
out:
	text_release(&t);
	free(word);
	return out;
}

static int ascii_word_byte(unsigned char c)
{
	return ascii_alnum(c) || c == '_';
}

static int has_high_byte(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* An item db_pad can hold: ASCII bytes with a word byte among them and no
 * space at either end. Word bytes and spaces the padded copy of the text
 * keeps as they are; other punctuation ("24/7", "100%") is matched as the
 * space the copy has there, and the callback then compares the text with
 * the item itself (PAT_VERIFY). */
static int paddable(const char *lit, size_t len)
{
	int word = 0;

	if (lit[0] == ' ' || lit[len - 1] == ' ')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)lit[i] >= 0x80)
			return 0;
		word |= ascii_word_byte((unsigned char)lit[i]);
	}
	return word;
}

/* Whether an ASCII item holds a byte the padded copy turns into a space. */
static int has_punct(const char *lit, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!ascii_word_byte((unsigned char)lit[i]) && lit[i] != ' ')
			return 1;
	return 0;
}

/* The literal db_pad compiles for a padded item: its punctuation written
 * as the spaces the padded copy of the text has there. Returns a new
 * string. */
static char *pad_mapped(const char *padded)
{
	char *out = xstrdup(padded);

	for (char *c = out; *c; c++)
		if (!ascii_word_byte((unsigned char)*c))
			*c = ' ';
	return out;
}

/* The literal db_pad matches: the item with a space written in on each
 * side that needs a word boundary. The padded copy of the text has a space
 * wherever a boundary can be (every byte that is not an ASCII word byte,
 * and one before and after the text), so the space matches exactly where
 * \b would. Takes lit; returns the padded literal. */
static char *pad_literal(struct matcher *m, size_t pid, char *lit, size_t len)
{
	unsigned check = m->pat_check[pid];
	char *out = xmalloc(len + 3), *o = out;

	if (check & PAT_WORD_LEFT)
		*o++ = ' ';
	memcpy(o, lit, len);
	o += len;
	if (check & PAT_WORD_RIGHT)
		*o++ = ' ';
	*o = '\0';
	m->pat_check[pid] |= PAT_PADDED | (memchr(lit, ' ', len) ? PAT_SPACED : 0);
	if (has_punct(lit, len)) {
		m->pat_check[pid] |= PAT_VERIFY;
		m->pat_verify[pid] = lit;
		return out;
	}
	free(lit);
	return out;
}

/* Turns a word-list item into a literal over normalised text, scanned over
 * a copy of the text in which line breaks are spaces, so a space in an
 * item matches either. Word boundaries are checked in the scan callback:
 * the ASCII \b (PAT_WORD_*) where the edge is ASCII, a Unicode letter test
 * (PAT_CHECK_*) where it is not, none in scripts written without spaces.
 * Every match has the same width, so its start is known without a second
 * search. */
static int item_literal(struct matcher *m, size_t pid, const char *item, struct lw_error *err)
{
	size_t len = 0;
	int stem;
	char *lit = item_norm(item, &stem, &len, err);
	uint32_t a, z;

	if (!lit)
		return -1;
	for (char *c = lit; *c; c++)
		if (*c == '\n')
			*c = ' ';
	a = lw_utf8_decode((const unsigned char *)lit, NULL);
	z = last_cp((const unsigned char *)lit, len);
	if (ascii_alnum(a))
		m->pat_check[pid] |= PAT_WORD_LEFT;
	else if (a >= 0x80 && !unspaced_script(a))
		m->pat_check[pid] |= PAT_CHECK_LEFT;
	if (stem)
		m->pat_check[pid] |= PAT_STEM;
	else if (ascii_alnum(z))
		m->pat_check[pid] |= PAT_WORD_RIGHT;
	else if (z >= 0x80 && !unspaced_script(z))
		m->pat_check[pid] |= PAT_CHECK_RIGHT;
	m->pat_fixed[pid] = (unsigned)len;
	m->pat_width[pid] = (unsigned)len;
	m->pat_lit[pid] = paddable(lit, len) ? pad_literal(m, pid, lit, len) : lit;
	return 0;
}

const char *matcher_pattern_expr(struct matcher *m, size_t pid)
{
	const char *item = m->pat_item[pid];
	struct lw_error err;
	struct lw_buf b;
	size_t len = 0;
	int stem;
	char *lit;

	if (m->pat_expr[pid] || !item)
		return m->pat_expr[pid];
	lit = item_norm(item, &stem, &len, &err);
	if (!lit)
		return NULL;
	lw_buf_init(&b, 1u << 20);
	if (m->pat_check[pid] & PAT_WORD_LEFT)
		lw_buf_adds(&b, "\\b");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)lit[i];

		if (ascii_alnum(c))
			lw_buf_addc(&b, (char)c);
		else if (c == ' ' || c == '\n')
			lw_buf_adds(&b, "[ \\n]");
		else
			lw_buf_printf(&b, "\\x%02x", c);
	}
	if (m->pat_check[pid] & PAT_WORD_RIGHT)
		lw_buf_adds(&b, "\\b");
	m->pat_expr[pid] = lw_buf_detach(&b, NULL);
	lw_buf_release(&b);
	free(lit);
	return m->pat_expr[pid];
}

static void alloc_tables(struct matcher *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->pack->nrules; i++)
		n += m->pack->rules[i].pub.is_words ? m->pack->rules[i].words.n
						     : m->pack->rules[i].patterns.n;
	m->npat = n;
	if (!n)
		n = 1;
	m->pat_rule = xcalloc(n, sizeof(*m->pat_rule));
	m->pat_expr = xcalloc(n, sizeof(*m->pat_expr));
	m->pat_lit = xcalloc(n, sizeof(*m->pat_lit));
	m->pat_flags = xcalloc(n, sizeof(*m->pat_flags));
	m->pat_width = xcalloc(n, sizeof(*m->pat_width));
	m->pat_fixed = xcalloc(n, sizeof(*m->pat_fixed));
	m->pat_check = xcalloc(n, sizeof(*m->pat_check));
	m->pat_item = xcalloc(n, sizeof(*m->pat_item));
	m->pat_verify = xcalloc(n, sizeof(*m->pat_verify));
}

static void free_tables(struct matcher *m)
{
	if (m->pat_expr)
		for (size_t p = 0; p < m->npat; p++) {
			free((char *)m->pat_expr[p]);
			free((char *)m->pat_lit[p]);
			free((char *)m->pat_verify[p]);
		}
	free(m->pat_rule);
	free(m->pat_expr);
	free(m->pat_lit);
	free(m->pat_flags);
	free(m->pat_width);
	free(m->pat_fixed);
	free(m->pat_check);
	free(m->pat_item);
	free(m->pat_verify);
	free(m->hs_first);
	free(m->hs_pids);
	m->hs_first = NULL;
	m->hs_pids = NULL;
	m->nhs = 0;
	m->pat_rule = NULL;
	m->pat_expr = NULL;
	m->pat_lit = NULL;
	m->pat_flags = m->pat_width = m->pat_fixed = NULL;
	m->pat_check = NULL;
	m->pat_item = NULL;
	m->pat_verify = NULL;
	m->npat = 0;
}

/* One regular-expression pattern: parsed, normalised, and (need_info) its
 * widest match learnt, which also checks it on its own so that every error
 * names its rule. */
static int regex_pattern(struct matcher *m, size_t pid, struct pack_rule *r, size_t k,
			 int need_info, struct lw_error *err)
{
	char *raw = NULL, *norm;
	unsigned flags;
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *cerr = NULL;

	if (pack_parse_pattern(r->patterns.v[k], &raw, &flags, err) < 0)
		return lw_error_prefix(err, "%s:%d", r->file, r->patterns.lines[k]);
	norm = text_normalize_pattern(raw, err);
	free(raw);
	if (!norm)
		return lw_error_prefix(err, "%s:%d: rule '%s'", r->file, r->patterns.lines[k], r->id);
	m->pat_expr[pid] = norm;
	m->pat_flags[pid] = flags | BASE_FLAGS | (needs_utf8(norm) ? HS_FLAG_UTF8 : 0);
	if (!need_info)
		return 0;
	if (hs_expression_info(norm, m->pat_flags[pid], &info, &cerr) != HS_SUCCESS) {
		pattern_error(m, pid, cerr->message, err);
		hs_free_compile_error(cerr);
		return -1;
	}
	m->pat_width[pid] = info->max_width == UINT_MAX ? WIDTH_UNBOUNDED : info->max_width;
	if (info->min_width == info->max_width && info->max_width != UINT_MAX &&
	    info->max_width > 0)
		m->pat_fixed[pid] = info->max_width;
	free(info);
	return 0;
}

/* Groups patterns under one Hyperscan id: items by their literal (the
 * callback checks each item's own boundaries, so "recruit" and "recruit*"
 * share one), patterns by expression and flags. A word in three lists is
 * matched once and fanned out. */
static const struct matcher *sort_m;

static const char *group_key(const struct matcher *m, unsigned p)
{
	return m->pat_lit[p] ? m->pat_lit[p] : m->pat_expr[p];
}

static int same_group(const struct matcher *m, unsigned x, unsigned y)
{
	return !m->pat_lit[x] == !m->pat_lit[y] && m->pat_flags[x] == m->pat_flags[y] &&
	       (m->pat_check[x] & PAT_PADDED) == (m->pat_check[y] & PAT_PADDED) &&
	       strcmp(group_key(m, x), group_key(m, y)) == 0;
}

static int cmp_expr(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	int c;

	if (!sort_m->pat_lit[x] != !sort_m->pat_lit[y])
		return sort_m->pat_lit[x] ? -1 : 1;
	if ((sort_m->pat_check[x] ^ sort_m->pat_check[y]) & PAT_PADDED)
		return sort_m->pat_check[x] & PAT_PADDED ? -1 : 1;
	c = strcmp(group_key(sort_m, x), group_key(sort_m, y));
	if (c)
		return c;
	if (sort_m->pat_flags[x] != sort_m->pat_flags[y])
		return sort_m->pat_flags[x] < sort_m->pat_flags[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void group_patterns(struct matcher *m)
{
	unsigned *order = xcalloc(m->npat ? m->npat : 1, sizeof(*order));
	size_t u = 0;

	for (size_t p = 0; p < m->npat; p++)
		order[p] = (unsigned)p;
	sort_m = m;
	qsort(order, m->npat, sizeof(*order), cmp_expr);
	m->hs_first = xcalloc(m->npat + 1, sizeof(*m->hs_first));
	m->hs_pids = order;
	for (size_t i = 0; i < m->npat; i++) {
		if (i == 0 || !same_group(m, order[i], order[i - 1]))
			m->hs_first[u++] = i;
	}
	m->nhs = u;
	m->hs_first[u] = m->npat;
}

/* Fills the pattern tables: rule and term patterns, and word-list items.
 * Cold (compiling), every item is normalised into its literal and the
 * patterns are grouped. Warm (before a cache load), only what the cache
 * does not hold: which rule each pattern serves, and the regex patterns
 * (a few, needed for start offsets); the items' boundaries, widths and
 * grouping come from the cache, so a start never normalises thousands of
 * items again. */
static int prepare_patterns(struct matcher *m, int cold, struct lw_error *err)
{
	struct matcher_pack *pack = m->pack;
	size_t pid = 0;

	alloc_tables(m);
	for (size_t i = 0; i < pack->nrules; i++) {
		struct pack_rule *r = &pack->rules[i];
		size_t n = r->pub.is_words ? r->words.n : r->patterns.n;

		for (size_t k = 0; k < n; k++, pid++) {
			m->pat_rule[pid] = i;
			if (r->pub.is_words) {
				m->pat_item[pid] = r->words.v[k];
				m->pat_flags[pid] = HS_FLAG_CASELESS;
				if (cold && item_literal(m, pid, r->words.v[k], err) < 0)
					return lw_error_prefix(err, "%s:%d: word list '%s': item '%s'", r->file,
							       r->words.lines[k], r->id, r->words.v[k]);
			} else if (regex_pattern(m, pid, r, k, cold, err) < 0) {
				return -1;
			}
		}
	}
	if (cold)
		group_patterns(m);
	return 0;
}

static int compile_set(const struct matcher *m, struct exprset *s, int literal,
		       hs_database_t **db, const char *what, struct lw_error *err)
{
	hs_compile_error_t *cerr = NULL;
	size_t *lens = NULL;
	hs_error_t rc;

	if (literal) {
		lens = xcalloc(s->n, sizeof(*lens));
		for (size_t i = 0; i < s->n; i++)
			lens[i] = strlen(s->expr[i]);
		rc = hs_compile_lit_multi(s->expr, s->flags, s->ids, lens, (unsigned)s->n,
					  HS_MODE_BLOCK, NULL, db, &cerr);
		free(lens);
	} else {
		rc = hs_compile_ext_multi(s->expr, s->flags, s->ids, NULL, (unsigned)s->n,
					  HS_MODE_BLOCK, NULL, db, &cerr);
	}
	if (rc == HS_SUCCESS)
		return 0;
	if (!cerr)
		return lw_error_set(err, "cannot compile the %s database", what);
	if (cerr->expression >= 0 && s->ids[cerr->expression] < m->nhs && strcmp(what, "factor") != 0)
		pattern_error(m, m->hs_pids[m->hs_first[s->ids[cerr->expression]]], cerr->message, err);
	else
		lw_error_set(err, "cannot compile the %s database: %s", what, cerr->message);
	hs_free_compile_error(cerr);
	return -1;
}

/* Gating. A pattern every match of which holds a digit, at most
 * GATE_DIGIT_WIDTH wide, is gated on the text's digits (scan.c finds them
 * without Hyperscan): every such pattern shares the same windows. Other
 * patterns are gated on a literal factor only when its every literal is
 * this long: the pack's shorter factors are common words or parts of
 * them ("per", "age", "isa" in "visa", " with "), 15,000 a MB of English
 * ads with factors of three bytes or more, and db_fac's own pass over
 * every text with windows around them cost more than db_gate saved (raw
 * scan 78-86 MB/s against 87-98 without, `bench_match raw`, load 11). A
 * pattern wider than GATE_MAX_WIDTH would need windows as wide as most
 * documents. */
#define GATE_MIN_FACTOR 8
#define GATE_MAX_WIDTH 1024u
#define GATE_DIGIT_WIDTH 48u

/* The amount term of several packs: it ends at every digit, so scan.c
 * reports it at every digit itself, and Hyperscan never sees it. */
#define AMOUNT_EXPR "\\d[\\d.,]*\\d|\\d"

enum { GATE_NONE, GATE_LIT, GATE_DIGIT, GATE_AMOUNT };

/* Where each regex id goes (kind[u]: db_main, db_gate on its literals
 * lits[u], db_gate on digits, or the digit scan) and the literals. All
 * of a rule's patterns go the same way, or all stay in db_main, and an
 * id shared by several rules moves only when all of them move with it:
 * the matches of one rule then come from one pass, in the order the
 * single scan of db_main gave them. */
static void gate_plan(struct matcher *m, unsigned char *kind, char ***lits, size_t *nlits)
{
	size_t nr = m->pack->nrules ? m->pack->nrules : 1;
	unsigned char *rk = xcalloc(nr, 1);  /* rule's kind + 1, 0 when not seen */
	int changed = 1;

	for (size_t u = 0; u < m->nhs; u++) {
		unsigned p = m->hs_pids[m->hs_first[u]];
		size_t minlen = SIZE_MAX;
		int digit = 0;

		if (m->pat_lit[p])
			continue;
		if (strcmp(m->pat_expr[p], AMOUNT_EXPR) == 0 &&
		    !(m->pat_flags[p] & ~(unsigned)(HS_FLAG_CASELESS | HS_FLAG_DOTALL |
						     HS_FLAG_MULTILINE | HS_FLAG_UTF8))) {
			kind[u] = GATE_AMOUNT;
			continue;
		}
		if (m->pat_width[p] == WIDTH_UNBOUNDED || m->pat_width[p] > GATE_MAX_WIDTH)
			continue;
		nlits[u] = factor_derive(m->pat_expr[p], &lits[u], &digit);
		for (size_t i = 0; i < nlits[u]; i++)
			if (strlen(lits[u][i]) < minlen)
				minlen = strlen(lits[u][i]);
		if (digit && m->pat_width[p] <= GATE_DIGIT_WIDTH)
			kind[u] = GATE_DIGIT;
		else if (nlits[u] && minlen >= GATE_MIN_FACTOR)
			kind[u] = GATE_LIT;
	}
	/* A rule whose patterns would go different ways keeps all of them in
	 * db_main; that may strand another rule sharing one of them. */
	while (changed) {
		changed = 0;
		memset(rk, 0, nr);
		for (size_t u = 0; u < m->nhs; u++) {
			unsigned char k = kind[u] == GATE_LIT ? GATE_DIGIT : kind[u];

			if (m->pat_lit[m->hs_pids[m->hs_first[u]]])
				continue;
			for (size_t i = m->hs_first[u]; i < m->hs_first[u + 1]; i++) {
				size_t r = m->pat_rule[m->hs_pids[i]];

				if (!rk[r])
					rk[r] = (unsigned char)(k + 1);
				else if (rk[r] != k + 1)
					rk[r] = GATE_NONE + 1;
			}
		}
		for (size_t u = 0; u < m->nhs; u++) {
			unsigned char k = kind[u] == GATE_LIT ? GATE_DIGIT : kind[u];

			if (m->pat_lit[m->hs_pids[m->hs_first[u]]] || kind[u] == GATE_NONE)
				continue;
			for (size_t i = m->hs_first[u]; i < m->hs_first[u + 1]; i++)
				if (rk[m->pat_rule[m->hs_pids[i]]] != k + 1) {
					kind[u] = GATE_NONE;
					changed = 1;
					break;
				}
		}
	}
	free(rk);
}

/* The factors of the gated ids as one literal set, each literal once,
 * with the widest match that needs it. */
static void gate_factors(struct matcher *m, const unsigned char *kind, char **lits[],
			 const size_t *nlits, struct exprset *fac)
{
	size_t cap = 0;

	m->amount_u = UINT32_MAX;
	m->digit_width = 0;
	for (size_t u = 0; u < m->nhs; u++) {
		unsigned w = m->pat_width[m->hs_pids[m->hs_first[u]]];

		if (kind[u] == GATE_AMOUNT)
			m->amount_u = (uint32_t)u;
		if (kind[u] == GATE_DIGIT && w > m->digit_width)
			m->digit_width = w;
		if (kind[u] != GATE_LIT)
			continue;
		for (size_t i = 0; i < nlits[u]; i++) {
			size_t k = 0;

			while (k < fac->n && strcmp(fac->expr[k], lits[u][i]) != 0)
				k++;
			if (k == fac->n) {
				set_add(fac, xstrdup(lits[u][i]), HS_FLAG_CASELESS, (unsigned)k, 1);
				if (fac->n > cap) {
					cap = fac->cap;
					m->fac_width = xreallocarray(m->fac_width, cap, sizeof(*m->fac_width));
					m->fac_len = xreallocarray(m->fac_len, cap, sizeof(*m->fac_len));
				}
				m->fac_width[k] = 0;
				m->fac_len[k] = (unsigned)strlen(lits[u][i]);
			}
			if (w > m->fac_width[k])
				m->fac_width[k] = w;
		}
	}
	m->nfac = fac->n;
}

/* The databases of matcher_internal.h hold every pattern and item: one
 * pass of each over the text, and of db_gate over the windows db_fac
 * finds, find everything the rules and combinations need. */
static int build_main(struct matcher *m, struct lw_error *err)
{
	struct exprset pad = { 0 }, lit = { 0 }, ulit = { 0 }, re = { 0 }, gate = { 0 },
		       fac = { 0 };
	unsigned char *kind = xcalloc(m->nhs ? m->nhs : 1, 1);
	char ***lits = xcalloc(m->nhs ? m->nhs : 1, sizeof(*lits));
	size_t *nlits = xcalloc(m->nhs ? m->nhs : 1, sizeof(*nlits));
	int rc = 0;

	gate_plan(m, kind, lits, nlits);
	gate_factors(m, kind, lits, nlits, &fac);
	for (size_t u = 0; u < m->nhs; u++) {
		unsigned p = m->hs_pids[m->hs_first[u]];

		if (m->pat_lit[p] && (m->pat_check[p] & PAT_VERIFY))
			set_add(&pad, pad_mapped(m->pat_lit[p]), 0, (unsigned)u, 1);
		else if (m->pat_lit[p] && (m->pat_check[p] & PAT_PADDED))
			set_add(&pad, m->pat_lit[p], 0, (unsigned)u, 0);
		else if (m->pat_lit[p] && has_high_byte(m->pat_lit[p]))
			set_add(&ulit, m->pat_lit[p], 0, (unsigned)u, 0);
		else if (m->pat_lit[p])
			set_add(&lit, m->pat_lit[p], 0, (unsigned)u, 0);
		else if (kind[u] == GATE_AMOUNT)
			continue;
		else if (kind[u] != GATE_NONE)
			set_add(&gate, m->pat_expr[p], m->pat_flags[p], (unsigned)u, 0);
		else
			set_add(&re, m->pat_expr[p], m->pat_flags[p], (unsigned)u, 0);
	}
	if (pad.n)
		rc = compile_set(m, &pad, 1, &m->db_pad, "word-list", err);
	if (rc == 0 && lit.n)
		rc = compile_set(m, &lit, 1, &m->db_lit, "word-list", err);
	if (rc == 0 && ulit.n)
		rc = compile_set(m, &ulit, 1, &m->db_ulit, "word-list", err);
	if (rc == 0 && re.n)
		rc = compile_set(m, &re, 0, &m->db_main, "pattern", err);
	if (rc == 0 && gate.n)
		rc = compile_set(m, &gate, 0, &m->db_gate, "pattern", err);
	/* Factor ids are no Hyperscan ids of patterns: an error names none. */
	if (rc == 0 && fac.n)
		rc = compile_set(m, &fac, 1, &m->db_fac, "factor", err);
	for (size_t u = 0; u < m->nhs; u++) {
		for (size_t i = 0; i < nlits[u]; i++)
			free(lits[u][i]);
		free(lits[u]);
	}
	free(lits);
	free(nlits);
	free(kind);
	set_release(&pad);
	set_release(&lit);
	set_release(&ulit);
	set_release(&re);
	set_release(&gate);
	set_release(&fac);
	return rc;
}

/* How often operand r is likely to match, for choosing which operands
 * wake a combination: a list of many items or a rule of many patterns
 * more often than a short one. Only the choice depends on it, never a
 * result. */
static size_t operand_weight(const struct matcher *m, size_t r)
{
	const struct pack_rule *x = &m->pack->rules[r];

	return 1 + (x->pub.is_words ? x->words.n : x->patterns.n);
}

/* Fills out with operands of node i one of which must have matched for
 * the node to hold, choosing at each '&' and proximity operator the side
 * with the lighter set; returns the set's weight, or SIZE_MAX when there
 * is none (a negation holds without any match). out holds COMB_MAX_NODES. */
static size_t wake_set(const struct matcher *m, const struct comb *c, int i, size_t *out,
		       size_t *n)
{
	const struct comb_node *x = &c->nodes[i];
	size_t wa, wb, na = 0, nb = 0, *tmp;

	switch (x->kind) {
	case COMB_ID:
		out[(*n)++] = x->rule;
		return operand_weight(m, x->rule);
	case COMB_NOT:
		return SIZE_MAX;
	case COMB_OR:
		wa = wake_set(m, c, x->a, out, n);
		if (wa == SIZE_MAX)
			return SIZE_MAX;
		wb = wake_set(m, c, x->b, out, n);
		return wb == SIZE_MAX ? SIZE_MAX : wa + wb;
	default: /* '&' and proximity: both sides must hold, but NOT NEAR's right need not */
		if (x->kind != COMB_AND && x->negated)
			return wake_set(m, c, x->a, out, n);
		/* Not zeroed: only the na and nb entries written are read. Zeroing
		 * 8 KB per node, twice per combination, was 18% of a warm
		 * start's instructions (callgrind). */
		tmp = xmalloc(2 * COMB_MAX_NODES * sizeof(*tmp));
		wa = wake_set(m, c, x->a, tmp, &na);
		wb = wake_set(m, c, x->b, tmp + COMB_MAX_NODES, &nb);
		if (wb < wa) {
			memcpy(out + *n, tmp + COMB_MAX_NODES, nb * sizeof(*tmp));
			*n += nb;
			wa = wb;
		} else if (wa != SIZE_MAX) {
			memcpy(out + *n, tmp, na * sizeof(*tmp));
			*n += na;
		}
		free(tmp);
		return wa;
	}
}

static void collect_operands(const struct comb *c, int i, size_t *list, size_t *n)
{
	const struct comb_node *x = &c->nodes[i];

	if (x->kind == COMB_ID) {
		list[(*n)++] = x->rule;
		return;
	}
	collect_operands(c, x->a, list, n);
	if (x->b >= 0)
		collect_operands(c, x->b, list, n);
}

/* The operands that wake each combination: only those one of which must
 * have matched for it to hold (a combination "fee NEAR/5 pay & passport"
 * waits for the rarer side, not for every "pay"), or all of its operands
 * when no such set exists. Settling then evaluates far fewer combinations
 * per document, with the same results. */
static void wake_operands(const struct matcher *m, const struct comb *c, size_t *list, size_t *n)
{
	*n = 0;
	if (wake_set(m, c, c->root, list, n) == SIZE_MAX) {
		*n = 0;
		collect_operands(c, c->root, list, n);
	}
}

/* The reverse index from an operand to the combinations it wakes. */
static void index_users(struct matcher *m)
{
	size_t nr = m->pack->nrules, total = 0;
	unsigned char *seen = xcalloc(nr ? nr : 1, 1);
	size_t *ops = xcalloc(COMB_MAX_NODES, sizeof(*ops));
	size_t *count = xcalloc(nr + 1, sizeof(*count));

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			m->user_first = xcalloc(nr + 1, sizeof(*m->user_first));
			for (size_t r = 0; r < nr; r++)
				m->user_first[r + 1] = m->user_first[r] + count[r];
			m->users = xcalloc(total ? total : 1, sizeof(*m->users));
			memset(count, 0, (nr + 1) * sizeof(*count));
		}
		for (size_t i = 0; i < nr; i++) {
			size_t n = 0;

			if (!m->combs[i].n)
				continue;
			wake_operands(m, &m->combs[i], ops, &n);
			for (size_t k = 0; k < n; k++) {
				if (seen[ops[k]])
					continue;
				seen[ops[k]] = 1;
				if (pass == 0) {
					count[ops[k]]++;
					total++;
				} else {
					m->users[m->user_first[ops[k]] + count[ops[k]]++] = i;
				}
			}
			for (size_t k = 0; k < n; k++)
				seen[ops[k]] = 0;
		}
	}
	free(seen);
	free(ops);
	free(count);
}

static int parse_combinations(struct matcher *m, struct lw_error *err)
{
	struct matcher_pack *pack = m->pack;

	m->combs = xcalloc(pack->nrules ? pack->nrules : 1, sizeof(*m->combs));
	for (size_t i = 0; i < pack->nrules; i++) {
		struct pack_rule *r = &pack->rules[i];

		if (r->combine && comb_parse(pack, r->combine, &m->combs[i], err) < 0)
			return lw_error_prefix(err, "%s:%d: rule '%s'", r->file, r->combine_line, r->id);
	}
	index_users(m);
	return 0;
}

/* After a cache load: the bytes of each PAT_VERIFY item, which the cache
 * does not hold, normalised again (a few hundred short items). */
static int load_verify(struct matcher *m, struct lw_error *err)
{
	for (size_t pid = 0; pid < m->npat; pid++) {
		size_t len = 0;
		int stem;
		char *lit;

		if (!(m->pat_check[pid] & PAT_VERIFY))
			continue;
		lit = item_norm(m->pat_item[pid], &stem, &len, err);
		if (!lit)
			return -1;
		for (char *c = lit; *c; c++)
			if (*c == '\n')
				*c = ' ';
		m->pat_verify[pid] = lit;
	}
	return 0;
}

struct matcher *matcher_compile(struct matcher_pack *pack, const struct matcher_options *opts,
				struct lw_error *err)
{
	struct matcher *m = xcalloc(1, sizeof(*m));
	char *dir = cache_dir_resolve(opts ? opts->cache_dir : NULL);
	struct lw_error cerr, damaged = { "" };

	m->pack = pack;
	m->threshold = opts && opts->threshold >= 0 ? opts->threshold : pack->threshold;
	if (parse_combinations(m, err) < 0)
		goto fail;
	/* Ad-hoc patterns change every run: not worth a cache entry. */
	if (dir && !pack->nadhoc && prepare_patterns(m, 0, err) == 0 &&
	    cache_load(m, dir, &damaged) == 0) {
		if (load_verify(m, err) < 0)
			goto fail;
		m->from_cache = 1;
		free(dir);
		return m;
	}
	if (damaged.msg[0])
		fprintf(stderr, "lurewatch: warning: %s; compiling the pack again\n", damaged.msg);
	free_tables(m);
	if (prepare_patterns(m, 1, err) < 0 || build_main(m, err) < 0)
		goto fail;
	if (dir && !pack->nadhoc && cache_store(m, dir, &cerr) < 0)
		fprintf(stderr, "lurewatch: warning: %s\n", cerr.msg);
	free(dir);
	return m;
fail:
	free(dir);
	matcher_free(m);
	return NULL;
}

/* The databases, by whichever owns them (matcher_internal.h, db_mem). */
static void free_databases(struct matcher *m)
{
	if (m->db_mem) {
		munmap(m->db_mem, m->db_mem_len);
	} else {
		hs_free_database(m->db_main);
		hs_free_database(m->db_lit);
		hs_free_database(m->db_ulit);
		hs_free_database(m->db_pad);
		hs_free_database(m->db_gate);
		hs_free_database(m->db_fac);
	}
	m->db_mem = NULL;
	m->db_main = m->db_lit = m->db_ulit = m->db_pad = m->db_gate = m->db_fac = NULL;
}

void matcher_free(struct matcher *m)
{
	if (!m)
		return;
	free_databases(m);
	free(m->fac_width);
	free(m->fac_len);
	free_tables(m);
	if (m->combs)
		for (size_t i = 0; i < m->pack->nrules; i++)
			comb_release(&m->combs[i]);
	free(m->combs);
	free(m->user_first);
	free(m->users);
	matcher_pack_free(m->pack);
	free(m);
}

const struct matcher_pack *matcher_get_pack(const struct matcher *m)
{
	return m->pack;
}

double matcher_threshold(const struct matcher *m)
{
	return m->threshold;
}

double matcher_context_halving(const struct matcher *m)
{
	return m->pack->context_halving;
}

int matcher_from_cache(const struct matcher *m)
{
	return m->from_cache;
}

/* SPDX-License-Identifier: MIT */
/* Document normalisation at memory speed: plain ASCII goes straight to the
 * output, and only the stretches where a Unicode fold or a de-obfuscation
 * pass could change something take the unit path (fold.c, deobfuscate.c).
 * The result is byte for byte that of text_normalize_reference.
 *
 * The input is read as chunks (maximal runs of bytes other than ASCII
 * whitespace and control characters) separated by whitespace runs, each of
 * which becomes one ' ' or '\n'. A chunk of printable ASCII is copied
 * lowercased unless a pass could fire inside it. The passes reach across
 * whitespace in two ways only: spaced letters ("w h a t s") and number
 * runs ("zero two one five"). Neighbouring chunks that one of those could
 * join are linked into a component; a component in which something can
 * fire is handed to the unit path whole, so no pass ever needs what lies
 * beyond it (deobfuscate.h, text_deobfuscate_part). */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "text.h"
#include "fold.h"
#include "normbulk.h"
#include "textindex.h"
#include "ucat.h"
#include "../util/xmalloc.h"

/* ---- byte classes -------------------------------------------------------- */

enum {
	C_WS = 1,       /* whitespace or control: ends a chunk, collapses */
	C_NL = 2,       /* a line break: the collapsed run becomes '\n' */
	C_ALPHA = 4,
	C_DIGIT = 8,
	C_HIGH = 16,    /* not ASCII: the chunk takes the unit path */
	C_ATS = 32,     /* '@' '$': leet, or an element of spaced letters */
	C_LEET = 64,    /* 0 1 3 4 5 7 ! @ $: a letter when between letters */
	C_SP2 = 128     /* . - _ * | /: separates spaced letters */
};

#define CLS(c) ((c) <= 0x20 || (c) == 0x7F ? \
		C_WS | ((c) >= 0x0A && (c) <= 0x0D ? C_NL : 0) : \
	(c) >= 0x80 ? C_HIGH : \
	((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') ? C_ALPHA : \
	(c) == '0' || (c) == '1' || (c) == '3' || (c) == '4' || (c) == '5' || \
	(c) == '7' ? C_DIGIT | C_LEET : \
	(c) >= '0' && (c) <= '9' ? C_DIGIT : \
	(c) == '@' || (c) == '$' ? C_ATS | C_LEET : \
	(c) == '!' ? C_LEET : \
	(c) == '.' || (c) == '-' || (c) == '_' || (c) == '*' || (c) == '|' || \
	(c) == '/' ? C_SP2 : 0)
/* The cast keeps clang from warning about (c) + 32 in the branch that is
 * never taken for c >= 224. */
#define LOW(c) ((unsigned char)((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c)))

#define R4(f, b) f(b), f(b + 1), f(b + 2), f(b + 3)
#define R16(f, b) R4(f, b), R4(f, b + 4), R4(f, b + 8), R4(f, b + 12)
#define R64(f, b) R16(f, b), R16(f, b + 16), R16(f, b + 32), R16(f, b + 48)
#define R256(f) R64(f, 0), R64(f, 64), R64(f, 128), R64(f, 192)

static const unsigned char cls[256] = { R256(CLS) };
static const unsigned char lower[256] = { R256(LOW) };

/* ---- chunks -------------------------------------------------------------- */

enum {
	HOT_NONE,       /* nothing can fire: copy it */
	HOT_NUMWORD,    /* holds a digit word: fires in a run of 3 or more */
	HOT_UNITS       /* take the unit path */
};

/* What the fast path learns of a chunk, enough to decide whether a pass
 * could reach across the whitespace on either side of it. */
struct chunk {
	size_t a, b;            /* input bytes */
	int hot;                /* HOT_* */
	int numberish;          /* words that are digits, digit words, double... */
	int lone_first;         /* the first unit may be a lone letter */
	int lone_last;
	int bar_first;          /* the first word is one that ends number runs */
	int bar_last;
};

/* "double"/"triple" and the digit words of deobfuscate.c: the words that
 * can make a number run worth rewriting. w is lowercase. Most words of
 * prose come here, so it is a switch rather than a search. */
static int number_word(const char *w, size_t n)
{
#define IS(s) (n == sizeof(s) - 1 && !memcmp(w, s, n))
	switch (w[0]) {
	case 'c': return IS("cero") || IS("cuatro") || IS("cinco");
	case 'd': return IS("dos") || IS("double");
	case 'e': return IS("eight");
	case 'f': return IS("four") || IS("five");
	case 'n': return IS("nine") || IS("nueve");
	case 'o': return IS("oh") || IS("one") || IS("ocho");
	case 's': return IS("six") || IS("seven") || IS("seis") || IS("siete");
	case 't': return IS("two") || IS("three") || IS("tres") || IS("triple");
	case 'u': return IS("uno");
	case 'z': return IS("zero");
	default: return 0;
	}
#undef IS
}

/* 1 when a digit word starts at w[0..n): mixed_token in deobfuscate.c reads
 * "5five5" as a number only if every letter run parses into such words. */
static int digit_word_prefix(const char *w, size_t n)
{
	static const char *const words[] = {
		"zero", "oh", "one", "two", "three", "four", "five", "six",
		"seven", "eight", "nine", "cero", "uno", "dos", "tres",
		"cuatro", "cinco", "seis", "siete", "ocho", "nueve",
	};
	size_t k, l;

	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		l = strlen(words[k]);
		if (l <= n && !memcmp(words[k], w, l))
			return 1;
	}
	return 0;
}

/* A word of letters and digits: could "5five5" fire here? w is lowercase. */
static int mixed_fires(const char *w, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (cls[(unsigned char)w[i]] & C_DIGIT) {
			i++;
			continue;
		}
		if (digit_word_prefix(w + i, n - i))
			return 1;
		while (i < n && (cls[(unsigned char)w[i]] & C_ALPHA))
			i++;
	}
	return 0;
}

/* Leetspeak (undo_leet): a run of 0 1 3 4 5 7 ! @ $ with letters on both
 * sides, or '@'/'$' standing between separators as spaced letters allow
 * ("w h @ t s", "w.h.@.t"). */
static int leet_fires(const unsigned char *p, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (!(cls[p[i]] & C_LEET))
			continue;
		if ((cls[p[i]] & C_ATS) && (i == 0 || (cls[p[i - 1]] & C_SP2)) &&
		    (i + 1 == n || (cls[p[i + 1]] & C_SP2)))
			return 1;
		if (i == 0 || !(cls[p[i - 1]] & C_ALPHA))
			continue;
		for (j = i; j < n && (cls[p[j]] & C_LEET); j++)
			;
		if (j < n && (cls[p[j]] & C_ALPHA))
			return 1;
	}
	return 0;
}

/* ---- state of one call ------------------------------------------------- */

/* Everything a component may have to take back when it turns out to need
 * the unit path after all. */
struct mark {
	size_t len, nwords, nsents, nparas;
	struct text_index_state ix;
	struct text_unit pend;
	int has_pend;
	int started;
	size_t budget;
};

struct norm {
	const unsigned char *in;
	size_t len;
	struct lw_text *t;
	size_t budget;          /* output bytes still allowed, as units count them */
	size_t repaired;
	int started;            /* output has begun: whitespace is no longer leading */
	struct text_unit pend;  /* collapsed whitespace not yet written */
	int has_pend;
	struct text_index_state ix;
	int mostly_latin;       /* -1 until a look-alike pass asks */
	size_t tr_from, tr_at;  /* bulk_trouble(tr_from) is tr_at, or is no
				 * later and tr_at - tr_from < BULK_MIN */
	struct units us;        /* the unit path's scratch */
};

static void save(const struct norm *nm, struct mark *m)
{
	m->len = nm->t->len;
	m->nwords = nm->t->nwords;
	m->nsents = nm->t->nsents;
	m->nparas = nm->t->nparas;
	m->ix = nm->ix;
	/* Field by field: add_space has just written them one at a time, and
	 * a copy of the whole struct would wait on those stores. */
	m->pend.cp = nm->pend.cp;
	m->pend.start = nm->pend.start;
	m->pend.end = nm->pend.end;
	m->pend.flags = nm->pend.flags;
	m->has_pend = nm->has_pend;
	m->started = nm->started;
	m->budget = nm->budget;
}

static void restore(struct norm *nm, const struct mark *m)
{
	nm->t->len = m->len;
	nm->t->nwords = m->nwords;
	nm->t->nsents = m->nsents;
	nm->t->nparas = m->nparas;
	nm->ix = m->ix;
	nm->pend = m->pend;
	nm->has_pend = m->has_pend;
	nm->started = m->started;
	nm->budget = m->budget;
}

/* Grows the output arrays, keeping what they hold, to take len bytes and
 * BULK_SLACK more, which the bulk path may store past what it writes. */
static void reserve(struct lw_text *t, size_t len)
{
	if (t->buf && len + BULK_SLACK <= t->cap)
		return;
	len += BULK_SLACK;
	if (len < t->cap * 2)
		len = t->cap * 2;
	t->buf = xrealloc(t->buf, len + 1);
	t->start = xreallocarray(t->start, len, sizeof(*t->start));
	t->end = xreallocarray(t->end, len, sizeof(*t->end));
	t->cap = len;
}

/* ---- the fast path ------------------------------------------------------- */

/* The whitespace in[a..b) collapses into the pending space, which is
 * written before whatever comes next, and dropped at the end. */
static int add_space(struct norm *nm, size_t a, size_t b, int nl)
{
	if (!nm->started)
		return 0;
	if (nm->has_pend) {
		nm->pend.end = (uint32_t)b;
		nm->pend.flags |= TEXT_UNIT_RUN;
		if (nl)
			nm->pend.cp = '\n';
		return 0;
	}
	if (!nm->budget)
		return -1;
	nm->budget--;
	nm->pend.cp = nl ? '\n' : ' ';
	nm->pend.start = (uint32_t)a;
	nm->pend.end = (uint32_t)b;
	nm->pend.flags = b - a > 1 ? TEXT_UNIT_RUN : 0;
	nm->has_pend = 1;
	return 0;
}

static void put_space(struct norm *nm)
{
	struct lw_text *t = nm->t;
	size_t o = t->len;

	t->buf[o] = (char)nm->pend.cp;
	t->start[o] = nm->pend.start;
	t->end[o] = nm->pend.end;
	t->len++;
	nm->has_pend = 0;
	if (nm->pend.cp == '\n')
		text_index_line(t, &nm->ix, o, (const char *)nm->in, nm->len);
}

/* Output byte j of a copied stretch came from input byte a + j. */
static void fill_map(uint32_t *start, uint32_t *end, size_t n, uint32_t a)
{
	size_t j = 0;
#ifdef __SSE2__
	__m128i v = _mm_set_epi32((int)a + 3, (int)a + 2, (int)a + 1, (int)a);
	const __m128i one = _mm_set1_epi32(1), four = _mm_set1_epi32(4);

	for (; j + 4 <= n; j += 4) {
		_mm_storeu_si128((__m128i *)(void *)(start + j), v);
		_mm_storeu_si128((__m128i *)(void *)(end + j), _mm_add_epi32(v, one));
		v = _mm_add_epi32(v, four);
	}
#endif
	for (; j < n; j++) {
		start[j] = a + (uint32_t)j;
		end[j] = a + (uint32_t)j + 1;
	}
}

/* What a word of the chunk says about it. w is the word in the output. */
static void chunk_word(struct chunk *c, const char *w, size_t n, int k,
		       int first)
{
	int bar;

	if (!(k & C_DIGIT)) {
		/* A lone letter neither ends a number run nor counts in one:
		 * spaced letters may make it part of a digit word ("1 2 f i v
		 * e" is "1 2 5"), and four of them make the component hot. */
		bar = n > 1 && !number_word(w, n);
		if (!bar && n > 1) {
			c->numberish++;
			if (c->hot < HOT_NUMWORD)
				c->hot = HOT_NUMWORD;
		}
	} else if (!(k & C_ALPHA)) {
		bar = 0;
		c->numberish++;
	} else {
		bar = 1;
		if (mixed_fires(w, n))
			c->hot = HOT_UNITS;
	}
	if (first)
		c->bar_first = bar;
	c->bar_last = bar;
}

/* The end of the chunk at in[a]: its first whitespace or control byte
 * (C_WS), or n. Chunks of other scripts run long (Thai has no spaces), and
 * a byte at a time this was 3 instructions a byte of mixed-script text. */
static size_t chunk_end(const unsigned char *in, size_t n, size_t a)
{
	size_t e = a;
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F);
	unsigned m;

	for (; e + 16 <= n; e += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + e));

		/* v <= 0x20 unsigned, or DEL */
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			_mm_cmpeq_epi8(_mm_min_epu8(v, sp), v),
			_mm_cmpeq_epi8(v, del)));
		if (m)
			return e + (size_t)__builtin_ctz(m);
	}
#endif
	while (e < n && !(cls[in[e]] & C_WS))
		e++;
	return e;
}

static int fold_chunk(struct norm *nm, size_t a, struct chunk *c);

/* Scans the chunk at in[a], writing it lowercased to the output with its
 * words indexed, and classifies it. Stops writing at a non-ASCII byte:
 * such a chunk is folded whole by fold_chunk, or failing that takes the
 * unit path, and the component rolls back. */
static int scan_chunk(struct norm *nm, size_t a, struct chunk *c)
{
	const unsigned char *in = nm->in;
	struct lw_text *t = nm->t;
	size_t i = a, n = nm->len, w, o, lone_end = (size_t)-1;
	size_t nwords, nsents, nparas;
	struct text_index_state ix;
	char *out;
	int k, seen = 0, words = 0, rc;

	c->a = a;
	c->hot = HOT_NONE;
	c->numberish = 0;
	c->lone_first = c->bar_first = c->bar_last = 0;
	if (nm->has_pend)
		put_space(nm);
	o = t->len;
	/* The words indexed before a non-ASCII byte turns up are taken back. */
	nwords = t->nwords;
	nsents = t->nsents;
	nparas = t->nparas;
	ix = nm->ix;
	out = t->buf + o;               /* out[i - a] is the output of in[i] */
	while (i < n) {
		k = cls[in[i]];
		if (!(k & (C_ALPHA | C_DIGIT))) {
			if (k & (C_WS | C_HIGH))
				break;
			seen |= k;
			out[i - a] = (char)in[i];
			i++;
			continue;
		}
		w = i;
		do {
			out[i - a] = (char)lower[in[i]];
			k |= cls[in[i]];
			i++;
		} while (i < n && (cls[in[i]] & (C_ALPHA | C_DIGIT)));
		seen |= k;
		chunk_word(c, out + (w - a), i - w, k, !words);
		if (i - w == 1 && (k & C_ALPHA)) {
			/* "t.e.l.e": lone letters one separator apart */
			if (w > a && lone_end + 1 == w && (cls[in[w - 1]] & C_SP2))
				c->hot = HOT_UNITS;
			lone_end = i;
			if (w == a)
				c->lone_first = 1;
		}
		text_index_word(t, &nm->ix, (uint32_t)(o + w - a),
				(uint32_t)(o + i - a));
		words++;
	}
	if (i < n && (cls[in[i]] & C_HIGH)) {
		t->nwords = nwords;
		t->nsents = nsents;
		t->nparas = nparas;
		nm->ix = ix;
		rc = fold_chunk(nm, a, c);
		if (rc)
			return rc < 0 ? -1 : 0;
		i = chunk_end(in, n, i);
		c->hot = HOT_UNITS;
	}
	c->b = i;
	c->lone_last = lone_end == i;
	if ((seen & C_LEET) && (seen & (C_ALPHA | C_ATS)) &&
	    c->hot != HOT_UNITS && leet_fires(in + a, i - a))
		c->hot = HOT_UNITS;
	if (c->hot == HOT_UNITS) {
		/* Unknown edges: assume the worst. */
		c->lone_first = c->lone_last = 1;
		c->bar_first = c->bar_last = 0;
		return 0;
	}
	/* As the unit path would, byte by byte. */
	if (nm->budget < i - a)
		return -1;
	fill_map(t->start + o, t->end + o, i - a, (uint32_t)a);
	t->len = o + (i - a);
	nm->budget -= i - a;
	nm->started = 1;
	if (in[i - 1] == '.' || in[i - 1] == '!' || in[i - 1] == '?' ||
	    in[i - 1] == ';')
		nm->ix.new_sent = 1;
	return 0;
}

/* ---- the unit path ------------------------------------------------------- */

/* The Latin and the Cyrillic or Greek letters of in[i..j), a run of bytes
 * >= 0x80, counted as text_script_count counts its units, straight from
 * the fold cache. Returns -1 when a character there does not fold to one
 * or two BMP characters (marks that attach, whitespace, emoji, invalid
 * UTF-8):
 * then only units_add can say. */
static int run_script_count(const unsigned char *in, size_t n, size_t i,
			    size_t j, size_t *latin, size_t *other)
{
	size_t len, bad, l = 0, o = 0;
	uint32_t cp, e;

	for (; i < j; i += len) {
		len = text_utf8_decode(in + i, n - i, &cp, &bad);
		if (!len || cp >= 0x10000)
			return -1;
		e = text_fold_entry(cp);
		if (!(e & 1))
			return -1;
		l += text_is_latin(e >> 8);
		o += text_is_cyrillic_greek(e >> 8);
		if (e & 4) {
			l += text_is_latin(text_fold_second(cp));
			o += text_is_cyrillic_greek(text_fold_second(cp));
		}
	}
	*latin = l;
	*other = o;
	return 0;
}

/* Whether the whole document is mostly Latin, for the look-alike pass;
 * counted once, from the document's units. */
static int doc_mostly_latin(void *arg)
{
	struct norm *nm = arg;
	struct units all = { NULL, 0, 0, (size_t)-1 };
	const unsigned char *in = nm->in;
	size_t latin = 0, other = 0, l, o, repaired = 0, i = 0, j;

	if (nm->mostly_latin >= 0)
		return nm->mostly_latin;
	/* An ASCII byte is a unit of its own (a letter folds to a Latin
	 * one), and no UTF-8 sequence or mark reaches across it, so only
	 * the runs of other bytes need folding to be counted. */
	while (i < nm->len) {
		if (in[i] < 0x80) {
			latin += (cls[in[i]] & C_ALPHA) != 0;
			i++;
			continue;
		}
		for (j = i; j < nm->len && in[j] >= 0x80; j++)
			;
		if (run_script_count(in, nm->len, i, j, &l, &o) < 0) {
			all.n = 0;
			units_add(&all, in, i, j, nm->len, &repaired);
			text_script_count(all.u, all.n, &l, &o);
		}
		latin += l;
		other += o;
		i = j;
	}
	units_release(&all);
	nm->mostly_latin = latin > 4 * other;
	return nm->mostly_latin;
}

static size_t utf8_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static size_t encode(uint32_t cp, char *p)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (char)(0xC0 | cp >> 6);
		p[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (char)(0xE0 | cp >> 12);
		p[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		p[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (char)(0xF0 | cp >> 18);
	p[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	p[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	p[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Writes units u[0..n) to the output. */
static void serialize(struct norm *nm, const struct text_unit *u, size_t n,
		      size_t rest)
{
	struct lw_text *t = nm->t;
	size_t i, k, m, bytes = 0, o;

	for (i = 0; i < n; i++)
		bytes += utf8_len(u[i].cp);
	reserve(t, t->len + bytes + rest);
	o = t->len;
	for (i = 0; i < n; i++) {
		m = encode(u[i].cp, t->buf + o);
		for (k = 0; k < m; k++) {
			t->start[o + k] = u[i].start;
			t->end[o + k] = u[i].end;
		}
		o += m;
	}
	t->len = o;
}

/* ---- chunks of other scripts -------------------------------------------- */

/* Private flags of the units fold_chunk makes: part of a word as the
 * passes see words (letters, marks, digits of other scripts), or a
 * separator between spaced letters. */
#define U_WORD 0x40u
#define U_SEP 0x80u

/* Appends the unit f from in[i..i + len) with the upper-case flag fl;
 * returns 1 when fold_units must give up on it. */
static inline __attribute__((always_inline)) int
fold_unit(struct units *us, uint32_t f, uint32_t fl, size_t i, size_t len,
	  size_t *bytes, int *cyrgreek)
{
	struct text_unit *x;
	utf8proc_category_t cat;
	int k;

	if (f < 0x80) {
		k = cls[f];
		if (k & (C_WS | C_DIGIT | C_LEET))
			return 1;
		fl |= k & C_ALPHA ? U_WORD : k & C_SP2 ? U_SEP : 0;
	} else {
		if (f == 0xB7 || f == 0x2022 || f >= 0x10000)
			return 1;
		*cyrgreek |= (f >= 0x370 && f <= 0x52F) || (f >= 0x1F00 && f <= 0x1FFF);
		cat = text_category(f);
		if ((cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME) ||
		    cat == UTF8PROC_CATEGORY_ND)
			fl |= U_WORD;
	}
	x = &us->u[us->n++];
	x->cp = f;
	x->start = (uint32_t)i;
	x->end = (uint32_t)(i + len);
	x->flags = (uint8_t)fl;
	*bytes += utf8_len(f);
	return 0;
}

/* Folds the chunk in[a..) into nm->us, its units as units_add would make
 * them, with U_WORD or U_SEP in the flags; sets *b to the chunk's end and
 * *bytes to the length of its folded form. Returns 1 instead at the first
 * character that the chunk-level test in fold_chunk cannot vouch for:
 * invalid UTF-8; a character that folds to none or more than two, attaches
 * to the one before, reads as whitespace or lies outside the BMP; a digit
 * or one of ! @ $ (leetspeak and digit words look at those); the
 * spaced-letter separators U+00B7 and U+2022. *cyrgreek says whether a unit is in the
 * Cyrillic or Greek blocks, where look-alikes are. */
static int fold_units(struct norm *nm, size_t a, size_t *b, size_t *bytes,
		      int *cyrgreek)
{
	const unsigned char *in = nm->in;
	struct units *us = &nm->us;
	size_t i, e, n = nm->len, len, bad, sum = 0;
	uint32_t cp, fl, fe;
	int cg = 0;

	e = chunk_end(in, n, a);
	/* A unit per byte at most: a character folds to two at most, and
	 * one that does is two bytes long at least. */
	if (us->cap < e - a) {
		us->cap = e - a + 256;
		us->u = xreallocarray(us->u, us->cap, sizeof(*us->u));
	}
	us->n = 0;
	for (i = a; i < e; i += len) {
		if (in[i] < 0x80) {
			len = 1;
			fl = in[i] >= 'A' && in[i] <= 'Z' ? TEXT_UNIT_UPPER : 0;
			if (fold_unit(us, lower[in[i]], fl, i, len, &sum, &cg))
				return 1;
			continue;
		}
		len = text_utf8_decode(in + i, n - i, &cp, &bad);
		if (!len || cp >= 0x10000)
			return 1;
		fe = text_fold_entry(cp);
		if (!(fe & 1))
			return 1;
		fl = fe >> 1 & 1 ? TEXT_UNIT_UPPER : 0;
		if (fold_unit(us, fe >> 8, fl, i, len, &sum, &cg) ||
		    ((fe & 4) && fold_unit(us, text_fold_second(cp), fl, i, len,
					   &sum, &cg)))
			return 1;
	}
	*b = e;
	*bytes = sum;
	*cyrgreek = cg;
	return 0;
}

/* Writes the units u[0..m) of a chunk that fold_chunk took, bytes long
 * when encoded, keeping room for rest more, and indexes its words as
 * text_index_feed would index those bytes: a chunk holds no line break,
 * and whitespace or the end of the text comes after it. */
static void put_folded(struct norm *nm, const struct text_unit *u, size_t m,
		       size_t bytes, size_t rest)
{
	struct lw_text *t = nm->t;
	size_t i, k, len, o;
	int wc, in_word = 0;

	reserve(t, t->len + bytes + rest);
	o = t->len;
	for (i = 0; i < m; i++) {
		len = encode(u[i].cp, t->buf + o);
		for (k = 0; k < len; k++) {
			t->start[o + k] = u[i].start;
			t->end[o + k] = u[i].end;
		}
		wc = text_word_class(u[i].cp);
		if (wc == 1 && in_word)
			t->word_end[t->nwords - 1] = (uint32_t)(o + len);
		else if (wc)
			text_index_word(t, &nm->ix, (uint32_t)o, (uint32_t)(o + len));
		else if (text_ends_sentence(u[i].cp, i + 1 < m ? u[i + 1].cp : 0))
			nm->ix.new_sent = 1;
		in_word = wc == 1;
		o += len;
	}
	t->len = o;
}

/* The word u[0..n) as chunk_word sees an ASCII one: a number word, or
 * one that bars number runs. */
static void fold_word_class(struct chunk *c, const struct text_unit *u,
			    size_t n, int first)
{
	char w[8];
	size_t i;

	for (i = 0; i < n && i < sizeof(w) && u[i].cp < 0x80; i++)
		w[i] = (char)u[i].cp;
	if (i == n) {
		chunk_word(c, w, n, C_ALPHA, first);
		return;
	}
	/* Longer than any number word, or not ASCII, which none is. */
	if (first)
		c->bar_first = 1;
	c->bar_last = 1;
}

/* Takes the chunk at in[a], which holds characters other than ASCII, when
 * no pass could rewrite anything inside it: its units are what fold_units
 * vouches for, no two lone letters stand one separator apart, and no word
 * takes Latin look-alikes. Then it writes the chunk's folding, as the unit
 * path would, and describes the chunk in *c as scan_chunk describes an
 * ASCII one, so that what could reach across the whitespace around it
 * (spaced letters, number runs) is still seen. Returns 1 when it took the
 * chunk, 0 when the chunk must take the unit path (nothing written), -1
 * when the output overflows. */
static int fold_chunk(struct norm *nm, size_t a, struct chunk *c)
{
	const struct text_unit *u;
	size_t b, bytes, i, w, m, lone_end = (size_t)-1;
	int first = 1, cyrgreek;

	if (fold_units(nm, a, &b, &bytes, &cyrgreek))
		return 0;
	u = nm->us.u;
	m = nm->us.n;
	c->numberish = 0;
	c->hot = HOT_NONE;
	c->lone_first = c->bar_first = c->bar_last = 0;
	for (i = 0; i < m;) {
		if (!(u[i].flags & U_WORD)) {
			i++;
			continue;
		}
		for (w = i; i < m && (u[i].flags & U_WORD); i++)
			;
		if (i - w == 1) {
			if (w > 0 && lone_end + 1 == w && (u[w - 1].flags & U_SEP))
				return 0;
			lone_end = i;
			c->lone_first |= w == 0;
		}
		fold_word_class(c, u + w, i - w, first);
		first = 0;
	}
	c->lone_last = lone_end == m;
	if (cyrgreek && text_lookalike_fires(u, m, doc_mostly_latin, nm))
		return 0;
	if (nm->budget < bytes)
		return -1;
	put_folded(nm, u, m, bytes, nm->len - b + 1);
	nm->budget -= bytes;
	nm->started = 1;
	c->a = a;
	c->b = b;
	return 1;
}

/* Runs the chunks in[a..b) of one component, and the whitespace between
 * them, through the unit path. The pending space, if any, goes in first so
 * that whitespace the chunks open with (an emoji reads as a space)
 * collapses into it; a space the component ends with stays pending. */
static int unit_path(struct norm *nm, size_t a, size_t b)
{
	struct units *us = &nm->us;
	size_t n, from = nm->t->len;

	us->n = 0;
	us->budget = nm->budget;
	if (nm->has_pend) {
		if (!us->cap) {
			us->cap = 256;
			us->u = xreallocarray(NULL, us->cap, sizeof(*us->u));
		}
		us->u[us->n++] = nm->pend;
		nm->has_pend = 0;
	}
	if (units_add(us, nm->in, a, b, nm->len, &nm->repaired) < 0)
		return -1;
	nm->budget = us->budget;
	n = text_deobfuscate_part(us->u, us->n, doc_mostly_latin, nm);
	if (n && (us->u[n - 1].cp == ' ' || us->u[n - 1].cp == '\n')) {
		nm->pend = us->u[--n];
		nm->has_pend = 1;
	}
	if (!n)
		return 0;
	nm->started = 1;
	serialize(nm, us->u, n, nm->len - b + 1);
	text_index_feed(nm->t, &nm->ix, from, (const char *)nm->in, nm->len);
	return 0;
}

/* ---- components ---------------------------------------------------------- */

struct component {
	size_t a;               /* input offset of its first chunk */
	const struct mark *m;   /* the output before it */
	int hot;                /* something can fire: take the unit path */
	int numword;            /* holds a digit word */
	int numberish;
	int chain;              /* spaced-letter links in a row */
};

static void comp_start(struct component *cp, const struct mark *m,
		       const struct chunk *c)
{
	cp->a = c->a;
	cp->m = m;
	cp->hot = c->hot == HOT_UNITS;
	cp->numword = c->hot == HOT_NUMWORD;
	cp->numberish = c->numberish;
	cp->chain = 0;
}

/* Whether a pass could reach from chunk p across the whitespace
 * in[p->b .. c->a) into chunk c; adds c to the component when it could. */
static int comp_link(struct component *cp, const struct chunk *p,
		     const struct chunk *c, int nl)
{
	int spaced, number;

	/* A spaced-letter run crosses one space, never two or a line. */
	spaced = c->a - p->b == 1 && !nl && p->lone_last && c->lone_first;
	/* A number run crosses spaces, not lines, and an ordinary word ends it. */
	number = !nl && !p->bar_last && !c->bar_first;
	if (!spaced && !number)
		return 0;
	cp->hot |= c->hot == HOT_UNITS;
	cp->numword |= c->hot == HOT_NUMWORD;
	cp->numberish += c->numberish;
	cp->chain = spaced ? cp->chain + 1 : 0;
	/* Spaced letters need four in a row; a number run needs three
	 * numbers, one of them a word. */
	if (cp->chain >= 3 || (cp->numword && cp->numberish >= 3))
		cp->hot = 1;
	return 1;
}

/* Whether something fires in the component: then it takes the unit path. */
static int comp_fires(const struct component *cp)
{
	return cp->hot || (cp->numword && cp->numberish >= 3);
}

static int comp_finish(struct norm *nm, struct component *cp, size_t b)
{
	if (!comp_fires(cp))
		return 0;
	restore(nm, cp->m);
	return unit_path(nm, cp->a, b);
}

/* Skips the whitespace at in[i], saying in *nl whether it breaks a line. */
static size_t skip_space(const unsigned char *in, size_t i, size_t n, int *nl)
{
	int k = 0;

	while (i < n && (cls[in[i]] & C_WS))
		k |= cls[in[i++]];
	*nl = k & C_NL;
	return i;
}

#define BULK_MIN 16

/* Where a byte other than ASCII, which is trouble to the bulk path, lies
 * within BULK_MIN bytes of in[p], or where the text ends there; (size_t)-1
 * when neither. The first trouble is then no later, so try_bulk turns the
 * stretch down as it would with bulk_trouble's answer (and for every chunk
 * up to it, which the answer is kept for); in text of other scripts that
 * answer came a word at a time, two 16-byte blocks classified each. */
static size_t high_soon(const unsigned char *in, size_t n, size_t p)
{
	size_t k;

#ifdef __SSE2__
	if (p + 16 <= n && BULK_MIN == 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_loadu_si128((const __m128i *)(const void *)(in + p)));

		return m ? p + (size_t)__builtin_ctz(m) : (size_t)-1;
	}
#endif
	for (k = 0; k < BULK_MIN && p + k < n; k++)
		if (in[p + k] >= 0x80)
			return p + k;
	return k < BULK_MIN ? n : (size_t)-1;
}

/* Offers the chunks from p, after the pending whitespace in[q..p), to the
 * bulk path (normbulk.c). When it takes a stretch, the component before
 * it is finished, the stretch is written, and *c describes it as one chunk
 * that opens a new component with the mark m before it (should a chunk
 * after it link to it, the unit path takes the stretch again, which is
 * right if slow). Returns 1 then, 0 when the chunk at p is for scan_chunk,
 * -1 when the output overflows. */
static int try_bulk(struct norm *nm, struct component *comp,
		    const struct chunk *prev, struct chunk *c, struct mark *m,
		    size_t q, size_t p, int nl)
{
	const unsigned char *in = nm->in;
	size_t n = nm->len, e, r, before;
	int lone_before = !nl && p - q == 1 && prev->lone_last;

	if (p > nm->tr_at || p < nm->tr_from) {
		nm->tr_from = p;
		nm->tr_at = high_soon(in, n, p);
		if (nm->tr_at == (size_t)-1)
			nm->tr_at = bulk_trouble(in, n, p);
	}
	/* A few bytes short of trouble, the chunk path is as quick. */
	if (nm->tr_at - p < BULK_MIN)
		return 0;
	e = bulk_end(in, n, p, nm->tr_at, lone_before);
	if (e == p)
		return 0;
	if (comp_fires(comp) &&
	    (comp_finish(nm, comp, prev->b) < 0 || add_space(nm, q, p, nl) < 0))
		return -1;
	save(nm, m);
	for (;;) {
		if (nm->has_pend)
			put_space(nm);
		before = nm->t->len;
		r = bulk_emit(nm->t, &nm->ix, in, n, p, e);
		if (r == BULK_DONE)
			break;
		/* A number word: the stretch ends before its chunk. The first
		 * chunk has none, so something is left. */
		restore(nm, m);
		e = bulk_end(in, n, p, r, lone_before);
	}
	/* Any path writes the same bytes here, so running short now is
	 * running short. */
	if (nm->t->len - before > nm->budget)
		return -1;
	nm->budget -= nm->t->len - before;
	nm->started = 1;
	c->a = p;
	c->b = e;
	c->hot = HOT_NONE;
	c->numberish = 0;
	c->bar_first = c->bar_last = 1;
	c->lone_first = bulk_lone_letter(in, n, p);
	c->lone_last = bulk_lone_letter(in, n, e - 1);
	comp_start(comp, m, c);
	return 1;
}

static int run(struct norm *nm)
{
	const unsigned char *in = nm->in;
	size_t n = nm->len, p, q;
	struct component comp;
	/* Two chunks, the previous and the current, swapped rather than
	 * copied: a copy would wait on the stores that just filled them. */
	struct chunk chunks[2], *prev = &chunks[0], *cur = &chunks[1], *tmp;
	/* The mark before the current component, and one for the chunk being
	 * read, which may start the next. */
	struct mark marks[2], *m;
	int nl, rc;

	p = skip_space(in, 0, n, &nl);
	if (p == n)
		return 0;
	save(nm, &marks[0]);
	if (scan_chunk(nm, p, prev) < 0)
		return -1;
	comp_start(&comp, &marks[0], prev);
	for (;;) {
		q = prev->b;
		p = skip_space(in, q, n, &nl);
		if (p == n)
			break;
		if (add_space(nm, q, p, nl) < 0)
			return -1;
		m = comp.m == &marks[0] ? &marks[1] : &marks[0];
		rc = try_bulk(nm, &comp, prev, cur, m, q, p, nl);
		if (rc < 0)
			return -1;
		if (rc)
			goto next;
		save(nm, m);
		if (scan_chunk(nm, p, cur) < 0)
			return -1;
		if (!comp_link(&comp, prev, cur, nl)) {
			if (comp_fires(&comp)) {
				if (comp_finish(nm, &comp, prev->b) < 0 ||
				    add_space(nm, q, p, nl) < 0)
					return -1;
				save(nm, m);
				if (scan_chunk(nm, p, cur) < 0)
					return -1;
			}
			comp_start(&comp, m, cur);
		}
next:
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	return comp_finish(nm, &comp, prev->b);
}

int text_normalize(const char *in, size_t len, struct lw_text *t,
		   struct lw_error *err)
{
	struct norm nm;
	int rc = -1;

	memset(&nm, 0, sizeof(nm));
	if (len > TEXT_MAX_INPUT) {
		lw_error_set(err, "document of %zu bytes exceeds the %u byte limit",
			     len, TEXT_MAX_INPUT);
		goto out;
	}
	nm.in = (const unsigned char *)in;
	nm.len = len;
	nm.t = t;
	nm.budget = len * TEXT_OUT_FACTOR + TEXT_OUT_SLACK;
	nm.mostly_latin = -1;
	/* The fast path writes at most a byte per input byte; the unit path
	 * reserves more when it expands. */
	reserve(t, len + 1);
	t->len = 0;
	text_index_start(t, &nm.ix);
	if (run(&nm) < 0) {
		t->len = 0;
		t->buf[0] = '\0';
		t->nwords = t->nsents = t->nparas = 0;
		lw_error_set(err, "document of %zu bytes expands beyond %zu bytes "
			     "when normalised", len, len * TEXT_OUT_FACTOR + TEXT_OUT_SLACK);
		goto out;
	}
	t->buf[t->len] = '\0';
	t->repaired = nm.repaired;
	rc = 0;
out:
	units_release(&nm.us);
	return rc;
}

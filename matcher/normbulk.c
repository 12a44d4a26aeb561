/* SPDX-License-Identifier: MIT */
/* The bulk path of text_normalize: stretches of ordinary ASCII prose copied
 * sixteen bytes at a time, lowercased, with the offset map and the word
 * index filled from bit masks.
 *
 * Why copying is right. The chunk path (normalize.c) reads a chunk at a
 * time and hands a chunk to the unit path only if a pass could fire in it,
 * or in it and its neighbours: leetspeak and "5five5" need a digit or one
 * of ! @ $ inside a word, look-alikes and folding need non-ASCII, spaced
 * letters need two lone letters one separator apart, and number runs need
 * three numbers in a row, one of them a digit word. A stretch has none of
 * these inside (bulk_trouble and the number-word check in bulk_emit), so
 * nothing fires within it; its first and last chunks are letter chunks
 * whose edge words are ordinary words, so no number run crosses its ends;
 * and a spaced-letter run could only cross one into a lone letter one byte
 * away, which bulk_end rules out at the start and the chunk path checks at
 * the end, where the stretch stands as one chunk. */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "normbulk.h"

/* ---- byte classes -------------------------------------------------------- */

enum {
	B_W = 1,        /* whitespace or control */
	B_NL = 2,       /* a line break */
	B_A = 4,        /* ASCII letter */
	B_D = 8,        /* digit */
	B_UP = 16,      /* capital */
	B_HI = 32,      /* not ASCII */
	B_BANG = 64,    /* '!' */
	B_ATS = 128     /* '@' '$' */
};

#define BC(c) ((c) <= 0x20 || (c) == 0x7F ? \
		B_W | ((c) >= 0x0A && (c) <= 0x0D ? B_NL : 0) : \
	(c) >= 0x80 ? B_HI : \
	(c) >= 'A' && (c) <= 'Z' ? B_A | B_UP : \
	(c) >= 'a' && (c) <= 'z' ? B_A : \
	(c) >= '0' && (c) <= '9' ? B_D : \
	(c) == '!' ? B_BANG : \
	(c) == '@' || (c) == '$' ? B_ATS : 0)
#define R4(f, b) f(b), f(b + 1), f(b + 2), f(b + 3)
#define R16(f, b) R4(f, b), R4(f, b + 4), R4(f, b + 8), R4(f, b + 12)
#define R64(f, b) R16(f, b), R16(f, b + 16), R16(f, b + 32), R16(f, b + 48)
#define R256(f) R64(f, 0), R64(f, 64), R64(f, 128), R64(f, 192)

static const unsigned char bc[256] = { R256(BC) };

/* Sixteen bytes as bit masks, bit j for byte j. sep: . ? ; ! which end a
 * sentence when whitespace follows. */
struct cls16 {
	uint32_t w, nl, a, d, up, hi, bang, ats, sep;
};

static unsigned ctz32(uint32_t x)
{
	return (unsigned)__builtin_ctz(x);
}

static unsigned ctz64(uint64_t x)
{
	return (unsigned)__builtin_ctzll(x);
}

/* Sixteen readable bytes at in[i]: the input itself, or a copy padded with
 * spaces at the end of the document. */
static const unsigned char *load16(const unsigned char *in, size_t n, size_t i,
				   unsigned char *tmp)
{
	if (i + 16 <= n)
		return in + i;
	memset(tmp, ' ', 16);
	memcpy(tmp, in + i, n - i);
	return tmp;
}

/* Classifies p[0..16); when out is given, also writes the bytes there as
 * the text has them: letters lowercased, whitespace ' ' or '\n'. */
static inline __attribute__((always_inline)) void
classify(const unsigned char *p, struct cls16 *c, unsigned char *out)
{
#ifdef __SSE2__
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
#define RANGE(lo, hi) _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)((lo) - 1))), \
				    _mm_cmplt_epi8(v, _mm_set1_epi8((char)((hi) + 1))))
#define EQ(x) _mm_cmpeq_epi8(v, _mm_set1_epi8((char)(x)))
#define MASK(x) ((uint32_t)_mm_movemask_epi8(x))
	__m128i w = _mm_or_si128(RANGE(0, 0x20), EQ(0x7F));
	__m128i nl = RANGE(0x0A, 0x0D);
	__m128i up = RANGE('A', 'Z');
	__m128i lo = RANGE('a', 'z');

	c->w = MASK(w);
	c->nl = MASK(nl);
	c->up = MASK(up);
	c->a = c->up | MASK(lo);
	c->d = MASK(RANGE('0', '9'));
	c->hi = MASK(v);
	c->bang = MASK(EQ('!'));
	c->ats = MASK(_mm_or_si128(EQ('@'), EQ('$')));
	c->sep = c->bang | MASK(_mm_or_si128(_mm_or_si128(EQ('.'), EQ('?')), EQ(';')));
	if (out) {
		__m128i low = _mm_add_epi8(v, _mm_and_si128(up, _mm_set1_epi8(0x20)));
		__m128i sp = _mm_or_si128(_mm_and_si128(nl, _mm_set1_epi8('\n')),
					  _mm_andnot_si128(nl, _mm_set1_epi8(' ')));

		low = _mm_or_si128(_mm_andnot_si128(w, low), _mm_and_si128(w, sp));
		_mm_storeu_si128((__m128i *)(void *)out, low);
	}
#undef RANGE
#undef EQ
#undef MASK
#else
	unsigned j;

	memset(c, 0, sizeof(*c));
	for (j = 0; j < 16; j++) {
		unsigned k = bc[p[j]];

		c->w |= (uint32_t)!!(k & B_W) << j;
		c->nl |= (uint32_t)!!(k & B_NL) << j;
		c->a |= (uint32_t)!!(k & B_A) << j;
		c->up |= (uint32_t)!!(k & B_UP) << j;
		c->d |= (uint32_t)!!(k & B_D) << j;
		c->hi |= (uint32_t)!!(k & B_HI) << j;
		c->bang |= (uint32_t)!!(k & B_BANG) << j;
		c->ats |= (uint32_t)!!(k & B_ATS) << j;
		c->sep |= (uint32_t)(p[j] == '.' || p[j] == '?' || p[j] == ';' ||
				     p[j] == '!') << j;
		if (out)
			out[j] = (unsigned char)(k & B_W ? (k & B_NL ? '\n' : ' ') :
						 k & B_UP ? p[j] + 32 : p[j]);
	}
#endif
}

/* ---- number words ------------------------------------------------------- */

/* The words deobfuscate.c reads as numbers, and "double"/"triple", as
 * little-endian integers of their bytes, placed by (key * MAGIC) >> 59;
 * the multiplier was searched for to place all 23 apart. */
#define MAGIC 0x54c04f960320e841ull

/* Empty slots hold a key no word has (its bytes are not letters). */
#define E 0xFFFFFFFFFFFFFFFFull

static const uint64_t number_keys[32] = {
	E, E, 0x000000657665756eull, E,
	0x000000006f726563ull, 0x0000006e65766573ull, 0x0000006f636e6963ull,
	0x0000000000736f64ull, 0x0000000000786973ull, 0x00000000006f7774ull,
	0x0000000072756f66ull, E, 0x0000006565726874ull, E,
	0x00006f7274617563ull, 0x000000006f68636full, 0x0000000065766966ull,
	0x0000006574656973ull, 0x0000656c62756f64ull, 0x0000656c70697274ull,
	E, 0x00000000656e696eull, 0x0000007468676965ull, 0x000000006f72657aull,
	0x0000000000656e6full, E, 0x0000000073657274ull, 0x000000000000686full,
	0x00000000006f6e75ull, E, E, 0x0000000073696573ull,
};
#undef E

/* The bytes of a word of len letters; none for lengths no number word has,
 * so that the key is 0 and lands on an empty slot. */
static const uint64_t len_mask[9] = {
	0, 0, 0xFFFFull, 0xFFFFFFull, 0xFFFFFFFFull, 0xFFFFFFFFFFull,
	0xFFFFFFFFFFFFull, 0, 0,
};

/* The first three letters of the number words, case folded by & 31: the
 * third letters allowed after each pair, as bits. Nearly all words of
 * prose fail this and need no more. Bytes other than letters alias
 * letters here, which only lets more through. */
#define P(a, b) (((a) & 31) << 5 | ((b) & 31))
#define L(c) (1u << ((c) & 31))

static const uint32_t third_letters[1024] = {
	[P('z', 'e')] = L('r'), [P('o', 'h')] = 0xFFFFFFFFu,
	[P('o', 'n')] = L('e'), [P('t', 'w')] = L('o'),
	[P('t', 'h')] = L('r'), [P('f', 'o')] = L('u'),
	[P('f', 'i')] = L('v'), [P('s', 'i')] = L('x') | L('e'),
	[P('s', 'e')] = L('v') | L('i'), [P('e', 'i')] = L('g'),
	[P('n', 'i')] = L('n'), [P('n', 'u')] = L('e'),
	[P('c', 'e')] = L('r'), [P('c', 'u')] = L('a'),
	[P('c', 'i')] = L('n'), [P('u', 'n')] = L('o'),
	[P('d', 'o')] = L('s') | L('u'), [P('t', 'r')] = L('e') | L('i'),
	[P('o', 'c')] = L('h'),
};
#undef P
#undef L

/* The eight bytes at in[s] as a little-endian integer, zeros past n. */
static inline uint64_t load8(const unsigned char *in, size_t n, size_t s)
{
	uint64_t x = 0;
	size_t k, m = n - s < 8 ? n - s : 8;

	if (m == 8) {
		memcpy(&x, in + s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		x = __builtin_bswap64(x);
#endif
	} else {
		for (k = 0; k < m; k++)
			x |= (uint64_t)in[s + k] << (8 * k);
	}
	return x;
}

/* 1 when the letters at in[s] (up to the first non-letter) are a number
 * word, in any case; it runs for every word of a stretch. */
static inline int number_word_at(const unsigned char *in, size_t n, size_t s)
{
	const uint64_t H = 0x8080808080808080ull;
	uint64_t x = load8(in, n, s), y, b, let, non, key;

	if (!(third_letters[(x & 31) << 5 | (x >> 8 & 31)] >> (x >> 16 & 31) & 1))
		return 0;
	y = x | 0x2020202020202020ull;
	b = y & 0x7F7F7F7F7F7F7F7Full;
	let = ((b | H) - 0x6161616161616161ull) & (0xFAFAFAFAFAFAFAFAull - b) & ~y & H;
	non = ~let & H;
	key = y & len_mask[non ? ctz64(non) >> 3 : 8];
	return number_keys[(key * MAGIC) >> 59] == key;
}

/* ---- finding the end of a stretch --------------------------------------- */

int bulk_lone_letter(const unsigned char *in, size_t n, size_t i)
{
	return (bc[in[i]] & B_A) && (i == 0 || !(bc[in[i - 1]] & (B_A | B_D))) &&
	       (i + 1 == n || !(bc[in[i + 1]] & (B_A | B_D)));
}

/* 1 when the chunk around the digit in[pos] holds a letter; *checked is
 * set to its end, so its other digits are not looked at again. */
static int mixed_chunk(const unsigned char *in, size_t n, size_t pos,
		       size_t *checked)
{
	size_t s = pos, e = pos + 1;
	int letter = 0;

	while (s > 0 && !(bc[in[s - 1]] & B_W))
		letter |= bc[in[--s]] & B_A;
	while (e < n && !(bc[in[e]] & B_W))
		letter |= bc[in[e++]] & B_A;
	*checked = e;
	return letter;
}

size_t bulk_trouble(const unsigned char *in, size_t n, size_t p)
{
	unsigned char tmp[16];
	struct cls16 prev, cur;
	uint64_t ca = 0, cad = 0;       /* the byte before the block */
	size_t i = p, checked = p;

	if (p >= n)
		return n;
	classify(load16(in, n, i, tmp), &prev, NULL);
	for (;;) {
		int more = i + 16 < n;
		uint64_t a, ad, d, lone, tr, dm;

		if (more) {
			classify(load16(in, n, i + 16, tmp), &cur, NULL);
		} else {
			memset(&cur, 0, sizeof(cur));
			cur.w = 0xFFFF;
		}
		/* bit 0 is byte i - 1, bits 1..16 the block, 17..32 the next */
		a = ca | (uint64_t)prev.a << 1 | (uint64_t)cur.a << 17;
		ad = cad | (uint64_t)(prev.a | prev.d) << 1 |
		     (uint64_t)(cur.a | cur.d) << 17;
		d = (uint64_t)prev.d << 1 | (uint64_t)cur.d << 17;
		lone = a & ~(ad << 1) & ~(ad >> 1);
		tr = (uint64_t)prev.hi << 1 | (lone & lone >> 2) |
		     ((uint64_t)prev.bang << 1 & a >> 1) |
		     ((uint64_t)prev.ats << 1 & ~(d >> 1));
		tr &= 0x1FFFEull;
		dm = (uint64_t)prev.d << 1;
		if (tr)
			dm &= (tr & -tr) - 1;
		while (dm) {
			size_t pos = i + ctz64(dm) - 1;

			if (pos >= checked && mixed_chunk(in, n, pos, &checked))
				return pos;
			dm &= dm - 1;
		}
		if (tr)
			return i + ctz64(tr) - 1;
		if (!more)
			return n;
		ca = prev.a >> 15 & 1;
		cad = (prev.a | prev.d) >> 15 & 1;
		prev = cur;
		i += 16;
	}
}

static int has_letter(const unsigned char *in, size_t s, size_t e)
{
	for (; s < e; s++)
		if (bc[in[s]] & B_A)
			return 1;
	return 0;
}

/* Drops chunks from the end of in[p..next) until the last is a letter
 * chunk that no spaced-letter run joins to the chunk at next; the first
 * chunk, ending at f, always stays. */
static size_t trim(const unsigned char *in, size_t n, size_t p, size_t f,
		   size_t next)
{
	size_t e, s;

	for (;;) {
		e = next;
		while (e > p && (bc[in[e - 1]] & B_W))
			e--;
		if (e <= f)
			return f;
		s = e;
		while (s > p && !(bc[in[s - 1]] & B_W))
			s--;
		if (has_letter(in, s, e) &&
		    !(next < n && next - e == 1 && bulk_lone_letter(in, n, e - 1)))
			return e;
		next = s;
	}
}

size_t bulk_end(const unsigned char *in, size_t n, size_t p, size_t trouble,
		int lone_before)
{
	size_t f = p, s, next;
	int letter = 0;

	while (f < n && !(bc[in[f]] & B_W))
		letter |= bc[in[f++]] & B_A;
	if (trouble < f || !letter || (lone_before && bulk_lone_letter(in, n, p)))
		return p;
	for (s = p; s < f; s++)
		if ((bc[in[s]] & B_A) && (s == p || !(bc[in[s - 1]] & B_A)) &&
		    number_word_at(in, n, s))
			return p;
	next = trouble;
	if (next < n)
		while (next > p && !(bc[in[next - 1]] & B_W))
			next--;
	return trim(in, n, p, f, next);
}

/* ---- writing a stretch ---------------------------------------------------- */

/* Output bytes o.. came from input bytes a..: four entries at a time, so
 * up to three past n are written too (BULK_SLACK). */
static void fill_map(uint32_t *start, uint32_t *end, size_t n, uint32_t a)
{
	size_t j = 0;
#ifdef __SSE2__
	__m128i v = _mm_set_epi32((int)a + 3, (int)a + 2, (int)a + 1, (int)a);
	const __m128i one = _mm_set1_epi32(1), four = _mm_set1_epi32(4);

	for (; j < n; j += 4) {
		_mm_storeu_si128((__m128i *)(void *)(start + j), v);
		_mm_storeu_si128((__m128i *)(void *)(end + j), _mm_add_epi32(v, one));
		v = _mm_add_epi32(v, four);
	}
#else
	for (; j < n; j++) {
		start[j] = a + (uint32_t)j;
		end[j] = a + (uint32_t)j + 1;
	}
#endif
}

/* A run of two or more whitespace bytes at in[i] becomes one ' ' or '\n'
 * at t->buf[o]. Returns the input position after it. */
static size_t collapse(struct lw_text *t, int *new_sent, int *new_para,
		       const unsigned char *in, size_t i, size_t o)
{
	size_t r = i;
	int nl = 0;

	while (bc[in[r]] & B_W)
		nl |= bc[in[r++]] & B_NL;
	t->buf[o] = nl ? '\n' : ' ';
	t->start[o] = (uint32_t)i;
	t->end[o] = (uint32_t)r;
	if (nl) {
		*new_sent = 1;
		if (text_blank_line((const char *)in, i, r))
			*new_para = 1;
	}
	return r;
}

size_t bulk_emit(struct lw_text *t, struct text_index_state *st,
		 const unsigned char *in, size_t n, size_t a, size_t b)
{
	unsigned char tmp[16];
	size_t i = a, o = t->len, nw = t->nwords, ne = t->nwords;
	uint32_t in_word = 0, prev_sep = 0;
	/* Held in locals: the text is written through a char pointer, which
	 * may alias anything, so t's fields would be loaded again after it. */
	unsigned char *buf;
	uint32_t *start, *end, *ws, *we;
	int ns = st->new_sent, np = st->new_para;

	while (t->words_cap < nw + (b - a) / 2 + 2)
		text_index_grow_words(t);
	buf = (unsigned char *)t->buf;
	start = t->start;
	end = t->end;
	ws = t->word_start;
	we = t->word_end;
	while (i < b) {
		struct cls16 c;
		size_t m = b - i < 16 ? b - i : 16;
		uint32_t valid = (1u << m) - 1, pairs, ad, sb, xb, ev, seps, hit = 0;
		unsigned stop, s;
		int ends;

		classify(load16(in, n, i, tmp), &c, buf + o);
		/* two whitespace bytes in a row: the map stops being i - o */
		pairs = c.w & c.w >> 1 & valid;
		if (m == 16 && (c.w >> 15 & 1) && i + 16 < b && (bc[in[i + 16]] & B_W))
			pairs |= 1u << 15;
		stop = pairs ? ctz32(pairs) : (unsigned)m;
		ends = stop < m || i + stop == b;
		fill_map(start + o, end + o, stop, (uint32_t)i);
		ad = (c.a | c.d) & ((1u << stop) - 1);
		sb = ad & ~(ad << 1 | in_word);
		xb = (ad << 1 | in_word) & ~ad;
		if (!ends)
			xb &= 0xFFFF;
		seps = c.sep << 1 | prev_sep;
		ev = ((seps & c.w) | c.nl) & ((1u << stop) - 1);
		while (sb) {
			s = ctz32(sb);
			if (ev & ((1u << s) - 1)) {
				ns = 1;
				ev &= ~((1u << s) - 1);
			}
			if (ns | np) {
				st->new_sent = ns;
				st->new_para = np;
				t->nwords = nw;
				text_index_opens(t, st);
				ns = np = 0;
			}
			ws[nw++] = (uint32_t)(o + s);
			/* no branch per word: the checks overlap */
			hit |= (uint32_t)number_word_at(in, n, i + s) << s;
			sb &= sb - 1;
		}
		if (hit)
			return i + ctz32(hit);
		if (ev || (ends && (seps >> stop & 1)))
			ns = 1;
		while (xb) {
			we[ne++] = (uint32_t)(o + ctz32(xb));
			xb &= xb - 1;
		}
		o += stop;
		i += stop;
		in_word = ends ? 0 : ad >> 15 & 1;
		prev_sep = ends ? 0 : c.sep >> 15 & 1;
		if (stop < m)
			i = collapse(t, &ns, &np, in, i, o++);
	}
	st->new_sent = ns;
	st->new_para = np;
	t->len = o;
	t->nwords = nw;
	return BULK_DONE;
}

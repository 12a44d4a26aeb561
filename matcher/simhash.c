/* SPDX-License-Identifier: MIT */
/* SimHash fingerprints of ad text: re-posted templates with small edits
 * (another phone number, a changed wage) land a few bits apart. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "../util/xmalloc.h"
#include "matcher.h"
#include "prepared.h"
#include "text.h"

#define SHINGLE 3               /* words per shingle */
#define MAX_WORDS 4096          /* a long ad's first words say enough */
#define MIN_WORDS 12            /* fewer: no fingerprint */

/* A stronger mix so neighbouring shingles spread over all 64 bits. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static int is_word_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

/* 1 for a word byte, 2 for a digit (a word with one is left out). */
static unsigned char word_byte[256];

/* The bytes of the normalised text that came from a contact's input bytes,
 * which would have been spaces had the contact been blanked before
 * normalising; NULL when there are none. The map is monotone, so each
 * contact covers one run of text bytes, found by binary search. */
static uint8_t *blank_mask(const struct lw_text *t, const struct entity_list *el)
{
	uint8_t *blank = NULL;

	for (size_t k = 0; el && k < el->n; k++) {
		size_t s = el->v[k].start, e = el->v[k].end, lo = 0, hi = t->len, a, z;

		while (lo < hi) { /* first i with end[i] > s */
			size_t mid = lo + (hi - lo) / 2;

			if (t->end[mid] > s)
				hi = mid;
			else
				lo = mid + 1;
		}
		a = lo;
		hi = t->len;
		while (lo < hi) { /* first i with start[i] >= e */
			size_t mid = lo + (hi - lo) / 2;

			if (t->start[mid] >= e)
				hi = mid;
			else
				lo = mid + 1;
		}
		z = lo;
		if (a < z && !blank)
			blank = xcalloc(t->len ? t->len : 1, 1);
		for (size_t i = a; i < z; i++)
			if (t->start[i] < t->end[i])
				blank[i] = 1;
	}
	return blank;
}

/* spread[v] holds bit k of v in byte k: adding it to a word of eight
 * byte-wide counters counts eight bits of a hash at once. */
static uint64_t spread[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void init_tables(void)
{
	for (unsigned c = 0; c < 256; c++)
		word_byte[c] = (unsigned char)(c >= '0' && c <= '9' ? 2 : is_word_byte((unsigned char)c));
	for (unsigned v = 0; v < 256; v++)
		for (unsigned k = 0; k < 8; k++)
			if (v >> k & 1)
				spread[v] |= 1ULL << (8 * k);
}

/* Per-bit counts of the shingle hashes: 64 byte-wide counters, byte i
 * counting bit i, emptied into ones before they can overflow, so a shingle
 * costs a few additions instead of sixty-four. */
struct counts {
#ifdef __SSE2__
	__m128i c[4];           /* byte m of c[k] counts bit 16k + m */
#else
	uint64_t lane[8];       /* byte k of lane[j] counts bit 8j + k */
#endif
	size_t n;               /* shingles since the last emptying */
};

/* Inline, and so is everything that touches k: the counters then live in
 * registers, where a call kept them in memory and cost about a hundred
 * instructions a shingle (an eighth of the fingerprint's time). */
static inline __attribute__((always_inline)) void counts_init(struct counts *k)
{
#ifdef __SSE2__
	for (int j = 0; j < 4; j++)
		k->c[j] = _mm_setzero_si128();
#else
	for (int j = 0; j < 8; j++)
		k->lane[j] = 0;
#endif
	k->n = 0;
}

static inline __attribute__((always_inline)) void counts_flush(struct counts *k,
								 uint32_t ones[64])
{
	uint8_t b[64];

#ifdef __SSE2__
	for (int j = 0; j < 4; j++)
		_mm_storeu_si128((__m128i *)(void *)(b + 16 * j), k->c[j]);
#else
	for (int j = 0; j < 8; j++)
		for (int m = 0; m < 8; m++)
			b[8 * j + m] = (uint8_t)(k->lane[j] >> (8 * m));
#endif
	for (int i = 0; i < 64; i++)
		ones[i] += b[i];
	counts_init(k);
}

static inline __attribute__((always_inline)) void add_shingle(uint64_t h, struct counts *k,
								uint32_t ones[64])
{
#ifdef __SSE2__
	/* Each byte of the hash spread over eight bytes by unpacking (bytes
	 * 2j and 2j + 1 of it into register j), then compared with the bit
	 * that byte position stands for: 0xFF where it is set, which
	 * subtracted adds one. */
	const __m128i bit = _mm_set_epi8(-128, 64, 32, 16, 8, 4, 2, 1,
					 -128, 64, 32, 16, 8, 4, 2, 1);
	__m128i v = _mm_cvtsi64_si128((long long)mix(h));
	__m128i b2 = _mm_unpacklo_epi8(v, v);
	__m128i lo = _mm_unpacklo_epi16(b2, b2), hi = _mm_unpackhi_epi16(b2, b2);

	k->c[0] = _mm_sub_epi8(k->c[0], _mm_cmpeq_epi8(_mm_and_si128(_mm_unpacklo_epi32(lo, lo), bit), bit));
	k->c[1] = _mm_sub_epi8(k->c[1], _mm_cmpeq_epi8(_mm_and_si128(_mm_unpackhi_epi32(lo, lo), bit), bit));
	k->c[2] = _mm_sub_epi8(k->c[2], _mm_cmpeq_epi8(_mm_and_si128(_mm_unpacklo_epi32(hi, hi), bit), bit));
	k->c[3] = _mm_sub_epi8(k->c[3], _mm_cmpeq_epi8(_mm_and_si128(_mm_unpackhi_epi32(hi, hi), bit), bit));
#else
	h = mix(h);
	k->lane[0] += spread[h & 0xff];
	k->lane[1] += spread[h >> 8 & 0xff];
	k->lane[2] += spread[h >> 16 & 0xff];
	k->lane[3] += spread[h >> 24 & 0xff];
	k->lane[4] += spread[h >> 32 & 0xff];
	k->lane[5] += spread[h >> 40 & 0xff];
	k->lane[6] += spread[h >> 48 & 0xff];
	k->lane[7] += spread[h >> 56];
#endif
	if (__builtin_expect(++k->n == 255, 0))
		counts_flush(k, ones);
}

/* Word bytes (see is_word_byte) and digits among the 64 bytes at t->buf[i],
 * bit j for byte i + j; bytes past the text are neither, and a byte of a
 * contact (blank, t->len bytes, may be NULL) is no word byte. */
static void classify64(const struct lw_text *t, const uint8_t *blank, size_t i,
		       uint64_t *wordm, uint64_t *digitm)
{
	const unsigned char *p = (const unsigned char *)t->buf + i;
	unsigned char tmp[64];
	size_t n = t->len - i < 64 ? t->len - i : 64;
	uint64_t w = 0, d = 0, b = 0;
	unsigned j;

	if (n < 64) {
		memset(tmp, 0, sizeof(tmp));
		memcpy(tmp, p, n);
		p = tmp;
	}
#ifdef __SSE2__
	for (j = 0; j < 64; j += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
		__m128i lo = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('a' - 1)),
					   _mm_cmplt_epi8(v, _mm_set1_epi8('z' + 1)));
		__m128i dg = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
					   _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
		uint64_t dm = (uint32_t)_mm_movemask_epi8(dg);

		/* bytes from 0x80 are negative as signed: outside both ranges,
		 * word bytes by their top bit */
		w |= ((uint32_t)_mm_movemask_epi8(_mm_or_si128(lo, v)) | dm) << j;
		d |= dm << j;
	}
#else
	for (j = 0; j < 64; j++) {
		w |= (uint64_t)(word_byte[p[j]] != 0) << j;
		d |= (uint64_t)(word_byte[p[j]] == 2) << j;
	}
#endif
	if (blank) {
		for (j = 0; j < n; j++)
			b |= (uint64_t)(blank[i + j] != 0) << j;
		w &= ~b;
	}
	*wordm = w;
	*digitm = d;
}

/* Bits [lo, hi) of a 64-bit mask, 0 <= lo <= hi <= 64. */
static inline uint64_t bits_between(unsigned lo, unsigned hi)
{
	uint64_t below_hi = hi >= 64 ? ~0ULL : (1ULL << hi) - 1;

	return lo >= 64 ? 0 : below_hi & (~0ULL << lo);
}

/* Counts, per bit, the shingles of the words of t whose hash has it set,
 * into ones (and their number into *nshingles); returns the number of
 * words, at most MAX_WORDS. A word is a maximal run of word bytes holding
 * no digit, and a byte of a contact (blank, may be NULL) ends one, as the
 * space blanking writes would. The runs are read off bit masks of 64 bytes
 * at a time (classify64), so a word costs a few ctz, not a table look-up
 * per byte, and each is hashed as soon as it is found.
 *
 * Each shingle's hash is FNV-1a over " w0 w1 w2"; a word belongs to up to
 * three shingles, so its bytes are fed to the three hashes side by side:
 * the same values as hashing each shingle on its own, at a third of the
 * multiply latency. x, y, z: the shingles that started at words w-2, w-1
 * and w; all three are fed every word, also where one of them does not
 * exist (before word 2): such a value is never counted. Fewer than three
 * words make no shingle, and no fingerprint either (MIN_WORDS).
 *
 * The counts are eight byte-wide counters per 64-bit word, emptied before
 * they can overflow, so a shingle costs eight additions, not sixty-four. */
static size_t count_bits(const struct lw_text *t, const uint8_t *blank, uint32_t ones[64],
			 size_t *nshingles)
{
	const unsigned char *buf = (const unsigned char *)t->buf;
	uint64_t x = 0, y = 0, wm, dm, any = 0;
	size_t i, nw = 0, a = 0, nsh = 0;
	struct counts cnt;
	int in_word = 0;

	memset(ones, 0, 64 * sizeof(*ones));
	counts_init(&cnt);
	for (i = 0; i < t->len && nw < MAX_WORDS; i += 64) {
		unsigned pos = 0, z;

		classify64(t, blank, i, &wm, &dm);
		while (pos < 64) {
			uint64_t r, h;
			size_t e;

			if (!in_word) {
				if (!(r = wm >> pos))
					break;
				pos += (unsigned)__builtin_ctzll(r);
				a = i + pos;
				in_word = 1;
				any = 0;
			}
			r = ~wm >> pos;
			if (!r) { /* the word runs on into the next block */
				any |= dm & bits_between(pos, 64);
				break;
			}
			z = pos + (unsigned)__builtin_ctzll(r);
			any |= dm & bits_between(pos, z);
			in_word = 0;
			pos = z;
			if (any)
				continue;
			h = 0xcbf29ce484222325ULL;
			x = (x ^ ' ') * 0x100000001b3ULL;
			y = (y ^ ' ') * 0x100000001b3ULL;
			h = (h ^ ' ') * 0x100000001b3ULL;
			/* two bytes a round: half the loop's own instructions */
			for (e = i + z; a + 2 <= e; a += 2) {
				uint64_t b0 = buf[a], b1 = buf[a + 1];

				x = (((x ^ b0) * 0x100000001b3ULL) ^ b1) * 0x100000001b3ULL;
				y = (((y ^ b0) * 0x100000001b3ULL) ^ b1) * 0x100000001b3ULL;
				h = (((h ^ b0) * 0x100000001b3ULL) ^ b1) * 0x100000001b3ULL;
			}
			if (a < e) {
				x = (x ^ buf[a]) * 0x100000001b3ULL;
				y = (y ^ buf[a]) * 0x100000001b3ULL;
				h = (h ^ buf[a]) * 0x100000001b3ULL;
			}
			if (nw >= SHINGLE - 1) { /* the shingle that started at w-2 is whole */
				add_shingle(x, &cnt, ones);
				nsh++;
			}
			x = y;
			y = h;
			if (++nw == MAX_WORDS)
				break;
		}
	}
	/* a word that ends the text on a block's last byte; no shingle needs
	 * it when the words are already too many */
	if (in_word && !any && nw < MAX_WORDS) {
		x = (x ^ ' ') * 0x100000001b3ULL;
		for (; a < t->len; a++)
			x = (x ^ buf[a]) * 0x100000001b3ULL;
		if (nw >= SHINGLE - 1) {
			add_shingle(x, &cnt, ones);
			nsh++;
		}
		nw++;
	}
	counts_flush(&cnt, ones);
	*nshingles = nsh;
	return nw;
}

uint64_t simhash_text(const struct lw_text *t, const struct entity_list *el)
{
	size_t nw;
	uint8_t *blank = blank_mask(t, el);
	uint32_t ones[64];
	size_t nshingles = 0;
	uint64_t out = 0;

	pthread_once(&tables_once, init_tables);
	/* Words of the normalised text (lower-case, accents and tricks undone).
	 * Words with digits are left out: a re-posted template keeps its words
	 * but changes wages, dates and numbers. A blanked byte ends a word, as
	 * the space blanking writes would. */
	nw = count_bits(t, blank, ones, &nshingles);
	free(blank);
	/* Too few words to tell a template from a coincidence: no fingerprint
	 * (0), or every short ad would look like every other. */
	if (nw < MIN_WORDS)
		return 0;
	/* A bit is set when more shingles have it set than not. */
	for (int b = 0; b < 64; b++)
		if (2 * ones[b] > nshingles)
			out |= 1ULL << b;
	return out;
}

int matcher_simhash(const char *text, size_t len, uint64_t *out, struct lw_error *err)
{
	struct lw_text t;

	text_init(&t);
	if (text_normalize(text, len, &t, err) < 0) {
		text_release(&t);
		return -1;
	}
	*out = simhash_text(&t, NULL);
	text_release(&t);
	return 0;
}

int matcher_simhash_distance(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}

/* SPDX-License-Identifier: MIT */
/* SimHash fingerprints of ad text: re-posted templates with small edits
 * (another phone number, a changed wage) land a few bits apart. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xmalloc.h"
#include "matcher.h"
#include "prepared.h"
#include "text.h"

#define SHINGLE 3               /* words per shingle */
#define MAX_WORDS 4096          /* a long ad's first words say enough */
#define MIN_WORDS 12            /* fewer: no fingerprint */

static uint64_t fnv1a(const char *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

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

static void flush_lanes(uint64_t lane[8], uint32_t ones[64])
{
	for (int j = 0; j < 8; j++) {
		for (int k = 0; k < 8; k++)
			ones[8 * j + k] += (uint32_t)(lane[j] >> (8 * k) & 0xff);
		lane[j] = 0;
	}
}

static void add_shingle(uint64_t h, uint64_t lane[8], size_t *inlane, uint32_t ones[64])
{
	h = mix(h);
	for (int j = 0; j < 8; j++)
		lane[j] += spread[h >> (8 * j) & 0xff];
	if (++*inlane == 255) {
		flush_lanes(lane, ones);
		*inlane = 0;
	}
}

/* Counts, per bit, the shingles whose hash has it set: eight byte-wide
 * counters per 64-bit word, emptied before they can overflow, so a shingle
 * costs eight additions instead of sixty-four. Each shingle's hash is
 * FNV-1a over " w0 w1 w2"; a word belongs to up to three shingles, so its
 * bytes are fed to the three hashes side by side: the same values as
 * hashing each shingle on its own, at a third of the multiply latency. */
static void count_bits(const struct lw_text *t, const size_t *starts, const size_t *lens,
		       size_t nw, uint32_t ones[64], size_t *nshingles)
{
	uint64_t lane[8] = { 0 }, h[SHINGLE];
	size_t inlane = 0;

	memset(ones, 0, 64 * sizeof(*ones));
	*nshingles = 0;
	if (nw == 0)
		goto out;
	if (nw < SHINGLE) { /* one shingle of every word */
		uint64_t x = 0xcbf29ce484222325ULL;

		for (size_t j = 0; j < nw; j++)
			x = fnv1a(t->buf + starts[j], lens[j], fnv1a(" ", 1, x));
		add_shingle(x, lane, &inlane, ones);
		*nshingles = 1;
		goto out;
	}
	for (size_t w = 0; w < nw; w++) {
		/* shingles lo..hi (those starting at w-2, w-1, w that exist) hold word w */
		size_t lo = w >= SHINGLE - 1 ? w - (SHINGLE - 1) : 0;
		size_t hi = w + SHINGLE <= nw ? w : nw - SHINGLE;
		const unsigned char *p = (const unsigned char *)t->buf + starts[w];

		if (w + SHINGLE <= nw)
			h[w % SHINGLE] = 0xcbf29ce484222325ULL;
		if (hi - lo + 1 == SHINGLE) {
			uint64_t a = h[0], b = h[1], c = h[2];

			a = (a ^ ' ') * 0x100000001b3ULL;
			b = (b ^ ' ') * 0x100000001b3ULL;
			c = (c ^ ' ') * 0x100000001b3ULL;
			for (size_t i = 0; i < lens[w]; i++) {
				a = (a ^ p[i]) * 0x100000001b3ULL;
				b = (b ^ p[i]) * 0x100000001b3ULL;
				c = (c ^ p[i]) * 0x100000001b3ULL;
			}
			h[0] = a;
			h[1] = b;
			h[2] = c;
		} else {
			for (size_t s = lo; s <= hi; s++)
				h[s % SHINGLE] = fnv1a((const char *)p, lens[w],
						       fnv1a(" ", 1, h[s % SHINGLE]));
		}
		if (w >= SHINGLE - 1) { /* the shingle starting at w-2 is whole */
			add_shingle(h[lo % SHINGLE], lane, &inlane, ones);
			(*nshingles)++;
		}
	}
out:
	flush_lanes(lane, ones);
}

uint64_t simhash_text(const struct lw_text *t, const struct entity_list *el)
{
	size_t starts[MAX_WORDS], lens[MAX_WORDS], nw = 0, i = 0;
	uint8_t *blank = blank_mask(t, el);
	uint32_t ones[64];
	size_t nshingles = 0;
	uint64_t out = 0;

	pthread_once(&tables_once, init_tables);
	/* Words of the normalised text (lower-case, accents and tricks undone).
	 * Words with digits are left out: a re-posted template keeps its words
	 * but changes wages, dates and numbers. A blanked byte ends a word, as
	 * the space blanking writes would. */
	while (i < t->len && nw < MAX_WORDS) {
		int digits = 0;

		while (i < t->len && !(word_byte[(unsigned char)t->buf[i]] && !(blank && blank[i])))
			i++;
		if (i >= t->len)
			break;
		starts[nw] = i;
		while (i < t->len && word_byte[(unsigned char)t->buf[i]] && !(blank && blank[i]))
			digits |= word_byte[(unsigned char)t->buf[i]] == 2, i++;
		lens[nw] = i - starts[nw];
		if (!digits)
			nw++;
	}
	free(blank);
	count_bits(t, starts, lens, nw, ones, &nshingles);
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

/* SPDX-License-Identifier: MIT */
/* SimHash fingerprints of ad text: re-posted templates with small edits
 * (another phone number, a changed wage) land a few bits apart. */
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

/* Marks the input bytes the entities cover; NULL when there are none. *n
 * receives the bitmap's size in bits. */
static uint8_t *covered_input(const struct entity_list *el, size_t *n)
{
	uint8_t *bits;
	size_t max = 0;

	*n = 0;
	for (size_t k = 0; el && k < el->n; k++)
		if (el->v[k].end > max)
			max = el->v[k].end;
	if (!max)
		return NULL;
	bits = xcalloc(max / 8 + 1, 1);
	for (size_t k = 0; k < el->n; k++)
		for (size_t b = el->v[k].start; b < el->v[k].end; b++)
			bits[b / 8] |= (uint8_t)(1u << (b % 8));
	*n = max;
	return bits;
}

/* Normalised byte i came (partly) from a covered input byte: it would not be
 * there had the contact been blanked before normalising. */
static int blanked(const struct lw_text *t, size_t i, const uint8_t *bits, size_t n)
{
	for (size_t b = t->start[i]; bits && b < t->end[i] && b < n; b++)
		if (bits[b / 8] & (1u << (b % 8)))
			return 1;
	return 0;
}

static int word_at(const struct lw_text *t, size_t i, const uint8_t *bits, size_t n)
{
	return is_word_byte((unsigned char)t->buf[i]) && !blanked(t, i, bits, n);
}

uint64_t simhash_text(const struct lw_text *t, const struct entity_list *el)
{
	size_t starts[MAX_WORDS], lens[MAX_WORDS], nw = 0, i = 0, nbits;
	uint8_t *bits = covered_input(el, &nbits);
	int64_t acc[64];
	uint64_t out = 0;

	/* Words of the normalised text (lower-case, accents and tricks undone).
	 * Words with digits are left out: a re-posted template keeps its words
	 * but changes wages, dates and numbers. A blanked byte ends a word, as
	 * the space blanking writes would. */
	while (i < t->len && nw < MAX_WORDS) {
		int digits = 0;

		while (i < t->len && !word_at(t, i, bits, nbits))
			i++;
		if (i >= t->len)
			break;
		starts[nw] = i;
		while (i < t->len && word_at(t, i, bits, nbits))
			digits |= t->buf[i] >= '0' && t->buf[i] <= '9', i++;
		lens[nw] = i - starts[nw];
		if (!digits)
			nw++;
	}
	free(bits);
	memset(acc, 0, sizeof(acc));
	for (size_t w = 0; w + (nw >= SHINGLE ? SHINGLE : nw) <= nw && nw; w++) {
		uint64_t h = 0xcbf29ce484222325ULL;
		size_t k = nw >= SHINGLE ? SHINGLE : nw;

		for (size_t j = 0; j < k; j++)
			h = fnv1a(t->buf + starts[w + j], lens[w + j], fnv1a(" ", 1, h));
		h = mix(h);
		for (int b = 0; b < 64; b++)
			acc[b] += (h >> b) & 1 ? 1 : -1;
		if (k < SHINGLE)
			break;
	}
	/* Too few words to tell a template from a coincidence: no fingerprint
	 * (0), or every short ad would look like every other. */
	if (nw < MIN_WORDS)
		return 0;
	for (int b = 0; b < 64; b++)
		if (acc[b] > 0)
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

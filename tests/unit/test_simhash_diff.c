/* SPDX-License-Identifier: MIT */
/* simhash_text against the fingerprint as its comment defines it, computed
 * the plain way here: words found byte by byte (a-z, digits, bytes from
 * 0x80; contact bytes end a word), words with a digit left out, at most
 * 4096 of them, each shingle of three words FNV-1a hashed on its own over
 * " w0 w1 w2", mixed, and every bit counted. The fast path reads words off
 * 64-byte bit masks and counts bits eight at a time; stored fingerprints
 * are compared across versions, so the two must agree on every text:
 * random text with long words across block edges, digits, other scripts,
 * obfuscation, and contacts blanked at random spans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../matcher/prepared.h"
#include "../../matcher/text.h"

#define MAX_WORDS 4096
#define MIN_WORDS 12

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static int word_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

static uint64_t fnv(const char *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* The input bytes [start, end) of an entity cover normalised byte i when
 * the byte came from input inside it (and from some input at all). */
static int blanked(const struct lw_text *t, const struct entity_list *el, size_t i)
{
	for (size_t k = 0; el && k < el->n; k++)
		if (t->start[i] < t->end[i] && t->end[i] > el->v[k].start &&
		    t->start[i] < el->v[k].end)
			return 1;
	return 0;
}

static uint64_t simhash_plain(const struct lw_text *t, const struct entity_list *el)
{
	static size_t starts[MAX_WORDS], lens[MAX_WORDS];
	size_t nw = 0, i = 0, ones[64] = { 0 }, nsh = 0;
	uint64_t out = 0;

	while (nw < MAX_WORDS) {
		size_t a;
		int digit = 0;

		while (i < t->len && !(word_byte((unsigned char)t->buf[i]) && !blanked(t, el, i)))
			i++;
		if (i >= t->len)
			break;
		for (a = i; i < t->len && word_byte((unsigned char)t->buf[i]) && !blanked(t, el, i); i++)
			digit |= t->buf[i] >= '0' && t->buf[i] <= '9';
		if (!digit) {
			starts[nw] = a;
			lens[nw] = i - a;
			nw++;
		}
	}
	if (nw < MIN_WORDS)
		return 0;
	for (size_t w = 0; w + 3 <= nw; w++) {
		uint64_t h = 0xcbf29ce484222325ULL;

		for (size_t j = w; j < w + 3; j++)
			h = fnv(t->buf + starts[j], lens[j], fnv(" ", 1, h));
		h = mix(h);
		for (int b = 0; b < 64; b++)
			ones[b] += h >> b & 1;
		nsh++;
	}
	for (int b = 0; b < 64; b++)
		if (2 * ones[b] > nsh)
			out |= 1ULL << b;
	return out;
}

static const char *const pieces[] = {
	"cleaners", "wanted", "hotel", "the", "pay", "accommodation", "NZ", "Visa",
	"$1400", "021", "555", "0178", "x1y", "wh@tsapp", "p@ssp0rt", "w h a t s a p p",
	"\xd0\xa0\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0", "\xe6\x8b\x9b\xe8\x81\x98",
	"H\xe1\xbb\x99 chi\xe1\xba\xbfu", "\xf0\x9f\x98\x8a", "\xe2\x80\x8b", "\xff",
	"zero two one", "five5five", "caf\xc3\xa9", "ＷＨＡＴ", "i", "a", "o",
};

static const char *const seps[] = { " ", " ", " ", "\n", "\n\n", ", ", ". ", "-", "_", "", "  ", "\t" };

/* Random text: words, a long run now and then to cross 64-byte blocks. */
static size_t make_text(char *doc, size_t cap)
{
	size_t len = 0, target = 1 + rnd(rnd(8) == 0 ? 40000 : 1500);

	while (len < target && len + 400 < cap) {
		const char *p;

		if (rnd(12) == 0) {
			size_t n = 50 + rnd(150);

			for (size_t k = 0; k < n; k++)
				doc[len++] = (char)('a' + rnd(3) + (rnd(40) == 0 ? '0' - 'a' : 0));
		} else {
			p = pieces[rnd(sizeof(pieces) / sizeof(*pieces))];
			memcpy(doc + len, p, strlen(p));
			len += strlen(p);
		}
		p = seps[rnd(sizeof(seps) / sizeof(*seps))];
		memcpy(doc + len, p, strlen(p));
		len += strlen(p);
	}
	doc[len] = '\0';
	return len;
}

static void test_random_texts(void **state)
{
	static char doc[48000];
	struct entity_list el;
	struct entity ents[6];
	struct lw_error err;
	struct lw_text t;
	size_t with_hash = 0, rounds = 1500;

	(void)state;
	text_init(&t);
	for (size_t r = 0; r < rounds; r++) {
		size_t len = make_text(doc, sizeof(doc)), ne = rnd(4) ? 0 : 1 + rnd(6);
		uint64_t fast, plain;

		assert_int_equal(text_normalize(doc, len, &t, &err), 0);
		memset(ents, 0, sizeof(ents));
		for (size_t k = 0; k < ne; k++) {
			ents[k].start = rnd((uint32_t)len + 1);
			ents[k].end = ents[k].start + rnd(80);
		}
		el.v = ents;
		el.n = el.cap = ne;
		fast = simhash_text(&t, ne ? &el : NULL);
		plain = simhash_plain(&t, ne ? &el : NULL);
		if (fast != plain)
			fail_msg("round %zu: %016llx, plain %016llx on \"%.200s\"", r,
				 (unsigned long long)fast, (unsigned long long)plain, doc);
		with_hash += fast != 0;
	}
	/* most texts are long enough to have a fingerprint */
	assert_true(with_hash > rounds / 2);
	text_release(&t);
}

/* Plain prose of every length from 1 to 300 bytes: words end on every
 * byte of a 64-byte block, the text's last byte included. */
static void test_block_edges(void **state)
{
	static const char prose[] = "we are hiring cleaners for hotels in the city centre good pay "
		"accommodation provided start next week contact us today for details about "
		"the role and the pay and the hours which are long but fair for all of them "
		"who want to work in a team of friendly people near the sea and the hills ok";
	struct lw_error err;
	struct lw_text t;

	(void)state;
	text_init(&t);
	for (size_t len = 1; len <= 300 && len < sizeof(prose); len++) {
		uint64_t fast, plain;

		assert_int_equal(text_normalize(prose, len, &t, &err), 0);
		fast = simhash_text(&t, NULL);
		plain = simhash_plain(&t, NULL);
		if (fast != plain)
			fail_msg("length %zu: %016llx, plain %016llx", len, (unsigned long long)fast,
				 (unsigned long long)plain);
	}
	text_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_texts),
		cmocka_unit_test(test_block_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

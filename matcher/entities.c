/* SPDX-License-Identifier: MIT */
/* Entity extraction: normalises the document once, runs the finders over
 * the normalised text and maps what they found back to the input bytes. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "entities_internal.h"
#include "prepared.h"
#include "phone.h"
#include "../util/xmalloc.h"

/* ---- shared helpers ------------------------------------------------------ */

char ent_raw(const struct ent_ctx *c, size_t i)
{
	uint32_t s = c->t->start[i], e = c->t->end[i];
	unsigned char o;

	if (e - s == 1) {
		o = (unsigned char)c->orig[s];
		if (ent_is_alnum(o))
			return (char)(o >= 'A' && o <= 'Z' ? o - 'A' + 'a' : o);
	}
	return c->t->buf[i];
}

size_t ent_line_start(const struct ent_ctx *c, size_t i)
{
	size_t j = i;

	while (j > 0 && i - j < ENT_KEYWORD_WINDOW && c->t->buf[j - 1] != '\n')
		j--;
	return j;
}

size_t ent_line_end(const struct ent_ctx *c, size_t i)
{
	size_t j = i;

	while (j < c->t->len && j - i < ENT_KEYWORD_WINDOW && c->t->buf[j] != '\n')
		j++;
	return j;
}

int ent_claimed(const struct ent_ctx *c, size_t a, size_t b)
{
	size_t i;

	for (i = a; i < b; i++)
		if (c->claimed[i / 8] & (1u << (i % 8)))
			return 1;
	return 0;
}

int ent_add(struct ent_ctx *c, int kind, size_t a, size_t b, char *norm)
{
	size_t i;

	if (ent_full(c) || a >= b) {
		free(norm);
		return -1;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
	}
	c->v[c->n].kind = kind;
	c->v[c->n].a = a;
	c->v[c->n].b = b;
	c->v[c->n].norm = norm;
	c->v[c->n].region = NULL;
	c->n++;
	for (i = a; i < b; i++)
		c->claimed[i / 8] |= (uint8_t)(1u << (i % 8));
	return 0;
}

/* ---- where the finders stop ---------------------------------------------- */

/* The ASCII bytes a handle may begin at ('@', 't', keywords' first letters),
 * from ent_handle_triggers once per process. */
static unsigned char trig_ascii[128];
static size_t ntrig_ascii;
#ifdef __SSE2__
/* trig_ascii[k] in every byte: a broadcast built per block cost more
 * than the comparisons it feeds. */
static __m128i trig_vec[128];
#endif
static pthread_once_t trig_once = PTHREAD_ONCE_INIT;

static void init_trig(void)
{
	const uint8_t *t = ent_handle_triggers();
	unsigned ch;

	for (ch = 1; ch < 0x80; ch++) {
		if (!t[ch])
			continue;
#ifdef __SSE2__
		trig_vec[ntrig_ascii] = _mm_set1_epi8((char)ch);
#endif
		trig_ascii[ntrig_ascii++] = (unsigned char)ch;
	}
}

/* Masks of 64 bytes at p, bit j for p[j]: start (ASCII letter or digit,
 * '+', '(', UTF-8 lead byte), alnum, alpha, trig (an ASCII trigger) and
 * lead (a UTF-8 lead byte, 0xC0 and up). */
struct ent_block {
	uint64_t start, alnum, alpha, trig, lead;
};

static void classify64(const unsigned char *p, struct ent_block *b)
{
#ifdef __SSE2__
	unsigned j;
	size_t k;

	memset(b, 0, sizeof(*b));
	for (j = 0; j < 64; j += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
		/* v | 0x20 folds capitals onto small letters; bytes from 0x80
		 * are negative as signed and fall outside every ASCII range */
		__m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
		__m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
					      _mm_cmplt_epi8(l, _mm_set1_epi8('z' + 1)));
		__m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
					      _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
		__m128i lead = _mm_cmpgt_epi8(v, _mm_set1_epi8((char)0xBF));
		__m128i other = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('+')),
					     _mm_cmpeq_epi8(v, _mm_set1_epi8('(')));
		__m128i trig = _mm_setzero_si128();
		uint64_t m_alpha = (uint32_t)_mm_movemask_epi8(alpha);
		uint64_t m_alnum = m_alpha | (uint32_t)_mm_movemask_epi8(digit);
		uint64_t m_lead = (uint32_t)_mm_movemask_epi8(lead);

		/* 0xC0..0xFF: signed -64..-1, which cmpgt against 0xBF (-65) keeps
		 * along with nothing else but 0..0x7F; mask those off */
		m_lead &= (uint32_t)_mm_movemask_epi8(v);
		for (k = 0; k < ntrig_ascii; k++)
			trig = _mm_or_si128(trig, _mm_cmpeq_epi8(v, trig_vec[k]));
		b->alpha |= m_alpha << j;
		b->alnum |= m_alnum << j;
		b->lead |= m_lead << j;
		b->start |= (m_alnum | m_lead | (uint32_t)_mm_movemask_epi8(other)) << j;
		b->trig |= (uint64_t)(uint32_t)_mm_movemask_epi8(trig) << j;
	}
#else
	const uint8_t *t = ent_handle_triggers();
	unsigned j;

	memset(b, 0, sizeof(*b));
	for (j = 0; j < 64; j++) {
		unsigned char ch = p[j];
		uint64_t bit = 1ULL << j;

		if (ent_is_alpha(ch))
			b->alpha |= bit;
		if (ent_is_alnum(ch))
			b->alnum |= bit;
		if (ch >= 0xC0)
			b->lead |= bit;
		if (ent_is_alnum(ch) || ch >= 0xC0 || ch == '+' || ch == '(')
			b->start |= bit;
		if (ch < 0x80 && ch && t[ch])
			b->trig |= bit;
	}
#endif
}

void ent_index_starts(struct ent_ctx *c)
{
	const unsigned char *s = (const unsigned char *)c->t->buf;
	size_t len = c->t->len, n = len / 64 + 1, w;
	uint64_t carry_alnum = 0, carry_alpha = 0;
	unsigned char tail[64];
	struct ent_block b;

	pthread_once(&trig_once, init_trig);
	c->nstarts = n;
	c->phone_starts = xreallocarray(NULL, 2 * n, sizeof(uint64_t));
	c->handle_starts = c->phone_starts + n;
	for (w = 0; w < n; w++) {
		size_t i = w * 64;

		if (i + 64 <= len) {
			classify64(s + i, &b);
		} else {
			/* the last block, padded with NULs, which start nothing */
			memset(tail, 0, sizeof(tail));
			memcpy(tail, s + i, len - i);
			classify64(tail, &b);
		}
		c->phone_starts[w] = b.start & ~(b.alnum << 1 | carry_alnum);
		c->handle_starts[w] = (b.trig & ~(b.alpha << 1 | carry_alpha)) | b.lead;
		carry_alnum = b.alnum >> 63;
		carry_alpha = b.alpha >> 63;
	}
}

/* ---- the list ------------------------------------------------------------ */

void entity_list_init(struct entity_list *l)
{
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
}

void entity_list_release(struct entity_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i].normalized);
	free(l->v);
	entity_list_init(l);
}

const char *entity_kind_name(int kind)
{
	static const char *const names[ENTITY_KIND_COUNT] = {
		"phone", "whatsapp", "email", "telegram", "wechat", "line", "url", "zalo",
	};

	if (kind < 0 || kind >= ENTITY_KIND_COUNT)
		return NULL;
	return names[kind];
}

static int by_start(const void *pa, const void *pb)
{
	const struct entity *a = pa, *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return a->kind - b->kind;
}

/* Moves the found entities into out with input offsets; they leave c. */
static void to_list(struct ent_ctx *c, struct entity_list *out)
{
	size_t i;

	if (!c->n)
		return;
	out->v = xreallocarray(NULL, c->n, sizeof(*out->v));
	out->cap = c->n;
	for (i = 0; i < c->n; i++) {
		out->v[i].kind = c->v[i].kind;
		out->v[i].start = c->t->start[c->v[i].a];
		out->v[i].end = c->t->end[c->v[i].b - 1];
		out->v[i].normalized = c->v[i].norm;
		out->v[i].region = c->v[i].region;
	}
	out->n = c->n;
	c->n = 0;
	qsort(out->v, out->n, sizeof(*out->v), by_start);
}

int entities_extract_text(const struct lw_text *t, const char *orig, size_t orig_len,
			  const char *default_region, struct entity_list *out,
			  struct lw_error *err)
{
	struct ent_ctx c;
	size_t i;

	entity_list_release(out);
	if (!default_region)
		default_region = "NZ";
	if (!phone_region_find(default_region))
		return lw_error_set(err, "unknown phone region '%s'", default_region);
	memset(&c, 0, sizeof(c));
	c.t = t;
	c.orig = orig ? orig : "";
	c.orig_len = orig_len;
	c.region = default_region;
	c.claimed = xcalloc(t->len / 8 + 1, 1);
	ent_keywords_init();
	ent_index_starts(&c);
	ent_find_emails(&c);
	ent_find_urls(&c);
	ent_find_handles(&c);
	ent_find_phones(&c);
	to_list(&c, out);
	for (i = 0; i < c.n; i++)
		free(c.v[i].norm);
	free(c.v);
	free(c.claimed);
	free(c.phone_starts);
	return 0;
}

/* One normalisation of its own; matcher_analyze shares the scan's instead. */
int entities_extract(const char *text, size_t len, const char *default_region,
		     struct entity_list *out, struct lw_error *err)
{
	struct lw_text t;
	int ret = -1;

	entity_list_release(out);
	text_init(&t);
	if (!default_region)
		default_region = "NZ";
	if (!phone_region_find(default_region)) {
		lw_error_set(err, "unknown phone region '%s'", default_region);
		goto out;
	}
	if (!text)
		text = "";
	if (text_normalize(text, len, &t, err) < 0)
		goto out;
	ret = entities_extract_text(&t, text, len, default_region, out, err);
out:
	text_release(&t);
	return ret;
}

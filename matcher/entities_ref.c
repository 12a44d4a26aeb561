/* SPDX-License-Identifier: MIT */
/* The reference entity extraction (see entities_ref.h): the finders' shared
 * helpers and the driver, verbatim but for the list functions, which
 * entities.c alone defines. */
#include <stdlib.h>
#include <string.h>

#include "entities_ref.h"
#include "prepared.h"
#include "phone.h"
#include "../util/xmalloc.h"

/* ---- keywords ------------------------------------------------------------ */

const char *const ent_kw_whatsapp[] = {
	"whatsapp", "whats app", "whatapp", "watsapp", "watsup", "whatsup",
	"wassap", "wasap", "=wa", "=w.a", "viber", "ватсап", "вотсап",
	"вацап", "واتس", "=zap", NULL
};

const char *const ent_kw_telegram[] = {
	"telegram", "=tg", "=t-g", "=t.g", "=tele", "телеграм", "电报", "纸飞机",
	"เทเลแกรม", "텔레", "تلغرام", "تيليجرام", NULL
};

const char *const ent_kw_wechat[] = {
	"wechat", "we chat", "weixin", "微信", "威信", "薇信", "v信", "薇", "=vx", NULL
};

const char *const ent_kw_line[] = {
	"=line", "=line id", "=lineid", "ไลน์", "라인", NULL
};

static int ascii_letter(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

int ent_keyword_at(const struct ent_ctx *c, const char *const *kw, size_t i,
		   size_t *end)
{
	const unsigned char *s = (const unsigned char *)c->t->buf;
	size_t k, n, len = c->t->len;
	int whole;

	for (k = 0; kw[k]; k++) {
		whole = kw[k][0] == '=';
		n = strlen(kw[k] + whole);
		if (n > len - i || memcmp(s + i, kw[k] + whole, n))
			continue;
		if ((unsigned char)kw[k][whole] < 0x80 && i > 0 &&
		    (whole ? ent_is_alnum(s[i - 1]) : ascii_letter(s[i - 1])))
			continue;
		if (whole && i + n < len && ent_is_alnum(s[i + n]))
			continue;
		if (end)
			*end = i + n;
		return 1;
	}
	return 0;
}

int ent_keyword_last(const struct ent_ctx *c, const char *const *kw,
		     size_t lo, size_t hi, size_t *at, size_t *end)
{
	size_t i, e;

	for (i = hi; i > lo; i--) {
		if (!ent_keyword_at(c, kw, i - 1, &e) || e > hi)
			continue;
		if (at)
			*at = i - 1;
		if (end)
			*end = e;
		return 1;
	}
	return 0;
}

/* Regional indicators U+1F1E6..U+1F1FF are F0 9F 87 A6..BF in UTF-8. */
int ent_flag_letters(const struct ent_ctx *c, const char *const *kw,
		     size_t a, size_t b)
{
	const unsigned char *p = (const unsigned char *)c->orig;
	char letters[64];
	size_t i, from, to, n = 0, k;

	/* Normalising drops the flags or folds them into the whitespace around
	 * them, so the neighbouring bytes' input is read too. */
	from = a > 0 ? c->t->start[a - 1] : 0;
	to = b < c->t->len ? c->t->end[b] : c->orig_len;
	if (to <= from)
		return 0;
	if (to - from > 1024)
		from = to - 1024;
	for (i = from; i + 3 < to && n + 1 < sizeof(letters); i++)
		if (p[i] == 0xF0 && p[i + 1] == 0x9F && p[i + 2] == 0x87 &&
		    p[i + 3] >= 0xA6 && p[i + 3] <= 0xBF)
			letters[n++] = (char)('a' + (p[i + 3] - 0xA6));
	letters[n] = '\0';
	for (k = 0; kw[k]; k++)
		if (kw[k][0] != '=' && (unsigned char)kw[k][0] < 0x80 &&
		    strstr(letters, kw[k]))
			return 1;
	return 0;
}

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

char ent_orig_digit(const struct ent_ctx *c, size_t i)
{
	uint32_t s = c->t->start[i], e = c->t->end[i];

	if (e - s == 1 && ent_is_digit((unsigned char)c->orig[s]))
		return c->orig[s];
	return 0;
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

int ent_full(const struct ent_ctx *c)
{
	return c->n >= ENTITIES_MAX;
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

/* ---- the list ------------------------------------------------------------ */

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

int entities_extract_text_reference(const struct lw_text *t, const char *orig,
				    size_t orig_len, const char *default_region,
				    struct entity_list *out, struct lw_error *err)
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
	ent_find_emails(&c);
	ent_find_urls(&c);
	ent_find_handles(&c);
	ent_find_phones(&c);
	to_list(&c, out);
	for (i = 0; i < c.n; i++)
		free(c.v[i].norm);
	free(c.v);
	free(c.claimed);
	return 0;
}

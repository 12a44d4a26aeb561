/* SPDX-License-Identifier: MIT */
/* Entity extraction: normalises the document once, runs the finders over
 * the normalised text and maps what they found back to the input bytes. */
#include <stdlib.h>
#include <string.h>

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

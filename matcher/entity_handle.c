/* SPDX-License-Identifier: MIT */
/* Messaging handles in normalised text: "@name" next to a Telegram, WeChat
 * or LINE keyword, and ids written straight after one ("WeChat: name",
 * "LINE : job thai _ nz"), with the spacing inserted to hide them removed. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "entities_internal.h"
#include "../util/buf.h"
#include "../util/xmalloc.h"

#define HANDLE_RUN 40           /* longest run read as one handle */
#define PIECE_MAX 4             /* "job thai _ nz": pieces this short join */

struct platform {
	int kind;
	const struct ent_keywords *kw;
	size_t min, max;        /* length of the normalised handle */
};

static const struct platform platforms[] = {
	{ ENTITY_TELEGRAM, &ent_kw_telegram, 5, 32 },
	{ ENTITY_WECHAT, &ent_kw_wechat, 6, 20 },
	{ ENTITY_LINE, &ent_kw_line, 4, 20 },
	{ ENTITY_ZALO, &ent_kw_zalo, 4, 32 },   /* ids of letters, digits, '.', '_' */
};
#define NPLATFORMS (sizeof(platforms) / sizeof(platforms[0]))

static int handle_char(unsigned char ch)
{
	return ent_is_alnum(ch) || ch == '_' || ch == '.' || ch == '-';
}

static int has_letter(const char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			return 1;
	return 0;
}

/* The handle written over [a, b), lowercased, without '@' and spaces (and
 * dots for Telegram, whose names cannot hold any). NULL when it is not a
 * valid name for the platform. Caller frees. */
static char *normalise(const struct ent_ctx *c, const struct platform *p,
		       size_t a, size_t b)
{
	struct lw_buf out;
	size_t i;
	char ch;

	lw_buf_init(&out, p->max);
	for (i = a; i < b; i++) {
		ch = ent_raw(c, i);
		if (ch == '@' || ch == ' ' || (ch == '.' && p->kind == ENTITY_TELEGRAM))
			continue;
		if (!handle_char((unsigned char)ch) || lw_buf_addc(&out, ch) < 0)
			goto bad;
	}
	if (out.len < p->min || !has_letter(out.data))
		goto bad;
	return lw_buf_detach(&out, NULL);
bad:
	lw_buf_release(&out);
	return NULL;
}

/* ---- "@name" next to a keyword ------------------------------------------- */

static int keyword_first(const struct ent_ctx *c, const struct ent_keywords *kw,
			 size_t lo, size_t hi, size_t *at)
{
	size_t i, e;

	for (i = lo; i < hi; i++)
		if (ent_keyword_at(c, kw, i, &e) && e <= hi) {
			*at = i;
			return 1;
		}
	return 0;
}

/* Distance from [a, b) to the nearest keyword of kw in [lo, hi). */
static size_t distance(const struct ent_ctx *c, const struct ent_keywords *kw,
		       size_t lo, size_t hi, size_t a, size_t b)
{
	size_t d = (size_t)-1, at, e;

	if (lo < a && ent_keyword_last(c, kw, lo, a, NULL, &e))
		d = a - e;
	if (b < hi && keyword_first(c, kw, b, hi, &at) && at - b < d)
		d = at - b;
	return d;
}

/* The platform whose keyword stands nearest on the same line (or, failing
 * that, the line above), or NULL. */
static const struct platform *nearest(const struct ent_ctx *c, size_t a, size_t b)
{
	size_t lo = ent_line_start(c, a), hi = ent_line_end(c, b), k, d, best;
	const struct platform *p = NULL;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		best = distance(c, &ent_kw_other, lo, hi, a, b);
		for (k = 0; k < NPLATFORMS; k++) {
			d = distance(c, platforms[k].kw, lo, hi, a, b);
			if (d < best) {
				best = d;
				p = &platforms[k];
			}
		}
		if (p || best != (size_t)-1 || lo < 2 || c->t->buf[lo - 1] != '\n')
			return p;
		hi = lo - 1;
		lo = ent_line_start(c, lo - 2);
		a = b = hi;
	}
	return p;
}

static void at_handle(struct ent_ctx *c, size_t i)
{
	const char *s = c->t->buf;
	const struct platform *p;
	size_t e, len = c->t->len, from = i + 1;
	char *norm;

	/* "@ name": a space after the '@' to dodge filters. */
	if (from + 1 < len && s[from] == ' ' && handle_char((unsigned char)s[from + 1]))
		from++;
	for (e = from; e < len && e - i <= HANDLE_RUN && handle_char((unsigned char)s[e]); e++)
		;
	if (e < len && (handle_char((unsigned char)s[e]) || s[e] == '@'))
		return;
	while (e > from && (s[e - 1] == '.' || s[e - 1] == '-'))
		e--;
	if (e - i < 4 || ent_claimed(c, i, e) || !(p = nearest(c, i, e)))
		return;
	norm = normalise(c, p, i, e);
	if (norm)
		ent_add(c, p->kind, i, e, norm);
}

/* ---- "keyword: name" ----------------------------------------------------- */

static size_t skip_spaces(const char *s, size_t i, size_t len, size_t max)
{
	size_t j = i;

	while (j < len && j - i < max && s[j] == ' ')
		j++;
	return j;
}

/* "id", "号", "ไอดี" after the keyword. Returns the end, or i. */
static size_t id_word(const char *s, size_t i, size_t len)
{
	static const char *const words[] = { "id", "号", "ไอดี", NULL };
	size_t j = skip_spaces(s, i, len, 1), k, n;

	for (k = 0; words[k]; k++) {
		n = strlen(words[k]);
		if (n <= len - j && !memcmp(s + j, words[k], n) &&
		    (j + n == len || !ent_is_alnum((unsigned char)s[j + n])))
			return j + n;
	}
	return i;
}

/* A lone '.', '_' or '-' between spaces at i, with more handle after. */
static int lone_sep(const char *s, size_t i, size_t len)
{
	return i + 3 < len && s[i] == ' ' && (s[i + 1] == '.' || s[i + 1] == '_' ||
					      s[i + 1] == '-') &&
	       s[i + 2] == ' ' && handle_char((unsigned char)s[i + 3]);
}

/* End of the handle run from j. After a colon, a handle may be spaced
 * out: short pieces up to the end of the line join ("job thai _ nz"), and
 * so do runs around a lone separator ("nhat_ban . bay_nhanh"). */
static size_t handle_end(const char *s, size_t j, size_t len, int colon)
{
	size_t e = j, pe, pieces = 0, longest = 0, rest = 0, joined = j;
	int marked = 0;

	for (;;) {
		for (pe = e; pe < len && pe - e <= HANDLE_RUN && handle_char((unsigned char)s[pe]); pe++)
			if (pieces)
				marked |= !(s[pe] >= 'a' && s[pe] <= 'z');
		if (pe == e)
			break;
		pieces++;
		longest = pe - e > longest ? pe - e : longest;
		if (pieces > 1)
			rest = pe - e > rest ? pe - e : rest;
		joined = pe;
		if (pe + 1 >= len || s[pe] != ' ' || !handle_char((unsigned char)s[pe + 1]))
			break;
		e = pe + 1;
	}
	/* The pieces run to the end of the line or to a bracketed aside;
	 * a longer first piece joins when the short ones after it hold a
	 * digit or separator ("sydneyjob 7 7", "goldenbay _ h r"). */
	if (colon && pieces >= 2 && (longest <= PIECE_MAX || (rest <= 1 && marked)) &&
	    (joined == len || s[joined] == '\n' || s[joined] == '(' ||
	     (joined + 1 < len && s[joined] == ' ' && s[joined + 1] == '(')))
		return joined;
	for (pe = j; pe < len && pe - j <= HANDLE_RUN && handle_char((unsigned char)s[pe]); pe++)
		if (colon && lone_sep(s, pe + 1, len))
			pe += 3;
	return pe;
}

static int id_like(const char *norm)
{
	return strpbrk(norm, "_-.0123456789") != NULL;
}

/* The word at j looks like an id: it holds '_', '.', '-' or a digit. */
static int id_like_word(const char *s, size_t j, size_t len)
{
	size_t e;

	for (e = j; e < len && handle_char((unsigned char)s[e]); e++)
		if (!(s[e] >= 'a' && s[e] <= 'z'))
			return 1;
	return 0;
}

/* "Zalo chị Vy: name", "LINE only: name", "vx, no call: name": a few
 * words between the keyword and the colon. Returns the byte after the
 * colon, or 0. */
static size_t label_colon(const char *s, size_t j, size_t len)
{
	size_t e;

	for (e = j; e < len && e - j < 40 && s[e] != '\n' && s[e] != '@'; e++)
		if (s[e] == ':')
			return e + 1;
	return 0;
}

/* The handle ends the line or comes before a bracketed aside. */
static int ends_line(const char *s, size_t e, size_t len)
{
	while (e < len && s[e] == ' ')
		e++;
	return e == len || s[e] == '\n' || s[e] == '(';
}

/* A bare domain the URL finder took ("LINE ID: safe.migration.th") is the
 * handle when a keyword and colon stand before it. Returns 1 when it was. */
static int take_url(struct ent_ctx *c, const struct platform *p, size_t a, size_t b,
		    char *norm)
{
	size_t k;

	for (k = 0; k < c->n; k++) {
		if (c->v[k].kind != ENTITY_URL || c->v[k].a != a || c->v[k].b != b ||
		    strchr(c->v[k].norm, '/') || strncmp(c->v[k].norm, "www.", 4) == 0)
			continue;
		free(c->v[k].norm);
		c->v[k].norm = norm;
		c->v[k].kind = p->kind;
		return 1;
	}
	return 0;
}

static void keyword_handle(struct ent_ctx *c, const struct platform *p,
			   size_t kw, size_t j)
{
	const char *s = c->t->buf;
	size_t len = c->t->len, e, id, after = j;
	int colon, strong, ahead = 0;
	char *norm;

	id = id_word(s, j, len);
	strong = id != j || j - kw != 4 || memcmp(s + kw, "line", 4);
	j = skip_spaces(s, id, len, 2);
	colon = j < len && s[j] == ':';
	j = skip_spaces(s, j + colon, len, 2);
	if (!colon && (j >= len || s[j] < 'a' || s[j] > 'z' || !id_like_word(s, j, len)) &&
	    (e = label_colon(s, after, len))) {
		/* "LINE only: name": one short word between is as good as
		 * "LINE ID:"; "line" alone is too common a word. */
		strong |= e - after <= 7 && !memchr(s + after + 1, ' ', e - after - 1);
		j = skip_spaces(s, e, len, 2);
		colon = ahead = 1;
	}
	if (j >= len || s[j] < 'a' || s[j] > 'z')
		return;
	e = handle_end(s, j, len, colon);
	while (e > j && (s[e - 1] == '.' || s[e - 1] == '-'))
		e--;
	if (e <= j || !(norm = normalise(c, p, j, e)))
		return;
	if (ent_claimed(c, j, e)) {
		if (!(colon && strong && take_url(c, p, j, e, norm)))
			free(norm);
		return;
	}
	if (id_like(norm) || (colon && strong && (!ahead || ends_line(s, e, len))))
		ent_add(c, p->kind, j, e, norm);
	else
		free(norm);
}

/* "t . m e / name": the link spaced out so the URL finder misses it. */
static void spaced_tme(struct ent_ctx *c, size_t i)
{
	static const char want[] = "t.me/";
	const char *s = c->t->buf;
	size_t j = i, k, len = c->t->len, spaced = 0, e;
	char *norm;

	for (k = 0; want[k]; k++) {
		if (k) {
			e = skip_spaces(s, j, len, 2);
			spaced += e - j;
			j = e;
		}
		if (j >= len || s[j] != want[k])
			return;
		j++;
	}
	j = skip_spaces(s, j, len, 2);
	if (!spaced || j >= len || !handle_char((unsigned char)s[j]))
		return;
	for (e = j; e < len && e - j <= HANDLE_RUN && handle_char((unsigned char)s[e]); e++)
		;
	if (ent_claimed(c, i, e) || !(norm = normalise(c, &platforms[0], j, e)))
		return;
	ent_add(c, ENTITY_TELEGRAM, j, e, norm);
}

/* 1 when a handle may begin at byte ch: an '@', the 't' of a spaced
 * "t . m e", or the first byte of a platform's keyword. */
static int trigger(unsigned char ch)
{
	size_t k;

	if (ch == '@' || ch == 't')
		return 1;
	for (k = 0; k < NPLATFORMS; k++)
		if (platforms[k].kw->first[ch])
			return 1;
	return 0;
}

/* trigger() for every byte, built once after the keyword indexes; and for
 * a UTF-8 lead byte, the union of the platforms' second-byte masks
 * (ent_keywords.second), so that a lead byte no platform's keyword can
 * start with its next byte costs one test, not one per platform. */
static uint8_t triggers[256];
static uint64_t lead_second[64];

static void build_triggers(void)
{
	unsigned ch;
	size_t k;

	for (ch = 0; ch < 256; ch++)
		triggers[ch] = (uint8_t)trigger((unsigned char)ch);
	for (ch = 0xC0; ch < 256; ch++)
		for (k = 0; k < NPLATFORMS; k++)
			if (platforms[k].kw->first[ch])
				lead_second[ch - 0xC0] |= platforms[k].kw->second[ch];
}

static pthread_once_t triggers_once = PTHREAD_ONCE_INIT;

/* Keywords are UTF-8 words, so no trigger is a continuation byte: the lead
 * bytes and ASCII triggers that ent_index_starts marks are all of them. */
const uint8_t *ent_handle_triggers(void)
{
	ent_keywords_init();
	pthread_once(&triggers_once, build_triggers);
	return triggers;
}

void ent_find_handles(struct ent_ctx *c)
{
	const unsigned char *u = (const unsigned char *)c->t->buf;
	const char *s = c->t->buf;
	size_t i, k, e, w;
	uint64_t m;

	pthread_once(&triggers_once, build_triggers);
	/* Only bytes ent_index_starts marked: an ASCII trigger with no ASCII
	 * letter before it, or a UTF-8 lead byte, which may or may not be a
	 * trigger. Every other byte the per-byte loop this replaces passed
	 * over without a look. */
	for (w = 0; w < c->nstarts; w++) {
		for (m = c->handle_starts[w]; m; m &= m - 1) {
			i = w * 64 + (size_t)__builtin_ctzll(m);
			if (i >= c->t->len || ent_full(c))
				return;
			if (!triggers[u[i]])
				continue;
			/* a lead byte can only open a keyword; in Cyrillic
			 * text 0xD0 and 0xD1 lead almost every letter */
			if (u[i] >= 0xC0 && !(lead_second[u[i] - 0xC0] >> (u[i + 1] & 63) & 1))
				continue;
			if (s[i] == '@' && (i == 0 || !handle_char((unsigned char)s[i - 1])))
				at_handle(c, i);
			if (s[i] == 't' && (i == 0 || !handle_char((unsigned char)s[i - 1])) &&
			    (s[i + 1] == ' ' || s[i + 1] == '.'))
				spaced_tme(c, i);
			for (k = 0; k < NPLATFORMS; k++)
				if (ent_keyword_maybe(platforms[k].kw, s, i) &&
				    ent_keyword_at(c, platforms[k].kw, i, &e))
					keyword_handle(c, &platforms[k], i, e);
		}
	}
}

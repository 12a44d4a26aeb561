/* SPDX-License-Identifier: MIT */
/* Phone numbers in normalised text: runs of digit groups with separators,
 * parsed to E.164, and told apart as WhatsApp/Viber contacts or plain
 * phones by the words around them. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "entities_internal.h"
#include "phone.h"
#include "../util/xmalloc.h"

#define MAX_GROUPS 24
#define MAX_TOKEN 20            /* digits in one group */
#define MAX_DIGITS 17           /* a little over E.164's 15, for prefixes */
#define MIN_DIGITS 7

struct group {
	size_t a, b;            /* normalised bytes */
	size_t nd;              /* digits in the group */
	size_t sep;             /* separator bytes before the next group */
	char sepc;              /* the separator when it is one byte */
};

struct cand {
	int plus;
	struct group g[MAX_GROUPS];
	size_t ng;
	char digits[MAX_GROUPS * MAX_TOKEN + 1];
	size_t nd;
};

/* ---- digit groups ---------------------------------------------------------- */

/* The digit at normalised byte i: a digit, a digit that leetspeak folding
 * made a letter ("Ol7O" became "olto"), or O/l/I written for 0/1. *real is
 * 1 for the first two. Returns 0 for anything else. */
static char digitish(const struct ent_ctx *c, size_t i, int *real)
{
	char ch = c->t->buf[i], o;

	*real = 1;
	if (ent_is_digit((unsigned char)ch))
		return ch;
	o = ent_orig_digit(c, i);
	if (o)
		return o;
	*real = 0;
	if (ch == 'o')
		return '0';
	if (ch == 'l' || ch == 'i')
		return '1';
	return 0;
}

/* A whole word of digits at i, appended to k->digits. Returns its end, or
 * 0 when the word holds other letters, no real digit, or is too long. */
static size_t token(const struct ent_ctx *c, size_t i, struct cand *k)
{
	const char *s = c->t->buf;
	size_t j, len = c->t->len, n = 0;
	int real, any = 0;
	char d;

	for (j = i; j < len && j - i < MAX_TOKEN; j++) {
		d = digitish(c, j, &real);
		if (!d)
			break;
		any |= real;
		k->digits[k->nd + n++] = d;
	}
	if (!n || !any || (j < len && (ent_is_alnum((unsigned char)s[j]) || s[j] == '_')))
		return 0;
	k->nd += n;
	return j;
}

static int is_sep(char ch)
{
	return ch == ' ' || ch == '.' || ch == '-' || ch == '(' || ch == ')';
}

/* A digit that was written as a word ("five", "cinco"). */
static int spelled(const struct ent_ctx *c, size_t i)
{
	uint32_t a = c->t->start[i];

	return ent_is_digit((unsigned char)c->t->buf[i]) && c->t->end[i] - a > 1 &&
	       ((c->orig[a] | 0x20) >= 'a' && (c->orig[a] | 0x20) <= 'z');
}

/* The separator run at i: length (0 when it cannot join two groups). A
 * comma joins only digits spelled out ("zero two one, five five five"). */
static size_t separator(const struct ent_ctx *c, size_t i)
{
	const char *s = c->t->buf;
	size_t j, len = c->t->len;

	if (i > 0 && i + 2 < len && s[i] == ',' && s[i + 1] == ' ' &&
	    spelled(c, i - 1) && spelled(c, i + 2))
		return 2;

	for (j = i; j < len && j - i < 4 && is_sep(s[j]); j++)
		if (s[j] == '.' && j + 1 < len && s[j + 1] == ' ')
			return 0;   /* a full stop ends the number */
	if (j - i > 3)
		return 0;
	return j - i;
}

/* ---- where a number may start -------------------------------------------- */

static int currency_before(const char *s, size_t i)
{
	utf8proc_int32_t cp;
	size_t j = i;

	while (j > 0 && i - j < 4 && ((unsigned char)s[j - 1] & 0xC0) == 0x80)
		j--;
	if (j == 0 || (unsigned char)s[j - 1] < 0xC0)
		return 0;
	if (utf8proc_iterate((const utf8proc_uint8_t *)s + j - 1,
			     (utf8proc_ssize_t)(i - j + 1), &cp) < 0)
		return 0;
	return utf8proc_category(cp) == UTF8PROC_CATEGORY_SC;
}

/* Not inside a word, an amount ("$1400", "€1.500") or a decimal, id or
 * path ("3.25", "#4021", "/64215550168"). */
static int start_ok(const struct ent_ctx *c, size_t i)
{
	const char *s = c->t->buf;
	unsigned char p;

	if (i == 0)
		return 1;
	p = (unsigned char)s[i - 1];
	if (ent_is_alnum(p) || strchr("_$+#/@=&%*", p))
		return 0;
	if ((p == '.' || p == ',') && i >= 2 && ent_is_digit((unsigned char)s[i - 2]))
		return 0;
	return p < 0x80 || !currency_before(s, i);
}

/* Reads "+", "(" and digit groups from i into k. Returns the count of
 * groups. */
static size_t read_groups(const struct ent_ctx *c, size_t i, struct cand *k)
{
	const char *s = c->t->buf;
	size_t len = c->t->len, j = i, e, sep;

	memset(k, 0, sizeof(*k));
	if (s[j] == '(' && j + 1 < len)
		j++;
	if (s[j] == '+') {
		k->plus = 1;
		j++;
		if (j < len && s[j] == ' ')
			j++;
	}
	while (k->ng < MAX_GROUPS && j < len && (e = token(c, j, k))) {
		k->g[k->ng].a = j;
		k->g[k->ng].b = e;
		k->g[k->ng].nd = e - j;
		sep = separator(c, e);
		k->g[k->ng].sep = sep;
		k->g[k->ng].sepc = sep == 1 ? s[e] : 0;
		k->ng++;
		if (!sep)
			break;
		j = e + sep;
	}
	return k->ng;
}

/* ---- plausibility ---------------------------------------------------------- */

/* 12.05.2024, 2024-05-12, 5/12/24: a date, never a phone. */
static int is_date(const struct cand *k, size_t ng)
{
	const struct group *g = k->g;

	if (ng != 3 || !g[0].sepc || g[0].sepc == ' ' || g[0].sepc != g[1].sepc)
		return 0;
	if (g[0].nd <= 2 && g[1].nd <= 2 && (g[2].nd == 2 || g[2].nd == 4))
		return 1;
	return g[0].nd == 4 && g[1].nd <= 2 && g[2].nd <= 2;
}

/* (NXX) NXX-XXXX, NXX-NXX-XXXX or 1 NXX NXX XXXX. */
static int nanp_shape(const struct cand *k, size_t ng, size_t d0)
{
	const struct group *g = k->g;
	size_t o = 0;

	if (ng == 4 && g[0].nd == 1 && k->digits[d0] == '1')
		o = 1;
	else if (ng != 3)
		return 0;
	return g[o].nd == 3 && g[o + 1].nd == 3 && g[o + 2].nd == 4 &&
	       k->digits[d0 + o] >= '2' && k->digits[d0 + o + 3] >= '2';
}

/* "021 555 0178 2 people": a lone digit after a full group is the next
 * word of the sentence, not the end of the number (spelled-out numbers
 * come as lone digits throughout, and are left alone). */
static int stray_digit(const struct cand *k, size_t ng)
{
	return ng >= 2 && k->g[ng - 1].nd == 1 && k->g[ng - 2].nd >= 3;
}

/* A decimal or percentage goes on after the last digit. */
static int runs_on(const char *s, size_t e, size_t len)
{
	if (e >= len)
		return 0;
	if (s[e] == '%')
		return 1;
	return (s[e] == '.' || s[e] == ',') && e + 1 < len &&
	       ent_is_digit((unsigned char)s[e + 1]);
}

/* ---- WhatsApp or phone ------------------------------------------------------ */

/* End of the last entity before a on a's line, or the line start. */
static size_t context_start(const struct ent_ctx *c, size_t a)
{
	size_t lo = ent_line_start(c, a), j;

	for (j = 0; j < c->n; j++)
		if (c->v[j].b <= a && c->v[j].b > lo)
			lo = c->v[j].b;
	return lo;
}

/* "021 555 0186 (WhatsApp)", "... / viber" or a keyword ending the line. */
static int keyword_after(const struct ent_ctx *c, size_t b)
{
	const char *s = c->t->buf;
	size_t e = b, len = c->t->len, ke;
	int mark = 0;

	while (e < len && e - b < 3 && strchr(" ([-/:", s[e]) && s[e]) {
		mark |= s[e] != ' ' && s[e] != ':';
		e++;
	}
	if (!ent_keyword_at(c, ent_kw_whatsapp, e, &ke))
		return 0;
	if (mark)
		return 1;
	while (ke < len && ke - e < 16 && strchr(" ).!", s[ke]) && s[ke])
		ke++;
	return ke == len || s[ke] == '\n';
}

/* The keyword ends the previous line ("WhatsApp:" above the number). */
static int keyword_line_above(const struct ent_ctx *c, size_t lo, size_t a)
{
	const char *s = c->t->buf;
	size_t i, ps, ke;

	for (i = lo; i < a; i++)
		if (ent_is_alnum((unsigned char)s[i]))
			return 0;
	if (lo == 0 || s[lo - 1] != '\n' || lo < 2)
		return 0;
	ps = ent_line_start(c, lo - 2);
	if (!ent_keyword_last(c, ent_kw_whatsapp, ps, lo - 1, NULL, &ke))
		return 0;
	while (ke < lo - 1 && strchr(" :-", s[ke]) && s[ke])
		ke++;
	return ke == lo - 1;
}

static int is_whatsapp(const struct ent_ctx *c, size_t a, size_t b)
{
	size_t lo = context_start(c, a);

	return ent_keyword_last(c, ent_kw_whatsapp, lo, a, NULL, NULL) ||
	       ent_flag_letters(c, ent_kw_whatsapp, lo, a) ||
	       keyword_after(c, b) || keyword_line_above(c, lo, a);
}

/* ---- the finder ------------------------------------------------------------ */

/* Tries the longest run of groups first ("021 555 0178" before "021 555"),
 * so a number is never cut short. Returns the end of the number or 0. */
static size_t parse(struct ent_ctx *c, size_t i, struct cand *k)
{
	struct phone_input in;
	char e164[PHONE_E164_MAX + 1];
	size_t ng, nd, j, b;

	for (ng = k->ng; ng > 0; ng--) {
		for (nd = 0, j = 0; j < ng; j++)
			nd += k->g[j].nd;
		b = k->g[ng - 1].b;
		if (nd < MIN_DIGITS)
			return 0;
		if (nd > MAX_DIGITS || is_date(k, ng) || stray_digit(k, ng) ||
		    runs_on(c->t->buf, b, c->t->len) || ent_claimed(c, i, b))
			continue;
		in.digits = k->digits;
		in.ndigits = nd;
		in.plus = k->plus;
		in.nanp_shape = !k->plus && nanp_shape(k, ng, 0);
		if (phone_to_e164(&in, c->region, e164))
			continue;
		ent_add(c, is_whatsapp(c, i, b) ? ENTITY_WHATSAPP : ENTITY_PHONE,
			i, b, xstrdup(e164));
		return b;
	}
	return 0;
}

static int may_start(const struct ent_ctx *c, size_t i)
{
	const char *s = c->t->buf;
	int real;

	if (s[i] == '+' || s[i] == '(')
		return i + 1 < c->t->len && start_ok(c, i);
	return digitish(c, i, &real) && start_ok(c, i);
}

void ent_find_phones(struct ent_ctx *c)
{
	struct cand *k = xmalloc(sizeof(*k));
	size_t i = 0, e;

	while (i < c->t->len && !ent_full(c)) {
		if (!may_start(c, i) || !read_groups(c, i, k)) {
			i++;
			continue;
		}
		e = parse(c, i, k);
		/* On failure, a number may still start at the next group. */
		i = e ? e : k->g[0].b;
	}
	free(k);
}

/* SPDX-License-Identifier: MIT */
/* E-mail addresses in normalised text, including the written-out forms
 * ad posters use to dodge filters: "name[at]domain(dot)com",
 * "name (at) domain . com", "name at domain dot com". */
#include <stdlib.h>
#include <string.h>

#include "entities_internal.h"
#include "../util/buf.h"

#define EMAIL_MAX 254
#define ATOM_MAX 64
#define ATOMS_MAX 12

/* How strongly the '@' was written: a real '@' or a bracketed "(at)" make
 * an address of anything dotted; a bare " at " needs a bracketed or
 * spelled-out "dot" too, or every "look at example.com" would be one. */
enum at_kind { AT_NONE, AT_STRONG, AT_WEAK };

static int local_char(unsigned char ch)
{
	return ent_is_alnum(ch) || ch == '_' || ch == '%' || ch == '+' || ch == '-';
}

static int domain_char(unsigned char ch)
{
	return ent_is_alnum(ch) || ch == '-';
}

static size_t spaces(const char *s, size_t i, size_t len, size_t max)
{
	size_t j = i;

	while (j < len && j - i < max && s[j] == ' ')
		j++;
	return j;
}

/* "(at)", "[dot]", "{ at }": a bracketed word at i. Returns its end or 0. */
static size_t bracketed(const char *s, size_t i, size_t len, const char *word)
{
	size_t j, n = strlen(word);

	if (i >= len || !strchr("([{<", s[i]) || !s[i])
		return 0;
	j = spaces(s, i + 1, len, 1);
	if (n > len - j || memcmp(s + j, word, n))
		return 0;
	j = spaces(s, j + n, len, 1);
	if (j >= len || !strchr(")]}>", s[j]) || !s[j])
		return 0;
	return j + 1;
}

/* The separator between two atoms at i: "." or an obfuscated dot. Returns
 * its end (0 when none); *obf is set for the obfuscated ones. */
static size_t dot_at(const char *s, size_t i, size_t len, int strong, int *obf)
{
	size_t j = spaces(s, i, len, 2), e;

	if (j == i && i < len && s[i] == '.')
		return i + 1;
	*obf = 1;
	/* Spanish, Portuguese and French posters write their own word. */
	if ((e = bracketed(s, j, len, "dot")) || (e = bracketed(s, j, len, ".")) ||
	    (e = bracketed(s, j, len, "punto")) || (e = bracketed(s, j, len, "ponto")) ||
	    (e = bracketed(s, j, len, "point")))
		return spaces(s, e, len, 2);
	if (j > i && j + 4 <= len && !memcmp(s + j, "dot ", 4))
		return j + 4;
	if (strong && j > i && j + 2 <= len && s[j] == '.' && s[j + 1] == ' ')
		return j + 2;
	*obf = 0;
	return 0;
}

static size_t at_at(const char *s, size_t i, size_t len, enum at_kind *kind)
{
	size_t j = spaces(s, i, len, 2), e;

	*kind = AT_STRONG;
	if (j < len && s[j] == '@')
		return spaces(s, j + 1, len, 2);
	if ((e = bracketed(s, j, len, "at")) || (e = bracketed(s, j, len, "@")) ||
	    (e = bracketed(s, j, len, "arroba")))
		return spaces(s, e, len, 2);
	*kind = AT_WEAK;
	if (j == i + 1 && j + 3 <= len && !memcmp(s + j, "at ", 3))
		return j + 3;
	*kind = AT_NONE;
	return 0;
}

/* Atoms of charset ok joined by dots, from i, written to out (raw bytes,
 * '.' for every dot) unless out is NULL. Returns the end of the last atom,
 * or 0. *last is the start of the last atom. */
static size_t dotted(const struct ent_ctx *c, size_t i, int (*ok)(unsigned char),
		     int strong, int *obf, size_t *natoms, size_t *last,
		     struct lw_buf *out)
{
	const char *s = c->t->buf;
	size_t len = c->t->len, j = i, e, end = 0, k;
	int o;

	*natoms = 0;
	while (*natoms < ATOMS_MAX) {
		for (e = j; e < len && e - j < ATOM_MAX && ok((unsigned char)s[e]); e++)
			;
		if (e == j || (e < len && ok((unsigned char)s[e])))
			break;
		if (out && *natoms && lw_buf_addc(out, '.') < 0)
			return 0;
		for (k = j; out && k < e; k++)
			if (lw_buf_addc(out, ent_raw(c, k)) < 0)
				return 0;
		(*natoms)++;
		*last = j;
		end = e;
		o = 0;
		j = dot_at(s, e, len, strong, &o);
		if (!j)
			break;
		*obf |= o;
	}
	return end;
}

static int tld_ok(const char *s, size_t a, size_t b)
{
	size_t i;

	if (b - a < 2 || b - a > 24)
		return 0;
	for (i = a; i < b; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return 0;
	return 1;
}

/* A local part of letters with a dot or '_' ("the.smith.farm at
 * example.net") reads as an address even after a bare " at ": prose before
 * "at" is a plain word ("look at example.com"), a time has no letter. */
static int local_marked(const char *s, size_t a, size_t b)
{
	size_t i;
	int mark = 0, letter = 0;

	for (i = a; i < b; i++) {
		mark |= s[i] == '.' || s[i] == '_';
		letter |= s[i] >= 'a' && s[i] <= 'z';
	}
	return mark && letter;
}

/* An address starting at i; adds it and returns its end, or returns 0. */
static size_t email_at(struct ent_ctx *c, size_t i)
{
	const char *s = c->t->buf;
	struct lw_buf out;
	size_t len = c->t->len, e, d, n, last = 0;
	enum at_kind at;
	int obf = 0, ret = 0, marked;

	lw_buf_init(&out, EMAIL_MAX);
	e = dotted(c, i, local_char, 1, &obf, &n, &last, &out);
	if (!e || !(d = at_at(s, e, len, &at)))
		goto out;
	marked = local_marked(s, i, e);
	obf = 0;
	if (lw_buf_addc(&out, '@') < 0)
		goto out;
	e = dotted(c, d, domain_char, at == AT_STRONG, &obf, &n, &last, &out);
	if (!e || n < 2 || !tld_ok(s, last, e) || (at == AT_WEAK && !obf && !marked) ||
	    ent_claimed(c, i, e))
		goto out;
	if (!ent_add(c, ENTITY_EMAIL, i, e, lw_buf_detach(&out, NULL)))
		ret = 1;
out:
	lw_buf_release(&out);
	return ret ? e : 0;
}

/* ---- where addresses can be ------------------------------------------------ */

/* The longest obfuscated dot dot_at reads ("  ( punto )  "), and so the
 * furthest an address's start can lie before its '@': ATOMS_MAX atoms of
 * ATOM_MAX bytes with such dots between them, then at_at's two spaces. */
#define DOT_MAX 13
#define LOCAL_REACH (ATOMS_MAX * ATOM_MAX + (ATOMS_MAX - 1) * DOT_MAX + 2)

/* 1 when at_at could find its '@' ("@", "(at)", " at ") at j with a
 * domain after it that email_at would take: a necessary condition for an
 * address around j, and one ordinary prose ("at least") fails at once. */
static int at_marker(const struct ent_ctx *c, size_t j)
{
	const char *s = c->t->buf;
	size_t len = c->t->len, d, e, n, last = 0;
	int strong = 1, obf = 0;

	if (s[j] == '@')
		d = spaces(s, j + 1, len, 2);
	else if ((e = bracketed(s, j, len, "at")) || (e = bracketed(s, j, len, "@")) ||
		 (e = bracketed(s, j, len, "arroba")))
		d = spaces(s, e, len, 2);
	else if (s[j] == 'a' && j > 0 && s[j - 1] == ' ' && j + 3 <= len &&
		 !memcmp(s + j, "at ", 3))
		d = j + 3, strong = 0;
	else
		return 0;
	e = dotted(c, d, domain_char, strong, &obf, &n, &last, NULL);
	return e && n >= 2 && tld_ok(s, last, e);
}

/* The next byte from j on that at_marker could accept: an '@' or opening
 * bracket, or the 'a' of " at "; len when none follows. Both are found
 * with the C library's vectorised scans, as most text holds neither. */
struct markers {
	size_t sym, at;         /* next of each kind found so far */
};

static size_t next_sym(const char *s, size_t j, size_t len)
{
	/* The text is NUL-terminated but may hold NULs: step over them. */
	while (j < len) {
		j += strcspn(s + j, "@([{<");
		if (j >= len || s[j])
			break;
		j++;
	}
	return j < len ? j : len;
}

static size_t next_at(const char *s, size_t j, size_t len)
{
	const char *p;

	if (j == 0)
		j = 1;
	while (j + 3 <= len) {
		if ((p = strstr(s + j - (s[j - 1] != '\0'), " at ")))
			return (size_t)(p - s) + 1;
		j += strlen(s + j) + 1;         /* past a NUL inside the text */
	}
	return len;
}

static size_t next_marker(const char *s, size_t j, size_t len, struct markers *m)
{
	if (m->sym < j)
		m->sym = next_sym(s, j, len);
	if (m->at < j)
		m->at = next_at(s, j, len);
	return m->sym < m->at ? m->sym : m->at;
}

/* Tries every start in [from, to) as the reference finder would, and
 * returns where the next try may begin. */
static size_t try_starts(struct ent_ctx *c, size_t from, size_t to)
{
	const char *s = c->t->buf;
	size_t i, e;

	for (i = from; i < to && !ent_full(c); i++) {
		if (!local_char((unsigned char)s[i]) || s[i] == '-' || s[i] == '+' ||
		    (i > 0 && (local_char((unsigned char)s[i - 1]) ||
			       s[i - 1] == '.' || s[i - 1] == '@')))
			continue;
		e = email_at(c, i);
		if (e)
			i = e - 1;
	}
	return i;
}

/* Addresses start only within LOCAL_REACH before a marker, so only there
 * are starts tried; after an address, the next try begins at its end, as
 * in a walk over every byte. */
void ent_find_emails(struct ent_ctx *c)
{
	const char *s = c->t->buf;
	struct markers m = { 0, 0 };
	size_t j, from, next = 0, len = c->t->len;

	m.sym = next_sym(s, 0, len);
	m.at = next_at(s, 0, len);
	for (j = next_marker(s, 0, len, &m); j < len && !ent_full(c);
	     j = next_marker(s, j + 1, len, &m)) {
		if (j < next || !at_marker(c, j))
			continue;
		from = j > LOCAL_REACH ? j - LOCAL_REACH : 0;
		next = try_starts(c, from > next ? from : next, j + 1);
	}
}

/* SPDX-License-Identifier: MIT */
/* Web addresses in normalised text (with a scheme, "www." or a bare domain
 * under a known top-level domain), and the messenger links among them:
 * wa.me and api.whatsapp.com numbers, t.me names, line.me ids. */
#include <stdlib.h>
#include <string.h>

#include "entities_internal.h"
#include "phone.h"
#include "../util/buf.h"
#include "../util/xmalloc.h"

#define URL_MAX 2048
#define LABELS_MAX 16

/* Top-level domains a bare "name.tld" may end in: the generic ones ads use
 * and the country codes of the region; the reserved "example" for tests. */
static const char *const tlds[] = {
	"com", "net", "org", "info", "biz", "io", "co", "app", "dev", "xyz",
	"online", "site", "top", "shop", "store", "club", "live", "me", "tv",
	"cc", "ly", "link", "click", "work", "jobs", "agency", "example",
	"nz", "au", "uk", "us", "ca", "ph", "vn", "th", "id", "my", "sg", "cn",
	"hk", "tw", "jp", "kr", "in", "pk", "bd", "lk", "np", "ae", "sa", "qa",
	"kw", "om", "ru", "ua", "kz", "de", "fr", "es", "it", "nl", "pl", "pt",
	"gr", "cy", "tr", "ie", "za", "ng", "ke", "gh", "fj", "to", "ws", "tk",
	"mx", "ar", "cl", "br", NULL
};

struct url {
	size_t a;               /* start, scheme included */
	size_t host, host_end;  /* host */
	size_t end;
};

static int label_char(unsigned char ch)
{
	return ent_is_alnum(ch) || ch == '-';
}

static int path_char(unsigned char ch)
{
	return ent_is_alnum(ch) || (ch && strchr("-._~/?#[]@!$&'()*+,;=%:", ch));
}

static int known_tld(const char *s, size_t a, size_t b)
{
	size_t k;

	for (k = 0; tlds[k]; k++)
		if (strlen(tlds[k]) == b - a && !memcmp(s + a, tlds[k], b - a))
			return 1;
	return 0;
}

/* Host labels from i. Returns the end, 0 when not a host name; *tld is
 * the start of the last label. */
static size_t host_at(const char *s, size_t i, size_t len, size_t *tld)
{
	size_t j = i, e, n = 0, k;

	while (n < LABELS_MAX) {
		for (e = j; e < len && e - j < 63 && label_char((unsigned char)s[e]); e++)
			;
		if (e == j || s[j] == '-' || s[e - 1] == '-')
			return 0;
		*tld = j;
		n++;
		if (e + 1 >= len || s[e] != '.' || !label_char((unsigned char)s[e + 1]))
			break;
		j = e + 1;
	}
	if (n < 2 || e - *tld < 2)
		return 0;
	for (k = *tld; k < e; k++)
		if (s[k] < 'a' || s[k] > 'z')
			return 0;
	return e;
}

static size_t path_end(const char *s, size_t i, size_t len)
{
	size_t e = i;

	if (e < len && s[e] == ':')
		for (e++; e < len && ent_is_digit((unsigned char)s[e]); e++)
			;
	if (e >= len || !strchr("/?#", s[e]) || !s[e])
		return i;
	while (e < len && e - i < URL_MAX && path_char((unsigned char)s[e]))
		e++;
	while (e > i && strchr(".,;:!?')\"*", s[e - 1]))
		e--;
	return e;
}

static int scheme_at(const char *s, size_t i, size_t len)
{
	if (len - i >= 8 && !memcmp(s + i, "https://", 8))
		return 8;
	if (len - i >= 7 && !memcmp(s + i, "http://", 7))
		return 7;
	return 0;
}

/* A web address starting at i, or 0. */
static int url_at(const struct ent_ctx *c, size_t i, struct url *u)
{
	const char *s = c->t->buf;
	size_t len = c->t->len, tld, e;
	int scheme = scheme_at(s, i, len);

	u->a = i;
	u->host = i + (size_t)scheme;
	e = host_at(s, u->host, len, &tld);
	if (!e || (e < len && (s[e] == '@' || s[e] == '_')))
		return 0;
	if (!scheme && !(len - u->host > 4 && !memcmp(s + u->host, "www.", 4)) &&
	    !known_tld(s, tld, e))
		return 0;
	u->host_end = e;
	u->end = path_end(s, e, len);
	return 1;
}

/* ---- messenger links ------------------------------------------------------ */

static int host_is(const char *s, const struct url *u, const char *name)
{
	size_t h = u->host, n = strlen(name);

	if (u->host_end - h > 4 && !memcmp(s + h, "www.", 4))
		h += 4;
	return u->host_end - h == n && !memcmp(s + h, name, n);
}

/* The run of chars ok after prefix at p in the URL, as [*a, *b). */
static int after(const char *s, const struct url *u, const char *prefix,
		 int (*ok)(unsigned char), size_t *a, size_t *b)
{
	const char *hit;
	size_t n = strlen(prefix), e;

	hit = NULL;
	for (e = u->host_end; e + n <= u->end && !hit; e++)
		if (!memcmp(s + e, prefix, n))
			hit = s + e;
	if (!hit)
		return 0;
	*a = (size_t)(hit - s) + n;
	for (e = *a; e < u->end && ok((unsigned char)s[e]); e++)
		;
	*b = e;
	return e > *a;
}

static int digit_char(unsigned char ch)
{
	return ent_is_digit(ch);
}

static int name_char(unsigned char ch)
{
	return ent_is_alnum(ch) || ch == '_' || ch == '.' || ch == '-';
}

static int add_whatsapp(struct ent_ctx *c, const struct url *u, size_t a, size_t b)
{
	struct phone_input in;
	char e164[PHONE_E164_MAX + 1];

	in.digits = c->t->buf + a;
	in.ndigits = b - a;
	in.plus = 1;
	in.nanp_shape = 0;
	if (phone_to_e164(&in, c->region, e164))
		return -1;
	return ent_add(c, ENTITY_WHATSAPP, u->a, u->end, xstrdup(e164));
}

/* The raw, lowercased bytes [a, b) without characters in drop. */
static char *copy(const struct ent_ctx *c, size_t a, size_t b, const char *drop)
{
	char *out = xmalloc(b - a + 1);
	size_t i, n = 0;
	char ch;

	for (i = a; i < b; i++) {
		ch = ent_raw(c, i);
		if (ch && !strchr(drop, ch))
			out[n++] = ch;
	}
	out[n] = '\0';
	return out;
}

static int add_name(struct ent_ctx *c, int kind, const struct url *u,
		    size_t a, size_t b, size_t min, const char *drop)
{
	char *norm = copy(c, a, b, drop);
	size_t n = strlen(norm);

	if (n < min || n > 32 || !strcmp(norm, "joinchat") || !strcmp(norm, "s")) {
		free(norm);
		return -1;
	}
	return ent_add(c, kind, u->a, u->end, norm);
}

/* Adds a messenger link as its own kind. Returns 0, or -1 when u is not
 * one (or holds no usable number or name). */
static int messenger(struct ent_ctx *c, const struct url *u)
{
	const char *s = c->t->buf;
	size_t a, b;

	if (host_is(s, u, "wa.me") && after(s, u, "/", digit_char, &a, &b))
		return add_whatsapp(c, u, a, b);
	if ((host_is(s, u, "api.whatsapp.com") || host_is(s, u, "whatsapp.com") ||
	     host_is(s, u, "web.whatsapp.com")) && after(s, u, "phone=", digit_char, &a, &b))
		return add_whatsapp(c, u, a, b);
	if ((host_is(s, u, "t.me") || host_is(s, u, "telegram.me") ||
	     host_is(s, u, "telegram.dog")) && after(s, u, "/", name_char, &a, &b))
		return add_name(c, ENTITY_TELEGRAM, u, a, b, 5, ".");
	if (host_is(s, u, "line.me") && (after(s, u, "/p/~", name_char, &a, &b) ||
					  after(s, u, "/p/@", name_char, &a, &b)))
		return add_name(c, ENTITY_LINE, u, a, b, 3, "");
	return -1;
}

/* ---- the finder ------------------------------------------------------------ */

static int start_ok(const char *s, size_t i)
{
	unsigned char p;

	if (i == 0)
		return 1;
	p = (unsigned char)s[i - 1];
	return !label_char(p) && !strchr("._@/:%+=&", p);
}

/* The furthest a web address's start lies before the first dot of its
 * host: the longest scheme and a 63-byte label. */
#define DOT_REACH (8 + 63)

/* Tries every start in [from, to) as the reference finder would, and
 * returns where the next try may begin. */
static size_t try_starts(struct ent_ctx *c, size_t from, size_t to)
{
	const char *s = c->t->buf;
	struct url u;
	size_t i, e;

	for (i = from; i < to && !ent_full(c); i++) {
		if (!ent_is_alnum((unsigned char)s[i]) || !start_ok(s, i) ||
		    !url_at(c, i, &u))
			continue;
		/* "site.example/" is the same address as "site.example". */
		e = u.end == u.host_end + 1 && s[u.host_end] == '/' ? u.host_end : u.end;
		if (!ent_claimed(c, u.a, u.end) && messenger(c, &u) < 0 &&
		    !ent_claimed(c, u.a, u.end))
			ent_add(c, ENTITY_URL, u.a, u.end, copy(c, u.host, e, ""));
		i = u.end - 1;
	}
	return i;
}

/* Every host has two labels, so a dot between label characters lies
 * within DOT_REACH after an address's start: only there are starts tried.
 * After an address the next try begins at its end, as in a walk over
 * every byte. */
void ent_find_urls(struct ent_ctx *c)
{
	const char *s = c->t->buf;
	const char *dot;
	size_t q, from, next = 0, len = c->t->len;

	for (q = 1; q + 1 < len && !ent_full(c); q++) {
		if (!(dot = memchr(s + q, '.', len - 1 - q)))
			break;
		q = (size_t)(dot - s);
		if (q < next || !label_char((unsigned char)s[q - 1]) ||
		    !label_char((unsigned char)s[q + 1]))
			continue;
		from = q > DOT_REACH ? q - DOT_REACH : 0;
		next = try_starts(c, from > next ? from : next, q);
	}
}

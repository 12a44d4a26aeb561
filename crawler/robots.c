/* SPDX-License-Identifier: MIT */
/* robots.txt parser and matcher per RFC 9309, with the leniencies of Google's
 * parser that its conformance suite expects (see docs/robots.md). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "robots.h"
#include "../util/xmalloc.h"
#include "../util/hex.h"

enum robots_mode { MODE_RULES, MODE_ALLOW_ALL, MODE_DISALLOW_ALL };

struct rule {
	char *pattern;          /* normalised; a final '$' anchors the end */
	size_t len;             /* priority: octets of the normalised pattern */
	char *text;             /* "Disallow: /x" as written, for robots_explain */
	unsigned line;
	unsigned char allow;
	unsigned char derived;  /* Google's "index.html also means the folder" rule */
};

struct rules {
	struct rule *v;
	size_t n, cap;
};

struct robots {
	enum robots_mode mode;
	struct rules rules;     /* sorted: longest first, Allow before Disallow */
	size_t maxlen;          /* longest pattern, sizes the matcher's scratch */
	double delay;
	char **sitemaps;
	size_t nsitemaps, capsitemaps;
};

/* A byte range of the input; never NUL-terminated. */
struct slice {
	const char *p;
	size_t n;
};

/* ---- small helpers ------------------------------------------------------ */

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* RFC 9309 2.2.1: product tokens are letters, '_' and '-'. */
static int is_token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

/* RFC 3986 2.3 unreserved characters. */
static int is_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static void trim(struct slice *s)
{
	while (s->n > 0 && is_ws((unsigned char)s->p[0])) {
		s->p++;
		s->n--;
	}
	while (s->n > 0 && is_ws((unsigned char)s->p[s->n - 1]))
		s->n--;
}

static const char *find_ws(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_ws((unsigned char)p[i]))
			return p + i;
	return NULL;
}

/* A NUL-terminated copy of n bytes (which may themselves contain NULs). */
static char *copy_bytes(const char *p, size_t n)
{
	char *s = xmalloc(n + 1);

	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* Percent-encoding normalisation for comparison (RFC 9309 2.2.2): %xx of an
 * unreserved character becomes the character, other escapes get upper-case
 * hex digits, and bytes outside printable ASCII are percent-encoded. Applied
 * alike to patterns and to paths, so "%7e", "%7E" and "~" compare equal but
 * "%2F" and "/" do not. Returns a new string (caller frees). */
static char *normalise(const char *p, size_t n, size_t *outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xreallocarray(NULL, n + 1, 3);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		int hi = i + 2 < n ? lw_hex_digit((unsigned char)p[i + 1]) : -1;
		int lo = i + 2 < n ? lw_hex_digit((unsigned char)p[i + 2]) : -1;

		if (c == '%' && hi >= 0 && lo >= 0) {
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
			if (is_unreserved(c)) {
				out[o++] = (char)c;
				continue;
			}
		} else if (c > 0x20 && c < 0x7f) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* ---- the object ----------------------------------------------------------- */

static struct robots *robots_new(enum robots_mode mode)
{
	struct robots *r = xcalloc(1, sizeof(*r));

	r->mode = mode;
	r->delay = -1;
	return r;
}

static void rules_release(struct rules *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].pattern);
		free(l->v[i].text);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static void rules_push(struct rules *l, const struct rule *ru)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = *ru;
}

void robots_free(struct robots *r)
{
	if (!r)
		return;
	rules_release(&r->rules);
	for (size_t i = 0; i < r->nsitemaps; i++)
		free(r->sitemaps[i]);
	free(r->sitemaps);
	free(r);
}

struct robots *robots_allow_all(void)
{
	return robots_new(MODE_ALLOW_ALL);
}

struct robots *robots_disallow_all(void)
{
	return robots_new(MODE_DISALLOW_ALL);
}

double robots_crawl_delay(const struct robots *r)
{
	return r ? r->delay : -1;
}

size_t robots_sitemap_count(const struct robots *r)
{
	return r ? r->nsitemaps : 0;
}

const char *robots_sitemap(const struct robots *r, size_t i)
{
	return r && i < r->nsitemaps ? r->sitemaps[i] : NULL;
}

size_t robots_rule_count(const struct robots *r)
{
	return r ? r->rules.n : 0;
}

/* ---- parsing: records ---------------------------------------------------- */

enum key { KEY_NONE, KEY_AGENT, KEY_ALLOW, KEY_DISALLOW, KEY_SITEMAP, KEY_DELAY };

/* Directive names, case-insensitive, with the misspellings Google accepts. */
static const struct {
	const char *name;
	enum key key;
} keys[] = {
	{ "user-agent", KEY_AGENT },   { "useragent", KEY_AGENT },    { "user agent", KEY_AGENT },
	{ "allow", KEY_ALLOW },        { "disallow", KEY_DISALLOW },  { "dissallow", KEY_DISALLOW },
	{ "dissalow", KEY_DISALLOW },  { "disalow", KEY_DISALLOW },   { "diasllow", KEY_DISALLOW },
	{ "disallaw", KEY_DISALLOW },  { "sitemap", KEY_SITEMAP },    { "site-map", KEY_SITEMAP },
	{ "crawl-delay", KEY_DELAY },  { "crawldelay", KEY_DELAY },   { "crawl delay", KEY_DELAY },
};

static enum key key_of(struct slice k)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == k.n && strncasecmp(keys[i].name, k.p, k.n) == 0)
			return keys[i].key;
	return KEY_NONE;
}

/* Splits "key: value # comment" into trimmed key and value. Like Google's
 * parser, accepts a missing colon when the line is exactly two words
 * ("disallow /"). Returns -1 for blank and unparseable lines. */
static int split_line(const char *p, size_t n, struct slice *key, struct slice *val)
{
	const char *hash = memchr(p, '#', n);
	struct slice line = { p, hash ? (size_t)(hash - p) : n };
	const char *sep, *end;

	trim(&line);
	if (line.n == 0)
		return -1;
	end = line.p + line.n;
	sep = memchr(line.p, ':', line.n);
	if (!sep) {
		const char *v;

		sep = find_ws(line.p, line.n);
		if (!sep)
			return -1;
		for (v = sep; v < end && is_ws((unsigned char)*v); v++)
			;
		if (find_ws(v, (size_t)(end - v)))
			return -1;
	}
	key->p = line.p;
	key->n = (size_t)(sep - line.p);
	val->p = sep + 1;
	val->n = (size_t)(end - val->p);
	trim(key);
	trim(val);
	return 0;
}

struct parser {
	struct robots *r;
	const char *agent;
	size_t agentlen;
	struct rules spec, glob;  /* rules of groups naming the agent, and of "*" */
	double spec_delay, glob_delay;
	int in_agents;            /* the last record was a user-agent line */
	int cur_spec, cur_glob;   /* the current group names the agent, "*" */
	int seen_spec;            /* some group names the agent */
	unsigned line;
};

static void on_agent(struct parser *ps, struct slice v)
{
	size_t tok = 0;

	/* A user-agent line after rules starts a new group; consecutive ones
	 * (blank lines and other records between them included) share one. */
	if (!ps->in_agents) {
		ps->cur_spec = ps->cur_glob = 0;
		ps->in_agents = 1;
	}
	if (v.n >= 1 && v.p[0] == '*' && (v.n == 1 || is_ws((unsigned char)v.p[1]))) {
		ps->cur_glob = 1;
		return;
	}
	/* Only the product token counts: "FooBot/1.2 (+http://...)" is FooBot. */
	while (tok < v.n && is_token_char((unsigned char)v.p[tok]))
		tok++;
	if (tok > 0 && tok == ps->agentlen && strncasecmp(v.p, ps->agent, tok) == 0)
		ps->cur_spec = ps->seen_spec = 1;
}

static void add_rule(struct rules *l, int allow, struct slice v, unsigned line)
{
	static const char index_htm[] = "/index.htm";
	const char *word = allow ? "Allow: " : "Disallow: ";
	struct rule ru = { 0 };
	char *slash;

	ru.pattern = normalise(v.p, v.n, &ru.len);
	ru.text = xmalloc(strlen(word) + v.n + 1);
	memcpy(ru.text, word, strlen(word));
	memcpy(ru.text + strlen(word), v.p, v.n);
	ru.text[strlen(word) + v.n] = '\0';
	ru.line = line;
	ru.allow = (unsigned char)allow;
	slash = strrchr(ru.pattern, '/');
	rules_push(l, &ru);
	/* Google: allowing ".../index.html" (or .htm) also allows ".../". */
	if (allow && slash && strncmp(slash, index_htm, strlen(index_htm)) == 0) {
		struct rule d = ru;
		size_t keep = (size_t)(slash - ru.pattern) + 1;

		d.pattern = xmalloc(keep + 2);
		memcpy(d.pattern, ru.pattern, keep);
		d.pattern[keep] = '$';
		d.pattern[keep + 1] = '\0';
		d.len = keep + 1;
		d.text = xstrdup(ru.text);
		d.derived = 1;
		rules_push(l, &d);
	}
}

static void on_rule(struct parser *ps, int allow, struct slice v)
{
	ps->in_agents = 0;
	/* An empty value is a rule that matches nothing (RFC 9309 2.2.2). */
	if (v.n == 0)
		return;
	if (ps->cur_spec)
		add_rule(&ps->spec, allow, v, ps->line);
	else if (ps->cur_glob)
		add_rule(&ps->glob, allow, v, ps->line);
}

static void on_delay(struct parser *ps, struct slice v)
{
	char num[64];
	char *end;
	double d;

	ps->in_agents = 0;
	if ((!ps->cur_spec && !ps->cur_glob) || v.n == 0 || v.n >= sizeof(num))
		return;
	if (!(v.p[0] >= '0' && v.p[0] <= '9') && v.p[0] != '.')
		return;
	memcpy(num, v.p, v.n);
	num[v.n] = '\0';
	d = strtod(num, &end);
	if (*end != '\0' || !isfinite(d) || d < 0)
		return;
	if (ps->cur_spec && ps->spec_delay < 0)
		ps->spec_delay = d;
	else if (!ps->cur_spec && ps->glob_delay < 0)
		ps->glob_delay = d;
}

static void on_sitemap(struct parser *ps, struct slice v)
{
	struct robots *r = ps->r;

	if (v.n == 0)
		return;
	if (r->nsitemaps == r->capsitemaps) {
		r->capsitemaps = r->capsitemaps ? 2 * r->capsitemaps : 4;
		r->sitemaps = xreallocarray(r->sitemaps, r->capsitemaps, sizeof(*r->sitemaps));
	}
	r->sitemaps[r->nsitemaps++] = copy_bytes(v.p, v.n);
}

static void parse_line(struct parser *ps, const char *p, size_t n)
{
	struct slice k, v;

	if (split_line(p, n, &k, &v) < 0)
		return;
	switch (key_of(k)) {
	case KEY_AGENT: on_agent(ps, v); break;
	case KEY_ALLOW: on_rule(ps, 1, v); break;
	case KEY_DISALLOW: on_rule(ps, 0, v); break;
	case KEY_DELAY: on_delay(ps, v); break;
	case KEY_SITEMAP: on_sitemap(ps, v); break;
	case KEY_NONE: break;
	}
}

/* ---- parsing: the file -------------------------------------------------- */

/* The bytes to read: at most ROBOTS_MAX_BYTES, and when the limit cuts a
 * line, without that line (half a rule could mean anything). */
static size_t capped_len(const char *data, size_t len)
{
	size_t n = ROBOTS_MAX_BYTES;

	if (len <= ROBOTS_MAX_BYTES)
		return len;
	if (data[n] == '\n' || data[n] == '\r')
		return n;
	while (n > 0 && data[n - 1] != '\n' && data[n - 1] != '\r')
		n--;
	return n;
}

/* A UTF-8 byte order mark, or the start of one, at the very beginning. */
static size_t bom_len(const char *data, size_t len)
{
	static const char bom[] = "\xEF\xBB\xBF";
	size_t i = 0;

	while (i < len && i < 3 && data[i] == bom[i])
		i++;
	return i;
}

static int cmp_rule(const void *a, const void *b)
{
	const struct rule *x = a, *y = b;

	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	if (x->allow != y->allow)
		return x->allow ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (int)x->derived - (int)y->derived;
}

/* Keeps the agent's own groups when it has any, else the "*" groups. */
static struct robots *parser_finish(struct parser *ps)
{
	struct robots *r = ps->r;

	if (ps->seen_spec) {
		r->rules = ps->spec;
		r->delay = ps->spec_delay;
		rules_release(&ps->glob);
	} else {
		r->rules = ps->glob;
		r->delay = ps->glob_delay;
		rules_release(&ps->spec);
	}
	if (r->rules.n > 0)
		qsort(r->rules.v, r->rules.n, sizeof(*r->rules.v), cmp_rule);
	for (size_t i = 0; i < r->rules.n; i++)
		if (r->rules.v[i].len > r->maxlen)
			r->maxlen = r->rules.v[i].len;
	return r;
}

struct robots *robots_parse(const char *data, size_t len, const char *agent)
{
	struct parser ps = { 0 };
	size_t i;

	ps.r = robots_new(MODE_RULES);
	ps.agent = agent ? agent : "";
	ps.agentlen = strlen(ps.agent);
	ps.spec_delay = ps.glob_delay = -1;
	if (!data)
		len = 0;
	len = capped_len(data, len);
	i = bom_len(data, len);
	while (i < len) {
		size_t start = i;

		while (i < len && data[i] != '\n' && data[i] != '\r')
			i++;
		ps.line++;
		parse_line(&ps, data + start, i - start);
		if (i + 1 < len && data[i] == '\r' && data[i + 1] == '\n')
			i++;
		i++;
	}
	return parser_finish(&ps);
}

/* ---- matching --------------------------------------------------------------- */

/* Leftmost occurrence of needle (m > 0 bytes) in hay[from, n), or SIZE_MAX.
 * Knuth-Morris-Pratt, so the time is linear whatever the bytes; fail has
 * room for m entries. */
static size_t find(const char *hay, size_t n, size_t from, const char *needle, size_t m,
		   size_t *fail)
{
	size_t k = 0;

	if (from > n || m > n - from)
		return SIZE_MAX;
	fail[0] = 0;
	for (size_t i = 1; i < m; i++) {
		while (k > 0 && needle[i] != needle[k])
			k = fail[k - 1];
		if (needle[i] == needle[k])
			k++;
		fail[i] = k;
	}
	k = 0;
	for (size_t i = from; i < n; i++) {
		while (k > 0 && hay[i] != needle[k])
			k = fail[k - 1];
		if (hay[i] == needle[k])
			k++;
		if (k == m)
			return i + 1 - m;
	}
	return SIZE_MAX;
}

/* 1 when pattern matches a prefix of path ('*' any run, final '$' the end).
 * Greedy and iterative: each literal run between stars is placed at its
 * leftmost position, which is optimal, so nothing ever backtracks. */
static int match(const char *pat, size_t plen, const char *path, size_t n, size_t *fail)
{
	int anchored = plen > 0 && pat[plen - 1] == '$';
	const char *star;
	size_t seg, pos;

	if (anchored)
		plen--;
	star = memchr(pat, '*', plen);
	seg = star ? (size_t)(star - pat) : plen;
	if (seg > n || memcmp(pat, path, seg) != 0)
		return 0;
	if (!star)
		return !anchored || seg == n;
	for (pos = seg; star; pos += seg) {
		plen -= (size_t)(star - pat) + 1;
		pat = star + 1;
		star = memchr(pat, '*', plen);
		seg = star ? (size_t)(star - pat) : plen;
		if (!star && anchored)
			return n - pos >= seg && memcmp(path + n - seg, pat, seg) == 0;
		if (seg == 0)
			continue;
		pos = find(path, n, pos, pat, seg, fail);
		if (pos == SIZE_MAX)
			return 0;
	}
	return 1;
}

enum why { WHY_ROBOTS_TXT, WHY_ALLOW_ALL, WHY_DISALLOW_ALL, WHY_RULE, WHY_NONE };

/* Finds what decides path: rules are sorted so the first match is the
 * longest one, Allow first among equals. */
static enum why decide(const struct robots *r, const char *path, const struct rule **out)
{
	size_t n, *fail = NULL;
	char *norm;
	enum why why = WHY_NONE;

	*out = NULL;
	if (!path || !*path)
		path = "/";
	norm = normalise(path, strlen(path), &n);
	if (strcmp(norm, "/robots.txt") == 0)
		why = WHY_ROBOTS_TXT;
	else if (r->mode == MODE_ALLOW_ALL)
		why = WHY_ALLOW_ALL;
	else if (r->mode == MODE_DISALLOW_ALL)
		why = WHY_DISALLOW_ALL;
	if (why != WHY_NONE || r->rules.n == 0)
		goto out;
	fail = xreallocarray(NULL, r->maxlen + 1, sizeof(*fail));
	for (size_t i = 0; i < r->rules.n; i++) {
		const struct rule *ru = &r->rules.v[i];

		if (match(ru->pattern, ru->len, norm, n, fail)) {
			*out = ru;
			why = WHY_RULE;
			break;
		}
	}
out:
	free(fail);
	free(norm);
	return why;
}

static int why_allowed(enum why why, const struct rule *ru)
{
	return why == WHY_DISALLOW_ALL ? 0 : why == WHY_RULE ? ru->allow : 1;
}

int robots_allowed(const struct robots *r, const char *path)
{
	const struct rule *ru;
	enum why why = decide(r, path, &ru);

	return why_allowed(why, ru);
}

int robots_explain(const struct robots *r, const char *path, char *buf, size_t n)
{
	const struct rule *ru;
	enum why why = decide(r, path, &ru);
	int allowed = why_allowed(why, ru);
	const char *verdict = allowed ? "allowed" : "disallowed";

	if (n == 0)
		return allowed;
	switch (why) {
	case WHY_ROBOTS_TXT: snprintf(buf, n, "allowed: /robots.txt itself is always allowed"); break;
	case WHY_ALLOW_ALL: snprintf(buf, n, "allowed: no robots.txt (allow all)"); break;
	case WHY_DISALLOW_ALL: snprintf(buf, n, "disallowed: robots.txt unreachable (disallow all)"); break;
	case WHY_NONE: snprintf(buf, n, "allowed: no rule matches"); break;
	case WHY_RULE:
		if (ru->derived)
			snprintf(buf, n, "%s by '%s' (line %u, read as '%s')", verdict, ru->text,
				 ru->line, ru->pattern);
		else
			snprintf(buf, n, "%s by '%s' (line %u)", verdict, ru->text, ru->line);
		break;
	}
	return allowed;
}

/* ---- URLs ---------------------------------------------------------------------- */

char *robots_url_path(const char *url)
{
	CURLU *u = NULL;
	CURLUcode qrc;
	char *scheme = NULL, *path = NULL, *query = NULL, *out = NULL;
	size_t plen, qlen;

	if (!url)
		return NULL;
	if (!*url)
		return xstrdup("/");
	u = curl_url();
	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;
	if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)
		goto out;
	qrc = curl_url_get(u, CURLUPART_QUERY, &query, 0);
	if (qrc != CURLUE_OK && qrc != CURLUE_NO_QUERY)
		goto out;
	plen = *path ? strlen(path) : 1;
	qlen = query ? strlen(query) + 1 : 0;
	out = xmalloc(plen + qlen + 1);
	memcpy(out, *path ? path : "/", plen);
	if (query) {
		out[plen] = '?';
		memcpy(out + plen + 1, query, qlen - 1);
	}
	out[plen + qlen] = '\0';
out:
	curl_free(scheme);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return out;
}

int robots_allowed_url(const struct robots *r, const char *url)
{
	char *path = robots_url_path(url);
	int allowed;

	if (!path)
		return -1;
	allowed = robots_allowed(r, path);
	free(path);
	return allowed;
}

/* SPDX-License-Identifier: MIT */
/* The two-stage scan: the default pack's regexes with a required literal
 * or digit run only in windows around it (db_gate), the amount term is
 * reported at every digit without Hyperscan. On random texts built from
 * strings the pack's own patterns match, their factors and separators,
 * the matches of db_main's pass and the second stage must be exactly
 * those of one scan of every regex over the whole text: the same
 * patterns ending at the same offsets, rule by rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../matcher/factor.h"
#include "../../matcher/scan_internal.h"
#include "test_fs.h"

static char tmpdir[] = "/tmp/lw-test-gate.XXXXXX";
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

#include "test_eng.h"

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* ---- texts a pattern matches (most of the time) ------------------------------ */

struct out {
	char *b;
	size_t n, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->n + n >= o->cap)
		return;
	memcpy(o->b + o->n, s, n);
	o->n += n;
}

static void put_cp(struct out *o, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	put(o, u, n);
}

static const char *sample_alt(const char *p, struct out *o, int depth);

/* One atom of the pattern at p written into o; returns what follows it
 * (its quantifier not yet read). */
static const char *sample_atom(const char *p, struct out *o, int depth)
{
	if (*p == '(') {
		p += p[1] == '?' && p[2] == ':' ? 3 : 1;
		p = sample_alt(p, o, depth + 1);
		return *p == ')' ? p + 1 : p;
	}
	if (*p == '[') {
		char pick[256];
		size_t n = 0;
		int neg = p[1] == '^';

		p += neg ? 2 : 1;
		if (*p == ']')
			pick[n++] = *p++;
		while (*p && *p != ']') {
			char c = *p++;

			if (c == '\\' && *p) {
				c = *p++;
				if (c == 'd')
					c = (char)('0' + rnd(10));
				else if (c == 's')
					c = ' ';
				else if (c == 'x') {
					/* \x{...} in a class: a character outside ASCII */
					while (*p && *p != '}')
						p++;
					if (*p)
						p++;
					continue;
				}
			}
			if (*p == '-' && p[1] && p[1] != ']') {
				char hi = p[1];

				p += 2;
				if (hi >= c)
					c = (char)(c + (char)rnd((uint32_t)(hi - c + 1)));
			}
			if (n < sizeof(pick) && (unsigned char)c < 0x80)
				pick[n++] = c;
		}
		if (*p)
			p++;
		if (neg || !n)
			put(o, rnd(2) ? " " : "q", 1);
		else
			put(o, &pick[rnd((uint32_t)n)], 1);
		return p;
	}
	if (*p == '\\') {
		char c = p[1], d;

		switch (c) {
		case 'd':
			d = (char)('0' + rnd(10));
			put(o, &d, 1);
			return p + 2;
		case 's':
			put(o, rnd(4) ? " " : "\n", 1);
			return p + 2;
		case 'w':
			put(o, "k", 1);
			return p + 2;
		case 'b':
		case 'B':
			return p + 2;
		case 'x':
			if (p[2] == '{') {
				unsigned long cp = strtoul(p + 3, NULL, 16);
				const char *e = strchr(p, '}');

				put_cp(o, cp);
				return e ? e + 1 : p + 2;
			}
			put_cp(o, strtoul((char[]){ p[2], p[3], 0 }, NULL, 16));
			return p + 4;
		default:
			put(o, p + 1, 1);
			return p + 2;
		}
	}
	if (*p == '.') {
		put(o, "x", 1);
		return p + 1;
	}
	if (*p == '^' || *p == '$')
		return p + 1;
	if ((unsigned char)*p >= 0x80) {
		const char *q = p + 1;

		while (((unsigned char)*q & 0xC0) == 0x80)
			q++;
		put(o, p, (size_t)(q - p));
		return q;
	}
	put(o, p, 1);
	return p + 1;
}

static const char *sample_seq(const char *p, struct out *o, int depth)
{
	while (*p && *p != '|' && *p != ')') {
		const char *a = p, *q;
		size_t at = o->n;
		unsigned long lo = 1, hi = 1, times;

		q = sample_atom(p, o, depth);
		if (*q == '?' || *q == '*' || *q == '+') {
			lo = *q == '+';
			hi = *q == '?' ? 1 : lo + 2;
			q++;
		} else if (*q == '{' && q[1] >= '0' && q[1] <= '9') {
			char *e;

			lo = hi = strtoul(q + 1, &e, 10);
			if (*e == ',')
				hi = e[1] == '}' ? lo + 2 : strtoul(e + 1, &e, 10);
			else
				e--;
			q = strchr(e + 1, '}') ? strchr(e + 1, '}') + 1 : e + 1;
		}
		if (*q == '?' || *q == '+')
			q++;
		times = lo + (hi > lo ? rnd((uint32_t)(hi - lo + 1)) : 0);
		o->n = at;
		for (unsigned long k = 0; k < times && k < 40; k++)
			sample_atom(a, o, depth);
		p = q;
	}
	return p;
}

/* One alternative of the group at p, chosen at random, written into o;
 * returns the end of the group. */
static const char *sample_alt(const char *p, struct out *o, int depth)
{
	const char *alts[64];
	size_t n = 0;
	const char *end = p;
	int level = 0;

	if (depth > 20)
		return p;
	alts[n++] = p;
	/* find the alternatives at this level and the group's end */
	for (; *end; end++) {
		if (*end == '\\' && end[1]) {
			end++;
			continue;
		}
		if (*end == '[') {
			end++;
			if (*end == '^')
				end++;
			if (*end == ']')
				end++;
			while (*end && *end != ']')
				end += *end == '\\' && end[1] ? 2 : 1;
			if (!*end)
				break;
			continue;
		}
		if (*end == '(')
			level++;
		else if (*end == ')' && level-- == 0)
			break;
		else if (*end == '|' && level == 0 && n < 64)
			alts[n++] = end + 1;
	}
	sample_seq(alts[rnd((uint32_t)n)], o, depth);
	return end;
}

/* ---- the comparison -------------------------------------------------------------- */

struct events {
	uint64_t *v;    /* u << 32 | end, in the order they came */
	size_t n, cap;
};

static int on_event(unsigned id, unsigned long long from, unsigned long long to,
		    unsigned flags, void *ctx)
{
	struct events *e = ctx;

	(void)from;
	(void)flags;
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 1024;
		e->v = realloc(e->v, e->cap * sizeof(*e->v));
		assert_non_null(e->v);
	}
	e->v[e->n++] = (uint64_t)id << 32 | (uint32_t)to;
	return 0;
}

static int cmp_first(const uint64_t *a, const uint64_t *b)
{
	return a[0] < b[0] ? -1 : a[0] > b[0];
}

static int cmp_both(const uint64_t *a, const uint64_t *b)
{
	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* Each event as its rules see it, (rule, end) for every pattern of the
 * id, then ordered by rule keeping the order of arrival: a rule's chain. */
static size_t chains(const struct matcher *m, const struct events *e, uint64_t **out,
		     const char *what)
{
	size_t n = 0, k = 0;
	uint64_t *v;

	for (size_t i = 0; i < e->n; i++) {
		unsigned u = (unsigned)(e->v[i] >> 32);

		n += m->hs_first[u + 1] - m->hs_first[u];
	}
	v = calloc(n ? n : 1, 2 * sizeof(*v));
	assert_non_null(v);
	for (size_t i = 0; i < e->n; i++) {
		unsigned u = (unsigned)(e->v[i] >> 32);

		for (size_t j = m->hs_first[u]; j < m->hs_first[u + 1]; j++) {
			v[2 * k] = (uint64_t)m->pat_rule[m->hs_pids[j]] << 40 | (uint64_t)k;
			v[2 * k + 1] = (uint64_t)m->hs_pids[j] << 32 | (uint32_t)e->v[i];
			k++;
		}
	}
	qsort(v, n, 2 * sizeof(*v), (int (*)(const void *, const void *))cmp_first);
	/* Compared as a set per rule: Hyperscan reports a pattern's matches
	 * in an order that depends on the database around it (in the
	 * smaller db_main, \bage[ds]? (?:1[0-5]\b|1[0-7] ?\+) reported
	 * "age 12+" ending at the '+' before the "12" that must see the
	 * byte after it), so no order is the single scan's. */
	(void)what;
	for (size_t i = 0; i < n; i++) {
		uint64_t rule = v[2 * i] >> 40, pid = v[2 * i + 1] >> 32, end = (uint32_t)v[2 * i + 1];

		v[2 * i] = rule << 40 | end << 8;
		v[2 * i + 1] = pid << 32 | end;
	}
	qsort(v, n, 2 * sizeof(*v), (int (*)(const void *, const void *))cmp_both);
	*out = v;
	return n;
}

static void test_gated_scan_finds_what_one_scan_finds(void **state)
{
	const char *top = getenv("LW_TOP");
	char path[4096], *text = malloc(1u << 16);
	struct lw_error err;
	struct matcher_pack *pack;
	struct matcher_options opts = { "", -1 };
	struct matcher *m;
	struct matcher_scanner *s;
	const char **expr;
	unsigned *flags, *ids, n = 0;
	hs_database_t *ref = NULL;
	hs_scratch_t *scratch = NULL;
	hs_compile_error_t *cerr = NULL;
	struct events want = { 0 }, got = { 0 };
	size_t gated_matches = 0, windowed = 0, amount = 0;

	(void)state;
	assert_non_null(text);
	snprintf(path, sizeof(path), "%s/rules", top && top[0] ? top : ".");
	pack = matcher_pack_load(path, &err);
	if (!pack)
		fail_msg("%s", err.msg);
	m = matcher_compile(pack, &opts, &err);
	if (!m)
		fail_msg("%s", err.msg);
	/* the pack's amount term and some of its regexes are gated */
	assert_non_null(m->db_gate);
	assert_true(m->amount_u != UINT32_MAX);
	s = matcher_scanner_new(m, &err);
	assert_non_null(s);
	expr = calloc(m->nhs, sizeof(*expr));
	flags = calloc(m->nhs, sizeof(*flags));
	ids = calloc(m->nhs, sizeof(*ids));
	for (size_t u = 0; u < m->nhs; u++) {
		unsigned p = m->hs_pids[m->hs_first[u]];

		if (m->pat_item[p])
			continue;
		expr[n] = m->pat_expr[p];
		flags[n] = m->pat_flags[p];
		ids[n++] = (unsigned)u;
	}
	assert_int_equal(hs_compile_ext_multi(expr, flags, ids, NULL, n, HS_MODE_BLOCK, NULL, &ref,
					      &cerr), HS_SUCCESS);
	assert_int_equal(hs_alloc_scratch(ref, &scratch), HS_SUCCESS);
	for (int t = 0; t < 4000; t++) {
		struct out o = { text, 0, (1u << 16) - 64 };
		size_t parts = 1 + rnd(24);
		uint64_t *cw, *cg;
		size_t nw, ng;

		for (size_t k = 0; k < parts; k++) {
			static const char *const sep[] = { " ", " ", "  ", "\n", ", ", ".", "-", "",
							   "x", "9", " 12 ", "$", "é", "_" };
			unsigned r = rnd(10);

			if (r < 5) {
				sample_alt(expr[rnd(n)], &o, 0);
			} else if (r < 7) {
				char **lits;
				int dg;
				size_t nl = factor_derive(expr[rnd(n)], &lits, &dg);

				if (nl) {
					size_t i = rnd((uint32_t)nl);

					put(&o, lits[i], strlen(lits[i]));
				}
				for (size_t i = 0; i < nl; i++)
					free(lits[i]);
				free(lits);
			} else {
				/* filler, so windows are apart */
				for (uint32_t f = rnd(r == 9 ? 400 : 30); f > 0; f--)
					put(&o, "the ", 4);
			}
			{
				const char *x = sep[rnd(sizeof(sep) / sizeof(*sep))];

				put(&o, x, strlen(x));
			}
		}
		if (!o.n)
			continue;
		want.n = got.n = 0;
		assert_int_equal(hs_scan(ref, text, (unsigned)o.n, 0, scratch, on_event, &want),
				 HS_SUCCESS);
		if (m->db_main)
			assert_int_equal(hs_scan(m->db_main, text, (unsigned)o.n, 0, s->scratch,
						 on_event, &got), HS_SUCCESS);
		{
			size_t before = got.n;

			assert_int_equal(scan_gated(s, text, o.n, on_event, &got, &err), 0);
			for (size_t i = before; i < got.n; i++) {
				if ((got.v[i] >> 32) == m->amount_u)
					amount++;
				else
					gated_matches++;
			}
			windowed += !s->win_whole && s->nwin > 0;
		}
		nw = chains(m, &want, &cw, "one scan");
		ng = chains(m, &got, &cg, "two stages");
		if (nw != ng)
			fail_msg("text %d (%zu bytes): %zu matches in one scan, %zu in two stages", t,
				 o.n, nw, ng);
		for (size_t i = 0; i < nw; i++)
			if ((cw[2 * i] >> 40) != (cg[2 * i] >> 40) || cw[2 * i + 1] != cg[2 * i + 1])
				fail_msg("text %d: rule %s: one scan has pattern %u ending at %u, two "
					 "stages pattern %u at %u", t,
					 m->pack->rules[cw[2 * i] >> 40].id, (unsigned)(cw[2 * i + 1] >> 32),
					 (unsigned)cw[2 * i + 1], (unsigned)(cg[2 * i + 1] >> 32),
					 (unsigned)cg[2 * i + 1]);
		free(cw);
		free(cg);
	}
	/* the texts did exercise the gate: gated patterns matched, often in
	 * windows rather than over the whole text */
	assert_true(gated_matches > 2000);
	assert_true(amount > 2000);
	assert_true(windowed > 500);
	free(want.v);
	free(got.v);
	free(expr);
	free(flags);
	free(ids);
	free(text);
	hs_free_scratch(scratch);
	hs_free_database(ref);
	matcher_scanner_free(s);
	matcher_free(m);
}

/* A window's edges: the windows of these patterns are as wide as their
 * matches, so a window starts right at "q" in "zq1" and ends right after
 * "q" in "1qz" and after "xylophone" in "xylophones", where \b would hold
 * in a window cut there and does not in the text. */
static void test_window_edges_read_as_the_text(void **state)
{
	static const char pack[] =
		"[rule qd]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /\\bq\\d/\n"
		"[rule dq]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /\\dq\\b/\n"
		"[rule xy]\ncategory = fee_debt\nweight = 1\ndescription = d\n"
		"pattern = /xylophone\\b/\n";
	static const struct {
		const char *rule, *text;
		int fires;
	} cases[] = { { "qd", "zq1", 0 },	{ "qd", "q1", 1 },	  { "qd", "zq1zq1", 0 },
		      { "dq", "1qz", 0 },	{ "dq", "1q", 1 },	  { "dq", "1qz1qz", 0 },
		      { "xy", "xylophones", 0 }, { "xy", "xylophone", 1 }, { "xy", "axylophone", 1 } };
	static const char filler[] = "the the the the the the the the the the the the the the the "
				     "the the the the the the the the the the the the the the the "
				     "the the the the the the the the the the the the the the the "
				     "the the the the the the the the the the the the the the the ";
	struct eng e;

	(void)state;
	eng_open(&e, pack, -1);
	/* every pattern is gated: two on digits, one on its literal */
	assert_null(e.m->db_main);
	assert_non_null(e.m->db_gate);
	assert_int_equal(e.m->digit_width, 2);
	assert_int_equal(e.m->nfac, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		/* the same words far from the text's ends too, so that the
		 * second stage scans windows, not the whole text */
		char text[1024];

		expect_fires(&e, cases[i].rule, cases[i].text, cases[i].fires);
		snprintf(text, sizeof(text), "%s%s %s", filler, cases[i].text, filler);
		expect_fires(&e, cases[i].rule, text, cases[i].fires);
		snprintf(text, sizeof(text), "%s%s", filler, cases[i].text);
		expect_fires(&e, cases[i].rule, text, cases[i].fires);
		snprintf(text, sizeof(text), "%s %s", cases[i].text, filler);
		expect_fires(&e, cases[i].rule, text, cases[i].fires);
		assert_int_equal(e.sc->win_whole, 0);
	}
	eng_close(&e);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gated_scan_finds_what_one_scan_finds),
		cmocka_unit_test(test_window_edges_read_as_the_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: MIT */
/* Compiling a rule pack into Hyperscan databases (or loading them from the
 * cache), with every compile error traced back to a rule's file and line. */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "matcher_internal.h"
#include "text.h"

/* No HS_FLAG_UCP: Hyperscan refuses \b in UCP mode, and rule authors need
 * \b far more than Unicode \w (text is folded to ASCII where it can be).
 * HS_FLAG_UTF8 only where a pattern needs it (see needs_utf8). */
#define BASE_FLAGS HS_FLAG_CASELESS

/* Expressions handed to one hs_compile_ext_multi call. */
struct exprset {
	const char **expr;
	unsigned *flags;
	unsigned *ids;
	char **owned;       /* strings this set allocated */
	size_t n, cap;
};

static void set_add(struct exprset *s, const char *expr, unsigned flags, unsigned id,
		    int owned)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->expr = xreallocarray(s->expr, s->cap, sizeof(*s->expr));
		s->flags = xreallocarray(s->flags, s->cap, sizeof(*s->flags));
		s->ids = xreallocarray(s->ids, s->cap, sizeof(*s->ids));
		s->owned = xreallocarray(s->owned, s->cap, sizeof(*s->owned));
	}
	s->expr[s->n] = expr;
	s->flags[s->n] = flags;
	s->ids[s->n] = id;
	s->owned[s->n] = owned ? (char *)expr : NULL;
	s->n++;
}

static void set_release(struct exprset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->owned[i]);
	free(s->expr);
	free(s->flags);
	free(s->ids);
	free(s->owned);
	memset(s, 0, sizeof(*s));
}

/* Says what the rule author can do about Hyperscan's refusal. */
static const char *hint_for(const char *expr, const char *msg)
{
	if (strstr(msg, "Back-reference") || strstr(msg, "Zero-width assertion") ||
	    strstr(expr, "(?=") || strstr(expr, "(?!") || strstr(expr, "(?<"))
		return " (Hyperscan supports neither back-references nor look-around: "
		       "use a [term] and '!term' in a combination instead)";
	if (strstr(msg, "empty buffer"))
		return " (the pattern can match an empty string: require at least one character)";
	return "";
}

static int pattern_error(const struct matcher *m, size_t pid, const char *msg,
			 struct lw_error *err)
{
	const struct pack_rule *r = &m->pack->rules[m->pat_rule[pid]];
	size_t k = 0;

	/* Which of the rule's patterns this is, for its line. */
	for (size_t p = pid; p > 0 && m->pat_rule[p - 1] == m->pat_rule[pid]; p--)
		k++;
	return lw_error_set(err, "%s:%d: %s '%s': pattern '%s': %s%s", r->file,
			    r->patterns.lines[k], r->pub.is_term ? "term" : "rule", r->id,
			    r->patterns.v[k], msg, hint_for(m->pat_expr[pid], msg));
}

/* Whether a pattern needs Hyperscan's UTF-8 mode, in which every '.',
 * negated class and \W may span several bytes: bounded gaps such as
 * [^\n]{0,80} then compile a hundred times slower (seconds per pattern).
 * Byte mode matches UTF-8 literals exactly and reads {0,80} as bytes; only
 * a class holding non-ASCII characters, Unicode escapes, or a quantifier
 * right after a non-ASCII character need whole characters. */
static int needs_utf8(const char *expr)
{
	int in_class = 0;

	for (const unsigned char *p = (const unsigned char *)expr; *p; p++) {
		if (*p == '\\' && p[1]) {
			if (strchr("pPX", p[1]) || (p[1] == 'x' && p[2] == '{'))
				return 1;
			p++;
			continue;
		}
		if (*p >= 0x80) {
			const unsigned char *q = p;

			if (in_class)
				return 1;
			while ((q[1] & 0xc0) == 0x80)
				q++;
			if (q[1] == '?' || q[1] == '*' || q[1] == '+' || q[1] == '{')
				return 1;
			p = q;
			continue;
		}
		if (in_class && *p == ']')
			in_class = 0;
		else if (!in_class && *p == '[') {
			in_class = 1;
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				p++;
		}
	}
	return 0;
}

/* Fills the pattern tables and checks each pattern on its own, so that every
 * error names its rule, and learns each pattern's widest match. */
static int prepare_patterns(struct matcher *m, int need_info, struct lw_error *err)
{
	struct matcher_pack *pack = m->pack;
	size_t n = 0, pid = 0;

	for (size_t i = 0; i < pack->nrules; i++)
		n += pack->rules[i].patterns.n;
	m->npat = n;
	m->pat_rule = xcalloc(n, sizeof(*m->pat_rule));
	m->pat_expr = xcalloc(n, sizeof(*m->pat_expr));
	m->pat_flags = xcalloc(n, sizeof(*m->pat_flags));
	m->pat_width = xcalloc(n, sizeof(*m->pat_width));
	for (size_t i = 0; i < pack->nrules; i++) {
		struct pack_rule *r = &pack->rules[i];

		for (size_t k = 0; k < r->patterns.n; k++, pid++) {
			char *raw = NULL, *norm;
			unsigned flags;
			hs_expr_info_t *info = NULL;
			hs_compile_error_t *cerr = NULL;

			m->pat_rule[pid] = i;
			if (pack_parse_pattern(r->patterns.v[k], &raw, &flags, err) < 0)
				return lw_error_prefix(err, "%s:%d", r->file, r->patterns.lines[k]);
			norm = text_normalize_pattern(raw, err);
			free(raw);
			if (!norm)
				return lw_error_prefix(err, "%s:%d: rule '%s'", r->file,
						       r->patterns.lines[k], r->id);
			m->pat_expr[pid] = norm;
			m->pat_flags[pid] = flags | BASE_FLAGS | (needs_utf8(norm) ? HS_FLAG_UTF8 : 0);
			if (!need_info)
				continue;
			if (hs_expression_info(norm, m->pat_flags[pid], &info, &cerr) != HS_SUCCESS) {
				pattern_error(m, pid, cerr->message, err);
				hs_free_compile_error(cerr);
				return -1;
			}
			m->pat_width[pid] = info->max_width == UINT_MAX ? WIDTH_UNBOUNDED
								       : info->max_width;
			free(info);
		}
	}
	return 0;
}

/* A copy of a pattern without \b, \B, $, \z, \Z: a superset of its matches
 * that Hyperscan accepts as a combination operand (it refuses operands that
 * may report after their last byte with "unordered match"). */
static char *strip_end_assertions(const char *expr)
{
	size_t n = strlen(expr), o = 0;
	char *out = xmalloc(n + 1);
	int in_class = 0;

	for (size_t i = 0; i < n; i++) {
		char c = expr[i];

		if (c == '\\' && i + 1 < n) {
			char d = expr[i + 1];

			if (!in_class && (d == 'b' || d == 'B' || d == 'z' || d == 'Z')) {
				i++;
				continue;
			}
			out[o++] = c;
			out[o++] = d;
			i++;
			continue;
		}
		if (in_class) {
			if (c == ']')
				in_class = 0;
		} else if (c == '[') {
			in_class = 1;
			if (expr[i + 1] == '^' || expr[i + 1] == ']') {
				out[o++] = c;
				c = expr[++i];
			}
		} else if (c == '$') {
			continue;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

/* Builds the positive part of a combination for Hyperscan: negated
 * sub-expressions become "true" (a weaker trigger), since exclusions are
 * decided over the whole document after the scan. Returns NULL when nothing
 * positive is left, else a new string of the trigger expression. */
static char *trigger_expr(const struct comb *c, const unsigned *first, const size_t *npat)
{
	/* Each stack entry is an expression string, or NULL for "true". */
	char **st = xcalloc(c->n + 1, sizeof(*st));
	size_t sp = 0;
	char *res;

	for (size_t i = 0; i < c->n; i++) {
		const struct comb_op *op = &c->ops[i];
		struct lw_buf b;

		lw_buf_init(&b, 1u << 20);
		if (op->kind == COMB_ID) {
			lw_buf_addc(&b, '(');
			for (size_t k = 0; k < npat[op->rule]; k++)
				lw_buf_printf(&b, "%s%u", k ? " | " : "", first[op->rule] + (unsigned)k);
			lw_buf_addc(&b, ')');
			st[sp++] = lw_buf_detach(&b, NULL);
			continue;
		}
		lw_buf_release(&b);
		if (op->kind == COMB_NOT) {
			free(st[sp - 1]);
			st[sp - 1] = NULL;
			continue;
		}
		sp--;
		if (op->kind == COMB_AND) {
			if (!st[sp - 1]) {
				st[sp - 1] = st[sp];
			} else if (st[sp]) {
				lw_buf_init(&b, 1u << 20);
				lw_buf_printf(&b, "(%s & %s)", st[sp - 1], st[sp]);
				free(st[sp - 1]);
				free(st[sp]);
				st[sp - 1] = lw_buf_detach(&b, NULL);
			}
		} else {
			if (!st[sp - 1] || !st[sp]) {
				free(st[sp - 1]);
				free(st[sp]);
				st[sp - 1] = NULL;
			} else {
				lw_buf_init(&b, 1u << 20);
				lw_buf_printf(&b, "(%s | %s)", st[sp - 1], st[sp]);
				free(st[sp - 1]);
				free(st[sp]);
				st[sp - 1] = lw_buf_detach(&b, NULL);
			}
		}
		st[sp] = NULL;
	}
	res = sp == 1 ? st[0] : NULL;
	free(st);
	/* Hyperscan wants at least one operator ("No logical operation"). */
	if (res && !strpbrk(res, "&|")) {
		struct lw_buf b;

		lw_buf_init(&b, 1u << 20);
		lw_buf_printf(&b, "(%s | %s)", res, res);
		free(res);
		res = lw_buf_detach(&b, NULL);
	}
	return res;
}

/* Whether trigger_expr would leave a positive part: the same folding on
 * booleans ("has a trigger") instead of strings. */
static int has_trigger(const struct comb *c)
{
	unsigned char st[COMB_MAX_DEPTH];
	size_t sp = 0;

	for (size_t i = 0; i < c->n && sp < COMB_MAX_DEPTH; i++) {
		switch (c->ops[i].kind) {
		case COMB_ID: st[sp++] = 1; break;
		case COMB_NOT: st[sp - 1] = 0; break;
		case COMB_AND: sp--; st[sp - 1] = st[sp - 1] || st[sp]; break;
		case COMB_OR: sp--; st[sp - 1] = st[sp - 1] && st[sp]; break;
		}
	}
	return sp == 1 && st[0];
}

static void mark_always(struct matcher *m)
{
	for (size_t i = 0; i < m->pack->nrules; i++) {
		if (m->combs[i].n && !has_trigger(&m->combs[i])) {
			m->always[i] = 1;
			m->has_always = 1;
		}
	}
}

static int compile_set(const struct matcher *m, struct exprset *s, hs_database_t **db,
		       const char *what, struct lw_error *err)
{
	hs_compile_error_t *cerr = NULL;

	if (hs_compile_ext_multi(s->expr, s->flags, s->ids, NULL, (unsigned)s->n, HS_MODE_BLOCK,
				 NULL, db, &cerr) == HS_SUCCESS)
		return 0;
	if (cerr->expression >= 0 && s->ids[cerr->expression] < m->npat)
		pattern_error(m, s->ids[cerr->expression], cerr->message, err);
	else
		lw_error_set(err, "cannot compile the %s database: %s", what, cerr->message);
	hs_free_compile_error(cerr);
	return -1;
}

/* The main database: rule patterns, quiet trigger copies, combinations. */
static int build_main(struct matcher *m, struct lw_error *err)
{
	struct matcher_pack *pack = m->pack;
	struct exprset s = { 0 };
	unsigned *first = xcalloc(pack->nrules, sizeof(*first));
	size_t *npat = xcalloc(pack->nrules, sizeof(*npat));
	unsigned next = (unsigned)m->npat;
	int rc = -1;

	for (size_t p = 0; p < m->npat; p++)
		if (!pack->rules[m->pat_rule[p]].pub.is_term)
			set_add(&s, m->pat_expr[p], m->pat_flags[p], (unsigned)p, 0);
	/* Quiet weakened copies of every rule or term a combination uses. */
	for (size_t i = 0; i < pack->nrules; i++) {
		struct comb *c = &m->combs[i];

		for (size_t k = 0; k < c->n; k++) {
			size_t r = c->ops[k].rule, p0 = 0;

			if (c->ops[k].kind != COMB_ID || npat[r])
				continue;
			for (size_t p = 0; p < m->npat; p++)
				if (m->pat_rule[p] == r && !npat[r]++)
					p0 = p;
			first[r] = next;
			for (size_t p = p0; p < p0 + npat[r]; p++)
				set_add(&s, strip_end_assertions(m->pat_expr[p]),
					m->pat_flags[p] | HS_FLAG_QUIET, next++, 1);
		}
	}
	for (size_t i = 0; i < pack->nrules; i++) {
		char *t;

		if (!m->combs[i].n)
			continue;
		t = trigger_expr(&m->combs[i], first, npat);
		if (!t)
			continue; /* mark_always() has it */
		set_add(&s, t, HS_FLAG_COMBINATION, COMB_ID_BASE + (unsigned)i, 1);
	}
	if (s.n == 0) {
		rc = 0; /* a pack of terms and trigger-less combinations only */
		goto out;
	}
	rc = compile_set(m, &s, &m->db_main, "main", err);
out:
	set_release(&s);
	free(first);
	free(npat);
	return rc;
}

static int build_terms(struct matcher *m, struct lw_error *err)
{
	struct exprset s = { 0 };
	int rc = 0;

	for (size_t p = 0; p < m->npat; p++)
		if (m->pack->rules[m->pat_rule[p]].pub.is_term)
			set_add(&s, m->pat_expr[p], m->pat_flags[p], (unsigned)p, 0);
	if (s.n)
		rc = compile_set(m, &s, &m->db_terms, "terms", err);
	set_release(&s);
	return rc;
}

struct side_job {
	struct matcher *m;
	struct lw_error err;
	int rc;
};

static void *side_builds(void *arg)
{
	struct side_job *j = arg;

	j->rc = build_terms(j->m, &j->err) < 0 ? -1 : 0;
	return NULL;
}

/* Hyperscan compiles on one core; the main and terms databases are
 * independent, so they compile side by side (they write different fields). */
static int build_all(struct matcher *m, struct lw_error *err)
{
	struct side_job job = { m, { { 0 } }, 0 };
	pthread_t t;
	int threaded = pthread_create(&t, NULL, side_builds, &job) == 0;
	int rc = build_main(m, err);

	if (threaded)
		pthread_join(t, NULL);
	else
		side_builds(&job);
	if (rc == 0 && job.rc < 0) {
		lw_error_set(err, "%s", job.err.msg);
		rc = -1;
	}
	return rc;
}

static int parse_combinations(struct matcher *m, struct lw_error *err)
{
	struct matcher_pack *pack = m->pack;

	m->combs = xcalloc(pack->nrules, sizeof(*m->combs));
	m->always = xcalloc(pack->nrules, 1);
	for (size_t i = 0; i < pack->nrules; i++) {
		struct pack_rule *r = &pack->rules[i];

		if (r->combine && comb_parse(pack, r->combine, &m->combs[i], err) < 0)
			return lw_error_prefix(err, "%s:%d: rule '%s'", r->file, r->combine_line, r->id);
	}
	return 0;
}

struct matcher *matcher_compile(struct matcher_pack *pack, const struct matcher_options *opts,
				struct lw_error *err)
{
	struct matcher *m = xcalloc(1, sizeof(*m));
	char *dir = cache_dir_resolve(opts ? opts->cache_dir : NULL);
	struct lw_error cerr;

	m->pack = pack;
	m->threshold = opts && opts->threshold >= 0 ? opts->threshold : pack->threshold;
	if (parse_combinations(m, err) < 0)
		goto fail;
	/* Ad-hoc patterns change every run: not worth a cache entry. */
	if (dir && !pack->nadhoc && prepare_patterns(m, 0, err) == 0 && cache_load(m, dir) == 0) {
		m->from_cache = 1;
		mark_always(m);
		free(dir);
		return m;
	}
	for (size_t p = 0; p < m->npat; p++)
		free((char *)m->pat_expr[p]);
	free(m->pat_rule);
	free(m->pat_expr);
	free(m->pat_flags);
	free(m->pat_width);
	mark_always(m);
	if (prepare_patterns(m, 1, err) < 0 || build_all(m, err) < 0)
		goto fail;
	if (dir && !pack->nadhoc && cache_store(m, dir, &cerr) < 0)
		fprintf(stderr, "lurewatch: warning: %s\n", cerr.msg);
	free(dir);
	return m;
fail:
	free(dir);
	matcher_free(m);
	return NULL;
}

void matcher_free(struct matcher *m)
{
	if (!m)
		return;
	hs_free_database(m->db_main);
	hs_free_database(m->db_terms);
	if (m->pat_expr)
		for (size_t p = 0; p < m->npat; p++)
			free((char *)m->pat_expr[p]);
	free(m->pat_rule);
	free(m->pat_expr);
	free(m->pat_flags);
	free(m->pat_width);
	if (m->combs)
		for (size_t i = 0; i < m->pack->nrules; i++)
			comb_release(&m->combs[i]);
	free(m->combs);
	free(m->always);
	matcher_pack_free(m->pack);
	free(m);
}

const struct matcher_pack *matcher_get_pack(const struct matcher *m)
{
	return m->pack;
}

double matcher_threshold(const struct matcher *m)
{
	return m->threshold;
}

int matcher_from_cache(const struct matcher *m)
{
	return m->from_cache;
}

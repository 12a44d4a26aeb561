/* SPDX-License-Identifier: MIT */
/* Required literal factors of a regular expression: a set of literals one
 * of which every match must contain, read from the pattern's structure.
 * Hyperscan does not say what a pattern requires, so this parser errs on
 * the side of saying nothing: any syntax it does not understand, and any
 * anchor other than \b, gives no factor, and the pattern is scanned over
 * every document as before (compile.c, scan.c: the two-stage scan). */
#include <stdlib.h>
#include <string.h>

#include "../util/xmalloc.h"
#include "factor.h"
#include "../util/hex.h"

/* One candidate: every match contains one of s[0 .. n). n == 0: none. */
struct fset {
	char **s;
	size_t n;
	size_t minlen;
	int digit;      /* every match holds an ASCII digit */
};

struct parser {
	const char *p;
	int fail;       /* syntax this parser does not follow, or an anchor */
};

static void fset_free(struct fset *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->s[i]);
	free(f->s);
	f->s = NULL;
	f->n = 0;
	f->minlen = 0;
}

/* Whether a is a better factor set than b: its shortest literal longer
 * (a longer literal fires less often), then fewer literals. */
static int fset_better(const struct fset *a, const struct fset *b)
{
	if (!a->n)
		return 0;
	if (!b->n)
		return 1;
	if (a->minlen != b->minlen)
		return a->minlen > b->minlen;
	return a->n < b->n;
}

/* Keeps cand as best when it is better; frees the loser. */
static void fset_offer(struct fset *best, struct fset *cand)
{
	int digit = best->digit;

	if (fset_better(cand, best)) {
		fset_free(best);
		*best = *cand;
		memset(cand, 0, sizeof(*cand));
	} else {
		fset_free(cand);
	}
	best->digit = digit;
}

static void run_flush(char *run, size_t *rlen, struct fset *best)
{
	struct fset c;

	if (!*rlen)
		return;
	c.s = xcalloc(1, sizeof(*c.s));
	c.s[0] = xstrndup(run, *rlen);
	c.n = 1;
	c.minlen = *rlen;
	fset_offer(best, &c);
	*rlen = 0;
}

static size_t utf8_put(unsigned long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A quantifier after an atom, if any: its least count (1 without one).
 * Sets fail on a '{' that is no counted repeat. */
static unsigned long quantifier(struct parser *ps)
{
	const char *p = ps->p;
	unsigned long min = 1;

	if (*p == '?' || *p == '*') {
		min = 0;
		p++;
	} else if (*p == '+') {
		p++;
	} else if (*p == '{') {
		char *e;

		if (p[1] < '0' || p[1] > '9') {
			ps->fail = 1;
			return 0;
		}
		min = strtoul(p + 1, &e, 10);
		if (*e == ',') {
			e++;
			while (*e >= '0' && *e <= '9')
				e++;
		}
		if (*e != '}') {
			ps->fail = 1;
			return 0;
		}
		p = e + 1;
	} else {
		return 1;
	}
	if (*p == '?' || *p == '+')
		p++;
	ps->p = p;
	return min;
}

static struct fset parse_alt(struct parser *ps, int depth);

/* A character class: skipped, it matches no one literal. Returns 1 when
 * it holds ASCII digits alone ("[0-9]", "[3-9]", "[\\d]"). */
static int skip_class(struct parser *ps)
{
	const char *p = ps->p + 1;
	int digits = 1;

	if (*p == '^') {
		digits = 0;
		p++;
	}
	if (*p == ']') {
		digits = 0;
		p++;
	}
	while (*p && *p != ']') {
		if (*p == '[' && p[1] == ':') {
			const char *e = strstr(p + 2, ":]");

			if (!e) {
				ps->fail = 1;
				return 0;
			}
			digits = 0;
			p = e + 2;
			continue;
		}
		if (*p == '\\' && p[1]) {
			if (p[1] != 'd')
				digits = 0;
			p += 2;
			continue;
		}
		if (*p == '-' && p[1] != ']' && p > ps->p + 1) {
			/* A range: its ends were or will be checked. */
			p++;
			continue;
		}
		if (*p < '0' || *p > '9')
			digits = 0;
		p++;
	}
	if (*p != ']') {
		ps->fail = 1;
		return 0;
	}
	ps->p = p + 1;
	return digits;
}

/* One branch: atoms in sequence. Consecutive literal characters make one
 * literal (a run); a run ends at anything that is not one character
 * exactly once. The best of the runs and of the groups that must match
 * is the branch's factor. */
static struct fset parse_seq(struct parser *ps, int depth)
{
	struct fset best = { 0 };
	char run[512];
	size_t rlen = 0;

	while (!ps->fail && *ps->p && *ps->p != '|' && *ps->p != ')') {
		const char *p = ps->p;
		char lit[8];
		size_t llen = 0;
		unsigned long min;
		const char *after;

		if (*p == '(') {
			struct fset g;

			if (p[1] == '?') {
				if (p[2] != ':') {
					ps->fail = 1;
					break;
				}
				ps->p = p + 3;
			} else {
				ps->p = p + 1;
			}
			g = parse_alt(ps, depth + 1);
			if (ps->fail || *ps->p != ')') {
				fset_free(&g);
				ps->fail = 1;
				break;
			}
			ps->p++;
			min = quantifier(ps);
			run_flush(run, &rlen, &best);
			if (min >= 1) {
				best.digit |= g.digit;
				fset_offer(&best, &g);
			} else {
				fset_free(&g);
			}
			continue;
		}
		if (*p == '[') {
			int digits = skip_class(ps);

			if (quantifier(ps) >= 1 && digits && !ps->fail)
				best.digit = 1;
			run_flush(run, &rlen, &best);
			continue;
		}
		if (*p == '.') {
			ps->p++;
			(void)quantifier(ps);
			run_flush(run, &rlen, &best);
			continue;
		}
		if (*p == '^' || *p == '$' || *p == '*' || *p == '+' || *p == '?' || *p == '{') {
			ps->fail = 1;
			break;
		}
		if (*p == '\\') {
			char c = p[1];

			if (c == 'b' || c == 'B') {
				/* Zero width: a run goes on across it. */
				ps->p = p + 2;
				continue;
			}
			if (c == 'd' || c == 'D' || c == 'w' || c == 'W' || c == 's' || c == 'S' ||
			    c == 'h' || c == 'H' || c == 'v' || c == 'V' || c == 'n' || c == 't' ||
			    c == 'r' || c == 'f' || c == 'e' || c == 'a') {
				ps->p = p + 2;
				if (quantifier(ps) >= 1 && c == 'd')
					best.digit = 1;
				run_flush(run, &rlen, &best);
				continue;
			}
			if (c == 'x') {
				unsigned long cp = 0;

				if (p[2] == '{') {
					const char *q = p + 3;

					while (lw_hex_digit(*q) >= 0 && cp < 0x110000)
						cp = cp * 16 + (unsigned long)lw_hex_digit(*q++);
					if (*q != '}' || q == p + 3 || cp >= 0x110000) {
						ps->fail = 1;
						break;
					}
					ps->p = q + 1;
				} else if (lw_hex_digit(p[2]) >= 0 && lw_hex_digit(p[3]) >= 0) {
					cp = (unsigned long)(lw_hex_digit(p[2]) * 16 + lw_hex_digit(p[3]));
					ps->p = p + 4;
				} else {
					ps->fail = 1;
					break;
				}
				/* A byte above 0x7f means a byte or a character
				 * depending on the mode: no literal then. */
				if (cp == 0 || cp == '\n' || (cp >= 0x80 && p[2] != '{')) {
					(void)quantifier(ps);
					run_flush(run, &rlen, &best);
					continue;
				}
				llen = utf8_put(cp, lit);
			} else if (c && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
					  (c >= 'A' && c <= 'Z')) && (unsigned char)c < 0x80) {
				lit[0] = c;
				llen = 1;
				ps->p = p + 2;
			} else {
				ps->fail = 1;
				break;
			}
		} else if ((unsigned char)*p >= 0x80) {
			/* One UTF-8 character: the lead byte and its continuations. */
			lit[llen++] = *p++;
			while (((unsigned char)*p & 0xC0) == 0x80 && llen < sizeof(lit))
				lit[llen++] = *p++;
			ps->p = p;
		} else {
			lit[llen++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
			ps->p = p + 1;
		}
		after = ps->p;
		min = quantifier(ps);
		if (ps->fail)
			break;
		if (min == 0) {
			run_flush(run, &rlen, &best);
			continue;
		}
		if (llen == 1 && lit[0] >= '0' && lit[0] <= '9')
			best.digit = 1;
		if (rlen + llen > sizeof(run))
			run_flush(run, &rlen, &best);
		memcpy(run + rlen, lit, llen);
		rlen += llen;
		/* "ab+c": a and the first b are certain, but what follows the
		 * repeat is not next to them. */
		if (ps->p != after)
			run_flush(run, &rlen, &best);
	}
	run_flush(run, &rlen, &best);
	return best;
}

/* Alternatives: every match takes one of them, so the factor is the union
 * of theirs, and there is none when one alternative has none. */
static struct fset parse_alt(struct parser *ps, int depth)
{
	struct fset all = { 0 };
	int none = 0, digit = 1;

	if (depth > 32) {
		ps->fail = 1;
		return all;
	}
	for (;;) {
		struct fset b = parse_seq(ps, depth);

		if (ps->fail) {
			fset_free(&b);
			fset_free(&all);
			return (struct fset){ 0 };
		}
		digit &= b.digit;
		if (!b.n || none || all.n + b.n > FACTOR_MAX_LITERALS) {
			/* Read on to the group's end all the same. */
			none = 1;
			fset_free(&b);
			fset_free(&all);
		} else {
			all.s = xreallocarray(all.s, all.n + b.n, sizeof(*all.s));
			memcpy(all.s + all.n, b.s, b.n * sizeof(*b.s));
			all.minlen = all.n && all.minlen < b.minlen ? all.minlen : b.minlen;
			all.n += b.n;
			free(b.s);
		}
		if (*ps->p != '|') {
			all.digit = digit;
			return all;
		}
		ps->p++;
	}
}

size_t factor_derive(const char *expr, char ***out, int *digit)
{
	struct parser ps = { expr, 0 };
	struct fset f;

	*out = NULL;
	*digit = 0;
	f = parse_alt(&ps, 0);
	/* The whole pattern must have been read for the factor to stand. */
	if (ps.fail || *ps.p) {
		fset_free(&f);
		return 0;
	}
	*digit = f.digit;
	*out = f.s;
	return f.n;
}

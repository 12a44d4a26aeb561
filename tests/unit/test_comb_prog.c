/* SPDX-License-Identifier: MIT */
/* comb_eval_bool's compiled program against the walk over the tree it
 * replaced (comb_eval_bool_tree): random combination expressions of every
 * operator, nested, negated and grouped, each under every state of its
 * operands, must get the same answer from both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../matcher/comb.h"
#include "../../matcher/matcher.h"

#define NOPS 6
#define EXPR_CAP 4096

static const char pack_text[] =
	"[pack]\nname = combprog\nversion = 1\n"
	"[words a]\nwords = alpha\n[words b]\nwords = beta\n"
	"[term c]\npattern = /gamma/\n[term d]\npattern = /delta/\n"
	"[rule e]\ncategory = deception\nweight = 1\ndescription = e\npattern = /eps/\n"
	"[rule f]\ncategory = deception\nweight = 1\ndescription = f\npattern = /phi/\n";

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

struct out {
	char s[EXPR_CAP];
	size_t n;
};

static void put(struct out *o, const char *t)
{
	size_t k = strlen(t);

	if (o->n + k < sizeof(o->s)) {
		memcpy(o->s + o->n, t, k + 1);
		o->n += k;
	}
}

static void gen_id(struct out *o)
{
	char id[2] = { (char)('a' + rnd(NOPS)), 0 };

	put(o, id);
}

static const char *const prox_ops[] = {
	" NEAR/3 ", " BEFORE/2 ", " SENT ", " PARA ", " NOT NEAR/4 ", " NOT BEFORE/1 ",
	" NOT SENT ", " NOT PARA ",
};

/* A proximity operand: an id, a '|' group of ids, or (rarely) another
 * proximity expression. */
static void gen_prox(struct out *o, int depth);

static void gen_span(struct out *o, int depth)
{
	switch (rnd(depth > 0 ? 4 : 3)) {
	case 0:
	case 1:
		gen_id(o);
		break;
	case 2:
		put(o, "(");
		gen_id(o);
		for (uint32_t k = rnd(3); k-- > 0;) {
			put(o, " | ");
			gen_id(o);
		}
		put(o, ")");
		break;
	default:
		put(o, "(");
		gen_prox(o, depth - 1);
		put(o, ")");
		break;
	}
}

static void gen_prox(struct out *o, int depth)
{
	gen_span(o, depth);
	put(o, prox_ops[rnd(sizeof(prox_ops) / sizeof(prox_ops[0]))]);
	gen_span(o, depth);
}

static void gen_or(struct out *o, int depth);

static void gen_unary(struct out *o, int depth)
{
	if (rnd(4) == 0)
		put(o, "!");
	switch (rnd(depth > 0 ? 3 : 2)) {
	case 0:
		gen_id(o);
		break;
	case 1:
		gen_prox(o, depth > 0 ? 1 : 0);
		break;
	default:
		put(o, "(");
		gen_or(o, depth - 1);
		put(o, ")");
		break;
	}
}

static void gen_and(struct out *o, int depth)
{
	gen_unary(o, depth);
	for (uint32_t k = rnd(3); k-- > 0;) {
		put(o, " & ");
		gen_unary(o, depth);
	}
}

static void gen_or(struct out *o, int depth)
{
	gen_and(o, depth);
	for (uint32_t k = rnd(3); k-- > 0;) {
		put(o, " | ");
		gen_and(o, depth);
	}
}

static struct matcher_pack *load_pack(void)
{
	char dir[] = "/tmp/lw-test-combprog.XXXXXX", path[64];
	struct matcher_pack *pack;
	struct lw_error err;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.rules", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(pack_text, 1, sizeof(pack_text) - 1, f), sizeof(pack_text) - 1);
	assert_int_equal(fclose(f), 0);
	pack = matcher_pack_load(path, &err);
	if (!pack)
		fail_msg("pack: %s", err.msg);
	unlink(path);
	rmdir(dir);
	return pack;
}

static void test_prog_matches_tree(void **state)
{
	struct matcher_pack *pack = load_pack();
	size_t nrules = matcher_pack_rule_count(pack), parsed = 0, with_prog = 0, held = 0;
	unsigned char *st = calloc(nrules, 1);

	(void)state;
	assert_non_null(st);
	assert_true(nrules >= NOPS);
	for (int round = 0; round < 20000; round++) {
		struct out o = { .n = 0 };
		struct comb c = { 0 };
		struct lw_error err;

		gen_or(&o, (int)rnd(4));
		if (comb_parse(pack, o.s, &c, &err) < 0)
			continue;
		parsed++;
		with_prog += c.prog != NULL;
		for (unsigned bits = 0; bits < 1u << NOPS; bits++) {
			/* any nonzero state means matched, as scan.c's fired[] */
			for (size_t r = 0; r < NOPS; r++)
				st[r] = bits >> r & 1 ? (unsigned char)(1 + rnd(255)) : 0;
			int want = comb_eval_bool_tree(&c, st), got = comb_eval_bool(&c, st);

			if (want != got)
				fail_msg("'%s' under state %#x: program %d, tree %d", o.s, bits, got,
					 want);
			held += (size_t)got;
		}
		comb_release(&c);
	}
	/* the generator must reach the program, both answers, and every shape */
	assert_true(parsed > 5000);
	assert_int_equal(with_prog, parsed);
	assert_true(held > 0 && held < parsed << NOPS);
	free(st);
	matcher_pack_free(pack);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prog_matches_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

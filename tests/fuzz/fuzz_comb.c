/* SPDX-License-Identifier: MIT */
/* Fuzz target: one `combine` expression parsed against a pack of operands,
 * then evaluated as a boolean bound under every operand state of a few
 * bits taken from the input. */
#include "../../matcher/comb.h"
#include "fuzz.h"

static const char operands[] =
	"[pack]\nname = comb\nversion = 1\n"
	"[words a]\nwords = alpha\n[words b]\nwords = beta\n"
	"[term c]\npattern = /gamma/\n[term d]\npattern = /delta/\n"
	"[rule e]\ncategory = deception\nweight = 1\ndescription = e\npattern = /eps/\n"
	"[rule f]\ncategory = deception\nweight = 1\ndescription = f\ncombine = a & c\n";

static struct matcher_pack *pack;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct comb c = { 0 };
	struct lw_error err;
	char *expr;

	if (!pack) {
		char path[256];

		fuzz_write("comb.rules", operands, sizeof(operands) - 1, path, sizeof(path));
		pack = matcher_pack_load(path, &err);
		if (!pack) {
			fprintf(stderr, "comb pack: %s\n", err.msg);
			abort();
		}
	}
	expr = fuzz_str(data, size);
	if (comb_parse(pack, expr, &c, &err) == 0) {
		size_t nrules = matcher_pack_rule_count(pack);
		unsigned char *state = calloc(nrules ? nrules : 1, 1);

		if (!state)
			abort();
		for (unsigned bits = 0; bits < 16; bits++) {
			for (size_t i = 0; i < nrules; i++)
				state[i] = (bits >> (i % 4)) & 1;
			(void)comb_eval_bool(&c, state);
		}
		for (size_t i = 0; i < c.n; i++) {
			char name[64];

			if (c.nodes[i].a >= (int)c.n || c.nodes[i].b >= (int)c.n)
				abort();
			comb_op_name(&c.nodes[i], name, sizeof(name));
		}
		free(state);
	}
	comb_release(&c);
	free(expr);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* Fuzz target: a weights file (as `rules fit --write` makes, named by a
 * pack's `[pack] weights`), read while loading a fixed pack. */
#include <math.h>

#include "fuzz.h"

static const char pack_text[] =
	"[pack]\nname = w\nversion = 1\nweights = w.tsv\n"
	"[rule a]\ncategory = deception\nweight = 1\ndescription = a\npattern = /alpha/\n"
	"[rule b]\ncategory = fee_debt\nweight = 2\ndescription = b\npattern = /beta/\n"
	"[rule c]\ncategory = context\nweight = -1\ndescription = c\npattern = /gamma/\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char pack_path[256];
	char wpath[256];
	struct matcher_pack *pack;
	struct lw_error err;

	if (!pack_path[0])
		fuzz_write("w.rules", pack_text, sizeof(pack_text) - 1, pack_path, sizeof(pack_path));
	fuzz_write("w.tsv", data, size, wpath, sizeof(wpath));
	pack = matcher_pack_load(pack_path, &err);
	if (pack) {
		for (size_t i = 0; i < matcher_pack_rule_count(pack); i++) {
			const struct matcher_rule *r = matcher_pack_rule(pack, i);

			/* A weights file that loads keeps the pack's own bounds. */
			if (!(r->weight >= -10 && r->weight <= 10) ||
			    (r->weight < 0 && r->category != matcher_category_parse("context"))) {
				fprintf(stderr, "rule %s: weight %g accepted\n", r->id, r->weight);
				abort();
			}
		}
		matcher_pack_free(pack);
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* Fuzz target: a rule pack file (INI sections, patterns, word lists,
 * combine expressions, examples) as matcher_pack_load reads it, and, for
 * small packs that load, the Hyperscan compile and the examples' scan. */
#include "fuzz.h"

/* Hyperscan's compile of an arbitrary regex can take seconds; above this
 * size only the parser runs, which is what this target is for. */
#define COMPILE_MAX 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct matcher_options opts = { .cache_dir = "", .threshold = -1 };
	struct matcher_pack *pack;
	struct matcher *m;
	struct lw_error err;
	char path[256];

	fuzz_write("p.rules", data, size, path, sizeof(path));
	pack = matcher_pack_load(path, &err);
	if (!pack)
		return 0;
	for (size_t i = 0; i < matcher_pack_rule_count(pack); i++)
		(void)matcher_pack_rule(pack, i);
	(void)matcher_pack_hash(pack);
	if (size > COMPILE_MAX) {
		matcher_pack_free(pack);
		return 0;
	}
	m = matcher_compile(pack, &opts, &err);  /* takes the pack */
	if (m) {
		struct matcher_scanner *s = matcher_scanner_new(m, &err);
		struct matcher_result r;

		matcher_result_init(&r);
		if (s && matcher_scan(s, (const char *)data, size, MATCHER_INPUT_TEXT, &r, &err) == 0) {
			struct fuzz_bounds b;

			fuzz_bounds_init(&b, (const char *)data, size);
			for (size_t i = 0; i < r.nhits; i++)
				fuzz_check_span("pack hit", &b, r.hits[i].start, r.hits[i].end);
			fuzz_bounds_release(&b);
		}
		matcher_result_release(&r);
		matcher_scanner_free(s);
	}
	matcher_free(m);
	return 0;
}

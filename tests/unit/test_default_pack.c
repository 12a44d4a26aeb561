/* SPDX-License-Identifier: MIT */
/* The default pack in rules/: it compiles, every example fires and every
 * counterexample does not, and it covers every indicator category. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../matcher/matcher.h"

/* The categories of indicators.md; context is extra and optional. */
static const char *const indicator_categories[] = {
	"deception", "offshore_recruitment", "fee_debt", "documents", "wage_withholding",
	"movement_restriction", "isolation_living", "off_platform_contact", "sexual_exploitation",
	"minors", "domestic_servitude", "obfuscation",
};

#define MIN_LANGS 5

struct fixture {
	struct matcher *m;
	char load_error[LW_ERROR_MAX];
};

static const char *rules_path(char *buf, size_t cap)
{
	const char *top = getenv("LW_TOP");

	snprintf(buf, cap, "%s/rules", top && top[0] ? top : ".");
	return buf;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct matcher_options opts = { NULL, -1 }; /* $LUREWATCH_CACHE from tests/run.sh */
	struct matcher_pack *pack;
	struct lw_error err;
	char path[4096];

	if (!fx)
		return -1;
	*state = fx;
	pack = matcher_pack_load(rules_path(path, sizeof(path)), &err);
	if (pack)
		fx->m = matcher_compile(pack, &opts, &err);
	if (!fx->m)
		snprintf(fx->load_error, sizeof(fx->load_error), "%s", err.msg);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	matcher_free(fx->m);
	free(fx);
	return 0;
}

/* Every test needs the compiled pack: without it each fails with the reason. */
static const struct matcher_pack *pack_of(void **state)
{
	struct fixture *fx = *state;

	if (!fx->m)
		fail_msg("the default pack does not load or compile:\n%s", fx->load_error);
	return matcher_get_pack(fx->m);
}

static void test_compiles(void **state)
{
	const struct matcher_pack *pack = pack_of(state);
	size_t nrules = 0;

	for (size_t i = 0; i < matcher_pack_rule_count(pack); i++)
		nrules += !matcher_pack_rule(pack, i)->is_term;
	print_message("default pack: %zu rules and terms, %zu scored rules\n",
		      matcher_pack_rule_count(pack), nrules);
	assert_true(nrules >= 12);
	assert_true(matcher_pack_threshold(pack) > 0);
}

static void test_examples(void **state)
{
	const struct matcher_pack *pack = pack_of(state);
	struct fixture *fx = *state;
	struct matcher_scanner *sc;
	struct matcher_result r;
	struct lw_error err;
	size_t fails = 0, nex = 0, ncex = 0;

	sc = matcher_scanner_new(fx->m, &err);
	if (!sc)
		fail_msg("scanner: %s", err.msg);
	matcher_result_init(&r);
	for (size_t i = 0; i < matcher_pack_rule_count(pack); i++) {
		const struct matcher_rule *rule = matcher_pack_rule(pack, i);

		if (rule->is_term)
			continue;
		for (size_t k = 0; k < rule->nexamples; k++, nex++) {
			const char *t = rule->examples[k];

			if (matcher_scan(sc, t, strlen(t), MATCHER_INPUT_TEXT, &r, &err) < 0)
				fail_msg("%s:%d: scan: %s", rule->file, rule->example_lines[k], err.msg);
			if (!matcher_result_has_rule(&r, i)) {
				fails++;
				print_error("%s:%d: rule '%s': example did not fire: %s\n", rule->file,
					    rule->example_lines[k], rule->id, t);
			}
		}
		for (size_t k = 0; k < rule->ncounterexamples; k++, ncex++) {
			const char *t = rule->counterexamples[k];

			if (matcher_scan(sc, t, strlen(t), MATCHER_INPUT_TEXT, &r, &err) < 0)
				fail_msg("%s:%d: scan: %s", rule->file, rule->counterexample_lines[k], err.msg);
			if (matcher_result_has_rule(&r, i)) {
				fails++;
				print_error("%s:%d: rule '%s': counterexample fired: %s\n", rule->file,
					    rule->counterexample_lines[k], rule->id, t);
			}
		}
	}
	matcher_result_release(&r);
	matcher_scanner_free(sc);
	print_message("%zu examples, %zu counterexamples, %zu failures\n", nex, ncex, fails);
	assert_int_equal(fails, 0);
	assert_true(nex > 0 && ncex > 0);
}

static void test_examples_per_rule(void **state)
{
	const struct matcher_pack *pack = pack_of(state);
	size_t bad = 0;

	for (size_t i = 0; i < matcher_pack_rule_count(pack); i++) {
		const struct matcher_rule *rule = matcher_pack_rule(pack, i);

		if (rule->is_term || (rule->nexamples >= 2 && rule->ncounterexamples >= 1))
			continue;
		bad++;
		print_error("%s:%d: rule '%s': %zu examples and %zu counterexamples, wanted >= 2 and >= 1\n",
			    rule->file, rule->line, rule->id, rule->nexamples, rule->ncounterexamples);
	}
	assert_int_equal(bad, 0);
}

static void test_categories_covered(void **state)
{
	const struct matcher_pack *pack = pack_of(state);
	size_t missing = 0;

	for (size_t c = 0; c < sizeof(indicator_categories) / sizeof(indicator_categories[0]); c++) {
		int cat = matcher_category_parse(indicator_categories[c]);
		size_t n = 0;

		assert_true(cat >= 0);
		for (size_t i = 0; i < matcher_pack_rule_count(pack); i++) {
			const struct matcher_rule *rule = matcher_pack_rule(pack, i);

			n += !rule->is_term && rule->category == cat;
		}
		if (n == 0) {
			missing++;
			print_error("no rule in category '%s'\n", indicator_categories[c]);
		}
	}
	assert_int_equal(missing, 0);
}

static void test_languages(void **state)
{
	const struct matcher_pack *pack = pack_of(state);
	const char *langs[64];
	size_t nlangs = 0;

	for (size_t i = 0; i < matcher_pack_rule_count(pack); i++) {
		const struct matcher_rule *rule = matcher_pack_rule(pack, i);
		size_t k;

		if (rule->is_term || !rule->lang)
			continue;
		for (k = 0; k < nlangs && strcmp(langs[k], rule->lang) != 0; k++)
			;
		if (k == nlangs && nlangs < 64)
			langs[nlangs++] = rule->lang;
	}
	print_message("languages:");
	for (size_t k = 0; k < nlangs; k++)
		print_message(" %s", langs[k]);
	print_message("\n");
	assert_true(nlangs >= MIN_LANGS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compiles),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_examples_per_rule),
		cmocka_unit_test(test_categories_covered),
		cmocka_unit_test(test_languages),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

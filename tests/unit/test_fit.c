/* SPDX-License-Identifier: MIT */
/* matcher_fit: the known answer on tests/data/fit, figures that repeat with
 * the seed, separable data that stays finite, and refusals of data that
 * cannot be fitted. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../matcher/matcher.h"

static struct matcher *m;
static struct matcher_scanner *sc;

static const char *data_path(const char *name)
{
	static char buf[4096];
	const char *top = getenv("LW_TOP");

	snprintf(buf, sizeof(buf), "%s/tests/data/fit/%s", top && top[0] ? top : ".", name);
	return buf;
}

static int setup(void **state)
{
	struct matcher_options opts = { "", -1 };
	struct lw_error err;
	struct matcher_pack *pack = matcher_pack_load(data_path("pack.rules"), &err);

	(void)state;
	if (!pack) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	m = matcher_compile(pack, &opts, &err);
	sc = m ? matcher_scanner_new(m, &err) : NULL;
	return sc ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	matcher_scanner_free(sc);
	matcher_free(m);
	return 0;
}

static void add_text(struct matcher_fit_data *d, const char *text, int flag)
{
	struct matcher_result r;
	struct lw_error err;

	matcher_result_init(&r);
	assert_int_equal(matcher_scan(sc, text, strlen(text), MATCHER_INPUT_TEXT, &r, &err), 0);
	matcher_fit_data_add(d, &r, flag);
	matcher_result_release(&r);
}

/* The labelled set of tests/data/fit: read its labels.tsv and documents. */
static struct matcher_fit_data *load_set(void)
{
	struct matcher_fit_data *d = matcher_fit_data_new(m);
	FILE *f = fopen(data_path("labels.tsv"), "r");
	char line[512];

	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	while (fgets(line, sizeof(line), f)) {
		char name[256], label[16], text[2048];
		FILE *doc;
		size_t n;

		assert_int_equal(sscanf(line, "%255[^\t]\t%15[^\t]", name, label), 2);
		doc = fopen(data_path(name), "r");
		assert_non_null(doc);
		n = fread(text, 1, sizeof(text) - 1, doc);
		text[n] = '\0';
		fclose(doc);
		add_text(d, text, strcmp(label, "flag") == 0);
	}
	fclose(f);
	return d;
}

static const struct matcher_fit_rule *rule(const struct matcher_fit_report *rep, const char *id)
{
	for (size_t i = 0; i < rep->nrules; i++)
		if (strcmp(matcher_pack_rule(matcher_get_pack(m), rep->rules[i].rule)->id, id) == 0)
			return &rep->rules[i];
	fail_msg("no rule '%s' in the report", id);
	return NULL;
}

static void test_known_answer(void **state)
{
	struct matcher_fit_options o = MATCHER_FIT_DEFAULTS;
	struct matcher_fit_data *d = load_set();
	struct matcher_fit_report rep, again;
	struct lw_error err;

	(void)state;
	assert_int_equal(matcher_fit_data_count(d), 24);
	assert_int_equal(matcher_fit(d, &o, &rep, &err), 0);
	assert_true(rep.converged);
	assert_true(rep.intercept < -0.25);
	assert_true(rule(&rep, "lure_sign")->coef > 1.5);
	assert_true(rule(&rep, "lure_sign")->fitted == 10);     /* clipped */
	/* Half of each label: by symmetry the coefficient is 0. */
	assert_true(fabs(rule(&rep, "both_sign")->coef) < 1e-6);
	assert_true(rule(&rep, "clear_sign")->coef < -0.5);
	assert_true(rule(&rep, "clear_sign")->fitted == 0);
	assert_true(rule(&rep, "clear_sign")->mostly_clear);
	assert_true(rule(&rep, "ctx_sign")->fitted < -1);
	assert_false(rule(&rep, "ctx_sign")->mostly_clear);
	assert_true(rule(&rep, "silent")->fitted == 2 && rule(&rep, "silent")->nflag == 0);
	assert_true(rep.cv_recall == 1 && rep.cv_far == 0 && rep.folds == 5);
	assert_true(rep.suggested > 4 && rep.sug_far <= o.target_far);
	/* The boundary lands at the threshold: scale * -intercept == threshold. */
	assert_true(fabs(rep.scale * -rep.intercept - rep.pack_threshold) < 1e-9);
	assert_int_equal(matcher_fit(d, &o, &again, &err), 0);
	assert_true(again.cv_recall == rep.cv_recall && again.suggested == rep.suggested);
	matcher_fit_report_release(&again);
	/* A stronger penalty pulls every coefficient towards 0. */
	o.l2 = 10;
	assert_int_equal(matcher_fit(d, &o, &again, &err), 0);
	assert_true(rule(&again, "lure_sign")->coef < rule(&rep, "lure_sign")->coef);
	assert_true(rule(&again, "clear_sign")->coef > rule(&rep, "clear_sign")->coef);
	matcher_fit_report_release(&again);
	matcher_fit_report_release(&rep);
	matcher_fit_data_free(d);
}

/* One rule separates the labels perfectly: without the penalty the
 * coefficient would grow without bound; with it, it stays finite. */
static void test_separable_is_finite(void **state)
{
	struct matcher_fit_options o = MATCHER_FIT_DEFAULTS;
	struct matcher_fit_data *d = matcher_fit_data_new(m);
	struct matcher_fit_report rep;
	struct lw_error err;

	(void)state;
	o.l2 = 1e-3;
	for (int i = 0; i < 200; i++)
		add_text(d, i % 2 ? "your passport held by us" : "a quiet ad", i % 2);
	assert_int_equal(matcher_fit(d, &o, &rep, &err), 0);
	assert_true(isfinite(rep.intercept) && isfinite(rule(&rep, "lure_sign")->coef));
	assert_true(rule(&rep, "lure_sign")->coef > 5);
	matcher_fit_report_release(&rep);
	matcher_fit_data_free(d);
}

static void test_refusals(void **state)
{
	struct matcher_fit_options o = MATCHER_FIT_DEFAULTS;
	struct matcher_fit_data *d = matcher_fit_data_new(m);
	struct matcher_fit_report rep;
	struct lw_error err;

	(void)state;
	add_text(d, "your passport held by us", 1);
	add_text(d, "your passport held by us", 1);
	add_text(d, "a quiet ad", 0);
	assert_int_equal(matcher_fit(d, &o, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "2 flag and 1 clear documents"));
	add_text(d, "a quiet ad", 0);
	o.l2 = 0;
	assert_int_equal(matcher_fit(d, &o, &rep, &err), -1);
	o.l2 = 1;
	/* Two of each label: two folds, not five. */
	assert_int_equal(matcher_fit(d, &o, &rep, &err), 0);
	assert_int_equal(rep.folds, 2);
	matcher_fit_report_release(&rep);
	matcher_fit_data_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_separable_is_finite),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

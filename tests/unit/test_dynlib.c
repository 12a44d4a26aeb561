/* SPDX-License-Identifier: MIT */
/* util/dynlib.c: a table of functions filled from a library opened at run
 * time, and the one message a user sees when the library or a function in it
 * is missing (igraph for network splits, Graphviz for drawings). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../util/dynlib.h"

struct m_fns {
	double (*cos)(double);
	double (*sqrt)(double);
};

static void test_fills_table(void **state)
{
	static const struct lw_dynsym syms[] = {
		{ "cos", offsetof(struct m_fns, cos) },
		{ "sqrt", offsetof(struct m_fns, sqrt) },
	};
	struct m_fns f = { 0 };
	struct lw_error err = { "" };

	(void)state;
	assert_int_equal(lw_dynlib_load("libm.so.6", "maths", syms, 2, &f, &err), 0);
	assert_non_null(f.cos);
	assert_non_null(f.sqrt);
	assert_true(f.cos(0.0) == 1.0);
	assert_true(f.sqrt(16.0) == 4.0);
	assert_string_equal(err.msg, "");
}

static void test_missing_library(void **state)
{
	static const struct lw_dynsym syms[] = { { "cos", offsetof(struct m_fns, cos) } };
	struct m_fns f = { 0 };
	struct lw_error err;
	const char *want = "network split needs liblurewatch-missing.so.9: ";

	(void)state;
	assert_int_equal(lw_dynlib_load("liblurewatch-missing.so.9", "network split", syms, 1, &f,
					&err), -1);
	/* The purpose and the soname, then the loader's own reason. */
	assert_memory_equal(err.msg, want, strlen(want));
	assert_non_null(strstr(err.msg, "cannot open shared object file"));
	assert_null(f.cos);
}

static void test_missing_function(void **state)
{
	static const struct lw_dynsym syms[] = {
		{ "cos", offsetof(struct m_fns, cos) },
		{ "lurewatch_no_such_function", offsetof(struct m_fns, sqrt) },
	};
	struct m_fns f = { 0 };
	struct lw_error err;
	const char *want = "network drawing needs libm.so.6: ";

	(void)state;
	assert_int_equal(lw_dynlib_load("libm.so.6", "network drawing", syms, 2, &f, &err), -1);
	assert_memory_equal(err.msg, want, strlen(want));
	assert_non_null(strstr(err.msg, "lurewatch_no_such_function"));
	assert_null(f.sqrt);
}

/* The sonames the build found for the headers it compiled against must be
 * ones the loader can open: a wrong one would pass every other test and
 * fail only at a user's first network split. */
static void test_build_sonames(void **state)
{
	struct lw_error err;

	(void)state;
	assert_int_equal(lw_dynlib_load(LW_IGRAPH_SONAME, "network split", NULL, 0, NULL, &err), 0);
	assert_int_equal(lw_dynlib_load(LW_GVC_SONAME, "network drawing", NULL, 0, NULL, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fills_table),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_missing_function),
		cmocka_unit_test(test_build_sonames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

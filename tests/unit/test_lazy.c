/* SPDX-License-Identifier: MIT */
/* util/lazy.c: a library opened on first call, the error naming the
 * library, the loader's reason and the package when it cannot be opened, and
 * the wrappers' exit (status 2, the message on stderr, no crash). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../util/lazy.h"

struct m_fns {
	double (*cos)(double);
};

static const struct lw_dynsym m_syms[] = { { "cos", offsetof(struct m_fns, cos) } };

static void test_opens_once(void **state)
{
	static struct m_fns f;
	static struct lw_lazy lib = LW_LAZY_INIT("libm.so.6", "maths", "libc6", m_syms, &f, NULL);
	struct lw_error err = { "" };

	(void)state;
	assert_false(lw_lazy_is_open(&lib));
	assert_int_equal(lw_lazy_open(&lib, &err), 0);
	assert_true(lw_lazy_is_open(&lib));
	assert_true(f.cos(0.0) == 1.0);
	assert_int_equal(lw_lazy_open(&lib, &err), 0);
	lw_lazy_need(&lib);
	assert_string_equal(err.msg, "");
}

static void test_missing_library(void **state)
{
	static struct m_fns f;
	static struct lw_lazy lib = LW_LAZY_INIT("liblurewatch-missing.so.9", "fetching web pages",
						 "liblurewatch9", m_syms, &f, NULL);
	struct lw_error err = { "" };
	const char *want = "fetching web pages needs liblurewatch-missing.so.9: ";

	(void)state;
	assert_int_equal(lw_lazy_open(&lib, &err), -1);
	assert_memory_equal(err.msg, want, strlen(want));
	assert_non_null(strstr(err.msg, "cannot open shared object file"));
	assert_non_null(strstr(err.msg, " (Debian package liblurewatch9)"));
	assert_false(lw_lazy_is_open(&lib));
	/* Remembered: the second caller gets the same message, not a crash. */
	memset(err.msg, 0, sizeof(err.msg));
	assert_int_equal(lw_lazy_open(&lib, &err), -1);
	assert_memory_equal(err.msg, want, strlen(want));
	assert_null(f.cos);
}

/* What a wrapper does when its library is missing: lw_lazy_need in a child,
 * whose exit status and stderr we read. */
static void test_need_exits(void **state)
{
	static struct m_fns f;
	static struct lw_lazy lib = LW_LAZY_INIT("liblurewatch-missing.so.9", "the database",
						 "libpq5", m_syms, &f, NULL);
	int fds[2], status = 0;
	char out[2048] = "";
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		lw_lazy_need(&lib);
		_exit(0); /* not reached when the library is missing */
	}
	close(fds[1]);
	while (got < sizeof(out) - 1 && (n = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);
	assert_non_null(strstr(out, "lurewatch: the database needs liblurewatch-missing.so.9: "));
	assert_non_null(strstr(out, "(Debian package libpq5)\n"));
}

/* The sonames the build found must be ones the loader opens: a wrong one
 * would pass every other test and fail at a user's first crawl. */
static void test_build_sonames(void **state)
{
	const char *sonames[] = { LW_CURL_SONAME, LW_PQ_SONAME,     LW_XML2_SONAME,
				  LW_MHD_SONAME,  LW_ARGON2_SONAME, LW_Z_SONAME };
	struct lw_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(sonames) / sizeof(sonames[0]); i++) {
		if (lw_dynlib_load(sonames[i], "test", NULL, 0, NULL, &err) < 0)
			fail_msg("%s", err.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opens_once),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_need_exits),
		cmocka_unit_test(test_build_sonames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

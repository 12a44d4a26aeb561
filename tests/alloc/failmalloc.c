/* SPDX-License-Identifier: MIT */
/* Allocation-failure injection for the sweep in tests/alloc/sweep.sh (the
 * technique of SQLite's and curl's torture tests): an LD_PRELOAD library
 * whose malloc, calloc and realloc count the calls made once main has
 * started and fail the LW_FAIL_AT-th one (once, or every one from it on
 * with LW_FAIL_STICKY=1). It works in front of glibc's allocator and in
 * front of gcc's dynamic ASan runtime (preloaded after this library, with
 * ASAN_OPTIONS=verify_asan_link_order=0), so leaks are found too. At exit it
 * writes how many allocations ran to LW_FAIL_COUNT_FILE, which tells the
 * sweep where to stop. Counting starts at main, so the C library's own
 * start-up is left alone. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int main_fn(int, char **, char **);
typedef int start_fn(main_fn *, int, char **, void (*)(void), void (*)(void),
		     void (*)(void), void *);

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static main_fn *real_main;
static volatile int armed;
static unsigned long count, fail_at;
static int sticky;

/* dlsym itself allocates: those few early requests come from here. */
static char early[65536];
static size_t early_used;

static int is_early(const void *p)
{
	return (const char *)p >= early && (const char *)p < early + sizeof(early);
}

static void *early_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (early_used + n > sizeof(early))
		return NULL;
	p = early + early_used;
	early_used += n;
	return p;
}

static void resolve(void)
{
	static int busy;

	if (real_malloc || busy)
		return;
	busy = 1;
	real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	busy = 0;
}

/* 1 when this allocation is the one to fail. */
static int should_fail(void)
{
	unsigned long n;

	if (!armed)
		return 0;
	n = __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED);
	return fail_at && (n == fail_at || (sticky && n > fail_at));
}

void *malloc(size_t n)
{
	resolve();
	if (!real_malloc)
		return early_alloc(n);
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	resolve();
	if (!real_calloc)
		return early_alloc(n * size);   /* zeroed: static storage */
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	resolve();
	if (is_early(p)) {
		void *q = malloc(n);

		if (q)
			memcpy(q, p, n < sizeof(early) ? n : sizeof(early));
		return q;
	}
	if (!real_realloc)
		return early_alloc(n);
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_realloc(p, n);
}

void free(void *p)
{
	if (!p || is_early(p))
		return;
	resolve();
	if (real_free)
		real_free(p);
}

static void write_count(void)
{
	const char *path = getenv("LW_FAIL_COUNT_FILE");
	char buf[32];
	int fd, len;

	armed = 0;
	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "%lu\n", count);
	if (write(fd, buf, (size_t)len) != len)
		len = 0;
	close(fd);
}

static int wrapped_main(int argc, char **argv, char **envp)
{
	const char *at = getenv("LW_FAIL_AT"), *st = getenv("LW_FAIL_STICKY");

	fail_at = at ? strtoul(at, NULL, 10) : 0;
	sticky = st && *st == '1';
	/* Children (the ASan symbolizer, pg_ctl, postgres) run unharmed and
	 * without this library or the ASan runtime preloaded. */
	unsetenv("LW_FAIL_AT");
	unsetenv("LD_PRELOAD");
	atexit(write_count);
	armed = 1;
	return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn *m, int argc, char **argv, void (*init)(void),
		      void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	start_fn *real = (start_fn *)dlsym(RTLD_NEXT, "__libc_start_main");

	real_main = m;
	return real(wrapped_main, argc, argv, init, fini, rtld_fini, stack_end);
}

/* SPDX-License-Identifier: MIT */
/* Opening a lazily loaded library once, under a lock, and its one error. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lazy.h"

enum { LAZY_NEW, LAZY_OPEN, LAZY_FAILED };

/* Loading is rare (once per library per process), so one lock for all. */
static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;

int lw_lazy_open(struct lw_lazy *lib, struct lw_error *err)
{
	int state = atomic_load_explicit(&lib->state, memory_order_acquire);

	if (state == LAZY_NEW) {
		pthread_mutex_lock(&lazy_lock);
		state = atomic_load_explicit(&lib->state, memory_order_relaxed);
		if (state == LAZY_NEW) {
			struct lw_error why;

			if (lw_dynlib_load(lib->soname, lib->purpose, lib->syms, lib->nsyms,
					   lib->fns, &why) == 0) {
				if (lib->loaded)
					lib->loaded();
				state = LAZY_OPEN;
			} else {
				if (lib->package && *lib->package)
					lw_error_set(&lib->err, "%s (Debian package %s)", why.msg,
						     lib->package);
				else
					lw_error_set(&lib->err, "%s", why.msg);
				state = LAZY_FAILED;
			}
			atomic_store_explicit(&lib->state, state, memory_order_release);
		}
		pthread_mutex_unlock(&lazy_lock);
	}
	if (state == LAZY_OPEN)
		return 0;
	return lw_error_set(err, "%s", lib->err.msg);
}

int lw_lazy_is_open(struct lw_lazy *lib)
{
	return atomic_load_explicit(&lib->state, memory_order_acquire) == LAZY_OPEN;
}

void lw_lazy_need(struct lw_lazy *lib)
{
	struct lw_error err;

	if (atomic_load_explicit(&lib->state, memory_order_acquire) == LAZY_OPEN)
		return;
	if (lw_lazy_open(lib, &err) == 0)
		return;
	fflush(stdout);
	fprintf(stderr, "lurewatch: %s\n", err.msg);
	exit(2);
}

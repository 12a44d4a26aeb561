/* SPDX-License-Identifier: MIT */
/* Sessions for work that runs on several threads or may trade the wait for
 * a disk flush: another connection like an open one (a libpq connection
 * serves one thread at a time), and commits that do not wait. */
#include "store_internal.h"

struct store *store_clone(const struct store *st, struct lw_error *err)
{
	return store_open(st->conninfo, 0, err);
}

int store_commit_async(struct store *st, int on, struct lw_error *err)
{
	return db_exec(st, on ? "SET synchronous_commit = off" : "SET synchronous_commit TO DEFAULT",
		       0, NULL, NULL, err);
}

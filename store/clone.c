/* SPDX-License-Identifier: MIT */
/* A second connection like an open one, for a thread of its own (a libpq
 * connection serves one thread at a time). */
#include "store_internal.h"

struct store *store_clone(const struct store *st, struct lw_error *err)
{
	return store_open(st->conninfo, 0, err);
}

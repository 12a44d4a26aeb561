/* SPDX-License-Identifier: MIT */
/* JSON Lines of listings, one object per line, read as store listings. Kept
 * apart from `lurewatch ingest` so that the fuzz target reads lines exactly
 * as ingestion does. */
#ifndef LW_INGEST_JSONL_H
#define LW_INGEST_JSONL_H

#include <stdio.h>

#include "../store/store.h"
#include "../util/error.h"

/* Longest line accepted; a longer one is reported and skipped, never
 * buffered whole. */
#define JSONL_LINE_MAX (32u * 1024u * 1024u)

/* Called for each listing; l and its strings live only during the call.
 * l->origin is "FILE:LINE". Returns 0 to go on, nonzero to stop reading. */
typedef int jsonl_listing_fn(const struct store_listing *l, void *ctx);
/* Called for each rejected line: where ("FILE:LINE") and why. */
typedef void jsonl_reject_fn(const char *where, const char *msg, void *ctx);

/* Reads f (named name in messages) line by line: each line holding a JSON
 * object {"url", "title", "body" or "html", "location", "posted", "source"}
 * (strings or null) goes to fn; blank lines are skipped; a line that is not
 * such an object, or is longer than JSONL_LINE_MAX, goes to reject. Returns
 * 0 at the end of f or when fn asks to stop, or -1 with err ("read error:
 * ...") when f cannot be read. */
int jsonl_read(FILE *f, const char *name, jsonl_listing_fn *fn, jsonl_reject_fn *reject,
	       void *ctx, struct lw_error *err);

#endif

/* SPDX-License-Identifier: MIT */
/* Private to matcher/: the steps of an analysis that share one prepared
 * (normalised) document, so matcher_analyze normalises a listing once where
 * matcher_scan, entities_extract and matcher_simhash each normalise it. */
#ifndef LW_MATCHER_PREPARED_H
#define LW_MATCHER_PREPARED_H

#include <stddef.h>
#include <stdint.h>

#include "entities.h"
#include "matcher.h"
#include "text.h"

/* The first half of matcher_scan: turns HTML into visible text (kept in r,
 * which r->text then points at; otherwise r->text is input) and normalises
 * r->text into the scanner's own lw_text. Returns 0, or -1 with err (input
 * too large, HTML that cannot be parsed). */
int scan_prepare(struct matcher_scanner *s, const char *input, size_t len, int input_kind,
		 struct matcher_result *r, struct lw_error *err);

/* The second half: scans the text scan_prepare left in the scanner, fills
 * r's hits and score. Returns 0, or -1 with err (Hyperscan failure). */
int scan_prepared(struct matcher_scanner *s, struct matcher_result *r, struct lw_error *err);

/* The normalised text of the last scan_prepare; owned by the scanner and
 * valid until its next scan. */
const struct lw_text *scan_norm(const struct matcher_scanner *s);

/* entities_extract over text already normalised into t (t must come from
 * text_normalize of orig[0..orig_len)). Fills out (previous content
 * released); returns 0, or -1 with err for an unknown default_region. */
int entities_extract_text(const struct lw_text *t, const char *orig, size_t orig_len,
			  const char *default_region, struct entity_list *out,
			  struct lw_error *err);

/* matcher_simhash over normalised text, treating as blank every byte that
 * came from input covered by one of the entities (input offsets): the
 * fingerprint of the template without its contact details. el may be NULL.
 * Returns the fingerprint, 0 for too few words. */
uint64_t simhash_text(const struct lw_text *t, const struct entity_list *el);

#endif

/* SPDX-License-Identifier: MIT */
/* One listing into its analysis: normalised once, then matched, searched
 * for contact details and fingerprinted from that one prepared text. */
#include <string.h>

#include "prepared.h"

void matcher_analysis_init(struct matcher_analysis *a)
{
	matcher_result_init(&a->result);
	entity_list_init(&a->entities);
	a->simhash = 0;
}

void matcher_analysis_release(struct matcher_analysis *a)
{
	if (!a)
		return;
	matcher_result_release(&a->result);
	entity_list_release(&a->entities);
	a->simhash = 0;
}

int matcher_analyze(struct matcher_scanner *s, const char *text, size_t len, int input_kind,
		    const char *phone_region, struct matcher_analysis *a, struct lw_error *err)
{
	struct matcher_result *r = &a->result;
	const struct lw_text *norm;

	entity_list_release(&a->entities);
	a->simhash = 0;
	if (scan_prepare(s, text, len, input_kind, r, err) < 0)
		return -1;
	norm = scan_norm(s);
	/* Contacts and the fingerprint come from the prepared text before the
	 * scan: both only read it, and the scan leaves it in place either way. */
	if (entities_extract_text(norm, r->text, r->text_len, phone_region, &a->entities, err) < 0)
		return -1;
	a->simhash = simhash_text(norm, &a->entities);
	return scan_prepared(s, r, err);
}

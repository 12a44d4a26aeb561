/* SPDX-License-Identifier: MIT */
/* Fuzz target: contact extraction on its own (phones in any script and
 * spelling, e-mail, handles, URLs). Every entity lies inside the input on
 * character boundaries and its normalised value is non-empty ASCII. The
 * first byte picks the default phone region. */
#include "../../matcher/entities.h"
#include "fuzz.h"

static const char *const regions[] = { "NZ", "AU", "GB", "US", "PH", "VN", "TH", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct entity_list l;
	struct lw_error err;
	struct fuzz_bounds b;
	const char *in = (const char *)data + 1;

	if (size < 1)
		return 0;
	size--;
	entity_list_init(&l);
	fuzz_bounds_init(&b, in, size);
	if (entities_extract(in, size, regions[data[0] % 8], &l, &err) == 0) {
		if (l.n > ENTITIES_MAX)
			abort();
		for (size_t i = 0; i < l.n; i++) {
			const struct entity *e = &l.v[i];

			fuzz_check_span("entity", &b, e->start, e->end);
			if (!e->normalized || !e->normalized[0] || !entity_kind_name(e->kind))
				abort();
			for (const char *p = e->normalized; *p; p++)
				if ((unsigned char)*p >= 0x80)
					abort();
			if (i > 0 && l.v[i - 1].start > e->start)
				abort();    /* promised: in order of start */
		}
	}
	fuzz_bounds_release(&b);
	entity_list_release(&l);
	return 0;
}

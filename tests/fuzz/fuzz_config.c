/* SPDX-License-Identifier: MIT */
/* Fuzz target: lurewatch.conf with its [source] sections, as config_load
 * reads it (every key's validator, XPath and URL checks included). */
#include "../../config/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c;
	struct lw_error err;
	char path[256];

	fuzz_write("lurewatch.conf", data, size, path, sizeof(path));
	c = config_load(path, &err);
	if (c) {
		for (size_t i = 0; i < c->nsources; i++)
			if (config_source_find(c, c->sources[i].name) == NULL)
				abort();
		(void)config_has_agency(c, "police");
	}
	config_free(c);
	return 0;
}

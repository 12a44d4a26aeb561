/* SPDX-License-Identifier: MIT */
/* Rule ids to rule indexes: an open-addressing table beside the pack's
 * rules, so that loading a pack (which checks every id for a duplicate)
 * and parsing its combinations (which look up every operand) cost linear
 * time, not a string comparison against every rule per lookup. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xmalloc.h"
#include "pack_internal.h"

static uint64_t id_hash(const char *id)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Slots hold a rule index + 1; 0 is empty. */
static void put(size_t *slots, size_t cap, const struct matcher_pack *pack, size_t i)
{
	size_t k = (size_t)id_hash(pack->rules[i].id) & (cap - 1);

	while (slots[k])
		k = (k + 1) & (cap - 1);
	slots[k] = i + 1;
}

void pack_index_add(struct matcher_pack *pack, size_t i)
{
	/* Kept at most half full, so a probe run stays short. */
	if (2 * (pack->nrules + 1) > pack->index_cap) {
		size_t cap = pack->index_cap ? pack->index_cap : 128;

		while (2 * (pack->nrules + 1) > cap)
			cap *= 2;
		free(pack->index);
		pack->index = xcalloc(cap, sizeof(*pack->index));
		pack->index_cap = cap;
		for (size_t j = 0; j < pack->nrules; j++)
			if (j != i)
				put(pack->index, cap, pack, j);
	}
	put(pack->index, pack->index_cap, pack, i);
}

long pack_find(const struct matcher_pack *pack, const char *id)
{
	size_t k;

	if (!pack->index_cap)
		return -1;
	k = (size_t)id_hash(id) & (pack->index_cap - 1);
	for (; pack->index[k]; k = (k + 1) & (pack->index_cap - 1))
		if (strcmp(pack->rules[pack->index[k] - 1].id, id) == 0)
			return (long)(pack->index[k] - 1);
	return -1;
}

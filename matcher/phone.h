/* SPDX-License-Identifier: MIT */
/* Private to matcher/: phone digits to E.164 with libphonenumber's
 * per-region numbering facts (country code, national prefix, possible
 * lengths, general number pattern). */
#ifndef LW_MATCHER_PHONE_H
#define LW_MATCHER_PHONE_H

#include <stddef.h>
#include <stdint.h>

struct phone_region {
	char id[4];             /* "NZ"; "001" for non-geographic codes */
	uint16_t cc;            /* country calling code */
	const char *intl;       /* international prefix when plain digits, else "" */
	const char *np;         /* national prefix, "" when none */
	uint32_t lengths;       /* bit n: national significant numbers of n digits */
	const char *pattern;    /* anchored POSIX ERE for those numbers */
};

/* Sorted by calling code, main region first (phone_meta.c, generated). */
extern const struct phone_region phone_regions[];
extern const size_t phone_nregions;

/* Longest E.164 number: "+" and 15 digits. */
#define PHONE_E164_MAX 16

/* How the digits were written, so numbers of other regions can be told
 * apart from sums and ids. */
struct phone_input {
	const char *digits;     /* ASCII digits only */
	size_t ndigits;
	int plus;               /* written with a leading '+' */
	int nanp_shape;         /* grouped as (NXX) NXX-XXXX, NXX-NXX-XXXX or
	                         * 1-NXX-NXX-XXXX: a North American number */
};

/* Returns the region entry for an ISO id ("NZ"), or NULL. */
const struct phone_region *phone_region_find(const char *id);

/* Parses in as a phone number of default_region (or, written in national
 * form, of a nearby region when it cannot be one of default_region's) and
 * writes "+<cc><nsn>" into out (PHONE_E164_MAX + 1 bytes). Returns 0, or -1
 * when the digits are not a possible number anywhere they could belong. */
int phone_to_e164(const struct phone_input *in, const char *default_region,
		  char out[PHONE_E164_MAX + 1]);

#endif

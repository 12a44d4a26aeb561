/* SPDX-License-Identifier: MIT */
/* Phone digits to E.164: international and national forms checked against
 * libphonenumber's possible lengths and general patterns per region. */
#include <pthread.h>
#include <regex.h>
#include <string.h>

#include "../util/xmalloc.h"
#include "phone.h"

/* The fallback regions for a national number that cannot be the default
 * region's, nearest first (the ads come from NZ and its neighbours). */
static const char *const fallback_regions[] = { "NZ", "AU", "GB", NULL };

/* Shortest national significant number taken without a '+' in front: the
 * few shorter possible numbers (short codes, 0800-1700 as a time) look like
 * any other count. With a calling code, Pacific islands have 4- and 5-digit
 * numbers (+676 20123), but the whole number must have 7 digits. */
#define NATIONAL_MIN 8
#define INTERNATIONAL_MIN 4
#define INTERNATIONAL_TOTAL_MIN 7

const struct phone_region *phone_region_find(const char *id)
{
	size_t i;

	for (i = 0; i < phone_nregions; i++)
		if (phone_regions[i].id[0] == id[0] && !strcmp(phone_regions[i].id, id))
			return &phone_regions[i];
	return NULL;
}

/* Each region's general pattern, compiled on first use and kept for the
 * process (glibc's regexec may be shared between threads). It used to be
 * compiled for every candidate number, and a compile that ran out of memory
 * read as "not a possible number": the number silently vanished from the
 * ad's contacts (found by the allocation sweep). */
static pthread_mutex_t re_lock = PTHREAD_MUTEX_INITIALIZER;
static regex_t *re_cache;
static unsigned char *re_state;         /* 0 not yet, 1 compiled, 2 refused */

static const regex_t *region_re(const struct phone_region *r)
{
	size_t i = (size_t)(r - phone_regions);
	int rc;

	pthread_mutex_lock(&re_lock);
	if (!re_cache) {
		re_cache = xcalloc(phone_nregions, sizeof(*re_cache));
		re_state = xcalloc(phone_nregions, 1);
	}
	if (!re_state[i]) {
		rc = regcomp(&re_cache[i], r->pattern, REG_EXTENDED | REG_NOSUB);
		if (rc == REG_ESPACE)
			xoom("compiling a phone number pattern");
		re_state[i] = rc ? 2 : 1;
	}
	pthread_mutex_unlock(&re_lock);
	return re_state[i] == 1 ? &re_cache[i] : NULL;
}

/* 1 when nsn (n digits) is a possible national number of r: a length the
 * region uses and its general pattern. */
static int possible(const struct phone_region *r, const char *nsn, size_t n)
{
	char buf[PHONE_E164_MAX + 1];
	const regex_t *re;
	int rc;

	if (n >= sizeof(buf) || n >= 32 || !(r->lengths >> n & 1u))
		return 0;
	memcpy(buf, nsn, n);
	buf[n] = '\0';
	re = region_re(r);
	if (!re)
		return 0;
	rc = regexec(re, buf, 0, NULL, 0);
	if (rc == REG_ESPACE)
		xoom("matching a phone number pattern");
	return rc == 0;
}

/* First table entry with calling code cc, or phone_nregions. */
static size_t first_with_cc(unsigned cc)
{
	size_t i;

	for (i = 0; i < phone_nregions; i++)
		if (phone_regions[i].cc == cc)
			return i;
	return phone_nregions;
}

/* 1 when nsn is possible in some region that calling code cc serves. */
static int possible_for_cc(unsigned cc, const char *nsn, size_t n)
{
	size_t i;

	for (i = first_with_cc(cc); i < phone_nregions && phone_regions[i].cc == cc; i++)
		if (possible(&phone_regions[i], nsn, n))
			return 1;
	return 0;
}

static int format(unsigned cc, const char *nsn, size_t n,
		  char out[PHONE_E164_MAX + 1])
{
	char ccs[4];
	size_t k = 0, ncc;

	ccs[0] = (char)('0' + cc / 100);
	ccs[1] = (char)('0' + cc / 10 % 10);
	ccs[2] = (char)('0' + cc % 10);
	ccs[3] = '\0';
	ncc = cc >= 100 ? 3 : cc >= 10 ? 2 : 1;
	if (1 + ncc + n > PHONE_E164_MAX)
		return -1;
	out[k++] = '+';
	memcpy(out + k, ccs + 3 - ncc, ncc);
	k += ncc;
	memcpy(out + k, nsn, n);
	out[k + n] = '\0';
	return 0;
}

/* Digits after '+' or an international prefix: a calling code (codes are
 * prefix-free, so the first known one is it), then a national number,
 * possibly still carrying a trunk "0" written as "+44 (0)...". */
static int international(const char *d, size_t n, char out[PHONE_E164_MAX + 1])
{
	unsigned cc = 0;
	size_t l;

	if (n < INTERNATIONAL_TOTAL_MIN)
		return -1;
	for (l = 1; l <= 3 && l < n; l++) {
		cc = cc * 10 + (unsigned)(d[l - 1] - '0');
		if (first_with_cc(cc) == phone_nregions)
			continue;
		if (n - l < INTERNATIONAL_MIN)
			return -1;
		if (possible_for_cc(cc, d + l, n - l))
			return format(cc, d + l, n - l, out);
		if (d[l] == '0' && possible_for_cc(cc, d + l + 1, n - l - 1))
			return format(cc, d + l + 1, n - l - 1, out);
		return -1;
	}
	return -1;
}

/* A national number of r: its national prefix, then a possible number. */
static int national(const struct phone_region *r, const char *d, size_t n,
		    char out[PHONE_E164_MAX + 1])
{
	size_t np = strlen(r->np);

	if (!np || n < np + NATIONAL_MIN || memcmp(d, r->np, np))
		return -1;
	if (!possible(r, d + np, n - np))
		return -1;
	return format(r->cc, d + np, n - np, out);
}

/* North American numbers are written without their "1" prefix. */
static int nanp(const struct phone_input *in, char out[PHONE_E164_MAX + 1])
{
	const char *d = in->digits;
	size_t n = in->ndigits;

	if (n == 11 && d[0] == '1') {
		d++;
		n--;
	}
	if (n != 10 || !possible_for_cc(1, d, n))
		return -1;
	return format(1, d, n, out);
}

static int prefixed(const char *d, size_t n, const char *prefix)
{
	size_t l = strlen(prefix);

	return l && n > l && !memcmp(d, prefix, l);
}

int phone_to_e164(const struct phone_input *in, const char *default_region,
		  char out[PHONE_E164_MAX + 1])
{
	const struct phone_region *def = phone_region_find(default_region);
	const char *d = in->digits;
	size_t n = in->ndigits, k;

	if (n > 17)
		return -1;
	if (in->plus)
		return international(d, n, out);
	if (def && prefixed(d, n, def->intl) && strcmp(def->intl, "00"))
		if (!international(d + strlen(def->intl), n - strlen(def->intl), out))
			return 0;
	if (prefixed(d, n, "00"))
		return international(d + 2, n - 2, out);
	if (def && !national(def, d, n, out))
		return 0;
	if (def && def->cc == 1 && !nanp(in, out))
		return 0;
	for (k = 0; fallback_regions[k]; k++) {
		const struct phone_region *r = phone_region_find(fallback_regions[k]);

		if (r && r != def && !national(r, d, n, out))
			return 0;
	}
	if (in->nanp_shape)
		return nanp(in, out);
	return -1;
}

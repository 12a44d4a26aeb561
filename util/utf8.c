/* SPDX-License-Identifier: MIT */
/* UTF-8 validation and repair. */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

size_t lw_utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0], cp;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

char *lw_utf8_repair(const char *p, size_t n, size_t *out_len, size_t *repaired)
{
	struct lw_buf b;
	size_t i = 0, run = 0, bad = 0;

	/* Replacement grows a byte to three at most. Valid runs are copied
	 * whole (ingestion repairs every field of every listing, and a copy
	 * per character was most of it). */
	lw_buf_init(&b, n * 3 + 1);
	while (i < n) {
		size_t l;

		/* ASCII without NUL, eight bytes at a time: most of a posting
		 * (a call per character was 3% of ingestion's client CPU). */
		while (n - i >= 8) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if ((w & 0x8080808080808080ull) ||
			    ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull))
				break;
			i += 8;
		}
		if (i == n)
			break;
		l = p[i] ? lw_utf8_seq_len((const unsigned char *)p + i, n - i) : 0;

		if (l) {
			i += l;
			continue;
		}
		if (i > run)
			lw_buf_add(&b, p + run, i - run);
		if (p[i] == '\0')
			lw_buf_addc(&b, ' ');
		else
			lw_buf_add(&b, "\xef\xbf\xbd", 3);
		bad++;
		run = ++i;
	}
	if (i > run)
		lw_buf_add(&b, p + run, i - run);
	if (repaired)
		*repaired = bad;
	return lw_buf_detach(&b, out_len);
}

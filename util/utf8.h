/* SPDX-License-Identifier: MIT */
/* UTF-8 checks and repair for text that leaves the program (JSON, SQL). */
#ifndef LW_UTF8_H
#define LW_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at p (n bytes available), or 0 when
 * the bytes there are not valid UTF-8 (overlongs and surrogates included). */
size_t lw_utf8_seq_len(const unsigned char *p, size_t n);

/* A copy of p[0..n) that is valid UTF-8: each invalid byte becomes U+FFFD
 * and each NUL a space. Returns a new NUL-terminated string (caller frees);
 * *out_len (may be NULL) receives its length; *repaired (may be NULL) how
 * many bytes were replaced. */
char *lw_utf8_repair(const char *p, size_t n, size_t *out_len, size_t *repaired);

/* Decodes the code point at p, which must start a valid UTF-8 sequence (text
 * that was normalised or repaired); *len (may be NULL) receives its length.
 * Inline: the scanners call it per character. */
static inline uint32_t lw_utf8_decode(const unsigned char *p, size_t *len)
{
	size_t n = p[0] < 0x80 ? 1 : p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;

	if (len)
		*len = n;
	switch (n) {
	case 1:
		return p[0];
	case 2:
		return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
	case 3:
		return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
	default:
		return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
		       (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
	}
}

#endif

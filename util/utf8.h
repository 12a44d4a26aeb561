/* SPDX-License-Identifier: MIT */
/* UTF-8 checks and repair for text that leaves the program (JSON, SQL). */
#ifndef LW_UTF8_H
#define LW_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (n bytes available), or 0 when
 * the bytes there are not valid UTF-8 (overlongs and surrogates included). */
size_t lw_utf8_seq_len(const unsigned char *p, size_t n);

/* A copy of p[0..n) that is valid UTF-8: each invalid byte becomes U+FFFD
 * and each NUL a space. Returns a new NUL-terminated string (caller frees);
 * *out_len (may be NULL) receives its length; *repaired (may be NULL) how
 * many bytes were replaced. */
char *lw_utf8_repair(const char *p, size_t n, size_t *out_len, size_t *repaired);

#endif

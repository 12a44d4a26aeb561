/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4) without allocation: pack identities, content hashes
 * and cache keys. OpenSSL 3's EVP interface allocates and fetches on every
 * init, and under memory pressure it leaked and crashed (found by the
 * allocation sweep); this cannot fail. */
#ifndef LW_SHA256_H
#define LW_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct lw_sha256 {
	uint32_t h[8];
	uint64_t bytes;         /* message length so far */
	unsigned char block[64];
	size_t used;            /* bytes in block */
};

void lw_sha256_init(struct lw_sha256 *s);
void lw_sha256_update(struct lw_sha256 *s, const void *data, size_t len);
/* Writes the 32-byte digest to md; s must be initialised again for reuse. */
void lw_sha256_final(struct lw_sha256 *s, unsigned char md[32]);
/* The digest as 64 lowercase hex digits and a NUL. */
void lw_sha256_hex(struct lw_sha256 *s, char out[65]);

#endif

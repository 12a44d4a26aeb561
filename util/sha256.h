/* SPDX-License-Identifier: MIT */
/* SHA-256 without allocation: pack identities, content hashes and cache
 * keys. OpenSSL's one-block-at-a-time functions do the work (with the
 * CPU's SHA extensions where it has them); its EVP interface would
 * allocate and fetch on every init, and under memory pressure it leaked and
 * crashed (found by the allocation sweep), whereas these cannot fail. */
#ifndef LW_SHA256_H
#define LW_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* SHA256_CTX's size and alignment, without OpenSSL's headers (and their
 * deprecation notices) in every file that hashes: util/sha256.c checks. */
struct lw_sha256 {
	union {
		unsigned char bytes[112];
		uint64_t align;
	} ctx;
};

void lw_sha256_init(struct lw_sha256 *s);
void lw_sha256_update(struct lw_sha256 *s, const void *data, size_t len);
/* Writes the 32-byte digest to md; s must be initialised again for reuse. */
void lw_sha256_final(struct lw_sha256 *s, unsigned char md[32]);
/* The digest as 64 lowercase hex digits and a NUL. */
void lw_sha256_hex(struct lw_sha256 *s, char out[65]);

#endif

/* SPDX-License-Identifier: MIT */
/* SHA-256 through OpenSSL's low-level functions: they work on a context the
 * caller owns and never allocate (see sha256.h for why not EVP). */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

#include "sha256.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((struct lw_sha256 *)0)->ctx.bytes),
	       "struct lw_sha256 is too small for SHA256_CTX");
_Static_assert(_Alignof(SHA256_CTX) <= _Alignof(uint64_t),
	       "struct lw_sha256 is not aligned for SHA256_CTX");

void lw_sha256_init(struct lw_sha256 *s)
{
	SHA256_Init((SHA256_CTX *)s->ctx.bytes);
}

void lw_sha256_update(struct lw_sha256 *s, const void *data, size_t len)
{
	SHA256_Update((SHA256_CTX *)s->ctx.bytes, data, len);
}

void lw_sha256_final(struct lw_sha256 *s, unsigned char md[32])
{
	SHA256_Final(md, (SHA256_CTX *)s->ctx.bytes);
}

void lw_sha256_hex(struct lw_sha256 *s, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];

	lw_sha256_final(s, md);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

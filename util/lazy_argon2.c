/* SPDX-License-Identifier: MIT */
/* libargon2 opened on first use (util/lazy.h). Password hashing for the web interface's accounts. */
#include <argon2.h>

#include "lazy.h"

#define FUNCS(X) \
	X(argon2_encodedlen) \
	X(argon2_error_message) \
	X(argon2id_hash_encoded) \
	X(argon2id_verify)

LW_LAZY_LIBRARY(FUNCS, LW_ARGON2_SONAME, "web interface accounts", LW_ARGON2_PACKAGE, NULL)

size_t (argon2_encodedlen)(uint32_t t_cost, uint32_t m_cost, uint32_t parallelism, uint32_t saltlen, uint32_t hashlen, argon2_type type)
{
	need();
	return fn.argon2_encodedlen(t_cost, m_cost, parallelism, saltlen, hashlen, type);
}

const char *(argon2_error_message)(int error_code)
{
	need();
	return fn.argon2_error_message(error_code);
}

int (argon2id_hash_encoded)(const uint32_t t_cost, const uint32_t m_cost, const uint32_t parallelism, const void *pwd, const size_t pwdlen, const void *salt, const size_t saltlen, const size_t hashlen, char *encoded, const size_t encodedlen)
{
	need();
	return fn.argon2id_hash_encoded(t_cost, m_cost, parallelism, pwd, pwdlen, salt, saltlen, hashlen, encoded, encodedlen);
}

int (argon2id_verify)(const char *encoded, const void *pwd, const size_t pwdlen)
{
	need();
	return fn.argon2id_verify(encoded, pwd, pwdlen);
}

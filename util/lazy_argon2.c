/* SPDX-License-Identifier: MIT */
/* libargon2 opened on first use (util/lazy.h). Password hashing for the web interface's accounts. */
#include <argon2.h>

#include "lazy.h"

#define FUNCS(X) \
	X(argon2_encodedlen) \
	X(argon2_error_message) \
	X(argon2id_hash_encoded) \
	X(argon2id_verify)

#define SLOT(name) __typeof__(name) *name;
#define SYM(name) { #name, offsetof(struct argon2_fns, name) },

static struct argon2_fns {
	FUNCS(SLOT)
} fn;

static const struct lw_dynsym syms[] = { FUNCS(SYM) };

static struct lw_lazy lib = LW_LAZY_INIT(LW_ARGON2_SONAME, "web interface accounts", LW_ARGON2_PACKAGE, syms, &fn, NULL);

static void need(void)
{
	lw_lazy_need(&lib);
}

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

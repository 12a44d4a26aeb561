/* SPDX-License-Identifier: MIT */
/* Libraries opened on their first call rather than at start-up. libcurl,
 * libpq and libxml2 bring some forty shared libraries with them (GnuTLS,
 * Kerberos, LDAP, ICU...), and mapping and relocating them was most of the
 * time of a `lurewatch match`, which uses none of them. util/lazy_*.c define,
 * for each function lurewatch calls, a function of the same name with the
 * prototype of the library's own header (so a mismatch does not compile):
 * it opens the library once, then calls the real function. Call sites do not
 * change; the library is no longer on the link line. */
#ifndef LW_LAZY_H
#define LW_LAZY_H

#include <stdatomic.h>
#include <stddef.h>

#include "dynlib.h"
#include "error.h"

/* One library: what to open, what it is for, which package ships it, and the
 * table of functions to fill. Defined statically with LW_LAZY_INIT. */
struct lw_lazy {
	const char *soname;
	const char *purpose;
	const char *package;
	const struct lw_dynsym *syms;
	size_t nsyms;
	void *fns;
	/* Run once, after the table is filled (libxml2's allocators). */
	void (*loaded)(void);
	atomic_int state;
	struct lw_error err;
};

#define LW_LAZY_INIT(soname, purpose, package, syms, fns, loaded)                             \
	{ (soname), (purpose), (package), (syms), sizeof(syms) / sizeof((syms)[0]), (fns),     \
	  (loaded), 0, { "" } }

/* What each util/lazy_*.c declares: FUNCS(X) lists the library's functions
 * that lurewatch calls; this gives the file its table `fn` (one pointer of
 * each function's own type), the library `lib` and `need()`, which opens it
 * or stops the program (lw_lazy_need). `loaded` is NULL or a function
 * declared before. Used at file scope, without a semicolon after it. */
#define LW_LAZY_SLOT(name) __typeof__(name) *name;
#define LW_LAZY_SYM(name) { #name, offsetof(struct lazy_fns, name) },
#define LW_LAZY_LIBRARY(FUNCS, soname, purpose, package, loaded)                             \
	static struct lazy_fns {                                                              \
		FUNCS(LW_LAZY_SLOT)                                                           \
	} fn;                                                                                 \
	static const struct lw_dynsym syms[] = { FUNCS(LW_LAZY_SYM) };                       \
	static struct lw_lazy lib = LW_LAZY_INIT(soname, purpose, package, syms, &fn, loaded); \
	static void need(void)                                                                \
	{                                                                                     \
		lw_lazy_need(&lib);                                                           \
	}

/* Opens the library and fills its table, once for the process (the first
 * caller does the work, others wait for it). Returns 0, or -1 with
 * "<purpose> needs <soname>: <loader's reason> (Debian package <package>)"
 * in err; a failure is remembered and reported again to later callers. */
int lw_lazy_open(struct lw_lazy *lib, struct lw_error *err);

/* Whether the library is open already (without opening it). */
int lw_lazy_is_open(struct lw_lazy *lib);

/* lw_lazy_open for the wrappers, which cannot return an error of their own:
 * on failure prints "lurewatch: <message>" on stderr and exits with status 2,
 * the commands' error status (1 is match's "nothing flagged"). Like xmalloc's
 * abort on out-of-memory, this is a place library code may stop the program:
 * a missing shared library is a fault of the installation, not of an input. */
void lw_lazy_need(struct lw_lazy *lib);

#endif

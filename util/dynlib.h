/* SPDX-License-Identifier: MIT */
/* Libraries loaded when first needed rather than at start-up: igraph for
 * network splits and Graphviz for network drawings pull in a third of the
 * binary's shared libraries, and the dynamic loader's work on them was half
 * of a `lurewatch match`'s start-up. Their users keep one table of function
 * pointers each, filled once under pthread_once. */
#ifndef LW_DYNLIB_H
#define LW_DYNLIB_H

#include <stddef.h>

#include "error.h"

/* One function to look up: its name in the library, and the offset of its
 * slot (a function pointer) in the caller's table. */
struct lw_dynsym {
	const char *name;
	size_t offset;
};

/* Opens soname and writes the address of each syms[i].name into the
 * function pointer at fns + syms[i].offset. The library stays loaded for the
 * process's life (the table points into it). Returns 0, or -1 with
 * "<purpose> needs <soname>: <reason>" in err when the library or one of the
 * functions is missing; the table is then left unusable. */
int lw_dynlib_load(const char *soname, const char *purpose, const struct lw_dynsym *syms,
		   size_t nsyms, void *fns, struct lw_error *err);

#endif

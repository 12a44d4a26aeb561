/* SPDX-License-Identifier: MIT */
/* dlopen and a table of dlsym look-ups, with one error message. */
#include <dlfcn.h>
#include <string.h>

#include "dynlib.h"

int lw_dynlib_load(const char *soname, const char *purpose, const struct lw_dynsym *syms,
		   size_t nsyms, void *fns, struct lw_error *err)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	const char *why;

	if (!h) {
		why = dlerror();
		return lw_error_set(err, "%s needs %s: %s", purpose, soname, why ? why : "not found");
	}
	for (size_t i = 0; i < nsyms; i++) {
		void *f;

		dlerror();
		f = dlsym(h, syms[i].name);
		why = dlerror();
		if (why || !f) {
			if (why)
				lw_error_set(err, "%s needs %s: %s", purpose, soname, why);
			else
				lw_error_set(err, "%s needs %s: no function '%s'", purpose, soname,
					     syms[i].name);
			dlclose(h);
			return -1;
		}
		/* POSIX guarantees a data pointer from dlsym converts to a
		 * function pointer; ISO C does not, so copy the bytes rather than
		 * cast (a cast trips -Wpedantic). */
		memcpy((char *)fns + syms[i].offset, &f, sizeof(f));
	}
	return 0;
}

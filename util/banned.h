/* SPDX-License-Identifier: MIT */
/* Functions that invite overflows; included into every compilation unit so
 * a use fails the build (git's banned.h). */
#ifndef LW_BANNED_H
#define LW_BANNED_H

/* The real declarations come first, so the macros below only catch uses. */
#include <stdio.h>
#include <string.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gets
#define gets(x) BANNED(gets)

#endif

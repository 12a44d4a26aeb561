/* SPDX-License-Identifier: MIT */
/* Seconds on the monotonic clock, for rates, timeouts and progress lines
 * (never for dates: it does not follow the wall clock). */
#ifndef LW_CLOCK_H
#define LW_CLOCK_H

#include <time.h>

static inline double lw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif

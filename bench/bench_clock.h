/* SPDX-License-Identifier: MIT */
/* Clocks and peak memory for the benchmark programs (each is built from one
 * .c file, so this is a header). Rates are reported in CPU time as well as
 * wall time because the machines they run on are shared and noisy. */
#ifndef LW_BENCH_CLOCK_H
#define LW_BENCH_CLOCK_H

#include <sys/resource.h>
#include <time.h>

static inline double bench_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall time. */
static inline double bench_now(void) { return bench_clock(CLOCK_MONOTONIC); }

/* CPU time of the calling thread. */
static inline double bench_cpu_now(void) { return bench_clock(CLOCK_THREAD_CPUTIME_ID); }

/* CPU time of the whole process, every thread. */
static inline double bench_proc_cpu_now(void) { return bench_clock(CLOCK_PROCESS_CPUTIME_ID); }

/* Peak resident set in kB, -1 if unknown. */
static inline long bench_maxrss_kb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return -1;
	return ru.ru_maxrss;
}

#endif

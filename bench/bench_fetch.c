/* SPDX-License-Identifier: MIT */
/* Benchmark harness: fetches a list of URLs with the crawler's fetcher alone (no parsing, no database), and prints "fetch.key=value" lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../crawler/fetch.h"
#include "../util/xmalloc.h"
#include "bench_clock.h"

struct run {
	long done, ok, failed, other;
	unsigned long long bytes;
	const char *first_error;
	char first_error_buf[256];
};

static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void on_done(const struct fetch_result *r, void *arg)
{
	struct run *run = arg;

	run->done++;
	if (r->error) {
		run->failed++;
		if (!run->first_error) {
			snprintf(run->first_error_buf, sizeof(run->first_error_buf), "%s: %s", r->url,
				 r->error);
			run->first_error = run->first_error_buf;
		}
	} else if (r->status >= 200 && r->status < 300) {
		run->ok++;
		run->bytes += r->len;
	} else {
		run->other++;
	}
}

int main(int argc, char **argv)
{
	struct fetch_options o;
	struct fetch_policy pol;
	struct fetcher *f;
	struct lw_error err;
	struct run run;
	FILE *in;
	char line[4096];
	long added = 0, window, conns;
	int more = 1;
	double t0, c0, secs;

	if (argc != 3 || (conns = strtol(argv[2], NULL, 10)) < 1 || conns > 1000) {
		fprintf(stderr, "usage: bench_fetch URL_FILE CONNECTIONS\n");
		return 2;
	}
	in = fopen(argv[1], "r");
	if (!in) {
		fprintf(stderr, "bench_fetch: cannot open '%s': %s\n", argv[1], strerror(errno));
		return 2;
	}
	memset(&run, 0, sizeof(run));
	memset(&o, 0, sizeof(o));
	o.user_agent = "lurewatch-bench/1";
	o.connect_timeout = 10;
	o.timeout = 60;
	o.low_speed_time = 30;
	o.low_speed_limit = 1;
	o.max_body = 4u * 1024u * 1024u;
	o.max_redirects = 5;
	o.total_connections = (int)conns;
	o.ignore_robots = 1;
	pol.min_interval = 0;
	pol.connections = (int)conns;
	pol.allow_private = 1;
	f = fetcher_new(&o, on_done, &run, &err);
	if (!f) {
		fprintf(stderr, "bench_fetch: %s\n", err.msg);
		return 1;
	}
	/* URLs are handed over a window at a time, as the crawler leases them,
	 * so memory does not grow with the list. */
	window = 8 * conns;
	t0 = bench_now();
	c0 = cpu_seconds();
	while (more || fetcher_pending(f)) {
		while (more && (long)fetcher_pending(f) < window) {
			size_t n;

			if (!fgets(line, sizeof(line), in)) {
				more = 0;
				break;
			}
			n = strcspn(line, "\r\n");
			line[n] = '\0';
			if (!n)
				continue;
			if (fetcher_add(f, line, NULL, NULL, &pol, NULL, NULL, &err) < 0) {
				fprintf(stderr, "bench_fetch: %s\n", err.msg);
				fetcher_free(f);
				return 1;
			}
			added++;
		}
		if (fetcher_run(f, 100, &err) < 0) {
			fprintf(stderr, "bench_fetch: %s\n", err.msg);
			fetcher_free(f);
			return 1;
		}
	}
	secs = bench_now() - t0;
	printf("fetch.urls=%ld\nfetch.ok=%ld\nfetch.failed=%ld\nfetch.other_status=%ld\n", added,
	       run.ok, run.failed, run.other);
	printf("fetch.bytes=%llu\nfetch.seconds=%.3f\nfetch.pps=%.1f\nfetch.cpu_seconds=%.3f\n",
	       run.bytes, secs, secs > 0 ? (double)run.done / secs : 0.0, cpu_seconds() - c0);
	printf("fetch.maxrss_kb=%ld\n", bench_maxrss_kb());
	if (run.first_error)
		fprintf(stderr, "bench_fetch: first failure: %s\n", run.first_error);
	fetcher_free(f);
	fclose(in);
	return run.failed ? 1 : 0;
}

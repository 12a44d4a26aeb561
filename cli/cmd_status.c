/* SPDX-License-Identifier: MIT */
/* `lurewatch status` and `lurewatch config check`: what is running and
 * whether the configuration holds, for operators. */
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../store/store.h"
#include "cli.h"

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "-";
}

static long num(json_t *o, const char *k)
{
	return (long)json_integer_value(json_object_get(o, k));
}

static void print_counts(const char *title, json_t *obj)
{
	const char *k;
	json_t *v;

	printf("%s:", title);
	if (!json_object_size(obj))
		printf(" none");
	json_object_foreach(obj, k, v)
		printf(" %s %lld", k, (long long)json_integer_value(v));
	printf("\n");
}

/* Workers stop answering when they miss this many seconds of heartbeats
 * (crawlers and daemons beat every 2 s, rescan and archive workers at least
 * every few); --stale changes it. */
#define WORKER_STALE 30

static int add_fleet(struct store *st, int stale, json_t *s, struct lw_error *err)
{
	json_t *w = NULL, *a = NULL;

	if (store_workers(st, stale, &w, err) < 0)
		return -1;
	json_object_set_new(s, "workers", w);
	if (store_archive_status(st, &a, err) < 0)
		return -1;
	json_object_set_new(s, "archives", a);
	return 0;
}

static void print_fleet(json_t *s)
{
	json_t *w, *a = json_object_get(s, "archives"), *cur;
	size_t i;

	if (json_array_size(json_object_get(s, "workers"))) {
		printf("\n%-24s %8s %-8s %-20s %9s %6s\n", "WORKERS MACHINE", "PID", "ROLE", "SINCE",
		       "DONE/S", "HOSTS");
		json_array_foreach(json_object_get(s, "workers"), i, w)
			printf("%-24.24s %8ld %-8s %-20.19s %9.1f %6ld%s\n", str(w, "machine"),
			       num(w, "pid"), str(w, "role"), str(w, "since"),
			       json_number_value(json_object_get(w, "rate")), num(w, "hosts_held"),
			       json_is_true(json_object_get(w, "alive")) ? "" :
			       "  stopped answering");
	}
	if (num(a, "files") > 0) {
		printf("\narchives: %ld files: %ld queued, %ld working, %ld done, %ld failed; "
		       "%.1f of %.1f MB read; %ld records, %ld pages, %ld flagged, %ld errors\n",
		       num(a, "files"), num(a, "queued"), num(a, "working"), num(a, "done"),
		       num(a, "failed"), (double)num(a, "bytes_done") / 1e6,
		       (double)num(a, "bytes_total") / 1e6, num(a, "records"), num(a, "pages"),
		       num(a, "flagged"), num(a, "errors"));
		json_array_foreach(json_object_get(a, "current"), i, cur)
			printf("  %s %s %.1f/%.1f MB%s\n", str(cur, "owner"), str(cur, "name"),
			       (double)num(cur, "bytes_done") / 1e6, (double)num(cur, "bytes_total") / 1e6,
			       json_is_true(json_object_get(cur, "expired")) ?
			       " (lease expired: its worker stopped answering)" : "");
	}
}

static void print_status(const struct config *cfg, const struct matcher_pack *pack, json_t *s)
{
	json_t *src, *q = json_object_get(s, "queue");
	size_t i;

	printf("rule pack: %s %s (%.12s), %zu rules\n", matcher_pack_name(pack),
	       matcher_pack_version(pack), matcher_pack_hash(pack), matcher_pack_rule_count(pack));
	printf("configuration: %s, %zu source%s\n", cfg->path ? cfg->path : "(defaults)",
	       cfg->nsources, cfg->nsources == 1 ? "" : "s");
	printf("\n%-16s %5s %-20s %-20s %8s %7s %8s %8s\n", "SOURCE", "PASS", "LAST RUN", "NEXT RUN",
	       "FETCHED", "FAILED", "FRONTIER", "LISTINGS");
	json_array_foreach(json_object_get(s, "sources"), i, src)
		printf("%-16s %5ld %-20.19s %-20.19s %8ld %7ld %8ld %8ld\n", str(src, "name"),
		       num(src, "pass"), str(src, "last_run"), str(src, "next_run"),
		       num(src, "pages_fetched"), num(src, "pages_failed"), num(src, "frontier"),
		       num(src, "listings"));
	json_array_foreach(json_object_get(s, "sources"), i, src)
		if (json_is_string(json_object_get(src, "cut_short")))
			printf("%s: last pass stopped short at %s\n", str(src, "name"),
			       str(src, "cut_short"));
	printf("\n");
	print_counts("frontier", json_object_get(s, "frontier"));
	print_counts("queue", json_object_get(q, "by_status"));
	print_counts("open by category", json_object_get(q, "by_category"));
	printf("urgent open items: %ld\n", num(q, "urgent_open"));
	if (num(s, "listings_waiting_to_link") > 0)
		printf("listings waiting to be linked: %ld (the next `lurewatch ingest` links them)\n",
		       num(s, "listings_waiting_to_link"));
	print_fleet(s);
}

int cmd_status(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct matcher_pack *pack = NULL;
	struct lw_error err;
	json_t *s = NULL;
	int json = 0, stale = WORKER_STALE, rc = CLI_ERROR;

	for (int i = 1; i < argc; i++) {
		double v;

		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--stale") && i + 1 < argc) {
			if (cli_parse_double("--stale", argv[++i], &v) < 0 || v < 1 || v > 86400) {
				fprintf(stderr, "lurewatch: --stale takes 1 to 86400 seconds\n");
				return CLI_ERROR;
			}
			stale = (int)v;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: lurewatch status [--json] [--stale SECONDS]\n\nSources with their "
			       "last and next run, pages fetched and failed, the frontier,\nqueue counts by "
			       "status and category, the rule pack in use, and the live workers\n(a worker "
			       "silent for --stale seconds, default %d, is listed as stopped answering).\n",
			       WORKER_STALE);
			return CLI_OK;
		} else {
			fprintf(stderr, "usage: lurewatch status [--json] [--stale SECONDS]\n");
			return CLI_ERROR;
		}
	}
	cfg = cli_config_load();
	if (!cfg)
		goto out;
	pack = matcher_pack_load(cli_default_pack(cfg->rules), &err);
	if (!pack) {
		fprintf(stderr, "%s\n", err.msg);
		goto out;
	}
	st = cli_store_open(cfg);
	if (!st)
		goto out;
	if (store_status(st, &s, &err) < 0 || add_fleet(st, stale, s, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	if (json) {
		json_object_set_new(s, "rule_pack", json_pack("{s:s, s:s, s:s, s:I}", "name",
							      matcher_pack_name(pack), "version",
							      matcher_pack_version(pack), "hash",
							      matcher_pack_hash(pack), "rules",
							      (json_int_t)matcher_pack_rule_count(pack)));
		cli_json_print(s);
	} else {
		print_status(cfg, pack, s);
	}
	rc = CLI_OK;
out:
	json_decref(s);
	store_close(st);
	matcher_pack_free(pack);
	config_free(cfg);
	return rc;
}

int cmd_config(int argc, char **argv)
{
	struct config *cfg;
	struct matcher *m;
	struct lw_error err;

	if (argc != 2 || strcmp(argv[1], "check") != 0) {
		FILE *f = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? stdout : stderr;

		fprintf(f, "usage: lurewatch config check   (global: lurewatch --config FILE ...)\n\n"
			   "Validates every key of the configuration (file:line errors), every\n"
			   "source's URLs and XPath selectors, and compiles the rule pack, without\n"
			   "starting anything. Exit 0 when all is well, 2 otherwise.\n");
		return f == stdout ? CLI_OK : CLI_ERROR;
	}
	cfg = cli_config_load();
	if (!cfg)
		return CLI_ERROR;
	m = cli_matcher_open(cli_default_pack(cfg->rules), NULL, 0, cfg->threshold, &err);
	if (!m) {
		fprintf(stderr, "%s\n", err.msg);
		config_free(cfg);
		return CLI_ERROR;
	}
	printf("configuration OK: %s, %zu source%s, rule pack %s (%zu rules), threshold %.2f\n",
	       cfg->path ? cfg->path : "(defaults only)", cfg->nsources, cfg->nsources == 1 ? "" : "s",
	       cli_default_pack(cfg->rules), matcher_pack_rule_count(matcher_get_pack(m)),
	       matcher_threshold(m));
	matcher_free(m);
	config_free(cfg);
	return CLI_OK;
}

/* SPDX-License-Identifier: MIT */
/* `lurewatch rules`: check a pack (compile it and run every inline example
 * and counterexample) and list its rules; `rules fit` is in cmd_rules_fit.c. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../store/store.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch rules check [--strict] [--quiet] [PACK]\n"
		"       lurewatch rules list [--all] [--json] [PACK]\n"
		"       lurewatch rules stats [--json]\n"
		"       lurewatch rules fit [options] (CORPUS | --queue)\n\n"
		"  check    compile PACK (default: $LUREWATCH_RULES, ./rules, or the installed\n"
		"           pack) and run every rule's example (must fire) and counterexample\n"
		"           (must not fire); --strict also requires at least two examples and\n"
		"           one counterexample per rule. Exit 0 when all pass, 1 when an\n"
		"           example fails, 2 when the pack does not compile.\n"
		"  list     show rule ids, categories, weights, languages and descriptions;\n"
		"           --all includes terms, --json prints a JSON array\n"
		"  stats    per rule, the queue items it hit and the analysts' verdicts on\n"
		"           them (most dismissed first: candidates for tuning)\n"
		"  fit      learn weights from a labelled corpus or the queue's verdicts;\n"
		"           see 'lurewatch rules fit --help'\n");
}

static const char *kind_name(const struct matcher_rule *r)
{
	return r->is_words ? "words" : r->is_term ? "term" : "rule";
}

/* Scans text and reports whether rule i fired. */
static int fires(struct matcher_scanner *sc, size_t i, const char *text,
		 struct matcher_result *r, struct lw_error *err)
{
	if (matcher_scan(sc, text, strlen(text), MATCHER_INPUT_TEXT, r, err) < 0)
		return -1;
	return matcher_result_has_rule(r, i);
}

static int check_examples(struct matcher *m, int strict, int quiet)
{
	const struct matcher_pack *pack = matcher_get_pack(m);
	struct matcher_scanner *sc;
	struct matcher_result r;
	struct lw_error err;
	size_t nrules = 0, nex = 0, ncex = 0, fails = 0;

	sc = matcher_scanner_new(m, &err);
	if (!sc) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		return CLI_ERROR;
	}
	matcher_result_init(&r);
	for (size_t i = 0; i < matcher_pack_rule_count(pack); i++) {
		const struct matcher_rule *rule = matcher_pack_rule(pack, i);

		if (rule->is_term)
			continue;
		nrules++;
		for (size_t k = 0; k < rule->nexamples; k++, nex++) {
			int f = fires(sc, i, rule->examples[k], &r, &err);

			if (f != 1) {
				fails++;
				printf("%s:%d: rule '%s': example %s: %s\n", rule->file,
				       rule->example_lines[k], rule->id, f < 0 ? err.msg : "did not fire",
				       rule->examples[k]);
			}
		}
		for (size_t k = 0; k < rule->ncounterexamples; k++, ncex++) {
			int f = fires(sc, i, rule->counterexamples[k], &r, &err);

			if (f != 0) {
				fails++;
				printf("%s:%d: rule '%s': counterexample %s: %s\n", rule->file,
				       rule->counterexample_lines[k], rule->id,
				       f < 0 ? err.msg : "fired", rule->counterexamples[k]);
			}
		}
		if (strict && (rule->nexamples < 2 || rule->ncounterexamples < 1)) {
			fails++;
			printf("%s:%d: rule '%s': has %zu examples and %zu counterexamples; at least 2 and 1 wanted\n",
			       rule->file, rule->line, rule->id, rule->nexamples, rule->ncounterexamples);
		}
	}
	if (!quiet || fails)
		printf("%zu rules, %zu examples, %zu counterexamples: %zu failure%s%s\n", nrules, nex,
		       ncex, fails, fails == 1 ? "" : "s", matcher_from_cache(m) ? " (database from cache)" : "");
	matcher_result_release(&r);
	matcher_scanner_free(sc);
	return fails ? CLI_NONE : CLI_OK;
}

static int list_rules(const struct matcher_pack *pack, int all, int json)
{
	json_t *arr = json ? json_array() : NULL;

	if (!json)
		printf("%-34s %-5s %-21s %6s %-4s %s\n", "ID", "KIND", "CATEGORY", "WEIGHT", "LANG",
		       "DESCRIPTION");
	for (size_t i = 0; i < matcher_pack_rule_count(pack); i++) {
		const struct matcher_rule *r = matcher_pack_rule(pack, i);
		const char *cat = r->is_term ? "-" : matcher_category_name(r->category);

		if (r->is_term && !all)
			continue;
		if (json) {
			json_t *o = json_object();

			json_object_set_new(o, "id", json_string(r->id));
			json_object_set_new(o, "kind", json_string(kind_name(r)));
			json_object_set_new(o, "category", r->is_term ? json_null() : json_string(cat));
			json_object_set_new(o, "weight", json_real(r->weight));
			json_object_set_new(o, "lang", r->lang ? json_string(r->lang) : json_null());
			json_object_set_new(o, "family", r->family ? json_string(r->family) : json_null());
			json_object_set_new(o, "description", cli_json_text(r->description, strlen(r->description)));
			json_object_set_new(o, "file", json_string(r->file));
			json_object_set_new(o, "line", json_integer(r->line));
			json_array_append_new(arr, o);
			continue;
		}
		printf("%-34s %-5s %-21s %6.2f %-4s %s\n", r->id, kind_name(r), cat, r->weight,
		       r->lang ? r->lang : "-", r->description);
	}
	if (json) {
		cli_json_print(arr);
		json_decref(arr);
	}
	return CLI_OK;
}

/* Verdicts per rule, from the queue in the configured database. */
static int rules_stats(int json)
{
	struct config *cfg = cli_config_load();
	struct store *st = cfg ? cli_store_open(cfg) : NULL;
	struct lw_error err;
	json_t *rows = NULL, *r;
	size_t i;
	int rc = CLI_ERROR;

	if (!st)
		goto out;
	if (store_rules_stats(st, &rows, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	if (json)
		cli_json_print(rows);
	else
		printf("%-34s %-21s %6s %9s %9s %9s %6s\n", "RULE", "CATEGORY", "ITEMS", "CONFIRMED",
		       "DISMISSED", "ESCALATED", "OPEN");
	json_array_foreach(json ? NULL : rows, i, r)
		printf("%-34s %-21s %6lld %9lld %9lld %9lld %6lld\n",
		       json_string_value(json_object_get(r, "rule")),
		       json_string_value(json_object_get(r, "category")),
		       (long long)json_integer_value(json_object_get(r, "items")),
		       (long long)json_integer_value(json_object_get(r, "confirmed")),
		       (long long)json_integer_value(json_object_get(r, "dismissed")),
		       (long long)json_integer_value(json_object_get(r, "escalated")),
		       (long long)json_integer_value(json_object_get(r, "open")));
	rc = CLI_OK;
out:
	json_decref(rows);
	store_close(st);
	config_free(cfg);
	return rc;
}

int cmd_rules(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int strict = 0, quiet = 0, all = 0, json = 0, c, rc;
	const char *sub, *path;
	struct lw_error err;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_ERROR : CLI_OK;
	}
	sub = argv[1];
	/* fit has options of its own. */
	if (strcmp(sub, "fit") == 0)
		return cmd_rules_fit(argc - 1, argv + 1);
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': strict = 1; break;
		case 'q': quiet = 1; break;
		case 'a': all = 1; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return CLI_OK;
		default: usage(stderr); return CLI_ERROR;
		}
	}
	if (optind + 1 < argc - 1) {
		fprintf(stderr, "lurewatch: rules %s takes at most one pack\n", sub);
		return CLI_ERROR;
	}
	if (strcmp(sub, "stats") == 0)
		return optind < argc - 1 ? (usage(stderr), CLI_ERROR) : rules_stats(json);
	path = cli_default_pack(optind < argc - 1 ? argv[optind + 1] : NULL);
	if (strcmp(sub, "check") == 0) {
		struct matcher *m = cli_matcher_open(path, NULL, 0, -1, &err);

		if (!m) {
			fprintf(stderr, "%s\n", err.msg);
			return CLI_ERROR;
		}
		rc = check_examples(m, strict, quiet);
		matcher_free(m);
		return rc;
	}
	if (strcmp(sub, "list") == 0) {
		struct matcher_pack *pack = matcher_pack_load(path, &err);

		if (!pack) {
			fprintf(stderr, "%s\n", err.msg);
			return CLI_ERROR;
		}
		rc = list_rules(pack, all, json);
		matcher_pack_free(pack);
		return rc;
	}
	fprintf(stderr, "lurewatch: unknown 'rules' subcommand '%s'; see 'lurewatch rules --help'\n",
		sub);
	return CLI_ERROR;
}

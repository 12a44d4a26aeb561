/* SPDX-License-Identifier: MIT */
/* `lurewatch flows`: recruitment corridors, origin -> destination, across
 * flagged ads over a period, as a table, CSV, JSON or GraphML. */
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../store/store.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch flows [--since DATE] [--until DATE] [--format table|csv|json|graphml]\n\n"
		"Recruitment corridors across flagged ads posted in the period (posted date, else the\n"
		"day stored): from where recruits are sought - the advertised place's country, else\n"
		"the country of the ad's number - to where the work is - the countries and major\n"
		"cities the text names (Debian iso-codes country names in 21 languages; major cities\n"
		"from GeoNames, CC-BY 4.0). Countries are ISO 3166 codes; '?' an unknown origin.\n");
}

static const char *s_or(json_t *o, const char *k, const char *dflt)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

static long long ival(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* The strings of array k joined with sep. */
static void joined(json_t *o, const char *k, const char *sep)
{
	size_t i;
	json_t *x;

	json_array_foreach(json_object_get(o, k), i, x)
		printf("%s%s", i ? sep : "", json_string_value(x));
}

static void table(json_t *a)
{
	size_t i;
	json_t *c;

	printf("%-6s    %-11s %5s %8s  %-30s %s\n", "ORIGIN", "DESTINATION", "ADS", "NETWORKS",
	       "NAMED AS", "CATEGORIES");
	json_array_foreach(a, i, c) {
		printf("%-6s -> %-11s %5lld %8lld  ", s_or(c, "origin", "?"), s_or(c, "destination", "?"),
		       ival(c, "ads"), ival(c, "networks"));
		joined(c, "named", ", ");
		printf("  ");
		joined(c, "categories", ",");
		printf("\n");
	}
}

/* Quoted; a leading = + - @ neutralised for spreadsheets. */
static void cell(const char *s, int last)
{
	fputc('"', stdout);
	if (s && s[0] && strchr("=+-@", s[0]))
		fputc('\'', stdout);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', stdout);
		fputc(*s, stdout);
	}
	fputs(last ? "\"\r\n" : "\",", stdout);
}

static void csv(json_t *a)
{
	size_t i;
	json_t *c;
	char n[32];

	fputs("origin,destination,ads,networks,named,categories\r\n", stdout);
	json_array_foreach(a, i, c) {
		cell(s_or(c, "origin", "?"), 0);
		cell(s_or(c, "destination", "?"), 0);
		snprintf(n, sizeof(n), "%lld", ival(c, "ads"));
		cell(n, 0);
		snprintf(n, sizeof(n), "%lld", ival(c, "networks"));
		cell(n, 0);
		/* Names and categories are gazetteer and rule-pack words: no quotes. */
		fputc('"', stdout);
		joined(c, "named", "; ");
		fputs("\",\"", stdout);
		joined(c, "categories", "; ");
		fputs("\"\r\n", stdout);
	}
}

static void graphml(json_t *a)
{
	size_t i;
	json_t *c, *seen = json_object();
	const char *k;
	json_t *v;

	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
	       "  <key id=\"ads\" for=\"edge\" attr.name=\"ads\" attr.type=\"int\"/>\n"
	       "  <key id=\"networks\" for=\"edge\" attr.name=\"networks\" attr.type=\"int\"/>\n"
	       "  <key id=\"categories\" for=\"edge\" attr.name=\"categories\" attr.type=\"string\"/>\n"
	       "  <graph id=\"flows\" edgedefault=\"directed\">\n");
	json_array_foreach(a, i, c) {
		json_object_set_new(seen, s_or(c, "origin", "?"), json_true());
		json_object_set_new(seen, s_or(c, "destination", "?"), json_true());
	}
	/* Country codes and '?' only: nothing to escape. */
	json_object_foreach(seen, k, v)
		printf("    <node id=\"%s\"/>\n", k);
	json_array_foreach(a, i, c) {
		printf("    <edge source=\"%s\" target=\"%s\"><data key=\"ads\">%lld</data>"
		       "<data key=\"networks\">%lld</data><data key=\"categories\">",
		       s_or(c, "origin", "?"), s_or(c, "destination", "?"), ival(c, "ads"),
		       ival(c, "networks"));
		joined(c, "categories", ",");
		printf("</data></edge>\n");
	}
	printf("  </graph>\n</graphml>\n");
	json_decref(seen);
}

/* YYYY-MM-DD, or NULL. */
static int is_date(const char *s)
{
	return strlen(s) == 10 && s[4] == '-' && s[7] == '-' && strspn(s, "0123456789-") == 10;
}

int cmd_flows(int argc, char **argv)
{
	const char *since = NULL, *until = NULL, *format = "table";
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct lw_error err;
	json_t *out = NULL;
	int rc = CLI_ERROR;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return CLI_OK;
		} else if (!strcmp(argv[i], "--since") && i + 1 < argc && is_date(argv[i + 1])) {
			since = argv[++i];
		} else if (!strcmp(argv[i], "--until") && i + 1 < argc && is_date(argv[i + 1])) {
			until = argv[++i];
		} else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			format = argv[++i];
		} else if (!strcmp(argv[i], "--json")) {
			format = "json";
		} else {
			fprintf(stderr, "lurewatch: flows: unexpected '%s'\n", argv[i]);
			usage(stderr);
			return CLI_ERROR;
		}
	}
	if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json") &&
	    strcmp(format, "graphml")) {
		fprintf(stderr, "lurewatch: flows: unknown format '%s'\n", format);
		return CLI_ERROR;
	}
	cfg = cli_config_load();
	if (!cfg)
		goto out;
	st = cli_store_open(cfg);
	if (!st)
		goto out;
	if (store_flows(st, since, until, &out, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	if (!strcmp(format, "json"))
		cli_json_print(out);
	else if (!strcmp(format, "csv"))
		csv(out);
	else if (!strcmp(format, "graphml"))
		graphml(out);
	else
		table(out);
	rc = json_array_size(out) ? CLI_OK : CLI_NONE;
out:
	json_decref(out);
	store_close(st);
	config_free(cfg);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/* `lurewatch network`: the organised networks behind ads, joined by shared
 * contact details and near-duplicate texts. */
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../store/store.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch network list [--min-size N] [--json]\n"
		"       lurewatch network show ID [--json]\n"
		"       lurewatch network export ID --format graphml|csv\n"
		"       lurewatch network rebuild\n\n"
		"Ads are linked when they share a phone number, messaging handle, email or URL\n"
		"(normalised: E.164 numbers, lower-cased handles) or when their texts are\n"
		"near-duplicates (SimHash within [networks] near_duplicate_bits); linked ads\n"
		"form a network. Entities in [networks] exclude never link (a job board's own\n"
		"number); run 'network rebuild' after changing that list.\n\n"
		"  list     networks of at least N ads (default 2), largest first\n"
		"  show     members in order of first sighting, sources, places, shared entities\n"
		"  export   the network as a graph for Gephi or i2-style tools\n");
}

static const char *s_or(json_t *o, const char *k, const char *dflt)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

static void print_shared(json_t *n)
{
	size_t i, k;
	json_t *e, *kind;

	/* Ads link on the value whatever the channel it was offered on; the
	 * channels (whatsapp, phone; telegram) are said beside it. */
	json_array_foreach(json_object_get(n, "shared"), i, e) {
		printf("%s%s (%lld ads", i ? ", " : "    shared: ", s_or(e, "normalized", "?"),
		       (long long)json_integer_value(json_object_get(e, "listings")));
		json_array_foreach(json_object_get(e, "kinds"), k, kind)
			printf("%s%s", k ? ", " : "; as ", json_string_value(kind));
		printf(")");
	}
	if (json_array_size(json_object_get(n, "shared")))
		printf("\n");
	else
		printf("    shared: near-duplicate text only\n");
}

static void print_list(json_t *a)
{
	size_t i;
	json_t *n;

	printf("%8s %5s %7s %6s %9s %7s  %s\n", "NETWORK", "ADS", "SOURCES", "PLACES", "ADS/DAY",
	       "SCORE", "CATEGORIES");
	json_array_foreach(a, i, n) {
		json_t *cats = json_object_get(n, "categories");
		size_t k;
		json_t *c;

		printf("%8lld %5lld %7lld %6lld %9.2f %7.2f  ",
		       (long long)json_integer_value(json_object_get(n, "id")),
		       (long long)json_integer_value(json_object_get(n, "listings")),
		       (long long)json_integer_value(json_object_get(n, "sources")),
		       (long long)json_integer_value(json_object_get(n, "locations")),
		       json_number_value(json_object_get(n, "posting_rate")),
		       json_number_value(json_object_get(n, "max_score")));
		json_array_foreach(cats, k, c)
			printf("%s%s", k ? "," : "", json_string_value(c));
		printf("\n");
		print_shared(n);
	}
}

static void print_show(json_t *n)
{
	size_t i;
	json_t *m;

	printf("network %lld: %lld ads from %lld sources in %lld places, %.2f ads a day\n",
	       (long long)json_integer_value(json_object_get(n, "id")),
	       (long long)json_integer_value(json_object_get(n, "listings")),
	       (long long)json_integer_value(json_object_get(n, "sources")),
	       (long long)json_integer_value(json_object_get(n, "locations")),
	       json_number_value(json_object_get(n, "posting_rate")));
	printf("  seen %.16s to %.16s\n", s_or(n, "first_seen", "?"), s_or(n, "last_seen", "?"));
	print_shared(n);
	printf("  timeline:\n");
	json_array_foreach(json_object_get(n, "members"), i, m) {
		json_t *q = json_object_get(m, "queue_id");

		printf("    %.16s  listing %-6lld %-10s %-14.14s %6.2f  %s\n", s_or(m, "first_seen", "?"),
		       (long long)json_integer_value(json_object_get(m, "id")), s_or(m, "source", "?"),
		       s_or(m, "location", "-"), json_number_value(json_object_get(m, "score")),
		       s_or(m, "url", "?"));
		if (json_is_integer(q))
			printf("%*squeue item %lld (%s): %.70s\n", 24, "", (long long)json_integer_value(q),
			       s_or(m, "status", "?"), s_or(m, "title", ""));
	}
}

/* ---- export ------------------------------------------------------------------ */

static void xml_escaped(const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", stdout); break;
		case '<': fputs("&lt;", stdout); break;
		case '>': fputs("&gt;", stdout); break;
		case '"': fputs("&quot;", stdout); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				fputc(*s, stdout);
		}
	}
}

static void graphml(json_t *g)
{
	size_t i;
	json_t *x;

	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
	       "  <key id=\"type\" for=\"node\" attr.name=\"type\" attr.type=\"string\"/>\n"
	       "  <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>\n"
	       "  <key id=\"url\" for=\"node\" attr.name=\"url\" attr.type=\"string\"/>\n"
	       "  <key id=\"source\" for=\"node\" attr.name=\"source\" attr.type=\"string\"/>\n"
	       "  <key id=\"score\" for=\"node\" attr.name=\"score\" attr.type=\"double\"/>\n"
	       "  <key id=\"relation\" for=\"edge\" attr.name=\"relation\" attr.type=\"string\"/>\n"
	       "  <graph id=\"network\" edgedefault=\"undirected\">\n");
	json_array_foreach(json_object_get(g, "listings"), i, x) {
		printf("    <node id=\"listing:%lld\"><data key=\"type\">listing</data><data key=\"label\">",
		       (long long)json_integer_value(json_object_get(x, "id")));
		xml_escaped(s_or(x, "title", ""));
		printf("</data><data key=\"url\">");
		xml_escaped(s_or(x, "url", ""));
		printf("</data><data key=\"source\">");
		xml_escaped(s_or(x, "source", ""));
		printf("</data><data key=\"score\">%.2f</data></node>\n",
		       json_number_value(json_object_get(x, "score")));
	}
	json_array_foreach(json_object_get(g, "entities"), i, x) {
		printf("    <node id=\"entity:");
		xml_escaped(s_or(x, "value", ""));
		printf("\"><data key=\"type\">");
		xml_escaped(s_or(x, "kind", ""));
		printf("</data><data key=\"label\">");
		xml_escaped(s_or(x, "value", ""));
		printf("</data></node>\n");
	}
	json_array_foreach(json_object_get(g, "edges"), i, x) {
		printf("    <edge source=\"listing:%lld\" target=\"entity:",
		       (long long)json_integer_value(json_object_get(x, "listing")));
		xml_escaped(s_or(x, "entity", ""));
		printf("\"><data key=\"relation\">");
		xml_escaped(s_or(x, "kind", ""));
		printf("</data></edge>\n");
	}
	json_array_foreach(json_object_get(g, "near_duplicates"), i, x)
		printf("    <edge source=\"listing:%lld\" target=\"listing:%lld\"><data key=\"relation\">"
		       "near_duplicate</data></edge>\n",
		       (long long)json_integer_value(json_object_get(x, "a")),
		       (long long)json_integer_value(json_object_get(x, "b")));
	printf("  </graph>\n</graphml>\n");
}

/* One CSV cell: quoted, and a leading = + - @ neutralised for spreadsheets. */
static void csv_cell(const char *s, int last)
{
	fputc('"', stdout);
	if (s && strchr("=+-@", s[0]) && s[0])
		fputc('\'', stdout);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', stdout);
		fputc(*s, stdout);
	}
	fputs(last ? "\"\r\n" : "\",", stdout);
}

static void csv(json_t *g)
{
	size_t i;
	json_t *x;
	char a[48], b[48];

	fputs("source,target,relation,label\r\n", stdout);
	json_array_foreach(json_object_get(g, "edges"), i, x) {
		snprintf(a, sizeof(a), "listing:%lld", (long long)json_integer_value(json_object_get(x, "listing")));
		csv_cell(a, 0);
		csv_cell(s_or(x, "entity", ""), 0);
		csv_cell(s_or(x, "kind", ""), 0);
		csv_cell("shares", 1);
	}
	json_array_foreach(json_object_get(g, "near_duplicates"), i, x) {
		snprintf(a, sizeof(a), "listing:%lld", (long long)json_integer_value(json_object_get(x, "a")));
		snprintf(b, sizeof(b), "listing:%lld", (long long)json_integer_value(json_object_get(x, "b")));
		csv_cell(a, 0);
		csv_cell(b, 0);
		csv_cell("near_duplicate", 0);
		csv_cell("similar text", 1);
	}
}

/* ---- driver -------------------------------------------------------------------- */

static int parse_id(const char *s, long *id)
{
	char *end;

	*id = strtol(s, &end, 10);
	return end != s && !*end && *id > 0 ? 0 : -1;
}

static int run(struct store *st, const struct config *cfg, int argc, char **argv)
{
	const char *sub = argv[1], *format = NULL;
	long min_size = 2, id = 0;
	int json = 0;
	json_t *out = NULL;
	struct lw_error err;
	int rc = CLI_ERROR;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--min-size") && i + 1 < argc)
			min_size = atol(argv[++i]);
		else if (!strcmp(argv[i], "--format") && i + 1 < argc)
			format = argv[++i];
		else if (!id && parse_id(argv[i], &id) == 0)
			;
		else {
			fprintf(stderr, "lurewatch: network %s: unexpected '%s'\n", sub, argv[i]);
			return CLI_ERROR;
		}
	}
	if (!strcmp(sub, "list")) {
		if (store_network_list(st, min_size < 1 ? 1 : min_size, &out, &err) < 0)
			goto dberr;
		json ? cli_json_print(out) : print_list(out);
		rc = CLI_OK;
	} else if (!strcmp(sub, "show") || !strcmp(sub, "export")) {
		int exp = !strcmp(sub, "export");

		if (!id || (exp && (!format || (strcmp(format, "graphml") && strcmp(format, "csv"))))) {
			fprintf(stderr, "lurewatch: network %s needs an ID%s\n", sub,
				exp ? " and --format graphml|csv" : "");
			return CLI_ERROR;
		}
		if ((exp ? store_network_graph(st, id, cfg->near_duplicate_bits, &out, &err)
			 : store_network_show(st, id, &out, &err)) < 0)
			goto dberr;
		if (json_is_null(out) || (exp && !json_array_size(json_object_get(out, "listings")))) {
			fprintf(stderr, "lurewatch: no network %ld\n", id);
			rc = CLI_NONE;
		} else {
			if (exp)
				!strcmp(format, "csv") ? csv(out) : graphml(out);
			else
				json ? cli_json_print(out) : print_show(out);
			rc = CLI_OK;
		}
	} else if (!strcmp(sub, "rebuild")) {
		long n = 0;

		if (store_network_rebuild(st, cfg->network_exclude, cfg->nnetwork_exclude,
					  cfg->near_duplicate_bits, &n, &err) < 0)
			goto dberr;
		printf("rebuilt: %ld networks\n", n);
		rc = CLI_OK;
	} else {
		fprintf(stderr, "lurewatch: unknown 'network' subcommand '%s'\n", sub);
	}
	json_decref(out);
	return rc;
dberr:
	fprintf(stderr, "lurewatch: %s\n", err.msg);
	json_decref(out);
	return CLI_ERROR;
}

int cmd_network(int argc, char **argv)
{
	struct config *cfg;
	struct store *st;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_ERROR : CLI_OK;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return CLI_OK;
		}
	cfg = cli_config_load();
	if (!cfg)
		return CLI_ERROR;
	st = cli_store_open(cfg);
	rc = st ? run(st, cfg, argc, argv) : CLI_ERROR;
	store_close(st);
	config_free(cfg);
	return rc;
}

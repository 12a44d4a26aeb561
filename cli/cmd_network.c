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
		"       lurewatch network rebuild [--json]\n"
		"       lurewatch network hubs [--all] [--limit N] [--json]\n"
		"       lurewatch network mark VALUE --generic|--personal [--note TEXT] [--analyst NAME]\n"
		"       lurewatch network unmark VALUE [--analyst NAME]\n"
		"       lurewatch network events [ID] [--limit N] [--json]\n\n"
		"Ads are linked when they share a phone number, messaging handle, email or URL\n"
		"(normalised: E.164 numbers, lower-cased handles) or when their texts are\n"
		"near-duplicates (SimHash within [networks] near_duplicate_bits); linked ads\n"
		"form a network. Entities in [networks] exclude never link (a job board's own\n"
		"number); run 'network rebuild' after changing that list.\n\n"
		"  list     networks of at least N ads (default 2), largest first\n"
		"  show     members in order of first sighting, sources, places, shared entities\n"
		"  export   the network as a graph for Gephi or i2-style tools\n"
		"  rebuild  recompute every network: statistics of each shared detail, generic\n"
		"           details left out, loosely knit components split (igraph Leiden),\n"
		"           ids kept where most of a network stays together\n"
		"  hubs     generic details (switchboards, toll-free lines, placeholders, a\n"
		"           board's own address) and why; --all: every shared detail\n"
		"  mark     an analyst's word on a detail (audited): --generic never links on\n"
		"           its own, --personal links whatever its statistics; unmark removes it;\n"
		"           networks follow at the next rebuild\n"
		"  events   merges and splits, of one network or all\n");
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
		if (json_is_string(json_object_get(e, "generic")))
			printf("; generic");
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

static long long ival(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* Places in the order the network reached them, by posted date. */
static void print_circuit(json_t *n)
{
	size_t i;
	json_t *c;

	if (json_array_size(json_object_get(n, "circuit")) < 2)
		return;
	printf("  circuit (by posted date):\n");
	json_array_foreach(json_object_get(n, "circuit"), i, c)
		printf("    %.10s .. %.10s  %-20s %lld ads\n", s_or(c, "from", "?"), s_or(c, "to", "?"),
		       s_or(c, "location", "-"), ival(c, "listings") ? ival(c, "listings") : ival(c, "ads"));
}

static void print_ids(json_t *a, long long total)
{
	size_t i;
	json_t *x;

	json_array_foreach(a, i, x)
		printf("%s%lld", i ? ", " : "", (long long)json_integer_value(x));
	if ((long long)json_array_size(a) < total)
		printf(", ...");
}

/* Near-duplicate texts shared with other networks: cut ties too. */
static void print_cut_texts(json_t *n)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(n, "cut_texts"), i, c) {
		json_t *pair = json_object_get(c, "pair");

		printf("    near-duplicate text (%lld bits): %lld ads near %lld ads of network %lld"
		       " (closest: ads %lld and %lld)\n",
		       ival(c, "bits"), ival(c, "ads"), ival(c, "outside"), ival(c, "network"),
		       (long long)json_integer_value(json_array_get(pair, 0)),
		       (long long)json_integer_value(json_array_get(pair, 1)));
	}
}

/* What was not used to hold the network together, and where it leads. */
static void print_cut(json_t *n)
{
	size_t i;
	json_t *c;

	if (!json_array_size(json_object_get(n, "cut")) &&
	    !json_array_size(json_object_get(n, "cut_texts")))
		return;
	printf("  cut ties (not used to link; where they lead):\n");
	json_array_foreach(json_object_get(n, "cut"), i, c) {
		printf("    %s: %s; %lld ads outside in %lld networks (", s_or(c, "normalized", "?"),
		       s_or(c, "reason", "?"), ival(c, "outside"), ival(c, "networks"));
		print_ids(json_object_get(c, "to"), ival(c, "networks"));
		printf(")\n");
	}
	print_cut_texts(n);
}

static void print_misfits(json_t *n)
{
	size_t i, k;
	json_t *x, *c;

	if (!json_array_size(json_object_get(n, "misfits")))
		return;
	printf("  numbers that do not fit the advertised places:\n");
	json_array_foreach(json_object_get(n, "misfits"), i, x) {
		printf("    %s (%s) in %lld ads placed in ", s_or(x, "normalized", "?"),
		       s_or(x, "country", "?"), ival(x, "ads"));
		json_array_foreach(json_object_get(x, "places"), k, c)
			printf("%s%s", k ? ", " : "", json_string_value(c));
		printf("\n");
	}
}

static void print_events(json_t *a, const char *head)
{
	size_t i;
	json_t *e;

	if (json_array_size(a))
		printf("%s", head);
	json_array_foreach(a, i, e) {
		int merge = !strcmp(s_or(e, "kind", ""), "merge");

		printf("    %.16s  %s: network %lld %s ", s_or(e, "at", "?"), s_or(e, "kind", "?"),
		       ival(e, "network_id"), merge ? "took in" : "lost ads to");
		print_ids(json_object_get(e, "others"), 0);
		printf(" (%lld ads, %s)\n", ival(e, "listings"), s_or(e, "cause", "?"));
	}
}

static void print_hubs(json_t *a)
{
	size_t i;
	json_t *h;

	printf("%-32s %6s %6s %7s  %s\n", "DETAIL", "ADS", "PLACES", "SOURCES", "WHY IT DOES NOT LINK");
	json_array_foreach(a, i, h)
		printf("%-32s %6lld %6lld %7lld  %s\n", s_or(h, "normalized", "?"), ival(h, "listings"),
		       ival(h, "places"), ival(h, "sources"), s_or(h, "generic", "(links)"));
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
	printf("  seen %.16s to %.16s, posted %.10s to %.10s\n", s_or(n, "first_seen", "?"),
	       s_or(n, "last_seen", "?"), s_or(n, "first_posted", "?"), s_or(n, "last_posted", "?"));
	print_shared(n);
	print_circuit(n);
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
	print_cut(n);
	print_misfits(n);
	print_events(json_object_get(n, "events"), "  events:\n");
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
	       "  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n"
	       "  <key id=\"generic\" for=\"edge\" attr.name=\"generic\" attr.type=\"string\"/>\n"
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
		printf("</data><data key=\"weight\">%.4f</data>",
		       json_number_value(json_object_get(x, "weight")));
		if (json_is_string(json_object_get(x, "generic"))) {
			printf("<data key=\"generic\">");
			xml_escaped(s_or(x, "generic", ""));
			printf("</data>");
		}
		printf("</edge>\n");
	}
	json_array_foreach(json_object_get(g, "near_duplicates"), i, x)
		printf("    <edge source=\"listing:%lld\" target=\"listing:%lld\"><data key=\"relation\">"
		       "near_duplicate</data><data key=\"weight\">%.4f</data></edge>\n",
		       (long long)json_integer_value(json_object_get(x, "a")),
		       (long long)json_integer_value(json_object_get(x, "b")),
		       json_number_value(json_object_get(x, "weight")));
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

	fputs("source,target,relation,label,weight\r\n", stdout);
	json_array_foreach(json_object_get(g, "edges"), i, x) {
		snprintf(a, sizeof(a), "listing:%lld", (long long)json_integer_value(json_object_get(x, "listing")));
		csv_cell(a, 0);
		csv_cell(s_or(x, "entity", ""), 0);
		csv_cell(s_or(x, "kind", ""), 0);
		csv_cell(json_is_string(json_object_get(x, "generic")) ? "shares (generic)" : "shares", 0);
		snprintf(b, sizeof(b), "%.4f", json_number_value(json_object_get(x, "weight")));
		csv_cell(b, 1);
	}
	json_array_foreach(json_object_get(g, "near_duplicates"), i, x) {
		snprintf(a, sizeof(a), "listing:%lld", (long long)json_integer_value(json_object_get(x, "a")));
		snprintf(b, sizeof(b), "listing:%lld", (long long)json_integer_value(json_object_get(x, "b")));
		csv_cell(a, 0);
		csv_cell(b, 0);
		csv_cell("near_duplicate", 0);
		csv_cell("similar text", 0);
		snprintf(b, sizeof(b), "%.4f", json_number_value(json_object_get(x, "weight")));
		csv_cell(b, 1);
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
	const char *sub = argv[1], *format = NULL, *verdict = NULL, *note = NULL, *analyst = NULL;
	const char *value = NULL;
	long min_size = 2, id = 0, limit = 0;
	int json = 0, all = 0, takes_value = !strcmp(sub, "mark") || !strcmp(sub, "unmark");
	struct store_network_rules rules;
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
		else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
			limit = atol(argv[++i]);
		else if (!strcmp(argv[i], "--all"))
			all = 1;
		else if (!strcmp(argv[i], "--generic") || !strcmp(argv[i], "--personal"))
			verdict = argv[i] + 2;
		else if (!strcmp(argv[i], "--note") && i + 1 < argc)
			note = argv[++i];
		else if (!strcmp(argv[i], "--analyst") && i + 1 < argc)
			analyst = argv[++i];
		else if (takes_value && !value && argv[i][0] != '-')
			value = argv[i];
		else if (!takes_value && !id && parse_id(argv[i], &id) == 0)
			;
		else {
			fprintf(stderr, "lurewatch: network %s: unexpected '%s'\n", sub, argv[i]);
			return CLI_ERROR;
		}
	}
	store_network_rules_from_config(&rules, cfg);
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
		struct store_rebuild_stats rs;

		if (store_network_rebuild(st, &rules, &rs, &err) < 0)
			goto dberr;
		if (json) {
			out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "listings",
					(json_int_t)rs.listings, "networks", (json_int_t)rs.networks,
					"largest", (json_int_t)rs.largest, "generic", (json_int_t)rs.generic,
					"edges", (json_int_t)rs.edges, "split", (json_int_t)rs.split,
					"cut_edges", (json_int_t)rs.cut_edges, "merges", (json_int_t)rs.merges,
					"splits", (json_int_t)rs.splits, "seconds", rs.seconds);
			cli_json_print(out);
		} else {
			printf("rebuilt: %ld networks of 2 or more ads (largest %ld) from %ld listings in"
			       " %.1fs\n", rs.networks, rs.largest, rs.listings, rs.seconds);
			printf("  %ld generic details left out, %ld strong edges, %ld components split"
			       " (%ld edges cut); %ld merges and %ld splits logged\n", rs.generic,
			       rs.edges, rs.split, rs.cut_edges, rs.merges, rs.splits);
		}
		rc = CLI_OK;
	} else if (!strcmp(sub, "hubs")) {
		if (store_network_hubs(st, limit, all, &out, &err) < 0)
			goto dberr;
		json ? cli_json_print(out) : print_hubs(out);
		rc = CLI_OK;
	} else if (!strcmp(sub, "events")) {
		if (store_network_events(st, id, limit, &out, &err) < 0)
			goto dberr;
		json ? cli_json_print(out) : print_events(out, "");
		rc = CLI_OK;
	} else if (takes_value) {
		int mark = !strcmp(sub, "mark");

		if (!value || (mark && !verdict)) {
			fprintf(stderr, "lurewatch: network %s needs a VALUE%s\n", sub,
				mark ? " and --generic or --personal" : "");
			return CLI_ERROR;
		}
		if (store_network_mark(st, value, mark ? verdict : NULL, cli_analyst(analyst), note,
				       &rules, &out, &err) < 0)
			goto dberr;
		if (json)
			cli_json_print(out);
		else if (json_is_object(out))
			printf("%s: %s\n", value, s_or(out, "generic", "links ads (not generic)"));
		else
			printf("%s: %s (no two ads share it yet)\n", value, mark ? verdict : "unmarked");
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

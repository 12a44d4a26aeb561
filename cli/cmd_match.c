/* SPDX-License-Identifier: MIT */
/* `lurewatch match`: tests ad text against the pack (and ad-hoc patterns) and
 * shows which words fired, with grep's exit status. */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../matcher/entities.h"
#include "../matcher/text.h"
#include "../util/xmalloc.h"
#include "cli.h"

#define LINE_SHOW_MAX 400

struct match_opts {
	const char *pack;
	char **adhoc;
	size_t nadhoc;
	int kind;               /* -1 auto */
	int json, explain, quiet, colour;
	double threshold;
	const char *region;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch match [-r PACK] [-e PATTERN]... [--html|--text] [--json]\n"
		"                       [--explain] [--threshold N] [--color WHEN] [FILE|-]...\n\n"
		"Scores each input (a file, or standard input) against the rule pack and shows\n"
		"the matched words. Offsets are bytes of the input (of its visible text for HTML).\n\n"
		"  -r, --rules PACK     rule pack file or folder (default: $LUREWATCH_RULES, ./rules,\n"
		"                       or the installed pack)\n"
		"  -e, --regexp PAT     add an ad-hoc Hyperscan pattern (repeatable); with -e and no\n"
		"                       -r, only the ad-hoc patterns are used\n"
		"      --html, --text   treat input as HTML or plain text (default: guess)\n"
		"      --json           one JSON object per input, with the contact details\n"
		"                       (\"entities\": phone, whatsapp, email, telegram, wechat,\n"
		"                       line, url) found in it\n"
		"      --region CC      country for national phone numbers (default NZ)\n"
		"      --explain        show how the score was reached\n"
		"      --threshold N    score at which an input is flagged (default: the pack's)\n"
		"      --color WHEN     auto, always or never (default auto: only on a terminal)\n"
		"  -q, --quiet          print nothing; only the exit status\n"
		"  -h, --help           this help\n\n"
		"Exit status: 0 when an input is flagged (with only -e: when a pattern matched),\n"
		"1 when none is, 2 on an error.\n");
}

static int looks_like_html(const char *path, const char *p, size_t n)
{
	size_t l = strlen(path);

	if ((l > 5 && strcasecmp(path + l - 5, ".html") == 0) ||
	    (l > 4 && strcasecmp(path + l - 4, ".htm") == 0))
		return 1;
	while (n && isspace((unsigned char)*p))
		p++, n--;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3, n -= 3;
	return (n >= 14 && strncasecmp(p, "<!doctype html", 14) == 0) ||
	       (n >= 5 && strncasecmp(p, "<html", 5) == 0);
}

/* ---- human output -------------------------------------------------------- */

static void put_clean(const char *p, size_t n)
{
	/* Control characters would reach the terminal: show them as spaces. */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		fputc(c < 0x20 || c == 0x7f ? ' ' : c, stdout);
	}
}

/* Prints every line that holds a hit, hit bytes highlighted. */
static void show_lines(const struct matcher_result *r, int colour)
{
	const char *t = r->text;
	size_t n = r->text_len, ls = 0, lineno = 1, h = 0;
	unsigned char mask[LINE_SHOW_MAX];

	while (ls <= n && h < r->nhits) {
		const char *nl = memchr(t + ls, '\n', n - ls);
		size_t le = nl ? (size_t)(nl - t) : n;
		size_t shown = le - ls > LINE_SHOW_MAX ? LINE_SHOW_MAX : le - ls;
		int any = 0, on = 0;

		memset(mask, 0, sizeof(mask));
		while (h < r->nhits && r->hits[h].end <= ls)
			h++;
		for (size_t k = h; k < r->nhits && r->hits[k].start < le; k++)
			for (size_t i = r->hits[k].start; i < r->hits[k].end && i < ls + shown; i++)
				if (i >= ls)
					mask[i - ls] = any = 1;
		if (any) {
			printf("  %4zu: ", lineno);
			for (size_t i = 0; i < shown; i++) {
				if (mask[i] != on)
					fputs(mask[i] ? (colour ? "\033[1;31m" : "[[")
						      : (colour ? "\033[0m" : "]]"),
					      stdout);
				on = mask[i];
				put_clean(t + ls + i, 1);
			}
			if (on)
				fputs(colour ? "\033[0m" : "]]", stdout);
			if (shown < le - ls)
				fputs(" ...", stdout);
			fputc('\n', stdout);
		}
		if (!nl)
			break;
		ls = le + 1;
		lineno++;
	}
}

static void show_hits(const struct matcher *m, const struct matcher_result *r)
{
	const struct matcher_pack *pack = matcher_get_pack(m);

	for (size_t i = 0; i < r->nhits; i++) {
		const struct matcher_hit *h = &r->hits[i];
		const struct matcher_rule *rule = matcher_pack_rule(pack, h->rule);
		size_t len = h->end - h->start;

		printf("    %-20s %-30s %5.2f  \"", matcher_category_name(rule->category), rule->id,
		       rule->weight);
		put_clean(r->text + h->start, len > 80 ? 80 : len);
		printf("%s\"  %zu-%zu\n", len > 80 ? "..." : "", h->start, h->end);
	}
}

static const struct matcher_pack *sort_pack;

static int cmp_rule_weight(const void *a, const void *b)
{
	double x = matcher_pack_rule(sort_pack, *(const size_t *)a)->weight;
	double y = matcher_pack_rule(sort_pack, *(const size_t *)b)->weight;

	x = x < 0 ? -x : x;
	y = y < 0 ? -y : y;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Shows the arithmetic of matcher_score, category by category. */
static void show_explain(const struct matcher *m, const struct matcher_result *r)
{
	const struct matcher_pack *pack = matcher_get_pack(m);
	size_t *rules = xmalloc((r->nhits ? r->nhits : 1) * sizeof(*rules));
	double context = 0;
	size_t npos = 0;

	printf("  how the score was reached (per category, distinct rules count\n"
	       "  1, 1/2, 1/4... of their weight, largest first):\n");
	for (size_t c = 0; c < r->ncats; c++) {
		const struct matcher_category_score *cs = &r->cats[c];
		size_t n = 0;
		unsigned div = 1;

		for (size_t i = 0; i < r->nhits; i++) {
			size_t rule = r->hits[i].rule;
			int seen = 0;

			if (matcher_pack_rule(pack, rule)->category != cs->category)
				continue;
			for (size_t k = 0; k < n && !seen; k++)
				seen = rules[k] == rule;
			if (!seen)
				rules[n++] = rule;
		}
		sort_pack = pack;
		qsort(rules, n, sizeof(*rules), cmp_rule_weight);
		printf("    %-22s %6.2f =", matcher_category_name(cs->category), cs->score);
		for (size_t k = 0; k < n; k++, div *= 2) {
			const struct matcher_rule *rule = matcher_pack_rule(pack, rules[k]);

			printf("%s %.2f %s", k ? " +" : "", rule->weight, rule->id);
			if (div > 1)
				printf(" /%u", div);
		}
		printf("\n");
		if (cs->category == MATCHER_CAT_CONTEXT)
			context = cs->score;
		else if (cs->score > 0)
			npos++;
	}
	printf("    categories %.2f x %.2f (%zu distinct categories: 1 + 0.25 each beyond the first)",
	       r->base, r->multiplier, npos);
	if (r->length != 1.0)
		printf(" x %.2f short text (%zu words, shorter texts count more)", r->length,
		       r->nwords);
	if (context != 0 && matcher_context_halving(m) > 0)
		printf(" x %.2f context (2^(%.2f / %g): every %g points of context halve the score)",
		       r->context_factor, context, matcher_context_halving(m),
		       matcher_context_halving(m));
	else if (context != 0)
		printf(" %s %.2f context", context < 0 ? "-" : "+", context < 0 ? -context : context);
	printf("\n    score %.2f %s threshold %.2f: %s\n", r->score, r->flagged ? ">=" : "<",
	       matcher_threshold(m), r->flagged ? "FLAGGED" : "not flagged");
	if (r->nreasons)
		printf("  which words satisfied the proximity operators:\n");
	for (size_t i = 0; i < r->nreasons; i++)
		printf("    %-30s %s\n", matcher_pack_rule(pack, r->reasons[i].rule)->id,
		       r->reasons[i].text);
	free(rules);
}

/* ---- JSON output ---------------------------------------------------------- */

static json_t *categories_json(const struct matcher_result *r)
{
	json_t *a = json_array();

	for (size_t c = 0; c < r->ncats; c++)
		if (r->cats[c].category != MATCHER_CAT_CONTEXT && r->cats[c].score > 0)
			json_array_append_new(a, json_string(matcher_category_name(r->cats[c].category)));
	return a;
}

/* Contact details in the text, as written, with their normalised form. */
static json_t *entities_json(const struct matcher_result *r, const char *region)
{
	struct entity_list el;
	struct lw_error err;
	json_t *a = json_array();

	entity_list_init(&el);
	if (entities_extract(r->text, r->text_len, region, &el, &err) == 0) {
		for (size_t i = 0; i < el.n; i++) {
			const struct entity *e = &el.v[i];

			json_array_append_new(a, json_pack("{s:s, s:o, s:s, s:I, s:I}", "kind",
						   entity_kind_name(e->kind), "value",
						   cli_json_text(r->text + e->start, e->end - e->start),
						   "normalized", e->normalized, "start", (json_int_t)e->start,
						   "end", (json_int_t)e->end));
		}
	}
	entity_list_release(&el);
	return a;
}

static json_t *result_json(const struct matcher *m, const char *input,
			   const struct matcher_result *r, int explain, const char *region)
{
	const struct matcher_pack *pack = matcher_get_pack(m);
	json_t *o = json_object(), *hits = json_array();

	json_object_set_new(o, "input", cli_json_text(input, strlen(input)));
	json_object_set_new(o, "score", json_real(r->score));
	json_object_set_new(o, "flagged", json_boolean(r->flagged));
	json_object_set_new(o, "categories", categories_json(r));
	for (size_t i = 0; i < r->nhits; i++) {
		const struct matcher_hit *h = &r->hits[i];
		const struct matcher_rule *rule = matcher_pack_rule(pack, h->rule);
		json_t *hj = json_object();

		json_object_set_new(hj, "rule", json_string(rule->id));
		json_object_set_new(hj, "category", json_string(matcher_category_name(rule->category)));
		json_object_set_new(hj, "weight", json_real(rule->weight));
		json_object_set_new(hj, "start", json_integer((json_int_t)h->start));
		json_object_set_new(hj, "end", json_integer((json_int_t)h->end));
		json_object_set_new(hj, "match", cli_json_text(r->text + h->start, h->end - h->start));
		json_array_append_new(hits, hj);
	}
	json_object_set_new(o, "hits", hits);
	json_object_set_new(o, "entities", entities_json(r, region));
	if (r->repaired)
		json_object_set_new(o, "repaired_utf8", json_integer((json_int_t)r->repaired));
	if (explain) {
		json_t *e = json_object(), *cats = json_array(), *reasons = json_array();

		for (size_t c = 0; c < r->ncats; c++) {
			json_t *cj = json_object();

			json_object_set_new(cj, "category",
					    json_string(matcher_category_name(r->cats[c].category)));
			json_object_set_new(cj, "rules", json_integer((json_int_t)r->cats[c].nrules));
			json_object_set_new(cj, "raw", json_real(r->cats[c].raw));
			json_object_set_new(cj, "score", json_real(r->cats[c].score));
			json_array_append_new(cats, cj);
		}
		json_object_set_new(e, "categories", cats);
		json_object_set_new(e, "base", json_real(r->base));
		json_object_set_new(e, "multiplier", json_real(r->multiplier));
		json_object_set_new(e, "length_factor", json_real(r->length));
		json_object_set_new(e, "context", json_real(r->context));
		json_object_set_new(e, "context_factor", json_real(r->context_factor));
		json_object_set_new(e, "words", json_integer((json_int_t)r->nwords));
		json_object_set_new(e, "threshold", json_real(matcher_threshold(m)));
		for (size_t i = 0; i < r->nreasons; i++) {
			json_t *rj = json_object();

			json_object_set_new(rj, "rule",
					    json_string(matcher_pack_rule(pack, r->reasons[i].rule)->id));
			json_object_set_new(rj, "why", cli_json_text(r->reasons[i].text,
								     strlen(r->reasons[i].text)));
			json_array_append_new(reasons, rj);
		}
		json_object_set_new(e, "proximity", reasons);
		json_object_set_new(o, "explain", e);
	}
	return o;
}

/* ---- driver --------------------------------------------------------------- */

/* Returns 0 when this input counts as a match for the exit status, 1 when
 * not, 2 on error. */
static int match_one(struct matcher_scanner *sc, const struct matcher *m,
		     const struct match_opts *o, const char *path, struct matcher_result *r)
{
	struct lw_error err;
	size_t len = 0;
	char *data = cli_read_input(path, TEXT_MAX_INPUT, &len, &err);
	int kind, rc = CLI_ERROR, hit;

	if (!data) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		return CLI_ERROR;
	}
	kind = o->kind >= 0 ? o->kind : looks_like_html(path, data, len);
	if (matcher_scan(sc, data, len, kind, r, &err) < 0) {
		fprintf(stderr, "lurewatch: %s: %s\n", path, err.msg);
		goto out;
	}
	if (r->repaired && !o->quiet)
		fprintf(stderr, "lurewatch: %s: warning: %zu invalid UTF-8 sequence%s repaired\n", path,
			r->repaired, r->repaired == 1 ? "" : "s");
	if (o->pack)
		hit = r->flagged;
	else
		hit = r->nhits > 0;
	if (o->pack && !hit)
		for (size_t i = 0; i < r->nhits && !hit; i++)
			hit = matcher_pack_rule(matcher_get_pack(m), r->hits[i].rule)->category ==
			      MATCHER_CAT_ADHOC;
	if (o->quiet) {
	} else if (o->json) {
		json_t *j = result_json(m, path, r, o->explain, o->region);

		cli_json_print(j);
		json_decref(j);
	} else {
		printf("%s: %s, score %.2f (threshold %.2f)", strcmp(path, "-") ? path : "(stdin)",
		       r->flagged ? "FLAGGED" : "not flagged", r->score, matcher_threshold(m));
		for (size_t c = 0, first = 1; c < r->ncats; c++) {
			if (r->cats[c].category == MATCHER_CAT_CONTEXT || r->cats[c].score <= 0)
				continue;
			printf("%s%s", first ? ", categories: " : ", ",
			       matcher_category_name(r->cats[c].category));
			first = 0;
		}
		printf("\n");
		show_lines(r, o->colour);
		show_hits(m, r);
		if (o->explain)
			show_explain(m, r);
	}
	rc = hit ? CLI_OK : CLI_NONE;
out:
	free(data);
	return rc;
}

int cmd_match(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "regexp", required_argument, NULL, 'e' },
		{ "html", no_argument, NULL, 'H' },
		{ "text", no_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "explain", no_argument, NULL, 'x' },
		{ "threshold", required_argument, NULL, 't' },
		{ "color", required_argument, NULL, 'c' },
		{ "colour", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "region", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct match_opts o = { NULL, NULL, 0, -1, 0, 0, 0, 0, -1, "NZ" };
	const char *colour = "auto", *rules_opt = NULL;
	struct matcher *m = NULL;
	struct matcher_scanner *sc = NULL;
	struct matcher_result r;
	struct lw_error err;
	int c, status = CLI_NONE, any_error = 0;

	matcher_result_init(&r);
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:e:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': rules_opt = optarg; break;
		case 'e':
			o.adhoc = xreallocarray(o.adhoc, o.nadhoc + 1, sizeof(*o.adhoc));
			o.adhoc[o.nadhoc++] = optarg;
			break;
		case 'H': o.kind = MATCHER_INPUT_HTML; break;
		case 'T': o.kind = MATCHER_INPUT_TEXT; break;
		case 'j': o.json = 1; break;
		case 'x': o.explain = 1; break;
		case 'q': o.quiet = 1; break;
		case 'R': o.region = optarg; break;
		case 't':
			if (cli_parse_double("--threshold", optarg, &o.threshold) < 0)
				goto usage_error;
			break;
		case 'c':
			if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
				fprintf(stderr, "lurewatch: --color takes auto, always or never\n");
				goto usage_error;
			}
			colour = optarg;
			break;
		case 'h': usage(stdout); free(o.adhoc); return CLI_OK;
		default: goto usage_error;
		}
	}
	o.pack = rules_opt || !o.nadhoc ? cli_default_pack(rules_opt) : NULL;
	o.colour = cli_use_colour(stdout, colour);
	m = cli_matcher_open(o.pack, o.adhoc, o.nadhoc, o.threshold, &err);
	if (!m) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		status = CLI_ERROR;
		goto out;
	}
	sc = matcher_scanner_new(m, &err);
	if (!sc) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		status = CLI_ERROR;
		goto out;
	}
	if (optind == argc) {
		status = match_one(sc, m, &o, "-", &r);
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		int rc = match_one(sc, m, &o, argv[i], &r);

		if (rc == CLI_ERROR)
			any_error = 1;
		else if (rc == CLI_OK)
			status = CLI_OK;
	}
	if (any_error)
		status = CLI_ERROR;
out:
	matcher_result_release(&r);
	if (CLI_FREE_AT_EXIT) {
		matcher_scanner_free(sc);
		matcher_free(m);
	}
	free(o.adhoc);
	fflush(stdout);
	return status;
usage_error:
	usage(stderr);
	free(o.adhoc);
	return CLI_ERROR;
}

/* SPDX-License-Identifier: MIT */
/* `lurewatch rules fit`: weights learned from labelled documents (a corpus
 * folder with labels.tsv, or the analysts' verdicts in the queue) instead of
 * guessed, printed beside the pack's and optionally written as a weights
 * file the pack can include. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "cli.h"

#define FIT_MAX_INPUT (4u * 1024u * 1024u)
#define LABELS_MAX (16u * 1024u * 1024u)
#define QUEUE_PAGE 500

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch rules fit [options] CORPUS\n"
		"       lurewatch rules fit [options] --queue\n\n"
		"Fits each rule's weight to labelled documents with an L2-regularised logistic\n"
		"regression on which rules fired, and prints it beside the pack's weight.\n\n"
		"  CORPUS               a folder with labels.tsv (columns: file, label flag|clear, ...)\n"
		"  --queue              the queue's verdicts instead: confirmed or escalated items\n"
		"                       are lures, dismissed ones are not (configured database)\n"
		"  -r, --rules PACK     rule pack (default: matcher.rules with --queue, $LUREWATCH_RULES,\n"
		"                       ./rules, or the installed pack)\n"
		"      --l2 X           penalty on the coefficients (default 1; larger: weights\n"
		"                       nearer the average)\n"
		"      --target-far F   false-alarm rate the suggested threshold meets (default 0.03)\n"
		"      --folds K        cross-validation folds (default 5; fewer when a label has\n"
		"                       fewer documents)\n"
		"      --seed N         fold assignment (default 17: the same folds every run)\n"
		"      --write FILE     write the fitted weights as a weights file; use it with\n"
		"                       '[pack] weights = FILE' in the pack (relative to that file)\n"
		"      --json           print one JSON object\n"
		"  -h, --help           this help\n\n"
		"Fitted weights are the coefficients scaled so that the model's decision boundary\n"
		"falls at the pack threshold, clipped to -10..10 (context rules <= 0, others >= 0).\n"
		"Recall and false alarms are measured with the pack's own scoring. Rules that\n"
		"never fire keep their weight. Exit status 0, or 2 on an error.\n");
}

/* ---- corpus --------------------------------------------------------------------- */

static int scan_doc(struct matcher_scanner *sc, struct matcher_fit_data *d, const char *text,
		    size_t len, int kind, int flag, struct matcher_result *r, struct lw_error *err)
{
	if (matcher_scan(sc, text, len, kind, r, err) < 0)
		return -1;
	matcher_fit_data_add(d, r, flag);
	return 0;
}

static int html_name(const char *name)
{
	size_t l = strlen(name);

	return (l > 5 && strcmp(name + l - 5, ".html") == 0) ||
	       (l > 4 && strcmp(name + l - 4, ".htm") == 0);
}

/* One labels.tsv line: "file<TAB>flag|clear<TAB>...". */
static int corpus_line(struct matcher_scanner *sc, struct matcher_fit_data *d, const char *dir,
		       char *line, const char *where, struct matcher_result *r,
		       struct lw_error *err)
{
	char *tab = strchr(line, '\t'), *label, *end, *text = NULL;
	struct lw_buf path;
	size_t len;
	int flag, rc = -1;

	if (!tab)
		return lw_error_set(err, "%s: expected 'file<TAB>label'", where);
	*tab = '\0';
	label = tab + 1;
	end = label + strcspn(label, "\t\r");
	*end = '\0';
	if (strcmp(label, "flag") != 0 && strcmp(label, "clear") != 0)
		return lw_error_set(err, "%s: label '%s': expected flag or clear", where, label);
	flag = strcmp(label, "flag") == 0;
	lw_buf_init(&path, 8192);
	if (lw_buf_printf(&path, "%s/%s", dir, line) < 0) {
		lw_error_set(err, "%s: file name '%s' is too long", where, line);
		goto out;
	}
	text = cli_read_input(path.data, FIT_MAX_INPUT, &len, err);
	if (!text || scan_doc(sc, d, text, len, html_name(line), flag, r, err) < 0) {
		lw_error_prefix(err, "%s", where);
		goto out;
	}
	rc = 0;
out:
	free(text);
	lw_buf_release(&path);
	return rc;
}

static int load_corpus(struct matcher_scanner *sc, struct matcher_fit_data *d, const char *dir,
		       struct lw_error *err)
{
	struct matcher_result r;
	struct lw_buf path;
	char *labels = NULL, *p, *nl, where[512];
	size_t len;
	int lineno = 0, rc = -1;

	matcher_result_init(&r);
	lw_buf_init(&path, 8192);
	if (lw_buf_printf(&path, "%s/labels.tsv", dir) < 0) {
		lw_error_set(err, "corpus path '%s' is too long", dir);
		goto out;
	}
	labels = cli_read_input(path.data, LABELS_MAX, &len, err);
	if (!labels)
		goto out;
	for (p = labels; p < labels + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(labels + len - p));
		if (!nl)
			nl = labels + len;
		*nl = '\0';
		snprintf(where, sizeof(where), "%s:%d", path.data, ++lineno);
		/* The header names the columns; blank lines separate nothing. */
		if (lineno == 1 || *p == '\0' || *p == '\r')
			continue;
		if (corpus_line(sc, d, dir, p, where, &r, err) < 0)
			goto out;
	}
	rc = 0;
out:
	free(labels);
	lw_buf_release(&path);
	matcher_result_release(&r);
	return rc;
}

/* ---- queue ------------------------------------------------------------------------- */

static int load_queue(struct store *st, struct matcher_scanner *sc, struct matcher_fit_data *d,
		      struct lw_error *err)
{
	struct store_fit_row *rows = NULL;
	struct matcher_result r;
	size_t n = 0;
	long after = 0;
	int rc = -1;

	matcher_result_init(&r);
	/* The judged text is scanned again with this pack: its rules, not the
	 * ones of the day the ad came in, are the ones being weighed. */
	do {
		if (store_fit_fetch(st, after, QUEUE_PAGE, &rows, &n, err) < 0)
			goto out;
		for (size_t i = 0; i < n; i++) {
			size_t len;
			char *text = store_compose_text(rows[i].title, rows[i].body, &len);
			int s = scan_doc(sc, d, text, len, MATCHER_INPUT_TEXT, rows[i].flag, &r, err);

			free(text);
			if (s < 0) {
				lw_error_prefix(err, "queue item %ld", rows[i].item_id);
				goto out;
			}
			after = rows[i].item_id;
		}
		store_fit_rows_free(rows, n);
		rows = NULL;
	} while (n == QUEUE_PAGE);
	rc = 0;
out:
	store_fit_rows_free(rows, n);
	matcher_result_release(&r);
	return rc;
}

/* ---- output ---------------------------------------------------------------------------- */

static json_t *report_json(const struct matcher_pack *pack, const struct matcher_fit_report *rep,
			   const struct matcher_fit_options *o)
{
	json_t *root = json_object(), *rules = json_array(), *never = json_array(),
	       *clear = json_array();

	for (size_t i = 0; i < rep->nrules; i++) {
		const struct matcher_fit_rule *fr = &rep->rules[i];
		const struct matcher_rule *r = matcher_pack_rule(pack, fr->rule);

		json_array_append_new(rules, json_pack("{s:s, s:s, s:f, s:f, s:f, s:I, s:I}", "rule",
						       r->id, "category", matcher_category_name(r->category),
						       "current", fr->current, "fitted", fr->fitted, "coef",
						       fr->coef, "flag", (json_int_t)fr->nflag, "clear",
						       (json_int_t)fr->nclear));
		if (fr->nflag + fr->nclear == 0)
			json_array_append_new(never, json_string(r->id));
		if (fr->mostly_clear)
			json_array_append_new(clear, json_string(r->id));
	}
	json_object_set_new(root, "documents", json_pack("{s:I, s:I}", "flag", (json_int_t)rep->nflag,
							 "clear", (json_int_t)rep->nclear));
	json_object_set_new(root, "l2", json_real(o->l2));
	json_object_set_new(root, "intercept", json_real(rep->intercept));
	json_object_set_new(root, "scale", json_real(rep->scale));
	json_object_set_new(root, "converged", json_boolean(rep->converged));
	json_object_set_new(root, "rules", rules);
	json_object_set_new(root, "pack_threshold", json_real(rep->pack_threshold));
	json_object_set_new(root, "current", json_pack("{s:f, s:f}", "recall", rep->cur_recall,
						       "false_alarms", rep->cur_far));
	json_object_set_new(root, "fitted", json_pack("{s:f, s:f}", "recall", rep->fit_recall,
						      "false_alarms", rep->fit_far));
	json_object_set_new(root, "suggested", json_pack("{s:f, s:f, s:f, s:f}", "threshold",
							 rep->suggested, "target_far", o->target_far,
							 "recall", rep->sug_recall,
							 "false_alarms", rep->sug_far));
	json_object_set_new(root, "cross_validated", json_pack("{s:i, s:I, s:f, s:f}", "folds",
							       rep->folds, "seed", (json_int_t)o->seed,
							       "recall", rep->cv_recall,
							       "false_alarms", rep->cv_far));
	json_object_set_new(root, "never_fired", never);
	json_object_set_new(root, "mostly_clear", clear);
	return root;
}

/* The rules that never fired (ids wrapped: there may be dozens), or those
 * that fired mostly on clear documents, with their support. */
static void print_list(const struct matcher_pack *pack, const struct matcher_fit_report *rep,
		       int never, const char *title)
{
	size_t n = 0, col = 0;

	for (size_t i = 0; i < rep->nrules; i++) {
		const struct matcher_fit_rule *fr = &rep->rules[i];
		const char *id = matcher_pack_rule(pack, fr->rule)->id;

		if (never ? fr->nflag + fr->nclear != 0 : !fr->mostly_clear)
			continue;
		if (n++ == 0)
			printf("\n%s:\n", title);
		if (!never) {
			printf("  %-34s %zu clear, %zu flag\n", id, fr->nclear, fr->nflag);
			continue;
		}
		if (col && col + strlen(id) + 1 > 88) {
			printf("\n");
			col = 0;
		}
		col += (size_t)printf("%s%s", col ? " " : "  ", id);
	}
	if (n == 0)
		printf("\n%s: none\n", title);
	else if (never)
		printf("\n");
}

static void report_text(const struct matcher_pack *pack, const struct matcher_fit_report *rep,
			const struct matcher_fit_options *o, int queue)
{
	printf("%zu documents: %zu flag, %zu clear; L2 %g; %s\n\n", rep->nflag + rep->nclear,
	       rep->nflag, rep->nclear, o->l2, rep->converged ? "converged" : "NOT converged");
	printf("%-34s %-21s %7s %7s %7s %6s %6s\n", "RULE", "CATEGORY", "CURRENT", "FITTED", "COEF",
	       "FLAG", "CLEAR");
	for (size_t i = 0; i < rep->nrules; i++) {
		const struct matcher_fit_rule *fr = &rep->rules[i];
		const struct matcher_rule *r = matcher_pack_rule(pack, fr->rule);

		if (fr->nflag + fr->nclear == 0)
			continue;
		printf("%-34s %-21s %7.2f %7.2f %7.3f %6zu %6zu\n", r->id,
		       matcher_category_name(r->category), fr->current, fr->fitted, fr->coef,
		       fr->nflag, fr->nclear);
	}
	printf("\nat the pack threshold %.2f: current weights recall %.3f, false alarms %.3f;"
	       " fitted recall %.3f, false alarms %.3f\n", rep->pack_threshold, rep->cur_recall,
	       rep->cur_far, rep->fit_recall, rep->fit_far);
	printf("suggested threshold %.2f (false alarms <= %.3f): recall %.3f, false alarms %.3f\n",
	       rep->suggested, o->target_far, rep->sug_recall, rep->sug_far);
	printf("cross-validated (%d folds, seed %lu): recall %.3f, false alarms %.3f\n", rep->folds,
	       o->seed, rep->cv_recall, rep->cv_far);
	print_list(pack, rep, 1, "rules that never fired (they keep their weight)");
	print_list(pack, rep, 0, queue ? "rules analysts dismiss most of the time"
				       : "rules that fire mostly on clear documents");
}

/* ---- command ------------------------------------------------------------------------------- */

struct fit_args {
	struct matcher_fit_options o;
	const char *rules, *write, *corpus;
	int queue, json;
};

static int parse_args(int argc, char **argv, struct fit_args *a)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "queue", no_argument, NULL, 'Q' },
		{ "l2", required_argument, NULL, 'L' },
		{ "target-far", required_argument, NULL, 'F' },
		{ "folds", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 'S' },
		{ "write", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': a->rules = optarg; break;
		case 'Q': a->queue = 1; break;
		case 'w': a->write = optarg; break;
		case 'j': a->json = 1; break;
		case 'L':
			if (cli_parse_double("--l2", optarg, &a->o.l2) < 0)
				return -1;
			if (!(a->o.l2 > 0)) {
				fprintf(stderr, "lurewatch: --l2 '%s': expected a positive number\n", optarg);
				return -1;
			}
			break;
		case 'F':
			if (cli_parse_double("--target-far", optarg, &a->o.target_far) < 0)
				return -1;
			if (a->o.target_far >= 1) {
				fprintf(stderr, "lurewatch: --target-far '%s': expected a rate below 1\n", optarg);
				return -1;
			}
			break;
		case 'k':
			if (cli_parse_double("--folds", optarg, &v) < 0)
				return -1;
			if (v < 2 || v > 100 || v != (int)v) {
				fprintf(stderr, "lurewatch: --folds '%s': expected a whole number from 2 to 100\n",
					optarg);
				return -1;
			}
			a->o.folds = (int)v;
			break;
		case 'S':
			if (cli_parse_double("--seed", optarg, &v) < 0)
				return -1;
			if (v > 4e9 || v != (unsigned long)v) {
				fprintf(stderr, "lurewatch: --seed '%s': expected a whole number\n", optarg);
				return -1;
			}
			a->o.seed = (unsigned long)v;
			break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	if (a->queue == (optind < argc) || optind + 1 < argc) {
		fprintf(stderr, "lurewatch: rules fit needs one CORPUS folder or --queue\n");
		usage(stderr);
		return -1;
	}
	a->corpus = a->queue ? NULL : argv[optind];
	return 0;
}

/* Reads the labelled documents into d (m's pack). */
static int collect(const struct fit_args *a, struct matcher *m, struct store *st,
		   struct matcher_fit_data **out, struct lw_error *err)
{
	struct matcher_scanner *sc = matcher_scanner_new(m, err);
	struct matcher_fit_data *d = NULL;
	int rc = -1;

	if (!sc)
		goto out;
	d = matcher_fit_data_new(m);
	if ((a->queue ? load_queue(st, sc, d, err) : load_corpus(sc, d, a->corpus, err)) < 0)
		goto out;
	*out = d;
	d = NULL;
	rc = 0;
out:
	matcher_fit_data_free(d);
	matcher_scanner_free(sc);
	return rc;
}

int cmd_rules_fit(int argc, char **argv)
{
	struct fit_args a = { MATCHER_FIT_DEFAULTS, NULL, NULL, NULL, 0, 0 };
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct matcher *m = NULL;
	struct matcher_fit_data *d = NULL;
	struct matcher_fit_report rep;
	struct lw_error err;
	json_t *j;
	int rc = CLI_ERROR, p = parse_args(argc, argv, &a), have_rep = 0;

	if (p != 0)
		return p > 0 ? CLI_OK : CLI_ERROR;
	if (a.queue) {
		cfg = cli_config_load();
		st = cfg ? cli_store_open(cfg) : NULL;
		if (!st)
			goto out;
	}
	m = cli_matcher_open(cli_default_pack(a.rules ? a.rules : cfg ? cfg->rules : NULL), NULL, 0,
			     cfg ? cfg->threshold : -1, &err);
	if (!m || collect(&a, m, st, &d, &err) < 0 || matcher_fit(d, &a.o, &rep, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	have_rep = 1;
	if (a.write && matcher_fit_write(m, &rep, &a.o, a.queue ? "the queue's verdicts" : a.corpus,
					 a.write, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	if (a.json) {
		j = report_json(matcher_get_pack(m), &rep, &a.o);
		cli_json_print(j);
		json_decref(j);
	} else {
		report_text(matcher_get_pack(m), &rep, &a.o, a.queue);
	}
	rc = CLI_OK;
out:
	if (have_rep)
		matcher_fit_report_release(&rep);
	matcher_fit_data_free(d);
	matcher_free(m);
	store_close(st);
	config_free(cfg);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/* The matcher: rule packs compiled into Hyperscan databases (word-list items as
 * literals, regex patterns), documents normalised and scanned, hits mapped
 * back to the original bytes and scored. */
#ifndef LW_MATCHER_H
#define LW_MATCHER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../util/error.h"
#include "entities.h"

/* ---- categories ------------------------------------------------------- */

enum matcher_category {
	MATCHER_CAT_DECEPTION,
	MATCHER_CAT_OFFSHORE_RECRUITMENT,
	MATCHER_CAT_FEE_DEBT,
	MATCHER_CAT_DOCUMENTS,
	MATCHER_CAT_WAGE_WITHHOLDING,
	MATCHER_CAT_MOVEMENT_RESTRICTION,
	MATCHER_CAT_ISOLATION_LIVING,
	MATCHER_CAT_OFF_PLATFORM_CONTACT,
	MATCHER_CAT_SEXUAL_EXPLOITATION,
	MATCHER_CAT_MINORS,
	MATCHER_CAT_DOMESTIC_SERVITUDE,
	MATCHER_CAT_OBFUSCATION,
	MATCHER_CAT_CONTEXT,    /* negative-weight legitimate-context rules */
	MATCHER_CAT_ADHOC,      /* patterns given with -e */
	MATCHER_CAT_COUNT
};

/* Returns the category's name ("fee_debt"), or NULL for an invalid value. */
const char *matcher_category_name(int cat);
/* Returns the category for a name, or -1. */
int matcher_category_parse(const char *name);

/* ---- rule packs --------------------------------------------------------- */

/* A parsed, not yet compiled, rule pack. */
struct matcher_pack;

/* A rule as the pack describes it. Pointers stay valid while the pack (or the
 * matcher that took it) lives. */
struct matcher_rule {
	const char *id;
	int is_term;            /* quiet building block, never scored */
	int is_words;           /* a [words ID] list (also is_term) */
	int category;           /* enum matcher_category; -1 for terms */
	double weight;
	const char *description;
	const char *source;
	const char *lang;
	const char *family;     /* recruitment family ("scam_centre"), or NULL */
	const char *file;       /* where it was defined */
	int line;
	const char *combine;    /* NULL unless a combination rule */
	size_t npatterns;
	const char *const *patterns;        /* as written, "/re/flags" or bare */
	size_t nexamples;
	const char *const *examples;
	const int *example_lines;
	size_t nwords;          /* [words ID]: its items as written */
	const char *const *words;
	size_t ncounterexamples;
	const char *const *counterexamples;
	const int *counterexample_lines;
};

/* Loads a pack from a .rules file or a folder of them (read in name order).
 * Returns a new pack (free with matcher_pack_free), or NULL with err set to
 * "file:line: reason". */
struct matcher_pack *matcher_pack_load(const char *path, struct lw_error *err);

struct matcher_options;
/* As matcher_pack_load, but a warm start takes the parsed rules from the
 * cache folder of opts (as for matcher_compile; NULL: the default) instead
 * of parsing the files again; the files are still read and hashed, so an
 * edit is always seen. A successful parse is stored there. A damaged cache
 * file is ignored. Same result and errors as matcher_pack_load. */
struct matcher_pack *matcher_pack_load_cached(const char *path, const struct matcher_options *opts,
					      struct lw_error *err);

/* Returns an empty pack, to which ad-hoc patterns can be added. */
struct matcher_pack *matcher_pack_new(void);

/* Adds an ad-hoc scored rule (category "adhoc", weight 1) with one pattern,
 * as `lurewatch match -e` does. id must be unique. Returns 0 or -1 with err. */
int matcher_pack_add_adhoc(struct matcher_pack *pack, const char *id,
			   const char *pattern, struct lw_error *err);

void matcher_pack_free(struct matcher_pack *pack);

size_t matcher_pack_rule_count(const struct matcher_pack *pack);
const struct matcher_rule *matcher_pack_rule(const struct matcher_pack *pack,
					     size_t i);
/* Pack metadata; name and version may be "" but never NULL. */
const char *matcher_pack_name(const struct matcher_pack *pack);
const char *matcher_pack_version(const struct matcher_pack *pack);
/* Threshold the pack's [pack] section sets, or MATCHER_DEFAULT_THRESHOLD. */
double matcher_pack_threshold(const struct matcher_pack *pack);
/* Hex SHA-256 of every file's bytes and of the ad-hoc patterns: identifies
 * the pack version that produced a hit. */
const char *matcher_pack_hash(const struct matcher_pack *pack);

#define MATCHER_DEFAULT_THRESHOLD 6.0

/* ---- compiling ---------------------------------------------------------- */

struct matcher;

struct matcher_options {
	const char *cache_dir;  /* NULL: $LUREWATCH_CACHE, else $XDG_CACHE_HOME/lurewatch,
	                         * else $HOME/.cache/lurewatch; "" disables the cache */
	double threshold;       /* <0: use the pack's threshold */
};

/* Compiles the pack into Hyperscan databases, or loads them from the
 * serialized-database cache when the pack's hash is known. Takes ownership
 * of pack whether it succeeds or fails. Returns a new matcher (free with
 * matcher_free) or NULL with err set ("file:line: rule 'x': reason"). */
struct matcher *matcher_compile(struct matcher_pack *pack,
				const struct matcher_options *opts,
				struct lw_error *err);
void matcher_free(struct matcher *m);

const struct matcher_pack *matcher_get_pack(const struct matcher *m);
double matcher_threshold(const struct matcher *m);

/* The pack's [pack] context_halving: 0 when context rules subtract, else H,
 * the context points that halve a score. */
double matcher_context_halving(const struct matcher *m);

/* 1 when matcher_compile would find pack's databases in the cache (opts as
 * for matcher_compile): callers say "compiling" before a slow compile. */
int matcher_cache_has(const struct matcher_pack *pack, const struct matcher_options *opts);
/* 1 when the last matcher_compile was served from the cache. */
int matcher_from_cache(const struct matcher *m);

/* ---- scanning ----------------------------------------------------------- */

/* Per-thread scanning state (Hyperscan scratch and buffers). One per thread;
 * the matcher must outlive it. */
struct matcher_scanner;

struct matcher_scanner *matcher_scanner_new(const struct matcher *m,
					    struct lw_error *err);
void matcher_scanner_free(struct matcher_scanner *s);

struct matcher_hit {
	size_t rule;            /* index into the pack's rules */
	size_t start, end;      /* byte offsets into the scanned text (see text below) */
};

struct matcher_category_score {
	int category;
	size_t nrules;          /* distinct rules that fired */
	double raw;             /* sum of their weights */
	double score;           /* after within-category decay */
};

/* Why a combination held: which words and which distance satisfied its
 * proximity operators ("'wages' NEAR/5 'withheld': 2 words apart"). */
struct matcher_reason {
	size_t rule;
	char *text;             /* owned by the result */
};

struct matcher_result {
	/* Every match, in order of start; a rule may appear several times. For a
	 * combination rule, the spans are the words of its operands that
	 * satisfied it. */
	struct matcher_hit *hits;
	size_t nhits, hits_cap;
	struct matcher_reason *reasons; /* one per combination with proximity that held */
	size_t nreasons, reasons_cap;
	const char *text;       /* what offsets refer to: the input itself, or for
	                         * HTML input the extracted visible text; owned by
	                         * the result, valid until the next scan or release */
	size_t text_len;
	size_t repaired;        /* invalid UTF-8 sequences repaired in the input */
	/* scoring */
	double score;
	int flagged;
	uint32_t categories;    /* bit per enum matcher_category that scored */
	struct matcher_category_score cats[MATCHER_CAT_COUNT];
	size_t ncats;           /* filled entries of cats, highest score first */
	double base, multiplier;/* score = base * multiplier * length + context, or
	                         * base * multiplier * length * context_factor */
	double length;          /* the short-text factor (1 for long texts) */
	double context;         /* the context rules' decayed sum (0 or negative) */
	double context_factor;  /* 2^(context / H) with [pack] context_halving H, else 1 */
	size_t nwords;          /* the text's length in words, which the factor reads
	                         * (Thai, Lao, Burmese, Khmer: 4 characters a word) */
	/* private */
	char *owned_text;
};

void matcher_result_init(struct matcher_result *r);
void matcher_result_release(struct matcher_result *r);

#define MATCHER_INPUT_TEXT 0
#define MATCHER_INPUT_HTML 1

/* Normalises and scans one document, filling r (previous content replaced):
 * hits with offsets into r->text, then the score against the matcher's
 * threshold. Returns 0, or -1 with err set (input too large, HTML that
 * cannot be parsed at all, Hyperscan failure). */
int matcher_scan(struct matcher_scanner *s, const char *input, size_t len,
		 int input_kind, struct matcher_result *r, struct lw_error *err);

/* Scans already-normalised, valid UTF-8 text with both databases only: no
 * normalisation, no start-offset search, no scoring. For benchmarks of the
 * raw Hyperscan path. Returns the number of matches, or -1 with err set. */
long matcher_scan_raw(struct matcher_scanner *s, const char *text, size_t len,
		      struct lw_error *err);

/* The visible text of an HTML document (script and style dropped, blocks
 * on their own lines), as matcher_scan sees it. Returns a new UTF-8 string
 * (caller frees; *len set) or NULL with err set. */
char *matcher_html_text(const char *html, size_t len, size_t *out_len, struct lw_error *err);
/* The same of one element (and what it holds) of a document the caller has
 * parsed with libxml2 already: the crawler's selectors pick an ad's body
 * out of a page, and parsing it a second time cost as much as the page. */
struct _xmlNode;
char *matcher_html_node_text(struct _xmlNode *node, size_t *out_len, struct lw_error *err);

/* Returns 1 when rule i fired in r. */
int matcher_result_has_rule(const struct matcher_result *r, size_t rule);

/* ---- near-duplicates ------------------------------------------------------ */

/* A 64-bit SimHash of the normalised text's word 3-grams (words holding
 * digits left out): ads re-posted from one template with other numbers
 * differ in a few bits. Callers blank out contact details first, since
 * those link ads by themselves. Texts of fewer than 12 such words get 0:
 * no fingerprint. Returns 0 with *out set, or -1 with err (input too
 * large). */
int matcher_simhash(const char *text, size_t len, uint64_t *out, struct lw_error *err);
/* Bits in which two fingerprints differ. */
int matcher_simhash_distance(uint64_t a, uint64_t b);

/* ---- analysis -------------------------------------------------------------- */

/* What the matcher makes of one listing: score and hits, contact details,
 * and the SimHash of the text without them. All offsets refer to
 * result.text (the input, or for HTML its visible text). */
struct matcher_analysis {
	struct matcher_result result;
	struct entity_list entities;
	uint64_t simhash;       /* 0: too few words for a fingerprint */
};

void matcher_analysis_init(struct matcher_analysis *a);
void matcher_analysis_release(struct matcher_analysis *a);

/* Analyses one document with a single normalisation shared by matching,
 * contact extraction and fingerprinting: the same score, hits and entities
 * as matcher_scan and entities_extract give, and a SimHash defined on the
 * normalised text with every byte that came from a contact detail left
 * out (the same as matcher_simhash of the text with the contacts blanked,
 * except where blanking would change how neighbouring text normalises).
 * phone_region as for entities_extract. Fills a (previous content
 * replaced); returns 0, or -1 with err. */
int matcher_analyze(struct matcher_scanner *s, const char *text, size_t len, int input_kind,
		    const char *phone_region, struct matcher_analysis *a, struct lw_error *err);

/* ---- analysing on all cores ---------------------------------------------------- */

/* Threads that analyse documents in parallel, each with its own scanner; the
 * matcher is shared read-only and must outlive the pool. */
struct matcher_pool;

/* One document to analyse. The caller fills text, len, kind and region
 * (borrowed until matcher_pool_wait returns), initialises a, and reads rc
 * (0, or -1 with err) and a after the wait. */
struct matcher_job {
	const char *text;
	size_t len;
	int kind;               /* MATCHER_INPUT_TEXT or _HTML */
	const char *region;     /* default phone region, NULL: "NZ" */
	int rc;
	struct lw_error err;
	struct matcher_analysis a;
};

/* Starts threads workers (0: one per online core). Returns a new pool (free
 * with matcher_pool_free) or NULL with err. */
struct matcher_pool *matcher_pool_new(const struct matcher *m, int threads,
				      struct lw_error *err);
void matcher_pool_free(struct matcher_pool *p);
int matcher_pool_threads(const struct matcher_pool *p);

/* Hands n jobs to the workers and returns at once, so the caller can do
 * other work (write the previous batch) meanwhile. One submission at a time:
 * call matcher_pool_wait before the next. */
void matcher_pool_submit(struct matcher_pool *p, struct matcher_job *jobs, size_t n);
/* Blocks until every job of the last submission is done. */
void matcher_pool_wait(struct matcher_pool *p);

/* ---- scoring ------------------------------------------------------------ */

/* Scores the hits in r (already done by matcher_scan; exposed so callers can
 * re-score with another threshold). Per category, distinct rules' weights
 * sorted high to low count 1, 1/2, 1/4, ...; categories add up; the sum is
 * multiplied by 1 + 0.25 * (categories - 1) so several distinct indicators
 * outweigh one repeated, and by the short-text factor when the pack sets
 * one ([pack] short_text_words W, short_text_boost B): a text of n < W words
 * with indicators in at least two categories counts 1 + B * (W - n) / W
 * times, since a two-line post has no room for the signals a long ad spreads
 * out. Context rules (negative) subtract after that, or, when the pack sets
 * [pack] context_halving H, multiply it by 2^(context / H): every H points
 * of context halve the score, so a news report that names ten indicators is
 * discounted as much as an ad that names two. */
void matcher_score(const struct matcher *m, struct matcher_result *r,
		   double threshold);

/* ---- fitting weights to labelled documents ------------------------------- */

/* Labelled documents reduced to which scored rules fired on each. */
struct matcher_fit_data;

/* Returns a new, empty set for m's pack (free with matcher_fit_data_free);
 * m must outlive it. */
struct matcher_fit_data *matcher_fit_data_new(const struct matcher *m);
void matcher_fit_data_free(struct matcher_fit_data *d);
/* Records the scored rules that fired in r (a matcher_scan result of m) as
 * one document; flag is 1 for a lure, 0 for a clear document. */
void matcher_fit_data_add(struct matcher_fit_data *d, const struct matcher_result *r, int flag);
size_t matcher_fit_data_count(const struct matcher_fit_data *d);

struct matcher_fit_options {
	double l2;              /* L2 penalty on rule coefficients (not the intercept) */
	double target_far;      /* false-alarm rate the suggested threshold meets */
	int folds;              /* cross-validation folds, >= 2 */
	unsigned long seed;     /* fold assignment; the same seed gives the same folds */
};
#define MATCHER_FIT_DEFAULTS { 1.0, 0.03, 5, 17 }

struct matcher_fit_rule {
	size_t rule;            /* index into the pack */
	double current;         /* the pack's weight */
	double coef;            /* logistic-regression coefficient (log-odds) */
	double fitted;          /* pack weight mapped from coef; current when it never fired */
	size_t nflag, nclear;   /* documents it fired on, by label */
	int mostly_clear;       /* not context, fired at least twice, more often on
	                         * clear documents (dismissed ads) than on lures */
};

struct matcher_fit_report {
	struct matcher_fit_rule *rules; /* every scored rule, pack order (owned) */
	size_t nrules;
	size_t nflag, nclear;
	double intercept, scale;        /* pack weight = clip(scale * coef) */
	double pack_threshold;          /* the matcher's threshold */
	int converged;
	/* The real scoring (matcher_score) over all documents. */
	double cur_recall, cur_far;     /* current weights at the pack threshold */
	double fit_recall, fit_far;     /* fitted weights at the pack threshold */
	double suggested;               /* threshold meeting target_far with fitted weights */
	double sug_recall, sug_far;     /* fitted weights at the suggested threshold */
	/* k-fold cross-validation: fit, map and choose the threshold on k-1
	 * folds, count on the held-out one; counts pooled over folds. */
	int folds;
	double cv_recall, cv_far;
};

/* Fits an L2-regularised logistic regression of the label on the scored
 * rules' firings (Newton's method), maps coefficients to pack weights so the
 * fitted decision boundary lands at the pack threshold (clipped to -10..10;
 * context rules <= 0, others >= 0; rounded to 0.01), and measures them with
 * the pack's real scoring. Needs at least one document of each label and at
 * least opts->folds documents. Fills rep (matcher_fit_report_release) and
 * returns 0, or -1 with err set. */
int matcher_fit(const struct matcher_fit_data *d, const struct matcher_fit_options *opts,
		struct matcher_fit_report *rep, struct lw_error *err);
void matcher_fit_report_release(struct matcher_fit_report *rep);

/* Writes rep's fitted weights as a weights file for `[pack] weights = FILE`
 * (written to a temporary file, then renamed over path). what describes the
 * labelled data for the file's header comment. Returns 0 or -1 with err. */
int matcher_fit_write(const struct matcher *m, const struct matcher_fit_report *rep,
		      const struct matcher_fit_options *opts, const char *what,
		      const char *path, struct lw_error *err);

#endif

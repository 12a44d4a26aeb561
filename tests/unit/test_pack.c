/* SPDX-License-Identifier: MIT */
/* Rule-pack parsing: every mistake an analyst can make gives "file:line:
 * reason", compile errors name the rule's line, and no rule file crashes. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../matcher/matcher.h"
#include "test_fs.h"

static char tmpdir[] = "/tmp/lw-test-pack.XXXXXX";

/* ---- helpers -------------------------------------------------------------- */

/* Writes len bytes to tmpdir/name and returns the path in a static buffer. */
static const char *write_bytes(const char *name, const char *data, size_t len)
{
	static char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const char *write_file(const char *name, const char *text)
{
	return write_bytes(name, text, strlen(text));
}

static void make_dir(const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	rm_rf(path);
	assert_int_equal(mkdir(path, 0700), 0);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected \"%s\" in message \"%s\"", needle, hay);
}

/* Loads text as t.rules and expects failure whose message holds every
 * non-NULL needle. */
static void expect_load_error(const char *text, const char *n1, const char *n2, const char *n3)
{
	const char *path = write_file("t.rules", text);
	struct lw_error err;
	struct matcher_pack *pack;

	memset(&err, 0, sizeof(err));
	pack = matcher_pack_load(path, &err);
	if (pack) {
		matcher_pack_free(pack);
		fail_msg("pack loaded, wanted an error with \"%s\":\n%s", n1, text);
	}
	assert_contains(err.msg, n1);
	if (n2)
		assert_contains(err.msg, n2);
	if (n3)
		assert_contains(err.msg, n3);
}

static struct matcher_pack *load_ok(const char *path)
{
	struct lw_error err;
	struct matcher_pack *pack;

	memset(&err, 0, sizeof(err));
	pack = matcher_pack_load(path, &err);
	if (!pack)
		fail_msg("cannot load %s: %s", path, err.msg);
	return pack;
}

static struct matcher_pack *load_text_ok(const char *text)
{
	return load_ok(write_file("t.rules", text));
}

static const struct matcher_rule *find_rule(const struct matcher_pack *pack, const char *id)
{
	for (size_t i = 0; i < matcher_pack_rule_count(pack); i++)
		if (strcmp(matcher_pack_rule(pack, i)->id, id) == 0)
			return matcher_pack_rule(pack, i);
	fail_msg("no rule '%s' in pack", id);
	return NULL;
}

/* A complete valid rule, to which tests add one broken line. */
#define RULE_A "[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /abc/\n"

/* ---- key and section errors ----------------------------------------------- */

static void test_unknown_key(void **state)
{
	(void)state;
	expect_load_error(RULE_A "colour = red\n", "t.rules:6:", "unknown key 'colour'", NULL);
	expect_load_error("[term t]\npattern = /x/\ncategory = fee_debt\n", "t.rules:3:",
			  "unknown key 'category'", NULL);
	expect_load_error("[pack]\nnmae = x\n" RULE_A, "t.rules:2:", "unknown key 'nmae'", NULL);
}

static void test_duplicate_id(void **state)
{
	(void)state;
	/* The message names the second definition and where the first was. */
	expect_load_error(RULE_A "\n[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /x/\n",
			  "t.rules:7:", "duplicate id 'a'", "t.rules:1");
	expect_load_error(RULE_A "[term a]\npattern = /x/\n", "t.rules:6:", "duplicate id 'a'",
			  "t.rules:1");
}

static void test_missing_required(void **state)
{
	(void)state;
	expect_load_error("[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\n",
			  "t.rules:1:", "rule 'a' has no pattern", NULL);
	expect_load_error("[term t]\ndescription = d\n" RULE_A, "t.rules:1:", "term 't' has no pattern",
			  NULL);
	expect_load_error("[rule a]\nweight = 1\ndescription = d\npattern = /abc/\n", "t.rules:1:",
			  "no category", NULL);
	expect_load_error("[rule a]\ncategory = fee_debt\ndescription = d\npattern = /abc/\n",
			  "t.rules:1:", "no weight", NULL);
	expect_load_error("[rule a]\ncategory = fee_debt\nweight = 1\npattern = /abc/\n",
			  "t.rules:1:", "no description", NULL);
	/* Errors of a later rule carry its own line. */
	expect_load_error(RULE_A "\n[rule b]\ncategory = fee_debt\nweight = 2\npattern = /x/\n",
			  "t.rules:7:", "rule 'b' has no description", NULL);
}

static void test_category_and_weight(void **state)
{
	struct matcher_pack *pack;

	(void)state;
	expect_load_error("[rule a]\ncategory = fees\nweight = 1\ndescription = d\npattern = /abc/\n",
			  "t.rules:2:", "unknown category 'fees'", NULL);
	/* adhoc is the command line's category, not the pack's */
	expect_load_error("[rule a]\ncategory = adhoc\nweight = 1\ndescription = d\npattern = /abc/\n",
			  "t.rules:2:", "unknown category 'adhoc'", NULL);
	expect_load_error("[rule a]\ncategory = fee_debt\nweight = heavy\ndescription = d\npattern = /abc/\n",
			  "t.rules:3:", "bad weight 'heavy'", NULL);
	expect_load_error("[rule a]\ncategory = fee_debt\nweight = 11\ndescription = d\npattern = /abc/\n",
			  "t.rules:3:", "bad weight '11'", NULL);
	expect_load_error("[rule a]\ncategory = fee_debt\nweight = 2x\ndescription = d\npattern = /abc/\n",
			  "t.rules:3:", "bad weight '2x'", NULL);
	expect_load_error("[rule a]\ncategory = fee_debt\nweight = -1\ndescription = d\npattern = /abc/\n",
			  "t.rules:1:", "negative weights are only for category 'context'", NULL);
	pack = load_text_ok("[rule a]\ncategory = context\nweight = -2.5\ndescription = d\npattern = /abc/\n");
	assert_int_equal(find_rule(pack, "a")->category, MATCHER_CAT_CONTEXT);
	assert_true(find_rule(pack, "a")->weight == -2.5);
	matcher_pack_free(pack);
}

/* NaN is not "a number from -10 to 10" nor a positive threshold: as a
 * weight it poisons every score, as a threshold nothing is ever flagged. */
static void test_nan_refused(void **state)
{
	(void)state;
	expect_load_error("[rule a]\ncategory = fee_debt\nweight = nan\ndescription = d\npattern = /abc/\n",
			  "t.rules:3:", "bad weight 'nan'", NULL);
	expect_load_error("[pack]\nthreshold = nan\n" RULE_A, "t.rules:2:", "bad threshold 'nan'", NULL);
}

static void test_combinations(void **state)
{
	const char *terms = "[term x]\npattern = /xx/\n[term y]\npattern = /yy/\n";
	char buf[1024];
	struct matcher_pack *pack;

	(void)state;
	snprintf(buf, sizeof(buf), "%s[rule c]\ncategory = fee_debt\nweight = 1\ndescription = d\n"
		 "combine = x & nosuch\n", terms);
	expect_load_error(buf, "t.rules:9:", "unknown rule 'nosuch'", NULL);
	snprintf(buf, sizeof(buf), "%s[rule c]\ncategory = fee_debt\nweight = 1\ndescription = d\n"
		 "combine = x & !y\n[rule c2]\ncategory = fee_debt\nweight = 1\ndescription = d\n"
		 "combine = c | y\n", terms);
	expect_load_error(buf, "t.rules:14:", "'c', itself a combination", NULL);
	snprintf(buf, sizeof(buf), "%s[rule c]\ncategory = fee_debt\nweight = 1\ndescription = d\n"
		 "combine = !x\n", terms);
	expect_load_error(buf, "t.rules:9:", "true when nothing matches", NULL);
	snprintf(buf, sizeof(buf), "%s[rule c]\ncategory = fee_debt\nweight = 1\ndescription = d\n"
		 "combine = x | !y\n", terms);
	expect_load_error(buf, "t.rules:9:", "true when nothing matches", NULL);
	snprintf(buf, sizeof(buf), "%s[rule c]\ncategory = fee_debt\nweight = 1\ndescription = d\n"
		 "combine = (x & y\n", terms);
	expect_load_error(buf, "t.rules:9:", "missing ')'", NULL);
	snprintf(buf, sizeof(buf), "%s[rule c]\ncategory = fee_debt\nweight = 1\ndescription = d\n"
		 "pattern = /abc/\ncombine = x & y\n", terms);
	expect_load_error(buf, "t.rules:10:", "both pattern and combine", NULL);
	/* A combination may name a later rule, and parses with && and ||. */
	snprintf(buf, sizeof(buf), "[rule c]\ncategory = fee_debt\nweight = 1\ndescription = d\n"
		 "combine = (x || z) && !y\n%s[term z]\npattern = /zz/\n", terms);
	pack = load_text_ok(buf);
	assert_string_equal(find_rule(pack, "c")->combine, "(x || z) && !y");
	assert_int_equal(find_rule(pack, "c")->npatterns, 0);
	matcher_pack_free(pack);
}

static void test_bad_section(void **state)
{
	(void)state;
	expect_load_error("[rules a]\npattern = /x/\n", "t.rules:1:", "bad section '[rules a]'", NULL);
	expect_load_error(RULE_A "[rule]\n", "t.rules:6:", "bad section", NULL);
	expect_load_error(RULE_A "[rule b c]\n", "t.rules:6:", "bad section", NULL);
	expect_load_error(RULE_A "[rule 9lives]\n", "t.rules:6:", "bad id '9lives'", NULL);
	expect_load_error(RULE_A "[rule has-dash]\n", "t.rules:6:", "bad id 'has-dash'", NULL);
	expect_load_error(RULE_A "[pack]\nname = x\n[pack]\nname = y\n", "t.rules:8:",
			  "only one [pack]", NULL);
	/* a line that is neither */
	expect_load_error(RULE_A "just some words\n", "t.rules:6:", "cannot parse line", NULL);
}

static void test_key_outside_section(void **state)
{
	(void)state;
	expect_load_error("# comment\ncategory = fee_debt\n" RULE_A, "t.rules:2:",
			  "key 'category' outside any", NULL);
	/* After a broken section the keys are not blamed on the previous rule. */
	expect_load_error(RULE_A "[rulez b]\ncategory = nosuch\n", "t.rules:6:", "bad section", NULL);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_line_length(void **state)
{
	char buf[2048];
	char *d;
	const size_t prefix = strlen("description = ");

	(void)state;
	/* 200 characters: refused, with a hint about continuation lines. */
	d = repeat('d', 200 - prefix);
	snprintf(buf, sizeof(buf), "[rule a]\ncategory = fee_debt\nweight = 1\ndescription = %s\n"
		 "pattern = /abc/\n", d);
	free(d);
	expect_load_error(buf, "t.rules:4:", "line longer than", "indented");
}

static void test_line_length_199(void **state)
{
	char buf[2048];
	char *d;
	const size_t prefix = strlen("description = ");
	struct matcher_pack *pack;

	(void)state;
	/* 199 characters is the documented maximum: accepted, also as the last
	 * line without a newline. */
	d = repeat('d', 199 - prefix);
	snprintf(buf, sizeof(buf), "[rule a]\ncategory = fee_debt\nweight = 1\npattern = /abc/\n"
		 "description = %s", d);
	pack = load_text_ok(buf);
	assert_string_equal(find_rule(pack, "a")->description, d);
	matcher_pack_free(pack);
	snprintf(buf, sizeof(buf), "[rule a]\ncategory = fee_debt\nweight = 1\ndescription = %s\n"
		 "pattern = /abc/\n", d);
	pack = load_text_ok(buf);
	assert_string_equal(find_rule(pack, "a")->description, d);
	matcher_pack_free(pack);
	free(d);
}

static void test_continuation_lines(void **state)
{
	struct matcher_pack *pack;
	const struct matcher_rule *r;

	(void)state;
	pack = load_text_ok("[rule a]\n"
			    "category = fee_debt\n"
			    "weight = 1\n"
			    "description = first half\n"
			    "  second half\n"
			    "pattern = /\\b(?:placement|recruitment)\n"
			    "    \\s+fees?\\b/\n"
			    "pattern = /second/\n"
			    "example = A placement fee\n"
			    "\tis payable.\n"
			    "example = pay the recruitment fees\n"
			    "counterexample = we never\n"
			    " charge fees\n"
			    "lang = en\n"
			    "source = ILO ; a comment after whitespace\n");
	r = find_rule(pack, "a");
	assert_string_equal(r->description, "first half second half");
	assert_int_equal(r->npatterns, 2);
	assert_string_equal(r->patterns[0], "/\\b(?:placement|recruitment)\\s+fees?\\b/");
	assert_string_equal(r->patterns[1], "/second/");
	assert_int_equal(r->nexamples, 2);
	assert_string_equal(r->examples[0], "A placement fee is payable.");
	assert_int_equal(r->example_lines[0], 9);
	assert_string_equal(r->examples[1], "pay the recruitment fees");
	assert_int_equal(r->example_lines[1], 11);
	assert_int_equal(r->ncounterexamples, 1);
	assert_string_equal(r->counterexamples[0], "we never charge fees");
	assert_int_equal(r->counterexample_lines[0], 12);
	assert_string_equal(r->lang, "en");
	assert_string_equal(r->source, "ILO");
	assert_int_equal(r->line, 1);
	assert_int_equal(r->is_term, 0);
	assert_null(r->combine);
	matcher_pack_free(pack);
}

static void test_pattern_errors(void **state)
{
	(void)state;
	expect_load_error("[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /abc/x\n",
			  "t.rules:5:", "unknown pattern flag 'x'", NULL);
	expect_load_error("[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = //\n",
			  "t.rules:5:", "empty pattern", NULL);
	expect_load_error("[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern =\n",
			  "t.rules:5:", "empty pattern", NULL);
	expect_load_error("[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /abc\n",
			  "t.rules:5:", "no closing '/'", NULL);
	/* the second pattern's own line */
	expect_load_error("[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /ok/\n"
			  "pattern = /bad/q\n", "t.rules:6:", "flag 'q'", NULL);
}

static void test_pattern_forms(void **state)
{
	struct matcher_pack *pack;
	const struct matcher_rule *r;

	(void)state;
	pack = load_text_ok("[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\n"
			    "pattern = /a.b/smi\npattern = bare\\s+regex\n"
			    "pattern = /semi\\x3b colon/\n");
	r = find_rule(pack, "a");
	assert_int_equal(r->npatterns, 3);
	assert_string_equal(r->patterns[0], "/a.b/smi");
	assert_string_equal(r->patterns[1], "bare\\s+regex");
	assert_string_equal(r->patterns[2], "/semi\\x3b colon/");
	matcher_pack_free(pack);
}

/* ---- packs of several files, [pack], missing files -------------------------- */

static void test_folder_pack(void **state)
{
	struct matcher_pack *pack;
	char path[4096];
	struct lw_error err;

	(void)state;
	make_dir("folder");
	/* written out of order: name order decides */
	write_file("folder/20-b.rules", "[rule b]\ncategory = documents\nweight = 2\ndescription = d\n"
		   "pattern = /bbb/\n");
	write_file("folder/10-a.rules", "[pack]\nname = multi\n\n[rule a]\ncategory = fee_debt\n"
		   "weight = 1\ndescription = d\npattern = /aaa/\n[term t]\npattern = /ttt/\n");
	write_file("folder/notes.txt", "[rule ignored\n");
	write_file("folder/.hidden.rules", "garbage\n");
	snprintf(path, sizeof(path), "%s/folder", tmpdir);
	pack = load_ok(path);
	assert_int_equal(matcher_pack_rule_count(pack), 3);
	assert_string_equal(matcher_pack_rule(pack, 0)->id, "a");
	assert_string_equal(matcher_pack_rule(pack, 1)->id, "t");
	assert_int_equal(matcher_pack_rule(pack, 1)->is_term, 1);
	assert_string_equal(matcher_pack_rule(pack, 2)->id, "b");
	assert_non_null(strstr(matcher_pack_rule(pack, 0)->file, "10-a.rules"));
	assert_int_equal(matcher_pack_rule(pack, 0)->line, 4);
	assert_non_null(strstr(matcher_pack_rule(pack, 2)->file, "20-b.rules"));
	assert_int_equal(matcher_pack_rule(pack, 2)->line, 1);
	assert_string_equal(matcher_pack_name(pack), "multi");
	assert_int_equal(strlen(matcher_pack_hash(pack)), 64);
	matcher_pack_free(pack);

	/* a combination may use a term from another file */
	write_file("folder/30-c.rules", "[rule c]\ncategory = fee_debt\nweight = 1\ndescription = d\n"
		   "combine = t & !b\n");
	pack = load_ok(path);
	assert_int_equal(matcher_pack_rule_count(pack), 4);
	matcher_pack_free(pack);

	/* duplicate id across files names both files */
	write_file("folder/30-c.rules", "\n\n[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\n"
		   "pattern = /x/\n");
	memset(&err, 0, sizeof(err));
	pack = matcher_pack_load(path, &err);
	assert_null(pack);
	assert_contains(err.msg, "30-c.rules:3:");
	assert_contains(err.msg, "duplicate id 'a'");
	assert_contains(err.msg, "10-a.rules:4");

	/* errors in two files are both reported, each with its own file */
	write_file("folder/30-c.rules", "[rule c]\ncategory = nope\nweight = 1\ndescription = d\n"
		   "pattern = /x/\n");
	write_file("folder/20-b.rules", "[rule b]\ncategory = documents\nweight = 20\ndescription = d\n"
		   "pattern = /bbb/\n");
	pack = matcher_pack_load(path, &err);
	assert_null(pack);
	assert_contains(err.msg, "20-b.rules:3: bad weight '20'");
	assert_contains(err.msg, "30-c.rules:2: unknown category 'nope'");

	/* an empty folder */
	make_dir("empty");
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	pack = matcher_pack_load(path, &err);
	assert_null(pack);
	assert_contains(err.msg, "no .rules files");
}

static void test_pack_section(void **state)
{
	struct matcher_pack *pack;

	(void)state;
	pack = load_text_ok("[pack]\nname = test pack\nversion = 2026.1.2\ndescription = for tests\n"
			    "threshold = 4.5\n\n" RULE_A);
	assert_string_equal(matcher_pack_name(pack), "test pack");
	assert_string_equal(matcher_pack_version(pack), "2026.1.2");
	assert_true(matcher_pack_threshold(pack) == 4.5);
	assert_int_equal(matcher_pack_rule_count(pack), 1);
	matcher_pack_free(pack);

	pack = load_text_ok(RULE_A);
	assert_string_equal(matcher_pack_name(pack), "");
	assert_string_equal(matcher_pack_version(pack), "");
	assert_true(matcher_pack_threshold(pack) == MATCHER_DEFAULT_THRESHOLD);
	matcher_pack_free(pack);

	expect_load_error("[pack]\nthreshold = -1\n" RULE_A, "t.rules:2:", "bad threshold '-1'", NULL);
	expect_load_error("[pack]\nthreshold = six\n" RULE_A, "t.rules:2:", "bad threshold 'six'", NULL);
	/* a pack without rules is an error */
	expect_load_error("[pack]\nname = empty\n", "defines no rules", NULL, NULL);
}

static void test_missing_file(void **state)
{
	struct lw_error err;
	struct matcher_pack *pack;
	char path[4096];

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.rules", tmpdir);
	memset(&err, 0, sizeof(err));
	pack = matcher_pack_load(path, &err);
	assert_null(pack);
	assert_contains(err.msg, "does-not-exist.rules");
	assert_contains(err.msg, "No such file");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\0x\npattern = /abc/\n";

	(void)state;
	write_bytes("t.rules", text, sizeof(text) - 1);
	{
		struct lw_error err;
		char path[4096];
		struct matcher_pack *pack;

		snprintf(path, sizeof(path), "%s/t.rules", tmpdir);
		pack = matcher_pack_load(path, &err);
		assert_null(pack);
		assert_contains(err.msg, "t.rules:4:");
		assert_contains(err.msg, "NUL");
	}
}

/* ---- compile-time errors ------------------------------------------------------ */

static void expect_compile_error(const char *text, const char *n1, const char *n2, const char *n3)
{
	struct matcher_options opts = { "", -1 };
	struct lw_error err;
	struct matcher_pack *pack = load_text_ok(text);
	struct matcher *m;

	memset(&err, 0, sizeof(err));
	m = matcher_compile(pack, &opts, &err);
	if (m) {
		matcher_free(m);
		fail_msg("pack compiled, wanted an error with \"%s\":\n%s", n1, text);
	}
	assert_contains(err.msg, n1);
	if (n2)
		assert_contains(err.msg, n2);
	if (n3)
		assert_contains(err.msg, n3);
}

static void test_compile_errors(void **state)
{
	(void)state;
	expect_compile_error(RULE_A "pattern = /(ab)\\1/\n", "t.rules:6:", "rule 'a'",
			     "back-references nor look-around");
	expect_compile_error(RULE_A "pattern = /foo(?=bar)/\n", "t.rules:6:", "rule 'a'",
			     "back-references nor look-around");
	expect_compile_error(RULE_A "pattern = /foo(?!bar)/\n", "t.rules:6:",
			     "back-references nor look-around", NULL);
	expect_compile_error(RULE_A "pattern = /(?<=x)foo/\n", "t.rules:6:",
			     "back-references nor look-around", NULL);
	expect_compile_error(RULE_A "pattern = /(?<!x)foo/\n", "t.rules:6:",
			     "back-references nor look-around", NULL);
	/* Hyperscan's own message, with the rule's file:line */
	expect_compile_error(RULE_A "pattern = /(abc/\n", "t.rules:6:", "rule 'a'",
			     "Missing close parenthesis");
	expect_compile_error(RULE_A "pattern = /a{2,1}/\n", "t.rules:6:", "Invalid repeat", NULL);
	/* in a term, and in a later file of a folder */
	expect_compile_error(RULE_A "\n[term t]\npattern = /ok/\npattern = /[z-a]/\n", "t.rules:9:",
			     "term 't'", NULL);
	expect_compile_error("[term t]\npattern = /x(\\2)/\n" RULE_A, "t.rules:2:", "term 't'", NULL);
}

static void test_compile_ok_and_adhoc(void **state)
{
	struct matcher_options opts = { "", -1 };
	struct lw_error err;
	struct matcher_pack *pack = load_text_ok(RULE_A);
	struct matcher *m;
	const char *hash_before;
	char saved[65];

	(void)state;
	hash_before = matcher_pack_hash(pack);
	snprintf(saved, sizeof(saved), "%s", hash_before);
	assert_int_equal(matcher_pack_add_adhoc(pack, "e1", "/extra/", &err), 0);
	/* the hash names the exact rules: an ad-hoc pattern changes it */
	assert_string_not_equal(matcher_pack_hash(pack), saved);
	assert_int_equal(matcher_pack_add_adhoc(pack, "e1", "/again/", &err), -1);
	assert_contains(err.msg, "e1");
	assert_int_equal(matcher_pack_add_adhoc(pack, "e2", "/bad/z", &err), -1);
	assert_contains(err.msg, "flag 'z'");
	assert_int_equal(matcher_pack_rule_count(pack), 2);
	assert_int_equal(matcher_pack_rule(pack, 1)->category, MATCHER_CAT_ADHOC);
	m = matcher_compile(pack, &opts, &err);
	if (!m)
		fail_msg("compile: %s", err.msg);
	assert_int_equal(matcher_from_cache(m), 0);
	assert_true(matcher_threshold(m) == MATCHER_DEFAULT_THRESHOLD);
	matcher_free(m);

	pack = matcher_pack_new();
	assert_int_equal(matcher_pack_add_adhoc(pack, "e1", "(a)\\1", &err), 0);
	m = matcher_compile(pack, &opts, &err);
	assert_null(m);
	assert_contains(err.msg, "<command line>");
	assert_contains(err.msg, "back-references nor look-around");
}

/* ---- never a crash ---------------------------------------------------------------- */

static const char fuzz_base[] =
	"[pack]\nname = fuzz\nversion = 1\nthreshold = 3\n\n"
	"[term passport]\npattern = /\\bpass?ports?\\b/\npattern = /\\bids?\\b/\n\n"
	"[term safe]\npattern = /never\\s+(?:\\w+\\s+){0,3}keep/\n\n"
	"[rule keep_docs]\ncategory = documents\nweight = 2.5\ndescription = keeps passports\n"
	"pattern = /\\bwe\\s+(?:keep|hold)\\s+(?:your\\s+)?pass?ports?\\b/i\n"
	"pattern = /papers\\s+(?:are\\s+)?kept$/m\nexample = we keep your passport\n"
	"counterexample = we never keep it\nlang = en\n\n"
	"[rule combo]\ncategory = documents\nweight = 1\ndescription = combo\n"
	"combine = (passport | keep_docs) & !safe\n\n"
	"[rule ctx]\ncategory = context\nweight = -1.5\ndescription = news\n"
	"pattern = /\\breport(?:ed|s)?\\b\n  \\s+on/\n";

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	/* xorshift64*: the same sequence on every run */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static size_t mutate(char *buf, size_t len, size_t cap)
{
	static const char interesting[] = "[]=/\\()!&|#;\n \t{}*+?^$.,0123456789-_x\x01\xc3\xa9\xff";
	int nmut = 1 + (int)(next_rand() % 3);

	for (int k = 0; k < nmut; k++) {
		size_t pos = len ? next_rand() % len : 0;

		switch (next_rand() % 12) {
		case 0: /* replace a byte */
			if (len)
				buf[pos] = interesting[next_rand() % (sizeof(interesting) - 1)];
			break;
		case 1: /* insert a byte */
			if (len + 1 < cap) {
				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = interesting[next_rand() % (sizeof(interesting) - 1)];
				len++;
			}
			break;
		case 2: { /* delete a span */
			size_t n = 1 + next_rand() % 12;

			if (pos + n > len)
				n = len - pos;
			memmove(buf + pos, buf + pos + n, len - pos - n);
			len -= n;
			break;
		}
		case 3: { /* duplicate a span */
			size_t n = 1 + next_rand() % 40;

			if (pos + n > len)
				n = len - pos;
			if (len + n < cap) {
				memmove(buf + pos + n, buf + pos, len - pos);
				len += n;
			}
			break;
		}
		case 4: /* truncate */
			len = pos;
			break;
		case 5: /* random byte, NUL included */
		case 6:
		case 7:
			if (len)
				buf[pos] = (char)(next_rand() & 0xff);
			break;
		case 8: /* swap a byte with its neighbour */
		case 9:
			if (pos + 1 < len) {
				char t = buf[pos];

				buf[pos] = buf[pos + 1];
				buf[pos + 1] = t;
			}
			break;
		case 10:
			break;
		default: { /* a long run of one character */
			size_t n = 150 + next_rand() % 120;
			char c = interesting[next_rand() % (sizeof(interesting) - 1)];

			if (len + n < cap) {
				memmove(buf + pos + n, buf + pos, len - pos);
				memset(buf + pos, c, n);
				len += n;
			}
			break;
		}
		}
	}
	return len;
}

static void test_fuzz_never_crashes(void **state)
{
	struct matcher_options opts = { "", -1 };
	char buf[4096];
	char path[4096];
	int loaded = 0, compiled = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/fuzz.rules", tmpdir);
	/* the unmutated base must be valid, or the fuzzing proves little */
	{
		struct lw_error err;
		struct matcher_pack *pack;
		struct matcher *m;

		write_bytes("fuzz.rules", fuzz_base, sizeof(fuzz_base) - 1);
		pack = load_ok(path);
		m = matcher_compile(pack, &opts, &err);
		if (!m)
			fail_msg("base does not compile: %s", err.msg);
		matcher_free(m);
	}
	for (int iter = 0; iter < 400; iter++) {
		size_t len = sizeof(fuzz_base) - 1;
		struct lw_error err;
		struct matcher_pack *pack;
		struct matcher *m;

		memcpy(buf, fuzz_base, len);
		len = mutate(buf, len, sizeof(buf));
		write_bytes("fuzz.rules", buf, len);
		memset(&err, 0, sizeof(err));
		pack = matcher_pack_load(path, &err);
		if (!pack) {
			if (err.msg[0] == '\0')
				fail_msg("iteration %d: load failed without a message", iter);
			continue;
		}
		loaded++;
		memset(&err, 0, sizeof(err));
		m = matcher_compile(pack, &opts, &err);
		if (!m) {
			if (err.msg[0] == '\0')
				fail_msg("iteration %d: compile failed without a message", iter);
			continue;
		}
		compiled++;
		/* and the matcher it gave scans the mutated file itself */
		{
			struct matcher_scanner *sc = matcher_scanner_new(m, &err);
			struct matcher_result r;

			assert_non_null(sc);
			matcher_result_init(&r);
			assert_int_equal(matcher_scan(sc, buf, len, MATCHER_INPUT_TEXT, &r, &err), 0);
			for (size_t i = 0; i < r.nhits; i++)
				assert_true(r.hits[i].start < r.hits[i].end && r.hits[i].end <= len);
			matcher_result_release(&r);
			matcher_scanner_free(sc);
		}
		matcher_free(m);
	}
	print_message("fuzz: 400 mutated packs, %d loaded, %d compiled\n", loaded, compiled);
	/* the mutations must leave some packs intact, or the compiler is untested */
	assert_true(compiled > 10);
	assert_true(loaded < 400);
}

/* ---- main ---------------------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_duplicate_id),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_category_and_weight),
		cmocka_unit_test(test_nan_refused),
		cmocka_unit_test(test_combinations),
		cmocka_unit_test(test_bad_section),
		cmocka_unit_test(test_key_outside_section),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_line_length_199),
		cmocka_unit_test(test_continuation_lines),
		cmocka_unit_test(test_pattern_errors),
		cmocka_unit_test(test_pattern_forms),
		cmocka_unit_test(test_folder_pack),
		cmocka_unit_test(test_pack_section),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_compile_ok_and_adhoc),
		cmocka_unit_test(test_fuzz_never_crashes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

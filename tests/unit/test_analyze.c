/* SPDX-License-Identifier: MIT */
/* matcher_analyze against the three calls it replaces (matcher_scan,
 * entities_extract, matcher_simhash of the text with contacts blanked):
 * the same score, hits, entities and fingerprint on the default pack's
 * examples, contact-heavy ads, HTML and random obfuscated text; and the
 * thread pool against one scanner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../matcher/matcher.h"

struct fixture {
	struct matcher *m;
	char **texts;
	size_t n, cap;
	size_t nreal;           /* texts before the random ones */
};

static void add_text(struct fixture *fx, const char *t)
{
	if (fx->n == fx->cap) {
		fx->cap = fx->cap ? fx->cap * 2 : 256;
		fx->texts = realloc(fx->texts, fx->cap * sizeof(*fx->texts));
		assert_non_null(fx->texts);
	}
	fx->texts[fx->n] = strdup(t);
	assert_non_null(fx->texts[fx->n]);
	fx->n++;
}

/* Ads with contact details in the forms the entity tests cover. */
static const char *const contact_ads[] = {
	"Hiring cleaners for hotels abroad, good pay, free flight and housing provided. "
	"Call zero two one double five five zero one four two today or whatsapp +64 21 555 0133",
	"Easy job in Dubai, no experience, we keep your passport safe. Email recruit [at] jobs "
	"(dot) example dot com or telegram @fast_jobs_nz, only serious girls 18-25 apply now please",
	"ring 508 5five5 38four1 or 021 5five5 01four4 for the farm work, accommodation on site, "
	"deposit of 500 for the visa taken from first wages, transport arranged by the agency",
	"W h a t s a p p: O21 555 Ol2O. Nanny wanted, live in, family will hold documents, "
	"day off once a month, salary paid to agent, contact wechat: nz_nanny_88 or line id kiwi77",
	"Visit www.example-jobs.co.nz/apply or https://t.me/jobsabroad for the p@ssp0rt and v1sa "
	"help, m0ney sent home every month, hostess job in Macau, young girls wanted, 15-17 ok too",
	"Massage therapist wanted, high income, 0.2.1-5.5.5-0.1.3.3 text only, no questions, "
	"we arrange everything, travel with our team, 021 555 0133 same number whatsapp",
	"Bakery job, we train everyone on the job. (021) 555-0133 or 09 555 0101 weekdays. Ask "
	"for Sam at the counter, we are a family business in the city centre since 1990 thanks",
};

static const char *const html_ads[] = {
	"<html><head><title>Jobs abroad</title><script>var x='call 021 555 0199';</script></head>"
	"<body><h1>Work in Dubai</h1><p>Free flight, we hold your passport, pay after three "
	"months.</p><p>WhatsApp <b>+64 21 555 0133</b> or email jobs@example.com now</p></body></html>",
	"<div>Caf&eacute; staff wanted &mdash; live on site, no days off, debt for the flight "
	"repaid from wages. Tel: 021&nbsp;555&nbsp;0142</div>",
};

/* Pieces random text is built from: words, obfuscations, contacts, noise. */
static const char *const pieces[] = {
	"job", "abroad", "passport", "p@ssp0rt", "v1sa", "visa", "fee", "debt", "salary",
	"wh@tsapp", "w h a t s a p p", "telegram", "t.e.l.e.g.r.a.m", "021 555 0133",
	"zero two one", "double five", "five", "0.2.1-5.5.5", "+64 21 555 0142", "@jobs_nz",
	"jobs [at] example (dot) com", "www.example.com", "girls", "15-17", "free flight",
	"no days off", "we keep", "your documents", "\xd1\x80\xd0\xb0\xd1\x81\xd1\x81", "\n", "\n\n",
	", ", ". ", "!", "\xe2\x98\x8e", "\xf0\x9f\x93\xb1", "\xe2\x93\xaa\xe2\x91\xa1", "\xc3\xa9t\xc3\xa9",
	"c\xcc\x81", "\xef\xbc\x90\xef\xbc\x92\xef\xbc\x91", "\xe2\x80\x8b", "\xff", "\xc3",
	"hotel", "cleaner", "nanny", "live in", "transport", "agent", "wage", "month", "1500",
	"usd", "call", "text", "ph", "O21", "Ol2O", "viber", "wechat", "line id", "kiwi77",
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void add_random(struct fixture *fx, size_t count)
{
	size_t npieces = sizeof(pieces) / sizeof(pieces[0]);

	for (size_t k = 0; k < count; k++) {
		char buf[4096];
		size_t len = 0, words = 5 + rng() % 120;

		for (size_t w = 0; w < words; w++) {
			const char *p = pieces[rng() % npieces];
			size_t pl = strlen(p);

			if (len + pl + 2 >= sizeof(buf))
				break;
			memcpy(buf + len, p, pl);
			len += pl;
			if (rng() % 3)
				buf[len++] = ' ';
		}
		buf[len] = '\0';
		add_text(fx, buf);
	}
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct matcher_options opts = { NULL, -1 };
	struct matcher_pack *pack;
	struct lw_error err;
	const char *top = getenv("LW_TOP");
	char path[4096];

	if (!fx)
		return -1;
	snprintf(path, sizeof(path), "%s/rules", top && top[0] ? top : ".");
	pack = matcher_pack_load(path, &err);
	if (!pack || !(fx->m = matcher_compile(pack, &opts, &err))) {
		fprintf(stderr, "default pack: %s\n", err.msg);
		free(fx);
		return -1;
	}
	pack = (struct matcher_pack *)matcher_get_pack(fx->m);
	for (size_t i = 0; i < matcher_pack_rule_count(pack); i++) {
		const struct matcher_rule *r = matcher_pack_rule(pack, i);

		for (size_t j = 0; j < r->nexamples; j++)
			add_text(fx, r->examples[j]);
		for (size_t j = 0; j < r->ncounterexamples; j++)
			add_text(fx, r->counterexamples[j]);
	}
	for (size_t i = 0; i < sizeof(contact_ads) / sizeof(contact_ads[0]); i++)
		add_text(fx, contact_ads[i]);
	fx->nreal = fx->n;
	add_random(fx, 2000);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	for (size_t i = 0; i < fx->n; i++)
		free(fx->texts[i]);
	free(fx->texts);
	matcher_free(fx->m);
	free(fx);
	return 0;
}

/* What the three separate calls make of text: the old ingestion path. */
static void analyse_separately(struct matcher_scanner *sc, const char *text, size_t len, int kind,
			       struct matcher_analysis *a)
{
	struct lw_error err;
	char *blank;

	if (matcher_scan(sc, text, len, kind, &a->result, &err) < 0)
		fail_msg("matcher_scan: %s", err.msg);
	if (entities_extract(a->result.text, a->result.text_len, "NZ", &a->entities, &err) < 0)
		fail_msg("entities_extract: %s", err.msg);
	blank = malloc(a->result.text_len + 1);
	assert_non_null(blank);
	memcpy(blank, a->result.text, a->result.text_len);
	for (size_t i = 0; i < a->entities.n; i++)
		memset(blank + a->entities.v[i].start, ' ',
		       a->entities.v[i].end - a->entities.v[i].start);
	if (matcher_simhash(blank, a->result.text_len, &a->simhash, &err) < 0)
		fail_msg("matcher_simhash: %s", err.msg);
	free(blank);
}

/* Fails with the text when the two analyses differ in anything stored. */
static int assert_same(const char *text, const struct matcher_analysis *x,
		       const struct matcher_analysis *y, int exact_simhash)
{
	const struct matcher_result *a = &x->result, *b = &y->result;

	if (a->score != b->score || a->flagged != b->flagged || a->categories != b->categories ||
	    a->nhits != b->nhits || a->text_len != b->text_len)
		fail_msg("score or hits differ (%g/%zu vs %g/%zu) on \"%s\"", a->score, a->nhits,
			 b->score, b->nhits, text);
	for (size_t i = 0; i < a->nhits; i++)
		if (a->hits[i].rule != b->hits[i].rule || a->hits[i].start != b->hits[i].start ||
		    a->hits[i].end != b->hits[i].end)
			fail_msg("hit %zu differs on \"%s\"", i, text);
	if (x->entities.n != y->entities.n)
		fail_msg("%zu vs %zu entities on \"%s\"", x->entities.n, y->entities.n, text);
	for (size_t i = 0; i < x->entities.n; i++) {
		const struct entity *e = &x->entities.v[i], *f = &y->entities.v[i];

		if (e->kind != f->kind || e->start != f->start || e->end != f->end ||
		    strcmp(e->normalized, f->normalized))
			fail_msg("entity %zu differs on \"%s\"", i, text);
	}
	if (x->simhash != y->simhash && exact_simhash)
		fail_msg("simhash %016llx vs %016llx on \"%s\"", (unsigned long long)x->simhash,
			 (unsigned long long)y->simhash, text);
	return x->simhash == y->simhash;
}

/* Returns 1 when the fingerprints agree too. */
static int check_text(struct matcher_scanner *sc, const char *text, size_t len, int kind,
		      int exact_simhash)
{
	int same;
	struct matcher_analysis one, three;
	struct lw_error err;

	matcher_analysis_init(&one);
	matcher_analysis_init(&three);
	if (matcher_analyze(sc, text, len, kind, "NZ", &one, &err) < 0)
		fail_msg("matcher_analyze: %s", err.msg);
	analyse_separately(sc, text, len, kind, &three);
	same = assert_same(text, &one, &three, exact_simhash);
	matcher_analysis_release(&one);
	matcher_analysis_release(&three);
	return same;
}

static void test_same_as_separate_calls(void **state)
{
	struct fixture *fx = *state;
	struct lw_error err;
	struct matcher_scanner *sc = matcher_scanner_new(fx->m, &err);
	size_t with_contacts = 0, with_hash = 0, hash_differs = 0;

	assert_non_null(sc);
	for (size_t i = 0; i < fx->n; i++) {
		struct matcher_analysis a;

		/* Random obfuscation can glue a contact to its neighbours, so that
		 * blanking it first normalises them differently (a leetspeak run
		 * loses the letter on one side, spelled-apart letters lose a
		 * neighbour): there the fingerprints may differ, but only there. */
		hash_differs += !check_text(sc, fx->texts[i], strlen(fx->texts[i]),
					    MATCHER_INPUT_TEXT, i < fx->nreal);
		matcher_analysis_init(&a);
		assert_int_equal(matcher_analyze(sc, fx->texts[i], strlen(fx->texts[i]),
						 MATCHER_INPUT_TEXT, NULL, &a, &err), 0);
		with_contacts += a.entities.n > 0;
		with_hash += a.simhash != 0;
		matcher_analysis_release(&a);
	}
	for (size_t i = 0; i < sizeof(html_ads) / sizeof(html_ads[0]); i++)
		check_text(sc, html_ads[i], strlen(html_ads[i]), MATCHER_INPUT_HTML, 1);
	/* The comparison means something only if contacts were blanked often. */
	print_message("%zu texts (%zu random), %zu with contacts, %zu with a fingerprint, "
		      "%zu random ones fingerprinted differently\n", fx->n, fx->n - fx->nreal,
		      with_contacts, with_hash, hash_differs);
	assert_true(hash_differs * 10 < fx->n - fx->nreal);
	assert_true(with_contacts > fx->n / 4);
	assert_true(with_hash > fx->n / 4);
	matcher_scanner_free(sc);
}

/* Fingerprints are stored and compared with those of later ads, so the
 * hash must never drift: these values were computed by the one-shingle-
 * at-a-time loop that the four-lane hashing replaced. */
static void test_simhash_known_answers(void **state)
{
	static const struct { const char *text; uint64_t want; } cases[] = {
		{ "Cleaners wanted for hotels in the city centre, good pay, accommodation "
		  "provided, start next week, contact us today for details", 0x9bf0dc00bf52a4b1ULL },
		{ "\xd0\xa1\xd0\xbe\xd1\x82\xd1\x80\xd1\x83\xd0\xb4\xd0\xbd\xd0\xb8\xd0\xba\xd0\xb8 "
		  "\xd0\xbd\xd0\xb0 \xd1\x81\xd0\xba\xd0\xbb\xd0\xb0\xd0\xb4 \xd0\xb2 "
		  "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb5, "
		  "\xd0\xb6\xd0\xb8\xd0\xbb\xd1\x8c\xd1\x91 "
		  "\xd0\xbf\xd1\x80\xd0\xb5\xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd0\xb0\xd0\xb2\xd0\xbb\xd1\x8f\xd0\xb5\xd0\xbc, "
		  "\xd0\xb7\xd0\xb0\xd1\x80\xd0\xbf\xd0\xbb\xd0\xb0\xd1\x82\xd0\xb0 "
		  "\xd0\xba\xd0\xb0\xd0\xb6\xd0\xb4\xd1\x83\xd1\x8e "
		  "\xd0\xbd\xd0\xb5\xd0\xb4\xd0\xb5\xd0\xbb\xd1\x8e, "
		  "\xd0\xb7\xd0\xb2\xd0\xbe\xd0\xbd\xd0\xb8\xd1\x82\xd0\xb5 "
		  "\xd0\xbf\xd1\x80\xd1\x8f\xd0\xbc\xd0\xbe "
		  "\xd1\x81\xd0\xb5\xd0\xb9\xd1\x87\xd0\xb0\xd1\x81 "
		  "\xd0\xbf\xd0\xbe\xd0\xb6\xd0\xb0\xd0\xbb\xd1\x83\xd0\xb9\xd1\x81\xd1\x82\xd0\xb0 "
		  "\xd0\xb6\xd0\xb4\xd1\x91\xd0\xbc \xd0\xb2\xd0\xb0\xd1\x81 "
		  "\xd0\xb2\xd1\x81\xd0\xb5\xd1\x85", 0x0a2372d6f58ca476ULL },
	};
	char long_word[512];
	struct lw_error err;
	uint64_t h;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(matcher_simhash(cases[i].text, strlen(cases[i].text), &h, &err), 0);
		if (h != cases[i].want)
			fail_msg("case %zu: %016llx, want %016llx", i, (unsigned long long)h,
				 (unsigned long long)cases[i].want);
	}
	/* a word longer than the four-lane buffers: hashed one shingle at a time */
	memset(long_word, 'x', 300);
	long_word[300] = '\0';
	{
		char text[1024];

		snprintf(text, sizeof(text), "alpha beta gamma delta %s epsilon zeta eta theta iota "
			 "kappa lambda mu nu xi omicron pi rho", long_word);
		assert_int_equal(matcher_simhash(text, strlen(text), &h, &err), 0);
		if (h != 0x19448c4585c10a2aULL)
			fail_msg("long word: %016llx", (unsigned long long)h);
	}
}

static void test_errors(void **state)
{
	struct fixture *fx = *state;
	struct lw_error err;
	struct matcher_scanner *sc = matcher_scanner_new(fx->m, &err);
	struct matcher_analysis a;

	assert_non_null(sc);
	matcher_analysis_init(&a);
	assert_int_equal(matcher_analyze(sc, "call 021 555 0133", 17, MATCHER_INPUT_TEXT, "ZZ", &a,
					 &err), -1);
	assert_non_null(strstr(err.msg, "'ZZ'"));
	assert_int_equal(a.entities.n, 0);
	/* A scanner that failed once analyses the next text as if fresh. */
	assert_int_equal(matcher_analyze(sc, "call 021 555 0133", 17, MATCHER_INPUT_TEXT, "NZ", &a,
					 &err), 0);
	assert_int_equal(a.entities.n, 1);
	matcher_analysis_release(&a);
	matcher_scanner_free(sc);
}

/* Three threads on one batch give what one scanner gives, job for job, and
 * a second batch after the first reuses the same workers. */
static void test_pool(void **state)
{
	struct fixture *fx = *state;
	struct lw_error err;
	struct matcher_pool *p = matcher_pool_new(fx->m, 3, &err);
	struct matcher_scanner *sc = matcher_scanner_new(fx->m, &err);
	struct matcher_job *jobs = calloc(fx->n, sizeof(*jobs));

	assert_non_null(p);
	assert_non_null(sc);
	assert_non_null(jobs);
	assert_int_equal(matcher_pool_threads(p), 3);
	for (int round = 0; round < 2; round++) {
		size_t half = fx->n / 2, from = round ? half : 0, to = round ? fx->n : half;

		for (size_t i = from; i < to; i++) {
			jobs[i].text = fx->texts[i];
			jobs[i].len = strlen(fx->texts[i]);
			jobs[i].kind = MATCHER_INPUT_TEXT;
			jobs[i].region = i % 7 ? "NZ" : "ZZ";
			matcher_analysis_init(&jobs[i].a);
		}
		matcher_pool_submit(p, jobs + from, to - from);
		matcher_pool_wait(p);
		for (size_t i = from; i < to; i++) {
			struct matcher_analysis a;

			if (i % 7 == 0) {
				assert_int_equal(jobs[i].rc, -1);
				assert_non_null(strstr(jobs[i].err.msg, "'ZZ'"));
				continue;
			}
			assert_int_equal(jobs[i].rc, 0);
			matcher_analysis_init(&a);
			assert_int_equal(matcher_analyze(sc, jobs[i].text, jobs[i].len,
							 MATCHER_INPUT_TEXT, "NZ", &a, &err), 0);
			assert_same(jobs[i].text, &jobs[i].a, &a, 1);
			matcher_analysis_release(&a);
		}
	}
	for (size_t i = 0; i < fx->n; i++)
		matcher_analysis_release(&jobs[i].a);
	free(jobs);
	matcher_scanner_free(sc);
	matcher_pool_free(p);
	matcher_pool_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_separate_calls),
		cmocka_unit_test(test_simhash_known_answers),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_pool),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: MIT */
/* The candidate-driven entity finders against the reference ones
 * (matcher/entities_ref.c) on random documents built from contact details,
 * their obfuscations, keywords, number words and mixed scripts: the two
 * entity lists must agree in kind, span, normalised value and region.
 * Given file arguments (form-feed separated documents, as the benchmark
 * corpora are), it compares on their documents as well. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../matcher/entities.h"
#include "../../matcher/prepared.h"
#include "../../matcher/text.h"

/* The reference, declared here rather than through entities_ref.h, whose
 * renaming macros are for the reference's own files. */
int entities_extract_text_reference(const struct lw_text *t, const char *orig,
				    size_t orig_len, const char *default_region,
				    struct entity_list *out, struct lw_error *err);

/* ---- random documents ---------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

#define N(a) (sizeof(a) / sizeof(a[0]))

/* Ordinary ad prose, and the words that sit next to contact details. */
static const char *const words[] = {
	"we", "are", "hiring", "waitress", "for", "the", "summer", "in", "Dubai",
	"contact", "us", "on", "at", "passport", "visa", "job", "a", "I", "of", "to",
	"agency", "no", "experience", "call", "text", "me", "only", "or", "and", "id",
	"ID", "my", "number", "is", "phone", "mobile", "tel", "email", "mail", "site",
	"line", "Line", "LINE", "link", "lineup", "online", "we", "chat", "tele",
	"zalo", "Zalo", "viber", "Viber", "insta", "ig", "fb", "tiktok", "skype",
	"instagram", "facebook", "snapchat", "kakao", "twitter", "wa", "WA", "w.a",
	"zap", "tg", "t-g", "t.g", "vx", "weixin", "wechat", "WeChat", "we chat",
	"whatsapp", "WhatsApp", "whats app", "watsapp", "whatsup", "wassap",
	"telegram", "Telegram", "telegramm", "usa", "USA", "u.s.", "u.s.a",
	"new york", "Toronto", "canada", "California", "texas", "los angeles",
	"the", "lot", "oil", "oh", "one", "two", "three", "four", "five", "six",
	"seven", "eight", "nine", "zero", "too", "fore", "ate", "won", "plus",
	"double", "triple", "$1400", "€1.500", "3.25", "#4021", "100%", "2024-05-12",
	"12.05.2024", "5/12/24", "9am", "5pm", "20 kg", "$45", "age 18", "15-17",
	"id:", "ID:", "only:", "no call:", "(", ")", "[", "]", ":", ";", ",", ".",
	"!", "?", "/", "-", "_", "@", "+", "=", "&", "%", "*", "#", "$",
};

/* Contact details, plain and obfuscated, and things that look like them. */
static const char *const contacts[] = {
	"021 555 0178", "+64 21 555 0168", "+64215550168", "(021) 555-0178",
	"0491 570 156", "+61 491 570 156", "07700 900123", "+44 7700 900123",
	"(646) 555-0181", "646-555-0181", "1 646 555 0181", "+1 (6 4 6) 555 0181",
	"415 \xe2\x80\x93 555 0199", "o2l 555 Ol78", "0 2 1 5 5 5 0 1 7 8",
	"zero two one five five five zero one seven eight", "fivefive5 0178",
	"twoate9 555 0178", "021.555.0178", "021-555-0178", "021 555\n0178",
	"plus 64 21 555 0168", "+64 21 five five five 0168", "021 555 0178 2 people",
	"\xd1\x88\xd0\xb5\xd1\x81\xd1\x82\xd1\x8c-\xd0\xbd\xd0\xbe\xd0\xbb\xd1\x8c-"
	"\xd0\xbf\xd1\x8f\xd1\x82\xd1\x8c 555 0178", "\xd9\xa0\xd9\xa2\xd9\xa1 555 0178",
	"\xe0\xa5\xa6\xe0\xa5\xa8\xe0\xa5\xa7 555 0178",
	"\xe0\xb9\x90\xe0\xb9\x92\xe0\xb9\x91 555 0178",          /* Thai */
	"\xe0\xa7\xa6\xe0\xa7\xa8\xe0\xa7\xa7\xe0\xa7\xab\xe0\xa7\xab\xe0\xa7\xab 0178", /* Bengali */
	"\xe1\x81\x80\xe1\x81\x82\xe1\x81\x81 555 0178",          /* Myanmar */
	"\xf0\x90\x92\xa0\xf0\x90\x92\xa2 21 555 0178",            /* Osmanya */
	"\xea\xa3\x90\xea\xa3\x92 1 555 0178",                        /* Saurashtra */ "zero two one, five five five",
	"021 5550 178.5", "0215550178%", "$0215550178", "#0215550178", "/64215550168",
	"john@mail.com", "john.smith@example.co.nz", "jane[at]example(dot)com",
	"jane (at) example . com", "jane at example dot com", "the.smith.farm at example.net",
	"look at example.com", "jane{ at }mail[ dot ]com", "maria(arroba)correo(punto)es",
	"j@ne@x.com", "name@host", "a_b-c+d@sub.example.org", "x@y.z",
	"https://example.com/jobs?id=5", "http://www.example.net", "www.example.org/apply",
	"site.example/", "jobs.example.xyz", "example.com.", "wa.me/64215550168",
	"https://wa.me/64215550168", "api.whatsapp.com/send?phone=64215550168",
	"t.me/job_agent_nz", "https://t.me/joinchat/abc", "telegram.me/recruiter77",
	"line.me/R/ti/p/~jobthai", "line.me/ti/p/@safejob", "t . m e / jobagent77",
	"t.me / recruiter_nz", "@jobagent", "@ jobagent", "@job_agent.nz", "@ab",
	"@recruiter77.", "Telegram: @workabroad", "WeChat: nzjob88", "wechat id: nzjob",
	"LINE ID: safe.migration.th", "LINE : job thai _ nz", "Line only: jobthai",
	"Zalo ch\xe1\xbb\x8b Vy: nhat_ban . bay_nhanh", "vx, no call: wxid_abc123",
	"\xe5\xbe\xae\xe4\xbf\xa1: nzjob88", "\xe5\xbe\xae\xe4\xbf\xa1\xe5\x8f\xb7 abc_123",
	"\xe7\x94\xb5\xe6\x8a\xa5 @workabroad", "\xe0\xb9\x84\xe0\xb8\xa5\xe0\xb8\x99\xe0\xb9\x8c: jobthai",
	"\xec\x9d\xbc\xec\x9d\xb8 id safejob", "\xd1\x82\xd0\xb5\xd0\xbb\xd0\xb5\xd0\xb3\xd1\x80\xd0\xb0\xd0\xbc @nzjob",
	"\xd0\xb2\xd0\xb0\xd1\x82\xd1\x81\xd0\xb0\xd0\xbf 021 555 0178",
	"\xd9\x88\xd8\xa7\xd8\xaa\xd8\xb3 +64 21 555 0168", "viber: 021 555 0178",
	"021 555 0186 (WhatsApp)", "021 555 0186 / viber", "WhatsApp:\n021 555 0178",
	"\xf0\x9f\x87\xbc\xf0\x9f\x87\xa6 021 555 0178", "sydneyjob 7 7", "goldenbay _ h r",
	"w h a t s a p p", "t.e.l.e.g.r.a.m", "wh@tsapp 021 555 0178", "📞 021 555 0178",
	"☎️ +64 21 555 0168", "①②③", "𝟎𝟐𝟏 555 0178", "ＷＨＡＴＳＡＰＰ",
};

/* Scripts, emoji and broken bytes between them. */
static const char *const other[] = {
	"\xd0\xa0\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0 \xd0\xb7\xd0\xb0 \xd0\xb3\xd1\x80\xd0\xb0\xd0\xbd\xd0\xb8\xd1\x86\xd0\xb5\xd0\xb9",
	"\xe6\x8b\x9b\xe8\x81\x98\xe6\x9c\x8d\xe5\x8a\xa1\xe5\x91\x98", "\xe9\xab\x98\xe8\x96\xaa\xe3\x80\x82",
	"\xe0\xb8\xaa\xe0\xb8\xa7\xe0\xb8\xb1\xe0\xb8\xaa\xe0\xb8\x94\xe0\xb8\xb5",
	"\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4", "H\xe1\xbb\x99 chi\xe1\xba\xbfu", "Bogot\xc3\xa1",
	"\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1", "\xd0\xbe", "\xd1\x81\xd0\xbe\xd1\x80",
	"\xf0\x9f\x98\x8a", "\xf0\x9f\x94\xa5", "\xf0\x9f\x87\xbf\xf0\x9f\x87\xb3",
	"\xe2\x82\xac", "\xc2\xa3" "50", "\xe2\x80\x8b", "\xff", "\xc3", "\xe2\x80",
};

static const char *const seps[] = {
	" ", " ", " ", " ", "  ", "\n", "\n", "\n\n", ", ", ". ", ": ", " - ", " / ",
	"(", ")", "\t", "", "", ".", "-", "_",
};

static size_t add(char *doc, size_t len, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (len + n >= cap)
		return len;
	memcpy(doc + len, s, n);
	return len + n;
}

/* A document of up to cap - 1 bytes, as dense in contact details as mix
 * asks (0: prose with a few, 3: little else). */
static size_t random_doc(char *doc, size_t cap)
{
	size_t len = 0, pieces = 1 + rnd(80), i;
	uint32_t mix = rnd(4), r;

	for (i = 0; i < pieces; i++) {
		r = rnd(100);
		if (r < 70 - 15 * mix)
			len = add(doc, len, cap, words[rnd(N(words))]);
		else if (r < 92)
			len = add(doc, len, cap, contacts[rnd(N(contacts))]);
		else if (r < 99)
			len = add(doc, len, cap, other[rnd(N(other))]);
		else if (len + 1 < cap)
			doc[len++] = (char)rnd(256);       /* any byte, NUL too */
		len = add(doc, len, cap, seps[rnd(N(seps))]);
	}
	return len;
}

/* ---- comparison -------------------------------------------------------- */

static int same_entity(const struct entity *a, const struct entity *b)
{
	return a->kind == b->kind && a->start == b->start && a->end == b->end &&
	       !strcmp(a->normalized, b->normalized) &&
	       (a->region == b->region ||
		(a->region && b->region && !strcmp(a->region, b->region)));
}

static void print_list(const char *what, const struct entity_list *l, const char *doc)
{
	size_t i;

	fprintf(stderr, "%s: %zu entities\n", what, l->n);
	for (i = 0; i < l->n; i++)
		fprintf(stderr, "  %s [%zu,%zu) \"%.*s\" -> %s %s\n",
			entity_kind_name(l->v[i].kind), l->v[i].start, l->v[i].end,
			(int)(l->v[i].end - l->v[i].start), doc + l->v[i].start,
			l->v[i].normalized, l->v[i].region ? l->v[i].region : "");
}

/* Extracts with both and fails on the first difference; returns the count
 * of entities found. */
static size_t check_same(const char *doc, size_t len, const char *region, const char *what)
{
	struct entity_list fast, ref;
	struct lw_text t;
	struct lw_error e1, e2;
	size_t i, n;

	text_init(&t);
	entity_list_init(&fast);
	entity_list_init(&ref);
	if (text_normalize(doc, len, &t, &e1) < 0)
		fail_msg("%s: %s", what, e1.msg);
	if (entities_extract_text(&t, doc, len, region, &fast, &e1) < 0 ||
	    entities_extract_text_reference(&t, doc, len, region, &ref, &e2) < 0)
		fail_msg("%s: extraction failed", what);
	for (i = 0; i < fast.n && i < ref.n && same_entity(&fast.v[i], &ref.v[i]); i++)
		;
	if (i < fast.n || i < ref.n) {
		fprintf(stderr, "%s: lists differ at entity %zu; document:\n%.*s\n", what, i,
			(int)len, doc);
		print_list("fast", &fast, doc);
		print_list("reference", &ref, doc);
		fail_msg("%s: entity lists differ", what);
	}
	n = fast.n;
	entity_list_release(&fast);
	entity_list_release(&ref);
	text_release(&t);
	return n;
}

static void test_random(void **state)
{
	static const char *const regions[] = { "NZ", "NZ", "AU", "GB", "US", "VN" };
	char doc[6000], what[64];
	uint64_t seed;
	size_t len, found = 0;

	(void)state;
	for (seed = 1; seed <= 8000; seed++) {
		rng_state = seed * 0x9E3779B97F4A7C15ull;
		len = random_doc(doc, sizeof(doc));
		snprintf(what, sizeof(what), "seed %llu", (unsigned long long)seed);
		found += check_same(doc, len, regions[seed % N(regions)], what);
	}
	/* The generator must keep the finders busy, or the test proves little. */
	assert_true(found > 8000);
}

/* ---- the reach of the candidate windows ------------------------------------ */

static size_t repeat(char *doc, size_t len, size_t cap, const char *s, size_t n)
{
	while (n--)
		len = add(doc, len, cap, s);
	return len;
}

/* Addresses and hosts as long as the finders read, with every kind of
 * obfuscated dot between the atoms; and a document past ENTITIES_MAX,
 * where every finder stops at the same entity. */
static void test_edges(void **state)
{
	static const char *const dots[] = {
		".", " (dot) ", "  ( punto )  ", " dot ", "[.]", ". ", "{ ponto }", "<point>",
	};
	static const char *const ats[] = { "@", " (at) ", "  [ @ ]  ", " at ", "(arroba)" };
	static const size_t atom_lens[] = { 3, 19, 20, 21, 60, 63, 64, 65, 66 };
	static char doc[200000];
	char atom[80], what[64];
	size_t len, a, k, n, d, t, i, found = 0;

	(void)state;
	for (i = 0; i < N(atom_lens); i++) {
		n = atom_lens[i];
		memset(atom, 'x', n);
		atom[n] = '\0';
		atom[n / 2] = '7';
		for (d = 0; d < N(dots); d++)
			for (t = 0; t < N(ats); t++)
				for (a = 10; a <= 14; a++) {
					len = add(doc, 0, sizeof(doc), "mail ");
					for (k = 0; k < a; k++) {
						len = add(doc, len, sizeof(doc), atom);
						if (k + 1 < a)
							len = add(doc, len, sizeof(doc), dots[d]);
					}
					len = add(doc, len, sizeof(doc), ats[t]);
					len = add(doc, len, sizeof(doc), "example");
					len = add(doc, len, sizeof(doc), dots[d]);
					len = add(doc, len, sizeof(doc), "com now");
					snprintf(what, sizeof(what), "email n=%zu d=%zu t=%zu a=%zu", n, d, t, a);
					found += check_same(doc, len, "NZ", what);
				}
		for (k = 0; k < 4; k++) {
			len = add(doc, 0, sizeof(doc), k & 1 ? "see https://" : "see ");
			len = add(doc, len, sizeof(doc), k & 2 ? "www." : "");
			len = add(doc, len, sizeof(doc), atom);
			len = add(doc, len, sizeof(doc), ".example.com/path?q=1 and ");
			len = add(doc, len, sizeof(doc), atom);
			len = add(doc, len, sizeof(doc), ".nz.");
			snprintf(what, sizeof(what), "url n=%zu k=%zu", n, k);
			check_same(doc, len, "NZ", what);
		}
	}
	assert_true(found > 200);
	len = repeat(doc, 0, sizeof(doc), "call 021 555 0178 or a@b.co or t.me/agent_nz or ", 700);
	check_same(doc, len, "NZ", "over ENTITIES_MAX");
	len = repeat(doc, 0, sizeof(doc), "WhatsApp @jobagent telegram @recruit77 ", 1500);
	check_same(doc, len, "NZ", "handles over ENTITIES_MAX");
}

/* ---- corpora named on the command line -------------------------------------- */

static int nfiles;
static char **files;

static void test_files(void **state)
{
	char what[512];
	size_t len, pos, n, docs;
	FILE *f;
	char *buf;
	long size;
	int k;

	(void)state;
	for (k = 0; k < nfiles; k++) {
		f = fopen(files[k], "rb");
		assert_non_null(f);
		assert_int_equal(fseek(f, 0, SEEK_END), 0);
		size = ftell(f);
		assert_true(size >= 0);
		rewind(f);
		buf = malloc((size_t)size + 1);
		assert_non_null(buf);
		len = fread(buf, 1, (size_t)size, f);
		fclose(f);
		for (pos = 0, docs = 0; pos < len; pos += n + 1) {
			const char *e = memchr(buf + pos, '\f', len - pos);

			n = e ? (size_t)(e - buf - pos) : len - pos;
			snprintf(what, sizeof(what), "%s: document %zu", files[k], ++docs);
			check_same(buf + pos, n, "NZ", what);
		}
		free(buf);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_files),
	};

	nfiles = argc - 1;
	files = argv + 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

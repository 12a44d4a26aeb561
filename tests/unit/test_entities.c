/* SPDX-License-Identifier: MIT */
/* Unit tests for contact-detail extraction: every obfuscation class, E.164
 * for NZ, AU, UK, NANP and international numbers, e-mail and handle forms,
 * WhatsApp versus phone, offsets into the original text, false alarms
 * (prices, dates, ages) and random bytes. Synthetic text with fictional
 * numbers only (NZ 555 01xx, AU 0491 570 156, UK 07700 900xxx, NANP 555-01xx). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../matcher/entities.h"
#include "../../matcher/phone.h"

#define MAXE 4

struct expect {
	int kind;
	const char *written;    /* the original bytes the span covers */
	const char *norm;
};

struct ent_case {
	const char *in;
	struct expect e[MAXE];  /* in order of start; kind -1 ends the list */
};

#define END { -1, NULL, NULL }
#define P ENTITY_PHONE
#define W ENTITY_WHATSAPP
#define EM ENTITY_EMAIL
#define TG ENTITY_TELEGRAM
#define WC ENTITY_WECHAT
#define LN ENTITY_LINE
#define U ENTITY_URL
#define ZL ENTITY_ZALO

static void check_one(const struct ent_case *c, const char *region)
{
	struct entity_list l;
	struct lw_error err;
	size_t i, n = 0, len = strlen(c->in);

	entity_list_init(&l);
	if (entities_extract(c->in, len, region, &l, &err))
		fail_msg("\"%s\": %s", c->in, err.msg);
	while (n < MAXE && c->e[n].kind >= 0)
		n++;
	for (i = 0; i < l.n && i < n; i++) {
		const struct entity *e = &l.v[i];

		assert_true(e->start < e->end && e->end <= len);
		if (e->kind != c->e[i].kind || strcmp(e->normalized, c->e[i].norm) ||
		    e->end - e->start != strlen(c->e[i].written) ||
		    memcmp(c->in + e->start, c->e[i].written, e->end - e->start))
			fail_msg("\"%s\": entity %zu is %s \"%.*s\" -> \"%s\", want %s \"%s\" -> \"%s\"",
				 c->in, i, entity_kind_name(e->kind), (int)(e->end - e->start),
				 c->in + e->start, e->normalized, entity_kind_name(c->e[i].kind),
				 c->e[i].written, c->e[i].norm);
	}
	if (l.n != n)
		fail_msg("\"%s\": %zu entities (first extra: \"%s\"), want %zu", c->in, l.n,
			 l.n > n ? l.v[n].normalized : "-", n);
	entity_list_release(&l);
}

static void check_cases(const struct ent_case *c, size_t n, const char *region)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_one(&c[i], region);
}

#define CHECK(cases) check_cases(cases, sizeof(cases) / sizeof(cases[0]), "NZ")

/* ---- phones: obfuscation ------------------------------------------------- */

static void test_phone_obfuscation(void **state)
{
	static const struct ent_case cases[] = {
		{ "Call zero two one double five five zero one four two today",
		  { { P, "zero two one double five five zero one four two", "+64215550142" }, END } },
		{ "txt oh two one triple five zero one three three",
		  { { P, "oh two one triple five zero one three three", "+64215550133" }, END } },
		{ "ring 508 5five5 38four1 or 021 5five5 01four4",
		  { { P, "508 5five5 38four1", "+15085553841" },
		    { P, "021 5five5 01four4", "+64215550144" }, END } },
		{ "Call O21 555 Ol2O now", { { P, "O21 555 Ol2O", "+64215550120" }, END } },
		{ "ph 0.2.1-5.5.5-0.1.3.3", { { P, "0.2.1-5.5.5-0.1.3.3", "+64215550133" }, END } },
		{ "por Telegram: cero dos uno, cinco cinco cinco, cero uno tres tres",
		  { { P, "cero dos uno, cinco cinco cinco, cero uno tres tres", "+64215550133" }, END } },
		{ "ph 0 2 1 5 5 5 0 1 3 3", { { P, "0 2 1 5 5 5 0 1 3 3", "+64215550133" }, END } },
		{ "Call 021 555 0133 2 people needed", { { P, "021 555 0133", "+64215550133" }, END } },
		{ "(021) 555-0133", { { P, "(021) 555-0133", "+64215550133" }, END } },
		/* circled, fullwidth, mathematical and keycap digits */
		{ "call \xe2\x93\xaa\xe2\x91\xa1\xe2\x91\xa0 \xe2\x91\xa4\xe2\x91\xa4\xe2\x91\xa4 "
		  "\xe2\x93\xaa\xe2\x91\xa0\xe2\x91\xa2\xe2\x91\xa3",
		  { { P, "\xe2\x93\xaa\xe2\x91\xa1\xe2\x91\xa0 \xe2\x91\xa4\xe2\x91\xa4\xe2\x91\xa4 "
		      "\xe2\x93\xaa\xe2\x91\xa0\xe2\x91\xa2\xe2\x91\xa3", "+64215550134" }, END } },
		{ "\xef\xbc\x90\xef\xbc\x92\xef\xbc\x91 \xef\xbc\x95\xef\xbc\x95\xef\xbc\x95 "
		  "\xef\xbc\x90\xef\xbc\x91\xef\xbc\x91\xef\xbc\x90",
		  { { P, "\xef\xbc\x90\xef\xbc\x92\xef\xbc\x91 \xef\xbc\x95\xef\xbc\x95\xef\xbc\x95 "
		      "\xef\xbc\x90\xef\xbc\x91\xef\xbc\x91\xef\xbc\x90", "+64215550110" }, END } },
		{ "0\xef\xb8\x8f\xe2\x83\xa3" "2\xef\xb8\x8f\xe2\x83\xa3" "1\xef\xb8\x8f\xe2\x83\xa3 555 0111",
		  { { P, "0\xef\xb8\x8f\xe2\x83\xa3" "2\xef\xb8\x8f\xe2\x83\xa3" "1\xef\xb8\x8f\xe2\x83\xa3 555 0111",
		      "+64215550111" }, END } },
		/* zero-width characters inside the number */
		{ "Text 021\xe2\x80\x8b 555\xe2\x80\x8c 01\xe2\x80\x8d" "22 please",
		  { { P, "021\xe2\x80\x8b 555\xe2\x80\x8c 01\xe2\x80\x8d" "22", "+64215550122" }, END } },
		{ "\xe2\x98\x8e 0 4 9 1 - 5 7 0 - 1 5 7",
		  { { P, "0 4 9 1 - 5 7 0 - 1 5 7", "+61491570157" }, END } },
	};

	(void)state;
	CHECK(cases);
}

/* ---- phones: E.164 ------------------------------------------------------- */

static void test_phone_e164(void **state)
{
	static const struct ent_case cases[] = {
		/* NZ mobiles and landlines */
		{ "021 555 0101", { { P, "021 555 0101", "+64215550101" }, END } },
		{ "022 555 0102", { { P, "022 555 0102", "+64225550102" }, END } },
		{ "027 555 0103", { { P, "027 555 0103", "+64275550103" }, END } },
		{ "029 555 0104", { { P, "029 555 0104", "+64295550104" }, END } },
		{ "03 555 0105 or 09-555-0106",
		  { { P, "03 555 0105", "+6435550105" }, { P, "09-555-0106", "+6495550106" }, END } },
		{ "+64 21 555 0107", { { P, "+64 21 555 0107", "+64215550107" }, END } },
		{ "0064 21 555 0108", { { P, "0064 21 555 0108", "+64215550108" }, END } },
		{ "+64 (0)21 555 0109", { { P, "+64 (0)21 555 0109", "+64215550109" }, END } },
		/* AU mobiles and landlines */
		{ "0491 570 156", { { P, "0491 570 156", "+61491570156" }, END } },
		{ "+61 491 570 157", { { P, "+61 491 570 157", "+61491570157" }, END } },
		{ "+61 2 5550 1234", { { P, "+61 2 5550 1234", "+61255501234" }, END } },
		/* UK */
		{ "07700 900123", { { P, "07700 900123", "+447700900123" }, END } },
		{ "+44 7700 900456", { { P, "+44 7700 900456", "+447700900456" }, END } },
		{ "+44 (0) 7700 900789", { { P, "+44 (0) 7700 900789", "+447700900789" }, END } },
		/* NANP */
		{ "+1 (786) 555-0100", { { P, "+1 (786) 555-0100", "+17865550100" }, END } },
		{ "call (212) 555-0123", { { P, "(212) 555-0123", "+12125550123" }, END } },
		{ "call 212-555-0124", { { P, "212-555-0124", "+12125550124" }, END } },
		{ "call 1-212-555-0125", { { P, "1-212-555-0125", "+12125550125" }, END } },
		/* international with + or 00 */
		{ "+49 30 12345678", { { P, "+49 30 12345678", "+493012345678" }, END } },
		{ "00 33 1 23 45 67 89", { { P, "00 33 1 23 45 67 89", "+33123456789" }, END } },
		{ "+971 50 123 4567", { { P, "+971 50 123 4567", "+971501234567" }, END } },
		{ "+65 8123 4567", { { P, "+65 8123 4567", "+6581234567" }, END } },
		{ "Tonga +676 20123", { { P, "+676 20123", "+67620123" }, END } },
	};

	(void)state;
	CHECK(cases);
}

/* Under another default region, national numbers read as that region's. */
static void test_phone_region(void **state)
{
	static const struct ent_case au[] = {
		{ "0491 570 156", { { P, "0491 570 156", "+61491570156" }, END } },
		{ "0011 64 21 555 0101", { { P, "0011 64 21 555 0101", "+64215550101" }, END } },
	};
	static const struct ent_case us[] = {
		{ "212 555 0123", { { P, "212 555 0123", "+12125550123" }, END } },
		{ "011 44 7700 900123", { { P, "011 44 7700 900123", "+447700900123" }, END } },
	};
	struct entity_list l;
	struct lw_error err;

	(void)state;
	check_cases(au, sizeof(au) / sizeof(au[0]), "AU");
	check_cases(us, sizeof(us) / sizeof(us[0]), "US");
	entity_list_init(&l);
	assert_int_equal(entities_extract("x", 1, "ZZ", &l, &err), -1);
	assert_non_null(strstr(err.msg, "'ZZ'"));
	assert_int_equal(l.n, 0);
}

/* ---- phones: WhatsApp or not ------------------------------------------- */

static void test_whatsapp(void **state)
{
	static const struct ent_case cases[] = {
		{ "WhatsApp +64 21 555 0150", { { W, "+64 21 555 0150", "+64215550150" }, END } },
		{ "watsup 021 555 0151", { { W, "021 555 0151", "+64215550151" }, END } },
		{ "WA: 021 555 0152", { { W, "021 555 0152", "+64215550152" }, END } },
		{ "Viber/WhatsApp: (+64) 21 5550153",
		  { { W, "(+64) 21 5550153", "+64215550153" }, END } },
		{ "w h a t s a p p 021 555 0154", { { W, "021 555 0154", "+64215550154" }, END } },
		{ "W_h_a_t_s_A_p_p +64 21 555 0155", { { W, "+64 21 555 0155", "+64215550155" }, END } },
		{ "\xf0\x9f\x87\xbc \xf0\x9f\x87\xad \xf0\x9f\x87\xa6 \xf0\x9f\x87\xb9 \xf0\x9f\x87\xb8 "
		  "\xf0\x9f\x87\xa6 \xf0\x9f\x87\xb5 \xf0\x9f\x87\xb5 021 555 0156",
		  { { W, "021 555 0156", "+64215550156" }, END } },
		{ "021 555 0157 (WhatsApp only)", { { W, "021 555 0157", "+64215550157" }, END } },
		{ "Message me on WhatsApp:\n021 555 0158", { { W, "021 555 0158", "+64215550158" }, END } },
		{ "https://wa.me/64215550159",
		  { { W, "https://wa.me/64215550159", "+64215550159" }, END } },
		{ "api.whatsapp.com/send?phone=447700900111",
		  { { W, "api.whatsapp.com/send?phone=447700900111", "+447700900111" }, END } },
		/* the keyword belongs to another number, or comes later in prose */
		{ "WhatsApp 021 555 0160, or call 09 555 0161",
		  { { W, "021 555 0160", "+64215550160" }, { P, "09 555 0161", "+6495550161" }, END } },
		{ "Call 021 555 0162 or WhatsApp the same number",
		  { { P, "021 555 0162", "+64215550162" }, END } },
		{ "WhatsApp us for details.\nOffice: 09 555 0163",
		  { { P, "09 555 0163", "+6495550163" }, END } },
	};

	(void)state;
	CHECK(cases);
}

/* ---- e-mail ---------------------------------------------------------------- */

static void test_email(void **state)
{
	static const struct ent_case cases[] = {
		{ "Email jobs.team@example.com now",
		  { { EM, "jobs.team@example.com", "jobs.team@example.com" }, END } },
		{ "JOBS@EXAMPLE.ORG.", { { EM, "JOBS@EXAMPLE.ORG", "jobs@example.org" }, END } },
		{ "crew(dot)boss(at)example(dot)org",
		  { { EM, "crew(dot)boss(at)example(dot)org", "crew.boss@example.org" }, END } },
		{ "crew[at]example[dot]net", { { EM, "crew[at]example[dot]net", "crew@example.net" }, END } },
		{ "crew (at) example . com", { { EM, "crew (at) example . com", "crew@example.com" }, END } },
		{ "write to crew at example dot com today",
		  { { EM, "crew at example dot com", "crew@example.com" }, END } },
		{ "crew @ sub.example.co.nz", { { EM, "crew @ sub.example.co.nz", "crew@sub.example.co.nz" }, END } },
		{ "m4ria.j0bs@example.net", { { EM, "m4ria.j0bs@example.net", "m4ria.j0bs@example.net" }, END } },
		{ "\xef\xbd\x8a\xef\xbd\x8f\xef\xbd\x82\xef\xbd\x93@example.com",
		  { { EM, "\xef\xbd\x8a\xef\xbd\x8f\xef\xbd\x82\xef\xbd\x93@example.com", "jobs@example.com" }, END } },
		/* not addresses */
		{ "meet at the park. Look at example dot", { END } },
		{ "user@localhost or @handle", { END } },
	};

	(void)state;
	CHECK(cases);
}

/* ---- handles ------------------------------------------------------------------ */

static void test_handles(void **state)
{
	static const struct ent_case cases[] = {
		{ "DM @Night_Crew99 on Telegram", { { TG, "@Night_Crew99", "night_crew99" }, END } },
		{ "Telegram: @night_crew", { { TG, "@night_crew", "night_crew" }, END } },
		{ "tg: n.i.g.h.t_crew", { { TG, "n.i.g.h.t_crew", "night_crew" }, END } },
		{ "t.e.l.e.g.r.a.m: night_crew . nz_team",
		  { { TG, "night_crew . nz_team", "night_crewnz_team" }, END } },
		{ "Telegram: nightcrew", { { TG, "nightcrew", "nightcrew" }, END } },
		{ "join t.me/Night_Crew", { { TG, "t.me/Night_Crew", "night_crew" }, END } },
		{ "https://telegram.me/night_crew/", { { TG, "https://telegram.me/night_crew/", "night_crew" }, END } },
		{ "\xd0\x9f\xd0\xb8\xd1\x88\xd0\xb8\xd1\x82\xd0\xb5 \xd0\xb2 \xd0\xa2\xd0\xb5\xd0\xbb\xd0\xb5"
		  "\xd0\xb3\xd1\x80\xd0\xb0\xd0\xbc: @brigada_nz",
		  { { TG, "@brigada_nz", "brigada_nz" }, END } },
		{ "WeChat: spa_hr88", { { WC, "spa_hr88", "spa_hr88" }, END } },
		{ "WeChat ID spa-north", { { WC, "spa-north", "spa-north" }, END } },
		{ "\xe5\x8a\xa0\xe5\xbe\xae\xe4\xbf\xa1\xef\xbc\x9a" "kiwi_work66",
		  { { WC, "kiwi_work66", "kiwi_work66" }, END } },
		{ "Line ID @thai_jobs", { { LN, "@thai_jobs", "thai_jobs" }, END } },
		{ "add L I N E : thai job _ nz", { { LN, "thai job _ nz", "thaijob_nz" }, END } },
		{ "\xe0\xb9\x84\xe0\xb8\xa5\xe0\xb8\x99\xe0\xb9\x8c: thaijobs",
		  { { LN, "thaijobs", "thaijobs" }, END } },
		{ "https://line.me/ti/p/~thaijobs", { { LN, "https://line.me/ti/p/~thaijobs", "thaijobs" }, END } },
		/* no platform, another platform, or ordinary words */
		{ "follow @night_crew", { END } },
		{ "Instagram @night_crew, Telegram is for staff", { END } },
		{ "in line with the rules; Line: production", { END } },
		{ "short interview by Telegram, start next week", { END } },
	};

	(void)state;
	CHECK(cases);
}

/* ---- urls ------------------------------------------------------------------ */

static void test_urls(void **state)
{
	static const struct ent_case cases[] = {
		{ "Apply at Jobs.Example/Careers.", { { U, "Jobs.Example/Careers", "jobs.example/careers" }, END } },
		{ "see https://www.example.com/a?b=1)", { { U, "https://www.example.com/a?b=1", "www.example.com/a?b=1" }, END } },
		{ "http://site.example/", { { U, "http://site.example/", "site.example" }, END } },
		{ "e.g. the file cv.pdf, version 1.2.3 at 10.30am", { END } },
	};

	(void)state;
	CHECK(cases);
}

/* ---- false alarms ------------------------------------------------------------ */

static void test_negatives(void **state)
{
	static const struct ent_case cases[] = {
		{ "Pay $1,400 a week, NZ$25,000 bond, INR 14,50,000 fee", { END } },
		{ "$0215550178", { END } },
		{ "Start 05.12.2024 or 2024-05-12, 12/05/2024", { END } },
		{ "Girls 18-25 only, ages 18 - 25, 10am-6pm, 0800-1700", { END } },
		{ "ages 18, 25, 30, 0 2 1, 5 5 5, 0 1 3 3", { END } },
		{ "From 2019 - 2023 at 12 Queen St 1010", { END } },
		{ "Postcode 0610, PO Box 12345, ref DA-0412", { END } },
		{ "5550134", { END } },
		{ "99.5% success, 3.0215550178 ratio", { END } },
		{ "Call 555 0134", { END } },
	};

	(void)state;
	CHECK(cases);
}

/* ---- offsets and several entities ------------------------------------------ */

static void test_offsets(void **state)
{
	static const char in[] =
		"H\xc3\xb4tel \xe2\x80\x94 WeChat: kiwi_hr01\n"
		"Email kiwi(at)example(dot)com or call z\xc3\xa9ro"
		" two one double five five zero one two three.";
	struct entity_list l;
	struct lw_error err;

	(void)state;
	entity_list_init(&l);
	assert_int_equal(entities_extract(in, sizeof(in) - 1, NULL, &l, &err), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].kind, ENTITY_WECHAT);
	assert_memory_equal(in + l.v[0].start, "kiwi_hr01", 9);
	assert_int_equal(l.v[0].end - l.v[0].start, 9);
	assert_int_equal(l.v[1].kind, ENTITY_EMAIL);
	assert_string_equal(l.v[1].normalized, "kiwi@example.com");
	assert_int_equal(l.v[2].kind, ENTITY_PHONE);
	assert_string_equal(l.v[2].normalized, "+64215550123");
	assert_memory_equal(in + l.v[2].start, "z\xc3\xa9ro two", 9);
	assert_int_equal(in[l.v[2].end - 1], 'e');
	assert_int_equal(in[l.v[2].end], '.');
	/* a second extraction replaces the first */
	assert_int_equal(entities_extract("no contacts", 11, "NZ", &l, &err), 0);
	assert_int_equal(l.n, 0);
	entity_list_release(&l);
	entity_list_release(&l);
	assert_string_equal(entity_kind_name(ENTITY_URL), "url");
	assert_null(entity_kind_name(ENTITY_KIND_COUNT));
}

static size_t split_tsv(char *line, const char **col, size_t max)
{
	size_t n = 0;
	char *p = line, *tab;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		col[n++] = p;
		tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

/* The libphonenumber example numbers of every region come back as E.164
 * when written "+cc number" (the table holds what parsing needs). */
static void test_metadata_examples(void **state)
{
	static const char path[] = "tests/data/libphonenumber/example_numbers.tsv";
	char line[256], want[64], got[PHONE_E164_MAX + 1];
	const char *col[6];
	struct phone_input in;
	FILE *f = fopen(path, "r");
	size_t n = 0, ok = 0;

	(void)state;
	if (!f)
		fail_msg("cannot open %s (run from the top of the tree)", path);
	while (fgets(line, sizeof(line), f)) {
		/* region, country code, national prefix, international prefix,
		 * type, national number */
		if (split_tsv(line, col, 6) < 6 || !strcmp(col[0], "region"))
			continue;
		snprintf(want, sizeof(want), "%s%s", col[1], col[5]);
		in.digits = want;
		in.ndigits = strlen(want);
		in.plus = 1;
		in.nanp_shape = 0;
		n++;
		if (!phone_to_e164(&in, "NZ", got) && got[0] == '+' && !strcmp(got + 1, want))
			ok++;
	}
	fclose(f);
	assert_true(n > 1000);
	/* only 6-digit ones (Iran's "+98 9601") are shorter than the 7 digits
	 * a number needs */
	if (ok + 5 < n)
		fail_msg("%zu of %zu example numbers parsed", ok, n);
}

/* ---- robustness -------------------------------------------------------------- */

static void test_random_bytes(void **state)
{
	static const char alphabet[] = "0123456789 +()-.@:_/\nabtwlo\xe2\x80\x8b\xf0\x9f\x87\xbc";
	struct entity_list l;
	struct lw_error err;
	char buf[2048];
	size_t round, i, len, k;
	uint32_t x = 12345;

	(void)state;
	entity_list_init(&l);
	for (round = 0; round < 3000; round++) {
		len = round % sizeof(buf);
		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = round & 1 ? (char)(x >> 16)
				 : alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
		}
		assert_int_equal(entities_extract(buf, len, "NZ", &l, &err), 0);
		for (k = 0; k < l.n; k++) {
			assert_true(l.v[k].start < l.v[k].end && l.v[k].end <= len);
			assert_non_null(entity_kind_name(l.v[k].kind));
			assert_non_null(l.v[k].normalized);
			assert_true(k == 0 || l.v[k - 1].start <= l.v[k].start);
		}
	}
	entity_list_release(&l);
}

/* Many contacts: the list stops at ENTITIES_MAX. */
static void test_bounded(void **state)
{
	static const char unit[] = "a@example.com 021 555 0101\n";
	size_t n = 3000, i;
	char *buf = malloc(n * (sizeof(unit) - 1));
	struct entity_list l;
	struct lw_error err;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < n; i++)
		memcpy(buf + i * (sizeof(unit) - 1), unit, sizeof(unit) - 1);
	entity_list_init(&l);
	assert_int_equal(entities_extract(buf, n * (sizeof(unit) - 1), "NZ", &l, &err), 0);
	assert_int_equal(l.n, ENTITIES_MAX);
	entity_list_release(&l);
	free(buf);
}

/* ---- phones as real posters write them ----------------------------------- */

/* Number words run together or mixed with digits in one token. */
static void test_phone_words_in_tokens(void **state)
{
	static const struct ent_case cases[] = {
		{ "call ohtwoone fivefive5 0one4five", { { P, "ohtwoone fivefive5 0one4five",
							   "+64215550145" }, END } },
		{ "txt 02one 5fivefive 0seven78", { { P, "02one 5fivefive 0seven78",
						      "+64215550778" }, END } },
		{ "ring 0twoate 555 01nine6", { { P, "0twoate 555 01nine6", "+64285550196" }, END } },
		{ "mob 027 5fivefive 01six3", { { P, "027 5fivefive 01six3", "+64275550163" }, END } },
	};

	(void)state;
	CHECK(cases);
}

/* Homophones stand for digits only between groups that are clearly a number. */
static void test_phone_homophones(void **state)
{
	static const struct ent_case cases[] = {
		{ "call 021 555 01 for 6", { { P, "021 555 01 for 6", "+64215550146" }, END } },
		{ "txt 021 to 555 0177 now", { { P, "021 to 555 0177", "+642125550177" }, END } },
		{ "Reach me at 021 555 0138 for 2 hours", { { P, "021 555 0138", "+64215550138" }, END } },
		{ "from 9 to 5, 7 days a week, for 2 people", { END } },
		{ "won 2 for 1 deal, to be paid 4 to 8", { END } },
	};

	(void)state;
	CHECK(cases);
}

/* Country codes with odd spacing, words for '+', digits of other scripts. */
static void test_phone_international_forms(void **state)
{
	static const struct ent_case cases[] = {
		{ "Handy +49 157 5550 1234", { { P, "+49 157 5550 1234", "+4915755501234" }, END } },
		{ "+1 (647) 555-0142 Toronto", { { P, "+1 (647) 555-0142", "+16475550142" }, END } },
		{ "+44 7700.900 4.21", { { P, "+44 7700.900 4.21", "+447700900421" }, END } },
		{ "+ 44 77 00 90 04 22", { { P, "+ 44 77 00 90 04 22", "+447700900422" }, END } },
		{ "whatsapp plus four four 77oo 9oo 423", { { W, "plus four four 77oo 9oo 423",
							       "+447700900423" }, END } },
		{ "Viber: +\xd9\xa4\xd9\xa4 \xd9\xa7\xd9\xa7\xd9\xa0\xd9\xa0 "
		  "\xd9\xa9\xd9\xa0\xd9\xa0 \xd9\xa4\xd9\xa2\xd9\xa4",
		  { { W, "+\xd9\xa4\xd9\xa4 \xd9\xa7\xd9\xa7\xd9\xa0\xd9\xa0 "
			 "\xd9\xa9\xd9\xa0\xd9\xa0 \xd9\xa4\xd9\xa2\xd9\xa4", "+447700900424" }, END } },
		/* семь-ноль-ноль ... in Russian words after the digits */
		{ "\xd0\xb2\xd0\xbe\xd1\x82\xd1\x81\xd0\xb0\xd0\xbf: +44 7700 900 "
		  "\xd1\x87\xd0\xb5\xd1\x82\xd1\x8b\xd1\x80\xd0\xb5-\xd0\xb4\xd0\xb2\xd0\xb0-"
		  "\xd0\xbf\xd1\x8f\xd1\x82\xd1\x8c",
		  { { W, "+44 7700 900 \xd1\x87\xd0\xb5\xd1\x82\xd1\x8b\xd1\x80\xd0\xb5-"
			 "\xd0\xb4\xd0\xb2\xd0\xb0-\xd0\xbf\xd1\x8f\xd1\x82\xd1\x8c",
		      "+447700900425" }, END } },
	};

	(void)state;
	CHECK(cases);
}

/* North American numbers without "+1": the ad's place says where. */
static void test_phone_na_region(void **state)
{
	static const struct ent_case cases[] = {
		{ "Job in Houston, call 7 1 3 5 5 5 0 1 4 3", { { P, "7 1 3 5 5 5 0 1 4 3",
								 "+17135550143" }, END } },
		{ "Toronto office: 416 555 01 44", { { P, "416 555 01 44", "+14165550144" }, END } },
		{ "call (2 1 2) 5 5 5 - 0 1 4 5", { { P, "(2 1 2) 5 5 5 - 0 1 4 5",
						   "+12125550145" }, END } },
		{ "Nelson office: 416 555 01 44", { END } },
	};
	struct entity_list l;
	struct lw_error err;
	static const char ad[] = "Work in Vancouver! text 604 555 0146";
	static const char nz[] = "Work in Nelson! text 021 555 0146";

	(void)state;
	CHECK(cases);
	entity_list_init(&l);
	assert_int_equal(entities_extract(ad, sizeof(ad) - 1, "NZ", &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].normalized, "+16045550146");
	assert_non_null(l.v[0].region);
	assert_string_equal(l.v[0].region, "CA");
	assert_int_equal(entities_extract(nz, sizeof(nz) - 1, "NZ", &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_null(l.v[0].region);
	assert_int_equal(entities_extract(ad, sizeof(ad) - 1, "US", &l, &err), 0);
	assert_null(l.v[0].region);
	entity_list_release(&l);
}

/* Split across a line break or by emoji, and in the title line. */
static void test_phone_split(void **state)
{
	static const struct ent_case cases[] = {
		{ "call 021 555\n0147 anytime", { { P, "021 555\n0147", "+64215550147" }, END } },
		{ "Call 021 555 0148\n2 rooms free", { { P, "021 555 0148", "+64215550148" }, END } },
		{ "txt 021 \xf0\x9f\x94\xa5 555 \xf0\x9f\x92\x8b 0149", { { P,
		  "021 \xf0\x9f\x94\xa5 555 \xf0\x9f\x92\x8b 0149", "+64215550149" }, END } },
		{ "New girls 021 555 0150\nbody text here", { { P, "021 555 0150", "+64215550150" }, END } },
		{ "ring 415 \xe2\x80\x93 555 \xe2\x80\x93 0151 in the USA",
		  { { P, "415 \xe2\x80\x93 555 \xe2\x80\x93 0151", "+14155550151" }, END } },
	};

	(void)state;
	CHECK(cases);
}

/* ---- handles as real posters write them ---------------------------------- */

static void test_handles_more(void **state)
{
	static const struct ent_case cases[] = {
		{ "nhan Zalo: lan.tuyen.dung", { { ZL, "lan.tuyen.dung", "lan.tuyen.dung" }, END } },
		{ "Zalo chi Mai: mai.hcm.job nhe", { { ZL, "mai.hcm.job", "mai.hcm.job" }, END } },
		{ "ask on tele: harbourdeskhq", { { TG, "harbourdeskhq", "harbourdeskhq" }, END } },
		{ "chat tele @ kerja_hq", { { TG, "@ kerja_hq", "kerja_hq" }, END } },
		{ "join t . m e / harbour_jobs now", { { TG, "harbour_jobs", "harbour_jobs" }, END } },
		{ "add vx, no calls: h a r b _ 7 7", { { WC, "h a r b _ 7 7", "harb_77" }, END } },
		{ "add wechat : harbourjob 5 5", { { WC, "harbourjob 5 5", "harbourjob55" }, END } },
		{ "LINE only: harbourthaispa", { { LN, "harbourthaispa", "harbourthaispa" }, END } },
		{ "LINE ID: harbour.thai.nz", { { LN, "harbour.thai.nz", "harbour.thai.nz" }, END } },
		{ "Telegram: harbour_admin (no calls)", { { TG, "harbour_admin", "harbour_admin" }, END } },
		{ "\xe5\x8a\xa0\xe7\xba\xb8\xe9\xa3\x9e\xe6\x9c\xba @harbour_hr",
		  { { TG, "@harbour_hr", "harbour_hr" }, END } },
		{ "Telegram group rules: please be kind", { END } },
		{ "Meet the.harbour.team at example.net", { { EM, "the.harbour.team at example.net",
							      "the.harbour.team@example.net" }, END } },
		{ "correo: harbour_ops (arroba) example (punto) org",
		  { { EM, "harbour_ops (arroba) example (punto) org", "harbour_ops@example.org" }, END } },
		{ "look at example.net today", { { U, "example.net", "example.net" }, END } },
	};

	(void)state;
	CHECK(cases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_obfuscation),
		cmocka_unit_test(test_phone_e164),
		cmocka_unit_test(test_phone_region),
		cmocka_unit_test(test_phone_words_in_tokens),
		cmocka_unit_test(test_phone_homophones),
		cmocka_unit_test(test_phone_international_forms),
		cmocka_unit_test(test_phone_na_region),
		cmocka_unit_test(test_phone_split),
		cmocka_unit_test(test_handles_more),
		cmocka_unit_test(test_whatsapp),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_handles),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_negatives),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_metadata_examples),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

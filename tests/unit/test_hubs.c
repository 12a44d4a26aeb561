/* SPDX-License-Identifier: MIT */
/* The generic-contact rules (migration 010) against a real PostgreSQL: the
 * shipped list by category, the configuration's exclusions, the source's
 * own address, the thresholds, and an analyst's marks overriding them; and
 * the gazetteer's destination extraction (011, 012). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pg_helper.h"

static struct pg_env pg;

static int group_setup(void **state)
{
	struct store *st;

	(void)state;
	setenv("LUREWATCH_CACHE", "", 1);
	if (pg_env_start(&pg) < 0)
		return -1;
	st = pg_open(&pg);
	store_close(st);
	(void)pg_test_matcher;  /* the helper's; no pack needed here */
	return st ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	pg_env_stop(&pg);
	return 0;
}

/* The first column of the first row of sql, "" for NULL, "ERROR" on failure. */
static void text_of(const char *sql, char *out, size_t n)
{
	PGconn *c = PQconnectdb(pg.conninfo);
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		snprintf(out, n, "%s", PQgetvalue(r, 0, 0));
	else
		snprintf(out, n, "ERROR %s", PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

/* Each row: value, ads, places, own address, categories on, expected
 * reason (a prefix; "" links). Thresholds: 500 ads alone, or 40 in 10
 * places; exclusions: +6495550100. */
static const struct {
	const char *value;
	int ads, places;
	const char *own, *cats, *want;
} cases[] = {
	{ "+64211234567", 3, 1, "false", "{tollfree,premium}", "" },
	{ "+64800123456", 3, 1, "false", "{tollfree,premium}", "toll-free (New Zealand 0800)" },
	{ "+64800123456", 3, 1, "false", "{premium}", "" },
	{ "+18005551234", 2, 1, "false", "{tollfree}", "toll-free (North America 1-800)" },
	{ "+448081570123", 2, 1, "false", "{tollfree}", "toll-free (UK 0808)" },
	{ "+447700900431", 5, 1, "false", "{tollfree,premium}", "" },
	{ "+447700900431", 5, 1, "false", "{fictional}", "fictional number (UK Ofcom drama range 07700" },
	{ "+12125550142", 5, 1, "false", "{fictional}", "fictional number (North America 555-01XX)" },
	{ "+12125550242", 5, 1, "false", "{fictional}", "" },
	{ "hr@example.com", 2, 1, "false", "{fictional}", "reserved domain (example.com" },
	{ "your@email.com", 2, 1, "false", "{placeholder}", "placeholder address" },
	{ "+6495550100", 2, 1, "false", "{}", "excluded in the configuration" },
	{ "jobs@board.test", 9, 3, "true", "{}", "the source's own address" },
	{ "+64215550177", 499, 2, "false", "{}", "" },
	{ "+64215550177", 500, 2, "false", "{}", "in 500 ads (hub_max_ads 500)" },
	{ "+64215550177", 40, 9, "false", "{}", "" },
	{ "+64215550177", 39, 10, "false", "{}", "" },
	{ "+64215550177", 40, 10, "false", "{}", "switchboard: 40 ads in 10 places" },
};

static void test_rules(void **state)
{
	char sql[1024], got[512];

	(void)state;
	/* The shipped list is there, each category with entries. */
	assert_true(pg_scalar(&pg, "SELECT count(DISTINCT category) FROM contact_known") >= 4);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(sql, sizeof(sql),
			 "SELECT coalesce(contact_generic_reason('%s', %d, %d, %s, '{+6495550100}', '%s',"
			 " 500, 40, 10), '')",
			 cases[i].value, cases[i].ads, cases[i].places, cases[i].own, cases[i].cats);
		text_of(sql, got, sizeof(got));
		if (cases[i].want[0] ? strncmp(got, cases[i].want, strlen(cases[i].want)) != 0 : got[0] != 0)
			fail_msg("case %zu (%s, %d ads, %d places, %s): got '%s', want '%s'", i,
				 cases[i].value, cases[i].ads, cases[i].places, cases[i].cats, got,
				 cases[i].want);
	}
}

static void test_marks_override(void **state)
{
	char got[512];

	(void)state;
	assert_int_equal(pg_run(&pg, "INSERT INTO contact_marks (normalized, verdict, analyst, note)"
				" VALUES ('+64800123456', 'personal', 'ana', 'one recruiter''s line'),"
				" ('+64211234567', 'generic', 'ana', 'a school''s office')", NULL, 0), 0);
	/* personal beats the shipped list and the thresholds ... */
	text_of("SELECT coalesce(contact_generic_reason('+64800123456', 900, 40, false, '{}',"
		" '{tollfree}', 500, 40, 10), '')", got, sizeof(got));
	assert_string_equal(got, "");
	/* ... and generic beats everything that would let it link. */
	text_of("SELECT coalesce(contact_generic_reason('+64211234567', 2, 1, false, '{}', '{}', 500,"
		" 40, 10), '')", got, sizeof(got));
	assert_string_equal(got, "marked generic by ana: a school's office");
	assert_int_equal(pg_run(&pg, "DELETE FROM contact_marks", NULL, 0), 0);
}

static void test_domains(void **state)
{
	char got[256];

	(void)state;
	text_of("SELECT contact_domain('https://www.Board.test/jobs/1')", got, sizeof(got));
	assert_string_equal(got, "board.test");
	text_of("SELECT contact_domain('hr@board.test')", got, sizeof(got));
	assert_string_equal(got, "board.test");
	text_of("SELECT contact_domain('www.board.test/apply?x=1')", got, sizeof(got));
	assert_string_equal(got, "board.test");
}

/* Destination extraction (migration 012): the countries a text names,
 * cities as their country, words that merely contain a name left alone. */
static const struct {
	const char *text, *want;        /* want: sorted distinct countries, comma-separated */
} places[] = {
	{ "Hotel cleaners needed in Dubai, flights paid", "AE" },
	{ "Housekeepers for Doha and Dubai", "AE,QA" },
	{ "Farm work in New Zealand, visa arranged", "NZ" },
	{ "Trabajo en Madrid, España", "ES" },
	{ "Apply to our woman-led team", "" },
	{ "Cleaners wanted, Oman", "OM" },
	{ "Работа в Польше и Германии", "DE,PL" },    /* inflected forms (migration 070) */
	{ "Стройка в Новой Зеландии", "NZ" },
	{ "Мало работы", "" },                           /* "Мали" never declines to "мало" */
	{ "Praca w Niemczech i w Polsce", "DE,PL" },
	{ "Locuri de muncă în Germaniei", "DE" },
	{ "Munka Németországban", "DE" },
	{ "An island job", "" },                          /* "Islanda" is not its bare stem */
	{ "Farm work in the Waikato", "NZ" },             /* a region, written as a name */
	{ "Ask cuando you arrive", "" },                  /* a region's name as a word */
	{ "Работа: Польша", "PL" },
	{ "去日本工作，月薪高", "JP" },
	{ "Work in the UK or the USA", "GB,US" },
	{ "Jordan will call you", "" },                   /* a name, not the country */
};

static void test_places(void **state)
{
	char sql[1024], got[256];

	(void)state;
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		snprintf(sql, sizeof(sql),
			 "SELECT coalesce(string_agg(DISTINCT country, ',' ORDER BY country), '')"
			 " FROM text_places('%s')", places[i].text);
		text_of(sql, got, sizeof(got));
		if (strcmp(got, places[i].want) != 0)
			fail_msg("text %zu '%s': got '%s', want '%s'", i, places[i].text, got, places[i].want);
	}
	text_of("SELECT place_country('Makati, Philippines') || place_country('Cebu City')"
		" || place_country('Auckland') || coalesce(place_country('Nowhere Town'), '-')",
		got, sizeof(got));
	assert_string_equal(got, "PHPHNZ-");
	/* Calling codes: the longest prefix; +1 is the US unless the area code is Canadian. */
	text_of("SELECT phone_country('+447700900123') || phone_country('+14165550100')"
		" || phone_country('+12125550100') || phone_country('+971501234567')"
		" || coalesce(phone_country('jobs@x.test'), '-')", got, sizeof(got));
	assert_string_equal(got, "GBCAUSAE-");
	/* Destinations leave out places named as where recruits come from. */
	text_of("SELECT coalesce(string_agg(DISTINCT country, ',' ORDER BY country), '')"
		" FROM text_destinations('Drivers from Romania / Poland / Bulgaria for work in the UK;"
		" Sri Lanka & Nepal applicants; workers from the Philippines, Indonesia or"
		" Myanmar to Dubai')", got, sizeof(got));
	assert_string_equal(got, "AE,GB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_marks_override),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_places),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

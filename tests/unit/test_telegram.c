/* SPDX-License-Identifier: MIT */
/* Unit tests for the Telegram export reader: recognising an export,
 * usernames, titles and bodies, flattened text, dates and positions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* The reader lives in cli/, which is not a library: build it in. */
#include "../../cli/ingest_telegram.c"

/* ---- telegram_probe ------------------------------------------------------------- */

struct probe_case {
	const char *head;
	int want;
};

static const struct probe_case probe_cases[] = {
	{ "{\n \"name\": \"X\",\n \"type\": \"public_channel\",\n \"id\": 1,\n \"messages\": [\n", 1 },
	{ "{\"name\":\"X\",\"id\":1,\"messages\":[]}\n", 1 },
	{ "  {\"about\":{\"messages\":[]},\"messages\" : [", 1 },
	{ "{\"url\":\"http://x/1\",\"title\":\"messages\",\"body\":\"[\"}\n{\"url\":", 0 },
	{ "{\"url\":\"http://x/1\",\"body\":\"a \\\"messages\\\": [\"}\n", 0 },
	{ "{\"messages\":\"[\"}\n", 0 },
	{ "{\n \"chats\": {\"list\": []}\n}\n", 1 },   /* multi-line: not JSON Lines */
	{ "{\"name\": \"cut short", 0 },
	{ "[{\"messages\": []}]", 0 },
	{ "", 0 },
};

static void test_probe(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(probe_cases) / sizeof(probe_cases[0]); i++) {
		const struct probe_case *c = &probe_cases[i];

		if (telegram_probe(c->head, strlen(c->head)) != c->want)
			fail_msg("probe of '%s': wanted %d", c->head, c->want);
	}
}

/* ---- telegram_username ------------------------------------------------------------- */

static void test_username(void **state)
{
	static const char *const good[][2] = {
		{ "harbour_jobs", "harbour_jobs" }, { "@harbour_jobs", "harbour_jobs" },
		{ "https://t.me/harbour_jobs", "harbour_jobs" }, { "t.me/Harbour_Jobs/", "Harbour_Jobs" },
	};
	static const char *const bad[] = { "", "@", "ab", "two words", "https://t.me/x/12",
					   "https://evil.example/harbour_jobs", "harbour-jobs" };
	char out[TELEGRAM_USERNAME_MAX + 1];
	struct lw_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(telegram_username(good[i][0], out, &err), 0);
		assert_string_equal(out, good[i][1]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (telegram_username(bad[i], out, &err) != -1)
			fail_msg("'%s' accepted as a username", bad[i]);
		assert_non_null(strstr(err.msg, "is not a channel username"));
	}
}

/* ---- telegram_read ------------------------------------------------------------------- */

struct got {
	char text[4096];        /* "url|source|title|body|posted|outlinks\n" per listing */
	char rejects[1024];
};

static void on_listing(const struct store_listing *l, void *ctx)
{
	struct got *g = ctx;
	size_t n = strlen(g->text);

	snprintf(g->text + n, sizeof(g->text) - n, "%s|%s|%s|%s|%s|%s\n", l->url,
		 l->source ? l->source : "-", l->title, l->body, l->posted ? l->posted : "-",
		 l->outlinks_json ? l->outlinks_json : "-");
}

static void on_reject(const char *where, const char *msg, void *ctx)
{
	struct got *g = ctx;
	size_t n = strlen(g->rejects);

	snprintf(g->rejects + n, sizeof(g->rejects) - n, "%s: %s\n", where, msg);
}

/* Reads json with options; returns telegram_read's result, err and g filled. */
static int read_json(const char *json, const char *channel, struct got *g,
		     struct telegram_stats *st, struct lw_error *err)
{
	struct telegram_options o = { channel, NULL };
	FILE *f = fmemopen((void *)json, strlen(json), "r");
	int rc;

	assert_non_null(f);
	memset(g, 0, sizeof(*g));
	rc = telegram_read(f, "r.json", &o, on_listing, on_reject, g, st, err);
	fclose(f);
	return rc;
}

struct read_case {
	const char *json;
	const char *channel;
	const char *want;       /* listings, or the error when it starts with "!" */
};

#define HEAD "{\"name\":\"Chan\",\"type\":\"public_channel\",\"id\":42,\"messages\":["

static const struct read_case read_cases[] = {
	/* string text: title the first non-blank line, body the rest */
	{ HEAD "{\"id\":7,\"type\":\"message\",\"date_unixtime\":\"0\",\"text\":\"\\n Title line \\nrest\\nmore\"}]}",
	  NULL, "https://t.me/c/42/7|Chan|Title line|rest\nmore|1970-01-01T00:00:00Z|-\n" },
	/* a username; a local date only */
	{ HEAD "{\"id\":8,\"date\":\"2025-03-01T10:15:00\",\"text\":\"one line\"}]}",
	  "chan_zz", "https://t.me/chan_zz/8|Chan|one line||2025-03-01T10:15:00|-\n" },
	/* text arrays: text_link targets kept unless they repeat the text */
	{ HEAD "{\"id\":9,\"text\":[\"Call \",{\"type\":\"text_link\",\"text\":\"us\",\"href\":\"https://wa.me/1555\"},"
	  "\" \",{\"type\":\"text_link\",\"text\":\"https://t.me/a_zz\",\"href\":\"https://t.me/a_zz\"},"
	  "\"\\nnow \",{\"type\":\"mention\",\"text\":\"@b_zz\"},{\"type\":\"link\",\"text\":\"t.me/c_zz\"}]}]}",
	  NULL, "https://t.me/c/42/9|Chan|Call us (https://wa.me/1555) https://t.me/a_zz|now @b_zzt.me/c_zz|-|"
	  "[\"https://wa.me/1555\",\"https://t.me/a_zz\",\"https://t.me/b_zz\",\"https://t.me/c_zz\"]\n" },
	/* text empty: text_entities used; then skipped kinds */
	{ HEAD "{\"id\":10,\"text\":\"\",\"text_entities\":[{\"type\":\"plain\",\"text\":\"from entities\"}]},"
	  "{\"id\":11,\"type\":\"service\",\"text\":\"joined\"},{\"id\":12,\"text\":\"  \\n \"},{\"id\":13}]}",
	  NULL, "https://t.me/c/42/10|Chan|from entities||-|-\n" },
	/* keys in any order after the header; unknown keys skipped */
	{ "{\"about\":{\"deep\":[1,2,{\"x\":null}]},\"id\":5,\"messages\":[{\"text\":\"t\",\"id\":1}],\"name\":\"Late\"}",
	  NULL, "https://t.me/c/5/1|Late|t||-|-\n" },
	/* errors */
	{ HEAD "{\"id\":1,\"text\":\"a\"} {\"id\":2}]}", NULL,
	  "!r.json:1:80: unexpected '{', expected ',' or ']' in \"messages\"" },
	{ HEAD "{\"id\":1,\"text\":\"a\"}]} x", NULL, "!r.json:1:82: unexpected 'x', expected the end of the file" },
	{ HEAD "{\"id\":1,\"text\":\"a\\u00\"}]}", NULL, "!r.json:1:" },
	{ "{\"name\":\"Chan\",\"messages\":[{\"id\":1,\"text\":\"a\"}]}", NULL,
	  "!r.json:1:26: the export names no channel \"id\"" },
	{ "{\"name\":\"Chan\",\"messages\":[{\"id\":1,\"text\":\"a\"}]}", "chan_zz",
	  "https://t.me/chan_zz/1|Chan|a||-|-\n" },
	{ "[]", NULL, "!r.json:1:1: unexpected '[', expected '{' opening a Telegram export" },
	{ "{\"messages\":[],\"messages\":[]}", "chan_zz", "!r.json:1:" },
	{ "", NULL, "!r.json:1:0: unexpected end of file" },
};

static void test_read(void **state)
{
	struct telegram_stats st;
	struct lw_error err;
	struct got g;

	(void)state;
	for (size_t i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
		const struct read_case *c = &read_cases[i];
		int rc = read_json(c->json, c->channel, &g, &st, &err);

		if (c->want[0] == '!') {
			if (rc != -1 || strncmp(err.msg, c->want + 1, strlen(c->want + 1)) != 0)
				fail_msg("case %zu: wanted error '%s', got %d '%s'", i, c->want + 1, rc,
					 rc ? err.msg : g.text);
			assert_string_equal(g.text, "");        /* checked before anything is handed on */
		} else {
			if (rc != 0)
				fail_msg("case %zu: %s", i, err.msg);
			assert_string_equal(g.text, c->want);
		}
	}
}

static void test_counts_and_rejects(void **state)
{
	struct telegram_stats st;
	struct lw_error err;
	struct got g;

	(void)state;
	assert_int_equal(read_json(HEAD "\n{\"id\":1,\"type\":\"service\"},\n{\"id\":2,\"text\":\"\"},\n"
				   "{\"id\":-3,\"text\":\"x\"},\n{\"id\":4,\"text\":{\"a\":1}},\n"
				   "{\"id\":5,\"text\":\"ok\"}]}", NULL, &g, &st, &err), 0);
	assert_int_equal(st.listings, 1);
	assert_int_equal(st.service, 1);
	assert_int_equal(st.empty, 1);
	assert_int_equal(st.rejected, 2);
	assert_string_equal(g.rejects, "r.json:4:1: message \"id\" is not a positive integer\n"
			    "r.json:5:1: message 4: \"text\" is neither a string nor an array of "
			    "strings and entities\n");
}

static void test_long_title(void **state)
{
	struct lw_buf json;
	struct telegram_stats st;
	struct lw_error err;
	struct got g;
	char *title, *body;

	(void)state;
	/* 199 ASCII bytes then a two-byte letter: the title stops before it. */
	lw_buf_init(&json, 4096);
	lw_buf_adds(&json, HEAD "{\"id\":1,\"text\":\"");
	for (int i = 0; i < 199; i++)
		lw_buf_addc(&json, 'a');
	lw_buf_adds(&json, "\xc3\xa9 end\"}]}");
	assert_int_equal(read_json(json.data, NULL, &g, &st, &err), 0);
	split_text(strchr(strstr(json.data, "\"text\":\"") + 7, '"') + 1, &title, &body);
	assert_int_equal(strlen(title), 199);
	assert_int_equal(strncmp(body, title, 199), 0);  /* cut: the body keeps it all */
	free(title);
	free(body);
	lw_buf_release(&json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_username),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_counts_and_rejects),
		cmocka_unit_test(test_long_title),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

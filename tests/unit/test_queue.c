/* SPDX-License-Identifier: MIT */
/* The store's ingestion and review queue against a real PostgreSQL: schema
 * migrations, idempotent ingestion, versions and re-queueing, concurrent
 * claims, expiry, audit, resolve rules, urgency, show and watch. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../engine/engine.h"
#include "../../store/store_internal.h"
#include "pg_helper.h"

static struct pg_env pg;
static struct matcher *m;
static struct store *st;

/* ---- fixtures --------------------------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	setenv("LUREWATCH_CACHE", "", 1);
	if (pg_env_start(&pg) < 0)
		return -1;
	m = pg_test_matcher(&pg);
	return m ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	matcher_free(m);
	pg_env_stop(&pg);
	return 0;
}

/* Every test starts from an empty, freshly migrated schema. */
static int setup(void **state)
{
	char msg[512];

	(void)state;
	if (pg_run(&pg, "DROP SCHEMA IF EXISTS lurewatch CASCADE", msg, sizeof(msg)) < 0) {
		fprintf(stderr, "setup: %s\n", msg);
		return -1;
	}
	st = pg_open(&pg);
	return st ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	store_close(st);
	st = NULL;
	return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static void reject_fails(const struct store_listing *l, const char *msg, void *ctx)
{
	(void)ctx;
	fail_msg("ingest %s: %s", l->url, msg);
}

/* Ingests n listings given as url, title, body triples, analysed on two
 * threads as `lurewatch ingest` does. */
static struct store_ingest_stats ingest(struct store *s, const char *const (*l)[3], size_t n)
{
	struct lw_error err;
	struct engine_ingest *in = engine_ingest_new(s, m, "test", "ingest:test", 50, 2, &err);
	struct store_ingest_stats stats;

	assert_non_null(in);
	engine_ingest_on_reject(in, reject_fails, NULL);
	for (size_t i = 0; i < n; i++) {
		struct store_listing li = { .url = l[i][0], .title = l[i][1], .body = l[i][2],
					    .origin = l[i][0] };

		if (engine_ingest_add(in, &li, &err) < 0)
			fail_msg("ingest %s: %s", l[i][0], err.msg);
	}
	if (engine_ingest_flush(in, &err) < 0)
		fail_msg("flush: %s", err.msg);
	stats = *engine_ingest_stats(in);
	engine_ingest_free(in);
	return stats;
}

/* The store takes an analysis only of the listing's own text, and no HTML:
 * offsets into other text would point analysts at the wrong words. */
static void test_ingest_checks_analysis(void **state)
{
	struct lw_error err;
	struct store_ingest *in = store_ingest_new(st, m, "test", "ingest:test", 50, &err);
	struct matcher_scanner *sc = matcher_scanner_new(m, &err);
	struct matcher_analysis a;
	struct store_listing li = { .url = "https://x.test/1", .title = "Cleaner",
				    .body = "Hotel job abroad, free flight", .origin = "t" };
	char *text;
	size_t len;

	(void)state;
	assert_non_null(in);
	assert_non_null(sc);
	matcher_analysis_init(&a);
	assert_int_equal(matcher_analyze(sc, "other text", 10, MATCHER_INPUT_TEXT, NULL, &a, &err), 0);
	assert_int_equal(store_ingest_add(in, &li, &a, &err), -1);
	assert_non_null(strstr(err.msg, "not of the listing's text"));
	text = store_compose_text(li.title, li.body, &len);
	assert_int_equal(matcher_analyze(sc, text, len, MATCHER_INPUT_TEXT, NULL, &a, &err), 0);
	li.is_html = 1;
	assert_int_equal(store_ingest_add(in, &li, &a, &err), -1);
	assert_non_null(strstr(err.msg, "HTML"));
	li.is_html = 0;
	assert_int_equal(store_ingest_add(in, &li, &a, &err), 0);
	assert_int_equal(store_ingest_flush(in, &err), 0);
	assert_int_equal(store_ingest_stats(in)->inserted, 1);
	assert_int_equal(store_ingest_failed(in), 0);
	free(text);
	matcher_analysis_release(&a);
	matcher_scanner_free(sc);
	store_ingest_free(in);
}

static void ingest_one(const char *url, const char *title, const char *body)
{
	const char *const l[1][3] = { { url, title, body } };

	ingest(st, l, 1);
}

static long count(const char *fmt, ...)
{
	char sql[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return pg_scalar(&pg, sql);
}

static long item_id(json_t *item)
{
	return (long)json_integer_value(json_object_get(item, "id"));
}

static long item_of(const char *url)
{
	return count("SELECT q.id FROM queue_items q JOIN listings l ON l.id = q.listing_id"
		     " WHERE l.url = '%s'", url);
}

static void claim_ok(const char *analyst, long n, long *ids)
{
	struct lw_error err;
	json_t *items = NULL, *it;
	size_t i;

	if (store_queue_claim(st, analyst, n, 30, &items, &err) < 0)
		fail_msg("claim: %s", err.msg);
	assert_int_equal(json_array_size(items), n);
	json_array_foreach(items, i, it) {
		assert_string_equal(json_string_value(json_object_get(it, "claimed_by")), analyst);
		if (ids)
			ids[i] = item_id(it);
	}
	json_decref(items);
}

static void resolve_ok(long id, const char *analyst, const char *verdict, const char *agency)
{
	struct lw_error err;
	json_t *it = NULL;

	if (store_queue_resolve(st, id, analyst, verdict, agency, NULL, &it, &err) < 0)
		fail_msg("resolve %ld: %s", id, err.msg);
	assert_string_equal(json_string_value(json_object_get(it, "verdict")), verdict);
	json_decref(it);
}

static void resolve_fails(long id, const char *analyst, const char *verdict, const char *agency,
			  const char *want)
{
	struct lw_error err;
	json_t *it = NULL;

	assert_int_equal(store_queue_resolve(st, id, analyst, verdict, agency, NULL, &it, &err), -1);
	assert_null(it);
	if (!strstr(err.msg, want))
		fail_msg("error '%s' does not say '%s'", err.msg, want);
}

/* ---- schema and ingestion ------------------------------------------------------------------ */

static void test_migrations(void **state)
{
	struct lw_error err;
	int applied = -1;

	(void)state;
	assert_true(store_schema_version(st, &err) >= 1);
	/* One row per migration, the last one's version the schema's. */
	assert_int_equal(count("SELECT count(*) FROM schema_migrations"), store_nmigrations);
	assert_int_equal(store_schema_version(st, &err),
			 store_migrations[store_nmigrations - 1].version);
	assert_int_equal(store_migrate(st, &applied, &err), 0);
	assert_int_equal(applied, 0);
	assert_int_equal(count("SELECT count(*) FROM schema_migrations"), store_nmigrations);
	assert_int_equal(count("SELECT count(*) - count(DISTINCT version) FROM schema_migrations"), 0);
	assert_int_equal(count("SELECT count(*) FROM pg_roles WHERE rolname IN"
			       " ('lurewatch_ingest', 'lurewatch_analyst')"), 2);
}

static const char *const three[][3] = {
	{ "http://t/1", "Driver", "We keep your passport for you." },
	{ "http://t/2", "Cook", "Nice kitchen, fair pay." },
	{ "http://t/3", "Cleaner", "You must pay a fee first." },
};

static void test_ingest_idempotent(void **state)
{
	struct store_ingest_stats s;

	(void)state;
	s = ingest(st, three, 3);
	assert_int_equal(s.inserted, 3);
	assert_int_equal(s.flagged, 2);
	s = ingest(st, three, 3);
	assert_int_equal(s.inserted, 0);
	assert_int_equal(s.unchanged, 3);
	assert_int_equal(count("SELECT count(*) FROM listings"), 3);
	assert_int_equal(count("SELECT count(*) FROM listing_versions"), 3);
	assert_int_equal(count("SELECT count(*) FROM hits"), 2);
	assert_int_equal(count("SELECT count(*) FROM queue_items"), 2);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'queued'"), 2);
}

static void test_versions_and_requeue(void **state)
{
	long id;

	(void)state;
	ingest_one("http://v/1", "Farm", "We keep your passport.");
	id = item_of("http://v/1");
	resolve_ok(id, "alice", "dismissed", NULL);
	/* Changed wording, same category: a new version, the verdict stands. */
	ingest_one("http://v/1", "Farm work", "We keep your passport safe.");
	assert_int_equal(count("SELECT current_version FROM listings WHERE url = 'http://v/1'"), 2);
	assert_int_equal(count("SELECT count(*) FROM listing_versions"), 2);
	assert_int_equal(count("SELECT count(*) FROM queue_items WHERE id = %ld AND status = 'resolved'"
			       " AND verdict = 'dismissed'", id), 1);
	/* A new category brings it back. */
	ingest_one("http://v/1", "Farm work", "We keep your passport. Pay a fee on arrival.");
	assert_int_equal(count("SELECT count(*) FROM listing_versions"), 3);
	assert_int_equal(count("SELECT count(*) FROM queue_items WHERE id = %ld AND status = 'new'"
			       " AND verdict IS NULL", id), 1);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE item_id = %ld AND action = 'requeued'",
			       id), 1);
	assert_int_equal(count("SELECT count(*) FROM queue_items"), 1);
}

/* ---- claims ------------------------------------------------------------------------------- */

#define NCLAIMERS 8
#define NITEMS 120

/* A claimer process: claims until the queue is empty, writing each id. */
static void claimer(int fd, int k)
{
	struct lw_error err;
	struct store *s = store_open(pg.conninfo, 0, &err);
	char name[32];

	snprintf(name, sizeof(name), "analyst%d", k);
	if (!s)
		_exit(3);
	for (;;) {
		json_t *items = NULL, *it;
		size_t i, n;

		if (store_queue_claim(s, name, 1 + k % 3, 30, &items, &err) < 0)
			_exit(4);
		n = json_array_size(items);
		json_array_foreach(items, i, it) {
			char line[32];
			int len = snprintf(line, sizeof(line), "%ld\n", item_id(it));

			if (write(fd, line, (size_t)len) != len)
				_exit(5);
		}
		json_decref(items);
		if (n == 0)
			break;
	}
	store_close(s);
	_exit(0);
}

static void test_concurrent_claims(void **state)
{
	const char *(*l)[3] = calloc(NITEMS, sizeof(*l));
	char (*urls)[32] = calloc(NITEMS, sizeof(*urls));
	int fds[2], seen[NITEMS + 1] = { 0 }, total = 0, status;
	pid_t pids[NCLAIMERS];
	long lo, id;
	FILE *f;

	(void)state;
	for (int i = 0; i < NITEMS; i++) {
		snprintf(urls[i], sizeof(urls[i]), "http://c/%d", i);
		l[i][0] = urls[i];
		l[i][1] = "Job";
		l[i][2] = i % 2 ? "keep your passport" : "pay a fee";
	}
	ingest(st, (const char *const (*)[3])l, NITEMS);
	lo = count("SELECT min(id) FROM queue_items");
	assert_int_equal(count("SELECT count(*) FROM queue_items WHERE status = 'new'"), NITEMS);
	assert_int_equal(pipe(fds), 0);
	for (int k = 0; k < NCLAIMERS; k++) {
		pids[k] = fork();
		assert_true(pids[k] >= 0);
		if (pids[k] == 0) {
			close(fds[0]);
			claimer(fds[1], k);
		}
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	while (fscanf(f, "%ld", &id) == 1) {
		assert_true(id >= lo && id < lo + NITEMS);
		assert_int_equal(seen[id - lo], 0); /* never handed out twice */
		seen[id - lo] = 1;
		total++;
	}
	fclose(f);
	for (int k = 0; k < NCLAIMERS; k++) {
		assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(total, NITEMS); /* none lost */
	assert_int_equal(count("SELECT count(*) FROM queue_items WHERE status = 'claimed'"), NITEMS);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'claimed'"), NITEMS);
	free(l);
	free(urls);
}

static void test_expired_claims_return(void **state)
{
	struct lw_error err;
	long a, b, n = -1;
	json_t *items = NULL;

	(void)state;
	ingest_one("http://e/1", "Job", "keep your passport");
	claim_ok("alice", 1, &a);
	assert_int_equal(store_queue_claim(st, "bob", 1, 30, &items, &err), 0);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	assert_int_equal(pg_run(&pg, "UPDATE queue_items SET claim_expires = now() - interval '1 minute'",
				NULL, 0), 0);
	claim_ok("bob", 1, &b);
	assert_int_equal(a, b);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'claim_expired'"
			       " AND actor = 'system' AND item_id = %ld"
			       " AND details->>'previous_claimed_by' = 'alice'", a), 1);
	assert_int_equal(store_queue_expire(st, &n, &err), 0);
	assert_int_equal(n, 0);
}

static void test_urgent_first(void **state)
{
	json_t *items = NULL;
	struct lw_error err;
	struct store_filter f = { NULL, -1, NULL, NULL, 0 };
	long ids[3];

	(void)state;
	ingest_one("http://u/1", "Job", "keep your passport and pay a fee");  /* score 5 */
	ingest_one("http://u/2", "Job", "pay a fee");                          /* score 2 */
	ingest_one("http://u/3", "Job", "staff under 16 wanted");             /* minors, 2 */
	assert_int_equal(store_queue_list(st, &f, &items, &err), 0);
	assert_int_equal(json_array_size(items), 3);
	assert_true(json_is_true(json_object_get(json_array_get(items, 0), "urgent")));
	assert_int_equal(item_id(json_array_get(items, 0)), item_of("http://u/3"));
	assert_int_equal(item_id(json_array_get(items, 1)), item_of("http://u/1"));
	json_decref(items);
	f.category = "fee_debt";
	assert_int_equal(store_queue_list(st, &f, &items, &err), 0);
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
	claim_ok("alice", 3, ids);
	assert_int_equal(ids[0], item_of("http://u/3"));
	assert_int_equal(ids[1], item_of("http://u/1"));
	assert_int_equal(ids[2], item_of("http://u/2"));
}

/* ---- resolve, release, note, audit -------------------------------------------------------- */

static void test_resolve_rules(void **state)
{
	struct lw_error err;
	json_t *it = NULL;
	long a, b;

	(void)state;
	ingest_one("http://r/1", "Job", "keep your passport");
	ingest_one("http://r/2", "Job", "pay a fee");
	a = item_of("http://r/1");
	b = item_of("http://r/2");
	claim_ok("alice", 1, NULL);
	resolve_fails(a, "bob", "confirmed", NULL, "claimed by 'alice'");
	resolve_fails(a, "alice", "escalated", NULL, "needs an agency");
	resolve_fails(a, "alice", "maybe", NULL, "bad verdict 'maybe'");
	resolve_ok(a, "alice", "escalated", "police");
	resolve_fails(a, "bob", "dismissed", NULL, "already resolved by 'alice' as 'escalated'");
	resolve_fails(a, "alice", "confirmed", NULL, "already resolved by 'alice' as 'escalated'");
	assert_int_equal(count("SELECT count(*) FROM queue_items WHERE id = %ld AND verdict = 'escalated'"
			       " AND escalated_to = 'police' AND resolved_by = 'alice'", a), 1);
	/* A new item resolved directly: claimed implicitly, both audited. */
	assert_int_equal(store_queue_resolve(st, b, "bob", "dismissed", NULL, "an ad for a gym",
					     &it, &err), 0);
	json_decref(it);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE item_id = %ld AND actor = 'bob'"
			       " AND action = 'claimed' AND details->>'implicit' = 'true'", b), 1);
	assert_int_equal(count("SELECT count(*) FROM queue_notes WHERE item_id = %ld"
			       " AND note = 'an ad for a gym'", b), 1);
	assert_int_equal(store_queue_resolve(st, 999999, "bob", "confirmed", NULL, NULL, &it, &err), 0);
	assert_true(json_is_null(it));
	json_decref(it);
}

static void test_release_rules(void **state)
{
	struct lw_error err;
	json_t *it = NULL;
	long a;

	(void)state;
	ingest_one("http://l/1", "Job", "keep your passport");
	claim_ok("alice", 1, &a);
	assert_int_equal(store_queue_release(st, a, "bob", &it, &err), -1);
	assert_non_null(strstr(err.msg, "claimed by 'alice'"));
	assert_int_equal(store_queue_release(st, a, "alice", &it, &err), 0);
	assert_string_equal(json_string_value(json_object_get(it, "status")), "new");
	json_decref(it);
	assert_int_equal(store_queue_release(st, a, "alice", &it, &err), -1);
	assert_non_null(strstr(err.msg, "not claimed"));
	/* An expired claim may be released by anyone. */
	claim_ok("alice", 1, NULL);
	assert_int_equal(pg_run(&pg, "UPDATE queue_items SET claim_expires = now() - interval '1 second'",
				NULL, 0), 0);
	assert_int_equal(store_queue_release(st, a, "bob", &it, &err), 0);
	json_decref(it);
}

static void test_audit_every_action(void **state)
{
	struct lw_error err;
	json_t *it = NULL;
	char msg[512];
	long a;

	(void)state;
	ingest_one("http://a/1", "Job", "keep your passport");
	claim_ok("alice", 1, &a);
	assert_int_equal(store_queue_note(st, a, "alice", "calling the number", &it, &err), 0);
	json_decref(it);
	assert_int_equal(store_queue_release(st, a, "alice", &it, &err), 0);
	json_decref(it);
	claim_ok("alice", 1, NULL);
	assert_int_equal(pg_run(&pg, "UPDATE queue_items SET claim_expires = now() - interval '1 minute'",
				NULL, 0), 0);
	claim_ok("bob", 1, NULL);
	resolve_ok(a, "bob", "confirmed", NULL);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE item_id = %ld AND"
			       " (action, actor) IN (('queued', 'ingest:test'), ('claimed', 'alice'),"
			       " ('noted', 'alice'), ('released', 'alice'), ('claim_expired', 'system'),"
			       " ('claimed', 'bob'), ('resolved', 'bob'))", a), 8);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'resolved'"
			       " AND details->>'verdict' = 'confirmed'"
			       " AND details->>'previous_claimed_by' = 'bob'"), 1);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'noted'"
			       " AND details->>'note' = 'calling the number'"), 1);
	assert_int_equal(pg_run(&pg, "UPDATE audit_log SET actor = 'mallory'", msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "append-only"));
	assert_int_equal(pg_run(&pg, "DELETE FROM audit_log", msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "append-only"));
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE actor = 'mallory'"), 0);
}

static void test_show(void **state)
{
	struct lw_error err;
	json_t *it = NULL, *h;
	const char *text;
	long a;
	size_t i;

	(void)state;
	ingest_one("http://s/1", "Help wanted", "We keep your passport.\nYou pay a fee.");
	ingest_one("http://s/1", "Help wanted", "We keep your passport.\nYou pay a fee. Apply now.");
	a = item_of("http://s/1");
	assert_int_equal(store_queue_note(st, a, "carol", "seen before", &it, &err), 0);
	json_decref(it);
	assert_int_equal(store_queue_show(st, a, &it, &err), 0);
	text = json_string_value(json_object_get(it, "text"));
	assert_string_equal(text, "Help wanted\n\nWe keep your passport.\nYou pay a fee. Apply now.");
	assert_int_equal(json_integer_value(json_object_get(it, "versions")), 2);
	assert_int_equal(json_integer_value(json_object_get(it, "version")), 2);
	assert_string_equal(json_string_value(json_object_get(it, "source")), "test");
	assert_int_equal(json_array_size(json_object_get(it, "hits")), 2);
	json_array_foreach(json_object_get(it, "hits"), i, h) {
		json_int_t s = json_integer_value(json_object_get(h, "start"));
		json_int_t e = json_integer_value(json_object_get(h, "end"));
		const char *match = json_string_value(json_object_get(h, "match"));

		assert_int_equal((size_t)(e - s), strlen(match));
		assert_memory_equal(text + s, match, strlen(match));
	}
	assert_string_equal(json_string_value(json_object_get(json_array_get(
				    json_object_get(it, "notes"), 0), "note")), "seen before");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
				    json_object_get(it, "history"), 0), "action")), "queued");
	json_decref(it);
	assert_int_equal(store_queue_show(st, 424242, &it, &err), 0);
	assert_true(json_is_null(it));
	json_decref(it);
}

/* The score's replay from stored hits: distinct rules, halving within a
 * category, 1 + 0.25 per extra category, what is left as short text or,
 * with context, as one remaining factor. */
static void test_explain(void **state)
{
	static const struct {
		const char *hits;
		double score, base, mult, context, short_text, rest;
		long distinct;
	} cases[] = {
		/* a1 twice counts once; a2 (heavier) first, a1 halved: 5; b1: 1. */
		{ "[{\"rule\":\"a1\",\"category\":\"A\",\"weight\":2},"
		  "{\"rule\":\"a2\",\"category\":\"A\",\"weight\":4},"
		  "{\"rule\":\"a1\",\"category\":\"A\",\"weight\":2},"
		  "{\"rule\":\"b1\",\"category\":\"B\",\"weight\":1}]",
		  7.5, 6, 1.25, 0, 0, 0, 2 },
		{ "[{\"rule\":\"a2\",\"category\":\"A\",\"weight\":4}]", 8, 4, 1, 0, 2, 0, 1 },
		{ "[{\"rule\":\"a2\",\"category\":\"A\",\"weight\":4},"
		  "{\"rule\":\"c1\",\"category\":\"context\",\"weight\":-2}]", 3, 4, 1, -2, 0, 0.75, 1 },
		{ "[]", 0, 0, 1, 0, 0, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *hits = json_loads(cases[i].hits, 0, NULL);
		json_t *e = store_score_explain(hits, cases[i].score);
		json_t *st_ = json_object_get(e, "short_text"), *rest = json_object_get(e, "rest");

		assert_non_null(hits);
		assert_true(fabs(json_number_value(json_object_get(e, "base")) - cases[i].base) < 1e-9);
		assert_true(fabs(json_number_value(json_object_get(e, "multiplier")) - cases[i].mult) <
			    1e-9);
		assert_true(fabs(json_number_value(json_object_get(e, "context")) - cases[i].context) <
			    1e-9);
		assert_int_equal(json_integer_value(json_object_get(e, "distinct")), cases[i].distinct);
		assert_true(cases[i].short_text ? fabs(json_number_value(st_) - cases[i].short_text) <
			    1e-9 : st_ == NULL);
		assert_true(cases[i].rest ? fabs(json_number_value(rest) - cases[i].rest) < 1e-9 :
			    rest == NULL);
		json_decref(e);
		json_decref(hits);
	}
	/* The first case's rules in the order they count, with their factors. */
	{
		json_t *hits = json_loads(cases[0].hits, 0, NULL);
		json_t *e = store_score_explain(hits, 7.5);
		json_t *a = json_array_get(json_object_get(e, "categories"), 0);
		json_t *r1 = json_array_get(json_object_get(a, "rules"), 1);

		assert_int_equal(json_array_size(json_object_get(a, "rules")), 2);
		assert_string_equal(json_string_value(json_object_get(r1, "rule")), "a1");
		assert_true(fabs(json_number_value(json_object_get(r1, "factor")) - 0.5) < 1e-9);
		assert_true(fabs(json_number_value(json_object_get(a, "sum")) - 5) < 1e-9);
		json_decref(e);
		json_decref(hits);
	}
}

static void test_stats(void **state)
{
	struct lw_error err;
	json_t *s = NULL, *r;
	long ids[3];

	(void)state;
	ingest_one("http://x/1", "Job", "keep your passport");
	ingest_one("http://x/2", "Job", "keep your passport, pay a fee");
	ingest_one("http://x/3", "Job", "under 16");
	claim_ok("alice", 3, ids);
	resolve_ok(item_of("http://x/1"), "alice", "dismissed", NULL);
	resolve_ok(item_of("http://x/2"), "alice", "confirmed", NULL);
	assert_int_equal(store_queue_stats(st, &s, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(s, "total")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(s, "by_status"), "resolved")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(s, "by_verdict"), "dismissed")), 1);
	assert_int_equal(json_integer_value(json_object_get(s, "open_urgent")), 1);
	json_decref(s);
	assert_int_equal(store_rules_stats(st, &s, &err), 0);
	assert_int_equal(json_array_size(s), 3);
	r = json_array_get(s, 0); /* most dismissed first */
	assert_string_equal(json_string_value(json_object_get(r, "rule")), "keep_passport");
	assert_int_equal(json_integer_value(json_object_get(r, "items")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "dismissed")), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "confirmed")), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "open")), 0);
	json_decref(s);
}


/* A crawl's page writer and another session (a second crawl process, or
 * the crawl thread adding links) lock the same frontier rows in opposite
 * orders: the server rolls one of them back. When that is the batch, it
 * runs again and its pages are stored, instead of being lost with the
 * crawl's exit. The other session here holds row b, waits until the batch
 * is blocked on it, then asks for row a, which the batch holds. */
static void test_batch_survives_deadlock(void **state)
{
	const char *const first[1][3] = { { "https://x.test/seed", "Seed", "nothing" } };
	struct lw_error err;
	struct store_ingest *in;
	long sid, a, b;
	char sql[512], msg[512];
	pid_t pid;
	int status, fds[2];
	char ready;

	(void)state;
	ingest(st, first, 1);
	sid = count("SELECT source_id FROM listings WHERE url = 'https://x.test/seed'");
	assert_true(sid > 0);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO crawl_urls (source_id, url, kind, state, lease_owner, lease_expires)"
		 " SELECT %ld, u, 'detail', 'leased', 't', now() + interval '1 hour'"
		 " FROM unnest(ARRAY['https://x.test/a', 'https://x.test/b']) AS u", sid);
	if (pg_run(&pg, sql, msg, sizeof(msg)) < 0)
		fail_msg("%s", msg);
	a = count("SELECT id FROM crawl_urls WHERE url = 'https://x.test/a'");
	b = count("SELECT id FROM crawl_urls WHERE url = 'https://x.test/b'");
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		PGconn *c = PQconnectdb(pg.conninfo);
		PGresult *r;
		int ok = PQstatus(c) == CONNECTION_OK;

		/* This session never looks for the deadlock first: the batch,
		 * waiting since before it, is the one the server rolls back. */
		PQclear(PQexec(c, "SET deadlock_timeout = '20s'"));
		PQclear(PQexec(c, "BEGIN"));
		snprintf(sql, sizeof(sql), "SELECT 1 FROM crawl_urls WHERE id = %ld FOR UPDATE", b);
		r = PQexec(c, sql);
		ok = ok && PQresultStatus(r) == PGRES_TUPLES_OK;
		PQclear(r);
		ok = ok && write(fds[1], "r", 1) == 1;
		for (int i = 0; ok && i < 200; i++) {
			r = PQexec(c, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
				      " AND pid <> pg_backend_pid()");
			ok = PQresultStatus(r) == PGRES_TUPLES_OK;
			if (ok && atoi(PQgetvalue(r, 0, 0)) > 0) {
				PQclear(r);
				break;
			}
			PQclear(r);
			usleep(20 * 1000);
		}
		snprintf(sql, sizeof(sql), "SELECT 1 FROM crawl_urls WHERE id = %ld FOR UPDATE", a);
		r = PQexec(c, sql);
		ok = ok && PQresultStatus(r) == PGRES_TUPLES_OK;
		PQclear(r);
		usleep(200 * 1000);
		r = PQexec(c, "COMMIT");
		ok = ok && PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
		PQfinish(c);
		_exit(ok ? 0 : 1);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &ready, 1), 1); /* b is held */
	close(fds[0]);
	in = store_ingest_new(st, m, "test", "crawl:test", 50, &err);
	assert_non_null(in);
	for (int i = 0; i < 2; i++) {
		struct matcher_scanner *sc = matcher_scanner_new(m, &err);
		struct matcher_analysis an;
		struct store_listing li = { .url = i ? "https://x.test/b" : "https://x.test/a",
					    .title = "Farm work", .body = "pay a fee first",
					    .origin = "t", .frontier_id = i ? b : a,
					    .http_status = 200 };
		size_t len;
		char *text = store_compose_text(li.title, li.body, &len);

		assert_non_null(sc);
		matcher_analysis_init(&an);
		assert_int_equal(matcher_analyze(sc, text, len, MATCHER_INPUT_TEXT, NULL, &an, &err), 0);
		assert_int_equal(store_ingest_add(in, &li, &an, &err), 0);
		free(text);
		matcher_analysis_release(&an);
		matcher_scanner_free(sc);
	}
	if (store_ingest_flush(in, &err) < 0)
		fail_msg("flush: %s", err.msg);
	assert_int_equal(store_ingest_stats(in)->inserted, 2);
	store_ingest_free(in);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(count("SELECT count(*) FROM crawl_urls WHERE id IN (%ld, %ld)"
			       " AND state = 'done' AND fetches = 1", a, b), 2);
	assert_int_equal(count("SELECT count(*) FROM listings WHERE url LIKE 'https://x.test/_'"), 2);
	assert_int_equal(count("SELECT count(*) FROM queue_items q JOIN listings l"
			       " ON l.id = q.listing_id WHERE l.url LIKE 'https://x.test/_'"), 2);
}


/* One side of test_linking_concurrent: LINK_PAIRS ads in batches of 5, the
 * i-th giving the i-th of LINK_PAIRS phone numbers, which the other side's
 * i-th ad gives too. */
#define LINK_PAIRS 300
static void link_side(char side)
{
	static const char *const words[] = {
		"orchard", "harbour", "kitchen", "welding", "nursing", "tractor", "bakery", "laundry",
		"roofing", "cleaning", "driving", "packing", "fishing", "forestry", "painting",
		"plumbing", "security", "retail", "warehouse", "dairy", "vineyard", "carpentry",
		"tutoring", "catering", "gardening", "hospital", "airport", "mining", "textile",
		"printing", "shipping", "recycling" };
	struct lw_error err;
	struct store *s = store_open(pg.conninfo, 0, &err);
	struct engine_ingest *in;
	char url[64], body[256];

	if (!s)
		_exit(3);
	in = engine_ingest_new(s, m, "test", "ingest:test", 5, 1, &err);
	if (!in)
		_exit(4);
	for (int i = 0; i < LINK_PAIRS; i++) {
		struct store_listing li = { .url = url, .title = "Farm work", .body = body,
					    .origin = url };

		size_t o;

		snprintf(url, sizeof(url), "https://p.test/%c%d", side, i);
		/* Texts far apart, so that only the number links them. */
		o = (size_t)snprintf(body, sizeof(body), "Call +64 21 43%05d.", 100 + i);
		for (unsigned w = 0, r = (unsigned)i * 7919u + (unsigned)side; w < 12; w++) {
			r = r * 1103515245u + 12345u;
			o += (size_t)snprintf(body + o, sizeof(body) - o, " %s",
					      words[(r >> 16) % (sizeof(words) / sizeof(*words))]);
		}
		if (engine_ingest_add(in, &li, &err) < 0)
			_exit(5);
	}
	if (engine_ingest_flush(in, &err) < 0) {
		fprintf(stderr, "side %c: %s\n", side, err.msg);
		_exit(6);
	}
	engine_ingest_free(in);
	store_close(s);
	_exit(0);
}

/* Two ingests on one database at once (two machines, or rescan --jobs 2):
 * each batch counts a contact's ads and looks for the ads it shares with
 * under its own snapshot, so without linking one batch at a time an ad and
 * its mate written at the same moment never saw each other (no link, and
 * the contact's count of ads one short, which is what decides whether a
 * switchboard stops linking). */
static void test_linking_concurrent(void **state)
{
	pid_t pid[2];
	int status;
	long rows, stats, twos, pairs;

	(void)state;
	for (int k = 0; k < 2; k++) {
		pid[k] = fork();
		assert_true(pid[k] >= 0);
		if (pid[k] == 0)
			link_side(k ? 'b' : 'a');
	}
	for (int k = 0; k < 2; k++) {
		assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	rows = count("SELECT count(*) FROM listings WHERE url LIKE 'https://p.test/%%'");
	stats = count("SELECT count(*) FROM contact_stats WHERE normalized LIKE '+642143%%'");
	twos = count("SELECT count(*) FROM contact_stats WHERE normalized LIKE '+642143%%'"
		     " AND listings = 2");
	pairs = count("SELECT count(*) FROM listings a JOIN listings b"
		      " ON b.url = replace(a.url, '/a', '/b')"
		      " JOIN listing_networks na ON na.listing_id = a.id"
		      " JOIN listing_networks nb ON nb.listing_id = b.id"
		      " WHERE a.url LIKE 'https://p.test/a%%' AND na.network_id = nb.network_id");
	if (rows != 2 * LINK_PAIRS || stats != LINK_PAIRS || twos != LINK_PAIRS || pairs != LINK_PAIRS)
		fail_msg("%ld listings, %ld numbers counted, %ld of them in 2 ads, %ld pairs linked;"
			 " want %d, %d, %d, %d", rows, stats, twos, pairs, 2 * LINK_PAIRS, LINK_PAIRS,
			 LINK_PAIRS, LINK_PAIRS);
}

/* ---- watch -------------------------------------------------------------------------------- */

static volatile int watch_stop;
static long watched;

static void on_alarm(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static int on_item(json_t *item, void *ctx)
{
	(void)ctx;
	watched = item_id(item);
	return 1;
}

static void test_watch(void **state)
{
	struct lw_error err;
	struct sigaction sa;
	pid_t pid;
	int status;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *s;
		const char *const l[1][3] = { { "http://w/1", "Job", "pay a fee" } };

		/* The parent's connection is shared: leave it alone. */
		usleep(700 * 1000);
		s = store_open(pg.conninfo, 0, &err);
		if (!s)
			_exit(3);
		ingest(s, l, 1);
		store_close(s);
		_exit(0);
	}
	watched = 0;
	watch_stop = 0;
	alarm(15);
	assert_int_equal(store_queue_watch(st, on_item, NULL, &watch_stop, NULL, &err), 0);
	alarm(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(watched, item_of("http://w/1"));
	assert_true(watched > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_checks_analysis, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_versions_and_requeue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_claims, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_claims_return, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urgent_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_every_action, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show, setup, teardown),
		cmocka_unit_test(test_explain),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_survives_deadlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linking_concurrent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

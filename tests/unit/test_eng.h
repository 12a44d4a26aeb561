/* SPDX-License-Identifier: MIT */
/* Test helpers shared by the matcher's engine tests: a pack written to a
 * temp folder, compiled without a cache, a scanner and a result, and
 * assertions on which rules fired and on which bytes. Include after
 * cmocka.h, with a `tmpdir` array defined. */
#ifndef LW_TEST_ENG_H
#define LW_TEST_ENG_H

/* ---- helpers ---------------------------------------------------------------- */

static inline void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* An engine under test: matcher, scanner and a result to fill. */
struct eng {
	struct matcher *m;
	struct matcher_scanner *sc;
	struct matcher_result r;
};

static inline struct matcher *compile_path(const char *path, const char *cache_dir, double threshold)
{
	struct matcher_options opts = { cache_dir, threshold };
	struct lw_error err;
	struct matcher_pack *pack;
	struct matcher *m;

	memset(&err, 0, sizeof(err));
	pack = matcher_pack_load(path, &err);
	if (!pack)
		fail_msg("load %s: %s", path, err.msg);
	m = matcher_compile(pack, &opts, &err);
	if (!m)
		fail_msg("compile %s: %s", path, err.msg);
	return m;
}

static inline void eng_open(struct eng *e, const char *rules, double threshold)
{
	char path[4096];
	struct lw_error err;

	snprintf(path, sizeof(path), "%s/engine.rules", tmpdir);
	write_file(path, rules);
	e->m = compile_path(path, "", threshold);
	e->sc = matcher_scanner_new(e->m, &err);
	if (!e->sc)
		fail_msg("scanner: %s", err.msg);
	matcher_result_init(&e->r);
}

static inline void eng_close(struct eng *e)
{
	matcher_result_release(&e->r);
	matcher_scanner_free(e->sc);
	matcher_free(e->m);
}

static inline void scan_kind(struct eng *e, const char *text, size_t len, int kind)
{
	struct lw_error err;

	if (matcher_scan(e->sc, text, len, kind, &e->r, &err) < 0)
		fail_msg("scan: %s", err.msg);
}

static inline void scan(struct eng *e, const char *text)
{
	scan_kind(e, text, strlen(text), MATCHER_INPUT_TEXT);
}

static inline size_t rule_index(const struct matcher *m, const char *id)
{
	const struct matcher_pack *pack = matcher_get_pack(m);

	for (size_t i = 0; i < matcher_pack_rule_count(pack); i++)
		if (strcmp(matcher_pack_rule(pack, i)->id, id) == 0)
			return i;
	fail_msg("no rule '%s'", id);
	return 0;
}

static inline int fired(struct eng *e, const char *id)
{
	return matcher_result_has_rule(&e->r, rule_index(e->m, id));
}

static inline void expect_fires(struct eng *e, const char *id, const char *text, int want)
{
	scan(e, text);
	if (fired(e, id) != want)
		fail_msg("rule '%s' %s on \"%.120s\"", id, want ? "did not fire" : "fired", text);
}

/* The hits of rule id, in order. */
static inline size_t hits_of(struct eng *e, const char *id, struct matcher_hit *out, size_t max)
{
	size_t rule = rule_index(e->m, id), n = 0;

	for (size_t i = 0; i < e->r.nhits; i++)
		if (e->r.hits[i].rule == rule && n < max)
			out[n++] = e->r.hits[i];
	return n;
}

/* Asserts that rule id has a hit whose bytes of the scanned text are want. */
static inline void expect_span(struct eng *e, const char *id, const char *want)
{
	struct matcher_hit h[32];
	size_t n = hits_of(e, id, h, 32);

	for (size_t i = 0; i < n; i++) {
		assert_true(h[i].start < h[i].end);
		assert_true(h[i].end <= e->r.text_len);
		if (h[i].end - h[i].start == strlen(want) &&
		    memcmp(e->r.text + h[i].start, want, strlen(want)) == 0)
			return;
	}
	for (size_t i = 0; i < n; i++)
		print_error("  hit %zu-%zu \"%.*s\"\n", h[i].start, h[i].end,
			    (int)(h[i].end - h[i].start), e->r.text + h[i].start);
	fail_msg("rule '%s': no hit spanning \"%s\" (%zu hits)", id, want, n);
}

#endif

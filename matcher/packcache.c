/* SPDX-License-Identifier: MIT */
/* The parsed-pack cache: a warm start reads the pack's rules back from one
 * file instead of parsing its .rules files again. Parsing was half of a warm
 * `lurewatch match`'s instructions (callgrind: 76 of 141 million, the INI
 * parser 44 of them). Keyed like the database cache, by the hash of every
 * file's path and bytes (which the caller still reads and hashes, so any
 * edit is a miss), with our version; a file that does not read back whole
 * and consistent is a miss, never an error. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "matcher_internal.h"
#include "pack_internal.h"

#define PACKC_MAGIC "LWPACK2"
#define PACKC_MAX_FILE (256u * 1024u * 1024u)
#define NO_STRING UINT32_MAX

#ifndef LW_VERSION
#define LW_VERSION "dev"
#endif

/* Every field of a rule and of a pack is written below or rebuilt on
 * reading; a new field must be added to both, or a warm start would lose
 * it. A tripwire on the build machine's layout fails the build until it is
 * (then update the sizes; the cache_ fields are this file's own). */
#if defined(__x86_64__) && defined(__LP64__)
_Static_assert(sizeof(struct pack_rule) == 368, "new pack_rule field: serialise it here");
_Static_assert(sizeof(struct matcher_pack) == 232, "new matcher_pack field: serialise it here");
#endif

static char *packc_path(const char *prehash, const char *dir)
{
	struct lw_sha256 c;
	char key[65];
	struct lw_buf b;

	lw_sha256_init(&c);
	lw_sha256_update(&c, prehash, strlen(prehash));
	lw_sha256_update(&c, LW_VERSION, strlen(LW_VERSION));
	lw_sha256_update(&c, PACKC_MAGIC, strlen(PACKC_MAGIC));
	lw_sha256_hex(&c, key);
	lw_buf_init(&b, 8192);
	if (lw_buf_printf(&b, "%s/%s.pack", dir, key) < 0) {
		lw_buf_release(&b);
		return NULL;
	}
	return lw_buf_detach(&b, NULL);
}

/* ---- writing ----------------------------------------------------------------- */

struct wr {
	struct lw_buf b;
	int full;               /* an add past PACKC_MAX_FILE was refused */
};

static void put(struct wr *w, const void *p, size_t n)
{
	if (lw_buf_add(&w->b, p, n) < 0)
		w->full = 1;
}

static void put_u32(struct wr *w, uint32_t v)
{
	put(w, &v, sizeof(v));
}

static void put_i32(struct wr *w, int v)
{
	int32_t x = v;

	put(w, &x, sizeof(x));
}

static void put_f64(struct wr *w, double v)
{
	put(w, &v, sizeof(v));
}

static void put_str(struct wr *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_u32(w, s ? (uint32_t)n : NO_STRING);
	/* With its NUL: a warm start uses the string where it lies. */
	if (s)
		put(w, s, n + 1);
}

static void put_strv(struct wr *w, const struct strv *s)
{
	put_u32(w, (uint32_t)s->n);
	for (size_t i = 0; i < s->n; i++) {
		put_str(w, s->v[i]);
		put_i32(w, s->lines[i]);
	}
}

static void put_rule(struct wr *b, const struct matcher_pack *pack, const struct pack_rule *r)
{
	uint32_t file = UINT32_MAX;

	for (size_t f = 0; f < pack->nfiles; f++)
		if (pack->files[f] == r->file)
			file = (uint32_t)f;
	put_i32(b, r->pub.is_term);
	put_i32(b, r->pub.is_words);
	put_i32(b, r->pub.category);
	put_f64(b, r->pub.weight);
	put_str(b, r->id);
	put_str(b, r->description);
	put_str(b, r->source);
	put_str(b, r->lang);
	put_str(b, r->combine);
	put_str(b, r->family);
	put_u32(b, file);
	put_i32(b, r->line);
	put_i32(b, r->combine_line);
	put_i32(b, r->has_category);
	put_i32(b, r->has_weight);
	put_strv(b, &r->patterns);
	put_strv(b, &r->examples);
	put_strv(b, &r->counterexamples);
	put_strv(b, &r->words);
}

/* cache_write_file's writer: the buffer built below, whole. */
static int put_all(FILE *f, void *arg)
{
	const struct lw_buf *b = arg;

	return b->len && fwrite(b->data, b->len, 1, f) == 1 ? 0 : -1;
}

int pack_cache_store(const struct matcher_pack *pack, const char *weights, const char *prehash,
		     const char *dir, struct lw_error *err)
{
	char *path = packc_path(prehash, dir);
	struct wr w = { .full = 0 };
	int rc = -1;

	if (!path)
		return lw_error_set(err, "pack cache path too long");
	if (cache_mkdirs(dir) < 0) {
		lw_error_set(err, "cannot create cache folder '%s': %s", dir, strerror(errno));
		free(path);
		return -1;
	}
	lw_buf_init(&w.b, PACKC_MAX_FILE);
	put(&w, PACKC_MAGIC, 8);
	put_str(&w, pack->name);
	put_str(&w, pack->version);
	put_str(&w, pack->description);
	put_f64(&w, pack->threshold);
	put_i32(&w, pack->has_threshold);
	put_f64(&w, pack->short_words);
	put_f64(&w, pack->short_boost);
	put_f64(&w, pack->context_halving);
	put_str(&w, weights);
	put_u32(&w, (uint32_t)pack->nfiles);
	put_u32(&w, (uint32_t)pack->nrules);
	for (size_t i = 0; i < pack->nrules; i++)
		put_rule(&w, pack, &pack->rules[i]);
	if (w.full) {
		lw_error_set(err, "rule pack too large to cache");
		goto out;
	}
	if (cache_write_file(path, put_all, &w.b, err) < 0)
		goto out;
	rc = 0;
out:
	lw_buf_release(&w.b);
	free(path);
	return rc;
}

/* ---- reading ----------------------------------------------------------------- */

struct rd {
	const char *p;
	size_t left;
	int bad;                /* set by the first read past the end or bad value */
	char *arrays;           /* the pack's cache_arrays, filled from the start */
	size_t arrays_used, arrays_cap;
};

static void take(struct rd *r, void *out, size_t n)
{
	if (r->bad || n > r->left) {
		r->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
}

static uint32_t take_u32(struct rd *r)
{
	uint32_t v;

	take(r, &v, sizeof(v));
	return v;
}

static int take_i32(struct rd *r)
{
	int32_t v;

	take(r, &v, sizeof(v));
	return v;
}

static double take_f64(struct rd *r)
{
	double v;

	take(r, &v, sizeof(v));
	return v;
}

/* A string where it lies in the mapped file (the pack owns the mapping:
 * pack_cache_owns), or NULL for a NULL one or a bad file. Not copied: the
 * 30,000 strings of the default pack, copied, were a third of a warm
 * match's page faults, each a fresh heap page's. */
static char *take_str(struct rd *r)
{
	uint32_t n = take_u32(r);
	const char *s = r->p;

	if (r->bad || n == NO_STRING)
		return NULL;
	if (n >= r->left || s[n] != '\0' || memchr(s, '\0', n)) {
		r->bad = 1;
		return NULL;
	}
	r->p += n + 1;
	r->left -= n + 1;
	return (char *)s;
}

static void take_strv(struct rd *r, struct strv *s)
{
	/* Each entry takes at least 8 bytes: a count past that is damage. */
	uint32_t n = take_u32(r);
	size_t vbytes, lbytes;

	if (r->bad || n > r->left / 8) {
		r->bad = 1;
		return;
	}
	/* Carved from one block: thousands of small callocs were a fifth of a
	 * warm match's page faults. The block's bound (pack_cache_load) holds
	 * whatever the file says, but a count is checked against it anyway. */
	vbytes = n * sizeof(*s->v);
	lbytes = (n * sizeof(*s->lines) + 7) & ~(size_t)7;
	if (vbytes + lbytes > r->arrays_cap - r->arrays_used) {
		r->bad = 1;
		return;
	}
	if (n == 0)
		return; /* as a parsed rule's empty list: NULL */
	s->v = (char **)(void *)(r->arrays + r->arrays_used);
	s->lines = (int *)(void *)(r->arrays + r->arrays_used + vbytes);
	r->arrays_used += vbytes + lbytes;
	s->cap = n;
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		s->v[i] = take_str(r);
		s->lines[i] = take_i32(r);
		s->n = i + 1;
		if (!s->v[i])
			r->bad = 1;
	}
}

static void take_rule(struct rd *r, struct matcher_pack *pack, struct pack_rule *x)
{
	uint32_t file;

	x->pub.is_term = take_i32(r);
	x->pub.is_words = take_i32(r);
	x->pub.category = take_i32(r);
	x->pub.weight = take_f64(r);
	x->id = take_str(r);
	x->description = take_str(r);
	x->source = take_str(r);
	x->lang = take_str(r);
	x->combine = take_str(r);
	x->family = take_str(r);
	file = take_u32(r);
	x->file = file < pack->nfiles ? pack->files[file] : NULL;
	x->line = take_i32(r);
	x->combine_line = take_i32(r);
	x->has_category = take_i32(r);
	x->has_weight = take_i32(r);
	take_strv(r, &x->patterns);
	take_strv(r, &x->examples);
	take_strv(r, &x->counterexamples);
	take_strv(r, &x->words);
	/* Scoring indexes arrays by category: a value the parser could not
	 * have produced is damage, not a rule. */
	if (!x->id || !x->file || x->pub.category < -1 || x->pub.category >= MATCHER_CAT_COUNT)
		r->bad = 1;
}

int pack_cache_load(struct matcher_pack *pack, char **weights, const char *prehash,
		    const char *dir, struct lw_error *damaged)
{
	char *path = packc_path(prehash, dir), *data = NULL, *w = NULL;
	char magic[8];
	size_t len = 0;
	uint32_t nfiles, nrules;
	struct rd r;
	int rc = -1;

	if (!path || access(path, F_OK) < 0)
		goto out;
	/* From here on a failure is a file that exists but does not read
	 * back whole: a truncated or damaged cache, worth a word. */
	if (cache_map_file(path, PACKC_MAX_FILE, &data, &len, damaged) < 0)
		goto out;
	/* Hit or miss, pack_forget_rules unmaps it after the strings go. */
	pack->cache_bytes = data;
	pack->cache_len = len;
	/* Each list entry takes at least 9 bytes of the file (length, NUL,
	 * line) and 12 here, each list at most 8 more: twice the file's size
	 * bounds them all. Pages never written are never faulted in. */
	r.arrays_cap = 2 * len + 64;
	r.arrays = pack->cache_arrays = xmalloc(r.arrays_cap);
	pack->cache_arrays_len = r.arrays_cap;
	r.arrays_used = 0;
	r.p = data;
	r.left = len;
	r.bad = 0;
	take(&r, magic, sizeof(magic));
	if (r.bad || memcmp(magic, PACKC_MAGIC, sizeof(magic)) != 0)
		goto out;
	pack->name = take_str(&r);
	pack->version = take_str(&r);
	pack->description = take_str(&r);
	pack->threshold = take_f64(&r);
	pack->has_threshold = take_i32(&r);
	pack->short_words = take_f64(&r);
	pack->short_boost = take_f64(&r);
	pack->context_halving = take_f64(&r);
	w = take_str(&r);
	nfiles = take_u32(&r);
	nrules = take_u32(&r);
	/* A rule takes at least 100 bytes. */
	if (r.bad || nfiles != pack->nfiles || nrules == 0 || nrules > r.left / 100)
		goto out;
	pack->rules = xcalloc(nrules, sizeof(*pack->rules));
	pack->cap = nrules;
	for (uint32_t i = 0; i < nrules && !r.bad; i++) {
		take_rule(&r, pack, &pack->rules[i]);
		pack->nrules = i + 1;
		if (!r.bad && pack_find(pack, pack->rules[i].id) >= 0)
			r.bad = 1;
		if (!r.bad)
			pack_index_add(pack, i);
	}
	if (r.bad || r.left != 0)
		goto out;
	*weights = w ? xstrdup(w) : NULL;
	rc = 0;
out:
	if (rc < 0 && path && access(path, F_OK) == 0 && (!damaged || !damaged->msg[0]))
		lw_error_set(damaged, "cache file '%s' is damaged", path);
	free(path);
	return rc;
}

static int within(const void *s, const char *start, size_t len)
{
	uintptr_t p = (uintptr_t)s, b = (uintptr_t)start;

	return start && p >= b && p - b < len;
}

int pack_cache_owns(const struct matcher_pack *pack, const void *s)
{
	return within(s, pack->cache_bytes, pack->cache_len) ||
	       within(s, pack->cache_arrays, pack->cache_arrays_len);
}

void pack_cache_unmap(struct matcher_pack *pack)
{
	if (pack->cache_bytes)
		munmap(pack->cache_bytes, pack->cache_len);
	free(pack->cache_arrays);
	pack->cache_bytes = pack->cache_arrays = NULL;
	pack->cache_len = pack->cache_arrays_len = 0;
}

/* SPDX-License-Identifier: MIT */
/* Rule-pack loading: INI files read with libinih into rules, with file:line
 * errors for everything an analyst can get wrong. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


#include "../util/buf.h"
#include "../util/ini.h"
#include "../util/xmalloc.h"
#include "comb.h"
#include "matcher_internal.h"
#include "pack_internal.h"

#define PACK_MAX_FILE (8u * 1024u * 1024u)
#define PACK_MAX_ERRORS 8
#define ID_MAX 64

/* Parse state for one file. */
struct load {
	struct matcher_pack *pack;
	struct lw_buf errors;
	int nerrors;
	const char *file;
	int line;               /* of the key being handled */
	long cur;               /* rule index of the current section, -1 none */
	int in_pack;            /* inside [pack] */
	int bad_section;        /* inside a section that could not be parsed */
	int seen_pack;
	char *weights;          /* [pack] weights, resolved against its file's folder */
};

static void add_error(struct load *ld, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_error(struct load *ld, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	ld->nerrors++;
	if (ld->nerrors > PACK_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->errors.len)
		lw_buf_addc(&ld->errors, '\n');
	lw_buf_printf(&ld->errors, "%s:%d: %s", ld->file, line, msg);
}

static void strv_push(struct strv *s, const char *v, int line)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
		s->lines = xreallocarray(s->lines, s->cap, sizeof(*s->lines));
	}
	s->v[s->n] = xstrdup(v);
	s->lines[s->n] = line;
	s->n++;
}

static void strv_append(struct strv *s, const char *v, const char *sep)
{
	char **last = &s->v[s->n - 1];
	size_t a = strlen(*last), b = strlen(v), c = strlen(sep);
	char *p = xmalloc(a + b + c + 1);

	memcpy(p, *last, a);
	memcpy(p + a, sep, c);
	memcpy(p + a + c, v, b + 1);
	free(*last);
	*last = p;
}

/* Frees s unless a warm start left it in the mapped cache file. */
static void free_str(const struct matcher_pack *pack, char *s)
{
	if (!pack_cache_owns(pack, s))
		free(s);
}

static void strv_release(const struct matcher_pack *pack, struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free_str(pack, s->v[i]);
	free_str(pack, (char *)s->v);
	free_str(pack, (char *)s->lines);
}

static int valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > ID_MAX || !isalpha((unsigned char)id[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '_')
			return 0;
	return 1;
}

static struct pack_rule *new_rule(struct matcher_pack *pack, const char *id,
				  const char *file, int line, int is_term)
{
	struct pack_rule *r;

	if (pack->nrules == pack->cap) {
		pack->cap = pack->cap ? pack->cap * 2 : 64;
		pack->rules = xreallocarray(pack->rules, pack->cap, sizeof(*pack->rules));
	}
	r = &pack->rules[pack->nrules++];
	memset(r, 0, sizeof(*r));
	r->id = xstrdup(id);
	r->file = file;
	r->line = line;
	r->pub.is_term = is_term;
	r->pub.category = -1;
	pack_index_add(pack, pack->nrules - 1);
	return r;
}

/* ---- sections --------------------------------------------------------------- */

static void start_section(void *user, const char *name, int line)
{
	struct load *ld = user;
	char kind[16], id[128];
	long dup;
	int n = 0;

	ld->line = line;
	ld->cur = -1;
	ld->in_pack = 0;
	ld->bad_section = 0;
	if (strcmp(name, "pack") == 0) {
		if (ld->seen_pack || ld->pack->name)
			add_error(ld, ld->line, "a pack has only one [pack] section");
		ld->seen_pack = 1;
		ld->in_pack = 1;
		return;
	}
	if (sscanf(name, "%15s %127s%n", kind, id, &n) != 2 || name[n] != '\0' ||
	    (strcmp(kind, "rule") != 0 && strcmp(kind, "term") != 0 && strcmp(kind, "words") != 0)) {
		add_error(ld, ld->line,
			  "bad section '[%s]': expected [pack], [rule ID], [term ID] or [words ID]", name);
		ld->bad_section = 1;
		return;
	}
	if (!valid_id(id)) {
		add_error(ld, ld->line, "bad id '%s': letters, digits and _, starting with a letter, at most %d",
			  id, ID_MAX);
		ld->bad_section = 1;
		return;
	}
	dup = pack_find(ld->pack, id);
	if (dup >= 0) {
		add_error(ld, ld->line, "duplicate id '%s' (first defined at %s:%d)", id,
			  ld->pack->rules[dup].file, ld->pack->rules[dup].line);
		ld->bad_section = 1;
		return;
	}
	new_rule(ld->pack, id, ld->file, ld->line, strcmp(kind, "rule") != 0);
	ld->pack->rules[ld->pack->nrules - 1].pub.is_words = strcmp(kind, "words") == 0;
	ld->cur = (long)ld->pack->nrules - 1;
}

/* ---- keys --------------------------------------------------------------- */

static int parse_number(const char *v, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	/* Every range check is false for NaN: refuse it (and infinities) here. */
	if (errno || end == v || *end != '\0' || d != d || d > 1e300 || d < -1e300)
		return -1;
	*out = d;
	return 0;
}

/* A relative weights path is relative to the pack file that names it, so a
 * pack folder can be moved or installed with its weights beside it. */
static void set_weights(struct load *ld, const char *value)
{
	const char *slash = strrchr(ld->file, '/');
	struct lw_buf p;
	int rc;

	if (ld->weights) {
		add_error(ld, ld->line, "a pack has only one weights file");
		return;
	}
	if (!value[0]) {
		add_error(ld, ld->line, "empty weights: expected a file name");
		return;
	}
	lw_buf_init(&p, 8192);
	rc = value[0] == '/' || !slash ? lw_buf_adds(&p, value)
		: lw_buf_printf(&p, "%.*s/%s", (int)(slash - ld->file), ld->file, value);
	if (rc < 0 || !p.data)
		add_error(ld, ld->line, "weights path '%s' is too long", value);
	else
		ld->weights = lw_buf_detach(&p, NULL);
	lw_buf_release(&p);
}

static void pack_key(struct load *ld, const char *name, const char *value)
{
	struct matcher_pack *pack = ld->pack;
	char **slot = NULL;

	if (strcmp(name, "name") == 0)
		slot = &pack->name;
	else if (strcmp(name, "version") == 0)
		slot = &pack->version;
	else if (strcmp(name, "description") == 0)
		slot = &pack->description;
	else if (strcmp(name, "weights") == 0) {
		set_weights(ld, value);
		return;
	} else if (strcmp(name, "short_text_words") == 0) {
		if (parse_number(value, &pack->short_words) < 0 || pack->short_words < 0 ||
		    pack->short_words > 10000)
			add_error(ld, ld->line, "bad short_text_words '%s': expected 0 to 10000", value);
		return;
	} else if (strcmp(name, "short_text_boost") == 0) {
		if (parse_number(value, &pack->short_boost) < 0 || pack->short_boost < 0 ||
		    pack->short_boost > 2)
			add_error(ld, ld->line, "bad short_text_boost '%s': expected 0 to 2", value);
		return;
	} else if (strcmp(name, "context_halving") == 0) {
		if (parse_number(value, &pack->context_halving) < 0 || pack->context_halving < 0 ||
		    pack->context_halving > 100)
			add_error(ld, ld->line, "bad context_halving '%s': expected 0 to 100", value);
		return;
	} else if (strcmp(name, "threshold") == 0) {
		if (parse_number(value, &pack->threshold) < 0 || pack->threshold <= 0)
			add_error(ld, ld->line, "bad threshold '%s': expected a positive number", value);
		else
			pack->has_threshold = 1;
		return;
	} else {
		add_error(ld, ld->line, "unknown key '%s' in [pack]", name);
		return;
	}
	free(*slot);
	*slot = xstrdup(value);
}

static void set_string(struct load *ld, char **slot, const char *name, const char *value)
{
	if (*slot) {
		add_error(ld, ld->line, "key '%s' given twice", name);
		return;
	}
	*slot = xstrdup(value);
}

/* Splits a words value at commas; every item keeps the line it is on. */
static void add_words(struct load *ld, struct pack_rule *r, const char *value)
{
	const char *p = value;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char item[256];

		while (n && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (n >= sizeof(item))
			add_error(ld, ld->line, "word list '%s': item '%.30s...' longer than %zu bytes", r->id,
				  p, sizeof(item) - 1);
		else if (n) {
			memcpy(item, p, n);
			item[n] = '\0';
			strv_push(&r->words, item, ld->line);
		}
		if (!e)
			break;
		p = e + 1;
	}
}

static int valid_family(const char *v)
{
	if (!*v || strlen(v) > ID_MAX)
		return 0;
	for (; *v; v++)
		if (!(*v >= 'a' && *v <= 'z') && !(*v >= '0' && *v <= '9') && *v != '_')
			return 0;
	return 1;
}

static void rule_key(struct load *ld, struct pack_rule *r, const char *name, const char *value)
{
	int term = r->pub.is_term;

	if (r->pub.is_words) {
		if (strcmp(name, "words") == 0)
			add_words(ld, r, value);
		else if (strcmp(name, "description") == 0)
			set_string(ld, &r->description, name, value);
		else
			add_error(ld, ld->line,
				  "unknown key '%s' in [words %s]: a word list has only words and description",
				  name, r->id);
		return;
	}
	if (strcmp(name, "pattern") == 0) {
		strv_push(&r->patterns, value, ld->line);
	} else if (strcmp(name, "description") == 0) {
		set_string(ld, &r->description, name, value);
	} else if (term) {
		add_error(ld, ld->line, "unknown key '%s' in [term %s]: a term has only pattern and description",
			  name, r->id);
	} else if (strcmp(name, "category") == 0) {
		r->pub.category = matcher_category_parse(value);
		r->has_category = 1;
		if (r->pub.category < 0 || r->pub.category == MATCHER_CAT_ADHOC)
			add_error(ld, ld->line, "unknown category '%s'", value);
	} else if (strcmp(name, "weight") == 0) {
		r->has_weight = 1;
		if (parse_number(value, &r->pub.weight) < 0 || r->pub.weight < -10 || r->pub.weight > 10)
			add_error(ld, ld->line, "bad weight '%s': expected a number from -10 to 10", value);
	} else if (strcmp(name, "combine") == 0) {
		set_string(ld, &r->combine, name, value);
		r->combine_line = ld->line;
	} else if (strcmp(name, "example") == 0) {
		strv_push(&r->examples, value, ld->line);
	} else if (strcmp(name, "counterexample") == 0) {
		strv_push(&r->counterexamples, value, ld->line);
	} else if (strcmp(name, "source") == 0) {
		set_string(ld, &r->source, name, value);
	} else if (strcmp(name, "lang") == 0) {
		set_string(ld, &r->lang, name, value);
	} else if (strcmp(name, "family") == 0) {
		if (!valid_family(value))
			add_error(ld, ld->line, "bad family '%s': lower-case letters, digits and _", value);
		else
			set_string(ld, &r->family, name, value);
	} else {
		add_error(ld, ld->line, "unknown key '%s' in [rule %s]", name, r->id);
	}
}

/* A continuation line extends the previous value of the same key. */
static int continue_value(struct pack_rule *r, const char *name, const char *value)
{
	struct strv *s = NULL;
	const char *sep = " ";

	if (strcmp(name, "pattern") == 0) {
		s = &r->patterns;
		sep = "";
	} else if (strcmp(name, "example") == 0) {
		s = &r->examples;
	} else if (strcmp(name, "counterexample") == 0) {
		s = &r->counterexamples;
	} else if (strcmp(name, "combine") == 0 && r->combine) {
		/* A long expression goes on over indented lines. */
		char *old = r->combine;
		size_t a = strlen(old), b = strlen(value);

		r->combine = xmalloc(a + b + 2);
		memcpy(r->combine, old, a);
		r->combine[a] = ' ';
		memcpy(r->combine + a + 1, value, b + 1);
		free(old);
		return 1;
	} else if (strcmp(name, "description") == 0 && r->description) {
		char *old = r->description;
		size_t a = strlen(old), b = strlen(value);

		r->description = xmalloc(a + b + 2);
		memcpy(r->description, old, a);
		r->description[a] = ' ';
		memcpy(r->description + a + 1, value, b + 1);
		free(old);
		return 1;
	}
	if (!s || s->n == 0)
		return 0;
	strv_append(s, value, sep);
	return 1;
}

static void on_key(void *user, const char *name, const char *value, int line, int continued)
{
	struct load *ld = user;
	struct pack_rule *r;

	ld->line = line;
	if (ld->bad_section)
		return;
	if (ld->in_pack) {
		if (continued)
			add_error(ld, line, "[pack] values fit on one line");
		else
			pack_key(ld, name, value);
		return;
	}
	if (ld->cur < 0) {
		add_error(ld, line, "key '%s' outside any [rule ID] or [term ID] section", name);
		return;
	}
	r = &ld->pack->rules[ld->cur];
	/* A continuation line of a word list holds more items. */
	if (!continued || r->pub.is_words || !continue_value(r, name, value))
		rule_key(ld, r, name, value);
}

static void on_error(void *user, int line, const char *msg)
{
	add_error(user, line, "%s", msg);
}

static const struct lw_ini_handler ini_handler = { start_section, on_key, on_error };

/* ---- validation ----------------------------------------------------------- */

/* A word-list item: words and phrases, '*' only as the last character
 * (a stem, at least three characters long). */
static void check_words(struct load *ld, struct pack_rule *r)
{
	if (r->words.n == 0)
		add_error(ld, r->line, "word list '%s' has no words", r->id);
	for (size_t i = 0; i < r->words.n; i++) {
		const char *w = r->words.v[i], *star = strchr(w, '*');
		size_t n = strlen(w);

		if (star && star != w + n - 1)
			add_error(ld, r->words.lines[i],
				  "word list '%s': item '%s': '*' is allowed only at the end (a stem)", r->id, w);
		else if (star && n < 4)
			add_error(ld, r->words.lines[i],
				  "word list '%s': item '%s': a stem needs at least three characters before '*'",
				  r->id, w);
	}
}

static void check_rule(struct load *ld, struct pack_rule *r)
{
	int line = r->line;
	const char *id = r->id;

	if (r->pub.is_words) {
		check_words(ld, r);
		return;
	}

	if (r->patterns.n == 0 && !r->combine)
		add_error(ld, line, "%s '%s' has no pattern%s", r->pub.is_term ? "term" : "rule", id,
			  r->pub.is_term ? "" : " and no combine");
	if (r->patterns.n && r->combine)
		add_error(ld, r->combine_line, "rule '%s' has both pattern and combine: use one", id);
	if (r->pub.is_term)
		return;
	if (!r->has_category)
		add_error(ld, line, "rule '%s' has no category", id);
	if (!r->has_weight)
		add_error(ld, line, "rule '%s' has no weight", id);
	if (!r->description)
		add_error(ld, line, "rule '%s' has no description", id);
	if (r->has_category && r->has_weight && r->pub.weight < 0 &&
	    r->pub.category != MATCHER_CAT_CONTEXT)
		add_error(ld, line, "rule '%s': negative weights are only for category 'context'", id);
	for (size_t i = 0; i < r->patterns.n; i++) {
		struct lw_error perr;
		char *expr = NULL;
		unsigned flags;

		if (pack_parse_pattern(r->patterns.v[i], &expr, &flags, &perr) < 0)
			add_error(ld, r->patterns.lines[i], "rule '%s': %s", id, perr.msg);
		free(expr);
	}
}

static void check_combinations(struct load *ld, size_t first)
{
	for (size_t i = first; i < ld->pack->nrules; i++) {
		struct pack_rule *r = &ld->pack->rules[i];
		struct comb c;
		struct lw_error cerr;

		if (!r->combine)
			continue;
		if (comb_parse(ld->pack, r->combine, &c, &cerr) < 0) {
			ld->file = r->file;
			add_error(ld, r->combine_line, "rule '%s': %s", r->id, cerr.msg);
			continue;
		}
		comb_release(&c);
	}
}

/* ---- loading files ---------------------------------------------------------- */

static int read_file(const char *path, char **data, size_t *len, struct lw_error *err)
{
	FILE *f = fopen(path, "rb");
	struct lw_buf b;
	char chunk[65536];
	size_t n;
	int rc = -1;

	lw_buf_init(&b, PACK_MAX_FILE);
	if (!f)
		return lw_error_set(err, "cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (lw_buf_add(&b, chunk, n) < 0) {
			lw_error_set(err, "'%s' is larger than %u bytes", path, PACK_MAX_FILE);
			goto out;
		}
	}
	if (ferror(f)) {
		lw_error_set(err, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	*data = lw_buf_detach(&b, len);
	rc = 0;
out:
	lw_buf_release(&b);
	fclose(f);
	return rc;
}

/* Reads one file of the pack and adds its path and bytes to the pack's
 * hash. Returns its bytes (caller frees), or NULL with ferr set, reported
 * by parse_all in the files' order. */
static char *read_one(struct load *ld, const char *path, size_t *len, struct lw_error *ferr)
{
	char *data = NULL;

	ld->pack->files = xreallocarray(ld->pack->files, ld->pack->nfiles + 1, sizeof(char *));
	ld->pack->files[ld->pack->nfiles++] = xstrdup(path);
	if (read_file(path, &data, len, ferr) < 0)
		return NULL;
	lw_sha256_update(ld->pack->sha, path, strlen(path) + 1);
	lw_sha256_update(ld->pack->sha, data, *len);
	return data;
}

static void parse_one(struct load *ld, size_t fileno, const char *data, size_t len)
{
	size_t first = ld->pack->nrules;

	ld->file = ld->pack->files[fileno];
	ld->line = 0;
	ld->cur = -1;
	ld->in_pack = 0;
	ld->bad_section = 0;
	lw_ini_parse(data, len, &ini_handler, ld);
	for (size_t i = first; i < ld->pack->nrules; i++)
		check_rule(ld, &ld->pack->rules[i]);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects dir/ *.rules in name order. */
static int list_dir(const char *dir, char ***out, size_t *nout, struct lw_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	if (!d)
		return lw_error_set(err, "cannot open '%s': %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		struct lw_buf p;

		if (l <= 6 || strcmp(de->d_name + l - 6, ".rules") != 0 || de->d_name[0] == '.')
			continue;
		lw_buf_init(&p, 4096);
		if (lw_buf_printf(&p, "%s/%s", dir, de->d_name) < 0) {
			lw_buf_release(&p);
			continue;
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = lw_buf_detach(&p, NULL);
	}
	closedir(d);
	if (n == 0) {
		free(v);
		return lw_error_set(err, "'%s' holds no .rules files", dir);
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	*nout = n;
	return 0;
}

static void start_hash(struct matcher_pack *pack)
{
	if (!pack->sha)
		pack->sha = xmalloc(sizeof(*pack->sha));
	lw_sha256_init(pack->sha);
}

static void finish_hash(struct matcher_pack *pack)
{
	lw_sha256_hex(pack->sha, pack->hash);
	free(pack->sha);
	pack->sha = NULL;
}

struct matcher_pack *matcher_pack_new(void)
{
	struct matcher_pack *pack = xcalloc(1, sizeof(*pack));

	pack->threshold = MATCHER_DEFAULT_THRESHOLD;
	start_hash(pack);
	finish_hash(pack);
	return pack;
}

/* Hashes one file's path and bytes as read_one does, through a small
 * buffer, keeping nothing. Returns 0, or -1 when it cannot be read whole
 * (read_one then says why). */
static int hash_file(struct lw_sha256 *sha, const char *path)
{
	FILE *f = fopen(path, "rb");
	char chunk[16384];
	size_t n, total = 0;
	int rc = 0;

	if (!f)
		return -1;
	lw_sha256_update(sha, path, strlen(path) + 1);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		total += n;
		if (total > PACK_MAX_FILE) {
			rc = -1;
			break;
		}
		lw_sha256_update(sha, chunk, n);
	}
	if (ferror(f))
		rc = -1;
	fclose(f);
	return rc;
}

/* A warm start: the files' hash keys the pack cache (packcache.c), and on
 * a hit their bytes are not needed. Reading them whole just to hash them
 * was a fifth of a warm match's page faults, each page of the buffers a
 * fresh one. Returns 1 on a hit; on a miss, 0 with the pack back as it was
 * for read_one and parse_all. */
static int warm_start(struct load *ld, char **files, size_t nfiles, const char *dir)
{
	struct matcher_pack *pack = ld->pack;
	struct lw_sha256 pre;
	char prehash[65];
	struct lw_error damaged = { "" };

	for (size_t i = 0; i < nfiles; i++) {
		pack->files = xreallocarray(pack->files, pack->nfiles + 1, sizeof(char *));
		pack->files[pack->nfiles++] = xstrdup(files[i]);
		if (hash_file(pack->sha, files[i]) < 0)
			goto miss;
	}
	/* The hash of the files alone keys the cache: the weights file, named
	 * inside them, is read and hashed after, cached or not. */
	pre = *pack->sha;
	lw_sha256_hex(&pre, prehash);
	if (pack_cache_load(pack, &ld->weights, prehash, dir, &damaged) == 0)
		return 1;
	if (damaged.msg[0])
		fprintf(stderr, "lurewatch: warning: %s; parsing the pack again\n", damaged.msg);
miss:
	pack_forget_rules(pack);
	for (size_t i = 0; i < pack->nfiles; i++)
		free(pack->files[i]);
	free(pack->files);
	pack->files = NULL;
	pack->nfiles = 0;
	start_hash(pack);
	return 0;
}

/* Parses the files read (after warm_start missed, when dir is set); a
 * parse without errors is stored in the pack cache. */
static void parse_all(struct load *ld, char **data, const size_t *len,
		      const struct lw_error *rerr, const char *dir)
{
	struct lw_sha256 pre = *ld->pack->sha;
	char prehash[65];
	struct lw_error cerr;

	lw_sha256_hex(&pre, prehash);
	for (size_t i = 0; i < ld->pack->nfiles; i++) {
		if (data[i]) {
			parse_one(ld, i, data[i], len[i]);
			continue;
		}
		ld->nerrors++;
		if (ld->errors.len)
			lw_buf_addc(&ld->errors, '\n');
		lw_buf_adds(&ld->errors, rerr[i].msg);
	}
	check_combinations(ld, 0);
	if (dir && !ld->nerrors && ld->pack->nrules &&
	    pack_cache_store(ld->pack, ld->weights, prehash, dir, &cerr) < 0)
		fprintf(stderr, "lurewatch: warning: %s\n", cerr.msg);
}

static struct matcher_pack *pack_load(const char *path, const char *dir, struct lw_error *err)
{
	struct matcher_pack *pack = matcher_pack_new();
	struct load ld;
	struct stat st;
	char **files = NULL, **data = NULL;
	struct lw_error *rerr = NULL;
	size_t nfiles = 0, *len = NULL;

	memset(&ld, 0, sizeof(ld));
	ld.pack = pack;
	lw_buf_init(&ld.errors, 16384);
	start_hash(pack);
	if (stat(path, &st) < 0) {
		lw_error_set(err, "cannot open rule pack '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		if (list_dir(path, &files, &nfiles, err) < 0)
			goto fail;
	} else {
		files = xmalloc(sizeof(*files));
		files[0] = xstrdup(path);
		nfiles = 1;
	}
	if (!dir || !warm_start(&ld, files, nfiles, dir)) {
		data = xcalloc(nfiles, sizeof(*data));
		len = xcalloc(nfiles, sizeof(*len));
		rerr = xcalloc(nfiles, sizeof(*rerr));
		for (size_t i = 0; i < nfiles; i++)
			data[i] = read_one(&ld, files[i], &len[i], &rerr[i]);
		parse_all(&ld, data, len, rerr, dir);
	}
	if (!ld.nerrors && ld.weights) {
		struct lw_error werr;

		if (pack_apply_weights(pack, ld.weights, &werr) < 0) {
			ld.nerrors++;
			lw_buf_adds(&ld.errors, werr.msg);
		}
	}
	if (ld.nerrors) {
		if (ld.nerrors > PACK_MAX_ERRORS)
			lw_buf_printf(&ld.errors, "\n(%d more errors)", ld.nerrors - PACK_MAX_ERRORS);
		lw_error_set(err, "%s", ld.errors.data ? ld.errors.data : "invalid rule pack");
		goto fail;
	}
	if (pack->nrules == 0) {
		lw_error_set(err, "rule pack '%s' defines no rules", path);
		goto fail;
	}
	finish_hash(pack);
	pack_publish(pack);
	goto out;
fail:
	matcher_pack_free(pack);
	pack = NULL;
out:
	for (size_t i = 0; i < nfiles; i++) {
		free(files[i]);
		if (data)
			free(data[i]);
	}
	free(files);
	free(data);
	free(len);
	free(rerr);
	free(ld.weights);
	lw_buf_release(&ld.errors);
	return pack;
}

struct matcher_pack *matcher_pack_load_cached(const char *path, const struct matcher_options *opts,
					      struct lw_error *err)
{
	char *dir = cache_dir_resolve(opts ? opts->cache_dir : NULL);
	struct matcher_pack *pack = pack_load(path, dir, err);

	free(dir);
	return pack;
}

struct matcher_pack *matcher_pack_load(const char *path, struct lw_error *err)
{
	return pack_load(path, NULL, err);
}

int matcher_pack_add_adhoc(struct matcher_pack *pack, const char *id, const char *pattern,
			   struct lw_error *err)
{
	struct pack_rule *r;
	char *expr = NULL;
	unsigned flags;
	unsigned char old[32];

	if (!valid_id(id))
		return lw_error_set(err, "bad ad-hoc id '%s'", id);
	if (pack_find(pack, id) >= 0)
		return lw_error_set(err, "id '%s' already in the pack", id);
	if (pack_parse_pattern(pattern, &expr, &flags, err) < 0)
		return lw_error_prefix(err, "-e '%s'", pattern);
	free(expr);
	r = new_rule(pack, id, "<command line>", ++pack->nadhoc, 0);
	r->pub.category = MATCHER_CAT_ADHOC;
	r->has_category = r->has_weight = 1;
	r->pub.weight = 1;
	r->description = xstrdup("ad-hoc pattern from the command line");
	strv_push(&r->patterns, pattern, r->line);
	/* The hash names the exact rules that produced a hit: chain the pattern in. */
	for (int i = 0; i < 32; i++)
		sscanf(pack->hash + 2 * i, "%2hhx", &old[i]);
	start_hash(pack);
	lw_sha256_update(pack->sha, old, sizeof(old));
	lw_sha256_update(pack->sha, pattern, strlen(pattern) + 1);
	finish_hash(pack);
	pack_publish(pack);
	return 0;
}

/* The rules and [pack] settings, freed; the files read and the hash stay. */
void pack_forget_rules(struct matcher_pack *pack)
{
	for (size_t i = 0; i < pack->nrules; i++) {
		struct pack_rule *r = &pack->rules[i];

		free_str(pack, r->id);
		free_str(pack, r->description);
		free_str(pack, r->source);
		free_str(pack, r->lang);
		free_str(pack, r->family);
		free_str(pack, r->combine);
		strv_release(pack, &r->patterns);
		strv_release(pack, &r->examples);
		strv_release(pack, &r->counterexamples);
		strv_release(pack, &r->words);
	}
	free(pack->rules);
	free(pack->index);
	free_str(pack, pack->name);
	free_str(pack, pack->version);
	free_str(pack, pack->description);
	pack_cache_unmap(pack);
	pack->rules = NULL;
	pack->nrules = pack->cap = 0;
	pack->index = NULL;
	pack->index_cap = 0;
	pack->name = pack->version = pack->description = NULL;
	pack->threshold = MATCHER_DEFAULT_THRESHOLD;
	pack->has_threshold = 0;
	pack->short_words = pack->short_boost = pack->context_halving = 0;
}

void matcher_pack_free(struct matcher_pack *pack)
{
	if (!pack)
		return;
	pack_forget_rules(pack);
	for (size_t i = 0; i < pack->nfiles; i++)
		free(pack->files[i]);
	free(pack->files);
	free(pack->sha);
	free(pack);
}

void pack_publish(struct matcher_pack *pack)
{
	for (size_t i = 0; i < pack->nrules; i++) {
		struct pack_rule *r = &pack->rules[i];
		struct matcher_rule *p = &r->pub;

		p->id = r->id;
		p->description = r->description ? r->description : "";
		p->source = r->source;
		p->lang = r->lang;
		p->family = r->family;
		p->file = r->file;
		p->line = r->line;
		p->combine = r->combine;
		p->npatterns = r->patterns.n;
		p->patterns = (const char *const *)r->patterns.v;
		p->nexamples = r->examples.n;
		p->examples = (const char *const *)r->examples.v;
		p->example_lines = r->examples.lines;
		p->ncounterexamples = r->counterexamples.n;
		p->counterexamples = (const char *const *)r->counterexamples.v;
		p->counterexample_lines = r->counterexamples.lines;
		p->nwords = r->words.n;
		p->words = (const char *const *)r->words.v;
	}
}

int pack_parse_pattern(const char *text, char **expr, unsigned *flags, struct lw_error *err)
{
	size_t n = strlen(text);
	const char *close;

	*flags = 0;
	if (n == 0)
		return lw_error_set(err, "empty pattern");
	if (text[0] != '/') {
		*expr = xstrdup(text);
		return 0;
	}
	close = strrchr(text, '/');
	if (close == text)
		return lw_error_set(err, "pattern '%s' has no closing '/'", text);
	for (const char *f = close + 1; *f; f++) {
		switch (*f) {
		case 'i': break; /* matching is always caseless */
		case 's': *flags |= 2u; break; /* HS_FLAG_DOTALL */
		case 'm': *flags |= 4u; break; /* HS_FLAG_MULTILINE */
		default:
			return lw_error_set(err, "unknown pattern flag '%c' in '%s' (known: i, s, m)",
					    *f, text);
		}
	}
	if (close == text + 1)
		return lw_error_set(err, "empty pattern");
	*expr = xstrndup(text + 1, (size_t)(close - text - 1));
	return 0;
}

size_t matcher_pack_rule_count(const struct matcher_pack *pack)
{
	return pack->nrules;
}

const struct matcher_rule *matcher_pack_rule(const struct matcher_pack *pack, size_t i)
{
	return i < pack->nrules ? &pack->rules[i].pub : NULL;
}

const char *matcher_pack_name(const struct matcher_pack *pack)
{
	return pack->name ? pack->name : "";
}

const char *matcher_pack_version(const struct matcher_pack *pack)
{
	return pack->version ? pack->version : "";
}

double matcher_pack_threshold(const struct matcher_pack *pack)
{
	return pack->threshold;
}

const char *matcher_pack_hash(const struct matcher_pack *pack)
{
	return pack->hash;
}

/* SPDX-License-Identifier: MIT */
/* Weights files: "rule_id<TAB>weight" lines that a pack names with
 * `[pack] weights = FILE`, so weights fitted to an agency's own verdicts
 * (`lurewatch rules fit --write`) replace the written ones without editing
 * the rules. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "pack_internal.h"

#define WEIGHTS_MAX_FILE (1024u * 1024u)

static int read_all(const char *path, char **data, size_t *len, struct lw_error *err)
{
	FILE *f = fopen(path, "rb");
	struct lw_buf b;
	char chunk[16384];
	size_t n;
	int rc = -1;

	if (!f)
		return lw_error_set(err, "cannot open weights file '%s': %s", path, strerror(errno));
	lw_buf_init(&b, WEIGHTS_MAX_FILE);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (lw_buf_add(&b, chunk, n) < 0) {
			lw_error_set(err, "weights file '%s' is larger than %u bytes", path,
				     WEIGHTS_MAX_FILE);
			goto out;
		}
	}
	if (ferror(f)) {
		lw_error_set(err, "cannot read weights file '%s': %s", path, strerror(errno));
		goto out;
	}
	if (lw_buf_addc(&b, '\0') < 0) {
		lw_error_set(err, "weights file '%s' is larger than %u bytes", path, WEIGHTS_MAX_FILE);
		goto out;
	}
	*data = lw_buf_detach(&b, len);
	(*len)--;
	rc = 0;
out:
	lw_buf_release(&b);
	fclose(f);
	return rc;
}

/* One "id weight" line (tab or spaces between); line is modified. */
static int apply_line(struct matcher_pack *pack, char *line, const char *path, int lineno,
		      unsigned char *seen, struct lw_error *err)
{
	char *id = line, *val, *end;
	struct pack_rule *r;
	double w;
	long i;

	while (*id == ' ' || *id == '\t')
		id++;
	if (*id == '\0' || *id == '#' || *id == ';')
		return 0;
	val = id + strcspn(id, " \t");
	if (*val)
		*val++ = '\0';
	val += strspn(val, " \t");
	/* `rules fit --write` notes each rule's support after its weight. */
	val[strcspn(val, "#")] = '\0';
	end = val + strlen(val);
	while (end > val && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (*val == '\0')
		return lw_error_set(err, "%s:%d: rule '%s' has no weight: expected 'rule_id<TAB>weight'",
				    path, lineno, id);
	i = pack_find(pack, id);
	if (i < 0)
		return lw_error_set(err, "%s:%d: unknown rule '%s'", path, lineno, id);
	r = &pack->rules[i];
	if (r->pub.is_term)
		return lw_error_set(err, "%s:%d: '%s' is a term or word list: only rules have weights",
				    path, lineno, id);
	if (seen[i])
		return lw_error_set(err, "%s:%d: rule '%s' given twice", path, lineno, id);
	errno = 0;
	w = strtod(val, &end);
	if (errno || end == val || *end != '\0' || w != w || w < -10 || w > 10)
		return lw_error_set(err, "%s:%d: bad weight '%s': expected a number from -10 to 10",
				    path, lineno, val);
	if (w < 0 && r->pub.category != MATCHER_CAT_CONTEXT)
		return lw_error_set(err, "%s:%d: rule '%s': negative weights are only for category 'context'",
				    path, lineno, id);
	seen[i] = 1;
	r->pub.weight = w;
	return 0;
}

int pack_apply_weights(struct matcher_pack *pack, const char *path, struct lw_error *err)
{
	char *data = NULL, *p, *nl;
	unsigned char *seen = NULL;
	size_t len = 0;
	int lineno = 0, rc = -1;

	if (read_all(path, &data, &len, err) < 0)
		goto out;
	if (memchr(data, '\0', len)) {
		lw_error_set(err, "weights file '%s' holds a NUL byte", path);
		goto out;
	}
	/* The weights decide what is flagged: they are part of the pack's
	 * identity, so caches and stored hits never mix two weightings. */
	lw_sha256_update(pack->sha, path, strlen(path) + 1);
	lw_sha256_update(pack->sha, data, len);
	seen = xcalloc(pack->nrules ? pack->nrules : 1, 1);
	for (p = data; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (nl && nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (apply_line(pack, p, path, ++lineno, seen, err) < 0)
			goto out;
		if (!nl)
			break;
	}
	rc = 0;
out:
	free(seen);
	free(data);
	return rc;
}

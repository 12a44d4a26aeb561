/* SPDX-License-Identifier: MIT */
/* Shared pieces of the libFuzzer targets: a private temporary folder for
 * parsers that read files, a small compiled rule pack for the targets that
 * scan, and the UTF-8 boundary check behind the offset invariants.
 * Header-only: each fuzz target is one file. */
#ifndef LW_FUZZ_H
#define LW_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../matcher/matcher.h"
#include "../../util/utf8.h"
#include "../unit/test_fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64];

static inline void fuzz_cleanup(void)
{
	if (fuzz_dir[0])
		rm_rf(fuzz_dir);
}

/* A folder of this process's own, removed at exit: in memory (/dev/shm)
 * where there is one, since targets that read files write one for every
 * input and a disk's journal was most of their time. Aborts when none can
 * be made: a fuzz run without one would report nothing useful. */
static inline const char *fuzz_tmpdir(void)
{
	if (!fuzz_dir[0]) {
		snprintf(fuzz_dir, sizeof(fuzz_dir), "/dev/shm/lw-fuzz.XXXXXX");
		if (!mkdtemp(fuzz_dir)) {
			snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/lw-fuzz.XXXXXX");
			if (!mkdtemp(fuzz_dir)) {
				perror("mkdtemp");
				abort();
			}
		}
		atexit(fuzz_cleanup);
	}
	return fuzz_dir;
}

/* Writes n bytes to NAME in the private folder; path (cap bytes) gets its
 * full name. Aborts on a write error, which is the machine's fault. */
static inline void fuzz_write(const char *name, const void *data, size_t n, char *path, size_t cap)
{
	FILE *f;

	snprintf(path, cap, "%s/%s", fuzz_tmpdir(), name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

/* A copy of data as a NUL-terminated string (caller frees). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A small pack with every kind of rule the matcher has (patterns, terms,
 * word lists, boolean and proximity combinations, context), in two
 * scripts, so that scanning targets reach hits, combinations and scoring
 * without the default pack's long cold compile. */
static const char fuzz_pack_text[] =
	"[pack]\nname = fuzz\nversion = 1\nthreshold = 3\n"
	"[words w_pay]\nwords = wages, pay, salary, earnings, payment*\n"
	"[words w_later]\nwords = end of the season, withheld, held back\n"
	"[words w_doc]\nwords = passport, passports, id card, 护照\n"
	"[term t_never]\npattern = /\\bnever\\s+charge\\b/\n"
	"[rule r_wages]\ncategory = wage_withholding\nweight = 3\ndescription = fuzz\n"
	"combine = w_pay NEAR/6 w_later\n"
	"[rule r_doc]\ncategory = documents\nweight = 3\ndescription = fuzz\n"
	"combine = w_doc SENT w_later | w_doc BEFORE/4 w_later\n"
	"[rule r_fee]\ncategory = fee_debt\nweight = 2\ndescription = fuzz\n"
	"pattern = /\\b(?:agency|visa)\\s+fees?\\b/\n"
	"[rule r_fee_free]\ncategory = fee_debt\nweight = 1\ndescription = fuzz\n"
	"combine = r_fee & !t_never\n"
	"[rule r_whatsapp]\ncategory = off_platform_contact\nweight = 1\ndescription = fuzz\n"
	"pattern = /whatsapp|telegram|微信/\n"
	"[rule r_no_exp]\ncategory = deception\nweight = 1\ndescription = fuzz\n"
	"pattern = /no experience/\n"
	"[rule r_news]\ncategory = context\nweight = -2\ndescription = fuzz\n"
	"combine = w_doc PARA t_never\n";

/* The matcher and scanner for fuzz_pack_text, built on first use and kept
 * for the process (libFuzzer calls the target millions of times). */
static inline struct matcher_scanner *fuzz_scanner(void)
{
	static struct matcher *m;
	static struct matcher_scanner *s;
	struct matcher_options opts = { .cache_dir = "", .threshold = -1 };
	struct matcher_pack *pack;
	struct lw_error err;
	char path[256];

	if (s)
		return s;
	fuzz_write("fuzz.rules", fuzz_pack_text, sizeof(fuzz_pack_text) - 1, path, sizeof(path));
	pack = matcher_pack_load(path, &err);
	m = pack ? matcher_compile(pack, &opts, &err) : NULL;
	s = m ? matcher_scanner_new(m, &err) : NULL;
	if (!s) {
		fprintf(stderr, "fuzz pack: %s\n", err.msg);
		abort();
	}
	return s;
}

/* Which offsets of a text are character boundaries: 0, len, and the start
 * of each UTF-8 sequence as the normaliser walks the input (an invalid byte
 * is a character of its own, which the normaliser replaces). Worked out
 * once per text: walking from the start for every span made the checks
 * quadratic, most of a run's time on long inputs. */
struct fuzz_bounds {
	size_t len;
	unsigned char *at;      /* at[off] = 1 at a boundary, off in 0..len */
};

static inline void fuzz_bounds_init(struct fuzz_bounds *b, const char *in, size_t len)
{
	size_t i = 0;

	b->len = len;
	b->at = calloc(len + 1, 1);
	if (!b->at)
		abort();
	while (i < len) {
		size_t k = lw_utf8_seq_len((const unsigned char *)in + i, len - i);

		b->at[i] = 1;
		i += k ? k : 1;
	}
	b->at[len] = 1;
}

static inline void fuzz_bounds_release(struct fuzz_bounds *b)
{
	free(b->at);
	b->at = NULL;
}

/* Aborts (a finding) unless [start, end) lies inside the text of b and on
 * character boundaries. */
static inline void fuzz_check_span(const char *what, const struct fuzz_bounds *b, size_t start,
				   size_t end)
{
	if (start > end || end > b->len || !b->at[start] || !b->at[end]) {
		fprintf(stderr, "%s: span [%zu, %zu) of %zu bytes is outside the text or splits a character\n",
			what, start, end, b->len);
		abort();
	}
}

#endif

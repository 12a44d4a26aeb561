/* SPDX-License-Identifier: MIT */
/* The serialized-database cache: start-up with an unchanged pack skips
 * compilation. Keyed by the pack's hash, Hyperscan's version and ours;
 * written to a temporary file and renamed into place so a reader never sees
 * half a file. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/sha256.h"

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "matcher_internal.h"

#define CACHE_MAGIC "LWHSDBB"
#define CACHE_MAX_FILE (1024u * 1024u * 1024u)

#ifndef LW_VERSION
#define LW_VERSION "dev"
#endif

char *cache_dir_resolve(const char *opt)
{
	const char *env;
	struct lw_buf b;

	if (opt)
		return opt[0] ? xstrdup(opt) : NULL;
	env = getenv("LUREWATCH_CACHE");
	if (env)
		return env[0] ? xstrdup(env) : NULL;
	lw_buf_init(&b, 4096);
	if ((env = getenv("XDG_CACHE_HOME")) && env[0])
		lw_buf_printf(&b, "%s/lurewatch", env);
	else if ((env = getenv("HOME")) && env[0])
		lw_buf_printf(&b, "%s/.cache/lurewatch", env);
	else
		return NULL;
	return lw_buf_detach(&b, NULL);
}

static void cache_key_hash(const char *hash, char out[65])
{
	struct lw_sha256 c;
	const char *hv = hs_version();
	hs_platform_info_t plat;

	lw_sha256_init(&c);
	lw_sha256_update(&c, hash, strlen(hash));
	lw_sha256_update(&c, hv, strlen(hv));
	lw_sha256_update(&c, LW_VERSION, strlen(LW_VERSION));
	lw_sha256_update(&c, CACHE_MAGIC, strlen(CACHE_MAGIC));
	/* The databases are used in place, never deserialized on this machine,
	 * so nothing else would catch one built for other CPU features. */
	memset(&plat, 0, sizeof(plat)); /* its padding is hashed too */
	if (hs_populate_platform(&plat) == HS_SUCCESS)
		lw_sha256_update(&c, &plat, sizeof(plat));
	lw_sha256_hex(&c, out);
}

static char *cache_path_hash(const char *hash, const char *dir)
{
	char key[65];
	struct lw_buf b;

	cache_key_hash(hash, key);
	lw_buf_init(&b, 8192);
	if (lw_buf_printf(&b, "%s/%s.hsdb", dir, key) < 0) {
		lw_buf_release(&b);
		return NULL;
	}
	return lw_buf_detach(&b, NULL);
}

static char *cache_path(const struct matcher *m, const char *dir)
{
	return cache_path_hash(m->pack->hash, dir);
}

int matcher_cache_has(const struct matcher_pack *pack, const struct matcher_options *opts)
{
	char *dir = cache_dir_resolve(opts ? opts->cache_dir : NULL);
	char *path = dir ? cache_path_hash(matcher_pack_hash(pack), dir) : NULL;
	int has = path && access(path, R_OK) == 0;

	free(path);
	free(dir);
	return has;
}

/* ---- the file ------------------------------------------------------------ */

/* The file holds the tables the scan needs, then a table of the six
 * databases' places, then the databases themselves as Hyperscan lays them
 * out in memory (deserialized once, when the file is written), each at a
 * page boundary. A warm start maps the file and scans with the databases
 * where they lie: nothing is copied and no fresh memory is touched. Fresh
 * pages are what costs in this virtual machine: even populated in bulk,
 * the first write to each of the 3.3 MB the default pack's databases take
 * cost more than the rest of the matcher's start-up (a bare program:
 * 28-44 ms for the first memset over a populated 3.3 MB mapping, 0.2 ms for
 * the second, at load ~15). A Hyperscan database holds offsets, not
 * pointers (hs_deserialize_database_at places one anywhere 8-byte aligned),
 * so it may live in a mapped file; the page alignment keeps its bytecode's
 * alignment what it was when it was placed. */

/* The cache file's databases, in the order of its table of places. */
#define CACHE_NDB 6
#define DB_PAGE 4096u

static hs_database_t **db_slots(struct matcher *m, hs_database_t **slots[CACHE_NDB])
{
	slots[0] = &m->db_main;
	slots[1] = &m->db_lit;
	slots[2] = &m->db_ulit;
	slots[3] = &m->db_pad;
	slots[4] = &m->db_gate;
	slots[5] = &m->db_fac;
	return slots[0];
}

/* ---- reading ------------------------------------------------------------- */

struct reader {
	const char *p;
	size_t left;
};

static int take(struct reader *r, void *out, size_t n)
{
	if (n > r->left)
		return -1;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

/* Opens tmp, a new file only this user may read or write (a cache that
 * others could write would be refused by cache_map_file, whatever the
 * umask); never follows a link planted at that name. A stale file of the
 * same name (a crashed writer whose pid came round again) is replaced. */
FILE *cache_create(const char *tmp, struct lw_error *err)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		lw_error_set(err, "cannot write cache file '%s': %s", tmp, strerror(errno));
		return NULL;
	}
	if (!(f = fdopen(fd, "wb"))) {
		lw_error_set(err, "cannot write cache file '%s': %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
	}
	return f;
}

/* Maps a cache file read-only, whole, with its pages in (their databases are
 * scanned where they lie). A cache file is executable code to Hyperscan in
 * all but name, so one that another user owns or may write is refused, with
 * the reason in *why, whatever its contents. */
int cache_map_file(const char *path, size_t max, char **data, size_t *len, struct lw_error *why)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > max) {
		close(fd);
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		close(fd);
		return lw_error_set(why, "cache file '%s' is not trusted (owned by another user or"
				    " writable by others)", path);
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	*data = p;
	*len = (size_t)st.st_size;
	return 0;
}

/* The databases' places: each inside the file, on a page boundary, and a
 * database Hyperscan recognises (magic and version; the platform is in the
 * file's key) no larger than its place. Sets them all or none. */
static int take_dbs(struct reader *r, struct matcher *m, const char *data, size_t len)
{
	hs_database_t **slots[CACHE_NDB];
	uint64_t off[CACHE_NDB], size[CACHE_NDB];
	size_t head = len - r->left + sizeof(off) + sizeof(size), dbsize;

	if (take(r, off, sizeof(off)) < 0 || take(r, size, sizeof(size)) < 0)
		return -1;
	for (size_t i = 0; i < CACHE_NDB; i++) {
		if (!size[i])
			continue;
		if (off[i] % DB_PAGE || off[i] < head || off[i] > len || size[i] > len - off[i])
			return -1;
		if (hs_database_size((const hs_database_t *)(const void *)(data + off[i]), &dbsize) !=
			    HS_SUCCESS || dbsize > size[i])
			return -1;
	}
	db_slots(m, slots);
	for (size_t i = 0; i < CACHE_NDB; i++)
		*slots[i] = size[i] ? (hs_database_t *)(void *)(data + off[i]) : NULL;
	return 0;
}

/* The grouping of patterns under Hyperscan ids, as read from the file:
 * checked whole, since a damaged file must be a miss and never an index
 * out of bounds at scan time. */
static int take_groups(struct reader *r, struct matcher *m)
{
	uint32_t nhs;

	if (take(r, &nhs, sizeof(nhs)) < 0 || nhs > m->npat)
		return -1;
	m->nhs = nhs;
	m->hs_first = xcalloc((size_t)nhs + 1, sizeof(*m->hs_first));
	m->hs_pids = xcalloc(m->npat ? m->npat : 1, sizeof(*m->hs_pids));
	if (take(r, m->hs_first, sizeof(*m->hs_first) * ((size_t)nhs + 1)) < 0 ||
	    take(r, m->hs_pids, sizeof(*m->hs_pids) * m->npat) < 0)
		return -1;
	if (m->hs_first[0] != 0 || m->hs_first[nhs] != m->npat)
		return -1;
	for (size_t u = 0; u < nhs; u++)
		if (m->hs_first[u] >= m->hs_first[u + 1])
			return -1;
	for (size_t p = 0; p < m->npat; p++)
		if (m->hs_pids[p] >= m->npat)
			return -1;
	return 0;
}

/* The two-stage scan's tables: the digit windows' width, the amount
 * term's id, and the factors: how many, and each one's length and the
 * widest match that needs it. */
static int take_factors(struct reader *r, struct matcher *m)
{
	uint32_t n;

	if (take(r, &m->digit_width, sizeof(m->digit_width)) < 0 ||
	    take(r, &m->amount_u, sizeof(m->amount_u)) < 0 ||
	    (m->amount_u != UINT32_MAX && m->amount_u >= m->nhs) ||
	    take(r, &n, sizeof(n)) < 0 || n > (1u << 20))
		return -1;
	m->nfac = n;
	m->fac_width = xcalloc(n ? n : 1, sizeof(*m->fac_width));
	m->fac_len = xcalloc(n ? n : 1, sizeof(*m->fac_len));
	if (take(r, m->fac_width, sizeof(*m->fac_width) * n) < 0 ||
	    take(r, m->fac_len, sizeof(*m->fac_len) * n) < 0)
		return -1;
	for (size_t k = 0; k < n; k++)
		if (m->fac_len[k] == 0 || m->fac_len[k] > m->fac_width[k])
			return -1;
	return 0;
}

int cache_load(struct matcher *m, const char *dir, struct lw_error *damaged)
{
	char *path = cache_path(m, dir);
	char *data = NULL, magic[8];
	size_t len = 0;
	uint32_t npat;
	struct reader r = { 0 };
	int rc = -1;

	if (!path || access(path, F_OK) < 0)
		goto out;
	/* From here on a failure is a file that exists but does not read
	 * back whole: a truncated or damaged cache, worth a word. */
	if (cache_map_file(path, CACHE_MAX_FILE, &data, &len, damaged) < 0)
		goto out;
	r.p = data;
	r.left = len;
	if (take(&r, magic, sizeof(magic)) < 0 || memcmp(magic, CACHE_MAGIC, sizeof(magic)) != 0 ||
	    take(&r, &npat, sizeof(npat)) < 0 || npat != m->npat ||
	    take(&r, m->pat_width, sizeof(*m->pat_width) * npat) < 0 ||
	    take(&r, m->pat_fixed, sizeof(*m->pat_fixed) * npat) < 0 ||
	    take(&r, m->pat_check, sizeof(*m->pat_check) * npat) < 0 || take_groups(&r, m) < 0 ||
	    take_factors(&r, m) < 0 || take_dbs(&r, m, data, len) < 0)
		goto out;
	/* The matcher keeps the mapping: its databases lie in it. */
	m->db_mem = data;
	m->db_mem_len = len;
	data = NULL;
	rc = 0;
out:
	if (rc < 0 && path && access(path, F_OK) == 0 && (!damaged || !damaged->msg[0]))
		lw_error_set(damaged, "cache file '%s' is damaged", path);
	if (rc < 0) {
		/* No database was set: take_dbs is last and all or nothing. */
		free(m->fac_width);
		free(m->fac_len);
		m->fac_width = m->fac_len = NULL;
		m->nfac = 0;
	}
	if (data)
		munmap(data, len);
	free(path);
	return rc;
}

/* ---- writing ------------------------------------------------------------- */

/* db laid out as Hyperscan places it in memory, in a new page-aligned
 * buffer (caller frees) of *size bytes; NULL on failure. */
static char *db_image(const hs_database_t *db, size_t *size)
{
	char *bytes = NULL, *img = NULL;
	size_t n = 0, need = 0;

	if (hs_serialize_database(db, &bytes, &n) != HS_SUCCESS)
		return NULL;
	if (hs_serialized_database_size(bytes, n, &need) == HS_SUCCESS && need > 0) {
		img = aligned_alloc(DB_PAGE, (need + DB_PAGE - 1) / DB_PAGE * DB_PAGE);
		if (img) {
			memset(img, 0, need);
			if (hs_deserialize_database_at(bytes, n, (hs_database_t *)(void *)img) !=
			    HS_SUCCESS) {
				free(img);
				img = NULL;
			}
		}
	}
	free(bytes);
	*size = need;
	return img;
}

/* The header: every table, then the databases' places (after the header,
 * each on a page boundary). */
static void put_header(struct lw_buf *b, const struct matcher *m, const size_t size[CACHE_NDB])
{
	uint32_t npat = (uint32_t)m->npat, nhs = (uint32_t)m->nhs, nfac = (uint32_t)m->nfac;
	uint64_t off[CACHE_NDB], len[CACHE_NDB], at;

	lw_buf_add(b, CACHE_MAGIC, 8);
	lw_buf_add(b, &npat, sizeof(npat));
	lw_buf_add(b, m->pat_width, sizeof(*m->pat_width) * npat);
	lw_buf_add(b, m->pat_fixed, sizeof(*m->pat_fixed) * npat);
	lw_buf_add(b, m->pat_check, sizeof(*m->pat_check) * npat);
	lw_buf_add(b, &nhs, sizeof(nhs));
	lw_buf_add(b, m->hs_first, sizeof(*m->hs_first) * ((size_t)nhs + 1));
	lw_buf_add(b, m->hs_pids, sizeof(*m->hs_pids) * npat);
	lw_buf_add(b, &m->digit_width, sizeof(m->digit_width));
	lw_buf_add(b, &m->amount_u, sizeof(m->amount_u));
	lw_buf_add(b, &nfac, sizeof(nfac));
	lw_buf_add(b, m->fac_width, sizeof(*m->fac_width) * nfac);
	lw_buf_add(b, m->fac_len, sizeof(*m->fac_len) * nfac);
	at = (b->len + sizeof(off) + sizeof(len) + DB_PAGE - 1) / DB_PAGE * DB_PAGE;
	for (size_t i = 0; i < CACHE_NDB; i++) {
		off[i] = size[i] ? at : 0;
		len[i] = size[i];
		at += (size[i] + DB_PAGE - 1) / DB_PAGE * DB_PAGE;
	}
	lw_buf_add(b, off, sizeof(off));
	lw_buf_add(b, len, sizeof(len));
}

/* Writes the header, then each image at its page, zeros between. */
struct cache_image {
	const struct lw_buf *head;
	char *const *img;       /* CACHE_NDB databases laid out, or NULL */
	const size_t *size;
};

/* The header, then each database on a page boundary (cache_write_file's
 * writer; arg is a struct cache_image). */
static int put_file(FILE *f, void *arg)
{
	static const char zeros[DB_PAGE];
	const struct cache_image *x = arg;
	size_t at = x->head->len;

	if (!x->head->data || fwrite(x->head->data, x->head->len, 1, f) != 1)
		return -1;
	for (size_t i = 0; i < CACHE_NDB; i++) {
		size_t pad;

		if (!x->size[i])
			continue;
		pad = (DB_PAGE - at % DB_PAGE) % DB_PAGE;
		if ((pad && fwrite(zeros, pad, 1, f) != 1) || fwrite(x->img[i], x->size[i], 1, f) != 1)
			return -1;
		at += pad + x->size[i];
	}
	return 0;
}

int cache_mkdirs(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* Writes path whole or not at all: write(f, arg) fills a new temporary file
 * beside it (cache_create), renamed over path once written and closed, so a
 * reader never sees half a cache file. 0, or -1 with err set. */
int cache_write_file(const char *path, int (*write)(FILE *f, void *arg), void *arg,
		     struct lw_error *err)
{
	struct lw_buf b;
	char *tmp;
	FILE *f;
	int rc = -1, write_ok;

	lw_buf_init(&b, 8192);
	lw_buf_printf(&b, "%s.tmp.%ld", path, (long)getpid());
	if (!(tmp = lw_buf_detach(&b, NULL)))
		return lw_error_set(err, "cache path too long");
	if (!(f = cache_create(tmp, err)))
		goto out;
	write_ok = write(f, arg) == 0;
	/* A failed close is a failed write: keep the two results apart. */
	if (fclose(f) != 0)
		write_ok = 0;
	if (!write_ok) {
		lw_error_set(err, "cannot write cache file '%s'", tmp);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		lw_error_set(err, "cannot rename '%s' into place: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

int cache_store(const struct matcher *m, const char *dir, struct lw_error *err)
{
	const hs_database_t *dbs[CACHE_NDB] = { m->db_main, m->db_lit, m->db_ulit,
						m->db_pad, m->db_gate, m->db_fac };
	char *path = NULL, *img[CACHE_NDB] = { NULL };
	size_t size[CACHE_NDB] = { 0 };
	struct cache_image x;
	struct lw_buf head;
	int rc = -1;

	lw_buf_init(&head, CACHE_MAX_FILE);
	if (cache_mkdirs(dir) < 0)
		return lw_error_set(err, "cannot create cache folder '%s': %s", dir, strerror(errno));
	path = cache_path(m, dir);
	if (!path)
		return lw_error_set(err, "cache path too long");
	for (size_t i = 0; i < CACHE_NDB; i++)
		if (dbs[i] && !(img[i] = db_image(dbs[i], &size[i]))) {
			lw_error_set(err, "cannot lay out a database for the cache");
			goto out;
		}
	put_header(&head, m, size);
	x.head = &head;
	x.img = img;
	x.size = size;
	if (cache_write_file(path, put_file, &x, err) < 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < CACHE_NDB; i++)
		free(img[i]);
	lw_buf_release(&head);
	free(path);
	return rc;
}

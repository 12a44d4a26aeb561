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

#define CACHE_MAGIC "LWHSDBA"
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

	lw_sha256_init(&c);
	lw_sha256_update(&c, hash, strlen(hash));
	lw_sha256_update(&c, hv, strlen(hv));
	lw_sha256_update(&c, LW_VERSION, strlen(LW_VERSION));
	lw_sha256_update(&c, CACHE_MAGIC, strlen(CACHE_MAGIC));
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

/* ---- reading ------------------------------------------------------------- */

/* The cache file's databases, in the order the file holds them. */
#define CACHE_NDB 6
/* Hyperscan asks for 8-byte alignment; a cache line costs nothing more. */
#define DB_ALIGN 64

struct reader {
	const char *p;
	size_t left;
	/* Each database's serialized bytes, found while reading the file and
	 * deserialized only once all of it has been checked. */
	const char *db_bytes[CACHE_NDB];
	size_t db_len[CACHE_NDB];
	size_t ndb;
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

static int take_db(struct reader *r)
{
	uint64_t len;

	if (r->ndb >= CACHE_NDB || take(r, &len, sizeof(len)) < 0 || len > r->left)
		return -1;
	r->db_bytes[r->ndb] = len ? r->p : NULL;
	r->db_len[r->ndb++] = (size_t)len;
	r->p += len;
	r->left -= len;
	return 0;
}

/* Maps the cache file read-only, its pages read in at once: Hyperscan
 * copies each database out of it, so reading it into a buffer first would
 * only add a copy, and faulting its pages in one at a time cost more than
 * the copy (faults are dear in a virtual machine). */
static int map_file(const char *path, char **data, size_t *len)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > CACHE_MAX_FILE) {
		close(fd);
		return -1;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	*data = p;
	*len = (size_t)st.st_size;
	return 0;
}

/* Deserializes the databases the reader found into one anonymous mapping,
 * populated in bulk: hs_deserialize_database would malloc 3.3 MB for the
 * default pack and fault it in page by page, 15% of a warm `match`'s start.
 * On success the matcher owns the mapping (db_mem, freed by
 * matcher_free's munmap) and its db_* point into it. */
static int place_dbs(struct matcher *m, const struct reader *r)
{
	hs_database_t **dbs[CACHE_NDB] = { &m->db_main, &m->db_lit, &m->db_ulit,
					   &m->db_pad, &m->db_gate, &m->db_fac };
	size_t size[CACHE_NDB] = { 0 }, total = 0, off = 0;
	char *mem;

	if (r->ndb != CACHE_NDB)
		return -1;
	for (size_t i = 0; i < CACHE_NDB; i++) {
		if (r->db_len[i] && (hs_serialized_database_size(r->db_bytes[i], r->db_len[i],
								 &size[i]) != HS_SUCCESS ||
				     size[i] > CACHE_MAX_FILE))
			return -1;
		total += (size[i] + DB_ALIGN - 1) / DB_ALIGN * DB_ALIGN;
	}
	if (total == 0)
		return 0;
	mem = mmap(NULL, total, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	for (size_t i = 0; i < CACHE_NDB; i++) {
		if (!r->db_len[i])
			continue;
		/* Checks the header (magic, version, platform), as
		 * hs_deserialize_database does; neither verifies the bytecode
		 * against its checksum. */
		if (hs_deserialize_database_at(r->db_bytes[i], r->db_len[i],
					       (hs_database_t *)(void *)(mem + off)) != HS_SUCCESS) {
			munmap(mem, total);
			return -1;
		}
		off += (size[i] + DB_ALIGN - 1) / DB_ALIGN * DB_ALIGN;
	}
	/* Scanning only reads a database: a stray write now faults. */
	mprotect(mem, total, PROT_READ);
	off = 0;
	for (size_t i = 0; i < CACHE_NDB; i++) {
		if (!r->db_len[i])
			continue;
		*dbs[i] = (hs_database_t *)(void *)(mem + off);
		off += (size[i] + DB_ALIGN - 1) / DB_ALIGN * DB_ALIGN;
	}
	m->db_mem = mem;
	m->db_mem_len = total;
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
	if (map_file(path, &data, &len) < 0)
		goto out;
	r.p = data;
	r.left = len;
	/* The file's order: main, lit, ulit, pad, the factor tables, gate, fac. */
	if (take(&r, magic, sizeof(magic)) < 0 || memcmp(magic, CACHE_MAGIC, sizeof(magic)) != 0 ||
	    take(&r, &npat, sizeof(npat)) < 0 || npat != m->npat ||
	    take(&r, m->pat_width, sizeof(*m->pat_width) * npat) < 0 ||
	    take(&r, m->pat_fixed, sizeof(*m->pat_fixed) * npat) < 0 ||
	    take(&r, m->pat_check, sizeof(*m->pat_check) * npat) < 0 || take_groups(&r, m) < 0 ||
	    take_db(&r) < 0 || take_db(&r) < 0 || take_db(&r) < 0 || take_db(&r) < 0 ||
	    take_factors(&r, m) < 0 || take_db(&r) < 0 || take_db(&r) < 0 || r.left != 0 ||
	    place_dbs(m, &r) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0 && path && access(path, F_OK) == 0)
		lw_error_set(damaged, "cache file '%s' is damaged", path);
	if (rc < 0) {
		/* No database was placed: place_dbs is last and all or nothing. */
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

static int put_db(FILE *f, const hs_database_t *db)
{
	char *bytes = NULL;
	size_t n = 0;
	uint64_t len;
	int rc;

	if (db && hs_serialize_database(db, &bytes, &n) != HS_SUCCESS)
		return -1;
	len = n;
	rc = fwrite(&len, sizeof(len), 1, f) == 1 && (!n || fwrite(bytes, n, 1, f) == 1) ? 0 : -1;
	free(bytes);
	return rc;
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

int cache_store(const struct matcher *m, const char *dir, struct lw_error *err)
{
	char *path = NULL, *tmp = NULL;
	FILE *f = NULL;
	uint32_t npat = (uint32_t)m->npat, nhs = (uint32_t)m->nhs, nfac = (uint32_t)m->nfac;
	struct lw_buf b;
	int rc = -1, write_ok;

	if (cache_mkdirs(dir) < 0)
		return lw_error_set(err, "cannot create cache folder '%s': %s", dir, strerror(errno));
	path = cache_path(m, dir);
	if (!path)
		return lw_error_set(err, "cache path too long");
	lw_buf_init(&b, 8192);
	lw_buf_printf(&b, "%s.tmp.%ld", path, (long)getpid());
	tmp = lw_buf_detach(&b, NULL);
	f = fopen(tmp, "wb");
	if (!f) {
		lw_error_set(err, "cannot write cache file '%s': %s", tmp, strerror(errno));
		goto out;
	}
	write_ok = fwrite(CACHE_MAGIC, 8, 1, f) == 1 && fwrite(&npat, sizeof(npat), 1, f) == 1 &&
		   (npat == 0 || fwrite(m->pat_width, sizeof(*m->pat_width), npat, f) == npat) &&
		   (npat == 0 || fwrite(m->pat_fixed, sizeof(*m->pat_fixed), npat, f) == npat) &&
		   (npat == 0 || fwrite(m->pat_check, sizeof(*m->pat_check), npat, f) == npat) &&
		   fwrite(&nhs, sizeof(nhs), 1, f) == 1 &&
		   fwrite(m->hs_first, sizeof(*m->hs_first), (size_t)nhs + 1, f) == (size_t)nhs + 1 &&
		   (npat == 0 || fwrite(m->hs_pids, sizeof(*m->hs_pids), npat, f) == npat) &&
		   put_db(f, m->db_main) == 0 && put_db(f, m->db_lit) == 0 &&
		   put_db(f, m->db_ulit) == 0 && put_db(f, m->db_pad) == 0 &&
		   fwrite(&m->digit_width, sizeof(m->digit_width), 1, f) == 1 &&
		   fwrite(&m->amount_u, sizeof(m->amount_u), 1, f) == 1 &&
		   fwrite(&nfac, sizeof(nfac), 1, f) == 1 &&
		   (nfac == 0 || fwrite(m->fac_width, sizeof(*m->fac_width), nfac, f) == nfac) &&
		   (nfac == 0 || fwrite(m->fac_len, sizeof(*m->fac_len), nfac, f) == nfac) &&
		   put_db(f, m->db_gate) == 0 && put_db(f, m->db_fac) == 0;
	/* A failed close is a failed write: keep the two results apart. */
	if (fclose(f) != 0)
		write_ok = 0;
	f = NULL;
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
	free(path);
	return rc;
}

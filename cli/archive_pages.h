/* SPDX-License-Identifier: MIT */
/* Pages out of archive records on all cores: the reading thread copies each
 * record that may hold a page into a batch, and a pool of threads decodes
 * the HTTP payloads and takes the HTML through the crawler's path while the
 * next batch is read. Kept apart from `lurewatch archive` so the fuzz target
 * turns records into pages exactly as a scan does. */
#ifndef LW_ARCHIVE_PAGES_H
#define LW_ARCHIVE_PAGES_H

#include <stddef.h>

#include "../archive/archive.h"
#include "../util/error.h"

/* A batch closes at this many records or this many bytes of blocks, which
 * bounds what two batches (one read, one decoded) hold. */
#define PAGES_BATCH_RECORDS 256
#define PAGES_BATCH_BYTES (32u * 1024u * 1024u)

enum page_outcome {
	PAGE_NONE,              /* no page: another record type, a redirect... */
	PAGE_OK,                /* title and body set */
	PAGE_BAD_RECORD,        /* the HTTP message is malformed: err */
	PAGE_BAD_HTML,          /* the page could not be read: err */
};

/* One record on its way to a page. */
struct page_job {
	struct archive_record rec;      /* a copy: its strings and block are owned */
	enum page_outcome outcome;
	char *title, *body;             /* PAGE_OK: new strings or NULL */
	struct lw_error err;
};

/* 1 when a record of this type may hold a page (response, resource,
 * conversion): the others are not worth copying. */
int pages_wanted(const struct archive_record *rec);

/* Copies rec (block included) into j and clears j's outcome. */
void page_job_fill(struct page_job *j, const struct archive_record *rec);
void page_job_release(struct page_job *j);

/* Decodes j's record and reads its text on the calling thread: sets
 * j->outcome, and title/body or err. */
void page_job_run(struct page_job *j);

struct pages_pool;

/* Starts threads workers (0: one per online core). Never fails: with no
 * thread started the jobs run in pages_pool_wait on the caller's thread. */
struct pages_pool *pages_pool_new(int threads);
void pages_pool_free(struct pages_pool *p);
/* Starts page_job_run on jobs[0..n) (borrowed until pages_pool_wait). One
 * batch at a time. */
void pages_pool_submit(struct pages_pool *p, struct page_job *jobs, size_t n);
void pages_pool_wait(struct pages_pool *p);

#endif

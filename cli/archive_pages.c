/* SPDX-License-Identifier: MIT */
/* Pages out of archive records on all cores (see archive_pages.h). */
#include <stdlib.h>
#include <string.h>

#include "../crawler/extract.h"
#include "../util/pool.h"
#include "../util/xmalloc.h"
#include "archive_pages.h"

int pages_wanted(const struct archive_record *rec)
{
	return strcmp(rec->type, "response") == 0 || strcmp(rec->type, "resource") == 0 ||
	       strcmp(rec->type, "conversion") == 0;
}

/* ---- one record ------------------------------------------------------------------- */

static char *put(char **at, const char *s)
{
	size_t n = strlen(s) + 1;
	char *r = *at;

	memcpy(r, s, n);
	*at += n;
	return r;
}

void page_job_fill(struct page_job *j, const struct archive_record *rec)
{
	size_t n = strlen(rec->record_id) + strlen(rec->target_uri) + strlen(rec->date) +
		   strlen(rec->content_type) + 4 + rec->block_len + 1;
	/* One allocation for the strings and the block: a record costs one
	 * malloc, not five. */
	char *mem = xmalloc(n), *at = mem;

	memset(j, 0, sizeof(*j));
	j->rec = *rec;
	j->rec.record_id = put(&at, rec->record_id);
	j->rec.target_uri = put(&at, rec->target_uri);
	j->rec.date = put(&at, rec->date);
	j->rec.content_type = put(&at, rec->content_type);
	if (rec->block_len)
		memcpy(at, rec->block, rec->block_len);
	at[rec->block_len] = '\0';
	j->rec.block = at;
	j->outcome = PAGE_NONE;
}

void page_job_release(struct page_job *j)
{
	/* record_id is where the one allocation starts. */
	free((char *)j->rec.record_id);
	free(j->title);
	free(j->body);
	memset(j, 0, sizeof(*j));
}

/* The page's title and visible text the way the crawler reads a page. The
 * base URL is left out: only links need it, and none are taken here. */
static int page_text(const struct archive_payload *pl, char **title, char **body,
		     struct lw_error *err)
{
	struct extract_page *p;

	*title = *body = NULL;
	if (!pl->html) {
		*body = xstrdup(pl->data);
		return 0;
	}
	p = extract_page_parse_text(pl->data, pl->len, pl->content_type, err);
	if (!p)
		return -1;
	if (extract_element_text(p, "title", title, err) < 0 ||
	    extract_element_text(p, "body", body, err) < 0 ||
	    (!*body && extract_text(p, "/", 0, body, err) < 0)) {
		free(*title);
		*title = NULL;
		extract_page_free(p);
		return -1;
	}
	extract_page_free(p);
	return 0;
}

void page_job_run(struct page_job *j)
{
	struct archive_payload pl;
	int rc = archive_payload_decode(&j->rec, &pl, &j->err);

	if (rc < 0) {
		j->outcome = PAGE_BAD_RECORD;
		return;
	}
	if (rc == 0) {
		j->outcome = PAGE_NONE;
		return;
	}
	j->outcome = page_text(&pl, &j->title, &j->body, &j->err) < 0 ? PAGE_BAD_HTML : PAGE_OK;
	archive_payload_release(&pl);
}

/* ---- the pool ---------------------------------------------------------------------- */

struct pages_pool {
	struct lw_pool *threads;        /* NULL: none could be started */
	struct page_job *jobs;          /* run on the caller's thread then */
	size_t n;
};

static void run(void *ctx, int thread, void *job)
{
	(void)ctx;
	(void)thread;
	page_job_run(job);
}

struct pages_pool *pages_pool_new(int threads)
{
	struct pages_pool *p = xcalloc(1, sizeof(*p));
	struct lw_error err;

	p->threads = lw_pool_new(threads, run, NULL, &err);
	return p;
}

void pages_pool_free(struct pages_pool *p)
{
	if (!p)
		return;
	lw_pool_free(p->threads);
	free(p);
}

void pages_pool_submit(struct pages_pool *p, struct page_job *jobs, size_t n)
{
	if (p->threads) {
		lw_pool_submit(p->threads, jobs, n, sizeof(*jobs));
		return;
	}
	p->jobs = jobs;
	p->n = n;
}

void pages_pool_wait(struct pages_pool *p)
{
	if (p->threads) {
		lw_pool_wait(p->threads);
		return;
	}
	for (size_t i = 0; i < p->n; i++)
		page_job_run(&p->jobs[i]);
	p->jobs = NULL;
	p->n = 0;
}

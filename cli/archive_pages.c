/* SPDX-License-Identifier: MIT */
/* Pages out of archive records on all cores (see archive_pages.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../crawler/extract.h"
#include "../util/xmalloc.h"
#include "archive_pages.h"

#define POOL_MAX_THREADS 64

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
	p = extract_page_parse(pl->data, pl->len, pl->content_type, NULL, err);
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
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct page_job *jobs;
	size_t n, next, finished;
	int quit;
	int nthreads;
	pthread_t *t;
};

static void *run(void *arg)
{
	struct pages_pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct page_job *j;

		while (!p->quit && p->next >= p->n)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		j = &p->jobs[p->next++];
		pthread_mutex_unlock(&p->mu);
		page_job_run(j);
		pthread_mutex_lock(&p->mu);
		if (++p->finished == p->n)
			pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct pages_pool *pages_pool_new(int threads)
{
	struct pages_pool *p = xcalloc(1, sizeof(*p));
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (threads <= 0)
		threads = cores < 1 ? 1 : (int)cores;
	if (threads > POOL_MAX_THREADS)
		threads = POOL_MAX_THREADS;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->t = xcalloc((size_t)threads, sizeof(*p->t));
	for (int i = 0; i < threads; i++) {
		if (pthread_create(&p->t[i], NULL, run, p) != 0)
			break;
		p->nthreads++;
	}
	return p;
}

void pages_pool_free(struct pages_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->t[i], NULL);
	free(p->t);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p);
}

void pages_pool_submit(struct pages_pool *p, struct page_job *jobs, size_t n)
{
	pthread_mutex_lock(&p->mu);
	p->jobs = jobs;
	p->n = n;
	p->next = p->finished = 0;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
}

void pages_pool_wait(struct pages_pool *p)
{
	pthread_mutex_lock(&p->mu);
	/* No thread could be started: the caller does the work. */
	while (!p->nthreads && p->next < p->n) {
		struct page_job *j = &p->jobs[p->next++];

		pthread_mutex_unlock(&p->mu);
		page_job_run(j);
		pthread_mutex_lock(&p->mu);
		p->finished++;
	}
	while (p->finished < p->n)
		pthread_cond_wait(&p->done, &p->mu);
	p->jobs = NULL;
	p->n = p->next = p->finished = 0;
	pthread_mutex_unlock(&p->mu);
}

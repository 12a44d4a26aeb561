/* SPDX-License-Identifier: MIT */
/* Fuzz target: web archives as `lurewatch archive` reads them -- WARC and
 * ARC records out of plain or gzipped bytes, then each record's HTTP payload
 * (chunked, gzip, deflate) and page text, as the scan's workers take them. */
#include "../../archive/archive.h"
#include "../../cli/archive_pages.h"
#include "fuzz.h"

/* Enough for any seed; a mutated header can make every line a record. */
#define MAX_RECORDS 4096

static void check(const struct archive_record *rec)
{
	/* Promised by archive.h: strings are never NULL, the block is what
	 * was kept of content_length and never more than the cap. */
	if (!rec->record_id || !rec->target_uri || !rec->date || !rec->content_type ||
	    !rec->block || rec->block_len > rec->content_length ||
	    rec->block_len > ARCHIVE_BLOCK_MAX || rec->clipped != (rec->block_len < rec->content_length))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct archive_reader *r;
	struct archive_record rec;
	struct page_job job;
	struct lw_error err;
	char path[256];
	int rc, n = 0;

	fuzz_write("in.warc", data, size, path, sizeof(path));
	r = archive_reader_open(path, &err);
	if (!r)
		return 0;
	while (n++ < MAX_RECORDS && (rc = archive_reader_next(r, &rec, &err)) != 0 && rc != -1) {
		if (rc != 1)
			continue;
		check(&rec);
		if (!pages_wanted(&rec))
			continue;
		page_job_fill(&job, &rec);
		page_job_run(&job);
		if ((job.outcome == PAGE_BAD_RECORD || job.outcome == PAGE_BAD_HTML) && !job.err.msg[0])
			abort();    /* every failure says why */
		page_job_release(&job);
	}
	archive_reader_free(r);
	return 0;
}

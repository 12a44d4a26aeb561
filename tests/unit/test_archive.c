/* SPDX-License-Identifier: MIT */
/* Unit tests for the WARC reader and payload decoding, on the upstream test
 * archives in tests/data/warc (run from the top of the tree). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "../../archive/archive.h"

#define D "tests/data/warc/"

/* FastWARC's own expectation: record offsets in the file, where a record's
 * length equals its reader's buffer. */
static void test_block_sized_offsets(void **state)
{
	static const uint64_t want[] = { 0, 204, 409 };
	struct archive_reader *r;
	struct archive_record rec;
	struct lw_error err;
	size_t n = 0;
	int rc;

	(void)state;
	r = archive_reader_open(D "warc-resiliparse/block-sized-records.warc.gz", &err);
	assert_non_null(r);
	while ((rc = archive_reader_next(r, &rec, &err)) == 1) {
		assert_true(n < 3);
		assert_int_equal(rec.file_offset, want[n]);
		assert_string_equal(rec.type, "unknown");
		assert_int_equal(rec.block_len, rec.content_length);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 3);
	archive_reader_free(r);
}

/* warcio: the chunked response decodes to the page. */
static void test_chunked_payload(void **state)
{
	struct archive_reader *r;
	struct archive_record rec;
	struct archive_payload pl;
	struct lw_error err;
	int rc, found = 0;

	(void)state;
	r = archive_reader_open(D "warc-warcio/example-iana.org-chunked.warc", &err);
	assert_non_null(r);
	while ((rc = archive_reader_next(r, &rec, &err)) == 1) {
		if (strcmp(rec.type, "response") != 0)
			continue;
		assert_int_equal(archive_payload_decode(&rec, &pl, &err), 1);
		assert_int_equal(pl.http_status, 200);
		assert_true(pl.html);
		assert_memory_equal(pl.data, "<!doctype html>", 15);
		assert_non_null(strstr(pl.data, "Internet Assigned Numbers Authority"));
		archive_payload_release(&pl);
		found = 1;
	}
	assert_int_equal(rc, 0);
	assert_true(found);
	archive_reader_free(r);
}

/* A record id, target URI and date are read; uncompressed offsets are the
 * file's. */
static void test_headers_and_offsets(void **state)
{
	struct archive_reader *r;
	struct archive_record rec;
	struct lw_error err;

	(void)state;
	r = archive_reader_open(D "warc-warcio/example.warc", &err);
	assert_non_null(r);
	assert_int_equal(archive_reader_next(r, &rec, &err), 1);
	assert_string_equal(rec.type, "warcinfo");
	assert_int_equal(rec.file_offset, 0);
	assert_int_equal(archive_reader_next(r, &rec, &err), 1);
	assert_int_equal(archive_reader_next(r, &rec, &err), 1);
	assert_string_equal(rec.type, "response");
	assert_string_equal(rec.target_uri, "http://example.com/");
	assert_string_equal(rec.record_id, "<urn:uuid:a9c51e3e-0221-11e7-bf66-0242ac120005>");
	assert_int_equal(rec.file_offset, rec.data_offset);
	archive_reader_free(r);
}

/* Bytes that are not a WARC at all fail at once; a gzip member cut short
 * says where the data ended. */
static void test_refusals(void **state)
{
	struct archive_reader *r;
	struct archive_record rec;
	struct lw_error err;

	(void)state;
	r = archive_reader_open(D "warc-warcio/example.warc.gz", &err);
	assert_non_null(r);
	assert_int_equal(archive_reader_next(r, &rec, &err), 1);
	archive_reader_free(r);
	r = archive_reader_open(D "warc-resiliparse/clipped.warc.gz", &err);
	assert_non_null(r);
	assert_int_equal(archive_reader_next(r, &rec, &err), 1);
	assert_true(rec.truncated);
	assert_true(rec.block_len < rec.content_length);
	assert_int_equal(archive_reader_next(r, &rec, &err), -1);
	assert_non_null(strstr(err.msg, "file offset 18184"));
	archive_reader_free(r);
	assert_null(archive_reader_open("tests/data/warc/no-such-file", &err));
	assert_non_null(strstr(err.msg, "no-such-file"));
}

/* warcio: an ARC file is its header record, then a response per capture;
 * lengths that are not numbers (bad.arc) read as 0. */
static void test_arc(void **state)
{
	static const char *const bad_types[] = { "arc_header", "response", "response", "response" };
	struct archive_reader *r;
	struct archive_record rec;
	struct archive_payload pl;
	struct lw_error err;
	size_t n = 0;
	int rc;

	(void)state;
	r = archive_reader_open(D "warc-warcio/example.arc.gz", &err);
	assert_non_null(r);
	assert_int_equal(archive_reader_next(r, &rec, &err), 1);
	assert_string_equal(rec.type, "arc_header");
	assert_string_equal(rec.version, "ARC/1");
	assert_int_equal(rec.file_offset, 0);
	assert_int_equal(archive_reader_next(r, &rec, &err), 1);
	assert_string_equal(rec.type, "response");
	assert_string_equal(rec.target_uri, "http://example.com/");
	assert_string_equal(rec.date, "2014-02-16T05:02:21Z");
	assert_string_equal(rec.content_type, "text/html");
	assert_int_equal(rec.content_length, 1591);
	assert_int_equal(rec.block_len, 1591);
	assert_true(rec.file_offset > 0);
	assert_non_null(strstr(rec.record_id, "urn:x-arc:20140216050221:"));
	assert_int_equal(archive_payload_decode(&rec, &pl, &err), 1);
	assert_int_equal(pl.http_status, 200);
	assert_non_null(strstr(pl.data, "Example Domain"));
	archive_payload_release(&pl);
	assert_int_equal(archive_reader_next(r, &rec, &err), 0);
	archive_reader_free(r);

	r = archive_reader_open(D "warc-warcio/bad.arc", &err);
	assert_non_null(r);
	while ((rc = archive_reader_next(r, &rec, &err)) == 1) {
		assert_true(n < 4);
		assert_string_equal(rec.type, bad_types[n]);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 4);
	archive_reader_free(r);

	r = archive_reader_open(D "warc-warcio/example-space-in-url.arc", &err);
	assert_non_null(r);
	assert_int_equal(archive_reader_next(r, &rec, &err), 1);
	assert_int_equal(archive_reader_next(r, &rec, &err), 1);
	assert_string_equal(rec.target_uri, "http://example.com/index.cfm?FuseAction=Email&"
			    "EmailTitle=Examples From The Live Web&IsPopUp=False");
	assert_true(rec.truncated);
	assert_int_equal(archive_reader_next(r, &rec, &err), -1);
	assert_non_null(strstr(err.msg, "truncated: the file ends at offset 1873"));
	archive_reader_free(r);
}

/* ARC version 2: ten fields a line, as the file header's field list says;
 * a CRLF line end and a record damaged in between. */
static void test_arc_v2(void **state)
{
	static const char page[] = "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n"
				   "<title>Job</title><p>we keep your passport</p>";
	static const char fields[] = "URL IP-address Archive-date Content-type Result-code "
				     "Checksum Location Offset Filename Archive-length\n";
	char path[] = "/tmp/lw-arc-v2.XXXXXX", head[512];
	struct archive_reader *r;
	struct archive_record rec;
	struct archive_payload pl;
	struct lw_error err;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	snprintf(head, sizeof(head), "2 0 Test\n%s", fields);
	fprintf(f, "filedesc://v2.arc 0.0.0.0 20050614070144 text/plain 200 - - 0 v2.arc %zu\n%s\n",
		strlen(head), head);
	fprintf(f, "http://jobs.example/a b 10.0.0.1 20050614070145 text/html 200 abc - 0 v2.arc %zu\r\n%s\n",
		sizeof(page) - 1, page);
	fprintf(f, "garbage line\n");
	fprintf(f, "http://jobs.example/c 10.0.0.1 20050614070146 text/html 200 abc - 0 v2.arc %zu\n%s\n",
		sizeof(page) - 1, page);
	assert_int_equal(fclose(f), 0);

	r = archive_reader_open(path, &err);
	assert_non_null(r);
	assert_int_equal(archive_reader_next(r, &rec, &err), 1);
	assert_string_equal(rec.version, "ARC/2");
	assert_int_equal(archive_reader_next(r, &rec, &err), 1);
	assert_string_equal(rec.target_uri, "http://jobs.example/a b");
	assert_string_equal(rec.date, "2005-06-14T07:01:45Z");
	assert_string_equal(rec.content_type, "text/html");
	assert_int_equal(rec.block_len, sizeof(page) - 1);
	assert_int_equal(archive_payload_decode(&rec, &pl, &err), 1);
	assert_non_null(strstr(pl.data, "passport"));
	archive_payload_release(&pl);
	assert_int_equal(archive_reader_next(r, &rec, &err), 2);
	assert_non_null(strstr(err.msg, "fewer than 10 fields; 13 bytes that are not an ARC record skipped"));
	assert_int_equal(archive_reader_next(r, &rec, &err), 1);
	assert_string_equal(rec.target_uri, "http://jobs.example/c");
	assert_int_equal(archive_reader_next(r, &rec, &err), 0);
	archive_reader_free(r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_sized_offsets),
		cmocka_unit_test(test_chunked_payload),
		cmocka_unit_test(test_headers_and_offsets),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_arc),
		cmocka_unit_test(test_arc_v2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Web archives in: a streaming reader of WARC/1.0 and 1.1 files (also the
 * WARC/0.18 of ClueWeb09), uncompressed, gzipped per record or whole, from a
 * local file, standard input or an http(s) URL; and the decoding of a
 * record's HTTP payload (chunked, gzip, deflate) into the bytes a page held. */
#ifndef LW_ARCHIVE_H
#define LW_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/error.h"

/* The first this many bytes of a record's block are kept; the rest is read
 * past (and the record marked clipped). Memory stays bounded whatever the
 * archive holds. */
#define ARCHIVE_BLOCK_MAX (16u * 1024u * 1024u)
/* A record's header block longer than this is malformed. */
#define ARCHIVE_HEADER_MAX (64u * 1024u)

struct archive_reader;

/* One record. The strings and the block are owned by the reader and valid
 * until the next archive_reader_next; absent headers are "". */
struct archive_record {
	char version[16];          /* "WARC/1.0" */
	char type[32];             /* WARC-Type: response, resource, conversion... */
	const char *record_id;     /* WARC-Record-ID, as written (with <>) */
	const char *target_uri;    /* WARC-Target-URI, <> stripped */
	const char *date;          /* WARC-Date */
	const char *content_type;  /* the block's Content-Type */
	uint64_t file_offset;      /* where an analyst starts reading it: the gzip
	                            * member holding its first byte, else its
	                            * first byte in the file */
	uint64_t data_offset;      /* its first byte in the uncompressed stream */
	uint64_t content_length;   /* as declared */
	const char *block;         /* its first min(content_length, ARCHIVE_BLOCK_MAX) bytes */
	size_t block_len;
	int clipped;               /* block_len < content_length: more was skipped */
	int truncated;             /* the file ended inside it */
};

/* Opens an archive: "-" is standard input, http:// and https:// URLs are
 * fetched with libcurl as they are read (never held whole; a dropped
 * connection is resumed with a range request, up to 5 times; TLS verified),
 * anything else a local path. Gzip is recognised by its magic bytes.
 * Returns a new reader (archive_reader_free) or NULL with err. */
struct archive_reader *archive_reader_open(const char *path, struct lw_error *err);
void archive_reader_free(struct archive_reader *r);

/* Reads the next record into *rec. Returns 1 with a record; 0 at the end of
 * the archive; 2 when a malformed stretch was skipped (err says where and
 * why; call again: reading goes on at the next record); -1 when nothing more
 * can be read (err says why and at which offset: not a WARC file, a read
 * error, or the file ending inside a record -- which comes first as a record
 * with truncated set when any of it was read). */
int archive_reader_next(struct archive_reader *r, struct archive_record *rec,
			struct lw_error *err);

/* Bytes of the file read so far, and its size (0 when unknown, as for a pipe
 * or a server that did not say). */
void archive_reader_progress(const struct archive_reader *r, uint64_t *done, uint64_t *total);

/* ---- payloads ------------------------------------------------------------------ */

/* A record's content as the page's bytes. */
struct archive_payload {
	long http_status;          /* 0 when the record holds no HTTP message */
	char *content_type;        /* the HTTP Content-Type, else the record's; may be "" */
	char *data;                /* the body, de-chunked and decompressed; NUL-terminated */
	size_t len;
	int html;                  /* 1 HTML, 0 plain text */
};

/* Takes a response, resource or conversion record's block to the page's
 * text or HTML: HTTP headers are read off a response (and off a resource
 * that starts with a status line), chunked transfer coding undone (a body
 * whose chunks do not parse is taken as it is, as warcio does), gzip and
 * deflate content codings undone (at most ARCHIVE_BLOCK_MAX bytes out).
 * Returns 1 with *out filled (archive_payload_release); 0 when the record
 * holds no text to score (another record type, a non-2xx response, a
 * content type that is not HTML or text, an unsupported coding: err says
 * which); -1 when the HTTP message is malformed (err says how). */
int archive_payload_decode(const struct archive_record *rec, struct archive_payload *out,
			   struct lw_error *err);
void archive_payload_release(struct archive_payload *p);

#endif

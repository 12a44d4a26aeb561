/* SPDX-License-Identifier: MIT */
/* Telegram Desktop's JSON export of a channel ("Export chat history", JSON:
 * result.json) read as listings, one per message with text. */
#ifndef LW_INGEST_TELEGRAM_H
#define LW_INGEST_TELEGRAM_H

#include <stddef.h>
#include <stdio.h>

#include "../store/store.h"
#include "../util/error.h"

/* Longest channel username accepted (Telegram's own limit is 32). */
#define TELEGRAM_USERNAME_MAX 64

struct telegram_options {
	const char *channel;    /* the channel's public username, or NULL (see
	                         * telegram_read for the links made without it) */
	const char *source;     /* source for every listing; NULL: the channel's name */
};

struct telegram_stats {
	size_t listings;        /* messages handed on as listings */
	size_t service;         /* service messages (joins, pins...) skipped */
	size_t empty;           /* messages without text (media alone) skipped */
	size_t rejected;        /* messages of the wrong shape, reported and skipped */
};

/* Called for each listing; l and its strings live only during the call.
 * l->origin is "FILE:LINE" of the message. */
typedef void telegram_listing_fn(const struct store_listing *l, void *ctx);
/* Called for each rejected message: where ("FILE:LINE:COLUMN") and why. */
typedef void telegram_reject_fn(const char *where, const char *msg, void *ctx);

/* 1 when the first n bytes of a file look like a Telegram export rather
 * than JSON Lines: an object with a "messages" array at its top level, or an
 * object that spans several lines (which JSON Lines cannot hold); else 0. */
int telegram_probe(const char *head, size_t n);

/* Writes the username named by arg ("name", "@name" or a t.me link such as
 * "https://t.me/name") into out (TELEGRAM_USERNAME_MAX + 1 bytes). Returns 0,
 * or -1 with err when arg is none of these. */
int telegram_username(const char *arg, char *out, struct lw_error *err);

/* Reads the export in f (named name in messages), message by message, so
 * memory stays bounded (each message's JSON is capped at 1 MiB) whatever
 * the export's size. Each message with text becomes one listing: url
 * https://t.me/USERNAME/ID with o->channel, else https://t.me/c/CHANNEL_ID/ID
 * (Telegram's own link form for a channel known by its number), title its
 * first line (at most 200 bytes), body the rest with text_link targets kept
 * in brackets, posted the UTC time of date_unixtime ("date" is the
 * exporting machine's local time), outlinks its links and mentions. When f
 * is seekable the whole export is checked first, so a malformed one hands
 * on nothing. fn may be NULL (check only). Returns 0 with *stats, or -1
 * with err ("FILE:LINE:COLUMN: why") when the export is malformed or
 * cannot be read: syntax errors, nesting deeper than 64, no "messages". */
int telegram_read(FILE *f, const char *name, const struct telegram_options *o,
		  telegram_listing_fn *fn, telegram_reject_fn *reject, void *ctx,
		  struct telegram_stats *stats, struct lw_error *err);

#endif

/* SPDX-License-Identifier: MIT */
/* Fuzz target: a Telegram Desktop export (result.json) as `ingest
 * --format telegram` reads it: the streaming scanner, the per-message JSON,
 * text flattening, links and the check-whole-first pass. A malformed export
 * must hand on nothing. */
#include "../../cli/ingest_telegram.h"
#include "fuzz.h"

struct seen {
	size_t listings, rejected;
};

static void listing(const struct store_listing *l, void *ctx)
{
	struct seen *s = ctx;

	if (!l->url || !l->origin || strncmp(l->url, "https://t.me/", 13) != 0)
		abort();
	s->listings++;
}

static void reject(const char *where, const char *msg, void *ctx)
{
	struct seen *s = ctx;

	if (!where || !msg)
		abort();
	s->rejected++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct telegram_options o = { .channel = size & 1 ? "harbour_jobs" : NULL, .source = NULL };
	struct telegram_stats st;
	struct seen seen = { 0, 0 };
	struct lw_error err;
	char user[TELEGRAM_USERNAME_MAX + 1];
	FILE *f;
	int rc;

	if (size == 0)
		return 0;
	(void)telegram_probe((const char *)data, size);
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		abort();
	rc = telegram_read(f, "result.json", &o, listing, reject, &seen, &st, &err);
	fclose(f);
	if (rc < 0 && seen.listings != 0) {
		fprintf(stderr, "malformed export handed on %zu listings: %s\n", seen.listings, err.msg);
		abort();
	}
	if (rc == 0 && (st.listings != seen.listings || st.rejected != seen.rejected))
		abort();
	if (size < 200) {
		char *arg = fuzz_str(data, size);

		(void)telegram_username(arg, user, &err);
		free(arg);
	}
	return 0;
}

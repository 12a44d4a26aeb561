/* SPDX-License-Identifier: MIT */
/* Where an archive's bytes come from: a file, standard input, or an http(s)
 * URL read through libcurl as the reader asks for bytes (never the whole
 * file in memory), resumed with a range request when the connection drops. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "../util/xmalloc.h"
#include "source.h"

#define NET_BUF (1024u * 1024u)
#define NET_RETRIES 5

struct source {
	FILE *f;                /* file or stdin; NULL for a URL */
	int own_f;
	char *url;
	CURLM *multi;
	CURL *easy;
	unsigned char *nb;      /* bytes curl delivered, not yet handed out */
	size_t nb_pos, nb_len;
	int paused, done, retries;
	int fresh;              /* a resumed transfer whose status is not seen yet */
	uint64_t received;      /* body bytes taken from the network (the resume point) */
	uint64_t skip;          /* a server that ignored the range: bytes to drop */
	uint64_t size;
	char curl_err[CURL_ERROR_SIZE];
};

static size_t on_data(char *p, size_t sz, size_t n, void *ctx)
{
	struct source *s = ctx;
	size_t len = sz * n;

	if (s->fresh) {
		long status = 0;

		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		s->fresh = 0;
		/* The server ignored the range: it starts again from byte 0. */
		if (status == 200)
			s->skip = s->received;
	}
	if (s->skip) {
		size_t k = len < s->skip ? len : (size_t)s->skip;

		s->skip -= k;
		p += k;
		len -= k;
		if (!len)
			return sz * n;
	}
	if (s->nb_pos && s->nb_pos == s->nb_len)
		s->nb_pos = s->nb_len = 0;
	if (NET_BUF - s->nb_len < len) {
		if (s->nb_pos) {
			memmove(s->nb, s->nb + s->nb_pos, s->nb_len - s->nb_pos);
			s->nb_len -= s->nb_pos;
			s->nb_pos = 0;
		}
		if (NET_BUF - s->nb_len < len) {
			s->paused = 1;
			return CURL_WRITEFUNC_PAUSE;
		}
	}
	memcpy(s->nb + s->nb_len, p, len);
	s->nb_len += len;
	s->received += len;
	return sz * n;
}

static int start_transfer(struct source *s, struct lw_error *err)
{
	if (s->easy) {
		curl_multi_remove_handle(s->multi, s->easy);
		curl_easy_cleanup(s->easy);
	}
	s->easy = curl_easy_init();
	if (!s->easy)
		return lw_error_set(err, "'%s': cannot start libcurl", s->url);
	curl_easy_setopt(s->easy, CURLOPT_URL, s->url);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->curl_err);
	curl_easy_setopt(s->easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(s->easy, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(s->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(s->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(s->easy, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(s->easy, CURLOPT_USERAGENT, "lurewatch/" LW_VERSION);
	curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A stalled transfer is a dropped one: resumed below. */
	curl_easy_setopt(s->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(s->easy, CURLOPT_LOW_SPEED_TIME, 60L);
	s->fresh = s->received > 0;
	if (s->received)
		curl_easy_setopt(s->easy, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)s->received);
	s->curl_err[0] = '\0';
	s->paused = 0;
	if (curl_multi_add_handle(s->multi, s->easy) != CURLM_OK)
		return lw_error_set(err, "'%s': cannot start libcurl", s->url);
	return 0;
}

/* A finished transfer: the end, a resume, or an error. */
static int transfer_done(struct source *s, CURLcode code, struct lw_error *err)
{
	long status = 0;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	if (code == CURLE_OK) {
		s->done = 1;
		return 0;
	}
	if (code == CURLE_HTTP_RETURNED_ERROR && status != 416)
		return lw_error_set(err, "'%s': HTTP status %ld", s->url, status);
	if (code == CURLE_RANGE_ERROR || s->retries >= NET_RETRIES)
		return lw_error_set(err, "'%s': %s after %llu bytes", s->url,
				    s->curl_err[0] ? s->curl_err : curl_easy_strerror(code),
				    (unsigned long long)s->received);
	s->retries++;
	fprintf(stderr, "lurewatch: '%s': %s after %llu bytes; resuming with a range request\n",
		s->url, s->curl_err[0] ? s->curl_err : curl_easy_strerror(code),
		(unsigned long long)s->received);
	return start_transfer(s, err);
}

static int pump(struct source *s, struct lw_error *err)
{
	int running = 0, left;
	CURLMsg *msg;

	if (s->paused && s->nb_len - s->nb_pos < NET_BUF / 2) {
		s->paused = 0;
		curl_easy_pause(s->easy, CURLPAUSE_CONT);
	}
	if (curl_multi_perform(s->multi, &running) != CURLM_OK)
		return lw_error_set(err, "'%s': libcurl failed", s->url);
	while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
		if (msg->msg == CURLMSG_DONE && transfer_done(s, msg->data.result, err) < 0)
			return -1;
	}
	if (!s->size && s->easy) {
		curl_off_t cl = -1;
		long status = 0;

		curl_easy_getinfo(s->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		if (cl > 0 && (status == 200 || status == 206))
			s->size = (uint64_t)cl + (status == 206 ? s->received : 0);
	}
	if (running && s->nb_len == s->nb_pos && !s->paused)
		curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
	return 0;
}

int source_read(struct source *s, unsigned char *buf, size_t max, size_t *got,
		struct lw_error *err)
{
	*got = 0;
	if (s->f) {
		size_t n = fread(buf, 1, max, s->f);

		if (n == 0 && ferror(s->f))
			return lw_error_set(err, "read error: %s", strerror(errno));
		*got = n;
		return 0;
	}
	while (s->nb_len == s->nb_pos && !s->done) {
		if (pump(s, err) < 0)
			return -1;
	}
	if (s->nb_len > s->nb_pos) {
		size_t n = s->nb_len - s->nb_pos;

		if (n > max)
			n = max;
		memcpy(buf, s->nb + s->nb_pos, n);
		s->nb_pos += n;
		*got = n;
	}
	return 0;
}

static int is_url(const char *p)
{
	return strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0;
}

struct source *source_open(const char *path, struct lw_error *err)
{
	struct source *s = xcalloc(1, sizeof(*s));
	struct stat st;

	if (strcmp(path, "-") == 0) {
		s->f = stdin;
		return s;
	}
	if (!is_url(path)) {
		s->f = fopen(path, "rb");
		if (!s->f) {
			lw_error_set(err, "cannot open '%s': %s", path, strerror(errno));
			free(s);
			return NULL;
		}
		s->own_f = 1;
		if (fstat(fileno(s->f), &st) == 0 && S_ISREG(st.st_mode))
			s->size = (uint64_t)st.st_size;
		return s;
	}
	s->url = xstrdup(path);
	s->nb = xmalloc(NET_BUF);
	s->multi = curl_multi_init();
	if (!s->multi || start_transfer(s, err) < 0) {
		if (!s->multi)
			lw_error_set(err, "'%s': cannot start libcurl", path);
		source_close(s);
		return NULL;
	}
	return s;
}

uint64_t source_size(const struct source *s)
{
	return s->size;
}

void source_close(struct source *s)
{
	if (!s)
		return;
	if (s->own_f)
		fclose(s->f);
	if (s->easy) {
		curl_multi_remove_handle(s->multi, s->easy);
		curl_easy_cleanup(s->easy);
	}
	if (s->multi)
		curl_multi_cleanup(s->multi);
	free(s->nb);
	free(s->url);
	free(s);
}

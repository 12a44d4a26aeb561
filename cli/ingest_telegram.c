/* SPDX-License-Identifier: MIT */
/* Reads Telegram Desktop's JSON export of a channel as listings: a streaming
 * scan of the outer object hands each message's JSON, capped, to jansson. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "ingest_telegram.h"

#define TG_MESSAGE_MAX (1u << 20)       /* JSON bytes of one message */
#define TG_HEADER_MAX 65536u            /* JSON bytes of "name", "type", "id" */
#define TG_DEPTH_MAX 64
#define TG_TITLE_MAX 200
#define TG_KEY_MAX 64

/* ---- the streaming scanner ---------------------------------------------------- */

struct scan {
	FILE *f;
	const char *name;
	unsigned long line, col;        /* of the last byte read */
	struct lw_buf cap;              /* bytes of the value being captured */
	int capturing, overflow;
	struct lw_error *err;
};

static int next(struct scan *s)
{
	int c = getc_unlocked(s->f);

	if (c == EOF)
		return EOF;
	if (c == '\n') {
		s->line++;
		s->col = 0;
	} else {
		s->col++;
	}
	if (s->capturing && !s->overflow && lw_buf_addc(&s->cap, (char)c) < 0)
		s->overflow = 1;
	return c;
}

static int peek(struct scan *s)
{
	int c = getc_unlocked(s->f);

	if (c != EOF)
		ungetc(c, s->f);
	return c;
}

static int ws(struct scan *s)
{
	int c;

	while ((c = next(s)) == ' ' || c == '\n' || c == '\t' || c == '\r')
		;
	return c;
}

static int scan_error(struct scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int scan_error(struct scan *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return lw_error_set(s->err, "%s:%lu:%lu: %s", s->name, s->line, s->col, msg);
}

static int unexpected(struct scan *s, int c, const char *wanted)
{
	if (c == EOF)
		return scan_error(s, "unexpected end of file, expected %s", wanted);
	if (c < 0x20 || c > 0x7e)
		return scan_error(s, "unexpected byte 0x%02x, expected %s", (unsigned)c, wanted);
	return scan_error(s, "unexpected '%c', expected %s", c, wanted);
}

/* Skips a string whose opening quote was read; its raw bytes (escapes as
 * written) go to key when not NULL, *long_key set when they do not fit. */
static int skip_string(struct scan *s, char *key, int *long_key)
{
	size_t n = 0;
	int c;

	while ((c = next(s)) != '"') {
		if (c == EOF)
			return scan_error(s, "unexpected end of file in a string");
		if (c < 0x20)
			return scan_error(s, "control character 0x%02x in a string", (unsigned)c);
		if (c == '\\' && (c = next(s)) == EOF)
			return scan_error(s, "unexpected end of file in a string");
		if (key && n < TG_KEY_MAX)
			key[n++] = (char)c;
		else if (key)
			*long_key = 1;
	}
	if (key)
		key[n] = '\0';
	return 0;
}

static int is_token(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '+' ||
	       c == '.' || c == 'E';
}

/* Skips one value whose first byte c was read. Only the nesting is checked
 * here: values that matter are captured and parsed by jansson. */
static int skip_value(struct scan *s, int c)
{
	char close[TG_DEPTH_MAX];
	int depth = 0;

	for (;;) {
		if (c == '"') {
			if (skip_string(s, NULL, NULL) < 0)
				return -1;
		} else if (c == '{' || c == '[') {
			if (depth == TG_DEPTH_MAX)
				return scan_error(s, "nesting deeper than %d levels", TG_DEPTH_MAX);
			close[depth++] = c == '{' ? '}' : ']';
		} else if (depth > 0 && c == close[depth - 1]) {
			depth--;
		} else if (is_token(c)) {
			while (is_token(peek(s)))
				next(s);
		} else if (depth == 0 || (c != ',' && c != ':')) {
			return unexpected(s, c, "a JSON value");
		}
		if (depth == 0)
			return 0;
		c = ws(s);
	}
}

/* Skips the value starting with c, keeping its bytes in s->cap (at most max;
 * s->overflow tells). *line and *col receive where it starts. */
static int capture_value(struct scan *s, int c, size_t max, unsigned long *line,
			 unsigned long *col)
{
	int rc;

	lw_buf_release(&s->cap);
	lw_buf_init(&s->cap, max);
	s->overflow = lw_buf_addc(&s->cap, (char)c) < 0;
	*line = s->line;
	*col = s->col;
	s->capturing = 1;
	rc = skip_value(s, c);
	s->capturing = 0;
	return rc;
}

/* Parses the captured bytes; a syntax error is reported where it lies in
 * the file, not in the capture. */
static json_t *parse_capture(struct scan *s, unsigned long line, unsigned long col)
{
	json_error_t je;
	json_t *v = json_loadb(s->cap.data, s->cap.len, JSON_DECODE_ANY, &je);

	if (v)
		return v;
	if (je.line <= 1) {
		col += je.column > 0 ? (unsigned long)je.column - 1 : 0;
	} else {
		line += (unsigned long)je.line - 1;
		col = (unsigned long)je.column;
	}
	lw_error_set(s->err, "%s:%lu:%lu: bad JSON: %s", s->name, line, col, je.text);
	return NULL;
}

/* ---- messages ------------------------------------------------------------------ */

struct reader {
	struct scan s;
	const struct telegram_options *o;
	char *title;                    /* the export's "name" */
	char *type;
	json_int_t id;
	int has_id;
	telegram_listing_fn *fn;
	telegram_reject_fn *reject;
	void *ctx;
	struct telegram_stats st;
};

static void reject(struct reader *r, unsigned long line, unsigned long col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void reject(struct reader *r, unsigned long line, unsigned long col, const char *fmt, ...)
{
	char where[512], msg[256];
	va_list ap;

	r->st.rejected++;
	if (!r->reject)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(where, sizeof(where), "%s:%lu:%lu", r->s.name, line, col);
	r->reject(where, msg, r->ctx);
}

static void add_outlink(json_t *links, const char *prefix, const char *url)
{
	char buf[1024];

	if (!url || !*url || strlen(url) > 900)
		return;
	snprintf(buf, sizeof(buf), "%s%s", prefix, url);
	json_array_append_new(links, json_string(buf));
}

/* One piece of a text array: a string, or an entity {type, text, href}. */
static int flatten_piece(json_t *p, struct lw_buf *out, json_t *links)
{
	const char *type, *text, *href;

	if (json_is_string(p))
		return lw_buf_adds(out, json_string_value(p));
	if (!json_is_object(p) || !json_is_string(json_object_get(p, "text")))
		return -1;
	type = json_string_value(json_object_get(p, "type"));
	text = json_string_value(json_object_get(p, "text"));
	href = json_string_value(json_object_get(p, "href"));
	if (lw_buf_adds(out, text) < 0)
		return -1;
	if (type && strcmp(type, "text_link") == 0 && href) {
		/* The target is the contact: keep it in the text the matcher reads. */
		if (strcmp(href, text) != 0 && lw_buf_printf(out, " (%s)", href) < 0)
			return -1;
		add_outlink(links, "", href);
	} else if (type && strcmp(type, "link") == 0) {
		add_outlink(links, strstr(text, "://") ? "" : "https://", text);
	} else if (type && strcmp(type, "mention") == 0 && text[0] == '@') {
		add_outlink(links, "https://t.me/", text + 1);
	}
	return 0;
}

/* The message's text as one string in out; -1 when "text" has the wrong shape. */
static int flatten(json_t *text, struct lw_buf *out, json_t *links)
{
	size_t i;
	json_t *p;

	if (!text || json_is_null(text))
		return 0;
	if (json_is_string(text))
		return lw_buf_adds(out, json_string_value(text));
	if (!json_is_array(text))
		return -1;
	json_array_foreach(text, i, p)
		if (flatten_piece(p, out, links) < 0)
			return -1;
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SSZ" from date_unixtime, else the local "date" as
 * written; "" when there is neither. -1 when either has the wrong type. */
static int posted_of(json_t *m, char *out, size_t n)
{
	json_t *unix_t = json_object_get(m, "date_unixtime"), *date = json_object_get(m, "date");
	const char *u = json_string_value(unix_t);
	char *end;
	long long secs;
	time_t t;
	struct tm tm;

	if ((unix_t && !json_is_string(unix_t)) || (date && !json_is_string(date)))
		return -1;
	out[0] = '\0';
	if (u && *u && isdigit((unsigned char)*u)) {
		secs = strtoll(u, &end, 10);
		t = (time_t)secs;
		if (*end == '\0' && secs < 253402300800LL && gmtime_r(&t, &tm) &&
		    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
			return 0;
	}
	if (date)
		snprintf(out, n, "%s", json_string_value(date));
	return 0;
}

static int blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Title: the first non-blank line, cut to TG_TITLE_MAX bytes on a UTF-8
 * boundary; body: what follows it, or the whole text when the title was cut
 * (so nothing is lost). Both are new strings. */
static void split_text(const char *text, char **title, char **body)
{
	const char *p = text, *nl, *rest;
	size_t n;

	while (blank((unsigned char)*p))
		p++;
	nl = strchr(p, '\n');
	n = nl ? (size_t)(nl - p) : strlen(p);
	rest = nl ? nl + 1 : p + n;
	if (n > TG_TITLE_MAX) {
		n = TG_TITLE_MAX;
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
		rest = p;
	}
	while (n > 0 && blank((unsigned char)p[n - 1]))
		n--;
	while (blank((unsigned char)*rest))
		rest++;
	*title = xstrndup(p, n);
	*body = xstrdup(rest);
}

static void make_url(const struct reader *r, json_int_t msg, struct lw_buf *url)
{
	if (r->o->channel)
		lw_buf_printf(url, "https://t.me/%s/%" JSON_INTEGER_FORMAT, r->o->channel, msg);
	else
		lw_buf_printf(url, "https://t.me/c/%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
			      r->id, msg);
}

static void emit(struct reader *r, json_t *m, const char *text, json_t *links,
		 unsigned long line)
{
	struct store_listing l;
	struct lw_buf url;
	char origin[512], posted[64];
	char *title, *body, *outlinks = NULL;

	r->st.listings++;
	if (!r->fn)
		return;
	posted_of(m, posted, sizeof(posted));
	lw_buf_init(&url, 256);
	make_url(r, json_integer_value(json_object_get(m, "id")), &url);
	split_text(text, &title, &body);
	if (json_array_size(links) > 0)
		outlinks = json_dumps(links, JSON_COMPACT);
	snprintf(origin, sizeof(origin), "%s:%lu", r->s.name, line);
	memset(&l, 0, sizeof(l));
	l.url = url.data;
	l.source = r->o->source ? r->o->source : r->title;
	l.title = title;
	l.body = body;
	l.posted = posted[0] ? posted : NULL;
	l.origin = origin;
	l.outlinks_json = outlinks;
	r->fn(&l, r->ctx);
	free(outlinks);
	free(title);
	free(body);
	lw_buf_release(&url);
}

/* One message's parsed JSON: a listing, a skip or a rejection. */
static void take_message(struct reader *r, json_t *m, unsigned long line, unsigned long col)
{
	json_t *id = json_object_get(m, "id"), *text, *links;
	const char *type = json_string_value(json_object_get(m, "type"));
	struct lw_buf flat;
	char posted[64];

	if (!json_is_object(m)) {
		reject(r, line, col, "a message is not an object");
		return;
	}
	if (type && strcmp(type, "message") != 0) {
		r->st.service++;
		return;
	}
	if (!json_is_integer(id) || json_integer_value(id) <= 0) {
		reject(r, line, col, "message \"id\" is not a positive integer");
		return;
	}
	if (posted_of(m, posted, sizeof(posted)) < 0) {
		reject(r, line, col, "message %" JSON_INTEGER_FORMAT
		       ": \"date\" or \"date_unixtime\" is not a string", json_integer_value(id));
		return;
	}
	text = json_object_get(m, "text");
	if (!text || (json_is_string(text) && !*json_string_value(text)))
		text = json_object_get(m, "text_entities");
	lw_buf_init(&flat, TG_MESSAGE_MAX);
	links = json_array();
	if (flatten(text, &flat, links) < 0)
		reject(r, line, col, "message %" JSON_INTEGER_FORMAT
		       ": \"text\" is neither a string nor an array of strings and entities",
		       json_integer_value(id));
	else if (!flat.data || strspn(flat.data, " \t\r\n") == flat.len)
		r->st.empty++;
	else
		emit(r, m, flat.data, links, line);
	json_decref(links);
	lw_buf_release(&flat);
}

/* ---- the export's outer object ----------------------------------------------------- */

static int read_messages(struct reader *r)
{
	struct scan *s = &r->s;
	unsigned long line, col;
	int c = ws(s);
	json_t *m;

	if (c != '[')
		return unexpected(s, c, "'[' opening \"messages\"");
	if ((c = ws(s)) == ']')
		return 0;
	for (;;) {
		if (capture_value(s, c, TG_MESSAGE_MAX, &line, &col) < 0)
			return -1;
		if (s->overflow) {
			reject(r, line, col, "message longer than %u bytes of JSON", TG_MESSAGE_MAX);
		} else {
			if (!(m = parse_capture(s, line, col)))
				return -1;
			take_message(r, m, line, col);
			json_decref(m);
		}
		c = ws(s);
		if (c == ']')
			return 0;
		if (c != ',')
			return unexpected(s, c, "',' or ']' in \"messages\"");
		c = ws(s);
	}
}

static int read_field(struct reader *r, const char *key, int c)
{
	unsigned long line, col;
	json_t *v;
	int rc = -1;

	if (capture_value(&r->s, c, TG_HEADER_MAX, &line, &col) < 0)
		return -1;
	if (r->s.overflow)
		return scan_error(&r->s, "\"%s\" longer than %u bytes", key, TG_HEADER_MAX);
	if (!(v = parse_capture(&r->s, line, col)))
		return -1;
	if (strcmp(key, "id") == 0 && json_is_integer(v)) {
		r->id = json_integer_value(v);
		r->has_id = 1;
		rc = 0;
	} else if (strcmp(key, "id") != 0 && json_is_string(v)) {
		char **slot = strcmp(key, "name") == 0 ? &r->title : &r->type;

		free(*slot);
		*slot = xstrdup(json_string_value(v));
		rc = 0;
	} else {
		lw_error_set(r->s.err, "%s:%lu:%lu: \"%s\" is not a %s", r->s.name, line, col, key,
			     strcmp(key, "id") == 0 ? "number" : "string");
	}
	json_decref(v);
	return rc;
}

/* Where the links point without a username: the channel's number. */
static int check_links(struct reader *r)
{
	if (r->o->channel)
		return 0;
	if (!r->has_id)
		return scan_error(&r->s, "the export names no channel \"id\" (before its \"messages\"): "
			    "give --telegram-channel NAME");
	if (r->type && !strstr(r->type, "channel") && !strstr(r->type, "supergroup"))
		return scan_error(&r->s, "a '%s' export has no t.me links: give --telegram-channel NAME",
			    r->type);
	return 0;
}

/* One pass over the export; messages go to r->fn when it is set. */
static int read_export(struct reader *r)
{
	struct scan *s = &r->s;
	char key[TG_KEY_MAX + 1];
	int c = ws(s), long_key, messages = 0;

	if (c != '{')
		return unexpected(s, c, "'{' opening a Telegram export");
	if ((c = ws(s)) == '}')
		return scan_error(s, "not a Telegram export: no \"messages\" array");
	for (;;) {
		long_key = 0;
		if (c != '"')
			return unexpected(s, c, "a key");
		if (skip_string(s, key, &long_key) < 0)
			return -1;
		if ((c = ws(s)) != ':')
			return unexpected(s, c, "':'");
		if (long_key)
			key[0] = '\0';
		if (strcmp(key, "messages") == 0) {
			if (messages++)
				return scan_error(s, "a second \"messages\"");
			if ((r->fn && check_links(r) < 0) || read_messages(r) < 0)
				return -1;
		} else if (strcmp(key, "name") == 0 || strcmp(key, "type") == 0 ||
			   strcmp(key, "id") == 0) {
			if (read_field(r, key, ws(s)) < 0)
				return -1;
		} else if (skip_value(s, ws(s)) < 0) {
			return -1;
		}
		if ((c = ws(s)) == '}')
			break;
		if (c != ',')
			return unexpected(s, c, "',' or '}'");
		c = ws(s);
	}
	if (!messages)
		return scan_error(s, "not a Telegram export: no \"messages\" array (a whole-account "
			    "export holds many chats: export the channel alone)");
	if ((c = ws(s)) != EOF)
		return unexpected(s, c, "the end of the file");
	return 0;
}

static int pass(struct reader *r, FILE *f, const char *name, struct lw_error *err)
{
	int rc;

	memset(&r->s, 0, sizeof(r->s));
	r->s.f = f;
	r->s.name = name;
	r->s.line = 1;
	r->s.err = err;
	lw_buf_init(&r->s.cap, TG_MESSAGE_MAX);
	memset(&r->st, 0, sizeof(r->st));
	rc = read_export(r);
	if (rc == 0 && ferror(f))
		rc = lw_error_set(err, "%s: read error", name);
	lw_buf_release(&r->s.cap);
	return rc;
}

int telegram_read(FILE *f, const char *name, const struct telegram_options *o,
		  telegram_listing_fn *fn, telegram_reject_fn *reject_fn, void *ctx,
		  struct telegram_stats *stats, struct lw_error *err)
{
	struct reader r;
	long start = ftell(f);
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.ctx = ctx;
	/* A file is checked whole first: a malformed export stores nothing. */
	if (start >= 0 && fn) {
		if (pass(&r, f, name, err) < 0)
			goto out;
		if (fseek(f, start, SEEK_SET) != 0) {
			lw_error_set(err, "%s: cannot read it again", name);
			goto out;
		}
	}
	r.fn = fn;
	r.reject = reject_fn;
	if (pass(&r, f, name, err) < 0)
		goto out;
	*stats = r.st;
	rc = 0;
out:
	free(r.title);
	free(r.type);
	return rc;
}

/* ---- recognising an export and a username ------------------------------------------ */

int telegram_probe(const char *head, size_t n)
{
	size_t i = 0;
	int depth = 0, in_str = 0, multiline = 0;
	size_t key_start = 0;

	while (i < n && blank((unsigned char)head[i]))
		i++;
	if (i == n || head[i] != '{')
		return 0;
	for (; i < n; i++) {
		char c = head[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"') {
			in_str = 1;
			key_start = i + 1;
		} else if (c == '{' || c == '[') {
			if (c == '[' && depth == 1 && i >= key_start + 9 &&
			    memcmp(head + key_start, "messages\"", 9) == 0 &&
			    strspn(head + key_start + 9, " \t\r\n:") == i - key_start - 9)
				return 1;
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				return multiline;
		} else if (c == '\n') {
			multiline = 1;
		}
	}
	return multiline;
}

int telegram_username(const char *arg, char *out, struct lw_error *err)
{
	static const char *const prefixes[] = { "https://t.me/", "http://t.me/", "t.me/",
						"https://telegram.me/", "telegram.me/", "@", NULL };
	const char *p = arg;
	size_t n;

	for (int i = 0; prefixes[i]; i++)
		if (strncmp(p, prefixes[i], strlen(prefixes[i])) == 0) {
			p += strlen(prefixes[i]);
			break;
		}
	n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	if (n < 3 || n > TELEGRAM_USERNAME_MAX || (p[n] && strcmp(p + n, "/") != 0))
		return lw_error_set(err, "'%s' is not a channel username or t.me link", arg);
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

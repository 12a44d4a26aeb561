/* SPDX-License-Identifier: MIT */
/* Ingestion: listings with their analyses (made by the caller: see
 * matcher_analyze) are turned into rows and written in batches
 * (COPY into a session-temporary staging table, then set-based statements,
 * one transaction per batch): new listings, changed listings as new
 * versions, hits, and flagged ones queued or re-queued, every queue change
 * audited. */
/* strfromd (ISO/IEC TS 18661-1, C2x): see fmt_real. */
#define __STDC_WANT_IEC_60559_BFP_EXT__ 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/sha256.h"

#include "../util/buf.h"
#include "../util/utf8.h"
#include "../util/log.h"
#include "../util/xmalloc.h"
#include "store_internal.h"

#define URL_MAX 4096
#define FIELD_MAX (4u * 1024u * 1024u)
#define BATCH_BYTES_MAX (32u * 1024u * 1024u)
#define COPY_MAX (512u * 1024u * 1024u)
/* Deadlocks between writers are rare and short: a batch that loses five
 * times in a row meets something that is not going away. */
#define CONFLICT_RETRIES 5

struct pending {
	char *url, *source, *title, *body, *location, *posted, *origin;
	char posted_on[16];     /* "YYYY-MM-DD" or "" */
	char hash[65];
	double score;
	int flagged, urgent;
	char *categories;       /* PostgreSQL array literal */
	char *hits;             /* JSON array */
	char *entities;         /* JSON array of contact details */
	long long simhash;
	/* rescan only: the stored version being scored again */
	long rescore_listing, rescore_version;
	/* not a rescan's: the ids its listing and version take if it is new
	 * (take_ids) */
	long long new_listing, new_version;
	char *stored_links;     /* its stored contact details (link_keys_join), or NULL */
	int stored_has_simhash;
	long long stored_simhash;
	int links_checked, links_same; /* compared here: the analysis ties it as stored */
	/* crawler only */
	long frontier_id;
	long http_status;
	char *etag, *last_modified, *redirects, *outlinks;
	char *capture;          /* web archives only */
};

/* A batch on its way to the database, and what writing it found. */
struct wbatch {
	struct pending *v;
	size_t n;
	size_t seen;            /* listings seen when it was handed over (statistics refresh) */
	struct store_ingest_stats stats; /* counts of this batch alone */
	int rc;
	struct lw_error err;
};

struct store_ingest {
	struct store *st;
	const struct matcher *m;
	char *default_source, *actor;
	struct pending *batch;
	size_t n, batch_size, bytes;
	/* The batch's URLs by hash (open addressing; a slot holds a batch
	 * index + 1, 0 when empty): a linear search cost every listing a
	 * compare with each one before it, 2 million per batch of 2,000. */
	size_t *slots, nslots;
	/* Each rule's weight as its hits' JSON gives it, made at its first
	 * hit: "%.17g" cost 1,900 instructions a hit (strfromd). */
	char **weights;
	size_t nweights;
	struct store_ingest_stats stats;
	int failed, staged, flagged_only;
	/* What the staging table's statistics describe (see flush_once):
	 * 0 none, STAGE_FRESH or STAGE_RESCAN. */
	int stage_stats;
	int pack_stored;        /* rule_packs holds the pack: a committed batch named it */
	int defer_priority;     /* store_ingest_set_defer_priority */
	int deferred_lost;      /* a failed batch may have taken deferred rows with it */
	double retry_seconds;   /* store_ingest_set_retry */
	size_t next_refresh;    /* listings seen at the next statistics refresh */
	/* network linking */
	char *exclude;          /* PostgreSQL array literal of excluded entities */
	char max_bits[8];
	struct link_hubs hubs;  /* generic contacts */
	/* Linking in the background (store/ingest_link.c): started by the
	 * writer after each batch commits, waited for by the next start and by
	 * store_ingest_flush. link_failed: a run failed; reported once. */
	struct link_bg *bg;
	int link_failed;
	struct lw_error link_err;
	/* Writing: w is the batch handed over; with a writer thread
	 * (store_ingest_set_writer) it is written while the caller fills the
	 * next one into the other array (spare). Only the thread touches the
	 * connection and w while running is set; the caller joins it before
	 * reading w or handing over another batch, so batches commit in order. */
	struct wbatch w;
	struct pending *spare;
	int writer, running;
	pthread_t thread;
	/* The COPY text of the batch being written, kept between batches:
	 * a new buffer for each one (a few megabytes, so fresh pages from the
	 * kernel) cost 5% of ingestion's client CPU in page faults. */
	struct lw_buf copy;
};

static void pending_release(struct pending *p)
{
	free(p->url);
	free(p->source);
	free(p->title);
	free(p->body);
	free(p->location);
	free(p->posted);
	free(p->origin);
	free(p->categories);
	free(p->hits);
	free(p->entities);
	free(p->etag);
	free(p->last_modified);
	free(p->redirects);
	free(p->outlinks);
	free(p->capture);
	free(p->stored_links);
	memset(p, 0, sizeof(*p));
}

char *store_compose_text(const char *title, const char *body, size_t *len)
{
	struct lw_buf b;
	char *raw, *text;
	size_t n;

	lw_buf_init(&b, (size_t)-1);
	lw_buf_adds(&b, title ? title : "");
	lw_buf_adds(&b, "\n\n");
	lw_buf_adds(&b, body ? body : "");
	raw = lw_buf_detach(&b, &n);
	/* Stored fields are repaired one by one; repairing the whole gives the
	 * same bytes, since no invalid sequence runs across the ASCII "\n\n". */
	text = lw_utf8_repair(raw, n, len, NULL);
	free(raw);
	return text;
}

struct store_ingest *store_ingest_new(struct store *st, const struct matcher *m,
				      const char *default_source, const char *actor,
				      size_t batch_size, struct lw_error *err)
{
	struct store_ingest *in = xcalloc(1, sizeof(*in));

	in->st = st;
	in->m = m;
	in->default_source = xstrdup(default_source ? default_source : "default");
	in->actor = xstrdup(actor ? actor : "ingest");
	in->batch_size = batch_size ? batch_size : 500;
	in->batch = xcalloc(in->batch_size, sizeof(*in->batch));
	in->spare = xcalloc(in->batch_size, sizeof(*in->spare));
	for (in->nslots = 16; in->nslots < 2 * in->batch_size; in->nslots *= 2)
		;
	in->slots = xcalloc(in->nslots, sizeof(*in->slots));
	in->nweights = m ? matcher_pack_rule_count(matcher_get_pack(m)) : 0;
	in->weights = xcalloc(in->nweights ? in->nweights : 1, sizeof(*in->weights));
	lw_buf_init(&in->copy, COPY_MAX);
	in->exclude = xstrdup("{}");
	in->next_refresh = 1000;
	snprintf(in->max_bits, sizeof(in->max_bits), "3");
	{
		/* The configuration's defaults until the caller says otherwise. */
		struct config *dflt = config_new_defaults();
		struct store_network_rules r;

		store_network_rules_from_config(&r, dflt);
		link_hubs_init(&in->hubs, &r);
		config_free(dflt);
	}
	(void)err;
	return in;
}

void store_ingest_free(struct store_ingest *in)
{
	if (!in)
		return;
	if (in->running)
		pthread_join(in->thread, NULL);
	for (size_t i = 0; i < in->w.n; i++)
		pending_release(&in->w.v[i]);
	free(in->w.v);
	for (size_t i = 0; i < in->n; i++)
		pending_release(&in->batch[i]);
	free(in->batch);
	free(in->spare);
	free(in->slots);
	for (size_t i = 0; i < in->nweights; i++)
		free(in->weights[i]);
	free(in->weights);
	free(in->default_source);
	free(in->actor);
	free(in->exclude);
	lw_buf_release(&in->copy);
	link_bg_free(in->bg);
	link_hubs_release(&in->hubs);
	free(in);
}

int store_ingest_failed(const struct store_ingest *in)
{
	return in->failed;
}

const struct store_ingest_stats *store_ingest_stats(const struct store_ingest *in)
{
	return &in->stats;
}

/* ---- scoring one listing ---------------------------------------------------- */

static char *clean(const char *s)
{
	return s ? lw_utf8_repair(s, strlen(s), NULL, NULL) : NULL;
}

/* Only real calendar dates become posted_on; anything else stays text. */
static void parse_date(const char *s, char out[16])
{
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, n = 0;

	out[0] = '\0';
	if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return;
	if (y < 1990 || y > 2999 || mo < 1 || mo > 12 || d < 1 || d > days[mo - 1])
		return;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return;
	/* "%04d-%02d-%02d" without snprintf (see fmt_ll): y is 1990 to 2999. */
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + mo / 10);
	out[6] = (char)('0' + mo % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

static void content_hash(const struct pending *p, char out[65])
{
	struct lw_sha256 c;
	const char *parts[4] = { p->title, p->body, p->location, p->posted };

	/* An unchecked EVP context that failed to allocate used to give a
	 * garbage hash here, and the listing a second version next time. */
	lw_sha256_init(&c);
	for (int i = 0; i < 4; i++) {
		const char *s = parts[i] ? parts[i] : "";

		lw_sha256_update(&c, s, strlen(s) + 1); /* NUL keeps fields apart */
	}
	lw_sha256_hex(&c, out);
}

/* ---- numbers as text ---------------------------------------------------------- */

/* The process links libquadmath (igraph's LAPACK needs libgfortran), whose
 * constructor registers printf hooks; with any hook registered glibc sends
 * every printf of the process down its slow positional path. The numbers
 * of each listing (its COPY row's, its hits' and contact details' offsets)
 * went through snprintf: 7% of ingestion's client instructions (callgrind,
 * 4,000 generated listings). These write the same text without it. */

/* v in decimal into out, NUL-terminated; returns the length. */
static size_t fmt_ll(char out[24], long long v)
{
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	char tmp[24];
	size_t n = 0, k = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[k++] = '-';
	while (n)
		out[k++] = tmp[--n];
	out[k] = '\0';
	return k;
}

static int buf_add_ll(struct lw_buf *b, long long v)
{
	char num[24];
	size_t n = fmt_ll(num, v);

	return lw_buf_add(b, num, n);
}

/* v as snprintf's format (one conversion: "%.4f", "%.17g") would print it:
 * strfromd formats through the same __printf_fp, without the hooks. */
static void fmt_real(char *out, size_t size, double v, const char *format)
{
	strfromd(out, size, format, v);
}

/* ---- the JSON of hits and contact details ------------------------------------ */

/* Hits and contact details go to the server as JSON text, written here:
 * jansson built an object per hit and per detail (a hash table each) and
 * then printed them, 11% of ingestion's client CPU (perf, 10,000 generated
 * listings). The server stores them as jsonb, which keeps no formatting,
 * so the rows are those jansson's text gave. */
#define JSON_MAX (64u * 1024u * 1024u)

/* A JSON string: s (n bytes of valid UTF-8) in quotes, escaped as jansson
 * escapes it (no NUL can occur: the text is made of C strings). */
static int json_add_str(struct lw_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	int bad = lw_buf_addc(b, '"') < 0;

	while (n > 0) {
		size_t k = 0;

		while (k < n && (unsigned char)s[k] >= 0x20 && s[k] != '"' && s[k] != '\\')
			k++;
		bad |= lw_buf_add(b, s, k) < 0;
		s += k;
		n -= k;
		if (n == 0)
			break;
		switch (*s) {
		case '"': bad |= lw_buf_adds(b, "\\\"") < 0; break;
		case '\\': bad |= lw_buf_adds(b, "\\\\") < 0; break;
		case '\n': bad |= lw_buf_adds(b, "\\n") < 0; break;
		case '\r': bad |= lw_buf_adds(b, "\\r") < 0; break;
		case '\t': bad |= lw_buf_adds(b, "\\t") < 0; break;
		case '\b': bad |= lw_buf_adds(b, "\\b") < 0; break;
		case '\f': bad |= lw_buf_adds(b, "\\f") < 0; break;
		default: {
			char u[7] = { '\\', 'u', '0', '0', hex[(unsigned char)*s >> 4],
				      hex[*s & 15], '\0' };

			bad |= lw_buf_adds(b, u) < 0;
		}
		}
		s++;
		n--;
	}
	return (bad | (lw_buf_addc(b, '"') < 0)) ? -1 : 0;
}

/* A JSON number for a double as jansson prints one ("%.17g", with ".0"
 * when that looks like an integer): the jsonb numeric keeps the digits
 * and the scale, so a weight of 2 must stay 2.0. */
static int json_add_real(struct lw_buf *b, double v)
{
	char num[40];

	fmt_real(num, sizeof(num), v, "%.17g");
	return lw_buf_adds(b, num) < 0 || (!strpbrk(num, ".e") && lw_buf_adds(b, ".0") < 0) ? -1 : 0;
}

/* Appends rule r's weight w as json_add_real does, from the session's
 * copy of its text. */
static int add_weight(struct store_ingest *in, struct lw_buf *b, size_t r, double w)
{
	struct lw_buf t;

	if (r >= in->nweights) /* not the session's pack's: never happens */
		return json_add_real(b, w);
	if (!in->weights[r]) {
		lw_buf_init(&t, 64);
		if (json_add_real(&t, w) < 0) {
			lw_buf_release(&t);
			return -1;
		}
		in->weights[r] = lw_buf_detach(&t, NULL);
	}
	return lw_buf_adds(b, in->weights[r]);
}

/* Gives the caller b's text (caller frees), or NULL (b released) when it
 * outgrew JSON_MAX: the listing is refused, not stored without them. */
static char *json_take(struct lw_buf *b, int bad)
{
	char *s;

	if (bad || lw_buf_addc(b, ']') < 0) {
		lw_buf_release(b);
		return NULL;
	}
	s = lw_buf_detach(b, NULL);
	return s ? s : xstrdup("[]");
}

/* ---- contact details ---------------------------------------------------------- */

/* A rescan's listing whose analysis ties it to others as its stored rows
 * do (the same distinct contact details, the same fingerprint) keeps them,
 * and its networks: the write path's own test, made here from what the
 * page read, so the server neither compares them row by row nor parses
 * the details sent (they are not sent). */
static void compare_links(struct pending *p, const struct matcher_analysis *a)
{
	const char *text = a->result.text;
	char **keys = xcalloc(a->entities.n ? a->entities.n : 1, sizeof(*keys));
	char *mine;
	/* A fingerprint of 0 is staged as NULL (none). */
	int same_simhash = p->simhash ? p->stored_has_simhash && p->stored_simhash == p->simhash
				      : !p->stored_has_simhash;

	for (size_t i = 0; i < a->entities.n; i++) {
		const struct entity *e = &a->entities.v[i];
		size_t vl;
		char *value = lw_utf8_repair(text + e->start, e->end - e->start, &vl, NULL);

		keys[i] = link_key(entity_kind_name(e->kind), value, vl, e->normalized,
				   (long)e->start, (long)e->end);
		free(value);
	}
	mine = link_keys_join(keys, a->entities.n, 1);
	free(keys);
	p->links_checked = 1;
	p->links_same = same_simhash && strcmp(mine, p->stored_links) == 0;
	free(mine);
	if (p->links_same) {
		free(p->entities);
		p->entities = NULL;
	}
}

/* The contact details (JSON for listing_entities) and the SimHash that tie
 * this listing to others. */
static int link_keys(struct pending *p, const struct matcher_analysis *a, struct lw_error *err)
{
	const char *text = a->result.text;
	struct lw_buf b;
	int bad;

	lw_buf_init(&b, JSON_MAX);
	bad = lw_buf_addc(&b, '[') < 0;
	for (size_t i = 0; i < a->entities.n; i++) {
		const struct entity *e = &a->entities.v[i];
		const char *kind = entity_kind_name(e->kind);
		size_t vl;
		char *value = lw_utf8_repair(text + e->start, e->end - e->start, &vl, NULL);

		bad |= lw_buf_adds(&b, i ? ",{\"kind\":" : "{\"kind\":") < 0;
		bad |= json_add_str(&b, kind, strlen(kind)) < 0;
		bad |= lw_buf_adds(&b, ",\"value\":") < 0;
		bad |= json_add_str(&b, value, vl) < 0;
		bad |= lw_buf_adds(&b, ",\"normalized\":") < 0;
		bad |= json_add_str(&b, e->normalized, strlen(e->normalized)) < 0;
		bad |= lw_buf_adds(&b, ",\"start\":") < 0;
		bad |= buf_add_ll(&b, (long long)e->start) < 0;
		bad |= lw_buf_adds(&b, ",\"end\":") < 0;
		bad |= buf_add_ll(&b, (long long)e->end) < 0;
		bad |= lw_buf_addc(&b, '}') < 0;
		free(value);
	}
	p->entities = json_take(&b, bad);
	if (!p->entities)
		return lw_error_set(err, "its contact details take more than %u bytes as JSON",
				    JSON_MAX);
	p->simhash = (long long)a->simhash;
	if (p->stored_links)
		compare_links(p, a);
	return 0;
}

/* Whether a batch leaves its linking and priority to the background
 * linker: only with a writer thread (the caller's thread is then free to
 * wait for it at the next hand-over), and not for a rescan that defers its
 * priority step to one run over all its listings. */
static int link_behind(const struct store_ingest *in)
{
	return in->writer && in->hubs.background && !in->hubs.off && !in->defer_priority;
}

/* Keeps the background linker's first failure, for link_reported. */
static void link_failure(struct store_ingest *in, const struct lw_error *e)
{
	if (in->link_failed)
		return;
	in->link_failed = 1;
	in->link_err = *e;
}

/* Starts the background linker over whatever waits in link_pending. */
static void link_start(struct store_ingest *in)
{
	struct lw_error e;

	if (in->link_failed)
		return;
	if (!in->bg)
		in->bg = link_bg_new();
	if (link_bg_start(in->bg, in->st, in->exclude, atoi(in->max_bits), &in->hubs,
			  in->retry_seconds, &e) < 0)
		link_failure(in, &e);
}

/* The linker reads exclude and hubs while it runs. */
static void link_quiesce(struct store_ingest *in)
{
	struct lw_error e;

	if (link_bg_wait(in->bg, &e) < 0)
		link_failure(in, &e);
}

void store_ingest_set_links(struct store_ingest *in, char *const *exclude, size_t n,
			    int max_bits)
{
	link_quiesce(in);
	free(in->exclude);
	in->exclude = db_text_array(exclude, n);
	snprintf(in->max_bits, sizeof(in->max_bits), "%d", max_bits);
}

void store_ingest_set_rules(struct store_ingest *in, const struct store_network_rules *r)
{
	link_quiesce(in);
	link_hubs_release(&in->hubs);
	link_hubs_init(&in->hubs, r);
}

/* Fills the score, categories, hits and link keys of p from its analysis,
 * which must be of the text store_compose_text makes of p. */
static int score(struct store_ingest *in, struct pending *p, const struct matcher_analysis *a,
		 struct lw_error *err)
{
	const struct matcher_pack *pack = matcher_get_pack(in->m);
	const struct matcher_result *r = &a->result;
	const char *text = r->text;
	struct lw_buf cats, hits;
	int bad;

	/* Offsets are stored against the composed text: an analysis of other
	 * text would point analysts at the wrong words. */
	if (!text || r->text_len != strlen(p->title) + 2 + strlen(p->body))
		return lw_error_set(err, "analysis is not of the listing's text");
	p->score = r->score;
	p->flagged = r->flagged;
	p->urgent = (r->categories >> MATCHER_CAT_MINORS) & 1;
	lw_buf_init(&cats, 4096);
	lw_buf_addc(&cats, '{');
	for (int c = 0, first = 1; c < MATCHER_CAT_COUNT; c++) {
		if (!((r->categories >> c) & 1))
			continue;
		lw_buf_printf(&cats, "%s%s", first ? "" : ",", matcher_category_name(c));
		first = 0;
	}
	lw_buf_addc(&cats, '}');
	p->categories = lw_buf_detach(&cats, NULL);
	lw_buf_init(&hits, JSON_MAX);
	bad = lw_buf_addc(&hits, '[') < 0;
	for (size_t i = 0; i < r->nhits; i++) {
		const struct matcher_hit *h = &r->hits[i];
		const struct matcher_rule *rule = matcher_pack_rule(pack, h->rule);
		const char *cat = matcher_category_name(rule->category);
		size_t ml;
		char *match = lw_utf8_repair(text + h->start, h->end - h->start, &ml, NULL);

		bad |= lw_buf_adds(&hits, i ? ",{\"rule\":" : "{\"rule\":") < 0;
		bad |= json_add_str(&hits, rule->id, strlen(rule->id)) < 0;
		bad |= lw_buf_adds(&hits, ",\"category\":") < 0;
		bad |= json_add_str(&hits, cat, strlen(cat)) < 0;
		bad |= lw_buf_adds(&hits, ",\"weight\":") < 0;
		bad |= add_weight(in, &hits, h->rule, rule->weight) < 0;
		bad |= lw_buf_adds(&hits, ",\"start\":") < 0;
		bad |= buf_add_ll(&hits, (long long)h->start) < 0;
		bad |= lw_buf_adds(&hits, ",\"end\":") < 0;
		bad |= buf_add_ll(&hits, (long long)h->end) < 0;
		bad |= lw_buf_adds(&hits, ",\"match\":") < 0;
		bad |= json_add_str(&hits, match, ml) < 0;
		bad |= lw_buf_addc(&hits, '}') < 0;
		free(match);
	}
	p->hits = json_take(&hits, bad);
	if (!p->hits)
		return lw_error_set(err, "its hits take more than %u bytes as JSON", JSON_MAX);
	return link_keys(p, a, err);
}

static size_t url_hash(const char *url)
{
	size_t h = 14695981039346656037u;

	for (const unsigned char *c = (const unsigned char *)url; *c; c++)
		h = (h ^ *c) * 1099511628211u;
	return h;
}

/* The slot holding url, or the empty one where it would go (the table is
 * never more than half full). */
static size_t *url_slot(const struct store_ingest *in, const char *url)
{
	size_t i = url_hash(url) & (in->nslots - 1);

	while (in->slots[i] && strcmp(in->batch[in->slots[i] - 1].url, url) != 0)
		i = (i + 1) & (in->nslots - 1);
	return &in->slots[i];
}

static int url_in_batch(const struct store_ingest *in, const char *url)
{
	return *url_slot(in, url) != 0;
}

static int check_listing(const struct store_listing *l, struct lw_error *err)
{
	const char *fields[] = { l->url, l->source, l->title, l->body, l->location, l->posted };

	if (!l->url || !l->url[0])
		return lw_error_set(err, "listing has no url");
	if (l->is_html)
		return lw_error_set(err, "listing '%s' is HTML: its text is the analyser's to extract",
				    l->url);
	if (strlen(l->url) > URL_MAX)
		return lw_error_set(err, "url longer than %d bytes", URL_MAX);
	if ((!l->title || !l->title[0]) && (!l->body || !l->body[0]))
		return lw_error_set(err, "listing '%s' has neither title nor body", l->url);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i] && strlen(fields[i]) > FIELD_MAX)
			return lw_error_set(err, "a field of '%s' is larger than %u bytes", l->url,
					    FIELD_MAX);
	return 0;
}

static int ship(struct store_ingest *in, struct lw_error *err);

/* Scores p, adds it to the batch (taking its strings), and writes the batch
 * when it is full. */
static int enqueue(struct store_ingest *in, struct pending *p, const struct matcher_analysis *a,
		   struct lw_error *err)
{
	/* A rescan keeps the stored text: nothing compares its hash. */
	if (!p->rescore_version)
		content_hash(p, p->hash);
	if (score(in, p, a, err) < 0) {
		lw_error_prefix(err, "listing '%s'", p->url);
		pending_release(p);
		in->stats.failed++;
		return -1;
	}
	in->stats.seen++;
	in->stats.flagged += p->flagged;
	if (in->flagged_only && !p->flagged && !p->rescore_version) {
		in->stats.unstored++;
		pending_release(p);
		return 0;
	}
	in->bytes += strlen(p->body) + strlen(p->title) + strlen(p->hits);
	in->batch[in->n++] = *p;
	*url_slot(in, p->url) = in->n;
	if (in->n == in->batch_size || in->bytes > BATCH_BYTES_MAX)
		return ship(in, err);
	return 0;
}

void store_ingest_note_scored(struct store_ingest *in, int flagged)
{
	/* Counted as the analysis would have counted it: the same pack gives
	 * the same verdict. */
	in->stats.seen++;
	in->stats.flagged += flagged != 0;
	in->stats.already++;
}

void store_ingest_set_flagged_only(struct store_ingest *in, int on)
{
	in->flagged_only = on;
}

int store_ingest_rescore(struct store_ingest *in, const struct store_rescan_row *row,
			 const struct matcher_analysis *a, struct lw_error *err)
{
	struct pending p;

	if (in->failed)
		return lw_error_set(err, "rescan stopped after a failed batch");
	if (url_in_batch(in, row->url) && ship(in, err) < 0)
		return -1;
	memset(&p, 0, sizeof(p));
	p.url = xstrdup(row->url);
	p.source = xstrdup(row->source);
	p.title = xstrdup(row->title);
	p.body = xstrdup(row->body);
	p.origin = xstrdup(row->url);
	p.rescore_listing = row->listing_id;
	p.rescore_version = row->version_id;
	p.stored_links = row->links ? xstrdup(row->links) : NULL;
	p.stored_has_simhash = row->has_simhash;
	p.stored_simhash = row->simhash;
	return enqueue(in, &p, a, err);
}

int store_ingest_add(struct store_ingest *in, const struct store_listing *l,
		     const struct matcher_analysis *a, struct lw_error *err)
{
	struct pending p;

	if (in->failed)
		return lw_error_set(err, "ingestion stopped after a failed batch");
	if (check_listing(l, err) < 0) {
		in->stats.failed++;
		return -1;
	}
	/* Each batch holds a URL once, so set-based statements see one row per
	 * listing; a repeat starts a new batch and becomes a later version. */
	if (url_in_batch(in, l->url) && ship(in, err) < 0)
		return -1;
	memset(&p, 0, sizeof(p));
	p.url = clean(l->url);
	p.source = clean(l->source && l->source[0] ? l->source : in->default_source);
	p.title = clean(l->title ? l->title : "");
	p.body = clean(l->body ? l->body : "");
	p.location = clean(l->location);
	p.posted = clean(l->posted);
	p.origin = xstrdup(l->origin ? l->origin : l->url);
	p.frontier_id = l->frontier_id;
	p.http_status = l->http_status;
	p.etag = clean(l->etag);
	p.last_modified = clean(l->last_modified);
	p.redirects = clean(l->redirects_json);
	p.outlinks = clean(l->outlinks_json);
	p.capture = clean(l->capture_json);
	parse_date(p.posted, p.posted_on);
	return enqueue(in, &p, a, err);
}

/* ---- writing a batch ------------------------------------------------------------ */

/* What a batch sets aside for the network priority when it is deferred
 * (store_ingest_set_defer_priority): the staged columns the priority step
 * reads, kept by the session (not ON COMMIT DELETE) until the next
 * store_ingest_priority_run, and rolled back with a batch that fails. */
static const char pending_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS ingest_priority_pending (listing_id bigint,"
	" version_id bigint, links_same boolean, flagged boolean)";
static const char defer_sql[] =
	"INSERT INTO ingest_priority_pending SELECT listing_id, version_id, links_same, flagged"
	" FROM ingest_stage WHERE version_id IS NOT NULL";

/* What a batch leaves to the background linker (store/ingest_link.c,
 * migration 115): the rows link_batch and the priority step read. */
static const char pending_link_sql[] =
	"INSERT INTO link_pending (listing_ids, version_ids, links_same, flagged)"
	" SELECT array_agg(listing_id), array_agg(version_id), array_agg(links_same),"
	" array_agg(flagged) FROM ingest_stage"
	" WHERE version_id IS NOT NULL AND (NOT links_same OR flagged) HAVING count(*) > 0";

static const char stage_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS ingest_stage ("
	" seq integer, url text, source text, title text, body text, location text,"
	" posted text, posted_on date, content_hash text, score real, flagged boolean,"
	" categories text[], urgent boolean, hits jsonb,"
	" frontier_id bigint, http_status integer, etag text, last_modified text, redirects jsonb,"
	" outlinks jsonb, rescore_listing bigint, rescore_version bigint, entities jsonb,"
	" simhash bigint, capture jsonb,"
	" rescore boolean GENERATED ALWAYS AS (rescore_version IS NOT NULL) STORED,"
	" listing_id bigint, old_hash text, version integer, is_new boolean NOT NULL DEFAULT false,"
	" changed boolean NOT NULL DEFAULT false, requeue boolean NOT NULL DEFAULT false,"
	" version_id bigint, links_same boolean NOT NULL DEFAULT false,"
	" links_checked boolean NOT NULL DEFAULT false) ON COMMIT DELETE ROWS";

/* The session's stage tables, and its promise to queue the listings it
 * inserts for the search index itself (migration 113), which keeps the row
 * trigger that queues other writers' from firing. Not local to the
 * transaction: like the tables, it is undone with one that fails, and made
 * again (the caller clears in->staged then). */
static int stage_create(struct store_ingest *in, struct lw_error *err)
{
	if (db_exec(in->st, stage_sql, 0, NULL, NULL, err) < 0 ||
	    db_exec(in->st, pending_sql, 0, NULL, NULL, err) < 0 ||
	    db_exec(in->st, "SELECT pg_catalog.set_config('lurewatch.search_queued', 'on', false)",
		    0, NULL, NULL, err) < 0)
		return -1;
	return 0;
}

/* What a step needs the batch to hold; steps for what it lacks are skipped
 * (each read the whole staging table, and the rescan step all of
 * listing_versions, for every batch). */
enum {
	NEED_EXISTING = 1 << 0, /* listings stored before: known after STEP_COUNT_STORED */
	NEED_RESCORE = 1 << 1,
	NEED_LINKS = 1 << 2,    /* redirect chains or outlinks */
	NEED_CAPTURE = 1 << 3,
	NEED_FRONTIER = 1 << 4,
	NEED_FLAGGED = 1 << 5,
	NEED_LINKCHECK = 1 << 6, /* rescanned versions whose ties the client did not compare */
	NEED_ANY = (1 << 7) - 1,
	STEP_COUNT_STORED = 1 << 8, /* its row count is the number of new listings stored: fewer
				     * than the batch's listings not a rescan's means some were
				     * stored before */
	STEP_COUNT_QUEUED = 1 << 9, /* its row count is the number of queue changes */
	STEP_LINK = 1 << 10,        /* network linking: see link_batch */
	STEP_PRIORITY = 1 << 11,    /* network priority: see store_ingest_set_defer_priority */
	/* Only for a batch of new listings alone (no NEED_EXISTING nor
	 * NEED_RESCORE), beside a twin with INSERT ... ON CONFLICT for the
	 * others: no row of such a batch can conflict, and ON CONFLICT cost
	 * every row an arbiter probe and a second WAL record (pg_stat_statements
	 * over 42k new listings: fingerprints 7 records a row, hit sets 3). The
	 * same rows go in, in the same order. */
	STEP_FRESH_ONLY = 1 << 12,
};

struct batch_step {
	const char *sql;
	unsigned flags;
};

/* In order; $1 is the rule pack's hash, $2 the actor. */
static const struct batch_step batch_sql[] = {
	{ "INSERT INTO sources (name) SELECT DISTINCT source FROM ingest_stage "
	  "ON CONFLICT (name) DO NOTHING", 0 },
	/* New listings; a concurrent ingester that wins the race makes ours "existing".
	 * Each staged listing that is not a rescan's came staged as new, with
	 * the ids its listing and version take if it is (take_ids): only those
	 * stored before are rewritten here, to be looked up below. Handing
	 * the returned ids back rewrote every staged row, bodies and all. */
	/* The new listings are queued for the search index here (migration
	 * 113: the session says so with lurewatch.search_queued, see
	 * stage_create); the statement's row count is still theirs. */
	{ "WITH n AS (INSERT INTO listings (id, url, source_id, title, body, location, posted,"
	  " posted_on, content_hash) SELECT s.listing_id, s.url, src.id, s.title, s.body, s.location,"
	  " s.posted, s.posted_on, s.content_hash FROM ingest_stage s"
	  " JOIN sources src ON src.name = s.source WHERE NOT s.rescore ORDER BY s.seq"
	  " ON CONFLICT (url) DO NOTHING RETURNING id)"
	  " INSERT INTO search_pending (listing_id) SELECT id FROM n", STEP_COUNT_STORED },
	/* Only when the insert stored fewer than it was given. The ids a
	 * batch takes are its own (nextval), so a staged listing whose id no
	 * listing has is one whose URL was stored before. Finding them with
	 * the inserted ids returned (a hashed NOT IN over every staged row,
	 * in the same statement) was ~0.04 s of backend CPU per 10,000 new
	 * listings, for nothing in a batch of new ads. */
	{ "UPDATE ingest_stage s SET listing_id = NULL, is_new = false, version = NULL,"
	  " version_id = NULL WHERE NOT s.rescore"
	  " AND NOT EXISTS (SELECT FROM listings l WHERE l.id = s.listing_id)", NEED_EXISTING },
	/* Existing listings, locked so two ingesters cannot both add version N+1. */
	{ "WITH l AS (SELECT l.id, l.url, l.content_hash, l.current_version FROM listings l"
	  " JOIN ingest_stage s ON s.url = l.url WHERE s.listing_id IS NULL AND NOT s.rescore"
	  " FOR UPDATE OF l)"
	  " UPDATE ingest_stage s SET listing_id = l.id, old_hash = l.content_hash,"
	  " version = l.current_version + 1, changed = (l.content_hash <> s.content_hash),"
	  " version_id = CASE WHEN l.content_hash <> s.content_hash"
	  " THEN nextval('listing_versions_id_seq') END"
	  " FROM l WHERE l.url = s.url", NEED_EXISTING },
	{ "UPDATE listings l SET last_seen = now() FROM ingest_stage s"
	  " WHERE s.listing_id = l.id AND NOT s.is_new AND NOT s.changed AND NOT s.rescore",
	  NEED_EXISTING },
	/* A rescan scores a stored version with today's pack: the version keeps
	 * the old pack's hits and gains the new pack's as its current verdict. */
	/* (Its listing_id comes with the COPY: setting it here was a pass over
	 * the stage and a new version of every staged row.) */
	/* The stage comes with version_id = rescore_version (the page read
	 * the version as another pack's), and loses it only where the version
	 * was scored by this pack meanwhile: setting it on every staged row
	 * rewrote each wide row (hits, details) for one column. */
	{ "WITH v AS (UPDATE listing_versions v SET rule_pack = $1, score = s.score, flagged = s.flagged,"
	  " categories = s.categories FROM ingest_stage s WHERE s.rescore AND v.id = s.rescore_version"
	  " AND v.rule_pack <> $1 RETURNING v.id)"
	  " UPDATE ingest_stage s SET version_id = NULL WHERE s.rescore AND s.version_id IS NOT NULL"
	  " AND NOT EXISTS (SELECT FROM v WHERE v.id = s.version_id)",
	  NEED_RESCORE },
	/* The version a changed listing leaves behind takes the text the
	 * listing is about to replace: a current version keeps none of its
	 * own (migration 111), and an older one must. */
	{ "UPDATE listing_versions v SET title = l.title, body = l.body FROM ingest_stage s"
	  " JOIN listings l ON l.id = s.listing_id WHERE s.changed AND v.listing_id = l.id"
	  " AND v.version = l.current_version AND v.body IS NULL", NEED_EXISTING },
	{ "UPDATE listings l SET title = s.title, body = s.body, location = s.location,"
	  " posted = s.posted, posted_on = s.posted_on, content_hash = s.content_hash,"
	  " current_version = s.version, last_seen = now()"
	  " FROM ingest_stage s WHERE s.listing_id = l.id AND s.changed", NEED_EXISTING },
	/* Rewriting every staged row (bodies and all) to give it the id this
	 * insert returned cost more than the insert's sort and join: 15-40 ms a
	 * batch of 2,000 at 42k listings. The version is its listing's current
	 * one, whose title and body the listing holds (migration 111): writing
	 * them again was half this insert's CPU and WAL. */
	{ "INSERT INTO listing_versions (id, listing_id, version, title, body, location, posted,"
	  " content_hash, rule_pack, score, flagged, categories) SELECT version_id, listing_id, version,"
	  " NULL, NULL, location, posted, content_hash, $1, score, flagged, categories FROM ingest_stage"
	  " WHERE is_new OR changed", 0 },
	/* The matcher's array as it is (migration 091); a rescan back to a
	 * pack that once scored the version replaces that pack's set. A batch
	 * of new listings only makes new versions: see STEP_FRESH_ONLY. */
	{ "INSERT INTO hit_sets (version_id, rule_pack, hits) SELECT version_id, $1, hits"
	  " FROM ingest_stage WHERE version_id IS NOT NULL AND hits <> '[]'", STEP_FRESH_ONLY },
	{ "INSERT INTO hit_sets (version_id, rule_pack, hits) SELECT version_id, $1, hits"
	  " FROM ingest_stage WHERE version_id IS NOT NULL AND hits <> '[]'"
	  " ON CONFLICT (version_id, rule_pack) DO UPDATE SET hits = excluded.hits",
	  NEED_EXISTING | NEED_RESCORE },
	/* Where the ad sends people: its latest redirect chain and contact links. */
	{ "DELETE FROM listing_links l USING ingest_stage s WHERE l.listing_id = s.listing_id"
	  " AND ((l.kind = 'redirect' AND s.redirects IS NOT NULL)"
	  " OR (l.kind = 'outlink' AND s.outlinks IS NOT NULL))", NEED_LINKS },
	{ "INSERT INTO listing_links (listing_id, kind, position, url)"
	  " SELECT s.listing_id, 'redirect', r.pos, r.url FROM ingest_stage s"
	  " CROSS JOIN LATERAL jsonb_array_elements_text(s.redirects) WITH ORDINALITY AS r(url, pos)"
	  " WHERE s.redirects IS NOT NULL"
	  " UNION ALL SELECT s.listing_id, 'outlink', o.pos, o.url FROM ingest_stage s"
	  " CROSS JOIN LATERAL jsonb_array_elements_text(s.outlinks) WITH ORDINALITY AS o(url, pos)"
	  " WHERE s.outlinks IS NOT NULL", NEED_LINKS },
	/* Where an archived page was captured, once per WARC record. */
	{ "INSERT INTO archive_captures (record_id, listing_id, version_id, archive, file_offset,"
	  " data_offset, target_uri, warc_date, captured_at)"
	  " SELECT s.capture->>'record_id', s.listing_id, COALESCE(s.version_id, (SELECT v.id FROM"
	  " listing_versions v JOIN listings l ON l.id = v.listing_id AND v.version = l.current_version"
	  " WHERE l.id = s.listing_id)), s.capture->>'archive', (s.capture->>'file_offset')::bigint,"
	  " (s.capture->>'data_offset')::bigint, s.capture->>'target_uri', s.capture->>'warc_date',"
	  " CASE WHEN s.capture->>'warc_date' ~ '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?Z$'"
	  " THEN (s.capture->>'warc_date')::timestamptz END"
	  " FROM ingest_stage s WHERE s.capture IS NOT NULL AND s.listing_id IS NOT NULL"
	  " ON CONFLICT (record_id) DO NOTHING", NEED_CAPTURE },
	/* The crawled page is done in the same transaction as its listing. Its
	 * row is locked first in the order store_frontier_add takes rows, so
	 * the writer and the crawl threads (or another crawl process) queue
	 * behind each other instead of deadlocking. */
	{ "SELECT 1 FROM crawl_urls c WHERE c.id IN (SELECT frontier_id FROM ingest_stage)"
	  " ORDER BY c.source_id, c.url FOR UPDATE", NEED_FRONTIER },
	{ "UPDATE crawl_urls c SET state = 'done', lease_owner = NULL, lease_expires = NULL,"
	  " last_status = s.http_status, last_error = NULL, etag = COALESCE(s.etag, c.etag),"
	  " last_modified = COALESCE(s.last_modified, c.last_modified),"
	  " redirects = COALESCE(s.redirects, c.redirects), last_fetched = now(),"
	  " fetches = c.fetches + 1 FROM ingest_stage s WHERE c.id = s.frontier_id",
	  NEED_FRONTIER },
	/* Networks: this version's contact details and fingerprint, then each
	 * listing joins (and merges) the networks of the ads it shares them with.
	 * Neither depends on the rule pack: a rescan that finds the stored ones
	 * again leaves them, and the networks, as they are. */
	{ "UPDATE ingest_stage s SET links_same = true WHERE s.rescore AND NOT s.links_checked"
	  " AND s.version_id IS NOT NULL"
	  " AND (SELECT f.simhash FROM listing_fingerprints f WHERE f.listing_id = s.listing_id)"
	  " IS NOT DISTINCT FROM s.simhash"
	  " AND ARRAY(SELECT row(e.kind, e.value, e.normalized, e.start_offset, e.end_offset)::text"
	  " FROM listing_entities e WHERE e.listing_id = s.listing_id ORDER BY 1)"
	  " = ARRAY(SELECT DISTINCT row(x.kind, x.value, x.normalized, x.start, x.\"end\")::text"
	  " FROM jsonb_to_recordset(s.entities) AS x(kind text, value text, normalized text,"
	  " start integer, \"end\" integer) ORDER BY 1)", NEED_LINKCHECK },
	/* An array of ids keeps the primary key in use whatever the statistics
	 * say (a rescan grows these tables from nothing between ANALYZEs). */
	{ "DELETE FROM listing_entities e WHERE e.listing_id = ANY (ARRAY(SELECT listing_id"
	  " FROM ingest_stage WHERE version_id IS NOT NULL AND NOT links_same))",
	  NEED_EXISTING | NEED_RESCORE },
	{ "INSERT INTO listing_entities (listing_id, version_id, kind, value, normalized, start_offset,"
	  " end_offset) SELECT s.listing_id, s.version_id, x.kind, x.value, x.normalized, x.start,"
	  " x.\"end\" FROM ingest_stage s CROSS JOIN LATERAL jsonb_to_recordset(s.entities)"
	  " AS x(kind text, value text, normalized text, start integer, \"end\" integer)"
	  " WHERE s.version_id IS NOT NULL AND NOT s.links_same ON CONFLICT DO NOTHING", 0 },
	{ "INSERT INTO listing_fingerprints (listing_id, simhash, band0, band1, band2, band3)"
	  " SELECT listing_id, simhash, (simhash & 65535)::integer, ((simhash >> 16) & 65535)::integer,"
	  " ((simhash >> 32) & 65535)::integer, ((simhash >> 48) & 65535)::integer"
	  " FROM ingest_stage WHERE version_id IS NOT NULL AND NOT links_same AND simhash IS NOT NULL",
	  STEP_FRESH_ONLY },
	{ "INSERT INTO listing_fingerprints (listing_id, simhash, band0, band1, band2, band3)"
	  " SELECT listing_id, simhash, (simhash & 65535)::integer, ((simhash >> 16) & 65535)::integer,"
	  " ((simhash >> 32) & 65535)::integer, ((simhash >> 48) & 65535)::integer"
	  " FROM ingest_stage WHERE version_id IS NOT NULL AND NOT links_same AND simhash IS NOT NULL"
	  " ON CONFLICT (listing_id) DO UPDATE SET simhash = excluded.simhash, band0 = excluded.band0,"
	  " band1 = excluded.band1, band2 = excluded.band2, band3 = excluded.band3",
	  NEED_EXISTING | NEED_RESCORE },
	{ NULL, STEP_LINK }, /* network linking: see link_batch */
	/* A dismissed listing comes back only with categories the analyst has not seen. */
	{ "UPDATE ingest_stage s SET requeue = true FROM queue_items q"
	  " WHERE q.listing_id = s.listing_id AND s.version_id IS NOT NULL AND s.flagged"
	  " AND q.status = 'resolved' AND q.verdict = 'dismissed' AND NOT (s.categories <@ q.categories)",
	  NEED_FLAGGED },
	{ "WITH q AS (INSERT INTO queue_items AS qi (listing_id, version_id, score, categories,"
	  " priority, urgent) SELECT listing_id, version_id, score, categories, score, urgent"
	  " FROM ingest_stage WHERE version_id IS NOT NULL AND flagged ORDER BY seq"
	  " ON CONFLICT (listing_id) DO UPDATE SET version_id = excluded.version_id,"
	  " score = excluded.score, categories = excluded.categories, priority = excluded.priority,"
	  /* The bare score goes with no reason: the priority step below gives
	   * both back to an item whose network still raises it, and skips an
	   * item whose network does not, which kept a reason its priority no
	   * longer had. */
	  " priority_reason = '', urgent = excluded.urgent, updated_at = now(),"
	  " status = CASE WHEN qi.status = 'resolved' THEN 'new' ELSE qi.status END,"
	  " verdict = CASE WHEN qi.status = 'resolved' THEN NULL ELSE qi.verdict END,"
	  " escalated_to = CASE WHEN qi.status = 'resolved' THEN NULL ELSE qi.escalated_to END,"
	  " resolved_by = CASE WHEN qi.status = 'resolved' THEN NULL ELSE qi.resolved_by END,"
	  " resolved_at = CASE WHEN qi.status = 'resolved' THEN NULL ELSE qi.resolved_at END"
	  " WHERE qi.status <> 'resolved' OR (qi.verdict = 'dismissed' AND NOT (excluded.categories <@ qi.categories))"
	  " RETURNING qi.id, qi.listing_id, qi.version_id, (xmax = 0) AS inserted)"
	  " INSERT INTO audit_log (actor, action, item_id, listing_id, details)"
	  " SELECT $2, CASE WHEN q.inserted THEN 'queued' WHEN s.requeue THEN 'requeued' ELSE 'updated' END,"
	  " q.id, q.listing_id, jsonb_build_object('version_id', q.version_id, 'score', s.score,"
	  " 'categories', to_jsonb(s.categories), 'rule_pack', $1::text)"
	  " FROM q JOIN ingest_stage s ON s.listing_id = q.listing_id",
	  NEED_FLAGGED | STEP_COUNT_QUEUED },
	/* Items in a large or fast network rise in the queue, with the reason.
	 * Only the networks this batch changed (a member joined, or was queued
	 * at its bare score) are counted, each through the network index (a
	 * hash join read all of listings for every batch). */
	/* Arrays of ids keep the indexes in use: planned as joins, both ends
	 * read all of listing_networks (and the second all of queue_items) for
	 * every batch once the tables were large, and the rate fell with them. */
	/* The networks linking merged or split in this batch count too
	 * (network_events of this transaction, migration 096): an item whose
	 * network lost ads in a batch without any of them kept the reason and
	 * factor of the larger network, so the queue's order hung on where
	 * batches began (t0355). An item in such a network that no longer
	 * rises goes back to its bare score and no reason, as if it had
	 * never risen. */
	{ "WITH t AS MATERIALIZED (SELECT u.network_id, bool_or(u.moved) AS moved FROM"
	  " (SELECT n.network_id, false AS moved FROM listing_networks n"
	  " WHERE n.listing_id = ANY (ARRAY(SELECT s.listing_id FROM ingest_stage s"
	  " WHERE s.version_id IS NOT NULL AND (NOT s.links_same OR s.flagged)))"
	  " UNION ALL SELECT unnest(e.network_id || e.others), true FROM network_events e"
	  " WHERE e.at = now() AND e.cause = 'ingest') u GROUP BY 1),"
	  /* A network of one ad that did not change never rises (one ad, one
	   * a day): most of a batch's are such, and reading their ads' rows
	   * for the counts below was a probe of listings each, for nothing.
	   * Whether there is a second member is one look at the network index.
	   * The other networks' members are read once, each with whether it
	   * has an item: the counts and the update below both start here
	   * (each read the network index again, and the update queue_items
	   * for every member). */
	  " m AS MATERIALIZED (SELECT t.network_id, t.moved, c.listing_id,"
	  " EXISTS (SELECT FROM queue_items i WHERE i.listing_id = c.listing_id) AS queued"
	  " FROM t JOIN listing_networks c ON c.network_id = t.network_id"
	  " WHERE t.moved OR EXISTS (SELECT FROM listing_networks c WHERE c.network_id = t.network_id"
	  " OFFSET 1)),"
	  /* Only queued ads have an item to raise, and most networks a batch
	   * touches have none (at 100,000 listings, 287 of the 618 networks
	   * of three or more): counting their members read a row of listings
	   * each, the step's largest cost, for no item. */
	  " ns AS MATERIALIZED (SELECT x.* FROM (SELECT m.network_id, bool_or(m.moved) AS moved,"
	  " count(*) AS listings, count(DISTINCT l.source_id) AS sources,"
	  " count(DISTINCT lower(l.location)) FILTER (WHERE l.location IS NOT NULL) AS locations,"
	  /* Days between posted dates (the stored day when an ad gives none),
	   * as network_stats counts them (migration 010). */
	  " count(*)::numeric / GREATEST(max(coalesce(l.posted_on, l.first_seen::date))"
	  " - min(coalesce(l.posted_on, l.first_seen::date)) + 1, 1)"
	  " AS posting_rate FROM m JOIN listings l ON l.id = m.listing_id"
	  " WHERE m.network_id IN (SELECT q.network_id FROM m q WHERE q.queued)"
	  " GROUP BY m.network_id) x"
	  /* Networks that do not raise their items and did not change are
	   * left alone. */
	  " WHERE x.listings >= 3 OR x.posting_rate >= 2 OR x.moved),"
	  /* Factor and reason once a network, not once a member (format()
	   * for every member of every network was a fifth of the step). */
	  " r AS MATERIALIZED (SELECT ns.network_id, CASE WHEN ns.listings >= 3 OR ns.posting_rate >= 2"
	  " THEN (1 + 0.25 * ln(ns.listings::numeric)"
	  " + CASE WHEN ns.posting_rate >= 2 THEN 0.25 ELSE 0 END) ELSE 1 END AS factor,"
	  " CASE WHEN ns.listings >= 3 OR ns.posting_rate >= 2 THEN"
	  " format('network %s: %s ads from %s sources in %s places, %s a day',"
	  " ns.network_id, ns.listings, ns.sources, ns.locations, round(ns.posting_rate::numeric, 1))"
	  " ELSE '' END AS reason FROM ns),"
	  " p AS MATERIALIZED (SELECT m.listing_id, r.factor, r.reason FROM r"
	  " JOIN m ON m.network_id = r.network_id WHERE m.queued)"
	  /* An item whose priority stays is not rewritten. */
	  " UPDATE queue_items q SET priority = q.score * p.factor, priority_reason = p.reason"
	  " FROM p WHERE q.listing_id = ANY (ARRAY(SELECT listing_id FROM p))"
	  " AND q.listing_id = p.listing_id"
	  " AND (q.priority, q.priority_reason) IS DISTINCT FROM ((q.score * p.factor)::real, p.reason)",
	  STEP_PRIORITY },
};

const char *ingest_stage_sql(void)
{
	return stage_sql;
}

const char *ingest_priority_sql(void)
{
	for (size_t i = 0; i < sizeof(batch_sql) / sizeof(batch_sql[0]); i++)
		if (batch_sql[i].flags & STEP_PRIORITY)
			return batch_sql[i].sql;
	return NULL;
}

/* Appends s for COPY's text format: backslash escapes, \N for NULL. Runs
 * without a special byte are copied whole: byte by byte, this was a tenth
 * of a second per 10,000 listings on the main thread, with the server
 * idle. */
static void copy_field(struct lw_buf *b, const char *s, int last)
{
	if (!s) {
		lw_buf_adds(b, "\\N");
	} else {
		while (*s) {
			size_t n = strcspn(s, "\\\n\r\t");

			lw_buf_add(b, s, n);
			s += n;
			switch (*s) {
			case '\\': lw_buf_adds(b, "\\\\"); break;
			case '\n': lw_buf_adds(b, "\\n"); break;
			case '\r': lw_buf_adds(b, "\\r"); break;
			case '\t': lw_buf_adds(b, "\\t"); break;
			default: continue; /* the end */
			}
			s++;
		}
	}
	lw_buf_addc(b, last ? '\n' : '\t');
}

static int copy_batch(struct store_ingest *in, const struct wbatch *w, struct lw_error *err)
{
	struct lw_buf b = in->copy;
	int rc = -1;

	lw_buf_reset(&b);
	for (size_t i = 0; i < w->n; i++) {
		struct pending *p = &w->v[i];
		char seq[24], sc[32], fid[24], hs[24];

		fmt_ll(seq, (long long)i);
		fmt_ll(fid, p->frontier_id);
		fmt_ll(hs, p->http_status);
		fmt_real(sc, sizeof(sc), p->score, "%.4f");
		/* A rescan's row is a stored version: the server has its
		 * text, and no statement reads it back from the stage (a
		 * third of the bytes each batch sent, parsed and stored). */
		int stored = p->rescore_version != 0;

		copy_field(&b, seq, 0);
		copy_field(&b, p->url, 0);
		copy_field(&b, p->source, 0);
		copy_field(&b, stored ? NULL : p->title, 0);
		copy_field(&b, stored ? NULL : p->body, 0);
		copy_field(&b, p->location, 0);
		copy_field(&b, p->posted, 0);
		copy_field(&b, p->posted_on[0] ? p->posted_on : NULL, 0);
		copy_field(&b, stored ? NULL : p->hash, 0);
		copy_field(&b, sc, 0);
		copy_field(&b, p->flagged ? "t" : "f", 0);
		copy_field(&b, p->categories, 0);
		copy_field(&b, p->urgent ? "t" : "f", 0);
		copy_field(&b, p->hits, 0);
		copy_field(&b, p->frontier_id ? fid : NULL, 0);
		copy_field(&b, p->http_status ? hs : NULL, 0);
		copy_field(&b, p->etag, 0);
		copy_field(&b, p->last_modified, 0);
		copy_field(&b, p->redirects, 0);
		copy_field(&b, p->outlinks, 0);
		fmt_ll(fid, p->rescore_listing);
		copy_field(&b, p->rescore_listing ? fid : NULL, 0);
		fmt_ll(fid, p->rescore_version);
		copy_field(&b, p->rescore_version ? fid : NULL, 0);
		copy_field(&b, p->entities, 0);
		fmt_ll(fid, p->simhash);
		/* (entities is NULL only for a rescan's row whose ties
		 * stay: nothing reads its fingerprint then.) */
		copy_field(&b, p->entities && p->simhash ? fid : NULL, 0);
		copy_field(&b, p->capture, 0);
		/* A listing not a rescan's is staged as new (see take_ids); a
		 * rescan's as the stored version it scores again. */
		fmt_ll(fid, p->rescore_version ? (long long)p->rescore_listing : p->new_listing);
		copy_field(&b, fid, 0);
		fmt_ll(fid, p->rescore_version ? (long long)p->rescore_version : p->new_version);
		copy_field(&b, fid, 0);
		copy_field(&b, p->rescore_version ? "f" : "t", 0);
		copy_field(&b, p->rescore_version ? NULL : "1", 0);
		copy_field(&b, p->links_checked ? "t" : "f", 0);
		copy_field(&b, p->links_same ? "t" : "f", 1);
	}
	if (b.len == 0)
		return lw_error_set(err, "empty batch");
	/* The waits go through store/wait.c: bounded, and a connection libpq
	 * left in COPY is dropped rather than waited on. */
	if (db_copy_begin(in->st, "COPY ingest_stage (seq, url, source, title, body, location, posted, posted_on,"
		      " content_hash, score, flagged, categories, urgent, hits, frontier_id, http_status,"
		      " etag, last_modified, redirects, outlinks, rescore_listing, rescore_version,"
		      " entities, simhash, capture, listing_id, version_id, is_new, version,"
		      " links_checked, links_same) FROM STDIN",
		      err) < 0 ||
	    db_copy_end(in->st, b.data, b.len, "COPY of a batch", err) < 0)
		goto out;
	rc = 0;
out:
	/* Kept for the next batch, unless an outsized one grew it past what
	 * a batch of ordinary listings needs. */
	if (b.cap > 4 * BATCH_BYTES_MAX)
		lw_buf_release(&b);
	in->copy = b;
	return rc;
}

static int cmp_id(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Takes from the sequences the ids the batch's listings (other than a
 * rescan's) and their first versions get if they are new, in the batch's
 * order: the listing insert numbered them so from its default, one id for
 * each listing staged, new or not. Ids of listings found stored before
 * are left unused, as the insert's were. */
static int take_ids(struct store_ingest *in, struct wbatch *w, size_t fresh, struct lw_error *err)
{
	char n[24];
	const char *p[1] = { n };
	PGresult *res = NULL;
	long long *ids;
	size_t k = 0;

	if (fresh == 0)
		return 0;
	snprintf(n, sizeof(n), "%zu", fresh);
	if (db_exec(in->st, "SELECT nextval('listings_id_seq'), nextval('listing_versions_id_seq')"
			    " FROM generate_series(1, $1::integer)", 1, p, &res, err) < 0)
		return -1;
	if ((size_t)PQntuples(res) != fresh) {
		int got = PQntuples(res);

		PQclear(res);
		return lw_error_set(err, "asked for %zu ids, got %d", fresh, got);
	}
	ids = xcalloc(2 * fresh, sizeof(*ids));
	for (size_t i = 0; i < fresh; i++) {
		ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
		ids[fresh + i] = strtoll(PQgetvalue(res, (int)i, 1), NULL, 10);
	}
	PQclear(res);
	qsort(ids, fresh, sizeof(*ids), cmp_id);
	qsort(ids + fresh, fresh, sizeof(*ids), cmp_id);
	for (size_t i = 0; i < w->n; i++) {
		struct pending *q = &w->v[i];

		if (q->rescore_version)
			continue;
		q->new_listing = ids[k];
		q->new_version = ids[fresh + k++];
	}
	free(ids);
	return 0;
}

static int count_outcomes(struct store_ingest *in, struct wbatch *w, struct lw_error *err)
{
	PGresult *res = NULL;

	if (db_exec(in->st,
		    "SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE changed),"
		    " count(*) FILTER (WHERE NOT is_new AND NOT changed AND NOT rescore),"
		    " count(*) FILTER (WHERE version_id IS NOT NULL AND flagged AND requeue),"
		    " count(*) FILTER (WHERE rescore AND version_id IS NOT NULL)"
		    " FROM ingest_stage",
		    0, NULL, &res, err) < 0)
		return -1;
	w->stats.inserted += strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	w->stats.changed += strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	w->stats.unchanged += strtoul(PQgetvalue(res, 0, 2), NULL, 10);
	w->stats.requeued += strtoul(PQgetvalue(res, 0, 3), NULL, 10);
	w->stats.rescored += strtoul(PQgetvalue(res, 0, 4), NULL, 10);
	PQclear(res);
	return 0;
}

/* A long ingestion grows the tables faster than autovacuum re-plans them:
 * with statistics from when they were small, linking's lookups turn into
 * scans and every batch gets slower. Every 2,000 listings this session
 * looks at how much of each linking table changed since its last ANALYZE
 * (by anyone) and refreshes it once that is a quarter of the table, so
 * their cost stays small beside the ingestion's however the work is split
 * into runs (a fixed schedule per session re-analysed at the start of
 * every run). ANALYZE also makes PostgreSQL re-plan the foreign-key checks
 * it caches per session: planned while queue_items was nearly empty, the
 * check of each audit row read all of queue_items, and a rescan slowed
 * with every item it queued. A role that does not own the tables gets a
 * warning, which is ignored.
 *
 * Linking also keeps listing_fingerprints' visibility map current: its
 * band lookups (network_candidates) are index-only scans only on pages
 * marked all-visible, and autovacuum comes by once a minute at most and
 * after a fifth of the table is new, so at 80,000-100,000 listings two
 * thirds of the entries a batch read went to the heap (72,000 heap fetches
 * for 2,000 ads): backend CPU 130-210 ms a batch, 80-90 ms once vacuumed.
 * Only the new pages are visited; without index cleanup and truncation
 * (autovacuum still does both) a VACUUM with nothing to do took 0.4 ms
 * against 120 ms. SKIP_LOCKED: never wait for autovacuum. Under
 * asynchronous commits (the crawler's writer) the pages of the last few
 * dozen transactions stay not all-visible until the next VACUUM: a row is
 * hinted committed only once its commit's WAL is flushed. */
static const struct {
	const char *name, *analyze;
} stat_tables[] = {
	{ "listings", "ANALYZE listings" },
	{ "listing_entities", "ANALYZE listing_entities" },
	{ "listing_fingerprints", "ANALYZE listing_fingerprints" },
	{ "listing_networks", "ANALYZE listing_networks" },
	{ "listing_versions", "ANALYZE listing_versions" },
	{ "queue_items", "ANALYZE queue_items" },
};

static void refresh_statistics(struct store_ingest *in, size_t seen)
{
	struct lw_error ignored;
	PGresult *res = NULL;

	if (seen < in->next_refresh)
		return;
	in->next_refresh = seen + 2000;
	/* A rescan leaves listings alone but fills the linking tables, so
	 * each is looked at on its own. Listings are analysed at half their
	 * growth, not a quarter: the planner scales their row count with the
	 * table's pages between analyses, and each one read a 3,000-row
	 * sample of wide rows (30-40 ms at 30k listings, 6% of the backend's
	 * CPU per 10,000 listings there), where the linking tables' rows
	 * are narrow. */
	if (db_exec(in->st,
		    "SELECT c.relname, n_mod_since_analyze >= greatest(500, c.reltuples"
		    " / CASE c.relname WHEN 'listings' THEN 2 ELSE 4 END)"
		    /* versions and queue items matter to the checks' plans only
		     * while they are small; a rescan updates every version. */
		    " AND (c.relname NOT IN ('listing_versions', 'queue_items')"
		    " OR c.reltuples < 20000),"
		    " c.relname = 'listing_fingerprints' AND n_ins_since_vacuum >= 2000"
		    " FROM pg_stat_user_tables t JOIN pg_class c ON c.oid = t.relid"
		    " WHERE t.relid IN ('listings'::regclass, 'listing_entities'::regclass,"
		    " 'listing_fingerprints'::regclass, 'listing_networks'::regclass,"
		    " 'listing_versions'::regclass, 'queue_items'::regclass)",
		    0, NULL, &res, &ignored) < 0)
		return;
	for (int i = 0; i < PQntuples(res); i++) {
		if (PQgetvalue(res, i, 2)[0] == 't' && !in->hubs.off)
			db_exec(in->st, "VACUUM (INDEX_CLEANUP OFF, TRUNCATE OFF, SKIP_LOCKED)"
				" listing_fingerprints", 0, NULL, NULL, &ignored);
		if (PQgetvalue(res, i, 1)[0] != 't')
			continue;
		for (size_t k = 0; k < sizeof(stat_tables) / sizeof(stat_tables[0]); k++)
			if (strcmp(PQgetvalue(res, i, 0), stat_tables[k].name) == 0)
				db_exec(in->st, stat_tables[k].analyze, 0, NULL, NULL, &ignored);
	}
	PQclear(res);
}

/* Links the batch's listings that got a version into networks. */
static int link_batch(struct store_ingest *in, struct lw_error *err)
{
	PGresult *res = NULL;
	long long *ids;
	size_t n;
	int rc;

	if (db_exec(in->st, "SELECT listing_id FROM ingest_stage WHERE version_id IS NOT NULL"
		    " AND NOT links_same",
		    0, NULL, &res, err) < 0)
		return -1;
	n = (size_t)PQntuples(res);
	ids = xcalloc(n ? n : 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
	PQclear(res);
	rc = link_listings(in->st, ids, n, in->exclude, atoi(in->max_bits), 0, &in->hubs, err);
	free(ids);
	return rc;
}

/* The NEED_ flags the batch meets before any statement has run. */
static unsigned batch_holds(const struct wbatch *w)
{
	unsigned have = 0;

	for (size_t i = 0; i < w->n; i++) {
		const struct pending *p = &w->v[i];

		have |= (p->rescore_version ? NEED_RESCORE : 0) |
			(p->rescore_version && !p->links_checked ? NEED_LINKCHECK : 0) |
			(p->redirects || p->outlinks ? NEED_LINKS : 0) |
			(p->capture ? NEED_CAPTURE : 0) | (p->frontier_id ? NEED_FRONTIER : 0) |
			(p->flagged ? NEED_FLAGGED : 0);
	}
	return have;
}

enum { STAGE_FRESH = 1, STAGE_RESCAN = 2 };

/* One attempt at writing the batch in one transaction. */
static int flush_once(struct store_ingest *in, struct wbatch *w, struct lw_error *err)
{
	const struct matcher_pack *pack = matcher_get_pack(in->m);
	const char *pk[3] = { matcher_pack_hash(pack), matcher_pack_name(pack),
			      matcher_pack_version(pack) };
	const char *params[2] = { matcher_pack_hash(pack), in->actor };
	PGresult *res = NULL;
	unsigned have;
	int kind, stats_kind = 0; /* the statistics this batch's ANALYZE leaves, once committed */
	size_t fresh = 0; /* listings that are not a rescan's */
	int queue_locked = 0, rc = -1, behind = link_behind(in);

	for (size_t i = 0; i < w->n; i++)
		fresh += !w->v[i].rescore_version;
	if (db_begin(in->st, err) < 0)
		goto fail;
	if (!in->staged && stage_create(in, err) < 0)
		goto fail;
	in->staged = 1;
	/* Once per session: every batch's INSERT ... ON CONFLICT was a round
	 * trip, and with two workers starting together the second waited on
	 * the first's whole batch for the row they both inserted. */
	if ((!in->pack_stored &&
	     db_exec(in->st, "INSERT INTO rule_packs (hash, name, version) VALUES ($1, $2, $3)"
		     " ON CONFLICT (hash) DO NOTHING", 3, pk, NULL, err) < 0) ||
	    take_ids(in, w, fresh, err) < 0 || copy_batch(in, w, err) < 0)
		goto fail;
	/* Autovacuum never analyses temporary tables: without this the planner
	 * guesses the staging table's size and, for a rescan's join on version
	 * ids, scanned listing_versions once per staged row (20 s a batch at
	 * 30k listings). Only the columns statements join on: statistics of
	 * bodies cost more than the rest of ANALYZE. The statistics outlive
	 * the rows (ON COMMIT DELETE ROWS keeps them, and the planner scales
	 * the row count with the table's pages), and one batch of new ads
	 * looks like the next to the planner: re-analysing every batch was 2%
	 * of the backend's CPU. Only a batch of the other kind (rescans or
	 * not: rescore_version all NULL or none) analyses again. */
	have = batch_holds(w);
	kind = (have & NEED_RESCORE) ? STAGE_RESCAN : STAGE_FRESH;
	if (in->stage_stats != kind) {
		if (db_exec(in->st, "ANALYZE ingest_stage (seq, url, source, rescore_version)", 0,
			    NULL, NULL, err) < 0)
			goto fail;
		stats_kind = kind;
	}
	for (size_t i = 0; i < sizeof(batch_sql) / sizeof(batch_sql[0]); i++) {
		const struct batch_step *step = &batch_sql[i];
		/* Statements name the pack ($1) and actor ($2). */
		int np, counts = (step->flags & (STEP_COUNT_STORED | STEP_COUNT_QUEUED)) != 0;

		if ((step->flags & NEED_ANY) && !(step->flags & have))
			continue;
		if ((step->flags & STEP_FRESH_ONLY) && (have & (NEED_EXISTING | NEED_RESCORE)))
			continue;
		if (step->flags & STEP_LINK) {
			if (behind ? db_exec(in->st, pending_link_sql, 0, NULL, NULL, err) < 0
				   : link_batch(in, err) < 0)
				goto fail;
			continue;
		}
		if ((step->flags & STEP_PRIORITY) && behind)
			continue; /* the linker's, after linking */
		if ((step->flags & STEP_PRIORITY) && in->defer_priority) {
			if (db_exec(in->st, defer_sql, 0, NULL, NULL, err) < 0)
				goto fail;
			continue;
		}
		/* Queue items are written by one transaction at a time: see
		 * LOCK_QUEUE. Taken only now, so the rest of the batch runs
		 * beside another's priority. */
		if ((step->flags & (NEED_FLAGGED | STEP_PRIORITY)) && !queue_locked) {
			if (db_exec(in->st, "SELECT pg_advisory_xact_lock(" LOCK_QUEUE ")", 0, NULL, NULL,
				    err) < 0)
				goto fail;
			queue_locked = 1;
		}
		np = strstr(step->sql, "$2") ? 2 : strstr(step->sql, "$1") ? 1 : 0;
		if (db_exec(in->st, step->sql, np, params, counts ? &res : NULL, err) < 0)
			goto fail;
		if (step->flags & STEP_COUNT_QUEUED)
			w->stats.queued += strtoul(PQcmdTuples(res), NULL, 10);
		if ((step->flags & STEP_COUNT_STORED) && strtoul(PQcmdTuples(res), NULL, 10) < fresh)
			have |= NEED_EXISTING;
		PQclear(res);
		res = NULL;
	}
	if (count_outcomes(in, w, err) < 0 || db_commit(in->st, err) < 0)
		goto fail;
	in->pack_stored = 1;
	if (stats_kind)
		in->stage_stats = stats_kind;
	refresh_statistics(in, w->seen);
	rc = 0;
	goto out;
fail:
	db_rollback(in->st);
	/* The temp table dies with a broken connection: re-create it next time. */
	in->staged = 0;
	in->stage_stats = 0;
	in->deferred_lost = 1;
out:
	return rc;
}

/* ---- network priority, deferred ---------------------------------------------- */

void store_ingest_set_defer_priority(struct store_ingest *in, int on)
{
	in->defer_priority = on;
}

int store_ingest_priority_run(struct store_ingest *in, long lo, long hi, int whole,
			      struct lw_error *err)
{
	char slo[24], shi[24];
	const char *p[2] = { slo, shi };
	const char *step = NULL;

	for (size_t i = 0; i < sizeof(batch_sql) / sizeof(batch_sql[0]); i++)
		if (batch_sql[i].flags & STEP_PRIORITY)
			step = batch_sql[i].sql;
	snprintf(slo, sizeof(slo), "%ld", lo);
	snprintf(shi, sizeof(shi), "%ld", hi);
	if (store_ingest_flush(in, err) < 0 || db_begin(in->st, err) < 0)
		return -1;
	if (!in->staged && stage_create(in, err) < 0)
		goto fail;
	in->staged = 1;
	/* The batches' own statement, over the staged rows they set aside. */
	if (db_exec(in->st, "INSERT INTO ingest_stage (listing_id, version_id, links_same, flagged)"
		    " SELECT listing_id, version_id, links_same, flagged FROM ingest_priority_pending",
		    0, NULL, NULL, err) < 0)
		goto fail;
	if ((whole || in->deferred_lost) && hi > 0 &&
	    db_exec(in->st, "INSERT INTO ingest_stage (listing_id, version_id, flagged)"
		    " SELECT l.id, v.id, false FROM listings l JOIN listing_versions v"
		    " ON v.listing_id = l.id AND v.version = l.current_version"
		    " WHERE l.id BETWEEN $1::bigint AND $2::bigint", 2, p, NULL, err) < 0)
		goto fail;
	/* Before the update's snapshot: no batch writes items meanwhile. */
	if (db_exec(in->st, "SELECT pg_advisory_xact_lock(" LOCK_QUEUE ")", 0, NULL, NULL, err) < 0 ||
	    db_exec(in->st, step, 0, NULL, NULL, err) < 0 ||
	    db_exec(in->st, "DELETE FROM ingest_priority_pending", 0, NULL, NULL, err) < 0 ||
	    db_commit(in->st, err) < 0)
		goto fail;
	in->deferred_lost = 0;
	return 0;
fail:
	db_rollback(in->st);
	in->staged = 0;
	in->stage_stats = 0;
	in->deferred_lost = 1;
	return -1;
}

void store_ingest_set_retry(struct store_ingest *in, double seconds)
{
	in->retry_seconds = seconds;
}

/* Writes w, retrying while the connection is lost (store_ingest_set_retry);
 * w->stats gets the batch's counts, w->rc and w->err the outcome. Runs on
 * the writer thread when there is one. */
static void write_batch(struct store_ingest *in, struct wbatch *w)
{
	struct db_retry_state r = { 0, 0, 0 };
	enum db_retry how;
	int rc;

	memset(&w->stats, 0, sizeof(w->stats));
	for (;;) {
		rc = flush_once(in, w, &w->err);
		if (rc == 0)
			break;
		/* Another writer (a second crawl or ingest on the same database)
		 * held rows this batch needed, and the server chose this batch to
		 * roll back: run it again after a short, jittered pause. */
		how = db_retry_next(in->st, &r, CONFLICT_RETRIES, in->retry_seconds);
		if (how == DB_RETRY_NO)
			break;
		if (how == DB_RETRY_CONFLICT)
			lw_log(LW_LOG_WARN, "db_conflict_retry", "listings=%zu attempt=%d error=%s",
			       w->n, r.conflicts, lw_log_q(w->err.msg));
		else
			lw_log(LW_LOG_WARN, "db_retry", "listings=%zu wait=%.1f waited=%.1f error=%s",
			       w->n, r.pause, r.waited, lw_log_q(w->err.msg));
		/* The failed attempt's counts were never committed. */
		memset(&w->stats, 0, sizeof(w->stats));
		db_retry_sleep(&r, how);
	}
	/* The batch committed what it left the linker: start it (after the
	 * run before it), while the caller fills the next batch. */
	if (rc == 0 && link_behind(in))
		link_start(in);
	if (rc < 0) {
		memset(&w->stats, 0, sizeof(w->stats));
		lw_error_prefix(&w->err, "batch of %zu listings (%s to %s) not committed", w->n,
				w->v[0].origin, w->v[w->n - 1].origin);
	} else if (r.waited > 0) {
		lw_log(LW_LOG_INFO, "db_reconnected", "listings=%zu waited=%.1f", w->n, r.waited);
	}
	w->rc = rc;
}

static void *writer_main(void *arg)
{
	struct store_ingest *in = arg;

	write_batch(in, &in->w);
	return NULL;
}

static void add_counts(struct store_ingest_stats *a, const struct store_ingest_stats *b)
{
	a->inserted += b->inserted;
	a->changed += b->changed;
	a->unchanged += b->unchanged;
	a->requeued += b->requeued;
	a->rescored += b->rescored;
	a->queued += b->queued;
}

/* A background linker's failure, once: the batches stay committed and
 * their listings wait in link_pending, but the caller stops feeding, as
 * after a batch that failed. */
static int link_reported(struct store_ingest *in, struct lw_error *err)
{
	if (!in->link_failed || in->failed)
		return 0;
	in->failed = 1;
	*err = in->link_err;
	return -1;
}

/* Waits for the batch handed over, takes its counts and frees its rows. */
static int finish(struct store_ingest *in, struct lw_error *err)
{
	struct wbatch *w = &in->w;
	int rc = 0;

	if (in->running) {
		pthread_join(in->thread, NULL);
		in->running = 0;
	}
	if (!w->v)
		return 0;
	if (w->rc < 0) {
		in->failed = 1;
		*err = w->err;
		rc = -1;
	} else {
		add_counts(&in->stats, &w->stats);
	}
	for (size_t i = 0; i < w->n; i++)
		pending_release(&w->v[i]);
	in->spare = w->v;
	w->v = NULL;
	w->n = 0;
	return rc < 0 ? rc : link_reported(in, err);
}

/* Hands the filled batch over: written at once, or on the writer thread
 * while the caller goes on (after the batch before it has committed). */
static int ship(struct store_ingest *in, struct lw_error *err)
{
	struct wbatch *w = &in->w;

	if (finish(in, err) < 0)
		return -1;
	if (in->n == 0)
		return 0;
	w->v = in->batch;
	w->n = in->n;
	w->seen = in->stats.seen;
	w->rc = 0;
	in->batch = in->spare;
	in->spare = NULL;
	memset(in->slots, 0, in->nslots * sizeof(*in->slots));
	in->n = 0;
	in->bytes = 0;
	if (in->writer && pthread_create(&in->thread, NULL, writer_main, in) == 0) {
		in->running = 1;
		return 0;
	}
	write_batch(in, w);
	return finish(in, err);
}

void store_ingest_set_writer(struct store_ingest *in, int on)
{
	in->writer = on;
}

int store_ingest_flush(struct store_ingest *in, struct lw_error *err)
{
	if (ship(in, err) < 0 || finish(in, err) < 0)
		return -1;
	/* Flushed means linked too. A session that wrote no batch links what
	 * a killed ingest left waiting; any batch's linker takes that too. */
	if (!in->bg && link_behind(in))
		link_start(in);
	link_quiesce(in);
	return link_reported(in, err);
}

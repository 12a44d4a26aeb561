/* SPDX-License-Identifier: MIT */
/* Links and fields out of HTML pages (libxml2's HTML parser and XPath), and
 * items out of feeds and sitemaps (its XML parser, with entities and DTDs
 * left alone). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/SAX2.h>
#include <libxml/encoding.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>

#include "extract.h"
#include "url.h"
#include "../matcher/matcher.h"
#include "../util/buf.h"
#include "../util/utf8.h"
#include "../util/xmalloc.h"

/* A feed field longer than this is cut: it bounds the text collected from
 * one element, whatever the document holds. */
#define FIELD_MAX (1024u * 1024u)
/* How far into a page a <meta> charset counts (the HTML standard's prescan). */
#define META_SCAN 1024

struct extract_page {
	htmlDocPtr doc;
	char *url;      /* canonical base_url, or NULL */
	char *base;     /* what relative links resolve against, or NULL */
	char *host;     /* the page's host for extract_outlinks, or NULL */
	int based;      /* base and host have been looked for */
	/* One XPath context for all of a page's expressions: creating one
	 * registers every XPath function in a fresh hash table, which cost
	 * more than evaluating "//title" (a tenth of an archive scan). */
	xmlXPathContextPtr xpath;
};

static pthread_once_t parser_once = PTHREAD_ONCE_INIT;

static void init_parser(void)
{
	xmlInitParser();
}

/* ---- libxml2 error capture ------------------------------------------------ */

/* libxml2 reports some errors (XPath, encodings) through per-thread
 * handlers that print to stderr by default. While a quiet scope is open,
 * this thread's handlers keep the first message instead. */
struct quiet {
	xmlStructuredErrorFunc serr;
	void *sctx;
	xmlGenericErrorFunc gerr;
	void *gctx;
	char msg[256];
};

static void keep_error(void *ctx, xmlErrorPtr e)
{
	struct quiet *q = ctx;
	size_t n;

	if (q->msg[0] || !e || !e->message)
		return;
	snprintf(q->msg, sizeof(q->msg), "%s", e->message);
	n = strlen(q->msg);
	while (n && (q->msg[n - 1] == '\n' || q->msg[n - 1] == ' '))
		q->msg[--n] = '\0';
}

static void drop_error(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

static void quiet_begin(struct quiet *q)
{
	pthread_once(&parser_once, init_parser);
	q->serr = xmlStructuredError;
	q->sctx = xmlStructuredErrorContext;
	q->gerr = xmlGenericError;
	q->gctx = xmlGenericErrorContext;
	q->msg[0] = '\0';
	xmlSetStructuredErrorFunc(q, keep_error);
	xmlSetGenericErrorFunc(NULL, drop_error);
}

static void quiet_end(struct quiet *q)
{
	xmlSetStructuredErrorFunc(q->sctx, q->serr);
	xmlSetGenericErrorFunc(q->gctx, q->gerr);
}

/* ---- small helpers ------------------------------------------------------- */

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* A new copy of s[0..len) without surrounding whitespace, or NULL when
 * nothing is left. */
static char *trim_dup(const char *s, size_t len)
{
	while (len && is_space((unsigned char)s[len - 1]))
		len--;
	while (len && is_space((unsigned char)*s)) {
		s++;
		len--;
	}
	return len ? xstrndup(s, len) : NULL;
}

/* An ordered set of strings: the array callers receive, plus an index to
 * find duplicates among up to EXTRACT_MAX_ITEMS entries in constant time. */
struct strset {
	char **v;
	size_t n, cap;
	size_t *slot;   /* 0 empty, else index + 1 */
	size_t nslot;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* Adds s (taking it) unless present or the set is full, when s is freed. */
static void strset_take(struct strset *set, char *s)
{
	size_t i;

	if (set->n >= EXTRACT_MAX_ITEMS)
		goto drop;
	if (!set->nslot) {
		set->nslot = 1024;
		set->slot = xcalloc(set->nslot, sizeof(*set->slot));
	}
	for (i = hash(s) & (set->nslot - 1); set->slot[i]; i = (i + 1) & (set->nslot - 1))
		if (!strcmp(set->v[set->slot[i] - 1], s))
			goto drop;
	if (set->n == set->cap) {
		set->cap = set->cap ? 2 * set->cap : 16;
		set->v = xreallocarray(set->v, set->cap, sizeof(*set->v));
	}
	set->v[set->n++] = s;
	set->slot[i] = set->n;
	if (2 * set->n > set->nslot) {      /* keep the table half empty */
		free(set->slot);
		set->nslot *= 2;
		set->slot = xcalloc(set->nslot, sizeof(*set->slot));
		for (size_t k = 0; k < set->n; k++) {
			for (i = hash(set->v[k]) & (set->nslot - 1); set->slot[i];
			     i = (i + 1) & (set->nslot - 1))
				;
			set->slot[i] = k + 1;
		}
	}
	return;
drop:
	free(s);
}

/* Hands the strings to the caller and releases the index. */
static void strset_detach(struct strset *set, char ***urls, size_t *n)
{
	free(set->slot);
	if (!set->n) {
		free(set->v);
		set->v = NULL;
	}
	*urls = set->v;
	*n = set->n;
	memset(set, 0, sizeof(*set));
}

void extract_strings_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- character set --------------------------------------------------------- */

static int label_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
}

/* Copies the value of the first "charset=" parameter in [p, end) into out
 * (lowercased); returns 0, or -1 when there is none. */
static int charset_param(const char *p, const char *end, char *out, size_t outsz)
{
	size_t n = 0;

	for (; end - p >= 7; p++) {
		if (strncasecmp(p, "charset", 7))
			continue;
		p += 7;
		while (p < end && is_space((unsigned char)*p))
			p++;
		if (p == end || *p != '=')
			continue;
		for (p++; p < end && (is_space((unsigned char)*p) || *p == '"' || *p == '\''); p++)
			;
		for (; p < end && n + 1 < outsz && label_char((unsigned char)*p); p++)
			out[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
		out[n] = '\0';
		return n ? 0 : -1;
	}
	return -1;
}

/* The charset of the first <meta> that names one in the page's start. */
static int meta_charset(const char *data, size_t len, char *out, size_t outsz)
{
	const char *end = data + (len < META_SCAN ? len : META_SCAN), *p, *gt;

	for (p = data; end - p >= 5; p++) {
		if (*p != '<' || strncasecmp(p + 1, "meta", 4))
			continue;
		gt = memchr(p, '>', (size_t)(end - p));
		if (!gt)
			return -1;
		if (!charset_param(p, gt, out, outsz))
			return 0;
		p = gt;
	}
	return -1;
}

/* Labels libxml2 decodes, as it answered before. Asking means an
 * iconv_open, which loads the converter's shared object (a dlopen) each
 * time: 5% of an archive scan's time on pages in GBK or windows-1251. Only
 * yes is kept: a label it did not know costs the question again, so an
 * iconv_open that failed for want of memory is not taken for an answer,
 * and pages cannot fill the table with junk. */
#define CHARSET_SEEN 32
static struct {
	pthread_mutex_t mu;
	char label[CHARSET_SEEN][64];
	size_t n;
} charsets = { .mu = PTHREAD_MUTEX_INITIALIZER };

static int libxml_knows(const char *label)
{
	xmlCharEncodingHandlerPtr h;
	int known = 0;

	pthread_mutex_lock(&charsets.mu);
	for (size_t i = 0; i < charsets.n && !known; i++)
		known = !strcmp(charsets.label[i], label);
	pthread_mutex_unlock(&charsets.mu);
	if (known)
		return 1;
	h = xmlFindCharEncodingHandler(label);
	if (!h)
		return 0;
	xmlCharEncCloseFunc(h);
	pthread_mutex_lock(&charsets.mu);
	for (size_t i = 0; i < charsets.n && !known; i++)
		known = !strcmp(charsets.label[i], label);
	if (!known && charsets.n < CHARSET_SEEN && strlen(label) < sizeof(charsets.label[0]))
		snprintf(charsets.label[charsets.n++], sizeof(charsets.label[0]), "%s", label);
	pthread_mutex_unlock(&charsets.mu);
	return 1;
}

/* Maps a label to what libxml2 should decode with, or NULL when unknown. */
static const char *known_charset(const char *label, int from_meta)
{
	static const char *const cp1252[] = {
		"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1",
		"us-ascii", "ascii", "cp1252", "windows-1252", "x-cp1252", NULL
	};

	for (size_t i = 0; cp1252[i]; i++)
		if (!strcmp(label, cp1252[i]))
			return "windows-1252";
	if (!strcmp(label, "utf-8") || !strcmp(label, "utf8") ||
	    (from_meta && !strncmp(label, "utf-16", 6)))
		return "UTF-8";
	return libxml_knows(label) ? label : NULL;
}

static int valid_utf8(const char *data, size_t len)
{
	const unsigned char *d = (const unsigned char *)data;
	size_t i = 0, k;
	uint64_t w;

	while (i < len) {
		/* Most of a page is ASCII: eight bytes at a time (this check
		 * was 9% of an archive scan byte by byte). */
		if (len - i >= 8) {
			memcpy(&w, d + i, 8);
			if (!(w & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		k = d[i] < 0x80 ? 1 : lw_utf8_seq_len(d + i, len - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

/* Chooses the encoding and skips a byte-order mark. label holds a copy of
 * a label when the returned pointer refers to it. */
static const char *choose_charset(const char **data, size_t *len, const char *ctype,
				  char *label, size_t labelsz)
{
	const unsigned char *d = (const unsigned char *)*data;
	const char *enc;

	if (*len >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf) {
		*data += 3;
		*len -= 3;
		return "UTF-8";
	}
	if (*len >= 2 && ((d[0] == 0xff && d[1] == 0xfe) || (d[0] == 0xfe && d[1] == 0xff))) {
		*data += 2;
		*len -= 2;
		return d[0] == 0xff ? "UTF-16LE" : "UTF-16BE";
	}
	/* A page that says UTF-8 but is not (a Latin-1 page behind a server
	 * that labels everything UTF-8) reads as Windows-1252, as a page that
	 * says nothing does: its text stays readable instead of broken bytes. */
	if (ctype && !charset_param(ctype, ctype + strlen(ctype), label, labelsz) &&
	    (enc = known_charset(label, 0)))
		return strcmp(enc, "UTF-8") || valid_utf8(*data, *len) ? enc : "windows-1252";
	if (!meta_charset(*data, *len, label, labelsz) && (enc = known_charset(label, 1)))
		return strcmp(enc, "UTF-8") || valid_utf8(*data, *len) ? enc : "windows-1252";
	return valid_utf8(*data, *len) ? "UTF-8" : "windows-1252";
}

/* ---- pages ------------------------------------------------------------------ */

/* Runs xpath on p's document. Returns the result (caller frees with
 * xmlXPathFreeObject) or NULL with err set. */
static xmlXPathObjectPtr eval(struct extract_page *p, const char *xpath,
			      struct lw_error *err)
{
	xmlXPathObjectPtr obj = NULL;
	struct quiet q;

	quiet_begin(&q);
	if (!p->xpath)
		p->xpath = xmlXPathNewContext(p->doc);
	if (!p->xpath) {
		lw_error_set(err, "xpath '%s': cannot create a context", xpath);
		goto out;
	}
	/* Each expression starts from the document, whatever the last left. */
	p->xpath->node = NULL;
	obj = xmlXPathEvalExpression((const xmlChar *)xpath, p->xpath);
	if (!obj)
		lw_error_set(err, "xpath '%s': %s", xpath,
			     q.msg[0] ? q.msg : "evaluation failed");
out:
	quiet_end(&q);
	return obj;
}

int extract_xpath_check(const char *xpath, struct lw_error *err)
{
	xmlXPathContextPtr ctx = NULL;
	xmlXPathCompExprPtr comp = NULL;
	struct quiet q;
	int ret = -1;

	quiet_begin(&q);
	if (!xpath || !*xpath) {
		lw_error_set(err, "xpath '': empty expression");
		goto out;
	}
	ctx = xmlXPathNewContext(NULL);
	if (!ctx) {
		lw_error_set(err, "xpath '%s': cannot create a context", xpath);
		goto out;
	}
	comp = xmlXPathCtxtCompile(ctx, (const xmlChar *)xpath);
	if (!comp) {
		lw_error_set(err, "xpath '%s': %s at offset %d", xpath,
			     q.msg[0] ? q.msg : "invalid expression", ctx->lastError.int1);
		goto out;
	}
	ret = 0;
out:
	xmlXPathFreeCompExpr(comp);
	xmlXPathFreeContext(ctx);
	quiet_end(&q);
	return ret;
}

/* Sets p->base from the first <base href>, else the page's URL. */
static void find_base(struct extract_page *p)
{
	xmlXPathObjectPtr obj = eval(p, "(//base[@href])[1]/@href", NULL);
	xmlChar *href = NULL;
	char *abs = NULL;

	if (obj && obj->type == XPATH_NODESET && obj->nodesetval &&
	    obj->nodesetval->nodeNr > 0)
		href = xmlNodeGetContent(obj->nodesetval->nodeTab[0]);
	if (href && !url_canonicalize(p->url, (const char *)href, &abs, NULL))
		p->base = abs;
	else if (p->url)
		p->base = xstrdup(p->url);
	xmlFree(href);
	xmlXPathFreeObject(obj);
}

static void find_host(struct extract_page *p)
{
	const char *u = p->url ? p->url : p->base;
	int port;

	if (u && url_host(u, &p->host, &port, NULL) == 0 &&
	    !strncmp(p->host, "www.", 4))
		memmove(p->host, p->host + 4, strlen(p->host + 4) + 1);
}

/* The base and host are looked for when first needed: a page read only for
 * its text (an archive's) never pays for the search and the URL parsing. */
static void need_base(struct extract_page *p)
{
	if (p->based)
		return;
	p->based = 1;
	find_base(p);
	find_host(p);
}

/* ---- pages read for their text only ------------------------------------------ */

/* The tree libxml2's own SAX2 handlers build, less what no text walk reads:
 * attributes (each a node, a text child and a copy of its value, and every
 * id an entry in the document's ID table with an error formatted for each
 * duplicate), script and style content (often most of a real page's bytes,
 * copied and then freed again), and comments inside the root. The HTML
 * parser looks back into the tree for one thing, whether whitespace after a
 * tag is blank (areBlanks: the last child that is not a comment, text or
 * not, and its name), and that reads the same with these left out. */
static void text_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	(void)atts;
	xmlSAX2StartElement(ctx, name, NULL);
}

/* The HTML parser hands over only script and style content this way. */
static void skip_cdata(void *ctx, const xmlChar *value, int len)
{
	(void)ctx;
	(void)value;
	(void)len;
}

/* Only inside an element: a comment before the root can be the document's
 * first child, which is where libxml2 hangs what comes after </html> (as
 * its sibling, outside the root, instead of inside the root). */
static void text_comment(void *ctx, const xmlChar *value)
{
	if (!((xmlParserCtxtPtr)ctx)->node)
		xmlSAX2Comment(ctx, value);
}

#define PAGE_OPTIONS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | \
		      HTML_PARSE_NONET | HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC | \
		      XML_PARSE_HUGE)

/* The encoding is settled before, so the page's own hints are ignored;
 * XML_PARSE_HUGE lifts the nesting limit as the matcher does. */
static htmlDocPtr read_html(const char *data, size_t len, const char *enc, int text_only)
{
	htmlParserCtxtPtr ctxt;
	htmlDocPtr doc;

	if (!text_only)
		return htmlReadMemory(data, (int)len, NULL, enc, PAGE_OPTIONS);
	/* htmlReadMemory's steps, with this context's own copy of the SAX
	 * handlers changed. */
	ctxt = htmlNewParserCtxt();
	if (!ctxt)
		xoom("parsing HTML");
	ctxt->sax->startElement = text_start;
	ctxt->sax->cdataBlock = skip_cdata;
	ctxt->sax->comment = text_comment;
	doc = htmlCtxtReadMemory(ctxt, data, (int)len, NULL, enc, PAGE_OPTIONS);
	htmlFreeParserCtxt(ctxt);
	return doc;
}

static struct extract_page *parse(const char *data, size_t len, const char *content_type,
				  const char *base_url, int text_only, struct lw_error *err)
{
	struct extract_page *p = NULL;
	const char *enc;
	char label[64];
	struct quiet q;

	quiet_begin(&q);
	if (len > EXTRACT_MAX_INPUT) {
		lw_error_set(err, "html: document of %zu bytes exceeds the %u byte limit",
			     len, EXTRACT_MAX_INPUT);
		goto fail;
	}
	p = xcalloc(1, sizeof(*p));
	if (base_url && url_canonicalize(NULL, base_url, &p->url, err) < 0) {
		lw_error_prefix(err, "html: base");
		goto fail;
	}
	enc = choose_charset(&data, &len, content_type, label, sizeof(label));
	xmlResetLastError();
	if (len)
		p->doc = read_html(data, len, enc, text_only);
	/* As in matcher/html.c: out of memory is not an empty page. */
	if (xmlGetLastError() && xmlGetLastError()->code == XML_ERR_NO_MEMORY)
		xoom("parsing HTML");
	if (!p->doc)    /* empty or nothing readable: an empty page */
		p->doc = htmlNewDocNoDtD(NULL, NULL);
	if (!p->doc) {
		lw_error_set(err, "html: cannot create a document");
		goto fail;
	}
	quiet_end(&q);
	return p;
fail:
	extract_page_free(p);
	quiet_end(&q);
	return NULL;
}

struct extract_page *extract_page_parse(const char *data, size_t len,
					const char *content_type,
					const char *base_url,
					struct lw_error *err)
{
	return parse(data, len, content_type, base_url, 0, err);
}

struct extract_page *extract_page_parse_text(const char *data, size_t len,
					     const char *content_type,
					     struct lw_error *err)
{
	return parse(data, len, content_type, NULL, 1, err);
}

void extract_page_free(struct extract_page *p)
{
	if (!p)
		return;
	if (p->xpath)
		xmlXPathFreeContext(p->xpath);
	if (p->doc)
		xmlFreeDoc(p->doc);
	free(p->url);
	free(p->base);
	free(p->host);
	free(p);
}

const char *extract_page_base(const struct extract_page *p)
{
	/* Logically const: the base is worked out once, on first asking. */
	need_base((struct extract_page *)p);
	return p->base;
}

/* The string value of a result that is not a node-set, or NULL. */
static char *scalar_value(xmlXPathObjectPtr obj)
{
	xmlChar *s = xmlXPathCastToString(obj);
	char *r = s ? trim_dup((const char *)s, strlen((const char *)s)) : NULL;

	xmlFree(s);
	return r;
}

static char *node_value(xmlNodePtr node)
{
	xmlChar *s = xmlNodeGetContent(node);
	char *r = s ? trim_dup((const char *)s, strlen((const char *)s)) : NULL;

	xmlFree(s);
	return r;
}

static void add_link(struct extract_page *p, struct strset *set, char *value)
{
	char *url = NULL;

	if (value && url_canonicalize(p->base, value, &url, NULL) == 0)
		strset_take(set, url);
	free(value);
}

int extract_links(struct extract_page *p, const char *xpath, char ***urls,
		  size_t *n, struct lw_error *err)
{
	xmlXPathObjectPtr obj;
	struct strset set = { 0 };
	xmlNodeSetPtr ns;

	need_base(p);
	obj = eval(p, xpath, err);
	if (!obj)
		return -1;
	ns = obj->type == XPATH_NODESET ? obj->nodesetval : NULL;
	if (obj->type != XPATH_NODESET)
		add_link(p, &set, scalar_value(obj));
	for (int i = 0; ns && i < ns->nodeNr && set.n < EXTRACT_MAX_ITEMS; i++)
		add_link(p, &set, node_value(ns->nodeTab[i]));
	xmlXPathFreeObject(obj);
	strset_detach(&set, urls, n);
	return 0;
}

/* Visible text of an element: the serialised subtree through the matcher's
 * HTML-to-text. The leading <meta> makes it read as UTF-8 whatever <meta>
 * the subtree itself carries; the <body> after it keeps the element out of
 * the (hidden) <head> the <meta> opens. */
/* The visible text of an element, walked in the page's own tree (it was
 * serialised and parsed again once, which cost as much as the page). */
static int element_text(xmlNodePtr node, char **out, struct lw_error *err)
{
	size_t len;
	char *text = matcher_html_node_text(node, &len, err);

	if (!text)
		return lw_error_prefix(err, "html: element '%s'", (const char *)node->name);
	*out = trim_dup(text, len);
	free(text);
	return 0;
}

static int node_text(struct extract_page *p, xmlNodePtr node, char **out,
		     struct lw_error *err)
{
	if (node->type == XML_DOCUMENT_NODE || node->type == XML_HTML_DOCUMENT_NODE) {
		node = xmlDocGetRootElement(p->doc);
		if (!node) {
			*out = NULL;
			return 0;
		}
	}
	if (node->type == XML_ELEMENT_NODE)
		return element_text(node, out, err);
	*out = node_value(node);
	return 0;
}

/* Appends text to acc (taking it), a blank line apart. */
static int join(struct lw_buf *acc, char *text, struct lw_error *err)
{
	int rc = 0;

	if (!text)
		return 0;
	if ((acc->len && lw_buf_adds(acc, "\n\n") < 0) || lw_buf_adds(acc, text) < 0)
		rc = lw_error_set(err, "html: text exceeds the %u byte limit",
				  EXTRACT_MAX_INPUT);
	free(text);
	return rc;
}

int extract_text(struct extract_page *p, const char *xpath, int all,
		 char **out, struct lw_error *err)
{
	xmlXPathObjectPtr obj = eval(p, xpath, err);
	struct lw_buf acc;
	xmlNodeSetPtr ns;
	char *text = NULL;
	int ret = -1;

	lw_buf_init(&acc, EXTRACT_MAX_INPUT);
	if (!obj)
		goto out;
	ns = obj->type == XPATH_NODESET ? obj->nodesetval : NULL;
	if (obj->type != XPATH_NODESET && join(&acc, scalar_value(obj), err) < 0)
		goto out;
	for (int i = 0; ns && i < ns->nodeNr && (all || !acc.len); i++)
		if (node_text(p, ns->nodeTab[i], &text, err) < 0 || join(&acc, text, err) < 0)
			goto out;
	*out = acc.len ? lw_buf_detach(&acc, NULL) : NULL;
	ret = 0;
out:
	lw_buf_release(&acc);
	xmlXPathFreeObject(obj);
	return ret;
}

/* The next node after node in document order, not leaving top. */
static xmlNodePtr next_node(xmlNodePtr node, xmlNodePtr top)
{
	if (node->children && node->type == XML_ELEMENT_NODE)
		return node->children;
	while (node != top && !node->next)
		node = node->parent;
	return node == top ? NULL : node->next;
}

int extract_element_text(struct extract_page *p, const char *name, char **out,
			 struct lw_error *err)
{
	xmlNodePtr top = (xmlNodePtr)p->doc, node;
	char *text = NULL;

	/* The walk "//name" makes, in the same order, stopping at the first
	 * element with text: no XPath context, no node set of the whole page. */
	for (node = top->children; node; node = next_node(node, top)) {
		if (node->type != XML_ELEMENT_NODE || strcmp((const char *)node->name, name))
			continue;
		if (element_text(node, &text, err) < 0)
			return -1;
		if (text)
			break;
	}
	*out = text;
	return 0;
}

/* ---- outlinks --------------------------------------------------------------- */

/* "mailto:x" style links to a messaging app or contact channel, as written
 * with the scheme lowercased; NULL for anything else. */
static char *channel_link(const char *href)
{
	static const char *const schemes[] = {
		"mailto", "tel", "sms", "whatsapp", "tg", "viber", "line",
		"weixin", "skype", "signal", NULL
	};
	size_t len;
	char *s;

	for (size_t i = 0; schemes[i]; i++) {
		len = strlen(schemes[i]);
		if (strncasecmp(href, schemes[i], len) || href[len] != ':')
			continue;
		s = xstrdup(href);
		for (size_t k = 0; k < len; k++)
			if (s[k] >= 'A' && s[k] <= 'Z')
				s[k] = (char)(s[k] - 'A' + 'a');
		return s;
	}
	return NULL;
}

static int host_is(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);

	return !strcmp(host, domain) ||
	       (h > d && host[h - d - 1] == '.' && !strcmp(host + h - d, domain));
}

static int messaging_host(const char *host)
{
	static const char *const hosts[] = {
		"wa.me", "api.whatsapp.com", "chat.whatsapp.com", "web.whatsapp.com",
		"t.me", "telegram.me", "telegram.dog", "line.me", "lin.ee",
		"weixin.qq.com", "wechat.com", "viber.com", "signal.me", "m.me", NULL
	};

	for (size_t i = 0; hosts[i]; i++)
		if (host_is(host, hosts[i]))
			return 1;
	return 0;
}

/* Keeps url when it leads to a channel or off the page's host. */
static int leaves_page(const struct extract_page *p, const char *url)
{
	char *host = NULL;
	const char *h;
	int port, ret = 0;

	if (url_host(url, &host, &port, NULL) < 0)
		return 0;
	h = strncmp(host, "www.", 4) ? host : host + 4;
	ret = messaging_host(host) || !p->host || strcmp(h, p->host);
	free(host);
	return ret;
}

static void add_outlink(struct extract_page *p, struct strset *set, char *href)
{
	char *url = NULL;

	if (!href)
		return;
	url = channel_link(href);
	if (!url && url_canonicalize(p->base, href, &url, NULL) == 0 &&
	    !leaves_page(p, url)) {
		free(url);
		url = NULL;
	}
	if (url)
		strset_take(set, url);
	free(href);
}

int extract_outlinks(struct extract_page *p, char ***urls, size_t *n,
		     struct lw_error *err)
{
	xmlXPathObjectPtr obj;
	struct strset set = { 0 };
	xmlNodeSetPtr ns;

	need_base(p);
	obj = eval(p, "//a[@href]/@href | //area[@href]/@href", err);
	if (!obj)
		return -1;
	ns = obj->type == XPATH_NODESET ? obj->nodesetval : NULL;
	for (int i = 0; ns && i < ns->nodeNr && set.n < EXTRACT_MAX_ITEMS; i++)
		add_outlink(p, &set, node_value(ns->nodeTab[i]));
	xmlXPathFreeObject(obj);
	strset_detach(&set, urls, n);
	return 0;
}

/* ---- XML documents ------------------------------------------------------------ */

/* No external entity or DTD is ever read, whatever the options say. */
static xmlParserInputPtr refuse_entity(void *ctx, const xmlChar *public_id,
				       const xmlChar *system_id)
{
	(void)ctx;
	(void)public_id;
	(void)system_id;
	return NULL;
}

/* Parses data as XML without DTD loading, entity substitution or network.
 * Returns the document (caller frees) or NULL with err "what: line N: ...". */
static xmlDocPtr read_xml(const char *what, const char *data, size_t len,
			  size_t max, struct lw_error *err)
{
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	xmlErrorPtr e;
	struct quiet q;

	quiet_begin(&q);
	if (len > max) {
		lw_error_set(err, "%s: document of %zu bytes exceeds the %zu byte limit",
			     what, len, max);
		goto out;
	}
	if (!len) {
		lw_error_set(err, "%s: empty document", what);
		goto out;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		lw_error_set(err, "%s: cannot create a parser", what);
		goto out;
	}
	ctxt->sax->resolveEntity = refuse_entity;
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	e = xmlCtxtGetLastError(ctxt);
	if (e && e->code == XML_ERR_NO_MEMORY)
		xoom("parsing XML");    /* not a malformed feed */
	if (!doc || !ctxt->wellFormed) {
		lw_error_set(err, "%s: line %d: %s", what, e ? e->line : 0,
			     e && e->message ? e->message : "not well-formed");
		if (err)
			err->msg[strcspn(err->msg, "\n")] = '\0';
		if (doc)
			xmlFreeDoc(doc);
		doc = NULL;
	}
out:
	if (ctxt)
		xmlFreeParserCtxt(ctxt);
	quiet_end(&q);
	return doc;
}

static int named(const xmlNode *node, const char *name)
{
	return node->type == XML_ELEMENT_NODE && !strcmp((const char *)node->name, name);
}

static xmlNodePtr child(const xmlNode *node, const char *name)
{
	for (xmlNodePtr c = node->children; c; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

/* Text and CDATA under node, entity references left out (never expanded,
 * so a billion laughs stays a few bytes). */
static void collect(const xmlNode *node, struct lw_buf *b)
{
	for (const xmlNode *c = node->children; c; c = c->next) {
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
		    c->content && lw_buf_adds(b, (const char *)c->content) < 0)
			return;
		if (c->type == XML_ELEMENT_NODE)
			collect(c, b);
	}
}

/* Trimmed text of node (may be NULL), or NULL when empty. */
static char *xml_text(const xmlNode *node)
{
	struct lw_buf b;
	char *r = NULL;

	if (!node)
		return NULL;
	lw_buf_init(&b, FIELD_MAX);
	collect(node, &b);
	if (b.len)
		r = trim_dup(b.data, b.len);
	lw_buf_release(&b);
	return r;
}

static char *attr(const xmlNode *node, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)name);
	char *r = v ? trim_dup((const char *)v, strlen((const char *)v)) : NULL;

	xmlFree(v);
	return r;
}

struct items {
	struct extract_item *v;
	size_t n, cap;
	const char *base;
	int is_index;
};

/* Adds an item whose URL is link resolved (taking every string), or drops
 * them all when link is not an http(s) URL or the array is full. */
static void add_item(struct items *it, char *link, char *title, char *summary,
		     char *published)
{
	char *url = NULL;

	if (link && it->n < EXTRACT_MAX_ITEMS &&
	    url_canonicalize(it->base, link, &url, NULL) == 0) {
		if (it->n == it->cap) {
			it->cap = it->cap ? 2 * it->cap : 16;
			it->v = xreallocarray(it->v, it->cap, sizeof(*it->v));
		}
		it->v[it->n++] = (struct extract_item){ url, title, summary, published };
		title = summary = published = NULL;
	}
	free(link);
	free(title);
	free(summary);
	free(published);
}

static char *first_text(const xmlNode *node, const char *a, const char *b)
{
	char *s = xml_text(child(node, a));

	return s ? s : (b ? xml_text(child(node, b)) : NULL);
}

void extract_items_free(struct extract_item *items, size_t n)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++) {
		free(items[i].url);
		free(items[i].title);
		free(items[i].summary);
		free(items[i].published);
	}
	free(items);
}

/* ---- feeds ----------------------------------------------------------------- */

static void rss_item(struct items *it, const xmlNode *item)
{
	xmlNodePtr guid = child(item, "guid");
	char *link = first_text(item, "link", NULL), *perma = NULL;

	if (!link && guid) {
		perma = attr(guid, "isPermaLink");
		if (!perma || strcasecmp(perma, "false"))
			link = xml_text(guid);
	}
	free(perma);
	add_item(it, link, first_text(item, "title", NULL),
		 first_text(item, "description", "encoded"),
		 first_text(item, "pubDate", "date"));
}

static char *atom_link(const xmlNode *entry)
{
	char *rel, *href;

	for (xmlNodePtr c = entry->children; c; c = c->next) {
		if (!named(c, "link"))
			continue;
		rel = attr(c, "rel");
		href = (!rel || !strcmp(rel, "alternate")) ? attr(c, "href") : NULL;
		free(rel);
		if (href)
			return href;
	}
	return NULL;
}

static void walk_feed(struct items *it, const xmlNode *root)
{
	const char *name = (const char *)root->name;

	for (xmlNodePtr c = root->children; c; c = c->next) {
		if (!strcmp(name, "rss") && named(c, "channel"))
			walk_feed(it, c);
		else if (named(c, "item"))
			rss_item(it, c);
		else if (named(c, "entry"))
			add_item(it, atom_link(c), first_text(c, "title", NULL),
				 first_text(c, "summary", "content"),
				 first_text(c, "published", "updated"));
	}
}

static int collect_items(const char *what, const char *data, size_t len, size_t max,
			 const char *base_url, struct items *it,
			 int (*walk)(struct items *, const xmlNode *, struct lw_error *),
			 struct lw_error *err)
{
	xmlDocPtr doc = read_xml(what, data, len, max, err);
	xmlNodePtr root;
	int ret = -1;

	if (!doc)
		return -1;
	it->base = base_url;
	root = xmlDocGetRootElement(doc);
	if (!root) {
		lw_error_set(err, "%s: no root element", what);
		goto out;
	}
	ret = walk(it, root, err);
out:
	xmlFreeDoc(doc);
	return ret;
}

static int feed_root(struct items *it, const xmlNode *root, struct lw_error *err)
{
	const char *name = (const char *)root->name;

	if (strcmp(name, "rss") && strcmp(name, "RDF") && strcmp(name, "feed"))
		return lw_error_set(err, "feed: not RSS or Atom (root element '%.100s')", name);
	walk_feed(it, root);
	return 0;
}

int extract_feed(const char *data, size_t len, const char *base_url,
		 struct extract_item **items, size_t *n, struct lw_error *err)
{
	struct items it = { 0 };

	if (collect_items("feed", data, len, EXTRACT_MAX_INPUT, base_url, &it,
			  feed_root, err) < 0) {
		extract_items_free(it.v, it.n);
		return -1;
	}
	*items = it.v;
	*n = it.n;
	return 0;
}

/* ---- sitemaps ----------------------------------------------------------------- */

static int sitemap_root(struct items *it, const xmlNode *root, struct lw_error *err)
{
	const char *name = (const char *)root->name;
	const char *entry = !strcmp(name, "urlset") ? "url" :
			    !strcmp(name, "sitemapindex") ? "sitemap" : NULL;

	if (!entry)
		return lw_error_set(err, "sitemap: not a sitemap (root element '%.100s')", name);
	it->is_index = !strcmp(entry, "sitemap");
	for (xmlNodePtr c = root->children; c; c = c->next)
		if (named(c, entry))
			add_item(it, xml_text(child(c, "loc")), NULL, NULL,
				 xml_text(child(c, "lastmod")));
	return 0;
}

int extract_sitemap(const char *data, size_t len, const char *base_url,
		    struct extract_item **items, size_t *n, int *is_index,
		    struct lw_error *err)
{
	struct items it = { 0 };

	if (collect_items("sitemap", data, len, EXTRACT_MAX_SITEMAP, base_url, &it,
			  sitemap_root, err) < 0) {
		extract_items_free(it.v, it.n);
		return -1;
	}
	*items = it.v;
	*n = it.n;
	*is_index = it.is_index;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* Visible text of an HTML document, as a reader would see it, through
 * libxml2's forgiving HTML parser. */
#include <pthread.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "text.h"
#include "../util/buf.h"
#include "../util/xmalloc.h"

/* What separates the text already written from the next text. */
enum gap { GAP_NONE, GAP_SPACE, GAP_LINE };

struct walk {
	struct lw_buf out;
	enum gap gap;
	int pre;            /* inside <pre>: line breaks are kept */
	int full;           /* the output cap was hit */
};

static pthread_once_t parser_once = PTHREAD_ONCE_INIT;

static void init_parser(void)
{
	xmlInitParser();
}

/* What an element is to the walk. */
enum {
	K_HIDDEN = 1,   /* never shown to a reader (<head> is read apart for its <title>) */
	K_BLOCK = 2,    /* on lines of its own */
	K_CELL = 4,     /* a space apart */
	K_HEAD = 8,
	K_PRE = 16,     /* line breaks kept */
};

static const struct {
	const char *name;
	unsigned char kind;
} kinds[] = {
	{ "script", K_HIDDEN }, { "style", K_HIDDEN }, { "noscript", K_HIDDEN },
	{ "template", K_HIDDEN }, { "svg", K_HIDDEN }, { "math", K_HIDDEN },
	{ "iframe", K_HIDDEN }, { "object", K_HIDDEN }, { "head", K_HIDDEN | K_HEAD },
	{ "p", K_BLOCK }, { "div", K_BLOCK }, { "br", K_BLOCK }, { "li", K_BLOCK },
	{ "tr", K_BLOCK }, { "h1", K_BLOCK }, { "h2", K_BLOCK }, { "h3", K_BLOCK },
	{ "h4", K_BLOCK }, { "h5", K_BLOCK }, { "h6", K_BLOCK }, { "section", K_BLOCK },
	{ "article", K_BLOCK }, { "header", K_BLOCK }, { "footer", K_BLOCK },
	{ "table", K_BLOCK }, { "ul", K_BLOCK }, { "ol", K_BLOCK }, { "dl", K_BLOCK },
	{ "dt", K_BLOCK }, { "dd", K_BLOCK }, { "blockquote", K_BLOCK },
	{ "pre", K_BLOCK | K_PRE }, { "hr", K_BLOCK }, { "main", K_BLOCK },
	{ "nav", K_BLOCK }, { "aside", K_BLOCK }, { "address", K_BLOCK },
	{ "figure", K_BLOCK }, { "figcaption", K_BLOCK }, { "form", K_BLOCK },
	{ "fieldset", K_BLOCK }, { "legend", K_BLOCK }, { "details", K_BLOCK },
	{ "summary", K_BLOCK }, { "caption", K_BLOCK }, { "center", K_BLOCK },
	{ "option", K_BLOCK }, { "title", K_BLOCK }, { "body", K_BLOCK },
	{ "html", K_BLOCK }, { "tbody", K_BLOCK }, { "thead", K_BLOCK },
	{ "tfoot", K_BLOCK }, { "td", K_CELL }, { "th", K_CELL },
};

/* kinds[] by a hash of the lowercased name, open addressing, half empty.
 * Every element is looked up on the way in and out of it: scanning the
 * name lists with a case-blind comparison each time was a tenth of the
 * text walk of a real page. */
#define KIND_NAME_MAX 12
#define KIND_SLOTS 128
static struct {
	char name[KIND_NAME_MAX];
	unsigned char kind;
} kind_slot[KIND_SLOTS];
static pthread_once_t kind_once = PTHREAD_ONCE_INIT;

/* Lowercases name into low (ASCII letters only, as xmlStrcasecmp does) and
 * returns its hash, or -1 when it is longer than any name in kinds[]. */
static long lower_hash(const xmlChar *name, char *low)
{
	unsigned long h = 2166136261u;
	size_t i;

	for (i = 0; name[i]; i++) {
		if (i + 1 >= KIND_NAME_MAX)
			return -1;
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
		h = (h ^ (unsigned char)low[i]) * 16777619u;
	}
	low[i] = '\0';
	return (long)(h & (KIND_SLOTS - 1));
}

static void init_kinds(void)
{
	char low[KIND_NAME_MAX];

	for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
		long i = lower_hash((const xmlChar *)kinds[k].name, low);

		while (kind_slot[i].name[0])
			i = (i + 1) & (KIND_SLOTS - 1);
		memcpy(kind_slot[i].name, low, sizeof(low));
		kind_slot[i].kind = kinds[k].kind;
	}
}

static unsigned kind_of(const xmlNode *node)
{
	char low[KIND_NAME_MAX];
	long i;

	if (!node->name)
		return 0;
	pthread_once(&kind_once, init_kinds);
	i = lower_hash(node->name, low);
	if (i < 0)
		return 0;
	for (; kind_slot[i].name[0]; i = (i + 1) & (KIND_SLOTS - 1))
		if (!strcmp(kind_slot[i].name, low))
			return kind_slot[i].kind;
	return 0;
}

static void add_gap(struct walk *w, enum gap g)
{
	if (g > w->gap)
		w->gap = g;
}

static void put(struct walk *w, const char *p, size_t n)
{
	if (w->full)
		return;
	if (w->gap != GAP_NONE && w->out.len) {
		if (lw_buf_addc(&w->out, w->gap == GAP_LINE ? '\n' : ' ') < 0)
			w->full = 1;
	}
	w->gap = GAP_NONE;
	if (!w->full && lw_buf_add(&w->out, p, n) < 0)
		w->full = 1;
}

/* Appends text with HTML whitespace collapsed; inside <pre> a newline is a
 * line break. Non-breaking spaces are left to the normaliser. */
static void put_text(struct walk *w, const xmlChar *s)
{
	const char *p = (const char *)s;
	size_t n;

	while (*p) {
		n = strcspn(p, " \t\n\r\f");
		if (n) {
			put(w, p, n);
			p += n;
			continue;
		}
		add_gap(w, w->pre && (*p == '\n' || *p == '\r') ? GAP_LINE
							      : GAP_SPACE);
		p++;
	}
}

/* The <title> in <head> becomes the first line; the rest of head is meta
 * data no reader sees. */
static void put_title(struct walk *w, const xmlNode *head)
{
	const xmlNode *n, *c;

	for (n = head->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    xmlStrcasecmp(n->name, (const xmlChar *)"title"))
			continue;
		for (c = n->children; c; c = c->next)
			if (c->type == XML_TEXT_NODE && c->content)
				put_text(w, c->content);
		add_gap(w, GAP_LINE);
		return;
	}
}

/* Called on entering a node; returns 1 when its children are to be read. */
static int enter(struct walk *w, const xmlNode *node)
{
	unsigned k;

	if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
		if (node->content)
			put_text(w, node->content);
		return 0;
	}
	if (node->type != XML_ELEMENT_NODE || !node->name)
		return 0;
	k = kind_of(node);
	if (k & K_HEAD)
		put_title(w, node);
	if (k & K_HIDDEN)
		return 0;
	if (k & K_BLOCK)
		add_gap(w, GAP_LINE);
	else if (k & K_CELL)
		add_gap(w, GAP_SPACE);
	if (k & K_PRE)
		w->pre++;
	return 1;
}

static void leave(struct walk *w, const xmlNode *node, int entered)
{
	unsigned k;

	if (node->type != XML_ELEMENT_NODE || !node->name || !entered)
		return;
	k = kind_of(node);
	if (k & K_BLOCK)
		add_gap(w, GAP_LINE);
	else if (k & K_CELL)
		add_gap(w, GAP_SPACE);
	if ((k & K_PRE) && w->pre)
		w->pre--;
}

/* Depth-first without recursion: the parent pointers are the stack, so
 * deeply nested markup costs no C stack. From first through its following
 * siblings, or (root) through root's own subtree only. */
static void walk_tree(struct walk *w, xmlNode *first, const xmlNode *root)
{
	xmlNode *node = first;
	int entered;

	while (node && !w->full) {
		entered = enter(w, node);
		if (entered && node->children) {
			node = node->children;
			continue;
		}
		for (;;) {
			leave(w, node, entered);
			if (node == root) {
				node = NULL;
				break;
			}
			if (node->next) {
				node = node->next;
				break;
			}
			node = node->parent;
			entered = 1;
			if (!node || node->type == XML_DOCUMENT_NODE ||
			    node->type == XML_HTML_DOCUMENT_NODE) {
				node = NULL;
				break;
			}
		}
	}
}

char *text_from_html(const char *html, size_t len, size_t *out_len,
		     struct lw_error *err)
{
	struct walk w;
	htmlDocPtr doc = NULL;
	char *res = NULL;

	memset(&w, 0, sizeof(w));
	lw_buf_init(&w.out, TEXT_MAX_INPUT);
	if (len > TEXT_MAX_INPUT) {
		lw_error_set(err, "document of %zu bytes exceeds the %u byte limit",
			     len, TEXT_MAX_INPUT);
		goto out;
	}
	pthread_once(&parser_once, init_parser);
	/* XML_PARSE_HUGE lifts the 256-level depth limit: past it libxml2
	 * stops parsing, and 257 <div>s would hide the rest of an ad. The walk
	 * and xmlFreeDoc are iterative, and the input is capped. */
	xmlResetLastError();
	if (len)
		doc = htmlReadMemory(html, (int)len, NULL, NULL,
				     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
				     HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
				     HTML_PARSE_COMPACT | XML_PARSE_HUGE);
	/* Out of memory gives no tree or half of one, which read as an ad with
	 * no text: stored unflagged, then a "changed" version the next time
	 * (found by the allocation sweep). */
	if (xmlGetLastError() && xmlGetLastError()->code == XML_ERR_NO_MEMORY)
		xoom("parsing HTML");
	/* Only empty or unreadable input yields no tree: no text to show. */
	if (doc)
		walk_tree(&w, doc->children, NULL);
	if (w.full) {
		lw_error_set(err, "visible text exceeds the %u byte limit",
			     TEXT_MAX_INPUT);
		goto out;
	}
	res = lw_buf_detach(&w.out, out_len);
out:
	if (doc)
		xmlFreeDoc(doc);
	lw_buf_release(&w.out);
	return res;
}

char *text_from_html_node(xmlNode *node, size_t *out_len, struct lw_error *err)
{
	struct walk w;
	char *res = NULL;

	memset(&w, 0, sizeof(w));
	lw_buf_init(&w.out, TEXT_MAX_INPUT);
	walk_tree(&w, node, node);
	if (w.full) {
		lw_error_set(err, "visible text exceeds the %u byte limit", TEXT_MAX_INPUT);
		goto out;
	}
	res = lw_buf_detach(&w.out, out_len);
out:
	lw_buf_release(&w.out);
	return res;
}

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

/* names are lowercase. Asked of every element twice on the way in and out
 * of it: the first letter rules out most names before a full comparison
 * (xmlStrcasecmp against each name was 5% of an archive scan). */
static int name_in(const xmlNode *node, const char *const *names)
{
	const xmlChar *n = node->name;
	int c0;

	if (!n)
		return 0;
	c0 = n[0] >= 'A' && n[0] <= 'Z' ? n[0] - 'A' + 'a' : n[0];
	for (; *names; names++)
		if ((*names)[0] == c0 && !xmlStrcasecmp(n, (const xmlChar *)*names))
			return 1;
	return 0;
}

/* Never shown to a reader. <head> is handled apart for its <title>. */
static int is_hidden(const xmlNode *node)
{
	static const char *const names[] = {
		"script", "style", "noscript", "template", "svg", "math",
		"iframe", "object", "head", NULL
	};

	return name_in(node, names);
}

static int is_block(const xmlNode *node)
{
	static const char *const names[] = {
		"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5",
		"h6", "section", "article", "header", "footer", "table", "ul",
		"ol", "dl", "dt", "dd", "blockquote", "pre", "hr", "main",
		"nav", "aside", "address", "figure", "figcaption", "form",
		"fieldset", "legend", "details", "summary", "caption",
		"center", "option", "title", "body", "html", "tbody",
		"thead", "tfoot", NULL
	};

	return name_in(node, names);
}

static int is_cell(const xmlNode *node)
{
	static const char *const names[] = { "td", "th", NULL };

	return name_in(node, names);
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
	if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
		if (node->content)
			put_text(w, node->content);
		return 0;
	}
	if (node->type != XML_ELEMENT_NODE || !node->name)
		return 0;
	if (!xmlStrcasecmp(node->name, (const xmlChar *)"head"))
		put_title(w, node);
	if (is_hidden(node))
		return 0;
	if (is_block(node))
		add_gap(w, GAP_LINE);
	else if (is_cell(node))
		add_gap(w, GAP_SPACE);
	if (!xmlStrcasecmp(node->name, (const xmlChar *)"pre"))
		w->pre++;
	return 1;
}

static void leave(struct walk *w, const xmlNode *node, int entered)
{
	if (node->type != XML_ELEMENT_NODE || !node->name || !entered)
		return;
	if (is_block(node))
		add_gap(w, GAP_LINE);
	else if (is_cell(node))
		add_gap(w, GAP_SPACE);
	if (!xmlStrcasecmp(node->name, (const xmlChar *)"pre") && w->pre)
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

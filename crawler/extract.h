/* SPDX-License-Identifier: MIT */
/* What the crawler reads out of fetched documents: links and fields from
 * HTML pages by XPath, items from RSS/Atom feeds, locations from sitemaps. */
#ifndef LW_EXTRACT_H
#define LW_EXTRACT_H

#include <stddef.h>

#include "../util/error.h"

/* Larger HTML pages and feeds are refused. */
#define EXTRACT_MAX_INPUT (16u * 1024u * 1024u)
/* Larger sitemaps are refused (the sitemap protocol's own limit). */
#define EXTRACT_MAX_SITEMAP (50u * 1024u * 1024u)
/* At most this many links or items come out of one document; the rest are
 * dropped without an error (the sitemap protocol's limit per file). */
#define EXTRACT_MAX_ITEMS 50000

/* ---- HTML pages ---------------------------------------------------------- */

struct extract_page;

/* Parses an HTML page. content_type is the HTTP Content-Type value or NULL.
 * The character set is, first to apply: a byte-order mark; the charset of
 * content_type; a <meta charset> or <meta http-equiv> in the first 1024
 * bytes; else UTF-8 when the bytes are valid UTF-8 and Windows-1252 when
 * not. Labels are read as browsers read them (ISO-8859-1, Latin-1 and ASCII
 * mean Windows-1252; UTF-16 in a <meta> means UTF-8); an unknown label is
 * ignored. Broken markup is recovered; nothing is fetched. base_url (may be
 * NULL) is the page's address: relative links resolve against it, or against
 * the page's <base href> when there is one. Returns a new page (free with
 * extract_page_free) or NULL with err set: input over EXTRACT_MAX_INPUT, or
 * a base_url that is not an http(s) URL. Empty input is an empty page. */
struct extract_page *extract_page_parse(const char *data, size_t len,
					const char *content_type,
					const char *base_url,
					struct lw_error *err);
/* extract_page_parse for a page read only for its text (an archive's):
 * the same parse, charset rules and tree, less the attributes, comments and
 * script and style content, which no text walk reads. extract_element_text
 * and extract_text of elements give the same bytes as on
 * extract_page_parse's page; links, outlinks and XPath on attributes find
 * nothing; there is no base URL. Same returns and ownership. */
struct extract_page *extract_page_parse_text(const char *data, size_t len,
					     const char *content_type,
					     struct lw_error *err);
/* Frees the page; NULL is a no-op. */
void extract_page_free(struct extract_page *p);

/* The URL relative links of p resolve against (<base href> or base_url),
 * or NULL when there is none. Owned by p. */
const char *extract_page_base(const struct extract_page *p);

/* Returns 0 when xpath compiles, else -1 with err holding libxml2's reason
 * and where it stopped ("xpath '//a[@href': Invalid predicate at offset
 * 9"). For configuration checks at start-up. libxml2 resolves function
 * names only when evaluating, so "foo()" passes here and fails in
 * extract_links/extract_text. */
int extract_xpath_check(const char *xpath, struct lw_error *err);

/* Evaluates xpath on p. Each selected node's string value (an attribute's
 * value, an element's text), or the value of an expression that is not a
 * node-set, is resolved against the page's base and canonicalised with
 * url_canonicalize; values that are not http(s) URLs are skipped,
 * duplicates removed, first-seen order kept. Returns 0 with *urls a new
 * array of *n new strings (free with extract_strings_free; NULL when *n is
 * 0), or -1 with err set when the expression fails. */
int extract_links(struct extract_page *p, const char *xpath, char ***urls,
		  size_t *n, struct lw_error *err);

/* The text of the first node xpath selects that has any, or of every node
 * joined by a blank line when all is 1 (nodes without text are left out;
 * "string(...)", "count(...)" and other non-node results count as one
 * node). An element
 * gives its visible text as matcher_html_text sees it (script and style
 * dropped, blocks on their own lines); an attribute, text or comment node
 * its value; a string, number or boolean expression its value. Surrounding
 * whitespace is trimmed. Returns 0 with *out a new UTF-8 string (caller
 * frees) or NULL when nothing or only whitespace is selected, or -1 with err
 * set when the expression fails or the text would pass EXTRACT_MAX_INPUT. */
int extract_text(struct extract_page *p, const char *xpath, int all,
		 char **out, struct lw_error *err);

/* extract_text(p, "//NAME", 0, out, err) without an XPath evaluation: the
 * visible text of the first element named name (lowercase, as the HTML
 * parser names elements) that has any. Same returns. */
int extract_element_text(struct extract_page *p, const char *name, char **out,
			 struct lw_error *err);

/* Where the page sends people: the href of every <a> and <area> that is a
 * messaging or contact channel -- mailto:, tel:, sms:, whatsapp:, tg:,
 * viber:, line:, weixin:, skype: and signal: links as written (scheme
 * lowercased, whitespace trimmed), and http(s) links to wa.me,
 * api/chat/web.whatsapp.com, t.me, telegram.me, telegram.dog, line.me,
 * lin.ee, weixin.qq.com, wechat.com, viber.com, signal.me, m.me or their
 * subdomains -- or an http(s) link to another host than the page's
 * (base_url's, else the <base href>'s; a leading "www." is ignored on both
 * sides). Canonical, deduplicated, in document order. Returns 0 with *urls
 * and *n as for extract_links, or -1 with err set. */
int extract_outlinks(struct extract_page *p, char ***urls, size_t *n,
		     struct lw_error *err);

/* Frees an array from this module and its n strings; NULL is a no-op. */
void extract_strings_free(char **v, size_t n);

/* ---- feeds and sitemaps -------------------------------------------------- */

/* One feed entry or sitemap location. url is canonical and never NULL; the
 * other fields are trimmed text or NULL when absent. published is the date
 * as the document writes it (RSS pubDate or dc:date, Atom published else
 * updated, sitemap lastmod). summary is the RSS description (else
 * content:encoded) or Atom summary (else content) as text: RSS descriptions
 * often hold escaped HTML, which stays HTML. */
struct extract_item {
	char *url, *title, *summary, *published;
};

/* Parses an RSS 2.0 (or RSS 1.0/RDF) or Atom feed. Item URLs: RSS link,
 * else a guid whose isPermaLink is not "false"; Atom the href of the first
 * link with rel "alternate" or no rel. They resolve against base_url (may be
 * NULL) and are canonicalised; items without an http(s) URL are skipped.
 * The XML parser loads no DTD, expands no entities (entity references are
 * left out of the text) and uses no network. Returns 0 with *items a new
 * array of *n items (free with extract_items_free; NULL when *n is 0), or -1
 * with err set: "feed: line 3: <libxml2's reason>", "feed: not RSS or Atom
 * (root element 'html')", or input over EXTRACT_MAX_INPUT. */
int extract_feed(const char *data, size_t len, const char *base_url,
		 struct extract_item **items, size_t *n, struct lw_error *err);

/* Parses a sitemap (<urlset><url><loc>, with <lastmod> as published) or a
 * sitemap index (<sitemapindex><sitemap><loc>); *is_index says which.
 * Uncompressed XML only: gzip is the fetcher's business. Same parser
 * settings, URL handling and ownership as extract_feed; errors read
 * "sitemap: line 3: ..." or "sitemap: not a sitemap (root element 'rss')". */
int extract_sitemap(const char *data, size_t len, const char *base_url,
		    struct extract_item **items, size_t *n, int *is_index,
		    struct lw_error *err);

/* Frees an item array and its strings; NULL is a no-op. */
void extract_items_free(struct extract_item *items, size_t n);

#endif

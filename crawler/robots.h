/* SPDX-License-Identifier: MIT */
/* robots.txt (RFC 9309): parses a file, keeps the group that applies to one
 * crawler and answers whether a URL may be fetched. */
#ifndef LW_ROBOTS_H
#define LW_ROBOTS_H

#include <stddef.h>

/* RFC 9309 2.5: parsers must read at least 500 KiB; bytes after this are
 * ignored (and a line cut by the limit is dropped). */
#define ROBOTS_MAX_BYTES (500 * 1024)

struct robots;

/* Parses data (any bytes; only the first ROBOTS_MAX_BYTES are read) and keeps
 * the rules of the groups that apply to agent, a product token such as
 * "lurewatch": groups naming agent (case-insensitively) win over "*" groups,
 * and several groups for the same agent are merged. agent may be NULL or ""
 * for "only the * groups". Never fails on malformed input: lines that do not
 * parse are skipped. Returns a new object (caller frees with robots_free);
 * memory is bounded by a small multiple of the input's size. */
struct robots *robots_parse(const char *data, size_t len, const char *agent);

/* Allows everything: for a robots.txt that answered 4xx (RFC 9309 2.3.1.3).
 * Caller frees with robots_free. */
struct robots *robots_allow_all(void);

/* Disallows everything but /robots.txt: for a 5xx or unreachable robots.txt
 * (RFC 9309 2.3.1.4). Caller frees with robots_free. */
struct robots *robots_disallow_all(void);

/* Frees r; NULL does nothing. */
void robots_free(struct robots *r);

/* 1 when path may be fetched, else 0. path is the URL's path and query as
 * sent on the wire ("/a/b?c=d", percent-encoded); NULL or "" means "/". The
 * longest matching rule wins and Allow wins a tie; '*' matches any run of
 * bytes and a final '$' anchors the end; both sides are compared after
 * percent-encoding normalisation (RFC 9309 2.2.2: %xx of unreserved
 * characters decoded, other escapes upper-cased, non-ASCII bytes encoded).
 * "/robots.txt" is always allowed. Time per rule is linear in the lengths
 * of path and pattern: patterns with many '*' never backtrack. */
int robots_allowed(const struct robots *r, const char *path);

/* As robots_allowed for a full http or https URL; returns -1 when url cannot
 * be parsed or has another scheme. An empty url means "/" (as Google's
 * matcher does). */
int robots_allowed_url(const struct robots *r, const char *url);

/* The path and query of an http(s) URL ("/" when empty), as compared by
 * robots_allowed_url, or NULL when url cannot be parsed. Caller frees. */
char *robots_url_path(const char *url);

/* Decides as robots_allowed and writes into buf (size n, always terminated
 * when n > 0) which rule decided, e.g. "disallowed by 'Disallow: /private'
 * (line 7)" or "allowed: no rule matches". Returns the decision (1 or 0). */
int robots_explain(const struct robots *r, const char *path, char *buf, size_t n);

/* The applicable group's Crawl-delay in seconds (non-standard), or -1 when
 * it has none. With merged groups the first valid value wins. */
double robots_crawl_delay(const struct robots *r);

/* Sitemap: lines of the whole file (they belong to no group), in order.
 * The strings belong to r. */
size_t robots_sitemap_count(const struct robots *r);
const char *robots_sitemap(const struct robots *r, size_t i);

/* Number of rules kept for the agent (for tests and diagnostics). */
size_t robots_rule_count(const struct robots *r);

#endif

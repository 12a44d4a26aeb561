/* SPDX-License-Identifier: MIT */
/* [source NAME] sections: the sites to crawl, each key validated where it
 * is written (URLs with curl's URL API, selectors with libxml2's XPath
 * compiler) so a bad source fails at start, not mid-crawl. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/xpath.h>

#include "../util/xmalloc.h"
#include "config_internal.h"

#define SOURCES_MAX 1000

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

void config_source_begin(struct load *ld, const char *name, int line)
{
	struct config *c = ld->c;
	struct config_source *s;

	ld->in_source = 1;
	ld->source = NULL;
	if (!valid_name(name)) {
		add_error(ld, line, "bad source name '%s': letters, digits, '-', '_' and '.'", name);
		return;
	}
	if (config_source_find(c, name)) {
		add_error(ld, line, "source '%s' defined twice", name);
		return;
	}
	if (c->nsources >= SOURCES_MAX) {
		add_error(ld, line, "more than %d sources", SOURCES_MAX);
		return;
	}
	c->sources = xreallocarray(c->sources, c->nsources + 1, sizeof(*c->sources));
	s = &c->sources[c->nsources++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->file = xstrdup(ld->file);
	s->line = line;
	s->interval = 6 * 3600;
	s->max_pages = 1000;
	/* Listing sites paginate far; max_pages is the guard, so the depth
	 * limit only stops a pagination loop that never ends. */
	s->max_depth = 1000;
	s->rate = 1.0;
	s->connections = 2;
	s->enabled = 1;
	ld->source = s;
}

/* "90", "90s", "15m", "6h", "1d" -> seconds. */
static int parse_interval(const char *v, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	/* Bounded before the unit multiplies it: "55555555555555556h"
	 * overflowed (found by fuzz_config under UBSan). */
	if (errno || end == v || n <= 0 || n > 365L * 86400)
		return -1;
	if (*end == 'm')
		n *= 60, end++;
	else if (*end == 'h')
		n *= 3600, end++;
	else if (*end == 'd')
		n *= 86400, end++;
	else if (*end == 's')
		end++;
	if (*end || n > 365L * 86400)
		return -1;
	*out = (int)n;
	return 0;
}

static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int parse_int(const char *v, long lo, long hi, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		return -1;
	*out = (int)n;
	return 0;
}

static void check_url(struct load *ld, const char *url, int line)
{
	CURLU *u = curl_url();
	CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, 0);
	char *scheme = NULL;

	if (rc != CURLUE_OK)
		add_error(ld, line, "bad URL '%s': %s", url, curl_url_strerror(rc));
	else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		 (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		add_error(ld, line, "bad URL '%s': only http and https can be crawled", url);
	curl_free(scheme);
	curl_url_cleanup(u);
}

/* libxml2 prints compile errors through its handlers: keep them off stderr,
 * the error names the key and expression instead. */
static void quiet_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

static void check_xpath(struct load *ld, const char *key, const char *xpath, int line)
{
	xmlXPathCompExprPtr e;

	xmlSetStructuredErrorFunc(NULL, quiet_structured);
	e = xmlXPathCompile((const xmlChar *)xpath);
	if (!e) {
		const xmlError *xe = xmlGetLastError();
		char msg[256];
		size_t n;

		snprintf(msg, sizeof(msg), "%s", xe && xe->message ? xe->message : "does not compile");
		n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		add_error(ld, line, "bad XPath for %s '%s': %s", key, xpath, msg);
		xmlResetLastError();
	} else {
		xmlXPathFreeCompExpr(e);
	}
	xmlSetStructuredErrorFunc(NULL, NULL);
}

static void set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
}

void config_source_key(struct load *ld, const char *key, const char *value, int line)
{
	struct config_source *s = ld->source;
	char **xp = NULL;

	if (!s)
		return; /* the section header was already reported */
	if (!strcmp(key, "start")) {
		check_url(ld, value, line);
		s->start = xreallocarray(s->start, s->nstart + 1, sizeof(char *));
		s->start[s->nstart++] = xstrdup(value);
	} else if (!strcmp(key, "kind")) {
		if (strcmp(value, "html") && strcmp(value, "rss") && strcmp(value, "atom") &&
		    strcmp(value, "sitemap"))
			add_error(ld, line, "bad kind '%s': expected html, rss, atom or sitemap", value);
		set_str(&s->kind, value);
	} else if (!strcmp(key, "links")) xp = &s->links;
	else if (!strcmp(key, "next")) xp = &s->next;
	else if (!strcmp(key, "title")) xp = &s->title;
	else if (!strcmp(key, "body")) xp = &s->body;
	else if (!strcmp(key, "location")) xp = &s->location;
	else if (!strcmp(key, "posted")) xp = &s->posted;
	else if (!strcmp(key, "contact")) xp = &s->contact;
	else if (!strcmp(key, "interval")) {
		if (parse_interval(value, &s->interval) < 0)
			add_error(ld, line, "bad interval '%s': e.g. 900, 15m, 6h or 1d", value);
	} else if (!strcmp(key, "max_pages")) {
		if (parse_int(value, 1, 10000000, &s->max_pages) < 0)
			add_error(ld, line, "bad max_pages '%s': 1 to 10000000", value);
	} else if (!strcmp(key, "max_depth")) {
		if (parse_int(value, 0, 1000, &s->max_depth) < 0)
			add_error(ld, line, "bad max_depth '%s': 0 to 1000", value);
	} else if (!strcmp(key, "allow_hosts")) {
		config_free_list(s->allow_hosts, s->nallow_hosts);
		s->allow_hosts = NULL;
		s->nallow_hosts = 0;
		if (config_parse_list(value, 0, &s->allow_hosts, &s->nallow_hosts) < 0)
			add_error(ld, line, "bad allow_hosts '%s'", value);
	} else if (!strcmp(key, "rate")) {
		char *end;

		errno = 0;
		s->rate = strtod(value, &end);
		if (errno || end == value || *end || s->rate <= 0 || s->rate > 1000)
			add_error(ld, line, "bad rate '%s': requests per second, above 0 and at most 1000",
				  value);
	} else if (!strcmp(key, "connections")) {
		if (parse_int(value, 1, 100, &s->connections) < 0)
			add_error(ld, line, "bad connections '%s': 1 to 100", value);
	} else if (!strcmp(key, "allow_private")) {
		if (parse_bool(value, &s->allow_private) < 0)
			add_error(ld, line, "bad allow_private '%s': yes or no", value);
	} else if (!strcmp(key, "enabled")) {
		if (parse_bool(value, &s->enabled) < 0)
			add_error(ld, line, "bad enabled '%s': yes or no", value);
	} else {
		add_error(ld, line, "unknown key '%s' in [source %s]", key, s->name);
	}
	if (xp) {
		check_xpath(ld, key, value, line);
		set_str(xp, value);
	}
}

/* The hosts of the start URLs, when allow_hosts is not given. */
static void default_hosts(struct config_source *s)
{
	for (size_t i = 0; i < s->nstart; i++) {
		CURLU *u = curl_url();
		char *host = NULL;
		int dup = 0;

		if (curl_url_set(u, CURLUPART_URL, s->start[i], 0) == CURLUE_OK &&
		    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
			for (size_t k = 0; k < s->nallow_hosts; k++)
				dup |= strcmp(s->allow_hosts[k], host) == 0;
			if (!dup) {
				s->allow_hosts = xreallocarray(s->allow_hosts, s->nallow_hosts + 1,
							       sizeof(char *));
				s->allow_hosts[s->nallow_hosts++] = xstrdup(host);
			}
		}
		curl_free(host);
		curl_url_cleanup(u);
	}
}

void config_sources_validate(struct load *ld)
{
	for (size_t i = 0; i < ld->c->nsources; i++) {
		struct config_source *s = &ld->c->sources[i];

		ld->file = s->file;
		if (!s->kind)
			add_error(ld, s->line, "source '%s' has no kind (html, rss, atom or sitemap)", s->name);
		if (s->nstart == 0)
			add_error(ld, s->line, "source '%s' has no start URL", s->name);
		if (s->kind && !strcmp(s->kind, "html") && !s->links)
			add_error(ld, s->line, "html source '%s' needs a links selector (XPath of the ad links)",
				  s->name);
		if (!s->body && !s->title)
			add_error(ld, s->line, "source '%s' needs a title or body selector for its ad pages",
				  s->name);
		if (s->nallow_hosts == 0)
			default_hosts(s);
	}
}

void config_sources_free(struct config *c)
{
	for (size_t i = 0; i < c->nsources; i++) {
		struct config_source *s = &c->sources[i];

		free(s->name);
		free(s->file);
		free(s->kind);
		config_free_list(s->start, s->nstart);
		free(s->links);
		free(s->next);
		free(s->title);
		free(s->body);
		free(s->location);
		free(s->posted);
		free(s->contact);
		config_free_list(s->allow_hosts, s->nallow_hosts);
	}
	free(c->sources);
}

const struct config_source *config_source_find(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nsources; i++)
		if (strcmp(c->sources[i].name, name) == 0)
			return &c->sources[i];
	return NULL;
}

/* SPDX-License-Identifier: MIT */
/* Fuzz target: the web interface's own request handling and the pages'
 * rendering of text written by the people lurewatch watches. libmicrohttpd
 * parses the HTTP; what lurewatch adds is the form decoding, the routing,
 * and HTML built from ads, hits and URLs, where one unescaped byte is script
 * in an analyst's browser.
 *
 * Input: FORM \0 URL \0 TEXT \0 HITS, where HITS is 5 bytes a hit (start
 * and end as 16-bit little-endian offsets into TEXT, trusted for nothing,
 * then a byte choosing the rule name). Invariants: form fields never longer
 * than the body and never more than the server's cap; a route found
 * matches its pattern; the ad's HTML and an ad link are valid UTF-8 made of
 * the page's own tags and escaped text only, and a link's href is http(s)
 * with nothing that could end the attribute. */
#include <jansson.h>

#include "../../web/web_internal.h"
#include "fuzz.h"

/* Tags web_ad_text and html_ad_link may write; "title=" and "href=" take
 * an escaped value up to the next '"', then '>' (the link's own
 * attributes after href are fixed text). */
static const char *const tags[] = {
	"<div class=\"ad\" id=\"ad-text\">", "</div>", "<mark class=\"hit\" title=\"", "</mark>",
	"<sup class=\"lbl\">", "</sup>", "<p class=\"note\" id=\"cut\">", "</p>",
	"<span class=\"url\">", "</span>", "<a class=\"out\" href=\"", "</a>",
};

static void fail(const char *what, const char *out, size_t at)
{
	fprintf(stderr, "%s at byte %zu of: %.200s\n", what, at, out);
	abort();
}

/* out is our tags and escaped text: no other '<', no bare '>' '"' '\'', no
 * control character but newline and tab, valid UTF-8, tags balanced. */
static void check_html(const char *out, size_t n)
{
	int open_mark = 0, open_sup = 0;

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)out[i];

		if (c == '<') {
			size_t k, l = 0;

			for (k = 0; k < sizeof(tags) / sizeof(tags[0]); k++) {
				l = strlen(tags[k]);
				if (l <= n - i && memcmp(out + i, tags[k], l) == 0)
					break;
			}
			if (k == sizeof(tags) / sizeof(tags[0]))
				fail("a tag the page does not write", out, i);
			open_mark += strcmp(tags[k], "</mark>") == 0 ? -1 : strncmp(tags[k], "<mark", 5) == 0;
			open_sup += strcmp(tags[k], "</sup>") == 0 ? -1 : strncmp(tags[k], "<sup", 4) == 0;
			if (open_mark < 0 || open_sup < 0 || open_mark > 1 || open_sup > 1)
				fail("unbalanced mark or sup", out, i);
			i += l;
			if (tags[k][l - 1] == '"') {
				/* An attribute value: escaped, so it ends at the first '"'. */
				const char *q = memchr(out + i, '"', n - i);

				if (!q)
					fail("an attribute value that never ends", out, i);
				for (const char *p = out + i; p < q; p++)
					if (*p == '<' || *p == '>' || *p == '\'')
						fail("a raw byte inside an attribute value", out, (size_t)(p - out));
				i = (size_t)(q - out) + 1;
				if (strncmp(tags[k], "<a ", 3) == 0) {
					static const char rest[] =
						" rel=\"noopener noreferrer nofollow\" target=\"_blank\">";

					if (n - i < sizeof(rest) - 1 || memcmp(out + i, rest, sizeof(rest) - 1) != 0)
						fail("a link's attributes changed", out, i);
					i += sizeof(rest) - 1;
				} else if (i >= n || out[i] != '>') {
					fail("an attribute not closed by '>'", out, i);
				} else {
					i++;
				}
			}
			continue;
		}
		if (c == '>' || c == '"' || c == '\'')
			fail("an unescaped > \" or '", out, i);
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			fail("a control character", out, i);
		if (c < 0x80) {
			i++;
			continue;
		}
		{
			size_t l = lw_utf8_seq_len((const unsigned char *)out + i, n - i);

			if (l == 0)
				fail("invalid UTF-8", out, i);
			i += l;
		}
	}
	if (open_mark || open_sup)
		fail("a mark or sup left open", out, n);
}

static void check_form(const char *body, size_t n)
{
	struct web_req r;

	memset(&r, 0, sizeof(r));
	lw_buf_init(&r.body, 256 * 1024);
	lw_buf_add(&r.body, body, n);
	web_parse_form(&r);
	if (r.nform > 64)
		abort();
	for (size_t i = 0; i < r.nform; i++) {
		if (strlen(r.form[i].name) > n || strlen(r.form[i].value) > n)
			abort();
		/* The first field of a name is the one a page reads. */
		if (web_form(&r, r.form[i].name) && !r.form[i].value[0]) {
			size_t j;

			for (j = 0; j < i; j++)
				if (strcmp(r.form[j].name, r.form[i].name) == 0)
					break;
			if (j == i)
				abort();
		}
	}
	for (size_t i = 0; i < r.nform; i++) {
		free(r.form[i].name);
		free(r.form[i].value);
	}
	free(r.form);
	lw_buf_release(&r.body);
}

static void check_route(const char *url)
{
	static const char *const methods[] = { "GET", "POST", "HEAD", "DELETE" };

	for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
		long id = -1;
		int found = 0;
		const char *pat = web_route_path(methods[m], url, &id, &found);

		if (pat && !found)
			abort();
		if (pat && strchr(pat, '#') && id <= 0)
			abort();
		if (pat && !strchr(pat, '*') && !strchr(pat, '#') && strcmp(pat, url) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *parts[3] = { "", "", "" };
	size_t lens[3] = { 0, 0, 0 }, k = 0, at = 0;
	char *in = fuzz_str(data, size);
	const uint8_t *hits_at;
	size_t nhits;
	json_t *hits = json_array();
	struct lw_buf b;

	while (k < 3 && at <= size) {
		const char *z = memchr(in + at, '\0', size - at);
		size_t end = z ? (size_t)(z - in) : size;

		parts[k] = in + at;
		lens[k] = end - at;
		k++;
		at = end + 1;
		if (!z)
			break;
	}
	hits_at = at < size ? data + at : NULL;
	nhits = hits_at ? (size - at) / 5 : 0;

	check_form(parts[0], lens[0]);
	check_route(parts[1]);

	for (size_t i = 0; i < nhits && i < 64; i++) {
		const uint8_t *h = hits_at + 5 * i;
		long s = h[0] | (h[1] << 8), e = h[2] | (h[3] << 8);
		/* Rule names are the form's and the URL's hostile bytes too. */
		const char *rule = (h[4] & 1) ? parts[0] : (h[4] & 2) ? parts[1] : "en_fee";

		json_t *o = json_object();

		/* Stored names are UTF-8, but the page must not rely on it. */
		json_object_set_new(o, "start", json_integer(s));
		json_object_set_new(o, "end", json_integer(e));
		json_object_set_new(o, "rule", json_string_nocheck(rule));
		json_object_set_new(o, "category", json_string_nocheck(parts[2]));
		json_object_set_new(o, "weight", json_real((double)h[4] / 7.0));
		json_array_append_new(hits, o);
	}
	lw_buf_init(&b, 64 * 1024 * 1024);
	web_ad_text(&b, parts[2], hits);
	check_html(b.data ? b.data : "", b.len);
	lw_buf_reset(&b);
	html_ad_link(&b, parts[1], parts[2]);
	check_html(b.data ? b.data : "", b.len);
	if (b.len > 2 && memcmp(b.data, "<a ", 3) == 0 && strncmp(parts[1], "http://", 7) != 0 &&
	    strncmp(parts[1], "https://", 8) != 0)
		fail("a link made of a URL that is not http(s)", b.data, 0);
	lw_buf_release(&b);
	json_decref(hits);
	free(in);
	return 0;
}

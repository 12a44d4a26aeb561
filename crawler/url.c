/* SPDX-License-Identifier: MIT */
/* URL canonicalisation and private-address checks on top of libcurl's URL
 * API: curl parses and resolves, this file only normalises the parts. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"
#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "../util/hex.h"

/* A ref this long cannot become a URL under URL_MAX_LEN even after curl
 * removes dot segments; refusing it early bounds the work. */
#define REF_MAX (4 * URL_MAX_LEN)

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

static void ascii_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* The ref as a browser reads an href: surrounding whitespace trimmed, tabs
 * and line breaks inside removed. Returns a new string. */
static char *clean_ref(const char *ref)
{
	size_t len = strlen(ref), i, n = 0;
	char *out;

	while (len && is_space((unsigned char)ref[len - 1]))
		len--;
	while (len && is_space((unsigned char)*ref)) {
		ref++;
		len--;
	}
	out = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		if (ref[i] != '\t' && ref[i] != '\n' && ref[i] != '\r')
			out[n++] = ref[i];
	out[n] = '\0';
	return out;
}

/* Decodes %XX of unreserved characters and uppercases the hex digits of the
 * others (RFC 3986 6.2.2.2); malformed escapes stay as they are. Returns a
 * new string. */
/* 1 when appending c to out[0..n) would turn a stray '%' there into an
 * escape ("%7" + "8" from "%7%38"): decoding it then would make a second
 * pass decode "%78" too, and the canonical form would not be a fixed point
 * (found by fuzz_url). */
static int completes_escape(const char *out, size_t n, int c)
{
	if (lw_hex_digit(c) < 0)
		return 0;
	return (n >= 1 && out[n - 1] == '%') ||
	       (n >= 2 && out[n - 2] == '%' && lw_hex_digit((unsigned char)out[n - 1]) >= 0);
}

static char *norm_percent(const char *s)
{
	size_t len = strlen(s), n = 0, i;
	char *out = xmalloc(len + 1);
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] != '%' || i + 2 >= len || (hi = lw_hex_digit((unsigned char)s[i + 1])) < 0 ||
		    (lo = lw_hex_digit((unsigned char)s[i + 2])) < 0) {
			out[n++] = s[i];
			continue;
		}
		if (is_unreserved(hi * 16 + lo) && !completes_escape(out, n, hi * 16 + lo)) {
			out[n++] = (char)(hi * 16 + lo);
		} else {
			out[n++] = '%';
			out[n++] = "0123456789ABCDEF"[hi];
			out[n++] = "0123456789ABCDEF"[lo];
		}
		i += 2;
	}
	out[n] = '\0';
	return out;
}

static int curl_fail(struct lw_error *err, const char *what, const char *url,
		     CURLUcode rc)
{
	return lw_error_set(err, "%s '%.300s': %s", what, url,
			    curl_url_strerror(rc));
}

/* Loads base (when given) then ref into h and checks the scheme. */
static int load(CURLU *h, const char *base, const char *ref,
		struct lw_error *err)
{
	CURLUcode rc;
	char *scheme = NULL;
	int ret = -1;

	if (strlen(ref) > REF_MAX) {
		lw_error_set(err, "url '%.60s...': longer than %d bytes", ref,
			     URL_MAX_LEN);
		goto out;
	}
	if (base && (rc = curl_url_set(h, CURLUPART_URL, base, CURLU_URLENCODE))) {
		curl_fail(err, "base url", base, rc);
		goto out;
	}
	/* A same-document ref names the base itself; curl 7.88 would also
	 * drop the base's last segment and query. */
	if (base && (!*ref || *ref == '#'))
		ref = base;
	if ((rc = curl_url_set(h, CURLUPART_URL, ref, CURLU_URLENCODE))) {
		curl_fail(err, "url", ref, rc);
		goto out;
	}
	if ((rc = curl_url_get(h, CURLUPART_SCHEME, &scheme, 0))) {
		curl_fail(err, "url", ref, rc);
		goto out;
	}
	if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
		lw_error_set(err, "url '%.300s': scheme '%s' is not http or https",
			     ref, scheme);
		goto out;
	}
	ret = 0;
out:
	curl_free(scheme);
	return ret;
}

/* Replaces part with f(part) when f changes it; a missing part is fine. */
static int rewrite_part(CURLU *h, CURLUPart part, char *(*f)(const char *),
			const char *url, struct lw_error *err)
{
	char *old = NULL, *new = NULL;
	CURLUcode rc;
	int ret = -1;

	rc = curl_url_get(h, part, &old, 0);
	if (rc == CURLUE_NO_QUERY || rc == CURLUE_NO_FRAGMENT) {
		ret = 0;
		goto out;
	}
	if (rc) {
		curl_fail(err, "url", url, rc);
		goto out;
	}
	new = f(old);
	if ((strcmp(new, old) || !*new) &&
	    (rc = curl_url_set(h, part, *new ? new : NULL, 0))) {
		curl_fail(err, "url", url, rc);
		goto out;
	}
	ret = 0;
out:
	curl_free(old);
	free(new);
	return ret;
}

static char *lower_dup(const char *s)
{
	char *d = xstrdup(s);

	ascii_lower(d);
	return d;
}

/* curl accepts port 0, which names no server: a link to one is an error
 * here, as an out-of-range port is (found by fuzz_url). */
static int check_port(CURLU *h, const char *url, struct lw_error *err)
{
	char *p = NULL;
	int ret = 0;

	if (curl_url_get(h, CURLUPART_PORT, &p, 0) == CURLUE_OK && strtol(p, NULL, 10) == 0)
		ret = lw_error_set(err, "url '%.300s': port 0 is not a port", url);
	curl_free(p);
	return ret;
}

/* Normalises the parts of the URL in h and returns it as a new string. */
static int normalise(CURLU *h, const char *url, char **out,
		     struct lw_error *err)
{
	char *s = NULL, *norm = NULL;
	CURLUcode rc;
	int ret = -1;

	if ((rc = curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0))) {
		curl_fail(err, "url", url, rc);
		goto out;
	}
	if (check_port(h, url, err) < 0 ||
	    rewrite_part(h, CURLUPART_HOST, lower_dup, url, err) < 0 ||
	    rewrite_part(h, CURLUPART_QUERY, norm_percent, url, err) < 0)
		goto out;
	if ((rc = curl_url_get(h, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT))) {
		curl_fail(err, "url", url, rc);
		goto out;
	}
	/* Escapes are normalised over the whole URL (curl 7.88 lowercases
	 * them when the path alone is set); curl then reads it once more, so
	 * dot segments formed by decoded escapes go too. */
	norm = norm_percent(s);
	if ((rc = curl_url_set(h, CURLUPART_URL, norm, 0))) {
		curl_fail(err, "url", url, rc);
		goto out;
	}
	curl_free(s);
	s = NULL;
	if ((rc = curl_url_get(h, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT))) {
		curl_fail(err, "url", url, rc);
		goto out;
	}
	if (strlen(s) > URL_MAX_LEN) {
		lw_error_set(err, "url '%.60s...': longer than %d bytes", s,
			     URL_MAX_LEN);
		goto out;
	}
	*out = xstrdup(s);
	ret = 0;
out:
	curl_free(s);
	free(norm);
	return ret;
}

int url_canonicalize(const char *base, const char *ref, char **out,
		     struct lw_error *err)
{
	CURLU *h = NULL;
	char *clean = NULL;
	int ret = -1;

	if (!ref)
		return lw_error_set(err, "url: no url given");
	clean = clean_ref(ref);
	h = curl_url();
	if (!h) {
		lw_error_set(err, "url '%.300s': out of memory", clean);
		goto out;
	}
	if (load(h, base, clean, err) < 0)
		goto out;
	ret = normalise(h, clean, out, err);
out:
	curl_url_cleanup(h);
	free(clean);
	return ret;
}

int url_host(const char *url, char **host, int *port, struct lw_error *err)
{
	CURLU *h = curl_url();
	char *hs = NULL, *ps = NULL, *clean = NULL;
	CURLUcode rc;
	size_t len;
	int ret = -1;

	clean = clean_ref(url ? url : "");
	if (!h) {
		lw_error_set(err, "url '%.300s': out of memory", clean);
		goto out;
	}
	if (load(h, NULL, clean, err) < 0)
		goto out;
	if ((rc = curl_url_get(h, CURLUPART_HOST, &hs, 0)) ||
	    (rc = curl_url_get(h, CURLUPART_PORT, &ps, CURLU_DEFAULT_PORT))) {
		curl_fail(err, "url", clean, rc);
		goto out;
	}
	len = strlen(hs);
	if (len >= 2 && hs[0] == '[' && hs[len - 1] == ']')
		*host = xstrndup(hs + 1, len - 2);
	else
		*host = xstrdup(hs);
	ascii_lower(*host);
	*port = (int)strtol(ps, NULL, 10);
	ret = 0;
out:
	curl_free(hs);
	curl_free(ps);
	curl_url_cleanup(h);
	free(clean);
	return ret;
}

/* ---- address classes ---------------------------------------------------- */

static int v4_private(const unsigned char *a)
{
	return a[0] == 0 ||                                  /* this network */
	       a[0] == 10 ||                                 /* private */
	       a[0] == 127 ||                                /* loopback */
	       (a[0] == 100 && (a[1] & 0xc0) == 64) ||       /* CGNAT */
	       (a[0] == 169 && a[1] == 254) ||               /* link-local */
	       (a[0] == 172 && (a[1] & 0xf0) == 16) ||       /* private */
	       (a[0] == 192 && a[1] == 168) ||               /* private */
	       a[0] >= 224;                /* multicast, reserved, broadcast */
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static int v6_private(const unsigned char *a)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };

	if (all_zero(a, 15) && a[15] <= 1)                   /* :: and ::1 */
		return 1;
	if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12) || all_zero(a, 12))
		return v4_private(a + 12);                   /* embedded IPv4 */
	return (a[0] & 0xfe) == 0xfc ||                      /* unique local */
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||    /* link-local */
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) ||    /* site-local */
	       a[0] == 0xff;                                 /* multicast */
}

int url_ip_is_private(const char *ip)
{
	unsigned char a[16];

	if (!ip)
		return -1;
	if (inet_pton(AF_INET, ip, a) == 1)
		return v4_private(a);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return v6_private(a);
	return -1;
}

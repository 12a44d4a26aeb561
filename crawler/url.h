/* SPDX-License-Identifier: MIT */
/* URL canonicalisation and address checks for the crawler, through libcurl's
 * URL API (CURLU): one spelling per page, and no fetches of private hosts. */
#ifndef LW_URL_H
#define LW_URL_H

#include "../util/error.h"

/* Longest canonical URL accepted, in bytes: longer ones are refused. */
#define URL_MAX_LEN 8192

/* Resolves ref against base (base may be NULL when ref is absolute) and
 * returns the canonical spelling: http or https only; leading and trailing
 * whitespace and embedded tabs and line breaks of ref ignored (as browsers
 * do with href); spaces and non-ASCII bytes percent-encoded; scheme and host
 * lowercased; dot segments removed; fragment dropped; the scheme's default
 * port dropped; percent-escapes of unreserved characters decoded and the
 * others' hex digits uppercased; an empty query removed; query order kept.
 * Returns 0 and *out, a new string (caller frees with free), or -1 with err
 * naming the URL and curl's reason ("url 'ftp://x/': scheme 'ftp' is not
 * http or https"); *out is untouched on failure. */
int url_canonicalize(const char *base, const char *ref, char **out,
		     struct lw_error *err);

/* Host and port of an absolute http(s) URL. The host is lowercased and an
 * IPv6 literal comes without its brackets ("::1"), ready for
 * url_ip_is_private; the port is explicit or the scheme's default. Returns 0
 * with *host a new string (caller frees) and *port set, or -1 with err. */
int url_host(const char *url, char **host, int *port, struct lw_error *err);

/* Classifies an IP literal (as inet_pton reads it, no brackets): 1 when it
 * is not a public unicast address (loopback 127/8 and ::1; private 10/8,
 * 172.16/12, 192.168/16 and fc00::/7; link-local 169.254/16 and fe80::/10;
 * unspecified 0/8 and ::; CGNAT 100.64/10; multicast 224/4 and ff00::/8;
 * reserved 240/4 and broadcast; deprecated site-local fec0::/10; and those
 * IPv4 ranges in IPv4-mapped, IPv4-compatible and NAT64 64:ff9b::/96 form),
 * 0 when public, -1 when ip is not an IP literal. Host names, and shorthand
 * such as "127.1", are -1: check the address that was actually connected
 * to, after name resolution, not the name in the URL. */
int url_ip_is_private(const char *ip);

#endif

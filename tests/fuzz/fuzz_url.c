/* SPDX-License-Identifier: MIT */
/* Fuzz target: URL canonicalisation. Input is "BASE\nREF" (or REF alone);
 * a canonical URL must canonicalise to itself, and its host must be
 * readable. */
#include "../../crawler/url.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_str(data, size), *nl = strchr(in, '\n');
	const char *base = NULL, *ref = in;
	char *out = NULL, *again = NULL, *host = NULL;
	struct lw_error err;
	int port;

	if (nl) {
		*nl = '\0';
		base = in;
		ref = nl + 1;
	}
	if (url_canonicalize(base, ref, &out, &err) == 0) {
		if (strlen(out) > URL_MAX_LEN)
			abort();
		if (url_canonicalize(NULL, out, &again, &err) != 0 || strcmp(out, again) != 0) {
			fprintf(stderr, "not idempotent: '%s' -> '%s'\n", out, again ? again : err.msg);
			abort();
		}
		if (url_host(out, &host, &port, &err) == 0) {
			if (port <= 0 || port > 65535)
				abort();
			(void)url_ip_is_private(host);
			free(host);
		}
	}
	(void)url_ip_is_private(ref);
	free(again);
	free(out);
	free(in);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* libcurl opened on first use (util/lazy.h). Every HTTP transfer: the crawler, robots.txt and the remote archive reader. */
#include <stdarg.h>

/* Its type-checking macros would rewrite our own calls through the table. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "lazy.h"

#define FUNCS(X) \
	X(curl_easy_cleanup) \
	X(curl_easy_getinfo) \
	X(curl_easy_header) \
	X(curl_easy_init) \
	X(curl_easy_pause) \
	X(curl_easy_setopt) \
	X(curl_easy_strerror) \
	X(curl_free) \
	X(curl_getdate) \
	X(curl_multi_add_handle) \
	X(curl_multi_cleanup) \
	X(curl_multi_info_read) \
	X(curl_multi_init) \
	X(curl_multi_perform) \
	X(curl_multi_poll) \
	X(curl_multi_remove_handle) \
	X(curl_multi_setopt) \
	X(curl_multi_wakeup) \
	X(curl_slist_append) \
	X(curl_slist_free_all) \
	X(curl_url) \
	X(curl_url_cleanup) \
	X(curl_url_get) \
	X(curl_url_set) \
	X(curl_url_strerror)

/* curl_easy_setopt, curl_multi_setopt and curl_easy_getinfo are variadic
 * and have no va_list forms: their wrappers read the one argument with the
 * type the option's number says it has (curl.h's CURLOPTTYPE_ and CURLINFO_
 * ranges, which are curl's ABI) and pass it on as that type. */
typedef void (*any_function)(void);

LW_LAZY_LIBRARY(FUNCS, LW_CURL_SONAME, "fetching web pages", LW_CURL_PACKAGE, NULL)

void (curl_easy_cleanup)(CURL *curl)
{
	need();
	fn.curl_easy_cleanup(curl);
}

CURLcode (curl_easy_getinfo)(CURL *curl, CURLINFO info, ...)
{
	CURLcode rc;
	va_list ap;

	need();
	va_start(ap, info);
	switch (info & CURLINFO_TYPEMASK) {
	case CURLINFO_STRING:
		rc = fn.curl_easy_getinfo(curl, info, va_arg(ap, char **));
		break;
	case CURLINFO_LONG:
		rc = fn.curl_easy_getinfo(curl, info, va_arg(ap, long *));
		break;
	case CURLINFO_DOUBLE:
		rc = fn.curl_easy_getinfo(curl, info, va_arg(ap, double *));
		break;
	case CURLINFO_SOCKET:
		rc = fn.curl_easy_getinfo(curl, info, va_arg(ap, curl_socket_t *));
		break;
	case CURLINFO_OFF_T:
		rc = fn.curl_easy_getinfo(curl, info, va_arg(ap, curl_off_t *));
		break;
	default: /* CURLINFO_SLIST and CURLINFO_PTR: a pointer to a pointer */
		rc = fn.curl_easy_getinfo(curl, info, va_arg(ap, void *));
		break;
	}
	va_end(ap);
	return rc;
}

CURLHcode (curl_easy_header)(CURL *easy, const char *name, size_t index, unsigned int origin, int request, struct curl_header **hout)
{
	need();
	return fn.curl_easy_header(easy, name, index, origin, request, hout);
}

CURL *(curl_easy_init)(void)
{
	need();
	return fn.curl_easy_init();
}

CURLcode (curl_easy_pause)(CURL *handle, int bitmask)
{
	need();
	return fn.curl_easy_pause(handle, bitmask);
}

CURLcode (curl_easy_setopt)(CURL *curl, CURLoption option, ...)
{
	CURLcode rc;
	va_list ap;

	need();
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.curl_easy_setopt(curl, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		rc = fn.curl_easy_setopt(curl, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		rc = fn.curl_easy_setopt(curl, option, va_arg(ap, any_function));
	else if (option < CURLOPTTYPE_BLOB)
		rc = fn.curl_easy_setopt(curl, option, va_arg(ap, curl_off_t));
	else
		rc = fn.curl_easy_setopt(curl, option, va_arg(ap, struct curl_blob *));
	va_end(ap);
	return rc;
}

const char *(curl_easy_strerror)(CURLcode code)
{
	need();
	return fn.curl_easy_strerror(code);
}

void (curl_free)(void *p)
{
	need();
	fn.curl_free(p);
}

time_t (curl_getdate)(const char *p, const time_t *unused)
{
	need();
	return fn.curl_getdate(p, unused);
}

CURLMcode (curl_multi_add_handle)(CURLM *multi_handle, CURL *curl_handle)
{
	need();
	return fn.curl_multi_add_handle(multi_handle, curl_handle);
}

CURLMcode (curl_multi_cleanup)(CURLM *multi_handle)
{
	need();
	return fn.curl_multi_cleanup(multi_handle);
}

CURLMsg *(curl_multi_info_read)(CURLM *multi_handle, int *msgs_in_queue)
{
	need();
	return fn.curl_multi_info_read(multi_handle, msgs_in_queue);
}

CURLM *(curl_multi_init)(void)
{
	need();
	return fn.curl_multi_init();
}

CURLMcode (curl_multi_perform)(CURLM *multi_handle, int *running_handles)
{
	need();
	return fn.curl_multi_perform(multi_handle, running_handles);
}

CURLMcode (curl_multi_poll)(CURLM *multi_handle, struct curl_waitfd extra_fds[], unsigned int extra_nfds, int timeout_ms, int *ret)
{
	need();
	return fn.curl_multi_poll(multi_handle, extra_fds, extra_nfds, timeout_ms, ret);
}

CURLMcode (curl_multi_remove_handle)(CURLM *multi_handle, CURL *curl_handle)
{
	need();
	return fn.curl_multi_remove_handle(multi_handle, curl_handle);
}

CURLMcode (curl_multi_setopt)(CURLM *multi_handle, CURLMoption option, ...)
{
	CURLMcode rc;
	va_list ap;

	need();
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.curl_multi_setopt(multi_handle, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		rc = fn.curl_multi_setopt(multi_handle, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		rc = fn.curl_multi_setopt(multi_handle, option, va_arg(ap, any_function));
	else if (option < CURLOPTTYPE_BLOB)
		rc = fn.curl_multi_setopt(multi_handle, option, va_arg(ap, curl_off_t));
	else
		rc = fn.curl_multi_setopt(multi_handle, option, va_arg(ap, struct curl_blob *));
	va_end(ap);
	return rc;
}

CURLMcode (curl_multi_wakeup)(CURLM *multi_handle)
{
	need();
	return fn.curl_multi_wakeup(multi_handle);
}

struct curl_slist *(curl_slist_append)(struct curl_slist *list, const char *data)
{
	need();
	return fn.curl_slist_append(list, data);
}

void (curl_slist_free_all)(struct curl_slist *list)
{
	need();
	fn.curl_slist_free_all(list);
}

CURLU *(curl_url)(void)
{
	need();
	return fn.curl_url();
}

void (curl_url_cleanup)(CURLU *handle)
{
	need();
	fn.curl_url_cleanup(handle);
}

CURLUcode (curl_url_get)(CURLU *handle, CURLUPart what, char **part, unsigned int flags)
{
	need();
	return fn.curl_url_get(handle, what, part, flags);
}

CURLUcode (curl_url_set)(CURLU *handle, CURLUPart what, const char *part, unsigned int flags)
{
	need();
	return fn.curl_url_set(handle, what, part, flags);
}

const char *(curl_url_strerror)(CURLUcode code)
{
	need();
	return fn.curl_url_strerror(code);
}

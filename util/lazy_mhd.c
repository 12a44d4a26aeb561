/* SPDX-License-Identifier: MIT */
/* libmicrohttpd opened on first use (util/lazy.h). Only `lurewatch serve` runs an HTTP server. */
#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "lazy.h"

#define FUNCS(X) \
	X(MHD_add_response_header) \
	X(MHD_create_response_from_buffer) \
	X(MHD_destroy_response) \
	X(MHD_get_connection_info) \
	X(MHD_get_daemon_info) \
	X(MHD_is_feature_supported) \
	X(MHD_lookup_connection_value) \
	X(MHD_queue_response) \
	X(MHD_start_daemon_va) \
	X(MHD_stop_daemon)

/* The two info functions are variadic in their prototypes, but no
 * connection or daemon information type takes an argument after the type
 * (microhttpd.h: "..." is "currently unused"), so only the fixed ones go on.
 * MHD_start_daemon's options go on through MHD_start_daemon_va. */
LW_LAZY_LIBRARY(FUNCS, LW_MHD_SONAME, "the web interface", LW_MHD_PACKAGE, NULL)

enum MHD_Result (MHD_add_response_header)(struct MHD_Response *response, const char *header, const char *content)
{
	need();
	return fn.MHD_add_response_header(response, header, content);
}

struct MHD_Response *(MHD_create_response_from_buffer)(size_t size, void *buffer, enum MHD_ResponseMemoryMode mode)
{
	need();
	return fn.MHD_create_response_from_buffer(size, buffer, mode);
}

void (MHD_destroy_response)(struct MHD_Response *response)
{
	need();
	fn.MHD_destroy_response(response);
}

const union MHD_ConnectionInfo *(MHD_get_connection_info)(struct MHD_Connection *connection, enum MHD_ConnectionInfoType info_type, ...)
{
	need();
	return fn.MHD_get_connection_info(connection, info_type);
}

const union MHD_DaemonInfo *(MHD_get_daemon_info)(struct MHD_Daemon *daemon, enum MHD_DaemonInfoType info_type, ...)
{
	need();
	return fn.MHD_get_daemon_info(daemon, info_type);
}

enum MHD_Result (MHD_is_feature_supported)(enum MHD_FEATURE feature)
{
	need();
	return fn.MHD_is_feature_supported(feature);
}

const char *(MHD_lookup_connection_value)(struct MHD_Connection *connection, enum MHD_ValueKind kind, const char *key)
{
	need();
	return fn.MHD_lookup_connection_value(connection, kind, key);
}

enum MHD_Result (MHD_queue_response)(struct MHD_Connection *connection, unsigned int status_code, struct MHD_Response *response)
{
	need();
	return fn.MHD_queue_response(connection, status_code, response);
}

struct MHD_Daemon *(MHD_start_daemon)(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon *d;
	va_list ap;

	need();
	va_start(ap, dh_cls);
	d = fn.MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

void (MHD_stop_daemon)(struct MHD_Daemon *daemon)
{
	need();
	fn.MHD_stop_daemon(daemon);
}

/* SPDX-License-Identifier: MIT */
/* The analysts' web interface and JSON API (`lurewatch serve`): an HTTP(S)
 * server on libmicrohttpd over the same store the command line uses. Every
 * queue change goes through store/queue.c, so the web and the CLI obey one
 * set of rules. */
#ifndef LW_WEB_H
#define LW_WEB_H

#include <stddef.h>

#include "../config/config.h"
#include "../util/error.h"

struct web_server;

/* Starts serving on listen ("ADDR:PORT", NULL: [serve] listen, else
 * 127.0.0.1:8640) with cfg (borrowed: must outlive the server) and one
 * database connection per request thread opened with conninfo. Refuses a
 * non-loopback address without TLS unless [serve] behind_tls_proxy is set.
 * Returns a running server (web_server_free stops it) or NULL with err. */
struct web_server *web_server_new(const struct config *cfg, const char *conninfo,
				  const char *listen, struct lw_error *err);
/* The same server answering only /metrics and /healthz, for the daemon's
 * [daemon] metrics_listen; cfg is read only during the call (the daemon
 * replaces its configuration on reload). */
struct web_server *web_metrics_new(const struct config *cfg, const char *conninfo,
				   const char *listen, struct lw_error *err);
/* The URL the server answers on (owned by the server). */
const char *web_server_url(const struct web_server *ws);
/* Stops the server and closes its connections; NULL does nothing. */
void web_server_free(struct web_server *ws);

/* An Argon2id hash of password in PHC string form. Returns a new string
 * (caller frees) or NULL with err. */
char *web_password_hash(const char *password, struct lw_error *err);
/* 1 when password matches the PHC string hash, else 0. */
int web_password_verify(const char *hash, const char *password);
/* A random secret of n bytes as 2n hex digits into out (2n + 1 bytes).
 * Returns 0 or -1 with err. */
int web_random_hex(char *out, size_t n, struct lw_error *err);
/* The hex SHA-256 of s into out (65 bytes): how tokens are stored. */
void web_token_hash(const char *s, char out[65]);

#endif

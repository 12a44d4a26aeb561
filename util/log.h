/* SPDX-License-Identifier: MIT */
/* One line per event in logfmt (key=value) on stderr, or to syslog. */
#ifndef LW_LOG_H
#define LW_LOG_H

enum lw_log_level { LW_LOG_DEBUG, LW_LOG_INFO, LW_LOG_WARN, LW_LOG_ERROR };

/* Sets the lowest level written ("debug", "info", "warn", "error") and
 * whether lines go to syslog instead of stderr (-1: leave that as it is). */
void lw_log_setup(const char *level, int use_syslog);

/* Writes "ts=... level=... event=EVENT " followed by fmt, which holds more
 * key=value pairs; quote free text with lw_log_q. */
void lw_log(enum lw_log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* s as a logfmt value: quoted and escaped when it holds spaces, quotes or
 * control characters. Returns one of a few rotating static buffers, so it
 * is for a single lw_log call on one thread. */
const char *lw_log_q(const char *s);

#endif

/* SPDX-License-Identifier: MIT */
/* logfmt logging for the daemon. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static enum lw_log_level min_level = LW_LOG_INFO;
static int to_syslog;

void lw_log_setup(const char *level, int use_syslog)
{
	if (level && !strcmp(level, "debug"))
		min_level = LW_LOG_DEBUG;
	else if (level && !strcmp(level, "warn"))
		min_level = LW_LOG_WARN;
	else if (level && !strcmp(level, "error"))
		min_level = LW_LOG_ERROR;
	else
		min_level = LW_LOG_INFO;
	if (use_syslog < 0)
		return; /* keep where lines go */
	to_syslog = use_syslog;
	if (use_syslog)
		openlog("lurewatch", LOG_PID, LOG_DAEMON);
}

const char *lw_log_q(const char *s)
{
	static char bufs[4][1024];
	static int next;
	char *b = bufs[next++ % 4];
	size_t o = 0;
	int plain = s && *s;

	if (!s)
		return "\"\"";
	for (const char *p = s; *p && plain; p++)
		plain = (unsigned char)*p > ' ' && *p != '"' && *p != '=' && *p != '\\';
	if (plain && strlen(s) < sizeof(bufs[0]))
		return s;
	b[o++] = '"';
	for (const char *p = s; *p && o < sizeof(bufs[0]) - 3; p++) {
		if (*p == '"' || *p == '\\')
			b[o++] = '\\';
		b[o++] = (unsigned char)*p < ' ' ? ' ' : *p;
	}
	b[o++] = '"';
	b[o] = '\0';
	return b;
}

void lw_log(enum lw_log_level level, const char *event, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR };
	char line[2048], ts[40];
	struct timespec now;
	struct tm tm;
	size_t n;
	va_list ap;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = (size_t)snprintf(line, sizeof(line), "ts=%s.%03ldZ level=%s event=%s", ts,
			     now.tv_nsec / 1000000, names[level], event);
	if (fmt && *fmt && n < sizeof(line) - 1) {
		line[n++] = ' ';
		va_start(ap, fmt);
		vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		va_end(ap);
	}
	if (to_syslog)
		syslog(prio[level], "%s", line);
	else
		fprintf(stderr, "%s\n", line);
}

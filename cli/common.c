/* SPDX-License-Identifier: MIT */
/* Helpers shared by subcommands: finding and compiling the pack, reading
 * capped input, colour and JSON output. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../config/config.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/utf8.h"
#include "../util/xmalloc.h"
#include "cli.h"

#ifndef LW_DATADIR
#define LW_DATADIR "/usr/local/share/lurewatch"
#endif

const char *cli_default_pack(const char *path)
{
	struct stat st;
	const char *env;

	if (path)
		return path;
	env = getenv("LUREWATCH_RULES");
	if (env && env[0])
		return env;
	if (stat("rules", &st) == 0 && S_ISDIR(st.st_mode))
		return "rules";
	return LW_DATADIR "/rules";
}

struct matcher *cli_matcher_open(const char *path, char *const *adhoc, size_t nadhoc,
				 double threshold, struct lw_error *err)
{
	struct matcher_pack *pack;
	struct matcher_options opts = { NULL, threshold };

	pack = path ? matcher_pack_load(path, err) : matcher_pack_new();
	if (!pack)
		return NULL;
	for (size_t i = 0; i < nadhoc; i++) {
		char id[32];

		snprintf(id, sizeof(id), "e%zu", i + 1);
		if (matcher_pack_add_adhoc(pack, id, adhoc[i], err) < 0) {
			matcher_pack_free(pack);
			return NULL;
		}
	}
	return matcher_compile(pack, &opts, err);
}

char *cli_read_input(const char *path, size_t max, size_t *len, struct lw_error *err)
{
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	struct lw_buf b;
	char chunk[65536];
	size_t n;
	char *out = NULL;

	if (!f) {
		lw_error_set(err, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	lw_buf_init(&b, max);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (lw_buf_add(&b, chunk, n) < 0) {
			lw_error_set(err, "'%s' is larger than the %zu-byte limit", path, max);
			goto out;
		}
	}
	if (ferror(f)) {
		lw_error_set(err, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	out = lw_buf_detach(&b, len);
out:
	lw_buf_release(&b);
	if (!is_stdin)
		fclose(f);
	return out;
}

int cli_use_colour(FILE *f, const char *mode)
{
	const char *term = getenv("TERM");

	if (mode && strcmp(mode, "always") == 0)
		return 1;
	if (mode && strcmp(mode, "never") == 0)
		return 0;
	if (getenv("NO_COLOR") || (term && strcmp(term, "dumb") == 0))
		return 0;
	return isatty(fileno(f));
}

json_t *cli_json_text(const char *p, size_t n)
{
	size_t len;
	char *fixed = lw_utf8_repair(p, n, &len, NULL);
	json_t *s = json_stringn(fixed, len);

	free(fixed);
	return s;
}

void cli_json_print(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);

	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
}

int cli_parse_double(const char *opt, const char *s, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || d < 0) {
		fprintf(stderr, "lurewatch: bad value '%s' for %s: expected a non-negative number\n", s,
			opt);
		return -1;
	}
	*out = d;
	return 0;
}

/* ---- configuration and database ---------------------------------------------- */

const char *cli_config_path;

struct config *cli_config_load(void)
{
	struct lw_error err;
	struct config *cfg = config_load(cli_config_path, &err);

	if (!cfg)
		fprintf(stderr, "%s\n", err.msg);
	return cfg;
}

struct store *cli_store_open(const struct config *cfg)
{
	struct lw_error err;
	char *ci = store_conninfo(cfg, 1, stderr, &err);
	struct store *st;

	if (!ci) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		return NULL;
	}
	st = store_open(ci, 1, &err);
	free(ci);
	if (!st)
		fprintf(stderr, "lurewatch: %s\n", err.msg);
	return st;
}

const char *cli_analyst(const char *opt)
{
	const char *v = getenv("LUREWATCH_ANALYST");
	struct passwd *pw;

	if (opt && opt[0])
		return opt;
	if (v && v[0])
		return v;
	pw = getpwuid(geteuid());
	if (pw && pw->pw_name[0])
		return pw->pw_name;
	v = getenv("USER");
	return v && v[0] ? v : "unknown";
}

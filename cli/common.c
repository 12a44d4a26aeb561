/* SPDX-License-Identifier: MIT */
/* Helpers shared by subcommands: finding and compiling the pack, reading
 * capped input, colour and JSON output. */
#include <errno.h>
#include <limits.h>
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

/* Where the default lookup looked, for the error when nothing was there. */
static char looked[3 * PATH_MAX + 64];

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The folder holding the running binary, or "" (Linux /proc). */
static void exe_dir(char *out, size_t n)
{
	ssize_t k = readlink("/proc/self/exe", out, n - 1);
	char *slash;

	if (k <= 0 || (size_t)k >= n - 1) {
		out[0] = '\0';
		return;
	}
	out[k] = '\0';
	slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
	else
		out[0] = '\0';
}

/* Like git's RUNTIME_PREFIX: an uninstalled binary finds the rules of its
 * checkout beside itself, an installed one under ../share/lurewatch, so
 * neither depends on the folder it is run from. */
const char *cli_default_pack(const char *path)
{
	static char beside[PATH_MAX + 32], shared[PATH_MAX + 64];
	char dir[PATH_MAX];
	const char *env;

	if (path)
		return path;
	env = getenv("LUREWATCH_RULES");
	if (env && env[0])
		return env;
	if (is_dir("rules"))
		return "rules";
	exe_dir(dir, sizeof(dir));
	beside[0] = shared[0] = '\0';
	if (dir[0]) {
		snprintf(beside, sizeof(beside), "%s/rules", dir);
		snprintf(shared, sizeof(shared), "%s/../share/lurewatch/rules", dir);
		if (is_dir(beside))
			return beside;
		if (is_dir(shared))
			return shared;
	}
	snprintf(looked, sizeof(looked), "./rules%s%s%s%s, " LW_DATADIR "/rules",
		 beside[0] ? ", " : "", beside, shared[0] ? ", " : "", shared);
	return LW_DATADIR "/rules";
}

struct matcher *cli_matcher_open(const char *path, char *const *adhoc, size_t nadhoc,
				 double threshold, struct lw_error *err)
{
	struct matcher_pack *pack;
	struct matcher_options opts = { NULL, threshold };

	pack = path ? matcher_pack_load_cached(path, &opts, err) : matcher_pack_new();
	if (!pack && looked[0] && !strcmp(path, LW_DATADIR "/rules")) {
		lw_error_set(err, "no rule pack found (looked in %s); point to one with --rules DIR, "
			     "LUREWATCH_RULES=DIR or 'rules = DIR' in the [matcher] section", looked);
		return NULL;
	}
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
	/* A compile takes seconds with nothing on the screen: say why. */
	if (!nadhoc && isatty(2) && !matcher_cache_has(pack, &opts))
		fprintf(stderr, "compiling rule pack (first run)...\n");
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
	struct store_timeouts t = { cfg->db_statement_timeout, cfg->db_long_statement_timeout,
				    cfg->db_connect_timeout };
	struct store *st;

	if (!ci) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		return NULL;
	}
	st = store_open_timed(ci, 1, &t, &err);
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

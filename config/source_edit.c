/* SPDX-License-Identifier: MIT */
/* Adding and changing sources from a program (the web's admin pages and
 * `lurewatch source`): a source of the sources folder kept in its own
 * NAME.conf is rewritten whole, the whole configuration is loaded with it
 * exactly as at start, and the folder is put back as it was if that fails. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "config.h"

#define FILE_MAX (256 * 1024)

/* What a program may set, in the order written. allow_private is not
 * among them: letting a crawler reach the private network stays a
 * decision made in the files, by whoever runs the machine. */
static const char *const editable[] = {
	"kind", "start", "links", "next", "title", "body", "location", "posted", "contact",
	"interval", "max_pages", "max_depth", "allow_hosts", "rate", "connections", "enabled",
};
#define NEDITABLE (sizeof(editable) / sizeof(editable[0]))

static int is_editable(const char *key)
{
	for (size_t i = 0; i < NEDITABLE; i++)
		if (strcmp(editable[i], key) == 0)
			return 1;
	return 0;
}

int config_source_key_editable(const char *key)
{
	return key && is_editable(key);
}

static int valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
				  (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

/* A value goes on one line of an INI file: a line break would start a
 * section of its author's choosing, and " ;" would cut it short. */
static int check_value(const char *key, const char *v, struct lw_error *err)
{
	if (strlen(v) > 4096)
		return lw_error_set(err, "setting '%s' is longer than 4096 bytes", key);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return lw_error_set(err, "setting '%s' holds a control character or line "
					    "break", key);
	if (strstr(v, " ;") || strstr(v, " #"))
		return lw_error_set(err, "setting '%s': ' ;' or ' #' would start a comment in the "
				    "configuration file", key);
	return 0;
}

static char *source_path(const struct config *c, const char *name)
{
	struct lw_buf p;

	lw_buf_init(&p, PATH_MAX);
	lw_buf_printf(&p, "%s/%s.conf", c->sources_dir, name);
	return lw_buf_detach(&p, NULL);
}

/* The file's text, or NULL when it does not exist (or cannot be read). */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct lw_buf b;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	lw_buf_init(&b, FILE_MAX);
	lw_buf_adds(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (lw_buf_add(&b, chunk, n) < 0)
			break;
	fclose(f);
	return lw_buf_detach(&b, NULL);
}

/* Writes text to path through a temporary file and a rename, so a reader
 * (the daemon reloading) sees the old file or the new one, never half.
 * The temporary file is made by mkstemp in the same folder: two admins
 * saving the same source at once each write their own file (a shared name
 * let one rename the other's half-written text into place), and the last
 * rename wins whole. */
static int write_text(const char *path, const char *text, struct lw_error *err)
{
	struct lw_buf tmp;
	struct stat st;
	FILE *f = NULL;
	int fd = -1, rc = -1;

	lw_buf_init(&tmp, PATH_MAX + 16);
	/* A leading dot: the loader skips it while it exists. */
	{
		const char *slash = strrchr(path, '/');

		lw_buf_printf(&tmp, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	}
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		lw_error_set(err, "cannot write '%s': %s", tmp.data, strerror(errno));
		goto out;
	}
	/* mkstemp makes it 0600: keep the mode of the file replaced, or the
	 * folder's usual 0644 for a new one (umask cannot be read without
	 * setting it, which would race with the server's other threads). */
	if (fchmod(fd, stat(path, &st) == 0 ? st.st_mode & 0777 : 0644) != 0 ||
	    !(f = fdopen(fd, "wb"))) {
		lw_error_set(err, "cannot write '%s': %s", tmp.data, strerror(errno));
		close(fd);
		unlink(tmp.data);
		goto out;
	}
	if (fputs(text, f) == EOF || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		lw_error_set(err, "cannot write '%s': %s", tmp.data, strerror(errno));
		fclose(f);
		unlink(tmp.data);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp.data, path) != 0) {
		lw_error_set(err, "cannot put '%s' in place: %s", path, strerror(errno));
		unlink(tmp.data);
		goto out;
	}
	rc = 0;
out:
	lw_buf_release(&tmp);
	return rc;
}

/* Whether source name may be (re)written as its own file: the folder is
 * configured, and the source, if it exists, lives alone in NAME.conf.
 * *cur is a fresh load of the configuration (caller frees). */
static int may_write(const struct config *c, const char *name, int create, const char *path,
		     struct config **cur, struct lw_error *err)
{
	const struct config_source *s;

	*cur = NULL;
	if (!valid_name(name))
		return lw_error_set(err, "bad source name '%s': letters, digits, '-', '_' and '.'",
				    name ? name : "");
	if (!c->sources_dir || !c->path)
		return lw_error_set(err, "sources are kept in the configuration file only: set "
				    "[lurewatch] sources = DIR to manage them from here");
	*cur = config_load(c->path, err);
	if (!*cur)
		return -1;
	s = config_source_find(*cur, name);
	if (create && s)
		return lw_error_set(err, "source '%s' already exists (%s:%d)", name, s->file,
				    s->line);
	if (!create && !s)
		return lw_error_set(err, "no source '%s'", name);
	if (s && strcmp(s->file, path) != 0)
		return lw_error_set(err, "source '%s' is defined in %s:%d, not in its own file of "
				    "the sources folder: change it there", name, s->file, s->line);
	for (size_t i = 0; i < (*cur)->nsources; i++)
		if (strcmp((*cur)->sources[i].file, path) == 0 &&
		    strcmp((*cur)->sources[i].name, name) != 0)
			return lw_error_set(err, "%s also holds source '%s': change it by hand", path,
					    (*cur)->sources[i].name);
	return 0;
}

/* Puts text in place as path, loads the configuration with it, and puts
 * back what was there when that fails. */
static int replace_checked(const struct config *c, const char *name, const char *path,
			   const char *text, struct lw_error *err)
{
	char *old = read_text(path);
	struct config *check = NULL;
	struct lw_error lerr;
	int rc = -1;

	if (write_text(path, text, err) < 0)
		goto out;
	check = config_load(c->path, &lerr);
	if (check && config_source_find(check, name)) {
		rc = 0;
		goto out;
	}
	if (check)
		lw_error_set(err, "%s: no [source %s] section was read back", path, name);
	else
		lw_error_set(err, "%s", lerr.msg);
	if (old ? write_text(path, old, &lerr) < 0 : unlink(path) < 0)
		fprintf(stderr, "lurewatch: cannot put '%s' back as it was\n", path);
out:
	config_free(check);
	free(old);
	return rc;
}

int config_source_write(const struct config *c, const char *name, int create,
			char *const *keys, char *const *values, size_t n, struct lw_error *err)
{
	struct config *cur = NULL;
	char *path = NULL;
	struct lw_buf text;
	int rc = -1;

	lw_buf_init(&text, FILE_MAX);
	if (c->sources_dir && valid_name(name))
		path = source_path(c, name);
	if (may_write(c, name, create, path ? path : "", &cur, err) < 0)
		goto out;
	lw_buf_printf(&text, "# Written by lurewatch (the web's admin pages or `lurewatch source`)."
		      "\n[source %s]\n", name);
	for (size_t k = 0; k < NEDITABLE; k++) {
		for (size_t i = 0; i < n; i++) {
			if (!is_editable(keys[i])) {
				lw_error_set(err, "'%s' is not a setting that can be changed here",
					     keys[i]);
				goto out;
			}
			if (strcmp(keys[i], editable[k]) != 0 || !values[i][0])
				continue;
			if (check_value(keys[i], values[i], err) < 0)
				goto out;
			lw_buf_printf(&text, "%s = %s\n", keys[i], values[i]);
		}
	}
	rc = replace_checked(c, name, path, text.data, err);
out:
	lw_buf_release(&text);
	config_free(cur);
	free(path);
	return rc;
}

int config_source_set_enabled(const struct config *c, const char *name, int enabled,
			      struct lw_error *err)
{
	struct config *cur = NULL;
	char *path = NULL, *old = NULL;
	struct lw_buf text;
	int rc = -1;

	lw_buf_init(&text, FILE_MAX);
	if (c->sources_dir && valid_name(name))
		path = source_path(c, name);
	if (may_write(c, name, 0, path ? path : "", &cur, err) < 0)
		goto out;
	old = read_text(path);
	if (!old) {
		lw_error_set(err, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	/* Every line but an earlier enabled = ..., then the new one: whatever
	 * else the file says (comments included) stays. */
	for (char *line = old, *nl; *line; line = nl) {
		const char *p = line;

		nl = strchr(line, '\n');
		nl = nl ? nl + 1 : line + strlen(line);
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "enabled", 7) == 0 && strspn(p + 7, " \t") + p + 7 < nl &&
		    p[7 + strspn(p + 7, " \t")] == '=')
			continue;
		lw_buf_add(&text, line, (size_t)(nl - line));
	}
	if (text.len && text.data[text.len - 1] != '\n')
		lw_buf_addc(&text, '\n');
	lw_buf_printf(&text, "enabled = %s\n", enabled ? "yes" : "no");
	rc = replace_checked(c, name, path, text.data, err);
out:
	lw_buf_release(&text);
	config_free(cur);
	free(old);
	free(path);
	return rc;
}

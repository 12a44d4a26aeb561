/* SPDX-License-Identifier: MIT */
/* `lurewatch source`: list the configured sources; add, edit, enable and
 * disable those of the sources folder, through config/source_edit.c as the
 * web's admin pages do, each change audited. */
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../store/store.h"
#include "../util/xmalloc.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: lurewatch source list [--json]\n"
		   "       lurewatch source add|edit NAME KEY=VALUE...\n"
		   "       lurewatch source enable|disable NAME\n\n"
		   "add and edit write the whole source (start and allow_hosts may repeat) as\n"
		   "NAME.conf of the [lurewatch] sources folder, and keep it only when the whole\n"
		   "configuration then loads; sources defined elsewhere are changed by hand.\n"
		   "Keys: kind start links next title body location posted contact interval\n"
		   "max_pages max_depth allow_hosts rate connections enabled.\n");
}

static int list(const struct config *c, int json)
{
	for (size_t i = 0; i < c->nsources; i++) {
		const struct config_source *s = &c->sources[i];

		if (json) {
			json_t *o = json_pack("{s:s,s:s?,s:b,s:i,s:s,s:i}", "name", s->name, "kind",
					      s->kind, "enabled", s->enabled, "interval", s->interval,
					      "file", s->file, "line", s->line);
			char *t = json_dumps(o, JSON_COMPACT);

			printf("%s\n", t);
			free(t);
			json_decref(o);
		} else {
			printf("%-24s %-8s %-8s every %ds  %s:%d\n", s->name, s->kind ? s->kind : "-",
			       s->enabled ? "enabled" : "disabled", s->interval, s->file, s->line);
		}
	}
	return CLI_OK;
}

/* Audited like the web's changes, as the operator "cli:NAME". */
static void audit(const struct config *c, const char *action, const char *name)
{
	struct store *st = cli_store_open(c);
	struct lw_error err;
	char actor[96];
	json_t *d = json_pack("{s:s}", "source", name);
	char *s = json_dumps(d, JSON_COMPACT);

	snprintf(actor, sizeof(actor), "cli:%s", cli_analyst(NULL));
	if (!st || store_audit_add(st, actor, action, s, &err) < 0)
		fprintf(stderr, "lurewatch: source '%s' changed, but the audit log was not written%s%s\n",
			name, st ? ": " : "", st ? err.msg : "");
	store_close(st);
	free(s);
	json_decref(d);
}

static int write_source(const struct config *c, const char *sub, const char *name, int argc,
			char **argv)
{
	char **keys = xcalloc((size_t)argc + 1, sizeof(char *));
	char **values = xcalloc((size_t)argc + 1, sizeof(char *));
	struct lw_error err;
	int rc = CLI_ERROR, n = 0;

	for (int i = 0; i < argc; i++, n++) {
		const char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i]) {
			fprintf(stderr, "lurewatch: bad setting '%s': expected KEY=VALUE\n", argv[i]);
			goto out;
		}
		keys[n] = xstrndup(argv[i], (size_t)(eq - argv[i]));
		values[n] = xstrdup(eq + 1);
	}
	if (config_source_write(c, name, !strcmp(sub, "add"), keys, values, (size_t)n, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	audit(c, !strcmp(sub, "add") ? "source_added" : "source_changed", name);
	rc = CLI_OK;
out:
	for (int i = 0; i < n; i++) {
		free(keys[i]);
		free(values[i]);
	}
	free(keys);
	free(values);
	return rc;
}

int cmd_source(int argc, char **argv)
{
	struct config *c = NULL;
	const char *sub = argc > 1 ? argv[1] : NULL;
	struct lw_error err;
	int rc = CLI_ERROR;

	if (!sub || !strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		usage(sub ? stdout : stderr);
		return sub ? CLI_OK : CLI_ERROR;
	}
	c = cli_config_load();
	if (!c)
		return CLI_ERROR;
	if (!strcmp(sub, "list")) {
		rc = list(c, argc > 2 && !strcmp(argv[2], "--json"));
	} else if ((!strcmp(sub, "add") || !strcmp(sub, "edit")) && argc >= 3) {
		rc = write_source(c, sub, argv[2], argc - 3, argv + 3);
	} else if ((!strcmp(sub, "enable") || !strcmp(sub, "disable")) && argc == 3) {
		if (config_source_set_enabled(c, argv[2], !strcmp(sub, "enable"), &err) < 0) {
			fprintf(stderr, "lurewatch: %s\n", err.msg);
		} else {
			audit(c, !strcmp(sub, "enable") ? "source_enabled" : "source_disabled", argv[2]);
			rc = CLI_OK;
		}
	} else {
		usage(stderr);
	}
	config_free(c);
	return rc;
}

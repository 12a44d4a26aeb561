/* SPDX-License-Identifier: MIT */
/* `lurewatch user`: accounts of the web interface: add, passwd, disable,
 * enable, list, and API tokens. New accounts and resets get a one-time
 * password, changed at first sign-in. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../config/config.h"
#include "../store/store.h"
#include "../web/web.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: lurewatch user add NAME [--role analyst|supervisor|admin]\n"
		   "       lurewatch user passwd NAME [--password-stdin]\n"
		   "       lurewatch user disable|enable NAME\n"
		   "       lurewatch user list [--json]\n"
		   "       lurewatch user token NAME [--label TEXT]\n\n"
		   "add and passwd print a one-time password that must be changed at first\n"
		   "sign-in; with --password-stdin the password is read from standard input\n"
		   "and kept. token prints a new API bearer token once (only its hash is\n"
		   "stored).\n");
}

/* The operator, for the audit log. */
static const char *actor(void)
{
	static char buf[96];

	snprintf(buf, sizeof(buf), "cli:%s", cli_analyst(NULL));
	return buf;
}

/* A password from standard input (one line), or a random one-time one. */
static int new_password(int from_stdin, char *out, size_t n, int *one_time)
{
	struct lw_error err;

	*one_time = !from_stdin;
	if (from_stdin) {
		size_t len;

		if (!fgets(out, (int)n, stdin)) {
			fprintf(stderr, "lurewatch: no password on standard input\n");
			return -1;
		}
		len = strcspn(out, "\r\n");
		out[len] = '\0';
		if (len < 10) {
			fprintf(stderr, "lurewatch: a password needs at least 10 characters\n");
			return -1;
		}
		return 0;
	}
	if (web_random_hex(out, 12, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int set_password(struct store *st, const char *name, int add, const char *role,
			int from_stdin)
{
	char pw[256];
	char *hash = NULL;
	struct lw_error err;
	int one_time, rc = CLI_ERROR;

	if (new_password(from_stdin, pw, sizeof(pw), &one_time) < 0)
		return CLI_ERROR;
	hash = web_password_hash(pw, &err);
	if (!hash)
		goto fail;
	if (add ? store_account_add(st, name, role, hash, one_time, actor(), &err) :
	    store_account_set_password(st, name, hash, one_time, actor(), &err))
		goto fail;
	if (one_time)
		printf("%s %s: one-time password %s (to be changed at first sign-in)\n",
		       add ? "added" : "reset", name, pw);
	else
		printf("%s %s\n", add ? "added" : "changed password of", name);
	rc = CLI_OK;
	goto out;
fail:
	fprintf(stderr, "lurewatch: %s\n", err.msg);
out:
	memset(pw, 0, sizeof(pw));
	free(hash);
	return rc;
}

static int list(struct store *st, int json)
{
	struct lw_error err;
	json_t *a = NULL, *x;
	size_t i;

	if (store_account_list(st, &a, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		return CLI_ERROR;
	}
	if (json) {
		cli_json_print(a);
	} else {
		printf("%-24s %-11s %-9s %s\n", "NAME", "ROLE", "STATE", "CREATED");
		json_array_foreach(a, i, x)
			printf("%-24s %-11s %-9s %.16s\n",
			       json_string_value(json_object_get(x, "name")),
			       json_string_value(json_object_get(x, "role")),
			       json_is_true(json_object_get(x, "disabled")) ? "disabled" : "enabled",
			       json_string_value(json_object_get(x, "created_at")));
	}
	json_decref(a);
	return CLI_OK;
}

static int token(struct store *st, const char *name, const char *label)
{
	char tok[65], hash[65];
	struct lw_error err;

	if (web_random_hex(tok, 32, &err) < 0)
		goto fail;
	web_token_hash(tok, hash);
	if (store_token_add(st, name, hash, label, &err) < 0)
		goto fail;
	printf("%s\n", tok);
	return CLI_OK;
fail:
	fprintf(stderr, "lurewatch: %s\n", err.msg);
	return CLI_ERROR;
}

int cmd_user(int argc, char **argv)
{
	const char *sub, *name = NULL, *role = "analyst", *label = NULL;
	int json = 0, from_stdin = 0, rc = CLI_ERROR;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct lw_error err;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_ERROR : CLI_OK;
	}
	sub = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--role") && i + 1 < argc)
			role = argv[++i];
		else if (!strcmp(argv[i], "--label") && i + 1 < argc)
			label = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--password-stdin"))
			from_stdin = 1;
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else {
			usage(stderr);
			return CLI_ERROR;
		}
	}
	if (strcmp(sub, "list") && !name) {
		fprintf(stderr, "lurewatch: user %s needs an account name\n", sub);
		return CLI_ERROR;
	}
	if (strcmp(role, "analyst") && strcmp(role, "supervisor") && strcmp(role, "admin")) {
		fprintf(stderr, "lurewatch: bad role '%s': expected analyst, supervisor or admin\n",
			role);
		return CLI_ERROR;
	}
	cfg = cli_config_load();
	if (!cfg || !(st = cli_store_open(cfg)))
		goto out;
	if (!strcmp(sub, "add")) {
		rc = set_password(st, name, 1, role, from_stdin);
	} else if (!strcmp(sub, "passwd")) {
		rc = set_password(st, name, 0, role, from_stdin);
	} else if (!strcmp(sub, "disable") || !strcmp(sub, "enable")) {
		if (store_account_set_disabled(st, name, !strcmp(sub, "disable"), actor(), &err) < 0)
			fprintf(stderr, "lurewatch: %s\n", err.msg);
		else
			rc = CLI_OK, printf("%sd %s\n", sub, name);
	} else if (!strcmp(sub, "list")) {
		rc = list(st, json);
	} else if (!strcmp(sub, "token")) {
		rc = token(st, name, label);
	} else {
		fprintf(stderr, "lurewatch: 'user %s' is not a command\n", sub);
		usage(stderr);
	}
out:
	store_close(st);
	config_free(cfg);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/* Shared pieces of the command-line tool: subcommand signature, pack
 * loading, input reading and output helpers. */
#ifndef LW_CLI_H
#define LW_CLI_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "../matcher/matcher.h"
#include "../util/error.h"

/* Exit codes shared by every subcommand (grep's convention for match). */
#define CLI_OK 0
#define CLI_NONE 1
#define CLI_ERROR 2

/* Whether a short command frees its matcher before it returns to exit. Under
 * a sanitizer yes, so the leak check stays meaningful; otherwise exit hands
 * the memory back at once, and freeing ~4 MB of tables first only faulted
 * in pages (arrays of pointers calloc'd and never written) to read them. */
#if defined(__SANITIZE_ADDRESS__)
#define CLI_FREE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define CLI_FREE_AT_EXIT 1
#endif
#endif
#ifndef CLI_FREE_AT_EXIT
#define CLI_FREE_AT_EXIT 0
#endif

int cmd_match(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_rules_fit(int argc, char **argv);  /* `rules fit`, from cmd_rules */
int cmd_db(int argc, char **argv);
int cmd_crawl(int argc, char **argv);
int cmd_rescan(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_network(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_archive(int argc, char **argv);
int cmd_queue(int argc, char **argv);
int cmd_robots(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_source(int argc, char **argv);
int cmd_search(int argc, char **argv);

struct config;
struct store;

/* The configuration file named by the global --config option, or NULL. */
extern const char *cli_config_path;

/* Loads the configuration (printing errors); NULL on failure. */
struct config *cli_config_load(void);

/* Connects to the configured database, starting the embedded one when
 * needed and applying migrations. Prints errors; NULL on failure. */
struct store *cli_store_open(const struct config *cfg);

/* The analyst's name: opt, else $LUREWATCH_ANALYST, else the login name. */
const char *cli_analyst(const char *opt);

/* The pack to use: path if given, else $LUREWATCH_RULES, else ./rules when it
 * exists, else the installed rules folder. Returns a static or given string. */
const char *cli_default_pack(const char *path);

/* Loads and compiles a pack (path may be NULL for "no pack", then at least one
 * ad-hoc pattern is needed). threshold < 0 keeps the pack's. Returns a
 * matcher or NULL with err set. */
struct matcher *cli_matcher_open(const char *path, char *const *adhoc, size_t nadhoc,
				 double threshold, struct lw_error *err);

/* Reads a whole file ("-" is standard input), at most max bytes. Returns a
 * new buffer (caller frees) or NULL with err set. */
char *cli_read_input(const char *path, size_t max, size_t *len, struct lw_error *err);

/* 1 when colour should be used on stream f for mode "auto|always|never". */
int cli_use_colour(FILE *f, const char *mode);

/* A JSON string of n bytes, with invalid UTF-8 replaced by U+FFFD. */
json_t *cli_json_text(const char *p, size_t n);

/* Prints a JSON value on one line followed by a newline. */
void cli_json_print(json_t *v);

/* Parses a non-negative number option; returns 0 or -1 with a message. */
int cli_parse_double(const char *opt, const char *s, double *out);

#endif

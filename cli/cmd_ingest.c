/* SPDX-License-Identifier: MIT */
/* `lurewatch ingest`: JSON Lines of listings, Telegram channel exports, or
 * plain text/HTML files and folders of them, scored and stored; flagged ones
 * queued. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../config/config.h"
#include "../matcher/text.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "cli.h"
#include "ingest_jsonl.h"
#include "ingest_telegram.h"
#include "../util/clock.h"

struct ingest_run {
	struct engine_ingest *in;
	size_t bad;             /* inputs or lines rejected */
	int fatal;              /* a batch failed: stop */
	int broken;             /* an input was refused or unreadable whole */
	enum { FORMAT_AUTO, FORMAT_JSONL, FORMAT_TELEGRAM } format;
	struct telegram_options tg;
	int progress;           /* a line on the terminal, refreshed */
	double t0, last;
	const char *input;      /* being read, for the progress line */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch ingest [--source NAME] [-r PACK] [--threshold N] [--batch N]\n"
		"                        [-j N] [--json] [--format auto|jsonl|telegram]\n"
		"                        [--telegram-channel NAME] [--retry SECONDS] [-q]\n"
		"                        [FILE|DIR|-]...\n\n"
		"Scores listings with the rule pack and stores them; flagged ones join the\n"
		"review queue. Re-ingesting the same listing stores it once; a changed one\n"
		"becomes a new version; a dismissed one returns only with new categories.\n\n"
		"Inputs (default: standard input):\n"
		"  *.jsonl, *.ndjson, *.json, or '-' starting with '{': JSON Lines, one listing\n"
		"      per line: {\"url\", \"title\", \"body\" or \"html\", \"location\", \"posted\",\n"
		"      \"source\"}; url and a title or body are required\n"
		"  *.json holding a Telegram Desktop export of a channel (result.json): one\n"
		"      listing per message with text, url https://t.me/NAME/ID with\n"
		"      --telegram-channel NAME, else https://t.me/c/CHANNEL_ID/ID; source the\n"
		"      channel's name; service and empty messages are skipped\n"
		"  other files: one listing each; the first line is the title, the rest the\n"
		"      body (*.html, *.htm: HTML); the url is file://PATH\n"
		"  folders: their *.txt, *.html, *.htm, *.jsonl, *.ndjson and *.json files\n\n"
		"  --source NAME    source for listings that name none (default: files, or stdin)\n"
		"  -r, --rules PACK rule pack (default: matcher.rules, $LUREWATCH_RULES, ./rules)\n"
		"  --threshold N    flagging threshold (default: the configuration's or pack's)\n"
		"  --batch N        listings per transaction (default 2000)\n"
		"  --format F       read every input as F: jsonl or telegram (default: auto)\n"
		"  --telegram-channel NAME  the exported channel's username (or t.me link)\n"
		"  -j, --jobs N     analysing threads (default: one per core)\n"
		"  -q, --quiet      no progress line on the terminal\n"
		"  --retry SECONDS  when the database goes away, wait this long for it to come\n"
		"                   back, retrying the batch with backoff (default 30; 0: fail)\n"
		"  --json           print the summary as JSON\n\n"
		"Exit status: 0 all stored, 1 some inputs rejected (the rest stored), 2 error\n"
		"(a file or folder named here that cannot be read is an error too;\n"
		"nothing after the failed batch was stored; re-running completes the work;\n"
		"a malformed Telegram export is not stored at all, the other inputs are).\n");
}

/* Large inputs run for minutes: say how far it got, on a terminal only. */
static void show_progress(struct ingest_run *run, int final)
{
	const struct store_ingest_stats *s;
	double t;

	if (!run->progress || (!final && lw_now() - run->last < 0.3))
		return;
	run->last = lw_now();
	s = engine_ingest_stats(run->in);
	t = run->last - run->t0;
	fprintf(stderr, "\r\033[Kingest: %zu listings (%.0f/s), %zu flagged%s%.60s%s", s->seen,
		t > 0 ? (double)s->seen / t : 0, s->flagged, run->input ? "  " : "",
		run->input ? run->input : "", final ? "\n" : "");
}

static void add_listing(struct ingest_run *run, const struct store_listing *l)
{
	struct lw_error err;

	show_progress(run, 0);

	if (engine_ingest_add(run->in, l, &err) == 0)
		return;
	fprintf(stderr, "lurewatch: %s: %s\n", l->origin, err.msg);
	if (engine_ingest_failed(run->in))
		run->fatal = 1;
	else
		run->bad++;
}

/* A listing the store or the analyser turned down after it was queued. */
static void on_reject(const struct store_listing *l, const char *msg, void *ctx)
{
	struct ingest_run *run = ctx;

	fprintf(stderr, "lurewatch: %s: %s\n", l->origin, msg);
	run->bad++;
}

static int jsonl_listing(const struct store_listing *l, void *ctx)
{
	struct ingest_run *run = ctx;

	add_listing(run, l);
	return run->fatal;
}

static void jsonl_reject(const char *where, const char *msg, void *ctx)
{
	struct ingest_run *run = ctx;

	fprintf(stderr, "lurewatch: %s: %s\n", where, msg);
	run->bad++;
}

static void ingest_jsonl(struct ingest_run *run, FILE *f, const char *name)
{
	struct lw_error err;

	if (jsonl_read(f, name, jsonl_listing, jsonl_reject, run, &err) < 0) {
		fprintf(stderr, "lurewatch: %s: %s\n", name, err.msg);
		run->bad++;
	}
}

static void ingest_document(struct ingest_run *run, const char *path, const char *data, size_t len,
			    int html)
{
	char abs[PATH_MAX];
	struct lw_buf url;
	struct store_listing l;
	const char *nl = html ? NULL : memchr(data, '\n', len);
	char *title = NULL, *body;

	if (memchr(data, '\0', len)) {
		fprintf(stderr, "lurewatch: %s: NUL byte in a text file, skipped\n", path);
		run->bad++;
		return;
	}
	lw_buf_init(&url, PATH_MAX + 16);
	if (strcmp(path, "-") == 0)
		lw_buf_adds(&url, "stdin:");
	else
		lw_buf_printf(&url, "file://%s", realpath(path, abs) ? abs : path);
	memset(&l, 0, sizeof(l));
	if (!html) {
		title = xstrndup(data, nl ? (size_t)(nl - data) : len);
		body = nl ? xstrndup(nl + 1, len - (size_t)(nl + 1 - data)) : xstrdup("");
	} else {
		body = xstrndup(data, len);
	}
	l.url = url.data;
	l.title = title;
	l.body = body;
	l.is_html = html;
	l.origin = path;
	add_listing(run, &l);
	free(title);
	free(body);
	lw_buf_release(&url);
}

static void tg_listing(const struct store_listing *l, void *ctx)
{
	add_listing(ctx, l);
}

static void tg_reject(const char *where, const char *msg, void *ctx)
{
	struct ingest_run *run = ctx;

	fprintf(stderr, "lurewatch: %s: %s\n", where, msg);
	run->bad++;
}

/* A malformed export is an error (exit 2) but not the session's: it is
 * checked whole before any of it is stored, so nothing of it is
 * half-ingested, and the other inputs are still stored. */
static void ingest_telegram(struct ingest_run *run, FILE *f, const char *name)
{
	struct telegram_stats ts;
	struct lw_error err;

	if (telegram_read(f, name, &run->tg, tg_listing, tg_reject, run, &ts, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		run->broken = 1;
		return;
	}
	fprintf(stderr, "lurewatch: %s: Telegram export: %zu messages with text, %zu service "
		"and %zu empty skipped, %zu rejected\n", name, ts.listings, ts.service, ts.empty,
		ts.rejected);
}

static int has_ext(const char *path, const char *const exts[]);
static const char *const json_ext[] = { ".json", NULL };

/* JSON Lines or a Telegram export: by --format, else *.json by how the file
 * starts. */
static void ingest_json_file(struct ingest_run *run, FILE *f, const char *name)
{
	char head[65536];
	size_t n;
	int tg = run->format == FORMAT_TELEGRAM;

	if (run->format == FORMAT_AUTO && has_ext(name, json_ext)) {
		n = fread(head, 1, sizeof(head), f);
		tg = telegram_probe(head, n);
		rewind(f);
	}
	if (tg)
		ingest_telegram(run, f, name);
	else
		ingest_jsonl(run, f, name);
}

static int has_ext(const char *path, const char *const exts[])
{
	size_t l = strlen(path);

	for (int i = 0; exts[i]; i++) {
		size_t e = strlen(exts[i]);

		if (l > e && strcmp(path + l - e, exts[i]) == 0)
			return 1;
	}
	return 0;
}

static const char *const jsonl_ext[] = { ".jsonl", ".ndjson", ".json", NULL };
static const char *const html_ext[] = { ".html", ".htm", NULL };
static const char *const dir_ext[] = { ".txt", ".html", ".htm", ".jsonl", ".ndjson", ".json", NULL };

static void ingest_path(struct ingest_run *run, const char *path);

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ingest_dir(struct ingest_run *run, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	if (!d) {
		fprintf(stderr, "lurewatch: cannot open '%s': %s\n", dir, strerror(errno));
		run->broken = 1;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct lw_buf p;

		if (de->d_name[0] == '.' || !has_ext(de->d_name, dir_ext))
			continue;
		lw_buf_init(&p, PATH_MAX);
		lw_buf_printf(&p, "%s/%s", dir, de->d_name);
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = lw_buf_detach(&p, NULL);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (!run->fatal)
			ingest_path(run, names[i]);
		free(names[i]);
	}
	free(names);
}

static void ingest_path(struct ingest_run *run, const char *path)
{
	struct stat st;
	struct lw_error err;
	FILE *f;
	char *data;
	size_t len;
	int c;

	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		ingest_dir(run, path);
		return;
	}
	if (strcmp(path, "-") != 0 && (has_ext(path, jsonl_ext) || run->format != FORMAT_AUTO)) {
		f = fopen(path, "rb");
		if (!f) {
			/* A file named to be ingested and not read is the run's
			 * failure, not a rejected listing: exit 2, as for a
			 * malformed export, so that a script re-runs it. */
			fprintf(stderr, "lurewatch: cannot open '%s': %s\n", path, strerror(errno));
			run->broken = 1;
			return;
		}
		ingest_json_file(run, f, path);
		fclose(f);
		return;
	}
	if (strcmp(path, "-") == 0 && run->format != FORMAT_AUTO) {
		if (run->format == FORMAT_TELEGRAM)
			ingest_telegram(run, stdin, "(stdin)");
		else
			ingest_jsonl(run, stdin, "(stdin)");
		return;
	}
	if (strcmp(path, "-") == 0) {
		/* Peek: JSON Lines start with an object. */
		while ((c = getc(stdin)) == ' ' || c == '\n' || c == '\t' || c == '\r')
			;
		if (c != EOF)
			ungetc(c, stdin);
		if (c == '{') {
			ingest_jsonl(run, stdin, "(stdin)");
			return;
		}
	}
	data = cli_read_input(path, TEXT_MAX_INPUT, &len, &err);
	if (!data) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		run->bad++;
		return;
	}
	ingest_document(run, path, data, len, has_ext(path, html_ext));
	free(data);
}

static void print_summary(const struct store_ingest_stats *s, size_t bad, int json)
{
	if (json) {
		json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "listings",
				      (json_int_t)s->seen, "new", (json_int_t)s->inserted, "changed",
				      (json_int_t)s->changed, "unchanged", (json_int_t)s->unchanged,
				      "flagged", (json_int_t)s->flagged, "queued", (json_int_t)s->queued,
				      "requeued", (json_int_t)s->requeued, "rejected", (json_int_t)bad);

		cli_json_print(o);
		json_decref(o);
		return;
	}
	printf("ingested %zu listings: %zu new, %zu changed, %zu unchanged; %zu flagged, "
	       "%zu queue updates (%zu re-queued); %zu rejected\n",
	       s->seen, s->inserted, s->changed, s->unchanged, s->flagged, s->queued, s->requeued,
	       bad);
}

/* Each batch frees about what the next one allocates: glibc gave it back
 * to the kernel (trimming the heaps' tops, unmapping whole thread heaps
 * and blocks past its mmap threshold) and took it again a page fault at a
 * time. Keeping it halved ingestion's page faults and its system CPU
 * (10,000 generated listings a run: 37,000 to 49,000 faults and 0.41 to
 * 0.51 s against 19,000 to 27,500 and 0.21 to 0.22 s). Memory stays
 * bounded by the batch caps; it is held at its peak until exit. */
static void keep_freed_memory(void)
{
	/* A refusal (0) would only cost the time these save. */
	mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
	mallopt(M_TOP_PAD, 16 * 1024 * 1024);
}

static int parse_format(const char *s, struct ingest_run *run)
{
	if (strcmp(s, "auto") == 0)
		run->format = FORMAT_AUTO;
	else if (strcmp(s, "jsonl") == 0)
		run->format = FORMAT_JSONL;
	else if (strcmp(s, "telegram") == 0)
		run->format = FORMAT_TELEGRAM;
	else {
		fprintf(stderr, "lurewatch: --format takes auto, jsonl or telegram, not '%s'\n", s);
		return -1;
	}
	return 0;
}

int cmd_ingest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "rules", required_argument, NULL, 'r' },
		{ "threshold", required_argument, NULL, 't' },
		{ "batch", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'J' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'F' },
		{ "telegram-channel", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "retry", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *source = NULL, *rules = NULL;
	double threshold = -1, batch = 2000, jobs = 0, retry = 30;
	int c, json = 0, quiet = 0, rc = CLI_ERROR;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct matcher *m = NULL;
	struct ingest_run run = { NULL, 0, 0, 0, FORMAT_AUTO, { NULL, NULL }, 0, 0, 0, NULL };
	char channel[TELEGRAM_USERNAME_MAX + 1];
	struct lw_error err;
	struct lw_buf actor;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': quiet = 1; break;
		case 's': source = optarg; break;
		case 'r': rules = optarg; break;
		case 't':
			if (cli_parse_double("--threshold", optarg, &threshold) < 0)
				return CLI_ERROR;
			break;
		case 'b':
			if (cli_parse_double("--batch", optarg, &batch) < 0 || batch < 1 || batch > 100000) {
				fprintf(stderr, "lurewatch: --batch takes 1 to 100000\n");
				return CLI_ERROR;
			}
			break;
		case 'J': json = 1; break;
		case 'R':
			if (cli_parse_double("--retry", optarg, &retry) < 0 || retry < 0 || retry > 86400) {
				fprintf(stderr, "lurewatch: --retry takes 0 to 86400 seconds\n");
				return CLI_ERROR;
			}
			break;
		case 'j':
			if (cli_parse_double("--jobs", optarg, &jobs) < 0 || jobs < 1 || jobs > 64) {
				fprintf(stderr, "lurewatch: --jobs takes 1 to 64\n");
				return CLI_ERROR;
			}
			break;
		case 'F':
			if (parse_format(optarg, &run) < 0)
				return CLI_ERROR;
			break;
		case 'T':
			if (telegram_username(optarg, channel, &err) < 0) {
				fprintf(stderr, "lurewatch: --telegram-channel: %s\n", err.msg);
				return CLI_ERROR;
			}
			run.tg.channel = channel;
			break;
		case 'h': usage(stdout); return CLI_OK;
		default: usage(stderr); return CLI_ERROR;
		}
	}
	keep_freed_memory();
	cfg = cli_config_load();
	if (!cfg)
		return CLI_ERROR;
	if (threshold < 0)
		threshold = cfg->threshold;
	run.tg.source = source;
	m = cli_matcher_open(cli_default_pack(rules ? rules : cfg->rules), NULL, 0, threshold, &err);
	if (!m) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	st = cli_store_open(cfg);
	if (!st)
		goto out;
	lw_buf_init(&actor, 512);
	lw_buf_printf(&actor, "ingest:%s", cli_analyst(NULL));
	run.in = engine_ingest_new(st, m, source ? source : (optind == argc ? "stdin" : "files"),
				   actor.data, (size_t)batch, (int)jobs, &err);
	lw_buf_release(&actor);
	if (!run.in) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	engine_ingest_on_reject(run.in, on_reject, &run);
	engine_ingest_set_retry(run.in, retry);
	/* Reading and analysing go on while a batch is written: the server's
	 * work was the one serial stage, and this thread sat waiting on it. */
	engine_ingest_set_writer(run.in, 1);
	engine_ingest_set_links(run.in, cfg->network_exclude, cfg->nnetwork_exclude,
			       cfg->near_duplicate_bits, cfg->phone_region);
	{
		struct store_network_rules nr;

		store_network_rules_from_config(&nr, cfg);
		engine_ingest_set_rules(run.in, &nr);
	}
	run.progress = !quiet && isatty(2);
	run.t0 = lw_now();
	if (optind == argc)
		ingest_path(&run, "-");
	for (int i = optind; i < argc && !run.fatal; i++) {
		run.input = argv[i];
		ingest_path(&run, argv[i]);
	}
	if (!run.fatal && engine_ingest_flush(run.in, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		run.fatal = 1;
	}
	show_progress(&run, 1);
	print_summary(engine_ingest_stats(run.in), run.bad, json);
	rc = run.fatal || run.broken ? CLI_ERROR : run.bad ? CLI_NONE : CLI_OK;
out:
	engine_ingest_free(run.in);
	store_close(st);
	matcher_free(m);
	config_free(cfg);
	return rc;
}

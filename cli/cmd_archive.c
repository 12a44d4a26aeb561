/* SPDX-License-Identifier: MIT */
/* `lurewatch archive`: web archives (WARC) in. Pages of response, resource
 * and conversion records are taken through the crawler's HTML path, scored,
 * and the flagged ones stored with where they were captured; a list of
 * archives is shared by any number of workers through the database. */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "../archive/archive.h"
#include "archive_pages.h"
#include "page_writer.h"
#include "../config/config.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "cli.h"
#include "../util/clock.h"

#define LIST_LINE_MAX 4096

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lurewatch archive scan [--all] [--source NAME] [-r PACK] [-j N] [-q] ARCHIVE...\n"
		"       lurewatch archive add [--prefix URL] LIST...\n"
		"       lurewatch archive work [--all] [--source NAME] [--lease S] [--once] [-q]\n"
		"       lurewatch archive status [--json]\n"
		"       lurewatch archive check [--json] ARCHIVE...\n\n"
		"Reads web archives: WARC/1.0 and 1.1 files (and ClueWeb's WARC/0.18) and\n"
		"ARC files (version 1 and 2), uncompressed or gzipped per record or whole.\n"
		"Pages in response and resource records (HTML or text; chunked and\n"
		"gzip/deflate bodies decoded), WET conversion records and ARC captures are\n"
		"scored; flagged ones are stored as listings (url: the\n"
		"record's target URI) with the capture date, archive and record offset\n"
		"(`file_offset`, where `dd`/`zcat` start reading it). A record already stored\n"
		"(same WARC-Record-ID) is not stored twice.\n\n"
		"ARCHIVE is a path, '-' (standard input) or an http(s) URL (streamed, resumed\n"
		"with range requests after a dropped connection).\n\n"
		"  scan     read the archives named here\n"
		"  add      load a list of archives (one path or URL a line; gzip or not, such\n"
		"           as Common Crawl's warc.paths.gz) into the shared work list; names\n"
		"           starting 'crawl-data/' get the prefix (default\n"
		"           https://data.commoncrawl.org/)\n"
		"  work     take files from the work list one at a time until none is left;\n"
		"           run any number on any number of machines; a killed worker's file\n"
		"           is taken again when its lease (default 120 s) expires\n"
		"  status   the work list: files by state, bytes, records, pages, flagged\n"
		"  check    read the archives without a database: records, pages, errors\n\n"
		"  --all          store every page, not only flagged ones\n"
		"  --source NAME  the listings' source (default: archive)\n"
		"  -r, --rules PACK, -j, --jobs N  as for ingest; -j also sets the threads that\n"
		"                 turn records into page text (default: one per core)\n"
		"  -q, --quiet    no progress on the terminal\n\n"
		"Exit status: 0 all read, 1 some records or files had errors (logged, the\n"
		"rest read), 2 error.\n");
}

/* ---- reading one archive ----------------------------------------------------------- */

/* Records read but not yet turned into pages. */
struct batch {
	struct page_job *jobs;
	size_t n, bytes;
};

struct scan {
	struct page_writer *writer;     /* stores pages on its own thread; NULL: check only */
	int progress;
	double t0, last_bar, last_tick;
	struct store_archive_counts c;
	/* work: renews the lease; returns -1 to stop reading */
	int (*tick)(struct scan *sc, void *ctx);
	void *tick_ctx;
	size_t flagged0;                /* the session's flagged count when this file began */
	long long refused0;             /* and its pages the store refused */
	struct pages_pool *pool;        /* turns records into pages on every core */
	struct batch batch[2];          /* one filling, one with the pool */
	int cur, inflight;
	char types[512];                /* check: record types seen, in order of first sight */
};

static void bar(struct scan *sc, const char *name, int final)
{
	double t = lw_now() - sc->t0, mb = (double)sc->c.bytes_done / 1e6;
	const char *base = strrchr(name, '/');
	int width = 20, fill = sc->c.bytes_total ?
		(int)((double)sc->c.bytes_done / (double)sc->c.bytes_total * width) : 0;

	fprintf(stderr, "\r\033[K%.40s [%.*s%*s] %.1f/%.1f MB  %lld records  %lld pages  "
		"%lld flagged  %.1f MB/s%s", base ? base + 1 : name, fill, "####################",
		width - fill, "", mb, (double)sc->c.bytes_total / 1e6, sc->c.records, sc->c.pages,
		sc->c.flagged, t > 0 ? mb / t : 0, final ? "\n" : "");
}

static char *capture_json(const struct archive_record *rec, const char *archive)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "record_id", rec->record_id,
			      "archive", archive, "file_offset", (json_int_t)rec->file_offset,
			      "data_offset", (json_int_t)rec->data_offset, "target_uri",
			      rec->target_uri, "warc_date", rec->date);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

/* The file's flagged pages and refused ones, as far as the writer got. */
static void counts_update(struct scan *sc)
{
	struct store_ingest_stats st;
	long long refused;

	page_writer_stats(sc->writer, &st, &refused);
	sc->c.flagged = (long long)(st.flagged - sc->flagged0);
	sc->c.errors += refused - sc->refused0;
	sc->refused0 = refused;
}

/* Hands the page to the writer thread: its text moves, nothing is copied. */
static void store_page(struct scan *sc, const char *name, struct page_job *j)
{
	const struct archive_record *rec = &j->rec;
	struct page_out p;
	struct lw_error err;
	char origin[64];

	sc->c.pages++;
	if (!sc->writer || ((!j->title || !j->title[0]) && (!j->body || !j->body[0])))
		return;
	snprintf(origin, sizeof(origin), "offset %llu", (unsigned long long)rec->data_offset);
	memset(&p, 0, sizeof(p));
	p.url = xstrdup(rec->target_uri[0] ? rec->target_uri : rec->record_id);
	p.title = j->title;
	p.body = j->body;
	j->title = j->body = NULL;
	p.origin = xstrdup(origin);
	p.capture_json = capture_json(rec, name);
	p.name = name;
	/* A failed batch is reported once, when the file is drained. */
	page_writer_put(sc->writer, &p, &err);
}

/* Counts, logs and stores a decoded batch, in the order it was read. */
static void settle(struct scan *sc, const char *name, struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct page_job *j = &b->jobs[i];

		switch (j->outcome) {
		case PAGE_OK:
			store_page(sc, name, j);
			break;
		case PAGE_BAD_RECORD:
			fprintf(stderr, "lurewatch: %s: offset %llu: record %s: %s\n", name,
				(unsigned long long)j->rec.data_offset, j->rec.record_id, j->err.msg);
			sc->c.errors++;
			break;
		case PAGE_BAD_HTML:
			fprintf(stderr, "lurewatch: %s: offset %llu: %s\n", name,
				(unsigned long long)j->rec.data_offset, j->err.msg);
			sc->c.errors++;
			break;
		case PAGE_NONE:
			break;
		}
		page_job_release(j);
	}
	b->n = b->bytes = 0;
}

/* Hands the filled batch to the pool, and settles the one before it while
 * the pool works: the reading thread never waits on a page's HTML. */
static void rotate(struct scan *sc, const char *name, int last)
{
	struct batch *cur = &sc->batch[sc->cur], *prev = &sc->batch[!sc->cur];

	if (sc->inflight) {
		pages_pool_wait(sc->pool);
		sc->inflight = 0;
	}
	if (cur->n) {
		pages_pool_submit(sc->pool, cur->jobs, cur->n);
		sc->inflight = 1;
		sc->cur = !sc->cur;
	}
	settle(sc, name, prev);
	if (last && sc->inflight) {
		pages_pool_wait(sc->pool);
		sc->inflight = 0;
		settle(sc, name, cur);
	}
}

static void one_record(struct scan *sc, const char *name, const struct archive_record *rec)
{
	struct batch *b;

	sc->c.records++;
	if (!sc->writer && strlen(sc->types) + strlen(rec->type) + 2 < sizeof(sc->types)) {
		if (sc->types[0])
			strncat(sc->types, ",", sizeof(sc->types) - strlen(sc->types) - 1);
		strncat(sc->types, rec->type[0] ? rec->type : "?",
			sizeof(sc->types) - strlen(sc->types) - 1);
	}
	if (!pages_wanted(rec))
		return;
	b = &sc->batch[sc->cur];
	page_job_fill(&b->jobs[b->n++], rec);
	b->bytes += rec->block_len;
	if (b->n == PAGES_BATCH_RECORDS || b->bytes >= PAGES_BATCH_BYTES)
		rotate(sc, name, 0);
}

/* in: the session pages are stored through (NULL: check only), the writer
 * thread's from here on. */
static int scan_init(struct scan *sc, struct engine_ingest *in, const char *source, int threads)
{
	struct lw_error err;

	memset(sc, 0, sizeof(*sc));
	sc->pool = pages_pool_new(threads);
	for (int i = 0; i < 2; i++)
		sc->batch[i].jobs = xcalloc(PAGES_BATCH_RECORDS, sizeof(*sc->batch[i].jobs));
	if (in && !(sc->writer = page_writer_new(in, source, &err))) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void scan_release(struct scan *sc)
{
	/* The writer first: it stores what is queued. */
	page_writer_free(sc->writer);
	pages_pool_free(sc->pool);
	for (int i = 0; i < 2; i++)
		free(sc->batch[i].jobs);
}

/* Reads one archive. Returns 0 when read to its end, -1 when it stopped
 * early (reason printed; counted as an error). */
static int scan_archive(struct scan *sc, const char *name)
{
	struct archive_reader *r;
	struct archive_record rec;
	struct lw_error err;
	uint64_t done, total;
	int rc, result = -1;

	memset(&sc->c, 0, sizeof(sc->c));
	sc->types[0] = '\0';
	sc->t0 = lw_now();
	sc->last_bar = sc->last_tick = 0;
	if (sc->writer) {
		struct store_ingest_stats st;

		page_writer_stats(sc->writer, &st, &sc->refused0);
		sc->flagged0 = st.flagged;
	}
	r = archive_reader_open(name, &err);
	if (!r) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		sc->c.errors++;
		return -1;
	}
	while (!stop_flag) {
		rc = archive_reader_next(r, &rec, &err);
		archive_reader_progress(r, &done, &total);
		sc->c.bytes_done = (long long)done;
		sc->c.bytes_total = (long long)total;
		if (rc == 0) {
			result = 0;
			break;
		}
		if (rc < 0) {
			fprintf(stderr, "%slurewatch: %s: %s\n", sc->progress ? "\n" : "", name, err.msg);
			sc->c.errors++;
			break;
		}
		if (rc == 2) {
			fprintf(stderr, "%slurewatch: %s: %s\n", sc->progress ? "\n" : "", name, err.msg);
			sc->c.errors++;
		} else {
			one_record(sc, name, &rec);
		}
		/* Nothing more can be stored: reading on would be for nothing. */
		if (sc->writer && page_writer_failed(sc->writer))
			break;
		if (sc->progress && lw_now() - sc->last_bar > 0.2) {
			if (sc->writer)
				counts_update(sc);
			bar(sc, name, 0);
			sc->last_bar = lw_now();
		}
		if (sc->tick && lw_now() - sc->last_tick > 1.0) {
			sc->last_tick = lw_now();
			counts_update(sc);
			if (sc->tick(sc, sc->tick_ctx) < 0)
				break;
		}
	}
	rotate(sc, name, 1);
	/* The file is done only when all of its pages are stored: a worker
	 * marks it so right after. */
	if (sc->writer && page_writer_drain(sc->writer, &err) < 0) {
		fprintf(stderr, "lurewatch: %s: %s\n", name, err.msg);
		result = -1;
	}
	if (sc->writer)
		counts_update(sc);
	if (sc->progress)
		bar(sc, name, 1);
	archive_reader_free(r);
	return result;
}

/* ---- sessions ------------------------------------------------------------------------ */

struct session {
	struct config *cfg;
	struct store *st;
	struct matcher *m;
	struct engine_ingest *in;
};

static void session_close(struct session *s)
{
	engine_ingest_free(s->in);
	store_close(s->st);
	matcher_free(s->m);
	config_free(s->cfg);
}

static int session_open(struct session *s, const char *rules, double jobs, int all,
			int need_matcher)
{
	struct lw_error err;

	memset(s, 0, sizeof(*s));
	s->cfg = cli_config_load();
	if (!s->cfg)
		return -1;
	if (need_matcher) {
		s->m = cli_matcher_open(cli_default_pack(rules ? rules : s->cfg->rules), NULL, 0,
					s->cfg->threshold, &err);
		if (!s->m) {
			fprintf(stderr, "lurewatch: %s\n", err.msg);
			return -1;
		}
	}
	s->st = cli_store_open(s->cfg);
	if (!s->st)
		return -1;
	if (!need_matcher)
		return 0;
	s->in = engine_ingest_new(s->st, s->m, "archive", "archive", 500, (int)jobs, &err);
	if (!s->in) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		return -1;
	}
	engine_ingest_set_flagged_only(s->in, !all);
	engine_ingest_set_links(s->in, s->cfg->network_exclude, s->cfg->nnetwork_exclude,
			       s->cfg->near_duplicate_bits, s->cfg->phone_region);
	{
		struct store_network_rules nr;

		store_network_rules_from_config(&nr, s->cfg);
		engine_ingest_set_rules(s->in, &nr);
	}
	return 0;
}

static void summary(struct scan *sc, long files, long bad_files, long long errors)
{
	struct store_ingest_stats stats;
	const struct store_ingest_stats *st = &stats;
	long long refused;

	page_writer_stats(sc->writer, &stats, &refused);

	printf("archives: %ld read (%ld with errors); %zu pages scored, %zu flagged; "
	       "%zu listings new, %zu changed, %zu unchanged; %lld record errors%s\n",
	       files, bad_files, st->seen, st->flagged, st->inserted, st->changed, st->unchanged,
	       errors, stop_flag ? "; interrupted" : "");
}

/* ---- subcommands --------------------------------------------------------------------- */

struct opts {
	const char *source, *rules, *prefix;
	double jobs, lease;
	int all, quiet, once, json;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "source", required_argument, NULL, 's' },
		{ "rules", required_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "lease", required_argument, NULL, 'l' },
		{ "once", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->source = "archive";
	o->prefix = "https://data.commoncrawl.org/";
	o->lease = 120;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o->all = 1; break;
		case 's': o->source = optarg; break;
		case 'r': o->rules = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'p': o->prefix = optarg; break;
		case 'o': o->once = 1; break;
		case 'J': o->json = 1; break;
		case 'j':
			if (cli_parse_double("--jobs", optarg, &o->jobs) < 0 || o->jobs < 1 || o->jobs > 64) {
				fprintf(stderr, "lurewatch: --jobs takes 1 to 64\n");
				return -1;
			}
			break;
		case 'l':
			if (cli_parse_double("--lease", optarg, &o->lease) < 0 || o->lease < 2 ||
			    o->lease > 86400) {
				fprintf(stderr, "lurewatch: --lease takes 2 to 86400 seconds\n");
				return -1;
			}
			break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	return 0;
}

static int cmd_check(int argc, char **argv, const struct opts *o)
{
	struct scan sc;
	int rc = CLI_OK;

	scan_init(&sc, NULL, NULL, (int)o->jobs);
	sc.progress = !o->quiet && isatty(2);
	for (int i = optind; i < argc; i++) {
		int r = scan_archive(&sc, argv[i]);

		if (o->json) {
			json_t *j = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:s}", "archive", argv[i],
					      "complete", r == 0, "records", (json_int_t)sc.c.records,
					      "pages", (json_int_t)sc.c.pages, "errors",
					      (json_int_t)sc.c.errors, "bytes",
					      (json_int_t)sc.c.bytes_done, "types", sc.types);

			cli_json_print(j);
			json_decref(j);
		} else {
			printf("%s: %lld records, %lld pages, %lld errors%s\n", argv[i], sc.c.records,
			       sc.c.pages, sc.c.errors, r == 0 ? "" : "; not read to the end");
		}
		if (r < 0)
			rc = CLI_ERROR;
		else if (sc.c.errors && rc == CLI_OK)
			rc = CLI_NONE;
	}
	scan_release(&sc);
	return rc;
}

static int cmd_scan(int argc, char **argv, const struct opts *o)
{
	struct session s;
	struct scan sc;
	long files = 0, bad = 0;
	long long errors = 0;
	int rc = CLI_ERROR;

	memset(&sc, 0, sizeof(sc));
	if (session_open(&s, o->rules, o->jobs, o->all, 1) < 0 ||
	    scan_init(&sc, s.in, o->source, (int)o->jobs) < 0)
		goto out;
	sc.progress = !o->quiet && isatty(2);
	for (int i = optind; i < argc && !stop_flag; i++) {
		int r = scan_archive(&sc, argv[i]);

		files++;
		bad += r < 0 || sc.c.errors;
		errors += sc.c.errors;
		if (page_writer_failed(sc.writer))
			goto out;
	}
	summary(&sc, files, bad, errors);
	rc = bad ? CLI_NONE : CLI_OK;
out:
	scan_release(&sc);
	session_close(&s);
	return rc;
}

/* One name per line; Common Crawl paths get the prefix. */
static int read_list(const char *path, const char *prefix, char ***names, size_t *n)
{
	gzFile f = strcmp(path, "-") == 0 ? gzdopen(dup(0), "rb") : gzopen(path, "rb");
	char line[LIST_LINE_MAX], abs[PATH_MAX];
	size_t lineno = 0;

	if (!f) {
		fprintf(stderr, "lurewatch: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	while (gzgets(f, line, sizeof(line))) {
		size_t len = strlen(line);
		struct lw_buf b;

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			fprintf(stderr, "lurewatch: %s:%zu: line longer than %d bytes\n", path, lineno,
				LIST_LINE_MAX - 2);
			gzclose(f);
			return -1;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		lw_buf_init(&b, LIST_LINE_MAX * 2);
		if (strncmp(line, "crawl-data/", 11) == 0) {
			lw_buf_adds(&b, prefix);
			lw_buf_adds(&b, line);
		} else if (strstr(line, "://") == NULL && realpath(line, abs)) {
			/* Workers run elsewhere: a relative path must not depend on
			 * where the list was loaded from. */
			lw_buf_adds(&b, abs);
		} else {
			lw_buf_adds(&b, line);
		}
		*names = xreallocarray(*names, *n + 1, sizeof(**names));
		(*names)[(*n)++] = lw_buf_detach(&b, NULL);
	}
	gzclose(f);
	return 0;
}

static int cmd_add(int argc, char **argv, const struct opts *o)
{
	struct session s;
	struct lw_error err;
	char **names = NULL;
	size_t n = 0;
	long added = 0;
	int rc = CLI_ERROR;

	memset(&s, 0, sizeof(s));
	if (optind == argc && read_list("-", o->prefix, &names, &n) < 0)
		goto out;
	for (int i = optind; i < argc; i++)
		if (read_list(argv[i], o->prefix, &names, &n) < 0)
			goto out;
	if (session_open(&s, NULL, 0, 0, 0) < 0)
		goto out;
	if (store_archive_add(s.st, names, n, &added, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	printf("archives: %ld added to the work list (%zu listed)\n", added, n);
	rc = CLI_OK;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	session_close(&s);
	return rc;
}

struct work {
	struct store *st;
	const char *owner;
	long id;
	int lease;
	int lost;
	long long records_before;       /* records of the files already read */
};

static int renew(struct scan *sc, void *ctx)
{
	struct work *w = ctx;
	struct lw_error err;

	if (store_worker_beat(w->st, w->owner, "archive", w->records_before + sc->c.records, &err) < 0)
		fprintf(stderr, "lurewatch: %s\n", err.msg);
	if (store_archive_progress(w->st, w->id, w->owner, w->lease, &sc->c, &w->lost, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		return 0;       /* the lease may still hold: keep reading */
	}
	if (w->lost)
		fprintf(stderr, "lurewatch: lease on archive %ld lost: another worker took it\n", w->id);
	return w->lost ? -1 : 0;
}

static int cmd_work(const struct opts *o)
{
	struct session s;
	struct store *ctl = NULL;
	struct scan sc;
	struct work w;
	struct lw_error err;
	char owner[300] = "", host[256], *name = NULL;
	long files = 0, bad = 0;
	long long errors = 0;
	int rc = CLI_ERROR;

	memset(&sc, 0, sizeof(sc));
	if (session_open(&s, o->rules, o->jobs, o->all, 1) < 0)
		goto out;
	/* The session's connection is the writer thread's: leases, progress
	 * and the worker's beat go through one of the reading thread's own. */
	ctl = cli_store_open(s.cfg);
	if (!ctl)
		goto out;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(owner, sizeof(owner), "%s:%ld", host, (long)getpid());
	memset(&w, 0, sizeof(w));
	w.st = ctl;
	w.owner = owner;
	w.lease = (int)o->lease;
	if (scan_init(&sc, s.in, o->source, (int)o->jobs) < 0)
		goto out;
	sc.progress = !o->quiet && isatty(2);
	sc.tick = renew;
	sc.tick_ctx = &w;
	while (!stop_flag) {
		int r;

		if (store_archive_claim(ctl, owner, w.lease, &w.id, &name, &err) < 0) {
			fprintf(stderr, "lurewatch: %s\n", err.msg);
			goto out;
		}
		if (!name)
			break;
		w.lost = 0;
		r = scan_archive(&sc, name);
		if (page_writer_failed(sc.writer))
			goto out;
		files++;
		bad += r < 0 || sc.c.errors;
		errors += sc.c.errors;
		w.records_before += sc.c.records;
		if (stop_flag) {
			store_archive_release(ctl, owner, &err);
		} else if (!w.lost &&
			   store_archive_finish(ctl, w.id, owner, r == 0 ? "done" : "failed", &sc.c,
						r == 0 ? NULL : "not read to the end (see the worker's log)",
						&err) < 0) {
			fprintf(stderr, "lurewatch: %s\n", err.msg);
			goto out;
		}
		free(name);
		name = NULL;
		if (o->once)
			break;
	}
	summary(&sc, files, bad, errors);
	rc = stop_flag ? CLI_NONE : bad ? CLI_NONE : CLI_OK;
out:
	if (ctl && owner[0])
		store_worker_gone(ctl, owner, &err);
	scan_release(&sc);
	free(name);
	store_close(ctl);
	session_close(&s);
	return rc;
}

static int cmd_astatus(const struct opts *o)
{
	struct session s;
	struct lw_error err;
	json_t *j = NULL, *cur;
	size_t i;
	int rc = CLI_ERROR;

	if (session_open(&s, NULL, 0, 0, 0) < 0)
		goto out;
	if (store_archive_status(s.st, &j, &err) < 0) {
		fprintf(stderr, "lurewatch: %s\n", err.msg);
		goto out;
	}
	if (o->json) {
		cli_json_print(j);
	} else {
		printf("archives: %lld files: %lld queued, %lld working, %lld done, %lld failed\n"
		       "read %.1f of %.1f MB; %lld records, %lld pages, %lld flagged, %lld errors; "
		       "%lld captures stored\n",
		       (long long)json_integer_value(json_object_get(j, "files")),
		       (long long)json_integer_value(json_object_get(j, "queued")),
		       (long long)json_integer_value(json_object_get(j, "working")),
		       (long long)json_integer_value(json_object_get(j, "done")),
		       (long long)json_integer_value(json_object_get(j, "failed")),
		       (double)json_integer_value(json_object_get(j, "bytes_done")) / 1e6,
		       (double)json_integer_value(json_object_get(j, "bytes_total")) / 1e6,
		       (long long)json_integer_value(json_object_get(j, "records")),
		       (long long)json_integer_value(json_object_get(j, "pages")),
		       (long long)json_integer_value(json_object_get(j, "flagged")),
		       (long long)json_integer_value(json_object_get(j, "errors")),
		       (long long)json_integer_value(json_object_get(j, "captures")));
		json_array_foreach(json_object_get(j, "current"), i, cur)
			printf("  %s  %s  %.1f/%.1f MB  %lld records%s\n",
			       json_string_value(json_object_get(cur, "owner")),
			       json_string_value(json_object_get(cur, "name")),
			       (double)json_integer_value(json_object_get(cur, "bytes_done")) / 1e6,
			       (double)json_integer_value(json_object_get(cur, "bytes_total")) / 1e6,
			       (long long)json_integer_value(json_object_get(cur, "records")),
			       json_is_true(json_object_get(cur, "expired")) ?
			       "  (lease expired: worker stopped answering)" : "");
	}
	rc = CLI_OK;
out:
	json_decref(j);
	session_close(&s);
	return rc;
}

int cmd_archive(int argc, char **argv)
{
	struct opts o;
	const char *sub;
	int r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_ERROR : CLI_OK;
	}
	sub = argv[1];
	r = parse_opts(argc - 1, argv + 1, &o);
	if (r)
		return r > 0 ? CLI_OK : CLI_ERROR;
	argc--;
	argv++;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (strcmp(sub, "work") == 0 || strcmp(sub, "status") == 0) {
		if (optind != argc) {
			usage(stderr);
			return CLI_ERROR;
		}
		return strcmp(sub, "work") == 0 ? cmd_work(&o) : cmd_astatus(&o);
	}
	if (optind == argc) {
		if (strcmp(sub, "add") == 0)
			return cmd_add(argc, argv, &o);
		usage(stderr);
		return CLI_ERROR;
	}
	if (strcmp(sub, "scan") == 0)
		return cmd_scan(argc, argv, &o);
	if (strcmp(sub, "check") == 0)
		return cmd_check(argc, argv, &o);
	if (strcmp(sub, "add") == 0)
		return cmd_add(argc, argv, &o);
	fprintf(stderr, "lurewatch: archive: unknown subcommand '%s'\n", sub);
	usage(stderr);
	return CLI_ERROR;
}

/* SPDX-License-Identifier: MIT */
/* The scanner's state, shared by scan.c (one Hyperscan pass, hits) and
 * prox.c (combinations over the matches' word positions). */
#ifndef LW_MATCHER_SCAN_INTERNAL_H
#define LW_MATCHER_SCAN_INTERNAL_H

#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../util/buf.h"
#include "matcher_internal.h"
#include "text.h"

#define RAW_NONE 0xffffffffu

/* One match Hyperscan reported: pattern, end, and (found when needed) its
 * start, chained to the next match of the same rule. Matches of one
 * pattern that end inside one run of ASCII letters and digits are one
 * record (scan.c, fold_into_last): first is the earliest end among them,
 * end the last. */
struct raw_match {
	unsigned pid;
	uint32_t end;
	uint32_t first;         /* earliest end folded into this record */
	uint32_t start;         /* RAW_NONE until raw_start() */
	uint32_t next;          /* next match of the same rule, or RAW_NONE */
	uint32_t w0;            /* RAW_NONE until its span is needed (prox.c): then its */
	uint32_t w1, s0, s1, p0, p1; /* words, sentences and paragraphs, kept for the next rule */
};

/* A stretch of words that satisfied (part of) a combination, with the
 * matches that make it up: those are the evidence an analyst reads. */
#define PROX_LEAVES 4
struct prox_span {
	uint32_t w0, w1;        /* first and last word */
	uint32_t s0, s1;        /* sentences */
	uint32_t p0, p1;        /* paragraphs */
	uint32_t leaf[PROX_LEAVES];
	unsigned nleaf;
};

/* What the scan callback reads of one pattern (copied from struct matcher)
 * beside what it keeps of it during a document, in one 16-byte slot: the
 * callback runs between Hyperscan's own accesses, which evict the
 * matcher's separate arrays, and each was a cache miss of its own. */
struct scan_pat {
	uint32_t rule;          /* m->pat_rule */
	uint32_t fixed;         /* m->pat_fixed */
	uint32_t last;          /* its latest record, or RAW_NONE */
	uint16_t kept;          /* records kept, at most MAX_RAW_PER_PATTERN */
	uint8_t check;          /* m->pat_check */
};

/* One Hyperscan id: its patterns are m->hs_pids[k0 .. k1), pid0 the first. */
struct scan_hs {
	uint32_t k0, k1, pid0;
	uint32_t plain;         /* 1: no pattern of it checks a word boundary */
};

struct matcher_scanner {
	const struct matcher *m;
	hs_scratch_t *scratch;
	struct lw_text norm;
	char *spaced;                   /* norm with line breaks as spaces, for db_lit */
	char *padded;                   /* " " + norm with non-word bytes as spaces + " " */
	size_t spaced_cap;              /* of both */
	uint64_t *defer;                /* PAT_VERIFY matches of db_pad: id << 32 | end */
	size_t ndefer, defer_cap;
	uint32_t *win;                  /* db_gate's windows: lo, hi pairs (scan.c) */
	size_t nwin, win_cap;
	size_t win_len;                 /* length of the text db_fac scans */
	int win_whole;                  /* too many windows: db_gate scans the whole text */
	struct raw_match *raw;
	size_t nraw, raw_cap;
	struct scan_pat *pat;           /* per pattern */
	struct scan_hs *hs;             /* per Hyperscan id */
	int no_extend;                  /* tests: 1 turns off on_match's extend() */
	uint32_t *head, *tail;          /* per rule: its first and last match */
	unsigned char *fired;           /* per rule: matched anywhere */
	unsigned char *done;            /* per rule: combination evaluated */
	size_t *touched;                /* rules with fired set */
	size_t ntouched;
	/* combination evaluation (prox.c) */
	struct prox_span *spans;
	size_t nspans, spans_cap;
	uint32_t *leaves;               /* evidence of the rule being evaluated */
	size_t nleaves, leaves_cap;
	uint64_t *ord;                  /* one operand's spans by first word (prox.c) */
	uint32_t *pmax, *pidx;          /* running maximum of their last word/sentence/paragraph */
	size_t ord_cap;
	/* start-offset search: each pattern compiled by PCRE2 on first use */
	pcre2_code **re;
	unsigned char *re_state;        /* 0 not tried, 1 compiled, 2 PCRE2 refuses it */
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

/* Where raw match i starts in s->norm (found once, then remembered). */
uint32_t raw_start(struct matcher_scanner *s, size_t i);
/* Where its evidence ends: the match end, or for a stem the word's end. */
uint32_t raw_end(const struct matcher_scanner *s, size_t i);

/* Evaluates combination rule `rule` over the scanned document. Returns 1
 * when it holds, with the raw matches that make its evidence in
 * s->leaves[0 .. s->nleaves) and, when why is not NULL, a line saying
 * which words and which distance satisfied its proximity operators. */
int prox_eval_rule(struct matcher_scanner *s, size_t rule, struct lw_buf *why);

/* The copies of text the literal databases scan: spaced with line breaks
 * as spaces, padded with every byte that is no ASCII word byte as a space;
 * len bytes each. Returns 1 when text has a byte above 0x7f. The _ref one
 * goes a byte at a time; the other, sixteen at a time where SSE2 is there,
 * must agree with it on every input (tests/unit/test_scan_pad.c). */
int scan_literal_texts(const char *text, size_t len, char *spaced, char *padded);
int scan_literal_texts_ref(const char *text, size_t len, char *spaced, char *padded);

/* The second stage alone: db_fac over text, then db_gate over the windows
 * around the factors it found (s->win[0 .. 2 * s->nwin), or the whole text
 * when s->win_whole), fn called with offsets in text. 0 or -1 with err. */
int scan_gated(struct matcher_scanner *s, const char *text, size_t len,
	       match_event_handler fn, void *ctx, struct lw_error *err);

#endif

/* SPDX-License-Identifier: MIT */
/* The graph behind networks: edge weights, near-duplicate ties, components
 * split by Leiden only where loosely knit, and ids that survive re-linking. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../store/netgraph.h"

/* ---- weights ------------------------------------------------------------------ */

static void test_weights(void **state)
{
	(void)state;
	/* A rarer detail ties more strongly; an ad's ties through one detail sum to 1. */
	assert_true(netgraph_contact_weight(2) > netgraph_contact_weight(3));
	assert_true(netgraph_contact_weight(3) > netgraph_contact_weight(30));
	assert_true(netgraph_contact_weight(30) * 29 > 0.999 && netgraph_contact_weight(30) * 29 < 1.001);
	/* A closer duplicate ties more strongly; beyond the limit, not at all. */
	assert_true(netgraph_text_weight(0, 3, 1) > netgraph_text_weight(1, 3, 1));
	assert_true(netgraph_text_weight(1, 3, 1) > netgraph_text_weight(3, 3, 1));
	assert_true(netgraph_text_weight(4, 3, 1) == 0);
	assert_true(netgraph_text_weight(0, -1, 1) == 0);
	/* A text tie is weaker than a detail shared by two ads, and spread. */
	assert_true(netgraph_text_weight(0, 3, 1) < netgraph_contact_weight(2));
	assert_true(netgraph_text_weight(0, 3, 4) < netgraph_text_weight(0, 3, 1));
}

static void test_contact_edges(void **state)
{
	struct netgraph g;
	uint32_t v[200];

	(void)state;
	for (uint32_t i = 0; i < 200; i++)
		v[i] = i;
	netgraph_init(&g, 200);
	netgraph_add_contact(&g, v, 5);
	assert_int_equal(g.ne, 10);                  /* all pairs */
	netgraph_release(&g);
	netgraph_init(&g, 200);
	netgraph_add_contact(&g, v, 200);             /* beyond NETGRAPH_CLIQUE_MAX: a ring with chords */
	assert_true(g.ne <= 200 * 6);
	assert_true(g.ne >= 200);
	netgraph_release(&g);
}

static void test_finish_merges_evidence(void **state)
{
	struct netgraph g;

	(void)state;
	netgraph_init(&g, 3);
	netgraph_add_edge(&g, 1, 0, 0.5, NETGRAPH_CONTACT);
	netgraph_add_edge(&g, 0, 1, 0.25, NETGRAPH_CONTACT);
	netgraph_add_edge(&g, 0, 1, 0.125, NETGRAPH_TEXT);
	netgraph_add_edge(&g, 2, 2, 1, NETGRAPH_CONTACT);     /* a loop is ignored */
	netgraph_finish(&g);
	assert_int_equal(g.ne, 1);
	assert_int_equal(g.e[0].a, 0);
	assert_int_equal(g.e[0].b, 1);
	/* The stronger detail, plus the text on top. */
	assert_true(g.e[0].w > 0.624 && g.e[0].w < 0.626);
	assert_int_equal(g.e[0].why, NETGRAPH_CONTACT | NETGRAPH_TEXT);
	netgraph_release(&g);
}

static void test_texts(void **state)
{
	uint64_t sh[4] = { 0x123456789abcdef0ull, 0x123456789abcdef1ull, 0x123456789abcde0full,
			   0xfedcba9876543210ull };
	unsigned char has[4] = { 1, 1, 1, 1 };
	struct netgraph g;

	(void)state;
	netgraph_init(&g, 4);
	netgraph_add_texts(&g, sh, has, NULL, 3);
	netgraph_finish(&g);
	/* 0-1 one bit apart, 0-2 four bits (beyond 3), 1-2 five: one tie. */
	assert_int_equal(g.ne, 1);
	assert_int_equal(g.e[0].a, 0);
	assert_int_equal(g.e[0].b, 1);
	assert_int_equal(g.e[0].why, NETGRAPH_TEXT);
	netgraph_release(&g);
	netgraph_init(&g, 4);
	netgraph_add_texts(&g, sh, has, NULL, -1);          /* near-duplicates off */
	assert_int_equal(g.ne, 0);
	netgraph_release(&g);
}

/* A band shared by more than NETGRAPH_TEXT_MASS texts links nothing, counted
 * among the nodes or, for some of a store's ads, said by the store. */
static void test_texts_mass(void **state)
{
	enum { N = NETGRAPH_TEXT_MASS + 1 };
	static uint64_t sh[N];
	static unsigned char has[N], mass[N];
	struct netgraph g;

	(void)state;
	for (size_t i = 0; i < N; i++) {
		sh[i] = 0x1111222233334444ull;
		has[i] = 1;
	}
	netgraph_init(&g, N);
	netgraph_add_texts(&g, sh, has, NULL, 3);
	assert_int_equal(g.ne, 0);                    /* every band is a mass */
	assert_int_equal(g.mass_templates, 4);
	netgraph_release(&g);
	has[N - 1] = 0;                               /* one fewer: every pair ties */
	netgraph_init(&g, N);
	netgraph_add_texts(&g, sh, has, NULL, 3);
	netgraph_finish(&g);
	assert_int_equal(g.ne, (size_t)(N - 1) * (N - 2) / 2);
	netgraph_release(&g);
	/* Two copies one bit apart in band 0 share bands 1-3: the store says
	 * bands 1 and 2 are mass, band 3 still ties them; all three, none. */
	sh[1] = sh[0] ^ 1;
	has[1] = 1;
	mass[0] = mass[1] = 2 | 4;
	netgraph_init(&g, 2);
	netgraph_add_texts(&g, sh, has, mass, 3);
	assert_int_equal(g.ne, 1);
	netgraph_release(&g);
	mass[0] = mass[1] = 2 | 4 | 8;
	netgraph_init(&g, 2);
	netgraph_add_texts(&g, sh, has, mass, 3);
	assert_int_equal(g.ne, 0);
	netgraph_release(&g);
}

/* Clusters of near-copies among 70,000 nodes (some without a text, node
 * numbers past 65,536 so pairs span three bytes a side): the ties found by
 * band must be every pair within 3 bits, no more, each weighed by the larger
 * of its ads' counts of near-duplicates, as comparing all pairs finds them. */
static void test_texts_all_pairs(void **state)
{
	enum { N = 70000, STEP = 23 };
	uint64_t *sh = calloc(N, sizeof(*sh)), x = 0x9e3779b97f4a7c15ull, base = 0;
	unsigned char *has = calloc(N, 1);
	size_t *deg = calloc(N, sizeof(*deg)), k = 0;
	struct netgraph g;

	(void)state;
	for (size_t i = 0, c = 0; i < N; i += STEP, c++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (c % 9 == 0)
			base = x;
		/* Up to three of the low 48 bits flipped: within 3 of the cluster's
		 * base, within 6 of each other. */
		sh[i] = base ^ 1ull << (x % 48) ^ ((x >> 8) % 3 ? 1ull << (x >> 16) % 48 : 0) ^
			((x >> 24) % 2 ? 1ull << (x >> 32) % 48 : 0);
		has[i] = 1;
	}
	for (size_t i = 0; i < N; i += STEP)
		for (size_t j = i + STEP; j < N; j += STEP)
			if (__builtin_popcountll(sh[i] ^ sh[j]) <= 3) {
				deg[i]++;
				deg[j]++;
			}
	netgraph_init(&g, N);
	netgraph_add_texts(&g, sh, has, NULL, 3);
	netgraph_finish(&g);
	for (size_t i = 0; i < N; i += STEP)
		for (size_t j = i + STEP; j < N; j += STEP) {
			int bits = __builtin_popcountll(sh[i] ^ sh[j]);

			if (bits > 3)
				continue;
			assert_true(k < g.ne);
			assert_int_equal(g.e[k].a, i);
			assert_int_equal(g.e[k].b, j);
			assert_true(g.e[k].w == (float)netgraph_text_weight(bits, 3, deg[i] > deg[j] ? deg[i] : deg[j]));
			k++;
		}
	assert_true(k > 1000);                        /* the clusters did tie */
	assert_int_equal(g.ne, k);
	netgraph_release(&g);
	free(sh);
	free(has);
	free(deg);
}

/* ---- partitions ------------------------------------------------------------- */

/* Nodes base..base+k-1 share one detail. */
static void clique(struct netgraph *g, uint32_t base, size_t k)
{
	uint32_t v[64];

	for (size_t i = 0; i < k; i++)
		v[i] = base + (uint32_t)i;
	netgraph_add_contact(g, v, k);
}

static size_t parts_of(const struct netgraph_result *r, uint32_t lo, uint32_t hi)
{
	size_t n = 0;

	for (uint32_t i = lo; i < hi; i++)
		n += i == lo || r->part[i] != r->part[i - 1];
	return n;
}

static void test_two_groups_bridged_are_split(void **state)
{
	struct netgraph_split o = { 8, 0.3, 1 };
	struct netgraph_result r;
	struct netgraph g;
	struct lw_error err;
	uint32_t copied[3] = { 0, 20, 21 };

	(void)state;
	/* Two groups of 20, one number each; one ad of the first also carries
	 * the second group's number (a copied number). */
	netgraph_init(&g, 40);
	clique(&g, 0, 20);
	clique(&g, 20, 20);
	netgraph_add_contact(&g, copied, 3);
	netgraph_finish(&g);
	assert_int_equal(netgraph_partition(&g, &o, &r, &err), 0);
	assert_int_equal(r.split, 1);
	assert_true(r.cut_edges > 0);
	assert_int_equal(parts_of(&r, 1, 20), 1);
	assert_int_equal(parts_of(&r, 20, 40), 1);
	assert_int_not_equal(r.part[1], r.part[20]);
	netgraph_result_release(&r);
	/* Too small to be tried: the same shape at min_size 50 stays whole. */
	o.min_size = 50;
	assert_int_equal(netgraph_partition(&g, &o, &r, &err), 0);
	assert_int_equal(r.split, 0);
	assert_int_equal(r.part[1], r.part[20]);
	netgraph_result_release(&r);
	netgraph_release(&g);
}

/* Two groups of ten posted in turn (a0 b0 a1 b1 ...), each tied by its own
 * number and address, and one ad of each a copy of the other's text (a
 * reused template): every ad stays with the nine that share its details,
 * and the text tie between the copies is cut. */
static void test_copied_text_stays_with_its_details(void **state)
{
	struct netgraph_split o = { 8, 0.3, 16 };
	struct netgraph_result r;
	struct netgraph g;
	struct lw_error err;
	uint32_t a[10], b[10];

	(void)state;
	for (uint32_t i = 0; i < 10; i++) {
		a[i] = 2 * i;
		b[i] = 2 * i + 1;
	}
	netgraph_init(&g, 20);
	netgraph_add_contact(&g, a, 10);              /* number */
	netgraph_add_contact(&g, a, 10);              /* address */
	netgraph_add_contact(&g, b, 10);
	netgraph_add_contact(&g, b, 10);
	netgraph_add_edge(&g, a[9], b[9], netgraph_text_weight(0, 3, 1), NETGRAPH_TEXT);
	netgraph_finish(&g);
	assert_int_equal(netgraph_partition(&g, &o, &r, &err), 0);
	for (int i = 1; i < 10; i++) {
		assert_int_equal(r.part[a[i]], r.part[a[0]]);
		assert_int_equal(r.part[b[i]], r.part[b[0]]);
	}
	assert_int_not_equal(r.part[a[0]], r.part[b[0]]);
	assert_int_equal(r.cut_edges, 1);
	netgraph_result_release(&r);
	netgraph_release(&g);
}

static void test_tight_group_stays_whole(void **state)
{
	struct netgraph_split o = { 8, 0.3, 1 };
	struct netgraph_result r;
	struct netgraph g;
	struct lw_error err;

	(void)state;
	/* One group with two contacts: 12 ads give the number, 12 the handle,
	 * 6 of them both. Knit closely enough to stay one network. */
	netgraph_init(&g, 18);
	clique(&g, 0, 12);
	clique(&g, 6, 12);
	netgraph_finish(&g);
	assert_int_equal(netgraph_partition(&g, &o, &r, &err), 0);
	assert_int_equal(r.split, 0);
	assert_int_equal(r.nparts, 1);
	netgraph_result_release(&r);
	netgraph_release(&g);
	/* A single detail shared by 30: a clique is never split. */
	netgraph_init(&g, 30);
	clique(&g, 0, 30);
	netgraph_finish(&g);
	assert_int_equal(netgraph_partition(&g, &o, &r, &err), 0);
	assert_int_equal(r.nparts, 1);
	netgraph_result_release(&r);
	netgraph_release(&g);
}

static void test_components_and_singletons(void **state)
{
	struct netgraph_split o = { 0, 0.15, 1 };
	struct netgraph_result r;
	struct netgraph g;
	struct lw_error err;

	(void)state;
	netgraph_init(&g, 6);
	netgraph_add_edge(&g, 4, 1, 1, NETGRAPH_CONTACT);
	netgraph_add_edge(&g, 2, 5, 1, NETGRAPH_CONTACT);
	netgraph_finish(&g);
	assert_int_equal(netgraph_partition(&g, &o, &r, &err), 0);
	/* {0} {1,4} {2,5} {3}, numbered by their lowest node. */
	assert_int_equal(r.nparts, 4);
	assert_int_equal(r.part[0], 0);
	assert_int_equal(r.part[1], 1);
	assert_int_equal(r.part[4], 1);
	assert_int_equal(r.part[2], 2);
	assert_int_equal(r.part[5], 2);
	assert_int_equal(r.part[3], 3);
	netgraph_result_release(&r);
	netgraph_release(&g);
}

/* ---- stable ids ----------------------------------------------------------------- */

static void test_ids_kept(void **state)
{
	/* Listings 10..15; before: {10,11,12} network 10, {13,14} network 13, {15} 15. */
	long long ids[6] = { 10, 11, 12, 13, 14, 15 }, old[6] = { 10, 10, 10, 13, 13, 15 };
	uint32_t same[6] = { 0, 0, 0, 1, 1, 2 };
	struct netgraph_result r = { same, 3, 0, 0 };
	long long net[6], fresh = 1000;

	(void)state;
	netgraph_assign_ids(&r, 6, old, ids, &fresh, net);
	assert_int_equal(net[0], 10);
	assert_int_equal(net[1], 13);
	assert_int_equal(net[2], 15);
	assert_int_equal(fresh, 1000);
}

static void test_ids_merge_and_split(void **state)
{
	long long ids[6] = { 10, 11, 12, 13, 14, 15 }, old[6] = { 10, 10, 10, 13, 13, 15 };
	/* Merge: 13's two ads join 10's three - the larger keeps its id. */
	uint32_t merged[6] = { 0, 0, 0, 0, 0, 1 };
	struct netgraph_result r = { merged, 2, 0, 0 };
	/* Split: network 10 loses 10 and 11 to a new part; the part with
	 * most of... a tie goes to the lower id. */
	uint32_t split[6] = { 0, 0, 1, 2, 2, 3 };
	long long net[6], fresh = 1000;

	(void)state;
	netgraph_assign_ids(&r, 6, old, ids, &fresh, net);
	assert_int_equal(net[0], 10);
	assert_int_equal(net[1], 15);
	r.part = split;
	r.nparts = 4;
	netgraph_assign_ids(&r, 6, old, ids, &fresh, net);
	assert_int_equal(net[0], 10);       /* two of network 10's three ads stay */
	assert_int_equal(net[1], 12);       /* a new part: its first ad, 12, names no network */
	assert_int_equal(net[2], 13);
	assert_int_equal(net[3], 15);
	/* A new part whose first ad already names a network gets a fresh id. */
	{
		long long old2[6] = { 10, 10, 10, 10, 13, 13 };
		uint32_t p2[6] = { 0, 1, 1, 1, 2, 2 };

		r.part = p2;
		r.nparts = 3;
		netgraph_assign_ids(&r, 6, old2, ids, &fresh, net);
		assert_int_equal(net[1], 10);   /* three of network 10's four */
		assert_int_equal(net[0], 1000); /* listing 10 names network 10 */
		assert_int_equal(net[2], 13);
		assert_int_equal(fresh, 1001);
	}
}

/* Re-linking the same graph twice gives the same partition (Leiden is
 * seeded) and the same ids. */
static void test_relink_stable(void **state)
{
	struct netgraph_split o = { 8, 0.3, 7 };
	struct netgraph_result r1, r2;
	struct netgraph g;
	struct lw_error err;
	long long ids[60], old[60], n1[60], n2[60], fresh = 5000;
	uint32_t copied[2] = { 5, 30 };

	(void)state;
	netgraph_init(&g, 60);
	clique(&g, 0, 30);
	clique(&g, 30, 30);
	netgraph_add_contact(&g, copied, 2);
	netgraph_finish(&g);
	for (int i = 0; i < 60; i++) {
		ids[i] = 100 + i;
		old[i] = 100;           /* everything was one network before */
	}
	assert_int_equal(netgraph_partition(&g, &o, &r1, &err), 0);
	assert_int_equal(netgraph_partition(&g, &o, &r2, &err), 0);
	assert_int_equal(r1.nparts, 2);
	assert_memory_equal(r1.part, r2.part, 60 * sizeof(*r1.part));
	netgraph_assign_ids(&r1, 60, old, ids, &fresh, n1);
	/* The first group keeps 100 (about 30 and 30: the part holding more,
	 * or the first), the second is named after its first ad (130, or 131
	 * when the ad with both numbers went with the first group). */
	assert_int_equal(n1[r1.part[0]], 100);
	{
		int first = 0;

		while (r1.part[first] != r1.part[59])
			first++;
		assert_true(first == 30 || first == 31);
		assert_int_equal(n1[r1.part[59]], 100 + first);
	}
	/* Linked again with those ids: nothing moves. */
	for (int i = 0; i < 60; i++)
		old[i] = n1[r1.part[i]];
	netgraph_assign_ids(&r2, 60, old, ids, &fresh, n2);
	assert_memory_equal(n1, n2, 2 * sizeof(*n1));
	netgraph_result_release(&r1);
	netgraph_result_release(&r2);
	netgraph_release(&g);
}

/* ---- several threads ------------------------------------------------------------ */

/* The crawl's writer lanes link on several threads at once; igraph keeps
 * its unwinding stack and random generator per process, so unserialised
 * calls aborted the process ("Corrupt finally stack") or mixed seeds. */
#define RACE_THREADS 4
#define RACE_ROUNDS 150

struct race {
	const struct netgraph *g;
	const struct netgraph_result *want;
	int failures, mismatches;
};

static void *race_run(void *arg)
{
	struct race *x = arg;
	struct netgraph_split o = { 8, 0.3, 7 };

	for (int i = 0; i < RACE_ROUNDS; i++) {
		struct netgraph_result r;
		struct lw_error err;

		if (netgraph_partition(x->g, &o, &r, &err) < 0) {
			x->failures++;
			continue;
		}
		if (r.nparts != x->want->nparts ||
		    memcmp(r.part, x->want->part, x->g->n * sizeof(*r.part)) != 0)
			x->mismatches++;
		netgraph_result_release(&r);
	}
	return NULL;
}

static void test_partitions_on_threads(void **state)
{
	struct netgraph_split o = { 8, 0.3, 7 };
	struct race x[RACE_THREADS];
	pthread_t th[RACE_THREADS];
	struct netgraph_result want;
	struct netgraph g;
	struct lw_error err;
	uint32_t bridge[4] = { 0, 30, 60, 90 };

	(void)state;
	/* Four groups of 30 joined by one shared detail: split on every run,
	 * and the same seed must give the same split on any thread. */
	netgraph_init(&g, 120);
	for (uint32_t b = 0; b < 120; b += 30)
		clique(&g, b, 30);
	netgraph_add_contact(&g, bridge, 4);
	netgraph_finish(&g);
	assert_int_equal(netgraph_partition(&g, &o, &want, &err), 0);
	assert_true(want.split >= 1);
	for (int t = 0; t < RACE_THREADS; t++) {
		x[t] = (struct race){ &g, &want, 0, 0 };
		assert_int_equal(pthread_create(&th[t], NULL, race_run, &x[t]), 0);
	}
	for (int t = 0; t < RACE_THREADS; t++) {
		assert_int_equal(pthread_join(th[t], NULL), 0);
		assert_int_equal(x[t].failures, 0);
		assert_int_equal(x[t].mismatches, 0);
	}
	netgraph_result_release(&want);
	netgraph_release(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_contact_edges),
		cmocka_unit_test(test_finish_merges_evidence),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_texts_mass),
		cmocka_unit_test(test_texts_all_pairs),
		cmocka_unit_test(test_two_groups_bridged_are_split),
		cmocka_unit_test(test_copied_text_stays_with_its_details),
		cmocka_unit_test(test_tight_group_stays_whole),
		cmocka_unit_test(test_components_and_singletons),
		cmocka_unit_test(test_ids_kept),
		cmocka_unit_test(test_ids_merge_and_split),
		cmocka_unit_test(test_relink_stable),
		cmocka_unit_test(test_partitions_on_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

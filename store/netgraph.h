/* SPDX-License-Identifier: MIT */
/* The graph behind networks, in memory and free of the database so it can be
 * tested alone: weighted edges between ads (a shared contact detail, a
 * near-duplicate text), connected components, community detection (igraph's
 * Leiden) to split a component that is only loosely knit, and stable network
 * ids across re-linking. Nodes are 0..n-1 (the caller's ads in id order). */
#ifndef LW_NETGRAPH_H
#define LW_NETGRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "../util/error.h"

enum { NETGRAPH_CONTACT = 1, NETGRAPH_TEXT = 2 };

/* A detail shared by more ads than this ties each to a few others instead of
 * to all of them (a ring with chords): k^2 edges would swamp memory, and the
 * ads are connected either way. */
#define NETGRAPH_CLIQUE_MAX 64
/* A fingerprint band shared by more texts than this is a template used by
 * everyone (a board's boilerplate): its texts do not link on their own. The
 * one definition: the rebuild counts in memory, incremental linking and a
 * recut pass it to the store (migration 072). */
#define NETGRAPH_TEXT_MASS 200

struct netgraph_edge {
	uint32_t a, b;          /* a < b */
	float w;
	uint8_t why;            /* NETGRAPH_CONTACT or NETGRAPH_TEXT */
};

struct netgraph {
	size_t n;               /* nodes */
	struct netgraph_edge *e;
	size_t ne, cap;
	size_t mass_templates;  /* bands skipped as NETGRAPH_TEXT_MASS */
};

void netgraph_init(struct netgraph *g, size_t n);
void netgraph_release(struct netgraph *g);

/* Strength of a tie through a detail k ads share: 1/(k-1), so an ad's ties
 * through one detail add up to 1 and a rarer detail's tie is stronger. */
double netgraph_contact_weight(size_t k);
/* Strength of a near-duplicate tie bits apart (max_bits the most that
 * links) between ads with up to degree near-duplicates: 0.5 for a copy
 * down to 0.25 at the limit, divided by degree - half a detail's, since
 * templates are copied between groups. */
double netgraph_text_weight(int bits, int max_bits, size_t degree);

/* Adds the edge a-b (a != b, both < n) with weight w. */
void netgraph_add_edge(struct netgraph *g, uint32_t a, uint32_t b, double w, int why);
/* Ties the k nodes (sorted, distinct) that share one detail. */
void netgraph_add_contact(struct netgraph *g, const uint32_t *nodes, size_t k);
/* Ties nodes whose fingerprints (simhash[i], has[i] non-zero when node i
 * has one) are within max_bits, finding candidates by 16-bit band. A band
 * shared by more than NETGRAPH_TEXT_MASS of the nodes links nothing, nor
 * does band k of node i when bit k of mass[i] is set (mass may be NULL):
 * the store's count when the nodes are only some of its ads. */
void netgraph_add_texts(struct netgraph *g, const uint64_t *simhash, const unsigned char *has,
			const unsigned char *mass, int max_bits);
/* Sorts the edges and merges duplicates (the strongest evidence wins; a
 * pair tied by both a detail and its text keeps the detail's weight plus
 * the text's). */
void netgraph_finish(struct netgraph *g);

struct netgraph_split {
	size_t min_size;        /* components smaller than this stay whole (0: never split) */
	double max_conductance; /* a community is cut off only if at most this share
	                         * of its tie weight leads outside it */
	unsigned long seed;     /* Leiden is randomised: same seed, same answer */
};

struct netgraph_result {
	uint32_t *part;         /* per node: its network 0..nparts-1, numbered by lowest node */
	size_t nparts;
	size_t split;           /* components split */
	size_t cut_edges;       /* edges between parts of a split component */
};

/* Components of g's edges (netgraph_finish first), each of at least
 * o->min_size nodes tried with Leiden (modularity, weighted) and split when
 * the communities it finds are loosely tied (conductance at most
 * o->max_conductance; communities tied more closely are merged back). r is
 * filled (netgraph_result_release). Returns 0 or -1 with err. */
int netgraph_partition(const struct netgraph *g, const struct netgraph_split *o,
		       struct netgraph_result *r, struct lw_error *err);
void netgraph_result_release(struct netgraph_result *r);

/* Names each part so networks keep their ids: old[i] is node i's network
 * before (-1: none), ids[i] its listing id. A part takes the old id most of
 * its members had (an old id goes to the part holding most of its members;
 * ties to the lower id); a part with no such id takes its lowest listing id
 * that names no other network, else *next_fresh (incremented). net[p]
 * receives part p's id. */
void netgraph_assign_ids(const struct netgraph_result *r, size_t n, const long long *old,
			 const long long *ids, long long *next_fresh, long long *net);

#endif

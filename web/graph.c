/* SPDX-License-Identifier: MIT */
/* A network drawn on the server: DOT text built from the store's graph,
 * laid out by Graphviz (sfdp for large graphs, neato for small ones) and
 * rendered to SVG. The browser gets it through <img>, where an SVG can run
 * nothing; labels carry only printable ASCII of what ads wrote. */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <graphviz/gvc.h>

#include "../util/dynlib.h"
#include "../util/xmalloc.h"
#include "web_internal.h"

#ifndef LW_GVC_SONAME
#define LW_GVC_SONAME "libgvc.so.6"
#endif

/* Graphviz is opened at the first drawing, not at every start-up
 * (util/dynlib.h); agmemread and agclose come from libcgraph, which libgvc
 * loads with it. */
struct gvc_fns {
	__typeof__(gvContext) *gvContext;
	__typeof__(gvFreeContext) *gvFreeContext;
	__typeof__(gvLayout) *gvLayout;
	__typeof__(gvFreeLayout) *gvFreeLayout;
	__typeof__(gvRenderData) *gvRenderData;
	__typeof__(gvFreeRenderData) *gvFreeRenderData;
	__typeof__(agmemread) *agmemread;
	__typeof__(agclose) *agclose;
};

#define GV(f) { #f, offsetof(struct gvc_fns, f) }
static const struct lw_dynsym gvc_syms[] = {
	GV(gvContext), GV(gvFreeContext), GV(gvLayout), GV(gvFreeLayout), GV(gvRenderData),
	GV(gvFreeRenderData), GV(agmemread), GV(agclose),
};
#undef GV

static struct gvc_fns gv;
static struct lw_error gvc_err;
static int gvc_rc = -1;
static pthread_once_t gvc_once = PTHREAD_ONCE_INIT;

static void gvc_load(void)
{
	gvc_rc = lw_dynlib_load(LW_GVC_SONAME, "network drawing", gvc_syms,
				sizeof(gvc_syms) / sizeof(gvc_syms[0]), &gv, &gvc_err);
}

#define MAX_LABEL 32
#define SFDP_FROM 40

/* A DOT string's content: printable ASCII, quotes and backslashes escaped,
 * at most MAX_LABEL characters. */
static void dot_label(struct lw_buf *b, const char *s)
{
	size_t n = 0;

	for (; s && *s && n < MAX_LABEL; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f)
			c = '?';
		if (c == '"' || c == '\\')
			lw_buf_addc(b, '\\');
		lw_buf_addc(b, (char)c);
		n++;
	}
	if (s && *s)
		lw_buf_adds(b, "...");
}

/* The index of the first entry for value in the graph's entity list, or
 * -1. Ads link by the normalised value whatever its kind (a number written
 * as a phone in one ad and as a WhatsApp contact in another): one node. */
static long entity_index(json_t *ents, const char *value)
{
	size_t i;
	json_t *e;

	json_array_foreach(ents, i, e)
		if (strcmp(jstr(e, "value"), value) == 0)
			return (long)i;
	return -1;
}

/* "phone/whatsapp": the kinds an entity's value was found as. */
static void kinds_label(struct lw_buf *b, json_t *ents, const char *value)
{
	size_t i;
	json_t *e;
	int first = 1;

	json_array_foreach(ents, i, e)
		if (strcmp(jstr(e, "value"), value) == 0) {
			if (!first)
				lw_buf_addc(b, '/');
			first = 0;
			dot_label(b, jstr(e, "kind"));
		}
}

static void build_dot(struct lw_buf *b, json_t *g, int big)
{
	json_t *ls = json_object_get(g, "listings"), *ents = json_object_get(g, "entities"), *x;
	size_t i;

	lw_buf_printf(b, "strict graph network {\n graph [overlap=%s, splines=true, bgcolor=\"white\","
		      " fontname=\"sans-serif\"];\n node [fontname=\"sans-serif\", fontsize=10];\n",
		      big ? "prism" : "false");
	json_array_foreach(ls, i, x) {
		lw_buf_printf(b, " l%ld [shape=box, style=filled, fillcolor=\"%s\", label=\"ad %ld, ",
			      jint(x, "id"), jnum(x, "score") >= 6 ? "#f6c6c6" : "#e8eef7",
			      jint(x, "id"));
		dot_label(b, jstr(x, "source"));
		lw_buf_printf(b, "\\n%.1f\"];\n", jnum(x, "score"));
	}
	json_array_foreach(ents, i, x) {
		if (entity_index(ents, jstr(x, "value")) != (long)i)
			continue;
		lw_buf_printf(b, " e%zu [shape=ellipse, style=filled, fillcolor=\"#fff3c4\", label=\"", i);
		kinds_label(b, ents, jstr(x, "value"));
		lw_buf_adds(b, "\\n");
		dot_label(b, jstr(x, "value"));
		lw_buf_adds(b, "\"];\n");
	}
	json_array_foreach(json_object_get(g, "edges"), i, x) {
		long e = entity_index(ents, jstr(x, "entity"));

		if (e >= 0)
			lw_buf_printf(b, " l%ld -- e%ld;\n", jint(x, "listing"), e);
	}
	json_array_foreach(json_object_get(g, "near_duplicates"), i, x)
		lw_buf_printf(b, " l%ld -- l%ld [style=dashed, color=\"#888888\"];\n", jint(x, "a"),
			      jint(x, "b"));
	lw_buf_adds(b, "}\n");
}

char *graph_svg(struct web_server *ws, json_t *g, size_t *len, struct lw_error *err)
{
	struct lw_buf dot;
	size_t nodes = json_array_size(json_object_get(g, "listings")) +
		       json_array_size(json_object_get(g, "entities"));
	GVC_t *gvc = NULL;
	Agraph_t *graph = NULL;
	char *data = NULL, *out = NULL;
	unsigned int dlen = 0;
	int laid = 0;

	lw_buf_init(&dot, 16 * 1024 * 1024);
	build_dot(&dot, g, nodes >= SFDP_FROM);
	if (!dot.data) {
		lw_error_set(err, "graph too large to draw");
		return NULL;
	}
	pthread_once(&gvc_once, gvc_load);
	if (gvc_rc < 0) {
		lw_error_set(err, "%s", gvc_err.msg);
		lw_buf_release(&dot);
		return NULL;
	}
	/* Graphviz keeps global state: one drawing at a time, and one context
	 * for the server's life: its text-size code caches a font name across
	 * contexts, so freeing a context and making another reads freed memory
	 * (found by ASan with Graphviz 2.43). */
	pthread_mutex_lock(&ws->gv_mu);
	if (!ws->gvc)
		ws->gvc = gv.gvContext();
	gvc = ws->gvc;
	if (!gvc) {
		lw_error_set(err, "graphviz: no context");
		goto out;
	}
	graph = gv.agmemread(dot.data);
	if (!graph) {
		lw_error_set(err, "graphviz could not read the graph");
		goto out;
	}
	if (gv.gvLayout(gvc, graph, nodes >= SFDP_FROM ? "sfdp" : "neato") != 0) {
		lw_error_set(err, "graphviz layout failed (is the graphviz package installed?)");
		goto out;
	}
	laid = 1;
	if (gv.gvRenderData(gvc, graph, "svg", &data, &dlen) != 0 || !data) {
		lw_error_set(err, "graphviz could not render SVG");
		goto out;
	}
	out = xmalloc((size_t)dlen + 1);
	memcpy(out, data, dlen);
	out[dlen] = '\0';
	*len = dlen;
out:
	if (data)
		gv.gvFreeRenderData(data);
	if (laid)
		gv.gvFreeLayout(gvc, graph);
	if (graph)
		gv.agclose(graph);
	pthread_mutex_unlock(&ws->gv_mu);
	lw_buf_release(&dot);
	return out;
}

void graph_release(struct web_server *ws)
{
	/* A context exists only if the library was loaded. */
	if (ws->gvc)
		gv.gvFreeContext(ws->gvc);
	ws->gvc = NULL;
}

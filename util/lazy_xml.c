/* SPDX-License-Identifier: MIT */
/* libxml2 opened on first use (util/lazy.h). HTML pages: the crawler's link and text extraction, and HTML given to match. */
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/SAX2.h>
#include <libxml/encoding.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "lazy.h"

#define FUNCS(X) \
	X(__xmlGenericError) \
	X(__xmlGenericErrorContext) \
	X(__xmlStructuredError) \
	X(__xmlStructuredErrorContext) \
	X(htmlCtxtReadMemory) \
	X(htmlFreeParserCtxt) \
	X(htmlNewDocNoDtD) \
	X(htmlNewParserCtxt) \
	X(htmlReadMemory) \
	X(xmlCharEncCloseFunc) \
	X(xmlCtxtGetLastError) \
	X(xmlCtxtReadMemory) \
	X(xmlDocGetRootElement) \
	X(xmlFindCharEncodingHandler) \
	X(xmlFreeDoc) \
	X(xmlFreeParserCtxt) \
	X(xmlGetLastError) \
	X(xmlGetNoNsProp) \
	X(xmlInitParser) \
	X(xmlMemSetup) \
	X(xmlFree) \
	X(xmlNewParserCtxt) \
	X(xmlNodeGetContent) \
	X(xmlResetLastError) \
	X(xmlSAX2Comment) \
	X(xmlSAX2StartElement) \
	X(xmlSetGenericErrorFunc) \
	X(xmlSetStructuredErrorFunc) \
	X(xmlStrcasecmp) \
	X(xmlXPathCastToString) \
	X(xmlXPathCompile) \
	X(xmlXPathCtxtCompile) \
	X(xmlXPathEvalExpression) \
	X(xmlXPathFreeCompExpr) \
	X(xmlXPathFreeContext) \
	X(xmlXPathFreeObject) \
	X(xmlXPathNewContext) \
	X(htmlNodeDump) \
	X(xmlBufferContent) \
	X(xmlBufferCreate) \
	X(xmlBufferFree) \
	X(xmlBufferLength) \
	X(xmlCleanupParser)

static void loaded(void);

LW_LAZY_LIBRARY(FUNCS, LW_XML2_SONAME, "reading HTML", LW_XML2_PACKAGE, loaded)

/* cli/main.c hands libxml2 its allocators at start-up, before anything
 * knows whether libxml2 will be needed: keep them until it is opened. */
static struct {
	int set;
	xmlFreeFunc free_fn;
	xmlMallocFunc malloc_fn;
	xmlReallocFunc realloc_fn;
	xmlStrdupFunc strdup_fn;
} mem;

static void loaded(void)
{
	if (mem.set)
		fn.xmlMemSetup(mem.free_fn, mem.malloc_fn, mem.realloc_fn, mem.strdup_fn);
}

xmlGenericErrorFunc *(__xmlGenericError)(void)
{
	need();
	return fn.__xmlGenericError();
}

void * *(__xmlGenericErrorContext)(void)
{
	need();
	return fn.__xmlGenericErrorContext();
}

xmlStructuredErrorFunc *(__xmlStructuredError)(void)
{
	need();
	return fn.__xmlStructuredError();
}

void * *(__xmlStructuredErrorContext)(void)
{
	need();
	return fn.__xmlStructuredErrorContext();
}

htmlDocPtr (htmlCtxtReadMemory)(xmlParserCtxtPtr ctxt, const char *buffer, int size, const char *URL, const char *encoding, int options)
{
	need();
	return fn.htmlCtxtReadMemory(ctxt, buffer, size, URL, encoding, options);
}

void (htmlFreeParserCtxt)(htmlParserCtxtPtr ctxt)
{
	need();
	fn.htmlFreeParserCtxt(ctxt);
}

htmlDocPtr (htmlNewDocNoDtD)(const xmlChar *URI, const xmlChar *ExternalID)
{
	need();
	return fn.htmlNewDocNoDtD(URI, ExternalID);
}

htmlParserCtxtPtr (htmlNewParserCtxt)(void)
{
	need();
	return fn.htmlNewParserCtxt();
}

htmlDocPtr (htmlReadMemory)(const char *buffer, int size, const char *URL, const char *encoding, int options)
{
	need();
	return fn.htmlReadMemory(buffer, size, URL, encoding, options);
}

int (xmlCharEncCloseFunc)(xmlCharEncodingHandler *handler)
{
	need();
	return fn.xmlCharEncCloseFunc(handler);
}

xmlErrorPtr (xmlCtxtGetLastError)(void *ctx)
{
	need();
	return fn.xmlCtxtGetLastError(ctx);
}

xmlDocPtr (xmlCtxtReadMemory)(xmlParserCtxtPtr ctxt, const char *buffer, int size, const char *URL, const char *encoding, int options)
{
	need();
	return fn.xmlCtxtReadMemory(ctxt, buffer, size, URL, encoding, options);
}

xmlNodePtr (xmlDocGetRootElement)(const xmlDoc *doc)
{
	need();
	return fn.xmlDocGetRootElement(doc);
}

xmlCharEncodingHandlerPtr (xmlFindCharEncodingHandler)(const char *name)
{
	need();
	return fn.xmlFindCharEncodingHandler(name);
}

void (xmlFreeDoc)(xmlDocPtr cur)
{
	need();
	fn.xmlFreeDoc(cur);
}

void (xmlFreeParserCtxt)(xmlParserCtxtPtr ctxt)
{
	need();
	fn.xmlFreeParserCtxt(ctxt);
}

xmlErrorPtr (xmlGetLastError)(void)
{
	need();
	return fn.xmlGetLastError();
}

xmlChar *(xmlGetNoNsProp)(const xmlNode *node, const xmlChar *name)
{
	need();
	return fn.xmlGetNoNsProp(node, name);
}

void (xmlInitParser)(void)
{
	need();
	fn.xmlInitParser();
}

int (xmlMemSetup)(xmlFreeFunc freeFunc, xmlMallocFunc mallocFunc, xmlReallocFunc reallocFunc, xmlStrdupFunc strdupFunc)
{
	/* Opening libxml2 just to set its allocators would undo the point. */
	if (!lw_lazy_is_open(&lib)) {
		mem.set = 1;
		mem.free_fn = freeFunc;
		mem.malloc_fn = mallocFunc;
		mem.realloc_fn = reallocFunc;
		mem.strdup_fn = strdupFunc;
		return 0;
	}
	return fn.xmlMemSetup(freeFunc, mallocFunc, reallocFunc, strdupFunc);
}

xmlParserCtxtPtr (xmlNewParserCtxt)(void)
{
	need();
	return fn.xmlNewParserCtxt();
}

xmlChar *(xmlNodeGetContent)(const xmlNode *cur)
{
	need();
	return fn.xmlNodeGetContent(cur);
}

void (xmlResetLastError)(void)
{
	need();
	fn.xmlResetLastError();
}

void (xmlSAX2Comment)(void *ctx, const xmlChar *value)
{
	need();
	fn.xmlSAX2Comment(ctx, value);
}

void (xmlSAX2StartElement)(void *ctx, const xmlChar *fullname, const xmlChar **atts)
{
	need();
	fn.xmlSAX2StartElement(ctx, fullname, atts);
}

void (xmlSetGenericErrorFunc)(void *ctx, xmlGenericErrorFunc handler)
{
	need();
	fn.xmlSetGenericErrorFunc(ctx, handler);
}

void (xmlSetStructuredErrorFunc)(void *ctx, xmlStructuredErrorFunc handler)
{
	need();
	fn.xmlSetStructuredErrorFunc(ctx, handler);
}

int (xmlStrcasecmp)(const xmlChar *str1, const xmlChar *str2)
{
	need();
	return fn.xmlStrcasecmp(str1, str2);
}

xmlChar *(xmlXPathCastToString)(xmlXPathObjectPtr val)
{
	need();
	return fn.xmlXPathCastToString(val);
}

xmlXPathCompExprPtr (xmlXPathCompile)(const xmlChar *str)
{
	need();
	return fn.xmlXPathCompile(str);
}

xmlXPathCompExprPtr (xmlXPathCtxtCompile)(xmlXPathContextPtr ctxt, const xmlChar *str)
{
	need();
	return fn.xmlXPathCtxtCompile(ctxt, str);
}

xmlXPathObjectPtr (xmlXPathEvalExpression)(const xmlChar *str, xmlXPathContextPtr ctxt)
{
	need();
	return fn.xmlXPathEvalExpression(str, ctxt);
}

void (xmlXPathFreeCompExpr)(xmlXPathCompExprPtr comp)
{
	need();
	fn.xmlXPathFreeCompExpr(comp);
}

void (xmlXPathFreeContext)(xmlXPathContextPtr ctxt)
{
	need();
	fn.xmlXPathFreeContext(ctxt);
}

void (xmlXPathFreeObject)(xmlXPathObjectPtr obj)
{
	need();
	fn.xmlXPathFreeObject(obj);
}

xmlXPathContextPtr (xmlXPathNewContext)(xmlDocPtr doc)
{
	need();
	return fn.xmlXPathNewContext(doc);
}

/* Used by the unit tests only. */
int (htmlNodeDump)(xmlBufferPtr buf, xmlDocPtr doc, xmlNodePtr cur)
{
	need();
	return fn.htmlNodeDump(buf, doc, cur);
}

const xmlChar *(xmlBufferContent)(const xmlBuffer *buf)
{
	need();
	return fn.xmlBufferContent(buf);
}

xmlBufferPtr (xmlBufferCreate)(void)
{
	need();
	return fn.xmlBufferCreate();
}

void (xmlBufferFree)(xmlBufferPtr buf)
{
	need();
	fn.xmlBufferFree(buf);
}

int (xmlBufferLength)(const xmlBuffer *buf)
{
	need();
	return fn.xmlBufferLength(buf);
}

void (xmlCleanupParser)(void)
{
	need();
	fn.xmlCleanupParser();
}

/* xmlFree is a variable in libxml2 (a function pointer xmlMemSetup sets),
 * used as a function; ours calls whatever libxml2's holds at the time. */
static void free_lazily(void *mem)
{
	need();
	(*fn.xmlFree)(mem);
}

xmlFreeFunc xmlFree = free_lazily;

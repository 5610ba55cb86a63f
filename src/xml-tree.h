/* libxml2 toolkit for the modules that read libvirt's documents themselves: the one safe parse
 * every reader uses, the cleanup declarations for g_autoptr, and small readers over the tree.
 * Apart from xml-read.h so that its users need no libxml2 headers. */
#pragma once

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathObject, xmlXPathFreeObject)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree)

/* The largest document nv_xml_parse() reads, in bytes. */
#define NV_XML_MAX_BYTES (16 * 1024 * 1024)

typedef enum {
    NV_XML_PARSE_DEFAULT = 0,
    /* Drop blank text between elements, for documents that are edited and written out again
     * without formatting. */
    NV_XML_PARSE_NO_BLANKS = 1 << 0,
} NvXmlParseFlags;

/* Parses a document that is not trusted (libvirt's output is still input): at most
 * NV_XML_MAX_BYTES, no network, entities never expanded, and a document with a DOCTYPE is refused
 * before any declaration is read (libvirt never writes one; any DTD could declare entities).
 * On failure NULL and `err` (NV_ERROR_PARSE) reads "<failure>: <why>", `failure` being the
 * caller's translated sentence such as _("cannot read domain XML"). NULL or blank xml is an
 * error. Safe to call from several threads. */
xmlDoc *nv_xml_parse(const char *xml, NvXmlParseFlags flags, const char *failure, GError **err);
/* nv_xml_parse(), and the root element must be <root> (any name when NULL) in no namespace (libvirt
 * never uses one there; with one, none of our paths would match). */
xmlDoc *nv_xml_parse_root(const char *xml, const char *root, NvXmlParseFlags flags,
                          const char *failure, GError **err);

/* A value from a document, cut to 40 characters with "…" for an error message; "?" when it is
 * not UTF-8. */
char *nv_xml_quote(const char *value);

/* Whether n is an element named name (any element when name is NULL); FALSE for NULL. */
gboolean nv_xml_is_element(const xmlNode *n, const char *name);
/* The first child element of parent named name (any name when NULL), or NULL (also for a NULL
 * parent). */
xmlNode *nv_xml_child_element(const xmlNode *parent, const char *name);
/* The text content of n, "" when it has none or n is NULL; never NULL. */
char *nv_xml_node_text(const xmlNode *n);
/* The text content of n without surrounding white space; NULL when n is NULL. */
char *nv_xml_node_text_stripped(const xmlNode *n);
/* The value of n's attribute name, "" when it is missing or n is NULL; never NULL. */
char *nv_xml_node_attr(const xmlNode *n, const char *name);
/* The value of n's attribute name, NULL when it is missing or n is NULL. */
char *nv_xml_node_attr_or_null(const xmlNode *n, const char *name);
/* Whether n has attribute name with exactly this value. */
gboolean nv_xml_attr_is(const xmlNode *n, const char *name, const char *value);

/* The nodes matching expr in ctx, or NULL when there are none (or expr is not a node set). */
xmlXPathObject *nv_xml_xpath_nodes(xmlXPathContext *ctx, const char *expr);
/* XPath's string(expr) evaluated at node; "" when absent, never NULL. For a node set that is the
 * first node in document order. */
char *nv_xml_xpath_string(xmlXPathContext *ctx, xmlNode *node, const char *expr);

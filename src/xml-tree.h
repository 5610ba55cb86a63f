/* libxml2 helpers for the modules that parse libvirt's documents themselves: a parser context
 * safe for untrusted input, and small readers over the tree. Apart from xml-read.h so that its
 * users need no libxml2 headers. */
#pragma once

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

/* A parser context for a document that is not trusted: a DOCTYPE stops the parser and sets
 * *saw_dtd (any DTD could declare entities), errors stay in the context instead of reaching
 * stderr. Read with XML_PARSE_NONET and without XML_PARSE_NOENT. NULL when out of memory. */
xmlParserCtxt *nv_xml_untrusted_ctxt(gboolean *saw_dtd);

/* Whether n is an element named name; FALSE for NULL. */
gboolean nv_xml_is_element(const xmlNode *n, const char *name);
/* The first child element of parent named name, or NULL (also for a NULL parent). */
xmlNode *nv_xml_child_element(const xmlNode *parent, const char *name);
/* The text content of n, "" when it has none or n is NULL; never NULL. */
char *nv_xml_node_text(const xmlNode *n);
/* The value of n's attribute name, "" when it is missing or n is NULL; never NULL. */
char *nv_xml_node_attr(const xmlNode *n, const char *name);

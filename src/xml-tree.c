/* The one safe parse of libvirt's documents and small readers over the parsed tree. Every module
 * of the core that reads XML parses it here, so there is one policy to review and to test
 * (tests/unit-xml-tree.c). */
#include "xml-tree.h"

#include <string.h>

#include <libxml/xmlversion.h>

#include "error.h"
#include "i18n.h"

static void init_libxml(void)
{
    /* The first call is not thread-safe and workers parse concurrently. */
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        xmlInitParser();
        g_once_init_leave(&done, 1);
    }
}

/* Any DTD could declare entities (billion laughs, external files): libvirt never writes one,
 * so the parser is stopped as soon as a DOCTYPE starts, before a declaration is read. */
static void refuse_dtd(void *user, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id)
{
    xmlParserCtxt *ctxt = user;
    gboolean *seen = ctxt->_private;
    *seen = TRUE;
    xmlStopParser(ctxt);
}

/* Errors are taken from the context afterwards; nothing may reach stderr under curses. */
#if LIBXML_VERSION >= 21200
static void ignore_error(void *user, const xmlError *error) {}
#else
static void ignore_error(void *user, xmlError *error) {}
#endif

/* A parser context whose DOCTYPE handler stops the parser and sets *saw_dtd. */
static xmlParserCtxt *untrusted_ctxt(gboolean *saw_dtd)
{
    init_libxml();
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    if (ctxt == NULL)
        return NULL;
    ctxt->_private = saw_dtd;
    ctxt->sax->internalSubset = refuse_dtd;
    ctxt->sax->serror = ignore_error;
    return ctxt;
}

G_GNUC_PRINTF(3, 4)
static void set_error(GError **err, const char *failure, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, NV_ERROR, NV_ERROR_PARSE, "%s: %s", failure, detail);
}

/* libxml's own words for why the document is malformed, with the line when it knows it. */
static void set_parse_error(GError **err, const char *failure, xmlParserCtxt *ctxt)
{
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    g_autofree char *msg = g_strdup(e && e->message ? e->message : _("malformed document"));
    g_strstrip(msg);
    if (e && e->line > 0)
        set_error(err, failure, _("line %d: %s"), e->line, msg);
    else
        set_error(err, failure, "%s", msg);
}

xmlDoc *nv_xml_parse(const char *xml, NvXmlParseFlags flags, const char *failure, GError **err)
{
    if (xml == NULL || xml[strspn(xml, " \t\r\n")] == '\0') {
        set_error(err, failure, _("the document is empty"));
        return NULL;
    }
    /* libvirt's own documents are far smaller (a domain with hundreds of disks is well under
     * 1 MiB); anything bigger is a mistake or an attack, and the cap keeps the int length
     * libxml takes far from overflow. */
    size_t len = strnlen(xml, NV_XML_MAX_BYTES + 1);
    if (len > NV_XML_MAX_BYTES) {
        set_error(err, failure, _("the document is larger than %d MiB"),
                  NV_XML_MAX_BYTES / (1024 * 1024));
        return NULL;
    }
    gboolean saw_dtd = FALSE;
    g_autoptr(xmlParserCtxt) ctxt = untrusted_ctxt(&saw_dtd);
    if (ctxt == NULL) {
        set_error(err, failure, _("out of memory"));
        return NULL;
    }
    /* Never XML_PARSE_NOENT (entities stay unexpanded), DTDLOAD or DTDVALID; no network. */
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    if (flags & NV_XML_PARSE_NO_BLANKS)
        options |= XML_PARSE_NOBLANKS;
    g_autoptr(xmlDoc) doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL, options);
    if (saw_dtd) {
        set_error(err, failure, _("document type declarations are not accepted"));
        return NULL;
    }
    if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
        set_parse_error(err, failure, ctxt);
        return NULL;
    }
    return g_steal_pointer(&doc);
}

char *nv_xml_quote(const char *value)
{
    /* Enough to recognise a value, short enough that a hostile one cannot flood the screen. */
    enum { QUOTE_CHARS = 40 };
    if (!g_utf8_validate(value, -1, NULL))
        return g_strdup("?");
    if (g_utf8_strlen(value, -1) <= QUOTE_CHARS)
        return g_strdup(value);
    g_autofree char *head = g_utf8_substring(value, 0, QUOTE_CHARS);
    return g_strconcat(head, "…", NULL);
}

xmlDoc *nv_xml_parse_root(const char *xml, const char *root, NvXmlParseFlags flags,
                          const char *failure, GError **err)
{
    g_autoptr(xmlDoc) doc = nv_xml_parse(xml, flags, failure, err);
    if (doc == NULL)
        return NULL;
    xmlNode *r = xmlDocGetRootElement(doc);
    g_autofree char *name = nv_xml_quote((const char *)r->name);
    if (root != NULL && strcmp((const char *)r->name, root) != 0) {
        set_error(err, failure, _("the root element is <%s>, not <%s>"), name, root);
        return NULL;
    }
    if (r->ns != NULL) {
        set_error(err, failure, _("the root element <%s> is in an unexpected namespace"), name);
        return NULL;
    }
    return g_steal_pointer(&doc);
}

/* ---- small readers over a parsed tree ---- */

gboolean nv_xml_is_element(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)n->name, name) == 0);
}

xmlNode *nv_xml_child_element(const xmlNode *parent, const char *name)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
        if (nv_xml_is_element(c, name))
            return c;
    return NULL;
}

char *nv_xml_node_text(const xmlNode *n)
{
    xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
    char *out = g_strdup(t ? (const char *)t : "");
    xmlFree(t);
    return out;
}

char *nv_xml_node_text_stripped(const xmlNode *n)
{
    return n ? g_strstrip(nv_xml_node_text(n)) : NULL;
}

char *nv_xml_node_attr_or_null(const xmlNode *n, const char *name)
{
    xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;
    char *out = g_strdup((const char *)v);
    xmlFree(v);
    return out;
}

char *nv_xml_node_attr(const xmlNode *n, const char *name)
{
    char *v = nv_xml_node_attr_or_null(n, name);
    return v ? v : g_strdup("");
}

gboolean nv_xml_attr_is(const xmlNode *n, const char *name, const char *value)
{
    g_autofree char *v = nv_xml_node_attr_or_null(n, name);
    return v && strcmp(v, value) == 0;
}

xmlXPathObject *nv_xml_xpath_nodes(xmlXPathContext *ctx, const char *expr)
{
    g_autoptr(xmlXPathObject) o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    if (o == NULL || o->type != XPATH_NODESET || o->nodesetval == NULL ||
        o->nodesetval->nodeNr == 0)
        return NULL;
    return g_steal_pointer(&o);
}

char *nv_xml_xpath_string(xmlXPathContext *ctx, xmlNode *node, const char *expr)
{
    g_autofree char *full = g_strdup_printf("string(%s)", expr);
    ctx->node = node;
    g_autoptr(xmlXPathObject) obj = xmlXPathEval((const xmlChar *)full, ctx);
    if (obj == NULL || obj->type != XPATH_STRING || obj->stringval == NULL)
        return g_strdup("");
    return g_strdup((const char *)obj->stringval);
}

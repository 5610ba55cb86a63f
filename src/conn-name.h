/* Short names for hosts ("hv1", "localhost", "a"), made from their URIs and kept unique
 * among the connections of one process: the Host column, the header and `--list` show them. */
#pragma once

#include <glib.h>

/* The label of `uri`: its host ("hv1" of qemu+ssh://root@hv1/system), "localhost" for a
 * local URI (qemu:///system), and for the test driver (test:///path/a.xml, test+unix:///…)
 * the file's base name without ".xml", so that two test-driver hosts differ. A URI GLib
 * cannot parse is its own label. Never NULL nor empty. */
char *nv_conn_label_for_uri(const char *uri);
/* `base`, else "base (2)", "base (3)", … : the first that is not in `taken` (a
 * NULL-terminated array, or NULL). */
char *nv_conn_unique_label(const char *base, const char *const *taken);
/* The labels of `uris` (NULL-terminated), unique among themselves, in the same order. */
char **nv_conn_labels(const char *const *uris);

/* The non-interactive output of `ncvirt --list [--json]`, built from the same model. */
#pragma once

#include <glib.h>

/* A table with a header row: Name, State, vCPUs, Memory, Title; names sanitised, columns
 * aligned by display width. Ends with a newline. */
char *nv_listing_table(GPtrArray *domains);
/* A JSON array of objects: name, uuid, state (word), state_code, id, vcpus, memory_kib,
 * max_memory_kib, title. Valid JSON for any input (strings escaped). Ends with a newline. */
char *nv_listing_json(GPtrArray *domains);
/* The same with a host per domain (`hosts[i]`, char*, for domains[i]): a Host column first,
 * a "host" field first. NULL `hosts`: exactly nv_listing_table / nv_listing_json. */
char *nv_listing_table_hosts(GPtrArray *domains, GPtrArray *hosts);
char *nv_listing_json_hosts(GPtrArray *domains, GPtrArray *hosts);
/* `ncvirt --list` whole: opens each of `uris` (NULL-terminated) in turn, lists its domains and
 * closes it again; the text (JSON when `json`), with the hosts' labels (conn-name.h) when
 * there are several, or NULL with `err`. One URI: its failure is `err`. Several: a host that
 * fails adds "label: reason" to `failures` (may be NULL) and the others are still listed;
 * NULL with `err` only when every host failed. Blocks: for the one-shot listing, never the
 * UI. */
char *nv_listing_fetch(const char *const *uris, gboolean readonly, gboolean json,
                       GPtrArray *failures, GError **err);

/* The non-interactive output of `ncvirt --list [--json]`, built from the same model. */
#pragma once

#include <glib.h>

/* A table with a header row: Name, State, vCPUs, Memory, Title; names sanitised, columns
 * aligned by display width. Ends with a newline. */
char *nv_listing_table(GPtrArray *domains);
/* A JSON array of objects: name, uuid, state (word), state_code, id, vcpus, memory_kib,
 * max_memory_kib, title. Valid JSON for any input (strings escaped). Ends with a newline. */
char *nv_listing_json(GPtrArray *domains);
/* `ncvirt --list` whole: opens `uri`, lists its domains and closes it again; the text (JSON
 * when `json`) or NULL with `err`. Blocks: for the one-shot listing, never the UI. */
char *nv_listing_fetch(const char *uri, gboolean readonly, gboolean json, GError **err);

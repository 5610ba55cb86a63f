/* Fuzzes the names module: the first byte picks the kind, the rest is the name. A name
 * accepted for a new object must be one libvirt hands back and ncvirt still looks up, within
 * the kind's length and free of control characters. */
#include <stdlib.h>

#include "fuzz.h"
#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    FuzzReader r = {data, size};
    NvNameKind kind = (NvNameKind)(fuzz_u8(&r) % NV_NAME_KIND_COUNT);
    g_autofree char *name = fuzz_string(r.data, r.size);

    g_autoptr(GError) err = NULL;
    gboolean ok = nv_name_check(kind, name, &err);
    if (ok != (err == NULL))
        abort();
    if (err != NULL && !g_utf8_validate(err->message, -1, NULL))
        abort();
    if (ok && (strlen(name) > nv_name_max(kind) || nv_name_has_control(name)))
        abort();

    g_autoptr(GError) err2 = NULL;
    gboolean existing = nv_name_check_existing(kind, name, &err2);
    if (existing != (err2 == NULL))
        abort();
    if (ok && !existing)
        abort(); /* a name we let the user make that we cannot find again */
    return 0;
}

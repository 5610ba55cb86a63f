/* Names and help texts of the actions, generated from the one table in keymap-actions.h. */
#include "keymap-actions.h"

#include <string.h>

#include "i18n.h"

typedef struct {
    const char *name;
    const char *help;
} NvActionInfo;

static const NvActionInfo nv_actions[NV_ACTION_COUNT] = {
#define NV_ACTION_INFO(id, name, help) [NV_ACTION_##id] = {name, help},
    NV_ACTIONS(NV_ACTION_INFO)
#undef NV_ACTION_INFO
};

const char *nv_action_name(NvAction action)
{
    /* Cast: an out-of-range value from a corrupt table must not index past the array. */
    if ((unsigned)action >= NV_ACTION_COUNT)
        return NULL;
    return nv_actions[action].name;
}

const char *nv_action_help(NvAction action)
{
    if ((unsigned)action >= NV_ACTION_COUNT)
        return NULL;
    return nv_actions[action].help;
}

gboolean nv_action_from_name(const char *name, NvAction *out)
{
    if (name == NULL)
        return FALSE;
    for (unsigned i = 0; i < NV_ACTION_COUNT; i++) {
        if (strcmp(nv_actions[i].name, name) == 0) {
            if (out != NULL)
                *out = (NvAction)i;
            return TRUE;
        }
    }
    return FALSE;
}

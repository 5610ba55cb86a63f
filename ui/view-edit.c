/* The details editor: one domain's vCPUs, memory, boot, disks, NICs and VNC display in a form.
 * Typed fields wait for the apply key; adding or removing a device, and changing a CD, happen
 * when asked. Every change runs on the connection's worker (src/domain-edit.c) and reports
 * beside its field and in the status line: applied now, after the next boot, or the error. */
#include <string.h>

#include "domain-edit.h"
#include "names.h"
#include "view-edit.h"
#include "widget-form.h"

#define NV_KIB 1024ULL
#define NV_MIB (1024ULL * 1024)
#define NV_GIB (1024ULL * 1024 * 1024)
#define NV_MAX_VCPUS 4096
/* 64 TiB: past any host today, and well inside what libvirt's unsigned long KiB can hold. */
#define NV_MAX_BYTES (64ULL * 1024 * NV_GIB)

typedef enum { SUB_NONE, SUB_DISK, SUB_NIC, SUB_MEDIA } SubKind;

typedef struct {
    NvView base;
    gatomicrefcount refs; /* the view, plus one per call in flight */
    gboolean closed;
    char *uuid;
    char *name;
    NvEditState *state; /* NULL until loaded */
    char *load_error;
    gboolean loading;
    NvForm *form; /* NULL until loaded */
    NvForm *sub;  /* a small form over the main one (add a disk/NIC, insert media), or NULL */
    SubKind sub_kind;
    char *sub_target;   /* SUB_MEDIA: the drive */
    char *volumes_pool; /* the pool whose volumes the sub-form lists */
    guint pending;      /* changes in flight */
    char *status;
    NvNoteKind status_kind;
} EditView;

static EditView *view_ref(EditView *v)
{
    g_atomic_ref_count_inc(&v->refs);
    return v;
}

/* Calls in flight hold a reference; the last one frees what the view left behind. */
static void view_unref(gpointer data)
{
    EditView *v = data;
    if (!g_atomic_ref_count_dec(&v->refs))
        return;
    nv_form_free(v->form);
    nv_form_free(v->sub);
    nv_edit_state_free(v->state);
    g_free(v->uuid);
    g_free(v->name);
    g_free(v->load_error);
    g_free(v->sub_target);
    g_free(v->volumes_pool);
    g_free(v->status);
    g_free(v);
}

static NvConn *view_conn(EditView *v)
{
    return v->base.conn;
}

static void set_status(EditView *v, NvNoteKind kind, const char *text)
{
    g_free(v->status);
    v->status = g_strdup(text);
    v->status_kind = kind;
    nv_app_dirty(v->base.app);
}

static void reload(EditView *v);

/* ---- keys shown in the hint line ---- */

static char *key_for(EditView *v, NvAction action)
{
    g_autoptr(GArray) binds = nv_keymap_bindings(nv_app_get_keymap(v->base.app), NV_CTX_FORM);
    for (guint i = 0; i < binds->len; i++)
        if (g_array_index(binds, NvBinding, i).action == action)
            return nv_key_name(g_array_index(binds, NvBinding, i).key);
    return NULL;
}

static void add_hint(EditView *v, GString *s, NvAction action, const char *what)
{
    g_autofree char *key = key_for(v, action);
    if (key)
        g_string_append_printf(s, "%s%s %s", s->len ? " · " : " ", key, what);
}

/* ---- the main form ---- */

static const char *yes_no(gboolean b)
{
    return b ? _("yes") : _("no");
}

/* "hd,cdrom" or "vda,52:54:00:..": device kinds, or disk targets and NIC MACs. */
static gboolean check_boot_order(const char *text, gpointer data, GError **err)
{
    EditView *v = data;
    static const char *const kinds[] = {"hd", "cdrom", "network", "fd", NULL};
    g_auto(GStrv) parts = g_strsplit_set(text, ", ", -1);
    for (guint i = 0; parts[i]; i++) {
        const char *p = parts[i];
        if (!*p || g_strv_contains(kinds, p))
            continue;
        gboolean known = FALSE;
        for (guint j = 0; v->state && j < v->state->disks->len && !known; j++)
            known = strcmp(((NvDisk *)v->state->disks->pdata[j])->target, p) == 0;
        for (guint j = 0; v->state && j < v->state->nics->len && !known; j++)
            known = g_ascii_strcasecmp(((NvNic *)v->state->nics->pdata[j])->mac, p) == 0;
        if (!known) {
            g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                        _("'%s': not hd, cdrom, network, fd, a disk or a MAC"), p);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean check_listen(const char *text, gpointer data, GError **err)
{
    return nv_edit_valid_listen(text, err);
}

static gboolean check_volume_name(const char *text, gpointer data, GError **err)
{
    return nv_name_check(NV_NAME_VOLUME, text, err);
}

/* A bridge or host interface made by other tools: only looked up, so libvirt's rules. */
static gboolean check_interface_name(const char *text, gpointer data, GError **err)
{
    return nv_name_check_existing(NV_NAME_INTERFACE, text, err);
}

static void build_form(EditView *v)
{
    NvForm *f = nv_form_new();
    guint cap = v->state->hv_max_vcpus ? v->state->hv_max_vcpus : NV_MAX_VCPUS;
    nv_form_add_heading(f, _("CPU and memory"));
    nv_form_add_field(f, nv_field_int_new("vcpus", _("vCPUs"), 1, cap));
    nv_form_add_field(f, nv_field_int_new("max-vcpus", _("Maximum vCPUs"), 1, cap));
    nv_form_add_field(
        f, nv_field_size_new("memory", _("Memory"), NV_MIB, NV_KIB, NV_MIB, NV_MAX_BYTES));
    nv_form_add_field(f, nv_field_size_new("max-memory", _("Maximum memory"), NV_MIB, NV_KIB,
                                           NV_MIB, NV_MAX_BYTES));
    nv_form_add_heading(f, _("Boot"));
    NvField *order = nv_field_text_new("boot-order", _("Boot order"));
    nv_field_set_optional(order, TRUE);
    nv_field_set_check(order, check_boot_order, v, NULL);
    nv_field_set_hint(order, _("e.g. hd,cdrom,network or vda,sda"));
    nv_form_add_field(f, order);
    nv_form_add_field(f, nv_field_bool_new("boot-menu", _("Boot menu")));
    nv_form_add_field(f, nv_field_bool_new("autostart", _("Start with the host")));
    nv_form_add_heading(f, _("Disks"));
    nv_form_add_button(f, "add-disk", _("Add a disk…"));
    nv_form_add_heading(f, _("Network interfaces"));
    nv_form_add_button(f, "add-nic", _("Add a NIC…"));
    nv_form_add_heading(f, _("Graphics (VNC)"));
    NvField *listen = nv_field_text_new("vnc-listen", _("Listen address"));
    nv_field_set_optional(listen, TRUE);
    nv_field_set_check(listen, check_listen, NULL, NULL);
    nv_field_set_hint(listen, _("empty: the hypervisor's default"));
    nv_form_add_field(f, listen);
    NvField *pw = nv_field_text_new("vnc-password", _("New password"));
    nv_field_set_optional(pw, TRUE);
    nv_field_set_masked(pw, TRUE);
    nv_field_set_max_length(pw, 64);
    nv_field_set_hint(pw, _("empty: keep the current one; VNC uses 8 characters"));
    nv_form_add_field(f, pw);
    nv_form_add_field(f, nv_field_bool_new("vnc-clear", _("Remove the password")));
    nv_form_add_text(f, "no-vnc", _("This domain has no VNC display."));
    v->form = f;
}

static char *disk_line(const NvDisk *d)
{
    g_autofree char *device = g_strdup(strcmp(d->device, "cdrom") == 0 ? _("CD/DVD") : d->device);
    return g_strdup_printf("%-6s %-7s %-7s %s%s%s", d->target, device, d->bus,
                           *d->source ? d->source : _("(empty)"), *d->format ? "  " : "",
                           d->format);
}

static char *nic_line(const NvNic *n)
{
    return g_strdup_printf("%s  %s %s  %s %s", n->mac, n->type, n->source, _("model"),
                           *n->model ? n->model : _("default"));
}

static void set_lists(EditView *v)
{
    NvEditState *s = v->state;
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < s->disks->len; i++) {
        NvDisk *d = s->disks->pdata[i];
        g_ptr_array_add(keys, g_strconcat("disk:", d->target, NULL));
        g_ptr_array_add(texts, disk_line(d));
    }
    g_ptr_array_add(keys, NULL);
    g_ptr_array_add(texts, NULL);
    nv_form_set_items(v->form, "disks", "add-disk", (const char *const *)keys->pdata,
                      (const char *const *)texts->pdata);
    g_ptr_array_set_size(keys, 0);
    g_ptr_array_set_size(texts, 0);
    for (guint i = 0; i < s->nics->len; i++) {
        NvNic *n = s->nics->pdata[i];
        g_ptr_array_add(keys, g_strconcat("nic:", n->mac, NULL));
        g_ptr_array_add(texts, nic_line(n));
    }
    g_ptr_array_add(keys, NULL);
    g_ptr_array_add(texts, NULL);
    nv_form_set_items(v->form, "nics", "add-nic", (const char *const *)keys->pdata,
                      (const char *const *)texts->pdata);
}

static void rebase(EditView *v, const char *id, const char *text)
{
    NvField *f = nv_form_field(v->form, id);
    if (f)
        nv_field_rebase(f, text);
}

/* Fresh values from the host: untouched fields follow, edited ones keep the user's text. */
static void fill_form(EditView *v)
{
    NvEditState *s = v->state;
    g_autofree char *vcpus = g_strdup_printf("%u", s->vcpus);
    g_autofree char *max_vcpus = g_strdup_printf("%u", s->max_vcpus);
    g_autofree char *mem = nv_format_size_input(s->memory_kib * NV_KIB);
    g_autofree char *max_mem = nv_format_size_input(s->max_memory_kib * NV_KIB);
    g_ptr_array_add(s->boot_order, NULL);
    g_autofree char *order = g_strjoinv(",", (char **)s->boot_order->pdata);
    g_ptr_array_remove_index(s->boot_order, s->boot_order->len - 1);
    rebase(v, "vcpus", vcpus);
    rebase(v, "max-vcpus", max_vcpus);
    rebase(v, "memory", mem);
    rebase(v, "max-memory", max_mem);
    rebase(v, "boot-order", order);
    rebase(v, "boot-menu", yes_no(s->boot_menu == 1));
    rebase(v, "autostart", yes_no(s->autostart == 1));
    rebase(v, "vnc-listen", s->vnc_listen);
    rebase(v, "vnc-password", "");
    rebase(v, "vnc-clear", yes_no(FALSE));
    if (s->active) {
        g_autofree char *now = g_strdup_printf(_("running with %u now"), s->live_vcpus);
        nv_field_set_hint(nv_form_field(v->form, "vcpus"), now);
        g_autofree char *live = nv_format_kib(s->live_memory_kib);
        g_autofree char *mem_now = g_strdup_printf(_("running with %s now"), live);
        nv_field_set_hint(nv_form_field(v->form, "memory"), mem_now);
    } else {
        nv_field_set_hint(nv_form_field(v->form, "vcpus"), NULL);
        nv_field_set_hint(nv_form_field(v->form, "memory"), _("e.g. 512M, 2G, 1.5G"));
    }
    nv_field_set_hint(nv_form_field(v->form, "max-vcpus"), _("changes at the next boot"));
    nv_field_set_hint(nv_form_field(v->form, "max-memory"), _("changes at the next boot"));
    nv_form_set_visible(v->form, "vnc-listen", s->has_vnc);
    nv_form_set_visible(v->form, "vnc-password", s->has_vnc);
    nv_form_set_visible(v->form, "vnc-clear", s->has_vnc && s->vnc_has_password);
    nv_form_set_visible(v->form, "no-vnc", !s->has_vnc);
    set_lists(v);
}

static void on_loaded(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    EditView *v = data;
    g_autoptr(GError) err = NULL;
    NvEditState *state = nv_edit_load_finish(res, &err);
    v->loading = FALSE;
    if (v->closed) {
        nv_edit_state_free(state);
        return;
    }
    if (err) {
        g_free(v->load_error);
        v->load_error = g_strdup(err->message);
        set_status(v, NV_NOTE_ERROR, err->message);
        return;
    }
    nv_edit_state_free(v->state);
    v->state = state;
    g_clear_pointer(&v->load_error, g_free);
    if (!v->form)
        build_form(v);
    fill_form(v);
    nv_app_dirty(v->base.app);
}

static void reload(EditView *v)
{
    if (v->loading || v->closed)
        return;
    v->loading = TRUE;
    nv_edit_load_async(view_conn(v), v->uuid, on_loaded, view_ref(v), view_unref);
}

/* ---- applying ---- */

/* One change in flight: which rows it reports on and what to call it in messages. */
typedef struct {
    EditView *view;
    char **keys;
    char *what;
} Pending;

static void pending_free(gpointer data)
{
    Pending *p = data;
    g_strfreev(p->keys);
    g_free(p->what);
    view_unref(p->view);
    g_free(p);
}

static Pending *pending_new(EditView *v, const char *what, const char *key1, const char *key2)
{
    Pending *p = g_new0(Pending, 1);
    p->view = view_ref(v);
    p->what = g_strdup(what);
    const char *keys[] = {key1, key2, NULL};
    p->keys = g_strdupv((char **)keys);
    for (guint i = 0; p->keys[i]; i++)
        nv_form_set_note(v->form, p->keys[i], NV_NOTE_BUSY, _("applying…"));
    v->pending++;
    return p;
}

/* "applied now", "takes effect after the next boot (reason)", or the error. */
static char *outcome_text(const NvEditResult *r, NvNoteKind *kind)
{
    switch (r->outcome) {
    case NV_EDIT_LIVE:
        *kind = NV_NOTE_OK;
        return g_strdup(_("applied now"));
    case NV_EDIT_LIVE_ONLY:
        *kind = NV_NOTE_OK;
        return g_strdup(_("applied now (not saved: the domain is transient)"));
    case NV_EDIT_NEXT_BOOT:
        break;
    }
    *kind = NV_NOTE_WARN;
    if (r->note)
        return g_strdup_printf(_("takes effect after the next boot (the running domain refused: "
                                 "%s)"),
                               r->note);
    return g_strdup(_("takes effect after the next boot"));
}

static void on_applied(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Pending *p = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(NvEditResult) result = nv_edit_finish(res, &err);
    EditView *v = p->view;
    NvNoteKind kind = NV_NOTE_ERROR;
    g_autofree char *note = err ? g_strdup(err->message) : outcome_text(result, &kind);
    g_autofree char *what = result && result->detail
                                ? g_strdup_printf("%s %s", p->what, result->detail)
                                : g_strdup(p->what);
    g_autofree char *msg = g_strdup_printf("%s: %s", what, note);
    /* The status line keeps it after the editor is closed. */
    nv_app_message(v->base.app, msg, err != NULL);
    v->pending--;
    if (v->closed)
        return;
    for (guint i = 0; p->keys[i]; i++)
        nv_form_set_note(v->form, p->keys[i], kind, note);
    set_status(v, kind, msg);
    if (v->pending == 0)
        reload(v);
}

static gboolean field_changed(EditView *v, const char *id)
{
    NvField *f = nv_form_field(v->form, id);
    return f && nv_form_row(v->form, id) >= 0 && nv_field_changed(f);
}

static NvField *field(EditView *v, const char *id)
{
    return nv_form_field(v->form, id);
}

static void apply_cpu_memory(EditView *v, guint *n)
{
    gboolean cur = field_changed(v, "vcpus"), max = field_changed(v, "max-vcpus");
    if (cur || max) {
        nv_edit_vcpus_async(
            view_conn(v), v->uuid, cur ? (unsigned)nv_field_int(field(v, "vcpus")) : 0,
            max ? (unsigned)nv_field_int(field(v, "max-vcpus")) : 0, on_applied,
            pending_new(v, _("vCPUs"), cur ? "vcpus" : NULL, max ? "max-vcpus" : NULL),
            pending_free);
        ++*n;
    }
    cur = field_changed(v, "memory");
    max = field_changed(v, "max-memory");
    if (cur || max) {
        nv_edit_memory_async(
            view_conn(v), v->uuid, cur ? nv_field_kib(field(v, "memory")) : 0,
            max ? nv_field_kib(field(v, "max-memory")) : 0, on_applied,
            pending_new(v, _("memory"), cur ? "memory" : NULL, max ? "max-memory" : NULL),
            pending_free);
        ++*n;
    }
}

static void apply_boot(EditView *v, guint *n)
{
    gboolean order = field_changed(v, "boot-order"), menu = field_changed(v, "boot-menu");
    if (order || menu) {
        g_auto(GStrv) parts = g_strsplit_set(nv_field_text(field(v, "boot-order")), ", ", -1);
        g_autoptr(GPtrArray) list = g_ptr_array_new();
        for (guint i = 0; parts[i]; i++)
            if (*parts[i])
                g_ptr_array_add(list, parts[i]);
        g_ptr_array_add(list, NULL);
        nv_edit_boot_async(
            view_conn(v), v->uuid, order ? (const char *const *)list->pdata : NULL,
            menu ? nv_field_bool(field(v, "boot-menu")) : -1, on_applied,
            pending_new(v, _("boot"), order ? "boot-order" : NULL, menu ? "boot-menu" : NULL),
            pending_free);
        ++*n;
    }
    if (field_changed(v, "autostart")) {
        nv_edit_autostart_async(view_conn(v), v->uuid, nv_field_bool(field(v, "autostart")),
                                on_applied, pending_new(v, _("autostart"), "autostart", NULL),
                                pending_free);
        ++*n;
    }
}

static void apply_vnc(EditView *v, guint *n)
{
    if (!v->state->has_vnc)
        return;
    if (field_changed(v, "vnc-listen")) {
        nv_edit_vnc_listen_async(
            view_conn(v), v->uuid, nv_field_text(field(v, "vnc-listen")), on_applied,
            pending_new(v, _("VNC listen address"), "vnc-listen", NULL), pending_free);
        ++*n;
    }
    gboolean clear = field_changed(v, "vnc-clear") && nv_field_bool(field(v, "vnc-clear"));
    NvField *pw = field(v, "vnc-password");
    if (clear || !nv_field_is_empty(pw)) {
        /* The text is copied for the worker (and wiped there); the field is emptied now. */
        nv_edit_vnc_password_async(
            view_conn(v), v->uuid, clear ? NULL : nv_field_text(pw), on_applied,
            pending_new(v, _("VNC password"), "vnc-password", clear ? "vnc-clear" : NULL),
            pending_free);
        nv_field_set_text(pw, "");
        ++*n;
    }
}

static void apply(EditView *v)
{
    if (!v->state || !v->form)
        return;
    g_autoptr(GPtrArray) changed = nv_form_changed_labels(v->form);
    if (changed->len == 0) {
        set_status(v, NV_NOTE_INFO, _("Nothing to apply: no field was changed."));
        return;
    }
    if (!nv_form_check(v->form)) {
        set_status(v, NV_NOTE_ERROR, _("Fix the field marked in red first."));
        return;
    }
    guint n = 0;
    apply_cpu_memory(v, &n);
    apply_boot(v, &n);
    apply_vnc(v, &n);
    g_autofree char *msg = g_strdup_printf(
        g_dngettext(GETTEXT_PACKAGE, "applying %u change…", "applying %u changes…", n), n);
    set_status(v, NV_NOTE_BUSY, msg);
}

/* ---- sub-forms: add a disk, add a NIC, insert media ---- */

static GPtrArray *strv_new(void)
{
    return g_ptr_array_new_with_free_func(g_free);
}

static const char *const *strv_end(GPtrArray *a)
{
    g_ptr_array_add(a, NULL);
    return (const char *const *)a->pdata;
}

/* Active pools, by name: only those can hold new volumes or list theirs. */
static NvField *pool_field(EditView *v)
{
    const NvModel *m = nv_conn_model(view_conn(v));
    g_autoptr(GPtrArray) names = strv_new();
    for (guint i = 0; i < m->pools->len; i++) {
        NvPool *p = m->pools->pdata[i];
        if (p->active)
            g_ptr_array_add(names, g_strdup(p->name));
    }
    return nv_field_enum_new("pool", _("Pool"), strv_end(names), NULL);
}

static NvField *volume_field(void)
{
    return nv_field_enum_new("volume", _("Volume"), NULL, NULL);
}

static NvField *path_field(const char *hint)
{
    NvField *f = nv_field_path_new("path", _("Path on the host"));
    nv_field_set_hint(f, hint);
    return f;
}

static void open_sub(EditView *v, SubKind kind, NvForm *form)
{
    nv_form_free(v->sub);
    nv_form_set_show_changes(form, FALSE);
    v->sub = form;
    v->sub_kind = kind;
    g_clear_pointer(&v->volumes_pool, g_free);
}

static void close_sub(EditView *v)
{
    g_clear_pointer(&v->sub, nv_form_free);
    v->sub_kind = SUB_NONE;
    g_clear_pointer(&v->sub_target, g_free);
}

static void open_disk_form(EditView *v)
{
    NvForm *f = nv_form_new();
    const char *kinds[] = {"new", "volume", "path", "empty", NULL};
    const char *kind_labels[] = {_("new volume in a pool"), _("existing volume"),
                                 _("file or device on the host"), _("none: an empty CD/DVD drive"),
                                 NULL};
    nv_form_add_field(f, nv_field_enum_new("source", _("Storage"), kinds, kind_labels));
    nv_form_add_field(f, pool_field(v));
    NvField *name = nv_field_text_new("name", _("Volume name"));
    nv_field_set_check(name, check_volume_name, NULL, NULL);
    g_autofree char *initial = g_strdup_printf("%s-%u.qcow2", v->name, v->state->disks->len + 1);
    nv_field_set_initial(name, initial);
    nv_form_add_field(f, name);
    NvField *size = nv_field_size_new("size", _("Size"), NV_GIB, NV_KIB, NV_MIB, NV_MAX_BYTES);
    nv_field_set_initial(size, "10G");
    nv_field_set_hint(size, _("e.g. 10G, 512M; a bare number is GiB"));
    nv_form_add_field(f, size);
    nv_form_add_field(f, volume_field());
    nv_form_add_field(f, path_field(_("an image file or a block device")));
    const char *formats[] = {"qcow2", "raw", NULL};
    nv_form_add_field(f, nv_field_enum_new("format", _("Format"), formats, NULL));
    const char *devices[] = {"disk", "cdrom", NULL};
    const char *device_labels[] = {_("disk"), _("CD/DVD"), NULL};
    nv_form_add_field(f, nv_field_enum_new("device", _("Device"), devices, device_labels));
    const char *buses[] = {"virtio", "sata", "scsi", "ide", "usb", NULL};
    nv_form_add_field(f, nv_field_enum_new("bus", _("Bus"), buses, NULL));
    NvField *target = nv_field_text_new("target", _("Target"));
    nv_field_set_optional(target, TRUE);
    nv_field_set_regex(target, "[a-z]{3,16}", _("a device name such as vdb or sda"));
    nv_field_set_hint(target, _("empty: the next free name"));
    nv_form_add_field(f, target);
    nv_form_add_button(f, "submit", _("Add the disk"));
    open_sub(v, SUB_DISK, f);
}

static void open_nic_form(EditView *v)
{
    const NvModel *m = nv_conn_model(view_conn(v));
    NvForm *f = nv_form_new();
    const char *types[] = {"network", "bridge", "direct", NULL};
    const char *type_labels[] = {_("virtual network"), _("host bridge"),
                                 _("host interface (macvtap)"), NULL};
    nv_form_add_field(f, nv_field_enum_new("type", _("Connect to"), types, type_labels));
    g_autoptr(GPtrArray) nets = strv_new();
    g_autoptr(GPtrArray) net_labels = strv_new();
    for (guint i = 0; i < m->networks->len; i++) {
        NvNetwork *n = m->networks->pdata[i];
        g_ptr_array_add(nets, g_strdup(n->name));
        g_ptr_array_add(net_labels, n->active ? g_strdup(n->name)
                                              : g_strdup_printf(_("%s (inactive)"), n->name));
    }
    strv_end(net_labels);
    nv_form_add_field(f, nv_field_enum_new("network", _("Network"), strv_end(nets),
                                           (const char *const *)net_labels->pdata));
    NvField *bridge = nv_field_text_new("bridge", _("Bridge"));
    nv_field_set_check(bridge, check_interface_name, NULL, NULL);
    nv_field_set_initial(bridge, "br0");
    nv_form_add_field(f, bridge);
    NvField *dev = nv_field_text_new("dev", _("Host interface"));
    nv_field_set_check(dev, check_interface_name, NULL, NULL);
    nv_field_set_initial(dev, m->ifaces->len ? ((NvIface *)m->ifaces->pdata[0])->name : "eth0");
    nv_form_add_field(f, dev);
    const char *modes[] = {"bridge", "vepa", "private", "passthrough", NULL};
    nv_form_add_field(f, nv_field_enum_new("mode", _("macvtap mode"), modes, NULL));
    const char *models[] = {"virtio", "e1000", "rtl8139", NULL};
    nv_form_add_field(f, nv_field_enum_new("model", _("Model"), models, NULL));
    NvField *mac = nv_field_mac_new("mac", _("MAC address"));
    nv_field_set_initial(mac, "generate");
    nv_field_set_hint(mac, _("\"generate\" or empty: a new random one"));
    nv_form_add_field(f, mac);
    nv_form_add_button(f, "submit", _("Add the NIC"));
    open_sub(v, SUB_NIC, f);
}

static void open_media_form(EditView *v, const char *target)
{
    NvForm *f = nv_form_new();
    const char *kinds[] = {"path", "volume", NULL};
    const char *kind_labels[] = {_("file on the host"), _("volume in a pool"), NULL};
    nv_form_add_field(f, nv_field_enum_new("source", _("Medium"), kinds, kind_labels));
    nv_form_add_field(f, path_field(_("an ISO image")));
    nv_form_add_field(f, pool_field(v));
    nv_form_add_field(f, volume_field());
    nv_form_add_button(f, "submit", _("Insert"));
    open_sub(v, SUB_MEDIA, f);
    v->sub_target = g_strdup(target);
}

static const char *sub_value(EditView *v, const char *id)
{
    NvField *f = nv_form_field(v->sub, id);
    return f ? nv_field_enum_value(f) : NULL;
}

static const char *sub_text(EditView *v, const char *id)
{
    NvField *f = nv_form_field(v->sub, id);
    return f ? nv_field_text(f) : NULL;
}

static void on_volumes(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    EditView *v = data;
    g_autoptr(GError) err = NULL;
    GPtrArray *items = nv_edit_list_volumes_finish(res, &err);
    if (v->closed || !v->sub) {
        if (items)
            g_ptr_array_unref(items);
        return;
    }
    NvField *f = nv_form_field(v->sub, "volume");
    if (err) {
        nv_field_enum_set_choices(f, NULL, NULL);
        nv_form_set_note(v->sub, "volume", NV_NOTE_ERROR, err->message);
    } else {
        g_autoptr(GPtrArray) names = strv_new();
        g_autoptr(GPtrArray) labels = strv_new();
        for (guint i = 0; i < items->len; i++) {
            NvVolume *vol = items->pdata[i];
            g_autofree char *size = nv_format_bytes(vol->capacity);
            g_ptr_array_add(names, g_strdup(vol->name));
            g_ptr_array_add(labels, g_strdup_printf("%s  (%s)", vol->name, size));
        }
        strv_end(labels);
        nv_field_enum_set_choices(f, strv_end(names), (const char *const *)labels->pdata);
        nv_form_set_note(v->sub, "volume", NV_NOTE_NONE, NULL);
        g_ptr_array_unref(items);
    }
    nv_app_dirty(v->base.app);
}

/* Shows the fields the choices call for; fetches a pool's volumes when they are needed. */
static void sub_update(EditView *v)
{
    if (!v->sub)
        return;
    const char *src = sub_value(v, "source");
    if (v->sub_kind == SUB_DISK) {
        gboolean is_new = g_strcmp0(src, "new") == 0, is_vol = g_strcmp0(src, "volume") == 0;
        gboolean is_path = g_strcmp0(src, "path") == 0;
        nv_form_set_visible(v->sub, "pool", is_new || is_vol);
        nv_form_set_visible(v->sub, "name", is_new);
        nv_form_set_visible(v->sub, "size", is_new);
        nv_form_set_visible(v->sub, "volume", is_vol);
        nv_form_set_visible(v->sub, "path", is_path);
        nv_form_set_visible(v->sub, "format", is_new || is_path);
        if (g_strcmp0(src, "empty") == 0)
            nv_field_set_text(nv_form_field(v->sub, "device"), "cdrom");
        /* QEMU has no virtio CD drive. */
        if (g_strcmp0(sub_value(v, "device"), "cdrom") == 0 &&
            g_strcmp0(sub_value(v, "bus"), "virtio") == 0)
            nv_field_set_text(nv_form_field(v->sub, "bus"), "sata");
    } else if (v->sub_kind == SUB_NIC) {
        const char *type = sub_value(v, "type");
        nv_form_set_visible(v->sub, "network", g_strcmp0(type, "network") == 0);
        nv_form_set_visible(v->sub, "bridge", g_strcmp0(type, "bridge") == 0);
        nv_form_set_visible(v->sub, "dev", g_strcmp0(type, "direct") == 0);
        nv_form_set_visible(v->sub, "mode", g_strcmp0(type, "direct") == 0);
        return;
    } else if (v->sub_kind == SUB_MEDIA) {
        gboolean is_vol = g_strcmp0(src, "volume") == 0;
        nv_form_set_visible(v->sub, "path", !is_vol);
        nv_form_set_visible(v->sub, "pool", is_vol);
        nv_form_set_visible(v->sub, "volume", is_vol);
    }
    const char *pool = sub_value(v, "pool");
    if (g_strcmp0(src, "volume") == 0 && pool && g_strcmp0(pool, v->volumes_pool) != 0) {
        g_free(v->volumes_pool);
        v->volumes_pool = g_strdup(pool);
        nv_form_set_note(v->sub, "volume", NV_NOTE_BUSY, _("loading the pool's volumes…"));
        nv_edit_list_volumes_async(view_conn(v), pool, on_volumes, view_ref(v), view_unref);
    }
}

static void submit_disk(EditView *v)
{
    const char *src = sub_value(v, "source");
    NvDiskSpec spec = {0};
    spec.kind = g_strcmp0(src, "new") == 0      ? NV_DISK_NEW_VOLUME
                : g_strcmp0(src, "volume") == 0 ? NV_DISK_VOLUME
                : g_strcmp0(src, "empty") == 0  ? NV_DISK_EMPTY
                                                : NV_DISK_PATH;
    spec.pool = sub_value(v, "pool");
    spec.volume = spec.kind == NV_DISK_NEW_VOLUME ? sub_text(v, "name") : sub_value(v, "volume");
    spec.capacity = nv_field_bytes(nv_form_field(v->sub, "size"));
    spec.format = spec.kind == NV_DISK_VOLUME ? NULL : sub_value(v, "format");
    spec.path = sub_text(v, "path");
    spec.device = sub_value(v, "device");
    spec.bus = sub_value(v, "bus");
    spec.target = sub_text(v, "target");
    nv_edit_add_disk_async(view_conn(v), v->uuid, &spec, on_applied,
                           pending_new(v, _("new disk"), "add-disk", NULL), pending_free);
}

static void submit_nic(EditView *v)
{
    const char *type = sub_value(v, "type");
    g_autofree char *mac = nv_field_mac(nv_form_field(v->sub, "mac"));
    NvNicSpec spec = {type, NULL, NULL, sub_value(v, "model"), mac};
    if (g_strcmp0(type, "network") == 0)
        spec.source = sub_value(v, "network");
    else if (g_strcmp0(type, "bridge") == 0)
        spec.source = sub_text(v, "bridge");
    else {
        spec.source = sub_text(v, "dev");
        spec.mode = sub_value(v, "mode");
    }
    nv_edit_add_nic_async(view_conn(v), v->uuid, &spec, on_applied,
                          pending_new(v, _("new NIC"), "add-nic", NULL), pending_free);
}

static void submit_media(EditView *v)
{
    gboolean is_vol = g_strcmp0(sub_value(v, "source"), "volume") == 0;
    NvDiskSpec spec = {0};
    spec.kind = is_vol ? NV_DISK_VOLUME : NV_DISK_PATH;
    spec.pool = sub_value(v, "pool");
    spec.volume = sub_value(v, "volume");
    spec.path = sub_text(v, "path");
    g_autofree char *key = g_strconcat("disk:", v->sub_target, NULL);
    g_autofree char *what = g_strdup_printf(_("media in %s"), v->sub_target);
    nv_edit_media_async(view_conn(v), v->uuid, v->sub_target, &spec, on_applied,
                        pending_new(v, what, key, NULL), pending_free);
}

static void submit_sub(EditView *v)
{
    if (!nv_form_check(v->sub)) {
        set_status(v, NV_NOTE_ERROR, _("Fix the field marked in red first."));
        return;
    }
    switch (v->sub_kind) {
    case SUB_DISK:
        submit_disk(v);
        break;
    case SUB_NIC:
        submit_nic(v);
        break;
    case SUB_MEDIA:
        submit_media(v);
        break;
    case SUB_NONE:
        break;
    }
    set_status(v, NV_NOTE_BUSY, _("applying…"));
    close_sub(v);
}

/* ---- disks and NICs in the list ---- */

static NvDisk *disk_of(EditView *v, const char *key)
{
    for (guint i = 0; v->state && key && g_str_has_prefix(key, "disk:") && i < v->state->disks->len;
         i++) {
        NvDisk *d = v->state->disks->pdata[i];
        if (strcmp(d->target, key + 5) == 0)
            return d;
    }
    return NULL;
}

typedef struct {
    EditView *view;
    char *key;
} ItemChoice;

static void item_choice_free(ItemChoice *c)
{
    view_unref(c->view);
    g_free(c->key);
    g_free(c);
}

static ItemChoice *item_choice_new(EditView *v, const char *key)
{
    ItemChoice *c = g_new0(ItemChoice, 1);
    c->view = view_ref(v);
    c->key = g_strdup(key);
    return c;
}

static void on_remove_confirmed(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    ItemChoice *c = data;
    EditView *v = c->view;
    if (index == 0 && !v->closed) {
        gboolean disk = g_str_has_prefix(c->key, "disk:");
        const char *id = strchr(c->key, ':') + 1;
        g_autofree char *what =
            g_strdup_printf(disk ? _("remove disk %s") : _("remove NIC %s"), id);
        Pending *p = pending_new(v, what, c->key, NULL);
        if (disk)
            nv_edit_remove_disk_async(view_conn(v), v->uuid, id, on_applied, p, pending_free);
        else
            nv_edit_remove_nic_async(view_conn(v), v->uuid, id, on_applied, p, pending_free);
    }
    item_choice_free(c);
}

static void confirm_remove(EditView *v, const char *key)
{
    if (!key || !strchr(key, ':'))
        return;
    gboolean disk = g_str_has_prefix(key, "disk:");
    const char *id = strchr(key, ':') + 1;
    g_autofree char *title = g_strdup_printf(disk ? _("Remove disk %s?") : _("Remove NIC %s?"), id);
    NvDisk *d = disk_of(v, key);
    g_autofree char *source =
        d ? g_strdup_printf(_("source: %s"), *d->source ? d->source : _("(empty)")) : NULL;
    const char *lines[] = {disk ? _("The storage itself is kept; delete it in the Storage pane.")
                                : _("The guest loses this network connection."),
                           source, NULL};
    nv_app_confirm(v->base.app, title, v->name, lines, on_remove_confirmed,
                   item_choice_new(v, key));
}

enum { ITEM_REMOVE, ITEM_INSERT, ITEM_EJECT };

static void on_item_menu(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    ItemChoice *c = data;
    EditView *v = c->view;
    NvDisk *d = v->closed ? NULL : disk_of(v, c->key);
    gboolean removable = d && strcmp(d->device, "disk") != 0;
    /* The menu lists Remove last for drives, first otherwise. */
    int action = !removable   ? (index == 0 ? ITEM_REMOVE : -1)
                 : index == 0 ? ITEM_INSERT
                 : index == 1 ? ITEM_EJECT
                 : index == 2 ? ITEM_REMOVE
                              : -1;
    if (!v->closed && index >= 0) {
        if (action == ITEM_REMOVE) {
            confirm_remove(v, c->key);
        } else if (action == ITEM_INSERT) {
            open_media_form(v, d->target);
            sub_update(v);
        } else if (action == ITEM_EJECT) {
            g_autofree char *what = g_strdup_printf(_("eject %s"), d->target);
            nv_edit_media_async(view_conn(v), v->uuid, d->target, NULL, on_applied,
                                pending_new(v, what, c->key, NULL), pending_free);
        }
    }
    item_choice_free(c);
    nv_app_dirty(app);
}

static void open_item_menu(EditView *v, const char *key)
{
    NvDisk *d = disk_of(v, key);
    const char *id = strchr(key, ':') + 1;
    g_autofree char *title = g_strdup_printf(d ? _("Disk %s") : _("NIC %s"), id);
    if (d && strcmp(d->device, "disk") != 0) {
        const char *choices[] = {_("Insert media…"), _("Eject the media"),
                                 _("Remove the drive from the domain"), NULL};
        nv_app_menu(v->base.app, title, d->source, choices, on_item_menu, item_choice_new(v, key));
        return;
    }
    const char *choices[] = {_("Remove from the domain"), NULL};
    nv_app_menu(v->base.app, title, v->name, choices, on_item_menu, item_choice_new(v, key));
}

/* ---- keys ---- */

static void on_discard(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    EditView *v = data;
    gboolean close = index == 0 && !v->closed && nv_app_get_view(app) == &v->base;
    view_unref(v);
    if (close)
        nv_app_close_view(app);
}

/* Esc: close the sub-form, else the view (asking first when fields are changed). */
static gboolean cancel(EditView *v)
{
    if (v->sub) {
        close_sub(v);
        return TRUE;
    }
    if (!v->form)
        return FALSE;
    g_autoptr(GPtrArray) changed = nv_form_changed_labels(v->form);
    if (changed->len == 0)
        return FALSE;
    g_ptr_array_add(changed, NULL);
    nv_app_confirm(v->base.app, _("Discard the changes?"),
                   _("These fields were changed but not applied:"),
                   (const char *const *)changed->pdata, on_discard, view_ref(v));
    return TRUE;
}

static gboolean is_local(EditView *v)
{
    const char *uri = nv_conn_uri(view_conn(v));
    const char *sep = uri ? strstr(uri, "://") : NULL;
    return !sep || sep[3] == '/';
}

static void accept(EditView *v, NvForm *form)
{
    switch (nv_form_focus_kind(form)) {
    case NV_FORM_FIELD:
        nv_form_action(form, NV_ACTION_FIELD_NEXT);
        return;
    case NV_FORM_ITEM:
        open_item_menu(v, nv_form_focus_key(form));
        return;
    case NV_FORM_BUTTON:
        break;
    default:
        return;
    }
    const char *key = nv_form_focus_key(form);
    if (form == v->sub) {
        submit_sub(v);
    } else if (g_strcmp0(key, "add-disk") == 0) {
        open_disk_form(v);
        sub_update(v);
    } else if (g_strcmp0(key, "add-nic") == 0) {
        open_nic_form(v);
        sub_update(v);
    }
}

static gboolean action(NvView *view, NvAction a)
{
    EditView *v = (EditView *)view;
    NvForm *form = v->sub ? v->sub : v->form;
    switch (a) {
    case NV_ACTION_CANCEL:
    case NV_ACTION_BACK:
        return cancel(v);
    case NV_ACTION_REDRAW:
        clearok(curscr, TRUE);
        return TRUE;
    default:
        break;
    }
    if (!form)
        return TRUE;
    switch (a) {
    case NV_ACTION_APPLY:
        if (v->sub)
            submit_sub(v);
        else
            apply(v);
        break;
    case NV_ACTION_ACCEPT:
        accept(v, form);
        break;
    case NV_ACTION_COMPLETE:
        if (!is_local(v))
            set_status(v, NV_NOTE_INFO,
                       _("Completion reads this computer's files, but the "
                         "host is remote: type the path."));
        else if (!nv_form_complete(form))
            set_status(v, NV_NOTE_INFO, _("Completion works in path fields."));
        break;
    case NV_ACTION_REMOVE_ITEM:
        if (nv_form_focus_kind(form) == NV_FORM_FIELD)
            nv_form_key(form, NV_KEY_DELETE);
        else if (!v->sub && nv_form_focus_kind(form) == NV_FORM_ITEM)
            confirm_remove(v, nv_form_focus_key(form));
        break;
    default:
        nv_form_action(form, a);
        break;
    }
    sub_update(v);
    return TRUE;
}

static void key(NvView *view, NvKey k)
{
    EditView *v = (EditView *)view;
    NvForm *form = v->sub ? v->sub : v->form;
    if (form && nv_form_key(form, k))
        sub_update(v);
}

/* ---- drawing ---- */

static attr_t status_attr(NvNoteKind kind)
{
    switch (kind) {
    case NV_NOTE_OK:
        return COLOR_PAIR(NV_COLOR_RUNNING) | A_BOLD;
    case NV_NOTE_WARN:
        return COLOR_PAIR(NV_COLOR_PAUSED) | A_BOLD;
    case NV_NOTE_ERROR:
        return COLOR_PAIR(NV_COLOR_ERROR) | A_BOLD;
    default:
        return A_BOLD;
    }
}

static void draw_title(EditView *v, int cols)
{
    const char *state = !v->state          ? _("loading…")
                        : v->state->active ? _("running: some changes wait for the next boot")
                                           : _("shut off: changes apply at the next start");
    g_autofree char *title = g_strdup_printf(_(" Edit %s · %s"), v->name, state);
    if (v->pending) {
        char *with = g_strdup_printf(_("%s · applying %u…"), title, v->pending);
        g_free(title);
        title = with;
    }
    nv_draw_text(stdscr, 0, 0, title, cols, COLOR_PAIR(NV_COLOR_HEADER) | A_BOLD);
}

static const char *sub_title(SubKind kind)
{
    switch (kind) {
    case SUB_DISK:
        return _("Add a disk");
    case SUB_NIC:
        return _("Add a network interface");
    case SUB_MEDIA:
        return _("Insert media");
    default:
        return "";
    }
}

static void draw_sub(EditView *v, int top, int avail, int cols)
{
    int w = MIN(cols - 4, 96), h = MIN(avail, nv_form_height(v->sub) + 2);
    int y = top + MAX(0, (avail - h) / 2), x = MAX(0, (cols - w) / 2);
    for (int r = 0; r < h; r++)
        nv_draw_fill(stdscr, y + r, x, w, A_NORMAL);
    g_autofree char *title = v->sub_target
                                 ? g_strdup_printf("%s %s", sub_title(v->sub_kind), v->sub_target)
                                 : g_strdup(sub_title(v->sub_kind));
    nv_draw_box(stdscr, y, x, h, w, title, TRUE);
    nv_form_draw(v->sub, stdscr, y + 1, x + 1, h - 2, w - 2);
}

static void draw_hints(EditView *v, int y, int cols)
{
    NvForm *form = v->sub ? v->sub : v->form;
    g_autoptr(GString) s = g_string_new("");
    add_hint(v, s, NV_ACTION_FIELD_NEXT, _("next"));
    if (form && nv_form_focus_kind(form) != NV_FORM_FIELD)
        add_hint(v, s, NV_ACTION_ACCEPT, _("open"));
    add_hint(v, s, NV_ACTION_APPLY,
             v->sub_kind == SUB_MEDIA ? _("insert")
             : v->sub                 ? _("add")
                                      : _("apply"));
    if (!v->sub && form && nv_form_focus_kind(form) == NV_FORM_ITEM)
        add_hint(v, s, NV_ACTION_REMOVE_ITEM, _("remove"));
    NvField *f = form ? nv_form_focus_field(form) : NULL;
    if (f && nv_field_kind(f) == NV_FIELD_PATH)
        add_hint(v, s, NV_ACTION_COMPLETE, _("complete"));
    if (f && nv_field_is_choice(f))
        g_string_append(s, _(" · ←→ choose"));
    add_hint(v, s, NV_ACTION_CANCEL, v->sub ? _("back") : _("close"));
    nv_draw_text(stdscr, y, 0, s->str, cols, A_DIM);
}

static void draw(NvView *view)
{
    EditView *v = (EditView *)view;
    NvApp *app = view->app;
    int rows = nv_app_rows(app), cols = nv_app_cols(app);
    werase(stdscr);
    draw_title(v, cols);
    int body = MAX(1, rows - 3);
    if (v->form) {
        nv_form_draw(v->form, stdscr, 1, 0, body, cols);
    } else {
        const char *text = v->load_error ? v->load_error : _("Reading the definition…");
        nv_draw_text(stdscr, 2, 2, text, cols - 4,
                     v->load_error ? status_attr(NV_NOTE_ERROR) : A_DIM);
    }
    if (v->sub)
        draw_sub(v, 1, body, cols);
    if (v->status)
        nv_draw_text(stdscr, rows - 2, 0, v->status, cols, status_attr(v->status_kind));
    draw_hints(v, rows - 1, cols);
}

static void model_changed(NvView *view, unsigned changes)
{
    EditView *v = (EditView *)view;
    if (!(changes & NV_CHANGE_DOMAINS) || !v->state || v->pending)
        return;
    const NvModel *m = nv_conn_model(view_conn(v));
    for (guint i = 0; i < m->domains->len; i++) {
        NvDomain *d = m->domains->pdata[i];
        if (strcmp(d->uuid, v->uuid) != 0)
            continue;
        /* Started or stopped behind our back: what can go live has changed. */
        if ((d->id >= 0) != v->state->active)
            reload(v);
        return;
    }
}

static void view_free(NvView *view)
{
    EditView *v = (EditView *)view;
    v->closed = TRUE;
    view_unref(v);
}

static const NvViewClass edit_class = {
    .context = NV_CTX_FORM,
    .draw = draw,
    .action = action,
    .key = key,
    .model_changed = model_changed,
    .free = view_free,
};

NvView *nv_view_edit_new(NvApp *app, NvConn *conn, const char *uuid, const char *name)
{
    EditView *v = g_new0(EditView, 1);
    g_atomic_ref_count_init(&v->refs);
    v->base.klass = &edit_class;
    v->base.app = app;
    v->base.conn = conn;
    v->uuid = g_strdup(uuid);
    v->name = g_strdup(name);
    reload(v);
    return &v->base;
}

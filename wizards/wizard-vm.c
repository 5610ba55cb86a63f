/* The new-VM wizard: install method, OS, memory and CPUs, storage, name and options, then the
 * summary with the full XML. Built for the keyboard: every field has a default, Enter goes to
 * the next field and C-n to the next step, choices pick by their first letter, the OS list
 * filters as you type. What the host offers, the OS database and the pools' ISO images load in
 * the background when the wizard opens; the commit (src/vm-create.c) leaves nothing behind. */
#include <string.h>

#include "names.h"
#include "vm-create.h"
#include "vm-draft.h"
#include "vm-os.h"
#include "wizards.h"

#define KIB 1024ULL
#define MIB (1024ULL * 1024)
/* 64 TiB: past any host today, and inside what libvirt's unsigned long KiB can hold. */
#define MAX_BYTES (64ULL * 1024 * 1024 * MIB)
#define OS_LIST_ROWS 10

enum { STEP_INSTALL, STEP_OS, STEP_RESOURCES, STEP_STORAGE, STEP_OPTIONS, N_STEPS };

/* In NvVmInstall, NvVmStorage and NvVmNet order. */
static const char *const install_values[] = {"iso", "import", "kernel", "pxe", "none", NULL};
static const char *const install_labels[] = {
    N_("Local media (ISO image)"), N_("Import an existing disk image"), N_("Direct kernel boot"),
    N_("Network boot (PXE)"),      N_("No media (empty disk)"),         NULL};
static const char *const storage_values[] = {"new", "existing", "none", NULL};
static const char *const storage_labels[] = {N_("New volume in a pool"),
                                             N_("Existing volume or path"), N_("No disk"), NULL};
static const char *const net_values[] = {"network", "bridge", "macvtap", "none", NULL};
static const char *const net_labels[] = {N_("Virtual network"), N_("Host bridge"),
                                         N_("Macvtap on a host interface"), N_("No network"), NULL};
/* INDEX fields store these enums through an int. */
G_STATIC_ASSERT(sizeof(NvVmInstall) == sizeof(int) && sizeof(NvVmStorage) == sizeof(int) &&
                sizeof(NvVmNet) == sizeof(int));
static const char *const format_values[] = {"qcow2", "raw", NULL};
static const char *const format_labels[] = {N_("qcow2 (sparse, snapshots)"), N_("raw"), NULL};
/* In NvVmCpuMode order; offered as the host allows. */
static const char *const cpu_values[] = {"default", "host-passthrough", "host-model", NULL};

typedef struct {
    NvVmDraft *d;
    NvApp *app;
    NvConn *conn;   /* the host the VM is made on (the selected row's when it opened) */
    NvView *view;   /* the wizard's view, handed to the UI */
    NvWizard *wz;   /* set once the view is made */
    NvVmCaps *caps; /* NULL until fetched */
    char *caps_error;
    NvOsDb *osdb; /* NULL until loaded (or when it failed) */
    gboolean os_loaded;
    char *os_note;         /* "detected from the medium", ... */
    char *filter;          /* the OS search, as typed */
    gboolean os_chosen;    /* the user picked the OS: detection no longer overrides it */
    char *detected_for;    /* the media path detection last ran on */
    GPtrArray *media;      /* NvVmMedium*, the pools' ISO images; NULL until listed */
    gboolean sizes_edited; /* the user changed memory, vCPUs or disk size */
    gboolean name_edited;
    gboolean type_chosen;
    char *name_free;     /* the name the host said is free */
    char *name_checking; /* the name being checked */
} Vm;

static void vm_free(gpointer data)
{
    Vm *vm = data;
    nv_vm_draft_free(vm->d);
    nv_vm_caps_free(vm->caps);
    g_free(vm->caps_error);
    if (vm->osdb)
        nv_os_db_unref(vm->osdb);
    g_free(vm->os_note);
    g_free(vm->filter);
    g_free(vm->detected_for);
    if (vm->media)
        g_ptr_array_unref(vm->media);
    g_free(vm->name_free);
    g_free(vm->name_checking);
    g_free(vm);
}

/* ---- small helpers ---- */

static NvConn *vm_conn(Vm *vm)
{
    return vm->conn;
}

static const NvModel *model(Vm *vm)
{
    return nv_conn_model(vm_conn(vm));
}

static const NvHost *host(Vm *vm)
{
    return model(vm)->host;
}

/* Paths typed here are read here (OS detection, completion): only on this machine's host. */
static gboolean conn_is_local(Vm *vm)
{
    g_autoptr(GUri) uri = g_uri_parse(nv_conn_uri(vm_conn(vm)), G_URI_FLAGS_NONE, NULL);
    const char *h = uri ? g_uri_get_host(uri) : NULL;
    return uri && (!h || !*h);
}

/* Holds the wizard (and so the draft) while a call for it is in flight. */
typedef struct {
    NvWizard *wz;
    Vm *vm;
    char *name; /* the name a check is about */
} Ref;

static Ref *ref_new(Vm *vm)
{
    Ref *r = g_new0(Ref, 1);
    r->wz = nv_wizard_ref(vm->wz);
    r->vm = vm;
    return r;
}

static void ref_free(gpointer data)
{
    Ref *r = data;
    nv_wizard_unref(r->wz);
    g_free(r->name);
    g_free(r);
}

static NvForm *form_of(Vm *vm)
{
    return vm->wz ? nv_wizard_form(vm->wz) : NULL;
}

static int step_of(Vm *vm)
{
    return vm->wz ? nv_wizard_step(vm->wz) : -1;
}

static gboolean on_step(Vm *vm, int step)
{
    return vm->wz && nv_wizard_is_open(vm->wz) && step_of(vm) == step;
}

static void go_next(Vm *vm)
{
    if (nv_wizard_is_open(vm->wz))
        nv_wizard_next(vm->wz);
}

static NvField *field(Vm *vm, const char *id)
{
    NvForm *form = form_of(vm);
    return form ? nv_form_field(form, id) : NULL;
}

static const char *text_of(Vm *vm, const char *id)
{
    NvField *f = field(vm, id);
    return f ? nv_field_text(f) : "";
}

static const char *enum_of(Vm *vm, const char *id)
{
    NvField *f = field(vm, id);
    return f ? nv_field_enum_value(f) : NULL;
}

/* The steps' slots are in the VM's draft. */
static gpointer draft_of(gpointer draft)
{
    return ((Vm *)draft)->d;
}

#define VM(data) ((Vm *)(data))

/* ---- step 1: how the OS gets installed ---- */

#define METHOD(m) (1u << (m))

static guint install_state(gconstpointer draft)
{
    return METHOD(VM(draft)->d->install);
}

static char *media_hint(gconstpointer draft)
{
    return g_strdup(conn_is_local(VM(draft)) ? _("C-t completes; or pick a pool volume below")
                                             : _("a path on the host"));
}

/* The pools' ISO images, once listed. */
static void media_items(gconstpointer draft, GPtrArray *keys, GPtrArray *texts)
{
    const Vm *vm = draft;
    for (guint i = 0; vm->media && i < vm->media->len; i++) {
        const NvVmMedium *m = vm->media->pdata[i];
        g_autofree char *size = nv_format_bytes(m->capacity);
        g_ptr_array_add(keys, g_strdup_printf("medium:%u", i));
        g_ptr_array_add(texts,
                        g_strdup_printf(_("%s/%s  %s  (Enter: use it)"), m->pool, m->name, size));
    }
}

static char *media_end(gconstpointer draft)
{
    const Vm *vm = draft;
    if (!vm->media)
        return g_strdup(_("(looking for ISO volumes…)"));
    return g_strdup(vm->media->len ? "" : _("(no ISO volumes in the active pools)"));
}

/* The image's name says its format, until the user picks one; no name yet: the draft's. */
static char *import_format(gconstpointer draft)
{
    const NvVmDraft *d = VM(draft)->d;
    g_autofree char *lower = g_ascii_strdown(d->disk_path, -1);
    gboolean qcow = *lower ? g_str_has_suffix(lower, ".qcow2") || g_str_has_suffix(lower, ".qcow")
                           : strcmp(d->disk_format, "raw") != 0;
    return g_strdup(_(format_labels[qcow ? 0 : 1]));
}

static char *cmdline_initial(gconstpointer draft)
{
    return g_strdup(VM(draft)->d->cmdline);
}

#define PATH_FIELD(id_, label_, slot_, optional_, hint_, when_)                                    \
    {                                                                                              \
        .id = id_, .kind = NV_WIZARD_PATH, .label = label_, .max = 4096, .optional = optional_,    \
        .hint = hint_, .visible_when = when_, .slot = G_STRUCT_OFFSET(NvVmDraft, slot_)            \
    }

/* Live: the method shows its own fields. */
static const NvWizardField install_fields[] = {
    {.id = "install",
     .kind = NV_WIZARD_INDEX,
     .label = N_("Install from"),
     .hint = N_("Space or a letter changes it"),
     .slot = G_STRUCT_OFFSET(NvVmDraft, install),
     .values = install_values,
     .labels = install_labels,
     .refresh = TRUE},
    {.id = "media",
     .kind = NV_WIZARD_PATH,
     .label = N_("ISO image"),
     .max = 4096,
     .visible_when = METHOD(NV_VM_INSTALL_ISO),
     .slot = G_STRUCT_OFFSET(NvVmDraft, media),
     .hint_for = media_hint},
    {.id = "media-none",
     .kind = NV_WIZARD_ITEMS,
     .visible_when = METHOD(NV_VM_INSTALL_ISO),
     .slot = NV_WIZARD_NO_SLOT,
     .choices = media_items,
     .initial = media_end},
    {.id = "import",
     .kind = NV_WIZARD_PATH,
     .label = N_("Disk image"),
     .max = 4096,
     .hint = N_("used as the VM's disk, not copied"),
     .visible_when = METHOD(NV_VM_INSTALL_IMPORT),
     .slot = G_STRUCT_OFFSET(NvVmDraft, disk_path),
     .refresh = TRUE},
    {.id = "import-format",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Image format"),
     .visible_when = METHOD(NV_VM_INSTALL_IMPORT),
     .slot = G_STRUCT_OFFSET(NvVmDraft, disk_format),
     .values = format_values,
     .labels = format_labels,
     .initial = import_format,
     .follow = TRUE},
    PATH_FIELD("kernel", N_("Kernel"), kernel, FALSE, N_("a path on the host"),
               METHOD(NV_VM_INSTALL_KERNEL)),
    PATH_FIELD("initrd", N_("Initrd"), initrd, TRUE, N_("empty: none"),
               METHOD(NV_VM_INSTALL_KERNEL)),
    /* Not slotted: read_install keeps it as typed. */
    {.id = "cmdline",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Kernel command line"),
     .max = 4096,
     .optional = TRUE,
     .hint = N_("e.g. console=ttyS0"),
     .visible_when = METHOD(NV_VM_INSTALL_KERNEL),
     .slot = NV_WIZARD_NO_SLOT,
     .initial = cmdline_initial},
    {.id = "pxe-note",
     .kind = NV_WIZARD_REMARK,
     .label = N_("The VM boots from the network; pick its network on the last step."),
     .visible_when = METHOD(NV_VM_INSTALL_PXE),
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "none-note",
     .kind = NV_WIZARD_REMARK,
     .label = N_("The VM boots from its disk; add media later in the details editor."),
     .visible_when = METHOD(NV_VM_INSTALL_NONE),
     .slot = NV_WIZARD_NO_SLOT},
};

/* The pools' ISO images arrived. */
static void set_media_items(Vm *vm)
{
    if (on_step(vm, STEP_INSTALL))
        nv_wizard_refresh(vm->wz);
}

static void detect_os(Vm *vm);

static gboolean read_install(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    NvVmDraft *d = vm->d;
    if (d->install == NV_VM_INSTALL_KERNEL)
        nv_vm_draft_set(&d->cmdline, text_of(vm, "cmdline"));
    g_autoptr(GError) err = NULL;
    if (d->install == NV_VM_INSTALL_KERNEL && !nv_vm_check_path(d->kernel, _("kernel"), &err)) {
        nv_form_set_note(form, "kernel", NV_NOTE_ERROR, err->message);
        return FALSE;
    }
    if (d->install == NV_VM_INSTALL_ISO)
        detect_os(vm);
    return TRUE;
}

static void activate_install(NvWizard *wz, NvForm *form, const char *key, gpointer draft)
{
    Vm *vm = draft;
    guint64 i = 0;
    if (!vm->media || !g_str_has_prefix(key, "medium:") ||
        !g_ascii_string_to_unsigned(key + 7, 10, 0, vm->media->len - 1, &i, NULL))
        return;
    const NvVmMedium *m = vm->media->pdata[i];
    nv_field_set_text(field(vm, "media"), m->path);
    nv_form_focus(form, "media");
    nv_app_dirty(vm->app);
}

/* ---- step 2: the operating system ---- */

static char *os_status(Vm *vm)
{
    const char *note = vm->os_note ? vm->os_note : "";
    return g_strdup_printf(_("Chosen: %s (%s)%s%s"), vm->d->os_name, vm->d->os_short,
                           *note ? " — " : "", note);
}

static const NvOsEntry *filter_pick(const Vm *vm, GPtrArray *hits);

enum { OS_LOADING = 1 << 0, OS_NO_DB = 1 << 1 };

static guint os_state(gconstpointer draft)
{
    const Vm *vm = draft;
    if (!vm->os_loaded)
        return OS_LOADING;
    return nv_os_db_count(vm->osdb) == 0 ? OS_NO_DB : 0;
}

/* What is chosen, and what Next would pick from the search. */
static char *os_chosen(gconstpointer draft)
{
    const Vm *vm = draft;
    g_autofree char *status = os_status((Vm *)vm);
    g_autoptr(GPtrArray) all = nv_os_db_search(vm->osdb, vm->filter, 50);
    const NvOsEntry *pick = filter_pick(vm, all);
    if (pick && strcmp(pick->short_id, vm->d->os_short) != 0)
        return g_strdup_printf(_("%s; Next picks %s"), status, pick->short_id);
    return g_steal_pointer(&status);
}

static void os_items(gconstpointer draft, GPtrArray *keys, GPtrArray *texts)
{
    const Vm *vm = draft;
    g_autoptr(GPtrArray) hits = nv_os_db_search(vm->osdb, vm->filter, OS_LIST_ROWS + 1);
    for (guint i = 0; i < hits->len && i < OS_LIST_ROWS; i++) {
        const NvOsEntry *e = hits->pdata[i];
        g_ptr_array_add(keys, g_strconcat("os:", e->short_id, NULL));
        g_ptr_array_add(texts, g_strdup_printf("%-18s %s", e->short_id, e->name));
    }
}

static char *os_more(gconstpointer draft)
{
    const Vm *vm = draft;
    g_autoptr(GPtrArray) hits = nv_os_db_search(vm->osdb, vm->filter, OS_LIST_ROWS + 1);
    return g_strdup(hits->len > OS_LIST_ROWS ? _("… more: type to narrow the list")
                    : hits->len == 0         ? _("nothing matches")
                                             : "");
}

/* Each visit starts with an empty search. */
static char *empty_text(gconstpointer draft)
{
    return g_strdup("");
}

/* Live: the list follows the search; its slot is the Vm's own. */
static const NvWizardField os_fields[] = {
    {.id = "os-chosen", .kind = NV_WIZARD_REMARK, .slot = NV_WIZARD_NO_SLOT, .initial = os_chosen},
    {.id = "os-loading",
     .kind = NV_WIZARD_REMARK,
     .label = N_("loading the OS list…"),
     .visible_when = OS_LOADING,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "os-no-db",
     .kind = NV_WIZARD_REMARK,
     .label = N_("No OS database (install osinfo-db): generic defaults are used."),
     .visible_when = OS_NO_DB,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "os-filter",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Search"),
     .max = 64,
     .optional = TRUE,
     .hint = N_("e.g. debian 12, win10; Enter on a line picks it"),
     .slot = G_STRUCT_OFFSET(Vm, filter),
     .initial = empty_text,
     .refresh = TRUE},
    {.id = "os-more",
     .kind = NV_WIZARD_ITEMS,
     .slot = NV_WIZARD_NO_SLOT,
     .choices = os_items,
     .initial = os_more},
};

/* The OS list, the chosen OS or the detection's note changed. */
static void set_os_items(Vm *vm)
{
    if (on_step(vm, STEP_OS))
        nv_wizard_refresh(vm->wz);
}

static void choose_os(Vm *vm, const char *short_id, const char *note)
{
    const char *arch = *vm->d->arch ? vm->d->arch : "x86_64";
    g_autoptr(NvOsInfo) os = nv_os_db_info(vm->osdb, short_id, arch);
    if (!os)
        return;
    nv_vm_draft_set_os(vm->d, os, host(vm), vm->sizes_edited);
    g_free(vm->os_note);
    vm->os_note = g_strdup(note);
}

/* The filter names one OS exactly (its short id), or matches just one: that is the choice. */
static const NvOsEntry *filter_pick(const Vm *vm, GPtrArray *hits)
{
    const char *filter = vm->filter;
    if (!filter || !*filter)
        return NULL;
    for (guint i = 0; i < hits->len; i++)
        if (g_ascii_strcasecmp(((NvOsEntry *)hits->pdata[i])->short_id, filter) == 0)
            return hits->pdata[i];
    return hits->len == 1 ? hits->pdata[0] : NULL;
}

static gboolean read_os(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    g_autoptr(GPtrArray) hits = nv_os_db_search(vm->osdb, vm->filter, 50);
    const NvOsEntry *pick = filter_pick(vm, hits);
    if (pick && strcmp(pick->short_id, vm->d->os_short) != 0) {
        choose_os(vm, pick->short_id, _("picked"));
        vm->os_chosen = TRUE;
    }
    /* The search was for this visit only. */
    g_free(vm->filter);
    vm->filter = g_strdup("");
    return TRUE;
}

static void activate_os(NvWizard *wz, NvForm *form, const char *key, gpointer draft)
{
    Vm *vm = draft;
    if (!g_str_has_prefix(key, "os:"))
        return;
    g_autofree char *short_id = g_strdup(key + 3); /* `key` goes with the form */
    choose_os(vm, short_id, _("picked"));
    vm->os_chosen = TRUE;
    /* The filter must not pick another on the way out. */
    nv_field_set_text(field(vm, "os-filter"), "");
    /* Picking is the step's whole job: on to the next one. */
    go_next(vm);
}

static void on_db(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Ref *r = data;
    Vm *vm = r->vm;
    g_autoptr(GError) err = NULL;
    vm->os_loaded = TRUE;
    vm->osdb = nv_os_db_get_finish(res, &err);
    if (nv_wizard_is_open(r->wz)) {
        if (err)
            nv_wizard_set_status(r->wz, err->message, TRUE);
        /* A medium entered before the list was there is looked at now. */
        if (vm->d->install == NV_VM_INSTALL_ISO && step_of(vm) > STEP_INSTALL)
            detect_os(vm);
        set_os_items(vm);
    }
    ref_free(r);
}

static void on_detected(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Ref *r = data;
    g_autoptr(GError) err = NULL;
    NvOsInfo *os = nv_os_detect_finish(res, &err);
    Vm *vm = r->vm;
    g_free(vm->os_note);
    if (os && !vm->os_chosen) {
        nv_vm_draft_set_os(vm->d, os, host(vm), vm->sizes_edited);
        vm->os_note = g_strdup(_("detected from the medium"));
    } else if (os) {
        vm->os_note = g_strdup_printf(_("the medium looks like %s"), os->short_id);
    } else {
        vm->os_note = g_strdup(err ? err->message : _("the medium was not recognised"));
    }
    nv_os_info_free(os);
    set_os_items(vm);
    ref_free(r);
}

static void detect_os(Vm *vm)
{
    const char *path = vm->d->media;
    if (!vm->os_loaded || !vm->osdb || !conn_is_local(vm) || !*path ||
        g_strcmp0(vm->detected_for, path) == 0)
        return;
    g_free(vm->detected_for);
    vm->detected_for = g_strdup(path);
    g_free(vm->os_note);
    vm->os_note = g_strdup(_("detecting from the medium…"));
    nv_os_detect_async(vm->osdb, path, *vm->d->arch ? vm->d->arch : "x86_64", on_detected,
                       ref_new(vm), NULL);
}

/* ---- step 3: memory and vCPUs ---- */

static gboolean check_memory(const char *text, gpointer data, GError **err)
{
    Vm *vm = data;
    guint64 bytes = 0;
    if (!nv_parse_size(text, MIB, &bytes, NULL))
        return TRUE; /* the field says what is wrong with the text */
    return nv_vm_check_memory(bytes / KIB, host(vm), err);
}

static guint max_vcpus(Vm *vm)
{
    const NvVmVirtType *t = nv_vm_caps_type(vm->caps, vm->d->virt_type);
    return t ? t->max_vcpus : 0;
}

static gboolean check_vcpus(const char *text, gpointer data, GError **err)
{
    Vm *vm = data;
    gint64 n = 0;
    if (!nv_parse_int(text, 1, G_MAXINT, &n, NULL))
        return TRUE;
    return nv_vm_check_vcpus((guint)n, host(vm), max_vcpus(vm), err);
}

static char *host_line(gconstpointer draft)
{
    const NvHost *h = host(VM(draft));
    if (!h)
        return NULL;
    g_autofree char *total = nv_format_kib(h->mem_total_kib);
    g_autofree char *free_mem = nv_format_kib(h->mem_free_kib);
    return g_strdup_printf(ngettext("Host: %u CPU, %s memory (%s free)",
                                    "Host: %u CPUs, %s memory (%s free)", h->cpus),
                           h->cpus, total, free_mem);
}

static char *os_needs(gconstpointer draft)
{
    const Vm *vm = draft;
    const NvVmDraft *d = vm->d;
    g_autoptr(NvOsInfo) os = nv_os_db_info(vm->osdb, d->os_short, d->arch);
    if (!os || (!os->min_ram && !os->rec_ram))
        return NULL;
    g_autofree char *min = nv_format_bytes(os->min_ram);
    g_autofree char *rec = nv_format_bytes(os->rec_ram);
    return g_strdup_printf(_("%s: at least %s, recommended %s"), d->os_name,
                           os->min_ram ? min : "?", rec);
}

static char *vcpus_hint(gconstpointer draft)
{
    Vm *vm = VM(draft);
    guint limit = max_vcpus(vm);
    return limit ? g_strdup_printf(_("%s allows up to %u"), vm->d->virt_type, limit) : NULL;
}

static const NvWizardField resource_fields[] = {
    {.id = "host", .kind = NV_WIZARD_REMARK, .slot = NV_WIZARD_NO_SLOT, .initial = host_line},
    {.id = "os-needs", .kind = NV_WIZARD_REMARK, .slot = NV_WIZARD_NO_SLOT, .initial = os_needs},
    /* Typed in MiB, held in KiB. */
    {.id = "memory",
     .kind = NV_WIZARD_SIZE,
     .label = N_("Memory"),
     .min = 16 * MIB,
     .max = MAX_BYTES,
     .unit = MIB,
     .granularity = KIB,
     .scale = KIB,
     .hint = N_("e.g. 512M, 2G"),
     .check = check_memory,
     .slot = G_STRUCT_OFFSET(NvVmDraft, memory_kib)},
    {.id = "vcpus",
     .kind = NV_WIZARD_INT,
     .label = N_("vCPUs"),
     .min = 1,
     .max = 4096,
     .check = check_vcpus,
     .slot = G_STRUCT_OFFSET(NvVmDraft, vcpus),
     .hint_for = vcpus_hint},
};

/* The slots hold the values now; an edit means the OS no longer sets the sizes. */
static gboolean read_resources(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    if (nv_field_changed(field(vm, "memory")) || nv_field_changed(field(vm, "vcpus")))
        vm->sizes_edited = TRUE;
    return TRUE;
}

/* ---- step 4: storage ---- */

/* The pool the Pool field shows: the draft's, else "default", else the first active one. */
static const NvPool *shown_pool(const Vm *vm)
{
    const NvModel *m = model((Vm *)vm);
    const NvPool *first = NULL, *fallback = NULL;
    for (guint i = 0; m->pools && i < m->pools->len; i++) {
        const NvPool *p = m->pools->pdata[i];
        if (!p->active)
            continue;
        if (strcmp(p->name, vm->d->pool) == 0)
            return p;
        if (!fallback && strcmp(p->name, "default") == 0)
            fallback = p;
        if (!first)
            first = p;
    }
    return fallback ? fallback : first;
}

enum { NEW_IN_POOL = 1 << 0, NEW_NO_POOL = 1 << 1, EXISTING_DISK = 1 << 2 };

static guint storage_state(gconstpointer draft)
{
    const Vm *vm = draft;
    switch (vm->d->storage) {
    case NV_VM_STORAGE_NEW:
        return shown_pool(vm) ? NEW_IN_POOL : NEW_NO_POOL;
    case NV_VM_STORAGE_EXISTING:
        return EXISTING_DISK;
    default:
        return 0;
    }
}

static void pool_choices(gconstpointer draft, GPtrArray *values, GPtrArray *labels)
{
    const NvModel *m = model(VM(draft));
    for (guint i = 0; m->pools && i < m->pools->len; i++) {
        const NvPool *p = m->pools->pdata[i];
        if (p->active) {
            g_ptr_array_add(values, g_strdup(p->name));
            g_ptr_array_add(labels, g_strdup(p->name));
        }
    }
}

static char *pool_initial(gconstpointer draft)
{
    const NvPool *p = shown_pool(draft);
    return g_strdup(p ? p->name : "");
}

static char *pool_space(gconstpointer draft)
{
    const NvPool *p = shown_pool(draft);
    if (!p)
        return g_strdup("");
    g_autofree char *avail = nv_format_bytes(p->available);
    g_autofree char *cap = nv_format_bytes(p->capacity);
    return g_strdup_printf(_("Pool %s: %s free of %s"), p->name, avail, cap);
}

/* Against the free space of the pool chosen (a refresh runs it again for another pool). */
static gboolean check_disk_size(const char *text, gpointer data, GError **err)
{
    Vm *vm = data;
    guint64 bytes = 0;
    if (!nv_parse_size(text, MIB, &bytes, NULL))
        return TRUE;
    return nv_vm_check_disk_size(bytes, shown_pool(vm), err);
}

/* Live: the kind of disk shows its fields; the pool its free space. */
static const NvWizardField storage_fields[] = {
    {.id = "storage",
     .kind = NV_WIZARD_INDEX,
     .label = N_("Disk"),
     .slot = G_STRUCT_OFFSET(NvVmDraft, storage),
     .values = storage_values,
     .labels = storage_labels,
     .refresh = TRUE},
    {.id = "pool",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Pool"),
     .visible_when = NEW_IN_POOL,
     .slot = G_STRUCT_OFFSET(NvVmDraft, pool),
     .choices = pool_choices,
     .initial = pool_initial,
     .refresh = TRUE},
    {.id = "pool-space",
     .kind = NV_WIZARD_REMARK,
     .visible_when = NEW_IN_POOL,
     .slot = NV_WIZARD_NO_SLOT,
     .initial = pool_space},
    {.id = "no-pool",
     .kind = NV_WIZARD_REMARK,
     .label = N_("No active storage pool: start or create one in the Storage pane, or use an "
                 "existing path."),
     .visible_when = NEW_NO_POOL,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "disk-size",
     .kind = NV_WIZARD_SIZE,
     .label = N_("Size"),
     .min = MIB,
     .max = MAX_BYTES,
     .unit = MIB,
     .granularity = MIB,
     .hint = N_("e.g. 20G; allocated as the guest writes"),
     .check = check_disk_size,
     .visible_when = NEW_IN_POOL,
     .slot = G_STRUCT_OFFSET(NvVmDraft, disk_bytes)},
    {.id = "disk-format",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Format"),
     .visible_when = NEW_IN_POOL | EXISTING_DISK,
     .slot = G_STRUCT_OFFSET(NvVmDraft, disk_format),
     .values = format_values,
     .labels = format_labels},
    {.id = "volume",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Volume name"),
     .max = 200,
     .optional = TRUE,
     .hint = N_("empty: the VM's name + .qcow2 (.img for raw)"),
     .visible_when = NEW_IN_POOL,
     .slot = G_STRUCT_OFFSET(NvVmDraft, volume)},
    PATH_FIELD("disk-path", N_("Path"), disk_path, FALSE, N_("a file or block device on the host"),
               EXISTING_DISK),
};

/* The slots hold what is shown; the step as a whole is checked here. */
static gboolean read_storage(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    NvVmDraft *d = vm->d;
    if (d->storage != NV_VM_STORAGE_NEW)
        return TRUE;
    if (!shown_pool(vm)) {
        nv_form_set_note(form, "storage", NV_NOTE_ERROR, _("no active pool"));
        return FALSE;
    }
    if (nv_field_changed(field(vm, "disk-size")))
        vm->sizes_edited = TRUE;
    g_autoptr(GError) err = NULL;
    if (*d->volume && !nv_name_check(NV_NAME_VOLUME, d->volume, &err)) {
        nv_form_set_note(form, "volume", NV_NOTE_ERROR, err->message);
        return FALSE;
    }
    return TRUE;
}

static gboolean skip_storage(gpointer draft)
{
    Vm *vm = draft;
    /* An import's image is its disk. */
    return vm->d->install == NV_VM_INSTALL_IMPORT;
}

/* ---- step 5: name and options ---- */

static gboolean check_name(const char *text, gpointer data, GError **err)
{
    Vm *vm = data;
    if (!nv_name_check(NV_NAME_DOMAIN, text, err))
        return FALSE;
    if (nv_vm_name_in_model(model(vm), text)) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("a domain named '%s' exists"), text);
        return FALSE;
    }
    return TRUE;
}

/* The OS's short id, made unique among the host's domains. */
static char *suggest_name(Vm *vm)
{
    const char *base = strcmp(vm->d->os_short, "generic") == 0 ? "vm" : vm->d->os_short;
    char *name = g_strdup(base);
    for (guint i = 2; nv_vm_name_in_model(model(vm), name) && i < 1000; i++) {
        g_free(name);
        name = g_strdup_printf("%s-%u", base, i);
    }
    return name;
}

static gboolean any_network(const Vm *vm)
{
    const NvModel *m = model((Vm *)vm);
    return m->networks && m->networks->len > 0;
}

enum {
    NET_NETWORK = 1 << 0,    /* a virtual network, and the host has some */
    NET_NO_NETWORK = 1 << 1, /* a virtual network, and the host has none */
    NET_DEVICE = 1 << 2,     /* a bridge or macvtap: a host device */
    FW_UEFI = 1 << 3,        /* the virtualisation type offers UEFI */
    FW_BIOS_ONLY = 1 << 4,
};

static guint options_state(gconstpointer draft)
{
    const Vm *vm = draft;
    const NvVmDraft *d = vm->d;
    guint state = nv_vm_caps_uefi(vm->caps, d->virt_type) ? FW_UEFI : FW_BIOS_ONLY;
    if (d->net == NV_VM_NET_NETWORK)
        state |= any_network(vm) ? NET_NETWORK : NET_NO_NETWORK;
    else if (d->net == NV_VM_NET_BRIDGE || d->net == NV_VM_NET_MACVTAP)
        state |= NET_DEVICE;
    return state;
}

/* The suggestion until the user names it. */
static char *name_initial(gconstpointer draft)
{
    Vm *vm = VM(draft);
    return vm->name_edited ? g_strdup(vm->d->name) : suggest_name(vm);
}

static void network_choices(gconstpointer draft, GPtrArray *values, GPtrArray *labels)
{
    const NvModel *m = model(VM(draft));
    for (guint i = 0; m->networks && i < m->networks->len; i++) {
        const NvNetwork *n = m->networks->pdata[i];
        g_ptr_array_add(values, g_strdup(n->name));
        g_ptr_array_add(labels, n->active ? g_strdup_printf("%s (%s)", n->name, n->forward_mode)
                                          : g_strdup_printf(_("%s (%s, not running)"), n->name,
                                                            n->forward_mode));
    }
}

/* The draft's network, else "default", else the first. */
static char *network_initial(gconstpointer draft)
{
    g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func(g_free);
    network_choices(draft, values, labels);
    int selected = -1;
    for (guint i = 0; i < values->len; i++)
        if (strcmp(values->pdata[i], VM(draft)->d->net_source) == 0 ||
            (selected < 0 && strcmp(values->pdata[i], "default") == 0))
            selected = (int)i;
    return values->len ? g_strdup(labels->pdata[MAX(selected, 0)]) : NULL;
}

static char *net_dev_initial(gconstpointer draft)
{
    const NvVmDraft *d = VM(draft)->d;
    return g_strdup(d->net == NV_VM_NET_BRIDGE || d->net == NV_VM_NET_MACVTAP ? d->net_source : "");
}

static char *iface_hint(gconstpointer draft)
{
    const NvModel *m = model(VM(draft));
    GString *s = g_string_new(_("host interfaces:"));
    for (guint i = 0; m->ifaces && i < m->ifaces->len && i < 8; i++)
        g_string_append_printf(s, " %s", ((NvIface *)m->ifaces->pdata[i])->name);
    if (!m->ifaces || m->ifaces->len == 0)
        g_string_assign(s, _("e.g. br0 (bridge) or eth0 (macvtap)"));
    return g_string_free(s, FALSE);
}

/* The types the host offers; until it says, what the draft holds. */
static void type_choices(gconstpointer draft, GPtrArray *values, GPtrArray *labels)
{
    const Vm *vm = draft;
    for (guint i = 0; vm->caps && i < vm->caps->types->len && values->len < 7; i++) {
        const char *t = ((NvVmVirtType *)vm->caps->types->pdata[i])->type;
        g_ptr_array_add(values, g_strdup(t));
        g_ptr_array_add(labels, g_strdup(strcmp(t, "kvm") == 0    ? _("kvm (hardware)")
                                         : strcmp(t, "qemu") == 0 ? _("qemu (emulated, slower)")
                                                                  : t));
    }
    if (values->len == 0) {
        g_ptr_array_add(values, g_strdup(vm->d->virt_type));
        g_ptr_array_add(labels, g_strdup(vm->d->virt_type));
    }
}

static char *type_hint(gconstpointer draft)
{
    const NvHost *h = host(VM(draft));
    return h && h->kvm_explain && *h->kvm_explain ? g_strdup(h->kvm_explain) : NULL;
}

/* The CPU modes the chosen type offers. */
static void cpu_choices(gconstpointer draft, GPtrArray *values, GPtrArray *labels)
{
    const Vm *vm = draft;
    for (guint i = 0; cpu_values[i]; i++)
        if (nv_vm_caps_cpu_mode(vm->caps, vm->d->virt_type, cpu_values[i])) {
            g_ptr_array_add(values, g_strdup(cpu_values[i]));
            g_ptr_array_add(labels, g_strdup(i == 0 ? _("hypervisor default") : cpu_values[i]));
        }
}

static char *cpu_initial(gconstpointer draft)
{
    NvVmCpuMode cpu = VM(draft)->d->cpu;
    return g_strdup(cpu == NV_VM_CPU_DEFAULT ? _("hypervisor default") : cpu_values[cpu]);
}

static const char *const firmware_values[] = {"bios", "uefi", NULL};
static const char *const firmware_labels[] = {"BIOS", "UEFI", NULL};

static char *firmware_initial(gconstpointer draft)
{
    return g_strdup(VM(draft)->d->uefi ? "UEFI" : "BIOS");
}

static char *no_uefi(gconstpointer draft)
{
    const Vm *vm = draft;
    return g_strdup(vm->caps || vm->caps_error ? _("Firmware: BIOS (this host offers no UEFI)")
                                               : _("Firmware: BIOS (asking the host…)"));
}

static const char *const graphics_values[] = {"vnc", "none", NULL};
static const char *const graphics_labels[] = {N_("VNC on 127.0.0.1"), N_("none"), NULL};

static char *graphics_initial(gconstpointer draft)
{
    return g_strdup(VM(draft)->d->vnc ? _("VNC on 127.0.0.1") : _("none"));
}

/* Live: the kind of network shows its fields, the type its CPU modes and firmware. read_options
 * takes what is not slotted (the name, the device, CPU, firmware and graphics). */
static const NvWizardField option_fields[] = {
    {.id = "name",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Name"),
     .max = 100,
     .hint = N_("letters, digits, _ . + -"),
     .check = check_name,
     .slot = NV_WIZARD_NO_SLOT,
     .initial = name_initial},
    {.id = "net",
     .kind = NV_WIZARD_INDEX,
     .label = N_("Network"),
     .slot = G_STRUCT_OFFSET(NvVmDraft, net),
     .values = net_values,
     .labels = net_labels,
     .refresh = TRUE},
    {.id = "network",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Virtual network"),
     .visible_when = NET_NETWORK,
     .slot = G_STRUCT_OFFSET(NvVmDraft, net_source),
     .choices = network_choices,
     .initial = network_initial},
    {.id = "no-network",
     .kind = NV_WIZARD_REMARK,
     .label = N_("No virtual network on this host: pick a bridge, macvtap, or none."),
     .visible_when = NET_NO_NETWORK,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "net-dev",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Host device"),
     .max = 64,
     .visible_when = NET_DEVICE,
     .slot = NV_WIZARD_NO_SLOT,
     .initial = net_dev_initial,
     .hint_for = iface_hint},
    {.id = "virt-type",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Virtualisation"),
     .slot = G_STRUCT_OFFSET(NvVmDraft, virt_type),
     .choices = type_choices,
     .hint_for = type_hint,
     .refresh = TRUE},
    {.id = "cpu",
     .kind = NV_WIZARD_ENUM,
     .label = N_("CPU model"),
     .slot = NV_WIZARD_NO_SLOT,
     .choices = cpu_choices,
     .initial = cpu_initial},
    {.id = "firmware",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Firmware"),
     .visible_when = FW_UEFI,
     .slot = NV_WIZARD_NO_SLOT,
     .values = firmware_values,
     .labels = firmware_labels,
     .initial = firmware_initial},
    {.id = "no-uefi",
     .kind = NV_WIZARD_REMARK,
     .visible_when = FW_BIOS_ONLY,
     .slot = NV_WIZARD_NO_SLOT,
     .initial = no_uefi},
    {.id = "graphics",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Graphics"),
     .slot = NV_WIZARD_NO_SLOT,
     .values = graphics_values,
     .labels = graphics_labels,
     .initial = graphics_initial},
    PATH_FIELD("serial-log", N_("Serial log file"), serial_log, TRUE,
               N_("empty: none; a copy of the console's output"), 0),
    {.id = "customize",
     .kind = NV_WIZARD_BOOL,
     .label = N_("Customize first"),
     .hint = N_("yes: define it and open the editor instead of starting it"),
     .slot = G_STRUCT_OFFSET(NvVmDraft, customize)},
};

static void on_name_checked(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Ref *r = data;
    g_autoptr(GError) err = NULL;
    gboolean taken = FALSE;
    nv_vm_name_check_finish(res, &taken, &err);
    Vm *vm = r->vm;
    if (g_strcmp0(vm->name_checking, r->name) == 0)
        g_clear_pointer(&vm->name_checking, g_free);
    if (!nv_wizard_is_open(r->wz))
        return;
    /* The user may have typed another name meanwhile: this answer is about r->name only. */
    gboolean current = on_step(vm, STEP_OPTIONS) && strcmp(text_of(vm, "name"), r->name) == 0;
    if (err || taken) {
        g_autofree char *msg = err ? g_strdup(err->message)
                                   : g_strdup_printf(_("a domain named '%s' already exists on "
                                                       "the host"),
                                                     r->name);
        if (current)
            nv_form_set_note(form_of(vm), "name", NV_NOTE_ERROR, msg);
        nv_wizard_set_status(r->wz, msg, TRUE);
        return;
    }
    g_free(vm->name_free);
    vm->name_free = g_strdup(r->name);
    nv_wizard_set_status(r->wz, NULL, FALSE);
    if (current)
        go_next(vm);
}

static gboolean read_options(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    NvVmDraft *d = vm->d;
    const char *name = text_of(vm, "name");
    if (nv_field_changed(field(vm, "name")))
        vm->name_edited = TRUE;
    nv_vm_draft_set(&d->name, name);
    if (d->net == NV_VM_NET_NETWORK && !any_network(vm)) {
        nv_form_set_note(form, "net", NV_NOTE_ERROR, _("no virtual network here"));
        return FALSE;
    }
    if (d->net == NV_VM_NET_BRIDGE || d->net == NV_VM_NET_MACVTAP) {
        nv_vm_draft_set(&d->net_source, text_of(vm, "net-dev"));
        g_autoptr(GError) err = NULL;
        if (!nv_vm_check_net_source(d->net_source, &err)) {
            nv_form_set_note(form, "net-dev", NV_NOTE_ERROR, err->message);
            nv_form_focus(form, "net-dev");
            return FALSE;
        }
    }
    if (nv_field_changed(field(vm, "virt-type")))
        vm->type_chosen = TRUE;
    const char *cpu = enum_of(vm, "cpu");
    d->cpu = g_strcmp0(cpu, "host-passthrough") == 0 ? NV_VM_CPU_HOST_PASSTHROUGH
             : g_strcmp0(cpu, "host-model") == 0     ? NV_VM_CPU_HOST_MODEL
                                                     : NV_VM_CPU_DEFAULT;
    const NvVmVirtType *t = nv_vm_caps_type(vm->caps, d->virt_type);
    d->uefi =
        nv_vm_caps_uefi(vm->caps, d->virt_type) && g_strcmp0(enum_of(vm, "firmware"), "uefi") == 0;
    nv_vm_draft_set(&d->uefi_loader, d->uefi && t && !t->efi_auto ? t->efi_loader : "");
    d->vnc = g_strcmp0(enum_of(vm, "graphics"), "vnc") == 0;
    if (d->install == NV_VM_INSTALL_PXE && d->net == NV_VM_NET_NONE) {
        nv_form_set_note(form, "net", NV_NOTE_ERROR, _("network boot needs a network"));
        return FALSE;
    }
    /* The model may be a refresh behind: the host has the last word on the name. */
    if (g_strcmp0(vm->name_free, d->name) == 0)
        return TRUE;
    if (g_strcmp0(vm->name_checking, d->name) != 0) {
        g_free(vm->name_checking);
        vm->name_checking = g_strdup(d->name);
        Ref *r = ref_new(vm);
        r->name = g_strdup(d->name);
        nv_vm_name_check_async(vm_conn(vm), d->name, on_name_checked, r, ref_free);
    }
    nv_wizard_set_status(wz, _("checking the name on the host…"), FALSE);
    return FALSE;
}

/* ---- what the host offers and has ---- */

static void on_caps(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Ref *r = data;
    g_autoptr(GError) err = NULL;
    NvVmCaps *caps = nv_vm_caps_fetch_finish(res, &err);
    Vm *vm = r->vm;
    if (err) {
        vm->caps_error = g_strdup(err->message);
        if (nv_wizard_is_open(r->wz))
            nv_wizard_set_status(r->wz, err->message, TRUE);
        return;
    }
    vm->caps = caps;
    NvVmDraft *d = vm->d;
    nv_vm_draft_set(&d->arch, caps->arch);
    const NvHost *h = host(vm);
    if (!vm->type_chosen) {
        const char *type = nv_vm_caps_default_type(caps, h && h->kvm_available);
        nv_vm_draft_set(&d->virt_type, type);
        /* The host's own CPU where the hardware runs the guest; emulation keeps its model. */
        d->cpu = g_strcmp0(type, "kvm") == 0 && nv_vm_caps_cpu_mode(caps, type, "host-passthrough")
                     ? NV_VM_CPU_HOST_PASSTHROUGH
                     : NV_VM_CPU_DEFAULT;
    }
    if (on_step(vm, STEP_OPTIONS) || on_step(vm, STEP_RESOURCES))
        nv_wizard_rebuild(r->wz);
}

static void on_media(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Ref *r = data;
    GPtrArray *media = nv_vm_media_list_finish(res, NULL);
    Vm *vm = r->vm;
    /* Without the list the path field still works: say nothing more. */
    vm->media = media ? media : g_ptr_array_new();
    set_media_items(vm);
}

/* ---- summary and commit ---- */

static char *summary(gpointer draft, GError **err)
{
    Vm *vm = draft;
    g_autofree char *xml = nv_vm_draft_xml(vm->d, err);
    if (!xml)
        return NULL;
    g_autofree char *vol_xml = nv_vm_draft_volume_xml(vm->d, err);
    g_autofree char *what = nv_vm_draft_describe(vm->d);
    GString *s = g_string_new(what);
    g_string_append_printf(s, "\n%s\n%s", _("Domain XML:"), xml);
    if (vol_xml)
        g_string_append_printf(s, "\n%s\n%s", _("Volume XML:"), vol_xml);
    return g_string_free(s, FALSE);
}

typedef struct {
    NvApp *app;
    NvConn *conn;
    char *uuid;
    char *name;
} Opened;

static void opened_free(Opened *o)
{
    g_free(o->uuid);
    g_free(o->name);
    g_free(o);
}

static void console_answer(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Opened *o = data;
    if (index == 0)
        nv_wizard_open_console(app, o->conn, o->uuid, o->name);
    opened_free(o);
}

static void on_created(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Ref *r = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(NvVmCreated) created = nv_vm_create_finish(res, &err);
    if (err) {
        nv_wizard_finished(r->wz, err, NULL);
        return;
    }
    NvApp *app = r->vm->app;
    g_autofree char *msg =
        created->started
            ? g_strdup_printf(_("Created and started '%s'."), created->name)
            : g_strdup_printf(_("Defined '%s' (not started): customize it, then start it."),
                              created->name);
    nv_wizard_finished(r->wz, NULL, msg);
    if (!created->uuid)
        return;
    if (!created->started) {
        nv_wizard_open_editor(app, conn, created->uuid, created->name);
        return;
    }
    Opened *o = g_new0(Opened, 1);
    o->app = app;
    o->conn = conn;
    o->uuid = g_strdup(created->uuid);
    o->name = g_strdup(created->name);
    nv_app_confirm(app, _("Console"), _("Open its serial console?"), NULL, console_answer, o);
}

static void commit(NvWizard *wz, gpointer draft)
{
    Vm *vm = draft;
    g_autoptr(GError) err = NULL;
    if (!nv_vm_create_async(vm_conn(vm), vm->d, on_created, ref_new(vm), ref_free, &err))
        nv_wizard_finished(wz, err, NULL);
}

/* ---- the class ---- */

static const NvWizardStep steps[N_STEPS] = {
    [STEP_INSTALL] = {.title = N_("Install method"),
                      .fields = install_fields,
                      .n_fields = G_N_ELEMENTS(install_fields),
                      .target = draft_of,
                      .state = install_state,
                      .live = TRUE,
                      .read = read_install,
                      .activate = activate_install},
    [STEP_OS] = {.title = N_("Operating system"),
                 .fields = os_fields,
                 .n_fields = G_N_ELEMENTS(os_fields),
                 .state = os_state,
                 .live = TRUE,
                 .read = read_os,
                 .activate = activate_os},
    [STEP_RESOURCES] = {.title = N_("Memory and CPUs"),
                        .fields = resource_fields,
                        .n_fields = G_N_ELEMENTS(resource_fields),
                        .target = draft_of,
                        .read = read_resources},
    [STEP_STORAGE] = {.title = N_("Storage"),
                      .fields = storage_fields,
                      .n_fields = G_N_ELEMENTS(storage_fields),
                      .target = draft_of,
                      .state = storage_state,
                      .live = TRUE,
                      .read = read_storage,
                      .skip = skip_storage},
    [STEP_OPTIONS] = {.title = N_("Name and options"),
                      .fields = option_fields,
                      .n_fields = G_N_ELEMENTS(option_fields),
                      .target = draft_of,
                      .state = options_state,
                      .live = TRUE,
                      .read = read_options},
};

static const NvWizardClass vm_wizard = {
    .title = N_("New virtual machine"),
    .steps = steps,
    .n_steps = N_STEPS,
    .summary = summary,
    .commit = commit,
    .draft_free = vm_free,
};

NvView *nv_wizard_vm_open(NvApp *app, NvPane *pane)
{
    NvConn *conn = nv_wizard_host(app, pane);
    if (nv_conn_get_state(conn) != NV_CONN_CONNECTED) {
        nv_app_message(app, _("Not connected: cannot create a VM now."), TRUE);
        return NULL;
    }
    Vm *vm = g_new0(Vm, 1);
    vm->app = app;
    vm->conn = conn;
    vm->filter = g_strdup("");
    vm->d = nv_vm_draft_new();
    const NvHost *h = nv_conn_model(conn)->host;
    /* Until the host's offer arrives: its architecture, and kvm when it said KVM works. */
    nv_vm_draft_set(&vm->d->arch, h && h->arch && *h->arch ? h->arch : "x86_64");
    nv_vm_draft_set(&vm->d->virt_type, h && h->kvm_available ? "kvm" : "qemu");
    if (h) {
        g_autoptr(NvOsInfo) generic = nv_os_info_generic();
        nv_vm_draft_set_os(vm->d, generic, h, FALSE);
    }
    vm->view = nv_wizard_new(app, &vm_wizard, vm);
    vm->wz = (NvWizard *)vm->view;
    nv_vm_caps_fetch_async(conn, on_caps, ref_new(vm), ref_free);
    nv_vm_media_list_async(conn, on_media, ref_new(vm), ref_free);
    nv_os_db_get_async(on_db, ref_new(vm), NULL);
    return vm->view;
}

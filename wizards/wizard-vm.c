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

typedef struct {
    const char *value;
    const char *label; /* N_() */
} Choice;

/* In NvVmInstall, NvVmStorage and NvVmNet order. */
/* clang-format off */
static const Choice install_choices[] = {
    {"iso", N_("Local media (ISO image)")},
    {"import", N_("Import an existing disk image")},
    {"kernel", N_("Direct kernel boot")},
    {"pxe", N_("Network boot (PXE)")},
    {"none", N_("No media (empty disk)")},
};
static const Choice storage_choices[] = {
    {"new", N_("New volume in a pool")},
    {"existing", N_("Existing volume or path")},
    {"none", N_("No disk")},
};
static const Choice net_choices[] = {
    {"network", N_("Virtual network")},
    {"bridge", N_("Host bridge")},
    {"macvtap", N_("Macvtap on a host interface")},
    {"none", N_("No network")},
};
static const Choice format_choices[] = {
    {"qcow2", N_("qcow2 (sparse, snapshots)")},
    {"raw", N_("raw")},
};
/* clang-format on */
/* In NvVmCpuMode order; offered as the host allows. */
static const char *const cpu_values[] = {"default", "host-passthrough", "host-model", NULL};

typedef struct {
    NvVmDraft *d;
    NvApp *app;
    NvView *view;   /* the wizard's view, handed to the UI */
    NvWizard *wz;   /* set by the first build */
    NvForm *form;   /* the current step's form; NULL on the summary */
    int form_step;  /* which step `form` belongs to, -1 for none */
    NvVmCaps *caps; /* NULL until fetched */
    char *caps_error;
    NvOsDb *osdb; /* NULL until loaded (or when it failed) */
    gboolean os_loaded;
    char *os_note;         /* "detected from the medium", ... */
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
    return nv_app_get_conn(vm->app);
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

static gboolean on_step(Vm *vm, int step)
{
    return nv_wizard_is_open(vm->wz) && vm->form && vm->form_step == step;
}

static void go_next(Vm *vm)
{
    if (nv_wizard_is_open(vm->wz))
        nv_wizard_next(vm->wz);
}

static int choice_index(const Choice *c, guint n, const char *text)
{
    for (guint i = 0; text && i < n; i++)
        if (strcmp(text, _(c[i].label)) == 0 || g_ascii_strcasecmp(text, c[i].value) == 0)
            return (int)i;
    return -1;
}

static NvField *choice_field(const char *id, const char *label, const Choice *c, guint n,
                             int selected)
{
    const char *values[8], *labels[8];
    g_assert(n < G_N_ELEMENTS(values));
    for (guint i = 0; i < n; i++) {
        values[i] = c[i].value;
        labels[i] = _(c[i].label);
    }
    values[n] = labels[n] = NULL;
    NvField *f = nv_field_enum_new(id, label, values, labels);
    if (selected >= 0 && (guint)selected < n)
        nv_field_set_initial(f, labels[selected]);
    return f;
}

static NvField *field(Vm *vm, const char *id)
{
    return vm->form ? nv_form_field(vm->form, id) : NULL;
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

static void set_visible(Vm *vm, const char *key, gboolean visible)
{
    if (vm->form)
        nv_form_set_visible(vm->form, key, visible);
}

/* ---- step 1: how the OS gets installed ---- */

static void show_install(Vm *vm, int method)
{
    set_visible(vm, "media", method == NV_VM_INSTALL_ISO);
    for (guint i = 0; vm->media && i < vm->media->len; i++) {
        g_autofree char *key = g_strdup_printf("medium:%u", i);
        set_visible(vm, key, method == NV_VM_INSTALL_ISO);
    }
    set_visible(vm, "media-none", method == NV_VM_INSTALL_ISO);
    set_visible(vm, "import", method == NV_VM_INSTALL_IMPORT);
    set_visible(vm, "import-format", method == NV_VM_INSTALL_IMPORT);
    set_visible(vm, "kernel", method == NV_VM_INSTALL_KERNEL);
    set_visible(vm, "initrd", method == NV_VM_INSTALL_KERNEL);
    set_visible(vm, "cmdline", method == NV_VM_INSTALL_KERNEL);
    set_visible(vm, "pxe-note", method == NV_VM_INSTALL_PXE);
    set_visible(vm, "none-note", method == NV_VM_INSTALL_NONE);
}

/* The choice changed: show the fields of the new method. Also runs as the field is made. */
static gboolean on_install_changed(const char *text, gpointer data, GError **err)
{
    Vm *vm = data;
    if (vm->form_step == STEP_INSTALL)
        show_install(vm, choice_index(install_choices, G_N_ELEMENTS(install_choices), text));
    return TRUE;
}

/* A new image path picks the format its name says, until the user picks one. */
static gboolean on_import_changed(const char *text, gpointer data, GError **err)
{
    Vm *vm = data;
    NvField *fmt = vm->form_step == STEP_INSTALL ? field(vm, "import-format") : NULL;
    if (fmt && !nv_field_changed(fmt)) {
        g_autofree char *lower = g_ascii_strdown(text, -1);
        gboolean qcow = g_str_has_suffix(lower, ".qcow2") || g_str_has_suffix(lower, ".qcow");
        nv_field_set_initial(fmt, _(format_choices[qcow ? 0 : 1].label));
    }
    return TRUE;
}

static void set_media_items(Vm *vm)
{
    if (!on_step(vm, STEP_INSTALL) || !vm->media)
        return;
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < vm->media->len; i++) {
        const NvVmMedium *m = vm->media->pdata[i];
        g_autofree char *size = nv_format_bytes(m->capacity);
        g_ptr_array_add(keys, g_strdup_printf("medium:%u", i));
        g_ptr_array_add(texts,
                        g_strdup_printf(_("%s/%s  %s  (Enter: use it)"), m->pool, m->name, size));
    }
    g_ptr_array_add(keys, NULL);
    g_ptr_array_add(texts, NULL);
    nv_form_set_items(vm->form, "media", "media-none", (const char *const *)keys->pdata,
                      (const char *const *)texts->pdata);
    nv_form_set_label(vm->form, "media-none",
                      vm->media->len ? "" : _("(no ISO volumes in the active pools)"));
    show_install(
        vm, choice_index(install_choices, G_N_ELEMENTS(install_choices), text_of(vm, "install")));
    nv_app_dirty(vm->app);
}

static NvField *path_field(const char *id, const char *label, const char *value, gboolean optional,
                           const char *hint)
{
    NvField *f = nv_field_path_new(id, label);
    nv_field_set_optional(f, optional);
    nv_field_set_max_length(f, 4096);
    nv_field_set_initial(f, value);
    nv_field_set_hint(f, hint);
    return f;
}

static void build_install(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    vm->wz = wz;
    vm->form = form;
    vm->form_step = STEP_INSTALL;
    NvVmDraft *d = vm->d;
    gboolean local = conn_is_local(vm);
    NvField *install = choice_field("install", _("Install from"), install_choices,
                                    G_N_ELEMENTS(install_choices), d->install);
    nv_field_set_hint(install, _("Space or a letter changes it"));
    nv_field_set_check(install, on_install_changed, vm, NULL);
    nv_form_add_field(form, install);
    nv_form_add_field(form, path_field("media", _("ISO image"), d->media, FALSE,
                                       local ? _("C-t completes; or pick a pool volume below")
                                             : _("a path on the host")));
    nv_form_add_text(form, "media-none", vm->media ? "" : _("(looking for ISO volumes…)"));
    NvField *import = path_field("import", _("Disk image"), d->disk_path, FALSE,
                                 _("used as the VM's disk, not copied"));
    nv_form_add_field(form, import);
    int fmt = strcmp(d->disk_format, "raw") == 0 ? 1 : 0;
    nv_form_add_field(form, choice_field("import-format", _("Image format"), format_choices,
                                         G_N_ELEMENTS(format_choices), fmt));
    nv_field_set_check(import, on_import_changed, vm, NULL);
    nv_form_add_field(form,
                      path_field("kernel", _("Kernel"), d->kernel, FALSE, _("a path on the host")));
    nv_form_add_field(form, path_field("initrd", _("Initrd"), d->initrd, TRUE, _("empty: none")));
    NvField *cmdline = nv_field_text_new("cmdline", _("Kernel command line"));
    nv_field_set_optional(cmdline, TRUE);
    nv_field_set_max_length(cmdline, 4096);
    nv_field_set_initial(cmdline, d->cmdline);
    nv_field_set_hint(cmdline, _("e.g. console=ttyS0"));
    nv_form_add_field(form, cmdline);
    nv_form_add_text(form, "pxe-note",
                     _("The VM boots from the network; pick its network on the last step."));
    nv_form_add_text(form, "none-note",
                     _("The VM boots from its disk; add media later in the details editor."));
    set_media_items(vm);
    show_install(vm, d->install);
}

static void detect_os(Vm *vm);

static gboolean read_install(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    NvVmDraft *d = vm->d;
    int method =
        choice_index(install_choices, G_N_ELEMENTS(install_choices), text_of(vm, "install"));
    d->install = method < 0 ? NV_VM_INSTALL_ISO : (NvVmInstall)method;
    nv_vm_draft_set(&d->media, text_of(vm, "media"));
    nv_vm_draft_set(&d->kernel, text_of(vm, "kernel"));
    nv_vm_draft_set(&d->initrd, text_of(vm, "initrd"));
    nv_vm_draft_set(&d->cmdline, text_of(vm, "cmdline"));
    if (d->install == NV_VM_INSTALL_IMPORT) {
        nv_vm_draft_set(&d->disk_path, text_of(vm, "import"));
        nv_vm_draft_set(&d->disk_format, enum_of(vm, "import-format"));
    }
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

static const NvOsEntry *filter_pick(Vm *vm, GPtrArray *hits);

static void set_os_items(Vm *vm)
{
    if (!on_step(vm, STEP_OS))
        return;
    g_autofree char *status = os_status(vm);
    g_autoptr(GPtrArray) all = nv_os_db_search(vm->osdb, text_of(vm, "os-filter"), 50);
    const NvOsEntry *pick = filter_pick(vm, all);
    if (pick && strcmp(pick->short_id, vm->d->os_short) != 0) {
        g_autofree char *more = g_strdup_printf(_("%s; Next picks %s"), status, pick->short_id);
        nv_form_set_label(vm->form, "os-chosen", more);
    } else {
        nv_form_set_label(vm->form, "os-chosen", status);
    }
    const char *state = NULL;
    if (!vm->os_loaded)
        state = _("loading the OS list…");
    else if (nv_os_db_count(vm->osdb) == 0)
        state = _("No OS database (install osinfo-db): generic defaults are used.");
    nv_form_set_label(vm->form, "os-state", state ? state : "");
    nv_form_set_visible(vm->form, "os-state", state != NULL);
    g_autoptr(GPtrArray) hits =
        nv_os_db_search(vm->osdb, text_of(vm, "os-filter"), OS_LIST_ROWS + 1);
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < hits->len && i < OS_LIST_ROWS; i++) {
        const NvOsEntry *e = hits->pdata[i];
        g_ptr_array_add(keys, g_strconcat("os:", e->short_id, NULL));
        g_ptr_array_add(texts, g_strdup_printf("%-18s %s", e->short_id, e->name));
    }
    g_ptr_array_add(keys, NULL);
    g_ptr_array_add(texts, NULL);
    nv_form_set_items(vm->form, "os", "os-more", (const char *const *)keys->pdata,
                      (const char *const *)texts->pdata);
    nv_form_set_label(vm->form, "os-more",
                      hits->len > OS_LIST_ROWS ? _("… more: type to narrow the list")
                      : hits->len == 0         ? _("nothing matches")
                                               : "");
    nv_app_dirty(vm->app);
}

static gboolean on_filter_changed(const char *text, gpointer data, GError **err)
{
    Vm *vm = data;
    if (vm->form_step == STEP_OS && field(vm, "os-filter"))
        set_os_items(vm);
    return TRUE;
}

static void build_os(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    vm->wz = wz;
    vm->form = form;
    vm->form_step = STEP_OS;
    nv_form_add_text(form, "os-chosen", "");
    nv_form_add_text(form, "os-state", "");
    NvField *filter = nv_field_text_new("os-filter", _("Search"));
    nv_field_set_optional(filter, TRUE);
    nv_field_set_max_length(filter, 64);
    nv_field_set_hint(filter, _("e.g. debian 12, win10; Enter on a line picks it"));
    nv_form_add_field(form, filter);
    nv_form_add_text(form, "os-more", "");
    nv_field_set_check(filter, on_filter_changed, vm, NULL);
    set_os_items(vm);
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
static const NvOsEntry *filter_pick(Vm *vm, GPtrArray *hits)
{
    const char *filter = text_of(vm, "os-filter");
    if (!*filter)
        return NULL;
    for (guint i = 0; i < hits->len; i++)
        if (g_ascii_strcasecmp(((NvOsEntry *)hits->pdata[i])->short_id, filter) == 0)
            return hits->pdata[i];
    return hits->len == 1 ? hits->pdata[0] : NULL;
}

static gboolean read_os(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    g_autoptr(GPtrArray) hits = nv_os_db_search(vm->osdb, text_of(vm, "os-filter"), 50);
    const NvOsEntry *pick = filter_pick(vm, hits);
    if (pick && strcmp(pick->short_id, vm->d->os_short) != 0) {
        choose_os(vm, pick->short_id, _("picked"));
        vm->os_chosen = TRUE;
    }
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
        if (vm->d->install == NV_VM_INSTALL_ISO && vm->form_step > STEP_INSTALL)
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

static void build_resources(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    vm->wz = wz;
    vm->form = form;
    vm->form_step = STEP_RESOURCES;
    NvVmDraft *d = vm->d;
    const NvHost *h = host(vm);
    g_autoptr(NvOsInfo) os = nv_os_db_info(vm->osdb, d->os_short, d->arch);
    if (h) {
        g_autofree char *total = nv_format_kib(h->mem_total_kib);
        g_autofree char *free_mem = nv_format_kib(h->mem_free_kib);
        g_autofree char *line =
            g_strdup_printf(ngettext("Host: %u CPU, %s memory (%s free)",
                                     "Host: %u CPUs, %s memory (%s free)", h->cpus),
                            h->cpus, total, free_mem);
        nv_form_add_text(form, "host", line);
    }
    if (os && (os->min_ram || os->rec_ram)) {
        g_autofree char *min = nv_format_bytes(os->min_ram);
        g_autofree char *rec = nv_format_bytes(os->rec_ram);
        g_autofree char *line = g_strdup_printf(_("%s: at least %s, recommended %s"), d->os_name,
                                                os->min_ram ? min : "?", rec);
        nv_form_add_text(form, "os-needs", line);
    }

    NvField *mem = nv_field_size_new("memory", _("Memory"), MIB, KIB, 16 * MIB, MAX_BYTES);
    g_autofree char *mem_text = nv_format_size_input(d->memory_kib * KIB);
    nv_field_set_initial(mem, mem_text);
    nv_field_set_check(mem, check_memory, vm, NULL);
    nv_field_set_hint(mem, _("e.g. 512M, 2G"));
    nv_form_add_field(form, mem);

    NvField *cpus = nv_field_int_new("vcpus", _("vCPUs"), 1, 4096);
    g_autofree char *n = g_strdup_printf("%u", d->vcpus);
    nv_field_set_initial(cpus, n);
    nv_field_set_check(cpus, check_vcpus, vm, NULL);
    guint limit = max_vcpus(vm);
    g_autofree char *cpu_hint =
        limit ? g_strdup_printf(_("%s allows up to %u"), d->virt_type, limit) : NULL;
    nv_field_set_hint(cpus, cpu_hint);
    nv_form_add_field(form, cpus);
}

static gboolean read_resources(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    guint64 kib = nv_field_kib(field(vm, "memory"));
    guint vcpus = (guint)nv_field_int(field(vm, "vcpus"));
    if (kib != vm->d->memory_kib || vcpus != vm->d->vcpus)
        vm->sizes_edited = TRUE;
    vm->d->memory_kib = kib;
    vm->d->vcpus = vcpus;
    return TRUE;
}

/* ---- step 4: storage ---- */

static const NvPool *find_pool(Vm *vm, const char *name)
{
    const NvModel *m = model(vm);
    for (guint i = 0; name && m->pools && i < m->pools->len; i++) {
        const NvPool *p = m->pools->pdata[i];
        if (strcmp(p->name, name) == 0)
            return p;
    }
    return NULL;
}

static void show_storage(Vm *vm, int kind)
{
    gboolean any_pool = field(vm, "pool") != NULL;
    set_visible(vm, "pool", kind == NV_VM_STORAGE_NEW && any_pool);
    set_visible(vm, "pool-space", kind == NV_VM_STORAGE_NEW && any_pool);
    set_visible(vm, "no-pool", kind == NV_VM_STORAGE_NEW && !any_pool);
    set_visible(vm, "disk-size", kind == NV_VM_STORAGE_NEW && any_pool);
    set_visible(vm, "volume", kind == NV_VM_STORAGE_NEW && any_pool);
    set_visible(vm, "disk-format",
                kind == NV_VM_STORAGE_EXISTING || (kind == NV_VM_STORAGE_NEW && any_pool));
    set_visible(vm, "disk-path", kind == NV_VM_STORAGE_EXISTING);
}

static gboolean on_storage_changed(const char *text, gpointer data, GError **err)
{
    Vm *vm = data;
    if (vm->form_step == STEP_STORAGE)
        show_storage(vm, choice_index(storage_choices, G_N_ELEMENTS(storage_choices), text));
    return TRUE;
}

static gboolean check_disk_size(const char *text, gpointer data, GError **err)
{
    Vm *vm = data;
    guint64 bytes = 0;
    if (!nv_parse_size(text, MIB, &bytes, NULL) || vm->form_step != STEP_STORAGE)
        return TRUE;
    return nv_vm_check_disk_size(bytes, find_pool(vm, enum_of(vm, "pool")), err);
}

static void show_pool_space(Vm *vm, const char *name)
{
    const NvPool *p = find_pool(vm, name);
    if (!p)
        return;
    g_autofree char *avail = nv_format_bytes(p->available);
    g_autofree char *cap = nv_format_bytes(p->capacity);
    g_autofree char *line = g_strdup_printf(_("Pool %s: %s free of %s"), p->name, avail, cap);
    nv_form_set_label(vm->form, "pool-space", line);
}

/* Another pool: the size is measured against its free space. */
static gboolean on_pool_changed(const char *text, gpointer data, GError **err)
{
    Vm *vm = data;
    NvField *size = vm->form_step == STEP_STORAGE ? field(vm, "disk-size") : NULL;
    if (size) {
        g_autofree char *keep = g_strdup(nv_field_text(size));
        nv_field_set_text(size, keep);
    }
    if (vm->form_step == STEP_STORAGE)
        show_pool_space(vm, text);
    return TRUE;
}

static NvField *pool_field(Vm *vm)
{
    const NvModel *m = model(vm);
    g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
    int selected = -1;
    for (guint i = 0; m->pools && i < m->pools->len; i++) {
        const NvPool *p = m->pools->pdata[i];
        if (!p->active)
            continue;
        if (strcmp(p->name, vm->d->pool) == 0 || (selected < 0 && strcmp(p->name, "default") == 0))
            selected = (int)values->len;
        g_ptr_array_add(values, g_strdup(p->name));
    }
    if (values->len == 0)
        return NULL;
    g_ptr_array_add(values, NULL);
    NvField *f = nv_field_enum_new("pool", _("Pool"), (const char *const *)values->pdata, NULL);
    nv_field_set_initial(f, values->pdata[MAX(selected, 0)]);
    return f;
}

static void build_storage(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    vm->wz = wz;
    vm->form = form;
    vm->form_step = STEP_STORAGE;
    NvVmDraft *d = vm->d;
    NvField *kind = choice_field("storage", _("Disk"), storage_choices,
                                 G_N_ELEMENTS(storage_choices), d->storage);
    nv_form_add_field(form, kind);
    NvField *pool = pool_field(vm);
    if (pool) {
        nv_form_add_field(form, pool);
        nv_form_add_text(form, "pool-space", "");
        nv_field_set_check(pool, on_pool_changed, vm, NULL);
    }
    nv_form_add_text(form, "no-pool",
                     _("No active storage pool: start or create one in the "
                       "Storage pane, or use an existing path."));
    NvField *size = nv_field_size_new("disk-size", _("Size"), MIB, MIB, MIB, MAX_BYTES);
    g_autofree char *size_text = nv_format_size_input(d->disk_bytes);
    nv_field_set_initial(size, size_text);
    nv_field_set_check(size, check_disk_size, vm, NULL);
    nv_field_set_hint(size, _("e.g. 20G; allocated as the guest writes"));
    nv_form_add_field(form, size);
    int fmt = strcmp(d->disk_format, "raw") == 0 ? 1 : 0;
    nv_form_add_field(form, choice_field("disk-format", _("Format"), format_choices,
                                         G_N_ELEMENTS(format_choices), fmt));
    NvField *vol = nv_field_text_new("volume", _("Volume name"));
    nv_field_set_optional(vol, TRUE);
    nv_field_set_max_length(vol, 200);
    nv_field_set_initial(vol, d->volume);
    nv_field_set_hint(vol, _("empty: the VM's name + .qcow2 (.img for raw)"));
    nv_form_add_field(form, vol);
    nv_form_add_field(form, path_field("disk-path", _("Path"), d->disk_path, FALSE,
                                       _("a file or block device on the host")));
    nv_field_set_check(kind, on_storage_changed, vm, NULL);
    show_storage(vm, d->storage);
}

static gboolean read_storage(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    NvVmDraft *d = vm->d;
    int kind = choice_index(storage_choices, G_N_ELEMENTS(storage_choices), text_of(vm, "storage"));
    d->storage = kind < 0 ? NV_VM_STORAGE_NEW : (NvVmStorage)kind;
    if (d->storage == NV_VM_STORAGE_NEW && !field(vm, "pool")) {
        nv_form_set_note(form, "storage", NV_NOTE_ERROR, _("no active pool"));
        return FALSE;
    }
    if (d->storage == NV_VM_STORAGE_NEW) {
        nv_vm_draft_set(&d->pool, enum_of(vm, "pool"));
        guint64 bytes = nv_field_bytes(field(vm, "disk-size"));
        if (bytes != d->disk_bytes)
            vm->sizes_edited = TRUE;
        d->disk_bytes = bytes;
        g_autofree char *vol = g_strdup(text_of(vm, "volume"));
        nv_vm_draft_set(&d->volume, g_strstrip(vol));
        g_autoptr(GError) err = NULL;
        if (*d->volume && !nv_name_check(NV_NAME_VOLUME, d->volume, &err)) {
            nv_form_set_note(form, "volume", NV_NOTE_ERROR, err->message);
            return FALSE;
        }
    }
    if (d->storage != NV_VM_STORAGE_NONE)
        nv_vm_draft_set(&d->disk_format, enum_of(vm, "disk-format"));
    if (d->storage == NV_VM_STORAGE_EXISTING)
        nv_vm_draft_set(&d->disk_path, text_of(vm, "disk-path"));
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

static void show_options(Vm *vm, int net)
{
    gboolean any_network = field(vm, "network") != NULL;
    set_visible(vm, "network", net == NV_VM_NET_NETWORK && any_network);
    set_visible(vm, "no-network", net == NV_VM_NET_NETWORK && !any_network);
    set_visible(vm, "net-dev", net == NV_VM_NET_BRIDGE || net == NV_VM_NET_MACVTAP);
}

static gboolean on_net_changed(const char *text, gpointer data, GError **err)
{
    Vm *vm = data;
    if (vm->form_step == STEP_OPTIONS)
        show_options(vm, choice_index(net_choices, G_N_ELEMENTS(net_choices), text));
    return TRUE;
}

/* The CPU modes and firmware the chosen type offers. */
static void offer_for_type(Vm *vm, const char *type)
{
    NvField *cpu = field(vm, "cpu");
    if (cpu) {
        const char *values[4], *labels[4];
        guint n = 0;
        for (guint i = 0; cpu_values[i]; i++)
            if (nv_vm_caps_cpu_mode(vm->caps, type, cpu_values[i])) {
                values[n] = cpu_values[i];
                labels[n++] = i == 0 ? _("hypervisor default") : cpu_values[i];
            }
        values[n] = labels[n] = NULL;
        nv_field_enum_set_choices(cpu, values, labels);
    }
    gboolean uefi = nv_vm_caps_uefi(vm->caps, type);
    set_visible(vm, "firmware", uefi);
    set_visible(vm, "no-uefi", !uefi);
}

static gboolean on_type_changed(const char *text, gpointer data, GError **err)
{
    Vm *vm = data;
    if (vm->form_step == STEP_OPTIONS && field(vm, "virt-type"))
        offer_for_type(vm, enum_of(vm, "virt-type"));
    return TRUE;
}

static NvField *network_field(Vm *vm)
{
    const NvModel *m = model(vm);
    g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func(g_free);
    int selected = -1;
    for (guint i = 0; m->networks && i < m->networks->len; i++) {
        const NvNetwork *n = m->networks->pdata[i];
        if (strcmp(n->name, vm->d->net_source) == 0 ||
            (selected < 0 && strcmp(n->name, "default") == 0))
            selected = (int)values->len;
        g_ptr_array_add(values, g_strdup(n->name));
        g_ptr_array_add(labels, n->active ? g_strdup_printf("%s (%s)", n->name, n->forward_mode)
                                          : g_strdup_printf(_("%s (%s, not running)"), n->name,
                                                            n->forward_mode));
    }
    if (values->len == 0)
        return NULL;
    g_ptr_array_add(values, NULL);
    g_ptr_array_add(labels, NULL);
    NvField *f =
        nv_field_enum_new("network", _("Virtual network"), (const char *const *)values->pdata,
                          (const char *const *)labels->pdata);
    nv_field_set_initial(f, labels->pdata[MAX(selected, 0)]);
    return f;
}

static NvField *type_field(Vm *vm)
{
    const char *values[8], *labels[8];
    guint n = 0;
    for (guint i = 0; vm->caps && i < vm->caps->types->len && n < 7; i++) {
        const char *t = ((NvVmVirtType *)vm->caps->types->pdata[i])->type;
        values[n] = t;
        labels[n++] = strcmp(t, "kvm") == 0    ? _("kvm (hardware)")
                      : strcmp(t, "qemu") == 0 ? _("qemu (emulated, slower)")
                                               : t;
    }
    if (n == 0) { /* not known yet: what the draft holds */
        values[0] = labels[0] = vm->d->virt_type;
        n = 1;
    }
    values[n] = labels[n] = NULL;
    NvField *f = nv_field_enum_new("virt-type", _("Virtualisation"), values, labels);
    for (guint i = 0; i < n; i++)
        if (strcmp(values[i], vm->d->virt_type) == 0)
            nv_field_set_initial(f, labels[i]);
    NvHost const *h = host(vm);
    if (h && h->kvm_explain && *h->kvm_explain)
        nv_field_set_hint(f, h->kvm_explain);
    return f;
}

static char *iface_hint(Vm *vm)
{
    const NvModel *m = model(vm);
    GString *s = g_string_new(_("host interfaces:"));
    for (guint i = 0; m->ifaces && i < m->ifaces->len && i < 8; i++)
        g_string_append_printf(s, " %s", ((NvIface *)m->ifaces->pdata[i])->name);
    if (!m->ifaces || m->ifaces->len == 0)
        g_string_assign(s, _("e.g. br0 (bridge) or eth0 (macvtap)"));
    return g_string_free(s, FALSE);
}

static void build_options(NvWizard *wz, NvForm *form, gpointer draft)
{
    Vm *vm = draft;
    vm->wz = wz;
    vm->form = form;
    vm->form_step = STEP_OPTIONS;
    NvVmDraft *d = vm->d;
    if (!vm->name_edited) {
        g_autofree char *name = suggest_name(vm);
        nv_vm_draft_set(&d->name, name);
    }
    NvField *name = nv_field_text_new("name", _("Name"));
    nv_field_set_max_length(name, 100);
    nv_field_set_initial(name, d->name);
    nv_field_set_check(name, check_name, vm, NULL);
    nv_field_set_hint(name, _("letters, digits, _ . + -"));
    nv_form_add_field(form, name);

    NvField *net =
        choice_field("net", _("Network"), net_choices, G_N_ELEMENTS(net_choices), d->net);
    nv_form_add_field(form, net);
    NvField *network = network_field(vm);
    if (network)
        nv_form_add_field(form, network);
    nv_form_add_text(form, "no-network",
                     _("No virtual network on this host: pick a bridge, "
                       "macvtap, or none."));
    NvField *dev = nv_field_text_new("net-dev", _("Host device"));
    nv_field_set_max_length(dev, 64);
    nv_field_set_initial(
        dev, d->net == NV_VM_NET_BRIDGE || d->net == NV_VM_NET_MACVTAP ? d->net_source : "");
    g_autofree char *hint = iface_hint(vm);
    nv_field_set_hint(dev, hint);
    nv_form_add_field(form, dev);
    nv_field_set_check(net, on_net_changed, vm, NULL);

    NvField *type = type_field(vm);
    nv_form_add_field(form, type);
    NvField *cpu = nv_field_enum_new("cpu", _("CPU model"), cpu_values, NULL);
    nv_form_add_field(form, cpu);
    const char *fw_values[] = {"bios", "uefi", NULL};
    NvField *fw = nv_field_enum_new("firmware", _("Firmware"), fw_values,
                                    (const char *const[]){"BIOS", "UEFI", NULL});
    nv_field_set_initial(fw, d->uefi ? "UEFI" : "BIOS");
    nv_form_add_field(form, fw);
    nv_form_add_text(form, "no-uefi",
                     vm->caps || vm->caps_error ? _("Firmware: BIOS (this host offers no UEFI)")
                                                : _("Firmware: BIOS (asking the host…)"));
    const char *gfx_values[] = {"vnc", "none", NULL};
    NvField *gfx = nv_field_enum_new("graphics", _("Graphics"), gfx_values,
                                     (const char *const[]){_("VNC on 127.0.0.1"), _("none"), NULL});
    nv_field_set_initial(gfx, d->vnc ? _("VNC on 127.0.0.1") : _("none"));
    nv_form_add_field(form, gfx);
    nv_form_add_field(form, path_field("serial-log", _("Serial log file"), d->serial_log, TRUE,
                                       _("empty: none; a copy of the console's output")));
    NvField *custom = nv_field_bool_new("customize", _("Customize first"));
    nv_field_set_initial(custom, d->customize ? _("yes") : _("no"));
    nv_field_set_hint(custom, _("yes: define it and open the editor instead of starting it"));
    nv_form_add_field(form, custom);

    offer_for_type(vm, d->virt_type);
    nv_field_set_initial(cpu, d->cpu == NV_VM_CPU_DEFAULT ? _("hypervisor default")
                                                          : cpu_values[d->cpu]);
    nv_field_set_check(type, on_type_changed, vm, NULL);
    show_options(vm, d->net);
}

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
            nv_form_set_note(vm->form, "name", NV_NOTE_ERROR, msg);
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
    if (strcmp(name, d->name) != 0)
        vm->name_edited = TRUE;
    nv_vm_draft_set(&d->name, name);
    int net = choice_index(net_choices, G_N_ELEMENTS(net_choices), text_of(vm, "net"));
    d->net = net < 0 ? NV_VM_NET_NONE : (NvVmNet)net;
    if (d->net == NV_VM_NET_NETWORK) {
        if (!field(vm, "network")) {
            nv_form_set_note(form, "net", NV_NOTE_ERROR, _("no virtual network here"));
            return FALSE;
        }
        nv_vm_draft_set(&d->net_source, enum_of(vm, "network"));
    } else if (d->net != NV_VM_NET_NONE) {
        nv_vm_draft_set(&d->net_source, text_of(vm, "net-dev"));
        g_autoptr(GError) err = NULL;
        if (!nv_vm_check_net_source(d->net_source, &err)) {
            nv_form_set_note(form, "net-dev", NV_NOTE_ERROR, err->message);
            nv_form_focus(form, "net-dev");
            return FALSE;
        }
    }
    const char *type = enum_of(vm, "virt-type");
    if (type && strcmp(type, d->virt_type) != 0)
        vm->type_chosen = TRUE;
    nv_vm_draft_set(&d->virt_type, type);
    const char *cpu = enum_of(vm, "cpu");
    d->cpu = g_strcmp0(cpu, "host-passthrough") == 0 ? NV_VM_CPU_HOST_PASSTHROUGH
             : g_strcmp0(cpu, "host-model") == 0     ? NV_VM_CPU_HOST_MODEL
                                                     : NV_VM_CPU_DEFAULT;
    const NvVmVirtType *t = nv_vm_caps_type(vm->caps, d->virt_type);
    d->uefi =
        nv_vm_caps_uefi(vm->caps, d->virt_type) && g_strcmp0(enum_of(vm, "firmware"), "uefi") == 0;
    nv_vm_draft_set(&d->uefi_loader, d->uefi && t && !t->efi_auto ? t->efi_loader : "");
    d->vnc = g_strcmp0(enum_of(vm, "graphics"), "vnc") == 0;
    nv_vm_draft_set(&d->serial_log, text_of(vm, "serial-log"));
    d->customize = nv_field_bool(field(vm, "customize"));
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
    vm->form = NULL;
    vm->form_step = -1;
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
        nv_wizard_open_console(app, o->uuid, o->name);
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
        nv_wizard_open_editor(app, created->uuid, created->name);
        return;
    }
    Opened *o = g_new0(Opened, 1);
    o->app = app;
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
                      .build = build_install,
                      .read = read_install,
                      .activate = activate_install},
    [STEP_OS] = {.title = N_("Operating system"),
                 .build = build_os,
                 .read = read_os,
                 .activate = activate_os},
    [STEP_RESOURCES] = {.title = N_("Memory and CPUs"),
                        .build = build_resources,
                        .read = read_resources},
    [STEP_STORAGE] = {.title = N_("Storage"),
                      .build = build_storage,
                      .read = read_storage,
                      .skip = skip_storage},
    [STEP_OPTIONS] = {.title = N_("Name and options"),
                      .build = build_options,
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
    NvConn *conn = nv_app_get_conn(app);
    if (nv_conn_get_state(conn) != NV_CONN_CONNECTED) {
        nv_app_message(app, _("Not connected: cannot create a VM now."), TRUE);
        return NULL;
    }
    Vm *vm = g_new0(Vm, 1);
    vm->app = app;
    vm->form_step = -1;
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
    /* The first build has run and set vm->wz. */
    nv_vm_caps_fetch_async(conn, on_caps, ref_new(vm), ref_free);
    nv_vm_media_list_async(conn, on_media, ref_new(vm), ref_free);
    nv_os_db_get_async(on_db, ref_new(vm), NULL);
    return vm->view;
}

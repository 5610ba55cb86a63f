/* libosinfo behind a small interface for the new-VM wizard: the variant list with a search
 * index, per-variant defaults and virtio support, and ISO detection. Loading and detection run
 * on threads; everything else is called on the main thread once the database is loaded. */
#include "vm-os.h"

#include <gio/gio.h>
#include <osinfo/osinfo.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "i18n.h"

#define NV_OS_GENERIC "generic"
#define NV_OS_GENERIC_NAME N_("Generic OS (virtio)")

typedef struct {
    char *short_id;
    char *name;
    char *haystack; /* casefolded "short-ids name" */
    char *released; /* "YYYY-MM-DD" or "" */
} Entry;

struct NvOsDb {
    gatomicrefcount refs;
    OsinfoLoader *loader; /* owns the OsinfoDb */
    GPtrArray *entries;   /* Entry*, newest first */
};

static void entry_free(Entry *e)
{
    g_free(e->short_id);
    g_free(e->name);
    g_free(e->haystack);
    g_free(e->released);
    g_free(e);
}

void nv_os_info_free(NvOsInfo *os)
{
    if (!os)
        return;
    g_free(os->short_id);
    g_free(os->name);
    g_free(os->id);
    g_free(os->family);
    g_free(os);
}

NvOsInfo *nv_os_info_copy(const NvOsInfo *os)
{
    NvOsInfo *c = g_memdup2(os, sizeof(*os));
    c->short_id = g_strdup(os->short_id);
    c->name = g_strdup(os->name);
    c->id = g_strdup(os->id);
    c->family = g_strdup(os->family);
    return c;
}

NvOsInfo *nv_os_info_generic(void)
{
    NvOsInfo *os = g_new0(NvOsInfo, 1);
    os->short_id = g_strdup(NV_OS_GENERIC);
    os->name = g_strdup(_(NV_OS_GENERIC_NAME));
    os->id = g_strdup("");
    os->family = g_strdup("");
    /* Most guests installed on a server today are Linux or BSD with virtio drivers. */
    os->virtio_disk = TRUE;
    os->virtio_net = TRUE;
    os->sata = TRUE;
    return os;
}

/* ---- loading ---- */

static gint compare_entries(gconstpointer a, gconstpointer b)
{
    const Entry *x = *(Entry *const *)a, *y = *(Entry *const *)b;
    /* Newest first; undated ones last. */
    int c = strcmp(y->released, x->released);
    return c ? c : g_utf8_collate(x->name, y->name);
}

static Entry *entry_from_os(OsinfoOs *os)
{
    OsinfoProduct *p = OSINFO_PRODUCT(os);
    const char *short_id = osinfo_product_get_short_id(p);
    const char *name = osinfo_product_get_name(p);
    if (!short_id || !*short_id)
        return NULL;
    Entry *e = g_new0(Entry, 1);
    e->short_id = g_strdup(short_id);
    e->name = g_strdup(name && *name ? name : short_id);
    GString *hay = g_string_new("");
    g_autoptr(GList) ids = osinfo_product_get_short_id_list(p);
    for (GList *l = ids; l; l = l->next)
        g_string_append_printf(hay, "%s ", (const char *)l->data);
    if (!ids)
        g_string_append_printf(hay, "%s ", short_id);
    g_string_append(hay, e->name);
    e->haystack = g_utf8_casefold(hay->str, -1);
    g_string_free(hay, TRUE);
    const char *released = osinfo_product_get_release_date_string(p);
    e->released = g_strdup(released ? released : "");
    return e;
}

NvOsDb *nv_os_db_load(const char *dir, GError **err)
{
    g_autoptr(GError) lerr = NULL;
    OsinfoLoader *loader = osinfo_loader_new();
    if (dir)
        osinfo_loader_process_path(loader, dir, &lerr);
    else
        osinfo_loader_process_default_path(loader, &lerr);
    /* A missing directory is "no database"; a broken one is worth saying. */
    if (lerr && !g_error_matches(lerr, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot read the OS database: %s"),
                    lerr->message);
        g_object_unref(loader);
        return NULL;
    }
    NvOsDb *db = g_new0(NvOsDb, 1);
    g_atomic_ref_count_init(&db->refs);
    db->loader = loader;
    db->entries = g_ptr_array_new_with_free_func((GDestroyNotify)entry_free);
    g_autoptr(OsinfoOsList) list = osinfo_db_get_os_list(osinfo_loader_get_db(loader));
    int n = osinfo_list_get_length(OSINFO_LIST(list));
    for (int i = 0; i < n; i++) {
        Entry *e = entry_from_os(OSINFO_OS(osinfo_list_get_nth(OSINFO_LIST(list), i)));
        if (e)
            g_ptr_array_add(db->entries, e);
    }
    g_ptr_array_sort(db->entries, compare_entries);
    return db;
}

NvOsDb *nv_os_db_ref(NvOsDb *db)
{
    g_atomic_ref_count_inc(&db->refs);
    return db;
}

void nv_os_db_unref(NvOsDb *db)
{
    if (!db || !g_atomic_ref_count_dec(&db->refs))
        return;
    g_ptr_array_unref(db->entries);
    g_object_unref(db->loader);
    g_free(db);
}

/* ---- the process's database ---- */

static NvOsDb *shared_db;
static GError *shared_error;
static GSList *waiters; /* Waiter*, while the load runs */

typedef struct {
    NvAsyncFunc done;
    gpointer data;
    GDestroyNotify data_free;
} Waiter;

/* One waiter's result: a reference to the database, or the load's error. */
static void answer(Waiter *w)
{
    NvAsyncSpec spec = {.tag = nv_os_db_get_async, .value_free = (GDestroyNotify)nv_os_db_unref};
    NvAsyncResult *res = nv_async_result_new(&spec, w->done, w->data, w->data_free);
    nv_async_result_set(res, shared_db ? nv_os_db_ref(shared_db) : NULL,
                        shared_error ? g_error_copy(shared_error) : NULL);
    nv_async_result_deliver(res, NULL);
    g_free(w);
}

static void load_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    GError *err = NULL;
    NvOsDb *db = nv_os_db_load(NULL, &err);
    if (db)
        g_task_return_pointer(task, db, (GDestroyNotify)nv_os_db_unref);
    else
        g_task_return_error(task, err);
}

static void load_done(GObject *source, GAsyncResult *res, gpointer data)
{
    GError *err = NULL;
    shared_db = g_task_propagate_pointer(G_TASK(res), &err);
    shared_error = err;
    GSList *list = g_slist_reverse(g_steal_pointer(&waiters));
    for (GSList *l = list; l; l = l->next)
        answer(l->data);
    g_slist_free(list);
}

static gboolean answer_now(gpointer data)
{
    answer(data);
    return G_SOURCE_REMOVE;
}

void nv_os_db_get_async(NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    Waiter *w = g_new0(Waiter, 1);
    w->done = done;
    w->data = data;
    w->data_free = data_free;
    if (shared_db || shared_error) {
        g_idle_add(answer_now, w);
        return;
    }
    gboolean start = waiters == NULL;
    waiters = g_slist_prepend(waiters, w);
    if (!start)
        return;
    g_autoptr(GTask) task = g_task_new(NULL, NULL, load_done, NULL);
    g_task_run_in_thread(task, load_thread);
}

NvOsDb *nv_os_db_get_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_os_db_get_async, err);
}

/* ---- searching ---- */

guint nv_os_db_count(NvOsDb *db)
{
    return db ? db->entries->len : 0;
}

static gboolean matches(const Entry *e, char **words)
{
    for (guint i = 0; words[i]; i++)
        if (*words[i] && !strstr(e->haystack, words[i]))
            return FALSE;
    return TRUE;
}

GPtrArray *nv_os_db_search(NvOsDb *db, const char *filter, guint limit)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *folded = g_utf8_casefold(filter ? filter : "", -1);
    g_auto(GStrv) words = g_strsplit_set(folded, " \t", -1);
    /* The fallback is always offered, database or not (gettext's strings are static). */
    g_autofree char *hay = g_strconcat(NV_OS_GENERIC, " ", _(NV_OS_GENERIC_NAME), NULL);
    Entry generic = {.haystack = g_utf8_casefold(hay, -1)};
    if (limit > 0 && matches(&generic, words)) {
        NvOsEntry *e = g_new0(NvOsEntry, 1);
        e->short_id = NV_OS_GENERIC;
        e->name = _(NV_OS_GENERIC_NAME);
        g_ptr_array_add(out, e);
    }
    g_free(generic.haystack);
    for (guint i = 0; db && i < db->entries->len && out->len < limit; i++) {
        const Entry *x = db->entries->pdata[i];
        if (!matches(x, words))
            continue;
        NvOsEntry *e = g_new0(NvOsEntry, 1);
        e->short_id = x->short_id;
        e->name = x->name;
        g_ptr_array_add(out, e);
    }
    return out;
}

/* ---- details ---- */

static OsinfoOs *find_os(NvOsDb *db, const char *short_id)
{
    OsinfoDb *odb = osinfo_loader_get_db(db->loader);
    g_autoptr(OsinfoOsList) list = osinfo_db_get_os_list(odb);
    int n = osinfo_list_get_length(OSINFO_LIST(list));
    for (int i = 0; i < n; i++) {
        OsinfoOs *os = OSINFO_OS(osinfo_list_get_nth(OSINFO_LIST(list), i));
        g_autoptr(GList) ids = osinfo_product_get_short_id_list(OSINFO_PRODUCT(os));
        for (GList *l = ids; l; l = l->next)
            if (g_strcmp0(l->data, short_id) == 0)
                return g_object_ref(os);
        if (!ids && g_strcmp0(osinfo_product_get_short_id(OSINFO_PRODUCT(os)), short_id) == 0)
            return g_object_ref(os);
    }
    return NULL;
}

/* The entry of a resources list for `arch`, else the one for every architecture. */
static OsinfoResources *pick_resources(OsinfoResourcesList *list, const char *arch)
{
    OsinfoResources *all = NULL;
    int n = list ? osinfo_list_get_length(OSINFO_LIST(list)) : 0;
    for (int i = 0; i < n; i++) {
        OsinfoResources *r = OSINFO_RESOURCES(osinfo_list_get_nth(OSINFO_LIST(list), i));
        const char *a = osinfo_resources_get_architecture(r);
        if (g_strcmp0(a, arch) == 0)
            return r;
        if (g_strcmp0(a, "all") == 0)
            all = r;
    }
    return all;
}

static guint64 positive(gint64 v)
{
    return v > 0 ? (guint64)v : 0;
}

static void read_resources(OsinfoOs *os, const char *arch, NvOsInfo *out)
{
    g_autoptr(OsinfoResourcesList) min = osinfo_os_get_minimum_resources(os);
    g_autoptr(OsinfoResourcesList) rec = osinfo_os_get_recommended_resources(os);
    OsinfoResources *m = pick_resources(min, arch);
    OsinfoResources *r = pick_resources(rec, arch);
    if (m) {
        out->min_ram = positive(osinfo_resources_get_ram(m));
        out->min_storage = positive(osinfo_resources_get_storage(m));
    }
    if (r) {
        out->rec_ram = positive(osinfo_resources_get_ram(r));
        out->rec_storage = positive(osinfo_resources_get_storage(r));
        gint cpus = osinfo_resources_get_n_cpus(r);
        out->rec_cpus = cpus > 0 ? (guint)cpus : 0;
    }
    /* Some variants give only minimums (Windows 10): they are the better default then. */
    if (!out->rec_ram)
        out->rec_ram = out->min_ram;
    if (!out->rec_storage)
        out->rec_storage = out->min_storage;
}

static void read_devices(OsinfoOs *os, NvOsInfo *out)
{
    /* get_all_devices follows the variant's "derives-from" chain. */
    g_autoptr(OsinfoDeviceList) devs = osinfo_os_get_all_devices(os, NULL);
    int n = osinfo_list_get_length(OSINFO_LIST(devs));
    for (int i = 0; i < n; i++) {
        const char *name =
            osinfo_device_get_name(OSINFO_DEVICE(osinfo_list_get_nth(OSINFO_LIST(devs), i)));
        if (!name)
            continue;
        if (strcmp(name, "virtio-block") == 0 || strcmp(name, "virtio1.0-block") == 0)
            out->virtio_disk = TRUE;
        else if (strcmp(name, "virtio-net") == 0 || strcmp(name, "virtio1.0-net") == 0)
            out->virtio_net = TRUE;
        /* The database lists the q35 chipset for variants that run on ICH9, whose disk
         * controller is AHCI (SATA); older ones only know the PIIX IDE controller. */
        else if (strcmp(name, "qemu-x86-q35") == 0)
            out->sata = TRUE;
    }
}

static NvOsInfo *info_from_os(OsinfoOs *os, const char *short_id, const char *arch)
{
    OsinfoProduct *p = OSINFO_PRODUCT(os);
    NvOsInfo *out = g_new0(NvOsInfo, 1);
    out->short_id = g_strdup(short_id ? short_id : osinfo_product_get_short_id(p));
    const char *name = osinfo_product_get_name(p);
    out->name = g_strdup(name ? name : out->short_id);
    out->id = g_strdup(osinfo_entity_get_id(OSINFO_ENTITY(os)));
    const char *family = osinfo_os_get_family(os);
    out->family = g_strdup(family ? family : "");
    read_resources(os, arch, out);
    read_devices(os, out);
    return out;
}

NvOsInfo *nv_os_db_info(NvOsDb *db, const char *short_id, const char *arch)
{
    if (!short_id || strcmp(short_id, NV_OS_GENERIC) == 0)
        return nv_os_info_generic();
    if (!db)
        return NULL;
    g_autoptr(OsinfoOs) os = find_os(db, short_id);
    return os ? info_from_os(os, short_id, arch) : NULL;
}

/* ---- detection ---- */

#define ISO_SECTOR 2048
#define ISO_PVD_OFFSET (16 * ISO_SECTOR)
#define ISO_ELTORITO "EL TORITO SPECIFICATION"

/* Whether the file is an x86 installer ISO as far as libosinfo needs: a primary volume
 * descriptor with a volume id, then an El Torito boot record. Anything else is kept away from
 * libosinfo, which on a non-El-Torito image goes looking for a PowerPC boot file and, on a
 * malformed one, allocates what the image says or waits forever. */
static gboolean looks_like_installer(const char *path)
{
    g_autoptr(GFile) file = g_file_new_for_path(path);
    g_autoptr(GFileInputStream) in = g_file_read(file, NULL, NULL);
    if (!in || !g_seekable_seek(G_SEEKABLE(in), ISO_PVD_OFFSET, G_SEEK_SET, NULL, NULL))
        return FALSE;
    guchar d[2 * ISO_SECTOR];
    gsize got = 0;
    if (!g_input_stream_read_all(G_INPUT_STREAM(in), d, sizeof(d), &got, NULL, NULL) ||
        got != sizeof(d))
        return FALSE;
    const guchar *pvd = d, *boot = d + ISO_SECTOR;
    if (pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5) != 0)
        return FALSE;
    gboolean blank = TRUE;
    for (guint i = 40; i < 72; i++)
        blank = blank && (pvd[i] == ' ' || pvd[i] == 0);
    return !blank && boot[0] == 0 && memcmp(boot + 1, "CD001", 5) == 0 &&
           memcmp(boot + 7, ISO_ELTORITO, strlen(ISO_ELTORITO)) == 0;
}

static OsinfoMedia *read_media(const char *path, GError **err)
{
    g_autofree char *uri = g_filename_to_uri(path, NULL, err);
    if (!uri)
        return NULL;
    /* libosinfo's blocking call runs a loop on the thread-default context: give it a private
     * one, or it would wait for the main thread's. */
    GMainContext *ctx = g_main_context_new();
    g_main_context_push_thread_default(ctx);
    OsinfoMedia *media = osinfo_media_create_from_location(uri, NULL, err);
    g_main_context_pop_thread_default(ctx);
    g_main_context_unref(ctx);
    return media;
}

NvOsInfo *nv_os_detect(NvOsDb *db, const char *path, const char *arch, GError **err)
{
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR) || access(path, R_OK) != 0) {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot read the medium %s"), path);
        return NULL;
    }
    if (!looks_like_installer(path))
        return NULL;
    g_autoptr(GError) merr = NULL;
    g_autoptr(OsinfoMedia) media = read_media(path, &merr);
    /* An image libosinfo cannot make sense of is simply not recognised. */
    if (!media || !db || !osinfo_db_identify_media(osinfo_loader_get_db(db->loader), media))
        return NULL;
    g_autoptr(OsinfoOs) os = osinfo_media_get_os(media);
    return os ? info_from_os(os, NULL, arch) : NULL;
}

typedef struct {
    NvOsDb *db;
    char *path;
    char *arch;
} Detect;

static void detect_free(Detect *d)
{
    nv_os_db_unref(d->db);
    g_free(d->path);
    g_free(d->arch);
    g_free(d);
}

static gpointer detect_thread(gpointer data, GError **err)
{
    Detect *d = data;
    return nv_os_detect(d->db, d->path, d->arch, err);
}

void nv_os_detect_async(NvOsDb *db, const char *path, const char *arch, NvAsyncFunc done,
                        gpointer data, GDestroyNotify data_free)
{
    Detect *d = g_new0(Detect, 1);
    d->db = db ? nv_os_db_ref(db) : NULL;
    d->path = g_strdup(path);
    d->arch = g_strdup(arch);
    NvAsyncSpec spec = {.tag = nv_os_detect_async,
                        .req = d,
                        .req_free = (GDestroyNotify)detect_free,
                        .value_free = (GDestroyNotify)nv_os_info_free};
    nv_async_run(&spec, detect_thread, done, data, data_free);
}

NvOsInfo *nv_os_detect_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_os_detect_async, err);
}

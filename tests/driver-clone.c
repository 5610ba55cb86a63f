/* Clones: name patterns, the plan (MACs, UUID, volume names, clone or share per disk) and the
 * clone's XML as pure functions; then plans and runs against libvirt's test driver through
 * one NvConn per test: new volumes and domains appear, and a clone that fails half way (a
 * volume name taken, a domain name taken, a cancel) leaves no volume and no domain behind. */
#include <check.h>
#include <gio/gio.h>
#include <glib.h>
#include <string.h>

#include "domain-clone.h"
#include "conn-virt.h"
#include "error.h"
#include "virt-util.h"
#include "test-util.h"
#include "xml-read.h"

#include <libvirt/virterror.h>

#define URI "test:///default"
#define POOL "default-pool"

/* ---- names ---- */

static GPtrArray *expand_ok(const char *pattern)
{
    g_autoptr(GError) err = NULL;
    GPtrArray *names = nv_clone_expand_names(pattern, &err);
    ck_assert_msg(names != NULL, "'%s': %s", pattern, err ? err->message : "");
    return names;
}

START_TEST(test_expand_names)
{
    g_autoptr(GPtrArray) web = expand_ok("web-{01..10}");
    ck_assert_uint_eq(web->len, 10);
    ck_assert_str_eq(web->pdata[0], "web-01");
    ck_assert_str_eq(web->pdata[8], "web-09");
    ck_assert_str_eq(web->pdata[9], "web-10");

    g_autoptr(GPtrArray) a = expand_ok("a-{8..11}");
    const char *want[] = {"a-8", "a-9", "a-10", "a-11"};
    ck_assert_uint_eq(a->len, 4);
    for (guint i = 0; i < 4; i++)
        ck_assert_str_eq(a->pdata[i], want[i]);

    g_autoptr(GPtrArray) mid = expand_ok("db{001..3}.lab");
    ck_assert_uint_eq(mid->len, 3);
    ck_assert_str_eq(mid->pdata[2], "db003.lab");

    g_autoptr(GPtrArray) one = expand_ok("web-02");
    ck_assert_uint_eq(one->len, 1);
    ck_assert_str_eq(one->pdata[0], "web-02");

    g_autoptr(GPtrArray) hundred = expand_ok("n{1..100}");
    ck_assert_uint_eq(hundred->len, 100);
    g_autoptr(GPtrArray) single = expand_ok("x{5..5}");
    ck_assert_uint_eq(single->len, 1);
    ck_assert_str_eq(single->pdata[0], "x5");
}
END_TEST

START_TEST(test_expand_bad)
{
    struct {
        const char *pattern, *says;
    } bad[] = {
        {"", "needs a name"},
        {"a/b", "'/'"},
        {"web-{10..1}", "goes down"},
        {"web-{1..101}", "at most 100"},
        {"web-{a..b}", "two numbers"},
        {"web-{1..}", "two numbers"},
        {"web-{..3}", "two numbers"},
        {"web-{1-3}", "two numbers"},
        {"web-{1..3", "unbalanced"},
        {"web-1..3}", "unbalanced"},
        {"web-}1..3{", "unbalanced"},
        {"w-{1..2}-{1..2}", "only one"},
        {"web-{1..3}/x", "'/'"},
        {" web", "space"},
        {"web-{1234567890..1234567891}", "two numbers"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        GPtrArray *names = nv_clone_expand_names(bad[i].pattern, &err);
        ck_assert_msg(names == NULL, "'%s' accepted", bad[i].pattern);
        ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
        ck_assert_msg(strstr(err->message, bad[i].says) != NULL, "'%s': message '%s' lacks '%s'",
                      bad[i].pattern, err->message, bad[i].says);
    }
}
END_TEST

/* ---- the plan ---- */

static const char *source_xml =
    "<domain type='test'>\n"
    "  <name>web-01</name>\n"
    "  <uuid>11111111-2222-3333-4444-555555555555</uuid>\n"
    "  <memory unit='KiB'>1048576</memory>\n"
    "  <vcpu>1</vcpu>\n"
    "  <os><type arch='x86_64'>hvm</type><nvram>/var/lib/nvram/web-01_VARS.fd</nvram></os>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='qcow2'/>\n"
    "      <source file='/default-pool/web-01.qcow2'/>\n"
    "      <backingStore type='file'><source file='/base.qcow2'/></backingStore>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='raw'/>\n"
    "      <source file='/default-pool/web-01-data.img'/>\n"
    "      <target dev='vdb' bus='virtio'/>\n"
    "    </disk>\n"
    "    <disk type='file' device='cdrom'>\n"
    "      <source file='/iso/debian.iso'/>\n"
    "      <target dev='sda' bus='sata'/>\n"
    "      <readonly/>\n"
    "    </disk>\n"
    "    <disk type='block' device='disk'>\n"
    "      <source dev='/dev/shared/lun'/>\n"
    "      <target dev='vdc' bus='virtio'/>\n"
    "      <shareable/>\n"
    "    </disk>\n"
    "    <disk type='file' device='disk'>\n"
    "      <source file='/elsewhere/scratch.img'/>\n"
    "      <target dev='vdd' bus='virtio'/>\n"
    "    </disk>\n"
    "    <interface type='network'>\n"
    "      <mac address='52:54:00:aa:bb:cc'/>\n"
    "      <source network='default'/>\n"
    "    </interface>\n"
    "    <interface type='bridge'>\n"
    "      <source bridge='br0'/>\n"
    "    </interface>\n"
    "    <graphics type='vnc' port='5901' autoport='no' listen='127.0.0.1'/>\n"
    "  </devices>\n"
    "</domain>\n";

/* The plan as the loader would leave it: vda and vdb are volumes of default-pool. */
static NvClonePlan *fixture_plan(void)
{
    g_autoptr(GError) err = NULL;
    NvClonePlan *p = nv_clone_plan_from_xml(source_xml, &err);
    ck_assert_msg(p != NULL, "%s", err ? err->message : "");
    const char *vols[] = {"web-01.qcow2", "web-01-data.img"};
    for (guint i = 0; i < 2; i++) {
        NvCloneDisk *d = p->disks->pdata[i];
        g_free(d->pool);
        d->pool = g_strdup(POOL);
        g_free(d->volume);
        d->volume = g_strdup(vols[i]);
        d->capacity = 1 << 20;
    }
    g_hash_table_add(p->domain_names, g_strdup("web-01"));
    g_hash_table_add(p->domain_names, g_strdup("web-03"));
    g_hash_table_add(p->volume_names, g_strdup(POOL "/web-01.qcow2"));
    g_hash_table_add(p->volume_names, g_strdup(POOL "/web-01-data.img"));
    nv_clone_plan_reset_choices(p);
    return p;
}

START_TEST(test_plan_from_xml)
{
    g_autoptr(NvClonePlan) p = fixture_plan();
    ck_assert_str_eq(p->source_name, "web-01");
    ck_assert_str_eq(p->source_uuid, "11111111-2222-3333-4444-555555555555");
    ck_assert_uint_eq(p->disks->len, 5);
    ck_assert_uint_eq(p->source_macs->len, 2);
    ck_assert_str_eq(p->source_macs->pdata[0], "52:54:00:aa:bb:cc");
    ck_assert_str_eq(p->source_macs->pdata[1], "");
    NvCloneDisk *vda = p->disks->pdata[0], *sda = p->disks->pdata[2];
    NvCloneDisk *vdc = p->disks->pdata[3], *vdd = p->disks->pdata[4];
    ck_assert_str_eq(vda->target, "vda");
    ck_assert_str_eq(vda->format, "qcow2");
    ck_assert_str_eq(vda->source, "/default-pool/web-01.qcow2");
    ck_assert(vda->clone && nv_clone_disk_clonable(vda) && nv_clone_disk_writable(vda));
    /* A cdrom and a shareable disk are shared; a disk outside any pool cannot be cloned. */
    ck_assert_str_eq(sda->device, "cdrom");
    ck_assert(sda->readonly && !sda->clone && !nv_clone_disk_writable(sda));
    ck_assert(vdc->shareable && !vdc->clone);
    ck_assert_str_eq(vdc->source, "/dev/shared/lun");
    ck_assert(!nv_clone_disk_clonable(vdd) && nv_clone_disk_writable(vdd));

    g_autoptr(GError) e1 = NULL;
    ck_assert_ptr_null(nv_clone_plan_from_xml("<pool/>", &e1));
    ck_assert(g_error_matches(e1, NV_ERROR, NV_ERROR_PARSE));
}
END_TEST

START_TEST(test_plan_names)
{
    g_autoptr(NvClonePlan) p = fixture_plan();
    /* The source's own name and any existing domain are refused. */
    const char *taken[] = {"web-01", "web-{02..04}"};
    for (guint i = 0; i < G_N_ELEMENTS(taken); i++) {
        g_autoptr(GError) err = NULL;
        ck_assert(!nv_clone_plan_set_names(p, taken[i], &err));
        ck_assert_ptr_nonnull(strstr(err->message, "already exists"));
    }
    ck_assert(nv_clone_plan_set_names(p, "web-{04..06}", NULL));
    ck_assert_uint_eq(p->targets->len, 3);
    g_autoptr(GHashTable) macs = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < p->targets->len; i++) {
        NvCloneTarget *t = p->targets->pdata[i];
        ck_assert_uint_eq(t->macs->len, 2);
        for (guint m = 0; m < 2; m++) {
            const char *mac = t->macs->pdata[m];
            ck_assert(g_str_has_prefix(mac, "52:54:00:"));
            ck_assert_uint_eq(strlen(mac), 17);
            ck_assert_str_ne(mac, "52:54:00:aa:bb:cc");
            ck_assert_msg(g_hash_table_add(macs, (gpointer)mac), "MAC %s given twice", mac);
        }
        ck_assert_uint_eq(t->volumes->len, 5);
        g_autofree char *v0 = g_strdup_printf("%s.qcow2", t->name);
        g_autofree char *v1 = g_strdup_printf("%s-1.img", t->name);
        ck_assert_str_eq(t->volumes->pdata[0], v0);
        ck_assert_str_eq(t->volumes->pdata[1], v1);
        ck_assert_str_eq(t->volumes->pdata[2], "");
        ck_assert_str_eq(t->volumes->pdata[4], "");
    }
    /* Names taken in the pool, or by another clone of the batch, are skipped. */
    g_hash_table_add(p->volume_names, g_strdup(POOL "/a.qcow2"));
    ck_assert(nv_clone_plan_set_names(p, "a", NULL));
    NvCloneTarget *a = p->targets->pdata[0];
    ck_assert_str_eq(a->volumes->pdata[0], "a-1.qcow2");
    ck_assert_str_eq(a->volumes->pdata[1], "a-1.img");
    g_hash_table_add(p->volume_names, g_strdup(POOL "/b-1.img"));
    ck_assert(nv_clone_plan_set_names(p, "b", NULL));
    NvCloneTarget *b = p->targets->pdata[0];
    ck_assert_str_eq(b->volumes->pdata[0], "b.qcow2");
    ck_assert_str_eq(b->volumes->pdata[1], "b-2.img");
}
END_TEST

START_TEST(test_plan_checks)
{
    g_autoptr(NvClonePlan) p = fixture_plan();
    ck_assert(nv_clone_plan_set_names(p, "web-02", NULL));
    /* vdd is writable and shared by default (it is not in a pool). */
    g_autoptr(GPtrArray) shared = nv_clone_plan_shared_writable(p);
    ck_assert_uint_eq(shared->len, 1);
    ck_assert_str_eq(shared->pdata[0], "vdd");
    g_autoptr(GError) e1 = NULL;
    ck_assert(!nv_clone_plan_check_disks(p, FALSE, &e1));
    ck_assert_str_eq(e1->message, "vdd would be written by 'web-01' and its clones at once");
    ck_assert(nv_clone_plan_check_disks(p, TRUE, NULL));

    NvCloneDisk *vdd = p->disks->pdata[4];
    vdd->clone = TRUE;
    g_autoptr(GError) e2 = NULL;
    ck_assert(!nv_clone_plan_check_disks(p, TRUE, &e2));
    ck_assert_ptr_nonnull(strstr(e2->message, "cannot clone vdd: not a volume"));

    vdd->clone = FALSE;
    ((NvCloneDisk *)p->disks->pdata[1])->clone = FALSE;
    g_autoptr(GPtrArray) two = nv_clone_plan_shared_writable(p);
    ck_assert_uint_eq(two->len, 2);

    ck_assert(nv_clone_plan_check_source(p, NULL));
    p->source_state = NV_DOMAIN_PAUSED;
    ck_assert(nv_clone_plan_check_source(p, NULL));
    p->source_state = NV_DOMAIN_RUNNING;
    g_autoptr(GError) e3 = NULL;
    ck_assert(!nv_clone_plan_check_source(p, &e3));
    ck_assert_str_eq(e3->message,
                     "cannot clone 'web-01' while it is running: shut it off (or pause it) first");
}
END_TEST

START_TEST(test_domain_xml)
{
    g_autoptr(NvClonePlan) p = fixture_plan();
    ((NvCloneDisk *)p->disks->pdata[1])->clone = FALSE; /* share vdb */
    ck_assert(nv_clone_plan_set_names(p, "web-02", NULL));
    g_autoptr(GHashTable) paths = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_insert(paths, "vda", "/default-pool/web-02.qcow2");
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = nv_clone_domain_xml(p, 0, paths, &err);
    ck_assert_msg(xml != NULL, "%s", err ? err->message : "");
    ck_assert_ptr_null(strstr(xml, "<uuid>"));
    ck_assert_ptr_null(strstr(xml, "nvram"));
    ck_assert_ptr_null(strstr(xml, "backingStore"));
    ck_assert_ptr_null(strstr(xml, "5901"));
    ck_assert_ptr_nonnull(strstr(xml, "autoport=\"yes\""));

    g_autoptr(NvDomainDetails) det = nv_xml_domain_details(xml, &err);
    ck_assert_msg(det != NULL, "%s", err ? err->message : "");
    ck_assert_str_eq(det->name, "web-02");
    ck_assert_str_eq(det->uuid, "");
    ck_assert_uint_eq(det->disks->len, 5);
    const char *sources[] = {"/default-pool/web-02.qcow2", "/default-pool/web-01-data.img",
                             "/iso/debian.iso", "/dev/shared/lun", "/elsewhere/scratch.img"};
    for (guint i = 0; i < 5; i++)
        ck_assert_str_eq(((NvDisk *)det->disks->pdata[i])->source, sources[i]);
    NvCloneTarget *t = p->targets->pdata[0];
    ck_assert_uint_eq(det->nics->len, 2);
    for (guint i = 0; i < 2; i++)
        ck_assert_str_eq(((NvNic *)det->nics->pdata[i])->mac, t->macs->pdata[i]);

    /* A <disk type='volume'> gets the new volume's name. */
    g_autoptr(NvClonePlan) v = nv_clone_plan_from_xml(
        "<domain><name>v</name><devices><disk type='volume' device='disk'>"
        "<source pool='p' volume='v.qcow2'/><target dev='vda'/></disk></devices></domain>",
        NULL);
    ck_assert_str_eq(((NvCloneDisk *)v->disks->pdata[0])->source, "p/v.qcow2");
    nv_clone_plan_reset_choices(v);
    ck_assert(nv_clone_plan_set_names(v, "w", NULL));
    g_autofree char *vx = nv_clone_domain_xml(v, 0, NULL, NULL);
    ck_assert_ptr_nonnull(strstr(vx, "volume=\"w.qcow2\""));
    ck_assert_ptr_nonnull(strstr(vx, "pool=\"p\""));

    NvCloneDisk *vda = p->disks->pdata[0];
    g_free(vda->volume_format);
    vda->volume_format = g_strdup("qcow2");
    g_autofree char *vol = nv_clone_volume_xml(vda, "web-02&.qcow2");
    ck_assert_ptr_nonnull(strstr(vol, "<name>web-02&amp;.qcow2</name>"));
    ck_assert_ptr_nonnull(strstr(vol, "<capacity unit='bytes'>1048576</capacity>"));
    ck_assert_ptr_nonnull(strstr(vol, "<format type='qcow2'/>"));
}
END_TEST

/* ---- against the test driver ---- */

/* Direct libvirt calls on the NvConn's own connection (the worker), for set-up and checks. */
typedef struct {
    gboolean done;
    GError *err;
    const char *arg;
    const char *arg2;
    char *out;
    int count;
} Direct;

static void direct(NvConn *conn, NvTestWorkFunc work, Direct *d)
{
    d->err = nv_test_call(conn, work, d);
    ck_assert_msg(d->err == NULL, "%s", d->err ? d->err->message : "");
}

/* arg: name, arg2: capacity in bytes as text */
static gboolean make_volume(virConnectPtr c, gpointer data, GError **err)
{
    Direct *d = data;
    virStoragePoolPtr pool = virStoragePoolLookupByName(c, POOL);
    g_autofree char *xml =
        g_strdup_printf("<volume><name>%s</name><capacity>%s</capacity><allocation>%s</allocation>"
                        "<target><format type='qcow2'/></target></volume>",
                        d->arg, d->arg2, d->arg2);
    virStorageVolPtr vol = pool ? virStorageVolCreateXML(pool, xml, 0) : NULL;
    if (!vol)
        nv_set_virt_error(err, "cannot make %s", d->arg);
    else
        virStorageVolFree(vol);
    if (pool)
        virStoragePoolFree(pool);
    return vol != NULL;
}

static gboolean count_volumes(virConnectPtr c, gpointer data, GError **err)
{
    Direct *d = data;
    virStoragePoolPtr pool = virStoragePoolLookupByName(c, POOL);
    virStorageVolPtr *vols = NULL;
    int n = virStoragePoolListAllVolumes(pool, &vols, 0);
    GString *names = g_string_new("");
    for (int i = 0; i < n; i++) {
        g_string_append_printf(names, "%s ", virStorageVolGetName(vols[i]));
        virStorageVolFree(vols[i]);
    }
    free(vols);
    virStoragePoolFree(pool);
    d->count = n;
    g_free(d->out);
    d->out = g_string_free(names, FALSE);
    return TRUE;
}

/* arg: domain name; out: its XML, or NULL when it does not exist */
static gboolean domain_xml(virConnectPtr c, gpointer data, GError **err)
{
    Direct *d = data;
    g_clear_pointer(&d->out, g_free);
    virDomainPtr dom = virDomainLookupByName(c, d->arg);
    if (!dom) {
        virResetLastError();
        return TRUE;
    }
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    d->out = g_strdup(xml);
    free(xml);
    virDomainFree(dom);
    return TRUE;
}

/* arg: XML to define; out: the UUID */
static gboolean define(virConnectPtr c, gpointer data, GError **err)
{
    Direct *d = data;
    virDomainPtr dom = virDomainDefineXML(c, d->arg);
    if (!dom) {
        nv_set_virt_error(err, "cannot define");
        return FALSE;
    }
    char uuid[VIR_UUID_STRING_BUFLEN];
    virDomainGetUUIDString(dom, uuid);
    g_free(d->out);
    d->out = g_strdup(uuid);
    virDomainFree(dom);
    return TRUE;
}

static int volume_count(NvConn *conn, char **names)
{
    Direct d = {0};
    direct(conn, count_volumes, &d);
    if (names)
        *names = g_steal_pointer(&d.out);
    g_free(d.out);
    return d.count;
}

static char *xml_of(NvConn *conn, const char *name)
{
    Direct d = {.arg = name};
    direct(conn, domain_xml, &d);
    return d.out;
}

static void make_vol(NvConn *conn, const char *name, const char *bytes)
{
    Direct d = {.arg = name, .arg2 = bytes};
    direct(conn, make_volume, &d);
}

static const char *src_xml = "<domain type='test'>\n"
                             "  <name>src</name>\n"
                             "  <memory unit='KiB'>65536</memory>\n"
                             "  <os><type arch='i686'>hvm</type></os>\n"
                             "  <devices>\n"
                             "    <disk type='file' device='disk'>\n"
                             "      <driver name='qemu' type='qcow2'/>\n"
                             "      <source file='/default-pool/src.qcow2'/>\n"
                             "      <target dev='vda' bus='virtio'/>\n"
                             "    </disk>\n"
                             "    <disk type='file' device='disk'>\n"
                             "      <driver name='qemu' type='qcow2'/>\n"
                             "      <source file='/default-pool/src-data.qcow2'/>\n"
                             "      <target dev='vdb' bus='virtio'/>\n"
                             "    </disk>\n"
                             "    <disk type='file' device='cdrom'>\n"
                             "      <source file='/iso/x.iso'/>\n"
                             "      <target dev='hdc' bus='ide'/>\n"
                             "      <readonly/>\n"
                             "    </disk>\n"
                             "    <interface type='network'>\n"
                             "      <mac address='52:54:00:00:00:01'/>\n"
                             "      <source network='default'/>\n"
                             "    </interface>\n"
                             "  </devices>\n"
                             "</domain>\n";

/* Two volumes and a shut-off domain using them; returns its UUID. */
static char *make_source(NvConn *conn)
{
    make_vol(conn, "src.qcow2", "1048576");
    make_vol(conn, "src-data.qcow2", "2097152");
    Direct d = {.arg = src_xml};
    direct(conn, define, &d);
    return d.out;
}

typedef struct {
    gboolean done;
    GError *err;
    NvClonePlan *plan;
} Loaded;

static void on_plan(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Loaded *l = data;
    l->plan = nv_clone_plan_load_finish(res, &l->err);
    l->done = TRUE;
}

static NvClonePlan *load_plan(NvConn *conn, const char *uuid)
{
    Loaded l = {0};
    nv_clone_plan_load_async(conn, uuid, on_plan, &l, NULL);
    nv_test_wait(&l.done, 10000);
    ck_assert_msg(l.err == NULL, "%s", l.err ? l.err->message : "");
    return l.plan;
}

typedef struct {
    gboolean done;
    guint defined;
    GPtrArray *errors; /* char*, per target: "" for success */
    guint progress_calls;
    gboolean cancel_first; /* cancel target 0 at its first progress report */
} Ran;

static void on_progress(NvCloneRun *run, guint target, double fraction, const char *detail,
                        gpointer data)
{
    Ran *r = data;
    r->progress_calls++;
    ck_assert(fraction <= 1.0);
}

static void on_finished(NvCloneRun *run, guint target, const GError *err, gpointer data)
{
    Ran *r = data;
    g_free(r->errors->pdata[target]);
    r->errors->pdata[target] = g_strdup(err ? err->message : "");
}

static void on_run_done(NvCloneRun *run, guint defined, gpointer data)
{
    Ran *r = data;
    r->defined = defined;
    r->done = TRUE;
}

static const NvCloneCallbacks callbacks = {on_progress, on_finished, on_run_done};

static Ran *ran_new(guint n)
{
    Ran *r = g_new0(Ran, 1);
    r->errors = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(r->errors, g_strdup("(not finished)"));
    return r;
}

static void ran_free(Ran *r)
{
    g_ptr_array_unref(r->errors);
    g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Ran, ran_free)

START_TEST(test_load_plan)
{
    g_autoptr(NvConn) conn = nv_test_conn_open(URI);
    g_autofree char *uuid = make_source(conn);
    g_autoptr(NvClonePlan) p = load_plan(conn, uuid);
    ck_assert_str_eq(p->source_name, "src");
    ck_assert_str_eq(p->source_uuid, uuid);
    ck_assert_int_eq(p->source_state, NV_DOMAIN_SHUTOFF);
    ck_assert(nv_clone_plan_check_source(p, NULL));
    ck_assert_uint_eq(p->disks->len, 3);
    NvCloneDisk *vda = p->disks->pdata[0], *vdb = p->disks->pdata[1], *hdc = p->disks->pdata[2];
    ck_assert_str_eq(vda->pool, POOL);
    ck_assert_str_eq(vda->volume, "src.qcow2");
    ck_assert_str_eq(vda->volume_format, "qcow2");
    ck_assert_uint_eq(vda->capacity, 1048576);
    ck_assert_str_eq(vdb->volume, "src-data.qcow2");
    ck_assert(vda->clone && vdb->clone && !hdc->clone);
    ck_assert(!nv_clone_disk_clonable(hdc));
    ck_assert(g_hash_table_contains(p->domain_names, "test"));
    ck_assert(g_hash_table_contains(p->domain_names, "src"));
    ck_assert(g_hash_table_contains(p->volume_names, POOL "/src-data.qcow2"));

    /* The running "test" domain cannot be cloned. */
    g_autoptr(NvClonePlan) running = load_plan(conn, "6695eb01-f6a4-8304-79aa-97f2502e193f");
    g_autoptr(GError) err = NULL;
    ck_assert(!nv_clone_plan_check_source(running, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "shut it off"));
}
END_TEST

START_TEST(test_run_one)
{
    g_autoptr(NvConn) conn = nv_test_conn_open(URI);
    g_autofree char *uuid = make_source(conn);
    NvClonePlan *p = load_plan(conn, uuid);
    ck_assert(nv_clone_plan_set_names(p, "src-clone", NULL));
    ((NvCloneDisk *)p->disks->pdata[1])->clone = FALSE; /* share vdb */
    ck_assert(nv_clone_plan_check_disks(p, TRUE, NULL));
    g_autofree char *mac = g_strdup(((NvCloneTarget *)p->targets->pdata[0])->macs->pdata[0]);
    g_autoptr(Ran) r = ran_new(1);
    NvCloneRun *run = nv_clone_run_start(conn, p, &callbacks, r);
    ck_assert_ptr_nonnull(run);
    nv_test_wait(&r->done, 20000);
    ck_assert_str_eq(r->errors->pdata[0], "");
    ck_assert_uint_eq(r->defined, 1);

    g_autofree char *names = NULL;
    ck_assert_int_eq(volume_count(conn, &names), 3);
    ck_assert_msg(strstr(names, "src-clone.qcow2 ") != NULL, "volumes: %s", names);
    g_autofree char *xml = xml_of(conn, "src-clone");
    ck_assert_ptr_nonnull(xml);
    g_autoptr(NvDomainDetails) det = nv_xml_domain_details(xml, NULL);
    ck_assert_str_ne(det->uuid, uuid);
    ck_assert_str_eq(((NvDisk *)det->disks->pdata[0])->source, "/default-pool/src-clone.qcow2");
    ck_assert_str_eq(((NvDisk *)det->disks->pdata[1])->source, "/default-pool/src-data.qcow2");
    ck_assert_str_eq(((NvDisk *)det->disks->pdata[2])->source, "/iso/x.iso");
    ck_assert_str_eq(((NvNic *)det->nics->pdata[0])->mac, mac);
    ck_assert_str_ne(mac, "52:54:00:00:00:01");
}
END_TEST

START_TEST(test_run_batch)
{
    g_autoptr(NvConn) conn = nv_test_conn_open(URI);
    g_autofree char *uuid = make_source(conn);
    NvClonePlan *p = load_plan(conn, uuid);
    ck_assert(nv_clone_plan_set_names(p, "web-{01..05}", NULL));
    g_autoptr(Ran) r = ran_new(5);
    nv_clone_run_start(conn, p, &callbacks, r);
    nv_test_wait(&r->done, 30000);
    ck_assert_uint_eq(r->defined, 5);
    g_autofree char *names = NULL;
    ck_assert_int_eq(volume_count(conn, &names), 2 + 5 * 2);
    for (int i = 1; i <= 5; i++) {
        g_autofree char *name = g_strdup_printf("web-%02d", i);
        ck_assert_str_eq(r->errors->pdata[i - 1], "");
        g_autofree char *xml = xml_of(conn, name);
        ck_assert_msg(xml != NULL, "%s was not defined", name);
        g_autofree char *v0 = g_strdup_printf("/default-pool/%s.qcow2'", name);
        g_autofree char *v1 = g_strdup_printf("/default-pool/%s-1.qcow2'", name);
        ck_assert_msg(strstr(xml, v0) && strstr(xml, v1), "%s: %s", name, xml);
    }
}
END_TEST

/* The second volume's name is taken after planning: the copy fails, the first volume goes. */
START_TEST(test_failure_cleans_volumes)
{
    g_autoptr(NvConn) conn = nv_test_conn_open(URI);
    g_autofree char *uuid = make_source(conn);
    NvClonePlan *p = load_plan(conn, uuid);
    ck_assert(nv_clone_plan_set_names(p, "bad", NULL));
    ck_assert_str_eq(((NvCloneTarget *)p->targets->pdata[0])->volumes->pdata[1], "bad-1.qcow2");
    make_vol(conn, "bad-1.qcow2", "4096");
    ck_assert_int_eq(volume_count(conn, NULL), 3);
    g_autoptr(Ran) r = ran_new(1);
    nv_clone_run_start(conn, p, &callbacks, r);
    nv_test_wait(&r->done, 20000);
    ck_assert_uint_eq(r->defined, 0);
    const char *msg = r->errors->pdata[0];
    ck_assert_msg(g_str_has_prefix(msg, "cannot copy volume 'src-data.qcow2' to 'bad-1.qcow2' "
                                        "for 'bad': "),
                  "%s", msg);
    ck_assert_msg(g_str_has_suffix(msg, "; removed the volume it had created"), "%s", msg);
    ck_assert_msg(strstr(msg, "unknown libvirt error") == NULL, "%s", msg);
    g_autofree char *names = NULL;
    ck_assert_int_eq(volume_count(conn, &names), 3);
    ck_assert_msg(strstr(names, "bad.qcow2") == NULL, "orphan volume: %s", names);
    ck_assert_msg(strstr(names, "bad-1.qcow2") != NULL, "removed a volume it did not make");
    g_autofree char *xml = xml_of(conn, "bad");
    ck_assert_ptr_null(xml);
}
END_TEST

/* The name is taken on the host after planning: define fails, both volumes go. */
START_TEST(test_define_failure_cleans_volumes)
{
    g_autoptr(NvConn) conn = nv_test_conn_open(URI);
    g_autofree char *uuid = make_source(conn);
    NvClonePlan *p = load_plan(conn, uuid);
    ck_assert(nv_clone_plan_set_names(p, "twin", NULL));
    /* Same name, the source's UUID: libvirt refuses the clone's definition. */
    g_autofree char *other =
        g_strdup_printf("<domain type='test'><name>twin</name><uuid>%s</uuid><memory>65536</memory>"
                        "<os><type>hvm</type></os></domain>",
                        "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    Direct d = {.arg = other};
    direct(conn, define, &d);
    g_free(d.out);
    g_autoptr(Ran) r = ran_new(1);
    nv_clone_run_start(conn, p, &callbacks, r);
    nv_test_wait(&r->done, 20000);
    ck_assert_uint_eq(r->defined, 0);
    const char *msg = r->errors->pdata[0];
    ck_assert_msg(g_str_has_prefix(msg, "cannot define 'twin': "), "%s", msg);
    ck_assert_msg(g_str_has_suffix(msg, "; removed the 2 volumes it had created"), "%s", msg);
    ck_assert_msg(strstr(msg, "unknown libvirt error") == NULL, "%s", msg);
    ck_assert_int_eq(volume_count(conn, NULL), 2);
    g_autofree char *xml = xml_of(conn, "twin");
    ck_assert_ptr_nonnull(strstr(xml, "aaaaaaaa-bbbb"));
}
END_TEST

START_TEST(test_cancel)
{
    g_autoptr(NvConn) conn = nv_test_conn_open(URI);
    g_autofree char *uuid = make_source(conn);
    NvClonePlan *p = load_plan(conn, uuid);
    ck_assert(nv_clone_plan_set_names(p, "c-{1..5}", NULL));
    g_autoptr(Ran) r = ran_new(5);
    NvCloneRun *run = nv_clone_run_start(conn, p, &callbacks, r);
    /* Before any job's thread could start: nothing may be created. */
    for (guint i = 0; i < 5; i++)
        nv_clone_run_cancel(run, i);
    nv_test_wait(&r->done, 20000);
    ck_assert_uint_eq(r->defined, 0);
    for (guint i = 0; i < 5; i++) {
        const char *msg = r->errors->pdata[i];
        ck_assert_msg(g_str_has_prefix(msg, "cancelled"), "%u: %s", i, msg);
    }
    ck_assert_int_eq(volume_count(conn, NULL), 2);
    for (guint i = 1; i <= 5; i++) {
        g_autofree char *name = g_strdup_printf("c-%u", i);
        g_autofree char *xml = xml_of(conn, name);
        ck_assert_ptr_null(xml);
    }
}
END_TEST

/* The disks ncvirt cannot copy (NVMe, vhost-user, network): listed with their real source,
 * writable, never clonable, so cloning asks before it shares them (issue: it used to clone at
 * once and two domains wrote one NVMe namespace). */
static const char *kinds_xml =
    "<domain type='test'><name>kinds</name><memory>65536</memory><vcpu>1</vcpu>"
    "<os><type>hvm</type></os><devices>"
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
    "<source file='/default-pool/src.qcow2'/><target dev='vda' bus='virtio'/></disk>"
    "<disk type='nvme' device='disk'><driver name='qemu' type='raw'/>"
    "<source type='pci' managed='yes' namespace='1'><address domain='0x0000' bus='0x01' "
    "slot='0x00' function='0x0'/></source><target dev='vdb' bus='virtio'/></disk>"
    "<disk type='vhostuser' device='disk'><driver name='qemu' type='raw'/>"
    "<source type='unix' path='/run/vhost-blk/k.sock'/><target dev='vdc' bus='virtio'/></disk>"
    "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
    "<source protocol='rbd' name='rbd-pool/k'><host name='mon1' port='6789'/></source>"
    "<target dev='vdd' bus='virtio'/></disk>"
    "</devices></domain>";

START_TEST(test_load_plan_unusual_disks)
{
    g_autoptr(NvConn) conn = nv_test_conn_open(URI);
    make_vol(conn, "src.qcow2", "1048576");
    Direct d = {.arg = kinds_xml};
    direct(conn, define, &d);
    g_autofree char *uuid = d.out;
    g_autoptr(NvClonePlan) p = load_plan(conn, uuid);
    ck_assert_uint_eq(p->disks->len, 4);
    NvCloneDisk *vda = p->disks->pdata[0], *vdb = p->disks->pdata[1];
    NvCloneDisk *vdc = p->disks->pdata[2], *vdd = p->disks->pdata[3];
    ck_assert(vda->clone && nv_clone_disk_clonable(vda));
    ck_assert_int_eq(vdb->kind, NV_DISK_KIND_NVME);
    ck_assert_str_eq(vdb->source, "nvme 0000:01:00.0 namespace 1");
    ck_assert_int_eq(vdc->kind, NV_DISK_KIND_VHOSTUSER);
    ck_assert_str_eq(vdc->source, "vhost-user /run/vhost-blk/k.sock");
    ck_assert_int_eq(vdd->kind, NV_DISK_KIND_NETWORK);
    ck_assert_str_eq(vdd->source, "rbd rbd-pool/k @ mon1:6789");
    NvCloneDisk *odd[] = {vdb, vdc, vdd};
    for (guint i = 0; i < G_N_ELEMENTS(odd); i++) {
        ck_assert_msg(nv_clone_disk_writable(odd[i]), "%s counts as writable", odd[i]->target);
        ck_assert(!nv_clone_disk_clonable(odd[i]) && !odd[i]->clone);
        ck_assert_ptr_nonnull(strstr(nv_clone_disk_why_shared(odd[i]), "cannot be copied"));
    }
    /* Shared without a yes: refused, naming each of them. */
    g_autoptr(GPtrArray) shared = nv_clone_plan_shared_writable(p);
    ck_assert_uint_eq(shared->len, 3);
    ck_assert(nv_clone_plan_set_names(p, "kinds-2", NULL));
    g_autoptr(GError) err = NULL;
    ck_assert(!nv_clone_plan_check_disks(p, FALSE, &err));
    ck_assert_msg(strstr(err->message, "vdb") && strstr(err->message, "vdc") &&
                      strstr(err->message, "vdd"),
                  "%s", err->message);
    /* Ticking one of them to copy is refused too: ncvirt cannot copy it. */
    vdb->clone = TRUE;
    g_clear_error(&err);
    ck_assert(!nv_clone_plan_check_disks(p, TRUE, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "vdb"));
}
END_TEST

static Suite *clone_suite(void)
{
    Suite *s = suite_create("clone");
    TCase *pure = tcase_create("pure");
    tcase_add_test(pure, test_expand_names);
    tcase_add_test(pure, test_expand_bad);
    tcase_add_test(pure, test_plan_from_xml);
    tcase_add_test(pure, test_plan_names);
    tcase_add_test(pure, test_plan_checks);
    tcase_add_test(pure, test_domain_xml);
    suite_add_tcase(s, pure);
    TCase *driver = tcase_create("testdriver");
    tcase_set_timeout(driver, 60);
    tcase_add_test(driver, test_load_plan);
    tcase_add_test(driver, test_load_plan_unusual_disks);
    tcase_add_test(driver, test_run_one);
    tcase_add_test(driver, test_run_batch);
    tcase_add_test(driver, test_failure_cleans_volumes);
    tcase_add_test(driver, test_define_failure_cleans_volumes);
    tcase_add_test(driver, test_cancel);
    suite_add_tcase(s, driver);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(clone_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

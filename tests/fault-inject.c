/* An LD_PRELOAD shim that makes chosen calls into libvirt fail, for the fault-injection tests
 * (tests/driver-faults.sh): every step of a multi-step operation (create a VM, clone, delete with
 * storage, upload, create a pool or a network) is made to fail in turn, and the test checks that
 * nothing half made is left and that the user was told.
 *
 *   NCVIRT_FAULT=virStorageVolCreateXML:2,virDomainCreate:1 LD_PRELOAD=.../libnvfault.so ncvirt
 *
 * FUNCTION:N fails the Nth call of FUNCTION in the process (counted from 1, every thread); N+
 * fails the Nth call and every later one. A failing call does not reach libvirt: it returns what
 * the function returns on error (NULL or -1) with a libvirt error set. The shim cannot call
 * virReportError (libvirt's internal API), so it sets the error the public way, through a call
 * that fails on purpose: virTypedParamsAddFromString with a type that does not exist reports
 * VIR_ERR_INTERNAL_ERROR "unexpected type 99 for field NCVIRT_FAULT FUNCTION#N" (an internal
 * error, not VIR_ERR_INVALID_ARG: callers read that one as "flags not supported" and retry).
 * NCVIRT_FAULT_LOG names a file that gets one line "FUNCTION N" per failed call, so a test can
 * check that the fault it asked for really fired. Only the functions wrapped below can fail.
 *
 * NCVIRT_SLOW=FUNCTION:MS[,...] makes every call of FUNCTION that succeeds wait MS milliseconds
 * after libvirt answered: the step is done and the next one not yet begun, so a test can send a
 * signal, close the terminal or quit while a job is half way (tests/e2e-signals.sh). */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#define NV_FAULT_MAX 16

typedef struct {
    char name[64];
    long nth;      /* the call that fails, from 1 */
    int and_after; /* "N+": every later call fails too */
    atomic_long calls;
} NvFault;

static NvFault faults[NV_FAULT_MAX];
static int n_faults = -1;

typedef struct {
    char name[64];
    long ms;
} NvSlow;

static NvSlow slows[NV_FAULT_MAX];
static int n_slows = -1;
static atomic_flag parsing = ATOMIC_FLAG_INIT;

/* Reads NCVIRT_SLOW: "NAME:MS[,NAME:MS...]". */
static void parse_slows(void)
{
    int n = 0;
    const char *spec = getenv("NCVIRT_SLOW");
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", spec ? spec : "");
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok && n < NV_FAULT_MAX;
         tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        if (!colon || (size_t)(colon - tok) >= sizeof(slows[n].name))
            continue;
        long ms = strtol(colon + 1, NULL, 10);
        if (ms <= 0)
            continue;
        memcpy(slows[n].name, tok, (size_t)(colon - tok));
        slows[n].name[colon - tok] = '\0';
        slows[n].ms = ms;
        n++;
    }
    n_slows = n;
}

/* Reads NCVIRT_FAULT once: "NAME:N[+][,NAME:N[+]...]". Malformed entries are ignored. */
static void parse_faults(void)
{
    while (atomic_flag_test_and_set(&parsing))
        ;
    if (n_faults < 0) {
        int n = 0;
        const char *spec = getenv("NCVIRT_FAULT");
        char buf[1024];
        snprintf(buf, sizeof(buf), "%s", spec ? spec : "");
        char *save = NULL;
        for (char *tok = strtok_r(buf, ",", &save); tok && n < NV_FAULT_MAX;
             tok = strtok_r(NULL, ",", &save)) {
            char *colon = strchr(tok, ':');
            if (!colon || (size_t)(colon - tok) >= sizeof(faults[n].name))
                continue;
            char *end = NULL;
            long nth = strtol(colon + 1, &end, 10);
            if (nth < 1 || !end || (*end && strcmp(end, "+") != 0))
                continue;
            memcpy(faults[n].name, tok, (size_t)(colon - tok));
            faults[n].name[colon - tok] = '\0';
            faults[n].nth = nth;
            faults[n].and_after = *end == '+';
            n++;
        }
        n_faults = n;
        parse_slows();
    }
    atomic_flag_clear(&parsing);
}

static void log_fault(const char *name, long call)
{
    const char *path = getenv("NCVIRT_FAULT_LOG");
    if (!path || !*path)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    char line[128];
    int len = snprintf(line, sizeof(line), "%s %ld\n", name, call);
    if (len > 0 && write(fd, line, (size_t)len) < 0)
        len = 0;
    close(fd);
}

/* Sets libvirt's last error through a public call that fails: see the header comment. */
static void set_error(const char *name, long call)
{
    char field[VIR_TYPED_PARAM_FIELD_LENGTH];
    snprintf(field, sizeof(field), "NCVIRT_FAULT %s#%ld", name, call);
    virTypedParameterPtr params = NULL;
    int nparams = 0, maxparams = 0;
    virTypedParamsAddFromString(&params, &nparams, &maxparams, field, 99, "0");
    virTypedParamsFree(params, nparams);
}

/* Counts a call of NAME; true when this call is to fail (the error is then set). */
static int fault_hit(const char *name)
{
    if (n_faults < 0)
        parse_faults();
    for (int i = 0; i < n_faults; i++) {
        if (strcmp(faults[i].name, name) != 0)
            continue;
        long call = atomic_fetch_add(&faults[i].calls, 1) + 1;
        if (call == faults[i].nth || (faults[i].and_after && call > faults[i].nth)) {
            log_fault(name, call);
            set_error(name, call);
            return 1;
        }
    }
    return 0;
}

/* After a call of NAME that succeeded: waits if NCVIRT_SLOW asks. */
static void slow_after(const char *name, int failed)
{
    for (int i = 0; i < n_slows && !failed; i++) {
        if (strcmp(slows[i].name, name) == 0) {
            struct timespec ts = {slows[i].ms / 1000, (slows[i].ms % 1000) * 1000000L};
            while (nanosleep(&ts, &ts) < 0)
                ;
        }
    }
}

static void *real_symbol(const char *name)
{
    void *sym = dlsym(RTLD_NEXT, name);
    if (!sym) {
        fprintf(stderr, "fault-inject: no %s in the libraries after the shim\n", name);
        abort();
    }
    return sym;
}

/* WRAP(return type, value on error, name, (parameters), (arguments)) */
#define WRAP(RET, FAIL, NAME, PARAMS, ARGS)                                                        \
    RET NAME PARAMS                                                                                \
    {                                                                                              \
        static RET(*real) PARAMS;                                                                  \
        if (fault_hit(#NAME))                                                                      \
            return FAIL;                                                                           \
        if (!real)                                                                                 \
            *(void **)&real = real_symbol(#NAME);                                                  \
        RET ret = real ARGS;                                                                       \
        slow_after(#NAME, ret == FAIL);                                                            \
        return ret;                                                                                \
    }

/* Domains */
WRAP(virDomainPtr, NULL, virDomainDefineXML, (virConnectPtr c, const char *x), (c, x))
WRAP(virDomainPtr, NULL, virDomainDefineXMLFlags, (virConnectPtr c, const char *x, unsigned f),
     (c, x, f))
WRAP(int, -1, virDomainCreate, (virDomainPtr d), (d))
WRAP(int, -1, virDomainCreateWithFlags, (virDomainPtr d, unsigned f), (d, f))
WRAP(int, -1, virDomainUndefine, (virDomainPtr d), (d))
WRAP(int, -1, virDomainUndefineFlags, (virDomainPtr d, unsigned f), (d, f))
WRAP(int, -1, virDomainDestroy, (virDomainPtr d), (d))
WRAP(char *, NULL, virDomainGetXMLDesc, (virDomainPtr d, unsigned f), (d, f))

/* Volumes */
WRAP(virStorageVolPtr, NULL, virStorageVolCreateXML,
     (virStoragePoolPtr p, const char *x, unsigned f), (p, x, f))
WRAP(virStorageVolPtr, NULL, virStorageVolCreateXMLFrom,
     (virStoragePoolPtr p, const char *x, virStorageVolPtr v, unsigned f), (p, x, v, f))
WRAP(int, -1, virStorageVolDelete, (virStorageVolPtr v, unsigned f), (v, f))
WRAP(int, -1, virStorageVolWipe, (virStorageVolPtr v, unsigned f), (v, f))
WRAP(int, -1, virStorageVolResize, (virStorageVolPtr v, unsigned long long c, unsigned f),
     (v, c, f))
WRAP(int, -1, virStorageVolUpload,
     (virStorageVolPtr v, virStreamPtr s, unsigned long long o, unsigned long long l, unsigned f),
     (v, s, o, l, f))
WRAP(virStorageVolPtr, NULL, virStorageVolLookupByName, (virStoragePoolPtr p, const char *n),
     (p, n))
WRAP(char *, NULL, virStorageVolGetPath, (virStorageVolPtr v), (v))
WRAP(char *, NULL, virStorageVolGetXMLDesc, (virStorageVolPtr v, unsigned f), (v, f))

/* Streams */
WRAP(virStreamPtr, NULL, virStreamNew, (virConnectPtr c, unsigned f), (c, f))
WRAP(int, -1, virStreamSend, (virStreamPtr s, const char *d, size_t n), (s, d, n))
WRAP(int, -1, virStreamFinish, (virStreamPtr s), (s))

/* Pools */
WRAP(virStoragePoolPtr, NULL, virStoragePoolDefineXML, (virConnectPtr c, const char *x, unsigned f),
     (c, x, f))
WRAP(virStoragePoolPtr, NULL, virStoragePoolLookupByName, (virConnectPtr c, const char *n), (c, n))
WRAP(int, -1, virStoragePoolBuild, (virStoragePoolPtr p, unsigned f), (p, f))
WRAP(int, -1, virStoragePoolCreate, (virStoragePoolPtr p, unsigned f), (p, f))
WRAP(int, -1, virStoragePoolSetAutostart, (virStoragePoolPtr p, int a), (p, a))
WRAP(int, -1, virStoragePoolRefresh, (virStoragePoolPtr p, unsigned f), (p, f))
WRAP(int, -1, virStoragePoolUndefine, (virStoragePoolPtr p), (p))
WRAP(int, -1, virStoragePoolDestroy, (virStoragePoolPtr p), (p))
WRAP(int, -1, virStoragePoolDelete, (virStoragePoolPtr p, unsigned f), (p, f))

/* Networks */
WRAP(virNetworkPtr, NULL, virNetworkDefineXML, (virConnectPtr c, const char *x), (c, x))
WRAP(virNetworkPtr, NULL, virNetworkDefineXMLFlags, (virConnectPtr c, const char *x, unsigned f),
     (c, x, f))
WRAP(int, -1, virNetworkCreate, (virNetworkPtr n), (n))
WRAP(int, -1, virNetworkSetAutostart, (virNetworkPtr n, int a), (n, a))
WRAP(int, -1, virNetworkUndefine, (virNetworkPtr n), (n))
WRAP(int, -1, virNetworkDestroy, (virNetworkPtr n), (n))

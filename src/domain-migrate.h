/* Migrating a domain to another connected host: what will happen (a summary, pure), a check
 * before it starts (CPU, networks, bridges, pools, disks, name and UUID, memory, same host),
 * and the migration as a job (conn-job.h) with progress from virDomainGetJobStats, cancel,
 * and a switch to post-copy while it runs. No libvirt types here. */
#pragma once

#include <glib.h>

#include "conn-async.h"
#include "conn-job.h"
#include "conn.h"

typedef enum {
    NV_MIGRATE_STORAGE_SHARED, /* the disks are where the destination sees them already */
    NV_MIGRATE_STORAGE_ALL,    /* copy every writable disk (NON_SHARED_DISK) */
    NV_MIGRATE_STORAGE_INC,    /* copy the top images only; the backing files are shared */
} NvMigrateStorage;

typedef struct {
    gboolean live;            /* the guest keeps running while it moves; FALSE: offline */
    gboolean persistent;      /* keep a definition at the destination */
    gboolean undefine_source; /* remove the definition at the source afterwards */
    NvMigrateStorage storage;
    guint64 bandwidth_mib;   /* MiB/s; 0: no limit */
    guint64 max_downtime_ms; /* 0: the hypervisor's default */
    gboolean auto_converge;  /* slow the guest's vCPUs down when it dirties memory too fast */
    gboolean postcopy;       /* allow switching to post-copy while it runs */
    gboolean compressed;     /* compress the memory stream (both hosts must offer it) */
    /* Where the destination listens for the migration stream and the source sends it (an
     * address of the destination host); NULL or "": libvirt's choice (the host's name). */
    char *address;
} NvMigrateSpec;

void nv_migrate_spec_clear(NvMigrateSpec *spec);

/* virDomainMigrateFlags for the spec (an offline migration keeps the definition by force). */
unsigned long nv_migrate_flags(const NvMigrateSpec *spec, gboolean running);
/* "Refused" reasons of a spec before anything is asked of a host: offline without keeping a
 * definition, post-copy with an offline move, a live move of a shut-off domain... */
gboolean nv_migrate_spec_check(const NvMigrateSpec *spec, gboolean running, GError **err);
/* Exactly what will happen, one line each, for the confirmation (translated). */
GPtrArray *nv_migrate_summary(const NvMigrateSpec *spec, const char *name, gboolean running,
                              const char *from, const char *to);

/* ---- the check before it starts ---- */

typedef enum {
    NV_CHECK_OK,      /* "CPU: the destination can run it" */
    NV_CHECK_WARNING, /* it may work: "cannot compare the CPUs: ..." */
    NV_CHECK_BLOCKER, /* it will not: "network 'lan' does not exist on hv2" */
} NvCheckLevel;

typedef struct {
    NvCheckLevel level;
    char *text;
} NvCheckItem;

typedef struct {
    GPtrArray *items; /* NvCheckItem* */
    guint blockers;
} NvMigrateCheck;

void nv_migrate_check_free(NvMigrateCheck *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvMigrateCheck, nv_migrate_check_free)

/* Reads the domain on `from`'s worker, then checks the destination on `to`'s. An error only
 * when a host could not be asked at all; what is wrong with the move is in the items. */
void nv_migrate_check_async(NvConn *from, NvConn *to, const char *uuid, const NvMigrateSpec *spec,
                            NvAsyncFunc done, gpointer data, GDestroyNotify data_free);
NvMigrateCheck *nv_migrate_check_finish(NvAsyncResult *res, GError **err);

/* ---- the migration ---- */

/* A running migration's job statistics (virDomainGetJobStats). */
typedef struct {
    guint64 processed, remaining, total; /* bytes */
    guint64 bps;                         /* bytes/s */
    guint64 dirty_rate;                  /* pages/s */
    guint64 iteration;
    guint64 downtime_ms; /* expected */
} NvMigrateStats;

/* The progress line and fraction (< 0 before memory moves) for `st`. */
char *nv_migrate_progress_text(const NvMigrateStats *st, double *fraction);

/* Starts the migration of `uuid` from `from` to `to` as a job: progress reports data
 * processed, remaining and total, the rate, dirty pages, the iteration, expected downtime and
 * time left; nv_job_cancel aborts it (the guest stays at the source); done says why it failed.
 * On success a last progress report, just before done, has fraction 1 and the finished job's
 * statistics as the destination keeps them ("done in 6.3 s, downtime 120 ms, 81 MiB sent").
 * Returns the job (the caller's reference). */
NvJob *nv_migrate_start(NvConn *from, NvConn *to, const char *uuid, const NvMigrateSpec *spec,
                        NvJobProgressFunc progress, NvJobDoneFunc done, gpointer data);
/* Switches the running migration of `uuid` to post-copy (its spec allowed it): the guest runs
 * at the destination from then on and its memory follows on demand. */
void nv_migrate_postcopy_async(NvConn *from, const char *uuid, NvAsyncFunc done, gpointer data,
                               GDestroyNotify data_free);
gboolean nv_migrate_postcopy_finish(NvAsyncResult *res, GError **err);

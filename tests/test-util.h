/* The harness shared by the Check tests that drive an NvConn: running the main loop until
 * something happened or a time ran out, opening a connection, and calls on its worker. */
#pragma once

#include <glib.h>

#include "conn-virt.h"

typedef gboolean (*NvTestCond)(gconstpointer data);

/* Runs the default main context until *flag is set or timeout_ms passes; returns *flag. */
gboolean nv_test_run_until_set(const gboolean *flag, guint timeout_ms);

/* Runs the default main context until cond(data) holds or timeout_ms passes; returns it. */
gboolean nv_test_run_until(NvTestCond cond, gconstpointer data, guint timeout_ms);

/* Like nv_test_run_until_set, and fails the test when *flag is still unset. */
void nv_test_wait(gboolean *flag, guint timeout_ms);

/* Runs the main context until *flag is set; aborts the test after 30 s naming `what`. */
void nv_test_wait_for(gboolean *flag, const char *what);

/* Whether the NvConn `conn` has connected: a condition for nv_test_run_until. */
gboolean nv_test_connected(gconstpointer conn);

/* A started NvConn on uri (libvirt initialised first); it may not have connected yet. */
NvConn *nv_test_conn_start(const char *uri);

/* A started NvConn on uri that has connected; fails the test after 30 s without. */
NvConn *nv_test_conn_open(const char *uri);

/* A test's own libvirt calls, on the connection's worker: fills `data`, or sets `err` and
 * returns FALSE. */
typedef gboolean (*NvTestWorkFunc)(virConnectPtr vconn, gpointer data, GError **err);

/* Runs fn on the connection's worker (through nv_conn_async) and waits up to 20 s; fails the
 * test when it does not return or returns an error. */
void nv_test_on_worker(NvConn *conn, NvTestWorkFunc fn, gpointer data);
/* The same, handing back the error (NULL when none) instead of failing on it. */
GError *nv_test_call(NvConn *conn, NvTestWorkFunc fn, gpointer data);

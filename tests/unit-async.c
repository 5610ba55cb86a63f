/* Unit tests of the one async idiom (src/conn-async.h): the result comes back on the main
 * loop and never on the calling thread, carries the value or the error, and frees what the
 * callback did not take. Run through nv_async_run, the connection-free half; driver-async.c
 * covers the connection's worker. */
#include <check.h>
#include <glib.h>

#include "conn-async.h"
#include "error.h"
#include "test-util.h"

typedef struct {
    char *text;
    int *freed;
} Value;

static void value_free(gpointer p)
{
    Value *v = p;
    (*v->freed)++;
    g_free(v->text);
    g_free(v);
}

typedef struct {
    const char *text; /* NULL: fail */
    int *freed;
    int *req_freed;
} Req;

static void req_free(gpointer p)
{
    Req *r = p;
    (*r->req_freed)++;
    g_free(r);
}

static gpointer work(gpointer p, GError **err)
{
    Req *r = p;
    if (!r->text) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, "refused");
        return NULL;
    }
    Value *v = g_new0(Value, 1);
    v->text = g_strdup(r->text);
    v->freed = r->freed;
    return v;
}

/* The module's pair, as a real one is written. */
static void thing_async(const char *text, int *freed, int *req_freed, NvAsyncFunc done,
                        gpointer data, GDestroyNotify data_free);

static Value *thing_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, thing_async, err);
}

static void thing_async(const char *text, int *freed, int *req_freed, NvAsyncFunc done,
                        gpointer data, GDestroyNotify data_free)
{
    Req *r = g_new0(Req, 1);
    r->text = text;
    r->freed = freed;
    r->req_freed = req_freed;
    NvAsyncSpec spec = {
        .tag = thing_async, .req = r, .req_free = req_free, .value_free = value_free};
    nv_async_run(&spec, work, done, data, data_free);
}

typedef struct {
    gboolean done;
    gboolean take;
    GThread *thread;
    char *text;
    GError *err;
    int data_freed;
} Seen;

static void on_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Seen *s = data;
    ck_assert_ptr_null(conn);
    s->done = TRUE;
    s->thread = g_thread_self();
    if (!s->take)
        return;
    Value *v = thing_finish(res, &s->err);
    if (v) {
        s->text = g_strdup(v->text);
        value_free(v);
    }
}

static void seen_data_free(gpointer data)
{
    Seen *s = data;
    ck_assert(s->done); /* after the callback */
    s->data_freed++;
}

START_TEST(test_value_on_loop)
{
    int freed = 0, req_freed = 0;
    Seen s = {.take = TRUE};
    thing_async("web-01", &freed, &req_freed, on_done, &s, seen_data_free);
    ck_assert(!s.done); /* never on the calling thread */
    nv_test_wait(&s.done, 5000);
    ck_assert_ptr_eq(s.thread, g_thread_self());
    ck_assert_str_eq(s.text, "web-01");
    ck_assert_ptr_null(s.err);
    ck_assert_int_eq(freed, 1); /* by the caller that took it, once */
    ck_assert_int_eq(req_freed, 1);
    ck_assert_int_eq(s.data_freed, 1);
    g_free(s.text);
}
END_TEST

START_TEST(test_error_delivered)
{
    int freed = 0, req_freed = 0;
    Seen s = {.take = TRUE};
    thing_async(NULL, &freed, &req_freed, on_done, &s, seen_data_free);
    nv_test_wait(&s.done, 5000);
    ck_assert_ptr_null(s.text);
    ck_assert(g_error_matches(s.err, NV_ERROR, NV_ERROR_INVALID));
    ck_assert_str_eq(s.err->message, "refused");
    ck_assert_int_eq(freed, 0);
    ck_assert_int_eq(req_freed, 1);
    ck_assert_int_eq(s.data_freed, 1);
    g_error_free(s.err);
}
END_TEST

START_TEST(test_untaken_value_freed)
{
    int freed = 0, req_freed = 0;
    Seen s = {.take = FALSE};
    thing_async("web-01", &freed, &req_freed, on_done, &s, NULL);
    nv_test_wait(&s.done, 5000);
    /* The idle source that delivered has returned by now: the result freed the value. */
    ck_assert_int_eq(freed, 1);
    ck_assert_int_eq(req_freed, 1);
}
END_TEST

/* A pair without a value: NV_ASYNC_OK is no pointer to free, and _finish says TRUE. */
static gpointer ping_work(gpointer req, GError **err)
{
    (void)err;
    return req ? NV_ASYNC_OK : NULL;
}

static void on_ping(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    (void)conn;
    Seen *s = data;
    s->done = TRUE;
    s->take = nv_async_result_ok(res, ping_work, &s->err);
}

START_TEST(test_ok_without_value)
{
    Seen s = {0};
    NvAsyncSpec spec = {.tag = ping_work, .req = GINT_TO_POINTER(1), .value_free = g_free};
    nv_async_run(&spec, ping_work, on_ping, &s, NULL);
    nv_test_wait(&s.done, 5000);
    ck_assert(s.take);
    ck_assert_ptr_null(s.err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("async");
    TCase *tc = tcase_create("result");
    tcase_add_test(tc, test_value_on_loop);
    tcase_add_test(tc, test_error_delivered);
    tcase_add_test(tc, test_untaken_value_freed);
    tcase_add_test(tc, test_ok_without_value);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

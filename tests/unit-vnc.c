/* Tests of vnc.c against a fake RFB server written here (a thread on a socketpair, a TCP
 * listener on 127.0.0.1, or this very program run as a command), of hostile and stalling
 * servers, and of vnc-png.c (written, read back, inflated). */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "error.h"
#include "keymap-keysym.h"
#include "vnc-png.h"
#include "vnc.h"

/* libvncclient's DES for VNC authentication: exported, but its header does not declare it. */
void rfbClientEncryptBytes(unsigned char *bytes, char *passwd);

static char *self_path;

/* ---- the fake server ------------------------------------------------------------------ */

typedef enum {
    FAKE_GOOD,            /* 64x48, answers the first update request with a raw pattern */
    FAKE_RESIZE,          /* NewFBSize 80x60, then the pattern at that size */
    FAKE_BAD_RECT,        /* a raw rectangle reaching outside the framebuffer */
    FAKE_BAD_ENCODING,    /* an encoding nobody knows */
    FAKE_BAD_COPYRECT,    /* CopyRect from far outside the framebuffer */
    FAKE_HUGE_RESIZE,     /* NewFBSize 60000x60000 */
    FAKE_HUGE_INIT,       /* ServerInit 9000x100 */
    FAKE_GARBAGE,         /* an unknown message type and noise */
    FAKE_STALL,           /* half an update, then silence */
    FAKE_STALL_HANDSHAKE, /* accepts and says nothing */
    FAKE_CLOSE,           /* closes cleanly after the first update */
    FAKE_AUTH,            /* VNC authentication, then like FAKE_GOOD */
    FAKE_DEAF,            /* stops reading after the handshake, until told to go */
} FakeMode;

typedef struct {
    gboolean pointer;
    uint32_t keysym;
    gboolean down;
    int x, y, mask;
} FakeEvent;

typedef struct {
    int rfd, wfd;
    FakeMode mode;
    const char *password;
    int w, h;
    GThread *thread;
    GAsyncQueue *events; /* FakeEvent*, from the client */
    gint requests;
    gint stalled;
    gint auth_ok; /* 0 not tried, 1 right, -1 wrong */
    gint deaf_done;
    /* What the client asked for. */
    int bpp, big_endian, true_colour, rshift, gshift, bshift;
    GArray *encodings; /* int32 */
} Fake;

static gboolean rd(Fake *f, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = read(f->rfd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return FALSE;
        p += r;
        n -= (size_t)r;
    }
    return TRUE;
}

static gboolean wr(Fake *f, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = send(f->wfd, p, n, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return FALSE;
        p += r;
        n -= (size_t)r;
    }
    return TRUE;
}

static void be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint8_t pat_r(int x, int y)
{
    return (uint8_t)(x * 4);
}

static uint8_t pat_g(int x, int y)
{
    return (uint8_t)(y * 5);
}

static uint8_t pat_b(int x, int y)
{
    return (uint8_t)(x + y + 7);
}

static gboolean send_rect_header(Fake *f, int x, int y, int w, int h, uint32_t enc)
{
    uint8_t r[12];
    be16(r, (unsigned)x);
    be16(r + 2, (unsigned)y);
    be16(r + 4, (unsigned)w);
    be16(r + 6, (unsigned)h);
    be32(r + 8, enc);
    return wr(f, r, sizeof(r));
}

static gboolean send_update_header(Fake *f, int nrects)
{
    uint8_t u[4] = {0, 0};
    be16(u + 2, (unsigned)nrects);
    return wr(f, u, sizeof(u));
}

/* The pattern in the pixel format the client set. */
static gboolean send_pattern(Fake *f, int x0, int y0, int w, int h)
{
    g_autofree uint8_t *px = g_malloc((size_t)w * h * 4);
    uint8_t *p = px;
    for (int y = y0; y < y0 + h; y++) {
        for (int x = x0; x < x0 + w; x++, p += 4) {
            uint32_t v = ((uint32_t)pat_r(x, y) << f->rshift) |
                         ((uint32_t)pat_g(x, y) << f->gshift) |
                         ((uint32_t)pat_b(x, y) << f->bshift);
            if (f->big_endian)
                be32(p, v);
            else
                p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
                p[3] = (uint8_t)(v >> 24);
        }
    }
    return send_rect_header(f, x0, y0, w, h, 0) && wr(f, px, (size_t)w * h * 4);
}

/* The reply to the first FramebufferUpdateRequest; FALSE ends the server. */
static gboolean fake_first_update(Fake *f)
{
    switch (f->mode) {
    case FAKE_GOOD:
    case FAKE_AUTH:
    case FAKE_CLOSE:
        return send_update_header(f, 1) && send_pattern(f, 0, 0, f->w, f->h) &&
               f->mode != FAKE_CLOSE;
    case FAKE_RESIZE:
        f->w = 80, f->h = 60;
        return send_update_header(f, 2) && send_rect_header(f, 0, 0, 80, 60, 0xFFFFFF21) &&
               send_pattern(f, 0, 0, 80, 60);
    case FAKE_BAD_RECT:
        return send_update_header(f, 1) && send_pattern(f, f->w - 4, 0, 16, 16);
    case FAKE_BAD_ENCODING:
        return send_update_header(f, 1) && send_rect_header(f, 0, 0, 8, 8, 0x7fff1234);
    case FAKE_BAD_COPYRECT: {
        uint8_t src[4];
        be16(src, 60000);
        be16(src + 2, 60000);
        return send_update_header(f, 1) && send_rect_header(f, 0, 0, 8, 8, 1) &&
               wr(f, src, sizeof(src));
    }
    case FAKE_HUGE_RESIZE:
        return send_update_header(f, 1) && send_rect_header(f, 0, 0, 60000, 60000, 0xFFFFFF21);
    case FAKE_GARBAGE: {
        uint8_t junk[301];
        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = (uint8_t)(0xEE ^ (i * 37));
        junk[0] = 0xEE;
        return wr(f, junk, sizeof(junk));
    }
    case FAKE_STALL: {
        uint8_t some[100] = {0};
        gboolean ok = send_update_header(f, 1) && send_rect_header(f, 0, 0, f->w, f->h, 0) &&
                      wr(f, some, sizeof(some));
        g_atomic_int_set(&f->stalled, 1);
        return ok;
    }
    default:
        return FALSE;
    }
}

static gboolean fake_auth(Fake *f)
{
    uint8_t types[2] = {1, 2};
    uint8_t choice;
    if (!wr(f, types, 2) || !rd(f, &choice, 1) || choice != 2)
        return FALSE;
    unsigned char challenge[16], expect[16], response[16];
    for (int i = 0; i < 16; i++)
        challenge[i] = (unsigned char)g_random_int();
    memcpy(expect, challenge, 16);
    g_autofree char *pw = g_strdup(f->password);
    rfbClientEncryptBytes(expect, pw);
    if (!wr(f, challenge, 16) || !rd(f, response, 16))
        return FALSE;
    if (memcmp(response, expect, 16) == 0) {
        g_atomic_int_set(&f->auth_ok, 1);
        uint8_t ok[4] = {0};
        return wr(f, ok, 4);
    }
    g_atomic_int_set(&f->auth_ok, -1);
    const char *reason = "Authentication failed";
    uint8_t fail[8];
    be32(fail, 1);
    be32(fail + 4, (uint32_t)strlen(reason));
    wr(f, fail, 8);
    wr(f, reason, strlen(reason));
    return FALSE;
}

static gboolean fake_handshake(Fake *f)
{
    char version[12];
    if (!wr(f, "RFB 003.008\n", 12) || !rd(f, version, 12) || memcmp(version, "RFB 003.", 8))
        return FALSE;
    if (f->mode == FAKE_AUTH) {
        if (!fake_auth(f))
            return FALSE;
    } else {
        uint8_t types[2] = {1, 1}, choice, ok[4] = {0};
        if (!wr(f, types, 2) || !rd(f, &choice, 1) || choice != 1 || !wr(f, ok, 4))
            return FALSE;
    }
    uint8_t shared;
    if (!rd(f, &shared, 1))
        return FALSE;

    /* ServerInit: size, a 32bpp little-endian true-colour format, the name "fake". */
    uint8_t si[24 + 4] = {0};
    be16(si, (unsigned)(f->mode == FAKE_HUGE_INIT ? 9000 : f->w));
    be16(si + 2, (unsigned)(f->mode == FAKE_HUGE_INIT ? 100 : f->h));
    si[4] = 32, si[5] = 24, si[6] = 0, si[7] = 1;
    be16(si + 8, 255), be16(si + 10, 255), be16(si + 12, 255);
    si[14] = 16, si[15] = 8, si[16] = 0;
    be32(si + 20, 4);
    memcpy(si + 24, "fake", 4);
    return wr(f, si, sizeof(si));
}

static gboolean fake_client_message(Fake *f)
{
    uint8_t type, b[20];
    if (!rd(f, &type, 1))
        return FALSE;
    switch (type) {
    case 0: /* SetPixelFormat */
        if (!rd(f, b, 19))
            return FALSE;
        f->bpp = b[3], f->big_endian = b[5], f->true_colour = b[6];
        f->rshift = b[13], f->gshift = b[14], f->bshift = b[15];
        return TRUE;
    case 2: { /* SetEncodings */
        if (!rd(f, b, 3))
            return FALSE;
        int n = (b[1] << 8) | b[2];
        for (int i = 0; i < n; i++) {
            uint8_t e[4];
            if (!rd(f, e, 4))
                return FALSE;
            int32_t enc = (int32_t)(((uint32_t)e[0] << 24) | ((uint32_t)e[1] << 16) |
                                    ((uint32_t)e[2] << 8) | e[3]);
            g_array_append_val(f->encodings, enc);
        }
        return TRUE;
    }
    case 3: /* FramebufferUpdateRequest */
        if (!rd(f, b, 9))
            return FALSE;
        if (g_atomic_int_add(&f->requests, 1) == 0)
            return fake_first_update(f);
        return TRUE;
    case 4: { /* KeyEvent */
        if (!rd(f, b, 7))
            return FALSE;
        FakeEvent *e = g_new0(FakeEvent, 1);
        e->down = b[0];
        e->keysym = ((uint32_t)b[3] << 24) | ((uint32_t)b[4] << 16) | ((uint32_t)b[5] << 8) | b[6];
        g_async_queue_push(f->events, e);
        return TRUE;
    }
    case 5: { /* PointerEvent */
        if (!rd(f, b, 5))
            return FALSE;
        FakeEvent *e = g_new0(FakeEvent, 1);
        e->pointer = TRUE;
        e->mask = b[0];
        e->x = (b[1] << 8) | b[2];
        e->y = (b[3] << 8) | b[4];
        g_async_queue_push(f->events, e);
        return TRUE;
    }
    case 6: { /* ClientCutText */
        if (!rd(f, b, 7))
            return FALSE;
        uint32_t len =
            ((uint32_t)b[3] << 24) | ((uint32_t)b[4] << 16) | ((uint32_t)b[5] << 8) | b[6];
        for (uint32_t i = 0; i < len; i++)
            if (!rd(f, b, 1))
                return FALSE;
        return TRUE;
    }
    default:
        return FALSE;
    }
}

static void fake_serve(Fake *f)
{
    if (f->mode != FAKE_STALL_HANDSHAKE && fake_handshake(f)) {
        while (f->mode == FAKE_DEAF && !g_atomic_int_get(&f->deaf_done))
            g_usleep(10000);
        while (fake_client_message(f))
            ;
    }
    /* Whatever happened, wait for the client to go (a stalled server stays silent). */
    if (f->mode == FAKE_STALL || f->mode == FAKE_STALL_HANDSHAKE) {
        uint8_t b;
        while (rd(f, &b, 1))
            ;
    }
}

static gpointer fake_thread(gpointer data)
{
    Fake *f = data;
    fake_serve(f);
    close(f->rfd);
    return NULL;
}

static Fake *fake_new(FakeMode mode)
{
    Fake *f = g_new0(Fake, 1);
    f->mode = mode;
    f->w = 64;
    f->h = 48;
    f->rfd = f->wfd = -1;
    f->events = g_async_queue_new_full(g_free);
    f->encodings = g_array_new(FALSE, FALSE, sizeof(int32_t));
    return f;
}

/* Starts the server on one end of a socketpair and returns the other end. */
static int fake_start_pair(Fake *f)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    f->rfd = f->wfd = sv[1];
    f->thread = g_thread_new("fake-rfb", fake_thread, f);
    return sv[0];
}

static void fake_free(Fake *f)
{
    if (f->thread != NULL)
        g_thread_join(f->thread);
    g_async_queue_unref(f->events);
    g_array_unref(f->encodings);
    g_free(f);
}

static FakeEvent *fake_next_event(Fake *f)
{
    return g_async_queue_timeout_pop(f->events, 3 * G_USEC_PER_SEC);
}

/* ---- the client side ------------------------------------------------------------------ */

typedef struct {
    NvVnc *vnc;
    int frames;
    int fx0, fy0, fx1, fy1;
    int resizes, rw, rh;
    int asked;
    const char *answer; /* given to need_password; NULL: leave unanswered */
    gboolean cancel;    /* answer need_password with NULL */
    gboolean closed;
    GError *why;
    gboolean free_on_close;
} Watch;

static void on_frame(NvVnc *vnc, int x, int y, int w, int h, gpointer data)
{
    Watch *wt = data;
    ck_assert_ptr_eq(vnc, wt->vnc);
    ck_assert_int_gt(w, 0);
    ck_assert_int_gt(h, 0);
    if (wt->frames++ == 0) {
        wt->fx0 = x, wt->fy0 = y, wt->fx1 = x + w, wt->fy1 = y + h;
    } else {
        wt->fx0 = MIN(wt->fx0, x), wt->fy0 = MIN(wt->fy0, y);
        wt->fx1 = MAX(wt->fx1, x + w), wt->fy1 = MAX(wt->fy1, y + h);
    }
}

static void on_resized(NvVnc *vnc, int w, int h, gpointer data)
{
    Watch *wt = data;
    wt->resizes++;
    wt->rw = w, wt->rh = h;
}

static void on_need_password(NvVnc *vnc, gpointer data)
{
    Watch *wt = data;
    wt->asked++;
    if (wt->cancel)
        nv_vnc_set_password(vnc, NULL);
    else if (wt->answer != NULL)
        nv_vnc_set_password(vnc, wt->answer);
}

static void on_closed(NvVnc *vnc, const GError *why, gpointer data)
{
    Watch *wt = data;
    ck_assert(!wt->closed);
    wt->closed = TRUE;
    wt->why = why != NULL ? g_error_copy(why) : NULL;
    if (wt->free_on_close) {
        nv_vnc_free(vnc);
        wt->vnc = NULL;
    }
}

static const NvVncCallbacks callbacks = {
    .frame_changed = on_frame,
    .resized = on_resized,
    .need_password = on_need_password,
    .closed = on_closed,
};

static Watch *watch_new(void)
{
    Watch *wt = g_new0(Watch, 1);
    wt->vnc = nv_vnc_new();
    nv_vnc_set_callbacks(wt->vnc, &callbacks, wt);
    return wt;
}

/* Frees the session (timing it) and the watch; returns the microseconds nv_vnc_free took. */
static gint64 watch_free(Watch *wt)
{
    gint64 t0 = g_get_monotonic_time();
    nv_vnc_free(wt->vnc);
    gint64 spent = g_get_monotonic_time() - t0;
    g_clear_error(&wt->why);
    g_free(wt);
    /* Nothing may arrive after free. */
    while (g_main_context_iteration(NULL, FALSE))
        ;
    return spent;
}

static gboolean timed_out(gpointer data)
{
    *(gboolean *)data = TRUE;
    return G_SOURCE_REMOVE;
}

/* Runs the main loop until done(wt) or timeout_ms passed; returns done(wt). */
static gboolean wait_for(Watch *wt, gboolean (*done)(Watch *), int timeout_ms)
{
    gboolean expired = FALSE;
    guint id = g_timeout_add(timeout_ms, timed_out, &expired);
    while (!done(wt) && !expired)
        g_main_context_iteration(NULL, TRUE);
    if (!expired)
        g_source_remove(id);
    return done(wt);
}

static gboolean is_closed(Watch *wt)
{
    return wt->closed;
}

static gboolean has_full_frame(Watch *wt)
{
    return wt->frames > 0 && wt->fx0 == 0 && wt->fy0 == 0 && wt->fx1 == wt->rw && wt->fy1 == wt->rh;
}

static gboolean was_asked(Watch *wt)
{
    return wt->asked > 0;
}

static void check_pattern(Watch *wt, int want_w, int want_h)
{
    const uint8_t *px;
    int w, h, stride;
    nv_vnc_lock_frame(wt->vnc, &px, &w, &h, &stride);
    ck_assert_ptr_nonnull(px);
    ck_assert_int_eq(w, want_w);
    ck_assert_int_eq(h, want_h);
    ck_assert_int_eq(stride, want_w * 4);
    int bad = 0;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            const uint8_t *p = px + y * stride + x * 4;
            if (p[0] != pat_r(x, y) || p[1] != pat_g(x, y) || p[2] != pat_b(x, y))
                bad++;
        }
    }
    nv_vnc_unlock_frame(wt->vnc);
    ck_assert_msg(bad == 0, "%d pixels differ from the pattern", bad);
}

static void check_error(Watch *wt, const char *needle)
{
    ck_assert_msg(wt->closed, "no closed callback");
    ck_assert_msg(wt->why != NULL, "closed without an error");
    ck_assert(wt->why->domain == NV_ERROR);
    if (g_getenv("NV_TEST_VERBOSE"))
        g_printerr("closed: %s\n", wt->why->message);
    g_autofree char *lower = g_utf8_strdown(wt->why->message, -1);
    ck_assert_msg(strstr(lower, needle) != NULL, "error '%s' does not mention '%s'",
                  wt->why->message, needle);
}

static void check_key_event(Fake *f, uint32_t keysym, gboolean down)
{
    g_autofree FakeEvent *e = fake_next_event(f);
    ck_assert_msg(e != NULL, "no event for keysym 0x%x", keysym);
    ck_assert(!e->pointer);
    ck_assert_msg(e->keysym == keysym, "keysym 0x%x, expected 0x%x", e->keysym, keysym);
    ck_assert_int_eq(e->down, down);
}

static void check_pointer_event(Fake *f, int x, int y, int mask)
{
    g_autofree FakeEvent *e = fake_next_event(f);
    ck_assert_msg(e != NULL, "no pointer event");
    ck_assert(e->pointer);
    ck_assert_int_eq(e->x, x);
    ck_assert_int_eq(e->y, y);
    ck_assert_int_eq(e->mask, mask);
}

static gboolean has_encoding(Fake *f, int32_t enc)
{
    for (guint i = 0; i < f->encodings->len; i++)
        if (g_array_index(f->encodings, int32_t, i) == enc)
            return TRUE;
    return FALSE;
}

/* ---- tests ------------------------------------------------------------------------- */

START_TEST(test_good_server)
{
    Fake *f = fake_new(FAKE_GOOD);
    Watch *wt = watch_new();
    g_autoptr(GError) err = NULL;
    ck_assert(nv_vnc_connect_fd(wt->vnc, fake_start_pair(f), &err));

    ck_assert_msg(wait_for(wt, has_full_frame, 5000), "no full frame (frames %d)", wt->frames);
    ck_assert_int_eq(wt->resizes, 1);
    ck_assert_int_eq(wt->rw, 64);
    ck_assert_int_eq(wt->rh, 48);
    ck_assert(!wt->closed);
    check_pattern(wt, 64, 48);
    g_autofree char *name = nv_vnc_dup_desktop_name(wt->vnc);
    ck_assert_str_eq(name, "fake");

    /* What the client asked for: 32 bpp true colour, and the encodings we rely on. */
    ck_assert_int_eq(f->bpp, 32);
    ck_assert_int_eq(f->true_colour, 1);
    ck_assert(has_encoding(f, 0));    /* raw */
    ck_assert(has_encoding(f, 5));    /* hextile */
    ck_assert(has_encoding(f, 7));    /* tight */
    ck_assert(has_encoding(f, 16));   /* zrle */
    ck_assert(has_encoding(f, -223)); /* NewFBSize */

    /* Keys arrive as KeyEvents with the keysym, chords in press/release order. */
    nv_vnc_send_key(wt->vnc, 0xff0d, TRUE);
    check_key_event(f, 0xff0d, TRUE);
    nv_vnc_send_key(wt->vnc, 0xff0d, FALSE);
    check_key_event(f, 0xff0d, FALSE);
    uint32_t chord[NV_KEYSYM_MAX_CHORD];
    NvKey ctrl_c = 'c' | NV_KEY_MOD_CTRL;
    int n = nv_keysym_from_key(ctrl_c, chord, NV_KEYSYM_MAX_CHORD);
    nv_vnc_send_keys(wt->vnc, chord, n);
    check_key_event(f, 0xffe3, TRUE);
    check_key_event(f, 'c', TRUE);
    check_key_event(f, 'c', FALSE);
    check_key_event(f, 0xffe3, FALSE);

    /* Pointer events, clamped to the framebuffer. */
    nv_vnc_send_pointer(wt->vnc, 10, 20, 1);
    check_pointer_event(f, 10, 20, 1);
    nv_vnc_send_pointer(wt->vnc, 1000, -5, 0);
    check_pointer_event(f, 63, 0, 0);

    /* libvncclient asks for the next incremental update on its own. */
    for (int i = 0; i < 100 && g_atomic_int_get(&f->requests) < 2; i++)
        g_usleep(10000);
    ck_assert_int_ge(g_atomic_int_get(&f->requests), 2);

    ck_assert_int_lt(watch_free(wt), G_USEC_PER_SEC / 2);
    fake_free(f);
}
END_TEST

START_TEST(test_resize)
{
    Fake *f = fake_new(FAKE_RESIZE);
    Watch *wt = watch_new();
    ck_assert(nv_vnc_connect_fd(wt->vnc, fake_start_pair(f), NULL));
    ck_assert(wait_for(wt, has_full_frame, 5000));
    ck_assert_int_eq(wt->rw, 80);
    ck_assert_int_eq(wt->rh, 60);
    check_pattern(wt, 80, 60);
    watch_free(wt);
    fake_free(f);
}
END_TEST

/* A hostile server: the session ends with an error within 2 s and frees at once. */
static void check_hostile(FakeMode mode, const char *needle, gboolean free_on_close)
{
    Fake *f = fake_new(mode);
    Watch *wt = watch_new();
    wt->free_on_close = free_on_close;
    ck_assert(nv_vnc_connect_fd(wt->vnc, fake_start_pair(f), NULL));
    gint64 t0 = g_get_monotonic_time();
    ck_assert_msg(wait_for(wt, is_closed, 2000), "no closed callback within 2 s");
    ck_assert_int_lt(g_get_monotonic_time() - t0, 2 * G_USEC_PER_SEC);
    check_error(wt, needle);
    if (free_on_close) {
        ck_assert_ptr_null(wt->vnc);
        g_clear_error(&wt->why);
        g_free(wt);
    } else {
        /* The last frame stays readable (here: the blank one). */
        const uint8_t *px;
        int w, h, stride;
        nv_vnc_lock_frame(wt->vnc, &px, &w, &h, &stride);
        nv_vnc_unlock_frame(wt->vnc);
        ck_assert_int_lt(watch_free(wt), G_USEC_PER_SEC / 2);
    }
    fake_free(f);
}

START_TEST(test_bad_rect)
{
    check_hostile(FAKE_BAD_RECT, "malformed", FALSE);
}
END_TEST

START_TEST(test_bad_encoding)
{
    check_hostile(FAKE_BAD_ENCODING, "malformed", TRUE);
}
END_TEST

START_TEST(test_bad_copyrect)
{
    check_hostile(FAKE_BAD_COPYRECT, "malformed", FALSE);
}
END_TEST

START_TEST(test_huge_resize)
{
    check_hostile(FAKE_HUGE_RESIZE, "limit", FALSE);
}
END_TEST

START_TEST(test_huge_init)
{
    check_hostile(FAKE_HUGE_INIT, "9000", FALSE);
}
END_TEST

START_TEST(test_garbage)
{
    check_hostile(FAKE_GARBAGE, "malformed", FALSE);
}
END_TEST

static void check_stall(FakeMode mode, const char *password_answer)
{
    Fake *f = fake_new(mode);
    f->password = "secret";
    Watch *wt = watch_new();
    wt->answer = password_answer;
    ck_assert(nv_vnc_connect_fd(wt->vnc, fake_start_pair(f), NULL));
    if (mode == FAKE_STALL) {
        for (int i = 0; i < 300 && !g_atomic_int_get(&f->stalled); i++)
            g_usleep(10000);
        ck_assert(g_atomic_int_get(&f->stalled));
    } else if (mode == FAKE_AUTH) {
        ck_assert(wait_for(wt, was_asked, 3000));
    }
    /* Let the client block in its read. */
    g_usleep(200000);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    ck_assert(!wt->closed);
    gint64 spent = watch_free(wt);
    ck_assert_msg(spent < G_USEC_PER_SEC, "nv_vnc_free took %" G_GINT64_FORMAT " us", spent);
    fake_free(f);
}

START_TEST(test_stall_update)
{
    check_stall(FAKE_STALL, NULL);
}
END_TEST

START_TEST(test_stall_handshake)
{
    check_stall(FAKE_STALL_HANDSHAKE, NULL);
}
END_TEST

START_TEST(test_stall_password)
{
    /* need_password is never answered: free must not wait for the answer. */
    check_stall(FAKE_AUTH, NULL);
}
END_TEST

static gboolean was_resized(Watch *wt)
{
    return wt->resizes > 0;
}

START_TEST(test_stall_write)
{
    /* The server stops reading: the session thread ends up blocked in a write. */
    Fake *f = fake_new(FAKE_DEAF);
    Watch *wt = watch_new();
    ck_assert(nv_vnc_connect_fd(wt->vnc, fake_start_pair(f), NULL));
    ck_assert(wait_for(wt, was_resized, 3000));
    for (int batch = 0; batch < 60; batch++) {
        for (int i = 0; i < 2000; i++) {
            nv_vnc_send_key(wt->vnc, 'a', TRUE);
            nv_vnc_send_key(wt->vnc, 'a', FALSE);
        }
        g_usleep(2000);
    }
    g_usleep(200000);
    /* The socket is full (a Unix socket charges each small write a whole buffer, so a few
     * hundred key events fill it) while far more were sent: the thread is stuck in write. */
    int unread = 0;
    ck_assert_int_eq(ioctl(f->rfd, FIONREAD, &unread), 0);
    ck_assert_int_gt(unread, 1000);
    struct pollfd pfd = {.fd = f->rfd, .events = POLLIN};
    ck_assert_int_eq(poll(&pfd, 1, 0), 1);
    gint64 spent = watch_free(wt);
    ck_assert_msg(spent < G_USEC_PER_SEC, "nv_vnc_free took %" G_GINT64_FORMAT " us", spent);
    g_atomic_int_set(&f->deaf_done, 1);
    fake_free(f);
}
END_TEST

START_TEST(test_auth_wrong)
{
    Fake *f = fake_new(FAKE_AUTH);
    f->password = "secret";
    Watch *wt = watch_new();
    wt->answer = "wrong";
    ck_assert(nv_vnc_connect_fd(wt->vnc, fake_start_pair(f), NULL));
    ck_assert(wait_for(wt, is_closed, 3000));
    ck_assert_int_eq(wt->asked, 1);
    ck_assert_int_eq(g_atomic_int_get(&f->auth_ok), -1);
    check_error(wt, "authentication failed");
    ck_assert_ptr_nonnull(strstr(wt->why->message, "Authentication failed"));
    watch_free(wt);
    fake_free(f);
}
END_TEST

START_TEST(test_auth_right)
{
    Fake *f = fake_new(FAKE_AUTH);
    f->password = "secret";
    Watch *wt = watch_new();
    wt->answer = "secret";
    ck_assert(nv_vnc_connect_fd(wt->vnc, fake_start_pair(f), NULL));
    ck_assert(wait_for(wt, has_full_frame, 5000));
    ck_assert_int_eq(wt->asked, 1);
    ck_assert_int_eq(g_atomic_int_get(&f->auth_ok), 1);
    check_pattern(wt, 64, 48);
    watch_free(wt);
    fake_free(f);
}
END_TEST

START_TEST(test_auth_preset_and_cancel)
{
    /* A password given before the server asks is used without asking. */
    Fake *f = fake_new(FAKE_AUTH);
    f->password = "secret";
    Watch *wt = watch_new();
    nv_vnc_set_password(wt->vnc, "secret");
    ck_assert(nv_vnc_connect_fd(wt->vnc, fake_start_pair(f), NULL));
    ck_assert(wait_for(wt, has_full_frame, 5000));
    ck_assert_int_eq(wt->asked, 0);
    watch_free(wt);
    fake_free(f);

    f = fake_new(FAKE_AUTH);
    f->password = "secret";
    wt = watch_new();
    wt->cancel = TRUE;
    ck_assert(nv_vnc_connect_fd(wt->vnc, fake_start_pair(f), NULL));
    ck_assert(wait_for(wt, is_closed, 3000));
    check_error(wt, "cancelled");
    watch_free(wt);
    fake_free(f);
}
END_TEST

START_TEST(test_clean_close)
{
    Fake *f = fake_new(FAKE_CLOSE);
    Watch *wt = watch_new();
    ck_assert(nv_vnc_connect_fd(wt->vnc, fake_start_pair(f), NULL));
    ck_assert(wait_for(wt, is_closed, 3000));
    ck_assert_msg(wt->why == NULL, "error: %s", wt->why->message);
    /* The frame that came before the close is still there. */
    check_pattern(wt, 64, 48);
    /* Input after the end is dropped quietly. */
    nv_vnc_send_key(wt->vnc, 'a', TRUE);
    nv_vnc_send_pointer(wt->vnc, 1, 1, 0);
    watch_free(wt);
    fake_free(f);
}
END_TEST

static gpointer accept_thread(gpointer data)
{
    Fake *f = data;
    int lfd = f->rfd;
    int fd = accept(lfd, NULL, NULL);
    close(lfd);
    if (fd < 0)
        return NULL;
    f->rfd = f->wfd = fd;
    return fake_thread(f);
}

static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t len = sizeof(sa);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    ck_assert_int_eq(listen(fd, 1), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

START_TEST(test_connect_host)
{
    int port;
    Fake *f = fake_new(FAKE_GOOD);
    f->rfd = listen_loopback(&port);
    f->thread = g_thread_new("fake-accept", accept_thread, f);
    Watch *wt = watch_new();
    ck_assert(nv_vnc_connect_host(wt->vnc, "127.0.0.1", port, NULL));
    ck_assert(wait_for(wt, has_full_frame, 5000));
    check_pattern(wt, 64, 48);
    nv_vnc_send_key(wt->vnc, 0xff52, TRUE);
    check_key_event(f, 0xff52, TRUE);
    watch_free(wt);
    fake_free(f);

    /* Nobody listens on a port we just closed. */
    int fd = listen_loopback(&port);
    close(fd);
    wt = watch_new();
    ck_assert(nv_vnc_connect_host(wt->vnc, "127.0.0.1", port, NULL));
    ck_assert(wait_for(wt, is_closed, 5000));
    check_error(wt, "cannot connect");
    watch_free(wt);

    /* Bad arguments fail on the spot. */
    wt = watch_new();
    g_autoptr(GError) err = NULL;
    ck_assert(!nv_vnc_connect_host(wt->vnc, "127.0.0.1", 0, &err));
    ck_assert_ptr_nonnull(err);
    watch_free(wt);

    /* Freed while connecting: returns at once. */
    fd = listen_loopback(&port); /* never accepts, but the kernel completes the connect */
    wt = watch_new();
    ck_assert(nv_vnc_connect_host(wt->vnc, "127.0.0.1", port, NULL));
    ck_assert_int_lt(watch_free(wt), G_USEC_PER_SEC);
    close(fd);
}
END_TEST

START_TEST(test_connect_command)
{
    /* This program, run as a server on its stdin/stdout, stands in for `ssh -W`. */
    char *argv[] = {self_path, "--fake-server", NULL};
    Watch *wt = watch_new();
    g_autoptr(GError) err = NULL;
    ck_assert_msg(nv_vnc_connect_command(wt->vnc, argv, &err), "%s", err ? err->message : "");
    ck_assert(wait_for(wt, has_full_frame, 10000));
    check_pattern(wt, 64, 48);
    ck_assert_int_lt(watch_free(wt), G_USEC_PER_SEC);

    /* A command that fails: its stderr ends up in the error. */
    char *fail[] = {"sh", "-c", "echo 'ssh: connect to host nowhere: refused' >&2; exit 255", NULL};
    wt = watch_new();
    ck_assert(nv_vnc_connect_command(wt->vnc, fail, NULL));
    ck_assert(wait_for(wt, is_closed, 5000));
    check_error(wt, "connect to host nowhere");
    check_error(wt, "the tunnel ended before the vnc server answered");
    watch_free(wt);

    /* A command that does not exist fails on the spot. */
    char *missing[] = {"/nonexistent/ncvirt-no-such-command", NULL};
    wt = watch_new();
    g_clear_error(&err);
    ck_assert(!nv_vnc_connect_command(wt->vnc, missing, &err));
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err->message, "ncvirt-no-such-command"));
    watch_free(wt);

    /* A command that ignores its socket closing and SIGTERM is killed. */
    char *stubborn[] = {"sh", "-c", "trap '' TERM; exec 0<&- 1>&-; sleep 30", NULL};
    wt = watch_new();
    ck_assert(nv_vnc_connect_command(wt->vnc, stubborn, NULL));
    g_usleep(100000);
    ck_assert_int_lt(watch_free(wt), G_USEC_PER_SEC);
}
END_TEST

/* A tunnel that connects nowhere and says nothing more (an ssh stuck on a host that drops
 * packets): the session fails after NV_VNC_OPEN_TIMEOUT_S with what it said so far, never
 * "connecting" forever; a fake server that accepts and never greets does the same. */
START_TEST(test_open_timeout)
{
    char *silent[] = {"sh", "-c", "echo 'debug1: Connecting to far-host' >&2; exec sleep 60", NULL};
    Watch *wt = watch_new();
    gint64 t0 = g_get_monotonic_time();
    ck_assert(nv_vnc_connect_command(wt->vnc, silent, NULL));
    ck_assert(wait_for(wt, is_closed, (NV_VNC_OPEN_TIMEOUT_S + 3) * 1000));
    gint64 spent = g_get_monotonic_time() - t0;
    ck_assert_int_ge(spent, (NV_VNC_OPEN_TIMEOUT_S - 1) * G_USEC_PER_SEC);
    check_error(wt, "no answer from the vnc server within");
    check_error(wt, "connecting to far-host");
    ck_assert_int_lt(watch_free(wt), G_USEC_PER_SEC);

    /* Left while it waits: the tunnel is ended at once, not after the grace it gets when
     * its socket closes on its own. */
    wt = watch_new();
    ck_assert(nv_vnc_connect_command(wt->vnc, silent, NULL));
    g_usleep(200000);
    gint64 freed = watch_free(wt);
    ck_assert_msg(freed < G_USEC_PER_SEC / 5, "freeing took %" G_GINT64_FORMAT " us", freed);

    int port;
    int fd = listen_loopback(&port); /* the kernel completes the connect; nobody speaks */
    wt = watch_new();
    ck_assert(nv_vnc_connect_host(wt->vnc, "127.0.0.1", port, NULL));
    ck_assert(wait_for(wt, is_closed, (NV_VNC_OPEN_TIMEOUT_S + 3) * 1000));
    check_error(wt, "no answer from the vnc server within");
    watch_free(wt);
    close(fd);
}
END_TEST

START_TEST(test_misuse)
{
    /* Free without connecting; NULL. */
    nv_vnc_free(NULL);
    Watch *wt = watch_new();
    nv_vnc_send_key(wt->vnc, 'a', TRUE); /* not connected: dropped */
    watch_free(wt);

    /* Not a socket. */
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    close(p[1]);
    wt = watch_new();
    g_autoptr(GError) err = NULL;
    ck_assert(!nv_vnc_connect_fd(wt->vnc, p[0], &err));
    ck_assert_ptr_nonnull(err);
    watch_free(wt);

    /* Connecting twice. */
    Fake *f = fake_new(FAKE_GOOD);
    wt = watch_new();
    ck_assert(nv_vnc_connect_fd(wt->vnc, fake_start_pair(f), NULL));
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[1]);
    g_clear_error(&err);
    ck_assert(!nv_vnc_connect_fd(wt->vnc, sv[0], &err));
    ck_assert_ptr_nonnull(err);
    ck_assert(wait_for(wt, has_full_frame, 5000));
    watch_free(wt);
    fake_free(f);

    /* Freed right after connecting, before any callback could run. */
    f = fake_new(FAKE_GOOD);
    wt = watch_new();
    ck_assert(nv_vnc_connect_fd(wt->vnc, fake_start_pair(f), NULL));
    watch_free(wt);
    fake_free(f);
}
END_TEST

/* ---- png ------------------------------------------------------------------------- */

static uint32_t get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

START_TEST(test_png)
{
    /* 5x3, rows 24 bytes apart (4 bytes of padding), RGBX. */
    enum { W = 5, H = 3, STRIDE = 24 };
    uint8_t px[STRIDE * H];
    memset(px, 0xAA, sizeof(px));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *p = px + y * STRIDE + x * 4;
            p[0] = pat_r(x, y), p[1] = pat_g(x, y), p[2] = pat_b(x, y), p[3] = 0x55;
        }

    g_autofree char *dir = g_dir_make_tmp("nv-png-XXXXXX", NULL);
    ck_assert_ptr_nonnull(dir);
    g_autofree char *path = g_build_filename(dir, "shot.png", NULL);
    g_autoptr(GError) err = NULL;
    ck_assert_msg(nv_png_write(path, px, W, H, STRIDE, &err), "%s", err ? err->message : "");

    g_autofree uint8_t *data = NULL;
    gsize len = 0;
    ck_assert(g_file_get_contents(path, (char **)&data, &len, NULL));
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    ck_assert_uint_gt(len, 8);
    ck_assert_int_eq(memcmp(data, sig, 8), 0);

    /* Walk the chunks: every CRC right, IHDR first, IEND last, IDAT in between. */
    gsize at = 8;
    int seen = 0;
    GByteArray *idat = g_byte_array_new();
    gboolean ended = FALSE;
    while (at + 12 <= len && !ended) {
        uint32_t clen = get_be32(data + at);
        ck_assert_uint_le(at + 12 + clen, len);
        const uint8_t *type = data + at + 4, *body = data + at + 8;
        uint32_t crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), type, clen + 4);
        ck_assert_msg(crc == get_be32(body + clen), "bad CRC in chunk %.4s", type);
        if (seen == 0) {
            ck_assert_int_eq(memcmp(type, "IHDR", 4), 0);
            ck_assert_uint_eq(clen, 13);
            ck_assert_uint_eq(get_be32(body), W);
            ck_assert_uint_eq(get_be32(body + 4), H);
            ck_assert_uint_eq(body[8], 8);  /* bit depth */
            ck_assert_uint_eq(body[9], 2);  /* RGB */
            ck_assert_uint_eq(body[12], 0); /* no interlace */
        } else if (memcmp(type, "IDAT", 4) == 0) {
            g_byte_array_append(idat, body, clen);
        } else if (memcmp(type, "IEND", 4) == 0) {
            ck_assert_uint_eq(clen, 0);
            ended = TRUE;
        }
        seen++;
        at += 12 + clen;
    }
    ck_assert(ended);
    ck_assert_uint_eq(at, len);

    uint8_t raw[H * (1 + W * 3)];
    uLongf raw_len = sizeof(raw);
    ck_assert_int_eq(uncompress(raw, &raw_len, idat->data, idat->len), Z_OK);
    ck_assert_uint_eq(raw_len, sizeof(raw));
    for (int y = 0; y < H; y++) {
        const uint8_t *line = raw + y * (1 + W * 3);
        ck_assert_uint_eq(line[0], 0); /* filter: none */
        for (int x = 0; x < W; x++) {
            ck_assert_uint_eq(line[1 + x * 3], pat_r(x, y));
            ck_assert_uint_eq(line[2 + x * 3], pat_g(x, y));
            ck_assert_uint_eq(line[3 + x * 3], pat_b(x, y));
        }
    }
    g_byte_array_unref(idat);

    /* Errors: nonsense sizes, a short stride, an unwritable path. */
    ck_assert(!nv_png_write(path, px, 0, H, STRIDE, NULL));
    ck_assert(!nv_png_write(path, px, W, H, W * 4 - 1, NULL));
    ck_assert(!nv_png_write(path, NULL, W, H, STRIDE, NULL));
    g_autofree char *bad = g_build_filename(dir, "missing", "shot.png", NULL);
    g_clear_error(&err);
    ck_assert(!nv_png_write(bad, px, W, H, STRIDE, &err));
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err->message, "shot.png"));

    g_unlink(path);
    g_rmdir(dir);
}
END_TEST

START_TEST(test_png_large)
{
    /* A full-HD frame compresses and comes back the same. */
    int w = 1920, h = 1080;
    g_autofree uint8_t *px = g_malloc((size_t)w * h * 4);
    for (int i = 0; i < w * h * 4; i++)
        px[i] = (uint8_t)(i * 7 / 3);
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) png = nv_png_encode(px, w, h, w * 4, &err);
    ck_assert_ptr_nonnull(png);
    gsize len;
    const uint8_t *d = g_bytes_get_data(png, &len);
    ck_assert_uint_eq(get_be32(d + 16), (uint32_t)w);
    ck_assert_uint_eq(get_be32(d + 20), (uint32_t)h);
    uint32_t idat_len = get_be32(d + 33);
    ck_assert_int_eq(memcmp(d + 37, "IDAT", 4), 0);
    size_t raw_size = (size_t)h * (1 + (size_t)w * 3);
    g_autofree uint8_t *raw = g_malloc(raw_size);
    uLongf raw_len = raw_size;
    ck_assert_int_eq(uncompress(raw, &raw_len, d + 41, idat_len), Z_OK);
    ck_assert_uint_eq(raw_len, raw_size);
    ck_assert_uint_eq(raw[1 + 3 * 100 + 1], px[4 * 100 + 1]);
    ck_assert_uint_eq(raw[(1 + w * 3) * 7 + 1 + 3 * 5 + 2], px[(w * 7 + 5) * 4 + 2]);
}
END_TEST

static Suite *vnc_suite(void)
{
    Suite *s = suite_create("vnc");
    TCase *tc = tcase_create("session");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_good_server);
    tcase_add_test(tc, test_resize);
    tcase_add_test(tc, test_bad_rect);
    tcase_add_test(tc, test_bad_encoding);
    tcase_add_test(tc, test_bad_copyrect);
    tcase_add_test(tc, test_huge_resize);
    tcase_add_test(tc, test_huge_init);
    tcase_add_test(tc, test_garbage);
    tcase_add_test(tc, test_stall_update);
    tcase_add_test(tc, test_stall_handshake);
    tcase_add_test(tc, test_stall_password);
    tcase_add_test(tc, test_stall_write);
    tcase_add_test(tc, test_auth_wrong);
    tcase_add_test(tc, test_auth_right);
    tcase_add_test(tc, test_auth_preset_and_cancel);
    tcase_add_test(tc, test_clean_close);
    tcase_add_test(tc, test_connect_host);
    tcase_add_test(tc, test_connect_command);
    tcase_add_test(tc, test_open_timeout);
    tcase_add_test(tc, test_misuse);
    suite_add_tcase(s, tc);

    TCase *png = tcase_create("png");
    tcase_add_test(png, test_png);
    tcase_add_test(png, test_png_large);
    suite_add_tcase(s, png);
    return s;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--fake-server") == 0) {
        signal(SIGPIPE, SIG_IGN);
        Fake *f = fake_new(FAKE_GOOD);
        f->rfd = 0;
        f->wfd = 1;
        fake_serve(f);
        g_async_queue_unref(f->events);
        g_array_unref(f->encodings);
        g_free(f);
        return 0;
    }

    setlocale(LC_ALL, "");
    self_path = g_canonicalize_filename(argv[0], NULL);
    SRunner *sr = srunner_create(vnc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    g_free(self_path);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

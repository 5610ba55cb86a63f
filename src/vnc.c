/* A VNC client session: libvncclient, which blocks, runs on a thread of its own; the main loop
 * only takes a lock to read the framebuffer and is told about changes through an idle source.
 *
 * Why the thread looks the way it does:
 * - libvncclient reads with blocking read(): to stop a thread stuck in the middle of a message
 *   we shut the socket down, which makes that read return 0.
 * - It is not safe for concurrent writes, so input is queued and written by the thread.
 * - It decodes into its own buffer, which a stalled server can leave half-written at any time;
 *   finished rectangles are copied to a second, shared buffer under a short lock, so the main
 *   thread never waits on the network to read pixels.
 * - It requests the next incremental update itself after every update; we pace the session by
 *   not reading the next message until the main loop has taken the last notification. */
#include "vnc.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rfb/rfbclient.h>

#include "error.h"
#include "i18n.h"
#include "text.h"

/* Input waiting to be written: beyond this the server has stopped reading and we drop. */
#define EVENT_QUEUE_MAX 4096
/* How much of a spawned command's stderr we keep for the error message. */
#define COMMAND_TAIL_MAX 512
/* How long a spawned command gets to exit after its socket closed, before SIGTERM, then
 * SIGKILL (microseconds). */
#define COMMAND_GRACE_US (300 * 1000)
/* The connect timeout of nv_vnc_connect_host, in seconds: inside the open's deadline. */
#define CONNECT_TIMEOUT_S (NV_VNC_OPEN_TIMEOUT_S - 1)

typedef struct {
    gboolean pointer;
    gboolean down;
    uint32_t keysym;
    int x, y, mask;
} NvVncEvent;

struct NvVnc {
    /* Main thread only. */
    NvVncCallbacks cb;
    gpointer cb_data;
    GMainContext *context;
    int refs; /* the owner's, plus one while a notification is being delivered */
    gboolean freed;
    gboolean started;
    GThread *thread;
    int wake_fd; /* eventfd: input queued, a notification consumed, or stop */

    /* Set up before the thread starts, then the thread's own. */
    rfbClient *client;
    char *host;
    int port;
    GCancellable *cancel;
    gint64 deadline; /* monotonic time by which the server must have said something */
    GPid pid;
    int err_fd; /* read end of the spawned command's stderr, or -1 */
    GString *err_tail;
    char *command_name;
    GError *fb_error;        /* a framebuffer size we refused */
    char *proto_error;       /* a rectangle our own drawing callbacks refused */
    gboolean asked_password; /* the handshake reached VNC authentication */
    gboolean password_refused;

    /* Shared between the threads, under lock. */
    GMutex lock;
    GCond cond; /* a password arrived, or stop */
    gboolean stop;
    int sock; /* -1 until connected and after the thread closed it */
    gboolean running;
    GArray *events; /* NvVncEvent */
    char *password;
    gboolean password_set;
    char *desktop_name;
    uint8_t *frame;
    int frame_w, frame_h;
    gboolean damaged;
    int dx0, dy0, dx1, dy1;
    gboolean resized;
    gboolean want_password;
    gboolean closed;
    GError *close_error;
    GSource *notify; /* the pending notification, if any */
};

/* ---- libvncclient's log -------------------------------------------------------------- */

/* libvncclient reports why a call failed only through its log, a process-wide function
 * pointer: each session thread keeps the last line for itself. */
static _Thread_local char log_last[256];
static _Thread_local gboolean log_io_failed, log_write_failed;

static void log_reset(void)
{
    log_last[0] = '\0';
    log_io_failed = log_write_failed = FALSE;
}

G_GNUC_PRINTF(1, 2) static void vnc_log(const char *format, ...)
{
    /* The formats of ReadFromRFBServer/WriteToRFBServer when the stream itself failed: they
     * tell a lost connection from a malformed message. */
    if (g_str_has_prefix(format, "read (") ||
        g_str_has_prefix(format, "VNC server closed connection"))
        log_io_failed = TRUE;
    if (g_str_has_prefix(format, "write")) {
        log_io_failed = TRUE;
        log_write_failed = TRUE;
    }

    va_list ap;
    va_start(ap, format);
    g_vsnprintf(log_last, sizeof(log_last), format, ap);
    va_end(ap);
}

static void vnc_log_init(void)
{
    static gsize done;
    if (g_once_init_enter(&done)) {
        /* Its default printers write to stderr, under the curses screen. */
        rfbClientLog = vnc_log;
        rfbClientErr = vnc_log;
        g_once_init_leave(&done, 1);
    }
}

/* The last log line, as a sanitised detail for an error message. */
static char *log_detail(void)
{
    g_autofree char *line = g_strstrip(g_strdup(log_last));
    if (*line == '\0')
        return g_strdup(_("no details"));
    return nv_text_sanitize(line);
}

/* ---- notifications to the main loop -------------------------------------------------- */

static void vnc_release(NvVnc *vnc);

static void wake(NvVnc *vnc)
{
    uint64_t one = 1;
    /* A full counter already means "wake up"; nothing else can fail here. */
    if (write(vnc->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        g_debug("vnc: cannot wake the session thread: %s", g_strerror(errno));
}

static gboolean notify_dispatch(gpointer data)
{
    NvVnc *vnc = data;

    g_mutex_lock(&vnc->lock);
    gboolean resized = vnc->resized, damaged = vnc->damaged, ask = vnc->want_password;
    int w = vnc->frame_w, h = vnc->frame_h;
    int x = vnc->dx0, y = vnc->dy0, dw = vnc->dx1 - vnc->dx0, dh = vnc->dy1 - vnc->dy0;
    gboolean closed = vnc->closed;
    GError *why = g_steal_pointer(&vnc->close_error);
    vnc->resized = vnc->damaged = vnc->want_password = vnc->closed = FALSE;
    g_clear_pointer(&vnc->notify, g_source_unref);
    g_mutex_unlock(&vnc->lock);

    /* A callback may free the session: it stays allocated until we are done here. */
    vnc->refs++;
    if (resized && !vnc->freed && vnc->cb.resized != NULL)
        vnc->cb.resized(vnc, w, h, vnc->cb_data);
    if (damaged && !vnc->freed && vnc->cb.frame_changed != NULL)
        vnc->cb.frame_changed(vnc, x, y, dw, dh, vnc->cb_data);
    if (ask && !vnc->freed && vnc->cb.need_password != NULL)
        vnc->cb.need_password(vnc, vnc->cb_data);
    if (closed && !vnc->freed && vnc->cb.closed != NULL)
        vnc->cb.closed(vnc, why, vnc->cb_data);
    g_clear_error(&why);
    /* Consumed: the thread may read the next message. */
    if (!vnc->freed)
        wake(vnc);
    vnc_release(vnc);
    return G_SOURCE_REMOVE;
}

/* Called with the lock held, from the session thread. */
static void notify_locked(NvVnc *vnc)
{
    if (vnc->notify != NULL || vnc->stop)
        return;
    vnc->notify = g_idle_source_new();
    g_source_set_priority(vnc->notify, G_PRIORITY_DEFAULT);
    g_source_set_callback(vnc->notify, notify_dispatch, vnc, NULL);
    g_source_set_name(vnc->notify, "nv-vnc-notify");
    g_source_attach(vnc->notify, vnc->context);
}

/* ---- libvncclient callbacks (session thread) ------------------------------------------- */

static int client_tag;

static NvVnc *client_vnc(rfbClient *c)
{
    return rfbClientGetClientData(c, &client_tag);
}

static rfbBool on_malloc_framebuffer(rfbClient *c)
{
    NvVnc *vnc = client_vnc(c);
    int w = c->width, h = c->height;

    free(c->frameBuffer);
    c->frameBuffer = NULL;
    if (w <= 0 || h <= 0 || w > NV_VNC_MAX_SIZE || h > NV_VNC_MAX_SIZE) {
        g_clear_error(&vnc->fb_error);
        g_set_error(&vnc->fb_error, NV_ERROR, NV_ERROR_INVALID,
                    _("the VNC server asked for a %d×%d display; the limit is %d×%d"), w, h,
                    NV_VNC_MAX_SIZE, NV_VNC_MAX_SIZE);
        return FALSE;
    }

    size_t size = (size_t)w * (size_t)h * 4;
    uint8_t *shared = g_try_malloc0(size);
    c->frameBuffer = calloc(1, size);
    if (shared == NULL || c->frameBuffer == NULL) {
        g_free(shared);
        free(c->frameBuffer);
        c->frameBuffer = NULL;
        g_clear_error(&vnc->fb_error);
        g_set_error(&vnc->fb_error, NV_ERROR, NV_ERROR_FAILED,
                    _("not enough memory for a %d×%d VNC display"), w, h);
        return FALSE;
    }

    g_mutex_lock(&vnc->lock);
    g_free(vnc->frame);
    vnc->frame = shared;
    vnc->frame_w = w;
    vnc->frame_h = h;
    vnc->resized = TRUE;
    vnc->damaged = FALSE;
    g_mutex_unlock(&vnc->lock);
    return TRUE;
}

/* Our own bounds check on every rectangle the decoders draw, whatever libvncclient checked. */
static gboolean rect_inside(rfbClient *c, int x, int y, int w, int h)
{
    return c->frameBuffer != NULL && x >= 0 && y >= 0 && w >= 0 && h >= 0 && x <= c->width &&
           y <= c->height && w <= c->width - x && h <= c->height - y;
}

static void refuse_rect(rfbClient *c, const char *what, int x, int y, int w, int h)
{
    NvVnc *vnc = client_vnc(c);
    if (vnc->proto_error == NULL)
        vnc->proto_error = g_strdup_printf("%s %dx%d at (%d, %d) outside the %dx%d display", what,
                                           w, h, x, y, c->width, c->height);
}

static void on_fill_rect(rfbClient *c, int x, int y, int w, int h, uint32_t colour)
{
    if (!rect_inside(c, x, y, w, h)) {
        refuse_rect(c, "fill", x, y, w, h);
        return;
    }
    for (int j = 0; j < h; j++) {
        uint32_t *row = (uint32_t *)c->frameBuffer + (size_t)(y + j) * c->width + x;
        for (int i = 0; i < w; i++)
            row[i] = colour;
    }
}

static void on_bitmap(rfbClient *c, const uint8_t *buffer, int x, int y, int w, int h)
{
    if (!rect_inside(c, x, y, w, h)) {
        refuse_rect(c, "bitmap", x, y, w, h);
        return;
    }
    size_t row_bytes = (size_t)w * 4;
    for (int j = 0; j < h; j++)
        memcpy(c->frameBuffer + ((size_t)(y + j) * c->width + x) * 4, buffer + j * row_bytes,
               row_bytes);
}

static void on_copy_rect(rfbClient *c, int sx, int sy, int w, int h, int dx, int dy)
{
    if (!rect_inside(c, sx, sy, w, h) || !rect_inside(c, dx, dy, w, h)) {
        refuse_rect(c, "copy", sx, sy, w, h);
        return;
    }
    size_t stride = (size_t)c->width * 4, row_bytes = (size_t)w * 4;
    /* Overlapping rows: walk away from the destination. */
    for (int k = 0; k < h; k++) {
        int j = dy > sy ? h - 1 - k : k;
        memmove(c->frameBuffer + (size_t)(dy + j) * stride + (size_t)dx * 4,
                c->frameBuffer + (size_t)(sy + j) * stride + (size_t)sx * 4, row_bytes);
    }
}

/* A rectangle is decoded: copy it to the shared frame and grow the damage. */
static void on_update(rfbClient *c, int x, int y, int w, int h)
{
    NvVnc *vnc = client_vnc(c);
    int x0 = CLAMP(x, 0, c->width), y0 = CLAMP(y, 0, c->height);
    int x1 = CLAMP(x + w, x0, c->width), y1 = CLAMP(y + h, y0, c->height);
    if (x1 <= x0 || y1 <= y0 || c->frameBuffer == NULL)
        return;

    g_mutex_lock(&vnc->lock);
    if (vnc->frame != NULL && vnc->frame_w == c->width && vnc->frame_h == c->height) {
        size_t stride = (size_t)c->width * 4;
        for (int j = y0; j < y1; j++)
            memcpy(vnc->frame + j * stride + (size_t)x0 * 4,
                   c->frameBuffer + j * stride + (size_t)x0 * 4, (size_t)(x1 - x0) * 4);
        if (!vnc->damaged) {
            vnc->dx0 = x0, vnc->dy0 = y0, vnc->dx1 = x1, vnc->dy1 = y1;
            vnc->damaged = TRUE;
        } else {
            vnc->dx0 = MIN(vnc->dx0, x0), vnc->dy0 = MIN(vnc->dy0, y0);
            vnc->dx1 = MAX(vnc->dx1, x1), vnc->dy1 = MAX(vnc->dy1, y1);
        }
    }
    g_mutex_unlock(&vnc->lock);
}

static void wipe_string(char **s)
{
    if (*s == NULL)
        return;
    explicit_bzero(*s, strlen(*s));
    g_clear_pointer(s, g_free);
}

/* Blocks the session thread until the main loop answers (or the session stops). */
static char *on_get_password(rfbClient *c)
{
    NvVnc *vnc = client_vnc(c);
    char *answer = NULL;

    vnc->asked_password = TRUE;
    g_mutex_lock(&vnc->lock);
    if (!vnc->password_set) {
        vnc->want_password = TRUE;
        notify_locked(vnc);
    }
    while (!vnc->password_set && !vnc->stop)
        g_cond_wait(&vnc->cond, &vnc->lock);
    /* libvncclient wipes and free()s what we return. */
    if (!vnc->stop && vnc->password != NULL)
        answer = strdup(vnc->password);
    wipe_string(&vnc->password);
    vnc->password_set = FALSE;
    g_mutex_unlock(&vnc->lock);

    if (answer == NULL)
        vnc->password_refused = TRUE;
    return answer;
}

/* ---- the session thread --------------------------------------------------------------- */

static void block_signals(void)
{
    /* Signals belong to the main thread (SIGWINCH would interrupt our reads), and SIGPIPE from
     * writing to a closed socket must become EPIPE here rather than end the program. */
    sigset_t set;
    sigfillset(&set);
    sigdelset(&set, SIGSEGV);
    sigdelset(&set, SIGBUS);
    sigdelset(&set, SIGFPE);
    sigdelset(&set, SIGILL);
    sigdelset(&set, SIGABRT);
    sigdelset(&set, SIGTRAP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static gboolean prepare_socket(int fd, GError **err)
{
    int type = 0;
    socklen_t len = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    _("cannot use descriptor %d for VNC: not a stream socket"), fd);
        return FALSE;
    }
    /* libvncclient expects blocking reads; a non-blocking socket would make it spin. */
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot set up the VNC socket: %s"),
                    g_strerror(errno));
        return FALSE;
    }
    /* Keys and pointer moves are small writes that must not wait for more (fails harmlessly
     * on Unix sockets). */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    /* A host that vanishes sends no FIN: keepalive turns the silence into an error within
     * about a minute instead of a session that waits forever. */
    int idle = 30, interval = 10, count = 3;
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
    return TRUE;
}

/* Publishes the connected socket so nv_vnc_free can shut it down; FALSE if stopping. */
static gboolean publish_socket(NvVnc *vnc, int fd)
{
    g_mutex_lock(&vnc->lock);
    gboolean stop = vnc->stop;
    if (!stop)
        vnc->sock = fd;
    g_mutex_unlock(&vnc->lock);
    if (stop)
        close(fd);
    else
        vnc->client->sock = fd;
    return !stop;
}

static void on_connected(GObject *source, GAsyncResult *res, gpointer data)
{
    GAsyncResult **out = data;
    *out = g_object_ref(res);
}

/* Asynchronous under a private context, so that nv_vnc_free's cancel also interrupts a slow
 * name lookup (the synchronous resolver cannot be cancelled). */
static gboolean session_connect_host(NvVnc *vnc, GError **err)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_main_context_push_thread_default(ctx);

    g_autoptr(GSocketClient) sc = g_socket_client_new();
    g_socket_client_set_timeout(sc, CONNECT_TIMEOUT_S);
    /* Straight to the host: a desktop's HTTP proxy settings are not meant for VNC. */
    g_socket_client_set_enable_proxy(sc, FALSE);
    g_autoptr(GSocketConnectable) addr = g_network_address_new(vnc->host, (guint16)vnc->port);
    g_autoptr(GAsyncResult) res = NULL;
    g_socket_client_connect_async(sc, addr, vnc->cancel, on_connected, &res);
    while (res == NULL)
        g_main_context_iteration(ctx, TRUE);

    g_autoptr(GError) local = NULL;
    g_autoptr(GSocketConnection) conn = g_socket_client_connect_finish(sc, res, &local);
    g_main_context_pop_thread_default(ctx);

    g_autofree char *shown = nv_text_sanitize(vnc->host);
    if (conn == NULL) {
        g_set_error(err, NV_ERROR, NV_ERROR_DISCONNECTED,
                    _("cannot connect to the VNC server at %s:%d: %s"), shown, vnc->port,
                    local->message);
        return FALSE;
    }
    /* Our own descriptor: the connection closes its own when unreferenced. */
    int fd = fcntl(g_socket_get_fd(g_socket_connection_get_socket(conn)), F_DUPFD_CLOEXEC, 3);
    if (fd < 0) {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED,
                    _("cannot connect to the VNC server at %s:%d: %s"), shown, vnc->port,
                    g_strerror(errno));
        return FALSE;
    }
    if (!prepare_socket(fd, err)) {
        close(fd);
        return FALSE;
    }
    return publish_socket(vnc, fd);
}

/* The detail of an I/O failure, or NULL when it only says the server closed the stream. */
static char *io_detail(void)
{
    if (g_str_has_prefix(log_last, "VNC server closed connection"))
        return NULL;
    return log_detail();
}

static GError *handshake_error(NvVnc *vnc)
{
    g_autofree char *detail = log_detail();
    if (vnc->fb_error != NULL)
        return g_error_copy(vnc->fb_error);
    if (vnc->password_refused)
        return g_error_new(NV_ERROR, NV_ERROR_INVALID, _("VNC authentication cancelled"));
    if (vnc->asked_password) {
        /* libvncclient's wording around the server's reason adds nothing here. */
        const char *reason = detail;
        if (g_str_has_prefix(reason, "VNC connection failed: "))
            reason += strlen("VNC connection failed: ");
        return g_error_new(NV_ERROR, NV_ERROR_INVALID, _("VNC authentication failed: %s"), reason);
    }
    if (log_io_failed) {
        g_autofree char *io = io_detail();
        if (io == NULL)
            return g_error_new(NV_ERROR, NV_ERROR_DISCONNECTED,
                               _("the VNC server closed the connection during the handshake"));
        return g_error_new(NV_ERROR, NV_ERROR_DISCONNECTED,
                           _("the VNC server closed the connection during the handshake (%s)"), io);
    }
    return g_error_new(NV_ERROR, NV_ERROR_FAILED, _("VNC handshake failed: %s"), detail);
}

static GError *lost_error(void)
{
    g_autofree char *detail = io_detail();
    if (detail == NULL)
        return g_error_new(NV_ERROR, NV_ERROR_DISCONNECTED, _("connection to the VNC server lost"));
    return g_error_new(NV_ERROR, NV_ERROR_DISCONNECTED, _("connection to the VNC server lost (%s)"),
                       detail);
}

static gboolean session_handshake(NvVnc *vnc, GError **err)
{
    rfbClient *c = vnc->client;

    log_reset();
    gboolean ok = InitialiseRFBConnection(c) ? TRUE : FALSE; /* rfbBool is a signed char */
    g_mutex_lock(&vnc->lock);
    /* Whatever happened, the password is not needed any more. */
    wipe_string(&vnc->password);
    vnc->password_set = FALSE;
    vnc->want_password = FALSE;
    g_mutex_unlock(&vnc->lock);
    if (!ok) {
        g_propagate_error(err, handshake_error(vnc));
        return FALSE;
    }

    g_autofree char *name = nv_text_sanitize(c->desktopName);
    g_mutex_lock(&vnc->lock);
    g_free(vnc->desktop_name);
    vnc->desktop_name = g_steal_pointer(&name);
    g_mutex_unlock(&vnc->lock);

    c->width = c->si.framebufferWidth;
    c->height = c->si.framebufferHeight;
    if (!c->MallocFrameBuffer(c)) {
        g_propagate_error(err, g_error_copy(vnc->fb_error));
        return FALSE;
    }
    c->updateRect.x = c->updateRect.y = 0;
    c->updateRect.w = c->width;
    c->updateRect.h = c->height;
    if (!SetFormatAndEncodings(c) ||
        !SendFramebufferUpdateRequest(c, 0, 0, c->width, c->height, FALSE)) {
        g_propagate_error(err, lost_error());
        return FALSE;
    }

    g_mutex_lock(&vnc->lock);
    vnc->running = TRUE;
    notify_locked(vnc); /* the first resized */
    g_mutex_unlock(&vnc->lock);
    return TRUE;
}

static void drain_wake(NvVnc *vnc)
{
    uint64_t n;
    while (read(vnc->wake_fd, &n, sizeof(n)) > 0)
        ;
}

/* Keeps the last COMMAND_TAIL_MAX bytes; FALSE at end of file. */
static gboolean drain_stderr(NvVnc *vnc)
{
    char buf[1024];
    for (;;) {
        ssize_t n = read(vnc->err_fd, buf, sizeof(buf));
        if (n == 0)
            return FALSE;
        if (n < 0)
            return errno == EAGAIN || errno == EINTR;
        g_string_append_len(vnc->err_tail, buf, n);
        if (vnc->err_tail->len > COMMAND_TAIL_MAX)
            g_string_erase(vnc->err_tail, 0, vnc->err_tail->len - COMMAND_TAIL_MAX);
    }
}

static gboolean send_events(rfbClient *c, GArray *events)
{
    for (guint i = 0; i < events->len; i++) {
        const NvVncEvent *e = &g_array_index(events, NvVncEvent, i);
        rfbBool ok;
        if (e->pointer)
            ok = SendPointerEvent(c, CLAMP(e->x, 0, MAX(c->width - 1, 0)),
                                  CLAMP(e->y, 0, MAX(c->height - 1, 0)), e->mask & 0xff);
        else
            ok = SendKeyEvent(c, e->keysym, e->down ? TRUE : FALSE);
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

/* TRUE when nothing is left to read and nothing more will come: the server closed the stream
 * between two messages. A server that closes while our last request is unread (there always is
 * one) makes the kernel reset the connection rather than end it: that is the same close. */
static gboolean at_stream_end(int fd)
{
    char b;
    ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE));
}

/* After a failed call: a server that sent its last message and closed makes our next write
 * fail (the incremental request libvncclient sends after each update, or a key). That is its
 * clean close if every byte it sent was read. */
static gboolean closed_by_server(rfbClient *c)
{
    return log_write_failed && c->buffered == 0 && at_stream_end(c->sock);
}

typedef enum { STEP_OK, STEP_END, STEP_ERROR } NvVncStep;

static NvVncStep handle_message(NvVnc *vnc, GError **err)
{
    rfbClient *c = vnc->client;

    log_reset();
    gboolean ok = HandleRFBServerMessage(c) && vnc->proto_error == NULL;

    g_mutex_lock(&vnc->lock);
    if (vnc->damaged || vnc->resized)
        notify_locked(vnc);
    g_mutex_unlock(&vnc->lock);
    if (ok)
        return STEP_OK;

    if (vnc->fb_error != NULL) {
        g_propagate_error(err, g_error_copy(vnc->fb_error));
    } else if (vnc->proto_error != NULL) {
        g_autofree char *detail = nv_text_sanitize(vnc->proto_error);
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED,
                    _("the VNC server sent a malformed update (%s)"), detail);
    } else if (closed_by_server(c)) {
        return STEP_END;
    } else if (log_io_failed) {
        g_propagate_error(err, lost_error());
    } else {
        g_autofree char *detail = log_detail();
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED,
                    _("the VNC server sent a malformed update (%s)"), detail);
    }
    return STEP_ERROR;
}

/* Waits for the server's first bytes (its RFB greeting) until the session's deadline, so that
 * an ssh that hangs or a server that never speaks fails with a reason instead of leaving
 * "connecting…" on screen; a tunnel that ends first fails at once (its stderr is added later).
 * Also keeps reading the command's stderr, so a verbose ssh never blocks on a full pipe. */
static gboolean wait_first_bytes(NvVnc *vnc, GError **err)
{
    for (;;) {
        g_mutex_lock(&vnc->lock);
        gboolean stop = vnc->stop;
        g_mutex_unlock(&vnc->lock);
        gint64 left = vnc->deadline - g_get_monotonic_time();
        if (stop || left <= 0)
            break;
        struct pollfd pfd[3] = {
            {.fd = vnc->client->sock, .events = POLLIN},
            {.fd = vnc->wake_fd, .events = POLLIN},
            {.fd = vnc->err_fd, .events = POLLIN},
        };
        if (poll(pfd, G_N_ELEMENTS(pfd), (int)MIN(left / 1000 + 1, G_MAXINT)) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents != 0)
            drain_wake(vnc);
        if (pfd[2].revents != 0 && !drain_stderr(vnc)) {
            close(vnc->err_fd);
            vnc->err_fd = -1;
        }
        if (pfd[0].revents == 0)
            continue;
        if (!at_stream_end(vnc->client->sock))
            return TRUE;
        if (vnc->command_name != NULL)
            g_set_error(err, NV_ERROR, NV_ERROR_DISCONNECTED,
                        _("the tunnel ended before the VNC server answered"));
        else
            g_set_error(err, NV_ERROR, NV_ERROR_DISCONNECTED,
                        _("the VNC server closed the connection before its greeting"));
        return FALSE;
    }
    g_set_error(err, NV_ERROR, NV_ERROR_DISCONNECTED,
                _("no answer from the VNC server within %d s"), NV_VNC_OPEN_TIMEOUT_S);
    return FALSE;
}

/* Returns TRUE at a clean end (server closed between messages, or we are stopping). */
static gboolean session_run(NvVnc *vnc, GError **err)
{
    rfbClient *c = vnc->client;

    for (;;) {
        g_autoptr(GArray) events = NULL;
        g_mutex_lock(&vnc->lock);
        gboolean stop = vnc->stop, paused = vnc->notify != NULL;
        if (vnc->events->len > 0) {
            events = vnc->events;
            vnc->events = g_array_new(FALSE, FALSE, sizeof(NvVncEvent));
        }
        g_mutex_unlock(&vnc->lock);
        if (stop)
            return TRUE;

        log_reset();
        if (events != NULL && !send_events(c, events)) {
            if (closed_by_server(c))
                return TRUE;
            g_propagate_error(err, lost_error());
            return FALSE;
        }
        /* libvncclient may hold the next message in its buffer already; poll cannot see it. */
        if (!paused && c->buffered > 0) {
            NvVncStep step = handle_message(vnc, err);
            if (step != STEP_OK)
                return step == STEP_END;
            continue;
        }

        struct pollfd pfd[3] = {
            {.fd = paused ? -1 : c->sock, .events = POLLIN},
            {.fd = vnc->wake_fd, .events = POLLIN},
            {.fd = vnc->err_fd, .events = POLLIN},
        };
        if (poll(pfd, G_N_ELEMENTS(pfd), -1) < 0) {
            if (errno == EINTR)
                continue;
            g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("VNC session failed: %s"),
                        g_strerror(errno));
            return FALSE;
        }
        if (pfd[1].revents != 0)
            drain_wake(vnc);
        if (pfd[2].revents != 0 && !drain_stderr(vnc)) {
            close(vnc->err_fd);
            vnc->err_fd = -1;
        }
        if (pfd[0].revents != 0) {
            if (at_stream_end(c->sock))
                return TRUE;
            NvVncStep step = handle_message(vnc, err);
            if (step != STEP_OK)
                return step == STEP_END;
        }
    }
}

/* Waits for the spawned command, hurrying it along: its socket is closed by now, which ends
 * `ssh -W` on its own; one that lingers gets SIGTERM, then SIGKILL. */
static void reap_command(NvVnc *vnc)
{
    if (vnc->pid <= 0)
        return;
    gint64 start = g_get_monotonic_time(), termed = 0;
    for (;;) {
        pid_t r = waitpid(vnc->pid, NULL, WNOHANG);
        if (r == vnc->pid || (r < 0 && errno != EINTR))
            break;
        gint64 now = g_get_monotonic_time();
        g_mutex_lock(&vnc->lock);
        gboolean stop = vnc->stop;
        g_mutex_unlock(&vnc->lock);
        if (termed == 0 && (stop || now - start > COMMAND_GRACE_US)) {
            kill(vnc->pid, SIGTERM);
            termed = now;
        } else if (termed != 0 && now - termed > COMMAND_GRACE_US) {
            kill(vnc->pid, SIGKILL);
            while (waitpid(vnc->pid, NULL, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        g_usleep(5000);
    }
    vnc->pid = 0;
}

static void session_teardown(NvVnc *vnc)
{
    rfbClient *c = vnc->client;

    g_mutex_lock(&vnc->lock);
    int fd = vnc->sock;
    vnc->sock = -1;
    vnc->running = FALSE;
    g_array_set_size(vnc->events, 0);
    g_mutex_unlock(&vnc->lock);
    if (fd >= 0)
        close(fd);

    if (c != NULL) {
        c->sock = RFB_INVALID_SOCKET;
        /* rfbClientCleanup leaves the buffers it did not allocate through its own code. */
        free(c->frameBuffer);
        c->frameBuffer = NULL;
        free(c->rcSource);
        c->rcSource = NULL;
        free(c->rcMask);
        c->rcMask = NULL;
        rfbClientCleanup(c);
        vnc->client = NULL;
    }

    reap_command(vnc);
    if (vnc->err_fd >= 0) {
        drain_stderr(vnc);
        close(vnc->err_fd);
        vnc->err_fd = -1;
    }
}

/* Adds what the spawned command said on stderr (ssh's reason, usually). */
static void add_command_output(NvVnc *vnc, GError *e)
{
    if (e == NULL || vnc->err_tail == NULL)
        return;
    g_strdelimit(vnc->err_tail->str, "\r\n\t", ' ');
    g_autofree char *tail = g_strstrip(g_strdup(vnc->err_tail->str));
    if (*tail == '\0')
        return;
    g_autofree char *shown = nv_text_sanitize(tail);
    g_autofree char *name = nv_text_sanitize(vnc->command_name);
    char *msg = g_strdup_printf(_("%s (%s said: %s)"), e->message, name, shown);
    g_free(e->message);
    e->message = msg;
}

static gpointer session_thread(gpointer data)
{
    NvVnc *vnc = data;
    GError *err = NULL;

    block_signals();
    gboolean connected = vnc->host == NULL || session_connect_host(vnc, &err);
    gboolean clean = connected && wait_first_bytes(vnc, &err) && session_handshake(vnc, &err) &&
                     session_run(vnc, &err);
    session_teardown(vnc);
    if (!clean)
        add_command_output(vnc, err);

    g_mutex_lock(&vnc->lock);
    if (!vnc->stop) {
        vnc->closed = TRUE;
        vnc->close_error = g_steal_pointer(&err);
        notify_locked(vnc);
    }
    g_mutex_unlock(&vnc->lock);
    g_clear_error(&err);
    return NULL;
}

/* ---- public API (main thread) --------------------------------------------------------- */

NvVnc *nv_vnc_new(void)
{
    vnc_log_init();

    NvVnc *vnc = g_new0(NvVnc, 1);
    vnc->refs = 1;
    vnc->context = g_main_context_ref_thread_default();
    vnc->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    vnc->sock = -1;
    vnc->err_fd = -1;
    vnc->events = g_array_new(FALSE, FALSE, sizeof(NvVncEvent));
    g_mutex_init(&vnc->lock);
    g_cond_init(&vnc->cond);
    return vnc;
}

void nv_vnc_set_callbacks(NvVnc *vnc, const NvVncCallbacks *cb, gpointer data)
{
    g_return_if_fail(vnc != NULL);
    if (cb != NULL)
        vnc->cb = *cb;
    else
        memset(&vnc->cb, 0, sizeof(vnc->cb));
    vnc->cb_data = data;
}

static void vnc_release(NvVnc *vnc)
{
    if (--vnc->refs > 0)
        return;
    if (vnc->wake_fd >= 0)
        close(vnc->wake_fd);
    if (vnc->err_fd >= 0)
        close(vnc->err_fd);
    g_clear_pointer(&vnc->events, g_array_unref);
    wipe_string(&vnc->password);
    g_free(vnc->desktop_name);
    g_free(vnc->frame);
    g_free(vnc->host);
    g_free(vnc->command_name);
    g_free(vnc->proto_error);
    if (vnc->err_tail != NULL)
        g_string_free(vnc->err_tail, TRUE);
    g_clear_error(&vnc->fb_error);
    g_clear_error(&vnc->close_error);
    g_clear_object(&vnc->cancel);
    g_main_context_unref(vnc->context);
    g_mutex_clear(&vnc->lock);
    g_cond_clear(&vnc->cond);
    g_free(vnc);
}

void nv_vnc_free(NvVnc *vnc)
{
    if (vnc == NULL)
        return;
    g_return_if_fail(!vnc->freed);
    vnc->freed = TRUE;

    g_mutex_lock(&vnc->lock);
    vnc->stop = TRUE;
    /* Unblocks a read or write in the middle of a message; closing is the thread's job. */
    if (vnc->sock >= 0)
        shutdown(vnc->sock, SHUT_RDWR);
    g_cond_broadcast(&vnc->cond);
    g_mutex_unlock(&vnc->lock);
    if (vnc->cancel != NULL)
        g_cancellable_cancel(vnc->cancel);
    wake(vnc);

    if (vnc->thread != NULL)
        g_thread_join(vnc->thread);
    vnc->thread = NULL;
    /* Nothing is delivered after free, even what the thread posted before it stopped. */
    if (vnc->notify != NULL) {
        g_source_destroy(vnc->notify);
        g_clear_pointer(&vnc->notify, g_source_unref);
    }
    vnc_release(vnc);
}

static rfbClient *new_client(NvVnc *vnc)
{
    /* 8 bits per sample, 3 samples, 4 bytes per pixel: R, G, B, unused in memory order. */
    rfbClient *c = rfbGetClient(8, 3, 4);
    if (c == NULL)
        return NULL;
    rfbClientSetClientData(c, &client_tag, vnc);
    c->programName = "ncvirt";
    c->appData.shareDesktop = TRUE; /* do not disconnect other viewers */
    c->appData.encodingsString = "copyrect tight zrle hextile raw";
    c->appData.useRemoteCursor = FALSE; /* the server draws the pointer into the frame */
    c->canHandleNewFBSize = TRUE;
    c->MallocFrameBuffer = on_malloc_framebuffer;
    c->GotFrameBufferUpdate = on_update;
    c->GotFillRect = on_fill_rect;
    c->GotBitmap = on_bitmap;
    c->GotCopyRect = on_copy_rect;
    c->GetPassword = on_get_password;
    c->GotXCutText = NULL;
    return c;
}

/* Hands `fd` (or, with -1, the connect) to a new session thread; on failure, releases the
 * descriptor and any spawned command. */
static gboolean start_session(NvVnc *vnc, int fd, GError **err)
{
    vnc->deadline = g_get_monotonic_time() + NV_VNC_OPEN_TIMEOUT_S * G_USEC_PER_SEC;
    vnc->client = new_client(vnc);
    if (vnc->client != NULL) {
        vnc->client->sock = fd >= 0 ? fd : RFB_INVALID_SOCKET;
        vnc->sock = fd;
        vnc->thread = g_thread_try_new("nv-vnc", session_thread, vnc, err);
        if (vnc->thread != NULL)
            return TRUE;
        vnc->client->sock = RFB_INVALID_SOCKET;
        rfbClientCleanup(vnc->client);
        vnc->client = NULL;
    } else {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot create a VNC client"));
    }
    vnc->sock = -1;
    if (fd >= 0)
        close(fd);
    reap_command(vnc);
    return FALSE;
}

static gboolean check_unused(NvVnc *vnc, GError **err)
{
    if (vnc->started) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("this VNC session is already connected"));
        return FALSE;
    }
    if (vnc->wake_fd < 0) {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot start a VNC session: %s"),
                    g_strerror(EMFILE));
        return FALSE;
    }
    vnc->started = TRUE;
    return TRUE;
}

gboolean nv_vnc_connect_fd(NvVnc *vnc, int fd, GError **err)
{
    g_return_val_if_fail(vnc != NULL, FALSE);
    if (!check_unused(vnc, err)) {
        if (fd >= 0)
            close(fd);
        return FALSE;
    }
    if (fd < 0) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("no VNC socket to connect to"));
        return FALSE;
    }
    if (!prepare_socket(fd, err)) {
        close(fd);
        return FALSE;
    }
    return start_session(vnc, fd, err);
}

gboolean nv_vnc_connect_host(NvVnc *vnc, const char *host, int port, GError **err)
{
    g_return_val_if_fail(vnc != NULL, FALSE);
    if (!check_unused(vnc, err))
        return FALSE;
    if (host == NULL || *host == '\0' || port <= 0 || port > 65535) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("invalid VNC address %s:%d"),
                    host != NULL ? host : "", port);
        return FALSE;
    }
    vnc->host = g_strdup(host);
    vnc->port = port;
    vnc->cancel = g_cancellable_new();
    return start_session(vnc, -1, err);
}

static void child_setup(gpointer data)
{
    /* No controlling terminal: ssh must not prompt on the screen curses owns. */
    setsid();
}

gboolean nv_vnc_connect_command(NvVnc *vnc, char **argv, GError **err)
{
    g_return_val_if_fail(vnc != NULL, FALSE);
    if (!check_unused(vnc, err))
        return FALSE;
    if (argv == NULL || argv[0] == NULL) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("no command to reach the VNC server"));
        return FALSE;
    }

    g_autofree char *name = g_path_get_basename(argv[0]);
    int sv[2], errp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot start '%s': %s"), name,
                    g_strerror(errno));
        return FALSE;
    }
    if (!g_unix_open_pipe(errp, FD_CLOEXEC, NULL)) {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot start '%s': %s"), name,
                    g_strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return FALSE;
    }

    g_autoptr(GError) local = NULL;
    GPid pid = 0;
    gboolean ok =
        g_spawn_async_with_fds(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                               child_setup, NULL, &pid, sv[1], sv[1], errp[1], &local);
    close(sv[1]);
    close(errp[1]);
    if (!ok) {
        close(sv[0]);
        close(errp[0]);
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot start '%s': %s"), name,
                    local->message);
        return FALSE;
    }

    vnc->pid = pid;
    vnc->err_fd = errp[0];
    fcntl(vnc->err_fd, F_SETFL, O_NONBLOCK);
    vnc->err_tail = g_string_new(NULL);
    vnc->command_name = g_steal_pointer(&name);
    if (!prepare_socket(sv[0], err)) {
        close(sv[0]);
        reap_command(vnc); /* it sees its socket close and exits */
        return FALSE;
    }
    return start_session(vnc, sv[0], err);
}

void nv_vnc_set_password(NvVnc *vnc, const char *password)
{
    g_return_if_fail(vnc != NULL);
    g_mutex_lock(&vnc->lock);
    wipe_string(&vnc->password);
    vnc->password = g_strdup(password);
    vnc->password_set = TRUE;
    g_cond_broadcast(&vnc->cond);
    g_mutex_unlock(&vnc->lock);
}

static void queue_events(NvVnc *vnc, const NvVncEvent *events, guint n)
{
    g_mutex_lock(&vnc->lock);
    gboolean queued = FALSE;
    if (vnc->running && !vnc->stop && vnc->events->len + n <= EVENT_QUEUE_MAX) {
        guint len = vnc->events->len;
        NvVncEvent *last = len > 0 ? &g_array_index(vnc->events, NvVncEvent, len - 1) : NULL;
        /* Motion with the same buttons: only the newest position matters. */
        if (n == 1 && events[0].pointer && last != NULL && last->pointer &&
            last->mask == events[0].mask)
            *last = events[0];
        else
            g_array_append_vals(vnc->events, events, n);
        queued = TRUE;
    }
    g_mutex_unlock(&vnc->lock);
    if (queued)
        wake(vnc);
}

void nv_vnc_send_key(NvVnc *vnc, uint32_t keysym, gboolean down)
{
    g_return_if_fail(vnc != NULL);
    NvVncEvent e = {.keysym = keysym, .down = down};
    queue_events(vnc, &e, 1);
}

void nv_vnc_send_keys(NvVnc *vnc, const uint32_t *keysyms, int n)
{
    g_return_if_fail(vnc != NULL);
    if (keysyms == NULL || n <= 0 || n > 64)
        return;
    NvVncEvent events[128] = {{0}};
    for (int i = 0; i < n; i++) {
        events[i] = (NvVncEvent){.keysym = keysyms[i], .down = TRUE};
        events[2 * n - 1 - i] = (NvVncEvent){.keysym = keysyms[i], .down = FALSE};
    }
    queue_events(vnc, events, (guint)(2 * n));
}

void nv_vnc_send_pointer(NvVnc *vnc, int x, int y, int button_mask)
{
    g_return_if_fail(vnc != NULL);
    NvVncEvent e = {.pointer = TRUE, .x = x, .y = y, .mask = button_mask};
    queue_events(vnc, &e, 1);
}

void nv_vnc_lock_frame(NvVnc *vnc, const uint8_t **pixels, int *w, int *h, int *stride)
{
    g_mutex_lock(&vnc->lock);
    if (pixels != NULL)
        *pixels = vnc->frame;
    if (w != NULL)
        *w = vnc->frame != NULL ? vnc->frame_w : 0;
    if (h != NULL)
        *h = vnc->frame != NULL ? vnc->frame_h : 0;
    if (stride != NULL)
        *stride = vnc->frame != NULL ? vnc->frame_w * 4 : 0;
}

void nv_vnc_unlock_frame(NvVnc *vnc)
{
    g_mutex_unlock(&vnc->lock);
}

char *nv_vnc_dup_desktop_name(NvVnc *vnc)
{
    g_return_val_if_fail(vnc != NULL, NULL);
    g_mutex_lock(&vnc->lock);
    char *name = g_strdup(vnc->desktop_name != NULL ? vnc->desktop_name : "");
    g_mutex_unlock(&vnc->lock);
    return name;
}

/* Fuzzes the VNC client as ncvirt drives it (vnc.c over libvncclient): the input is everything
 * a server sends from the handshake on, written into the other end of a socketpair and then
 * closed. What the client writes back is read and dropped; the session must end by itself,
 * and the shared framebuffer is read whenever the client says it changed. libvncclient itself
 * is not instrumented: its writes into our framebuffer are still checked (ASan's allocator). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "vnc.h"

/* A session that does not notice the server's close within this long is a hang. */
#define FUZZ_VNC_DEADLINE_US (10 * G_USEC_PER_SEC)

typedef struct {
    gboolean closed;
    guint sum;
} Session;

static void read_frame(NvVnc *vnc, Session *s)
{
    const uint8_t *px = NULL;
    int w = 0, h = 0, stride = 0;
    nv_vnc_lock_frame(vnc, &px, &w, &h, &stride);
    if (px != NULL && w > 0 && h > 0) {
        if (w > NV_VNC_MAX_SIZE || h > NV_VNC_MAX_SIZE || stride < w * 4)
            abort();
        /* The corners: the whole of what the lock promises is readable. */
        s->sum += px[0] + px[(size_t)(h - 1) * (size_t)stride + (size_t)w * 4 - 1];
    }
    nv_vnc_unlock_frame(vnc);
}

static void on_frame(NvVnc *vnc, int x, int y, int w, int h, gpointer data)
{
    read_frame(vnc, data);
}

static void on_resized(NvVnc *vnc, int w, int h, gpointer data)
{
    read_frame(vnc, data);
}

static void on_password(NvVnc *vnc, gpointer data)
{
    nv_vnc_set_password(vnc, "fuzz");
}

static void on_closed(NvVnc *vnc, const GError *why, gpointer data)
{
    Session *s = data;
    if (why != NULL && !g_utf8_validate(why->message, -1, NULL))
        abort();
    s->closed = TRUE;
}

/* Reads and drops what the client wrote; writes what is left of the input when it can. */
static void pump(int fd, const uint8_t **data, size_t *size)
{
    struct pollfd p = {fd, POLLIN | (*size ? POLLOUT : 0), 0};
    if (poll(&p, 1, 5) <= 0)
        return;
    char buf[4096];
    if (p.revents & POLLIN)
        (void)!read(fd, buf, sizeof buf);
    if (*size && (p.revents & POLLOUT)) {
        ssize_t n = write(fd, *data, *size);
        if (n > 0) {
            *data += n;
            *size -= (size_t)n;
            if (*size == 0)
                shutdown(fd, SHUT_WR);
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            *size = 0;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        abort();
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    if (size == 0)
        shutdown(sv[1], SHUT_WR);

    Session s = {0};
    NvVnc *vnc = nv_vnc_new();
    NvVncCallbacks cb = {on_frame, on_resized, on_password, on_closed};
    nv_vnc_set_callbacks(vnc, &cb, &s);
    if (!nv_vnc_connect_fd(vnc, sv[0], NULL))
        abort();

    gint64 deadline = g_get_monotonic_time() + FUZZ_VNC_DEADLINE_US;
    while (!s.closed) {
        if (g_get_monotonic_time() > deadline)
            abort(); /* the server closed, the session did not end */
        pump(sv[1], &data, &size);
        while (g_main_context_iteration(NULL, FALSE))
            ;
    }
    nv_vnc_free(vnc);
    close(sv[1]);
    return 0;
}

/* A VNC client session (libvncclient), curses-free: the RFB protocol runs on a thread of its
 * own, the framebuffer is shared under a lock, and the main loop hears about changes. */
#pragma once

#include <glib.h>
#include <stdint.h>

/* The largest framebuffer we accept from a server, in each direction. */
#define NV_VNC_MAX_SIZE 8192

typedef struct NvVnc NvVnc;

/* How long a session may take from its start to the server's first bytes (the connect, an ssh
 * tunnel's login, the RFB greeting) before it fails saying so; a tunnel that ends sooner fails
 * at once with what its command said. With the display's lookup before it, a failure shows
 * within 10 s of the user's key. */
#define NV_VNC_OPEN_TIMEOUT_S 8

/* Called on the main loop (the GMainContext that was thread-default at nv_vnc_new), coalesced:
 * one pending notification at most. Any callback may call nv_vnc_free. */
typedef struct {
    /* Pixels changed inside this rectangle since the last call (the union of the damage). */
    void (*frame_changed)(NvVnc *vnc, int x, int y, int w, int h, gpointer data);
    /* The framebuffer has a new size (also at the start); its contents are blank until the
     * next frame_changed. */
    void (*resized)(NvVnc *vnc, int w, int h, gpointer data);
    /* The server wants a VNC password: answer with nv_vnc_set_password (now or later). */
    void (*need_password)(NvVnc *vnc, gpointer data);
    /* The session is over: `why` is NULL when the server closed the connection cleanly, else
     * what went wrong (NV_ERROR domain; the message is sanitised and ready to show). The last
     * frame stays readable until nv_vnc_free. Called once. */
    void (*closed)(NvVnc *vnc, const GError *why, gpointer data);
} NvVncCallbacks;

NvVnc *nv_vnc_new(void);
/* Stops the session even if its thread is blocked in a read (the socket is shut down), kills
 * and reaps a spawned command, and never waits on the network. NULL is fine. */
void nv_vnc_free(NvVnc *vnc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvVnc, nv_vnc_free)

/* The callbacks are copied; any of them may be NULL. Set them before connecting. */
void nv_vnc_set_callbacks(NvVnc *vnc, const NvVncCallbacks *cb, gpointer data);

/* Each connect_* starts the session thread and returns at once; handshake and later failures
 * arrive through `closed`. FALSE (with `err`) only for what fails on the spot. One per NvVnc. */

/* A connected stream socket (TCP or Unix, e.g. from virDomainOpenGraphicsFD). The session
 * owns `fd` from then on, even on failure. */
gboolean nv_vnc_connect_fd(NvVnc *vnc, int fd, GError **err);
/* Resolves and connects on the session thread (the main loop never waits on DNS). */
gboolean nv_vnc_connect_host(NvVnc *vnc, const char *host, int port, GError **err);
/* Spawns argv (no shell; e.g. {"ssh", "-o", "BatchMode=yes", "-W", "127.0.0.1:5900", "host"})
 * with a socket as its stdin and stdout and speaks RFB over it. The command runs in a new
 * session (no controlling terminal, so it cannot prompt on ours); the tail of its stderr is
 * added to the error when the session fails. */
gboolean nv_vnc_connect_command(NvVnc *vnc, char **argv, GError **err);

/* The answer to need_password; NULL cancels. The copy is wiped once the handshake took it. */
void nv_vnc_set_password(NvVnc *vnc, const char *password);

/* Input, queued and written in order by the session thread. Dropped before the session is
 * up, after it ended, and when the queue is full (the server stopped reading). */
void nv_vnc_send_key(NvVnc *vnc, uint32_t keysym, gboolean down);
/* A chord from keymap-keysym.h: presses keysyms[0..n-1] in order, then releases them in reverse. */
void nv_vnc_send_keys(NvVnc *vnc, const uint32_t *keysyms, int n);
/* Framebuffer coordinates (clamped to it); button_mask bit 0 is the left button, 1 middle,
 * 2 right, 3/4 wheel up/down. */
void nv_vnc_send_pointer(NvVnc *vnc, int x, int y, int button_mask);

/* The shared framebuffer, read-only, 4 bytes per pixel in memory order R, G, B, unused.
 * Always pair with nv_vnc_unlock_frame, and keep the lock short: the session thread waits for
 * it to store the next update. *pixels is NULL and the sizes 0 before the first ServerInit. */
void nv_vnc_lock_frame(NvVnc *vnc, const uint8_t **pixels, int *w, int *h, int *stride);
void nv_vnc_unlock_frame(NvVnc *vnc);

/* The desktop name the server announced, sanitised ("" until known). Caller frees. */
char *nv_vnc_dup_desktop_name(NvVnc *vnc);

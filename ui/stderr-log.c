/* stderr while curses owns the screen: anything a library writes there would corrupt the
 * screen, so it goes to a log file instead, and stderr is given back afterwards. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "ui-internal.h"

int nv_stderr_redirect(void)
{
    g_autofree char *dir = g_build_filename(g_get_user_state_dir(), "ncvirt", NULL);
    g_autofree char *path = g_build_filename(dir, "stderr.log", NULL);
    g_mkdir_with_parents(dir, 0700);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    int saved = dup(STDERR_FILENO);
    if (fd >= 0) {
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    return saved;
}

void nv_stderr_restore(int saved)
{
    if (saved >= 0) {
        dup2(saved, STDERR_FILENO);
        close(saved);
    }
}

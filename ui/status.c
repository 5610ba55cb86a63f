/* The status line: messages, jobs with a progress bar, the spinner, and the one policy for
 * libvirt's messages that are long or span lines. */
#include <string.h>

#include "ui-internal.h"

#define NV_SPINNER_MS 150
#define NV_STATUS_SECONDS 10

static const char *const spinner_frames[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

typedef struct {
    guint id;
    char *label;
    char *detail;
    double fraction;
    NvJobCancelFunc cancel;
    gpointer data;
} NvJobInfo;

struct NvStatus {
    NvApp *app;
    char *text; /* the last message */
    gboolean is_error;
    guint expire_source; /* clears the message after a while */
    GPtrArray *jobs;     /* NvJobInfo* in start order */
    guint next_job_id;
    guint spinner_source;
    guint spinner_phase;
};

static void job_info_free(NvJobInfo *j)
{
    g_free(j->label);
    g_free(j->detail);
    g_free(j);
}

NvStatus *nv_status_new(NvApp *app)
{
    NvStatus *s = g_new0(NvStatus, 1);
    s->app = app;
    s->jobs = g_ptr_array_new_with_free_func((GDestroyNotify)job_info_free);
    return s;
}

void nv_status_free(NvStatus *s)
{
    if (!s)
        return;
    g_clear_handle_id(&s->expire_source, g_source_remove);
    g_clear_handle_id(&s->spinner_source, g_source_remove);
    g_free(s->text);
    g_ptr_array_unref(s->jobs);
    g_free(s);
}

/* ---- the spinner ---- */

static gboolean spinner_tick(gpointer data)
{
    NvStatus *s = data;
    s->spinner_phase++;
    nv_app_dirty(s->app);
    if (nv_app_busy(s->app) || s->jobs->len > 0)
        return G_SOURCE_CONTINUE;
    s->spinner_source = 0;
    return G_SOURCE_REMOVE;
}

void nv_status_spin(NvStatus *s)
{
    if (!s->spinner_source)
        s->spinner_source = g_timeout_add(NV_SPINNER_MS, spinner_tick, s);
}

const char *nv_status_spinner_frame(NvStatus *s)
{
    return spinner_frames[s->spinner_phase % G_N_ELEMENTS(spinner_frames)];
}

/* ---- messages ---- */

static gboolean status_expired(gpointer data)
{
    NvStatus *s = data;
    s->expire_source = 0;
    g_clear_pointer(&s->text, g_free);
    nv_app_dirty(s->app);
    return G_SOURCE_REMOVE;
}

char *nv_status_one_line(const char *msg)
{
    g_auto(GStrv) parts = g_strsplit(msg ? msg : "", "\n", -1);
    GString *s = g_string_new("");
    for (char **p = parts; *p; p++) {
        g_strstrip(*p);
        if (**p)
            g_string_append_printf(s, "%s%s", s->len ? " · " : "", *p);
    }
    return g_string_free(s, FALSE);
}

/* With several hosts, one that is down shows in the header; the message stays only while no
 * host answers (with one host: while it is down, as before). */
static gboolean every_host_down(NvApp *app)
{
    guint n = nv_app_n_conns(app);
    for (guint i = 0; i < n; i++)
        if (nv_conn_get_state(nv_app_conn_at(app, i)) != NV_CONN_DISCONNECTED)
            return FALSE;
    return n > 0;
}

/* A message stays long enough to be read, then the key hints come back; a connection that is
 * down keeps its message, since that state lasts. */
void nv_app_message(NvApp *app, const char *msg, gboolean error)
{
    NvStatus *s = nv_app_get_status(app);
    g_free(s->text);
    /* Only a message that spans lines is changed: the others show exactly as given. */
    s->text = msg && strchr(msg, '\n') ? nv_status_one_line(msg) : g_strdup(msg);
    s->is_error = error;
    g_clear_handle_id(&s->expire_source, g_source_remove);
    if (!every_host_down(app))
        s->expire_source = g_timeout_add_seconds(NV_STATUS_SECONDS, status_expired, s);
    nv_app_dirty(app);
}

int nv_status_wrap_width(NvApp *app)
{
    /* A dialog's list is MIN(cols - 4, 76) - 4 wide; leave room for a bullet. */
    return MAX(20, MIN(nv_app_cols(app) - 4, 76) - 8);
}

GPtrArray *nv_status_wrap(NvApp *app, const char *msg)
{
    return nv_status_wrap_to(msg, nv_status_wrap_width(app));
}

GPtrArray *nv_status_wrap_to(const char *msg, int width)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) paras = g_strsplit(msg ? msg : "", "\n", -1);
    for (char **p = paras; *p; p++) {
        g_auto(GStrv) words = g_strsplit(g_strstrip(*p), " ", -1);
        GString *line = g_string_new("");
        for (char **w = words; *w; w++) {
            if (!**w)
                continue;
            if (line->len && nv_text_width(line->str) + 1 + nv_text_width(*w) > width) {
                g_ptr_array_add(lines, g_string_free(line, FALSE));
                line = g_string_new("");
            }
            g_string_append_printf(line, "%s%s", line->len ? " " : "", *w);
        }
        if (line->len)
            g_ptr_array_add(lines, g_string_free(line, FALSE));
        else
            g_string_free(line, TRUE);
    }
    return lines;
}

static void ignore_choice(NvApp *app, int index, const gboolean *checked, gpointer data) {}

void nv_app_report(NvApp *app, const char *msg, gboolean error)
{
    nv_app_message(app, msg, error);
    g_autofree char *line = nv_status_one_line(msg);
    if (!error || nv_text_width(line) <= nv_app_cols(app) || nv_app_get_prompt(app))
        return;
    g_autoptr(GPtrArray) lines = nv_status_wrap(app, msg);
    g_ptr_array_add(lines, NULL);
    nv_app_menu(app, _("Failed"), _("What libvirt answered, in full:"),
                (const char *const *)lines->pdata, ignore_choice, NULL);
}

void nv_app_report_failures(NvApp *app, const char *summary, GPtrArray *failures, guint total)
{
    g_autofree char *line = nv_status_one_line(summary);
    nv_app_message(app, line, failures->len > 0);
    if (failures->len == 0 || (failures->len == 1 && nv_text_width(line) <= nv_app_cols(app)))
        return;
    g_autofree char *title = g_strdup_printf(ngettext("%u of %u failed", "%u of %u failed", total),
                                             failures->len, total);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < failures->len; i++) {
        g_autoptr(GPtrArray) wrapped = nv_status_wrap(app, failures->pdata[i]);
        for (guint j = 0; j < wrapped->len; j++)
            g_ptr_array_add(lines,
                            g_strdup_printf("%s%s", j ? "  " : "• ", (char *)wrapped->pdata[j]));
    }
    g_ptr_array_add(lines, NULL);
    nv_app_menu(app, title, _("Every failure, with libvirt's reason:"),
                (const char *const *)lines->pdata, ignore_choice, NULL);
}

/* ---- jobs ---- */

static NvJobInfo *find_job(NvStatus *s, guint id)
{
    for (guint i = 0; i < s->jobs->len; i++)
        if (((NvJobInfo *)s->jobs->pdata[i])->id == id)
            return s->jobs->pdata[i];
    return NULL;
}

guint nv_app_job_begin(NvApp *app, const char *label, NvJobCancelFunc cancel, gpointer data)
{
    NvStatus *s = nv_app_get_status(app);
    NvJobInfo *j = g_new0(NvJobInfo, 1);
    j->id = ++s->next_job_id;
    j->label = g_strdup(label);
    j->detail = g_strdup("");
    j->fraction = -1;
    j->cancel = cancel;
    j->data = data;
    g_ptr_array_add(s->jobs, j);
    nv_status_spin(s);
    nv_app_dirty(app);
    return j->id;
}

void nv_app_job_progress(NvApp *app, guint id, double fraction, const char *detail)
{
    NvJobInfo *j = find_job(nv_app_get_status(app), id);
    if (!j)
        return;
    j->fraction = fraction;
    g_free(j->detail);
    j->detail = g_strdup(detail ? detail : "");
    nv_app_dirty(app);
}

void nv_app_job_end(NvApp *app, guint id)
{
    NvStatus *s = nv_app_get_status(app);
    NvJobInfo *j = find_job(s, id);
    if (j)
        g_ptr_array_remove(s->jobs, j);
    nv_app_dirty(app);
}

void nv_app_job_cancel_newest(NvApp *app)
{
    NvStatus *s = nv_app_get_status(app);
    for (guint i = s->jobs->len; i > 0; i--) {
        NvJobInfo *j = s->jobs->pdata[i - 1];
        if (j->cancel) {
            g_autofree char *msg = g_strdup_printf(_("cancelling %s…"), j->label);
            nv_app_message(app, msg, FALSE);
            j->cancel(j->data);
            return;
        }
    }
    nv_app_message(app, _("no job that can be cancelled is running"), FALSE);
}

gboolean nv_status_has_jobs(NvStatus *s)
{
    return s->jobs->len > 0;
}

/* "[#####-----]  45% managed save web-01" for the newest job, "+N" for the others. */
static char *job_line(NvStatus *st)
{
    NvJobInfo *j = st->jobs->pdata[st->jobs->len - 1];
    GString *s = g_string_new(" ");
    if (j->fraction >= 0) {
        int filled = (int)(CLAMP(j->fraction, 0.0, 1.0) * 20 + 0.5);
        g_string_append_c(s, '[');
        for (int i = 0; i < 20; i++)
            g_string_append(s, i < filled ? "█" : "░");
        g_string_append_printf(s, "] %3d%% ", (int)(CLAMP(j->fraction, 0.0, 1.0) * 100 + 0.5));
    } else {
        g_string_append_printf(s, "%s ", nv_status_spinner_frame(st));
    }
    g_string_append(s, j->label);
    if (*j->detail)
        g_string_append_printf(s, " · %s", j->detail);
    if (st->jobs->len > 1)
        g_string_append_printf(s, ngettext("  (+%u more)", "  (+%u more)", st->jobs->len - 1),
                               st->jobs->len - 1);
    return g_string_free(s, FALSE);
}

void nv_status_draw(NvStatus *s, int y, int cols)
{
    if (s->jobs->len) {
        g_autofree char *line = job_line(s);
        nv_draw_text(stdscr, y, 0, line, cols, A_BOLD);
        return;
    }
    if (s->text) {
        attr_t attr = s->is_error ? COLOR_PAIR(NV_COLOR_ERROR) | A_BOLD : A_NORMAL;
        nv_draw_text(stdscr, y, 0, s->text, cols, attr);
        return;
    }
    nv_draw_text(stdscr, y, 0,
                 _(" 1-4 panes  Tab next  ↑↓ move  Enter details  / filter  ? help  q quit"), cols,
                 A_DIM);
}

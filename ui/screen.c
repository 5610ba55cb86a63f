/* The terminal: curses set-up and tear-down, colours, and curses keys turned into NvKey. */
#include <locale.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ui-internal.h"

void nv_screen_init(void)
{
    /* Alt-<key> arrives as ESC + key: keep the wait for the second byte short. */
    set_escdelay(25);
    initscr();
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    /* Home/End as tmux, screen, rxvt and the Linux console send them, which many terminfo
     * entries (xterm's among them) do not list. */
    define_key("\033[1~", KEY_HOME);
    define_key("\033[4~", KEY_END);
    define_key("\033[7~", KEY_HOME);
    define_key("\033[8~", KEY_END);
    define_key("\033[H", KEY_HOME);
    define_key("\033[F", KEY_END);
    define_key("\033OH", KEY_HOME);
    define_key("\033OF", KEY_END);
    curs_set(0);
    if (has_colors()) {
        start_color();
        use_default_colors();
        init_pair(NV_COLOR_HEADER, COLOR_BLACK, COLOR_CYAN);
        init_pair(NV_COLOR_SELECTED, COLOR_BLACK, COLOR_WHITE);
        init_pair(NV_COLOR_RUNNING, COLOR_GREEN, -1);
        init_pair(NV_COLOR_PAUSED, COLOR_YELLOW, -1);
        init_pair(NV_COLOR_STOPPED, -1, -1);
        init_pair(NV_COLOR_ERROR, COLOR_RED, -1);
        init_pair(NV_COLOR_BORDER, COLOR_BLUE, -1);
        init_pair(NV_COLOR_FOCUS, COLOR_CYAN, -1);
        init_pair(NV_COLOR_LABEL, COLOR_CYAN, -1);
    }
}

void nv_screen_end(void)
{
    if (!isendwin())
        endwin();
}

void nv_screen_suspend(void)
{
    def_prog_mode();
    endwin();
}

/* The other program left the screen in any state: repaint all of it. */
void nv_screen_resume(void)
{
    reset_prog_mode();
    clearok(curscr, TRUE);
    refresh();
}

void nv_screen_resize(int *rows, int *cols)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    getmaxyx(stdscr, *rows, *cols);
}

static NvKey translate_function_key(int ch)
{
    switch (ch) {
    case KEY_UP:
        return NV_KEY_UP;
    case KEY_DOWN:
        return NV_KEY_DOWN;
    case KEY_LEFT:
        return NV_KEY_LEFT;
    case KEY_RIGHT:
        return NV_KEY_RIGHT;
    case KEY_PPAGE:
        return NV_KEY_PAGEUP;
    case KEY_NPAGE:
        return NV_KEY_PAGEDOWN;
    case KEY_HOME:
        return NV_KEY_HOME;
    case KEY_END:
        return NV_KEY_END;
    case KEY_ENTER:
        return NV_KEY_ENTER;
    case KEY_BTAB:
        return NV_KEY_BTAB;
    case KEY_BACKSPACE:
        return NV_KEY_BACKSPACE;
    case KEY_DC:
        return NV_KEY_DELETE;
    case KEY_IC:
        return NV_KEY_INSERT;
    case KEY_RESIZE:
        return NV_KEY_RESIZE;
    case KEY_MOUSE:
        return NV_KEY_MOUSE;
    case KEY_SR:
        return NV_KEY_UP | NV_KEY_MOD_SHIFT;
    case KEY_SF:
        return NV_KEY_DOWN | NV_KEY_MOD_SHIFT;
    case KEY_SPREVIOUS:
        return NV_KEY_PAGEUP | NV_KEY_MOD_SHIFT;
    case KEY_SNEXT:
        return NV_KEY_PAGEDOWN | NV_KEY_MOD_SHIFT;
    default:
        break;
    }
    if (ch >= KEY_F(1) && ch <= KEY_F(12))
        return NV_KEY_F1 + (ch - KEY_F(1));
    return NV_KEY_NONE;
}

static NvKey translate_char(wint_t ch)
{
    switch (ch) {
    case '\r':
    case '\n':
        return NV_KEY_ENTER;
    case '\t':
        return NV_KEY_TAB;
    case 27:
        return NV_KEY_ESCAPE;
    case 127:
    case 8:
        return NV_KEY_BACKSPACE;
    case 0:
        return ' ' | NV_KEY_MOD_CTRL;
    default:
        break;
    }
    if (ch < 32) /* C-a .. C-z, C-[ is ESC above, C-] C-\ C-^ C-_ */
        return (ch < 27 ? (NvKey)('a' + ch - 1) : (NvKey)('@' + ch)) | NV_KEY_MOD_CTRL;
    return (NvKey)ch;
}

/* Reads up to the final byte of a CSI/SS3 sequence (0x40-0x7e); parameters and intermediates
 * are 0x20-0x3f. Stops at anything else, so a lone ESC [ costs nothing. */
static gboolean skip_sequence(void)
{
    for (int i = 0; i < 32; i++) {
        wint_t c;
        if (wget_wch(stdscr, &c) != OK)
            return i > 0;
        if (c >= 0x40 && c <= 0x7e)
            return TRUE;
        if (c < 0x20 || c > 0x3f) {
            unget_wch(c);
            return i > 0;
        }
    }
    return TRUE;
}

gboolean nv_screen_mouse(int *y, int *x, unsigned long *buttons)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return FALSE;
    *y = ev.y;
    *x = ev.x;
    *buttons = (unsigned long)ev.bstate;
    return TRUE;
}

gboolean nv_screen_read_key(NvKey *key)
{
    wint_t ch;
    int r = wget_wch(stdscr, &ch);
    if (r == ERR)
        return FALSE;
    if (r == KEY_CODE_YES) {
        *key = translate_function_key((int)ch);
        return TRUE;
    }
    *key = translate_char(ch);
    if (*key == NV_KEY_ESCAPE) {
        /* ESC followed at once by a key is Alt+key. */
        wint_t next;
        int r2 = wget_wch(stdscr, &next);
        if (r2 == OK && (next == '[' || next == 'O')) {
            /* An escape sequence curses does not know: swallow it whole rather than let its
             * bytes arrive as keys (End must not become "4"). */
            *key = skip_sequence() ? NV_KEY_NONE : translate_char(next) | NV_KEY_MOD_ALT;
        } else if (r2 == OK && next != 27) {
            *key = translate_char(next) | NV_KEY_MOD_ALT;
        } else if (r2 == KEY_CODE_YES) {
            *key = translate_function_key((int)next) | NV_KEY_MOD_ALT;
        }
    }
    return TRUE;
}

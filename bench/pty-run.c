/* pty-run: runs a full-screen program in a pseudo-terminal of a given size and times it.
 *
 * The benchmarks in bench/run.sh use it to measure ncvirt the way a user sees it: the time from
 * fork() until a marker string (a row of the first page) has been written to the terminal, the
 * time from writing a key until that key's repaint has been written, the CPU time and wake-ups
 * of an idle run, and the peak RSS (ru_maxrss from wait4). With --no-pty it only times a
 * command from fork() to exit (stdin and stdout on /dev/null), so a reference command such as
 * `virsh list` is measured the same way.
 *
 * Results go to stdout, one line per step, as "step key=value ...", for example:
 *   launch marker_ms=41.20 paint_ms=41.35 bytes=5120
 *   press n=1 keys=j marker_ms=0.61 paint_ms=0.64 bytes=212
 *   idle secs=10.00 cpu_ms=0 ... voluntary_cs=0 ... start_epoch=1700000000.123456 ...
 *   exit total_ms=60.10 quit_ms=5.20 status=0 maxrss_kb=9876
 * marker_ms is when the marker had fully arrived; paint_ms is the last byte of the burst that
 * contained it (the output then stayed quiet for --quiet ms). Nothing in a measured path sleeps:
 * it waits in poll() on the pty and on a pidfd of the child.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

typedef enum { STEP_WAIT, STEP_PRESS, STEP_IDLE } StepKind;

typedef struct {
    StepKind kind;
    char *keys; /* STEP_PRESS: bytes to write (unescaped) */
    size_t keys_len;
    char *keys_text; /* as given on the command line, for the report */
    char *marker;    /* STEP_WAIT, STEP_PRESS: what must appear in the output */
    double seconds;  /* STEP_IDLE */
} Step;

typedef struct {
    int cols, rows;
    int timeout_ms; /* per step */
    int quiet_ms;   /* the output is complete once quiet this long */
    int settle_ms;  /* before a press or idle step: wait until quiet this long (not timed) */
    bool no_pty;
    const char *dump_path;
    char *quit_keys;
    size_t quit_len;
    Step *steps;
    int n_steps;
} Options;

typedef struct {
    char *data;
    size_t len, cap;
} Buffer;

static pid_t child_pid = -1;
static int master_fd = -1;
static int pid_fd = -1;
static FILE *dump_file;
static double t_fork;

static double epoch_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pty-run: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (child_pid > 0) {
        kill(child_pid, SIGTERM);
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        kill(child_pid, SIGKILL);
        waitpid(child_pid, NULL, 0);
    }
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p)
        die("out of memory");
    return p;
}

static void buffer_append(Buffer *b, const char *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = xrealloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* Decodes \e \r \n \t \\ and \xHH; everything else is taken literally. */
static char *unescape(const char *s, size_t *out_len)
{
    char *out = xrealloc(NULL, strlen(s) + 1);
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p != '\\' || !p[1]) {
            out[n++] = *p;
            continue;
        }
        p++;
        switch (*p) {
        case 'e':
            out[n++] = 27;
            break;
        case 'r':
            out[n++] = '\r';
            break;
        case 'n':
            out[n++] = '\n';
            break;
        case 't':
            out[n++] = '\t';
            break;
        case 'x': {
            char hex[3] = {0};
            if (p[1] && p[2]) {
                hex[0] = p[1];
                hex[1] = p[2];
                char *end;
                long v = strtol(hex, &end, 16);
                if (*end == '\0') {
                    out[n++] = (char)v;
                    p += 2;
                    break;
                }
            }
            die("bad escape in '%s': \\x needs two hex digits", s);
            break;
        }
        default:
            out[n++] = *p;
            break;
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* Shows the end of the output with control bytes escaped, for timeout messages. */
static void print_tail(const Buffer *b)
{
    size_t start = b->len > 400 ? b->len - 400 : 0;
    fputs("pty-run: last output: ", stderr);
    for (size_t i = start; i < b->len; i++) {
        unsigned char c = (unsigned char)b->data[i];
        if (c == 27)
            fputs("\\e", stderr);
        else if (c < 32 || c == 127)
            fprintf(stderr, "\\x%02x", c);
        else
            fputc(c, stderr);
    }
    fputc('\n', stderr);
}

/* Reads what the pty has (non-blocking). Returns bytes read, 0 if none, -1 at end of file. */
static ssize_t drain(Buffer *b)
{
    char chunk[65536];
    ssize_t total = 0;
    for (;;) {
        ssize_t n = read(master_fd, chunk, sizeof chunk);
        if (n > 0) {
            if (b)
                buffer_append(b, chunk, (size_t)n);
            if (dump_file)
                fwrite(chunk, 1, (size_t)n, dump_file);
            total += n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return total;
        /* EIO: the child closed its side. */
        return total > 0 ? total : -1;
    }
}

/* Waits for output up to `timeout` ms. Returns 1 if some arrived, 0 on timeout, -1 at EOF. */
static int wait_output(Buffer *b, int timeout)
{
    struct pollfd pfd = {master_fd, POLLIN, 0};
    for (;;) {
        int r = poll(&pfd, 1, timeout < 0 ? 0 : timeout);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            die("poll: %s", strerror(errno));
        if (r == 0)
            return 0;
        ssize_t n = drain(b);
        if (n < 0)
            return -1;
        return n > 0 ? 1 : 0;
    }
}

/* Waits until `marker` is in b (searching only new bytes), then until the output stays quiet
 * for quiet_ms. Sets *marker_at and *last_byte_at (absolute ms). Returns false on timeout. */
static bool wait_marker(Buffer *b, const char *marker, const Options *o, double start,
                        double *marker_at, double *last_byte_at)
{
    size_t mlen = strlen(marker);
    size_t searched = 0;
    *marker_at = -1;
    *last_byte_at = start;
    for (;;) {
        if (*marker_at < 0 && b->len >= mlen) {
            size_t from = searched > mlen ? searched - mlen + 1 : 0;
            if (memmem(b->data + from, b->len - from, marker, mlen)) {
                *marker_at = *last_byte_at;
            }
            searched = b->len;
        }
        double now = now_ms();
        int timeout;
        if (*marker_at < 0) {
            timeout = (int)(start + o->timeout_ms - now);
            if (timeout <= 0)
                return false;
        } else {
            timeout = o->quiet_ms;
        }
        int r = wait_output(b, timeout);
        if (r > 0) {
            *last_byte_at = now_ms();
        } else if (r == 0 && *marker_at >= 0) {
            return true;
        } else if (r < 0) {
            return *marker_at >= 0;
        }
    }
}

/* Reads and discards output until it has been quiet for settle_ms (at most timeout_ms). */
static void settle(const Options *o)
{
    double deadline = now_ms() + o->timeout_ms;
    while (now_ms() < deadline) {
        int r = wait_output(NULL, o->settle_ms);
        if (r <= 0)
            return;
    }
}

typedef struct {
    unsigned long long utime, stime;
    unsigned long long voluntary, involuntary;
    int threads;
} ProcSample;

static unsigned long long status_field(const char *path, const char *name)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[256];
    size_t nlen = strlen(name);
    unsigned long long v = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, name, nlen) == 0 && line[nlen] == ':') {
            v = strtoull(line + nlen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* utime and stime of the whole process; context switches summed over its live threads. */
static bool sample_proc(pid_t pid, ProcSample *s)
{
    memset(s, 0, sizeof *s);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    if (!p)
        return false;
    /* After ") ": field 3 is the state; utime and stime are fields 14 and 15. */
    char *save = NULL;
    int field = 3;
    for (char *tok = strtok_r(p + 2, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (field == 14)
            s->utime = strtoull(tok, NULL, 10);
        if (field == 15) {
            s->stime = strtoull(tok, NULL, 10);
            break;
        }
        field++;
    }
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *dir = opendir(path);
    if (!dir)
        return false;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        char spath[300];
        snprintf(spath, sizeof spath, "/proc/%d/task/%s/status", (int)pid, e->d_name);
        s->voluntary += status_field(spath, "voluntary_ctxt_switches");
        s->involuntary += status_field(spath, "nonvoluntary_ctxt_switches");
        s->threads++;
    }
    closedir(dir);
    return true;
}

static void run_idle(const Step *st, const Options *o)
{
    settle(o);
    ProcSample a, b;
    if (!sample_proc(child_pid, &a))
        die("cannot read /proc/%d: %s", (int)child_pid, strerror(errno));
    double start_epoch = epoch_s();
    double start = now_ms();
    double end = start + st->seconds * 1e3;
    size_t bytes = 0;
    Buffer buf = {0};
    for (double now = start; now < end; now = now_ms()) {
        int r = wait_output(&buf, (int)(end - now) + 1);
        if (r < 0)
            die("the program exited during the idle step");
    }
    double elapsed = now_ms() - start;
    double end_epoch = epoch_s();
    if (!sample_proc(child_pid, &b))
        die("cannot read /proc/%d: %s", (int)child_pid, strerror(errno));
    bytes = buf.len;
    free(buf.data);
    long hz = sysconf(_SC_CLK_TCK);
    unsigned long long ticks = (b.utime + b.stime) - (a.utime + a.stime);
    printf("idle secs=%.2f cpu_ms=%.0f utime_ticks=%llu stime_ticks=%llu voluntary_cs=%llu "
           "involuntary_cs=%llu threads=%d bytes=%zu start_epoch=%.6f end_epoch=%.6f\n",
           elapsed / 1e3, (double)ticks * 1e3 / (double)hz, b.utime - a.utime, b.stime - a.stime,
           b.voluntary - a.voluntary, b.involuntary - a.involuntary, b.threads, bytes, start_epoch,
           end_epoch);
    fflush(stdout);
}

static const char *print_keys(const char *text)
{
    /* Spaces would break "key=value" parsing. */
    static char out[256];
    size_t n = 0;
    for (const char *p = text; *p && n + 5 < sizeof out; p++) {
        if (*p == ' ') {
            memcpy(out + n, "\\x20", 4);
            n += 4;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return out;
}

static void write_all(const char *data, size_t n)
{
    while (n > 0) {
        ssize_t w = write(master_fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            die("write to the pty: %s", strerror(errno));
        data += w;
        n -= (size_t)w;
    }
}

static void set_child_env(void)
{
    setenv("TERM", "xterm-256color", 1);
    setenv("LANG", "C.UTF-8", 1);
    unsetenv("LC_ALL");
    /* ncurses would prefer these over the pty's size. */
    unsetenv("LINES");
    unsetenv("COLUMNS");
}

static void exec_child(char **argv)
{
    execvp(argv[0], argv);
    fprintf(stderr, "pty-run: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Waits for the child to exit: in poll() on a pidfd, draining the pty meanwhile. */
static int wait_exit(const Options *o, struct rusage *ru, double *exit_at)
{
    double deadline = now_ms() + o->timeout_ms;
    bool pty_open = master_fd >= 0;
    while (pid_fd >= 0) {
        struct pollfd pfd[2] = {{pid_fd, POLLIN, 0}, {pty_open ? master_fd : -1, POLLIN, 0}};
        int timeout = (int)(deadline - now_ms());
        if (timeout <= 0)
            die("the program did not exit within %d ms", o->timeout_ms);
        int r = poll(pfd, 2, timeout);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            die("poll: %s", strerror(errno));
        if (pfd[0].revents)
            break;
        if (pfd[1].revents && drain(NULL) < 0)
            pty_open = false;
    }
    int status;
    pid_t r;
    do {
        r = wait4(child_pid, &status, 0, ru);
    } while (r < 0 && errno == EINTR);
    *exit_at = now_ms();
    if (r < 0)
        die("wait4: %s", strerror(errno));
    child_pid = -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

static int run_no_pty(char **argv)
{
    t_fork = now_ms();
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null < 0)
            _exit(127);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        close(null);
        exec_child(argv);
    }
    child_pid = pid;
    struct rusage ru;
    int status;
    pid_t r;
    do {
        r = wait4(pid, &status, 0, &ru);
    } while (r < 0 && errno == EINTR);
    double t_exit = now_ms();
    if (r < 0)
        die("wait4: %s", strerror(errno));
    child_pid = -1;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("exit total_ms=%.2f status=%d maxrss_kb=%ld\n", t_exit - t_fork, code, ru.ru_maxrss);
    return code == 0 ? 0 : 1;
}

static int run_pty(const Options *o, char **argv)
{
    struct winsize ws = {.ws_row = (unsigned short)o->rows, .ws_col = (unsigned short)o->cols};
    t_fork = now_ms();
    pid_t pid = forkpty(&master_fd, NULL, NULL, &ws);
    if (pid < 0)
        die("forkpty: %s", strerror(errno));
    if (pid == 0) {
        set_child_env();
        exec_child(argv);
    }
    child_pid = pid;
    int fl = fcntl(master_fd, F_GETFL);
    fcntl(master_fd, F_SETFL, fl | O_NONBLOCK);
    pid_fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pid_fd < 0)
        die("pidfd_open: %s (needs Linux 5.3 or later)", strerror(errno));

    int presses = 0;
    for (int i = 0; i < o->n_steps; i++) {
        const Step *st = &o->steps[i];
        Buffer buf = {0};
        double marker_at, last_at;
        switch (st->kind) {
        case STEP_WAIT:
            if (!wait_marker(&buf, st->marker, o, t_fork, &marker_at, &last_at)) {
                print_tail(&buf);
                die("'%s' did not appear within %d ms of the launch", st->marker, o->timeout_ms);
            }
            printf("launch marker_ms=%.2f paint_ms=%.2f bytes=%zu\n", marker_at - t_fork,
                   last_at - t_fork, buf.len);
            break;
        case STEP_PRESS: {
            settle(o);
            presses++;
            double start = now_ms();
            write_all(st->keys, st->keys_len);
            if (!wait_marker(&buf, st->marker, o, start, &marker_at, &last_at)) {
                print_tail(&buf);
                die("after key %d ('%s'), '%s' did not appear within %d ms", presses, st->keys_text,
                    st->marker, o->timeout_ms);
            }
            printf("press n=%d keys=%s marker_ms=%.3f paint_ms=%.3f bytes=%zu\n", presses,
                   print_keys(st->keys_text), marker_at - start, last_at - start, buf.len);
            break;
        }
        case STEP_IDLE:
            run_idle(st, o);
            break;
        }
        fflush(stdout);
        free(buf.data);
    }

    double quit_at = now_ms();
    if (o->quit_len)
        write_all(o->quit_keys, o->quit_len);
    struct rusage ru;
    double exit_at;
    int code = wait_exit(o, &ru, &exit_at);
    printf("exit total_ms=%.2f quit_ms=%.2f status=%d maxrss_kb=%ld\n", exit_at - t_fork,
           exit_at - quit_at, code, ru.ru_maxrss);
    close(pid_fd);
    close(master_fd);
    return code == 0 ? 0 : 1;
}

static void usage(FILE *f)
{
    fputs("usage: pty-run [OPTION...] -- PROGRAM [ARG...]\n"
          "Runs PROGRAM in a pseudo-terminal (TERM=xterm-256color, LANG=C.UTF-8) and times it.\n"
          "Steps run in the order given:\n"
          "  --wait MARKER      time from fork until MARKER has been written (the launch)\n"
          "  --press KEYS       write KEYS (escapes: \\e \\r \\n \\t \\\\ \\xHH) after the output\n"
          "                     settled, then time until...\n"
          "  --expect MARKER    ...MARKER has appeared and the output went quiet\n"
          "  --idle SECONDS     CPU time and context switches of the program over SECONDS\n"
          "Then the quit keys are written and the program's exit is awaited.\n"
          "Options:\n"
          "  --size COLSxROWS   terminal size (default 120x40)\n"
          "  --quit KEYS        keys that end the program (default q; \"\" sends nothing)\n"
          "  --timeout MS       limit for each step (default 20000)\n"
          "  --quiet MS         a repaint is complete after MS ms without output (default 2)\n"
          "  --settle MS        before --press and --idle, wait for MS ms without output\n"
          "                     (default 300; not timed)\n"
          "  --dump FILE        write everything the program printed to FILE\n"
          "  --no-pty           no terminal: stdin and stdout on /dev/null, time fork to exit\n",
          f);
}

static Step *add_step(Options *o, StepKind kind)
{
    o->steps = xrealloc(o->steps, sizeof(Step) * (size_t)(o->n_steps + 1));
    Step *st = &o->steps[o->n_steps++];
    memset(st, 0, sizeof *st);
    st->kind = kind;
    return st;
}

static int parse_int(const char *s, const char *what, int min)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min || v > 1000000)
        die("%s: '%s' is not a number >= %d", what, s, min);
    return (int)v;
}

int main(int argc, char **argv)
{
    Options o = {.cols = 120, .rows = 40, .timeout_ms = 20000, .quiet_ms = 2, .settle_ms = 300};
    o.quit_keys = unescape("q", &o.quit_len);
    enum {
        OPT_WAIT = 256,
        OPT_PRESS,
        OPT_EXPECT,
        OPT_IDLE,
        OPT_SIZE,
        OPT_QUIT,
        OPT_TIMEOUT,
        OPT_QUIET,
        OPT_SETTLE,
        OPT_DUMP,
        OPT_NO_PTY,
        OPT_HELP
    };
    static const struct option longopts[] = {
        {"wait", required_argument, NULL, OPT_WAIT},
        {"press", required_argument, NULL, OPT_PRESS},
        {"expect", required_argument, NULL, OPT_EXPECT},
        {"idle", required_argument, NULL, OPT_IDLE},
        {"size", required_argument, NULL, OPT_SIZE},
        {"quit", required_argument, NULL, OPT_QUIT},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"quiet", required_argument, NULL, OPT_QUIET},
        {"settle", required_argument, NULL, OPT_SETTLE},
        {"dump", required_argument, NULL, OPT_DUMP},
        {"no-pty", no_argument, NULL, OPT_NO_PTY},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        Step *st;
        switch (c) {
        case OPT_WAIT:
            st = add_step(&o, STEP_WAIT);
            st->marker = optarg;
            break;
        case OPT_PRESS:
            st = add_step(&o, STEP_PRESS);
            st->keys = unescape(optarg, &st->keys_len);
            st->keys_text = optarg;
            if (st->keys_len == 0)
                die("--press needs at least one key");
            break;
        case OPT_EXPECT:
            if (o.n_steps == 0 || o.steps[o.n_steps - 1].kind != STEP_PRESS ||
                o.steps[o.n_steps - 1].marker)
                die("--expect must follow a --press");
            o.steps[o.n_steps - 1].marker = optarg;
            break;
        case OPT_IDLE: {
            st = add_step(&o, STEP_IDLE);
            char *end;
            st->seconds = strtod(optarg, &end);
            if (*end || st->seconds <= 0)
                die("--idle: '%s' is not a positive number of seconds", optarg);
            break;
        }
        case OPT_SIZE:
            if (sscanf(optarg, "%dx%d", &o.cols, &o.rows) != 2 || o.cols < 1 || o.rows < 1)
                die("--size: '%s' is not COLSxROWS", optarg);
            break;
        case OPT_QUIT:
            free(o.quit_keys);
            o.quit_keys = unescape(optarg, &o.quit_len);
            break;
        case OPT_TIMEOUT:
            o.timeout_ms = parse_int(optarg, "--timeout", 1);
            break;
        case OPT_QUIET:
            o.quiet_ms = parse_int(optarg, "--quiet", 0);
            break;
        case OPT_SETTLE:
            o.settle_ms = parse_int(optarg, "--settle", 0);
            break;
        case OPT_DUMP:
            o.dump_path = optarg;
            break;
        case OPT_NO_PTY:
            o.no_pty = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    for (int i = 0; i < o.n_steps; i++)
        if (o.steps[i].kind == STEP_PRESS && !o.steps[i].marker)
            die("--press '%s' has no --expect", o.steps[i].keys_text);
    if (o.no_pty && o.n_steps > 0)
        die("--no-pty takes no steps (there is no terminal to read)");
    if (o.dump_path) {
        dump_file = fopen(o.dump_path, "wb");
        if (!dump_file)
            die("cannot write %s: %s", o.dump_path, strerror(errno));
    }
    signal(SIGPIPE, SIG_IGN);
    int rc = o.no_pty ? run_no_pty(argv + optind) : run_pty(&o, argv + optind);
    if (dump_file)
        fclose(dump_file);
    return rc;
}

/* A TCP proxy on loopback that delays each direction and counts round trips, for the slow-link
 * test (tests/daemon-slowlink.sh) and benchmark (bench/bench-slowlink). It listens on
 * 127.0.0.1 and forwards each connection to a port on 127.0.0.1 or ::1, or to a unix socket:
 * it refuses every other address, so it can never carry traffic off the machine.
 *
 *   delay-proxy --to 127.0.0.1:PORT | --to unix:PATH [--delay-ms N] [--port-file F]
 *               [--log F]
 *
 * Each chunk read from one side is written to the other N ms later (N each way, so the round
 * trip grows by 2N). A round trip is a burst from the client after the server last spoke (or
 * the first burst of a connection): a synchronous RPC client makes one per call. The total is
 * printed on stderr at exit (SIGTERM, SIGINT) and on SIGUSR1; with --log, each round trip
 * appends one line "MONOTONIC_MS CONNECTION" to F as it happens, so a test can cut the count
 * at any moment and group the trips into bursts. The listening port (the kernel picks it
 * unless --port is given) is written to --port-file, else to stdout. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64
#define CHUNK 65536

/* Bytes read at `due - delay`, to be written at `due`. */
typedef struct Chunk {
    struct Chunk *next;
    long long due_ms;
    size_t len, off;
    char data[];
} Chunk;

/* One direction of a connection: what was read from `from`, waiting to go to `to`. */
typedef struct {
    int from, to;
    Chunk *head, *tail;
    int eof; /* `from` closed: shut `to` down once the queue is empty */
} Pipe;

typedef struct {
    int used, id;
    Pipe up, down;      /* client to server, server to client */
    int server_spoke;   /* the server sent something since the client's last burst */
    int client_started; /* the client has sent something */
} Conn;

static Conn conns[MAX_CONNS];
static long long delay_ms;
static long long round_trips;
static FILE *log_file;
static volatile sig_atomic_t want_exit, want_report;
static struct sockaddr_storage target;
static socklen_t target_len;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        want_report = 1;
    else
        want_exit = 1;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Only loopback or a unix socket: anything else is refused before the first connection. */
static int parse_target(const char *spec)
{
    memset(&target, 0, sizeof(target));
    if (strncmp(spec, "unix:", 5) == 0) {
        struct sockaddr_un *un = (struct sockaddr_un *)&target;
        if (strlen(spec + 5) >= sizeof(un->sun_path))
            return -1;
        un->sun_family = AF_UNIX;
        strcpy(un->sun_path, spec + 5);
        target_len = sizeof(*un);
        return 0;
    }
    const char *colon = strrchr(spec, ':');
    if (!colon)
        return -1;
    char host[64];
    size_t hl = (size_t)(colon - spec);
    if (hl == 0 || hl >= sizeof(host))
        return -1;
    memcpy(host, spec, hl);
    host[hl] = '\0';
    int port = atoi(colon + 1);
    if (port <= 0 || port > 65535)
        return -1;
    if (strcmp(host, "127.0.0.1") == 0) {
        struct sockaddr_in *in = (struct sockaddr_in *)&target;
        in->sin_family = AF_INET;
        in->sin_port = htons((unsigned short)port);
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        target_len = sizeof(*in);
        return 0;
    }
    if (strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&target;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((unsigned short)port);
        in6->sin6_addr = in6addr_loopback;
        target_len = sizeof(*in6);
        return 0;
    }
    return -1;
}

static void set_nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void free_queue(Pipe *p)
{
    while (p->head) {
        Chunk *c = p->head;
        p->head = c->next;
        free(c);
    }
    p->tail = NULL;
}

static void close_conn(Conn *c)
{
    close(c->up.from);
    close(c->up.to);
    free_queue(&c->up);
    free_queue(&c->down);
    c->used = 0;
}

static void accept_one(int lfd)
{
    static int next_id;
    int cfd = accept(lfd, NULL, NULL);
    if (cfd < 0)
        return;
    int sfd = socket(target.ss_family, SOCK_STREAM, 0);
    if (sfd < 0 || connect(sfd, (struct sockaddr *)&target, target_len) < 0) {
        perror("delay-proxy: connect");
        close(cfd);
        if (sfd >= 0)
            close(sfd);
        return;
    }
    int one = 1;
    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (target.ss_family != AF_UNIX)
        setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    set_nonblock(cfd);
    set_nonblock(sfd);
    for (int i = 0; i < MAX_CONNS; i++) {
        if (!conns[i].used) {
            memset(&conns[i], 0, sizeof(conns[i]));
            conns[i].used = 1;
            conns[i].id = next_id++;
            conns[i].up.from = cfd;
            conns[i].up.to = sfd;
            conns[i].down.from = sfd;
            conns[i].down.to = cfd;
            return;
        }
    }
    fprintf(stderr, "delay-proxy: too many connections\n");
    close(cfd);
    close(sfd);
}

static void count_trip(Conn *c)
{
    round_trips++;
    if (log_file) {
        fprintf(log_file, "%lld %d\n", now_ms(), c->id);
        fflush(log_file);
    }
}

/* Reads what `p->from` has; returns -1 when the connection is to be dropped. */
static int read_side(Conn *c, Pipe *p, int upward)
{
    char buf[CHUNK];
    ssize_t n = read(p->from, buf, sizeof(buf));
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    if (n == 0) {
        p->eof = 1;
        return 0;
    }
    if (upward) {
        if (c->server_spoke || !c->client_started)
            count_trip(c);
        c->server_spoke = 0;
        c->client_started = 1;
    } else {
        c->server_spoke = 1;
    }
    Chunk *ch = malloc(sizeof(Chunk) + (size_t)n);
    if (!ch)
        die("malloc");
    ch->next = NULL;
    ch->due_ms = now_ms() + delay_ms;
    ch->len = (size_t)n;
    ch->off = 0;
    memcpy(ch->data, buf, (size_t)n);
    if (p->tail)
        p->tail->next = ch;
    else
        p->head = ch;
    p->tail = ch;
    return 0;
}

/* Writes every chunk that is due; returns -1 when the connection is to be dropped. */
static int flush_side(Pipe *p, long long now)
{
    while (p->head && p->head->due_ms <= now) {
        Chunk *ch = p->head;
        ssize_t n = write(p->to, ch->data + ch->off, ch->len - ch->off);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        ch->off += (size_t)n;
        if (ch->off < ch->len)
            return 0;
        p->head = ch->next;
        if (!p->head)
            p->tail = NULL;
        free(ch);
    }
    if (!p->head && p->eof == 1) {
        shutdown(p->to, SHUT_WR);
        p->eof = 2;
    }
    return 0;
}

/* The poll timeout: until the next chunk is due. */
static int next_timeout(long long now)
{
    long long next = -1;
    for (int i = 0; i < MAX_CONNS; i++) {
        if (!conns[i].used)
            continue;
        Pipe *ps[2] = {&conns[i].up, &conns[i].down};
        for (int k = 0; k < 2; k++)
            /* A due chunk waits for POLLOUT, not for a timeout. */
            if (ps[k]->head && ps[k]->head->due_ms > now &&
                (next < 0 || ps[k]->head->due_ms < next))
                next = ps[k]->head->due_ms;
    }
    return next < 0 ? 1000 : (int)(next - now);
}

static void report(void)
{
    fprintf(stderr, "delay-proxy: %lld round trips\n", round_trips);
}

static int listen_on(int port)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0)
        die("socket");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 16) < 0)
        die("bind");
    set_nonblock(lfd);
    return lfd;
}

static void write_port(int lfd, const char *port_file)
{
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    getsockname(lfd, (struct sockaddr *)&a, &al);
    FILE *f = port_file ? fopen(port_file, "w") : stdout;
    if (!f)
        die(port_file);
    fprintf(f, "%d\n", ntohs(a.sin_port));
    if (port_file)
        fclose(f);
    else
        fflush(stdout);
}

/* One pass of the loop: poll every socket, read what came, write what is due. */
static void step(int lfd)
{
    struct pollfd pfd[1 + 2 * MAX_CONNS];
    int who[1 + 2 * MAX_CONNS];
    int n = 0;
    pfd[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
    for (int i = 0; i < MAX_CONNS; i++) {
        if (!conns[i].used)
            continue;
        Pipe *ps[2] = {&conns[i].up, &conns[i].down};
        for (int k = 0; k < 2; k++) {
            short ev = ps[k]->eof ? 0 : POLLIN;
            /* The other side's queue has something due: wait for room to write it. */
            Pipe *other = ps[1 - k];
            if (other->head && other->head->due_ms <= now_ms())
                ev |= POLLOUT;
            who[n] = i * 2 + k;
            pfd[n++] = (struct pollfd){.fd = ps[k]->from, .events = ev};
        }
    }
    int r = poll(pfd, (nfds_t)n, next_timeout(now_ms()));
    if (r < 0 && errno != EINTR)
        die("poll");
    if (r > 0 && (pfd[0].revents & POLLIN))
        accept_one(lfd);
    for (int j = 1; r > 0 && j < n; j++) {
        Conn *c = &conns[who[j] / 2];
        if (!c->used || !(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        int upward = who[j] % 2 == 0;
        if ((upward ? &c->up : &c->down)->eof)
            continue;
        if (read_side(c, upward ? &c->up : &c->down, upward) < 0)
            close_conn(c);
    }
    long long now = now_ms();
    for (int i = 0; i < MAX_CONNS; i++) {
        Conn *c = &conns[i];
        if (!c->used)
            continue;
        if (flush_side(&c->up, now) < 0 || flush_side(&c->down, now) < 0 ||
            (c->up.eof == 2 && c->down.eof == 2))
            close_conn(c);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: delay-proxy --to 127.0.0.1:PORT|[::1]:PORT|unix:PATH "
                    "[--delay-ms N] [--port N] [--port-file F] [--log F]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *to = NULL, *port_file = NULL, *log_path = NULL;
    int port = 0;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--to") == 0)
            to = argv[++i];
        else if (strcmp(argv[i], "--delay-ms") == 0)
            delay_ms = atoll(argv[++i]);
        else if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--port-file") == 0)
            port_file = argv[++i];
        else if (strcmp(argv[i], "--log") == 0)
            log_path = argv[++i];
        else
            usage();
    }
    if (!to)
        usage();
    if (parse_target(to) < 0) {
        fprintf(stderr, "delay-proxy: refusing '%s': only 127.0.0.1, ::1 or unix:PATH\n", to);
        return 2;
    }
    if (log_path && !(log_file = fopen(log_path, "a")))
        die(log_path);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    int lfd = listen_on(port);
    write_port(lfd, port_file);
    while (!want_exit) {
        step(lfd);
        if (want_report) {
            want_report = 0;
            report();
        }
    }
    report();
    return 0;
}

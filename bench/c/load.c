/* bench/c/load.c — the client load of the server rows (bench/server.lua):
 * one process, one thread, epoll, non-blocking TLS 1.3 connections to
 * 127.0.0.1:PORT, verifying the bench CA and "localhost" as every client
 * of the benchmarks does. Requests are 100 bytes of HTTP/1.1 (so nginx
 * serves them too); a response is complete at its headers' end plus
 * Content-Length bytes.
 *
 *   bench-load --mode idle --port P --certdir D --conns 10000
 *       opens conns connections (at most 500 handshakes at a time), prints
 *       "READY n", waits for a line on stdin, then sends one request on
 *       every connection at once and counts the answers
 *   bench-load --mode hs --port P --certdir D --conns 500 --seconds S [--resume 1]
 *       conns clients each connect, handshake, send a request with
 *       "Connection: close", read the answer and close, again and again
 *       (--resume: with the session of an earlier connection)
 *   bench-load --mode rr --port P --certdir D --conns 1000 --seconds S
 *       conns keep-alive connections, each sending its next request when
 *       the answer to the last is in: requests/s, p50 and p99 latency
 * Prints one JSON line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include "benchtls.h"

#define MAX_HANDSHAKING 500
#define MAX_RESPONSE 1024

enum state { TCP_CONNECTING, HANDSHAKING, SENDING, RECEIVING, IDLE, ANSWERED };

typedef struct conn {
    int fd;
    SSL *ssl;
    enum state state;
    int sent, have;
    double t_sent;
    char buf[MAX_RESPONSE];
} conn;

static struct {
    const char *mode, *certdir;
    int port, conns, resume;
    double seconds;
} opt = {"rr", NULL, 0, 100, 0, 5};

static SSL_CTX *ctx;
static SSL_SESSION *saved;
static int ep;
static char request[128], close_request[128];
static int request_len, close_request_len;
static long handshakes, reused, answers, failures, connecting;
static double *latencies;
static long nlat, cap_lat;

static void die(const char *what)
{
    fprintf(stderr, "bench-load: %s: %s\n", what, strerror(errno));
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 100-byte requests: padded with a header so that both are 100 bytes. */
static void make_requests(void)
{
    const char *keep = "GET / HTTP/1.1\r\nHost: localhost\r\nX-Pad: ";
    const char *close = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Pad: ";
    int pad = 100 - (int)strlen(keep) - 4;
    request_len = snprintf(request, sizeof request, "%s%.*s\r\n\r\n", keep, pad,
                           "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp");
    pad = 100 - (int)strlen(close) - 4;
    close_request_len = snprintf(close_request, sizeof close_request, "%s%.*s\r\n\r\n", close, pad,
                                 "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp");
}

static void watch(conn *c, uint32_t events, int op)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(ep, op, c->fd, &ev) < 0)
        die("epoll_ctl");
}

static void start(conn *c)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
    int one = 1;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0)
        die("socket");
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS)
        die("connect");
    c->state = TCP_CONNECTING;
    connecting++;
    watch(c, EPOLLOUT, EPOLL_CTL_ADD);
}

/* Closes without a TIME_WAIT (a reset): thousands of short connections
 * would otherwise run out of local ports. */
static void finish(conn *c)
{
    struct linger lg = {1, 0};
    if (c->state == TCP_CONNECTING || c->state == HANDSHAKING)
        connecting--;
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    SSL_free(c->ssl);
    close(c->fd);
    c->ssl = NULL;
    c->fd = -1;
}

/* Where the answer in c->buf ends, or 0 if it is not all in yet. */
static int response_end(conn *c)
{
    char *end, *cl;
    c->buf[c->have < MAX_RESPONSE ? c->have : MAX_RESPONSE - 1] = '\0';
    end = strstr(c->buf, "\r\n\r\n");
    if (!end)
        return 0;
    cl = strcasestr(c->buf, "\r\ncontent-length:");
    if (!cl || cl > end)
        return (int)(end + 4 - c->buf);
    {
        int total = (int)(end + 4 - c->buf) + atoi(cl + 17);
        return c->have >= total ? total : 0;
    }
}

static void record_latency(double dt)
{
    if (nlat == cap_lat) {
        cap_lat = cap_lat ? cap_lat * 2 : 65536;
        latencies = realloc(latencies, (size_t)cap_lat * sizeof *latencies);
        if (!latencies)
            die("realloc");
    }
    latencies[nlat++] = dt;
}

/* An I/O call wants to wait: watch for what it wants; else the connection failed. */
static int wait_or_fail(conn *c, int r)
{
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ) {
        watch(c, EPOLLIN, EPOLL_CTL_MOD);
        return 1;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
        watch(c, EPOLLOUT, EPOLL_CTL_MOD);
        return 1;
    }
    ERR_clear_error();
    failures++;
    return 0;
}

/* Runs c as far as it goes; returns 0 when it is finished (closed). */
static int step(conn *c)
{
    for (;;) {
        int r, err = 0;
        socklen_t len = sizeof err;
        switch (c->state) {
        case TCP_CONNECTING:
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
                failures++;
                return 0;
            }
            c->ssl = benchtls_ssl(ctx, 0);
            if (!c->ssl || !SSL_set_fd(c->ssl, c->fd))
                die("SSL");
            if (opt.resume && saved)
                SSL_set_session(c->ssl, saved);
            c->state = HANDSHAKING;
            break;
        case HANDSHAKING:
            r = SSL_do_handshake(c->ssl);
            if (r != 1)
                return wait_or_fail(c, r);
            handshakes++;
            connecting--;
            reused += SSL_session_reused(c->ssl);
            if (!strcmp(opt.mode, "idle")) {
                c->state = IDLE;
                watch(c, EPOLLIN, EPOLL_CTL_MOD);
                return 1;
            }
            c->state = SENDING;
            c->sent = 0;
            c->t_sent = now();
            break;
        case SENDING: {
            const char *req = !strcmp(opt.mode, "hs") ? close_request : request;
            int n = !strcmp(opt.mode, "hs") ? close_request_len : request_len;
            r = SSL_write(c->ssl, req + c->sent, n - c->sent);
            if (r <= 0)
                return wait_or_fail(c, r);
            c->sent += r;
            if (c->sent == n) {
                c->state = RECEIVING;
                c->have = 0;
            }
            break;
        }
        case RECEIVING:
            r = SSL_read(c->ssl, c->buf + c->have, MAX_RESPONSE - 1 - c->have);
            if (r <= 0)
                return wait_or_fail(c, r);
            c->have += r;
            if ((r = response_end(c)) == 0)
                break;
            answers++;
            if (!strcmp(opt.mode, "rr")) {
                record_latency(now() - c->t_sent);
                c->state = SENDING;
                c->sent = 0;
                c->t_sent = now();
                break;
            }
            if (!strcmp(opt.mode, "idle")) {
                c->state = ANSWERED;
                watch(c, EPOLLIN, EPOLL_CTL_MOD);
                return 1;
            }
            /* hs: the tickets came before the answer; keep one session,
             * and its SSL (one freed without a shutdown marks its session
             * not resumable). */
            if (opt.resume && !saved && SSL_SESSION_is_resumable(SSL_get0_session(c->ssl))) {
                saved = SSL_get1_session(c->ssl);
                c->ssl = NULL;
            }
            return 0;
        case IDLE:
        case ANSWERED:
            /* Nothing is expected: EOF or data means the server dropped us. */
            {
                char tmp[64];
                r = SSL_read(c->ssl, tmp, sizeof tmp);
                if (r <= 0 && wait_or_fail(c, r))
                    return 1;
                failures++;
                return 0;
            }
        }
    }
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double p)
{
    long i = (long)(p * (double)(nlat - 1));
    return nlat ? latencies[i] * 1000.0 : 0;
}

/* Waits up to ms for events and steps each connection. */
static void pump(int ms, int restart)
{
    struct epoll_event evs[512];
    int n = epoll_wait(ep, evs, 512, ms), i;
    if (n < 0 && errno != EINTR)
        die("epoll_wait");
    for (i = 0; i < n; i++) {
        conn *c = evs[i].data.ptr;
        if (!step(c)) {
            finish(c);
            if (restart)
                start(c);
        }
    }
}

int main(int argc, char **argv)
{
    conn *conns;
    struct rlimit rl;
    double t0, t_end;
    int i, opened = 0;
    for (i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i] + 2, *v = argv[i + 1];
        if (!strcmp(k, "mode")) opt.mode = v;
        else if (!strcmp(k, "certdir")) opt.certdir = v;
        else if (!strcmp(k, "port")) opt.port = atoi(v);
        else if (!strcmp(k, "conns")) opt.conns = atoi(v);
        else if (!strcmp(k, "seconds")) opt.seconds = atof(v);
        else if (!strcmp(k, "resume")) opt.resume = atoi(v);
        else {
            fprintf(stderr, "bench-load: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);   /* a peer gone mid-write is an error, not a signal */
    if (!opt.certdir || !opt.port)
        return fprintf(stderr, "bench-load: --port and --certdir are required\n"), 2;
    /* One descriptor per connection, and some. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)opt.conns + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    ctx = benchtls_ctx(0, opt.certdir, "ec");
    if (!ctx)
        die("context");
    make_requests();
    ep = epoll_create1(EPOLL_CLOEXEC);
    conns = calloc((size_t)opt.conns, sizeof *conns);
    if (ep < 0 || !conns)
        die("setup");

    if (!strcmp(opt.mode, "idle") || !strcmp(opt.mode, "rr")) {
        /* Open them all, at most MAX_HANDSHAKING at a time. */
        double deadline = now() + 120;
        while (handshakes + failures < opt.conns && now() < deadline) {
            while (opened < opt.conns && connecting < MAX_HANDSHAKING)
                start(&conns[opened++]);
            pump(100, 0);
        }
        if (!strcmp(opt.mode, "idle")) {
            char line[16];
            long ready = handshakes;
            printf("READY %ld\n", ready);
            fflush(stdout);
            if (!fgets(line, sizeof line, stdin))
                return 1;
            /* Everyone sends at once, then the answers are counted. */
            for (i = 0; i < opened; i++) {
                conn *c = &conns[i];
                if (c->fd >= 0 && c->state == IDLE) {
                    c->state = SENDING;
                    c->sent = 0;
                    if (!step(c))
                        finish(c);
                }
            }
            t0 = now();
            while (answers < ready && now() < t0 + 60)
                pump(100, 0);
            printf("{\"mode\":\"idle\",\"conns\":%d,\"connected\":%ld,\"answered\":%ld,"
                   "\"failures\":%ld,\"seconds\":%.3f}\n",
                   opt.conns, ready, answers, failures, now() - t0);
            return 0;
        }
        /* rr: every connection is sending its first request now. */
        for (i = 0; i < opened; i++) {
            conn *c = &conns[i];
            if (c->fd >= 0 && c->state == SENDING && !step(c))
                finish(c);
        }
        answers = 0;
        nlat = 0;
        t0 = now();
        t_end = t0 + opt.seconds;
        while (now() < t_end)
            pump(50, 0);
        t_end = now();
        qsort(latencies, (size_t)nlat, sizeof *latencies, compare);
        printf("{\"mode\":\"rr\",\"conns\":%d,\"connected\":%ld,\"requests\":%ld,\"rps\":%.1f,"
               "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"failures\":%ld,\"seconds\":%.3f}\n",
               opt.conns, handshakes, answers, (double)answers / (t_end - t0),
               percentile(0.50), percentile(0.99), failures, t_end - t0);
        return 0;
    }

    /* hs: conns clients, each starting again when done. */
    if (opt.resume) {
        /* A first connection gives the session everyone resumes. */
        start(&conns[0]);
        t0 = now();
        while (!saved && now() < t0 + 10)
            pump(100, 1);
        if (!saved)
            die("no session to resume");
        finish(&conns[0]);
    }
    handshakes = reused = answers = failures = connecting = 0;
    for (i = 0; i < opt.conns; i++)
        start(&conns[i]);
    t0 = now();
    t_end = t0 + opt.seconds;
    while (now() < t_end)
        pump(50, 1);
    t_end = now();
    printf("{\"mode\":\"hs\",\"conns\":%d,\"resume\":%d,\"handshakes\":%ld,\"reused\":%ld,"
           "\"hs_per_s\":%.1f,\"answers\":%ld,\"failures\":%ld,\"seconds\":%.3f}\n",
           opt.conns, opt.resume, handshakes, reused, (double)answers / (t_end - t0),
           answers, failures, t_end - t0);
    return 0;
}

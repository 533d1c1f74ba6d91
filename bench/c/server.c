/* bench/c/server.c — the C server of the server rows (bench/server.lua):
 * what bench/py/server.py and bench/pyssl/server.lua do with selectors,
 * with epoll on the same OpenSSL, contexts made as every bench program
 * makes them (benchtls.c). Non-blocking, one thread: accept, handshake,
 * then answer each request (its headers' end) with a fixed 100-byte HTTP
 * response; "Connection: close" closes after the answer.
 *   bench-server --certdir DIR [--port N]     prints "PORT n", serves until killed
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include "benchtls.h"

#define RESPONSE "HTTP/1.1 200 OK\r\nContent-Length: 61\r\n\r\n" \
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

typedef struct client {
    int fd;
    SSL *ssl;
    int handshaken, closing;
    size_t have, pending;   /* request bytes buffered; response bytes not yet sent */
    char buf[4096];
} client;

static int ep;

static void die(const char *what)
{
    fprintf(stderr, "bench-server: %s: %s\n", what, strerror(errno));
    ERR_print_errors_fp(stderr);
    exit(1);
}

static void watch(int fd, void *ptr, uint32_t events, int op)
{
    struct epoll_event ev = {.events = events, .data.ptr = ptr};
    if (epoll_ctl(ep, op, fd, &ev) < 0)
        die("epoll_ctl");
}

static void drop(client *c)
{
    SSL_free(c->ssl);
    close(c->fd);
    free(c);
    ERR_clear_error();
}

/* 1: wait (watch set), 0: the connection is over. */
static int wait_for(client *c, int r)
{
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        watch(c->fd, c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT, EPOLL_CTL_MOD);
        return 1;
    }
    return 0;
}

/* Runs c until it must wait; 0 when it is over. */
static int serve(client *c)
{
    static const char response[] = RESPONSE;
    int r;
    if (!c->handshaken) {
        if ((r = SSL_do_handshake(c->ssl)) != 1)
            return wait_for(c, r);
        c->handshaken = 1;
    }
    for (;;) {
        char *end;
        while (c->pending > 0) {
            r = SSL_write(c->ssl, response + sizeof response - 1 - c->pending, (int)c->pending);
            if (r <= 0)
                return wait_for(c, r);
            c->pending -= (size_t)r;
        }
        if (c->closing)
            return 0;
        /* A whole request buffered: answer it. */
        c->buf[c->have] = '\0';
        if ((end = strstr(c->buf, "\r\n\r\n")) != NULL) {
            size_t used = (size_t)(end + 4 - c->buf);
            char *close_header = strcasestr(c->buf, "\r\nConnection: close\r\n");
            c->closing = close_header != NULL && close_header < end;
            memmove(c->buf, c->buf + used, c->have - used);
            c->have -= used;
            c->pending = sizeof response - 1;
            continue;
        }
        if (c->have >= sizeof c->buf - 1)
            return 0;   /* a request too long for this server */
        r = SSL_read(c->ssl, c->buf + c->have, (int)(sizeof c->buf - 1 - c->have));
        if (r <= 0)
            return wait_for(c, r);
        c->have += (size_t)r;
    }
}

int main(int argc, char **argv)
{
    const char *certdir = NULL;
    int port = 0, lfd, bound = 0, i;
    SSL_CTX *ctx;
    static int listener_tag;
    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--certdir")) certdir = argv[i + 1];
        else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    }
    signal(SIGPIPE, SIG_IGN);   /* a peer gone mid-write is an error, not a signal */
    if (!certdir)
        return fprintf(stderr, "bench-server: --certdir is required\n"), 2;
    ctx = benchtls_ctx(1, certdir, "ec");
    if (!ctx)
        die("context");
    lfd = benchtls_listen(port, &bound);
    if (lfd < 0 || listen(lfd, 4096) < 0 || fcntl(lfd, F_SETFL, O_NONBLOCK) < 0)
        die("listen");
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    watch(lfd, &listener_tag, EPOLLIN, EPOLL_CTL_ADD);
    printf("PORT %d\n", bound);
    fflush(stdout);
    for (;;) {
        struct epoll_event evs[512];
        int n = epoll_wait(ep, evs, 512, -1);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (i = 0; i < n; i++) {
            if (evs[i].data.ptr == &listener_tag) {
                int fd, one = 1;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    client *c = calloc(1, sizeof *c);
                    if (!c)
                        die("calloc");
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c->fd = fd;
                    c->ssl = benchtls_ssl(ctx, 1);
                    if (!c->ssl || !SSL_set_fd(c->ssl, fd))
                        die("SSL");
                    watch(fd, c, EPOLLIN, EPOLL_CTL_ADD);
                    if (!serve(c))
                        drop(c);
                }
            } else {
                client *c = evs[i].data.ptr;
                if (!serve(c))
                    drop(c);
            }
        }
    }
}

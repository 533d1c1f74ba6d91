/* A C program that embeds Lua 5.4 and pyssl, as a game server would: the
 * host owns the event loop (epoll), the listening socket and the TLS
 * configuration (an SSL_CTX it builds with OpenSSL itself); a Lua script
 * speaks TLS to each client with pyssl, one coroutine per connection.
 *
 * usage: host --cert FILE --key FILE [--port N] [--timeout SECONDS] SCRIPT
 *
 * What goes through pyssl's C API (src/pyssl_api.h):
 *  - the host's SSL_CTX becomes an SSLContext (api->push_context), so the
 *    script wraps sockets with the host's certificate and settings;
 *  - each accepted descriptor becomes a non-blocking pyssl.socket
 *    (api->push_socket), which the script wraps as a server SSLSocket;
 *  - host.log_tls(tls), a C function the host gives the script, reads the
 *    SSL out of the SSLSocket (api->get_ssl) and logs the protocol and
 *    cipher, as a server's metrics would.
 *
 * The script returns a function handle(ctx, sock). The host runs it in a
 * coroutine; when the connection would block, the script yields "read" or
 * "write" and the host resumes it once epoll says the descriptor is ready.
 * When handle returns "exit", the host stops: it closes the listener and
 * every connection, lua_close()s the state and frees its SSL_CTX.
 *
 * It prints "listening on 127.0.0.1 port N" once ready (--port 0, the
 * default, lets the kernel pick a free port) and "host: bye" at a clean end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "pyssl_api.h"

/* One accepted connection: its descriptor and the coroutine serving it. */
typedef struct conn {
    int fd;
    int thread_ref;          /* the coroutine, anchored in the registry */
    lua_State *co;
    struct conn *next;       /* the host's list of live connections */
} conn;

typedef struct host {
    lua_State *L;
    const pyssl_api *api;
    SSL_CTX *ctx;
    int ctx_ref;             /* the SSLContext wrapping ctx */
    int handler_ref;         /* the script's handle(ctx, sock) */
    int epfd, listen_fd;
    int stopping;
    conn *conns;
    unsigned long served;
} host;

static const pyssl_api *api_of(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* host.log_tls(tls): the protocol and cipher of an SSLSocket's TLS, read
 * by the host from its SSL. */
static int l_log_tls(lua_State *L)
{
    SSL *ssl = api_of(L)->get_ssl(L, 1);
    if (!ssl)
        return luaL_error(L, "log_tls: not an open SSLSocket or SSLObject");
    printf("host: %s %s\n", SSL_get_version(ssl), SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
    fflush(stdout);
    return 0;
}

/* The host's TLS configuration, made with OpenSSL as any C server does. */
static SSL_CTX *make_ssl_ctx(const char *cert, const char *key)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static int listen_on(int port)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        close(fd);
        return -1;
    }
    printf("listening on 127.0.0.1 port %d\n", ntohs(sa.sin_port));
    fflush(stdout);
    return fd;
}

/* Loads the script: it returns the connection handler. */
static int load_script(host *h, const char *path)
{
    lua_State *L = h->L;
    if (luaL_loadfile(L, path) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
        fprintf(stderr, "host: %s\n", lua_tostring(L, -1));
        return 0;
    }
    if (!lua_isfunction(L, -1)) {
        fprintf(stderr, "host: %s must return a function\n", path);
        return 0;
    }
    h->handler_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 1;
}

/* Ends a connection: the coroutine is released (its SSLSocket, if the
 * script did not close it, is closed by the collector or lua_close). */
static void drop_conn(host *h, conn *c)
{
    conn **p;
    epoll_ctl(h->epfd, EPOLL_CTL_DEL, c->fd, NULL);   /* fails harmlessly once closed */
    for (p = &h->conns; *p != c; p = &(*p)->next)
        ;
    *p = c->next;
    luaL_unref(h->L, LUA_REGISTRYINDEX, c->thread_ref);
    free(c);
}

/* Runs the connection's coroutine until it waits or ends. */
static void resume(host *h, conn *c, int nargs)
{
    int nresults = 0, status = lua_resume(c->co, h->L, nargs, &nresults);
    if (status == LUA_YIELD) {
        const char *wait = nresults > 0 ? lua_tostring(c->co, -1) : NULL;
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.data.ptr = c;
        ev.events = wait && strcmp(wait, "write") == 0 ? EPOLLOUT : EPOLLIN;
        lua_pop(c->co, nresults);
        if (epoll_ctl(h->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0 &&
            epoll_ctl(h->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
            perror("host: epoll_ctl");
            drop_conn(h, c);
        }
        return;
    }
    if (status != LUA_OK) {
        fprintf(stderr, "host: connection failed: %s\n", luaL_tolstring(c->co, -1, NULL));
    } else if (nresults > 0 && lua_type(c->co, -1) == LUA_TSTRING &&
               strcmp(lua_tostring(c->co, -1), "exit") == 0) {
        h->stopping = 1;
    }
    drop_conn(h, c);
}

/* A new client: its descriptor goes to Lua as a pyssl.socket, and the
 * handler starts in a coroutine of its own. */
static void accept_client(host *h)
{
    lua_State *L = h->L;
    conn *c;
    int fd = accept4(h->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;   /* EAGAIN, or a client that left: nothing to do */
    c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->fd = fd;
    c->co = lua_newthread(L);
    c->thread_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    c->next = h->conns;
    h->conns = c;
    lua_rawgeti(c->co, LUA_REGISTRYINDEX, h->handler_ref);
    lua_rawgeti(c->co, LUA_REGISTRYINDEX, h->ctx_ref);
    if (h->api->push_socket(c->co, fd, 0.0) != LUA_OK) {   /* 0: non-blocking */
        fprintf(stderr, "host: %s\n", luaL_tolstring(c->co, -1, NULL));
        close(fd);   /* still ours on failure */
        c->fd = -1;
        drop_conn(h, c);
        return;
    }
    h->served++;
    resume(h, c, 2);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The event loop, until a handler says "exit" or the time limit passes. */
static int run(host *h, double limit)
{
    double deadline = now() + limit;
    while (!h->stopping) {
        struct epoll_event events[16];
        int i, n, wait_ms = (int)((deadline - now()) * 1000);
        if (wait_ms <= 0) {
            fprintf(stderr, "host: time limit reached\n");
            return 0;
        }
        n = epoll_wait(h->epfd, events, 16, wait_ms);
        if (n < 0 && errno != EINTR) {
            perror("host: epoll_wait");
            return 0;
        }
        for (i = 0; i < n && !h->stopping; i++) {
            if (events[i].data.ptr == NULL)
                accept_client(h);
            else
                resume(h, events[i].data.ptr, 0);
        }
    }
    return 1;
}

/* Lua, pyssl and the host's objects in it. */
static int setup_lua(host *h, const char *script)
{
    lua_State *L = luaL_newstate();
    if (!L)
        return 0;
    h->L = L;
    luaL_openlibs(L);
    h->api = pyssl_api_load(L);
    if (!h->api) {
        fprintf(stderr, "host: pyssl.core %d or later not found on LUA_CPATH\n", PYSSL_API_VERSION);
        return 0;
    }
    if (h->api->push_context(L, h->ctx) != LUA_OK) {
        fprintf(stderr, "host: %s\n", luaL_tolstring(L, -1, NULL));
        return 0;
    }
    /* The SSLContext hands back the very SSL_CTX it wraps. */
    if (h->api->get_ctx(L, -1) != h->ctx) {
        fprintf(stderr, "host: the SSLContext does not wrap the host's SSL_CTX\n");
        return 0;
    }
    h->ctx_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    lua_pushlightuserdata(L, (void *)h->api);
    lua_pushcclosure(L, l_log_tls, 1);
    lua_setfield(L, -2, "log_tls");
    lua_setglobal(L, "host");
    return load_script(h, script);
}

static void teardown(host *h)
{
    while (h->conns)
        drop_conn(h, h->conns);
    if (h->L)
        lua_close(h->L);   /* closes the sockets the scripts still held */
    if (h->listen_fd >= 0)
        close(h->listen_fd);
    if (h->epfd >= 0)
        close(h->epfd);
    SSL_CTX_free(h->ctx);   /* the host's reference; the SSLContext's went with Lua */
}

int main(int argc, char **argv)
{
    host h;
    const char *cert = NULL, *key = NULL, *script = NULL;
    int i, port = 0, ok = 0;
    double limit = 60;
    struct epoll_event ev;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc)
            cert = argv[++i];
        else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key = argv[++i];
        else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            limit = atof(argv[++i]);
        else
            script = argv[i];
    }
    if (!cert || !key || !script) {
        fprintf(stderr, "usage: %s --cert FILE --key FILE [--port N] [--timeout SECONDS] SCRIPT\n",
                argv[0]);
        return 2;
    }

    memset(&h, 0, sizeof h);
    h.epfd = h.listen_fd = -1;
    h.ctx = make_ssl_ctx(cert, key);
    if (!h.ctx) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    if (setup_lua(&h, script) && (h.epfd = epoll_create1(EPOLL_CLOEXEC)) >= 0 &&
        (h.listen_fd = listen_on(port)) >= 0) {
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.ptr = NULL;   /* the listener */
        if (epoll_ctl(h.epfd, EPOLL_CTL_ADD, h.listen_fd, &ev) == 0)
            ok = run(&h, limit);
    }
    teardown(&h);
    if (ok)
        printf("host: bye after %lu connections\n", h.served);
    return ok ? 0 : 1;
}

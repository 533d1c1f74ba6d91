/* bench/c/bench.c — the raw-C reference for pyssl's benchmarks.
 *
 * The straightforward fast way to do each workload with OpenSSL 3, using
 * the contexts and modes pyssl (and CPython's _ssl) use:
 *   SSL_CTX: SSL_MODE_RELEASE_BUFFERS, CPython's options and cipher string;
 *   SSL:     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY;
 *   client:  SSL_VERIFY_PEER against the generated CA, host name "localhost"
 *            checked by OpenSSL (X509_VERIFY_PARAM_set1_host) and sent as SNI.
 * Memory-BIO workloads move bytes the way a MemoryBIO user does: read all
 * that is pending from one side's outgoing BIO_s_mem into a buffer, write
 * it into the other side's incoming BIO_s_mem. Sessions are reused through
 * SSL_SESSION pointers (SSL_set_session), never serialised.
 *
 * Same command line as the other implementations; one JSON line per run.
 * Usage: bench-c --workload NAME --certdir DIR [--key ec|rsa] [--bytes N]
 *        [--chunk N] [--count N] [--warmup N] [--size N]
 *        [--role client|server] [--port N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include "benchtls.h"

#define IMPL "c"
#define SUITE BENCHTLS_SUITE

static struct {
    const char *workload, *certdir, *key, *role;
    long long bytes;
    int chunk, count, warmup, size, port;
} opt = {NULL, NULL, "ec", "client", 1LL << 30, 16384, 1000, -1, 64, 0};

static void die(const char *what)
{
    fprintf(stderr, "bench-c: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Bytes the allocator has handed out (small chunks plus mmapped ones). */
static long long heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
}

static long long rss_bytes(void)
{
    long long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%lld %lld", &size, &resident) != 2)
        die("cannot read /proc/self/statm");
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

/* ---- contexts and connections, configured like pyssl's (benchtls.c) ---- */

static SSL_CTX *make_ctx(int server)
{
    SSL_CTX *ctx = benchtls_ctx(server, opt.certdir, opt.key);
    if (!ctx)
        die(server ? "server context" : "client context");
    return ctx;
}

static SSL *make_ssl(SSL_CTX *ctx, int server)
{
    SSL *ssl = benchtls_ssl(ctx, server);
    if (!ssl)
        die("SSL_new");
    return ssl;
}

/* A connection over two memory BIOs that the application also holds
 * (as an SSLObject and its two MemoryBIO objects do). */
typedef struct {
    SSL *ssl;
    BIO *in, *out;
} memconn;

static BIO *mem_bio(void)
{
    BIO *b = benchtls_mem_bio();
    if (!b)
        die("BIO_new");
    return b;
}

static void memconn_open(memconn *c, SSL_CTX *ctx, int server)
{
    c->in = mem_bio();
    c->out = mem_bio();
    c->ssl = make_ssl(ctx, server);
    BIO_up_ref(c->in);
    BIO_up_ref(c->out);
    SSL_set_bio(c->ssl, c->in, c->out);
}

static void memconn_close(memconn *c)
{
    SSL_free(c->ssl);
    BIO_free(c->in);
    BIO_free(c->out);
    c->ssl = NULL;
    c->in = c->out = NULL;
}

/* Moves everything pending in `from` into `to` through a buffer. */
static size_t move(BIO *from, BIO *to)
{
    static char *buf;
    static size_t cap;
    size_t pending = BIO_ctrl_pending(from);
    int n;
    if (pending == 0)
        return 0;
    if (pending > cap) {
        free(buf);
        cap = pending;
        buf = malloc(cap);
        if (!buf)
            die("out of memory");
    }
    n = BIO_read(from, buf, (int)pending);
    if (n != (int)pending || BIO_write(to, buf, n) != n)
        die("BIO move");
    return pending;
}

/* Steps one side's handshake; returns 1 when done, 0 when it wants input. */
static int step_handshake(SSL *ssl)
{
    int r = SSL_do_handshake(ssl);
    if (r == 1)
        return 1;
    if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ)
        die("handshake");
    return 0;
}

static void handshake_pair(memconn *c, memconn *s)
{
    int cdone = 0, sdone = 0;
    while (!cdone || !sdone) {
        if (!cdone)
            cdone = step_handshake(c->ssl);
        move(c->out, s->in);
        if (!sdone)
            sdone = step_handshake(s->ssl);
        move(s->out, c->in);
    }
}

/* Reads whatever the client has been sent (session tickets); expects
 * "want read" afterwards. */
static void drain(SSL *ssl)
{
    char b[1];
    int r = SSL_read(ssl, b, sizeof b);
    if (r > 0 || SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ)
        die("unexpected data");
}

static void check_cipher(SSL *ssl)
{
    const char *name = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
    if (strcmp(name, SUITE) != 0 || SSL_version(ssl) != TLS1_3_VERSION)
        die("unexpected cipher or version");
    if (SSL_get_negotiated_group(ssl) != NID_X25519)
        die("unexpected group");
}

static void report(const char *unit, double value, double seconds, long long n)
{
    printf("{\"impl\":\"%s\",\"workload\":\"%s\",\"key\":\"%s\",\"unit\":\"%s\","
           "\"value\":%.6g,\"seconds\":%.6f,\"n\":%lld,\"cipher\":\"%s\",\"group\":\"x25519\"}\n",
           IMPL, opt.workload, opt.key, unit, value, seconds, n, SUITE);
}

static void report_memory(const char *unit, double value, long long rss, long long heap,
                          int count)
{
    printf("{\"impl\":\"%s\",\"workload\":\"%s\",\"key\":\"%s\",\"unit\":\"%s\",\"value\":%.6g,"
           "\"rss\":%lld,\"heap\":%lld,\"n\":%d}\n",
           IMPL, opt.workload, opt.key, unit, value, rss, heap, count);
}

static int warmup_of(int dflt)
{
    return opt.warmup >= 0 ? opt.warmup : dflt;
}

/* ---- memory-BIO workloads ---- */

static void bulk_mem(void)
{
    SSL_CTX *cctx = make_ctx(0), *sctx = make_ctx(1);
    memconn c, s;
    char *wbuf = malloc((size_t)opt.chunk), *rbuf = malloc((size_t)opt.chunk);
    long long chunks = opt.bytes / opt.chunk, warm = warmup_of((int)(chunks / 16 + 1));
    double t0 = 0;
    if (!wbuf || !rbuf)
        die("out of memory");
    memset(wbuf, 'x', (size_t)opt.chunk);
    memconn_open(&c, cctx, 0);
    memconn_open(&s, sctx, 1);
    handshake_pair(&c, &s);
    drain(c.ssl);
    check_cipher(c.ssl);
    for (long long i = -warm; i < chunks; i++) {
        int got = 0;
        if (i == 0)
            t0 = now();
        if (SSL_write(c.ssl, wbuf, opt.chunk) != opt.chunk)
            die("SSL_write");
        move(c.out, s.in);
        while (got < opt.chunk) {
            int r = SSL_read(s.ssl, rbuf, opt.chunk);
            if (r <= 0)
                die("SSL_read");
            got += r;
        }
    }
    {
        double dt = now() - t0;
        report("MiB/s", (double)(chunks * opt.chunk) / dt / 1048576.0, dt, chunks * opt.chunk);
    }
    memconn_close(&c);
    memconn_close(&s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    free(wbuf);
    free(rbuf);
}

/* One handshake: a new client and server over new memory BIOs, both sides
 * done, then the client reads what the server sent after its Finished
 * (the session tickets), and both are freed. For resumption the client
 * reuses the SSL_SESSION of a first connection that stays open meanwhile
 * (freeing an SSL without a shutdown would mark its session unresumable). */
static void handshakes_mem(int resume)
{
    SSL_CTX *cctx = make_ctx(0), *sctx = make_ctx(1);
    SSL_SESSION *session = NULL;
    memconn c0, s0;
    int warm = warmup_of(opt.count / 10 + 1);
    double t0 = 0;
    memconn_open(&c0, cctx, 0);
    memconn_open(&s0, sctx, 1);
    handshake_pair(&c0, &s0);
    drain(c0.ssl);
    check_cipher(c0.ssl);
    if (resume) {
        session = SSL_get1_session(c0.ssl);
        if (!session || !SSL_SESSION_is_resumable(session))
            die("no resumable session");
    }
    for (int i = -warm; i < opt.count; i++) {
        memconn c, s;
        if (i == 0)
            t0 = now();
        memconn_open(&c, cctx, 0);
        memconn_open(&s, sctx, 1);
        if (session && !SSL_set_session(c.ssl, session))
            die("SSL_set_session");
        handshake_pair(&c, &s);
        drain(c.ssl);
        if (resume && (i == -warm || i == opt.count - 1) && !SSL_session_reused(c.ssl))
            die("session not reused");
        memconn_close(&c);
        memconn_close(&s);
    }
    {
        double dt = now() - t0;
        report("hs/s", opt.count / dt, dt, opt.count);
    }
    memconn_close(&c0);
    memconn_close(&s0);
    SSL_SESSION_free(session);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

static void read_exact(SSL *ssl, char *buf, int n)
{
    int got = 0;
    while (got < n) {
        int r = SSL_read(ssl, buf + got, n - got);
        if (r <= 0)
            die("SSL_read");
        got += r;
    }
}

static void pingpong_mem(void)
{
    SSL_CTX *cctx = make_ctx(0), *sctx = make_ctx(1);
    memconn c, s;
    char *msg = malloc((size_t)opt.size), *buf = malloc((size_t)opt.size);
    int warm = warmup_of(opt.count / 10 + 1);
    double t0 = 0;
    if (!msg || !buf)
        die("out of memory");
    memset(msg, 'p', (size_t)opt.size);
    memconn_open(&c, cctx, 0);
    memconn_open(&s, sctx, 1);
    handshake_pair(&c, &s);
    drain(c.ssl);
    check_cipher(c.ssl);
    for (int i = -warm; i < opt.count; i++) {
        if (i == 0)
            t0 = now();
        if (SSL_write(c.ssl, msg, opt.size) != opt.size)
            die("SSL_write");
        move(c.out, s.in);
        read_exact(s.ssl, buf, opt.size);
        if (SSL_write(s.ssl, buf, opt.size) != opt.size)
            die("SSL_write");
        move(s.out, c.in);
        read_exact(c.ssl, buf, opt.size);
    }
    {
        double dt = now() - t0;
        report("rt/s", opt.count / dt, dt, opt.count);
    }
    memconn_close(&c);
    memconn_close(&s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    free(msg);
    free(buf);
}

/* Idle established connections over memory BIOs; only the measured side
 * (opt.role) is kept, its peer is freed right after the handshake. */
static void idle_mem(int keep_server)
{
    SSL_CTX *cctx = make_ctx(0), *sctx = make_ctx(1);
    memconn *kept = calloc((size_t)opt.count, sizeof *kept);
    int warm = warmup_of(20);
    long long rss0 = 0, heap0 = 0, rss, heap;
    if (!kept)
        die("out of memory");
    for (int i = -warm; i < opt.count; i++) {
        memconn c, s;
        if (i == 0) {
            rss0 = rss_bytes();
            heap0 = heap_bytes();
        }
        memconn_open(&c, cctx, 0);
        memconn_open(&s, sctx, 1);
        handshake_pair(&c, &s);
        drain(c.ssl);
        if (i < 0) {
            memconn_close(&c);
            memconn_close(&s);
        } else if (keep_server) {
            memconn_close(&c);
            kept[i] = s;
        } else {
            memconn_close(&s);
            kept[i] = c;
        }
    }
    rss = rss_bytes() - rss0;
    heap = heap_bytes() - heap0;
    report_memory("B/conn", (double)heap / opt.count, rss / opt.count, heap / opt.count,
                  opt.count);
    for (int i = 0; i < opt.count; i++)
        memconn_close(&kept[i]);
    free(kept);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

/* The bare process with a loaded server and client context. */
static void bare(void)
{
    SSL_CTX *sctx = make_ctx(1), *cctx = make_ctx(0);
    long long rss = rss_bytes(), heap = heap_bytes();
    report_memory("KiB", (double)rss / 1024.0, rss, heap, 1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/* ---- hashing (hashlib's row): not TLS ---- */

/* SHA-256 over opt.bytes in opt.chunk updates of one buffer, as
 * hashlib.sha256().update(chunk) in a loop: EVP_DigestUpdate per chunk. */
static void sha256_bulk(void)
{
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *buf = malloc((size_t)opt.chunk), out[EVP_MAX_MD_SIZE];
    long long chunks = opt.bytes / opt.chunk, warm = warmup_of((int)(chunks / 16 + 1));
    double t0, dt;
    if (!md || !ctx || !buf)
        die("sha256 setup");
    memset(buf, 'x', (size_t)opt.chunk);
    if (!EVP_DigestInit_ex(ctx, md, NULL))
        die("EVP_DigestInit_ex");
    for (long long i = 0; i < warm; i++)
        if (!EVP_DigestUpdate(ctx, buf, (size_t)opt.chunk))
            die("EVP_DigestUpdate");
    if (!EVP_DigestInit_ex(ctx, md, NULL))
        die("EVP_DigestInit_ex");
    t0 = now();
    for (long long i = 0; i < chunks; i++)
        if (!EVP_DigestUpdate(ctx, buf, (size_t)opt.chunk))
            die("EVP_DigestUpdate");
    if (!EVP_DigestFinal_ex(ctx, out, NULL))
        die("EVP_DigestFinal_ex");
    dt = now() - t0;
    printf("{\"impl\":\"%s\",\"workload\":\"%s\",\"unit\":\"MiB/s\",\"value\":%.6g,"
           "\"seconds\":%.6f,\"n\":%lld,\"digest\":\"sha256\"}\n",
           IMPL, opt.workload, (double)(chunks * opt.chunk) / dt / 1048576.0, dt, chunks * opt.chunk);
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
    free(buf);
}

/* ---- loopback TCP workloads: blocking sockets, one process per side ---- */

static int tcp_listen(void)
{
    int port, fd = benchtls_listen(opt.port, &port);
    if (fd < 0)
        die(strerror(errno));
    printf("PORT %d\n", port);
    fflush(stdout);
    return fd;
}

static int tcp_accept(int lfd)
{
    int fd = benchtls_accept(lfd);
    if (fd < 0)
        die(strerror(errno));
    return fd;
}

static int tcp_connect(void)
{
    int fd = benchtls_connect(opt.port);
    if (fd < 0)
        die(strerror(errno));
    return fd;
}

/* A TLS connection on a socket, handshake done (as wrap_socket does it). */
static SSL *tls_on(SSL_CTX *ctx, int fd, int server)
{
    SSL *ssl = make_ssl(ctx, server);
    if (!SSL_set_fd(ssl, fd) || SSL_do_handshake(ssl) != 1)
        die("TCP handshake");
    return ssl;
}

static void write_all(SSL *ssl, const char *buf, int n)
{
    if (SSL_write(ssl, buf, n) != n)
        die("SSL_write");
}

static void tls_close(SSL *ssl)
{
    int fd = SSL_get_fd(ssl);
    SSL_free(ssl);
    close(fd);
}

static void bulk_tcp(void)
{
    int server = strcmp(opt.role, "server") == 0;
    SSL_CTX *ctx = make_ctx(server);
    long long chunks = opt.bytes / opt.chunk, warm = warmup_of((int)(chunks / 16 + 1));
    char *buf = malloc((size_t)opt.chunk);
    SSL *ssl;
    if (!buf)
        die("out of memory");
    memset(buf, 'x', (size_t)opt.chunk);
    if (server) {
        int lfd = tcp_listen();
        ssl = tls_on(ctx, tcp_accept(lfd), 1);
        for (int phase = 0; phase < 2; phase++) {
            long long total = (phase == 0 ? warm : chunks) * opt.chunk, got = 0;
            while (got < total) {
                int r = SSL_read(ssl, buf, opt.chunk);
                if (r <= 0)
                    die("SSL_read");
                got += r;
            }
            write_all(ssl, "k", 1);
        }
        close(lfd);
    } else {
        double t0;
        ssl = tls_on(ctx, tcp_connect(), 0);
        check_cipher(ssl);
        for (long long i = 0; i < warm; i++)
            write_all(ssl, buf, opt.chunk);
        read_exact(ssl, buf, 1);
        t0 = now();
        for (long long i = 0; i < chunks; i++)
            write_all(ssl, buf, opt.chunk);
        read_exact(ssl, buf, 1);
        {
            double dt = now() - t0;
            report("MiB/s", (double)(chunks * opt.chunk) / dt / 1048576.0, dt,
                   chunks * opt.chunk);
        }
    }
    tls_close(ssl);
    SSL_CTX_free(ctx);
    free(buf);
}

static void pingpong_tcp(void)
{
    int server = strcmp(opt.role, "server") == 0;
    SSL_CTX *ctx = make_ctx(server);
    int warm = warmup_of(opt.count / 10 + 1);
    char *buf = malloc((size_t)opt.size);
    SSL *ssl;
    if (!buf)
        die("out of memory");
    memset(buf, 'p', (size_t)opt.size);
    if (server) {
        int lfd = tcp_listen();
        ssl = tls_on(ctx, tcp_accept(lfd), 1);
        for (int i = 0; i < warm + opt.count; i++) {
            read_exact(ssl, buf, opt.size);
            write_all(ssl, buf, opt.size);
        }
        close(lfd);
    } else {
        double t0 = 0;
        ssl = tls_on(ctx, tcp_connect(), 0);
        check_cipher(ssl);
        for (int i = -warm; i < opt.count; i++) {
            if (i == 0)
                t0 = now();
            write_all(ssl, buf, opt.size);
            read_exact(ssl, buf, opt.size);
        }
        {
            double dt = now() - t0;
            report("rt/s", opt.count / dt, dt, opt.count);
        }
    }
    tls_close(ssl);
    SSL_CTX_free(ctx);
    free(buf);
}

/* Each connection: TCP connect, full handshake, the server sends one byte
 * once its side is done, the client reads it (and the session tickets
 * before it), both close. */
static void handshakes_tcp(void)
{
    int server = strcmp(opt.role, "server") == 0;
    SSL_CTX *ctx = make_ctx(server);
    int warm = warmup_of(opt.count / 10 + 1);
    char b[1];
    if (server) {
        int lfd = tcp_listen();
        for (int i = 0; i < warm + opt.count; i++) {
            SSL *ssl = tls_on(ctx, tcp_accept(lfd), 1);
            write_all(ssl, "k", 1);
            tls_close(ssl);
        }
        close(lfd);
    } else {
        double t0 = 0;
        for (int i = -warm; i < opt.count; i++) {
            SSL *ssl;
            if (i == 0)
                t0 = now();
            ssl = tls_on(ctx, tcp_connect(), 0);
            read_exact(ssl, b, 1);
            if (i == -warm)
                check_cipher(ssl);
            tls_close(ssl);
        }
        {
            double dt = now() - t0;
            report("hs/s", opt.count / dt, dt, opt.count);
        }
    }
    SSL_CTX_free(ctx);
}

/* Idle established connections over TCP. The measured side is the one whose
 * role is named in the workload (idle-tcp-server: the server); the other
 * role is a peer that holds its ends open until the measured side exits. */
static void idle_tcp(int measure_server)
{
    int server = strcmp(opt.role, "server") == 0, measured = server == measure_server;
    SSL_CTX *ctx = make_ctx(server);
    int warm = warmup_of(20), lfd = server ? tcp_listen() : -1;
    SSL **kept = calloc((size_t)(warm + opt.count), sizeof *kept);
    long long rss0 = 0, heap0 = 0;
    char b[1];
    if (!kept)
        die("out of memory");
    for (int i = -warm; i < opt.count; i++) {
        SSL *ssl;
        if (i == 0 && measured) {
            rss0 = rss_bytes();
            heap0 = heap_bytes();
        }
        if (server) {
            ssl = tls_on(ctx, tcp_accept(lfd), 1);
            write_all(ssl, "k", 1);
        } else {
            ssl = tls_on(ctx, tcp_connect(), 0);
            read_exact(ssl, b, 1);
        }
        if (measured && i < 0)
            tls_close(ssl);
        else
            kept[i + warm] = ssl;
    }
    if (measured) {
        long long rss = rss_bytes() - rss0, heap = heap_bytes() - heap0;
        report_memory("B/conn", (double)heap / opt.count, rss / opt.count, heap / opt.count,
                      opt.count);
        fflush(stdout);
    } else {
        /* Wait until the measured side goes away. */
        SSL_read(kept[warm + opt.count - 1], b, 1);
    }
    for (int i = 0; i < warm + opt.count; i++)
        if (kept[i])
            tls_close(kept[i]);
    free(kept);
    if (lfd >= 0)
        close(lfd);
    SSL_CTX_free(ctx);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench-c --workload NAME --certdir DIR [--key ec|rsa] [--bytes N] "
                    "[--chunk N] [--count N] [--warmup N] [--size N] [--role R] [--port N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--workload")) opt.workload = v;
        else if (!strcmp(a, "--certdir")) opt.certdir = v;
        else if (!strcmp(a, "--key")) opt.key = v;
        else if (!strcmp(a, "--role")) opt.role = v;
        else if (!strcmp(a, "--bytes")) opt.bytes = atoll(v);
        else if (!strcmp(a, "--chunk")) opt.chunk = atoi(v);
        else if (!strcmp(a, "--count")) opt.count = atoi(v);
        else if (!strcmp(a, "--warmup")) opt.warmup = atoi(v);
        else if (!strcmp(a, "--size")) opt.size = atoi(v);
        else if (!strcmp(a, "--port")) opt.port = atoi(v);
        else usage();
    }
    if (!opt.workload || !opt.certdir || opt.chunk <= 0 || opt.count <= 0 || opt.size <= 0)
        usage();
    if (!strcmp(opt.workload, "bulk-mem")) bulk_mem();
    /* C has no copy to avoid: bulk-mem-into is bulk-mem (SSL_read into a buffer). */
    else if (!strcmp(opt.workload, "bulk-mem-into")) bulk_mem();
    else if (!strcmp(opt.workload, "hs-mem")) handshakes_mem(0);
    else if (!strcmp(opt.workload, "resume-mem")) handshakes_mem(1);
    else if (!strcmp(opt.workload, "pingpong-mem")) pingpong_mem();
    else if (!strcmp(opt.workload, "idle-mem-client")) idle_mem(0);
    else if (!strcmp(opt.workload, "idle-mem-server")) idle_mem(1);
    else if (!strcmp(opt.workload, "bare")) bare();
    else if (!strcmp(opt.workload, "sha256")) sha256_bulk();
    else if (!strcmp(opt.workload, "bulk-tcp")) bulk_tcp();
    else if (!strcmp(opt.workload, "pingpong-tcp")) pingpong_tcp();
    else if (!strcmp(opt.workload, "hs-tcp")) handshakes_tcp();
    else if (!strcmp(opt.workload, "idle-tcp-client")) idle_tcp(0);
    else if (!strcmp(opt.workload, "idle-tcp-server")) idle_tcp(1);
    else {
        fprintf(stderr, "bench-c: unknown workload %s\n", opt.workload);
        return 2;
    }
    return 0;
}

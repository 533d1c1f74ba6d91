/* bench/c/sslprof.c — splits a benchmark's time between OpenSSL's entry
 * points and everything else (the binding, the interpreter, the loop).
 *
 *   LD_PRELOAD=build/bench/sslprof.so lua5.4 bench/pyssl/bench.lua --workload hs-mem ...
 *
 * At exit it prints, for each wrapped function, the number of calls and
 * the wall time spent inside; compare with the run's total time. The
 * wrappers add ~50 ns per call, to every implementation alike. Interpreters
 * load libssl with dlopen(RTLD_LOCAL), so the real functions are looked up
 * in libssl.so.3 itself when RTLD_NEXT does not find them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <openssl/ssl.h>

enum { F_HANDSHAKE, F_READ, F_WRITE, F_NEW, F_FREE, F_COUNT };
static const char *const names[F_COUNT] = {
    "SSL_do_handshake", "SSL_read(_ex)", "SSL_write(_ex)", "SSL_new", "SSL_free"
};
static double spent[F_COUNT];
static long calls[F_COUNT];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *real(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (!p) {
        void *lib = dlopen("libssl.so.3", RTLD_NOW | RTLD_NOLOAD);
        p = lib ? dlsym(lib, name) : NULL;
    }
    if (!p) {
        fprintf(stderr, "sslprof: %s not found\n", name);
        abort();
    }
    return p;
}

#define TIMED(slot, expr) do { double t0_ = now(); expr; spent[slot] += now() - t0_; calls[slot]++; } while (0)

int SSL_do_handshake(SSL *s)
{
    static int (*f)(SSL *);
    int r;
    if (!f)
        *(void **)&f = real("SSL_do_handshake");
    TIMED(F_HANDSHAKE, r = f(s));
    return r;
}

int SSL_read(SSL *s, void *buf, int num)
{
    static int (*f)(SSL *, void *, int);
    int r;
    if (!f)
        *(void **)&f = real("SSL_read");
    TIMED(F_READ, r = f(s, buf, num));
    return r;
}

int SSL_read_ex(SSL *s, void *buf, size_t num, size_t *count)
{
    static int (*f)(SSL *, void *, size_t, size_t *);
    int r;
    if (!f)
        *(void **)&f = real("SSL_read_ex");
    TIMED(F_READ, r = f(s, buf, num, count));
    return r;
}

int SSL_write(SSL *s, const void *buf, int num)
{
    static int (*f)(SSL *, const void *, int);
    int r;
    if (!f)
        *(void **)&f = real("SSL_write");
    TIMED(F_WRITE, r = f(s, buf, num));
    return r;
}

int SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written)
{
    static int (*f)(SSL *, const void *, size_t, size_t *);
    int r;
    if (!f)
        *(void **)&f = real("SSL_write_ex");
    TIMED(F_WRITE, r = f(s, buf, num, written));
    return r;
}

SSL *SSL_new(SSL_CTX *ctx)
{
    static SSL *(*f)(SSL_CTX *);
    SSL *r;
    if (!f)
        *(void **)&f = real("SSL_new");
    TIMED(F_NEW, r = f(ctx));
    return r;
}

void SSL_free(SSL *s)
{
    static void (*f)(SSL *);
    if (!f)
        *(void **)&f = real("SSL_free");
    TIMED(F_FREE, f(s));
}

__attribute__((destructor)) static void report(void)
{
    double total = 0;
    for (int i = 0; i < F_COUNT; i++)
        total += spent[i];
    fprintf(stderr, "sslprof: %.6f s inside OpenSSL's wrapped entry points\n", total);
    for (int i = 0; i < F_COUNT; i++)
        if (calls[i])
            fprintf(stderr, "sslprof: %-17s %9ld calls %10.6f s %8.3f us/call\n", names[i], calls[i],
                    spent[i], spent[i] / (double)calls[i] * 1e6);
}

/* The descriptor BIO: the transport of an SSLSocket's TLS state (the
 * connection engine's BIO over a file descriptor; SSLObject's transport
 * is two MemoryBIOs, bio.c).
 *
 * recv/send on the descriptor, MSG_NOSIGNAL (a peer that went away gives
 * EPIPE, never SIGPIPE: no global signal disposition is touched) and
 * MSG_DONTWAIT while the socket has a timeout (BIO_set_nbio, set before
 * every operation as CPython does). The waiting is the caller's
 * (sslsocket.c's loops).
 */
#include <errno.h>
#include <sys/socket.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include "pyssl.h"

/* The BIO of an SSLSocket's TLS state: the descriptor, never closed by
 * the BIO (the socket owns it). */
typedef struct fd_bio {
    int fd;
    int nbio;       /* MSG_DONTWAIT: the socket has a timeout */
} fd_bio;

static BIO_METHOD *fd_bio_method;
static CRYPTO_ONCE fd_bio_once = CRYPTO_ONCE_STATIC_INIT;

/* Transient errors: the operation is to be retried once the descriptor
 * is ready. (Unlike BIO_sock_should_retry, ENOTCONN and EPROTO are
 * errors: poll() would report such a socket ready at once, forever.) */
static int should_retry(ssize_t r)
{
    return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
}

static int fd_bio_read(BIO *b, char *out, int outl)
{
    fd_bio *d = BIO_get_data(b);
    ssize_t r;
    if (!out || outl <= 0)
        return 0;
    errno = 0;
    r = recv(d->fd, out, (size_t)outl, d->nbio ? MSG_DONTWAIT : 0);
    BIO_clear_retry_flags(b);
    if (r <= 0) {
        if (should_retry(r))
            BIO_set_retry_read(b);
        else if (r == 0)
            BIO_set_flags(b, BIO_FLAGS_IN_EOF);   /* BIO_eof(): OpenSSL's UNEXPECTED_EOF */
    }
    return (int)r;
}

static int fd_bio_write(BIO *b, const char *in, int inl)
{
    fd_bio *d = BIO_get_data(b);
    ssize_t r;
    if (!in || inl <= 0)
        return 0;
    errno = 0;
    r = send(d->fd, in, (size_t)inl, MSG_NOSIGNAL | (d->nbio ? MSG_DONTWAIT : 0));
    BIO_clear_retry_flags(b);
    if (r <= 0 && should_retry(r))
        BIO_set_retry_write(b);
    return (int)r;
}

/* OpenSSL calls this ~90 times per handshake, mostly with commands it
 * answers 0 to: the data is fetched only by the commands that use it. */
static long fd_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    fd_bio *d;
    switch (cmd) {
    case BIO_C_SET_NBIO:
        d = BIO_get_data(b);
        d->nbio = num != 0;
        return 1;
    case BIO_C_GET_FD:
        d = BIO_get_data(b);
        if (ptr)
            *(int *)ptr = d->fd;
        return d->fd;
    case BIO_CTRL_EOF:
        return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
    case BIO_CTRL_GET_CLOSE:
        return BIO_NOCLOSE;
    case BIO_CTRL_SET_CLOSE:
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DUP:
        return 1;
    default:
        return 0;
    }
}

static int fd_bio_create(BIO *b)
{
    fd_bio *d = OPENSSL_zalloc(sizeof *d);
    if (!d)
        return 0;
    d->fd = -1;
    BIO_set_data(b, d);
    return 1;
}

static int fd_bio_destroy(BIO *b)
{
    if (!b)
        return 0;
    OPENSSL_free(BIO_get_data(b));
    BIO_set_data(b, NULL);
    BIO_set_init(b, 0);
    return 1;
}

static void make_fd_bio_method(void)
{
    BIO_METHOD *m;
    int index = BIO_get_new_index();
    if (index < 0)
        return;
    m = BIO_meth_new(index | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "pyssl socket");
    if (!m)
        return;
    if (!BIO_meth_set_read(m, fd_bio_read) || !BIO_meth_set_write(m, fd_bio_write) ||
        !BIO_meth_set_ctrl(m, fd_bio_ctrl) || !BIO_meth_set_create(m, fd_bio_create) ||
        !BIO_meth_set_destroy(m, fd_bio_destroy)) {
        BIO_meth_free(m);
        return;
    }
    fd_bio_method = m;
}

/* The method is shared by every Lua state of the process. It is freed
 * when the library is unloaded: lua_close() unloads C modules after the
 * last object (and so the last BIO) has been collected, so leak checkers
 * see no leak. */
__attribute__((destructor)) static void free_fd_bio_method(void)
{
    BIO_meth_free(fd_bio_method);
    fd_bio_method = NULL;
}

/* Puts a new descriptor BIO for fd under the connection (pyssl_conn_new
 * made it without one). */
void pyssl_fdbio_attach(lua_State *L, pyssl_conn *c, int fd)
{
    BIO *bio;
    fd_bio *d;
    pyssl_clear_errors();
    if (!CRYPTO_THREAD_run_once(&fd_bio_once, make_fd_bio_method) || !fd_bio_method)
        pyssl_raise_queue(L, NULL, "cannot create the socket BIO method", PYSSL_LOC);
    bio = BIO_new(fd_bio_method);
    if (!bio)
        pyssl_raise_queue(L, NULL, "cannot allocate the socket BIO", PYSSL_LOC);
    d = BIO_get_data(bio);
    d->fd = fd;
    BIO_set_init(bio, 1);
    SSL_set_bio(c->ssl, bio, bio);   /* one reference, for both directions */
}

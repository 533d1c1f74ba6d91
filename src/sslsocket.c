/* SSLSocket: TLS over a socket of pyssl.socket (CPython's ssl.SSLSocket
 * and the socket half of _ssl._SSLSocket).
 *
 * An SSLSocket is a socket: same memory (pyssl_socket), class "SSLSocket"
 * derived from "socket", so every plain-socket method works on it. Its
 * TLS state (Python's `_sslobj`) is an SSLObject over the descriptor,
 * kept in user value 2: nil before connect() and after unwrap(),
 * shutdown() or close().
 *
 * What is C here:
 *  - the BIO of the TLS state: recv/send on the descriptor, MSG_NOSIGNAL
 *    (a peer that went away gives EPIPE, never SIGPIPE: no global signal
 *    disposition is touched) and MSG_DONTWAIT while the socket has a
 *    timeout (BIO_set_nbio, set before every operation as CPython does);
 *  - the I/O loops of CPython's _ssl.c: one OpenSSL step, then wait for
 *    the descriptor with poll() as the step asked (WantRead/WantWrite),
 *    with the socket's timeout as one deadline for the whole operation
 *    (Python >= 3.5); a non-blocking socket (timeout 0) gets the
 *    SSLWantReadError/SSLWantWriteError at once;
 *  - the hot Python-level methods of ssl.SSLSocket (recv, recv_into, read,
 *    write, send, sendall, pending), which fall back to the plain socket's
 *    when there is no TLS state, as ssl.py does;
 *  - SSLContext:_wrap_socket (CPython's private constructor of the state);
 *  - the per-connection part of SSLSocket creation: _from_socket (the new
 *    SSLSocket with __init__'s first attributes) and _init_tls (__init__
 *    from server_hostname to the handshake, with the steps done directly
 *    for an SSLSocket and as method calls for a Lua subclass instance),
 *    so that a connection costs few Lua calls.
 * The rest of ssl.SSLSocket (wrap_socket's checks, connect, accept,
 * unwrap, the delegating methods and properties) is lua/pyssl/sslsocket.lua.
 *
 * No C resource is held across a call that may raise: the loops keep only
 * stack variables, and the TLS state is a Lua object from its creation.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include "pyssl.h"

#define CLASS "SSLSocket"
#define SSLOBJECT "SSLObject"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

/* User values of an SSLSocket (1 is the attribute table). */
enum {
    UV_SSLOBJ = 2,      /* the TLS state (an SSLObject), or nil */
    NUV = UV_SSLOBJ
};

/* Python's SSL_ERROR_EOF (args[0] of "EOF occurred in violation of protocol"). */
#define PY_SSL_ERROR_EOF 8

/* Registry keys (addresses) of the plain socket's methods, for the
 * fallbacks when no TLS is active. */
static const char KEY_RECV = 'r', KEY_RECV_INTO = 'i', KEY_SEND = 's', KEY_SENDALL = 'a';
/* Registry key of the handshake loop as a closure (made once, not per
 * connection), for handshake_after_init's lua_pcall. */
static const char KEY_HANDSHAKE = 'h';

/* --------------------------------------------------------------- BIO */

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
static void attach_fd_bio(lua_State *L, pyssl_conn *c, int fd)
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

/* ------------------------------------------------------- object access */

static pyssl_socket *check_sslsocket(lua_State *L, int idx)
{
    return pyssl_check_object(L, idx, CLASS);
}

/* Pushes the live TLS state of the SSLSocket at `self` and returns it, or
 * pushes nothing and returns NULL when there is none. */
static pyssl_conn *push_conn(lua_State *L, int self)
{
    pyssl_conn *c;
    if (lua_getiuservalue(L, self, UV_SSLOBJ) == LUA_TUSERDATA) {
        c = lua_touserdata(L, -1);
        if (c->ssl)
            return c;
    }
    lua_pop(L, 1);
    return NULL;
}

pyssl_conn *pyssl_sslsocket_conn(lua_State *L, int idx)
{
    pyssl_conn *c;
    if (!pyssl_test_object(L, idx, CLASS))
        return NULL;
    c = push_conn(L, idx);
    if (c)
        lua_pop(L, 1);   /* the SSLSocket keeps it */
    return c;
}

/* Drops the TLS state of the SSLSocket at `self`, freeing its OpenSSL
 * state at once (what CPython's refcount does when `_sslobj = None`). */
static void drop_conn(lua_State *L, int self)
{
    self = lua_absindex(L, self);
    if (lua_getiuservalue(L, self, UV_SSLOBJ) == LUA_TUSERDATA) {
        /* Closed first: from a callback of this connection the close is
         * refused (raises), and then the socket keeps its TLS state and
         * descriptor, which OpenSSL is using. */
        if (luaL_callmeta(L, -1, "__close"))
            lua_pop(L, 1);
        lua_pushnil(L);
        lua_setiuservalue(L, self, UV_SSLOBJ);
    }
    lua_pop(L, 1);
}

/* Calls the plain socket's method stored under `key` with the arguments
 * at 1..top; returns its results. */
static int call_base(lua_State *L, const char *key)
{
    int n = lua_gettop(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, key);
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

/* ssl.py implements recv and recv_into with self.read, and sendall with
 * self.send. For an instance of a Lua subclass, or one given an attribute
 * that hides the method (a mock), pushes self's `name` and returns 1 when
 * that is not the method `builtin` of this file: it must be called as
 * Python calls it. Returns 0, pushing nothing, when the call would reach
 * `builtin` (always for a plain SSLSocket), which C then does directly.
 * (A method replaced in the class table itself is not looked for.) */
static int push_replaced(lua_State *L, const char *name, lua_CFunction builtin)
{
    const void *metatable;
    lua_getmetatable(L, 1);   /* check_sslsocket has seen it */
    metatable = lua_topointer(L, -1);
    lua_pop(L, 1);
    if (metatable == pyssl_state_of(L)->sslsocket_metatable)
        return 0;
    lua_getfield(L, 1, name);
    if (lua_tocfunction(L, -1) == builtin) {
        lua_pop(L, 1);
        return 0;
    }
    return 1;
}

/* -------------------------------------------------------------- waiting */

/* One operation on the TLS state: the socket, the state and its stack
 * index, the deadline of the whole operation. */
typedef struct op {
    pyssl_socket *s;
    pyssl_conn *c;
    int conn;
    double deadline;
} op;

/* PySSL_select's answers. */
enum { SOCK_OK, SOCK_TIMED_OUT, SOCK_NONBLOCKING, SOCK_CLOSED };

/* Starts an operation on the SSLSocket at 1: pushes the TLS state.
 * Returns 0 (pushing nothing) when there is none. */
static int op_begin(lua_State *L, op *o)
{
    o->s = lua_touserdata(L, 1);
    o->c = push_conn(L, 1);
    if (!o->c)
        return 0;
    o->conn = lua_gettop(L);
    PYSSL_ASSERT(o->c->socket_fd == o->s->fd);
    /* Just in case the blocking state of the socket has been changed. */
    BIO_set_nbio(SSL_get_rbio(o->c->ssl), o->s->timeout >= 0);
    o->deadline = o->s->timeout > 0 ? pyssl_monotonic() + o->s->timeout : -1;
    return 1;
}

/* The socket no longer has the descriptor the TLS state was made on
 * (closed or detached): OpenSSL must not touch that number again. */
static int op_closed(const op *o)
{
    return o->s->fd < 0 || o->s->fd != o->c->socket_fd;
}

/* Waits as the failed step asks (CPython's PySSL_select). */
static int op_wait(lua_State *L, op *o, int ssl_error)
{
    int writing = ssl_error == SSL_ERROR_WANT_WRITE;
    pyssl_socket *s = o->s;
    if (s->timeout == 0)
        return SOCK_NONBLOCKING;
    if (op_closed(o))
        return SOCK_CLOSED;
    if (s->timeout < 0) {
        /* Blocking: OpenSSL asks only if the descriptor was made
         * non-blocking behind our back; wait instead of spinning. */
        pyssl_socket_wait(L, s->fd, writing, -1);
        return SOCK_OK;
    }
    if (o->deadline < 0)   /* a timeout set during the operation */
        o->deadline = pyssl_monotonic() + s->timeout;
    return pyssl_socket_wait(L, s->fd, writing, o->deadline) ? SOCK_OK : SOCK_TIMED_OUT;
}

static int wants_io(const pyssl_io_result *res)
{
    return res->ssl_error == SSL_ERROR_WANT_READ || res->ssl_error == SSL_ERROR_WANT_WRITE;
}

static int raise_closed(lua_State *L)
{
    return pyssl_raise(L, "SSLError", "Underlying socket has been closed.");
}

/* ----------------------------------------------------------- the loops */

/* The handshake loop of _do_handshake on the SSLSocket at 1, CPython's
 * _ssl__SSLSocket_do_handshake_impl over the socket. */
static int handshake(lua_State *L)
{
    op o;
    pyssl_io_result res;
    int st;
    if (!op_begin(L, &o))
        return pyssl_raise(L, "AttributeError", "'NoneType' object has no attribute 'do_handshake'");
    if (op_closed(&o))
        return pyssl_raise(L, "SSLError", "%s:%d: Underlying socket has been closed.", PYSSL_LOC);
    for (;;) {
        if (pyssl_conn_handshake_step(L, o.c, o.conn, &res) || !wants_io(&res))
            break;
        st = op_wait(L, &o, res.ssl_error);
        if (st == SOCK_TIMED_OUT)
            return pyssl_raise(L, "TimeoutError", "%s:%d: The handshake operation timed out",
                               PYSSL_LOC);
        if (st == SOCK_CLOSED)
            return pyssl_raise(L, "SSLError", "%s:%d: Underlying socket has been closed.",
                               PYSSL_LOC);
        if (st == SOCK_NONBLOCKING)
            break;
    }
    if (res.ret < 1)
        return pyssl_conn_raise(L, o.c, o.conn, &res, PYSSL_LOC);
    pyssl_conn_check_callback(L, o.c, o.conn);
    return 0;
}

/* _do_handshake(): the C part of do_handshake(). */
static int sslsock_do_handshake(lua_State *L)
{
    check_sslsocket(L, 1);
    lua_settop(L, 1);
    return handshake(L);
}

/* do_handshake() of SSLSocket creation on the SSLSocket s at 1: the
 * handshake, then its `finally: settimeout(timeout)`. Creation set the
 * descriptor's mode just before, so it is set again only if the timeout
 * changed during the handshake (a callback's settimeout): one system call
 * less per connection. */
static void handshake_after_init(lua_State *L, pyssl_socket *s)
{
    double timeout = s->timeout;
    int status;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_HANDSHAKE);
    lua_pushvalue(L, 1);
    status = lua_pcall(L, 1, 0, 0);
    if (s->timeout != timeout)
        pyssl_socket_settimeout(L, s, timeout);
    if (status != LUA_OK)
        lua_error(L);
}

/* Raises the error of a failed step (light userdata 1: the op and the
 * result; the TLS state at 2). Run under lua_pcall by read_failed. */
typedef struct failed_step {
    op *o;
    const pyssl_io_result *res;
} failed_step;

static int raise_step(lua_State *L)
{
    failed_step *f = lua_touserdata(L, 1);
    return pyssl_conn_raise(L, f->o->c, 2, f->res, PYSSL_LOC);
}

/* A read failed: raises its error, except what ssl.py's read() turns into
 * b"": an SSLError whose args[0] is SSL_ERROR_EOF while the socket's
 * suppress_ragged_eofs is true (then returns). */
static void read_failed(lua_State *L, op *o, const pyssl_io_result *res)
{
    failed_step f;
    int suppress, eof = 0;
    f.o = o;
    f.res = res;
    lua_pushcfunction(L, raise_step);
    lua_pushlightuserdata(L, &f);
    lua_pushvalue(L, o->conn);
    if (lua_pcall(L, 2, 0, 0) == LUA_OK)
        return;   /* not reached: raise_step always raises */
    pyssl_push_dict(L, 1);
    lua_getfield(L, -1, "suppress_ragged_eofs");
    suppress = lua_toboolean(L, -1);
    lua_pop(L, 2);
    if (suppress) {
        lua_getfield(L, LUA_REGISTRYINDEX, "pyssl.SSLError");
        if (pyssl_isinstance(L, -2, -1) && lua_getfield(L, -2, "args") == LUA_TTABLE) {
            lua_rawgeti(L, -1, 1);
            eof = lua_isinteger(L, -1) && lua_tointeger(L, -1) == PY_SSL_ERROR_EOF;
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    }
    if (!eof)
        lua_error(L);
    lua_pop(L, 1);
}

/* Reads at most len bytes into buf: CPython's _ssl__SSLSocket_read_impl
 * plus ssl.py's suppress_ragged_eofs. Returns the count (0 at EOF). */
static size_t tls_read(lua_State *L, op *o, void *buf, size_t len)
{
    pyssl_io_result res;
    size_t count = 0;
    int st;
    if (op_closed(o))
        raise_closed(L);
    for (;;) {
        if (pyssl_conn_read_step(L, o->c, o->conn, buf, len, &count, &res)) {
            if (o->c->callback_failed)
                pyssl_conn_check_callback(L, o->c, o->conn);
            return count;
        }
        if (!wants_io(&res)) {
            /* Only the peer has closed: b"" (a clean EOF). */
            if (res.ssl_error == SSL_ERROR_ZERO_RETURN &&
                SSL_get_shutdown(o->c->ssl) == SSL_RECEIVED_SHUTDOWN && !o->c->callback_failed)
                return 0;
            break;
        }
        st = op_wait(L, o, res.ssl_error);
        if (st == SOCK_TIMED_OUT)
            pyssl_raise(L, "TimeoutError", "The read operation timed out");
        if (st == SOCK_CLOSED)
            raise_closed(L);
        if (st == SOCK_NONBLOCKING)
            break;
    }
    read_failed(L, o, &res);
    return 0;
}

/* Writes all of data: CPython's _ssl__SSLSocket_write_impl (no partial
 * writes: SSL_MODE_ENABLE_PARTIAL_WRITE is off). Returns the count. */
static size_t tls_write(lua_State *L, op *o, const char *data, size_t len)
{
    pyssl_io_result res;
    size_t count = 0;
    int st;
    if (len > INT_MAX)
        pyssl_raise(L, "OverflowError", "string longer than %d bytes", INT_MAX);
    if (op_closed(o))
        raise_closed(L);
    for (;;) {
        if (pyssl_conn_write_step(L, o->c, o->conn, data, len, &count, &res) || !wants_io(&res))
            break;
        st = op_wait(L, o, res.ssl_error);
        if (st == SOCK_TIMED_OUT)
            pyssl_raise(L, "TimeoutError", "The write operation timed out");
        if (st == SOCK_CLOSED)
            raise_closed(L);
        if (st == SOCK_NONBLOCKING)
            break;
    }
    if (res.ret != 1)
        pyssl_conn_raise(L, o->c, o->conn, &res, PYSSL_LOC);
    if (o->c->callback_failed)
        pyssl_conn_check_callback(L, o->c, o->conn);
    return count;
}

/* _unwrap(): the C part of unwrap(), CPython's _ssl__SSLSocket_shutdown_impl:
 * sends close_notify and waits for the peer's; returns the socket. */
static int sslsock_unwrap(lua_State *L)
{
    op o;
    pyssl_io_result res;
    int ret = 0, zeros = 0, st;
    check_sslsocket(L, 1);
    lua_settop(L, 1);
    if (!op_begin(L, &o))
        return pyssl_raise(L, "AttributeError", "'NoneType' object has no attribute 'shutdown'");
    if (op_closed(&o))
        return pyssl_raise_located(L, "Underlying socket connection gone", PYSSL_LOC);
    for (;;) {
        /* Once close_notify is out, read record by record: plain text
         * the peer sends after its close_notify must stay in the socket. */
        if (zeros)
            SSL_set_read_ahead(o.c->ssl, 0);
        ret = pyssl_conn_shutdown_step(L, o.c, o.conn, &res);
        if (ret > 0)
            break;
        if (ret == 0) {
            /* close_notify sent; like CPython, try at most twice. */
            if (++zeros > 1)
                break;
            continue;
        }
        if (!wants_io(&res))
            break;
        st = op_wait(L, &o, res.ssl_error);
        if (st == SOCK_TIMED_OUT)
            return pyssl_raise(L, "TimeoutError", "%s", res.ssl_error == SSL_ERROR_WANT_READ
                               ? "The read operation timed out" : "The write operation timed out");
        if (st != SOCK_OK)
            break;
    }
    if (ret < 0)
        return pyssl_conn_raise(L, o.c, o.conn, &res, PYSSL_LOC);
    pyssl_conn_check_callback(L, o.c, o.conn);
    lua_pushvalue(L, 1);
    return 1;
}

/* ------------------------------------------------- Python-level methods */

/* Python's "%s" % self.__class__ for the messages below. */
static const char *class_repr(lua_State *L)
{
    if (luaL_getmetafield(L, 1, "__class") == LUA_TNIL)
        lua_pushnil(L);
    return luaL_tolstring(L, -1, NULL);
}

static int flags_error(lua_State *L, const char *method)
{
    const char *cls = class_repr(L);
    return pyssl_raise(L, "ValueError", "non-zero flags not allowed in calls to %s() on %s",
                       method, cls);
}

/* Is the flags argument at idx non-zero (Python's `flags != 0`)? */
static int nonzero_flags(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx))
        return 0;
    if (lua_type(L, idx) == LUA_TNUMBER)
        return lua_tonumber(L, idx) != 0;
    if (lua_isboolean(L, idx))
        return lua_toboolean(L, idx);
    return 1;
}

/* The count argument of read(len): Python's index rules. */
static lua_Integer check_len(lua_State *L, int idx)
{
    return lua_isnoneornil(L, idx) ? 1024 : pyssl_check_index(L, idx);
}

/* read(len=1024, buffer=nil): bytes, or the count read into a bytearray;
 * "" at EOF (and for a suppressed ragged EOF). */
static int read_common(lua_State *L, lua_Integer len, int buffer_idx)
{
    op o;
    size_t count, buflen = 0;
    unsigned char *buf = NULL;
    if (buffer_idx && !lua_isnoneornil(L, buffer_idx)) {
        buf = pyssl_test_bytearray(L, buffer_idx, &buflen);
        if (!buf)
            return pyssl_raise(L, "TypeError", "read() argument 2 must be read-write bytes-like object, not %s",
                               pyssl_typename(L, buffer_idx));
    }
    if (!op_begin(L, &o))
        return pyssl_raise(L, "ValueError", "Read on closed or unwrapped SSL socket.");
    if (buf) {
        if (len <= 0 || (size_t)len > buflen)
            len = (lua_Integer)buflen;
        if (len > INT_MAX)
            return pyssl_raise(L, "OverflowError", "maximum length can't fit in a C 'int'");
        count = len == 0 ? 0 : tls_read(L, &o, buf, (size_t)len);
        lua_pushinteger(L, (lua_Integer)count);
        return 1;
    }
    if (len == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (len < 0)
        return pyssl_raise(L, "ValueError", "size should not be negative");
    /* One SSL_read never returns more than one record. */
    if (len > PYSSL_RECORD_MAX)
        len = PYSSL_RECORD_MAX;
    buf = pyssl_state_of(L)->scratch;
    count = tls_read(L, &o, buf, (size_t)len);
    lua_pushlstring(L, (const char *)buf, count);
    return 1;
}

/* read(len=1024, buffer=nil) */
static int sslsock_read(lua_State *L)
{
    static const char *const names[] = {"len", "buffer", NULL};
    static const pyssl_sig sig = {"SSLSocket.read", PYSSL_PARAMS(names), 2, 0, PYSSL_WORDING_KEYWORDS, 0};
    check_sslsocket(L, 1);
    pyssl_bind(L, &sig, 2);
    return read_common(L, check_len(L, 2), 3);
}

/* recv(buflen=1024, flags=0) */
static int sslsock_recv(lua_State *L)
{
    static const char *const names[] = {"buflen", "flags", NULL};
    static const pyssl_sig sig = {"SSLSocket.recv", PYSSL_PARAMS(names), 2, 0, PYSSL_WORDING_KEYWORDS, 0};
    check_sslsocket(L, 1);
    pyssl_bind(L, &sig, 2);
    lua_getiuservalue(L, 1, UV_SSLOBJ);
    if (lua_isnil(L, -1) || !((pyssl_conn *)lua_touserdata(L, -1))->ssl) {
        lua_settop(L, 3);
        if (lua_isnil(L, 2))
            lua_pushinteger(L, 1024), lua_replace(L, 2);
        if (lua_isnil(L, 3))
            lua_pushinteger(L, 0), lua_replace(L, 3);
        return call_base(L, &KEY_RECV);
    }
    lua_pop(L, 1);
    if (nonzero_flags(L, 3))
        return flags_error(L, "recv");
    if (push_replaced(L, "read", sslsock_read)) {
        lua_pushvalue(L, 1);
        if (lua_isnil(L, 2))
            lua_pushinteger(L, 1024);
        else
            lua_pushvalue(L, 2);
        lua_call(L, 2, 1);
        return 1;
    }
    return read_common(L, check_len(L, 2), 0);
}

/* recv_into(buffer, nbytes=nil, flags=0) */
static int sslsock_recv_into(lua_State *L)
{
    static const char *const names[] = {"buffer", "nbytes", "flags", NULL};
    static const pyssl_sig sig = {"SSLSocket.recv_into", PYSSL_PARAMS(names), 3, 0, PYSSL_WORDING_KEYWORDS, 0};
    lua_Integer nbytes;
    size_t buflen = 0;
    check_sslsocket(L, 1);
    pyssl_bind(L, &sig, 2);
    if (lua_isnil(L, 3)) {
        if (!pyssl_test_bytearray(L, 2, &buflen))
            buflen = 0;
        nbytes = buflen ? (lua_Integer)buflen : 1024;
    } else {
        nbytes = pyssl_check_index(L, 3);
    }
    lua_getiuservalue(L, 1, UV_SSLOBJ);
    if (lua_isnil(L, -1) || !((pyssl_conn *)lua_touserdata(L, -1))->ssl) {
        lua_settop(L, 4);
        lua_pushinteger(L, nbytes);
        lua_replace(L, 3);
        if (lua_isnil(L, 4))
            lua_pushinteger(L, 0), lua_replace(L, 4);
        return call_base(L, &KEY_RECV_INTO);
    }
    lua_pop(L, 1);
    if (nonzero_flags(L, 4))
        return flags_error(L, "recv_into");
    if (push_replaced(L, "read", sslsock_read)) {
        lua_pushvalue(L, 1);
        lua_pushinteger(L, nbytes);
        lua_pushvalue(L, 2);
        lua_call(L, 3, 1);
        return 1;
    }
    /* self.read(nbytes, None): bytes, as read() without a buffer. */
    return read_common(L, nbytes, lua_isnil(L, 2) ? 0 : 2);
}

/* Bytes to send: a string or a bytearray. */
static const char *check_data(lua_State *L, int idx, size_t *len)
{
    unsigned char *b;
    if (lua_type(L, idx) == LUA_TSTRING)
        return lua_tolstring(L, idx, len);
    if ((b = pyssl_test_bytearray(L, idx, len)) != NULL)
        return (const char *)b;
    return pyssl_check_bytes(L, idx, len);
}

/* write(data) -> number of bytes written (all of them) */
static int sslsock_write(lua_State *L)
{
    op o;
    size_t len;
    const char *data;
    check_sslsocket(L, 1);
    lua_settop(L, 2);
    if (!op_begin(L, &o))
        return pyssl_raise(L, "ValueError", "Write on closed or unwrapped SSL socket.");
    data = check_data(L, 2, &len);
    lua_pushinteger(L, (lua_Integer)tls_write(L, &o, data, len));
    return 1;
}

/* send(data, flags=0) -> number of bytes written */
static int sslsock_send(lua_State *L)
{
    static const char *const names[] = {"data", "flags", NULL};
    static const pyssl_sig sig = {"SSLSocket.send", PYSSL_PARAMS(names), 2, 0, PYSSL_WORDING_KEYWORDS, 0};
    op o;
    size_t len;
    const char *data;
    check_sslsocket(L, 1);
    pyssl_bind(L, &sig, 2);
    if (!op_begin(L, &o)) {
        if (lua_isnil(L, 3))
            lua_pushinteger(L, 0), lua_replace(L, 3);
        return call_base(L, &KEY_SEND);
    }
    if (nonzero_flags(L, 3))
        return flags_error(L, "send");
    data = check_data(L, 2, &len);
    lua_pushinteger(L, (lua_Integer)tls_write(L, &o, data, len));
    return 1;
}

/* ssl.py's sendall loop over a replaced send() (on the stack top): each
 * call gets what is left of the data at 2 (checked here, before the first
 * call, as memoryview(data) is), and returns how much of it it sent. A
 * bytearray is copied into a string first: the replaced send() may
 * resize it. */
static int sendall_through(lua_State *L)
{
    int send = lua_gettop(L);
    size_t len, done = 0;
    const char *data;
    if (lua_type(L, 2) != LUA_TSTRING) {
        data = check_data(L, 2, &len);
        lua_pushlstring(L, data, len);
        lua_replace(L, 2);
    }
    data = lua_tolstring(L, 2, &len);
    while (done < len) {
        lua_Integer sent;
        lua_pushvalue(L, send);
        lua_pushvalue(L, 1);
        if (done == 0)
            lua_pushvalue(L, 2);
        else
            lua_pushlstring(L, data + done, len - done);
        lua_call(L, 2, 1);
        if (!lua_isinteger(L, -1))
            return pyssl_raise(L, "TypeError", "unsupported operand type(s) for +=: 'int' and '%s'",
                               pyssl_typename(L, -1));
        sent = lua_tointeger(L, -1);
        lua_pop(L, 1);
        /* Python's loop adds what send() returns and ends once the count
         * reaches the length; a negative count has no slice to send next. */
        if (sent < 0)
            return pyssl_raise(L, "ValueError", "send() returned a negative count: %I", sent);
        done = (size_t)sent >= len - done ? len : done + (size_t)sent;
    }
    return 0;
}

/* sendall(data, flags=0) */
static int sslsock_sendall(lua_State *L)
{
    static const char *const names[] = {"data", "flags", NULL};
    static const pyssl_sig sig = {"SSLSocket.sendall", PYSSL_PARAMS(names), 2, 0, PYSSL_WORDING_KEYWORDS, 0};
    op o;
    size_t len, done = 0;
    const char *data;
    check_sslsocket(L, 1);
    pyssl_bind(L, &sig, 2);
    if (!op_begin(L, &o)) {
        if (lua_isnil(L, 3))
            lua_pushinteger(L, 0), lua_replace(L, 3);
        return call_base(L, &KEY_SENDALL);
    }
    if (nonzero_flags(L, 3))
        return flags_error(L, "sendall");
    lua_pop(L, 1);   /* the TLS state: each send() below starts its own */
    if (push_replaced(L, "send", sslsock_send))
        return sendall_through(L);
    data = check_data(L, 2, &len);
    /* ssl.py loops over send(); each send writes everything. */
    while (done < len) {
        size_t chunk = len - done > INT_MAX ? INT_MAX : len - done;
        if (!op_begin(L, &o))   /* a fresh deadline per send(), as in Python */
            return raise_closed(L);
        done += tls_write(L, &o, data + done, chunk);
        lua_pop(L, 1);
    }
    return 0;
}

/* pending() -> decrypted bytes buffered (0 without TLS) */
static int sslsock_pending(lua_State *L)
{
    pyssl_conn *c;
    check_sslsocket(L, 1);
    lua_settop(L, 1);
    c = push_conn(L, 1);
    lua_pushinteger(L, c ? SSL_pending(c->ssl) : 0);
    return 1;
}

/* dirty() -> whether TLS holds decrypted bytes a read returns without
 * waiting (SSL_pending > 0), as LuaSec's dirty(): LuaSocket's
 * socket.select counts such a socket readable at once. Not
 * SSL_has_pending: a partial record it also counts needs the socket. */
static int sslsock_dirty(lua_State *L)
{
    pyssl_conn *c;
    check_sslsocket(L, 1);
    lua_settop(L, 1);
    c = push_conn(L, 1);
    lua_pushboolean(L, c != NULL && SSL_pending(c->ssl) > 0);
    return 1;
}

/* _real_close(): Python's SSLSocket._real_close: drop the TLS state (no
 * close_notify), then close the descriptor as socket.close() does. */
static int sslsock_real_close(lua_State *L)
{
    pyssl_socket *s = check_sslsocket(L, 1);
    int err;
    lua_settop(L, 1);
    drop_conn(L, 1);
    err = pyssl_socket_close_fd(s);
    if (err && err != ECONNRESET)
        return pyssl_raise_errno(L, err, NULL);
    return 0;
}

/* __gc / __close */
static int sslsock_gc(lua_State *L)
{
    pyssl_socket *s = lua_touserdata(L, 1);
    if (!s)
        return 0;
    lua_settop(L, 1);
    drop_conn(L, 1);
    pyssl_socket_close_fd(s);
    return 0;
}

/* ------------------------------------------------------- construction */

/* Attributes SSLSocket's __init__ sets, in the order of _from_socket's
 * arguments after sock; server_hostname and _connected come later. */
static const char *const INIT_ATTRIBUTES[] = {
    "_context", "_session", "server_side", "do_handshake_on_connect", "suppress_ragged_eofs", NULL
};
#define INIT_DICT_SIZE 8   /* those, _closed, server_hostname, _connected */

/* _from_socket(sock, context, session, server_side, do_handshake_on_connect,
 * suppress_ragged_eofs): an SSLSocket on sock's descriptor, family, type,
 * proto and timeout; sock is detached (Python's socket(fileno=...) then
 * sock.detach()). The attribute table is made at its final size with the
 * first assignments of ssl.py's __init__ in it (_closed = False too):
 * one allocation instead of a metamethod call per attribute and a rehash
 * per growth. Private: ssl.py's SSLSocket._create. */
static int sslsock_from_socket(lua_State *L)
{
    pyssl_socket *old = pyssl_test_socket(L, 1), *s;
    int i, fd;
    if (!old)
        return pyssl_raise(L, "TypeError", "expected a socket, not %s", pyssl_typename(L, 1));
    if (old->fd < 0)
        return pyssl_raise(L, "ValueError", "negative file descriptor");
    lua_settop(L, 6);
    lua_createtable(L, 0, INIT_DICT_SIZE);
    for (i = 0; INIT_ATTRIBUTES[i]; i++) {
        lua_pushvalue(L, 2 + i);
        lua_setfield(L, -2, INIT_ATTRIBUTES[i]);
    }
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "_closed");
    fd = old->fd;   /* again: the allocations above may have closed `old` */
    if (fd < 0)
        return pyssl_raise_errno(L, EBADF, NULL);
    s = pyssl_new_socket(L, CLASS, fd, old->family, old->type, old->proto, old->timeout);
    if (old->fd != fd) {
        /* A finalizer closed `old`, and its descriptor, while the object
         * was allocated: the number is no longer ours to own. */
        s->fd = -1;
        return pyssl_raise_errno(L, EBADF, NULL);
    }
    s->type_is_kernels = old->type_is_kernels;
    old->fd = -1;
    lua_insert(L, -2);
    lua_setiuservalue(L, -2, PYSSL_UV_DICT);
    return 1;
}

/* Creates the TLS state (an SSLObject) over s's descriptor on the
 * SSLContext at ctx and pushes it: CPython's _SSLContext._wrap_socket
 * from its server_hostname check on. Stack indexes: hostname (A-label or
 * nil), owner (0: none), session (nil: none). */
static void push_tls_state(lua_State *L, pyssl_socket *s, int ctx, int server_side, int hostname,
                           int owner, int session)
{
    pyssl_conn *c;
    if (!lua_isnil(L, hostname) && lua_type(L, hostname) != LUA_TSTRING)
        pyssl_raise(L, "TypeError", "_wrap_socket() argument 'server_hostname' must be str or None, not %s",
                    pyssl_typename(L, hostname));
    if (s->fd < 0)
        pyssl_raise_errno(L, EBADF, NULL);
    c = pyssl_conn_new(L, ctx, server_side, hostname, 0, 0, s->fd, owner,
                       lua_isnil(L, session) ? 0 : session);
    attach_fd_bio(L, c, s->fd);
}

/* SSLContext:_wrap_socket(sock, server_side, server_hostname=nil,
 * {owner=nil, session=nil}) -> the TLS state (an SSLObject) over sock's
 * descriptor; CPython's _ssl._SSLContext._wrap_socket. */
static int ctx_wrap_socket(lua_State *L)
{
    static const char *const names[] = {
        "sock", "server_side", "server_hostname", "owner", "session", NULL
    };
    static const pyssl_sig sig = {"_wrap_socket", PYSSL_PARAMS(names), 3, 0, PYSSL_WORDING_CLINIC, 0};
    pyssl_socket *s;
    pyssl_check_context(L, 1);
    pyssl_bind(L, &sig, 2);
    s = pyssl_test_socket(L, 2);
    if (!s)
        return pyssl_raise(L, "TypeError", "_wrap_socket() argument 'sock' must be _socket.socket, not %s",
                           pyssl_typename(L, 2));
    push_tls_state(L, s, 1, lua_toboolean(L, 3), 4, lua_isnil(L, 5) ? 0 : 5, 6);
    return 1;
}

/* Calls self:name() with the value at `arg` as its argument (none when
 * arg is 0), leaving nresults results: a step of __init__ that ssl.py
 * performs as a method call, on a Lua subclass instance whose class may
 * override the method. */
static void call_self(lua_State *L, int self, const char *name, int arg, int nresults)
{
    lua_getfield(L, self, name);
    lua_pushvalue(L, self);
    if (arg)
        lua_pushvalue(L, arg);
    lua_call(L, arg ? 2 : 1, nresults);
}

/* Is the error at the top an OSError whose errno is `err`? */
static int is_oserror_errno(lua_State *L, int err)
{
    int match = 0;
    lua_getfield(L, LUA_REGISTRYINDEX, "pyssl.OSError");
    if (pyssl_isinstance(L, -2, -1)) {
        lua_getfield(L, -2, "errno");
        match = lua_isinteger(L, -1) && lua_tointeger(L, -1) == err;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return match;
}

/* "See if we are connected": 0 when getpeername() raises an OSError with
 * errno ENOTCONN, any other error propagates. An SSLSocket asks the
 * descriptor without building an address; a Lua subclass instance calls
 * self:getpeername(). */
static int init_connected(lua_State *L, pyssl_socket *s, int self, int subclassed)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (subclassed) {
        lua_getfield(L, self, "getpeername");
        lua_pushvalue(L, self);
        if (lua_pcall(L, 1, 0, 0) == LUA_OK)
            return 1;
        if (!is_oserror_errno(L, ENOTCONN))
            lua_error(L);
        lua_pop(L, 1);
        return 0;
    }
    if (getpeername(s->fd, (struct sockaddr *)&ss, &len) == 0)
        return 1;
    if (errno != ENOTCONN)
        pyssl_raise_errno(L, errno, NULL);
    return 0;
}

/* self._sslobj = context._wrap_socket(self, server_side,
 * self.server_hostname, owner=self, session=session). An SSLSocket gets
 * the TLS state made here (server_hostname is the one just set); a Lua
 * subclass instance has the calls and the assignment go through its
 * class and the context's, as ssl.py makes them. */
static void init_wrap(lua_State *L, pyssl_socket *s, int self, int ctx, int server_side,
                      int hostname, int session, int subclassed)
{
    if (!subclassed) {
        pyssl_check_context(L, ctx);
        push_tls_state(L, s, ctx, lua_toboolean(L, server_side), hostname, self, session);
        lua_setiuservalue(L, self, UV_SSLOBJ);
        return;
    }
    lua_getfield(L, ctx, "_wrap_socket");
    lua_pushvalue(L, ctx);
    lua_pushvalue(L, self);
    lua_pushvalue(L, server_side);
    lua_getfield(L, self, "server_hostname");
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, self);
    lua_setfield(L, -2, "owner");
    lua_pushvalue(L, session);
    lua_setfield(L, -2, "session");
    lua_call(L, 5, 1);
    lua_setfield(L, self, "_sslobj");
}

/* `if do_handshake_on_connect:` of __init__: the non-blocking check on
 * self.gettimeout(), then self.do_handshake(). An SSLSocket's timeout is
 * the one just set, and its handshake is the core's (handshake_after_init);
 * a Lua subclass instance calls both methods. */
static void init_handshake(lua_State *L, pyssl_socket *s, int self, double timeout, int subclassed)
{
    if (subclassed) {
        call_self(L, self, "gettimeout", 0, 1);
        timeout = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : -1.0;
        lua_pop(L, 1);
    }
    if (timeout == 0.0)
        pyssl_raise(L, "ValueError", "do_handshake_on_connect should not be specified for non-blocking sockets");
    if (subclassed)
        call_self(L, self, "do_handshake", 0, 0);
    else
        handshake_after_init(L, s);
}

/* _init_tls(sock_timeout, context, server_side, server_hostname, session,
 * do_handshake_on_connect, subclassed) -> connected: ssl.py's
 * SSLSocket.__init__ from `self.server_hostname = <encoded name>` on, in
 * one call: "see if we are connected", settimeout, _connected,
 * `_sslobj = context._wrap_socket(...)` and the handshake. For an
 * SSLSocket the core does each step itself (few Lua calls per
 * connection); for an instance of a Lua subclass (`subclassed`), whose
 * class may override any of them, each step that ssl.py performs as a
 * method call is that call, in the same order. When getpeername() says
 * ENOTCONN it stops after setting server_hostname and returns false: the
 * caller goes on (the CVE-2023-40217 check). */
static int sslsock_init_tls(lua_State *L)
{
    enum { SELF = 1, TIMEOUT, CONTEXT, SERVER_SIDE, HOSTNAME, SESSION, HANDSHAKE, SUBCLASSED, DICT };
    pyssl_socket *s = check_sslsocket(L, SELF);
    double timeout;
    int subclassed;
    lua_settop(L, SUBCLASSED);
    subclassed = lua_toboolean(L, SUBCLASSED);
    timeout = lua_isnil(L, TIMEOUT) ? -1.0 : lua_tonumber(L, TIMEOUT);
    /* Plain attributes: a subclass instance's assignments reach the same
     * attribute table (its class changes only reads). */
    pyssl_push_dict(L, SELF);
    lua_pushvalue(L, HOSTNAME);
    lua_setfield(L, DICT, "server_hostname");
    if (!init_connected(L, s, SELF, subclassed)) {
        lua_pushboolean(L, 0);
        return 1;
    }
    if (subclassed)
        call_self(L, SELF, "settimeout", TIMEOUT, 0);
    else
        pyssl_socket_settimeout(L, s, timeout);
    lua_pushboolean(L, 1);
    lua_setfield(L, DICT, "_connected");
    init_wrap(L, s, SELF, CONTEXT, SERVER_SIDE, HOSTNAME, SESSION, subclassed);
    if (lua_toboolean(L, HANDSHAKE))
        init_handshake(L, s, SELF, timeout, subclassed);
    lua_pushboolean(L, 1);
    return 1;
}

/* s._sslobj: the TLS state or nil */
static int get_sslobj(lua_State *L)
{
    check_sslsocket(L, 1);
    if (!push_conn(L, 1))
        lua_pushnil(L);
    return 1;
}

/* s._sslobj = obj | nil: replacing or clearing frees the old state. */
static int set_sslobj(lua_State *L)
{
    check_sslsocket(L, 1);
    lua_settop(L, 2);
    if (!lua_isnil(L, 2) && !pyssl_test_object(L, 2, SSLOBJECT))
        return pyssl_raise(L, "TypeError", "_sslobj must be an SSLObject or None, not %s",
                           pyssl_typename(L, 2));
    lua_getiuservalue(L, 1, UV_SSLOBJ);
    if (!lua_rawequal(L, -1, 2))
        drop_conn(L, 1);
    lua_pushvalue(L, 2);
    lua_setiuservalue(L, 1, UV_SSLOBJ);
    return 0;
}

/* Plain Python attributes that may hold None: kept in the attribute
 * table, but read as nil when absent (a missing dict entry would be an
 * AttributeError). */
#define NULLABLE_ATTRIBUTE(fname, key)                                  \
    static int get_##fname(lua_State *L)                               \
    {                                                                   \
        check_sslsocket(L, 1);                                          \
        pyssl_push_dict(L, 1);                                          \
        lua_getfield(L, -1, key);                                       \
        return 1;                                                       \
    }                                                                   \
    static int set_##fname(lua_State *L)                               \
    {                                                                   \
        check_sslsocket(L, 1);                                          \
        lua_settop(L, 2);                                               \
        pyssl_push_dict(L, 1);                                          \
        lua_pushvalue(L, 2);                                            \
        lua_setfield(L, -2, key);                                       \
        return 0;                                                       \
    }
NULLABLE_ATTRIBUTE(server_hostname, "server_hostname")
NULLABLE_ATTRIBUTE(context_attr, "_context")
NULLABLE_ATTRIBUTE(session_attr, "_session")
#undef NULLABLE_ATTRIBUTE

void pyssl_open_sslsocket(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"_do_handshake", sslsock_do_handshake},
        {"_init_tls", sslsock_init_tls},
        {"_unwrap", sslsock_unwrap},
        {"_real_close", sslsock_real_close},
        {"read", sslsock_read},
        {"write", sslsock_write},
        {"recv", sslsock_recv},
        {"recv_into", sslsock_recv_into},
        {"send", sslsock_send},
        {"sendall", sslsock_sendall},
        {"pending", sslsock_pending},
        {"dirty", sslsock_dirty},
        {NULL, NULL}
    };
    static const luaL_Reg getters[] = {
        {"_sslobj", get_sslobj},
        {"server_hostname", get_server_hostname},
        {"_context", get_context_attr},
        {"_session", get_session_attr},
        {NULL, NULL}
    };
    static const luaL_Reg setters[] = {
        {"_sslobj", set_sslobj},
        {"server_hostname", set_server_hostname},
        {"_context", set_context_attr},
        {"_session", set_session_attr},
        {NULL, NULL}
    };
    static const luaL_Reg context_methods[] = {
        {"_wrap_socket", ctx_wrap_socket},
        {NULL, NULL}
    };
    static const struct {
        const char *key, *name;
    } base_methods[] = {
        {&KEY_RECV, "recv"}, {&KEY_RECV_INTO, "recv_into"},
        {&KEY_SEND, "send"}, {&KEY_SENDALL, "sendall"},
    };
    static const pyssl_class cls = {
        .name = CLASS,
        .qualname = CLASS,
        .base = "socket",
        .methods = methods,
        .getters = getters,
        .setters = setters,
        .no_construct = "SSLSocket does not have a public constructor. "
                        "Instances are returned by SSLContext.wrap_socket().",
        .close = sslsock_gc,
        .tostring = pyssl_socket_tostring,
        .nuv = NUV,
        .has_dict = 1,
    };
    size_t i;

    /* The plain socket's methods, before SSLSocket overrides them. */
    pyssl_push_class(L, "socket");
    for (i = 0; i < sizeof base_methods / sizeof base_methods[0]; i++) {
        lua_getfield(L, -1, base_methods[i].name);
        lua_rawsetp(L, LUA_REGISTRYINDEX, base_methods[i].key);
    }
    lua_pop(L, 1);

    pyssl_class_register(L, &cls);
    lua_getfield(L, LUA_REGISTRYINDEX, "pyssl.state");
    lua_getfield(L, LUA_REGISTRYINDEX, "pyssl." CLASS);
    ((pyssl_state *)lua_touserdata(L, -2))->sslsocket_metatable = lua_topointer(L, -1);
    lua_pop(L, 1);
    lua_pushcclosure(L, handshake, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_HANDSHAKE);
    pyssl_push_class(L, CLASS);
    lua_pushliteral(L, "ssl");
    lua_setfield(L, -2, "__module");   /* repr: <ssl.SSLSocket fd=...> */
    /* errno values ssl.py compares with (errno.ENOTCONN, errno.EINVAL). */
    lua_pushinteger(L, ENOTCONN);
    lua_setfield(L, -2, "_ENOTCONN");
    lua_pushinteger(L, EINVAL);
    lua_setfield(L, -2, "_EINVAL");
    lua_getfield(L, LUA_REGISTRYINDEX, "pyssl.state");
    lua_pushcclosure(L, sslsock_from_socket, 1);
    lua_setfield(L, -2, "_from_socket");
    lua_setfield(L, -2, CLASS);

    pyssl_push_class(L, "SSLContext");
    lua_getfield(L, LUA_REGISTRYINDEX, "pyssl.state");
    luaL_setfuncs(L, context_methods, 1);
    lua_pop(L, 1);
}

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
 *  - the I/O loops of CPython's _ssl.c: one OpenSSL step, then wait for
 *    the descriptor with poll() as the step asked (WantRead/WantWrite),
 *    with the socket's timeout as one deadline for the whole operation
 *    (Python >= 3.5); a non-blocking socket (timeout 0) gets the
 *    SSLWantReadError/SSLWantWriteError at once;
 *  - the hot Python-level methods of ssl.SSLSocket (recv, recv_into, read,
 *    write, send, sendall, pending), which fall back to the plain socket's
 *    when there is no TLS state, as ssl.py does;
 *  - the class (creation, SSLContext:_wrap_socket and the attributes are
 *    sslsocket_init.c; the TLS state is a connection of the engine,
 *    conn.c, over the descriptor BIO, fdbio.c).
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
#include <openssl/bio.h>
#include "sslsocket.h"

/* Registry keys (addresses) of the plain socket's methods, for the
 * fallbacks when no TLS is active. */
static const char KEY_RECV = 'r', KEY_RECV_INTO = 'i', KEY_SEND = 's', KEY_SENDALL = 'a';
/* Registry key of the handshake loop as a closure (made once, not per
 * connection), for pyssl_sslsocket_handshake_after_init's lua_pcall. */
static const char KEY_HANDSHAKE = 'h';

/* ------------------------------------------------------- object access */

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
void pyssl_sslsocket_drop_conn(lua_State *L, int self)
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
    if (pyssl_is_plain(L, 1, CLASS))
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
void pyssl_sslsocket_handshake_after_init(lua_State *L, pyssl_socket *s)
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
    /* A retry (every non-blocking recv that finds no data) is never that
     * EOF, unless a callback stored an error: raise it without the check. */
    if (wants_io(res) && !o->c->callback_failed)
        pyssl_conn_raise(L, o->c, o->conn, res, PYSSL_LOC);
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
        /* Only an SSLError with args[1] == SSL_ERROR_EOF is suppressed;
         * anything else (an OSError such as ConnectionResetError, a
         * callback's error) is raised as it is. */
        int error = lua_gettop(L);
        lua_getfield(L, LUA_REGISTRYINDEX, "pyssl.SSLError");
        if (pyssl_isinstance(L, error, -1) && lua_getfield(L, error, "args") == LUA_TTABLE) {
            lua_rawgeti(L, -1, 1);
            eof = lua_isinteger(L, -1) && lua_tointeger(L, -1) == PY_SSL_ERROR_EOF;
        }
        lua_settop(L, error);
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
        ret = pyssl_conn_shutdown_round(L, o.c, o.conn, &res, &zeros);
        if (ret > 0)
            break;
        if (ret == 0)
            continue;
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
    static const pyssl_sig sig = {"SSLSocket.read", PYSSL_PARAMS(names), 2, 0, PYSSL_WORDING_PYTHON, 1};
    check_sslsocket(L, 1);
    pyssl_bind(L, &sig, 2);
    return read_common(L, check_len(L, 2), 3);
}

/* recv(buflen=1024, flags=0) */
static int sslsock_recv(lua_State *L)
{
    static const char *const names[] = {"buflen", "flags", NULL};
    static const pyssl_sig sig = {"SSLSocket.recv", PYSSL_PARAMS(names), 2, 0, PYSSL_WORDING_PYTHON, 1};
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
    static const pyssl_sig sig = {"SSLSocket.recv_into", PYSSL_PARAMS(names), 3, 1, PYSSL_WORDING_PYTHON, 1};
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

/* write(data) -> number of bytes written (all of them) */
static int sslsock_write(lua_State *L)
{
    op o;
    size_t len;
    const char *data;
    static const char *const names[] = {"data", NULL};
    static const pyssl_sig sig = {"SSLSocket.write", PYSSL_PARAMS(names), 1, 1, PYSSL_WORDING_PYTHON, 1};
    check_sslsocket(L, 1);
    pyssl_bind(L, &sig, 2);
    if (!op_begin(L, &o))
        return pyssl_raise(L, "ValueError", "Write on closed or unwrapped SSL socket.");
    data = pyssl_check_data(L, 2, &len);
    lua_pushinteger(L, (lua_Integer)tls_write(L, &o, data, len));
    return 1;
}

/* The start of send() and sendall() (`method`): binds (data, flags) by
 * sig; 0 without TLS (flags nil made 0, for the base socket's method),
 * else 1 with the TLS state begun in *o and the flags checked. */
static int send_begin(lua_State *L, const pyssl_sig *sig, const char *method, op *o)
{
    check_sslsocket(L, 1);
    pyssl_bind(L, sig, 2);
    if (!op_begin(L, o)) {
        if (lua_isnil(L, 3))
            lua_pushinteger(L, 0), lua_replace(L, 3);
        return 0;
    }
    if (nonzero_flags(L, 3))
        flags_error(L, method);
    return 1;
}

/* send(data, flags=0) -> number of bytes written */
static int sslsock_send(lua_State *L)
{
    static const char *const names[] = {"data", "flags", NULL};
    static const pyssl_sig sig = {"SSLSocket.send", PYSSL_PARAMS(names), 2, 1, PYSSL_WORDING_PYTHON, 1};
    op o;
    size_t len;
    const char *data;
    if (!send_begin(L, &sig, "send", &o))
        return call_base(L, &KEY_SEND);
    data = pyssl_check_data(L, 2, &len);
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
        data = pyssl_check_data(L, 2, &len);
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
    static const pyssl_sig sig = {"SSLSocket.sendall", PYSSL_PARAMS(names), 2, 1, PYSSL_WORDING_PYTHON, 1};
    op o;
    size_t len, done = 0;
    const char *data;
    if (!send_begin(L, &sig, "sendall", &o))
        return call_base(L, &KEY_SENDALL);
    lua_pop(L, 1);   /* the TLS state: each send() below starts its own */
    if (push_replaced(L, "send", sslsock_send))
        return sendall_through(L);
    data = pyssl_check_data(L, 2, &len);
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
    static const char *const no_params[] = {NULL};
    static const pyssl_sig sig = {"SSLSocket.pending", PYSSL_PARAMS(no_params), 0, 0, PYSSL_WORDING_PYTHON, 1};
    pyssl_conn *c;
    check_sslsocket(L, 1);
    pyssl_bind(L, &sig, 2);
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
    pyssl_sslsocket_drop_conn(L, 1);
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
    pyssl_sslsocket_drop_conn(L, 1);
    pyssl_socket_close_fd(s);
    return 0;
}

void pyssl_open_sslsocket(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"_do_handshake", sslsock_do_handshake},
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
    static const struct {
        const char *key, *name;
    } base_methods[] = {
        {&KEY_RECV, "recv"}, {&KEY_RECV_INTO, "recv_into"},
        {&KEY_SEND, "send"}, {&KEY_SENDALL, "sendall"},
    };
    /* A Python property whose getter is Lua (lua/pyssl/sslsocket.lua). */
    static const char *const readonly[] = {"session_reused", NULL};
    static const pyssl_class cls = {
        .name = CLASS,
        .qualname = CLASS,
        .base = "socket",
        .methods = methods,
        .no_construct = "SSLSocket does not have a public constructor. "
                        "Instances are returned by SSLContext.wrap_socket().",
        .close = sslsock_gc,
        .tostring = pyssl_socket_tostring,
        .nuv = NUV,
        .has_dict = 1,
        .readonly = readonly,
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
    lua_getfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY);
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
    lua_setfield(L, -2, CLASS);
    pyssl_open_sslsocket_init(L);
}

/* The connection engine's I/O steps (pyssl.h, section conn.c, has the
 * connection itself and the rest of the engine).
 *
 * Every OpenSSL call that can run callbacks goes through one small "step"
 * function (handshake, read, write, shutdown): it publishes the calling
 * lua_State in the connection (callbacks find it through the SSL's
 * ex_data), makes the call, captures ret/SSL_get_error/errno at once, and
 * unpublishes the state. Errors are raised only after that, never from
 * inside OpenSSL.
 *
 * They are static inline here, not functions of conn.c: SSLObject.read/
 * write and SSLSocket.recv/send run them on every call, and a compiler
 * inlines them only when they are in the caller's file (bench/: make
 * -C bench instructions counts the difference).
 */
#ifndef PYSSL_CONN_H
#define PYSSL_CONN_H

#include <errno.h>
#include "pyssl.h"

/* The step's callback state: pyssl_conn_enter publishes it (raises
 * RuntimeError when a callback of this connection calls back into it),
 * pyssl_conn_leave captures the result and clears it. */
static inline void pyssl_conn_enter(lua_State *L, pyssl_conn *c, int self)
{
    /* A callback of this connection calling back into it: OpenSSL does
     * not allow that, refuse before touching the SSL. */
    if (c->L)
        pyssl_raise(L, "RuntimeError", "SSLObject used from its own callback");
    /* Callers checked the connection is open; between steps no callback
     * state is left, and `self` is this very object. */
    PYSSL_ASSERT(c->ssl != NULL);
    PYSSL_ASSERT(c->self_index == 0 && !c->callback_failed);
    PYSSL_ASSERT(lua_touserdata(L, self) == c);
    /* The error queue is not cleared first (as CPython does not): looking
     * at it costs ~140 instructions, a sixth of a small read; leave
     * drops what other code left there when it would misreport a wait. */
    errno = 0;
    c->L = L;
    c->self_index = lua_absindex(L, self);
}

/* Whether the last I/O call on ssl stopped because its transport must be
 * waited for (what SSL_get_error checks once the error queue is empty):
 * OpenSSL queues no error for that. */
static inline int pyssl_conn_stopped_to_wait(SSL *ssl)
{
    BIO *bio;
    if (SSL_want_read(ssl))
        return (bio = SSL_get_rbio(ssl)) != NULL && BIO_should_read(bio);
    if (SSL_want_write(ssl))
        return (bio = SSL_get_wbio(ssl)) != NULL && BIO_should_write(bio);
    return 0;
}

static inline void pyssl_conn_leave(pyssl_conn *c, pyssl_io_result *res, int failed)
{
    PYSSL_ASSERT(c->L != NULL && c->self_index > 0);   /* set by enter, kept through callbacks */
    res->sys_errno = errno;
    res->ssl_error = failed ? SSL_get_error(c->ssl, res->ret) : SSL_ERROR_NONE;
    /* SSL_get_error answers SSL_ERROR_SSL/SYSCALL for any queued error: one
     * left by earlier code (another library, a callback) would turn a
     * want-read into that error. The call stopped to wait: the queue is stale. */
    if ((res->ssl_error == SSL_ERROR_SSL || res->ssl_error == SSL_ERROR_SYSCALL) &&
        pyssl_conn_stopped_to_wait(c->ssl)) {
        ERR_clear_error();
        res->ssl_error = SSL_get_error(c->ssl, res->ret);
    }
    c->L = NULL;
    c->self_index = 0;
}

/* The I/O steps: one OpenSSL call each, with the callback state published
 * in the connection (self = stack index of the connection object) and the
 * result captured in *res. They return 1 on success (shutdown: SSL_shutdown's
 * value). On failure call pyssl_conn_raise; after success call
 * pyssl_conn_check_callback (a callback may have stored an error). */
static inline int pyssl_conn_handshake_step(lua_State *L, pyssl_conn *c, int self,
                                            pyssl_io_result *res)
{
    pyssl_conn_enter(L, c, self);
    res->ret = SSL_do_handshake(c->ssl);
    pyssl_conn_leave(c, res, res->ret < 1);
    return res->ret == 1;
}

static inline int pyssl_conn_read_step(lua_State *L, pyssl_conn *c, int self, void *buf,
                                       size_t len, size_t *count, pyssl_io_result *res)
{
    pyssl_conn_enter(L, c, self);
    res->ret = SSL_read_ex(c->ssl, buf, len, count);
    pyssl_conn_leave(c, res, res->ret == 0);
    return res->ret == 1;
}

static inline int pyssl_conn_write_step(lua_State *L, pyssl_conn *c, int self,
                                        const void *buf, size_t len, size_t *count,
                                        pyssl_io_result *res)
{
    pyssl_conn_enter(L, c, self);
    res->ret = SSL_write_ex(c->ssl, buf, len, count);
    pyssl_conn_leave(c, res, res->ret == 0);
    return res->ret == 1;
}

static inline int pyssl_conn_shutdown_step(lua_State *L, pyssl_conn *c, int self,
                                           pyssl_io_result *res)
{
    pyssl_conn_enter(L, c, self);
    res->ret = SSL_shutdown(c->ssl);
    pyssl_conn_leave(c, res, res->ret < 0);
    return res->ret;
}

/* One round of CPython's shutdown loop: 1 when it is over (the peer's
 * close_notify seen, or ours sent on both tries: like CPython, SSL_shutdown
 * answers 0 at most twice), 0 to call again (ours sent, the next call looks
 * for the peer's), -1 with res set on an error or a wait. */
static inline int pyssl_conn_shutdown_round(lua_State *L, pyssl_conn *c, int self,
                                            pyssl_io_result *res, int *zeros)
{
    int ret = pyssl_conn_shutdown_step(L, c, self, res);
    if (ret > 0)
        return 1;
    if (ret == 0)
        return ++*zeros > 1;
    return -1;
}

/* Raises the error a callback stored during the last step, if any. */
static inline void pyssl_conn_check_callback(lua_State *L, pyssl_conn *c, int self)
{
    PYSSL_ASSERT(c->L == NULL);   /* called after the step, never inside it */
    if (!c->callback_failed)
        return;
    c->callback_failed = 0;
    self = lua_absindex(L, self);
    ERR_clear_error();
    lua_getiuservalue(L, self, PYSSL_CONN_UV_ERROR);
    PYSSL_ASSERT(!lua_isnil(L, -1));   /* callback_failed: an error was stored */
    lua_pushnil(L);
    lua_setiuservalue(L, self, PYSSL_CONN_UV_ERROR);
    lua_error(L);
}

#endif

/* The SSLSocket class's own header: what its two files share, sslsocket.c
 * (the I/O: the waiting loops over the descriptor, the hot methods, the
 * class) and sslsocket_init.c (creation and the Python attributes).
 * check_sslsocket and push_conn are static inline: recv and send run
 * them on every call.
 */
#ifndef PYSSL_SSLSOCKET_H
#define PYSSL_SSLSOCKET_H

#include "conn.h"

#define CLASS "SSLSocket"

/* User values of an SSLSocket (1 is the attribute table). */
enum {
    UV_SSLOBJ = 2,      /* the TLS state (an SSLObject), or nil */
    NUV = UV_SSLOBJ
};

static inline pyssl_socket *check_sslsocket(lua_State *L, int idx)
{
    return pyssl_check_object(L, idx, CLASS);
}

/* Pushes the live TLS state of the SSLSocket at `self` and returns it, or
 * pushes nothing and returns NULL when there is none. */
static inline pyssl_conn *push_conn(lua_State *L, int self)
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

/* Drops the TLS state of the SSLSocket at `self` (sslsocket.c). */
void pyssl_sslsocket_drop_conn(lua_State *L, int self);
/* do_handshake() of SSLSocket creation on the SSLSocket s at 1, then its
 * `finally: settimeout(timeout)` (sslsocket.c). */
void pyssl_sslsocket_handshake_after_init(lua_State *L, pyssl_socket *s);
/* Adds _init_tls, _from_socket, the attributes and SSLContext:_wrap_socket
 * to the registered classes (sslsocket_init.c). */
void pyssl_open_sslsocket_init(lua_State *L);

#endif

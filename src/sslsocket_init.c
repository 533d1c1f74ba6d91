/* SSLSocket creation and attributes (with the class in sslsocket.c):
 *  - SSLContext:_wrap_socket (CPython's private constructor of the state,
 *    a connection of the engine, conn.c, over the descriptor BIO, fdbio.c);
 *  - the per-connection part of SSLSocket creation: _from_socket (the new
 *    SSLSocket with __init__'s first attributes) and _init_tls (__init__
 *    from server_hostname to the handshake, with the steps done directly
 *    for an SSLSocket and as method calls for a Lua subclass instance),
 *    so that a connection costs few Lua calls;
 *  - the attributes _sslobj, server_hostname, _context, _session.
 */
#include <errno.h>
#include <sys/socket.h>
#include "sslsocket.h"

#define SSLOBJECT "SSLObject"

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
    pyssl_fdbio_attach(L, c, s->fd);
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
        pyssl_sslsocket_handshake_after_init(L, s);
}

/* _init_tls(sock_timeout, context, server_side, server_hostname, session,
 * do_handshake_on_connect) -> connected: ssl.py's
 * SSLSocket.__init__ from `self.server_hostname = <encoded name>` on, in
 * one call: "see if we are connected", settimeout, _connected,
 * `_sslobj = context._wrap_socket(...)` and the handshake. For an
 * SSLSocket the core does each step itself (few Lua calls per
 * connection); for an instance of a Lua subclass (`subclassed`: not
 * pyssl_is_plain), whose
 * class may override any of them, each step that ssl.py performs as a
 * method call is that call, in the same order. When getpeername() says
 * ENOTCONN it stops after setting server_hostname and returns false: the
 * caller goes on (the CVE-2023-40217 check). */
static int sslsock_init_tls(lua_State *L)
{
    enum { SELF = 1, TIMEOUT, CONTEXT, SERVER_SIDE, HOSTNAME, SESSION, HANDSHAKE, DICT };
    pyssl_socket *s = check_sslsocket(L, SELF);
    double timeout;
    int subclassed;
    lua_settop(L, HANDSHAKE);
    subclassed = !pyssl_is_plain(L, SELF, CLASS);
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
        pyssl_sslsocket_drop_conn(L, 1);
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

void pyssl_open_sslsocket_init(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"_init_tls", sslsock_init_tls},
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
    pyssl_class_extend(L, CLASS, methods, getters, setters);
    pyssl_push_class(L, CLASS);
    lua_getfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY);
    lua_pushcclosure(L, sslsock_from_socket, 1);
    lua_setfield(L, -2, "_from_socket");
    lua_pop(L, 1);

    pyssl_push_class(L, "SSLContext");
    lua_getfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY);
    luaL_setfuncs(L, context_methods, 1);
    lua_pop(L, 1);
}

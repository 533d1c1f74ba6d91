/* The C API for host programs (pyssl_api.h): the exported pyssl_api_*
 * functions and the table of them that `require "pyssl.core"` leaves in
 * core._capi for hosts that load pyssl through Lua.
 *
 * The host may call these outside any protected call, so each one runs
 * its work in lua_pcall: errors (Python's, or memory) come back as a
 * status and an error object, never as a longjmp through the host.
 */
#include "pyssl.h"
#include "pyssl_api.h"

#define SSLOBJECT "SSLObject"
#define SSLCONTEXT "SSLContext"
#define SOCKET "socket"

/* What a protected body gets (a light userdata, argument 1) and fills. */
typedef struct capi_call {
    SSL_CTX *ctx;
    int fd;
    double timeout;
    void *result;
} capi_call;

/* pyssl's classes exist only in a Lua state that loaded pyssl.core. */
static void check_loaded(lua_State *L)
{
    int loaded = lua_getfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY) == LUA_TUSERDATA;
    lua_pop(L, 1);
    if (!loaded) {
        lua_pushliteral(L, "pyssl.core is not loaded in this Lua state");
        lua_error(L);
    }
}

/* Calls body(call[, value]) in protected mode, value being a copy of the
 * host's stack slot idx when idx is not 0 (a C function sees only its own
 * arguments). Returns lua_pcall's status, leaving nresults results or the
 * error object. */
static int run_protected(lua_State *L, lua_CFunction body, capi_call *call, int idx,
                         int nresults)
{
    int nargs = 1;
    if (idx != 0)
        idx = lua_absindex(L, idx);
    lua_pushcfunction(L, body);        /* a light C function: allocates nothing */
    lua_pushlightuserdata(L, call);
    if (idx != 0) {
        lua_pushvalue(L, idx);
        nargs++;
    }
    return lua_pcall(L, nargs, nresults, 0);
}

unsigned int pyssl_api_version(void)
{
    return PYSSL_API_VERSION;
}

/* ------------------------------------------------------------- pushing */

static int push_context_body(lua_State *L)
{
    capi_call *call = lua_touserdata(L, 1);
    check_loaded(L);
    if (!call->ctx)
        return pyssl_raise(L, "ValueError", "the SSL_CTX is NULL");
    pyssl_push_wrapped_context(L, call->ctx);
    return 1;
}

int pyssl_api_push_context(lua_State *L, SSL_CTX *ctx)
{
    capi_call call = {0};
    call.ctx = ctx;
    return run_protected(L, push_context_body, &call, 0, 1);
}

/* settimeout(socket, timeout) as a protected step of push_socket_body. */
static int settimeout_body(lua_State *L)
{
    pyssl_socket_settimeout(L, pyssl_test_socket(L, 1), lua_tonumber(L, 2));
    return 0;
}

static int push_socket_body(lua_State *L)
{
    capi_call *call = lua_touserdata(L, 1);
    pyssl_socket *s;
    check_loaded(L);
    /* socket.socket(nil, nil, nil, fd): Python's adoption of a descriptor
     * (family, type and proto from the kernel; Python's errors). */
    pyssl_push_class(L, SOCKET);
    lua_pushnil(L);
    lua_pushnil(L);
    lua_pushnil(L);
    lua_pushinteger(L, call->fd);
    lua_call(L, 4, 1);
    s = pyssl_test_socket(L, -1);
    PYSSL_ASSERT(s != NULL && s->fd == call->fd);
    lua_pushcfunction(L, settimeout_body);
    lua_pushvalue(L, -2);
    lua_pushnumber(L, call->timeout);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        s->fd = -1;   /* the descriptor stays the host's */
        return lua_error(L);
    }
    return 1;
}

int pyssl_api_push_socket(lua_State *L, int fd, double timeout)
{
    capi_call call = {0};
    call.fd = fd;
    call.timeout = timeout;
    return run_protected(L, push_socket_body, &call, 0, 1);
}

/* ------------------------------------------------------------- getting */

static int get_ctx_body(lua_State *L)
{
    capi_call *call = lua_touserdata(L, 1);
    pyssl_context *self = pyssl_test_object(L, 2, SSLCONTEXT);
    call->result = self ? self->ctx : NULL;
    return 0;
}

SSL_CTX *pyssl_api_get_ctx(lua_State *L, int idx)
{
    capi_call call = {0};
    if (run_protected(L, get_ctx_body, &call, idx, 0) != LUA_OK) {
        lua_pop(L, 1);
        return NULL;
    }
    return call.result;
}

static int get_ssl_body(lua_State *L)
{
    capi_call *call = lua_touserdata(L, 1);
    pyssl_conn *c = pyssl_test_object(L, 2, SSLOBJECT);
    if (!c)
        c = pyssl_sslsocket_conn(L, 2);
    call->result = c ? c->ssl : NULL;
    return 0;
}

SSL *pyssl_api_get_ssl(lua_State *L, int idx)
{
    capi_call call = {0};
    if (run_protected(L, get_ssl_body, &call, idx, 0) != LUA_OK) {
        lua_pop(L, 1);
        return NULL;
    }
    return call.result;
}

/* ---------------------------------------------------------------- table */

static const pyssl_api api_table = {
    PYSSL_API_VERSION,
    sizeof(pyssl_api),
    pyssl_api_push_context,
    pyssl_api_get_ctx,
    pyssl_api_get_ssl,
    pyssl_api_push_socket,
};

void pyssl_open_capi(lua_State *L)
{
    lua_pushlightuserdata(L, (void *)&api_table);
    lua_setfield(L, -2, "_capi");
}

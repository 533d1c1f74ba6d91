/* capi_probe: a Lua module for spec/host_spec.lua that calls pyssl's C API
 * (src/pyssl_api.h) the way a host does, reaching it through
 * `require "pyssl.core"` (pyssl_api_load), so the spec can check each
 * function's answers and errors from Lua. Built by `make test` into
 * $(BUILD)/capi_probe.so; not part of pyssl.
 */
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <openssl/ssl.h>
#include "pyssl_api.h"

static const pyssl_api *api(lua_State *L)
{
    const pyssl_api *a = pyssl_api_load(L);
    if (!a)
        luaL_error(L, "pyssl_api_load failed");
    return a;
}

/* A pushing function's answer as Lua sees it: the object, or nil and the
 * error object with the status. */
static int push_result(lua_State *L, int status)
{
    if (status == LUA_OK)
        return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    lua_pushinteger(L, status);
    return 3;
}

/* version() -> api->version, api->size, the header's PYSSL_API_VERSION and
 * sizeof(pyssl_api) */
static int p_version(lua_State *L)
{
    lua_pushinteger(L, api(L)->version);
    lua_pushinteger(L, (lua_Integer)api(L)->size);
    lua_pushinteger(L, PYSSL_API_VERSION);
    lua_pushinteger(L, (lua_Integer)sizeof(pyssl_api));
    return 4;
}

/* get_ctx(v) / get_ssl(v) -> the pointer as a light userdata, or nil */
static int p_get_ctx(lua_State *L)
{
    SSL_CTX *ctx = api(L)->get_ctx(L, 1);
    if (ctx)
        lua_pushlightuserdata(L, ctx);
    else
        lua_pushnil(L);
    return 1;
}

static int p_get_ssl(lua_State *L)
{
    SSL *ssl = api(L)->get_ssl(L, 1);
    if (ssl)
        lua_pushlightuserdata(L, ssl);
    else
        lua_pushnil(L);
    return 1;
}

/* rewrap(ctx, close_first) -> a second SSLContext over the SSL_CTX of ctx;
 * with close_first, ctx is closed first (__close) while the probe holds a
 * reference of its own, as a host keeps its SSL_CTX. */
static int p_rewrap(lua_State *L)
{
    const pyssl_api *a = api(L);
    SSL_CTX *ctx = a->get_ctx(L, 1);
    int status;
    luaL_argcheck(L, ctx != NULL, 1, "an open SSLContext");
    SSL_CTX_up_ref(ctx);
    if (lua_toboolean(L, 2) && luaL_callmeta(L, 1, "__close"))
        lua_pop(L, 1);
    status = a->push_context(L, ctx);
    SSL_CTX_free(ctx);
    return push_result(L, status);
}

/* new_ctx(method, verify) -> an SSLContext over a new SSL_CTX of that
 * method ("client", "server", "tls", "dtls"; verify: SSL_VERIFY_PEER set
 * first, else OpenSSL's default SSL_VERIFY_NONE), the probe's own
 * reference dropped at once. */
static int p_new_ctx(lua_State *L)
{
    const pyssl_api *a = api(L);
    const char *name = luaL_checkstring(L, 1);
    const SSL_METHOD *method = strcmp(name, "client") == 0 ? TLS_client_method()
                             : strcmp(name, "server") == 0 ? TLS_server_method()
                             : strcmp(name, "tls") == 0 ? TLS_method()
                             : strcmp(name, "dtls") == 0 ? DTLS_method() : NULL;
    SSL_CTX *ctx;
    int status;
    luaL_argcheck(L, method != NULL, 1, "unknown method");
    ctx = SSL_CTX_new(method);
    if (!ctx)
        return luaL_error(L, "SSL_CTX_new failed");
    if (lua_toboolean(L, 2))
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    status = a->push_context(L, ctx);
    SSL_CTX_free(ctx);
    return push_result(L, status);
}

/* wrap_null() -> push_context(L, NULL)'s answer */
static int p_wrap_null(lua_State *L)
{
    return push_result(L, api(L)->push_context(L, NULL));
}

/* push_socket(fd, timeout) -> a pyssl.socket owning fd */
static int p_push_socket(lua_State *L)
{
    int fd = (int)luaL_checkinteger(L, 1);
    double timeout = luaL_checknumber(L, 2);
    return push_result(L, api(L)->push_socket(L, fd, timeout));
}

int luaopen_capi_probe(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"version", p_version},
        {"get_ctx", p_get_ctx},
        {"get_ssl", p_get_ssl},
        {"rewrap", p_rewrap},
        {"new_ctx", p_new_ctx},
        {"wrap_null", p_wrap_null},
        {"push_socket", p_push_socket},
        {NULL, NULL}
    };
    const luaL_Reg *f;
    lua_newtable(L);
    for (f = functions; f->name; f++) {   /* luaL_setfuncs is 5.2+ */
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
    return 1;
}

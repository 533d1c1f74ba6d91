/* pyssl_api.h: pyssl's C API for programs that embed Lua (a game server,
 * an event loop, an nginx module) and want to hand pyssl what they hold in
 * C, or take back what pyssl made.
 *
 *  - push an SSLContext that wraps the host's own SSL_CTX;
 *  - get the SSL_CTX / SSL out of pyssl's SSLContext, SSLObject, SSLSocket;
 *  - wrap a descriptor the host accepted as a pyssl.socket object;
 *  - versions.
 *
 * Reaching the functions. pyssl.core is a Lua C module: `require` dlopens
 * it privately (RTLD_LOCAL), so its symbols are not visible to the host.
 * The host asks Lua instead: `require "pyssl.core"` leaves a table of
 * function pointers in the module's field `_capi` (a light userdata), and
 * pyssl_api_load() below fetches it and checks its version:
 *
 *     const pyssl_api *api = pyssl_api_load(L);     // after luaL_openlibs
 *     if (!api) ... pyssl.core missing or older than this header ...
 *     if (api->push_context(L, my_ssl_ctx) != LUA_OK) ... error object on top ...
 *
 * A host that links core.so itself (-l:core.so, or dlopen(RTLD_GLOBAL)) may
 * call the exported pyssl_api_* functions directly: they are the same
 * functions. core.so exports nothing else but luaopen_pyssl_core.
 *
 * Rules:
 *  - The host and pyssl must use the same Lua (any of 5.1-5.4 or LuaJIT
 *    2.1: the one core.so was built for) and the same libssl/libcrypto
 *    (OpenSSL 3): an SSL_CTX crosses the boundary.
 *  - C++ hosts include <lua.hpp> before this header (lua.h has no
 *    extern "C" of its own).
 *  - pyssl.core must be loaded in the Lua state first (`require`, or
 *    luaopen_pyssl_core); scripts use `require "pyssl"` as usual, and the
 *    objects pushed here have every method of their Python class.
 *  - Functions that push return LUA_OK with the object on top of the
 *    stack, or an error code (LUA_ERRRUN, LUA_ERRMEM) with the error on top
 *    (pyssl's Python error object, e.g. ValueError or OSError: tostring()
 *    gives its text), as lua_pcall does. They never raise, so the host may
 *    call them outside a protected call.
 *  - Functions that get a pointer never raise either: they return NULL for
 *    a value of another class or a closed object. The pointer is borrowed:
 *    valid while the object is open (take a reference with SSL_up_ref /
 *    SSL_CTX_up_ref to keep it longer); do not free it, change its BIOs or
 *    ex_data, or call SSL_read/SSL_write on an SSL that Lua drives.
 *  - Every function uses up to 3 stack slots above the top, as Lua's own
 *    API calls do (lua_checkstack when the host's stack may be full).
 *  - Objects live in one Lua state (and its coroutines); pyssl objects are
 *    not shared between threads.
 *
 * Versions: the table only grows; each addition raises PYSSL_API_VERSION.
 * A core whose api->version is at least the header's has every field the
 * header declares (pyssl_api_load checks it).
 */
#ifndef PYSSL_API_H
#define PYSSL_API_H

#include <stddef.h>
#include <lua.h>
#include <openssl/ssl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Lua 5.1 and LuaJIT name no status for success; lua_pcall returns 0 there too. */
#ifndef LUA_OK
#define LUA_OK 0
#endif

/* The release of pyssl this header comes with (major * 10000 + minor * 100
 * + patch) and the version of the C API it declares. */
#define PYSSL_VERSION_NUM 100
#define PYSSL_VERSION "0.1.0"
#define PYSSL_API_VERSION 1

/* What core.so exports (the build hides every other symbol). */
#if defined(_WIN32)
#define PYSSL_API __declspec(dllexport)
#else
#define PYSSL_API __attribute__((visibility("default")))
#endif

/* Lua's entry point of the module (for hosts that link pyssl in and
 * preload it: luaL_requiref(L, "pyssl.core", luaopen_pyssl_core, 0)). */
PYSSL_API int luaopen_pyssl_core(lua_State *L);

/* PYSSL_API_VERSION of the core (the header it was built with). */
PYSSL_API unsigned int pyssl_api_version(void);

/* Pushes a new SSLContext over the host's `ctx`, taking a reference of its
 * own (SSL_CTX_up_ref): the host may SSL_CTX_free its reference at any
 * time; the SSL_CTX lives until the SSLContext is closed or collected too.
 * The context keeps the SSL_CTX's settings (verify mode, certificates,
 * versions, ciphers) as the host made them; Lua may change them through
 * the Python attributes. protocol is read from the method: TLS_method()
 * is PROTOCOL_TLS, TLS_client_method() PROTOCOL_TLS_CLIENT,
 * TLS_server_method() PROTOCOL_TLS_SERVER (any other: ValueError).
 * check_hostname starts true for a client context that verifies the peer
 * (Python's default), else false.
 * One SSL_CTX backs at most one open SSLContext (pyssl keeps per-context
 * state in its ex_data): a second push while the first is open is a
 * ValueError; a host with several Lua states gives each its own SSL_CTX.
 * Callbacks that Lua sets (sni_callback, set_alpn_protocols on a server,
 * PSK, keylog) are set on the SSL_CTX: handshakes of SSL objects the host
 * makes from it itself fail while an SNI callback is set, and since
 * lua_close unloads core.so, such an SSL_CTX must not start handshakes
 * after the Lua state is closed. */
PYSSL_API int pyssl_api_push_context(lua_State *L, SSL_CTX *ctx);

/* The SSL_CTX of the SSLContext (or subclass instance) at idx, or NULL. */
PYSSL_API SSL_CTX *pyssl_api_get_ctx(lua_State *L, int idx);

/* The SSL of the SSLObject or SSLSocket at idx (subclasses too), or NULL:
 * not one of them, closed, or an SSLSocket without TLS (before connect(),
 * after unwrap()). */
PYSSL_API SSL *pyssl_api_get_ssl(lua_State *L, int idx);

/* Pushes a pyssl.socket.socket owning the host's descriptor `fd`, as
 * Python's socket.socket(fileno=fd): family, type and proto are asked from
 * the kernel. timeout is the socket's (Python's settimeout): < 0 blocking
 * (None), 0 non-blocking (what an event loop wants), > 0 seconds; the
 * descriptor's O_NONBLOCK is set to match. On LUA_OK the object owns fd:
 * closing or collecting it closes fd (its detach() method gives fd back).
 * On error fd is still the host's (e.g. OSError [Errno 88] for a
 * descriptor that is not a socket). */
PYSSL_API int pyssl_api_push_socket(lua_State *L, int fd, double timeout);

/* The same functions, for a host that reaches pyssl through Lua. */
typedef struct pyssl_api {
    unsigned int version;      /* PYSSL_API_VERSION of the core */
    size_t size;               /* sizeof(pyssl_api) in the core */
    int (*push_context)(lua_State *L, SSL_CTX *ctx);
    SSL_CTX *(*get_ctx)(lua_State *L, int idx);
    SSL *(*get_ssl)(lua_State *L, int idx);
    int (*push_socket)(lua_State *L, int fd, double timeout);
} pyssl_api;

/* `require "pyssl.core"` (a protected call) and its API table, or NULL
 * when pyssl.core cannot be loaded or is older than this header. The
 * stack is left as found. */
static inline const pyssl_api *pyssl_api_load(lua_State *L)
{
    const pyssl_api *api = NULL;
    int top = lua_gettop(L);
    lua_getglobal(L, "require");
    lua_pushstring(L, "pyssl.core");
    if (lua_pcall(L, 1, 1, 0) == 0 && lua_istable(L, -1)) {
        lua_getfield(L, -1, "_capi");
        api = (const pyssl_api *)lua_touserdata(L, -1);
        if (api && (api->version < PYSSL_API_VERSION || api->size < sizeof *api))
            api = NULL;
    }
    lua_settop(L, top);
    return api;
}

#ifdef __cplusplus
}
#endif

#endif

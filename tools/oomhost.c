/* The out-of-memory host of `make check-oom`: a Lua 5.4 interpreter like
 * tools/luahost.c (built with the sanitizers) whose allocator can be made
 * to fail. The Lua script drives it through the global table `oom`:
 *
 *   oom.start(n)  count allocations from now on; from the n-th on, every
 *                 allocation fails (n = 0: count only, never fail)
 *   oom.stop()    stop counting and failing; returns the number counted
 *                 and whether a failure was injected
 *
 * Failing stays on until oom.stop(): Lua answers a failed allocation with
 * an emergency collection and a second try, which must fail too for the
 * error to surface. Only growing requests count (Lua assumes that a
 * shrinking one never fails).
 *
 * With OOM_TARGET=openssl the same counter and failure apply to OpenSSL's
 * allocations instead (CRYPTO_set_mem_functions, set before OpenSSL
 * allocates anything), and Lua's allocator never fails.
 *
 * usage: oomhost script.lua [args...]
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <openssl/crypto.h>

/* Lua unloads the C modules (dlclose) when the state closes, before
 * LeakSanitizer reports at exit: the frames of the core would show as
 * "<unknown module>". This definition takes the place of libc's for
 * liblua (it is exported: liblua refers to it), so they stay loaded. */
int dlclose(void *handle)
{
    (void)handle;
    return 0;
}

/* Shared by both allocators: only one of them is the target. */
static struct {
    int target_openssl;     /* 1: fail OpenSSL's allocations, 0: Lua's */
    int counting;
    long fail_at;           /* 0: never */
    long count;
    int failed;             /* a failure was injected since start */
} oom;

/* Counts one growing request of the target allocator; 1 if it must fail. */
static int must_fail(void)
{
    if (!oom.counting)
        return 0;
    oom.count++;
    if (oom.fail_at > 0 && oom.count >= oom.fail_at) {
        oom.failed = 1;
        return 1;
    }
    return 0;
}

static void *lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    /* osize is a type tag when ptr is NULL. */
    if (!oom.target_openssl && (ptr == NULL || nsize > osize) && must_fail())
        return NULL;
    return realloc(ptr, nsize);
}

static void *crypto_malloc(size_t n, const char *file, int line)
{
    (void)file; (void)line;
    if (oom.target_openssl && must_fail())
        return NULL;
    return malloc(n);
}

static void *crypto_realloc(void *ptr, size_t n, const char *file, int line)
{
    (void)file; (void)line;
    if (oom.target_openssl && n > 0 && must_fail())
        return NULL;
    return realloc(ptr, n);
}

static void crypto_free(void *ptr, const char *file, int line)
{
    (void)file; (void)line;
    free(ptr);
}

static int oom_start(lua_State *L)
{
    long n = (long)luaL_checkinteger(L, 1);
    oom.count = 0;
    oom.failed = 0;
    oom.fail_at = n;
    oom.counting = 1;
    return 0;
}

static int oom_stop(lua_State *L)
{
    oom.counting = 0;
    oom.fail_at = 0;
    lua_pushinteger(L, oom.count);
    lua_pushboolean(L, oom.failed);
    return 2;
}

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL && !lua_isnoneornil(L, 1))
        msg = luaL_tolstring(L, 1, NULL);
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static int warn_on;

static void warning(void *ud, const char *msg, int tocont)
{
    (void)ud;
    /* Errors in finalizers come as warnings: say them (5.4 prints
     * nothing unless warnings are on). "@on"/"@off" are controls. */
    if (msg[0] == '@' && !tocont) {
        if (strcmp(msg, "@on") == 0) warn_on = 1;
        if (strcmp(msg, "@off") == 0) warn_on = 0;
        return;
    }
    if (warn_on)
        fprintf(stderr, "%s%s", msg, tocont ? "" : "\n");
}

int main(int argc, char **argv)
{
    static const luaL_Reg oom_funcs[] = {
        { "start", oom_start }, { "stop", oom_stop }, { NULL, NULL }
    };
    lua_State *L;
    int i, status;
    const char *target = getenv("OOM_TARGET");
    if (argc < 2) {
        fprintf(stderr, "usage: %s script.lua [args...]\n", argv[0]);
        return 2;
    }
    oom.target_openssl = target != NULL && strcmp(target, "openssl") == 0;
    if (!CRYPTO_set_mem_functions(crypto_malloc, crypto_realloc, crypto_free)) {
        fprintf(stderr, "%s: CRYPTO_set_mem_functions refused (OpenSSL allocated already)\n", argv[0]);
        return 2;
    }
    L = lua_newstate(lua_alloc, NULL);
    if (L == NULL)
        return 2;
    lua_setwarnf(L, warning, NULL);
    luaL_openlibs(L);
    luaL_newlib(L, oom_funcs);
    lua_pushstring(L, oom.target_openssl ? "openssl" : "lua");
    lua_setfield(L, -2, "target");
    lua_setglobal(L, "oom");
    lua_createtable(L, argc - 2, 2);
    for (i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - 1);
    }
    lua_setglobal(L, "arg");
    lua_pushcfunction(L, traceback);
    status = luaL_loadfile(L, argv[1]);
    if (status == LUA_OK) {
        for (i = 2; i < argc; i++)
            lua_pushstring(L, argv[i]);
        status = lua_pcall(L, argc - 2, 0, 1);
    }
    if (status != LUA_OK)
        fprintf(stderr, "%s: %s\n", argv[0], lua_tostring(L, -1));
    lua_close(L);
    return status == LUA_OK ? 0 : 1;
}

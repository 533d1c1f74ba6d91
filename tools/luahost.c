/* pyssl's stand-alone Lua interpreter for the checks, one program for all
 * of them:
 *  - `make check-asan`, `make fuzz-api`, `make check-testssl`: built with
 *    the sanitizers, it runs busted (or a script) with pyssl's instrumented
 *    core loaded into an instrumented process, while the programs the specs
 *    start (python3, openssl) stay uninstrumented;
 *  - `make check-oom` (tools/oom_sweep.sh) and the "out of memory" case of
 *    spec/reliability_spec.lua: its allocator can be made to fail (below).
 * It builds for any Lua the specs run on (5.1 to 5.4, LuaJIT; src/compat.h
 * gives it the 5.4 names): cc -Isrc tools/luahost.c, with Lua's and
 * OpenSSL's libraries.
 *
 * usage: luahost script.lua [args...]   (like `lua script.lua args...`)
 *
 * Ctrl-C (SIGINT) raises "interrupted!" in the running Lua code, as in
 * lua.c, so a server under test ends through its own clean-up path and the
 * leak check at exit still runs.
 *
 * Failing allocations: the script drives them through the global table `oom`:
 *
 *   oom.start(n)  count allocations from now on; from the n-th on, every
 *                 allocation fails (n = 0: count only, never fail)
 *   oom.stop()    stop counting and failing; returns the number counted
 *                 and whether a failure was injected
 *   oom.target    "lua" or "openssl" (the environment's OOM_TARGET)
 *
 * Failing stays on until oom.stop(): Lua answers a failed allocation with
 * an emergency collection and a second try, which must fail too for the
 * error to surface. Only growing requests count (Lua assumes that a
 * shrinking one never fails). lua_close at the end frees everything Lua
 * owns, so what LeakSanitizer reports at exit was lost by C code.
 *
 * With OOM_TARGET=openssl the same counter and failure apply to OpenSSL's
 * allocations instead (CRYPTO_set_mem_functions, set before OpenSSL
 * allocates anything), and Lua's allocator never fails.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <openssl/crypto.h>
#include "compat.h"

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
    lua_Alloc lua_allocf;   /* the allocator luaL_newstate chose, and its */
    void *lua_ud;           /* data: every request ends there */
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
    /* osize is a type tag when ptr is NULL. */
    if (nsize > 0 && !oom.target_openssl && (ptr == NULL || nsize > osize) && must_fail())
        return NULL;
    return oom.lua_allocf(oom.lua_ud, ptr, osize, nsize);
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
    /* The Lua API's own function, not compat.h's wrapper (which raises
     * through the core for integers beyond 2^53 on 5.1/5.2). */
    (lua_pushinteger)(L, oom.count);
    lua_pushboolean(L, oom.failed);
    return 2;
}

static void open_oom(lua_State *L)
{
    static const luaL_Reg oom_funcs[] = {
        { "start", oom_start }, { "stop", oom_stop }, { NULL, NULL }
    };
    lua_newtable(L);
    luaL_setfuncs(L, oom_funcs, 0);
    lua_pushstring(L, oom.target_openssl ? "openssl" : "lua");
    lua_setfield(L, -2, "target");
    lua_setglobal(L, "oom");
}

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL && !lua_isnoneornil(L, 1))
        msg = luaL_tolstring(L, 1, NULL);
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static lua_State *running;

static void interrupted(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

/* Only async-signal-safe work here: lua_sethook is documented as safe to
 * call from a signal handler; the hook raises at the next Lua step. */
static void on_sigint(int sig)
{
    signal(sig, SIG_DFL);   /* a second Ctrl-C kills the process */
    lua_sethook(running, interrupted, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

int main(int argc, char **argv)
{
    lua_State *L;
    int i, status;
    const char *target = getenv("OOM_TARGET");
    if (argc < 2) {
        fprintf(stderr, "usage: %s script.lua [args...]\n", argv[0]);
        return 2;
    }
    oom.target_openssl = target != NULL && strcmp(target, "openssl") == 0;
    if (oom.target_openssl && !CRYPTO_set_mem_functions(crypto_malloc, crypto_realloc, crypto_free)) {
        fprintf(stderr, "%s: CRYPTO_set_mem_functions refused (OpenSSL allocated already)\n", argv[0]);
        return 2;
    }
    L = luaL_newstate();
    if (L == NULL)
        return 2;
    oom.lua_allocf = lua_getallocf(L, &oom.lua_ud);
    lua_setallocf(L, lua_alloc, NULL);
    luaL_openlibs(L);
    open_oom(L);
    /* The global `arg` as lua.c builds it: arg[0] is the script. */
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
        running = L;
        signal(SIGINT, on_sigint);
        status = lua_pcall(L, argc - 2, 0, 1);
        signal(SIGINT, SIG_DFL);
    }
    oom.counting = 0;
    oom.fail_at = 0;
    if (status != LUA_OK)
        fprintf(stderr, "%s: %s\n", argv[0], lua_tostring(L, -1));
    lua_close(L);
    return status == LUA_OK ? 0 : 1;
}

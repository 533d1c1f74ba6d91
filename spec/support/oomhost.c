/* A Lua interpreter whose allocator can be told to fail, for
 * spec/reliability_spec.lua: built with LeakSanitizer, it shows whether
 * pyssl leaks when Lua runs out of memory in the middle of a call. It is
 * built for the Lua that runs the specs (5.1 to 5.4, LuaJIT), whose core
 * it loads; src/compat.h gives it the 5.4 names (LUA_OK).
 *
 * usage: oomhost script.lua
 * The script gets one extra global function, fail_after(n): from now on,
 * the n-th allocation (growth) and every later one fail; fail_after(0)
 * stops failing. lua_close at the end frees everything Lua owns, so what
 * LeakSanitizer reports at exit was lost by C code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "compat.h"

typedef struct failing_alloc {
    unsigned long seen;      /* growing allocations since fail_after(n) */
    unsigned long fail_at;   /* 0: never fail */
} failing_alloc;

static void *alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    failing_alloc *a = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (!ptr || nsize > osize) {
        a->seen++;
        if (a->fail_at && a->seen >= a->fail_at)
            return NULL;
    }
    return realloc(ptr, nsize);
}

static int fail_after(lua_State *L)
{
    failing_alloc *a = lua_touserdata(L, lua_upvalueindex(1));
    lua_Integer n = luaL_checkinteger(L, 1);
    a->seen = 0;
    a->fail_at = n > 0 ? (unsigned long)n : 0;
    return 0;
}

int main(int argc, char **argv)
{
    static failing_alloc state;
    lua_State *L;
    int status;
    if (argc != 2) {
        fprintf(stderr, "usage: %s script.lua\n", argv[0]);
        return 2;
    }
    L = lua_newstate(alloc, &state);
    if (!L)
        return 1;
    luaL_openlibs(L);
    lua_pushlightuserdata(L, &state);
    lua_pushcclosure(L, fail_after, 1);
    lua_setglobal(L, "fail_after");
    status = luaL_dofile(L, argv[1]);
    state.fail_at = 0;
    if (status != LUA_OK)
        fprintf(stderr, "%s: %s\n", argv[0], lua_tostring(L, -1));
    lua_close(L);
    return status == LUA_OK ? 0 : 1;
}

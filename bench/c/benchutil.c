/* bench/c/benchutil.c — what the Lua benchmark scripts need and Lua lacks:
 * a monotonic wall clock, the malloc heap in use (mallinfo2, the same
 * figure the C reference reports) and the resident set size.
 *   local bu = require "benchutil"; bu.now(); bu.heap(); bu.rss()
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <lua.h>
#include <lauxlib.h>

static int bu_now(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec * 1e-9);
    return 1;
}

static int bu_heap(lua_State *L)
{
    struct mallinfo2 mi = mallinfo2();
    lua_pushinteger(L, (lua_Integer)(mi.uordblks + mi.hblkhd));
    return 1;
}

static int bu_rss(lua_State *L)
{
    long long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    int ok = f && fscanf(f, "%lld %lld", &size, &resident) == 2;
    if (f)
        fclose(f);
    if (!ok)
        return luaL_error(L, "cannot read /proc/self/statm");
    lua_pushinteger(L, (lua_Integer)(resident * sysconf(_SC_PAGESIZE)));
    return 1;
}

int luaopen_benchutil(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"now", bu_now}, {"heap", bu_heap}, {"rss", bu_rss}, {NULL, NULL}
    };
    luaL_newlib(L, fns);
    return 1;
}

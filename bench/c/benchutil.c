/* bench/c/benchutil.c — what the Lua benchmark scripts need and Lua lacks:
 * a monotonic wall clock, the malloc heap in use (mallinfo2, the same
 * figure the C reference reports) and the resident set size.
 *   local bu = require "benchutil"; bu.now(); bu.heap(); bu.rss()
 * For bench/floor.lua, the two halves of "return n bytes to Lua":
 *   bu.string_of(n)  a new n-byte Lua string (what any binding's read must do)
 *   bu.copy(n)       n bytes copied into a reused buffer (what C does instead)
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <string.h>
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

/* Source and reused destination of the floor measurements: one TLS
 * record's worth. */
static char floor_source[16 * 1024 + 64], floor_buffer[16 * 1024 + 64];

static size_t floor_size(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0 && (size_t)n <= sizeof floor_source, 1, "size out of range");
    return (size_t)n;
}

static int bu_string_of(lua_State *L)
{
    lua_pushlstring(L, floor_source, floor_size(L));
    return 1;
}

static int bu_copy(lua_State *L)
{
    size_t n = floor_size(L);
    memcpy(floor_buffer, floor_source, n);
    /* The compiler must not drop a copy nobody reads. */
    __asm__ volatile("" : : "r"(floor_buffer) : "memory");
    return 0;
}

int luaopen_benchutil(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"now", bu_now}, {"heap", bu_heap}, {"rss", bu_rss},
        {"string_of", bu_string_of}, {"copy", bu_copy}, {NULL, NULL}
    };
    luaL_newlib(L, fns);
    return 1;
}

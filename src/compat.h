/* Lua version differences, kept in one place.
 *
 * pyssl is written against the Lua 5.4 C API. Everything that differs in
 * 5.1/LuaJIT, 5.2 and 5.3 and that the core uses is mapped here, so that the
 * other files never test LUA_VERSION_NUM themselves. 5.4 is the only version
 * built and tested today; the shims below are the known gaps for the others.
 */
#ifndef PYSSL_COMPAT_H
#define PYSSL_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM < 504
/* Before 5.4 a userdata has exactly one user value, which must be a table
 * (5.1) or any value (5.2/5.3). pyssl keeps its user values in one table
 * stored there, indexed by slot number. */
static inline void *pyssl_compat_newuserdatauv(lua_State *L, size_t size, int nuv)
{
    void *p = lua_newuserdata(L, size);
    lua_createtable(L, nuv, 0);
#if LUA_VERSION_NUM == 501
    lua_setfenv(L, -2);
#else
    lua_setuservalue(L, -2);
#endif
    return p;
}
#define lua_newuserdatauv(L, size, nuv) pyssl_compat_newuserdatauv((L), (size), (nuv))

static inline int pyssl_compat_getiuservalue(lua_State *L, int idx, int n)
{
#if LUA_VERSION_NUM == 501
    lua_getfenv(L, idx);
#else
    lua_getuservalue(L, idx);
#endif
    lua_rawgeti(L, -1, n);
    lua_remove(L, -2);
    return lua_type(L, -1);
}
#define lua_getiuservalue(L, idx, n) pyssl_compat_getiuservalue((L), (idx), (n))

static inline int pyssl_compat_setiuservalue(lua_State *L, int idx, int n)
{
    idx = lua_absindex(L, idx);
#if LUA_VERSION_NUM == 501
    lua_getfenv(L, idx);
#else
    lua_getuservalue(L, idx);
#endif
    lua_insert(L, -2);
    lua_rawseti(L, -2, n);
    lua_pop(L, 1);
    return 1;
}
#define lua_setiuservalue(L, idx, n) pyssl_compat_setiuservalue((L), (idx), (n))
#endif

#if LUA_VERSION_NUM == 501
#define lua_absindex(L, i) (((i) > 0 || (i) <= LUA_REGISTRYINDEX) ? (i) : lua_gettop(L) + (i) + 1)
#define lua_rawlen(L, i) lua_objlen((L), (i))
#define luaL_setfuncs(L, l, nup) pyssl_compat_setfuncs((L), (l), (nup))
void pyssl_compat_setfuncs(lua_State *L, const luaL_Reg *l, int nup);
#endif

#if LUA_VERSION_NUM < 503
#define lua_isinteger(L, i) pyssl_compat_isinteger((L), (i))
static inline int pyssl_compat_isinteger(lua_State *L, int i)
{
    lua_Number n = lua_tonumber(L, i);
    return lua_type(L, i) == LUA_TNUMBER && n == (lua_Number)(lua_Integer)n;
}
#endif

#if LUA_VERSION_NUM < 504
/* Lua 5.4's warn() does not exist before 5.4: deprecations are dropped. */
#define lua_warning(L, msg, tocont) ((void)(L), (void)(msg), (void)(tocont))
#endif

#endif

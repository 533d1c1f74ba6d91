/* Lua version differences, kept in one place.
 *
 * pyssl is written against the Lua 5.4 C API. Everything that differs in
 * 5.1/LuaJIT 2.1, 5.2 and 5.3 and that the core uses is mapped here, so
 * that the other files never test LUA_VERSION_NUM themselves. On 5.4 this
 * header adds only PYSSL_GC_RUNNING: every shim below is inside an #if.
 *
 * `make compat` builds the core against 5.1, LuaJIT, 5.3 (and 5.2 when
 * installed) and runs tools/compat_smoke.lua under each.
 *
 * The shims are grouped by the version that introduced the 5.4 form:
 *   < 502  functions 5.2 added (5.1 and LuaJIT, which share LUA_VERSION_NUM
 *          501; LuaJIT has a few of them already, the shims shadow those);
 *   < 503  return values 5.3 added to the lua_get* family, integer helpers;
 *   < 504  user values, warnings;
 * and first the one shim that differs from 5.2 on (PYSSL_GC_RUNNING).
 *
 * What still differs before 5.4 (the C core works the same otherwise):
 *  - numbers before 5.3 are all doubles: lua_isinteger() says whether a
 *    number has an integral value that fits lua_Integer, so 16.0 is an int
 *    (messages name it 'int', not 'float'), and integers are exact up to
 *    2^53 only: lua_pushinteger raises OverflowError for an integer that
 *    no double holds (pyssl's constants, options and flags stay far below;
 *    only bits a program set itself in ctx.options could reach it);
 *  - only 5.4 calls __close; before, close() or the collector frees objects;
 *  - lua_warning does not exist before 5.4: errors Python reports as
 *    "unraisable" (raised inside a callback) are dropped, the handshake
 *    still fails as in Python.
 */
#ifndef PYSSL_COMPAT_H
#define PYSSL_COMPAT_H

#include <stddef.h>
#include <lua.h>
#include <lauxlib.h>

/* ============================================================ all */

/* Whether the collector runs: not when the program stopped it, nor inside
 * a finalizer. 5.1 cannot tell, and its LUA_GCSTEP (LuaJIT's too) runs
 * steps at once instead of adding debt: there pyssl never drives the
 * collector itself. */
#if LUA_VERSION_NUM >= 502
#define PYSSL_GC_RUNNING(L) lua_gc((L), LUA_GCISRUNNING, 0)
#else
#define PYSSL_GC_RUNNING(L) ((void)(L), 0)
#endif

/* ============================================== 5.1 and LuaJIT (< 5.2) */
#if LUA_VERSION_NUM < 502

#ifndef LUA_OK                  /* LuaJIT has it, 5.1 does not */
#define LUA_OK 0
#endif

/* Pseudo-indices (registry, upvalues) are at or below LUA_REGISTRYINDEX. */
static inline int pyssl_compat_absindex(lua_State *L, int idx)
{
    return (idx > 0 || idx <= LUA_REGISTRYINDEX) ? idx : lua_gettop(L) + idx + 1;
}
#define lua_absindex(L, idx) pyssl_compat_absindex((L), (idx))

#define lua_rawlen(L, idx) lua_objlen((L), (idx))

/* Sets the functions of l into the table below the nup upvalues on top,
 * each closing over those upvalues, and pops the upvalues. A NULL function
 * sets false (a placeholder), as in 5.2+. */
static inline void pyssl_compat_setfuncs(lua_State *L, const luaL_Reg *l, int nup)
{
    int i;
    luaL_checkstack(L, nup, "too many upvalues");
    for (; l->name != NULL; l++) {
        if (l->func == NULL) {
            lua_pushboolean(L, 0);
        } else {
            for (i = 0; i < nup; i++)
                lua_pushvalue(L, -nup);
            lua_pushcclosure(L, l->func, nup);
        }
        lua_setfield(L, -(nup + 2), l->name);
    }
    lua_pop(L, nup);
}
#define luaL_setfuncs(L, l, nup) pyssl_compat_setfuncs((L), (l), (nup))

/* t[p] = v (v on top, popped), the key a light userdata. */
static inline void pyssl_compat_rawsetp(lua_State *L, int idx, const void *p)
{
    idx = lua_absindex(L, idx);
    lua_pushlightuserdata(L, (void *)p);
    lua_insert(L, -2);
    lua_rawset(L, idx);
}
#define lua_rawsetp(L, idx, p) pyssl_compat_rawsetp((L), (idx), (p))

/* What 5.4's luaL_tolstring pushes: __tostring's result (which must be a
 * string), else the value itself for strings and numbers, nil/true/false,
 * or "<__name or type name>: <address>". */
static inline const char *pyssl_compat_tolstring(lua_State *L, int idx, size_t *len)
{
    idx = lua_absindex(L, idx);
    if (luaL_callmeta(L, idx, "__tostring")) {
        if (!lua_isstring(L, -1))
            luaL_error(L, "'__tostring' must return a string");
        return lua_tolstring(L, -1, len);
    }
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
    case LUA_TSTRING:
        lua_pushvalue(L, idx);      /* lua_tolstring converts the copy */
        break;
    case LUA_TBOOLEAN:
        lua_pushstring(L, lua_toboolean(L, idx) ? "true" : "false");
        break;
    case LUA_TNIL:
        lua_pushliteral(L, "nil");
        break;
    default: {
        /* Here luaL_getmetafield is 5.1's: true (and a value pushed) or false. */
        int named = luaL_getmetafield(L, idx, "__name");
        const char *kind = named && lua_type(L, -1) == LUA_TSTRING
                           ? lua_tostring(L, -1) : luaL_typename(L, idx);
        lua_pushfstring(L, "%s: %p", kind, lua_topointer(L, idx));
        if (named)
            lua_remove(L, -2);
        break;
    }
    }
    return lua_tolstring(L, -1, len);
}
#define luaL_tolstring(L, idx, len) pyssl_compat_tolstring((L), (idx), (len))

/* luaL_buffinitsize/luaL_pushresultsize: a buffer of exactly sz bytes.
 * 5.1's luaL_Buffer holds at most LUAL_BUFFERSIZE bytes, so the memory is a
 * userdata left on the stack (where 5.4 may leave its box too) and B->p
 * points to it. Only for buffers made by luaL_buffinitsize: the pair never
 * reaches 5.1's own buffer functions. */
static inline char *pyssl_compat_buffinitsize(lua_State *L, luaL_Buffer *B, size_t sz)
{
    B->L = L;
    B->lvl = 0;
    B->p = (char *)lua_newuserdata(L, sz);
    return B->p;
}
#define luaL_buffinitsize(L, B, sz) pyssl_compat_buffinitsize((L), (B), (sz))

static inline void pyssl_compat_pushresultsize(luaL_Buffer *B, size_t sz)
{
    lua_pushlstring(B->L, B->p, sz);
    lua_remove(B->L, -2);           /* the userdata */
}
#define luaL_pushresultsize(B, sz) pyssl_compat_pushresultsize((B), (sz))

/* luaL_traceback for L1 == L (5.1 has none; LuaJIT's is the same text):
 * debug.traceback(msg, level), counted from the C function that asks (one
 * level more: debug.traceback itself is level 0 there). */
static inline void pyssl_compat_traceback(lua_State *L, lua_State *L1, const char *msg, int level)
{
    (void)L1;
    lua_getglobal(L, "debug");
    lua_getfield(L, -1, "traceback");
    lua_remove(L, -2);
    if (msg)
        lua_pushstring(L, msg);
    else
        lua_pushnil(L);
    lua_pushinteger(L, level + 1);
    lua_call(L, 2, 1);
}
#define luaL_traceback(L, L1, msg, level) pyssl_compat_traceback((L), (L1), (msg), (level))

#endif /* < 502 */

/* ============================================================= < 5.3 */
#if LUA_VERSION_NUM < 503

/* 5.3 made these return the type of the value they push; before, they
 * returned nothing. Call sites test the type (`!= LUA_TTABLE`). */
static inline int pyssl_compat_getfield(lua_State *L, int idx, const char *k)
{
    lua_getfield(L, idx, k);
    return lua_type(L, -1);
}
#define lua_getfield(L, idx, k) pyssl_compat_getfield((L), (idx), (k))

static inline int pyssl_compat_gettable(lua_State *L, int idx)
{
    lua_gettable(L, idx);
    return lua_type(L, -1);
}
#define lua_gettable(L, idx) pyssl_compat_gettable((L), (idx))

static inline int pyssl_compat_rawget(lua_State *L, int idx)
{
    lua_rawget(L, idx);
    return lua_type(L, -1);
}
#define lua_rawget(L, idx) pyssl_compat_rawget((L), (idx))

static inline int pyssl_compat_rawgeti(lua_State *L, int idx, lua_Integer n)
{
    lua_rawgeti(L, idx, (int)n);    /* an int before 5.3 */
    return lua_type(L, -1);
}
#define lua_rawgeti(L, idx, n) pyssl_compat_rawgeti((L), (idx), (n))

/* 5.2 has lua_rawgetp without a result, 5.1 not at all: the same lookup
 * with a light userdata key serves both. */
static inline int pyssl_compat_rawgetp(lua_State *L, int idx, const void *p)
{
    idx = lua_absindex(L, idx);
    lua_pushlightuserdata(L, (void *)p);
    return lua_rawget(L, idx);
}
#define lua_rawgetp(L, idx, p) pyssl_compat_rawgetp((L), (idx), (p))

/* Before 5.3 luaL_getmetafield returns a boolean; 0 (nothing pushed) is
 * LUA_TNIL either way. */
static inline int pyssl_compat_getmetafield(lua_State *L, int obj, const char *e)
{
    return luaL_getmetafield(L, obj, e) ? lua_type(L, -1) : LUA_TNIL;
}
#define luaL_getmetafield(L, obj, e) pyssl_compat_getmetafield((L), (obj), (e))

/* lua_Integer is ptrdiff_t before 5.3; its unsigned twin is size_t (5.2's
 * own lua_Unsigned has 32 bits only, 5.1 has none). */
typedef size_t pyssl_compat_unsigned;
#define lua_Unsigned pyssl_compat_unsigned

/* n converted to a lua_Integer in *p if it is in range (NaN is not); the
 * caller checks that n was integral. */
static inline int pyssl_compat_numbertointeger(lua_Number n, lua_Integer *p)
{
    /* 2^(bits-1) is exact as a double; the range is [-2^(bits-1), 2^(bits-1)). */
    const lua_Number limit = (lua_Number)((size_t)1 << (sizeof(lua_Integer) * 8 - 1));
    if (!(n >= -limit && n < limit))
        return 0;
    *p = (lua_Integer)n;
    return 1;
}
#define lua_numbertointeger(n, p) pyssl_compat_numbertointeger((n), (p))

/* All numbers are doubles: every integer up to 2^53 is exact, beyond only
 * those whose significant bits fit in 53 (2^60 does, 2^60 + 1 does not).
 * One that does not would reach Lua rounded, so pushing it raises Python's
 * OverflowError instead (errors.c). */
int pyssl_raise(lua_State *L, const char *cls, const char *fmt, ...);

static inline int pyssl_compat_exact_double(lua_Integer n)
{
    size_t bits = n < 0 ? (size_t)0 - (size_t)n : (size_t)n;   /* |n|, -2^63 too */
    while (bits != 0 && (bits & 1) == 0)
        bits >>= 1;
    return bits < ((size_t)1 << 53);
}

static inline void pyssl_compat_pushinteger(lua_State *L, lua_Integer n)
{
    if (!pyssl_compat_exact_double(n))
        pyssl_raise(L, "OverflowError", "int %lld does not fit a Lua number exactly "
                    "(%s: integers are exact up to 2**53)", (long long)n, LUA_VERSION);
    lua_pushnumber(L, (lua_Number)n);
}
#define lua_pushinteger(L, n) pyssl_compat_pushinteger((L), (n))

/* All numbers are doubles: an integer is a number with an integral value
 * that fits in lua_Integer. */
static inline int pyssl_compat_isinteger(lua_State *L, int idx)
{
    lua_Integer i;
    lua_Number n;
    if (lua_type(L, idx) != LUA_TNUMBER)
        return 0;
    n = lua_tonumber(L, idx);
    return lua_numbertointeger(n, &i) && (lua_Number)i == n;
}
#define lua_isinteger(L, idx) pyssl_compat_isinteger((L), (idx))

#endif /* < 503 */

/* ============================================================= < 5.4 */
#if LUA_VERSION_NUM < 504

/* Before 5.4 a userdata has exactly one user value (in 5.1 its
 * environment, which must be a table). pyssl keeps its nuv user values in
 * one table stored there, indexed by slot number. */
static inline void pyssl_compat_setuservalue(lua_State *L, int idx)
{
#if LUA_VERSION_NUM == 501
    lua_setfenv(L, idx);
#else
    lua_setuservalue(L, idx);
#endif
}

static inline void pyssl_compat_pushuservalue(lua_State *L, int idx)
{
#if LUA_VERSION_NUM == 501
    lua_getfenv(L, idx);
#else
    lua_getuservalue(L, idx);
#endif
}

static inline void *pyssl_compat_newuserdatauv(lua_State *L, size_t size, int nuv)
{
    void *p = lua_newuserdata(L, size);
    lua_createtable(L, nuv, 0);
    pyssl_compat_setuservalue(L, -2);
    return p;
}
#define lua_newuserdatauv(L, size, nuv) pyssl_compat_newuserdatauv((L), (size), (nuv))

static inline int pyssl_compat_getiuservalue(lua_State *L, int idx, int n)
{
    pyssl_compat_pushuservalue(L, idx);
    lua_rawgeti(L, -1, n);
    lua_remove(L, -2);
    return lua_type(L, -1);
}
#define lua_getiuservalue(L, idx, n) pyssl_compat_getiuservalue((L), (idx), (n))

static inline int pyssl_compat_setiuservalue(lua_State *L, int idx, int n)
{
    idx = lua_absindex(L, idx);
    pyssl_compat_pushuservalue(L, idx);
    lua_insert(L, -2);
    lua_rawseti(L, -2, n);
    lua_pop(L, 1);
    return 1;
}
#define lua_setiuservalue(L, idx, n) pyssl_compat_setiuservalue((L), (idx), (n))

/* Lua 5.4's warn() does not exist before 5.4: deprecations are dropped. */
#define lua_warning(L, msg, tocont) ((void)(L), (void)(msg), (void)(tocont))

#endif /* < 504 */

#endif

/* bytearray: pyssl.socket.bytearray, Python's bytearray(n) as far as
 * recv_into and its kin need it (a fixed-size mutable buffer); the struct
 * is in pyssl.h.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include "pyssl.h"

#define BYTEARRAY "bytearray"

unsigned char *pyssl_test_bytearray(lua_State *L, int idx, size_t *len)
{
    pyssl_bytearray *b = pyssl_test_object(L, idx, BYTEARRAY);
    if (!b)
        return NULL;
    *len = b->len;
    return b->data;
}

/* bytearray(n | bytes | nil) */
static int bytearray_new(lua_State *L)
{
    pyssl_bytearray *b;
    size_t len = 0;
    const char *src = NULL;
    if (lua_gettop(L) > 2)
        return pyssl_raise(L, "TypeError", "bytearray() takes at most 3 arguments (%d given)",
                           lua_gettop(L) - 1);
    if (lua_type(L, 2) == LUA_TSTRING) {
        src = lua_tolstring(L, 2, &len);
    } else if (lua_isinteger(L, 2)) {
        lua_Integer n = lua_tointeger(L, 2);
        if (n < 0)
            return pyssl_raise(L, "ValueError", "negative count");
        if ((lua_Unsigned)n > (lua_Unsigned)(INT_MAX))
            return pyssl_raise(L, "OverflowError", "cannot fit 'int' into an index-sized integer");
        len = (size_t)n;
    } else if (!lua_isnoneornil(L, 2)) {
        return pyssl_raise(L, "TypeError", "cannot convert '%s' object to bytearray",
                           pyssl_typename(L, 2));
    }
    b = pyssl_new_object(L, BYTEARRAY, offsetof(pyssl_bytearray, data) + len);
    b->len = len;
    if (src)
        memcpy(b->data, src, len);
    return 1;
}

static int bytearray_len(lua_State *L)
{
    pyssl_bytearray *b = lua_touserdata(L, 1);
    lua_pushinteger(L, (lua_Integer)b->len);
    return 1;
}

/* tostring(b): the contents */
static int bytearray_tostring(lua_State *L)
{
    pyssl_bytearray *b = lua_touserdata(L, 1);
    lua_pushlstring(L, (const char *)b->data, b->len);
    return 1;
}

void pyssl_open_bytearray(lua_State *L)
{
    static const pyssl_class bytearray_cls = {
        .name = BYTEARRAY,
        .qualname = BYTEARRAY,
        .module = "builtins",
        .construct = bytearray_new,
        .tostring = bytearray_tostring,
        .nuv = 1,
    };
    pyssl_class_register(L, &bytearray_cls);
    luaL_getmetatable(L, "pyssl." BYTEARRAY);
    lua_pushcfunction(L, bytearray_len);
    lua_setfield(L, -2, "__len");
    lua_pop(L, 1);
}

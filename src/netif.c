/* netif: network interface names and indexes, as Python's socket module
 * has them: if_nameindex() -> {{index, name}, ...}, if_nametoindex(name),
 * if_indextoname(index).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <net/if.h>
#include "pyssl.h"

/* Frees an if_nameindex() list when collected, so that a memory error
 * while the result is built cannot leak it. */
typedef struct ni_guard {
    struct if_nameindex *list;
} ni_guard;

#define GUARD "_if_nameindex"

static int guard_close(lua_State *L)
{
    ni_guard *g = lua_touserdata(L, 1);
    if (g && g->list) {
        if_freenameindex(g->list);
        g->list = NULL;
    }
    return 0;
}

/* if_nameindex() -> {{index, name}, ...} */
static int l_if_nameindex(lua_State *L)
{
    ni_guard *g;
    int i;
    pyssl_check_function_nargs(L, "_socket.if_nameindex", 0);
    g = pyssl_new_object(L, GUARD, sizeof(ni_guard));
    g->list = if_nameindex();
    if (!g->list)
        return pyssl_raise_errno(L, errno, NULL);
    lua_newtable(L);
    for (i = 0; g->list[i].if_index != 0 && i < INT_MAX; i++) {
        lua_createtable(L, 2, 0);
        lua_pushinteger(L, g->list[i].if_index);
        lua_rawseti(L, -2, 1);
        lua_pushstring(L, g->list[i].if_name);
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, i + 1);
    }
    if_freenameindex(g->list);   /* now, rather than at the next collection */
    g->list = NULL;
    return 1;
}

/* if_nametoindex(name) -> index */
static int l_if_nametoindex(lua_State *L)
{
    unsigned int index;
    pyssl_check_function_nargs(L, "_socket.if_nametoindex", 1);   /* 3.13's clinic wording */
    index = if_nametoindex(pyssl_check_path(L, 1));
    if (index == 0)
        return pyssl_raise(L, "OSError", "no interface with this name");
    lua_pushinteger(L, index);
    return 1;
}

/* The index argument of if_indextoname: an int (bool counts, as in
 * Python) that fits a C unsigned int. */
static unsigned int check_if_index(lua_State *L, int idx)
{
    lua_Integer v = 0;
    if (lua_isboolean(L, idx))
        return (unsigned int)lua_toboolean(L, idx);
    if (lua_type(L, idx) == LUA_TNUMBER && !lua_isinteger(L, idx)) {
        lua_Number x = lua_tonumber(L, idx);
        if (!lua_numbertointeger(x, &v) || (lua_Number)v != x)
            pyssl_raise(L, "TypeError", "an integer is required");
    } else if (lua_isinteger(L, idx)) {
        v = lua_tointeger(L, idx);
    } else {
        pyssl_raise(L, "TypeError", "an integer is required");
    }
    if (v < 0)
        pyssl_raise(L, "OverflowError", "can't convert negative value to unsigned int");
    if ((unsigned long long)v > UINT_MAX)
        pyssl_raise(L, "OverflowError", "Python int too large for C unsigned int");
    return (unsigned int)v;
}

/* if_indextoname(index) -> name */
static int l_if_indextoname(lua_State *L)
{
    char name[IF_NAMESIZE + 1];
    unsigned int index;
    pyssl_check_function_nargs(L, "_socket.if_indextoname", 1);
    index = check_if_index(L, 1);
    if (!if_indextoname(index, name))
        return pyssl_raise_errno(L, errno, NULL);
    lua_pushstring(L, name);
    return 1;
}

void pyssl_open_netif(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"if_nameindex", l_if_nameindex},
        {"if_nametoindex", l_if_nametoindex},
        {"if_indextoname", l_if_indextoname},
        {NULL, NULL}
    };
    static const pyssl_class guard = {
        .name = GUARD,
        .qualname = GUARD,
        .close = guard_close,
        .nuv = 1,
    };
    pyssl_class_register(L, &guard);
    luaL_setfuncs(L, fns, 0);
}

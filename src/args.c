/* Arguments: how Lua values are checked and named the way Python's
 * messages name them (spec §1, rules 1, 2 and 4).
 */
#include <string.h>
#include "pyssl.h"

static int is_sequence(lua_State *L, int idx)
{
    if (lua_rawlen(L, idx) > 0)
        return 1;
    lua_pushnil(L);
    if (lua_next(L, idx)) {
        lua_pop(L, 2);
        return 0;
    }
    return 1;
}

const char *pyssl_typename(lua_State *L, int idx)
{
    const char *cls;
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL: case LUA_TNONE: return "NoneType";
    case LUA_TBOOLEAN: return "bool";
    case LUA_TNUMBER: return lua_isinteger(L, idx) ? "int" : "float";
    case LUA_TSTRING: return "str";
    case LUA_TFUNCTION: return "function";
    case LUA_TTABLE:
        if ((cls = pyssl_object_classname(L, idx)) != NULL)
            return cls;
        return is_sequence(L, idx) ? "list" : "dict";
    case LUA_TUSERDATA:
        if ((cls = pyssl_object_classname(L, idx)) != NULL)
            return cls;
        return "userdata";
    default:
        return lua_typename(L, lua_type(L, idx));
    }
}

void pyssl_add_repr(luaL_Buffer *b, const char *s, size_t len)
{
    size_t i;
    char quote = '\'';
    if (memchr(s, '\'', len) && !memchr(s, '"', len))
        quote = '"';
    luaL_addchar(b, quote);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == (unsigned char)quote) {
            luaL_addchar(b, '\\');
            luaL_addchar(b, (char)c);
        } else if (c == '\n') {
            luaL_addstring(b, "\\n");
        } else if (c == '\r') {
            luaL_addstring(b, "\\r");
        } else if (c == '\t') {
            luaL_addstring(b, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            luaL_addstring(b, "\\x");
            luaL_addchar(b, hex[c >> 4]);
            luaL_addchar(b, hex[c & 15]);
        } else {
            luaL_addchar(b, (char)c);
        }
    }
    luaL_addchar(b, quote);
}

const char *pyssl_push_repr(lua_State *L, int idx)
{
    luaL_Buffer b;
    size_t len;
    const char *s;
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL: case LUA_TNONE: lua_pushliteral(L, "None"); break;
    case LUA_TBOOLEAN: lua_pushstring(L, lua_toboolean(L, idx) ? "True" : "False"); break;
    case LUA_TSTRING:
        s = lua_tolstring(L, idx, &len);
        luaL_buffinit(L, &b);
        pyssl_add_repr(&b, s, len);
        luaL_pushresult(&b);
        break;
    case LUA_TTABLE:
        if (!pyssl_object_classname(L, idx) && is_sequence(L, idx)) {
            int i, n = (int)lua_rawlen(L, idx);
            luaL_buffinit(L, &b);
            luaL_addchar(&b, '[');
            for (i = 1; i <= n; i++) {
                if (i > 1)
                    luaL_addstring(&b, ", ");
                lua_rawgeti(L, idx, i);
                pyssl_push_repr(L, -1);
                lua_remove(L, -2);
                luaL_addvalue(&b);
            }
            luaL_addchar(&b, ']');
            luaL_pushresult(&b);
            break;
        }
        /* fall through */
    default:
        luaL_tolstring(L, idx, NULL);
    }
    return lua_tostring(L, -1);
}

lua_Integer pyssl_check_index(lua_State *L, int idx)
{
    lua_Integer value;
    if (lua_isinteger(L, idx))
        return lua_tointeger(L, idx);
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Number n = lua_tonumber(L, idx);
        if (lua_numbertointeger(n, &value) && (lua_Number)value == n)
            return value;
    }
    pyssl_raise(L, "TypeError", "'%s' object cannot be interpreted as an integer",
                pyssl_typename(L, idx));
    return 0;
}

const char *pyssl_check_bytes(lua_State *L, int idx, size_t *len)
{
    const unsigned char *b;
    if (lua_type(L, idx) == LUA_TSTRING)
        return lua_tolstring(L, idx, len);
    /* A bytearray is bytes-like too (fixed size: its bytes stay put while
     * it is on the stack, whatever Lua runs meanwhile). */
    if ((b = pyssl_test_bytearray(L, idx, len)) != NULL)
        return (const char *)b;
    pyssl_raise(L, "TypeError", "a bytes-like object is required, not '%s'",
                pyssl_typename(L, idx));
    return NULL;
}

const char *pyssl_bind_bytes_call(lua_State *L, const pyssl_sig *sig, size_t *len)
{
    if (lua_gettop(L) != 2 || lua_type(L, 2) == LUA_TTABLE)
        pyssl_bind(L, sig, 2);
    return pyssl_check_bytes(L, 2, len);
}

const char *pyssl_check_cstring(lua_State *L, int idx, const char *type_error,
                                const char *nul_cls, const char *nul_error)
{
    size_t len;
    const char *s;
    if (lua_type(L, idx) != LUA_TSTRING)
        pyssl_raise(L, "TypeError", type_error, pyssl_typename(L, idx));
    s = lua_tolstring(L, idx, &len);
    if (strlen(s) != len)
        pyssl_raise(L, nul_cls, "%s", nul_error);
    return s;
}

const char *pyssl_check_path(lua_State *L, int idx)
{
    return pyssl_check_cstring(L, idx, "expected str, bytes or os.PathLike object, not %s",
                               "ValueError", "embedded null byte");
}

/* The arity checks of C functions without keywords, through the binder:
 * METH_NOARGS/METH_O ("takes no arguments", "takes exactly one
 * argument") and a one-argument PyArg_ParseTuple. */
static void check_count(lua_State *L, const char *qualname, int wording, int expected, int first)
{
    pyssl_sig sig = {qualname, NULL, expected, expected, expected, (unsigned char)wording, 0};
    pyssl_bind(L, &sig, first);
}

void pyssl_check_nargs(lua_State *L, const char *qualname, int expected)
{
    check_count(L, qualname, PYSSL_WORDING_CLINIC, expected, 2);
}

void pyssl_check_function_nargs(lua_State *L, const char *qualname, int expected)
{
    check_count(L, qualname, PYSSL_WORDING_CLINIC, expected, 1);
}

void pyssl_check_one_arg(lua_State *L, const char *fname)
{
    check_count(L, fname, PYSSL_WORDING_TUPLE, 1, 1);
}

/* Lua 5.4 follows __call through non-function values too; a few levels
 * are all any real object has. */
#define CALL_CHAIN_MAX 4

int pyssl_is_callable(lua_State *L, int idx)
{
    int depth, callable = 0;
    idx = lua_absindex(L, idx);
    if (lua_isfunction(L, idx))
        return 1;
    lua_pushvalue(L, idx);
    for (depth = 0; depth < CALL_CHAIN_MAX; depth++) {
        if (!luaL_getmetafield(L, -1, "__call"))
            break;
        lua_remove(L, -2);
        if (lua_isfunction(L, -1)) {
            callable = 1;
            break;
        }
    }
    lua_pop(L, 1);
    return callable;
}

static int l_callable(lua_State *L)
{
    lua_pushboolean(L, pyssl_is_callable(L, 1));
    return 1;
}

static int l_typename(lua_State *L)
{
    lua_pushstring(L, pyssl_typename(L, 1));
    return 1;
}

static int l_repr(lua_State *L)
{
    pyssl_push_repr(L, 1);
    return 1;
}

static int l_raise(lua_State *L)
{
    /* core._raise(class_name, ...): raise cls(...) from Lua. */
    const char *cls = luaL_checkstring(L, 1);
    pyssl_push_error_named(L, cls, lua_gettop(L) - 1);
    return lua_error(L);
}

static int l_table_class(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    pyssl_table_class(L);
    return 1;
}

void pyssl_open_args(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"_typename", l_typename},
        {"_callable", l_callable},
        {"_repr", l_repr},
        {"_raise", l_raise},
        {"_table_class", l_table_class},
        {NULL, NULL}
    };
    luaL_setfuncs(L, fns, 0);
}

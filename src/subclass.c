/* Lua subclasses and isinstance.
 *
 * Lua subclasses of userdata classes (core._subclass, pyssl_set_subclass):
 * their instances' metatables and how isinstance sees them; isinstance and
 * the class of an object for pyssl classes (pyssl_instance_of, walking
 * __bases). The instance metatables themselves are class.c's.
 */
#include "pyssl.h"

/* registry[&subclasses_key]: Lua subclass -> {base metatable -> the
 * metatable of its instances} (weak keys); a light userdata key, as
 * isinstance looks here for every sequence of classes. */
static const char subclasses_key = 0;

/* Pushes the class of the value at idx (a pyssl object or an instance of a
 * table class); returns 0 and pushes nothing if it has none. */
static int push_class_of(lua_State *L, int idx)
{
    int t = lua_type(L, idx);
    if ((t != LUA_TUSERDATA && t != LUA_TTABLE) || !lua_getmetatable(L, idx))
        return 0;
    if (t == LUA_TUSERDATA) {
        lua_getfield(L, -1, "__class");
        lua_remove(L, -2);
    }
    if (pyssl_is_class(L, -1))
        return 1;
    lua_pop(L, 1);
    return 0;
}

/* Is the class at idx `target` or derived from it? Walks all bases. */
int pyssl_class_derives(lua_State *L, int idx, int target, int depth)
{
    int i, n, found = 0;
    if (lua_rawequal(L, idx, target))
        return 1;
    if (depth > 32)
        return 0;
    if (lua_getfield(L, idx, "__bases") != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    n = (int)lua_rawlen(L, -1);
    for (i = 1; i <= n && !found; i++) {
        lua_rawgeti(L, -1, i);
        found = pyssl_class_derives(L, lua_gettop(L), target, depth + 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return found;
}

static int lua_subclass_instance_of(lua_State *L, int obj, int cls);

int pyssl_instance_of(lua_State *L, int obj, int cls)
{
    int result;
    cls = lua_absindex(L, cls);
    if (!pyssl_is_class(L, cls))
        return lua_subclass_instance_of(L, lua_absindex(L, obj), cls);
    /* An instance of exactly that table class (the retry loops' caught
     * SSLWantReadError): its metatable is the class. */
    if (lua_istable(L, obj) && lua_getmetatable(L, obj)) {
        result = lua_rawequal(L, -1, cls);
        lua_pop(L, 1);
        if (result)
            return 1;
    }
    if (!push_class_of(L, obj))
        return 0;
    result = pyssl_class_derives(L, lua_gettop(L), cls, 0);
    lua_pop(L, 1);
    return result;
}

int pyssl_isinstance(lua_State *L, int obj, int cls)
{
    return pyssl_instance_of(L, obj, cls) == 1;
}

const char *pyssl_object_classname(lua_State *L, int idx)
{
    const char *name = NULL;
    if (push_class_of(L, idx)) {
        if (lua_getfield(L, -1, "__name") == LUA_TSTRING)
            name = lua_tostring(L, -1);   /* the class keeps it alive */
        lua_pop(L, 2);
    }
    return name;
}

/* Lua subclasses ------------------------------------------------------
 *
 * A Lua subclass of a userdata class is any table (usually with
 * `__index = Base` in its metatable, so its own subclasses chain the same
 * way) whose fields come before the base class's. Its instances are
 * objects of the base class with a metatable made once per (subclass,
 * base metatable): the base's, with the subclass in an array slot and an
 * __index that asks the subclass first. */

/* __index of a Lua subclass instance: upvalues 1 the subclass, 2 the base
 * metatable's __index. */
static int subclass_index(lua_State *L)
{
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    if (lua_gettable(L, lua_upvalueindex(1)) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    return pyssl_index_through(L, lua_upvalueindex(2));
}

void pyssl_set_subclass(lua_State *L, int obj, int cls)
{
    int mt, cache;
    obj = lua_absindex(L, obj);
    cls = lua_absindex(L, cls);
    if (lua_isnil(L, cls) || !lua_getmetatable(L, obj))
        return;
    mt = lua_gettop(L);
    lua_getfield(L, mt, "__class");
    if (lua_rawequal(L, -1, cls)) {   /* the object's own class */
        lua_settop(L, mt - 1);
        return;
    }
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &subclasses_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        pyssl_push_weak_table(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &subclasses_key);
    }
    lua_pushvalue(L, cls);
    if (lua_rawget(L, -2) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, cls);
        lua_pushvalue(L, -2);
        lua_rawset(L, -4);
    }
    cache = lua_gettop(L);
    lua_pushvalue(L, mt);
    if (lua_rawget(L, cache) != LUA_TTABLE) {
        lua_pop(L, 1);
        pyssl_push_metatable_copy(L, mt);
        lua_pushvalue(L, cls);
        lua_rawseti(L, -2, MT_SUBCLASS_SLOT);
        lua_pushvalue(L, cls);
        lua_getfield(L, mt, "__index");
        lua_pushcclosure(L, subclass_index, 2);
        lua_setfield(L, -2, "__index");
        lua_pushvalue(L, mt);
        lua_pushvalue(L, -2);
        lua_rawset(L, cache);
    }
    lua_setmetatable(L, obj);
    lua_settop(L, mt - 1);
}

/* Replaces the Lua class on top of the stack by the one it derives from
 * (its metatable's __index, when a table); returns 0 when there is none. */
static int replace_with_lua_base(lua_State *L)
{
    if (!lua_istable(L, -1) || !lua_getmetatable(L, -1))
        return 0;
    lua_pushliteral(L, "__index");
    lua_rawget(L, -2);
    lua_replace(L, -3);
    lua_pop(L, 1);
    return lua_istable(L, -1);
}

#define LUA_SUBCLASS_MAX_DEPTH 32

/* Whether the value at cls is a Lua subclass: one instances were made of,
 * or one that derives from a pyssl class. */
static int is_lua_subclass(lua_State *L, int cls)
{
    int top = lua_gettop(L), depth, found = 0;
    if (!lua_istable(L, cls))
        return 0;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &subclasses_key) == LUA_TTABLE) {
        lua_pushvalue(L, cls);
        found = lua_rawget(L, -2) != LUA_TNIL;
    }
    lua_settop(L, top);
    lua_pushvalue(L, cls);
    for (depth = 0; !found && depth < LUA_SUBCLASS_MAX_DEPTH && replace_with_lua_base(L); depth++)
        found = pyssl_is_class(L, -1);
    lua_settop(L, top);
    return found;
}

/* isinstance(obj, cls) for a cls that is not a pyssl class: 1 when obj
 * is an instance of the Lua subclass cls or of one derived from it, 0
 * for any other object, -1 when cls is not a Lua subclass. */
static int lua_subclass_instance_of(lua_State *L, int obj, int cls)
{
    int top = lua_gettop(L), depth, found = 0;
    if (!lua_istable(L, cls))
        return -1;
    if (lua_type(L, obj) == LUA_TUSERDATA && lua_getmetatable(L, obj)
        && lua_rawgeti(L, -1, MT_SUBCLASS_SLOT) != LUA_TNIL) {
        for (depth = 0; !found && depth < LUA_SUBCLASS_MAX_DEPTH && !pyssl_is_class(L, -1); depth++) {
            found = lua_rawequal(L, -1, cls);
            if (!replace_with_lua_base(L))
                break;
        }
    }
    lua_settop(L, top);
    if (found)
        return 1;
    return is_lua_subclass(L, cls) ? 0 : -1;
}

/* core._subclass(obj, cls): makes obj, just created by its class, an
 * instance of the Lua subclass cls (nothing for nil or obj's own class). */
static int l_subclass(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_type(L, 1) == LUA_TUSERDATA)
        pyssl_set_subclass(L, 1, 2);
    return 0;
}

/* core._is_plain(obj, name): pyssl_is_plain for Lua. */
static int l_is_plain(lua_State *L)
{
    const char *name = luaL_checkstring(L, 2);
    lua_pushboolean(L, lua_type(L, 1) == LUA_TUSERDATA && pyssl_is_plain(L, 1, name));
    return 1;
}

void pyssl_open_class(lua_State *L)
{
    lua_pushcfunction(L, l_subclass);
    lua_setfield(L, -2, "_subclass");
    lua_pushcfunction(L, l_is_plain);
    lua_setfield(L, -2, "_is_plain");
}

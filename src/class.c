/* Instances of userdata classes (the classes themselves: classreg.c).
 *
 * The __index/__newindex of the instance metatables (methods, then
 * properties, then the attribute table; Python's AttributeError), the
 * attribute table, instance attributes that hide class attributes (the
 * shadowing metatables), the busy-object method cache (pyssl_make_fast),
 * and object creation and type checks (pyssl_new_object,
 * pyssl_test_object, pyssl_check_object): the hot paths, kept in one file.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "pyssl.h"

#define SHADOWING_KEY "pyssl.shadowing"   /* metatable -> its shadowing copy (weak keys) */

void pyssl_push_dict(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (lua_getiuservalue(L, idx, PYSSL_UV_DICT) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, idx, PYSSL_UV_DICT);
    }
}

/* Pushes field `field` of class `cls` and the key as strings; returns
 * them in order (C leaves argument evaluation order open, so never push
 * inside an argument list). */
static void class_and_key(lua_State *L, int cls, const char *field, int key,
                          const char **class_name, const char **key_name)
{
    *key_name = luaL_tolstring(L, key, NULL);
    lua_getfield(L, cls, field);
    *class_name = lua_tostring(L, -1);
}

/* `setting`: the error of an assignment, which 3.13 words its own way. */
static int raise_no_attribute(lua_State *L, int cls, int key, int setting)
{
    const char *class_name, *key_name;
    class_and_key(L, cls, "__typename", key, &class_name, &key_name);
    return pyssl_raise(L, "AttributeError", "'%s' object has no attribute '%s'%s",
                       class_name, key_name,
                       setting ? " and no __dict__ for setting new attributes" : "");
}

/* obj[key] once the class has no such method: a getter's value, an
 * attribute, or AttributeError. Upvalues 1 state, 2 class table, 3 getters;
 * the stack is exactly (obj, key). */
static int index_not_method(lua_State *L)
{
    lua_pushvalue(L, 2);
    if (lua_gettable(L, lua_upvalueindex(3)) != LUA_TNIL) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        return 1;
    }
    lua_pop(L, 1);
    if (lua_getiuservalue(L, 1, PYSSL_UV_DICT) == LUA_TTABLE) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, -2) != LUA_TNIL)
            return 1;
    }
    return raise_no_attribute(L, lua_upvalueindex(2), 2, 0);
}

/* obj[key]: upvalues 1 state, 2 class table, 3 getters. */
int pyssl_object_index(lua_State *L)
{
    /* Called as a metamethod: the stack is exactly (obj, key). */
    lua_pushvalue(L, 2);
    if (lua_gettable(L, lua_upvalueindex(2)) != LUA_TNIL)
        return 1;                       /* a method (the hot path) */
    lua_pop(L, 1);
    return index_not_method(L);
}

/* Pushes a copy of the instance metatable at mt (its metamethods and
 * array slots) for objects that leave the class's own: the copy is not
 * "plain" (pyssl_is_plain). */
void pyssl_push_metatable_copy(lua_State *L, int mt)
{
    int copy;
    lua_createtable(L, MT_SLOTS, 16);
    copy = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, mt)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, copy);
    }
    lua_pushnil(L);
    lua_rawseti(L, copy, MT_OWN_SLOT);
}

int pyssl_is_plain(lua_State *L, int idx, const char *name)
{
    const char *own;
    if (!lua_getmetatable(L, idx))
        return 0;
    lua_rawgeti(L, -1, MT_OWN_SLOT);
    own = lua_touserdata(L, -1);
    lua_pop(L, 2);
    return own && (own == name || strcmp(own, name) == 0);
}

/* Busy objects (pyssl_make_fast): Lua calls an __index *function* for
 * every method lookup (some 200 instructions, a fifth of a MemoryBIO
 * read), while an __index *table* is a plain table read. A busy object
 * gets a metatable of its own whose __index is a table caching the
 * methods it looks up; what the cache lacks comes here. Upvalues 1 state,
 * 2 class table, 3 getters, 4 the object; called as (cache, key). */
static int fast_index(lua_State *L)
{
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    if (lua_gettable(L, lua_upvalueindex(2)) != LUA_TNIL) {
        if (lua_type(L, -1) == LUA_TFUNCTION) {   /* a method: cache it */
            lua_pushvalue(L, 2);
            lua_pushvalue(L, -2);
            lua_rawset(L, 1);
        }
        return 1;
    }
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(4));
    lua_replace(L, 1);
    return index_not_method(L);
}

void pyssl_make_fast(lua_State *L, int idx, const char *name)
{
    int mt, fast, cache;
    idx = lua_absindex(L, idx);
    /* Only an object with its class's own metatable: not a Lua subclass
     * instance, nor one whose attributes hide methods (its metatable
     * looks in the attribute table first). */
    if (!pyssl_is_plain(L, idx, name))
        return;
    lua_getmetatable(L, idx);
    mt = lua_gettop(L);
    pyssl_push_metatable_copy(L, mt);
    fast = lua_gettop(L);
    lua_pushboolean(L, 1);
    lua_rawseti(L, fast, MT_FAST_SLOT);
    lua_newtable(L);
    cache = lua_gettop(L);
    lua_createtable(L, 0, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY);
    lua_getfield(L, mt, "__class");
    lua_getfield(L, -1, "__getters");
    lua_pushvalue(L, idx);
    lua_pushcclosure(L, fast_index, 4);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, cache);
    lua_setfield(L, fast, "__index");
    lua_pushvalue(L, fast);
    lua_setmetatable(L, idx);
    lua_settop(L, mt - 1);
}

/* obj[key] through `index` (the __index of the metatable an object had
 * before): the stack is exactly (obj, key); returns 1. */
int pyssl_index_through(lua_State *L, int index)
{
    if (lua_type(L, index) == LUA_TFUNCTION) {
        lua_pushvalue(L, index);
        lua_insert(L, 1);
        lua_call(L, 2, 1);
    } else {
        lua_gettable(L, index);
    }
    return 1;
}

/* __index of an object whose attribute table hides class attributes:
 * the table first, then the metatable's own __index (upvalue 1). */
static int shadowing_index(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_getiuservalue(L, 1, PYSSL_UV_DICT) == LUA_TTABLE) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, -2) != LUA_TNIL)
            return 1;
    }
    lua_settop(L, 2);
    return pyssl_index_through(L, lua_upvalueindex(1));
}

/* Pushes a new table with weak keys. */
void pyssl_push_weak_table(lua_State *L)
{
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
}

/* Python looks in an instance's __dict__ before the class's methods
 * (non-data descriptors), so `ctx.wrap_bio = mock` replaces the method for
 * that object. The usual lookup asks the class first (the hot path of
 * every method call); an object given an attribute that hides a class
 * attribute gets a copy of its metatable, made once per metatable, whose
 * __index looks in the attribute table first. */
static void use_shadowing_index(lua_State *L, int obj)
{
    int mt, copy;
    lua_getmetatable(L, obj);
    mt = lua_gettop(L);
    if (lua_rawgeti(L, mt, MT_SHADOWING_SLOT) != LUA_TNIL) {
        lua_settop(L, mt - 1);
        return;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, LUA_REGISTRYINDEX, SHADOWING_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        pyssl_push_weak_table(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, SHADOWING_KEY);
    }
    lua_pushvalue(L, mt);
    if (lua_rawget(L, -2) != LUA_TTABLE) {
        lua_pop(L, 1);
        pyssl_push_metatable_copy(L, mt);
        copy = lua_gettop(L);
        lua_pushboolean(L, 1);
        lua_rawseti(L, copy, MT_SHADOWING_SLOT);
        lua_getfield(L, mt, "__index");
        lua_pushcclosure(L, shadowing_index, 1);
        lua_setfield(L, copy, "__index");
        lua_pushvalue(L, mt);
        lua_pushvalue(L, copy);
        lua_rawset(L, -4);
    }
    lua_setmetatable(L, obj);
    lua_settop(L, mt - 1);
}


/* Whether instances of the class whose newindex has `dict` (upvalue 5:
 * true, false, or the set of a __slots__ class) take attribute `key`. */
static int takes_attribute(lua_State *L, int dict, int key)
{
    int allowed;
    if (!lua_istable(L, dict))
        return lua_toboolean(L, dict);
    lua_pushvalue(L, key);
    allowed = lua_rawget(L, dict) != LUA_TNIL;
    lua_pop(L, 1);
    return allowed;
}

/* obj[key] = value: upvalues 1 state, 2 class table, 3 setters,
 * 4 getters, 5 has_dict (true, false, or the set of allowed names). */
int pyssl_object_newindex(lua_State *L)
{
    const char *class_name, *key_name;
    int kind;
    lua_settop(L, 3);
    lua_pushvalue(L, 2);
    kind = lua_gettable(L, lua_upvalueindex(3));
    if (kind == LUA_TFUNCTION) {
        lua_pushvalue(L, 1);
        lua_pushvalue(L, 3);
        lua_call(L, 2, 0);
        return 0;
    }
    lua_pop(L, 1);
    if (kind == LUA_TBOOLEAN) {
        /* false in __setters: a read-only Python property. */
        class_and_key(L, lua_upvalueindex(2), "__name", 2, &class_name, &key_name);
        return pyssl_raise(L, "AttributeError", "property '%s' of '%s' object has no setter",
                           key_name, class_name);
    }
    lua_pushvalue(L, 2);
    if (lua_gettable(L, lua_upvalueindex(4)) != LUA_TNIL) {
        /* A getter without setter: a read-only C-level attribute. */
        class_and_key(L, lua_upvalueindex(2), "__qualname", 2, &class_name, &key_name);
        return pyssl_raise(L, "AttributeError", "attribute '%s' of '%s' objects is not writable",
                           key_name, class_name);
    }
    lua_pushvalue(L, 2);
    kind = lua_gettable(L, lua_upvalueindex(2));   /* a method or class attribute? */
    lua_pop(L, 1);
    if (!takes_attribute(L, lua_upvalueindex(5), 2)) {
        if (kind == LUA_TNIL)
            return raise_no_attribute(L, lua_upvalueindex(2), 2, 1);
        class_and_key(L, lua_upvalueindex(2), "__typename", 2, &class_name, &key_name);
        return pyssl_raise(L, "AttributeError", "'%s' object attribute '%s' is read-only",
                           class_name, key_name);
    }
    pyssl_push_dict(L, 1);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 3);
    lua_rawset(L, -3);
    if (kind != LUA_TNIL && !lua_isnil(L, 3))
        use_shadowing_index(L, 1);
    return 0;
}

int pyssl_object_tostring(lua_State *L)
{
    lua_getfield(L, lua_upvalueindex(2), "__name");
    lua_pushfstring(L, "<ssl.%s object at %p>", lua_tostring(L, -1), lua_topointer(L, 1));
    return 1;
}


/* Pushes the instance metatable of class `name`. Callers pass their
 * class-name literal; the registry also maps that pointer to the metatable
 * (learnt on first use when the compiler did not merge the literal with the
 * class definition's), so the usual lookup hashes no string. */
static void push_metatable_of(lua_State *L, const char *name)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, name) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    pyssl_push_metatable_name(L, name);
    if (lua_rawget(L, LUA_REGISTRYINDEX) != LUA_TTABLE)
        luaL_error(L, "pyssl: class %s is not registered", name);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, name);
}

void *pyssl_new_object(lua_State *L, const char *name, size_t size)
{
    int nuv;
    void *p;
    push_metatable_of(L, name);
    lua_rawgeti(L, -1, MT_NUV_SLOT);
    nuv = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    p = lua_newuserdatauv(L, size, nuv);
    memset(p, 0, size);
    lua_insert(L, -2);
    lua_setmetatable(L, -2);
    return p;
}

/* OpenSSL's memory is invisible to Lua's collector: an SSLContext with
 * the system's CAs holds ~850 KB, a connection 15-40 KB, while their
 * userdata weigh a few hundred bytes. Unreferenced ones would pile up
 * (300 create_default_context() in a loop: 195 MiB; Python, which frees at
 * once, 22 MiB) and their garbage leaves holes that keep memory resident.
 * Counting what OpenSSL holds as collector debt paces collections to the
 * memory really held. */
void pyssl_add_gc_debt(lua_State *L, size_t bytes)
{
    size_t kbytes = bytes / 1024;
    if (PYSSL_GC_RUNNING(L))
        lua_gc(L, LUA_GCSTEP, (int)(kbytes > INT_MAX ? INT_MAX : kbytes));
}

void *pyssl_test_object(lua_State *L, int idx, const char *name)
{
    void *p = lua_touserdata(L, idx);
    const char *have;
    int found;
    if (!p || !lua_getmetatable(L, idx))
        return NULL;
    /* Fast path: exactly the class asked for, by name pointer (the same
     * literal) or, failing that, by name. */
    lua_rawgeti(L, -1, MT_NAME_SLOT);
    have = lua_touserdata(L, -1);
    if (have && (have == name || strcmp(have, name) == 0)) {
        lua_pop(L, 2);
        return p;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, -1, "__class") != LUA_TTABLE || !pyssl_is_class(L, -1)) {
        lua_pop(L, 2);
        return NULL;
    }
    pyssl_push_class(L, name);
    found = lua_istable(L, -1) && pyssl_class_derives(L, lua_gettop(L) - 1, lua_gettop(L), 0);
    lua_pop(L, 3);
    return found ? p : NULL;
}

void *pyssl_check_object(lua_State *L, int idx, const char *name)
{
    void *p = pyssl_test_object(L, idx, name);
    lua_Debug ar;
    if (p)
        return p;
    if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "n", &ar) && ar.name)
        pyssl_raise_wrong_self(L, ar.name, name, idx);
    pyssl_raise(L, "TypeError", "expected a '%s' object, got '%s'", name, pyssl_typename(L, idx));
    return NULL;
}

/* Classes: the one way pyssl declares the types Lua sees.
 *
 * Userdata classes (SSLContext, SSLObject, ...) get
 *   - a class table (what `pyssl.core.SSLContext` is): the methods, plus
 *     __name, __qualname, __typename, __module, __getters, __setters, __bases, __new;
 *     its metatable chains lookups to the base class and makes it callable;
 *   - an instance metatable "pyssl.<name>" whose __index/__newindex resolve,
 *     in this order, methods, properties (getters/setters) and the instance
 *     attribute table (user value 1), and raise Python's AttributeError
 *     otherwise.
 * Table classes (the error hierarchy, named tuples) are plain tables used
 * as the metatable of their instances.
 *
 * Every class table is recorded in a set in the registry (at the address
 * of classes_key: read on every isinstance(), without hashing a name),
 * which is how isinstance() knows a pyssl class from any other table.
 *
 * This file: registration (class tables, instance metatables, table
 * classes) and class attributes. The instances' __index/__newindex, the
 * busy-object cache and object creation and checks are in class.c; Lua
 * subclasses and isinstance in subclass.c.
 */
#include <string.h>
#include "pyssl.h"

static const char classes_key = 0;

void pyssl_push_metatable_name(lua_State *L, const char *name)
{
    lua_pushfstring(L, "pyssl.%s", name);
}

void pyssl_push_class(lua_State *L, const char *name)
{
    /* A userdata class known by this name pointer (see push_metatable_of):
     * no "pyssl.<name>" string to build. */
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, name) == LUA_TTABLE) {
        lua_getfield(L, -1, "__class");
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    pyssl_push_metatable_name(L, name);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (lua_istable(L, -1)) {
        /* A userdata class: its metatable knows the class table. */
        if (lua_getfield(L, -1, "__class") == LUA_TTABLE) {
            lua_remove(L, -2);
            return;
        }
        lua_pop(L, 1);
    }
}

/* Registers the table at the top of the stack as a pyssl class. */
static void remember_class(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &classes_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &classes_key);
    }
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

int pyssl_is_class(lua_State *L, int idx)
{
    int found;
    if (!lua_istable(L, idx))
        return 0;
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &classes_key);
    lua_pushvalue(L, idx);
    found = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return found;
}

/* Class(...): calls the class's own __new (never a base's) as
 * __new(cls, ...); userdata-class constructors drop cls themselves. */
static int class_call(lua_State *L)
{
    lua_pushliteral(L, "__new");
    if (lua_rawget(L, 1) == LUA_TNIL) {
        if (lua_getfield(L, 1, "__no_construct") == LUA_TSTRING)
            return pyssl_raise(L, "TypeError", "%s", lua_tostring(L, -1));
        lua_getfield(L, 1, "__qualname");
        return pyssl_raise(L, "TypeError", "cannot create '%s' instances", lua_tostring(L, -1));
    }
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* Python's repr of a class: <class 'module.Name'>, the module left out
 * for builtins (<class 'TimeoutError'>). */
static int class_tostring(lua_State *L)
{
    const char *module = "ssl", *name;
    if (lua_getfield(L, 1, "__module") == LUA_TSTRING)
        module = lua_tostring(L, -1);
    lua_getfield(L, 1, "__name");
    name = lua_tostring(L, -1);
    if (strcmp(module, "builtins") == 0)
        lua_pushfstring(L, "<class '%s'>", name);
    else
        lua_pushfstring(L, "<class '%s.%s'>", module, name);
    return 1;
}

/* Sets the metatable of the class table at klass: calling the class makes
 * an instance, tostring names it, and class-level lookups (Class.method)
 * fall back to the base at index `base` (0: none). */
static void set_class_metatable(lua_State *L, int klass, int base)
{
    lua_createtable(L, 0, 3);
    if (base) {
        lua_pushvalue(L, base);
        lua_setfield(L, -2, "__index");
    }
    lua_pushcfunction(L, class_call);
    lua_setfield(L, -2, "__call");
    lua_pushcfunction(L, class_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_setmetatable(L, klass);
}

/* Pushes the per-state userdata (created by core.c). */
static void push_state(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY);
}

/* Sets the functions of `fns` into the table on top, each a closure over
 * the state userdata. */
static void set_functions(lua_State *L, const luaL_Reg *fns)
{
    if (!fns)
        return;
    push_state(L);
    luaL_setfuncs(L, fns, 1);
}

/* Pushes a new table whose lookups fall back to field `field` of the base
 * class (so getters and setters are inherited like methods). */
static void push_inheriting_table(lua_State *L, int base, const char *field)
{
    lua_newtable(L);
    if (base) {
        lua_createtable(L, 0, 1);
        lua_getfield(L, base, field);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, -2);
    }
}

static void push_method_closure(lua_State *L, lua_CFunction f)
{
    push_state(L);
    lua_pushcclosure(L, f, 1);
}

/* Pushes what pyssl_object_newindex needs to know of new attributes: false
 * (none), true (any: a __dict__) or the set of the class's __slots__. */
static void push_allowed_attributes(lua_State *L, const pyssl_class *cls)
{
    int i;
    if (!cls->has_dict || !cls->slots) {
        lua_pushboolean(L, cls->has_dict);
        return;
    }
    lua_newtable(L);
    for (i = 0; cls->slots[i]; i++) {
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, cls->slots[i]);
    }
}

/* Marks the names of `readonly` read-only Python properties in the
 * __setters table on top (false: "property 'x' of 'C' object has no
 * setter"); their getters may come later, from C or Lua. */
static void set_readonly(lua_State *L, const char *const *readonly)
{
    int i;
    for (i = 0; readonly && readonly[i]; i++) {
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, readonly[i]);
    }
}

/* A class attribute that instances may shadow (Python: `C.x = default`,
 * then `obj.x = v`): the value lives in the object's attribute table;
 * without one (or after `obj.x = nil`) it is the registered class
 * default_class, looked up when read (it may be registered later). */
void pyssl_push_class_attribute(lua_State *L, int obj, const char *key, const char *default_class)
{
    if (lua_getiuservalue(L, obj, PYSSL_UV_DICT) == LUA_TTABLE) {
        if (lua_getfield(L, -1, key) != LUA_TNIL) {
            lua_remove(L, -2);
            return;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    pyssl_push_class(L, default_class);
}

/* The self check of the getter and setter of a class attribute, whose
 * upvalue 1 is the class declaration (a light userdata). */
static void check_class_attribute_self(lua_State *L)
{
    const pyssl_class *cls = lua_touserdata(L, lua_upvalueindex(1));
    if (cls->check_self)
        cls->check_self(L, 1);
    else
        pyssl_check_object(L, 1, cls->name);
}

/* The getter and setter of a class attribute: upvalues 1 the class
 * declaration, 2 the attribute name, 3 the default class's name (a
 * static string, as light userdata). */
static int get_class_attribute(lua_State *L)
{
    check_class_attribute_self(L);
    pyssl_push_class_attribute(L, 1, lua_tostring(L, lua_upvalueindex(2)),
                               lua_touserdata(L, lua_upvalueindex(3)));
    return 1;
}

static int set_class_attribute(lua_State *L)
{
    check_class_attribute_self(L);
    lua_settop(L, 2);
    pyssl_push_dict(L, 1);
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushvalue(L, 2);
    lua_rawset(L, -3);
    return 0;
}

static void push_class_attribute_closure(lua_State *L, const pyssl_class *cls,
                                         const pyssl_class_attribute *attr, lua_CFunction f)
{
    lua_pushlightuserdata(L, (void *)cls);
    lua_pushstring(L, attr->name);
    lua_pushlightuserdata(L, (void *)attr->default_class);
    lua_pushcclosure(L, f, 3);
}

static void set_class_attributes(lua_State *L, int klass, const pyssl_class *cls)
{
    const pyssl_class_attribute *attr;
    lua_getfield(L, klass, "__getters");
    lua_getfield(L, klass, "__setters");
    for (attr = cls->class_attributes; attr && attr->name; attr++) {
        push_class_attribute_closure(L, cls, attr, get_class_attribute);
        lua_setfield(L, -3, attr->name);
        push_class_attribute_closure(L, cls, attr, set_class_attribute);
        lua_setfield(L, -2, attr->name);
    }
    lua_pop(L, 2);
}

void pyssl_class_register(lua_State *L, const pyssl_class *cls)
{
    int base = 0, klass, mt;

    /* Attributes and class attributes live in user value 1. */
    PYSSL_ASSERT(cls->nuv >= 1 || (!cls->has_dict && !cls->class_attributes));
    if (cls->base) {
        pyssl_push_class(L, cls->base);
        base = lua_gettop(L);
    }

    /* The class table and its metatable. */
    lua_newtable(L);
    klass = lua_gettop(L);
    set_functions(L, cls->methods);
    lua_pushstring(L, cls->name);
    lua_setfield(L, klass, "__name");
    lua_pushstring(L, cls->qualname ? cls->qualname : cls->name);
    lua_setfield(L, klass, "__qualname");
    /* type(obj).__name__ in "has no attribute" errors: an object with a
     * __dict__ stands for an instance of ssl.py's Python subclass (e.g.
     * SSLContext over _ssl._SSLContext), which Python names by __name__. */
    lua_pushstring(L, cls->has_dict || !cls->qualname ? cls->name : cls->qualname);
    lua_setfield(L, klass, "__typename");
    lua_pushstring(L, cls->module ? cls->module : "ssl");
    lua_setfield(L, klass, "__module");
    push_inheriting_table(L, base, "__getters");
    set_functions(L, cls->getters);
    lua_setfield(L, klass, "__getters");
    push_inheriting_table(L, base, "__setters");
    set_functions(L, cls->setters);
    set_readonly(L, cls->readonly);
    lua_setfield(L, klass, "__setters");
    set_class_attributes(L, klass, cls);
    lua_newtable(L);
    if (base) {
        lua_pushvalue(L, base);
        lua_rawseti(L, -2, 1);
    }
    lua_setfield(L, klass, "__bases");
    if (cls->construct) {
        push_method_closure(L, cls->construct);
        lua_setfield(L, klass, "__new");
    }
    if (cls->no_construct) {
        lua_pushstring(L, cls->no_construct);
        lua_setfield(L, klass, "__no_construct");
    }
    set_class_metatable(L, klass, base);
    remember_class(L);

    /* The instance metatable. */
    pyssl_push_metatable_name(L, cls->name);
    lua_createtable(L, MT_SLOTS, 12);
    mt = lua_gettop(L);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, mt);
    lua_rawset(L, LUA_REGISTRYINDEX);
    lua_pushstring(L, cls->name);
    lua_setfield(L, mt, "__name");
    lua_pushvalue(L, klass);
    lua_setfield(L, mt, "__class");
    lua_pushinteger(L, cls->nuv);
    lua_setfield(L, mt, "__nuv");
    /* Hot-path identity of the class: its name pointer and user value
     * count in the array part, read with lua_rawgeti (no string hashing). */
    lua_pushlightuserdata(L, (void *)cls->name);
    lua_rawseti(L, mt, MT_NAME_SLOT);
    lua_pushinteger(L, cls->nuv);
    lua_rawseti(L, mt, MT_NUV_SLOT);
    lua_pushlightuserdata(L, (void *)cls->name);
    lua_rawseti(L, mt, MT_OWN_SLOT);
    /* Lookups by the name pointer callers pass (see push_metatable_of). */
    lua_pushvalue(L, mt);
    lua_rawsetp(L, LUA_REGISTRYINDEX, cls->name);

    push_state(L);
    lua_pushvalue(L, klass);
    lua_getfield(L, klass, "__getters");
    lua_pushcclosure(L, pyssl_object_index, 3);
    lua_setfield(L, mt, "__index");

    push_state(L);
    lua_pushvalue(L, klass);
    lua_getfield(L, klass, "__setters");
    lua_getfield(L, klass, "__getters");
    push_allowed_attributes(L, cls);
    lua_pushcclosure(L, pyssl_object_newindex, 5);
    lua_setfield(L, mt, "__newindex");

    if (cls->close) {
        push_method_closure(L, cls->close);
        lua_pushvalue(L, -1);
        lua_setfield(L, mt, "__gc");
        lua_setfield(L, mt, "__close");
    }
    push_state(L);
    lua_pushvalue(L, klass);
    if (cls->tostring)
        lua_pushcclosure(L, cls->tostring, 2);
    else
        lua_pushcclosure(L, pyssl_object_tostring, 2);
    lua_setfield(L, mt, "__tostring");
    if (cls->eq) {
        push_method_closure(L, cls->eq);
        lua_setfield(L, mt, "__eq");
    }
    lua_settop(L, base ? base - 1 : klass - 1);
}

void pyssl_class_extend(lua_State *L, const char *name, const luaL_Reg *methods,
                        const luaL_Reg *getters, const luaL_Reg *setters)
{
    pyssl_push_class(L, name);
    if (!lua_istable(L, -1))
        luaL_error(L, "pyssl: class %s is not registered", name);
    set_functions(L, methods);
    lua_getfield(L, -1, "__getters");
    set_functions(L, getters);
    lua_getfield(L, -2, "__setters");
    set_functions(L, setters);
    lua_pop(L, 3);
}

/* Table classes ------------------------------------------------------- */

static const char *const inherited_metamethods[] = {
    "__tostring", "__eq", "__index", "__close", "__new", "__concat", NULL
};

void pyssl_table_class(lua_State *L)
{
    int klass = lua_gettop(L), i;
    int has_base = 0;
    if (lua_getfield(L, klass, "__bases") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, klass, "__bases");
    }
    has_base = lua_rawgeti(L, -1, 1) == LUA_TTABLE;
    /* Metamethods are looked up raw, so a class copies its primary base's. */
    for (i = 0; has_base && inherited_metamethods[i]; i++) {
        lua_getfield(L, klass, inherited_metamethods[i]);
        if (lua_isnil(L, -1)) {
            lua_getfield(L, -2, inherited_metamethods[i]);
            /* A base whose instances index the base itself: index ourselves. */
            if (strcmp(inherited_metamethods[i], "__index") == 0 && lua_rawequal(L, -1, -3)) {
                lua_pop(L, 1);
                lua_pushvalue(L, klass);
            }
            lua_setfield(L, klass, inherited_metamethods[i]);
        }
        lua_pop(L, 1);
    }
    if (lua_getfield(L, klass, "__index") == LUA_TNIL) {
        lua_pushvalue(L, klass);
        lua_setfield(L, klass, "__index");
    }
    lua_pop(L, 1);
    /* Class-level lookups (Class.method) fall back to the primary base. */
    set_class_metatable(L, klass, has_base ? lua_gettop(L) : 0);
    lua_settop(L, klass);
    remember_class(L);
}

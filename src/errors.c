/* Errors: Python's exception hierarchy as table classes, and the one way
 * the core raises them.
 *
 * An error object is a table whose metatable is its class: fields args,
 * errno, strerror, filename, library, reason, verify_code, verify_message
 * as Python sets them. Python's __str__ is the class's __str (pyssl.str(e)
 * calls it); tostring(e) and `..` give Lua's error shape around it,
 * "file:line: module.Class: str(e)", the place being __where__: the user's
 * call that failed (see pyssl_note_origin, in traceback.c).
 *
 * OpenSSL's failures are raised through these classes by sslerror.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "pyssl.h"

/* name, primary base, second base (Python's multiple inheritance). */
static const struct {
    const char *name, *base, *base2;
} hierarchy[] = {
    {"BaseException", NULL, NULL},
    {"Exception", "BaseException", NULL},
    {"ArithmeticError", "Exception", NULL},
    {"OverflowError", "ArithmeticError", NULL},
    {"AttributeError", "Exception", NULL},
    {"LookupError", "Exception", NULL},
    {"KeyError", "LookupError", NULL},
    {"RuntimeError", "Exception", NULL},
    {"RecursionError", "RuntimeError", NULL},
    {"NotImplementedError", "RuntimeError", NULL},
    {"TypeError", "Exception", NULL},
    {"ValueError", "Exception", NULL},
    {"MemoryError", "Exception", NULL},
    {"SystemError", "Exception", NULL},
    {"UnicodeError", "ValueError", NULL},
    {"UnicodeDecodeError", "UnicodeError", NULL},
    {"UnicodeEncodeError", "UnicodeError", NULL},
    {"OSError", "Exception", NULL},
    {"BlockingIOError", "OSError", NULL},
    {"ChildProcessError", "OSError", NULL},
    {"ConnectionError", "OSError", NULL},
    {"BrokenPipeError", "ConnectionError", NULL},
    {"ConnectionAbortedError", "ConnectionError", NULL},
    {"ConnectionRefusedError", "ConnectionError", NULL},
    {"ConnectionResetError", "ConnectionError", NULL},
    {"FileExistsError", "OSError", NULL},
    {"FileNotFoundError", "OSError", NULL},
    {"InterruptedError", "OSError", NULL},
    {"IsADirectoryError", "OSError", NULL},
    {"NotADirectoryError", "OSError", NULL},
    {"PermissionError", "OSError", NULL},
    {"ProcessLookupError", "OSError", NULL},
    {"TimeoutError", "OSError", NULL},
    {"gaierror", "OSError", NULL},
    {"herror", "OSError", NULL},
    {"SSLError", "OSError", NULL},
    {"SSLZeroReturnError", "SSLError", NULL},
    {"SSLWantReadError", "SSLError", NULL},
    {"SSLWantWriteError", "SSLError", NULL},
    {"SSLSyscallError", "SSLError", NULL},
    {"SSLEOFError", "SSLError", NULL},
    {"SSLCertVerificationError", "SSLError", "ValueError"},
};

/* The OSError subclass Python's OSError(errno, ...) constructor picks. */
static const struct {
    int err;
    const char *cls;
} errno_classes[] = {
    {EAGAIN, "BlockingIOError"}, {EALREADY, "BlockingIOError"},
    {EINPROGRESS, "BlockingIOError"}, {EWOULDBLOCK, "BlockingIOError"},
    {EPIPE, "BrokenPipeError"}, {ESHUTDOWN, "BrokenPipeError"},
    {ECHILD, "ChildProcessError"}, {ECONNABORTED, "ConnectionAbortedError"},
    {ECONNREFUSED, "ConnectionRefusedError"}, {ECONNRESET, "ConnectionResetError"},
    {EEXIST, "FileExistsError"}, {ENOENT, "FileNotFoundError"},
    {EISDIR, "IsADirectoryError"}, {ENOTDIR, "NotADirectoryError"},
    {EINTR, "InterruptedError"}, {EACCES, "PermissionError"},
    {EPERM, "PermissionError"}, {ESRCH, "ProcessLookupError"},
    {ETIMEDOUT, "TimeoutError"},
};

static const char *class_for_errno(lua_Integer err)
{
    size_t i;
    for (i = 0; i < sizeof errno_classes / sizeof errno_classes[0]; i++)
        if (errno_classes[i].err == err)
            return errno_classes[i].cls;
    return NULL;
}

/* str() of one value, as BaseException.__str__ shows a single argument. */
static void add_str(luaL_Buffer *b, lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNIL: luaL_addstring(b, "None"); break;
    case LUA_TBOOLEAN: luaL_addstring(b, lua_toboolean(L, idx) ? "True" : "False"); break;
    default:
        luaL_tolstring(L, idx, NULL);
        luaL_addvalue(b);
    }
}

/* repr(args): Python's tuple repr. */
static void push_args_repr(lua_State *L, int args)
{
    luaL_Buffer b;
    int i, n = (int)lua_rawlen(L, args);
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '(');
    for (i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addstring(&b, ", ");
        lua_rawgeti(L, args, i);
        pyssl_push_repr(L, -1);
        lua_remove(L, -2);
        luaL_addvalue(&b);
    }
    if (n == 1)
        luaL_addchar(&b, ',');
    luaL_addchar(&b, ')');
    luaL_pushresult(&b);
}

/* BaseException.__str__ */
static int base_str(lua_State *L)
{
    int n;
    if (lua_getfield(L, 1, "args") != LUA_TTABLE) {
        lua_pushliteral(L, "");
        return 1;
    }
    n = (int)lua_rawlen(L, -1);
    if (n == 0) {
        lua_pushliteral(L, "");
    } else if (n == 1) {
        luaL_Buffer b;
        int arg;
        lua_rawgeti(L, -1, 1);
        arg = lua_gettop(L);    /* absolute: luaL_buffinit may push (5.4 does, 5.1-5.3 not) */
        luaL_buffinit(L, &b);
        add_str(&b, L, arg);
        luaL_pushresult(&b);
    } else {
        push_args_repr(L, lua_gettop(L));
    }
    return 1;
}

/* OSError.__str__ */
static int oserror_str(lua_State *L)
{
    luaL_Buffer b;
    lua_settop(L, 1);
    lua_getfield(L, 1, "errno");
    lua_getfield(L, 1, "strerror");
    lua_getfield(L, 1, "filename");
    if (lua_isnil(L, 4) && (lua_isnil(L, 2) || lua_isnil(L, 3)))
        return base_str(L);
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "[Errno ");
    add_str(&b, L, 2);
    luaL_addstring(&b, "] ");
    add_str(&b, L, 3);
    if (!lua_isnil(L, 4)) {
        luaL_addstring(&b, ": ");
        pyssl_push_repr(L, 4);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return 1;
}

/* KeyError.__str__: a single key shows as its repr. */
static int keyerror_str(lua_State *L)
{
    if (lua_getfield(L, 1, "args") == LUA_TTABLE && lua_rawlen(L, -1) == 1) {
        lua_rawgeti(L, -1, 1);
        pyssl_push_repr(L, -1);
        return 1;
    }
    lua_settop(L, 1);
    return base_str(L);
}

/* SSLError.__str__: strerror when it is a string, else repr(args). */
static int sslerror_str(lua_State *L)
{
    if (lua_getfield(L, 1, "strerror") == LUA_TSTRING)
        return 1;
    if (lua_getfield(L, 1, "args") != LUA_TTABLE) {
        lua_pushliteral(L, "()");
        return 1;
    }
    push_args_repr(L, lua_gettop(L));
    return 1;
}

/* The five fields of a Unicode error at 1 (encoding, object, start, end,
 * reason) pushed at 2..6; 0 when one has the wrong type (str() then falls
 * back to BaseException's). */
static int unicode_fields(lua_State *L, const char **obj, size_t *len,
                          lua_Integer *start, lua_Integer *end)
{
    lua_settop(L, 1);
    lua_getfield(L, 1, "encoding");
    lua_getfield(L, 1, "object");
    lua_getfield(L, 1, "start");
    lua_getfield(L, 1, "end");
    lua_getfield(L, 1, "reason");
    if (lua_type(L, 2) != LUA_TSTRING || lua_type(L, 3) != LUA_TSTRING || !lua_isinteger(L, 4) ||
        !lua_isinteger(L, 5) || lua_type(L, 6) != LUA_TSTRING)
        return 0;
    *obj = lua_tolstring(L, 3, len);
    *start = lua_tointeger(L, 4);
    *end = lua_tointeger(L, 5);
    return 1;
}

/* Pushes "'<encoding><where><reason>" from the fields unicode_fields pushed. */
static int push_unicode_str(lua_State *L, const char *where)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '\'');
    add_str(&b, L, 2);
    luaL_addstring(&b, where);
    add_str(&b, L, 6);
    luaL_pushresult(&b);
    return 1;
}

/* UnicodeDecodeError.__str__, from its five fields. */
static int unicodedecode_str(lua_State *L)
{
    lua_Integer start, end;
    size_t len;
    const char *obj;
    char where[96];
    if (!unicode_fields(L, &obj, &len, &start, &end)) {
        lua_settop(L, 1);
        return base_str(L);
    }
    if (start >= 0 && start < (lua_Integer)len && end == start + 1)
        snprintf(where, sizeof where, "' codec can't decode byte 0x%02x in position %lld: ",
                 (unsigned char)obj[start], (long long)start);
    else
        snprintf(where, sizeof where, "' codec can't decode bytes in position %lld-%lld: ",
                 (long long)start, (long long)(end - 1));
    return push_unicode_str(L, where);
}

/* The code point at code point index `at` of UTF-8 text (-1 if none). */
static long code_point_at(const char *s, size_t len, lua_Integer at)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
        long cp = extra == 0 ? c : c & (0x3F >> extra);
        int k;
        if (extra && i + (size_t)extra >= len)   /* cut short */
            return -1;
        for (k = 1; k <= extra; k++)
            cp = cp << 6 | ((unsigned char)s[i + k] & 0x3F);
        if (at-- == 0)
            return cp;
        i += (size_t)extra + 1;
    }
    return -1;
}

/* UnicodeEncodeError.__str__: as UnicodeDecodeError's, but `object` is
 * text (UTF-8) and the positions count its characters. */
static int unicodeencode_str(lua_State *L)
{
    lua_Integer start, end;
    size_t len;
    const char *obj;
    long cp;
    char where[96];
    if (!unicode_fields(L, &obj, &len, &start, &end)) {
        lua_settop(L, 1);
        return base_str(L);
    }
    cp = start >= 0 ? code_point_at(obj, len, start) : -1;
    if (cp >= 0 && end == start + 1)
        snprintf(where, sizeof where,
                 cp < 0x100 ? "' codec can't encode character '\\x%02lx' in position %lld: "
                 : cp < 0x10000 ? "' codec can't encode character '\\u%04lx' in position %lld: "
                 : "' codec can't encode character '\\U%08lx' in position %lld: ",
                 cp, (long long)start);
    else
        snprintf(where, sizeof where, "' codec can't encode characters in position %lld-%lld: ",
                 (long long)start, (long long)(end - 1));
    return push_unicode_str(L, where);
}

/* Makes the instance table: args from the n values at first.., of which
 * the first `kept` stay in args. No class yet (set_class, once its fields
 * are set: a table without a metatable takes new fields without a
 * metamethod check). Leaves the instance at the top. */
static void make_instance(lua_State *L, int first, int n, int kept)
{
    int i;
    lua_createtable(L, 0, 4);
    lua_createtable(L, kept, 0);
    for (i = 0; i < kept && i < n; i++) {
        lua_pushvalue(L, first + i);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "args");
}

/* Gives the instance at the top its class, the table at cls. */
static void set_class(lua_State *L, int cls)
{
    lua_pushvalue(L, cls);
    lua_setmetatable(L, -2);
}

/* Pushes the __str of the value's class (found through its bases, not a
 * raw field) and returns 1, or pushes nothing and returns 0. */
static int push_str_method(lua_State *L, int idx)
{
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx))
        return 0;
    if (lua_getfield(L, -1, "__str") == LUA_TNIL) {
        lua_pop(L, 2);
        return 0;
    }
    lua_remove(L, -2);
    return 1;
}

/* Python's str(v): the class's __str for an error, None/True/False for
 * nil and booleans, Lua's tostring otherwise. */
void pyssl_push_str(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (push_str_method(L, idx)) {
        lua_pushvalue(L, idx);
        lua_call(L, 1, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            luaL_tolstring(L, -1, NULL);
            lua_remove(L, -2);
        }
        return;
    }
    switch (lua_type(L, idx)) {
    case LUA_TNIL: lua_pushliteral(L, "None"); break;
    case LUA_TBOOLEAN: lua_pushstring(L, lua_toboolean(L, idx) ? "True" : "False"); break;
    default: luaL_tolstring(L, idx, NULL);
    }
}

/* pyssl.str(v): Python's str(v); str() is "". */
static int l_str(lua_State *L)
{
    if (lua_isnone(L, 1)) {
        lua_pushliteral(L, "");
        return 1;
    }
    pyssl_push_str(L, 1);
    return 1;
}

/* The class as the last line of Python's traceback names it:
 * "ssl.SSLError", "socket.gaierror", builtins bare ("TimeoutError"). */
static void push_qualified_name(lua_State *L, int cls)
{
    const char *module = NULL;
    cls = lua_absindex(L, cls);
    if (lua_getfield(L, cls, "__module") == LUA_TSTRING && strcmp(lua_tostring(L, -1), "builtins") != 0)
        module = lua_tostring(L, -1);
    if (lua_getfield(L, cls, "__qualname") != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_getfield(L, cls, "__name");
    }
    if (module)
        lua_pushfstring(L, "%s.%s", module, lua_tostring(L, -1));
    else
        lua_pushstring(L, lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    lua_replace(L, -3);
    lua_pop(L, 1);
}

/* tostring(e): "file:line: module.Class: str(e)" (without "file:line: "
 * when no place was recorded, without ": str(e)" when str(e) is empty, as
 * Python prints "ValueError" alone). */
static int error_tostring(lua_State *L)
{
    luaL_Buffer b;
    lua_settop(L, 1);
    pyssl_push_str(L, 1);                             /* 2 */
    lua_pushliteral(L, "__where__");
    lua_rawget(L, 1);                           /* 3 */
    lua_getmetatable(L, 1);                     /* a metamethod: it has one */
    push_qualified_name(L, 4);
    lua_replace(L, 4);                          /* 4 */
    luaL_buffinit(L, &b);
    if (lua_type(L, 3) == LUA_TSTRING) {
        lua_pushvalue(L, 3);
        luaL_addvalue(&b);
        luaL_addstring(&b, ": ");
    }
    lua_pushvalue(L, 4);
    luaL_addvalue(&b);
    if (lua_rawlen(L, 2) > 0) {
        luaL_addstring(&b, ": ");
        lua_pushvalue(L, 2);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return 1;
}

/* a .. b with an error on either side: its tostring. */
static int error_concat(lua_State *L)
{
    int i;
    lua_settop(L, 2);
    for (i = 1; i <= 2; i++) {
        int t = lua_type(L, i);
        if (t != LUA_TSTRING && t != LUA_TNUMBER) {
            if (luaL_getmetafield(L, i, "__tostring") == LUA_TNIL)
                return pyssl_raise(L, "TypeError", "attempt to concatenate a %s value",
                                   luaL_typename(L, i));
            lua_pop(L, 1);
        }
    }
    luaL_tolstring(L, 1, NULL);
    luaL_tolstring(L, 2, NULL);
    lua_concat(L, 2);
    return 1;
}

/* BaseException(*args) */
static int base_new(lua_State *L)
{
    make_instance(L, 2, lua_gettop(L) - 1, lua_gettop(L) - 1);
    set_class(L, 1);
    pyssl_note_origin(L, -1);
    return 1;
}

static void push_error_class(lua_State *L, const char *cls)
{
    /* `cls` has static storage: its address keys a registry cache, so the
     * raise paths (SSLWantReadError on every retry) hash no string. */
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, cls) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_getfield(L, LUA_REGISTRYINDEX, lua_pushfstring(L, "pyssl.%s", cls));
        lua_remove(L, -2);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, cls);
    }
}

/* Pushes cls(<the n values at first..>) for the OSError family:
 * OSError(errno, strerror[, filename[, winerror[, filename2]]]). */
static void build_oserror(lua_State *L, int cls, int first, int n)
{
    int inst;
    /* OSError itself picks the subclass that matches errno. Every SSLError
     * (SSLWantReadError on each retry) passes here: the class comes from
     * the address-keyed cache, not a lookup by name. */
    push_error_class(L, "OSError");
    if (n >= 2 && lua_rawequal(L, cls, -1) && lua_isinteger(L, first)) {
        const char *sub = class_for_errno(lua_tointeger(L, first));
        if (sub) {
            lua_getfield(L, LUA_REGISTRYINDEX, lua_pushfstring(L, "pyssl.%s", sub));
            lua_remove(L, -2);          /* the name */
            lua_remove(L, -2);          /* OSError: the subclass takes its slot */
            cls = lua_gettop(L);
        }
    }
    make_instance(L, first, n, (n >= 3 && n <= 5 && !lua_isnil(L, first + 2)) ? 2 : n);
    inst = lua_gettop(L);
    if (n >= 2 && n <= 5) {
        lua_pushvalue(L, first);
        lua_setfield(L, inst, "errno");
        lua_pushvalue(L, first + 1);
        lua_setfield(L, inst, "strerror");
        if (n >= 3) {
            lua_pushvalue(L, first + 2);
            lua_setfield(L, inst, "filename");
        }
        if (n >= 5) {
            lua_pushvalue(L, first + 4);
            lua_setfield(L, inst, "filename2");
        }
    }
    set_class(L, cls);
    /* Drop the class pushed above (OSError, or the subclass in its slot). */
    lua_remove(L, inst - 1);
}

static int oserror_new(lua_State *L)
{
    build_oserror(L, 1, 2, lua_gettop(L) - 1);
    pyssl_note_origin(L, -1);
    return 1;
}

/* UnicodeDecodeError(encoding, object, start, end, reason), and
 * UnicodeEncodeError with the same: the five arguments are also its fields. */
static int unicodedecode_new(lua_State *L)
{
    static const char *const fields[] = {"encoding", "object", "start", "end", "reason"};
    int n = lua_gettop(L) - 1, inst, i;
    make_instance(L, 2, n, n);
    inst = lua_gettop(L);
    if (n == 5) {
        for (i = 0; i < 5; i++) {
            lua_pushvalue(L, i + 2);
            lua_setfield(L, inst, fields[i]);
        }
    }
    set_class(L, 1);
    pyssl_note_origin(L, inst);
    return 1;
}

/* Calls cls.__new(cls, <the nargs values below it>) with the class on top
 * of them; leaves the new error in their place. The OSError family's
 * constructor (every SSLError, raised on each retry) is run in place, not
 * called through Lua, unless Lua code replaced __new; there `origin` says
 * whether to record where it happened (flow control, SSLWantReadError on
 * each retry, does not: its cost stays that of the object). */
static void construct_error(lua_State *L, int nargs, int origin)
{
    int klass = lua_gettop(L), first = klass - nargs;
    lua_getfield(L, klass, "__new");
    if (lua_tocfunction(L, -1) == oserror_new) {
        lua_pop(L, 1);
        build_oserror(L, klass, first, nargs);
        if (origin)
            pyssl_note_origin(L, -1);
        lua_replace(L, first);
        lua_settop(L, first);
        return;
    }
    lua_insert(L, first);
    lua_insert(L, first + 1);
    lua_call(L, nargs + 1, 1);
}

void pyssl_push_error(lua_State *L, const char *cls, int nargs)
{
    push_error_class(L, cls);
    construct_error(L, nargs, 1);
}

/* The same for flow control (SSLWantReadError, SSLWantWriteError,
 * BlockingIOError): expected on every retry of non-blocking I/O, caught
 * by the caller's loop; no place or traceback recorded. */
void pyssl_push_flow_error(lua_State *L, const char *cls, int nargs)
{
    push_error_class(L, cls);
    construct_error(L, nargs, 0);
}

void pyssl_push_error_named(lua_State *L, const char *cls, int nargs)
{
    lua_getfield(L, LUA_REGISTRYINDEX, lua_pushfstring(L, "pyssl.%s", cls));
    lua_remove(L, -2);
    if (!lua_istable(L, -1))
        luaL_error(L, "pyssl: no error class named '%s'", cls);
    construct_error(L, nargs, 1);
}

/* Pushes a printf-formatted string (all of printf's formats work). */
static void push_vformat(lua_State *L, const char *fmt, va_list ap)
{
    luaL_Buffer b;
    va_list copy;
    int n;
    char *p;
    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        n = 0;
    p = luaL_buffinitsize(L, &b, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    luaL_pushresultsize(&b, (size_t)n);
}

int pyssl_raise(lua_State *L, const char *cls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    push_vformat(L, fmt, ap);
    va_end(ap);
    pyssl_push_error(L, cls, 1);
    return lua_error(L);
}

int pyssl_raise_errno(lua_State *L, int err, const char *filename)
{
    lua_pushinteger(L, err);
    lua_pushstring(L, strerror(err));
    if (filename)
        lua_pushstring(L, filename);
    if (err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS || err == EALREADY)
        pyssl_push_flow_error(L, "OSError", filename ? 3 : 2);    /* BlockingIOError */
    else
        pyssl_push_error(L, "OSError", filename ? 3 : 2);
    return lua_error(L);
}

int pyssl_raise_bare(lua_State *L, const char *cls, const char *text)
{
    lua_pushstring(L, text);
    pyssl_push_error(L, cls, 1);
    return lua_error(L);
}

#define ISINSTANCE_MAX_DEPTH 200   /* nested sequences; a table can contain itself */

/* Python's isinstance(obj, classinfo): classinfo is a class or a sequence
 * (Python's tuple) of classinfos, tried in order; anything else, where it
 * is reached, is a TypeError. */
static int isinstance_of(lua_State *L, int obj, int classinfo, int depth)
{
    lua_Integer i, n;
    int found = pyssl_instance_of(L, obj, classinfo);
    if (found >= 0)
        return found;
    found = 0;
    if (!lua_istable(L, classinfo) || lua_getmetatable(L, classinfo))
        pyssl_raise(L, "TypeError", "isinstance() arg 2 must be a type, a tuple of types, or a union");
    if (depth >= ISINSTANCE_MAX_DEPTH)
        pyssl_raise(L, "RecursionError", "maximum recursion depth exceeded in __instancecheck__");
    luaL_checkstack(L, 2, NULL);
    n = (lua_Integer)lua_rawlen(L, classinfo);
    for (i = 1; i <= n && !found; i++) {
        lua_rawgeti(L, classinfo, i);
        found = isinstance_of(L, obj, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
    }
    return found;
}

/* pyssl.isinstance(value, classinfo) */
static int l_isinstance(lua_State *L)
{
    int found;
    if (lua_gettop(L) != 2)
        return pyssl_raise(L, "TypeError", "isinstance expected 2 arguments, got %d", lua_gettop(L));
    found = pyssl_instance_of(L, 1, 2);   /* a class: the hot path (retry loops) */
    lua_pushboolean(L, found >= 0 ? found : isinstance_of(L, 1, 2, 0));
    return 1;
}

/* The module Python shows in the class's repr. */
static const char *module_of(const char *name)
{
    if (strncmp(name, "SSL", 3) == 0)
        return "ssl";
    if (strcmp(name, "gaierror") == 0 || strcmp(name, "herror") == 0)
        return "socket";
    return "builtins";
}

static void set_method(lua_State *L, int cls, const char *name, lua_CFunction f)
{
    lua_pushcfunction(L, f);
    lua_setfield(L, cls, name);
}

void pyssl_open_errors(lua_State *L)
{
    size_t i;
    int mod = lua_gettop(L);
    for (i = 0; i < sizeof hierarchy / sizeof hierarchy[0]; i++) {
        int cls;
        lua_newtable(L);
        cls = lua_gettop(L);
        lua_pushstring(L, hierarchy[i].name);
        lua_setfield(L, cls, "__name");
        lua_pushstring(L, hierarchy[i].name);
        lua_setfield(L, cls, "__qualname");
        lua_pushstring(L, module_of(hierarchy[i].name));
        lua_setfield(L, cls, "__module");
        lua_newtable(L);
        if (hierarchy[i].base) {
            lua_getfield(L, mod, hierarchy[i].base);
            lua_rawseti(L, -2, 1);
        }
        if (hierarchy[i].base2) {
            lua_getfield(L, mod, hierarchy[i].base2);
            lua_rawseti(L, -2, 2);
        }
        lua_setfield(L, cls, "__bases");
        if (!hierarchy[i].base) {
            set_method(L, cls, "__new", base_new);
            set_method(L, cls, "__str", base_str);
            set_method(L, cls, "__tostring", error_tostring);
            set_method(L, cls, "__concat", error_concat);
        } else if (strcmp(hierarchy[i].name, "OSError") == 0) {
            set_method(L, cls, "__new", oserror_new);
            set_method(L, cls, "__str", oserror_str);
        } else if (strcmp(hierarchy[i].name, "KeyError") == 0) {
            set_method(L, cls, "__str", keyerror_str);
        } else if (strcmp(hierarchy[i].name, "UnicodeDecodeError") == 0) {
            set_method(L, cls, "__new", unicodedecode_new);
            set_method(L, cls, "__str", unicodedecode_str);
        } else if (strcmp(hierarchy[i].name, "UnicodeEncodeError") == 0) {
            set_method(L, cls, "__new", unicodedecode_new);
            set_method(L, cls, "__str", unicodeencode_str);
        } else if (strcmp(hierarchy[i].name, "SSLError") == 0) {
            set_method(L, cls, "__str", sslerror_str);
        }
        pyssl_table_class(L);
        lua_pushfstring(L, "pyssl.%s", hierarchy[i].name);
        lua_pushvalue(L, cls);
        lua_rawset(L, LUA_REGISTRYINDEX);
        lua_setfield(L, mod, hierarchy[i].name);
    }
    /* Python's aliases: the same class under a second name. */
    lua_getfield(L, mod, "SSLCertVerificationError");
    lua_setfield(L, mod, "CertificateError");
    lua_getfield(L, mod, "OSError");
    lua_setfield(L, mod, "socket_error");
    lua_pushcfunction(L, l_isinstance);
    lua_setfield(L, mod, "isinstance");
    lua_pushcfunction(L, l_str);
    lua_setfield(L, mod, "str");
    lua_pushcfunction(L, pyssl_own_files);
    lua_setfield(L, mod, "_own_files");
    lua_settop(L, mod);
}

/* The argument binder: Python's call binding for every pyssl function,
 * C methods and the Lua facade alike (HACKING "Arguments"). A function
 * declares its signature once (a static const pyssl_sig in C,
 * core._signature{...} at load in Lua) and binds with pyssl_bind.
 */
#include <string.h>
#include "pyssl.h"

#define SIGNATURE_MT "pyssl.signature"

/* The one keyword-table rule (docs/DESIGN.md): a trailing plain table
 * (no metatable) whose keys are all strings. An empty one (what
 * `{x = maybe_nil}` gives) is keywords only once the arguments before it
 * fill the required parameters; otherwise it is a positional argument
 * (set_alpn_protocols({}), send({})). Returns 0 (not keywords),
 * KW_EMPTY or KW_SOME. */
enum { KW_EMPTY = 1, KW_SOME };

static int keyword_table(lua_State *L, int idx, int before, int required)
{
    int empty = 1;
    if (lua_getmetatable(L, idx)) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 1);
            return 0;
        }
        empty = 0;
    }
    return !empty ? KW_SOME : before >= required ? KW_EMPTY : 0;
}

static int param_index(const pyssl_sig *sig, int nparams, const char *name)
{
    int i;
    for (i = 0; i < nparams; i++)
        if (strcmp(sig->params[i], name) == 0)
            return i;
    return -1;
}

static const char *plural(int n)
{
    return n == 1 ? "" : "s";
}

/* Too many or too few positional arguments, worded as CPython words it
 * for the kind of function the descriptor names. */
static void raise_count(lua_State *L, const pyssl_sig *sig, int given, int nkwonly)
{
    const char *name = sig->name, *dot;
    int bound = given > sig->npos ? sig->npos : sig->required;
    /* Clinic says "positional" when some parameters are keyword-only. */
    int positional = sig->wording == PYSSL_WORDING_KEYWORDS ||
                     (sig->wording == PYSSL_WORDING_CLINIC && sig->npos < sig->nparams);
    if (sig->wording == PYSSL_WORDING_PYTHON) {
        int extra = sig->self, n = given + extra;
        const char *s = plural(n);
        char takes[64];
        if (sig->required == sig->npos)
            snprintf(takes, sizeof takes, "%d positional argument%s", sig->npos + extra, plural(sig->npos + extra));
        else
            snprintf(takes, sizeof takes, "from %d to %d positional arguments",
                     sig->required + extra, sig->npos + extra);
        if (nkwonly > 0)
            pyssl_raise(L, "TypeError", "%s() takes %s but %d positional argument%s (and %d keyword-only argument%s) were given",
                        name, takes, n, s, nkwonly, plural(nkwonly));
        pyssl_raise(L, "TypeError", "%s() takes %s but %d %s given", name, takes, n, n == 1 ? "was" : "were");
    }
    if (sig->wording == PYSSL_WORDING_CLINIC && sig->npos == 0)
        pyssl_raise(L, "TypeError", "%s() takes no arguments (%d given)", name, given);
    if (sig->wording == PYSSL_WORDING_CLINIC && !sig->params && sig->npos == 1 && sig->required == 1)
        pyssl_raise(L, "TypeError", "%s() takes exactly one argument (%d given)", name, given);
    /* PyArg_ParseTuple's "...:recv" names the function without its class,
     * and so does Clinic's check of optional positional-only arguments:
     * "read expected at most 1 argument, got 2". */
    if ((sig->wording == PYSSL_WORDING_TUPLE || (sig->wording == PYSSL_WORDING_CLINIC && !sig->params)) &&
        (dot = strrchr(name, '.')) != NULL)
        name = dot + 1;
    if (sig->wording == PYSSL_WORDING_CLINIC && !sig->params)
        pyssl_raise(L, "TypeError", "%s expected %s %d argument%s, got %d", name,
                    given > sig->npos ? "at most" : "at least", bound, plural(bound), given);
    pyssl_raise(L, "TypeError", "%s() takes %s %d %sargument%s (%d given)", name,
                sig->npos == sig->required ? "exactly" : given > sig->npos ? "at most" : "at least",
                bound, positional ? "positional " : "", plural(bound), given);
}

/* Python's message for required parameters nobody gave: "f() missing 2
 * required positional arguments: 'a' and 'b'". A nil in a place given
 * positionally is Python's None, given. */
static void check_missing(lua_State *L, const pyssl_sig *sig, int first, int given)
{
    luaL_Buffer b;
    int i, n = 0, done = 0;
    for (i = sig->required - 1; i >= given; i--)
        if (lua_isnil(L, first + i))
            n++, done = i;
    if (n == 0)
        return;
    /* Clinic names the first one: "f() missing required argument 'salt' (pos 3)". */
    if (sig->wording != PYSSL_WORDING_PYTHON)
        pyssl_raise(L, "TypeError", "%s() missing required argument '%s' (pos %d)",
                    sig->name, sig->params[done], done + 1);
    done = 0;
    luaL_buffinit(L, &b);
    for (i = given; i < sig->required; i++) {
        if (!lua_isnil(L, first + i))
            continue;
        if (done > 0)
            luaL_addstring(&b, n == 2 ? " and " : done == n - 1 ? ", and " : ", ");
        luaL_addchar(&b, '\'');
        luaL_addstring(&b, sig->params[i]);
        luaL_addchar(&b, '\'');
        done++;
    }
    luaL_pushresult(&b);
    pyssl_raise(L, "TypeError", "%s() missing %d required positional argument%s: %s",
                sig->name, n, plural(n), lua_tostring(L, -1));
}

/* How many keyword-only parameters the keyword table sets (Python's
 * too-many message counts them). */
static int count_kwonly(lua_State *L, const pyssl_sig *sig, int nparams, int kw)
{
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, kw)) {
        lua_pop(L, 1);
        n += param_index(sig, nparams, lua_tostring(L, -1)) >= sig->npos;
    }
    return n;
}

/* The keyword path: each value of the keyword table goes to its
 * parameter's slot (first + index), parameters given neither way are nil;
 * an unknown name or one also given by position is a TypeError. */
static void spread_keywords(lua_State *L, const pyssl_sig *sig, int nparams, int first, int kw, int given)
{
    int i, table;
    luaL_checkstack(L, nparams + 3, "too many parameters");
    if (lua_gettop(L) < first + nparams - 1)
        lua_settop(L, first + nparams - 1);
    lua_pushvalue(L, kw);   /* the table may sit in a parameter's slot */
    table = lua_gettop(L);
    for (i = given; i < nparams; i++) {
        lua_pushnil(L);
        lua_replace(L, first + i);
    }
    lua_pushnil(L);
    while (lua_next(L, table)) {
        const char *key = lua_tostring(L, -2);
        int at = param_index(sig, nparams, key);
        if (at < 0)
            pyssl_raise(L, "TypeError", "%s() got an unexpected keyword argument '%s'", sig->name, key);
        /* (3.13 gave C functions Python's wording for the unknown name.) */
        if (at < given && sig->wording == PYSSL_WORDING_CLINIC)
            pyssl_raise(L, "TypeError", "argument for %s() given by name ('%s') and position (%d)",
                        sig->name, key, at + 1);
        if (at < given)
            pyssl_raise(L, "TypeError", "%s() got multiple values for argument '%s'", sig->name, key);
        lua_replace(L, first + at);
    }
}

/* The slow path of pyssl_bind (pyssl.h): a keyword table, too many or
 * too few arguments. */
void pyssl_bind_call(lua_State *L, const pyssl_sig *sig, int first)
{
    int top = lua_gettop(L), nparams = sig->nparams, given, kw = 0;
    /* Trailing nils of a function with keywords are absent arguments (a
     * wrapper passing `...` on, f(a, nil)), except that a nil in a
     * required place is Python's None for functions written in Python;
     * Argument Clinic's report it missing (pbkdf2_hmac(h, p, s, nil)).
     * Positional-only C functions count every nil: Python's None
     * (gethostbyaddr("a", nil) is given 2 arguments). */
    int keep = !sig->params ? top : sig->wording == PYSSL_WORDING_PYTHON ? sig->required : 0;
    while (top >= first + keep && lua_isnil(L, top))
        top--;
    given = top - first + 1;
    if (given > 0 && lua_istable(L, top)) {
        int found = keyword_table(L, top, given - 1, sig->required);
        if (found == KW_SOME && !sig->params)
            pyssl_raise(L, "TypeError", "%s() takes no keyword arguments", sig->name);
        if (found) {
            kw = top;
            given--;
        }
    }
    if (given > sig->npos)
        raise_count(L, sig, given, kw && sig->params ? count_kwonly(L, sig, nparams, kw) : 0);
    if (given < sig->required && !sig->params)
        raise_count(L, sig, given, 0);
    if (kw && sig->params)
        spread_keywords(L, sig, nparams, first, kw, given);
    lua_settop(L, first + nparams - 1);
    if (given < sig->required)
        check_missing(L, sig, first, given);
}

/* The one "wrong self" message: method `method` of class `cls` called on
 * the value at idx. */
int pyssl_raise_wrong_self(lua_State *L, const char *method, const char *cls, int idx)
{
    return pyssl_raise(L, "TypeError", "descriptor '%s' for '%s' objects doesn't apply to a '%s' object",
                       method, cls, pyssl_typename(L, idx));
}

/* core._wrong_self(method, cls, value): the same from the facade. */
static int l_wrong_self(lua_State *L)
{
    return pyssl_raise_wrong_self(L, luaL_checkstring(L, 1), luaL_checkstring(L, 2), 3);
}

/* A signature the Lua facade declares once, at load: the descriptor and
 * copies of its names in one userdata. */
typedef struct lua_signature {
    pyssl_sig sig;
    const char *params[1];      /* nparams + 1 entries, then the names' bytes */
} lua_signature;

static void read_names(lua_State *L, int idx, const char *field, int *n, size_t *bytes)
{
    int i;
    lua_getfield(L, idx, field);
    if (!lua_isnil(L, -1)) {
        luaL_checktype(L, -1, LUA_TTABLE);
        for (i = 1; i <= (int)lua_rawlen(L, -1); i++, (*n)++) {
            lua_rawgeti(L, -1, i);
            *bytes += strlen(luaL_checkstring(L, -1)) + 1;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

static char *copy_names(lua_State *L, int idx, const char *field, lua_signature *s, int *n, char *to)
{
    int i;
    lua_getfield(L, idx, field);
    for (i = 1; !lua_isnil(L, -1) && i <= (int)lua_rawlen(L, -1); i++) {
        size_t len;
        const char *name;
        lua_rawgeti(L, -1, i);
        name = lua_tolstring(L, -1, &len);
        memcpy(to, name, len + 1);
        s->params[(*n)++] = to;
        to += len + 1;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return to;
}

static const char *const WORDINGS[] = {"python", "keywords", "clinic", "tuple", NULL};

/* core._signature{name = "f", pos = {...}, required = n, kwonly = {...},
 * self = bool, wording = "python"} -> a signature for core._bind. */
static int l_signature(lua_State *L)
{
    int npos = 0, nparams = 0;
    size_t bytes = 0, head;
    lua_signature *s;
    char *names;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "name");
    bytes += strlen(luaL_checkstring(L, -1)) + 1;
    lua_pop(L, 1);
    read_names(L, 1, "pos", &npos, &bytes);
    nparams = npos;
    read_names(L, 1, "kwonly", &nparams, &bytes);
    head = sizeof(lua_signature) + (size_t)nparams * sizeof(const char *);
    s = (lua_signature *)lua_newuserdatauv(L, head + bytes, 0);
    names = (char *)s + head;
    lua_getfield(L, 1, "name");
    memcpy(names, lua_tostring(L, -1), strlen(lua_tostring(L, -1)) + 1);
    s->sig.name = names;
    names += strlen(names) + 1;
    lua_pop(L, 1);
    nparams = 0;
    names = copy_names(L, 1, "pos", s, &nparams, names);
    copy_names(L, 1, "kwonly", s, &nparams, names);
    s->params[nparams] = NULL;
    s->sig.params = s->params;
    s->sig.nparams = nparams;
    s->sig.npos = npos;
    lua_getfield(L, 1, "required");
    s->sig.required = (int)luaL_optinteger(L, -1, 0);
    lua_getfield(L, 1, "self");
    s->sig.self = (unsigned char)lua_toboolean(L, -1);
    lua_getfield(L, 1, "wording");
    s->sig.wording = (unsigned char)luaL_checkoption(L, -1, "python", WORDINGS);
    lua_pop(L, 3);
    luaL_argcheck(L, s->sig.required >= 0 && s->sig.required <= npos, 1, "bad required");
    luaL_getmetatable(L, SIGNATURE_MT);
    lua_setmetatable(L, -2);
    return 1;
}

/* core._bind(signature, ...) -> one value per parameter. */
static int l_bind(lua_State *L)
{
    const lua_signature *s = (const lua_signature *)luaL_checkudata(L, 1, SIGNATURE_MT);
    pyssl_bind(L, &s->sig, 2);
    return s->sig.nparams;
}

void pyssl_open_bind(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"_signature", l_signature},
        {"_bind", l_bind},
        {"_wrong_self", l_wrong_self},
        {NULL, NULL}
    };
    luaL_newmetatable(L, SIGNATURE_MT);
    lua_pop(L, 1);
    luaL_setfuncs(L, fns, 0);
}

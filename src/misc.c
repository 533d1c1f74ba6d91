/* Module-level odds and ends of CPython's _ssl: the PRNG functions, the
 * compiled-in verify paths, and the OID/NID lookups behind _ASN1Object.
 *
 *   RAND_bytes(n), RAND_status(), RAND_add(s, entropy)    public
 *   get_default_verify_paths()  -> {file_env, file, dir_env, dir} (raw, as _ssl's)
 *   _txt2obj(txt, name)         -> nid, shortname, longname, oid
 *   _nid2obj(nid)               -> nid, shortname, longname, oid
 *   _path_kind(path)            -> "file", "dir" or nil (os.path.isfile/isdir)
 */
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include "pyssl.h"

/* Longest dotted OID CPython renders (X509_NAME_MAXLEN). */
#define OID_MAX_BYTES 256

/* An int argument that must fit a C int (Python's OverflowError text). */
static int check_c_int(lua_State *L, int idx)
{
    lua_Integer v = pyssl_check_index(L, idx);
    if (v > INT_MAX || v < INT_MIN)
        pyssl_raise(L, "OverflowError", "Python int too large to convert to C int");
    return (int)v;
}

/* RAND_bytes(n) -> n cryptographically strong random bytes. */
static int l_rand_bytes(lua_State *L)
{
    luaL_Buffer b;
    unsigned char *p;
    int n;
    pyssl_check_function_nargs(L, "_ssl.RAND_bytes", 1);
    n = check_c_int(L, 1);
    if (n < 0)
        return pyssl_raise(L, "ValueError", "num must be positive");
    p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)n);
    ERR_clear_error();
    if (n > 0 && RAND_bytes(p, n) != 1)
        return pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
    luaL_pushresultsize(&b, (size_t)n);
    return 1;
}

/* RAND_status() -> true when the PRNG has been seeded enough. */
static int l_rand_status(lua_State *L)
{
    pyssl_check_function_nargs(L, "_ssl.RAND_status", 0);
    lua_pushboolean(L, RAND_status() == 1);
    return 1;
}

/* RAND_add(s, entropy): mixes s into the PRNG; entropy is a lower bound
 * of the randomness of s, in bytes. */
static int l_rand_add(lua_State *L)
{
    size_t len;
    const char *data;
    double entropy;
    int n = lua_gettop(L);
    if (n != 2)
        return pyssl_raise(L, "TypeError", "RAND_add expected 2 arguments, got %d", n);
    data = pyssl_check_bytes(L, 1, &len);
    if (lua_type(L, 2) == LUA_TNUMBER)
        entropy = lua_tonumber(L, 2);
    else if (lua_type(L, 2) == LUA_TBOOLEAN)   /* Python's bool is an int */
        entropy = lua_toboolean(L, 2);
    else
        return pyssl_raise(L, "TypeError", "must be real number, not %s", pyssl_typename(L, 2));
    /* RAND_add takes an int length: feed long strings in pieces. */
    while (len > INT_MAX) {
        RAND_add(data, INT_MAX, entropy * ((double)INT_MAX / (double)len));
        entropy -= entropy * ((double)INT_MAX / (double)len);
        data += INT_MAX;
        len -= INT_MAX;
    }
    RAND_add(data, (int)len, entropy);
    return 0;
}

/* get_default_verify_paths() -> {cafile env var, cafile, capath env var,
 * capath}: libcrypto's compiled-in values (the facade resolves them). */
static int l_get_default_verify_paths(lua_State *L)
{
    lua_createtable(L, 4, 0);
    lua_pushstring(L, X509_get_default_cert_file_env());
    lua_rawseti(L, -2, 1);
    lua_pushstring(L, X509_get_default_cert_file());
    lua_rawseti(L, -2, 2);
    lua_pushstring(L, X509_get_default_cert_dir_env());
    lua_rawseti(L, -2, 3);
    lua_pushstring(L, X509_get_default_cert_dir());
    lua_rawseti(L, -2, 4);
    return 1;
}

/* Pushes nid, shortname, longname, oid of obj and frees it. The dotted
 * OID is nil for objects that have none (cipher names, for instance). */
static int push_object(lua_State *L, ASN1_OBJECT *obj)
{
    char oid[OID_MAX_BYTES];
    int nid = OBJ_obj2nid(obj), len;
    const char *sn, *ln;
    if (nid == NID_undef) {
        ASN1_OBJECT_free(obj);
        return pyssl_raise(L, "ValueError", "Unknown object");
    }
    ERR_clear_error();
    len = OBJ_obj2txt(oid, sizeof oid, obj, 1);
    ASN1_OBJECT_free(obj);
    if (len < 0)
        return pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
    sn = OBJ_nid2sn(nid);
    ln = OBJ_nid2ln(nid);
    lua_pushinteger(L, nid);
    lua_pushstring(L, sn);
    lua_pushstring(L, ln);
    if (len > 0)
        lua_pushstring(L, oid);
    else
        lua_pushnil(L);
    return 4;
}

/* _txt2obj(txt, name): by dotted OID only, or (name true) also by short
 * or long name. */
static int l_txt2obj(lua_State *L)
{
    size_t len;
    const char *txt;
    ASN1_OBJECT *obj;
    if (lua_type(L, 1) != LUA_TSTRING)
        return pyssl_raise(L, "TypeError", "txt2obj() argument 'txt' must be str, not %s",
                           lua_isnil(L, 1) ? "None" : pyssl_typename(L, 1));
    txt = lua_tolstring(L, 1, &len);
    if (strlen(txt) != len)
        return pyssl_raise(L, "ValueError", "embedded null character");
    ERR_clear_error();
    obj = OBJ_txt2obj(txt, lua_toboolean(L, 2) ? 0 : 1);
    if (!obj) {
        ERR_clear_error();
        return pyssl_raise(L, "ValueError", "unknown object '%.100s'", txt);
    }
    return push_object(L, obj);
}

/* _nid2obj(nid) */
static int l_nid2obj(lua_State *L)
{
    int nid = check_c_int(L, 1);
    ASN1_OBJECT *obj;
    if (nid < NID_undef)
        return pyssl_raise(L, "ValueError", "NID must be positive.");
    ERR_clear_error();
    obj = OBJ_nid2obj(nid);
    if (!obj) {
        ERR_clear_error();
        return pyssl_raise(L, "ValueError", "unknown NID %d", nid);
    }
    return push_object(L, obj);
}

/* _path_kind(path) -> "file", "dir" or nil, following symlinks like
 * os.path.isfile/isdir (which are false for paths Python cannot use). */
static int l_path_kind(lua_State *L)
{
    size_t len;
    const char *path = lua_tolstring(L, 1, &len);
    struct stat st;
    if (!path || strlen(path) != len || stat(path, &st) != 0)
        return 0;
    if (S_ISREG(st.st_mode))
        lua_pushliteral(L, "file");
    else if (S_ISDIR(st.st_mode))
        lua_pushliteral(L, "dir");
    else
        return 0;
    return 1;
}

void pyssl_open_misc(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"RAND_bytes", l_rand_bytes},
        {"RAND_status", l_rand_status},
        {"RAND_add", l_rand_add},
        {"get_default_verify_paths", l_get_default_verify_paths},
        {"_txt2obj", l_txt2obj},
        {"_nid2obj", l_nid2obj},
        {"_path_kind", l_path_kind},
        {NULL, NULL}
    };
    /* Like every function of the core: the per-state data as upvalue 1. */
    lua_getfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY);
    luaL_setfuncs(L, fns, 1);
}

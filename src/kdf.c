/* hashlib's key derivation functions on OpenSSL: pbkdf2_hmac (PKCS5_PBKDF2_HMAC)
 * and scrypt (EVP_PBE_scrypt), with CPython's argument checks and messages.
 *
 * Memory rule (as in hashlib.c): the password and salt are read only after
 * the output block, the call's last Lua allocation, exists.
 */
#include <limits.h>
#include <math.h>
#include <openssl/evp.h>
#include "pyssl.h"

/* A C long argument as Argument Clinic converts it. */
static lua_Integer check_long(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TNUMBER && !lua_isinteger(L, idx)) {
        lua_Number n = lua_tonumber(L, idx);
        if (pyssl_hash_is_huge_integral(n))
            pyssl_raise(L, "OverflowError", "Python int too large to convert to C long");
    }
    return pyssl_check_index(L, idx);
}

/* pbkdf2_hmac(hash_name, password, salt, iterations, dklen=None) */
static int l_pbkdf2_hmac(lua_State *L)
{
    static const char *const names[] = {"hash_name", "password", "salt", "iterations", "dklen", NULL};
    static const pyssl_sig sig = {"pbkdf2_hmac", PYSSL_PARAMS(names), 5, 4, PYSSL_WORDING_CLINIC, 0};
    size_t pass_len, salt_len;
    const char *pass, *salt;
    lua_Integer iterations, dklen;
    unsigned char *out;
    EVP_MD *md;
    int ok;
    pyssl_bind(L, &sig, 1);
    if (lua_type(L, 1) != LUA_TSTRING)
        return pyssl_raise(L, "TypeError", "pbkdf2_hmac() argument 'hash_name' must be str, not %s",
                           pyssl_typename(L, 1));
    pyssl_check_bytes_like(L, 2, &pass_len);
    pyssl_check_bytes_like(L, 3, &salt_len);
    if (pass_len > INT_MAX)
        return pyssl_raise(L, "OverflowError", "password is too long.");
    if (salt_len > INT_MAX)
        return pyssl_raise(L, "OverflowError", "salt is too long.");
    iterations = check_long(L, 4);
    if (iterations < 1)
        return pyssl_raise(L, "ValueError", "iteration value must be greater than 0.");
    if (iterations > INT_MAX)
        return pyssl_raise(L, "OverflowError", "iteration value is too great.");
    ERR_clear_error();
    md = pyssl_digest_fetch(lua_tostring(L, 1), 1);
    if (!md)
        return pyssl_raise_evp(L, "UnsupportedDigestmodError", NULL);
    dklen = lua_isnil(L, 5) ? EVP_MD_get_size(md) : -1;
    EVP_MD_free(md);
    if (dklen < 0) {
        dklen = check_long(L, 5);
        if (dklen < 1)
            return pyssl_raise(L, "ValueError", "key length must be greater than 0.");
        if (dklen > INT_MAX)
            return pyssl_raise(L, "OverflowError", "key length is too great.");
    }
    out = pyssl_push_block(L, (size_t)dklen);
    /* After the allocation: the pointers and the digest. */
    pass = pyssl_test_buffer(L, 2, &pass_len);
    salt = pyssl_test_buffer(L, 3, &salt_len);
    md = pyssl_digest_fetch(lua_tostring(L, 1), 1);
    ERR_clear_error();
    ok = md && PKCS5_PBKDF2_HMAC(pass, (int)pass_len, (const unsigned char *)salt, (int)salt_len,
                           (int)iterations, md, (int)dklen, out);
    EVP_MD_free(md);
    if (!ok)
        return pyssl_raise_evp(L, "ValueError", NULL);
    lua_pushlstring(L, (const char *)out, (size_t)dklen);
    return 1;
}

/* n, r and p of scrypt(): Python's unsigned long checks. */
static unsigned long check_scrypt_ulong(lua_State *L, int idx, const char *name)
{
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Integer v;
        lua_Number n = lua_tonumber(L, idx);
        if (!lua_isinteger(L, idx) && (n != floor(n) || isinf(n)))
            pyssl_raise(L, "TypeError", "scrypt() argument '%s' must be int, not float", name);
        if (lua_isinteger(L, idx) || fabs(n) < 9223372036854775808.0) {
            v = lua_isinteger(L, idx) ? lua_tointeger(L, idx) : (lua_Integer)n;
            if (v >= 0)
                return (unsigned long)v;
        }
    } else if (!lua_isnil(L, idx)) {
        pyssl_raise(L, "TypeError", "scrypt() argument '%s' must be int, not %s", name,
                    pyssl_typename(L, idx));
    }
    pyssl_raise(L, "TypeError", "%s is required and must be an unsigned int", name);
    return 0;
}

/* scrypt(password, *, salt, n, r, p, maxmem=0, dklen=64) */
static int l_scrypt(lua_State *L)
{
    static const char *const names[] = {"password", "salt", "n", "r", "p", "maxmem", "dklen", NULL};
    static const pyssl_sig sig = {"scrypt", PYSSL_PARAMS(names), 1, 1, PYSSL_WORDING_CLINIC, 0};
    size_t pass_len, salt_len;
    const char *pass, *salt;
    unsigned long n, r, p;
    lua_Integer maxmem, dklen;
    unsigned char *out;
    pyssl_bind(L, &sig, 1);
    pyssl_check_bytes_like(L, 1, &pass_len);
    if (lua_isnil(L, 2))
        return pyssl_raise(L, "TypeError", "salt is required");
    pyssl_check_bytes_like(L, 2, &salt_len);
    if (pass_len > INT_MAX)
        return pyssl_raise(L, "OverflowError", "password is too long.");
    if (salt_len > INT_MAX)
        return pyssl_raise(L, "OverflowError", "salt is too long.");
    n = check_scrypt_ulong(L, 3, "n");
    if (n < 2 || (n & (n - 1)))
        return pyssl_raise(L, "ValueError", "n must be a power of 2.");
    r = check_scrypt_ulong(L, 4, "r");
    p = check_scrypt_ulong(L, 5, "p");
    maxmem = lua_isnil(L, 6) ? 0 : check_long(L, 6);
    if (maxmem < 0 || maxmem > INT_MAX)
        return pyssl_raise(L, "ValueError", "maxmem must be positive and smaller than %d", INT_MAX);
    dklen = lua_isnil(L, 7) ? 64 : check_long(L, 7);
    if (dklen < 1 || dklen > INT_MAX)
        return pyssl_raise(L, "ValueError", "dklen must be greater than 0 and smaller than %d", INT_MAX);
    ERR_clear_error();
    if (!EVP_PBE_scrypt(NULL, 0, NULL, 0, n, r, p, (uint64_t)maxmem, NULL, 0))
        return pyssl_raise_evp(L, "ValueError", "Invalid parameter combination for n, r, p, maxmem.");
    out = pyssl_push_block(L, (size_t)dklen);
    pass = pyssl_test_buffer(L, 1, &pass_len);
    salt = pyssl_test_buffer(L, 2, &salt_len);
    if (!EVP_PBE_scrypt(pass, pass_len, (const unsigned char *)salt, salt_len, n, r, p,
                        (uint64_t)maxmem, out, (size_t)dklen))
        return pyssl_raise_evp(L, "ValueError", "Unknown error in scrypt.");
    lua_pushlstring(L, (const char *)out, (size_t)dklen);
    return 1;
}

/* Adds pbkdf2_hmac and scrypt to the table on top (core._hashlib). */
void pyssl_open_kdf(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"pbkdf2_hmac", l_pbkdf2_hmac},
        {"scrypt", l_scrypt},
        {NULL, NULL}
    };
    luaL_setfuncs(L, fns, 0);
}

/* HMAC on OpenSSL's EVP_MAC "HMAC" (CPython's _hashlib.HMAC, hmac_new,
 * hmac_digest and compare_digest). The hmac module's Python-level class
 * (hmac.HMAC: digestmod handling, the fallback for hash constructors
 * OpenSSL does not know) is lua/pyssl/hmac.lua.
 */
#include <limits.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "pyssl.h"

static const char HMAC_CLASS[] = "HMAC";

/* EVP_MAC_CTX with its digest contexts (mallinfo2 over 100, OpenSSL
 * 3.0: HMAC-sha256 902 bytes, HMAC-sha512 1188). */
#define HMAC_GC_DEBT 1024

typedef struct pyssl_hmac {
    EVP_MAC_CTX *ctx;         /* NULL once closed */
    EVP_MD *md;               /* the hash (name, block size) */
} pyssl_hmac;

static pyssl_hmac *check_hmac(lua_State *L, int idx)
{
    pyssl_hmac *self = pyssl_check_object(L, idx, HMAC_CLASS);
    if (!self->ctx)
        pyssl_raise(L, "ValueError", "HMAC object is closed");
    return self;
}

/* The digest named at idx for HMAC: UnsupportedDigestmodError when
 * OpenSSL has none; XOFs fail as HMAC_Init_ex fails for Python. */
static EVP_MD *fetch_hmac_digest(lua_State *L, int idx)
{
    EVP_MD *md;
    if (lua_type(L, idx) != LUA_TSTRING)
        pyssl_raise(L, "TypeError", "digestmod must be a string");
    ERR_clear_error();
    md = pyssl_digest_fetch(lua_tostring(L, idx), 1);
    if (!md)
        pyssl_raise_evp(L, "UnsupportedDigestmodError", NULL);
    if (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) {
        EVP_MD_free(md);
        ERR_clear_error();
        pyssl_raise_evp(L, "ValueError", NULL);
    }
    return md;
}

/* Starts self->ctx on self->md with the key at key_idx. */
static void init_mac(lua_State *L, pyssl_hmac *self, int key_idx)
{
    OSSL_PARAM params[2];
    size_t key_len;
    const char *key;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    self->ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);
    if (!self->ctx)
        pyssl_raise_evp(L, "ValueError", NULL);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)EVP_MD_get0_name(self->md), 0);
    params[1] = OSSL_PARAM_construct_end();
    key = pyssl_test_buffer(L, key_idx, &key_len);
    /* EVP_MAC_init refuses an empty key; HMAC's key is then all zeros,
     * and a one-zero-byte key gives the same pad. */
    if (key_len == 0)
        key = "", key_len = 1;
    if (!EVP_MAC_init(self->ctx, (const unsigned char *)key, key_len, params))
        pyssl_raise_evp(L, "ValueError", NULL);
}

static void update_mac(lua_State *L, pyssl_hmac *self, int idx)
{
    size_t len;
    const char *data = pyssl_check_hash_data(L, idx, &len);
    if (!EVP_MAC_update(self->ctx, (const unsigned char *)data, len))
        pyssl_raise_evp(L, "ValueError", NULL);
}

/* hmac_new(key, msg=b'', digestmod=None) -> _hashlib.HMAC */
static int l_hmac_new(lua_State *L)
{
    static const char *const names[] = {"key", "msg", "digestmod", NULL};
    static const pyssl_sig sig = {"hmac_new", PYSSL_PARAMS(names), 3, 0, PYSSL_WORDING_CLINIC, 0};
    size_t key_len;
    pyssl_hmac *self;
    pyssl_bind(L, &sig, 1);
    if (lua_isnil(L, 1))
        return pyssl_raise(L, "TypeError", "hmac_new() missing required argument 'key' (pos 1)");
    pyssl_check_bytes_like(L, 1, &key_len);
    if (key_len > INT_MAX)
        return pyssl_raise(L, "OverflowError", "key is too long.");
    if (lua_isnil(L, 3))
        return pyssl_raise(L, "TypeError", "Missing required parameter 'digestmod'.");
    if (!lua_isnil(L, 2))
        pyssl_check_hash_data(L, 2, &key_len);
    self = pyssl_new_object(L, HMAC_CLASS, sizeof *self);
    pyssl_add_gc_debt(L, HMAC_GC_DEBT);
    self->md = fetch_hmac_digest(L, 3);
    init_mac(L, self, 1);
    if (!lua_isnil(L, 2))
        update_mac(L, self, 2);
    return 1;
}

/* hmac_digest(key, msg, digest) -> bytes: the one-shot form. */
static int l_hmac_digest(lua_State *L)
{
    static const char *const names[] = {"key", "msg", "digest", NULL};
    static const pyssl_sig sig = {"hmac_digest", PYSSL_PARAMS(names), 3, 0, PYSSL_WORDING_CLINIC, 0};
    static const char *const required[] = {"key", "msg", "digest"};
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t key_len, msg_len, out_len = 0;
    const char *key, *msg;
    EVP_MD *md;
    int i, ok;
    pyssl_bind(L, &sig, 1);
    for (i = 0; i < 3; i++)
        if (lua_isnil(L, i + 1))
            return pyssl_raise(L, "TypeError", "hmac_digest() missing required argument '%s' (pos %d)",
                               required[i], i + 1);
    pyssl_check_bytes_like(L, 1, &key_len);
    pyssl_check_bytes_like(L, 2, &msg_len);
    if (key_len > INT_MAX)
        return pyssl_raise(L, "OverflowError", "key is too long.");
    if (msg_len > INT_MAX)
        return pyssl_raise(L, "OverflowError", "msg is too long.");
    md = fetch_hmac_digest(L, 3);
    /* No Lua runs from here to the push. */
    key = pyssl_test_buffer(L, 1, &key_len);
    msg = pyssl_test_buffer(L, 2, &msg_len);
    if (key_len == 0)
        key = "", key_len = 1;
    ERR_clear_error();
    ok = EVP_Q_mac(NULL, "HMAC", NULL, EVP_MD_get0_name(md), NULL, key, key_len,
                   (const unsigned char *)msg, msg_len, out, sizeof out, &out_len) != NULL;
    EVP_MD_free(md);
    if (!ok)
        return pyssl_raise_evp(L, "ValueError", NULL);
    lua_pushlstring(L, (const char *)out, out_len);
    return 1;
}

/* Python's _tscmp: time depends on the length of b only. */
static int timing_safe_equal(const unsigned char *a, size_t len_a,
                             const unsigned char *b, size_t len_b)
{
    const unsigned char *left = a;
    int result = 0;
    if (len_a != len_b) {
        left = b;
        result = 1;
    }
    result |= CRYPTO_memcmp(left, b, len_b);
    return result == 0;
}

/* compare_digest(a, b) -> bool, in constant time for equal lengths. */
static int l_compare_digest(lua_State *L)
{
    size_t len_a, len_b;
    const char *a, *b;
    if (lua_gettop(L) != 2)
        return pyssl_raise(L, "TypeError", "compare_digest expected 2 arguments, got %d",
                           lua_gettop(L));
    a = pyssl_test_buffer(L, 1, &len_a);
    b = pyssl_test_buffer(L, 2, &len_b);
    if (!a && !b)
        return pyssl_raise(L, "TypeError", "unsupported operand types(s) or combination of "
                           "types: '%s' and '%s'", pyssl_typename(L, 1), pyssl_typename(L, 2));
    if (!a)
        pyssl_check_bytes_like(L, 1, &len_a);
    if (!b)
        pyssl_check_bytes_like(L, 2, &len_b);
    lua_pushboolean(L, timing_safe_equal((const unsigned char *)a, len_a,
                                         (const unsigned char *)b, len_b));
    return 1;
}

/* update(msg) */
static int hmac_m_update(lua_State *L)
{
    static const char *const names[] = {"msg", NULL};
    static const pyssl_sig sig = {"update", PYSSL_PARAMS(names), 1, 0, PYSSL_WORDING_CLINIC, 0};
    pyssl_hmac *self = check_hmac(L, 1);
    pyssl_bind(L, &sig, 2);
    if (lua_isnil(L, 2))
        return pyssl_raise(L, "TypeError", "update() missing required argument 'msg' (pos 1)");
    update_mac(L, self, 2);
    return 0;
}

static size_t final_copy(lua_State *L, pyssl_hmac *self, unsigned char *out)
{
    EVP_MAC_CTX *copy = EVP_MAC_CTX_dup(self->ctx);
    size_t len = 0;
    int ok = copy && EVP_MAC_final(copy, out, &len, EVP_MAX_MD_SIZE);
    EVP_MAC_CTX_free(copy);
    if (!ok)
        pyssl_raise_evp(L, "ValueError", NULL);
    return len;
}

static int hmac_m_digest(lua_State *L)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    pyssl_hmac *self = check_hmac(L, 1);
    size_t len;
    pyssl_check_nargs(L, "HMAC.digest", 0);
    len = final_copy(L, self, out);
    lua_pushlstring(L, (const char *)out, len);
    return 1;
}

static int hmac_m_hexdigest(lua_State *L)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char out[EVP_MAX_MD_SIZE];
    char text[2 * EVP_MAX_MD_SIZE];
    pyssl_hmac *self = check_hmac(L, 1);
    size_t len, i;
    pyssl_check_nargs(L, "HMAC.hexdigest", 0);
    len = final_copy(L, self, out);
    for (i = 0; i < len; i++) {
        text[2 * i] = digits[out[i] >> 4];
        text[2 * i + 1] = digits[out[i] & 15];
    }
    lua_pushlstring(L, text, 2 * len);
    return 1;
}

static int hmac_m_copy(lua_State *L)
{
    pyssl_hmac *self = check_hmac(L, 1), *copy;
    pyssl_check_nargs(L, "HMAC.copy", 0);
    copy = pyssl_new_object(L, HMAC_CLASS, sizeof *copy);
    pyssl_add_gc_debt(L, HMAC_GC_DEBT);
    self = check_hmac(L, 1);   /* after the allocation: still open? */
    copy->ctx = EVP_MAC_CTX_dup(self->ctx);
    if (!copy->ctx)
        return pyssl_raise_memory_error(L);
    EVP_MD_up_ref(self->md);
    copy->md = self->md;
    return 1;
}

/* name: "hmac-sha256" */
static int hmac_get_name(lua_State *L)
{
    pyssl_hmac *self = check_hmac(L, 1);
    lua_pushfstring(L, "hmac-%s", pyssl_digest_name(self->md));
    return 1;
}

static int hmac_get_digest_size(lua_State *L)
{
    pyssl_hmac *self = check_hmac(L, 1);
    lua_pushinteger(L, (lua_Integer)EVP_MAC_CTX_get_mac_size(self->ctx));
    return 1;
}

static int hmac_get_block_size(lua_State *L)
{
    pyssl_hmac *self = check_hmac(L, 1);
    lua_pushinteger(L, EVP_MD_get_block_size(self->md));
    return 1;
}

static int hmac_close(lua_State *L)
{
    pyssl_hmac *self = lua_touserdata(L, 1);
    if (self) {
        EVP_MAC_CTX_free(self->ctx);
        EVP_MD_free(self->md);
        self->ctx = NULL;
        self->md = NULL;
    }
    return 0;
}

/* <hmac-sha256 HMAC object @ 0x...> (CPython's _hashlib.HMAC repr) */
static int hmac_tostring(lua_State *L)
{
    pyssl_hmac *self = lua_touserdata(L, 1);
    lua_pushfstring(L, "<%s HMAC object @ %p>", self->md ? pyssl_digest_name(self->md) : "closed",
                    lua_topointer(L, 1));
    return 1;
}

/* Adds hmac_new, hmac_digest, compare_digest and the HMAC class to the
 * table on top (core._hashlib). */
void pyssl_open_hmac(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"hmac_new", l_hmac_new},
        {"hmac_digest", l_hmac_digest},
        {"compare_digest", l_compare_digest},
        {NULL, NULL}
    };
    static const luaL_Reg methods[] = {
        {"update", hmac_m_update},
        {"digest", hmac_m_digest},
        {"hexdigest", hmac_m_hexdigest},
        {"copy", hmac_m_copy},
        {NULL, NULL}
    };
    static const luaL_Reg getters[] = {
        {"name", hmac_get_name},
        {"digest_size", hmac_get_digest_size},
        {"block_size", hmac_get_block_size},
        {NULL, NULL}
    };
    static const pyssl_class cls = {
        .name = HMAC_CLASS, .qualname = "_hashlib.HMAC", .module = "_hashlib",
        .methods = methods, .getters = getters,
        .no_construct = "cannot create '_hashlib.HMAC' instances",
        .close = hmac_close, .tostring = hmac_tostring, .nuv = 1,
    };
    pyssl_class_register(L, &cls);
    luaL_setfuncs(L, fns, 0);
    pyssl_push_class(L, HMAC_CLASS);
    lua_setfield(L, -2, HMAC_CLASS);
}

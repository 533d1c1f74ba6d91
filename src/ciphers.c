/* SSLContext, continued: cipher suites, the key-exchange group and DH
 * parameters (set_ciphers, get_ciphers, set_ecdh_curve, load_dh_params).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/pem.h>
#include "pyssl.h"

/* set_ciphers(cipherlist): the TLS 1.2-and-below cipher list. */
static int ctx_set_ciphers(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    size_t len;
    const char *list;
    pyssl_check_nargs(L, "_SSLContext.set_ciphers", 1);
    if (lua_type(L, 2) != LUA_TSTRING)
        return pyssl_raise(L, "TypeError", "set_ciphers() argument must be str, not %s",
                           lua_isnil(L, 2) ? "None" : pyssl_typename(L, 2));
    list = lua_tolstring(L, 2, &len);
    if (strlen(list) != len)
        return pyssl_raise(L, "ValueError", "embedded null character");
    ERR_clear_error();
    if (!SSL_CTX_set_cipher_list(self->ctx, list)) {
        /* CPython drops OpenSSL's reason ("no cipher match"). */
        ERR_clear_error();
        return pyssl_raise_bare(L, "SSLError", "No cipher can be selected.");
    }
    return 0;
}

static void set_name_field(lua_State *L, const char *key, int nid)
{
    const char *name = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
    if (name) {
        lua_pushstring(L, name);
        lua_setfield(L, -2, key);
    }
}

/* Pushes the dict CPython's get_ciphers() gives for one cipher. */
static void push_cipher(lua_State *L, const SSL_CIPHER *cipher)
{
    char description[256];
    size_t len;
    int alg_bits = 0, strength_bits = SSL_CIPHER_get_bits(cipher, &alg_bits);

    SSL_CIPHER_description(cipher, description, (int)sizeof description);
    len = strlen(description);
    if (len > 1 && description[len - 1] == '\n')
        description[len - 1] = '\0';
    lua_createtable(L, 0, 11);
    lua_pushinteger(L, (lua_Integer)SSL_CIPHER_get_id(cipher));
    lua_setfield(L, -2, "id");
    lua_pushstring(L, SSL_CIPHER_get_name(cipher));
    lua_setfield(L, -2, "name");
    lua_pushstring(L, SSL_CIPHER_get_version(cipher));
    lua_setfield(L, -2, "protocol");
    lua_pushstring(L, description);
    lua_setfield(L, -2, "description");
    lua_pushinteger(L, strength_bits);
    lua_setfield(L, -2, "strength_bits");
    lua_pushinteger(L, alg_bits);
    lua_setfield(L, -2, "alg_bits");
    lua_pushboolean(L, SSL_CIPHER_is_aead(cipher));
    lua_setfield(L, -2, "aead");
    set_name_field(L, "symmetric", SSL_CIPHER_get_cipher_nid(cipher));
    set_name_field(L, "digest", SSL_CIPHER_get_digest_nid(cipher));
    set_name_field(L, "kea", SSL_CIPHER_get_kx_nid(cipher));
    set_name_field(L, "auth", SSL_CIPHER_get_auth_nid(cipher));
}

/* get_ciphers() -> the enabled ciphers in preference order (TLS 1.3 first). */
static int ctx_get_ciphers(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    STACK_OF(SSL_CIPHER) *ciphers;
    pyssl_hold *h;
    int i, n;
    pyssl_check_nargs(L, "_SSLContext.get_ciphers", 0);
    h = pyssl_push_hold(L);
    self = pyssl_check_context(L, 1);   /* again: the hold's allocation may have closed it */
    /* The context's own list, copied and held: a finalizer may close the
     * context or set other ciphers (freeing the list) while we push. */
    ciphers = SSL_CTX_get_ciphers(self->ctx);
    if (ciphers && !(h->ciphers = sk_SSL_CIPHER_dup(ciphers)))
        return pyssl_raise_nomem(L);
    n = h->ciphers ? sk_SSL_CIPHER_num(h->ciphers) : 0;
    lua_createtable(L, n, 0);
    for (i = 0; i < n; i++) {
        push_cipher(L, sk_SSL_CIPHER_value(h->ciphers, i));
        lua_rawseti(L, -2, i + 1);
    }
    pyssl_release_hold(L, 2);
    return 1;
}

/* set_ecdh_curve(name): the one group offered for (EC)DHE key exchange. */
static int ctx_set_ecdh_curve(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    const char *name;
    int nid;
    pyssl_check_nargs(L, "_SSLContext.set_ecdh_curve", 1);
    name = pyssl_check_path(L, 2);
    nid = OBJ_sn2nid(name);
    if (nid == NID_undef)
        return pyssl_raise(L, "ValueError", "unknown elliptic curve name %s", pyssl_push_repr(L, 2));
    ERR_clear_error();
    if (!SSL_CTX_set1_groups(self->ctx, &nid, 1))
        return pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
    return 0;
}

/* load_dh_params(path): PEM "DH PARAMETERS" for DHE cipher suites. */
static int ctx_load_dh_params(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    const char *path;
    FILE *f;
    DH *dh;
    int saved_errno, ok;
    pyssl_check_nargs(L, "_SSLContext.load_dh_params", 1);
    path = pyssl_check_path(L, 2);
    errno = 0;
    f = fopen(path, "rb");
    if (!f)
        return pyssl_raise_errno(L, errno, path);
    ERR_clear_error();
    errno = 0;
    /* CPython reads DH parameters with the (deprecated) DH API; so does
     * pyssl, to accept exactly the same files. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    dh = PEM_read_DHparams(f, NULL, NULL, NULL);
    saved_errno = errno;
    fclose(f);
    if (!dh) {
        if (saved_errno != 0) {
            ERR_clear_error();
            return pyssl_raise_errno(L, saved_errno, path);
        }
        return pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
    }
    ok = SSL_CTX_set_tmp_dh(self->ctx, dh) != 0;
    DH_free(dh);
#pragma GCC diagnostic pop
    if (!ok)
        return pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
    return 0;
}

void pyssl_open_ciphers(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"set_ciphers", ctx_set_ciphers},
        {"get_ciphers", ctx_get_ciphers},
        {"set_ecdh_curve", ctx_set_ecdh_curve},
        {"load_dh_params", ctx_load_dh_params},
        {NULL, NULL}
    };
    pyssl_class_extend(L, "SSLContext", methods, NULL, NULL);
}

/* SSLContext, continued: the certificates a context trusts
 * (load_verify_locations, set_default_verify_paths, cert_store_stats,
 * get_ca_certs).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "pyssl.h"

/* --------------------------------------------------- load_verify_locations */

/* What one certificate or CRL in the store holds: 5.8 KB on average over
 * Debian's 144 CAs (create_default_context() vs a bare SSLContext). */
#define STORE_OBJECT_BYTES (6 * 1024)

static int store_size(pyssl_context *self)
{
    return sk_X509_OBJECT_num(X509_STORE_get0_objects(SSL_CTX_get_cert_store(self->ctx)));
}

/* Counts what a load added to the store as collector debt. */
static void account_store_growth(lua_State *L, pyssl_context *self, int size_before)
{
    int added = store_size(self) - size_before;
    if (added > 0)
        pyssl_add_gc_debt(L, (size_t)added * STORE_OBJECT_BYTES);
}

/* Adds every certificate (and nothing else) from cadata to the store.
 * Returns 0 when done; on failure raises. */
static int add_ca_certs(lua_State *L, pyssl_context *self, const char *data, size_t len, int pem)
{
    X509_STORE *store = SSL_CTX_get_cert_store(self->ctx);
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    int loaded = 0;
    unsigned long err;

    if (!bio)
        return pyssl_raise_queue(L, NULL, "cannot allocate a memory BIO", PYSSL_LOC);
    ERR_clear_error();
    for (;;) {
        X509 *cert;
        int added;
        /* DER ends where the data ends: anything after the last certificate
         * is an error (Python 3.12+; 3.11 ignored a bad header there). */
        if (!pem && BIO_eof(bio))
            break;
        cert = pem ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : d2i_X509_bio(bio, NULL);
        if (!cert)
            break;
        added = X509_STORE_add_cert(store, cert);
        X509_free(cert);
        if (!added) {
            err = ERR_peek_last_error();
            if (ERR_GET_LIB(err) != ERR_LIB_X509 ||
                ERR_GET_REASON(err) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
                BIO_free(bio);
                return pyssl_raise_queue(L, NULL, "cannot add a CA certificate", PYSSL_LOC);
            }
            ERR_clear_error();
        }
        loaded++;
    }
    /* The PEM reader stops with an error; at the end of the data it is
     * the one that means "nothing more". */
    err = ERR_peek_last_error();
    BIO_free(bio);
    if (loaded == 0) {
        ERR_clear_error();
        return pyssl_raise_located(L, pem ? "no start line: cadata does not contain a certificate"
                                          : "not enough data: cadata does not contain a certificate",
                                   PYSSL_LOC);
    }
    if (pem && ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        return 0;
    }
    if (err)
        return pyssl_raise_queue(L, NULL, "cannot load cadata", PYSSL_LOC);
    return 0;
}

/* load_verify_locations(cafile=None, capath=None, cadata=None) */
static int ctx_load_verify_locations(lua_State *L)
{
    static const char *const names[] = {"cafile", "capath", "cadata", NULL};
    static const pyssl_sig sig = {"load_verify_locations", PYSSL_PARAMS(names), 3, 0, PYSSL_WORDING_CLINIC, 0};
    pyssl_context *self = pyssl_check_context(L, 1);
    const char *cafile = NULL, *capath = NULL;
    int size_before;

    pyssl_bind(L, &sig, 2);
    if (lua_isnil(L, 2) && lua_isnil(L, 3) && lua_isnil(L, 4))
        return pyssl_raise(L, "TypeError", "cafile, capath and cadata cannot be all omitted");
    if (!lua_isnil(L, 2) && !pyssl_is_path(L, 2))
        return pyssl_raise(L, "TypeError", "cafile should be a valid filesystem path");
    if (!lua_isnil(L, 3) && !pyssl_is_path(L, 3))
        return pyssl_raise(L, "TypeError", "capath should be a valid filesystem path");
    size_before = store_size(self);
    if (!lua_isnil(L, 4)) {
        size_t len;
        const char *data;
        if (lua_type(L, 4) != LUA_TSTRING)
            return pyssl_raise(L, "TypeError", "cadata should be an ASCII string or a bytes-like object");
        data = lua_tolstring(L, 4, &len);
        if (len == 0)
            return pyssl_raise(L, "ValueError", "Empty certificate data");
        if (len > INT_MAX)
            return pyssl_raise(L, "OverflowError", "cadata is too long");
        /* Lua has one string type: PEM text is recognised by its marker. */
        add_ca_certs(L, self, data, len, strstr(data, "-----BEGIN ") != NULL);
    }
    cafile = lua_tostring(L, 2);
    capath = lua_tostring(L, 3);
    if (cafile || capath) {
        int saved_errno;
        ERR_clear_error();
        errno = 0;
        if (SSL_CTX_load_verify_locations(self->ctx, cafile, capath) != 1) {
            saved_errno = errno;
            if (saved_errno != 0) {
                ERR_clear_error();
                return pyssl_raise_errno(L, saved_errno, NULL);
            }
            return pyssl_raise_queue(L, NULL, "cannot load verify locations", PYSSL_LOC);
        }
    }
    account_store_growth(L, self, size_before);
    return 0;
}

/* cert_store_stats() -> {x509=, crl=, x509_ca=} */
static int ctx_cert_store_stats(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    STACK_OF(X509_OBJECT) *objs;
    int i, x509 = 0, crl = 0, ca = 0;
    pyssl_check_nargs(L, "_SSLContext.cert_store_stats", 0);
    objs = X509_STORE_get0_objects(SSL_CTX_get_cert_store(self->ctx));
    for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
        X509_OBJECT *obj = sk_X509_OBJECT_value(objs, i);
        switch (X509_OBJECT_get_type(obj)) {
        case X509_LU_X509:
            x509++;
            if (X509_check_ca(X509_OBJECT_get0_X509(obj)))
                ca++;
            break;
        case X509_LU_CRL:
            crl++;
            break;
        default:
            break;
        }
    }
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, x509);
    lua_setfield(L, -2, "x509");
    lua_pushinteger(L, crl);
    lua_setfield(L, -2, "crl");
    lua_pushinteger(L, ca);
    lua_setfield(L, -2, "x509_ca");
    return 1;
}

/* set_default_verify_paths(): OpenSSL's default CA file and directory
 * (SSL_CERT_FILE / SSL_CERT_DIR override them). */
static int ctx_set_default_verify_paths(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    int size_before;
    pyssl_check_nargs(L, "_SSLContext.set_default_verify_paths", 0);
    size_before = store_size(self);
    ERR_clear_error();
    if (!SSL_CTX_set_default_verify_paths(self->ctx))
        return pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
    account_store_growth(L, self, size_before);
    return 0;
}

/* get_ca_certs(binary_form=False) -> the loaded certificates that are CAs,
 * as getpeercert()-style dicts or DER strings. The store's certificates
 * are held (a copy of the list, each up-ref'd) while the result is built:
 * a finalizer may close the context or add to its store meanwhile. */
static int ctx_get_ca_certs(lua_State *L)
{
    static const char *const names[] = {"binary_form", NULL};
    static const pyssl_sig sig = {"get_ca_certs", PYSSL_PARAMS(names), 1, 0, PYSSL_WORDING_CLINIC, 0};
    pyssl_context *self = pyssl_check_context(L, 1);
    pyssl_hold *h;
    int i, n = 0, binary;
    pyssl_bind(L, &sig, 2);
    binary = lua_toboolean(L, 2);
    h = pyssl_push_hold(L);
    self = pyssl_check_context(L, 1);   /* again: the hold's allocation may have closed it */
    ERR_clear_error();
    if (!(h->certs = X509_STORE_get1_all_certs(SSL_CTX_get_cert_store(self->ctx))))
        return pyssl_raise_nomem(L);
    lua_newtable(L);
    for (i = 0; i < sk_X509_num(h->certs); i++) {
        X509 *cert = sk_X509_value(h->certs, i);
        if (!X509_check_ca(cert))
            continue;
        if (binary)
            pyssl_push_cert_der(L, cert);
        else
            pyssl_push_cert_dict(L, cert);
        lua_rawseti(L, -2, ++n);
    }
    pyssl_release_hold(L, 3);
    return 1;
}

/* session_stats() -> the counters of the context's session cache. */

void pyssl_open_truststore(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"load_verify_locations", ctx_load_verify_locations},
        {"set_default_verify_paths", ctx_set_default_verify_paths},
        {"cert_store_stats", ctx_cert_store_stats},
        {"get_ca_certs", ctx_get_ca_certs},
        {NULL, NULL}
    };
    pyssl_class_extend(L, "SSLContext", methods, NULL, NULL);
}

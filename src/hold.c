/* Holds: the OpenSSL references a C function owns for the length of one
 * call (HACKING.md, "Memory safety").
 *
 * Any Lua allocation can run the collector, and so any finalizer; a
 * finalizer can close an SSLContext or SSLObject, which frees what
 * OpenSSL keeps behind it. A function that uses an OpenSSL object across
 * anything that can run Lua takes a reference of its own first
 * (SSL_get1_*, X509_chain_up_ref, SSL_CTX_up_ref, a copy of a list) and
 * stores it in a hold: a userdata on the Lua stack, pushed before the
 * reference is taken, whose __gc frees what it holds. So an error raised
 * part-way (Lua running out of memory included) leaks nothing, and the
 * normal path releases the references at once with pyssl_release_hold.
 */
#include "pyssl.h"

#define CLASS "_Hold"

static void hold_free(pyssl_hold *h)
{
    SSL_CTX_free(h->ctx);
    h->ctx = NULL;
    X509_free(h->cert);
    h->cert = NULL;
    sk_X509_pop_free(h->certs, X509_free);
    h->certs = NULL;
    sk_SSL_CIPHER_free(h->ciphers);   /* SSL_CIPHERs are OpenSSL's static data */
    h->ciphers = NULL;
    SSL_SESSION_free(h->session);
    h->session = NULL;
}

static int hold_close(lua_State *L)
{
    pyssl_hold *h = lua_touserdata(L, 1);
    if (h)
        hold_free(h);
    return 0;
}

pyssl_hold *pyssl_push_hold(lua_State *L)
{
    return pyssl_new_object(L, CLASS, sizeof(pyssl_hold));
}

void pyssl_release_hold(lua_State *L, int idx)
{
    hold_free(lua_touserdata(L, idx));
}

int pyssl_raise_nomem(lua_State *L)
{
    ERR_clear_error();
    lua_pushliteral(L, "not enough memory");
    return lua_error(L);
}

void pyssl_open_hold(lua_State *L)
{
    static const pyssl_class cls = {
        .name = CLASS,
        .qualname = "_ssl._Hold",
        .no_construct = "cannot create '_ssl._Hold' instances",
        .close = hold_close,
        .nuv = 1,
    };
    pyssl_class_register(L, &cls);
}

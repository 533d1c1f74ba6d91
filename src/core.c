/* pyssl.core: the module table of the C core (CPython's _ssl).
 *
 * Initialises OpenSSL as CPython does (the default configuration file is
 * loaded, so OPENSSL_CONF works), creates the per-state data every C
 * function sees as upvalue 1, and lets each concept's file register its
 * classes, functions and constants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <openssl/crypto.h>
#include "pyssl.h"
#include "pyssl_api.h"

int pyssl_conn_exdata_index = -1;
int pyssl_context_exdata_index = -1;

#ifdef PYSSL_DEBUG
void pyssl_assert_failed(const char *cond, const char *file, int line)
{
    fprintf(stderr, "%s:%d: pyssl invariant failed: %s\n", file, line, cond);
    abort();
}
#endif

static CRYPTO_ONCE init_once = CRYPTO_ONCE_STATIC_INIT;

static void init_openssl(void)
{
    if (!OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL))
        return;
    pyssl_conn_exdata_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    pyssl_context_exdata_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

int luaopen_pyssl_core(lua_State *L)
{
    if (!CRYPTO_THREAD_run_once(&init_once, init_openssl) ||
        pyssl_conn_exdata_index < 0 || pyssl_context_exdata_index < 0)
        return luaL_error(L, "pyssl: OpenSSL initialisation failed");

    if (lua_getfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY) != LUA_TUSERDATA) {
        lua_newuserdatauv(L, sizeof(pyssl_state), 0);
        lua_setfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY);
    }
    lua_pop(L, 1);

    lua_newtable(L);
    pyssl_open_args(L);
    pyssl_open_class(L);
    pyssl_open_bind(L);
    pyssl_open_errors(L);
    pyssl_open_constants(L);
    pyssl_open_hold(L);
    pyssl_open_x509(L);
    pyssl_open_misc(L);
    pyssl_open_bio(L);
    pyssl_open_session(L);
    pyssl_open_context(L);
    pyssl_open_truststore(L);
    pyssl_open_ciphers(L);
    pyssl_open_callbacks(L);
    pyssl_open_sslobject(L);
    pyssl_open_socket(L);
    pyssl_open_sslsocket(L);
    pyssl_open_capi(L);
    pyssl_open_hashlib(L);
    pyssl_open_epoll(L);
    return 1;
}

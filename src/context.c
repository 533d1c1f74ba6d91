/* SSLContext: an SSL_CTX with Python's defaults, its properties and
 * load_cert_chain (CPython's _ssl._SSLContext). The other methods live by
 * concept: truststore.c (CA store), ciphers.c (ciphers, groups, DH
 * parameters), callbacks.c (SNI, PSK, ALPN, keylog); the Python-level
 * parts are in lua/pyssl/context.lua.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "pyssl.h"

#define CLASS "SSLContext"

/* Python's VerifyMode. */
enum { CERT_NONE = 0, CERT_OPTIONAL = 1, CERT_REQUIRED = 2 };

/* CPython's default cipher string (PY_SSL_DEFAULT_CIPHER_STRING). */
#define DEFAULT_CIPHERS \
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"

/* Longest password OpenSSL's PEM code accepts (PEM_BUFSIZE). */
#define PASSWORD_MAX 1024

static const uint64_t deprecated_protocol_options =
    SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
    SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3;

pyssl_context *pyssl_check_context(lua_State *L, int idx)
{
    pyssl_context *self = pyssl_check_object(L, idx, CLASS);
    if (!self->ctx)
        pyssl_raise(L, "ValueError", "SSLContext has been closed");
    /* An open context is the one its SSL_CTX points back to (ALPN's
     * callback finds it so; pyssl_push_wrapped_context refuses a second). */
    PYSSL_ASSERT(SSL_CTX_get_ex_data(self->ctx, pyssl_context_exdata_index) == self);
    return self;
}

static void deprecated(lua_State *L, const char *what)
{
    lua_warning(L, "DeprecationWarning: ", 1);
    lua_warning(L, what, 0);
}

/* The OpenSSL method for a Python protocol number, or NULL. */
static const SSL_METHOD *method_for(lua_State *L, lua_Integer protocol)
{
    switch (protocol) {
    case PYSSL_PROTOCOL_TLS:
        deprecated(L, "ssl.PROTOCOL_TLS is deprecated");
        return TLS_method();
    case PYSSL_PROTOCOL_TLS_CLIENT:
        return TLS_client_method();
    case PYSSL_PROTOCOL_TLS_SERVER:
        return TLS_server_method();
    /* The version-pinned methods are deprecated in OpenSSL 3 too, but
     * CPython still uses them: their contexts report no min/max version. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    case PYSSL_PROTOCOL_TLSv1:
        deprecated(L, "ssl.PROTOCOL_TLSv1 is deprecated");
        return TLSv1_method();
    case PYSSL_PROTOCOL_TLSv1_1:
        deprecated(L, "ssl.PROTOCOL_TLSv1_1 is deprecated");
        return TLSv1_1_method();
    case PYSSL_PROTOCOL_TLSv1_2:
        deprecated(L, "ssl.PROTOCOL_TLSv1_2 is deprecated");
        return TLSv1_2_method();
#pragma GCC diagnostic pop
    default:
        return NULL;
    }
}

/* Applies CPython's defaults to a new SSL_CTX. */
static int configure_defaults(pyssl_context *self)
{
    SSL_CTX *ctx = self->ctx;
    uint64_t options = (SSL_OP_ALL & ~SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS) |
                       SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
                       SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_DH_USE |
                       SSL_OP_SINGLE_ECDH_USE;
    static const unsigned char session_id_context[] = "pyssl";

    if (self->protocol == PYSSL_PROTOCOL_TLS_CLIENT) {
        self->check_hostname = 1;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    SSL_CTX_set_options(ctx, options);
    if (!SSL_CTX_set_cipher_list(ctx, DEFAULT_CIPHERS))
        return 0;
    if (self->protocol == PYSSL_PROTOCOL_TLS || self->protocol == PYSSL_PROTOCOL_TLS_CLIENT ||
        self->protocol == PYSSL_PROTOCOL_TLS_SERVER)
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* Idle connections give their read/write buffers back. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    /* Servers need a session id context to resume sessions of verified
     * clients (CPython gives one to every server-side SSL). A client must
     * not have one: TLS 1.3 sessions made by a PSK client callback have
     * none, and OpenSSL refuses a server hello resuming them otherwise. */
    if (self->protocol != PYSSL_PROTOCOL_TLS_CLIENT)
        SSL_CTX_set_session_id_context(ctx, session_id_context, sizeof session_id_context - 1);
    X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx), X509_V_FLAG_TRUSTED_FIRST);
    self->hostflags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(ctx), self->hostflags);
    return 1;
}

/* What a new SSL_CTX holds: 13-14 KB here, before certificates. */
#define CONTEXT_BYTES (12 * 1024)

/* SSLContext(protocol) */
static int ctx_new(lua_State *L)
{
    static const char *const names[] = {"protocol", NULL};
    static const pyssl_sig sig = {"SSLContext", PYSSL_PARAMS(names), 1, 0, PYSSL_WORDING_KEYWORDS, 0};
    pyssl_context *self;
    const SSL_METHOD *method;
    lua_Integer protocol;

    pyssl_bind(L, &sig, 2);
    if (lua_isnil(L, 2)) {
        deprecated(L, "ssl.SSLContext() without protocol argument is deprecated.");
        protocol = PYSSL_PROTOCOL_TLS;
    } else {
        protocol = pyssl_check_index(L, 2);
    }
    method = method_for(L, protocol);
    if (!method)
        return pyssl_raise(L, "ValueError", "invalid or unsupported protocol version %lld",
                           (long long)protocol);
    self = pyssl_new_object(L, CLASS, sizeof *self);
    self->protocol = (int)protocol;
    ERR_clear_error();
    self->ctx = SSL_CTX_new(method);
    if (!self->ctx)
        return pyssl_raise_queue(L, NULL, "failed to allocate SSL context", PYSSL_LOC);
    SSL_CTX_set_ex_data(self->ctx, pyssl_context_exdata_index, self);
    if (!configure_defaults(self)) {
        ERR_clear_error();
        return pyssl_raise_bare(L, "SSLError", "No cipher can be selected.");
    }
    pyssl_add_gc_debt(L, CONTEXT_BYTES);
    return 1;
}

/* Python's protocol number for the method of an SSL_CTX made elsewhere,
 * or -1 for a method SSLContext() does not make. */
static int protocol_of_method(const SSL_METHOD *method)
{
    if (method == TLS_client_method())
        return PYSSL_PROTOCOL_TLS_CLIENT;
    if (method == TLS_server_method())
        return PYSSL_PROTOCOL_TLS_SERVER;
    if (method == TLS_method())
        return PYSSL_PROTOCOL_TLS;
    return -1;
}

void pyssl_push_wrapped_context(lua_State *L, SSL_CTX *ctx)
{
    pyssl_context *self;
    int protocol = protocol_of_method(SSL_CTX_get_ssl_method(ctx));
    if (protocol < 0)
        pyssl_raise(L, "ValueError", "the SSL_CTX's method is not TLS_method(), "
                    "TLS_client_method() or TLS_server_method()");
    if (SSL_CTX_get_ex_data(ctx, pyssl_context_exdata_index))
        pyssl_raise(L, "ValueError", "the SSL_CTX already backs an open SSLContext");
    self = pyssl_new_object(L, CLASS, sizeof *self);
    if (!SSL_CTX_up_ref(ctx))
        pyssl_raise(L, "MemoryError", "SSL_CTX_up_ref failed");
    self->ctx = ctx;
    self->protocol = protocol;
    /* Python's invariant: check_hostname needs a verifying context. */
    self->check_hostname = protocol == PYSSL_PROTOCOL_TLS_CLIENT &&
                           (SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER);
    self->hostflags = X509_VERIFY_PARAM_get_hostflags(SSL_CTX_get0_param(ctx));
    SSL_CTX_set_ex_data(ctx, pyssl_context_exdata_index, self);
}

/* __gc / __close. Live SSL objects keep their own reference to the SSL_CTX;
 * the C callbacks find this object through the SSL_CTX's ex_data (cleared
 * here) or the connection's user values, and do nothing once it is closed. */
static int ctx_close(lua_State *L)
{
    static const int callback_slots[] = {
        PYSSL_CTX_UV_SNI, PYSSL_CTX_UV_PSK_CLIENT, PYSSL_CTX_UV_PSK_SERVER, PYSSL_CTX_UV_KEYLOG,
        PYSSL_CTX_UV_MSG
    };
    pyssl_context *self = lua_touserdata(L, 1);
    size_t i;
    if (!self)
        return 0;
    if (self->ctx) {
        SSL_CTX_set_ex_data(self->ctx, pyssl_context_exdata_index, NULL);
        SSL_CTX_free(self->ctx);
        self->ctx = NULL;
    }
    if (self->keylog_bio) {
        BIO_free_all(self->keylog_bio);
        self->keylog_bio = NULL;
    }
    OPENSSL_free(self->alpn);
    self->alpn = NULL;
    self->alpn_len = 0;
    /* The callbacks go at once (they may hold large closures). */
    for (i = 0; i < sizeof callback_slots / sizeof callback_slots[0]; i++) {
        lua_pushnil(L);
        lua_setiuservalue(L, 1, callback_slots[i]);
    }
    return 0;
}

/* ------------------------------------------------------------ properties */

static int get_protocol(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_pushinteger(L, self->protocol);
    return 1;
}

static int get_verify_mode(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    int mode = SSL_CTX_get_verify_mode(self->ctx);
    if (!(mode & SSL_VERIFY_PEER))
        lua_pushinteger(L, CERT_NONE);
    else if (mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT)
        lua_pushinteger(L, CERT_REQUIRED);
    else
        lua_pushinteger(L, CERT_OPTIONAL);
    return 1;
}

/* Sets the OpenSSL verify mode for a Python VerifyMode value. */
void pyssl_context_set_verify(lua_State *L, pyssl_context *self, lua_Integer mode)
{
    int flags;
    switch (mode) {
    case CERT_NONE: flags = SSL_VERIFY_NONE; break;
    case CERT_OPTIONAL: flags = SSL_VERIFY_PEER; break;
    case CERT_REQUIRED: flags = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT; break;
    default:
        pyssl_raise(L, "ValueError", "invalid value for verify_mode");
        return;
    }
    if (mode == CERT_NONE && self->check_hostname)
        pyssl_raise(L, "ValueError",
                    "Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
    /* Post-handshake authentication is applied per connection when it is
     * created (pyssl_conn_new), as CPython does: never at context level. */
    SSL_CTX_set_verify(self->ctx, flags, SSL_CTX_get_verify_callback(self->ctx));
}

static int set_verify_mode(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_Integer mode = pyssl_check_index(L, 2);
    /* The setter parses a C int first ("i"), then checks the value. */
    if (mode > INT_MAX)
        return pyssl_raise(L, "OverflowError", "signed integer is greater than maximum");
    if (mode < INT_MIN)
        return pyssl_raise(L, "OverflowError", "signed integer is less than minimum");
    pyssl_context_set_verify(L, self, mode);
    return 0;
}

static int get_check_hostname(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_pushboolean(L, self->check_hostname);
    return 1;
}

static int set_check_hostname(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    int enable = lua_toboolean(L, 2);
    /* Checking a hostname needs a verified certificate. */
    if (enable && SSL_CTX_get_verify_mode(self->ctx) == SSL_VERIFY_NONE)
        pyssl_context_set_verify(L, self, CERT_REQUIRED);
    self->check_hostname = enable;
    return 0;
}

static int get_options(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_pushinteger(L, (lua_Integer)SSL_CTX_get_options(self->ctx));
    return 1;
}

static int set_options(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_Integer value = pyssl_check_index(L, 2);
    uint64_t wanted = (uint64_t)value;
    uint64_t current = SSL_CTX_get_options(self->ctx);
    uint64_t to_set = wanted & ~current, to_clear = current & ~wanted;
    /* 3.13's check (3.11 masked -1 to every bit) */
    if (value < 0)
        return pyssl_raise(L, "OverflowError", "can't convert negative int to unsigned");
    if (to_set & deprecated_protocol_options)
        deprecated(L, "ssl.OP_NO_SSL*/ssl.OP_NO_TLS* options are deprecated");
    SSL_CTX_clear_options(self->ctx, to_clear);
    SSL_CTX_set_options(self->ctx, to_set);
    return 0;
}

static int get_verify_flags(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_pushinteger(L, (lua_Integer)X509_VERIFY_PARAM_get_flags(SSL_CTX_get0_param(self->ctx)));
    return 1;
}

static int set_verify_flags(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(self->ctx);
    unsigned long wanted, current = X509_VERIFY_PARAM_get_flags(param);
    if (!lua_isinteger(L, 2))
        return pyssl_raise(L, "TypeError", "argument must be int, not %s",
                           lua_isnil(L, 2) ? "None" : pyssl_typename(L, 2));
    wanted = (unsigned long)lua_tointeger(L, 2);
    ERR_clear_error();
    if (!X509_VERIFY_PARAM_clear_flags(param, current & ~wanted) ||
        !X509_VERIFY_PARAM_set_flags(param, wanted & ~current))
        return pyssl_raise_queue(L, NULL, "failed to set verify flags", PYSSL_LOC);
    return 0;
}

/* Python's TLSVersion.MINIMUM_SUPPORTED / MAXIMUM_SUPPORTED. */
enum { VERSION_MINIMUM_SUPPORTED = -2, VERSION_MAXIMUM_SUPPORTED = -1 };

/* The lowest and highest protocol versions this libssl can speak, which
 * the two "supported" bounds stand for when they are set on the other end. */
#ifndef OPENSSL_NO_SSL3
#define VERSION_LOWEST SSL3_VERSION
#else
#define VERSION_LOWEST TLS1_VERSION
#endif
#define VERSION_HIGHEST TLS1_3_VERSION

static int get_minimum_version(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    int v = SSL_CTX_get_min_proto_version(self->ctx);
    lua_pushinteger(L, v == 0 ? VERSION_MINIMUM_SUPPORTED : v);
    return 1;
}

static int get_maximum_version(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    int v = SSL_CTX_get_max_proto_version(self->ctx);
    lua_pushinteger(L, v == 0 ? VERSION_MAXIMUM_SUPPORTED : v);
    return 1;
}

/* Sets the lower (maximum == 0) or upper bound, with CPython's checks in
 * CPython's order: type, range of a C int, protocol, known version. */
static int set_version_bound(lua_State *L, int maximum)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_Integer v = pyssl_check_index(L, 2);
    int ok;
    if (v > INT_MAX)
        return pyssl_raise(L, "OverflowError", "Option is too long");
    if (self->protocol != PYSSL_PROTOCOL_TLS && self->protocol != PYSSL_PROTOCOL_TLS_CLIENT &&
        self->protocol != PYSSL_PROTOCOL_TLS_SERVER)
        return pyssl_raise(L, "ValueError", "The context's protocol doesn't support "
                           "modification of highest and lowest version.");
    switch (v) {
    case SSL3_VERSION: deprecated(L, "ssl.TLSVersion.SSLv3 is deprecated"); break;
    case TLS1_VERSION: deprecated(L, "ssl.TLSVersion.TLSv1 is deprecated"); break;
    case TLS1_1_VERSION: deprecated(L, "ssl.TLSVersion.TLSv1_1 is deprecated"); break;
    case TLS1_2_VERSION: case TLS1_3_VERSION:
    case VERSION_MINIMUM_SUPPORTED: case VERSION_MAXIMUM_SUPPORTED:
        break;
    default:
        /* Python formats the value as a C unsigned int. */
        return pyssl_raise(L, "ValueError", "Unsupported TLS/SSL version 0x%x", (unsigned int)v);
    }
    /* 0 means "no bound"; the opposite "supported" value means the
     * library's own extreme. */
    if (v == (maximum ? VERSION_MAXIMUM_SUPPORTED : VERSION_MINIMUM_SUPPORTED))
        v = 0;
    else if (v == VERSION_MAXIMUM_SUPPORTED)
        v = VERSION_HIGHEST;
    else if (v == VERSION_MINIMUM_SUPPORTED)
        v = VERSION_LOWEST;
    ok = maximum ? SSL_CTX_set_max_proto_version(self->ctx, (int)v)
                 : SSL_CTX_set_min_proto_version(self->ctx, (int)v);
    if (!ok) {
        ERR_clear_error();
        return pyssl_raise(L, "ValueError", "Unsupported protocol version 0x%x", (unsigned int)v);
    }
    return 0;
}

static int set_minimum_version(lua_State *L)
{
    return set_version_bound(L, 0);
}

static int set_maximum_version(lua_State *L)
{
    return set_version_bound(L, 1);
}

static int get_num_tickets(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_pushinteger(L, (lua_Integer)SSL_CTX_get_num_tickets(self->ctx));
    return 1;
}

static int set_num_tickets(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_Integer n = pyssl_check_index(L, 2);
    if (n < 0)
        return pyssl_raise(L, "ValueError", "value must be non-negative");
    if (self->protocol != PYSSL_PROTOCOL_TLS_SERVER)
        return pyssl_raise(L, "ValueError", "SSLContext is not a server context.");
    if (SSL_CTX_set_num_tickets(self->ctx, (size_t)n) != 1)
        return pyssl_raise(L, "ValueError", "failed to set num tickets.");
    return 0;
}

static int get_security_level(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_pushinteger(L, SSL_CTX_get_security_level(self->ctx));
    return 1;
}

static int get_post_handshake_auth(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_pushboolean(L, self->post_handshake_auth);
    return 1;
}

/* Only remembered here: each new connection applies it (client: offer
 * the extension; server: SSL_VERIFY_POST_HANDSHAKE when verifying peers). */
static int set_post_handshake_auth(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    self->post_handshake_auth = lua_toboolean(L, 2);
    return 0;
}

static int get_hostname_checks_common_name(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_pushboolean(L, !(self->hostflags & X509_CHECK_FLAG_NEVER_CHECK_SUBJECT));
    return 1;
}

static int set_hostname_checks_common_name(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    if (lua_toboolean(L, 2))
        self->hostflags &= ~(unsigned int)X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
    else
        self->hostflags |= X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
    X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(self->ctx), self->hostflags);
    return 0;
}

/* The self check of sslsocket_class and sslobject_class: an open
 * context, as for every other SSLContext attribute. */
static void *check_open_context(lua_State *L, int idx)
{
    return pyssl_check_context(L, idx);
}

/* -------------------------------------------------------- load_cert_chain */

/* What the PEM password callback needs; lives on the C stack during one
 * load_cert_chain call. */
typedef struct password_source {
    lua_State *L;
    int value;       /* stack index of the password (string or function) */
    int error_slot;  /* stack index where a callback error is stored */
    int failed;      /* the callback stored an error there */
} password_source;

/* Stores the error at the top of the stack for the caller to re-raise. */
static int password_fail(password_source *src)
{
    lua_replace(src->L, src->error_slot);
    src->failed = 1;
    return -1;
}

/* OpenSSL's pem_password_cb. Runs Lua under lua_pcall: errors never
 * unwind through OpenSSL. */
static int password_callback(char *buf, int size, int rwflag, void *userdata)
{
    password_source *src = userdata;
    lua_State *L = src->L;
    const char *password;
    size_t len;
    (void)rwflag;
    if (src->failed)
        return -1;
    if (lua_type(L, src->value) != LUA_TSTRING) {   /* a callable */
        lua_pushvalue(L, src->value);
        if (lua_pcall(L, 0, 1, 0) != LUA_OK)
            return password_fail(src);
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 1);
            lua_pushliteral(L, "password callback must return a string");
            pyssl_push_error(L, "TypeError", 1);
            return password_fail(src);
        }
    } else {
        lua_pushvalue(L, src->value);
    }
    password = lua_tolstring(L, -1, &len);
    if (len > PASSWORD_MAX || len > (size_t)size) {
        lua_pop(L, 1);
        lua_pushfstring(L, "password cannot be longer than %d bytes", PASSWORD_MAX);
        pyssl_push_error(L, "ValueError", 1);
        return password_fail(src);
    }
    memcpy(buf, password, len);
    lua_pop(L, 1);
    return (int)len;
}

/* Raises what a failed certificate/key load means, as CPython decides:
 * the callback's own error, an OSError from errno, or the queue. */
static int raise_load_failure(lua_State *L, password_source *src, int saved_errno)
{
    if (src->failed) {
        ERR_clear_error();
        lua_pushvalue(L, src->error_slot);
        return lua_error(L);
    }
    if (saved_errno != 0) {
        ERR_clear_error();
        return pyssl_raise_errno(L, saved_errno, NULL);
    }
    return pyssl_raise_queue(L, NULL, "failed to load certificate", PYSSL_LOC);
}

/* load_cert_chain(certfile, keyfile=None, password=None). The password
 * callback runs Lua, which may close this context: the SSL_CTX is held
 * (a reference of our own) for the whole load, and a context closed
 * meanwhile is reported once OpenSSL is done with it. */
static int ctx_load_cert_chain(lua_State *L)
{
    static const char *const names[] = {"certfile", "keyfile", "password", NULL};
    static const pyssl_sig sig = {"load_cert_chain", PYSSL_PARAMS(names), 3, 0, PYSSL_WORDING_CLINIC, 0};
    pyssl_context *self = pyssl_check_context(L, 1);
    password_source src = {L, 4, 5, 0};
    pem_password_cb *old_cb;
    void *old_userdata;
    const char *certfile, *keyfile;
    pyssl_hold *h;
    SSL_CTX *ctx;
    int ok, saved_errno;

    pyssl_bind(L, &sig, 2);
    if (!pyssl_is_path(L, 2))
        return pyssl_raise(L, "TypeError", "certfile should be a valid filesystem path");
    if (!lua_isnil(L, 3) && !pyssl_is_path(L, 3))
        return pyssl_raise(L, "TypeError", "keyfile should be a valid filesystem path");
    if (!lua_isnil(L, 4) && lua_type(L, 4) != LUA_TSTRING && !pyssl_is_callable(L, 4))
        return pyssl_raise(L, "TypeError", "password should be a string or callable");
    if (lua_type(L, 4) == LUA_TSTRING && lua_rawlen(L, 4) > PASSWORD_MAX)
        return pyssl_raise(L, "ValueError", "password cannot be longer than %d bytes", PASSWORD_MAX);
    certfile = lua_tostring(L, 2);
    keyfile = lua_isnil(L, 3) ? certfile : lua_tostring(L, 3);
    lua_settop(L, 4);
    lua_pushnil(L);                        /* 5: error slot for the callback */
    h = pyssl_push_hold(L);                /* 6 */
    self = pyssl_check_context(L, 1);      /* again: the hold's allocation may have closed it */
    ctx = self->ctx;
    SSL_CTX_up_ref(ctx);
    h->ctx = ctx;

    old_cb = SSL_CTX_get_default_passwd_cb(ctx);
    old_userdata = SSL_CTX_get_default_passwd_cb_userdata(ctx);
    if (!lua_isnil(L, 4)) {
        SSL_CTX_set_default_passwd_cb(ctx, password_callback);
        SSL_CTX_set_default_passwd_cb_userdata(ctx, &src);
    }

    ERR_clear_error();
    errno = 0;
    ok = SSL_CTX_use_certificate_chain_file(ctx, certfile) == 1;
    if (ok) {
        errno = 0;
        ok = SSL_CTX_use_PrivateKey_file(ctx, keyfile, SSL_FILETYPE_PEM) == 1;
    }
    saved_errno = errno;
    SSL_CTX_set_default_passwd_cb(ctx, old_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, old_userdata);
    if (self->ctx != ctx) {
        ERR_clear_error();
        return pyssl_raise(L, "ValueError", "SSLContext has been closed");
    }
    if (!ok)
        return raise_load_failure(L, &src, saved_errno);
    if (SSL_CTX_check_private_key(ctx) != 1)
        return pyssl_raise_queue(L, NULL, "key values mismatch", PYSSL_LOC);
    pyssl_release_hold(L, 6);
    return 0;
}

static int ctx_session_stats(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    SSL_CTX *ctx = self->ctx;
    const struct {
        const char *name;
        long value;
    } stats[] = {
        {"number", SSL_CTX_sess_number(ctx)},
        {"connect", SSL_CTX_sess_connect(ctx)},
        {"connect_good", SSL_CTX_sess_connect_good(ctx)},
        {"connect_renegotiate", SSL_CTX_sess_connect_renegotiate(ctx)},
        {"accept", SSL_CTX_sess_accept(ctx)},
        {"accept_good", SSL_CTX_sess_accept_good(ctx)},
        {"accept_renegotiate", SSL_CTX_sess_accept_renegotiate(ctx)},
        {"hits", SSL_CTX_sess_hits(ctx)},
        {"misses", SSL_CTX_sess_misses(ctx)},
        {"timeouts", SSL_CTX_sess_timeouts(ctx)},
        {"cache_full", SSL_CTX_sess_cache_full(ctx)},
    };
    size_t i;
    pyssl_check_nargs(L, "_SSLContext.session_stats", 0);
    lua_createtable(L, 0, (int)(sizeof stats / sizeof stats[0]));
    for (i = 0; i < sizeof stats / sizeof stats[0]; i++) {
        lua_pushinteger(L, stats[i].value);
        lua_setfield(L, -2, stats[i].name);
    }
    return 1;
}

void pyssl_open_context(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"load_cert_chain", ctx_load_cert_chain},
        {"session_stats", ctx_session_stats},
        {NULL, NULL}
    };
    static const luaL_Reg getters[] = {
        {"protocol", get_protocol},
        {"verify_mode", get_verify_mode},
        {"check_hostname", get_check_hostname},
        {"options", get_options},
        {"verify_flags", get_verify_flags},
        {"minimum_version", get_minimum_version},
        {"maximum_version", get_maximum_version},
        {"num_tickets", get_num_tickets},
        {"security_level", get_security_level},
        {"post_handshake_auth", get_post_handshake_auth},
        {"hostname_checks_common_name", get_hostname_checks_common_name},
        {NULL, NULL}
    };
    static const luaL_Reg setters[] = {
        {"verify_mode", set_verify_mode},
        {"check_hostname", set_check_hostname},
        {"options", set_options},
        {"verify_flags", set_verify_flags},
        {"minimum_version", set_minimum_version},
        {"maximum_version", set_maximum_version},
        {"num_tickets", set_num_tickets},
        {"post_handshake_auth", set_post_handshake_auth},
        {"hostname_checks_common_name", set_hostname_checks_common_name},
        {NULL, NULL}
    };
    /* `protocol` is a Python property in ssl.py: read-only with its wording. */
    static const char *const readonly[] = {"protocol", NULL};
    /* Class attributes of ssl.py's SSLContext that a context may replace. */
    static const pyssl_class_attribute class_attributes[] = {
        {"sslsocket_class", "SSLSocket"},
        {"sslobject_class", "SSLObject"},
        {NULL, NULL}
    };
    static const pyssl_class cls = {
        .name = CLASS,
        .qualname = "_ssl._SSLContext",
        .methods = methods,
        .getters = getters,
        .setters = setters,
        .construct = ctx_new,
        .close = ctx_close,
        .nuv = PYSSL_CTX_NUV,
        .has_dict = 1,
        .readonly = readonly,
        .class_attributes = class_attributes,
        .check_self = check_open_context,
    };
    pyssl_class_register(L, &cls);
    pyssl_push_class(L, CLASS);
    lua_setfield(L, -2, CLASS);
}

/* SSLContext, continued: what OpenSSL calls back during a handshake.
 *
 *   sni_callback                  servername callback (Lua function)
 *   set_psk_client_callback(fn)   PSK client callback (Lua function)
 *   set_psk_server_callback(fn, identity_hint)
 *   _set_alpn_protocols(wire)     ALPN offer (client) and choice (server)
 *   keylog_filename               NSS key log file
 *   _msg_callback                 every TLS message (Lua function)
 *
 * The Lua functions live in the context's user values. OpenSSL's C
 * callbacks never keep a lua_State: they find the connection being driven
 * through its ex_data (pyssl_conn_of), whose L and self_index the SSLObject
 * code sets around every OpenSSL call, and run Lua under lua_pcall. Errors
 * of the SNI and PSK functions are not raised (Python reports them as
 * "unraisable"): they go to warn() and fail the handshake.
 *
 * ALPN and keylog need no Lua: they reach the pyssl_context through the
 * SSL_CTX's ex_data, which a closed context clears.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "pyssl.h"

#define CLASS "SSLContext"

/* Stores the value at the top of the stack in user value `slot` of the
 * context at idx (pops it). */
static void set_slot(lua_State *L, int idx, int slot)
{
    lua_setiuservalue(L, idx, slot);
}

/* ------------------------------------------------ running Lua from OpenSSL */

/* Runs body(data, conn) under lua_pcall in the state of the Lua call that
 * is driving the connection of `ssl`. Returns 0 when there is no such call
 * or when body itself failed (its error is dropped: the caller's default
 * outcome, a failed handshake, stands). Nothing here can raise: pushing a
 * light C function, a light userdata and a stack value allocates nothing. */
static int run_in_connection(const SSL *ssl, lua_CFunction body, void *data)
{
    pyssl_conn *conn = pyssl_conn_of(ssl);
    lua_State *L;
    int top, status;
    if (!conn || !conn->L || conn->self_index <= 0)
        return 0;
    L = conn->L;
    /* The driving call's stack slot still holds this connection. */
    PYSSL_ASSERT(lua_touserdata(L, conn->self_index) == conn);
    if (!lua_checkstack(L, 4))
        return 0;
    top = lua_gettop(L);
    lua_pushcfunction(L, body);
    lua_pushlightuserdata(L, data);
    lua_pushvalue(L, conn->self_index);
    status = lua_pcall(L, 2, 0, 0);
    /* Nothing a callback does ends the step it runs in (closing the
     * connection from there raises). */
    PYSSL_ASSERT(conn->L == L && lua_touserdata(L, conn->self_index) == conn);
    lua_settop(L, top);
    return status == LUA_OK;
}

/* As run_in_connection, for callbacks whose errors Python raises later:
 * an error of body (the Lua function's, or a MemoryError) is stored in the
 * connection for the method driving it to raise once OpenSSL returns; a
 * later one replaces it, as in CPython. */
static void run_keeping_error(const SSL *ssl, lua_CFunction body, void *data)
{
    pyssl_conn *conn = pyssl_conn_of(ssl);
    lua_State *L;
    int top;
    if (!conn || !conn->L || conn->self_index <= 0)
        return;
    L = conn->L;
    if (!lua_checkstack(L, 4))
        return;
    top = lua_gettop(L);
    lua_pushcfunction(L, body);
    lua_pushlightuserdata(L, data);
    lua_pushvalue(L, conn->self_index);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        /* conn is the userdata at self_index: anchored for the whole call. */
        lua_setiuservalue(L, conn->self_index, PYSSL_CONN_UV_ERROR);
        conn->callback_failed = 1;
    }
    lua_settop(L, top);
}

/* Inside a body (1: data, 2: the connection object): pushes the context
 * of the connection (3), its callback in user value `slot` (4) and the
 * object callbacks see as the connection (5: the owner, or the object
 * itself). Returns 0, with the stack as it was, when there is no callback
 * (none set, or the context was closed). */
static int push_callback(lua_State *L, int slot)
{
    pyssl_context *ctx;
    lua_settop(L, 2);
    lua_getiuservalue(L, 2, PYSSL_CONN_UV_CONTEXT);
    ctx = pyssl_test_object(L, 3, CLASS);
    if (!ctx || !ctx->ctx || lua_getiuservalue(L, 3, slot) == LUA_TNIL) {
        lua_settop(L, 2);
        return 0;
    }
    if (lua_getiuservalue(L, 2, PYSSL_CONN_UV_OWNER) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushvalue(L, 2);
    }
    return 1;
}

/* Python's "unraisable" report, sent to warn():
 *   <where> <repr of the callback>:
 *   <ErrorClass>: <message>
 * The error is the value at err (removed from the stack). */
static void report_unraisable(lua_State *L, const char *where, int fn, int err)
{
    luaL_Buffer b;
    const char *cls;
    fn = lua_absindex(L, fn);
    err = lua_absindex(L, err);
    cls = pyssl_object_classname(L, err);
    luaL_buffinit(L, &b);
    luaL_addstring(&b, where);
    luaL_addchar(&b, ' ');
    pyssl_push_repr(L, fn);
    luaL_addvalue(&b);
    luaL_addstring(&b, ":\n");
    if (cls) {
        luaL_addstring(&b, cls);
        luaL_addstring(&b, ": ");
    }
    pyssl_push_str(L, err);
    luaL_addvalue(&b);
    luaL_pushresult(&b);
    lua_warning(L, lua_tostring(L, -1), 0);
    lua_pop(L, 1);
    lua_remove(L, err);
}

/* Pushes cls(printf-style message) without raising it. */
static void push_error(lua_State *L, const char *cls, const char *fmt, const char *arg)
{
    lua_pushfstring(L, fmt, arg);
    pyssl_push_error(L, cls, 1);
}

/* --------------------------------------------------------------- SNI */

#define SNI_WHERE "Exception ignored in ssl servername callback while calling set SNI callback"

typedef struct sni_call {
    SSL *ssl;
    int result;     /* SSL_TLSEXT_ERR_* */
    int alert;      /* alert description for SSL_TLSEXT_ERR_ALERT_FATAL */
} sni_call;

/* fn(conn, server_name or nil, original_context) */
static int sni_body(lua_State *L)
{
    sni_call *call = lua_touserdata(L, 1);
    const char *name;
    size_t i;
    lua_Integer alert = 0;

    if (!push_callback(L, PYSSL_CTX_UV_SNI)) {
        call->result = SSL_TLSEXT_ERR_OK;
        return 0;
    }
    name = SSL_get_servername(call->ssl, TLSEXT_NAMETYPE_host_name);
    /* The name is an A-label; Python decodes it as ASCII. */
    for (i = 0; name && name[i]; i++) {
        if ((unsigned char)name[i] >= 0x80) {
            lua_pushliteral(L, "ascii");
            lua_pushstring(L, name);
            lua_pushinteger(L, (lua_Integer)i);
            lua_pushinteger(L, (lua_Integer)i + 1);
            lua_pushliteral(L, "ordinal not in range(128)");
            pyssl_push_error(L, "UnicodeDecodeError", 5);
            report_unraisable(L, SNI_WHERE, 4, -1);
            call->alert = SSL_AD_INTERNAL_ERROR;
            call->result = SSL_TLSEXT_ERR_ALERT_FATAL;
            return 0;
        }
    }
    lua_pushvalue(L, 4);
    lua_pushvalue(L, 5);
    if (name)
        lua_pushstring(L, name);
    else
        lua_pushnil(L);
    lua_pushvalue(L, 3);
    call->result = SSL_TLSEXT_ERR_ALERT_FATAL;
    if (lua_pcall(L, 3, 1, 0) != LUA_OK) {
        report_unraisable(L, SNI_WHERE, 4, -1);
        call->alert = SSL_AD_HANDSHAKE_FAILURE;
        return 0;
    }
    if (lua_isnil(L, -1)) {
        call->result = SSL_TLSEXT_ERR_OK;
        return 0;
    }
    /* Anything else aborts: an integer is the alert to send. */
    if (lua_isinteger(L, -1) ||
        (lua_type(L, -1) == LUA_TNUMBER && lua_numbertointeger(lua_tonumber(L, -1), &alert) &&
         (lua_Number)alert == lua_tonumber(L, -1))) {
        call->alert = (int)(lua_isinteger(L, -1) ? lua_tointeger(L, -1) : alert);
        return 0;
    }
    push_error(L, "TypeError", "'%s' object cannot be interpreted as an integer",
               pyssl_typename(L, -1));
    report_unraisable(L, SNI_WHERE, 4, -1);
    call->alert = SSL_AD_INTERNAL_ERROR;
    return 0;
}

static int servername_callback(SSL *ssl, int *al, void *arg)
{
    sni_call call = {ssl, SSL_TLSEXT_ERR_ALERT_FATAL, SSL_AD_INTERNAL_ERROR};
    (void)arg;
    if (!run_in_connection(ssl, sni_body, &call)) {
        *al = SSL_AD_INTERNAL_ERROR;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    if (call.result != SSL_TLSEXT_ERR_OK)
        *al = call.alert;
    return call.result;
}

static int get_sni_callback(lua_State *L)
{
    pyssl_check_context(L, 1);
    lua_getiuservalue(L, 1, PYSSL_CTX_UV_SNI);
    return 1;
}

static int set_sni_callback(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_settop(L, 2);
    if (self->protocol == PYSSL_PROTOCOL_TLS_CLIENT)
        return pyssl_raise(L, "ValueError", "sni_callback cannot be set on TLS_CLIENT context");
    if (lua_isnil(L, 2)) {
        SSL_CTX_set_tlsext_servername_callback(self->ctx, NULL);
        set_slot(L, 1, PYSSL_CTX_UV_SNI);
        return 0;
    }
    if (!pyssl_is_callable(L, 2))
        return pyssl_raise(L, "TypeError", "not a callable object");
    set_slot(L, 1, PYSSL_CTX_UV_SNI);
    SSL_CTX_set_tlsext_servername_callback(self->ctx, servername_callback);
    return 0;
}

/* --------------------------------------------------------------- PSK */

typedef struct psk_call {
    const char *peer_text;          /* hint (client) or identity (server), or NULL */
    char *identity;                 /* client: where the identity goes */
    unsigned int max_identity_len;  /* client: room for it, NUL included */
    unsigned char *psk;
    unsigned int max_psk_len;
    unsigned int psk_len;           /* the result; 0 fails the handshake */
} psk_call;

static void push_peer_text(lua_State *L, const char *text)
{
    if (text && text[0])
        lua_pushstring(L, text);
    else
        lua_pushnil(L);
}

#define PSK_CLIENT_WHERE "Exception ignored in ssl PSK client callback while calling callback"
#define PSK_SERVER_WHERE "Exception ignored in ssl PSK server callback while calling callback"

/* fn(hint or nil) -> identity, psk   (or {identity, psk}) */
static int psk_client_body(lua_State *L)
{
    psk_call *call = lua_touserdata(L, 1);
    size_t identity_len = 0, psk_len;
    const char *identity = NULL, *psk;
    int first, second;

    if (!push_callback(L, PYSSL_CTX_UV_PSK_CLIENT))
        return 0;
    lua_pushvalue(L, 4);
    push_peer_text(L, call->peer_text);
    if (lua_pcall(L, 1, 2, 0) != LUA_OK) {
        report_unraisable(L, PSK_CLIENT_WHERE, 4, -1);
        return 0;
    }
    first = lua_gettop(L) - 1;
    second = first + 1;
    /* Python's callback returns a tuple; Lua may return a sequence. */
    if (lua_istable(L, first) && !pyssl_object_classname(L, first) && lua_isnil(L, second)) {
        lua_rawgeti(L, first, 1);
        lua_rawgeti(L, first, 2);
        first = lua_gettop(L) - 1;
        second = first + 1;
    }
    if (!lua_isnil(L, first) && lua_type(L, first) != LUA_TSTRING) {
        push_error(L, "TypeError", "argument 1 must be str or None, not %s", pyssl_typename(L, first));
        report_unraisable(L, PSK_CLIENT_WHERE, 4, -1);
        return 0;
    }
    if (lua_type(L, second) != LUA_TSTRING) {
        push_error(L, "TypeError", "argument 2 must be read-only bytes-like object, not %s",
                   pyssl_typename(L, second));
        report_unraisable(L, PSK_CLIENT_WHERE, 4, -1);
        return 0;
    }
    if (!lua_isnil(L, first))
        identity = lua_tolstring(L, first, &identity_len);
    psk = lua_tolstring(L, second, &psk_len);
    /* Too long for OpenSSL: the handshake fails, nothing is reported. */
    if (identity_len + 1 > call->max_identity_len || psk_len > call->max_psk_len)
        return 0;
    if (identity)
        memcpy(call->identity, identity, identity_len);
    call->identity[identity_len] = '\0';
    memcpy(call->psk, psk, psk_len);
    call->psk_len = (unsigned int)psk_len;
    return 0;
}

static unsigned int psk_client_callback(SSL *ssl, const char *hint, char *identity,
                                        unsigned int max_identity_len, unsigned char *psk,
                                        unsigned int max_psk_len)
{
    psk_call call = {hint, identity, max_identity_len, psk, max_psk_len, 0};
    if (!run_in_connection(ssl, psk_client_body, &call))
        return 0;
    return call.psk_len;
}

/* fn(identity or nil) -> psk */
static int psk_server_body(lua_State *L)
{
    psk_call *call = lua_touserdata(L, 1);
    size_t psk_len;
    const char *psk;

    if (!push_callback(L, PYSSL_CTX_UV_PSK_SERVER))
        return 0;
    lua_pushvalue(L, 4);
    push_peer_text(L, call->peer_text);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        report_unraisable(L, PSK_SERVER_WHERE, 4, -1);
        return 0;
    }
    if (lua_type(L, -1) != LUA_TSTRING) {
        push_error(L, "TypeError", "expected bytes, %s found", pyssl_typename(L, -1));
        report_unraisable(L, PSK_SERVER_WHERE, 4, -1);
        return 0;
    }
    psk = lua_tolstring(L, -1, &psk_len);
    if (psk_len > call->max_psk_len)
        return 0;
    memcpy(call->psk, psk, psk_len);
    call->psk_len = (unsigned int)psk_len;
    return 0;
}

static unsigned int psk_server_callback(SSL *ssl, const char *identity, unsigned char *psk,
                                        unsigned int max_psk_len)
{
    psk_call call = {identity, NULL, 0, psk, max_psk_len, 0};
    if (!run_in_connection(ssl, psk_server_body, &call))
        return 0;
    return call.psk_len;
}

/* set_psk_client_callback(callback) */
static int ctx_set_psk_client_callback(lua_State *L)
{
    static const char *const names[] = {"callback", NULL};
    static const pyssl_sig sig = {"set_psk_client_callback", PYSSL_PARAMS(names), 1, 0, PYSSL_WORDING_CLINIC, 0};
    pyssl_context *self = pyssl_check_context(L, 1);
    pyssl_bind(L, &sig, 2);
    if (self->protocol == PYSSL_PROTOCOL_TLS_SERVER)
        return pyssl_raise_located(L, "Cannot add PSK client callback to a "
                                   "PROTOCOL_TLS_SERVER context", PYSSL_LOC);
    if (!lua_isnil(L, 2) && !pyssl_is_callable(L, 2))
        return pyssl_raise(L, "TypeError", "callback must be callable");
    SSL_CTX_set_psk_client_callback(self->ctx, lua_isnil(L, 2) ? NULL : psk_client_callback);
    set_slot(L, 1, PYSSL_CTX_UV_PSK_CLIENT);
    return 0;
}

/* set_psk_server_callback(callback, identity_hint=None) */
static int ctx_set_psk_server_callback(lua_State *L)
{
    static const char *const names[] = {"callback", "identity_hint", NULL};
    static const pyssl_sig sig = {"set_psk_server_callback", PYSSL_PARAMS(names), 2, 0, PYSSL_WORDING_CLINIC, 0};
    pyssl_context *self = pyssl_check_context(L, 1);
    const char *hint = NULL;
    pyssl_bind(L, &sig, 2);
    if (!lua_isnil(L, 3)) {
        size_t len;
        if (lua_type(L, 3) != LUA_TSTRING)
            return pyssl_raise(L, "TypeError", "set_psk_server_callback() argument 'identity_hint' "
                               "must be str or None, not %s", pyssl_typename(L, 3));
        hint = lua_tolstring(L, 3, &len);
        if (strlen(hint) != len)
            return pyssl_raise(L, "ValueError", "embedded null character");
    }
    if (self->protocol == PYSSL_PROTOCOL_TLS_CLIENT)
        return pyssl_raise_located(L, "Cannot add PSK server callback to a "
                                   "PROTOCOL_TLS_CLIENT context", PYSSL_LOC);
    if (!lua_isnil(L, 2) && !pyssl_is_callable(L, 2))
        return pyssl_raise(L, "TypeError", "callback must be callable");
    ERR_clear_error();
    if (SSL_CTX_use_psk_identity_hint(self->ctx, hint) != 1) {
        ERR_clear_error();
        return pyssl_raise(L, "ValueError", "failed to set identity hint");
    }
    SSL_CTX_set_psk_server_callback(self->ctx, lua_isnil(L, 2) ? NULL : psk_server_callback);
    lua_pushvalue(L, 2);
    set_slot(L, 1, PYSSL_CTX_UV_PSK_SERVER);
    return 0;
}

/* --------------------------------------------------------------- ALPN */

static pyssl_context *context_of(const SSL *ssl)
{
    return SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), pyssl_context_exdata_index);
}

/* Server side: the first of our protocols the client also offers (server
 * preference); no overlap means no ALPN, not a failed handshake. */
static int alpn_select_callback(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                const unsigned char *in, unsigned int inlen, void *arg)
{
    pyssl_context *self = context_of(ssl);
    unsigned char *selected;
    (void)arg;
    if (!self || !self->alpn || self->alpn_len == 0 || inlen == 0)
        return SSL_TLSEXT_ERR_NOACK;
    if (SSL_select_next_proto(&selected, outlen, self->alpn, self->alpn_len, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

/* Is wire a well-formed ALPN list: non-empty names, each after its length? */
static int valid_wire(const unsigned char *wire, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (wire[i] == 0 || wire[i] > len - i - 1)
            return 0;
        i += (size_t)wire[i] + 1;
    }
    return 1;
}

/* _set_alpn_protocols(wire): the wire-format list (length-prefixed names)
 * that set_alpn_protocols() builds in Lua. */
static int ctx_set_alpn_protocols_wire(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    size_t len;
    const char *wire;
    unsigned char *copy = NULL;
    pyssl_check_nargs(L, "_SSLContext._set_alpn_protocols", 1);
    wire = pyssl_check_bytes(L, 2, &len);
    if (len > UINT_MAX)
        return pyssl_raise(L, "OverflowError", "protocols longer than %u bytes", UINT_MAX);
    if (!valid_wire((const unsigned char *)wire, len))
        return pyssl_raise(L, "ValueError", "invalid ALPN protocol list");
    if (len > 0) {
        copy = OPENSSL_malloc(len);
        if (!copy) {
            lua_pushliteral(L, "not enough memory");
            return lua_error(L);
        }
        memcpy(copy, wire, len);
    }
    OPENSSL_free(self->alpn);
    self->alpn = copy;
    self->alpn_len = (unsigned int)len;
    /* Returns 0 on success, unlike most of OpenSSL. */
    ERR_clear_error();
    if (SSL_CTX_set_alpn_protos(self->ctx, copy, (unsigned int)len) != 0)
        return pyssl_raise_queue(L, NULL, "cannot set the ALPN protocols", PYSSL_LOC);
    SSL_CTX_set_alpn_select_cb(self->ctx, alpn_select_callback, NULL);
    return 0;
}

/* ---------------------------------------------------- message callback */

/* CPython's message type of a ChangeCipherSpec record (not a handshake
 * type: _TLSMessageType.CHANGE_CIPHER_SPEC). */
#define MSG_TYPE_CHANGE_CIPHER_SPEC 0x0101

typedef struct msg_call {
    int write_p, version, content_type;
    const void *buf;
    size_t len;
} msg_call;

/* fn(conn, "read"|"write", version, content_type, msg_type, data). The
 * message type is read as CPython reads it, from a signed char: a type
 * byte >= 0x80 comes out negative there, and here. */
static int msg_body(lua_State *L)
{
    msg_call *call = lua_touserdata(L, 1);
    const signed char *bytes = call->buf;
    int version = call->version, msg_type;
    if (!push_callback(L, PYSSL_CTX_UV_MSG))
        return 0;
    switch (call->content_type) {
    case SSL3_RT_CHANGE_CIPHER_SPEC:
        msg_type = MSG_TYPE_CHANGE_CIPHER_SPEC;
        break;
    case SSL3_RT_ALERT:             /* level, description */
        msg_type = call->len >= 2 ? bytes[1] : -1;
        break;
    case SSL3_RT_HANDSHAKE:
    case SSL3_RT_INNER_CONTENT_TYPE:
        msg_type = call->len >= 1 ? bytes[0] : -1;
        break;
    case SSL3_RT_HEADER:            /* type, version (2 bytes), length */
        if (call->len >= 3)   /* CPython's (b1 << 8) | b2 on signed chars, without
                                 * shifting a negative value (undefined in C) */
            version = (int)((unsigned int)bytes[1] << 8) | bytes[2];
        msg_type = call->len >= 1 ? bytes[0] : -1;
        break;
    default:
        msg_type = -1;
        break;
    }
    lua_pushvalue(L, 4);
    lua_pushvalue(L, 5);
    lua_pushstring(L, call->write_p ? "write" : "read");
    lua_pushinteger(L, version);
    lua_pushinteger(L, call->content_type);
    lua_pushinteger(L, msg_type);
    lua_pushlstring(L, call->buf, call->len);
    lua_call(L, 6, 0);
    return 0;
}

static void msg_callback(int write_p, int version, int content_type, const void *buf,
                         size_t len, SSL *ssl, void *arg)
{
    msg_call call = {write_p, version, content_type, buf, len};
    (void)arg;
    run_keeping_error(ssl, msg_body, &call);
}

static int get_msg_callback(lua_State *L)
{
    pyssl_check_context(L, 1);
    lua_getiuservalue(L, 1, PYSSL_CTX_UV_MSG);
    return 1;
}

/* _msg_callback = fn: OpenSSL copies the context's callback into each
 * connection when it is made, so it applies to connections made after. */
static int set_msg_callback(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    lua_settop(L, 2);
    if (!lua_isnil(L, 2) && !pyssl_is_callable(L, 2)) {
        SSL_CTX_set_msg_callback(self->ctx, NULL);
        lua_pushnil(L);
        set_slot(L, 1, PYSSL_CTX_UV_MSG);
        return pyssl_raise(L, "TypeError", "not a callable object");
    }
    SSL_CTX_set_msg_callback(self->ctx, lua_isnil(L, 2) ? NULL : msg_callback);
    set_slot(L, 1, PYSSL_CTX_UV_MSG);
    return 0;
}

/* ------------------------------------------------------------- keylog */

static void keylog_callback(const SSL *ssl, const char *line)
{
    pyssl_context *self = context_of(ssl);
    if (!self || !self->keylog_bio)
        return;
    BIO_printf(self->keylog_bio, "%s\n", line);
    (void)BIO_flush(self->keylog_bio);
}

static int get_keylog_filename(lua_State *L)
{
    pyssl_check_context(L, 1);
    lua_getiuservalue(L, 1, PYSSL_CTX_UV_KEYLOG);
    return 1;
}

/* keylog_filename = path: appends NSS key log lines to path (a header
 * line first when the file is empty); nil stops. Like Python, the old
 * file is closed first, so a failed assignment leaves logging off. */
static int set_keylog_filename(lua_State *L)
{
    pyssl_context *self = pyssl_check_context(L, 1);
    const char *path;
    FILE *f;
    BIO *bio;

    lua_settop(L, 2);
    SSL_CTX_set_keylog_callback(self->ctx, NULL);
    lua_pushnil(L);
    set_slot(L, 1, PYSSL_CTX_UV_KEYLOG);
    if (self->keylog_bio) {
        BIO_free_all(self->keylog_bio);
        self->keylog_bio = NULL;
    }
    if (lua_isnil(L, 2))
        return 0;
    path = pyssl_check_path(L, 2);
    errno = 0;
    f = fopen(path, "a");
    if (!f)
        return pyssl_raise_errno(L, errno, path);
    bio = BIO_new_fp(f, BIO_CLOSE | BIO_FP_TEXT);
    if (!bio) {
        fclose(f);
        ERR_clear_error();
        return pyssl_raise_bare(L, "SSLError", "Can't malloc memory for keylog file");
    }
    self->keylog_bio = bio;
    lua_pushvalue(L, 2);
    set_slot(L, 1, PYSSL_CTX_UV_KEYLOG);
    /* A header for new, seekable files (not for pipes). */
    if (BIO_tell(bio) == 0) {
        BIO_puts(bio, "# TLS secrets log file, generated by OpenSSL / Python\n");
        (void)BIO_flush(bio);
    }
    SSL_CTX_set_keylog_callback(self->ctx, keylog_callback);
    return 0;
}

void pyssl_open_callbacks(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"set_psk_client_callback", ctx_set_psk_client_callback},
        {"set_psk_server_callback", ctx_set_psk_server_callback},
        {"_set_alpn_protocols", ctx_set_alpn_protocols_wire},
        {NULL, NULL}
    };
    static const luaL_Reg getters[] = {
        {"sni_callback", get_sni_callback},
        {"keylog_filename", get_keylog_filename},
        {"_msg_callback", get_msg_callback},
        {NULL, NULL}
    };
    static const luaL_Reg setters[] = {
        {"sni_callback", set_sni_callback},
        {"keylog_filename", set_keylog_filename},
        {"_msg_callback", set_msg_callback},
        {NULL, NULL}
    };
    pyssl_class_extend(L, CLASS, methods, getters, setters);
}

/* SSLObject: one TLS connection (CPython's _ssl._SSLSocket).
 *
 * Over two MemoryBIOs it is what ctx:wrap_bio() returns; over a file
 * descriptor it is the TLS state inside an SSLSocket (socket_fd >= 0; the
 * socket code drives the same I/O steps with its own waiting and timeouts).
 *
 * The connection itself (creation, the I/O steps, close) is the engine:
 * conn.c and conn.h. This file is the class: its methods and properties.
 *
 * The Python-level part (wrap_bio, IDNA, sslobject_class) is in
 * lua/pyssl/sslobject.lua.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <openssl/comp.h>
#include <openssl/x509v3.h>
#include "conn.h"

#define CLASS "SSLObject"

/* Longest Finished message OpenSSL can report (CPython's PySSL_CB_MAXLEN). */
#define FINISHED_MAX 128

/* The live connection at idx; ValueError once it was closed. */
static pyssl_conn *check_conn(lua_State *L, int idx)
{
    pyssl_conn *c = pyssl_check_object(L, idx, CLASS);
    if (!c->ssl)
        pyssl_raise(L, "ValueError", "SSLObject has been closed");
    return c;
}

/* A method ssl.py's SSLObject writes in Python without parameters but
 * self: "SSLObject.version() takes 1 positional argument but 2 were
 * given". Binds only when given more than self (a compare otherwise). */
static const char *const NO_PARAMS[] = {NULL};
#define NO_ARGUMENTS(method) {"SSLObject." method, PYSSL_PARAMS(NO_PARAMS), 0, 0, PYSSL_WORDING_PYTHON, 1}

static void bind_no_arguments(lua_State *L, const pyssl_sig *sig)
{
    if (lua_gettop(L) > 1)
        pyssl_bind(L, sig, 2);
}

static pyssl_conn *check_conn_no_arguments(lua_State *L, const pyssl_sig *sig)
{
    bind_no_arguments(L, sig);
    return check_conn(L, 1);
}

/* The same for a method that holds OpenSSL references while it pushes
 * (*h, src/hold.c): the hold is pushed before the check, as its
 * allocation may run a finalizer that closes this object. */
static pyssl_conn *check_conn_held(lua_State *L, const pyssl_sig *sig, pyssl_hold **h)
{
    bind_no_arguments(L, sig);
    *h = pyssl_push_hold(L);
    return check_conn(L, 1);
}

/* ------------------------------------------------------------- creation */

/* SSLObject._create's checks (Python's, in its order) on server_side, the
 * server_hostname at hostname_index (nil, or an encoded name) and the
 * session at session_index; check_hostname is the context's setting. */
static void check_create_args(lua_State *L, int server_side, int hostname_index,
                              int session_index, int check_hostname)
{
    /* Python's truth value of server_hostname: "" and None are false. */
    int has_hostname = lua_type(L, hostname_index) == LUA_TSTRING
                           ? lua_rawlen(L, hostname_index) > 0
                           : lua_toboolean(L, hostname_index);
    if (server_side && has_hostname)
        pyssl_raise(L, "ValueError", "server_hostname can only be specified in client mode");
    if (server_side && !lua_isnil(L, session_index))
        pyssl_raise(L, "ValueError", "session can only be specified in client mode");
    if (check_hostname && !has_hostname)
        pyssl_raise(L, "ValueError", "check_hostname requires server_hostname");
}

/* core._check_create(server_side, server_hostname, session, check_hostname):
 * check_create_args for SSLObject._create in Lua. */
static int l_check_create(lua_State *L)
{
    lua_settop(L, 4);
    check_create_args(L, lua_toboolean(L, 1), 2, 3, lua_toboolean(L, 4));
    return 0;
}

/* The checks of _wrap_bio on its arguments at 1..7 (context, incoming,
 * outgoing, server_side, server_hostname, owner, session), then the
 * connection. */
static void wrap_memory_bios(lua_State *L)
{
    if (!pyssl_test_object(L, 2, "MemoryBIO"))
        pyssl_raise(L, "TypeError", "_wrap_bio() argument 'incoming' must be _ssl.MemoryBIO, not %s",
                    pyssl_typename(L, 2));
    if (!pyssl_test_object(L, 3, "MemoryBIO"))
        pyssl_raise(L, "TypeError", "_wrap_bio() argument 'outgoing' must be _ssl.MemoryBIO, not %s",
                    pyssl_typename(L, 3));
    if (!lua_isnil(L, 5) && lua_type(L, 5) != LUA_TSTRING)
        pyssl_raise(L, "TypeError", "_wrap_bio() argument 'server_hostname' must be str or None, not %s",
                    pyssl_typename(L, 5));
    pyssl_conn_new(L, 1, lua_toboolean(L, 4), 5, 2, 3, -1, lua_isnil(L, 6) ? 0 : 6,
                   lua_isnil(L, 7) ? 0 : 7);
}

/* SSLContext:_wrap_bio(incoming, outgoing, server_side, server_hostname, owner, session) */
static int ctx_wrap_bio(lua_State *L)
{
    static const char *const names[] = {
        "incoming", "outgoing", "server_side", "server_hostname", "owner", "session", NULL
    };
    static const pyssl_sig sig = {"_wrap_bio", PYSSL_PARAMS(names), 6, 0, PYSSL_WORDING_CLINIC, 0};
    pyssl_check_context(L, 1);
    pyssl_bind(L, &sig, 2);
    wrap_memory_bios(L);
    return 1;
}

/* Upvalues of SSLContext.wrap_bio (made by core._wrap_bio_function):
 * SSLContext._encode_hostname and SSLObject._create as defined in
 * lua/pyssl/sslobject.lua (a replaced one is called instead of the core's). */
enum {
    WRAP_DEFAULT_ENCODE = 1, WRAP_DEFAULT_CREATE
};

/* The hostname at `hostname` replaced by self._encode_hostname(hostname).
 * The method as defined, on an SSLContext (is_context) and nil or an
 * all-ASCII name (every usual connection), is the core's checks; a
 * non-ASCII name (the IDNA codec is Lua), another value (its error), a
 * replaced method or another self is a call. */
static void encode_hostname(lua_State *L, int self, int hostname, int is_context)
{
    size_t len;
    const char *name;
    /* Through self: the class's method, or an instance attribute hiding it. */
    lua_getfield(L, self, "_encode_hostname");
    if (is_context && lua_rawequal(L, -1, lua_upvalueindex(WRAP_DEFAULT_ENCODE))) {
        name = lua_type(L, hostname) == LUA_TSTRING ? lua_tolstring(L, hostname, &len) : NULL;
        if (lua_isnil(L, hostname) || (name && pyssl_hostname_is_ascii(name, len))) {
            if (name)
                pyssl_check_ascii_labels(L, hostname, name, len);
            lua_pop(L, 1);
            return;
        }
    }
    lua_pushvalue(L, self);
    lua_pushvalue(L, hostname);
    lua_call(L, 2, 1);
    lua_replace(L, hostname);
}

/* SSLContext.wrap_bio(incoming, outgoing, server_side=False,
 * server_hostname=None, session=None): Python's
 * self.sslobject_class._create(incoming, outgoing, server_side,
 * self._encode_hostname(server_hostname), session, self). When the class
 * is SSLObject and its _create the one defined in Lua, the core does
 * _create's checks and its _wrap_bio itself (one call per connection);
 * otherwise, and for a context the core cannot use, it calls _create. */
static int ctx_wrap_bio_public(lua_State *L)
{
    static const char *const names[] = {
        "incoming", "outgoing", "server_side", "server_hostname", "session", NULL
    };
    static const pyssl_sig sig = {"SSLContext.wrap_bio", PYSSL_PARAMS(names), 5, 2, PYSSL_WORDING_PYTHON, 1};
    enum { SELF = 1, INCOMING, OUTGOING, SERVER_SIDE, HOSTNAME, SESSION, CLS, CREATE };
    pyssl_context *ctx;
    int server_side, core_creates, i;
    /* What the facade says for the Lua methods of its classes (`obj.method(x)`);
     * another object fails on the attribute it lacks, as in Python. */
    if (lua_type(L, SELF) != LUA_TUSERDATA)
        return pyssl_raise_wrong_self(L, "wrap_bio", "SSLContext", SELF);
    pyssl_bind(L, &sig, INCOMING);
    if (lua_isnil(L, SERVER_SIDE)) {   /* Python's default, also for a replaced _create */
        lua_pushboolean(L, 0);
        lua_replace(L, SERVER_SIDE);
    }
    ctx = pyssl_test_object(L, SELF, "SSLContext");
    if (ctx)   /* self.sslobject_class */
        pyssl_push_class_attribute(L, SELF, "sslobject_class", CLASS);
    else
        pyssl_push_class(L, CLASS);
    lua_getfield(L, CLS, "_create");
    encode_hostname(L, SELF, HOSTNAME, ctx != NULL);
    pyssl_push_class(L, CLASS);
    core_creates = lua_rawequal(L, CLS, -1) && lua_rawequal(L, CREATE, lua_upvalueindex(WRAP_DEFAULT_CREATE))
                   && ctx && ctx->ctx;
    lua_pop(L, 1);
    if (!core_creates) {
        /* cls._create(incoming, outgoing, server_side, server_hostname, session, self) */
        lua_pushvalue(L, CREATE);
        lua_pushvalue(L, CLS);
        for (i = INCOMING; i <= SESSION; i++)
            lua_pushvalue(L, i);
        lua_pushvalue(L, SELF);
        lua_call(L, 7, 1);
        return 1;
    }
    server_side = lua_toboolean(L, SERVER_SIDE);
    check_create_args(L, server_side, HOSTNAME, SESSION, ctx->check_hostname);
    /* As _create calls it: _wrap_bio(incoming, outgoing, server_side, server_hostname, nil, session). */
    lua_settop(L, SESSION);
    lua_pushboolean(L, server_side);
    lua_replace(L, SERVER_SIDE);
    lua_pushnil(L);
    lua_insert(L, SESSION);
    wrap_memory_bios(L);
    return 1;
}

/* core._wrap_bio_function(encode_hostname, create) ->
 * SSLContext.wrap_bio, with those as its upvalues. */
static int l_wrap_bio_function(lua_State *L)
{
    lua_settop(L, WRAP_DEFAULT_CREATE);
    lua_pushcclosure(L, ctx_wrap_bio_public, WRAP_DEFAULT_CREATE);
    return 1;
}

/* ------------------------------------------------------------------ I/O */

/* do_handshake() */
static int obj_do_handshake(lua_State *L)
{
    static const pyssl_sig sig = NO_ARGUMENTS("do_handshake");
    pyssl_conn *c = check_conn_no_arguments(L, &sig);
    pyssl_io_result res;
    if (!pyssl_conn_handshake_step(L, c, 1, &res))
        return pyssl_conn_raise(L, c, 1, &res, PYSSL_LOC);
    pyssl_conn_check_callback(L, c, 1);
    return 0;
}

/* Reads at most len bytes into buf; returns the count, 0 when only the
 * peer has closed (Python's read() at a clean EOF), or raises. */
static size_t read_into(lua_State *L, pyssl_conn *c, unsigned char *buf, size_t len)
{
    pyssl_io_result res;
    size_t count = 0;
    if (!pyssl_conn_read_step(L, c, 1, buf, len, &count, &res)) {
        if (res.ssl_error == SSL_ERROR_ZERO_RETURN &&
            SSL_get_shutdown(c->ssl) == SSL_RECEIVED_SHUTDOWN && !c->callback_failed)
            return 0;
        pyssl_conn_raise(L, c, 1, &res, PYSSL_LOC);
    }
    if (c->callback_failed)
        pyssl_conn_check_callback(L, c, 1);
    return count;
}

/* read(len=1024, buffer=None) -> bytes, or the count read into buffer
 * (a pyssl.socket.bytearray: no string is made) */
static int obj_read(lua_State *L)
{
    static const char *const names[] = {"len", "buffer", NULL};
    static const pyssl_sig sig = {"SSLObject.read", PYSSL_PARAMS(names), 2, 0, PYSSL_WORDING_PYTHON, 1};
    pyssl_conn *c = check_conn(L, 1);
    PYSSL_COUNT_CALL(L, c, CLASS);
    lua_Integer len = 1024;
    unsigned char *buffer = NULL;
    size_t buffer_len = 0, count;

    /* Positional calls skip the binder: read(n) is the hot path of every
     * reader, and even pyssl_bind's inline test plus its settop cost ~250
     * instructions per round trip of pingpong-mem (callgrind, 2026-12-07). */
    int top = lua_gettop(L);
    if (top > 2 || lua_type(L, top) == LUA_TTABLE) {
        pyssl_bind(L, &sig, 2);
        top = 3;
    }
    if (top >= 2 && !lua_isnil(L, 2))
        len = pyssl_check_index(L, 2);
    if (top >= 3 && !lua_isnil(L, 3)) {
        buffer = pyssl_test_bytearray(L, 3, &buffer_len);
        if (!buffer)
            return pyssl_raise(L, "TypeError", "read() argument 2 must be read-write bytes-like object, not %s",
                               pyssl_typename(L, 3));
        /* As CPython: a length outside 1..len(buffer) means the whole buffer. */
        if (len <= 0 || (size_t)len > buffer_len)
            len = (lua_Integer)buffer_len;
        if (len > INT_MAX)
            return pyssl_raise(L, "OverflowError", "maximum length can't fit in a C 'int'");
        count = len == 0 ? 0 : read_into(L, c, buffer, (size_t)len);
        lua_pushinteger(L, (lua_Integer)count);
        return 1;
    }
    if (len < 0)
        return pyssl_raise(L, "ValueError", "size should not be negative");
    if (len == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    /* One SSL_read never returns more than one record. */
    if (len > PYSSL_RECORD_MAX)
        len = PYSSL_RECORD_MAX;
    buffer = pyssl_state_of(L)->scratch;
    count = read_into(L, c, buffer, (size_t)len);
    lua_pushlstring(L, (const char *)buffer, count);
    return 1;
}

/* write(data) -> number of bytes written (all of them) */
static int obj_write(lua_State *L)
{
    static const char *const names[] = {"data", NULL};
    static const pyssl_sig sig = {"SSLObject.write", PYSSL_PARAMS(names), 1, 1, PYSSL_WORDING_PYTHON, 1};
    pyssl_conn *c = check_conn(L, 1);
    PYSSL_COUNT_CALL(L, c, CLASS);
    pyssl_io_result res;
    size_t len, count = 0;
    const char *data = pyssl_bind_bytes(L, &sig, &len);
    if (len > INT_MAX)
        return pyssl_raise(L, "OverflowError", "string longer than %d bytes", INT_MAX);
    if (!pyssl_conn_write_step(L, c, 1, data, len, &count, &res))
        return pyssl_conn_raise(L, c, 1, &res, PYSSL_LOC);
    if (c->callback_failed)
        pyssl_conn_check_callback(L, c, 1);
    lua_pushinteger(L, (lua_Integer)count);
    return 1;
}

/* pending() -> number of decrypted bytes buffered */
static int obj_pending(lua_State *L)
{
    static const pyssl_sig sig = NO_ARGUMENTS("pending");
    pyssl_conn *c = check_conn_no_arguments(L, &sig);
    lua_pushinteger(L, SSL_pending(c->ssl));
    return 1;
}

/* unwrap(): Python's SSLObject.unwrap (the C shutdown()). Sends
 * close_notify; returns nil once the peer's has been seen too, raises
 * SSLWantReadError while waiting for it. */
static int obj_unwrap(lua_State *L)
{
    static const pyssl_sig sig = NO_ARGUMENTS("unwrap");
    pyssl_conn *c = check_conn_no_arguments(L, &sig);
    pyssl_io_result res;
    int zeros = 0, ret;
    while ((ret = pyssl_conn_shutdown_round(L, c, 1, &res, &zeros)) == 0)
        continue;
    /* Memory BIOs never wait: WantRead/WantWrite go to the caller. */
    if (ret < 0)
        return pyssl_conn_raise(L, c, 1, &res, PYSSL_LOC);
    pyssl_conn_check_callback(L, c, 1);
    return 0;
}

/* verify_client_post_handshake() */
static int obj_verify_client_post_handshake(lua_State *L)
{
    static const pyssl_sig sig = NO_ARGUMENTS("verify_client_post_handshake");
    pyssl_conn *c = check_conn_no_arguments(L, &sig);
    pyssl_io_result res = {0, 0, 0};
    int ok;
    pyssl_conn_enter(L, c, 1);
    ok = SSL_verify_client_post_handshake(c->ssl);
    pyssl_conn_leave(c, &res, 0);
    pyssl_conn_check_callback(L, c, 1);
    if (!ok)
        return pyssl_raise_queue(L, NULL, "post-handshake authentication failed", PYSSL_LOC);
    return 0;
}

/* ---------------------------------------------------------- inspection */

/* getpeercert(binary_form=False). The certificate is held (a reference
 * of our own) while the result is built: a finalizer may close this
 * object meanwhile (HACKING.md, "Memory safety"). */
static int obj_getpeercert(lua_State *L)
{
    static const char *const names[] = {"binary_form", NULL};
    static const pyssl_sig sig = {"SSLObject.getpeercert", PYSSL_PARAMS(names), 1, 0, PYSSL_WORDING_PYTHON, 1};
    pyssl_conn *c = check_conn(L, 1);
    pyssl_hold *h;
    int verified;
    pyssl_bind(L, &sig, 2);
    h = pyssl_push_hold(L);
    c = check_conn(L, 1);   /* again: the hold's allocation may have closed it */
    if (!SSL_is_init_finished(c->ssl))
        return pyssl_raise(L, "ValueError", "handshake not done yet");
    h->cert = SSL_get1_peer_certificate(c->ssl);
    verified = (SSL_CTX_get_verify_mode(SSL_get_SSL_CTX(c->ssl)) & SSL_VERIFY_PEER) != 0;
    if (!h->cert)
        lua_pushnil(L);
    else if (lua_toboolean(L, 2))
        pyssl_push_cert_der(L, h->cert);
    else if (!verified)
        lua_newtable(L);   /* received but not verified: {} */
    else
        pyssl_push_cert_dict(L, h->cert);
    pyssl_release_hold(L, 3);
    return 1;
}

/* Pushes a sequence of DER strings: the held certificate (if any), then
 * the held chain (if any). */
static void push_der_chain(lua_State *L, const pyssl_hold *h)
{
    int i, n = h->certs ? sk_X509_num(h->certs) : 0, k = 0;
    lua_createtable(L, n + (h->cert != NULL), 0);
    if (h->cert) {
        pyssl_push_cert_der(L, h->cert);
        lua_rawseti(L, -2, ++k);
    }
    for (i = 0; i < n; i++) {
        pyssl_push_cert_der(L, sk_X509_value(h->certs, i));
        lua_rawseti(L, -2, ++k);
    }
}

/* Holds a copy of chain (each certificate up-ref'd) in h. */
static void hold_chain(lua_State *L, pyssl_hold *h, STACK_OF(X509) *chain)
{
    if (chain && !(h->certs = X509_chain_up_ref(chain)))
        pyssl_raise_nomem(L);
}

/* get_verified_chain() -> sequence of DER strings ({} when none) */
static int obj_get_verified_chain(lua_State *L)
{
    static const pyssl_sig sig = NO_ARGUMENTS("get_verified_chain");
    pyssl_hold *h;
    pyssl_conn *c = check_conn_held(L, &sig, &h);
    hold_chain(L, h, SSL_get0_verified_chain(c->ssl));
    push_der_chain(L, h);
    pyssl_release_hold(L, -2);
    return 1;
}

/* get_unverified_chain(): what the peer sent; a server's view starts with
 * the client's certificate, which OpenSSL leaves out of the chain. */
static int obj_get_unverified_chain(lua_State *L)
{
    static const pyssl_sig sig = NO_ARGUMENTS("get_unverified_chain");
    pyssl_hold *h;
    pyssl_conn *c = check_conn_held(L, &sig, &h);
    STACK_OF(X509) *chain;
    chain = SSL_get_peer_cert_chain(c->ssl);
    hold_chain(L, h, chain);
    if (chain && c->server_side)
        h->cert = SSL_get1_peer_certificate(c->ssl);
    push_der_chain(L, h);
    pyssl_release_hold(L, -2);
    return 1;
}

/* Pushes Python's cipher tuple: {name, protocol, secret_bits}. */
static void push_cipher(lua_State *L, const SSL_CIPHER *cipher)
{
    lua_createtable(L, 3, 0);
    lua_pushstring(L, SSL_CIPHER_get_name(cipher));
    lua_rawseti(L, -2, 1);
    lua_pushstring(L, SSL_CIPHER_get_version(cipher));
    lua_rawseti(L, -2, 2);
    lua_pushinteger(L, SSL_CIPHER_get_bits(cipher, NULL));
    lua_rawseti(L, -2, 3);
}

/* cipher() -> {name, protocol, bits} or nil */
static int obj_cipher(lua_State *L)
{
    static const pyssl_sig sig = NO_ARGUMENTS("cipher");
    pyssl_conn *c = check_conn_no_arguments(L, &sig);
    const SSL_CIPHER *cipher = SSL_get_current_cipher(c->ssl);
    if (!cipher)
        lua_pushnil(L);
    else
        push_cipher(L, cipher);
    return 1;
}

/* shared_ciphers(): the server's ciphers that the client offered, in the
 * server's order; nil on a client or before the ClientHello. The list is
 * computed before anything can run Lua (the SSL's lists may go with a
 * finalizer that closes this object) and held while it is pushed. */
static int obj_shared_ciphers(lua_State *L)
{
    static const pyssl_sig sig = NO_ARGUMENTS("shared_ciphers");
    pyssl_hold *h;
    pyssl_conn *c = check_conn_held(L, &sig, &h);
    STACK_OF(SSL_CIPHER) *server, *client;
    int i, j, n;
    server = SSL_get_ciphers(c->ssl);
    client = SSL_get_client_ciphers(c->ssl);
    if (!server || !client) {
        lua_pushnil(L);
        return 1;
    }
    if (!(h->ciphers = sk_SSL_CIPHER_new_null()))
        return pyssl_raise_nomem(L);
    for (i = 0; i < sk_SSL_CIPHER_num(server); i++) {
        const SSL_CIPHER *cipher = sk_SSL_CIPHER_value(server, i);
        uint32_t id = SSL_CIPHER_get_id(cipher);
        for (j = 0; j < sk_SSL_CIPHER_num(client); j++) {
            if (SSL_CIPHER_get_id(sk_SSL_CIPHER_value(client, j)) == id) {
                if (!sk_SSL_CIPHER_push(h->ciphers, cipher))
                    return pyssl_raise_nomem(L);
                break;
            }
        }
    }
    n = sk_SSL_CIPHER_num(h->ciphers);
    lua_createtable(L, n, 0);
    for (i = 0; i < n; i++) {
        push_cipher(L, sk_SSL_CIPHER_value(h->ciphers, i));
        lua_rawseti(L, -2, i + 1);
    }
    pyssl_release_hold(L, -2);
    return 1;
}

/* compression() -> name or nil */
static int obj_compression(lua_State *L)
{
    static const pyssl_sig sig = NO_ARGUMENTS("compression");
    pyssl_conn *c = check_conn_no_arguments(L, &sig);
    const char *name = NULL;
#ifndef OPENSSL_NO_COMP
    const COMP_METHOD *method = SSL_get_current_compression(c->ssl);
    if (method && COMP_get_type(method) != NID_undef)
        name = OBJ_nid2sn(COMP_get_type(method));
#else
    (void)c;
#endif
    if (name)
        lua_pushstring(L, name);
    else
        lua_pushnil(L);
    return 1;
}

/* For pyssl.luasec (LuaSec's getpeerverification, getfinished and
 * getpeerfinished), which Python's API has no counterpart for:
 * _verify_result() -> code, text (SSL_get_verify_result: 0 "ok" when the
 * peer's chain verified, also under CERT_NONE, which records but does not
 * abort); _finished(peer) -> the own (or peer's) last Finished message,
 * or nil before there is one; _set_verify_depth(n) below. */
static int obj_verify_result(lua_State *L)
{
    pyssl_conn *c = check_conn(L, 1);
    long code = SSL_get_verify_result(c->ssl);
    lua_pushinteger(L, (lua_Integer)code);
    lua_pushstring(L, X509_verify_cert_error_string(code));
    return 2;
}

/* _set_verify_depth(n): OpenSSL's limit on the certificates between the
 * peer's and a trust anchor, for this connection (LuaSec's params.depth). */
static int obj_set_verify_depth(lua_State *L)
{
    pyssl_conn *c = check_conn(L, 1);
    lua_Integer depth = pyssl_check_index(L, 2);
    if (depth < 0 || depth > INT_MAX)
        return pyssl_raise(L, "ValueError", "verify depth must be between 0 and %d", INT_MAX);
    SSL_set_verify_depth(c->ssl, (int)depth);
    return 0;
}

static int obj_finished(lua_State *L)
{
    pyssl_conn *c = check_conn(L, 1);
    unsigned char buf[EVP_MAX_MD_SIZE];
    size_t len = lua_toboolean(L, 2) ? SSL_get_peer_finished(c->ssl, buf, sizeof buf)
                                     : SSL_get_finished(c->ssl, buf, sizeof buf);
    if (len == 0)
        lua_pushnil(L);
    else
        lua_pushlstring(L, (const char *)buf, len < sizeof buf ? len : sizeof buf);
    return 1;
}

/* version() -> "TLSv1.3", ... or nil before the handshake */
static int obj_version(lua_State *L)
{
    static const pyssl_sig sig = NO_ARGUMENTS("version");
    pyssl_conn *c = check_conn_no_arguments(L, &sig);
    const char *version;
    if (!SSL_is_init_finished(c->ssl)) {
        lua_pushnil(L);
        return 1;
    }
    version = SSL_get_version(c->ssl);
    if (strcmp(version, "unknown") == 0)
        lua_pushnil(L);
    else
        lua_pushstring(L, version);
    return 1;
}

/* selected_alpn_protocol() -> string or nil */
static int obj_selected_alpn_protocol(lua_State *L)
{
    static const pyssl_sig sig = NO_ARGUMENTS("selected_alpn_protocol");
    pyssl_conn *c = check_conn_no_arguments(L, &sig);
    const unsigned char *proto = NULL;
    unsigned int len = 0;
    char copy[255];   /* an ALPN name is at most 255 bytes */
    SSL_get0_alpn_selected(c->ssl, &proto, &len);
    if (!proto || len > sizeof copy) {
        lua_pushnil(L);
        return 1;
    }
    /* Lua 5.1, 5.2 and LuaJIT may collect (and run finalizers) before a
     * push copies its bytes: never push from OpenSSL's memory. */
    memcpy(copy, proto, len);
    lua_pushlstring(L, copy, len);
    return 1;
}

/* get_channel_binding(cb_type="tls-unique") -> bytes or nil */
static int obj_get_channel_binding(lua_State *L)
{
    static const char *const names[] = {"cb_type", NULL};
    static const pyssl_sig sig = {"SSLObject.get_channel_binding", PYSSL_PARAMS(names), 1, 0, PYSSL_WORDING_PYTHON, 1};
    pyssl_conn *c = check_conn(L, 1);
    unsigned char buf[FINISHED_MAX];
    const char *type = "tls-unique";
    size_t len;
    pyssl_bind(L, &sig, 2);
    if (!lua_isnil(L, 2)) {
        if (lua_type(L, 2) != LUA_TSTRING)
            return pyssl_raise(L, "TypeError", "get_channel_binding() argument 'cb_type' must be str, not %s",
                               pyssl_typename(L, 2));
        type = lua_tostring(L, 2);
    }
    if (strcmp(type, "tls-unique") != 0)
        return pyssl_raise(L, "ValueError", "'%s' channel binding type not implemented", type);
    /* The first Finished of the handshake: the client's for a full
     * handshake, the server's for a resumed one. */
    if (SSL_session_reused(c->ssl) ^ !c->server_side)
        len = SSL_get_finished(c->ssl, buf, sizeof buf);
    else
        len = SSL_get_peer_finished(c->ssl, buf, sizeof buf);
    if (len == 0)
        lua_pushnil(L);
    else
        lua_pushlstring(L, (const char *)buf, len);
    return 1;
}

/* ----------------------------------------------------------- properties */

static int get_context(lua_State *L)
{
    pyssl_check_object(L, 1, CLASS);
    lua_getiuservalue(L, 1, PYSSL_CONN_UV_CONTEXT);
    return 1;
}

/* obj.context = ctx: switches the connection to another SSL_CTX (the SNI
 * idiom: certificate, key and settings of the new context). */
static int set_context(lua_State *L)
{
    pyssl_conn *c = check_conn(L, 1);
    pyssl_context *ctx;
    if (!pyssl_test_object(L, 2, "SSLContext"))
        return pyssl_raise(L, "TypeError", "The value must be a SSLContext");
    ctx = pyssl_check_context(L, 2);
    if (!SSL_set_SSL_CTX(c->ssl, ctx->ctx))
        return pyssl_raise_queue(L, NULL, "cannot switch the context", PYSSL_LOC);
    lua_pushvalue(L, 2);
    lua_setiuservalue(L, 1, PYSSL_CONN_UV_CONTEXT);
    return 0;
}

static int get_server_side(lua_State *L)
{
    pyssl_conn *c = pyssl_check_object(L, 1, CLASS);
    lua_pushboolean(L, c->server_side);
    return 1;
}

static int get_server_hostname(lua_State *L)
{
    pyssl_check_object(L, 1, CLASS);
    lua_getiuservalue(L, 1, PYSSL_CONN_UV_HOSTNAME);
    return 1;
}

/* The reference SSL_get1_session gives is held: the SSLSession's
 * allocation may raise (out of memory) or close this object. */
static int get_session(lua_State *L)
{
    pyssl_hold *h;
    pyssl_conn *c;
    lua_settop(L, 1);
    h = pyssl_push_hold(L);   /* first: it may run a finalizer */
    c = check_conn(L, 1);
    if (!(h->session = SSL_get1_session(c->ssl))) {
        lua_pushnil(L);
        return 1;
    }
    lua_getiuservalue(L, 1, PYSSL_CONN_UV_CONTEXT);
    pyssl_push_session(L, h->session, 3);
    pyssl_release_hold(L, 2);
    return 1;
}

static int set_session_property(lua_State *L)
{
    pyssl_conn *c = check_conn(L, 1);
    pyssl_conn_set_session(L, c, 1, 2);
    return 0;
}

static int get_session_reused(lua_State *L)
{
    pyssl_conn *c = check_conn(L, 1);
    lua_pushboolean(L, SSL_session_reused(c->ssl));
    return 1;
}

void pyssl_open_sslobject(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"do_handshake", obj_do_handshake},
        {"read", obj_read},
        {"write", obj_write},
        {"pending", obj_pending},
        {"unwrap", obj_unwrap},
        {"verify_client_post_handshake", obj_verify_client_post_handshake},
        {"getpeercert", obj_getpeercert},
        {"get_verified_chain", obj_get_verified_chain},
        {"get_unverified_chain", obj_get_unverified_chain},
        {"cipher", obj_cipher},
        {"shared_ciphers", obj_shared_ciphers},
        {"compression", obj_compression},
        {"version", obj_version},
        {"selected_alpn_protocol", obj_selected_alpn_protocol},
        {"get_channel_binding", obj_get_channel_binding},
        {"_verify_result", obj_verify_result},
        {"_finished", obj_finished},
        {"_set_verify_depth", obj_set_verify_depth},
        {NULL, NULL}
    };
    static const luaL_Reg getters[] = {
        {"context", get_context},
        {"server_side", get_server_side},
        {"server_hostname", get_server_hostname},
        {"session", get_session},
        {"session_reused", get_session_reused},
        {NULL, NULL}
    };
    static const luaL_Reg setters[] = {
        {"context", set_context},
        {"session", set_session_property},
        {NULL, NULL}
    };
    static const luaL_Reg context_methods[] = {
        {"_wrap_bio", ctx_wrap_bio},
        {NULL, NULL}
    };
    /* Python properties without setters: "property 'x' of 'SSLObject'
     * object has no setter". */
    static const char *const readonly[] = {"server_side", "server_hostname", "session_reused", NULL};
    static const pyssl_class cls = {
        .name = CLASS,
        .qualname = CLASS,
        .methods = methods,
        .getters = getters,
        .setters = setters,
        .no_construct = "SSLObject does not have a public constructor. "
                        "Instances are returned by SSLContext.wrap_bio().",
        .close = pyssl_conn_close,
        .nuv = PYSSL_CONN_NUV,
        .has_dict = 1,
        .readonly = readonly,
    };
    pyssl_class_register(L, &cls);
    pyssl_push_class(L, CLASS);
    lua_setfield(L, -2, CLASS);
    lua_pushcfunction(L, pyssl_ascii_hostname);
    lua_setfield(L, -2, "_ascii_hostname");
    lua_pushcfunction(L, l_wrap_bio_function);
    lua_setfield(L, -2, "_wrap_bio_function");
    lua_pushcfunction(L, l_check_create);
    lua_setfield(L, -2, "_check_create");

    /* The private constructor lives on SSLContext, as in CPython. */
    pyssl_push_class(L, "SSLContext");
    lua_getfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY);
    luaL_setfuncs(L, context_methods, 1);
    lua_pop(L, 1);
}

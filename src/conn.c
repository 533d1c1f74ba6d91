/* The connection engine: the life of one TLS connection (an SSLObject's
 * SSL: creation on a context and a transport, with the hostname checks
 * both classes' creation makes, the session, the end) and the error of a
 * failed I/O step. The steps themselves are static inline in conn.h.
 *
 * The classes use it: SSLObject (sslobject.c) over two MemoryBIOs,
 * SSLSocket (sslsocket.c) over a descriptor (fdbio.c); a new transport
 * goes beside them.
 */
#include <string.h>
#include <openssl/x509v3.h>
#include "conn.h"

/* The class of a connection object. */
#define CLASS "SSLObject"

pyssl_conn *pyssl_conn_of(const SSL *ssl)
{
    pyssl_conn *c = ssl ? SSL_get_ex_data(ssl, pyssl_conn_exdata_index) : NULL;
    PYSSL_ASSERT(!c || c->ssl == ssl);   /* pyssl_conn_close clears the back pointer */
    return c;
}

int pyssl_conn_raise(lua_State *L, pyssl_conn *c, int self, const pyssl_io_result *res,
                     const char *file, int line)
{
    const char *hostname;
    self = lua_absindex(L, self);
    pyssl_conn_check_callback(L, c, self);
    lua_getiuservalue(L, self, PYSSL_CONN_UV_HOSTNAME);
    hostname = lua_tostring(L, -1);   /* anchored by the user value */
    return pyssl_raise_io(L, c->ssl, res, c->socket_fd >= 0, hostname, file, line);
}

/* ------------------------------------------------------------- creation */

/* Can OpenSSL's a2i_IPADDRESS read this as an address? An IPv6 literal
 * has a ':', an IPv4 one four decimal numbers; a name with neither (the
 * usual host name) skips the parse, which costs as much as the rest of
 * the hostname setup. */
static int could_be_ip_literal(const char *hostname)
{
    return strpbrk(hostname, "0123456789:") != NULL;
}

/* Raises Python 3.13's UnicodeEncodeError("idna", name, start, end, reason)
 * for the name at name_index. */
static void raise_idna(lua_State *L, int name_index, size_t start, size_t end, const char *reason)
{
    lua_pushliteral(L, "idna");
    lua_pushvalue(L, name_index);
    lua_pushinteger(L, (lua_Integer)start);
    lua_pushinteger(L, (lua_Integer)end);
    lua_pushstring(L, reason);
    pyssl_push_error(L, "UnicodeEncodeError", 5);
    lua_error(L);
}

/* The IDNA codec's checks on an all-ASCII name (3.13): first an empty
 * label anywhere but last, then a label of 64 bytes or more. */
void pyssl_check_ascii_labels(lua_State *L, int name_index, const char *name, size_t len)
{
    size_t start = 0, i;
    for (i = 0; i < len; i++) {
        if (name[i] != '.')
            continue;
        if (i == start)
            raise_idna(L, name_index, start, start + 1, "label empty");
        start = i + 1;
    }
    start = 0;
    for (i = 0; i <= len; i++) {
        if (i < len && name[i] != '.')
            continue;
        if (i - start >= 64)
            raise_idna(L, name_index, start, i, "label too long");
        start = i + 1;
    }
}

/* Is the name all ASCII? Then str.encode("idna") leaves it as it is, once
 * pyssl_check_ascii_labels passes; otherwise it needs the full codec (Lua). */
int pyssl_hostname_is_ascii(const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if ((unsigned char)name[i] >= 0x80)
            return 0;
    return 1;
}

/* core._ascii_hostname(name) -> true for an all-ASCII name that
 * str.encode("idna") leaves as it is (raising its UnicodeError for a bad
 * label), false when the name needs the full codec (lua/pyssl/sslobject.lua).
 * Every client connection comes here; a Lua pattern scan costs ~10x more. */
int pyssl_ascii_hostname(lua_State *L)
{
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    if (!pyssl_hostname_is_ascii(name, len)) {
        lua_pushboolean(L, 0);
        return 1;
    }
    pyssl_check_ascii_labels(L, 1, name, len);
    lua_pushboolean(L, 1);
    return 1;
}

/* Python's _ssl_configure_hostname: SNI for names, identity check when the
 * context asks for it (IP addresses are checked as IPs and get no SNI). */
static void configure_hostname(lua_State *L, pyssl_conn *c, pyssl_context *ctx,
                               const char *hostname, size_t len)
{
    ASN1_OCTET_STRING *ip;
    X509_VERIFY_PARAM *param;
    int ok = 1;

    if (len == 0 || hostname[0] == '.')
        pyssl_raise(L, "ValueError",
                    "server_hostname cannot be an empty string or start with a leading dot.");
    ip = could_be_ip_literal(hostname) ? a2i_IPADDRESS(hostname) : NULL;
    pyssl_clear_errors();
    if (!ip)
        ok = SSL_set_tlsext_host_name(c->ssl, hostname);
    if (ok && ctx->check_hostname) {
        param = SSL_get0_param(c->ssl);
        X509_VERIFY_PARAM_set_hostflags(param, ctx->hostflags);
        if (ip)
            ok = X509_VERIFY_PARAM_set1_ip(param, ASN1_STRING_get0_data(ip),
                                           (size_t)ASN1_STRING_length(ip));
        else
            ok = X509_VERIFY_PARAM_set1_host(param, hostname, len);
    }
    if (ip)
        ASN1_OCTET_STRING_free(ip);
    if (!ok)
        pyssl_raise_queue(L, NULL, "cannot set the server hostname", PYSSL_LOC);
}

/* What a connection holds once its handshake is done (one-certificate
 * chains, measured in bench/: client 36-38 KB with its session and the
 * peer's chain, server 14-16 KB); counted when it is made. */
#define CLIENT_CONN_BYTES (32 * 1024)
#define SERVER_CONN_BYTES (16 * 1024)

pyssl_conn *pyssl_conn_new(lua_State *L, int ctx_index, int server_side, int hostname_index,
                           int incoming, int outgoing, int fd, int owner_index,
                           int session_index)
{
    pyssl_context *ctx;
    pyssl_bio *in = NULL, *out = NULL;
    pyssl_conn *c;
    int self;

    ctx_index = lua_absindex(L, ctx_index);
    if (hostname_index)
        hostname_index = lua_absindex(L, hostname_index);
    if (owner_index)
        owner_index = lua_absindex(L, owner_index);
    if (session_index)
        session_index = lua_absindex(L, session_index);
    /* _wrap_bio's argument parsing ("es"), before any other check. The
     * name is always a str by now (_encode_hostname). */
    if (hostname_index && lua_type(L, hostname_index) == LUA_TSTRING &&
        strlen(lua_tostring(L, hostname_index)) != lua_rawlen(L, hostname_index))
        pyssl_raise(L, "TypeError", "argument must be encoded string without null bytes, not str");
    ctx = pyssl_check_context(L, ctx_index);
    if (incoming) {
        /* MemoryBIOs: the caller (_wrap_bio) has checked both, with
         * Python's messages. */
        in = lua_touserdata(L, incoming);
        out = lua_touserdata(L, outgoing);
        if (!in->bio || !out->bio)
            pyssl_raise(L, "ValueError", "I/O operation on closed MemoryBIO");
    }
    if (server_side && ctx->protocol == PYSSL_PROTOCOL_TLS_CLIENT)
        pyssl_raise_located(L, "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context",
                            PYSSL_LOC);
    if (!server_side && ctx->protocol == PYSSL_PROTOCOL_TLS_SERVER)
        pyssl_raise_located(L, "Cannot create a client socket with a PROTOCOL_TLS_SERVER context",
                            PYSSL_LOC);

    /* The object exists (with its __gc) before any OpenSSL state does, so
     * an error raised below leaves nothing unowned. */
    c = pyssl_new_object(L, CLASS, sizeof *c);
    self = lua_gettop(L);
    c->server_side = server_side;
    c->socket_fd = -1;
    lua_pushvalue(L, ctx_index);
    lua_setiuservalue(L, self, PYSSL_CONN_UV_CONTEXT);
    lua_pushvalue(L, owner_index ? owner_index : self);
    lua_setiuservalue(L, self, PYSSL_CONN_UV_OWNER);

    /* That allocation may have run a finalizer that closed the context
     * or a MemoryBIO: check them again before OpenSSL uses them. */
    ctx = pyssl_check_context(L, ctx_index);
    if (in && (!in->bio || !out->bio))
        pyssl_raise(L, "ValueError", "I/O operation on closed MemoryBIO");
    pyssl_clear_errors();
    c->ssl = SSL_new(ctx->ctx);
    if (!c->ssl)
        pyssl_raise_queue(L, NULL, "cannot create the SSL object", PYSSL_LOC);
    SSL_set_ex_data(c->ssl, pyssl_conn_exdata_index, c);
    if (in) {
        /* OpenSSL gets references of its own: the MemoryBIO objects may be
         * collected before this one. */
        BIO_up_ref(in->bio);
        if (out->bio != in->bio)   /* one BIO for both: OpenSSL takes one reference */
            BIO_up_ref(out->bio);
        SSL_set_bio(c->ssl, in->bio, out->bio);
    } else {
        PYSSL_ASSERT(fd >= 0);
        c->socket_fd = fd;   /* the caller attaches its descriptor BIO */
    }
    /* Python's write() writes everything: no partial writes. */
    SSL_set_mode(c->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY);
    if (ctx->post_handshake_auth) {
        if (server_side) {
            int mode = SSL_get_verify_mode(c->ssl);
            if (mode & SSL_VERIFY_PEER)
                SSL_set_verify(c->ssl, mode | SSL_VERIFY_POST_HANDSHAKE,
                               SSL_get_verify_callback(c->ssl));
        } else {
            SSL_set_post_handshake_auth(c->ssl, 1);
        }
    }
    if (hostname_index && !lua_isnil(L, hostname_index)) {
        size_t len;
        const char *hostname = lua_tolstring(L, hostname_index, &len);
        configure_hostname(L, c, ctx, hostname, len);
        lua_pushvalue(L, hostname_index);
        lua_setiuservalue(L, self, PYSSL_CONN_UV_HOSTNAME);
    }
    if (server_side)
        SSL_set_accept_state(c->ssl);
    else
        SSL_set_connect_state(c->ssl);
    if (session_index && !lua_isnil(L, session_index))
        pyssl_conn_set_session(L, c, self, session_index);
    pyssl_add_gc_debt(L, server_side ? SERVER_CONN_BYTES : CLIENT_CONN_BYTES);
    return c;
}

/* ----------------------------------------------------------------- end */

/* __gc / __close: frees the SSL (and OpenSSL's references to the BIOs). */
int pyssl_conn_close(lua_State *L)
{
    pyssl_conn *c = lua_touserdata(L, 1);
    if (!c || !c->ssl)
        return 0;
    if (c->L)   /* only reachable from a callback of this very connection */
        return pyssl_raise(L, "ValueError", "cannot close an SSLObject from its own callback");
    SSL_set_ex_data(c->ssl, pyssl_conn_exdata_index, NULL);
    /* OpenSSL marks the session of a connection freed without a shutdown
     * as not resumable. CPython's sessions survive that (it hands out
     * copies), so a finished client connection counts as shut down. */
    if (!c->server_side && SSL_is_init_finished(c->ssl))
        SSL_set_shutdown(c->ssl, SSL_get_shutdown(c->ssl) | SSL_SENT_SHUTDOWN);
    SSL_free(c->ssl);
    c->ssl = NULL;
    return 0;
}

/* ------------------------------------------------------------- session */

/* Python's PySSL_set_session checks, in its order. */
void pyssl_conn_set_session(lua_State *L, pyssl_conn *c, int self, int value)
{
    SSL_SESSION *session = pyssl_test_session(L, value);
    pyssl_context *mine, *theirs;
    if (!session)
        pyssl_raise(L, "TypeError", "Value is not a SSLSession.");
    lua_getiuservalue(L, self, PYSSL_CONN_UV_CONTEXT);
    mine = lua_touserdata(L, -1);
    pyssl_push_session_context(L, value);
    theirs = lua_touserdata(L, -1);
    lua_pop(L, 2);
    if (!mine || !theirs || mine->ctx != theirs->ctx || !mine->ctx)
        pyssl_raise(L, "ValueError", "Session refers to a different SSLContext.");
    if (c->server_side)
        pyssl_raise(L, "ValueError", "Cannot set session for server-side SSLSocket.");
    if (SSL_is_init_finished(c->ssl))
        pyssl_raise(L, "ValueError", "Cannot set session after handshake.");
    pyssl_clear_errors();
    if (!SSL_set_session(c->ssl, session))
        pyssl_raise_queue(L, NULL, "cannot set the session", PYSSL_LOC);
}

/* bench/c/luafloor.c — the Lua floor: the thinnest binding a Lua loop can
 * call OpenSSL through, as the measure of what Lua 5.4 itself costs.
 *
 * It offers what bench/pyssl/bench.lua uses of Python's API — over memory
 * BIOs: MemoryBIO read/write, an SSL object's do_handshake, read, write
 * and session; over loopback TCP: listen, accept, connect, wrap_socket
 * (with its handshake), recv, sendall — one C call per Python call, each
 * returning what Python's API returns (a new Lua string per read), and
 * nothing more: no argument
 * parsing beyond the cheapest type check a memory-safe binding needs (the
 * object's metatable compared with the one the method was made for), no
 * Python exceptions (a handshake step that wants more input returns false
 * instead of raising SSLWantReadError), no attributes, methods found in a
 * plain table. Whatever a real binding of Python's API does on top of this
 * can only cost more, so C's rate divided into this one's is the highest
 * ratio to C any such binding can reach on this Lua.
 *
 *   local f = require "luafloor"
 *   local ctx = f.context(server, certdir, key)
 *   local i, o = f.MemoryBIO(), f.MemoryBIO()
 *   local obj = ctx:wrap_bio(i, o, server, session_or_nil)
 *   obj:do_handshake() -> true | false;  obj:read(n) -> string | false
 *   obj:write(s) -> n;  obj:session() -> session;  obj:session_reused()
 *   obj:cipher() -> name, version;  every object: close() / <close> / __gc
 *   local l, port = f.listen(port);  local sock = l:accept() or f.connect(port)
 *   local s = ctx:wrap_socket(sock, server)   (takes the descriptor over)
 *   s:recv(n) -> string ("" at EOF);  s:sendall(data)
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <lua.h>
#include <lauxlib.h>
#include <openssl/err.h>
#include "benchtls.h"

/* The largest TLS record's plain text: the most one SSL_read returns. */
#define RECORD_MAX 16384

/* Every object is a box holding one OpenSSL pointer, or (a socket) a
 * descriptor. */
typedef struct {
    void *ptr;
    int fd;
} box;

enum kind { CTX, BIO_KIND, CONN, SESSION, SOCK, KINDS };

static const char *const kind_names[KINDS] = {
    "luafloor.context", "luafloor.MemoryBIO", "luafloor.SSLObject", "luafloor.session",
    "luafloor.socket"
};

static unsigned char scratch[RECORD_MAX];

static void release(enum kind kind, box *b)
{
    switch (kind) {
    case CTX: SSL_CTX_free(b->ptr); break;
    case BIO_KIND: BIO_free(b->ptr); break;
    case CONN: {
        int fd = SSL_get_fd(b->ptr);   /* -1 over memory BIOs */
        SSL_free(b->ptr);
        if (fd >= 0)
            close(fd);
        break;
    }
    case SESSION: SSL_SESSION_free(b->ptr); break;
    case SOCK: close(b->fd); break;
    case KINDS: break;
    }
    b->ptr = NULL;
    b->fd = -1;
}

/* The box at idx, if it is a live object of `kind`. The kind's metatable
 * is upvalue 1 of every method closure. */
static box *check_box(lua_State *L, int idx, enum kind kind)
{
    box *b = lua_touserdata(L, idx);
    int same = 0;
    if (b && lua_getmetatable(L, idx)) {
        same = lua_rawequal(L, -1, lua_upvalueindex(1));
        lua_pop(L, 1);
    }
    if (!same)
        luaL_error(L, "argument %d is not a %s", idx, kind_names[kind]);
    if (!b->ptr && b->fd < 0)
        luaL_error(L, "%s is closed", kind_names[kind]);
    return b;
}

static void *check(lua_State *L, int idx, enum kind kind)
{
    return check_box(L, idx, kind)->ptr;
}

static box *push_box(lua_State *L, enum kind kind, void *ptr)
{
    box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->ptr = ptr;
    b->fd = -1;
    luaL_setmetatable(L, kind_names[kind]);
    return b;
}

static int fail(lua_State *L, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return luaL_error(L, "%s failed: %s", what, e ? buf : "no error queued");
}

/* close(), __close and __gc; the kind is the upvalue's integer 2. */
static int obj_close(lua_State *L)
{
    box *b = lua_touserdata(L, 1);
    if (b && (b->ptr || b->fd >= 0))
        release((enum kind)lua_tointeger(L, lua_upvalueindex(2)), b);
    return 0;
}

/* ---- MemoryBIO ---- */

static int bio_new(lua_State *L)
{
    BIO *bio = benchtls_mem_bio();
    if (!bio)
        return fail(L, "BIO_new");
    push_box(L, BIO_KIND, bio);
    return 1;
}

/* read() -> everything pending, as one new string. Copied once, from the
 * BIO's buffer into the string; a seek drops it (BIO_reset would zero the
 * BIO's whole buffer). */
static int bio_read(lua_State *L)
{
    BIO *bio = check(L, 1, BIO_KIND);
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    if (n <= 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    lua_pushlstring(L, data, (size_t)n);
    BIO_seek(bio, BIO_ctrl(bio, BIO_C_FILE_TELL, 0, NULL) + n);
    return 1;
}

static int bio_write(lua_State *L)
{
    BIO *bio = check(L, 1, BIO_KIND);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    if (len > 0 && BIO_write(bio, data, (int)len) != (int)len)
        return fail(L, "BIO_write");
    lua_pushinteger(L, (lua_Integer)len);
    return 1;
}

/* ---- context ---- */

/* context(server, certdir, key) */
static int ctx_new(lua_State *L)
{
    int server = lua_toboolean(L, 1);
    SSL_CTX *ctx = benchtls_ctx(server, luaL_checkstring(L, 2), luaL_checkstring(L, 3));
    if (!ctx)
        return fail(L, "context");
    push_box(L, CTX, ctx);
    return 1;
}

static BIO *bio_at(lua_State *L, int idx)
{
    box *b = luaL_checkudata(L, idx, kind_names[BIO_KIND]);
    if (!b->ptr)
        luaL_error(L, "argument %d is a closed MemoryBIO", idx);
    return b->ptr;
}

/* ctx:wrap_bio(incoming, outgoing, server, session) */
static int ctx_wrap_bio(lua_State *L)
{
    SSL_CTX *ctx = check(L, 1, CTX);
    int server = lua_toboolean(L, 4);
    BIO *in = bio_at(L, 2), *out = bio_at(L, 3);
    SSL *ssl = benchtls_ssl(ctx, server);
    if (!ssl)
        return fail(L, "SSL_new");
    /* The SSL object and the MemoryBIO objects each hold a reference. */
    BIO_up_ref(in);
    BIO_up_ref(out);
    SSL_set_bio(ssl, in, out);
    if (!lua_isnoneornil(L, 5)) {
        box *session = luaL_checkudata(L, 5, kind_names[SESSION]);
        if (!session->ptr || !SSL_set_session(ssl, session->ptr)) {
            SSL_free(ssl);
            return fail(L, "SSL_set_session");
        }
    }
    push_box(L, CONN, ssl);
    return 1;
}

/* ---- SSL object ---- */

static int wants_read(SSL *ssl, int ret)
{
    return SSL_get_error(ssl, ret) == SSL_ERROR_WANT_READ;
}

/* do_handshake() -> true when done, false when it wants more input */
static int conn_do_handshake(lua_State *L)
{
    SSL *ssl = check(L, 1, CONN);
    int ret = SSL_do_handshake(ssl);
    if (ret != 1 && !wants_read(ssl, ret))
        return fail(L, "SSL_do_handshake");
    lua_pushboolean(L, ret == 1);
    return 1;
}

/* read(n) -> a new string of at most n bytes, "" at a clean EOF, false
 * when it wants more input */
static int conn_read(lua_State *L)
{
    SSL *ssl = check(L, 1, CONN);
    lua_Integer n = luaL_checkinteger(L, 2);
    size_t count = 0;
    if (n < 1 || n > RECORD_MAX)
        n = RECORD_MAX;
    if (!SSL_read_ex(ssl, scratch, (size_t)n, &count)) {
        int err = SSL_get_error(ssl, 0);
        if (err == SSL_ERROR_WANT_READ) {
            lua_pushboolean(L, 0);
            return 1;
        }
        if (err != SSL_ERROR_ZERO_RETURN)
            return fail(L, "SSL_read_ex");
    }
    lua_pushlstring(L, (const char *)scratch, count);
    return 1;
}

static int conn_write(lua_State *L)
{
    SSL *ssl = check(L, 1, CONN);
    size_t len, count = 0;
    const char *data = luaL_checklstring(L, 2, &len);
    if (!SSL_write_ex(ssl, data, len, &count))
        return fail(L, "SSL_write_ex");
    lua_pushinteger(L, (lua_Integer)count);
    return 1;
}

static int conn_session(lua_State *L)
{
    SSL_SESSION *session = SSL_get1_session(check(L, 1, CONN));
    if (!session)
        return fail(L, "SSL_get1_session");
    push_box(L, SESSION, session);
    return 1;
}

static int conn_session_reused(lua_State *L)
{
    lua_pushboolean(L, SSL_session_reused(check(L, 1, CONN)));
    return 1;
}

static int conn_cipher(lua_State *L)
{
    SSL *ssl = check(L, 1, CONN);
    lua_pushstring(L, SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
    lua_pushstring(L, SSL_get_version(ssl));
    return 2;
}

/* ---- loopback TCP ---- */

static int fail_errno(lua_State *L, const char *what)
{
    return luaL_error(L, "%s failed: %s", what, strerror(errno));
}

static void push_socket(lua_State *L, int fd)
{
    push_box(L, SOCK, NULL)->fd = fd;
}

/* listen(port) -> listening socket, the port it is bound to */
static int sock_listen(lua_State *L)
{
    int port, fd = benchtls_listen((int)luaL_checkinteger(L, 1), &port);
    if (fd < 0)
        return fail_errno(L, "listen");
    push_socket(L, fd);
    lua_pushinteger(L, port);
    return 2;
}

static int sock_accept(lua_State *L)
{
    int fd = benchtls_accept(check_box(L, 1, SOCK)->fd);
    if (fd < 0)
        return fail_errno(L, "accept");
    push_socket(L, fd);
    return 1;
}

/* connect(port) -> socket connected to 127.0.0.1:port */
static int sock_connect(lua_State *L)
{
    int fd = benchtls_connect((int)luaL_checkinteger(L, 1));
    if (fd < 0)
        return fail_errno(L, "connect");
    push_socket(L, fd);
    return 1;
}

/* ctx:wrap_socket(sock, server) -> SSL object, handshake done; it takes
 * the descriptor over (closing the object closes it). */
static int ctx_wrap_socket(lua_State *L)
{
    SSL_CTX *ctx = check(L, 1, CTX);
    box *sock = luaL_checkudata(L, 2, kind_names[SOCK]);
    SSL *ssl;
    if (sock->fd < 0)
        return luaL_error(L, "the socket is closed");
    ssl = benchtls_ssl(ctx, lua_toboolean(L, 3));
    if (!ssl || !SSL_set_fd(ssl, sock->fd)) {
        SSL_free(ssl);
        return fail(L, "SSL_set_fd");
    }
    sock->fd = -1;
    push_box(L, CONN, ssl);
    if (SSL_do_handshake(ssl) != 1)
        return fail(L, "SSL_do_handshake");
    return 1;
}

static int conn_sendall(lua_State *L)
{
    SSL *ssl = check(L, 1, CONN);
    size_t len, count = 0;
    const char *data = luaL_checklstring(L, 2, &len);
    /* Blocking, with SSL_MODE_AUTO_RETRY: one call writes everything. */
    if (len > 0 && !SSL_write_ex(ssl, data, len, &count))
        return fail(L, "SSL_write_ex");
    return 0;
}

/* ---- registration ---- */

/* The metatable of a kind: __index a plain method table, every method a
 * closure over the metatable (for check) and the kind (for close). */
static void define_kind(lua_State *L, enum kind kind, const luaL_Reg *methods)
{
    static const char *const closers[] = {"close", "__close", "__gc"};
    int mt, index;
    size_t i;
    luaL_newmetatable(L, kind_names[kind]);
    mt = lua_gettop(L);
    lua_newtable(L);
    index = lua_gettop(L);
    for (; methods && methods->name; methods++) {
        lua_pushvalue(L, mt);
        lua_pushinteger(L, kind);
        lua_pushcclosure(L, methods->func, 2);
        lua_setfield(L, index, methods->name);
    }
    for (i = 0; i < sizeof closers / sizeof *closers; i++) {
        lua_pushvalue(L, mt);
        lua_pushinteger(L, kind);
        lua_pushcclosure(L, obj_close, 2);
        lua_setfield(L, i == 0 ? index : mt, closers[i]);
    }
    lua_setfield(L, mt, "__index");
    lua_pop(L, 1);
}

int luaopen_luafloor(lua_State *L)
{
    static const luaL_Reg bio_methods[] = {{"read", bio_read}, {"write", bio_write}, {NULL, NULL}};
    static const luaL_Reg ctx_methods[] = {
        {"wrap_bio", ctx_wrap_bio}, {"wrap_socket", ctx_wrap_socket}, {NULL, NULL}
    };
    static const luaL_Reg conn_methods[] = {
        {"do_handshake", conn_do_handshake}, {"read", conn_read}, {"write", conn_write},
        {"recv", conn_read}, {"sendall", conn_sendall},
        {"session", conn_session}, {"session_reused", conn_session_reused},
        {"cipher", conn_cipher}, {NULL, NULL}
    };
    static const luaL_Reg sock_methods[] = {{"accept", sock_accept}, {NULL, NULL}};
    static const luaL_Reg functions[] = {
        {"context", ctx_new}, {"MemoryBIO", bio_new},
        {"listen", sock_listen}, {"connect", sock_connect}, {NULL, NULL}
    };
    define_kind(L, CTX, ctx_methods);
    define_kind(L, BIO_KIND, bio_methods);
    define_kind(L, CONN, conn_methods);
    define_kind(L, SESSION, NULL);
    define_kind(L, SOCK, sock_methods);
    luaL_newlib(L, functions);
    return 1;
}

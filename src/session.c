/* SSLSession: a TLS session that a client can resume (CPython's
 * _ssl.SSLSession).
 *
 * The object holds a reference to OpenSSL's SSL_SESSION itself (never a
 * serialised copy) and keeps the SSLContext it came from alive in user
 * value 2: a session is only resumable on a connection of that context.
 */
#include <string.h>
#include "pyssl.h"

#define CLASS "SSLSession"

enum { UV_CONTEXT = 2, NUV = UV_CONTEXT };

typedef struct session_obj {
    SSL_SESSION *session;     /* NULL once collected */
} session_obj;

void pyssl_push_session(lua_State *L, SSL_SESSION *sess, int ctx_index)
{
    session_obj *self;
    ctx_index = lua_absindex(L, ctx_index);
    self = pyssl_new_object(L, CLASS, sizeof *self);
    SSL_SESSION_up_ref(sess);
    self->session = sess;
    lua_pushvalue(L, ctx_index);
    lua_setiuservalue(L, -2, UV_CONTEXT);
}

SSL_SESSION *pyssl_test_session(lua_State *L, int idx)
{
    session_obj *self = pyssl_test_object(L, idx, CLASS);
    return self ? self->session : NULL;
}

void pyssl_push_session_context(lua_State *L, int idx)
{
    if (pyssl_test_object(L, idx, CLASS))
        lua_getiuservalue(L, idx, UV_CONTEXT);
    else
        lua_pushnil(L);
}

static SSL_SESSION *check_session(lua_State *L)
{
    session_obj *self = pyssl_check_object(L, 1, CLASS);
    if (!self->session)
        pyssl_raise(L, "ValueError", "SSLSession has been closed");
    return self->session;
}

static int session_close(lua_State *L)
{
    session_obj *self = lua_touserdata(L, 1);
    if (self && self->session) {
        SSL_SESSION_free(self->session);
        self->session = NULL;
    }
    return 0;
}

static int get_id(lua_State *L)
{
    unsigned int len = 0;
    const unsigned char *id = SSL_SESSION_get_id(check_session(L), &len);
    char copy[SSL_MAX_SSL_SESSION_ID_LENGTH];
    /* Copied first: Lua before 5.3 may collect (and run a finalizer that
     * closes this session) before a push copies its bytes. */
    if (len > sizeof copy)
        len = sizeof copy;
    memcpy(copy, id, len);
    lua_pushlstring(L, copy, len);
    return 1;
}

static int get_time(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)SSL_SESSION_get_time(check_session(L)));
    return 1;
}

static int get_timeout(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)SSL_SESSION_get_timeout(check_session(L)));
    return 1;
}

static int get_ticket_lifetime_hint(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)SSL_SESSION_get_ticket_lifetime_hint(check_session(L)));
    return 1;
}

static int get_has_ticket(lua_State *L)
{
    lua_pushboolean(L, SSL_SESSION_has_ticket(check_session(L)));
    return 1;
}

/* a == b: the same session id (Python's SSLSession.__eq__). */
static int session_eq(lua_State *L)
{
    SSL_SESSION *a = pyssl_test_session(L, 1), *b = pyssl_test_session(L, 2);
    const unsigned char *ida, *idb;
    unsigned int la, lb;
    if (!a || !b) {
        lua_pushboolean(L, 0);
        return 1;
    }
    ida = SSL_SESSION_get_id(a, &la);
    idb = SSL_SESSION_get_id(b, &lb);
    lua_pushboolean(L, la == lb && memcmp(ida, idb, la) == 0);
    return 1;
}

static int session_tostring(lua_State *L)
{
    lua_pushfstring(L, "<_ssl.SSLSession object at %p>", lua_topointer(L, 1));
    return 1;
}

void pyssl_open_session(lua_State *L)
{
    static const luaL_Reg getters[] = {
        {"id", get_id},
        {"time", get_time},
        {"timeout", get_timeout},
        {"ticket_lifetime_hint", get_ticket_lifetime_hint},
        {"has_ticket", get_has_ticket},
        {NULL, NULL}
    };
    static const pyssl_class cls = {
        .name = CLASS,
        .qualname = "_ssl.SSLSession",
        .module = "_ssl",
        .getters = getters,
        .close = session_close,
        .tostring = session_tostring,
        .eq = session_eq,
        .nuv = NUV,
    };
    pyssl_class_register(L, &cls);
    pyssl_push_class(L, CLASS);
    lua_setfield(L, -2, CLASS);
}

/* The options and attributes of pyssl.socket's socket (Python's
 * socket.socket): getsockopt/setsockopt, settimeout/gettimeout,
 * setblocking/getblocking, get/set_inheritable, the attributes family,
 * type, proto, timeout and the repr (with the class in socket.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include "pyssl.h"

#define CLASS "socket"

/* getsockopt(level, optname[, buflen]) -> int, or bytes when buflen > 0 */
static int sock_getsockopt(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("getsockopt", PYSSL_WORDING_TUPLE, 2, 3);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    int level = pyssl_check_int(L, 2), opt = pyssl_check_int(L, 3), buflen = pyssl_opt_int(L, 4, 0);
    if (buflen == 0) {
        int v = 0;
        socklen_t len = sizeof v;
        if (getsockopt(s->fd, level, opt, &v, &len) < 0)
            return pyssl_raise_errno(L, errno, NULL);
        lua_pushinteger(L, v);
    } else {
        unsigned char *buf = pyssl_state_of(L)->scratch;
        socklen_t len = (socklen_t)buflen;
        if (buflen < 0 || buflen > 1024)
            return pyssl_raise(L, "OSError", "getsockopt buflen out of range");
        if (getsockopt(s->fd, level, opt, buf, &len) < 0)
            return pyssl_raise_errno(L, errno, NULL);
        lua_pushlstring(L, (const char *)buf, len);
    }
    return 1;
}

/* _so_type() -> getsockopt(SOL_SOCKET, SO_TYPE), without the system call
 * when the socket's type is the kernel's (ssl.py's stream check, made on
 * every wrap_socket). Private. */
static int sock_so_type(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("_so_type", PYSSL_WORDING_CLINIC, 0, 0);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    int type = 0;
    socklen_t len = sizeof type;
    if (s->fd >= 0 && s->type_is_kernels)
        type = s->type;
    else if (getsockopt(s->fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
        return pyssl_raise_errno(L, errno, NULL);
    lua_pushinteger(L, type);
    return 1;
}

/* setsockopt(level, optname, value: int | bytes) or
 * setsockopt(level, optname, nil, optlen) */
static int sock_setsockopt(lua_State *L)
{
    pyssl_socket *s = pyssl_check_object(L, 1, CLASS);
    int n = lua_gettop(L) - 1, level, opt, r;
    if (n < 3 || n > 4 || (n == 4 && !lua_isnil(L, 4)))
        return pyssl_raise(L, "TypeError", "setsockopt() takes exactly 3 arguments (%d given)",
                           n < 3 ? n : 4);
    level = pyssl_check_int(L, 2);
    opt = pyssl_check_int(L, 3);
    if (n == 4) {
        lua_Integer optlen = pyssl_check_index(L, 5);
        if (optlen < 0 || optlen > INT_MAX)
            return pyssl_raise(L, "OverflowError", "Python int too large to convert to C unsigned int");
        r = setsockopt(s->fd, level, opt, NULL, (socklen_t)optlen);
    } else if (lua_isinteger(L, 4) || lua_isboolean(L, 4)) {
        int v = lua_isboolean(L, 4) ? lua_toboolean(L, 4) : pyssl_check_int(L, 4);
        r = setsockopt(s->fd, level, opt, &v, sizeof v);
    } else {
        size_t len;
        const char *buf = pyssl_check_data(L, 4, &len);
        r = setsockopt(s->fd, level, opt, buf, (socklen_t)len);
    }
    if (r < 0)
        return pyssl_raise_errno(L, errno, NULL);
    return 0;
}

/* settimeout(value): nil blocks, 0 is non-blocking, > 0 seconds */
static int sock_settimeout(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("settimeout", PYSSL_WORDING_CLINIC, 1, 1);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    pyssl_socket_settimeout(L, s, pyssl_check_timeout(L, 2));
    return 0;
}

static int sock_gettimeout(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("gettimeout", PYSSL_WORDING_CLINIC, 0, 0);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    pyssl_push_timeout(L, s->timeout);
    return 1;
}

/* Python's truth value of the Lua value at idx: nil, false, 0, "" and an
 * empty plain table (an empty list or dict) are false. */
static int python_truth(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return 0;
    case LUA_TBOOLEAN:
        return lua_toboolean(L, idx);
    case LUA_TNUMBER:
        return lua_tonumber(L, idx) != 0;
    case LUA_TSTRING:
        return lua_rawlen(L, idx) > 0;
    case LUA_TTABLE:
        if (lua_getmetatable(L, idx)) {   /* an object */
            lua_pop(L, 1);
            return 1;
        }
        lua_pushnil(L);
        if (!lua_next(L, idx))
            return 0;
        lua_pop(L, 2);
        return 1;
    default:
        return 1;
    }
}

/* setblocking(flag): true = no timeout, false = timeout 0. Any value, by
 * its truth (3.13; 3.11 took integers only). */
static int sock_setblocking(lua_State *L)
{
    pyssl_socket *s = pyssl_check_object(L, 1, CLASS);
    if (lua_gettop(L) != 2)
        return pyssl_raise(L, "TypeError", "socket.setblocking() takes exactly one argument (%d given)",
                           lua_gettop(L) - 1);
    pyssl_socket_settimeout(L, s, python_truth(L, 2) ? -1.0 : 0.0);
    return 0;
}

static int sock_getblocking(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("getblocking", PYSSL_WORDING_CLINIC, 0, 0);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    lua_pushboolean(L, s->timeout != 0);
    return 1;
}

static int sock_get_inheritable(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("get_inheritable", PYSSL_WORDING_PYTHON, 0, 0);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    int flags = fcntl(s->fd, F_GETFD);
    if (flags < 0)
        return pyssl_raise_errno(L, errno, NULL);
    lua_pushboolean(L, !(flags & FD_CLOEXEC));
    return 1;
}

static int sock_set_inheritable(lua_State *L)
{
    pyssl_socket *s = pyssl_check_object(L, 1, CLASS);
    int flags = fcntl(s->fd, F_GETFD);
    if (flags < 0)
        return pyssl_raise_errno(L, errno, NULL);
    flags = lua_toboolean(L, 2) ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC;
    if (fcntl(s->fd, F_SETFD, flags) < 0)
        return pyssl_raise_errno(L, errno, NULL);
    return 0;
}

static int get_family(lua_State *L)
{
    lua_pushinteger(L, ((pyssl_socket *)lua_touserdata(L, 1))->family);
    return 1;
}

static int get_type(lua_State *L)
{
    lua_pushinteger(L, ((pyssl_socket *)lua_touserdata(L, 1))->type);
    return 1;
}

static int get_proto(lua_State *L)
{
    lua_pushinteger(L, ((pyssl_socket *)lua_touserdata(L, 1))->proto);
    return 1;
}

static int get_timeout(lua_State *L)
{
    pyssl_push_timeout(L, ((pyssl_socket *)lua_touserdata(L, 1))->timeout);
    return 1;
}

/* CPython's own texts for these two read-only attributes. */
static int set_timeout_attr(lua_State *L)
{
    return pyssl_raise(L, "AttributeError",
                       "attribute 'timeout' of '_socket.socket' objects is not writable");
}

static int set_proto_attr(lua_State *L)
{
    return pyssl_raise(L, "AttributeError", "readonly attribute");
}

/* Replaces the address on top of the stack by str() of it as Python's
 * repr shows it: a tuple for internet addresses, the path for AF_UNIX. */
static void address_to_str(lua_State *L)
{
    int t = lua_gettop(L), i, n;
    if (!lua_istable(L, t))
        return;
    n = (int)lua_rawlen(L, t);
    lua_pushliteral(L, "(");
    for (i = 1; i <= n; i++) {
        if (i > 1)
            lua_pushliteral(L, ", ");
        lua_rawgeti(L, t, i);
        pyssl_push_repr(L, -1);
        lua_remove(L, -2);
    }
    lua_pushliteral(L, ")");
    lua_concat(L, lua_gettop(L) - t);
    lua_replace(L, t);
}

/* Pushes ", <label>=<address>" for the local (peer = 0) or peer address,
 * or nothing when there is none (returns 0). */
static int push_address_part(lua_State *L, pyssl_socket *s, int peer)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if ((peer ? getpeername(s->fd, (struct sockaddr *)&ss, &len)
              : getsockname(s->fd, (struct sockaddr *)&ss, &len)) < 0 || len == 0)
        return 0;
    lua_pushstring(L, peer ? ", raddr=" : ", laddr=");
    pyssl_push_sockaddr(L, (struct sockaddr *)&ss, (int)len);
    if (lua_type(L, -1) == LUA_TSTRING && lua_rawlen(L, -1) == 0) {
        lua_pop(L, 2);   /* an unbound AF_UNIX socket: Python shows nothing */
        return 0;
    }
    address_to_str(L);
    return 1;
}

int pyssl_socket_tostring(lua_State *L)
{
    pyssl_socket *s = lua_touserdata(L, 1);
    const char *module, *name;
    int base, closed = s->fd < 0;
    lua_settop(L, 1);
    /* close() deferred by open makefile() files sets _closed (socket.lua). */
    if (!closed && lua_getiuservalue(L, 1, PYSSL_UV_DICT) == LUA_TTABLE) {
        lua_getfield(L, -1, "_closed");
        closed = lua_toboolean(L, -1);
    }
    lua_settop(L, 1);
    lua_getfield(L, lua_upvalueindex(2), "__module");
    lua_getfield(L, lua_upvalueindex(2), "__name");
    module = lua_tostring(L, 2);
    name = lua_tostring(L, 3);
    base = lua_gettop(L);
    lua_pushfstring(L, "<%s.%s%s fd=%d, family=%d, type=%d, proto=%d",
                    module ? module : "socket", name ? name : CLASS,
                    closed ? " [closed]" : "", s->fd, s->family, s->type, s->proto);
    if (!closed) {
        push_address_part(L, s, 0);
        push_address_part(L, s, 1);
    }
    lua_pushliteral(L, ">");
    lua_concat(L, lua_gettop(L) - base);
    return 1;
}

/* Adds the methods and attributes to the socket class (called by
 * socket.c). */
void pyssl_open_sockopt(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"getsockopt", sock_getsockopt},
        {"_so_type", sock_so_type},
        {"setsockopt", sock_setsockopt},
        {"settimeout", sock_settimeout},
        {"gettimeout", sock_gettimeout},
        {"setblocking", sock_setblocking},
        {"getblocking", sock_getblocking},
        {"get_inheritable", sock_get_inheritable},
        {"set_inheritable", sock_set_inheritable},
        {NULL, NULL}
    };
    static const luaL_Reg getters[] = {
        {"family", get_family},
        {"type", get_type},
        {"proto", get_proto},
        {"timeout", get_timeout},
        {NULL, NULL}
    };
    static const luaL_Reg setters[] = {
        {"timeout", set_timeout_attr},
        {"proto", set_proto_attr},
        {NULL, NULL}
    };
    pyssl_class_extend(L, CLASS, methods, getters, setters);
}

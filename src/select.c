/* select.select for pyssl.select (lua/pyssl/select.lua forwards to it),
 * on poll(): no FD_SETSIZE limit. Also pyssl_fileno_of, the descriptor
 * of any argument select, poll and epoll accept (epoll.c).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include "pyssl.h"

/* A float with an integral value in lua_Integer's range, as LuaSocket's
 * getfd() returns on 5.3+ (lua_pushnumber): *out gets it. */
static int integral_float(lua_State *L, int idx, lua_Integer *out)
{
    lua_Number n;
    if (lua_type(L, idx) != LUA_TNUMBER)
        return 0;
    n = lua_tonumber(L, idx);
    /* -2^63 <= n < 2^63, written so that NaN fails too */
    if (!(n >= -9223372036854775808.0 && n < 9223372036854775808.0) || (lua_Number)(lua_Integer)n != n)
        return 0;
    *out = (lua_Integer)n;
    return 1;
}

/* The descriptor of a select() argument: an integer, a pyssl socket, or
 * any object with fileno() (Python's rule) or getfd() (LuaSocket's, whose
 * integral float result counts too). */
int pyssl_fileno_of(lua_State *L, int idx)
{
    pyssl_socket *s;
    lua_Integer fd;
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TNUMBER && lua_isinteger(L, idx)) {
        fd = lua_tointeger(L, idx);
    } else if ((s = pyssl_test_socket(L, idx)) != NULL) {
        fd = s->fd;
    } else {
        int t = lua_type(L, idx);
        int found = 0, is_getfd = 0;
        /* A userdata without __index cannot be indexed without an error. */
        if ((t == LUA_TTABLE ||
             (t == LUA_TUSERDATA && luaL_getmetafield(L, idx, "__index") != LUA_TNIL &&
              (lua_pop(L, 1), 1))) &&
            !pyssl_object_classname(L, idx)) {
            if (lua_getfield(L, idx, "fileno") == LUA_TFUNCTION)
                found = 1;
            else {
                lua_pop(L, 1);
                if (lua_getfield(L, idx, "getfd") == LUA_TFUNCTION)
                    found = is_getfd = 1;
                else
                    lua_pop(L, 1);
            }
        }
        if (!found)
            return pyssl_raise(L, "TypeError", "argument must be an int, or have a fileno() method.");
        lua_pushvalue(L, idx);
        lua_call(L, 1, 1);
        if (lua_isinteger(L, -1))
            fd = lua_tointeger(L, -1);
        else if (!(is_getfd && integral_float(L, -1, &fd)))
            return pyssl_raise(L, "TypeError", "fileno() returned a non-integer");
        lua_pop(L, 1);
    }
    if (fd > INT_MAX)
        return pyssl_raise(L, "OverflowError", "Python int too large to convert to C int");
    if (fd < 0)
        return pyssl_raise(L, "ValueError", "file descriptor cannot be a negative integer (%d)",
                           (int)(fd < INT_MIN ? INT_MIN : fd));
    return (int)fd;
}

/* select(rlist, wlist, xlist[, timeout]) -> readable, writable, exceptional
 * Implemented with poll(): no FD_SETSIZE limit. */
int pyssl_select(lua_State *L)
{
    static const short events[3] = {POLLIN, POLLOUT, POLLPRI};
    struct pollfd *fds;
    int counts[3], total = 0, i, j, k, r, ms;
    double timeout, deadline;
    for (i = 1; i <= 3; i++)
        if (!lua_istable(L, i) || pyssl_object_classname(L, i))
            return pyssl_raise(L, "TypeError", "arguments 1-3 must be sequences");
    if (lua_isnoneornil(L, 4)) {
        timeout = -1;
    } else if (lua_isboolean(L, 4)) {
        timeout = lua_toboolean(L, 4) ? 1.0 : 0.0;   /* Python's bool is an int */
    } else if (lua_type(L, 4) == LUA_TNUMBER) {
        timeout = pyssl_timeout_seconds(L, 4);
        if (timeout < 0)
            return pyssl_raise(L, "ValueError", "timeout must be non-negative");
    } else {
        return pyssl_raise(L, "TypeError", "timeout must be a float or None");
    }
    lua_settop(L, 4);
    for (i = 0; i < 3; i++) {
        counts[i] = (int)lua_rawlen(L, i + 1);
        if (counts[i] > INT_MAX / 4 - total)
            return pyssl_raise(L, "ValueError", "too many file descriptors in select()");
        total += counts[i];
    }
    /* A userdata, not malloc: a Lua error below cannot leak it. */
    fds = lua_newuserdatauv(L, (size_t)(total > 0 ? total : 1) * sizeof *fds, 0);
    for (i = 0, k = 0; i < 3; i++) {
        for (j = 1; j <= counts[i]; j++, k++) {
            lua_rawgeti(L, i + 1, j);
            fds[k].fd = pyssl_fileno_of(L, -1);
            fds[k].events = events[i];
            fds[k].revents = 0;
            lua_pop(L, 1);
        }
    }
    deadline = timeout < 0 ? -1 : pyssl_monotonic() + timeout;
    for (;;) {
        if (deadline < 0) {
            ms = -1;
        } else {
            double left = (deadline - pyssl_monotonic()) * 1000.0;
            ms = left <= 0 ? 0 : left >= (double)INT_MAX ? INT_MAX : (int)left + ((double)(int)left < left);
        }
        r = poll(fds, (nfds_t)total, ms);
        if (r >= 0) {
            if (r == 0 && ms != 0 && ms != -1 && pyssl_monotonic() < deadline)
                continue;
            break;
        }
        if (errno != EINTR)
            return pyssl_raise_errno(L, errno, NULL);
    }
    for (k = 0; k < total; k++)
        if (fds[k].revents & POLLNVAL)
            return pyssl_raise_errno(L, EBADF, NULL);
    for (i = 0, k = 0; i < 3; i++) {
        int n = 0;
        short ready = i == 0 ? (POLLIN | POLLHUP | POLLERR)
                    : i == 1 ? (POLLOUT | POLLERR | POLLHUP) : POLLPRI;
        lua_newtable(L);
        for (j = 1; j <= counts[i]; j++, k++) {
            if (fds[k].revents & ready) {
                lua_rawgeti(L, i + 1, j);
                lua_rawseti(L, -2, ++n);
            }
        }
    }
    return 3;
}

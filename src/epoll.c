/* Readiness polling: Python's select.epoll object, and the poll() call
 * select.poll objects are built on (lua/pyssl/select.lua keeps a poll
 * object's registrations in Lua and calls _poll here).
 *
 * What lua/pyssl/selectors.lua needs is Python's: register/modify/
 * unregister/poll/close/fileno/closed on epoll, with Python's errors.
 * _wait is the same wait as epoll.poll for the selectors' hot path: it
 * fills two reused Lua arrays (descriptors, events) instead of making one
 * (fd, events) table per ready descriptor.
 *
 * An interrupted wait (EINTR) is retried with the time left, as Python
 * does since PEP 475.
 */
#define _GNU_SOURCE   /* POLLRDHUP, POLLMSG */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "pyssl.h"

#define CLASS "epoll"

/* User value 2: the event buffer of the last waits (a userdata, so that a
 * Lua error or a finalizer closing the object cannot free it under us). */
enum { UV_EVENTS = 2 };

typedef struct pyssl_epoll {
    int epfd;   /* -1 once closed */
} pyssl_epoll;

static pyssl_epoll *check_open(lua_State *L)
{
    pyssl_epoll *self = pyssl_check_object(L, 1, CLASS);
    if (self->epfd < 0)
        pyssl_raise(L, "ValueError", "I/O operation on closed epoll object");
    return self;
}

/* Milliseconds until deadline (< 0: forever), rounded up so that a wait
 * never ends before it. */
static int ms_until(double deadline)
{
    double left;
    if (deadline < 0)
        return -1;
    left = (deadline - pyssl_monotonic()) * 1000.0;
    if (left <= 0)
        return 0;
    if (left >= (double)INT_MAX)
        return INT_MAX;
    return (int)ceil(left);
}

/* A deadline for a wait of `ms` milliseconds (< 0: forever). */
static double deadline_after(int ms)
{
    return ms < 0 ? -1 : pyssl_monotonic() + ms / 1000.0;
}

/* epoll(sizehint=-1, flags=0) */
static int epoll_new(lua_State *L)
{
    lua_Integer sizehint = lua_isnoneornil(L, 2) ? -1 : pyssl_check_index(L, 2);
    lua_Integer flags = lua_isnoneornil(L, 3) ? 0 : pyssl_check_index(L, 3);
    pyssl_epoll *self;
    if (lua_gettop(L) > 3)
        return pyssl_raise(L, "TypeError", "epoll() takes at most 2 arguments (%d given)",
                           lua_gettop(L) - 1);
    if (sizehint == 0 || sizehint < -1)
        return pyssl_raise(L, "ValueError", "negative sizehint");
    if (flags != 0 && flags != EPOLL_CLOEXEC)
        return pyssl_raise(L, "OSError", "invalid flags");
    self = pyssl_new_object(L, CLASS, sizeof *self);
    self->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (self->epfd < 0)
        return pyssl_raise_errno(L, errno, NULL);
    return 1;
}

/* __gc, __close and close(): idempotent; a failing close(2) is ignored
 * (the descriptor is released either way). */
static int epoll_gc(lua_State *L)
{
    pyssl_epoll *self = pyssl_check_object(L, 1, CLASS);
    if (self->epfd >= 0) {
        close(self->epfd);
        self->epfd = -1;
    }
    return 0;
}

static int epoll_fileno(lua_State *L)
{
    lua_pushinteger(L, check_open(L)->epfd);
    return 1;
}

static int epoll_closed(lua_State *L)
{
    lua_pushboolean(L, ((pyssl_epoll *)pyssl_check_object(L, 1, CLASS))->epfd < 0);
    return 1;
}

/* register/modify/unregister share epoll_ctl; Python's default eventmask
 * is EPOLLIN | EPOLLPRI | EPOLLOUT. */
static int control(lua_State *L, int op)
{
    pyssl_epoll *self = check_open(L);
    int fd = pyssl_fileno_of(L, 2);
    struct epoll_event ev = {0};
    if (op != EPOLL_CTL_DEL) {
        if (op == EPOLL_CTL_ADD && lua_isnoneornil(L, 3))
            ev.events = EPOLLIN | EPOLLPRI | EPOLLOUT;
        else
            ev.events = (uint32_t)pyssl_check_index(L, 3);
    }
    ev.data.fd = fd;
    if (epoll_ctl(self->epfd, op, fd, &ev) < 0)
        return pyssl_raise_errno(L, errno, NULL);
    return 0;
}

static int epoll_register(lua_State *L) { return control(L, EPOLL_CTL_ADD); }
static int epoll_modify(lua_State *L) { return control(L, EPOLL_CTL_MOD); }
static int epoll_unregister(lua_State *L) { return control(L, EPOLL_CTL_DEL); }

/* The event buffer for maxevents events (user value 2, grown on demand).
 * It grows to at least twice its size: selectors pass the count of
 * registered descriptors, which a server raises by one per connection,
 * and a buffer per new size would leave its predecessors as garbage (a
 * 10,000-connection server made ~10,000 of them, up to 120 KB each). */
static struct epoll_event *event_buffer(lua_State *L, int maxevents)
{
    size_t need = (size_t)maxevents * sizeof(struct epoll_event), have;
    lua_getiuservalue(L, 1, UV_EVENTS);
    have = lua_type(L, -1) == LUA_TUSERDATA ? lua_rawlen(L, -1) : 0;
    if (have < need) {
        lua_pop(L, 1);
        lua_newuserdatauv(L, need > have * 2 ? need : have * 2, 0);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, 1, UV_EVENTS);
    }
    return lua_touserdata(L, -1);   /* stays on the stack: anchored */
}

/* Waits up to ms milliseconds (< 0: forever) for at most maxevents events;
 * returns how many are in the buffer. */
static int wait_events(lua_State *L, pyssl_epoll *self, int ms, int maxevents,
                       struct epoll_event *events)
{
    double deadline = deadline_after(ms);
    for (;;) {
        int n = epoll_wait(self->epfd, events, maxevents, ms);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return pyssl_raise_errno(L, errno, NULL);
        ms = ms_until(deadline);
    }
}

static int check_maxevents(lua_State *L, int idx)
{
    lua_Integer maxevents = lua_isnoneornil(L, idx) ? -1 : pyssl_check_index(L, idx);
    if (maxevents == -1)
        return FD_SETSIZE - 1;   /* Python's default */
    if (maxevents <= 0)
        return pyssl_raise(L, "ValueError", "maxevents must be greater than 0, got %d",
                           maxevents < INT_MIN ? INT_MIN : (int)maxevents);
    return maxevents > INT_MAX / (int)sizeof(struct epoll_event)
        ? INT_MAX / (int)sizeof(struct epoll_event) : (int)maxevents;
}

/* poll(timeout=None, maxevents=-1) -> list of (fd, events)
 * timeout in seconds; None or negative waits forever. */
static int epoll_poll(lua_State *L)
{
    pyssl_epoll *self = check_open(L);
    int ms = -1, maxevents, n, i;
    struct epoll_event *events;
    if (!lua_isnoneornil(L, 2)) {
        double timeout;
        if (lua_type(L, 2) != LUA_TNUMBER)
            return pyssl_raise(L, "TypeError", "timeout must be an integer or None");
        timeout = lua_tonumber(L, 2);
        if (timeout != timeout)
            return pyssl_raise(L, "ValueError", "Invalid value NaN (not a number)");
        if (timeout * 1000.0 >= (double)INT_MAX)
            return pyssl_raise(L, "OverflowError", "timeout is too large");
        if (timeout >= 0)
            ms = (int)ceil(timeout * 1000.0);
    }
    maxevents = check_maxevents(L, 3);
    lua_settop(L, 3);
    events = event_buffer(L, maxevents);
    n = wait_events(L, self, ms, maxevents, events);
    lua_createtable(L, n, 0);
    for (i = 0; i < n; i++) {
        lua_createtable(L, 2, 0);
        lua_pushinteger(L, events[i].data.fd);
        lua_rawseti(L, -2, 1);
        lua_pushinteger(L, events[i].events);
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* _wait(ms, maxevents, fds, events) -> n: what poll() does, for
 * selectors.lua: ms is whole milliseconds (< 0: forever), and the ready
 * descriptors and their events go into fds[1..n] and events[1..n]
 * (entries past n are left as they were). */
static int epoll_wait_into(lua_State *L)
{
    pyssl_epoll *self = check_open(L);
    lua_Integer ms = pyssl_check_index(L, 2);
    int maxevents = check_maxevents(L, 3), n, i;
    struct epoll_event *events;
    luaL_checktype(L, 4, LUA_TTABLE);
    luaL_checktype(L, 5, LUA_TTABLE);
    lua_settop(L, 5);
    events = event_buffer(L, maxevents);
    n = wait_events(L, self, ms < 0 ? -1 : ms > INT_MAX ? INT_MAX : (int)ms, maxevents, events);
    for (i = 0; i < n; i++) {
        lua_pushinteger(L, events[i].data.fd);
        lua_rawseti(L, 4, i + 1);
        lua_pushinteger(L, events[i].events);
        lua_rawseti(L, 5, i + 1);
    }
    lua_pushinteger(L, n);
    return 1;
}

/* _poll(fds, events, n, ms, rfds, revents) -> count: poll() on the n
 * descriptors fds[i] with events[i]; the ready ones go into rfds/revents
 * (Python's select.poll().poll, whose registrations select.lua keeps).
 * ms < 0 waits forever. */
static int l_poll(lua_State *L)
{
    lua_Integer n = pyssl_check_index(L, 3), ms = pyssl_check_index(L, 4);
    struct pollfd *fds;
    double deadline;
    int i, count = 0, r, wait_ms;
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 5, LUA_TTABLE);
    luaL_checktype(L, 6, LUA_TTABLE);
    if (n < 0 || n > INT_MAX / (lua_Integer)sizeof *fds)
        return pyssl_raise(L, "ValueError", "too many file descriptors");
    lua_settop(L, 6);
    fds = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *fds, 0);
    for (i = 0; i < n; i++) {
        lua_rawgeti(L, 1, i + 1);
        lua_rawgeti(L, 2, i + 1);
        fds[i].fd = (int)lua_tointeger(L, -2);
        fds[i].events = (short)lua_tointeger(L, -1);
        fds[i].revents = 0;
        lua_pop(L, 2);
    }
    wait_ms = ms < 0 ? -1 : ms > INT_MAX ? INT_MAX : (int)ms;
    deadline = deadline_after(wait_ms);
    while ((r = poll(fds, (nfds_t)n, wait_ms)) < 0) {
        if (errno != EINTR)
            return pyssl_raise_errno(L, errno, NULL);
        wait_ms = ms_until(deadline);
    }
    for (i = 0; i < n && count < r; i++) {
        if (fds[i].revents) {
            count++;
            lua_pushinteger(L, fds[i].fd);
            lua_rawseti(L, 5, count);
            lua_pushinteger(L, (unsigned short)fds[i].revents);
            lua_rawseti(L, 6, count);
        }
    }
    lua_pushinteger(L, count);
    return 1;
}

/* _fileno(obj) -> fd: the descriptor select.poll().register takes (an
 * integer, a socket, or an object with fileno() or getfd()). */
static int l_fileno(lua_State *L)
{
    lua_pushinteger(L, pyssl_fileno_of(L, 1));
    return 1;
}

static const struct { const char *name; lua_Integer value; } constants[] = {
    {"EPOLLIN", EPOLLIN}, {"EPOLLOUT", EPOLLOUT}, {"EPOLLPRI", EPOLLPRI},
    {"EPOLLERR", EPOLLERR}, {"EPOLLHUP", EPOLLHUP}, {"EPOLLET", (lua_Integer)(uint32_t)EPOLLET},
    {"EPOLLONESHOT", EPOLLONESHOT}, {"EPOLLRDHUP", EPOLLRDHUP},
    {"EPOLLEXCLUSIVE", EPOLLEXCLUSIVE}, {"EPOLLRDNORM", EPOLLRDNORM},
    {"EPOLLRDBAND", EPOLLRDBAND}, {"EPOLLWRNORM", EPOLLWRNORM},
    {"EPOLLWRBAND", EPOLLWRBAND}, {"EPOLLMSG", EPOLLMSG}, {"EPOLL_CLOEXEC", EPOLL_CLOEXEC},
    {"POLLIN", POLLIN}, {"POLLOUT", POLLOUT}, {"POLLPRI", POLLPRI}, {"POLLERR", POLLERR},
    {"POLLHUP", POLLHUP}, {"POLLNVAL", POLLNVAL}, {"POLLRDNORM", POLLRDNORM},
    {"POLLRDBAND", POLLRDBAND}, {"POLLWRNORM", POLLWRNORM}, {"POLLWRBAND", POLLWRBAND},
    {"POLLMSG", POLLMSG}, {"POLLRDHUP", POLLRDHUP},
};

/* core._select: the epoll class, _poll and the EPOLL and POLL constants. */
void pyssl_open_epoll(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"close", epoll_gc},
        {"fileno", epoll_fileno},
        {"register", epoll_register},
        {"modify", epoll_modify},
        {"unregister", epoll_unregister},
        {"poll", epoll_poll},
        {"_wait", epoll_wait_into},
        {NULL, NULL}
    };
    static const luaL_Reg getters[] = {
        {"closed", epoll_closed},
        {NULL, NULL}
    };
    static const luaL_Reg fns[] = {
        {"_poll", l_poll},
        {"_fileno", l_fileno},
        {NULL, NULL}
    };
    static const pyssl_class cls = {
        .name = CLASS,
        .qualname = "select.epoll",
        .module = "select",
        .methods = methods,
        .getters = getters,
        .construct = epoll_new,
        .close = epoll_gc,
        .nuv = 2,
    };
    size_t i;
    pyssl_class_register(L, &cls);
    lua_newtable(L);
    pyssl_push_class(L, CLASS);
    lua_setfield(L, -2, "epoll");
    /* Like every function of the core: the per-state data as upvalue 1. */
    lua_getfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY);
    luaL_setfuncs(L, fns, 1);
    for (i = 0; i < sizeof constants / sizeof constants[0]; i++) {
        lua_pushinteger(L, constants[i].value);
        lua_setfield(L, -2, constants[i].name);
    }
    lua_setfield(L, -2, "_select");
}

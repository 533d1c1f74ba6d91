/* socket: Python's socket.socket for pyssl.socket, with Python's timeout
 * semantics: creation, connect/accept, close, the module functions (select()
 * is select.c, recv/send & co sockio.c, options, timeouts, attributes and
 * repr sockopt.c, bytearray bytearray.c, the constants sockconst.c).
 *
 * Timeouts as in CPython: a socket with a timeout (>= 0) has its
 * descriptor in non-blocking mode and waits with poll() for at most the
 * timeout per operation (sendall: for the whole call); timeout 0 raises
 * BlockingIOError; no timeout (< 0, Python's None) uses a blocking
 * descriptor. EINTR is retried. A timeout raises TimeoutError("timed out").
 *
 * Ownership: an object owns its descriptor from the moment its fd field is
 * set; objects are created before the descriptor they will own (socket(),
 * accept(), socketpair(), dup()), so an error never leaves an orphan
 * descriptor. __gc/__close close it; fd is -1 once closed or detached.
 */
/* accept4, SOCK_CLOEXEC/SOCK_NONBLOCK, SO_DOMAIN (Linux, BSDs). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include "pyssl.h"

#define CLASS "socket"
#define BYTEARRAY "bytearray"
#define DEFAULT_TIMEOUT_KEY "pyssl.socket.defaulttimeout"

/* Python's default listen() backlog: min(SOMAXCONN, 128). */
#define DEFAULT_BACKLOG (SOMAXCONN < 128 ? SOMAXCONN : 128)

/* ------------------------------------------------------------ helpers */

double pyssl_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int pyssl_socket_wait(lua_State *L, int fd, int writing, double deadline)
{
    struct pollfd p;
    int ms, r;
    for (;;) {
        p.fd = fd;
        p.events = writing ? POLLOUT : POLLIN;
        p.revents = 0;
        if (deadline < 0) {
            ms = -1;
        } else {
            double left = (deadline - pyssl_monotonic()) * 1000.0;
            /* A deadline already passed is a timeout even if the descriptor
             * is ready (CPython checks before polling too): an operation
             * that keeps asking to wait on a ready descriptor then ends. */
            if (left <= 0)
                return 0;
            if (left >= (double)INT_MAX)
                ms = INT_MAX;
            else {
                ms = (int)left;
                if ((double)ms < left)
                    ms++;   /* round up: never wake before the deadline */
            }
        }
        r = poll(&p, 1, ms);
        if (r > 0)
            return 1;
        if (r == 0) {
            if (pyssl_monotonic() >= deadline)
                return 0;
            continue;
        }
        if (errno != EINTR)
            return pyssl_raise_errno(L, errno, NULL);
    }
}

double pyssl_default_timeout(lua_State *L)
{
    double t = -1;
    if (lua_getfield(L, LUA_REGISTRYINDEX, DEFAULT_TIMEOUT_KEY) == LUA_TNUMBER)
        t = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return t;
}

pyssl_socket *pyssl_test_socket(lua_State *L, int idx)
{
    return pyssl_test_object(L, idx, CLASS);
}

static int raise_timeout(lua_State *L)
{
    return pyssl_raise(L, "TimeoutError", "timed out");
}

/* Puts fd in blocking mode (timeout < 0) or non-blocking mode; returns 0
 * or an errno. One ioctl(FIONBIO), as CPython does, instead of
 * fcntl(F_GETFL) and F_SETFL: each system call counts on every connection. */
static int set_fd_blocking(int fd, double timeout)
{
    int nonblocking = timeout >= 0;
    if (ioctl(fd, FIONBIO, &nonblocking) < 0)
        return errno;
    return 0;
}

void pyssl_socket_settimeout(lua_State *L, pyssl_socket *s, double timeout)
{
    int err;
    s->timeout = timeout;
    err = set_fd_blocking(s->fd, timeout);
    if (err)
        pyssl_raise_errno(L, err, NULL);
}

/* What a descriptor costs beyond Lua's heap: the kernel's socket (~4 KB
 * before buffers) and a slot of the descriptor table, which runs out long
 * before memory does. Counted as collector debt (pyssl_add_gc_debt) so that
 * unreferenced sockets, which Python closes at once, are not left open. */
#define DESCRIPTOR_BYTES (4 * 1024)

/* A call that makes descriptors returned `result`, with errno err: on
 * EMFILE/ENFILE, unreferenced sockets may still hold descriptors until the
 * collector runs, so the first such failure collects (when the collector
 * runs) and answers 1: try again. Otherwise 0, errno untouched. */
static int retry_after_collect(lua_State *L, int result, int err, int *collected)
{
    if (result >= 0 || (err != EMFILE && err != ENFILE) || *collected || !PYSSL_GC_RUNNING(L))
        return 0;
    *collected = 1;
    lua_gc(L, LUA_GCCOLLECT, 0);
    return 1;
}

/* A new object of `classname` that owns no descriptor yet (fd -1). */
static pyssl_socket *new_socket_object(lua_State *L, const char *classname)
{
    pyssl_socket *s = pyssl_new_object(L, classname, sizeof(pyssl_socket));
    s->fd = -1;
    return s;
}

pyssl_socket *pyssl_new_socket(lua_State *L, const char *classname, int fd, int family,
                               int type, int proto, double timeout)
{
    pyssl_socket *s = new_socket_object(L, classname);
    PYSSL_ASSERT(fd >= 0);
    s->fd = fd;
    s->family = family;
    s->type = type;
    s->proto = proto;
    s->timeout = timeout;
    return s;
}

int pyssl_socket_close_fd(pyssl_socket *s)
{
    int fd = s->fd;
    PYSSL_ASSERT(fd >= -1);
    s->fd = -1;
    if (fd >= 0 && close(fd) < 0 && errno != EINTR)
        return errno;
    return 0;
}

/* After an operation failed with errno `err`: returns when it should be
 * retried (EINTR, or the descriptor became ready within the timeout),
 * raises otherwise. *deadline < 0 means "not started": the timeout starts
 * at the first wait. */
void pyssl_socket_retry(lua_State *L, pyssl_socket *s, int err, int writing, double *deadline)
{
    if (err == EINTR)
        return;
    if ((err == EAGAIN || err == EWOULDBLOCK) && s->timeout > 0) {
        if (*deadline < 0)
            *deadline = pyssl_monotonic() + s->timeout;
        if (pyssl_socket_wait(L, s->fd, writing, *deadline))
            return;
        raise_timeout(L);
    }
    pyssl_raise_errno(L, err, NULL);
}

/* Checks self (a socket) and binds the arguments after it (sig: a
 * PYSSL_SOCKET_SIG). Returns self. */
pyssl_socket *pyssl_socket_bind(lua_State *L, const pyssl_sig *sig)
{
    pyssl_socket *s = pyssl_check_object(L, 1, CLASS);
    pyssl_bind(L, sig, 2);
    return s;
}

/* An int argument (C int), with Python's OverflowError texts. */
int pyssl_check_int(lua_State *L, int idx)
{
    lua_Integer v = pyssl_check_index(L, idx);
    if (v > INT_MAX)
        pyssl_raise(L, "OverflowError", "signed integer is greater than maximum");
    if (v < INT_MIN)
        pyssl_raise(L, "OverflowError", "signed integer is less than minimum");
    return (int)v;
}

/* Python keeps a timeout as whole nanoseconds in a signed 64-bit count
 * (_PyTime_FromSecondsObject with ROUND_TIMEOUT: away from zero) and
 * answers gettimeout() from that count. pyssl keeps seconds, but rounds
 * them the same way, so 1e-10 becomes 1e-09 and -0.0 becomes 0.0. The
 * number at idx, in seconds (negative ones too: the caller refuses them
 * with its own message); Python's OverflowError outside the count's range,
 * its ValueError for NaN. */
#define NS_PER_SEC 1000000000
double pyssl_timeout_seconds(lua_State *L, int idx)
{
    long long ns;
    if (lua_isinteger(L, idx)) {
        lua_Integer sec = lua_tointeger(L, idx);
        if (sec > LLONG_MAX / NS_PER_SEC || sec < LLONG_MIN / NS_PER_SEC)
            pyssl_raise(L, "OverflowError", "timestamp too large to convert to C PyTime_t");
        ns = (long long)sec * NS_PER_SEC;
    } else {
        double d = lua_tonumber(L, idx) * 1e9;
        if (d != d)
            pyssl_raise(L, "ValueError", "Invalid value NaN (not a number)");
        /* 2^63 is exact as a double; every double this large is integral. */
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
            pyssl_raise(L, "OverflowError", "timestamp out of range for platform time_t");
        ns = (long long)d;   /* toward zero, then away from it */
        if ((double)ns != d)
            ns += d > 0 ? 1 : -1;
    }
    if (ns % NS_PER_SEC == 0)
        return (double)(ns / NS_PER_SEC);
    return (double)ns / 1e9;
}

/* A timeout value: nil -> -1 (None), else seconds >= 0. */
double pyssl_check_timeout(lua_State *L, int idx)
{
    double t;
    if (lua_isnoneornil(L, idx))
        return -1;
    if (lua_isboolean(L, idx))
        return lua_toboolean(L, idx) ? 1.0 : 0.0;   /* Python's bool is an int */
    if (lua_type(L, idx) != LUA_TNUMBER)
        pyssl_raise(L, "TypeError", "'%s' object cannot be interpreted as an integer",
                    pyssl_typename(L, idx));
    t = pyssl_timeout_seconds(L, idx);
    if (t < 0)
        pyssl_raise(L, "ValueError", "Timeout value out of range");
    return t;
}

void pyssl_push_timeout(lua_State *L, double t)
{
    if (t < 0)
        lua_pushnil(L);
    else
        lua_pushnumber(L, t);
}

/* ------------------------------------------------------------ connect */

/* connect() with Python's waiting rules; returns 0 or an errno, and sets
 * *timed_out when the timeout expired (errno EWOULDBLOCK then). */
static int do_connect(lua_State *L, pyssl_socket *s, const struct sockaddr *sa, socklen_t len,
                      int *timed_out)
{
    double deadline;
    int err;
    socklen_t errlen;
    *timed_out = 0;
    if (connect(s->fd, sa, len) == 0)
        return 0;
    err = errno;
    if (err == EINTR ? s->timeout == 0 : !(s->timeout > 0 && err == EINPROGRESS))
        return err;
    deadline = s->timeout > 0 ? pyssl_monotonic() + s->timeout : -1;
    for (;;) {
        if (!pyssl_socket_wait(L, s->fd, 1, deadline)) {
            *timed_out = 1;
            return EWOULDBLOCK;
        }
        errlen = sizeof err;
        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
            return errno;
        if (err != EINTR)
            return err;
    }
}

int pyssl_socket_connect(lua_State *L, pyssl_socket *s, int idx, int raise)
{
    struct sockaddr_storage ss;
    int len = pyssl_get_sockaddr(L, s->family, idx, "connect", &ss), timed_out, err;
    err = do_connect(L, s, (struct sockaddr *)&ss, (socklen_t)len, &timed_out);
    if (err && raise) {
        if (timed_out)
            raise_timeout(L);
        pyssl_raise_errno(L, err, NULL);
    }
    return err;
}

/* ------------------------------------------------------------ methods */

/* connect(address) */
static int sock_connect(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("connect", PYSSL_WORDING_CLINIC, 1, 1);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    pyssl_socket_connect(L, s, 2, 1);
    return 0;
}

/* connect_ex(address) -> errno (0 on success) */
static int sock_connect_ex(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("connect_ex", PYSSL_WORDING_CLINIC, 1, 1);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    lua_pushinteger(L, pyssl_socket_connect(L, s, 2, 0));
    return 1;
}

/* bind(address) */
static int sock_bind(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("bind", PYSSL_WORDING_CLINIC, 1, 1);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    struct sockaddr_storage ss;
    int len = pyssl_get_sockaddr(L, s->family, 2, "bind", &ss);
    if (bind(s->fd, (struct sockaddr *)&ss, (socklen_t)len) < 0)
        return pyssl_raise_errno(L, errno, NULL);
    return 0;
}

/* listen([backlog]) */
static int sock_listen(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("listen", PYSSL_WORDING_TUPLE, 0, 1);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    int backlog = pyssl_opt_int(L, 2, DEFAULT_BACKLOG);
    if (listen(s->fd, backlog < 0 ? 0 : backlog) < 0)
        return pyssl_raise_errno(L, errno, NULL);
    return 0;
}

/* accept() -> conn, address */
static int sock_accept(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("accept", PYSSL_WORDING_PYTHON, 0, 0);
    pyssl_socket *s = pyssl_socket_bind(L, &sig), *conn;
    double timeout = pyssl_default_timeout(L), deadline = -1;
    struct sockaddr_storage ss;
    socklen_t len;
    int fd, collected = 0;
    lua_settop(L, 1);
    conn = new_socket_object(L, CLASS);   /* before the descriptor exists */
    for (;;) {
        len = sizeof ss;
        fd = accept4(s->fd, (struct sockaddr *)&ss, &len,
                     SOCK_CLOEXEC | (timeout < 0 ? 0 : SOCK_NONBLOCK));
        if (retry_after_collect(L, fd, errno, &collected))
            continue;
        if (fd >= 0)
            break;
        pyssl_socket_retry(L, s, errno, 0, &deadline);
    }
    conn->fd = fd;
    conn->family = s->family;
    conn->type = s->type;
    conn->type_is_kernels = s->type_is_kernels;
    conn->proto = s->proto;
    conn->timeout = timeout;
    pyssl_push_sockaddr(L, (struct sockaddr *)&ss, (int)len);
    pyssl_add_gc_debt(L, DESCRIPTOR_BYTES);
    return 2;
}

/* shutdown(how) */
static int sock_shutdown(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("shutdown", PYSSL_WORDING_CLINIC, 1, 1);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    if (shutdown(s->fd, pyssl_check_int(L, 2)) < 0)
        return pyssl_raise_errno(L, errno, NULL);
    return 0;
}

/* close(): idempotent; errors other than ECONNRESET are raised. */
static int sock_close_method(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("close", PYSSL_WORDING_PYTHON, 0, 0);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    int err = pyssl_socket_close_fd(s);
    if (err && err != ECONNRESET)
        return pyssl_raise_errno(L, err, NULL);
    return 0;
}

/* __gc / __close */
static int sock_gc(lua_State *L)
{
    pyssl_socket *s = lua_touserdata(L, 1);
    if (s)
        pyssl_socket_close_fd(s);
    return 0;
}

/* detach() -> fd; the socket no longer owns it. */
static int sock_detach(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("detach", PYSSL_WORDING_PYTHON, 0, 0);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    lua_pushinteger(L, s->fd);
    s->fd = -1;
    return 1;
}

static int sock_fileno(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("fileno", PYSSL_WORDING_CLINIC, 0, 0);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    lua_pushinteger(L, s->fd);
    return 1;
}

/* getfd() -> the descriptor, as fileno(): LuaSocket's name for it, so that
 * LuaSocket's socket.select and what builds on it (copas) can wait on a
 * pyssl socket (-1 once closed, as both say). */
static int sock_getfd(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("getfd", PYSSL_WORDING_CLINIC, 0, 0);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    lua_pushinteger(L, s->fd);
    return 1;
}

/* dirty() -> false: a plain socket buffers nothing (LuaSocket's select
 * asks; SSLSocket's own dirty() says whether TLS holds decrypted bytes). */
static int sock_dirty(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("dirty", PYSSL_WORDING_CLINIC, 0, 0);
    pyssl_socket_bind(L, &sig);
    lua_pushboolean(L, 0);
    return 1;
}

/* dup() -> a new socket on a duplicate descriptor, same timeout */
static int sock_dup(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("dup", PYSSL_WORDING_PYTHON, 0, 0);
    pyssl_socket *s = pyssl_socket_bind(L, &sig), *d;
    int fd, collected = 0;
    d = new_socket_object(L, CLASS);
    do
        fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
    while (retry_after_collect(L, fd, errno, &collected));
    if (fd < 0)
        return pyssl_raise_errno(L, errno, NULL);
    d->fd = fd;
    d->family = s->family;
    d->type = s->type;
    d->type_is_kernels = s->type_is_kernels;
    d->proto = s->proto;
    d->timeout = s->timeout;   /* O_NONBLOCK is shared by both descriptors */
    pyssl_add_gc_debt(L, DESCRIPTOR_BYTES);
    return 1;
}

static int push_name(lua_State *L, pyssl_socket *s, int peer)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if ((peer ? getpeername(s->fd, (struct sockaddr *)&ss, &len)
              : getsockname(s->fd, (struct sockaddr *)&ss, &len)) < 0)
        return pyssl_raise_errno(L, errno, NULL);
    if (len == 0 && s->family == AF_UNIX)
        lua_pushliteral(L, "");
    else
        pyssl_push_sockaddr(L, (struct sockaddr *)&ss, (int)len);
    return 1;
}

static int sock_getpeername(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("getpeername", PYSSL_WORDING_CLINIC, 0, 0);
    return push_name(L, pyssl_socket_bind(L, &sig), 1);
}

static int sock_getsockname(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("getsockname", PYSSL_WORDING_CLINIC, 0, 0);
    return push_name(L, pyssl_socket_bind(L, &sig), 0);
}

/* Whether getsockname() says fd is closed (EBADF) or no socket
 * (ENOTSOCK); errno tells which. */
static int fileno_is_no_socket(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
        return 0;
    return errno == EBADF || errno == ENOTSOCK;
}

/* socket(family=AF_INET, type=SOCK_STREAM, proto=0, fileno=nil) */
static int sock_new(lua_State *L)
{
    static const char *const names[] = {"family", "type", "proto", "fileno", NULL};
    static const pyssl_sig sig = {"socket.__init__", PYSSL_PARAMS(names), 4, 0, PYSSL_WORDING_KEYWORDS, 0};
    pyssl_socket *s;
    int family, type, proto, fd, err, type_is_kernels = 1, collected = 0;
    double timeout = pyssl_default_timeout(L);
    pyssl_bind(L, &sig, 2);
    family = pyssl_opt_int(L, 2, -1);
    type = pyssl_opt_int(L, 3, -1);
    proto = pyssl_opt_int(L, 4, -1);
    s = new_socket_object(L, CLASS);   /* before the descriptor exists */
    if (!lua_isnil(L, 5)) {
        socklen_t len;
        fd = pyssl_check_int(L, 5);
        if (fd < 0)
            return pyssl_raise(L, "ValueError", "negative file descriptor");
        /* As Python: fd must be a socket even when family, type and proto
         * are given, so every write of a socket (an SSLSocket's BIO too)
         * is a send() with MSG_NOSIGNAL, never a write() into a pipe. */
        if (fileno_is_no_socket(fd))
            return pyssl_raise_errno(L, errno, NULL);
        len = sizeof family;
        if (family == -1 && getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0)
            return pyssl_raise_errno(L, errno, NULL);
        len = sizeof type;
        type_is_kernels = type == -1;
        if (type == -1 && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
            return pyssl_raise_errno(L, errno, NULL);
        len = sizeof proto;
        if (proto == -1 && getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0)
            return pyssl_raise_errno(L, errno, NULL);
        err = set_fd_blocking(fd, timeout);
        if (err)
            return pyssl_raise_errno(L, err, NULL);
    } else {
        if (family == -1)
            family = AF_INET;
        if (type == -1)
            type = SOCK_STREAM;
        if (proto == -1)
            proto = 0;
        if (type & SOCK_NONBLOCK)
            timeout = 0;
        do
            fd = socket(family, type | SOCK_CLOEXEC | (timeout < 0 ? 0 : SOCK_NONBLOCK), proto);
        while (retry_after_collect(L, fd, errno, &collected));
        if (fd < 0)
            return pyssl_raise_errno(L, errno, NULL);
    }
    s->fd = fd;
    s->family = family;
    s->type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    s->type_is_kernels = type_is_kernels;
    s->proto = proto;
    s->timeout = timeout;
    if (lua_isnil(L, 5))   /* a descriptor made here, not one adopted */
        pyssl_add_gc_debt(L, DESCRIPTOR_BYTES);
    return 1;
}

/* ---------------------------------------------------- module functions */

/* socketpair(family=AF_UNIX, type=SOCK_STREAM, proto=0) -> a, b */
static int l_socketpair(lua_State *L)
{
    static const char *const names[] = {"family", "type", "proto", NULL};
    static const pyssl_sig sig = {"socketpair", PYSSL_PARAMS(names), 3, 0, PYSSL_WORDING_KEYWORDS, 0};
    pyssl_socket *a, *b;
    int family, type, proto, fds[2], made, collected = 0;
    double timeout = pyssl_default_timeout(L);
    pyssl_bind(L, &sig, 1);
    family = pyssl_opt_int(L, 1, AF_UNIX);
    type = pyssl_opt_int(L, 2, SOCK_STREAM);
    proto = pyssl_opt_int(L, 3, 0);
    a = new_socket_object(L, CLASS);
    b = new_socket_object(L, CLASS);
    do
        made = socketpair(family, type | SOCK_CLOEXEC | (timeout < 0 ? 0 : SOCK_NONBLOCK), proto, fds);
    while (retry_after_collect(L, made, errno, &collected));
    if (made < 0)
        return pyssl_raise_errno(L, errno, NULL);

    a->fd = fds[0];
    b->fd = fds[1];
    a->family = b->family = family;
    a->type = b->type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    a->type_is_kernels = b->type_is_kernels = 1;
    a->proto = b->proto = proto;
    a->timeout = b->timeout = timeout;
    pyssl_add_gc_debt(L, 2 * DESCRIPTOR_BYTES);
    return 2;
}

static int l_getdefaulttimeout(lua_State *L)
{
    pyssl_push_timeout(L, pyssl_default_timeout(L));
    return 1;
}

static int l_setdefaulttimeout(lua_State *L)
{
    double t = pyssl_check_timeout(L, 1);
    if (t < 0)
        lua_pushnil(L);
    else
        lua_pushnumber(L, t);
    lua_setfield(L, LUA_REGISTRYINDEX, DEFAULT_TIMEOUT_KEY);
    return 0;
}

/* _monotonic(): pyssl_monotonic() for Lua (private: specs and facade) */
static int l_monotonic(lua_State *L)
{
    lua_pushnumber(L, pyssl_monotonic());
    return 1;
}

/* close(fd): closes a bare descriptor */
static int l_close(lua_State *L)
{
    int fd = pyssl_check_int(L, 1);
    if (close(fd) < 0 && errno != ECONNRESET && errno != EINTR)
        return pyssl_raise_errno(L, errno, NULL);
    return 0;
}

/* dup(fd) -> a new non-inheritable descriptor */
static int l_dup(lua_State *L)
{
    int fd, collected = 0, original = pyssl_check_int(L, 1);
    do
        fd = fcntl(original, F_DUPFD_CLOEXEC, 0);
    while (retry_after_collect(L, fd, errno, &collected));
    if (fd < 0)
        return pyssl_raise_errno(L, errno, NULL);
    lua_pushinteger(L, fd);
    return 1;
}

void pyssl_open_socket(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"accept", sock_accept},
        {"bind", sock_bind},
        {"close", sock_close_method},
        {"connect", sock_connect},
        {"connect_ex", sock_connect_ex},
        {"detach", sock_detach},
        {"dup", sock_dup},
        {"fileno", sock_fileno},
        {"getfd", sock_getfd},
        {"dirty", sock_dirty},
        {"getpeername", sock_getpeername},
        {"getsockname", sock_getsockname},
        {"listen", sock_listen},
        {"shutdown", sock_shutdown},
        {NULL, NULL}
    };
    /* Python's socket.socket has __slots__ (no __dict__): only these. */
    static const char *const socket_slots[] = {"_io_refs", "_closed", NULL};
    /* family and type are Python properties: "property ... has no setter". */
    static const char *const readonly[] = {"family", "type", NULL};
    static const pyssl_class cls = {
        .name = CLASS,
        .qualname = CLASS,
        .module = "socket",
        .methods = methods,
        .construct = sock_new,
        .close = sock_gc,
        .tostring = pyssl_socket_tostring,
        .nuv = 1,
        .has_dict = 1,
        .slots = socket_slots,
        .readonly = readonly,
    };
    static const luaL_Reg fns[] = {
        {"socketpair", l_socketpair},
        {"getdefaulttimeout", l_getdefaulttimeout},
        {"setdefaulttimeout", l_setdefaulttimeout},
        {"close", l_close},
        {"dup", l_dup},
        {"select", pyssl_select},
        {"_monotonic", l_monotonic},
        {NULL, NULL}
    };
    int mod = lua_gettop(L), t;

    pyssl_class_register(L, &cls);
    pyssl_open_sockio(L);
    pyssl_open_sockopt(L);
    pyssl_open_bytearray(L);

    /* core._socket: what lua/pyssl/socket.lua builds the module from. */
    lua_newtable(L);
    t = lua_gettop(L);
    pyssl_push_class(L, CLASS);
    lua_pushliteral(L, "socket");
    lua_setfield(L, -2, "__module");
    lua_setfield(L, t, "socket");
    pyssl_push_class(L, BYTEARRAY);
    lua_setfield(L, t, "bytearray");
    lua_getfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY);
    luaL_setfuncs(L, fns, 1);
    pyssl_open_netdb(L);
    pyssl_open_hostdb(L);
    pyssl_open_netif(L);
    pyssl_open_sockmsg(L);
    pyssl_open_sockconst(L);
    lua_pushboolean(L, 1);
    lua_setfield(L, t, "has_ipv6");
    lua_setfield(L, mod, "_socket");
    lua_settop(L, mod);
}

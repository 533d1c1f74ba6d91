/* socket: Python's socket.socket for pyssl.socket, with Python's timeout
 * semantics, plus select(), bytearray and the socket constants.
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
 *
 * recv() reads into the per-state scratch buffer and pushes the result
 * once; only reads larger than the scratch buffer use a Lua buffer.
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

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

/* Largest single read: recv(n) with a larger n reads at most this much
 * (a short read, as the kernel may give anyway), instead of allocating n
 * bytes up front. Larger than any datagram and any socket buffer. */
#define MAX_READ ((lua_Integer)64 * 1024 * 1024)

/* Python's default listen() backlog: min(SOMAXCONN, 128). */
#define DEFAULT_BACKLOG (SOMAXCONN < 128 ? SOMAXCONN : 128)

/* bytearray: a fixed-size mutable buffer (Python's bytearray(n), enough
 * for recv_into). One userdata: the header and the bytes. */
typedef struct pyssl_bytearray {
    size_t len;
    unsigned char data[];
} pyssl_bytearray;

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

static int opt_int(lua_State *L, int idx, int dflt)
{
    return lua_isnoneornil(L, idx) ? dflt : pyssl_check_int(L, idx);
}

/* Bytes to send: a string or a bytearray. */
static const char *check_data(lua_State *L, int idx, size_t *len)
{
    pyssl_bytearray *b;
    if (lua_type(L, idx) == LUA_TSTRING)
        return lua_tolstring(L, idx, len);
    if ((b = pyssl_test_object(L, idx, BYTEARRAY)) != NULL) {
        *len = b->len;
        return (const char *)b->data;
    }
    return pyssl_check_bytes(L, idx, len);
}

unsigned char *pyssl_test_bytearray(lua_State *L, int idx, size_t *len)
{
    pyssl_bytearray *b = pyssl_test_object(L, idx, BYTEARRAY);
    if (!b)
        return NULL;
    *len = b->len;
    return b->data;
}

/* A writable buffer argument for recv_into & co. */
static pyssl_bytearray *check_buffer(lua_State *L, int idx, const char *fname)
{
    pyssl_bytearray *b = pyssl_test_object(L, idx, BYTEARRAY);
    if (!b)
        pyssl_raise(L, "TypeError", "%s() argument 1 must be read-write bytes-like object, not %s",
                    fname, pyssl_typename(L, idx));
    return b;
}

/* Python keeps a timeout as whole nanoseconds in a signed 64-bit count
 * (_PyTime_FromSecondsObject with ROUND_TIMEOUT: away from zero) and
 * answers gettimeout() from that count. pyssl keeps seconds, but rounds
 * them the same way, so 1e-10 becomes 1e-09 and -0.0 becomes 0.0. The
 * number at idx, in seconds (negative ones too: the caller refuses them
 * with its own message); Python's OverflowError outside the count's range,
 * its ValueError for NaN. */
#define NS_PER_SEC 1000000000
static double timeout_seconds(lua_State *L, int idx)
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
static double check_timeout(lua_State *L, int idx)
{
    double t;
    if (lua_isnoneornil(L, idx))
        return -1;
    if (lua_isboolean(L, idx))
        return lua_toboolean(L, idx) ? 1.0 : 0.0;   /* Python's bool is an int */
    if (lua_type(L, idx) != LUA_TNUMBER)
        pyssl_raise(L, "TypeError", "'%s' object cannot be interpreted as an integer",
                    pyssl_typename(L, idx));
    t = timeout_seconds(L, idx);
    if (t < 0)
        pyssl_raise(L, "ValueError", "Timeout value out of range");
    return t;
}

static void push_timeout(lua_State *L, double t)
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
    int backlog = opt_int(L, 2, DEFAULT_BACKLOG);
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

/* recv(bufsize[, flags]) -> bytes ("" at EOF) */
static int sock_recv(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("recv", PYSSL_WORDING_TUPLE, 1, 2);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    lua_Integer n = pyssl_check_index(L, 2);
    int flags = opt_int(L, 3, 0);
    double deadline = -1;
    ssize_t r;
    if (n < 0)
        return pyssl_raise(L, "ValueError", "negative buffersize in recv");
    if (n == 0) {
        lua_pushliteral(L, "");   /* as CPython: no call, a 0-byte recv() would block */
        return 1;
    }
    if (n > MAX_READ)
        n = MAX_READ;
    if ((size_t)n <= PYSSL_RECORD_MAX) {
        unsigned char *buf = pyssl_state_of(L)->scratch;
        while ((r = recv(s->fd, buf, (size_t)n, flags)) < 0)
            pyssl_socket_retry(L, s, errno, 0, &deadline);
        lua_pushlstring(L, (const char *)buf, (size_t)r);
    } else {
        luaL_Buffer b;
        char *buf;
        lua_settop(L, 3);
        buf = luaL_buffinitsize(L, &b, (size_t)n);
        while ((r = recv(s->fd, buf, (size_t)n, flags)) < 0)
            pyssl_socket_retry(L, s, errno, 0, &deadline);
        luaL_pushresultsize(&b, (size_t)r);
    }
    return 1;
}

/* The byte count of recv_into/recvfrom_into: nbytes, 0/nil meaning all. */
static size_t into_count(lua_State *L, pyssl_bytearray *b, int idx, const char *fname,
                         const char *too_small)
{
    lua_Integer n = lua_isnoneornil(L, idx) ? 0 : pyssl_check_index(L, idx);
    if (n < 0)
        pyssl_raise(L, "ValueError", "negative buffersize in %s", fname);
    if (n == 0)
        return b->len;
    if ((size_t)n > b->len)
        pyssl_raise(L, "ValueError", "%s", too_small);
    return (size_t)n;
}

/* recv_into(buffer[, nbytes[, flags]]) -> number of bytes received */
static int sock_recv_into(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("recv_into", PYSSL_WORDING_TUPLE, 1, 3);
    pyssl_socket *s;
    pyssl_bytearray *b;
    size_t n;
    int flags;
    double deadline = -1;
    ssize_t r;
    if (lua_gettop(L) < 2)
        return pyssl_raise(L, "TypeError", "recv_into() missing required argument 'buffer' (pos 1)");
    s = pyssl_socket_bind(L, &sig);
    b = check_buffer(L, 2, "recv_into");
    n = into_count(L, b, 3, "recv_into", "buffer too small for requested bytes");
    flags = opt_int(L, 4, 0);
    if (n == 0) {
        lua_pushinteger(L, 0);
        return 1;
    }
    while ((r = recv(s->fd, b->data, n, flags)) < 0)
        pyssl_socket_retry(L, s, errno, 0, &deadline);
    lua_pushinteger(L, (lua_Integer)r);
    return 1;
}

/* recvfrom(bufsize[, flags]) -> bytes, address */
static int sock_recvfrom(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("recvfrom", PYSSL_WORDING_TUPLE, 1, 2);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    lua_Integer n = pyssl_check_index(L, 2);
    int flags = opt_int(L, 3, 0);
    struct sockaddr_storage ss;
    socklen_t len;
    double deadline = -1;
    ssize_t r;
    if (n < 0)
        return pyssl_raise(L, "ValueError", "negative buffersize in recvfrom");
    if (n > MAX_READ)
        n = MAX_READ;
    lua_settop(L, 3);
    if ((size_t)n <= PYSSL_RECORD_MAX) {
        unsigned char *buf = pyssl_state_of(L)->scratch;
        for (;;) {
            len = sizeof ss;
            if ((r = recvfrom(s->fd, buf, (size_t)n, flags, (struct sockaddr *)&ss, &len)) >= 0)
                break;
            pyssl_socket_retry(L, s, errno, 0, &deadline);
        }
        lua_pushlstring(L, (const char *)buf, (size_t)r);
    } else {
        luaL_Buffer b;
        char *buf = luaL_buffinitsize(L, &b, (size_t)n);
        for (;;) {
            len = sizeof ss;
            if ((r = recvfrom(s->fd, buf, (size_t)n, flags, (struct sockaddr *)&ss, &len)) >= 0)
                break;
            pyssl_socket_retry(L, s, errno, 0, &deadline);
        }
        luaL_pushresultsize(&b, (size_t)r);
    }
    pyssl_push_sockaddr(L, (struct sockaddr *)&ss, (int)len);
    return 2;
}

/* recvfrom_into(buffer[, nbytes[, flags]]) -> nbytes, address */
static int sock_recvfrom_into(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("recvfrom_into", PYSSL_WORDING_TUPLE, 1, 3);
    pyssl_socket *s;
    pyssl_bytearray *b;
    struct sockaddr_storage ss;
    socklen_t len;
    size_t n;
    int flags;
    double deadline = -1;
    ssize_t r;
    if (lua_gettop(L) < 2)
        return pyssl_raise(L, "TypeError",
                           "recvfrom_into() missing required argument 'buffer' (pos 1)");
    s = pyssl_socket_bind(L, &sig);
    b = check_buffer(L, 2, "recvfrom_into");
    n = into_count(L, b, 3, "recvfrom_into", "nbytes is greater than the length of the buffer");
    flags = opt_int(L, 4, 0);
    for (;;) {
        len = sizeof ss;
        if ((r = recvfrom(s->fd, b->data, n, flags, (struct sockaddr *)&ss, &len)) >= 0)
            break;
        pyssl_socket_retry(L, s, errno, 0, &deadline);
    }
    lua_pushinteger(L, (lua_Integer)r);
    pyssl_push_sockaddr(L, (struct sockaddr *)&ss, (int)len);
    return 2;
}

/* send(data[, flags]) -> number of bytes sent */
static int sock_send(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("send", PYSSL_WORDING_TUPLE, 1, 2);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    size_t len;
    const char *data = check_data(L, 2, &len);
    int flags = opt_int(L, 3, 0);
    double deadline = -1;
    ssize_t r;
    while ((r = send(s->fd, data, len, flags | MSG_NOSIGNAL)) < 0)
        pyssl_socket_retry(L, s, errno, 1, &deadline);
    lua_pushinteger(L, (lua_Integer)r);
    return 1;
}

/* sendall(data[, flags]): the timeout bounds the whole call. */
static int sock_sendall(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("sendall", PYSSL_WORDING_TUPLE, 1, 2);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    size_t len, done = 0;
    const char *data = check_data(L, 2, &len);
    int flags = opt_int(L, 3, 0);
    double deadline = s->timeout > 0 ? pyssl_monotonic() + s->timeout : -1;
    ssize_t r;
    while (done < len) {
        r = send(s->fd, data + done, len - done, flags | MSG_NOSIGNAL);
        if (r < 0)
            pyssl_socket_retry(L, s, errno, 1, &deadline);
        else
            done += (size_t)r;
    }
    return 0;
}

/* sendto(data[, flags], address) -> number of bytes sent */
static int sock_sendto(lua_State *L)
{
    pyssl_socket *s = pyssl_check_object(L, 1, CLASS);
    struct sockaddr_storage ss;
    int n = lua_gettop(L) - 1, flags = 0, addr_idx, alen;
    size_t len;
    const char *data;
    double deadline = -1;
    ssize_t r;
    if (n < 2 || n > 3)
        return pyssl_raise(L, "TypeError", "sendto() takes 2 or 3 arguments (%d given)", n);
    data = check_data(L, 2, &len);
    if (n == 3)
        flags = pyssl_check_int(L, 3);
    addr_idx = n == 3 ? 4 : 3;
    alen = pyssl_get_sockaddr(L, s->family, addr_idx, "sendto", &ss);
    while ((r = sendto(s->fd, data, len, flags | MSG_NOSIGNAL, (struct sockaddr *)&ss,
                       (socklen_t)alen)) < 0)
        pyssl_socket_retry(L, s, errno, 1, &deadline);
    lua_pushinteger(L, (lua_Integer)r);
    return 1;
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

/* getsockopt(level, optname[, buflen]) -> int, or bytes when buflen > 0 */
static int sock_getsockopt(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("getsockopt", PYSSL_WORDING_TUPLE, 2, 3);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    int level = pyssl_check_int(L, 2), opt = pyssl_check_int(L, 3), buflen = opt_int(L, 4, 0);
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
        const char *buf = check_data(L, 4, &len);
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
    pyssl_socket_settimeout(L, s, check_timeout(L, 2));
    return 0;
}

static int sock_gettimeout(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("gettimeout", PYSSL_WORDING_CLINIC, 0, 0);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    push_timeout(L, s->timeout);
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
    push_timeout(L, ((pyssl_socket *)lua_touserdata(L, 1))->timeout);
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
    family = opt_int(L, 2, -1);
    type = opt_int(L, 3, -1);
    proto = opt_int(L, 4, -1);
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
    family = opt_int(L, 1, AF_UNIX);
    type = opt_int(L, 2, SOCK_STREAM);
    proto = opt_int(L, 3, 0);
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
    push_timeout(L, pyssl_default_timeout(L));
    return 1;
}

static int l_setdefaulttimeout(lua_State *L)
{
    double t = check_timeout(L, 1);
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

/* ------------------------------------------------------------ select */

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
static int l_select(lua_State *L)
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
        timeout = timeout_seconds(L, 4);
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

/* ---------------------------------------------------------- bytearray */

/* bytearray(n | bytes | nil) */
static int bytearray_new(lua_State *L)
{
    pyssl_bytearray *b;
    size_t len = 0;
    const char *src = NULL;
    if (lua_gettop(L) > 2)
        return pyssl_raise(L, "TypeError", "bytearray() takes at most 3 arguments (%d given)",
                           lua_gettop(L) - 1);
    if (lua_type(L, 2) == LUA_TSTRING) {
        src = lua_tolstring(L, 2, &len);
    } else if (lua_isinteger(L, 2)) {
        lua_Integer n = lua_tointeger(L, 2);
        if (n < 0)
            return pyssl_raise(L, "ValueError", "negative count");
        if ((lua_Unsigned)n > (lua_Unsigned)(INT_MAX))
            return pyssl_raise(L, "OverflowError", "cannot fit 'int' into an index-sized integer");
        len = (size_t)n;
    } else if (!lua_isnoneornil(L, 2)) {
        return pyssl_raise(L, "TypeError", "cannot convert '%s' object to bytearray",
                           pyssl_typename(L, 2));
    }
    b = pyssl_new_object(L, BYTEARRAY, offsetof(pyssl_bytearray, data) + len);
    b->len = len;
    if (src)
        memcpy(b->data, src, len);
    return 1;
}

static int bytearray_len(lua_State *L)
{
    pyssl_bytearray *b = lua_touserdata(L, 1);
    lua_pushinteger(L, (lua_Integer)b->len);
    return 1;
}

/* tostring(b): the contents */
static int bytearray_tostring(lua_State *L)
{
    pyssl_bytearray *b = lua_touserdata(L, 1);
    lua_pushlstring(L, (const char *)b->data, b->len);
    return 1;
}

/* ---------------------------------------------------------- constants */

#define K(name) {#name, name}
static const struct {
    const char *name;
    lua_Integer value;
} constants[] = {
    K(AF_INET), K(AF_INET6), K(AF_UNIX), K(AF_UNSPEC),
    /* The other families Python's AddressFamily lists on Linux (and AF_DECnet,
     * a constant that is no member: its name is not all capitals). */
#ifdef AF_DECnet
    K(AF_DECnet),
#endif
#ifdef AF_AX25
    K(AF_AX25),
#endif
#ifdef AF_IPX
    K(AF_IPX),
#endif
#ifdef AF_APPLETALK
    K(AF_APPLETALK),
#endif
#ifdef AF_NETROM
    K(AF_NETROM),
#endif
#ifdef AF_BRIDGE
    K(AF_BRIDGE),
#endif
#ifdef AF_ATMPVC
    K(AF_ATMPVC),
#endif
#ifdef AF_X25
    K(AF_X25),
#endif
#ifdef AF_ROSE
    K(AF_ROSE),
#endif
#ifdef AF_NETBEUI
    K(AF_NETBEUI),
#endif
#ifdef AF_SECURITY
    K(AF_SECURITY),
#endif
#ifdef AF_KEY
    K(AF_KEY),
#endif
#ifdef AF_NETLINK
    K(AF_NETLINK),
#endif
#ifdef AF_ROUTE
    K(AF_ROUTE),
#endif
#ifdef AF_PACKET
    K(AF_PACKET),
#endif
#ifdef AF_ASH
    K(AF_ASH),
#endif
#ifdef AF_ECONET
    K(AF_ECONET),
#endif
#ifdef AF_ATMSVC
    K(AF_ATMSVC),
#endif
#ifdef AF_RDS
    K(AF_RDS),
#endif
#ifdef AF_SNA
    K(AF_SNA),
#endif
#ifdef AF_IRDA
    K(AF_IRDA),
#endif
#ifdef AF_PPPOX
    K(AF_PPPOX),
#endif
#ifdef AF_WANPIPE
    K(AF_WANPIPE),
#endif
#ifdef AF_LLC
    K(AF_LLC),
#endif
#ifdef AF_CAN
    K(AF_CAN),
#endif
#ifdef AF_TIPC
    K(AF_TIPC),
#endif
#ifdef AF_ALG
    K(AF_ALG),
#endif
#ifdef AF_VSOCK
    K(AF_VSOCK),
#endif
#ifdef AF_QIPCRTR
    K(AF_QIPCRTR),
#endif
    K(SOCK_STREAM), K(SOCK_DGRAM), K(SOCK_RAW), K(SOCK_SEQPACKET),
    K(SOCK_NONBLOCK), K(SOCK_CLOEXEC),
#ifdef SOCK_RDM
    K(SOCK_RDM),
#endif
    K(SOL_SOCKET), K(SO_REUSEADDR), K(SO_KEEPALIVE), K(SO_RCVBUF), K(SO_SNDBUF),
    K(SO_ERROR), K(SO_TYPE), K(SO_LINGER), K(SO_BROADCAST), K(SO_RCVLOWAT),
    K(SO_SNDLOWAT), K(SO_RCVTIMEO), K(SO_SNDTIMEO), K(SO_OOBINLINE), K(SO_DONTROUTE),
    K(SO_ACCEPTCONN),
#ifdef SO_REUSEPORT
    K(SO_REUSEPORT),
#endif
#ifdef SO_DOMAIN
    K(SO_DOMAIN),
#endif
#ifdef SO_PROTOCOL
    K(SO_PROTOCOL),
#endif
    K(SOMAXCONN),
    K(IPPROTO_IP), K(IPPROTO_TCP), K(IPPROTO_UDP), K(IPPROTO_IPV6), K(IPPROTO_ICMP),
    K(IPPROTO_RAW), K(IPV6_V6ONLY), K(IP_TTL), K(IP_TOS),
    K(TCP_NODELAY), K(TCP_MAXSEG),
#ifdef TCP_KEEPIDLE
    K(TCP_KEEPIDLE),
#endif
#ifdef TCP_KEEPINTVL
    K(TCP_KEEPINTVL),
#endif
#ifdef TCP_KEEPCNT
    K(TCP_KEEPCNT),
#endif
#ifdef TCP_FASTOPEN
    K(TCP_FASTOPEN),
#endif
#ifdef TCP_QUICKACK
    K(TCP_QUICKACK),
#endif
#ifdef TCP_USER_TIMEOUT
    K(TCP_USER_TIMEOUT),
#endif
    K(SHUT_RD), K(SHUT_WR), K(SHUT_RDWR),
    K(AI_PASSIVE), K(AI_CANONNAME), K(AI_NUMERICHOST), K(AI_NUMERICSERV),
    K(AI_V4MAPPED), K(AI_ALL), K(AI_ADDRCONFIG),
    K(NI_NUMERICHOST), K(NI_NUMERICSERV), K(NI_NOFQDN), K(NI_NAMEREQD), K(NI_DGRAM),
    K(NI_MAXHOST), K(NI_MAXSERV),
    K(EAI_AGAIN), K(EAI_BADFLAGS), K(EAI_FAIL), K(EAI_FAMILY), K(EAI_MEMORY),
    K(EAI_NONAME), K(EAI_SERVICE), K(EAI_SOCKTYPE), K(EAI_SYSTEM),
#ifdef EAI_ADDRFAMILY
    K(EAI_ADDRFAMILY),
#endif
#ifdef EAI_NODATA
    K(EAI_NODATA),
#endif
    K(MSG_PEEK), K(MSG_OOB), K(MSG_WAITALL), K(MSG_DONTWAIT), K(MSG_DONTROUTE),
    K(MSG_TRUNC), K(MSG_CTRUNC), K(MSG_EOR),
#ifdef MSG_NOSIGNAL
    K(MSG_NOSIGNAL),
#endif
#ifdef MSG_CONFIRM
    K(MSG_CONFIRM),
#endif
#ifdef MSG_ERRQUEUE
    K(MSG_ERRQUEUE),
#endif
#ifdef MSG_MORE
    K(MSG_MORE),
#endif
#ifdef MSG_FASTOPEN
    K(MSG_FASTOPEN),
#endif
#ifdef MSG_CMSG_CLOEXEC
    K(MSG_CMSG_CLOEXEC),
#endif
    K(SCM_RIGHTS),
#ifdef SCM_CREDENTIALS
    K(SCM_CREDENTIALS),
#endif
#ifdef SO_PASSCRED
    K(SO_PASSCRED),
#endif
#ifdef SO_PEERCRED
    K(SO_PEERCRED),
#endif
    K(INADDR_ANY), K(INADDR_BROADCAST), K(INADDR_LOOPBACK), K(INADDR_NONE),
};
#undef K

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
        {"get_inheritable", sock_get_inheritable},
        {"getblocking", sock_getblocking},
        {"getpeername", sock_getpeername},
        {"getsockname", sock_getsockname},
        {"getsockopt", sock_getsockopt},
        {"_so_type", sock_so_type},
        {"gettimeout", sock_gettimeout},
        {"listen", sock_listen},
        {"recv", sock_recv},
        {"recv_into", sock_recv_into},
        {"recvfrom", sock_recvfrom},
        {"recvfrom_into", sock_recvfrom_into},
        {"send", sock_send},
        {"sendall", sock_sendall},
        {"sendto", sock_sendto},
        {"set_inheritable", sock_set_inheritable},
        {"setblocking", sock_setblocking},
        {"setsockopt", sock_setsockopt},
        {"settimeout", sock_settimeout},
        {"shutdown", sock_shutdown},
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
    /* Python's socket.socket has __slots__ (no __dict__): only these. */
    static const char *const socket_slots[] = {"_io_refs", "_closed", NULL};
    static const pyssl_class cls = {
        .name = CLASS,
        .qualname = CLASS,
        .module = "socket",
        .methods = methods,
        .getters = getters,
        .setters = setters,
        .construct = sock_new,
        .close = sock_gc,
        .tostring = pyssl_socket_tostring,
        .nuv = 1,
        .has_dict = 1,
        .slots = socket_slots,
    };
    static const pyssl_class bytearray_cls = {
        .name = BYTEARRAY,
        .qualname = BYTEARRAY,
        .module = "builtins",
        .construct = bytearray_new,
        .tostring = bytearray_tostring,
        .nuv = 1,
    };
    static const luaL_Reg fns[] = {
        {"socketpair", l_socketpair},
        {"getdefaulttimeout", l_getdefaulttimeout},
        {"setdefaulttimeout", l_setdefaulttimeout},
        {"close", l_close},
        {"dup", l_dup},
        {"select", l_select},
        {"_monotonic", l_monotonic},
        {NULL, NULL}
    };
    int mod = lua_gettop(L), t;
    size_t i;

    pyssl_class_register(L, &cls);
    pyssl_class_register(L, &bytearray_cls);
    luaL_getmetatable(L, "pyssl." BYTEARRAY);
    lua_pushcfunction(L, bytearray_len);
    lua_setfield(L, -2, "__len");
    lua_pop(L, 1);

    /* core._socket: what lua/pyssl/socket.lua builds the module from. */
    lua_newtable(L);
    t = lua_gettop(L);
    pyssl_push_class(L, CLASS);
    /* family and type are Python properties: "property ... has no setter". */
    lua_getfield(L, -1, "__setters");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "family");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "type");
    lua_pop(L, 1);
    lua_pushliteral(L, "socket");
    lua_setfield(L, -2, "__module");
    lua_setfield(L, t, "socket");
    pyssl_push_class(L, BYTEARRAY);
    lua_setfield(L, t, "bytearray");
    lua_getfield(L, LUA_REGISTRYINDEX, "pyssl.state");
    luaL_setfuncs(L, fns, 1);
    pyssl_open_netdb(L);
    pyssl_open_hostdb(L);
    pyssl_open_netif(L);
    pyssl_open_sockmsg(L);
    for (i = 0; i < sizeof constants / sizeof constants[0]; i++) {
        lua_pushinteger(L, constants[i].value);
        lua_setfield(L, t, constants[i].name);
    }
    lua_pushboolean(L, 1);
    lua_setfield(L, t, "has_ipv6");
    lua_setfield(L, mod, "_socket");
    lua_settop(L, mod);
}

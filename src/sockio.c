/* The data transfer methods of pyssl.socket's socket (Python's
 * socket.socket): recv, recv_into, recvfrom, recvfrom_into, send, sendall,
 * sendto, with Python's timeout semantics (socket.c's header; the waits
 * are pyssl_socket_retry's). sendmsg/recvmsg are sockmsg.c.
 *
 * recv() reads into the per-state scratch buffer and pushes the result
 * once; only reads larger than the scratch buffer use a Lua buffer.
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
#define BYTEARRAY "bytearray"

/* Largest single read: recv(n) with a larger n reads at most this much
 * (a short read, as the kernel may give anyway), instead of allocating n
 * bytes up front. Larger than any datagram and any socket buffer. */
#define MAX_READ ((lua_Integer)64 * 1024 * 1024)

/* A writable buffer argument for recv_into & co. */
static pyssl_bytearray *check_buffer(lua_State *L, int idx, const char *fname)
{
    pyssl_bytearray *b = pyssl_test_object(L, idx, BYTEARRAY);
    if (!b)
        pyssl_raise(L, "TypeError", "%s() argument 1 must be read-write bytes-like object, not %s",
                    fname, pyssl_typename(L, idx));
    return b;
}

/* recv(bufsize[, flags]) -> bytes ("" at EOF) */
static int sock_recv(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("recv", PYSSL_WORDING_TUPLE, 1, 2);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    lua_Integer n = pyssl_check_index(L, 2);
    int flags = pyssl_opt_int(L, 3, 0);
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
    flags = pyssl_opt_int(L, 4, 0);
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
    int flags = pyssl_opt_int(L, 3, 0);
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
    flags = pyssl_opt_int(L, 4, 0);
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
    const char *data = pyssl_check_data(L, 2, &len);
    int flags = pyssl_opt_int(L, 3, 0);
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
    const char *data = pyssl_check_data(L, 2, &len);
    int flags = pyssl_opt_int(L, 3, 0);
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
    data = pyssl_check_data(L, 2, &len);
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

/* Adds the methods to the socket class (called by socket.c). */
void pyssl_open_sockio(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"recv", sock_recv},
        {"recv_into", sock_recv_into},
        {"recvfrom", sock_recvfrom},
        {"recvfrom_into", sock_recvfrom_into},
        {"send", sock_send},
        {"sendall", sock_sendall},
        {"sendto", sock_sendto},
        {NULL, NULL}
    };
    pyssl_class_extend(L, CLASS, methods, NULL, NULL);
}

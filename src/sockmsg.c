/* sockmsg: Python's socket.sendmsg(), recvmsg(), recvmsg_into() and the
 * module functions CMSG_LEN() and CMSG_SPACE() for pyssl.socket.
 *
 * Ancillary data is a sequence of {level, type, data} sequences, as
 * Python's list of (level, type, data) tuples. recvmsg() returns
 * data, ancdata, msg_flags, address and recvmsg_into() nbytes, ancdata,
 * msg_flags, address (four values, as recvfrom() returns two); address
 * is nil when the kernel reports none (a connected socket), as Python's
 * None.
 *
 * Timeouts, non-blocking sockets and EINTR behave as for recv()/send()
 * (pyssl_socket_retry). Received descriptors (SCM_RIGHTS) are the
 * caller's once the result is returned; if building the result fails, they
 * are closed first, so that no error leaks a descriptor. Descriptors that
 * do not fit in the control buffer (MSG_CTRUNC) are never installed by the
 * kernel.
 *
 * Buffers (iovec arrays, control data) live in Lua userdata, never malloc:
 * an error raised half-way cannot leak them.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "pyssl.h"

/* Python's SOCKLEN_T_LIMIT on Linux: socklen_t values stay within int. */
#define SOCKLEN_LIMIT ((size_t)INT_MAX)

/* recvmsg(): data buffers above this are clamped (a short read, as recv()
 * does); control buffers too, far above what a kernel delivers (Linux:
 * at most 253 descriptors per message, optmem_max bytes in all). */
#define MAX_READ ((lua_Integer)64 * 1024 * 1024)
#define MAX_ANCBUF ((lua_Integer)1024 * 1024)

/* iovec arrays up to this size live on the C stack. */
#define STACK_IOV 16

/* ------------------------------------------------------------ helpers */

/* Python's "iterable" for the sequence arguments: a plain table (a
 * sequence), or a string or bytearray, which Python iterates as integers.
 * Returns the item count, or -1 when the value is not iterable. Sets
 * *ints when the items are integers (string, bytearray). */
static lua_Integer iterable_len(lua_State *L, int idx, int *ints)
{
    size_t len;
    *ints = 0;
    if (lua_type(L, idx) == LUA_TTABLE && !pyssl_object_classname(L, idx))
        return (lua_Integer)lua_rawlen(L, idx);
    *ints = 1;
    if (lua_type(L, idx) == LUA_TSTRING)
        return (lua_Integer)lua_rawlen(L, idx);
    if (pyssl_test_bytearray(L, idx, &len))
        return (lua_Integer)len;
    return -1;
}

/* An array of n iovecs: `stack` when it is large enough, else a userdata
 * left on the stack. */
static struct iovec *iov_array(lua_State *L, lua_Integer n, struct iovec *stack)
{
    if (n <= STACK_IOV)
        return stack;
    return lua_newuserdatauv(L, (size_t)n * sizeof(struct iovec), 0);
}

/* The bytes of a buffer item at idx (string or bytearray), or NULL. */
static const void *item_bytes(lua_State *L, int idx, size_t *len)
{
    const void *p;
    if (lua_type(L, idx) == LUA_TSTRING)
        return lua_tolstring(L, idx, len);
    p = pyssl_test_bytearray(L, idx, len);
    return p;
}

/* --------------------------------------------------------- sending */

/* sendmsg() reads each Lua value of its arguments once and pins it in a
 * table of its own on the stack before using its bytes: the allocations
 * that follow can run a finalizer that changes the caller's tables, and
 * a string no longer referenced by them could then be collected under a
 * pointer kept here (HACKING.md, "Memory safety"). */

/* The writable bytes of a bytearray item at idx, or NULL. */
static const void *item_writable(lua_State *L, int idx, size_t *len)
{
    return pyssl_test_bytearray(L, idx, len);
}

/* What a buffers argument takes: sendmsg()'s bytes-like items, or
 * recvmsg_into()'s writable bytearrays. */
typedef struct {
    const char *fname;
    const char *ints_error;     /* a string (of ints) given as the list */
    const void *(*item)(lua_State *L, int idx, size_t *len);   /* NULL: not one */
    const char *item_error;     /* a format given the item's type name */
} buffers_kind;

/* The iovecs of the buffers argument at idx (an iterable: a list, or a
 * string of ints, refused; at most INT_MAX items); leaves the table that
 * pins the buffers (and the iovec array, if not `stack`) on the stack. */
static struct iovec *buffers_iov(lua_State *L, int idx, struct iovec *stack,
                                 const buffers_kind *kind, size_t *count)
{
    int ints, pins;
    lua_Integer n = iterable_len(L, idx, &ints), i;
    struct iovec *iov;
    if (n < 0)
        pyssl_raise(L, "TypeError", "%s() argument 1 must be an iterable", kind->fname);
    if (n > 0 && ints)
        pyssl_raise(L, "TypeError", "%s", kind->ints_error);
    if (n > INT_MAX)
        pyssl_raise(L, "OSError", "%s() argument 1 is too long", kind->fname);
    iov = iov_array(L, n, stack);
    lua_createtable(L, (int)n, 0);
    pins = lua_gettop(L);
    for (i = 0; i < n; i++) {
        size_t len;
        const void *p;
        lua_rawgeti(L, idx, i + 1);
        p = kind->item(L, -1, &len);
        if (!p)
            pyssl_raise(L, "TypeError", kind->item_error, pyssl_typename(L, -1));
        lua_rawseti(L, pins, i + 1);
        iov[i].iov_base = (void *)p;
        iov[i].iov_len = len;
    }
    *count = (size_t)n;
    return iov;
}

/* sendmsg()'s buffers argument at idx: bytes-like items. */
static struct iovec *send_iov(lua_State *L, int idx, struct iovec *stack, size_t *count)
{
    static const buffers_kind kind = {
        "sendmsg", "a bytes-like object is required, not 'int'", item_bytes,
        "a bytes-like object is required, not '%s'"
    };
    return buffers_iov(L, idx, stack, &kind, count);
}

#define ANC_ITEM "[sendmsg() ancillary data items]()"

/* Reads item i of the ancillary data list at idx, with Python's errors,
 * into pins[3i-2..3i] (level, type, data); returns the data's length. */
static size_t anc_item(lua_State *L, int idx, lua_Integer i, int pins)
{
    int ints, item, n, level, type;
    size_t len;
    lua_rawgeti(L, idx, i);
    item = lua_gettop(L);
    n = (int)iterable_len(L, item, &ints);
    if (n < 0)
        pyssl_raise(L, "TypeError", ANC_ITEM " argument must be 3-item sequence, not %s",
                    pyssl_typename(L, item));
    if (n != 3)
        pyssl_raise(L, "TypeError", ANC_ITEM " argument must be sequence of length 3, not %d", n);
    if (ints)   /* a 3-byte string: level and type are ints, data is not bytes */
        pyssl_raise(L, "TypeError", "a bytes-like object is required, not 'int'");
    lua_rawgeti(L, item, 1);
    level = pyssl_check_int(L, -1);
    lua_rawgeti(L, item, 2);
    type = pyssl_check_int(L, -1);
    lua_rawgeti(L, item, 3);
    if (!item_bytes(L, -1, &len))
        pyssl_raise(L, "TypeError", "a bytes-like object is required, not '%s'",
                    pyssl_typename(L, -1));
    lua_rawseti(L, pins, 3 * i);
    lua_pushinteger(L, level);
    lua_rawseti(L, pins, 3 * i - 2);
    lua_pushinteger(L, type);
    lua_rawseti(L, pins, 3 * i - 1);
    lua_settop(L, item - 1);
    return len;
}

/* Builds msg's control data from the ancillary data list at idx: every
 * item is checked and pinned (sizes summed), then the control buffer is
 * allocated (a zeroed userdata) and filled from the pinned values. Leaves
 * the pins and the buffer on the stack. */
static void send_control(lua_State *L, int idx, struct msghdr *msg)
{
    int ints, pins;
    lua_Integer n = iterable_len(L, idx, &ints), i;
    size_t total = 0, len;
    unsigned char *buf;
    struct cmsghdr *c;
    if (n < 0)
        pyssl_raise(L, "TypeError", "sendmsg() argument 2 must be an iterable");
    if (n > 0 && ints)
        pyssl_raise(L, "TypeError", ANC_ITEM " argument must be 3-item sequence, not int");
    if (n > INT_MAX / 3)
        pyssl_raise(L, "OSError", "too much ancillary data");
    lua_createtable(L, (int)(3 * n), 0);
    pins = lua_gettop(L);
    for (i = 1; i <= n; i++) {
        len = anc_item(L, idx, i, pins);
        if (len > SOCKLEN_LIMIT - CMSG_SPACE(1))
            pyssl_raise(L, "OSError", "ancillary data item too large");
        if (CMSG_SPACE(len) > SOCKLEN_LIMIT - total)
            pyssl_raise(L, "OSError", "too much ancillary data");
        total += CMSG_SPACE(len);
    }
    if (total == 0)
        return;
    buf = lua_newuserdatauv(L, total, 0);
    memset(buf, 0, total);
    msg->msg_control = buf;
    msg->msg_controllen = total;
    c = CMSG_FIRSTHDR(msg);
    for (i = 1; i <= n && c; i++) {
        const void *p;
        lua_rawgeti(L, pins, 3 * i - 2);
        c->cmsg_level = (int)lua_tointeger(L, -1);
        lua_rawgeti(L, pins, 3 * i - 1);
        c->cmsg_type = (int)lua_tointeger(L, -1);
        lua_rawgeti(L, pins, 3 * i);
        p = item_bytes(L, -1, &len);
        lua_pop(L, 3);   /* still pinned */
        c->cmsg_len = CMSG_LEN(len);
        if (len)
            memcpy(CMSG_DATA(c), p, len);
        c = CMSG_NXTHDR(msg, c);
    }
}

/* sendmsg(buffers[, ancdata[, flags[, address]]]) -> bytes sent */
static int sock_sendmsg(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("sendmsg", PYSSL_WORDING_TUPLE, 1, 4);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    struct iovec stack[STACK_IOV];
    struct sockaddr_storage ss;
    struct msghdr msg;
    double deadline = -1;
    int flags;
    ssize_t r;
    lua_settop(L, 5);
    memset(&msg, 0, sizeof msg);
    flags = lua_isnil(L, 4) ? 0 : pyssl_check_int(L, 4);
    if (!lua_isnil(L, 5)) {
        msg.msg_namelen = (socklen_t)pyssl_get_sockaddr(L, s->family, 5, "sendmsg", &ss);
        msg.msg_name = &ss;
    }
    msg.msg_iov = send_iov(L, 2, stack, &msg.msg_iovlen);
    if (!lua_isnil(L, 3))
        send_control(L, 3, &msg);
    while ((r = sendmsg(s->fd, &msg, flags | MSG_NOSIGNAL)) < 0)
        pyssl_socket_retry(L, s, errno, 1, &deadline);
    lua_pushinteger(L, (lua_Integer)r);
    return 1;
}

/* ------------------------------------------------------- receiving */

/* Walks the control messages that arrived: calls fn(L, c, datalen, ud)
 * for each, datalen clipped to what is in the buffer (a truncated last
 * message keeps the part that arrived, as Python returns it). */
typedef void (*cmsg_fn)(lua_State *L, struct cmsghdr *c, size_t datalen, void *ud);

static void each_cmsg(lua_State *L, const struct msghdr *msg, cmsg_fn fn, void *ud)
{
    unsigned char *base = msg->msg_control;
    size_t off = 0, end = msg->msg_control ? msg->msg_controllen : 0;
    while (end - off >= CMSG_LEN(0)) {
        struct cmsghdr *c = (struct cmsghdr *)(base + off);
        size_t len = c->cmsg_len, step;
        if (len < CMSG_LEN(0))
            break;
        step = CMSG_SPACE(len - CMSG_LEN(0));
        if (len > end - off)
            len = end - off;
        fn(L, c, len - CMSG_LEN(0), ud);
        if (step > end - off)
            break;
        off += step;
    }
}

/* Pushes {level, type, data} and appends it to the list at stack index *ud. */
static void push_cmsg(lua_State *L, struct cmsghdr *c, size_t datalen, void *ud)
{
    int list = *(int *)ud;
    lua_createtable(L, 3, 0);
    lua_pushinteger(L, c->cmsg_level);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, c->cmsg_type);
    lua_rawseti(L, -2, 2);
    lua_pushlstring(L, (const char *)CMSG_DATA(c), datalen);
    lua_rawseti(L, -2, 3);
    lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list) + 1);
}

/* Closes the descriptors of an SCM_RIGHTS message. */
static void close_cmsg_fds(lua_State *L, struct cmsghdr *c, size_t datalen, void *ud)
{
    size_t i;
    (void)L;
    (void)ud;
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        return;
    for (i = 0; i + sizeof(int) <= datalen; i += sizeof(int)) {
        int fd;
        memcpy(&fd, CMSG_DATA(c) + i, sizeof fd);
        close(fd);
    }
}

/* What the protected result builder needs. */
typedef struct recv_result {
    struct msghdr *msg;
    ssize_t n;                  /* bytes received */
    const char *data;           /* recvmsg: the bytes; recvmsg_into: NULL */
} recv_result;

/* Pushes data (or nbytes), ancdata, msg_flags, address: four values, as
 * recvfrom returns two (run protected). */
static int build_result(lua_State *L)
{
    recv_result *res = lua_touserdata(L, 1);
    int list;
    if (res->data)
        lua_pushlstring(L, res->data, (size_t)res->n);
    else
        lua_pushinteger(L, (lua_Integer)res->n);
    lua_newtable(L);
    list = lua_gettop(L);
    each_cmsg(L, res->msg, push_cmsg, &list);
    lua_pushinteger(L, res->msg->msg_flags);
    pyssl_push_sockaddr(L, res->msg->msg_name, (int)res->msg->msg_namelen);
    return 4;
}

/* The ancillary buffer size argument at idx (absent: 0). */
static size_t check_ancbufsize(lua_State *L, int idx)
{
    lua_Integer n = lua_isnil(L, idx) ? 0 : pyssl_check_index(L, idx);
    if (n < 0 || (lua_Unsigned)n > SOCKLEN_LIMIT)
        pyssl_raise(L, "ValueError", "invalid ancillary data buffer length");
    return (size_t)(n > MAX_ANCBUF ? MAX_ANCBUF : n);
}

/* Receives into msg's iovecs with `ancbufsize` bytes of control buffer and
 * pushes the four results; `data` as in recv_result. The builder function
 * is pushed before the call, so that nothing allocates between receiving
 * descriptors and the protected call that may fail. */
static int recv_and_push(lua_State *L, pyssl_socket *s, struct msghdr *msg, size_t ancbufsize,
                         int flags, const char *data)
{
    struct sockaddr_storage ss;
    recv_result res;
    double deadline = -1;
    void *control = ancbufsize ? lua_newuserdatauv(L, ancbufsize, 0) : NULL;
    ssize_t r;
    lua_pushcfunction(L, build_result);
    lua_pushlightuserdata(L, &res);
    for (;;) {
        msg->msg_name = &ss;
        msg->msg_namelen = sizeof ss;
        msg->msg_control = control;
        msg->msg_controllen = ancbufsize;
        msg->msg_flags = 0;
        if ((r = recvmsg(s->fd, msg, flags)) >= 0)
            break;
        pyssl_socket_retry(L, s, errno, 0, &deadline);
    }
    /* What the kernel reports stays within what it was given. */
    if (msg->msg_controllen > ancbufsize)
        msg->msg_controllen = ancbufsize;
    if (msg->msg_namelen > sizeof ss)
        msg->msg_namelen = sizeof ss;
    res.msg = msg;
    res.n = r;
    res.data = data;
    if (lua_pcall(L, 1, 4, 0) != LUA_OK) {
        each_cmsg(L, msg, close_cmsg_fds, NULL);
        return lua_error(L);
    }
    return 4;
}

/* recvmsg(bufsize[, ancbufsize[, flags]]) -> data, ancdata, msg_flags, address */
static int sock_recvmsg(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("recvmsg", PYSSL_WORDING_TUPLE, 1, 3);
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    lua_Integer n;
    size_t ancbufsize;
    int flags;
    struct msghdr msg;
    struct iovec iov;
    lua_settop(L, 4);
    n = pyssl_check_index(L, 2);
    ancbufsize = check_ancbufsize(L, 3);
    flags = lua_isnil(L, 4) ? 0 : pyssl_check_int(L, 4);
    if (n < 0)
        return pyssl_raise(L, "ValueError", "negative buffer size in recvmsg()");
    if (n > MAX_READ)
        n = MAX_READ;
    memset(&msg, 0, sizeof msg);
    iov.iov_len = (size_t)n;
    iov.iov_base = (size_t)n <= PYSSL_RECORD_MAX ? pyssl_state_of(L)->scratch
                                                 : lua_newuserdatauv(L, (size_t)n, 0);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    return recv_and_push(L, s, &msg, ancbufsize, flags, iov.iov_base);
}

/* recvmsg_into(buffers[, ancbufsize[, flags]]) -> nbytes, ancdata, msg_flags, address */
static int sock_recvmsg_into(lua_State *L)
{
    static const pyssl_sig sig = PYSSL_SOCKET_SIG("recvmsg_into", PYSSL_WORDING_TUPLE, 1, 3);
#define NOT_BUFFERS "recvmsg_into() argument 1 must be an iterable of single-segment read-write buffers"
    static const buffers_kind kind = {"recvmsg_into", NOT_BUFFERS, item_writable, NOT_BUFFERS};
#undef NOT_BUFFERS
    pyssl_socket *s = pyssl_socket_bind(L, &sig);
    struct iovec stack[STACK_IOV];
    struct msghdr msg;
    size_t ancbufsize;
    int flags;
    lua_settop(L, 4);
    ancbufsize = check_ancbufsize(L, 3);
    flags = lua_isnil(L, 4) ? 0 : pyssl_check_int(L, 4);
    /* The buffers are pinned here: the control buffer's allocation below
     * can run a finalizer that takes them out of the caller's list. */
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = buffers_iov(L, 2, stack, &kind, &msg.msg_iovlen);
    return recv_and_push(L, s, &msg, ancbufsize, flags, NULL);
}

/* ----------------------------------------------------- CMSG_LEN/SPACE */

/* The one argument of CMSG_LEN/CMSG_SPACE, at most `max`. */
static size_t cmsg_arg(lua_State *L, const char *fname, size_t max)
{
    lua_Integer n;
    pyssl_check_one_arg(L, fname);
    n = lua_isboolean(L, 1) ? lua_toboolean(L, 1) : pyssl_check_index(L, 1);
    if (n < 0 || (lua_Unsigned)n > max)
        pyssl_raise(L, "OverflowError", "%s() argument out of range", fname);
    return (size_t)n;
}

/* CMSG_LEN(length): the cmsg_len of an item with `length` data bytes */
static int l_cmsg_len(lua_State *L)
{
    size_t n = cmsg_arg(L, "CMSG_LEN", SOCKLEN_LIMIT - CMSG_LEN(0));
    lua_pushinteger(L, (lua_Integer)CMSG_LEN(n));
    return 1;
}

/* CMSG_SPACE(length): the buffer space of an item with `length` data bytes */
static int l_cmsg_space(lua_State *L)
{
    size_t n = cmsg_arg(L, "CMSG_SPACE", SOCKLEN_LIMIT - CMSG_SPACE(1));
    lua_pushinteger(L, (lua_Integer)CMSG_SPACE(n));
    return 1;
}

/* ---------------------------------------------- C ints as bytes */

/* _int_bytes(v): the bytes of the C int v in the machine's order (Python's
 * array("i", ...) item; string.pack("i") exists from 5.3 only). The caller
 * checked the range. */
static int l_int_bytes(lua_State *L)
{
    int v = (int)luaL_checkinteger(L, 1);
    lua_pushlstring(L, (const char *)&v, sizeof v);
    return 1;
}

/* _bytes_int(s, i): the C int in the bytes of s from position i (1-based). */
static int l_bytes_int(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    lua_Integer i = luaL_checkinteger(L, 2);
    int v;
    if (i < 1 || (size_t)i - 1 > len || len - ((size_t)i - 1) < sizeof v)
        return pyssl_raise(L, "ValueError", "no C int at position %d", (int)i);
    memcpy(&v, s + i - 1, sizeof v);
    lua_pushinteger(L, v);
    return 1;
}

void pyssl_open_sockmsg(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"sendmsg", sock_sendmsg},
        {"recvmsg", sock_recvmsg},
        {"recvmsg_into", sock_recvmsg_into},
        {NULL, NULL}
    };
    static const luaL_Reg fns[] = {
        {"CMSG_LEN", l_cmsg_len},
        {"CMSG_SPACE", l_cmsg_space},
        {"_int_bytes", l_int_bytes},
        {"_bytes_int", l_bytes_int},
        {NULL, NULL}
    };
    pyssl_class_extend(L, "socket", methods, NULL, NULL);
    luaL_setfuncs(L, fns, 0);
}

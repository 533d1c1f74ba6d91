/* netdb: socket addresses and name resolution for pyssl.socket (the part
 * of Python's socket module that turns names into addresses and back).
 *
 * Addresses follow Python's shapes, with tuples as sequences:
 *   AF_INET  {host, port}
 *   AF_INET6 {host, port, flowinfo, scope_id}   (the last two optional on input)
 *   AF_UNIX  "path" (a leading NUL byte: Linux abstract namespace)
 * Name lookups that fail raise socket.gaierror(EAI_*, gai_strerror()).
 *
 * getaddrinfo()'s Lua result is built under lua_pcall and the C list freed
 * after it either way, so a memory error cannot leak it.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include "pyssl.h"

int pyssl_raise_gai(lua_State *L, int code, int sys_errno)
{
    if (code == EAI_SYSTEM)
        return pyssl_raise_errno(L, sys_errno, NULL);
    lua_pushinteger(L, code);
    lua_pushstring(L, gai_strerror(code));
    pyssl_push_error(L, "gaierror", 2);
    return lua_error(L);
}

/* An int argument with Python's OverflowError texts for C int. */
static int check_c_int(lua_State *L, int idx)
{
    lua_Integer v = pyssl_check_index(L, idx);
    if (v > INT_MAX || v < INT_MIN)
        pyssl_raise(L, "OverflowError", "Python int too large to convert to C int");
    return (int)v;
}

/* A host name argument: a string without NUL bytes. */
static const char *check_host(lua_State *L, int idx)
{
    return pyssl_check_cstring(L, idx, "str, bytes or bytearray expected, not %s",
                               "TypeError", "host name must not contain null character");
}

const char *pyssl_check_host_arg(lua_State *L, int idx, const char *fname)
{
    size_t len;
    const char *s;
    if (lua_type(L, idx) != LUA_TSTRING)
        pyssl_raise(L, "TypeError", "%s() argument %d must be str, bytes or bytearray, not %s",
                    fname, idx, lua_isnoneornil(L, idx) ? "None" : pyssl_typename(L, idx));
    s = lua_tolstring(L, idx, &len);
    if (strlen(s) != len)
        pyssl_raise(L, "TypeError",
                    "%s() argument %d must be encoded string without null bytes, not str",
                    fname, idx);
    return s;
}

/* The wildcard address of an unspecified family: what the resolver gives
 * for a passive lookup, which must be one address (on a dual-stack host it
 * is two, and Python refuses). */
static void set_wildcard_unspec(lua_State *L, struct sockaddr_storage *sa)
{
    struct addrinfo hints, *res = NULL;
    int err, saved, many;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE;
    err = getaddrinfo(NULL, "0", &hints, &res);
    saved = errno;
    if (err)
        pyssl_raise_gai(L, err, saved);
    many = res->ai_next != NULL;
    if (!many)
        memcpy(sa, res->ai_addr,
               res->ai_addrlen < sizeof *sa ? (size_t)res->ai_addrlen : sizeof *sa);
    freeaddrinfo(res);
    if (many)
        pyssl_raise(L, "OSError", "wildcard resolved to multiple address");
}

void pyssl_set_ip_address(lua_State *L, const char *name, struct sockaddr_storage *sa,
                          int family)
{
    struct addrinfo hints, *res = NULL;
    int err, saved;
    memset(sa, 0, sizeof *sa);
    if (name[0] == '\0' && family == AF_UNSPEC) {
        set_wildcard_unspec(L, sa);
        return;
    }
    if (name[0] == '\0' || strcmp(name, "<broadcast>") == 0 ||
        strcmp(name, "255.255.255.255") == 0) {
        int any = name[0] == '\0';
        if (!any && family != AF_INET && family != AF_UNSPEC)
            pyssl_raise(L, "OSError", "address family mismatched");
        if (family == AF_INET6) {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;
            sin6->sin6_family = AF_INET6;
            sin6->sin6_addr = in6addr_any;
        } else {
            struct sockaddr_in *sin = (struct sockaddr_in *)sa;
            sin->sin_family = AF_INET;
            sin->sin_addr.s_addr = htonl(any ? INADDR_ANY : INADDR_BROADCAST);
        }
        return;
    }
    if (family == AF_INET || family == AF_UNSPEC) {
        struct sockaddr_in *sin = (struct sockaddr_in *)sa;
        if (inet_pton(AF_INET, name, &sin->sin_addr) == 1) {
            sin->sin_family = AF_INET;
            return;
        }
    }
    if (family == AF_INET6 || family == AF_UNSPEC) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;
        if (inet_pton(AF_INET6, name, &sin6->sin6_addr) == 1) {
            sin6->sin6_family = AF_INET6;
            return;
        }
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    err = getaddrinfo(name, NULL, &hints, &res);
    saved = errno;
    if (err)
        pyssl_raise_gai(L, err, saved);
    memcpy(sa, res->ai_addr,
           res->ai_addrlen < sizeof *sa ? (size_t)res->ai_addrlen : sizeof *sa);
    freeaddrinfo(res);
}

int pyssl_get_sockaddr(lua_State *L, int family, int idx, const char *caller,
                       struct sockaddr_storage *addr)
{
    idx = lua_absindex(L, idx);
    memset(addr, 0, sizeof *addr);
    switch (family) {
    case AF_INET: case AF_INET6: {
        int v6 = family == AF_INET6, n;
        const char *host;
        lua_Integer port, flowinfo = 0, scope_id = 0;
        if (!lua_istable(L, idx) || pyssl_object_classname(L, idx))
            pyssl_raise(L, "TypeError", "%s(): %s address must be tuple, not %s", caller,
                        v6 ? "AF_INET6" : "AF_INET", pyssl_typename(L, idx));
        n = (int)lua_rawlen(L, idx);
        if (v6 ? (n < 2 || n > 4) : n != 2)
            pyssl_raise(L, "TypeError", v6
                        ? "AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])"
                        : "AF_INET address must be a pair (host, port)");
        lua_rawgeti(L, idx, 1);
        host = check_host(L, -1);
        lua_rawgeti(L, idx, 2);
        port = pyssl_check_index(L, -1);
        if (n >= 3) {
            lua_rawgeti(L, idx, 3);
            flowinfo = pyssl_check_index(L, -1);
            lua_pop(L, 1);
        }
        if (n >= 4) {
            lua_rawgeti(L, idx, 4);
            scope_id = pyssl_check_index(L, -1);
            lua_pop(L, 1);
        }
        pyssl_set_ip_address(L, host, addr, family);
        lua_pop(L, 2);
        if (port < 0 || port > 0xffff)
            pyssl_raise(L, "OverflowError", "%s(): port must be 0-65535.", caller);
        if (!v6) {
            ((struct sockaddr_in *)addr)->sin_port = htons((unsigned short)port);
            return (int)sizeof(struct sockaddr_in);
        }
        if (flowinfo < 0 || flowinfo > 0xfffff)
            pyssl_raise(L, "OverflowError", "%s(): flowinfo must be 0-1048575.", caller);
        if (scope_id < 0 || scope_id > (lua_Integer)UINT_MAX)
            pyssl_raise(L, "OverflowError", "%s(): scope_id must be 0-4294967295.", caller);
        {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;
            sin6->sin6_port = htons((unsigned short)port);
            sin6->sin6_flowinfo = htonl((uint32_t)flowinfo);
            if (n >= 4)
                sin6->sin6_scope_id = (uint32_t)scope_id;
        }
        return (int)sizeof(struct sockaddr_in6);
    }
    case AF_UNIX: {
        struct sockaddr_un *sun = (struct sockaddr_un *)addr;
        size_t len;
        const char *path;
        int abstract;
        if (lua_type(L, idx) != LUA_TSTRING)
            pyssl_raise(L, "TypeError", "a bytes-like object is required, not '%s'",
                        pyssl_typename(L, idx));
        path = lua_tolstring(L, idx, &len);
        abstract = len > 0 && path[0] == '\0';
        if (abstract ? len > sizeof sun->sun_path : len >= sizeof sun->sun_path)
            pyssl_raise(L, "OSError", "AF_UNIX path too long");
        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, path, len);
        return (int)(offsetof(struct sockaddr_un, sun_path) + len + (abstract ? 0 : 1));
    }
    default:
        return pyssl_raise(L, "OSError", "%s(): bad family", caller);
    }
}

/* Dotted-quad text of an IPv4 address into out (16 bytes); returns its
 * length. inet_ntop's text without its sprintf (~1.7 k instructions):
 * every accept() and getaddrinfo() result goes through here. */
static size_t format_ipv4(const struct in_addr *addr, char *out)
{
    const unsigned char *b = (const unsigned char *)&addr->s_addr;
    size_t n = 0;
    int i;
    for (i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (i > 0)
            out[n++] = '.';
        if (v >= 100)
            out[n++] = (char)('0' + v / 100);
        if (v >= 10)
            out[n++] = (char)('0' + v / 10 % 10);
        out[n++] = (char)('0' + v % 10);
    }
    return n;
}

void pyssl_push_sockaddr(lua_State *L, const struct sockaddr *sa, int len)
{
    char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    if (len <= 0) {
        lua_pushnil(L);
        return;
    }
    switch (sa->sa_family) {
    case AF_INET: {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        size_t n = format_ipv4(&sin->sin_addr, host);
        lua_createtable(L, 2, 0);
        lua_pushlstring(L, host, n);
        lua_rawseti(L, -2, 1);
        lua_pushinteger(L, ntohs(sin->sin_port));
        lua_rawseti(L, -2, 2);
        return;
    }
    case AF_INET6: {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        /* getnameinfo adds the "%scope" suffix of link-local addresses. */
        if (getnameinfo(sa, sizeof *sin6, host, sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
            inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
        lua_createtable(L, 4, 0);
        lua_pushstring(L, host);
        lua_rawseti(L, -2, 1);
        lua_pushinteger(L, ntohs(sin6->sin6_port));
        lua_rawseti(L, -2, 2);
        lua_pushinteger(L, ntohl(sin6->sin6_flowinfo));
        lua_rawseti(L, -2, 3);
        lua_pushinteger(L, sin6->sin6_scope_id);
        lua_rawseti(L, -2, 4);
        return;
    }
    case AF_UNIX: {
        const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
        size_t n = (size_t)len > offsetof(struct sockaddr_un, sun_path)
                   ? (size_t)len - offsetof(struct sockaddr_un, sun_path) : 0;
        if (n > sizeof sun->sun_path)
            n = sizeof sun->sun_path;
        if (n > 0 && sun->sun_path[0] != '\0')
            n = strnlen(sun->sun_path, n);
        lua_pushlstring(L, sun->sun_path, n);
        return;
    }
    default:
        /* Python's fallback for other families: (family, raw bytes). */
        lua_createtable(L, 2, 0);
        lua_pushinteger(L, sa->sa_family);
        lua_rawseti(L, -2, 1);
        lua_pushlstring(L, sa->sa_data, sizeof sa->sa_data);
        lua_rawseti(L, -2, 2);
    }
}

/* Pushes getaddrinfo()'s list for the addrinfo chain at light userdata 1.
 * Run under lua_pcall, so that the caller frees the chain whether or not
 * building the list raised (out of memory): no finalizer per call. */
static int push_addrinfo_list(lua_State *L)
{
    const struct addrinfo *ai = lua_touserdata(L, 1);
    int i;
    lua_newtable(L);
    for (i = 1; ai; ai = ai->ai_next, i++) {
        lua_createtable(L, 5, 0);
        lua_pushinteger(L, ai->ai_family);
        lua_rawseti(L, -2, 1);
        lua_pushinteger(L, ai->ai_socktype);
        lua_rawseti(L, -2, 2);
        lua_pushinteger(L, ai->ai_protocol);
        lua_rawseti(L, -2, 3);
        lua_pushstring(L, ai->ai_canonname ? ai->ai_canonname : "");
        lua_rawseti(L, -2, 4);
        pyssl_push_sockaddr(L, ai->ai_addr, (int)ai->ai_addrlen);
        lua_rawseti(L, -2, 5);
        lua_rawseti(L, -2, i);
    }
    return 1;
}

/* Decimal text of v into buf (at least 21 bytes), NUL-terminated: the
 * port of every getaddrinfo() call, without snprintf's ~700 instructions. */
static const char *format_integer(lua_Integer v, char *buf, size_t size)
{
    char *p = buf + size - 1;
    /* the magnitude as unsigned: -LUA_MININTEGER does not fit */
    lua_Unsigned u = v < 0 ? 0u - (lua_Unsigned)v : (lua_Unsigned)v;
    *p = '\0';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return p;
}

/* getaddrinfo(host, port, family=0, type=0, proto=0, flags=0) */
static int l_getaddrinfo(lua_State *L)
{
    static const char *const names[] = {"host", "port", "family", "type", "proto", "flags", NULL};
    static const pyssl_sig sig = {"getaddrinfo", PYSSL_PARAMS(names), 6, 0, PYSSL_WORDING_KEYWORDS, 0};
    char portbuf[32];
    const char *host = NULL, *port = NULL;
    struct addrinfo hints, *res;
    int err, saved, status;
    pyssl_bind(L, &sig, 1);
    memset(&hints, 0, sizeof hints);
    if (!lua_isnil(L, 1)) {
        size_t len;
        if (lua_type(L, 1) != LUA_TSTRING)
            return pyssl_raise(L, "TypeError", "getaddrinfo() argument 1 must be string or None");
        host = lua_tolstring(L, 1, &len);
        if (strlen(host) != len)
            return pyssl_raise(L, "TypeError", "host name must not contain null character");
    }
    if (lua_isinteger(L, 2)) {
        port = format_integer(lua_tointeger(L, 2), portbuf, sizeof portbuf);
    } else if (lua_isboolean(L, 2)) {
        port = lua_toboolean(L, 2) ? "1" : "0";
    } else if (lua_type(L, 2) == LUA_TSTRING) {
        port = lua_tostring(L, 2);
    } else if (!lua_isnil(L, 2)) {
        return pyssl_raise(L, "OSError", "Int or String expected");
    }
    hints.ai_family = lua_isnil(L, 3) ? 0 : check_c_int(L, 3);
    hints.ai_socktype = lua_isnil(L, 4) ? 0 : check_c_int(L, 4);
    hints.ai_protocol = lua_isnil(L, 5) ? 0 : check_c_int(L, 5);
    hints.ai_flags = lua_isnil(L, 6) ? 0 : check_c_int(L, 6);
    err = getaddrinfo(host, port, &hints, &res);
    saved = errno;
    if (err)
        return pyssl_raise_gai(L, err, saved);
    lua_pushcfunction(L, push_addrinfo_list);
    lua_pushlightuserdata(L, res);
    status = lua_pcall(L, 1, 1, 0);
    freeaddrinfo(res);
    if (status != LUA_OK)
        return lua_error(L);
    return 1;
}

/* getnameinfo(sockaddr, flags) -> {host, service} */
static int l_getnameinfo(lua_State *L)
{
    struct addrinfo hints, *res = NULL;
    char portbuf[16], host[NI_MAXHOST], serv[NI_MAXSERV];
    const char *name;
    lua_Integer port, flowinfo = 0, scope_id = 0;
    int n, flags, err, saved, family;
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (lua_gettop(L) != 2)
        return pyssl_raise(L, "TypeError", "getnameinfo() takes exactly 2 arguments (%d given)",
                           lua_gettop(L));
    if (!lua_istable(L, 1) || pyssl_object_classname(L, 1))
        return pyssl_raise(L, "TypeError", "getnameinfo() argument 1 must be a tuple");
    flags = check_c_int(L, 2);
    n = (int)lua_rawlen(L, 1);
    if (n < 2 || n > 4)
        return pyssl_raise(L, "TypeError", "getnameinfo(): illegal sockaddr argument");
    lua_rawgeti(L, 1, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
        return pyssl_raise(L, "TypeError", "getnameinfo() argument 1 must be str, not %s",
                           pyssl_typename(L, -1));
    name = lua_tostring(L, -1);
    lua_rawgeti(L, 1, 2);
    port = pyssl_check_index(L, -1);
    if (n >= 3) {
        lua_rawgeti(L, 1, 3);
        flowinfo = pyssl_check_index(L, -1);
    }
    if (n >= 4) {
        lua_rawgeti(L, 1, 4);
        scope_id = pyssl_check_index(L, -1);
    }
    if (flowinfo < 0 || flowinfo > 0xfffff)
        return pyssl_raise(L, "OverflowError", "getnameinfo(): flowinfo must be 0-1048575.");
    snprintf(portbuf, sizeof portbuf, "%d", (int)(port & 0xffff));
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICHOST;
    err = getaddrinfo(name, portbuf, &hints, &res);
    saved = errno;
    if (err)
        return pyssl_raise_gai(L, err, saved);
    if (res->ai_next) {
        freeaddrinfo(res);
        return pyssl_raise(L, "OSError", "sockaddr resolved to multiple addresses");
    }
    family = res->ai_family;
    sslen = res->ai_addrlen < sizeof ss ? res->ai_addrlen : (socklen_t)sizeof ss;
    memcpy(&ss, res->ai_addr, sslen);
    freeaddrinfo(res);
    if (family == AF_INET && n != 2)
        return pyssl_raise(L, "OSError", "IPv4 sockaddr must be 2 tuple");
    if (family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_flowinfo = htonl((uint32_t)flowinfo);
        sin6->sin6_scope_id = (uint32_t)scope_id;
    }
    err = getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof host, serv, sizeof serv, flags);
    saved = errno;
    if (err)
        return pyssl_raise_gai(L, err, saved);
    lua_createtable(L, 2, 0);
    lua_pushstring(L, host);
    lua_rawseti(L, -2, 1);
    lua_pushstring(L, serv);
    lua_rawseti(L, -2, 2);
    return 1;
}

/* gethostname() */
static int l_gethostname(lua_State *L)
{
    char buf[HOST_NAME_MAX + 1];
    if (gethostname(buf, sizeof buf) < 0)
        return pyssl_raise_errno(L, errno, NULL);
    buf[sizeof buf - 1] = '\0';
    lua_pushstring(L, buf);
    return 1;
}

/* sethostname(name): name is a string without NUL bytes (Python's
 * PyUnicode_FSConverter); the kernel's errors (EPERM, EINVAL) as OSError. */
static int l_sethostname(lua_State *L)
{
    const char *name;
    pyssl_check_one_arg(L, "sethostname");
    name = pyssl_check_path(L, 1);
    if (sethostname(name, lua_rawlen(L, 1)) < 0)
        return pyssl_raise_errno(L, errno, NULL);
    return 0;
}

/* gethostbyname(name) -> dotted IPv4 address */
static int l_gethostbyname(lua_State *L)
{
    struct sockaddr_storage ss;
    char buf[INET_ADDRSTRLEN];
    const char *name = pyssl_check_host_arg(L, 1, "gethostbyname");
    pyssl_set_ip_address(L, name, &ss, AF_INET);
    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, sizeof buf);
    lua_pushstring(L, buf);
    return 1;
}

/* A str argument (NULL for nil when optional), with Python's TypeError. */
static const char *check_str(lua_State *L, int idx, const char *fname, int optional)
{
    if (optional && lua_isnoneornil(L, idx))
        return NULL;
    if (lua_type(L, idx) != LUA_TSTRING)
        pyssl_raise(L, "TypeError", "%s() argument %d must be str, not %s", fname, idx,
                    pyssl_typename(L, idx));
    return lua_tostring(L, idx);
}

/* getservbyname(servicename[, protocolname]) */
static int l_getservbyname(lua_State *L)
{
    const char *name = check_str(L, 1, "getservbyname", 0);
    const char *proto = check_str(L, 2, "getservbyname", 1);
    struct servent *se = getservbyname(name, proto);
    if (!se)
        return pyssl_raise(L, "OSError", "service/proto not found");
    lua_pushinteger(L, ntohs((unsigned short)se->s_port));
    return 1;
}

/* getservbyport(port[, protocolname]) */
static int l_getservbyport(lua_State *L)
{
    lua_Integer port = pyssl_check_index(L, 1);
    const char *proto = check_str(L, 2, "getservbyport", 1);
    struct servent *se;
    if (port < 0 || port > 0xffff)
        return pyssl_raise(L, "OverflowError", "getservbyport: port must be 0-65535.");
    se = getservbyport(htons((unsigned short)port), proto);
    if (!se)
        return pyssl_raise(L, "OSError", "port/proto not found");
    lua_pushstring(L, se->s_name);
    return 1;
}

/* getprotobyname(name) */
static int l_getprotobyname(lua_State *L)
{
    struct protoent *pe = getprotobyname(check_str(L, 1, "getprotobyname", 0));
    if (!pe)
        return pyssl_raise(L, "OSError", "protocol not found");
    lua_pushinteger(L, pe->p_proto);
    return 1;
}

/* inet_pton(family, ip_string) -> packed bytes */
static int l_inet_pton(lua_State *L)
{
    int family = check_c_int(L, 1);
    const char *text = check_host(L, 2);
    unsigned char buf[sizeof(struct in6_addr)];
    int r = inet_pton(family, text, buf);
    if (r < 0)
        return pyssl_raise_errno(L, errno, NULL);
    if (r == 0)
        return pyssl_raise(L, "OSError", "illegal IP address string passed to inet_pton");
    lua_pushlstring(L, (const char *)buf, family == AF_INET ? 4 : 16);
    return 1;
}

/* inet_ntop(family, packed_ip) -> string */
static int l_inet_ntop(lua_State *L)
{
    int family = check_c_int(L, 1);
    size_t len;
    const char *packed = pyssl_check_bytes(L, 2, &len);
    char buf[INET6_ADDRSTRLEN];
    if (family != AF_INET && family != AF_INET6)
        return pyssl_raise(L, "ValueError", "unknown address family %d", family);
    if (len != (family == AF_INET ? 4u : 16u))
        return pyssl_raise(L, "ValueError", "invalid length of packed IP address string");
    if (!inet_ntop(family, packed, buf, sizeof buf))
        return pyssl_raise_errno(L, errno, NULL);
    lua_pushstring(L, buf);
    return 1;
}

/* inet_aton(ip_string) -> 4 bytes (accepts inet_aton's short forms) */
static int l_inet_aton(lua_State *L)
{
    struct in_addr a;
    if (!inet_aton(check_host(L, 1), &a))
        return pyssl_raise(L, "OSError", "illegal IP address string passed to inet_aton");
    lua_pushlstring(L, (const char *)&a, 4);
    return 1;
}

/* inet_ntoa(packed_ip) -> dotted string */
static int l_inet_ntoa(lua_State *L)
{
    size_t len;
    const char *packed = pyssl_check_bytes(L, 1, &len);
    char buf[INET_ADDRSTRLEN];
    if (len != 4)
        return pyssl_raise(L, "OSError", "packed IP wrong length for inet_ntoa");
    inet_ntop(AF_INET, packed, buf, sizeof buf);
    lua_pushstring(L, buf);
    return 1;
}

static lua_Integer check_u16(lua_State *L, const char *fname)
{
    lua_Integer v = pyssl_check_index(L, 1);
    if (v < 0)
        pyssl_raise(L, "OverflowError", "%s: can't convert negative Python int to C 16-bit unsigned integer", fname);
    if (v > 0xffff)
        pyssl_raise(L, "OverflowError", "%s: Python int too large to convert to C 16-bit unsigned integer", fname);
    return v;
}

static lua_Integer check_u32(lua_State *L)
{
    lua_Integer v = pyssl_check_index(L, 1);
    if (v < 0)
        pyssl_raise(L, "OverflowError", "can't convert negative value to unsigned int");
    if (v > 0xffffffffLL)
        pyssl_raise(L, "OverflowError", "int larger than 32 bits");
    return v;
}

static int l_htons(lua_State *L)
{
    lua_pushinteger(L, htons((uint16_t)check_u16(L, "htons")));
    return 1;
}

static int l_ntohs(lua_State *L)
{
    lua_pushinteger(L, ntohs((uint16_t)check_u16(L, "ntohs")));
    return 1;
}

static int l_htonl(lua_State *L)
{
    lua_pushinteger(L, htonl((uint32_t)check_u32(L)));
    return 1;
}

static int l_ntohl(lua_State *L)
{
    lua_pushinteger(L, ntohl((uint32_t)check_u32(L)));
    return 1;
}

void pyssl_open_netdb(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"getaddrinfo", l_getaddrinfo},
        {"getnameinfo", l_getnameinfo},
        {"gethostname", l_gethostname},
        {"sethostname", l_sethostname},
        {"gethostbyname", l_gethostbyname},
        {"getservbyname", l_getservbyname},
        {"getservbyport", l_getservbyport},
        {"getprotobyname", l_getprotobyname},
        {"inet_pton", l_inet_pton},
        {"inet_ntop", l_inet_ntop},
        {"inet_aton", l_inet_aton},
        {"inet_ntoa", l_inet_ntoa},
        {"htons", l_htons},
        {"ntohs", l_ntohs},
        {"htonl", l_htonl},
        {"ntohl", l_ntohl},
        {NULL, NULL}
    };
    luaL_setfuncs(L, fns, 0);
}

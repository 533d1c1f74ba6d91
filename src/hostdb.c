/* hostdb: the host database lookups of Python's socket module,
 * gethostbyname_ex() and gethostbyaddr(), which answer with the resolver's
 * whole host entry: {hostname, aliaslist, ipaddrlist}.
 *
 * Like CPython, the argument is first turned into an address with
 * setipaddr() (pyssl_set_ip_address: numeric forms skip the resolver, a
 * name that does not resolve raises gaierror), then the reentrant
 * gethostbyname_r()/gethostbyaddr_r() are asked. A failed lookup raises
 * socket.herror(h_errno, hstrerror(h_errno)), e.g. "[Errno 1] Unknown host".
 *
 * The lookup's scratch buffer is a userdata left on the stack while the
 * result is built (the host entry points into it); it grows while the
 * resolver answers ERANGE.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include "pyssl.h"

#define BUF_START 16384
#define BUF_MAX   (1024 * 1024)

/* One lookup: by name when `name` is set, else by address. */
typedef struct host_query {
    const char *name;
    const void *addr;
    socklen_t addrlen;
    int family;
} host_query;

static int run_query(const host_query *q, struct hostent *he, char *buf, size_t len,
                     struct hostent **res, int *herr)
{
    if (q->name)
        return gethostbyname_r(q->name, he, buf, len, res, herr);
    return gethostbyaddr_r(q->addr, q->addrlen, q->family, he, buf, len, res, herr);
}

/* Runs q; returns the entry (pointing into a buffer pushed on the stack),
 * or NULL with *herr set. */
static struct hostent *lookup(lua_State *L, const host_query *q, struct hostent *he, int *herr)
{
    size_t len = BUF_START;
    for (;;) {
        char *buf = lua_newuserdatauv(L, len, 0);
        struct hostent *res = NULL;
        int rc;
        *herr = 0;
        rc = run_query(q, he, buf, len, &res, herr);
        if (rc == 0 && res)
            return res;
        if (rc != ERANGE || len >= BUF_MAX) {
            if (*herr == 0)
                *herr = HOST_NOT_FOUND;
            return NULL;
        }
        lua_pop(L, 1);
        len *= 2;
    }
}

static int raise_herror(lua_State *L, int herr)
{
    lua_pushinteger(L, herr);
    lua_pushstring(L, hstrerror(herr));
    pyssl_push_error(L, "herror", 2);
    return lua_error(L);
}

/* Pushes a NULL-terminated list of strings as a sequence. */
static void push_names(lua_State *L, char **names)
{
    int i;
    lua_newtable(L);
    for (i = 0; names && names[i]; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

/* Pushes the entry's addresses of `family` as text. */
static void push_addresses(lua_State *L, const struct hostent *h, int family)
{
    char text[INET6_ADDRSTRLEN];
    int i;
    lua_newtable(L);
    for (i = 0; h->h_addr_list[i]; i++) {
        if (!inet_ntop(family, h->h_addr_list[i], text, sizeof text))
            text[0] = '\0';
        lua_pushstring(L, text);
        lua_rawseti(L, -2, i + 1);
    }
}

/* Python's gethost_common(): {hostname, aliaslist, ipaddrlist}, or the
 * error the lookup's outcome calls for. */
static int push_host_entry(lua_State *L, const struct hostent *h, int herr, int family)
{
    if (!h)
        return raise_herror(L, herr);
    if (h->h_addrtype != family)
        return pyssl_raise_errno(L, EAFNOSUPPORT, NULL);
    lua_createtable(L, 3, 0);
    lua_pushstring(L, h->h_name ? h->h_name : "");
    lua_rawseti(L, -2, 1);
    push_names(L, h->h_aliases);
    lua_rawseti(L, -2, 2);
    push_addresses(L, h, family);
    lua_rawseti(L, -2, 3);
    return 1;
}

/* gethostbyname_ex(hostname) -> {hostname, aliaslist, ipaddrlist} */
static int l_gethostbyname_ex(lua_State *L)
{
    struct sockaddr_storage ss;
    struct hostent he, *h;
    host_query q = {0};
    int herr;
    pyssl_check_one_arg(L, "gethostbyname_ex");
    q.name = pyssl_check_host_arg(L, 1, "gethostbyname_ex");
    pyssl_set_ip_address(L, q.name, &ss, AF_INET);
    h = lookup(L, &q, &he, &herr);
    return push_host_entry(L, h, herr, ss.ss_family);
}

/* gethostbyaddr(ip_address) -> {hostname, aliaslist, ipaddrlist}; a name
 * is resolved to its first address first. */
static int l_gethostbyaddr(lua_State *L)
{
    struct sockaddr_storage ss;
    struct hostent he, *h;
    host_query q = {0};
    int herr;
    const char *name;
    pyssl_check_one_arg(L, "gethostbyaddr");
    name = pyssl_check_host_arg(L, 1, "gethostbyaddr");
    pyssl_set_ip_address(L, name, &ss, AF_UNSPEC);
    q.family = ss.ss_family;
    if (q.family == AF_INET) {
        q.addr = &((struct sockaddr_in *)&ss)->sin_addr;
        q.addrlen = sizeof(struct in_addr);
    } else if (q.family == AF_INET6) {
        q.addr = &((struct sockaddr_in6 *)&ss)->sin6_addr;
        q.addrlen = sizeof(struct in6_addr);
    } else {
        return pyssl_raise(L, "OSError", "unsupported address family");
    }
    h = lookup(L, &q, &he, &herr);
    return push_host_entry(L, h, herr, q.family);
}

void pyssl_open_hostdb(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"gethostbyname_ex", l_gethostbyname_ex},
        {"gethostbyaddr", l_gethostbyaddr},
        {NULL, NULL}
    };
    luaL_setfuncs(L, fns, 0);
}

/* The constants of pyssl.socket (Python's socket module): address
 * families, socket types, protocols, options, message flags, getaddrinfo
 * flags and errors, those this platform defines.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include "pyssl.h"

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

/* Adds the constants to the table on top (core._socket). */
void pyssl_open_sockconst(lua_State *L)
{
    size_t i;
    for (i = 0; i < sizeof constants / sizeof constants[0]; i++) {
        lua_pushinteger(L, constants[i].value);
        lua_setfield(L, -2, constants[i].name);
    }
}

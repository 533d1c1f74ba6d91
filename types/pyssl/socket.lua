---@meta pyssl.socket
-- LuaLS declarations of `require "pyssl.socket"`: the part of Python's
-- socket module TLS code needs (https://docs.python.org/3/library/socket.html).
-- Addresses are sequences: {host, port}; tuples Python returns are
-- sequences too. Python's exception classes live in pyssl (pyssl.OSError,
-- pyssl.BlockingIOError, ...); socket.error, socket.timeout, socket.herror
-- and socket.gaierror are the same classes as pyssl's.

---@class pyssl.socket
---@field error pyssl.OSError
---@field timeout pyssl.TimeoutError
---@field herror pyssl.herror
---@field gaierror pyssl.gaierror
---@field SocketType pyssl.socket.socket the socket class
---@field bytearray pyssl.socket.bytearray
---@field AF_ALG integer
---@field AF_APPLETALK integer
---@field AF_ASH integer
---@field AF_ATMPVC integer
---@field AF_ATMSVC integer
---@field AF_AX25 integer
---@field AF_BRIDGE integer
---@field AF_CAN integer
---@field AF_DECnet integer
---@field AF_ECONET integer
---@field AF_INET integer
---@field AF_INET6 integer
---@field AF_IPX integer
---@field AF_IRDA integer
---@field AF_KEY integer
---@field AF_LLC integer
---@field AF_NETBEUI integer
---@field AF_NETLINK integer
---@field AF_NETROM integer
---@field AF_PACKET integer
---@field AF_PPPOX integer
---@field AF_QIPCRTR integer
---@field AF_RDS integer
---@field AF_ROSE integer
---@field AF_ROUTE integer
---@field AF_SECURITY integer
---@field AF_SNA integer
---@field AF_TIPC integer
---@field AF_UNIX integer
---@field AF_UNSPEC integer
---@field AF_VSOCK integer
---@field AF_WANPIPE integer
---@field AF_X25 integer
---@field AI_ADDRCONFIG integer
---@field AI_ALL integer
---@field AI_CANONNAME integer
---@field AI_NUMERICHOST integer
---@field AI_NUMERICSERV integer
---@field AI_PASSIVE integer
---@field AI_V4MAPPED integer
---@field AddressFamily pyssl.socket.AddressFamily enum table: each member is a plain integer (pyssl.socket.AddressFamily[value] is its name)
---@field AddressInfo pyssl.socket.AddressInfo enum table: each member is a plain integer (pyssl.socket.AddressInfo[value] is its name)
---@field EAI_ADDRFAMILY integer
---@field EAI_AGAIN integer
---@field EAI_BADFLAGS integer
---@field EAI_FAIL integer
---@field EAI_FAMILY integer
---@field EAI_MEMORY integer
---@field EAI_NODATA integer
---@field EAI_NONAME integer
---@field EAI_SERVICE integer
---@field EAI_SOCKTYPE integer
---@field EAI_SYSTEM integer
---@field INADDR_ANY integer
---@field INADDR_BROADCAST integer
---@field INADDR_LOOPBACK integer
---@field INADDR_NONE integer
---@field IPPROTO_ICMP integer
---@field IPPROTO_IP integer
---@field IPPROTO_IPV6 integer
---@field IPPROTO_RAW integer
---@field IPPROTO_TCP integer
---@field IPPROTO_UDP integer
---@field IPV6_V6ONLY integer
---@field IP_TOS integer
---@field IP_TTL integer
---@field MSG_CMSG_CLOEXEC integer
---@field MSG_CONFIRM integer
---@field MSG_CTRUNC integer
---@field MSG_DONTROUTE integer
---@field MSG_DONTWAIT integer
---@field MSG_EOR integer
---@field MSG_ERRQUEUE integer
---@field MSG_FASTOPEN integer
---@field MSG_MORE integer
---@field MSG_NOSIGNAL integer
---@field MSG_OOB integer
---@field MSG_PEEK integer
---@field MSG_TRUNC integer
---@field MSG_WAITALL integer
---@field MsgFlag pyssl.socket.MsgFlag enum table: each member is a plain integer (pyssl.socket.MsgFlag[value] is its name)
---@field NI_DGRAM integer
---@field NI_MAXHOST integer
---@field NI_MAXSERV integer
---@field NI_NAMEREQD integer
---@field NI_NOFQDN integer
---@field NI_NUMERICHOST integer
---@field NI_NUMERICSERV integer
---@field SCM_CREDENTIALS integer
---@field SCM_RIGHTS integer
---@field SHUT_RD integer
---@field SHUT_RDWR integer
---@field SHUT_WR integer
---@field SOCK_CLOEXEC integer
---@field SOCK_DGRAM integer
---@field SOCK_NONBLOCK integer
---@field SOCK_RAW integer
---@field SOCK_RDM integer
---@field SOCK_SEQPACKET integer
---@field SOCK_STREAM integer
---@field SOL_SOCKET integer
---@field SOMAXCONN integer
---@field SO_ACCEPTCONN integer
---@field SO_BROADCAST integer
---@field SO_DOMAIN integer
---@field SO_DONTROUTE integer
---@field SO_ERROR integer
---@field SO_KEEPALIVE integer
---@field SO_LINGER integer
---@field SO_OOBINLINE integer
---@field SO_PASSCRED integer
---@field SO_PEERCRED integer
---@field SO_PROTOCOL integer
---@field SO_RCVBUF integer
---@field SO_RCVLOWAT integer
---@field SO_RCVTIMEO integer
---@field SO_REUSEADDR integer
---@field SO_REUSEPORT integer
---@field SO_SNDBUF integer
---@field SO_SNDLOWAT integer
---@field SO_SNDTIMEO integer
---@field SO_TYPE integer
---@field SocketKind pyssl.socket.SocketKind enum table: each member is a plain integer (pyssl.socket.SocketKind[value] is its name)
---@field TCP_FASTOPEN integer
---@field TCP_KEEPCNT integer
---@field TCP_KEEPIDLE integer
---@field TCP_KEEPINTVL integer
---@field TCP_MAXSEG integer
---@field TCP_NODELAY integer
---@field TCP_QUICKACK integer
---@field TCP_USER_TIMEOUT integer
---@field has_ipv6 boolean
local M = {}

---------------------------------------------------------------- enums (plain integers)

---@class pyssl.socket.AddressFamily
---@field AF_ALG integer
---@field AF_APPLETALK integer
---@field AF_ASH integer
---@field AF_ATMPVC integer
---@field AF_ATMSVC integer
---@field AF_AX25 integer
---@field AF_BRIDGE integer
---@field AF_CAN integer
---@field AF_ECONET integer
---@field AF_INET integer
---@field AF_INET6 integer
---@field AF_IPX integer
---@field AF_IRDA integer
---@field AF_KEY integer
---@field AF_LLC integer
---@field AF_NETBEUI integer
---@field AF_NETLINK integer
---@field AF_NETROM integer
---@field AF_PACKET integer
---@field AF_PPPOX integer
---@field AF_QIPCRTR integer
---@field AF_RDS integer
---@field AF_ROSE integer
---@field AF_ROUTE integer
---@field AF_SECURITY integer
---@field AF_SNA integer
---@field AF_TIPC integer
---@field AF_UNIX integer
---@field AF_UNSPEC integer
---@field AF_VSOCK integer
---@field AF_WANPIPE integer
---@field AF_X25 integer
local AddressFamily = {}

---@class pyssl.socket.AddressInfo
---@field AI_ADDRCONFIG integer
---@field AI_ALL integer
---@field AI_CANONNAME integer
---@field AI_NUMERICHOST integer
---@field AI_NUMERICSERV integer
---@field AI_PASSIVE integer
---@field AI_V4MAPPED integer
local AddressInfo = {}

---@class pyssl.socket.MsgFlag
---@field MSG_CMSG_CLOEXEC integer
---@field MSG_CONFIRM integer
---@field MSG_CTRUNC integer
---@field MSG_DONTROUTE integer
---@field MSG_DONTWAIT integer
---@field MSG_EOR integer
---@field MSG_ERRQUEUE integer
---@field MSG_FASTOPEN integer
---@field MSG_MORE integer
---@field MSG_NOSIGNAL integer
---@field MSG_OOB integer
---@field MSG_PEEK integer
---@field MSG_TRUNC integer
---@field MSG_WAITALL integer
local MsgFlag = {}

---@class pyssl.socket.SocketKind
---@field SOCK_CLOEXEC integer
---@field SOCK_DGRAM integer
---@field SOCK_NONBLOCK integer
---@field SOCK_RAW integer
---@field SOCK_RDM integer
---@field SOCK_SEQPACKET integer
---@field SOCK_STREAM integer
local SocketKind = {}


---------------------------------------------------------------- the socket class

---Python's socket.socket(family=AF_INET, type=SOCK_STREAM, proto=0, fileno=None).
---@class pyssl.socket.socket
---@overload fun(family?: integer, type?: integer, proto?: integer, fileno?: integer): pyssl.socket.socket
---@field family integer
---@field type integer
---@field proto integer
---@field timeout number?
local socket = {}
M.socket = socket

---@return pyssl.socket.socket conn, table address
function socket:accept() end
---@param address table {host, port}
function socket:bind(address) end
---Closes the socket (Python's close(); with makefile() files open, when the last closes).
function socket:close() end
---@param address table {host, port}
function socket:connect(address) end
---@param address table
---@return integer errno 0 when connected
function socket:connect_ex(address) end
---Forgets the descriptor without closing it; returns it.
---@return integer
function socket:detach() end
---@return pyssl.socket.socket
function socket:dup() end
---@return integer
function socket:fileno() end
---LuaSocket's name for fileno(), so LuaSocket's socket.select and copas can wait on it.
---@return integer
function socket:getfd() end
---LuaSocket's buffered-data test: always false (a plain socket buffers nothing).
---@return boolean
function socket:dirty() end
---@return boolean
function socket:get_inheritable() end
---@param inheritable boolean
function socket:set_inheritable(inheritable) end
---@return boolean
function socket:getblocking() end
---@param flag boolean
function socket:setblocking(flag) end
---@return number?
function socket:gettimeout() end
---@param value number? seconds; nil blocks, 0 is non-blocking
function socket:settimeout(value) end
---@return table address
function socket:getpeername() end
---@return table address
function socket:getsockname() end
---@param level integer
---@param optname integer
---@param buflen? integer
---@return integer|string
function socket:getsockopt(level, optname, buflen) end
---@param level integer
---@param optname integer
---@param value integer|string|nil
---@param optlen? integer
function socket:setsockopt(level, optname, value, optlen) end
---@param backlog? integer
function socket:listen(backlog) end
---Python's socket.makefile(mode="r", buffering=None, ...): a file object over the socket.
---@param mode? string
---@param kw? table
---@return table
function socket:makefile(mode, kw) end
---@param bufsize integer
---@param flags? integer
---@return string "" at the end of the stream
function socket:recv(bufsize, flags) end
---@param buffer pyssl.socket.bytearray
---@param nbytes? integer
---@param flags? integer
---@return integer
function socket:recv_into(buffer, nbytes, flags) end
---@param bufsize integer
---@param flags? integer
---@return string data, table address
function socket:recvfrom(bufsize, flags) end
---@param buffer pyssl.socket.bytearray
---@param nbytes? integer
---@param flags? integer
---@return integer nbytes, table address
function socket:recvfrom_into(buffer, nbytes, flags) end
---@param bufsize integer
---@param ancbufsize? integer
---@param flags? integer
---@return string data, table ancdata, integer msg_flags, table? address
function socket:recvmsg(bufsize, ancbufsize, flags) end
---@param buffers pyssl.socket.bytearray[]
---@param ancbufsize? integer
---@param flags? integer
---@return integer nbytes, table ancdata, integer msg_flags, table? address
function socket:recvmsg_into(buffers, ancbufsize, flags) end
---@param data string
---@param flags? integer
---@return integer
function socket:send(data, flags) end
---@param data string
---@param flags? integer
function socket:sendall(data, flags) end
---@param data string
---@param flags_or_address integer|table
---@param address? table
---@return integer
function socket:sendto(data, flags_or_address, address) end
---@param buffers string[]
---@param ancdata? table[] {level, type, data} items
---@param flags? integer
---@param address? table
---@return integer
function socket:sendmsg(buffers, ancdata, flags, address) end
---Python's socket.sendfile(file, offset=0, count=None).
---@param file file*|table
---@param offset? integer
---@param count? integer
---@return integer
function socket:sendfile(file, offset, count) end
---@param how integer SHUT_RD, SHUT_WR or SHUT_RDWR
function socket:shutdown(how) end

---Python's bytearray, for recv_into and its relatives.
---@class pyssl.socket.bytearray
---@overload fun(size_or_data?: integer|string): pyssl.socket.bytearray
local bytearray = {}
M.bytearray = bytearray

---------------------------------------------------------------- functions

---Python's socket.create_connection(address, timeout=..., source_address=None, *, all_errors=False).
---@param address table {host, port}
---@param timeout? number|table
---@param source_address? table
---@return pyssl.socket.socket
function M.create_connection(address, timeout, source_address) end
---Python's socket.create_server(address, *, family=AF_INET, backlog=None, reuse_port=False, dualstack_ipv6=False).
---@param address table
---@param kw? {family?: integer, backlog?: integer, reuse_port?: boolean, dualstack_ipv6?: boolean}
---@return pyssl.socket.socket
function M.create_server(address, kw) end
---@return boolean
function M.has_dualstack_ipv6() end
---@param family? integer
---@param type? integer
---@param proto? integer
---@return pyssl.socket.socket, pyssl.socket.socket
function M.socketpair(family, type, proto) end
---Python's socket.fromfd(fd, family, type, proto=0): a socket on a dup of fd.
---@param fd integer
---@param family integer
---@param type integer
---@param proto? integer
---@return pyssl.socket.socket
function M.fromfd(fd, family, type, proto) end
---Python's os.close for a descriptor (socket.close(fd)).
---@param fd integer
function M.close(fd) end
---Python's socket.dup(fd).
---@param fd integer
---@return integer
function M.dup(fd) end
---@return number?
function M.getdefaulttimeout() end
---@param timeout number?
function M.setdefaulttimeout(timeout) end
---Python's socket.getaddrinfo(host, port, family=0, type=0, proto=0, flags=0): {family, type, proto, canonname, sockaddr} items.
---@param host string?
---@param port string|integer|nil
---@param family? integer
---@param type? integer
---@param proto? integer
---@param flags? integer
---@return table[]
function M.getaddrinfo(host, port, family, type, proto, flags) end
---@param sockaddr table
---@param flags integer
---@return string host, string port
function M.getnameinfo(sockaddr, flags) end
---@param name? string
---@return string
function M.getfqdn(name) end
---@param hostname string
---@return string
function M.gethostbyname(hostname) end
---@param hostname string
---@return table {hostname, aliases, addresses}
function M.gethostbyname_ex(hostname) end
---@param ip_address string
---@return table {hostname, aliases, addresses}
function M.gethostbyaddr(ip_address) end
---@return string
function M.gethostname() end
---@param name string
function M.sethostname(name) end
---@param protocolname string
---@return integer
function M.getprotobyname(protocolname) end
---@param servicename string
---@param protocolname? string
---@return integer
function M.getservbyname(servicename, protocolname) end
---@param port integer
---@param protocolname? string
---@return string
function M.getservbyport(port, protocolname) end
---@return table[] {index, name} items
function M.if_nameindex() end
---@param if_name string
---@return integer
function M.if_nametoindex(if_name) end
---@param if_index integer
---@return string
function M.if_indextoname(if_index) end
---@param x integer
---@return integer
function M.htonl(x) end
---@param x integer
---@return integer
function M.htons(x) end
---@param x integer
---@return integer
function M.ntohl(x) end
---@param x integer
---@return integer
function M.ntohs(x) end
---@param ip_string string
---@return string packed
function M.inet_aton(ip_string) end
---@param packed_ip string
---@return string
function M.inet_ntoa(packed_ip) end
---@param address_family integer
---@param ip_string string
---@return string packed
function M.inet_pton(address_family, ip_string) end
---@param address_family integer
---@param packed_ip string
---@return string
function M.inet_ntop(address_family, packed_ip) end
---@param length integer
---@return integer
function M.CMSG_LEN(length) end
---@param length integer
---@return integer
function M.CMSG_SPACE(length) end
---Python's socket.send_fds(sock, buffers, fds, flags=0, address=None).
---@param sock pyssl.socket.socket
---@param buffers string[]
---@param fds integer[]|string
---@param flags? integer
---@param address? table
---@return integer
function M.send_fds(sock, buffers, fds, flags, address) end
---Python's socket.recv_fds(sock, bufsize, maxfds, flags=0): data, fds, msg_flags, address.
---@param sock pyssl.socket.socket
---@param bufsize integer
---@param maxfds integer
---@param flags? integer
---@return string data, integer[] fds, integer msg_flags, table? address
function M.recv_fds(sock, bufsize, maxfds, flags) end

return M

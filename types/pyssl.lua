---@meta pyssl
-- LuaLS declarations of `require "pyssl"`: Python's ssl module (3.14) for
-- Lua. Python's documentation is pyssl's: https://docs.python.org/3/library/ssl.html
-- Python's keyword arguments are a trailing table ({server_side = true});
-- None is nil. Errors are raised (error()) as pyssl error objects: test
-- them with ssl.isinstance(e, cls), print Python's str(e) with ssl.str(e).
-- Editors: add this folder to `workspace.library` (README "Editor types").

---@alias pyssl.Buffer string  Python's bytes-like arguments: a Lua string

---@class pyssl
---@field socket pyssl.socket the pyssl.socket module (Python's socket, for TLS code)
---@field OPENSSL_VERSION_INFO integer[] {major, minor, fix, patch, status}
---@field CHANNEL_BINDING_TYPES string[] {"tls-unique"}
---@field ALERT_DESCRIPTION_ACCESS_DENIED integer
---@field ALERT_DESCRIPTION_BAD_CERTIFICATE integer
---@field ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE integer
---@field ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE integer
---@field ALERT_DESCRIPTION_BAD_RECORD_MAC integer
---@field ALERT_DESCRIPTION_CERTIFICATE_EXPIRED integer
---@field ALERT_DESCRIPTION_CERTIFICATE_REVOKED integer
---@field ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN integer
---@field ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE integer
---@field ALERT_DESCRIPTION_CLOSE_NOTIFY integer
---@field ALERT_DESCRIPTION_DECODE_ERROR integer
---@field ALERT_DESCRIPTION_DECOMPRESSION_FAILURE integer
---@field ALERT_DESCRIPTION_DECRYPT_ERROR integer
---@field ALERT_DESCRIPTION_HANDSHAKE_FAILURE integer
---@field ALERT_DESCRIPTION_ILLEGAL_PARAMETER integer
---@field ALERT_DESCRIPTION_INSUFFICIENT_SECURITY integer
---@field ALERT_DESCRIPTION_INTERNAL_ERROR integer
---@field ALERT_DESCRIPTION_NO_RENEGOTIATION integer
---@field ALERT_DESCRIPTION_PROTOCOL_VERSION integer
---@field ALERT_DESCRIPTION_RECORD_OVERFLOW integer
---@field ALERT_DESCRIPTION_UNEXPECTED_MESSAGE integer
---@field ALERT_DESCRIPTION_UNKNOWN_CA integer
---@field ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY integer
---@field ALERT_DESCRIPTION_UNRECOGNIZED_NAME integer
---@field ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE integer
---@field ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION integer
---@field ALERT_DESCRIPTION_USER_CANCELLED integer
---@field AlertDescription pyssl.AlertDescription enum table: each member is a plain integer (pyssl.AlertDescription[value] is its name)
---@field CERT_NONE integer
---@field CERT_OPTIONAL integer
---@field CERT_REQUIRED integer
---@field HAS_ALPN boolean
---@field HAS_ECDH boolean
---@field HAS_NEVER_CHECK_COMMON_NAME boolean
---@field HAS_NPN boolean
---@field HAS_PHA boolean
---@field HAS_PSK boolean
---@field HAS_SNI boolean
---@field HAS_SSLv2 boolean
---@field HAS_SSLv3 boolean
---@field HAS_TLSv1 boolean
---@field HAS_TLSv1_1 boolean
---@field HAS_TLSv1_2 boolean
---@field HAS_TLSv1_3 boolean
---@field OPENSSL_VERSION string
---@field OPENSSL_VERSION_NUMBER integer
---@field OP_ALL integer
---@field OP_CIPHER_SERVER_PREFERENCE integer
---@field OP_ENABLE_KTLS integer
---@field OP_ENABLE_MIDDLEBOX_COMPAT integer
---@field OP_IGNORE_UNEXPECTED_EOF integer
---@field OP_LEGACY_SERVER_CONNECT integer
---@field OP_NO_COMPRESSION integer
---@field OP_NO_RENEGOTIATION integer
---@field OP_NO_SSLv2 integer
---@field OP_NO_SSLv3 integer
---@field OP_NO_TICKET integer
---@field OP_NO_TLSv1 integer
---@field OP_NO_TLSv1_1 integer
---@field OP_NO_TLSv1_2 integer
---@field OP_NO_TLSv1_3 integer
---@field OP_SINGLE_DH_USE integer
---@field OP_SINGLE_ECDH_USE integer
---@field Options pyssl.Options enum table: each member is a plain integer (pyssl.Options[value] is its name)
---@field PEM_FOOTER string
---@field PEM_HEADER string
---@field PROTOCOL_SSLv23 integer
---@field PROTOCOL_TLS integer
---@field PROTOCOL_TLS_CLIENT integer
---@field PROTOCOL_TLS_SERVER integer
---@field PROTOCOL_TLSv1 integer
---@field PROTOCOL_TLSv1_1 integer
---@field PROTOCOL_TLSv1_2 integer
---@field SSLErrorNumber pyssl.SSLErrorNumber enum table: each member is a plain integer (pyssl.SSLErrorNumber[value] is its name)
---@field SSL_ERROR_EOF integer
---@field SSL_ERROR_INVALID_ERROR_CODE integer
---@field SSL_ERROR_SSL integer
---@field SSL_ERROR_SYSCALL integer
---@field SSL_ERROR_WANT_CONNECT integer
---@field SSL_ERROR_WANT_READ integer
---@field SSL_ERROR_WANT_WRITE integer
---@field SSL_ERROR_WANT_X509_LOOKUP integer
---@field SSL_ERROR_ZERO_RETURN integer
---@field TLSVersion pyssl.TLSVersion enum table: each member is a plain integer (pyssl.TLSVersion[value] is its name)
---@field VERIFY_ALLOW_PROXY_CERTS integer
---@field VERIFY_CRL_CHECK_CHAIN integer
---@field VERIFY_CRL_CHECK_LEAF integer
---@field VERIFY_DEFAULT integer
---@field VERIFY_X509_PARTIAL_CHAIN integer
---@field VERIFY_X509_STRICT integer
---@field VERIFY_X509_TRUSTED_FIRST integer
---@field VerifyFlags pyssl.VerifyFlags enum table: each member is a plain integer (pyssl.VerifyFlags[value] is its name)
---@field VerifyMode pyssl.VerifyMode enum table: each member is a plain integer (pyssl.VerifyMode[value] is its name)
local ssl = {}

---------------------------------------------------------------- enums (Python's IntEnum/IntFlag: plain integers)

---@class pyssl.AlertDescription
---@field ALERT_DESCRIPTION_ACCESS_DENIED integer
---@field ALERT_DESCRIPTION_BAD_CERTIFICATE integer
---@field ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE integer
---@field ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE integer
---@field ALERT_DESCRIPTION_BAD_RECORD_MAC integer
---@field ALERT_DESCRIPTION_CERTIFICATE_EXPIRED integer
---@field ALERT_DESCRIPTION_CERTIFICATE_REVOKED integer
---@field ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN integer
---@field ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE integer
---@field ALERT_DESCRIPTION_CLOSE_NOTIFY integer
---@field ALERT_DESCRIPTION_DECODE_ERROR integer
---@field ALERT_DESCRIPTION_DECOMPRESSION_FAILURE integer
---@field ALERT_DESCRIPTION_DECRYPT_ERROR integer
---@field ALERT_DESCRIPTION_HANDSHAKE_FAILURE integer
---@field ALERT_DESCRIPTION_ILLEGAL_PARAMETER integer
---@field ALERT_DESCRIPTION_INSUFFICIENT_SECURITY integer
---@field ALERT_DESCRIPTION_INTERNAL_ERROR integer
---@field ALERT_DESCRIPTION_NO_RENEGOTIATION integer
---@field ALERT_DESCRIPTION_PROTOCOL_VERSION integer
---@field ALERT_DESCRIPTION_RECORD_OVERFLOW integer
---@field ALERT_DESCRIPTION_UNEXPECTED_MESSAGE integer
---@field ALERT_DESCRIPTION_UNKNOWN_CA integer
---@field ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY integer
---@field ALERT_DESCRIPTION_UNRECOGNIZED_NAME integer
---@field ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE integer
---@field ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION integer
---@field ALERT_DESCRIPTION_USER_CANCELLED integer
local AlertDescription = {}

---@class pyssl.Options
---@field OP_ALL integer
---@field OP_CIPHER_SERVER_PREFERENCE integer
---@field OP_ENABLE_KTLS integer
---@field OP_ENABLE_MIDDLEBOX_COMPAT integer
---@field OP_IGNORE_UNEXPECTED_EOF integer
---@field OP_LEGACY_SERVER_CONNECT integer
---@field OP_NO_COMPRESSION integer
---@field OP_NO_RENEGOTIATION integer
---@field OP_NO_SSLv2 integer
---@field OP_NO_SSLv3 integer
---@field OP_NO_TICKET integer
---@field OP_NO_TLSv1 integer
---@field OP_NO_TLSv1_1 integer
---@field OP_NO_TLSv1_2 integer
---@field OP_NO_TLSv1_3 integer
---@field OP_SINGLE_DH_USE integer
---@field OP_SINGLE_ECDH_USE integer
local Options = {}

---@class pyssl.SSLErrorNumber
---@field SSL_ERROR_EOF integer
---@field SSL_ERROR_INVALID_ERROR_CODE integer
---@field SSL_ERROR_SSL integer
---@field SSL_ERROR_SYSCALL integer
---@field SSL_ERROR_WANT_CONNECT integer
---@field SSL_ERROR_WANT_READ integer
---@field SSL_ERROR_WANT_WRITE integer
---@field SSL_ERROR_WANT_X509_LOOKUP integer
---@field SSL_ERROR_ZERO_RETURN integer
local SSLErrorNumber = {}

---@class pyssl.TLSVersion
---@field MAXIMUM_SUPPORTED integer
---@field MINIMUM_SUPPORTED integer
---@field SSLv3 integer
---@field TLSv1 integer
---@field TLSv1_1 integer
---@field TLSv1_2 integer
---@field TLSv1_3 integer
local TLSVersion = {}

---@class pyssl.VerifyFlags
---@field VERIFY_ALLOW_PROXY_CERTS integer
---@field VERIFY_CRL_CHECK_CHAIN integer
---@field VERIFY_CRL_CHECK_LEAF integer
---@field VERIFY_DEFAULT integer
---@field VERIFY_X509_PARTIAL_CHAIN integer
---@field VERIFY_X509_STRICT integer
---@field VERIFY_X509_TRUSTED_FIRST integer
local VerifyFlags = {}

---@class pyssl.VerifyMode
---@field CERT_NONE integer
---@field CERT_OPTIONAL integer
---@field CERT_REQUIRED integer
local VerifyMode = {}


---------------------------------------------------------------- functions

---Python's ssl.create_default_context(purpose=Purpose.SERVER_AUTH, *, cafile=None, capath=None, cadata=None):
---a context with Python's secure defaults (certificate and host name checked,
---TLS 1.2 minimum, VERIFY_X509_STRICT and VERIFY_X509_PARTIAL_CHAIN set).
---@param purpose? pyssl.ASN1Object|{purpose?: pyssl.ASN1Object, cafile?: string, capath?: string, cadata?: string}
---@param kw? {cafile?: string, capath?: string, cadata?: string}
---@return pyssl.SSLContext
function ssl.create_default_context(purpose, kw) end

---Python's ssl.get_default_verify_paths().
---@return pyssl.DefaultVerifyPaths
function ssl.get_default_verify_paths() end

---Python's ssl.get_server_certificate(addr, ssl_version=PROTOCOL_TLS_CLIENT, ca_certs=None, timeout=...): the PEM certificate.
---@param addr {[1]: string, [2]: integer}
---@param ssl_version? integer|table
---@param ca_certs? string
---@param timeout? number
---@return string
function ssl.get_server_certificate(addr, ssl_version, ca_certs, timeout) end

---Python's ssl.cert_time_to_seconds("May  9 00:00:00 2007 GMT").
---@param cert_time string
---@return integer
function ssl.cert_time_to_seconds(cert_time) end

---Python's ssl.DER_cert_to_PEM_cert(der_cert_bytes).
---@param der_cert_bytes string
---@return string
function ssl.DER_cert_to_PEM_cert(der_cert_bytes) end

---Python's ssl.PEM_cert_to_DER_cert(pem_cert_string).
---@param pem_cert_string string
---@return string
function ssl.PEM_cert_to_DER_cert(pem_cert_string) end

---Python's ssl.get_protocol_name(protocol_code).
---@param protocol_code integer
---@return string
function ssl.get_protocol_name(protocol_code) end

---Python's ssl.RAND_bytes(n).
---@param n integer
---@return string
function ssl.RAND_bytes(n) end

---Python's ssl.RAND_status().
---@return boolean
function ssl.RAND_status() end

---Python's ssl.RAND_add(bytes, entropy).
---@param bytes string
---@param entropy number
function ssl.RAND_add(bytes, entropy) end

---Python's isinstance(obj, cls): cls a class or a (nested) sequence of classes.
---@param obj any
---@param cls table|table[]
---@return boolean
function ssl.isinstance(obj, cls) end

---Python's str(e) for a pyssl error (tostring(e) adds Lua's place and the class).
---@param e any
---@return string
function ssl.str(e) end

---------------------------------------------------------------- SSLContext

---Python's ssl.SSLContext(protocol): TLS settings shared by connections.
---@class pyssl.SSLContext
---@overload fun(protocol?: integer): pyssl.SSLContext
---@field check_hostname boolean
---@field hostname_checks_common_name boolean
---@field keylog_filename string?
---@field maximum_version integer a TLSVersion member
---@field minimum_version integer a TLSVersion member
---@field num_tickets integer
---@field options integer Options flags
---@field post_handshake_auth boolean
---@field protocol integer
---@field security_level integer
---@field sni_callback (fun(sslobj: pyssl.SSLObject|pyssl.SSLSocket, server_name: string?, ctx: pyssl.SSLContext): integer?)?
---@field sslobject_class table
---@field sslsocket_class table
---@field verify_flags integer VerifyFlags flags
---@field verify_mode integer CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED
local SSLContext = {}
ssl.SSLContext = SSLContext

---Python's SSLContext.wrap_socket(sock, server_side=False, do_handshake_on_connect=True,
---suppress_ragged_eofs=True, server_hostname=None, session=None). Also takes a LuaSocket
---TCP object (anything with getfd()) or a descriptor, and takes the descriptor over.
---@param sock pyssl.socket.socket|table|integer
---@param kw? {server_side?: boolean, do_handshake_on_connect?: boolean, suppress_ragged_eofs?: boolean, server_hostname?: string, session?: pyssl.SSLSession}
---@return pyssl.SSLSocket
function SSLContext:wrap_socket(sock, kw) end

---Python's SSLContext.wrap_bio(incoming, outgoing, server_side=False, server_hostname=None, session=None).
---@param incoming pyssl.MemoryBIO
---@param outgoing pyssl.MemoryBIO
---@param kw? {server_side?: boolean, server_hostname?: string, session?: pyssl.SSLSession}
---@return pyssl.SSLObject
function SSLContext:wrap_bio(incoming, outgoing, kw) end

---Python's SSLContext.load_cert_chain(certfile, keyfile=None, password=None).
---@param certfile string
---@param keyfile? string
---@param password? string|fun(): string
function SSLContext:load_cert_chain(certfile, keyfile, password) end

---Python's SSLContext.load_verify_locations(cafile=None, capath=None, cadata=None).
---@param cafile? string|{cafile?: string, capath?: string, cadata?: string}
---@param capath? string
---@param cadata? string
function SSLContext:load_verify_locations(cafile, capath, cadata) end

---Python's SSLContext.load_default_certs(purpose=Purpose.SERVER_AUTH).
---@param purpose? pyssl.ASN1Object
function SSLContext:load_default_certs(purpose) end

---Python's SSLContext.set_default_verify_paths().
function SSLContext:set_default_verify_paths() end

---Python's SSLContext.load_dh_params(dhfile).
---@param dhfile string
function SSLContext:load_dh_params(dhfile) end

---Python's SSLContext.get_ca_certs(binary_form=False).
---@param binary_form? boolean
---@return table[]|string[]
function SSLContext:get_ca_certs(binary_form) end

---Python's SSLContext.get_ciphers(): a list of cipher dictionaries.
---@return table[]
function SSLContext:get_ciphers() end

---Python's SSLContext.set_ciphers(ciphers) (an OpenSSL cipher list string).
---@param ciphers string
function SSLContext:set_ciphers(ciphers) end

---Python's SSLContext.set_alpn_protocols(alpn_protocols).
---@param alpn_protocols string[]
function SSLContext:set_alpn_protocols(alpn_protocols) end

---Python's SSLContext.set_npn_protocols(npn_protocols) (deprecated, as in Python).
---@param npn_protocols string[]
function SSLContext:set_npn_protocols(npn_protocols) end

---Python's SSLContext.set_ecdh_curve(curve_name).
---@param curve_name string
function SSLContext:set_ecdh_curve(curve_name) end

---Python's SSLContext.set_servername_callback(server_name_callback) (sni_callback's legacy form).
---@param server_name_callback? fun(sslobj: any, server_name: string?, ctx: pyssl.SSLContext): integer?
function SSLContext:set_servername_callback(server_name_callback) end

---Python's SSLContext.set_psk_client_callback(callback): callback(hint) returns identity, psk.
---@param callback? fun(hint: string?): (string?, string)
function SSLContext:set_psk_client_callback(callback) end

---Python's SSLContext.set_psk_server_callback(callback, identity_hint=None): callback(identity) returns the psk.
---@param callback? fun(identity: string?): string
---@param identity_hint? string
function SSLContext:set_psk_server_callback(callback, identity_hint) end

---Python's SSLContext.cert_store_stats(): {x509 = n, crl = n, x509_ca = n}.
---@return table<string, integer>
function SSLContext:cert_store_stats() end

---Python's SSLContext.session_stats(): the session cache counters.
---@return table<string, integer>
function SSLContext:session_stats() end

---------------------------------------------------------------- SSLSocket

---Python's ssl.SSLSocket: a TLS connection over a socket (SSLContext.wrap_socket makes it).
---@class pyssl.SSLSocket : pyssl.socket.socket
---@field context pyssl.SSLContext
---@field server_hostname string?
---@field server_side boolean
---@field session pyssl.SSLSession?
---@field session_reused boolean?
local SSLSocket = {}
ssl.SSLSocket = SSLSocket

---Python's SSLSocket.do_handshake().
function SSLSocket:do_handshake() end

---Python's SSLSocket.read(len=1024, buffer=None): the bytes read ("" at the end).
---@param len? integer
---@return string
function SSLSocket:read(len) end

---Python's SSLSocket.write(data): the count written.
---@param data string
---@return integer
function SSLSocket:write(data) end

---Python's SSLSocket.pending(): bytes already decrypted and waiting.
---@return integer
function SSLSocket:pending() end
---LuaSocket's buffered-data test: true while decrypted bytes wait in OpenSSL (SSL_pending > 0),
---so a select loop reads them before waiting on the descriptor.
---@return boolean
function SSLSocket:dirty() end
---LuaSocket's name for fileno().
---@return integer
function SSLSocket:getfd() end

---Python's SSLSocket.unwrap(): close_notify both ways; returns the plain socket.
---@return pyssl.socket.socket
function SSLSocket:unwrap() end

---Python's SSLSocket.getpeercert(binary_form=False): the peer's certificate (a table, or DER).
---@param binary_form? boolean
---@return table|string|nil
function SSLSocket:getpeercert(binary_form) end

---Python's SSLSocket.get_verified_chain(): DER strings, the peer's first.
---@return string[]
function SSLSocket:get_verified_chain() end

---Python's SSLSocket.get_unverified_chain(): DER strings, as the peer sent them.
---@return string[]
function SSLSocket:get_unverified_chain() end

---Python's SSLSocket.cipher(): {name, protocol, secret_bits} or nil.
---@return {[1]: string, [2]: string, [3]: integer}?
function SSLSocket:cipher() end

---Python's SSLSocket.shared_ciphers().
---@return table[]?
function SSLSocket:shared_ciphers() end

---Python's SSLSocket.compression().
---@return string?
function SSLSocket:compression() end

---Python's SSLSocket.version(): "TLSv1.3", ... or nil before the handshake.
---@return string?
function SSLSocket:version() end

---Python's SSLSocket.selected_alpn_protocol().
---@return string?
function SSLSocket:selected_alpn_protocol() end

---Python's SSLSocket.selected_npn_protocol() (deprecated).
---@return string?
function SSLSocket:selected_npn_protocol() end

---Python's SSLSocket.get_channel_binding(cb_type="tls-unique").
---@param cb_type? string
---@return string?
function SSLSocket:get_channel_binding(cb_type) end

---Python's SSLSocket.verify_client_post_handshake().
function SSLSocket:verify_client_post_handshake() end

---------------------------------------------------------------- SSLObject

---Python's ssl.SSLObject: a TLS connection over two MemoryBIOs (SSLContext.wrap_bio).
---@class pyssl.SSLObject
---@field context pyssl.SSLContext
---@field server_hostname string?
---@field server_side boolean
---@field session pyssl.SSLSession?
---@field session_reused boolean
local SSLObject = {}
ssl.SSLObject = SSLObject

---@see pyssl.SSLSocket.do_handshake
function SSLObject:do_handshake() end
---Python's SSLObject.read(len=1024, buffer=None).
---@param len? integer
---@return string
function SSLObject:read(len) end
---Python's SSLObject.write(data): the count written.
---@param data string
---@return integer
function SSLObject:write(data) end
---@return integer
function SSLObject:pending() end
---Python's SSLObject.unwrap().
function SSLObject:unwrap() end
---@param binary_form? boolean
---@return table|string|nil
function SSLObject:getpeercert(binary_form) end
---@return string[]
function SSLObject:get_verified_chain() end
---@return string[]
function SSLObject:get_unverified_chain() end
---@return {[1]: string, [2]: string, [3]: integer}?
function SSLObject:cipher() end
---@return table[]?
function SSLObject:shared_ciphers() end
---@return string?
function SSLObject:compression() end
---@return string?
function SSLObject:version() end
---@return string?
function SSLObject:selected_alpn_protocol() end
---@return string?
function SSLObject:selected_npn_protocol() end
---@param cb_type? string
---@return string?
function SSLObject:get_channel_binding(cb_type) end
---Python's SSLObject.verify_client_post_handshake().
function SSLObject:verify_client_post_handshake() end

---------------------------------------------------------------- MemoryBIO, SSLSession

---Python's ssl.MemoryBIO(): a byte buffer between an SSLObject and the network.
---@class pyssl.MemoryBIO
---@overload fun(): pyssl.MemoryBIO
---@field pending integer bytes waiting to be read
---@field eof boolean
local MemoryBIO = {}
ssl.MemoryBIO = MemoryBIO

---Python's MemoryBIO.read(n=-1).
---@param n? integer
---@return string
function MemoryBIO:read(n) end
---Python's MemoryBIO.write(buf): the count written.
---@param buf string
---@return integer
function MemoryBIO:write(buf) end
---Python's MemoryBIO.write_eof().
function MemoryBIO:write_eof() end

---Python's ssl.SSLSession: a TLS session to resume (SSLSocket.session).
---@class pyssl.SSLSession
---@field id string
---@field time integer
---@field timeout integer
---@field ticket_lifetime_hint integer
---@field has_ticket boolean
local SSLSession = {}
ssl.SSLSession = SSLSession

---------------------------------------------------------------- Purpose, named tuples

---Python's _ASN1Object (nid, shortname, longname, oid): a sequence of four, with fields.
---@class pyssl.ASN1Object
---@field nid integer
---@field shortname string
---@field longname string
---@field oid string

---Python's ssl.Purpose: SERVER_AUTH (for clients) and CLIENT_AUTH (for servers).
---@class pyssl.Purpose
---@field SERVER_AUTH pyssl.ASN1Object
---@field CLIENT_AUTH pyssl.ASN1Object
local Purpose = {}
ssl.Purpose = Purpose

---Python's _ASN1Object.fromnid(nid).
---@param nid integer
---@return pyssl.ASN1Object
function Purpose.fromnid(nid) end

---Python's _ASN1Object.fromname(name).
---@param name string
---@return pyssl.ASN1Object
function Purpose.fromname(name) end

---Python's ssl.DefaultVerifyPaths named tuple.
---@class pyssl.DefaultVerifyPaths
---@overload fun(cafile: string?, capath: string?, openssl_cafile_env: string, openssl_cafile: string, openssl_capath_env: string, openssl_capath: string): pyssl.DefaultVerifyPaths
---@field cafile string?
---@field capath string?
---@field openssl_cafile_env string
---@field openssl_cafile string
---@field openssl_capath_env string
---@field openssl_capath string
local DefaultVerifyPaths = {}
ssl.DefaultVerifyPaths = DefaultVerifyPaths

---------------------------------------------------------------- errors

-- Python's exception hierarchy (raised with error(), caught with pcall,
-- tested with ssl.isinstance). Fields as Python's.

---@class pyssl.BaseException
---@overload fun(...): pyssl.BaseException
---@field args any[]
---@field __where__ string? "file:line" of the Lua call that failed
---@field __traceback__ string? the Lua stack at the raise
local BaseException = {}
ssl.BaseException = BaseException

---@class pyssl.Exception : pyssl.BaseException
local Exception = {}
ssl.Exception = Exception

---@class pyssl.OSError : pyssl.Exception
---@field errno integer?
---@field strerror string?
---@field filename string?
---@field filename2 string?
local OSError = {}
ssl.OSError = OSError
ssl.socket_error = OSError

---@class pyssl.SSLError : pyssl.OSError
---@field library string? OpenSSL's library mnemonic ("SSL")
---@field reason string? OpenSSL's reason mnemonic ("CERTIFICATE_VERIFY_FAILED")
local SSLError = {}
ssl.SSLError = SSLError

---@class pyssl.SSLCertVerificationError : pyssl.SSLError
---@field verify_code integer
---@field verify_message string
local SSLCertVerificationError = {}
ssl.SSLCertVerificationError = SSLCertVerificationError
ssl.CertificateError = SSLCertVerificationError

---@class pyssl.ArithmeticError : pyssl.Exception
local ArithmeticError = {}
ssl.ArithmeticError = ArithmeticError

---@class pyssl.AttributeError : pyssl.Exception
local AttributeError = {}
ssl.AttributeError = AttributeError

---@class pyssl.BlockingIOError : pyssl.OSError
local BlockingIOError = {}
ssl.BlockingIOError = BlockingIOError

---@class pyssl.ConnectionError : pyssl.OSError
local ConnectionError = {}
ssl.ConnectionError = ConnectionError

---@class pyssl.BrokenPipeError : pyssl.ConnectionError
local BrokenPipeError = {}
ssl.BrokenPipeError = BrokenPipeError

---@class pyssl.ChildProcessError : pyssl.OSError
local ChildProcessError = {}
ssl.ChildProcessError = ChildProcessError

---@class pyssl.ConnectionAbortedError : pyssl.ConnectionError
local ConnectionAbortedError = {}
ssl.ConnectionAbortedError = ConnectionAbortedError

---@class pyssl.ConnectionRefusedError : pyssl.ConnectionError
local ConnectionRefusedError = {}
ssl.ConnectionRefusedError = ConnectionRefusedError

---@class pyssl.ConnectionResetError : pyssl.ConnectionError
local ConnectionResetError = {}
ssl.ConnectionResetError = ConnectionResetError

---@class pyssl.FileExistsError : pyssl.OSError
local FileExistsError = {}
ssl.FileExistsError = FileExistsError

---@class pyssl.FileNotFoundError : pyssl.OSError
local FileNotFoundError = {}
ssl.FileNotFoundError = FileNotFoundError

---@class pyssl.InterruptedError : pyssl.OSError
local InterruptedError = {}
ssl.InterruptedError = InterruptedError

---@class pyssl.IsADirectoryError : pyssl.OSError
local IsADirectoryError = {}
ssl.IsADirectoryError = IsADirectoryError

---@class pyssl.LookupError : pyssl.Exception
local LookupError = {}
ssl.LookupError = LookupError

---@class pyssl.KeyError : pyssl.LookupError
local KeyError = {}
ssl.KeyError = KeyError

---@class pyssl.NotADirectoryError : pyssl.OSError
local NotADirectoryError = {}
ssl.NotADirectoryError = NotADirectoryError

---@class pyssl.RuntimeError : pyssl.Exception
local RuntimeError = {}
ssl.RuntimeError = RuntimeError

---@class pyssl.NotImplementedError : pyssl.RuntimeError
local NotImplementedError = {}
ssl.NotImplementedError = NotImplementedError

---@class pyssl.OverflowError : pyssl.ArithmeticError
local OverflowError = {}
ssl.OverflowError = OverflowError

---@class pyssl.PermissionError : pyssl.OSError
local PermissionError = {}
ssl.PermissionError = PermissionError

---@class pyssl.ProcessLookupError : pyssl.OSError
local ProcessLookupError = {}
ssl.ProcessLookupError = ProcessLookupError

---@class pyssl.RecursionError : pyssl.RuntimeError
local RecursionError = {}
ssl.RecursionError = RecursionError

---@class pyssl.SSLEOFError : pyssl.SSLError
local SSLEOFError = {}
ssl.SSLEOFError = SSLEOFError

---@class pyssl.SSLSyscallError : pyssl.SSLError
local SSLSyscallError = {}
ssl.SSLSyscallError = SSLSyscallError

---@class pyssl.SSLWantReadError : pyssl.SSLError
local SSLWantReadError = {}
ssl.SSLWantReadError = SSLWantReadError

---@class pyssl.SSLWantWriteError : pyssl.SSLError
local SSLWantWriteError = {}
ssl.SSLWantWriteError = SSLWantWriteError

---@class pyssl.SSLZeroReturnError : pyssl.SSLError
local SSLZeroReturnError = {}
ssl.SSLZeroReturnError = SSLZeroReturnError

---@class pyssl.TimeoutError : pyssl.OSError
local TimeoutError = {}
ssl.TimeoutError = TimeoutError

---@class pyssl.TypeError : pyssl.Exception
local TypeError = {}
ssl.TypeError = TypeError

---@class pyssl.ValueError : pyssl.Exception
local ValueError = {}
ssl.ValueError = ValueError

---@class pyssl.UnicodeError : pyssl.ValueError
local UnicodeError = {}
ssl.UnicodeError = UnicodeError

---@class pyssl.UnicodeDecodeError : pyssl.UnicodeError
local UnicodeDecodeError = {}
ssl.UnicodeDecodeError = UnicodeDecodeError

---@class pyssl.gaierror : pyssl.OSError
local gaierror = {}
ssl.gaierror = gaierror

---@class pyssl.herror : pyssl.OSError
local herror = {}
ssl.herror = herror

---@class pyssl.MemoryError : pyssl.Exception
local MemoryError = {}
ssl.MemoryError = MemoryError

---@class pyssl.SystemError : pyssl.Exception
local SystemError = {}
ssl.SystemError = SystemError

---Python's UnicodeEncodeError (IDNA encoding of server_hostname); its end
---position is e["end"] (`end` is a Lua keyword).
---@class pyssl.UnicodeEncodeError : pyssl.UnicodeError
---@field encoding string
---@field object string
---@field start integer
---@field reason string
local UnicodeEncodeError = {}
ssl.UnicodeEncodeError = UnicodeEncodeError

return ssl

/* Module constants (spec §2): protocols, verify modes and flags, options,
 * alert descriptions, error numbers, feature flags and the OpenSSL version.
 *
 * Values come from three places, as in CPython:
 *  - numbers CPython fixes itself (PROTOCOL_*, CERT_*, SSL_ERROR_*);
 *  - OpenSSL header macros (OP_*, VERIFY_*, ALERT_DESCRIPTION_*, HAS_*);
 *  - the loaded libcrypto at run time (OPENSSL_VERSION*).
 * The facade (lua/pyssl/init.lua) builds the enum tables from these names.
 */
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/x509_vfy.h>
#include "pyssl.h"

/* The cipher string CPython gives every new context. */
#define PYSSL_DEFAULT_CIPHERS \
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"

typedef struct int_constant {
    const char *name;
    lua_Integer value;
} int_constant;

static const int_constant int_constants[] = {
    /* _SSLMethod: CPython's own numbering. SSLv2/SSLv3 methods are gone
     * from OpenSSL 3, so their names do not exist. */
    {"PROTOCOL_SSLv23", PYSSL_PROTOCOL_TLS},
    {"PROTOCOL_TLS", PYSSL_PROTOCOL_TLS},
    {"PROTOCOL_TLSv1", PYSSL_PROTOCOL_TLSv1},
    {"PROTOCOL_TLSv1_1", PYSSL_PROTOCOL_TLSv1_1},
    {"PROTOCOL_TLSv1_2", PYSSL_PROTOCOL_TLSv1_2},
    {"PROTOCOL_TLS_CLIENT", PYSSL_PROTOCOL_TLS_CLIENT},
    {"PROTOCOL_TLS_SERVER", PYSSL_PROTOCOL_TLS_SERVER},

    /* VerifyMode */
    {"CERT_NONE", 0},
    {"CERT_OPTIONAL", 1},
    {"CERT_REQUIRED", 2},

    /* VerifyFlags */
    {"VERIFY_DEFAULT", 0},
    {"VERIFY_CRL_CHECK_LEAF", X509_V_FLAG_CRL_CHECK},
    {"VERIFY_CRL_CHECK_CHAIN", X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL},
    {"VERIFY_X509_STRICT", X509_V_FLAG_X509_STRICT},
    {"VERIFY_ALLOW_PROXY_CERTS", X509_V_FLAG_ALLOW_PROXY_CERTS},
    {"VERIFY_X509_TRUSTED_FIRST", X509_V_FLAG_TRUSTED_FIRST},
    {"VERIFY_X509_PARTIAL_CHAIN", X509_V_FLAG_PARTIAL_CHAIN},

    /* Options. OP_ALL leaves out the empty-fragment workaround, as CPython
     * does (it breaks some servers' CBC ciphers otherwise). */
    {"OP_ALL", (lua_Integer)(SSL_OP_ALL & ~SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS)},
    {"OP_NO_SSLv2", 0},
    {"OP_NO_SSLv3", (lua_Integer)SSL_OP_NO_SSLv3},
    {"OP_NO_TLSv1", (lua_Integer)SSL_OP_NO_TLSv1},
    {"OP_NO_TLSv1_1", (lua_Integer)SSL_OP_NO_TLSv1_1},
    {"OP_NO_TLSv1_2", (lua_Integer)SSL_OP_NO_TLSv1_2},
    {"OP_NO_TLSv1_3", (lua_Integer)SSL_OP_NO_TLSv1_3},
    {"OP_CIPHER_SERVER_PREFERENCE", (lua_Integer)SSL_OP_CIPHER_SERVER_PREFERENCE},
    {"OP_SINGLE_DH_USE", (lua_Integer)SSL_OP_SINGLE_DH_USE},
    {"OP_SINGLE_ECDH_USE", (lua_Integer)SSL_OP_SINGLE_ECDH_USE},
    {"OP_NO_COMPRESSION", (lua_Integer)SSL_OP_NO_COMPRESSION},
    {"OP_NO_TICKET", (lua_Integer)SSL_OP_NO_TICKET},
    {"OP_NO_RENEGOTIATION", (lua_Integer)SSL_OP_NO_RENEGOTIATION},
    {"OP_ENABLE_MIDDLEBOX_COMPAT", (lua_Integer)SSL_OP_ENABLE_MIDDLEBOX_COMPAT},
    {"OP_IGNORE_UNEXPECTED_EOF", (lua_Integer)SSL_OP_IGNORE_UNEXPECTED_EOF},
    {"OP_LEGACY_SERVER_CONNECT", (lua_Integer)SSL_OP_LEGACY_SERVER_CONNECT},
    {"OP_ENABLE_KTLS", (lua_Integer)SSL_OP_ENABLE_KTLS},

    /* AlertDescription: the 27 CPython exports. */
    {"ALERT_DESCRIPTION_CLOSE_NOTIFY", SSL_AD_CLOSE_NOTIFY},
    {"ALERT_DESCRIPTION_UNEXPECTED_MESSAGE", SSL_AD_UNEXPECTED_MESSAGE},
    {"ALERT_DESCRIPTION_BAD_RECORD_MAC", SSL_AD_BAD_RECORD_MAC},
    {"ALERT_DESCRIPTION_RECORD_OVERFLOW", SSL_AD_RECORD_OVERFLOW},
    {"ALERT_DESCRIPTION_DECOMPRESSION_FAILURE", SSL_AD_DECOMPRESSION_FAILURE},
    {"ALERT_DESCRIPTION_HANDSHAKE_FAILURE", SSL_AD_HANDSHAKE_FAILURE},
    {"ALERT_DESCRIPTION_BAD_CERTIFICATE", SSL_AD_BAD_CERTIFICATE},
    {"ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE", SSL_AD_UNSUPPORTED_CERTIFICATE},
    {"ALERT_DESCRIPTION_CERTIFICATE_REVOKED", SSL_AD_CERTIFICATE_REVOKED},
    {"ALERT_DESCRIPTION_CERTIFICATE_EXPIRED", SSL_AD_CERTIFICATE_EXPIRED},
    {"ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN", SSL_AD_CERTIFICATE_UNKNOWN},
    {"ALERT_DESCRIPTION_ILLEGAL_PARAMETER", SSL_AD_ILLEGAL_PARAMETER},
    {"ALERT_DESCRIPTION_UNKNOWN_CA", SSL_AD_UNKNOWN_CA},
    {"ALERT_DESCRIPTION_ACCESS_DENIED", SSL_AD_ACCESS_DENIED},
    {"ALERT_DESCRIPTION_DECODE_ERROR", SSL_AD_DECODE_ERROR},
    {"ALERT_DESCRIPTION_DECRYPT_ERROR", SSL_AD_DECRYPT_ERROR},
    {"ALERT_DESCRIPTION_PROTOCOL_VERSION", SSL_AD_PROTOCOL_VERSION},
    {"ALERT_DESCRIPTION_INSUFFICIENT_SECURITY", SSL_AD_INSUFFICIENT_SECURITY},
    {"ALERT_DESCRIPTION_INTERNAL_ERROR", SSL_AD_INTERNAL_ERROR},
    {"ALERT_DESCRIPTION_USER_CANCELLED", SSL_AD_USER_CANCELLED},
    {"ALERT_DESCRIPTION_NO_RENEGOTIATION", SSL_AD_NO_RENEGOTIATION},
    {"ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION", SSL_AD_UNSUPPORTED_EXTENSION},
    {"ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE", SSL_AD_CERTIFICATE_UNOBTAINABLE},
    {"ALERT_DESCRIPTION_UNRECOGNIZED_NAME", SSL_AD_UNRECOGNIZED_NAME},
    {"ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE", SSL_AD_BAD_CERTIFICATE_STATUS_RESPONSE},
    {"ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE", SSL_AD_BAD_CERTIFICATE_HASH_VALUE},
    {"ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY", SSL_AD_UNKNOWN_PSK_IDENTITY},

    /* SSLErrorNumber: CPython's numbering (8 and 10 are its own). */
    {"SSL_ERROR_SSL", 1},
    {"SSL_ERROR_WANT_READ", 2},
    {"SSL_ERROR_WANT_WRITE", 3},
    {"SSL_ERROR_WANT_X509_LOOKUP", 4},
    {"SSL_ERROR_SYSCALL", 5},
    {"SSL_ERROR_ZERO_RETURN", 6},
    {"SSL_ERROR_WANT_CONNECT", 7},
    {"SSL_ERROR_EOF", PY_SSL_ERROR_EOF},
    {"SSL_ERROR_INVALID_ERROR_CODE", 10},
};

/* TLSVersion members (CPython's _ssl.PROTO_*, not exported by ssl). */
static const int_constant tls_versions[] = {
    {"MINIMUM_SUPPORTED", -2},
    {"SSLv3", SSL3_VERSION},
    {"TLSv1", TLS1_VERSION},
    {"TLSv1_1", TLS1_1_VERSION},
    {"TLSv1_2", TLS1_2_VERSION},
    {"TLSv1_3", TLS1_3_VERSION},
    {"MAXIMUM_SUPPORTED", -1},
};

#if defined(OPENSSL_NO_SSL3)
#define PYSSL_HAS_SSLv3 0
#else
#define PYSSL_HAS_SSLv3 1
#endif
#if defined(OPENSSL_NO_TLS1)
#define PYSSL_HAS_TLSv1 0
#else
#define PYSSL_HAS_TLSv1 1
#endif
#if defined(OPENSSL_NO_TLS1_1)
#define PYSSL_HAS_TLSv1_1 0
#else
#define PYSSL_HAS_TLSv1_1 1
#endif
#if defined(OPENSSL_NO_TLS1_2)
#define PYSSL_HAS_TLSv1_2 0
#else
#define PYSSL_HAS_TLSv1_2 1
#endif
#if defined(OPENSSL_NO_TLS1_3)
#define PYSSL_HAS_TLSv1_3 0
#else
#define PYSSL_HAS_TLSv1_3 1
#endif
#if defined(OPENSSL_NO_PSK)
#define PYSSL_HAS_PSK 0
#else
#define PYSSL_HAS_PSK 1
#endif
#if defined(OPENSSL_NO_EC)
#define PYSSL_HAS_ECDH 0
#else
#define PYSSL_HAS_ECDH 1
#endif

static const struct {
    const char *name;
    int value;
} bool_constants[] = {
    {"HAS_SNI", 1},
    {"HAS_ECDH", PYSSL_HAS_ECDH},
    /* CPython no longer offers NPN with OpenSSL 3 (the oracle says False). */
    {"HAS_NPN", 0},
    {"HAS_ALPN", 1},
    {"HAS_SSLv2", 0},
    {"HAS_SSLv3", PYSSL_HAS_SSLv3},
    {"HAS_TLSv1", PYSSL_HAS_TLSv1},
    {"HAS_TLSv1_1", PYSSL_HAS_TLSv1_1},
    {"HAS_TLSv1_2", PYSSL_HAS_TLSv1_2},
    {"HAS_TLSv1_3", PYSSL_HAS_TLSv1_3},
    {"HAS_PSK", PYSSL_HAS_PSK},
    /* Post-handshake authentication is a TLS 1.3 feature of OpenSSL. */
    {"HAS_PHA", PYSSL_HAS_TLSv1_3},
    /* X509_CHECK_FLAG_NEVER_CHECK_SUBJECT exists in OpenSSL 3. */
    {"HAS_NEVER_CHECK_COMMON_NAME", 1},
};

/* Pushes {major, minor, fix, patch, status} of an OpenSSL version number
 * (0xMNNFFPPS in OpenSSL's classic layout, which 3.x keeps). */
static void push_version_info(lua_State *L, unsigned long n)
{
    lua_createtable(L, 5, 0);
    lua_pushinteger(L, (lua_Integer)((n >> 28) & 0xF));
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, (lua_Integer)((n >> 20) & 0xFF));
    lua_rawseti(L, -2, 2);
    lua_pushinteger(L, (lua_Integer)((n >> 12) & 0xFF));
    lua_rawseti(L, -2, 3);
    lua_pushinteger(L, (lua_Integer)((n >> 4) & 0xFF));
    lua_rawseti(L, -2, 4);
    lua_pushinteger(L, (lua_Integer)(n & 0xF));
    lua_rawseti(L, -2, 5);
}

void pyssl_open_constants(lua_State *L)
{
    int mod = lua_gettop(L);
    size_t i;
    unsigned long version = OpenSSL_version_num();

    for (i = 0; i < sizeof int_constants / sizeof int_constants[0]; i++) {
        lua_pushinteger(L, int_constants[i].value);
        lua_setfield(L, mod, int_constants[i].name);
    }
    for (i = 0; i < sizeof bool_constants / sizeof bool_constants[0]; i++) {
        lua_pushboolean(L, bool_constants[i].value);
        lua_setfield(L, mod, bool_constants[i].name);
    }

    lua_createtable(L, 0, (int)(sizeof tls_versions / sizeof tls_versions[0]));
    for (i = 0; i < sizeof tls_versions / sizeof tls_versions[0]; i++) {
        lua_pushinteger(L, tls_versions[i].value);
        lua_setfield(L, -2, tls_versions[i].name);
    }
    lua_setfield(L, mod, "_TLSVersion");

    lua_pushstring(L, OpenSSL_version(OPENSSL_VERSION));
    lua_setfield(L, mod, "OPENSSL_VERSION");
    lua_pushinteger(L, (lua_Integer)version);
    lua_setfield(L, mod, "OPENSSL_VERSION_NUMBER");
    push_version_info(L, version);
    lua_setfield(L, mod, "OPENSSL_VERSION_INFO");
    /* The headers this core was compiled against. */
    push_version_info(L, (unsigned long)OPENSSL_VERSION_NUMBER);
    lua_setfield(L, mod, "_OPENSSL_API_VERSION");
    lua_pushliteral(L, PYSSL_DEFAULT_CIPHERS);
    lua_setfield(L, mod, "_DEFAULT_CIPHERS");

    lua_createtable(L, 1, 0);
    lua_pushliteral(L, "tls-unique");
    lua_rawseti(L, -2, 1);
    lua_setfield(L, mod, "CHANNEL_BINDING_TYPES");

    lua_settop(L, mod);
}

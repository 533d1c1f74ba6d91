/* Certificates as data: Python's getpeercert() dictionary (CPython's
 * _decode_certificate), DER bytes, and X.509 names as sequences of RDNs.
 *
 * Every OpenSSL temporary lives in a scratch object on the Lua stack while
 * the result is built: if anything raises (a decoding error, or Lua running
 * out of memory), the collector frees what the scratch still holds.
 */
#include <stdio.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "pyssl.h"

#define SCRATCH "_X509Scratch"

/* OpenSSL's printers write into a BIO; CPython reads them back with one
 * BIO_gets into a buffer of this size, so a value ends at its first
 * newline (long serial numbers are cut where OpenSSL wraps them). */
#define LINE_MAX_BYTES 2048
/* Stack buffer for an attribute or OID name (X509_NAME_MAXLEN); longer
 * names are rendered in full from a buffer of their own. */
#define NAME_MAX_BYTES 256

typedef struct x509_scratch {
    BIO *bio;                    /* memory BIO for OpenSSL's printers */
    X509 *cert;                  /* certificate read by _test_decode_cert */
    GENERAL_NAMES *names;        /* the decoded subjectAltName extension */
    AUTHORITY_INFO_ACCESS *aia;
    CRL_DIST_POINTS *dps;
    unsigned char *utf8;         /* one attribute value as UTF-8 */
} x509_scratch;

static void scratch_free(x509_scratch *s)
{
    BIO_free(s->bio);
    s->bio = NULL;
    X509_free(s->cert);
    s->cert = NULL;
    GENERAL_NAMES_free(s->names);
    s->names = NULL;
    AUTHORITY_INFO_ACCESS_free(s->aia);
    s->aia = NULL;
    CRL_DIST_POINTS_free(s->dps);
    s->dps = NULL;
    OPENSSL_free(s->utf8);
    s->utf8 = NULL;
}

static int scratch_close(lua_State *L)
{
    x509_scratch *s = lua_touserdata(L, 1);
    if (s)
        scratch_free(s);
    return 0;
}

/* Pushes a new, empty scratch object. */
static x509_scratch *push_scratch(lua_State *L)
{
    return pyssl_new_object(L, SCRATCH, sizeof(x509_scratch));
}

/* Frees what the scratch at idx holds and removes it from the stack. */
static void drop_scratch(lua_State *L, int idx)
{
    scratch_free(lua_touserdata(L, idx));
    lua_remove(L, idx);
}

/* Python turns every string of the dictionary into str with a strict
 * UTF-8 decode, so a certificate whose text is not UTF-8 (an IA5String
 * with a byte above 0x7f, a BMPString with a lone surrogate) raises
 * UnicodeDecodeError there. This finds the first bad sequence as that
 * decoder does: returns 0 if p is valid UTF-8, else sets *start, *end
 * (the bytes it blames) and *reason. */
static int utf8_error(const unsigned char *p, size_t len, size_t *start, size_t *end,
                      const char **reason)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t need, k;
        unsigned char lo = 0x80, hi = 0xBF;   /* allowed range of the 2nd byte */
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c < 0xC2 || c > 0xF4) {
            *start = i, *end = i + 1, *reason = "invalid start byte";
            return 1;
        }
        need = c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;     /* no surrogates */
        else if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;     /* nothing above U+10FFFF */
        for (k = 1; k <= need; k++) {
            unsigned char lo_k = k == 1 ? lo : 0x80, hi_k = k == 1 ? hi : 0xBF;
            if (i + k >= len) {
                *start = i, *end = len, *reason = "unexpected end of data";
                return 1;
            }
            if (p[i + k] < lo_k || p[i + k] > hi_k) {
                *start = i, *end = i + k, *reason = "invalid continuation byte";
                return 1;
            }
        }
        i += need + 1;
    }
    return 0;
}

/* Pushes text as Python's str would hold it; raises Python's
 * UnicodeDecodeError if it is not UTF-8. */
static void push_text(lua_State *L, const char *p, size_t len)
{
    size_t start, end;
    const char *reason;
    lua_pushlstring(L, p, len);
    if (!utf8_error((const unsigned char *)p, len, &start, &end, &reason))
        return;
    lua_pushliteral(L, "utf-8");
    lua_insert(L, -2);
    lua_pushinteger(L, (lua_Integer)start);
    lua_pushinteger(L, (lua_Integer)end);
    lua_pushstring(L, reason);
    pyssl_push_error(L, "UnicodeDecodeError", 5);
    lua_error(L);
}

static void append(lua_State *L, int seq)
{
    lua_rawseti(L, seq, (lua_Integer)lua_rawlen(L, seq) + 1);
}

/* Pushes the pair {a, <value on top>} in place of the value on top. */
static void make_pair(lua_State *L, const char *a)
{
    lua_createtable(L, 2, 0);
    lua_pushstring(L, a);
    lua_rawseti(L, -2, 1);
    lua_insert(L, -2);
    lua_rawseti(L, -2, 2);
}

/* Pushes the text of an OID: OpenSSL's long name for it, or the dotted
 * form, at any length (a name too long for the stack buffer is asked for
 * again into a buffer of the right size, as Python does). */
static void push_object_text(lua_State *L, const ASN1_OBJECT *obj)
{
    char name[NAME_MAX_BYTES];
    int len = OBJ_obj2txt(name, sizeof name, obj, 0);
    if (len < 0)
        pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
    if (len < (int)sizeof name) {
        lua_pushlstring(L, name, (size_t)len);
    } else {
        luaL_Buffer b;
        char *p = luaL_buffinitsize(L, &b, (size_t)len + 1);
        len = OBJ_obj2txt(p, len + 1, obj, 0);
        if (len < 0)
            pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
        luaL_pushresultsize(&b, (size_t)len);
    }
}

/* Pushes {name, value} for one attribute: the OpenSSL long name of its
 * type (or the dotted OID) and its value converted to UTF-8. */
static void push_attribute(lua_State *L, x509_scratch *s, const ASN1_OBJECT *obj,
                           const ASN1_STRING *value)
{
    int len;
    ERR_clear_error();
    lua_createtable(L, 2, 0);
    push_object_text(L, obj);
    lua_rawseti(L, -2, 1);
    len = ASN1_STRING_to_UTF8(&s->utf8, value);
    if (len < 0) {
        s->utf8 = NULL;
        pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
    }
    push_text(L, (const char *)s->utf8, (size_t)len);
    lua_rawseti(L, -2, 2);
    OPENSSL_free(s->utf8);
    s->utf8 = NULL;
}

/* Pushes a name as {rdn, ...}, each rdn a sequence of {attr, value}:
 * entries that share a "set" number form one multi-valued RDN. */
static void push_name(lua_State *L, x509_scratch *s, const X509_NAME *name)
{
    int i, n = X509_NAME_entry_count(name), rdn_set = -1, dn, rdn = 0;
    lua_createtable(L, n, 0);
    dn = lua_gettop(L);
    for (i = 0; i < n; i++) {
        const X509_NAME_ENTRY *entry = X509_NAME_get_entry(name, i);
        int set = X509_NAME_ENTRY_set(entry);
        if (!rdn || set != rdn_set) {
            if (rdn)
                append(L, dn);
            lua_newtable(L);
            rdn = lua_gettop(L);
        }
        rdn_set = set;
        push_attribute(L, s, X509_NAME_ENTRY_get_object(entry), X509_NAME_ENTRY_get_data(entry));
        append(L, rdn);
    }
    if (rdn)
        append(L, dn);
}

void pyssl_push_x509_name(lua_State *L, const X509_NAME *name)
{
    x509_scratch *s = push_scratch(L);
    push_name(L, s, name);
    drop_scratch(L, -2);
}

/* Pushes the first line of what the scratch BIO holds (CPython's one
 * BIO_gets), then empties the BIO. */
static void push_bio_line(lua_State *L, x509_scratch *s)
{
    char buf[LINE_MAX_BYTES];
    int len = BIO_gets(s->bio, buf, (int)sizeof buf - 1);
    if (len < 0) {
        (void)BIO_reset(s->bio);
        pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
    }
    (void)BIO_reset(s->bio);
    push_text(L, buf, (size_t)len);
}

/* Pushes an ASN1 string's bytes as text (IA5 strings of names). */
static void push_asn1_bytes(lua_State *L, const ASN1_STRING *str)
{
    push_text(L, (const char *)ASN1_STRING_get0_data(str), (size_t)ASN1_STRING_length(str));
}

/* Pushes the text of an iPAddress name: dotted quad, eight uppercase hex
 * groups without "::" compression, or "<invalid>". */
static void push_ip(lua_State *L, const ASN1_OCTET_STRING *ip)
{
    const unsigned char *p = ASN1_STRING_get0_data(ip);
    char buf[64];
    if (ASN1_STRING_length(ip) == 4) {
        snprintf(buf, sizeof buf, "%d.%d.%d.%d", p[0], p[1], p[2], p[3]);
    } else if (ASN1_STRING_length(ip) == 16) {
        int i, off = 0;
        for (i = 0; i < 8; i++)
            off += snprintf(buf + off, sizeof buf - (size_t)off, i ? ":%X" : "%X",
                            (unsigned)(p[2 * i] << 8 | p[2 * i + 1]));
    } else {
        snprintf(buf, sizeof buf, "<invalid>");
    }
    lua_pushstring(L, buf);
}

/* Pushes {type, value} for one general name of a subjectAltName. */
static void push_general_name(lua_State *L, x509_scratch *s, const GENERAL_NAME *gn)
{
    char buf[LINE_MAX_BYTES];
    const char *colon;
    int len;
    switch (gn->type) {
    case GEN_DIRNAME:
        push_name(L, s, gn->d.directoryName);
        make_pair(L, "DirName");
        return;
    case GEN_EMAIL:
        push_asn1_bytes(L, gn->d.rfc822Name);
        make_pair(L, "email");
        return;
    case GEN_DNS:
        push_asn1_bytes(L, gn->d.dNSName);
        make_pair(L, "DNS");
        return;
    case GEN_URI:
        push_asn1_bytes(L, gn->d.uniformResourceIdentifier);
        make_pair(L, "URI");
        return;
    case GEN_RID:
        /* The object's name when OpenSSL knows one, else dotted. Python
         * writes at most sizeof buf - 2 characters but gives "<INVALID>"
         * only from sizeof buf on: a name of exactly sizeof buf - 1
         * characters comes out cut by one and ending in the NUL. */
        len = i2t_ASN1_OBJECT(buf, (int)sizeof buf - 1, gn->d.registeredID);
        if (len < 0)
            pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
        if (len >= (int)sizeof buf)
            lua_pushliteral(L, "<INVALID>");
        else
            lua_pushlstring(L, buf, (size_t)len);
        make_pair(L, "Registered ID");
        return;
    case GEN_IPADD:
        push_ip(L, gn->d.iPAddress);
        make_pair(L, "IP Address");
        return;
    default:
        /* othername, X400Name, EdiPartyName: OpenSSL's printed form,
         * split at its first colon. */
        (void)BIO_reset(s->bio);
        GENERAL_NAME_print(s->bio, (GENERAL_NAME *)gn);
        len = BIO_gets(s->bio, buf, (int)sizeof buf - 1);
        (void)BIO_reset(s->bio);
        if (len < 0)
            pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
        buf[len] = '\0';
        colon = strchr(buf, ':');
        if (!colon)
            pyssl_raise(L, "ValueError", "Invalid value %.200s", buf);
        lua_createtable(L, 2, 0);
        push_text(L, buf, (size_t)(colon - buf));
        lua_rawseti(L, -2, 1);
        push_text(L, colon + 1, strlen(colon + 1));
        lua_rawseti(L, -2, 2);
        return;
    }
}

/* Sets result.subjectAltName when the certificate has exactly one
 * subjectAltName extension that decodes (X509_get_ext_d2i's rule, as in
 * CPython: a duplicated or broken extension gives no key at all). */
static void set_alt_names(lua_State *L, int result, x509_scratch *s, X509 *cert)
{
    int j;
    s->names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    ERR_clear_error();
    if (!s->names)
        return;
    lua_newtable(L);
    for (j = 0; j < sk_GENERAL_NAME_num(s->names); j++) {
        push_general_name(L, s, sk_GENERAL_NAME_value(s->names, j));
        append(L, -2);
    }
    GENERAL_NAMES_free(s->names);
    s->names = NULL;
    lua_setfield(L, result, "subjectAltName");
}

/* Sets result[key] to the URIs of the Authority Information Access
 * entries whose method is `nid`; nothing when there are none. */
static void set_aia(lua_State *L, int result, x509_scratch *s, X509 *cert, int nid,
                    const char *key)
{
    int i, n;
    s->aia = X509_get_ext_d2i(cert, NID_info_access, NULL, NULL);
    ERR_clear_error();
    if (!s->aia)
        return;
    lua_newtable(L);
    n = sk_ACCESS_DESCRIPTION_num(s->aia);
    for (i = 0; i < n; i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(s->aia, i);
        if (OBJ_obj2nid(ad->method) != nid || ad->location->type != GEN_URI)
            continue;
        push_asn1_bytes(L, ad->location->d.uniformResourceIdentifier);
        append(L, -2);
    }
    AUTHORITY_INFO_ACCESS_free(s->aia);
    s->aia = NULL;
    if (lua_rawlen(L, -1) > 0)
        lua_setfield(L, result, key);
    else
        lua_pop(L, 1);
}

/* Sets result.crlDistributionPoints to the URIs of the full names of the
 * distribution points; nothing when there are none. Points without a
 * name, or named relative to the issuer, have no URI to give. */
static void set_crl_dp(lua_State *L, int result, x509_scratch *s, X509 *cert)
{
    int i, j;
    s->dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
    ERR_clear_error();
    if (!s->dps)
        return;
    lua_newtable(L);
    for (i = 0; i < sk_DIST_POINT_num(s->dps); i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(s->dps, i);
        GENERAL_NAMES *names;
        if (!dp->distpoint || dp->distpoint->type != 0)
            continue;
        names = dp->distpoint->name.fullname;
        for (j = 0; j < sk_GENERAL_NAME_num(names); j++) {
            GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, j);
            if (gn->type != GEN_URI)
                continue;
            push_asn1_bytes(L, gn->d.uniformResourceIdentifier);
            append(L, -2);
        }
    }
    CRL_DIST_POINTS_free(s->dps);
    s->dps = NULL;
    if (lua_rawlen(L, -1) > 0)
        lua_setfield(L, result, "crlDistributionPoints");
    else
        lua_pop(L, 1);
}

/* Fills the table at `result` with Python's certificate dictionary. */
static void fill_cert_dict(lua_State *L, int result, x509_scratch *s, X509 *cert)
{
    ERR_clear_error();
    push_name(L, s, X509_get_subject_name(cert));
    lua_setfield(L, result, "subject");
    push_name(L, s, X509_get_issuer_name(cert));
    lua_setfield(L, result, "issuer");
    lua_pushinteger(L, (lua_Integer)X509_get_version(cert) + 1);
    lua_setfield(L, result, "version");

    s->bio = BIO_new(BIO_s_mem());
    if (!s->bio)
        pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
    i2a_ASN1_INTEGER(s->bio, X509_get0_serialNumber(cert));
    push_bio_line(L, s);
    lua_setfield(L, result, "serialNumber");
    ASN1_TIME_print(s->bio, X509_get0_notBefore(cert));
    push_bio_line(L, s);
    lua_setfield(L, result, "notBefore");
    ASN1_TIME_print(s->bio, X509_get0_notAfter(cert));
    push_bio_line(L, s);
    lua_setfield(L, result, "notAfter");

    set_alt_names(L, result, s, cert);
    set_aia(L, result, s, cert, NID_ad_OCSP, "OCSP");
    set_aia(L, result, s, cert, NID_ad_ca_issuers, "caIssuers");
    set_crl_dp(L, result, s, cert);
    ERR_clear_error();
}

void pyssl_push_cert_dict(lua_State *L, X509 *cert)
{
    x509_scratch *s;
    int result;
    lua_newtable(L);
    result = lua_gettop(L);
    s = push_scratch(L);
    fill_cert_dict(L, result, s, cert);
    drop_scratch(L, result + 1);
}

void pyssl_push_cert_der(lua_State *L, X509 *cert)
{
    luaL_Buffer b;
    unsigned char *p;
    int len;
    ERR_clear_error();
    len = i2d_X509(cert, NULL);
    if (len < 0)
        pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
    /* Encode straight into Lua's buffer: if Lua raises for memory, there
     * is no OpenSSL allocation to lose. */
    p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)len);
    if (i2d_X509(cert, &p) != len)
        pyssl_raise_queue(L, NULL, "unknown error", PYSSL_LOC);
    luaL_pushresultsize(&b, (size_t)len);
}

/* _test_decode_cert(path): the dictionary of the first certificate of a
 * PEM file (CPython's private _ssl._test_decode_cert). */
static int l_test_decode_cert(lua_State *L)
{
    size_t len;
    const char *path;
    x509_scratch *s;
    int result;
    if (lua_type(L, 1) != LUA_TSTRING)
        return pyssl_raise(L, "TypeError", "expected str, bytes or os.PathLike object, not %s",
                           pyssl_typename(L, 1));
    path = lua_tolstring(L, 1, &len);
    if (strlen(path) != len)
        return pyssl_raise(L, "ValueError", "embedded null byte");
    lua_settop(L, 1);
    lua_newtable(L);
    result = lua_gettop(L);
    s = push_scratch(L);
    ERR_clear_error();
    s->bio = BIO_new(BIO_s_file());
    if (!s->bio || BIO_read_filename(s->bio, path) <= 0) {
        ERR_clear_error();
        return pyssl_raise_bare(L, "SSLError", "Can't open file");
    }
    s->cert = PEM_read_bio_X509(s->bio, NULL, NULL, NULL);
    BIO_free(s->bio);
    s->bio = NULL;
    if (!s->cert) {
        ERR_clear_error();
        return pyssl_raise_bare(L, "SSLError", "Error decoding PEM-encoded file");
    }
    fill_cert_dict(L, result, s, s->cert);
    drop_scratch(L, result + 1);
    return 1;
}

/* _der_cert_dict(der): the dictionary of a DER certificate, as
 * getpeercert() gives it for a verified peer (pyssl.luasec's x509 objects
 * decode any certificate, verified or not). */
static int l_der_cert_dict(lua_State *L)
{
    size_t len;
    const unsigned char *der;
    x509_scratch *s;
    int result;
    if (lua_type(L, 1) != LUA_TSTRING)
        return pyssl_raise(L, "TypeError", "a bytes-like object is required, not '%s'",
                           pyssl_typename(L, 1));
    lua_settop(L, 1);
    lua_newtable(L);
    result = lua_gettop(L);
    s = push_scratch(L);
    /* The string stays on the stack (index 1) while d2i reads it. */
    der = (const unsigned char *)lua_tolstring(L, 1, &len);
    ERR_clear_error();
    s->cert = d2i_X509(NULL, &der, (long)len);
    if (!s->cert) {
        ERR_clear_error();
        return pyssl_raise_bare(L, "SSLError", "Error decoding DER-encoded certificate");
    }
    fill_cert_dict(L, result, s, s->cert);
    drop_scratch(L, result + 1);
    return 1;
}

void pyssl_open_x509(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"_test_decode_cert", l_test_decode_cert},
        {"_der_cert_dict", l_der_cert_dict},
        {NULL, NULL}
    };
    static const pyssl_class scratch_class = {
        .name = SCRATCH,
        .qualname = "_ssl._X509Scratch",
        .no_construct = "cannot create '_ssl._X509Scratch' instances",
        .close = scratch_close,
        .nuv = 1,
    };
    pyssl_class_register(L, &scratch_class);
    /* Like every function of the core: the per-state data as upvalue 1. */
    lua_getfield(L, LUA_REGISTRYINDEX, PYSSL_STATE_KEY);
    luaL_setfuncs(L, fns, 1);
}

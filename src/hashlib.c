/* hashlib: message digests on OpenSSL's EVP (CPython's _hashlib and the
 * part of _blake2 OpenSSL 3.0 can do).
 *
 * Classes: HASH (fixed-size digests), HASHXOF (SHAKE: digest(length)),
 * blake2b and blake2s (Python's _blake2 types: unkeyed on the EVP digests,
 * keyed on OpenSSL's BLAKE2BMAC/BLAKE2SMAC). Functions, in core._hashlib:
 * new, the openssl_<name> constructors, blake2b, blake2s, pbkdf2_hmac,
 * scrypt (those two in kdf.c), openssl_md_meth_names. HMAC is in hmac.c.
 *
 * Memory rule: data arguments are read (lua_tolstring) only after every
 * Lua allocation of the call, and an object's contexts are looked up after
 * them too, so a finalizer that closes the object meanwhile is seen.
 */
#include <math.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include "pyssl.h"

/* Class names: their addresses are lookup keys (one object each). */
static const char HASH[] = "HASH";
static const char HASHXOF[] = "HASHXOF";
static const char BLAKE2B[] = "blake2b";
static const char BLAKE2S[] = "blake2s";

/* What OpenSSL keeps for one digest context beside the Lua object
 * (EVP_MD_CTX and the provider's state, mallinfo2 over 100 contexts,
 * OpenSSL 3.0: md5 187 bytes, sha256 205, sha512 300, blake2b 332,
 * sha3/shake 506, keyed BLAKE2b 411). */
#define DIGEST_GC_DEBT 512

/* Python's names of the digests it knows, OpenSSL's name to fetch, and the
 * NID that names a fetched digest back (CPython's py_hashes table). */
static const struct {
    const char *py_name, *ossl_name;
    int nid;
} py_hashes[] = {
    {"md5", "MD5", NID_md5},
    {"sha1", "SHA1", NID_sha1},
    {"sha224", "SHA2-224", NID_sha224},
    {"sha256", "SHA2-256", NID_sha256},
    {"sha384", "SHA2-384", NID_sha384},
    {"sha512", "SHA2-512", NID_sha512},
    {"sha512_224", "SHA2-512/224", NID_sha512_224},
    {"sha512_256", "SHA2-512/256", NID_sha512_256},
    {"sha3_224", "SHA3-224", NID_sha3_224},
    {"sha3_256", "SHA3-256", NID_sha3_256},
    {"sha3_384", "SHA3-384", NID_sha3_384},
    {"sha3_512", "SHA3-512", NID_sha3_512},
    {"shake_128", "SHAKE-128", NID_shake128},
    {"shake_256", "SHAKE-256", NID_shake256},
    {"blake2s", "BLAKE2S-256", NID_blake2s256},
    {"blake2b", "BLAKE2B-512", NID_blake2b512},
};
#define N_PY_HASHES (sizeof py_hashes / sizeof py_hashes[0])

EVP_MD *pyssl_digest_fetch(const char *name, int usedforsecurity)
{
    size_t i;
    for (i = 0; i < N_PY_HASHES; i++)
        if (strcmp(name, py_hashes[i].py_name) == 0) {
            name = py_hashes[i].ossl_name;
            break;
        }
    return EVP_MD_fetch(NULL, name, usedforsecurity ? NULL : "-fips");
}

const char *pyssl_digest_name(const EVP_MD *md)
{
    int nid = EVP_MD_get_type(md);
    const char *name;
    size_t i;
    for (i = 0; i < N_PY_HASHES; i++)
        if (py_hashes[i].nid == nid)
            return py_hashes[i].py_name;
    /* Python shows the long name, which is lower case ("md5-sha1"). */
    name = OBJ_nid2ln(nid);
    return name ? name : OBJ_nid2sn(nid);
}

int pyssl_raise_evp(lua_State *L, const char *cls, const char *altmsg)
{
    unsigned long code = ERR_peek_last_error();
    const char *lib, *reason;
    if (!code)
        return pyssl_raise(L, cls, "%s", altmsg ? altmsg : "no reason supplied");
    ERR_clear_error();
    lib = ERR_lib_error_string(code);
    reason = ERR_reason_error_string(code);
    if (!reason)
        reason = "unknown reasons";
    if (lib)
        return pyssl_raise(L, cls, "[%s] %s", lib, reason);
    return pyssl_raise(L, cls, "%s", reason);
}

/* Replaces the block on top by its first n bytes as a hex string. */
static void replace_with_hex(lua_State *L, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *bytes;
    unsigned char *hex;
    size_t i;
    pyssl_push_block(L, 2 * n);
    hex = lua_touserdata(L, -1);
    bytes = lua_touserdata(L, -2);
    for (i = 0; i < n; i++) {
        hex[2 * i] = (unsigned char)digits[bytes[i] >> 4];
        hex[2 * i + 1] = (unsigned char)digits[bytes[i] & 15];
    }
    lua_pushlstring(L, (const char *)hex, 2 * n);
    lua_replace(L, -3);
    lua_pop(L, 1);
}

/* --------------------------------------------------------- hash objects */

/* A HASH, HASHXOF, blake2b or blake2s object: a digest context, or for
 * keyed BLAKE2 a MAC context. */
typedef struct pyssl_digest {
    const char *cls;          /* HASH, HASHXOF, BLAKE2B or BLAKE2S */
    EVP_MD_CTX *md_ctx;
    EVP_MAC_CTX *mac_ctx;
    size_t mac_size;          /* keyed BLAKE2: its digest_size */
} pyssl_digest;

/* The class of an OpenSSL digest's object (BLAKE2 by OpenSSL's names,
 * "blake2b512", is a HASH as in Python; blake2b() makes blake2b objects). */
static const char *class_of_md(const EVP_MD *md)
{
    return (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) ? HASHXOF : HASH;
}

/* The hash object at idx (any of the four classes). */
static pyssl_digest *check_digest(lua_State *L, int idx)
{
    pyssl_digest *self = pyssl_test_object(L, idx, HASH);
    if (!self)
        self = pyssl_test_object(L, idx, BLAKE2B);
    if (!self)
        self = pyssl_test_object(L, idx, BLAKE2S);
    if (!self)
        self = pyssl_check_object(L, idx, HASH);
    if (!self->md_ctx && !self->mac_ctx)
        pyssl_raise(L, "ValueError", "hash object is closed");
    return self;
}

static void hash_update(lua_State *L, pyssl_digest *self, int idx)
{
    size_t len;
    const char *data = pyssl_check_hash_data(L, idx, &len);
    int ok = self->md_ctx ? EVP_DigestUpdate(self->md_ctx, data, len)
                          : EVP_MAC_update(self->mac_ctx, (const unsigned char *)data, len);
    if (!ok)
        pyssl_raise_evp(L, "ValueError", NULL);
}

/* A new zeroed object of class cls (one of the four). */
static pyssl_digest *new_digest_object(lua_State *L, const char *cls)
{
    pyssl_digest *self = pyssl_new_object(L, cls, sizeof *self);
    self->cls = cls;
    pyssl_add_gc_debt(L, DIGEST_GC_DEBT);
    return self;
}

/* Builds a hash object for the digest named by the string at name_idx
 * with the data at data_idx (nil: none); returns 0 when OpenSSL has no
 * such digest (the error queued). */
static int new_named(lua_State *L, int name_idx, int usedforsecurity, int data_idx)
{
    pyssl_digest *self;
    const char *cls;
    EVP_MD *md;
    int ok;
    ERR_clear_error();
    md = pyssl_digest_fetch(lua_tostring(L, name_idx), usedforsecurity);
    if (!md)
        return 0;
    /* The class depends on the digest; the object is made with no digest
     * held (an allocation failure must not leak it), then fetched again
     * (from OpenSSL's cache). */
    cls = class_of_md(md);
    EVP_MD_free(md);
    self = new_digest_object(L, cls);
    self->md_ctx = EVP_MD_CTX_new();
    if (!self->md_ctx)
        pyssl_raise_memory_error(L);
    md = pyssl_digest_fetch(lua_tostring(L, name_idx), usedforsecurity);
    ok = md && EVP_DigestInit_ex(self->md_ctx, md, NULL);
    EVP_MD_free(md);   /* the context holds its own reference */
    if (!ok)
        pyssl_raise_evp(L, "ValueError", NULL);
    if (!lua_isnil(L, data_idx))
        hash_update(L, self, data_idx);
    return 1;
}

/* The data argument of a constructor: data or string= (3.14's rule). */
static int data_argument(lua_State *L, int data, int string)
{
    if (!lua_isnil(L, data) && !lua_isnil(L, string))
        pyssl_raise(L, "TypeError", "'data' and 'string' are mutually exclusive and support "
                    "for 'string' keyword parameter is slated for removal in a future version.");
    return lua_isnil(L, data) ? string : data;
}

static int usedforsecurity_of(lua_State *L, int idx)
{
    return lua_isnil(L, idx) || lua_toboolean(L, idx);
}

/* openssl_<name>(data=b'', *, usedforsecurity=True, string=None); the
 * name is upvalue 2 (upvalue 1 is unused: these are closures of the
 * module, not class methods). */
static int l_named_constructor(lua_State *L)
{
    static const char *const names[] = {"data", "usedforsecurity", "string", NULL};
    const pyssl_sig sig = {lua_tostring(L, lua_upvalueindex(3)), PYSSL_PARAMS(names), 1, 0, PYSSL_WORDING_CLINIC, 0};
    int data;
    pyssl_bind(L, &sig, 1);
    data = data_argument(L, 1, 3);
    if (!new_named(L, lua_upvalueindex(2), usedforsecurity_of(L, 2), data))
        return pyssl_raise_evp(L, "UnsupportedDigestmodError", NULL);
    return 1;
}

/* new(name, data=b'', *, usedforsecurity=True, string=None): hashlib.new
 * for the OpenSSL digests (blake2 names are routed by the facade). */
static int l_new(lua_State *L)
{
    static const char *const names[] = {"name", "data", "usedforsecurity", "string", NULL};
    static const pyssl_sig sig = {"new", PYSSL_PARAMS(names), 2, 0, PYSSL_WORDING_CLINIC, 0};
    size_t len;
    const char *name;
    int data;
    pyssl_bind(L, &sig, 1);
    name = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;
    if (!name || strlen(name) != len)
        return pyssl_raise(L, "TypeError", "name must be a string");
    data = data_argument(L, 2, 4);
    if (!new_named(L, 1, usedforsecurity_of(L, 3), data)) {
        ERR_clear_error();
        return pyssl_raise(L, "ValueError", "unsupported hash type %s", lua_tostring(L, 1));
    }
    return 1;
}

/* Python's argument checks of a hash method taking `expected` (0 or 1)
 * arguments, named as Python names it ("HASH.update", "blake2b.copy"). */
/* The signatures of the methods every hash class has, one table per
 * class (Python names the class in its messages), declared once: the
 * binder reads the name only when it raises. */
enum { M_UPDATE, M_DIGEST, M_HEXDIGEST, M_COPY };
#define METHOD_SIGS(type) { \
        {type ".update", NULL, 1, 1, 1, PYSSL_WORDING_CLINIC, 0}, \
        {type ".digest", NULL, 0, 0, 0, PYSSL_WORDING_CLINIC, 0}, \
        {type ".hexdigest", NULL, 0, 0, 0, PYSSL_WORDING_CLINIC, 0}, \
        {type ".copy", NULL, 0, 0, 0, PYSSL_WORDING_CLINIC, 0} }
static const pyssl_sig hash_sigs[] = METHOD_SIGS("HASH");
static const pyssl_sig blake2b_sigs[] = METHOD_SIGS("blake2b");
static const pyssl_sig blake2s_sigs[] = METHOD_SIGS("blake2s");

static void check_method_args(lua_State *L, const pyssl_digest *self, int method)
{
    const pyssl_sig *sigs = self->cls == BLAKE2B ? blake2b_sigs
                          : self->cls == BLAKE2S ? blake2s_sigs : hash_sigs;
    pyssl_bind(L, &sigs[method], 2);
}

/* update(data) */
static int hash_m_update(lua_State *L)
{
    pyssl_digest *self = check_digest(L, 1);
    check_method_args(L, self, M_UPDATE);
    hash_update(L, self, 2);
    return 0;
}

/* Finishes a copy of the object's context into out (at least
 * EVP_MAX_MD_SIZE bytes); returns the length. */
static size_t final_copy(lua_State *L, pyssl_digest *self, unsigned char *out)
{
    unsigned int len = 0;
    size_t mac_len = 0;
    int ok = 0;
    if (self->md_ctx) {
        EVP_MD_CTX *copy = EVP_MD_CTX_new();
        ok = copy && EVP_MD_CTX_copy_ex(copy, self->md_ctx) && EVP_DigestFinal_ex(copy, out, &len);
        EVP_MD_CTX_free(copy);
        mac_len = len;
    } else {
        EVP_MAC_CTX *copy = EVP_MAC_CTX_dup(self->mac_ctx);
        ok = copy && EVP_MAC_final(copy, out, &mac_len, EVP_MAX_MD_SIZE);
        EVP_MAC_CTX_free(copy);
    }
    if (!ok)
        pyssl_raise_evp(L, "ValueError", NULL);
    return mac_len;
}

static int hash_digest_common(lua_State *L, int hex, int method)
{
    pyssl_digest *self = check_digest(L, 1);
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t len;
    check_method_args(L, self, method);
    len = final_copy(L, self, out);
    if (!hex) {
        lua_pushlstring(L, (const char *)out, len);
    } else {
        char text[2 * EVP_MAX_MD_SIZE];
        static const char digits[] = "0123456789abcdef";
        size_t i;
        for (i = 0; i < len; i++) {
            text[2 * i] = digits[out[i] >> 4];
            text[2 * i + 1] = digits[out[i] & 15];
        }
        lua_pushlstring(L, text, 2 * len);
    }
    return 1;
}

static int hash_m_digest(lua_State *L) { return hash_digest_common(L, 0, M_DIGEST); }
static int hash_m_hexdigest(lua_State *L) { return hash_digest_common(L, 1, M_HEXDIGEST); }

/* A float Python would have as an int too large for a C integer (Lua
 * has 2^63 only as a float); infinities and NaN are floats for Python. */
int pyssl_hash_is_huge_integral(lua_Number n)
{
    return !isinf(n) && n == floor(n) && (n >= 9223372036854775808.0 || n < -9223372036854775808.0);
}

/* The length argument of HASHXOF.digest/hexdigest (Py_ssize_t). */
static size_t check_xof_length(lua_State *L, const char *fname)
{
    static const char *const names[] = {"length", NULL};
    const pyssl_sig sig = {fname, PYSSL_PARAMS(names), 1, 0, PYSSL_WORDING_CLINIC, 0};
    lua_Integer length;
    pyssl_bind(L, &sig, 2);
    if (lua_isnil(L, 2))   /* (required, but Python's clinic says "at most 1 argument") */
        pyssl_raise(L, "TypeError", "%s() missing required argument 'length' (pos 1)", fname);
    if (lua_type(L, 2) == LUA_TNUMBER && !lua_isinteger(L, 2)) {
        lua_Number n = lua_tonumber(L, 2);
        if (pyssl_hash_is_huge_integral(n))
            pyssl_raise(L, "OverflowError", "Python int too large to convert to C ssize_t");
    }
    length = pyssl_check_index(L, 2);
    /* Python 3.11-3.13 pass a negative length on to PyBytes_FromStringAndSize. */
    if (length < 0)
        pyssl_raise(L, "SystemError", "Negative size passed to PyBytes_FromStringAndSize");
    return (size_t)length;
}

static int xof_digest_common(lua_State *L, int hex, const char *fname)
{
    size_t length = check_xof_length(L, fname);
    unsigned char *out;
    pyssl_digest *self;
    EVP_MD_CTX *copy;
    int ok;
    check_digest(L, 1);
    if (length == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    out = pyssl_push_block(L, length);
    self = check_digest(L, 1);   /* after the allocation: still open? */
    copy = EVP_MD_CTX_new();
    ok = copy && EVP_MD_CTX_copy_ex(copy, self->md_ctx) && EVP_DigestFinalXOF(copy, out, length);
    EVP_MD_CTX_free(copy);
    if (!ok)
        return pyssl_raise_evp(L, "ValueError", NULL);
    if (hex)
        replace_with_hex(L, length);
    else
        lua_pushlstring(L, (const char *)out, length);
    return 1;
}

static int xof_m_digest(lua_State *L) { return xof_digest_common(L, 0, "digest"); }
static int xof_m_hexdigest(lua_State *L) { return xof_digest_common(L, 1, "hexdigest"); }

/* copy() -> an object of the same class with the same state */
static int hash_m_copy(lua_State *L)
{
    pyssl_digest *self = check_digest(L, 1), *copy;
    check_method_args(L, self, M_COPY);
    copy = new_digest_object(L, self->cls);
    self = check_digest(L, 1);   /* after the allocation: still open? */
    if (self->md_ctx) {
        copy->md_ctx = EVP_MD_CTX_new();
        if (copy->md_ctx && !EVP_MD_CTX_copy_ex(copy->md_ctx, self->md_ctx))
            return pyssl_raise_evp(L, "ValueError", NULL);
    } else {
        copy->mac_ctx = EVP_MAC_CTX_dup(self->mac_ctx);
        copy->mac_size = self->mac_size;
    }
    if (!copy->md_ctx && !copy->mac_ctx)
        return pyssl_raise_memory_error(L);
    return 1;
}

static const EVP_MD *md_of(pyssl_digest *self)
{
    return self->md_ctx ? EVP_MD_CTX_get0_md(self->md_ctx) : NULL;
}

static int hash_get_name(lua_State *L)
{
    pyssl_digest *self = check_digest(L, 1);
    if (self->mac_ctx)
        lua_pushstring(L, self->cls);   /* keyed blake2b / blake2s */
    else
        lua_pushstring(L, pyssl_digest_name(md_of(self)));
    return 1;
}

static int hash_get_digest_size(lua_State *L)
{
    pyssl_digest *self = check_digest(L, 1);
    if (self->mac_ctx)
        lua_pushinteger(L, (lua_Integer)self->mac_size);
    else if (EVP_MD_get_flags(md_of(self)) & EVP_MD_FLAG_XOF)
        lua_pushinteger(L, 0);
    else
        lua_pushinteger(L, EVP_MD_get_size(md_of(self)));
    return 1;
}

static int hash_get_block_size(lua_State *L)
{
    pyssl_digest *self = check_digest(L, 1);
    if (self->mac_ctx)
        lua_pushinteger(L, self->cls == BLAKE2B ? 128 : 64);
    else
        lua_pushinteger(L, EVP_MD_get_block_size(md_of(self)));
    return 1;
}

static int hash_close(lua_State *L)
{
    pyssl_digest *self = lua_touserdata(L, 1);
    if (self) {
        EVP_MD_CTX_free(self->md_ctx);
        EVP_MAC_CTX_free(self->mac_ctx);
        self->md_ctx = NULL;
        self->mac_ctx = NULL;
    }
    return 0;
}

/* <sha256 _hashlib.HASH object @ 0x...> */
static int hash_tostring(lua_State *L)
{
    pyssl_digest *self = lua_touserdata(L, 1);
    const EVP_MD *md = md_of(self);
    lua_pushfstring(L, "<%s _hashlib.%s object @ %p>", md ? pyssl_digest_name(md) : "closed",
                    self->cls, lua_topointer(L, 1));
    return 1;
}

/* <_blake2.blake2b object at 0x...> */
static int blake2_tostring(lua_State *L)
{
    pyssl_digest *self = lua_touserdata(L, 1);
    lua_pushfstring(L, "<_blake2.%s object at %p>", self->cls, lua_topointer(L, 1));
    return 1;
}

/* ------------------------------------------------------------- BLAKE2 */

/* Python's limits of one BLAKE2 variant. */
typedef struct blake2_kind {
    const char *name;          /* BLAKE2B: class and function name */
    const char *md_name;       /* the unkeyed digest */
    const char *mac_name;      /* the keyed MAC */
    lua_Integer max_digest, max_key, max_salt, max_person, max_node_offset;
} blake2_kind;

static const blake2_kind blake2b_kind = {BLAKE2B, "BLAKE2B-512", "BLAKE2BMAC", 64, 64, 16, 16, -1};
static const blake2_kind blake2s_kind = {BLAKE2S, "BLAKE2S-256", "BLAKE2SMAC", 32, 32, 8, 8,
                                         ((lua_Integer)1 << 48) - 1};

/* The BLAKE2 parameters, in the order of Python's signature. */
enum {
    B2_DATA = 1, B2_DIGEST_SIZE, B2_KEY, B2_SALT, B2_PERSON, B2_FANOUT, B2_DEPTH,
    B2_LEAF_SIZE, B2_NODE_OFFSET, B2_NODE_DEPTH, B2_INNER_SIZE, B2_LAST_NODE,
    B2_USEDFORSECURITY, B2_STRING
};

static lua_Integer int_arg(lua_State *L, int idx, lua_Integer dflt)
{
    return lua_isnil(L, idx) ? dflt : pyssl_check_index(L, idx);
}

static size_t optional_bytes(lua_State *L, int idx)
{
    size_t len = 0;
    if (!lua_isnil(L, idx))
        pyssl_check_bytes_like(L, idx, &len);
    return len;
}

/* Python's checks of the tree parameters; then what OpenSSL 3.0 cannot
 * do (a tree parameter other than its default) is refused. */
static void check_tree_params(lua_State *L, const blake2_kind *k)
{
    lua_Integer fanout = int_arg(L, B2_FANOUT, 1), depth = int_arg(L, B2_DEPTH, 1);
    lua_Integer leaf_size = int_arg(L, B2_LEAF_SIZE, 0), node_offset = int_arg(L, B2_NODE_OFFSET, 0);
    lua_Integer node_depth = int_arg(L, B2_NODE_DEPTH, 0), inner_size = int_arg(L, B2_INNER_SIZE, 0);
    if (fanout < 0 || fanout > 255)
        pyssl_raise(L, "ValueError", "fanout must be between 0 and 255");
    if (depth <= 0 || depth > 255)
        pyssl_raise(L, "ValueError", "depth must be between 1 and 255");
    if (leaf_size < 0 || leaf_size > 0xFFFFFFFFLL)
        pyssl_raise(L, "OverflowError", "leaf_size is too large");
    if (node_offset < 0 || (k->max_node_offset > 0 && node_offset > k->max_node_offset))
        pyssl_raise(L, "OverflowError", "node_offset is too large");
    if (node_depth < 0 || node_depth > 255)
        pyssl_raise(L, "ValueError", "node_depth must be between 0 and 255");
    if (inner_size < 0 || inner_size > k->max_digest)
        pyssl_raise(L, "ValueError", "inner_size must be between 0 and is %d", (int)k->max_digest);
    if (fanout != 1 || depth != 1 || leaf_size || node_offset || node_depth || inner_size ||
        lua_toboolean(L, B2_LAST_NODE))
        pyssl_raise(L, "ValueError", "%s tree hashing (fanout, depth, leaf_size, node_offset, "
                    "node_depth, inner_size, last_node) is not supported: OpenSSL 3.0 has no "
                    "parameters for it", k->name);
}

/* Keyed BLAKE2: the MAC with its size, salt and personalization. */
static void blake2_init_mac(lua_State *L, pyssl_digest *self, const blake2_kind *k, size_t size)
{
    OSSL_PARAM params[4], *p = params;
    size_t key_len, salt_len = 0, person_len = 0;
    const char *key = pyssl_test_buffer(L, B2_KEY, &key_len);
    const char *salt = lua_isnil(L, B2_SALT) ? NULL : pyssl_test_buffer(L, B2_SALT, &salt_len);
    const char *person = lua_isnil(L, B2_PERSON) ? NULL : pyssl_test_buffer(L, B2_PERSON, &person_len);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, k->mac_name, NULL);
    self->mac_ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);
    if (!self->mac_ctx)
        pyssl_raise_evp(L, "ValueError", NULL);
    self->mac_size = size;
    *p++ = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &self->mac_size);
    if (salt_len)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_SALT, (void *)salt, salt_len);
    if (person_len)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_CUSTOM, (void *)person, person_len);
    *p = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(self->mac_ctx, (const unsigned char *)key, key_len, params))
        pyssl_raise_evp(L, "ValueError", NULL);
}

static int blake2_new(lua_State *L, const blake2_kind *k)
{
    static const char *const names[] = {
        "data", "digest_size", "key", "salt", "person", "fanout", "depth", "leaf_size",
        "node_offset", "node_depth", "inner_size", "last_node", "usedforsecurity", "string", NULL};
    lua_Integer digest_size;
    size_t data_len, key_len, salt_len, person_len;
    pyssl_digest *self;
    const pyssl_sig sig = {k->name, PYSSL_PARAMS(names), 1, 0, PYSSL_WORDING_CLINIC, 0};
    int data;
    pyssl_bind(L, &sig, 1);
    data = data_argument(L, B2_DATA, B2_STRING);
    if (!lua_isnil(L, data))
        pyssl_check_hash_data(L, data, &data_len);
    digest_size = int_arg(L, B2_DIGEST_SIZE, k->max_digest);
    if (digest_size <= 0 || digest_size > k->max_digest)
        return pyssl_raise(L, "ValueError", "digest_size must be between 1 and %d bytes",
                           (int)k->max_digest);
    key_len = optional_bytes(L, B2_KEY);
    salt_len = optional_bytes(L, B2_SALT);
    person_len = optional_bytes(L, B2_PERSON);
    if ((lua_Integer)salt_len > k->max_salt)
        return pyssl_raise(L, "ValueError", "maximum salt length is %d bytes", (int)k->max_salt);
    if ((lua_Integer)person_len > k->max_person)
        return pyssl_raise(L, "ValueError", "maximum person length is %d bytes", (int)k->max_person);
    check_tree_params(L, k);
    if ((lua_Integer)key_len > k->max_key)
        return pyssl_raise(L, "ValueError", "maximum key length is %d bytes", (int)k->max_key);
    if (key_len == 0 && (digest_size != k->max_digest || salt_len || person_len))
        return pyssl_raise(L, "ValueError", "%s without a key takes no digest_size, salt or "
                           "person: OpenSSL 3.0 has no parameters for them (with a key it has)",
                           k->name);
    self = new_digest_object(L, k->name);
    ERR_clear_error();
    if (key_len > 0) {
        blake2_init_mac(L, self, k, (size_t)digest_size);
    } else {
        EVP_MD *md = EVP_MD_fetch(NULL, k->md_name, usedforsecurity_of(L, B2_USEDFORSECURITY) ? NULL : "-fips");
        self->md_ctx = md ? EVP_MD_CTX_new() : NULL;
        if (self->md_ctx && !EVP_DigestInit_ex(self->md_ctx, md, NULL)) {
            EVP_MD_CTX_free(self->md_ctx);
            self->md_ctx = NULL;
        }
        EVP_MD_free(md);
        if (!self->md_ctx)
            return pyssl_raise_evp(L, "ValueError", NULL);
    }
    if (!lua_isnil(L, data))
        hash_update(L, self, data);
    return 1;
}

static int l_blake2b(lua_State *L) { return blake2_new(L, &blake2b_kind); }
static int l_blake2s(lua_State *L) { return blake2_new(L, &blake2s_kind); }

/* ---------------------------------------------------------- functions */

static void add_md_name(EVP_MD *md, void *arg)
{
    lua_State *L = arg;
    if (md == NULL || EVP_MD_get_type(md) == NID_undef)
        return;
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, pyssl_digest_name(md));
}

/* openssl_md_meth_names(): the names of every digest the providers offer,
 * as a set (name -> true). */
static int l_md_meth_names(lua_State *L)
{
    lua_newtable(L);
    EVP_MD_do_all_provided(NULL, add_md_name, L);
    return 1;
}

/* The error class of _hashlib (a ValueError), created once per state. */
static void open_unsupported_digestmod_error(lua_State *L)
{
    lua_newtable(L);
    lua_pushliteral(L, "UnsupportedDigestmodError");
    lua_setfield(L, -2, "__name");
    lua_pushliteral(L, "UnsupportedDigestmodError");
    lua_setfield(L, -2, "__qualname");
    lua_pushliteral(L, "_hashlib");
    lua_setfield(L, -2, "__module");
    lua_newtable(L);
    lua_getfield(L, LUA_REGISTRYINDEX, "pyssl.ValueError");
    lua_rawseti(L, -2, 1);
    lua_setfield(L, -2, "__bases");
    pyssl_table_class(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "pyssl.UnsupportedDigestmodError");
    lua_setfield(L, -2, "UnsupportedDigestmodError");
}

static void register_classes(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"update", hash_m_update},
        {"digest", hash_m_digest},
        {"hexdigest", hash_m_hexdigest},
        {"copy", hash_m_copy},
        {NULL, NULL}
    };
    static const luaL_Reg xof_methods[] = {
        {"digest", xof_m_digest},
        {"hexdigest", xof_m_hexdigest},
        {NULL, NULL}
    };
    static const luaL_Reg getters[] = {
        {"name", hash_get_name},
        {"digest_size", hash_get_digest_size},
        {"block_size", hash_get_block_size},
        {NULL, NULL}
    };
    static const pyssl_class hash_cls = {
        .name = HASH, .qualname = "_hashlib.HASH", .module = "_hashlib",
        .methods = methods, .getters = getters,
        .no_construct = "cannot create '_hashlib.HASH' instances",
        .close = hash_close, .tostring = hash_tostring, .nuv = 1,
    };
    static const pyssl_class xof_cls = {
        .name = HASHXOF, .qualname = "_hashlib.HASHXOF", .module = "_hashlib", .base = HASH,
        .methods = xof_methods,
        .no_construct = "cannot create '_hashlib.HASHXOF' instances",
        .close = hash_close, .tostring = hash_tostring, .nuv = 1,
    };
    static const pyssl_class blake2b_cls = {
        .name = BLAKE2B, .qualname = "_blake2.blake2b", .module = "_blake2",
        .methods = methods, .getters = getters, .construct = NULL,
        .no_construct = "use hashlib.blake2b()",
        .close = hash_close, .tostring = blake2_tostring, .nuv = 1,
    };
    static const pyssl_class blake2s_cls = {
        .name = BLAKE2S, .qualname = "_blake2.blake2s", .module = "_blake2",
        .methods = methods, .getters = getters,
        .no_construct = "use hashlib.blake2s()",
        .close = hash_close, .tostring = blake2_tostring, .nuv = 1,
    };
    pyssl_class_register(L, &hash_cls);
    pyssl_class_register(L, &xof_cls);
    pyssl_class_register(L, &blake2b_cls);
    pyssl_class_register(L, &blake2s_cls);
}

/* Adds core._hashlib: the functions above, the openssl_<name>
 * constructors and the classes. */
void pyssl_open_hashlib(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"new", l_new},
        {"blake2b", l_blake2b},
        {"blake2s", l_blake2s},
        {"openssl_md_meth_names", l_md_meth_names},
        {NULL, NULL}
    };
    static const char *const constructors[] = {
        "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256",
        "sha3_384", "sha3_512", "shake_128", "shake_256", NULL};
    int i;
    register_classes(L);
    lua_newtable(L);
    luaL_setfuncs(L, fns, 0);
    pyssl_open_kdf(L);
    for (i = 0; constructors[i]; i++) {
        const char *fname = lua_pushfstring(L, "openssl_%s", constructors[i]);
        lua_pushnil(L);
        lua_pushstring(L, constructors[i]);
        lua_pushvalue(L, -3);
        lua_pushcclosure(L, l_named_constructor, 3);
        lua_setfield(L, -3, fname);
        lua_pop(L, 1);
    }
    open_unsupported_digestmod_error(L);
    pyssl_push_class(L, HASH);
    lua_setfield(L, -2, HASH);
    pyssl_push_class(L, HASHXOF);
    lua_setfield(L, -2, HASHXOF);
    pyssl_open_hmac(L);
    lua_setfield(L, -2, "_hashlib");
}

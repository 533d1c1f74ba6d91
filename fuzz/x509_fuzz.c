/* libFuzzer harness for certificate decoding (src/x509.c).
 *
 * Each input is a certificate as a TLS peer could send it. DER input goes
 * through d2i_X509 and then pyssl_push_cert_dict, the function behind
 * getpeercert() and get_ca_certs(); input that starts with "-----BEGIN"
 * (and one DER input in eight, re-encoded as PEM) goes through the core's
 * _test_decode_cert, the PEM file path. The returned table is walked in
 * full (every key and value through tostring) and checked for the shape of
 * Python's dictionary. Every input that decodes is decoded a second time
 * with Lua's allocator failing at a point chosen from the input, so that
 * the cleanup of a decode interrupted half-way is exercised as well.
 *
 * The Lua state lives for RESTART_EVERY inputs, then lua_close frees
 * everything; a full collection after each input runs the __gc of the
 * scratch objects, so LeakSanitizer sees any OpenSSL object they lose.
 *
 * Build and run: `make fuzz` (FUZZ_SECONDS, default 60).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <lualib.h>
#include "../src/pyssl.h"

int luaopen_pyssl_core(lua_State *L);

#define RESTART_EVERY 500
#define MAX_DEPTH 8

/* Lua's allocator, with an optional failure point: the fail_at-th
 * allocation (counted from when counting starts) and every later one
 * return NULL. */
typedef struct alloc_ctl {
    unsigned long count;   /* allocations since counting started */
    unsigned long fail_at; /* 0: never fail */
} alloc_ctl;

static alloc_ctl ctl;
static lua_State *L;
static unsigned inputs;
static char pem_path[64];

static void *fuzz_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    alloc_ctl *c = ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (nsize > osize || !ptr) {
        c->count++;
        if (c->fail_at && c->count >= c->fail_at)
            return NULL;
    }
    return realloc(ptr, nsize);
}

static void open_state(void)
{
    ctl.count = 0;
    ctl.fail_at = 0;
    L = lua_newstate(fuzz_alloc, &ctl);
    if (!L)
        abort();
    luaL_openlibs(L);
    luaL_requiref(L, "pyssl.core", luaopen_pyssl_core, 1);
    lua_pop(L, 1);
}

/* decode(cert): pyssl_push_cert_dict and pyssl_push_cert_der on the X509 *
 * given as a light userdata. Upvalue 1 is the per-state data, as for every
 * function the core registers. */
static int l_decode(lua_State *L)
{
    X509 *cert = lua_touserdata(L, 1);
    pyssl_push_cert_dict(L, cert);
    pyssl_push_cert_der(L, cert);
    return 2;
}

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "x509_fuzz: %s: %s\n", what, detail ? detail : "");
    abort();
}

static int is_seq_of(lua_State *L, int idx, int n);

/* Walks any value: every key and value through luaL_tolstring. */
static void walk(lua_State *L, int idx, int depth)
{
    idx = lua_absindex(L, idx);
    if (depth > MAX_DEPTH)
        fail("table nested too deep", NULL);
    luaL_tolstring(L, idx, NULL);
    lua_pop(L, 1);
    if (lua_type(L, idx) != LUA_TTABLE)
        return;
    if (lua_getmetatable(L, idx))
        fail("result table has a metatable", NULL);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        luaL_tolstring(L, -2, NULL);
        lua_pop(L, 1);
        walk(L, -1, depth + 1);
        lua_pop(L, 1);
    }
}

/* A sequence of exactly n elements (n < 0: any length). */
static int is_seq_of(lua_State *L, int idx, int n)
{
    lua_Integer len, count = 0;
    if (lua_type(L, idx) != LUA_TTABLE)
        return 0;
    len = (lua_Integer)lua_rawlen(L, idx);
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > len)
            return lua_pop(L, 1), 0;
        count++;
    }
    return count == len && (n < 0 || len == n);
}

static int is_string_at(lua_State *L, int t, lua_Integer i)
{
    int ok = lua_rawgeti(L, t, i) == LUA_TSTRING;
    lua_pop(L, 1);
    return ok;
}

/* A name: {rdn, ...}, each rdn a non-empty {{attr, value}, ...}. */
static void check_name(lua_State *L, int idx, const char *what)
{
    lua_Integer i, j, n;
    idx = lua_absindex(L, idx);
    if (!is_seq_of(L, idx, -1))
        fail("name is not a sequence", what);
    n = (lua_Integer)lua_rawlen(L, idx);
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        if (!is_seq_of(L, -1, -1) || lua_rawlen(L, -1) == 0)
            fail("RDN is not a non-empty sequence", what);
        for (j = 1; j <= (lua_Integer)lua_rawlen(L, -1); j++) {
            lua_rawgeti(L, -1, j);
            if (!is_seq_of(L, -1, 2) || !is_string_at(L, -1, 1) || !is_string_at(L, -1, 2))
                fail("attribute is not a {name, value} pair of strings", what);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
}

static void check_strings(lua_State *L, int idx, const char *what)
{
    lua_Integer i;
    if (!is_seq_of(L, idx, -1) || lua_rawlen(L, idx) == 0)
        fail("not a non-empty sequence", what);
    for (i = 1; i <= (lua_Integer)lua_rawlen(L, idx); i++)
        if (!is_string_at(L, lua_absindex(L, idx), i))
            fail("element is not a string", what);
}

/* The shape of Python's getpeercert() dictionary. */
static void check_dict(lua_State *L, int d)
{
    static const char *const strings[] = {"serialNumber", "notBefore", "notAfter", NULL};
    static const char *const lists[] = {"OCSP", "caIssuers", "crlDistributionPoints", NULL};
    int i, nkeys = 0;
    lua_Integer j;
    d = lua_absindex(L, d);
    lua_pushnil(L);
    while (lua_next(L, d)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            fail("dictionary key is not a string", NULL);
        nkeys++;
    }
    if (nkeys > 10)
        fail("dictionary has unknown keys", NULL);
    lua_getfield(L, d, "subject");
    check_name(L, -1, "subject");
    lua_getfield(L, d, "issuer");
    check_name(L, -1, "issuer");
    lua_pop(L, 2);
    if (lua_getfield(L, d, "version") != LUA_TNUMBER || !lua_isinteger(L, -1))
        fail("version is not an integer", NULL);
    lua_pop(L, 1);
    for (i = 0; strings[i]; i++) {
        if (lua_getfield(L, d, strings[i]) != LUA_TSTRING)
            fail("not a string", strings[i]);
        lua_pop(L, 1);
    }
    for (i = 0; lists[i]; i++) {
        if (lua_getfield(L, d, lists[i]) != LUA_TNIL)
            check_strings(L, -1, lists[i]);
        lua_pop(L, 1);
    }
    if (lua_getfield(L, d, "subjectAltName") != LUA_TNIL) {
        if (!is_seq_of(L, -1, -1))
            fail("subjectAltName is not a sequence", NULL);
        for (j = 1; j <= (lua_Integer)lua_rawlen(L, -1); j++) {
            lua_rawgeti(L, -1, j);
            if (!is_seq_of(L, -1, 2) || !is_string_at(L, -1, 1))
                fail("general name is not a {type, value} pair", NULL);
            lua_rawgeti(L, -1, 1);
            if (strcmp(lua_tostring(L, -1), "DirName") == 0) {
                lua_rawgeti(L, -2, 2);
                check_name(L, -1, "DirName");
                lua_pop(L, 1);
            } else if (!is_string_at(L, -2, 2)) {
                fail("general name value is not a string", lua_tostring(L, -1));
            }
            lua_pop(L, 2);
        }
    }
    lua_pop(L, 1);
}

/* An error from a decode must be one of Python's exception objects; with
 * the allocator failing, Lua's own memory error is fine too. */
static void check_error(lua_State *L, int status, int oom)
{
    if (status == LUA_ERRMEM && oom)
        return;
    if (status != LUA_ERRRUN)
        fail("unexpected status", lua_tostring(L, -1));
    if (lua_type(L, -1) != LUA_TTABLE) {
        if (oom && lua_type(L, -1) == LUA_TSTRING &&
            strstr(lua_tostring(L, -1), "not enough memory"))
            return;
        fail("error is not an exception object", lua_tostring(L, -1));
    }
    if (!lua_getmetatable(L, -1))
        fail("error has no class", NULL);
    lua_pop(L, 1);
    luaL_tolstring(L, -1, NULL);   /* the error's __tostring */
    lua_pop(L, 1);
}

/* Runs the function on the stack (its nargs arguments above it) under
 * lua_pcall, once normally and then again with an allocation failure, and
 * checks what each run gives. The function and arguments are consumed. */
static void run(lua_State *L, int nargs, uint32_t seed, int expect_der)
{
    int base = lua_gettop(L) - nargs, status, i;
    unsigned long allocs;
    /* Keep a copy of function and arguments for the second run. */
    for (i = base; i <= base + nargs; i++)
        lua_pushvalue(L, i);
    ctl.count = 0;
    status = lua_pcall(L, nargs, 2, 0);
    allocs = ctl.count;
    if (status == LUA_OK) {
        check_dict(L, -2);
        walk(L, -2, 0);
        if (expect_der && lua_type(L, -1) != LUA_TSTRING)
            fail("DER is not a string", NULL);
        lua_pop(L, 2);
    } else {
        check_error(L, status, 0);
        lua_pop(L, 1);
    }
    if (allocs > 0) {
        ctl.count = 0;
        ctl.fail_at = 1 + seed % allocs;
        status = lua_pcall(L, nargs, 2, 0);
        ctl.fail_at = 0;
        if (status == LUA_OK) {
            check_dict(L, -2);
            walk(L, -2, 0);
            lua_pop(L, 2);
        } else {
            check_error(L, status, 1);
            lua_pop(L, 1);
        }
    }
    lua_settop(L, base - 1);
}

static uint32_t hash(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    return h;
}

static void decode_pem_file(const uint8_t *data, size_t size, uint32_t seed)
{
    FILE *f = fopen(pem_path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        fail("cannot write", pem_path);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, "pyssl.core");
    lua_getfield(L, -1, "_test_decode_cert");
    lua_replace(L, -3);
    lua_pop(L, 1);
    lua_pushstring(L, pem_path);
    run(L, 1, seed, 0);
}

/* The certificate as a PEM block (what PEM_write_bio_X509 would give for
 * these bytes, whether or not they parse). */
static void decode_as_pem(const uint8_t *data, size_t size, uint32_t seed)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *text;
    long len;
    if (!mem || !PEM_write_bio(mem, "CERTIFICATE", "", data, (long)size))
        fail("PEM_write_bio failed", NULL);
    len = BIO_get_mem_data(mem, &text);
    decode_pem_file((const uint8_t *)text, (size_t)len, seed);
    BIO_free(mem);
}

static void remove_pem_file(void)
{
    remove(pem_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(pem_path, sizeof pem_path, "/tmp/x509_fuzz.%ld.pem", (long)getpid());
    atexit(remove_pem_file);
    open_state();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t seed = hash(data, size);
    if (++inputs % RESTART_EVERY == 0) {
        lua_close(L);
        open_state();
    }
    if (size >= 10 && memcmp(data, "-----BEGIN", 10) == 0) {
        decode_pem_file(data, size, seed);
    } else {
        const unsigned char *p = data;
        X509 *cert = d2i_X509(NULL, &p, (long)size);
        if (cert) {
            lua_getfield(L, LUA_REGISTRYINDEX, "pyssl.state");
            lua_pushcclosure(L, l_decode, 1);
            lua_pushlightuserdata(L, cert);
            run(L, 1, seed, 1);
            X509_free(cert);
        }
        ERR_clear_error();
        if (seed % 8 == 0)
            decode_as_pem(data, size, seed >> 3);
    }
    if (ERR_peek_error() != 0)
        fail("OpenSSL error queue left non-empty", NULL);
    lua_gc(L, LUA_GCCOLLECT, 0);
    lua_gc(L, LUA_GCCOLLECT, 0);
    return 0;
}

/* OpenSSL failures as SSLError and its subclasses (CPython's
 * fill_and_set_sslerror and PySSL_SetError), through errors.c's classes.
 *
 * OpenSSL failures become errors in two shapes (spec §4.3):
 *  (a) I/O calls: errno = SSL_ERROR_* code, see pyssl_raise_io;
 *  (b) other calls: errno = reason code of the last queued error,
 *      see pyssl_raise_queue.
 * Library and reason mnemonics come from err_names.h, generated from the
 * OpenSSL headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include "pyssl.h"
#include "err_names.h"

void pyssl_clear_errors(void)
{
    /* ERR_clear_error walks and frees every slot of the queue even when it
     * is empty (~0.15 us); a peek costs a tenth of that. */
    if (ERR_peek_error())
        ERR_clear_error();
}

/* The (lib, code) looked up; ints, so that a code the 16-bit table cannot
 * hold finds nothing instead of a truncated match. */
typedef struct reason_key { int lib, code; } reason_key;

static int compare_reason(const void *key, const void *entry)
{
    const reason_key *a = key;
    const pyssl_reason_name *b = entry;
    if (a->lib != b->lib)
        return a->lib < b->lib ? -1 : 1;
    return a->code < b->code ? -1 : a->code > b->code;
}

static const char *lib_name(int lib)
{
    size_t i;
    for (i = 0; i < sizeof pyssl_lib_names / sizeof pyssl_lib_names[0]; i++)
        if (pyssl_lib_names[i].code == lib)
            return pyssl_lib_names[i].name;
    return NULL;
}

static const char *reason_name(int lib, int reason)
{
    reason_key key = {lib, reason};
    const pyssl_reason_name *found =
        bsearch(&key, pyssl_reason_names, sizeof pyssl_reason_names / sizeof pyssl_reason_names[0],
                sizeof pyssl_reason_names[0], compare_reason);
    return found ? pyssl_reason_text + found->name : NULL;
}

/* What one raised SSLError is made of. */
typedef struct ssl_error_parts {
    const char *cls;
    int code;                  /* args[1]/errno */
    unsigned long queued;      /* the OpenSSL error it describes, or 0 */
    const char *text;          /* message text, or NULL for the reason string */
    const char *verify;        /* verify_message, or NULL */
    long verify_code;
    const char *file;
    int line;
    int fixed_text;            /* text is a literal and nothing is queued */
    int flow_control;          /* SSLWantReadError/SSLWantWriteError */
} ssl_error_parts;

/* Registry key of the message cache (its address). */
static const char message_cache_key = 0;

/* Pushes "text (file:line)" for a literal text and location, made once per
 * call site: the retry errors (SSLWantReadError) are raised on every step
 * of a non-blocking handshake, and their message is a long string Lua would
 * otherwise allocate and format each time. Cache: text -> file -> line -> message,
 * all keyed by address (text and file are literals, line an integer). */
static void push_fixed_message(lua_State *L, const char *text, const char *file, int line)
{
    int level;
    const void *keys[2];
    keys[0] = text;
    keys[1] = file;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &message_cache_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &message_cache_key);
    }
    for (level = 0; level < 2; level++) {
        if (lua_rawgetp(L, -1, keys[level]) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushvalue(L, -1);
            lua_rawsetp(L, -3, keys[level]);
        }
        lua_remove(L, -2);
    }
    if (lua_rawgeti(L, -1, line) != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_pushfstring(L, "%s (%s:%d)", text, file, line);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, line);
    }
    lua_remove(L, -2);
}

/* Python's fill_and_set_sslerror: builds the message and the fields. */
static int raise_ssl_parts(lua_State *L, const ssl_error_parts *p)
{
    const char *lib = NULL, *reason = NULL, *text = p->text;
    char unknown[48];
    int err;
    if (p->queued) {
        lib = lib_name(ERR_GET_LIB(p->queued));
        reason = reason_name(ERR_GET_LIB(p->queued), ERR_GET_REASON(p->queued));
        if (!text)
            text = ERR_reason_error_string(p->queued);
    }
    if (!text) {
        snprintf(unknown, sizeof unknown, "unknown error (0x%lx)", p->queued);
        text = unknown;
    }
    lua_pushinteger(L, p->code);
    if (p->fixed_text && !p->queued)
        push_fixed_message(L, text, p->file, p->line);
    else if (p->verify && lib && reason)
        lua_pushfstring(L, "[%s: %s] %s: %s (%s:%d)", lib, reason, text, p->verify, p->file, p->line);
    else if (lib && reason)
        lua_pushfstring(L, "[%s: %s] %s (%s:%d)", lib, reason, text, p->file, p->line);
    else if (lib)
        lua_pushfstring(L, "[%s] %s (%s:%d)", lib, text, p->file, p->line);
    else
        lua_pushfstring(L, "%s (%s:%d)", text, p->file, p->line);
    if (p->flow_control)
        pyssl_push_flow_error(L, p->cls, 2);
    else
        pyssl_push_error(L, p->cls, 2);
    err = lua_gettop(L);
    if (lib) {
        lua_pushstring(L, lib);
        lua_setfield(L, err, "library");
    }
    if (reason) {
        lua_pushstring(L, reason);
        lua_setfield(L, err, "reason");
    }
    if (p->verify) {
        lua_pushinteger(L, p->verify_code);
        lua_setfield(L, err, "verify_code");
        lua_pushstring(L, p->verify);
        lua_setfield(L, err, "verify_message");
    }
    if (p->queued)
        ERR_clear_error();
    return lua_error(L);
}

int pyssl_raise_queue(lua_State *L, const char *cls, const char *fallback,
                      const char *file, int line)
{
    ssl_error_parts p = {0};
    p.cls = cls ? cls : "SSLError";
    p.queued = ERR_peek_last_error();
    p.code = p.queued ? ERR_GET_REASON(p.queued) : 0;
    p.text = p.queued ? NULL : fallback;
    p.file = file;
    p.line = line;
    return raise_ssl_parts(L, &p);
}

int pyssl_raise_located(lua_State *L, const char *text, const char *file, int line)
{
    ssl_error_parts p = {0};
    p.cls = "SSLError";
    p.text = text;
    p.file = file;
    p.line = line;
    ERR_clear_error();   /* nothing queued may outlive this error */
    return raise_ssl_parts(L, &p);
}

static int is_ssl_reason(unsigned long e, int reason)
{
    return e && ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == reason;
}

/* The verify message Python shows for a failed certificate check. */
static const char *verify_message(lua_State *L, long code, const char *hostname)
{
    if (code == X509_V_ERR_HOSTNAME_MISMATCH && hostname)
        return lua_pushfstring(L, "Hostname mismatch, certificate is not valid for '%s'.", hostname);
    if (code == X509_V_ERR_IP_ADDRESS_MISMATCH && hostname)
        return lua_pushfstring(L, "IP address mismatch, certificate is not valid for '%s'.", hostname);
    return X509_verify_cert_error_string(code);
}

int pyssl_raise_io(lua_State *L, SSL *ssl, const pyssl_io_result *res, int has_socket,
                   const char *hostname, const char *file, int line)
{
    ssl_error_parts p = {0};
    p.cls = "SSLError";
    p.queued = ERR_peek_last_error();
    p.file = file;
    p.line = line;
    p.fixed_text = 1;   /* every text below is a literal */
    switch (res->ssl_error) {
    case SSL_ERROR_ZERO_RETURN:
        p.code = SSL_ERROR_ZERO_RETURN;
        p.cls = "SSLZeroReturnError";
        p.text = "TLS/SSL connection has been closed (EOF)";
        break;
    case SSL_ERROR_WANT_READ:
        p.code = SSL_ERROR_WANT_READ;
        p.cls = "SSLWantReadError";
        p.text = "The operation did not complete (read)";
        p.flow_control = 1;
        break;
    case SSL_ERROR_WANT_WRITE:
        p.code = SSL_ERROR_WANT_WRITE;
        p.cls = "SSLWantWriteError";
        p.text = "The operation did not complete (write)";
        p.flow_control = 1;
        break;
    case SSL_ERROR_WANT_X509_LOOKUP:
        p.code = SSL_ERROR_WANT_X509_LOOKUP;
        p.text = "The operation did not complete (X509 lookup)";
        break;
    case SSL_ERROR_WANT_CONNECT:
        p.code = SSL_ERROR_WANT_CONNECT;
        p.text = "The operation did not complete (connect)";
        break;
    case SSL_ERROR_SYSCALL:
        p.code = SSL_ERROR_SYSCALL;
        /* Python 3.12+ (as 3.13 answers): the socket's errno if it has one
         * (a write to a closed peer is BrokenPipeError, SSL_write_ex having
         * returned 0), else an EOF, memory BIOs included (3.11 made those
         * SSLSyscallError "Some I/O error occurred"). */
        if (p.queued == 0) {
            if (has_socket && res->sys_errno) {
                ERR_clear_error();
                return pyssl_raise_errno(L, res->sys_errno, NULL);
            }
            p.code = PY_SSL_ERROR_EOF;
            p.cls = "SSLEOFError";
            p.text = "EOF occurred in violation of protocol";
        }
        break;
    case SSL_ERROR_SSL:
        p.code = SSL_ERROR_SSL;
        if (p.queued == 0)
            p.text = "A failure in the SSL library occurred";
        if (is_ssl_reason(p.queued, SSL_R_CERTIFICATE_VERIFY_FAILED)) {
            p.cls = "SSLCertVerificationError";
            p.verify_code = SSL_get_verify_result(ssl);
            p.verify = verify_message(L, p.verify_code, hostname);
        }
        break;
    default:
        p.code = 10; /* PY_SSL_ERROR_INVALID_ERROR_CODE */
        p.text = "Invalid error code";
    }
    if (is_ssl_reason(p.queued, SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
        p.code = PY_SSL_ERROR_EOF;
        p.cls = "SSLEOFError";
        p.text = "EOF occurred in violation of protocol";
    }
    return raise_ssl_parts(L, &p);
}

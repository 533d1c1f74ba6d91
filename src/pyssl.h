/* pyssl: declarations shared by the C files of the core (pyssl.core).
 *
 * One file per concept; this header is the only place where one file learns
 * about another. Conventions (see docs/DESIGN.md):
 *  - every class is declared with pyssl_class_register() (classreg.c);
 *  - every error is raised through errors.c;
 *  - argument checking that must produce Python's TypeError/ValueError goes
 *    through args.c.
 */
#ifndef PYSSL_H
#define PYSSL_H

#include <stddef.h>
#include <lua.h>
#include <lauxlib.h>
#include <openssl/ssl.h>
/* OpenSSL 3's API throughout (providers, EVP_PKEY getters, SSL_get0_*). */
#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "pyssl needs OpenSSL 3.0 or newer"
#endif
#include <openssl/err.h>
#include <openssl/x509.h>
#include "compat.h"

/* Everything declared below is internal to core.so: hidden from the
 * dynamic symbol table whatever the build flags (the Makefile's
 * -fvisibility=hidden, or luarocks' own). What core.so exports is
 * pyssl_api.h. System headers stay above this line. */
#pragma GCC visibility push(hidden)

/* Source location appended to OpenSSL error messages, like CPython's
 * "(_ssl.c:1234)". Only the basename is kept. */
#define PYSSL_LOC pyssl_basename(__FILE__), __LINE__
const char *pyssl_basename(const char *path);

/* An internal invariant (an object's kind, a state only set during an
 * OpenSSL call, ...), checked in the debug build (-DPYSSL_DEBUG, `make
 * check-debug`): a failure prints the condition and its place and aborts.
 * Otherwise compiled to nothing (the condition is not evaluated). */
#ifdef PYSSL_DEBUG
#define PYSSL_ASSERT(cond) ((cond) ? (void)0 : pyssl_assert_failed(#cond, __FILE__, __LINE__))
void pyssl_assert_failed(const char *cond, const char *file, int line);
#else
#define PYSSL_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

/* ------------------------------------------------------------------ core.c */

/* Largest plaintext of one TLS record: one SSL_read never returns more. */
#define PYSSL_RECORD_MAX 16384

/* Per-lua_State data. It is upvalue 1 of every C function the core
 * registers, so hot paths reach it without a table lookup. */
typedef struct pyssl_state {
    unsigned char scratch[PYSSL_RECORD_MAX];
} pyssl_state;

#define pyssl_state_of(L) ((pyssl_state *)lua_touserdata((L), lua_upvalueindex(1)))
/* The registry key of the state userdata (for functions registered
 * before it is an upvalue, and for pushing it as one). */
#define PYSSL_STATE_KEY "pyssl.state"

/* Index of the SSL ex_data slot that points back to the pyssl_conn. */
extern int pyssl_conn_exdata_index;
/* Index of the SSL_CTX ex_data slot that points back to the pyssl_context. */
extern int pyssl_context_exdata_index;

/* Module openers, called in this order by luaopen_pyssl_core with the
 * module table on top of the stack. Each registers its classes and adds its
 * functions and constants to the module table, leaving the stack as found. */
void pyssl_open_args(lua_State *L);
void pyssl_open_bind(lua_State *L);
void pyssl_open_errors(lua_State *L);
void pyssl_open_constants(lua_State *L);
void pyssl_open_hold(lua_State *L);
void pyssl_open_x509(lua_State *L);
void pyssl_open_misc(lua_State *L);
void pyssl_open_bio(lua_State *L);
void pyssl_open_session(lua_State *L);
void pyssl_open_context(lua_State *L);
void pyssl_open_truststore(lua_State *L);   /* SSLContext: CA store methods */
void pyssl_open_ciphers(lua_State *L);      /* SSLContext: ciphers, groups, DH */
void pyssl_open_callbacks(lua_State *L);    /* SSLContext: SNI, PSK, ALPN, keylog */
void pyssl_open_sslobject(lua_State *L);
void pyssl_open_socket(lua_State *L);
void pyssl_open_sslsocket(lua_State *L);    /* after socket: SSLSocket derives from it */
void pyssl_open_capi(lua_State *L);         /* core._capi: pyssl_api.h's table */
void pyssl_open_hashlib(lua_State *L);      /* core._hashlib, hmac.c's part included */
void pyssl_open_epoll(lua_State *L);        /* core._select: epoll, _poll (epoll.c) */

/* ------------------------------------------------------------- constants.c */

/* Python's numbers that C compares with; constants.c publishes them (ssl's
 * constants), each defined once here. */
/* _SSLMethod: Python's PROTOCOL_* (CPython's own numbering). */
enum {
    PYSSL_PROTOCOL_TLS = 2,
    PYSSL_PROTOCOL_TLSv1 = 3,
    PYSSL_PROTOCOL_TLSv1_1 = 4,
    PYSSL_PROTOCOL_TLSv1_2 = 5,
    PYSSL_PROTOCOL_TLS_CLIENT = 0x10,
    PYSSL_PROTOCOL_TLS_SERVER = 0x11
};
/* Python's SSL_ERROR_EOF (args[0] of "EOF occurred in violation of protocol"). */
#define PY_SSL_ERROR_EOF 8

/* ------------------------------------- class.c, classreg.c, subclass.c */

/* A class of userdata objects. The class table Lua sees (pyssl.core.<name>)
 * holds the methods; Lua code may add methods, getters and setters to it
 * later (the facade does, for what CPython writes in Python). */
typedef struct pyssl_class {
    const char *name;          /* "SSLContext": metatable "pyssl.SSLContext" */
    const char *qualname;      /* name in C-level messages: "_ssl._SSLContext" */
    const char *module;        /* Python module in the class repr; NULL: "ssl" */
    const char *base;          /* name of the base class, or NULL */
    const luaL_Reg *methods;
    const luaL_Reg *getters;   /* obj.x: function(obj) -> value */
    const luaL_Reg *setters;   /* obj.x = v: function(obj, v) */
    lua_CFunction construct;   /* Class(...) calls construct(cls, ...); NULL: not constructible */
    const char *no_construct;  /* TypeError text when construct is NULL */
    lua_CFunction close;       /* __gc and __close; must be idempotent */
    lua_CFunction tostring;    /* NULL: "<pyssl.Name object at 0x...>" */
    lua_CFunction eq;          /* __eq, or NULL */
    int nuv;                   /* user values per object (slot 1: attributes) */
    int has_dict;              /* instances take new attributes (Python __dict__) */
    const char *const *slots;  /* or, with has_dict, only these (Python __slots__); NULL-ended */
    const char *const *readonly;   /* read-only Python properties (getters from C or Lua); NULL-ended */
    const struct pyssl_class_attribute *class_attributes;   /* {NULL}-ended */
    /* The self check of the class attributes' getters and setters (e.g. "is
     * the context open?"); NULL: pyssl_check_object. */
    void *(*check_self)(lua_State *L, int idx);
} pyssl_class;

/* A class attribute instances may shadow (Python: `C.x = Default` in the
 * class body, `obj.x = v` per object): obj.x is the object's own value,
 * else the registered class `default_class`. */
typedef struct pyssl_class_attribute {
    const char *name;
    const char *default_class;   /* static string */
} pyssl_class_attribute;

/* User value slot 1 of every object holds its attribute table (created on
 * first use); class-specific slots start at 2. */
#define PYSSL_UV_DICT 1

/* Registers cls; pushes nothing. Its base must be registered first. */
void pyssl_class_register(lua_State *L, const pyssl_class *cls);
/* Adds core._subclass and core._is_plain to the module table on top. */
void pyssl_open_class(lua_State *L);
/* Pushes the class table of a registered class (pyssl.core.<name>). */
void pyssl_push_class(lua_State *L, const char *name);
/* In the functions below, `name` must be a string with static storage (the
 * file's class-name literal): its address is a lookup key.
 * Creates a zeroed object of class `name` with the class's user values and
 * metatable, leaves it on the stack and returns its memory. */
void *pyssl_new_object(lua_State *L, const char *name, size_t size);
/* Tells the collector that an object now holds `bytes` more outside Lua's
 * heap (OpenSSL's memory, a kernel socket; an estimate), so that
 * unreferenced objects are collected in time. */
void pyssl_add_gc_debt(lua_State *L, size_t bytes);
/* The object at idx if it is an instance of `name` or of a subclass, else NULL. */
void *pyssl_test_object(lua_State *L, int idx, const char *name);
/* Same, or raises TypeError "descriptor 'm' requires a 'X' object but received 'Y'"-style
 * text Python gives for a wrong self, worded as Python's argument errors. */
void *pyssl_check_object(lua_State *L, int idx, const char *name);
/* Python's isinstance(obj, cls) for pyssl objects, errors and table classes. */
int pyssl_isinstance(lua_State *L, int obj, int cls);
/* The same, or -1 when the value at cls is not a pyssl class. */
int pyssl_instance_of(lua_State *L, int obj, int cls);
/* Pushes the class name of a pyssl object at idx, or NULL if it is not one. */
const char *pyssl_object_classname(lua_State *L, int idx);
/* Pushes the attribute table of the object at idx, creating it if needed. */
void pyssl_push_dict(lua_State *L, int idx);
/* Pushes the class attribute `key` of the pyssl object at obj (see
 * pyssl_class_attribute) without making its attribute table. */
void pyssl_push_class_attribute(lua_State *L, int obj, const char *key, const char *default_class);
/* The one "plain instance" test: whether the object at idx has the own
 * metatable of class `name` (a static string) -- not a Lua subclass
 * instance, nor one given an attribute that hides a method, nor a busy
 * one (pyssl_make_fast) -- so that its methods are exactly its class's. */
int pyssl_is_plain(lua_State *L, int idx, const char *name);
/* Makes the object at obj, of a pyssl class, an instance of the Lua
 * subclass at cls (any value whose fields come first; nothing for nil or
 * the object's own class). core._subclass(obj, cls) from Lua. */
void pyssl_set_subclass(lua_State *L, int obj, int cls);
/* Gives the object at idx (of class `name`, with the class's own
 * metatable; else nothing happens) a metatable of its own whose __index
 * table caches the methods it looks up: for objects in a hot loop (method
 * lookups through a function cost ~200 instructions each). A method the
 * object has looked up is not looked up again: a method replaced in the
 * class table afterwards is not seen by it. */
void pyssl_make_fast(lua_State *L, int idx, const char *name);
/* The read/write calls after which a MemoryBIO or SSLObject is made fast
 * (an idle or short-lived connection keeps the shared metatable). */
#define PYSSL_HOT_CALLS 64
#define PYSSL_COUNT_CALL(L, obj, name) \
    ((obj)->calls < PYSSL_HOT_CALLS && ++(obj)->calls == PYSSL_HOT_CALLS \
     ? pyssl_make_fast((L), 1, (name)) : (void)0)

/* Table classes: instances are plain tables whose metatable is the class
 * table (errors, named tuples). Creates the class from the table at the
 * top of the stack: fields __name, __bases (sequence of class tables),
 * __call (constructor, called as f(cls, ...)). Leaves the class on the stack. */
void pyssl_table_class(lua_State *L);
/* Adds methods, getters and setters (any may be NULL) to the registered
 * class `name`, as pyssl_class_register does: for classes whose methods
 * live in several files. */
void pyssl_class_extend(lua_State *L, const char *name, const luaL_Reg *methods,
                        const luaL_Reg *getters, const luaL_Reg *setters);

/* What the class files (class.c: instances; classreg.c: registration;
 * subclass.c: Lua subclasses and isinstance) share. Array slots of an
 * instance metatable (see pyssl_class_register). */
#define MT_NAME_SLOT 1
#define MT_NUV_SLOT 2
#define MT_SHADOWING_SLOT 3      /* true in the metatables made by use_shadowing_index */
#define MT_FAST_SLOT 4           /* true in the own metatable of a busy object (pyssl_make_fast) */
#define MT_OWN_SLOT 5            /* the name pointer, only in the class's own metatable (pyssl_is_plain) */
#define MT_SUBCLASS_SLOT 6       /* the Lua subclass, in the metatables of its instances */
#define MT_SLOTS 6
/* Whether the value at idx is a registered pyssl class. */
int pyssl_is_class(lua_State *L, int idx);
/* Whether the class at idx is `target` or derives from it. */
int pyssl_class_derives(lua_State *L, int idx, int target, int depth);
/* Pushes a copy of the instance metatable at mt, not "plain". */
void pyssl_push_metatable_copy(lua_State *L, int mt);
/* obj[key] through `index` (a table or function); the stack is (obj, key). */
int pyssl_index_through(lua_State *L, int index);
/* Pushes a new table with weak keys. */
void pyssl_push_weak_table(lua_State *L);
/* Pushes "pyssl.<name>", the registry key of class name's instance metatable. */
void pyssl_push_metatable_name(lua_State *L, const char *name);
/* __index, __newindex and the default __tostring of instance metatables
 * (their upvalues: see pyssl_class_register). */
int pyssl_object_index(lua_State *L);
int pyssl_object_newindex(lua_State *L);
int pyssl_object_tostring(lua_State *L);

/* ------------------------------------------------------------------ args.c */

/* Python's type name of the Lua value at idx, for messages (rule 2 of the
 * spec: nil -> NoneType, integer -> int, sequence table -> list, ...). */
const char *pyssl_typename(lua_State *L, int idx);
/* Python repr() of a string, appended to a buffer: 'abc' or "it's". */
void pyssl_add_repr(luaL_Buffer *b, const char *s, size_t len);
/* Pushes repr() of the value at idx (strings quoted, None, True, ...). */
const char *pyssl_push_repr(lua_State *L, int idx);
/* Python's callable(): a function, or a value whose metatable has __call
 * (a callable table, a class). Every argument taken as a callback is
 * checked with this (core._callable from Lua). */
int pyssl_is_callable(lua_State *L, int idx);

/* An integer argument as Python's index protocol takes it: integers and
 * integral floats; else TypeError "'<type>' object cannot be interpreted as
 * an integer". */
lua_Integer pyssl_check_index(lua_State *L, int idx);
/* A bytes-like argument (Lua string or pyssl bytearray); else TypeError "a bytes-like object is
 * required, not '<type>'". */
const char *pyssl_check_bytes(lua_State *L, int idx, size_t *len);
/* A filesystem path as Python's PyUnicode_FSConverter takes it: a string
 * without NUL bytes; else TypeError "expected str, bytes or os.PathLike
 * object, not '<type>'" or ValueError "embedded null byte". */
const char *pyssl_check_path(lua_State *L, int idx);
/* A string argument without NUL bytes: else TypeError type_error (a
 * format given the type name) or nul_cls nul_error. */
const char *pyssl_check_cstring(lua_State *L, int idx, const char *type_error,
                                const char *nul_cls, const char *nul_error);
/* Whether the value at idx is a path argument (a string) for the
 * truststore and certificate loaders' type checks. */
static inline int pyssl_is_path(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TSTRING;
}
/* Python's argument-count check of a C method taking exactly `expected`
 * (0 or 1) arguments after self (stack index 1): TypeError
 * "<qualname>() takes no arguments (N given)" / "takes exactly one argument". */
void pyssl_check_nargs(lua_State *L, const char *qualname, int expected);
/* The same for a module function (no self): arguments from index 1. */
void pyssl_check_function_nargs(lua_State *L, const char *qualname, int expected);
/* A module function parsing one argument with a format string (CPython's
 * METH_VARARGS): TypeError "<fname>() takes exactly 1 argument (N given)". */
void pyssl_check_one_arg(lua_State *L, const char *fname);

/* ---------------------------------------------------------------- bind.c */
/* The argument binder (HACKING "Arguments"). Each function declares its
 * signature once, next to it:
 *   static const char *const names[] = {"len", "buffer", NULL};
 *   static const pyssl_sig sig = {"SSLObject.read", PYSSL_PARAMS(names), 2, 0, PYSSL_WORDING_KEYWORDS, 0};
 * and calls pyssl_bind(L, &sig, first): the arguments from stack index
 * `first` on (positional values, then optionally the keyword table: the
 * rule is in docs/DESIGN.md) become exactly one value per parameter (nil
 * when absent) from `first` on, or Python's TypeError. A function taking
 * no keyword arguments has params NULL and nparams = npos. */
enum {
    PYSSL_WORDING_PYTHON,   /* a function written in Python: "f() takes from 1 to 2 positional
                             * arguments but 3 were given", "f() missing 1 required ..." */
    PYSSL_WORDING_KEYWORDS, /* a C function with keywords: "f() takes at most 2 positional
                             * arguments (3 given)", "got multiple values for argument" */
    PYSSL_WORDING_CLINIC,   /* Argument Clinic: "f() takes at most 2 arguments (3 given)",
                             * "takes no arguments", "takes exactly one argument",
                             * "argument for f() given by name ('a') and position (1)";
                             * positional-only with optional ones (params NULL):
                             * "read expected at most 1 argument, got 2" */
    PYSSL_WORDING_TUPLE     /* PyArg_ParseTuple: "recv() takes at least 1 argument (0 given)"
                             * (the name without its class) */
};
typedef struct pyssl_sig {
    const char *name;           /* as Python's messages name it: "SSLObject.read" */
    const char *const *params;  /* parameter names, NULL-terminated; NULL: no keywords */
    int nparams;                /* entries of params (without params: npos) */
    int npos;                   /* how many may be given by position (the rest keyword-only) */
    int required;               /* the first `required` must be given */
    unsigned char wording;      /* PYSSL_WORDING_* */
    unsigned char self;         /* 1: Python's messages count self (methods, PYTHON wording) */
} pyssl_sig;
#define PYSSL_PARAMS(names) (names), (int)(sizeof(names) / sizeof((names)[0]) - 1)

void pyssl_bind_call(lua_State *L, const pyssl_sig *sig, int first);
/* TypeError "descriptor 'm' for 'C' objects doesn't apply to a 'T' object"
 * (a method of class `cls` called on the value at idx); from Lua:
 * core._wrong_self(method, cls, value). */
int pyssl_raise_wrong_self(lua_State *L, const char *method, const char *cls, int idx);
/* The common positional call binds here without a call or an allocation. */
static inline void pyssl_bind(lua_State *L, const pyssl_sig *sig, int first)
{
    int top = lua_gettop(L), given = top - first + 1, last;
    if (given <= sig->npos && given >= sig->required &&
        (given <= 0 || ((last = lua_type(L, top)) != LUA_TTABLE && last != LUA_TNIL)))
        lua_settop(L, first + sig->nparams - 1);
    else
        pyssl_bind_call(L, sig, first);
}

/* ---------------------------------------------------------------- errors.c */

/* Pushes a new error object of class `cls` built, as Python's constructor
 * would, from the `nargs` values on top of the stack (which it pops).
 * `cls` must have static storage (a literal): its address is a cache key. */
void pyssl_push_error(lua_State *L, const char *cls, int nargs);
/* The same for a class name of any storage (e.g. from Lua). */
void pyssl_push_error_named(lua_State *L, const char *cls, int nargs);
/* The same for flow control (SSLWantReadError, SSLWantWriteError,
 * BlockingIOError): no place or traceback recorded (see errors.c). */
void pyssl_push_flow_error(lua_State *L, const char *cls, int nargs);
/* In traceback.c: sets err.__where__ ("file:line" of the user's call)
 * and err.__traceback__ of the error at index err. */
void pyssl_note_origin(lua_State *L, int err);
/* core._own_files(): the calling file's directory holds the facade. */
int pyssl_own_files(lua_State *L);
/* Pushes Python's str(v) of the value at idx (an error's message, without
 * the class and place tostring(e) adds). */
void pyssl_push_str(lua_State *L, int idx);
/* Raises cls(message) with a printf-style message. Never returns. */
int pyssl_raise(lua_State *L, const char *cls, const char *fmt, ...);
/* Raises the OSError subclass Python picks for errno `err`:
 * [Errno N] strerror, with filename when not NULL. */
int pyssl_raise_errno(lua_State *L, int err, const char *filename);
/* In sslerror.c: pyssl_raise_queue, pyssl_raise_located, pyssl_clear_errors,
 * pyssl_raise_io. */
/* Raises an SSLError (or `cls`) from the OpenSSL error queue, shape (b) of
 * the spec: errno = the reason code, "[LIB: REASON] text (file:line)". When
 * the queue is empty, `fallback` is the text. Clears the queue. */
int pyssl_raise_queue(lua_State *L, const char *cls, const char *fallback,
                      const char *file, int line);
/* Raises an SSLError with errno 0 and message "text (file:line)" (Python's
 * messages composed with a location, e.g. "Cannot create a server socket
 * with a PROTOCOL_TLS_CLIENT context"). */
int pyssl_raise_located(lua_State *L, const char *text, const char *file, int line);
/* ERR_clear_error(), cheap when the queue is already empty (hot paths). */
void pyssl_clear_errors(void);
/* Raises a bare-message SSLError: args = {text}, tostring = "('text',)". */
int pyssl_raise_bare(lua_State *L, const char *cls, const char *text);

/* What an I/O call on an SSL object left behind, captured right after the
 * call (errno and the SSL_get_error code change with later calls). */
typedef struct pyssl_io_result {
    int ret;            /* return value of the SSL_* call */
    int ssl_error;      /* SSL_get_error(ssl, ret) */
    int sys_errno;      /* errno right after the call */
} pyssl_io_result;

/* Raises the error Python raises for a failed SSL_do_handshake, SSL_read,
 * SSL_write or SSL_shutdown (shape (a) of the spec). `hostname` is the
 * server_hostname that was checked (for the mismatch messages) or NULL;
 * `has_socket` is 1 for an SSLSocket's connection, 0 for memory BIOs. */
int pyssl_raise_io(lua_State *L, SSL *ssl, const pyssl_io_result *res, int has_socket,
                   const char *hostname, const char *file, int line);

/* ------------------------------------------------------------------- bio.c */

/* The fields are ordered so that the struct has no padding (32 bytes). */
typedef struct pyssl_bio {
    BIO *bio;           /* a memory BIO; NULL once closed */
    size_t counted;     /* buffered bytes already counted as collector debt */
    size_t unchecked;   /* bytes written since the buffer size was last looked at */
    unsigned calls;     /* read/write calls, up to PYSSL_HOT_CALLS (pyssl_make_fast) */
    int eof_written;    /* write_eof() was called */
} pyssl_bio;

/* --------------------------------------------------------------- context.c */

typedef struct pyssl_context {
    SSL_CTX *ctx;             /* NULL once closed */
    int protocol;             /* PROTOCOL_* the context was made with */
    int check_hostname;
    int post_handshake_auth;
    unsigned int hostflags;   /* X509_CHECK_FLAG_* for hostname checks */
    BIO *keylog_bio;          /* open keylog file, or NULL */
    unsigned char *alpn;      /* ALPN protocols, wire format (OPENSSL_malloc), or NULL */
    unsigned int alpn_len;
} pyssl_context;

/* User value slots of an SSLContext. */
enum {
    PYSSL_CTX_UV_SNI = 2,       /* sni_callback */
    PYSSL_CTX_UV_PSK_CLIENT,    /* PSK client callback */
    PYSSL_CTX_UV_PSK_SERVER,    /* PSK server callback */
    PYSSL_CTX_UV_KEYLOG,        /* keylog_filename string */
    PYSSL_CTX_UV_MSG,           /* _msg_callback */
    PYSSL_CTX_NUV = PYSSL_CTX_UV_MSG
};

/* The SSLContext at idx (subclasses too); raises TypeError otherwise and
 * ValueError if it was closed. */
pyssl_context *pyssl_check_context(lua_State *L, int idx);
/* Pushes a new SSLContext sharing the SSL_CTX made elsewhere (one more
 * reference) with its settings; raises ValueError for a method other than
 * TLS_method/TLS_client_method/TLS_server_method or an SSL_CTX that backs
 * an open SSLContext already (pyssl_api.h). */
void pyssl_push_wrapped_context(lua_State *L, SSL_CTX *ctx);
/* Sets verify_mode (a Python VerifyMode value) with Python's checks. */
void pyssl_context_set_verify(lua_State *L, pyssl_context *self, lua_Integer mode);

/* ------------------------------------------------------------------ conn.c */

/* The connection engine (conn.c, conn.h): the classes SSLObject
 * (sslobject.c) and SSLSocket (sslsocket.c) use it.
 *
 * One TLS connection: SSLObject over memory BIOs, or the TLS state of an
 * SSLSocket over a file descriptor. */
typedef struct pyssl_conn {
    SSL *ssl;                 /* NULL once closed */
    /* The Lua call currently inside OpenSSL: callbacks find their state
     * here; both are cleared when OpenSSL returns (docs/DESIGN.md). */
    lua_State *L;
    int self_index;           /* stack index of this object in L */
    unsigned calls;           /* SSLObject read/write calls, up to PYSSL_HOT_CALLS */
    int socket_fd;            /* descriptor for SSLSocket, -1 for BIO mode */
    /* Flags in bytes: 32 bytes in all, one allocation size class less
     * per connection than with ints. */
    unsigned char server_side;
    unsigned char callback_failed;   /* a callback stored an error to re-raise */
} pyssl_conn;

/* User value slots of an SSLObject. */
enum {
    PYSSL_CONN_UV_CONTEXT = 2,  /* the SSLContext (kept alive) */
    PYSSL_CONN_UV_OWNER,        /* SSLSocket that owns the state, or nil */
    PYSSL_CONN_UV_HOSTNAME,     /* server_hostname string, or nil */
    PYSSL_CONN_UV_ERROR,        /* error stored by a callback */
    /* No slots for the MemoryBIOs: OpenSSL holds its own references to
     * their BIOs, and Python's SSLObject keeps no reference to them
     * either (16 bytes less per slot and connection). */
    PYSSL_CONN_NUV = PYSSL_CONN_UV_ERROR
};

/* The connection whose SSL is `ssl` (from ex_data). */
pyssl_conn *pyssl_conn_of(const SSL *ssl);

/* Creates a connection on the SSLContext at ctx_index and pushes it (an
 * SSLObject). Transport: the MemoryBIOs at stack indexes incoming/outgoing
 * (the caller has checked that they are), or, when incoming is 0, the descriptor fd (socket_fd: the caller then
 * attaches the BIO: pyssl_fdbio_attach). hostname_index: a stack index
 * holding the A-label server_hostname (or nil), 0 for none. owner_index:
 * what callbacks get as the connection (0: the object itself).
 * session_index: an SSLSession to resume (0 or nil: none). Raises
 * Python's errors (wrong side, bad hostname, session checks); nothing
 * leaks on error. */
pyssl_conn *pyssl_conn_new(lua_State *L, int ctx_index, int server_side, int hostname_index,
                           int incoming, int outgoing, int fd, int owner_index,
                           int session_index);

/* The hostname checks of creation (str.encode("idna") on an all-ASCII
 * name, Python 3.13): whether the name is all ASCII; the IDNA codec's
 * label checks on such a name at name_index (UnicodeEncodeError); and
 * core._ascii_hostname(name) -> true for an all-ASCII name the codec
 * leaves as it is, false when it needs the full codec (Lua). */
int pyssl_hostname_is_ascii(const char *name, size_t len);
void pyssl_check_ascii_labels(lua_State *L, int name_index, const char *name, size_t len);
int pyssl_ascii_hostname(lua_State *L);
/* The I/O steps (pyssl_conn_handshake_step, _read_step, _write_step,
 * _shutdown_step) and pyssl_conn_check_callback are static inline in
 * conn.h, which the files running them include. */
/* __gc / __close of a connection (an SSLObject): frees the SSL and
 * OpenSSL's references to its BIOs; idempotent. */
int pyssl_conn_close(lua_State *L);
/* Python's session setter on the connection at self: the SSLSession at
 * value, with PySSL_set_session's checks. */
void pyssl_conn_set_session(lua_State *L, pyssl_conn *c, int self, int value);
/* Raises the error of a failed step: the stored callback error if any,
 * else pyssl_raise_io (has_socket = socket_fd >= 0). */
int pyssl_conn_raise(lua_State *L, pyssl_conn *c, int self, const pyssl_io_result *res,
                     const char *file, int line);

/* ----------------------------------------------------------------- fdbio.c */

/* Puts a new descriptor BIO for fd under the connection c (pyssl_conn_new
 * made it without one): recv/send on fd, MSG_NOSIGNAL, MSG_DONTWAIT after
 * BIO_set_nbio(bio, 1). The socket owns fd: the BIO never closes it.
 * Raises SSLError when OpenSSL cannot make it. */
void pyssl_fdbio_attach(lua_State *L, pyssl_conn *c, int fd);

/* ------------------------------------------------------------- sslsocket.c */

/* The TLS state of the SSLSocket at idx (its SSLObject's connection), or
 * NULL when idx is no SSLSocket or has none (before connect, after unwrap). */
pyssl_conn *pyssl_sslsocket_conn(lua_State *L, int idx);

/* ---------------------------------------------------------------- socket.c */

/* A socket of pyssl.socket (Python's socket.socket). SSLSocket is a
 * subclass with the same memory layout. */
typedef struct pyssl_socket {
    int fd;                   /* -1 once closed or detached */
    int family, type, proto;
    int type_is_kernels;      /* type is what SO_TYPE answers (pyssl made the
                               * descriptor or asked), not a caller's claim */
    double timeout;           /* seconds; < 0 means blocking (Python's None) */
} pyssl_socket;

/* The socket at idx (a socket or SSLSocket), or NULL. */
pyssl_socket *pyssl_test_socket(lua_State *L, int idx);
/* Monotonic clock in seconds. */
double pyssl_monotonic(void);
/* Waits until fd is readable (writing == 0) or writable, at most until
 * `deadline` (pyssl_monotonic() time; < 0 waits forever). Returns 1 when
 * ready, 0 on timeout; EINTR is retried; other poll() errors raise OSError. */
int pyssl_socket_wait(lua_State *L, int fd, int writing, double deadline);
/* Creates an object of class `classname` ("socket", or a subclass with the
 * same memory, e.g. "SSLSocket") owning fd with this timeout, and leaves it
 * on the stack. The descriptor's mode is left alone, as Python's
 * socket(fileno=fd) leaves it: the caller sets it (SSLSocket creation does,
 * with settimeout, before any I/O). If it
 * raises, fd is still the caller's; once it returns, the object owns fd
 * (so: new = pyssl_new_socket(L, "SSLSocket", old->fd, ...); old->fd = -1;).
 * Objects of socket classes must be created this way, never with
 * pyssl_new_object (a zeroed object would own fd 0). */
pyssl_socket *pyssl_new_socket(lua_State *L, const char *classname, int fd, int family,
                               int type, int proto, double timeout);
/* Closes s's descriptor (if any) and sets fd = -1; returns 0 or an errno. */
int pyssl_socket_close_fd(pyssl_socket *s);
/* Python's settimeout(): sets s->timeout and the descriptor's O_NONBLOCK;
 * raises OSError (EBADF on a closed socket). */
void pyssl_socket_settimeout(lua_State *L, pyssl_socket *s, double timeout);
/* Python's connect()/connect_ex() on s to the address at idx, waiting as
 * the timeout says. Returns 0 or the errno (a timeout: EWOULDBLOCK); when
 * `raise` is set, raises instead (TimeoutError("timed out"), OSError
 * subclass). Bad addresses and name errors always raise, as in Python. */
int pyssl_socket_connect(lua_State *L, pyssl_socket *s, int idx, int raise);
/* Python's socket.getdefaulttimeout(), < 0 for None. */
double pyssl_default_timeout(lua_State *L);
/* __tostring of socket classes: "<socket.socket fd=3, family=2, type=1,
 * proto=6, laddr=('127.0.0.1', 5000)>". The prefix is the class fields
 * __module ("socket", inherited) and __name: a subclass sets __module = "ssl". */
int pyssl_socket_tostring(lua_State *L);

/* A socket method's signature: positional only ("socket.X() takes no
 * keyword arguments"), min to max arguments after self, Python's wording
 * for the kind of C method (TUPLE "recv() takes at most 2 arguments (3
 * given)", CLINIC "takes no arguments"/"takes exactly one argument",
 * PYTHON "socket.close() takes 1 positional argument but 2 were given").
 * Trailing nils after the required arguments count as absent. */
#define PYSSL_SOCKET_SIG(name, wording, min, max) \
    {"socket." name, NULL, (max), (max), (min), (wording), (wording) == PYSSL_WORDING_PYTHON}
/* Checks self (a socket) and binds the arguments after it; returns self. */
pyssl_socket *pyssl_socket_bind(lua_State *L, const pyssl_sig *sig);
/* After a socket call on s failed with errno `err`: returns when it should
 * be retried (EINTR, or s became ready within its timeout; *deadline < 0
 * starts the timeout at the first wait), else raises TimeoutError("timed
 * out") or the OSError of err (BlockingIOError for EAGAIN). */
void pyssl_socket_retry(lua_State *L, pyssl_socket *s, int err, int writing, double *deadline);
/* A C int argument, with Python's TypeError and OverflowError texts. */
int pyssl_check_int(lua_State *L, int idx);
/* The same for an optional argument: dflt when it is none or nil. */
static inline int pyssl_opt_int(lua_State *L, int idx, int dflt)
{
    return lua_isnoneornil(L, idx) ? dflt : pyssl_check_int(L, idx);
}
/* Adds sendmsg, recvmsg, recvmsg_into to the socket class and CMSG_LEN,
 * CMSG_SPACE to the table on top (called by socket.c). */
void pyssl_open_sockmsg(lua_State *L);

/* A timeout argument: nil -> -1 (None), else seconds >= 0 (Python's
 * TypeError/ValueError texts). */
double pyssl_check_timeout(lua_State *L, int idx);
/* Pushes a timeout as Python shows it: nil for None (< 0), else seconds. */
void pyssl_push_timeout(lua_State *L, double t);
/* Add the data transfer methods (sockio.c), the options, timeouts and
 * attributes (sockopt.c) to the socket class (called by socket.c). */
void pyssl_open_sockio(lua_State *L);
void pyssl_open_sockopt(lua_State *L);
/* Python's timeout number at idx in seconds, rounded as Python's whole
 * nanoseconds (OverflowError/ValueError texts; negative values are the
 * caller's to refuse). */
double pyssl_timeout_seconds(lua_State *L, int idx);

/* ---------------------------------------------------------------- select.c */

/* The descriptor select() would use for the value at idx: an integer, a
 * socket/SSLSocket, or any object with a fileno() or getfd() method (called).
 * Python's TypeError/ValueError texts otherwise. */
int pyssl_fileno_of(lua_State *L, int idx);
/* select(rlist, wlist, xlist[, timeout]) (core._socket.select). */
int pyssl_select(lua_State *L);

/* ------------------------------------------------------------- bytearray.c */

/* bytearray: a fixed-size mutable buffer (Python's bytearray(n), enough
 * for recv_into). One userdata: the header and the bytes. */
typedef struct pyssl_bytearray {
    size_t len;
    unsigned char data[];
} pyssl_bytearray;

/* The bytes of a pyssl.socket.bytearray at idx (writable) and its length,
 * or NULL if idx is not one. */
unsigned char *pyssl_test_bytearray(lua_State *L, int idx, size_t *len);
/* The bytes to send at idx: a string or a bytearray, else
 * pyssl_check_bytes's TypeError. Inline: SSLSocket.send's path. */
static inline const char *pyssl_check_data(lua_State *L, int idx, size_t *len)
{
    unsigned char *b;
    if (lua_type(L, idx) == LUA_TSTRING)
        return lua_tolstring(L, idx, len);
    if ((b = pyssl_test_bytearray(L, idx, len)) != NULL)
        return (const char *)b;
    return pyssl_check_bytes(L, idx, len);
}
/* Registers the class (core._socket.bytearray is set by socket.c). */
void pyssl_open_bytearray(lua_State *L);
/* The one bytes argument of a per-record write(data) method (self at 1)
 * whose signature is sig: write(s) with a string or a bytearray skips the
 * binder (a compare); any other call binds, then pyssl_check_bytes. */
const char *pyssl_bind_bytes_call(lua_State *L, const pyssl_sig *sig, size_t *len);
static inline const char *pyssl_bind_bytes(lua_State *L, const pyssl_sig *sig, size_t *len)
{
    unsigned char *b;
    if (lua_gettop(L) == 2) {
        if (lua_type(L, 2) == LUA_TSTRING)
            return lua_tolstring(L, 2, len);
        if ((b = pyssl_test_bytearray(L, 2, len)) != NULL)
            return (const char *)b;
    }
    return pyssl_bind_bytes_call(L, sig, len);
}

/* ------------------------------------------------------------- sockconst.c */

/* Adds the socket constants (AF_*, SOCK_*, SO_*, MSG_*, ...) to the table
 * on top (called by socket.c). */
void pyssl_open_sockconst(lua_State *L);

/* ----------------------------------------------------------------- netdb.c */

struct sockaddr;
struct sockaddr_storage;
/* Parses the Python-shaped address at idx for `family` into *addr (names
 * are resolved); returns its length. Python's errors, `caller` naming the
 * function in "connect(): port must be 0-65535."-style messages. */
int pyssl_get_sockaddr(lua_State *L, int family, int idx, const char *caller,
                       struct sockaddr_storage *addr);
/* Pushes Python's form of an address ({host, port} ...; nil when len <= 0). */
void pyssl_push_sockaddr(lua_State *L, const struct sockaddr *sa, int len);
/* Raises socket.gaierror(code, gai_strerror(code)), or the OSError of
 * sys_errno for EAI_SYSTEM. */
int pyssl_raise_gai(lua_State *L, int code, int sys_errno);
/* Python's setipaddr(): the address of `name` for `family` (AF_INET,
 * AF_INET6 or AF_UNSPEC) into *sa, port 0. Numeric addresses, "" (the
 * wildcard) and "<broadcast>" skip the resolver; names go through
 * getaddrinfo (gaierror on failure). */
void pyssl_set_ip_address(lua_State *L, const char *name, struct sockaddr_storage *sa,
                          int family);
/* A host name argument of the gethostby* family: a string without NUL
 * bytes, else Python's TypeError naming `fname` and the argument index. */
const char *pyssl_check_host_arg(lua_State *L, int idx, const char *fname);
/* Adds the resolver functions to the table on top (called by socket.c). */
void pyssl_open_netdb(lua_State *L);

/* ---------------------------------------------------------------- hostdb.c */

/* Adds gethostbyname_ex and gethostbyaddr to the table on top. */
void pyssl_open_hostdb(lua_State *L);

/* ----------------------------------------------------------------- netif.c */

/* Adds if_nameindex, if_nametoindex and if_indextoname to the table on top. */
void pyssl_open_netif(lua_State *L);

/* ----------------------------------------------------------------- hold.c */

/* References a C function owns for the length of one call, so that a
 * finalizer closing the object they came from cannot free them under it
 * (HACKING.md, "Memory safety"). Push the hold first, then take the
 * references into it; its __gc frees them if the call raises. */
typedef struct pyssl_hold {
    SSL_CTX *ctx;                     /* SSL_CTX_up_ref'd */
    X509 *cert;                       /* SSL_get1_peer_certificate, X509_up_ref */
    STACK_OF(X509) *certs;            /* X509_chain_up_ref, X509_STORE_get1_all_certs */
    STACK_OF(SSL_CIPHER) *ciphers;    /* a copy of a list (the ciphers are static) */
    SSL_SESSION *session;             /* SSL_get1_session */
} pyssl_hold;

/* Pushes an empty hold and returns it. */
pyssl_hold *pyssl_push_hold(lua_State *L);
/* Frees what the hold at idx holds, now (it stays on the stack, empty). */
void pyssl_release_hold(lua_State *L, int idx);
/* Raises Lua's own out-of-memory error ("not enough memory"), for an
 * OpenSSL allocation that failed. */
int pyssl_raise_nomem(lua_State *L);

/* ---------------------------------------------------------------- x509.c */

/* Pushes Python's getpeercert()-style table for cert (_decode_certificate).
 * Both allocate while they read cert: the caller owns a reference to it
 * (a hold) unless no Lua code can free it. */
void pyssl_push_cert_dict(lua_State *L, X509 *cert);
/* Pushes the DER encoding of cert as a string. */
void pyssl_push_cert_der(lua_State *L, X509 *cert);
/* Pushes a name as a sequence of RDNs of {attr, value} pairs. */
void pyssl_push_x509_name(lua_State *L, const X509_NAME *name);

/* --------------------------------------------------------------- session.c */

/* Pushes an SSLSession for sess (it takes a reference of its own: the
 * caller keeps its own); ctx_index is the stack
 * index of the SSLContext the session belongs to. */
void pyssl_push_session(lua_State *L, SSL_SESSION *sess, int ctx_index);
/* The SSL_SESSION of an SSLSession at idx, or NULL if idx is not one. */
SSL_SESSION *pyssl_test_session(lua_State *L, int idx);
/* Pushes the SSLContext the SSLSession at idx belongs to (nil if idx is
 * not a session). */
void pyssl_push_session_context(lua_State *L, int idx);

/* --------------------------------------------------------------- hashlib.c */

/* The digest Python's hashlib.new(name) means (its names, then OpenSSL's),
 * fetched ("-fips" when not usedforsecurity); NULL with the error queued. */
EVP_MD *pyssl_digest_fetch(const char *name, int usedforsecurity);
/* Python's name of a digest: "sha256", "sha3_256", "md5-sha1". */
const char *pyssl_digest_name(const EVP_MD *md);
/* Raises cls from the OpenSSL queue as _hashlib does ("[lib] reason");
 * an empty queue gives altmsg, or "no reason supplied". Clears the queue. */
int pyssl_raise_evp(lua_State *L, const char *cls, const char *altmsg);
/* Whether a float is an integral value too large for a C integer
 * (Python's OverflowError); hashlib.c's, shared with kdf.c. */
int pyssl_hash_is_huge_integral(lua_Number n);
/* kdf.c: adds pbkdf2_hmac and scrypt to the table on top. */
void pyssl_open_kdf(lua_State *L);
/* In buffers.c: pyssl_test_buffer .. pyssl_raise_memory_error. */
/* The bytes of a bytes-like value at idx (a string or a
 * pyssl.socket.bytearray), or NULL. */
const char *pyssl_test_buffer(lua_State *L, int idx, size_t *len);
/* The same, or TypeError "a bytes-like object is required, not 'int'". */
const char *pyssl_check_bytes_like(lua_State *L, int idx, size_t *len);
/* The same for data to hash: TypeError "object supporting the buffer API
 * required" (Python's message for update() and the constructors). */
const char *pyssl_check_hash_data(lua_State *L, int idx, size_t *len);
/* Pushes a userdata of `size` bytes for an output, or raises MemoryError. */
void *pyssl_push_block(lua_State *L, size_t size);
/* Raises MemoryError(). */
int pyssl_raise_memory_error(lua_State *L);

/* ------------------------------------------------------------------ hmac.c */

/* Adds hmac_new, hmac_digest, compare_digest and HMAC to the table on top. */
void pyssl_open_hmac(lua_State *L);

#pragma GCC visibility pop

#endif

/* MemoryBIO: the byte queue between an SSLObject and its transport
 * (Python's ssl.MemoryBIO).
 *
 * Backed by OpenSSL's memory BIO. read() copies the bytes once, straight
 * from the BIO's buffer into the Lua string, then skips them with
 * BIO_seek (for a memory BIO, seeking to tell()+n drops n read bytes;
 * the next write moves what is left to the front).
 */
#include <limits.h>
#include "pyssl.h"

#define CLASS "MemoryBIO"

static pyssl_bio *check_bio(lua_State *L)
{
    pyssl_bio *self = pyssl_check_object(L, 1, CLASS);
    if (!self->bio)
        pyssl_raise(L, "ValueError", "I/O operation on closed MemoryBIO");
    return self;
}

/* MemoryBIO() */
static int bio_new(lua_State *L)
{
    pyssl_bio *self;
    if (lua_gettop(L) > 1)
        return pyssl_raise(L, "TypeError", "MemoryBIO() takes no positional arguments");
    self = pyssl_new_object(L, CLASS, sizeof *self);
    self->bio = BIO_new(BIO_s_mem());
    if (!self->bio)
        return pyssl_raise_queue(L, NULL, "cannot allocate a memory BIO", PYSSL_LOC);
    /* An empty BIO means "retry later" (SSLWantReadError), not EOF,
     * until write_eof() says otherwise. */
    BIO_set_mem_eof_return(self->bio, -1);
    return 1;
}

/* The BIO's buffer keeps the size of the most it has held (OpenSSL does
 * not shrink it). Counts its growth as collector debt, in whole KiB, so
 * that an unreferenced MemoryBIO full of unread data is collected in
 * time: 300 dropped MemoryBIOs holding 1 MiB each reached 309 MiB RSS
 * before (Python frees each at once). */
static void account_growth(lua_State *L, pyssl_bio *self, size_t buffered)
{
    if (buffered >= self->counted + 1024) {
        pyssl_add_gc_debt(L, buffered - self->counted);
        self->counted = buffered;
    }
}

/* read(size=-1) -> bytes */
static int bio_read(lua_State *L)
{
    static const pyssl_sig sig = {"MemoryBIO.read", NULL, 1, 1, 0, PYSSL_WORDING_CLINIC, 0};
    pyssl_bio *self = check_bio(L);
    PYSSL_COUNT_CALL(L, self, CLASS);
    lua_Integer size = -1;
    char *data;
    long avail;
    size_t n;
    int top = lua_gettop(L), type;
    /* read() and read(n) skip the binder: a compare (and the type test
     * read(n) needs anyway). */
    if (top >= 2) {
        type = lua_type(L, 2);
        if (top > 2 || type == LUA_TTABLE) {
            pyssl_bind(L, &sig, 2);
            type = lua_type(L, 2);
        }
        if (type != LUA_TNIL)
            size = pyssl_check_index(L, 2);
    }
    avail = BIO_get_mem_data(self->bio, &data);
    if (avail <= 0 || size == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    n = (size < 0 || size > avail) ? (size_t)avail : (size_t)size;
    /* The bytes are copied before the collector can run (5.3 on; compat.h
     * for older Luas): data must not be used after this push. */
    lua_pushlstring(L, data, n);
    /* Skip what was read. Not BIO_reset when everything was read: for a
     * writable memory BIO it zeroes the whole buffer (16 KiB and more per
     * record in bulk transfers). BIO_tell's macro truncates to int. */
    if (BIO_seek(self->bio, BIO_ctrl(self->bio, BIO_C_FILE_TELL, 0, NULL) + (long)n) < 0) {
        /* Not expected for a memory BIO; consume the slow way. */
        pyssl_state *st = pyssl_state_of(L);
        while (n > 0) {
            int chunk = BIO_read(self->bio, st->scratch,
                                 n < sizeof st->scratch ? (int)n : (int)sizeof st->scratch);
            if (chunk <= 0)
                break;
            n -= (size_t)chunk;
        }
    }
    /* What the SSL object wrote into it (outgoing) counts too. Last: it
     * can run the collector, and a finalizer may close this BIO. */
    account_growth(L, self, (size_t)avail);
    return 1;
}

/* write(data) -> number of bytes written */
static int bio_write(lua_State *L)
{
    static const pyssl_sig sig = {"MemoryBIO.write", NULL, 1, 1, 1, PYSSL_WORDING_CLINIC, 0};
    pyssl_bio *self = check_bio(L);
    PYSSL_COUNT_CALL(L, self, CLASS);
    size_t len;
    const char *data = pyssl_bind_bytes(L, &sig, &len);
    if (len > INT_MAX)
        return pyssl_raise(L, "OverflowError", "string longer than 2147483647 bytes");
    if (self->eof_written)
        return pyssl_raise_bare(L, "SSLError", "cannot write() after write_eof()");
    if (len > 0 && BIO_write(self->bio, data, (int)len) != (int)len)
        return pyssl_raise_queue(L, NULL, "failed to write to the memory BIO", PYSSL_LOC);
    /* Growth is counted in whole KiB: the buffer cannot have grown by one
     * before a KiB was written (saves a BIO_ctrl per small write). */
    self->unchecked += len;
    if (self->unchecked >= 1024) {
        self->unchecked = 0;
        account_growth(L, self, BIO_ctrl_pending(self->bio));
    }
    lua_pushinteger(L, (lua_Integer)len);
    return 1;
}

/* write_eof(): no more data will come; reads then see EOF, not "retry". */
static int bio_write_eof(lua_State *L)
{
    pyssl_bio *self = check_bio(L);
    pyssl_check_nargs(L, "MemoryBIO.write_eof", 0);
    self->eof_written = 1;
    BIO_set_mem_eof_return(self->bio, 0);
    return 0;
}

static int bio_get_pending(lua_State *L)
{
    pyssl_bio *self = check_bio(L);
    lua_pushinteger(L, (lua_Integer)BIO_ctrl_pending(self->bio));
    return 1;
}

static int bio_get_eof(lua_State *L)
{
    pyssl_bio *self = check_bio(L);
    lua_pushboolean(L, self->eof_written && BIO_ctrl_pending(self->bio) == 0);
    return 1;
}

/* __gc / __close: the SSL object holds its own reference to the BIO. */
static int bio_close(lua_State *L)
{
    pyssl_bio *self = lua_touserdata(L, 1);
    if (self && self->bio) {
        BIO_free(self->bio);
        self->bio = NULL;
    }
    return 0;
}

static int bio_tostring(lua_State *L)
{
    lua_pushfstring(L, "<_ssl.MemoryBIO object at %p>", lua_topointer(L, 1));
    return 1;
}

void pyssl_open_bio(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"read", bio_read},
        {"write", bio_write},
        {"write_eof", bio_write_eof},
        {NULL, NULL}
    };
    static const luaL_Reg getters[] = {
        {"pending", bio_get_pending},
        {"eof", bio_get_eof},
        {NULL, NULL}
    };
    static const pyssl_class cls = {
        .name = CLASS,
        .qualname = "_ssl.MemoryBIO",
        .module = "_ssl",
        .methods = methods,
        .getters = getters,
        .construct = bio_new,
        .close = bio_close,
        .tostring = bio_tostring,
    };
    pyssl_class_register(L, &cls);
    pyssl_push_class(L, CLASS);
    lua_setfield(L, -2, CLASS);
}

/* Bytes in and out of the digest functions (hashlib.c, hmac.c): bytes-like
 * arguments (a string or a pyssl.socket.bytearray) and the output blocks
 * Python allocates as bytes, with its MemoryError. */
#include "pyssl.h"

const char *pyssl_test_buffer(lua_State *L, int idx, size_t *len)
{
    if (lua_type(L, idx) == LUA_TSTRING)
        return lua_tolstring(L, idx, len);
    return (const char *)pyssl_test_bytearray(L, idx, len);
}

const char *pyssl_check_hash_data(lua_State *L, int idx, size_t *len)
{
    const char *data = pyssl_test_buffer(L, idx, len);
    if (!data)
        pyssl_raise(L, "TypeError", "object supporting the buffer API required");
    return data;
}

const char *pyssl_check_bytes_like(lua_State *L, int idx, size_t *len)
{
    const char *data = pyssl_test_buffer(L, idx, len);
    if (!data)
        pyssl_raise(L, "TypeError", "a bytes-like object is required, not '%s'",
                    pyssl_typename(L, idx));
    return data;
}

/* -------------------------------------------------------- allocation */

/* Outputs of 1 TiB or more are refused at once (Python's MemoryError),
 * not asked of the allocator (a sanitizer's allocator aborts on them). */
#define BLOCK_LIMIT ((size_t)1 << 40)

int pyssl_raise_memory_error(lua_State *L)
{
    pyssl_push_error(L, "MemoryError", 0);
    return lua_error(L);
}

static int new_block(lua_State *L)
{
    lua_newuserdatauv(L, (size_t)lua_tointeger(L, 1), 0);
    return 1;
}

/* Pushes a block of `size` bytes (a userdata) for an output Python
 * allocates as bytes, or raises MemoryError when Lua cannot have it. */
void *pyssl_push_block(lua_State *L, size_t size)
{
    if (size >= BLOCK_LIMIT)
        pyssl_raise_memory_error(L);
    lua_pushcfunction(L, new_block);
    lua_pushinteger(L, (lua_Integer)size);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        lua_pop(L, 1);
        pyssl_raise_memory_error(L);
    }
    return lua_touserdata(L, -1);
}

/* Where a failure happened, for tostring(e) and the user's debugging.
 * Python's traceback names the user's line and the whole call chain; Lua's
 * standalone interpreters print only tostring(e) for an error object with
 * __tostring (lua.c appends no traceback then), so the place must be in
 * the object, captured while the stack still exists. */
#include <string.h>
#include "pyssl.h"

const char *pyssl_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Registry key (its address): the source prefix "@<dir>/" of the facade's
 * Lua files, whose frames are pyssl's, not the user's. */
static const char facade_source_key = 0;

#define TRACEBACK_FIRST 10   /* frames shown from the raise outwards, */
#define TRACEBACK_LAST 11    /* and from the outermost frame inwards */

/* The deepest valid stack level (as lauxlib does: doubling, then halving,
 * so a deep recursion costs O(log n) lua_getstack calls). */
static int last_level(lua_State *L)
{
    lua_Debug ar;
    int low = 0, high = 1;
    while (lua_getstack(L, high, &ar)) {
        low = high;
        high *= 2;
    }
    while (low + 1 < high) {
        int mid = low + (high - low) / 2;
        if (lua_getstack(L, mid, &ar))
            low = mid;
        else
            high = mid;
    }
    return low;
}

/* One line of a traceback in luaL_traceback's words, without its search of
 * package.loaded for a global name (about 10^5 instructions per frame). */
static void add_frame(luaL_Buffer *b, lua_State *L, const lua_Debug *ar)
{
    if (ar->currentline > 0)
        lua_pushfstring(L, "\n\t%s:%d: in ", ar->short_src, ar->currentline);
    else
        lua_pushfstring(L, "\n\t%s: in ", ar->short_src);
    luaL_addvalue(b);
    if (ar->namewhat && *ar->namewhat && ar->name)
        lua_pushfstring(L, "%s '%s'", strcmp(ar->namewhat, "global") == 0 ? "function" : ar->namewhat,
                        ar->name);
    else if (*ar->what == 'm')
        lua_pushliteral(L, "main chunk");
    else if (*ar->what != 'C')
        lua_pushfstring(L, "function <%s:%d>", ar->short_src, ar->linedefined);
    else
        lua_pushliteral(L, "?");
    luaL_addvalue(b);
}

/* Pushes "stack traceback:\n\t..." for the running function and its callers. */
static void push_traceback(lua_State *L)
{
    lua_Debug ar;
    luaL_Buffer b;
    int level = 0, last = last_level(L);
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "stack traceback:");
    while (lua_getstack(L, level, &ar)) {
        if (level == TRACEBACK_FIRST && last - level >= TRACEBACK_LAST + 1) {
            int skipped = last - level - TRACEBACK_LAST + 1;
            lua_pushfstring(L, "\n\t...\t(skipping %d levels)", skipped);
            luaL_addvalue(&b);
            level += skipped;
            continue;
        }
        lua_getinfo(L, "Sln", &ar);
        add_frame(&b, L, &ar);
        level++;
    }
    luaL_pushresult(&b);
}

/* Sets err.__where__, "file:line" of the innermost Lua function that is
 * not one of the facade's (the user's call into pyssl; absent when there
 * is none), and err.__traceback__, the stack at this point. */
void pyssl_note_origin(lua_State *L, int err)
{
    lua_Debug ar;
    const char *facade;
    size_t facade_len = 0;
    int level;
    err = lua_absindex(L, err);
    facade = lua_rawgetp(L, LUA_REGISTRYINDEX, &facade_source_key) == LUA_TSTRING
             ? lua_tolstring(L, -1, &facade_len) : NULL;
    for (level = 0; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0 && !(facade && strncmp(ar.source, facade, facade_len) == 0)) {
            lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
            lua_setfield(L, err, "__where__");
            break;
        }
    }
    lua_pop(L, 1);
    push_traceback(L);
    lua_setfield(L, err, "__traceback__");
}

/* core._own_files(), called by each facade module as it loads: the
 * directory of the calling Lua file holds the facade, whose frames are
 * pyssl's own, not the user's, when an error records its place. */
int pyssl_own_files(lua_State *L)
{
    lua_Debug ar;
    const char *slash;
    if (!lua_getstack(L, 1, &ar) || !lua_getinfo(L, "S", &ar) || ar.source[0] != '@')
        return 0;
    slash = strrchr(ar.source, '/');
    if (slash) {
        lua_pushlstring(L, ar.source, (size_t)(slash - ar.source) + 1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &facade_source_key);
    }
    return 0;
}

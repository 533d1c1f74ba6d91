/* A minimal stand-alone Lua 5.4 interpreter for `make check`: built with
 * the sanitizers, it runs busted with pyssl's instrumented core loaded into
 * an instrumented process, while the programs the specs start (python3,
 * openssl) stay uninstrumented.
 *
 * usage: luahost script.lua [args...]   (like `lua script.lua args...`)
 *
 * Ctrl-C (SIGINT) raises "interrupted!" in the running Lua code, as in
 * lua.c, so a server under test ends through its own clean-up path and the
 * leak check at exit still runs.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/* Lua unloads the C modules (dlclose) when the state closes, before
 * LeakSanitizer reports at exit: the frames of the core would show as
 * "<unknown module>". This definition takes the place of libc's for
 * liblua (it is exported: liblua refers to it), so they stay loaded. */
int dlclose(void *handle)
{
    (void)handle;
    return 0;
}

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL && !lua_isnoneornil(L, 1))
        msg = luaL_tolstring(L, 1, NULL);
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static lua_State *running;

static void interrupted(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

/* Only async-signal-safe work here: lua_sethook is documented as safe to
 * call from a signal handler; the hook raises at the next Lua step. */
static void on_sigint(int sig)
{
    signal(sig, SIG_DFL);   /* a second Ctrl-C kills the process */
    lua_sethook(running, interrupted, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

int main(int argc, char **argv)
{
    lua_State *L;
    int i, status;
    if (argc < 2) {
        fprintf(stderr, "usage: %s script.lua [args...]\n", argv[0]);
        return 2;
    }
    L = luaL_newstate();
    luaL_openlibs(L);
    /* The global `arg` as lua.c builds it: arg[0] is the script. */
    lua_createtable(L, argc - 2, 2);
    for (i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - 1);
    }
    lua_setglobal(L, "arg");
    lua_pushcfunction(L, traceback);
    status = luaL_loadfile(L, argv[1]);
    if (status == LUA_OK) {
        for (i = 2; i < argc; i++)
            lua_pushstring(L, argv[i]);
        running = L;
        signal(SIGINT, on_sigint);
        status = lua_pcall(L, argc - 2, 0, 1);
        signal(SIGINT, SIG_DFL);
    }
    if (status != LUA_OK)
        fprintf(stderr, "%s: %s\n", argv[0], lua_tostring(L, -1));
    lua_close(L);
    return status == LUA_OK ? 0 : 1;
}

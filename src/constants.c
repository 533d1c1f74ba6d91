/* constants: not written yet. */
#include "pyssl.h"

void pyssl_open_constants(lua_State *L)
{
    (void)L;
}

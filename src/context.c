/* context: not written yet. */
#include "pyssl.h"

void pyssl_open_context(lua_State *L)
{
    (void)L;
}

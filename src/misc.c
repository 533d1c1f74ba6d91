/* misc: not written yet. */
#include "pyssl.h"

void pyssl_open_misc(lua_State *L)
{
    (void)L;
}

/* sslobject: not written yet. */
#include "pyssl.h"

void pyssl_open_sslobject(lua_State *L)
{
    (void)L;
}

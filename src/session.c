/* session: not written yet. */
#include "pyssl.h"

void pyssl_open_session(lua_State *L)
{
    (void)L;
}

/* socket: not written yet. */
#include "pyssl.h"

void pyssl_open_socket(lua_State *L)
{
    (void)L;
}

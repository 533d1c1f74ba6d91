/* x509: not written yet. */
#include "pyssl.h"

void pyssl_open_x509(lua_State *L)
{
    (void)L;
}

rockspec_format = "3.0"
package = "pyssl"
version = "0.1.0-1"
source = {
   url = "git+https://example.invalid/pyssl.git",
   tag = "v0.1.0",
}
description = {
   summary = "CPython's ssl module for Lua: same classes, methods, constants and errors, on OpenSSL 3",
   detailed = [[
pyssl mirrors Python's ssl module one to one (SSLContext, SSLSocket,
SSLObject, MemoryBIO, SSLSession, the error hierarchy and every constant),
so Python's documentation is pyssl's documentation. It also brings the
part of Python's socket module that ssl users need (pyssl.socket).
]],
   license = "MIT",
}
dependencies = {
   "lua >= 5.1, < 5.5",
}
external_dependencies = {
   OPENSSL = {
      header = "openssl/ssl.h",
      library = "ssl",
   },
}
build = {
   type = "builtin",
   modules = {
      ["pyssl.core"] = {
         sources = {
            "src/args.c",
            "src/bio.c",
            "src/callbacks.c",
            "src/capi.c",
            "src/ciphers.c",
            "src/class.c",
            "src/constants.c",
            "src/context.c",
            "src/core.c",
            "src/epoll.c",
            "src/errors.c",
            "src/hostdb.c",
            "src/misc.c",
            "src/netdb.c",
            "src/netif.c",
            "src/session.c",
            "src/socket.c",
            "src/sockmsg.c",
            "src/sslobject.c",
            "src/sslsocket.c",
            "src/truststore.c",
            "src/x509.c",
         },
         libraries = { "ssl", "crypto" },
         incdirs = { "$(OPENSSL_INCDIR)" },
         libdirs = { "$(OPENSSL_LIBDIR)" },
      },
      ["pyssl"] = "lua/pyssl/init.lua",
      ["pyssl.context"] = "lua/pyssl/context.lua",
      ["pyssl.sslobject"] = "lua/pyssl/sslobject.lua",
      ["pyssl.sslsocket"] = "lua/pyssl/sslsocket.lua",
      ["pyssl.socket"] = "lua/pyssl/socket.lua",
      ["pyssl._enum"] = "lua/pyssl/_enum.lua",
      ["pyssl._compat"] = "lua/pyssl/_compat.lua",
      ["pyssl._bind"] = "lua/pyssl/_bind.lua",
      ["pyssl.select"] = "lua/pyssl/select.lua",
      ["pyssl.selectors"] = "lua/pyssl/selectors.lua",
      ["pyssl.cosocket"] = "lua/pyssl/cosocket.lua",
   },
   -- The C API header for host programs (luarocks has no include
   -- directory: it goes to the rock's conf dir,
   -- `$(luarocks show --rock-dir pyssl)/conf/pyssl_api.h`).
   install = {
      conf = { ["pyssl_api.h"] = "src/pyssl_api.h" },
   },
}

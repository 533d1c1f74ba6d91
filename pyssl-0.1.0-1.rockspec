rockspec_format = "3.0"
package = "pyssl"
version = "0.1.0-1"
-- pyssl has no public home yet. The source is the release tarball that
-- `make dist` makes (git archive of HEAD) beside a copy of this rockspec
-- whose url is the tarball's absolute path (luarocks resolves a file://
-- path against its own temporary directory), and packs into
-- build/dist/pyssl-0.1.0-1.src.rock (luarocks install FILE.src.rock works
-- offline). `luarocks make` builds from the checkout and never reads this
-- url. With a public repository, this becomes its git+https URL and tag.
source = {
   url = "file://pyssl-0.1.0.tar.gz",
   dir = "pyssl-0.1.0",
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
   -- Python's ssl documentation is pyssl's (README); the project's own
   -- page comes with its public home.
   homepage = "https://docs.python.org/3/library/ssl.html",
   labels = {"ssl", "tls", "openssl", "python"},
}
dependencies = {
   "lua >= 5.1, < 5.5",
}
-- OpenSSL 3.0 or newer: src/pyssl.h stops the build with
-- "pyssl needs OpenSSL 3.0 or newer" on older headers.
external_dependencies = {
   OPENSSL = {
      header = "openssl/ssl.h",
      library = "ssl",
   },
}
-- `luarocks test` (from a checkout): make test, which builds the core,
-- makes the test PKI and runs every busted spec.
test = {
   type = "command",
   command = "make test",
}
build = {
   type = "builtin",
   modules = {
      ["pyssl.core"] = {
         sources = {
            "src/args.c",
            "src/bind.c",
            "src/bio.c",
            "src/buffers.c",
            "src/bytearray.c",
            "src/callbacks.c",
            "src/capi.c",
            "src/ciphers.c",
            "src/class.c",
            "src/classreg.c",
            "src/conn.c",
            "src/constants.c",
            "src/context.c",
            "src/core.c",
            "src/epoll.c",
            "src/errors.c",
            "src/fdbio.c",
            "src/hashlib.c",
            "src/hmac.c",
            "src/hold.c",
            "src/hostdb.c",
            "src/kdf.c",
            "src/misc.c",
            "src/netdb.c",
            "src/netif.c",
            "src/select.c",
            "src/session.c",
            "src/socket.c",
            "src/sockconst.c",
            "src/sockio.c",
            "src/sockmsg.c",
            "src/sockopt.c",
            "src/sslerror.c",
            "src/sslobject.c",
            "src/sslsocket.c",
            "src/sslsocket_init.c",
            "src/subclass.c",
            "src/truststore.c",
            "src/traceback.c",
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
      ["pyssl._text"] = "lua/pyssl/_text.lua",
      ["pyssl._certutil"] = "lua/pyssl/_certutil.lua",
      ["pyssl._sockfile"] = "lua/pyssl/_sockfile.lua",
      ["pyssl._sockutil"] = "lua/pyssl/_sockutil.lua",
      ["pyssl.select"] = "lua/pyssl/select.lua",
      ["pyssl.selectors"] = "lua/pyssl/selectors.lua",
      ["pyssl.cosocket"] = "lua/pyssl/cosocket.lua",
      ["pyssl.hashlib"] = "lua/pyssl/hashlib.lua",
      ["pyssl.hmac"] = "lua/pyssl/hmac.lua",
      ["pyssl.luasec"] = "lua/pyssl/luasec.lua",
      ["pyssl.luasec.buffer"] = "lua/pyssl/luasec/buffer.lua",
      ["pyssl.luasec.x509"] = "lua/pyssl/luasec/x509.lua",
      ["pyssl.luasec.https"] = "lua/pyssl/luasec/https.lua",
      ["pyssl.luasocket"] = "lua/pyssl/luasocket.lua",
      ["pyssl.cqueues"] = "lua/pyssl/cqueues.lua",
      ["pyssl.luv"] = "lua/pyssl/luv.lua",
   },
   -- The C API header for host programs (luarocks has no include
   -- directory: it goes to the rock's conf dir,
   -- `$(luarocks show --rock-dir pyssl)/conf/pyssl_api.h`).
   install = {
      conf = { ["pyssl_api.h"] = "src/pyssl_api.h" },
   },
}

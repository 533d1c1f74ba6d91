/* bench/c/benchtls.h — the contexts and connections every C-side benchmark
 * program makes (bench-c, the C reference; luafloor.so, the Lua floor),
 * configured as pyssl and CPython's _ssl configure theirs. Each function
 * returns NULL on failure, with OpenSSL's error queue telling why.
 */
#ifndef BENCHTLS_H
#define BENCHTLS_H

#include <openssl/ssl.h>

#define BENCHTLS_SUITE "TLS_AES_128_GCM_SHA256"
#define BENCHTLS_HOST "localhost"

/* A TLS 1.3-only context: a server with DIR/KEY/server.{pem,key}, or a
 * client verifying against DIR/KEY/ca.pem. */
SSL_CTX *benchtls_ctx(int server, const char *certdir, const char *key);

/* A connection: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY;
 * a client sends SNI and checks the name "localhost". */
SSL *benchtls_ssl(SSL_CTX *ctx, int server);

/* A memory BIO whose emptiness means "retry", as a MemoryBIO's does. */
BIO *benchtls_mem_bio(void);

/* Loopback TCP, blocking, TCP_NODELAY on connections; -1 with errno set on
 * failure. benchtls_listen binds 127.0.0.1:port (0: any free port) and
 * stores the port it got in *bound. */
int benchtls_listen(int port, int *bound);
int benchtls_accept(int listener);
int benchtls_connect(int port);

#endif

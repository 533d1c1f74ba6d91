/* bench/c/benchtls.c — see benchtls.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <openssl/x509v3.h>
#include "benchtls.h"

/* CPython's default cipher string (TLS 1.2 and below; unused by TLS 1.3). */
#define DEFAULT_CIPHERS \
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"

static int load_server_credentials(SSL_CTX *ctx, const char *certdir, const char *key)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/server.pem", certdir, key);
    if (SSL_CTX_use_certificate_chain_file(ctx, path) != 1)
        return 0;
    snprintf(path, sizeof path, "%s/%s/server.key", certdir, key);
    return SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) == 1 &&
           SSL_CTX_check_private_key(ctx) == 1;
}

static int load_client_trust(SSL_CTX *ctx, const char *certdir, const char *key)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/ca.pem", certdir, key);
    return SSL_CTX_load_verify_locations(ctx, path, NULL) == 1;
}

SSL_CTX *benchtls_ctx(int server, const char *certdir, const char *key)
{
    static const unsigned char sid_ctx[] = "pyssl";
    uint64_t options = (SSL_OP_ALL & ~SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS) |
                       SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
                       SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_DH_USE |
                       SSL_OP_SINGLE_ECDH_USE;
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    int ok;
    if (!ctx)
        return NULL;
    SSL_CTX_set_options(ctx, options);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
    X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx), X509_V_FLAG_TRUSTED_FIRST);
    X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(ctx),
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = SSL_CTX_set_cipher_list(ctx, DEFAULT_CIPHERS) &&
         SSL_CTX_set_ciphersuites(ctx, BENCHTLS_SUITE) &&
         SSL_CTX_set1_groups_list(ctx, "X25519") &&
         SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    if (ok && server) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        ok = load_server_credentials(ctx, certdir, key);
    } else if (ok) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        ok = load_client_trust(ctx, certdir, key);
    }
    if (!ok) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

SSL *benchtls_ssl(SSL_CTX *ctx, int server)
{
    SSL *ssl = SSL_new(ctx);
    if (!ssl)
        return NULL;
    SSL_set_mode(ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY);
    if (server) {
        SSL_set_accept_state(ssl);
        return ssl;
    }
    if (!SSL_set_tlsext_host_name(ssl, BENCHTLS_HOST) ||
        !X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), BENCHTLS_HOST, 0)) {
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_connect_state(ssl);
    return ssl;
}

BIO *benchtls_mem_bio(void)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b)
        BIO_set_mem_eof_return(b, -1);
    return b;
}

static void loopback(struct sockaddr_in *a, int port)
{
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a->sin_port = htons((uint16_t)port);
}

/* Closes fd (keeping errno) and returns -1. */
static int fail_closing(int fd)
{
    int saved = errno;
    if (fd >= 0)
        close(fd);
    errno = saved;
    return -1;
}

int benchtls_listen(int port, int *bound)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    loopback(&a, port);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1024) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        return fail_closing(fd);
    *bound = ntohs(a.sin_port);
    return fd;
}

static int nodelay(int fd)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
        return fail_closing(fd);
    return fd;
}

int benchtls_accept(int listener)
{
    int fd = accept(listener, NULL, NULL);
    return fd < 0 ? -1 : nodelay(fd);
}

int benchtls_connect(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    loopback(&a, port);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        return fail_closing(fd);
    return nodelay(fd);
}

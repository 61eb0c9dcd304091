/* A client that never resumes a TLS session: every connection is a full handshake. Preloaded into
 * wrk and h2load, which keep a connection's session for the next one (SSL_clear keeps it, and
 * SSL_set_session offers a stored one). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
typedef struct ssl_st SSL;
typedef struct ssl_session_st SSL_SESSION;

static int set_session(SSL *ssl, SSL_SESSION *session) {
    static int (*real)(SSL *, SSL_SESSION *);
    if (!real) real = (int (*)(SSL *, SSL_SESSION *)) dlsym(RTLD_NEXT, "SSL_set_session");
    return real(ssl, session);
}

int SSL_set_session(SSL *ssl, SSL_SESSION *session) { (void) session; return set_session(ssl, NULL); }

int SSL_clear(SSL *ssl) {
    static int (*real)(SSL *);
    if (!real) real = (int (*)(SSL *)) dlsym(RTLD_NEXT, "SSL_clear");
    set_session(ssl, NULL);
    return real(ssl);
}

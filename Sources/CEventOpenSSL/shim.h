#ifndef MOCKCONVEX_CEVENTOPENSSL_SHIM_H
#define MOCKCONVEX_CEVENTOPENSSL_SHIM_H

/* System headers first, in CLibevent's order and for its reason: the event2 headers below are
   also part of CLibevent, and the system types they see must be defined the same way in both
   modules (event2/event-config.h defines _GNU_SOURCE). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netdb.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>

/* OpenSSL spells these as function-like macros, which Swift does not import. */

static inline long mockconvex_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline long mockconvex_SSL_CTX_set_min_proto_version(SSL_CTX *context, int version) {
    return SSL_CTX_set_min_proto_version(context, version);
}

static inline int mockconvex_SSL_get_ex_new_index(CRYPTO_EX_free *free_function) {
    return SSL_get_ex_new_index(0, NULL, NULL, NULL, free_function);
}

/* The certificates a store holds (CRLs aside). */
static inline int mockconvex_X509_STORE_certificate_count(X509_STORE *store) {
    STACK_OF(X509_OBJECT) *objects = X509_STORE_get0_objects(store);
    int count = 0;
    for (int index = 0; index < sk_X509_OBJECT_num(objects); index++) {
        if (X509_OBJECT_get_type(sk_X509_OBJECT_value(objects, index)) == X509_LU_X509) count++;
    }
    return count;
}

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* mbed_client.h - an mbedTLS 3.6 TLS client for tests: the "mbedTLS client" peer. */
#ifndef KTLA_TEST_MBED_CLIENT_H
#define KTLA_TEST_MBED_CLIENT_H

#include <mbedtls/ssl.h>

struct mbed_client {
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    int suites[2];
    const char *alpn[2];
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
};

/*
 * version: 0x0303 or 0x0304 (both min and max); suite: an IANA id, or 0 for
 * mbedTLS's defaults; alpn and sni may be NULL.  No certificate
 * verification: these tests are about the server's side.
 */
int mbed_client_init(struct mbed_client *c, int version, int suite, const char *alpn, const char *sni);
void mbed_client_free(struct mbed_client *c);

/* Present tests/data/<name>.crt/.key as the client certificate; 0 or -1. */
int mbed_client_use_cert(struct mbed_client *c, const char *data_dir, const char *name);

/*
 * Take TLS 1.3 NewSessionTickets (mbedTLS 3.6 clients drop them unless
 * told): mbedtls_ssl_read() then returns RECEIVED_NEW_SESSION_TICKET for each.
 */
void mbed_client_take_tickets(struct mbed_client *c);

#endif

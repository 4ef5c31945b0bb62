/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_cert.c - who the client is, for the access log: the subject of
 * its certificate, read with mbedTLS (which ktla-serve links for its
 * generated certificate anyway), only when the certificate verified.
 */
#include <mbedtls/x509_crt.h>
#include <stdio.h>
#include <string.h>

#include "serve.h"

void client_cert_describe(const ktla_conn *tls, char *out, size_t size)
{
    size_t der_len = 0;
    const unsigned char *der = ktla_get_peer_cert(tls, &der_len);
    mbedtls_x509_crt crt;
    char dn[256];

    if (der == NULL) {
        snprintf(out, size, "-");
        return;
    }
    /* OPTIONAL lets an unverified certificate through: its subject proves nothing, so it is not logged. */
    if (!ktla_get_peer_cert_verified(tls)) {
        snprintf(out, size, "unverified");
        return;
    }
    mbedtls_x509_crt_init(&crt);
    if (mbedtls_x509_crt_parse_der(&crt, der, der_len) == 0 && mbedtls_x509_dn_gets(dn, sizeof dn, &crt.subject) > 0)
        log_escape(out, size, dn, strlen(dn));
    else
        snprintf(out, size, "verified");
    mbedtls_x509_crt_free(&crt);
}

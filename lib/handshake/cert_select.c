/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert_select.c - which certificates a handshake may use, by the client's SNI.
 *
 * mbedTLS itself picks, among the certificates it is given, the first whose
 * key the client can verify.  This narrows that list to the certificates
 * whose DNS names match the SNI, when any do; otherwise every certificate
 * stays a candidate (a client asking for an unknown name still gets the
 * default, as most servers do).
 */
#include "config.h"

#include <mbedtls/oid.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"
#include "conn_internal.h"

/* RFC 6125 6.4.3, restricted: "*" only as the whole left-most label. */
static int name_matches(const unsigned char *pattern, size_t plen, const char *host, size_t hlen)
{
    if (plen == hlen && strncasecmp((const char *)pattern, host, hlen) == 0)
        return 1;
    if (plen > 2 && pattern[0] == '*' && pattern[1] == '.') {
        const char *dot = memchr(host, '.', hlen);
        size_t rest;
        if (dot == NULL || dot == host)
            return 0;
        rest = hlen - (size_t)(dot - host);
        return rest == plen - 1 && strncasecmp((const char *)pattern + 1, dot, rest) == 0;
    }
    return 0;
}

static int cert_matches(const mbedtls_x509_crt *crt, const char *host, size_t hlen)
{
    for (const mbedtls_x509_sequence *san = &crt->subject_alt_names; san && san->buf.p; san = san->next) {
        /* dNSName is context tag [2], IMPLICIT IA5String. */
        if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME) &&
            name_matches(san->buf.p, san->buf.len, host, hlen))
            return 1;
    }
    return 0;
}

int ktla__cert_select_sni(void *p, mbedtls_ssl_context *ssl, const unsigned char *name, size_t len)
{
    ktla_config *cfg = p;
    ktla_conn *conn = mbedtls_ssl_get_user_data_p(ssl);
    char host[256];

    /* A host name is 1..253 printable bytes without NUL (RFC 6066 3). */
    if (len == 0 || len >= sizeof host || memchr(name, 0, len) != NULL)
        return 0;
    memcpy(host, name, len);
    host[len] = '\0';
    /* Out of memory: fail the handshake rather than report no SNI for a client that sent one. */
    if (conn && conn->sni == NULL && (conn->sni = strdup(host)) == NULL)
        return -1;
    for (size_t i = 0; i < cfg->n_certs; i++)
        if (cert_matches(&cfg->certs[i].chain, host, len) &&
            mbedtls_ssl_set_hs_own_cert(ssl, &cfg->certs[i].chain, &cfg->certs[i].key) != 0)
            return -1;
    return 0;
}

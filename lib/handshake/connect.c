/* SPDX-License-Identifier: Apache-2.0 */
/*
 * connect.c - ktla_connect(): the client handshake.  The same driver as
 * ktla_accept() (conn.c: transport, timeout, error mapping, hand-off); here
 * only what a client adds: the server's name for SNI and verification, and
 * a reason that says why the server's certificate was refused.
 */
#include "config.h"

#include <errno.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"

int ktla_set_server_name(ktla_conn *conn, const char *name)
{
    char *copy;

    if (conn == NULL || name == NULL || name[0] == '\0' || !conn->cfg->is_client)
        return KTLA_E_INVAL;
    if (conn->state != KTLA__NEW)
        return KTLA_E_STATE;
    copy = strdup(name);
    if (copy == NULL)
        return KTLA_E_NOMEM;
    free(conn->sni);
    conn->sni = copy;
    return 0;
}

/* Before the first flight: the name goes into SNI and is what the certificate must match. */
static int prepare_client(ktla_conn *conn)
{
    int rc;

    if (conn->sni == NULL) {
        /* A PSK client authenticates the server by the key, not by a certificate naming it. */
        if (conn->cfg->verify != KTLA_VERIFY_NONE && !ktla__config_has_psk(conn->cfg)) {
            ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, EINVAL, -1,
                            "no server name to verify the certificate against: call ktla_set_server_name() first");
            return -1;
        }
        return ktla__offer_session(conn);
    }
    rc = mbedtls_ssl_set_hostname(conn->ssl, conn->sni);
    if (rc != 0) {
        (void)ktla__fail_from_mbedtls(conn, rc, "setting the server name");
        return -1;
    }
    return ktla__offer_session(conn);
}

/*
 * mbedTLS failed the handshake on the server's certificate: say which
 * checks failed (mbedTLS's verify flags as text), after the alert it sent.
 */
static void explain_verify_failure(ktla_conn *conn)
{
    uint32_t flags = mbedtls_ssl_get_verify_result(conn->ssl);
    char info[512], *reason;

    if (flags == 0 || flags == (uint32_t)-1)
        return;
    if (mbedtls_x509_crt_verify_info(info, sizeof info, "", flags) < 0)
        return;
    for (char *p = info; *p; p++)
        if (*p == '\n')
            *p = p[1] ? ';' : '\0';
    reason = ktla__strdup_printf("the server's certificate for \"%s\" failed verification: %s (alert %d)",
                                 conn->sni ? conn->sni : "", info, conn->alert);
    if (reason) {
        free(conn->reason);
        conn->reason = reason;
    }
}

int ktla_connect(ktla_conn *conn)
{
    int rc;

    if (conn == NULL)
        return -1;
    if (!conn->cfg->is_client)
        return (int)ktla__conn_misuse(conn, "ktla_connect() on a server config: make one with ktla_config_new_client()");
    rc = ktla__handshake_drive(conn, prepare_client);
    /* Unverified by choice: mbedTLS may still report a clean result for a chain it never checked. */
    if (rc == 1 && conn->cfg->verify == KTLA_VERIFY_NONE)
        conn->peer_verified = 0;
    if (rc < 0 && conn->state == KTLA__FAILED && conn->ssl && conn->cfg->verify != KTLA_VERIFY_NONE)
        explain_verify_failure(conn);
    return rc;
}

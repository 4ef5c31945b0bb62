/* SPDX-License-Identifier: Apache-2.0 */
/*
 * session.c - the client's ktla_session: a copy of the session
 * record/client_session.c keeps for a connection, given back to another
 * connection to offer.
 */
#include "config.h"

#include <mbedtls/platform_util.h>
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"
#include "record/client_session.h"

struct ktla_session {
    size_t len;
    unsigned char bytes[]; /* mbedtls_ssl_session_save()'s */
};

int ktla_get_session(const ktla_conn *conn, ktla_session **out)
{
    const unsigned char *saved;
    size_t len = 0;

    if (out == NULL)
        return KTLA_E_INVAL;
    *out = NULL;
    if (conn == NULL || !conn->cfg->is_client)
        return KTLA_E_INVAL;
    saved = ktla__client_session_saved(&conn->rec, &len);
    if (saved == NULL)
        return KTLA_E_NOTFOUND;
    *out = malloc(sizeof **out + len);
    if (*out == NULL)
        return KTLA_E_NOMEM;
    (*out)->len = len;
    memcpy((*out)->bytes, saved, len);
    return 0;
}

int ktla_set_session(ktla_conn *conn, const ktla_session *session)
{
    if (conn == NULL || session == NULL || !conn->cfg->is_client)
        return KTLA_E_INVAL;
    if (conn->state != KTLA__NEW)
        return KTLA_E_STATE;
    return ktla__client_session_set_offer(&conn->rec, session->bytes, session->len) == 0 ? 0 : KTLA_E_NOMEM;
}

void ktla_session_free(ktla_session *session)
{
    if (session == NULL)
        return;
    mbedtls_platform_zeroize(session, sizeof *session + session->len);
    free(session);
}

int ktla__offer_session(ktla_conn *conn)
{
    size_t len = 0;
    const unsigned char *offer;
    mbedtls_ssl_session s;

    ktla__conn_record_owner(conn); /* the server name the session must be for */
    offer = ktla__client_session_offer(&conn->rec, &len);

    if (offer == NULL)
        return 0;
    mbedtls_ssl_session_init(&s);
    /* A session mbedTLS does not take back (another build, expired) is simply not offered. */
    if (mbedtls_ssl_session_load(&s, offer, len) == 0)
        (void)mbedtls_ssl_set_session(conn->ssl, &s);
    mbedtls_ssl_session_free(&s);
    return 0;
}

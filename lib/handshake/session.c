/* SPDX-License-Identifier: Apache-2.0 */
/*
 * session.c - the client's ktla_session: a copy of the session
 * record/client_session.c keeps for a connection, given back to another
 * connection to offer.
 */
#include "config.h"

#include <mbedtls/platform.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"
#include "record/client_session.h"
#include "wire/byte_order.h"

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

/*
 * ktla_session_save()'s format, version 1 (big-endian lengths):
 *   "KTLA" | 0x01 | uint16 name_len | name (no NUL) | uint32 body_len | body
 * where body is mbedtls_ssl_session_save()'s bytes, which carry mbedTLS's own
 * version and build-options header (mbedtls_ssl_session_load() refuses
 * bytes from a build it cannot read).
 */
static const unsigned char SAVED_MAGIC[4] = {'K', 'T', 'L', 'A'};
#define SAVED_FORMAT_VERSION 1
#define SAVED_NAME_LEN_BYTES 2
#define SAVED_BODY_LEN_BYTES 4
#define SAVED_HEADER_LEN (sizeof SAVED_MAGIC + 1 + SAVED_NAME_LEN_BYTES)
#define SAVED_MAX_NAME_LEN 0xffffu
#define SAVED_MAX_BODY_LEN 0xffffffffu

int ktla_session_save(const ktla_session *session, void *buf, size_t size, size_t *len)
{
    const unsigned char *nul;
    unsigned char *p = buf;
    size_t name_len, body_len;

    if (session == NULL || len == NULL)
        return KTLA_E_INVAL;
    *len = 0;
    nul = memchr(session->bytes, '\0', session->len); /* ktla__client_session_saved()'s: name, NUL, body */
    if (nul == NULL)
        return KTLA_E_INVAL;
    name_len = (size_t)(nul - session->bytes);
    body_len = session->len - name_len - 1;
    if (name_len > SAVED_MAX_NAME_LEN || body_len > SAVED_MAX_BODY_LEN)
        return KTLA_E_INVAL;
    *len = SAVED_HEADER_LEN + name_len + SAVED_BODY_LEN_BYTES + body_len;
    if (p == NULL || size < *len)
        return KTLA_E_INVAL;
    memcpy(p, SAVED_MAGIC, sizeof SAVED_MAGIC);
    p += sizeof SAVED_MAGIC;
    *p++ = SAVED_FORMAT_VERSION;
    ktla__put_be(p, SAVED_NAME_LEN_BYTES, name_len);
    p += SAVED_NAME_LEN_BYTES;
    memcpy(p, session->bytes, name_len);
    p += name_len;
    ktla__put_be(p, SAVED_BODY_LEN_BYTES, body_len);
    p += SAVED_BODY_LEN_BYTES;
    memcpy(p, nul + 1, body_len);
    return 0;
}

/* Whether mbedTLS takes body back as a session (its format, version and build options). */
static int mbedtls_takes(const unsigned char *body, size_t len)
{
    mbedtls_ssl_session s;
    int ok;

    mbedtls_ssl_session_init(&s);
    ok = mbedtls_ssl_session_load(&s, body, len) == 0;
    mbedtls_ssl_session_free(&s); /* wipes it */
    return ok;
}

int ktla_session_load(ktla_session **out, const void *buf, size_t len)
{
    const unsigned char *p = buf, *name, *body;
    size_t name_len, body_len, left = len;

    if (out == NULL)
        return KTLA_E_INVAL;
    *out = NULL;
    if (p == NULL)
        return KTLA_E_INVAL;
    if (left < SAVED_HEADER_LEN || memcmp(p, SAVED_MAGIC, sizeof SAVED_MAGIC) != 0 ||
        p[sizeof SAVED_MAGIC] != SAVED_FORMAT_VERSION)
        return KTLA_E_PARSE;
    name_len = (size_t)ktla__get_be(p + sizeof SAVED_MAGIC + 1, SAVED_NAME_LEN_BYTES);
    left -= SAVED_HEADER_LEN;
    name = p + SAVED_HEADER_LEN;
    /* The name, then the body's length, then exactly that many bytes and nothing after. */
    if (left < name_len || left - name_len < SAVED_BODY_LEN_BYTES || memchr(name, '\0', name_len) != NULL)
        return KTLA_E_PARSE;
    left -= name_len + SAVED_BODY_LEN_BYTES;
    body_len = (size_t)ktla__get_be(name + name_len, SAVED_BODY_LEN_BYTES);
    body = name + name_len + SAVED_BODY_LEN_BYTES;
    if (body_len != left || body_len == 0 || !mbedtls_takes(body, body_len))
        return KTLA_E_PARSE;
    *out = malloc(sizeof **out + name_len + 1 + body_len);
    if (*out == NULL)
        return KTLA_E_NOMEM;
    (*out)->len = name_len + 1 + body_len;
    memcpy((*out)->bytes, name, name_len);
    (*out)->bytes[name_len] = '\0';
    memcpy((*out)->bytes + name_len + 1, body, body_len);
    return 0;
}

/*
 * mbedTLS 3.6 loads a TLS 1.3 session's host name as it was saved, without
 * checking that it ends in a NUL, and mbedtls_ssl_set_session() then runs
 * strlen() over it: with bytes from ktla_session_load() (a file anyone who
 * can write it controls) that reads past the heap block (found by
 * tests/fuzz/fuzz_session_load.c).  The session is offered only to the name
 * ktla__client_session_offer() matched, the connection's own: that replaces
 * the loaded one.  0, or -1 out of memory.
 */
static int own_hostname(mbedtls_ssl_session *s, const ktla_conn *conn)
{
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && defined(MBEDTLS_SSL_SESSION_TICKETS) && \
    defined(MBEDTLS_SSL_SERVER_NAME_INDICATION) && defined(MBEDTLS_SSL_CLI_C)
    char *copy = NULL;

    if (s->MBEDTLS_PRIVATE(hostname) == NULL)
        return 0; /* none loaded (TLS 1.2) */
    if (conn->sni) {
        size_t len = strlen(conn->sni) + 1;
        if ((copy = mbedtls_calloc(1, len)) == NULL)
            return -1;
        memcpy(copy, conn->sni, len);
    }
    mbedtls_free(s->MBEDTLS_PRIVATE(hostname));
    s->MBEDTLS_PRIVATE(hostname) = copy;
#else
    (void)s;
    (void)conn;
#endif
    return 0;
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
    if (mbedtls_ssl_session_load(&s, offer, len) == 0 && own_hostname(&s, conn) == 0)
        (void)mbedtls_ssl_set_session(conn->ssl, &s);
    mbedtls_ssl_session_free(&s);
    return 0;
}

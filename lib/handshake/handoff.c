/* SPDX-License-Identifier: Apache-2.0 */
/*
 * handoff.c - from a finished mbedTLS handshake to a record engine.
 *
 * What the handshake negotiated is copied out, both directions' traffic
 * keys are derived from the exported secrets, and the mbedTLS context is
 * freed, whichever engine then takes the records (record/engine.h decides,
 * and installs the keys in the kernel through the same code as
 * ktla_install_keys()).
 */
#include "config.h"

#include <errno.h>
#include <mbedtls/platform_util.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn_internal.h"
#include "keys/keys.h"
#include "record/client_session.h"
#include "record/install.h"
#include "wire/byte_order.h"
#include "wire/tls_wire.h"

void ktla__export_keys(void *p, mbedtls_ssl_key_export_type type, const unsigned char *secret, size_t secret_len,
                       const unsigned char client_random[32], const unsigned char server_random[32],
                       mbedtls_tls_prf_types prf)
{
    ktla_conn *conn = p;
    struct ktla__secrets *s = conn->secrets;

    /* Only stored here: this may run before the peer's Finished is verified.  The PRF follows from the suite. */
    (void)prf;
    if (s == NULL)
        return;
    switch (type) {
    case MBEDTLS_SSL_KEY_EXPORT_TLS12_MASTER_SECRET:
        if (secret_len != sizeof s->master)
            return;
        memcpy(s->master, secret, sizeof s->master);
        memcpy(s->client_random, client_random, 32);
        memcpy(s->server_random, server_random, 32);
        s->have_tls12 = 1;
        break;
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_APPLICATION_TRAFFIC_SECRET:
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_SERVER_APPLICATION_TRAFFIC_SECRET:
        if (secret_len > sizeof s->client_app)
            return;
        memcpy(type == MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_APPLICATION_TRAFFIC_SECRET ? s->client_app : s->server_app,
               secret, secret_len);
        s->app_len = secret_len;
        s->have_tls13 |= type == MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_APPLICATION_TRAFFIC_SECRET ? 1 : 2;
        break;
    default:
        break;
    }
}

/*
 * Copy what the getters report before the mbedTLS context may be freed.
 * 0, or -1 when out of memory: the connection then fails, rather than
 * report no ALPN or no certificate for a peer that sent one.
 */
static int record_negotiated(ktla_conn *conn)
{
    mbedtls_ssl_context *ssl = conn->ssl;
    const char *alpn = mbedtls_ssl_get_alpn_protocol(ssl);
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(ssl);

    conn->version = (enum ktla_tls_version)mbedtls_ssl_get_version_number(ssl);
    conn->suite = (uint16_t)mbedtls_ssl_get_ciphersuite_id_from_ssl(ssl);
    conn->peer_verified = peer != NULL && mbedtls_ssl_get_verify_result(ssl) == 0;
    if (alpn && (conn->alpn = strdup(alpn)) == NULL)
        return -1;
    if (peer && peer->raw.len > 0) {
        conn->peer_cert = malloc(peer->raw.len);
        if (conn->peer_cert == NULL)
            return -1;
        memcpy(conn->peer_cert, peer->raw.p, peer->raw.len);
        conn->peer_cert_len = peer->raw.len;
    }
    return 0;
}

/* The TLS 1.3 application traffic secret this side sends under, and the one it receives under. */
static const unsigned char *own_secret(const ktla_conn *conn)
{
    return conn->cfg->is_client ? conn->secrets->client_app : conn->secrets->server_app;
}

static const unsigned char *peer_secret(const ktla_conn *conn)
{
    return conn->cfg->is_client ? conn->secrets->server_app : conn->secrets->client_app;
}

/*
 * What mbedTLS exported, in ktla_install_keys()'s terms, so that both
 * directions' keys come from the same code as for its callers
 * (record/install.h).  0, or -1 with *why when something is missing.
 */
static int session_keys(const ktla_conn *conn, struct ktla_session_keys *k, const char **why)
{
    const struct ktla__secrets *s = conn->secrets;
    /* Sequence numbers come from mbedTLS: TLS 1.3 tickets already sent count on TX. */
    uint64_t out_seq = ktla__get_be(conn->ssl->MBEDTLS_PRIVATE(cur_out_ctr), 8);
    uint64_t in_seq = ktla__get_be(conn->ssl->MBEDTLS_PRIVATE(in_ctr), 8);
    int client = conn->cfg->is_client;

    memset(k, 0, sizeof *k);
    k->version = conn->version;
    k->ciphersuite = conn->suite;
    k->client_seq = client ? out_seq : in_seq;
    k->server_seq = client ? in_seq : out_seq;
    if (conn->version == KTLA_TLS_1_3) {
        if (s->have_tls13 != 3 || s->app_len > sizeof k->client_secret) {
            *why = "mbedTLS did not export the TLS 1.3 application traffic secrets";
            return -1;
        }
        memcpy(k->client_secret, s->client_app, s->app_len);
        memcpy(k->server_secret, s->server_app, s->app_len);
        k->secret_len = s->app_len;
        return 0;
    }
    if (!s->have_tls12) {
        *why = "mbedTLS did not export the TLS 1.2 master secret";
        return -1;
    }
    memcpy(k->master_secret, s->master, sizeof k->master_secret);
    memcpy(k->client_random, s->client_random, sizeof k->client_random);
    memcpy(k->server_random, s->server_random, sizeof k->server_random);
    return 0;
}

/* Derive both directions' keys; NULL on success, else why not (in buf, or a literal). */
static const char *derive(ktla_conn *conn, struct ktla__traffic_keys *tx, struct ktla__traffic_keys *rx, char *buf,
                          size_t size)
{
    struct ktla_session_keys k;
    const char *why = NULL;

    if (session_keys(conn, &k, &why) == 0 &&
        ktla__session_traffic_keys(conn->cfg->is_client, &k, tx, rx, buf, size) != 0)
        why = buf;
    mbedtls_platform_zeroize(&k, sizeof k);
    return why;
}

/*
 * After a TLS 1.3 handshake the current secrets stay for KeyUpdate, in
 * either engine.  0, or -1 out of memory (before any socket is touched).
 */
static int keep_rekey_secrets(ktla_conn *conn, mbedtls_md_type_t md)
{
    const struct ktla__secrets *s = conn->secrets;

    struct ktla__rekey *rk;

    if (conn->version != KTLA_TLS_1_3 || s->app_len > sizeof rk->rx_secret)
        return 0; /* (a longer secret cannot happen: then a peer KeyUpdate ends the connection with a clear error) */
    rk = conn->rec.rekey = calloc(1, sizeof *rk);
    if (rk == NULL)
        return -1;
    memcpy(rk->rx_secret, peer_secret(conn), s->app_len);
    memcpy(rk->tx_secret, own_secret(conn), s->app_len);
    rk->secret_len = (uint8_t)s->app_len;
    rk->hash = (uint8_t)md;
    return 0;
}

/*
 * Bytes mbedTLS read past the client's Finished and holds decrypted (it
 * reads a stream record by record, so only more handshake messages in the
 * Finished's record): a message after the one that changes the keys, which
 * RFC 8446 5.1 answers with unexpected_message, as does TLS 1.2, where it
 * could only be renegotiation.  Neither engine could see them.
 */
static int refuse_bytes_after_finished(ktla_conn *conn)
{
    (void)mbedtls_ssl_send_alert_message(conn->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, TLS_ALERT_UNEXPECTED_MESSAGE);
    ktla__conn_fail(conn, KTLA_ERROR_TLS, 0, TLS_ALERT_UNEXPECTED_MESSAGE,
                    "the client sent more handshake bytes in the record of its Finished (mbedTLS holds received bytes "
                    "not yet read): unexpected_message");
    return -1;
}

/*
 * The last line of defence for KTLA_CLIENT_AUTH_REQUIRED: mbedTLS ended the
 * handshake without a client certificate that verified against the CA
 * (config_tickets.c keeps resumption from doing that; this is in case some
 * other path ever does).  Fail closed, with the alert RFC 8446 4.4.2.4 and
 * RFC 5246 7.4.6 name, before any key reaches the kernel.
 */
static int refuse_unauthenticated(ktla_conn *conn)
{
    int alert = conn->version == KTLA_TLS_1_3 ? TLS_ALERT_CERTIFICATE_REQUIRED : TLS_ALERT_HANDSHAKE_FAILURE;

    (void)mbedtls_ssl_send_alert_message(conn->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, (unsigned char)alert);
    ktla__conn_fail(conn, KTLA_ERROR_TLS, 0, alert,
                    "client authentication is required, but the handshake%s ended without a client certificate that "
                    "verified; the connection is refused",
                    conn->resumed ? " (a resumption)" : "");
    return -1;
}

int ktla__handoff(ktla_conn *conn)
{
    struct ktla__traffic_keys tx, rx;
    enum ktla_cipher cipher = KTLA_CIPHER_COUNT;
    enum ktla_tls_version v;
    mbedtls_md_type_t md = MBEDTLS_MD_NONE;
    char derive_failed[160];
    const char *why;
    size_t max_out;
    int rc, err = 0;

    if (record_negotiated(conn) != 0) {
        ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, ENOMEM, -1, "out of memory recording what the handshake negotiated");
        return -1;
    }
    if (conn->cfg->client_auth == KTLA_CLIENT_AUTH_REQUIRED && !conn->peer_verified)
        return refuse_unauthenticated(conn);
    /* The configuration offers only the suites of this table (config_freeze.c): both engines know them all. */
    if (ktla__suite_to_kernel(conn->suite, &v, &cipher, &md) != 0 || v != conn->version) {
        ktla__conn_fail(conn, KTLA_ERROR_TLS, 0, -1, "cipher suite 0x%04x has no record engine", conn->suite);
        return -1;
    }
    conn->cipher = cipher;
    if (mbedtls_ssl_check_pending(conn->ssl))
        return refuse_bytes_after_finished(conn);
    max_out = (size_t)mbedtls_ssl_get_max_out_record_payload(conn->ssl);
    why = derive(conn, &tx, &rx, derive_failed, sizeof derive_failed);
    ktla__conn_record_owner(conn);
    if (why == NULL && (keep_rekey_secrets(conn, md) != 0 ||
                        ktla__client_session_capture(&conn->rec, conn->ssl, &conn->resumed) != 0))
        err = ENOMEM, why = "out of memory keeping the traffic secrets for KeyUpdate or the session to resume";
    /* From here on neither engine needs mbedTLS: its context and the exported secrets go, in both modes. */
    ktla__free_handshake_state(conn);
    if (why) {
        mbedtls_platform_zeroize(&tx, sizeof tx);
        mbedtls_platform_zeroize(&rx, sizeof rx);
        ktla__conn_fail(conn, err ? KTLA_ERROR_SYSCALL : KTLA_ERROR_TLS, err, -1, "%s", why);
        return -1;
    }
    rc = ktla__conn_start_records(conn, &tx, &rx, max_out);
    mbedtls_platform_zeroize(&tx, sizeof tx);
    mbedtls_platform_zeroize(&rx, sizeof rx);
    return rc;
}

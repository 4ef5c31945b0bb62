/* SPDX-License-Identifier: Apache-2.0 */
/*
 * handoff.c - from a finished mbedTLS handshake to the kernel's record layer.
 *
 * Every precondition is checked before the socket is touched; a "no" there
 * keeps the connection in user space, with the reason.  Attaching the ULP is
 * the last step that may fail softly: once it is attached the socket cannot
 * go back, so a kernel that then refuses the keys ends the connection: the
 * socket is shut down both ways, and the peer sees it end (fail closed:
 * never plaintext, never a second use of a nonce).
 */
#include "config.h"

#include <errno.h>
#include <mbedtls/platform_util.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn_internal.h"
#include "record/install.h"
#include "kernel/kernel_caps.h"
#include "keys/keys.h"
#include "kernel/ktls.h"
#include "wire/tls_wire.h"

void ktla__export_keys(void *p, mbedtls_ssl_key_export_type type, const unsigned char *secret, size_t secret_len,
                       const unsigned char client_random[32], const unsigned char server_random[32],
                       mbedtls_tls_prf_types prf)
{
    ktla_conn *conn = p;
    struct ktla__secrets *s = conn->secrets;

    /* Only stored here: this may run before the peer's Finished is verified. */
    if (s == NULL)
        return;
    switch (type) {
    case MBEDTLS_SSL_KEY_EXPORT_TLS12_MASTER_SECRET:
        if (secret_len != sizeof s->master)
            return;
        memcpy(s->master, secret, sizeof s->master);
        memcpy(s->client_random, client_random, 32);
        memcpy(s->server_random, server_random, 32);
        s->prf = prf;
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

static uint64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
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

/* Derive both directions' keys; NULL on success, else why not. */
static const char *derive(ktla_conn *conn, enum ktla_cipher cipher, mbedtls_md_type_t md,
                          struct ktla__traffic_keys *tx, struct ktla__traffic_keys *rx)
{
    const struct ktla__secrets *s = conn->secrets;
    uint64_t out_seq = be64(conn->ssl->MBEDTLS_PRIVATE(cur_out_ctr));
    uint64_t in_seq = be64(conn->ssl->MBEDTLS_PRIVATE(in_ctr));

    /* Sequence numbers come from mbedTLS: TLS 1.3 tickets already sent count on TX. */
    if (conn->version == KTLA_TLS_1_3) {
        if (s->have_tls13 != 3)
            return "mbedTLS did not export the TLS 1.3 application traffic secrets";
        if (ktla__tls13_traffic_keys(cipher, md, s->server_app, s->app_len, out_seq, tx) != 0 ||
            ktla__tls13_traffic_keys(cipher, md, s->client_app, s->app_len, in_seq, rx) != 0)
            return "TLS 1.3 traffic key derivation failed";
        return NULL;
    }
    if (!s->have_tls12)
        return "mbedTLS did not export the TLS 1.2 master secret";
    if (ktla__tls12_traffic_keys(cipher, s->prf, s->master, s->client_random, s->server_random, in_seq, out_seq, rx,
                                 tx) != 0)
        return "TLS 1.2 key block derivation failed";
    return NULL;
}

/* Why the record layer must stay in user space, or NULL when the kernel may take it. */
static const char *precondition(ktla_conn *conn, enum ktla_cipher *cipher, mbedtls_md_type_t *md, char *buf,
                                size_t size)
{
    enum ktla_tls_version v;
    int max_payload;

    if (conn->cfg->offload == KTLA_OFFLOAD_POLICY_NEVER)
        return "offload disabled by the configuration (KTLA_OFFLOAD_POLICY_NEVER)";
    if (conn->fd < 0)
        return "no socket to hand the keys to (caller-moved I/O without ktla_set_fd())";
    if (ktla__suite_to_kernel(conn->suite, &v, cipher, md) != 0 || v != conn->version) {
        snprintf(buf, size, "cipher suite 0x%04x has no kernel implementation", conn->suite);
        return buf;
    }
    if (ktla__kernel_refuses(v, *cipher, buf, size))
        return buf;
    if (mbedtls_ssl_check_pending(conn->ssl))
        return "mbedTLS holds received bytes not yet read; the kernel would miss them";
    /* The kernel always sends full 16 KiB records; a smaller negotiated limit would break the peer. */
    max_payload = mbedtls_ssl_get_max_out_record_payload(conn->ssl);
    if (max_payload < (conn->version == KTLA_TLS_1_3 ? 16383 : 16384)) {
        snprintf(buf, size, "the client limited records to %d bytes (max_fragment_length); the kernel sends 16 KiB",
                 max_payload);
        return buf;
    }
    return NULL;
}

static int stay_in_user_space(ktla_conn *conn, const char *why)
{
    for (int d = 0; d < 2; d++) {
        conn->offload[d] = KTLA_OFFLOAD_USER;
        conn->offload_reason[d] = strdup(why);
    }
    mbedtls_platform_zeroize(conn->secrets, sizeof *conn->secrets);
    free(conn->secrets);
    conn->secrets = NULL;
    conn->state = KTLA__ESTABLISHED;
    return 1;
}

/*
 * After a TLS 1.3 hand-off the current secrets stay for KeyUpdate.  Their
 * room is taken before the socket is touched (0, or -1 out of memory), so
 * that nothing can fail once the kernel has the keys.
 */
static int reserve_rekey(ktla_conn *conn)
{
    if (conn->version != KTLA_TLS_1_3)
        return 0;
    conn->rekey = calloc(1, sizeof *conn->rekey);
    return conn->rekey ? 0 : -1;
}

static void drop_rekey(ktla_conn *conn)
{
    free(conn->rekey); /* nothing in it yet */
    conn->rekey = NULL;
}

/* After a TLS 1.3 hand-off, keep the current secrets for KeyUpdate; everything else goes. */
static void keep_rekey_secrets(ktla_conn *conn, mbedtls_md_type_t md)
{
    const struct ktla__secrets *s = conn->secrets;

    if (conn->rekey == NULL)
        return;
    if (s->app_len > sizeof conn->rekey->rx_secret) {
        drop_rekey(conn); /* a peer KeyUpdate then ends the connection with a clear error */
        return;
    }
    memcpy(conn->rekey->rx_secret, s->client_app, s->app_len);
    memcpy(conn->rekey->tx_secret, s->server_app, s->app_len);
    conn->rekey->secret_len = (uint8_t)s->app_len;
    conn->rekey->hash = (uint8_t)md;
}

static int install(ktla_conn *conn, mbedtls_md_type_t md, struct ktla__traffic_keys *tx,
                   struct ktla__traffic_keys *rx)
{
    char why[192];
    int rc = ktla__install_traffic_keys(conn->fd, tx, rx, why, sizeof why);

    if (rc == KTLA_E_UNSUPPORTED) {
        drop_rekey(conn);
        return stay_in_user_space(conn, why);
    }
    if (rc != 0) {
        int err = errno;
        /* No way back to user space: end the connection, so that the peer sees it end rather than hang. */
        shutdown(conn->fd, SHUT_RDWR);
        ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, err, -1,
                        "the kernel refused the keys after the TLS ULP was attached (%s); the connection is shut "
                        "down rather than sent in clear",
                        why);
        return -1;
    }
    conn->offload[KTLA_DIR_TX] = conn->offload[KTLA_DIR_RX] = KTLA_OFFLOAD_KERNEL;
    keep_rekey_secrets(conn, md);
    conn->state = KTLA__ESTABLISHED;
    mbedtls_platform_zeroize(conn->secrets, sizeof *conn->secrets);
    free(conn->secrets);
    conn->secrets = NULL;
    /* The kernel has the record layer; mbedTLS's state is stale from now on. */
    mbedtls_ssl_free(conn->ssl);
    free(conn->ssl);
    conn->ssl = NULL;
    return 1;
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
    mbedtls_md_type_t md = MBEDTLS_MD_NONE;
    const char *why;
    char buf[256];
    int rc;

    if (record_negotiated(conn) != 0) {
        ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, ENOMEM, -1, "out of memory recording what the handshake negotiated");
        return -1;
    }
    if (conn->cfg->client_auth == KTLA_CLIENT_AUTH_REQUIRED && !conn->peer_verified)
        return refuse_unauthenticated(conn);
    why = precondition(conn, &cipher, &md, buf, sizeof buf);
    if (why)
        return stay_in_user_space(conn, why);
    conn->cipher = cipher;
    why = derive(conn, cipher, md, &tx, &rx);
    if (why) {
        mbedtls_platform_zeroize(&tx, sizeof tx);
        mbedtls_platform_zeroize(&rx, sizeof rx);
        return stay_in_user_space(conn, why);
    }
    if (reserve_rekey(conn) != 0) {
        mbedtls_platform_zeroize(&tx, sizeof tx);
        mbedtls_platform_zeroize(&rx, sizeof rx);
        ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, ENOMEM, -1, "out of memory before handing the keys to the kernel");
        return -1;
    }
    rc = install(conn, md, &tx, &rx);
    mbedtls_platform_zeroize(&tx, sizeof tx);
    mbedtls_platform_zeroize(&rx, sizeof rx);
    return rc;
}

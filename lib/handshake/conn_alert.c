/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_alert.c - the alert that ends a failed handshake or record in user
 * space, and sending it when mbedTLS did not.
 *
 * RFC 8446 6 (and RFC 5246 7.2) end a failed connection with an alert.
 * mbedTLS 3.6 sends one for most failures, but not all: no group in common,
 * an X25519 share that gives an all-zero secret, an empty or malformed
 * record, an oversized one, an SSL 2.0 hello all end with a silent close
 * (docs/conformance.md).  ktla already knows which alert each failure calls
 * for (ktla_get_alert()); here it also sends it, once: never a second alert
 * after one mbedTLS wrote, never after a close_notify either way, never on
 * a transport that failed (the callers do not come here for those).
 */
#include "config.h"

#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>

#include "conn_internal.h"
#include "wire/tls_wire.h"

/* RFC 8446 5.2, RFC 5246 6.2.3: the longest protected record a peer may send. */
#define MAX_TLS13_CIPHERTEXT (TLS_MAX_PLAINTEXT_LEN + 256)
#define MAX_TLS12_CIPHERTEXT (TLS_MAX_PLAINTEXT_LEN + 2048)

/* SSL 2.0 framing (RFC 6101 appendix E): a 2-byte header with the top bit set, then CLIENT-HELLO (1). */
#define SSLV2_HEADER_BIT 0x80
#define SSLV2_CLIENT_HELLO 1

/* The alert RFC 8446 6.2 / RFC 5246 7.2.2 asks for, for mbedTLS's protocol errors. */
static int alert_for(int rc)
{
    switch (rc) {
    case MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE:
        return TLS_ALERT_HANDSHAKE_FAILURE;
    case MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION:
        return TLS_ALERT_PROTOCOL_VERSION;
    case MBEDTLS_ERR_SSL_DECODE_ERROR:
    case MBEDTLS_ERR_SSL_INVALID_RECORD:
        return TLS_ALERT_DECODE_ERROR;
    case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE:
        return TLS_ALERT_UNEXPECTED_MESSAGE;
    case MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER:
    /*
     * mbedTLS's server gives BAD_INPUT_DATA for what the peer sent that it
     * cannot use: a key share whose (EC)DH result is refused (RFC 7748 6.1:
     * all zeros), a handshake message longer than its buffer (OpenSSL
     * answers that "excessive message size" with illegal_parameter too).
     */
    case MBEDTLS_ERR_SSL_BAD_INPUT_DATA:
        return TLS_ALERT_ILLEGAL_PARAMETER;
    case MBEDTLS_ERR_SSL_BAD_CERTIFICATE:
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
        return TLS_ALERT_BAD_CERTIFICATE;
    case MBEDTLS_ERR_SSL_INVALID_MAC:
        return TLS_ALERT_BAD_RECORD_MAC;
    /* TLS 1.2 only: in TLS 1.3 mbedTLS sends its own (no_certificate, 41; see docs/conformance.md). */
    case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE:
        return TLS_ALERT_HANDSHAKE_FAILURE; /* RFC 5246 7.4.6 */
    case MBEDTLS_ERR_SSL_UNSUPPORTED_EXTENSION:
        return MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_EXT;
    case MBEDTLS_ERR_SSL_NO_APPLICATION_PROTOCOL:
        return MBEDTLS_SSL_ALERT_MSG_NO_APPLICATION_PROTOCOL;
    default:
        return -1;
    }
}

static int spoke_sslv2(const ktla_conn *conn)
{
    return conn->n_first_bytes >= 3 && (conn->first_bytes[0] & SSLV2_HEADER_BIT) &&
           conn->first_bytes[2] == SSLV2_CLIENT_HELLO;
}

/*
 * mbedTLS reports a bad record header (unknown type, too long) and a bad
 * record body alike; the header of the record it was reading tells them
 * apart.  Returns the alert, or -1 when the header is not to blame.
 */
static int alert_for_record_header(const ktla_conn *conn)
{
    const mbedtls_ssl_context *ssl = conn->ssl;
    const unsigned char *hdr = ssl->MBEDTLS_PRIVATE(in_hdr);
    size_t len, max = TLS_MAX_PLAINTEXT_LEN;

    if (hdr == NULL)
        return -1;
    len = ((size_t)hdr[TLS_RECORD_LENGTH_AT] << 8) | hdr[TLS_RECORD_LENGTH_AT + 1];
    if (ssl->MBEDTLS_PRIVATE(transform_in) != NULL)
        max = mbedtls_ssl_get_version_number(ssl) == MBEDTLS_SSL_VERSION_TLS1_2 ? MAX_TLS12_CIPHERTEXT
                                                                                : MAX_TLS13_CIPHERTEXT;
    if (len > max)
        return TLS_ALERT_RECORD_OVERFLOW;
    if (hdr[0] < TLS_CT_CHANGE_CIPHER_SPEC || hdr[0] > TLS_CT_APPLICATION_DATA)
        return TLS_ALERT_UNEXPECTED_MESSAGE; /* RFC 8446 5: an unexpected record type */
    return -1;
}

/* The alert this failure calls for; *why names what was wrong when ktla knows better than mbedTLS. */
static int alert_due(const ktla_conn *conn, int rc, const char **why)
{
    int alert;

    *why = NULL;
    if (rc == MBEDTLS_ERR_SSL_INVALID_RECORD || rc == MBEDTLS_ERR_SSL_BAD_INPUT_DATA) {
        if (conn->state == KTLA__HANDSHAKE && spoke_sslv2(conn)) {
            *why = "an SSL 2.0-format ClientHello: SSL 2.0 and 3.0 are not supported";
            return TLS_ALERT_PROTOCOL_VERSION;
        }
        alert = alert_for_record_header(conn);
        if (alert == TLS_ALERT_RECORD_OVERFLOW)
            *why = "a record longer than TLS allows";
        if (alert >= 0)
            return alert;
    }
    return alert_for(rc);
}

/*
 * Whether mbedTLS itself put an alert on the wire last, and which (*alert).
 * It records the fatal alerts it queues (alert_type); others it writes
 * directly, leaving only out_msgtype behind: then the description can be
 * read while records go out in the clear, and is otherwise taken to be the
 * one the failure calls for.  out_msgtype also covers a close_notify we
 * sent: no alert after that either.
 */
static int mbedtls_wrote_alert(const ktla_conn *conn, int due, int *alert)
{
    const mbedtls_ssl_context *ssl = conn->ssl;

    *alert = due;
    if (ssl->MBEDTLS_PRIVATE(alert_type) != 0) {
        *alert = ssl->MBEDTLS_PRIVATE(alert_type);
        return 1;
    }
    if (ssl->MBEDTLS_PRIVATE(out_msgtype) != MBEDTLS_SSL_MSG_ALERT)
        return 0;
    if (ssl->MBEDTLS_PRIVATE(transform_out) == NULL)
        *alert = ssl->MBEDTLS_PRIVATE(out_msg)[1];
    return 1;
}

/* Best effort, once: the caller is failing the connection whatever happens here. */
static void send_alert(ktla_conn *conn, int alert)
{
    mbedtls_ssl_context *ssl = conn->ssl;
    int flushing = ssl->MBEDTLS_PRIVATE(out_left) != 0;
    int rc = mbedtls_ssl_send_alert_message(ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, (unsigned char)alert);

    /* With output pending, mbedTLS only flushes it and writes no alert: ask again. */
    if (rc == 0 && flushing)
        mbedtls_ssl_send_alert_message(ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, (unsigned char)alert);
}

int ktla__alert_for_failure(ktla_conn *conn, int rc, const char **why)
{
    int due, alert;

    *why = NULL;
    if (conn->ssl == NULL || conn->state == KTLA__NEW)
        return alert_for(rc);
    due = alert_due(conn, rc, why);
    if (mbedtls_wrote_alert(conn, due, &alert) || conn->rec.close_notify_received)
        return alert;
    if (due >= 0)
        send_alert(conn, due);
    return due;
}

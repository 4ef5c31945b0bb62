/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_wire.h - numbers that travel on the wire, by name (internal).
 *
 * Content types (RFC 8446 5.1), alert levels and descriptions (RFC 8446
 * 6, RFC 5246 7.2) and handshake types (RFC 8446 4) that ktla reads or
 * writes itself, beside mbedTLS.  mbedTLS has its own names for these
 * (MBEDTLS_SSL_MSG_*, MBEDTLS_SSL_ALERT_MSG_*); these are for the code that
 * never sees an mbedTLS context, such as the kernel record path.
 */
#ifndef KTLA_TLS_WIRE_H
#define KTLA_TLS_WIRE_H

/* ContentType */
#define TLS_CT_CHANGE_CIPHER_SPEC 20
#define TLS_CT_ALERT 21
#define TLS_CT_HANDSHAKE 22
#define TLS_CT_APPLICATION_DATA 23
#define TLS_CT_HEARTBEAT 24 /* RFC 6520: never negotiated by ktla, only met */

/*
 * TLSPlaintext/TLSCiphertext header (RFC 8446 5.1): type (1 byte),
 * legacy_record_version (2), length (2, big-endian), then the fragment.
 */
#define TLS_RECORD_HEADER_LEN 5
#define TLS_RECORD_LENGTH_AT 3
/* The longest plaintext a record may carry, 2^14 (RFC 8446 5.1, RFC 5246 6.2.1). */
#define TLS_MAX_PLAINTEXT_LEN 16384

/* AlertLevel */
#define TLS_ALERT_LEVEL_WARNING 1
#define TLS_ALERT_LEVEL_FATAL 2

/* AlertDescription */
#define TLS_ALERT_CLOSE_NOTIFY 0
#define TLS_ALERT_UNEXPECTED_MESSAGE 10
#define TLS_ALERT_BAD_RECORD_MAC 20
#define TLS_ALERT_RECORD_OVERFLOW 22
#define TLS_ALERT_HANDSHAKE_FAILURE 40
#define TLS_ALERT_BAD_CERTIFICATE 42
#define TLS_ALERT_ILLEGAL_PARAMETER 47
#define TLS_ALERT_DECODE_ERROR 50
#define TLS_ALERT_PROTOCOL_VERSION 70
#define TLS_ALERT_INTERNAL_ERROR 80
#define TLS_ALERT_CERTIFICATE_REQUIRED 116
#define TLS_ALERT_NO_APPLICATION_PROTOCOL 120 /* RFC 7301 3.2 */

/* HandshakeType */
#define TLS_HS_HELLO_REQUEST 0 /* TLS 1.2 only (RFC 5246 7.4.1.1) */
#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_NEW_SESSION_TICKET 4
#define TLS_HS_KEY_UPDATE 24

/* A handshake message starts with its type and a 24-bit length. */
#define TLS_HS_HEADER_LEN 4

/* KeyUpdate (RFC 8446 4.6.3): one byte, KeyUpdateRequest, after the header. */
#define TLS_KEY_UPDATE_BODY_LEN 1
#define TLS_KEY_UPDATE_LEN (TLS_HS_HEADER_LEN + TLS_KEY_UPDATE_BODY_LEN)
#define TLS_KEY_UPDATE_NOT_REQUESTED 0
#define TLS_KEY_UPDATE_REQUESTED 1

/* An alert is two bytes: level, description. */
#define TLS_ALERT_LEN 2

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_internal.h - the inside of a ktla_conn (internal).
 *
 * Life of a connection: NEW -> HANDSHAKE (mbedTLS context alive) ->
 * ESTABLISHED (context freed; the records go to the kernel or to the user
 * engine, record/engine.h; a TLS 1.3 connection keeps what KeyUpdate
 * needs) -> CLOSED; FAILED is sticky.  What the record layer keeps lives
 * in conn->rec (record/record_layer.h), which sees nothing else of the
 * connection.
 */
#ifndef KTLA_CONN_INTERNAL_H
#define KTLA_CONN_INTERNAL_H

#include <mbedtls/ssl.h>
#include <stdarg.h>
#include <stdint.h>

#include "config_internal.h"
#include "ktla.h"
#include "keys/traffic_keys.h"
#include "record/record_layer.h"

enum ktla__state {
    KTLA__NEW = 0,
    KTLA__HANDSHAKE,
    KTLA__ESTABLISHED,
    KTLA__FAILED,
};

/* What mbedTLS's key-export callback handed over during the handshake. */
struct ktla__secrets {
    int have_tls12, have_tls13;
    unsigned char master[48];
    unsigned char client_random[32], server_random[32];
    unsigned char client_app[64], server_app[64]; /* TLS 1.3 application traffic secrets */
    size_t app_len;
};

/* The handshake timeout as a budget of the client's silence (deadline.h). */
struct ktla__silence {
    uint64_t budget_ms, spent_ms; /* budget 0: no timeout */
    uint64_t since_ms;            /* when the wait in progress began */
    uint64_t bytes_at_start;      /* TCP bytes received from the client by then */
    uint8_t waiting, reading, have_bytes;
};

struct ktla_conn {
    ktla_config *cfg;
    enum ktla__state state;
    int fd;
    ktla_recv_fn recv_fn;
    ktla_send_fn send_fn;
    void *io_arg;
    int io_errno;                  /* of the last failed socket call */
    unsigned char first_bytes[4];  /* to recognise plain HTTP on the TLS port */
    uint8_t n_first_bytes;
    struct ktla__silence silence;  /* the handshake timeout */
    mbedtls_ssl_context *ssl;      /* only during the handshake */
    struct ktla__secrets *secrets; /* only during the handshake */
    struct ktla__record rec;       /* the record layer: its engine, KeyUpdate secrets, a client's sessions */

    /* Negotiated, kept after the mbedTLS context is gone. */
    enum ktla_tls_version version;
    uint16_t suite;
    uint8_t resumed;
    uint8_t peer_verified;
    enum ktla_cipher cipher;
    char *alpn, *sni;
    unsigned char *peer_cert;
    size_t peer_cert_len;
    enum ktla_offload offload[2];
    char *offload_reason[2];

    /* The last failure (sticky once state is FAILED). */
    enum ktla_error last_error;
    int last_errno;
    int alert;
    char *reason;
};

/* Record a failure: class, errno (0 if none), alert (-1 if none), reason. */
void ktla__conn_fail(ktla_conn *conn, enum ktla_error err, int sys_errno, int alert, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void ktla__conn_vfail(ktla_conn *conn, enum ktla_error err, int sys_errno, int alert, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/*
 * conn_records.c: tell the record layer what it needs of this connection
 * (transport, what was negotiated, where failures go), before each use that
 * needs it: offering a session, the hand-off.
 */
void ktla__conn_record_owner(ktla_conn *conn);

/*
 * conn_records.c: start the record layer after the handshake (both
 * directions' keys derived): the kernel's or the user engine
 * (record/engine.h decides), recorded in conn->offload.  1 established,
 * or -1 with the failure recorded.
 */
int ktla__conn_start_records(ktla_conn *conn, const struct ktla__traffic_keys *tx,
                             const struct ktla__traffic_keys *rx, size_t max_out);

/*
 * A call used wrongly (bad argument, wrong state): -1 with
 * KTLA_ERROR_SYSCALL / EINVAL and the reason, the connection unharmed.
 */
long ktla__conn_misuse(ktla_conn *conn, const char *why);

/* A heap copy of a formatted reason; NULL on allocation failure. */
char *ktla__strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* conn.c: free and wipe the mbedTLS context and the exported secrets: the one place they go. */
void ktla__free_handshake_state(ktla_conn *conn);

/*
 * conn.c: one step of the handshake, either role: the first call sets up the
 * mbedTLS context, then prepare(conn) (NULL for none; 0 or -1 after
 * ktla__conn_fail()); every call runs mbedtls_ssl_handshake() and, once it
 * is over, the hand-off.  The ktla_accept()/ktla_connect() value.
 */
int ktla__handshake_drive(ktla_conn *conn, int (*prepare)(ktla_conn *conn));

/* session.c: hand the session of ktla_set_session() to mbedTLS before a client's first flight.  0. */
int ktla__offer_session(ktla_conn *conn);

/* handoff.c: after mbedtls_ssl_handshake() returned 0.  1 established, -1 failed. */
int ktla__handoff(ktla_conn *conn);

/* handoff.c: the export callback. */
void ktla__export_keys(void *conn, mbedtls_ssl_key_export_type type, const unsigned char *secret, size_t secret_len,
                       const unsigned char client_random[32], const unsigned char server_random[32],
                       mbedtls_tls_prf_types prf);

/*
 * conn_alert.c: the alert a failed mbedTLS call (rc) ends the connection
 * with: the one mbedTLS sent, or else the one the RFCs call for, which is
 * then sent (once, best effort).  *why is a better reason than mbedTLS's,
 * or NULL.  -1 when no alert applies.
 */
int ktla__alert_for_failure(ktla_conn *conn, int rc, const char **why);

/* conn_error.c: turn an mbedTLS error into ktla_get_error() state; returns the accept/read value (0 or -1). */
int ktla__fail_from_mbedtls(ktla_conn *conn, int mbedtls_rc, const char *during);

#endif

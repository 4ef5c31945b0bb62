/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record_layer.h - the record layer's own state and the little it needs of
 * the connection that owns it (internal).
 *
 * record/ never sees struct ktla_conn: the connection (handshake/) embeds a
 * struct ktla__record, fills in what the record layer needs (the transport,
 * what the handshake negotiated, how to record a failure) at the hand-off,
 * and hands it to the calls of record/.  Everything the engines own lives
 * here and is wiped and freed by ktla__record_free() (engine.h), the one
 * place.
 */
#ifndef KTLA_RECORD_LAYER_H
#define KTLA_RECORD_LAYER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ktla.h"

/*
 * Kept after a TLS 1.3 handshake, whichever engine has the records, for KeyUpdate: the current
 * traffic secrets and how to derive the next ones.  Wiped on free.
 */
struct ktla__rekey {
    unsigned char rx_secret[48], tx_secret[48];
    uint8_t secret_len;
    uint8_t hash;            /* mbedtls_md_type_t */
    uint8_t key_update_owed; /* the peer asked for our KeyUpdate, not sent yet (full send buffer) */
    uint8_t hs_len;          /* bytes of a handshake message split across records, in hs[] */
    unsigned char hs[4];     /* its start: a KeyUpdate is 5 bytes, and the 5th completes it */
};

/* What the owner of a record layer gives it: where the records go, and how it reports. */
struct ktla__record_owner {
    /* The transport: the socket, or the caller's callbacks (recv_fn non-NULL). */
    int fd;
    ktla_recv_fn recv_fn;
    ktla_send_fn send_fn;
    void *io_arg;
    /* What the handshake negotiated. */
    enum ktla_tls_version version;
    enum ktla_cipher cipher;
    uint8_t is_client;
    const char *server_name; /* a client's: the name its sessions are for; NULL for none */
    /* Record a failure on the connection: class, errno (0 if none), alert (-1 if none), reason. */
    void (*fail)(void *conn, enum ktla_error err, int sys_errno, int alert, const char *fmt, va_list ap)
        __attribute__((format(printf, 5, 0)));
    /* A call used wrongly (a file ktla_sendfile() cannot send): -1, the connection unharmed. */
    long (*misuse)(void *conn, const char *why);
    void *conn;
};

struct ktla__record {
    struct ktla__record_owner own;
    int io_errno;                        /* of the last failed socket call or callback */
    uint8_t close_notify_received;
    struct ktla__rekey *rekey;           /* only with TLS 1.3 */
    struct ktla__user_engine *user;      /* the user-space record engine; NULL on kTLS (user_engine.h) */
    struct ktla__client_resume *resume;  /* a client's sessions, offered and to offer (client_session.h) */
};

/* Report through the owner (own.fail, own.misuse). */
void ktla__record_fail(struct ktla__record *rec, enum ktla_error err, int sys_errno, int alert, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
long ktla__record_misuse(struct ktla__record *rec, const char *why);

#endif

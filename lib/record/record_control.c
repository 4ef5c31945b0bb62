/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record_control.c - the non-data records ktla_read() meets, from either
 * record engine (see record_control.h).
 *
 * The kernel hands up each non-data record on its own, in one or more
 * reads, with its content type; the user engine hands up each whole.  From a peer after the handshake ktla
 * expects only alerts and, in TLS 1.3, KeyUpdate; RFC 8446 says how those
 * must be framed, and each breach is answered with its alert:
 * - a KeyUpdate whose request_update is neither 0 nor 1: illegal_parameter
 *   (4.6.3);
 * - a handshake message split across records with another record between
 *   the pieces: unexpected_message (5.1: no interleaving).  Linux >= 6.14
 *   reads nothing after the first piece of a KeyUpdate (it waits for the new
 *   key), so there a split KeyUpdate ends the same way, interleaved or not;
 * - a KeyUpdate followed by more bytes in its record: unexpected_message
 *   (5.1: a KeyUpdate must end its record, as it changes the keys);
 * - any other handshake message, and any in TLS 1.2: unexpected_message;
 * - a record of any other type: unexpected_message (5).
 */
#include "config.h"

#include "record_control.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "client_session.h"
#include "keyupdate.h"
#include "engine.h"
#include "kernel/ktls.h"
#include "wire/tls_wire.h"

/* Fail with an alert we send: the peer broke the protocol. */
static long refuse(struct ktla__record *rec, unsigned char alert, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static long refuse(struct ktla__record *rec, unsigned char alert, const char *fmt, ...)
{
    char why[192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    ktla__record_fatal_alert(rec, alert);
    ktla__record_fail(rec, KTLA_ERROR_TLS, 0, alert, "%s", why);
    return -1;
}

/* The rest of an alert the read cut short (the record is already decrypted: its rest is there). */
static int read_alert_rest(struct ktla__record *rec, unsigned char *alert, size_t have)
{
    while (have < TLS_ALERT_LEN) {
        unsigned char type;
        long n = ktla__ktls_recv(rec->own.fd, alert + have, TLS_ALERT_LEN - have, &type, MSG_DONTWAIT);
        if (n == -EINTR)
            continue;
        if (n <= 0 || type != TLS_CT_ALERT)
            return -1;
        have += (size_t)n;
    }
    return 0;
}

static long handle_alert(struct ktla__record *rec, const unsigned char *buf, size_t n, size_t cap)
{
    unsigned char alert[TLS_ALERT_LEN];

    memcpy(alert, buf, n >= TLS_ALERT_LEN ? TLS_ALERT_LEN : n);
    if (n < TLS_ALERT_LEN && (n < cap || read_alert_rest(rec, alert, n) != 0))
        return refuse(rec, TLS_ALERT_DECODE_ERROR, "a truncated alert record (%u byte) from the peer", (unsigned)n);
    if (alert[1] == TLS_ALERT_CLOSE_NOTIFY) {
        rec->close_notify_received = 1;
        return 0;
    }
    ktla__record_fail(rec, KTLA_ERROR_TLS, 0, alert[1], "the peer sent %s alert %u",
                    alert[0] == TLS_ALERT_LEVEL_WARNING ? "warning" : "fatal", alert[1]);
    return -1;
}

/*
 * Whether the handshake record just read goes on past what the read
 * returned.  Only asked when the read filled its buffer: a peek that does
 * not wait.  The rest of a record the kernel has decrypted is there at once;
 * a record after a KeyUpdate is under the new key, which the kernel does
 * not have yet, so it cannot be mistaken for more of this one.
 */
static int record_goes_on(const struct ktla__record *rec)
{
    unsigned char byte, type;
    long n = ktla__ktls_recv(rec->own.fd, &byte, 1, &type, MSG_PEEK | MSG_DONTWAIT);

    return n > 0 && type == TLS_CT_HANDSHAKE;
}

#define KEY_UPDATE_AFTER "more handshake bytes after a KeyUpdate in its record (a KeyUpdate must end its record)"

/* A post-handshake handshake record: in TLS 1.3 only KeyUpdate (RFC 8446 4.6.3), and from a server NewSessionTicket. */
static long handle_handshake(struct ktla__record *rec, const unsigned char *buf, size_t n, size_t cap)
{
    struct ktla__rekey *rk = rec->rekey;
    unsigned char msg[TLS_KEY_UPDATE_LEN];
    size_t have, take;
    unsigned char request;

    if (rec->own.version != KTLA_TLS_1_3)
        return refuse(rec, TLS_ALERT_UNEXPECTED_MESSAGE,
                      "a handshake message (type %u) after a TLS 1.2 handshake: renegotiation is not supported", buf[0]);
    if (rk == NULL) {
        ktla__record_fail(rec, KTLA_ERROR_TLS, 0, -1, "the peer sent a handshake message but no traffic secret was kept");
        return -1;
    }
    if (rec->own.is_client) {
        long used = ktla__client_session_read(rec, buf, n);
        if (used < 0)
            return refuse(rec, TLS_ALERT_DECODE_ERROR, "a malformed NewSessionTicket from the server");
        if ((size_t)used == n)
            return 1;
        buf += used, n -= (size_t)used, cap -= (size_t)used;
    }
    /* the message so far: what earlier records brought (rk->hs), then this one */
    memcpy(msg, rk->hs, rk->hs_len);
    have = rk->hs_len;
    take = n < sizeof msg - have ? n : sizeof msg - have;
    memcpy(msg + have, buf, take);
    have += take;
    if (msg[0] != TLS_HS_KEY_UPDATE)
        return refuse(rec, TLS_ALERT_UNEXPECTED_MESSAGE,
                      "unexpected handshake message type %u from the peer after the handshake", msg[0]);
    if (have >= TLS_HS_HEADER_LEN && (msg[1] || msg[2] || msg[3] != TLS_KEY_UPDATE_BODY_LEN))
        return refuse(rec, TLS_ALERT_DECODE_ERROR, "a KeyUpdate whose length is %u (it is 1 byte)",
                      (unsigned)msg[1] << 16 | (unsigned)msg[2] << 8 | msg[3]);
    if (n > take)
        return refuse(rec, TLS_ALERT_UNEXPECTED_MESSAGE, KEY_UPDATE_AFTER);
    if (have < TLS_KEY_UPDATE_LEN) { /* the rest must come in the next record */
        memcpy(rk->hs, msg, have);
        rk->hs_len = (uint8_t)have;
        return 1;
    }
    rk->hs_len = 0;
    if (n == cap && record_goes_on(rec))
        return refuse(rec, TLS_ALERT_UNEXPECTED_MESSAGE, KEY_UPDATE_AFTER);
    request = msg[TLS_HS_HEADER_LEN];
    if (request != TLS_KEY_UPDATE_NOT_REQUESTED && request != TLS_KEY_UPDATE_REQUESTED)
        return refuse(rec, TLS_ALERT_ILLEGAL_PARAMETER,
                      "a KeyUpdate whose request_update is %u, neither 0 nor 1 (RFC 8446 4.6.3)", request);
    return ktla__keyupdate_peer(rec, request == TLS_KEY_UPDATE_REQUESTED) == 0 ? 1 : -1;
}

void ktla__refuse_split_key_update(struct ktla__record *rec)
{
    (void)refuse(rec, TLS_ALERT_UNEXPECTED_MESSAGE,
                 "the peer split a KeyUpdate across records (%u byte first): the kernel reads nothing more before the "
                 "new key, and the new key needs the whole message",
                 rec->rekey->hs_len);
}

int ktla__handshake_pending(const struct ktla__record *rec)
{
    return rec->rekey != NULL && (rec->rekey->hs_len > 0 || ktla__client_session_reading(rec));
}

long ktla__control_record(struct ktla__record *rec, unsigned char type, const unsigned char *buf, size_t n, size_t cap)
{
    if (ktla__handshake_pending(rec) && type != TLS_CT_HANDSHAKE)
        return refuse(rec, TLS_ALERT_UNEXPECTED_MESSAGE,
                      "a record of type %u between the pieces of a handshake message from the peer", type);
    switch (type) {
    case TLS_CT_ALERT:
        return handle_alert(rec, buf, n, cap);
    case TLS_CT_HANDSHAKE:
        return handle_handshake(rec, buf, n, cap);
    default:
        return refuse(rec, TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected record type %u from the peer", type);
    }
}

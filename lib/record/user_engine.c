/* SPDX-License-Identifier: Apache-2.0 */
/* user_engine.c - the user-space record layer: records over the socket or the caller's callbacks (see user_engine.h). */
#include "config.h"

#include "user_engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <mbedtls/platform_util.h>

#include "wire/tls_wire.h"
#include "record_crypto.h"

struct ktla__user_engine {
    struct ktla__record_suite suite;
    struct ktla__record_dir rx, tx;
    size_t max_out; /* plaintext per record we send */

    /* Receiving: the header, then the body in a buffer that exists only while a record is in flight. */
    unsigned char hdr[KTLA__RECORD_HEADER_LEN];
    uint8_t hdr_have;
    unsigned char *in; /* body as received, then opened in place; room for the next header after it */
    size_t in_len, in_have; /* in_have may pass in_len by the start of the next record's header */
    size_t pt_off, pt_len; /* application data opened and not read yet (in[pt_off..]) */

    /* Sending: one sealed record the socket has not taken whole yet. */
    unsigned char *out;
    size_t out_len, out_sent;
    size_t out_plain;  /* application bytes in it: the write's result once all of it is sent */
    size_t write_done; /* that result, owed to the write call repeated after WANT_WRITE */
    uint8_t close_notify_queued;
};

/* What a raw transfer did besides move bytes. */
#define IO_WANT (-2)
#define IO_FAILED (-1)

static void release(unsigned char **buf, size_t len)
{
    if (*buf) {
        mbedtls_platform_zeroize(*buf, len);
        free(*buf);
        *buf = NULL;
    }
}

static void release_in(struct ktla__user_engine *e)
{
    release(&e->in, e->in_len + KTLA__RECORD_HEADER_LEN);
    e->in_len = e->in_have = e->pt_off = e->pt_len = 0;
}

static void release_out(struct ktla__user_engine *e)
{
    release(&e->out, e->out_len);
    e->out_len = e->out_sent = 0;
}

int ktla__user_engine_start(struct ktla__record *rec, const struct ktla__traffic_keys *tx,
                            const struct ktla__traffic_keys *rx, size_t max_out)
{
    struct ktla__user_engine *e = calloc(1, sizeof *e);

    if (e == NULL)
        return -1;
    e->suite.version = tx->version;
    e->suite.cipher = tx->cipher;
    e->max_out = max_out > 0 && max_out < KTLA__RECORD_MAX_PLAINTEXT ? max_out : KTLA__RECORD_MAX_PLAINTEXT;
    e->rx.key = e->tx.key = PSA_KEY_ID_NULL;
    if (ktla__record_dir_set(&e->tx, tx) != 0 || ktla__record_dir_set(&e->rx, rx) != 0) {
        ktla__record_dir_clear(&e->tx);
        ktla__record_dir_clear(&e->rx);
        free(e);
        return -1;
    }
    rec->user = e;
    return 0;
}

void ktla__user_engine_free(struct ktla__record *rec)
{
    struct ktla__user_engine *e = rec->user;

    if (e == NULL)
        return;
    release_in(e);
    release_out(e);
    ktla__record_dir_clear(&e->rx);
    ktla__record_dir_clear(&e->tx);
    mbedtls_platform_zeroize(e, sizeof *e);
    free(e);
    rec->user = NULL;
}

size_t ktla__user_pending(const struct ktla__record *rec)
{
    return rec->user ? rec->user->pt_len : 0;
}

/* One recv: > 0 bytes, 0 end of stream, IO_WANT, or IO_FAILED (rec->io_errno says why). */
static long raw_recv(struct ktla__record *rec, unsigned char *buf, size_t len)
{
    if (rec->own.recv_fn) {
        long n = rec->own.recv_fn(rec->own.io_arg, buf, len);
        if (n == KTLA_IO_WANT_READ || n == KTLA_IO_WANT_WRITE)
            return IO_WANT;
        if (n < 0 || (size_t)n > len) {
            rec->io_errno = 0;
            return IO_FAILED;
        }
        return n;
    }
    for (;;) {
        ssize_t n = recv(rec->own.fd, buf, len, 0);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return IO_WANT;
        rec->io_errno = errno;
        return IO_FAILED;
    }
}

/* One send: > 0 bytes taken, IO_WANT, or IO_FAILED. */
static long raw_send(struct ktla__record *rec, const unsigned char *buf, size_t len, int dont_wait)
{
    if (rec->own.send_fn) {
        long n = rec->own.send_fn(rec->own.io_arg, buf, len);
        if (n == KTLA_IO_WANT_READ || n == KTLA_IO_WANT_WRITE)
            return IO_WANT;
        if (n <= 0 || (size_t)n > len) {
            rec->io_errno = 0;
            return IO_FAILED;
        }
        return n;
    }
    for (;;) {
        ssize_t n = send(rec->own.fd, buf, len, MSG_NOSIGNAL | (dont_wait ? MSG_DONTWAIT : 0));
        if (n > 0)
            return n;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return IO_WANT;
        rec->io_errno = n < 0 ? errno : EPIPE;
        return IO_FAILED;
    }
}

/*
 * Send what is left of the record in flight.  0 when it is all sent (the
 * buffer is freed, a data record's count becomes write_done), else
 * -EAGAIN or -errno.
 */
static int flush(struct ktla__record *rec, int dont_wait)
{
    struct ktla__user_engine *e = rec->user;

    while (e->out != NULL && e->out_sent < e->out_len) {
        long n = raw_send(rec, e->out + e->out_sent, e->out_len - e->out_sent, dont_wait);
        if (n == IO_WANT)
            return -EAGAIN;
        if (n < 0)
            return rec->io_errno ? -rec->io_errno : -EIO;
        e->out_sent += (size_t)n;
    }
    if (e->out != NULL) {
        release_out(e);
        e->write_done = e->out_plain;
        e->out_plain = 0;
    }
    return 0;
}

/* Seal one record into a new out buffer (none may be in flight).  0 or -1. */
static int seal(struct ktla__record *rec, unsigned char type, const unsigned char *pt, size_t pt_len)
{
    struct ktla__user_engine *e = rec->user;
    size_t total = ktla__record_sealed_len(&e->suite, pt_len);
    long n;

    e->out = malloc(total);
    if (e->out == NULL)
        return -1;
    e->out_len = total;
    e->out_sent = 0;
    n = ktla__record_seal(&e->suite, &e->tx, type, pt, pt_len, e->out);
    if (n != (long)total) {
        release_out(e);
        return -1;
    }
    return 0;
}

static int seal_failure(struct ktla__record *rec, const char *what)
{
    struct ktla__user_engine *e = rec->user;

    if (e->tx.seq == UINT64_MAX)
        ktla__record_fail(rec, KTLA_ERROR_TLS, 0, -1,
                        "the transmit sequence number is used up (2^64 - 1 records): %s would reuse a nonce; the "
                        "connection is closed",
                        what);
    else
        ktla__record_fail(rec, KTLA_ERROR_SYSCALL, ENOMEM, -1, "%s could not be sealed (out of memory or PSA failure)",
                        what);
    return -1;
}

int ktla__user_send_control(struct ktla__record *rec, unsigned char type, const void *data, size_t len)
{
    struct ktla__user_engine *e = rec->user;
    int rc = flush(rec, 0);

    if (rc != 0)
        return rc;
    if (seal(rec, type, data, len) != 0)
        return e->tx.seq == UINT64_MAX ? -EOVERFLOW : -ENOMEM;
    rc = flush(rec, 0);
    /* Sealed under the current key: what the socket did not take goes first in the next call. */
    return rc == -EAGAIN ? 0 : rc;
}

void ktla__user_fatal_alert(struct ktla__record *rec, unsigned char description)
{
    struct ktla__user_engine *e = rec->user;
    const unsigned char alert[TLS_ALERT_LEN] = {TLS_ALERT_LEVEL_FATAL, description};

    /* Best effort and never waiting: a record sent in part must end before another may start. */
    if (e == NULL || flush(rec, 1) != 0 || seal(rec, TLS_CT_ALERT, alert, sizeof alert) != 0)
        return;
    (void)flush(rec, 1);
    release_out(e); /* the connection ends here: nothing more of it will be sent */
}

/* Fail with an alert we send: the peer's record broke the protocol. */
static long refuse(struct ktla__record *rec, int alert, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static long refuse(struct ktla__record *rec, int alert, const char *fmt, ...)
{
    char why[192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    release_in(rec->user);
    ktla__user_fatal_alert(rec, (unsigned char)alert);
    ktla__record_fail(rec, KTLA_ERROR_TLS, 0, alert, "%s", why);
    return -1;
}

static long io_failure(struct ktla__record *rec, long n, enum ktla_direction dir)
{
    if (n == IO_WANT) {
        ktla__record_fail(rec, dir == KTLA_DIR_RX ? KTLA_ERROR_WANT_READ : KTLA_ERROR_WANT_WRITE, 0, -1, "would block");
        return -1;
    }
    if (n == 0) {
        ktla__record_fail(rec, KTLA_ERROR_SYSCALL, 0, -1,
                        "the peer closed the TCP connection without close_notify (the data may be truncated)");
        return -1;
    }
    ktla__record_fail(rec, KTLA_ERROR_SYSCALL, rec->io_errno, -1, "%s failed: %s",
                    dir == KTLA_DIR_RX ? "receiving a record" : "sending a record",
                    rec->io_errno ? strerror(rec->io_errno) : "the I/O callback reported an error");
    return -1;
}

static const char *alert_reason(int alert)
{
    switch (alert) {
    case TLS_ALERT_BAD_RECORD_MAC:
        return "a record from the peer failed authentication (bad_record_mac); the connection is dead";
    case TLS_ALERT_RECORD_OVERFLOW:
        return "the peer sent a record longer than TLS allows (record_overflow)";
    case TLS_ALERT_UNEXPECTED_MESSAGE:
        return "the peer sent a record of a type or shape TLS does not allow here (unexpected_message)";
    case TLS_ALERT_DECODE_ERROR:
        return "the peer sent a record header that does not parse (decode_error)";
    default:
        return "the receive sequence number is used up, or the record could not be opened";
    }
}

/*
 * Receive and open the next record, keeping what came across WANT_READ.
 * 0 with the record opened in e->in (*type, e->pt_off, e->pt_len), or -1
 * with the failure recorded.
 */
static long next_record(struct ktla__record *rec, unsigned char *type)
{
    struct ktla__user_engine *e = rec->user;
    long n;
    int alert;

    while (e->hdr_have < sizeof e->hdr) {
        n = raw_recv(rec, e->hdr + e->hdr_have, sizeof e->hdr - e->hdr_have);
        if (n <= 0)
            return io_failure(rec, n, KTLA_DIR_RX);
        e->hdr_have += (uint8_t)n;
    }
    if (e->in == NULL) {
        size_t body_len;

        alert = ktla__record_check_header(&e->suite, e->hdr, &body_len);
        if (alert != 0)
            return refuse(rec, alert, "%s", alert_reason(alert));
        e->in = malloc(body_len + KTLA__RECORD_HEADER_LEN);
        if (e->in == NULL) {
            ktla__record_fail(rec, KTLA_ERROR_SYSCALL, ENOMEM, -1, "out of memory for a record");
            return -1;
        }
        e->in_len = body_len;
        e->in_have = 0;
    }
    /*
     * The body, and in the same call what has come of the next record's
     * header: one receive per record instead of two.  Nothing else ever
     * reads this stream (the user engine keeps a connection to its end), so
     * reading ahead loses nothing.
     */
    while (e->in_have < e->in_len) {
        n = raw_recv(rec, e->in + e->in_have, e->in_len + KTLA__RECORD_HEADER_LEN - e->in_have);
        if (n <= 0)
            return io_failure(rec, n, KTLA_DIR_RX);
        e->in_have += (size_t)n;
    }
    alert = ktla__record_open(&e->suite, &e->rx, e->hdr, e->in, e->in_len, type, &e->pt_off, &e->pt_len);
    if (alert != 0)
        return refuse(rec, alert, "%s", alert_reason(alert));
    /* The header is spent (it was the additional data); the next one's start takes its place. */
    e->hdr_have = (uint8_t)(e->in_have - e->in_len);
    memcpy(e->hdr, e->in + e->in_len, e->hdr_have);
    return 0;
}

int ktla__user_flush_own(struct ktla__record *rec)
{
    struct ktla__user_engine *e = rec->user;

    /* Our own record sent in part (a KeyUpdate, say) goes on first; a data record waits for its write call. */
    if (e->out != NULL && e->out_plain == 0 && flush(rec, 0) == -EAGAIN)
        return (int)io_failure(rec, IO_WANT, KTLA_DIR_TX);
    return 0;
}

int ktla__user_next_record(struct ktla__record *rec, unsigned char *type, const unsigned char **pt, size_t *len)
{
    struct ktla__user_engine *e = rec->user;

    if (next_record(rec, type) != 0)
        return -1;
    /* RFC 8446 5.1: alerts and handshake messages are never empty. */
    if (e->pt_len == 0 && (*type == TLS_CT_ALERT || *type == TLS_CT_HANDSHAKE))
        return (int)refuse(rec, TLS_ALERT_UNEXPECTED_MESSAGE, "an empty record of type %u from the peer", *type);
    *pt = e->in + e->pt_off;
    *len = e->pt_len;
    return 0;
}

size_t ktla__user_take(struct ktla__record *rec, void *buf, size_t len)
{
    struct ktla__user_engine *e = rec->user;
    size_t n = len < e->pt_len ? len : e->pt_len;

    memcpy(buf, e->in + e->pt_off, n);
    e->pt_off += n;
    e->pt_len -= n;
    if (e->pt_len == 0)
        release_in(e);
    return n;
}

void ktla__user_drop_record(struct ktla__record *rec)
{
    release_in(rec->user);
}

long ktla__user_write(struct ktla__record *rec, const void *buf, size_t len)
{
    struct ktla__user_engine *e = rec->user;
    size_t take = len < e->max_out ? len : e->max_out;
    long n;
    int rc = flush(rec, 0);

    if (rc == 0 && e->write_done == 0) {
        if (seal(rec, TLS_CT_APPLICATION_DATA, buf, take) != 0)
            return seal_failure(rec, "a data record");
        e->out_plain = take;
        rc = flush(rec, 0);
    }
    if (rc != 0)
        return io_failure(rec, rc == -EAGAIN ? IO_WANT : IO_FAILED, KTLA_DIR_TX);
    /* After WANT_WRITE the caller repeats the call with the same bytes: the record sent carried them. */
    n = (long)e->write_done;
    e->write_done = 0;
    return n;
}

int ktla__user_shutdown(struct ktla__record *rec)
{
    static const unsigned char close_notify[TLS_ALERT_LEN] = {TLS_ALERT_LEVEL_WARNING, TLS_ALERT_CLOSE_NOTIFY};
    struct ktla__user_engine *e = rec->user;
    int rc = 0;

    if (!e->close_notify_queued) {
        rc = ktla__user_send_control(rec, TLS_CT_ALERT, close_notify, sizeof close_notify);
        if (rc == 0)
            e->close_notify_queued = 1;
    }
    if (rc == 0)
        rc = flush(rec, 0);
    if (rc == 0)
        return 1;
    if (rc == -EOVERFLOW || rc == -ENOMEM)
        return seal_failure(rec, "close_notify");
    return (int)io_failure(rec, rc == -EAGAIN ? IO_WANT : IO_FAILED, KTLA_DIR_TX);
}

int ktla__user_set_keys(struct ktla__record *rec, enum ktla_direction dir, const struct ktla__traffic_keys *keys)
{
    struct ktla__user_engine *e = rec->user;
    struct ktla__record_dir next;

    if (ktla__record_dir_set(&next, keys) != 0)
        return -ENOMEM;
    ktla__record_dir_clear(dir == KTLA_DIR_RX ? &e->rx : &e->tx);
    memcpy(dir == KTLA_DIR_RX ? &e->rx : &e->tx, &next, sizeof next);
    mbedtls_platform_zeroize(&next, sizeof next);
    return 0;
}

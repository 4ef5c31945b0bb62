/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.c - reading and writing after the hand-off, in either mode: what
 * ktla_read(), ktla_write(), ktla_sendfile() and ktla_shutdown() do once
 * handshake/conn_records.c has found the connection usable (see record.h).
 *
 * On kTLS every call is one system call on the socket; the only user-space
 * work is for the rare non-data records (alerts, KeyUpdate: record_control.c)
 * and a KeyUpdate we owe the peer (keyupdate.c).  In user space the calls
 * go to ktla's own record engine (record/user_engine.c), whose non-data
 * records meet the same control code.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "record.h"
#include "keyupdate.h"
#include "engine.h"
#include "kernel/ktls.h"
#include "user_engine.h"
#include "record_control.h"
#include "wire/tls_wire.h"

static int in_kernel(const struct ktla__record *rec)
{
    return !ktla__record_in_user_space(rec);
}

/*
 * Turn a failed socket call on kTLS into the connection's error: dir says
 * which way the call moved records (a blocked one wants to read or to
 * write), call names it in the reason.
 */
static long socket_error(struct ktla__record *rec, int err, enum ktla_direction dir, const char *call)
{
    switch (err) {
    case EAGAIN:
#if EAGAIN != EWOULDBLOCK
    case EWOULDBLOCK:
#endif
        ktla__record_fail(rec, dir == KTLA_DIR_RX ? KTLA_ERROR_WANT_READ : KTLA_ERROR_WANT_WRITE, 0, -1,
                        "would block");
        break;
    case EBADMSG:
        ktla__record_fatal_alert(rec, TLS_ALERT_BAD_RECORD_MAC);
        ktla__record_fail(rec, KTLA_ERROR_TLS, err, TLS_ALERT_BAD_RECORD_MAC,
                        "a record from the peer failed authentication (bad_record_mac); the connection is dead");
        break;
    case EMSGSIZE:
        ktla__record_fatal_alert(rec, TLS_ALERT_RECORD_OVERFLOW);
        ktla__record_fail(rec, KTLA_ERROR_TLS, err, TLS_ALERT_RECORD_OVERFLOW,
                        "the peer sent a record longer than TLS allows (record_overflow)");
        break;
    case EKEYEXPIRED:
        if (ktla__handshake_pending(rec))
            ktla__refuse_split_key_update(rec);
        else
            ktla__record_fail(rec, KTLA_ERROR_TLS, err, -1, "the peer's receive keys expired without a usable KeyUpdate");
        break;
    default:
        ktla__record_fail(rec, KTLA_ERROR_SYSCALL, err, -1, "%s on the kTLS socket failed: %s", call, strerror(err));
        break;
    }
    return -1;
}

/*
 * A KeyUpdate the peer asked for and the send buffer had no room for goes
 * out first, in whichever call comes next (RFC 8446 4.6.3: before our next
 * application data).  0, or -1 with WANT_WRITE or the failure recorded.
 */
static int send_owed_key_update(struct ktla__record *rec)
{
    return rec->rekey && rec->rekey->key_update_owed ? ktla__keyupdate_flush(rec) : 0;
}

static long kernel_read(struct ktla__record *rec, void *buf, size_t len)
{
    for (;;) {
        unsigned char type;
        long n, rc;

        if (rec->close_notify_received)
            return 0;
        n = ktla__ktls_recv(rec->own.fd, buf, len, &type, 0);
        if (n == -EINTR)
            continue;
        if (n < 0)
            return socket_error(rec, (int)-n, KTLA_DIR_RX, "read");
        if (n == 0 && len > 0) {
            ktla__record_fail(rec, KTLA_ERROR_SYSCALL, 0, -1,
                            "the peer closed the TCP connection without close_notify (the data may be truncated)");
            return -1;
        }
        if (type == TLS_CT_APPLICATION_DATA && !ktla__handshake_pending(rec))
            return n;
        rc = ktla__control_record(rec, type, buf, (size_t)n, len);
        if (rc <= 0)
            return rc < 0 ? -1 : 0;
    }
}

/* The same loop over ktla's own records: whole records, opened and checked by the user engine. */
static long user_read(struct ktla__record *rec, void *buf, size_t len)
{
    if (ktla__user_flush_own(rec) != 0)
        return -1;
    for (;;) {
        const unsigned char *pt;
        unsigned char type;
        size_t n;
        long rc;

        if (ktla__user_pending(rec) > 0)
            return (long)ktla__user_take(rec, buf, len);
        if (rec->close_notify_received)
            return 0;
        if (ktla__user_next_record(rec, &type, &pt, &n) != 0)
            return -1;
        if (type == TLS_CT_APPLICATION_DATA && !ktla__handshake_pending(rec)) {
            if (n == 0)
                ktla__user_drop_record(rec); /* an empty data record: allowed, and nothing to return */
            continue;
        }
        /* The whole record is here: a cap beyond it tells the control code that nothing of it is left to read. */
        rc = ktla__control_record(rec, type, pt, n, n + 1);
        ktla__user_drop_record(rec);
        if (rc <= 0)
            return rc < 0 ? -1 : 0;
    }
}

long ktla__record_read(struct ktla__record *rec, void *buf, size_t len)
{
    if (send_owed_key_update(rec) != 0)
        return -1;
    return in_kernel(rec) ? kernel_read(rec, buf, len) : user_read(rec, buf, len);
}

long ktla__record_write(struct ktla__record *rec, const void *buf, size_t len)
{
    ssize_t n;

    if (send_owed_key_update(rec) != 0)
        return -1;
    if (!in_kernel(rec))
        return ktla__user_write(rec, buf, len);
    do
        n = send(rec->own.fd, buf, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n >= 0 ? n : socket_error(rec, errno, KTLA_DIR_TX, "write");
}

/*
 * In user space a file goes through the user engine a record at a time.
 * After WANT_WRITE the write must be repeated with the same bytes:
 * re-reading them from the same offset gives exactly that.
 */
static long user_sendfile(struct ktla__record *rec, int file_fd, long long *offset, size_t count)
{
    unsigned char chunk[TLS_MAX_PLAINTEXT_LEN];
    size_t want = count < sizeof chunk ? count : sizeof chunk;
    ssize_t got;
    long n;

    do
        got = pread(file_fd, chunk, want, (off_t)*offset);
    while (got < 0 && errno == EINTR);
    if (got <= 0)
        return ktla__record_misuse(rec, got < 0 ? "the file could not be read" : "end of file before count bytes");
    n = ktla__user_write(rec, chunk, (size_t)got);
    mbedtls_platform_zeroize(chunk, (size_t)got);
    if (n > 0)
        *offset += n;
    return n;
}

/*
 * sendfile(2) has no MSG_NOSIGNAL: a peer that is gone would raise SIGPIPE
 * and kill a server that did not ignore it.  Block the signal for the call
 * and swallow one it raised, leaving a SIGPIPE that was already pending.
 */
static ssize_t sendfile_nosigpipe(int sock, int file_fd, off_t *off, size_t count)
{
    sigset_t pipe_only, old, pending;
    ssize_t n;
    int saved, was_pending;

    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE);
    do
        n = sendfile(sock, file_fd, off, count);
    while (n < 0 && errno == EINTR);
    saved = errno;
    /* kTLS may raise it and still report a partial count: look, whatever n is. */
    sigpending(&pending);
    if (!was_pending && sigismember(&pending, SIGPIPE)) {
        const struct timespec now = {0, 0};
        sigtimedwait(&pipe_only, NULL, &now);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return n;
}

long ktla__record_sendfile(struct ktla__record *rec, int file_fd, long long *offset, size_t count)
{
    off_t off;
    ssize_t n;

    if (send_owed_key_update(rec) != 0)
        return -1;
    if (!in_kernel(rec))
        return user_sendfile(rec, file_fd, offset, count);
    off = (off_t)*offset;
    n = sendfile_nosigpipe(rec->own.fd, file_fd, &off, count);
    /* Errors of the file, not of the connection: the connection stays usable. */
    if (n < 0 && (errno == EBADF || errno == ESPIPE || errno == EOVERFLOW || errno == EINVAL || errno == EISDIR))
        return ktla__record_misuse(rec, "the file cannot be sent (not a readable regular file, or a bad offset)");
    if (n < 0)
        return socket_error(rec, errno, KTLA_DIR_TX, "sendfile");
    if (n == 0)
        return ktla__record_misuse(rec, "end of file before count bytes");
    *offset = off;
    return n;
}

int ktla__record_shutdown(struct ktla__record *rec)
{
    static const unsigned char close_notify[TLS_ALERT_LEN] = {TLS_ALERT_LEVEL_WARNING, TLS_ALERT_CLOSE_NOTIFY};
    int rc;

    if (send_owed_key_update(rec) != 0)
        return -1;
    if (!in_kernel(rec))
        return ktla__user_shutdown(rec);
    rc = ktla__ktls_send_control(rec->own.fd, TLS_CT_ALERT, close_notify, sizeof close_notify);
    return rc == 0 ? 1 : (int)socket_error(rec, -rc, KTLA_DIR_TX, "sending close_notify");
}

/*
 * Only the user-space record layer keeps plaintext in this process: the
 * rest of a record the user engine opened that the last read did not take.  On
 * kTLS nothing decrypted stays here; what the kernel keeps makes the socket
 * readable, and FIONREAD there is TCP's count (net/tls adds no ioctl of its
 * own): the sealed record before a read, 0 while the rest of a record read
 * in part waits in the kernel (Linux 6.12, tests/vm/test_kernel_records.c),
 * so it is no answer to this question.
 */
size_t ktla__record_pending(const struct ktla__record *rec)
{
    return ktla__user_pending(rec);
}

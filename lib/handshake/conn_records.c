/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_records.c - the connection and the record layer it embeds
 * (conn->rec): what the record layer is told of the connection, starting it
 * after the handshake, and ktla_read(), ktla_write(), ktla_sendfile(),
 * ktla_shutdown() and ktla_pending(): the connection's checks, then the
 * record layer's work (record/record.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"
#include "record/engine.h"
#include "record/record.h"

__attribute__((format(printf, 5, 0))) static void record_failed(void *conn, enum ktla_error err, int sys_errno,
                                                                int alert, const char *fmt, va_list ap)
{
    ktla__conn_vfail(conn, err, sys_errno, alert, fmt, ap);
}

static long record_misused(void *conn, const char *why)
{
    return ktla__conn_misuse(conn, why);
}

void ktla__conn_record_owner(ktla_conn *conn)
{
    struct ktla__record_owner *own = &conn->rec.own;

    own->fd = conn->fd;
    own->recv_fn = conn->recv_fn;
    own->send_fn = conn->send_fn;
    own->io_arg = conn->io_arg;
    own->version = conn->version;
    own->cipher = conn->cipher;
    own->is_client = (uint8_t)conn->cfg->is_client;
    own->server_name = conn->sni;
    own->fail = record_failed;
    own->misuse = record_misused;
    own->conn = conn;
}

static int set_offload(ktla_conn *conn, enum ktla_offload where, const char *why)
{
    for (int d = 0; d < 2; d++) {
        conn->offload[d] = where;
        if (why && (conn->offload_reason[d] = strdup(why)) == NULL) {
            ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, ENOMEM, -1, "out of memory recording where the records go");
            return -1;
        }
    }
    conn->state = KTLA__ESTABLISHED;
    return 1;
}

int ktla__conn_start_records(ktla_conn *conn, const struct ktla__traffic_keys *tx,
                             const struct ktla__traffic_keys *rx, size_t max_out)
{
    char why[256];
    int where;

    ktla__conn_record_owner(conn);
    where = ktla__record_engine_start(&conn->rec, conn->cfg->offload, tx, rx, max_out, why, sizeof why);
    if (where < 0)
        return -1;
    return set_offload(conn, (enum ktla_offload)where, where == KTLA_OFFLOAD_USER ? why : NULL);
}

/*
 * Calls that move data need an established connection and a real buffer.
 * A failure is sticky; misuse is reported and harms nothing (a read during
 * a non-blocking handshake must not kill the handshake).
 */
static int established(ktla_conn *conn)
{
    if (conn == NULL)
        return 0;
    if (conn->state == KTLA__FAILED)
        return 0;
    if (conn->state != KTLA__ESTABLISHED) {
        ktla__conn_misuse(conn, "the handshake has not completed: call ktla_accept() until it returns 1");
        return 0;
    }
    conn->last_error = KTLA_ERROR_NONE;
    return 1;
}

static int usable(ktla_conn *conn, const void *buf, size_t len)
{
    if (!established(conn))
        return 0;
    if (buf == NULL || len == 0) {
        ktla__conn_misuse(conn, "a NULL buffer or a length of 0");
        return 0;
    }
    return 1;
}

long ktla_read(ktla_conn *conn, void *buf, size_t len)
{
    long n;

    if (!usable(conn, buf, len))
        return -1;
    n = ktla__record_read(&conn->rec, buf, len);
    if (n == 0) /* the peer's close_notify, now or before: not a failure */
        conn->last_error = KTLA_ERROR_ZERO_RETURN;
    return n;
}

size_t ktla_pending(const ktla_conn *conn)
{
    if (conn == NULL || conn->state != KTLA__ESTABLISHED)
        return 0;
    return ktla__record_pending(&conn->rec);
}

long ktla_write(ktla_conn *conn, const void *buf, size_t len)
{
    return usable(conn, buf, len) ? ktla__record_write(&conn->rec, buf, len) : -1;
}

long ktla_sendfile(ktla_conn *conn, int file_fd, long long *offset, size_t count)
{
    if (offset == NULL)
        return conn ? ktla__conn_misuse(conn, "no offset") : -1;
    if (!usable(conn, offset, count))
        return -1;
    if (*offset < 0 || file_fd < 0)
        return ktla__conn_misuse(conn, "a negative offset or file descriptor");
    return ktla__record_sendfile(&conn->rec, file_fd, offset, count);
}

int ktla_shutdown(ktla_conn *conn)
{
    return established(conn) ? ktla__record_shutdown(&conn->rec) : -1;
}

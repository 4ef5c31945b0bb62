/* SPDX-License-Identifier: Apache-2.0 */
/* conn_error.c - how failures are recorded on a connection, and mbedTLS errors mapped to them. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "conn_internal.h"
#include "transport.h"

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
    char *s = NULL;

    if (vasprintf(&s, fmt, ap) < 0)
        return NULL;
    return s;
}

char *ktla__strdup_printf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = vformat(fmt, ap);
    va_end(ap);
    return s;
}

void ktla__conn_vfail(ktla_conn *conn, enum ktla_error err, int sys_errno, int alert, const char *fmt, va_list ap)
{
    conn->last_error = err;
    conn->last_errno = sys_errno;
    conn->alert = alert;
    free(conn->reason);
    conn->reason = vformat(fmt, ap);
    /* Retry conditions are not failures; everything else ends the connection. */
    if (err != KTLA_ERROR_WANT_READ && err != KTLA_ERROR_WANT_WRITE)
        conn->state = KTLA__FAILED;
}

void ktla__conn_fail(ktla_conn *conn, enum ktla_error err, int sys_errno, int alert, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ktla__conn_vfail(conn, err, sys_errno, alert, fmt, ap);
    va_end(ap);
}

long ktla__conn_misuse(ktla_conn *conn, const char *why)
{
    char *copy = strdup(why);

    conn->last_error = KTLA_ERROR_SYSCALL;
    conn->last_errno = EINVAL;
    conn->alert = -1;
    free(conn->reason);
    conn->reason = copy; /* NULL reads as "" */
    errno = EINVAL;
    return -1;
}

int ktla__fail_from_mbedtls(ktla_conn *conn, int rc, const char *during)
{
    const char *why;
    char msg[128];
    int alert;

    switch (rc) {
    case MBEDTLS_ERR_SSL_WANT_READ:
        ktla__conn_fail(conn, KTLA_ERROR_WANT_READ, 0, -1, "waiting to read");
        return -1;
    case MBEDTLS_ERR_SSL_WANT_WRITE:
        ktla__conn_fail(conn, KTLA_ERROR_WANT_WRITE, 0, -1, "waiting to write");
        return -1;
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
        ktla__conn_fail(conn, KTLA_ERROR_ZERO_RETURN, 0, MBEDTLS_SSL_ALERT_MSG_CLOSE_NOTIFY,
                        "the peer closed the connection with close_notify %s", during);
        return 0;
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
        alert = conn->ssl ? conn->ssl->MBEDTLS_PRIVATE(in_msg)[1] : -1;
        ktla__conn_fail(conn, KTLA_ERROR_TLS, 0, alert, "the peer sent fatal alert %d %s", alert, during);
        return 0;
    case MBEDTLS_ERR_SSL_CONN_EOF:
        ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, 0, -1, "the peer closed the connection %s", during);
        return -1;
    case MBEDTLS_ERR_NET_RECV_FAILED:
    case MBEDTLS_ERR_NET_SEND_FAILED: {
        int err = ktla__transport_errno(conn);
        ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, err, -1, "%s failed %s: %s",
                        rc == MBEDTLS_ERR_NET_RECV_FAILED ? "receiving" : "sending", during,
                        err ? strerror(err) : "the caller's I/O reported an error");
        return -1;
    }
    case KTLA__ERR_TIMEOUT:
        ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, ETIMEDOUT, -1,
                        "handshake timed out: the client kept the handshake waiting for %llu ms in all (timeout %u ms)",
                        (unsigned long long)conn->silence.spent_ms, conn->cfg->handshake_timeout_ms);
        return -1;
    default:
        break;
    }
    mbedtls_strerror(rc, msg, sizeof msg);
    alert = ktla__alert_for_failure(conn, rc, &why);
    if (ktla__transport_saw_http(conn))
        ktla__conn_fail(conn, KTLA_ERROR_TLS, 0, alert, "the client spoke plain HTTP on the TLS port (%s %s)", msg,
                        during);
    else if (why)
        ktla__conn_fail(conn, KTLA_ERROR_TLS, 0, alert, "%s %s (%s)", why, during, msg);
    else
        ktla__conn_fail(conn, KTLA_ERROR_TLS, 0, alert, "%s %s", msg, during);
    return -1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* transport.c - handshake bytes over the socket or the caller's callbacks (see transport.h). */
#include "config.h"

#include "transport.h"

#include "deadline.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <mbedtls/net_sockets.h>

/* Tests replace this to see how long ktla asks poll() to wait. */
ktla__poll_fn ktla__poll = poll;

static int is_blocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && !(flags & O_NONBLOCK);
}

/*
 * A blocking socket with a handshake timeout: wait in poll() for the client,
 * never longer than the silence it has left, so that neither a client that
 * sends nothing nor one that stops reading can hold the call past the
 * timeout.  0 when the socket is ready, else the mbedTLS error to return.
 */
static int wait_for_client(ktla_conn *conn, short events)
{
    struct pollfd pfd = {.fd = conn->fd, .events = events};
    int n;

    ktla__silence_begin(conn, events == POLLIN ? KTLA__WAIT_READ : KTLA__WAIT_WRITE);
    for (;;) {
        uint64_t left = ktla__silence_left(conn);
        if (left == 0)
            break;
        n = ktla__poll(&pfd, 1, ktla__poll_timeout(left));
        if (n > 0)
            break;
        if (n < 0 && errno != EINTR) {
            conn->io_errno = errno;
            ktla__silence_end(conn);
            return events == POLLIN ? MBEDTLS_ERR_NET_RECV_FAILED : MBEDTLS_ERR_NET_SEND_FAILED;
        }
    }
    ktla__silence_end(conn);
    return ktla__silence_exhausted(conn) ? KTLA__ERR_TIMEOUT : 0;
}

/*
 * With a timeout on a blocking socket every call is MSG_DONTWAIT and the
 * waiting happens in wait_for_client(): a blocking send() of a whole flight
 * to a client that stopped reading would otherwise never return.
 */
static int must_not_block(const ktla_conn *conn)
{
    return conn->silence.budget_ms != 0 && is_blocking(conn->fd);
}

static void remember_first_bytes(ktla_conn *conn, const unsigned char *buf, size_t n)
{
    while (n-- > 0 && conn->n_first_bytes < sizeof conn->first_bytes)
        conn->first_bytes[conn->n_first_bytes++] = *buf++;
}

/* recv() with the waiting rules above; flags MSG_PEEK leaves the bytes for the next call. */
static int fd_receive(ktla_conn *conn, unsigned char *buf, size_t len, int flags)
{
    int waits = must_not_block(conn), rc;

    for (;;) {
        ssize_t n = recv(conn->fd, buf, len, flags | (waits ? MSG_DONTWAIT : 0));
        if (n >= 0) {
            if (!(flags & MSG_PEEK))
                remember_first_bytes(conn, buf, (size_t)n);
            return (int)n;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            conn->io_errno = errno;
            return MBEDTLS_ERR_NET_RECV_FAILED;
        }
        if (!waits)
            return MBEDTLS_ERR_SSL_WANT_READ;
        if ((rc = wait_for_client(conn, POLLIN)) != 0)
            return rc;
    }
}

static int fd_recv(void *ctx, unsigned char *buf, size_t len)
{
    return fd_receive(ctx, buf, len, 0);
}

int ktla__transport_peek(ktla_conn *conn, unsigned char *buf, size_t len)
{
    return fd_receive(conn, buf, len > 0x7fffffff ? 0x7fffffff : len, MSG_PEEK);
}

static int fd_send(void *ctx, const unsigned char *buf, size_t len)
{
    ktla_conn *conn = ctx;
    int waits = must_not_block(conn), rc;

    for (;;) {
        ssize_t n = send(conn->fd, buf, len, MSG_NOSIGNAL | (waits ? MSG_DONTWAIT : 0));
        if (n >= 0)
            return (int)n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            conn->io_errno = errno;
            return MBEDTLS_ERR_NET_SEND_FAILED;
        }
        if (!waits)
            return MBEDTLS_ERR_SSL_WANT_WRITE;
        if ((rc = wait_for_client(conn, POLLOUT)) != 0)
            return rc;
    }
}

/* The caller's callbacks speak KTLA_IO_*; mbedTLS wants its own codes and an int count. */
static int caller_recv(void *ctx, unsigned char *buf, size_t len)
{
    ktla_conn *conn = ctx;
    long n = conn->recv_fn(conn->io_arg, buf, len > 0x7fffffff ? 0x7fffffff : len);

    if (n >= 0 && (size_t)n <= len) {
        remember_first_bytes(conn, buf, (size_t)n);
        return (int)n;
    }
    if (n == KTLA_IO_WANT_READ)
        return MBEDTLS_ERR_SSL_WANT_READ;
    if (n == KTLA_IO_WANT_WRITE)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    conn->io_errno = 0;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

static int caller_send(void *ctx, const unsigned char *buf, size_t len)
{
    ktla_conn *conn = ctx;
    long n = conn->send_fn(conn->io_arg, buf, len > 0x7fffffff ? 0x7fffffff : len);

    if (n > 0 && (size_t)n <= len)
        return (int)n;
    if (n == KTLA_IO_WANT_WRITE || n == 0)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    if (n == KTLA_IO_WANT_READ)
        return MBEDTLS_ERR_SSL_WANT_READ;
    conn->io_errno = 0;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

void ktla__transport_attach(ktla_conn *conn)
{
    if (conn->recv_fn)
        mbedtls_ssl_set_bio(conn->ssl, conn, caller_send, caller_recv, NULL);
    else
        mbedtls_ssl_set_bio(conn->ssl, conn, fd_send, fd_recv, NULL);
}

int ktla__transport_errno(const ktla_conn *conn)
{
    return conn->io_errno;
}

int ktla__transport_saw_http(const ktla_conn *conn)
{
    static const char *const methods[] = {"GET ", "HEAD", "POST", "PUT ", "DELE", "OPTI", "PATC", "CONN", "PRI "};

    if (conn->n_first_bytes < 4)
        return 0;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (memcmp(conn->first_bytes, methods[i], 4) == 0)
            return 1;
    return 0;
}

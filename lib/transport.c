/* transport.c - handshake bytes over the socket or the caller's callbacks (see transport.h). */
#include "config.h"

#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <mbedtls/net_sockets.h>

/*
 * On a blocking socket a read could wait forever for a silent client, so
 * with a handshake deadline each read and write first waits at most until
 * the deadline.  Non-blocking sockets never wait: the caller's poll() does.
 */
static int wait_until_deadline(ktla_conn *conn, short events)
{
    struct pollfd pfd = {.fd = conn->fd, .events = events};
    int flags;

    if (conn->deadline_ms == 0)
        return 0;
    flags = fcntl(conn->fd, F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK))
        return 0;
    for (;;) {
        uint64_t now = ktla__now_ms();
        int n;
        if (now >= conn->deadline_ms)
            return KTLA__ERR_TIMEOUT;
        n = poll(&pfd, 1, (int)(conn->deadline_ms - now));
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR) {
            conn->io_errno = errno;
            return MBEDTLS_ERR_NET_RECV_FAILED;
        }
    }
}

static void remember_first_bytes(ktla_conn *conn, const unsigned char *buf, size_t n)
{
    while (n-- > 0 && conn->n_first_bytes < sizeof conn->first_bytes)
        conn->first_bytes[conn->n_first_bytes++] = *buf++;
}

static int fd_recv(void *ctx, unsigned char *buf, size_t len)
{
    ktla_conn *conn = ctx;
    int rc = wait_until_deadline(conn, POLLIN);

    if (rc != 0)
        return rc;
    for (;;) {
        ssize_t n = recv(conn->fd, buf, len, 0);
        if (n >= 0) {
            remember_first_bytes(conn, buf, (size_t)n);
            return (int)n;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return MBEDTLS_ERR_SSL_WANT_READ;
        conn->io_errno = errno;
        return MBEDTLS_ERR_NET_RECV_FAILED;
    }
}

static int fd_send(void *ctx, const unsigned char *buf, size_t len)
{
    ktla_conn *conn = ctx;
    int rc = wait_until_deadline(conn, POLLOUT);

    if (rc != 0)
        return rc;
    for (;;) {
        ssize_t n = send(conn->fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0)
            return (int)n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return MBEDTLS_ERR_SSL_WANT_WRITE;
        conn->io_errno = errno;
        return MBEDTLS_ERR_NET_SEND_FAILED;
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

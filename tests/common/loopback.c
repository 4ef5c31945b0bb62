/* SPDX-License-Identifier: Apache-2.0 */
/* loopback.c - a connected TCP pair over 127.0.0.1, for tests. */
#include "loopback.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int test_loopback_pair(int *client, int *server)
{
    return test_loopback_pair_rcvbuf(client, server, 0);
}

int test_loopback_pair_rcvbuf(int *client, int *server, int client_rcvbuf)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int listener, saved;

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0)
        return -1;
    *client = *server = -1;
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 1) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &len) != 0)
        goto fail;
    *client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    /* Before connect: the window offered in the handshake is never taken back. */
    if (*client >= 0 && client_rcvbuf > 0)
        setsockopt(*client, SOL_SOCKET, SO_RCVBUF, &client_rcvbuf, sizeof client_rcvbuf);
    if (*client < 0 || connect(*client, (struct sockaddr *)&addr, sizeof addr) != 0)
        goto fail;
    *server = accept(listener, NULL, NULL);
    if (*server < 0)
        goto fail;
    close(listener);
    return 0;
fail:
    saved = errno;
    if (*client >= 0)
        close(*client);
    close(listener);
    errno = saved;
    return -1;
}

int test_read_full(int fd, void *buf, unsigned long len)
{
    unsigned char *p = buf;

    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (unsigned long)n;
    }
    return 0;
}

int test_write_full(int fd, const void *buf, unsigned long len)
{
    const unsigned char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (unsigned long)n;
    }
    return 0;
}

int test_kernel_ulp_errno(void)
{
    int client, server, err = 0;

    if (test_loopback_pair(&client, &server) != 0)
        return errno ? errno : EIO;
    if (setsockopt(server, SOL_TCP, TCP_ULP, "tls", 4) != 0)
        err = errno;
    close(server);
    close(client);
    return err;
}

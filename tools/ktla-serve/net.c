/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net.c - listening sockets, the port file, and printable peer addresses.
 *
 * Each worker gets its own listener on the same address (SO_REUSEPORT), so
 * the kernel spreads new connections over the workers without a shared
 * accept queue or lock.  With port 0 the first listener picks the port and
 * the others bind to it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

#define BACKLOG 4096 /* the kernel caps it at net.core.somaxconn */

static unsigned port_of(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;

    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static int listen_on(const struct addrinfo *ai)
{
    int one = 1, fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);

    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, BACKLOG) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

int net_listen(const char *host, const char *port, int *fd, unsigned *bound_port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE},
                    *res = NULL;
    int rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);

    if (rc != 0) {
        fprintf(stderr, "ktla-serve: --listen %s:%s: %s\n", host, port, gai_strerror(rc));
        return -1;
    }
    *fd = listen_on(res);
    if (*fd < 0)
        fprintf(stderr, "ktla-serve: cannot listen on %s:%s: %s\n", host, port, strerror(errno));
    else
        *bound_port = port_of(*fd);
    freeaddrinfo(res);
    return *fd < 0 ? -1 : 0;
}

/* Written to a temporary name and renamed, so a reader never sees half a number. */
int net_write_port_file(const char *path, unsigned port)
{
    char tmp[4096 + 16];
    FILE *f;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp || (f = fopen(tmp, "we")) == NULL)
        return -1;
    fprintf(f, "%u\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

void net_peer_name(const struct sockaddr *sa, socklen_t len, char *out, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";

    if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        snprintf(out, size, "[%s]:%u", host, ntohs(a->sin6_port));
    } else if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        snprintf(out, size, "%s:%u", host, ntohs(a->sin_port));
    } else {
        snprintf(out, size, "?");
    }
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_run.c - ktla-handshaked's handshake path (hsd_handshake() with its
 * keyring code, exactly as the agent runs it for a request) on a TCP
 * socket of our own, for tests/handshaked/check-hsd-keyring: the request is
 * what the kernel's ACCEPT reply would carry (key serials of a real
 * keyring), the peer is a real openssl.  Only the netlink upcall is left
 * out; tests/handshaked/check-nfs-tls covers that in the VM.
 *
 *   hsd-run client PORT psk|x509 [--peer-id SERIAL] [--cert SERIAL --key SERIAL] [--peername NAME] [--ca FILE]
 *   hsd-run server PORTFILE psk|x509 [--keyring SERIAL] [--cert SERIAL --key SERIAL]
 *
 * Prints "status=N (text) remote=SERIAL|none why=...".  With status 0 the
 * socket's records are the kernel's: a client then sends "hello agent"
 * and prints "reply LINE"; a server reads a line and answers "echo: LINE",
 * both with plain send()/recv() on the kTLS socket, as a kernel consumer.
 * Exits 0 when status was 0 (and the exchange worked).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hsd_config.h"
#include "hsd_proto.h"
#include "hsd_request.h"
#include "hsd_tls.h"

static int usage(void)
{
    fprintf(stderr, "usage: hsd-run client PORT psk|x509 [--peer-id S] [--cert S --key S] [--peername N] [--ca F]\n"
                    "       hsd-run server PORTFILE psk|x509 [--keyring S] [--cert S --key S]\n");
    return 2;
}

static int tcp_pair(int server, const char *where)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), conn;
    FILE *f;

    if (fd < 0)
        return -1;
    if (!server) {
        a.sin_port = htons((unsigned short)atoi(where));
        return connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ? fd : -1;
    }
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0 || (f = fopen(where, "w")) == NULL)
        return -1;
    fprintf(f, "%u\n", ntohs(a.sin_port));
    fclose(f);
    conn = accept(fd, NULL, NULL);
    close(fd);
    return conn;
}

#define TLS_CONTENT_APPLICATION_DATA 23
#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#define TLS_GET_RECORD_TYPE 2 /* linux/tls.h: the cmsg naming a record that is not data */

/*
 * recv() as a kernel consumer reads a kTLS socket: a record that is not
 * application data (the peer's NewSessionTicket) comes with a cmsg naming
 * its type, and is skipped here.
 */
static ssize_t recv_data(int fd, char *buf, size_t len)
{
    for (;;) {
        char control[CMSG_SPACE(sizeof(unsigned char))];
        struct iovec iov = {.iov_base = buf, .iov_len = len};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
        struct cmsghdr *c;
        ssize_t n = recvmsg(fd, &m, 0);

        if (n <= 0)
            return n;
        c = CMSG_FIRSTHDR(&m);
        if (c == NULL || c->cmsg_level != SOL_TLS || c->cmsg_type != TLS_GET_RECORD_TYPE ||
            *CMSG_DATA(c) == TLS_CONTENT_APPLICATION_DATA)
            return n;
    }
}

/* The consumer's side after DONE: plaintext in, plaintext out; the kernel seals the records. */
static int exchange(int server, int fd)
{
    static const char hello[] = "hello agent\n";
    char line[256], reply[300];
    ssize_t n;

    if (!server) {
        if (send(fd, hello, sizeof hello - 1, 0) != (ssize_t)sizeof hello - 1)
            return -1;
        n = recv_data(fd, reply, sizeof reply - 1);
        if (n <= 0)
            return -1;
        reply[n] = '\0';
        printf("reply %s", reply);
        return 0;
    }
    n = recv_data(fd, line, sizeof line - 1);
    if (n <= 0)
        return -1;
    line[n] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    printf("received %s\n", line);
    snprintf(reply, sizeof reply, "echo: %s\n", line);
    return send(fd, reply, strlen(reply), 0) == (ssize_t)strlen(reply) ? 0 : -1;
}

int main(int argc, char **argv)
{
    static struct hsd_config cfg;
    struct hsd_request req;
    struct hsd_outcome out;
    int server, rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 4)
        return usage();
    server = strcmp(argv[1], "server") == 0;
    hsd_config_defaults(&cfg);
    memset(&req, 0, sizeof req);
    req.msg_type = server ? HSD_MSG_TYPE_SERVERHELLO : HSD_MSG_TYPE_CLIENTHELLO;
    req.auth_mode = strcmp(argv[3], "psk") == 0 ? HSD_AUTH_PSK : HSD_AUTH_X509;
    req.timeout_ms = 10000;
    for (int i = 4; i + 1 < argc; i += 2) {
        long v = strtol(argv[i + 1], NULL, 0);

        if (strcmp(argv[i], "--peer-id") == 0 && req.n_peer_ids < HSD_MAX_PEER_IDS)
            req.peer_ids[req.n_peer_ids++] = (int32_t)v;
        else if (strcmp(argv[i], "--keyring") == 0)
            req.keyring = (uint32_t)v;
        else if (strcmp(argv[i], "--cert") == 0)
            req.certs[0].cert = (int32_t)v, req.n_certs = 1;
        else if (strcmp(argv[i], "--key") == 0)
            req.certs[0].privkey = (int32_t)v, req.n_certs = 1;
        else if (strcmp(argv[i], "--peername") == 0)
            snprintf(req.peername, sizeof req.peername, "%s", argv[i + 1]);
        else if (strcmp(argv[i], "--ca") == 0)
            snprintf(cfg.ca_file, sizeof cfg.ca_file, "%s", argv[i + 1]);
        else
            return usage();
    }
    req.sockfd = tcp_pair(server, argv[2]);
    if (req.sockfd < 0) {
        perror("socket");
        return 1;
    }
    hsd_handshake(&cfg, &req, &out);
    printf("status=%u (%s) remote=", out.status, out.status ? strerror((int)out.status) : "ok");
    if (out.n_remote)
        printf("%d", (int)out.remote[0]);
    else
        printf("none");
    printf(" why=%s\n", out.why);
    rc = out.status == 0 ? exchange(server, req.sockfd) : -1;
    close(req.sockfd);
    return rc == 0 ? 0 : 1;
}

/*
 * ktla-test-server - the server side of the interop tests: a real ktla
 * server that real clients (openssl s_client, gnutls-cli, curl, an mbedTLS
 * client) talk to.  Uses only <ktla.h>, like any user of the library.
 *
 * It listens on 127.0.0.1, writes its port to PORTFILE, and serves
 * connections one after another.  Per connection it prints one line to
 * stdout:  "conn N version=V suite=S alpn=A sni=H resumed=R tx=T rx=R reason=..."
 * or       "conn N accept=RET error=E alert=A reason=...".
 * Then, if the client starts with "GET /SIZE", it answers an HTTP response
 * of SIZE bytes (byte i = i % 251) and closes; otherwise it echoes every
 * byte back until the client's close_notify, then sends its own.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ktla.h>

struct options {
    const char *cert, *key, *portfile;
    int count, nonblock, user_mode, no_tickets;
    const char *alpn, *sendfile_path;
};

static const char *offload_name(enum ktla_offload o)
{
    return o == KTLA_OFFLOAD_KERNEL ? "kernel" : o == KTLA_OFFLOAD_USER ? "user" : "none";
}

/* Drive a non-blocking call to completion with poll(), as the man page tells callers to. */
static int wait_for(int fd, enum ktla_error e)
{
    struct pollfd p = {.fd = fd, .events = e == KTLA_ERROR_WANT_READ ? POLLIN : POLLOUT};
    return poll(&p, 1, 10000) == 1 ? 0 : -1;
}

static long retrying(ktla_conn *c, int fd, long ret)
{
    enum ktla_error e = ktla_get_error(c, ret);
    return (ret < 0 && (e == KTLA_ERROR_WANT_READ || e == KTLA_ERROR_WANT_WRITE) && wait_for(fd, e) == 0);
}

static int write_all(ktla_conn *c, int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        long n = ktla_write(c, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (!retrying(c, fd, n)) {
            return -1;
        }
    }
    return 0;
}

static void http_reply(ktla_conn *c, int fd, const char *req)
{
    char head[128], body[16384];
    unsigned long long size = strtoull(req + 5, NULL, 10), sent = 0;
    int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %llu\r\nConnection: close\r\n\r\n", size);

    if (write_all(c, fd, head, (size_t)n) != 0)
        return;
    while (sent < size) {
        size_t chunk = size - sent < sizeof body ? (size_t)(size - sent) : sizeof body;
        for (size_t i = 0; i < chunk; i++)
            body[i] = (char)((sent + i) % 251);
        if (write_all(c, fd, body, chunk) != 0)
            return;
        sent += chunk;
    }
}

static void serve(ktla_conn *c, int fd)
{
    char buf[16384];
    long n, total = 0;

    for (;;) {
        n = ktla_read(c, buf + (total < 5 ? total : 0), total < 5 ? 5 - (size_t)total : sizeof buf);
        if (n > 0 && total < 5) {
            total += n;
            if (total < 5)
                continue;
            if (memcmp(buf, "GET /", 5) == 0) {
                /* read the rest of the request line */
                long m = ktla_read(c, buf + 5, sizeof buf - 6);
                if (m > 0) {
                    buf[5 + m] = '\0';
                    http_reply(c, fd, buf);
                }
                break;
            }
            if (write_all(c, fd, buf, 5) != 0)
                return;
            continue;
        }
        if (n > 0) {
            if (write_all(c, fd, buf, (size_t)n) != 0)
                return;
            continue;
        }
        if (retrying(c, fd, n))
            continue;
        if (ktla_get_error(c, n) != KTLA_ERROR_ZERO_RETURN)
            printf("  read ended: error=%d reason=%s\n", ktla_get_error(c, n), ktla_get_reason(c));
        break;
    }
    while ((n = ktla_shutdown(c)) != 1 && retrying(c, fd, n))
        ;
    /* Read to the peer's close_notify or EOF so close() does not reset unread data. */
    shutdown(fd, SHUT_WR);
    while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN) && wait_for(fd, KTLA_ERROR_WANT_READ) == 0))
        ;
}

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'}, {"nonblock", no_argument, NULL, 'b'},
        {"user", no_argument, NULL, 'u'},        {"no-tickets", no_argument, NULL, 't'},
        {"alpn", required_argument, NULL, 'a'},  {NULL, 0, NULL, 0},
    };
    int opt;

    o->count = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'n': o->count = atoi(optarg); break;
        case 'b': o->nonblock = 1; break;
        case 'u': o->user_mode = 1; break;
        case 't': o->no_tickets = 1; break;
        case 'a': o->alpn = optarg; break;
        default: return -1;
        }
    }
    if (argc - optind < 3)
        return -1;
    o->cert = argv[optind];
    o->key = argv[optind + 1];
    o->portfile = argv[optind + 2];
    return 0;
}

static int listen_loopback(const char *portfile)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    FILE *f;

    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    f = fopen(portfile, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "%d\n", ntohs(a.sin_port));
    fclose(f);
    return fd;
}

static ktla_config *make_config(const struct options *o)
{
    ktla_config *cfg;
    const char *alpn[1];

    if (ktla_config_new(&cfg) != 0)
        return NULL;
    if (ktla_config_add_cert_file(cfg, o->cert, o->key, NULL) != 0) {
        fprintf(stderr, "ktla-test-server: %s\n", ktla_config_error(cfg));
        ktla_config_free(cfg);
        return NULL;
    }
    if (o->user_mode)
        ktla_config_set_offload(cfg, KTLA_OFFLOAD_NEVER);
    if (o->no_tickets)
        ktla_config_set_tickets(cfg, 0, 0);
    if (o->alpn) {
        alpn[0] = o->alpn;
        ktla_config_set_alpn(cfg, alpn, 1);
    }
    ktla_config_set_handshake_timeout(cfg, 20000);
    return cfg;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    ktla_config *cfg;
    int lfd;

    if (parse(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: ktla-test-server [--count N] [--nonblock] [--user] [--no-tickets] [--alpn P] "
                        "CERT KEY PORTFILE\n");
        return 2;
    }
    cfg = make_config(&o);
    lfd = listen_loopback(o.portfile);
    if (cfg == NULL || lfd < 0)
        return 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < o.count; i++) {
        int fd = accept(lfd, NULL, NULL), ret;
        ktla_conn *c;

        if (fd < 0 || ktla_conn_new(cfg, &c) != 0)
            return 1;
        if (o.nonblock)
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        ktla_set_fd(c, fd);
        while ((ret = ktla_accept(c)) < 0 && retrying(c, fd, ret))
            ;
        if (ret == 1) {
            printf("conn %d version=%s suite=%s alpn=%s sni=%s resumed=%d tx=%s rx=%s reason=%s\n", i,
                   ktla_tls_version_name(ktla_get_version(c)), ktla_get_ciphersuite_name(c),
                   ktla_get_alpn(c) ? ktla_get_alpn(c) : "-", ktla_get_sni(c) ? ktla_get_sni(c) : "-",
                   ktla_session_resumed(c), offload_name(ktla_get_offload(c, KTLA_DIR_TX)),
                   offload_name(ktla_get_offload(c, KTLA_DIR_RX)),
                   ktla_get_offload_reason(c, KTLA_DIR_TX) ? ktla_get_offload_reason(c, KTLA_DIR_TX) : "-");
            serve(c, fd);
        } else {
            printf("conn %d accept=%d error=%d alert=%d reason=%s\n", i, ret, ktla_get_error(c, ret), ktla_get_alert(c),
                   ktla_get_reason(c));
        }
        ktla_conn_free(c);
        close(fd);
    }
    ktla_config_free(cfg);
    close(lfd);
    return 0;
}

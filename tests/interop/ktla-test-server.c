/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ktla-test-server - the server side of the interop tests: a real ktla
 * server that real clients (openssl s_client, gnutls-cli, curl, an mbedTLS
 * client) talk to.  Uses only <ktla.h>, like any user of the library.
 *
 *   ktla-test-server [--count N] [--nonblock] [--user] [--no-tickets]
 *                    [--alpn PROTO] [--extra-cert CHAIN,KEY]... [--ticket-key FILE]
 *                    [--client-auth optional|required --client-ca FILE] CERT KEY PORTFILE
 *
 * --user forces the user-space record layer (KTLA_OFFLOAD_POLICY_NEVER); --nonblock
 * drives every call on a non-blocking socket with poll(); --extra-cert adds
 * more certificates (up to 4) for the library to choose from; --ticket-key
 * takes the ticket key from FILE (servers sharing it resume each other's
 * sessions); --client-auth asks clients for a certificate verified against
 * --client-ca.
 *
 * It listens on 127.0.0.1, writes its port to PORTFILE, and serves
 * connections one after another (--count N, default 1), then exits.  Per
 * connection it prints to stdout (line-buffered):
 *   "conn N version=V suite=S alpn=A sni=H resumed=R verified=C tx=T rx=R reason=..."
 *   (verified: 1 when the client's certificate verified against --client-ca)
 *   or "conn N accept=RET error=E alert=A reason=..." when the handshake failed;
 * then the request, which is one of
 *   "GET /SIZE..."        an HTTP/1.1 response of SIZE bytes (byte i = i % 251);
 *                         line "  get size=SIZE sent"
 *   "PUT /SIZE\n" + body  SIZE bytes (byte i = i % 251) read and checked; the reply
 *                         is "OK SIZE\n" or "BAD at OFFSET\n" (the first wrong byte,
 *                         or where the stream ended); line "  put size=SIZE got=N result=..."
 *   anything else         echoed back until the client's close_notify;
 *                         line "  echo bytes=N"
 * and then sends close_notify and reads on to the client's.  How the client
 * closed is the last line: "  peer close_notify", or "  read ended: error=E
 * reason=..." when the stream ended any other way (EOF, alert, timeout).
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
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <ktla.h>

struct options {
    const char *cert, *key, *portfile;
    int count, nonblock, user_mode, no_tickets;
    const char *alpn, *sendfile_path, *ticket_key, *client_ca;
    enum ktla_client_auth client_auth;
    const char *extra_cert[4]; /* "CHAIN,KEY" */
    int n_extra;
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

/* Read once, retrying WANT_READ/WANT_WRITE: > 0 bytes, 0 at the peer's close_notify, -1 on failure. */
static long read_some(ktla_conn *c, int fd, void *buf, size_t len)
{
    long n;

    while ((n = ktla_read(c, buf, len)) < 0 && retrying(c, fd, n))
        ;
    return n;
}

/* Report how the read side ended: the client's close_notify, or anything else. */
static void read_ended(ktla_conn *c, long n)
{
    if (n == 0)
        printf("  peer close_notify\n");
    else
        printf("  read ended: error=%d reason=%s\n", ktla_get_error(c, n), ktla_get_reason(c));
}

/*
 * Read the rest of a request line (up to '\n') one byte at a time, so that no
 * byte after it is consumed.  Returns 1 with the line in buf, else the read's result.
 */
static long read_line(ktla_conn *c, int fd, char *buf, size_t have, size_t size)
{
    while (have < size - 1 && (have == 0 || buf[have - 1] != '\n')) {
        long n = read_some(c, fd, buf + have, 1);
        if (n <= 0)
            return n;
        have++;
    }
    buf[have] = '\0';
    return 1;
}

static void http_reply(ktla_conn *c, int fd, const char *req)
{
    char head[128], body[16384];
    unsigned long long size = strtoull(req + 5, NULL, 10), sent = 0;
    int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %llu\r\nConnection: close\r\n\r\n", size);

    if (write_all(c, fd, head, (size_t)n) != 0)
        goto failed;
    while (sent < size) {
        size_t chunk = size - sent < sizeof body ? (size_t)(size - sent) : sizeof body;
        for (size_t i = 0; i < chunk; i++)
            body[i] = (char)((sent + i) % 251);
        if (write_all(c, fd, body, chunk) != 0)
            goto failed;
        sent += chunk;
    }
    printf("  get size=%llu sent\n", size);
    return;
failed:
    printf("  get size=%llu write failed after %llu: %s\n", size, sent, ktla_get_reason(c));
}

/* "PUT /SIZE\n" + SIZE pattern bytes: answer "OK SIZE\n" or "BAD at OFFSET\n".  Returns the last read's result. */
static long put_check(ktla_conn *c, int fd, const char *req)
{
    char body[16384], reply[64];
    unsigned long long size = strtoull(req + 5, NULL, 10), got = 0, bad = ~0ULL;
    long n = 1;
    int len;

    while (got < size) {
        size_t want = size - got < sizeof body ? (size_t)(size - got) : sizeof body;
        n = read_some(c, fd, body, want);
        if (n <= 0)
            break;
        for (long i = 0; i < n && bad == ~0ULL; i++)
            if ((unsigned char)body[i] != (got + (unsigned long long)i) % 251)
                bad = got + (unsigned long long)i;
        got += (unsigned long long)n;
    }
    if (got < size && bad == ~0ULL)
        bad = got; /* the stream ended early */
    if (bad == ~0ULL)
        len = snprintf(reply, sizeof reply, "OK %llu\n", size);
    else
        len = snprintf(reply, sizeof reply, "BAD at %llu\n", bad);
    printf("  put size=%llu got=%llu result=%.*s\n", size, got, len - 1, reply);
    if (write_all(c, fd, reply, (size_t)len) != 0)
        printf("  put reply write failed: %s\n", ktla_get_reason(c));
    return n;
}

/*
 * One request: "GET /SIZE..." (HTTP reply), "PUT /SIZE\n" + body (checked),
 * anything else is echoed until the client's close_notify.  Then our
 * close_notify, and reading on to the client's (or the end of the stream),
 * so that each connection reports how the client closed.
 */
static void serve(ktla_conn *c, int fd)
{
    char buf[16384];
    long n = 1;
    size_t total = 0;
    unsigned long long echoed = 0;
    struct timeval tv = {.tv_sec = 10};
    int done = 0;
    time_t deadline;

    while (total < 5 && (n = read_some(c, fd, buf + total, 5 - total)) > 0)
        total += (size_t)n;
    if (total == 5 && (memcmp(buf, "GET /", 5) == 0 || memcmp(buf, "PUT /", 5) == 0)) {
        n = read_line(c, fd, buf, total, 128);
        if (n > 0 && buf[0] == 'G')
            http_reply(c, fd, buf);
        else if (n > 0)
            n = put_check(c, fd, buf);
    } else if (total > 0) {
        /* echo: what was read so far, then everything until close_notify */
        for (;;) {
            if (write_all(c, fd, buf, total) != 0) {
                printf("  echo write failed after %llu bytes: %s\n", echoed, ktla_get_reason(c));
                break;
            }
            echoed += total;
            if ((n = read_some(c, fd, buf, sizeof buf)) <= 0)
                break;
            total = (size_t)n;
        }
        printf("  echo bytes=%llu\n", echoed);
    }
    if (n <= 0) {
        read_ended(c, n);
        done = 1;
    }
    while ((n = ktla_shutdown(c)) != 1 && retrying(c, fd, n))
        ;
    deadline = time(NULL) + 10;
    if (n != 1)
        printf("  shutdown failed: error=%d reason=%s\n", ktla_get_error(c, n), ktla_get_reason(c));
    if (!done && n == 1) {
        /* Our close_notify is out: read on (discarding) to the client's, for at most ~10 s. */
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        while (time(NULL) <= deadline && ((n = ktla_read(c, buf, sizeof buf)) > 0 || (n < 0 && retrying(c, fd, n))))
            ;
        if (time(NULL) > deadline)
            printf("  read ended: timeout waiting for the client's close_notify\n");
        else
            read_ended(c, n);
    }
    /* Read to EOF (for at most ~10 s) so close() does not reset unread data. */
    shutdown(fd, SHUT_WR);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (((n = read(fd, buf, sizeof buf)) > 0 ||
            (n < 0 && (errno == EINTR || (errno == EAGAIN && wait_for(fd, KTLA_ERROR_WANT_READ) == 0)))) &&
           time(NULL) <= deadline)
        ;
}

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'},
        {"nonblock", no_argument, NULL, 'b'},
        {"user", no_argument, NULL, 'u'},
        {"no-tickets", no_argument, NULL, 't'},
        {"alpn", required_argument, NULL, 'a'},
        {"extra-cert", required_argument, NULL, 'c'},
        {"ticket-key", required_argument, NULL, 'k'},
        {"client-auth", required_argument, NULL, 'A'},
        {"client-ca", required_argument, NULL, 'C'},
        {NULL, 0, NULL, 0},
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
        case 'c':
            if (o->n_extra == 4 || strchr(optarg, ',') == NULL)
                return -1;
            o->extra_cert[o->n_extra++] = optarg;
            break;
        case 'k': o->ticket_key = optarg; break;
        case 'A':
            if (strcmp(optarg, "optional") != 0 && strcmp(optarg, "required") != 0)
                return -1;
            o->client_auth = optarg[0] == 'o' ? KTLA_CLIENT_AUTH_OPTIONAL : KTLA_CLIENT_AUTH_REQUIRED;
            break;
        case 'C': o->client_ca = optarg; break;
        default: return -1;
        }
    }
    if (argc - optind < 3 || (o->client_auth != KTLA_CLIENT_AUTH_NONE) != (o->client_ca != NULL))
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
    if (ktla_config_add_cert_file(cfg, o->cert, o->key, NULL) != 0)
        goto cert_failed;
    for (int i = 0; i < o->n_extra; i++) {
        char chain[4096];
        const char *comma = strchr(o->extra_cert[i], ',');
        snprintf(chain, sizeof chain, "%.*s", (int)(comma - o->extra_cert[i]), o->extra_cert[i]);
        if (ktla_config_add_cert_file(cfg, chain, comma + 1, NULL) != 0)
            goto cert_failed;
    }
    if (o->user_mode)
        ktla_config_set_offload(cfg, KTLA_OFFLOAD_POLICY_NEVER);
    if (o->no_tickets)
        ktla_config_set_tickets(cfg, 0, 0);
    if (o->alpn) {
        alpn[0] = o->alpn;
        ktla_config_set_alpn(cfg, alpn, 1);
    }
    if ((o->ticket_key && ktla_config_set_ticket_key_file(cfg, o->ticket_key) != 0) ||
        (o->client_ca && ktla_config_set_client_auth(cfg, o->client_auth, o->client_ca) != 0)) {
        fprintf(stderr, "ktla-test-server: %s\n", ktla_config_error(cfg));
        ktla_config_free(cfg);
        return NULL;
    }
    ktla_config_set_handshake_timeout(cfg, 20000);
    return cfg;

cert_failed:
    fprintf(stderr, "ktla-test-server: %s\n", ktla_config_error(cfg));
    ktla_config_free(cfg);
    return NULL;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    ktla_config *cfg;
    int lfd;

    if (parse(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: ktla-test-server [--count N] [--nonblock] [--user] [--no-tickets] [--alpn P] "
                        "[--extra-cert CHAIN,KEY]... [--ticket-key FILE] [--client-auth optional|required "
                        "--client-ca FILE] CERT KEY PORTFILE\n");
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
            printf("conn %d version=%s suite=%s alpn=%s sni=%s resumed=%d verified=%d tx=%s rx=%s reason=%s\n", i,
                   ktla_tls_version_name(ktla_get_tls_version(c)), ktla_get_ciphersuite_name(c),
                   ktla_get_alpn(c) ? ktla_get_alpn(c) : "-", ktla_get_sni(c) ? ktla_get_sni(c) : "-",
                   ktla_get_session_resumed(c), ktla_get_peer_cert_verified(c),
                   offload_name(ktla_get_offload(c, KTLA_DIR_TX)), offload_name(ktla_get_offload(c, KTLA_DIR_RX)),
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

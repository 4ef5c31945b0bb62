/* SPDX-License-Identifier: Apache-2.0 */
/*
 * epoll-server - many TLS connections at once on one thread: ktla on
 * non-blocking sockets, driven by epoll.
 *
 *     epoll-server CERT.pem KEY.pem PORT
 *
 * Listens on 127.0.0.1:PORT.  Each client gets the handshake, then every
 * line it sends is echoed back; when it sends close_notify the server
 * answers with its own and closes the socket.  Try several at once with
 *     openssl s_client -connect 127.0.0.1:PORT
 *
 * The one pattern, used for every ktla call: make the call; if it returns
 * -1 and ktla_get_error() says KTLA_ERROR_WANT_READ or KTLA_ERROR_WANT_WRITE,
 * ask epoll for "readable" or "writable" on that socket and make the same
 * call again when epoll reports it.  epoll is level-triggered throughout.
 */
#define _GNU_SOURCE /* accept4, memrchr */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ktla.h>

enum phase { HANDSHAKE, ECHO, CLOSING };

struct client {
    int fd;
    ktla_conn *tls;
    enum phase phase;
    char buf[4096];   /* bytes read and not yet echoed */
    size_t len;       /* bytes in buf */
    size_t line_end;  /* buf[0, line_end) are whole lines being echoed, */
    size_t sent;      /* of which buf[0, sent) have been written */
};

static int epfd;

/*
 * If ret (what a ktla call returned) means "not now", make epoll wake us when
 * the socket can do what ktla needs, and return 1.  Else return 0: the call
 * succeeded, or the connection is finished (ktla_get_reason() says why).
 */
static int must_wait(struct client *c, long ret)
{
    enum ktla_error e = ktla_get_error(c->tls, ret);
    struct epoll_event ev = {.events = e == KTLA_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN, .data.ptr = c};

    if (ret >= 0 || (e != KTLA_ERROR_WANT_READ && e != KTLA_ERROR_WANT_WRITE))
        return 0;
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    return 1;
}

static void drop(struct client *c, const char *how)
{
    printf("fd %d: closed: %s\n", c->fd, how);
    ktla_conn_free(c->tls); /* frees ktla's state but never closes the socket... */
    close(c->fd);           /* ...which is ours; closing it also takes it out of the epoll set */
    free(c);
}

static void established(const struct client *c)
{
    printf("fd %d: %s %s\n", c->fd, ktla_tls_version_name(ktla_get_tls_version(c->tls)),
           ktla_get_ciphersuite_name(c->tls));
    for (int dir = KTLA_DIR_TX; dir <= KTLA_DIR_RX; dir++) {
        const char *why = ktla_get_offload_reason(c->tls, dir); /* NULL when the kernel has it */
        printf("fd %d: %s: %s%s\n", c->fd, dir == KTLA_DIR_TX ? "tx" : "rx", why ? "user space, " : "kernel",
               why ? why : "");
    }
}

/* Run a client as far as it can go without blocking; called whenever epoll reports its socket. */
static void drive(struct client *c)
{
    long n;

    if (c->phase == HANDSHAKE) {
        n = ktla_accept(c->tls);
        if (n < 0 && must_wait(c, n))
            return;
        if (n != 1) { /* 0: the client gave up with an alert or close_notify; -1: a failure */
            drop(c, ktla_get_reason(c->tls));
            return;
        }
        established(c);
        c->phase = ECHO;
        /* No return here: the client's first line may already be waiting. */
    }
    while (c->phase == ECHO) {
        /*
         * Write out the lines taken from buf before reading anything more.
         * After WANT_WRITE the same ktla_write() must be repeated with the
         * same bytes and length (in user space mbedTLS has already encrypted
         * them), so buf[sent, line_end) must not change until it is out;
         * not reading meanwhile also stops a client that never reads.
         */
        if (c->sent < c->line_end) {
            n = ktla_write(c->tls, c->buf + c->sent, c->line_end - c->sent);
            if (n > 0) {
                c->sent += (size_t)n; /* writes may be short: loop */
                continue;
            }
            if (!must_wait(c, n))
                drop(c, ktla_get_reason(c->tls));
            return;
        }
        if (c->line_end > 0) { /* all echoed: keep only the unfinished line */
            memmove(c->buf, c->buf + c->line_end, c->len - c->line_end);
            c->len -= c->line_end;
            c->line_end = c->sent = 0;
        }
        /* Whole lines waiting (or a full buffer without one)? Echo them. */
        char *nl = memrchr(c->buf, '\n', c->len);
        if (nl || c->len == sizeof c->buf) {
            c->line_end = nl ? (size_t)(nl - c->buf) + 1 : c->len;
            continue;
        }
        /*
         * Read until ktla says WANT_READ, never just once per epoll event: in
         * user space mbedTLS may hold decrypted bytes that the socket no
         * longer shows, and epoll would not wake us for them.
         */
        n = ktla_read(c->tls, c->buf + c->len, sizeof c->buf - c->len);
        if (n > 0) {
            c->len += (size_t)n;
        } else if (n == 0) {
            /*
             * close_notify: the client is done.  Answer at once and drop an
             * unfinished line (RFC 5246 7.2.1; many clients also treat data
             * after their close_notify as an error).
             */
            c->phase = CLOSING;
        } else {
            if (!must_wait(c, n))
                drop(c, ktla_get_reason(c->tls)); /* alert, reset, or end of TCP without close_notify */
            return;
        }
    }
    /* CLOSING: answer the client's close_notify with ours, then close. */
    n = ktla_shutdown(c->tls);
    if (n < 0 && must_wait(c, n))
        return;
    drop(c, n == 1 ? "clean close (close_notify both ways)" : ktla_get_reason(c->tls));
}

/* Take every pending connection; each starts by waiting for the ClientHello. */
static void accept_clients(int lfd, ktla_config *cfg)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct client *c;

        if (fd < 0) {
            if (errno == ECONNABORTED || errno == EINTR)
                continue; /* that one is gone; there may be more */
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                perror("accept4");
            return;
        }
        c = calloc(1, sizeof *c);
        if (c == NULL || ktla_conn_new(cfg, &c->tls) != 0 || ktla_set_fd(c->tls, fd) != 0) {
            fprintf(stderr, "fd %d: cannot set up: %s\n", fd, ktla_config_error(cfg));
            if (c)
                ktla_conn_free(c->tls);
            free(c);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->phase = HANDSHAKE;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            drop(c, "epoll_ctl failed");
            continue;
        }
        printf("fd %d: connected\n", fd);
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL}; /* NULL marks the listening socket */
    ktla_config *cfg = NULL;
    int one = 1, lfd;

    if (argc != 4) {
        fprintf(stderr, "usage: %s CERT KEY PORT\n", argv[0]);
        return 2;
    }
    /* One configuration for all connections; the first ktla_conn_new() freezes it. */
    if (ktla_config_new(&cfg) != 0 || ktla_config_add_cert_file(cfg, argv[1], argv[2], NULL) != 0) {
        fprintf(stderr, "configuration: %s\n", ktla_config_error(cfg));
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    addr.sin_port = htons((unsigned short)atoi(argv[3]));
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 64) != 0 || epfd < 0 ||
        epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) != 0) {
        perror("listen");
        return 1;
    }
    printf("listening on 127.0.0.1:%s\n", argv[3]);
    /*
     * A real server would also time out silent clients: the handshake timeout
     * (ktla_config_set_handshake_timeout) is only charged when ktla_accept()
     * runs, and a client that sends nothing never wakes epoll.  Set a timer to
     * ktla_get_handshake_time_left() after each WANT and call ktla_accept()
     * when it fires (see ktla_accept(3)); ktla-serve does.
     */
    for (;;) {
        struct epoll_event events[64];
        int n = epoll_wait(epfd, events, 64, -1);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            perror("epoll_wait");
            break;
        }
        /* Each fd appears at most once per batch, so a client dropped here is never seen again. */
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == NULL)
                accept_clients(lfd, cfg);
            else
                drive(events[i].data.ptr);
        }
    }
    close(epfd);
    close(lfd);
    ktla_config_free(cfg);
    return 1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * session.c - one connection, driven by its worker's epoll events:
 *
 *   HANDSHAKE -> READ -> SEND -> READ ... (keep-alive)
 *                             \-> LINGER -> closed (Connection: close)
 *
 * Every ktla call is non-blocking: WANT_READ / WANT_WRITE set the epoll
 * interest and return to the loop; a state's step runs again on the next
 * event.  Deadlines (handshake, idle, linger) are the worker's timer lists.
 *
 * In user space the library's mbedTLS context may hold decrypted bytes the
 * socket no longer shows as readable, so a request is always read until
 * the library says WANT_READ, never only when epoll says "readable".  And
 * after WANT_WRITE the same call is repeated with the same arguments, as
 * mbedTLS requires: the offsets only move when bytes were taken.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "session.h"

#define SEND_BUDGET (4u << 20) /* bytes one connection may send before others get a turn */
#define LINGER_READS 16         /* recv() calls per linger event before yielding */
/* TLS's largest record payload (RFC 8446 5.1, RFC 5246 6.2.1): a head and body up to this go out together. */
#define ONE_RECORD 16384

enum step {
    STEP_NEXT,   /* the state changed: run the next state's step now */
    STEP_WAIT,   /* wait for the epoll interest now set */
    STEP_CLOSED, /* the session is gone */
};

static const char *offload_name(enum ktla_offload o)
{
    return o == KTLA_OFFLOAD_KERNEL ? "kernel" : o == KTLA_OFFLOAD_USER ? "user" : "none";
}

static enum step wait_for(struct session *s, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = s};

    if (events != s->events && epoll_ctl(s->loop->epfd, EPOLL_CTL_MOD, s->fd, &ev) == 0)
        s->events = events;
    return STEP_WAIT;
}

/* " reason=..." for the first request of a connection whose record layer is in user space. */
static void offload_reasons(const struct session *s, char *out, size_t size)
{
    const char *tx = ktla_get_offload_reason(s->tls, KTLA_DIR_TX);
    const char *rx = ktla_get_offload_reason(s->tls, KTLA_DIR_RX);
    char a[256], b[256];

    out[0] = '\0';
    if (s->requests != 1 || (tx == NULL && rx == NULL))
        return;
    log_escape(a, sizeof a, tx ? tx : "-", strlen(tx ? tx : "-"));
    if (rx == NULL || (tx != NULL && strcmp(tx, rx) == 0)) {
        snprintf(out, size, " reason=\"%s\"", a);
        return;
    }
    log_escape(b, sizeof b, rx, strlen(rx));
    snprintf(out, size, " reason=\"%s\" rx_reason=\"%s\"", a, b);
}

/* One access-log line for the request just answered (or abandoned). */
static void log_request(const struct session *s)
{
    const struct http_request *q = &s->io->req;
    char line[3072], method[40], target[1100], reasons[600], when[40], client[180] = "";
    struct timespec ts;
    struct tm tm;
    int n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    log_escape(method, sizeof method, q->method_len ? q->method_name : "-", q->method_len ? q->method_len : 1);
    log_escape(target, sizeof target, q->target_len ? q->target : "-", q->target_len ? q->target_len : 1);
    offload_reasons(s, reasons, sizeof reasons);
    if (tls_config_client_auth(s->tls_config) != KTLA_CLIENT_AUTH_NONE)
        snprintf(client, sizeof client, " client=\"%s\"", s->client);
    n = snprintf(line, sizeof line, "%s.%03ldZ %s conn=%llu req=%u \"%s %s\" %d %llu %s %s resumed=%d tx=%s rx=%s%s%s\n",
                 when, ts.tv_nsec / 1000000, s->peer, s->id, s->requests, method, target, s->status, s->body_sent,
                 ktla_tls_version_name(ktla_get_tls_version(s->tls)), ktla_get_ciphersuite_name(s->tls),
                 ktla_get_session_resumed(s->tls), offload_name(ktla_get_offload(s->tls, KTLA_DIR_TX)),
                 offload_name(ktla_get_offload(s->tls, KTLA_DIR_RX)), reasons, client);
    if (n > 0)
        log_line(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/*
 * Request buffers held now, all workers: --stats reports it, and the idle
 * memory test reads it (an idle keep-alive connection must hold none).
 */
static atomic_ulong io_held;

unsigned long session_io_held(void)
{
    return atomic_load(&io_held);
}

/* The request buffers, taken when a request may start to arrive; 0, or -1 out of memory. */
static int io_take(struct session *s)
{
    if (s->io)
        return 0;
    s->io = malloc(sizeof *s->io);
    if (s->io == NULL)
        return -1;
    memset(&s->io->req, 0, sizeof s->io->req);
    s->io->out_len = s->io->out_off = s->io->out_body = 0;
    s->io->in_len = 0;
    atomic_fetch_add(&io_held, 1);
    return 0;
}

static void io_give_back(struct session *s)
{
    if (s->io == NULL)
        return;
    free(s->io);
    s->io = NULL;
    atomic_fetch_sub(&io_held, 1);
}

/* Bytes of the next request already read (0 when the buffers are given back). */
static size_t bytes_waiting(const struct session *s)
{
    return s->io ? s->io->in_len : 0;
}

static void session_free(struct session *s)
{
    struct session_loop *loop = s->loop;

    if (s->state == SESSION_SEND)
        log_request(s); /* a response cut short is still a request served, partly */
    timer_cancel(&s->timer);
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, s->fd, NULL);
    if (s->file_fd >= 0)
        close(s->file_fd);
    close(s->fd);
    io_give_back(s);
    ktla_conn_free(s->tls);
    tls_config_release(s->tls_config);
    free(s);
    loop->nconns--;
    atomic_fetch_sub(&loop->srv->conns, 1);
}

/* Close now; polite: send close_notify first (best effort, never waiting). */
static enum step session_close(struct session *s, int polite)
{
    if (polite && s->state != SESSION_HANDSHAKE)
        ktla_shutdown(s->tls);
    session_free(s);
    return STEP_CLOSED;
}

static void report(const struct session *s, const char *what, const char *why)
{
    fprintf(stderr, "ktla-serve: conn=%llu %s: %s: %s\n", s->id, s->peer, what, why);
}

/*
 * The handshake timeout is the library's: a budget of the client's silence,
 * which a worker that is behind does not spend.  So the timer is set to the
 * silence left, and when it fires the handshake is driven (session_timeout):
 * ktla_accept() goes on if the client's bytes came meanwhile, and fails with
 * ETIMEDOUT if the client stayed silent.
 */
static void arm_handshake_timer(struct session *s)
{
    long long left = ktla_get_handshake_time_left(s->tls);

    timer_arm_at(&s->loop->handshake, &s->timer, left < 0 ? UINT64_MAX : now_ms() + (uint64_t)left);
}

static unsigned slow_handshake_ms;

void session_slow_handshakes(unsigned ms)
{
    slow_handshake_ms = ms;
}

static enum step step_handshake(struct session *s)
{
    enum ktla_error e;
    int ret;

    if (slow_handshake_ms) {
        struct timespec ts = {slow_handshake_ms / 1000, (long)(slow_handshake_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    ret = ktla_accept(s->tls);
    if (ret == 1) {
        if (tls_config_client_auth(s->tls_config) != KTLA_CLIENT_AUTH_NONE)
            client_cert_describe(s->tls, s->client, sizeof s->client);
        s->state = SESSION_READ;
        timer_arm(&s->loop->idle, &s->timer);
        return STEP_NEXT;
    }
    e = ktla_get_error(s->tls, ret);
    if (ret < 0 && (e == KTLA_ERROR_WANT_READ || e == KTLA_ERROR_WANT_WRITE)) {
        arm_handshake_timer(s);
        return wait_for(s, e == KTLA_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
    }
    report(s, "handshake failed", ktla_get_reason(s->tls));
    return session_close(s, 0);
}

/* Whether a failure is just the client leaving: close_notify, EOF, or a reset while we wrote. */
static int client_left(const struct session *s, enum ktla_error e)
{
    int err = ktla_get_errno(s->tls);

    if (e == KTLA_ERROR_ZERO_RETURN)
        return 1;
    if (e != KTLA_ERROR_SYSCALL)
        return 0;
    /* errno 0 is EOF when reading; when writing it is the file ending early, which is worth a word */
    return s->state == SESSION_READ ? err == 0 || err == ECONNRESET : err == EPIPE || err == ECONNRESET;
}

/* After a call returned ret <= 0: wait as asked, or close. */
static enum step blocked(struct session *s, long ret, const char *what)
{
    enum ktla_error e = ktla_get_error(s->tls, ret);

    if (ret < 0 && e == KTLA_ERROR_WANT_READ)
        return wait_for(s, EPOLLIN);
    if (ret < 0 && e == KTLA_ERROR_WANT_WRITE)
        return wait_for(s, EPOLLOUT);
    if (!client_left(s, e))
        report(s, what, ktla_get_reason(s->tls));
    return session_close(s, e == KTLA_ERROR_ZERO_RETURN);
}

/* Answer the request in s->io->req (status 0), or a head that could not be parsed (status). */
static enum step start_response(struct session *s, int status)
{
    s->requests++;
    s->body_sent = 0;
    s->io->out_body = 0;
    s->file_fd = -1;
    if (status == 0) {
        respond(s);
    } else {
        s->keep_alive = 0; /* after a bad head we cannot know where the next request starts */
        respond_error(s, status);
    }
    s->state = SESSION_SEND;
    timer_arm(&s->loop->idle, &s->timer);
    return STEP_NEXT;
}

/* Parse what has arrived; on a complete head (or a hopeless one) build the response. */
static enum step try_request(struct session *s, int *more)
{
    int status = 0;
    enum http_parse r = http_parse_request(s->io->in, s->io->in_len, &s->io->req, &status);

    *more = r == HTTP_PARSE_MORE;
    if (*more)
        return STEP_WAIT;
    return start_response(s, r == HTTP_PARSE_DONE ? 0 : status);
}

static enum step step_read(struct session *s)
{
    if (io_take(s) != 0) {
        report(s, "read failed", "out of memory for the request buffers");
        return session_close(s, 0);
    }
    for (;;) {
        int more = 1;
        enum step r = s->io->in_len > 0 ? try_request(s, &more) : STEP_WAIT;
        long n;

        if (!more)
            return r;
        if (s->io->in_len == sizeof s->io->in) /* the parser says 414 or 431 before this; never read past it */
            return start_response(s, 431);
        n = ktla_read(s->tls, s->io->in + s->io->in_len, sizeof s->io->in - s->io->in_len);
        if (n <= 0) {
            /* Nothing of a request yet: idle, so the buffers go back until the next readiness. */
            if (s->io->in_len == 0)
                io_give_back(s);
            return blocked(s, n, "read failed");
        }
        s->io->in_len += (size_t)n;
    }
}

/* Half-close and wait (briefly) for the client's FIN, so that close() does not reset our answer. */
static enum step start_linger(struct session *s)
{
    ktla_shutdown(s->tls);
    shutdown(s->fd, SHUT_WR);
    s->state = SESSION_LINGER;
    timer_arm(&s->loop->linger, &s->timer);
    return STEP_NEXT;
}

static enum step response_done(struct session *s)
{
    log_request(s);
    if (s->file_fd >= 0)
        close(s->file_fd);
    s->file_fd = -1;
    if (!s->keep_alive || s->loop->stopping) {
        io_give_back(s);
        return start_linger(s);
    }
    /* Pipelined bytes after this head are the next request. */
    memmove(s->io->in, s->io->in + s->io->req.head_len, s->io->in_len - s->io->req.head_len);
    s->io->in_len -= s->io->req.head_len;
    memset(&s->io->req, 0, sizeof s->io->req);
    s->io->out_len = s->io->out_off = s->io->out_body = 0;
    s->state = SESSION_READ;
    timer_arm(&s->loop->idle, &s->timer);
    return STEP_NEXT;
}

/*
 * KTLA_SERVE_SEPARATE_RECORDS, when set, sends a small file's head and body
 * as two records, as ktla-serve did before: it exists so that scripts/bench
 * can measure the difference with the same binary, in the same run.
 */
static int separate_records;
static pthread_once_t separate_records_once = PTHREAD_ONCE_INIT;

static void read_separate_records(void)
{
    separate_records = getenv("KTLA_SERVE_SEPARATE_RECORDS") != NULL;
}

/* Whether what is left of the head and the file fits in one record (and both are left). */
static int fits_one_record(const struct session *s)
{
    pthread_once(&separate_records_once, read_separate_records);
    return !separate_records && s->io->out_off < s->io->out_len && s->file_fd >= 0 && s->file_off < s->file_end &&
           (unsigned long long)(s->file_end - s->file_off) <= ONE_RECORD - (s->io->out_len - s->io->out_off);
}

/*
 * The rest of the head and of a small file in one ktla_write: one record
 * (one send() on kTLS, one mbedtls_ssl_write() in user space) where a head
 * and a sendfile would make two, and a client would wait for the second.
 * A retry after WANT_WRITE rebuilds the same bytes from the same offsets, as
 * mbedTLS requires.  Returns ktla_write's result, or 0 when the file gave
 * fewer bytes than its size said: the sendfile path then reports that.
 */
static long send_head_and_body(struct session *s)
{
    unsigned char buf[ONE_RECORD];
    size_t head = s->io->out_len - s->io->out_off, body = (size_t)(s->file_end - s->file_off);
    ssize_t got;
    long n;

    memcpy(buf, s->io->out + s->io->out_off, head);
    do
        got = pread(s->file_fd, buf + head, body, (off_t)s->file_off);
    while (got < 0 && errno == EINTR);
    if (got < 0 || (size_t)got != body)
        return 0;
    n = ktla_write(s->tls, buf, head + body);
    if (n <= 0)
        return n;
    if ((size_t)n <= head) {
        s->io->out_off += (size_t)n;
    } else {
        s->io->out_off = s->io->out_len;
        s->file_off += (long long)((size_t)n - head);
        s->body_sent += (size_t)n - head;
    }
    timer_arm(&s->loop->idle, &s->timer);
    return n;
}

static enum step step_send(struct session *s)
{
    size_t budget = SEND_BUDGET;

    while (fits_one_record(s)) {
        long n = send_head_and_body(s);
        if (n == 0)
            break;
        if (n < 0)
            return blocked(s, n, "write failed");
    }
    while (s->io->out_off < s->io->out_len) {
        long n = ktla_write(s->tls, s->io->out + s->io->out_off, s->io->out_len - s->io->out_off);
        if (n <= 0)
            return blocked(s, n, "write failed");
        s->io->out_off += (size_t)n;
        timer_arm(&s->loop->idle, &s->timer);
        if (s->io->out_off == s->io->out_len)
            s->body_sent += s->io->out_body; /* an error page, sent with its head */
    }
    while (s->file_fd >= 0 && s->file_off < s->file_end) {
        /* The count depends only on the offset, so a retry after WANT_WRITE repeats the call exactly. */
        unsigned long long left = (unsigned long long)(s->file_end - s->file_off);
        long n;

        if (budget == 0)
            return wait_for(s, EPOLLOUT); /* level-triggered: back here once others had a turn */
        n = ktla_sendfile(s->tls, s->file_fd, &s->file_off, left > (1u << 30) ? (1u << 30) : (size_t)left);
        if (n <= 0)
            return blocked(s, n, "sendfile failed");
        s->body_sent += (unsigned long long)n;
        budget -= (size_t)n < budget ? (size_t)n : budget;
        timer_arm(&s->loop->idle, &s->timer);
    }
    return response_done(s);
}

static enum step step_linger(struct session *s)
{
    char buf[4096];

    for (int i = 0; i < LINGER_READS; i++) {
        ssize_t n = recv(s->fd, buf, sizeof buf, 0);
        if (n > 0 || (n < 0 && errno == EINTR))
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return wait_for(s, EPOLLIN);
        /* EOF, or an error (EIO: a kTLS control record such as the client's close_notify) */
        return session_close(s, 0);
    }
    return wait_for(s, EPOLLIN);
}

static void drive(struct session *s)
{
    enum step r;

    do {
        switch (s->state) {
        case SESSION_HANDSHAKE: r = step_handshake(s); break;
        case SESSION_READ: r = step_read(s); break;
        case SESSION_SEND: r = step_send(s); break;
        case SESSION_LINGER: r = step_linger(s); break;
        default: r = session_close(s, 0); break;
        }
    } while (r == STEP_NEXT);
}

int session_start(struct session_loop *loop, int fd, const struct sockaddr *peer, socklen_t peer_len)
{
    struct session *s = calloc(1, sizeof *s);
    struct epoll_event ev = {.events = EPOLLIN};
    int one = 1;

    if (s == NULL)
        return -1;
    s->tls_config = tls_config_acquire(loop->srv);
    if (ktla_conn_new(tls_config_get(s->tls_config), &s->tls) != 0 || ktla_set_fd(s->tls, fd) != 0) {
        ktla_conn_free(s->tls);
        tls_config_release(s->tls_config);
        free(s);
        return -1;
    }
    s->loop = loop;
    s->fd = fd;
    s->file_fd = -1;
    s->events = EPOLLIN;
    s->state = SESSION_HANDSHAKE;
    s->id = atomic_fetch_add(&loop->srv->next_id, 1) + 1;
    net_peer_name(peer, peer_len, s->peer, sizeof s->peer);
    /* A head and a big file's body are separate writes: Nagle would hold the second for the first's ACK. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ev.data.ptr = s;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        ktla_conn_free(s->tls);
        tls_config_release(s->tls_config);
        free(s);
        return -1;
    }
    loop->nconns++;
    drive(s); /* the ClientHello is often there already; a wait arms the handshake timer */
    return 0;
}

void session_event(struct session *s, uint32_t events)
{
    (void)events; /* errors and hang-ups show up as the next call's failure */
    drive(s);
}

void session_timeout(struct session *s)
{
    if (s->state == SESSION_HANDSHAKE) {
        drive(s); /* fails with "handshake timed out" unless the client's bytes came */
        return;
    }
    /*
     * A worker that is behind can reach the timer before the event: bytes
     * waiting on a connection between requests mean the client is not idle.
     * Serve them (once: a request that then stalls half-way is closed).
     */
    if (s->state == SESSION_READ && bytes_waiting(s) == 0) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
            timer_arm(&s->loop->idle, &s->timer);
            drive(s);
            return;
        }
    }
    /* idle between requests: say goodbye properly; stalled mid-request or mid-response: just go */
    session_close(s, s->state == SESSION_READ && bytes_waiting(s) == 0);
}

void session_abort(struct session *s)
{
    session_close(s, 0);
}

void session_stop(struct session *s)
{
    /* In-flight responses (and lingering closes) finish; everything else closes now. */
    if (s->state == SESSION_SEND || s->state == SESSION_LINGER)
        return;
    session_close(s, s->state == SESSION_READ && bytes_waiting(s) == 0);
}

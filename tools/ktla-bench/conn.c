/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.c - the connection state machine (see conn.h).
 *
 * Each step_* function handles one state and returns STEP_NEXT when the
 * state changed and the machine should go on, or STEP_WAIT when it waits
 * for the socket (the epoll interest is set) or for the worker's next turn.
 */
#include "conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* The longest we wait for the server's close_notify after ours. */
#define DRAIN_MAX_NS (1000u * 1000u * 1000u)

/*
 * Reads (of up to 16 KiB) one connection may do before the worker turns to
 * the others: a fast server would otherwise keep one connection reading a
 * large body to its end, starving its neighbours and its own --timeout.
 */
#define READ_BUDGET 16

enum step { STEP_NEXT, STEP_WAIT };

static const struct bench_opts *opts_of(const struct conn *c)
{
    return c->pool->run->opts;
}

static uint64_t timeout_ns(const struct conn *c)
{
    return (uint64_t)opts_of(c)->timeout_ms * 1000000u;
}

/* Watch c's socket for events (EPOLLIN or EPOLLOUT) in the pool's epoll set; 0 or -1. */
static int conn_watch(struct conn *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};

    if (c->events == events)
        return 0;
    if (epoll_ctl(c->pool->epfd, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev) != 0)
        return -1;
    c->events = events;
    return 0;
}

void conn_init(struct conn *c, struct conn_pool *pool)
{
    memset(c, 0, sizeof *c);
    c->pool = pool;
    c->fd = -1;
    c->st = CS_IDLE;
    tls_link_init(&c->tls);
    http_resp_reset(&c->resp);
}

void conn_free(struct conn *c)
{
    conn_abort(c);
    tls_link_free(&c->tls);
}

/* Close the socket (which also takes it out of the epoll set). */
static void teardown(struct conn *c)
{
    tls_link_end(&c->tls); /* before the close: it keeps the session under --resume */
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->events = 0;
    c->peer_closed = 0;
}

void conn_abort(struct conn *c)
{
    teardown(c);
    c->in_request = 0;
    if (c->st != CS_PARKED)
        c->st = CS_IDLE;
}

/* The request failed: count it, drop the connection, retry on the next turn. */
static enum step fail(struct conn *c, enum bench_err kind, const char *detail)
{
    if (c->in_request && !run_stopping(c->pool->run))
        stats_error(&c->pool->stats, kind, detail);
    if (c->st == CS_HANDSHAKE)
        tls_link_forget_session(&c->tls); /* the offered session may be why */
    teardown(c);
    c->in_request = 0;
    c->st = CS_IDLE;
    c->pool->retry = 1;
    return STEP_WAIT;
}

static enum step fail_errno(struct conn *c, enum bench_err kind, const char *what, int err)
{
    char detail[256];

    snprintf(detail, sizeof detail, "%s: %s", what, strerror(err));
    return fail(c, kind, detail);
}

static enum step fail_tls(struct conn *c, enum bench_err kind, int io)
{
    char detail[256];

    if (io == TLS_IO_ERROR)
        tls_link_describe_error(&c->tls, detail, sizeof detail);
    else
        snprintf(detail, sizeof detail, "%s", io == TLS_IO_CLOSED ? "the server sent close_notify"
                                                                   : "the connection ended (EOF)");
    return fail(c, kind, detail);
}

static enum step wait_for(struct conn *c, uint32_t events, enum bench_err kind)
{
    if (conn_watch(c, events) != 0)
        return fail_errno(c, kind, "epoll_ctl", errno);
    return STEP_WAIT;
}

static enum step wait_io(struct conn *c, int io, enum bench_err kind)
{
    return wait_for(c, io == TLS_IO_WANT_WRITE ? EPOLLOUT : EPOLLIN, kind);
}

static void park(struct conn *c)
{
    teardown(c);
    c->st = CS_PARKED;
    c->pool->active--;
}

static enum step start_tls(struct conn *c)
{
    const struct bench_run *run = c->pool->run;

    if (tls_link_start(&c->tls, &run->tls, c->fd, run->opts->url.host) != 0)
        return fail_tls(c, BENCH_ERR_HANDSHAKE, TLS_IO_ERROR);
    c->st = CS_HANDSHAKE;
    return STEP_NEXT;
}

static enum step open_connection(struct conn *c)
{
    const struct bench_run *run = c->pool->run;
    int one = 1;

    c->fd = socket(run->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return fail_errno(c, BENCH_ERR_CONNECT, "socket", errno);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (const struct sockaddr *)&run->addr, run->addrlen) == 0)
        return start_tls(c);
    if (errno != EINPROGRESS)
        return fail_errno(c, BENCH_ERR_CONNECT, "connect", errno);
    c->st = CS_CONNECTING;
    return wait_for(c, EPOLLOUT, BENCH_ERR_CONNECT);
}

static enum step step_idle(struct conn *c)
{
    if (!run_take_request(c->pool->run)) {
        if (c->fd >= 0) { /* a kept-alive connection: close it politely */
            c->st = CS_SHUTDOWN;
            c->deadline = now_ns() + DRAIN_MAX_NS;
            return STEP_NEXT;
        }
        park(c);
        return STEP_WAIT;
    }
    c->in_request = 1;
    c->sent = 0;
    http_resp_reset(&c->resp);
    c->t_req = now_ns();
    c->deadline = c->t_req + timeout_ns(c);
    if (c->fd >= 0) {
        c->st = CS_SEND;
        return STEP_NEXT;
    }
    return open_connection(c);
}

static enum step step_connecting(struct conn *c)
{
    struct pollfd p = {.fd = c->fd, .events = POLLOUT};
    int err = 0;
    socklen_t len = sizeof err;

    if (poll(&p, 1, 0) == 0)
        return wait_for(c, EPOLLOUT, BENCH_ERR_CONNECT); /* woken for another socket's sake */
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err != 0)
        return fail_errno(c, BENCH_ERR_CONNECT, "connect", err);
    return start_tls(c);
}

static void note_handshake(struct conn *c)
{
    struct bench_stats *s = &c->pool->stats;

    if (run_stopping(c->pool->run))
        return;
    ctr_add(&s->handshakes, 1);
    s->resume_offered += c->tls.offered != 0;
    s->resumed += tls_link_resumed(&c->tls) != 0;
    if (s->tls_version[0] == '\0') {
        snprintf(s->tls_version, sizeof s->tls_version, "%s", tls_link_version_name(&c->tls));
        snprintf(s->cipher, sizeof s->cipher, "%s", tls_link_cipher_name(&c->tls));
    }
}

/* Where this connection's record layer went (the library chose), counted per completed handshake. */
static void note_record_layer(struct conn *c)
{
    struct bench_stats *s = &c->pool->stats;
    char why[256];

    if (run_stopping(c->pool->run))
        return;
    if (tls_link_in_kernel(&c->tls, why, sizeof why)) {
        s->rl_kernel++;
    } else {
        s->rl_user++;
        if (s->rl_user_first[0] == '\0')
            snprintf(s->rl_user_first, sizeof s->rl_user_first, "%s", why);
    }
}

static enum step step_handshake(struct conn *c)
{
    int r = tls_link_handshake(&c->tls);

    if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE)
        return wait_io(c, r, BENCH_ERR_HANDSHAKE);
    if (r != 0)
        return fail_tls(c, BENCH_ERR_HANDSHAKE, r);
    note_handshake(c);
    note_record_layer(c);
    if (opts_of(c)->mode == BENCH_MODE_GET)
        c->t_req = now_ns(); /* keep-alive latency: from the request, not the connect */
    c->st = CS_SEND;
    return STEP_NEXT;
}

static enum step step_send(struct conn *c)
{
    const struct bench_run *run = c->pool->run;

    while (c->sent < run->request_len) {
        int r = tls_link_write(&c->tls, (const unsigned char *)run->request + c->sent, run->request_len - c->sent);

        if (r > 0) {
            c->sent += (size_t)r;
            continue;
        }
        if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE)
            return wait_io(c, r, BENCH_ERR_TLS_WRITE);
        return fail_tls(c, BENCH_ERR_TLS_WRITE, r);
    }
    c->st = CS_RECV;
    return STEP_NEXT;
}

/* The response is complete: count it, then keep or close the connection. */
static enum step finish_request(struct conn *c)
{
    struct bench_stats *s = &c->pool->stats;
    const struct http_resp *resp = &c->resp;

    if (!run_stopping(c->pool->run)) {
        if (resp->status >= 200 && resp->status <= 299) {
            ctr_add(&s->requests, 1);
            hist_record(&s->latency, (now_ns() - c->t_req) / 1000u);
        } else {
            char detail[40];

            snprintf(detail, sizeof detail, "HTTP status %d", resp->status);
            stats_error(s, BENCH_ERR_HTTP_STATUS, detail);
        }
    }
    c->in_request = 0;
    if (opts_of(c)->mode == BENCH_MODE_GET && resp->keep_alive && !c->peer_closed) {
        c->st = CS_IDLE;
        return STEP_NEXT;
    }
    c->st = CS_SHUTDOWN;
    c->deadline = now_ns() + (timeout_ns(c) < DRAIN_MAX_NS ? timeout_ns(c) : DRAIN_MAX_NS);
    return STEP_NEXT;
}

static enum bench_err http_err_kind(int h)
{
    switch (h) {
    case HTTP_E_NO_KEEPALIVE: return BENCH_ERR_NO_KEEPALIVE;
    case HTTP_E_SHORT: return BENCH_ERR_SHORT_BODY;
    case HTTP_E_CLOSED: return BENCH_ERR_TLS_READ;
    default: return BENCH_ERR_HTTP_PARSE;
    }
}

static enum step http_result(struct conn *c, int h)
{
    if (h == HTTP_DONE)
        return finish_request(c);
    return fail(c, http_err_kind(h), c->resp.why);
}

/* Enough reads for this turn: wait for epoll (level-triggered: it fires again at once). */
static int budget_spent(struct conn *c, int *reads)
{
    return ++*reads > READ_BUDGET && !tls_link_pending(&c->tls);
}

static enum step step_recv(struct conn *c)
{
    int need_keepalive = opts_of(c)->mode == BENCH_MODE_GET, reads = 0;

    for (;;) {
        int r, h;

        if (budget_spent(c, &reads))
            return wait_for(c, EPOLLIN, BENCH_ERR_TLS_READ);
        r = tls_link_read(&c->tls, c->pool->rbuf, sizeof c->pool->rbuf);
        if (r > 0) {
            uint64_t before = c->resp.body;

            h = http_resp_feed(&c->resp, c->pool->rbuf, (size_t)r, need_keepalive);
            if (!run_stopping(c->pool->run)) /* throughput counts bytes as they arrive */
                ctr_add(&c->pool->stats.body_bytes, c->resp.body - before);
            if (h == HTTP_MORE)
                continue;
            return http_result(c, h);
        }
        if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE)
            return wait_io(c, r, BENCH_ERR_TLS_READ);
        if (r == TLS_IO_CLOSED || r == TLS_IO_EOF) {
            c->peer_closed = 1;
            return http_result(c, http_resp_eof(&c->resp, r == TLS_IO_CLOSED));
        }
        return fail_tls(c, BENCH_ERR_TLS_READ, r);
    }
}

/* Closing is best effort: nothing here counts as an error. */
static enum step close_done(struct conn *c)
{
    teardown(c);
    c->st = CS_IDLE;
    return STEP_NEXT;
}

static enum step step_shutdown(struct conn *c)
{
    int r = tls_link_close_notify(&c->tls);

    if (r == TLS_IO_WANT_WRITE || r == TLS_IO_WANT_READ) {
        if (conn_watch(c, r == TLS_IO_WANT_WRITE ? EPOLLOUT : EPOLLIN) != 0)
            return close_done(c);
        return STEP_WAIT;
    }
    if (r != 0 || c->peer_closed)
        return close_done(c);
    shutdown(c->fd, SHUT_WR);
    c->st = CS_DRAIN;
    return STEP_NEXT;
}

static enum step step_drain(struct conn *c)
{
    int reads = 0;

    for (;;) {
        int r;

        if (budget_spent(c, &reads))
            return conn_watch(c, EPOLLIN) != 0 ? close_done(c) : STEP_WAIT;
        r = tls_link_read(&c->tls, c->pool->rbuf, sizeof c->pool->rbuf);
        if (r > 0)
            continue;
        if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE) {
            if (conn_watch(c, r == TLS_IO_WANT_WRITE ? EPOLLOUT : EPOLLIN) != 0)
                return close_done(c);
            return STEP_WAIT;
        }
        return close_done(c);
    }
}

static enum step step(struct conn *c)
{
    switch (c->st) {
    case CS_IDLE: return step_idle(c);
    case CS_CONNECTING: return step_connecting(c);
    case CS_HANDSHAKE: return step_handshake(c);
    case CS_SEND: return step_send(c);
    case CS_RECV: return step_recv(c);
    case CS_SHUTDOWN: return step_shutdown(c);
    case CS_DRAIN: return step_drain(c);
    case CS_PARKED:
    default: return STEP_WAIT;
    }
}

void conn_drive(struct conn *c)
{
    while (step(c) == STEP_NEXT)
        ;
}

void conn_check_deadline(struct conn *c, uint64_t now)
{
    if (c->st == CS_IDLE || c->st == CS_PARKED || now < c->deadline)
        return;
    if (c->in_request) {
        char detail[64];

        snprintf(detail, sizeof detail, "no response within %u ms", opts_of(c)->timeout_ms);
        fail(c, BENCH_ERR_TIMEOUT, detail);
        return;
    }
    teardown(c); /* a drain that took too long: close anyway */
    c->st = CS_IDLE;
    c->pool->retry = 1;
}

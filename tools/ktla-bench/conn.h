/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.h - one connection slot: a state machine that connects, runs the TLS
 * handshake, writes the request, reads the response, and closes or keeps
 * the connection, never blocking (non-blocking socket, epoll, and the
 * library's KTLA_ERROR_WANT_READ / KTLA_ERROR_WANT_WRITE).
 */
#ifndef KTLA_BENCH_CONN_H
#define KTLA_BENCH_CONN_H

#include <stdint.h>

#include "http.h"
#include "run.h"
#include "stats.h"
#include "tls_client.h"

#define CONN_RBUF 16384

/*
 * What the connection slots of one worker thread share: the run, the
 * thread's statistics, read buffer and epoll set, and the two counters its
 * loop reads.  The worker owns one (worker.h) and lends it to its slots, so
 * that conn.c needs nothing of the worker: the dependency runs worker -> conn.
 */
struct conn_pool {
    struct bench_run *run;
    int epfd;
    unsigned active;   /* slots not parked */
    int retry;         /* some slot is idle after a failure: drive it on the next turn */
    struct bench_stats stats;
    unsigned char rbuf[CONN_RBUF];
};

enum conn_state {
    CS_IDLE,       /* between requests: begin the next (or park) */
    CS_CONNECTING, /* TCP connect in progress */
    CS_HANDSHAKE,
    CS_SEND,       /* writing the request */
    CS_RECV,       /* reading the response */
    CS_SHUTDOWN,   /* sending close_notify */
    CS_DRAIN,      /* reading to the peer's close_notify or EOF, so close sends no reset */
    CS_PARKED,     /* no more requests for this slot */
};

struct conn {
    struct conn_pool *pool;
    enum conn_state st;
    int fd;
    uint32_t events;   /* epoll interest now; 0 when not registered */
    int in_request;    /* a request is under way (its failure counts) */
    int peer_closed;   /* close_notify or EOF seen */
    size_t sent;       /* request bytes written */
    uint64_t t_req;    /* latency origin, ns */
    uint64_t deadline; /* ns: --timeout of the request, or the end of a drain */
    struct tls_link tls;
    struct http_resp resp;
};

void conn_init(struct conn *c, struct conn_pool *pool);
/* Advance as far as possible without blocking. */
void conn_drive(struct conn *c);
/* Fail or end what has passed its deadline. */
void conn_check_deadline(struct conn *c, uint64_t now);
/* Close the socket now, counting nothing (the run is over). */
void conn_abort(struct conn *c);
void conn_free(struct conn *c);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * session.h - one connection's state, and what a session needs of the
 * worker that runs it (struct session_loop, which the worker owns and
 * fills): the worker calls into sessions, never the other way round.
 */
#ifndef KTLA_SERVE_SESSION_H
#define KTLA_SERVE_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ktla.h>

#include "http.h"
#include "server.h"
#include "timers.h"

#define LINGER_MS 2000 /* after our last response: how long to wait for the client's FIN */

/* One worker's event loop, as its sessions see it. */
struct session_loop {
    struct server *srv;
    int epfd;
    int stopping;    /* the server is stopping: no new keep-alive */
    unsigned nconns; /* sessions open in this loop */
    struct timer_list handshake, idle, linger;
};

enum session_state {
    SESSION_HANDSHAKE,
    SESSION_READ, /* waiting for, or reading, a request head */
    SESSION_SEND, /* sending a response head and body */
    SESSION_LINGER,
};

/*
 * The buffers of one request and its response: taken when a request
 * starts to arrive, given back once the response is out and no pipelined
 * bytes wait, so that an idle keep-alive connection holds none of them.
 */
struct session_io {
    struct http_request req; /* points into in[] until the response is done */
    char out[2560];          /* the response head, and an error page after it */
    size_t out_len, out_off;
    size_t out_body; /* how much of out[] is an error page (for the log's byte count) */
    size_t in_len;
    char in[HTTP_MAX_HEAD];
};

struct session {
    struct timer_entry timer; /* in one of the loop's lists */
    struct session_loop *loop;
    struct serve_tls *tls_config; /* a reference: what tls was made from */
    ktla_conn *tls;
    int fd;
    enum session_state state;
    uint32_t events; /* the epoll interest set now */
    unsigned long long id;
    unsigned requests;
    char peer[64];
    char client[160]; /* with --client-auth: client_cert_describe(), set when the handshake ends */

    struct session_io *io; /* NULL while idle between requests */
    int status, keep_alive;
    int file_fd;
    long long file_off, file_end;
    unsigned long long body_sent;
};

static inline struct session *session_of(struct timer_entry *e)
{
    return (struct session *)((char *)e - offsetof(struct session, timer));
}

int session_start(struct session_loop *loop, int fd, const struct sockaddr *peer, socklen_t peer_len);
void session_event(struct session *s, uint32_t events);
void session_timeout(struct session *s);
void session_stop(struct session *s);  /* the server is stopping */
void session_abort(struct session *s); /* close at once, without a word: the worker failed */
/* For the tests: sleep ms before every handshake step, to play a server that is behind. */
void session_slow_handshakes(unsigned ms);
/* Request buffers (struct session_io) held now, all workers: what --stats reports as busy. */
unsigned long session_io_held(void);

/* respond.c: turn the parsed request in s->io->req into s->io->out and s->file_* */
void respond(struct session *s);
void respond_error(struct session *s, int status);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.h - the running server: what all workers share, each worker's
 * event loop and timers, and one connection's state.
 *
 * Threads: N workers, each with its own SO_REUSEPORT listener and epoll set,
 * so that a connection lives and dies on one thread and needs no lock.
 * What they share is read-only after start-up (the frozen ktla_config, the
 * root directory, the options) or atomic (counters).
 */
#ifndef KTLA_SERVE_SERVER_H
#define KTLA_SERVE_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ktla.h>

#include "files.h"
#include "http.h"
#include "serve.h"

#define LINGER_MS 2000 /* after our last response: how long to wait for the client's FIN */

struct server {
    const struct serve_options *opt;
    ktla_config *cfg;
    struct files_root root;
    int stop_fd;           /* an eventfd in every worker's epoll set: readable once stopping */
    unsigned max_conn;
    atomic_uint conns;     /* open connections, all workers */
    atomic_uint peak;
    atomic_uint refused;   /* closed at once: over --max-conn */
    atomic_ullong next_id; /* connection numbers for the log */
    atomic_int failed;     /* a worker hit an error it could not recover from */
};

struct session;

/*
 * Sessions waiting for the same kind of deadline, earliest first: expiry
 * only ever looks at the head.  Idle and linger deadlines are now plus the
 * list's timeout, so appending at the tail keeps the list sorted; a
 * handshake's deadline is when the client's silence will have used up the
 * handshake timeout (ktla_get_handshake_time_left()), inserted in order.
 */
struct timer_list {
    struct session *head, *tail;
    unsigned timeout_ms; /* 0: never */
};

struct worker {
    struct server *srv;
    unsigned index;
    int epfd, listen_fd;
    int reserve_fd; /* held open so that EMFILE can still accept-and-close */
    pthread_t thread;
    int stop_requested, stopping;
    unsigned nconns;
    struct timer_list handshake, idle, linger;
    char listen_tag, stop_tag; /* their addresses mark the two non-session fds in epoll */
};

enum session_state {
    SESSION_HANDSHAKE,
    SESSION_READ, /* waiting for, or reading, a request head */
    SESSION_SEND, /* sending a response head and body */
    SESSION_LINGER,
};

struct session {
    struct session *prev, *next; /* in one of the worker's timer lists */
    struct timer_list *timer;
    uint64_t deadline_ms;

    struct worker *w;
    ktla_conn *tls;
    int fd;
    enum session_state state;
    uint32_t events; /* the epoll interest set now */
    unsigned long long id;
    unsigned requests;
    char peer[64];
    char client[160]; /* with --client-auth: client_cert_describe(), set when the handshake ends */

    struct http_request req; /* points into in[] until the response is done */
    int status, keep_alive;

    char out[2560]; /* the response head, and an error page after it */
    size_t out_len, out_off;
    size_t out_body; /* how much of out[] is an error page (for the log's byte count) */
    int file_fd;
    long long file_off, file_end;
    unsigned long long body_sent;

    size_t in_len;
    char in[HTTP_MAX_HEAD];
};

/* worker.c */
int worker_init(struct worker *w, struct server *srv, unsigned index, int listen_fd);
void *worker_run(void *arg);
void worker_destroy(struct worker *w);
uint64_t now_ms(void);

/* Put s at the tail of list with a fresh deadline (moving it from any other list). */
void timer_arm(struct timer_list *list, struct session *s);
/* Put s in list, in order, with this deadline (UINT64_MAX: never). */
void timer_arm_at(struct timer_list *list, struct session *s, uint64_t deadline_ms);
void timer_cancel(struct session *s);

/* session.c */
int session_start(struct worker *w, int fd, const struct sockaddr *peer, socklen_t peer_len);
void session_event(struct session *s, uint32_t events);
void session_timeout(struct session *s);
void session_stop(struct session *s); /* the server is stopping */
void session_abort(struct session *s); /* close at once, without a word: the worker failed */
/* For the tests: sleep ms before every handshake step, to play a server that is behind. */
void session_slow_handshakes(unsigned ms);

/* respond.c: turn the parsed request in s->req into s->out and s->file_* */
void respond(struct session *s);
void respond_error(struct session *s, int status);

/* net.c */
int net_listen(const char *host, const char *port, int *fd, unsigned *bound_port);
int net_write_port_file(const char *path, unsigned port);
void net_peer_name(const struct sockaddr *sa, socklen_t len, char *out, size_t size);

#endif

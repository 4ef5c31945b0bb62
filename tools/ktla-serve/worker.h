/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.h - one worker thread: its own SO_REUSEPORT listener, epoll set
 * and timers; the sessions it accepts live and die on it.
 */
#ifndef KTLA_SERVE_WORKER_H
#define KTLA_SERVE_WORKER_H

#include <pthread.h>

#include "server.h"
#include "session.h"

struct worker {
    struct session_loop loop; /* what its sessions see */
    unsigned index;
    int listen_fd;
    int reserve_fd; /* held open so that EMFILE can still accept-and-close */
    pthread_t thread;
    int stop_requested;
    char listen_tag, stop_tag; /* their addresses mark the two non-session fds in epoll */
};

int worker_init(struct worker *w, struct server *srv, unsigned index, int listen_fd);
void *worker_run(void *arg);
void worker_destroy(struct worker *w);

#endif

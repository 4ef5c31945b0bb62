/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.h - a worker thread: one epoll loop over its share of the
 * connections, with its own statistics.
 */
#ifndef KTLA_BENCH_WORKER_H
#define KTLA_BENCH_WORKER_H

#include <pthread.h>
#include <stdint.h>

#include "conn.h"
#include "run.h"
#include "stats.h"

#define WORKER_RBUF 16384

struct worker {
    struct bench_run *run;
    int epfd;
    struct conn *conns;
    unsigned nconns;
    unsigned active;   /* slots not parked */
    int retry;         /* some slot is idle after a failure: drive it on the next turn */
    uint64_t t_end;    /* ns, when the loop ended */
    pthread_t thread;
    struct bench_stats stats;
    unsigned char rbuf[WORKER_RBUF];
};

/* Allocate w (zeroed by the caller) with n connection slots; 0 or -1 (errno). */
int worker_init(struct worker *w, struct bench_run *run, unsigned n);
/* Start the thread; 0 or an errno value. */
int worker_start(struct worker *w);
void worker_join(struct worker *w);
void worker_free(struct worker *w);

/* For conn.c: watch fd of c for events (EPOLLIN or EPOLLOUT); 0 or -1. */
int worker_watch(struct worker *w, struct conn *c, uint32_t events);

#endif

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

struct worker {
    struct conn_pool pool; /* the run, statistics, epoll set and read buffer its slots share */
    struct conn *conns;
    unsigned nconns;
    uint64_t t_end;    /* ns, when the loop ended */
    pthread_t thread;
};

/* Allocate w (zeroed by the caller) with n connection slots; 0 or -1 (errno). */
int worker_init(struct worker *w, struct bench_run *run, unsigned n);
/* Start the thread; 0 or an errno value. */
int worker_start(struct worker *w);
void worker_join(struct worker *w);
void worker_free(struct worker *w);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.c - a worker thread's epoll loop.
 *
 * Level-triggered epoll: each connection is watched for the one direction
 * its last ktla call asked for (WANT_READ or WANT_WRITE).  Data the library
 * has decrypted and not yet returned does not make the socket readable:
 * conn.c asks ktla_pending() before it waits (see ktla_read(3)).
 */
#include "worker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define TICK_MS 10 /* deadline checks at least this often */

int worker_init(struct worker *w, struct bench_run *run, unsigned n)
{
    w->pool.epfd = -1;
    w->pool.run = run;
    w->nconns = n;
    w->pool.active = n;
    stats_init(&w->pool.stats);
    w->pool.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->pool.epfd < 0)
        return -1;
    w->conns = calloc(n, sizeof *w->conns);
    if (w->conns == NULL)
        return -1;
    for (unsigned i = 0; i < n; i++)
        conn_init(&w->conns[i], &w->pool);
    return 0;
}

void worker_free(struct worker *w)
{
    if (w->conns)
        for (unsigned i = 0; i < w->nconns; i++)
            conn_free(&w->conns[i]);
    free(w->conns);
    w->conns = NULL;
    if (w->pool.epfd >= 0)
        close(w->pool.epfd);
    w->pool.epfd = -1;
}

/* Idle slots (after a failure) begin their next request; deadlines are checked. */
static void worker_turn(struct worker *w, uint64_t now)
{
    int retry = w->pool.retry;

    w->pool.retry = 0;
    for (unsigned i = 0; i < w->nconns; i++) {
        struct conn *c = &w->conns[i];

        conn_check_deadline(c, now);
        if (retry && c->st == CS_IDLE)
            conn_drive(c);
    }
}

static void worker_loop(struct worker *w)
{
    struct epoll_event evs[MAX_EVENTS];
    uint64_t last_turn = now_ns();

    for (unsigned i = 0; i < w->nconns; i++)
        conn_drive(&w->conns[i]);
    while (w->pool.active > 0 && !run_stopping(w->pool.run)) {
        int n = epoll_wait(w->pool.epfd, evs, MAX_EVENTS, w->pool.retry ? 0 : TICK_MS);
        uint64_t now;

        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++)
            conn_drive(evs[i].data.ptr);
        now = now_ns();
        if (w->pool.retry || now - last_turn >= TICK_MS * 1000000u) {
            worker_turn(w, now);
            last_turn = now;
        }
    }
    for (unsigned i = 0; i < w->nconns; i++)
        conn_abort(&w->conns[i]);
}

/* Start together, so that early threads do not take all of a small -n. */
static void wait_for_go(struct bench_run *run)
{
    struct timespec pause = {0, 100000};

    while (!atomic_load(&run->go) && !run_stopping(run))
        nanosleep(&pause, NULL);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    wait_for_go(w->pool.run);
    worker_loop(w);
    w->t_end = now_ns();
    atomic_fetch_add(&w->pool.run->finished, 1);
    return NULL;
}

int worker_start(struct worker *w)
{
    return pthread_create(&w->thread, NULL, worker_main, w);
}

void worker_join(struct worker *w)
{
    pthread_join(w->thread, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.c - one worker thread: its listener, its epoll set, its timers.
 *
 * epoll is level-triggered: a session that stops early (its send budget
 * spent, or a step waiting) is simply reported again, so nothing is lost
 * by leaving bytes in a socket.  Deadlines need no timer fd: each timer
 * list is kept sorted (appending at the tail, except for handshakes, whose
 * deadlines the library computes), so epoll_wait sleeps until the earliest
 * head, and expiry pops heads until one is in the future.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "worker.h"

#define MAX_EVENTS 128
#define ACCEPTS_PER_EVENT 64 /* then let the sessions run */

/* Milliseconds until the earliest deadline, for epoll_wait; -1 for none. */
static int next_timeout(const struct worker *w)
{
    const struct timer_list *lists[] = {&w->loop.handshake, &w->loop.idle, &w->loop.linger};
    uint64_t earliest = UINT64_MAX, now = now_ms();

    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (lists[i]->head && lists[i]->head->deadline_ms < earliest)
            earliest = lists[i]->head->deadline_ms;
    if (earliest == UINT64_MAX)
        return -1;
    if (earliest <= now)
        return 0;
    return earliest - now > INT_MAX ? INT_MAX : (int)(earliest - now);
}

static void expire(struct worker *w)
{
    struct timer_list *lists[] = {&w->loop.handshake, &w->loop.idle, &w->loop.linger};
    uint64_t now = now_ms();

    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        while (lists[i]->head && lists[i]->head->deadline_ms <= now)
            session_timeout(session_of(lists[i]->head)); /* leaves the head: closed, or re-armed for later */
}

/*
 * Out of file descriptors: the listener stays readable and would spin.
 * Give back the reserve, accept one connection and close it at once (the
 * client sees a refusal, not a hang), then take the reserve again.
 */
static void shed_one(struct worker *w)
{
    int fd;

    if (w->reserve_fd >= 0)
        close(w->reserve_fd);
    fd = accept4(w->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0)
        close(fd);
    w->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    atomic_fetch_add(&w->loop.srv->refused, 1);
}

/* Count a new connection in; 0 when it is over --max-conn (the caller closes it). */
static int admit(struct server *srv)
{
    unsigned n = atomic_fetch_add(&srv->conns, 1) + 1, peak = atomic_load(&srv->peak);

    if (n > srv->max_conn) {
        atomic_fetch_sub(&srv->conns, 1);
        atomic_fetch_add(&srv->refused, 1);
        return 0;
    }
    while (n > peak && !atomic_compare_exchange_weak(&srv->peak, &peak, n))
        ;
    return 1;
}

static void accept_ready(struct worker *w)
{
    for (int i = 0; i < ACCEPTS_PER_EVENT && !w->loop.stopping; i++) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        int fd = accept4(w->listen_fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE)
                shed_one(w);
            return; /* EAGAIN: all taken */
        }
        if (!admit(w->loop.srv)) {
            close(fd);
            continue;
        }
        if (session_start(&w->loop, fd, (struct sockaddr *)&peer, len) != 0) {
            close(fd);
            atomic_fetch_sub(&w->loop.srv->conns, 1);
        }
    }
}

/* Stop accepting (the listener goes), close what is not answering a request. */
static void begin_stop(struct worker *w)
{
    struct timer_list *lists[] = {&w->loop.handshake, &w->loop.idle, &w->loop.linger};

    w->loop.stopping = 1;
    if (w->listen_fd >= 0) {
        epoll_ctl(w->loop.epfd, EPOLL_CTL_DEL, w->listen_fd, NULL);
        close(w->listen_fd);
        w->listen_fd = -1;
    }
    epoll_ctl(w->loop.epfd, EPOLL_CTL_DEL, w->loop.srv->stop_fd, NULL); /* it stays readable */
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        struct timer_entry *e = lists[i]->head, *next;
        for (; e; e = next) {
            next = e->next;
            session_stop(session_of(e));
        }
    }
}

static int add_fd(int epfd, int fd, void *tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};

    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int worker_init(struct worker *w, struct server *srv, unsigned index, int listen_fd)
{
    memset(w, 0, sizeof *w);
    w->loop.srv = srv;
    w->index = index;
    w->listen_fd = listen_fd;
    /* The handshake timeout lives in the ktla_config; its deadlines come from the library. */
    w->loop.idle.timeout_ms = srv->opt->idle_timeout_ms;
    w->loop.linger.timeout_ms = LINGER_MS;
    w->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    w->loop.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->loop.epfd < 0 || add_fd(w->loop.epfd, listen_fd, &w->listen_tag) != 0 ||
        add_fd(w->loop.epfd, srv->stop_fd, &w->stop_tag) != 0)
        return -1;
    return 0;
}

void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct epoll_event ev[MAX_EVENTS];

    while (!w->loop.stopping || w->loop.nconns > 0) {
        int n = epoll_wait(w->loop.epfd, ev, MAX_EVENTS, next_timeout(w));
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "ktla-serve: worker %u: epoll_wait: %s\n", w->index, strerror(errno));
            atomic_store(&w->loop.srv->failed, 1);
            break;
        }
        for (int i = 0; i < n; i++) {
            if (ev[i].data.ptr == &w->listen_tag)
                accept_ready(w);
            else if (ev[i].data.ptr == &w->stop_tag)
                w->stop_requested = 1;
            else
                session_event(ev[i].data.ptr, ev[i].events);
        }
        /* Only between batches: closing sessions inside one could free one a later event names. */
        if (w->stop_requested && !w->loop.stopping)
            begin_stop(w);
        expire(w);
    }
    return NULL;
}

void worker_destroy(struct worker *w)
{
    struct timer_list *lists[] = {&w->loop.handshake, &w->loop.idle, &w->loop.linger};

    /* Only after a failure are sessions left; close them the quick way. */
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        while (lists[i]->head)
            session_abort(session_of(lists[i]->head));
    if (w->listen_fd >= 0)
        close(w->listen_fd);
    if (w->loop.epfd >= 0)
        close(w->loop.epfd);
    if (w->reserve_fd >= 0)
        close(w->reserve_fd);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run.h - what all worker threads share for one run, read-only except the
 * atomics: the options, the TLS configuration, the server's address, the
 * request bytes, the request budget (-n) and the stop flag (-d, SIGINT).
 */
#ifndef KTLA_BENCH_RUN_H
#define KTLA_BENCH_RUN_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "options.h"
#include "tls_client.h"

struct bench_run {
    const struct bench_opts *opts;
    struct tls_shared tls;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char request[4608];
    size_t request_len;
    _Atomic uint64_t issued; /* requests begun, against opts->requests */
    atomic_int go;           /* set by the main thread once every worker exists: start */
    atomic_int stop;         /* set by the main thread: stop now, count nothing more */
    atomic_uint finished;    /* workers that have returned */
};

static inline uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline int run_stopping(struct bench_run *r)
{
    return atomic_load_explicit(&r->stop, memory_order_relaxed);
}

/* Take the right to begin one more request: 1, or 0 when the run is over. */
static inline int run_take_request(struct bench_run *r)
{
    if (run_stopping(r))
        return 0;
    if (r->opts->requests == 0)
        return 1;
    return atomic_fetch_add_explicit(&r->issued, 1, memory_order_relaxed) < r->opts->requests;
}

#endif

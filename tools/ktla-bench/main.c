/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ktla-bench - an HTTPS load generator on libktla's client side (ktla_connect).
 *
 * main.c: resolve the server, start the workers, show progress, stop them
 * (after -d seconds, -n requests, or SIGINT), merge and print the results.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ktla.h>

#include "http.h"
#include "options.h"
#include "output.h"
#include "run.h"
#include "stats.h"
#include "worker.h"

#define POLL_NS (10u * 1000u * 1000u)
#define SECOND_NS (1000u * 1000u * 1000u)

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    (void)sig;
    got_signal = 1;
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int resolve(struct bench_run *run, const struct bench_url *u)
{
    struct addrinfo hints, *res = NULL;
    int r;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    r = getaddrinfo(u->host, u->port, &hints, &res);
    if (r != 0) {
        fprintf(stderr, "ktla-bench: cannot resolve %s: %s\n", u->host, gai_strerror(r));
        return -1;
    }
    if (res->ai_addrlen > sizeof run->addr) {
        freeaddrinfo(res);
        return -1;
    }
    memcpy(&run->addr, res->ai_addr, res->ai_addrlen);
    run->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int prepare(struct bench_run *run, const struct bench_opts *o)
{
    char err[256];

    run->opts = o;
    atomic_init(&run->issued, 0);
    atomic_init(&run->go, 0);
    atomic_init(&run->stop, 0);
    atomic_init(&run->finished, 0);
    run->request_len = http_build_request(run->request, sizeof run->request, o->url.path, o->url.authority,
                                          o->mode == BENCH_MODE_HANDSHAKE, ktla_library_version());
    if (run->request_len == 0) {
        fprintf(stderr, "ktla-bench: the request does not fit in %zu bytes\n", sizeof run->request);
        return -1;
    }
    if (resolve(run, &o->url) != 0)
        return -1;
    if (tls_shared_init(&run->tls, o, err, sizeof err) != 0) {
        fprintf(stderr, "ktla-bench: %s\n", err);
        return -1;
    }
    return 0;
}

/* Create and start the workers, connections shared out evenly; how many started. */
static unsigned start_workers(struct worker *ws, unsigned n, struct bench_run *run)
{
    unsigned conns = run->opts->connections;

    for (unsigned i = 0; i < n; i++) {
        unsigned share = conns / n + (i < conns % n);
        int err;

        if (worker_init(&ws[i], run, share) != 0) {
            fprintf(stderr, "ktla-bench: worker %u: %s\n", i, strerror(errno));
            worker_free(&ws[i]);
            return i;
        }
        if ((err = worker_start(&ws[i])) != 0) {
            fprintf(stderr, "ktla-bench: pthread_create: %s\n", strerror(err));
            worker_free(&ws[i]);
            return i;
        }
    }
    return n;
}

struct progress {
    uint64_t t_last, requests, bytes;
};

static void show_progress(struct progress *p, const struct worker *ws, unsigned n, uint64_t t0, uint64_t now)
{
    uint64_t req = 0, bytes = 0, errs = 0;
    double dt = (double)(now - p->t_last) / 1e9;

    for (unsigned i = 0; i < n; i++) {
        req += ctr_get(&ws[i].pool.stats.requests);
        bytes += ctr_get(&ws[i].pool.stats.body_bytes);
        errs += ctr_get(&ws[i].pool.stats.errors);
    }
    output_progress((double)(now - t0) / 1e9, req, dt > 0 ? (double)(req - p->requests) / dt : 0,
                    dt > 0 ? (double)(bytes - p->bytes) / dt / 1e6 : 0, errs);
    p->t_last = now;
    p->requests = req;
    p->bytes = bytes;
}

/* Wait for the end of the run; returns when it stopped (ns), 0 when the workers ran out of requests. */
static uint64_t watch(struct bench_run *run, const struct worker *ws, unsigned n, uint64_t t0, int tty)
{
    const struct bench_opts *o = run->opts;
    uint64_t end = o->duration_s > 0 ? t0 + (uint64_t)(o->duration_s * 1e9) : 0;
    uint64_t next = t0 + SECOND_NS;
    struct progress p = {t0, 0, 0};
    struct timespec pause = {0, POLL_NS};

    for (;;) {
        uint64_t now = now_ns();

        if (atomic_load(&run->finished) == n)
            return 0;
        if ((end && now >= end) || got_signal) {
            atomic_store(&run->stop, 1);
            return now;
        }
        if (tty && now >= next) {
            show_progress(&p, ws, n, t0, now);
            next += SECOND_NS;
        }
        nanosleep(&pause, NULL);
    }
}

static int report(const struct bench_opts *o, struct worker *ws, unsigned n, double elapsed, int tty)
{
    static struct bench_stats total;
    struct bench_result r = {o, &total, n, elapsed, got_signal != 0};

    stats_init(&total);
    for (unsigned i = 0; i < n; i++)
        stats_merge(&total, &ws[i].pool.stats);
    if (tty)
        output_progress_clear();
    if (o->json)
        output_json(&r);
    else
        output_table(&r);
    return ctr_get(&total.errors) ? BENCH_EXIT_ERRORS : BENCH_EXIT_OK;
}

static int run_bench(struct bench_run *run, struct worker *ws)
{
    unsigned n = run->opts->threads, started;
    int tty = isatty(STDOUT_FILENO);
    uint64_t t0, t_stop, t_end;

    started = start_workers(ws, n, run);
    if (started < n) {
        atomic_store(&run->stop, 1);
        for (unsigned i = 0; i < started; i++) {
            worker_join(&ws[i]);
            worker_free(&ws[i]);
        }
        return BENCH_EXIT_FAIL;
    }
    t0 = t_end = now_ns();
    atomic_store(&run->go, 1);
    t_stop = watch(run, ws, n, t0, tty);
    for (unsigned i = 0; i < n; i++) {
        worker_join(&ws[i]);
        if (ws[i].t_end > t_end)
            t_end = ws[i].t_end;
    }
    int rc = report(run->opts, ws, n, (double)((t_stop ? t_stop : t_end) - t0) / 1e9, tty);
    for (unsigned i = 0; i < n; i++)
        worker_free(&ws[i]);
    return rc;
}

int main(int argc, char **argv)
{
    static struct bench_opts opts;
    struct bench_run *run;
    struct worker *ws;
    int rc;

    rc = options_parse(&opts, argc, argv);
    if (rc != 0)
        return rc < 0 ? BENCH_EXIT_OK : rc;
    install_signals();
    run = calloc(1, sizeof *run);
    ws = calloc(opts.threads, sizeof *ws);
    if (run == NULL || ws == NULL) {
        fprintf(stderr, "ktla-bench: out of memory\n");
        return BENCH_EXIT_FAIL;
    }
    if (prepare(run, &opts) != 0)
        rc = BENCH_EXIT_FAIL;
    else
        rc = run_bench(run, ws);
    tls_shared_free(&run->tls);
    free(ws);
    free(run);
    return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - ktla-serve: an HTTPS/1.1 static-file server on libktla.
 *
 * Start-up happens on this thread, in an order where every failure is
 * reported before a client could notice: options, defaults (state
 * directory, certificate, demo site), the TLS configuration (frozen here,
 * then shared by the workers; tls_config.c), the root, the listeners, the
 * port file.  Then the workers run, and this thread only waits for signals:
 * SIGHUP reloads the TLS configuration, SIGINT or SIGTERM tell the workers
 * to stop: no new connections, in-flight responses finish.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "worker.h"

/* Storage for the generated defaults' paths. */
struct defaults {
    char cert[4096 + 16], key[4096 + 16], root[4096 + 16];
    int generated_cert;
};

/* The state directory's certificate, generated when missing, unless --cert was given. */
static int default_cert(struct serve_options *o, struct defaults *d)
{
    if (o->cert)
        return 0;
    if (state_dir_prepare(o) != 0 || cert_ensure(o->state_dir, d->cert, sizeof d->cert, d->key, sizeof d->key) != 0)
        return -1;
    o->cert = d->cert;
    o->key = d->key;
    d->generated_cert = 1;
    return 0;
}

/* The state directory's demo site, generated when missing, unless --root was given. */
static int default_root(struct serve_options *o, struct defaults *d)
{
    if (o->root)
        return 0;
    if (state_dir_prepare(o) != 0 || demo_ensure(o->state_dir, d->root, sizeof d->root) != 0)
        return -1;
    o->root = d->root;
    return 0;
}

/* Each connection may hold a socket and a file: ask for enough descriptors, or lower --max-conn. */
static void fit_fd_limit(struct serve_options *o)
{
    rlim_t spare = 64 + (rlim_t)o->threads * 4, need = (rlim_t)o->max_conn * 2 + spare;
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
        return;
    rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? rl.rlim_max : need;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
        return;
    o->max_conn = rl.rlim_cur > spare + 2 ? (unsigned)((rl.rlim_cur - spare) / 2) : 1;
    fprintf(stderr, "ktla-serve: only %llu file descriptors: --max-conn lowered to %u\n",
            (unsigned long long)rl.rlim_cur, o->max_conn);
}

/* Where the record layer will run, in one line for the banner. */
static void print_offload(const struct serve_options *o)
{
    ktla_probe *p;

    if (o->user_mode) {
        fprintf(stderr, "ktla-serve: record layer: user space (--mode user)\n");
        return;
    }
    if (ktla_probe_run(&p) != 0)
        return;
    if (ktla_probe_ulp_available(p))
        fprintf(stderr, "ktla-serve: record layer: the kernel's (kTLS on %s)\n", ktla_probe_kernel_release(p));
    else
        fprintf(stderr, "ktla-serve: record layer: user space: %s\n", ktla_probe_ulp_reason(p));
    ktla_probe_free(p);
}

static void print_banner(const struct serve_options *o, const struct defaults *d, unsigned port)
{
    const char *h = o->listen_host;
    int v6 = strchr(h, ':') != NULL;
    /* The generated certificate names localhost; for other hosts the URL uses the address given. */
    int local = !*h || strcmp(h, "127.0.0.1") == 0 || strcmp(h, "::1") == 0 || strcmp(h, "localhost") == 0 ||
                strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") == 0;
    char url_host[300];

    snprintf(url_host, sizeof url_host, v6 && !local ? "[%s]" : "%s", local ? "localhost" : h);
    fprintf(stderr, "ktla-serve %s: serving %s on %s%s%s:%u with %u thread%s\n", ktla_library_version(), o->root,
            v6 ? "[" : "", *h ? h : "*", v6 ? "]" : "", port, o->threads, o->threads == 1 ? "" : "s");
    print_offload(o);
    if (d->generated_cert)
        fprintf(stderr, "Try: curl --cacert %s https://%s:%u/\n", o->cert, url_host, port);
    else
        fprintf(stderr, "Try: curl https://%s:%u/\n", url_host, port);
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* The sanitizer runtimes' own count (sanitizer/allocator_interface.h, which GCC does not install). */
size_t __sanitizer_get_current_allocated_bytes(void);

static size_t heap_in_use(void)
{
    return __sanitizer_get_current_allocated_bytes(); /* glibc's allocator is not the one in use */
}
#else
static size_t heap_in_use(void)
{
    return mallinfo2().uordblks; /* bytes in allocated chunks */
}
#endif

/*
 * SIGUSR1: one status line.  The heap in use, with the open connections'
 * count, tells what a connection keeps in user space;
 * tests/serve/check-idle-memory reads it.
 */
static void print_status(struct server *srv)
{
    fprintf(stderr, "ktla-serve: status: %u connections open, %lu request buffers held, %zu bytes of heap in use\n",
            atomic_load(&srv->conns), session_io_held(), heap_in_use());
}

/*
 * Wait for SIGINT/SIGTERM (blocked in every thread, so they queue here) or a
 * worker's failure; reload on each SIGHUP and report on each SIGUSR1 meanwhile.
 */
static void wait_for_stop(struct server *srv, const sigset_t *set)
{
    const struct timespec tick = {.tv_sec = 0, .tv_nsec = 200 * 1000 * 1000};
    int sig;

    for (;;) {
        sig = sigtimedwait(set, NULL, &tick);
        if (sig == SIGHUP) {
            fprintf(stderr, "ktla-serve: SIGHUP: reloading the TLS configuration\n");
            tls_config_reload(srv);
            continue;
        }
        if (sig == SIGUSR1) {
            print_status(srv);
            continue;
        }
        if (sig > 0 || atomic_load(&srv->failed))
            break;
    }
    if (sig > 0)
        fprintf(stderr, "ktla-serve: %s: no new connections; finishing the responses in flight\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM");
}

/* Tell the running workers to stop, wait for them, then free all that were set up. */
static void stop_workers(struct server *srv, struct worker *w, unsigned running, unsigned ready)
{
    uint64_t one = 1;

    if (write(srv->stop_fd, &one, sizeof one) != sizeof one)
        atomic_store(&srv->failed, 1);
    for (unsigned i = 0; i < running; i++)
        pthread_join(w[i].thread, NULL);
    for (unsigned i = 0; i < ready; i++)
        worker_destroy(&w[i]);
}

/* Listeners first (so the port is known), then the threads.  0, or -1 with everything undone. */
static int start_workers(struct server *srv, struct worker *w, unsigned n, unsigned *port)
{
    const struct serve_options *o = srv->opt;
    unsigned ready = 0, running = 0;
    char port_str[16];
    int fd;

    snprintf(port_str, sizeof port_str, "%s", o->listen_port);
    for (; ready < n && net_listen(o->listen_host, port_str, &fd, port) == 0; ready++) {
        snprintf(port_str, sizeof port_str, "%u", *port); /* port 0: the others join the first's port */
        if (worker_init(&w[ready], srv, ready, fd) != 0) {
            fprintf(stderr, "ktla-serve: epoll: %s\n", strerror(errno));
            worker_destroy(&w[ready]);
            break;
        }
    }
    for (; ready == n && running < n; running++) {
        int err = pthread_create(&w[running].thread, NULL, worker_run, &w[running]);
        if (err != 0) {
            fprintf(stderr, "ktla-serve: cannot start a worker thread: %s\n", strerror(err));
            break;
        }
    }
    if (running == n)
        return 0;
    stop_workers(srv, w, running, ready);
    return -1;
}

static int serve(struct server *srv, const struct defaults *d)
{
    const struct serve_options *o = srv->opt;
    struct worker *w = calloc(o->threads, sizeof *w);
    unsigned port = 0;
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before the threads, which inherit it */
    if (w == NULL)
        return SERVE_EXIT_FAIL;
    if (start_workers(srv, w, o->threads, &port) != 0) {
        free(w);
        return SERVE_EXIT_FAIL;
    }
    if (o->port_file && net_write_port_file(o->port_file, port) != 0)
        fprintf(stderr, "ktla-serve: cannot write the port file %s: %s\n", o->port_file, strerror(errno));
    print_banner(o, d, port);
    wait_for_stop(srv, &set);
    stop_workers(srv, w, o->threads, o->threads);
    free(w);
    fprintf(stderr, "ktla-serve: stopped: %llu connections (at most %u at once), %u refused\n",
            (unsigned long long)atomic_load(&srv->next_id), atomic_load(&srv->peak), atomic_load(&srv->refused));
    return atomic_load(&srv->failed) ? SERVE_EXIT_FAIL : SERVE_EXIT_OK;
}

/*
 * Everything serve() needs, each failure reported.  The TLS configuration
 * comes before the demo site, so that a bad --cert leaves nothing behind.
 */
static int prepare(struct server *srv, struct serve_options *o, struct defaults *d)
{
    if (default_cert(o, d) != 0 || tls_config_start(srv) != 0 || default_root(o, d) != 0)
        return -1;
    if (files_root_open(&srv->root, o->root) != 0) {
        fprintf(stderr, "ktla-serve: --root %s: %s\n", o->root, strerror(errno));
        return -1;
    }
    if (log_open(o->log) != 0) {
        fprintf(stderr, "ktla-serve: --log %s: %s\n", o->log, strerror(errno));
        return -1;
    }
    srv->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (srv->stop_fd < 0) {
        fprintf(stderr, "ktla-serve: eventfd: %s\n", strerror(errno));
        return -1;
    }
    fit_fd_limit(o);
    srv->max_conn = o->max_conn;
    return 0;
}

static int run(struct serve_options *o, int argc, char **argv)
{
    struct defaults d = {0};
    struct server srv = {
        .opt = o, .argc = argc, .argv = argv, .tls_lock = PTHREAD_MUTEX_INITIALIZER, .stop_fd = -1, .root = {.fd = -1}};
    sigset_t hup;
    int rc = SERVE_EXIT_FAIL;

    signal(SIGPIPE, SIG_IGN); /* sendfile() to a closed kTLS socket would raise it */
    /* A reload or status asked for during start-up (systemd may send it early) waits for wait_for_stop(), not kill us. */
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    sigaddset(&hup, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &hup, NULL);
    if (getenv("KTLA_SERVE_NO_OPENAT2"))
        files_force_fallback(1);
    if (getenv("KTLA_SERVE_SLOW_HANDSHAKE_MS"))
        session_slow_handshakes((unsigned)strtoul(getenv("KTLA_SERVE_SLOW_HANDSHAKE_MS"), NULL, 10));
    if (prepare(&srv, o, &d) == 0)
        rc = serve(&srv, &d);
    if (srv.stop_fd >= 0)
        close(srv.stop_fd);
    tls_config_stop(&srv);
    files_root_close(&srv.root);
    log_close();
    return rc;
}

int main(int argc, char **argv)
{
    struct serve_options o;
    int rc = options_parse(&o, argc, argv);

    if (rc == 0)
        rc = run(&o, argc, argv);
    else if (rc < 0)
        rc = SERVE_EXIT_OK; /* --help or --version */
    options_free(&o);
    return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_threads.c - one ktla_config shared by 8 threads, as ktla-serve's
 * workers share theirs: each thread accepts and hands off connections at
 * the same time as the others, on loopback sockets against mbedTLS clients,
 * with session tickets on (each client after the first resumes with the
 * ticket its predecessor got).  The first ktla_conn_new() calls race to
 * freeze the config.  Each thread keeps its last connection open when it
 * ends; the main thread checks and frees those eight, and only then the
 * config, as ktla_config_free(3) asks.  In both record layers: user space
 * on the host, the kernel in the VM.  Built with --enable-sanitizers=thread
 * (scripts/build-and-test) this is where ThreadSanitizer looks.
 *
 * CUnit's assertions are not thread-safe: the threads note what went wrong
 * and the main thread asserts.
 */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixture.h"
#include "loopback.h"
#include "socket_peer.h"
#include "suite_socket.h"
#include "suites.h"

#define N_THREADS 8
#define CONNS_PER_THREAD 4

struct worker {
    ktla_config *cfg;
    pthread_barrier_t *start; /* all threads reach their first ktla_conn_new() together */
    int index, version;
    pthread_t thread;
    /* results */
    int handshakes, resumed, failures;
    char first_failure[256];
    ktla_conn *kept; /* the last connection, established, for the main thread to free */
    int kept_fd;
};

static void fail(struct worker *w, const char *what, int conn, const char *why)
{
    if (w->failures++ == 0)
        snprintf(w->first_failure, sizeof w->first_failure, "thread %d, connection %d: %s%s%s", w->index, conn, what,
                 why ? ": " : "", why ? why : "");
}

/* One connection: the client resumes `resume` when given; its session is kept in *peer for the next. */
static void one_connection(struct worker *w, int i, struct socket_peer *peer, const struct socket_peer *prev)
{
    char msg[64] = "";
    ktla_conn *c = NULL;
    int server_fd, n;

    memset(peer, 0, sizeof *peer);
    peer->version = w->version;
    peer->keep_session = 1;
    peer->resume = prev && prev->have_session ? &prev->session : NULL;
    if (test_loopback_pair(&peer->fd, &server_fd) != 0) {
        fail(w, "loopback pair", i, NULL);
        return;
    }
    if (i == 0)
        pthread_barrier_wait(w->start);
    if (ktla_conn_new(w->cfg, &c) != 0 || ktla_set_fd(c, server_fd) != 0 || socket_peer_start(peer) != 0) {
        fail(w, "set-up", i, NULL);
        ktla_conn_free(c);
        close(server_fd);
        close(peer->fd);
        return;
    }
    if (ktla_accept(c) == 1) {
        w->handshakes++;
        w->resumed += ktla_get_session_resumed(c);
        if (ktla_get_offload(c, KTLA_DIR_TX) != socket_expected_offload() ||
            ktla_get_offload(c, KTLA_DIR_RX) != socket_expected_offload())
            fail(w, "record layer not where expected", i, ktla_get_offload_reason(c, KTLA_DIR_TX));
        if (peer->resume && !ktla_get_session_resumed(c))
            fail(w, "the ticket of the previous connection was not accepted", i, NULL);
        n = snprintf(msg, sizeof msg, "thread %d connection %d", w->index, i);
        if (ktla_write(c, msg, (size_t)n) != n || ktla_shutdown(c) != 1)
            fail(w, "write or close_notify", i, ktla_get_reason(c));
    } else {
        fail(w, "handshake", i, ktla_get_reason(c));
        shutdown(server_fd, SHUT_RDWR);
    }
    socket_peer_join(peer);
    if (peer->handshake_rc != 0 || !peer->close_notify || peer->got != strlen(msg))
        fail(w, "the client did not get its message and close_notify", i, NULL);
    close(peer->fd);
    if (i == CONNS_PER_THREAD - 1 && w->failures == 0) {
        w->kept = c; /* outlives this thread */
        w->kept_fd = server_fd;
    } else {
        ktla_conn_free(c);
        close(server_fd);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct socket_peer peers[2];
    int have_prev = 0;

    for (int i = 0; i < CONNS_PER_THREAD; i++) {
        struct socket_peer *peer = &peers[i % 2], *prev = have_prev ? &peers[(i + 1) % 2] : NULL;

        one_connection(w, i, peer, prev);
        if (prev)
            socket_peer_free(prev);
        have_prev = 1;
    }
    socket_peer_free(&peers[(CONNS_PER_THREAD - 1) % 2]);
    return NULL;
}

static void test_eight_threads_one_config(void)
{
    struct worker w[N_THREADS];
    ktla_config *cfg = fixture_config("ecdsa-p256"); /* tickets are on by default */
    int handshakes = 0, resumed = 0;
    pthread_barrier_t start;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL_FATAL(pthread_barrier_init(&start, NULL, N_THREADS), 0);
    memset(w, 0, sizeof w);
    for (int t = 0; t < N_THREADS; t++) {
        w[t].cfg = cfg;
        w[t].start = &start;
        w[t].index = t;
        w[t].version = t % 2 ? 0x0303 : 0x0304;
        w[t].kept_fd = -1;
        CU_ASSERT_EQUAL_FATAL(pthread_create(&w[t].thread, NULL, worker_main, &w[t]), 0);
    }
    for (int t = 0; t < N_THREADS; t++)
        pthread_join(w[t].thread, NULL);
    pthread_barrier_destroy(&start);
    for (int t = 0; t < N_THREADS; t++) {
        CU_ASSERT_EQUAL(w[t].failures, 0);
        if (w[t].failures)
            printf("\n    %d failure(s), the first: %s", w[t].failures, w[t].first_failure);
        handshakes += w[t].handshakes;
        resumed += w[t].resumed;
        /* The threads are gone, their last connections live on: still whole, then freed, then the config. */
        CU_ASSERT_PTR_NOT_NULL(w[t].kept);
        if (w[t].kept) {
            CU_ASSERT_EQUAL(ktla_get_tls_version(w[t].kept), w[t].version);
            CU_ASSERT_EQUAL(ktla_get_offload(w[t].kept, KTLA_DIR_TX), socket_expected_offload());
            ktla_conn_free(w[t].kept);
            close(w[t].kept_fd);
        }
    }
    ktla_config_free(cfg);
    CU_ASSERT_EQUAL(handshakes, N_THREADS * CONNS_PER_THREAD);
    CU_ASSERT_EQUAL(resumed, N_THREADS * (CONNS_PER_THREAD - 1));
    printf("\n    %d threads: %d handshakes, %d resumed with a ticket, record layer %s", N_THREADS, handshakes, resumed,
           socket_expected_offload() == KTLA_OFFLOAD_KERNEL ? "in the kernel" : "in user space");
}

int add_threads_suite(void)
{
    CU_pSuite s = CU_add_suite("threads: one config, 8 threads accepting at once", NULL, NULL);

    return s && CU_add_test(s, "accept, hand off and resume concurrently; config freed after the last connection",
                            test_eight_threads_one_config)
               ? 0
               : -1;
}

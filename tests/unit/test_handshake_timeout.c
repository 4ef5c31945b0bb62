/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_handshake_timeout.c - the handshake timeout is a budget of the
 * client's silence (ktla_config_set_handshake_timeout(3)), on real loopback
 * sockets:
 *
 * - a server that comes back late to a client whose bytes are waiting does
 *   not blame the client (non-blocking socket);
 * - a client that sends nothing, or drips its ClientHello a byte at a time,
 *   is cut off at about the timeout (non-blocking and blocking);
 * - on a blocking socket a client that stops reading cannot hold a send
 *   past the timeout, and a timeout beyond poll()'s int range still bounds
 *   every wait (never "forever");
 * - with caller-moved I/O a wait counts whole.
 *
 * Times are scaled up inside the test VM (one emulated CPU).
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client_hello.h"
#include "handshake/conn_internal.h"
#include "fixture.h"
#include "loopback.h"
#include "socket_peer.h"
#include "suites.h"
#include "handshake/transport.h"

static unsigned scaled(unsigned ms)
{
    return getenv("KTLA_IN_VM") ? ms * 4 : ms;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void set_nonblocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* A connection on cfg (which it owns) over a fresh loopback pair. */
struct rig {
    ktla_config *cfg;
    ktla_conn *conn;
    int client_fd, server_fd;
};

static void rig_open_rcvbuf(struct rig *r, ktla_config *cfg, unsigned timeout_ms, int nonblocking, int client_rcvbuf)
{
    memset(r, 0, sizeof *r);
    r->cfg = cfg;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->cfg);
    CU_ASSERT_EQUAL_FATAL(ktla_config_set_handshake_timeout(r->cfg, timeout_ms), 0);
    CU_ASSERT_EQUAL_FATAL(test_loopback_pair_rcvbuf(&r->client_fd, &r->server_fd, client_rcvbuf), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(r->cfg, &r->conn), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_set_fd(r->conn, r->server_fd), 0);
    if (nonblocking)
        set_nonblocking(r->server_fd);
}

static void rig_open(struct rig *r, ktla_config *cfg, unsigned timeout_ms, int nonblocking)
{
    rig_open_rcvbuf(r, cfg, timeout_ms, nonblocking, 0);
}

static void rig_close(struct rig *r)
{
    ktla_conn_free(r->conn);
    ktla_config_free(r->cfg);
    close(r->server_fd);
    if (r->client_fd >= 0)
        close(r->client_fd);
}

static int is_want(ktla_conn *c, int rc)
{
    enum ktla_error e = ktla_get_error(c, rc);
    return rc < 0 && (e == KTLA_ERROR_WANT_READ || e == KTLA_ERROR_WANT_WRITE);
}

static void assert_timed_out(ktla_conn *c, int rc)
{
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(ktla_get_error(c, rc), KTLA_ERROR_SYSCALL);
    CU_ASSERT_EQUAL(ktla_get_errno(c), ETIMEDOUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(c), "handshake timed out"));
    if (ktla_get_errno(c) != ETIMEDOUT)
        printf("\n    accept: %s", ktla_get_reason(c));
}

/*
 * An event loop that comes back late: after every WANT it sleeps for twice
 * the timeout before calling ktla_accept() again, while the honest client's
 * bytes wait in the socket.  Only the client's own delays count, so the
 * handshake completes.
 */
static void late_server(int version, int suite)
{
    unsigned timeout = scaled(400);
    struct socket_peer peer = {.version = version, .suite = suite};
    struct rig r;
    int rc, late = 0;

    rig_open(&r, fixture_config("ecdsa-p256"), timeout, 1);
    peer.fd = r.client_fd;
    CU_ASSERT_EQUAL_FATAL(socket_peer_start(&peer), 0);
    while ((rc = ktla_accept(r.conn)) < 0 && is_want(r.conn, rc) && late < 10) {
        sleep_ms(2 * timeout);
        late++;
    }
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT(late >= 1);
    if (rc != 1)
        printf("\n    accept after %d late returns: %s", late, ktla_get_reason(r.conn));
    else
        printf("\n    %s: done after coming back %d times %u ms late (timeout %u ms)",
               version == 0x0304 ? "TLS 1.3" : "TLS 1.2", late, 2 * timeout, timeout);
    if (rc == 1)
        CU_ASSERT_EQUAL(ktla_shutdown(r.conn), 1);
    shutdown(r.server_fd, SHUT_RDWR);
    socket_peer_join(&peer);
    CU_ASSERT_EQUAL(peer.handshake_rc, 0);
    rig_close(&r);
}

static void test_late_server_does_not_blame_the_client(void)
{
    late_server(0x0304, 0x1301);
    late_server(0x0303, 0xC02B);
}

/* A non-blocking server whose event loop honours ktla_get_handshake_time_left(); returns the time to failure. */
static long long event_loop_until_failure(struct rig *r, int *rc)
{
    long long t0 = now_ms();

    while ((*rc = ktla_accept(r->conn)) < 0 && is_want(r->conn, *rc) && now_ms() - t0 < 20000) {
        long long left = ktla_get_handshake_time_left(r->conn);
        struct pollfd p = {.fd = r->server_fd,
                           .events = ktla_get_error(r->conn, *rc) == KTLA_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
        CU_ASSERT(left >= 0 && left <= (long long)r->cfg->handshake_timeout_ms);
        poll(&p, 1, left < 0 || left > 20000 ? 20000 : (int)left);
    }
    return now_ms() - t0;
}

static void test_silent_client_nonblocking(void)
{
    unsigned timeout = scaled(300);
    struct rig r;
    long long took, left;
    int rc;

    rig_open(&r, fixture_config("ecdsa-p256"), timeout, 1);
    CU_ASSERT_EQUAL(ktla_get_handshake_time_left(r.conn), -1); /* not started */
    took = event_loop_until_failure(&r, &rc);
    assert_timed_out(r.conn, rc);
    printf("\n    a client that sends nothing: cut off after %lld ms (timeout %u ms)", took, timeout);
    CU_ASSERT(took >= timeout && took < timeout + scaled(700));
    left = ktla_get_handshake_time_left(r.conn);
    CU_ASSERT_EQUAL(left, -1); /* failed: no handshake any more */
    rig_close(&r);
}

static void test_time_left_counts_down(void)
{
    unsigned timeout = scaled(1000);
    struct rig r;
    long long left1, left2;
    int rc;

    rig_open(&r, fixture_config("ecdsa-p256"), timeout, 1);
    rc = ktla_accept(r.conn);
    CU_ASSERT_EQUAL(ktla_get_error(r.conn, rc), KTLA_ERROR_WANT_READ);
    left1 = ktla_get_handshake_time_left(r.conn);
    sleep_ms(timeout / 4);
    left2 = ktla_get_handshake_time_left(r.conn);
    CU_ASSERT(left1 > 0 && left1 <= timeout);
    CU_ASSERT(left2 < left1 && left2 <= (long long)timeout - timeout / 4);
    /* a call without the client's bytes charges the wait and goes on waiting */
    rc = ktla_accept(r.conn);
    CU_ASSERT_EQUAL(ktla_get_error(r.conn, rc), KTLA_ERROR_WANT_READ);
    CU_ASSERT(ktla_get_handshake_time_left(r.conn) <= left2);
    printf("\n    time left: %lld ms, %lld ms after %u ms", left1, left2, timeout / 4);
    rig_close(&r);
}

/* A client that drips a ClientHello, one byte every `every` ms, until the server closes. */
struct drip {
    int fd;
    unsigned every;
    size_t sent;
};

static void *drip_main(void *arg)
{
    static const uint16_t suites[] = {0xC02B};
    struct drip *d = arg;
    unsigned char hello[512];
    size_t n = client_hello_build(hello, sizeof hello, 0x0303, suites, 1);

    for (size_t i = 0; i < n; i++) {
        if (send(d->fd, hello + i, 1, MSG_NOSIGNAL) != 1)
            break;
        d->sent++;
        sleep_ms(d->every);
    }
    return NULL;
}

static void slowloris(int nonblocking)
{
    unsigned timeout = scaled(500);
    struct drip d = {.every = timeout / 10};
    pthread_t t;
    long long t0, took;
    struct rig r;
    int rc;

    rig_open(&r, fixture_config("ecdsa-p256"), timeout, nonblocking);
    d.fd = r.client_fd;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, drip_main, &d), 0);
    t0 = now_ms();
    if (nonblocking)
        took = event_loop_until_failure(&r, &rc);
    else
        took = (rc = ktla_accept(r.conn), now_ms() - t0);
    assert_timed_out(r.conn, rc);
    shutdown(r.client_fd, SHUT_RDWR);
    pthread_join(t, NULL);
    printf("\n    %s: a ClientHello dripped a byte every %u ms: cut off after %lld ms and %zu bytes (timeout %u ms)",
           nonblocking ? "non-blocking" : "blocking", d.every, took, d.sent, timeout);
    CU_ASSERT(took >= timeout * 8 / 10 && took < timeout + scaled(1000));
    rig_close(&r);
}

static void test_slowloris_nonblocking(void)
{
    slowloris(1);
}

static void test_slowloris_blocking(void)
{
    slowloris(0);
}

static void test_silent_client_blocking(void)
{
    unsigned timeout = scaled(300);
    struct rig r;
    long long t0, took;
    int rc;

    rig_open(&r, fixture_config("ecdsa-p256"), timeout, 0);
    t0 = now_ms();
    rc = ktla_accept(r.conn);
    took = now_ms() - t0;
    assert_timed_out(r.conn, rc);
    printf("\n    blocking, a client that sends nothing: ktla_accept returned after %lld ms (timeout %u ms)", took,
           timeout);
    CU_ASSERT(took >= timeout && took < timeout + scaled(700));
    rig_close(&r);
}

/* A certificate chain far larger than what a small socket buffer holds: the leaf, then many filler certificates. */
static ktla_config *config_with_a_big_chain(size_t *chain_len)
{
    char path[512];
    char *leaf = NULL, *filler = NULL, *chain = NULL, *key = NULL;
    size_t leaf_len = 0, filler_len = 0, key_len = 0, at;
    ktla_config *cfg = NULL;
    FILE *f;

#define SLURP(name, buf, len)                                                    \
    snprintf(path, sizeof path, "%s/%s", TEST_DATA_DIR, name);                  \
    f = fopen(path, "r");                                                       \
    if (f) {                                                                    \
        buf = malloc(65536);                                                    \
        len = buf ? fread(buf, 1, 65536, f) : 0;                                \
        fclose(f);                                                              \
    }
    SLURP("ecdsa-p256.crt", leaf, leaf_len)
    SLURP("rsa2048.crt", filler, filler_len)
    SLURP("ecdsa-p256.key", key, key_len)
#undef SLURP
    if (leaf_len && filler_len && key_len && (chain = malloc(leaf_len + 11 * filler_len)) != NULL) {
        memcpy(chain, leaf, leaf_len);
        at = leaf_len;
        for (int i = 0; i < 11; i++, at += filler_len)
            memcpy(chain + at, filler, filler_len);
        *chain_len = at;
        if (ktla_config_new(&cfg) == 0 && ktla_config_add_cert_mem(cfg, chain, at, key, key_len, NULL) != 0) {
            printf("\n    big chain: %s", ktla_config_error(cfg));
            ktla_config_free(cfg);
            cfg = NULL;
        }
    }
    free(leaf);
    free(filler);
    free(chain);
    free(key);
    return cfg;
}

struct accept_job {
    ktla_conn *conn;
    int rc;
    long long took;
};

static void *accept_main(void *arg)
{
    struct accept_job *j = arg;
    long long t0 = now_ms();

    j->rc = ktla_accept(j->conn);
    j->took = now_ms() - t0;
    return NULL;
}

/*
 * Blocking socket, a client that sends its ClientHello and never reads: the
 * server's flight (a big certificate chain) cannot fit in the socket
 * buffers.  A blocking send() would wait for ever; ktla must give up at the
 * timeout.  A watchdog unblocks a stuck accept so that the suite goes on.
 */
static void test_client_that_stops_reading_blocking(void)
{
    static const uint16_t suites[] = {0xC02B};
    unsigned timeout = scaled(500);
    struct accept_job job = {.rc = 99};
    unsigned char hello[512];
    int small = 1, done = 0;
    size_t chain_len = 0, n;
    struct timespec until;
    pthread_t t;
    struct rig r;

    rig_open_rcvbuf(&r, config_with_a_big_chain(&chain_len), timeout, 0, small);
    CU_ASSERT(chain_len > 12000);
    setsockopt(r.server_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    n = client_hello_build(hello, sizeof hello, 0x0303, suites, 1);
    CU_ASSERT_EQUAL_FATAL(test_write_full(r.client_fd, hello, n), 0);
    job.conn = r.conn;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, accept_main, &job), 0);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10 + scaled(500) / 100;
    done = pthread_timedjoin_np(t, NULL, &until) == 0;
    CU_ASSERT(done);
    if (!done) {
        printf("\n    ktla_accept still blocked after %ld s: unblocked by shutdown()", (long)(10 + scaled(500) / 100));
        shutdown(r.server_fd, SHUT_RDWR);
        pthread_join(t, NULL);
    } else {
        assert_timed_out(r.conn, job.rc);
        printf("\n    blocking, %zu-byte chain to a client that does not read: returned after %lld ms (timeout %u ms)",
               chain_len, job.took, timeout);
        CU_ASSERT(job.took >= timeout && job.took < timeout + scaled(700));
    }
    rig_close(&r);
}

/* Record the timeouts ktla hands poll(), and never sleep long. */
static int poll_calls, poll_min_timeout = INT_MAX;

static int recording_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    poll_calls++;
    if (timeout_ms < poll_min_timeout)
        poll_min_timeout = timeout_ms;
    return poll(fds, n, 20);
}

static void *close_after(void *arg)
{
    sleep_ms(200);
    shutdown(*(int *)arg, SHUT_RDWR);
    return NULL;
}

/* UINT_MAX ms is more than poll()'s int: every wait must still be bounded (INT_MAX), never negative (forever). */
static void test_huge_timeout_is_clamped(void)
{
    struct rig r;
    pthread_t t;
    int rc;

    rig_open(&r, fixture_config("ecdsa-p256"), UINT_MAX, 0);
    poll_calls = 0;
    poll_min_timeout = INT_MAX;
    ktla__poll = recording_poll;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, close_after, &r.client_fd), 0);
    rc = ktla_accept(r.conn); /* ends at the client's EOF */
    pthread_join(t, NULL);
    ktla__poll = poll;
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT(poll_calls > 0);
    CU_ASSERT_EQUAL(poll_min_timeout, INT_MAX);
    printf("\n    timeout %u ms: %d waits, the shortest asked for %d ms", UINT_MAX, poll_calls, poll_min_timeout);
    CU_ASSERT(ktla_get_handshake_time_left(r.conn) == -1);
    rig_close(&r);
}

/* With caller-moved I/O ktla cannot know when bytes came: a wait counts whole, until the next call. */
static void test_caller_io_wait_counts_whole(void)
{
    unsigned timeout = scaled(200);
    ktla_config *cfg = fixture_config("ecdsa-p256");
    struct mbed_client cli;
    struct mem_link link;
    ktla_conn *conn = NULL;
    int rc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL(ktla_config_set_handshake_timeout(cfg, timeout), 0);
    CU_ASSERT_EQUAL_FATAL(mem_link_init(&link, 1 << 20, 0), 0);
    CU_ASSERT_EQUAL_FATAL(mbed_client_init(&cli, 0x0304, 0x1301, NULL, NULL), 0);
    mbedtls_ssl_set_bio(&cli.ssl, &link, mem_link_client_send, mem_link_client_recv, NULL);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(cfg, &conn), 0);
    CU_ASSERT_EQUAL(ktla_set_io(conn, mem_link_server_recv, mem_link_server_send, &link), 0);
    rc = ktla_accept(conn);
    CU_ASSERT_EQUAL(ktla_get_error(conn, rc), KTLA_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(mbedtls_ssl_handshake(&cli.ssl), MBEDTLS_ERR_SSL_WANT_READ); /* the ClientHello is there at once */
    sleep_ms(timeout + timeout / 2);
    rc = ktla_accept(conn);
    assert_timed_out(conn, rc);
    ktla_conn_free(conn);
    mbed_client_free(&cli);
    mem_link_free(&link);
    ktla_config_free(cfg);
}

static void test_no_timeout_no_limit(void)
{
    struct rig r;
    int rc;

    rig_open(&r, fixture_config("ecdsa-p256"), 0, 1);
    rc = ktla_accept(r.conn);
    CU_ASSERT_EQUAL(ktla_get_error(r.conn, rc), KTLA_ERROR_WANT_READ);
    CU_ASSERT_EQUAL(ktla_get_handshake_time_left(r.conn), -1);
    CU_ASSERT_EQUAL(ktla_get_handshake_time_left(NULL), -1);
    rig_close(&r);
}

int add_handshake_timeout_suite(void)
{
    CU_pSuite s = CU_add_suite("handshake timeout: the client's silence", NULL, NULL);

    return s && CU_add_test(s, "a late server does not blame a client whose bytes wait",
                            test_late_server_does_not_blame_the_client) &&
                   CU_add_test(s, "non-blocking: a silent client is cut off at the timeout",
                               test_silent_client_nonblocking) &&
                   CU_add_test(s, "ktla_get_handshake_time_left counts down", test_time_left_counts_down) &&
                   CU_add_test(s, "non-blocking: a slowloris ClientHello is cut off", test_slowloris_nonblocking) &&
                   CU_add_test(s, "blocking: a slowloris ClientHello is cut off", test_slowloris_blocking) &&
                   CU_add_test(s, "blocking: a silent client is cut off", test_silent_client_blocking) &&
                   CU_add_test(s, "blocking: a client that stops reading cannot hold a send",
                               test_client_that_stops_reading_blocking) &&
                   CU_add_test(s, "a timeout beyond poll()'s int range still bounds each wait",
                               test_huge_timeout_is_clamped) &&
                   CU_add_test(s, "caller-moved I/O: a wait counts whole", test_caller_io_wait_counts_whole) &&
                   CU_add_test(s, "no timeout: no limit, no time left", test_no_timeout_no_limit)
               ? 0
               : -1;
}
